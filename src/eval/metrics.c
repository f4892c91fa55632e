/* Clustering and retrieval metrics over the outcomes of a replay.
 *
 * Every metric is computed from contingency counts in O(n): n_ij = events with label i in issue j,
 * a_i = events with label i, b_j = events in issue j. Pairwise counts are sums of C(k, 2) over
 * those; BCubed precision is (1/n) sum_ij n_ij^2 / b_j and recall (1/n) sum_ij n_ij^2 / a_i.
 * docs/evaluation.md states the definitions and the conventions for empty denominators. */
#include "eval/eval.h"

#include <stdlib.h>
#include <string.h>

struct outcome {
    int32_t label;          /* dense label id */
    int32_t platform;       /* dense platform id */
    int64_t issue;
    int32_t rank;           /* -1: first of its label (no retrieval), 0: not among candidates */
    int32_t reason;
};

struct eval_set {
    struct eval_map labels;         /* label -> id */
    struct eval_map platforms;      /* platform -> id */
    char          **platform_names; /* by id */
    struct eval_map seen;           /* (label id, issue) -> 1 once an event of that label is in it */
    struct outcome *ev;
    size_t          n, cap;
};

const char *eval_reason_name(enum eval_reason r)
{
    switch (r) {
    case EVAL_REASON_HASH: return "hash";
    case EVAL_REASON_SIMILARITY: return "similarity";
    default: return "new";
    }
}

struct eval_set *eval_set_new(void)
{
    return calloc(1, sizeof(struct eval_set));
}

void eval_set_free(struct eval_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->platforms.count; i++)
        free(s->platform_names[i]);
    free(s->platform_names);
    eval_map_free(&s->labels);
    eval_map_free(&s->platforms);
    eval_map_free(&s->seen);
    free(s->ev);
    free(s);
}

size_t eval_set_count(const struct eval_set *s) { return s->n; }
size_t eval_set_platform_count(const struct eval_set *s) { return s->platforms.count; }

const char *eval_set_platform_name(const struct eval_set *s, size_t i)
{
    return i < s->platforms.count ? s->platform_names[i] : NULL;
}

/* Key of a (label id, issue) cell. */
struct cell_key {
    int64_t label;
    int64_t issue;
};

static int64_t *cell_put(struct eval_map *m, int64_t label, int64_t issue)
{
    struct cell_key k = {label, issue};
    return eval_map_put(m, &k, sizeof k, NULL);
}

static int intern_platform(struct eval_set *s, const char *platform, int32_t *id)
{
    size_t len = strlen(platform);
    int64_t *v = eval_map_get(&s->platforms, platform, len);
    if (v) {
        *id = (int32_t)*v;
        return 0;
    }
    size_t n = s->platforms.count;
    char **names = realloc(s->platform_names, (n + 1) * sizeof *names);
    if (!names)
        return -1;
    s->platform_names = names;
    if (!(names[n] = strdup(platform)))
        return -1;
    if (!(v = eval_map_put(&s->platforms, platform, len, NULL))) {
        free(names[n]);
        return -1;
    }
    *v = (int64_t)n;
    *id = (int32_t)n;
    return 0;
}

int eval_set_add(struct eval_set *s, const char *label, const char *platform, int64_t issue,
                 enum eval_reason reason, const int64_t *candidates, size_t n_candidates, char *err)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        struct outcome *ev = realloc(s->ev, cap * sizeof *ev);
        if (!ev)
            goto oom;
        s->ev = ev;
        s->cap = cap;
    }
    struct outcome *o = &s->ev[s->n];
    int created;
    int64_t *lid = eval_map_put(&s->labels, label, strlen(label), &created);
    if (!lid)
        goto oom;
    if (created)
        *lid = (int64_t)s->labels.count - 1;
    o->label = (int32_t)*lid;
    if (intern_platform(s, platform ? platform : "other", &o->platform) < 0)
        goto oom;
    o->issue = issue;
    o->reason = reason;
    o->rank = -1;
    if (!created) {     /* the true group existed: where is one of its issues among candidates? */
        o->rank = 0;
        for (size_t i = 0; i < n_candidates; i++) {
            struct cell_key k = {o->label, candidates[i]};
            if (eval_map_get(&s->seen, &k, sizeof k)) {
                o->rank = (int32_t)(i + 1);
                break;
            }
        }
    }
    if (!cell_put(&s->seen, o->label, issue))
        goto oom;
    s->n++;
    return 0;
oom:
    errmsg_set(err, "out of memory recording event %zu", s->n + 1);
    return -1;
}

static uint64_t pairs(int64_t k) { return k > 1 ? (uint64_t)k * (uint64_t)(k - 1) / 2 : 0; }

static double f1(double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0; }

int eval_set_scores(const struct eval_set *s, const char *platform, struct eval_scores *out,
                    char *err)
{
    memset(out, 0, sizeof *out);
    int64_t pid = -1;
    if (platform) {
        int64_t *v = eval_map_get(&s->platforms, platform, strlen(platform));
        if (!v)
            return 0;
        pid = *v;
    }
    struct eval_map cells = EVAL_MAP_INIT, labels = EVAL_MAP_INIT, issues = EVAL_MAP_INIT;
    double rr_sum = 0;
    int rc = -1;
    for (size_t i = 0; i < s->n; i++) {
        const struct outcome *o = &s->ev[i];
        if (pid >= 0 && o->platform != pid)
            continue;
        int64_t *c = cell_put(&cells, o->label, o->issue);
        int64_t *a = eval_map_put(&labels, &o->label, sizeof o->label, NULL);
        int64_t *b = c && a ? eval_map_put(&issues, &o->issue, sizeof o->issue, NULL) : NULL;
        if (!b)
            goto done;
        ++*c, ++*a, ++*b;
        out->events++;
        out->by_hash += o->reason == EVAL_REASON_HASH;
        out->by_similarity += o->reason == EVAL_REASON_SIMILARITY;
        out->by_new += o->reason == EVAL_REASON_NEW;
        if (o->rank >= 0) {
            out->retrieval_events++;
            out->rank1 += o->rank == 1;
            rr_sum += o->rank > 0 ? 1.0 / o->rank : 0;
        }
    }
    out->groups = labels.count;
    out->issues = issues.count;
    if (out->events == 0) {
        rc = 0;
        goto done;
    }
    double b3p = 0, b3r = 0;
    for (size_t i = 0; i < cells.cap; i++) {
        const struct eval_map_slot *sl = &cells.slots[i];
        if (!sl->used)
            continue;
        struct cell_key k;
        memcpy(&k, cells.keys.data + sl->key_off, sizeof k);
        int32_t label = (int32_t)k.label;
        int64_t a = *eval_map_get(&labels, &label, sizeof label);
        int64_t b = *eval_map_get(&issues, &k.issue, sizeof k.issue);
        double nij = (double)sl->value;
        out->pairs_correct += pairs(sl->value);
        b3p += nij * nij / (double)b;
        b3r += nij * nij / (double)a;
    }
    for (size_t i = 0; i < labels.cap; i++)
        if (labels.slots[i].used)
            out->pairs_true += pairs(labels.slots[i].value);
    for (size_t i = 0; i < issues.cap; i++)
        if (issues.slots[i].used)
            out->pairs_predicted += pairs(issues.slots[i].value);
    /* No predicted pairs: no false merge was made, precision 1; no true pairs: recall 1. */
    out->pair_precision = out->pairs_predicted
        ? (double)out->pairs_correct / (double)out->pairs_predicted : 1.0;
    out->pair_recall = out->pairs_true ? (double)out->pairs_correct / (double)out->pairs_true : 1.0;
    out->pair_f1 = f1(out->pair_precision, out->pair_recall);
    if (out->events) {
        out->bcubed_precision = b3p / (double)out->events;
        out->bcubed_recall = b3r / (double)out->events;
        out->bcubed_f1 = f1(out->bcubed_precision, out->bcubed_recall);
    }
    if (out->retrieval_events) {
        out->rr1 = (double)out->rank1 / (double)out->retrieval_events;
        out->mrr = rr_sum / (double)out->retrieval_events;
    }
    rc = 0;
done:
    if (rc < 0)
        errmsg_set(err, "out of memory computing scores");
    eval_map_free(&cells);
    eval_map_free(&labels);
    eval_map_free(&issues);
    return rc;
}
