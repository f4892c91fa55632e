#include "cli/cli.h"
#include <stdio.h>
int cmd_serve(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "faultline serve: not built yet\n"); return 2; }
int cmd_project(int argc, char **argv) { (void)argc; (void)argv; return 2; }
int cmd_token(int argc, char **argv) { (void)argc; (void)argv; return 2; }
