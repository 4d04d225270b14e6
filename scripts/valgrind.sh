#!/usr/bin/env bash
# Runs the crate's unit tests (the kernels, packing and views) and the strategy tests under
# valgrind memcheck; any memory error fails the run.
#
#   scripts/valgrind.sh            # needs valgrind (Debian: apt-get install valgrind)
#
# valgrind does not emulate AVX-512: under it the CPU reports AVX2 at most, so the AVX2 and
# portable kernels are the ones checked (the AVX-512 kernels are the same generic tile kernel,
# src/kernel/tile.rs, over other registers). Only fixed tests run here, no property tests.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
run() {
    local bin="$1"; shift
    echo "=== valgrind $(basename "$bin") $*"
    valgrind --quiet --error-exitcode=99 --leak-check=no --track-origins=no "$bin" --test-threads=2 "$@"
}
lib=$(cargo test --lib --no-run --message-format=json 2>/dev/null \
    | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | head -1)
strategies=$(cargo test --test strategies --no-run --message-format=json 2>/dev/null \
    | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | head -1)
run "$lib"
run "$strategies" fixed_edge_sizes larger_than_one_cache_block blocked_with_unusual_layouts gemm_alpha_beta
echo "valgrind: no errors"
