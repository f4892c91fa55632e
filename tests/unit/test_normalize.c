/* Normalisation rules: message parameterisation, function trimming, per-frame clean-ups. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "grouping/grouping.h"
#include "grouping/internal.h"

static void check_param(const char *in, const char *want)
{
    struct buf b = BUF_INIT;
    assert_int_equal(gparam_normalize(in, &b), 0);
    if (strcmp(b.data ? b.data : "", want) != 0)
        fail_msg("parameterize(%s) = '%s', want '%s'", in, b.data, want);
    buf_free(&b);
}

static void test_parameterization_patterns(void **state)
{
    (void)state;
    check_param("user 123 not found", "user <int> not found");
    check_param("mail bob.smith+x@example.co.uk now", "mail <email> now");
    check_param("GET https://api.example.com/v1/users?id=3 failed", "GET <url> failed");
    check_param("host db1.example.com down", "host <hostname> down");
    check_param("connect to 192.168.10.254 refused", "connect to <ip> refused");
    check_param("peer 2001:db8:0:0:0:0:2:1 gone", "peer <ip> gone");
    check_param("Foo::bar() failed", "Foo::bar() failed"); /* not an IPv6 address */
    check_param("trace 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                "trace <traceparent>");
    check_param("id 550e8400-e29b-41d4-a716-446655440000", "id <uuid>");
    check_param("sha da39a3ee5e6b4b0d3255bfef95601890afd80709", "sha <sha1>");
    check_param("md5 d41d8cd98f00b204e9800998ecf8427e", "md5 <md5>");
    check_param("at 2024-01-02T10:11:12Z ok", "at <date> ok");
    check_param("on 2024-01-02 ok", "on <date> ok");
    check_param("at 10:11:12 ok", "at <date> ok");
    check_param("Mon, 02 Jan 2006 15:04:05 MST", "<date>");
    check_param("took 300ms", "took <duration>");
    check_param("took 1.5s", "took <duration>");
    check_param("addr 0xDEADbeef", "addr <hex>");
    check_param("tok 12345678 end", "tok <hex> end");
    check_param("tok abc1 end", "tok <hex> end");
    check_param("commit deadbe7 end", "commit <git_sha> end");
    check_param("ratio 3.14 and -2.5", "ratio <float> and <float>");
    check_param("count -42 and 7", "count <int> and <int>");
    check_param("key='abc def' other", "key=<quoted_str> other");
    check_param("flag=true x=False", "flag=<bool> x=<bool>");
    check_param("true and 'quoted'", "true and 'quoted'"); /* only after '=' */
    check_param("plain words only", "plain words only");
    check_param("", "");
}

static void test_message_trimming(void **state)
{
    (void)state;
    check_param("first\n\n  \nsecond\nthird", "first\nsecond...");
    check_param("one line\n", "one line...");
    check_param("a\r\nb", "a\nb...");
    check_param("single", "single");
}

static void check_trim(const char *in, const char *platform, const char *want)
{
    /* twice: the second answer comes from the per-thread memo, and must outlive it (a copy) */
    for (int round = 0; round < 2; round++) {
        struct garena a;
        garena_init(&a);
        const char *got = gfunc_trim(&a, in, platform);
        if (strcmp(got, want) != 0)
            fail_msg("trim(%s, %s) = '%s', want '%s' (round %d)", in, platform, got, want, round);
        assert_true(got == in || (got >= a.first && got < a.first + sizeof a.first));
        garena_free(&a);
    }
}

static void test_function_trimming(void **state)
{
    (void)state;
    check_trim("int main(int, char**)", "native", "main");
    check_trim("std::vector<int>::push_back(int const&) const", "native", "std::vector<T>::push_back");
    check_trim("unsigned int (anonymous namespace)::foo(int)", "native",
               "(anonymous namespace)::foo");
    check_trim("<Foo as Bar>::baz", "native", "Foo::baz");
    check_trim("core::panicking::panic::h1234567890abcdef", "native", "core::panicking::panic");
    check_trim("_Foo@12", "native", "_Foo");
    check_trim("-[NSObject doThing:]", "cocoa", "-[NSObject doThing:]");
    check_trim("Swift.Array.subscript.getter -> Int", "native", "Swift.Array.subscript.getter");
    check_trim("MyClass.Method (System.String arg)", "csharp", "MyClass.Method");
    check_trim("foo(bar)", "python", "foo(bar)"); /* other platforms untouched */
    check_trim("<redacted>", "native", "<redacted>");
}

/* helpers over grouping_compute */
static json_t *info_of(const char *event_json, const char *rules)
{
    json_error_t je;
    json_t *ev = json_loads(event_json, 0, &je);
    assert_non_null(ev);
    struct grouping_config cfg = {.enhancements = rules};
    struct grouping_result r;
    char err[ERRMSG_SIZE];
    assert_int_equal(grouping_compute(ev, &cfg, &r, err), 0);
    json_t *info = json_loads(r.info_json, 0, &je);
    assert_non_null(info);
    grouping_result_free(&r);
    json_decref(ev);
    return info;
}

/* component `id` of frame i in the system variant's first stack trace */
static json_t *frame_of(json_t *info, const char *variant, int i)
{
    json_t *c = json_object_get(json_object_get(json_object_get(info, "variants"), variant), "component");
    /* descend to the first "stacktrace" */
    for (int depth = 0; depth < 6 && c; depth++) {
        if (!strcmp(json_string_value(json_object_get(c, "id")), "stacktrace"))
            return json_array_get(json_object_get(c, "values"), (size_t)i);
        json_t *vals = json_object_get(c, "values"), *next = NULL;
        for (size_t k = 0; k < json_array_size(vals); k++) {
            json_t *v = json_array_get(vals, k);
            const char *id = json_string_value(json_object_get(v, "id"));
            if (id && (!strcmp(id, "stacktrace") || !strcmp(id, "exception") ||
                       !strcmp(id, "threads") || !strcmp(id, "chained-exception"))) {
                next = v;
                break;
            }
        }
        c = next;
    }
    return NULL;
}

static json_t *part(json_t *frame, const char *id)
{
    json_t *vals = json_object_get(frame, "values");
    for (size_t k = 0; k < json_array_size(vals); k++)
        if (!strcmp(json_string_value(json_object_get(json_array_get(vals, k), "id")), id))
            return json_array_get(vals, k);
    return NULL;
}

static const char *val(json_t *c) { return json_string_value(json_array_get(json_object_get(c, "values"), 0)); }
static int contributes(json_t *c) { return json_is_true(json_object_get(c, "contributes")); }
static const char *hint(json_t *c) { return json_string_value(json_object_get(c, "hint")); }

/* Context lines: indentation and whitespace runs collapse, and the 120 code point limit applies to
 * the line as sent (Sentry measures the raw line): 4 spaces + 118 bytes is too long though its
 * collapsed form is not, 120 bytes in all is not. */
static void test_context_lines(void **state)
{
    (void)state;
    char a118[119], a116[117];
    memset(a118, 'a', 118);
    a118[118] = '\0';
    memset(a116, 'a', 116);
    a116[116] = '\0';
    char ev[2048];
    snprintf(ev, sizeof ev,
             "{\"platform\":\"python\",\"exception\":{\"values\":[{\"type\":\"E\",\"stacktrace\":{\"frames\":["
             "{\"function\":\"f0\",\"context_line\":\"    return a(b) or c\"},"
             "{\"function\":\"f1\",\"context_line\":\"x = y \"},"
             "{\"function\":\"f2\",\"context_line\":\"x  = \\ty\"},"
             "{\"function\":\"f3\",\"context_line\":\"    %s\"},"
             "{\"function\":\"f4\",\"context_line\":\"    %s\"},"
             "{\"function\":\"f5\",\"context_line\":\"  caf\u00e9 = 1\"}"
             "]}}]}}", a118, a116);
    json_t *info = info_of(ev, NULL);
    assert_string_equal(val(part(frame_of(info, "system", 0), "context-line")), "return a(b) or c");
    assert_string_equal(val(part(frame_of(info, "system", 1), "context-line")), "x = y");
    assert_string_equal(val(part(frame_of(info, "system", 2), "context-line")), "x = y");
    json_t *long_line = part(frame_of(info, "system", 3), "context-line");
    assert_string_equal(val(long_line), a118);
    assert_false(contributes(long_line));
    assert_string_equal(hint(long_line), "ignored because line is too long");
    json_t *just_fits = part(frame_of(info, "system", 4), "context-line");
    assert_true(contributes(just_fits));
    assert_string_equal(val(just_fits), a116);
    assert_string_equal(val(part(frame_of(info, "system", 5), "context-line")), "caf\xc3\xa9 = 1");
    json_decref(info);
}

static void test_frame_rules(void **state)
{
    (void)state;
    json_t *info = info_of(
        "{\"platform\":\"python\",\"exception\":{\"values\":[{\"type\":\"E\",\"stacktrace\":{\"frames\":["
        "{\"filename\":\"C:\\\\App\\\\Views.PY\",\"function\":\"a\",\"context_line\":\"  x  =\\t 1 \"},"
        "{\"filename\":\"v.py\",\"function\":\"r\",\"lineno\":3},"
        "{\"filename\":\"v.py\",\"function\":\"r\",\"lineno\":3},"
        "{\"abs_path\":\"https://h/x.py\",\"function\":\"u\",\"context_line\":\"" 
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}"
        "]}}]}}", NULL);
    json_t *f0 = frame_of(info, "system", 0);
    assert_string_equal(val(part(f0, "filename")), "views.py");
    assert_string_equal(val(part(f0, "context-line")), "x = 1");
    json_t *f2 = frame_of(info, "system", 2);
    assert_false(contributes(f2));
    assert_string_equal(hint(f2), "ignored due to recursion");
    assert_true(contributes(frame_of(info, "system", 1)));
    json_t *f3 = frame_of(info, "system", 3);
    assert_false(contributes(part(f3, "filename")));
    assert_string_equal(hint(part(f3, "filename")), "ignored because frame points to a URL");
    assert_false(contributes(part(f3, "context-line")));
    assert_string_equal(hint(part(f3, "context-line")), "ignored because line is too long");
    json_decref(info);

    /* context lines are not used for java; lambdas and codegen markers are cleaned */
    info = info_of(
        "{\"platform\":\"java\",\"exception\":{\"values\":[{\"type\":\"E\",\"stacktrace\":{\"frames\":["
        "{\"module\":\"com.x.Foo$$EnhancerBySpringCGLIB$$abc123\",\"function\":\"run\",\"context_line\":\"x\"},"
        "{\"module\":\"com.x.Bar$$Lambda$12/0x0000\",\"function\":\"lambda$go$0\"},"
        "{\"module\":\"sun.reflect.GeneratedMethodAccessor42\",\"function\":\"invoke\"},"
        "{\"module\":\"com.x.User$HibernateProxy$oRWxjAWT\",\"function\":\"get\"},"
        "{\"module\":\"myapp.core$fn__12345\",\"function\":\"invoke\"}"
        "]}}]}}", NULL);
    f0 = frame_of(info, "system", 0);
    assert_null(part(f0, "context-line"));
    assert_string_equal(val(part(f0, "module")), "com.x.Foo$$EnhancerBySpringCGLIB$$<auto>");
    json_t *f1 = frame_of(info, "system", 1);
    assert_false(contributes(part(f1, "module")));
    assert_false(contributes(part(f1, "function")));
    assert_string_equal(val(part(frame_of(info, "system", 2), "module")), "sun.reflect.GeneratedMethodAccessor");
    assert_string_equal(val(part(frame_of(info, "system", 3), "module")), "com.x.User$HibernateProxy$<auto>");
    assert_string_equal(val(part(frame_of(info, "system", 4), "module")), "myapp.core$fn__<auto>");
    json_decref(info);

    /* javascript: Object. prefix, anonymous and eval/native frames */
    info = info_of(
        "{\"platform\":\"javascript\",\"exception\":{\"values\":[{\"type\":\"E\",\"stacktrace\":{\"frames\":["
        "{\"filename\":\"app.js\",\"function\":\"Object.handler\"},"
        "{\"filename\":\"app.js\",\"function\":\"<anonymous>\"},"
        "{\"filename\":\"app.js\",\"function\":\"eval\"},"
        "{\"abs_path\":\"[native code]\",\"function\":\"forEach\"}"
        "]}}]}}", NULL);
    assert_string_equal(val(part(frame_of(info, "system", 0), "function")), "handler");
    assert_false(contributes(part(frame_of(info, "system", 1), "function")));
    assert_string_equal(hint(frame_of(info, "system", 2)), "ignored low quality javascript frame");
    assert_false(contributes(frame_of(info, "system", 3)));
    json_decref(info);

    /* ruby blocks and erb templates, php anonymous classes */
    info = info_of(
        "{\"platform\":\"ruby\",\"exception\":{\"values\":[{\"type\":\"E\",\"stacktrace\":{\"frames\":["
        "{\"filename\":\"a.rb\",\"function\":\"block (2 levels) in foo\"},"
        "{\"filename\":\"a.erb\",\"function\":\"_app_views_x_erb__1234_5678\"}]}}]}}", NULL);
    assert_string_equal(val(part(frame_of(info, "system", 0), "function")), "block");
    assert_string_equal(val(part(frame_of(info, "system", 1), "function")), "_app_views_x_erb");
    json_decref(info);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parameterization_patterns),
        cmocka_unit_test(test_message_trimming),
        cmocka_unit_test(test_function_trimming),
        cmocka_unit_test(test_context_lines),
        cmocka_unit_test(test_frame_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
