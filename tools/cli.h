/*
 * cli.h — what the verbs share: option parsing, finding shipped policies
 * and scenarios by name, printing diagnostics, exit codes (CONTRACT.md).
 */
#ifndef LIQ_CLI_H
#define LIQ_CLI_H

#include "liqsim.h"

#include <stdio.h>

enum {
    EXIT_RUN = 1,     /* the run failed: a hook error, an overflow */
    EXIT_USAGE = 2,   /* bad command line */
    EXIT_INPUT = 3    /* a policy or scenario that does not load */
};

/* What every verb's parse leaves: the options the shared table entries
 * point at, and the positional arguments. */
typedef struct cli_opts {
    liq_format format;
    bool format_set;
    bool explain;
    bool strict;
    bool wide;                /* table: every column, whatever the width */
    unsigned width;           /* table: fit this width (0: every column) */
    bool color;               /* table: colour (a terminal, NO_COLOR unset) */
    const char *currency;     /* --currency: the reporting currency (NULL: USD) */
    char **args;              /* positional arguments; the caller frees the array */
    int nargs;
} cli_opts;

/* One option of a verb, as git's struct option: a verb lists its options
 * in a table ended by OPT_END_OF_TABLE, and cli_parse reads argv through
 * it and writes the verb's --help from it. */
typedef enum cli_opt_type {
    OPT_END = 0,
    OPT_FLAG,      /* value: bool *, set true */
    OPT_STRING,    /* value: const char **, the argument as given */
    OPT_DECIMAL,   /* value: liq_dec *, exact, within bounds */
    OPT_COUNT,     /* value: long *, a whole number within bounds */
    OPT_FORMAT,    /* value: liq_format *, one of formats */
    OPT_STRINGS    /* value: cli_strings *, each occurrence appended (a repeatable option) */
} cli_opt_type;

/* The values of a repeatable option, in the order given. */
#define CLI_STRINGS_MAX 16
typedef struct cli_strings {
    const char *v[CLI_STRINGS_MAX];
    int n;                     /* how many were given (may exceed CLI_STRINGS_MAX: refused) */
} cli_strings;

struct schema;
typedef struct cli_option {
    cli_opt_type type;
    const char *name;          /* long name, without "--" */
    int short_name;            /* 'o' for -o, or 0 */
    const char *argname;       /* in --help: FILE, X (NULL for a flag) */
    void *value;
    bool *given;               /* set true when the option appears, or NULL */
    const char *help;          /* one line */
    /* OPT_DECIMAL/OPT_COUNT bounds, inclusive: lo/hi as text, or those
     * of the file key the option overrides (key in key_schema), so the
     * command line accepts exactly what the file does. */
    const char *lo, *hi;
    const struct schema *key_schema;
    const char *key;
    unsigned formats;          /* OPT_FORMAT: FMT(TABLE) | FMT(JSON) ... */
} cli_option;

#define FMT(f) (1u << LIQ_FMT_##f)
#define OPT_FLAG_(n, v, h) {OPT_FLAG, (n), 0, NULL, (v), NULL, (h), NULL, NULL, NULL, NULL, 0}
#define OPT_STRING_(n, s, a, v, h) {OPT_STRING, (n), (s), (a), (v), NULL, (h), NULL, NULL, NULL, NULL, 0}
#define OPT_FORMAT_(o, mask)                                                                 \
    {OPT_FORMAT, "format", 0, "FMT", &(o)->format, &(o)->format_set, "the output's format", NULL, \
     NULL, NULL, NULL, (mask)}
#define OPT_EXPLAIN_(o) OPT_FLAG_("explain", &(o)->explain, "add the trace: where each number comes from")
#define OPT_WIDE_(o) OPT_FLAG_("wide", &(o)->wide, "table: every column, whatever the terminal's width")
#define OPT_CURRENCY_(o)                                                                     \
    OPT_STRING_("currency", 0, "CCY", &(o)->currency,                                        \
                "repeat the amounts in this currency (default USD; docs/output.md, reporting)")
/* The options of the verbs that print results (compare, eval). */
#define OPT_RESULT_OPTIONS_(o)                                                               \
    OPT_FORMAT_((o), FMT(TABLE) | FMT(JSON) | FMT(CSV) | FMT(MD) | FMT(NDJSON) | FMT(HTML)), \
        OPT_EXPLAIN_(o), OPT_WIDE_(o), OPT_CURRENCY_(o)
#define OPT_END_OF_TABLE {OPT_END, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0}

/* A verb: its name, what follows it in the usage line, a paragraph for
 * --help, its options, how many positional arguments it takes (max -1:
 * any), and whether its default format is JSON when stdout is not a
 * terminal (compare, eval: scripts get exact data). */
typedef struct cli_verb {
    const char *name, *synopsis, *about;
    const cli_option *options;
    int min_args, max_args;
    bool json_when_piped;
} cli_verb;

/* Parse argv (after the verb) through v's table into o and the tables'
 * values. Returns -1 to go on, or an exit code to return at once (0
 * after --help or --version; EXIT_USAGE with the message printed). The
 * caller frees o->args in every case. Sets o->format to the default when
 * not given, and o->width/o->color for a table (COLUMNS, the terminal,
 * NO_COLOR). */
int cli_parse(int argc, char **argv, const cli_verb *v, cli_opts *o);
/* The message for --explain with --format csv: a trace does not fit the
 * rows' columns, and text after them would break the CSV. */
#define CLI_CSV_EXPLAIN                                                                     \
    "liqsim: --explain does not combine with --format csv (the trace would break the CSV);\n" \
    "        use --format json or ndjson (the trace inside each row) or md (a table per row)\n"

/* The verb's --help, written from its table. */
void cli_usage(const cli_verb *v, FILE *f);

/* names.c: what a file argument names. Each returns 0 with the path in
 * out, or an exit code with the message printed: EXIT_INPUT when it
 * names nothing, EXIT_USAGE when it could name two things (a file here
 * and a shipped name). A name that is an existing file is that file;
 * else a shipped name (policies through policies/aliases.yaml). */
int cli_find_policy(const char *arg, char *out, size_t cap);
/* As cli_find_policy; "-" is stdin. */
int cli_find_scenario(const char *arg, char *out, size_t cap);
/* compare's first argument, a scenario or a policy: a file is a policy
 * when its top level has `liqsim:`, else a scenario; a name is whichever
 * shipped kind it names (both: refused). *is_scenario says which. */
int cli_find_compare_first(const char *arg, char *out, size_t cap, bool *is_scenario);
/* All shipped policies, each once (aliases are not listed: their targets
 * are), sorted by file name; caller frees each and the array. */
char **cli_shipped_policies(size_t *n);
const char *cli_policy_dir(void);
const char *cli_scenario_dir(void);
/* The policies a verb works on: its arguments, or every shipped policy
 * when it has none. Calls fn with each resolved path, and missing (when
 * not NULL) with each argument that names no policy (the message is
 * already on stderr). Returns how many named none. */
size_t cli_each_policy(const cli_opts *o, void (*fn)(const char *path, void *ud),
                       void (*missing)(const char *arg, const char *why, void *ud), void *ud);

/* An --out directory (audit, diff): made when missing, then checked to be
 * a directory this process can write in. 0, or EXIT_INPUT with the
 * message printed (`liqsim: --out DIR: ...`). */
int cli_out_dir(const char *dir);

/* One diagnostic as the line cli_print_diags prints (no newline). */
void cli_diag_text(const liq_diag *g, char *buf, size_t cap);
/* That line on stderr; the shape of a runner's on_diag callback (ud unused). */
void cli_diag_print(void *ud, const liq_diag *g);
/* The exit code an error implies: EXIT_INPUT for input, else EXIT_RUN. */
int cli_diag_exit(const liq_diag *g);

/* Print diags to stderr as path:line:col: message. Returns the exit code
 * their first error implies (EXIT_INPUT for input, EXIT_RUN otherwise),
 * or 0 when there is no error. */
int cli_print_diags(const liq_diags *d);
/* Whether the first error of d is "out of memory" (a run that failed,
 * exit 1, whatever it was loading). */
bool cli_out_of_memory(const liq_diags *d);

/* Print a JSON report (a json_t *, whose reference this takes) indented,
 * with a newline, to stdout: lint's and test's --format json. Returns 0,
 * or EXIT_RUN when out of memory (said on stderr). */
int cli_print_json(void *root);

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
int cmd_import(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_worst(int argc, char **argv);
int cmd_size(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_batch(int argc, char **argv);

#endif
