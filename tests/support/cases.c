/*
 * cases.c — directories of data-file cases. A bad input is a small file
 * whose first line is the exact message a user must read
 * ("# expect: path:line:col: message"); other leading comment lines carry
 * what else a case needs ("# policy:", "# expect-warning:"). This file
 * lists such directories, reads those header lines, checks a bad input
 * against its message through a suite's own way of trying it, and runs one
 * cmocka test per file, so that adding a case is adding a file.
 *
 * How each kind of input is loaded or evaluated stays with its suite
 * (test_policy_load.c, test_scenario_load.c).
 */
#include "support/support.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void chdir_to_project_root(void)
{
    if (chdir(LIQ_SOURCE_DIR) != 0) {
        perror(LIQ_SOURCE_DIR);
        exit(1);
    }
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void sort_strings(char **v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof *v, compare_strings);
}

void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

char **yaml_files(const char *dir, const char *skip, size_t *n)
{
    DIR *d = opendir(dir);
    char **out = NULL;
    size_t cap = 0;
    *n = 0;
    if (!d)
        return NULL;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || e->d_name[0] == '.' || strcmp(e->d_name + len - 5, ".yaml") != 0)
            continue;
        if (skip && strstr(e->d_name, skip))
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            out = realloc(out, cap * sizeof *out);
            assert_non_null(out);
        }
        size_t sz = strlen(dir) + len + 2;
        out[*n] = malloc(sz);
        assert_non_null(out[*n]);
        snprintf(out[*n], sz, "%s/%s", dir, e->d_name);
        (*n)++;
    }
    closedir(d);
    sort_strings(out, *n);
    return out;
}

char **shipped_policy_files(const char *dir, size_t *n)
{
    char **all = yaml_files(dir, ".examples.yaml", n);
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        const char *base = strrchr(all[i], '/') + 1;
        if (strcmp(base, "aliases.yaml") == 0)
            free(all[i]);
        else
            all[k++] = all[i];
    }
    *n = k;
    return all;
}

char **header_values(const char *path, const char *prefix, size_t *n)
{
    FILE *f = fopen(path, "r");
    char **out = NULL;
    char line[2048];
    size_t plen = strlen(prefix);
    *n = 0;
    if (!f)
        fail_msg("%s: cannot open", path);
    while (fgets(line, sizeof line, f) && line[0] == '#') {
        line[strcspn(line, "\r\n")] = 0;
        if (strncmp(line, prefix, plen) != 0 || line[plen] != ' ')
            continue;
        out = realloc(out, (*n + 1) * sizeof *out);
        assert_non_null(out);
        out[(*n)++] = strdup(line + plen + 1);
    }
    fclose(f);
    return out;
}

char *header_value(const char *path, const char *prefix)
{
    size_t n;
    char **all = header_values(path, prefix, &n);
    char *first = n ? all[0] : NULL;
    for (size_t i = 1; i < n; i++)
        free(all[i]);
    free(all);
    return first;
}

char *expected_message(const char *path)
{
    static const char prefix[] = "# expect: ";
    FILE *f = fopen(path, "r");
    char line[2048];
    if (!f)
        fail_msg("%s: cannot open", path);
    bool first_line_says_it = fgets(line, sizeof line, f) &&
                              strncmp(line, prefix, sizeof prefix - 1) == 0;
    fclose(f);
    size_t n;
    char **all = header_values(path, "# expect:", &n);
    if (!first_line_says_it || n != 1) {
        free_strings(all, n);
        fail_msg("%s: the first line must be '# expect: <path:line:col: message>', and the "
                 "only one",
                 path);
    }
    char *msg = all[0];
    free(all);
    return msg;
}

void expect_case_files(const char *dir, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s.yaml", dir, names[i]);
        if (access(path, R_OK) != 0)
            fail_msg("missing case %s", path);
    }
}

/* The bad input at path fails, and its first error, formatted as the CLI
 * prints it, is exactly the file's expected_message. */
static void expect_bad_input_fails_with_its_message(const char *path, bad_input_attempt *attempt)
{
    char *expect = expected_message(path);
    liq_diags d = LIQ_DIAGS_INIT;
    const char *what = "it did not fail";
    bool failed_as_meant = attempt(path, &d, &what);
    const liq_diag *e = first_error(&d);
    char got[2048] = "(no error)";
    if (e)
        format_diag(e, got, sizeof got);
    bool same = failed_as_meant && e != NULL && strcmp(got, expect) == 0;
    if (!same) {
        print_message("%s\n  expected: %s\n       got: %s%s%s\n  all diagnostics:\n", path,
                      expect, got, failed_as_meant ? "" : " -- ", failed_as_meant ? "" : what);
        print_diags(&d);
    }
    liq_diags_free(&d);
    free(expect);
    assert_true(same);
}

/* The state of one bad-input test. */
typedef struct bad_input {
    const char *path;
    bad_input_attempt *attempt;
} bad_input;

static void bad_input_fails_with_its_message(void **state)
{
    const bad_input *c = *state;
    expect_bad_input_fails_with_its_message(c->path, c->attempt);
}

/* One cmocka test per file of dir: fn with the file's path as its state,
 * or, given an attempt, the bad-input check of that file. */
static int run_per_file(const char *group, const char *dir, const char *skip,
                        CMUnitTestFunction fn, bad_input_attempt *attempt, size_t at_least)
{
    size_t n;
    char **files = yaml_files(dir, skip, &n);
    if (n < at_least) {
        fprintf(stderr, "%s: %zu cases, expected at least %zu\n", dir, n, at_least);
        free_strings(files, n);
        return 1;
    }
    struct CMUnitTest *tests = calloc(n, sizeof *tests);
    bad_input *bad = calloc(n, sizeof *bad);
    if (!tests || !bad) {
        free(tests);
        free(bad);
        free_strings(files, n);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        bad[i] = (bad_input){files[i], attempt};
        tests[i].name = files[i];
        tests[i].test_func = attempt ? bad_input_fails_with_its_message : fn;
        tests[i].initial_state = attempt ? (void *)&bad[i] : files[i];
    }
    int failed = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
    free(tests);
    free(bad);
    free_strings(files, n);
    return failed;
}

int run_one_test_per_file(const char *group, const char *dir, const char *skip,
                          CMUnitTestFunction fn, size_t at_least)
{
    return run_per_file(group, dir, skip, fn, NULL, at_least);
}

int run_bad_input_files(const char *group, const char *dir, bad_input_attempt *attempt,
                        size_t at_least)
{
    return run_per_file(group, dir, NULL, NULL, attempt, at_least);
}
