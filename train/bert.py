#!/usr/bin/python3
"""BERT and JinaBERT-v2 encoders in PyTorch, loading faultline's GGUF (llama.cpp tensor names).

The numerical reference for src/embed/bert.c and the starting point for fine-tuning.
  BERT:      x = LN(E[id] + T[0] + P[pos]); post-LN layers; GELU FFN; mean (or CLS) pooling.
  JinaBERT:  no position table; symmetric ALiBi; optional LayerNorm on Q and K (qk-post-norm);
             optional second residual LayerNorm (attn_norm_2); GEGLU FFN where ffn_up holds
             [gate | up] (2*ff rows, GELU on the first half) or a separate ffn_gate.

    /usr/bin/python3 train/bert.py MODEL.gguf "text" ...    -> one JSON vector per text
"""
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf  # noqa: E402
import text_tokenizers  # noqa: E402


def alibi_slopes(n):
    p = 2 ** int(math.floor(math.log2(n)))
    s = [2.0 ** (-8.0 * (i + 1) / p) for i in range(p)]
    s += [2.0 ** (-8.0 * (2 * i + 1) / (2 * p)) for i in range(n - p)]
    return torch.tensor(s)


class Encoder(torch.nn.Module):
    def __init__(self, path):
        super().__init__()
        meta, t = gguf.read(path)
        self.meta = meta
        self.arch = meta["general.architecture"]
        assert self.arch in ("bert", "jina-bert-v2"), self.arch
        a = self.arch
        self.n_layer = int(meta[a + ".block_count"])
        self.d = int(meta[a + ".embedding_length"])
        self.ff = int(meta[a + ".feed_forward_length"])
        self.heads = int(meta[a + ".attention.head_count"])
        self.eps = float(meta[a + ".attention.layer_norm_epsilon"])
        self.ctx = int(meta[a + ".context_length"])
        self.pooling = int(meta.get(a + ".pooling_type", 1))
        self.tok = text_tokenizers.load(meta)
        self.w = torch.nn.ParameterDict({k.replace(".", "_"): torch.nn.Parameter(torch.from_numpy(v.copy()))
                                         for k, v in t.items()})
        if "position_embd.weight".replace(".", "_") in self.w:
            self.ctx = min(self.ctx, self.w["position_embd_weight"].shape[0])
        self.register_buffer("slopes", alibi_slopes(self.heads))

    def has(self, name):
        return name.replace(".", "_") in self.w

    def p(self, name):
        return self.w[name.replace(".", "_")]

    def ln(self, x, name):
        return torch.nn.functional.layer_norm(x, (x.shape[-1],), self.p(name + ".weight"), self.p(name + ".bias"),
                                              self.eps)

    def lin(self, x, name):
        y = x @ self.p(name + ".weight").T
        return y + self.p(name + ".bias") if self.has(name + ".bias") else y

    def ids(self, text, max_tokens=None):
        body = self.tok.encode(text)
        limit = (max_tokens or self.ctx) - (self.tok.bos >= 0) - (self.tok.eos >= 0)
        body = body[:max(limit, 0)]
        return ([self.tok.bos] if self.tok.bos >= 0 else []) + body + ([self.tok.eos] if self.tok.eos >= 0 else [])

    def forward_ids(self, ids):
        n, d, H = len(ids), self.d, self.heads
        hd = d // H
        x = self.p("token_embd.weight")[torch.tensor(ids, dtype=torch.long)]
        if self.has("token_types.weight"):
            x = x + self.p("token_types.weight").reshape(-1, d)[0]
        if self.arch == "bert":
            x = x + self.p("position_embd.weight")[:n]
        x = self.ln(x, "token_embd_norm")
        bias = None
        if self.arch == "jina-bert-v2":
            pos = torch.arange(n)
            dist = (pos[None, :] - pos[:, None]).abs().float()
            bias = -self.slopes[:, None, None] * dist[None]
        for i in range(self.n_layer):
            b = "blk.%d." % i
            q, k, v = self.lin(x, b + "attn_q"), self.lin(x, b + "attn_k"), self.lin(x, b + "attn_v")
            if self.has(b + "attn_q_norm.weight"):
                q = self.ln(q, b + "attn_q_norm")
            if self.has(b + "attn_k_norm.weight"):
                k = self.ln(k, b + "attn_k_norm")
            q, k, v = (t.reshape(n, H, hd).transpose(0, 1) for t in (q, k, v))
            s = q @ k.transpose(1, 2) / math.sqrt(hd)
            if bias is not None:
                s = s + bias
            a = (torch.softmax(s, -1) @ v).transpose(0, 1).reshape(n, d)
            h = self.ln(self.lin(a, b + "attn_output") + x, b + "attn_output_norm")
            if self.has(b + "attn_norm_2.weight"):
                h = self.ln(h + x, b + "attn_norm_2")
            u = self.lin(h, b + "ffn_up")
            if self.arch == "jina-bert-v2" and self.has(b + "ffn_gate.weight"):
                f = torch.nn.functional.gelu(self.lin(h, b + "ffn_gate")) * u
            elif self.arch == "jina-bert-v2" and u.shape[1] == 2 * self.ff:
                f = torch.nn.functional.gelu(u[:, :self.ff]) * u[:, self.ff:]
            else:
                f = torch.nn.functional.gelu(u)
            x = self.ln(self.lin(f, b + "ffn_down") + h, b + "layer_output_norm")
        pooled = x[0] if self.pooling == 2 else x.mean(0)
        return pooled / pooled.norm().clamp_min(1e-6)

    @torch.no_grad()
    def embed(self, text, max_tokens=None):
        return self.forward_ids(self.ids(text, max_tokens))


def main():
    m = Encoder(sys.argv[1])
    for text in sys.argv[2:]:
        print(json.dumps(m.embed(text).tolist()))


if __name__ == "__main__":
    main()
