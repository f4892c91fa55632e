/* BERT and JinaBERT-v2 forward passes against the PyTorch reference (train/bert.py) on random-weight
 * GGUF models (train/make_random_gguf.py; goldens by train/golden_bert.py): token ids must match
 * exactly (WordPiece + [CLS]/[SEP], byte-level BPE + <|endoftext|>, truncation to the context) and
 * every component of every normalised vector within 1e-4. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed/embed.h"
#include "util/buf.h"

static void check_model(const char *model, const char *golden, const char *arch)
{
    char err[ERRMSG_SIZE];
    struct embed_model *m;
    if (embed_model_load(model, &m, err))
        fail_msg("%s", err);
    assert_string_equal(embed_model_arch(m), arch);
    int dim = embed_model_dim(m), maxt = embed_model_max_tokens(m);
    FILE *f = fopen(golden, "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    int n = 0, truncated = 0;
    double worst = 0;
    json_t *all = json_array();
    while (getline(&line, &cap, f) > 0) {
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        assert_non_null(o);
        json_array_append_new(all, o);
    }
    free(line);
    fclose(f);
    n = (int)json_array_size(all);
    assert_true(n >= 200);
    const char **texts = malloc(sizeof *texts * n);
    for (int i = 0; i < n; i++)
        texts[i] = json_string_value(json_object_get(json_array_get(all, (size_t)i), "text"));
    float *v = malloc(sizeof *v * dim * n);
    assert_int_equal(embed_texts(m, texts, n, v, err), 0);       /* one batched call */
    int *ids = malloc(sizeof *ids * maxt);
    for (int i = 0; i < n; i++) {
        json_t *o = json_array_get(all, (size_t)i), *gi = json_object_get(o, "ids"), *gv = json_object_get(o, "vec");
        int k = embed_tokenize(m, texts[i], ids, maxt, err);
        if (k != (int)json_array_size(gi))
            fail_msg("%s text %d (%.40s): %d tokens, reference %zu", model, i, texts[i], k, json_array_size(gi));
        truncated += k == maxt;
        for (int j = 0; j < k; j++)
            if (ids[j] != json_integer_value(json_array_get(gi, (size_t)j)))
                fail_msg("%s text %d: token %d is %d, reference %lld", model, i, j, ids[j],
                         json_integer_value(json_array_get(gi, (size_t)j)));
        assert_int_equal((int)json_array_size(gv), dim);
        for (int j = 0; j < dim; j++) {
            double e = fabs(v[(size_t)i * dim + j] - json_real_value(json_array_get(gv, (size_t)j)));
            worst = e > worst ? e : worst;
        }
    }
    print_message("%s: %d texts (%d truncated), max abs error %.2e\n", model, n, truncated, worst);
    assert_true(worst <= 1e-4);
    assert_true(truncated > 5);
    free(ids);
    free(v);
    free(texts);
    json_decref(all);
    embed_model_free(m);
}

static void test_bert(void **state)
{
    (void)state;
    check_model("tests/embed/bert-tiny.gguf", "tests/embed/bert-tiny_golden.jsonl", "bert");
}

static void test_jina_bert_v2(void **state)
{
    (void)state;
    check_model("tests/embed/jina-tiny.gguf", "tests/embed/jina-tiny_golden.jsonl", "jina-bert-v2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bert),
        cmocka_unit_test(test_jina_bert_v2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
