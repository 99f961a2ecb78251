/*
 * cli.h — what the verbs share: option parsing, finding shipped policies
 * and scenarios by name, printing diagnostics, exit codes (CONTRACT.md).
 */
#ifndef LIQ_CLI_H
#define LIQ_CLI_H

#include "liqsim.h"

#include <stdio.h>

enum {
    EXIT_OK_ = 0,
    EXIT_RUN = 1,     /* the run failed: a hook error, an overflow */
    EXIT_USAGE = 2,   /* bad command line */
    EXIT_INPUT = 3    /* a policy or scenario that does not load */
};

typedef struct cli_opts {
    liq_format format;
    bool format_set;
    bool explain;
    bool strict;
    unsigned width;           /* table: fit this width (0: every column) */
    bool color;               /* table: colour (a terminal, NO_COLOR unset) */
    const char *book, *path;  /* replay */
    char **args;              /* positional arguments */
    int nargs;
} cli_opts;

/* Parses common options out of argv (after the verb). Returns -1 on
 * success or an exit code to return. */
int cli_parse(int argc, char **argv, cli_opts *o, const char *usage);

/* Resolve a policy/scenario argument to a file path: an existing path is
 * used as is; otherwise a shipped name. Writes into out; false if none. */
bool cli_policy_path(const char *arg, char *out, size_t cap);
bool cli_scenario_path(const char *arg, char *out, size_t cap);
/* All shipped policies, sorted by name; caller frees each and the array. */
char **cli_shipped_policies(size_t *n);
const char *cli_policy_dir(void);
/* The policies a verb works on: its arguments, or every shipped policy
 * when it has none. Calls fn with each resolved path; reports each
 * argument that names no policy on stderr. Returns how many did not. */
size_t cli_each_policy(const cli_opts *o, void (*fn)(const char *path, void *ud), void *ud);
const char *cli_scenario_dir(void);

/* One diagnostic as the line cli_print_diags prints (no newline). */
void cli_diag_text(const liq_diag *g, char *buf, size_t cap);
/* The exit code an error implies: EXIT_INPUT for input, else EXIT_RUN. */
int cli_diag_exit(const liq_diag *g);

/* Print diags to stderr as path:line:col: message. Returns the exit code
 * their first error implies (EXIT_INPUT for input, EXIT_RUN otherwise),
 * or 0 when there is no error. */
int cli_print_diags(const liq_diags *d);

/* An "error" row for policy p on scenario s, why its reason. Caller
 * owns it (liq_result_free); NULL when out of memory. */
liq_result *cli_error_row(const liq_policy *p, const liq_scenario *s, const char *why);

/* Print rendered results (or an explain trace for tables) to stdout. */
int cli_emit(liq_result *const *rs, size_t n, const cli_opts *o, bool as_array);

int cmd_compare(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_schema(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_new(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_replay(int argc, char **argv);

#endif
