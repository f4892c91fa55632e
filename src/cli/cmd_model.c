/* faultline model info [FILE]: load a GGUF model and describe it. */
#include "cli/cli.h"
#include "embed/embed.h"
#include "util/buf.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: faultline model info [FILE]\n"
               "Loads the GGUF model FILE (default: $FAULTLINE_MODEL, then models/use-lite.gguf) and\n"
               "prints its architecture, dimensions, tokenizer and size.\n");
}

int cmd_model(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "info") != 0 || argc > 3) {
        usage(stderr);
        return 2;
    }
    char path[4096], err[ERRMSG_SIZE];
    const char *file = argc == 3 ? argv[2] : NULL;
    if (!file) {
        if (embed_default_model_path(path, sizeof path)) {
            fprintf(stderr, "faultline model: no model found (tried %s)\n", path);
            return 1;
        }
        file = path;
    }
    struct embed_model *m;
    if (embed_model_load(file, &m, err)) {
        fprintf(stderr, "faultline model: %s\n", err);
        return 1;
    }
    char desc[4096];
    embed_model_describe(m, desc, sizeof desc);
    printf("file: %s\n%s", file, desc);
    embed_model_free(m);
    return 0;
}
