#!/usr/bin/env python3
"""The convergence map's CPU twin against numpy, in one run on one machine (issue 18).

Usage: scripts/bench-vs-numpy.py BILEVEL_LAB_BINARY NUMPY_ANCHORS_PY [N ...]
For each grid side N (default 128 256 512): `bilevel-lab bench N 1000` (the twin's time on one core and on
every core, f32, the same game as numpy's: Stackelberg, reg 0.04, step 0.01) and numpy_anchors.py's
vectorized conv_map(N, 1000) (float64, one core, best of 3), printed as JSON lines with the ratios numpy /
twin.
"""
import json
import subprocess
import sys

binary, anchors = sys.argv[1], sys.argv[2]
sides = [int(a) for a in sys.argv[3:]] or [128, 256, 512]
source = open(anchors, encoding="utf-8").read().split('if __name__')[0]
ns = {}
exec(compile(source, anchors, "exec"), ns)
for n in sides:
    out = subprocess.run([binary, "bench", str(n), "1000"], capture_output=True, text=True, check=True)
    ours = json.loads(out.stdout.strip().splitlines()[-1])
    numpy_s = ns["best"](lambda: ns["conv_map"](n=n, T=1000), n=3)
    print(json.dumps({
        "grid": n, "steps": 1000,
        "twin_seconds": ours["cpu_twin_seconds"],
        "numpy_seconds": numpy_s,
        "numpy_over_twin": numpy_s / ours["cpu_twin_seconds"],
        "cores": ours["cpu_cores"],
        "twin_all_cores_seconds": ours["cpu_twin_all_cores_seconds"],
        "numpy_over_twin_all_cores": numpy_s / ours["cpu_twin_all_cores_seconds"],
        "gpu_seconds": ours["gpu_seconds"], "compute_backend": ours["compute_backend"],
    }))
