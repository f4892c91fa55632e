/* libFuzzer target: the JSON API on hostile requests. A store in a temporary directory (on
 * /dev/shm when there is one) holds a project with issues and events digested from the grouping
 * seeds; each input is one request:
 *
 *   byte 0: method (GET, POST, PUT, DELETE, PATCH by value % 5); bit 7 set: no Authorization
 *   then:   PATH '\n' [KEY=VALUE '&' ...] '\n' BODY      (PATH gets the /api/0/ prefix)
 *
 * Checks: a status between 200 and 599; a non-empty answer is valid JSON; without the token the
 * answer is 401. Requests change the store (rules, statuses, merges): that is part of the fuzzing. */
#include "api/api.h"
#include "grouping/digest.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/compress.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct api *api;
static char dir[64], auth[STORE_TOKEN_LEN + 16];
static struct pipeline_stats stats;

static const char *const SEEDS[] = {"tests/grouping/py_simple.json", "tests/fuzz/corpus/grouping/exception_group",
                                    "tests/fuzz/corpus/grouping/threads", "tests/fuzz/corpus/grouping/message",
                                    "tests/fuzz/corpus/grouping/bench_node"};

static void cleanup(void)
{
    api_free(api);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz_api: could not remove %s\n", dir);
}

static void die(const char *what, const char *err)
{
    fprintf(stderr, "fuzz_api: %s: %s (run from the repository root)\n", what, err);
    exit(1);
}

/* A project, a token, and a few issues with events, through the digest as the server does it. */
static void populate(void)
{
    char err[ERRMSG_SIZE], token[STORE_TOKEN_LEN + 1];
    struct store *s;
    struct store_project p;
    if (store_open(dir, &s, err) < 0 || store_project_create(s, "fuzz", &p, err) < 0 ||
        store_token_create(s, token, err) < 0)
        die("store", err);
    snprintf(auth, sizeof auth, "Bearer %s", token);
    struct digest_ctx *ctx = digest_ctx_new();
    if (!ctx || store_begin(s, err) < 0)
        die("digest", "cannot start");
    for (size_t i = 0; i < sizeof SEEDS / sizeof SEEDS[0]; i++) {
        json_error_t je;
        json_t *ev = json_load_file(SEEDS[i], 0, &je);
        if (!ev)
            die(SEEDS[i], je.text);
        char *text = json_dumps(ev, JSON_COMPACT);
        struct buf z = BUF_INIT;
        if (!text || zstd_compress_buf(text, strlen(text), &z) < 0)
            die(SEEDS[i], "cannot compress");
        char id[33];
        snprintf(id, sizeof id, "%032zx", i + 1);
        struct digest_outcome out;
        if (digest_event(ctx, s, p.id, id, 1.7e9 + (double)i, ev, z.data, z.len, &out, err) < 0)
            die(SEEDS[i], err);
        buf_free(&z);
        free(text);
        json_decref(ev);
    }
    if (store_commit(s, err) < 0)
        die("digest", err);
    digest_ctx_free(ctx);
    store_close(s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    snprintf(dir, sizeof dir, "%s/faultline-fuzz-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp(dir))
        die("mkdtemp", dir);
    populate();
    char err[ERRMSG_SIZE];
    struct api_config cfg = {.data_dir = dir, .public_url = "http://127.0.0.1:8000", .stats = &stats};
    if (api_new(&cfg, &api, err) < 0)
        die("api", err);
    atexit(cleanup);
    return 0;
}

struct query {
    char *keys[16], *values[16];
    int n;
};

static const char *query_get(void *ctx, const char *key)
{
    struct query *q = ctx;
    for (int i = 0; i < q->n; i++)
        if (!strcmp(q->keys[i], key))
            return q->values[i];
    return NULL;
}

static int query_all(void *ctx, const char *key, const char **values, int cap)
{
    struct query *q = ctx;
    int n = 0;
    for (int i = 0; i < q->n && n < cap; i++)
        if (!strcmp(q->keys[i], key))
            values[n++] = q->values[i];
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const METHODS[] = {"GET", "POST", "PUT", "DELETE", "PATCH"};
    if (size < 1)
        return 0;
    const char *method = METHODS[(data[0] & 0x7f) % 5];
    int with_auth = !(data[0] & 0x80);
    /* copy (NUL-terminated pieces) */
    char *in = malloc(size);
    if (!in)
        return 0;
    memcpy(in, data + 1, size - 1);
    in[size - 1] = '\0';
    char *path_end = memchr(in, '\n', size - 1);
    char *query_text = NULL, *body = NULL;
    size_t body_len = 0;
    if (path_end) {
        *path_end = '\0';
        query_text = path_end + 1;
        char *q_end = memchr(query_text, '\n', (size_t)(in + size - 1 - query_text));
        if (q_end) {
            *q_end = '\0';
            body = q_end + 1;
            body_len = (size_t)(in + size - 1 - body);
        }
    }
    char path[4096];
    snprintf(path, sizeof path, "/api/0/%s", in);
    struct query q = {.n = 0};
    for (char *save = NULL, *kv = query_text ? strtok_r(query_text, "&", &save) : NULL; kv && q.n < 16;
         kv = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(kv, '=');
        q.keys[q.n] = kv;
        q.values[q.n] = eq ? (*eq = '\0', eq + 1) : "";
        q.n++;
    }
    struct api_request req = {.method = method, .path = path, .authorization = with_auth ? auth : NULL,
                              .body = body, .body_len = body_len, .query = query_get,
                              .query_all = query_all, .query_ctx = &q};
    struct api_response resp = {.status = 0, .body = BUF_INIT};
    api_handle(api, &req, &resp);
    if (resp.status < 200 || resp.status > 599)
        abort();
    if (!with_auth && resp.status != 401)
        abort(); /* nothing is served without the token */
    if (resp.body.len) {
        json_error_t je;
        json_t *j = json_loadb(resp.body.data, resp.body.len, JSON_DECODE_ANY, &je);
        if (!j)
            abort(); /* every answer is JSON */
        json_decref(j);
    }
    buf_free(&resp.body);
    free(in);
    return 0;
}
