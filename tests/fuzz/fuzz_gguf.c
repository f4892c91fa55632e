/* libFuzzer target: model files. A GGUF image is parsed from the input (header, key/value pairs,
 * tensor directory); when it parses, its tokenizer is loaded from it (vocabulary arrays of any
 * type and length) and, when that loads, used on a fixed text. Checks: every tensor lies inside
 * the image, every token id is inside the vocabulary. */
#include "embed/embed_internal.h"
#include "util/buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[ERRMSG_SIZE];
    struct gguf *g = NULL;
    /* a copy aligned like a mapping, so that tensor alignment checks see real offsets */
    void *copy = aligned_alloc(64, (size + 64) & ~(size_t)63);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    if (embed_gguf_parse(copy, size, &g, err) == 0) {
        for (uint64_t i = 0; i < g->n_tensors; i++) {
            const char *t = g->tensors[i].data;
            if (t < (const char *)copy || t > (const char *)copy + size)
                abort();
        }
        struct embed_tok *tok = NULL;
        if (embed_tok_load(g, &tok, err) == 0) {
            static const char text[] = "KeyError: 'user 123' in handle (app/main.py) caf\xc3\xa9 \xe2\x82\xac";
            struct embed_ids ids = {0};
            embed_tok_encode(tok, text, sizeof text - 1, 64, &ids, err);
            int vocab = embed_tok_vocab_size(tok);
            for (int i = 0; i < ids.n; i++)
                if (ids.v[i] < 0 || ids.v[i] >= vocab)
                    abort();
            free(ids.v);
            embed_tok_free(tok);
        }
        embed_gguf_close(g);
    }
    free(copy);
    return 0;
}
