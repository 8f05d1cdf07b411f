#!/usr/bin/env bash
# Installs, idempotently, every tool that building, serving and testing kscope needs on a
# Debian machine: the wasm32 target, pinned trunk and wasm-bindgen-cli, wasm-opt from npm's
# binaryen, terser from npm, Debian's chromium and chromium-driver, and the npm packages of the end-to-end tests.
# Cold it takes about 15 minutes on 2 cores; warm, a second or two.
set -euo pipefail

TRUNK_VER=0.21.14
# Must equal the wasm-bindgen version pinned with `=` in the workspace Cargo.toml.
WBG_VER=0.2.130
BINARYEN_VER=132.0.0
BINARYEN_PREFIX=${BINARYEN_PREFIX:-/opt/binaryen}
# terser minifies the page's JavaScript in release builds (scripts/minify-js.mjs).
TERSER_VER=5.51.4
TERSER_PREFIX=${TERSER_PREFIX:-/opt/terser}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$BINARYEN_PREFIX/bin:$HOME/.cargo/bin:$PATH"

say() { printf '[ensure-tools] %s\n' "$*"; }

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  say "installing chromium and chromium-driver from Debian"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
    chromium chromium-driver fonts-dejavu-core fonts-noto-cjk
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VER" ]; then
  say "installing trunk $TRUNK_VER (about 11 minutes)"
  cargo install trunk --locked --version "$TRUNK_VER"
fi

if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WBG_VER" ]; then
  say "installing wasm-bindgen-cli $WBG_VER (about 4 minutes)"
  if ! cargo install wasm-bindgen-cli --locked --version "$WBG_VER"; then
    # The published lock file pins a webpki-roots release the registry no longer serves;
    # rebuild from the cached crate with that one entry moved back a patch release.
    tmp=$(mktemp -d)
    tar xzf "$(ls ~/.cargo/registry/cache/*/wasm-bindgen-cli-"$WBG_VER".crate | head -1)" -C "$tmp"
    ( cd "$tmp/wasm-bindgen-cli-$WBG_VER" \
      && cargo update -p webpki-roots --precise 1.0.10 \
      && cargo install --locked --force --path . )
    rm -rf "$tmp"
  fi
fi

if [ "$(wasm-opt --version 2>/dev/null | awk '{print $3}')" != "${BINARYEN_VER%%.*}" ]; then
  say "installing wasm-opt from npm binaryen@$BINARYEN_VER"
  npm install -g --prefix "$BINARYEN_PREFIX" --no-audit --no-fund "binaryen@$BINARYEN_VER"
fi

if [ "$("$TERSER_PREFIX/bin/terser" --version 2>/dev/null | awk '{print $2}')" != "$TERSER_VER" ]; then
  say "installing terser $TERSER_VER from npm"
  npm install -g --prefix "$TERSER_PREFIX" --no-audit --no-fund "terser@$TERSER_VER"
fi

if [ -f "$ROOT/e2e/package.json" ] && { [ ! -d "$ROOT/e2e/node_modules/playwright-core" ] || [ ! -d "$ROOT/e2e/node_modules/axe-core" ]; }; then
  say "installing the end-to-end tests' npm packages"
  ( cd "$ROOT/e2e" && npm ci --no-audit --no-fund )
fi
say "tools ready: $(trunk --version), $(wasm-bindgen --version), wasm-opt $(wasm-opt --version | awk '{print $3}')"
