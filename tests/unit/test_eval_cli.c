/* End to end: the faultline binary's `eval` command on tests/eval/tiny.jsonl.
 *
 * The expected numbers are derived by hand in tests/eval/README.md. The binary is found next to
 * this test's directory ($(BUILD)/tests/.. /faultline) or through FAULTLINE_BIN; the test runs
 * from the repository root, as `make test-unit` does. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "util/buf.h"

#define EPS 1e-9
#define TINY "tests/eval/tiny.jsonl"

static char bin[1024];
static char dir[] = "/tmp/test_eval_cli.XXXXXX";

/* Runs `faultline eval ARGS`; stdout into *out (malloc'd), stderr into dir/stderr. Returns the
 * exit status. */
static int run(const char *args, char **out)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' eval %s 2>'%s/stderr'", bin, args, dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    struct buf b = BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        buf_append(&b, chunk, n);
    int st = pclose(p);
    buf_putc(&b, '\0');
    *out = buf_steal(&b);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct buf b = BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    buf_putc(&b, '\0');
    return buf_steal(&b);
}

static char *stderr_text(void)
{
    char p[256];
    snprintf(p, sizeof p, "%s/stderr", dir);
    return slurp(p);
}

static const json_t *find_strategy(const json_t *doc, const char *name)
{
    const json_t *results = json_object_get(doc, "results");
    for (size_t i = 0; i < json_array_size(results); i++) {
        const json_t *r = json_array_get(results, i);
        if (strcmp(json_string_value(json_object_get(r, "strategy")), name) == 0)
            return r;
    }
    return NULL;
}

static double num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    assert_true(json_is_number(v));
    return json_number_value(v);
}

static void check_hash_numbers(const json_t *hash)
{
    const json_t *all = json_object_get(hash, "overall");
    assert_float_equal(num(all, "events"), 17, EPS);
    assert_float_equal(num(all, "groups"), 9, EPS);
    assert_float_equal(num(all, "issues"), 9, EPS);
    assert_float_equal(num(all, "pairs_true"), 10, EPS);
    assert_float_equal(num(all, "pairs_predicted"), 9, EPS);
    assert_float_equal(num(all, "pairs_correct"), 8, EPS);
    assert_float_equal(num(all, "pair_precision"), 8.0 / 9, EPS);
    assert_float_equal(num(all, "pair_recall"), 0.8, EPS);
    assert_float_equal(num(all, "pair_f1"), 16.0 / 19, EPS);
    assert_float_equal(num(all, "bcubed_precision"), 16.0 / 17, EPS);
    assert_float_equal(num(all, "bcubed_recall"), 47.0 / 51, EPS);
    assert_float_equal(num(all, "retrieval_events"), 8, EPS);
    assert_float_equal(num(all, "rr1"), 0.875, EPS);
    assert_float_equal(num(all, "mrr"), 0.875, EPS);
    assert_float_equal(num(json_object_get(all, "reasons"), "hash"), 8, EPS);
    assert_float_equal(num(json_object_get(all, "reasons"), "new"), 9, EPS);

    const json_t *pf = json_object_get(hash, "platforms");
    assert_int_equal(json_object_size(pf), 3);
    const json_t *py = json_object_get(pf, "python");
    assert_float_equal(num(py, "events"), 9, EPS);
    assert_float_equal(num(py, "groups"), 4, EPS);
    assert_float_equal(num(py, "issues"), 5, EPS);
    assert_float_equal(num(py, "pair_precision"), 1, EPS);
    assert_float_equal(num(py, "pair_recall"), 5.0 / 7, EPS);
    assert_float_equal(num(py, "bcubed_recall"), 23.0 / 27, EPS);
    assert_float_equal(num(py, "rr1"), 0.8, EPS);
    const json_t *node = json_object_get(pf, "node");
    assert_float_equal(num(node, "issues"), 2, EPS);
    assert_float_equal(num(node, "pair_precision"), 0.5, EPS);
    assert_float_equal(num(node, "bcubed_precision"), 0.75, EPS);
    assert_float_equal(num(node, "pair_recall"), 1, EPS);
    const json_t *java = json_object_get(pf, "java");
    assert_float_equal(num(java, "pair_f1"), 1, EPS);
    assert_float_equal(num(java, "bcubed_f1"), 1, EPS);
    assert_float_equal(num(java, "retrieval_events"), 2, EPS);
}

static void test_json_and_assignments(void **state)
{
    (void)state;
    char args[512], *out;
    snprintf(args, sizeof args, "%s --json --assignments %s/a.jsonl", TINY, dir);
    assert_int_equal(run(args, &out), 0);
    json_error_t jerr;
    json_t *doc = json_loads(out, 0, &jerr);
    if (!doc)
        fail_msg("not JSON (%s): %s", jerr.text, out);
    free(out);
    assert_string_equal(json_string_value(json_object_get(doc, "dataset")), TINY);
    const json_t *hash = find_strategy(doc, "hash");
    assert_non_null(hash);
    check_hash_numbers(hash);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(hash, "bad_lines"),
                                                        "count")), 0);
    /* the other strategies either ran or say clearly that this build lacks them */
    static const char *const others[] = {"embedding", "hybrid"};
    for (int i = 0; i < 2; i++) {
        const json_t *r = find_strategy(doc, others[i]);
        assert_non_null(r);
        if (json_is_false(json_object_get(r, "available")))
            assert_non_null(strstr(json_string_value(json_object_get(r, "error")),
                                   "not available in this build"));
        else
            assert_non_null(json_object_get(r, "overall"));
    }
    json_decref(doc);

    /* assignments: the hash lines, one per event, in file order */
    char p[256];
    snprintf(p, sizeof p, "%s/a.jsonl", dir);
    char *text = slurp(p);
    assert_non_null(text);
    json_int_t issue_of[18] = {0};
    const char *reason_of[18] = {0};
    json_t *keep = json_array();
    size_t n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *o = json_loads(line, 0, &jerr);
        assert_non_null(o);
        json_array_append_new(keep, o);
        if (strcmp(json_string_value(json_object_get(o, "strategy")), "hash") != 0)
            continue;
        json_int_t no = json_integer_value(json_object_get(o, "line"));
        assert_int_equal(no, (json_int_t)++n);
        issue_of[no] = json_integer_value(json_object_get(o, "issue"));
        reason_of[no] = json_string_value(json_object_get(o, "reason"));
        assert_non_null(json_string_value(json_object_get(o, "label")));
    }
    assert_int_equal(n, 17);
    assert_string_equal(reason_of[5], "hash");      /* KeyError again */
    assert_int_equal(issue_of[5], issue_of[1]);
    assert_string_equal(reason_of[7], "new");       /* the timeout's second call path */
    assert_true(issue_of[7] != issue_of[3]);
    assert_string_equal(reason_of[8], "hash");      /* two HTTP 500 bugs look the same */
    assert_int_equal(issue_of[8], issue_of[6]);
    json_decref(keep);
    free(text);
}

static void test_gzip_text_and_sweep(void **state)
{
    (void)state;
    char *plain = slurp(TINY), args[512], *out;
    assert_non_null(plain);
    char gz[256];
    snprintf(gz, sizeof gz, "%s/tiny.jsonl.gz", dir);
    gzFile g = gzopen(gz, "wb");
    assert_non_null(g);
    assert_true(gzwrite(g, plain, (unsigned)strlen(plain)) > 0);
    gzclose(g);
    free(plain);

    snprintf(args, sizeof args, "%s --strategy hash --json", gz);
    assert_int_equal(run(args, &out), 0);
    json_t *doc = json_loads(out, 0, NULL);
    assert_non_null(doc);
    free(out);
    check_hash_numbers(find_strategy(doc, "hash"));
    json_decref(doc);

    /* the readable table */
    assert_int_equal(run(TINY " --strategy hash", &out), 0);
    assert_non_null(strstr(out, "strategy hash"));
    assert_non_null(strstr(out, "ALL"));
    assert_non_null(strstr(out, "0.8889 0.8000 0.8421"));
    assert_non_null(strstr(out, "python"));
    free(out);

    /* a sweep writes its plot */
    snprintf(args, sizeof args, "%s --strategy hash --sweep --plot %s/p.svg", TINY, dir);
    assert_int_equal(run(args, &out), 0);
    assert_non_null(strstr(out, "sweep, strategy hash"));
    free(out);
    char p[256];
    snprintf(p, sizeof p, "%s/p.svg", dir);
    char *svg = slurp(p);
    assert_non_null(svg);
    assert_true(strncmp(svg, "<svg ", 5) == 0);
    assert_non_null(strstr(svg, "<title>hash: P=0.8889 R=0.8000 F1=0.8421</title>"));
    free(svg);
}

static void test_errors(void **state)
{
    (void)state;
    char *out, args[512];
    assert_int_equal(run("", &out), 2);
    free(out);
    assert_int_equal(run(TINY " --strategy bogus", &out), 2);
    free(out);
    assert_int_equal(run(TINY " --threshold abc", &out), 2);
    free(out);
    assert_int_equal(run(TINY " --sweep --assignments x.jsonl", &out), 2);
    free(out);
    assert_int_equal(run("--help", &out), 0);
    assert_non_null(strstr(out, "usage: faultline eval"));
    free(out);

    snprintf(args, sizeof args, "%s/missing.jsonl --strategy hash", dir);
    assert_int_equal(run(args, &out), 1);
    free(out);
    char *err = stderr_text();
    assert_non_null(strstr(err, "missing.jsonl"));
    free(err);

    /* only bad lines: an error that names the first one */
    char p[256];
    snprintf(p, sizeof p, "%s/bad.jsonl", dir);
    FILE *f = fopen(p, "w");
    fputs("{\"event\": 1}\nnot json\n", f);
    fclose(f);
    snprintf(args, sizeof args, "%s --strategy hash", p);
    assert_int_equal(run(args, &out), 1);
    free(out);
    err = stderr_text();
    assert_non_null(strstr(err, "line 1"));
    assert_non_null(strstr(err, "no usable event"));
    free(err);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    (void)argc;
    const char *env = getenv("FAULTLINE_BIN");
    if (env && *env)
        snprintf(bin, sizeof bin, "%s", env);
    else {
        char self[900];
        snprintf(self, sizeof self, "%s", argv[0]);
        snprintf(bin, sizeof bin, "%s/../faultline", dirname(self));
    }
    if (access(bin, X_OK) != 0) {
        fprintf(stderr, "test_eval_cli: %s is not built\n", bin);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_and_assignments),
        cmocka_unit_test(test_gzip_text_and_sweep),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
