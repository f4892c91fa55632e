#!/usr/bin/python3
"""Pooled encoder features (the 512-d input of USE-Lite's head), computed by the C engine.

On the shared 2-core machine a PyTorch pass over the corpus takes far longer than the C engine
(`faultline embed`, OpenBLAS). The head-only fine-tune (train/finetune.py --features) needs,
per text, the pooled vector p that the frozen body produces; the model's output is
normalize(tanh(W p + b)). This script gets p exactly from two "probe" models, copies of the
input GGUF whose head is replaced:
  probe A: W = eps*I except row 0 = 0, b = 0 except b[0] = 1, so y ~ (tanh 1, tanh(eps p_1..511));
  probe B: the same with dimension 1 as the marker, which gives p_0.
The marker recovers the normalisation factor (y_m = tanh(1) / N), then p_i = atanh(N y_i) / eps.
The result is checked against the real model: normalize(tanh(W p + b)) must match the C
engine's vector for the original GGUF (cosine printed; expected >= 0.9999).

    /usr/bin/python3 train/finetune_features.py TEXTS.jsonl OUT.npy [--model models/use-lite.gguf]
"""
import argparse
import json
import math
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf  # noqa: E402
from finetune import export_gguf  # noqa: E402

EPS = 1.0 / 32


def embed_c(faultline, model, texts, chunk=64):
    out = []
    for i in range(0, len(texts), chunk):
        part = texts[i:i + chunk]
        # an empty argument would be read as "no TEXT": the model gets a space instead (no token)
        r = subprocess.run([faultline, "embed", "--model", model] + [t if t else " " for t in part],
                           capture_output=True, check=True)
        rows = [json.loads(line)["vector"] for line in r.stdout.decode().splitlines() if line.strip()]
        assert len(rows) == len(part), (len(rows), len(part))
        out += rows
    return np.array(out, dtype=np.float64)


def probe(src, dst, marker):
    _meta, t = gguf.read(src)
    w = np.eye(512, dtype=np.float32) * EPS
    w[marker, :] = 0
    b = np.zeros(512, dtype=np.float32)
    b[marker] = 1.0
    t["head.weight"] = w
    t["head.bias"] = b
    export_gguf(src, dst, t, "probe")


def pooled(faultline, model, texts, tmpdir):
    pa, pb = os.path.join(tmpdir, "probe-a.gguf"), os.path.join(tmpdir, "probe-b.gguf")
    probe(model, pa, 0)
    probe(model, pb, 1)
    k = math.tanh(1.0)
    ya = embed_c(faultline, pa, texts)
    yb = embed_c(faultline, pb, texts)
    pa_ = np.arctanh(np.clip(ya * (k / ya[:, :1]), -0.999999, 0.999999)) / EPS
    pb_ = np.arctanh(np.clip(yb * (k / yb[:, 1:2]), -0.999999, 0.999999)) / EPS
    p = pa_.copy()
    p[:, 0] = pb_[:, 0]
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("texts")
    ap.add_argument("out")
    ap.add_argument("--model", default="models/use-lite.gguf")
    ap.add_argument("--faultline", default="build/faultline")
    ap.add_argument("--tmp", default="/tmp")
    a = ap.parse_args()
    texts = [json.loads(line)["text"] for line in open(a.texts) if line.strip()]
    p = pooled(a.faultline, a.model, texts, a.tmp)
    _meta, t = gguf.read(a.model)
    y = np.tanh(p @ t["head.weight"].T.astype(np.float64) + t["head.bias"])
    y /= np.linalg.norm(y, axis=1, keepdims=True)
    n = min(200, len(texts))
    ref = embed_c(a.faultline, a.model, texts[:n])
    cos = (y[:n] * ref).sum(1) / np.linalg.norm(ref, axis=1)
    print("%s: %d texts, max |p| %.3f, check vs C engine on %d: worst cosine %.7f" % (
        a.texts, len(texts), np.abs(p).max(), n, cos.min()), flush=True)
    np.save(a.out, p.astype(np.float32))
    return 0 if cos.min() >= 0.9999 else 1


if __name__ == "__main__":
    sys.exit(main())
