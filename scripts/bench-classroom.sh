#!/usr/bin/env bash
# The live classroom's load benchmark (issue 39; docs/performance.md): 300 students in one room, then 10 rooms
# of 300, against bilevel-lab-server started as its own process. Prints one JSON line per phase, then the worst.
# 3 000 sockets on each side need more open files than the usual soft limit of 1 024.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_rust
cd "$ROOT"
cargo build --release -p bilevel-lab-server
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 16384
exec "${CARGO_TARGET_DIR:-$ROOT/target}/release/bilevel-lab-server" bench "$@"
