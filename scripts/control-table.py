#!/usr/bin/env python3
"""Summarise `control` run records (bilevel-lab run's output for "kind": "control") as a markdown table.

Per learner: the final mean return (each seed's mean of its last 20 episodes at the last update) with its
95% Student-t interval over seeds; the environment steps at which the mean over seeds first reaches the
task's threshold (CartPole 475, Acrobot -100; `--threshold` overrides); the correction ratio
‖∇θω L·v̂‖/‖∇θJ‖ before the clip (median and 90th percentile over updates of the per-update minibatch
average); the clip rate (mean over updates); the cosine between ∇θJ and the direction followed (median).

Usage: scripts/control-table.py RECORD.json [RECORD.json ...] [--threshold X]
"""
import json
import math
import statistics
import sys

T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042]
THRESHOLD = {"cartpole": 475.0, "acrobot": -100.0}


def band(values):
    v = [x for x in values if x is not None and math.isfinite(x)]
    n = len(v)
    mean = sum(v) / n
    if n < 2:
        return mean, float("nan")
    s = statistics.stdev(v)
    t = T975[n - 2] if n - 2 < len(T975) else 1.96
    return mean, t * s / math.sqrt(n)


def quantile(values, q):
    v = sorted(x for x in values if x is not None)
    if not v:
        return float("nan")
    k = (len(v) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def name(algorithm):
    label = {"ppo": "PPO (authors' baseline)", "blpo": "BLPO", "blpo_cg": "BLPO-CG", "nested": "nesting alone"}
    text = label.get(algorithm["name"], algorithm["name"])
    if algorithm["name"] != "ppo":
        text += f" · {algorithm.get('form', 'authors_code')}"
    if algorithm.get("ihvp") == "nystrom_pcg":
        text += " · Nyström-PCG"
    return text


def main(args):
    threshold = None
    if "--threshold" in args:
        i = args.index("--threshold")
        threshold = float(args[i + 1])
        args = args[:i] + args[i + 2:]
    for path in args:
        r = json.load(open(path))
        limit = threshold if threshold is not None else THRESHOLD.get(r["env"], float("nan"))
        print(f"\n{r['env']}, {len(r['seeds'])} seeds ({r['seeds'][0]}–{r['seeds'][-1]}), {r['total_steps']:,} steps, "
              f"{r['machine']}, {r['date']}, {r['threads']} threads, {r['wall_seconds'] / 60:.0f} min\n")
        print(f"| learner | final mean return ± 95 % | first mean ≥ {limit:g} at step | correction ratio median | p90 "
              "| clip rate | cosine median |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for l in r["learners"]:
            u = l["updates"]
            mean, half = band(l["final_mean_return"])
            first = next((s for s, row in zip(u["steps"], u["mean_return"])
                          if all(x is not None for x in row) and band(row)[0] >= limit), None)
            terms = u.get("terms", {})
            ratio = terms.get("correction_ratio", [])
            cosine = terms.get("cosine", [])
            clip = [c for c in u["clip_rate"] if c is not None]
            cells = [
                name(l["algorithm"]),
                f"{mean:.1f} ± {half:.1f}",
                f"{first:,}" if first is not None else "not reached",
                f"{quantile(ratio, 0.5):.3g}" if ratio else "–",
                f"{quantile(ratio, 0.9):.3g}" if ratio else "–",
                f"{sum(clip) / len(clip):.2f}" if terms else "–",
                f"{quantile(cosine, 0.5):.3f}" if cosine else "–",
            ]
            print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
