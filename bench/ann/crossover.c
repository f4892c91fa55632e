/* bench/ann/crossover: at which index size does the HNSW graph search (ef_search = 100) become
 * faster than an exhaustive scan? Prints JSON: for each dimension and size, the CPU time per query
 * of both (thread CPU time, minimum of 3 rounds, so that other jobs on a shared machine disturb
 * the figures less than wall time would), and the graph's recall@10.
 *
 * usage: crossover [DIM...]   (default 64 256 512 768)
 * Data: clustered Gaussian vectors (100 centres, noise of half their scale), 200 queries. */
#include "ann/ann.h"
#include "util/buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t rs = 0x243f6a8885a308d3ull;
static double urand(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return ((double)(rs >> 11) + 0.5) / 9007199254740992.0;
}
static float grand(void)
{
    return (float)(sqrt(-2.0 * log(urand())) * cos(6.283185307179586 * urand()));
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int dims[16] = {64, 256, 512, 768}, nd = 4;
    if (argc > 1) {
        nd = 0;
        for (int i = 1; i < argc && nd < 16; i++)
            dims[nd++] = atoi(argv[i]);
    }
    const size_t sizes[] = {250, 500, 1000, 2000, 3000, 4000, 6000, 8000, 12000, 16000};
    const size_t ns = sizeof sizes / sizeof *sizes, nmax = sizes[ns - 1], nq = 200;
    char err[ERRMSG_SIZE];
    printf("{\"simd\": \"%s\", \"ef_search\": 100, \"k\": 10, \"queries\": %zu, \"series\": [", ann_simd_name(), nq);
    for (int di = 0; di < nd; di++) {
        int d = dims[di];
        const int nc = 100;
        float *cent = malloc((size_t)nc * d * sizeof *cent);
        float *x = malloc((nmax + nq) * (size_t)d * sizeof *x);
        for (size_t i = 0; i < (size_t)nc * d; i++)
            cent[i] = grand();
        for (size_t i = 0; i < nmax + nq; i++) {
            int c = (int)(urand() * nc);
            for (int j = 0; j < d; j++)
                x[i * d + j] = cent[(size_t)c * d + j] + 0.5f * grand();
        }
        const float *q = x + nmax * (size_t)d;
        struct ann_params p;
        ann_params_default(&p);
        p.brute_force_below = 0;
        struct ann_index *idx = ann_new(d, &p, err);
        size_t have = 0;
        printf("%s{\"dim\": %d, \"points\": [", di ? ", " : "", d);
        size_t crossover = 0;
        for (size_t si = 0; si < ns; si++) {
            for (; have < sizes[si]; have++)
                ann_insert(idx, (int64_t)have, x + have * (size_t)d, err);
            struct ann_hit h[10], e[10];
            int nh, ne;
            double best_exact = 1e9, best_graph = 1e9, rec = 0;
            for (int round = 0; round < 3; round++) {
                double t0 = cpu_now();
                for (size_t i = 0; i < nq; i++)
                    ann_search_exact(idx, q + i * d, 10, NULL, NULL, e, &ne, err);
                double t1 = cpu_now();
                for (size_t i = 0; i < nq; i++)
                    ann_search(idx, q + i * d, 10, 100, NULL, NULL, h, &nh, err);
                double t2 = cpu_now();
                if (t1 - t0 < best_exact)
                    best_exact = t1 - t0;
                if (t2 - t1 < best_graph)
                    best_graph = t2 - t1;
            }
            for (size_t i = 0; i < nq; i++) {
                ann_search_exact(idx, q + i * d, 10, NULL, NULL, e, &ne, err);
                ann_search(idx, q + i * d, 10, 100, NULL, NULL, h, &nh, err);
                int common = 0;
                for (int a = 0; a < nh; a++)
                    for (int b = 0; b < ne; b++)
                        common += h[a].id == e[b].id;
                rec += (double)common / (ne ? ne : 1);
            }
            if (!crossover && best_graph < best_exact)
                crossover = sizes[si];
            printf("%s{\"n\": %zu, \"exact_us\": %.2f, \"graph_us\": %.2f, \"graph_recall_at_10\": %.4f}",
                   si ? ", " : "", sizes[si], best_exact / nq * 1e6, best_graph / nq * 1e6, rec / nq);
            fflush(stdout);
        }
        printf("], \"graph_faster_from_n\": %zu}", crossover);
        ann_free(idx);
        free(cent);
        free(x);
    }
    printf("]}\n");
    return 0;
}
