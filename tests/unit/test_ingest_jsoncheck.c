/* The allocation-free event validator must accept exactly what the digest's parser (jansson)
 * accepts as an event object: hand-written edge cases, then thousands of random mutations of a
 * realistic event compared one by one. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonscan.h"

static int jansson_accepts(const char *p, size_t n)
{
    json_t *v = json_loadb(p, n, 0, NULL);
    int ok = v && json_is_object(v);
    json_decref(v);
    return ok;
}

static int scanner_accepts(const char *p, size_t n)
{
    char id[40], err[ERRMSG_SIZE];
    int state;
    return jsoncheck_event(p, n, id, sizeof id, &state, err) == 0;
}

/* The scanner accepts what jansson accepts, and the tree builder builds an equal tree. */
static void agree(const char *p, size_t n)
{
    int want = jansson_accepts(p, n), got = scanner_accepts(p, n);
    char err[ERRMSG_SIZE];
    json_t *built = jsonscan_build(p, n, 0, NULL, NULL, err);
    json_t *ref = want ? json_loadb(p, n, 0, NULL) : NULL;
    int same = want ? built && json_equal(built, ref) : built == NULL;
    json_decref(built);
    json_decref(ref);
    if (want != got || !same) {
        fprintf(stderr, "disagree (jansson %d, scanner %d, builder %s) on %zu bytes: %.*s\n", want, got,
                same ? "same" : "different", n, (int)(n > 200 ? 200 : n), p);
        fail();
    }
}

static void test_edge_cases(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "{}", " {\"a\":1} \n", "{\"a\":[1,2,{\"b\":null}],\"c\":true,\"d\":false}", "[1]", "1", "\"s\"", "",
        "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":1 \"b\":2}", "{a:1}", "{\"a\":01}", "{\"a\":-0}",
        "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":1e5}", "{\"a\":1E+5}", "{\"a\":1e}", "{\"a\":-}",
        "{\"a\":1e999}", "{\"a\":1e-999}", "{\"a\":9223372036854775807}", "{\"a\":9223372036854775808}",
        "{\"a\":-9223372036854775808}", "{\"a\":-9223372036854775809}", "{\"a\":\"\\u0000\"}",
        "{\"a\":\"\\u0041\"}", "{\"a\":\"\\ud83d\\ude00\"}", "{\"a\":\"\\ud83d\"}", "{\"a\":\"\\ude00\"}",
        "{\"a\":\"\\ud83d\\u0041\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\t\"}", "{\"a\":\"\xc3\xa9\"}",
        "{\"a\":\"\xc3\"}", "{\"a\":\"\xe0\x80\xaf\"}", "{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"\xf4\x90\x80\x80\"}",
        "{\"a\":\"\xff\"}", "{\"a\":truex}", "{\"a\":nul}", "{\"a\":1} x", "{\"a\":1}{}", "{\"a\":\"x\"",
        "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}", "{\"event_id\":null}", "{\"event_id\":5}",
        "{\"a\":1,\"a\":2}", "\xef\xbb\xbf{}",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        agree(cases[i], strlen(cases[i]));
}

/* The string scanner skips plain ASCII 8 bytes at a time: a byte it must stop at (quote,
 * backslash, control, invalid or valid UTF-8) is put at every offset of long strings, so each
 * position inside and across the 8-byte words is covered. */
static void test_string_word_boundaries(void **state)
{
    (void)state;
    static const char *const specials[] = {"\"", "\\n", "\\", "\x01", "\x1f", "\x7f", "\xff", "\xc3\xa9",
                                           "\xe2\x82", "\xed\xa0\x80", " ", "~"};
    char buf[128];
    for (size_t k = 0; k < sizeof specials / sizeof specials[0]; k++)
        for (int at = 0; at < 40; at++)
            for (int len = at; len < at + 12; len++) {
                int n = snprintf(buf, sizeof buf, "{\"m\":\"%.*s%s%.*s\"}", at,
                                 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", specials[k], len - at,
                                 "0123456789012345678901234567890123456789");
                agree(buf, (size_t)n);
            }
}

/* Escapes decode to the same strings as jansson's (keys and values), including surrogate pairs. */
static void test_build_escapes(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "{\"a\\\"b\":\"x\\ty\\nz\\\\\\/\"}",
        "{\"k\":\"\\u00e9\\u20ac\\ud83d\\ude00 end\"}",
        "{\"\\u006b\\u0065\\u0079-long-enough-to-need-a-heap-copy-of-the-key-because-it-is-long\":[1,2.5,-0,1e3]}",
        "{\"dup\":1,\"dup\":\"second wins\"}",
        "{\"n\":[true,false,null,{},[],\"\",-9223372036854775808,9223372036854775807,1.5e-300]}",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        agree(cases[i], strlen(cases[i]));
}

/* With JSONSCAN_REJECT_DUPLICATES the builder refuses what jansson's JSON_REJECT_DUPLICATES does. */
static void test_build_duplicates(void **state)
{
    (void)state;
    static const char *const cases[] = {"{\"a\":1,\"a\":2}", "{\"a\":1,\"\\u0061\":2}", "{\"a\":{\"b\":1,\"b\":1}}",
                                        "{\"a\":1,\"A\":2}", "{\"a\":[{\"b\":1},{\"b\":1}]}"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[ERRMSG_SIZE];
        json_t *ref = json_loads(cases[i], JSON_REJECT_DUPLICATES, NULL);
        json_t *got = jsonscan_build(cases[i], strlen(cases[i]), JSONSCAN_REJECT_DUPLICATES, NULL, NULL, err);
        assert_int_equal(ref != NULL, got != NULL);
        if (!got)
            assert_non_null(strstr(err, "duplicate"));
        json_decref(ref);
        json_decref(got);
    }
}

static int skip_b(void *ctx, int depth, const char *key, size_t key_len, int has_escapes)
{
    (void)has_escapes;
    (*(int *)ctx)++;
    return depth == 2 && key_len == 1 && key[0] == 'b';
}

/* Skipped members become null but are still validated. */
static void test_build_skip(void **state)
{
    (void)state;
    const char *ok = "{\"x\":{\"a\":1,\"b\":{\"deep\":[1,2,3]}},\"b\":2}";
    int asked = 0;
    char err[ERRMSG_SIZE];
    json_t *v = jsonscan_build(ok, strlen(ok), 0, skip_b, &asked, err);
    assert_non_null(v);
    assert_int_equal(asked, 4);   /* x, x.a, x.b (skipped: its members are not asked), b */
    assert_true(json_is_null(json_object_get(json_object_get(v, "x"), "b")));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "x"), "a")), 1);
    assert_int_equal(json_integer_value(json_object_get(v, "b")), 2);
    json_decref(v);
    const char *bad = "{\"x\":{\"b\":{\"deep\":\"\xff\"}}}";
    assert_null(jsonscan_build(bad, strlen(bad), 0, skip_b, &asked, err));
    assert_non_null(strstr(err, "UTF-8"));
}

static void test_depth_limit(void **state)
{
    (void)state;
    for (int depth = 2046; depth <= 2050; depth++) {
        size_t n = (size_t)depth * 2 + 8;
        char *p = malloc(n);
        size_t k = 0;
        p[k++] = '{';
        p[k++] = '"';
        p[k++] = 'a';
        p[k++] = '"';
        p[k++] = ':';
        for (int i = 0; i < depth - 1; i++)
            p[k++] = '[';
        for (int i = 0; i < depth - 1; i++)
            p[k++] = ']';
        p[k++] = '}';
        agree(p, k);
        free(p);
    }
}

static void test_event_id(void **state)
{
    (void)state;
    char id[40], err[ERRMSG_SIZE];
    int st;
    const char *ev = "{\"x\":{\"event_id\":\"nested\"},\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}";
    assert_int_equal(jsoncheck_event(ev, strlen(ev), id, sizeof id, &st, err), 0);
    assert_int_equal(st, 1);
    assert_string_equal(id, "9ec79c33ec9942ab8353589fcb2e04dc");
    ev = "{\"event_id\":null}";
    assert_int_equal(jsoncheck_event(ev, strlen(ev), id, sizeof id, &st, err), 0);
    assert_int_equal(st, 2);
    ev = "{\"message\":\"no id\"}";
    assert_int_equal(jsoncheck_event(ev, strlen(ev), id, sizeof id, &st, err), 0);
    assert_int_equal(st, 0);
    ev = "{\"message\":\"\xff\"}";
    assert_int_equal(jsoncheck_event(ev, strlen(ev), id, sizeof id, &st, err), -1);
    assert_non_null(strstr(err, "UTF-8"));
}

static void test_random_mutations(void **state)
{
    (void)state;
    static const char base[] =
        "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\",\"timestamp\":1700000000.25,\"platform\":\"python\","
        "\"level\":\"error\",\"exception\":{\"values\":[{\"type\":\"KeyError\",\"value\":\"'caf\xc3\xa9' \\u00e9 "
        "\\ud83d\\ude00\",\"stacktrace\":{\"frames\":[{\"function\":\"load\",\"lineno\":42,\"in_app\":true,"
        "\"vars\":{\"x\":-1.5e-3,\"y\":null,\"z\":[1,2,3]}}]}}]},\"tags\":{\"a\":\"b\"},\"extra\":{}}";
    const char alphabet[] = "{}[]\":,\\u0123456789eE+-.tfnrl \t\n\x80\xc3\xa9\xff\xed";
    unsigned seed = 1234;
    char buf[sizeof base + 16];
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = sizeof base - 1;
        memcpy(buf, base, n);
        int edits = 1 + rand_r(&seed) % 3;
        for (int e = 0; e < edits; e++) {
            size_t at = (size_t)rand_r(&seed) % n;
            int kind = rand_r(&seed) % 3;
            char c = alphabet[rand_r(&seed) % (sizeof alphabet - 1)];
            if (kind == 0) {
                buf[at] = c;                                   /* replace */
            } else if (kind == 1 && n + 1 < sizeof buf) {
                memmove(buf + at + 1, buf + at, n - at);       /* insert */
                buf[at] = c;
                n++;
            } else if (n > 1) {
                memmove(buf + at, buf + at + 1, n - at - 1);   /* delete */
                n--;
            }
        }
        agree(buf, n);
        agree(buf, (size_t)rand_r(&seed) % (n + 1));          /* and a truncation */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edge_cases),
        cmocka_unit_test(test_string_word_boundaries),
        cmocka_unit_test(test_build_escapes),
        cmocka_unit_test(test_build_skip),
        cmocka_unit_test(test_build_duplicates),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_event_id),
        cmocka_unit_test(test_random_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
