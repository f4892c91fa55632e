/* Dense kernels shared by the forward passes: linear layers on OpenBLAS, layer norm, GELU,
 * attention with optional symmetric ALiBi. Rows are tokens; matrices are row-major. */
#include "embed/embed_internal.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

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

void embed_layer_norm(const float *X, int r, int d, const float *w, const float *b, float eps, float *Y)
{
    for (int i = 0; i < r; i++) {
        const float *x = X + (size_t)i * d;
        float *y = Y + (size_t)i * d;
        float mean = 0, var = 0;
        for (int j = 0; j < d; j++)
            mean += x[j];
        mean /= (float)d;
        for (int j = 0; j < d; j++)
            var += (x[j] - mean) * (x[j] - mean);
        var /= (float)d;
        float inv = 1.0f / sqrtf(var + eps);
        for (int j = 0; j < d; j++)
            y[j] = (x[j] - mean) * inv * w[j] + b[j];
    }
}

float embed_gelu(float x)
{
    return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
}

static void softmax_rows(float *S, int n)
{
    for (int i = 0; i < n; i++) {
        float *s = S + (size_t)i * n, mx = s[0], sum = 0;
        for (int j = 1; j < n; j++)
            mx = s[j] > mx ? s[j] : mx;
        for (int j = 0; j < n; j++) {
            s[j] = expf(s[j] - mx);
            sum += s[j];
        }
        float inv = 1.0f / sum;
        for (int j = 0; j < n; j++)
            s[j] *= inv;
    }
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
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < n; j++)
                        S[(size_t)i * n + j] -= alibi[h] * (float)(i > j ? i - j : j - i);
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
