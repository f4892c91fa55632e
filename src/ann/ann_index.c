/* HNSW index (Malkov & Yashunin, "Efficient and robust approximate nearest neighbor search using
 * Hierarchical Navigable Small World graphs") over normalised float32 vectors, cosine distance.
 *
 * Layout and locking are described in ann_int.h. In short: one contiguous block per node at level
 * 0, a read-write lock that searches take for reading, and one writer at a time (wmu). An insert
 * plans its links while holding only wmu (the graph cannot change under it, since it is the only
 * writer, and searches may read concurrently), then applies the plan under the write lock.
 *
 * Deleted graph nodes are tombstones: they still route searches but never appear in results, and
 * compaction rebuilds the graph without them. Below params.brute_force_below live vectors the
 * index has no graph at all and searches scan every vector.
 */
#define _GNU_SOURCE   /* pthread_rwlockattr_setkind_np */
#include "ann/ann_int.h"
#include "util/buf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAP_EMPTY UINT32_MAX
#define MAP_TOMB  (UINT32_MAX - 1)
#define MAX_SLOTS (UINT32_MAX - 2)

void ann_params_default(struct ann_params *p)
{
    p->M = 16;
    p->ef_construction = 200;
    p->ef_search = 100;
    p->brute_force_below = ANN_BRUTE_FORCE_AUTO;
    p->seed = 0x9e3779b97f4a7c15ull;
}

static int check_params(int dim, const struct ann_params *p, char *err)
{
    if (dim < 1 || dim > 65536) {
        errmsg_set(err, "ann: dimension %d out of range 1..65536", dim);
        return ANN_EINVAL;
    }
    if (p->M < 2 || p->M > 128) {
        errmsg_set(err, "ann: M=%d out of range 2..128", p->M);
        return ANN_EINVAL;
    }
    if (p->ef_construction < 1 || p->ef_construction > 100000 || p->ef_search < 1 ||
        p->ef_search > 100000) {
        errmsg_set(err, "ann: ef_construction/ef_search must be in 1..100000");
        return ANN_EINVAL;
    }
    if (p->brute_force_below < ANN_BRUTE_FORCE_AUTO) {
        errmsg_set(err, "ann: brute_force_below must be >= 0 (or ANN_BRUTE_FORCE_AUTO)");
        return ANN_EINVAL;
    }
    return 0;
}

struct ann_index *ann_alloc(int dim, const struct ann_params *p, char *err)
{
    struct ann_params def;
    if (!p) {
        ann_params_default(&def);
        p = &def;
    }
    if (check_params(dim, p, err) != 0)
        return NULL;
    struct ann_index *x = calloc(1, sizeof *x);
    if (!x) {
        errmsg_set(err, "ann: out of memory");
        return NULL;
    }
    x->dim = dim;
    x->p = *p;
    if (x->p.brute_force_below == ANN_BRUTE_FORCE_AUTO)
        x->p.brute_force_below = dim >= 512 ? 2000 : dim >= 128 ? 3000 : 5000;
    x->M0 = 2 * p->M;
    x->off_id = (size_t)dim * sizeof(float);
    x->off_meta = x->off_id + sizeof(int64_t);
    x->off_links = x->off_meta + sizeof(uint32_t);
    x->blk_size = (x->off_links + (size_t)(1 + x->M0) * sizeof(uint32_t) + 15) & ~(size_t)15;
    x->level_mult = 1.0 / log((double)p->M);
    x->dot = ann_dot_select();
    x->dot_many = ann_dot_many_select();
    x->graph = p->brute_force_below == 0;
    x->entry = ANN_NO_SLOT;
    x->max_level = -1;
    x->rng = p->seed ? p->seed : 0x9e3779b97f4a7c15ull;
    /* Writer preference: a steady stream of searches must not starve the writer. */
    pthread_rwlockattr_t ra;
    pthread_rwlockattr_init(&ra);
#ifdef __GLIBC__
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
    pthread_rwlock_init(&x->lock, &ra);
    pthread_rwlockattr_destroy(&ra);
    pthread_mutex_init(&x->wmu, NULL);
    pthread_mutex_init(&x->pool_mu, NULL);
    return x;
}

struct ann_index *ann_new(int dim, const struct ann_params *p, char *err)
{
    return ann_alloc(dim, p, err);
}

/* Frees the graph storage (not the locks or the scratch pool). */
static void free_storage(struct ann_index *x)
{
    if (x->upper)
        for (size_t s = 0; s < x->n; s++)
            free(x->upper[s]);
    free(x->upper);
    free(x->blocks);
    free(x->map);
}

void ann_free(struct ann_index *x)
{
    if (!x)
        return;
    free_storage(x);
    for (struct ann_scratch *s = x->pool, *nx; s; s = nx) {
        nx = s->next;
        free(s->tags);
        free(s->cand);
        free(s->top);
        free(s);
    }
    pthread_rwlock_destroy(&x->lock);
    pthread_mutex_destroy(&x->wmu);
    pthread_mutex_destroy(&x->pool_mu);
    free(x);
}

/* ---- storage ---------------------------------------------------------------------------- */

/* Makes room for `need` slots. Caller holds the write lock (or owns x privately). */
int ann_grow(struct ann_index *x, size_t need)
{
    if (need <= x->cap)
        return 0;
    if (need > MAX_SLOTS)
        return ANN_ENOMEM;
    size_t cap = x->cap < 4 ? 4 : x->cap + x->cap / 2 + 1;
    if (cap < need)
        cap = need;
    if (cap > MAX_SLOTS)
        cap = MAX_SLOTS;
    unsigned char *b = realloc(x->blocks, cap * x->blk_size);
    if (!b)
        return ANN_ENOMEM;
    x->blocks = b;
    uint32_t **u = realloc(x->upper, cap * sizeof *u);
    if (!u)
        return ANN_ENOMEM;
    memset(u + x->cap, 0, (cap - x->cap) * sizeof *u);
    x->upper = u;
    x->cap = cap;
    return 0;
}

int ann_reserve(struct ann_index *x, size_t n, char *err)
{
    pthread_mutex_lock(&x->wmu);
    pthread_rwlock_wrlock(&x->lock);
    int rc = ann_grow(x, n);
    pthread_rwlock_unlock(&x->lock);
    pthread_mutex_unlock(&x->wmu);
    if (rc)
        errmsg_set(err, "ann: cannot reserve %zu vectors", n);
    return rc;
}

/* ---- id -> slot map ----------------------------------------------------------------------- */

static inline size_t hash_id(int64_t id)
{
    uint64_t z = (uint64_t)id + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (size_t)(z ^ (z >> 31));
}

/* Position of id's entry in the map, or (size_t)-1. */
static size_t map_pos(const struct ann_index *x, int64_t id)
{
    if (!x->map_cap)
        return (size_t)-1;
    size_t mask = x->map_cap - 1;
    for (size_t i = hash_id(id) & mask, step = 0; step < x->map_cap; i = (i + 1) & mask, step++) {
        uint32_t v = x->map[i];
        if (v == MAP_EMPTY)
            return (size_t)-1;
        if (v != MAP_TOMB && ann_id(x, v) == id)
            return i;
    }
    return (size_t)-1;
}

static uint32_t map_find(const struct ann_index *x, int64_t id)
{
    size_t i = map_pos(x, id);
    return i == (size_t)-1 ? ANN_NO_SLOT : x->map[i];
}

/* Places slot into a map that has room and does not hold its id. */
static void map_place(uint32_t *map, size_t cap, int64_t id, uint32_t slot)
{
    size_t mask = cap - 1, i = hash_id(id) & mask;
    while (map[i] != MAP_EMPTY && map[i] != MAP_TOMB)
        i = (i + 1) & mask;
    map[i] = slot;
}

/* Rebuilds the map from the live slots with room for `want` entries. ANN_EINVAL on a duplicate
 * id (only possible in a loaded file), ANN_ENOMEM. */
int ann_map_rebuild(struct ann_index *x, size_t want)
{
    size_t cap = 16;
    while (cap < want * 2)
        cap *= 2;
    uint32_t *m = malloc(cap * sizeof *m);
    if (!m)
        return ANN_ENOMEM;
    memset(m, 0xff, cap * sizeof *m);
    uint32_t *old = x->map;
    size_t old_cap = x->map_cap, old_used = x->map_used;
    x->map = m;
    x->map_cap = cap;
    x->map_used = 0;
    for (size_t s = 0; s < x->n; s++) {
        if (ann_deleted(x, (uint32_t)s))
            continue;
        if (map_pos(x, ann_id(x, (uint32_t)s)) != (size_t)-1) {
            free(m);
            x->map = old;
            x->map_cap = old_cap;
            x->map_used = old_used;
            return ANN_EINVAL;
        }
        map_place(m, cap, ann_id(x, (uint32_t)s), (uint32_t)s);
        x->map_used++;
    }
    free(old);
    return 0;
}

/* Ensures one more entry fits (load <= 3/4, tombstones counted). */
static int map_reserve1(struct ann_index *x)
{
    if ((x->map_used + 1) * 4 <= x->map_cap * 3)
        return 0;
    return ann_map_rebuild(x, x->n - x->n_deleted + 1);
}

int ann_map_insert(struct ann_index *x, uint32_t slot)
{
    int rc = map_reserve1(x);
    if (rc)
        return rc;
    int64_t id = ann_id(x, slot);
    if (map_pos(x, id) != (size_t)-1)
        return ANN_EINVAL;
    map_place(x->map, x->map_cap, id, slot);
    x->map_used++;
    return 0;
}

static void map_remove(struct ann_index *x, int64_t id)
{
    size_t i = map_pos(x, id);
    if (i != (size_t)-1)
        x->map[i] = MAP_TOMB;
}

/* ---- search machinery --------------------------------------------------------------------- */

static struct ann_scratch *scratch_get(struct ann_index *x)
{
    pthread_mutex_lock(&x->pool_mu);
    struct ann_scratch *s = x->pool;
    if (s) {
        x->pool = s->next;
        x->pool_count--;
    }
    pthread_mutex_unlock(&x->pool_mu);
    if (!s)
        s = calloc(1, sizeof *s);
    return s;
}

static void scratch_put(struct ann_index *x, struct ann_scratch *s)
{
    pthread_mutex_lock(&x->pool_mu);
    s->next = x->pool;
    x->pool = s;
    x->pool_count++;
    pthread_mutex_unlock(&x->pool_mu);
}

/* Readies the visited tags for n slots (a new epoch) and the top heap for ef + 1 entries. */
static int scratch_prepare(struct ann_scratch *s, size_t n, size_t ef)
{
    if (s->tags_cap < n) {
        size_t cap = n + n / 4 + 64;
        uint16_t *t = realloc(s->tags, cap * sizeof *t);
        if (!t)
            return ANN_ENOMEM;
        memset(t + s->tags_cap, 0, (cap - s->tags_cap) * sizeof *t);
        s->tags = t;
        s->tags_cap = cap;
    }
    if (++s->epoch == 0) {
        memset(s->tags, 0, s->tags_cap * sizeof *s->tags);
        s->epoch = 1;
    }
    if (s->top_cap < ef + 1) {
        struct ann_cand *t = realloc(s->top, (ef + 1) * sizeof *t);
        if (!t)
            return ANN_ENOMEM;
        s->top = t;
        s->top_cap = ef + 1;
    }
    if (s->cand_cap < 64) {
        struct ann_cand *c = realloc(s->cand, 64 * sizeof *c);
        if (!c)
            return ANN_ENOMEM;
        s->cand = c;
        s->cand_cap = 64;
    }
    return 0;
}

/* Binary heaps on ann_cand: a max-heap (top results) and a min-heap (candidates). */
static inline void maxheap_push(struct ann_cand *h, size_t *n, struct ann_cand c)
{
    size_t i = (*n)++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h[p].d >= c.d)
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = c;
}

static inline void maxheap_pop(struct ann_cand *h, size_t *n)
{
    struct ann_cand last = h[--*n];
    size_t i = 0, m = *n;
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= m)
            break;
        if (l + 1 < m && h[l + 1].d > h[l].d)
            l++;
        if (h[l].d <= last.d)
            break;
        h[i] = h[l];
        i = l;
    }
    if (m)
        h[i] = last;
}

static inline void minheap_push(struct ann_cand *h, size_t *n, struct ann_cand c)
{
    size_t i = (*n)++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h[p].d <= c.d)
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = c;
}

static inline void minheap_pop(struct ann_cand *h, size_t *n)
{
    struct ann_cand last = h[--*n];
    size_t i = 0, m = *n;
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= m)
            break;
        if (l + 1 < m && h[l + 1].d < h[l].d)
            l++;
        if (h[l].d >= last.d)
            break;
        h[i] = h[l];
        i = l;
    }
    if (m)
        h[i] = last;
}

static inline float dist(const struct ann_index *x, const float *q, uint32_t s)
{
    return 1.0f - x->dot(q, ann_vec(x, s), (size_t)x->dim);
}

/* Prefetches the first `lines` cache lines of slot s's vector. */
static inline void prefetch_vec(const struct ann_index *x, uint32_t s, int lines)
{
    const char *p = (const char *)ann_vec(x, s);
    for (int i = 0; i < lines; i++)
        __builtin_prefetch(p + 64 * i, 0, 3);
}

/* Greedy descent (ef = 1) from *cur down to level `stop` + 1. */
static void greedy_descend(const struct ann_index *x, const float *q, uint32_t *cur, float *curd,
                           int from, int stop)
{
    for (int l = from; l > stop; l--) {
        int changed = 1;
        while (changed) {
            changed = 0;
            const uint32_t *ln = ann_links(x, *cur, l);
            uint32_t cnt = ln[0];
            for (uint32_t j = 1; j <= cnt; j++) {
                float d = dist(x, q, ln[j]);
                if (d < *curd) {
                    *curd = d;
                    *cur = ln[j];
                    changed = 1;
                }
            }
        }
    }
}

/* Best-first search of one level from entry ep. For queries (for_query != 0) only live entries
 * that the filter accepts enter the result heap; construction accepts every node. Leaves up to
 * ef results in s->top (a max-heap) and returns their count, or ANN_ENOMEM. */
static long search_level(const struct ann_index *x, const float *q, uint32_t ep, float ep_d,
                         size_t ef, int level, ann_filter_fn filter, void *ctx, int for_query,
                         struct ann_scratch *s)
{
    uint16_t *tags = s->tags;
    const uint16_t epoch = s->epoch;
    struct ann_cand *top = s->top;
    size_t ntop = 0, ncand = 0;
    /* Prefetch whole small vectors; for long ones the first lines start the hardware prefetcher. */
    const int lines = (int)((x->off_id + 63) / 64) < 4 ? (int)((x->off_id + 63) / 64) : 4;

    tags[ep] = epoch;
    s->cand[ncand++] = (struct ann_cand){ep_d, ep};
    float lower = INFINITY;
    if (!for_query || (!ann_deleted(x, ep) && (!filter || filter(ann_id(x, ep), ctx)))) {
        top[ntop++] = (struct ann_cand){ep_d, ep};
        lower = ep_d;
    }
    uint32_t fresh[2 * 128];
    const float *vp[2 * 128];
    float dd[2 * 128];
    /* Only queries on an index with tombstones, or with a filter, look at each entry's flags. */
    const int check = for_query && (filter || x->n_deleted);
    while (ncand) {
        struct ann_cand c = s->cand[0];
        if (c.d > lower && ntop >= ef)
            break;
        minheap_pop(s->cand, &ncand);
        if (ncand)   /* the likely next node to expand: start loading its links */
            __builtin_prefetch(ann_links(x, s->cand[0].slot, level), 0, 3);

        /* Collect the unvisited neighbours first and start loading their vectors, then compute
         * all their distances in one batch. */
        const uint32_t *ln = ann_links(x, c.slot, level);
        uint32_t cnt = ln[0], nf = 0;
        for (uint32_t j = 1; j <= cnt; j++) {
            uint32_t v = ln[j];
            if (tags[v] == epoch)
                continue;
            tags[v] = epoch;
            fresh[nf] = v;
            vp[nf++] = ann_vec(x, v);
            prefetch_vec(x, v, lines);
        }
        if (!nf)
            continue;
        if (ncand + nf > s->cand_cap) {
            size_t cap = (ncand + nf) * 2;
            struct ann_cand *nc = realloc(s->cand, cap * sizeof *nc);
            if (!nc)
                return ANN_ENOMEM;
            s->cand = nc;
            s->cand_cap = cap;
        }
        x->dot_many(q, vp, nf, (size_t)x->dim, dd);
        for (uint32_t j = 0; j < nf; j++) {
            uint32_t v = fresh[j];
            float d = 1.0f - dd[j];
            if (ntop < ef || d < lower) {
                minheap_push(s->cand, &ncand, (struct ann_cand){d, v});
                if (check && (ann_deleted(x, v) || (filter && !filter(ann_id(x, v), ctx))))
                    continue;
                maxheap_push(top, &ntop, (struct ann_cand){d, v});
                if (ntop > ef)
                    maxheap_pop(top, &ntop);
                lower = top[0].d;
            }
        }
    }
    return (long)ntop;
}

/* Empties the max-heap into out[] in ascending order of distance. */
static void drain_sorted(struct ann_cand *h, size_t n, struct ann_cand *out)
{
    while (n) {
        out[n - 1] = h[0];
        maxheap_pop(h, &n);
    }
}

/* ---- insertion ---------------------------------------------------------------------------- */

static uint64_t next_rand(uint64_t *st)
{
    uint64_t z = (*st += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int random_level(struct ann_index *x)
{
    double u = ((double)(next_rand(&x->rng) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
    double l = -log(u) * x->level_mult;
    return l >= ANN_MAX_LEVEL ? ANN_MAX_LEVEL : (int)l;
}

/* Vector of a slot, or of the node being inserted (not yet stored). */
static inline const float *vec_or_pending(const struct ann_index *x, uint32_t s, uint32_t pslot,
                                          const float *pvec)
{
    return s == pslot ? pvec : ann_vec(x, s);
}

/* HNSW's neighbour-selection heuristic: walk the candidates (sorted by distance to the base) and
 * keep one only if it is closer to the base than to every candidate already kept. Compacts c[]
 * in place and returns how many were kept (at most m). */
static int select_neighbours(const struct ann_index *x, struct ann_cand *c, int nc, int m,
                             uint32_t pslot, const float *pvec)
{
    if (nc <= m)
        return nc;
    int kept = 0;
    for (int i = 0; i < nc && kept < m; i++) {
        const float *vi = vec_or_pending(x, c[i].slot, pslot, pvec);
        int good = 1;
        for (int r = 0; r < kept; r++) {
            float d = 1.0f - x->dot(vi, vec_or_pending(x, c[r].slot, pslot, pvec), (size_t)x->dim);
            if (d < c[i].d) {
                good = 0;
                break;
            }
        }
        if (good)
            c[kept++] = c[i];
    }
    return kept;
}

static int cand_cmp(const void *a, const void *b)
{
    const struct ann_cand *x = a, *y = b;
    return (x->d > y->d) - (x->d < y->d);
}

/* The links an insert will write: lists[i] (1 + M0 uint32, count first) go to (slot[i], level[i]). */
struct plan {
    size_t n, cap;
    uint32_t *slot;
    int *level;
    uint32_t *lists;
    int width;          /* 1 + M0 */
};

static uint32_t *plan_add(struct plan *pl, uint32_t slot, int level)
{
    if (pl->n == pl->cap)
        return NULL;
    pl->slot[pl->n] = slot;
    pl->level[pl->n] = level;
    return pl->lists + pl->n++ * (size_t)pl->width;
}

/* Inserts the normalised vector v under `id` as a graph node. Caller holds wmu; id is absent. */
static int insert_graph(struct ann_index *x, int64_t id, const float *v, char *err)
{
    if (x->n >= MAX_SLOTS) {
        errmsg_set(err, "ann: index full");
        return ANN_ENOMEM;
    }
    const uint32_t slot = (uint32_t)x->n;
    const int L = random_level(x);
    const int M = x->p.M;
    const int top_level = L < x->max_level ? L : x->max_level;
    int rc = 0;

    struct plan pl = {0};
    pl.width = 1 + x->M0;
    pl.cap = (size_t)(top_level + 2) * (size_t)(M + 1);
    pl.slot = malloc(pl.cap * sizeof *pl.slot);
    pl.level = malloc(pl.cap * sizeof *pl.level);
    pl.lists = malloc(pl.cap * (size_t)pl.width * sizeof *pl.lists);
    uint32_t *up = L > 0 ? calloc((size_t)L * (size_t)(M + 1), sizeof(uint32_t)) : NULL;
    struct ann_cand *cb = NULL, *nb = malloc((size_t)(x->M0 + 1) * sizeof *nb);
    struct ann_scratch *sc = NULL;
    uint32_t own0[1 + 2 * 128];
    own0[0] = 0;
    if (!pl.slot || !pl.level || !pl.lists || (L > 0 && !up) || !nb) {
        rc = ANN_ENOMEM;
        goto out;
    }

    /* Phase 1: plan the links, reading the graph without the write lock. */
    if (x->entry != ANN_NO_SLOT) {
        size_t efc = (size_t)(x->p.ef_construction > M ? x->p.ef_construction : M);
        sc = scratch_get(x);
        cb = malloc((efc + 1) * sizeof *cb);
        if (!sc || !cb || scratch_prepare(sc, x->n, efc) != 0) {
            rc = ANN_ENOMEM;
            goto out;
        }
        uint32_t cur = x->entry;
        float curd = dist(x, v, cur);
        greedy_descend(x, v, &cur, &curd, x->max_level, top_level);
        for (int l = top_level; l >= 0; l--) {
            if (l != top_level && scratch_prepare(sc, x->n, efc) != 0) {
                rc = ANN_ENOMEM;
                goto out;
            }
            long nt = search_level(x, v, cur, curd, efc, l, NULL, NULL, 0, sc);
            if (nt < 0) {
                rc = (int)nt;
                goto out;
            }
            drain_sorted(sc->top, (size_t)nt, cb);
            cur = cb[0].slot;
            curd = cb[0].d;
            int m = select_neighbours(x, cb, (int)nt, M, ANN_NO_SLOT, NULL);
            uint32_t *own = l == 0 ? own0 : up + (size_t)(l - 1) * (size_t)(M + 1);
            own[0] = (uint32_t)m;
            for (int i = 0; i < m; i++)
                own[1 + i] = cb[i].slot;

            /* Back links: append, or re-select the neighbour's list with the newcomer in it. */
            int mmax = l == 0 ? x->M0 : M;
            for (int i = 0; i < m; i++) {
                uint32_t o = cb[i].slot;
                const uint32_t *old = ann_links(x, o, l);
                uint32_t *nl = plan_add(&pl, o, l);
                if (!nl) {
                    rc = ANN_ENOMEM;
                    goto out;
                }
                uint32_t oc = old[0];
                if ((int)oc < mmax) {
                    memcpy(nl, old, (1 + oc) * sizeof *nl);
                    nl[1 + oc] = slot;
                    nl[0] = oc + 1;
                    continue;
                }
                const float *vp[2 * 128];
                float dd[2 * 128];
                for (uint32_t j = 0; j < oc; j++)
                    vp[j] = ann_vec(x, old[1 + j]);
                x->dot_many(ann_vec(x, o), vp, oc, (size_t)x->dim, dd);
                for (uint32_t j = 0; j < oc; j++)
                    nb[j] = (struct ann_cand){1.0f - dd[j], old[1 + j]};
                nb[oc] = (struct ann_cand){cb[i].d, slot};
                qsort(nb, oc + 1, sizeof *nb, cand_cmp);
                int k = select_neighbours(x, nb, (int)oc + 1, mmax, slot, v);
                nl[0] = (uint32_t)k;
                for (int j = 0; j < k; j++)
                    nl[1 + j] = nb[j].slot;
            }
        }
    }

    /* Phase 2: store the node and apply the plan under the write lock. */
    pthread_rwlock_wrlock(&x->lock);
    if (ann_grow(x, x->n + 1) != 0 || map_reserve1(x) != 0) {
        pthread_rwlock_unlock(&x->lock);
        rc = ANN_ENOMEM;
        goto out;
    }
    unsigned char *b = ann_blk(x, slot);
    memset(b, 0, x->blk_size);
    memcpy(b, v, (size_t)x->dim * sizeof(float));
    memcpy(b + x->off_id, &id, sizeof id);
    *ann_meta(x, slot) = (uint32_t)L;
    memcpy(b + x->off_links, own0, (1 + own0[0]) * sizeof(uint32_t));
    x->upper[slot] = up;
    if (up)
        x->upper_bytes += (size_t)L * (size_t)(M + 1) * sizeof(uint32_t);
    up = NULL;
    for (size_t i = 0; i < pl.n; i++) {
        const uint32_t *src = pl.lists + i * (size_t)pl.width;
        memcpy(ann_links(x, pl.slot[i], pl.level[i]), src, (1 + src[0]) * sizeof(uint32_t));
    }
    x->n++;
    ann_map_insert(x, slot);   /* room reserved above; id known absent */
    if (L > x->max_level) {
        x->max_level = L;
        x->entry = slot;
    }
    pthread_rwlock_unlock(&x->lock);

out:
    if (rc == ANN_ENOMEM)
        errmsg_set(err, "ann: out of memory");
    if (sc)
        scratch_put(x, sc);
    free(cb);
    free(nb);
    free(up);
    free(pl.slot);
    free(pl.level);
    free(pl.lists);
    return rc;
}

/* Brute-force mode: append without links. Caller holds wmu; id is absent. */
static int insert_flat(struct ann_index *x, int64_t id, const float *v, char *err)
{
    pthread_rwlock_wrlock(&x->lock);
    if (x->n >= MAX_SLOTS || ann_grow(x, x->n + 1) != 0 || map_reserve1(x) != 0) {
        pthread_rwlock_unlock(&x->lock);
        errmsg_set(err, "ann: out of memory");
        return ANN_ENOMEM;
    }
    uint32_t slot = (uint32_t)x->n;
    unsigned char *b = ann_blk(x, slot);
    memset(b, 0, x->blk_size);
    memcpy(b, v, (size_t)x->dim * sizeof(float));
    memcpy(b + x->off_id, &id, sizeof id);
    x->n++;
    ann_map_insert(x, slot);
    pthread_rwlock_unlock(&x->lock);
    return 0;
}

static int compact_locked(struct ann_index *x, int want_graph, char *err);

/* Insert with wmu held and v normalised. */
static int insert_locked(struct ann_index *x, int64_t id, const float *v, char *err)
{
    uint32_t old = map_find(x, id);
    if (old != ANN_NO_SLOT) {
        pthread_rwlock_wrlock(&x->lock);
        if (!x->graph) {   /* no links depend on the vector: overwrite in place */
            memcpy(ann_vec(x, old), v, (size_t)x->dim * sizeof(float));
            pthread_rwlock_unlock(&x->lock);
            return 0;
        }
        *ann_meta(x, old) |= ANN_FLAG_DELETED;
        map_remove(x, id);
        x->n_deleted++;
        pthread_rwlock_unlock(&x->lock);
    }
    int rc = x->graph ? insert_graph(x, id, v, err) : insert_flat(x, id, v, err);
    if (rc)
        return rc;
    size_t live = x->n - x->n_deleted;
    if (!x->graph && live >= (size_t)x->p.brute_force_below)
        return compact_locked(x, 1, err);
    if (x->graph && x->n_deleted * 4 > x->n && x->n >= 64)
        return compact_locked(x, -1, err);
    return 0;
}

/* Copies v into out as a unit vector; ANN_EINVAL for zero or non-finite input. */
static int normalise(const float *v, int dim, float *out)
{
    double ss = 0;
    for (int i = 0; i < dim; i++)
        ss += (double)v[i] * (double)v[i];
    if (!(ss > 0) || !isfinite(ss))
        return ANN_EINVAL;
    float inv = (float)(1.0 / sqrt(ss));
    for (int i = 0; i < dim; i++)
        out[i] = v[i] * inv;
    return 0;
}

int ann_insert(struct ann_index *x, int64_t id, const float *vec, char *err)
{
    if (!x || !vec) {
        errmsg_set(err, "ann: insert without index or vector");
        return ANN_EINVAL;
    }
    float *v = malloc((size_t)x->dim * sizeof *v);
    if (!v) {
        errmsg_set(err, "ann: out of memory");
        return ANN_ENOMEM;
    }
    if (normalise(vec, x->dim, v) != 0) {
        free(v);
        errmsg_set(err, "ann: vector for id %lld is zero or not finite", (long long)id);
        return ANN_EINVAL;
    }
    pthread_mutex_lock(&x->wmu);
    int rc = insert_locked(x, id, v, err);
    pthread_mutex_unlock(&x->wmu);
    free(v);
    return rc;
}

/* Rebuilds x from its live vectors into a private index, then swaps the storage in under the
 * write lock. want_graph: 1 graph, 0 flat, -1 graph if the live count calls for one. Caller holds
 * wmu. Searches continue on the old storage while the new one is built. */
static int compact_locked(struct ann_index *x, int want_graph, char *err)
{
    size_t live = x->n - x->n_deleted;
    if (want_graph < 0)
        want_graph = x->p.brute_force_below == 0 || live >= (size_t)x->p.brute_force_below;
    struct ann_index *y = ann_alloc(x->dim, &x->p, err);
    if (!y)
        return ANN_ENOMEM;
    y->graph = want_graph;
    y->rng = x->rng;
    int rc = 0;
    pthread_rwlock_wrlock(&y->lock);
    rc = ann_grow(y, live);
    pthread_rwlock_unlock(&y->lock);
    for (size_t s = 0; s < x->n && rc == 0; s++)
        if (!ann_deleted(x, (uint32_t)s))
            rc = y->graph ? insert_graph(y, ann_id(x, (uint32_t)s), ann_vec(x, (uint32_t)s), err)
                          : insert_flat(y, ann_id(x, (uint32_t)s), ann_vec(x, (uint32_t)s), err);
    if (rc) {
        ann_free(y);
        return rc;
    }
    pthread_rwlock_wrlock(&x->lock);
#define SWAP(f)                                                                                    \
    do {                                                                                           \
        __typeof__(x->f) t_ = x->f;                                                                \
        x->f = y->f;                                                                               \
        y->f = t_;                                                                                 \
    } while (0)
    SWAP(blocks);
    SWAP(n);
    SWAP(cap);
    SWAP(n_deleted);
    SWAP(upper);
    SWAP(upper_bytes);
    SWAP(graph);
    SWAP(entry);
    SWAP(max_level);
    SWAP(rng);
    SWAP(map);
    SWAP(map_cap);
    SWAP(map_used);
#undef SWAP
    pthread_rwlock_unlock(&x->lock);
    ann_free(y);   /* now holds the old storage */
    return 0;
}

int ann_compact(struct ann_index *x, char *err)
{
    if (!x)
        return ANN_EINVAL;
    pthread_mutex_lock(&x->wmu);
    int rc = compact_locked(x, -1, err);
    pthread_mutex_unlock(&x->wmu);
    return rc;
}

int ann_delete(struct ann_index *x, int64_t id)
{
    if (!x)
        return ANN_EINVAL;
    pthread_mutex_lock(&x->wmu);
    pthread_rwlock_wrlock(&x->lock);
    uint32_t s = map_find(x, id);
    if (s == ANN_NO_SLOT) {
        pthread_rwlock_unlock(&x->lock);
        pthread_mutex_unlock(&x->wmu);
        return ANN_ENOTFOUND;
    }
    map_remove(x, id);
    if (!x->graph) {
        /* No links: move the last block into the hole. */
        uint32_t last = (uint32_t)(x->n - 1);
        if (s != last) {
            size_t pos = map_pos(x, ann_id(x, last));
            memcpy(ann_blk(x, s), ann_blk(x, last), x->blk_size);
            if (pos != (size_t)-1)
                x->map[pos] = s;
        }
        x->n--;
    } else {
        *ann_meta(x, s) |= ANN_FLAG_DELETED;
        x->n_deleted++;
    }
    int compact = x->graph && x->n_deleted * 4 > x->n && x->n >= 64;
    pthread_rwlock_unlock(&x->lock);
    if (compact)
        compact_locked(x, -1, NULL);   /* best effort: tombstones stay if it fails */
    pthread_mutex_unlock(&x->wmu);
    return 0;
}

struct ann_index *ann_build(int dim, const struct ann_params *p, size_t n, const int64_t *ids,
                            const float *vecs, char *err)
{
    struct ann_index *x = ann_new(dim, p, err);
    if (!x)
        return NULL;
    if (n && (!ids || !vecs)) {
        errmsg_set(err, "ann: build without ids or vectors");
        ann_free(x);
        return NULL;
    }
    if (x->p.brute_force_below == 0 || n >= (size_t)x->p.brute_force_below)
        x->graph = 1;
    if (ann_reserve(x, n, err) != 0) {
        ann_free(x);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (ann_insert(x, ids[i], vecs + i * (size_t)dim, err) != 0) {
            ann_free(x);
            return NULL;
        }
    return x;
}

/* ---- search ------------------------------------------------------------------------------- */

static int hit_cmp(const void *a, const void *b)
{
    const struct ann_hit *x = a, *y = b;
    if (x->distance != y->distance)
        return x->distance < y->distance ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* Exhaustive scan into s->top (max-heap of k). Caller holds the read lock. */
static size_t scan_all(const struct ann_index *x, const float *q, size_t k, ann_filter_fn filter,
                       void *ctx, struct ann_scratch *s)
{
    size_t ntop = 0;
    const float *vp[16];
    float dd[16];
    for (size_t i0 = 0; i0 < x->n; i0 += 16) {
        size_t m = x->n - i0 < 16 ? x->n - i0 : 16;
        for (size_t j = 0; j < m; j++)
            vp[j] = ann_vec(x, (uint32_t)(i0 + j));
        x->dot_many(q, vp, m, (size_t)x->dim, dd);
        for (size_t j = 0; j < m; j++) {
            uint32_t sl = (uint32_t)(i0 + j);
            float d = 1.0f - dd[j];
            if (ntop == k && d >= s->top[0].d)
                continue;
            if (ann_deleted(x, sl) || (filter && !filter(ann_id(x, sl), ctx)))
                continue;
            maxheap_push(s->top, &ntop, (struct ann_cand){d, sl});
            if (ntop > k)
                maxheap_pop(s->top, &ntop);
        }
    }
    return ntop;
}

static int do_search(struct ann_index *x, const float *q, int k, int ef, int exact,
                     ann_filter_fn filter, void *ctx, struct ann_hit *out, int *n_out, char *err)
{
    if (!x || !q || !out || !n_out || k < 1) {
        errmsg_set(err, "ann: bad search arguments");
        return ANN_EINVAL;
    }
    *n_out = 0;
    float qbuf[1024];
    float *qn = x->dim <= 1024 ? qbuf : malloc((size_t)x->dim * sizeof *qn);
    if (!qn) {
        errmsg_set(err, "ann: out of memory");
        return ANN_ENOMEM;
    }
    int rc = normalise(q, x->dim, qn);
    if (rc) {
        errmsg_set(err, "ann: query vector is zero or not finite");
        goto done;
    }
    if (ef <= 0)
        ef = x->p.ef_search;
    if (ef < k)
        ef = k;
    struct ann_scratch *s = scratch_get(x);
    if (!s) {
        rc = ANN_ENOMEM;
        goto done;
    }
    pthread_rwlock_rdlock(&x->lock);
    size_t nres = 0;
    if (x->n - x->n_deleted == 0) {
        nres = 0;
    } else if (exact || !x->graph) {
        if (scratch_prepare(s, 0, (size_t)k) != 0)
            rc = ANN_ENOMEM;
        else
            nres = scan_all(x, qn, (size_t)k, filter, ctx, s);
    } else if (scratch_prepare(s, x->n, (size_t)ef) != 0) {
        rc = ANN_ENOMEM;
    } else {
        uint32_t cur = x->entry;
        float curd = dist(x, qn, cur);
        greedy_descend(x, qn, &cur, &curd, x->max_level, 0);
        long nt = search_level(x, qn, cur, curd, (size_t)ef, 0, filter, ctx, 1, s);
        if (nt < 0)
            rc = (int)nt;
        else
            nres = (size_t)nt;
    }
    /* The candidates carry exact distances: keep the k best, ordered by (distance, id). */
    while (nres > (size_t)k)
        maxheap_pop(s->top, &nres);
    for (size_t i = 0; i < nres; i++)
        out[i] = (struct ann_hit){ann_id(x, s->top[i].slot), s->top[i].d};
    pthread_rwlock_unlock(&x->lock);
    scratch_put(x, s);
    if (rc == 0) {
        qsort(out, nres, sizeof *out, hit_cmp);
        *n_out = (int)nres;
    } else {
        errmsg_set(err, "ann: out of memory");
    }
done:
    if (qn != qbuf)
        free(qn);
    return rc;
}

int ann_search(struct ann_index *x, const float *q, int k, int ef, ann_filter_fn filter, void *ctx,
               struct ann_hit *out, int *n_out, char *err)
{
    return do_search(x, q, k, ef, 0, filter, ctx, out, n_out, err);
}

int ann_search_exact(struct ann_index *x, const float *q, int k, ann_filter_fn filter, void *ctx,
                     struct ann_hit *out, int *n_out, char *err)
{
    return do_search(x, q, k, 0, 1, filter, ctx, out, n_out, err);
}

/* ---- accessors ---------------------------------------------------------------------------- */

size_t ann_count(struct ann_index *x)
{
    pthread_rwlock_rdlock(&x->lock);
    size_t n = x->n - x->n_deleted;
    pthread_rwlock_unlock(&x->lock);
    return n;
}

int ann_dim(const struct ann_index *x)
{
    return x->dim;
}

void ann_get_params(const struct ann_index *x, struct ann_params *p)
{
    *p = x->p;
}

int ann_contains(struct ann_index *x, int64_t id)
{
    pthread_rwlock_rdlock(&x->lock);
    int r = map_find(x, id) != ANN_NO_SLOT;
    pthread_rwlock_unlock(&x->lock);
    return r;
}

int ann_get_vector(struct ann_index *x, int64_t id, float *out)
{
    pthread_rwlock_rdlock(&x->lock);
    uint32_t s = map_find(x, id);
    if (s != ANN_NO_SLOT)
        memcpy(out, ann_vec(x, s), (size_t)x->dim * sizeof *out);
    pthread_rwlock_unlock(&x->lock);
    return s == ANN_NO_SLOT ? ANN_ENOTFOUND : 0;
}

size_t ann_memory(struct ann_index *x)
{
    pthread_rwlock_rdlock(&x->lock);
    size_t m = sizeof *x + x->cap * (x->blk_size + sizeof(uint32_t *)) + x->upper_bytes +
               x->map_cap * sizeof(uint32_t);
    pthread_rwlock_unlock(&x->lock);
    pthread_mutex_lock(&x->pool_mu);
    for (struct ann_scratch *s = x->pool; s; s = s->next)
        m += sizeof *s + s->tags_cap * sizeof(uint16_t) + (s->cand_cap + s->top_cap) * sizeof(struct ann_cand);
    pthread_mutex_unlock(&x->pool_mu);
    return m;
}
