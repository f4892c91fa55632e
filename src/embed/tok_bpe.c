/* Byte-level BPE (GPT-2 style, as jina-embeddings-v2-base-code uses):
 *   1. pre-tokenise with the GPT-2 pattern
 *        's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *      (hand-coded below; \p{L}, \p{N}, \s from the generated Unicode tables);
 *   2. map each byte of a chunk to its printable stand-in (GPT-2's bytes_to_unicode);
 *   3. merge adjacent symbols by rank (tokenizer.ggml.merges, "left right" strings, lowest rank
 *      first) until no pair is in the table; look each symbol up in the vocabulary. */
#include "embed/tok_impl.h"
#include "embed/unicode_tab.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CHUNK 512   /* code points; a longer pre-token (a run of symbols) is split */

int tok_bpe_load(const struct gguf *g, struct embed_tok *t, char *err)
{
    const struct gguf_kv *tok = embed_gguf_kv(g, "tokenizer.ggml.tokens");
    const struct gguf_kv *mg = embed_gguf_kv(g, "tokenizer.ggml.merges");
    if (!tok || tok->type != GGUF_T_ARR || tok->atype != GGUF_T_STR || tok->count < 1 || tok->count > (1u << 22)) {
        errmsg_set(err, "BPE tokenizer: tokenizer.ggml.tokens missing or not a string array");
        return -1;
    }
    if (!mg || mg->type != GGUF_T_ARR || mg->atype != GGUF_T_STR || mg->count > (1u << 22)) {
        errmsg_set(err, "BPE tokenizer: tokenizer.ggml.merges missing or not a string array");
        return -1;
    }
    t->n_vocab = (int)tok->count;
    t->vocab = tok->strs;
    t->merge_strs = mg->strs;
    if (tok_map_build(&t->map, tok->strs, t->n_vocab) || tok_map_build(&t->merges, mg->strs, (int)mg->count)) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    return 0;
}

/* GPT-2 bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 upwards. */
static uint32_t byte_char(uint8_t b)
{
    if ((b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae))
        return b;
    int n = 0;
    for (int x = 0; x < b; x++)
        if (!((x >= 0x21 && x <= 0x7e) || (x >= 0xa1 && x <= 0xac) || (x >= 0xae)))
            n++;
    return 0x100 + (uint32_t)n;
}

static int is_l(uint32_t c) { return c < 0x80 ? ((c | 32) >= 'a' && (c | 32) <= 'z') : (tok_uc_flags(c) & UC_L) != 0; }
static int is_n(uint32_t c) { return c < 0x80 ? (c >= '0' && c <= '9') : (tok_uc_flags(c) & UC_N) != 0; }
static int is_s(uint32_t c) { return c < 0x80 ? (c == ' ' || (c >= 9 && c <= 13)) : (tok_uc_flags(c) & UC_WS) != 0; }

/* Length (in code points) of the GPT-2 pattern match at cp[i] (always >= 1). */
static int gpt2_chunk(const uint32_t *c, int n, int i)
{
    if (c[i] == '\'' && i + 1 < n) {
        uint32_t a = c[i + 1], b = i + 2 < n ? c[i + 2] : 0;
        if (a == 's' || a == 't' || a == 'm' || a == 'd')
            return 2;
        if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
            return 3;
    }
    int j = i + (c[i] == ' ' && i + 1 < n ? 1 : 0);
    if (is_l(c[j]) || is_n(c[j]) || (!is_s(c[j]))) {
        int k = j;
        if (is_l(c[j]))
            while (k < n && is_l(c[k])) k++;
        else if (is_n(c[j]))
            while (k < n && is_n(c[k])) k++;
        else
            while (k < n && !is_s(c[k]) && !is_l(c[k]) && !is_n(c[k])) k++;
        if (k > j)
            return k - i;
    }
    /* white space: \s+(?!\S) then \s+ */
    int k = i;
    while (k < n && is_s(c[k]))
        k++;
    if (k < n && k - i > 1)
        return k - 1 - i;      /* leave the last space to prefix the next word */
    return k - i > 0 ? k - i : 1;
}

struct sym {
    int start, len;   /* byte range in the mapped chunk */
};

static int bpe_chunk(const struct embed_tok *t, const char *s, size_t n, struct embed_ids *ids)
{
    /* map bytes to their stand-in characters, UTF-8 encoded */
    char *m = malloc(n * 2 + 1), *pair = malloc(n * 2 + 2);
    struct sym *sy = malloc(n * sizeof *sy);
    if (!m || !pair || !sy) {
        free(m);
        free(pair);
        free(sy);
        return -1;
    }
    int ns = 0, pos = 0;
    for (size_t i = 0; i < n; i++) {
        int l = tok_put_utf8(m + pos, byte_char((uint8_t)s[i]));
        sy[ns].start = pos;
        sy[ns++].len = l;
        pos += l;
    }
    for (;;) {
        int best = -1, best_rank = 0;
        for (int i = 0; i + 1 < ns; i++) {
            int pl = 0;
            memcpy(pair, m + sy[i].start, (size_t)sy[i].len);
            pl = sy[i].len;
            pair[pl++] = ' ';
            memcpy(pair + pl, m + sy[i + 1].start, (size_t)sy[i + 1].len);
            pl += sy[i + 1].len;
            int r = tok_map_get(&t->merges, pair, (size_t)pl);
            if (r >= 0 && (best < 0 || r < best_rank)) {
                best = i;
                best_rank = r;
            }
        }
        if (best < 0)
            break;
        sy[best].len += sy[best + 1].len;      /* symbols are contiguous in m */
        memmove(sy + best + 1, sy + best + 2, (size_t)(ns - best - 2) * sizeof *sy);
        ns--;
    }
    int rc = 0;
    for (int i = 0; i < ns && rc == 0; i++) {
        int id = tok_map_get(&t->map, m + sy[i].start, (size_t)sy[i].len);
        if (id < 0)
            id = t->unk_id;
        if (id >= 0)
            rc = embed_ids_push(ids, id);
    }
    free(m);
    free(pair);
    free(sy);
    return rc;
}

int tok_bpe_encode(const struct embed_tok *t, const char *text, size_t len, int stop_at, struct embed_ids *ids,
                   char *err)
{
    uint32_t *cp = NULL;
    int n = embed_utf8_decode(text, len, &cp);
    if (n < 0) {
        errmsg_set(err, "out of memory while tokenising");
        return -1;
    }
    /* walk code points and bytes together: chunks are byte ranges of the input */
    size_t bpos = 0;
    int rc = 0;
    char tmp[4];
    for (int i = 0; i < n && rc == 0 && ids->n < stop_at;) {
        int k = gpt2_chunk(cp, n, i);
        if (k > MAX_CHUNK)       /* bound the quadratic merge loop on pathological runs */
            k = MAX_CHUNK;
        size_t blen = 0;
        for (int j = i; j < i + k; j++)
            blen += (size_t)tok_put_utf8(tmp, cp[j]);
        /* re-encode (invalid input bytes became U+FFFD) so chunk bytes are valid UTF-8 */
        char *chunk = malloc(blen + 1);
        if (!chunk) {
            rc = -1;
            break;
        }
        size_t o = 0;
        for (int j = i; j < i + k; j++)
            o += (size_t)tok_put_utf8(chunk + o, cp[j]);
        rc = bpe_chunk(t, chunk, o, ids);
        free(chunk);
        bpos += blen;
        i += k;
    }
    (void)bpos;
    free(cp);
    if (rc)
        errmsg_set(err, "out of memory while tokenising");
    return rc;
}
