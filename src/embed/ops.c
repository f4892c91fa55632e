/* Dense kernels shared by the forward passes: linear layers on OpenBLAS, layer norm, GELU,
 * attention with optional symmetric ALiBi. Rows are tokens; matrices are row-major.
 *
 * exp and erf are our own branch-free polynomials (relative error ~2e-7 for exp, absolute
 * 1.5e-7 for erf) so the element-wise loops vectorise; the hot loops are compiled for AVX-512,
 * AVX2 and baseline x86-64 and picked at load time (GCC target_clones). With glibc's scalar
 * expf/erff these loops took half the time of a MiniLM-shaped forward pass. */
#include "embed/embed_internal.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define VEC_CLONES EMBED_VEC_CLONES

void embed_linear(const float *X, int r, int in, const float *W, const float *b, int out, float *Y, int accumulate)
{
    for (int i = 0; i < r; i++) {
        float *y = Y + (size_t)i * out;
        if (!b) {
            if (!accumulate)
                memset(y, 0, (size_t)out * sizeof *y);
        } else if (accumulate) {
            for (int j = 0; j < out; j++)
                y[j] += b[j];
        } else {
            memcpy(y, b, (size_t)out * sizeof *y);
        }
    }
    if (r > 0)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r, out, in, 1.0f, X, in, W, in, 1.0f, Y, out);
}

/* Reductions run on 16 partial results in a vector: GCC vectorises no in-order float reduction (it
 * would change the rounding), and scalar sums made layer norm and softmax a third of a 512-token
 * forward pass. */
typedef embed_v16f v16f;
typedef embed_v16i v16i;

EMBED_VEC_INLINE v16f load16(const float *p)
{
    v16f v;
    memcpy(&v, p, sizeof v);
    return v;
}

EMBED_VEC_INLINE void store16(float *p, v16f v)
{
    memcpy(p, &v, sizeof v);
}

EMBED_VEC_INLINE v16f splat(float x)
{
    return (v16f){0} + x;
}

EMBED_VEC_INLINE v16f vmax(v16f a, v16f b)
{
    v16i m = a > b;
    return (v16f)(((v16i)a & m) | ((v16i)b & ~m));
}

EMBED_VEC_INLINE float hsum(v16f v)
{
    float s = 0;
    for (int k = 0; k < 16; k++)
        s += v[k];
    return s;
}

EMBED_VEC_INLINE float sum_lanes(const float *x, int n)
{
    v16f acc = {0};
    int j = 0;
    for (; j + 16 <= n; j += 16)
        acc += load16(x + j);
    float sum = hsum(acc);
    for (; j < n; j++)
        sum += x[j];
    return sum;
}

EMBED_VEC_INLINE float sq_dev_lanes(const float *x, int n, float mean)
{
    v16f acc = {0}, m = splat(mean);
    int j = 0;
    for (; j + 16 <= n; j += 16) {
        v16f d = load16(x + j) - m;
        acc += d * d;
    }
    float sum = hsum(acc);
    for (; j < n; j++)
        sum += (x[j] - mean) * (x[j] - mean);
    return sum;
}

EMBED_VEC_INLINE float max_lanes(const float *x, int n)
{
    v16f acc = splat(x[0]);
    int j = 0;
    for (; j + 16 <= n; j += 16)
        acc = vmax(acc, load16(x + j));
    float mx = x[0];
    for (int k = 0; k < 16; k++)
        mx = acc[k] > mx ? acc[k] : mx;
    for (; j < n; j++)
        mx = x[j] > mx ? x[j] : mx;
    return mx;
}

VEC_CLONES void embed_layer_norm(const float *X, int r, int d, const float *w, const float *b, float eps, float *Y)
{
    for (int i = 0; i < r; i++) {
        const float *x = X + (size_t)i * d;
        float *y = Y + (size_t)i * d;
        float mean = sum_lanes(x, d) / (float)d;
        float var = sq_dev_lanes(x, d, mean) / (float)d;
        float inv = 1.0f / sqrtf(var + eps);
        for (int j = 0; j < d; j++)
            y[j] = (x[j] - mean) * inv * w[j] + b[j];
    }
}

/* e^x: x = n ln2 + r, |r| <= ln2/2, degree-6 polynomial for e^r, 2^n through the exponent bits. */
static inline float exp_poly(float x)
{
    x = x < -87.0f ? -87.0f : x > 88.0f ? 88.0f : x;
    float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  /* round to nearest (1.5 * 2^23) */
    float r = x - n * 0.693145751953125f - n * 1.428606765330187045e-06f;
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (0.16666667163372039795f + r * (0.04166648536920547485f +
              r * (0.00833336077630519867f + r * 0.00139746675267815590f)))));
    union { uint32_t u; float f; } b = {(uint32_t)((int32_t)n + 127) << 23};
    return p * b.f;
}

/* exp_poly on 16 lanes (same steps). */
EMBED_VEC_INLINE v16f exp16(v16f x)
{
    x = vmax(x, splat(-87.0f));
    x = -vmax(-x, splat(-88.0f));
    v16f n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    v16f r = x - n * 0.693145751953125f - n * 1.428606765330187045e-06f;
    v16f p = 1.0f + r * (1.0f + r * (0.5f + r * (0.16666667163372039795f + r * (0.04166648536920547485f +
             r * (0.00833336077630519867f + r * 0.00139746675267815590f)))));
    v16i e = (__builtin_convertvector(n, v16i) + 127) << 23;
    return p * (v16f)e;
}

/* erf by Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7). */
static inline float erf_poly(float x)
{
    float a = x < 0 ? -x : x;
    float t = 1.0f / (1.0f + 0.3275911f * a);
    float y = 1.0f - t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f +
              t * 1.061405429f)))) * exp_poly(-a * a);
    return x < 0 ? -y : y;
}

void embed_layer_norm_ld(float *X, int r, int d, int ld, const float *w, const float *b, float eps)
{
    for (int i = 0; i < r; i++)
        embed_layer_norm(X + (size_t)i * ld, 1, d, w, b, eps, X + (size_t)i * ld);
}

VEC_CLONES void embed_gelu_inplace(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = 0.5f * x[i] * (1.0f + erf_poly(x[i] * 0.70710678118654752f));
}

VEC_CLONES void embed_relu_inplace(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = x[i] > 0 ? x[i] : 0;
}

VEC_CLONES void embed_geglu(const float *u, int rows, int ff, float *out)
{
    for (int r = 0; r < rows; r++) {
        const float *g = u + (size_t)r * 2 * ff, *up = g + ff;
        float *o = out + (size_t)r * ff;
        for (int j = 0; j < ff; j++)
            o[j] = 0.5f * g[j] * (1.0f + erf_poly(g[j] * 0.70710678118654752f)) * up[j];
    }
}

/* Weights under e^-60 of the row's largest are zero: normalised they could become subnormal floats,
 * which the P V product then multiplies ~100x slower on Intel cores (jina-v2-code shape, 512 tokens:
 * 2.2 s -> 0.4 s per text); their share of the sum is far below f32 resolution. */
VEC_CLONES static void softmax_rows(float *S, int n)
{
    for (int i = 0; i < n; i++) {
        float *s = S + (size_t)i * n, mx = max_lanes(s, n);
        v16f acc = {0}, vmx = splat(mx), cut = splat(-60.0f);
        int j = 0;
        for (; j + 16 <= n; j += 16) {
            v16f d = load16(s + j) - vmx, e = exp16(d);
            e = (v16f)((v16i)e & (d >= cut));
            store16(s + j, e);
            acc += e;
        }
        float sum = hsum(acc);
        for (; j < n; j++) {
            s[j] = s[j] - mx < -60.0f ? 0.0f : exp_poly(s[j] - mx);
            sum += s[j];
        }
        float inv = 1.0f / sum;
        for (j = 0; j < n; j++)
            s[j] *= inv;
    }
}

/* S[i][j] -= slope * |i - j| */
VEC_CLONES static void alibi_bias(float *S, int n, float slope)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            S[(size_t)i * n + j] -= slope * (float)(i > j ? i - j : j - i);
}

void embed_attention(const float *Q, const float *K, const float *V, int ld, const int *off, int nseq, int d,
                     int heads, const float *alibi, float *att, float *S)
{
    int hd = d / heads;
    float scale = 1.0f / sqrtf((float)hd);
    for (int s = 0; s < nseq; s++) {
        int o = off[s], n = off[s + 1] - off[s];
        if (n == 0)
            continue;
        for (int h = 0; h < heads; h++) {
            const float *q = Q + (size_t)o * ld + h * hd, *k = K + (size_t)o * ld + h * hd;
            const float *v = V + (size_t)o * ld + h * hd;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, hd, scale, q, ld, k, ld, 0.0f, S, n);
            if (alibi)
                alibi_bias(S, n, alibi[h]);
            softmax_rows(S, n);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, hd, n, 1.0f, S, n, v, ld, 0.0f,
                        att + (size_t)o * d + h * hd, d);
        }
    }
}

void embed_l2_normalize(float *v, int d)
{
    float ss = 0;
    for (int j = 0; j < d; j++)
        ss += v[j] * v[j];
    float inv = 1.0f / sqrtf(ss > 1e-12f ? ss : 1e-12f);
    for (int j = 0; j < d; j++)
        v[j] *= inv;
}
