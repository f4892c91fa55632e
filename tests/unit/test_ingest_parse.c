/* Unit tests: content decoding with caps, envelope framing, auth headers and DSNs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <brotli/encode.h>

#include "ingest/ingest.h"
#include "util/compress.h"

static const char TEXT[] = "{\"message\":\"hello hello hello hello hello\"}";

static void gzip_or_zlib(const void *in, size_t n, int window_bits, struct buf *out)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    assert_int_equal(buf_reserve(out, deflateBound(&zs, n) + 32), 0);
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)n;
    zs.next_out = (Bytef *)out->data;
    zs.avail_out = (uInt)out->cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    out->len = zs.total_out;
    deflateEnd(&zs);
}

static void roundtrip(int codec, const struct buf *compressed)
{
    struct buf out = BUF_INIT;
    char err[ERRMSG_SIZE];
    assert_int_equal(decompress_capped(codec, compressed->data, compressed->len, 1 << 20, &out, err), 0);
    assert_int_equal(out.len, strlen(TEXT));
    assert_memory_equal(out.data, TEXT, out.len);
    /* truncated input is an error, not a partial success */
    buf_reset(&out);
    assert_int_equal(decompress_capped(codec, compressed->data, compressed->len / 2, 1 << 20, &out, err), -1);
    /* a cap below the size stops it */
    buf_reset(&out);
    assert_int_equal(decompress_capped(codec, compressed->data, compressed->len, 10, &out, err), -2);
    assert_non_null(strstr(err, "exceeds"));
    buf_free(&out);
}

static void test_codecs(void **state)
{
    (void)state;
    struct buf c = BUF_INIT;
    gzip_or_zlib(TEXT, strlen(TEXT), 16 + MAX_WBITS, &c);
    roundtrip(CODEC_GZIP, &c);
    buf_reset(&c);
    gzip_or_zlib(TEXT, strlen(TEXT), MAX_WBITS, &c);
    roundtrip(CODEC_DEFLATE, &c);
    buf_reset(&c);
    gzip_or_zlib(TEXT, strlen(TEXT), -MAX_WBITS, &c);   /* raw deflate is accepted too */
    roundtrip(CODEC_DEFLATE, &c);
    buf_reset(&c);
    assert_int_equal(zstd_compress_buf(TEXT, strlen(TEXT), &c), 0);
    roundtrip(CODEC_ZSTD, &c);
    buf_reset(&c);
    size_t n = BrotliEncoderMaxCompressedSize(strlen(TEXT));
    assert_int_equal(buf_reserve(&c, n), 0);
    assert_true(BrotliEncoderCompress(5, 22, BROTLI_MODE_TEXT, strlen(TEXT), (const uint8_t *)TEXT, &n,
                                      (uint8_t *)c.data));
    c.len = n;
    roundtrip(CODEC_BROTLI, &c);
    buf_free(&c);
}

static void test_codec_names_and_garbage(void **state)
{
    (void)state;
    assert_int_equal(codec_from_name("gzip"), CODEC_GZIP);
    assert_int_equal(codec_from_name("X-GZIP"), CODEC_GZIP);
    assert_int_equal(codec_from_name("deflate"), CODEC_DEFLATE);
    assert_int_equal(codec_from_name("br"), CODEC_BROTLI);
    assert_int_equal(codec_from_name("zstd"), CODEC_ZSTD);
    assert_int_equal(codec_from_name(""), CODEC_IDENTITY);
    assert_int_equal(codec_from_name("UTF-8"), CODEC_IDENTITY);
    assert_int_equal(codec_from_name("compress"), -1);
    struct buf out = BUF_INIT;
    char err[ERRMSG_SIZE];
    const char junk[] = "this is not compressed at all";
    for (int codec = CODEC_GZIP; codec <= CODEC_ZSTD; codec++) {
        buf_reset(&out);
        assert_int_equal(decompress_capped(codec, junk, sizeof junk - 1, 1 << 20, &out, err), -1);
    }
    buf_free(&out);
}

static void test_bomb_stops_at_cap(void **state)
{
    (void)state;
    size_t big = 64u << 20;   /* 64 MiB of zeros compresses to ~64 KiB */
    char *zeros = calloc(1, big);
    assert_non_null(zeros);
    struct buf c = BUF_INIT, out = BUF_INIT;
    gzip_or_zlib(zeros, big, 16 + MAX_WBITS, &c);
    free(zeros);
    char err[ERRMSG_SIZE];
    assert_int_equal(decompress_capped(CODEC_GZIP, c.data, c.len, 1 << 20, &out, err), -2);
    assert_true(out.cap < (4u << 20));   /* never held more than about the cap */
    buf_free(&c);
    buf_free(&out);
}

static void test_base64(void **state)
{
    (void)state;
    struct buf out = BUF_INIT;
    assert_int_equal(base64_decode("aGVsbG8=", 8, &out), 0);
    assert_string_equal(out.data, "hello");
    buf_reset(&out);
    assert_int_equal(base64_decode("aGVs\nbG8", 8, &out), 0);
    assert_string_equal(out.data, "hello");
    buf_reset(&out);
    assert_int_equal(base64_decode("a$b", 3, &out), -1);
    buf_free(&out);
}

static struct envelope *parse(const char *text, int expect_rc, char *err)
{
    static struct envelope env;
    assert_int_equal(envelope_parse(text, strlen(text), &env, err), expect_rc);
    return &env;
}

static void test_envelope_framing(void **state)
{
    (void)state;
    char err[ERRMSG_SIZE];
    struct envelope *e = parse("{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n"
                               "{\"type\":\"event\",\"length\":13}\n{\"message\":1}\n"
                               "{\"type\":\"attachment\"}\nabc\n",
                               0, err);
    assert_string_equal(e->event_id, "9ec79c33ec9942ab8353589fcb2e04dc");
    assert_int_equal(e->n_items, 2);
    assert_string_equal(e->items[0].type, "event");
    assert_int_equal(e->items[0].len, 13);
    assert_memory_equal(e->items[0].payload, "{\"message\":1}", 13);
    assert_string_equal(e->items[1].type, "attachment");
    assert_int_equal(e->items[1].len, 3);
    /* no trailing newline, implicit length at the end */
    e = parse("{}\n{\"type\":\"session\"}\n{\"x\":1}", 0, err);
    assert_int_equal(e->n_items, 1);
    assert_int_equal(e->items[0].len, 7);
    /* a length-prefixed payload may contain newlines */
    e = parse("{}\n{\"type\":\"event\",\"length\":5}\na\nb\nc", 0, err);
    assert_int_equal(e->items[0].len, 5);
    /* headers only */
    e = parse("{\"dsn\":\"http://k@h/1\"}", 0, err);
    assert_int_equal(e->n_items, 0);
    assert_string_equal(e->dsn, "http://k@h/1");
    /* empty payload with length 0 */
    e = parse("{}\n{\"type\":\"event\",\"length\":0}\n", 0, err);
    assert_int_equal(e->items[0].len, 0);
}

static void test_envelope_errors(void **state)
{
    (void)state;
    char err[ERRMSG_SIZE];
    parse("", -1, err);
    parse("not json\n", -1, err);
    parse("[1]\n", -1, err);
    parse("{}\n{\"type\":\"event\",\"length\":100}\nshort", -1, err);
    assert_non_null(strstr(err, "truncated"));
    parse("{}\n{\"type\":\"event\",\"length\":2}\nabc\n", -1, err);
    parse("{}\n{\"length\":2}\nab\n", -1, err);
    parse("{}\n{\"type\":\"event\",\"length\":-1}\nab\n", -1, err);
    parse("{}\n{\"type\":\"event\",\"length\":\"2\"}\nab\n", -1, err);
    parse("{\"event_id\":\"zz\"}\n", -1, err);
    parse("{}\n{\"type\":\"event\"\n", -1, err);
    parse("{\"a\":1,\"a\":2}\n", -1, err);   /* duplicate header keys */
}

static void test_auth_headers(void **state)
{
    (void)state;
    struct sentry_auth a;
    char err[ERRMSG_SIZE];
    assert_int_equal(ingest_parse_auth_header("Sentry sentry_version=7, sentry_client=raven/1.0, "
                                              "sentry_key=abc123, sentry_secret=zzz",
                                              &a, err),
                     0);
    assert_string_equal(a.key, "abc123");
    assert_int_equal(a.version, 7);
    assert_int_equal(ingest_parse_auth_header("sentry_key=\"q1\",sentry_version=8", &a, err), 0);
    assert_string_equal(a.key, "q1");
    assert_int_equal(ingest_parse_auth_header("Basic YWJjOmRlZg==", &a, err), 0);   /* abc:def */
    assert_string_equal(a.key, "abc");
    assert_int_equal(ingest_parse_auth_header("Sentry sentry_version=7", &a, err), -1);
    assert_int_equal(ingest_parse_auth_header("Sentry sentry_key=bad key!", &a, err), -1);
    assert_int_equal(ingest_parse_auth_header("Sentry sentry_key=k, sentry_version=x", &a, err), -1);
    assert_int_equal(ingest_parse_auth_header("Basic !!!", &a, err), -1);
    char longkey[200];
    memset(longkey, 'a', sizeof longkey);
    memcpy(longkey, "sentry_key=", 11);
    longkey[sizeof longkey - 1] = '\0';
    assert_int_equal(ingest_parse_auth_header(longkey, &a, err), -1);
}

static void test_dsn(void **state)
{
    (void)state;
    char key[65], project[32], err[ERRMSG_SIZE];
    assert_int_equal(ingest_parse_dsn("https://abc@o1.example.com/42", key, project, err), 0);
    assert_string_equal(key, "abc");
    assert_string_equal(project, "42");
    assert_int_equal(ingest_parse_dsn("http://pub:secret@localhost:9000/sub/path/7", key, project, err), 0);
    assert_string_equal(key, "pub");
    assert_string_equal(project, "7");
    assert_int_equal(ingest_parse_dsn("not a dsn", key, project, err), -1);
    assert_int_equal(ingest_parse_dsn("http://host/1", key, project, err), -1);
    assert_int_equal(ingest_parse_dsn("http://k@host/", key, project, err), -1);
    assert_int_equal(ingest_parse_dsn("http://k@host/abc", key, project, err), -1);
}

static void test_event_ids(void **state)
{
    (void)state;
    char out[33];
    assert_int_equal(ingest_normalize_event_id("9EC79C33-EC99-42AB-8353-589FCB2E04DC", out), 0);
    assert_string_equal(out, "9ec79c33ec9942ab8353589fcb2e04dc");
    assert_int_equal(ingest_normalize_event_id("9ec79c33", out), -1);
    assert_int_equal(ingest_normalize_event_id("9ec79c33ec9942ab8353589fcb2e04dcff", out), -1);
    assert_int_equal(ingest_normalize_event_id("9ec79c33ec9942ab8353589fcb2e04dg", out), -1);
}

static void test_limits_defaults(void **state)
{
    (void)state;
    struct ingest_limits l;
    ingest_limits_default(&l);
    assert_int_equal(l.max_event, 1u << 20);      /* Relay: 1 MiB per event */
    assert_int_equal(l.max_request, 20u << 20);   /* Relay: 20 MiB compressed request */
    assert_true(l.max_decompressed >= l.max_request);
    assert_true(l.inbox_max > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codecs),          cmocka_unit_test(test_codec_names_and_garbage),
        cmocka_unit_test(test_bomb_stops_at_cap), cmocka_unit_test(test_base64),
        cmocka_unit_test(test_envelope_framing), cmocka_unit_test(test_envelope_errors),
        cmocka_unit_test(test_auth_headers),    cmocka_unit_test(test_dsn),
        cmocka_unit_test(test_event_ids),       cmocka_unit_test(test_limits_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
