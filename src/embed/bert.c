/* BERT and JinaBERT-v2 encoders (post-LN), weights and hyper-parameters named as llama.cpp's
 * GGUF files name them, so a llama.cpp-converted BERT/JinaBERT GGUF loads too.
 *
 *   x = LN_emb(E[id] + T[0] + P[pos])                  (P only for BERT; JinaBERT uses ALiBi)
 *   per layer:
 *     q, k, v = x Wq, x Wk, x Wv (+ LN on q and k for JinaBERT qk-post-norm)
 *     a = softmax(q k^T / sqrt(hd) - slope_h |i - j|) v  (ALiBi term only for JinaBERT)
 *     h = LN_o(a Wo + x);  JinaBERT with attn_norm_2: h = LN_2(h + x)
 *     f = FFN(h): GELU(h Wup) for BERT; GEGLU for JinaBERT: GELU(u[:ff]) * u[ff:] with u = h Wup
 *         (2*ff rows), or GELU(h Wgate) * (h Wup) with a separate gate
 *     x = LN_out(f Wdown + h)
 *   pooled = mean over tokens (or the first token), L2-normalised. */
#include "embed/embed_internal.h"
#include "util/buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hp(const struct embed_model *m, const char *name, uint32_t *out, char *err)
{
    char key[96];
    snprintf(key, sizeof key, "%s.%s", m->arch_name, name);
    return embed_gguf_u32(m->g, key, out, err);
}

/* ALiBi slopes for n heads (Press et al.): geometric for a power of two, else the closest power
 * of two's slopes followed by every other slope of twice that many heads. */
static void alibi_slopes(int n, float *out)
{
    int p = 1;
    while (p * 2 <= n)
        p *= 2;
    for (int i = 0; i < p; i++)
        out[i] = powf(2.0f, -8.0f * (float)(i + 1) / (float)p);
    for (int i = 0; i < n - p; i++)
        out[p + i] = powf(2.0f, -8.0f * (float)(2 * i + 1) / (float)(2 * p));
}

int embed_bert_load(struct embed_model *m, char *err)
{
    uint32_t nl, ctx, d, ff, heads, pool = POOL_MEAN;
    char key[96];
    if (hp(m, "block_count", &nl, err) || hp(m, "context_length", &ctx, err) ||
        hp(m, "embedding_length", &d, err) || hp(m, "feed_forward_length", &ff, err) ||
        hp(m, "attention.head_count", &heads, err))
        return -1;
    snprintf(key, sizeof key, "%s.attention.layer_norm_epsilon", m->arch_name);
    if (embed_gguf_f32(m->g, key, &m->eps, err))
        return -1;
    snprintf(key, sizeof key, "%s.pooling_type", m->arch_name);
    if (embed_gguf_kv(m->g, key) && embed_gguf_u32(m->g, key, &pool, err))
        return -1;
    if (nl < 1 || nl > 128 || ctx < 2 || ctx > 65536 || d < 1 || d > 16384 || ff < 1 || ff > 65536 ||
        heads < 1 || heads > 256 || d % heads || (pool != POOL_MEAN && pool != POOL_CLS)) {
        errmsg_set(err, "%s: unsupported hyper-parameters (%u layers, context %u, width %u, ffn %u, %u heads, "
                   "pooling %u)", m->arch_name, nl, ctx, d, ff, heads, pool);
        return -1;
    }
    m->n_layer = (int)nl;
    m->ctx = m->max_tokens = (int)ctx;
    m->d_model = m->dim = (int)d;
    m->n_ff = (int)ff;
    m->heads = (int)heads;
    m->pooling = (int)pool;
    const struct gguf_tensor *e = embed_gguf_tensor(m->g, "token_embd.weight");
    if (!e || e->ndim != 2 || e->ne[0] != d || e->ne[1] > (1u << 24) || (e->type == GGML_T_F32 && (uintptr_t)e->data % 4)) {
        errmsg_set(err, "%s: token_embd.weight missing or not [n_vocab, %u]", m->arch_name, d);
        return -1;
    }
    m->tok_embd = e->data;
    m->tok_embd_f16 = e->type == GGML_T_F16;
    m->d_embd = (int)d;
    m->n_rows = (int)e->ne[1];
    if (embed_tok_vocab_size(m->tok) > m->n_rows) {
        errmsg_set(err, "%s: vocabulary (%d) larger than the embedding table (%d)", m->arch_name,
                   embed_tok_vocab_size(m->tok), m->n_rows);
        return -1;
    }
    const struct gguf_tensor *tt = embed_gguf_tensor(m->g, "token_types.weight");
    if (tt) {     /* [n_types, d]: row 0 ("sentence A") is added to every token */
        if (tt->ne[0] != d || tt->ne[1] > 16) {
            errmsg_set(err, "token_types.weight has a bad shape");
            return -1;
        }
        if (!(m->type_embd = embed_weight(m, "token_types.weight", tt->ndim == 1 ? 0 : (int)tt->ne[1], (int)d, 0, err)))
            return -1;
    }
    err[0] = '\0';
    if (m->arch == ARCH_BERT) {
        const struct gguf_tensor *p = embed_gguf_tensor(m->g, "position_embd.weight");
        if (!p || p->ne[1] < 1 || p->ne[1] > 65536) {
            errmsg_set(err, "bert: position_embd.weight missing");
            return -1;
        }
        if ((int)p->ne[1] < m->ctx)
            m->ctx = m->max_tokens = (int)p->ne[1];
        if (!(m->pos_embd = embed_weight(m, "position_embd.weight", (int)p->ne[1], (int)d, 0, err)))
            return -1;
    } else {
        if (!(m->alibi = malloc(heads * sizeof *m->alibi))) {
            errmsg_set(err, "out of memory");
            return -1;
        }
        alibi_slopes((int)heads, m->alibi);
    }
    if (!(m->embd_norm_w = embed_weight(m, "token_embd_norm.weight", 0, (int)d, 0, err)) ||
        !(m->embd_norm_b = embed_weight(m, "token_embd_norm.bias", 0, (int)d, 0, err)))
        return -1;
    if (!(m->blayers = calloc(nl, sizeof *m->blayers))) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    int D = (int)d, F = (int)ff;
    for (int l = 0; l < (int)nl; l++) {
        struct bert_layer *L = &m->blayers[l];
        char nm[64];
#define W(field, suffix, rows, cols, opt)                                      \
        snprintf(nm, sizeof nm, "blk.%d." suffix, l);                          \
        L->field = embed_weight(m, nm, rows, cols, opt, err);                  \
        if (!L->field && (!(opt) || err[0]))                                   \
            return -1;
        /* Q, K and V fused into one [3D, D] matrix: one GEMM instead of three */
        float *qkv = embed_owned(m, (size_t)3 * D * D, err), *qkv_b = embed_owned(m, 3 * (size_t)D, err);
        if (!qkv || !qkv_b)
            return -1;
        static const char *const qkv_names[] = {"attn_q", "attn_k", "attn_v"};
        for (int j = 0; j < 3; j++) {
            snprintf(nm, sizeof nm, "blk.%d.%s.weight", l, qkv_names[j]);
            if (embed_weight_into(m, nm, D, D, qkv + (size_t)j * D * D, err))
                return -1;
            snprintf(nm, sizeof nm, "blk.%d.%s.bias", l, qkv_names[j]);
            if (embed_weight_into(m, nm, 0, D, qkv_b + (size_t)j * D, err))
                return -1;
        }
        L->qkv = (struct embed_proj){.w = qkv, .b = qkv_b, .in = D, .out = 3 * D};
        L->o = (struct embed_proj){.in = D, .out = D};
        W(o.w, "attn_output.weight", D, D, 0);
        W(o.b, "attn_output.bias", 0, D, 0);
        W(o_norm_w, "attn_output_norm.weight", 0, D, 0);
        W(o_norm_b, "attn_output_norm.bias", 0, D, 0);
        L->down = (struct embed_proj){.in = F, .out = D};
        W(down.w, "ffn_down.weight", D, F, 0);
        W(down.b, "ffn_down.bias", 0, D, 0);
        W(out_norm_w, "layer_output_norm.weight", 0, D, 0);
        W(out_norm_b, "layer_output_norm.bias", 0, D, 0);
        if (m->arch == ARCH_JINA_BERT_V2) {
            W(q_norm_w, "attn_q_norm.weight", 0, D, 1);
            W(q_norm_b, "attn_q_norm.bias", 0, D, 1);
            W(k_norm_w, "attn_k_norm.weight", 0, D, 1);
            W(k_norm_b, "attn_k_norm.bias", 0, D, 1);
            W(norm2_w, "attn_norm_2.weight", 0, D, 1);
            W(norm2_b, "attn_norm_2.bias", 0, D, 1);
            W(gate.w, "ffn_gate.weight", F, D, 1);
            if (!L->q_norm_w != !L->q_norm_b || !L->k_norm_w != !L->k_norm_b || !L->norm2_w != !L->norm2_b) {
                errmsg_set(err, "layer %d: a LayerNorm has a weight without a bias or the reverse", l);
                return -1;
            }
            if (L->gate.w) {
                L->gate.in = D;
                L->gate.out = F;
            }
        }
        snprintf(nm, sizeof nm, "blk.%d.ffn_up.weight", l);
        const struct gguf_tensor *u = embed_gguf_tensor(m->g, nm);
        L->up_rows = u && u->ne[1] == 2 * ff && m->arch == ARCH_JINA_BERT_V2 && !L->gate.w ? 2 * F : F;
        L->up = (struct embed_proj){.in = D, .out = L->up_rows};
        W(up.w, "ffn_up.weight", L->up_rows, D, 0);
        W(up.b, "ffn_up.bias", 0, L->up_rows, 1);
        if (embed_proj_register(m, &L->qkv, err) || embed_proj_register(m, &L->o, err) ||
            embed_proj_register(m, &L->up, err) || embed_proj_register(m, &L->down, err) ||
            (L->gate.w && embed_proj_register(m, &L->gate, err)))
            return -1;
#undef W
    }
    return 0;
}

static void add_rows(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] += x[i];
}

int embed_bert_forward(const struct embed_model *m, const int32_t *ids, const int *off, int n, float *out, char *err)
{
    int rows = off[n], D = m->d_model, F = m->n_ff, nmax = 1;
    for (int s = 0; s < n; s++)
        if (off[s + 1] - off[s] > nmax)
            nmax = off[s + 1] - off[s];
    size_t r1 = rows ? (size_t)rows : 1;
    float *x = calloc(r1 * D, sizeof *x), *h = malloc(r1 * D * sizeof *h);
    float *qkv = malloc(r1 * 3 * D * sizeof *qkv);
    float *att = malloc(r1 * D * sizeof *att), *u = malloc(r1 * 2 * F * sizeof *u);
    float *g = malloc(r1 * F * sizeof *g), *S = malloc((size_t)nmax * nmax * sizeof *S);
    struct embed_work w = {0};
    int rc = -1;
    if (!x || !h || !qkv || !att || !u || !g || !S) {
        errmsg_set(err, "out of memory (%d tokens)", rows);
        goto done;
    }
    for (int s = 0; s < n; s++)
        for (int p = 0; p < off[s + 1] - off[s]; p++) {
            int r = off[s] + p, id = ids[r];
            float *xr = x + (size_t)r * D;
            if (id < 0 || id >= m->n_rows || p >= m->ctx) {
                errmsg_set(err, "token id %d / position %d outside the model's tables", id, p);
                goto done;
            }
            embed_row(m, id, xr);
            if (m->type_embd)
                add_rows(xr, m->type_embd, (size_t)D);
            if (m->pos_embd)
                add_rows(xr, m->pos_embd + (size_t)p * D, (size_t)D);
        }
    embed_layer_norm(x, rows, D, m->embd_norm_w, m->embd_norm_b, m->eps, x);
    for (int l = 0; l < m->n_layer; l++) {
        const struct bert_layer *L = &m->blayers[l];
        if (embed_proj_apply(&L->qkv, x, rows, qkv, 0, EMBED_ACT_NONE, &w, err))
            goto done;
        if (L->q_norm_w)
            embed_layer_norm_ld(qkv, rows, D, 3 * D, L->q_norm_w, L->q_norm_b, m->eps);
        if (L->k_norm_w)
            embed_layer_norm_ld(qkv + D, rows, D, 3 * D, L->k_norm_w, L->k_norm_b, m->eps);
        embed_attention(qkv, qkv + D, qkv + 2 * D, 3 * D, off, n, D, m->heads, m->alibi, att, S);
        memcpy(h, x, (size_t)rows * D * sizeof *h);
        if (embed_proj_apply(&L->o, att, rows, h, 1, EMBED_ACT_NONE, &w, err))       /* h = a Wo + bo + x */
            goto done;
        embed_layer_norm(h, rows, D, L->o_norm_w, L->o_norm_b, m->eps, h);
        if (L->norm2_w) {
            add_rows(h, x, (size_t)rows * D);
            embed_layer_norm(h, rows, D, L->norm2_w, L->norm2_b, m->eps, h);
        }
        if (L->up_rows == 2 * F) {                  /* fused GEGLU: GELU(first half) * second half */
            if (embed_proj_apply(&L->up, h, rows, u, 0, EMBED_ACT_NONE, &w, err))
                goto done;
            embed_geglu(u, rows, F, g);
        } else if (L->gate.w || L->gate.pk) {       /* separate gate: GELU(h Wgate) * (h Wup) */
            if (embed_proj_apply(&L->up, h, rows, u, 0, EMBED_ACT_NONE, &w, err) ||
                embed_proj_apply(&L->gate, h, rows, g, 0, EMBED_ACT_GELU, &w, err))
                goto done;
            for (size_t i = 0; i < (size_t)rows * F; i++)
                g[i] *= u[i];
        } else if (embed_proj_apply(&L->up, h, rows, g, 0, EMBED_ACT_GELU, &w, err)) {
            goto done;
        }
        memcpy(x, h, (size_t)rows * D * sizeof *x);
        if (embed_proj_apply(&L->down, g, rows, x, 1, EMBED_ACT_NONE, &w, err))   /* x = f Wdown + b + h */
            goto done;
        embed_layer_norm(x, rows, D, L->out_norm_w, L->out_norm_b, m->eps, x);
    }
    for (int s = 0; s < n; s++) {
        float *o = out + (size_t)s * D;
        int len = off[s + 1] - off[s];
        memset(o, 0, (size_t)D * sizeof *o);
        if (m->pooling == POOL_CLS && len > 0) {
            memcpy(o, x + (size_t)off[s] * D, (size_t)D * sizeof *o);
        } else {
            for (int p = 0; p < len; p++)
                add_rows(o, x + (size_t)(off[s] + p) * D, (size_t)D);
            for (int j = 0; j < D; j++)
                o[j] /= (float)(len > 1 ? len : 1);
        }
        embed_l2_normalize(o, D);
    }
    rc = 0;
done:
    free(x);
    free(h);
    free(qkv);
    free(att);
    free(u);
    free(g);
    free(S);
    embed_work_free(&w);
    return rc;
}
