/* Model loading: GGUF metadata -> architecture, tokenizer and weights; description; default path. */
#include "embed/embed.h"
#include "embed/embed_internal.h"
#include "util/buf.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A weight of shape [rows, cols] (numpy order; GGUF ne = {cols, rows}) as f32. f32 tensors are
 * used in place; f16 ones are widened into a buffer the model owns. */
const float *embed_weight(struct embed_model *m, const char *name, int rows, int cols, int optional, char *err)
{
    const struct gguf_tensor *t = embed_gguf_tensor(m->g, name);
    if (!t) {
        if (!optional)
            errmsg_set(err, "model lacks tensor %s", name);
        return NULL;
    }
    int want_ndim = rows > 0 ? 2 : 1;
    uint64_t r = rows > 0 ? (uint64_t)rows : 1;
    if (t->ne[0] != (uint64_t)cols || t->ne[1] != r || t->ne[2] != 1 || t->ne[3] != 1 ||
        (int)t->ndim > want_ndim) {
        errmsg_set(err, "tensor %s has shape [%llu, %llu], expected [%d, %d]", name,
                   (unsigned long long)t->ne[1], (unsigned long long)t->ne[0], rows > 0 ? rows : 1, cols);
        return NULL;
    }
    if (t->type == GGML_T_F32) {
        if ((uintptr_t)t->data % sizeof(float)) {
            errmsg_set(err, "tensor %s is misaligned", name);
            return NULL;
        }
        return t->data;
    }
    float **owned = realloc(m->owned, (size_t)(m->n_owned + 1) * sizeof *owned);
    if (!owned) {
        errmsg_set(err, "out of memory");
        return NULL;
    }
    m->owned = owned;
    float *w = malloc(t->nelem * sizeof *w);
    if (!w) {
        errmsg_set(err, "out of memory widening %s", name);
        return NULL;
    }
    embed_f16_row(t->data, w, t->nelem);
    m->owned[m->n_owned++] = w;
    return w;
}

static void disown(struct embed_model *m, const float *p);

/* In a bf16 model the weight is packed at once and its f32 copy dropped, so that a load never holds
 * every layer in f32 and bf16 together. */
int embed_proj_register(struct embed_model *m, struct embed_proj *p, char *err)
{
    if (m->n_projs >= EMBED_MAX_PROJS) {
        errmsg_set(err, "too many projections");
        return -1;
    }
    m->projs[m->n_projs++] = p;
    if (m->precision != EMBED_PRECISION_BF16)
        return 0;
    if (embed_proj_pack(p, err)) {
        m->pack_failed = 1;
        return -1;
    }
    disown(m, p->w);
    p->w = NULL;
    return 0;
}

/* blk.<l>.<name>.weight [out, in] and blk.<l>.<name>.bias [out], registered for the model's
 * precision; split: EMBED_SPLIT_* for a bf16 model. */
static int proj(struct embed_model *m, struct embed_proj *p, int l, const char *name, int out, int in, int split,
                char *err)
{
    char nm[96];
    p->in = in;
    p->out = out;
    snprintf(nm, sizeof nm, "blk.%d.%s.weight", l, name);
    if (!(p->w = embed_weight(m, nm, out, in, 0, err)))
        return -1;
    snprintf(nm, sizeof nm, "blk.%d.%s.bias", l, name);
    if (!(p->b = embed_weight(m, nm, 0, out, 0, err)))
        return -1;
    p->split = split;
    return embed_proj_register(m, p, err);
}

static int load_use_lite(struct embed_model *m, char *err)
{
    uint32_t nl, ctx, heads;
    if (embed_gguf_u32(m->g, "use-lite.block_count", &nl, err) ||
        embed_gguf_u32(m->g, "use-lite.context_length", &ctx, err) ||
        embed_gguf_u32(m->g, "use-lite.attention.head_count", &heads, err) ||
        embed_gguf_f32(m->g, "use-lite.attention.layer_norm_epsilon", &m->eps, err) ||
        embed_gguf_f32(m->g, "use-lite.embedding_scale", &m->escale, err))
        return -1;
    if (nl < 1 || nl > 64 || ctx < 1 || ctx > 65536 || heads < 1 || heads > 256) {
        errmsg_set(err, "use-lite: implausible hyper-parameters (%u layers, %u context, %u heads)", nl, ctx, heads);
        return -1;
    }
    m->ctx = m->max_tokens = (int)ctx;
    const struct gguf_tensor *e = embed_gguf_tensor(m->g, "token_embd.weight");
    const struct gguf_tensor *ts = embed_gguf_tensor(m->g, "timing.inv_timescales");
    if (!e || e->ndim != 2 || !ts || ts->ndim != 1 || e->ne[0] > 65536 || e->ne[1] > (1u << 24) ||
        e->ne[0] != 2 * ts->ne[0] || ts->type != GGML_T_F32) {
        errmsg_set(err, "use-lite: token_embd.weight / timing.inv_timescales missing or inconsistent");
        return -1;
    }
    m->d_embd = (int)e->ne[0];
    m->n_rows = (int)e->ne[1];
    m->tok_embd = e->data;
    m->tok_embd_f16 = e->type == GGML_T_F16;
    if (!m->tok_embd_f16 && (uintptr_t)e->data % 4) {
        errmsg_set(err, "token_embd.weight is misaligned");
        return -1;
    }
    m->n_timescales = (int)ts->ne[0];
    if (!(m->inv_timescales = embed_weight(m, "timing.inv_timescales", 0, m->n_timescales, 0, err)))
        return -1;
    if (!(m->timing = malloc((size_t)m->ctx * 2 * m->n_timescales * sizeof *m->timing))) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    for (int p = 0; p < m->ctx; p++)
        for (int j = 0; j < m->n_timescales; j++) {
            float a = (float)p * m->inv_timescales[j];
            m->timing[(size_t)p * 2 * m->n_timescales + j] = sinf(a);
            m->timing[(size_t)p * 2 * m->n_timescales + m->n_timescales + j] = cosf(a);
        }
    if (embed_tok_vocab_size(m->tok) > m->n_rows) {
        errmsg_set(err, "use-lite: vocabulary (%d) larger than the embedding table (%d)",
                   embed_tok_vocab_size(m->tok), m->n_rows);
        return -1;
    }
    m->n_layer = (int)nl;
    m->layers = calloc(nl, sizeof *m->layers);
    if (!m->layers) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    int d_in = m->d_embd;
    for (int l = 0; l < (int)nl; l++) {
        struct embed_layer *L = &m->layers[l];
        char nm[64];
#define W(field, suffix, rows, cols)                                   \
        snprintf(nm, sizeof nm, "blk.%d." suffix, l);                  \
        if (!(L->field = embed_weight(m, nm, rows, cols, 0, err)))              \
            return -1;
        const struct gguf_tensor *o;
        snprintf(nm, sizeof nm, "blk.%d.attn_out.weight", l);
        if (!(o = embed_gguf_tensor(m->g, nm)) || o->ne[1] < 1 || o->ne[1] > 65536) {
            errmsg_set(err, "model lacks or has a bad %s", nm);
            return -1;
        }
        int d = (int)o->ne[1], da = (int)o->ne[0];
        snprintf(nm, sizeof nm, "blk.%d.ffn_up.weight", l);
        if (!(o = embed_gguf_tensor(m->g, nm)) || o->ne[1] < 1 || o->ne[1] > 262144) {
            errmsg_set(err, "model lacks or has a bad %s", nm);
            return -1;
        }
        L->d_in = d_in;
        L->d_model = d;
        L->d_attn = da;
        L->n_ff = (int)o->ne[1];
        L->heads = (int)heads;
        if (da % (int)heads || da < 1 || da > 65536) {
            errmsg_set(err, "use-lite: layer %d attention width %d is not a multiple of %u heads", l, da, heads);
            return -1;
        }
        /* Layer 0's attention block (residual, QKV and output projections, 12% of the FLOPs) runs as
         * three bf16 GEMMs (Xh Wh + Xl Wh + Xh Wl: f32-like accuracy) in a bf16 model. It reads the raw
         * embeddings, and plain bf16 there carried a third of the error against the JS goldens (worst
         * cosine 0.99990 all plain bf16, 0.99997 with these split). f32 OpenBLAS would do as well
         * for accuracy, but its result depends slightly on the row count, and bf16 rounding downstream
         * turned that into 1e-3 differences between a text embedded alone and in a batch. */
        int f32 = l == 0 ? EMBED_SPLIT_X | EMBED_SPLIT_W : 0;
        if (d != d_in && proj(m, &L->res, l, "res_proj", d, d_in, f32, err))
            return -1;
        W(attn_norm_w, "attn_norm.weight", 0, d_in);
        W(attn_norm_b, "attn_norm.bias", 0, d_in);
        W(ffn_norm_w, "ffn_norm.weight", 0, d);
        W(ffn_norm_b, "ffn_norm.bias", 0, d);
#undef W
        if (proj(m, &L->qkv, l, "attn_qkv", 3 * da, d_in, f32, err) || proj(m, &L->out, l, "attn_out", d, da, f32, err) ||
            proj(m, &L->up, l, "ffn_up", L->n_ff, d, 0, err) || proj(m, &L->down, l, "ffn_down", d, L->n_ff, 0, err))
            return -1;
        d_in = d;
    }
    const struct gguf_tensor *hw = embed_gguf_tensor(m->g, "head.weight");
    if (!hw || hw->ne[1] < 1 || hw->ne[1] > 65536) {
        errmsg_set(err, "use-lite: model lacks head.weight");
        return -1;
    }
    m->dim = (int)hw->ne[1];
    /* not registered: one row per text, so it stays f32 */
    m->head.in = d_in;
    m->head.out = m->dim;
    if (!(m->head.w = embed_weight(m, "head.weight", m->dim, d_in, 0, err)) ||
        !(m->head.b = embed_weight(m, "head.bias", 0, m->dim, 0, err)))
        return -1;
    return 0;
}

int embed_weight_into(struct embed_model *m, const char *name, int rows, int cols, float *dst, char *err)
{
    const struct gguf_tensor *t = embed_gguf_tensor(m->g, name);
    uint64_t r = rows > 0 ? (uint64_t)rows : 1;
    if (!t || t->ne[0] != (uint64_t)cols || t->ne[1] != r || t->ne[2] != 1 || t->ne[3] != 1 ||
        (int)t->ndim > (rows > 0 ? 2 : 1)) {
        errmsg_set(err, "tensor %s is missing or not [%d, %d]", name, rows > 0 ? rows : 1, cols);
        return -1;
    }
    if (t->type == GGML_T_F32)
        memcpy(dst, t->data, t->nelem * sizeof *dst);
    else
        embed_f16_row(t->data, dst, t->nelem);
    return 0;
}

float *embed_owned(struct embed_model *m, size_t n, char *err)
{
    float **owned = realloc(m->owned, (size_t)(m->n_owned + 1) * sizeof *owned);
    float *p = owned ? malloc(n * sizeof *p) : NULL;
    if (owned)
        m->owned = owned;
    if (!p) {
        errmsg_set(err, "out of memory");
        return NULL;
    }
    m->owned[m->n_owned++] = p;
    return p;
}

/* Frees p if the model owns it (a widened f16 matrix); f32 tensors in the mapping are left alone. */
static void disown(struct embed_model *m, const float *p)
{
    for (int i = 0; i < m->n_owned; i++)
        if (m->owned[i] == p) {
            free(m->owned[i]);
            m->owned[i] = NULL;
            return;
        }
}

int embed_model_load(const char *path, struct embed_model **out, char *err)
{
    enum embed_precision p = embed_default_precision();
    if ((int)p < 0) {
        const char *v = getenv("FAULTLINE_EMBED_PRECISION");
        *out = NULL;
        errmsg_set(err, "FAULTLINE_EMBED_PRECISION=%.32s: expected fp32, bf16 or auto", v ? v : "");
        return -1;
    }
    return embed_model_load_precision(path, p, out, err);
}

static int load(const char *path, enum embed_precision prec, struct embed_model **out, int *pack_failed, char *err);

/* AUTO is bf16 where the CPU has bf16 instructions, and falls back to fp32 if oneDNN refuses a shape. */
int embed_model_load_precision(const char *path, enum embed_precision prec, struct embed_model **out, char *err)
{
    int pack_failed = 0;
    if (prec != EMBED_PRECISION_AUTO)
        return load(path, prec, out, &pack_failed, err);
    if (embed_bf16_native(NULL) && load(path, EMBED_PRECISION_BF16, out, &pack_failed, err) == 0)
        return 0;
    if (embed_bf16_native(NULL) && !pack_failed)
        return -1;
    return load(path, EMBED_PRECISION_FP32, out, &pack_failed, err);
}

static int load(const char *path, enum embed_precision prec, struct embed_model **out, int *pack_failed, char *err)
{
    *out = NULL;
    embed_blas_init();
    struct embed_model *m = calloc(1, sizeof *m);
    if (!m) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    char e2[ERRMSG_SIZE];
    m->precision = prec == EMBED_PRECISION_BF16 ? EMBED_PRECISION_BF16 : EMBED_PRECISION_FP32;
    if (embed_gguf_open(path, &m->g, err))
        goto fail;
    struct gguf_str arch, name;
    if (embed_gguf_str(m->g, "general.architecture", &arch, e2)) {
        errmsg_set(err, "%s: %s", path, e2);
        goto fail;
    }
    snprintf(m->arch_name, sizeof m->arch_name, "%.*s", (int)(arch.n < 31 ? arch.n : 31), arch.p);
    if (embed_gguf_str(m->g, "general.name", &name, e2) == 0)
        snprintf(m->name, sizeof m->name, "%.*s", (int)(name.n < 127 ? name.n : 127), name.p);
    else
        snprintf(m->name, sizeof m->name, "%s", m->arch_name);
    if (embed_tok_load(m->g, &m->tok, e2)) {
        errmsg_set(err, "%s: %s", path, e2);
        goto fail;
    }
    int rc;
    if (embed_gguf_str_eq(arch, "use-lite")) {
        m->arch = ARCH_USE_LITE;
        rc = load_use_lite(m, e2);
    } else if (embed_gguf_str_eq(arch, "bert") || embed_gguf_str_eq(arch, "jina-bert-v2")) {
        m->arch = embed_gguf_str_eq(arch, "bert") ? ARCH_BERT : ARCH_JINA_BERT_V2;
        rc = embed_bert_load(m, e2);
    } else {
        snprintf(e2, sizeof e2, "unsupported architecture '%s' (supported: use-lite, bert, jina-bert-v2)",
                 m->arch_name);
        rc = -1;
    }
    if (rc) {
        *pack_failed = m->pack_failed;
        errmsg_set(err, "%s: %s", path, e2);
        goto fail;
    }
    /* bf16: the projections no longer read the file; let its pages go (a private read-only mapping,
     * so whatever is still used, embeddings and vectors, faults back in from the file) */
    if (m->precision == EMBED_PRECISION_BF16 && m->g->map)
        madvise(m->g->map, m->g->size, MADV_DONTNEED);
    *out = m;
    return 0;
fail:
    embed_model_free(m);
    return -1;
}

void embed_model_free(struct embed_model *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->n_projs; i++)
        embed_proj_unpack(m->projs[i]);
    for (int i = 0; i < m->n_owned; i++)
        free(m->owned[i]);
    free(m->owned);
    free(m->layers);
    free(m->blayers);
    free(m->alibi);
    free(m->timing);
    embed_tok_free(m->tok);
    embed_gguf_close(m->g);
    free(m);
}

void embed_row(const struct embed_model *m, int id, float *dst)
{
    size_t d = (size_t)m->d_embd;
    if (m->tok_embd_f16)
        embed_f16_row((const uint16_t *)m->tok_embd + (size_t)id * d, dst, d);
    else
        memcpy(dst, (const float *)m->tok_embd + (size_t)id * d, d * sizeof *dst);
}

int embed_model_dim(const struct embed_model *m) { return m->dim; }
const char *embed_model_name(const struct embed_model *m) { return m->name; }
const char *embed_model_arch(const struct embed_model *m) { return m->arch_name; }
int embed_model_max_tokens(const struct embed_model *m) { return m->max_tokens; }
const char *embed_model_precision(const struct embed_model *m)
{
    return m->precision == EMBED_PRECISION_BF16 ? "bf16" : "fp32";
}

void embed_model_set_max_tokens(struct embed_model *m, int n)
{
    m->max_tokens = n < 1 ? 1 : n > m->ctx ? m->ctx : n;
}

void embed_model_describe(const struct embed_model *m, char *out, size_t size)
{
    struct buf b = BUF_INIT;
    size_t params = 0;
    for (uint64_t i = 0; i < m->g->n_tensors; i++)
        params += m->g->tensors[i].nelem;
    buf_printf(&b, "name: %s\narchitecture: %s\ndimension: %d\nlayers: %d\nmax_tokens: %d\n",
               m->name, m->arch_name, m->dim, m->n_layer, m->max_tokens);
    if (m->blayers)
        buf_printf(&b, "width: %d, heads: %d, ffn: %d%s%s, pooling: %s\n", m->d_model, m->heads, m->n_ff,
                   m->alibi ? ", ALiBi" : ", learned positions",
                   m->blayers[0].q_norm_w ? ", Q/K LayerNorm" : "", m->pooling == POOL_CLS ? "cls" : "mean");
    for (int l = 0; l < m->n_layer && m->layers; l++)
        buf_printf(&b, "layer %d: width %d -> %d, attention %d (%d heads), ffn %d\n", l, m->layers[l].d_in,
                   m->layers[l].d_model, m->layers[l].d_attn, m->layers[l].heads, m->layers[l].n_ff);
    buf_printf(&b, "tokenizer: %s, %d tokens\nembedding table: %d x %d %s\n", embed_tok_kind(m->tok),
               embed_tok_vocab_size(m->tok), m->n_rows, m->d_embd, m->tok_embd_f16 ? "f16" : "f32");
    buf_printf(&b, "tensors: %llu, parameters: %zu\nfile size: %zu bytes, GGUF version %u\n",
               (unsigned long long)m->g->n_tensors, params, m->g->size, m->g->version);
    struct gguf_str s;
    char e[ERRMSG_SIZE];
    if (embed_gguf_str(m->g, "general.license", &s, e) == 0)
        buf_printf(&b, "license: %.*s\n", (int)(s.n > 200 ? 200 : s.n), s.p);
    if (embed_gguf_str(m->g, "general.source", &s, e) == 0)
        buf_printf(&b, "source: %.*s\n", (int)(s.n > 200 ? 200 : s.n), s.p);
    int amx = 0, bf16 = embed_bf16_native(&amx);
    buf_printf(&b, "precision: %s (%s)\nblas core: %s\ncpu bf16: %s\n", embed_model_precision(m),
               m->precision == EMBED_PRECISION_BF16 ? "bf16 weights, f32 accumulation, oneDNN matmul" :
               "f32, OpenBLAS", embed_blas_core(), amx ? "AMX-BF16" : bf16 ? "AVX512-BF16" : "none");
    snprintf(out, size, "%s", b.data ? b.data : "");
    buf_free(&b);
}

static int readable(const char *p)
{
    return access(p, R_OK) == 0;
}

int embed_default_model_path(char *buf, size_t size)
{
    const char *env = getenv("FAULTLINE_MODEL");
    if (env && *env) {
        snprintf(buf, size, "%s", env);
        return readable(buf) ? 0 : -1;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char first[PATH_MAX] = "";
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            static const char *const rel[] = {"/../models/use-lite.gguf", "/models/use-lite.gguf",
                                              "/../../models/use-lite.gguf"};
            for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
                snprintf(buf, size, "%s%s", exe, rel[i]);
                if (!first[0])
                    snprintf(first, sizeof first, "%s", buf);
                if (readable(buf))
                    return 0;
            }
        }
    }
    snprintf(buf, size, "models/use-lite.gguf");
    if (readable(buf))
        return 0;
    if (first[0])
        snprintf(buf, size, "%s", first);
    return -1;
}
