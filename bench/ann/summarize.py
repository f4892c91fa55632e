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
    # Files of one dataset (e.g. ann-512-random.json and ann-512-random-faiss-hnsw.json) merge.
    by_label = {}
    for f in files:
        res = json.load(open(f))["result"]
        by_label.setdefault(res["label"], []).extend(r for r in res["results"] if "runs" in r)
    for label, results in by_label.items():
        res = {"label": label}
        libs = {r["library"]: r for r in results}
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
            if h and not ht and t is None and name not in ("hnswlib", "faiss-flat"):
                # Neither reaches the target: compare at the largest ef both ran (equal ef).
                hr = {x["ef_search"]: x for x in h["runs"]}
                common = [x for x in r["runs"] if x["ef_search"] in hr]
                if common:
                    x = max(common, key=lambda x: x["ef_search"])
                    y = hr[x["ef_search"]]
                    q = x.get("qps_cpu", x["qps"]) / y.get("qps_cpu", y["qps"])
                    b = r.get("build_cpu_seconds", r["build_seconds"]) / h.get("build_cpu_seconds", h["build_seconds"])
                    m = r["rss_delta_bytes"] / h["rss_delta_bytes"]
                    ratio = "at ef %d: recall@10 %.4f vs %.4f, %.2fx, %.2fx, %.2fx" % (
                        x["ef_search"], x["recall_at_10"], y["recall_at_10"], q, b, m)
            if h and ht and t and name != "hnswlib" and name != "faiss-flat":
                q = t.get("qps_cpu", t["qps"]) / ht.get("qps_cpu", ht["qps"])
                b = r.get("build_cpu_seconds", r["build_seconds"]) / h.get("build_cpu_seconds", h["build_seconds"])
                m = r["rss_delta_bytes"] / h["rss_delta_bytes"]
                ok = q >= 1.0 and b <= 1.2 and m <= 1.0
                ratio = "%.2fx, %.2fx, %.2fx" % (q, b, m)
                if name == "faultline":
                    ratio += " (bar met)" if ok else " (bar missed)"
            print("| %s | %s | %s | %s | %s | %s |" % (res["label"], name, build, mem, " | ".join(cells), ratio))


if __name__ == "__main__":
    main()
