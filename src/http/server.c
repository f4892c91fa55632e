/* libmicrohttpd glue: a small pool of epoll threads serves all connections; an ingestion request
 * is suspended while its event waits for the inbox's group commit and resumed by the committer,
 * so no thread sleeps per request. Also body accumulation with a hard cap, CORS, and routing. */
#include "http/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "ingest/ingest.h"
#include "util/buf.h"

struct http_server {
    struct http_config  cfg;
    struct MHD_Daemon  *daemon;
    _Atomic int         suspended;   /* requests waiting for their inbox commit */
    _Atomic int         stopping;    /* no more suspending: requests wait for their commit in place */
};

struct request_ctx {
    struct buf                 body;
    int                        too_large;
    int                        answered;
    struct ingest_job         *job;    /* set while suspended for the commit, and once resumed */
    struct MHD_Connection     *conn;
    struct http_server        *srv;
};

static const char CORS_ALLOW_HEADERS[] =
    "x-sentry-auth, x-requested-with, origin, accept, content-type, content-encoding, authorization, "
    "sentry-trace, baggage";

static void add_common_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    MHD_add_response_header(r, "Access-Control-Expose-Headers",
                            "x-sentry-error, x-sentry-rate-limits, retry-after, link");
}

static enum MHD_Result send_buffer(struct MHD_Connection *conn, int status, const char *data, size_t len,
                                   const char *error_header, const char *retry_after,
                                   const char *rate_limits, const char *link)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    add_common_headers(r);
    if (error_header && *error_header)
        MHD_add_response_header(r, "X-Sentry-Error", error_header);
    if (retry_after && *retry_after)
        MHD_add_response_header(r, "Retry-After", retry_after);
    if (rate_limits && *rate_limits)
        MHD_add_response_header(r, "X-Sentry-Rate-Limits", rate_limits);
    if (link && *link)
        MHD_add_response_header(r, "Link", link);
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned int)status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result send_detail(struct MHD_Connection *conn, int status, const char *detail)
{
    char body[600];
    /* detail strings here are fixed text without quotes or backslashes */
    snprintf(body, sizeof body, "{\"detail\":\"%s\"}", detail);
    return send_buffer(conn, status, body, strlen(body), detail, NULL, NULL, NULL);
}

static enum MHD_Result send_preflight(struct MHD_Connection *conn)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    MHD_add_response_header(r, "Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
    MHD_add_response_header(r, "Access-Control-Allow-Headers", CORS_ALLOW_HEADERS);
    MHD_add_response_header(r, "Access-Control-Max-Age", "3600");
    enum MHD_Result rc = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rc;
}

/* "/api/<digits>/envelope/" -> endpoint and project; also "/api/store/" and no trailing slash. */
static int match_ingest(const char *url, char *project, size_t cap, const char **endpoint)
{
    if (strncmp(url, "/api/", 5) != 0)
        return 0;
    const char *p = url + 5;
    size_t digits = strspn(p, "0123456789");
    if (digits >= cap)
        return 0;
    memcpy(project, p, digits);
    project[digits] = '\0';
    p += digits;
    if (digits > 0) {
        if (*p != '/')
            return 0;
        p++;
    }
    const char *names[] = {"envelope", "store"};
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(names[i]);
        if (strncmp(p, names[i], n) == 0 && (p[n] == '\0' || (p[n] == '/' && p[n + 1] == '\0'))) {
            *endpoint = names[i];
            return digits > 0 && strcmp(project, "0") == 0 ? 0 : 1;
        }
    }
    return 0;
}

static const char *query_lookup(void *ctx, const char *key)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)ctx, MHD_GET_ARGUMENT_KIND, key);
}

static enum MHD_Result count_key(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    (void)value;
    if (strcmp(key, "sentry_key") == 0)
        (*(int *)cls)++;
    return MHD_YES;
}

struct multi {
    const char  *key;
    const char **values;
    int          n, cap;
};

static enum MHD_Result collect_values(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    struct multi *m = cls;
    if (strcmp(key, m->key) == 0 && value && m->n < m->cap)
        m->values[m->n++] = value;
    return MHD_YES;
}

static int query_all(void *ctx, const char *key, const char **values, int cap)
{
    struct multi m = {key, values, 0, cap};
    MHD_get_connection_values((struct MHD_Connection *)ctx, MHD_GET_ARGUMENT_KIND, collect_values, &m);
    return m.n;
}

static const char *header(struct MHD_Connection *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

static enum MHD_Result send_ingest_response(struct MHD_Connection *conn, struct ingest_response *resp)
{
    enum MHD_Result r = send_buffer(conn, resp->status, resp->body.data, resp->body.len, resp->detail,
                                    resp->retry_after, resp->rate_limits, NULL);
    buf_free(&resp->body);
    return r;
}

/* Answers a request whose commit is over; frees the job. */
static enum MHD_Result answer_job(struct MHD_Connection *conn, struct ingest_job *job)
{
    struct ingest_response resp = {.body = BUF_INIT};
    ingest_job_finish(job, &resp);
    return send_ingest_response(conn, &resp);
}

struct commit_wait {
    pthread_mutex_t lock;
    pthread_cond_t  cond;
    int             done;
};

static void on_committed_wake(void *arg)
{
    struct commit_wait *w = arg;
    pthread_mutex_lock(&w->lock);
    w->done = 1;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

/* While the server stops, MHD must not be left with suspended connections: the request's thread
 * waits for the commit itself. */
static void commit_in_place(struct ingest_job *job)
{
    struct commit_wait w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    ingest_job_submit(job, on_committed_wake, &w);
    pthread_mutex_lock(&w.lock);
    while (!w.done)
        pthread_cond_wait(&w.cond, &w.lock);
    pthread_mutex_unlock(&w.lock);
}

/* The committer calls this once the request's event is durable (or failed). After the resume the
 * connection may finish and free rc at any moment, so read what is needed first. */
static void on_committed(void *arg)
{
    struct request_ctx *rc = arg;
    struct http_server *srv = rc->srv;
    MHD_resume_connection(rc->conn);
    atomic_fetch_sub(&srv->suspended, 1);
}

static enum MHD_Result dispatch(struct http_server *srv, struct MHD_Connection *conn, const char *url,
                                const char *method, struct request_ctx *rc)
{
    if (strcmp(method, "OPTIONS") == 0)
        return send_preflight(conn);
    char project[32];
    const char *endpoint;
    if (match_ingest(url, project, sizeof project, &endpoint)) {
        if (strcmp(method, "POST") != 0)
            return send_detail(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed: use POST");
        int key_count = 0;
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, count_key, &key_count);
        struct ingest_request req = {
            .endpoint = endpoint,
            .project = project,
            .x_sentry_auth = header(conn, "X-Sentry-Auth"),
            .authorization = header(conn, "Authorization"),
            .query_key = query_lookup(conn, "sentry_key"),
            .query_key_count = key_count,
            .query_version = query_lookup(conn, "sentry_version"),
            .content_encoding = header(conn, "Content-Encoding"),
            .body = rc->body.data ? rc->body.data : "",
            .body_len = rc->body.len,
        };
        struct ingest_response resp = {.body = BUF_INIT};
        struct ingest_job *job = ingest_start(srv->cfg.ingest, &req, &resp);
        if (job) {
            buf_free(&resp.body);   /* the job's answer comes from ingest_job_finish */
            /* Counted before the stopping flag is read (both seq_cst), so http_stop either waits
             * for this request or this request sees the flag. */
            atomic_fetch_add(&srv->suspended, 1);
            if (atomic_load(&srv->stopping)) {
                atomic_fetch_sub(&srv->suspended, 1);
                commit_in_place(job);
                return answer_job(conn, job);
            }
            /* Suspend before submitting, so the resume can never come first. */
            rc->job = job;
            rc->conn = conn;
            rc->srv = srv;
            MHD_suspend_connection(conn);
            ingest_job_submit(job, on_committed, rc);
            return MHD_YES;
        }
        return send_ingest_response(conn, &resp);
    }
    if (strncmp(url, "/api/0/", 7) == 0) {
        struct api_request req = {
            .method = method,
            .path = url,
            .authorization = header(conn, "Authorization"),
            .body = rc->body.data,
            .body_len = rc->body.len,
            .query = query_lookup,
            .query_all = query_all,
            .query_ctx = conn,
        };
        struct api_response resp = {.body = BUF_INIT};
        api_handle(srv->cfg.api, &req, &resp);
        enum MHD_Result r = send_buffer(conn, resp.status, resp.body.data, resp.body.len, NULL, NULL, NULL,
                                        resp.link);
        buf_free(&resp.body);
        return r;
    }
    if (strcmp(url, "/") == 0 || strcmp(url, "/health") == 0 || strcmp(url, "/_health/") == 0) {
        static const char ok[] = "{\"name\":\"faultline\",\"status\":\"ok\"}";
        return send_buffer(conn, MHD_HTTP_OK, ok, sizeof ok - 1, NULL, NULL, NULL, NULL);
    }
    return send_detail(conn, MHD_HTTP_NOT_FOUND, "not found");
}

static enum MHD_Result send_too_large(struct http_server *srv, struct MHD_Connection *conn)
{
    char detail[128];
    snprintf(detail, sizeof detail, "request body exceeds the limit of %zu bytes", srv->cfg.max_request);
    return send_detail(conn, MHD_HTTP_CONTENT_TOO_LARGE, detail);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    struct http_server *srv = cls;
    struct request_ctx *rc = *con_cls;
    if (!rc) {
        rc = calloc(1, sizeof *rc);
        if (!rc)
            return MHD_NO;
        *con_cls = rc;
        /* A declared body over the cap is refused before it is read (MHD only lets a response
         * be queued now or after the whole body, so a chunked body over the cap is discarded). */
        const char *cl = header(conn, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > srv->cfg.max_request) {
            rc->too_large = rc->answered = 1;
            return send_too_large(srv, conn);
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (!rc->too_large && rc->body.len + *upload_data_size > srv->cfg.max_request) {
            rc->too_large = 1;
            buf_free(&rc->body);
        }
        if (!rc->too_large && buf_append(&rc->body, upload_data, *upload_data_size) < 0)
            rc->too_large = 1;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (rc->too_large)
        return rc->answered ? MHD_YES : send_too_large(srv, conn);
    if (rc->job) {   /* resumed: the commit is over */
        struct ingest_job *job = rc->job;
        rc->job = NULL;
        return answer_job(conn, job);
    }
    return dispatch(srv, conn, url, method, rc);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    struct request_ctx *rc = *con_cls;
    if (rc) {
        if (rc->job) {   /* resumed, but the client went away before the answer */
            struct ingest_response resp = {.body = BUF_INIT};
            ingest_job_finish(rc->job, &resp);
            buf_free(&resp.body);
        }
        buf_free(&rc->body);
        free(rc);
        *con_cls = NULL;
    }
}

int http_parse_listen(const char *listen, char *host, size_t host_cap, int *port)
{
    const char *colon = strrchr(listen, ':');
    if (!colon)
        return -1;
    const char *h = listen;
    size_t hlen = (size_t)(colon - listen);
    if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }
    if (hlen == 0) {
        h = "127.0.0.1";
        hlen = strlen(h);
    }
    if (hlen >= host_cap)
        return -1;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || p < 0 || p > 65535 || end == colon + 1)
        return -1;
    *port = (int)p;
    return 0;
}

/* One polling thread per core, at least 2 so a slow API request does not stall ingestion. */
static int http_threads(const struct http_config *cfg)
{
    if (cfg->threads > 0)
        return cfg->threads;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores < 2 ? 2 : cores > 64 ? 64 : (int)cores;
}

int http_start(const struct http_config *cfg, struct http_server **out, char *err)
{
    struct http_server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    srv->cfg = *cfg;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *ai = NULL;
    char port[16];
    snprintf(port, sizeof port, "%d", cfg->port);
    int gai = getaddrinfo(cfg->host, port, &hints, &ai);
    if (gai != 0 || !ai) {
        errmsg_set(err, "cannot resolve listen address %s: %s", cfg->host, gai_strerror(gai));
        free(srv);
        return -1;
    }
    unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO |
                         MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* 32 KiB per connection is MHD's default: it holds the headers and the read buffer, and MHD
     * clears the used part between keep-alive requests, so a bigger pool costs time per request. */
    srv->daemon = MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, on_request, srv,
                                   MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                                   MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)http_threads(cfg),
                                   MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
                                   MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1000,
                                   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
                                   MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
                                   MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1,
                                   MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!srv->daemon) {
        errmsg_set(err, "cannot listen on %s:%d (address in use or not permitted)", cfg->host, cfg->port);
        free(srv);
        return -1;
    }
    *out = srv;
    return 0;
}

void http_stop(struct http_server *srv)
{
    if (!srv)
        return;
    /* MHD refuses to stop with suspended connections: stop suspending, then let the commits in
     * flight answer their requests (the inbox is still running) for up to 10 s. Requests that
     * arrive meanwhile wait for their commit in place. No MHD_quiesce_daemon: with the epoll
     * thread pool, libmicrohttpd 0.9.75 races its workers removing the listen socket from their
     * epoll sets and can abort ("Failed to remove listen FD from epoll set"); MHD_stop_daemon
     * closes the socket anyway. */
    atomic_store(&srv->stopping, 1);
    for (int i = 0; i < 10000 && atomic_load(&srv->suspended) > 0; i++)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    MHD_stop_daemon(srv->daemon);
    free(srv);
}
