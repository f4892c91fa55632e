/* Ingestion: Sentry's envelope and store endpoints, as Relay does them for errors.
 *
 * The HTTP layer hands a fully received request to ingest_start(); ingestion authenticates it,
 * decodes the body (gzip, deflate, br, zstd, legacy base64+zlib) under the configured limits,
 * parses the envelope, and commits the event to the durable inbox before answering 200. The
 * commit is asynchronous, so that a few HTTP threads can serve many connections while the inbox
 * gathers their events into one transaction. */
#ifndef FAULTLINE_INGEST_H
#define FAULTLINE_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/stats.h"

struct store;

struct ingest_limits {
    size_t  max_event;          /* one event payload, decompressed (Relay: 1 MiB) */
    size_t  max_request;        /* request body as sent (Relay: 20 MiB) */
    size_t  max_decompressed;   /* request body after content decoding */
    int64_t inbox_max;          /* events waiting for the digest before answering 429 */
};
void ingest_limits_default(struct ingest_limits *l);

/* --- auth ------------------------------------------------------------------------------------ */
struct sentry_auth {
    char key[65];        /* sentry_key / DSN public key */
    int  version;        /* sentry_version, 0 if absent */
};
/* Parses "Sentry sentry_key=..., sentry_version=7, ..." (the "Sentry " prefix is optional) or
 * "Basic base64(key:secret)". Returns 0, or -1 with err filled. */
int ingest_parse_auth_header(const char *value, struct sentry_auth *out, char *err);
/* Parses a DSN "scheme://KEY[:SECRET]@host[:port][/path]/PROJECT". */
int ingest_parse_dsn(const char *dsn, char key[65], char project[32], char *err);

/* --- envelopes ------------------------------------------------------------------------------- */
#define ENVELOPE_MAX_ITEMS 1000
struct envelope_item {
    char        type[32];
    const char *payload;    /* points into the envelope body */
    size_t      len;
};
struct envelope {
    char  event_id[33];     /* from the envelope header, "" if absent */
    char  dsn[512];         /* envelope header dsn, "" if absent */
    int   n_items;
    struct envelope_item items[ENVELOPE_MAX_ITEMS];
};
/* Parses an envelope (spec: headers line, then items with or without length, trailing newline
 * optional). Items point into `data`, which must outlive `env`. Returns 0 or -1 with err. */
int envelope_parse(const char *data, size_t n, struct envelope *env, char *err);

/* Normalises an event id (32 hex, or a UUID with dashes) to 32 lowercase hex; -1 if invalid. */
int ingest_normalize_event_id(const char *in, char out[33]);

/* --- the handler ------------------------------------------------------------------------------- */
struct ingest;

struct ingest_config {
    const char           *data_dir;
    struct ingest_limits  limits;
    struct pipeline_stats *stats;
};
int  ingest_new(const struct ingest_config *cfg, struct ingest **out, char *err);
void ingest_free(struct ingest *in);

struct ingest_request {
    const char *endpoint;        /* "envelope" or "store" */
    const char *project;         /* project id from the URL path */
    const char *x_sentry_auth;
    const char *authorization;
    const char *query_key;       /* ?sentry_key= */
    int         query_key_count; /* how many sentry_key query arguments there were */
    const char *query_version;   /* ?sentry_version= */
    const char *content_encoding;
    const char *body;
    size_t      body_len;
};

struct ingest_response {
    int        status;
    struct buf body;             /* JSON */
    char       retry_after[16];  /* set on 429 */
    char       rate_limits[160]; /* X-Sentry-Rate-Limits on 429 */
    char       detail[256];      /* the error detail (also in body), "" on success */
};
/* An accepted request waiting for its inbox commit. */
struct ingest_job;

/* Handles a fully received request. Returns NULL when resp is final (an error), else a job to pass
 * to ingest_job_submit(); resp is then filled by ingest_job_finish(). The caller frees resp->body.
 * The request (and its body) may be freed once this returns. */
struct ingest_job *ingest_start(struct ingest *in, const struct ingest_request *req, struct ingest_response *resp);
/* Queues the job's commit; done(arg) is called once it is over, from the committer thread or
 * from this one. */
void ingest_job_submit(struct ingest_job *job, void (*done)(void *arg), void *arg);
/* After done(): fills resp (200 with the event id, or 503 with the reason) and frees the job. */
void ingest_job_finish(struct ingest_job *job, struct ingest_response *resp);

#endif
