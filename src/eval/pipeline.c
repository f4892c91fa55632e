/* Assignment strategies for the replay, each over its own fresh in-memory store.
 *
 * hash       the server's digest (src/grouping/digest.c: Sentry-style fingerprints, the hash ->
 *            issue rule) over a private in-memory store (store_open(":memory:")), one project.
 * embedding  every event through the similarity step (src/eval/similar.c).
 * hybrid     hash first, the similarity step on a hash miss (src/eval/similar.c).
 *
 * The interface (struct eval_pipeline in eval.h) is what the replay sees; a new strategy is one
 * more open function here. */
#include "eval/eval.h"
#include "grouping/digest.h"
#include "store/store.h"
#include "util/compress.h"

#include <stdlib.h>
#include <string.h>

#define COMMIT_EVERY 512    /* events per store transaction, as the digest batches them */

/* ---- hash strategy: the real digest over an in-memory store ----------------------------------- */

struct digest_state {
    struct store      *store;
    struct digest_ctx *ctx;
    int64_t            project;
    uint64_t           seq;         /* replayed events: unique event ids and receive times */
    int                in_tx;
    struct buf         payload;     /* zstd of the event JSON, stored like the inbox does */
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

/* A fresh in-memory store with one project. */
static int digest_state_fresh(struct digest_state *st, char *err)
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
    } else
        out->reason = EVAL_REASON_NEW;
    if (st->seq % COMMIT_EVERY == 0) {
        st->in_tx = 0;
        if (store_commit(st->store, err) < 0)
            return -1;
    }
    return 0;
}

static int digest_reset(struct eval_pipeline *p, double threshold, char *err)
{
    (void)threshold;
    return digest_state_fresh(p->state, err);
}

static void digest_close(struct eval_pipeline *p)
{
    struct digest_state *st = p->state;
    if (st) {
        digest_state_drop(st);
        buf_free(&st->payload);
    }
    free(st);
    p->state = NULL;
}

static int hash_open(struct eval_pipeline *p, char *err)
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
    if (digest_state_fresh(st, err) < 0) {
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
    if (strcmp(strategy, "hash") == 0) {
        p->strategy = "hash";
        return hash_open(p, err);
    }
    if (strcmp(strategy, "embedding") == 0 || strcmp(strategy, "hybrid") == 0) {
        int hybrid = strategy[0] == 'h';
        p->strategy = hybrid ? "hybrid" : "embedding";
        int rc = eval_similarity_open(p, hybrid, opt, err);
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
