/* The digest: the single writer that takes events from the inbox in batches and assigns each to an
 * issue (through grouping_compute), inside one transaction per batch. */
#ifndef FAULTLINE_GROUPING_DIGEST_H
#define FAULTLINE_GROUPING_DIGEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "util/stats.h"

struct store;

enum digest_reason {
    DIGEST_DUPLICATE = 0,   /* event id already stored: nothing done */
    DIGEST_HASH_HIT,        /* joined the issue owning one of its hashes */
    DIGEST_NEW_ISSUE,       /* no hash known: a new issue */
    DIGEST_SIMILARITY,      /* no hash known: joined the nearest issue within the group threshold */
};

#define DIGEST_MAX_CANDIDATES 10

struct digest_outcome {
    int64_t issue_id;
    int     reason;         /* enum digest_reason */
    char    matched_hash[33];
    /* similarity step (hash miss only): nearest issues, best first; distance of the first */
    int     similarity_ran;
    double  distance;       /* of the matched issue if any, else of the nearest */
    int64_t matched_issue;  /* issue within the threshold (joined, or would be in shadow mode) */
    int     n_candidates;
    int64_t candidates[DIGEST_MAX_CANDIDATES];
};

struct similarity;

/* Per-project grouping settings, cached and reloaded when project options change. */
struct digest_ctx;
struct digest_ctx *digest_ctx_new(void);
void digest_ctx_free(struct digest_ctx *ctx);
/* Turns on similarity grouping for the events this context digests (per-project settings still
 * apply; sim NULL turns it off). stats, if given, lets the embedding budget see the backlog. */
void digest_ctx_set_similarity(struct digest_ctx *ctx, struct similarity *sim, struct pipeline_stats *stats);
/* Evaluation only: every event goes through the similarity step first, its hashes decide only
 * when that step is skipped (no usable stack trace). Measures embedding grouping on its own. */
void digest_ctx_set_embedding_only(struct digest_ctx *ctx, int on);

/* Groups and stores one event (the caller holds a transaction on s). payload is the event's
 * zstd-compressed JSON as stored in the inbox. */
int digest_event(struct digest_ctx *ctx, struct store *s, int64_t project_id, const char *event_id,
                 double received, const json_t *event, const void *payload, size_t payload_len,
                 struct digest_outcome *out, char *err);

/* Runs one batch from the inbox: returns the number of inbox rows consumed (0 when empty), or
 * negative on error. */
int digest_run_batch(struct digest_ctx *ctx, struct store *s, int max, struct pipeline_stats *stats,
                     char *err);

/* The background worker. */
struct digest_worker;
int  digest_worker_start(const char *data_dir, struct pipeline_stats *stats, struct similarity *sim,
                         struct digest_worker **out, char *err);
void digest_worker_stop(struct digest_worker *w);

/* Parses a stored event for grouping. The members grouping never reads (breadcrumbs, extra,
 * contexts, request, modules, ... and each frame's vars and pre/post context) are validated but
 * become null instead of being built. NULL if the bytes are not a JSON object jansson accepts. */
json_t *digest_parse_event(const char *data, size_t n);

/* Event time: "timestamp" as RFC 3339 or epoch seconds, else `fallback`. */
double digest_event_time(const json_t *event, double fallback);

#endif
