/* Jansson trees in a bump arena (util/jsonarena.c): nodes made between begin and end come from the
 * arena, others from malloc, and a tree mixing both is freed correctly (the ASan build checks the
 * frees and the leaks); a full arena falls back to malloc; a grouping result is the same whichever
 * memory the tree is in; arenas are reused after destroy. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "grouping/grouping.h"
#include "util/buf.h"
#include "util/jsonarena.h"
#include "util/jsonscan.h"

static const char EVENT[] =
    "{\"platform\":\"python\",\"exception\":{\"values\":[{\"type\":\"KeyError\",\"value\":\"'user 123'\","
    "\"stacktrace\":{\"frames\":[{\"filename\":\"app/main.py\",\"module\":\"app.main\",\"function\":\"handle\","
    "\"lineno\":10,\"context_line\":\"    return lookup(uid)\",\"in_app\":true},{\"filename\":\"app/db.py\","
    "\"module\":\"app.db\",\"function\":\"lookup\",\"lineno\":22,\"in_app\":true}]}}]}}";

static int inside(const struct jsonarena *a, const void *p)
{
    return (const char *)p >= a->base && (const char *)p < a->base + a->cap;
}

static void hashes_of(const json_t *ev, struct grouping_result *r)
{
    char err[ERRMSG_SIZE];
    struct grouping_config cfg = {.skip_info = 0};
    assert_int_equal(grouping_compute(ev, &cfg, r, err), 0);
}

static void test_tree_in_arena(void **state)
{
    (void)state;
    struct jsonarena a;
    jsonarena_init(&a);
    assert_non_null(a.base);
    char err[ERRMSG_SIZE];

    jsonarena_begin(&a);
    json_t *ev = jsonscan_build(EVENT, sizeof EVENT - 1, 0, NULL, NULL, err);
    jsonarena_end();
    assert_non_null(ev);
    assert_true(a.used > 0);
    assert_true(inside(&a, ev));
    const json_t *frames = json_object_get(json_array_get(json_object_get(json_object_get(ev, "exception"),
                                                                          "values"), 0), "stacktrace");
    assert_true(inside(&a, frames));
    assert_true(inside(&a, json_string_value(json_object_get(ev, "platform"))));

    /* made after end: from malloc, in the same tree; freed with it (ASan: no bad free, no leak) */
    size_t used = a.used;
    json_t *extra = json_string("added later");
    assert_false(inside(&a, extra));
    assert_int_equal(json_object_set_new(ev, "extra", extra), 0);
    assert_int_equal(a.used, used);

    /* the same hashes as from a tree in malloc memory */
    json_t *plain = json_loads(EVENT, 0, NULL);
    assert_false(inside(&a, plain));
    struct grouping_result x, y;
    hashes_of(ev, &x);
    hashes_of(plain, &y);
    assert_int_equal(x.n_hashes, y.n_hashes);
    assert_memory_equal(x.hashes, y.hashes, sizeof x.hashes[0] * (size_t)x.n_hashes);
    assert_string_equal(x.info_json, y.info_json);
    grouping_result_free(&x);
    grouping_result_free(&y);
    json_decref(plain);

    /* json_dumps outside an arena: plain malloc memory, freed with free() */
    char *text = json_dumps(ev, JSON_COMPACT);
    assert_non_null(text);
    assert_false(inside(&a, text));
    assert_non_null(strstr(text, "added later"));
    free(text);

    json_decref(ev);
    jsonarena_reset(&a);
    assert_int_equal(a.used, 0);
    jsonarena_destroy(&a);
    assert_null(a.base);
}

static void test_full_arena_falls_back(void **state)
{
    (void)state;
    struct jsonarena a;
    jsonarena_init(&a);
    assert_non_null(a.base);
    a.cap = 256; /* room for a few nodes only */
    char err[ERRMSG_SIZE];
    jsonarena_begin(&a);
    json_t *ev = jsonscan_build(EVENT, sizeof EVENT - 1, 0, NULL, NULL, err);
    jsonarena_end();
    assert_non_null(ev);
    assert_true(a.used <= 256 && a.used > 0);
    const json_t *platform = json_object_get(ev, "platform");
    const json_t *values = json_object_get(json_object_get(ev, "exception"), "values");
    assert_true(inside(&a, ev));
    assert_false(inside(&a, values)); /* made once the arena was full */
    assert_string_equal(json_string_value(platform), "python");
    char *text = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
    json_t *plain = json_loads(EVENT, 0, NULL);
    char *want = json_dumps(plain, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text, want);
    free(text);
    free(want);
    json_decref(plain);
    json_decref(ev); /* frees the malloc part only (ASan: no leak) */
    jsonarena_destroy(&a);
}

static void test_reuse_after_destroy(void **state)
{
    (void)state;
    struct jsonarena a, b;
    jsonarena_init(&a);
    char *first = a.base;
    assert_non_null(first);
    jsonarena_destroy(&a);
    jsonarena_init(&b); /* the slice given back is taken again */
    assert_ptr_equal(b.base, first);
    jsonarena_begin(&b);
    json_t *n = json_integer(7);
    jsonarena_end();
    assert_true(inside(&b, n));
    json_decref(n);
    jsonarena_destroy(&b);
    /* no arena: begin/end are harmless and jansson uses malloc */
    struct jsonarena none = {NULL, 0, 0};
    jsonarena_begin(&none);
    json_t *m = json_integer(8);
    jsonarena_end();
    assert_non_null(m);
    json_decref(m);
}

/* A tree larger than what a reset keeps (4 MiB): built, freed, the arena reset and used again. */
static void test_large_tree(void **state)
{
    (void)state;
    struct buf text = BUF_INIT;
    buf_puts(&text, "{\"platform\":\"python\",\"extra\":[");
    for (int i = 0; i < 200000; i++)
        buf_printf(&text, "%s{\"k\":\"value %d\"}", i ? "," : "", i);
    buf_puts(&text, "]}");
    struct jsonarena a;
    jsonarena_init(&a);
    assert_non_null(a.base);
    char err[ERRMSG_SIZE];
    for (int round = 0; round < 2; round++) {
        jsonarena_reset(&a);
        jsonarena_begin(&a);
        json_t *ev = jsonscan_build(text.data, text.len, 0, NULL, NULL, err);
        jsonarena_end();
        assert_non_null(ev);
        assert_true(a.used > ((size_t)4 << 20));
        assert_int_equal(json_array_size(json_object_get(ev, "extra")), 200000);
        assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(ev, "extra"), 199999), "k")),
                            "value 199999");
        json_decref(ev);
    }
    jsonarena_reset(&a);
    jsonarena_destroy(&a);
    buf_free(&text);
}

int main(void)
{
    if (jsonarena_install() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_in_arena),
        cmocka_unit_test(test_full_arena_falls_back),
        cmocka_unit_test(test_reuse_after_destroy),
        cmocka_unit_test(test_large_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
