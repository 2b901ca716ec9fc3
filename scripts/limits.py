#!/usr/bin/env python3
"""The house's limits, checked by the first stage of scripts/test.sh (issue 35).

    python3 scripts/limits.py            check, print what breaks a limit, exit 1 if anything does
    python3 scripts/limits.py --report   also list the longest files and every module's imports

1. No file under src/ (or crates/*/src/) over 500 lines outside its tests. A file's tests are its `#[cfg(test)]` items (a
   `mod tests { … }` block or a single item, up to its closing brace at the same indentation); files named
   tests.rs or tests_*.rs are tests as a whole.
2. No import circle: a module file (src/**/*.rs) imports another when its non-test code names it by path —
   `use crate::a::b::…`, `super::…`, `self::…`, an inline `crate::a::b::item`, or a path from one of its child
   modules (`views::all()` in app/mod.rs). A module naming one of its own ancestors does not count (a child
   uses its parent's items: the parent is its namespace); a parent's `mod child;` line is a declaration. A
   circle is a strongly connected set of two or more module files.
3. No line over 160 characters in README.md or ARCHITECTURE.md, and README.md at most 250 lines.
4. Colours come from one place (issue 38): outside app/look.rs (marks, text, backgrounds) and
   app/widgets/colormap.rs (heat maps), no code under src/app makes a colour — no `Color32::from_…`, no named
   colour but TRANSPARENT and PLACEHOLDER, no `gamma_multiply` or `linear_multiply` — so the contrast test of
   look.rs sees every colour a plot draws.
5. No script marker (`x_k`, `∇²_yy`, `C^T`) in a string that egui shows as written — a hover text, a plot
   item's legend name, an axis label, a RichText or a plain label: those go through app::widgets::math
   (`label`, `strong`, `hover`, `job`), or say it without a script.

Duplicated code is the other limit; jscpd counts it (scripts/duplication.sh, baseline in
.ci/duplication-baseline).
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "src")
MAX_LINES = 500
MAX_DOC_LINE = 160
MAX_README = 250
PLAIN_SINK = re.compile(
    r'(on_hover_text|(Line|Points|HLine|VLine|BarChart|Arrows|FilledArea|Polygon)::new|_axis_label|RichText::new|'
    r'ui\.(label|weak|strong|heading|small|monospace))\((format!\()?"([^"`]*)"')
SCRIPT = re.compile(r"[^\s\\_]_(\{|[A-Za-zα-ωΦ∇0-9])|[^\s\\]\^(\{|[-−A-Za-z0-9])")
COLOUR_HOMES = ("src/app/look.rs", "src/app/widgets/colormap.rs")
COLOUR = re.compile(r"Color32::(from_\w+|(?!TRANSPARENT\b|PLACEHOLDER\b)[A-Z][A-Z_]+\b)|\.(gamma|linear)_multiply\(")


def is_test_file(path):
    name = os.path.basename(path)
    return name == "tests.rs" or name.startswith("tests_")


def non_test_lines(text):
    """The file's lines without its `#[cfg(test)]` items."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    kept = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("#[cfg(test)]"):
            indent = len(line) - len(line.lstrip())
            j = i + 1
            # Attributes and doc comments between the cfg and its item.
            while j < len(lines) and (lines[j].strip().startswith("#[") or lines[j].strip().startswith("///")):
                j += 1
            if j < len(lines) and lines[j].rstrip().endswith(";"):
                i = j + 1  # `mod tests;` or a one-line item
                continue
            # Skip to the closing brace at the item's indentation.
            k = j
            while k < len(lines):
                l = lines[k]
                if l.strip() == "}" and len(l) - len(l.lstrip()) == indent and k > j:
                    break
                if k == j and l.rstrip().endswith("}") and l.count("{") == l.count("}") and "{" in l:
                    break
                k += 1
            i = k + 1
            continue
        kept.append(line)
        i += 1
    return kept


def rust_files(roots=(SRC,)):
    for root in roots:
        for dirpath, _, files in os.walk(root):
            for f in sorted(files):
                if f.endswith(".rs"):
                    yield os.path.join(dirpath, f)


def crate_sources():
    """The workspace's other crates' src/ folders (crates/*/src): the line limit holds there too."""
    crates = os.path.join(ROOT, "crates")
    if not os.path.isdir(crates):
        return ()
    return tuple(os.path.join(crates, c, "src") for c in sorted(os.listdir(crates)))


def module_path(path):
    """src/app/views/mod.rs → ('app', 'views'); src/lib.rs → ()."""
    rel = os.path.relpath(path, SRC)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib", "main"):
        rel = rel[:-1]
    return tuple(rel)


USE_RE = re.compile(r"\buse\s+((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)*)(::\{[^;]*\})?", re.S)
INLINE_RE = re.compile(r"\bcrate((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
PATH_RE = re.compile(r"\b([a-z_][a-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)+)")


def expand_group(prefix, group):
    """`crate::a::{b, c::{d, e}}` → crate::a::b, crate::a::c::d, crate::a::c::e (names only)."""
    out = []
    if not group:
        return [prefix]
    body = group[3:-1]  # strip '::{' and '}'
    depth, start, parts = 0, 0, []
    for i, ch in enumerate(body):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    for part in parts:
        part = re.sub(r"\s+as\s+\w+", "", part.strip())
        if not part:
            continue
        m = re.match(r"([A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)(::\{.*\})?$", part, re.S)
        if m:
            name = m.group(1)
            sub = prefix + "::" + name if name != "self" else prefix
            out.extend(expand_group(sub, m.group(2)))
        else:
            out.append(prefix)
    return out


def resolve(segments, here, modules):
    """The longest prefix of a path that is a module file, as that module's path."""
    path = list(here)
    segs = list(segments)
    if segs[0] == "crate":
        path = []
        segs = segs[1:]
    else:
        while segs and segs[0] in ("super", "self"):
            if segs[0] == "super":
                path = path[:-1]
            segs = segs[1:]
    best = tuple(path) if tuple(path) in modules else None
    for s in segs:
        path.append(s)
        if tuple(path) in modules:
            best = tuple(path)
        else:
            break
    return best


def imports():
    modules = {}
    for f in rust_files():
        modules[module_path(f)] = f
    edges = {m: set() for m in modules}
    for m, f in modules.items():
        if is_test_file(f) or m and m[0] == "web" and False:
            continue
        code = "\n".join(non_test_lines(open(f, encoding="utf-8").read()))
        code = re.sub(r"//[^\n]*", "", code)
        here = m if not f.endswith(("mod.rs", "lib.rs", "main.rs")) else m
        # `super` in a file module a/b.rs is a; in a/b/mod.rs it is a too (the module is a::b).
        refs = []
        for use in USE_RE.finditer(code):
            refs.extend(expand_group(use.group(1), use.group(2)))
        for inline in INLINE_RE.finditer(code):
            refs.append("crate" + inline.group(1))
        # Paths that start at a child module (`views::all()`, `use views::X` in app/mod.rs).
        for rel in PATH_RE.finditer(code):
            first = rel.group(1).split("::")[0]
            if m + (first,) in modules and code[max(0, rel.start() - 2):rel.start()] != "::":
                refs.append("self::" + rel.group(1))
        for r in refs:
            target = resolve(r.split("::"), here, modules)
            # A module naming one of its ancestors (`super::State` in a view's controls.rs) is inside its
            # namespace, not an import across the tree; everything else counts, a parent naming its child too.
            if target is not None and target != m[: len(target)]:
                edges[m].add(target)
    return modules, edges


def circles(edges):
    """Tarjan's strongly connected components of two or more modules."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def main():
    report = "--report" in sys.argv
    failures = []
    lengths = []
    for f in rust_files((SRC,) + crate_sources()):
        if is_test_file(f):
            continue
        kept = non_test_lines(open(f, encoding="utf-8").read())
        n = len(kept)
        rel = os.path.relpath(f, ROOT)
        lengths.append((n, rel))
        if rel.startswith("src/app/") and rel not in COLOUR_HOMES:
            for line in kept:
                hit = COLOUR.search(line)
                if hit and not line.strip().startswith("//"):
                    failures.append(f"{rel}: makes a colour (`{hit.group(0)}`): take it from app::look")
                for sink in PLAIN_SINK.finditer(line):
                    if SCRIPT.search(sink.group(5)):
                        failures.append(f"{rel}: `{sink.group(5)}` is shown as written: lay its scripts out (math)")
        if n > MAX_LINES:
            failures.append(f"{os.path.relpath(f, ROOT)}: {n} lines outside its tests (limit {MAX_LINES})")
    modules, edges = imports()
    for comp in circles(edges):
        names = ", ".join("::".join(c) or "crate" for c in comp)
        failures.append(f"import circle of {len(comp)} modules: {names}")
    for doc in ("README.md", "ARCHITECTURE.md"):
        lines = open(os.path.join(ROOT, doc), encoding="utf-8").read().split("\n")
        for i, line in enumerate(lines, 1):
            if len(line) > MAX_DOC_LINE:
                failures.append(f"{doc}:{i}: {len(line)} characters (limit {MAX_DOC_LINE})")
        if doc == "README.md" and len(lines) - 1 > MAX_README:
            failures.append(f"README.md: {len(lines) - 1} lines (limit {MAX_README})")
    if report:
        for n, f in sorted(lengths, reverse=True)[:15]:
            print(f"{n:5d}  {f}")
        for m in sorted(edges):
            if edges[m]:
                print("::".join(m), "->", ", ".join(sorted("::".join(t) for t in edges[m])))
    for line in failures:
        print("limits:", line)
    longest = max(lengths)
    print(f"limits: {len(lengths)} files, the longest {longest[1]} ({longest[0]} lines outside its tests); "
          f"{sum(len(e) for e in edges.values())} imports between {len(modules)} modules; "
          f"{len(failures)} over a limit")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
