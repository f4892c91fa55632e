/* The GGUF reader and model loader on hostile input: truncated files, random corruption, and
 * hand-crafted lies (counts, lengths, shapes, offsets, types). Every case must end in an error
 * message or a valid model, never a crash or an out-of-bounds read (run under ASan by make test-asan). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "embed/embed.h"
#include "embed/embed_internal.h"
#include "util/buf.h"

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc(*len);
    assert_int_equal(fread(p, 1, *len, f), *len);
    fclose(f);
    return p;
}

/* Parses an exact-size heap copy so that ASan sees any read past the end. */
static int parse_copy(const unsigned char *data, size_t len, char *err)
{
    unsigned char *c = malloc(len ? len : 1);
    memcpy(c, data, len);
    struct gguf *g;
    int rc = embed_gguf_parse(c, len, &g, err);
    if (rc == 0)
        embed_gguf_close(g);
    free(c);
    return rc;
}

static void test_truncated(void **state)
{
    (void)state;
    size_t len;
    unsigned char *d = slurp("tests/embed/bert-tiny.gguf", &len);
    char err[ERRMSG_SIZE];
    assert_int_equal(parse_copy(d, len, err), 0);
    for (size_t l = 0; l < len; l += l < 4096 ? 1 : l / 8) {
        err[0] = '\0';
        assert_int_equal(parse_copy(d, l, err), -1);
        assert_true(err[0] != '\0');
    }
    assert_int_equal(parse_copy(d, len - 1, err), -1);
    free(d);
}

static void test_random_corruption(void **state)
{
    (void)state;
    size_t len;
    unsigned char *d = slurp("tests/embed/bert-tiny.gguf", &len);
    char err[ERRMSG_SIZE], path[] = "/tmp/faultline-gguf-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    srand(1234);
    int loaded = 0;
    for (int it = 0; it < 300; it++) {
        unsigned char *c = malloc(len);
        memcpy(c, d, len);
        int flips = 1 + rand() % 4;
        for (int k = 0; k < flips; k++) {
            /* mostly the header (counts, lengths, shapes, offsets), sometimes anywhere */
            size_t at = rand() % 4 ? (size_t)rand() % 2048 : (size_t)rand() % len;
            if (rand() % 2)
                c[at] ^= (unsigned char)(1u << (rand() % 8));
            else
                c[at] = (unsigned char)rand();
        }
        struct gguf *g;
        if (embed_gguf_parse(c, len, &g, err) == 0)
            embed_gguf_close(g);
        if (it % 6 == 0) {   /* the full model loader and a forward pass on the same bytes */
            FILE *f = fopen(path, "wb");
            fwrite(c, 1, len, f);
            fclose(f);
            struct embed_model *m;
            if (embed_model_load(path, &m, err) == 0) {
                float *v = malloc(sizeof *v * embed_model_dim(m) * 2);
                const char *t[] = {"NullPointerException at com.example.Foo.bar(Foo.java:12)", ""};
                embed_texts(m, t, 2, v, err);
                free(v);
                embed_model_free(m);
                loaded++;
            }
        }
        free(c);
    }
    unlink(path);
    print_message("corrupted copies that still loaded: %d of 50\n", loaded);
    free(d);
}

/* Corrupted tokenizer metadata (vocabulary, scores, NFKC table) of the real USE-Lite file: the
 * unigram, and on the BERT vocab file the WordPiece, loaders and encoders. */
static void corrupt_tokenizer(const char *path, size_t region, int iters)
{
    size_t len;
    unsigned char *d = slurp(path, &len);
    unsigned char *c = malloc(len);
    char err[ERRMSG_SIZE];
    static const char *const texts[] = {"Hello world", "TypeError: x is undefined\n  at f (a.js:1:2)", "\xe2\x96\x81 ligature \xef\xac\x81", ""};
    int loaded = 0;
    srand(99);
    for (int it = 0; it < iters; it++) {
        memcpy(c, d, len);
        for (int k = 1 + rand() % 4; k > 0; k--) {
            size_t at = 24 + (size_t)rand() % (region - 24);
            c[at] = rand() % 3 ? (unsigned char)(c[at] ^ (1u << (rand() % 8))) : (unsigned char)rand();
        }
        struct gguf *g;
        if (embed_gguf_parse(c, len, &g, err))
            continue;
        struct embed_tok *t;
        if (embed_tok_load(g, &t, err) == 0) {
            for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
                struct embed_ids ids = {0};
                embed_tok_encode(t, texts[i], strlen(texts[i]), 1000, &ids, err);
                for (int j = 0; j < ids.n; j++)
                    assert_true(ids.v[j] >= 0 && ids.v[j] < embed_tok_vocab_size(t));
                free(ids.v);
            }
            embed_tok_free(t);
            loaded++;
        }
        embed_gguf_close(g);
    }
    print_message("%s: %d of %d corrupted tokenizers loaded and ran\n", path, loaded, iters);
    free(c);
    free(d);
}

static void test_corrupt_tokenizers(void **state)
{
    (void)state;
    corrupt_tokenizer("models/use-lite.gguf", 300000, 60);
    corrupt_tokenizer("tests/embed/vocab/ggml-vocab-bert-bge.gguf", 600000, 60);
    corrupt_tokenizer("tests/embed/vocab/ggml-vocab-gpt-2.gguf", 1700000, 30);
}

/* ---- hand-crafted files ---- */

static void put32(struct buf *b, uint32_t v) { buf_append(b, &v, 4); }
static void put64(struct buf *b, uint64_t v) { buf_append(b, &v, 8); }
static void putstr(struct buf *b, const char *s) { put64(b, strlen(s)); buf_append(b, s, strlen(s)); }

static void header(struct buf *b, uint32_t version, uint64_t nt, uint64_t nkv)
{
    buf_append(b, "GGUF", 4);
    put32(b, version);
    put64(b, nt);
    put64(b, nkv);
}

static void pad_to(struct buf *b, size_t align)
{
    while (b->len % align)
        buf_putc(b, 0);
}

static int parse_buf(struct buf *b, char *err)
{
    return parse_copy((const unsigned char *)b->data, b->len, err);
}

static void expect_error(struct buf *b, const char *needle)
{
    char err[ERRMSG_SIZE] = "";
    assert_int_equal(parse_buf(b, err), -1);
    if (!strstr(err, needle))
        fail_msg("error '%s' does not mention '%s'", err, needle);
    buf_free(b);
}

static void test_crafted(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    char err[ERRMSG_SIZE];

    buf_append(&b, "GGUX", 4);
    put32(&b, 3); put64(&b, 0); put64(&b, 0);
    expect_error(&b, "magic");

    header(&b, 1, 0, 0);
    expect_error(&b, "version");

    header(&b, 3, 0, 1ull << 60);
    expect_error(&b, "implausible");

    header(&b, 3, 0, 1);                      /* key length far past the end */
    put64(&b, 1ull << 62);
    expect_error(&b, "truncated");

    header(&b, 3, 0, 1);                      /* unknown value type */
    putstr(&b, "k"); put32(&b, 99);
    expect_error(&b, "unknown type");

    header(&b, 3, 0, 1);                      /* array count that would overflow count * 8 */
    putstr(&b, "k"); put32(&b, GGUF_T_ARR); put32(&b, GGUF_T_U64); put64(&b, 1ull << 61);
    expect_error(&b, "more than the file holds");

    header(&b, 3, 0, 1);                      /* string array claiming more strings than bytes */
    putstr(&b, "k"); put32(&b, GGUF_T_ARR); put32(&b, GGUF_T_STR); put64(&b, 1000000);
    expect_error(&b, "more than the file holds");

    header(&b, 3, 0, 1);                      /* array of arrays */
    putstr(&b, "k"); put32(&b, GGUF_T_ARR); put32(&b, GGUF_T_ARR); put64(&b, 1);
    expect_error(&b, "unsupported element type");

    header(&b, 3, 0, 1);                      /* alignment not a power of two */
    putstr(&b, "general.alignment"); put32(&b, GGUF_T_U32); put32(&b, 24);
    expect_error(&b, "power of two");

    header(&b, 3, 1, 0);                      /* rank 5 */
    putstr(&b, "t"); put32(&b, 5);
    for (int i = 0; i < 5; i++) put64(&b, 1);
    put32(&b, 0); put64(&b, 0);
    for (int i = 0; i < 8; i++) put64(&b, 0);
    expect_error(&b, "rank");

    header(&b, 3, 1, 0);                      /* shape whose product overflows */
    putstr(&b, "t"); put32(&b, 2); put64(&b, 1ull << 33); put64(&b, 1ull << 33);
    put32(&b, 0); put64(&b, 0);
    for (int i = 0; i < 8; i++) put64(&b, 0);
    expect_error(&b, "implausible shape");

    header(&b, 3, 1, 0);                      /* quantised type */
    putstr(&b, "t"); put32(&b, 1); put64(&b, 4); put32(&b, 2); put64(&b, 0);
    for (int i = 0; i < 8; i++) put64(&b, 0);
    expect_error(&b, "only f32");

    header(&b, 3, 1, 0);                      /* unaligned offset */
    putstr(&b, "t"); put32(&b, 1); put64(&b, 4); put32(&b, 0); put64(&b, 3);
    for (int i = 0; i < 8; i++) put64(&b, 0);
    expect_error(&b, "aligned");

    header(&b, 3, 1, 0);                      /* data past the end */
    putstr(&b, "t"); put32(&b, 1); put64(&b, 1000); put32(&b, 0); put64(&b, 0);
    pad_to(&b, 32);
    for (int i = 0; i < 8; i++) put64(&b, 0);
    expect_error(&b, "past the end");

    header(&b, 3, 2, 0);                      /* duplicate tensor names */
    for (int k = 0; k < 2; k++) {
        putstr(&b, "t"); put32(&b, 1); put64(&b, 4); put32(&b, 0); put64(&b, 0);
    }
    pad_to(&b, 32);
    for (int i = 0; i < 4; i++) put64(&b, 0);
    expect_error(&b, "duplicate");

    header(&b, 3, 1, 1);                      /* a valid minimal file parses */
    putstr(&b, "general.architecture"); put32(&b, GGUF_T_STR); putstr(&b, "bert");
    putstr(&b, "t"); put32(&b, 2); put64(&b, 2); put64(&b, 2); put32(&b, 0); put64(&b, 0);
    pad_to(&b, 32);
    for (int i = 0; i < 2; i++) put64(&b, 0);
    assert_int_equal(parse_buf(&b, err), 0);
    buf_free(&b);
}

static void test_model_level_errors(void **state)
{
    (void)state;
    char err[ERRMSG_SIZE];
    struct embed_model *m;
    assert_int_equal(embed_model_load("/nonexistent/model.gguf", &m, err), -1);
    assert_non_null(strstr(err, "cannot open"));
    assert_int_equal(embed_model_load("tests/embed/vocab/ggml-vocab-bert-bge.gguf", &m, err), -1);
    assert_non_null(strstr(err, "token_embd.weight"));   /* a vocab-only file has no weights */
    assert_int_equal(embed_model_load("tests/embed/texts.json", &m, err), -1);
    assert_non_null(strstr(err, "magic"));
    assert_int_equal(embed_model_load("/tmp", &m, err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_random_corruption),
        cmocka_unit_test(test_corrupt_tokenizers),
        cmocka_unit_test(test_crafted),
        cmocka_unit_test(test_model_level_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
