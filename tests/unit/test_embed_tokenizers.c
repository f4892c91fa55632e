/* Tokenizers against published reference tokenisations: llama.cpp's vocab test vectors
 * (tests/embed/vocab/ggml-vocab-*.gguf with .inp/.out, MIT, generated there with Hugging Face
 * tokenizers): WordPiece on bert-base-uncased (bge), byte-level BPE on GPT-2. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed/embed_internal.h"
#include "util/buf.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct buf b = BUF_INIT;
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_append(&b, tmp, n);
    fclose(f);
    *len = b.len;
    return buf_steal(&b);
}

static void check_vocab(const char *gguf_path)
{
    char err[ERRMSG_SIZE], path[512];
    struct gguf *g;
    struct embed_tok *t;
    assert_int_equal(embed_gguf_open(gguf_path, &g, err), 0);
    if (embed_tok_load(g, &t, err))
        fail_msg("%s", err);
    size_t ilen, olen;
    snprintf(path, sizeof path, "%s.inp", gguf_path);
    char *inp = slurp(path, &ilen);
    snprintf(path, sizeof path, "%s.out", gguf_path);
    char *out = slurp(path, &olen);
    assert_non_null(inp);
    assert_non_null(out);
    const char *sep = "\n__ggml_vocab_test__\n";
    char *p = inp, *o = out;
    int tests = 0, failed = 0;
    while (*p) {
        char *next = strstr(p, sep);
        size_t tl = next ? (size_t)(next - p) : strlen(p);
        char *eol = strchr(o, '\n');
        assert_non_null(eol);
        *eol = '\0';
        struct embed_ids ids = {0};
        assert_int_equal(embed_tok_encode(t, p, tl, 1 << 30, &ids, err), 0);
        int k = 0, ok = 1;
        for (char *q = o; *q;) {
            char *end;
            long v = strtol(q, &end, 10);
            if (end == q)
                break;
            if (k >= ids.n || ids.v[k] != v)
                ok = 0;
            k++;
            q = end;
        }
        if (k != ids.n)
            ok = 0;
        if (!ok) {
            failed++;
            fprintf(stderr, "%s: test %d %.*s\n  want:%s\n  got: ", gguf_path, tests, (int)(tl > 60 ? 60 : tl), p, o);
            for (int j = 0; j < ids.n; j++)
                fprintf(stderr, " %d", ids.v[j]);
            fprintf(stderr, "\n");
        }
        free(ids.v);
        tests++;
        o = eol + 1;
        if (!next)
            break;
        p = next + strlen(sep);
    }
    assert_true(tests > 40);
    assert_int_equal(failed, 0);
    free(inp);
    free(out);
    embed_tok_free(t);
    embed_gguf_close(g);
}

static void test_wordpiece_bert(void **state)
{
    (void)state;
    check_vocab("tests/embed/vocab/ggml-vocab-bert-bge.gguf");
}

static void test_bpe_gpt2(void **state)
{
    (void)state;
    check_vocab("tests/embed/vocab/ggml-vocab-gpt-2.gguf");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wordpiece_bert),
        cmocka_unit_test(test_bpe_gpt2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
