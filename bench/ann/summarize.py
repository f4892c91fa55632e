#!/usr/bin/python3
"""Summarises bench/results/ann-*.json (written by bench/ann/run.sh) as a Markdown table.

For each dataset and library: build time (wall and CPU), resident-memory growth while building,
and, at the smallest ef_search whose recall@10 reaches 0.99, that ef, recall@1/@10 and queries/s
(wall and CPU). Ratios are against hnswlib from the same run, and the bar of issue 5 is checked:
qps >= hnswlib's, build time <= 1.2x hnswlib's, memory <= hnswlib's (CPU-time figures are the
ones less disturbed by other jobs on a shared machine).

usage: summarize.py [FILE...]   (default: bench/results/ann-*.json except the crossover)
"""
import glob
import json
import sys


def at_target(runs, target=0.99):
    for r in sorted(runs, key=lambda r: r["ef_search"]):
        if r["recall_at_10"] >= target:
            return r
    return None


def main():
    files = sys.argv[1:] or sorted(f for f in glob.glob("bench/results/ann-*.json") if "crossover" not in f)
    print("| dataset | library | build s (cpu) | memory MB | ef @ recall@10>=0.99 | recall@1 | recall@10 | qps (cpu qps) | vs hnswlib: qps cpu, build cpu, memory |")
    print("|---|---|---|---|---|---|---|---|---|")
    for f in files:
        d = json.load(open(f))
        res = d["result"]
        libs = {r["library"]: r for r in res["results"] if "runs" in r}
        h = libs.get("hnswlib")
        ht = at_target(h["runs"]) if h else None
        for name, r in libs.items():
            t = at_target(r["runs"])
            build = "%.1f (%.1f)" % (r["build_seconds"], r.get("build_cpu_seconds", r["build_seconds"]))
            mem = "%.0f" % (r["rss_delta_bytes"] / 2**20)
            if t is None:
                best = max(r["runs"], key=lambda x: x["recall_at_10"])
                cells = ["not reached (best %.4f at ef %d)" % (best["recall_at_10"], best["ef_search"]), "", "", ""]
            else:
                cells = [str(t["ef_search"]), "%.4f" % t["recall_at_1"], "%.4f" % t["recall_at_10"],
                         "%.0f (%.0f)" % (t["qps"], t.get("qps_cpu", t["qps"]))]
            ratio = ""
            if h and ht and t and name != "hnswlib" and name != "faiss-flat":
                q = t.get("qps_cpu", t["qps"]) / ht.get("qps_cpu", ht["qps"])
                b = r.get("build_cpu_seconds", r["build_seconds"]) / h.get("build_cpu_seconds", h["build_seconds"])
                m = r["rss_delta_bytes"] / h["rss_delta_bytes"]
                ok = q >= 1.0 and b <= 1.2 and m <= 1.0
                ratio = "%.2fx, %.2fx, %.2fx %s" % (q, b, m, "(bar met)" if ok else "(bar missed)")
            print("| %s | %s | %s | %s | %s | %s |" % (res["label"], name, build, mem, " | ".join(cells), ratio))


if __name__ == "__main__":
    main()
