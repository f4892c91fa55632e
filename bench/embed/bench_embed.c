/* bench_embed: latency and throughput of the C encoder.
 *
 *   build/bench/bench_embed --model FILE [--threads N] [--tokens 64,128,256,512] [--batch 8]
 *                           [--min-seconds S] [--precision fp32|bf16|auto] [--vectors FILE]
 *
 * For each token count T (capped at the model's limit) it builds a synthetic stack-trace text
 * of at least T tokens, reads exactly T of them (max_tokens = T), and reports the best and median
 * per-text latency at batch 1 (wall clock and this thread's CPU time, the steadier figure on a
 * shared machine) and the texts/s at the given batch size. Prints one JSON object.
 * first_call_ms is the first call at that token count: in bf16 it includes oneDNN's JIT compilation
 * of the kernels for new row counts. --vectors writes each token count's vector as a JSON line, so
 * run_bench.py can compare precisions. Peak RSS (getrusage) covers the whole run. */
#include "embed/embed.h"
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU time of this thread: unaffected by other processes competing for the cores (single-thread runs). */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* A Java-style trace with distinct frames, grown until it has >= want tokens. */
static char *make_text(struct embed_model *m, int want)
{
    static const char *const w[] = {"order", "payment", "session", "cache", "parser", "socket", "queue",
                                    "worker", "render", "account", "invoice", "stream", "token", "config"};
    struct buf b = BUF_INIT;
    buf_puts(&b, "java.lang.IllegalStateException: connection pool exhausted after 30000 ms");
    int *ids = malloc(sizeof(int) * 100000);
    char err[ERRMSG_SIZE];
    int saved = embed_model_max_tokens(m);
    embed_model_set_max_tokens(m, 1 << 30);
    for (int i = 0;; i++) {
        buf_printf(&b, "\n\tat com.example.%s.%s%sService.%sFor%s(%s%s.java:%d)", w[i % 14], w[(i * 3) % 14],
                   w[(i * 5 + 1) % 14], w[(i * 7 + 2) % 14], w[(i * 11 + 3) % 14], w[(i + 4) % 14],
                   w[(i * 13 + 5) % 14], 17 + i * 31);
        if (embed_tokenize(m, b.data, ids, 100000, err) >= want || b.len > 60000)
            break;
    }
    embed_model_set_max_tokens(m, saved);
    free(ids);
    return buf_steal(&b);
}

int main(int argc, char **argv)
{
    const char *model = NULL, *tokens = "64,128,256,512", *vectors = NULL;
    enum embed_precision prec = EMBED_PRECISION_AUTO;
    int threads = 1, batch = 8;
    double min_s = 1.0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--model") && i + 1 < argc) model = argv[++i];
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--tokens") && i + 1 < argc) tokens = argv[++i];
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc) batch = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--min-seconds") && i + 1 < argc) min_s = atof(argv[++i]);
        else if (!strcmp(argv[i], "--vectors") && i + 1 < argc) vectors = argv[++i];
        else if (!strcmp(argv[i], "--precision") && i + 1 < argc && embed_precision_parse(argv[i + 1], &prec) == 0) i++;
        else {
            fprintf(stderr, "usage: bench_embed --model FILE [--threads N] [--tokens LIST] [--batch N] [--min-seconds S] "
                            "[--precision fp32|bf16|auto] [--vectors FILE]\n");
            return 2;
        }
    }
    if (!model || batch < 1) {
        fprintf(stderr, "bench_embed: --model is required\n");
        return 2;
    }
    char err[ERRMSG_SIZE];
    struct embed_model *m;
    FILE *vf = vectors ? fopen(vectors, "w") : NULL;
    if (vectors && !vf) {
        perror(vectors);
        return 1;
    }
    embed_set_threads(threads);
    double t0 = now();
    if (embed_model_load_precision(model, prec, &m, err)) {
        fprintf(stderr, "bench_embed: %s\n", err);
        return 1;
    }
    double load_ms = (now() - t0) * 1e3;
    int dim = embed_model_dim(m), cap = embed_model_max_tokens(m);
    float *out = malloc(sizeof(float) * dim * batch);
    printf("{\"model\": \"%s\", \"name\": \"%s\", \"arch\": \"%s\", \"dim\": %d, \"threads\": %d, "
           "\"blas_core\": \"%s\", \"precision\": \"%s\", \"load_ms\": %.2f, \"results\": [",
           model, embed_model_name(m), embed_model_arch(m), dim, threads, embed_blas_core(), embed_model_precision(m),
           load_ms);
    char *list = strdup(tokens), *save = NULL;
    int first_result = 1;
    for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int T = atoi(tok);
        if (T < 1 || T > cap)
            continue;
        char *text = make_text(m, T);
        embed_model_set_max_tokens(m, T);
        const char **texts = malloc(sizeof(char *) * batch);
        for (int i = 0; i < batch; i++)
            texts[i] = text;
        double first = now();
        if (embed_texts(m, texts, 1, out, err)) {   /* warm-up */
            fprintf(stderr, "bench_embed: %s\n", err);
            return 1;
        }
        double first_ms = (now() - first) * 1e3;
        if (vf) {
            fprintf(vf, "{\"tokens\": %d, \"vector\": [", T);
            for (int j = 0; j < dim; j++)
                fprintf(vf, "%s%.9g", j ? ", " : "", out[j]);
            fprintf(vf, "]}\n");
        }
        int cap_runs = 100000, runs = 0;
        double *lat = malloc(sizeof(double) * cap_runs), *cpu = malloc(sizeof(double) * cap_runs), start = now();
        while ((now() - start < min_s || runs < 5) && runs < cap_runs) {
            double a = now(), c = cpu_now();
            if (embed_texts(m, texts, 1, out, err)) {
                fprintf(stderr, "bench_embed: %s\n", err);
                return 1;
            }
            cpu[runs] = (cpu_now() - c) * 1e3;
            lat[runs++] = (now() - a) * 1e3;
        }
        qsort(lat, (size_t)runs, sizeof *lat, cmp_d);
        qsort(cpu, (size_t)runs, sizeof *cpu, cmp_d);
        int bruns = 0;
        start = now();
        while (now() - start < min_s || bruns < 2) {
            embed_texts(m, texts, batch, out, err);
            bruns++;
        }
        double tps = bruns * batch / (now() - start);
        printf("%s{\"tokens\": %d, \"first_call_ms\": %.3f, \"batch1_ms_best\": %.3f, \"batch1_ms_median\": %.3f, "
               "\"batch1_cpu_ms_best\": %.3f, \"batch1_cpu_ms_median\": %.3f, \"runs\": %d, "
               "\"batch\": %d, \"batch_texts_per_s\": %.1f}",
               first_result ? "" : ", ", T, first_ms, lat[0], lat[runs / 2], cpu[0], cpu[runs / 2], runs, batch, tps);
        first_result = 0;
        free(lat);
        free(cpu);
        free(texts);
        free(text);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("], \"peak_rss_kib\": %ld}\n", ru.ru_maxrss);
    if (vf)
        fclose(vf);
    free(list);
    free(out);
    embed_model_free(m);
    return 0;
}
