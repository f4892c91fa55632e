/* Throughput of grouping_compute (normalise + fingerprint + grouping info) on one core.
 *
 *   bench_fingerprint [--seconds S] [--repeat N] [--synthetic N] [--info both|only|none] [--no-digest]
 *                     [--dump-synthetic FILE]
 *                     [--label L FILE.jsonl[.gz]] ...
 *
 * Events are parsed to json_t before timing (the digest worker receives parsed events too); the
 * timed loop runs grouping_compute over them round-robin for S seconds per set and reports
 * events/s (wall and thread CPU time); with --repeat N each set is timed N times and the median
 * and best runs are reported. Synthetic sets are SDK-shaped events with 30 frames for
 * Python, Node, Java and native (Cocoa). Files are JSON lines, each an event or
 * {"event": ..., "group": ...} (the eval dataset format). Prints one JSON document.
 * --dump-synthetic writes the synthetic events as JSON lines instead of timing anything (so
 * callgrind and regression checks can replay exactly the events this bench times).
 *
 * Those rows time grouping on trees parsed long before, cold in the cache (1000 events of ~30 KiB
 * of jansson nodes each do not fit). The digest groups each event right after building its tree
 * from the inbox bytes, so the "digest" rows (hashes only) time that: each event is parsed with
 * jsonscan_build into a jsonarena (as the digest does), then grouping_compute alone is timed on
 * it (run_set_digest). */
#include "grouping/grouping.h"
#include "util/buf.h"
#include "util/jsonarena.h"
#include "util/jsonscan.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define MAX_EVENTS 5000

struct set {
    const char *label;
    json_t *ev[MAX_EVENTS];
    int n;
    double frames;
};

static unsigned long long rng = 88172645463325252ULL;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static const char *words[] = {"user", "order", "cart", "payment", "session", "token", "cache",
                              "queue", "worker", "report", "invoice", "profile", "search", "index"};
#define W() words[rnd(sizeof words / sizeof words[0])]

static void synth(struct set *s, const char *platform, int n)
{
    for (int e = 0; e < n && s->n < MAX_EVENTS; e++) {
        struct buf b = BUF_INIT;
        buf_printf(&b, "{\"platform\":\"%s\",\"level\":\"error\",\"exception\":{\"values\":[{", platform);
        const char *type = !strcmp(platform, "java") ? "java.lang.IllegalStateException"
                           : !strcmp(platform, "cocoa") ? "EXC_BAD_ACCESS"
                           : !strcmp(platform, "node") ? "TypeError" : "KeyError";
        buf_printf(&b, "\"type\":\"%s\",\"value\":\"%s %u not found at 0x%x after %ums\",", type, W(),
                   rnd(100000), rnd(1u << 30), rnd(900));
        buf_puts(&b, "\"mechanism\":{\"type\":\"generic\",\"handled\":false},\"stacktrace\":{\"frames\":[");
        for (int i = 0; i < 30; i++) {
            bool app = i >= 18 && rnd(4) != 0;
            if (i)
                buf_putc(&b, ',');
            const char *a = W(), *c = W();
            if (!strcmp(platform, "python")) {
                buf_printf(&b, "{\"filename\":\"%s/%s.py\",\"abs_path\":\"/srv/%s/%s/%s.py\",\"module\":\"%s.%s\","
                           "\"function\":\"%s_%s\",\"lineno\":%u,\"context_line\":\"    return %s(%s_id)\",\"in_app\":%s}",
                           app ? "app" : "lib", a, app ? "app" : "venv/lib/python3.11/site-packages", app ? "app" : "lib",
                           a, app ? "app" : "lib", a, c, a, rnd(500), c, a, app ? "true" : "false");
            } else if (!strcmp(platform, "node")) {
                buf_printf(&b, "{\"filename\":\"%s/%s.js\",\"abs_path\":\"/srv/%s/%s.js\",\"module\":\"%s\","
                           "\"function\":\"%s.%s\",\"lineno\":%u,\"colno\":%u,\"context_line\":\"  const x = await %s(%s);\",\"in_app\":%s}",
                           app ? "src" : "node_modules/lib", a, app ? "src" : "node_modules/lib", a, a,
                           a, c, rnd(500), rnd(80), c, a, app ? "true" : "false");
            } else if (!strcmp(platform, "java")) {
                buf_printf(&b, "{\"filename\":\"%s.java\",\"module\":\"%s.%s.%s\",\"function\":\"%s\","
                           "\"lineno\":%u,\"in_app\":%s}",
                           a, app ? "com.example" : (rnd(2) ? "org.springframework" : "java.util"), c, a, c,
                           rnd(900), app ? "true" : "false");
            } else {
                buf_printf(&b, "{\"function\":\"%s::%s(int, std::string const&) const\",\"package\":\"%s\","
                           "\"instruction_addr\":\"0x%x\",\"in_app\":%s}",
                           a, c, app ? "/private/var/containers/Bundle/Application/X/App.app/App"
                                     : "/usr/lib/system/libdispatch.dylib",
                           rnd(1u << 30), app ? "true" : "false");
            }
        }
        buf_puts(&b, "]}}]},\"sdk\":{\"name\":\"sentry.bench\",\"version\":\"1.0\"}}");
        json_error_t je;
        json_t *j = json_loads(b.data, 0, &je);
        buf_free(&b);
        if (!j) {
            fprintf(stderr, "synthetic event invalid: %s\n", je.text);
            exit(1);
        }
        s->ev[s->n++] = j;
        s->frames += 30;
    }
}

static size_t count_frames(const json_t *ev)
{
    size_t n = 0;
    const json_t *exc = json_object_get(ev, "exception");
    const json_t *vals = json_is_object(exc) ? json_object_get(exc, "values") : exc;
    for (size_t i = 0; json_is_array(vals) && i < json_array_size(vals); i++) {
        const json_t *st = json_object_get(json_array_get(vals, i), "stacktrace");
        n += json_array_size(json_object_get(st, "frames"));
    }
    const json_t *thr = json_object_get(ev, "threads");
    vals = json_is_object(thr) ? json_object_get(thr, "values") : thr;
    for (size_t i = 0; json_is_array(vals) && i < json_array_size(vals); i++)
        n += json_array_size(json_object_get(json_object_get(json_array_get(vals, i), "stacktrace"), "frames"));
    n += json_array_size(json_object_get(json_object_get(ev, "stacktrace"), "frames"));
    return n;
}

static int load_file(struct set *s, const char *path)
{
    gzFile f = gzopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return -1;
    }
    static char line[1 << 22];
    while (s->n < MAX_EVENTS && gzgets(f, line, sizeof line)) {
        json_error_t je;
        json_t *j = json_loads(line, 0, &je);
        if (!j)
            continue;
        json_t *ev = json_object_get(j, "event");
        if (ev) {
            json_incref(ev);
            json_decref(j);
            j = ev;
        }
        s->frames += (double)count_frames(j);
        s->ev[s->n++] = j;
    }
    gzclose(f);
    return s->n ? 0 : -1;
}

static double now(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#define MAX_RUNS 64

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of the runs' rates[0..n), and the best in *best. */
static double median_of(const double *rates, int n, double *best)
{
    double sorted[MAX_RUNS];
    memcpy(sorted, rates, (size_t)n * sizeof *rates);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_double);
    *best = sorted[n - 1];
    return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/* Ends a result row with every run's rate: ` [r1, r2, ...]}`. */
static void print_runs_and_close(const double *rates, int n)
{
    for (int rep = 0; rep < n; rep++)
        printf("%s%.0f", rep ? ", " : "", rates[rep]);
    printf("]}");
    fflush(stdout);
}

/* Times the set `repeat` times (S seconds each) and reports the median rate and the best one: on a
 * shared machine other load only ever adds time, so the best run is the closest to what the code
 * costs on an undisturbed core, the median what a run here typically sees. */
static void run_set(const struct set *s, double seconds, int repeat, int first, int skip_info)
{
    char err[ERRMSG_SIZE];
    struct grouping_result r;
    struct grouping_config cfg = {.skip_info = skip_info};
    /* warm-up pass (regex JIT, rule parsing) */
    for (int i = 0; i < s->n && i < 200; i++)
        if (grouping_compute(s->ev[i], &cfg, &r, err) == 0)
            grouping_result_free(&r);
    double rates[MAX_RUNS], wall_total = 0, cpu_total = 0, best;
    long total = 0, failed = 0;
    for (int rep = 0; rep < repeat; rep++) {
        long count = 0;
        double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_THREAD_CPUTIME_ID), w1;
        do {
            for (int k = 0; k < 256; k++) {
                if (grouping_compute(s->ev[(total + count) % s->n], &cfg, &r, err) == 0)
                    grouping_result_free(&r);
                else
                    failed++;
                count++;
            }
            w1 = now(CLOCK_MONOTONIC);
        } while (w1 - w0 < seconds);
        double c1 = now(CLOCK_THREAD_CPUTIME_ID);
        rates[rep] = count / (c1 - c0);
        wall_total += w1 - w0;
        cpu_total += c1 - c0;
        total += count;
    }
    double median = median_of(rates, repeat, &best);
    printf("%s    {\"set\": \"%s\", \"info_json\": %s, \"events\": %d, \"avg_frames\": %.1f, \"computed\": %ld, \"failed\": %ld, "
           "\"wall_s\": %.3f, \"cpu_s\": %.3f, \"runs\": %d, \"events_per_s_wall\": %.0f, \"events_per_s_cpu\": %.0f, "
           "\"events_per_s_cpu_best\": %.0f, \"us_per_event_cpu\": %.2f, \"events_per_s_cpu_runs\": [",
           first ? "" : ",\n", s->label, skip_info ? "false" : "true", s->n, s->frames / s->n, total, failed, wall_total,
           cpu_total, repeat, total / wall_total, median, best, 1e6 / median);
    print_runs_and_close(rates, repeat);
}

/* Grouping as the digest runs it: on the tree just built from the event's bytes (see the top).
 * Each event is parsed with jsonscan_build into a jsonarena, then grouping_compute and freeing its
 * result are timed (CLOCK_MONOTONIC around them, about 40 ns per reading here: counted against
 * grouping), then the tree is freed. Wall time per call on a pinned core: being descheduled only
 * ever adds time. */
static void run_set_digest(const struct set *s, double seconds, int repeat, int first)
{
    char **text = calloc((size_t)s->n, sizeof *text);
    size_t *len = calloc((size_t)s->n, sizeof *len);
    for (int i = 0; text && len && i < s->n; i++) {
        text[i] = json_dumps(s->ev[i], JSON_COMPACT);
        len[i] = text[i] ? strlen(text[i]) : 0;
    }
    char err[ERRMSG_SIZE];
    struct grouping_result r;
    struct grouping_config cfg = {.skip_info = 1};
    double rates[MAX_RUNS], parse_total = 0, group_total = 0, bytes = 0, best;
    long computed = 0, failed = 0, next = 0;
    struct jsonarena arena; /* each tree in an arena, as the digest builds it (util/jsonarena.h) */
    jsonarena_init(&arena);
    for (int rep = -1; rep < repeat; rep++) { /* run -1 warms up */
        double group_s = 0, w0 = now(CLOCK_MONOTONIC), t0 = w0;
        long count = 0;
        while (t0 - w0 < (rep < 0 ? 0.2 : seconds) && text && len) {
            long i = next++ % s->n;
            jsonarena_reset(&arena);
            jsonarena_begin(&arena);
            json_t *ev = text[i] ? jsonscan_build(text[i], len[i], 0, NULL, NULL, err) : NULL;
            jsonarena_end();
            double t1 = now(CLOCK_MONOTONIC);
            int ok = ev && grouping_compute(ev, &cfg, &r, err) == 0;
            if (ok)
                grouping_result_free(&r);
            double t2 = now(CLOCK_MONOTONIC);
            failed += !ok && rep >= 0;
            json_decref(ev);
            if (rep >= 0) {
                parse_total += t1 - t0;
                bytes += (double)len[i];
                group_s += t2 - t1;
                count++;
            }
            t0 = now(CLOCK_MONOTONIC);
        }
        if (rep >= 0) {
            rates[rep] = count / group_s;
            group_total += group_s;
            computed += count;
        }
    }
    double median = median_of(rates, repeat, &best);
    printf("%s    {\"set\": \"%s\", \"mode\": \"digest\", \"info_json\": false, \"events\": %d, \"avg_frames\": %.1f, "
           "\"avg_bytes\": %.0f, \"computed\": %ld, \"failed\": %ld, \"group_s\": %.3f, \"runs\": %d, "
           "\"parse_us_per_event\": %.2f, \"us_per_event\": %.2f, \"events_per_s\": %.0f, \"events_per_s_best\": %.0f, "
           "\"events_per_s_runs\": [",
           first ? "" : ",\n", s->label, s->n, s->frames / s->n, computed ? bytes / computed : 0, computed, failed,
           group_total, repeat, computed ? parse_total * 1e6 / computed : 0, 1e6 / median, median, best);
    print_runs_and_close(rates, repeat);
    jsonarena_destroy(&arena);
    for (int i = 0; text && i < s->n; i++)
        free(text[i]);
    free(text);
    free(len);
}

int main(int argc, char **argv)
{
    jsonarena_install(); /* as faultline's main() does */
    double seconds = 2.0;
    int synthetic = 1000;
    static struct set sets[16];
    int ns = 0;
    const char *label = NULL, *dump = NULL;
    int with_info = 1, without_info = 1, digest = 1, repeat = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--info") && i + 1 < argc) { /* both (default), only, none */
            i++;
            with_info = strcmp(argv[i], "none") != 0;
            without_info = strcmp(argv[i], "only") != 0;
        } else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
            repeat = atoi(argv[++i]);
            repeat = repeat < 1 ? 1 : repeat > MAX_RUNS ? MAX_RUNS : repeat;
        } else if (!strcmp(argv[i], "--no-digest")) {
            digest = 0;
        } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
            seconds = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--synthetic") && i + 1 < argc) {
            synthetic = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--dump-synthetic") && i + 1 < argc) {
            dump = argv[++i];
        } else if (!strcmp(argv[i], "--label") && i + 1 < argc) {
            label = argv[++i];
        } else if (ns < 12) {
            sets[ns].label = label ? label : argv[i];
            if (load_file(&sets[ns], argv[i]) == 0)
                ns++;
            label = NULL;
        }
    }
    static const char *plats[] = {"python", "node", "java", "cocoa"};
    static char names[4][64];
    for (int p = 0; p < 4 && synthetic > 0; p++) {
        snprintf(names[p], sizeof names[p], "synthetic-%s-30-frames", plats[p]);
        sets[ns].label = names[p];
        synth(&sets[ns], plats[p], synthetic);
        ns++;
    }
    if (dump) {
        FILE *f = fopen(dump, "w");
        for (int i = 0; f && i < ns; i++)
            for (int k = 0; k < sets[i].n; k++)
                if (json_dumpf(sets[i].ev[k], f, JSON_COMPACT) < 0 || fputc('\n', f) == EOF)
                    break;
        if (!f || fclose(f) != 0) {
            fprintf(stderr, "cannot write %s\n", dump);
            return 1;
        }
        return 0;
    }
    printf("{\"results\": [\n");
    int first = 1;
    for (int i = 0; with_info && i < ns; i++, first = 0)
        run_set(&sets[i], seconds, repeat, first, 0);
    for (int i = 0; without_info && i < ns; i++, first = 0) /* hashes only: normalise + fingerprint alone */
        run_set(&sets[i], seconds, repeat, first, 1);
    for (int i = 0; digest && without_info && i < ns; i++, first = 0)
        run_set_digest(&sets[i], seconds, repeat, first);
    printf("\n]}\n");
    for (int i = 0; i < ns; i++)
        for (int k = 0; k < sets[i].n; k++)
            json_decref(sets[i].ev[k]);
    return 0;
}
