/* Private to src/embed: the tokenizer structure shared by tok.c and tok_*.c. */
#ifndef FAULTLINE_EMBED_TOK_IMPL_H
#define FAULTLINE_EMBED_TOK_IMPL_H

#include "embed/embed_internal.h"

enum { TOK_NONE, TOK_UNIGRAM, TOK_WORDPIECE, TOK_BPE };

/* String -> token id hash (keys point into the GGUF mapping). */
struct tok_map {
    const struct gguf_str *keys;   /* the vocabulary strings */
    int32_t  *slot;                /* -1 empty, else token id */
    uint32_t  mask;
};
int  tok_map_build(struct tok_map *m, const struct gguf_str *keys, int n);
int  tok_map_get(const struct tok_map *m, const char *s, size_t n);   /* -1 if absent */
void tok_map_free(struct tok_map *m);
/* Unicode flags (UC_* in unicode_tab.h) of a code point. */
int  tok_uc_flags(uint32_t c);
/* Appends the UTF-8 encoding of c. */
int  tok_put_utf8(char *out, uint32_t c);

struct embed_tok {
    int kind;
    int n_vocab;
    /* unigram (SentencePiece, as @energetic-ai/embeddings runs it) */
    uint32_t *cps;          /* code points of all pieces, concatenated */
    uint32_t *cp_off;       /* piece i = cps[cp_off[i] .. cp_off[i+1]) */
    int      *len16;        /* UTF-16 length of each piece (what the JS backtrack subtracts) */
    double   *scores;
    int32_t  *table;        /* open-addressing hash of piece -> id, -1 empty */
    uint32_t  table_mask;
    int       max_piece;    /* longest piece, in code points */
    uint32_t *nfkc_from;    /* sorted code points whose NFKC form differs */
    uint32_t *nfkc_to_off;  /* replacement i = nfkc_to[nfkc_to_off[i] .. nfkc_to_off[i+1]) */
    uint32_t *nfkc_to;
    int       n_nfkc;
    /* special tokens the model wraps each text in (-1: none) */
    int32_t bos_id, eos_id, unk_id;
    /* WordPiece (llama.cpp "bert" vocab convention: word starts carry a U+2581 prefix) and BPE */
    const struct gguf_str *vocab;
    struct tok_map map;
    int lowercase;
    struct tok_map merges;          /* BPE: "left right" -> rank */
    const struct gguf_str *merge_strs;
};

int  tok_unigram_load(const struct gguf *g, struct embed_tok *t, char *err);
void tok_unigram_free(struct embed_tok *t);
int  tok_unigram_encode(const struct embed_tok *t, const char *text, size_t len, struct embed_ids *ids, char *err);

int  tok_wordpiece_load(const struct gguf *g, struct embed_tok *t, char *err);
int  tok_wordpiece_encode(const struct embed_tok *t, const char *text, size_t len, int stop_at, struct embed_ids *ids,
                          char *err);
int  tok_bpe_load(const struct gguf *g, struct embed_tok *t, char *err);
int  tok_bpe_encode(const struct embed_tok *t, const char *text, size_t len, int stop_at, struct embed_ids *ids,
                    char *err);

#endif
