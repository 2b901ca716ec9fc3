#!/usr/bin/env bash
# The Control tab's training in Web Workers against the native CLI (issue 40; docs/performance.md): builds the
# site (when dist/ is missing) and the release CLI, then web/bench-workers.mjs prints the timings, the UI thread's
# CPU per frame while training, and a last line of JSON. About 5 minutes on a 2-core VM.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_rust
ensure_npm
cd "$ROOT"
[ -f dist/index.html ] || build_site
cargo build --release --bin bilevel-lab
exec node web/bench-workers.mjs dist "${CARGO_TARGET_DIR:-$ROOT/target}/release/bilevel-lab"
