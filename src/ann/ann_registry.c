/* Per-project registry: project id -> index, created on demand.
 *
 * An open-addressing table keyed by project id, guarded by a mutex held only for the lookup.
 * An empty index costs one struct ann_index (a few hundred bytes, no vector storage), and small
 * projects stay in brute-force mode, so many projects are cheap. */
#include "ann/ann_int.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

struct reg_slot {
    int64_t project;
    struct ann_index *idx;   /* NULL: empty */
};

struct ann_registry {
    int dim;
    struct ann_params p;
    pthread_mutex_t mu;
    struct reg_slot *tab;
    size_t cap, count;
};

struct ann_registry *ann_registry_new(int dim, const struct ann_params *p, char *err)
{
    /* Validate dim and params by creating (and dropping) one index. */
    struct ann_index *probe = ann_new(dim, p, err);
    if (!probe)
        return NULL;
    struct ann_registry *r = calloc(1, sizeof *r);
    if (!r) {
        ann_free(probe);
        errmsg_set(err, "ann: out of memory");
        return NULL;
    }
    r->dim = dim;
    ann_get_params(probe, &r->p);
    ann_free(probe);
    pthread_mutex_init(&r->mu, NULL);
    return r;
}

void ann_registry_free(struct ann_registry *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->cap; i++)
        ann_free(r->tab[i].idx);
    free(r->tab);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

static size_t hash_project(int64_t p)
{
    uint64_t z = (uint64_t)p * 0x9e3779b97f4a7c15ull;
    return (size_t)(z ^ (z >> 29));
}

/* Linear probing without tombstones (deletion shifts the cluster back). */
static size_t find(const struct ann_registry *r, int64_t project)
{
    if (!r->cap)
        return (size_t)-1;
    size_t mask = r->cap - 1;
    for (size_t i = hash_project(project) & mask;; i = (i + 1) & mask) {
        if (!r->tab[i].idx)
            return (size_t)-1;
        if (r->tab[i].project == project)
            return i;
    }
}

static void place(struct reg_slot *tab, size_t cap, int64_t project, struct ann_index *idx)
{
    size_t mask = cap - 1, i = hash_project(project) & mask;
    while (tab[i].idx)
        i = (i + 1) & mask;
    tab[i].project = project;
    tab[i].idx = idx;
}

static int grow(struct ann_registry *r)
{
    if ((r->count + 1) * 4 <= r->cap * 3)
        return 0;
    size_t cap = r->cap ? r->cap * 2 : 16;
    struct reg_slot *t = calloc(cap, sizeof *t);
    if (!t)
        return ANN_ENOMEM;
    for (size_t i = 0; i < r->cap; i++)
        if (r->tab[i].idx)
            place(t, cap, r->tab[i].project, r->tab[i].idx);
    free(r->tab);
    r->tab = t;
    r->cap = cap;
    return 0;
}

struct ann_index *ann_registry_get(struct ann_registry *r, int64_t project, int create, char *err)
{
    pthread_mutex_lock(&r->mu);
    size_t i = find(r, project);
    struct ann_index *idx = i == (size_t)-1 ? NULL : r->tab[i].idx;
    if (!idx && create) {
        idx = ann_new(r->dim, &r->p, err);
        if (idx && grow(r) != 0) {
            ann_free(idx);
            idx = NULL;
            errmsg_set(err, "ann: out of memory");
        }
        if (idx) {
            place(r->tab, r->cap, project, idx);
            r->count++;
        }
    }
    pthread_mutex_unlock(&r->mu);
    return idx;
}

/* Removes entry i and re-places the rest of its probe cluster. Caller holds mu. */
static void remove_at(struct ann_registry *r, size_t i)
{
    size_t mask = r->cap - 1;
    r->tab[i].idx = NULL;
    r->count--;
    for (size_t j = (i + 1) & mask; r->tab[j].idx; j = (j + 1) & mask) {
        struct reg_slot s = r->tab[j];
        r->tab[j].idx = NULL;
        place(r->tab, r->cap, s.project, s.idx);
    }
}

int ann_registry_put(struct ann_registry *r, int64_t project, struct ann_index *idx, char *err)
{
    if (!idx || ann_dim(idx) != r->dim) {
        errmsg_set(err, "ann: index for project %lld has dimension %d, registry has %d",
                   (long long)project, idx ? ann_dim(idx) : 0, r->dim);
        return ANN_EINVAL;
    }
    pthread_mutex_lock(&r->mu);
    size_t i = find(r, project);
    if (i != (size_t)-1) {
        struct ann_index *old = r->tab[i].idx;
        r->tab[i].idx = idx;
        pthread_mutex_unlock(&r->mu);
        if (old != idx)
            ann_free(old);
        return 0;
    }
    if (grow(r) != 0) {
        pthread_mutex_unlock(&r->mu);
        errmsg_set(err, "ann: out of memory");
        return ANN_ENOMEM;
    }
    place(r->tab, r->cap, project, idx);
    r->count++;
    pthread_mutex_unlock(&r->mu);
    return 0;
}

int ann_registry_drop(struct ann_registry *r, int64_t project)
{
    pthread_mutex_lock(&r->mu);
    size_t i = find(r, project);
    struct ann_index *idx = NULL;
    if (i != (size_t)-1) {
        idx = r->tab[i].idx;
        remove_at(r, i);
    }
    pthread_mutex_unlock(&r->mu);
    if (!idx)
        return ANN_ENOTFOUND;
    ann_free(idx);
    return 0;
}

size_t ann_registry_count(struct ann_registry *r)
{
    pthread_mutex_lock(&r->mu);
    size_t n = r->count;
    pthread_mutex_unlock(&r->mu);
    return n;
}

size_t ann_registry_memory(struct ann_registry *r)
{
    pthread_mutex_lock(&r->mu);
    size_t m = sizeof *r + r->cap * sizeof *r->tab;
    for (size_t i = 0; i < r->cap; i++)
        if (r->tab[i].idx)
            m += ann_memory(r->tab[i].idx);
    pthread_mutex_unlock(&r->mu);
    return m;
}

int ann_registry_foreach(struct ann_registry *r,
                         int (*fn)(int64_t project, struct ann_index *idx, void *ctx), void *ctx)
{
    /* Snapshot under the lock, call outside it, so fn may use the registry. */
    pthread_mutex_lock(&r->mu);
    size_t n = r->count;
    struct reg_slot *snap = malloc((n ? n : 1) * sizeof *snap);
    if (!snap) {
        pthread_mutex_unlock(&r->mu);
        return ANN_ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < r->cap; i++)
        if (r->tab[i].idx)
            snap[k++] = r->tab[i];
    pthread_mutex_unlock(&r->mu);
    int rc = 0;
    for (size_t i = 0; i < k && rc == 0; i++)
        rc = fn(snap[i].project, snap[i].idx, ctx);
    free(snap);
    return rc;
}
