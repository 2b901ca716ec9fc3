#!/usr/bin/env bash
# Builds the release web app, precompresses it and serves it (installs what is missing first).
#   ./scripts/serve.sh                     http://127.0.0.1:8080/, this machine only
#   HOST=0.0.0.0 ./scripts/serve.sh        also to the lecture room's network (see README)
#   PORT=9000 BASE=/bilevel-lab/ ...       another port, under a sub-path
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_rust
ensure_trunk
ensure_wasm_bindgen
ensure_npm
web_build
step "precompress (.gz, .br)"
node "$ROOT/web/compress.mjs" "$ROOT/dist"
step "serving"
exec node "$ROOT/web/serve.mjs" "$ROOT/dist" "${PORT:-8080}"
