#!/usr/bin/env bash
# Builds kscope's page and serves it on http://127.0.0.1:8080, installing whatever is
# missing first (see scripts/ensure-tools.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/ensure-tools.sh
export PATH="${BINARYEN_PREFIX:-/opt/binaryen}/bin:$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
cargo fetch --quiet
# No live-reload script: Trunk would inject it inline, which the page's own content policy
# (index.html) refuses. Reload the browser after a rebuild.
exec trunk serve --release --no-autoreload "$@"
