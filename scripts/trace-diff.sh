#!/usr/bin/env bash
# Compares the core's behaviour at a git revision (default: HEAD) with the work tree:
# both write the reference runs' traces (tests/src/trace.rs) and the first event that
# differs is named with its run, sequence number and instant. A rewrite that must not
# change behaviour passes with "same trace".
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REV=${1:-HEAD}
BASE="$ROOT/target/trace-base"
rm -rf "$BASE/src"
mkdir -p "$BASE"
git -C "$ROOT" worktree add --detach --force "$BASE/src" "$REV" >/dev/null
trap 'git -C "$ROOT" worktree remove --force "$BASE/src"' EXIT
( cd "$BASE/src" && CARGO_TARGET_DIR="$BASE/target" cargo run -q --release -p kscope-tests --bin trace -- write "$BASE/left.trace" )
( cd "$ROOT" && cargo run -q --release -p kscope-tests --bin trace -- write "$BASE/right.trace" )
( cd "$ROOT" && cargo run -q --release -p kscope-tests --bin trace -- diff "$BASE/left.trace" "$BASE/right.trace" )
