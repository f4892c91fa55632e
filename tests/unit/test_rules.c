/* Stack trace rules and fingerprint rules: parsing (valid lines, line-precise errors) and effect. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grouping/grouping.h"
#include "grouping/internal.h"

extern const char grouping_builtin_enhancements[];

static void valid(int kind, const char *text)
{
    char err[ERRMSG_SIZE];
    if (grouping_validate_rules(kind, text, err) != 0)
        fail_msg("rules rejected: %s\n%s", err, text);
}

static void invalid(int kind, const char *text, const char *want_in_err)
{
    char err[ERRMSG_SIZE];
    assert_int_not_equal(grouping_validate_rules(kind, text, err), 0);
    if (!strstr(err, want_in_err))
        fail_msg("error '%s' lacks '%s'", err, want_in_err);
}

static void test_enhancement_syntax(void **state)
{
    (void)state;
    int K = GROUPING_RULES_ENHANCEMENTS;
    valid(K, "");
    valid(K, "# only a comment\n\n");
    valid(K, "path:**/vendor/** -app\n");
    valid(K, "stack.function:foo* +group  # trailing comment\n");
    valid(K, "family:native,javascript !app:yes -group ^-group v+app\n");
    valid(K, "function:\"a b\" module:x.* category=db max-frames=3 min-frames=1\n");
    valid(K, "[ function:caller ] | function:me | [ function:callee ] -group\n");
    valid(K, "error.type:ValueError error.value:*bad* error.mechanism:generic -app\n");
    valid(K, "path:x invert-stacktrace=1\r\n");
    valid(K, grouping_builtin_enhancements);
    invalid(K, "path:**/vendor/**\n", "line 1: rule has no action");
    invalid(K, "\n\nfoo:bar -app\n", "line 3: unknown matcher 'foo'");
    invalid(K, "path:x -app\npath:y +fly\n", "line 2: unknown action");
    invalid(K, "path:x max-frames=abc\n", "line 1: invalid value 'abc'");
    invalid(K, "path:x colour=red\n", "unknown variable 'colour'");
    invalid(K, "-app\n", "line 1: expected matcher");
    invalid(K, "function:\"unterminated -app\n", "line 1: unterminated");
    invalid(K, "app:maybe -group\n", "line 1: app: expects yes or no");
    invalid(K, "[ function:x  -group\n", "line 1: expected ']'");
    /* a second callee once overwrote the first, leaking it (fuzzing; the ASan build checks) */
    invalid(K, "function:a | [ function:*to* ] | [ function:*to* ] -group\n", "line 1: a rule has at most one callee");
    invalid(K, "   | [ function:*to* ]  | [ function:*to* ", "line 1: a rule has at most one callee");
}

static void test_fingerprint_syntax(void **state)
{
    (void)state;
    int K = GROUPING_RULES_FINGERPRINT;
    valid(K, "");
    valid(K, "error.type:DatabaseUnavailable -> system-down\n");
    valid(K, "type:\"Some Error\" value:\"*timeout*\" -> timeouts, {{ error.type }}\n");
    valid(K, "stack.function:foo stack.module:bar.* -> {{ default }}, {{ stack.function }} title=\"Foo: {{ error.value }}\"\n");
    valid(K, "tags.server_name:\"db-*\" logger:sql level:error message:\"*conn*\" -> db\n");
    valid(K, "!app:yes family:javascript sdk:sentry.javascript.react release:1.* -> x\n");
    invalid(K, "error.type:X\n", "line 1: expected '->'");
    invalid(K, "\nerror.type:X ->\n", "line 2: empty fingerprint");
    invalid(K, "nope:X -> y\n", "line 1: unknown matcher 'nope'");
    invalid(K, "-> y\n", "line 1: rule has no matcher");
    invalid(K, "type:X -> a title=nope\n", "line 1: title= expects a quoted string");
    /* every blank but '\n' separates (a '\v' after a value once looped forever: fuzzing) */
    valid(K, "error.type:X -> a,\vb\f{{ default }}\v\r\n");
    char err[ERRMSG_SIZE];
    assert_int_not_equal(grouping_validate_rules(99, "x", err), 0);
}

/* Rule texts end up in the grouping info JSON: bytes that are not UTF-8 are refused, with the line
 * (found by fuzzing: a fingerprint rules file with a stray 0x9a byte made the info JSON invalid). */
static void test_rules_utf8(void **state)
{
    (void)state;
    for (int K = GROUPING_RULES_ENHANCEMENTS; K <= GROUPING_RULES_FINGERPRINT; K++) {
        const char *ok = K == GROUPING_RULES_FINGERPRINT ? "error.type:Caf\xc3\xa9 -> \xe2\x82\xac, \xf0\x9f\x98\x80\n"
                                                         : "function:caf\xc3\xa9* -group  # \xe2\x82\xac\n";
        valid(K, ok);
        invalid(K, "# fine\nfunction:k\x9ayerr -> x\n", "line 2: not valid UTF-8 (byte 0x9a)");
        invalid(K, "\n\n# \xed\xa0\x80 surrogate\n", "line 3: not valid UTF-8");
        invalid(K, "module:\xc0\xaf -app\n", "line 1: not valid UTF-8 (byte 0xc0)");   /* overlong */
        invalid(K, "module:x\xe2\x82", "line 1: not valid UTF-8");                     /* cut off */
        invalid(K, "function:\xf4\x90\x80\x80 -app\n", "line 1: not valid UTF-8");   /* > U+10FFFF */
    }
}

/* MD5 of concatenated values, as the test's independent expectation. */
static void md5_of(const char *const *vals, size_t n, char out[33])
{
    gcomp_hash_values(vals, n, NULL, out);
}

static json_t *info_for(const char *ev_json, const char *enh, const char *fp)
{
    json_error_t je;
    json_t *ev = json_loads(ev_json, 0, &je);
    assert_non_null(ev);
    struct grouping_config cfg = {.enhancements = enh, .fingerprint_rules = fp};
    struct grouping_result r;
    char err[ERRMSG_SIZE];
    assert_int_equal(grouping_compute(ev, &cfg, &r, err), 0);
    json_t *info = json_loads(r.info_json, 0, &je);
    json_object_set_new(info, "title", json_string(r.title));
    grouping_result_free(&r);
    json_decref(ev);
    return info;
}

static const char *vhash(json_t *info, const char *variant)
{
    return json_string_value(json_object_get(json_object_get(json_object_get(info, "variants"), variant), "hash"));
}

#define PY_EVENT(frames) \
    "{\"platform\":\"python\",\"exception\":{\"values\":[{\"type\":\"E\",\"value\":\"v\",\"stacktrace\":{\"frames\":[" frames "]}}]}}"

static void test_enhancement_effects(void **state)
{
    (void)state;
    const char *ev = PY_EVENT("{\"module\":\"a\",\"function\":\"f1\",\"in_app\":true},"
                              "{\"module\":\"b\",\"function\":\"f2\",\"in_app\":true},"
                              "{\"module\":\"c\",\"function\":\"f3\",\"in_app\":true}");
    char want[33];
    json_t *info = info_for(ev, NULL, NULL);
    const char *all[] = {"a", "f1", "b", "f2", "c", "f3", "E"};
    md5_of(all, 7, want);
    assert_string_equal(vhash(info, "app"), want);
    assert_null(vhash(info, "system")); /* same hash as app: dropped */
    json_decref(info);

    /* -group on one frame */
    info = info_for(ev, "function:f2 -group\n", NULL);
    const char *no2[] = {"a", "f1", "c", "f3", "E"};
    md5_of(no2, 5, want);
    assert_string_equal(vhash(info, "app"), want);
    json_decref(info);

    /* ^-group: frames above (towards the crash) of the match are ignored */
    info = info_for(ev, "function:f1 ^-group\n", NULL);
    const char *only1[] = {"a", "f1", "E"};
    md5_of(only1, 3, want);
    assert_string_equal(vhash(info, "app"), want);
    json_decref(info);

    /* v-group: frames below */
    info = info_for(ev, "function:f3 v-group\n", NULL);
    const char *only3[] = {"c", "f3", "E"};
    md5_of(only3, 3, want);
    assert_string_equal(vhash(info, "app"), want);
    json_decref(info);

    /* -app on a frame: app hash loses it, system hash keeps everything */
    info = info_for(ev, "module:b -app\n", NULL);
    const char *app13[] = {"a", "f1", "c", "f3", "E"};
    md5_of(app13, 5, want);
    assert_string_equal(vhash(info, "app"), want);
    md5_of(all, 7, want);
    assert_string_equal(vhash(info, "system"), want);
    json_decref(info);

    /* max-frames keeps the newest contributing frames */
    info = info_for(ev, "family:other max-frames=1\n", NULL);
    md5_of(only3, 3, want);
    assert_string_equal(vhash(info, "app"), want);
    json_decref(info);

    /* caller / callee context and category */
    info = info_for(ev, "function:f2 category=mid\n[ category:mid ] | function:f3 -group\n"
                        "function:f1 | [ category:mid ] -group\n", NULL);
    const char *only2[] = {"b", "f2", "E"};
    md5_of(only2, 3, want);
    assert_string_equal(vhash(info, "app"), want);
    json_decref(info);

    /* invalid project rules are ignored (defaults apply), not fatal */
    info = info_for(ev, "this is not a rule\n", NULL);
    md5_of(all, 7, want);
    assert_string_equal(vhash(info, "app"), want);
    json_decref(info);
}

/* A rule with -group and the frames (indexes, as a string) it should remove from the app hash of
 * a 4-frame Python event whose frames have the given modules and functions. */
struct removal {
    const char *rule;
    const char *removed;
};

static void check_removals(const char *ev, const struct removal *cases, size_t n_cases,
                           const char *const mods[4], const char *const funcs[4])
{
    for (size_t i = 0; i < n_cases; i++) {
        const char *vals[9];
        size_t n = 0;
        for (int f = 0; f < 4; f++)
            if (!strchr(cases[i].removed, '0' + f)) {
                vals[n++] = mods[f];
                vals[n++] = funcs[f];
            }
        vals[n++] = "E";
        if (n == 1)
            vals[n++] = "v"; /* no frame left: type and value instead of the stack trace */
        char rule[128], want[33];
        snprintf(rule, sizeof rule, "%s -group\n", cases[i].rule);
        json_t *info = info_for(ev, rule, NULL);
        md5_of(vals, n, want);
        if (!vhash(info, "app") || strcmp(vhash(info, "app"), want) != 0)
            fail_msg("rule '%s' should remove frames [%s]", cases[i].rule, cases[i].removed);
        json_decref(info);
    }
}

/* Each shape a glob is compiled to (exact, prefix, prefix without '/', suffix, contains, prefix and
 * suffix, general glob), on plain and path-like keys: the frames a rule removes from the hash. */
static void test_rule_shapes(void **state)
{
    (void)state;
    const char *ev = PY_EVENT("{\"module\":\"m0\",\"function\":\"foo\",\"abs_path\":\"/srv/App/x.py\",\"in_app\":true},"
                              "{\"module\":\"m1\",\"function\":\"f2\",\"abs_path\":\"/srv/app/sub/y.py\",\"in_app\":true},"
                              "{\"module\":\"m2\",\"function\":\"abcz\",\"abs_path\":\"/opt/lib/z.py\",\"in_app\":true},"
                              "{\"module\":\"m3\",\"function\":\"bar2\",\"abs_path\":\"C:\\\\Srv\\\\App\\\\w.py\",\"in_app\":true}");
    static const struct removal cases[] = {
        {"function:f2", "1"},          {"function:f*", "01"},          {"function:*2", "13"},
        {"function:*oo*", "0"},        {"function:a*z", "2"},          {"function:?2", "1"},
        {"function:**", "0123"},       {"path:/srv/app/x.py", "0"},    {"path:/srv/**", "01"},
        {"path:/srv/app/*", "0"},      {"path:**/y.py", "1"},          {"path:**/app/**", "013"},
        {"path:c:/srv/**", "3"},       {"path:**/lib/**", "2"},        {"path:*.py", ""},
        {"module:m?", "0123"},         {"module:m1 function:f*", "1"}, {"!path:/srv/** module:m*", "23"},
        {"function:b?r*", "3"},
        /* a class's bytes are alternatives: "f[o2]*" matches foo and f2 though neither holds "o2" */
        {"function:f[o2]*", "01"},     {"function:[!f]*", "23"},       {"function:*[x\\]]z", ""},
        {"function:\\f2", "1"},
    };
    const char *mods[] = {"m0", "m1", "m2", "m3"}, *funcs[] = {"foo", "f2", "abcz", "bar2"};
    check_removals(ev, cases, sizeof cases / sizeof cases[0], mods, funcs);
}

/* Relative path-like values are also tried with a leading '/', as Sentry does, for every shape
 * (exact, prefix, prefix without '/', suffix, contains, general glob) and for packages. */
static void test_rule_leading_slash(void **state)
{
    (void)state;
    const char *ev = PY_EVENT("{\"module\":\"m0\",\"function\":\"f0\",\"abs_path\":\"srv/app/x.py\",\"in_app\":true},"
                              "{\"module\":\"m1\",\"function\":\"f1\",\"abs_path\":\"/srv/app/y.py\",\"in_app\":true},"
                              "{\"module\":\"m2\",\"function\":\"f2\",\"package\":\"usr/lib/libc.so\",\"in_app\":true},"
                              "{\"module\":\"m3\",\"function\":\"f3\",\"abs_path\":\"lib/srv/w.py\",\"in_app\":true}");
    static const struct removal cases[] = {
        {"path:/srv/app/x.py", "0"},   {"path:/srv/**", "01"},         {"path:/srv/app/*", "01"},
        {"path:**/srv/app/x.py", "0"}, {"path:**/srv/**", "013"},      {"path:/s?v/app/x.py", "0"},
        {"path:/lib/**", "3"},         {"path:/srv/app/[xy].py", "01"}, {"package:/usr/lib/**", "2"},
        {"package:/usr/lib/*.so", "2"}, {"path:/app/**", ""},
    };
    const char *mods[] = {"m0", "m1", "m2", "m3"}, *funcs[] = {"f0", "f1", "f2", "f3"};
    check_removals(ev, cases, sizeof cases / sizeof cases[0], mods, funcs);
}

/* A value long enough to run the glob out of its step budget gets the glob's answer (no match),
 * not the plain string test's. */
static void test_rule_shape_budget(void **state)
{
    (void)state;
    size_t n = 300000;
    char *fn = malloc(n + 2);
    assert_non_null(fn);
    memset(fn, 'a', n);
    memcpy(fn + n, "2", 2);
    json_t *ev = json_pack("{s:s, s:{s:[{s:s, s:{s:[{s:s, s:s, s:b}, {s:s, s:s, s:b}]}}]}}",
                           "platform", "python", "exception", "values", "type", "E", "stacktrace",
                           "frames", "module", "m0", "function", fn, "in_app", 1,
                           "module", "m1", "function", "short2", "in_app", 1);
    assert_non_null(ev);
    struct grouping_config cfg = {.enhancements = "function:*2 -group\n"};
    struct grouping_result r;
    char err[ERRMSG_SIZE], want[33];
    assert_int_equal(grouping_compute(ev, &cfg, &r, err), 0);
    const char *vals[] = {"m0", fn, "E"}; /* "short2" is removed, the long name is not */
    md5_of(vals, 3, want);
    assert_string_equal(r.hashes[0], want);
    grouping_result_free(&r);
    json_decref(ev);
    free(fn);
}

static void test_builtin_defaults(void **state)
{
    (void)state;
    /* site-packages frames are out of app even when the SDK says otherwise */
    json_t *info = info_for(PY_EVENT("{\"module\":\"app\",\"function\":\"main\",\"in_app\":true},"
                                     "{\"module\":\"lib\",\"function\":\"call\",\"abs_path\":"
                                     "\"/venv/lib/python3.11/site-packages/lib.py\",\"in_app\":true}"),
                            NULL, NULL);
    char want[33];
    const char *app[] = {"app", "main", "E"}, *sys[] = {"app", "main", "lib", "call", "E"};
    md5_of(app, 3, want);
    assert_string_equal(vhash(info, "app"), want);
    md5_of(sys, 5, want);
    assert_string_equal(vhash(info, "system"), want);
    json_decref(info);

    /* node internals never group */
    info = info_for("{\"platform\":\"node\",\"exception\":{\"values\":[{\"type\":\"E\",\"stacktrace\":{\"frames\":["
                    "{\"filename\":\"node:internal/process/task_queues\",\"function\":\"processTicksAndRejections\"},"
                    "{\"filename\":\"/srv/app.js\",\"function\":\"run\",\"in_app\":true}]}}]}}", NULL, NULL);
    const char *node[] = {"app.js", "run", "E"};
    md5_of(node, 3, want);
    assert_string_equal(vhash(info, "app"), want);
    assert_null(vhash(info, "system")); /* node: internals are -group too: same as app */
    json_decref(info);

    /* Python: the SDK's own frames leave the system hash as well */
    info = info_for(PY_EVENT("{\"module\":\"app\",\"function\":\"main\",\"in_app\":true},"
                             "{\"module\":\"sentry_sdk.integrations.threading\",\"function\":\"run\"},"
                             "{\"module\":\"lib\",\"function\":\"call\"}"),
                    NULL, NULL);
    const char *pysys[] = {"app", "main", "lib", "call", "E"};
    md5_of(pysys, 5, want);
    assert_string_equal(vhash(info, "system"), want);
    json_decref(info);

    /* JVM: framework packages are out of app even when the SDK says in_app, and io.sentry
     * frames do not group at all */
    info = info_for("{\"platform\":\"java\",\"exception\":{\"values\":[{\"type\":\"E\",\"stacktrace\":{\"frames\":["
                    "{\"module\":\"org.springframework.web.Dispatcher\",\"function\":\"handle\",\"in_app\":true},"
                    "{\"module\":\"com.example.App\",\"function\":\"run\",\"in_app\":true},"
                    "{\"module\":\"io.sentry.SentryHandler\",\"function\":\"capture\"}]}}]}}", NULL, NULL);
    const char *japp[] = {"com.example.App", "run", "E"};
    const char *jsys[] = {"org.springframework.web.Dispatcher", "handle", "com.example.App", "run", "E"};
    md5_of(japp, 3, want);
    assert_string_equal(vhash(info, "app"), want);
    md5_of(jsys, 5, want);
    assert_string_equal(vhash(info, "system"), want);
    json_decref(info);

    /* native: a thread entry point and everything below it, and the raising frames (abort,
     * raise) and everything above them, never group; /usr/lib is system code (out of app) */
    info = info_for("{\"platform\":\"native\",\"exception\":{\"values\":[{\"type\":\"SIGABRT\",\"stacktrace\":{\"frames\":["
                    "{\"function\":\"clone3\",\"package\":\"/usr/lib/x86_64-linux-gnu/libc.so.6\"},"
                    "{\"function\":\"start_thread\",\"package\":\"/usr/lib/x86_64-linux-gnu/libc.so.6\"},"
                    "{\"function\":\"worker\",\"package\":\"/srv/bin/app\",\"in_app\":true},"
                    "{\"function\":\"compute\",\"package\":\"/srv/bin/app\",\"in_app\":true},"
                    "{\"function\":\"foo_check\",\"package\":\"/usr/lib/libfoo.so.1\",\"in_app\":true},"
                    "{\"function\":\"abort\",\"package\":\"/usr/lib/x86_64-linux-gnu/libc.so.6\"},"
                    "{\"function\":\"raise\",\"package\":\"/usr/lib/x86_64-linux-gnu/libc.so.6\"}]}}]}}",
                    NULL, NULL);
    const char *napp[] = {"worker", "compute", "SIGABRT"};
    const char *nsys[] = {"worker", "compute", "foo_check", "SIGABRT"};
    md5_of(napp, 3, want);
    assert_string_equal(vhash(info, "app"), want);
    md5_of(nsys, 4, want);
    assert_string_equal(vhash(info, "system"), want);
    json_decref(info);

    /* Rust: std frames are out of app */
    info = info_for("{\"platform\":\"native\",\"exception\":{\"values\":[{\"type\":\"panic\",\"stacktrace\":{\"frames\":["
                    "{\"function\":\"app::main\",\"in_app\":true},"
                    "{\"function\":\"std::collections::hash::map::HashMap<K,V>::insert\",\"in_app\":true}]}}]}}",
                    NULL, NULL);
    const char *rapp[] = {"app::main", "panic"};
    md5_of(rapp, 2, want);
    assert_string_equal(vhash(info, "app"), want);
    json_decref(info);
}

static void test_fingerprint_rules(void **state)
{
    (void)state;
    const char *ev = "{\"platform\":\"python\",\"logger\":\"db\",\"tags\":{\"server\":\"db-1\"},"
                     "\"exception\":{\"values\":[{\"type\":\"DatabaseUnavailable\",\"value\":\"conn 12 timeout\","
                     "\"stacktrace\":{\"frames\":[{\"module\":\"app.db\",\"function\":\"connect\",\"in_app\":true}]}}]}}";
    char want[33];
    json_t *info = info_for(ev, NULL, "error.type:Nope -> x\nerror.type:DatabaseUnavailable -> system-down, {{ error.type }}\n");
    const char *v1[] = {"system-down", "DatabaseUnavailable"};
    md5_of(v1, 2, want);
    json_t *cf = json_object_get(json_object_get(info, "variants"), "custom_fingerprint");
    assert_non_null(cf);
    assert_string_equal(json_string_value(json_object_get(cf, "hash")), want);
    assert_non_null(strstr(json_string_value(json_object_get(cf, "matched_rule")), "DatabaseUnavailable"));
    assert_null(vhash(info, "app"));
    json_decref(info);

    /* frame matchers, tags, message (matches exception value), title */
    info = info_for(ev, NULL, "stack.function:connect tags.server:\"db-*\" message:\"*timeout*\" -> db, {{ stack.module }} title=\"DB: {{ logger }}\"\n");
    const char *v2[] = {"db", "app.db"};
    md5_of(v2, 2, want);
    assert_string_equal(vhash(info, "custom_fingerprint"), want);
    assert_string_equal(json_string_value(json_object_get(info, "title")), "DB: db");
    json_decref(info);

    /* hybrid: {{ default }} salts the normal hash */
    info = info_for(ev, NULL, "logger:db -> {{ default }}, extra\n");
    const char *v3[] = {"app.db", "connect", "DatabaseUnavailable", "extra"};
    md5_of(v3, 4, want);
    assert_string_equal(vhash(info, "app"), want);
    json_decref(info);

    /* negation: no rule matches -> normal grouping */
    info = info_for(ev, NULL, "!logger:db -> other\n");
    assert_null(json_object_get(json_object_get(info, "variants"), "custom_fingerprint"));
    assert_non_null(vhash(info, "app"));
    json_decref(info);

    /* built-in: JavaScript chunk load errors */
    info = info_for("{\"platform\":\"javascript\",\"exception\":{\"values\":[{\"type\":\"ChunkLoadError\","
                    "\"value\":\"Loading chunk 3 failed\"}]}}", NULL, NULL);
    const char *v4[] = {"chunkloaderror"};
    md5_of(v4, 1, want);
    assert_string_equal(vhash(info, "built_in_fingerprint"), want);
    json_decref(info);

    /* built-in: React hydration errors, one issue per transaction */
    info = info_for("{\"platform\":\"javascript\",\"tags\":{\"transaction\":\"/checkout\"},\"exception\":{\"values\":"
                    "[{\"type\":\"Error\",\"value\":\"Hydration failed because the initial UI does not match what "
                    "was rendered on the server.\"}]}}", NULL, NULL);
    const char *v5[] = {"hydrationerror", "/checkout"};
    md5_of(v5, 2, want);
    assert_string_equal(vhash(info, "built_in_fingerprint"), want);
    json_decref(info);
    /* ... but not on other platforms, and a project rule wins */
    info = info_for("{\"platform\":\"python\",\"exception\":{\"values\":[{\"type\":\"ChunkLoadError\"}]}}", NULL, NULL);
    assert_null(json_object_get(json_object_get(info, "variants"), "built_in_fingerprint"));
    json_decref(info);
    info = info_for("{\"platform\":\"javascript\",\"exception\":{\"values\":[{\"type\":\"ChunkLoadError\"}]}}",
                    NULL, "type:ChunkLoadError -> mine\n");
    const char *v6[] = {"mine"};
    md5_of(v6, 1, want);
    assert_string_equal(vhash(info, "custom_fingerprint"), want);
    json_decref(info);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enhancement_syntax),
        cmocka_unit_test(test_fingerprint_syntax),
        cmocka_unit_test(test_rules_utf8),
        cmocka_unit_test(test_enhancement_effects),
        cmocka_unit_test(test_rule_shapes),
        cmocka_unit_test(test_rule_leading_slash),
        cmocka_unit_test(test_rule_shape_budget),
        cmocka_unit_test(test_builtin_defaults),
        cmocka_unit_test(test_fingerprint_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
