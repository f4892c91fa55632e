/* Private to src/embed: shared between its files, never included by other modules.
 * The public interface is embed.h. */
#ifndef FAULTLINE_EMBED_INTERNAL_H
#define FAULTLINE_EMBED_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "embed/embed.h"

/* ---- GGUF (gguf.c) ------------------------------------------------------------------------- */

enum {
    GGUF_T_U8, GGUF_T_I8, GGUF_T_U16, GGUF_T_I16, GGUF_T_U32, GGUF_T_I32, GGUF_T_F32, GGUF_T_BOOL,
    GGUF_T_STR, GGUF_T_ARR, GGUF_T_U64, GGUF_T_I64, GGUF_T_F64, GGUF_T_COUNT
};
enum { GGML_T_F32 = 0, GGML_T_F16 = 1 };

struct gguf_str {
    const char *p;   /* points into the file; NOT NUL-terminated */
    uint64_t    n;
};

struct gguf_kv {
    struct gguf_str key;
    uint32_t type;             /* GGUF_T_* */
    uint32_t atype;            /* element type when type == GGUF_T_ARR */
    uint64_t count;            /* element count for arrays */
    const void *data;          /* array elements (numeric arrays; unaligned, little-endian) */
    struct gguf_str *strs;     /* string array elements, or the single string value */
    union { uint64_t u; int64_t i; double f; } v;  /* numeric scalars */
};

struct gguf_tensor {
    struct gguf_str name;
    uint32_t    ndim;
    uint64_t    ne[4];         /* ne[0] is the fastest-varying dimension */
    uint32_t    type;          /* GGML_T_F32 or GGML_T_F16 */
    uint64_t    nelem;
    const void *data;          /* into the mapping, aligned to general.alignment */
};

struct gguf {
    void    *map;              /* mmap'ed file (NULL when parsing a caller's buffer) */
    size_t   size;
    uint32_t version;
    uint64_t n_kv, n_tensors;
    struct gguf_kv *kv;
    struct gguf_tensor *tensors;
    uint64_t alignment;
};

int  embed_gguf_open(const char *path, struct gguf **out, char *err);
/* Parses a GGUF image in memory (not copied: it must outlive the result). */
int  embed_gguf_parse(const void *data, size_t size, struct gguf **out, char *err);
void embed_gguf_close(struct gguf *g);

const struct gguf_kv     *embed_gguf_kv(const struct gguf *g, const char *key);
const struct gguf_tensor *embed_gguf_tensor(const struct gguf *g, const char *name);
/* Integer / float / string scalars; 0 ok, -1 missing or wrong type (err filled). */
int embed_gguf_u32(const struct gguf *g, const char *key, uint32_t *out, char *err);
int embed_gguf_f32(const struct gguf *g, const char *key, float *out, char *err);
int embed_gguf_str(const struct gguf *g, const char *key, struct gguf_str *out, char *err);
/* Numeric array element i as double (the caller checked i < count). */
double embed_gguf_arr_f64(const struct gguf_kv *kv, uint64_t i);
int    embed_gguf_str_eq(struct gguf_str s, const char *c);

float embed_f16_to_f32(uint16_t h);
void  embed_f16_row(const void *src, float *dst, size_t n);   /* table-driven, src may be unaligned */

/* ---- tokenizers (tok_*.c) ------------------------------------------------------------------ */

struct embed_ids {
    int32_t *v;
    int      n, cap;
};
int embed_ids_push(struct embed_ids *ids, int32_t id);

struct embed_tok;
int  embed_tok_load(const struct gguf *g, struct embed_tok **out, char *err);
void embed_tok_free(struct embed_tok *t);
/* Appends the token ids of text[0..len) (no special tokens). Tokenizers that work left to right
 * stop after `limit` ids (the exact prefix); the unigram Viterbi always reads the whole text. */
int  embed_tok_encode(const struct embed_tok *t, const char *text, size_t len, int limit,
                      struct embed_ids *ids, char *err);
/* Special tokens a model wraps each text in (-1: none). */
void embed_tok_specials(const struct embed_tok *t, int *bos, int *eos);
const char *embed_tok_kind(const struct embed_tok *t);
int  embed_tok_vocab_size(const struct embed_tok *t);

/* UTF-8 -> code points; invalid bytes become U+FFFD. Returns the count or -1 on OOM. */
int embed_utf8_decode(const char *s, size_t len, uint32_t **out);

/* ---- BLAS (blas.c) ------------------------------------------------------------------------- */

void embed_blas_init(void);   /* applies FAULTLINE_EMBED_THREADS and FAULTLINE_EMBED_PRECISION once */
int  embed_threads(void);     /* the thread count set for the GEMMs */
enum embed_precision embed_default_precision(void);   /* -1: FAULTLINE_EMBED_PRECISION is no precision */

/* Hot element-wise loops: compiled for AVX-512, AVX2 and baseline, picked at load time. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define EMBED_VEC_CLONES __attribute__((target_clones("avx512f", "avx2", "default"), optimize("O3")))
#else
#define EMBED_VEC_CLONES
#endif

/* 16-float vectors (GCC vector extensions): one zmm register in the AVX-512 clone, two ymm or four
 * xmm in the others. Used where GCC will not vectorise a loop by itself (reductions, bit casts).
 * Only EMBED_VEC_INLINE helpers take or return them: always inlined into the caller's clone, so no
 * call crosses an ABI boundary (out of line, an AVX-512 clone calling a baseline helper disagrees
 * with it on how a 64-byte vector is passed: that crashed the -O1 sanitizer build), and GCC's note
 * that such a return "changes the ABI" (-Wpsabi) does not apply. */
#define EMBED_VEC_INLINE static inline __attribute__((always_inline))
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float    embed_v16f __attribute__((vector_size(64)));
typedef int32_t  embed_v16i __attribute__((vector_size(64)));
typedef uint32_t embed_v16u __attribute__((vector_size(64)));
typedef uint16_t embed_v16h __attribute__((vector_size(32)));

/* ---- dense kernels (ops.c) ----------------------------------------------------------------- */

/* Y[r, out] = X[r, in] W^T + b (accumulate: Y += ...). W is [out, in]; b may be NULL. */
void  embed_linear(const float *X, int r, int in, const float *W, const float *b, int out, float *Y, int accumulate);
void  embed_layer_norm(const float *X, int r, int d, const float *w, const float *b, float eps, float *Y);
/* In place on r rows of width d that lie ld floats apart. */
void  embed_layer_norm_ld(float *X, int r, int d, int ld, const float *w, const float *b, float eps);
void  embed_relu_inplace(float *x, size_t n);
void  embed_gelu_inplace(float *x, size_t n);   /* erf GELU (polynomial erf, |error| <= 1.5e-7) */
void  embed_geglu(const float *u, int rows, int ff, float *out);  /* out = GELU(u[:, :ff]) * u[:, ff:] */
/* Multi-head attention per text: Q, K, V rows have stride ld; att is [rows, d]; S is scratch of
 * max_len^2 floats; alibi (may be NULL) holds one slope per head (bias -slope * |i - j|). */
void  embed_attention(const float *Q, const float *K, const float *V, int ld, const int *off, int nseq, int d,
                      int heads, const float *alibi, float *att, float *S);
void  embed_l2_normalize(float *v, int d);

/* ---- projections (gemm.c) ------------------------------------------------------------------ */

enum { EMBED_ACT_NONE, EMBED_ACT_RELU, EMBED_ACT_GELU };

struct embed_packed;          /* gemm.c: a weight converted to bf16 in oneDNN's blocked layout */

/* A linear layer y = x W^T + b with W [out, in] (PyTorch layout). In fp32 models w is used by
 * OpenBLAS; in bf16 models pk holds the weight and w is NULL (its f32 copy was dropped). */
struct embed_proj {
    const float *w, *b;       /* b may be NULL */
    int in, out;
    int split;                /* bf16 only: EMBED_SPLIT_* terms kept as a second bf16 (set before packing) */
    struct embed_packed *pk;
};

/* A bf16 value v = hi + lo carries ~16 mantissa bits: splitting the activations (X = Xh + Xl) or the
 * weights costs one more bf16 GEMM each and removes that operand's rounding error. */
enum { EMBED_SPLIT_X = 1, EMBED_SPLIT_W = 2 };

/* Per forward pass (zero-initialised, grown on use): the bf16 staging buffer for the activations
 * and the oneDNN stream. */
struct embed_work {
    uint16_t *xb;
    size_t cap;               /* elements of xb */
    float *tail;              /* the last rows of an output, padded to a whole tile */
    size_t tail_cap;
    void *scratch;            /* oneDNN scratchpad (64-byte aligned) */
    size_t scratch_cap;
    void *stream;
};

/* Y[r, out] = act(X[r, in] W^T + b (+ Y when accumulate)). 0, or -1 with err (oneDNN failure). */
int  embed_proj_apply(const struct embed_proj *p, const float *X, int r, float *Y, int accumulate, int act,
                      struct embed_work *w, char *err);
/* Converts p to bf16 (weights reordered once for the matmul primitive); 0 or -1 with err. */
int  embed_proj_pack(struct embed_proj *p, char *err);
void embed_proj_unpack(struct embed_proj *p);
/* 1 when oneDNN runs bf16 matmuls natively here (AVX512-BF16 or AMX-BF16); *amx says which. */
int  embed_bf16_native(int *amx);
void embed_work_free(struct embed_work *w);   /* a zeroed struct embed_work needs no set-up */

/* ---- model (model.c) and forward passes (use_lite.c, ...) ------------------------------------ */

enum { ARCH_USE_LITE = 1, ARCH_BERT, ARCH_JINA_BERT_V2 };
enum { POOL_MEAN = 1, POOL_CLS = 2 };

/* BERT / JinaBERT-v2 layer (post-LN). Tensor names follow llama.cpp's GGUF convention. */
struct bert_layer {
    struct embed_proj qkv;                             /* attn_q | attn_k | attn_v fused: [3d, d], [3d] */
    const float *q_norm_w, *q_norm_b, *k_norm_w, *k_norm_b;   /* JinaBERT qk-post-norm, or NULL */
    struct embed_proj o;
    const float *o_norm_w, *o_norm_b;
    const float *norm2_w, *norm2_b;                    /* JinaBERT second residual LN, or NULL */
    struct embed_proj up, gate, down;                  /* gate.out == 0: no separate gate */
    const float *out_norm_w, *out_norm_b;
    int up_rows;                                       /* n_ff, or 2 * n_ff for a fused GEGLU */
};

struct embed_layer {
    int d_in, d_attn, d_model, n_ff, heads;   /* input, attention and output widths */
    const float *attn_norm_w, *attn_norm_b;
    struct embed_proj qkv;               /* [3*d_attn, d_in]: PyTorch Linear layout [out, in] */
    struct embed_proj out;               /* [d_model, d_attn] */
    struct embed_proj res;               /* [d_model, d_in] residual projection (out == 0: none) */
    const float *ffn_norm_w, *ffn_norm_b;
    struct embed_proj up;                /* [n_ff, d_model] */
    struct embed_proj down;              /* [d_model, n_ff] */
};

#define EMBED_MAX_PROJS 1024             /* 128 layers x 5 projections, with room */

struct embed_model {
    struct gguf *g;
    struct embed_tok *tok;
    char name[128], arch_name[32];
    int arch;
    int dim;                  /* output dimension */
    int ctx;                  /* the model's own token limit */
    int max_tokens;           /* what we read per text (<= ctx) */
    float eps;
    /* token embedding table [n_rows, d_embd], f32 or f16, used in place */
    const void *tok_embd;
    int tok_embd_f16, n_rows, d_embd;
    /* USE-Lite */
    const float *inv_timescales;
    int n_timescales;
    float *timing;                        /* [ctx, 2 * n_timescales] sin | cos table, owned */
    float escale;
    struct embed_proj head;              /* [dim, d_model] tanh head (kept in f32: one row per text) */
    int n_layer;
    struct embed_layer *layers;
    /* BERT / JinaBERT-v2 */
    struct bert_layer *blayers;
    int d_model, n_ff, heads, pooling;
    const float *pos_embd, *type_embd, *embd_norm_w, *embd_norm_b;
    float *alibi;                         /* per-head slopes (JinaBERT), owned */
    float **owned;                        /* f16 matrices widened to f32 */
    int n_owned;
    /* the projections that run in the model's precision (registered by the loaders) */
    struct embed_proj *projs[EMBED_MAX_PROJS];
    int n_projs;
    enum embed_precision precision;       /* EMBED_PRECISION_FP32 or _BF16, set before the weights load */
    int pack_failed;                      /* oneDNN refused a bf16 weight */
};

/* f32 view of a weight [rows, cols] (rows 0: a vector of cols); NULL + err if absent or the wrong
 * shape. optional: absent is not an error (NULL, err untouched). */
const float *embed_weight(struct embed_model *m, const char *name, int rows, int cols, int optional, char *err);
/* Copies (widening f16) a [rows, cols] weight into dst; 0 or -1 with err. */
int embed_weight_into(struct embed_model *m, const char *name, int rows, int cols, float *dst, char *err);
float *embed_owned(struct embed_model *m, size_t n, char *err);   /* a buffer freed with the model */
/* Fills p (w, b, in, out) and registers it for the model's precision; b_name may be NULL.
 * optional: an absent weight leaves p zeroed (p->out == 0) and is no error. */
int embed_proj_load(struct embed_model *m, struct embed_proj *p, const char *w_name, const char *b_name,
                    int out, int in, int optional, char *err);
int embed_proj_register(struct embed_model *m, struct embed_proj *p, char *err);
int embed_bert_load(struct embed_model *m, char *err);
int embed_bert_forward(const struct embed_model *m, const int32_t *ids, const int *off, int n, float *out,
                       char *err);

/* Row `id` of the token embedding table as f32 (the caller checked id < n_rows). */
void embed_row(const struct embed_model *m, int id, float *dst);

/* Embeds one chunk of tokenised texts: texts[i] = ids[off[i] .. off[i+1]). out: n * dim. */
int embed_use_lite_forward(const struct embed_model *m, const int32_t *ids, const int *off, int n,
                           float *out, char *err);

#endif
