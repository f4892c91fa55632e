/* The projections (x W^T + b): f32 on OpenBLAS, or bf16 on oneDNN's matmul primitive.
 *
 * Why bf16: the encoders are GEMM-bound, and PyTorch calls the same OpenBLAS sgemm, so an f32 engine
 * cannot be much faster than PyTorch. oneDNN (Debian's libdnnl 2.6) JITs AMX-BF16 tile kernels
 * (Sapphire Rapids and later) or AVX512-BF16 dot-product kernels (Cooper Lake, Zen 4/5): measured 4-8x
 * OpenBLAS's AVX-512 sgemm on one core for our shapes, with products accumulated in f32.
 *
 * How: at load each weight is rounded to bf16 (to nearest even) and reordered once into the blocked
 * layout the primitive asks for. That layout does not depend on M (checked for M = 1..1100 with every
 * projection shape of the three benchmarked models), so per call a primitive for this M is created
 * with the layout fixed; oneDNN's primitive cache makes that a few microseconds after the first call
 * of a shape. The activations are rounded to bf16 into a staging buffer, and bias, the residual sum
 * and ReLU/GELU run as post-ops; the output stays f32.
 *
 * Threads: Debian's oneDNN runs on OpenMP, whose team size is a per-thread setting, so it is set to
 * embed_threads() on the calling thread before each call. */
#include "embed/embed_internal.h"
#include "util/buf.h"

#include <oneapi/dnnl/dnnl.h>
#include <omp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* A primitive is JIT-compiled for each row count (0.7-2.8 ms the first time, measured), and token
 * counts vary from text to text: so rows run in blocks of BLOCK_ROWS, then one block of a multiple
 * of TILE_ROWS, then the last < TILE_ROWS rows padded to TILE_ROWS through a scratch buffer. Every
 * call thus has one of BLOCK_ROWS / TILE_ROWS row counts. */
#define BLOCK_ROWS 256
#define TILE_ROWS  16
#define ROW_KINDS  (BLOCK_ROWS / TILE_ROWS)

/* A primitive ready to run (descriptor kept for the scratchpad size); immutable once published. */
struct prim {
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t p;
    size_t scratch;           /* bytes of scratchpad it needs (user-managed: one per call) */
};

struct embed_packed {
    dnnl_memory_desc_t md;    /* bf16 [in, out] in the primitive's blocked layout */
    dnnl_memory_t mem;        /* owns the data */
    dnnl_memory_t lo;         /* EMBED_SPLIT_W: W - bf16(W), same layout; else NULL */
    /* primitives by (rows / TILE_ROWS - 1, accumulate, act, bias), created on first use and
     * published with a compare-and-swap, so threads share them without a lock (creating one, even
     * from oneDNN's cache, cost 3-5 us a call) */
    _Atomic(struct prim *) prims[ROW_KINDS * 2 * 3 * 2];
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static dnnl_engine_t engine;
static int native, amx;
static dnnl_primitive_attr_t attrs[2][3];   /* [accumulate][EMBED_ACT_*]; read-only once built */

static void init(void)
{
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) {
        engine = NULL;
        return;
    }
    /* the effective ISA accounts for what the kernel allows (AMX needs the XTILEDATA permission) */
    dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    native = (isa & dnnl_cpu_isa_avx512_core_bf16) == dnnl_cpu_isa_avx512_core_bf16;
    amx = (isa & dnnl_cpu_isa_avx512_core_amx) == dnnl_cpu_isa_avx512_core_amx;
    static const dnnl_alg_kind_t alg[3] = {dnnl_alg_kind_undef, dnnl_eltwise_relu, dnnl_eltwise_gelu_erf};
    for (int acc = 0; acc < 2; acc++)
        for (int act = 0; act < 3; act++) {
            dnnl_post_ops_t po = NULL;
            if (dnnl_primitive_attr_create(&attrs[acc][act]) != dnnl_success ||
                dnnl_post_ops_create(&po) != dnnl_success) {
                engine = NULL;
                return;
            }
            if (acc)
                dnnl_post_ops_append_sum(po, 1.0f);
            if (act)
                dnnl_post_ops_append_eltwise(po, 1.0f, alg[act], 0.0f, 0.0f);
            /* user scratchpad: each call brings its own, whatever oneDNN's build does with a shared one */
            if (dnnl_primitive_attr_set_post_ops(attrs[acc][act], po) != dnnl_success ||
                dnnl_primitive_attr_set_scratchpad_mode(attrs[acc][act], dnnl_scratchpad_mode_user) != dnnl_success)
                engine = NULL;
            dnnl_post_ops_destroy(po);
        }
}

int embed_bf16_native(int *has_amx)
{
    pthread_once(&once, init);
    if (has_amx)
        *has_amx = engine && amx;
    return engine && native;
}

/* Round to nearest even; NaN stays NaN for the usual quiet NaNs (nothing here produces others). */
EMBED_VEC_INLINE embed_v16h round16(embed_v16u u)
{
    u += 0x7fffu + ((u >> 16) & 1u);
    return __builtin_convertvector(u >> 16, embed_v16h);
}

EMBED_VEC_CLONES static void to_bf16(const float *restrict x, uint16_t *restrict y, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        embed_v16u u;
        memcpy(&u, x + i, sizeof u);
        embed_v16h h = round16(u);
        memcpy(y + i, &h, sizeof h);
    }
    for (; i < n; i++) {
        uint32_t u;
        memcpy(&u, x + i, sizeof u);
        u += 0x7fffu + ((u >> 16) & 1u);
        y[i] = (uint16_t)(u >> 16);
    }
}

/* lo = bf16(x - hi): the part of x that bf16 rounding dropped. */
EMBED_VEC_CLONES static void to_bf16_lo(const float *x, const uint16_t *hi, uint16_t *lo, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t u = (uint32_t)hi[i] << 16, v;
        float h, d;
        memcpy(&h, &u, sizeof h);
        d = x[i] - h;
        memcpy(&v, &d, sizeof v);
        v += 0x7fffu + ((v >> 16) & 1u);
        lo[i] = (uint16_t)(v >> 16);
    }
}

static void set_threads(void)
{
    int n = embed_threads();
    if (omp_get_max_threads() != n)
        omp_set_num_threads(n);
}

/* Matmul primitive descriptor for r rows of p; weights layout `wmd` (NULL: let oneDNN choose). */
static dnnl_status_t matmul_pd(const struct embed_proj *p, int r, const dnnl_memory_desc_t *wmd, int acc, int act,
                               dnnl_primitive_desc_t *pd)
{
    dnnl_memory_desc_t src, w, bias, dst;
    dnnl_dims_t sd = {r, p->in}, wd = {p->in, p->out}, dd = {r, p->out}, bd = {1, p->out};
    dnnl_status_t s;
    if ((s = dnnl_memory_desc_init_by_tag(&src, 2, sd, dnnl_bf16, dnnl_ab)) != dnnl_success ||
        (s = dnnl_memory_desc_init_by_tag(&dst, 2, dd, dnnl_f32, dnnl_ab)) != dnnl_success)
        return s;
    if (wmd)
        w = *wmd;
    else if ((s = dnnl_memory_desc_init_by_tag(&w, 2, wd, dnnl_bf16, dnnl_format_tag_any)) != dnnl_success)
        return s;
    memset(&bias, 0, sizeof bias);     /* a zero descriptor: no bias */
    if (p->b && (s = dnnl_memory_desc_init_by_tag(&bias, 2, bd, dnnl_f32, dnnl_ab)) != dnnl_success)
        return s;
    dnnl_matmul_desc_t md;
    if ((s = dnnl_matmul_desc_init(&md, &src, &w, &bias, &dst)) != dnnl_success)
        return s;
    return dnnl_primitive_desc_create(pd, &md, attrs[acc][act], engine, NULL);
}

/* Reorders the bf16 [out, in] matrix src into a new memory of layout md. */
static int reorder_into(const uint16_t *src, const struct embed_proj *p, const dnnl_memory_desc_t *md, dnnl_memory_t *out)
{
    dnnl_memory_desc_t umd;
    dnnl_dims_t wd = {p->in, p->out};
    dnnl_memory_t user = NULL;
    dnnl_primitive_desc_t rpd = NULL;
    dnnl_primitive_t reorder = NULL;
    dnnl_stream_t stream = NULL;
    int rc = -1;
    *out = NULL;
    /* W is [out, in] row-major: the [in, out] matrix the primitive wants, stored transposed (ba) */
    if (dnnl_memory_desc_init_by_tag(&umd, 2, wd, dnnl_bf16, dnnl_ba) == dnnl_success &&
        dnnl_memory_create(&user, &umd, engine, (void *)src) == dnnl_success &&
        dnnl_memory_create(out, md, engine, DNNL_MEMORY_ALLOCATE) == dnnl_success &&
        dnnl_reorder_primitive_desc_create(&rpd, &umd, engine, md, engine, NULL) == dnnl_success &&
        dnnl_primitive_create(&reorder, rpd) == dnnl_success &&
        dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) == dnnl_success) {
        dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, *out}};
        if (dnnl_primitive_execute(reorder, stream, 2, args) == dnnl_success && dnnl_stream_wait(stream) == dnnl_success)
            rc = 0;
    }
    if (stream)
        dnnl_stream_destroy(stream);
    if (reorder)
        dnnl_primitive_destroy(reorder);
    if (rpd)
        dnnl_primitive_desc_destroy(rpd);
    if (user)
        dnnl_memory_destroy(user);
    if (rc && *out) {
        dnnl_memory_destroy(*out);
        *out = NULL;
    }
    return rc;
}

int embed_proj_pack(struct embed_proj *p, char *err)
{
    pthread_once(&once, init);
    if (!engine) {
        errmsg_set(err, "oneDNN CPU engine unavailable");
        return -1;
    }
    if (p->pk)
        return 0;
    set_threads();
    size_t n = (size_t)p->in * p->out;
    uint16_t *hi = malloc((n ? n : 1) * sizeof *hi), *lo = NULL;
    struct embed_packed *pk = calloc(1, sizeof *pk);
    dnnl_primitive_desc_t pd = NULL;
    const char *what = "out of memory";
    if (!hi || !pk || ((p->split & EMBED_SPLIT_W) && !(lo = malloc((n ? n : 1) * sizeof *lo))))
        goto fail;
    to_bf16(p->w, hi, n);
    what = "bf16 matmul unsupported on this CPU";
    if (matmul_pd(p, 128, NULL, 0, 0, &pd) != dnnl_success)
        goto fail;
    pk->md = *dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    dnnl_primitive_desc_destroy(pd);
    what = "bf16 weight reorder failed";
    if (reorder_into(hi, p, &pk->md, &pk->mem))
        goto fail;
    if (lo) {
        to_bf16_lo(p->w, hi, lo, n);
        if (reorder_into(lo, p, &pk->md, &pk->lo))
            goto fail;
    }
    free(hi);
    free(lo);
    p->pk = pk;
    return 0;
fail:
    errmsg_set(err, "%s (%d x %d weight)", what, p->out, p->in);
    if (pk && pk->mem)
        dnnl_memory_destroy(pk->mem);
    free(pk);
    free(hi);
    free(lo);
    return -1;
}

void embed_proj_unpack(struct embed_proj *p)
{
    if (!p->pk)
        return;
    for (size_t i = 0; i < sizeof p->pk->prims / sizeof *p->pk->prims; i++) {
        struct prim *c = atomic_load(&p->pk->prims[i]);
        if (c) {
            dnnl_primitive_destroy(c->p);
            dnnl_primitive_desc_destroy(c->pd);
            free(c);
        }
    }
    dnnl_memory_destroy(p->pk->mem);
    if (p->pk->lo)
        dnnl_memory_destroy(p->pk->lo);
    free(p->pk);
    p->pk = NULL;
}

void embed_work_free(struct embed_work *w)
{
    if (w->stream)
        dnnl_stream_destroy(w->stream);
    free(w->xb);
    free(w->tail);
    free(w->scratch);
    memset(w, 0, sizeof *w);
}

/* The primitive for m rows (a multiple of TILE_ROWS up to BLOCK_ROWS) and this post-op set. */
static struct prim *get_prim(const struct embed_proj *p, int m, int acc, int act, int bias)
{
    if (m < TILE_ROWS || m > BLOCK_ROWS || m % TILE_ROWS)
        return NULL;
    _Atomic(struct prim *) *slot = &p->pk->prims[(((m / TILE_ROWS - 1) * 2 + acc) * 3 + act) * 2 + bias];
    struct prim *c = atomic_load_explicit(slot, memory_order_acquire), *none = NULL;
    if (c)
        return c;
    struct embed_proj q = *p;
    if (!bias)
        q.b = NULL;
    if (!(c = calloc(1, sizeof *c)))
        return NULL;
    if (matmul_pd(&q, m, &p->pk->md, acc, act, &c->pd) != dnnl_success) {
        free(c);
        return NULL;
    }
    if (dnnl_primitive_create(&c->p, c->pd) != dnnl_success) {
        dnnl_primitive_desc_destroy(c->pd);
        free(c);
        return NULL;
    }
    c->scratch = dnnl_memory_desc_get_size(dnnl_primitive_desc_query_md(c->pd, dnnl_query_scratchpad_md, 0));
    if (!atomic_compare_exchange_strong_explicit(slot, &none, c, memory_order_acq_rel, memory_order_acquire)) {
        dnnl_primitive_destroy(c->p);            /* another thread published one first */
        dnnl_primitive_desc_destroy(c->pd);
        free(c);
        c = none;
    }
    return c;
}

/* One bf16 matmul pass: Y (=|+=) act(Xb W + b) over m rows. */
static int pass(const struct embed_proj *p, const uint16_t *xb, dnnl_memory_t wmem, int with_bias, int m, float *Y,
                int acc, int act, struct embed_work *w)
{
    int bias = with_bias && p->b;
    struct prim *c = get_prim(p, m, acc, act, bias);
    if (!c)
        return -1;
    if (c->scratch > w->scratch_cap) {
        free(w->scratch);
        w->scratch_cap = 0;
        if (posix_memalign(&w->scratch, 64, c->scratch))
            return w->scratch = NULL, -1;
        w->scratch_cap = c->scratch;
    }
    dnnl_memory_t src = NULL, bmem = NULL, dst = NULL, pad = NULL;
    int rc = -1;
    const dnnl_memory_desc_t *smd = dnnl_primitive_desc_query_md(c->pd, dnnl_query_src_md, 0);
    const dnnl_memory_desc_t *dmd = dnnl_primitive_desc_query_md(c->pd, dnnl_query_dst_md, 0);
    const dnnl_memory_desc_t *pmd = dnnl_primitive_desc_query_md(c->pd, dnnl_query_scratchpad_md, 0);
    if (dnnl_memory_create(&src, smd, engine, (void *)xb) != dnnl_success ||
        dnnl_memory_create(&dst, dmd, engine, Y) != dnnl_success ||
        (c->scratch && dnnl_memory_create(&pad, pmd, engine, w->scratch) != dnnl_success))
        goto done;
    dnnl_exec_arg_t args[5] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wmem}, {DNNL_ARG_DST, dst}};
    int nargs = 3;
    if (pad)
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, pad};
    if (bias) {
        const dnnl_memory_desc_t *bmd = dnnl_primitive_desc_query_md(c->pd, dnnl_query_weights_md, 1);
        if (dnnl_memory_create(&bmem, bmd, engine, (void *)p->b) != dnnl_success)
            goto done;
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, bmem};
    }
    if (dnnl_primitive_execute(c->p, w->stream, nargs, args) == dnnl_success && dnnl_stream_wait(w->stream) == dnnl_success)
        rc = 0;
done:
    if (src)
        dnnl_memory_destroy(src);
    if (bmem)
        dnnl_memory_destroy(bmem);
    if (dst)
        dnnl_memory_destroy(dst);
    if (pad)
        dnnl_memory_destroy(pad);
    return rc;
}

/* The passes of one row block: Y (=|+=) act(Xh W + Xl W + Xh Wl + b), small terms first and the
 * activation (a post-op) on the last pass only. xl is NULL unless EMBED_SPLIT_X. */
static int passes(const struct embed_proj *p, const uint16_t *xh, const uint16_t *xl, int m, float *Y, int acc,
                  int act, struct embed_work *w)
{
    int bias = 1;
    if (xl) {
        if (pass(p, xl, p->pk->mem, bias, m, Y, acc, EMBED_ACT_NONE, w))
            return -1;
        acc = 1;
        bias = 0;
    }
    if (p->pk->lo) {
        if (pass(p, xh, p->pk->lo, bias, m, Y, acc, EMBED_ACT_NONE, w))
            return -1;
        acc = 1;
        bias = 0;
    }
    return pass(p, xh, p->pk->mem, bias, m, Y, acc, act, w);
}

static int grow(void **buf, size_t *cap, size_t n, size_t size)
{
    if (n <= *cap)
        return 0;
    void *b = realloc(*buf, n * size);
    if (!b)
        return -1;
    *buf = b;
    *cap = n;
    return 0;
}

static int run_bf16(const struct embed_proj *p, const float *X, int r, float *Y, int acc, int act,
                    struct embed_work *w, char *err)
{
    int rpad = (r + TILE_ROWS - 1) / TILE_ROWS * TILE_ROWS, main_rows = r / TILE_ROWS * TILE_ROWS, tail = r - main_rows;
    int split = (p->split & EMBED_SPLIT_X) != 0;
    size_t n = (size_t)r * p->in, npad = (size_t)rpad * p->in;
    if (grow((void **)&w->xb, &w->cap, split ? 2 * npad : npad, sizeof *w->xb) ||
        (tail && grow((void **)&w->tail, &w->tail_cap, (size_t)TILE_ROWS * p->out, sizeof *w->tail))) {
        errmsg_set(err, "out of memory (%d x %d activations)", r, p->in);
        return -1;
    }
    if (!w->stream && dnnl_stream_create((dnnl_stream_t *)&w->stream, engine, dnnl_stream_default_flags) != dnnl_success) {
        w->stream = NULL;
        errmsg_set(err, "oneDNN stream creation failed");
        return -1;
    }
    uint16_t *xh = w->xb, *xl = split ? w->xb + npad : NULL;
    to_bf16(X, xh, n);
    memset(xh + n, 0, (npad - n) * sizeof *xh);
    if (xl) {
        to_bf16_lo(X, xh, xl, n);
        memset(xl + n, 0, (npad - n) * sizeof *xl);
    }
    set_threads();
    int rc = 0;
    for (int o = 0; o < main_rows && rc == 0; o += BLOCK_ROWS) {
        int m = main_rows - o < BLOCK_ROWS ? main_rows - o : BLOCK_ROWS;
        size_t xo = (size_t)o * p->in;
        rc = passes(p, xh + xo, xl ? xl + xo : NULL, m, Y + (size_t)o * p->out, acc, act, w);
    }
    if (rc == 0 && tail) {
        size_t xo = (size_t)main_rows * p->in, yo = (size_t)main_rows * p->out, tn = (size_t)tail * p->out;
        if (acc)
            memcpy(w->tail, Y + yo, tn * sizeof *Y);
        memset(w->tail + tn, 0, ((size_t)TILE_ROWS * p->out - tn) * sizeof *Y);
        rc = passes(p, xh + xo, xl ? xl + xo : NULL, TILE_ROWS, w->tail, acc, act, w);
        if (rc == 0)
            memcpy(Y + yo, w->tail, tn * sizeof *Y);
    }
    if (rc)
        errmsg_set(err, "oneDNN bf16 matmul failed (%d x %d x %d)", r, p->out, p->in);
    return rc;
}

int embed_proj_apply(const struct embed_proj *p, const float *X, int r, float *Y, int accumulate, int act,
                     struct embed_work *w, char *err)
{
    if (r <= 0 || p->out <= 0)
        return 0;
    if (p->pk)
        return run_bf16(p, X, r, Y, accumulate != 0, act, w, err);
    embed_linear(X, r, p->in, p->w, p->b, p->out, Y, accumulate);
    if (act == EMBED_ACT_RELU)
        embed_relu_inplace(Y, (size_t)r * p->out);
    else if (act == EMBED_ACT_GELU)
        embed_gelu_inplace(Y, (size_t)r * p->out);
    return 0;
}
