/* libFuzzer target: the tokenizers on hostile text (event titles, frames and messages reach them
 * unchanged): WordPiece (BERT vocabulary), byte-level BPE (GPT-2 vocabulary) and the shipped
 * model's unigram tokenizer, loaded once from the files in the repository. Checks: every id is
 * inside the vocabulary, and a left-to-right tokenizer's ids under a limit of 8 are a prefix of
 * its ids without a limit. */
#include "embed/embed_internal.h"
#include "util/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const FILES[] = {"tests/embed/vocab/ggml-vocab-bert-bge.gguf",
                                    "tests/embed/vocab/ggml-vocab-gpt-2.gguf", "models/use-lite.gguf"};
#define N_TOK (sizeof FILES / sizeof FILES[0])
static struct embed_tok *tok[N_TOK];
static struct gguf *model[N_TOK];

static void unload(void)
{
    for (size_t i = 0; i < N_TOK; i++) {
        embed_tok_free(tok[i]);
        embed_gguf_close(model[i]);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char err[ERRMSG_SIZE];
    for (size_t i = 0; i < N_TOK; i++) {
        /* the model stays open: a tokenizer may point into its strings */
        if (embed_gguf_open(FILES[i], &model[i], err) != 0 || embed_tok_load(model[i], &tok[i], err) != 0) {
            fprintf(stderr, "fuzz_tokenize: %s: %s (run from the repository root)\n", FILES[i], err);
            exit(1);
        }
    }
    atexit(unload); /* before the leak check, which was registered first */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[ERRMSG_SIZE];
    for (size_t k = 0; k < N_TOK; k++) {
        struct embed_ids all = {0}, some = {0};
        int vocab = embed_tok_vocab_size(tok[k]);
        int rc_all = embed_tok_encode(tok[k], (const char *)data, size, 1 << 30, &all, err);
        int rc_some = embed_tok_encode(tok[k], (const char *)data, size, 8, &some, err);
        if (rc_all == 0)
            for (int i = 0; i < all.n; i++)
                if (all.v[i] < 0 || all.v[i] >= vocab)
                    abort();
        if (rc_all == 0 && rc_some == 0 && strncmp(embed_tok_kind(tok[k]), "unigram", 7) != 0) {
            if (some.n > all.n)
                abort();
            for (int i = 0; i < some.n && i < all.n; i++)
                if (some.v[i] != all.v[i])
                    abort(); /* the limited run must be the exact prefix */
        }
        free(all.v);
        free(some.v);
    }
    return 0;
}
