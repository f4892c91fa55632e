/* Subcommands of the faultline binary. Each lives in its own src/cli/cmd_<name>.c file;
 * src/main.c only dispatches. A command returns the process exit status. */
#ifndef FAULTLINE_CLI_H
#define FAULTLINE_CLI_H

int cmd_serve(int argc, char **argv);
int cmd_project(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_grouping_info(int argc, char **argv);
int cmd_embed(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_ann_bench(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_backfill(int argc, char **argv);

/* Option helpers shared by the commands.
 * cli_take_value: if argv[*i] is NAME (then the value is argv[*i+1]) or NAME=VALUE, store the value,
 * advance *i past it and return 1; return 0 if argv[*i] is another argument; -1 (message printed)
 * if the value is missing. */
int cli_take_value(int argc, char **argv, int *i, const char *name, const char **value);
int cli_is_help(const char *arg);

/* Precedence for every setting: command-line flag, then environment variable, then default. */
const char *cli_setting(const char *flag_value, const char *env_name, const char *fallback);

#endif
