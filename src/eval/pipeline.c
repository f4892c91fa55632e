/* Assignment strategies for the replay, each over its own fresh in-memory state.
 *
 * hash       Sentry-style fingerprints (grouping_compute) and the server's hash -> issue rule.
 * embedding  needs the encoder (src/embed) and the index (src/ann): not in this build yet.
 * hybrid     hash first, embedding on a hash miss: not in this build yet.
 *
 * The interface (struct eval_pipeline in eval.h) is what the replay sees; swapping the in-memory
 * hash map for the real store and digest changes this file only. */
#include "eval/eval.h"
#include "grouping/grouping.h"

#include <stdlib.h>
#include <string.h>

/* ---- hash strategy ---------------------------------------------------------------------------- */

struct hash_state {
    struct eval_map hash_issue;     /* 32-hex hash -> issue id */
    int64_t         next_issue;
};

static int hash_assign(struct eval_pipeline *p, const json_t *event, struct eval_assignment *out,
                       char *err)
{
    struct hash_state *st = p->state;
    struct grouping_result g;
    memset(out, 0, sizeof *out);
    out->distance = -1;
    if (grouping_compute(event, NULL, &g, err) < 0)
        return -1;
    /* Candidates: the distinct issues of the event's hashes, in hash order. */
    for (int i = 0; i < g.n_hashes; i++) {
        int64_t *v = eval_map_get(&st->hash_issue, g.hashes[i], strlen(g.hashes[i]));
        if (!v)
            continue;
        size_t k = 0;
        while (k < out->n_candidates && out->candidates[k] != *v)
            k++;
        if (k == out->n_candidates && k < EVAL_MAX_CANDIDATES)
            out->candidates[out->n_candidates++] = *v;
    }
    if (out->n_candidates) {
        out->issue = out->candidates[0];
        out->reason = EVAL_REASON_HASH;
    } else {
        out->issue = ++st->next_issue;
        out->reason = EVAL_REASON_NEW;
    }
    /* Every hash without an issue attaches to the chosen one (as the digest does). */
    int rc = 0;
    for (int i = 0; i < g.n_hashes; i++) {
        int created;
        int64_t *v = eval_map_put(&st->hash_issue, g.hashes[i], strlen(g.hashes[i]), &created);
        if (!v) {
            errmsg_set(err, "out of memory");
            rc = -1;
            break;
        }
        if (created)
            *v = out->issue;
    }
    grouping_result_free(&g);
    return rc;
}

static int hash_reset(struct eval_pipeline *p, double threshold, char *err)
{
    (void)threshold;
    (void)err;
    struct hash_state *st = p->state;
    eval_map_clear(&st->hash_issue);
    st->next_issue = 0;
    return 0;
}

static void hash_close(struct eval_pipeline *p)
{
    struct hash_state *st = p->state;
    if (st)
        eval_map_free(&st->hash_issue);
    free(st);
    p->state = NULL;
}

static int hash_open(struct eval_pipeline *p, char *err)
{
    struct hash_state *st = calloc(1, sizeof *st);
    if (!st) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    p->state = st;
    p->threshold = -1;
    p->assign = hash_assign;
    p->reset = hash_reset;
    p->close = hash_close;
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
    (void)opt;
    memset(p, 0, sizeof *p);
    if (strcmp(strategy, "hash") == 0) {
        p->strategy = "hash";
        return hash_open(p, err);
    }
    if (eval_strategy_has_threshold(strategy) == 1) {
        errmsg_set(err, "strategy %s not available in this build (it needs the encoder and the "
                        "nearest-neighbour index)", strategy);
        return EVAL_ENOTAVAIL;
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
