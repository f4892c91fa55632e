/* Dataset reader of src/eval on malformed, gzip, truncated and hostile files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "eval/eval.h"

static char dir[] = "/tmp/test_eval_reader.XXXXXX";

static const char *path_of(const char *name)
{
    static char p[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static void write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

static void write_gz(const char *path, const char *data, size_t n)
{
    gzFile g = gzopen(path, "wb");
    assert_non_null(g);
    assert_int_equal(gzwrite(g, data, (unsigned)n), (int)n);
    gzclose(g);
}

/* One good line, then one of each kind of bad line, with line numbers noted. */
static const char mixed[] =
    "\xEF\xBB\xBF{\"event\": {\"platform\": \"python\", \"message\": \"a\"}, \"group\": \"g1\"}\n" /* 1 */
    "\n"                                                                       /* 2 blank */
    "   \r\n"                                                                  /* 3 blank */
    "{\"event\": {\"message\": \"b\"}, \"group\": 42}\r\n"                     /* 4 ok, int */
    "{not json\n"                                                              /* 5 bad */
    "[1, 2]\n"                                                                 /* 6 bad */
    "{\"group\": \"g1\"}\n"                                                    /* 7 bad */
    "{\"event\": \"text\", \"group\": \"g1\"}\n"                               /* 8 bad */
    "{\"event\": {}, \"group\": \"\"}\n"                                       /* 9 bad */
    "{\"event\": {}, \"group\": 1.5}\n"                                        /* 10 bad */
    "{\"event\": {}, \"group\": \"a\\u0000b\"}\n"                              /* 11 bad */
    "{\"event\": {\"platform\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "\xc3\xa9\xc3\xa9\"}, \"group\": \"g2\"}\n"                                /* 12 ok, long */
    "{\"event\": {\"platform\": 7}, \"group\": \"g2\", \"pad\": \""
    "................................................................................"
    "................................................................................"
    "\"}\n"                                                                    /* 13 too long */
    "{\"event\": {\"platform\": \"\"}, \"group\": \"g3\"}";                    /* 14 ok, no \n */

static void check_mixed(const char *path)
{
    struct eval_reader *r;
    char err[ERRMSG_SIZE];
    struct eval_item it;
    assert_int_equal(eval_reader_open(&r, path, 160, err), 0);

    assert_int_equal(eval_reader_next(r, &it, err), 1);
    assert_int_equal(it.line, 1);
    assert_string_equal(it.label, "g1");
    assert_string_equal(it.platform, "python");
    assert_string_equal(json_string_value(json_object_get(it.event, "message")), "a");

    assert_int_equal(eval_reader_next(r, &it, err), 1);
    assert_int_equal(it.line, 4);
    assert_string_equal(it.label, "42");
    assert_string_equal(it.platform, "other");

    assert_int_equal(eval_reader_next(r, &it, err), 1);
    assert_int_equal(it.line, 12);
    assert_string_equal(it.label, "g2");
    /* 62 x's + two 2-byte characters = 66 bytes: the cut at 63 would split the first one */
    assert_int_equal(strlen(it.platform), 62);

    assert_int_equal(eval_reader_next(r, &it, err), 1);
    assert_int_equal(it.line, 14);
    assert_string_equal(it.label, "g3");
    assert_string_equal(it.platform, "other");

    assert_int_equal(eval_reader_next(r, &it, err), 0);
    assert_int_equal(eval_reader_next(r, &it, err), 0);   /* stays at the end */
    assert_float_equal(eval_reader_progress(r), 1.0, 1e-9);

    const struct eval_bad_lines *bad = eval_reader_bad(r);
    static const size_t lines[] = {5, 6, 7, 8, 9, 10, 11, 13};
    assert_int_equal(bad->count, 8);
    assert_int_equal(bad->listed, 8);
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(bad->line[i], lines[i]);
    assert_non_null(strstr(bad->msg[0], "invalid JSON"));
    assert_non_null(strstr(bad->msg[1], "not a JSON object"));
    assert_non_null(strstr(bad->msg[2], "\"event\""));
    assert_non_null(strstr(bad->msg[3], "\"event\""));
    assert_non_null(strstr(bad->msg[4], "\"group\""));
    assert_non_null(strstr(bad->msg[5], "\"group\""));
    assert_non_null(strstr(bad->msg[6], "\"group\""));
    assert_non_null(strstr(bad->msg[7], "longer than 160 bytes"));
    eval_reader_close(r);
}

static void test_mixed_plain(void **state)
{
    (void)state;
    write_file(path_of("mixed.jsonl"), mixed, sizeof mixed - 1);
    check_mixed(path_of("mixed.jsonl"));
}

static void test_mixed_gzip(void **state)
{
    (void)state;
    write_gz(path_of("mixed.jsonl.gz"), mixed, sizeof mixed - 1);
    check_mixed(path_of("mixed.jsonl.gz"));
    /* gzip is detected from the bytes, not the name */
    write_gz(path_of("mixed-gz.jsonl"), mixed, sizeof mixed - 1);
    check_mixed(path_of("mixed-gz.jsonl"));
}

/* A gzip file cut in half is an error with a message, after the complete lines before the cut. */
static void test_truncated_gzip(void **state)
{
    (void)state;
    struct buf text = BUF_INIT;
    for (int i = 0; i < 2000; i++)
        buf_printf(&text, "{\"event\": {\"message\": \"event %d %08x\"}, \"group\": \"g%d\"}\n", i,
                   (unsigned)(i * 2654435761u), i % 7);
    write_gz(path_of("t.gz"), text.data, text.len);
    FILE *f = fopen(path_of("t.gz"), "rb");
    char *data = malloc(1 << 20);
    size_t n = fread(data, 1, 1 << 20, f);
    fclose(f);
    write_file(path_of("t.gz"), data, n / 2);
    free(data);
    buf_free(&text);

    struct eval_reader *r;
    char err[ERRMSG_SIZE] = "";
    struct eval_item it;
    assert_int_equal(eval_reader_open(&r, path_of("t.gz"), 0, err), 0);
    int rc, items = 0;
    while ((rc = eval_reader_next(r, &it, err)) == 1)
        items++;
    assert_int_equal(rc, -1);
    assert_true(items > 0 && items < 2000);
    assert_non_null(strstr(err, "truncated"));
    eval_reader_close(r);
}

static void test_open_errors(void **state)
{
    (void)state;
    struct eval_reader *r = (struct eval_reader *)1;
    char err[ERRMSG_SIZE];
    assert_int_equal(eval_reader_open(&r, path_of("does-not-exist.jsonl"), 0, err), -1);
    assert_null(r);
    assert_non_null(strstr(err, "does-not-exist.jsonl"));
    assert_int_equal(eval_reader_open(&r, dir, 0, err), -1);
    assert_non_null(strstr(err, "directory"));
}

/* Random bytes: no crash, everything reported as bad lines, and the replay refuses the file. */
static void test_garbage(void **state)
{
    (void)state;
    enum { N = 200000 };
    char *junk = malloc(N);
    srand(7);
    for (int i = 0; i < N; i++)
        junk[i] = (char)(rand() % 7 == 0 ? '\n' : rand() % 256);
    write_file(path_of("junk.bin"), junk, N);
    free(junk);

    struct eval_pipeline p;
    char err[ERRMSG_SIZE];
    assert_int_equal(eval_pipeline_open(&p, "hash", NULL, err), 0);
    struct eval_set *set = eval_set_new();
    struct eval_bad_lines bad;
    assert_int_equal(eval_replay(path_of("junk.bin"), &p, set, NULL, &bad, err), -1);
    assert_true(bad.count > 1000);
    assert_int_equal(bad.listed, EVAL_BAD_LISTED);
    assert_non_null(strstr(err, "no usable event"));
    assert_int_equal(eval_set_count(set), 0);
    eval_set_free(set);

    /* an empty file is refused with its own message */
    write_file(path_of("empty.jsonl"), "", 0);
    set = eval_set_new();
    assert_int_equal(eval_replay(path_of("empty.jsonl"), &p, set, NULL, &bad, err), -1);
    assert_non_null(strstr(err, "no events"));
    eval_set_free(set);
    eval_pipeline_close(&p);
}

/* A line far over the cap is skipped without being buffered, and reading resumes after it. */
static void test_huge_line(void **state)
{
    (void)state;
    struct buf text = BUF_INIT;
    buf_puts(&text, "{\"event\": {}, \"group\": \"before\"}\n{\"event\": {\"x\": \"");
    for (int i = 0; i < 3 << 20; i++)
        buf_putc(&text, 'a');
    buf_puts(&text, "\"}, \"group\": \"huge\"}\n{\"event\": {}, \"group\": \"after\"}\n");
    write_gz(path_of("huge.jsonl.gz"), text.data, text.len);
    buf_free(&text);

    struct eval_reader *r;
    char err[ERRMSG_SIZE];
    struct eval_item it;
    assert_int_equal(eval_reader_open(&r, path_of("huge.jsonl.gz"), 1 << 20, err), 0);
    assert_int_equal(eval_reader_next(r, &it, err), 1);
    assert_string_equal(it.label, "before");
    assert_int_equal(eval_reader_next(r, &it, err), 1);
    assert_string_equal(it.label, "after");
    assert_int_equal(it.line, 3);
    assert_int_equal(eval_reader_next(r, &it, err), 0);
    assert_int_equal(eval_reader_bad(r)->count, 1);
    assert_int_equal(eval_reader_bad(r)->line[0], 2);
    eval_reader_close(r);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mixed_plain),    cmocka_unit_test(test_mixed_gzip),
        cmocka_unit_test(test_truncated_gzip), cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_garbage),        cmocka_unit_test(test_huge_line),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
