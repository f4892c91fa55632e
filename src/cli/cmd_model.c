/* Placeholder until its issue lands: the command exists so the dispatch table is complete. */
#include "cli/cli.h"

#include <stdio.h>

int cmd_model(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "faultline model: not built yet\n");
    return 2;
}
