#!/usr/bin/env bash
# Builds the release web app and serves it on http://127.0.0.1:8080 (installs what is missing first).
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_rust
ensure_trunk
ensure_wasm_bindgen
ensure_npm
web_build
step "serving"
exec node "$ROOT/web/serve.mjs" "$ROOT/dist" "${PORT:-8080}"
