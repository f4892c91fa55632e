/* Placeholder until its issue lands: the command exists so the dispatch table is complete. */
#include "cli/cli.h"

#include <stdio.h>

int cmd_embed(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "faultline embed: not built yet\n");
    return 2;
}
