#!/usr/bin/env bash
# Builds the release web app, precompresses it and serves it (installs what is missing first).
#   ./scripts/serve.sh                     http://127.0.0.1:8080/, this machine only
#   HOST=0.0.0.0 ./scripts/serve.sh        also to the lecture room's network (see README)
#   PORT=9000 BASE=/bilevel-lab/ ...       another port, under a sub-path
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
build_site
step "serving"
exec node "$ROOT/web/serve.mjs" "$ROOT/dist" "${PORT:-8080}"
