/* Reports of an evaluation: a readable table, JSON, and the SVG precision/recall plot. */
#include "eval/eval.h"

#include <math.h>
#include <string.h>

/* ---- table and JSON ---------------------------------------------------------------------------- */

static int row(struct buf *out, const char *name, const struct eval_scores *sc)
{
    return buf_printf(out, "  %-12.12s %7zu %6zu %6zu  %6.4f %6.4f %6.4f  %6.4f %6.4f %6.4f  "
                           "%6.4f %6.4f %7zu\n",
                      name, sc->events, sc->groups, sc->issues, sc->pair_precision,
                      sc->pair_recall, sc->pair_f1, sc->bcubed_precision, sc->bcubed_recall,
                      sc->bcubed_f1, sc->rr1, sc->mrr, sc->retrieval_events);
}

int eval_report_text(struct buf *out, const char *strategy, double threshold,
                     const struct eval_set *set, char *err)
{
    struct eval_scores sc;
    if (eval_set_scores(set, NULL, &sc, err) < 0)
        return -1;
    int rc = 0;
    if (threshold >= 0)
        rc |= buf_printf(out, "strategy %s, threshold %.4f\n", strategy, threshold);
    else
        rc |= buf_printf(out, "strategy %s\n", strategy);
    rc |= buf_printf(out, "  %-12s %7s %6s %6s  %6s %6s %6s  %6s %6s %6s  %6s %6s %7s\n",
                     "platform", "events", "groups", "issues", "pairP", "pairR", "pairF1", "b3P",
                     "b3R", "b3F1", "RR@1", "MRR", "ranked");
    rc |= row(out, "ALL", &sc);
    for (size_t i = 0; i < eval_set_platform_count(set); i++) {
        struct eval_scores ps;
        if (eval_set_scores(set, eval_set_platform_name(set, i), &ps, err) < 0)
            return -1;
        rc |= row(out, eval_set_platform_name(set, i), &ps);
    }
    rc |= buf_printf(out, "  assignments: %zu by hash, %zu by similarity, %zu new issues "
                          "(true groups: %zu)\n",
                     sc.by_hash, sc.by_similarity, sc.by_new, sc.groups);
    if (rc) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    return 0;
}

json_t *eval_scores_json(const struct eval_scores *sc)
{
    return json_pack("{sI sI sI s{sI sI sI} sI sI sI sf sf sf sf sf sf sI sI sf sf}",
                     "events", (json_int_t)sc->events, "groups", (json_int_t)sc->groups,
                     "issues", (json_int_t)sc->issues,
                     "reasons", "hash", (json_int_t)sc->by_hash, "similarity",
                     (json_int_t)sc->by_similarity, "new", (json_int_t)sc->by_new,
                     "pairs_true", (json_int_t)sc->pairs_true,
                     "pairs_predicted", (json_int_t)sc->pairs_predicted,
                     "pairs_correct", (json_int_t)sc->pairs_correct,
                     "pair_precision", sc->pair_precision, "pair_recall", sc->pair_recall,
                     "pair_f1", sc->pair_f1, "bcubed_precision", sc->bcubed_precision,
                     "bcubed_recall", sc->bcubed_recall, "bcubed_f1", sc->bcubed_f1,
                     "retrieval_events", (json_int_t)sc->retrieval_events,
                     "rank1", (json_int_t)sc->rank1, "rr1", sc->rr1, "mrr", sc->mrr);
}

json_t *eval_report_json(const char *strategy, double threshold, const struct eval_set *set,
                         char *err)
{
    struct eval_scores sc;
    if (eval_set_scores(set, NULL, &sc, err) < 0)
        return NULL;
    json_t *platforms = json_object();
    json_t *o = json_pack("{ss so so* so*}", "strategy", strategy, "threshold",
                          threshold >= 0 ? json_real(threshold) : json_null(), "overall",
                          eval_scores_json(&sc), "platforms", platforms);
    for (size_t i = 0; o && platforms && i < eval_set_platform_count(set); i++) {
        struct eval_scores ps;
        if (eval_set_scores(set, eval_set_platform_name(set, i), &ps, err) < 0) {
            json_decref(o);
            return NULL;
        }
        if (json_object_set_new(platforms, eval_set_platform_name(set, i),
                                eval_scores_json(&ps)) < 0) {
            json_decref(o);
            o = NULL;
        }
    }
    if (!o || !json_object_get(o, "overall") || !json_object_get(o, "platforms")) {
        json_decref(o);
        errmsg_set(err, "out of memory building the JSON report");
        return NULL;
    }
    return o;
}

/* ---- SVG plot ---------------------------------------------------------------------------------- */

#define W 720
#define H 540
#define ML 70     /* margins: left, right, top, bottom */
#define MR 30
#define MT 70
#define MB 60

static const char *const colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                      "#8c564b"};

struct axes {
    double x0, y0;          /* lower bounds of recall (x) and precision (y); upper bound 1 */
};

static double px(const struct axes *a, double x) { return ML + (x - a->x0) / (1 - a->x0) * (W - ML - MR); }
static double py(const struct axes *a, double y) { return H - MB - (y - a->y0) / (1 - a->y0) * (H - MT - MB); }

static void put_escaped(struct buf *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': buf_puts(out, "&amp;"); break;
        case '<': buf_puts(out, "&lt;"); break;
        case '>': buf_puts(out, "&gt;"); break;
        case '"': buf_puts(out, "&quot;"); break;
        default: buf_putc(out, *s);
        }
    }
}

/* Lower bound of an axis: the smallest value, floored to a tenth, at most 0.9. */
static double axis_floor(double v)
{
    double f = floor(v * 10) / 10;
    return f < 0 ? 0 : f > 0.9 ? 0.9 : f;
}

static void polyline(struct buf *out, const struct axes *a, const struct eval_curve *c, int bcubed,
                     const char *colour)
{
    buf_printf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s points=\"", colour,
               bcubed ? "1.5" : "2", bcubed ? " stroke-dasharray=\"6 4\"" : "");
    for (size_t i = 0; i < c->n; i++) {
        const struct eval_scores *s = &c->points[i].scores;
        double r = bcubed ? s->bcubed_recall : s->pair_recall;
        double p = bcubed ? s->bcubed_precision : s->pair_precision;
        buf_printf(out, "%s%.1f,%.1f", i ? " " : "", px(a, r), py(a, p));
    }
    buf_puts(out, "\"/>\n");
}

int eval_plot_svg(struct buf *out, const struct eval_curve *curves, size_t n_curves, char *err)
{
    struct axes a = {1, 1};
    for (size_t c = 0; c < n_curves; c++)
        for (size_t i = 0; i < curves[c].n; i++) {
            const struct eval_scores *s = &curves[c].points[i].scores;
            a.x0 = fmin(a.x0, fmin(s->pair_recall, s->bcubed_recall));
            a.y0 = fmin(a.y0, fmin(s->pair_precision, s->bcubed_precision));
        }
    a.x0 = axis_floor(a.x0);
    a.y0 = axis_floor(a.y0);
    size_t start = out->len;
    buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                    "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
               W, H, W, H);
    buf_printf(out, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H);
    buf_printf(out, "<text x=\"%d\" y=\"28\" font-size=\"16\">Grouping precision / recall over "
                    "thresholds (solid: pairwise, dashed: BCubed)</text>\n", ML);
    /* grid and ticks every 0.1 */
    for (int k = 0; k <= 10; k++) {
        double v = k / 10.0;
        if (v >= a.x0 - 1e-9) {
            buf_printf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
                            "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.1f</text>\n",
                       px(&a, v), MT, px(&a, v), H - MB, px(&a, v), H - MB + 18, v);
        }
        if (v >= a.y0 - 1e-9) {
            buf_printf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                            "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>\n",
                       ML, py(&a, v), W - MR, py(&a, v), ML - 8, py(&a, v) + 4, v);
        }
    }
    buf_printf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                    "stroke=\"#333\"/>\n", ML, MT, W - ML - MR, H - MT - MB);
    buf_printf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">recall</text>\n",
               ML + (W - ML - MR) / 2, H - 18);
    buf_printf(out, "<text x=\"18\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 18 %d)\">"
                    "precision</text>\n", MT + (H - MT - MB) / 2, MT + (H - MT - MB) / 2);
    for (size_t c = 0; c < n_curves; c++) {
        const struct eval_curve *cv = &curves[c];
        const char *colour = colours[c % (sizeof colours / sizeof colours[0])];
        if (cv->n > 1) {
            polyline(out, &a, cv, 1, colour);
            polyline(out, &a, cv, 0, colour);
        }
        /* points with their threshold, labelled where the label does not cover the previous one;
         * a strategy without a threshold is one square */
        double lx = -100, ly = -100;
        for (size_t i = 0; i < cv->n; i++) {
            const struct eval_sweep_point *pt = &cv->points[i];
            double x = px(&a, pt->scores.pair_recall), y = py(&a, pt->scores.pair_precision);
            if (pt->threshold >= 0)
                buf_printf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>", x,
                           y, colour);
            else
                buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\">"
                                "<title>", x - 5, y - 5, colour);
            put_escaped(out, cv->name);
            if (pt->threshold >= 0)
                buf_printf(out, " t=%.3f", pt->threshold);
            buf_printf(out, ": P=%.4f R=%.4f F1=%.4f</title></%s>\n", pt->scores.pair_precision,
                       pt->scores.pair_recall, pt->scores.pair_f1,
                       pt->threshold >= 0 ? "circle" : "rect");
            if (pt->threshold < 0)      /* its BCubed point: a hollow square */
                buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" "
                                "fill=\"none\" stroke=\"%s\"/>\n",
                           px(&a, pt->scores.bcubed_recall) - 5,
                           py(&a, pt->scores.bcubed_precision) - 5, colour);
            if (pt->threshold >= 0 && hypot(x - lx, y - ly) > 28) {
                buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"%s\">%.3g"
                                "</text>\n", x + 5, y - 5, colour, pt->threshold);
                lx = x, ly = y;
            }
        }
        /* legend: one row above the plot */
        double lx0 = ML + 170.0 * (double)c, ly0 = MT - 14;
        buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                        "stroke-width=\"2\"/><text x=\"%.1f\" y=\"%.1f\">",
                   lx0, ly0, lx0 + 24, ly0, colour, lx0 + 30, ly0 + 4);
        put_escaped(out, cv->name);
        buf_puts(out, cv->n > 1 || (cv->n == 1 && cv->points[0].threshold >= 0)
                          ? "</text>\n" : " (no threshold)</text>\n");
    }
    if (buf_puts(out, "</svg>\n") < 0 || out->len == start) {
        errmsg_set(err, "out of memory drawing the plot");
        return -1;
    }
    return 0;
}
