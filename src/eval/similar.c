/* The embedding and hybrid strategies of the replay: a simple, exact version of the similarity
 * step, until the digest itself has one (then these strategies become the digest with
 * similarity on, like the hash strategy).
 *
 * hybrid     hash first (the digest's rule, over an in-memory hash -> issue map); on a hash miss,
 *            the event's canonical text (grouping_canonical_text) is embedded and compared with
 *            every stored vector (exact cosine distance); the nearest issue is joined at or under
 *            the threshold, otherwise a new issue is created.
 * embedding  the same similarity step for every event; the hash only groups events that have
 *            no canonical text (no usable stack trace), which skip similarity as in the product.
 *
 * Every issue keeps one vector per fingerprint that joined it (compared all together), as the
 * grouping notes advise. Vectors are cached by replay position, so a threshold sweep embeds each
 * event once. */
#include "embed/embed.h"
#include "eval/eval.h"
#include "grouping/grouping.h"

#include <cblas.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_THRESHOLD 0.01   /* provisional, from docs/evaluation.md (raw USE-Lite) */

enum { CACHE_UNKNOWN = 0, CACHE_VECTOR, CACHE_NO_TEXT };

struct sim_state {
    int                 hybrid;
    int                 text_variant;
    struct embed_model *model;
    int                 dim;
    /* the store of one run */
    struct eval_map     hash_issue;     /* hash -> issue */
    int64_t             next_issue;
    float              *vecs;           /* n_vecs x dim */
    int64_t            *vec_issue;
    size_t              n_vecs, cap_vecs;
    float              *dots;           /* q . every stored vector */
    size_t              cap_dots;
    double             *best;           /* per issue: nearest distance of the current search */
    size_t              cap_best;
    uint64_t            pos;            /* replay position of the current event */
    /* kept across runs: vectors by replay position */
    float              *cache;
    unsigned char      *cache_state;
    size_t              cache_cap;
    struct buf          text;
    char                model_path[PATH_MAX];
};

/* The event's vector (cached by position), or NULL when it has no canonical text. */
static const float *event_vector(struct sim_state *st, const json_t *event, char *err, int *rc)
{
    size_t i = (size_t)st->pos;
    *rc = 0;
    if (i >= st->cache_cap) {
        size_t cap = st->cache_cap ? st->cache_cap * 2 : 1024;
        while (cap <= i)
            cap *= 2;
        float *c = realloc(st->cache, cap * (size_t)st->dim * sizeof *c);
        if (c)
            st->cache = c;
        unsigned char *s = c ? realloc(st->cache_state, cap) : NULL;
        if (!c || !s) {
            errmsg_set(err, "out of memory");
            *rc = -1;
            return NULL;
        }
        memset(s + st->cache_cap, CACHE_UNKNOWN, cap - st->cache_cap);
        st->cache_state = s;
        st->cache_cap = cap;
    }
    float *v = st->cache + i * (size_t)st->dim;
    if (st->cache_state[i] == CACHE_UNKNOWN) {
        buf_reset(&st->text);
        if (grouping_canonical_text(event, NULL, st->text_variant, &st->text, err) < 0) {
            *rc = -1;
            return NULL;
        }
        if (st->text.len == 0)
            st->cache_state[i] = CACHE_NO_TEXT;
        else {
            const char *t = st->text.data;
            if (embed_texts(st->model, &t, 1, v, err) < 0) {
                *rc = -1;
                return NULL;
            }
            st->cache_state[i] = CACHE_VECTOR;
        }
    }
    return st->cache_state[i] == CACHE_VECTOR ? v : NULL;
}

static int add_vector(struct sim_state *st, const float *v, int64_t issue)
{
    if (st->n_vecs == st->cap_vecs) {
        size_t cap = st->cap_vecs ? st->cap_vecs * 2 : 256;
        float *vs = realloc(st->vecs, cap * (size_t)st->dim * sizeof *vs);
        if (vs)
            st->vecs = vs;
        int64_t *is = vs ? realloc(st->vec_issue, cap * sizeof *is) : NULL;
        if (!vs || !is)
            return -1;
        st->vec_issue = is;
        st->cap_vecs = cap;
    }
    memcpy(st->vecs + st->n_vecs * (size_t)st->dim, v, (size_t)st->dim * sizeof *v);
    st->vec_issue[st->n_vecs++] = issue;
    return 0;
}

/* Exact search: each issue's nearest vector; the best EVAL_MAX_CANDIDATES issues, nearest first. */
static int search(struct sim_state *st, const float *q, struct eval_assignment *out, double *dist)
{
    size_t n_issues = (size_t)st->next_issue + 1;
    if (n_issues > st->cap_best) {
        double *b = realloc(st->best, n_issues * 2 * sizeof *b);
        if (!b)
            return -1;
        st->best = b;
        st->cap_best = n_issues * 2;
    }
    for (size_t i = 0; i < n_issues; i++)
        st->best[i] = 3;    /* above any cosine distance */
    if (st->n_vecs > st->cap_dots) {
        float *d = realloc(st->dots, st->cap_vecs * sizeof *d);
        if (!d)
            return -1;
        st->dots = d;
        st->cap_dots = st->cap_vecs;
    }
    if (st->n_vecs)     /* every stored vector against q at once */
        cblas_sgemv(CblasRowMajor, CblasNoTrans, (blasint)st->n_vecs, st->dim, 1.0f, st->vecs,
                    st->dim, q, 1, 0.0f, st->dots, 1);
    for (size_t k = 0; k < st->n_vecs; k++) {
        double d = 1 - (double)st->dots[k];
        d = d < 0 ? 0 : d;      /* rounding of unit vectors */
        if (d < st->best[st->vec_issue[k]])
            st->best[st->vec_issue[k]] = d;
    }
    size_t n = 0;
    for (size_t i = 1; i < n_issues; i++) {     /* insertion into the sorted top list */
        double d = st->best[i];
        if (d > 2.5 || (n == EVAL_MAX_CANDIDATES && d >= dist[n - 1]))
            continue;
        size_t k = n < EVAL_MAX_CANDIDATES ? n++ : n - 1;   /* when full, the last one drops */
        while (k > 0 && dist[k - 1] > d) {
            dist[k] = dist[k - 1];
            out->candidates[k] = out->candidates[k - 1];
            k--;
        }
        dist[k] = d;
        out->candidates[k] = (int64_t)i;
    }
    out->n_candidates = n;
    return 0;
}

static int sim_assign(struct eval_pipeline *p, const json_t *event, struct eval_assignment *out,
                      char *err)
{
    struct sim_state *st = p->state;
    memset(out, 0, sizeof *out);
    out->distance = -1;
    struct grouping_result g;
    if (grouping_compute(event, NULL, &g, err) < 0) {
        st->pos++;
        return -1;
    }
    int rc = 0;
    int64_t hash_hit = 0;
    for (int i = 0; i < g.n_hashes && !hash_hit; i++) {
        int64_t *v = eval_map_get(&st->hash_issue, g.hashes[i], strlen(g.hashes[i]));
        hash_hit = v ? *v : 0;
    }
    const float *vec = NULL;
    if (!(st->hybrid && hash_hit)) {
        vec = event_vector(st, event, err, &rc);
        if (rc < 0)
            goto done;
    }
    if (!vec && hash_hit) {             /* hybrid hash hit, or no text: the hash decides */
        out->issue = hash_hit;
        out->reason = EVAL_REASON_HASH;
        out->candidates[out->n_candidates++] = hash_hit;
    } else if (vec) {
        double dist[EVAL_MAX_CANDIDATES];
        if (search(st, vec, out, dist) < 0)
            goto oom;
        if (out->n_candidates && dist[0] <= p->threshold) {
            out->issue = out->candidates[0];
            out->reason = EVAL_REASON_SIMILARITY;
            out->distance = dist[0];
        } else {
            out->issue = ++st->next_issue;
            out->reason = EVAL_REASON_NEW;
        }
        /* A new fingerprint brings its vector to the issue; exact repeats add nothing. */
        if ((out->reason == EVAL_REASON_NEW || dist[0] > 1e-6) && add_vector(st, vec, out->issue) < 0)
            goto oom;
    } else {
        out->issue = ++st->next_issue;
        out->reason = EVAL_REASON_NEW;
    }
    for (int i = 0; i < g.n_hashes; i++) {    /* unowned hashes attach to the issue */
        int created;
        int64_t *v = eval_map_put(&st->hash_issue, g.hashes[i], strlen(g.hashes[i]), &created);
        if (!v)
            goto oom;
        if (created)
            *v = out->issue;
    }
    goto done;
oom:
    errmsg_set(err, "out of memory");
    rc = -1;
done:
    st->pos++;
    grouping_result_free(&g);
    return rc;
}

static int sim_reset(struct eval_pipeline *p, double threshold, char *err)
{
    (void)err;
    struct sim_state *st = p->state;
    eval_map_clear(&st->hash_issue);
    st->next_issue = 0;
    st->n_vecs = 0;
    st->pos = 0;
    p->threshold = threshold >= 0 ? threshold : DEFAULT_THRESHOLD;
    return 0;
}

static void sim_close(struct eval_pipeline *p)
{
    struct sim_state *st = p->state;
    if (!st)
        return;
    embed_model_free(st->model);
    eval_map_free(&st->hash_issue);
    free(st->vecs);
    free(st->vec_issue);
    free(st->best);
    free(st->dots);
    free(st->cache);
    free(st->cache_state);
    buf_free(&st->text);
    free(st);
    p->state = NULL;
}

int eval_similarity_open(struct eval_pipeline *p, int hybrid,
                         const struct eval_pipeline_options *opt, char *err)
{
    char path[PATH_MAX];
    if (opt && opt->model_path)
        snprintf(path, sizeof path, "%s", opt->model_path);
    else if (embed_default_model_path(path, sizeof path) < 0) {
        errmsg_set(err, "strategy %s not available: no model at %s (give --model)",
                   hybrid ? "hybrid" : "embedding", path);
        return EVAL_ENOTAVAIL;
    }
    struct sim_state *st = calloc(1, sizeof *st);
    if (!st) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    p->state = st;
    p->assign = sim_assign;
    p->reset = sim_reset;
    p->close = sim_close;
    st->hybrid = hybrid;
    st->text_variant = opt ? opt->text_variant : 0;
    snprintf(st->model_path, sizeof st->model_path, "%s", path);
    p->model = st->model_path;
    p->text = st->text_variant == GROUPING_TEXT_CRASH_FIRST ? "crash-first" : "seer";
    if (embed_model_load(path, &st->model, err) < 0) {
        sim_close(p);
        return -1;
    }
    st->dim = embed_model_dim(st->model);
    sim_reset(p, opt ? opt->threshold : -1, err);
    return 0;
}
