#!/usr/bin/env python3
"""Freeze what the CLI computes, to show that a refactor changed no number (issue 35).

    python3 scripts/freeze-outputs.py BIN DIR            run everything, store the outputs in DIR
    python3 scripts/freeze-outputs.py BIN DIR --compare  run everything again, compare with DIR, exit 1 on a change

BIN is a built `bilevel-lab` (e.g. target/debug/bilevel-lab). What runs:
- every JSON block of docs/*.md that is a scenario (it has a "kind"), through `bilevel-lab run -`;
- every view's default document, `{"kind": K}` for each view kind, and the stepping views' played some steps;
- `bilevel-lab lesson check --all` and `lesson check` on every lesson file in tests/fixtures/.
A `control` scenario's `total_steps` is cut to 4 096 (a debug build trains 100 000 steps for half an hour;
the comparison needs the same input before and after, not the paper's length). Wall times (keys naming
seconds, milliseconds or wall time) are masked, and so are the frames a lesson step took (work is sliced by
time, so the count follows the machine's speed); every other number is compared as
text, so "the same" means bit for bit. Renamed fields can be mapped with --rename OLD=NEW (repeatable).
"""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VIEW_KINDS = ["stackelberg", "playground", "ihvp_lab", "soft_rl", "control_lab"]
# Each stepping view's default played some steps (a debug build's minutes, not hours).
VIEW_STEPS = {"stackelberg": 3000, "playground": 400, "soft_rl": 25, "control_lab": 1}
TIME_KEY = re.compile(r"(seconds|wall|_ms$|^ms$|elapsed|per_update_s|time_s)", re.I)


def scenarios_in_docs():
    out = []
    for name in sorted(os.listdir(os.path.join(ROOT, "docs"))):
        if not name.endswith(".md"):
            continue
        text = open(os.path.join(ROOT, "docs", name), encoding="utf-8").read()
        for i, block in enumerate(re.findall(r"```json\n(.*?)```", text, re.S)):
            try:
                doc = json.loads(block)
            except json.JSONDecodeError:
                continue
            if isinstance(doc, dict) and "kind" in doc:
                if doc["kind"] == "control":
                    doc["total_steps"] = min(doc.get("total_steps", 4096), 4096)
                    block = json.dumps(doc)
                out.append((f"{name[:-3]}-{i:02d}-{doc['kind']}", ["run", "-"], block))
    return out


def jobs():
    out = scenarios_in_docs()
    for kind in VIEW_KINDS:
        out.append((f"view-{kind}", ["run", "-"], json.dumps({"kind": kind})))
        if kind in VIEW_STEPS:
            doc = json.dumps({"kind": kind, "step": VIEW_STEPS[kind]})
            out.append((f"view-{kind}-step", ["run", "-"], doc))
    out.append(("lesson-check-all", ["lesson", "check", "--all"], None))
    fixtures = os.path.join(ROOT, "tests", "fixtures")
    for name in sorted(os.listdir(fixtures)):
        if name.endswith(".lesson"):
            out.append((f"lesson-{name}", ["lesson", "check", os.path.join(fixtures, name)], None))
    return out


def mask(value, renames):
    if isinstance(value, dict):
        return {renames.get(k, k): ("<time>" if TIME_KEY.search(k) else mask(v, renames)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v, renames) for v in value]
    return value


def normalise(text, renames):
    """JSON output with its times masked; other text with numbers followed by s/ms masked."""
    try:
        return json.dumps(mask(json.loads(text), renames), indent=1, sort_keys=True)
    except json.JSONDecodeError:
        return re.sub(r"\d+(\.\d+)?\s?(ms|s)\b", "<time>", masked(text))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    renames = dict(a[len("--rename="):].split("=", 1) for a in sys.argv[1:] if a.startswith("--rename="))
    compare = "--compare" in sys.argv
    if len(args) != 2:
        print(__doc__)
        return 2
    binary, folder = args
    os.makedirs(folder, exist_ok=True)
    changed = 0
    for name, argv, stdin in jobs():
        run = subprocess.run([binary, *argv], input=stdin, capture_output=True, text=True, cwd=ROOT)
        got = f"exit {run.returncode}\n" + normalise(run.stdout, renames) + "\n--- stderr\n" + run.stderr
        path = os.path.join(folder, name + ".txt")
        if compare:
            want = open(path, encoding="utf-8").read() if os.path.exists(path) else None
            if want is None:
                print(f"new       {name}")
                changed += 1
            elif masked(normalise_stored(want, renames)) != masked(got):
                print(f"CHANGED   {name}")
                open(path + ".new", "w", encoding="utf-8").write(got)
                changed += 1
            else:
                print(f"same      {name}")
        else:
            open(path, "w", encoding="utf-8").write(got)
            print(f"stored    {name} (exit {run.returncode}, {len(run.stdout)} bytes)")
    if compare:
        print(f"{changed} changed" if changed else "every output the same, bit for bit (times masked)")
    return 1 if changed else 0


def masked(text):
    """How many frames a headless step took depends on the machine's speed (work is sliced by time)."""
    return re.sub(r"\d+ frames", "<n> frames", text)


def normalise_stored(text, renames):
    """A stored output with renames applied to its JSON part (stored before the rename)."""
    if not renames:
        return text
    head, _, rest = text.partition("\n")
    body, sep, err = rest.partition("\n--- stderr\n")
    try:
        body = json.dumps(mask(json.loads(body), renames), indent=1, sort_keys=True)
    except json.JSONDecodeError:
        pass
    return head + "\n" + body + sep + err


if __name__ == "__main__":
    sys.exit(main())
