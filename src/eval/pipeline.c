/* Assignment strategies for the replay. Every strategy is the server's digest (digest_event() in
 * src/grouping/digest.c) over its own fresh in-memory store (store_open(":memory:")), one project:
 *
 * hash       similarity off: Sentry-style fingerprints and the hash -> issue rule alone.
 * hybrid     what the server does: hash first, the similarity step on a hash miss (embed the
 *            canonical text, search the project's vectors, join the nearest issue of the same
 *            exception type within the threshold), with the threshold and text variant set as the
 *            project's options.
 * embedding  every event through the similarity step; hashes decide only for events it skips.
 *
 * The interface (struct eval_pipeline in eval.h) is what the replay sees. */
#include "eval/eval.h"
#include "embed/embed.h"
#include "grouping/digest.h"
#include "grouping/similarity.h"
#include "store/store.h"
#include "util/compress.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMMIT_EVERY 512    /* events per store transaction, as the digest batches them */
#define CACHE_ENTRIES 200000

struct digest_state {
    struct store      *store;
    struct digest_ctx *ctx;
    struct similarity *sim;         /* NULL for the hash strategy */
    int                embedding_only;
    int                text_variant;
    int64_t            project;
    uint64_t           seq;         /* replayed events: unique event ids and receive times */
    int                in_tx;
    struct buf         payload;     /* zstd of the event JSON, stored like the inbox does */
    char               model_path[PATH_MAX];
};

static void digest_state_drop(struct digest_state *st)
{
    if (st->in_tx)
        store_rollback(st->store);
    st->in_tx = 0;
    if (st->store)
        store_close(st->store);
    st->store = NULL;
    digest_ctx_free(st->ctx);
    st->ctx = NULL;
}

/* A fresh in-memory store with one project, configured for the strategy. */
static int digest_state_fresh(struct digest_state *st, double threshold, char *err)
{
    digest_state_drop(st);
    st->seq = 0;
    struct store_project proj;
    if (store_open(":memory:", &st->store, err) < 0)
        return -1;
    if (!(st->ctx = digest_ctx_new())) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    if (store_project_create(st->store, "eval", &proj, err) < 0)
        return -1;
    st->project = proj.id;
    if (!st->sim)
        return 0;
    /* the engine's indexes belong to the previous store */
    if (similarity_forget_indexes(st->sim, err) < 0)
        return -1;
    digest_ctx_set_similarity(st->ctx, st->sim, NULL);
    digest_ctx_set_embedding_only(st->ctx, st->embedding_only);
    char value[64];
    snprintf(value, sizeof value, "%.9g", threshold);
    if (store_project_option_set(st->store, st->project, "similarityMode", "on", err) < 0 ||
        store_project_option_set(st->store, st->project, "similarityGroupThreshold", value, err) < 0 ||
        store_project_option_set(st->store, st->project, "similarityText",
                                 st->text_variant == GROUPING_TEXT_SEER ? "seer" : "crash-first", err) < 0)
        return -1;
    return 0;
}

static int digest_assign(struct eval_pipeline *p, const json_t *event, struct eval_assignment *out,
                         char *err)
{
    struct digest_state *st = p->state;
    memset(out, 0, sizeof *out);
    out->distance = -1;
    if (!st->in_tx) {
        if (store_begin(st->store, err) < 0)
            return -1;
        st->in_tx = 1;
    }
    /* Dataset event ids may repeat or be missing: each replayed event gets its own. */
    char event_id[33];
    snprintf(event_id, sizeof event_id, "%032llx", (unsigned long long)++st->seq);
    char *json = json_dumps(event, JSON_COMPACT);
    buf_reset(&st->payload);
    if (!json || zstd_compress_buf(json, strlen(json), &st->payload) < 0) {
        free(json);
        errmsg_set(err, "cannot compress the event");
        return -1;
    }
    free(json);
    struct digest_outcome o;
    double received = 1.6e9 + (double)st->seq;
    if (digest_event(st->ctx, st->store, st->project, event_id, received, event, st->payload.data,
                     st->payload.len, &o, err) < 0)
        return -1;
    if (o.reason == DIGEST_DUPLICATE) {
        errmsg_set(err, "digest saw event %s twice", event_id);
        return -1;
    }
    out->issue = o.issue_id;
    if (o.reason == DIGEST_HASH_HIT) {
        out->reason = EVAL_REASON_HASH;
        out->candidates[out->n_candidates++] = o.issue_id;    /* the issue of the matched hash */
    } else {
        out->reason = o.reason == DIGEST_SIMILARITY ? EVAL_REASON_SIMILARITY : EVAL_REASON_NEW;
        if (o.similarity_ran) {
            out->distance = o.distance < 0 ? -1 : o.distance;
            for (int i = 0; i < o.n_candidates && out->n_candidates < EVAL_MAX_CANDIDATES; i++)
                out->candidates[out->n_candidates++] = o.candidates[i];
        }
    }
    if (st->seq % COMMIT_EVERY == 0) {
        st->in_tx = 0;
        if (store_commit(st->store, err) < 0)
            return -1;
    }
    return 0;
}

static int digest_reset(struct eval_pipeline *p, double threshold, char *err)
{
    struct digest_state *st = p->state;
    if (st->sim)
        p->threshold = threshold >= 0 ? threshold : SIMILARITY_DEFAULT_GROUP_THRESHOLD;
    return digest_state_fresh(st, p->threshold, err);
}

static void digest_close(struct eval_pipeline *p)
{
    struct digest_state *st = p->state;
    if (st) {
        digest_state_drop(st);
        similarity_free(st->sim);
        buf_free(&st->payload);
    }
    free(st);
    p->state = NULL;
}

/* strategy: 0 hash, 1 hybrid, 2 embedding */
static int digest_open(struct eval_pipeline *p, int strategy, const struct eval_pipeline_options *opt,
                       char *err)
{
    struct digest_state *st = calloc(1, sizeof *st);
    if (!st) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    p->state = st;
    p->threshold = -1;
    p->assign = digest_assign;
    p->reset = digest_reset;
    p->close = digest_close;
    if (strategy > 0) {
        st->embedding_only = strategy == 2;
        st->text_variant = opt ? opt->text_variant : SIMILARITY_DEFAULT_TEXT;
        if (opt && opt->model_path)
            snprintf(st->model_path, sizeof st->model_path, "%s", opt->model_path);
        else if (embed_default_model_path(st->model_path, sizeof st->model_path) < 0) {
            errmsg_set(err, "strategy %s not available: no model at %s (give --model)", p->strategy,
                       st->model_path);
            digest_close(p);
            return EVAL_ENOTAVAIL;
        }
        if (similarity_new(st->model_path, &st->sim, err) < 0 ||
            similarity_enable_cache(st->sim, CACHE_ENTRIES, err) < 0) {
            digest_close(p);
            return -1;
        }
        similarity_set_rate(st->sim, 1e12);   /* a replay has no embedding budget */
        p->model = st->model_path;
        p->text = st->text_variant == GROUPING_TEXT_SEER ? "seer" : "crash-first";
        p->threshold = opt && opt->threshold >= 0 ? opt->threshold : SIMILARITY_DEFAULT_GROUP_THRESHOLD;
    }
    if (digest_state_fresh(st, p->threshold, err) < 0) {
        digest_close(p);
        return -1;
    }
    return 0;
}

/* ---- strategy table --------------------------------------------------------------------------- */

static const struct {
    const char *name;
    int         has_threshold;
} strategies[] = {
    {"hash", 0},
    {"embedding", 1},
    {"hybrid", 1},
};

int eval_strategy_has_threshold(const char *strategy)
{
    for (size_t i = 0; i < sizeof strategies / sizeof strategies[0]; i++)
        if (strcmp(strategy, strategies[i].name) == 0)
            return strategies[i].has_threshold;
    return -1;
}

int eval_pipeline_open(struct eval_pipeline *p, const char *strategy,
                       const struct eval_pipeline_options *opt, char *err)
{
    memset(p, 0, sizeof *p);
    static const char *const names[] = {"hash", "hybrid", "embedding"};
    for (int i = 0; i < 3; i++)
        if (strcmp(strategy, names[i]) == 0) {
            p->strategy = names[i];
            int rc = digest_open(p, i, opt, err);
            if (rc < 0)
                memset(p, 0, sizeof *p);
            return rc;
        }
    errmsg_set(err, "unknown strategy '%s' (hash, embedding, hybrid)", strategy);
    return -1;
}

void eval_pipeline_close(struct eval_pipeline *p)
{
    if (p->close)
        p->close(p);
    memset(p, 0, sizeof *p);
}
