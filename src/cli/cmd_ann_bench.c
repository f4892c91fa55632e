/* faultline ann-bench: builds the nearest-neighbour index over raw float32 vectors and measures it
 * against exact search. Prints one JSON object. */
#include "ann/ann.h"
#include "cli/cli.h"
#include "util/buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: faultline ann-bench --data FILE --queries FILE --dim D [options]\n"
            "\n"
            "FILE: raw little-endian float32 vectors, n x D, row-major (vectors are normalised;\n"
            "distance is cosine). Prints build time, queries/s, recall@1 and recall@k against exact\n"
            "search, and memory, as JSON.\n"
            "\n"
            "  --k K                   neighbours per query (default 10)\n"
            "  --M M                   links per node (default 16)\n"
            "  --ef-construction E     build candidate list (default 200)\n"
            "  --ef-search S[,S2...]   search candidate list(s) (default 100)\n"
            "  --limit N               index only the first N data vectors\n"
            "  --max-queries Q         use only the first Q queries\n"
            "  --brute-force-below B   exhaustive search below B vectors (default 0: always graph)\n");
}

/* Reads a raw float32 file of rows of dim floats. */
static float *read_vectors(const char *path, int dim, size_t *n_out, char *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        errmsg_set(err, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    float *v = NULL;
    if (fseek(f, 0, SEEK_END) != 0) {
        errmsg_set(err, "cannot seek %s", path);
        goto out;
    }
    long size = ftell(f);
    size_t row = (size_t)dim * sizeof(float);
    if (size <= 0 || (size_t)size % row != 0) {
        errmsg_set(err, "%s: size %ld is not a positive multiple of %zu (dim %d x 4 bytes)", path,
                   size, row, dim);
        goto out;
    }
    rewind(f);
    v = malloc((size_t)size);
    if (!v) {
        errmsg_set(err, "out of memory reading %s", path);
        goto out;
    }
    if (fread(v, 1, (size_t)size, f) != (size_t)size) {
        errmsg_set(err, "cannot read %s", path);
        free(v);
        v = NULL;
        goto out;
    }
    *n_out = (size_t)size / row;
out:
    fclose(f);
    return v;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
        rss = 0;
    fclose(f);
    return rss * sysconf(_SC_PAGESIZE);
}

static int parse_int(const char *s, const char *name, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "faultline ann-bench: %s must be an integer in %ld..%ld\n", name, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int cmd_ann_bench(int argc, char **argv)
{
    const char *data = NULL, *queries = NULL, *dim_s = NULL, *k_s = "10", *m_s = "16";
    const char *efc_s = "200", *efs_s = "100", *limit_s = NULL, *maxq_s = NULL, *bf_s = "0";
    for (int i = 1; i < argc; i++) {
        int r;
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return 0;
        }
        if ((r = cli_take_value(argc, argv, &i, "--data", &data)) ||
            (r = cli_take_value(argc, argv, &i, "--queries", &queries)) ||
            (r = cli_take_value(argc, argv, &i, "--dim", &dim_s)) ||
            (r = cli_take_value(argc, argv, &i, "--k", &k_s)) ||
            (r = cli_take_value(argc, argv, &i, "--M", &m_s)) ||
            (r = cli_take_value(argc, argv, &i, "--ef-construction", &efc_s)) ||
            (r = cli_take_value(argc, argv, &i, "--ef-search", &efs_s)) ||
            (r = cli_take_value(argc, argv, &i, "--limit", &limit_s)) ||
            (r = cli_take_value(argc, argv, &i, "--max-queries", &maxq_s)) ||
            (r = cli_take_value(argc, argv, &i, "--brute-force-below", &bf_s))) {
            if (r < 0)
                return 2;
            continue;
        }
        fprintf(stderr, "faultline ann-bench: unknown argument '%s'\n", argv[i]);
        usage(stderr);
        return 2;
    }
    if (!data || !queries || !dim_s) {
        usage(stderr);
        return 2;
    }
    long dim, k, M, efc, bf, limit = -1, maxq = -1;
    if (parse_int(dim_s, "--dim", 1, 65536, &dim) || parse_int(k_s, "--k", 1, 10000, &k) ||
        parse_int(m_s, "--M", 2, 128, &M) || parse_int(efc_s, "--ef-construction", 1, 100000, &efc) ||
        parse_int(bf_s, "--brute-force-below", 0, 1L << 30, &bf) ||
        (limit_s && parse_int(limit_s, "--limit", 1, 1L << 40, &limit)) ||
        (maxq_s && parse_int(maxq_s, "--max-queries", 1, 1L << 40, &maxq)))
        return 2;
    /* ef list */
    long efs[64];
    int nef = 0;
    {
        char *copy = strdup(efs_s), *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            if (nef == 64 || parse_int(t, "--ef-search", 1, 100000, &efs[nef]) != 0) {
                free(copy);
                return 2;
            }
            nef++;
        }
        free(copy);
        if (nef == 0) {
            fprintf(stderr, "faultline ann-bench: --ef-search needs a value\n");
            return 2;
        }
    }

    char err[ERRMSG_SIZE] = "";
    size_t n = 0, nq = 0;
    float *X = read_vectors(data, (int)dim, &n, err);
    float *Q = X ? read_vectors(queries, (int)dim, &nq, err) : NULL;
    if (!X || !Q) {
        fprintf(stderr, "faultline ann-bench: %s\n", err);
        free(X);
        return 1;
    }
    if (limit > 0 && (size_t)limit < n)
        n = (size_t)limit;
    if (maxq > 0 && (size_t)maxq < nq)
        nq = (size_t)maxq;

    struct ann_params p;
    ann_params_default(&p);
    p.M = (int)M;
    p.ef_construction = (int)efc;
    p.brute_force_below = (int)bf;
    int rc = 1;
    struct ann_hit *hits = malloc((size_t)k * sizeof *hits);
    struct ann_hit *truth = malloc(nq * (size_t)k * sizeof *truth);
    int *ntruth = malloc(nq * sizeof *ntruth);
    struct ann_index *idx = NULL;
    if (!hits || !truth || !ntruth) {
        fprintf(stderr, "faultline ann-bench: out of memory\n");
        goto out;
    }

    long rss0 = rss_bytes();
    double t0 = now();
    idx = ann_new((int)dim, &p, err);
    if (!idx || ann_reserve(idx, n, err) != 0) {
        fprintf(stderr, "faultline ann-bench: %s\n", err);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (ann_insert(idx, (int64_t)i, X + i * (size_t)dim, err) != 0) {
            fprintf(stderr, "faultline ann-bench: vector %zu: %s\n", i, err);
            goto out;
        }
    double build_s = now() - t0;
    long rss1 = rss_bytes();

    /* Exact answers, also timed: the brute-force baseline. */
    t0 = now();
    for (size_t q = 0; q < nq; q++)
        if (ann_search_exact(idx, Q + q * (size_t)dim, (int)k, NULL, NULL, truth + q * (size_t)k,
                             &ntruth[q], err) != 0) {
            fprintf(stderr, "faultline ann-bench: query %zu: %s\n", q, err);
            goto out;
        }
    double exact_s = now() - t0;

    printf("{\"n\": %zu, \"dim\": %ld, \"queries\": %zu, \"k\": %ld, \"M\": %ld, "
           "\"ef_construction\": %ld, \"simd\": \"%s\", \"build_seconds\": %.3f, "
           "\"memory_bytes\": %zu, \"rss_delta_bytes\": %ld, \"exact_qps\": %.1f, \"runs\": [",
           n, dim, nq, k, M, efc, ann_simd_name(), build_s, ann_memory(idx), rss1 - rss0,
           nq / (exact_s > 0 ? exact_s : 1e-9));
    for (int e = 0; e < nef; e++) {
        double hit1 = 0, hitk = 0, tsearch = 0;
        for (size_t q = 0; q < nq; q++) {
            int got = 0;
            double ts = now();
            if (ann_search(idx, Q + q * (size_t)dim, (int)k, (int)efs[e], NULL, NULL, hits, &got,
                           err) != 0) {
                fprintf(stderr, "faultline ann-bench: query %zu: %s\n", q, err);
                goto out;
            }
            tsearch += now() - ts;
            const struct ann_hit *t = truth + q * (size_t)k;
            if (got > 0 && ntruth[q] > 0 && hits[0].id == t[0].id)
                hit1 += 1;
            int common = 0;
            for (int a = 0; a < got; a++)
                for (int b = 0; b < ntruth[q]; b++)
                    if (hits[a].id == t[b].id) {
                        common++;
                        break;
                    }
            hitk += ntruth[q] ? (double)common / ntruth[q] : 1.0;
        }
        printf("%s{\"ef_search\": %ld, \"qps\": %.1f, \"recall_at_1\": %.4f, \"recall_at_k\": %.4f}",
               e ? ", " : "", efs[e], nq / (tsearch > 0 ? tsearch : 1e-9), hit1 / nq, hitk / nq);
    }
    printf("]}\n");
    rc = 0;
out:
    ann_free(idx);
    free(hits);
    free(truth);
    free(ntruth);
    free(X);
    free(Q);
    return rc;
}
