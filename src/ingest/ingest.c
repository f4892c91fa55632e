/* The envelope and store endpoints: auth, decoding, limits, event extraction, inbox commit. */
#include "ingest/ingest.h"

#include <ctype.h>
#include <jansson.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "ingest/inbox.h"
#include "util/jsonscan.h"
#include "store/store.h"
#include "util/compress.h"
#include "util/timefmt.h"

#define MAX_COUNTED_TYPES 32

struct project_key {
    int64_t id;
    char    key[STORE_KEY_LEN + 1];
};

struct ingest {
    struct ingest_config cfg;
    struct inbox        *inbox;
    struct store        *keys_store;    /* used only under keys_lock, to reload project keys */
    pthread_rwlock_t     keys_lock;
    pthread_mutex_t      reload_lock;
    struct project_key  *keys;
    int                  n_keys;
    int64_t              keys_version;  /* store_data_version() at the last reload */
};

void ingest_limits_default(struct ingest_limits *l)
{
    l->max_event = 1u << 20;
    l->max_request = 20u << 20;
    l->max_decompressed = 100u << 20;
    l->inbox_max = 100000;
}

static int reload_keys(struct ingest *in, char *err)
{
    struct store_project *projects = NULL;
    int n = store_project_list(in->keys_store, &projects, err);
    if (n < 0)
        return -1;
    struct project_key *keys = calloc((size_t)n + 1, sizeof *keys);
    if (!keys) {
        free(projects);
        errmsg_set(err, "out of memory");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        keys[i].id = projects[i].id;
        memcpy(keys[i].key, projects[i].public_key, sizeof keys[i].key);
    }
    free(projects);
    pthread_rwlock_wrlock(&in->keys_lock);
    free(in->keys);
    in->keys = keys;
    in->n_keys = n;
    pthread_rwlock_unlock(&in->keys_lock);
    return 0;
}

/* Project id of a public key, or 0 if unknown. An unknown key reloads the project list when the
 * database changed since the last load, so projects created while the server runs are found. */
static int64_t project_of_key(struct ingest *in, const char *key)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        int64_t id = 0;
        pthread_rwlock_rdlock(&in->keys_lock);
        for (int i = 0; i < in->n_keys; i++)
            if (strcmp(in->keys[i].key, key) == 0)
                id = in->keys[i].id;
        pthread_rwlock_unlock(&in->keys_lock);
        if (id || attempt)
            return id;
        pthread_mutex_lock(&in->reload_lock);
        int64_t version = store_data_version(in->keys_store);
        if (version != in->keys_version) {
            char err[ERRMSG_SIZE];
            in->keys_version = version;
            reload_keys(in, err);
        }
        pthread_mutex_unlock(&in->reload_lock);
    }
    return 0;
}

int ingest_new(const struct ingest_config *cfg, struct ingest **out, char *err)
{
    struct ingest *in = calloc(1, sizeof *in);
    if (!in) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    in->cfg = *cfg;
    pthread_rwlock_init(&in->keys_lock, NULL);
    pthread_mutex_init(&in->reload_lock, NULL);
    if (store_open(cfg->data_dir, &in->keys_store, err) < 0 || reload_keys(in, err) < 0 ||
        inbox_start(cfg->data_dir, cfg->stats, &in->inbox, err) < 0) {
        ingest_free(in);
        return -1;
    }
    in->keys_version = store_data_version(in->keys_store);
    *out = in;
    return 0;
}

void ingest_free(struct ingest *in)
{
    if (!in)
        return;
    inbox_stop(in->inbox);
    store_close(in->keys_store);
    free(in->keys);
    pthread_rwlock_destroy(&in->keys_lock);
    pthread_mutex_destroy(&in->reload_lock);
    free(in);
}

/* --- responses --------------------------------------------------------------------------------- */

static void respond_error(struct ingest *in, struct ingest_response *resp, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void respond_error(struct ingest *in, struct ingest_response *resp, int status, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    resp->status = status;
    snprintf(resp->detail, sizeof resp->detail, "%.255s", detail);
    for (char *p = resp->detail; *p; p++)
        if (*p == '\r' || *p == '\n')
            *p = ' ';   /* it also travels in the X-Sentry-Error header */
    buf_reset(&resp->body);
    json_t *j = json_pack("{s:s,s:[]}", "detail", detail, "causes");
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    buf_puts(&resp->body, text ? text : "{\"detail\":\"error\"}");
    free(text);
    json_decref(j);
    atomic_fetch_add(status == 429 ? &in->cfg.stats->rate_limited : &in->cfg.stats->rejected, 1);
}

static void respond_ok(struct ingest_response *resp, const char *event_id)
{
    resp->status = 200;
    buf_reset(&resp->body);
    if (event_id && *event_id)
        buf_printf(&resp->body, "{\"id\":\"%s\"}", event_id);
    else
        buf_puts(&resp->body, "{}");
}

/* --- auth -------------------------------------------------------------------------------------- */

/* Finds the one key the request authenticates with; *status/detail set on failure. */
static int resolve_auth(const struct ingest_request *req, const char *envelope_dsn, char key[65],
                        int *status, char *detail)
{
    int sources = 0;
    struct sentry_auth auth;
    char err[ERRMSG_SIZE];
    key[0] = '\0';
    if (req->x_sentry_auth && *req->x_sentry_auth) {
        sources++;
        if (ingest_parse_auth_header(req->x_sentry_auth, &auth, err) < 0)
            goto bad;
        snprintf(key, 65, "%s", auth.key);
        if (auth.version > 8) {
            snprintf(detail, ERRMSG_SIZE, "unsupported protocol version %d", auth.version);
            *status = 400;
            return -1;
        }
    }
    if (req->authorization && *req->authorization) {
        const char *a = req->authorization;
        while (*a == ' ')
            a++;
        if (strncasecmp(a, "Sentry ", 7) == 0 || strncasecmp(a, "Basic ", 6) == 0) {
            sources++;
            if (ingest_parse_auth_header(a, &auth, err) < 0)
                goto bad;
            snprintf(key, 65, "%s", auth.key);
            if (auth.version > 8) {
                snprintf(detail, ERRMSG_SIZE, "unsupported protocol version %d", auth.version);
                *status = 400;
                return -1;
            }
        }
    }
    if (req->query_key || req->query_key_count > 0) {
        sources += req->query_key_count > 1 ? req->query_key_count : 1;
        struct sentry_auth q = {0};
        char pairs[256];
        snprintf(pairs, sizeof pairs, "sentry_key=%s", req->query_key);
        if (ingest_parse_auth_header(pairs, &q, err) < 0 && sources == 1)
            goto bad;
        snprintf(key, 65, "%s", q.key);
        if (req->query_version && atoi(req->query_version) > 8) {
            snprintf(detail, ERRMSG_SIZE, "unsupported protocol version %s", req->query_version);
            *status = 400;
            return -1;
        }
    }
    if (sources > 1) {
        snprintf(detail, ERRMSG_SIZE, "multiple authorization payloads requested");
        *status = 400;
        return -1;
    }
    if (envelope_dsn && *envelope_dsn) {
        char dkey[65], dproject[32];
        if (ingest_parse_dsn(envelope_dsn, dkey, dproject, err) < 0)
            goto bad;
        if (sources > 0) {
            /* Relay takes exactly one form of authentication. */
            snprintf(detail, ERRMSG_SIZE, "multiple authorization payloads requested");
            *status = 400;
            return -1;
        }
        snprintf(key, 65, "%s", dkey);
        sources = 1;
    }
    if (sources == 0) {
        snprintf(detail, ERRMSG_SIZE, "missing authorization information");
        *status = 401;
        return -1;
    }
    return 0;
bad:
    snprintf(detail, ERRMSG_SIZE, "bad authorization: %.200s", err);
    *status = 401;
    return -1;
}

/* --- events ------------------------------------------------------------------------------------ */

static void random_event_id(char out[33])
{
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1)
        memset(raw, 0x5a, sizeof raw);
    raw[6] = (raw[6] & 0x0f) | 0x40;   /* UUID v4 */
    raw[8] = (raw[8] & 0x3f) | 0x80;
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

/* Validates an event payload and finds its id. Returns 0, or an HTTP status with detail. */
static int check_event(const struct ingest_limits *lim, const char *payload, size_t len, const char *header_id,
                       char event_id[33], char *detail)
{
    if (len > lim->max_event) {
        snprintf(detail, ERRMSG_SIZE, "event exceeds the size limit of %zu bytes (%zu bytes)", lim->max_event,
                 len);
        return 413;
    }
    char id_text[40];
    int id_state;
    if (jsoncheck_event(payload, len, id_text, sizeof id_text, &id_state, detail) < 0)
        return 400;
    if (header_id && *header_id) {
        memcpy(event_id, header_id, 33);
        return 0;
    }
    if (id_state == 1) {
        if (ingest_normalize_event_id(id_text, event_id) < 0) {
            snprintf(detail, ERRMSG_SIZE, "invalid event_id: expected 32 hex digits");
            return 400;
        }
        return 0;
    }
    if (id_state == 0) {
        random_event_id(event_id);
        return 0;
    }
    /* An event_id that is not a short plain string (null, a number, escapes): the rare case gets
     * the full parser. */
    json_t *ev = json_loadb(payload, len, 0, NULL);
    const json_t *id = json_object_get(ev, "event_id");
    int status = 0;
    if (json_is_null(id)) {
        random_event_id(event_id);
    } else if (!json_is_string(id) || ingest_normalize_event_id(json_string_value(id), event_id) < 0) {
        snprintf(detail, ERRMSG_SIZE, "invalid event_id: expected 32 hex digits");
        status = 400;
    }
    json_decref(ev);
    return status;
}

/* An accepted request on its way through the inbox: it owns copies of everything the commit
 * needs, since the request body is gone by the time the commit happens. */
struct ingest_job {
    struct inbox_job   ib;
    struct ingest     *in;
    struct inbox_entry entries[MAX_COUNTED_TYPES + 1];
    char               types[MAX_COUNTED_TYPES][sizeof ((struct envelope_item *)0)->type];
    struct buf         payload;        /* zstd-compressed event, empty when there is none */
    char               event_id[33];
    void             (*done)(void *arg);
    void              *arg;
};

/* Compresses the event and prepares the entries of one event plus item counts. Returns the job,
 * or NULL with an error response. */
static struct ingest_job *new_job(struct ingest *in, int64_t project_id, const char *event_id, const char *payload,
                                  size_t len, const char *const *types, const int64_t *counts, int n_types,
                                  struct ingest_response *resp)
{
    struct ingest_job *job = calloc(1, sizeof *job);
    if (job && payload && zstd_compress_buf(payload, len, &job->payload) < 0) {
        buf_free(&job->payload);
        free(job);
        job = NULL;
    }
    if (!job) {
        if (payload)
            atomic_fetch_sub(&in->cfg.stats->pending, 1);   /* its inbox slot */
        respond_error(in, resp, 500, "could not compress the event");
        return NULL;
    }
    job->in = in;
    memcpy(job->event_id, event_id, sizeof job->event_id);
    int n = 0;
    if (payload)
        job->entries[n++] = (struct inbox_entry){.project_id = project_id, .event_id = job->event_id,
                                                 .received = time_now(), .payload = job->payload.data,
                                                 .payload_len = job->payload.len};
    for (int i = 0; i < n_types; i++) {
        snprintf(job->types[i], sizeof job->types[i], "%s", types[i]);
        job->entries[n++] = (struct inbox_entry){.project_id = project_id, .item_type = job->types[i],
                                                 .count = counts[i]};
    }
    job->ib.entries = job->entries;
    job->ib.n = n;
    return job;
}

static void job_committed(struct inbox_job *ib)
{
    struct ingest_job *job = (struct ingest_job *)ib;
    job->done(job->arg);
}

void ingest_job_submit(struct ingest_job *job, void (*done)(void *arg), void *arg)
{
    job->done = done;
    job->arg = arg;
    job->ib.done = job_committed;
    if (job->ib.n == 0) {
        job_committed(&job->ib);   /* an envelope with nothing to count or store */
        return;
    }
    inbox_submit(job->in->inbox, &job->ib);
}

void ingest_job_finish(struct ingest_job *job, struct ingest_response *resp)
{
    if (job->ib.rc < 0)
        respond_error(job->in, resp, 503, "could not store the event: %s", job->ib.err);
    else
        respond_ok(resp, job->event_id);
    buf_free(&job->payload);
    free(job);
}

/* Takes one inbox slot for an event about to be committed, or answers 429 when none is left.
 * `pending` counts the events in the inbox plus those on their way in, so the bound is exact under
 * concurrency; the slot passes to the inbox with the event (the committer gives back the slots
 * of duplicates and failed commits, the digest those it consumes). */
static int over_inbox_bound(struct ingest *in, struct ingest_response *resp)
{
    if (atomic_fetch_add(&in->cfg.stats->pending, 1) < in->cfg.limits.inbox_max)
        return 0;
    atomic_fetch_sub(&in->cfg.stats->pending, 1);
    snprintf(resp->retry_after, sizeof resp->retry_after, "10");
    snprintf(resp->rate_limits, sizeof resp->rate_limits,
             "10:default;error;security:project:inbox_full");
    respond_error(in, resp, 429, "too many events waiting to be processed; retry later");
    return 1;
}

/* Decodes Content-Encoding; *out holds the decoded body. Returns 0 or fills resp. */
static int decode_body(struct ingest *in, const struct ingest_request *req, struct buf *out,
                       struct ingest_response *resp)
{
    int codec = codec_from_name(req->content_encoding);
    if (codec < 0) {
        respond_error(in, resp, 415, "unsupported content encoding '%s'", req->content_encoding);
        return -1;
    }
    char err[ERRMSG_SIZE];
    int rc = decompress_capped(codec, req->body, req->body_len, in->cfg.limits.max_decompressed, out, err);
    if (rc == -2) {
        respond_error(in, resp, 413, "%s", err);
        return -1;
    }
    if (rc < 0) {
        respond_error(in, resp, 400, "%s", err);
        return -1;
    }
    return 0;
}

static int project_for_request(struct ingest *in, const struct ingest_request *req, const char *envelope_dsn,
                               int64_t *project_id, struct ingest_response *resp)
{
    char key[65], detail[ERRMSG_SIZE];
    int status = 0;
    if (resolve_auth(req, envelope_dsn, key, &status, detail) < 0) {
        respond_error(in, resp, status, "%s", detail);
        return -1;
    }
    int64_t pid = project_of_key(in, key);
    if (!pid) {
        respond_error(in, resp, 403, "unknown public key (sentry_key)");
        return -1;
    }
    if (req->project && *req->project) {
        char *end;
        long long path_id = strtoll(req->project, &end, 10);
        if (*end || path_id != pid) {
            respond_error(in, resp, 403, "the public key does not belong to project %s", req->project);
            return -1;
        }
    }
    *project_id = pid;
    return 0;
}

static struct ingest_job *handle_envelope(struct ingest *in, const struct ingest_request *req,
                                          const struct buf *body, struct ingest_response *resp)
{
    struct envelope *env = malloc(sizeof *env);
    if (!env) {
        respond_error(in, resp, 500, "out of memory");
        return NULL;
    }
    char err[ERRMSG_SIZE];
    if (envelope_parse(body->data ? body->data : "", body->len, env, err) < 0) {
        respond_error(in, resp, 400, "invalid envelope: %s", err);
        free(env);
        return NULL;
    }
    int64_t project_id;
    if (project_for_request(in, req, env->dsn, &project_id, resp) < 0) {
        free(env);
        return NULL;
    }
    const struct envelope_item *event = NULL;
    const char *types[MAX_COUNTED_TYPES];
    int64_t counts[MAX_COUNTED_TYPES];
    int n_types = 0, has_transaction = 0;
    for (int i = 0; i < env->n_items; i++) {
        const struct envelope_item *it = &env->items[i];
        if (strcmp(it->type, "event") == 0) {
            if (event) {
                respond_error(in, resp, 400, "invalid envelope: more than one event item");
                free(env);
                return NULL;
            }
            event = it;
            continue;
        }
        if (strcmp(it->type, "transaction") == 0)
            has_transaction = 1;
        int k;
        for (k = 0; k < n_types; k++)
            if (strcmp(types[k], it->type) == 0)
                break;
        if (k == n_types) {
            if (n_types == MAX_COUNTED_TYPES)
                continue;   /* counting is best effort; the item is still accepted */
            types[n_types] = it->type;
            counts[n_types++] = 0;
        }
        counts[k]++;
    }
    if (event && has_transaction) {
        respond_error(in, resp, 400, "invalid envelope: an event and a transaction in one envelope");
        free(env);
        return NULL;
    }
    char event_id[33] = "";
    if (event) {
        char detail[ERRMSG_SIZE];
        int status = check_event(&in->cfg.limits, event->payload, event->len, env->event_id, event_id, detail);
        if (status) {
            respond_error(in, resp, status, "%s", detail);
            free(env);
            return NULL;
        }
        if (over_inbox_bound(in, resp)) {
            free(env);
            return NULL;
        }
    } else {
        memcpy(event_id, env->event_id, sizeof event_id);
    }
    struct ingest_job *job = new_job(in, project_id, event_id, event ? event->payload : NULL, event ? event->len : 0,
                                     types, counts, n_types, resp);
    free(env);
    return job;
}

/* The legacy store body is JSON, or base64(zlib(JSON)) without any header saying so. */
static int legacy_unwrap(struct ingest *in, struct buf *body, struct ingest_response *resp)
{
    size_t i = 0;
    while (i < body->len && isspace((unsigned char)body->data[i]))
        i++;
    if (i < body->len && (body->data[i] == '{' || body->data[i] == '['))
        return 0;
    struct buf raw = BUF_INIT, json = BUF_INIT;
    char err[ERRMSG_SIZE];
    if (body->len == 0 || base64_decode(body->data, body->len, &raw) < 0 || raw.len == 0) {
        buf_free(&raw);
        respond_error(in, resp, 400, "invalid event: body is neither JSON nor base64-encoded zlib");
        return -1;
    }
    int rc = decompress_capped(CODEC_DEFLATE, raw.data, raw.len, in->cfg.limits.max_decompressed, &json, err);
    buf_free(&raw);
    if (rc < 0) {
        buf_free(&json);
        respond_error(in, resp, rc == -2 ? 413 : 400, "invalid base64+zlib event body: %s", err);
        return -1;
    }
    buf_free(body);
    *body = json;
    return 0;
}

static struct ingest_job *handle_store(struct ingest *in, const struct ingest_request *req, struct buf *body,
                                       struct ingest_response *resp)
{
    int64_t project_id;
    if (project_for_request(in, req, NULL, &project_id, resp) < 0)
        return NULL;
    if (legacy_unwrap(in, body, resp) < 0)
        return NULL;
    char event_id[33], detail[ERRMSG_SIZE];
    int status = check_event(&in->cfg.limits, body->data, body->len, NULL, event_id, detail);
    if (status) {
        respond_error(in, resp, status, "%s", detail);
        return NULL;
    }
    if (over_inbox_bound(in, resp))
        return NULL;
    return new_job(in, project_id, event_id, body->data, body->len, NULL, NULL, 0, resp);
}

struct ingest_job *ingest_start(struct ingest *in, const struct ingest_request *req, struct ingest_response *resp)
{
    resp->status = 500;
    resp->retry_after[0] = resp->rate_limits[0] = resp->detail[0] = '\0';
    if (req->body_len > in->cfg.limits.max_request) {
        respond_error(in, resp, 413, "request body exceeds the limit of %zu bytes", in->cfg.limits.max_request);
        return NULL;
    }
    struct buf body = BUF_INIT;
    struct ingest_job *job = NULL;
    if (decode_body(in, req, &body, resp) == 0)
        job = strcmp(req->endpoint, "envelope") == 0 ? handle_envelope(in, req, &body, resp)
                                                      : handle_store(in, req, &body, resp);
    buf_free(&body);
    return job;
}
