/* faultline embed: embed texts with a GGUF encoder and print the vectors as JSON lines.
 *
 *   faultline embed [--model FILE] [--threads N] [--precision P] [--max-tokens N] [--ids] [TEXT...]
 *
 * Texts come from the arguments, or one per line on stdin when there are none. Each output line
 * is {"text": ..., "tokens": N, "vector": [...]} (plus "ids" with --ids). */
#include "cli/cli.h"
#include "embed/embed.h"
#include "util/buf.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 64

static void usage(FILE *f)
{
    fprintf(f,
            "usage: faultline embed [--model FILE] [--threads N] [--precision P] [--max-tokens N] [--ids] [TEXT...]\n"
            "Embeds each TEXT (or each line of stdin when no TEXT is given) and prints one JSON\n"
            "object per line: {\"text\", \"tokens\", \"vector\"}.\n"
            "  --model FILE      GGUF model (default: $FAULTLINE_MODEL, then models/use-lite.gguf)\n"
            "  --threads N       encoder threads, OpenBLAS and oneDNN (default: $FAULTLINE_EMBED_THREADS, then 1)\n"
            "  --precision P     fp32, bf16 or auto: bf16 projections where the CPU has them\n"
            "                    (default: $FAULTLINE_EMBED_PRECISION, then auto)\n"
            "  --max-tokens N    read at most N tokens per text (default: the model's limit)\n"
            "  --ids             also print the token ids\n");
}

static int emit(struct embed_model *m, char **texts, int n, int with_ids)
{
    int dim = embed_model_dim(m), maxt = embed_model_max_tokens(m);
    float *v = malloc((size_t)n * dim * sizeof *v);
    int *ids = malloc((size_t)maxt * sizeof *ids);
    char err[ERRMSG_SIZE];
    if (!v || !ids) {
        fprintf(stderr, "faultline embed: out of memory\n");
        free(v);
        free(ids);
        return 1;
    }
    if (embed_texts(m, (const char *const *)texts, n, v, err)) {
        fprintf(stderr, "faultline embed: %s\n", err);
        free(v);
        free(ids);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        int nt = embed_tokenize(m, texts[i], ids, maxt, err);
        json_t *o = json_object(), *vec = json_array();
        json_t *js = json_stringn(texts[i], strlen(texts[i]));
        if (!js) {                  /* not valid UTF-8: echo it with '?' for the non-ASCII bytes */
            char *c = strdup(texts[i]);
            for (char *p = c; p && *p; p++)
                if ((unsigned char)*p >= 0x80)
                    *p = '?';
            js = json_string(c ? c : "");
            free(c);
        }
        json_object_set_new(o, "text", js);
        json_object_set_new(o, "tokens", json_integer(nt));
        if (with_ids) {
            json_t *a = json_array();
            for (int j = 0; j < nt && j < maxt; j++)
                json_array_append_new(a, json_integer(ids[j]));
            json_object_set_new(o, "ids", a);
        }
        for (int j = 0; j < dim; j++)
            json_array_append_new(vec, json_real(v[(size_t)i * dim + j]));
        json_object_set_new(o, "vector", vec);
        char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(8) | JSON_PRESERVE_ORDER);
        if (s)
            puts(s);
        free(s);
        json_decref(o);
    }
    free(v);
    free(ids);
    return 0;
}

int cmd_embed(int argc, char **argv)
{
    const char *model = NULL, *threads = NULL, *maxtok = NULL, *precision = NULL;
    int with_ids = 0, first_text = argc;
    for (int i = 1; i < argc; i++) {
        int r;
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return 0;
        }
        if ((r = cli_take_value(argc, argv, &i, "--model", &model)) ||
            (r = cli_take_value(argc, argv, &i, "--threads", &threads)) ||
            (r = cli_take_value(argc, argv, &i, "--precision", &precision)) ||
            (r = cli_take_value(argc, argv, &i, "--max-tokens", &maxtok))) {
            if (r < 0)
                return 2;
            continue;
        }
        if (strcmp(argv[i], "--ids") == 0) {
            with_ids = 1;
            continue;
        }
        if (strcmp(argv[i], "--") == 0) {
            first_text = i + 1;
            break;
        }
        if (argv[i][0] == '-' && argv[i][1] == '-') {
            fprintf(stderr, "faultline embed: unknown option %s\n", argv[i]);
            usage(stderr);
            return 2;
        }
        first_text = i;
        break;
    }
    char path[4096], err[ERRMSG_SIZE];
    if (!model) {
        if (embed_default_model_path(path, sizeof path)) {
            fprintf(stderr, "faultline embed: no model found (tried %s); use --model or FAULTLINE_MODEL\n", path);
            return 1;
        }
        model = path;
    }
    enum embed_precision prec = EMBED_PRECISION_AUTO;
    if (precision && embed_precision_parse(precision, &prec) < 0) {
        fprintf(stderr, "faultline embed: --precision wants fp32, bf16 or auto, not '%s'\n", precision);
        return 2;
    }
    struct embed_model *m;
    if (precision ? embed_model_load_precision(model, prec, &m, err) : embed_model_load(model, &m, err)) {
        fprintf(stderr, "faultline embed: %s\n", err);
        return 1;
    }
    if (threads)
        embed_set_threads(atoi(threads));
    if (maxtok)
        embed_model_set_max_tokens(m, atoi(maxtok));
    int rc = 0;
    if (first_text < argc) {
        rc = emit(m, argv + first_text, argc - first_text, with_ids);
    } else {
        char *batch[BATCH];
        int n = 0;
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        while (rc == 0 && (len = getline(&line, &cap, stdin)) >= 0) {
            if (len > 0 && line[len - 1] == '\n')
                line[--len] = '\0';
            if (!(batch[n] = strdup(line))) {
                rc = 1;
                break;
            }
            if (++n == BATCH) {
                rc = emit(m, batch, n, with_ids);
                while (n > 0)
                    free(batch[--n]);
            }
        }
        if (rc == 0 && n > 0)
            rc = emit(m, batch, n, with_ids);
        while (n > 0)
            free(batch[--n]);
        free(line);
    }
    embed_model_free(m);
    return rc;
}
