/* WordPiece tokenizer (BERT uncased), as Hugging Face's BertTokenizer does it:
 *   1. clean: drop NUL, U+FFFD and "other" (\p{C}) characters, map white space to ' ';
 *   2. put spaces around CJK ideographs;
 *   3. fold (lower-case, NFD, drop nonspacing marks) when tokenizer.wordpiece.lowercase != 0;
 *   4. split on white space, then split off every punctuation character (\p{P} and the ASCII
 *      symbol ranges);
 *   5. per word, greedy longest-match-first against the vocabulary; a word longer than 100 code
 *      points or with an unmatched remainder becomes [UNK].
 * The vocabulary uses llama.cpp's convention: a piece that starts a word carries a U+2581 prefix
 * ("▁hello"), a continuation piece is bare ("##d" in Hugging Face's vocab.txt is "d" here). */
#include "embed/tok_impl.h"
#include "embed/unicode_tab.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

#define MAX_WORD_CHARS 100

int tok_wordpiece_load(const struct gguf *g, struct embed_tok *t, char *err)
{
    const struct gguf_kv *tok = embed_gguf_kv(g, "tokenizer.ggml.tokens");
    if (!tok || tok->type != GGUF_T_ARR || tok->atype != GGUF_T_STR || tok->count < 1 || tok->count > (1u << 22)) {
        errmsg_set(err, "WordPiece tokenizer: tokenizer.ggml.tokens missing or not a string array");
        return -1;
    }
    t->n_vocab = (int)tok->count;
    t->vocab = tok->strs;
    if (tok_map_build(&t->map, tok->strs, t->n_vocab)) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    uint32_t lc = 1;
    if (embed_gguf_kv(g, "tokenizer.wordpiece.lowercase") &&
        embed_gguf_u32(g, "tokenizer.wordpiece.lowercase", &lc, err))
        return -1;
    t->lowercase = lc != 0;
    return 0;
}

static int is_cjk(uint32_t c)
{
    return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x20000 && c <= 0x2a6df) ||
           (c >= 0x2a700 && c <= 0x2b73f) || (c >= 0x2b740 && c <= 0x2b81f) || (c >= 0x2b820 && c <= 0x2ceaf) ||
           (c >= 0xf900 && c <= 0xfaff) || (c >= 0x2f800 && c <= 0x2fa1f);
}

static int is_punct(uint32_t c)
{
    if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126))
        return 1;
    return (tok_uc_flags(c) & UC_P) != 0;
}

static int is_space(uint32_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || (tok_uc_flags(c) & UC_ZS);
}

/* Appends the fold of c (lower-case, NFD, no nonspacing marks) to out; returns the count. */
static int fold(uint32_t c, uint32_t *out)
{
    if (c >= 0xac00 && c <= 0xd7a3) {      /* Hangul syllable: algorithmic NFD */
        uint32_t s = c - 0xac00, n = 0;
        out[n++] = 0x1100 + s / 588;
        out[n++] = 0x1161 + (s % 588) / 28;
        if (s % 28)
            out[n++] = 0x11a7 + s % 28;
        return (int)n;
    }
    if (c < 0x80) {
        out[0] = c >= 'A' && c <= 'Z' ? c + 32 : c;
        return 1;
    }
    int lo = 0, hi = uc_n_fold - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (uc_fold_from[mid] == c) {
            int n = uc_fold_off[mid + 1] - uc_fold_off[mid];
            memcpy(out, uc_fold_to + uc_fold_off[mid], (size_t)n * sizeof *out);
            return n;
        }
        if (uc_fold_from[mid] < c)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    if (tok_uc_flags(c) & UC_MN)
        return 0;
    out[0] = c;
    return 1;
}

/* WordPiece of one word w[0..n). buf has room for "▁" + 4 bytes per code point. */
static int word_pieces(const struct embed_tok *t, const uint32_t *w, int n, char *buf, struct embed_ids *ids)
{
    int start_n = ids->n;
    if (n > MAX_WORD_CHARS)
        goto unk;
    /* byte offsets of each code point inside the UTF-8 of the word, after a "▁" prefix */
    int off[MAX_WORD_CHARS + 1];
    int pos = 3;
    memcpy(buf, "\xe2\x96\x81", 3);
    for (int i = 0; i < n; i++) {
        off[i] = pos;
        pos += tok_put_utf8(buf + pos, w[i]);
    }
    off[n] = pos;
    for (int s = 0; s < n;) {
        int found = -1, e;
        for (e = n; e > s; e--) {
            const char *p = s == 0 ? buf : buf + off[s];
            size_t len = (size_t)(off[e] - (s == 0 ? 0 : off[s]));
            if ((found = tok_map_get(&t->map, p, len)) >= 0)
                break;
        }
        if (found < 0)
            goto unk;
        if (embed_ids_push(ids, found))
            return -1;
        s = e;
    }
    return 0;
unk:
    ids->n = start_n;
    return t->unk_id >= 0 ? embed_ids_push(ids, t->unk_id) : 0;
}

int tok_wordpiece_encode(const struct embed_tok *t, const char *text, size_t len, int stop_at, struct embed_ids *ids,
                         char *err)
{
    uint32_t *cp = NULL, *w = NULL;
    char *buf = NULL;
    int rc = -1, n = embed_utf8_decode(text, len, &cp);
    if (n < 0)
        goto oom;
    w = malloc(((size_t)n * 4 + 8) * sizeof *w);      /* a fold yields at most 4 code points here */
    buf = malloc(3 + 4 * MAX_WORD_CHARS + 8);
    if (!w || !buf)
        goto oom;
    int wn = 0;
    for (int i = 0; i <= n && ids->n < stop_at; i++) {
        uint32_t c = i < n ? cp[i] : ' ';
        int flags = i < n ? tok_uc_flags(c) : 0;
        if (c == 0 || c == 0xfffd || ((flags & UC_C) && c != '\t' && c != '\n' && c != '\r'))
            continue;
        int boundary = is_space(c), single = !boundary && (is_punct(c) || is_cjk(c));
        if (boundary || single) {
            if (wn && word_pieces(t, w, wn, buf, ids))
                goto oom;
            wn = 0;
            if (single) {
                uint32_t f[8];
                int k = t->lowercase ? fold(c, f) : (f[0] = c, 1);
                if (k && word_pieces(t, f, k, buf, ids))
                    goto oom;
            }
            continue;
        }
        if (t->lowercase) {
            uint32_t f[8];
            int k = fold(c, f);
            for (int j = 0; j < k; j++) {
                /* a folded code point can itself be punctuation or space: split there too */
                if (is_space(f[j]) || is_punct(f[j])) {
                    if (wn && word_pieces(t, w, wn, buf, ids))
                        goto oom;
                    wn = 0;
                    if (!is_space(f[j]) && word_pieces(t, &f[j], 1, buf, ids))
                        goto oom;
                    continue;
                }
                if (wn < MAX_WORD_CHARS + 1)
                    w[wn++] = f[j];
            }
        } else if (wn < MAX_WORD_CHARS + 1) {
            w[wn++] = c;
        }
    }
    rc = 0;
    goto done;
oom:
    errmsg_set(err, "out of memory while tokenising");
done:
    free(cp);
    free(w);
    free(buf);
    return rc;
}
