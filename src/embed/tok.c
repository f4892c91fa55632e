/* Tokenizer dispatch (by tokenizer.ggml.model) and helpers shared by the tokenizers. */
#include "embed/embed_internal.h"
#include "embed/tok_impl.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

int embed_ids_push(struct embed_ids *ids, int32_t id)
{
    if (ids->n == ids->cap) {
        int cap = ids->cap ? ids->cap * 2 : 64;
        int32_t *v = realloc(ids->v, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        ids->v = v;
        ids->cap = cap;
    }
    ids->v[ids->n++] = id;
    return 0;
}

int embed_utf8_decode(const char *s, size_t len, uint32_t **out)
{
    const uint8_t *p = (const uint8_t *)s;
    uint32_t *cp = malloc((len + 1) * sizeof *cp);
    if (!cp)
        return -1;
    int n = 0;
    size_t i = 0;
    while (i < len) {
        uint32_t c = p[i], need = 0, min = 0;
        if (c < 0x80) {
            cp[n++] = c;
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            need = 1; c &= 0x1f; min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            need = 2; c &= 0x0f; min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            need = 3; c &= 0x07; min = 0x10000;
        } else {
            cp[n++] = 0xfffd;
            i++;
            continue;
        }
        size_t j = 1;
        for (; j <= need && i + j < len && (p[i + j] & 0xc0) == 0x80; j++)
            c = (c << 6) | (p[i + j] & 0x3f);
        if (j <= need || c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
            cp[n++] = 0xfffd;      /* invalid or truncated sequence: one replacement, skip its bytes */
            i += j;
            continue;
        }
        cp[n++] = c;
        i += j;
    }
    *out = cp;
    return n;
}

int embed_tok_load(const struct gguf *g, struct embed_tok **out, char *err)
{
    struct gguf_str model;
    *out = NULL;
    if (embed_gguf_str(g, "tokenizer.ggml.model", &model, err))
        return -1;
    struct embed_tok *t = calloc(1, sizeof *t);
    if (!t) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    int rc;
    if (embed_gguf_str_eq(model, "unigram")) {
        t->kind = TOK_UNIGRAM;
        rc = tok_unigram_load(g, t, err);
    } else {
        errmsg_set(err, "unsupported tokenizer '%.*s' (supported: unigram)", (int)(model.n > 32 ? 32 : model.n),
                   model.p);
        rc = -1;
    }
    if (rc) {
        embed_tok_free(t);
        return -1;
    }
    *out = t;
    return 0;
}

void embed_tok_free(struct embed_tok *t)
{
    if (!t)
        return;
    tok_unigram_free(t);
    free(t);
}

int embed_tok_encode(const struct embed_tok *t, const char *text, size_t len, struct embed_ids *ids, char *err)
{
    switch (t->kind) {
    case TOK_UNIGRAM: return tok_unigram_encode(t, text, len, ids, err);
    }
    errmsg_set(err, "tokenizer not loaded");
    return -1;
}

const char *embed_tok_kind(const struct embed_tok *t)
{
    switch (t->kind) {
    case TOK_UNIGRAM: return "unigram (SentencePiece)";
    }
    return "?";
}

int embed_tok_vocab_size(const struct embed_tok *t)
{
    return t->n_vocab;
}
