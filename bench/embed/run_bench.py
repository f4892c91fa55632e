#!/usr/bin/python3
"""Runs bench/embed for every model, C and PyTorch back to back with the same threads, and writes
bench/results/embed-<threads>t.json (machine, command, numbers, C/PyTorch ratios): faultline in fp32
and in its default precision, PyTorch fp32 with the same OpenBLAS kernels (the reference), PyTorch as
the environment leaves OpenBLAS, and PyTorch under bf16 autocast.

    make bench-embed [EMBED_BENCH_THREADS=1]   (builds the binary and the random-weight models first)
"""
import datetime
import json
import math
import os
import platform
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def run(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def cpu_flags():
    want = ("avx512f", "avx512_bf16", "avx512_vnni", "avx512_fp16", "amx_bf16", "amx_int8", "amx_tile")
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags"):
                have = line.split(":", 1)[1].split()
                return [f for f in want if f in have]
    except OSError:
        pass
    return []


def ratios(ref, c):
    """ref's time over c's for each token count (> 1: c is faster)."""
    out = []
    for rc in c["results"]:
        rt = next((r for r in ref["results"] if r["tokens"] == rc["tokens"]), None)
        if rt:
            out.append({"tokens": rc["tokens"],
                        "speedup_batch1_cpu_best": round(rt["batch1_cpu_ms_best"] / rc["batch1_cpu_ms_best"], 2),
                        "speedup_batch1_cpu_median": round(rt["batch1_cpu_ms_median"] / rc["batch1_cpu_ms_median"], 2),
                        "speedup_batch1_best": round(rt["batch1_ms_best"] / rc["batch1_ms_best"], 2),
                        "speedup_batch1_median": round(rt["batch1_ms_median"] / rc["batch1_ms_median"], 2),
                        "speedup_batched": round(rc["batch_texts_per_s"] / rt["batch_texts_per_s"], 2)})
    return out


def compare_vectors(path_a, path_b):
    """Cosine and largest component difference between two --vectors files, per token count."""
    a = {v["tokens"]: v["vector"] for v in map(json.loads, open(path_a))}
    out = []
    for v in map(json.loads, open(path_b)):
        x, y = a[v["tokens"]], v["vector"]
        dot = sum(p * q for p, q in zip(x, y))
        norm = math.sqrt(sum(p * p for p in x) * sum(q * q for q in y))
        out.append({"tokens": v["tokens"], "cosine": round(dot / norm, 8),
                    "max_abs_err": float("%.3g" % max(abs(p - q) for p, q in zip(x, y)))})
    return out


def merge(runs):
    """One result from several rounds: best of the bests, median of the medians, the first call of
    the first round, the highest texts/s and peak RSS."""
    out = dict(runs[0])
    res = []
    for i, r in enumerate(runs[0]["results"]):
        rs = [x["results"][i] for x in runs]
        m = dict(r)
        for k in ("batch1_ms_best", "batch1_cpu_ms_best"):
            m[k] = min(x[k] for x in rs)
        for k in ("batch1_ms_median", "batch1_cpu_ms_median"):
            m[k] = sorted(x[k] for x in rs)[len(rs) // 2]
        m["runs"] = sum(x["runs"] for x in rs)
        m["batch_texts_per_s"] = max(x["batch_texts_per_s"] for x in rs)
        res.append(m)
    out["results"] = res
    out["rounds"] = len(runs)
    out["peak_rss_kib"] = max(x["peak_rss_kib"] for x in runs)
    return out


def main():
    bench, threads, min_s = sys.argv[1], sys.argv[2], sys.argv[3]
    models = sys.argv[4:]
    # The two vCPUs of the development VM share a core with other people's work: a run can be slowed
    # ~2x while the sibling thread is busy. So every configuration runs in each of ROUNDS rounds,
    # interleaved, and the best CPU time over the rounds is compared.
    rounds = int(os.environ.get("EMBED_BENCH_ROUNDS", "3"))
    out = {"date": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
           "machine": {"cpu": cpu_model(), "cpu_flags": cpu_flags(), "cores": os.cpu_count(),
                       "kernel": platform.release(), "load_avg_before": os.getloadavg(),
                       "note": "shared 2-core development VM: other engineers were building and testing at the "
                               "same time, so wall-clock figures are noisy; the per-thread CPU time "
                               "(batch1_cpu_ms_*) of these single-thread runs is the steadier figure"},
           "command": "make bench-embed EMBED_BENCH_THREADS=%s EMBED_BENCH_ROUNDS=%d (bench/embed/run_bench.py %s)" % (
               threads, rounds, " ".join(sys.argv[1:])),
           "legend": {"faultline_fp32": "C encoder, FAULTLINE_EMBED_PRECISION=fp32 (OpenBLAS sgemm)",
                      "faultline": "C encoder, default precision (auto: bf16 on CPUs with AVX512-BF16/AMX-BF16)",
                      "pytorch_same_kernels": "PyTorch fp32 with OPENBLAS_CORETYPE set to the kernel set the C "
                                              "run used: the reference of the 2x bar",
                      "pytorch_env_default": "PyTorch fp32 with OpenBLAS as the environment leaves it",
                      "pytorch_bf16_autocast": "PyTorch under torch.autocast(cpu, bfloat16), same kernels",
                      "accuracy_vs_fp32": "faultline default vs faultline fp32 on the benchmark text",
                      "pytorch_autocast_accuracy_vs_fp32": "PyTorch bf16 autocast vs PyTorch fp32, same input "
                                                           "(the random-weight BERT shapes amplify any rounding: "
                                                           "compare the two)"},
           "models": []}
    tmp = tempfile.mkdtemp(prefix="bench-embed-")
    for m in models:
        entry = {"model": m}
        vec = {}
        env_default = dict(os.environ, OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads)
        runs = {}
        for rnd in range(rounds):
            for key, prec in (("faultline_fp32", "fp32"), ("faultline", "auto")):
                vec[key] = os.path.join(tmp, key + ".jsonl")
                runs.setdefault(key, []).append(run([bench, "--model", m, "--threads", threads, "--min-seconds", min_s,
                                                     "--precision", prec, "--vectors", vec[key]]))
            # Debian's torch does its fp32 matmuls in the same OpenBLAS. Run it as the environment
            # leaves it, and with the kernel set the C run used (the like-for-like comparison).
            env_same = dict(env_default, OPENBLAS_CORETYPE=runs["faultline"][0]["blas_core"])
            for key, env, extra in (("pytorch_same_kernels", env_same, []), ("pytorch_env_default", env_default, []),
                                    ("pytorch_bf16_autocast", env_same, ["--autocast-bf16"])):
                vec[key] = os.path.join(tmp, key + ".jsonl")
                try:
                    t = run(["/usr/bin/python3", "bench/embed/bench_torch.py", "--model", m, "--threads", threads,
                             "--min-seconds", min_s, "--vectors", vec[key]] + extra, env)
                except subprocess.CalledProcessError as e:
                    runs[key] = [{"error": (e.stderr or "")[-500:]}]
                    continue
                t["openblas_coretype"] = env.get("OPENBLAS_CORETYPE", "(auto)")
                runs.setdefault(key, []).append(t)
        for key, rs in runs.items():
            entry[key] = merge(rs) if "results" in rs[0] else rs[0]
        c = entry["faultline"]
        entry["accuracy_vs_fp32"] = compare_vectors(vec["faultline_fp32"], vec["faultline"])
        for key in ("pytorch_same_kernels", "pytorch_env_default", "pytorch_bf16_autocast"):
            if "results" not in entry[key]:
                continue
            entry["speedup_vs_" + key] = ratios(entry[key], c)
            if key == "pytorch_same_kernels":
                entry["speedup_fp32_vs_" + key] = ratios(entry[key], entry["faultline_fp32"])
            print(m, key, json.dumps([(r["tokens"], r["speedup_batch1_cpu_best"]) for r in entry["speedup_vs_" + key]]),
                  file=sys.stderr)
        if "results" in entry.get("pytorch_bf16_autocast", {}) and "results" in entry.get("pytorch_same_kernels", {}):
            entry["pytorch_autocast_accuracy_vs_fp32"] = compare_vectors(vec["pytorch_same_kernels"],
                                                                         vec["pytorch_bf16_autocast"])
        out["models"].append(entry)
    out["machine"]["load_avg_after"] = os.getloadavg()
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    path = os.path.join(ROOT, "bench", "results", "embed-%st.json" % threads)
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", path)
    for e in out["models"]:
        print(summary(e))


def summary(e):
    """One line per token count: milliseconds (best CPU time) and the ratios the bar names."""
    lines = [e["model"]]
    ref = {r["tokens"]: r for r in e.get("pytorch_same_kernels", {}).get("results", [])}
    amp = {r["tokens"]: r for r in e.get("pytorch_bf16_autocast", {}).get("results", [])}
    f32 = {r["tokens"]: r for r in e["faultline_fp32"]["results"]}
    acc = {r["tokens"]: r for r in e["accuracy_vs_fp32"]}
    pacc = {r["tokens"]: r for r in e.get("pytorch_autocast_accuracy_vs_fp32", [])}
    for r in e["faultline"]["results"]:
        t = r["tokens"]
        p = ref.get(t, {}).get("batch1_cpu_ms_best")
        lines.append("  %4d tokens: faultline %s %.2f ms, fp32 %.2f ms, PyTorch fp32 %s ms (%s), bf16 autocast %s ms; "
                     "cosine vs fp32 %.6f (PyTorch autocast vs fp32 %s)" % (
                         t, e["faultline"]["precision"], r["batch1_cpu_ms_best"], f32[t]["batch1_cpu_ms_best"],
                         p, "%.2fx / fp32 %.2fx" % (p / r["batch1_cpu_ms_best"], p / f32[t]["batch1_cpu_ms_best"]) if p else "-",
                         amp.get(t, {}).get("batch1_cpu_ms_best"), acc[t]["cosine"], pacc.get(t, {}).get("cosine")))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
