/* Dot-product kernels for the ANN index: scalar, AVX2+FMA and AVX-512, chosen once at run time
 * from the CPU's features (the binary itself is built for plain x86-64).
 * FAULTLINE_ANN_SIMD=scalar|avx2|avx512 forces a kernel (tests use it to cross-check them). */
#include "ann/ann_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Eight independent accumulators so that the loop is not one long dependency chain. */
static float dot_scalar(const float *a, const float *b, size_t d)
{
    float s[8] = {0};
    size_t i = 0;
    for (; i + 8 <= d; i += 8)
        for (int j = 0; j < 8; j++)
            s[j] += a[i + j] * b[i + j];
    float r = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
    for (; i < d; i++)
        r += a[i] * b[i];
    return r;
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ANN_HAVE_X86 1

__attribute__((target("avx2,fma"))) static float dot_avx2(const float *a, const float *b, size_t d)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    __m256 s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= d; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
    }
    for (; i + 8 <= d; i += 8)
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    __m256 s = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    float r = _mm_cvtss_f32(h);
    for (; i < d; i++)
        r += a[i] * b[i];
    return r;
}

__attribute__((target("avx512f"))) static float dot_avx512(const float *a, const float *b, size_t d)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    __m512 s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 64 <= d; i += 64) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
        s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), s2);
        s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), s3);
    }
    for (; i + 16 <= d; i += 16)
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    if (i < d) {   /* masked tail: no scalar loop */
        __mmask16 m = (__mmask16)((1u << (d - i)) - 1u);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

/* Four vectors at a time against one query: the query chunk is loaded once, and four independent
 * load streams keep more cache misses in flight than four separate calls would. */
__attribute__((target("avx512f"))) static void dot_many_avx512(const float *q, const float *const *v,
                                                                size_t n, size_t d, float *out)
{
    size_t k = 0;
    for (; k + 4 <= n; k += 4) {
        const float *a = v[k], *b = v[k + 1], *c = v[k + 2], *e = v[k + 3];
        __m512 sa = _mm512_setzero_ps(), sb = _mm512_setzero_ps();
        __m512 sc = _mm512_setzero_ps(), se = _mm512_setzero_ps();
        size_t i = 0;
        for (; i + 16 <= d; i += 16) {
            __m512 x = _mm512_loadu_ps(q + i);
            sa = _mm512_fmadd_ps(x, _mm512_loadu_ps(a + i), sa);
            sb = _mm512_fmadd_ps(x, _mm512_loadu_ps(b + i), sb);
            sc = _mm512_fmadd_ps(x, _mm512_loadu_ps(c + i), sc);
            se = _mm512_fmadd_ps(x, _mm512_loadu_ps(e + i), se);
        }
        if (i < d) {
            __mmask16 m = (__mmask16)((1u << (d - i)) - 1u);
            __m512 x = _mm512_maskz_loadu_ps(m, q + i);
            sa = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(m, a + i), sa);
            sb = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(m, b + i), sb);
            sc = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(m, c + i), sc);
            se = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(m, e + i), se);
        }
        out[k] = _mm512_reduce_add_ps(sa);
        out[k + 1] = _mm512_reduce_add_ps(sb);
        out[k + 2] = _mm512_reduce_add_ps(sc);
        out[k + 3] = _mm512_reduce_add_ps(se);
    }
    for (; k < n; k++)
        out[k] = dot_avx512(q, v[k], d);
}
#endif

static ann_dot_fn chosen;
static const char *chosen_name;
static pthread_once_t chosen_once = PTHREAD_ONCE_INIT;

static ann_dot_fn chosen_single;   /* what dot_many_generic calls */
static ann_dot_many_fn chosen_many;

static void dot_many_generic(const float *q, const float *const *v, size_t n, size_t d, float *out)
{
    for (size_t k = 0; k < n; k++)
        out[k] = chosen_single(q, v[k], d);
}

static void choose(void)
{
    const char *force = getenv("FAULTLINE_ANN_SIMD");
    chosen = dot_scalar;
    chosen_name = "scalar";
    if (force && strcmp(force, "scalar") == 0)
        return;
#ifdef ANN_HAVE_X86
    __builtin_cpu_init();
    int avx512 = __builtin_cpu_supports("avx512f");
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (force && strcmp(force, "avx2") == 0)
        avx512 = 0;
    if (avx512) {
        chosen = dot_avx512;
        chosen_name = "avx512";
    } else if (avx2) {
        chosen = dot_avx2;
        chosen_name = "avx2";
    }
#endif
}

static void choose_all(void)
{
    choose();
    chosen_single = chosen;
    chosen_many = dot_many_generic;
#ifdef ANN_HAVE_X86
    if (chosen == dot_avx512)
        chosen_many = dot_many_avx512;
#endif
}

ann_dot_fn ann_dot_select(void)
{
    pthread_once(&chosen_once, choose_all);
    return chosen;
}

const char *ann_simd_name(void)
{
    pthread_once(&chosen_once, choose_all);
    return chosen_name;
}

ann_dot_many_fn ann_dot_many_select(void)
{
    pthread_once(&chosen_once, choose_all);
    return chosen_many;
}

/* A kernel by name, NULL when this CPU lacks it (tests compare them with the scalar one). */
ann_dot_fn ann_dot_named(const char *name)
{
    if (strcmp(name, "scalar") == 0)
        return dot_scalar;
#ifdef ANN_HAVE_X86
    __builtin_cpu_init();
    if (strcmp(name, "avx2") == 0 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return dot_avx2;
    if (strcmp(name, "avx512") == 0 && __builtin_cpu_supports("avx512f"))
        return dot_avx512;
#endif
    return NULL;
}

float ann_dot(const float *a, const float *b, int dim)
{
    if (dim <= 0)
        return 0.0f;
    return ann_dot_select()(a, b, (size_t)dim);
}
