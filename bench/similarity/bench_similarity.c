/* bench/similarity: cost of the new-fingerprint path (canonical text, embed, search, decide) with
 * N issues already indexed in the project, and digest throughput at 0%, 10% and 100% new
 * fingerprints. Runs the real digest_event() over a real SQLite store in a temporary directory.
 *
 *   build/bench/bench_similarity [--issues N] [--events M] [--out FILE]
 *
 * The N existing issues get random unit vectors (embedding 100,000 texts would measure the encoder,
 * not the search); every measured event is a real Sentry event embedded by the real encoder. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "grouping/digest.h"
#include "grouping/similarity.h"
#include "store/store.h"
#include "util/compress.h"

static double now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double percentile(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    int i = (int)(p * (n - 1) + 0.5);
    return v[i];
}

/* A Python-SDK-shaped event; `variant` picks the function names, so a new variant is a new
 * fingerprint. 12 frames, a context line each. */
static json_t *make_event(int variant)
{
    json_t *frames = json_array();
    const char *mods[] = {"app.web", "app.views", "app.services", "app.models", "app.db", "app.util"};
    for (int i = 0; i < 12; i++) {
        char fn[64], ctx[128], file[64];
        snprintf(fn, sizeof fn, "step_%d_of_path_%d", i, variant);
        snprintf(ctx, sizeof ctx, "result = step_%d_of_path_%d(request, payload)", i + 1, variant);
        snprintf(file, sizeof file, "%s.py", mods[i % 6] + 4);
        json_array_append_new(frames, json_pack("{s:s,s:s,s:s,s:i,s:s,s:b}", "function", fn, "module", mods[i % 6],
                                                "filename", file, "lineno", 10 + i, "context_line", ctx,
                                                "in_app", 1));
    }
    char value[96];
    snprintf(value, sizeof value, "order %d could not be loaded", variant * 7 + 3);
    return json_pack("{s:s,s:s,s:{s:[{s:s,s:s,s:{s:o}}]}}", "platform", "python", "level", "error", "exception",
                     "values", "type", "LookupError", "value", value, "stacktrace", "frames", frames);
}

static void random_unit(float *v, int dim, unsigned *seed)
{
    double norm = 0;
    for (int i = 0; i < dim; i++) {
        v[i] = (float)(rand_r(seed) / (double)RAND_MAX - 0.5);
        norm += (double)v[i] * v[i];
    }
    for (int i = 0; i < dim; i++)
        v[i] = (float)(v[i] / sqrt(norm));
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Digests `n` events; `new_every` = 0: all repeat one known fingerprint; 1: all new; 10: one in
 * ten new. Returns events/s; per-event seconds go to lat (if not NULL). */
static double run_events(struct digest_ctx *ctx, struct store *s, int64_t project, int n, int new_every,
                         int *next_variant, double *lat, double *cpu_rate)
{
    char err[ERRMSG_SIZE];
    double t0 = now(), c0 = cpu_now();
    store_begin(s, err);
    for (int i = 0; i < n; i++) {
        int fresh = new_every == 1 || (new_every > 1 && i % new_every == 0);
        int variant = fresh ? (*next_variant)++ : 0;
        json_t *ev = make_event(variant);
        char *text = json_dumps(ev, JSON_COMPACT);
        struct buf z = BUF_INIT;
        zstd_compress_buf(text, strlen(text), &z);
        char eid[33];
        snprintf(eid, sizeof eid, "%032x", (unsigned)(*next_variant * 100000 + i));
        double a = now(), ca = cpu_now();
        struct digest_outcome out;
        if (digest_event(ctx, s, project, eid, a, ev, z.data, z.len, &out, err) < 0)
            fprintf(stderr, "digest: %s\n", err);
        if (lat) {
            lat[i] = now() - a;
            lat[n + i] = cpu_now() - ca;
        }
        buf_free(&z);
        free(text);
        json_decref(ev);
        if (i % 256 == 255) {
            store_commit(s, err);
            store_begin(s, err);
        }
    }
    store_commit(s, err);
    if (cpu_rate)
        *cpu_rate = n / (cpu_now() - c0);
    return n / (now() - t0);
}

int main(int argc, char **argv)
{
    int issues = 10000, events = 300;
    const char *out_path = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--issues") == 0)
            issues = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--events") == 0)
            events = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--out") == 0)
            out_path = argv[i + 1];
    }
    char dir[] = "/tmp/faultline-bench-sim-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char err[ERRMSG_SIZE];
    struct store *s;
    struct similarity *sim;
    if (store_open(dir, &s, err) < 0 || similarity_new(NULL, &sim, err) < 0) {
        fprintf(stderr, "bench: %s\n", err);
        return 1;
    }
    struct store_project p;
    store_project_create(s, "bench", &p, err);
    int dim = similarity_dim(sim);
    float *vec = malloc((size_t)dim * sizeof *vec);
    unsigned seed = 42;
    double t0 = now();
    store_begin(s, err);
    for (int i = 0; i < issues; i++) {
        struct store_issue_new in = {.project_id = p.id, .title = "Seeded: issue", .level = "error",
                                     .platform = "python", .type = "SeededError", .seen = t0};
        int64_t id;
        char hash[33];
        store_issue_create(s, &in, &id, err);
        snprintf(hash, sizeof hash, "%032x", (unsigned)i);
        random_unit(vec, dim, &seed);
        store_vector_insert(s, p.id, id, hash, similarity_model_name(sim), "SeededError", vec, dim, err);
    }
    store_commit(s, err);
    double seeded = now() - t0;

    struct digest_ctx *ctx = digest_ctx_new();
    digest_ctx_set_similarity(ctx, sim, NULL);
    setenv("FAULTLINE_SIMILARITY_RATE", "1000000", 1);
    /* The first search builds the project's index from the stored vectors (the restart path). */
    int variant = 1;
    t0 = now();
    run_events(ctx, s, p.id, 1, 1, &variant, NULL, NULL);
    double index_build = now() - t0;

    /* wall-clock and CPU time per event: the CPU figure is what the path costs on an idle core */
    double *lat = calloc((size_t)events * 2, sizeof *lat);
    double cpu_new, cpu_0, cpu_10;
    double rate_new = run_events(ctx, s, p.id, events, 1, &variant, lat, &cpu_new);
    double p50 = percentile(lat, events, 0.50) * 1e3, p99 = percentile(lat, events, 0.99) * 1e3;
    double c50 = percentile(lat + events, events, 0.50) * 1e3, c99 = percentile(lat + events, events, 0.99) * 1e3;
    int known = 0;
    run_events(ctx, s, p.id, 1, 0, &known, NULL, NULL);   /* variant 0 becomes a known fingerprint */
    double rate_0 = run_events(ctx, s, p.id, events * 10, 0, &variant, NULL, &cpu_0);
    double rate_10 = run_events(ctx, s, p.id, events * 5, 10, &variant, NULL, &cpu_10);

    char host[256] = "";
    gethostname(host, sizeof host);
    FILE *out = out_path ? fopen(out_path, "w") : stdout;
    fprintf(out,
            "{\"bench\":\"similarity\",\"command\":\"build/bench/bench_similarity --issues %d --events %d\","
            "\"host\":\"%s\",\"cpus\":%ld,\"model\":\"%s\",\"dim\":%d,\"issues\":%d,"
            "\"seed_seconds\":%.2f,\"index_build_seconds\":%.2f,"
            "\"new_fingerprint_ms\":{\"p50\":%.2f,\"p99\":%.2f,\"cpu_p50\":%.2f,\"cpu_p99\":%.2f,\"events\":%d},"
            "\"digest_events_per_s\":{\"new_0pct\":%.0f,\"new_10pct\":%.0f,\"new_100pct\":%.0f},"
            "\"digest_events_per_cpu_s\":{\"new_0pct\":%.0f,\"new_10pct\":%.0f,\"new_100pct\":%.0f},"
            "\"loadavg_note\":\"wall-clock figures include waiting for a CPU on a shared machine\","
            "\"peak_rss_mb\":%.1f}\n",
            issues, events, host, sysconf(_SC_NPROCESSORS_ONLN), similarity_model_name(sim), dim, issues, seeded,
            index_build, p50, p99, c50, c99, events, rate_0, rate_10, rate_new, cpu_0, cpu_10, cpu_new,
            peak_rss_kb() / 1024.0);
    if (out != stdout)
        fclose(out);
    free(lat);
    free(vec);
    digest_ctx_free(ctx);
    similarity_free(sim);
    store_close(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
