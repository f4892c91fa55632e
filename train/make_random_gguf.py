#!/usr/bin/python3
"""Random-weight BERT / JinaBERT-v2 GGUF files for tests and benchmarks.

The vocabulary (and tokenizer metadata) is copied from a vocab-only GGUF such as llama.cpp's
tests/embed/vocab/ggml-vocab-bert-bge.gguf (WordPiece) or ggml-vocab-gpt-2.gguf (BPE); the
weights are drawn from N(0, std) with a fixed seed; LayerNorm weights ~ 1 + N(0, 0.1).

    /usr/bin/python3 train/make_random_gguf.py --arch bert --vocab tests/embed/vocab/ggml-vocab-bert-bge.gguf \\
        --layers 6 --width 384 --heads 12 --ffn 1536 --out minilm-l6-random.gguf     # MiniLM-L6 shape
    /usr/bin/python3 train/make_random_gguf.py --arch jina-bert-v2 --vocab tests/embed/vocab/ggml-vocab-gpt-2.gguf \\
        --layers 12 --width 768 --heads 12 --ffn 3072 --out jina-code-random.gguf    # jina-v2-base-code shape
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf  # noqa: E402


def copy_tokenizer(w, meta, arch):
    for k, v in meta.items():
        if not k.startswith("tokenizer."):
            continue
        if isinstance(v, str):
            w.add(k, gguf.T_STR, v)
        elif isinstance(v, list):
            w.add_array(k, gguf.T_STR, v)
        elif isinstance(v, np.ndarray):
            et = {np.dtype("<i4"): gguf.T_I32, np.dtype("<u4"): gguf.T_U32, np.dtype("<f4"): gguf.T_F32,
                  np.dtype("<f8"): gguf.T_F64}[v.dtype]
            w.add_array(k, et, v.tolist())
        elif isinstance(v, bool):
            w.add(k, gguf.T_BOOL, v)
        elif isinstance(v, int):
            w.add(k, gguf.T_U32, v)
    if arch == "jina-bert-v2" and "tokenizer.ggml.cls_token_id" not in meta and "tokenizer.ggml.bos_token_id" in meta:
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", choices=["bert", "jina-bert-v2"], required=True)
    ap.add_argument("--vocab", required=True)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--ffn", type=int, default=64)
    ap.add_argument("--context", type=int, default=512)
    ap.add_argument("--pooling", type=int, default=1, help="1 mean, 2 cls")
    ap.add_argument("--f16", action="store_true", help="f16 matrices")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--std", type=float, default=0.05)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    meta, _ = gguf.read(a.vocab)
    n_vocab = len(meta["tokenizer.ggml.tokens"])
    rng = np.random.default_rng(a.seed)
    D, F = a.width, a.ffn

    def rnd(*shape):
        return (rng.standard_normal(shape) * a.std).astype(np.float32)

    def norm(w, name):
        w.add_tensor(name + ".weight", (1 + 0.1 * rng.standard_normal(D)).astype(np.float32))
        w.add_tensor(name + ".bias", rnd(D))

    w = gguf.Writer()
    ar = a.arch
    w.add("general.architecture", gguf.T_STR, ar)
    w.add("general.name", gguf.T_STR, "random-%s-L%d-H%d" % (ar, a.layers, D))
    w.add(ar + ".block_count", gguf.T_U32, a.layers)
    w.add(ar + ".context_length", gguf.T_U32, a.context)
    w.add(ar + ".embedding_length", gguf.T_U32, D)
    w.add(ar + ".feed_forward_length", gguf.T_U32, F)
    w.add(ar + ".attention.head_count", gguf.T_U32, a.heads)
    w.add(ar + ".attention.layer_norm_epsilon", gguf.T_F32, 1e-12 if ar == "bert" else 1e-12)
    w.add(ar + ".pooling_type", gguf.T_U32, a.pooling)
    copy_tokenizer(w, meta, ar)
    w.add_tensor("token_embd.weight", rnd(n_vocab, D) * 10, a.f16)
    w.add_tensor("token_types.weight", rnd(2, D))
    if ar == "bert":
        w.add_tensor("position_embd.weight", rnd(a.context, D) * 10, a.f16)
    norm(w, "token_embd_norm")
    for i in range(a.layers):
        b = "blk.%d." % i
        for n in ("attn_q", "attn_k", "attn_v", "attn_output"):
            w.add_tensor(b + n + ".weight", rnd(D, D) * 4, a.f16)
            w.add_tensor(b + n + ".bias", rnd(D))
        if ar == "jina-bert-v2":
            norm(w, b + "attn_q_norm")
            norm(w, b + "attn_k_norm")
        norm(w, b + "attn_output_norm")
        if ar == "jina-bert-v2":
            norm(w, b + "attn_norm_2")
            w.add_tensor(b + "ffn_up.weight", rnd(2 * F, D) * 4, a.f16)     # [gate | up], no bias
        else:
            w.add_tensor(b + "ffn_up.weight", rnd(F, D) * 4, a.f16)
            w.add_tensor(b + "ffn_up.bias", rnd(F))
        w.add_tensor(b + "ffn_down.weight", rnd(D, F) * 4, a.f16)
        w.add_tensor(b + "ffn_down.bias", rnd(D))
        norm(w, b + "layer_output_norm")
    w.write(a.out)
    print("wrote %s (%d bytes)" % (a.out, os.path.getsize(a.out)))


if __name__ == "__main__":
    main()
