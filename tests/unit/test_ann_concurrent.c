/* Concurrency of src/ann: searcher threads run while one writer inserts, replaces and deletes
 * (which also triggers compaction and the brute-force -> graph switch). Built normally by
 * `make test-unit` and under ThreadSanitizer by `make ann-tsan` (mk/ann.mk). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ann/ann.h"
#include "util/buf.h"

#define DIM      24
#define READERS  3

static size_t n_vec = 2500;
static float *vecs;
static struct ann_index *idx;
static atomic_int done;
static atomic_long searches, bad;

static float frand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (float)((double)(*s >> 11) / 9007199254740992.0) - 0.5f;
}

static int accept_even(int64_t id, void *ctx)
{
    (void)ctx;
    return id % 2 == 0;
}

static void *reader(void *arg)
{
    uint64_t s = 1234567 + (uint64_t)(uintptr_t)arg;
    struct ann_hit h[10];
    float q[DIM];
    char err[ERRMSG_SIZE];
    while (!atomic_load(&done)) {
        for (int j = 0; j < DIM; j++)
            q[j] = frand(&s);
        int got = 0, use_filter = (int)(s & 1);
        int rc = ann_search(idx, q, 10, 0, use_filter ? accept_even : NULL, NULL, h, &got, err);
        if (rc != 0 || got < 0 || got > 10)
            atomic_fetch_add(&bad, 1);
        for (int j = 0; j < got; j++) {
            if (h[j].id < 0 || h[j].id >= (int64_t)n_vec || !(h[j].distance >= -1e-4f) ||
                h[j].distance > 2.0001f || (j && h[j].distance < h[j - 1].distance) ||
                (use_filter && h[j].id % 2))
                atomic_fetch_add(&bad, 1);
        }
        (void)ann_count(idx);
        (void)ann_contains(idx, (int64_t)(s % n_vec));
        atomic_fetch_add(&searches, 1);
    }
    return NULL;
}

static void test_search_during_insert(void **state)
{
    (void)state;
    const char *scale = getenv("ANN_TEST_SCALE");
    if (scale && atoi(scale) > 0)
        n_vec = 1500 * (size_t)atoi(scale);
    uint64_t s = 42;
    vecs = malloc(n_vec * DIM * sizeof *vecs);
    for (size_t i = 0; i < n_vec * DIM; i++)
        vecs[i] = frand(&s);
    struct ann_params p;
    ann_params_default(&p);
    p.brute_force_below = 300;   /* cross the flat -> graph switch while readers run */
    char err[ERRMSG_SIZE];
    idx = ann_new(DIM, &p, err);
    assert_non_null(idx);

    pthread_t th[READERS];
    for (int t = 0; t < READERS; t++)
        assert_int_equal(pthread_create(&th[t], NULL, reader, (void *)(uintptr_t)t), 0);
    for (size_t i = 0; i < n_vec; i++) {
        assert_int_equal(ann_insert(idx, (int64_t)i, vecs + i * DIM, err), 0);
        if (i % 5 == 4)   /* replace an earlier one with its own vector */
            assert_int_equal(ann_insert(idx, (int64_t)(i / 2), vecs + (i / 2) * DIM, err), 0);
        if (i % 3 == 2)   /* delete: tombstones, and compaction when a quarter is deleted */
            assert_int_equal(ann_delete(idx, (int64_t)i - 1), 0);
        if (i == n_vec / 2) {
            /* Save while searches run, load it back, then compact. */
            char path[64];
            snprintf(path, sizeof path, "/tmp/test_ann_conc_%ld.idx", (long)getpid());
            assert_int_equal(ann_save(idx, path, err), 0);
            struct ann_index *copy = ann_load(path, NULL, err);
            assert_non_null(copy);
            assert_int_equal(ann_count(copy), ann_count(idx));
            ann_free(copy);
            unlink(path);
            assert_int_equal(ann_compact(idx, err), 0);
        }
    }
    atomic_store(&done, 1);
    for (int t = 0; t < READERS; t++)
        pthread_join(th[t], NULL);
    printf("%ld searches ran during %zu inserts\n", atomic_load(&searches), n_vec);
    assert_int_equal(atomic_load(&bad), 0);
    assert_true(atomic_load(&searches) > 0);

    /* The index is intact afterwards: every live vector finds itself. */
    size_t live = 0, found = 0;
    for (size_t i = 0; i < n_vec; i++) {
        if (!ann_contains(idx, (int64_t)i))
            continue;
        live++;
        struct ann_hit h[1];
        int got = 0;
        assert_int_equal(ann_search(idx, vecs + i * DIM, 1, 0, NULL, NULL, h, &got, err), 0);
        found += got == 1 && h[0].id == (int64_t)i;
    }
    assert_int_equal(live, ann_count(idx));
    assert_true(found >= live * 99 / 100);
    ann_free(idx);
    free(vecs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_search_during_insert)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
