/* faultline eval: measure grouping quality on a labelled dataset (see docs/evaluation.md). */
#include "cli/cli.h"
#include "cli/progress.h"
#include "eval/eval.h"
#include "grouping/grouping.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_SWEEP 201

static const char usage_text[] =
    "usage: faultline eval DATASET.jsonl[.gz] [OPTIONS]\n"
    "\n"
    "Replays labelled events ({\"event\": {...}, \"group\": \"label\"} per line, in file order)\n"
    "through the grouping pipeline in a fresh in-memory store, and prints pairwise and BCubed\n"
    "precision/recall/F1, issues created vs true groups, RR@1 and MRR, overall and per platform.\n"
    "DATASET may be gzip-compressed, or '-' for stdin.\n"
    "\n"
    "options:\n"
    "  --strategy S        hash, embedding, hybrid or all (default: all)\n"
    "  --threshold T       group threshold (cosine distance) for embedding/hybrid\n"
    "  --sweep             replay over a range of thresholds; print the precision/recall curve\n"
    "  --sweep-range L:H:S thresholds from L to H by S (default 0:0.3:0.02)\n"
    "  --plot OUT.svg      where --sweep draws its plot (default eval-sweep.svg)\n"
    "  --json              print JSON on stdout instead of tables\n"
    "  --assignments OUT   write one JSON line per event: line, label, issue, reason, distance\n"
    "  --model FILE        encoder model (GGUF) for embedding/hybrid (env FAULTLINE_MODEL)\n"
    "  --text VARIANT      canonical text for the encoder: crash-first (default) or seer\n"
    "  --max-line-bytes N  skip longer dataset lines as bad (default 16 MiB)\n";

/* eval_replay's progress callback, drawn by the shared progress bar. */
static void show_progress(void *ctx, double fraction, size_t events)
{
    progress_show(ctx, fraction, events, "events");
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_range(const char *s, double *t, size_t *n)
{
    double lo, hi, step;
    char tail;
    if (sscanf(s, "%lf:%lf:%lf%c", &lo, &hi, &step, &tail) != 3 || !isfinite(lo) || !isfinite(hi)
        || !isfinite(step) || lo < 0 || hi > 2 || lo > hi || step <= 0)
        return -1;
    size_t k = 0;
    for (; k < MAX_SWEEP; k++) {
        double v = lo + step * (double)k;
        if (v > hi + 1e-9)
            break;
        t[k] = v;
    }
    *n = k;
    return k > 0 && (lo + step * (double)k > hi + 1e-9) ? 0 : -1;   /* too many points: error */
}

static void report_bad(const char *strategy, const struct eval_bad_lines *bad, json_t *result)
{
    json_t *lines = json_array();
    for (size_t i = 0; i < bad->listed; i++) {
        if (!result)
            fprintf(stderr, "faultline eval: %s: line %zu: %s\n", strategy, bad->line[i],
                    bad->msg[i]);
        json_array_append_new(lines, json_pack("{sI ss}", "line", (json_int_t)bad->line[i],
                                               "error", bad->msg[i]));
    }
    if (bad->count)
        fprintf(stderr, "faultline eval: %s: %zu bad line%s skipped%s\n", strategy, bad->count,
                bad->count == 1 ? "" : "s", bad->count > bad->listed ? " (first ones listed)" : "");
    if (result)
        json_object_set_new(result, "bad_lines",
                            json_pack("{sI so}", "count", (json_int_t)bad->count, "first", lines));
    else
        json_decref(lines);
}

/* The model and text variant of an embedding strategy, for reproducibility. */
static void describe(const struct eval_pipeline *p, json_t *o)
{
    if (o && p->model) {
        json_object_set_new(o, "model", json_string(p->model));
        json_object_set_new(o, "text", json_string(p->text));
    }
}

struct options {
    const char *dataset, *strategy, *assignments, *model, *plot;
    double      threshold;
    int         text_variant;
    int         sweep, json;
    size_t      max_line;
    double      thresholds[MAX_SWEEP];
    size_t      n_thresholds;
};

/* One strategy, one replay: table or JSON result. Returns 0 or -1 (message printed). */
static int run_once(const struct options *o, struct eval_pipeline *p, FILE *assign, json_t *results)
{
    char err[ERRMSG_SIZE];
    struct progress pg;
    progress_init(&pg, p->strategy);
    struct eval_replay_options ro = {o->max_line, assign, show_progress, &pg};
    struct eval_bad_lines bad;
    struct eval_set *set = eval_set_new();
    int rc = set ? eval_replay(o->dataset, p, set, &ro, &bad, err) : -1;
    progress_end(&pg);
    if (!set)
        errmsg_set(err, "out of memory");
    if (rc == 0 && o->json) {
        json_t *r = eval_report_json(p->strategy, p->threshold, set, err);
        if (r) {
            describe(p, r);
            report_bad(p->strategy, &bad, r);
            json_array_append_new(results, r);
        } else
            rc = -1;
    } else if (rc == 0) {
        report_bad(p->strategy, &bad, NULL);
        struct buf out = BUF_INIT;
        rc = eval_report_text(&out, p->strategy, p->threshold, set, err);
        if (rc == 0 && p->model)
            printf("model %s, text %s\n", p->model, p->text);
        if (rc == 0)
            printf("%s\n", out.data);
        buf_free(&out);
    }
    if (rc < 0)
        fprintf(stderr, "faultline eval: %s: %s\n", p->strategy, err);
    eval_set_free(set);
    return rc;
}

/* One strategy over every threshold (or once, without one). Fills *curve (points malloc'd). */
static int run_sweep(const struct options *o, struct eval_pipeline *p, struct eval_curve *curve,
                     json_t *sweeps)
{
    char err[ERRMSG_SIZE];
    int has_t = p->threshold >= 0;
    size_t n = has_t ? o->n_thresholds : 1;
    struct eval_sweep_point *pts = calloc(n, sizeof *pts);
    double none = -1;
    struct progress pg;
    progress_init(&pg, p->strategy);
    struct eval_replay_options ro = {o->max_line, NULL, show_progress, &pg};
    struct eval_bad_lines bad;
    int rc = pts ? eval_sweep(o->dataset, p, has_t ? o->thresholds : &none, n, &ro, pts, &bad, err)
                 : (errmsg_set(err, "out of memory"), -1);
    progress_end(&pg);
    if (rc < 0) {
        fprintf(stderr, "faultline eval: %s: %s\n", p->strategy, err);
        free(pts);
        return -1;
    }
    report_bad(p->strategy, &bad, NULL);
    *curve = (struct eval_curve){p->strategy, pts, n};
    if (o->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, json_pack("{so so}", "threshold",
                                                 has_t ? json_real(pts[i].threshold) : json_null(),
                                                 "overall", eval_scores_json(&pts[i].scores)));
        json_t *sw = json_pack("{ss so}", "strategy", p->strategy, "points", arr);
        describe(p, sw);
        json_array_append_new(sweeps, sw);
        return 0;
    }
    if (p->model)
        printf("model %s, text %s\n", p->model, p->text);
    printf("sweep, strategy %s%s\n  %9s %7s %7s %7s  %7s %7s %7s  %6s %6s %6s\n", p->strategy,
           has_t ? "" : " (no threshold: one point)", "threshold", "pairP", "pairR", "pairF1",
           "b3P", "b3R", "b3F1", "issues", "RR@1", "MRR");
    for (size_t i = 0; i < n; i++) {
        const struct eval_scores *s = &pts[i].scores;
        char t[16] = "-";
        if (has_t)
            snprintf(t, sizeof t, "%.4f", pts[i].threshold);
        printf("  %9s %7.4f %7.4f %7.4f  %7.4f %7.4f %7.4f  %6zu %6.4f %6.4f\n", t,
               s->pair_precision, s->pair_recall, s->pair_f1, s->bcubed_precision,
               s->bcubed_recall, s->bcubed_f1, s->issues, s->rr1, s->mrr);
    }
    printf("\n");
    return 0;
}

static int write_plot(const char *path, const struct eval_curve *curves, size_t n)
{
    char err[ERRMSG_SIZE];
    struct buf svg = BUF_INIT;
    int rc = eval_plot_svg(&svg, curves, n, err);
    FILE *f = rc == 0 ? fopen(path, "w") : NULL;
    if (rc == 0 && !f)
        errmsg_set(err, "%s: %s", path, strerror(errno));
    if (f && (fwrite(svg.data, 1, svg.len, f) != svg.len) + (fclose(f) != 0))
        errmsg_set(err, "%s: write failed", path), f = NULL;
    buf_free(&svg);
    if (!f) {
        fprintf(stderr, "faultline eval: plot: %s\n", err);
        return -1;
    }
    fprintf(stderr, "faultline eval: precision/recall plot written to %s\n", path);
    return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
    const char *threshold = NULL, *range = "0:0.3:0.02", *max_line = NULL, *text = NULL, *v;
    for (int i = 1; i < argc; i++) {
        int r;
        size_t k;
        if (cli_is_help(argv[i])) {
            fputs(usage_text, stdout);
            return 1;
        }
        const char **slot[] = {&o->strategy, &threshold, &range, &o->plot, &o->assignments,
                               &o->model, &max_line, &text};
        static const char *const names[] = {"--strategy", "--threshold", "--sweep-range", "--plot",
                                            "--assignments", "--model", "--max-line-bytes",
                                            "--text"};
        for (r = 0, k = 0; k < sizeof names / sizeof names[0] && r == 0; k++)
            if ((r = cli_take_value(argc, argv, &i, names[k], &v)) > 0)
                *slot[k] = v;
        if (r < 0)
            return -1;
        if (r > 0)
            continue;
        if (strcmp(argv[i], "--sweep") == 0)
            o->sweep = 1;
        else if (strcmp(argv[i], "--json") == 0)
            o->json = 1;
        else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "faultline eval: unknown option '%s'\n", argv[i]);
            return -1;
        } else if (o->dataset) {
            fprintf(stderr, "faultline eval: one dataset at a time ('%s' and '%s')\n", o->dataset,
                    argv[i]);
            return -1;
        } else
            o->dataset = argv[i];
    }
    if (!o->dataset) {
        fprintf(stderr, "faultline eval: no dataset given\n");
        return -1;
    }
    if (strcmp(o->strategy, "all") != 0 && eval_strategy_has_threshold(o->strategy) < 0) {
        fprintf(stderr, "faultline eval: unknown strategy '%s' (hash, embedding, hybrid, all)\n",
                o->strategy);
        return -1;
    }
    if (threshold && parse_double(threshold, 0, 2, &o->threshold) < 0) {
        fprintf(stderr, "faultline eval: --threshold wants a cosine distance in [0, 2]\n");
        return -1;
    }
    if (threshold && o->sweep) {
        fprintf(stderr, "faultline eval: --threshold and --sweep exclude each other\n");
        return -1;
    }
    if (o->sweep && o->assignments) {
        fprintf(stderr, "faultline eval: --assignments is for one run, not a --sweep\n");
        return -1;
    }
    if (parse_range(range, o->thresholds, &o->n_thresholds) < 0) {
        fprintf(stderr, "faultline eval: --sweep-range wants LOW:HIGH:STEP within [0, 2], at most "
                        "%d points\n", MAX_SWEEP);
        return -1;
    }
    if (strcmp(o->dataset, "-") == 0 && (o->sweep || strcmp(o->strategy, "all") == 0)) {
        fprintf(stderr, "faultline eval: stdin can be replayed only once: give one --strategy and "
                        "no --sweep\n");
        return -1;
    }
    if (text && strcmp(text, "seer") == 0)
        o->text_variant = GROUPING_TEXT_SEER;
    else if (text && strcmp(text, "crash-first") == 0)
        o->text_variant = GROUPING_TEXT_CRASH_FIRST;
    else if (text) {
        fprintf(stderr, "faultline eval: --text is seer or crash-first\n");
        return -1;
    }
    double ml;
    if (max_line) {
        if (parse_double(max_line, 1, 1e12, &ml) < 0) {
            fprintf(stderr, "faultline eval: --max-line-bytes wants a positive byte count\n");
            return -1;
        }
        o->max_line = (size_t)ml;
    }
    return 0;
}

int cmd_eval(int argc, char **argv)
{
    struct options o = {.strategy = "all", .plot = "eval-sweep.svg", .threshold = -1,
                        .text_variant = GROUPING_TEXT_CRASH_FIRST};
    int pr = parse_args(argc, argv, &o);
    if (pr != 0)
        return pr > 0 ? 0 : 2;
    o.model = cli_setting(o.model, "FAULTLINE_MODEL", NULL);

    static const char *const all[] = {"hash", "embedding", "hybrid"};
    const char *const *names = all;
    size_t n_names = 3;
    int explicit = strcmp(o.strategy, "all") != 0;
    if (explicit)
        names = (const char *const *)&o.strategy, n_names = 1;

    FILE *assign = NULL;
    if (o.assignments && !(assign = fopen(o.assignments, "w"))) {
        fprintf(stderr, "faultline eval: %s: %s\n", o.assignments, strerror(errno));
        return 1;
    }
    json_t *results = json_array(), *sweeps = json_array();
    struct eval_curve curves[3];
    size_t n_curves = 0;
    int status = 0;
    for (size_t i = 0; i < n_names; i++) {
        char err[ERRMSG_SIZE];
        struct eval_pipeline p;
        struct eval_pipeline_options po = {o.threshold, o.model, o.text_variant};
        int rc = eval_pipeline_open(&p, names[i], &po, err);
        if (rc == EVAL_ENOTAVAIL) {
            fprintf(stderr, "faultline eval: %s\n", err);
            json_array_append_new(results, json_pack("{ss sb ss}", "strategy", names[i],
                                                     "available", 0, "error", err));
            if (explicit)
                status = 1;
            continue;
        }
        if (rc < 0) {
            fprintf(stderr, "faultline eval: %s\n", err);
            status = 1;
            continue;
        }
        if (o.sweep)
            rc = run_sweep(&o, &p, &curves[n_curves], sweeps);
        else
            rc = run_once(&o, &p, assign, results);
        if (rc == 0 && o.sweep)
            n_curves++;
        if (rc < 0)
            status = 1;
        eval_pipeline_close(&p);
    }
    if (o.sweep && n_curves && write_plot(o.plot, curves, n_curves) < 0)
        status = 1;
    if (o.json) {
        json_t *doc = json_object();
        json_t *name = json_string(o.dataset);    /* NULL when the path is not UTF-8 */
        json_object_set_new(doc, "dataset", name ? name : json_null());
        json_object_set_new(doc, "results", results);
        if (o.sweep)
            json_object_set(doc, "sweep", sweeps);
        size_t flags = JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10);
        if (json_dumpf(doc, stdout, flags) < 0) {
            fprintf(stderr, "faultline eval: cannot write the JSON report\n");
            status = 1;
        }
        printf("\n");
        json_decref(doc);
    } else
        json_decref(results);
    json_decref(sweeps);
    for (size_t i = 0; i < n_curves; i++)
        free((void *)curves[i].points);
    if (assign && fclose(assign) != 0) {
        fprintf(stderr, "faultline eval: %s: write failed\n", o.assignments);
        status = 1;
    }
    return status;
}
