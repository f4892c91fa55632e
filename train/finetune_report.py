#!/usr/bin/python3
"""Summarise `faultline eval --sweep --json` runs (raw vs fine-tuned model) into one JSON.

    /usr/bin/python3 train/finetune_report.py OUT.json --fixed 0.01,0.05 \
        NAME=EVAL.json [NAME=EVAL.json ...] [--meta KEY=VALUE ...]

For every run: the point with the best pairwise F1 and the one with the best BCubed F1 (their
thresholds, precision, recall, F1, issues, RR@1, MRR) and the points at the --fixed thresholds.
"""
import argparse
import json
import sys

KEYS = ["pair_precision", "pair_recall", "pair_f1", "bcubed_precision", "bcubed_recall", "bcubed_f1",
        "issues", "groups", "rr1", "mrr"]


def point(p):
    o = p["overall"]
    d = {"threshold": round(p["threshold"], 6)}
    d.update({k: (round(o[k], 4) if isinstance(o[k], float) else o[k]) for k in KEYS})
    d["joined_by_similarity"] = o["reasons"]["similarity"]
    return d


def summarise(path, fixed):
    d = json.load(open(path))
    sw = d["sweep"][0]
    pts = sw["points"]
    out = {"file": path, "dataset": d["dataset"], "model": sw.get("model"), "strategy": sw["strategy"],
           "best_pair_f1": point(max(pts, key=lambda p: p["overall"]["pair_f1"])),
           "best_bcubed_f1": point(max(pts, key=lambda p: p["overall"]["bcubed_f1"])),
           "fixed": {}}
    for t in fixed:
        near = min(pts, key=lambda p: abs(p["threshold"] - t))
        if abs(near["threshold"] - t) < 1e-9:
            out["fixed"]["%g" % t] = point(near)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--fixed", default="0.01")
    ap.add_argument("--meta", action="append", default=[])
    a = ap.parse_args()
    fixed = [float(x) for x in a.fixed.split(",")]
    res = {"meta": dict(kv.split("=", 1) for kv in a.meta), "runs": {}}
    for r in a.runs:
        name, path = r.split("=", 1)
        res["runs"][name] = summarise(path, fixed)
        s = res["runs"][name]
        bp, bb = s["best_pair_f1"], s["best_bcubed_f1"]
        print("%-28s best pairF1 %.4f @%.2f (P %.4f R %.4f)  best b3F1 %.4f @%.2f  %s" % (
            name, bp["pair_f1"], bp["threshold"], bp["pair_precision"], bp["pair_recall"],
            bb["bcubed_f1"], bb["threshold"],
            "  ".join("@%s pF1 %.4f b3F1 %.4f" % (k, v["pair_f1"], v["bcubed_f1"]) for k, v in s["fixed"].items())))
    json.dump(res, open(a.out, "w"), indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
