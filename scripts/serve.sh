#!/usr/bin/env bash
# Builds the release web app, precompresses it and serves it with bilevel-lab-server — the site as a real host
# serves it, and the live classroom at BASE/live (installs what is missing first; docs/classroom.md).
#   ./scripts/serve.sh                     http://127.0.0.1:8080/, this machine only
#   HOST=0.0.0.0 ./scripts/serve.sh        also to the lecture room's network (see README)
#   PORT=9000 BASE=/bilevel-lab/ ...       another port, under a sub-path
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
build_site
step "the server (cargo build --release -p bilevel-lab-server)"
(cd "$ROOT" && cargo build --release -p bilevel-lab-server)
step "serving"
exec "${CARGO_TARGET_DIR:-$ROOT/target}/release/bilevel-lab-server" --site "$ROOT/dist" \
  --host "${HOST:-127.0.0.1}" --port "${PORT:-8080}" --base "${BASE:-/}"
