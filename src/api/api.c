/* Routing and handlers of the JSON API. */
#include "api/api.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grouping/grouping.h"
#include "grouping/similarity.h"
#include "store/store.h"
#include "util/timefmt.h"

#define POOL_MAX 16
#define MAX_PATH_PARTS 8

struct api {
    struct api_config cfg;
    char              public_url[512];
    pthread_mutex_t   pool_lock;
    struct store     *pool[POOL_MAX];
    int               pool_n;
};

int api_new(const struct api_config *cfg, struct api **out, char *err)
{
    struct api *api = calloc(1, sizeof *api);
    if (!api) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    api->cfg = *cfg;
    snprintf(api->public_url, sizeof api->public_url, "%s", cfg->public_url);
    api->cfg.public_url = api->public_url;
    pthread_mutex_init(&api->pool_lock, NULL);
    /* Open one handle now so a bad data directory fails at start, not on the first request. */
    struct store *s;
    if (store_open(cfg->data_dir, &s, err) < 0) {
        api_free(api);
        return -1;
    }
    api->pool[api->pool_n++] = s;
    *out = api;
    return 0;
}

void api_free(struct api *api)
{
    if (!api)
        return;
    for (int i = 0; i < api->pool_n; i++)
        store_close(api->pool[i]);
    pthread_mutex_destroy(&api->pool_lock);
    free(api);
}

static struct store *borrow(struct api *api, char *err)
{
    struct store *s = NULL;
    pthread_mutex_lock(&api->pool_lock);
    if (api->pool_n > 0)
        s = api->pool[--api->pool_n];
    pthread_mutex_unlock(&api->pool_lock);
    if (!s && store_open(api->cfg.data_dir, &s, err) < 0)
        return NULL;
    return s;
}

static void give_back(struct api *api, struct store *s)
{
    pthread_mutex_lock(&api->pool_lock);
    if (api->pool_n < POOL_MAX) {
        api->pool[api->pool_n++] = s;
        s = NULL;
    }
    pthread_mutex_unlock(&api->pool_lock);
    store_close(s);
}

void api_format_dsn(const char *public_url, const char *key, long long project_id, char *out, size_t cap)
{
    const char *scheme_end = strstr(public_url, "://");
    const char *host = scheme_end ? scheme_end + 3 : public_url;
    int scheme_len = scheme_end ? (int)(scheme_end - public_url) : 4;
    const char *scheme = scheme_end ? public_url : "http";
    size_t host_len = strlen(host);
    while (host_len && host[host_len - 1] == '/')
        host_len--;
    snprintf(out, cap, "%.*s://%s@%.*s/%lld", scheme_len, scheme, key, (int)host_len, host, project_id);
}

/* --- responses --------------------------------------------------------------------------------- */

static void send_json(struct api_response *resp, int status, json_t *body)
{
    resp->status = status;
    buf_reset(&resp->body);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    buf_puts(&resp->body, text ? text : "{\"detail\":\"internal error\"}");
    if (!text)
        resp->status = 500;
    free(text);
    json_decref(body);
}

static void send_error(struct api_response *resp, int status, const char *detail)
{
    send_json(resp, status, json_pack("{s:s}", "detail", detail));
}

/* --- handlers ---------------------------------------------------------------------------------- */

static json_t *project_json(struct api *api, struct store *s, const struct store_project *p)
{
    char dsn[768], id[32], err[ERRMSG_SIZE], created[RFC3339_LEN];
    api_format_dsn(api->cfg.public_url, p->public_key, (long long)p->id, dsn, sizeof dsn);
    time_rfc3339(p->created, created);
    snprintf(id, sizeof id, "%lld", (long long)p->id);
    json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:o}", "id", id, "slug", p->slug, "name", p->name, "dsn", dsn,
                          "dateCreated", json_string(created));
    char *enh = NULL, *fp = NULL;
    store_project_option_get(s, p->id, "groupingEnhancements", &enh, err);
    store_project_option_get(s, p->id, "fingerprintingRules", &fp, err);
    json_object_set_new(j, "groupingEnhancements", json_string(enh ? enh : ""));
    json_object_set_new(j, "fingerprintingRules", json_string(fp ? fp : ""));
    free(enh);
    free(fp);
    struct similarity_settings set;
    if (similarity_settings_load(s, p->id, &set, err) == 0) {
        static const char *const modes[] = {"off", "shadow", "on"};
        json_object_set_new(j, "similarityMode", json_string(modes[set.mode]));
        json_object_set_new(j, "similarityGroupThreshold", json_real(set.group_threshold));
        json_object_set_new(j, "similarityThreshold", json_real(set.similar_threshold));
        json_object_set_new(j, "similarityText",
                            json_string(set.text_variant == GROUPING_TEXT_SEER ? "seer" : "crash-first"));
        struct similarity *eng = api->cfg.sim ? similarity_for_model(api->cfg.sim, set.model, err) : NULL;
        json_object_set_new(j, "similarityModel", eng ? json_string(similarity_model_name(eng)) : json_null());
        json_object_set_new(j, "similarityModelFile", json_string(set.model));
    }
    json_t *counts = store_item_counts(s, p->id, err);
    if (counts)
        json_object_set_new(j, "itemCounts", counts);
    return j;
}

static void list_projects(struct api *api, struct store *s, struct api_response *resp)
{
    char err[ERRMSG_SIZE];
    struct store_project *projects;
    int n = store_project_list(s, &projects, err);
    if (n < 0) {
        send_error(resp, 500, err);
        return;
    }
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, project_json(api, s, &projects[i]));
    free(projects);
    send_json(resp, 200, arr);
}

static int find_project(struct store *s, const char *ref, struct store_project *p, struct api_response *resp)
{
    char err[ERRMSG_SIZE];
    int found = store_project_find(s, ref, p, err);
    if (found < 0)
        send_error(resp, 500, err);
    else if (!found)
        send_error(resp, 404, "project not found");
    return found == 1 ? 0 : -1;
}

static json_t *parse_body(const struct api_request *req, struct api_response *resp)
{
    json_error_t jerr;
    json_t *body = json_loadb(req->body ? req->body : "", req->body_len, 0, &jerr);
    if (!json_is_object(body)) {
        char detail[300];
        snprintf(detail, sizeof detail, "request body must be a JSON object%s%s", body ? "" : ": ",
                 body ? "" : jerr.text);
        json_decref(body);
        send_error(resp, 400, detail);
        return NULL;
    }
    return body;
}

static void update_project(struct api *api, struct store *s, const struct store_project *p,
                           const struct api_request *req, struct api_response *resp)
{
    json_t *body = parse_body(req, resp);
    if (!body)
        return;
    static const struct { const char *key; int kind; } fields[] = {
        {"groupingEnhancements", GROUPING_RULES_ENHANCEMENTS},
        {"fingerprintingRules", GROUPING_RULES_FINGERPRINT},
    };
    char err[ERRMSG_SIZE];
    /* Validate everything before storing anything. */
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        json_t *v = json_object_get(body, fields[i].key);
        if (!v)
            continue;
        if (!json_is_string(v) && !json_is_null(v)) {
            snprintf(err, sizeof err, "%s must be a string", fields[i].key);
            send_error(resp, 400, err);
            json_decref(body);
            return;
        }
        char why[ERRMSG_SIZE] = "";
        if (json_is_string(v) && grouping_validate_rules(fields[i].kind, json_string_value(v), why) < 0) {
            snprintf(err, sizeof err, "%s: %.200s", fields[i].key, why);
            send_error(resp, 400, err);
            json_decref(body);
            return;
        }
    }
    /* Similarity settings: strings or numbers, stored as text. */
    static const char *const sim_keys[] = {"similarityMode", "similarityGroupThreshold", "similarityThreshold",
                                           "similarityText", "similarityModel"};
    enum { N_SIM_KEYS = sizeof sim_keys / sizeof sim_keys[0] };
    char sim_values[N_SIM_KEYS][520];
    for (int i = 0; i < N_SIM_KEYS; i++) {
        json_t *v = json_object_get(body, sim_keys[i]);
        sim_values[i][0] = '\0';
        if (!v)
            continue;
        if (json_is_string(v))
            snprintf(sim_values[i], sizeof sim_values[i], "%s", json_string_value(v));
        else if (json_is_number(v))
            snprintf(sim_values[i], sizeof sim_values[i], "%.6g", json_number_value(v));
        char why[ERRMSG_SIZE];
        int empty_ok = i == N_SIM_KEYS - 1 && json_is_string(v);   /* "" = back to the default model */
        if ((!sim_values[i][0] && !empty_ok) || similarity_validate_option(sim_keys[i], sim_values[i], why) < 0) {
            send_error(resp, 400, sim_values[i][0] || empty_ok ? why : "similarity settings must be strings or numbers");
            json_decref(body);
            return;
        }
    }
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        json_t *v = json_object_get(body, fields[i].key);
        if (v && store_project_option_set(s, p->id, fields[i].key, json_string_value(v), err) < 0) {
            send_error(resp, 500, err);
            json_decref(body);
            return;
        }
    }
    for (int i = 0; i < N_SIM_KEYS; i++)
        if (json_object_get(body, sim_keys[i]) && store_project_option_set(s, p->id, sim_keys[i], sim_values[i], err) < 0) {
            send_error(resp, 500, err);
            json_decref(body);
            return;
        }
    json_decref(body);
    send_json(resp, 200, project_json(api, s, p));
}

/* Integer query argument in [lo, hi]; fallback when absent. -1 (and a 400 sent) when invalid. */
static int query_int(const struct api_request *req, const char *key, long long fallback, long long lo,
                     long long hi, long long *out, struct api_response *resp)
{
    const char *v = req->query ? req->query(req->query_ctx, key) : NULL;
    *out = fallback;
    if (!v || !*v)
        return 0;
    char *end;
    long long n = strtoll(v, &end, 10);
    if (*end || n < lo || n > hi) {
        char detail[160];
        snprintf(detail, sizeof detail, "%s must be an integer from %lld to %lld", key, lo, hi);
        send_error(resp, 400, detail);
        return -1;
    }
    *out = n;
    return 0;
}

static const char *query_str(const struct api_request *req, const char *key)
{
    const char *v = req->query ? req->query(req->query_ctx, key) : NULL;
    return v && *v ? v : NULL;
}

/* Sentry pages with an opaque cursor; ours is the offset. */
static void set_link(struct api_response *resp, const char *path, long long offset, int limit, size_t got)
{
    int more = got == (size_t)limit;
    snprintf(resp->link, sizeof resp->link,
             "<%s?cursor=%lld>; rel=\"previous\"; results=\"%s\"; cursor=\"%lld\", "
             "<%s?cursor=%lld>; rel=\"next\"; results=\"%s\"; cursor=\"%lld\"",
             path, offset - limit > 0 ? offset - limit : 0, offset > 0 ? "true" : "false",
             offset - limit > 0 ? offset - limit : 0, path, offset + limit, more ? "true" : "false",
             offset + limit);
}

static void list_issues(struct store *s, const struct store_project *p, const struct api_request *req,
                        struct api_response *resp)
{
    struct store_issue_query q = {.project_id = p->id};
    q.sort = query_str(req, "sort");
    q.level = query_str(req, "level");
    q.status = query_str(req, "status");
    q.query = query_str(req, "query");
    /* Sentry's default query is "is:unresolved"; accept its "is:<status>" form inside query. */
    char status_buf[32], text_buf[256];
    if (q.query && strncmp(q.query, "is:", 3) == 0) {
        size_t n = strcspn(q.query + 3, " ");
        snprintf(status_buf, sizeof status_buf, "%.*s", (int)n, q.query + 3);
        q.status = status_buf;
        snprintf(text_buf, sizeof text_buf, "%s", q.query[3 + n] ? q.query + 4 + n : "");
        q.query = text_buf;
    }
    if (q.sort && strcmp(q.sort, "date") && strcmp(q.sort, "new") && strcmp(q.sort, "freq")) {
        send_error(resp, 400, "sort must be one of date, new, freq");
        return;
    }
    long long limit, offset;
    if (query_int(req, "limit", 25, 1, 100, &limit, resp) < 0 ||
        query_int(req, "cursor", 0, 0, 1LL << 40, &offset, resp) < 0)
        return;
    q.limit = (int)limit;
    q.offset = offset;
    char err[ERRMSG_SIZE];
    json_t *arr = store_issue_list(s, &q, err);
    if (!arr) {
        send_error(resp, 500, err);
        return;
    }
    set_link(resp, req->path, q.offset, q.limit, json_array_size(arr));
    send_json(resp, 200, arr);
}

/* The issue as JSON, or NULL with a 404 (or 500) already sent. */
static json_t *load_issue(struct store *s, int64_t id, struct api_response *resp)
{
    char err[ERRMSG_SIZE];
    json_t *issue = store_issue_get(s, id, err);
    if (!issue)
        send_error(resp, err[0] ? 500 : 404, err[0] ? err : "issue not found");
    return issue;
}

static void issue_detail(struct store *s, int64_t id, struct api_response *resp)
{
    json_t *issue = load_issue(s, id, resp);
    if (issue)
        send_json(resp, 200, issue);
}

static void update_issue(struct store *s, int64_t id, const struct api_request *req, struct api_response *resp)
{
    json_t *body = parse_body(req, resp);
    if (!body)
        return;
    const char *status = json_string_value(json_object_get(body, "status"));
    if (!status || (strcmp(status, "resolved") && strcmp(status, "ignored") && strcmp(status, "unresolved"))) {
        json_decref(body);
        send_error(resp, 400, "status must be one of resolved, ignored, unresolved");
        return;
    }
    char err[ERRMSG_SIZE];
    int rc = store_issue_set_status(s, id, status, err);
    json_decref(body);
    if (rc < 0)
        send_error(resp, 500, err);
    else if (rc == 0)
        send_error(resp, 404, "issue not found");
    else
        issue_detail(s, id, resp);
}

static void issue_events(struct store *s, int64_t id, const struct api_request *req, struct api_response *resp)
{
    char err[ERRMSG_SIZE];
    json_t *issue = load_issue(s, id, resp);
    if (!issue)
        return;
    json_decref(issue);
    long long limit, offset;
    if (query_int(req, "limit", 50, 1, 100, &limit, resp) < 0 ||
        query_int(req, "cursor", 0, 0, 1LL << 40, &offset, resp) < 0)
        return;
    json_t *arr = store_issue_events(s, id, (int)limit, offset, err);
    if (!arr) {
        send_error(resp, 500, err);
        return;
    }
    set_link(resp, req->path, offset, (int)limit, json_array_size(arr));
    send_json(resp, 200, arr);
}

/* GET .../events/<id>/grouping-info/: the variants, hashes and component tree, rebuilt from the
 * stored event with the project's current rules (as Sentry does), plus the similarity decision the
 * digest stored when similarity grouping ran for it. */
static void grouping_info(struct store *s, const struct store_project *p, const char *event_id,
                          struct api_response *resp)
{
    char err[ERRMSG_SIZE];
    json_t *ev = store_event_get(s, p->id, event_id, err);
    if (!ev) {
        send_error(resp, err[0] ? 500 : 404, err[0] ? err : "event not found");
        return;
    }
    char *enh = NULL, *fp = NULL;
    struct grouping_result g = {0};
    int rc = 0;
    if (store_project_option_get(s, p->id, "groupingEnhancements", &enh, err) < 0 ||
        store_project_option_get(s, p->id, "fingerprintingRules", &fp, err) < 0)
        rc = -1;
    struct grouping_config cfg = {.enhancements = enh, .fingerprint_rules = fp};
    if (rc == 0)
        rc = grouping_compute(json_object_get(ev, "payload"), &cfg, &g, err);
    free(enh);
    free(fp);
    json_decref(ev);
    json_t *info = rc == 0 ? json_loads(g.info_json ? g.info_json : "{}", 0, NULL) : NULL;
    grouping_result_free(&g);
    if (!info) {
        send_error(resp, 500, rc < 0 ? err : "grouping info is not JSON");
        return;
    }
    json_t *stored = store_event_grouping(s, p->id, event_id, err);
    json_t *similarity = json_object_get(stored, "similarity");
    if (similarity)
        json_object_set(info, "similarity", similarity);
    json_decref(stored);
    send_json(resp, 200, info);
}

static void send_event(json_t *ev, const char *err, struct api_response *resp)
{
    if (!ev)
        send_error(resp, err[0] ? 500 : 404, err[0] ? err : "event not found");
    else
        send_json(resp, 200, ev);
}

static void stats(struct api *api, struct api_response *resp)
{
    struct pipeline_stats *st = api->cfg.stats;
    send_json(resp, 200,
              json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "accepted_total", (json_int_t)atomic_load(&st->accepted),
                        "inbox_pending", (json_int_t)atomic_load(&st->pending), "digested_total",
                        (json_int_t)atomic_load(&st->digested), "duplicates_total",
                        (json_int_t)atomic_load(&st->duplicates), "rejected_total",
                        (json_int_t)atomic_load(&st->rejected), "rate_limited_total",
                        (json_int_t)atomic_load(&st->rate_limited)));
}

static int parse_id(const char *s, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v <= 0)
        return -1;
    *out = v;
    return 0;
}

static int is_merged(const json_t *issue)
{
    const char *status = json_string_value(json_object_get(issue, "status"));
    return status && strcmp(status, "merged") == 0;
}

/* GET /api/0/issues/<id>/similar/: neighbours within the project's similar threshold. */
static void similar_issues(struct api *api, struct store *s, int64_t id, struct api_response *resp)
{
    char err[ERRMSG_SIZE];
    json_t *issue = load_issue(s, id, resp);
    if (!issue)
        return;
    int64_t project_id = atoll(json_string_value(json_object_get(json_object_get(issue, "project"), "id")));
    json_decref(issue);
    if (!api->cfg.sim) {
        send_error(resp, 503, "similarity is not available: no embedding model is loaded");
        return;
    }
    struct similarity_settings set;
    if (similarity_settings_load(s, project_id, &set, err) < 0) {
        send_error(resp, 500, err);
        return;
    }
    struct similarity *eng = similarity_for_model(api->cfg.sim, set.model, err);
    if (!eng) {
        send_error(resp, 503, err);
        return;
    }
    struct similarity_hit hits[20];
    int n = similarity_issue_neighbours(eng, s, project_id, id, 20, hits, err);
    if (n < 0) {
        send_error(resp, 500, err);
        return;
    }
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        if (hits[i].distance > set.similar_threshold)
            break;
        json_t *other = store_issue_get(s, hits[i].issue_id, err);
        if (!other || is_merged(other)) {
            json_decref(other);
            continue;
        }
        json_array_append_new(arr, json_pack("{s:o,s:f,s:f,s:b,s:s}", "issue", other, "distance",
                                             hits[i].distance, "similarity", 1.0 - hits[i].distance,
                                             "shouldBeGrouped", hits[i].distance <= set.group_threshold,
                                             "model", similarity_model_name(eng)));
    }
    send_json(resp, 200, arr);
}

#define MAX_IDS 100

/* Ids from ?id=..&id=.. or the body's "id"/"issues"/"hashes" array. Returns the count or -1. */
static int collect_ids(const struct api_request *req, json_t *body, const char *body_key, const char **ids,
                       int cap)
{
    int n = req->query_all ? req->query_all(req->query_ctx, "id", ids, cap) : 0;
    json_t *arr = body ? json_object_get(body, body_key) : NULL;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        if (n < cap && json_is_string(v))
            ids[n++] = json_string_value(v);
    }
    return n;
}

/* PUT /api/0/projects/<p>/issues/?id=1&id=2 {"merge": 1}: the issue with the most events is the
 * parent (the oldest on a tie); the others' hashes and events move into it. */
static void merge_issues(struct store *s, const struct store_project *p, const struct api_request *req,
                         struct api_response *resp)
{
    json_t *body = parse_body(req, resp);
    if (!body)
        return;
    const char *ids[MAX_IDS];
    int n = collect_ids(req, body, "issues", ids, MAX_IDS);
    json_t *merge = json_object_get(body, "merge");
    if (!(json_is_true(merge) || (json_is_integer(merge) && json_integer_value(merge) == 1)) || n < 2) {
        json_decref(body);
        send_error(resp, 400, "merge needs {\"merge\": 1} and at least two issue ids (?id=..&id=..)");
        return;
    }
    int64_t issues[MAX_IDS], parent = 0;
    long long best = -1;
    char err[ERRMSG_SIZE];
    for (int i = 0; i < n; i++) {
        json_t *issue = parse_id(ids[i], &issues[i]) == 0 ? store_issue_get(s, issues[i], err) : NULL;
        const char *pid = json_string_value(json_object_get(json_object_get(issue, "project"), "id"));
        if (!issue || !pid || atoll(pid) != p->id ||
            is_merged(issue)) {
            json_decref(issue);
            json_decref(body);
            snprintf(err, sizeof err, "issue %.40s is not an open issue of this project", ids[i]);
            send_error(resp, 400, err);
            return;
        }
        long long count = atoll(json_string_value(json_object_get(issue, "count")));
        if (count > best || (count == best && issues[i] < parent)) {
            best = count;
            parent = issues[i];
        }
        json_decref(issue);
    }
    json_decref(body);
    if (store_begin(s, err) < 0 || store_issues_merge(s, parent, issues, n, err) < 0 || store_commit(s, err) < 0) {
        store_rollback(s);
        send_error(resp, 500, err);
        return;
    }
    json_t *children = json_array();
    for (int i = 0; i < n; i++)
        if (issues[i] != parent)
            json_array_append_new(children, json_sprintf("%lld", (long long)issues[i]));
    send_json(resp, 200, json_pack("{s:{s:o,s:o}}", "merge", "parent", json_sprintf("%lld", (long long)parent),
                                   "children", children));
}

/* GET /api/0/issues/<id>/hashes/; DELETE with ?id=HASH (or {"hashes": [...]}) unmerges them. */
static void issue_hashes(struct store *s, int64_t id, const struct api_request *req, struct api_response *resp)
{
    char err[ERRMSG_SIZE];
    json_t *issue = load_issue(s, id, resp);
    if (!issue)
        return;
    json_decref(issue);
    if (strcmp(req->method, "GET") == 0) {
        json_t *arr = store_issue_hashes(s, id, err);
        if (!arr)
            send_error(resp, 500, err);
        else
            send_json(resp, 200, arr);
        return;
    }
    json_t *body = req->body_len ? parse_body(req, resp) : json_object();
    if (!body)
        return;
    const char *hashes[MAX_IDS];
    int n = collect_ids(req, body, "hashes", hashes, MAX_IDS);
    if (n < 1) {
        json_decref(body);
        send_error(resp, 400, "unmerge needs the hashes to move (?id=HASH&id=HASH)");
        return;
    }
    int64_t fresh = 0;
    int moved = -1;
    if (store_begin(s, err) == 0) {
        moved = store_issue_unmerge(s, id, hashes, n, &fresh, err);
        if (moved > 0 && store_commit(s, err) < 0)
            moved = -1;
        if (moved <= 0)
            store_rollback(s);
    }
    json_decref(body);
    if (moved < 0)
        send_error(resp, 500, err);
    else if (moved == 0)
        send_error(resp, 400, err);
    else
        send_json(resp, 200, json_pack("{s:o,s:i}", "issue", json_sprintf("%lld", (long long)fresh), "moved", moved));
}

/* --- routing ----------------------------------------------------------------------------------- */

/* Splits "/api/0/a/b/c/" into parts after "/api/0/"; returns the count or -1. */
static int split_path(const char *path, char parts[MAX_PATH_PARTS][128])
{
    if (strncmp(path, "/api/0/", 7) != 0)
        return -1;
    int n = 0;
    const char *p = path + 7;
    while (*p) {
        size_t len = strcspn(p, "/");
        if (len > 0) {
            if (n == MAX_PATH_PARTS || len >= 128)
                return -1;
            memcpy(parts[n], p, len);
            parts[n][len] = '\0';
            n++;
        }
        p += len;
        if (*p == '/')
            p++;
    }
    return n;
}

static int bearer_ok(struct store *s, const char *authorization)
{
    if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
        return 0;
    const char *token = authorization + 7;
    while (*token == ' ')
        token++;
    char err[ERRMSG_SIZE];
    return store_token_check(s, token, err) == 1;
}

static void route(struct api *api, struct store *s, const struct api_request *req, struct api_response *resp)
{
    char parts[MAX_PATH_PARTS][128];
    int n = split_path(req->path, parts);
    int get = strcmp(req->method, "GET") == 0, put = strcmp(req->method, "PUT") == 0;
    char err[ERRMSG_SIZE];
    if (n < 1) {
        send_error(resp, 404, "not found");
        return;
    }
    if (strcmp(parts[0], "stats") == 0 && n == 1 && get) {
        stats(api, resp);
        return;
    }
    if (strcmp(parts[0], "projects") == 0) {
        if (n == 1) {
            if (get)
                list_projects(api, s, resp);
            else
                send_error(resp, 405, "method not allowed");
            return;
        }
        struct store_project p;
        if (find_project(s, parts[1], &p, resp) < 0)
            return;
        if (n == 2 && get) {
            send_json(resp, 200, project_json(api, s, &p));
        } else if (n == 2 && put) {
            update_project(api, s, &p, req, resp);
        } else if (n == 3 && strcmp(parts[2], "issues") == 0 && get) {
            list_issues(s, &p, req, resp);
        } else if (n == 3 && strcmp(parts[2], "issues") == 0 && put) {
            merge_issues(s, &p, req, resp);
        } else if (n == 4 && strcmp(parts[2], "events") == 0 && get) {
            send_event(store_event_get(s, p.id, parts[3], err), err, resp);
        } else if (n == 5 && strcmp(parts[2], "events") == 0 && strcmp(parts[4], "grouping-info") == 0 && get) {
            grouping_info(s, &p, parts[3], resp);
        } else {
            send_error(resp, 404, "not found");
        }
        return;
    }
    if (strcmp(parts[0], "issues") == 0 && n >= 2) {
        int64_t id;
        if (parse_id(parts[1], &id) < 0) {
            send_error(resp, 404, "issue not found");
            return;
        }
        if (n == 2 && get)
            issue_detail(s, id, resp);
        else if (n == 2 && put)
            update_issue(s, id, req, resp);
        else if (n == 3 && strcmp(parts[2], "events") == 0 && get)
            issue_events(s, id, req, resp);
        else if (n == 4 && strcmp(parts[2], "events") == 0 && strcmp(parts[3], "latest") == 0 && get)
            send_event(store_issue_latest_event(s, id, err), err, resp);
        else if (n == 3 && strcmp(parts[2], "similar") == 0 && get)
            similar_issues(api, s, id, resp);
        else if (n == 3 && strcmp(parts[2], "hashes") == 0 && (get || strcmp(req->method, "DELETE") == 0))
            issue_hashes(s, id, req, resp);
        else
            send_error(resp, 404, "not found");
        return;
    }
    send_error(resp, 404, "not found");
}

void api_handle(struct api *api, const struct api_request *req, struct api_response *resp)
{
    resp->link[0] = '\0';
    char err[ERRMSG_SIZE];
    struct store *s = borrow(api, err);
    if (!s) {
        send_error(resp, 503, err);
        return;
    }
    if (!bearer_ok(s, req->authorization))
        send_error(resp, 401, "authentication credentials were not provided or are invalid");
    else
        route(api, s, req, resp);
    give_back(api, s);
}
