#!/usr/bin/env bash
# Runs the library's unit tests, the integration tests and the doctests for another
# architecture under qemu-user, and builds the crate for a target without any hand-written
# kernel.
#
#   scripts/cross-test.sh aarch64   # NEON kernels, under qemu-aarch64
#   scripts/cross-test.sh wasm32    # build only: wasm32-unknown-unknown, no SIMD kernels
#
# Installs what it needs when it is missing: the Rust target (rustup) and, for aarch64,
# Debian's gcc-aarch64-linux-gnu (the linker and C library) and qemu-user (apt-get, as root
# or through sudo). Emulation is slow, so the property tests run a quarter of their cases
# (PARMAT_PROPTEST_SCALE, never fewer than one case); set it to 1 for the full count.
# Timings under qemu mean nothing: measure speed on real hardware (docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/.."

arch="${1:-}"
export CARGO_TERM_COLOR=never

need_target() {
    rustup target list --installed | grep -qx "$1" || rustup target add "$1"
}

need_debian_packages() {
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "$@" >/dev/null
}

case "$arch" in
aarch64)
    target=aarch64-unknown-linux-gnu
    need_target "$target"
    if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
        need_debian_packages gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
    fi
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"
    export PARMAT_PROPTEST_SCALE="${PARMAT_PROPTEST_SCALE:-0.25}"

    log=$(mktemp)
    trap 'rm -f "$log"' EXIT
    echo "=== cargo test --target $target (under qemu-aarch64, PARMAT_PROPTEST_SCALE=$PARMAT_PROPTEST_SCALE)"
    cargo test --target "$target" --lib --tests 2>&1 | tee "$log"
    cargo test --target "$target" --doc 2>&1 | tee -a "$log"
    # Which kernels ran: the registry test names every instance it checked.
    cargo test --target "$target" --lib kernel::tests::every_kernel_instance_computes_its_tile \
        -- --nocapture 2>&1 | grep -E "^(checked kernels|skipping)"
    awk '/^test result:/ { passed += $4; failed += $6; binaries += 1 }
         END { printf "%s: %d passed, %d failed in %d test binaries (unit, integration, doc)\n",
               "'"$target"'", passed, failed, binaries; exit failed > 0 }' "$log"
    ;;
wasm32)
    target=wasm32-unknown-unknown
    need_target "$target"
    echo "=== cargo build --target $target --no-default-features (portable kernel only)"
    RUSTFLAGS="-D warnings" cargo build --target "$target" --no-default-features --lib
    echo "$target: built"
    ;;
*)
    echo "usage: scripts/cross-test.sh aarch64|wasm32" >&2
    exit 2
    ;;
esac
