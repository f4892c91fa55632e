#!/usr/bin/python3
"""Runs bench/embed for every model, C and PyTorch back to back with the same threads, and writes
bench/results/embed-<threads>t.json (machine, command, numbers, C/PyTorch ratios).

    make bench-embed [EMBED_BENCH_THREADS=1]   (builds the binary and the random-weight models first)
"""
import datetime
import json
import os
import platform
import subprocess
import sys

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


def main():
    bench, threads, min_s = sys.argv[1], sys.argv[2], sys.argv[3]
    models = sys.argv[4:]
    out = {"date": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
           "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "kernel": platform.release(),
                       "load_avg_before": os.getloadavg(),
                       "note": "shared 2-core development VM: other engineers were building and testing at the "
                               "same time, so wall-clock figures are noisy; the per-thread CPU time "
                               "(batch1_cpu_ms_*) of these single-thread runs is the steadier figure"},
           "command": "make bench-embed EMBED_BENCH_THREADS=%s (bench/embed/run_bench.py %s)" % (threads, " ".join(sys.argv[1:])),
           "models": []}
    for m in models:
        c = run([bench, "--model", m, "--threads", threads, "--min-seconds", min_s])
        # Debian's torch does its matmuls in the same OpenBLAS. Run it twice: as the environment
        # leaves it (this VM exports OPENBLAS_CORETYPE=Haswell), and with the kernel set the C run
        # used (the like-for-like comparison).
        env_default = dict(os.environ, OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads)
        env_same = dict(env_default, OPENBLAS_CORETYPE=c["blas_core"])
        entry = {"model": m, "faultline": c}
        for key, env in (("pytorch_same_kernels", env_same), ("pytorch_env_default", env_default)):
            t = run(["/usr/bin/python3", "bench/embed/bench_torch.py", "--model", m, "--threads", threads,
                     "--min-seconds", min_s], env)
            t["openblas_coretype"] = env.get("OPENBLAS_CORETYPE", "(auto)")
            ratios = []
            for rc in c["results"]:
                rt = next((r for r in t["results"] if r["tokens"] == rc["tokens"]), None)
                if rt:
                    ratios.append({"tokens": rc["tokens"],
                                   "speedup_batch1_cpu_best": round(rt["batch1_cpu_ms_best"] / rc["batch1_cpu_ms_best"], 2),
                                   "speedup_batch1_cpu_median": round(rt["batch1_cpu_ms_median"] / rc["batch1_cpu_ms_median"], 2),
                                   "speedup_batch1_best": round(rt["batch1_ms_best"] / rc["batch1_ms_best"], 2),
                                   "speedup_batch1_median": round(rt["batch1_ms_median"] / rc["batch1_ms_median"], 2),
                                   "speedup_batched": round(rc["batch_texts_per_s"] / rt["batch_texts_per_s"], 2)})
            entry[key] = t
            entry["speedup_vs_" + key] = ratios
            print(m, key, json.dumps(ratios), file=sys.stderr)
        out["models"].append(entry)
    out["machine"]["load_avg_after"] = os.getloadavg()
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    path = os.path.join(ROOT, "bench", "results", "embed-%st.json" % threads)
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", path)


if __name__ == "__main__":
    main()
