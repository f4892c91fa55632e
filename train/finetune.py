#!/usr/bin/python3
"""Fine-tune Universal Sentence Encoder Lite on stack-trace texts with a supervised contrastive loss.

Input: text lists made by train/finetune_texts.py (one {"text", "group", "library", "root"} per
line; the text is the server's canonical crash-first text). Events with the same "group" are the
same bug. Each step takes a batch of groups drawn mostly from ONE library (so the in-batch
negatives are hard: same code base, often the same exception type), a few events per group, and
minimises the supervised contrastive (SupCon) loss over cosine similarities / temperature: every
other event of the same group is a positive, every other event in the batch a negative. The
tokenizer and the architecture are unchanged; every weight may move.

    nice /usr/bin/python3 train/finetune.py --train /work/tmp/ft/train.jsonl \
        --model models/use-lite.gguf --out models/use-lite-ft.gguf [--epochs 3] [--seed 1]

The output is a GGUF with the same metadata and tensor types as the input (f16 matrices stay
f16), except general.name; `--check TEXTS.jsonl` prints cosine(PyTorch f32, reloaded GGUF).
"""
import argparse
import json
import math
import os
import random
import struct
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf  # noqa: E402
from use_lite import UseLite  # noqa: E402


# ---------------------------------------------------------------- batched forward (training)

def forward_batch(m, batch_ids):
    """Same computation as UseLite.forward_ids, for a padded batch (padding masked out)."""
    ids = [x[:m.ctx] for x in batch_ids]
    B = len(ids)
    T = max(1, max(len(x) for x in ids))
    tok = torch.zeros(B, T, dtype=torch.long)
    mask = torch.zeros(B, T, dtype=torch.bool)
    for i, x in enumerate(ids):
        if x:
            tok[i, :len(x)] = torch.tensor(x)
            mask[i, :len(x)] = True
    E = m.p("token_embd.weight")
    ang = torch.arange(T).float()[:, None] * m.p("timing.inv_timescales")[None, :]
    x = m.escale * E[tok] + torch.cat([torch.sin(ang), torch.cos(ang)], 1)[None]
    keymask = (~mask)[:, None, None, :]                        # B,1,1,T
    for L in range(m.nlayer):
        b = "blk.%d." % L
        h = m.ln(x, b + "attn_norm")
        qkv = m.lin(h, b + "attn_qkv")
        d = qkv.shape[-1] // 3
        hd = d // m.heads
        q, k, v = (qkv[..., i * d:(i + 1) * d].reshape(B, T, m.heads, hd).transpose(1, 2) for i in range(3))
        s = (q * hd ** -0.5) @ k.transpose(-1, -2)
        s = s.masked_fill(keymask, -1e9)
        a = torch.softmax(s, -1) @ v
        o = m.lin(a.transpose(1, 2).reshape(B, T, d), b + "attn_out")
        if (b + "res_proj.weight").replace(".", "_") in m.w:
            x = m.lin(x, b + "res_proj")
        x = x + o
        h = m.ln(x, b + "ffn_norm")
        x = x + m.lin(torch.relu(m.lin(h, b + "ffn_up")), b + "ffn_down")
    mf = mask.float()[..., None]
    n = mf.sum(1).clamp(min=1.0)
    pooled = (x * mf).sum(1) / n
    y = torch.tanh(m.lin(pooled, "head"))
    return y / torch.sqrt(torch.clamp((y * y).sum(-1, keepdim=True), min=1e-12))


def supcon(z, labels, tau):
    """Supervised contrastive loss (Khosla et al. 2020, L_out) over unit vectors z."""
    sim = z @ z.T / tau
    B = len(labels)
    eye = torch.eye(B, dtype=torch.bool)
    lab = torch.tensor(labels)
    pos = (lab[:, None] == lab[None, :]) & ~eye
    sim = sim.masked_fill(eye, -1e9)
    logp = sim - torch.logsumexp(sim, 1, keepdim=True)
    npos = pos.sum(1)
    keep = npos > 0
    per = -(logp * pos.float()).sum(1)[keep] / npos[keep].float()
    return per.mean()


# ---------------------------------------------------------------- data

def load_texts(path):
    return [json.loads(line) for line in open(path) if line.strip()]


def make_batches(recs, rng, groups_per_batch, per_group):
    """One epoch of batches. Each batch: groups of one library first (hard negatives), topped up
    with groups of other libraries; up to per_group events per group (at least 2)."""
    by_group = {}
    for i, r in enumerate(recs):
        by_group.setdefault(r["group"], []).append(i)
    by_lib = {}
    for g, idx in by_group.items():
        if len(idx) >= 2:
            by_lib.setdefault(recs[idx[0]]["library"], []).append(g)
    chunks = []
    for lib, gs in by_lib.items():
        gs = gs[:]
        rng.shuffle(gs)
        for i in range(0, len(gs), groups_per_batch):
            chunks.append(gs[i:i + groups_per_batch])
    rng.shuffle(chunks)
    leftovers = [g for c in chunks if len(c) < groups_per_batch // 2 for g in c]
    chunks = [c for c in chunks if len(c) >= groups_per_batch // 2]
    rng.shuffle(leftovers)
    for i in range(0, len(leftovers), groups_per_batch):
        chunks.append(leftovers[i:i + groups_per_batch])
    batches = []
    for c in chunks:
        items = []
        for gi, g in enumerate(c):
            idx = by_group[g][:]
            rng.shuffle(idx)
            items += [(i, gi) for i in idx[:per_group]]
        batches.append(items)
    rng.shuffle(batches)
    return batches


# ---------------------------------------------------------------- GGUF export

def _skip_value(data, pos, typ):
    sizes = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
    if typ == gguf.T_STR:
        n = struct.unpack_from("<Q", data, pos)[0]
        return pos + 8 + n
    if typ == gguf.T_ARR:
        et, n = struct.unpack_from("<IQ", data, pos)
        pos += 12
        if et == gguf.T_STR:
            for _ in range(n):
                pos = _skip_value(data, pos, gguf.T_STR)
            return pos
        return pos + sizes[et] * n
    return pos + sizes[typ]


def export_gguf(src, dst, state, name):
    """Copies src's metadata (general.name replaced) and tensor layout/types, with new weights."""
    data = open(src, "rb").read()
    assert data[:4] == b"GGUF"
    _v, nt, nkv = struct.unpack_from("<IQQ", data, 4)
    pos = 24
    kvs = []
    align = gguf.ALIGN
    for _ in range(nkv):
        start = pos
        kl = struct.unpack_from("<Q", data, pos)[0]
        key = data[pos + 8:pos + 8 + kl].decode()
        pos += 8 + kl
        typ = struct.unpack_from("<I", data, pos)[0]
        end = _skip_value(data, pos + 4, typ)
        if key == "general.name":
            kvs.append(gguf._str(key) + struct.pack("<I", gguf.T_STR) + gguf._str(name))
        else:
            kvs.append(data[start:end])
        if key == "general.alignment":
            align = struct.unpack_from("<I", data, pos + 4)[0]
        pos = end
    infos = []
    for _ in range(nt):
        kl = struct.unpack_from("<Q", data, pos)[0]
        tname = data[pos + 8:pos + 8 + kl].decode()
        pos += 8 + kl
        nd = struct.unpack_from("<I", data, pos)[0]
        ne = struct.unpack_from("<%dQ" % nd, data, pos + 4)
        pos += 4 + 8 * nd
        gt, off = struct.unpack_from("<IQ", data, pos)
        pos += 12
        infos.append((tname, ne, gt))
    head = [data[:4], struct.pack("<IQQ", 3, nt, nkv)] + kvs
    blobs = []
    offset = 0
    for tname, ne, gt in infos:
        a = state[tname]
        assert tuple(reversed(a.shape)) == tuple(ne), tname
        a = np.ascontiguousarray(a, dtype=np.float16 if gt == gguf.GGML_F16 else np.float32)
        head += [gguf._str(tname), struct.pack("<I", len(ne)), struct.pack("<%dQ" % len(ne), *ne),
                 struct.pack("<IQ", gt, offset)]
        blobs.append(a.tobytes())
        offset += (a.nbytes + align - 1) // align * align
    head = b"".join(head)
    with open(dst + ".tmp", "wb") as f:
        f.write(head)
        f.write(b"\0" * ((-len(head)) % align))
        for b in blobs:
            f.write(b)
            f.write(b"\0" * ((-len(b)) % align))
    os.replace(dst + ".tmp", dst)




# ---------------------------------------------------------------- head-only mode (--features)

def split_groups(recs, frac, seed):
    """Deterministic split of the groups (mutants) into train and validation."""
    groups = sorted({r["group"] for r in recs})
    random.Random(seed).shuffle(groups)
    val = set(groups[:int(len(groups) * frac)])
    return [i for i, r in enumerate(recs) if r["group"] not in val], \
        [i for i, r in enumerate(recs) if r["group"] in val]


def head_out(P, W, b):
    y = torch.tanh(P @ W.T + b)
    return y / torch.sqrt(torch.clamp((y * y).sum(-1, keepdim=True), min=1e-12))


def pair_stats(Z, recs):
    """Ranking quality of the pairs the pipeline can join (same root-cause type): average
    precision of same-group pairs ranked by cosine, and the best pairwise F1 over thresholds,
    with its cosine distance."""
    Z = Z.double()
    S = (Z @ Z.T).numpy()
    g = np.array([r["group"] for r in recs])
    t = np.array([r["root"] for r in recs])
    iu = np.triu_indices(len(recs), 1)
    ok = t[iu[0]] == t[iu[1]]
    sims = S[iu][ok]
    same = (g[iu[0]] == g[iu[1]])[ok]
    order = np.argsort(-sims)
    hit = same[order].astype(np.float64)
    tp = np.cumsum(hit)
    prec = tp / np.arange(1, len(hit) + 1)
    ap = float((prec * hit).sum() / max(1, hit.sum()))
    rec = tp / max(1, hit.sum())
    f1 = 2 * prec * rec / np.maximum(prec + rec, 1e-12)
    k = int(np.argmax(f1))
    return ap, float(f1[k]), float(1 - sims[order][k])


def train_head(m, recs, P, idx, a, log=print):
    """SupCon on normalize(tanh(W p + b)) with the body frozen; returns (W, b)."""
    W = torch.nn.Parameter(m.p("head.weight").detach().clone())
    b = torch.nn.Parameter(m.p("head.bias").detach().clone())
    W0 = W.detach().clone()
    opt = torch.optim.Adam([W, b], lr=a.lr)
    sub = [recs[i] for i in idx]
    Pt = torch.from_numpy(P[idx]).float()
    rng = random.Random(a.seed)
    for ep in range(int(a.epochs)):
        tot, nb = 0.0, 0
        for items in make_batches(sub, rng, a.groups, a.per_group):
            z = head_out(Pt[[i for i, _ in items]], W, b)
            loss = supcon(z, [g for _, g in items], a.tau) + a.anchor * ((W - W0) ** 2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += float(loss)
            nb += 1
        if ep % 5 == 4 or ep == int(a.epochs) - 1:
            log("  epoch %d loss %.4f" % (ep, tot / max(1, nb)))
    return W.detach(), b.detach()

# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--model", default="models/use-lite.gguf")
    ap.add_argument("--out", default="models/use-lite-ft.gguf")
    ap.add_argument("--name", default="universal-sentence-encoder-lite-faultline-ft")
    ap.add_argument("--epochs", type=float, default=3)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--tau", type=float, default=0.05)
    ap.add_argument("--groups", type=int, default=16, help="groups per batch")
    ap.add_argument("--per-group", type=int, default=4, help="events per group in a batch")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--max-minutes", type=float, default=25)
    ap.add_argument("--check", help="texts JSONL: compare the written GGUF with the f32 weights")
    ap.add_argument("--features", help="pooled features of --train (train/finetune_features.py): "
                    "train the head only, the body frozen")
    ap.add_argument("--val-frac", type=float, default=0.15, help="groups held out for validation")
    ap.add_argument("--val-out", help="write the validation groups' names here (one a line)")
    ap.add_argument("--anchor", type=float, default=0.0, help="L2 pull of the head to its start")
    a = ap.parse_args()
    if a.features:
        return main_head(a)

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    m = UseLite(a.model)
    _meta, tens = gguf.read(a.model)
    key_of = {k.replace(".", "_"): k for k in tens}
    recs = load_texts(a.train)
    t0 = time.time()
    ids = [m.tok.encode(r["text"])[:m.ctx] for r in recs]
    print("tokenized %d texts in %.0fs" % (len(ids), time.time() - t0), flush=True)

    # the timing table is a fixed function, not a weight
    m.w["timing_inv_timescales"].requires_grad_(False)
    params = [p for p in m.w.values() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=0.01)
    per_epoch = len(make_batches(recs, random.Random(0), a.groups, a.per_group))
    total = max(1, int(per_epoch * a.epochs))
    warm = max(1, total // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, 0.5 * (1 + math.cos(math.pi * min(s, total) / total))))
    step = 0
    t0 = time.time()
    done = False
    ep = 0
    while not done:
        batches = make_batches(recs, rng, a.groups, a.per_group)
        run = 0.0
        for bi, items in enumerate(batches):
            z = forward_batch(m, [ids[i] for i, _ in items])
            loss = supcon(z, [g for _, g in items], a.tau)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            step += 1
            run = 0.9 * run + 0.1 * float(loss) if bi else float(loss)
            if step % 20 == 0:
                print("epoch %d step %d/%d loss %.4f lr %.2e %.0fs" % (
                    ep, step, total, run, sched.get_last_lr()[0], time.time() - t0), flush=True)
            if step >= total or time.time() - t0 > a.max_minutes * 60:
                done = True
                break
        ep += 1
    print("trained %d steps (%.2f epochs) in %.0fs" % (step, step / per_epoch, time.time() - t0), flush=True)

    state = {key_of[k]: v.detach().numpy() for k, v in m.w.items()}
    export_gguf(a.model, a.out, state, a.name)
    print("wrote", a.out, flush=True)
    if a.check:
        m2 = UseLite(a.out)
        worst = 1.0
        for r in load_texts(a.check)[:50]:
            v1 = m.embed(r["text"])
            v2 = m2.embed(r["text"])
            worst = min(worst, float(v1 @ v2))
        print("f32 vs written GGUF: worst cosine over 50 texts %.6f" % worst)
    return 0


def main_head(a):
    torch.manual_seed(a.seed)
    m = UseLite(a.model)
    _meta, tens = gguf.read(a.model)
    recs = load_texts(a.train)
    P = np.load(a.features)
    assert len(P) == len(recs)
    tr, va = split_groups(recs, a.val_frac, a.seed)
    if a.val_out:
        with open(a.val_out, "w") as f:
            f.write("".join(sorted({recs[i]["group"] + "\n" for i in va})))
    Pv = torch.from_numpy(P[va]).float()
    vrecs = [recs[i] for i in va]
    base = pair_stats(head_out(Pv, m.p("head.weight").detach(), m.p("head.bias").detach()), vrecs)
    print("train %d events, validation %d events (%d groups)" % (len(tr), len(va), len({r['group'] for r in vrecs})))
    print("validation before: AP %.4f best pair F1 %.4f at distance %.4f" % base, flush=True)
    t0 = time.time()
    W, b = train_head(m, recs, P, tr, a)
    after = pair_stats(head_out(Pv, W, b), vrecs)
    Wh = torch.from_numpy(W.numpy().astype(np.float16).astype(np.float32))
    after16 = pair_stats(head_out(Pv, Wh, b), vrecs)
    print("validation after (%.0fs): AP %.4f best pair F1 %.4f at distance %.4f" % ((time.time() - t0,) + after))
    print("validation after, f16 head: AP %.4f best pair F1 %.4f at distance %.4f" % after16, flush=True)
    if a.out:
        state = dict(tens)
        state["head.weight"] = W.numpy()
        state["head.bias"] = b.numpy()
        export_gguf(a.model, a.out, state, a.name)
        print("wrote", a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
