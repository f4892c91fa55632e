/* The digest parses stored events sparsely (members grouping never reads become null). Hashes,
 * title, culprit and canonical texts must be exactly those of a full parse: checked on every event
 * of the evaluation fixture and on generated events full of breadcrumbs, vars and context. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grouping/digest.h"
#include "grouping/grouping.h"
#include "util/buf.h"

static void same_grouping(const char *text, size_t n)
{
    json_t *full = json_loadb(text, n, 0, NULL);
    json_t *sparse = digest_parse_event(text, n);
    assert_non_null(full);
    assert_non_null(sparse);
    struct grouping_config cfg = {.skip_info = 1};
    struct grouping_result a, b;
    char err[ERRMSG_SIZE];
    assert_int_equal(grouping_compute(full, &cfg, &a, err), 0);
    assert_int_equal(grouping_compute(sparse, &cfg, &b, err), 0);
    assert_int_equal(a.n_hashes, b.n_hashes);
    for (int i = 0; i < a.n_hashes; i++)
        assert_string_equal(a.hashes[i], b.hashes[i]);
    assert_string_equal(a.title, b.title);
    assert_string_equal(a.culprit, b.culprit);
    for (int variant = 0; variant < 2; variant++) {
        struct buf ta = BUF_INIT, tb = BUF_INIT;
        assert_int_equal(grouping_canonical_text(full, &cfg, variant, &ta, err), 0);
        assert_int_equal(grouping_canonical_text(sparse, &cfg, variant, &tb, err), 0);
        assert_int_equal(ta.len, tb.len);
        if (ta.len)
            assert_memory_equal(ta.data, tb.data, ta.len);
        buf_free(&ta);
        buf_free(&tb);
    }
    grouping_result_free(&a);
    grouping_result_free(&b);
    json_decref(full);
    json_decref(sparse);
}

static void test_fixture_events(void **state)
{
    (void)state;
    FILE *f = fopen("tests/eval/tiny.jsonl", "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    int events = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *row = json_loads(line, 0, NULL);
        if (!row)
            continue;
        char *text = json_dumps(json_object_get(row, "event"), JSON_COMPACT);
        same_grouping(text, strlen(text));
        free(text);
        json_decref(row);
        events++;
    }
    free(line);
    fclose(f);
    assert_true(events >= 10);
}

static void test_heavy_events(void **state)
{
    (void)state;
    for (int k = 0; k < 50; k++) {
        struct buf b = BUF_INIT;
        buf_printf(&b, "{\"platform\":\"%s\",\"breadcrumbs\":{\"values\":[{\"message\":\"b%d\"}]},"
                       "\"extra\":{\"vars\":[1,2]},\"contexts\":{\"os\":{\"name\":\"Linux\"}},"
                       "\"tags\":{\"vars\":\"kept\",\"k\":\"v\"},\"exception\":{\"values\":[",
                   k % 2 ? "python" : "node", k);
        for (int e = 0; e < 1 + k % 3; e++) {
            buf_printf(&b, "%s{\"type\":\"E%d\",\"value\":\"v %d\",\"stacktrace\":{\"frames\":[", e ? "," : "", e, k);
            for (int i = 0; i < 1 + k % 7; i++)
                buf_printf(&b,
                           "%s{\"function\":\"f%d\",\"module\":\"m%d\",\"filename\":\"m%d.py\",\"lineno\":%d,"
                           "\"context_line\":\"  x = f%d(y)\",\"pre_context\":[\"a\",\"b\"],"
                           "\"post_context\":[\"c\"],\"vars\":{\"y\":\"%d\",\"pre_context\":1},\"in_app\":%s}",
                           i ? "," : "", i, i, i, 10 + i, i + 1, k, (i + k) % 2 ? "true" : "false");
            buf_puts(&b, "]}}");
        }
        buf_puts(&b, "]}}");
        same_grouping(b.data, b.len);
        buf_free(&b);
    }
}

static void test_invalid_is_null(void **state)
{
    (void)state;
    const char *bad[] = {"", "[]", "{\"a\":}", "{\"breadcrumbs\":[1,}", "{\"a\":\"\xff\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_null(digest_parse_event(bad[i], strlen(bad[i])));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_events),
        cmocka_unit_test(test_heavy_events),
        cmocka_unit_test(test_invalid_is_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
