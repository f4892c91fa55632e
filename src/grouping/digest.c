/* Digest worker: inbox -> grouping -> issues, events and hashes, one transaction per batch. */
#include "grouping/digest.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "grouping/grouping.h"
#include "grouping/similarity.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/compress.h"
#include "util/jsonarena.h"
#include "util/jsonscan.h"

#define MAX_EVENT_JSON (64u << 20)
#define DEFAULT_BATCH 1024
#define INBOX_DELETE_EVERY 2048   /* digested inbox rows kept before one bulk delete */

#define BACKLOG_DEFAULT 20000   /* inbox events past which new fingerprints skip the encoder */

struct project_rules {
    int64_t project_id;
    char   *enhancements;
    char   *fingerprint_rules;
    struct similarity_settings similarity;
};

struct digest_ctx {
    int64_t               options_version;
    struct project_rules *rules;
    int                   n_rules;
    struct similarity    *sim;
    struct pipeline_stats *stats;
    int64_t               backlog_cap;
    float                *vec;
    int                   vec_dim;
    int                   embedding_only;
    int64_t               inbox_done;      /* last inbox id digested (in faultline.db) */
    int64_t               inbox_deleted;   /* inbox rows up to this id are deleted */
    struct store_inbox_row *rows;          /* fetch buffer, kept between polls (idle ones too) */
    int                   rows_cap;
    struct jsonarena      arena;           /* the tree of the event being digested */
};

struct digest_ctx *digest_ctx_new(void)
{
    struct digest_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx) {
        ctx->options_version = -1;
        jsonarena_init(&ctx->arena);
    }
    return ctx;
}

static void clear_rules(struct digest_ctx *ctx)
{
    for (int i = 0; i < ctx->n_rules; i++) {
        free(ctx->rules[i].enhancements);
        free(ctx->rules[i].fingerprint_rules);
    }
    free(ctx->rules);
    ctx->rules = NULL;
    ctx->n_rules = 0;
}

void digest_ctx_free(struct digest_ctx *ctx)
{
    if (!ctx)
        return;
    clear_rules(ctx);
    free(ctx->vec);
    free(ctx->rows);
    jsonarena_destroy(&ctx->arena);
    free(ctx);
}

void digest_ctx_set_embedding_only(struct digest_ctx *ctx, int on) { ctx->embedding_only = on; }

void digest_ctx_set_similarity(struct digest_ctx *ctx, struct similarity *sim, struct pipeline_stats *stats)
{
    ctx->sim = sim;
    ctx->stats = stats;
    free(ctx->vec);
    ctx->vec = sim ? malloc((size_t)similarity_dim(sim) * sizeof(float)) : NULL;
    ctx->vec_dim = ctx->vec ? similarity_dim(sim) : 0;
    if (!ctx->vec)
        ctx->sim = NULL;
    const char *cap = getenv("FAULTLINE_SIMILARITY_BACKLOG");
    ctx->backlog_cap = cap && atoll(cap) > 0 ? atoll(cap) : BACKLOG_DEFAULT;
}

/* The project's grouping config, loaded once per options version. */
static int project_config(struct digest_ctx *ctx, struct store *s, int64_t project_id,
                          struct grouping_config *cfg, struct similarity_settings *sim, char *err)
{
    int64_t version = store_options_version(s);
    if (version != ctx->options_version) {
        clear_rules(ctx);
        ctx->options_version = version;
    }
    for (int i = 0; i < ctx->n_rules; i++)
        if (ctx->rules[i].project_id == project_id) {
            cfg->enhancements = ctx->rules[i].enhancements;
            cfg->fingerprint_rules = ctx->rules[i].fingerprint_rules;
            *sim = ctx->rules[i].similarity;
            return 0;
        }
    struct project_rules r = {.project_id = project_id};
    if (store_project_option_get(s, project_id, "groupingEnhancements", &r.enhancements, err) < 0 ||
        store_project_option_get(s, project_id, "fingerprintingRules", &r.fingerprint_rules, err) < 0 ||
        similarity_settings_load(s, project_id, &r.similarity, err) < 0) {
        free(r.enhancements);
        return -1;
    }
    struct project_rules *grown = realloc(ctx->rules, (size_t)(ctx->n_rules + 1) * sizeof *grown);
    if (!grown) {
        free(r.enhancements);
        free(r.fingerprint_rules);
        errmsg_set(err, "out of memory");
        return -1;
    }
    ctx->rules = grown;
    ctx->rules[ctx->n_rules++] = r;
    cfg->enhancements = r.enhancements;
    cfg->fingerprint_rules = r.fingerprint_rules;
    *sim = r.similarity;
    return 0;
}

double digest_event_time(const json_t *event, double fallback)
{
    const json_t *ts = json_object_get(event, "timestamp");
    if (json_is_number(ts)) {
        double t = json_number_value(ts);
        return t > 0 && t < 1e11 ? t : fallback;
    }
    if (!json_is_string(ts))
        return fallback;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    double frac = 0;
    int consumed = 0;
    const char *s = json_string_value(ts);
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
               &tm.tm_sec, &consumed) != 6)
        return fallback;
    if (s[consumed] == '.')
        frac = strtod(s + consumed, NULL);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    return t > 0 ? (double)t + frac : fallback;
}

/* metadata.type / value of the newest exception, for the issue. */
static void exception_metadata(const json_t *event, const char **type, const char **value)
{
    *type = *value = "";
    const json_t *exc = json_object_get(event, "exception");
    const json_t *values = json_is_object(exc) ? json_object_get(exc, "values") : exc;
    if (!json_is_array(values) || json_array_size(values) == 0)
        return;
    const json_t *last = json_array_get(values, json_array_size(values) - 1);
    const json_t *t = json_object_get(last, "type"), *v = json_object_get(last, "value");
    if (json_is_string(t))
        *type = json_string_value(t);
    if (json_is_string(v))
        *value = json_string_value(v);
}

/* The issue of the first of the event's hashes that has one (0 if none). */
static int lookup_hashes(struct store *s, int64_t project_id, const struct grouping_result *g, int64_t *issue_id,
                         struct digest_outcome *out, char *err)
{
    for (int i = 0; i < g->n_hashes && !*issue_id; i++) {
        int found = store_hash_lookup(s, project_id, g->hashes[i], issue_id, err);
        if (found < 0)
            return -1;
        if (found)
            memcpy(out->matched_hash, g->hashes[i], sizeof out->matched_hash);
    }
    return 0;
}

/* Whether the hash came from a custom or built-in fingerprint (SDK or server rules): such events
 * skip similarity, as Sentry's do. The digest computes hashes without the grouping info (it is
 * rebuilt on demand by the API), so this one check, on the rare hash-miss path, builds it. */
static int custom_fingerprint(const json_t *event, const struct grouping_config *cfg)
{
    struct grouping_config full = *cfg;
    full.skip_info = 0;
    struct grouping_result g;
    char err[ERRMSG_SIZE];
    if (grouping_compute(event, &full, &g, err) < 0)
        return 0;
    json_t *info = json_loads(g.info_json ? g.info_json : "{}", 0, NULL);
    grouping_result_free(&g);
    const json_t *variants = json_object_get(info, "variants");
    const char *name;
    const json_t *v;
    int custom = 0;
    json_object_foreach((json_t *)variants, name, v) {
        const char *type = json_string_value(json_object_get(v, "type"));
        if (json_is_string(json_object_get(v, "hash")) && type && strstr(type, "fingerprint"))
            custom = 1;
    }
    json_decref(info);
    return custom;
}

/* On a hash miss: embed, search, decide. Sets *issue_id when the event joins an existing issue.
 * *decision names what happened (for the hash's record and the grouping info). */
static int similarity_step(struct digest_ctx *ctx, struct store *s, int64_t project_id, const json_t *event,
                           const struct grouping_config *cfg, const struct similarity_settings *set,
                           int64_t *issue_id, const char **decision, struct similarity **used,
                           struct digest_outcome *out, char *err)
{
    *decision = NULL;
    if (!ctx->sim || set->mode == SIMILARITY_OFF)
        return 0;
    struct similarity *sim = similarity_for_model(ctx->sim, set->model, err);
    if (!sim)
        return -1;
    if (similarity_dim(sim) > ctx->vec_dim) {
        float *grown = realloc(ctx->vec, (size_t)similarity_dim(sim) * sizeof *grown);
        if (!grown) {
            errmsg_set(err, "out of memory");
            return -1;
        }
        ctx->vec = grown;
        ctx->vec_dim = similarity_dim(sim);
    }
    *used = sim;
    if (custom_fingerprint(event, cfg)) {
        *decision = "skipped-custom-fingerprint";
        return 0;
    }
    if ((ctx->stats && atomic_load(&ctx->stats->pending) > ctx->backlog_cap) ||
        !similarity_take_budget(sim, project_id)) {
        *decision = "skipped-budget";
        return 0;
    }
    int rc = similarity_embed_event(sim, event, cfg, set->text_variant, ctx->vec, err);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        *decision = "skipped-no-stacktrace";
        return 0;
    }
    /* Candidates: the nearest issues whatever their type (for the similar-issues ranking)... */
    struct similarity_hit hits[DIGEST_MAX_CANDIDATES];
    int n = similarity_search(sim, s, project_id, ctx->vec, DIGEST_MAX_CANDIDATES, 0, NULL, hits, err);
    if (n < 0)
        return -1;
    out->similarity_ran = 1;
    out->n_candidates = n;
    out->distance = n > 0 ? hits[0].distance : -1;
    for (int i = 0; i < n; i++)
        out->candidates[i] = hits[i].issue_id;
    /* ...but only a fingerprint with the same root-cause exception type may join: two bugs with
     * the same frames and different exceptions stay apart (over-grouping is the worse error), and
     * a generic wrapper (JobError) around different causes does not make them one. */
    int64_t match = 0;
    if (n > 0 && hits[0].distance <= set->group_threshold) {
        struct similarity_hit same;
        int m = similarity_search(sim, s, project_id, ctx->vec, 1, 0, similarity_root_type(event), &same, err);
        if (m < 0)
            return -1;
        if (m == 1 && same.distance <= set->group_threshold) {
            match = same.issue_id;
            out->distance = same.distance;
        }
    }
    if (set->mode == SIMILARITY_ON) {
        *decision = match ? "joined" : "new";
        *issue_id = match;
    } else {
        *decision = match ? "shadow-joined" : "shadow-new";
    }
    out->matched_issue = match;
    return 1;
}

int digest_event(struct digest_ctx *ctx, struct store *s, int64_t project_id, const char *event_id,
                 double received, const json_t *event, const void *payload, size_t payload_len,
                 struct digest_outcome *out, char *err)
{
    memset(out, 0, sizeof *out);
    int exists = store_event_exists(s, project_id, event_id, err);
    if (exists < 0)
        return -1;
    if (exists) {
        out->reason = DIGEST_DUPLICATE;
        return 0;
    }
    struct grouping_config cfg = {.skip_info = 1};
    struct similarity_settings set;
    if (project_config(ctx, s, project_id, &cfg, &set, err) < 0)
        return -1;
    struct grouping_result g;
    if (grouping_compute(event, &cfg, &g, err) < 0)
        return -1;

    int rc = 0;
    char *info_sim = NULL;
    int64_t issue_id = 0;
    if (!ctx->embedding_only && lookup_hashes(s, project_id, &g, &issue_id, out, err) < 0) {
        rc = -1;
        goto done;
    }
    double seen = received;
    const char *decision = NULL;
    struct similarity *used = ctx->sim;   /* the engine of the project's model */
    int embedded = 0;
    if (!issue_id) {
        embedded = similarity_step(ctx, s, project_id, event, &cfg, &set, &issue_id, &decision, &used, out, err);
        if (embedded < 0) {
            /* The encoder failing must not lose the event: group it by hash alone. */
            fprintf(stderr, "faultline digest: similarity skipped: %s\n", err);
            embedded = 0;
            decision = "skipped-error";
        }
        if (issue_id)
            out->reason = DIGEST_SIMILARITY;
        else if (ctx->embedding_only && !embedded && lookup_hashes(s, project_id, &g, &issue_id, out, err) < 0) {
            rc = -1;
            goto done;
        }
    }
    if (!issue_id) {
        const char *type, *value;
        exception_metadata(event, &type, &value);
        struct store_issue_new in = {.project_id = project_id, .title = g.title, .culprit = g.culprit,
                                     .level = g.level, .platform = g.platform, .type = type,
                                     .value = value, .seen = seen};
        if (store_issue_create(s, &in, &issue_id, err) < 0) {
            rc = -1;
            goto done;
        }
        out->reason = DIGEST_NEW_ISSUE;
    } else if (out->reason != DIGEST_SIMILARITY) {
        out->reason = DIGEST_HASH_HIT;
    }
    /* The stored grouping JSON holds only what cannot be recomputed: the similarity decision. */
    char *info = NULL;
    if (decision) {
        json_t *why = json_pack("{s:s,s:s}", "decision", decision, "model",
                                used ? similarity_model_name(used) : "");
        if (out->similarity_ran) {
            json_object_set_new(why, "distance", out->distance >= 0 ? json_real(out->distance) : json_null());
            json_object_set_new(why, "nearestIssue", out->n_candidates ? json_integer(out->candidates[0])
                                                                       : json_null());
            if (out->matched_issue)
                json_object_set_new(why, "matchedIssue", json_integer(out->matched_issue));
            json_object_set_new(why, "groupThreshold", json_real(set.group_threshold));
        }
        if (out->reason == DIGEST_SIMILARITY)
            json_object_set_new(why, "issue", json_integer(issue_id));
        /* Stored with the event: the API merges it into the grouping info it rebuilds. */
        json_t *stored = json_pack("{s:o}", "similarity", why);
        info_sim = stored ? json_dumps(stored, JSON_COMPACT) : NULL;
        json_decref(stored);
        if (info_sim)
            info = info_sim;
        rc = store_hash_decision(s, project_id, g.hashes[0], decision,
                                 out->matched_issue ? out->matched_issue
                                                    : out->n_candidates ? out->candidates[0] : 0,
                                 out->distance,
                                 used ? similarity_model_name(used) : NULL, err);
        if (rc < 0)
            goto done;
    }
    /* The new fingerprint's vector joins the index, under the issue it ended up in. */
    if (embedded && rc == 0)
        rc = similarity_remember(used, s, project_id, issue_id, g.hashes[0], similarity_root_type(event),
                                 ctx->vec, err);
    /* Every hash of the event that has no issue yet now belongs to this one. */
    for (int i = 0; i < g.n_hashes && rc == 0; i++)
        rc = store_hash_attach(s, project_id, g.hashes[i], issue_id, err);
    if (rc == 0)
        rc = store_issue_add_event(s, issue_id, seen, g.level, err);
    if (rc == 0) {
        json_t *hashes = json_array();
        for (int i = 0; i < g.n_hashes; i++)
            json_array_append_new(hashes, json_string(g.hashes[i]));
        char *hashes_text = json_dumps(hashes, JSON_COMPACT);
        json_decref(hashes);
        struct store_event_new ev = {.project_id = project_id, .issue_id = issue_id, .event_id = event_id,
                                     .received = received, .timestamp = digest_event_time(event, received),
                                     .title = g.title, .platform = g.platform, .hashes_json = hashes_text,
                                     .grouping_json = info, .payload = payload,
                                     .primary_hash = out->matched_hash[0] ? out->matched_hash : g.hashes[0],
                                     .payload_len = payload_len};
        rc = store_event_insert(s, &ev, err);
        free(hashes_text);
    }
    out->issue_id = issue_id;
done:
    free(info_sim);
    grouping_result_free(&g);
    return rc;
}

/* Members grouping never reads and that make up most of an event's bytes: these top-level ones,
 * and the per-frame source context and local variables (objects at depth 4 and more). */
static const char *const UNGROUPED_TOP[] = {"breadcrumbs", "extra", "contexts", "request", "modules",
                                           "debug_meta", "spans", "measurements", "user"};
static const char *const UNGROUPED_FRAME[] = {"vars", "pre_context", "post_context"};

static int named(const char *const *names, size_t n, const char *key, size_t key_len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(names[i]) == key_len && memcmp(names[i], key, key_len) == 0)
            return 1;
    return 0;
}

static int ungrouped_member(void *ctx, int depth, const char *key, size_t key_len, int has_escapes)
{
    (void)ctx;
    if (has_escapes)
        return 0;
    return (depth == 1 && named(UNGROUPED_TOP, sizeof UNGROUPED_TOP / sizeof UNGROUPED_TOP[0], key, key_len)) ||
           (depth >= 4 && named(UNGROUPED_FRAME, sizeof UNGROUPED_FRAME / sizeof UNGROUPED_FRAME[0], key, key_len));
}

json_t *digest_parse_event(const char *data, size_t n)
{
    char err[ERRMSG_SIZE];
    return jsonscan_build(data, n, 0, ungrouped_member, NULL, err);
}

int digest_run_batch(struct digest_ctx *ctx, struct store *s, int max, struct pipeline_stats *stats, char *err)
{
    if (max > ctx->rows_cap) {
        struct store_inbox_row *grown = realloc(ctx->rows, (size_t)max * sizeof *grown);
        if (!grown) {
            errmsg_set(err, "out of memory");
            return -1;
        }
        ctx->rows = grown;
        ctx->rows_cap = max;
    }
    struct store_inbox_row *rows = ctx->rows;
    int n = store_inbox_fetch(s, ctx->inbox_done, rows, max, err);
    if (n <= 0) {
        /* Idle: drop the digested rows now rather than in the middle of a burst. */
        if (n == 0 && ctx->inbox_done > ctx->inbox_deleted &&
            store_inbox_delete_upto(s, ctx->inbox_done, err) == 0)
            ctx->inbox_deleted = ctx->inbox_done;
        return n;
    }
    int rc = store_begin(s, err);
    int64_t digested = 0, duplicates = 0;
    struct buf json = BUF_INIT;
    for (int i = 0; rc == 0 && i < n; i++) {
        struct store_inbox_row *r = &rows[i];
        char why[ERRMSG_SIZE];
        buf_reset(&json);
        json_t *event = NULL;
        if (zstd_decompress_buf(r->payload, r->payload_len, MAX_EVENT_JSON, &json, why) == 0) {
            /* the previous event's tree is released (json_decref below): its arena is free */
            jsonarena_reset(&ctx->arena);
            jsonarena_begin(&ctx->arena);
            event = digest_parse_event(json.data ? json.data : "", json.len);
            jsonarena_end();
        }
        if (!event) {
            /* Ingestion validated it, so this is damage on disk: report and skip, never block. */
            fprintf(stderr, "faultline digest: skipping unreadable inbox row %lld (event %s)\n",
                    (long long)r->id, r->event_id);
            continue;
        }
        struct digest_outcome out;
        rc = digest_event(ctx, s, r->project_id, r->event_id, r->received, event, r->payload, r->payload_len,
                          &out, err);
        json_decref(event);
        if (rc == 0 && out.reason != DIGEST_DUPLICATE)
            digested++;
        else if (rc == 0)
            duplicates++;
    }
    buf_free(&json);
    if (rc == 0)
        rc = store_commit(s, err);
    if (rc < 0) {
        store_rollback(s);
    } else {
        /* The events are committed in faultline.db; the inbox rows go in bulk, since each delete
         * waits for the inbox's write lock, which ingestion holds most of the time under load. A
         * crash before the delete only makes the next start see duplicates, which digest_event
         * skips. */
        ctx->inbox_done = rows[n - 1].id;
        if (ctx->inbox_done - ctx->inbox_deleted >= INBOX_DELETE_EVERY) {
            rc = store_inbox_delete_upto(s, ctx->inbox_done, err);
            if (rc == 0)
                ctx->inbox_deleted = ctx->inbox_done;
        }
        if (stats) {
            atomic_fetch_add(&stats->digested, digested);
            atomic_fetch_add(&stats->duplicates, duplicates);
            atomic_fetch_sub(&stats->pending, n);
        }
    }
    store_inbox_rows_free(rows, n);
    return rc < 0 ? rc : n;
}

struct digest_worker {
    pthread_t              thread;
    struct store          *store;
    struct digest_ctx     *ctx;
    struct pipeline_stats *stats;
    _Atomic int            stopping;
};

static void *worker_main(void *arg)
{
    struct digest_worker *w = arg;
    prctl(PR_SET_NAME, "fl-digest");   /* shows in top -H and perf */
    int paused = getenv("FAULTLINE_DIGEST_PAUSE") && strcmp(getenv("FAULTLINE_DIGEST_PAUSE"), "1") == 0;
    while (!w->stopping) {
        char err[ERRMSG_SIZE];
        int n = paused ? 0 : digest_run_batch(w->ctx, w->store, DEFAULT_BATCH, w->stats, err);
        if (n < 0)
            fprintf(stderr, "faultline digest: %s\n", err);
        if (n <= 0)
            usleep(n < 0 ? 200000 : 10000);
    }
    return NULL;
}

int digest_worker_start(const char *data_dir, struct pipeline_stats *stats, struct similarity *sim,
                        struct digest_worker **out, char *err)
{
    struct digest_worker *w = calloc(1, sizeof *w);
    if (!w) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    w->stats = stats;
    w->ctx = digest_ctx_new();
    if (w->ctx)
        digest_ctx_set_similarity(w->ctx, sim, stats);
    if (!w->ctx || store_open(data_dir, &w->store, err) < 0) {
        digest_ctx_free(w->ctx);
        free(w);
        return -1;
    }
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        store_close(w->store);
        digest_ctx_free(w->ctx);
        free(w);
        errmsg_set(err, "cannot start the digest thread");
        return -1;
    }
    *out = w;
    return 0;
}

void digest_worker_stop(struct digest_worker *w)
{
    if (!w)
        return;
    w->stopping = 1;
    pthread_join(w->thread, NULL);
    store_close(w->store);
    digest_ctx_free(w->ctx);
    free(w);
}
