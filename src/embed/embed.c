/* embed_texts / embed_tokenize: tokenise, truncate, run the model's forward pass in chunks. */
#include "embed/embed.h"
#include "embed/embed_internal.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_TEXTS  64      /* texts per forward pass: bounds scratch memory */
#define CHUNK_TOKENS 8192

/* Length of text cut to EMBED_MAX_TEXT_BYTES without splitting a UTF-8 sequence. */
static size_t clip_len(const char *text)
{
    size_t n = strnlen(text, EMBED_MAX_TEXT_BYTES + 1);
    if (n <= EMBED_MAX_TEXT_BYTES)
        return n;
    n = EMBED_MAX_TEXT_BYTES;
    while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
        n--;
    return n;
}

/* Token ids of one text, wrapped in the model's special tokens ([CLS] ... [SEP], <s> ... </s>)
 * and cut to max_tokens (specials included). */
static int tokenize_one(const struct embed_model *m, const char *text, struct embed_ids *ids, char *err)
{
    int bos, eos;
    embed_tok_specials(m->tok, &bos, &eos);
    int body = m->max_tokens - (bos >= 0) - (eos >= 0);
    if (body < 0)
        body = 0;
    if (bos >= 0 && embed_ids_push(ids, bos))
        goto oom;
    int start = ids->n;
    if (embed_tok_encode(m->tok, text, clip_len(text), body, ids, err))
        return -1;
    if (ids->n - start > body)
        ids->n = start + body;
    if (eos >= 0 && embed_ids_push(ids, eos))
        goto oom;
    if (ids->n - start + (bos >= 0) > m->max_tokens)     /* max_tokens smaller than the specials */
        ids->n = start - (bos >= 0) + m->max_tokens;
    return 0;
oom:
    errmsg_set(err, "out of memory");
    return -1;
}

static int forward(const struct embed_model *m, const int32_t *ids, const int *off, int n, float *out, char *err)
{
    switch (m->arch) {
    case ARCH_USE_LITE: return embed_use_lite_forward(m, ids, off, n, out, err);
    case ARCH_BERT:
    case ARCH_JINA_BERT_V2: return embed_bert_forward(m, ids, off, n, out, err);
    }
    errmsg_set(err, "model not loaded");
    return -1;
}

int embed_texts(struct embed_model *m, const char *const *texts, int n, float *out, char *err)
{
    if (!m || n < 0 || (n > 0 && (!texts || !out))) {
        errmsg_set(err, "embed_texts: bad arguments");
        return -1;
    }
    struct embed_ids ids = {0};
    int off[CHUNK_TEXTS + 1];
    int rc = 0;
    for (int i = 0; i < n && rc == 0;) {
        ids.n = 0;
        int k = 0;
        off[0] = 0;
        while (i + k < n && k < CHUNK_TEXTS && ids.n < CHUNK_TOKENS) {
            if (!texts[i + k]) {
                errmsg_set(err, "embed_texts: text %d is NULL", i + k);
                rc = -1;
                break;
            }
            if (tokenize_one(m, texts[i + k], &ids, err)) {
                rc = -1;
                break;
            }
            off[++k] = ids.n;
        }
        if (rc == 0 && (rc = forward(m, ids.v, off, k, out + (size_t)i * m->dim, err)) == 0)
            i += k;
    }
    free(ids.v);
    return rc;
}

int embed_tokenize(const struct embed_model *m, const char *text, int *out, int cap, char *err)
{
    struct embed_ids ids = {0};
    if (tokenize_one(m, text, &ids, err)) {
        free(ids.v);
        return -1;
    }
    int n = ids.n;
    for (int i = 0; i < n && i < cap; i++)
        out[i] = ids.v[i];
    free(ids.v);
    return n;
}
