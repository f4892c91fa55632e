/* faultline: self-hosted, Sentry-compatible error monitoring with embedding-based grouping.
 * This file only dispatches to the subcommands in src/cli/. */
#include "cli/cli.h"
#include "util/compress.h"
#include "util/jsonarena.h"

#include <stdio.h>
#include <string.h>

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"serve", cmd_serve, "run the ingestion server, digest worker and API"},
    {"project", cmd_project, "create or list projects (prints DSNs)"},
    {"token", cmd_token, "create API tokens"},
    {"grouping-info", cmd_grouping_info, "show how an event JSON file is fingerprinted"},
    {"embed", cmd_embed, "embed texts with a GGUF encoder model"},
    {"model", cmd_model, "inspect a GGUF model file"},
    {"ann-bench", cmd_ann_bench, "benchmark the nearest-neighbour index on raw vectors"},
    {"eval", cmd_eval, "measure grouping quality on a labelled dataset"},
    {"backfill", cmd_backfill, "embed existing issues and propose merges"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: faultline COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'faultline COMMAND --help' describes each command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (cli_is_help(argv[1])) {
        usage(stdout);
        return 0;
    }
    /* before any thread: the digest builds each event's tree in an arena (util/jsonarena.h) */
    jsonarena_install();
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            int rc = commands[i].run(argc - 1, argv + 1);
            compress_thread_cleanup();
            return rc;
        }
    fprintf(stderr, "faultline: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
