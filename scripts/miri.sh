#!/usr/bin/env bash
# Runs a subset of the tests under Miri (nightly), which checks every memory access, the
# pointer arithmetic of the views and, across threads, data races.
#
#   scripts/miri.sh
#
# Miri runs code about a thousand times slower and reports no AVX2 or AVX-512, so the
# portable kernels run (PARMAT_SIMD=portable says so explicitly) and the subset is the
# code whose unsafe blocks do not depend on the instruction set: the views (tests/matrix.rs),
# the dot products, the lock tracker of `sync` and its threaded scenarios (tests/sync.rs,
# with fewer rounds under Miri; Miri also reports data races), and the work splitting on
# rayon's threads.
# The hand-written kernels are checked by scripts/asan.sh and scripts/valgrind.sh.
#
# Flags: Tree Borrows, because crossbeam-epoch (under rayon) breaks the stricter Stacked
# Borrows rules in its own code; leaks ignored, because rayon's global pool threads are
# still parked when the test binary returns.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
rustup +nightly component list --installed | grep -q '^miri' ||
    rustup +nightly component add miri rust-src
export PARMAT_SIMD=portable
export MIRIFLAGS="-Zmiri-env-forward=PARMAT_SIMD -Zmiri-tree-borrows -Zmiri-ignore-leaks"

echo "=== cargo +nightly miri test --lib (dot products, lock tracker, work splitting)"
cargo +nightly miri test --lib -- kernel::dot sync::tracker workers::tests \
    strategy::blocked::direct_tests::lane_wise
echo "=== cargo +nightly miri test --test matrix (views)"
cargo +nightly miri test --test matrix
echo "=== cargo +nightly miri test --test sync (threaded scenarios, fewer rounds)"
cargo +nightly miri test --test sync -- readers_share ring transfers ascending \
    snapshots_never panic_in_a_closure timeouts_leave stress_8 accumulate
echo "miri: no undefined behaviour found"
