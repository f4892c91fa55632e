/* Private to src/ann: the index layout shared by ann_index.c, ann_io.c and ann_registry.c.
 * Nothing outside src/ann includes this file; the public interface is ann.h. */
#ifndef FAULTLINE_ANN_INT_H
#define FAULTLINE_ANN_INT_H

#include "ann/ann.h"

#include <pthread.h>
#include <stdint.h>

/* Level-0 storage: one contiguous block per node (slot), so that a search touching a node reads
 * its vector and its neighbour list from the same region:
 *
 *   float    vec[dim]         normalised vector (first, so it is 16-byte aligned)
 *   int64_t  id               caller's id
 *   uint32_t meta             level (bits 0-7) | flags (bits 8-15)
 *   uint32_t links[1 + M0]    links[0] = count, then neighbour slots
 *   padding to a multiple of 16 bytes
 *
 * Upper levels (1..level) of a node live in upper[slot]: level lists of (1 + M) uint32, same
 * format (count first). Only about 1/M of the nodes have any.
 */
#define ANN_FLAG_DELETED 0x100u
#define ANN_MAX_LEVEL    31
#define ANN_NO_SLOT      UINT32_MAX

typedef float (*ann_dot_fn)(const float *a, const float *b, size_t dim);
/* out[k] = dot(q, v[k]) for k < n */
typedef void (*ann_dot_many_fn)(const float *q, const float *const *v, size_t n, size_t dim, float *out);

/* Scratch of one search: visited tags (epoch counters) and the two heaps. Pooled per index. */
struct ann_scratch {
    uint16_t *tags;
    size_t tags_cap;
    uint16_t epoch;
    struct ann_cand *cand;   /* min-heap of nodes to expand */
    size_t cand_cap;
    struct ann_cand *top;    /* max-heap of the best ef found */
    size_t top_cap;
    struct ann_scratch *next;
};

struct ann_cand {
    float d;
    uint32_t slot;
};

struct ann_index {
    /* Fixed at creation. */
    int dim;
    struct ann_params p;
    int M0;                 /* 2*M */
    size_t blk_size;        /* bytes per level-0 block */
    size_t off_id, off_meta, off_links;
    double level_mult;      /* 1 / ln(M) */
    ann_dot_fn dot;
    ann_dot_many_fn dot_many;

    /* Graph state: written under `lock` (write), read under `lock` (read) or by the writer. */
    unsigned char *blocks;  /* n blocks of blk_size */
    size_t n, cap;          /* slots used / allocated */
    size_t n_deleted;
    uint32_t **upper;       /* per slot, NULL when level 0 */
    size_t upper_bytes;     /* bytes held by the upper[] lists */
    int graph;              /* 0: brute-force mode (no links), 1: HNSW graph */
    uint32_t entry;         /* entry point slot (ANN_NO_SLOT when empty) */
    int max_level;
    uint64_t rng;

    /* id -> slot: open addressing over slots; the key is read from the block. */
    uint32_t *map;
    size_t map_cap;         /* power of two (0 when empty) */
    size_t map_used;        /* occupied + tombstones */

    pthread_rwlock_t lock;  /* searches: read; linking, growth, deletes: write */
    pthread_mutex_t wmu;    /* one writer at a time */
    pthread_mutex_t pool_mu;
    struct ann_scratch *pool;
    size_t pool_count;
};

static inline unsigned char *ann_blk(const struct ann_index *x, uint32_t s)
{
    return x->blocks + (size_t)s * x->blk_size;
}
static inline float *ann_vec(const struct ann_index *x, uint32_t s)
{
    return (float *)ann_blk(x, s);
}
static inline int64_t ann_id(const struct ann_index *x, uint32_t s)
{
    int64_t id;
    __builtin_memcpy(&id, ann_blk(x, s) + x->off_id, sizeof id);
    return id;
}
static inline uint32_t *ann_meta(const struct ann_index *x, uint32_t s)
{
    return (uint32_t *)(ann_blk(x, s) + x->off_meta);
}
static inline int ann_level(const struct ann_index *x, uint32_t s)
{
    return (int)(*ann_meta(x, s) & 0xffu);
}
static inline int ann_deleted(const struct ann_index *x, uint32_t s)
{
    return (*ann_meta(x, s) & ANN_FLAG_DELETED) != 0;
}
/* Link list of slot s at level l: [0] = count, then the neighbours. */
static inline uint32_t *ann_links(const struct ann_index *x, uint32_t s, int l)
{
    if (l == 0)
        return (uint32_t *)(ann_blk(x, s) + x->off_links);
    return x->upper[s] + (size_t)(l - 1) * (size_t)(x->p.M + 1);
}

/* ann_dot.c */
ann_dot_fn ann_dot_select(void);
ann_dot_fn ann_dot_named(const char *name);
ann_dot_many_fn ann_dot_many_select(void);

/* ann_index.c, used by ann_io.c */
struct ann_index *ann_alloc(int dim, const struct ann_params *p, char *err);
int ann_grow(struct ann_index *x, size_t need);
int ann_map_insert(struct ann_index *x, uint32_t slot);   /* 0, or ANN_EINVAL on duplicate id */
int ann_map_rebuild(struct ann_index *x, size_t want);

#endif
