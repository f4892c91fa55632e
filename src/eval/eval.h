/* Offline evaluation of grouping on labelled data (`faultline eval`).
 *
 * A dataset is JSON Lines, one `{"event": <Sentry event>, "group": "<label>"}` per line, plain or
 * gzip. The events are replayed in file order through an assignment pipeline (a fresh in-memory
 * store per run); each event's predicted issue, the reason for it and the ranked candidate issues
 * are collected in an eval_set, from which the clustering and retrieval metrics are computed,
 * overall and per platform. docs/evaluation.md defines every metric precisely.
 *
 * Pieces, in data-flow order:
 *   eval_reader    streams labelled events from a file; bad lines are counted and listed, not fatal
 *   eval_pipeline  assigns one event to an issue (hash / embedding / hybrid strategies)
 *   eval_replay    reader -> pipeline -> eval_set (+ per-event assignments JSONL, progress)
 *   eval_set       accumulates outcomes; eval_set_scores() computes the metrics in O(n)
 *   eval_report_*  text table, JSON, and the SVG precision/recall plot of a threshold sweep */
#ifndef FAULTLINE_EVAL_H
#define FAULTLINE_EVAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/buf.h"

/* Status codes beyond the generic -1. */
#define EVAL_ENOTAVAIL (-2)   /* strategy not available in this build */

/* ---- outcomes and metrics --------------------------------------------------------------------- */

enum eval_reason {
    EVAL_REASON_NEW = 0,        /* a new issue was created */
    EVAL_REASON_HASH = 1,       /* one of the event's hashes already belonged to the issue */
    EVAL_REASON_SIMILARITY = 2, /* hash miss; joined the nearest issue within the threshold */
};
const char *eval_reason_name(enum eval_reason r);   /* "new", "hash", "similarity" */

struct eval_set;   /* opaque accumulator of per-event outcomes */

struct eval_set *eval_set_new(void);
void eval_set_free(struct eval_set *s);

/* Records one event in replay order: its true label, platform, the issue it was put in, why, and
 * the candidate issues the pipeline considered, best first (may be empty). The retrieval rank is
 * computed here: if an earlier event carried the same label, the rank is the 1-based position of
 * the first candidate that holds an earlier event of that label (0 = none does).
 * Returns 0, or -1 with err filled (out of memory). */
int eval_set_add(struct eval_set *s, const char *label, const char *platform, int64_t issue,
                 enum eval_reason reason, const int64_t *candidates, size_t n_candidates, char *err);

size_t      eval_set_count(const struct eval_set *s);
size_t      eval_set_platform_count(const struct eval_set *s);
const char *eval_set_platform_name(const struct eval_set *s, size_t i);  /* in first-seen order */

struct eval_scores {
    size_t   events;            /* events scored */
    size_t   groups;            /* distinct true labels */
    size_t   issues;            /* distinct predicted issues */
    size_t   by_hash, by_similarity, by_new;   /* assignment reasons */
    /* pairwise, over all unordered pairs of events */
    uint64_t pairs_true;        /* pairs with the same label */
    uint64_t pairs_predicted;   /* pairs in the same issue */
    uint64_t pairs_correct;     /* pairs with both */
    double   pair_precision, pair_recall, pair_f1;
    /* BCubed, averaged over events */
    double   bcubed_precision, bcubed_recall, bcubed_f1;
    /* retrieval, over events whose true group already existed when they arrived */
    size_t   retrieval_events;
    size_t   rank1;             /* of those, how many had the right issue first */
    double   rr1, mrr;          /* rank1 / retrieval_events, mean reciprocal rank (0 if none) */
};

/* Scores the events of one platform, or all events when platform is NULL. An unknown platform
 * gives all-zero scores. Returns 0, or -1 with err filled (out of memory). */
int eval_set_scores(const struct eval_set *s, const char *platform, struct eval_scores *out,
                    char *err);

/* ---- dataset reader --------------------------------------------------------------------------- */

#define EVAL_MAX_LINE_DEFAULT ((size_t)16 << 20)   /* longer lines are skipped as bad */
#define EVAL_BAD_LISTED 20                         /* bad lines listed individually */

struct eval_bad_lines {
    size_t count;                       /* every bad line */
    size_t listed;                      /* min(count, EVAL_BAD_LISTED) */
    size_t line[EVAL_BAD_LISTED];
    char   msg[EVAL_BAD_LISTED][160];
};

struct eval_reader;

struct eval_item {
    size_t      line;       /* 1-based line number in the file */
    const json_t *event;    /* the "event" object; valid until the next eval_reader_next() */
    const char  *label;     /* the "group" label (a JSON number is converted to text) */
    const char  *platform;  /* event.platform, or "other"; at most 63 bytes */
};

/* path "-" reads stdin. Gzip input is detected from its bytes, not its name. max_line 0 means
 * EVAL_MAX_LINE_DEFAULT. Returns 0, or -1 with err filled. */
int  eval_reader_open(struct eval_reader **out, const char *path, size_t max_line, char *err);
/* 1: *item filled; 0: end of file; -1: read/decompression error (err filled). Bad lines (not JSON,
 * no event object, no group label, too long) are skipped and recorded. */
int  eval_reader_next(struct eval_reader *r, struct eval_item *item, char *err);
const struct eval_bad_lines *eval_reader_bad(const struct eval_reader *r);
/* Fraction of the input consumed, 0..1, or -1 when unknown (stdin). */
double eval_reader_progress(const struct eval_reader *r);
void eval_reader_close(struct eval_reader *r);

/* Records a bad line (used by the reader, and by the replay for events the pipeline rejects). */
void eval_bad_lines_add(struct eval_bad_lines *b, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- assignment pipeline ---------------------------------------------------------------------- */

#define EVAL_MAX_CANDIDATES 10

struct eval_assignment {
    int64_t          issue;
    enum eval_reason reason;
    double           distance;       /* cosine distance for similarity joins; -1 when none */
    size_t           n_candidates;
    int64_t          candidates[EVAL_MAX_CANDIDATES];   /* ranked issue ids, best first */
};

struct eval_pipeline_options {
    double      threshold;      /* group threshold (cosine distance); < 0: the strategy's default */
    const char *model_path;     /* encoder GGUF for embedding strategies; NULL: the default model */
    int         text_variant;   /* GROUPING_TEXT_* variant of the canonical text (0: Seer's) */
};

/* One strategy over its own fresh in-memory store. The hash strategy is the server's digest
 * (digest_event() over store_open(":memory:")): the event joins the issue of the first of its
 * hashes that already has one (its other hashes attach to that issue); otherwise a new issue is
 * created and all its hashes attach to it. Its candidate is the issue of the matched hash. */
struct eval_pipeline {
    const char *strategy;               /* "hash", "embedding", "hybrid" */
    const char *model;                  /* encoder model file; NULL for strategies without one */
    const char *text;                   /* canonical-text variant ("crash-first", "seer") or NULL */
    double      threshold;              /* in effect; -1 for strategies without one */
    void       *state;
    int  (*assign)(struct eval_pipeline *p, const json_t *event, struct eval_assignment *out,
                   char *err);
    /* Forget every issue (a fresh store) and use a new threshold; keeps caches (model, vectors
     * cached by replay position: reset is for replaying the same dataset again). */
    int  (*reset)(struct eval_pipeline *p, double threshold, char *err);
    void (*close)(struct eval_pipeline *p);
};

/* Returns 0, -1 with err filled, or EVAL_ENOTAVAIL with err saying why the strategy is missing. */
int eval_pipeline_open(struct eval_pipeline *p, const char *strategy,
                       const struct eval_pipeline_options *opt, char *err);
void eval_pipeline_close(struct eval_pipeline *p);
/* 1 if the strategy has a distance threshold (so --sweep makes sense), 0 if not, -1 unknown. */
int eval_strategy_has_threshold(const char *strategy);

/* ---- replay ----------------------------------------------------------------------------------- */

struct eval_replay_options {
    size_t max_line;                    /* 0: EVAL_MAX_LINE_DEFAULT */
    FILE  *assignments;                 /* per-event JSON lines, NULL: none */
    /* Called every few events and once at the end; fraction is -1 when unknown. */
    void (*progress)(void *ctx, double fraction, size_t events);
    void  *progress_ctx;
};

/* Replays the dataset at path through p into set (which should be empty). Bad lines and events
 * the pipeline rejects are recorded in *bad. Fails (-1, err) on unreadable input, and when no line
 * at all was usable. */
int eval_replay(const char *path, struct eval_pipeline *p, struct eval_set *set,
                const struct eval_replay_options *opt, struct eval_bad_lines *bad, char *err);

/* One point of a threshold sweep: the overall scores at one threshold. */
struct eval_sweep_point {
    double             threshold;
    struct eval_scores scores;
};

/* Replays the dataset once per threshold (p->reset between runs); fills points[0..n). */
int eval_sweep(const char *path, struct eval_pipeline *p, const double *thresholds, size_t n,
               const struct eval_replay_options *opt, struct eval_sweep_point *points,
               struct eval_bad_lines *bad, char *err);

/* ---- reports ---------------------------------------------------------------------------------- */

/* Readable table: one row overall and one per platform. Returns 0 or -1 (err). */
int eval_report_text(struct buf *out, const char *strategy, double threshold,
                     const struct eval_set *set, char *err);
/* {"strategy", "threshold", "overall": {...}, "platforms": {name: {...}}}; NULL + err on failure. */
json_t *eval_report_json(const char *strategy, double threshold, const struct eval_set *set,
                         char *err);
json_t *eval_scores_json(const struct eval_scores *sc);

struct eval_curve {
    const char                    *name;     /* strategy */
    const struct eval_sweep_point *points;   /* by increasing threshold */
    size_t                         n;
};
/* Precision/recall plot (pairwise solid, BCubed dashed), one colour per curve, as SVG text. */
int eval_plot_svg(struct buf *out, const struct eval_curve *curves, size_t n_curves, char *err);

/* ---- used inside this module ------------------------------------------------------------------- */

/* ---- small string -> int64 hash map used inside this module ----------------------------------- */

struct eval_map_slot {
    uint64_t hash;
    size_t   key_off, key_len;      /* key bytes live in keys.data */
    int64_t  value;
    int      used;
};
struct eval_map {
    struct eval_map_slot *slots;
    size_t                cap, count;
    struct buf            keys;
};
#define EVAL_MAP_INIT {NULL, 0, 0, BUF_INIT}

int64_t *eval_map_get(const struct eval_map *m, const void *key, size_t len);   /* NULL: absent */
/* Finds or inserts (value 0, *created = 1) the key; NULL on out of memory. */
int64_t *eval_map_put(struct eval_map *m, const void *key, size_t len, int *created);
void     eval_map_clear(struct eval_map *m);
void     eval_map_free(struct eval_map *m);

#endif
