#!/usr/bin/env bash
# Re-runs BLPO Fig. 3 as docs/numerics.md reports it: each scenario here through `bilevel-lab run` (release),
# every (learner, seed) on its own thread (BILEVEL_LAB_THREADS, default every core), the record written next
# to it as NAME.record.json; `scripts/control-table.py NAME.record.json` tables one. Pass the names to run
# (default all). The shipped records in assets/records/ came from these files on a 2-core VM: main-py-* 35–60
# min each, main-block-acrobot 71 min, main-block-cartpole 33 min, env-config-cartpole 29 min, env-config-acrobot
# 30 min, brax-* 20 min on one thread.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/../.."
cargo build --release --manifest-path "$root/Cargo.toml" --bin bilevel-lab
bin="${CARGO_TARGET_DIR:-$root/target}/release/bilevel-lab"
names=("$@")
[ ${#names[@]} -gt 0 ] || names=($(cd "$here" && ls *.json | sed 's/\.json$//' | grep -v '\.record$'))
for name in "${names[@]}"; do
  start=$(date +%s)
  "$bin" run "$here/$name.json" > "$here/$name.record.json"
  echo "$name: $(( $(date +%s) - start )) s"
done
