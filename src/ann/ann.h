/* Approximate nearest-neighbour search over unit vectors: HNSW with exact distances.
 *
 * One index holds the vectors of one project. Vectors are normalised on the way in, and the
 * distance is the cosine distance 1 - dot(a, b) in [0, 2]. Graph traversal uses the full float32
 * vectors, so every candidate the search returns carries its exact distance and the k results are
 * the exact re-ranking of the ef candidates the graph search found.
 *
 * Small indexes (fewer live vectors than params.brute_force_below) are searched exhaustively,
 * which is exact and faster there; the graph is built once the index grows past that size.
 *
 * Concurrency: any number of threads may call ann_search at the same time, while one thread
 * at a time inserts, deletes, compacts or saves (writers are serialised by an internal mutex).
 * The expensive part of an insert (searching for neighbours, pruning) runs without blocking
 * searches; only the final linking takes the write lock.
 *
 * Ids are int64 values chosen by the caller (e.g. a per-project vector id). Inserting an id that
 * is already present replaces its vector.
 */
#ifndef FAULTLINE_ANN_ANN_H
#define FAULTLINE_ANN_ANN_H

#include <stddef.h>
#include <stdint.h>

/* Status codes (0 is success). */
#define ANN_EINVAL    (-1)   /* bad argument */
#define ANN_ENOMEM    (-2)
#define ANN_ENOTFOUND (-3)   /* no such id */
#define ANN_EIO       (-4)   /* file could not be read or written */
#define ANN_ECORRUPT  (-5)   /* file is damaged: rebuild the index from the stored vectors */
#define ANN_EVERSION  (-6)   /* file has another format version: rebuild likewise */

/* brute_force_below = ANN_BRUTE_FORCE_AUTO (the default) picks the measured crossover for the
 * dimension (bench/results/ann-crossover.json: below it an exhaustive scan is at least as fast as
 * the graph search at ef_search=100): 2000 vectors from 512-d up, 3000 from 128-d, else 5000. */
#define ANN_BRUTE_FORCE_AUTO (-1)

struct ann_params {
    int M;                 /* links per node on upper levels; level 0 keeps 2*M (default 16) */
    int ef_construction;   /* candidate list size while inserting (default 200) */
    int ef_search;         /* candidate list size of a search when the caller passes ef <= 0 (default 100) */
    int brute_force_below; /* exhaustive search until this many live vectors; 0: always a graph;
                            * ANN_BRUTE_FORCE_AUTO: by dimension (default) */
    uint64_t seed;         /* random level generator seed (default fixed, so builds are repeatable) */
};

struct ann_hit {
    int64_t id;
    float distance;        /* 1 - cosine similarity */
};

/* Search filter: return nonzero to accept the entry with this id, 0 to skip it. Skipped entries
 * are still used to navigate the graph, so filtering does not cut the graph apart. It runs under
 * the index's read lock: it must not call back into the same index. */
typedef int (*ann_filter_fn)(int64_t id, void *ctx);

void ann_params_default(struct ann_params *p);

/* A new empty index for vectors of `dim` floats; p may be NULL for the defaults. */
struct ann_index *ann_new(int dim, const struct ann_params *p, char *err);
void ann_free(struct ann_index *idx);

/* Builds an index from n vectors (row-major n x dim) and their ids: the rebuild path used when a
 * saved index is missing or damaged and the vectors come from the store. */
struct ann_index *ann_build(int dim, const struct ann_params *p, size_t n, const int64_t *ids,
                            const float *vecs, char *err);

/* Reserves room for n vectors (optional; avoids regrowth while bulk loading). */
int ann_reserve(struct ann_index *idx, size_t n, char *err);

/* Adds (or replaces) the vector of `id`. The vector is copied and normalised; a zero or
 * non-finite vector is rejected with ANN_EINVAL. */
int ann_insert(struct ann_index *idx, int64_t id, const float *vec, char *err);

/* Removes `id`: 0, or ANN_ENOTFOUND. Space of deleted graph nodes is reclaimed by compaction,
 * which runs on its own once a quarter of the nodes are deleted (or call ann_compact). */
int ann_delete(struct ann_index *idx, int64_t id);

/* Rebuilds the graph without deleted nodes. Searches keep running while it works. */
int ann_compact(struct ann_index *idx, char *err);

/* Finds up to k nearest vectors to q (normalised internally) among the entries the filter accepts
 * (filter may be NULL). ef <= 0 uses the index's ef_search; ef is raised to k if smaller.
 * out must hold k hits; they come sorted by distance, then id. *n_out gets the count found. */
int ann_search(struct ann_index *idx, const float *q, int k, int ef, ann_filter_fn filter,
               void *ctx, struct ann_hit *out, int *n_out, char *err);

/* Exact search over every live vector (the reference the graph is measured against). */
int ann_search_exact(struct ann_index *idx, const float *q, int k, ann_filter_fn filter,
                     void *ctx, struct ann_hit *out, int *n_out, char *err);

size_t ann_count(struct ann_index *idx);          /* live vectors */
int ann_dim(const struct ann_index *idx);
int ann_contains(struct ann_index *idx, int64_t id);
/* Copies the stored (normalised) vector of id into out[dim]: 0 or ANN_ENOTFOUND. */
int ann_get_vector(struct ann_index *idx, int64_t id, float *out);
size_t ann_memory(struct ann_index *idx);         /* bytes allocated by the index */
void ann_get_params(const struct ann_index *idx, struct ann_params *p);

/* Persistence. The file has a versioned header and a CRC-32 trailer and is written to a temporary
 * file then renamed. ann_load returns NULL with ANN_ECORRUPT / ANN_EVERSION / ANN_EIO in *status
 * (status may be NULL) and a message in err: the caller then rebuilds with ann_build. */
int ann_save(struct ann_index *idx, const char *path, char *err);
struct ann_index *ann_load(const char *path, int *status, char *err);

/* Dot product of two float vectors (SIMD, dispatched at run time). */
float ann_dot(const float *a, const float *b, int dim);
/* Name of the kernel in use: "avx512", "avx2" or "scalar" (FAULTLINE_ANN_SIMD overrides). */
const char *ann_simd_name(void);

/* Per-project registry: one index per project, created on demand. All indexes share dim and
 * params. Lookups are thread-safe; an index stays valid until it is dropped or the registry is
 * freed, which must not race with its use. */
struct ann_registry;
struct ann_registry *ann_registry_new(int dim, const struct ann_params *p, char *err);
void ann_registry_free(struct ann_registry *reg);
/* The project's index; with create != 0 a missing one is created (empty). NULL if missing
 * (create == 0) or on error (err filled). */
struct ann_index *ann_registry_get(struct ann_registry *reg, int64_t project, int create, char *err);
/* Installs idx (e.g. from ann_load or ann_build) as the project's index; the registry owns it and
 * frees any index it replaces. Fails with ANN_EINVAL if idx has another dimension. */
int ann_registry_put(struct ann_registry *reg, int64_t project, struct ann_index *idx, char *err);
int ann_registry_drop(struct ann_registry *reg, int64_t project);
size_t ann_registry_count(struct ann_registry *reg);     /* projects */
size_t ann_registry_memory(struct ann_registry *reg);    /* bytes, all indexes included */
/* Calls fn for each project (in no particular order) until fn returns nonzero, which it returns. */
int ann_registry_foreach(struct ann_registry *reg,
                         int (*fn)(int64_t project, struct ann_index *idx, void *ctx), void *ctx);

#endif
