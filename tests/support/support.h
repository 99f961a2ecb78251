/*
 * support.h — the helper layer the cmocka suites share, as lauxlib.h is to
 * lua.h: running the built CLI and reading what it printed (cli.c), loading
 * inputs or failing the test with their diagnostics (inputs.c), the
 * directories of data-file cases with their "# expect:" header lines
 * (cases.c), exact decimals written by hand (decimals.c), and JSON events
 * written as one line of text (fields.c).
 *
 * A helper called inside a test fails that test itself when something it
 * needs goes wrong, so a test reads as its own assertions; the few that a
 * suite's main calls (chdir_to_project_root, the run_* runners) report
 * instead. The expect_* helpers are checks several suites make the same
 * way; what a case must produce is stated in its own test or data file.
 */
#ifndef LIQ_TEST_SUPPORT_H
#define LIQ_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>

#include <jansson.h>

#include "liqsim.h"

/* ---- the command line (cli.c) ----------------------------------------- */

/* What one run of the CLI left behind. */
typedef struct cli_output {
    int rc;      /* exit code, or -1 when it did not exit normally */
    char *out;   /* stdout, NUL-terminated */
    char *err;   /* stderr, NUL-terminated */
} cli_output;

/* Runs the built binary (LIQ_CLI) as `liqsim args...` (args NULL-terminated)
 * from the project root, stdin from /dev/null, stdout and stderr captured.
 * The caller frees the result with cli_output_free. */
cli_output cli_run(const char *const *args);
#define CLI(...) cli_run((const char *const[]){__VA_ARGS__, NULL})
/* The same from directory cwd (relative to the project root or
 * absolute), stdin read from the file input. */
cli_output cli_run_at(const char *cwd, const char *input, const char *const *args);
void cli_output_free(cli_output *r);

/* The exit code is rc; on a mismatch both streams are shown first. */
void expect_exit_code(const cli_output *r, int rc);
/* Exit code rc, and nothing on stdout: a failing run prints no result. */
void expect_failure(const cli_output *r, int rc);
/* stderr holds `line` as one whole line. */
void expect_err_line(const cli_output *r, const char *line);

/* The whole of a file, NUL-terminated. The caller frees it. */
char *read_file(const char *path);
/* A fresh directory under /tmp for the files one test writes; rm_tree
 * removes it with everything in it and frees the name. */
char *temp_dir(void);
void rm_tree(char *dir);
/* The case runner's promise for a verb's ndjson run (args, NULL-
 * terminated, without --jobs or --shard; it exits rc): --jobs 1, 2 and 3
 * write the same bytes, and its three shards (--shard K/3, each a file)
 * merged by `liqsim merge` are the unsharded run byte for byte. */
void expect_same_on_any_split(const char *const *args, int rc);
/* How many times needle occurs in hay (not overlapping). */
size_t count_of(const char *hay, const char *needle);

/* ---- diagnostics and loading (inputs.c) -------------------------------- */

/* A diagnostic as the CLI prints it: path:line:col: message, ":col" (or
 * ":line:col") left out when unknown; no "warning: " in front. */
void format_diag(const liq_diag *g, char *buf, size_t cap);
/* The first error of d, or NULL. */
const liq_diag *first_error(const liq_diags *d);
/* d has an error, and the first one, formatted as above, is message. */
void expect_first_error(const liq_diags *d, const char *message);
/* Every diagnostic of d, one per line, warnings marked. */
void print_diags(const liq_diags *d);
/* Prints d and fails the test with "<what> failed". */
void fail_with_diags(const char *what, const liq_diags *d);

/* Loads a file that must load, or fails the test printing why it did not.
 * The caller frees the result with its liq_*_free. */
liq_policy *load_policy_or_fail(const char *path);
liq_scenario *load_scenario_or_fail(const char *path);
/* A scenario from YAML text (name stands for its path in messages). */
liq_scenario *parse_scenario_or_fail(const char *name, const char *yaml);
liq_book *load_book_or_fail(const char *path);
liq_path *load_path_or_fail(const char *path);

/* ---- directories of case files (cases.c) ------------------------------ */

/* Case files are named relative to the project root, as a user types
 * them: a suite's main changes there first (and exits 1 if it cannot). */
void chdir_to_project_root(void);

/* The *.yaml files of dir as "dir/name", sorted; names containing skip
 * are left out (skip NULL: none). The caller frees with free_strings. */
char **yaml_files(const char *dir, const char *skip, size_t *n);
void sort_strings(char **v, size_t n);
/* The shipped policy files of dir ("policies") as yaml_files gives them:
 * neither the worked examples beside them nor aliases.yaml (old names of
 * renamed policies, read by the CLI) are policies. */
char **shipped_policy_files(const char *dir, size_t *n);
void free_strings(char **v, size_t n);

/* The values of the leading comment lines "<prefix> value" of path, in
 * order (prefix "# expect-warning:", say). The caller frees with
 * free_strings. */
char **header_values(const char *path, const char *prefix, size_t *n);
/* The first of them, or NULL. The caller frees it. */
char *header_value(const char *path, const char *prefix);
/* The message a bad input file must produce: its first line is
 * "# expect: <path:line:col: message>", and no other line says "# expect:".
 * The caller frees it. */
char *expected_message(const char *path);

/* Fails unless dir holds <name>.yaml for each of the n names: a directory
 * of cases is only worth as much as its count. */
void expect_case_files(const char *dir, const char *const *names, size_t n);

/* Runs fn once per *.yaml file of dir (skip as yaml_files) as its own
 * cmocka test, named by the file, the path as its state; fails the group
 * when dir holds fewer than at_least. Returns the number of failures. */
int run_one_test_per_file(const char *group, const char *dir, const char *skip,
                          CMUnitTestFunction fn, size_t at_least);

/* One way of trying a bad input: load it (and evaluate it, when the case
 * is wrong only then), leaving every diagnostic in d. Returns whether it
 * failed the way the case means; when not, *what says what happened. */
typedef bool bad_input_attempt(const char *path, liq_diags *d, const char **what);

/* Each *.yaml file of dir is a bad input, tried by attempt, as its own
 * test (as run_one_test_per_file): it must fail, and its first error,
 * formatted as the CLI prints it, must be exactly its expected_message. */
int run_bad_input_files(const char *group, const char *dir, bad_input_attempt *attempt,
                        size_t at_least);

/* ---- exact decimals (decimals.c) ------------------------------------- */

/* A decimal literal the test knows to be valid; fails the test if not. */
liq_dec D(const char *text);
/* v in canonical text, written into buf, which is returned. */
const char *dec_text(liq_dec v, char buf[LIQ_DEC_STRLEN]);
/* a + b and a - b, which must be exact: an overflow fails the test. */
liq_dec dec_add(liq_dec a, liq_dec b);
liq_dec dec_sub(liq_dec a, liq_dec b);

/* ---- JSON events as text (fields.c) ---------------------------------- */

/* Appends " key=value" to out (used characters of cap already written) for
 * each field of o in order, integers in decimal, strings as they are, but
 * the keys of left_out (NULL-terminated). */
void append_fields(json_t *o, const char *const *left_out, char *out, size_t cap, size_t used);

#endif
