/* Fingerprints end to end through grouping_compute: variants, leaf values, precedence, chains,
 * exception groups, threads, messages, custom/hybrid fingerprints, hostile events, canonical text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grouping/grouping.h"
#include "grouping/internal.h"

struct res {
    json_t *info;
    struct grouping_result r;
};

static void run(struct res *out, const char *ev_json)
{
    json_error_t je;
    json_t *ev = json_loads(ev_json, 0, &je);
    if (!ev)
        fail_msg("bad test JSON: %s", je.text);
    char err[ERRMSG_SIZE];
    assert_int_equal(grouping_compute(ev, NULL, &out->r, err), 0);
    out->info = json_loads(out->r.info_json, 0, &je);
    assert_non_null(out->info);
    json_decref(ev);
}

static void done(struct res *r)
{
    json_decref(r->info);
    grouping_result_free(&r->r);
}

static const char *vhash(struct res *r, const char *variant)
{
    json_t *v = json_object_get(json_object_get(r->info, "variants"), variant);
    return v ? json_string_value(json_object_get(v, "hash")) : NULL;
}

static void expect_md5(const char *got, const char *const *vals, size_t n)
{
    char want[33];
    gcomp_hash_values(vals, n, NULL, want);
    if (!got || strcmp(got, want) != 0)
        fail_msg("hash %s, want md5 of %zu values = %s", got ? got : "(null)", n, want);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_app_and_system_variants(void **state)
{
    (void)state;
    struct res r;
    run(&r, "{\"platform\":\"python\",\"exception\":{\"values\":[{\"type\":\"KeyError\",\"value\":\"'u 5'\","
            "\"stacktrace\":{\"frames\":["
            "{\"module\":\"lib.x\",\"function\":\"call\",\"context_line\":\"  go()\",\"in_app\":false},"
            "{\"module\":\"app.y\",\"function\":\"go\",\"context_line\":\"return d[k]\",\"in_app\":true}]}}]}}");
    const char *app[] = {"app.y", "go", "return d[k]", "KeyError"};
    const char *sys[] = {"lib.x", "call", "go()", "app.y", "go", "return d[k]", "KeyError"};
    expect_md5(vhash(&r, "app"), app, N(app));
    expect_md5(vhash(&r, "system"), sys, N(sys));
    assert_int_equal(r.r.n_hashes, 2);
    assert_string_equal(r.r.hashes[0], vhash(&r, "app")); /* system is looked up last */
    assert_string_equal(r.r.title, "KeyError: 'u 5'");
    assert_string_equal(r.r.culprit, "app.y in go");
    assert_string_equal(r.r.platform, "python");
    done(&r);

    /* no in-app frame: app falls back to nothing, system carries the stack */
    run(&r, "{\"platform\":\"python\",\"exception\":{\"values\":[{\"type\":\"E\",\"value\":\"v 1\","
            "\"stacktrace\":{\"frames\":[{\"module\":\"m\",\"function\":\"f\"}]}}]}}");
    assert_null(vhash(&r, "app"));
    const char *s2[] = {"m", "f", "E"};
    expect_md5(vhash(&r, "system"), s2, N(s2));
    assert_int_equal(r.r.n_hashes, 1);
    done(&r);

    /* exception without stack trace: type + parameterised value */
    run(&r, "{\"exception\":{\"values\":[{\"type\":\"ValueError\",\"value\":\"user 123 not found\"}]}}");
    const char *tv[] = {"ValueError", "user <int> not found"};
    expect_md5(vhash(&r, "app"), tv, N(tv));
    done(&r);
    /* ... so the same bug with another id lands in the same issue */
    run(&r, "{\"exception\":{\"values\":[{\"type\":\"ValueError\",\"value\":\"user 456 not found\"}]}}");
    expect_md5(vhash(&r, "app"), tv, N(tv));
    done(&r);
}

static void test_message_and_fallback(void **state)
{
    (void)state;
    struct res r;
    run(&r, "{\"logentry\":{\"message\":\"Login %s failed\",\"params\":[\"bob\"],\"formatted\":\"Login bob failed\"}}");
    const char *m[] = {"Login %s failed"};
    expect_md5(vhash(&r, "default"), m, 1);
    assert_string_equal(r.r.title, "Login bob failed");
    done(&r);
    run(&r, "{\"message\":\"disk 93% full on 10.1.2.3\"}");
    const char *m2[] = {"disk <int>% full on <ip>"};
    expect_md5(vhash(&r, "default"), m2, 1);
    done(&r);
    run(&r, "{\"level\":\"warn\"}");
    assert_string_equal(r.r.hashes[0], "d41d8cd98f00b204e9800998ecf8427e");
    assert_string_equal(r.r.level, "warning");
    done(&r);
    /* exception wins over the message */
    run(&r, "{\"message\":\"hello\",\"exception\":{\"values\":[{\"type\":\"E\"}]}}");
    const char *e[] = {"E"};
    expect_md5(vhash(&r, "app"), e, 1);
    assert_null(vhash(&r, "default"));
    done(&r);
}

static void test_custom_fingerprints(void **state)
{
    (void)state;
    struct res r;
    run(&r, "{\"message\":\"m\",\"fingerprint\":[\"rpc\",\"{{ transaction }}\",42],\"transaction\":\"/api\"}");
    const char *c[] = {"rpc", "/api", "42"};
    expect_md5(vhash(&r, "custom_fingerprint"), c, N(c));
    assert_null(vhash(&r, "default"));
    assert_int_equal(r.r.n_hashes, 1);
    done(&r);
    run(&r, "{\"message\":\"m 1\",\"fingerprint\":[\"{{default}}\",\"x\"]}");
    const char *h[] = {"m <int>", "x"};
    expect_md5(vhash(&r, "default"), h, N(h));
    done(&r);
    run(&r, "{\"message\":\"m\",\"fingerprint\":[\"{{ default }}\"]}");
    const char *d[] = {"m"};
    expect_md5(vhash(&r, "default"), d, 1);
    done(&r);
    run(&r, "{\"checksum\":\"0123456789abcdef0123456789abcdef\",\"message\":\"x\"}");
    assert_string_equal(r.r.hashes[0], "0123456789abcdef0123456789abcdef");
    done(&r);
}

static void test_chains_and_groups(void **state)
{
    (void)state;
    struct res r;
    /* a plain chain: both exceptions contribute in order (oldest first) */
    run(&r, "{\"exception\":{\"values\":[{\"type\":\"IOError\",\"value\":\"a\"},{\"type\":\"JobError\",\"value\":\"b\"}]}}");
    const char *ch[] = {"IOError", "a", "JobError", "b"};
    expect_md5(vhash(&r, "app"), ch, N(ch));
    assert_string_equal(r.r.title, "JobError: b");
    done(&r);
    /* exception group with one distinct child type: the group wrapper is dropped */
    run(&r, "{\"exception\":{\"values\":["
            "{\"type\":\"ValueError\",\"value\":\"x\",\"mechanism\":{\"type\":\"chained\",\"exception_id\":2,\"parent_id\":0}},"
            "{\"type\":\"ValueError\",\"value\":\"x\",\"mechanism\":{\"type\":\"chained\",\"exception_id\":1,\"parent_id\":0}},"
            "{\"type\":\"ExceptionGroup\",\"value\":\"2 errors\",\"mechanism\":{\"type\":\"generic\",\"exception_id\":0,\"is_exception_group\":true}}]}}");
    const char *one[] = {"ValueError", "x"};
    expect_md5(vhash(&r, "app"), one, N(one));
    assert_string_equal(r.r.title, "ValueError: x");
    done(&r);
    /* broken tree (duplicate id): unfiltered chain */
    run(&r, "{\"exception\":{\"values\":["
            "{\"type\":\"A\",\"mechanism\":{\"exception_id\":1,\"parent_id\":0}},"
            "{\"type\":\"B\",\"mechanism\":{\"exception_id\":1,\"parent_id\":0}},"
            "{\"type\":\"G\",\"mechanism\":{\"exception_id\":0,\"is_exception_group\":true}}]}}");
    const char *all[] = {"A", "B", "G"};
    expect_md5(vhash(&r, "app"), all, N(all));
    done(&r);
    /* cycle: unfiltered, no hang */
    run(&r, "{\"exception\":{\"values\":["
            "{\"type\":\"A\",\"mechanism\":{\"exception_id\":1,\"parent_id\":0,\"is_exception_group\":true}},"
            "{\"type\":\"G\",\"mechanism\":{\"exception_id\":0,\"parent_id\":1,\"is_exception_group\":true}}]}}");
    const char *cyc[] = {"A", "G"};
    expect_md5(vhash(&r, "app"), cyc, N(cyc));
    done(&r);
}

static void test_threads(void **state)
{
    (void)state;
    struct res r;
    run(&r, "{\"platform\":\"native\",\"threads\":{\"values\":["
            "{\"id\":1,\"stacktrace\":{\"frames\":[{\"function\":\"idle\",\"in_app\":true}]}},"
            "{\"id\":2,\"crashed\":true,\"stacktrace\":{\"frames\":[{\"function\":\"boom(int)\",\"in_app\":true}]}}]}}");
    const char *t[] = {"boom"};
    expect_md5(vhash(&r, "app"), t, 1);
    done(&r);
    /* ambiguous: two crashed threads, nothing else -> fallback */
    run(&r, "{\"threads\":{\"values\":[{\"crashed\":true,\"stacktrace\":{\"frames\":[{\"function\":\"a\"}]}},"
            "{\"crashed\":true,\"stacktrace\":{\"frames\":[{\"function\":\"b\"}]}}]}}");
    assert_string_equal(r.r.hashes[0], "d41d8cd98f00b204e9800998ecf8427e");
    done(&r);
}

static void test_security_and_template(void **state)
{
    (void)state;
    struct res r;
    /* CSP: directive salt + blocked host; the message loses to the report */
    run(&r, "{\"csp\":{\"blocked_uri\":\"https://cdn.example.com/x.js\",\"violated_directive\":\"script-src\","
            "\"effective_directive\":\"script-src\"},\"logentry\":{\"formatted\":\"Blocked\"}}");
    const char *c1[] = {"script-src", "cdn.example.com"};
    expect_md5(vhash(&r, "default"), c1, N(c1));
    done(&r);
    /* local inline script: the violation replaces the URI */
    run(&r, "{\"csp\":{\"blocked_uri\":\"self\",\"violated_directive\":\"script-src 'self' 'unsafe-inline'\","
            "\"effective_directive\":\"script-src\"}}");
    const char *c2[] = {"script-src", "'unsafe-inline'"};
    expect_md5(vhash(&r, "default"), c2, N(c2));
    done(&r);
    run(&r, "{\"csp\":{\"blocked_uri\":\"data\",\"effective_directive\":\"img-src\"}}");
    const char *c3[] = {"img-src", "data:"};
    expect_md5(vhash(&r, "default"), c3, N(c3));
    done(&r);
    run(&r, "{\"hpkp\":{\"hostname\":\"www.example.com\"}}");
    const char *h[] = {"hpkp", "www.example.com"};
    expect_md5(vhash(&r, "default"), h, N(h));
    done(&r);
    run(&r, "{\"template\":{\"filename\":\"views/Index.html\",\"context_line\":\"{{ x.y }}\"},"
            "\"exception\":{\"values\":[{\"type\":\"E\"}]}}");
    const char *e[] = {"E"};
    expect_md5(vhash(&r, "app"), e, 1); /* exceptions outrank templates */
    assert_null(vhash(&r, "default"));
    done(&r);
    run(&r, "{\"template\":{\"filename\":\"views/Index.html\",\"context_line\":\"{{ x.y }}\"}}");
    const char *t[] = {"Index.html", "{{ x.y }}"};
    expect_md5(vhash(&r, "default"), t, N(t));
    done(&r);
}

static void test_hostile(void **state)
{
    (void)state;
    /* 100k frames and a 10k-exception chain: bounded, fast, no crash */
    struct buf b = BUF_INIT;
    buf_puts(&b, "{\"platform\":\"python\",\"exception\":{\"values\":[");
    for (int i = 0; i < 10000; i++)
        buf_printf(&b, "%s{\"type\":\"E%d\",\"value\":\"v\"}", i ? "," : "", i);
    buf_puts(&b, ",{\"type\":\"Last\",\"stacktrace\":{\"frames\":[");
    for (int i = 0; i < 100000; i++)
        buf_printf(&b, "%s{\"function\":\"f%d\",\"module\":\"m\",\"lineno\":%d,\"in_app\":true}", i ? "," : "", i % 7, i);
    buf_puts(&b, "]}}]}}");
    clock_t t0 = clock();
    struct res r;
    run(&r, b.data);
    assert_true(r.r.n_hashes >= 1);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
    done(&r);
    buf_free(&b);
    /* wrong types everywhere */
    run(&r, "{\"exception\":{\"values\":{\"a\":1}},\"threads\":[1,2],\"stacktrace\":{\"frames\":[1,[],{\"function\":[]}]},"
            "\"fingerprint\":[{}],\"message\":{\"formatted\":5},\"platform\":{}}");
    assert_true(r.r.n_hashes >= 1);
    done(&r);
    char err[ERRMSG_SIZE];
    struct grouping_result gr;
    json_t *arr = json_array();
    assert_int_not_equal(grouping_compute(arr, NULL, &gr, err), 0);
    json_decref(arr);
}

static void test_canonical_text(void **state)
{
    (void)state;
    json_error_t je;
    json_t *ev = json_loads(
        "{\"platform\":\"python\",\"exception\":{\"values\":["
        "{\"type\":\"KeyError\",\"value\":\"'id 7'\",\"stacktrace\":{\"frames\":["
        "{\"module\":\"app.a\",\"filename\":\"app/a.py\",\"function\":\"outer\",\"context_line\":\"inner()\",\"in_app\":true},"
        "{\"module\":\"app.b\",\"filename\":\"app/b.py\",\"function\":\"inner\",\"context_line\":\"d[k]\",\"in_app\":true}]}},"
        "{\"type\":\"JobError\",\"value\":\"job failed\"}]}}", 0, &je);
    assert_non_null(ev);
    struct buf out = BUF_INIT;
    char err[ERRMSG_SIZE];
    assert_int_equal(grouping_canonical_text(ev, NULL, GROUPING_TEXT_SEER, &out, err), 0);
    assert_string_equal(out.data, "JobError: job failed\nKeyError: 'id <int>'\n"
                                  "  File \"a.py\", function outer\n    inner()\n"
                                  "  File \"b.py\", function inner\n    d[k]");
    buf_reset(&out);
    assert_int_equal(grouping_canonical_text(ev, NULL, GROUPING_TEXT_CRASH_FIRST, &out, err), 0);
    assert_string_equal(out.data, "KeyError: 'id <int>'\n"
                                  "  File \"b.py\", function inner\n    d[k]\n"
                                  "  File \"a.py\", function outer\n    inner()\n"
                                  "JobError: job failed");
    assert_int_not_equal(grouping_canonical_text(ev, NULL, 7, &out, err), 0);
    buf_free(&out);
    json_decref(ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_app_and_system_variants),
        cmocka_unit_test(test_message_and_fallback),
        cmocka_unit_test(test_custom_fingerprints),
        cmocka_unit_test(test_chains_and_groups),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_security_and_template),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_canonical_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
