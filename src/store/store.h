/* Storage: projects, API tokens, the durable inbox, issues, events and their hashes.
 *
 * SQLite backend (WAL). Two database files live in the data directory:
 *   faultline.db  projects, tokens, issues, grouphashes, events (written by the digest, read by the API)
 *   inbox.db      events accepted by ingestion and not yet digested (written by the inbox committer)
 * Keeping the inbox in its own file means ingestion commits never wait for a digest transaction.
 *
 * A `struct store` is one connection and must be used by one thread at a time; every thread that
 * needs the store opens its own handle (cheap) or borrows one from a pool. */
#ifndef FAULTLINE_STORE_H
#define FAULTLINE_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct store;

#define STORE_KEY_LEN 32            /* public DSN key: 32 lowercase hex */

struct store_project {
    int64_t id;
    char    name[128];
    char    slug[128];
    char    public_key[STORE_KEY_LEN + 1];
    double  created;                /* unix seconds */
};

/* Open (creating if needed) the store in data_dir. path ":memory:" gives a private in-memory store
 * (used by `faultline eval`); its inbox is in memory too. */
int  store_open(const char *data_dir, struct store **out, char *err);
void store_close(struct store *s);

/* Changes whenever another connection commits to faultline.db (cheap; for cache invalidation). */
int64_t store_data_version(struct store *s);

/* Transactions on faultline.db (the digest wraps each batch in one). */
int  store_begin(struct store *s, char *err);
int  store_commit(struct store *s, char *err);
void store_rollback(struct store *s);

/* --- projects ------------------------------------------------------------------------------ */
int  store_project_create(struct store *s, const char *name, struct store_project *out, char *err);
/* Fills *out with a malloc'd array; returns the count (>= 0) or negative on error. */
int  store_project_list(struct store *s, struct store_project **out, char *err);
/* by numeric id or slug; returns 1 found, 0 not found, negative error */
int  store_project_find(struct store *s, const char *id_or_slug, struct store_project *out, char *err);
/* Project options (grouping rules, settings). *value is malloc'd or NULL when unset. */
int  store_project_option_get(struct store *s, int64_t project_id, const char *key, char **value, char *err);
int  store_project_option_set(struct store *s, int64_t project_id, const char *key, const char *value,
                              char *err);
/* A counter bumped on every option change, so caches know when to reload. */
int64_t store_options_version(struct store *s);

/* --- tokens -------------------------------------------------------------------------------- */
#define STORE_TOKEN_LEN 64
int  store_token_create(struct store *s, char token[STORE_TOKEN_LEN + 1], char *err);
/* 1 if the token is valid, 0 if not, negative on error. Only a SHA-256 of each token is stored. */
int  store_token_check(struct store *s, const char *token, char *err);

/* --- inbox ----------------------------------------------------------------------------------- */
struct store_inbox_row {
    int64_t id;
    int64_t project_id;
    char    event_id[33];
    double  received;
    void   *payload;        /* zstd-compressed event JSON (owned by the row) */
    size_t  payload_len;
};
/* Appends one row (a resent event id too: the digest skips what it already stored). 0 or -1. */
int  store_inbox_insert(struct store *s, int64_t project_id, const char *event_id, double received,
                        const void *payload, size_t len, char *err);
/* Counts non-event envelope items (transaction, session, client_report, ...). */
int  store_item_count_add(struct store *s, int64_t project_id, const char *type, int64_t n, char *err);
int  store_inbox_begin(struct store *s, char *err);
int  store_inbox_commit(struct store *s, char *err);
void store_inbox_rollback(struct store *s);
/* Rows with an id over after_id, oldest first; returns the count fetched (<= max) or negative. */
int  store_inbox_fetch(struct store *s, int64_t after_id, struct store_inbox_row *rows, int max, char *err);
void store_inbox_rows_free(struct store_inbox_row *rows, int n);
int  store_inbox_delete_upto(struct store *s, int64_t last_id, char *err);
int64_t store_inbox_count(struct store *s);

/* --- digest: events, issues, hashes ---------------------------------------------------------- */
/* 1 if an event with this id is stored in the project, 0 if not, negative on error. */
int  store_event_exists(struct store *s, int64_t project_id, const char *event_id, char *err);
/* Issue owning the hash: returns 1 and sets *issue_id, 0 if the hash is unknown. */
int  store_hash_lookup(struct store *s, int64_t project_id, const char *hash, int64_t *issue_id,
                       char *err);
int  store_hash_attach(struct store *s, int64_t project_id, const char *hash, int64_t issue_id,
                       char *err);

struct store_issue_new {
    int64_t     project_id;
    const char *title;
    const char *culprit;
    const char *level;
    const char *platform;
    const char *type;       /* metadata.type (exception type), may be "" */
    const char *value;      /* metadata.value, may be "" */
    double      seen;
};
int  store_issue_create(struct store *s, const struct store_issue_new *in, int64_t *issue_id, char *err);
/* One more event for the issue at time `seen`: count, last_seen, and a resolved issue regresses. */
int  store_issue_add_event(struct store *s, int64_t issue_id, double seen, const char *level, char *err);

struct store_event_new {
    int64_t     project_id;
    int64_t     issue_id;
    const char *event_id;
    double      received;
    double      timestamp;
    const char *title;
    const char *platform;
    const char *hashes_json;    /* JSON array of the event's hashes */
    const char *grouping_json;  /* grouping info */
    const char *primary_hash;   /* the hash through which it joined its issue (unmerge moves by it) */
    const void *payload;        /* zstd-compressed event JSON */
    size_t      payload_len;
};
int  store_event_insert(struct store *s, const struct store_event_new *in, char *err);

/* --- API reads (return new jansson values, NULL + err on failure) ------------------------------ */
struct store_issue_query {
    int64_t     project_id;
    const char *sort;       /* "date" (last seen, default), "new" (first seen), "freq" (count) */
    const char *status;     /* NULL = any */
    const char *level;      /* NULL = any */
    const char *query;      /* substring of the title, NULL = any */
    int         limit;
    int64_t     offset;
};
json_t *store_issue_list(struct store *s, const struct store_issue_query *q, char *err);
/* NULL with err[0] == 0 when not found. */
json_t *store_issue_get(struct store *s, int64_t issue_id, char *err);
int  store_issue_set_status(struct store *s, int64_t issue_id, const char *status, char *err);
json_t *store_issue_events(struct store *s, int64_t issue_id, int limit, int64_t offset, char *err);
/* Full event (with payload) by event id in a project, or the newest event of an issue. */
json_t *store_event_get(struct store *s, int64_t project_id, const char *event_id, char *err);
json_t *store_issue_latest_event(struct store *s, int64_t issue_id, char *err);
json_t *store_item_counts(struct store *s, int64_t project_id, char *err);
/* --- similarity: vectors per fingerprint, decisions, merge/unmerge ---------------------------- */
/* Stores the embedding of a hash, with the root-cause exception type of the event it came from;
 * returns the vector id (also the ANN id) or negative. An existing (project, hash, model) keeps its
 * row and returns its id. */
int64_t store_vector_insert(struct store *s, int64_t project_id, int64_t issue_id, const char *hash,
                            const char *model, const char *exc_type, const float *vec, int dim, char *err);
/* Calls fn for every stored vector of a project and model (to build the index). */
int  store_vector_foreach(struct store *s, int64_t project_id, const char *model,
                          int (*fn)(void *ctx, int64_t id, const float *vec, int dim), void *ctx, char *err);
/* Number of stored vectors of a project for a model (negative on error). */
int64_t store_vector_count(struct store *s, int64_t project_id, const char *model, char *err);
/* Issue of a vector id and its exception type (copied into type, cap bytes; type may be NULL):
 * 1 found, 0 not, negative error. */
int  store_vector_issue(struct store *s, int64_t vector_id, int64_t *issue_id, char *type, size_t cap, char *err);
/* Vector ids of an issue (up to cap), for "similar issues". Returns the count or negative. */
int  store_issue_vector_ids(struct store *s, int64_t issue_id, const char *model, int64_t *ids, int cap,
                            char *err);
/* Open issues of a project with id > after_id that have no vector for `model` yet, oldest first
 * (up to cap). Returns the count or negative. *total gets the number of open issues. */
int  store_issues_without_vector(struct store *s, int64_t project_id, const char *model, int64_t after_id,
                                 int64_t *ids, int cap, int64_t *total, char *err);
/* Records why a hash went where it went: decision "joined", "new", "shadow-joined", "shadow-new",
 * "skipped-budget", ... matched_issue 0 and distance < 0 when not applicable. */
int  store_hash_decision(struct store *s, int64_t project_id, const char *hash, const char *decision,
                         int64_t matched_issue, double distance, const char *model, char *err);
/* Merges `children` into `parent`: hashes, events and vectors move; children become status
 * "merged" with merged_into = parent. Returns 0 or negative. */
int  store_issues_merge(struct store *s, int64_t parent, const int64_t *children, int n, char *err);
/* Moves the given hashes of an issue (and the events that joined through them, and their vectors)
 * to a new issue; *new_issue gets its id. Returns the number of hashes moved or negative. */
int  store_issue_unmerge(struct store *s, int64_t issue_id, const char *const *hashes, int n,
                         int64_t *new_issue, char *err);
/* The hashes of an issue as [{id, latestEvent?...}] JSON. */
json_t *store_issue_hashes(struct store *s, int64_t issue_id, char *err);

/* The grouping info stored with an event (NULL with err[0] == 0 when not found). */
json_t *store_event_grouping(struct store *s, int64_t project_id, const char *event_id, char *err);

#endif
