#!/usr/bin/python3
"""Convert a Hugging Face BERT or JinaBERT-v2 checkpoint to faultline GGUF (llama.cpp tensor names).

    /usr/bin/python3 train/convert_hf.py MODEL_DIR --out model.gguf [--f16] [--pooling mean|cls]
                                                   [--max-tokens N] [--no-geglu-swap]

MODEL_DIR holds config.json, the weights (model.safetensors or pytorch_model.bin) and the
tokenizer (vocab.txt for WordPiece, or tokenizer.json with a WordPiece or BPE model). Supported:
  * BertModel and its derivatives (all-MiniLM-L6-v2, bge-*, e5-*, gte-*): WordPiece, learned
    positions, GELU; pooling mean (sentence-transformers default) or cls (bge);
  * JinaBertModel (jina-embeddings-v2-base-en / -small-en with WordPiece, jina-embeddings-v2-base-code
    with byte-level BPE): ALiBi, GEGLU (mlp.gated_layers / mlp.up_gated_layer), Q/K LayerNorm and
    the second residual LayerNorm of the qk-post-norm variant.
GEGLU convention: ffn_up holds [gate | up], GELU on the first half. jina-embeddings-v2-base-en's
mlp.gated_layers already has that order (act(first half) * second half). The code model's
mlp.up_gated_layer is [up | gate] (its modelling code computes up * act(gated) with the gate in
the second half; alibaba/rtp-llm's loader for jina-bert-v2-qk-post-norm splits it the same way),
so its halves are exchanged here. --no-geglu-swap keeps them as stored (llama.cpp's converter
does not exchange them). No real jina weights were available offline to check either choice.
"""
import argparse
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf  # noqa: E402

SEP = "\u2581"


def read_safetensors(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack_from("<Q", data, 0)
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    dt = {"F32": np.float32, "F16": np.float16, "BF16": None}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        raw = data[base + a:base + b]
        if info["dtype"] == "BF16":
            u = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
            arr = u.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=dt[info["dtype"]]).astype(np.float32)
        out[name] = arr.reshape(info["shape"])
    return out


def read_weights(d):
    st = os.path.join(d, "model.safetensors")
    if os.path.exists(st):
        return read_safetensors(st)
    import torch
    sd = torch.load(os.path.join(d, "pytorch_model.bin"), map_location="cpu")
    return {k: v.float().numpy() for k, v in sd.items()}


def post_processor_specials(t):
    """(cls_id, sep_id) from tokenizer.json's post_processor, or (None, None)."""
    pp = t.get("post_processor") or {}
    if pp.get("type") in ("RobertaProcessing", "BertProcessing"):
        return pp["cls"][1], pp["sep"][1]
    if pp.get("type") == "TemplateProcessing":
        single = [x["SpecialToken"]["id"] for x in pp.get("single", []) if "SpecialToken" in x]
        st = pp.get("special_tokens", {})
        first = [x for x in pp.get("single", [])]
        cls = st[single[0]]["ids"][0] if single and "SpecialToken" in first[0] else None
        sep = st[single[-1]]["ids"][0] if single and "SpecialToken" in first[-1] else None
        return cls, sep
    return None, None


def read_tokenizer(d):
    """Returns (model, tokens, merges, lowercase, (cls_id, sep_id) or (None, None))."""
    tj = os.path.join(d, "tokenizer.json")
    lower = True
    cfg = os.path.join(d, "tokenizer_config.json")
    if os.path.exists(cfg):
        lower = bool(json.load(open(cfg)).get("do_lower_case", True))
    if os.path.exists(tj):
        t = json.load(open(tj, encoding="utf-8"))
        m = t["model"]
        norm = t.get("normalizer") or {}
        if norm.get("type") == "BertNormalizer":
            lower = bool(norm.get("lowercase", lower))
        vocab = m["vocab"]
        tokens = [None] * (max(vocab.values()) + 1)
        for k, v in vocab.items():
            tokens[v] = k
        for at in t.get("added_tokens", []):
            if at["id"] >= len(tokens):
                tokens += [None] * (at["id"] + 1 - len(tokens))
            tokens[at["id"]] = at["content"]
        tokens = [x if x is not None else "[unused_%d]" % i for i, x in enumerate(tokens)]
        specials = post_processor_specials(t)
        if m["type"] == "WordPiece":
            return "bert", tokens, None, lower, specials
        if m["type"] == "BPE":
            merges = [x if isinstance(x, str) else " ".join(x) for x in m["merges"]]
            return "gpt2", tokens, merges, lower, specials
        raise SystemExit("unsupported tokenizer model %s" % m["type"])
    tokens = [line.rstrip("\n") for line in open(os.path.join(d, "vocab.txt"), encoding="utf-8")]
    return "bert", tokens, None, lower, (None, None)


def wordpiece_tokens(tokens):
    """Hugging Face vocab.txt -> llama.cpp convention: '##x' -> 'x', word starts get U+2581."""
    out = []
    for t in tokens:
        if t.startswith("##"):
            out.append(t[2:])
        elif t.startswith("[") and t.endswith("]"):
            out.append(t)
        else:
            out.append(SEP + t)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("--out", required=True)
    ap.add_argument("--f16", action="store_true")
    ap.add_argument("--pooling", choices=["mean", "cls"], default="mean")
    ap.add_argument("--max-tokens", type=int, default=0, help="context length to record (default: the model's)")
    ap.add_argument("--no-geglu-swap", action="store_true",
                    help="keep mlp.up_gated_layer's halves in checkpoint order")
    ap.add_argument("--name", default=None)
    a = ap.parse_args()
    cfg = json.load(open(os.path.join(a.model_dir, "config.json")))
    w = read_weights(a.model_dir)
    w = {k[5:] if k.startswith("bert.") else k: v for k, v in w.items()}
    jina = "encoder.layer.0.mlp.gated_layers.weight" in w or "encoder.layer.0.mlp.up_gated_layer.weight" in w
    arch = "jina-bert-v2" if jina else "bert"
    n_layer = cfg["num_hidden_layers"]
    d, ff, heads = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_attention_heads"]
    ctx = a.max_tokens or cfg.get("max_position_embeddings", 512)
    model, tokens, merges, lower, (cls_id, sep_id) = read_tokenizer(a.model_dir)
    g = gguf.Writer()
    g.add("general.architecture", gguf.T_STR, arch)
    g.add("general.name", gguf.T_STR, a.name or os.path.basename(os.path.normpath(a.model_dir)))
    g.add(arch + ".block_count", gguf.T_U32, n_layer)
    g.add(arch + ".context_length", gguf.T_U32, ctx)
    g.add(arch + ".embedding_length", gguf.T_U32, d)
    g.add(arch + ".feed_forward_length", gguf.T_U32, ff)
    g.add(arch + ".attention.head_count", gguf.T_U32, heads)
    g.add(arch + ".attention.layer_norm_epsilon", gguf.T_F32, float(cfg.get("layer_norm_eps", 1e-12)))
    g.add(arch + ".pooling_type", gguf.T_U32, 2 if a.pooling == "cls" else 1)
    g.add("tokenizer.ggml.model", gguf.T_STR, model)
    if model == "bert":
        g.add_array("tokenizer.ggml.tokens", gguf.T_STR, wordpiece_tokens(tokens))
        g.add("tokenizer.wordpiece.lowercase", gguf.T_U32, 1 if lower else 0)
        ids = {t: i for i, t in enumerate(tokens)}
        for key, tok in (("unknown", "[UNK]"), ("cls", "[CLS]"), ("seperator", "[SEP]"), ("padding", "[PAD]")):
            if tok in ids:
                g.add("tokenizer.ggml.%s_token_id" % key, gguf.T_U32, ids[tok])
    else:
        g.add_array("tokenizer.ggml.tokens", gguf.T_STR, tokens)
        g.add_array("tokenizer.ggml.merges", gguf.T_STR, merges)
        ids = {t: i for i, t in enumerate(tokens)}
        for key, tok in (("unknown", "<unk>"), ("padding", "<pad>")):
            if tok in ids:
                g.add("tokenizer.ggml.%s_token_id" % key, gguf.T_U32, ids[tok])
        # RoBERTa-style wrapping (<s> ... </s>) unless the post-processor says otherwise
        cls_id = cls_id if cls_id is not None else ids.get("<s>")
        sep_id = sep_id if sep_id is not None else ids.get("</s>")
        if cls_id is not None:
            g.add("tokenizer.ggml.cls_token_id", gguf.T_U32, cls_id)
        if sep_id is not None:
            g.add("tokenizer.ggml.seperator_token_id", gguf.T_U32, sep_id)

    def get(name):
        for cand in (name, name.replace(".weight", ".gamma").replace(".bias", ".beta")):
            if cand in w:
                return w[cand]
        raise SystemExit("checkpoint lacks %s" % name)

    def put(dst, src, f16=False):
        g.add_tensor(dst, get(src), f16 and a.f16)

    def put_norm(dst, src):
        put(dst + ".weight", src + ".weight")
        put(dst + ".bias", src + ".bias")

    put("token_embd.weight", "embeddings.word_embeddings.weight", True)
    if "embeddings.token_type_embeddings.weight" in w:
        put("token_types.weight", "embeddings.token_type_embeddings.weight")
    if arch == "bert":
        put("position_embd.weight", "embeddings.position_embeddings.weight", True)
    put_norm("token_embd_norm", "embeddings.LayerNorm")
    for i in range(n_layer):
        s, b = "encoder.layer.%d." % i, "blk.%d." % i
        for src, dst in (("attention.self.query", "attn_q"), ("attention.self.key", "attn_k"),
                         ("attention.self.value", "attn_v"), ("attention.output.dense", "attn_output")):
            put(b + dst + ".weight", s + src + ".weight", True)
            put(b + dst + ".bias", s + src + ".bias")
        put_norm(b + "attn_output_norm", s + "attention.output.LayerNorm")
        if arch == "bert":
            put(b + "ffn_up.weight", s + "intermediate.dense.weight", True)
            put(b + "ffn_up.bias", s + "intermediate.dense.bias")
            put(b + "ffn_down.weight", s + "output.dense.weight", True)
            put(b + "ffn_down.bias", s + "output.dense.bias")
            put_norm(b + "layer_output_norm", s + "output.LayerNorm")
            continue
        if s + "attention.self.layer_norm_q.weight" in w:
            put_norm(b + "attn_q_norm", s + "attention.self.layer_norm_q")
            put_norm(b + "attn_k_norm", s + "attention.self.layer_norm_k")
        if s + "layer_norm_1.weight" in w:
            put_norm(b + "attn_norm_2", s + "layer_norm_1")
        if s + "mlp.gated_layers.weight" in w:
            up = w[s + "mlp.gated_layers.weight"]              # [gate | up] already
        else:
            up = w[s + "mlp.up_gated_layer.weight"]            # [up | gate] -> [gate | up]
            if not a.no_geglu_swap:
                up = np.concatenate([up[ff:], up[:ff]], 0)
        g.add_tensor(b + "ffn_up.weight", up, a.f16)
        down = "mlp.wo" if s + "mlp.wo.weight" in w else "mlp.down_layer"
        put(b + "ffn_down.weight", s + down + ".weight", True)
        put(b + "ffn_down.bias", s + down + ".bias")
        put_norm(b + "layer_output_norm", s + ("mlp.layernorm" if s + "mlp.layernorm.weight" in w else "layer_norm_2"))
    g.write(a.out)
    print("wrote %s (%s, %d layers, width %d)" % (a.out, arch, n_layer, d))


if __name__ == "__main__":
    main()
