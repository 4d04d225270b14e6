#!/usr/bin/env bash
# Prints which top-level modules of src/ import which (one line each) and fails if the
# imports form a cycle. The check itself is the integration test tests/module_graph.rs, which `cargo test`
# also runs.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --quiet --test module_graph no_module_imports_itself_through_others -- --nocapture
