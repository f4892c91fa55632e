/* Metrics of src/eval on hand-computed examples, and against an O(n^2) brute force. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"

#define EPS 1e-9

struct ev {
    const char *label;
    const char *platform;
    int64_t     issue;
    int         reason;
    int64_t     cands[4];
    size_t      n_cands;
};

static struct eval_set *build(const struct ev *evs, size_t n)
{
    struct eval_set *s = eval_set_new();
    char err[ERRMSG_SIZE];
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(eval_set_add(s, evs[i].label, evs[i].platform, evs[i].issue,
                                      (enum eval_reason)evs[i].reason, evs[i].cands,
                                      evs[i].n_cands, err), 0);
    return s;
}

static struct eval_scores scores(const struct eval_set *s, const char *platform)
{
    struct eval_scores sc;
    char err[ERRMSG_SIZE];
    assert_int_equal(eval_set_scores(s, platform, &sc, err), 0);
    return sc;
}

/* Truth {a,a,b}; every event alone. No predicted pair: precision 1 by convention, recall 0. */
static void test_all_singletons(void **state)
{
    (void)state;
    const struct ev evs[] = {{"a", "python", 1, 0, {0}, 0}, {"a", "python", 2, 0, {0}, 0},
                             {"b", "python", 3, 0, {0}, 0}};
    struct eval_set *s = build(evs, 3);
    struct eval_scores sc = scores(s, NULL);
    assert_int_equal(sc.events, 3);
    assert_int_equal(sc.groups, 2);
    assert_int_equal(sc.issues, 3);
    assert_int_equal(sc.pairs_true, 1);
    assert_int_equal(sc.pairs_predicted, 0);
    assert_int_equal(sc.pairs_correct, 0);
    assert_float_equal(sc.pair_precision, 1.0, EPS);
    assert_float_equal(sc.pair_recall, 0.0, EPS);
    assert_float_equal(sc.pair_f1, 0.0, EPS);
    /* BCubed: precision 1 for each; recall 1/2, 1/2, 1 -> 2/3; F1 = 2*(2/3)/(5/3) = 0.8 */
    assert_float_equal(sc.bcubed_precision, 1.0, EPS);
    assert_float_equal(sc.bcubed_recall, 2.0 / 3, EPS);
    assert_float_equal(sc.bcubed_f1, 0.8, EPS);
    assert_int_equal(sc.by_new, 3);
    /* the second "a" came after its group existed, with no candidates: rank 0 */
    assert_int_equal(sc.retrieval_events, 1);
    assert_int_equal(sc.rank1, 0);
    assert_float_equal(sc.mrr, 0.0, EPS);
    eval_set_free(s);
}

/* Truth {a,a,b,b,b}; all in issue 7. */
static void test_all_one_cluster(void **state)
{
    (void)state;
    const struct ev evs[] = {{"a", "java", 7, 0, {0}, 0}, {"b", "java", 7, 1, {7}, 1},
                             {"a", "java", 7, 1, {7}, 1}, {"b", "java", 7, 1, {7}, 1},
                             {"b", "java", 7, 1, {7}, 1}};
    struct eval_set *s = build(evs, 5);
    struct eval_scores sc = scores(s, NULL);
    assert_int_equal(sc.groups, 2);
    assert_int_equal(sc.issues, 1);
    assert_int_equal(sc.pairs_true, 4);        /* 1 + 3 */
    assert_int_equal(sc.pairs_predicted, 10);  /* C(5,2) */
    assert_int_equal(sc.pairs_correct, 4);
    assert_float_equal(sc.pair_precision, 0.4, EPS);
    assert_float_equal(sc.pair_recall, 1.0, EPS);
    assert_float_equal(sc.pair_f1, 2 * 0.4 / 1.4, EPS);
    /* BCubed precision (2*2/5 + 3*3/5)/5 = 0.52; recall 1 */
    assert_float_equal(sc.bcubed_precision, 0.52, EPS);
    assert_float_equal(sc.bcubed_recall, 1.0, EPS);
    assert_float_equal(sc.bcubed_f1, 2 * 0.52 / 1.52, EPS);
    assert_int_equal(sc.by_hash, 4);
    assert_int_equal(sc.by_new, 1);
    /* events 3, 4, 5 had their group already; issue 7 holds it each time */
    assert_int_equal(sc.retrieval_events, 3);
    assert_float_equal(sc.rr1, 1.0, EPS);
    assert_float_equal(sc.mrr, 1.0, EPS);
    eval_set_free(s);
}

/* Same partition as the truth, with different ids: perfect scores. */
static void test_perfect(void **state)
{
    (void)state;
    const struct ev evs[] = {{"x", "go", 10, 0, {0}, 0}, {"y", "go", 20, 0, {0}, 0},
                             {"x", "go", 10, 1, {10}, 1}, {"y", "go", 20, 1, {20}, 1}};
    struct eval_set *s = build(evs, 4);
    struct eval_scores sc = scores(s, NULL);
    assert_float_equal(sc.pair_f1, 1.0, EPS);
    assert_float_equal(sc.bcubed_f1, 1.0, EPS);
    assert_int_equal(sc.issues, sc.groups);
    eval_set_free(s);
}

/* Python: perfect; node: two bugs merged in one issue. Overall counts cross platforms only where
 * the events are in one issue or one label (here none do). */
static void test_per_platform(void **state)
{
    (void)state;
    const struct ev evs[] = {
        {"p1", "python", 1, 0, {0}, 0}, {"n1", "node", 2, 0, {0}, 0},
        {"p1", "python", 1, 1, {1}, 1}, {"n2", "node", 2, 1, {2}, 1},
        {"p2", "python", 3, 0, {0}, 0}, {"n1", "node", 2, 1, {2}, 1},
    };
    struct eval_set *s = build(evs, 6);
    assert_int_equal(eval_set_platform_count(s), 2);
    assert_string_equal(eval_set_platform_name(s, 0), "python");
    assert_string_equal(eval_set_platform_name(s, 1), "node");
    assert_null(eval_set_platform_name(s, 2));

    struct eval_scores py = scores(s, "python");
    assert_int_equal(py.events, 3);
    assert_int_equal(py.groups, 2);
    assert_int_equal(py.issues, 2);
    assert_float_equal(py.pair_f1, 1.0, EPS);
    assert_float_equal(py.bcubed_f1, 1.0, EPS);

    struct eval_scores nd = scores(s, "node");
    assert_int_equal(nd.events, 3);
    assert_int_equal(nd.groups, 2);
    assert_int_equal(nd.issues, 1);
    assert_int_equal(nd.pairs_true, 1);
    assert_int_equal(nd.pairs_predicted, 3);
    assert_float_equal(nd.pair_precision, 1.0 / 3, EPS);
    assert_float_equal(nd.pair_recall, 1.0, EPS);
    /* BCubed precision: (2*2/3 + 1*1/3)/3 = 5/9 */
    assert_float_equal(nd.bcubed_precision, 5.0 / 9, EPS);

    struct eval_scores all = scores(s, NULL);
    assert_int_equal(all.events, 6);
    assert_int_equal(all.pairs_true, 2);
    assert_int_equal(all.pairs_predicted, 4);
    assert_int_equal(all.pairs_correct, 2);
    assert_float_equal(all.pair_precision, 0.5, EPS);
    /* BCubed precision: (3 + 5/3 + 1... ) -> python events 1,1,1; node 2/3,2/3,1/3 */
    assert_float_equal(all.bcubed_precision, (3 + 5.0 / 3) / 6, EPS);

    struct eval_scores none = scores(s, "php");
    assert_int_equal(none.events, 0);
    assert_float_equal(none.pair_f1, 0.0, EPS);
    eval_set_free(s);
}

/* RR@1 and MRR with ranked candidate lists (see docs/evaluation.md). */
static void test_retrieval_ranks(void **state)
{
    (void)state;
    const struct ev evs[] = {
        {"x", "python", 1, 0, {0}, 0},          /* first x: not ranked */
        {"x", "python", 2, 0, {5, 1}, 2},       /* issue 1 holds x: rank 2 */
        {"y", "python", 3, 0, {1}, 1},          /* first y: not ranked */
        {"y", "python", 1, 2, {1, 3}, 2},       /* 1 holds only x; 3 holds y: rank 2 */
        {"x", "python", 9, 0, {3, 9, 2}, 3},    /* 3 holds y now and before; 9 empty; 2 holds x */
        {"x", "python", 1, 1, {1}, 1},          /* rank 1 */
        {"y", "python", 4, 0, {0}, 0},          /* no candidates: rank 0 */
    };
    struct eval_set *s = build(evs, 7);
    struct eval_scores sc = scores(s, NULL);
    assert_int_equal(sc.retrieval_events, 5);
    assert_int_equal(sc.rank1, 1);
    assert_float_equal(sc.rr1, 0.2, EPS);
    assert_float_equal(sc.mrr, (0.5 + 0.5 + 1.0 / 3 + 1 + 0) / 5, EPS);
    assert_int_equal(sc.by_similarity, 1);
    assert_int_equal(sc.by_hash, 1);
    assert_int_equal(sc.by_new, 5);
    eval_set_free(s);
}

static void test_empty(void **state)
{
    (void)state;
    struct eval_set *s = eval_set_new();
    struct eval_scores sc = scores(s, NULL);
    assert_int_equal(sc.events, 0);
    assert_float_equal(sc.pair_f1, 0.0, EPS);
    assert_float_equal(sc.bcubed_f1, 0.0, EPS);
    eval_set_free(s);
}

/* Random partitions: the O(n) contingency formulas equal the definitions over all pairs. */
static void test_against_brute_force(void **state)
{
    (void)state;
    enum { N = 400 };
    static char labels[N][16];
    static int64_t issue[N];
    static int plat[N];
    static const char *const platforms[] = {"python", "node", "java"};
    srand(12345);
    for (int round = 0; round < 5; round++) {
        struct eval_set *s = eval_set_new();
        char err[ERRMSG_SIZE];
        int nl = 3 + round * 7, ni = 2 + round * 11;
        for (int i = 0; i < N; i++) {
            int l = rand() % nl;
            snprintf(labels[i], sizeof labels[i], "L%d", l);
            issue[i] = rand() % 3 ? 1000 + l % ni : 1000 + rand() % ni;   /* correlated */
            plat[i] = rand() % 3;
            assert_int_equal(eval_set_add(s, labels[i], platforms[plat[i]], issue[i],
                                          EVAL_REASON_NEW, NULL, 0, err), 0);
        }
        for (int p = -1; p < 3; p++) {
            uint64_t same_l = 0, same_i = 0, both = 0;
            double b3p = 0, b3r = 0;
            size_t n = 0;
            for (int i = 0; i < N; i++) {
                if (p >= 0 && plat[i] != p)
                    continue;
                n++;
                int ci = 0, cl = 0, cb = 0;   /* including i itself */
                for (int j = 0; j < N; j++) {
                    if (p >= 0 && plat[j] != p)
                        continue;
                    int sl = strcmp(labels[i], labels[j]) == 0, si = issue[i] == issue[j];
                    cl += sl, ci += si, cb += sl && si;
                    if (j > i) {
                        same_l += sl, same_i += si, both += sl && si;
                    }
                }
                b3p += (double)cb / ci;
                b3r += (double)cb / cl;
            }
            struct eval_scores sc = scores(s, p >= 0 ? platforms[p] : NULL);
            assert_int_equal(sc.events, n);
            assert_int_equal(sc.pairs_true, same_l);
            assert_int_equal(sc.pairs_predicted, same_i);
            assert_int_equal(sc.pairs_correct, both);
            assert_float_equal(sc.pair_precision, (double)both / same_i, EPS);
            assert_float_equal(sc.pair_recall, (double)both / same_l, EPS);
            assert_float_equal(sc.bcubed_precision, b3p / n, EPS);
            assert_float_equal(sc.bcubed_recall, b3r / n, EPS);
        }
        eval_set_free(s);
    }
}

static void test_map(void **state)
{
    (void)state;
    struct eval_map m = EVAL_MAP_INIT;
    char key[32];
    for (int i = 0; i < 5000; i++) {
        int created;
        snprintf(key, sizeof key, "k%d", i);
        int64_t *v = eval_map_put(&m, key, strlen(key), &created);
        assert_non_null(v);
        assert_int_equal(created, 1);
        *v = i * 3;
    }
    assert_int_equal(m.count, 5000);
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        int64_t *v = eval_map_get(&m, key, strlen(key));
        assert_non_null(v);
        assert_int_equal(*v, i * 3);
    }
    assert_null(eval_map_get(&m, "k5000", 5));
    int created;
    assert_int_equal(*eval_map_put(&m, "k7", 2, &created), 21);
    assert_int_equal(created, 0);
    eval_map_clear(&m);
    assert_null(eval_map_get(&m, "k7", 2));
    eval_map_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_singletons),  cmocka_unit_test(test_all_one_cluster),
        cmocka_unit_test(test_perfect),         cmocka_unit_test(test_per_platform),
        cmocka_unit_test(test_retrieval_ranks), cmocka_unit_test(test_empty),
        cmocka_unit_test(test_against_brute_force), cmocka_unit_test(test_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
