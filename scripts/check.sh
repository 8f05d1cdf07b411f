#!/usr/bin/env bash
# Runs every check kscope has, installing whatever is missing first:
# formatting, clippy on the host and on wasm32, every test (native, wasm32 in Node, and in
# headless Chromium), the no_std probe, the core's dependency rule, the release build of
# the page and the end-to-end tests. CI runs exactly this (.ci/run).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
START=$(date +%s)
step() { printf '\n==> %s  (+%ss)\n' "$*" "$(( $(date +%s) - START ))"; }

step "tools"
bash scripts/ensure-tools.sh
export PATH="${BINARYEN_PREFIX:-/opt/binaryen}/bin:$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
export CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
# The property tests draw their cases from this seed, so every run of this script (and
# CI) tests the same cases; set another to explore (`PROPTEST_RNG_SEED=7 cargo test`).
export PROPTEST_RNG_SEED=${PROPTEST_RNG_SEED:-20261201}
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed | grep -q '^clippy' || rustup component add clippy
rustup target list --installed | grep -qx thumbv7em-none-eabihf || rustup target add thumbv7em-none-eabihf

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (host)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "clippy (wasm32)"
cargo clippy -p kscope-core -p kscope-web -p kscope-tests --all-targets --target wasm32-unknown-unknown --locked -- -D warnings

step "kscope-core depends on no browser crate"
banned=$(cargo tree -p kscope-core --edges normal,build --prefix none --target all --locked \
  | awk '{print $1}' | grep -E '^(wasm-bindgen|web-sys|js-sys|yew|gloo)' || true)
if [ -n "$banned" ]; then
  echo "kscope-core must not depend on: $banned" >&2
  exit 1
fi
echo "none of wasm-bindgen, web-sys, js-sys, yew, gloo"

step "no_std probe (thumbv7em-none-eabihf has no std at all)"
cargo build -p kscope-nostd-probe --target thumbv7em-none-eabihf --release --locked

step "native tests"
cargo test --workspace --locked -- --skip properties::

step "property tests: over 1,000 fault schedules (each prints how many ran, and its seed)"
cargo test -p kscope-tests --test it --locked properties:: -- --nocapture

step "wasm32 tests in Node (determinism across platforms)"
cargo test -p kscope-tests --target wasm32-unknown-unknown --locked

step "browser tests in headless Chromium"
cargo test -p kscope-web --target wasm32-unknown-unknown --locked

step "release build of the page"
trunk build --release
ls -l dist

step "end-to-end tests (Playwright, Debian's Chromium)"
( cd e2e && node --test )

step "all checks passed in $(( $(date +%s) - START ))s"
