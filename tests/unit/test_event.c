/* Event model: shapes SDKs send, and hostile ones (wrong types, huge traces, deep chains). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <time.h>

#include "event/event.h"
#include "util/buf.h"

static json_t *load(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);
    assert_non_null(j);
    return j;
}

static void test_basic_shapes(void **state)
{
    (void)state;
    json_t *j = load("{\"platform\":\"python\",\"sdk\":{\"name\":\"sentry.python\",\"version\":\"2.1\"},"
                     "\"exception\":[{\"type\":\"ValueError\",\"value\":\"bad\",\"mechanism\":{\"type\":\"x\","
                     "\"exception_id\":0,\"is_exception_group\":true},"
                     "\"stacktrace\":{\"frames\":[null,{\"filename\":\"a/b.py\",\"function\":\"f\",\"lineno\":3,"
                     "\"in_app\":true,\"data\":{\"sourcemap\":\"x\"}}]}}],"
                     "\"message\":\"hello\",\"fingerprint\":[\"a\",12,null],\"tags\":[[\"k\",\"v\"]]}");
    struct event e;
    char err[ERRMSG_SIZE];
    assert_int_equal(event_parse(j, &e, err), 0);
    assert_string_equal(e.platform, "python");
    assert_string_equal(e.sdk_version, "2.1");
    assert_int_equal(e.n_exceptions, 1);
    assert_string_equal(e.exceptions[0].type, "ValueError");
    assert_true(e.exceptions[0].mech.is_exception_group);
    assert_true(e.exceptions[0].mech.has_exception_id);
    assert_int_equal(e.exceptions[0].st.n, 1); /* null frame dropped */
    const struct ev_frame *f = &e.exceptions[0].st.frames[0];
    assert_string_equal(f->abs_path, "a/b.py"); /* Relay: abs_path from filename */
    assert_string_equal(f->filename, "a/b.py");
    assert_int_equal(f->in_app, 1);
    assert_true(f->has_sourcemap);
    assert_true(f->has_lineno);
    assert_string_equal(e.log_formatted, "hello");
    assert_int_equal(e.n_fingerprint, 2);
    assert_string_equal(e.fingerprint[1], "12");
    assert_string_equal(event_tag(&e, "k"), "v");
    event_free(&e);
    json_decref(j);
}

static void test_wrong_types(void **state)
{
    (void)state;
    json_t *j = load("{\"platform\":42,\"exception\":{\"values\":[1,\"x\",{\"type\":7,\"value\":3.5,"
                     "\"stacktrace\":{\"frames\":{\"not\":\"array\"}}},{\"value\":\"TypeError: boom\"}]},"
                     "\"threads\":\"nope\",\"stacktrace\":[],\"logentry\":7,\"fingerprint\":\"x\","
                     "\"level\":[],\"sdk\":\"s\"}");
    struct event e;
    char err[ERRMSG_SIZE];
    assert_int_equal(event_parse(j, &e, err), 0);
    assert_string_equal(e.platform, "other");
    assert_int_equal(e.n_exceptions, 2);
    assert_null(e.exceptions[0].type);
    assert_string_equal(e.exceptions[0].value, "3.5");
    assert_false(e.exceptions[0].has_stacktrace);
    assert_string_equal(e.exceptions[1].type, "TypeError"); /* Relay's "Type: value" split */
    assert_string_equal(e.exceptions[1].value, "boom");
    assert_false(e.has_threads);
    assert_false(e.has_fingerprint);
    assert_null(e.level);
    event_free(&e);
    json_decref(j);

    assert_int_equal(event_parse(NULL, &e, err), -1);
    j = json_array();
    assert_int_equal(event_parse(j, &e, err), -1);
    assert_non_null(strstr(err, "not a JSON object"));
    json_decref(j);
}

static void test_url_filename_and_platforms(void **state)
{
    (void)state;
    json_t *j = load("{\"platform\":\"javascript\",\"stacktrace\":{\"frames\":[{\"abs_path\":"
                     "\"https://example.com/static/app.min.js?v=3#x\",\"function\":\"a\",\"platform\":\"bogus\"}]}}");
    struct event e;
    char err[ERRMSG_SIZE];
    assert_int_equal(event_parse(j, &e, err), 0);
    assert_true(e.has_stacktrace);
    assert_string_equal(e.st.frames[0].filename, "/static/app.min.js");
    assert_string_equal(e.st.frames[0].platform, "other");
    assert_int_equal(event_platform_family("node"), EVENT_FAMILY_JAVASCRIPT);
    assert_int_equal(event_platform_family("cocoa"), EVENT_FAMILY_NATIVE);
    assert_int_equal(event_platform_family("java"), EVENT_FAMILY_OTHER);
    event_free(&e);
    json_decref(j);
}

static void test_top_stacktrace_moves_into_single_exception(void **state)
{
    (void)state;
    json_t *j = load("{\"exception\":{\"values\":[{\"type\":\"E\"}]},\"stacktrace\":{\"frames\":[{\"function\":\"f\"}]}}");
    struct event e;
    char err[ERRMSG_SIZE];
    assert_int_equal(event_parse(j, &e, err), 0);
    assert_true(e.exceptions[0].has_stacktrace);
    assert_false(e.has_stacktrace);
    event_free(&e);
    json_decref(j);
}

/* 100k frames and a 10k-long chain: bounded work and memory, newest kept. */
static void test_huge(void **state)
{
    (void)state;
    json_t *ev = json_object(), *frames = json_array();
    for (int i = 0; i < 100000; i++) {
        json_t *f = json_object();
        json_object_set_new(f, "function", json_sprintf("f%d", i));
        json_array_append_new(frames, f);
    }
    json_t *st = json_object();
    json_object_set_new(st, "frames", frames);
    json_t *values = json_array();
    for (int i = 0; i < 10000; i++) {
        json_t *x = json_object();
        json_object_set_new(x, "type", json_sprintf("E%d", i));
        if (i == 9999)
            json_object_set(x, "stacktrace", st);
        json_array_append_new(values, x);
    }
    json_decref(st);
    json_t *exc = json_object();
    json_object_set_new(exc, "values", values);
    json_object_set_new(ev, "exception", exc);
    clock_t t0 = clock();
    struct event e;
    char err[ERRMSG_SIZE];
    assert_int_equal(event_parse(ev, &e, err), 0);
    assert_int_equal(e.n_exceptions, EVENT_MAX_EXCEPTIONS);
    assert_string_equal(e.exceptions[e.n_exceptions - 1].type, "E9999");
    const struct ev_stacktrace *s = &e.exceptions[e.n_exceptions - 1].st;
    assert_int_equal(s->n, EVENT_MAX_FRAMES);
    assert_int_equal(s->n_original, 100000);
    assert_string_equal(s->frames[s->n - 1].function, "f99999");
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0);
    event_free(&e);
    json_decref(ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_shapes),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_url_filename_and_platforms),
        cmocka_unit_test(test_top_stacktrace_moves_into_single_exception),
        cmocka_unit_test(test_huge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
