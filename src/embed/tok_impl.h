/* Private to src/embed: the tokenizer structure shared by tok.c and tok_*.c. */
#ifndef FAULTLINE_EMBED_TOK_IMPL_H
#define FAULTLINE_EMBED_TOK_IMPL_H

#include "embed/embed_internal.h"

enum { TOK_NONE, TOK_UNIGRAM };

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
};

int  tok_unigram_load(const struct gguf *g, struct embed_tok *t, char *err);
void tok_unigram_free(struct embed_tok *t);
int  tok_unigram_encode(const struct embed_tok *t, const char *text, size_t len, struct embed_ids *ids, char *err);

#endif
