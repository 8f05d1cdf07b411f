#!/usr/bin/env bash
# The throughput benchmark, natively and compiled to WebAssembly (run in Node's WASI
# host). Prints "native records/s: N" and, from the wasm build, the same line's figure
# as "wasm records/s: N".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo bench -p kscope-core --bench throughput
rustup target list --installed | grep -qx wasm32-wasip1 || rustup target add wasm32-wasip1
cargo bench -p kscope-core --bench throughput --target wasm32-wasip1 --no-run 2>/dev/null
wasm=$(ls -t target/wasm32-wasip1/release/deps/throughput-*.wasm | head -1)
node --no-warnings scripts/bench-wasm.mjs "$wasm" | sed 's/^native records/wasm records/'
