//! The crate's modules import each other without a circle.
//!
//! Walks `src/`, reads every `crate::…` path outside comments (in `use` declarations and in
//! code), resolves each to the top-level module it names (a root re-export to the module
//! it comes from), and fails on a cycle among the top-level modules (`element`, `matrix`,
//! `kernel`, `workers`, `plan`, `strategy`, …). Inside one module, files may refer to each
//! other (a parent's type used by its children and the children's items re-exported by the
//! parent is how Rust modules are built); between modules, imports go one way.
//! `cargo test --test module_graph -- --nocapture` (or `scripts/module-graph.sh`) prints
//! the graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The paths `crate::…` in `line`, with use-groups (`crate::a::{b, c::d}`) expanded.
fn crate_paths(line: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        // `$crate::` in a macro is the same path; anything else glued on is another word.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        expand(rest, Vec::new(), &mut paths);
    }
    paths
}

/// Reads `ident(::ident)*` at the start of `text` after `prefix`, expanding a following
/// `::{…}` group, and pushes every full path.
fn expand(text: &str, mut prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut rest = text;
    loop {
        let ident: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if ident.is_empty() {
            break;
        }
        prefix.push(ident.clone());
        rest = &rest[ident.len()..];
        match rest.strip_prefix("::") {
            Some(after) => rest = after,
            None => break,
        }
    }
    if let Some(group) = rest.strip_prefix('{') {
        let mut depth = 0;
        let mut item_start = 0;
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    expand(group[item_start..i].trim(), prefix.clone(), out);
                    return;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(group[item_start..i].trim(), prefix.clone(), out);
                    item_start = i + 1;
                }
                _ => {}
            }
        }
        // A group continuing on the next lines: its first items are still edges.
        expand(group[item_start..].trim(), prefix.clone(), out);
    }
    if !prefix.is_empty() {
        out.push(prefix);
    }
}

/// Joins lines so that a `use crate::x::{` group spread over several lines reads as one.
fn logical_lines(source: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut open: Option<String> = None;
    for line in source.lines() {
        let code = line.trim();
        if code.starts_with("//") {
            continue;
        }
        match open.as_mut() {
            Some(pending) => {
                pending.push(' ');
                pending.push_str(code);
                if code.contains(';') {
                    lines.push(open.take().unwrap());
                }
            }
            None if code.contains("use ") && code.contains("crate::") && !code.contains(';') => {
                open = Some(code.to_string())
            }
            None => lines.push(code.to_string()),
        }
    }
    lines.extend(open);
    lines
}

/// The crate's top-level modules (`src/x.rs` or `src/x/`), each with the files in it.
fn top_level_modules(src: &Path) -> BTreeMap<String, Vec<PathBuf>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut modules: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(src).unwrap();
        let first = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let name = first.trim_end_matches(".rs").to_string();
        if name != "lib" {
            modules.entry(name).or_default().push(file);
        }
    }
    modules
}

/// The names `lib.rs` re-exports at the crate root (`pub use module::{A, B};`), each with
/// the top-level module it comes from, so that `crate::A` counts as an import of that
/// module rather than of the root.
fn root_reexports(src: &Path) -> BTreeMap<String, String> {
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs is readable");
    let mut names = BTreeMap::new();
    let mut rest = lib.as_str();
    while let Some(at) = rest.find("pub use ") {
        rest = &rest[at + "pub use ".len()..];
        let statement = &rest[..rest.find(';').unwrap_or(rest.len())];
        let mut paths = Vec::new();
        expand(
            statement.trim_start_matches("crate::"),
            Vec::new(),
            &mut paths,
        );
        for path in paths {
            if let (Some(module), Some(name)) = (path.first(), path.last()) {
                names.insert(name.clone(), module.clone());
            }
        }
    }
    names
}

/// Top-level module → the top-level modules its files name through `crate::` paths (in
/// `use` declarations and in code, comments and docs excluded), root re-exports resolved
/// to the module they come from. Paths inside one module (`super::`, `self::`, a child's
/// name) are that module's own business and are not edges.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = top_level_modules(&src);
    let root = root_reexports(&src);
    let mut graph = BTreeMap::new();
    for (module, files) in &modules {
        let mut targets = BTreeSet::new();
        for file in files {
            let source = std::fs::read_to_string(file).expect("a source file is readable");
            for line in logical_lines(&source) {
                for path in crate_paths(&line) {
                    let first = path[0].as_str();
                    let target = if modules.contains_key(first) {
                        Some(first.to_string())
                    } else {
                        root.get(first).cloned()
                    };
                    if let Some(target) = target.filter(|t| t != module) {
                        targets.insert(target);
                    }
                }
            }
        }
        graph.insert(module.clone(), targets);
    }
    graph
}

/// A cycle in `graph`, if there is one, as the files along it.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Visiting) => {
                let start = stack.iter().position(|n| n == node).unwrap();
                let mut cycle = stack[start..].to_vec();
                cycle.push(node.to_string());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(node.to_string(), Mark::Visiting);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, marks, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        marks.insert(node.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut marks, &mut Vec::new()))
}

#[test]
fn no_module_imports_itself_through_others() {
    let graph = graph();
    for (file, targets) in &graph {
        let targets: Vec<&str> = targets.iter().map(String::as_str).collect();
        println!("{file} -> {}", targets.join(", "));
    }
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "import cycle among the modules of src/: {}",
            cycle.join(" -> ")
        );
    }
}

/// The checker itself finds a cycle and expands use-groups.
#[test]
fn the_checker_finds_cycles_and_reads_groups() {
    let edges = |pairs: &[(&str, &str)]| {
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in pairs {
            graph
                .entry(from.to_string())
                .or_default()
                .insert(to.to_string());
            graph.entry(to.to_string()).or_default();
        }
        graph
    };
    assert_eq!(find_cycle(&edges(&[("a", "b"), ("b", "c")])), None);
    assert_eq!(
        find_cycle(&edges(&[("a", "b"), ("b", "c"), ("c", "a")])),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    let paths = crate_paths("use crate::kernel::{Simd, blocked::{units_for, x}};");
    let paths: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert!(paths.contains(&"kernel::Simd".to_string()), "{paths:?}");
    assert!(
        paths.contains(&"kernel::blocked::units_for".to_string()),
        "{paths:?}"
    );
    assert!(crate_paths("let x = 1; // no paths").is_empty());
    assert!(crate_paths("use parmat_crate::x;").is_empty());
}
