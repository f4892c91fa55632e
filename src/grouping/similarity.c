/* Similarity grouping engine: encoder + per-project ANN indexes + embedding budget. */
#include "grouping/similarity.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <sys/stat.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "ann/ann.h"
#include "embed/embed.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/timefmt.h"

#define MAX_CANDIDATES 32
#define BUDGET_RATE_DEFAULT 50.0     /* embeddings per second per project */
#define BUDGET_BURST_DEFAULT 200.0

struct bucket {
    int64_t project_id;
    double  tokens;
    double  last;
};

struct similarity {
    struct embed_model  *model;
    char                 model_name[128];
    int                  dim;
    struct ann_registry *indexes;
    pthread_mutex_t      build_lock;   /* one thread builds a project's index from the store */
    pthread_mutex_t      budget_lock;
    struct bucket       *buckets;
    int                  n_buckets;
    double               rate, burst;
    /* optional text -> vector cache (open addressing on a 64-bit text hash) */
    uint64_t            *cache_keys;    /* 0 = empty slot */
    float               *cache_vecs;
    int                  cache_cap, cache_used;
    char                 index_dir[1024];   /* "" = indexes are not saved */
    char                 path[4096];        /* the model file */
    /* engines of other models that projects chose (owned; children have none of their own) */
    pthread_mutex_t      others_lock;
    struct similarity   *others[SIMILARITY_MAX_MODELS - 1];
    int                  n_others;
};

void similarity_settings_default(struct similarity_settings *s)
{
    s->model[0] = '\0';
    s->mode = SIMILARITY_DEFAULT_MODE;
    s->group_threshold = SIMILARITY_DEFAULT_GROUP_THRESHOLD;
    s->similar_threshold = SIMILARITY_DEFAULT_SIMILAR_THRESHOLD;
    s->text_variant = SIMILARITY_DEFAULT_TEXT;
}

static int parse_mode(const char *v)
{
    if (strcmp(v, "off") == 0)
        return SIMILARITY_OFF;
    if (strcmp(v, "shadow") == 0)
        return SIMILARITY_SHADOW;
    if (strcmp(v, "on") == 0)
        return SIMILARITY_ON;
    return -1;
}

static int parse_text(const char *v)
{
    if (strcmp(v, "crash-first") == 0)
        return GROUPING_TEXT_CRASH_FIRST;
    if (strcmp(v, "seer") == 0)
        return GROUPING_TEXT_SEER;
    return -1;
}

static int parse_distance(const char *v, double *out)
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end || !(d >= 0.0 && d <= 2.0))
        return -1;
    *out = d;
    return 0;
}

/* A model name from a project option: an absolute path, or a file in the directory of `base`. */
static void resolve_model(const char *base, const char *model, char *out, size_t cap)
{
    if (model[0] == '/' || !base) {
        snprintf(out, cap, "%s", model);
        return;
    }
    const char *slash = strrchr(base, '/');
    int dir = slash ? (int)(slash - base) : 1;
    snprintf(out, cap, "%.*s/%s", dir, slash ? base : ".", model);
}

int similarity_validate_option(const char *key, const char *value, char *err)
{
    double d;
    if (strcmp(key, "similarityModel") == 0) {
        char def[1024], path[1600];
        int have_default = embed_default_model_path(def, sizeof def) == 0;
        if (!*value)
            return 0;   /* back to the server's default */
        if (strstr(value, "..") || strlen(value) > 500) {
            errmsg_set(err, "similarityModel must be a GGUF file name in the models directory or an absolute path");
            return -1;
        }
        resolve_model(have_default ? def : NULL, value, path, sizeof path);
        FILE *f = fopen(path, "rb");
        char magic[4] = {0};
        int ok = f && fread(magic, 1, 4, f) == 4 && memcmp(magic, "GGUF", 4) == 0;
        if (f)
            fclose(f);
        if (!ok) {
            errmsg_set(err, "similarityModel: %.200s is not a readable GGUF model file", path);
            return -1;
        }
        return 0;
    }
    if (strcmp(key, "similarityMode") == 0) {
        if (parse_mode(value) < 0) {
            errmsg_set(err, "similarityMode must be off, shadow or on");
            return -1;
        }
    } else if (strcmp(key, "similarityText") == 0) {
        if (parse_text(value) < 0) {
            errmsg_set(err, "similarityText must be crash-first or seer");
            return -1;
        }
    } else if (strcmp(key, "similarityGroupThreshold") == 0 || strcmp(key, "similarityThreshold") == 0) {
        if (parse_distance(value, &d) < 0) {
            errmsg_set(err, "%s must be a cosine distance from 0 to 2", key);
            return -1;
        }
    } else {
        errmsg_set(err, "unknown similarity option %s", key);
        return -1;
    }
    return 0;
}

int similarity_settings_load(struct store *s, int64_t project_id, struct similarity_settings *out, char *err)
{
    similarity_settings_default(out);
    char *mode = NULL, *group = NULL, *similar = NULL, *text = NULL, *model = NULL;
    if (store_project_option_get(s, project_id, "similarityModel", &model, err) < 0) {
        return -1;
    }
    if (model)
        snprintf(out->model, sizeof out->model, "%s", model);
    free(model);
    if (store_project_option_get(s, project_id, "similarityMode", &mode, err) < 0 ||
        store_project_option_get(s, project_id, "similarityGroupThreshold", &group, err) < 0 ||
        store_project_option_get(s, project_id, "similarityThreshold", &similar, err) < 0 ||
        store_project_option_get(s, project_id, "similarityText", &text, err) < 0) {
        free(mode);
        free(group);
        free(similar);
        return -1;
    }
    if (text && parse_text(text) >= 0)
        out->text_variant = parse_text(text);
    free(text);
    if (mode && parse_mode(mode) >= 0)
        out->mode = parse_mode(mode);
    if (group)
        parse_distance(group, &out->group_threshold);
    if (similar)
        parse_distance(similar, &out->similar_threshold);
    free(mode);
    free(group);
    free(similar);
    return 0;
}

int similarity_new(const char *model_path, struct similarity **out, char *err)
{
    char path[4096];
    if (!model_path || !*model_path) {
        if (embed_default_model_path(path, sizeof path) < 0) {
            errmsg_set(err, "no embedding model found (looked for %s; set FAULTLINE_MODEL)", path);
            return -1;
        }
        model_path = path;
    }
    struct similarity *sim = calloc(1, sizeof *sim);
    if (!sim) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    if (embed_model_load(model_path, &sim->model, err) < 0) {
        free(sim);
        return -1;
    }
    snprintf(sim->path, sizeof sim->path, "%s", model_path);
    pthread_mutex_init(&sim->others_lock, NULL);
    sim->dim = embed_model_dim(sim->model);
    snprintf(sim->model_name, sizeof sim->model_name, "%s", embed_model_name(sim->model));
    sim->indexes = ann_registry_new(sim->dim, NULL, err);
    if (!sim->indexes) {
        embed_model_free(sim->model);
        free(sim);
        return -1;
    }
    pthread_mutex_init(&sim->build_lock, NULL);
    pthread_mutex_init(&sim->budget_lock, NULL);
    const char *rate = getenv("FAULTLINE_SIMILARITY_RATE");
    sim->rate = rate && atof(rate) > 0 ? atof(rate) : BUDGET_RATE_DEFAULT;
    sim->burst = sim->rate * 4 > BUDGET_BURST_DEFAULT ? sim->rate * 4 : BUDGET_BURST_DEFAULT;
    *out = sim;
    return 0;
}

void similarity_free(struct similarity *sim)
{
    if (!sim)
        return;
    for (int i = 0; i < sim->n_others; i++)
        similarity_free(sim->others[i]);
    pthread_mutex_destroy(&sim->others_lock);
    free(sim->cache_keys);
    free(sim->cache_vecs);
    ann_registry_free(sim->indexes);
    embed_model_free(sim->model);
    pthread_mutex_destroy(&sim->build_lock);
    pthread_mutex_destroy(&sim->budget_lock);
    free(sim->buckets);
    free(sim);
}

const char *similarity_model_name(const struct similarity *sim) { return sim->model_name; }

struct similarity *similarity_for_model(struct similarity *sim, const char *model, char *err)
{
    if (!model || !*model)
        return sim;
    char path[4200];
    resolve_model(sim->path, model, path, sizeof path);
    if (strcmp(path, sim->path) == 0)
        return sim;
    struct similarity *found = NULL;
    pthread_mutex_lock(&sim->others_lock);
    for (int i = 0; i < sim->n_others && !found; i++)
        if (strcmp(sim->others[i]->path, path) == 0)
            found = sim->others[i];
    if (!found) {
        if (sim->n_others == SIMILARITY_MAX_MODELS - 1) {
            errmsg_set(err, "at most %d embedding models can be in use at once", SIMILARITY_MAX_MODELS);
        } else if (strlen(path) < sizeof sim->path && similarity_new(path, &found, err) == 0) {
            snprintf(found->index_dir, sizeof found->index_dir, "%s", sim->index_dir);
            similarity_set_rate(found, sim->rate);
            sim->others[sim->n_others++] = found;
        }
    }
    pthread_mutex_unlock(&sim->others_lock);
    return found;
}

int similarity_dim(const struct similarity *sim) { return sim->dim; }

int similarity_enable_cache(struct similarity *sim, int max_entries, char *err)
{
    int cap = 16;
    while (cap < max_entries * 2 && cap < (1 << 26))
        cap *= 2;
    sim->cache_keys = calloc((size_t)cap, sizeof *sim->cache_keys);
    sim->cache_vecs = malloc((size_t)cap * (size_t)sim->dim * sizeof *sim->cache_vecs);
    if (!sim->cache_keys || !sim->cache_vecs) {
        free(sim->cache_keys);
        free(sim->cache_vecs);
        sim->cache_keys = NULL;
        sim->cache_vecs = NULL;
        errmsg_set(err, "out of memory for the embedding cache");
        return -1;
    }
    sim->cache_cap = cap;
    return 0;
}

void similarity_set_rate(struct similarity *sim, double per_second)
{
    pthread_mutex_lock(&sim->budget_lock);
    sim->rate = per_second;
    sim->burst = per_second * 4 > BUDGET_BURST_DEFAULT ? per_second * 4 : BUDGET_BURST_DEFAULT;
    for (int i = 0; i < sim->n_buckets; i++)
        sim->buckets[i].tokens = sim->burst;
    pthread_mutex_unlock(&sim->budget_lock);
}

int similarity_forget_indexes(struct similarity *sim, char *err)
{
    struct ann_registry *fresh = ann_registry_new(sim->dim, NULL, err);
    if (!fresh)
        return -1;
    ann_registry_free(sim->indexes);
    sim->indexes = fresh;
    for (int i = 0; i < sim->n_others; i++)
        if (similarity_forget_indexes(sim->others[i], err) < 0)
            return -1;
    return 0;
}

/* FNV-1a, 64 bit; 0 is reserved for empty slots. */
static uint64_t text_key(const char *text, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)text[i];
        h *= 1099511628211ULL;
    }
    return h ? h : 1;
}

/* The slot of key: its own if cached, else the empty one where it would go (-1 if full). */
static long cache_slot(const struct similarity *sim, uint64_t key)
{
    size_t mask = (size_t)sim->cache_cap - 1;
    for (size_t i = key & mask, probes = 0; probes < (size_t)sim->cache_cap; i = (i + 1) & mask, probes++)
        if (sim->cache_keys[i] == key || sim->cache_keys[i] == 0)
            return (long)i;
    return -1;
}

int similarity_embed_event(struct similarity *sim, const json_t *event, const struct grouping_config *cfg,
                           int text_variant, float *vec, char *err)
{
    struct buf text = BUF_INIT;
    if (grouping_canonical_text(event, cfg, text_variant, &text, err) < 0) {
        buf_free(&text);
        return -1;
    }
    /* No frame, no similarity: a bare message is better served by its hash. */
    int usable = text.len > 0 && strstr(text.data, "  File ") != NULL;
    int rc = 0;
    if (usable) {
        uint64_t key = sim->cache_keys ? text_key(text.data, text.len) : 0;
        long slot = key ? cache_slot(sim, key) : -1;
        float *cached = slot >= 0 ? sim->cache_vecs + (size_t)slot * (size_t)sim->dim : NULL;
        if (cached && sim->cache_keys[slot] == key) {
            memcpy(vec, cached, (size_t)sim->dim * sizeof *vec);
            rc = 1;
        } else {
            const char *texts[1] = {text.data};
            rc = embed_texts(sim->model, texts, 1, vec, err) < 0 ? -1 : 1;
            if (rc == 1 && cached && sim->cache_used * 2 < sim->cache_cap) {
                sim->cache_keys[slot] = key;
                memcpy(cached, vec, (size_t)sim->dim * sizeof *vec);
                sim->cache_used++;
            }
        }
    }
    buf_free(&text);
    return rc;
}

static int add_to_index(void *ctx, int64_t id, const float *vec, int dim)
{
    struct ann_index *idx = ctx;
    char err[ERRMSG_SIZE];
    if (dim != ann_dim(idx))
        return 0;
    return ann_insert(idx, id, vec, err) < 0 ? -1 : 0;
}

void similarity_set_index_dir(struct similarity *sim, const char *dir)
{
    snprintf(sim->index_dir, sizeof sim->index_dir, "%s", dir ? dir : "");
    for (int i = 0; i < sim->n_others; i++)
        similarity_set_index_dir(sim->others[i], dir);
}

static void index_path(const struct similarity *sim, int64_t project_id, char *path, size_t cap)
{
    char model[64];
    size_t n = 0;
    for (const char *p = sim->model_name; *p && n + 1 < sizeof model; p++)
        model[n++] = (isalnum((unsigned char)*p) || *p == '-') ? *p : '_';
    model[n] = '\0';
    snprintf(path, cap, "%s/ann-%s-%lld.idx", sim->index_dir, model, (long long)project_id);
}

/* A saved index of the project, if it matches the store; NULL otherwise. */
static struct ann_index *load_saved(struct similarity *sim, struct store *s, int64_t project_id)
{
    if (!sim->index_dir[0])
        return NULL;
    char path[1200], err[ERRMSG_SIZE];
    index_path(sim, project_id, path, sizeof path);
    int status = 0;
    struct ann_index *idx = ann_load(path, &status, err);
    if (!idx)
        return NULL;
    int64_t stored = store_vector_count(s, project_id, sim->model_name, err);
    if (ann_dim(idx) != sim->dim || stored < 0 || (size_t)stored != ann_count(idx)) {
        ann_free(idx);   /* stale: vectors were added after it was saved */
        return NULL;
    }
    return idx;
}

static int save_one(int64_t project, struct ann_index *idx, void *ctx)
{
    struct similarity *sim = ctx;
    char path[1200], err[ERRMSG_SIZE];
    index_path(sim, project, path, sizeof path);
    if (ann_save(idx, path, err) < 0) {
        fprintf(stderr, "faultline: could not save the index of project %lld: %s\n", (long long)project, err);
        return 0;
    }
    return 0;
}

int similarity_save_indexes(struct similarity *sim, char *err)
{
    if (!sim->index_dir[0])
        return 0;
    if (mkdir(sim->index_dir, 0700) < 0 && errno != EEXIST) {
        errmsg_set(err, "cannot create %s: %s", sim->index_dir, strerror(errno));
        return -1;
    }
    ann_registry_foreach(sim->indexes, save_one, sim);
    int saved = (int)ann_registry_count(sim->indexes);
    for (int i = 0; i < sim->n_others; i++) {
        int n = similarity_save_indexes(sim->others[i], err);
        if (n > 0)
            saved += n;
    }
    return saved;
}

/* The project's index: loaded from its saved file if that matches the store, else built from the
 * store's vectors, on first use. */
static struct ann_index *project_index(struct similarity *sim, struct store *s, int64_t project_id, char *err)
{
    struct ann_index *idx = ann_registry_get(sim->indexes, project_id, 0, err);
    if (idx)
        return idx;
    pthread_mutex_lock(&sim->build_lock);
    idx = ann_registry_get(sim->indexes, project_id, 0, err);
    struct ann_index *saved = idx ? NULL : load_saved(sim, s, project_id);
    if (saved) {
        if (ann_registry_put(sim->indexes, project_id, saved, err) == 0)
            idx = saved;
        else
            ann_free(saved);
    }
    if (!idx) {
        struct ann_index *fresh = ann_new(sim->dim, NULL, err);
        if (fresh && store_vector_foreach(s, project_id, sim->model_name, add_to_index, fresh, err) == 0 &&
            ann_registry_put(sim->indexes, project_id, fresh, err) == 0)
            idx = fresh;
        else
            ann_free(fresh);
    }
    pthread_mutex_unlock(&sim->build_lock);
    return idx;
}

/* Keeps the best (smallest) distance per issue, sorted ascending, at most k. */
static int collect(struct store *s, const struct ann_hit *raw, int n_raw, int64_t exclude, const char *type,
                   int k, struct similarity_hit *hits, int n, char *err)
{
    for (int i = 0; i < n_raw; i++) {
        int64_t issue;
        char vtype[256];
        int found = store_vector_issue(s, raw[i].id, &issue, vtype, sizeof vtype, err);
        if (found < 0)
            return -1;
        if (!found || issue == exclude)
            continue;   /* a vector of a rolled-back batch, or the issue itself */
        if (type && strcmp(type, vtype) != 0)
            continue;
        int j;
        for (j = 0; j < n; j++)
            if (hits[j].issue_id == issue)
                break;
        int at;
        if (j < n) {
            if (raw[i].distance >= hits[j].distance)
                continue;
            hits[j].distance = raw[i].distance;
            hits[j].vector_id = raw[i].id;
            at = j;
        } else if (n < k) {
            at = n;
            hits[n++] = (struct similarity_hit){issue, raw[i].id, raw[i].distance};
        } else if (raw[i].distance < hits[n - 1].distance) {
            at = n - 1;
            hits[at] = (struct similarity_hit){issue, raw[i].id, raw[i].distance};
        } else {
            continue;
        }
        for (int a = at; a > 0 && hits[a].distance < hits[a - 1].distance; a--) {
            struct similarity_hit t = hits[a];
            hits[a] = hits[a - 1];
            hits[a - 1] = t;
        }
    }
    return n;
}

int similarity_search(struct similarity *sim, struct store *s, int64_t project_id, const float *vec, int k,
                      int64_t exclude_issue, const char *require_type, struct similarity_hit *hits, char *err)
{
    if (k > MAX_CANDIDATES)
        k = MAX_CANDIDATES;
    struct ann_index *idx = project_index(sim, s, project_id, err);
    if (!idx)
        return -1;
    /* Several vectors may belong to one issue: ask for more than k, then keep one per issue. */
    struct ann_hit raw[MAX_CANDIDATES * 2];
    int n_raw = 0;
    if (ann_search(idx, vec, MAX_CANDIDATES * 2, 0, NULL, NULL, raw, &n_raw, err) < 0)
        return -1;
    return collect(s, raw, n_raw, exclude_issue, require_type, k, hits, 0, err);
}

int similarity_remember(struct similarity *sim, struct store *s, int64_t project_id, int64_t issue_id,
                        const char *hash, const char *exc_type, const float *vec, char *err)
{
    struct ann_index *idx = project_index(sim, s, project_id, err);
    if (!idx)
        return -1;
    int64_t id = store_vector_insert(s, project_id, issue_id, hash, sim->model_name, exc_type, vec, sim->dim, err);
    if (id < 0)
        return -1;
    return ann_insert(idx, id, vec, err) < 0 ? -1 : 0;
}

int similarity_issue_neighbours(struct similarity *sim, struct store *s, int64_t project_id, int64_t issue_id,
                                int k, struct similarity_hit *hits, char *err)
{
    if (k > MAX_CANDIDATES)
        k = MAX_CANDIDATES;
    struct ann_index *idx = project_index(sim, s, project_id, err);
    if (!idx)
        return -1;
    int64_t ids[16];
    int n_ids = store_issue_vector_ids(s, issue_id, sim->model_name, ids, 16, err);
    if (n_ids < 0)
        return -1;
    float *vec = malloc((size_t)sim->dim * sizeof *vec);
    if (!vec) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    int n = 0;
    for (int i = 0; i < n_ids && n >= 0; i++) {
        if (ann_get_vector(idx, ids[i], vec) < 0)
            continue;
        struct ann_hit raw[MAX_CANDIDATES * 2];
        int n_raw = 0;
        if (ann_search(idx, vec, MAX_CANDIDATES * 2, 0, NULL, NULL, raw, &n_raw, err) < 0) {
            n = -1;
            break;
        }
        n = collect(s, raw, n_raw, issue_id, NULL, k, hits, n, err);
    }
    free(vec);
    return n;
}

int similarity_take_budget(struct similarity *sim, int64_t project_id)
{
    double now = time_now();
    int ok = 0;
    pthread_mutex_lock(&sim->budget_lock);
    struct bucket *b = NULL;
    for (int i = 0; i < sim->n_buckets; i++)
        if (sim->buckets[i].project_id == project_id)
            b = &sim->buckets[i];
    if (!b) {
        struct bucket *grown = realloc(sim->buckets, (size_t)(sim->n_buckets + 1) * sizeof *grown);
        if (grown) {
            sim->buckets = grown;
            b = &sim->buckets[sim->n_buckets++];
            *b = (struct bucket){project_id, sim->burst, now};
        }
    }
    if (b) {
        b->tokens += (now - b->last) * sim->rate;
        if (b->tokens > sim->burst)
            b->tokens = sim->burst;
        b->last = now;
        if (b->tokens >= 1.0) {
            b->tokens -= 1.0;
            ok = 1;
        }
    }
    pthread_mutex_unlock(&sim->budget_lock);
    return ok;
}

const char *similarity_root_type(const json_t *event)
{
    const json_t *exc = json_object_get(event, "exception");
    const json_t *values = json_is_object(exc) ? json_object_get(exc, "values") : exc;
    const char *type = json_string_value(json_object_get(json_array_get(values, 0), "type"));
    return type ? type : "";
}
