/* Replay: dataset -> pipeline -> eval_set, with per-event assignment lines and progress. */
#include "eval/eval.h"

#include <string.h>

#define PROGRESS_EVERY 256

/* {"line", "label", "platform", "issue", "reason", "distance"?, "candidates", "strategy",
 *  "threshold"?} as one compact line. */
static int write_assignment(FILE *f, const struct eval_item *it, const struct eval_pipeline *p,
                            const struct eval_assignment *a, char *err)
{
    json_t *cands = json_array();
    for (size_t i = 0; cands && i < a->n_candidates; i++)
        json_array_append_new(cands, json_integer(a->candidates[i]));
    json_t *o = json_pack("{sI ss ss sI ss so* ss}", "line", (json_int_t)it->line, "label",
                          it->label, "platform", it->platform, "issue", (json_int_t)a->issue,
                          "reason", eval_reason_name(a->reason), "candidates", cands, "strategy",
                          p->strategy);
    if (o && a->distance >= 0)
        json_object_set_new(o, "distance", json_real(a->distance));
    if (o && p->threshold >= 0)
        json_object_set_new(o, "threshold", json_real(p->threshold));
    if (o && a->reason == EVAL_REASON_SIMILARITY && p->model)
        json_object_set_new(o, "model", json_string(p->model));
    size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10);
    int rc = o ? json_dumpf(o, f, flags) : -1;
    json_decref(o);
    if (rc < 0 || fputc('\n', f) == EOF) {
        errmsg_set(err, "cannot write the assignments file");
        return -1;
    }
    return 0;
}

int eval_replay(const char *path, struct eval_pipeline *p, struct eval_set *set,
                const struct eval_replay_options *opt, struct eval_bad_lines *bad, char *err)
{
    static const struct eval_replay_options none;
    if (!opt)
        opt = &none;
    memset(bad, 0, sizeof *bad);
    struct eval_reader *r;
    if (eval_reader_open(&r, path, opt->max_line, err) < 0)
        return -1;
    struct eval_bad_lines rejected = {0};   /* events the pipeline refused */
    struct eval_item it;
    char perr[ERRMSG_SIZE];
    int rc;
    while ((rc = eval_reader_next(r, &it, err)) == 1) {
        struct eval_assignment a;
        if (p->assign(p, it.event, &a, perr) < 0) {
            eval_bad_lines_add(&rejected, it.line, "%s: %s", p->strategy, perr);
            continue;
        }
        if (eval_set_add(set, it.label, it.platform, a.issue, a.reason, a.candidates,
                         a.n_candidates, err) < 0
            || (opt->assignments && write_assignment(opt->assignments, &it, p, &a, err) < 0)) {
            rc = -1;
            break;
        }
        if (opt->progress && eval_set_count(set) % PROGRESS_EVERY == 0)
            opt->progress(opt->progress_ctx, eval_reader_progress(r), eval_set_count(set));
    }
    /* Merge the two lists of bad lines: reader's first (they are counted apart anyway). */
    *bad = *eval_reader_bad(r);
    for (size_t i = 0; i < rejected.listed; i++)
        eval_bad_lines_add(bad, rejected.line[i], "%s", rejected.msg[i]);
    bad->count += rejected.count - rejected.listed;
    if (rc == 0 && opt->progress)
        opt->progress(opt->progress_ctx, eval_reader_progress(r), eval_set_count(set));
    eval_reader_close(r);
    if (rc < 0)
        return -1;
    if (eval_set_count(set) == 0) {
        if (bad->count)
            errmsg_set(err, "%s: no usable event (%zu bad line%s; first: line %zu: %s)", path,
                       bad->count, bad->count == 1 ? "" : "s", bad->line[0], bad->msg[0]);
        else
            errmsg_set(err, "%s: no events", path);
        return -1;
    }
    return 0;
}

int eval_sweep(const char *path, struct eval_pipeline *p, const double *thresholds, size_t n,
               const struct eval_replay_options *opt, struct eval_sweep_point *points,
               struct eval_bad_lines *bad, char *err)
{
    for (size_t i = 0; i < n; i++) {
        struct eval_set *set = eval_set_new();
        if (!set) {
            errmsg_set(err, "out of memory");
            return -1;
        }
        int rc = p->reset(p, thresholds[i], err);
        if (rc == 0)
            rc = eval_replay(path, p, set, opt, bad, err);
        points[i].threshold = p->threshold;
        if (rc == 0)
            rc = eval_set_scores(set, NULL, &points[i].scores, err);
        eval_set_free(set);
        if (rc < 0)
            return -1;
    }
    return 0;
}
