/* loadgen: HTTP/1.1 keep-alive load generator for faultline's ingestion endpoint.
 *
 * N connections, one thread each, send SDK-shaped error events in Sentry envelopes to
 * POST /api/<project>/envelope/ as fast as the server answers (closed loop), for a fixed
 * duration. Every request carries a fresh event id, so the server really stores every event
 * (a resent id would be deduplicated). Event bodies are built once per (size, issue type) as
 * templates; per request only the 32 hex digits of the event id are overwritten. A chosen fraction
 * of requests is sent gzip-compressed, as SDKs do; so that compressing does not eat the CPU the
 * server is measured on (both run on the same cores), each template is gzipped once with the id
 * in stored (uncompressed) deflate blocks, and a request only patches the id and the CRC-32.
 *
 * Prints one JSON object: requests, accepted (200), status counts, transport errors,
 * accepted events/s, latency percentiles (ms). --timeline FILE writes "second accepted" lines.
 *
 * usage: loadgen --url http://HOST:PORT/api/ID/envelope/ --key PUBLIC_KEY
 *                [--connections 16] [--duration 10] [--sizes 5000] [--gzip 0.3] [--types 20]
 *                [--timeline FILE]
 * --sizes is a comma list of event sizes in bytes, chosen uniformly per request (e.g. 5000,50000).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_SIZES   8
#define MAX_TYPES   64
#define MAX_SECONDS 7200

/* ---- small growable string ------------------------------------------------------------------ */

struct sb {
    char  *p;
    size_t len, cap;
};

static void sb_grow(struct sb *s, size_t extra)
{
    if (s->len + extra + 1 <= s->cap)
        return;
    size_t cap = s->cap ? s->cap : 1024;
    while (cap < s->len + extra + 1)
        cap *= 2;
    char *p = realloc(s->p, cap);
    if (!p) {
        fprintf(stderr, "loadgen: out of memory\n");
        exit(1);
    }
    s->p = p;
    s->cap = cap;
}

static void sb_add(struct sb *s, const void *data, size_t n)
{
    sb_grow(s, n);
    memcpy(s->p + s->len, data, n);
    s->len += n;
    s->p[s->len] = '\0';
}

static void sb_printf(struct sb *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *s, const char *fmt, ...)
{
    sb_grow(s, 256);
    for (;;) {
        size_t room = s->cap - s->len;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(s->p + s->len, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            fprintf(stderr, "loadgen: formatting failed\n");
            exit(1);
        }
        if ((size_t)n < room) {
            s->len += (size_t)n;
            return;
        }
        sb_grow(s, (size_t)n);
    }
}

/* ---- event templates ------------------------------------------------------------------------ */

#define ID_PLACEHOLDER "00000000000000000000000000000000"

struct template {
    struct sb body;         /* the whole envelope */
    size_t    id_off[2];    /* where the two copies of the event id start */
    struct sb gz;           /* the envelope gzipped, the ids in stored blocks; empty if that failed */
    size_t    gz_id_off[2]; /* where the ids are in gz */
};

static const char *TYPE_NAMES[] = {"KeyError", "ValueError", "TypeError", "AttributeError",
                                   "IndexError", "RuntimeError", "ZeroDivisionError", "OSError",
                                   "ConnectionError", "TimeoutError", "PermissionError", "LookupError"};
static const char *MODULES[] = {"app.api.orders", "app.api.users", "app.billing.invoice", "app.worker.tasks",
                                "app.db.session", "app.cache.redis", "app.auth.tokens", "app.search.index"};
static const char *VERBS[] = {"load", "save", "render", "parse", "validate", "sync", "fetch", "apply"};
static const char *NOUNS[] = {"order", "user", "invoice", "cart", "session", "report", "token", "queue"};

/* One stack frame in the shape of sentry-python's output, with source context and locals. */
static void add_frame(struct sb *s, int type, int i)
{
    const char *mod = MODULES[(type + i) % 8];
    sb_printf(s,
              "%s{\"filename\":\"%s.py\",\"abs_path\":\"/srv/app/%s.py\",\"module\":\"%s\","
              "\"function\":\"%s_%s_%d\",\"lineno\":%d,\"in_app\":%s,"
              "\"context_line\":\"        result = %s_%s(request, ctx, retries=%d)\","
              "\"pre_context\":[\"    def handler(self, request):\",\"        ctx = self.context(request)\","
              "\"        if not ctx.ready:\",\"            raise NotReady(ctx)\",\"        # call into the service\"],"
              "\"post_context\":[\"        return result\",\"\",\"    def close(self):\",\"        self.pool.close()\"],"
              "\"vars\":{\"self\":\"<%s.Handler object at 0x7f3a%08x>\",\"request\":\"<Request 'GET /%s/%d'>\","
              "\"retries\":\"%d\"}}",
              i ? "," : "", mod, mod, mod, VERBS[(type * 3 + i) % 8], NOUNS[(type + 2 * i) % 8], type, 10 + 7 * i,
              i % 3 ? "true" : "false", VERBS[i % 8], NOUNS[type % 8], i % 4, mod, (unsigned)(type * 7919 + i),
              NOUNS[i % 8], i, i % 4);
}

/* Builds an envelope around an event of about `size` bytes for issue type `type`. */
static void build_template(struct template *t, size_t size, int type)
{
    struct sb ev = {0};
    sb_printf(&ev,
              "{\"event_id\":\"" ID_PLACEHOLDER "\",\"timestamp\":%ld.123,\"platform\":\"python\","
              "\"level\":\"error\",\"logger\":\"app.worker\",\"server_name\":\"web-%d\","
              "\"release\":\"shop@2.4.1\",\"environment\":\"production\","
              "\"sdk\":{\"name\":\"sentry.python\",\"version\":\"1.9.10\","
              "\"packages\":[{\"name\":\"pypi:sentry-sdk\",\"version\":\"1.9.10\"}]},"
              "\"tags\":{\"region\":\"eu-west-1\",\"customer\":\"acme-%d\",\"endpoint\":\"/api/%s\"},"
              "\"user\":{\"id\":\"%d\",\"ip_address\":\"10.1.%d.%d\"},"
              "\"contexts\":{\"runtime\":{\"name\":\"CPython\",\"version\":\"3.11.2\"},"
              "\"os\":{\"name\":\"Linux\",\"version\":\"6.1.0\"},\"trace\":{\"trace_id\":\"%032x\",\"span_id\":\"%016x\"}},",
              (long)time(NULL), type % 5, type, NOUNS[type % 8], 1000 + type, type, type * 3 % 250,
              (unsigned)type * 2654435761u, (unsigned)type * 40503u);
    sb_printf(&ev, "\"exception\":{\"values\":[{\"type\":\"%s\",\"value\":\"%s %s_%d failed after %d attempts\","
                   "\"module\":\"builtins\",\"mechanism\":{\"type\":\"generic\",\"handled\":false},"
                   "\"stacktrace\":{\"frames\":[",
              TYPE_NAMES[type % 12], VERBS[type % 8], NOUNS[(type / 8) % 8], type, 3 + type % 4);
    /* Frames until about 3/4 of the target, then breadcrumbs, then padding in extra. */
    for (int i = 0; ev.len < size * 3 / 4 || i < 3; i++)
        add_frame(&ev, type, i);
    sb_printf(&ev, "]}}]},\"breadcrumbs\":{\"values\":[");
    for (int i = 0; ev.len + 200 < size || i < 2; i++)
        sb_printf(&ev, "%s{\"timestamp\":%ld.%03d,\"category\":\"http\",\"type\":\"http\",\"level\":\"info\","
                       "\"data\":{\"method\":\"GET\",\"url\":\"https://api.internal/%s/%d\",\"status_code\":200}}",
                  i ? "," : "", (long)time(NULL) - 60 + i, i % 1000, NOUNS[i % 8], i);
    sb_printf(&ev, "]},\"extra\":{\"pad\":\"");
    while (ev.len + 3 < size)
        sb_add(&ev, "x", 1);
    sb_add(&ev, "\"}}", 3);

    sb_printf(&t->body, "{\"event_id\":\"");
    t->id_off[0] = t->body.len;
    sb_printf(&t->body, ID_PLACEHOLDER "\",\"sent_at\":\"2026-01-01T00:00:00.000Z\","
                        "\"sdk\":{\"name\":\"sentry.python\",\"version\":\"1.9.10\"}}\n"
                        "{\"type\":\"event\",\"content_type\":\"application/json\",\"length\":%zu}\n",
              ev.len);
    char *idp = strstr(ev.p, ID_PLACEHOLDER);
    t->id_off[1] = t->body.len + (size_t)(idp - ev.p);
    sb_add(&t->body, ev.p, ev.len);
    sb_add(&t->body, "\n", 1);
    free(ev.p);
}

/* Deflates body[from, to) into gz, ending on a byte boundary with a full flush, so that later
 * data refers to none of it and a stored block may follow. */
static int deflate_part(z_stream *zs, struct sb *gz, const char *body, size_t from, size_t to, int flush)
{
    zs->next_in = (Bytef *)body + from;
    zs->avail_in = (uInt)(to - from);
    do {
        sb_grow(gz, 65536);
        zs->next_out = (Bytef *)gz->p + gz->len;
        zs->avail_out = (uInt)(gz->cap - gz->len - 1);
        int rc = deflate(zs, flush);
        gz->len = gz->cap - 1 - zs->avail_out;
        if (rc == Z_STREAM_ERROR)
            return -1;
    } while (zs->avail_in > 0 || zs->avail_out == 0);
    return 0;
}

/* Builds t->gz: the envelope compressed, except the two ids, which go in level-0 (stored) blocks
 * between full flushes and can be overwritten in place. Checked by inflating it back. */
static void build_gzip_template(struct template *t)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return;
    size_t at = 0;
    int ok = 1;
    for (int k = 0; ok && k < 2; k++) {
        ok = deflate_part(&zs, &t->gz, t->body.p, at, t->id_off[k], Z_FULL_FLUSH) == 0 &&
             deflateParams(&zs, 0, Z_DEFAULT_STRATEGY) == Z_OK;
        size_t before = t->gz.len;
        ok = ok && deflate_part(&zs, &t->gz, t->body.p, t->id_off[k], t->id_off[k] + 32, Z_FULL_FLUSH) == 0 &&
             deflateParams(&zs, Z_DEFAULT_COMPRESSION, Z_DEFAULT_STRATEGY) == Z_OK;
        char *id = ok ? memmem(t->gz.p + before, t->gz.len - before, ID_PLACEHOLDER, 32) : NULL;
        ok = id != NULL;
        if (ok)
            t->gz_id_off[k] = (size_t)(id - t->gz.p);
        at = t->id_off[k] + 32;
    }
    ok = ok && deflate_part(&zs, &t->gz, t->body.p, at, t->body.len, Z_FINISH) == 0;
    deflateEnd(&zs);
    /* Round trip with a different id, to be sure the patching works. */
    if (ok) {
        memset(t->gz.p + t->gz_id_off[0], 'a', 32);
        memset(t->gz.p + t->gz_id_off[1], 'a', 32);
        struct sb copy = {0}, back = {0};
        sb_add(&copy, t->body.p, t->body.len);
        memset(copy.p + t->id_off[0], 'a', 32);
        memset(copy.p + t->id_off[1], 'a', 32);
        uint32_t crc = (uint32_t)crc32(0, (const Bytef *)copy.p, (uInt)copy.len);
        memcpy(t->gz.p + t->gz.len - 8, (unsigned char[4]){crc, crc >> 8, crc >> 16, crc >> 24}, 4);
        sb_grow(&back, copy.len + 16);
        z_stream is;
        memset(&is, 0, sizeof is);
        ok = inflateInit2(&is, 31) == Z_OK;
        if (ok) {
            is.next_in = (Bytef *)t->gz.p;
            is.avail_in = (uInt)t->gz.len;
            is.next_out = (Bytef *)back.p;
            is.avail_out = (uInt)(back.cap - 1);
            ok = inflate(&is, Z_FINISH) == Z_STREAM_END && is.total_out == copy.len &&
                 memcmp(back.p, copy.p, copy.len) == 0;
            inflateEnd(&is);
        }
        free(copy.p);
        free(back.p);
    }
    if (!ok) {
        fprintf(stderr, "loadgen: cannot build a patchable gzip template; compressing per request\n");
        t->gz.len = 0;
    }
}

/* ---- configuration and shared state -------------------------------------------------------- */

static struct {
    char        host[256];
    char        port[16];
    char        path[512];
    const char *key;
    int         connections;
    double      duration;
    size_t      sizes[MAX_SIZES];
    int         nsizes;
    double      gzip_fraction;
    int         types;
    const char *timeline;
} cfg = {.connections = 16, .duration = 10, .gzip_fraction = 0.3, .types = 20};

static struct template templates[MAX_SIZES][MAX_TYPES];
static atomic_int stop_flag;
static atomic_long per_second[MAX_SECONDS];
static double t_start;

struct worker {
    pthread_t  thread;
    int        id;
    uint64_t   rng;
    long       requests, accepted, errors, bytes_sent;
    long       status[6];            /* by class: [2]=2xx ... [5]=5xx; [0] other */
    long       s429, s413, s400;
    uint32_t  *lat_us;               /* latency of every answered request, microseconds */
    size_t     nlat, caplat;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* ---- HTTP ----------------------------------------------------------------------------------- */

static int connect_server(void)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai;
    if (getaddrinfo(cfg.host, cfg.port, &hints, &ai) != 0)
        return -1;
    int fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct timeval tv = {.tv_sec = 30};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads one response; returns the status code (and *close_after), or -1 on a transport error. */
static int read_response(int fd, struct sb *in, int *close_after)
{
    in->len = 0;
    size_t head_end = 0;
    for (;;) {
        sb_grow(in, 4096);
        ssize_t r = recv(fd, in->p + in->len, in->cap - in->len - 1, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        in->len += (size_t)r;
        in->p[in->len] = '\0';
        char *e = strstr(in->p, "\r\n\r\n");
        if (e) {
            head_end = (size_t)(e - in->p) + 4;
            break;
        }
        if (in->len > 65536)
            return -1;
    }
    int status = 0;
    if (sscanf(in->p, "HTTP/1.%*d %d", &status) != 1)
        return -1;
    long clen = -1;
    int chunked = 0;
    *close_after = 0;
    for (char *line = strstr(in->p, "\r\n") + 2; line < in->p + head_end - 2;) {
        char *eol = strstr(line, "\r\n");
        if (strncasecmp(line, "Content-Length:", 15) == 0)
            clen = strtol(line + 15, NULL, 10);
        else if (strncasecmp(line, "Transfer-Encoding:", 18) == 0 && strcasestr(line, "chunked") &&
                 strcasestr(line, "chunked") < eol)
            chunked = 1;
        else if (strncasecmp(line, "Connection:", 11) == 0 && strcasestr(line, "close") &&
                 strcasestr(line, "close") < eol)
            *close_after = 1;
        line = eol + 2;
    }
    if (chunked) {
        /* read until the terminating zero-size chunk (bodies here are small) */
        while (!strstr(in->p + head_end, "0\r\n\r\n")) {
            sb_grow(in, 4096);
            ssize_t r = recv(fd, in->p + in->len, in->cap - in->len - 1, 0);
            if (r <= 0)
                return -1;
            in->len += (size_t)r;
            in->p[in->len] = '\0';
        }
    } else if (clen >= 0) {
        while (in->len < head_end + (size_t)clen) {
            sb_grow(in, 4096);
            ssize_t r = recv(fd, in->p + in->len, in->cap - in->len - 1, 0);
            if (r <= 0)
                return -1;
            in->len += (size_t)r;
        }
    } else {
        *close_after = 1;
    }
    return status;
}

static void put_id(char *dst, uint64_t a, uint64_t b)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        dst[i] = hex[(a >> (60 - 4 * i)) & 15];
        dst[16 + i] = hex[(b >> (60 - 4 * i)) & 15];
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct sb body = {0}, req = {0}, in = {0}, gz = {0};
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    int fd = -1;
    while (!atomic_load(&stop_flag)) {
        if (fd < 0 && (fd = connect_server()) < 0) {
            w->errors++;
            usleep(10000);
            continue;
        }
        uint64_t r = xorshift(&w->rng);
        struct template *t = &templates[r % (uint64_t)cfg.nsizes][(r >> 8) % (uint64_t)cfg.types];
        body.len = 0;
        sb_add(&body, t->body.p, t->body.len);
        uint64_t a = xorshift(&w->rng), b = xorshift(&w->rng);
        put_id(body.p + t->id_off[0], a, b);
        put_id(body.p + t->id_off[1], a, b);
        const char *payload = body.p;
        size_t plen = body.len;
        int gzipped = (double)(xorshift(&w->rng) % 10000) < cfg.gzip_fraction * 10000;
        if (gzipped && t->gz.len) {
            gz.len = 0;
            sb_add(&gz, t->gz.p, t->gz.len);
            memcpy(gz.p + t->gz_id_off[0], body.p + t->id_off[0], 32);
            memcpy(gz.p + t->gz_id_off[1], body.p + t->id_off[1], 32);
            uint32_t crc = (uint32_t)crc32(0, (const Bytef *)body.p, (uInt)body.len);
            memcpy(gz.p + gz.len - 8, (unsigned char[4]){crc, crc >> 8, crc >> 16, crc >> 24}, 4);
            payload = gz.p;
            plen = gz.len;
        } else if (gzipped) {
            deflateReset(&zs);
            gz.len = 0;
            sb_grow(&gz, deflateBound(&zs, body.len));
            zs.next_in = (Bytef *)body.p;
            zs.avail_in = (uInt)body.len;
            zs.next_out = (Bytef *)gz.p;
            zs.avail_out = (uInt)(gz.cap - 1);
            if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
                gzipped = 0;
            else {
                gz.len = zs.total_out;
                payload = gz.p;
                plen = gz.len;
            }
        }
        req.len = 0;
        sb_printf(&req,
                  "POST %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: faultline-loadgen/1.0\r\n"
                  "X-Sentry-Auth: Sentry sentry_version=7, sentry_client=faultline-loadgen/1.0, sentry_key=%s\r\n"
                  "Content-Type: application/x-sentry-envelope\r\n%sContent-Length: %zu\r\n\r\n",
                  cfg.path, cfg.host, cfg.port, cfg.key, gzipped ? "Content-Encoding: gzip\r\n" : "", plen);
        sb_add(&req, payload, plen);

        double t0 = now_s();
        int close_after = 0, status = -1;
        if (send_all(fd, req.p, req.len) == 0)
            status = read_response(fd, &in, &close_after);
        double t1 = now_s();
        w->requests++;
        if (status < 0) {
            w->errors++;
            close(fd);
            fd = -1;
            continue;
        }
        w->bytes_sent += (long)req.len;
        w->status[status / 100 < 6 ? status / 100 : 0]++;
        if (status == 200) {
            w->accepted++;
            long sec = (long)(t1 - t_start);
            if (sec >= 0 && sec < MAX_SECONDS)
                atomic_fetch_add(&per_second[sec], 1);
        } else if (status == 429) {
            w->s429++;
        } else if (status == 413) {
            w->s413++;
        } else if (status == 400) {
            w->s400++;
        }
        if (w->nlat == w->caplat) {
            w->caplat = w->caplat ? w->caplat * 2 : 65536;
            w->lat_us = realloc(w->lat_us, w->caplat * sizeof *w->lat_us);
            if (!w->lat_us) {
                fprintf(stderr, "loadgen: out of memory\n");
                exit(1);
            }
        }
        w->lat_us[w->nlat++] = (uint32_t)((t1 - t0) * 1e6);
        if (close_after) {
            close(fd);
            fd = -1;
        }
    }
    if (fd >= 0)
        close(fd);
    deflateEnd(&zs);
    free(body.p);
    free(req.p);
    free(in.p);
    free(gz.p);
    return NULL;
}

/* ---- main ----------------------------------------------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void usage(void)
{
    fprintf(stderr, "usage: loadgen --url http://HOST:PORT/api/ID/envelope/ --key KEY [--connections N]\n"
                    "               [--duration SECONDS] [--sizes 5000[,50000]] [--gzip FRACTION] [--types N]\n"
                    "               [--timeline FILE]\n");
    exit(2);
}

static int parse_url(const char *url)
{
    if (strncmp(url, "http://", 7) != 0)
        return -1;
    const char *h = url + 7, *slash = strchr(h, '/'), *colon = strchr(h, ':');
    if (!slash)
        return -1;
    if (colon && colon < slash) {
        snprintf(cfg.host, sizeof cfg.host, "%.*s", (int)(colon - h), h);
        snprintf(cfg.port, sizeof cfg.port, "%.*s", (int)(slash - colon - 1), colon + 1);
    } else {
        snprintf(cfg.host, sizeof cfg.host, "%.*s", (int)(slash - h), h);
        snprintf(cfg.port, sizeof cfg.port, "80");
    }
    snprintf(cfg.path, sizeof cfg.path, "%s", slash);
    return 0;
}

int main(int argc, char **argv)
{
    const char *url = NULL, *sizes = "5000";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        if (!strcmp(a, "--url"))
            url = v;
        else if (!strcmp(a, "--key"))
            cfg.key = v;
        else if (!strcmp(a, "--connections"))
            cfg.connections = atoi(v);
        else if (!strcmp(a, "--duration"))
            cfg.duration = atof(v);
        else if (!strcmp(a, "--sizes"))
            sizes = v;
        else if (!strcmp(a, "--gzip"))
            cfg.gzip_fraction = atof(v);
        else if (!strcmp(a, "--types"))
            cfg.types = atoi(v);
        else if (!strcmp(a, "--timeline"))
            cfg.timeline = v;
        else
            usage();
        i++;
    }
    if (!url || !cfg.key || parse_url(url) != 0 || cfg.connections < 1 || cfg.connections > 4096 ||
        cfg.duration <= 0 || cfg.duration > MAX_SECONDS || cfg.types < 1 || cfg.types > MAX_TYPES)
        usage();
    for (const char *p = sizes; *p && cfg.nsizes < MAX_SIZES;) {
        char *end;
        long n = strtol(p, &end, 10);
        if (end == p || n < 1000 || n > 900000)
            usage();
        cfg.sizes[cfg.nsizes++] = (size_t)n;
        p = *end == ',' ? end + 1 : end;
    }
    for (int s = 0; s < cfg.nsizes; s++)
        for (int t = 0; t < cfg.types; t++)
            build_template(&templates[s][t], cfg.sizes[s], t);
    if (cfg.gzip_fraction > 0)
        for (int s = 0; s < cfg.nsizes; s++)
            for (int t = 0; t < cfg.types; t++)
                build_gzip_template(&templates[s][t]);

    struct worker *ws = calloc((size_t)cfg.connections, sizeof *ws);
    if (!ws)
        return 1;
    t_start = now_s();
    for (int i = 0; i < cfg.connections; i++) {
        ws[i].id = i;
        ws[i].rng = 0x9E3779B97F4A7C15ull ^ ((uint64_t)time(NULL) << 20) ^ (uint64_t)(i + 1) * 0xD1B54A32D192ED03ull;
        if (pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]) != 0) {
            fprintf(stderr, "loadgen: cannot start thread %d\n", i);
            return 1;
        }
    }
    while (now_s() - t_start < cfg.duration)
        usleep(20000);
    atomic_store(&stop_flag, 1);
    for (int i = 0; i < cfg.connections; i++)
        pthread_join(ws[i].thread, NULL);
    double elapsed = now_s() - t_start;

    long requests = 0, accepted = 0, errors = 0, bytes = 0, s429 = 0, s413 = 0, s400 = 0, cls[6] = {0};
    size_t nlat = 0;
    for (int i = 0; i < cfg.connections; i++) {
        requests += ws[i].requests;
        accepted += ws[i].accepted;
        errors += ws[i].errors;
        bytes += ws[i].bytes_sent;
        s429 += ws[i].s429;
        s413 += ws[i].s413;
        s400 += ws[i].s400;
        for (int c = 0; c < 6; c++)
            cls[c] += ws[i].status[c];
        nlat += ws[i].nlat;
    }
    uint32_t *lat = malloc((nlat ? nlat : 1) * sizeof *lat);
    if (!lat)
        return 1;
    size_t k = 0;
    for (int i = 0; i < cfg.connections; i++) {
        if (ws[i].nlat)
            memcpy(lat + k, ws[i].lat_us, ws[i].nlat * sizeof *lat);
        k += ws[i].nlat;
        free(ws[i].lat_us);
    }
    qsort(lat, nlat, sizeof *lat, cmp_u32);
#define PCT(p) (nlat ? lat[(size_t)((double)(nlat - 1) * (p))] / 1000.0 : 0.0)
    printf("{\"url\":\"%s\",\"connections\":%d,\"duration_s\":%.2f,\"sizes\":[", url, cfg.connections, elapsed);
    for (int s = 0; s < cfg.nsizes; s++)
        printf("%s%zu", s ? "," : "", cfg.sizes[s]);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                 (double)ru.ru_stime.tv_usec / 1e6;
    printf("],\"loadgen_cpu_s\":%.2f,\"gzip_fraction\":%.2f,\"issue_types\":%d,\"requests\":%ld,\"accepted\":%ld,"
           "\"status\":{\"2xx\":%ld,\"4xx\":%ld,\"5xx\":%ld,\"400\":%ld,\"413\":%ld,\"429\":%ld},"
           "\"transport_errors\":%ld,\"accepted_per_s\":%.1f,\"mbytes_sent_per_s\":%.2f,"
           "\"latency_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f}}\n",
           cpu, cfg.gzip_fraction, cfg.types, requests, accepted, cls[2], cls[4], cls[5], s400, s413, s429, errors,
           (double)accepted / elapsed, (double)bytes / elapsed / 1e6, PCT(0.50), PCT(0.90), PCT(0.99),
           PCT(0.999), nlat ? lat[nlat - 1] / 1000.0 : 0.0);
    if (cfg.timeline) {
        FILE *f = fopen(cfg.timeline, "w");
        if (f) {
            for (long s = 0; s < (long)elapsed + 1 && s < MAX_SECONDS; s++)
                fprintf(f, "%ld %ld\n", s, atomic_load(&per_second[s]));
            fclose(f);
        }
    }
    free(lat);
    free(ws);
    for (int s = 0; s < cfg.nsizes; s++)
        for (int t = 0; t < cfg.types; t++)
            free(templates[s][t].body.p);
    return accepted > 0 ? 0 : 1;
}
