#!/usr/bin/env bash
# Runs the unit and integration tests under AddressSanitizer (nightly toolchain), natively:
# unlike valgrind, the CPU's own instruction sets run, so on an AVX-512 machine the AVX-512
# kernels are the ones checked. Any out-of-bounds access, use after free or leak fails the
# run with ASan's report.
#
#   scripts/asan.sh
#
# Installs the nightly toolchain when it is missing. Builds into target/asan (instrumented
# code must not mix with the normal build). The doctests are not run here (rustdoc would
# need the same flags; they only call the public API the other tests cover).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
host=$(rustc -vV | sed -n 's/^host: //p')
export RUSTFLAGS="-Zsanitizer=address"
export CARGO_TARGET_DIR=target/asan
# tests/reliability.rs asks for allocations no machine has, expecting `AllocationFailed`:
# ASan must return null for them as the system allocator does, not abort.
export ASAN_OPTIONS="${ASAN_OPTIONS:-allocator_may_return_null=1}"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "=== cargo +nightly test --target $host --lib --tests (RUSTFLAGS=$RUSTFLAGS)"
cargo +nightly test --target "$host" --lib --tests 2>&1 | tee "$log"
# The kernel levels that ran: every registered instance the CPU supports, and the level
# the products above used by default.
cargo +nightly test --target "$host" --lib kernel::tests::every_kernel_instance_computes_its_tile \
    -- --nocapture 2>&1 | grep -E "^(checked kernels|skipping)"
cargo +nightly test --target "$host" --test plan auto_follows_its_plan_and_explains_it \
    -- --nocapture 2>&1 | grep -E "kernels on this CPU"
awk '/^test result:/ { passed += $4; failed += $6; binaries += 1 }
     END { printf "asan: %d passed, %d failed in %d test binaries (unit, integration)\n",
           passed, failed, binaries; exit failed > 0 }' "$log"
