/* Replay, threshold sweep, assignment lines and the SVG plot of src/eval, driven by a small
 * distance-based pipeline defined here (1-D points, so every decision can be worked out by hand),
 * and the hash pipeline on hand-made events. */
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

#include "eval/eval.h"

#define EPS 1e-9

/* ---- a nearest-neighbour pipeline over event.x ------------------------------------------------ */

struct line_state {
    double xs[64];      /* each issue's first x; issue id = index + 1 */
    size_t n;
};

static int line_assign(struct eval_pipeline *p, const json_t *event, struct eval_assignment *out,
                       char *err)
{
    struct line_state *st = p->state;
    const json_t *x = json_object_get(event, "x");
    memset(out, 0, sizeof *out);
    out->distance = -1;
    if (!json_is_number(x)) {
        errmsg_set(err, "no x");
        return -1;
    }
    double v = json_number_value(x), dist[64];
    for (size_t i = 0; i < st->n; i++) {      /* insertion sort of the candidates by distance */
        double d = fabs(v - st->xs[i]);
        size_t k = out->n_candidates < EVAL_MAX_CANDIDATES ? out->n_candidates++
                                                           : EVAL_MAX_CANDIDATES - 1;
        while (k > 0 && dist[k - 1] > d) {
            dist[k] = dist[k - 1];
            out->candidates[k] = out->candidates[k - 1];
            k--;
        }
        dist[k] = d;
        out->candidates[k] = (int64_t)i + 1;
    }
    if (out->n_candidates && dist[0] <= p->threshold) {
        out->issue = out->candidates[0];
        out->reason = EVAL_REASON_SIMILARITY;
        out->distance = dist[0];
    } else {
        st->xs[st->n++] = v;
        out->issue = (int64_t)st->n;
        out->reason = EVAL_REASON_NEW;
    }
    return 0;
}

static int line_reset(struct eval_pipeline *p, double threshold, char *err)
{
    (void)err;
    ((struct line_state *)p->state)->n = 0;
    p->threshold = threshold;
    return 0;
}

static void line_close(struct eval_pipeline *p) { free(p->state); }

static void line_open(struct eval_pipeline *p, double threshold)
{
    *p = (struct eval_pipeline){.strategy = "line", .threshold = threshold,
                                .state = calloc(1, sizeof(struct line_state)),
                                .assign = line_assign, .reset = line_reset, .close = line_close};
    assert_non_null(p->state);
}

static char path[] = "/tmp/test_eval_replay.XXXXXX";

/* Clusters A near 0, B near 0.5, C at 1; A2 is 0.03 from A0 and 0.02 from A1. */
static const char dataset[] =
    "{\"event\": {\"x\": 0.00, \"platform\": \"python\"}, \"group\": \"A\"}\n"
    "{\"event\": {\"x\": 0.50, \"platform\": \"node\"}, \"group\": \"B\"}\n"
    "{\"event\": {\"x\": 0.01, \"platform\": \"python\"}, \"group\": \"A\"}\n"
    "{\"event\": {\"x\": 1.00, \"platform\": \"java\"}, \"group\": \"C\"}\n"
    "{\"event\": {\"y\": 1}, \"group\": \"D\"}\n"
    "{\"event\": {\"x\": 0.52, \"platform\": \"node\"}, \"group\": \"B\"}\n"
    "{\"event\": {\"x\": 0.03, \"platform\": \"python\"}, \"group\": \"A\"}\n";

static int setup(void **state)
{
    (void)state;
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, dataset, sizeof dataset - 1);
    close(fd);
    return n == (ssize_t)sizeof dataset - 1 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return unlink(path);
}

static void test_replay_and_assignments(void **state)
{
    (void)state;
    struct eval_pipeline p;
    line_open(&p, 0.05);
    struct eval_set *set = eval_set_new();
    struct eval_bad_lines bad;
    char err[ERRMSG_SIZE];
    char *text = NULL;
    size_t text_len = 0;
    FILE *assign = open_memstream(&text, &text_len);
    struct eval_replay_options ro = {0, assign, NULL, NULL};
    assert_int_equal(eval_replay(path, &p, set, &ro, &bad, err), 0);
    fclose(assign);

    /* line 5 has no x: the pipeline refuses it, and it is reported with its line number */
    assert_int_equal(bad.count, 1);
    assert_int_equal(bad.line[0], 5);
    assert_non_null(strstr(bad.msg[0], "line: no x"));

    struct eval_scores sc;
    assert_int_equal(eval_set_scores(set, NULL, &sc, err), 0);
    assert_int_equal(sc.events, 6);
    assert_int_equal(sc.issues, 3);
    assert_float_equal(sc.pair_f1, 1.0, EPS);
    assert_int_equal(sc.by_similarity, 3);
    assert_int_equal(sc.retrieval_events, 3);
    assert_float_equal(sc.mrr, 1.0, EPS);

    /* the assignment lines: one per scored event, with line numbers and reasons */
    size_t n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), n++) {
        json_error_t jerr;
        json_t *o = json_loads(line, 0, &jerr);
        assert_non_null(o);
        assert_string_equal(json_string_value(json_object_get(o, "strategy")), "line");
        assert_float_equal(json_real_value(json_object_get(o, "threshold")), 0.05, EPS);
        json_int_t no = json_integer_value(json_object_get(o, "line"));
        const char *reason = json_string_value(json_object_get(o, "reason"));
        if (no == 3) {
            assert_string_equal(reason, "similarity");
            assert_float_equal(json_real_value(json_object_get(o, "distance")), 0.01, 1e-6);
            assert_int_equal(json_integer_value(json_object_get(o, "issue")), 1);
            assert_string_equal(json_string_value(json_object_get(o, "label")), "A");
            assert_string_equal(json_string_value(json_object_get(o, "platform")), "python");
            assert_int_equal(json_array_size(json_object_get(o, "candidates")), 2);
        }
        if (no == 4) {
            assert_string_equal(reason, "new");
            assert_null(json_object_get(o, "distance"));
        }
        assert_true(no != 5);
        json_decref(o);
    }
    assert_int_equal(n, 6);
    free(text);
    eval_set_free(set);
    p.close(&p);
}

static void test_sweep_and_plot(void **state)
{
    (void)state;
    struct eval_pipeline p;
    line_open(&p, 0);
    const double t[] = {0, 0.05, 0.5};
    struct eval_sweep_point pts[3];
    struct eval_bad_lines bad;
    char err[ERRMSG_SIZE];
    assert_int_equal(eval_sweep(path, &p, t, 3, NULL, pts, &bad, err), 0);
    p.close(&p);

    /* t = 0: every event alone, yet the nearest candidate is always right: RR@1 = 1 */
    assert_float_equal(pts[0].threshold, 0, EPS);
    assert_int_equal(pts[0].scores.issues, 6);
    assert_float_equal(pts[0].scores.pair_recall, 0, EPS);
    assert_float_equal(pts[0].scores.rr1, 1, EPS);
    /* t = 0.05: exactly the truth */
    assert_int_equal(pts[1].scores.issues, 3);
    assert_float_equal(pts[1].scores.pair_f1, 1, EPS);
    /* t = 0.5: B0 joins A (distance 0.5); B1 joins C (0.48 < 0.52): issues {A0,B0,A1,A2} {C,B1} */
    assert_int_equal(pts[2].scores.issues, 2);
    assert_int_equal(pts[2].scores.pairs_predicted, 7);
    assert_int_equal(pts[2].scores.pairs_true, 4);
    assert_int_equal(pts[2].scores.pairs_correct, 3);
    assert_float_equal(pts[2].scores.pair_precision, 3.0 / 7, EPS);
    /* B1's group existed (B0, now in issue 1); candidates by distance: C's issue 2, then 1 */
    assert_float_equal(pts[2].scores.mrr, (1 + 0.5 + 1) / 3.0, EPS);

    struct eval_sweep_point hash_point = {-1, pts[1].scores};
    struct eval_curve curves[] = {{"line", pts, 3}, {"hash <&>", &hash_point, 1}};
    struct buf svg = BUF_INIT;
    assert_int_equal(eval_plot_svg(&svg, curves, 2, err), 0);
    assert_true(strncmp(svg.data, "<svg ", 5) == 0);
    assert_non_null(strstr(svg.data, "</svg>\n"));
    assert_non_null(strstr(svg.data, "<polyline"));
    assert_non_null(strstr(svg.data, "line t=0.500: P=0.4286 R=0.7500"));
    assert_non_null(strstr(svg.data, "hash &lt;&amp;&gt; (no threshold)"));
    size_t circles = 0;
    for (const char *s = svg.data; (s = strstr(s, "<circle")); s++)
        circles++;
    assert_int_equal(circles, 3);      /* the threshold points; hash is one square */
    assert_non_null(strstr(svg.data, "<title>hash &lt;&amp;&gt;: P=1.0000 R=1.0000"));
    buf_free(&svg);
}

/* Identical events share a hash and an issue; a different one opens a new issue. */
static void test_hash_pipeline(void **state)
{
    (void)state;
    struct eval_pipeline p;
    char err[ERRMSG_SIZE];
    struct eval_pipeline_options po = {-1, NULL, 0};
    assert_int_equal(eval_pipeline_open(&p, "hash", &po, err), 0);
    assert_string_equal(p.strategy, "hash");
    assert_true(p.threshold < 0);
    json_t *a = json_loads("{\"exception\": {\"values\": [{\"type\": \"KeyError\", \"value\": \"'x'\","
                           "\"stacktrace\": {\"frames\": [{\"function\": \"f\", \"module\": \"m\","
                           "\"in_app\": true}]}}]}, \"platform\": \"python\"}", 0, NULL);
    json_t *b = json_loads("{\"exception\": {\"values\": [{\"type\": \"ValueError\", \"value\": \"bad\","
                           "\"stacktrace\": {\"frames\": [{\"function\": \"g\", \"module\": \"n\","
                           "\"in_app\": true}]}}]}, \"platform\": \"python\"}", 0, NULL);
    assert_non_null(a);
    assert_non_null(b);
    struct eval_assignment r1, r2, r3;
    assert_int_equal(p.assign(&p, a, &r1, err), 0);
    assert_int_equal(r1.reason, EVAL_REASON_NEW);
    assert_int_equal(r1.n_candidates, 0);
    assert_int_equal(p.assign(&p, b, &r2, err), 0);
    assert_int_equal(r2.reason, EVAL_REASON_NEW);
    assert_true(r2.issue != r1.issue);
    assert_int_equal(p.assign(&p, a, &r3, err), 0);
    assert_int_equal(r3.reason, EVAL_REASON_HASH);
    assert_int_equal(r3.issue, r1.issue);
    assert_int_equal(r3.n_candidates, 1);
    assert_int_equal(r3.candidates[0], r1.issue);
    assert_true(r3.distance < 0);
    /* reset: a fresh store */
    assert_int_equal(p.reset(&p, -1, err), 0);
    assert_int_equal(p.assign(&p, a, &r3, err), 0);
    assert_int_equal(r3.reason, EVAL_REASON_NEW);
    json_decref(a);
    json_decref(b);
    eval_pipeline_close(&p);

    assert_int_equal(eval_pipeline_open(&p, "nope", &po, err), -1);
    assert_non_null(strstr(err, "unknown strategy"));
    assert_int_equal(eval_strategy_has_threshold("hash"), 0);
    assert_int_equal(eval_strategy_has_threshold("embedding"), 1);
    assert_int_equal(eval_strategy_has_threshold("nope"), -1);
}


/* The similarity step with the shipped model: one bug reached through two callers (two hashes)
 * joins by similarity under a loose threshold and splits at threshold 0; the unrelated event
 * stays apart either way, and ranks behind the right issue. Skipped when the model is absent. */
static const char similar_dataset[] =
    "{\"group\": \"kv\", \"event\": {\"platform\": \"python\", \"exception\": {\"values\": [{"
    "\"type\": \"KeyError\", \"value\": \"'sku'\", \"stacktrace\": {\"frames\": ["
    "{\"module\": \"shop.views\", \"function\": \"checkout\", \"in_app\": true, "
    "\"context_line\": \"cart.add_item(request.POST)\"},"
    "{\"module\": \"shop.cart\", \"function\": \"add_item\", \"in_app\": true, "
    "\"context_line\": \"sku = data['sku']\"}]}}]}}}\n"
    "{\"group\": \"zero\", \"event\": {\"platform\": \"python\", \"exception\": {\"values\": [{"
    "\"type\": \"ZeroDivisionError\", \"value\": \"division by zero\", \"stacktrace\": {"
    "\"frames\": [{\"module\": \"reports.stats\", \"function\": \"average\", \"in_app\": true, "
    "\"context_line\": \"return sum(values) / len(values)\"}]}}]}}}\n"
    "{\"group\": \"kv\", \"event\": {\"platform\": \"python\", \"exception\": {\"values\": [{"
    "\"type\": \"KeyError\", \"value\": \"'sku'\", \"stacktrace\": {\"frames\": ["
    "{\"module\": \"shop.api\", \"function\": \"quick_buy\", \"in_app\": true, "
    "\"context_line\": \"cart.add_item(payload)\"},"
    "{\"module\": \"shop.cart\", \"function\": \"add_item\", \"in_app\": true, "
    "\"context_line\": \"sku = data['sku']\"}]}}]}}}\n";

static void test_similarity_strategies(void **state)
{
    (void)state;
    if (access("models/use-lite.gguf", R_OK) != 0)
        skip();
    char sim_path[] = "/tmp/test_eval_similar.XXXXXX";
    int fd = mkstemp(sim_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, similar_dataset, sizeof similar_dataset - 1),
                     (ssize_t)sizeof similar_dataset - 1);
    close(fd);

    static const char *const names[] = {"hybrid", "embedding"};
    for (int s = 0; s < 2; s++) {
        struct eval_pipeline p;
        char err[ERRMSG_SIZE];
        struct eval_pipeline_options po = {0.1, "models/use-lite.gguf", 1};
        int rc = eval_pipeline_open(&p, names[s], &po, err);
        if (rc != 0)
            fail_msg("%s: %s", names[s], err);
        assert_float_equal(p.threshold, 0.1, EPS);

        /* threshold 0.1: the two KeyErrors join (different hashes, near texts: about 0.025 apart);
         * the ZeroDivisionError is about 0.28 away */
        struct eval_set *set = eval_set_new();
        struct eval_bad_lines bad;
        char *text = NULL;
        size_t text_len = 0;
        FILE *assign = open_memstream(&text, &text_len);
        struct eval_replay_options ro = {0, assign, NULL, NULL};
        assert_int_equal(eval_replay(sim_path, &p, set, &ro, &bad, err), 0);
        fclose(assign);
        struct eval_scores sc;
        assert_int_equal(eval_set_scores(set, NULL, &sc, err), 0);
        assert_int_equal(sc.issues, 2);
        assert_int_equal(sc.by_similarity, 1);
        assert_float_equal(sc.pair_f1, 1, EPS);
        assert_float_equal(sc.rr1, 1, EPS);
        char *last = strrchr(text, '{');
        json_t *o = json_loads(last, 0, NULL);
        assert_non_null(o);
        assert_string_equal(json_string_value(json_object_get(o, "reason")), "similarity");
        double d = json_real_value(json_object_get(o, "distance"));
        assert_true(d > 0 && d <= 0.1);
        assert_string_equal(json_string_value(json_object_get(o, "model")), "models/use-lite.gguf");
        assert_string_equal(p.text, "crash-first");
        assert_int_equal(json_array_size(json_object_get(o, "candidates")), 2);
        json_decref(o);
        free(text);
        eval_set_free(set);

        /* a sweep: at 0 nothing joins, yet the right issue is still the nearest candidate */
        const double t[] = {0, 0.1};
        struct eval_sweep_point pts[2];
        assert_int_equal(eval_sweep(sim_path, &p, t, 2, NULL, pts, &bad, err), 0);
        assert_int_equal(pts[0].scores.issues, 3);
        assert_float_equal(pts[0].scores.rr1, 1, EPS);
        assert_int_equal(pts[1].scores.issues, 2);
        eval_pipeline_close(&p);
    }
    unlink(sim_path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_and_assignments),
        cmocka_unit_test(test_sweep_and_plot),
        cmocka_unit_test(test_hash_pipeline),
        cmocka_unit_test(test_similarity_strategies),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
