#!/usr/bin/python3
"""Round-trip check of train/convert_hf.py without network access: writes a Hugging Face-style
checkpoint (config.json, model.safetensors, vocab.txt / tokenizer.json) from a random-weight GGUF,
converts it back, and checks that the PyTorch reference embeds texts identically with both.

    /usr/bin/python3 train/check_convert_hf.py tests/embed/bert-tiny.gguf tests/embed/jina-tiny.gguf
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gguf  # noqa: E402
from bert import Encoder  # noqa: E402


def write_safetensors(path, tensors):
    header, off, blobs = {}, 0, []
    for k, v in tensors.items():
        b = np.ascontiguousarray(v, dtype=np.float32).tobytes()
        header[k] = {"dtype": "F32", "shape": list(v.shape), "data_offsets": [off, off + len(b)]}
        off += len(b)
        blobs.append(b)
    h = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def to_hf(src, d):
    meta, t = gguf.read(src)
    arch = meta["general.architecture"]
    n = int(meta[arch + ".block_count"])
    sd = {"embeddings.word_embeddings.weight": t["token_embd.weight"],
          "embeddings.token_type_embeddings.weight": t["token_types.weight"],
          "embeddings.LayerNorm.weight": t["token_embd_norm.weight"],
          "embeddings.LayerNorm.bias": t["token_embd_norm.bias"]}
    if arch == "bert":
        sd["embeddings.position_embeddings.weight"] = t["position_embd.weight"]
    for i in range(n):
        s, b = "encoder.layer.%d." % i, "blk.%d." % i
        for hf, gg in (("attention.self.query", "attn_q"), ("attention.self.key", "attn_k"),
                       ("attention.self.value", "attn_v"), ("attention.output.dense", "attn_output"),
                       ("attention.output.LayerNorm", "attn_output_norm")):
            sd[s + hf + ".weight"], sd[s + hf + ".bias"] = t[b + gg + ".weight"], t[b + gg + ".bias"]
        if arch == "bert":
            for hf, gg in (("intermediate.dense", "ffn_up"), ("output.dense", "ffn_down"),
                           ("output.LayerNorm", "layer_output_norm")):
                sd[s + hf + ".weight"], sd[s + hf + ".bias"] = t[b + gg + ".weight"], t[b + gg + ".bias"]
        else:
            for hf, gg in (("attention.self.layer_norm_q", "attn_q_norm"), ("attention.self.layer_norm_k", "attn_k_norm"),
                           ("layer_norm_1", "attn_norm_2"), ("mlp.down_layer", "ffn_down"), ("layer_norm_2", "layer_output_norm")):
                sd[s + hf + ".weight"], sd[s + hf + ".bias"] = t[b + gg + ".weight"], t[b + gg + ".bias"]
            g_u = t[b + "ffn_up.weight"]                 # GGUF [gate | up] -> jina-code's [up | gate]
            ff = g_u.shape[0] // 2
            sd[s + "mlp.up_gated_layer.weight"] = np.concatenate([g_u[ff:], g_u[:ff]], 0)
    write_safetensors(os.path.join(d, "model.safetensors"), sd)
    json.dump({"num_hidden_layers": n, "hidden_size": int(meta[arch + ".embedding_length"]),
               "intermediate_size": int(meta[arch + ".feed_forward_length"]),
               "num_attention_heads": int(meta[arch + ".attention.head_count"]),
               "max_position_embeddings": int(meta[arch + ".context_length"]),
               "layer_norm_eps": float(meta[arch + ".attention.layer_norm_epsilon"])},
              open(os.path.join(d, "config.json"), "w"))
    toks = meta["tokenizer.ggml.tokens"]
    if meta["tokenizer.ggml.model"] == "bert":
        with open(os.path.join(d, "vocab.txt"), "w", encoding="utf-8") as f:
            for x in toks:
                f.write((x[1:] if x.startswith("\u2581") else x if x.startswith("[") and x.endswith("]") else "##" + x) + "\n")
    else:
        bos = int(meta["tokenizer.ggml.bos_token_id"])
        json.dump({"model": {"type": "BPE", "vocab": {x: i for i, x in enumerate(toks)},
                             "merges": list(meta["tokenizer.ggml.merges"])},
                   "post_processor": {"type": "RobertaProcessing", "cls": [toks[bos], bos], "sep": [toks[bos], bos]}},
                  open(os.path.join(d, "tokenizer.json"), "w"), ensure_ascii=False)
    return meta


def main():
    texts = ["Hello world", "TypeError: Cannot read properties of undefined (reading 'map')\n    at render (/app/x.js:3:9)",
             "java.lang.NullPointerException\n\tat com.example.Foo.bar(Foo.java:42)"]
    ok = True
    for src in sys.argv[1:]:
        with tempfile.TemporaryDirectory() as d:
            meta = to_hf(src, d)
            out = os.path.join(d, "back.gguf")
            subprocess.run([sys.executable, os.path.join(HERE, "convert_hf.py"), d, "--out", out,
                            "--max-tokens", str(int(meta[meta["general.architecture"] + ".context_length"]))],
                           check=True, capture_output=True)
            a, b = Encoder(src), Encoder(out)
            for t in texts:
                ia, ib = a.ids(t), b.ids(t)
                err = float((a.forward_ids(ia) - b.forward_ids(ib)).abs().max()) if ia == ib else float("inf")
                print("%s: ids %s, max abs diff %.2e  %r" % (os.path.basename(src), "equal" if ia == ib else "DIFFER", err, t[:30]))
                ok = ok and ia == ib and err < 1e-5
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    with torch.no_grad():
        sys.exit(main())
