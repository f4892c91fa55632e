/* SentencePiece-unigram tokenizer, exactly as @energetic-ai/embeddings (the USE-Lite JavaScript
 * runtime) runs it, so token ids match the reference bit for bit:
 *   1. NFKC (a per-code-point table stored in the GGUF: tokenizer.nfkc.from / .to);
 *   2. if non-empty: prefix U+2581 and replace every ' ' with U+2581;
 *   3. Viterbi over code points: every vocabulary piece (ids >= tokenizer.unigram.reserved_count)
 *      that starts at position i is an edge with its log-probability; a position where no piece
 *      starts gets a one-code-point unknown edge (id 0, score 0). End positions are visited in
 *      order, start positions ascending, and an edge wins if best == 0 or score >= best (the
 *      runtime's rule, ties included);
 *   4. backtrack from the end subtracting each piece's UTF-16 length, then merge runs of id 0.
 */
#include "embed/tok_impl.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

#define SEP 0x2581u
#define MAX_PIECE 256   /* code points */

static uint32_t hash_cps(const uint32_t *c, int n)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < n; i++) {
        h ^= c[i];
        h *= 16777619u;
    }
    return h;
}

static int piece_len(const struct embed_tok *t, int id)
{
    return (int)(t->cp_off[id + 1] - t->cp_off[id]);
}

static int lookup(const struct embed_tok *t, const uint32_t *c, int n)
{
    uint32_t h = hash_cps(c, n) & t->table_mask;
    for (;;) {
        int32_t id = t->table[h];
        if (id < 0)
            return -1;
        if (piece_len(t, id) == n && !memcmp(t->cps + t->cp_off[id], c, (size_t)n * 4))
            return id;
        h = (h + 1) & t->table_mask;
    }
}

void tok_unigram_free(struct embed_tok *t)
{
    free(t->cps);
    free(t->cp_off);
    free(t->len16);
    free(t->scores);
    free(t->table);
    free(t->nfkc_from);
    free(t->nfkc_to_off);
    free(t->nfkc_to);
}

/* Concatenates the code points of a string array; off gets count+1 entries. */
static int decode_strings(const struct gguf_str *s, uint64_t count, uint32_t **cps, uint32_t **off)
{
    uint64_t total = 0;
    for (uint64_t i = 0; i < count; i++)
        total += s[i].n;
    if (total > (1u << 30))
        return -1;
    *cps = malloc((total + 1) * sizeof **cps);
    *off = malloc((count + 1) * sizeof **off);
    if (!*cps || !*off)
        return -1;
    uint32_t pos = 0;
    for (uint64_t i = 0; i < count; i++) {
        uint32_t *tmp;
        int n = embed_utf8_decode(s[i].p, s[i].n, &tmp);
        if (n < 0)
            return -1;
        (*off)[i] = pos;
        memcpy(*cps + pos, tmp, (size_t)n * 4);
        pos += (uint32_t)n;
        free(tmp);
    }
    (*off)[count] = pos;
    return 0;
}

int tok_unigram_load(const struct gguf *g, struct embed_tok *t, char *err)
{
    const struct gguf_kv *tok = embed_gguf_kv(g, "tokenizer.ggml.tokens");
    const struct gguf_kv *sc = embed_gguf_kv(g, "tokenizer.ggml.scores");
    if (!tok || tok->type != GGUF_T_ARR || tok->atype != GGUF_T_STR || tok->count < 1 || tok->count > (1u << 22)) {
        errmsg_set(err, "unigram tokenizer: tokenizer.ggml.tokens missing or not a string array");
        return -1;
    }
    if (!sc || sc->type != GGUF_T_ARR || (sc->atype != GGUF_T_F32 && sc->atype != GGUF_T_F64) ||
        sc->count != tok->count) {
        errmsg_set(err, "unigram tokenizer: tokenizer.ggml.scores missing or not one float per token");
        return -1;
    }
    uint32_t reserved = 0;
    if (embed_gguf_kv(g, "tokenizer.unigram.reserved_count") &&
        embed_gguf_u32(g, "tokenizer.unigram.reserved_count", &reserved, err))
        return -1;
    int n = (int)tok->count;
    t->n_vocab = n;
    if (decode_strings(tok->strs, tok->count, &t->cps, &t->cp_off)) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    t->len16 = malloc((size_t)n * sizeof *t->len16);
    t->scores = malloc((size_t)n * sizeof *t->scores);
    uint32_t size = 1;
    while (size < (uint32_t)n * 2)
        size <<= 1;
    t->table = malloc(size * sizeof *t->table);
    if (!t->len16 || !t->scores || !t->table) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    memset(t->table, 0xff, size * sizeof *t->table);
    t->table_mask = size - 1;
    for (int i = 0; i < n; i++) {
        t->scores[i] = embed_gguf_arr_f64(sc, (uint64_t)i);
        int l = piece_len(t, i), l16 = 0;
        for (int k = 0; k < l; k++)
            l16 += t->cps[t->cp_off[i] + k] > 0xffff ? 2 : 1;
        t->len16[i] = l16;
        if ((uint32_t)i < reserved || l == 0 || l > MAX_PIECE)
            continue;     /* an absurdly long piece (hostile file) would make the Viterbi quadratic */
        if (l > t->max_piece)
            t->max_piece = l;
        uint32_t h = hash_cps(t->cps + t->cp_off[i], l) & t->table_mask;
        for (;;) {    /* insert; a later duplicate piece replaces the earlier one, as in the JS trie */
            int32_t id = t->table[h];
            if (id < 0 || (piece_len(t, id) == l && !memcmp(t->cps + t->cp_off[id], t->cps + t->cp_off[i], (size_t)l * 4))) {
                t->table[h] = i;
                break;
            }
            h = (h + 1) & t->table_mask;
        }
    }

    const struct gguf_kv *nf = embed_gguf_kv(g, "tokenizer.nfkc.from");
    const struct gguf_kv *nt = embed_gguf_kv(g, "tokenizer.nfkc.to");
    if (nf || nt) {
        if (!nf || !nt || nf->type != GGUF_T_ARR || nf->atype != GGUF_T_U32 || nt->type != GGUF_T_ARR ||
            nt->atype != GGUF_T_STR || nf->count != nt->count || nf->count > (1u << 21)) {
            errmsg_set(err, "unigram tokenizer: bad tokenizer.nfkc.from/to table");
            return -1;
        }
        t->n_nfkc = (int)nf->count;
        t->nfkc_from = malloc((nf->count + 1) * sizeof *t->nfkc_from);
        if (!t->nfkc_from || decode_strings(nt->strs, nt->count, &t->nfkc_to, &t->nfkc_to_off)) {
            errmsg_set(err, "out of memory");
            return -1;
        }
        for (int i = 0; i < t->n_nfkc; i++) {
            t->nfkc_from[i] = (uint32_t)embed_gguf_arr_f64(nf, (uint64_t)i);
            if (i && t->nfkc_from[i] <= t->nfkc_from[i - 1]) {
                errmsg_set(err, "unigram tokenizer: tokenizer.nfkc.from is not sorted");
                return -1;
            }
        }
    }
    return 0;
}

static int nfkc_find(const struct embed_tok *t, uint32_t c)
{
    int lo = 0, hi = t->n_nfkc - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (t->nfkc_from[mid] == c)
            return mid;
        if (t->nfkc_from[mid] < c)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

int tok_unigram_encode(const struct embed_tok *t, const char *text, size_t len, struct embed_ids *ids, char *err)
{
    uint32_t *raw = NULL, *s = NULL;
    double *best = NULL;
    int32_t *words = NULL, *tmp = NULL;
    unsigned char *starts = NULL;
    int rc = -1;
    int nraw = embed_utf8_decode(text, len, &raw);
    if (nraw < 0)
        goto oom;
    /* normalise, then build "▁" + text with spaces as ▁ */
    size_t cap = (size_t)nraw + 1, n = 0;
    s = malloc(cap * sizeof *s);
    if (!s)
        goto oom;
    for (int i = 0; i < nraw; i++) {
        int k = raw[i] < 0x80 ? -1 : nfkc_find(t, raw[i]);
        const uint32_t *rep = &raw[i];
        size_t rn = 1;
        if (k >= 0) {
            rep = t->nfkc_to + t->nfkc_to_off[k];
            rn = t->nfkc_to_off[k + 1] - t->nfkc_to_off[k];
        }
        if (n + rn + 1 > cap) {
            cap = (n + rn + 1) * 2;
            uint32_t *ns = realloc(s, cap * sizeof *s);
            if (!ns)
                goto oom;
            s = ns;
        }
        for (size_t j = 0; j < rn; j++) {
            if (n == 0) {
                s[n++] = SEP;
            }
            s[n++] = rep[j] == ' ' ? SEP : rep[j];
        }
    }
    if (n == 0) {
        rc = 0;
        goto done;
    }
    best = calloc(n + 1, sizeof *best);
    words = calloc(n + 1, sizeof *words);
    starts = calloc(n + 1, 1);
    if (!best || !words || !starts)
        goto oom;
    /* starts[i]: does any piece start at i? If not, position i gets the unknown edge. */
    for (size_t i = 0; i < n; i++)
        for (int l = 1; l <= t->max_piece && i + (size_t)l <= n && !starts[i]; l++)
            if (lookup(t, s + i, l) >= 0)
                starts[i] = 1;
    for (size_t e = 1; e <= n; e++) {
        size_t s0 = e > (size_t)t->max_piece ? e - (size_t)t->max_piece : 0;
        for (size_t st = s0; st < e; st++) {
            int id;
            double score;
            if (starts[st]) {
                id = lookup(t, s + st, (int)(e - st));
                if (id < 0)
                    continue;
                score = t->scores[id] + best[st];
            } else {
                if (e - st != 1)
                    continue;
                id = 0;
                score = best[st];
            }
            if (best[e] == 0.0 || score >= best[e]) {
                best[e] = score;
                words[e] = id;
            }
        }
    }
    /* backtrack (right to left), then merge runs of the unknown id while reversing */
    tmp = malloc((n + 1) * sizeof *tmp);
    if (!tmp)
        goto oom;
    int cnt = 0;
    for (long it = (long)n; it > 0;) {
        int id = words[it];
        tmp[cnt++] = id;
        int step = id >= 0 && id < t->n_vocab ? t->len16[id] : 1;
        it -= step > 0 ? step : 1;
    }
    int prev_unk = 0;
    int first = ids->n;
    for (int i = 0; i < cnt; i++) {
        if (!(prev_unk && tmp[i] == 0) && embed_ids_push(ids, tmp[i]))
            goto oom;
        prev_unk = tmp[i] == 0;
    }
    for (int a = first, b = ids->n - 1; a < b; a++, b--) {
        int32_t x = ids->v[a];
        ids->v[a] = ids->v[b];
        ids->v[b] = x;
    }
    rc = 0;
    goto done;
oom:
    errmsg_set(err, "out of memory while tokenising");
done:
    free(raw);
    free(s);
    free(best);
    free(words);
    free(starts);
    free(tmp);
    return rc;
}
