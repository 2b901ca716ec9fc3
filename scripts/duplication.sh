#!/usr/bin/env bash
# Duplicated code under src/, counted by jscpd (pinned in web/package.json; its own units: clones of at least
# 50 tokens and 5 lines, exact). Fails when the count or the duplicated lines rise above the committed
# baseline, .ci/duplication-baseline; the baseline may only go down (`--lower` writes the current figures
# when they are lower). Run by the first stage of scripts/test.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASELINE="$ROOT/.ci/duplication-baseline"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
"$ROOT/web/node_modules/.bin/jscpd" "$ROOT/src" --min-tokens 50 --min-lines 5 --reporters json \
    --output "$OUT" --silent >/dev/null
read -r clones lines < <(python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["statistics"]["total"]
print(t["clones"], t["duplicatedLines"])' "$OUT/jscpd-report.json")
read -r base_clones base_lines < <(grep -v '^#' "$BASELINE")
echo "duplication (jscpd): $clones clones, $lines duplicated lines; baseline $base_clones clones, $base_lines lines"
if [ "${1:-}" = "--lower" ]; then
    if [ "$clones" -le "$base_clones" ] && [ "$lines" -le "$base_lines" ]; then
        printf '# jscpd clones, duplicated lines under src/ (scripts/duplication.sh); may only go down\n%s %s\n' \
            "$clones" "$lines" >"$BASELINE"
        echo "baseline lowered to $clones $lines"
    fi
    exit 0
fi
# The baseline's own history: every committed version at or below the one before it.
if [ "$(git -C "$ROOT" rev-parse --is-shallow-repository 2>/dev/null)" = "false" ]; then
    git -C "$ROOT" log --reverse --format=%H -- .ci/duplication-baseline | while read -r rev; do
        git -C "$ROOT" show "$rev:.ci/duplication-baseline" | grep -v '^#'
    done | awk 'NR > 1 && ($1 > c || $2 > l) { print "the committed baseline rose: " c " " l " -> " $1 " " $2; bad = 1 }
                { c = $1; l = $2 } END { exit bad }' >&2
else
    echo "duplication: a shallow clone, the baseline's history is not checked"
fi
if [ "$clones" -gt "$base_clones" ] || [ "$lines" -gt "$base_lines" ]; then
    echo "duplication above the baseline: list the clones with" \
        "web/node_modules/.bin/jscpd src --min-tokens 50 --min-lines 5" >&2
    exit 1
fi
