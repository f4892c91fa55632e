/* Tokenizer dispatch (by tokenizer.ggml.model) and helpers shared by the tokenizers. */
#include "embed/embed_internal.h"
#include "embed/tok_impl.h"
#include "embed/unicode_tab.h"
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

static uint32_t hash_bytes(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= 16777619u;
    }
    return h;
}

int tok_map_build(struct tok_map *m, const struct gguf_str *keys, int n)
{
    uint32_t size = 1;
    while (size < (uint32_t)n * 2 + 2)
        size <<= 1;
    m->keys = keys;
    m->mask = size - 1;
    m->slot = malloc(size * sizeof *m->slot);
    if (!m->slot)
        return -1;
    memset(m->slot, 0xff, size * sizeof *m->slot);
    for (int i = 0; i < n; i++) {
        uint32_t h = hash_bytes(keys[i].p, keys[i].n) & m->mask;
        while (m->slot[h] >= 0 && !(keys[m->slot[h]].n == keys[i].n && !memcmp(keys[m->slot[h]].p, keys[i].p, keys[i].n)))
            h = (h + 1) & m->mask;
        if (m->slot[h] < 0)      /* the first of duplicate strings keeps the slot */
            m->slot[h] = i;
    }
    return 0;
}

int tok_map_get(const struct tok_map *m, const char *s, size_t n)
{
    uint32_t h = hash_bytes(s, n) & m->mask;
    for (;;) {
        int32_t id = m->slot[h];
        if (id < 0)
            return -1;
        if (m->keys[id].n == n && !memcmp(m->keys[id].p, s, n))
            return id;
        h = (h + 1) & m->mask;
    }
}

void tok_map_free(struct tok_map *m)
{
    free(m->slot);
    m->slot = NULL;
}

int tok_uc_flags(uint32_t c)
{
    int lo = 0, hi = uc_n_ranges - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (c < uc_ranges[mid].first)
            hi = mid - 1;
        else if (c > uc_ranges[mid].last)
            lo = mid + 1;
        else
            return uc_ranges[mid].flags;
    }
    return 0;
}

int tok_put_utf8(char *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xc0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xe0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        o[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    o[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

/* Optional special-token id; -1 when the key is absent. */
static int special(const struct gguf *g, const char *key, int n_vocab, int32_t *out, char *err)
{
    uint32_t v;
    *out = -1;
    if (!embed_gguf_kv(g, key))
        return 0;
    if (embed_gguf_u32(g, key, &v, err))
        return -1;
    if (v >= (uint32_t)n_vocab) {
        errmsg_set(err, "%s = %u is outside the vocabulary (%d)", key, v, n_vocab);
        return -1;
    }
    *out = (int32_t)v;
    return 0;
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
    t->bos_id = t->eos_id = t->unk_id = -1;
    if (embed_gguf_str_eq(model, "unigram")) {
        t->kind = TOK_UNIGRAM;
        rc = tok_unigram_load(g, t, err);
    } else if (embed_gguf_str_eq(model, "bert")) {
        t->kind = TOK_WORDPIECE;
        rc = tok_wordpiece_load(g, t, err);
    } else if (embed_gguf_str_eq(model, "gpt2")) {
        t->kind = TOK_BPE;
        rc = tok_bpe_load(g, t, err);
    } else {
        errmsg_set(err, "unsupported tokenizer '%.*s' (supported: unigram, bert, gpt2)",
                   (int)(model.n > 32 ? 32 : model.n), model.p);
        rc = -1;
    }
    if (rc == 0 && t->kind != TOK_UNIGRAM) {
        /* BERT-style models wrap each text: [CLS] ... [SEP] / <s> ... </s> */
        if (special(g, "tokenizer.ggml.cls_token_id", t->n_vocab, &t->bos_id, err) ||
            special(g, "tokenizer.ggml.seperator_token_id", t->n_vocab, &t->eos_id, err) ||
            special(g, "tokenizer.ggml.unknown_token_id", t->n_vocab, &t->unk_id, err))
            rc = -1;
        if (rc == 0 && t->bos_id < 0 && special(g, "tokenizer.ggml.bos_token_id", t->n_vocab, &t->bos_id, err))
            rc = -1;
        if (rc == 0 && t->eos_id < 0 && special(g, "tokenizer.ggml.eos_token_id", t->n_vocab, &t->eos_id, err))
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
    tok_map_free(&t->map);
    tok_map_free(&t->merges);
    free(t);
}

int embed_tok_encode(const struct embed_tok *t, const char *text, size_t len, int limit, struct embed_ids *ids,
                     char *err)
{
    switch (t->kind) {
    case TOK_UNIGRAM: return tok_unigram_encode(t, text, len, ids, err);
    case TOK_WORDPIECE: return tok_wordpiece_encode(t, text, len, ids->n + limit, ids, err);
    case TOK_BPE: return tok_bpe_encode(t, text, len, ids->n + limit, ids, err);
    }
    errmsg_set(err, "tokenizer not loaded");
    return -1;
}

void embed_tok_specials(const struct embed_tok *t, int *bos, int *eos)
{
    *bos = t->kind == TOK_UNIGRAM ? -1 : t->bos_id;
    *eos = t->kind == TOK_UNIGRAM ? -1 : t->eos_id;
}

const char *embed_tok_kind(const struct embed_tok *t)
{
    switch (t->kind) {
    case TOK_UNIGRAM: return "unigram (SentencePiece)";
    case TOK_WORDPIECE: return "WordPiece (BERT)";
    case TOK_BPE: return "byte-level BPE (GPT-2)";
    }
    return "?";
}

int embed_tok_vocab_size(const struct embed_tok *t)
{
    return t->n_vocab;
}
