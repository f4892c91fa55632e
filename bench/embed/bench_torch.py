#!/usr/bin/python3
"""PyTorch side of bench/embed: the reference encoders in train/ (train/use_lite.py, train/bert.py)
on the same GGUF, token counts and thread count as build/bench/bench_embed. Prints one JSON object
shaped like bench_embed's. Times the forward pass only (tokenisation excluded), eager mode, f32;
wall clock and the main thread's CPU time (with one thread torch and OpenBLAS compute inline).
--autocast-bf16 runs the forward pass under torch.autocast("cpu", dtype=torch.bfloat16) (linear layers
and matmuls in bf16 through oneDNN), PyTorch's own reduced-precision mode, for comparison.

    /usr/bin/python3 bench/embed/bench_torch.py --model FILE [--threads 1] [--tokens 64,128,256,512]
        [--batch 8] [--min-seconds 1] [--autocast-bf16]
"""
import contextlib
import argparse
import json
import os
import resource
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "train"))
import gguf  # noqa: E402

TEXT = ("java.lang.IllegalStateException: connection pool exhausted after 30000 ms\n" +
        "".join("\tat com.example.%s.%sService.handle%s(%s.java:%d)\n" % (w, w.capitalize(), w.capitalize(), w, 17 + i)
                for i, w in enumerate(["order", "payment", "session", "cache", "parser", "socket", "queue",
                                       "worker", "render", "account", "invoice", "stream", "token", "config"] * 12)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--tokens", default="64,128,256,512")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--min-seconds", type=float, default=1.0)
    ap.add_argument("--autocast-bf16", action="store_true")
    ap.add_argument("--vectors", help="write each token count's vector as a JSON line")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    t0 = time.perf_counter()
    arch = gguf.read(a.model)[0]["general.architecture"]
    if arch == "use-lite":
        from use_lite import UseLite
        m = UseLite(a.model)
        ids_all = m.tok.encode(TEXT)
        cap = m.ctx
        make = lambda T: ids_all[:T]  # noqa: E731
    else:
        from bert import Encoder
        m = Encoder(a.model)
        cap = m.ctx
        make = lambda T: m.ids(TEXT, T)  # noqa: E731
    m.eval()
    load_ms = (time.perf_counter() - t0) * 1e3
    res, vectors = [], []
    amp = torch.autocast("cpu", dtype=torch.bfloat16) if a.autocast_bf16 else contextlib.nullcontext()
    with torch.no_grad(), amp:
        for T in [int(x) for x in a.tokens.split(",")]:
            if T > cap:
                continue
            ids = make(T)
            assert len(ids) == T, (len(ids), T)
            v = m.forward_ids(ids)
            if a.vectors:
                vectors.append({"tokens": T, "vector": [float(x) for x in v.float().flatten()]})
            lat, cpu, start = [], [], time.perf_counter()
            while time.perf_counter() - start < a.min_seconds or len(lat) < 3:
                s, c = time.perf_counter(), time.thread_time()
                m.forward_ids(ids)
                cpu.append((time.thread_time() - c) * 1e3)
                lat.append((time.perf_counter() - s) * 1e3)
            lat.sort()
            cpu.sort()
            n, start = 0, time.perf_counter()
            while time.perf_counter() - start < a.min_seconds or n < 1:
                for _ in range(a.batch):
                    m.forward_ids(ids)
                n += 1
            tps = n * a.batch / (time.perf_counter() - start)
            res.append({"tokens": T, "batch1_ms_best": round(lat[0], 3), "batch1_ms_median": round(lat[len(lat) // 2], 3),
                        "batch1_cpu_ms_best": round(cpu[0], 3), "batch1_cpu_ms_median": round(cpu[len(cpu) // 2], 3),
                        "runs": len(lat), "batch": a.batch, "batch_texts_per_s": round(tps, 1)})
    if a.vectors:
        with open(a.vectors, "w") as f:
            f.writelines(json.dumps(v) + "\n" for v in vectors)
    print(json.dumps({"model": a.model, "arch": arch, "threads": a.threads, "torch": torch.__version__,
                      "precision": "bf16 autocast" if a.autocast_bf16 else "fp32",
                      "load_ms": round(load_ms, 2), "results": res,
                      "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


if __name__ == "__main__":
    main()
