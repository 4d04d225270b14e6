#!/usr/bin/env bash
# Prints which src/ files import which (one line per file) and fails if the imports form a
# cycle. The check itself is the integration test tests/module_graph.rs, which `cargo test`
# also runs.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --quiet --test module_graph no_file_imports_itself_through_others -- --nocapture
