/* faultline serve | project | token: the server and its administration commands. */
#include "cli/cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "grouping/digest.h"
#include "grouping/similarity.h"
#include "http/http.h"
#include "ingest/ingest.h"
#include "store/store.h"

#define DEFAULT_LISTEN "127.0.0.1:8000"
#define DEFAULT_DATA "./data"

/* Settings common to the server commands: flag, then FAULTLINE_* environment, then default. */
struct server_opts {
    const char *listen;
    const char *data;
    const char *public_url;
    const char *max_event;
    const char *max_request;
    const char *max_decompressed;
    const char *inbox_max;
    const char *http_threads;
};

/* Consumes one server option at argv[*i]; returns 1 if taken, 0 if not ours, -1 on error. */
static int take_server_opt(int argc, char **argv, int *i, struct server_opts *o)
{
    static const struct { const char *flag; size_t offset; } opts[] = {
        {"--listen", offsetof(struct server_opts, listen)},
        {"--data", offsetof(struct server_opts, data)},
        {"--public-url", offsetof(struct server_opts, public_url)},
        {"--max-event-size", offsetof(struct server_opts, max_event)},
        {"--max-request-size", offsetof(struct server_opts, max_request)},
        {"--max-decompressed-size", offsetof(struct server_opts, max_decompressed)},
        {"--inbox-max", offsetof(struct server_opts, inbox_max)},
        {"--http-threads", offsetof(struct server_opts, http_threads)},
    };
    for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++) {
        const char *v;
        int r = cli_take_value(argc, argv, i, opts[k].flag, &v);
        if (r != 0) {
            if (r > 0)
                *(const char **)((char *)o + opts[k].offset) = v;
            return r;
        }
    }
    return 0;
}

static void resolve_opts(struct server_opts *o, char *public_url, size_t cap)
{
    o->listen = cli_setting(o->listen, "FAULTLINE_LISTEN", DEFAULT_LISTEN);
    o->data = cli_setting(o->data, "FAULTLINE_DATA", DEFAULT_DATA);
    o->max_event = cli_setting(o->max_event, "FAULTLINE_MAX_EVENT_SIZE", NULL);
    o->max_request = cli_setting(o->max_request, "FAULTLINE_MAX_REQUEST_SIZE", NULL);
    o->max_decompressed = cli_setting(o->max_decompressed, "FAULTLINE_MAX_DECOMPRESSED_SIZE", NULL);
    o->inbox_max = cli_setting(o->inbox_max, "FAULTLINE_INBOX_MAX", NULL);
    o->http_threads = cli_setting(o->http_threads, "FAULTLINE_HTTP_THREADS", NULL);
    const char *url = cli_setting(o->public_url, "FAULTLINE_PUBLIC_URL", NULL);
    if (url) {
        snprintf(public_url, cap, "%s", url);
    } else {
        /* A wildcard listen address is not something an SDK can connect to. */
        const char *listen = o->listen;
        if (strncmp(listen, "0.0.0.0:", 8) == 0)
            snprintf(public_url, cap, "http://127.0.0.1:%s", listen + 8);
        else if (listen[0] == ':')
            snprintf(public_url, cap, "http://127.0.0.1%s", listen);
        else
            snprintf(public_url, cap, "http://%s", listen);
    }
    o->public_url = public_url;
}

/* Parses a size such as 1048576, 512K, 20M, 1G. */
static int parse_size(const char *text, const char *name, long long *out)
{
    if (!text)
        return 0;
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    long long mult = 1;
    if (*end == 'k' || *end == 'K')
        mult = 1024, end++;
    else if (*end == 'm' || *end == 'M')
        mult = 1024 * 1024, end++;
    else if (*end == 'g' || *end == 'G')
        mult = 1024LL * 1024 * 1024, end++;
    if (errno || end == text || *end || v <= 0 || v > (1LL << 40) / mult) {
        fprintf(stderr, "faultline: invalid %s '%s' (a positive number, optionally with K, M or G)\n", name,
                text);
        return -1;
    }
    *out = v * mult;
    return 0;
}

static int open_store(const char *data, struct store **s)
{
    char err[ERRMSG_SIZE];
    if (store_open(data, s, err) < 0) {
        fprintf(stderr, "faultline: %s\n", err);
        return -1;
    }
    return 0;
}

static const char SERVE_HELP[] =
    "usage: faultline serve [--listen HOST:PORT] [--data DIR] [--public-url URL] [limits]\n"
    "\n"
    "Runs the Sentry-compatible ingestion endpoints, the digest worker and the JSON API.\n"
    "On first start it creates the project 'default' and prints its DSN.\n"
    "\n"
    "  --listen HOST:PORT           FAULTLINE_LISTEN, default " DEFAULT_LISTEN "\n"
    "  --data DIR                   FAULTLINE_DATA, default " DEFAULT_DATA "\n"
    "  --public-url URL             FAULTLINE_PUBLIC_URL, base of DSNs, default http://LISTEN\n"
    "  --max-event-size N           FAULTLINE_MAX_EVENT_SIZE, default 1M\n"
    "  --max-request-size N         FAULTLINE_MAX_REQUEST_SIZE (as sent), default 20M\n"
    "  --max-decompressed-size N    FAULTLINE_MAX_DECOMPRESSED_SIZE, default 100M\n"
    "  --inbox-max N                FAULTLINE_INBOX_MAX, events waiting before 429, default 100000\n"
    "  --http-threads N             FAULTLINE_HTTP_THREADS, HTTP polling threads, default one per core (min 2)\n"
    "\n"
    "Precedence: flag, then environment variable, then default.\n";

int cmd_serve(int argc, char **argv)
{
    struct server_opts o = {0};
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(SERVE_HELP, stdout);
            return 0;
        }
        int r = take_server_opt(argc, argv, &i, &o);
        if (r < 0)
            return 2;
        if (r == 0) {
            fprintf(stderr, "faultline serve: unknown argument '%s'\n\n%s", argv[i], SERVE_HELP);
            return 2;
        }
    }
    char public_url[512];
    resolve_opts(&o, public_url, sizeof public_url);

    struct ingest_limits limits;
    ingest_limits_default(&limits);
    long long v;
    if (parse_size(o.max_event, "max event size", &v) < 0)
        return 2;
    if (o.max_event)
        limits.max_event = (size_t)v;
    if (parse_size(o.max_request, "max request size", &v) < 0)
        return 2;
    if (o.max_request)
        limits.max_request = (size_t)v;
    if (parse_size(o.max_decompressed, "max decompressed size", &v) < 0)
        return 2;
    if (o.max_decompressed)
        limits.max_decompressed = (size_t)v;
    if (parse_size(o.inbox_max, "inbox max", &v) < 0)
        return 2;
    if (o.inbox_max)
        limits.inbox_max = v;
    int http_threads = 0;
    if (o.http_threads) {
        char *end;
        long t = strtol(o.http_threads, &end, 10);
        if (*end || end == o.http_threads || t < 1 || t > 256) {
            fprintf(stderr, "faultline serve: --http-threads wants a number from 1 to 256, not '%s'\n",
                    o.http_threads);
            return 2;
        }
        http_threads = (int)t;
    }

    char host[256];
    int port;
    if (http_parse_listen(o.listen, host, sizeof host, &port) < 0) {
        fprintf(stderr, "faultline serve: invalid listen address '%s' (want HOST:PORT)\n", o.listen);
        return 2;
    }

    /* First start: a default project, so there is a DSN to paste right away. */
    struct store *s;
    if (open_store(o.data, &s) < 0)
        return 1;
    char err[ERRMSG_SIZE];
    struct store_project *projects;
    int n = store_project_list(s, &projects, err);
    if (n < 0) {
        fprintf(stderr, "faultline serve: %s\n", err);
        store_close(s);
        return 1;
    }
    struct store_project first;
    if (n == 0 && store_project_create(s, "default", &first, err) < 0) {
        fprintf(stderr, "faultline serve: %s\n", err);
        free(projects);
        store_close(s);
        return 1;
    }
    if (n > 0)
        first = projects[0];
    free(projects);
    store_close(s);

    /* Block the stop signals before any thread starts, so only sigwait() below sees them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    static struct pipeline_stats stats;
    struct ingest *ingest = NULL;
    struct api *api = NULL;
    struct digest_worker *digest = NULL;
    struct http_server *http = NULL;
    struct similarity *sim = NULL;
    /* Similarity grouping needs the encoder; without one the server groups by hash alone. */
    if (similarity_new(cli_setting(NULL, "FAULTLINE_MODEL", NULL), &sim, err) < 0) {
        fprintf(stderr, "faultline serve: similarity grouping off: %s\n", err);
        sim = NULL;
    } else {
        char index_dir[4200];
        snprintf(index_dir, sizeof index_dir, "%s/indexes", o.data);
        similarity_set_index_dir(sim, index_dir);
    }
    struct ingest_config icfg = {.data_dir = o.data, .limits = limits, .stats = &stats};
    struct api_config acfg = {.data_dir = o.data, .public_url = o.public_url, .stats = &stats, .sim = sim};
    int rc = 1;
    if (ingest_new(&icfg, &ingest, err) < 0 || api_new(&acfg, &api, err) < 0 ||
        digest_worker_start(o.data, &stats, sim, &digest, err) < 0) {
        fprintf(stderr, "faultline serve: %s\n", err);
        goto out;
    }
    struct http_config hcfg = {.host = host, .port = port, .max_request = limits.max_request, .threads = http_threads,
                               .ingest = ingest, .api = api};
    if (http_start(&hcfg, &http, err) < 0) {
        fprintf(stderr, "faultline serve: %s\n", err);
        goto out;
    }
    char dsn[768];
    api_format_dsn(o.public_url, first.public_key, (long long)first.id, dsn, sizeof dsn);
    printf("faultline listening on %s (data in %s)\n", o.listen, o.data);
    printf("DSN: %s\n", dsn);
    fflush(stdout);

    int sig;
    sigwait(&stop, &sig);
    fprintf(stderr, "faultline: stopping (signal %d)\n", sig);
    rc = 0;
out:
    http_stop(http);
    ingest_free(ingest);
    digest_worker_stop(digest);
    api_free(api);
    /* Saved indexes spare the next start a rebuild (a stale or damaged one is rebuilt anyway). */
    if (sim && similarity_save_indexes(sim, err) < 0)
        fprintf(stderr, "faultline serve: %s\n", err);
    similarity_free(sim);
    return rc;
}

static const char PROJECT_HELP[] =
    "usage: faultline project create NAME [--data DIR] [--public-url URL]\n"
    "       faultline project list [--data DIR] [--public-url URL]\n"
    "\n"
    "create prints the new project's DSN as the last line of stdout; list prints\n"
    "ID<TAB>NAME<TAB>DSN per project. --data: FAULTLINE_DATA, default " DEFAULT_DATA ".\n";

int cmd_project(int argc, char **argv)
{
    struct server_opts o = {0};
    const char *action = NULL, *name = NULL;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(PROJECT_HELP, stdout);
            return 0;
        }
        int r = take_server_opt(argc, argv, &i, &o);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        if (!action)
            action = argv[i];
        else if (!name)
            name = argv[i];
        else {
            fprintf(stderr, "faultline project: unexpected argument '%s'\n\n%s", argv[i], PROJECT_HELP);
            return 2;
        }
    }
    int create = action && strcmp(action, "create") == 0, list = action && strcmp(action, "list") == 0;
    if ((!create && !list) || (create && !name) || (list && name)) {
        fputs(PROJECT_HELP, stderr);
        return 2;
    }
    char public_url[512], dsn[768], err[ERRMSG_SIZE];
    resolve_opts(&o, public_url, sizeof public_url);
    struct store *s;
    if (open_store(o.data, &s) < 0)
        return 1;
    int rc = 0;
    if (create) {
        struct store_project p;
        if (store_project_create(s, name, &p, err) < 0) {
            fprintf(stderr, "faultline project create: %s\n", err);
            rc = 1;
        } else {
            api_format_dsn(o.public_url, p.public_key, (long long)p.id, dsn, sizeof dsn);
            printf("created project %lld '%s' (slug %s)\n%s\n", (long long)p.id, p.name, p.slug, dsn);
        }
    } else {
        struct store_project *ps;
        int n = store_project_list(s, &ps, err);
        if (n < 0) {
            fprintf(stderr, "faultline project list: %s\n", err);
            rc = 1;
        }
        for (int i = 0; i < n; i++) {
            api_format_dsn(o.public_url, ps[i].public_key, (long long)ps[i].id, dsn, sizeof dsn);
            printf("%lld\t%s\t%s\n", (long long)ps[i].id, ps[i].name, dsn);
        }
        if (n >= 0)
            free(ps);
    }
    store_close(s);
    return rc;
}

static const char TOKEN_HELP[] =
    "usage: faultline token create [--data DIR]\n"
    "\n"
    "Creates an API token and prints it as the last line of stdout. Use it as\n"
    "'Authorization: Bearer TOKEN'. Only a SHA-256 of the token is stored.\n";

int cmd_token(int argc, char **argv)
{
    struct server_opts o = {0};
    const char *action = NULL;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(TOKEN_HELP, stdout);
            return 0;
        }
        int r = take_server_opt(argc, argv, &i, &o);
        if (r < 0)
            return 2;
        if (r == 0 && !action)
            action = argv[i];
        else if (r == 0) {
            fputs(TOKEN_HELP, stderr);
            return 2;
        }
    }
    if (!action || strcmp(action, "create") != 0) {
        fputs(TOKEN_HELP, stderr);
        return 2;
    }
    char public_url[512], err[ERRMSG_SIZE], token[STORE_TOKEN_LEN + 1];
    resolve_opts(&o, public_url, sizeof public_url);
    struct store *s;
    if (open_store(o.data, &s) < 0)
        return 1;
    int rc = store_token_create(s, token, err);
    store_close(s);
    if (rc < 0) {
        fprintf(stderr, "faultline token create: %s\n", err);
        return 1;
    }
    printf("%s\n", token);
    return 0;
}
