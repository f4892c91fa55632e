#!/usr/bin/python3
"""Renders `faultline eval --json` output (sweeps) as markdown rows for docs/evaluation.md.

usage: tools/eval_table.py NAME RESULT.json [THRESHOLD ...]
Prints the hash row, then every strategy with a threshold at each THRESHOLD given (default
0.005 0.01 0.02) and at its best BCubed F1."""
import json
import sys


def row(name, strategy, threshold, o, note=""):
    t = "-" if threshold is None else f"{threshold:g}{note}"
    return (f"| {name} | {o['events']} / {o['groups']} | {strategy} | {t} | {o['pair_precision']:.3f} | "
            f"{o['pair_recall']:.3f} | {o['pair_f1']:.3f} | {o['bcubed_precision']:.3f} | {o['bcubed_recall']:.3f} | "
            f"{o['bcubed_f1']:.3f} | {o['issues']} | {o['rr1']:.3f} | {o['mrr']:.3f} |")


def main():
    name, path = sys.argv[1], sys.argv[2]
    wanted = [float(t) for t in sys.argv[3:]] or [0.005, 0.01, 0.02]
    data = json.load(open(path))
    for sweep in data["sweep"]:
        points = sweep["points"]
        if points[0]["threshold"] is None:
            print(row(name, sweep["strategy"], None, points[0]["overall"]))
            continue
        best = max(points, key=lambda p: p["overall"]["bcubed_f1"])
        for p in points:
            if any(abs(p["threshold"] - w) < 1e-9 for w in wanted) or p is best:
                print(row(name, sweep["strategy"], p["threshold"], p["overall"], " (best B3)" if p is best else ""))


if __name__ == "__main__":
    main()
