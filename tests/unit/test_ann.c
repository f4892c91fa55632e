/* Unit tests of src/ann: recall against exact search, deletes, filters, brute-force mode,
 * persistence (round trip and damaged files), bad input, the per-project registry. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "ann/ann.h"
#include "ann/ann_int.h"
#include "util/buf.h"

/* Deterministic Gaussian numbers (xorshift + Box-Muller). */
static uint64_t rs = 88172645463325252ull;
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

static float *random_vectors(size_t n, int d)
{
    float *v = malloc(n * (size_t)d * sizeof *v);
    for (size_t i = 0; i < n * (size_t)d; i++)
        v[i] = grand();
    return v;
}

/* n vectors around nc random centres, like embeddings of related stack traces: each cluster
 * spreads along its own 8 random directions (sigma) plus a little isotropic noise. The same seed
 * state gives the same centres, so data and queries share clusters. */
static float *clustered_vectors(size_t n, int d, int nc, float sigma, uint64_t seed)
{
    uint64_t keep = rs;
    rs = seed;
    float *c = random_vectors((size_t)nc, d), *dirs = random_vectors((size_t)nc * 8, d);
    rs = keep;
    float *v = malloc(n * (size_t)d * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        int k = (int)(urand() * nc);
        float z[8];
        for (int t = 0; t < 8; t++)
            z[t] = grand();
        for (int j = 0; j < d; j++) {
            float x = c[(size_t)k * d + j] + 0.05f * grand();
            for (int t = 0; t < 8; t++)
                x += sigma * z[t] * dirs[((size_t)k * 8 + t) * d + j];
            v[i * (size_t)d + j] = x;
        }
    }
    free(c);
    free(dirs);
    return v;
}

static struct ann_index *build(const float *v, size_t n, int d, int brute_below)
{
    struct ann_params p;
    ann_params_default(&p);
    p.brute_force_below = brute_below;
    char err[ERRMSG_SIZE];
    struct ann_index *x = ann_new(d, &p, err);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ann_insert(x, (int64_t)i * 7 + 3, v + i * (size_t)d, err), 0);
    return x;
}

/* Mean recall@k of ann_search (default ef) against ann_search_exact. */
static double recall(struct ann_index *x, const float *q, size_t nq, int d, int k,
                     ann_filter_fn f, void *ctx)
{
    struct ann_hit a[64], e[64];
    double sum = 0;
    char err[ERRMSG_SIZE];
    for (size_t i = 0; i < nq; i++) {
        int na = 0, ne = 0;
        assert_int_equal(ann_search(x, q + i * (size_t)d, k, 0, f, ctx, a, &na, err), 0);
        assert_int_equal(ann_search_exact(x, q + i * (size_t)d, k, f, ctx, e, &ne, err), 0);
        assert_int_equal(na, ne);
        for (int j = 1; j < na; j++)
            assert_true(a[j - 1].distance <= a[j].distance);
        int common = 0;
        for (int j = 0; j < na; j++)
            for (int m = 0; m < ne; m++)
                if (a[j].id == e[m].id) {
                    common++;
                    break;
                }
        sum += ne ? (double)common / ne : 1.0;
    }
    return sum / (double)nq;
}

static void test_kernels_agree(void **state)
{
    (void)state;
    ann_dot_fn ref = ann_dot_named("scalar");
    const char *names[] = {"avx2", "avx512"};
    float *a = random_vectors(1100, 1), *b = random_vectors(1100, 1);
    for (int n = 0; n < 2; n++) {
        ann_dot_fn f = ann_dot_named(names[n]);
        if (!f)
            continue;   /* this CPU lacks it */
        for (size_t d = 1; d < 1100; d += (d < 70 ? 1 : 37)) {
            double exact = 0;
            for (size_t i = 0; i < d; i++)
                exact += (double)a[i] * b[i];
            assert_true(fabs(f(a, b, d) - exact) < 1e-3 * (1 + sqrt((double)d)));
            assert_true(fabs(ref(a, b, d) - exact) < 1e-3 * (1 + sqrt((double)d)));
        }
    }
    /* The batch kernel (four vectors at a time, then the rest) agrees with single dots. */
    ann_dot_many_fn many = ann_dot_many_select();
    const float *vp[9];
    float out[9];
    for (size_t d = 1; d < 100; d += 7)
        for (size_t n = 1; n <= 9; n++) {
            for (size_t k = 0; k < n; k++)
                vp[k] = b + k * 100;
            many(a, vp, n, d, out);
            for (size_t k = 0; k < n; k++)
                assert_true(fabs(out[k] - ref(a, vp[k], d)) < 1e-4 * (1 + sqrt((double)d)));
        }
    free(a);
    free(b);
}

static void test_recall_random(void **state)
{
    (void)state;
    const int d = 16;
    float *v = random_vectors(4000, d), *q = random_vectors(100, d);
    struct ann_index *x = build(v, 4000, d, 0);
    assert_int_equal(ann_count(x), 4000);
    double r = recall(x, q, 100, d, 10, NULL, NULL);
    printf("random 4000x16 recall@10 = %.4f\n", r);
    assert_true(r >= 0.99);
    ann_free(x);
    free(v);
    free(q);
}

static void test_recall_clustered(void **state)
{
    (void)state;
    const int d = 64;
    float *v = clustered_vectors(4000, d, 40, 1.0f, 99), *q = clustered_vectors(100, d, 40, 1.0f, 99);
    struct ann_index *x = build(v, 4000, d, 0);
    double r = recall(x, q, 100, d, 10, NULL, NULL);
    printf("clustered 4000x64 recall@10 = %.4f\n", r);
    assert_true(r >= 0.99);
    /* A stored vector finds itself at distance ~0. */
    struct ann_hit h[3];
    int n = 0;
    char err[ERRMSG_SIZE];
    assert_int_equal(ann_search(x, v + 123 * d, 3, 0, NULL, NULL, h, &n, err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(h[0].id, 123 * 7 + 3);
    assert_true(fabsf(h[0].distance) < 1e-5f);
    ann_free(x);
    free(v);
    free(q);
}

static void test_delete_then_search(void **state)
{
    (void)state;
    const int d = 16;
    const size_t n = 3000;
    float *v = random_vectors(n, d), *q = random_vectors(50, d);
    struct ann_index *x = build(v, n, d, 0);
    /* Delete every third vector: tombstones first, then compaction once a quarter is gone. */
    size_t deleted = 0;
    for (size_t i = 0; i < n; i += 3) {
        assert_int_equal(ann_delete(x, (int64_t)i * 7 + 3), 0);
        deleted++;
        if (deleted == 100) {   /* before compaction: tombstones must not be returned */
            assert_true(x->n_deleted > 0);
            assert_true(recall(x, q, 50, d, 10, NULL, NULL) >= 0.99);
        }
    }
    assert_int_equal(ann_delete(x, 3), ANN_ENOTFOUND);
    assert_int_equal(ann_delete(x, -12345), ANN_ENOTFOUND);
    assert_int_equal(ann_count(x), n - deleted);
    assert_true(x->n < n);   /* compaction reclaimed the space */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ann_contains(x, (int64_t)i * 7 + 3), i % 3 != 0);
    struct ann_hit h[10];
    int got;
    char err[ERRMSG_SIZE];
    for (size_t i = 0; i < n; i += 3) {   /* the deleted vector itself is never found */
        assert_int_equal(ann_search(x, v + i * d, 10, 0, NULL, NULL, h, &got, err), 0);
        for (int j = 0; j < got; j++)
            assert_true(((h[j].id - 3) / 7) % 3 != 0);
    }
    assert_true(recall(x, q, 50, d, 10, NULL, NULL) >= 0.99);
    /* Replacing a vector: the id now finds the new one. */
    assert_int_equal(ann_insert(x, 10, v + 0 * d, err), 0);
    assert_int_equal(ann_insert(x, 10, v + 5 * d, err), 0);
    assert_int_equal(ann_search(x, v + 5 * d, 2, 0, NULL, NULL, h, &got, err), 0);
    assert_int_equal(got, 2);   /* id 10 and id 38 (vector 5) hold the same vector */
    assert_int_equal(h[0].id, 10);
    assert_int_equal(h[1].id, 5 * 7 + 3);
    float back[16];
    assert_int_equal(ann_get_vector(x, 10, back), 0);
    assert_true(1.0f - ann_dot(back, v + 5 * d, d) / sqrtf(ann_dot(v + 5 * d, v + 5 * d, d)) < 1e-5f);
    /* Delete everything: empty results, and the index drops back to brute force. */
    for (size_t i = 0; i < n; i++)
        ann_delete(x, (int64_t)i * 7 + 3);
    ann_delete(x, 10);
    assert_int_equal(ann_count(x), 0);
    assert_int_equal(ann_search(x, q, 10, 0, NULL, NULL, h, &got, err), 0);
    assert_int_equal(got, 0);
    ann_free(x);
    free(v);
    free(q);
}

static int odd_only(int64_t id, void *ctx)
{
    (*(int *)ctx)++;
    return ((id - 3) / 7) % 2 == 1;
}

static void test_filter(void **state)
{
    (void)state;
    const int d = 16;
    float *v = random_vectors(3000, d), *q = random_vectors(50, d);
    struct ann_index *x = build(v, 3000, d, 0);
    int calls = 0;
    double r = recall(x, q, 50, d, 10, odd_only, &calls);
    assert_true(calls > 0);
    assert_true(r >= 0.98);
    struct ann_hit h[10];
    int got;
    char err[ERRMSG_SIZE];
    assert_int_equal(ann_search(x, q, 10, 0, odd_only, &calls, h, &got, err), 0);
    assert_int_equal(got, 10);
    for (int j = 0; j < got; j++)
        assert_int_equal(((h[j].id - 3) / 7) % 2, 1);
    ann_free(x);
    free(v);
    free(q);
}

static void test_brute_force_mode(void **state)
{
    (void)state;
    const int d = 32;
    float *v = random_vectors(300, d), *q = random_vectors(20, d);
    struct ann_index *x = build(v, 100, d, 200);   /* stays flat: exact */
    assert_int_equal(x->graph, 0);
    assert_true(recall(x, q, 20, d, 10, NULL, NULL) == 1.0);
    char err[ERRMSG_SIZE];
    assert_int_equal(ann_delete(x, 3), 0);   /* flat delete moves the last vector */
    assert_int_equal(ann_count(x), 99);
    assert_false(ann_contains(x, 3));
    assert_true(ann_contains(x, 99 * 7 + 3));
    for (size_t i = 100; i < 300; i++)
        assert_int_equal(ann_insert(x, (int64_t)i * 7 + 3, v + i * d, err), 0);
    assert_int_equal(x->graph, 1);   /* crossed the threshold: graph built */
    assert_int_equal(ann_count(x), 299);
    assert_true(recall(x, q, 20, d, 10, NULL, NULL) >= 0.99);
    ann_free(x);
    free(v);
    free(q);
}

static void test_bad_input(void **state)
{
    (void)state;
    char err[ERRMSG_SIZE] = "";
    struct ann_params p;
    ann_params_default(&p);
    assert_null(ann_new(0, &p, err));
    assert_true(strlen(err) > 0);
    p.M = 1;
    assert_null(ann_new(8, &p, err));
    ann_params_default(&p);
    p.ef_construction = 0;
    assert_null(ann_new(8, &p, err));
    struct ann_index *x = ann_new(4, NULL, err);
    assert_non_null(x);
    float zero[4] = {0}, nan4[4] = {1, NAN, 0, 0}, inf4[4] = {INFINITY, 0, 0, 0}, ok[4] = {1, 2, 3, 4};
    assert_int_equal(ann_insert(x, 1, zero, err), ANN_EINVAL);
    assert_int_equal(ann_insert(x, 1, nan4, err), ANN_EINVAL);
    assert_int_equal(ann_insert(x, 1, inf4, err), ANN_EINVAL);
    assert_int_equal(ann_insert(x, 1, ok, err), 0);
    struct ann_hit h[2];
    int got = -1;
    assert_int_equal(ann_search(x, ok, 0, 0, NULL, NULL, h, &got, err), ANN_EINVAL);
    assert_int_equal(ann_search(x, zero, 1, 0, NULL, NULL, h, &got, err), ANN_EINVAL);
    assert_int_equal(ann_search(x, ok, 2, 0, NULL, NULL, h, &got, err), 0);
    assert_int_equal(got, 1);
    assert_int_equal(h[0].id, 1);
    ann_free(x);
    ann_free(NULL);
}

/* ---- persistence ------------------------------------------------------------------------- */

static char path[64];

static void same_results(struct ann_index *a, struct ann_index *b, const float *q, size_t nq, int d)
{
    char err[ERRMSG_SIZE];
    for (size_t i = 0; i < nq; i++) {
        struct ann_hit ha[10], hb[10];
        int na, nb;
        assert_int_equal(ann_search(a, q + i * d, 10, 0, NULL, NULL, ha, &na, err), 0);
        assert_int_equal(ann_search(b, q + i * d, 10, 0, NULL, NULL, hb, &nb, err), 0);
        assert_int_equal(na, nb);
        for (int j = 0; j < na; j++) {
            assert_int_equal(ha[j].id, hb[j].id);
            assert_true(ha[j].distance == hb[j].distance);
        }
    }
}

static unsigned char *slurp(const char *p, size_t *n)
{
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    unsigned char *b = malloc(*n);
    assert_int_equal(fread(b, 1, *n, f), *n);
    fclose(f);
    return b;
}

static void spit(const char *p, const unsigned char *b, size_t n)
{
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
}

/* Rewrites the CRC trailer so that only structural validation can catch the damage. */
static void fix_crc(unsigned char *b, size_t n)
{
    uint32_t c = (uint32_t)crc32(crc32(0L, Z_NULL, 0), b, (uInt)(n - 4));
    memcpy(b + n - 4, &c, 4);
}

static void expect_load_error(const char *p, int want)
{
    char err[ERRMSG_SIZE] = "";
    int st = 0;
    struct ann_index *x = ann_load(p, &st, err);
    assert_null(x);
    assert_int_equal(st, want);
    assert_true(strlen(err) > 0);
}

static void test_persistence(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/test_ann_%ld.idx", (long)getpid());
    const int d = 24;
    float *v = random_vectors(1500, d), *q = random_vectors(30, d);
    struct ann_index *x = build(v, 1500, d, 0);
    for (int i = 0; i < 40; i++)
        ann_delete(x, (int64_t)i * 7 + 3);   /* tombstones travel too */
    char err[ERRMSG_SIZE];
    assert_int_equal(ann_save(x, path, err), 0);
    int st = -1;
    struct ann_index *y = ann_load(path, &st, err);
    assert_non_null(y);
    assert_int_equal(st, 0);
    assert_int_equal(ann_count(y), ann_count(x));
    assert_int_equal(ann_dim(y), d);
    same_results(x, y, q, 30, d);
    /* The loaded index keeps working. */
    assert_int_equal(ann_insert(y, 999999, v, err), 0);
    assert_true(ann_contains(y, 999999));
    ann_free(y);

    size_t n;
    unsigned char *good = slurp(path, &n);
    unsigned char *b = malloc(n);
    /* A flipped byte anywhere: checksum. */
    size_t spots[] = {100, n / 3, n / 2, n - 10, n - 1};
    for (size_t i = 0; i < sizeof spots / sizeof *spots; i++) {
        memcpy(b, good, n);
        b[spots[i]] ^= 0x40;
        spit(path, b, n);
        expect_load_error(path, ANN_ECORRUPT);
    }
    /* Truncations, empty file, trailing junk. */
    size_t cuts[] = {0, 10, 96, 200, n / 2, n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        spit(path, good, cuts[i]);
        expect_load_error(path, ANN_ECORRUPT);
    }
    unsigned char *longer = malloc(n + 8);
    memcpy(longer, good, n);
    memset(longer + n, 0, 8);
    spit(path, longer, n + 8);
    expect_load_error(path, ANN_ECORRUPT);
    free(longer);
    /* Bad magic; another version. */
    memcpy(b, good, n);
    b[0] = 'X';
    spit(path, b, n);
    expect_load_error(path, ANN_ECORRUPT);
    memcpy(b, good, n);
    b[8] = 2;
    fix_crc(b, n);
    spit(path, b, n);
    expect_load_error(path, ANN_EVERSION);
    /* Valid checksum but hostile content: an out-of-range link, a huge node count, a bad level. */
    memcpy(b, good, n);
    uint32_t blk = (uint32_t)x->blk_size, bad = 0x7fffffff;
    memcpy(b + 96 + x->off_links + 4, &bad, 4);   /* slot 0, first neighbour */
    uint32_t cnt;
    memcpy(&cnt, b + 96 + x->off_links, 4);
    assert_true(cnt > 0);
    fix_crc(b, n);
    spit(path, b, n);
    expect_load_error(path, ANN_ECORRUPT);
    memcpy(b, good, n);
    uint64_t huge = 1ull << 40;
    memcpy(b + 40, &huge, 8);
    fix_crc(b, n);
    spit(path, b, n);
    expect_load_error(path, ANN_ECORRUPT);
    memcpy(b, good, n);
    b[96 + blk * 5 + x->off_meta] = 200;   /* level 200 */
    fix_crc(b, n);
    spit(path, b, n);
    expect_load_error(path, ANN_ECORRUPT);
    memcpy(b, good, n);
    memcpy(b + 96 + blk * 7 + x->off_id, b + 96 + blk * 8 + x->off_id, 8);   /* duplicate id */
    b[96 + blk * 7 + x->off_meta + 1] = 0;   /* make sure neither is a tombstone */
    b[96 + blk * 8 + x->off_meta + 1] = 0;
    fix_crc(b, n);
    spit(path, b, n);
    expect_load_error(path, ANN_ECORRUPT);
    free(b);

    /* Missing file: I/O error. Then the rebuild path gives back an equivalent index. */
    unlink(path);
    expect_load_error(path, ANN_EIO);
    int64_t *ids = malloc(1500 * sizeof *ids);
    for (int i = 0; i < 1500; i++)
        ids[i] = (int64_t)i * 7 + 3;
    struct ann_index *z = ann_build(d, NULL, 1500, ids, v, err);
    assert_non_null(z);
    assert_int_equal(ann_count(z), 1500);
    assert_true(recall(z, q, 30, d, 10, NULL, NULL) >= 0.99);
    ann_free(z);
    free(ids);
    free(good);
    ann_free(x);
    free(v);
    free(q);
}

static void test_save_load_flat_and_empty(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/test_ann_%ld.idx", (long)getpid());
    char err[ERRMSG_SIZE];
    struct ann_index *e = ann_new(5, NULL, err);
    assert_int_equal(ann_save(e, path, err), 0);
    struct ann_index *e2 = ann_load(path, NULL, err);
    assert_non_null(e2);
    assert_int_equal(ann_count(e2), 0);
    ann_free(e2);
    float *v = random_vectors(50, 5), *q = random_vectors(5, 5);
    for (int i = 0; i < 50; i++)
        ann_insert(e, i, v + i * 5, err);
    assert_int_equal(ann_save(e, path, err), 0);
    e2 = ann_load(path, NULL, err);
    assert_non_null(e2);
    same_results(e, e2, q, 5, 5);
    ann_free(e2);
    ann_free(e);
    assert_int_equal(ann_save(e2 = ann_new(5, NULL, err), "/nonexistent-dir/x.idx", err), ANN_EIO);
    ann_free(e2);
    unlink(path);
    free(v);
    free(q);
}

/* ---- registry ---------------------------------------------------------------------------- */

static int count_cb(int64_t project, struct ann_index *idx, void *ctx)
{
    (void)project;
    *(size_t *)ctx += ann_count(idx);
    return 0;
}

static void test_registry(void **state)
{
    (void)state;
    char err[ERRMSG_SIZE];
    const int d = 32;
    struct ann_registry *r = ann_registry_new(d, NULL, err);
    assert_non_null(r);
    assert_null(ann_registry_get(r, 1, 0, err));
    float *v = random_vectors(3000, d);
    /* 1000 projects with 3 vectors each. */
    for (int p = 0; p < 1000; p++) {
        struct ann_index *x = ann_registry_get(r, p * 1000003LL, 1, err);
        assert_non_null(x);
        for (int i = 0; i < 3; i++)
            assert_int_equal(ann_insert(x, i, v + (size_t)(p * 3 + i) * d, err), 0);
    }
    assert_int_equal(ann_registry_count(r), 1000);
    size_t mem = ann_registry_memory(r);
    printf("registry: 1000 projects x 3 vectors of %d floats: %zu bytes\n", d, mem);
    assert_true(mem < 1000 * (4 * 288 + 1024));   /* 4 slots of 288 bytes per project plus ~1 KiB */
    struct ann_index *x = ann_registry_get(r, 5 * 1000003LL, 0, err);
    assert_non_null(x);
    struct ann_hit h[1];
    int got;
    assert_int_equal(ann_search(x, v + (5 * 3 + 2) * d, 1, 0, NULL, NULL, h, &got, err), 0);
    assert_int_equal(h[0].id, 2);
    size_t total = 0;
    assert_int_equal(ann_registry_foreach(r, count_cb, &total), 0);
    assert_int_equal(total, 3000);
    /* Drop half, the rest stay reachable. */
    for (int p = 0; p < 1000; p += 2)
        assert_int_equal(ann_registry_drop(r, p * 1000003LL), 0);
    assert_int_equal(ann_registry_drop(r, 0), ANN_ENOTFOUND);
    assert_int_equal(ann_registry_count(r), 500);
    for (int p = 0; p < 1000; p++)
        assert_true((ann_registry_get(r, p * 1000003LL, 0, err) != NULL) == (p % 2 == 1));
    /* put: installs a built index, refuses another dimension. */
    struct ann_index *other = ann_new(d + 1, NULL, err);
    assert_int_equal(ann_registry_put(r, 7, other, err), ANN_EINVAL);
    ann_free(other);
    struct ann_index *mine = ann_new(d, NULL, err);
    assert_int_equal(ann_registry_put(r, 1 * 1000003LL, mine, err), 0);   /* replaces */
    assert_ptr_equal(ann_registry_get(r, 1 * 1000003LL, 0, err), mine);
    assert_int_equal(ann_count(mine), 0);
    ann_registry_free(r);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernels_agree),
        cmocka_unit_test(test_recall_random),
        cmocka_unit_test(test_recall_clustered),
        cmocka_unit_test(test_delete_then_search),
        cmocka_unit_test(test_filter),
        cmocka_unit_test(test_brute_force_mode),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_persistence),
        cmocka_unit_test(test_save_load_flat_and_empty),
        cmocka_unit_test(test_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
