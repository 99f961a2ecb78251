/*
 * test_scaffold.c — `liqsim new NAME` (tools/cmd_new.c): the policy an
 * author starts from.
 *
 * Its header promises that `liqsim lint --strict` stays unhappy until
 * every section is sourced: each `assumed: "placeholder from liqsim new"`
 * is a lint warning at its own line, and the file passes --strict once
 * every placeholder (and the TODO text beside it) is replaced.
 */
#include "support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"

#define PLACEHOLDER "assumed: \"" LIQ_SCAFFOLD_PLACEHOLDER "\""

/* A fresh directory for the files a test writes; removed by rm_dir. */
static char *temp_dir(void)
{
    char *dir = strdup("/tmp/liqsim-scaffold-XXXXXX");
    assert_non_null(dir);
    assert_non_null(mkdtemp(dir));
    return dir;
}

static void rm_dir(char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

/* text with every `from` replaced by `to`; the caller frees it. */
static char *replace_all(const char *text, const char *from, const char *to)
{
    size_t lf = strlen(from), lt = strlen(to), n = 0;
    for (const char *p = strstr(text, from); p; p = strstr(p + lf, from))
        n++;
    char *out = malloc(strlen(text) + n * lt + 1);
    assert_non_null(out);
    char *w = out;
    for (const char *p = text, *q; (q = strstr(p, from)) || *p; p = q + lf) {
        if (!q) {
            strcpy(w, p);
            return out;
        }
        memcpy(w, p, (size_t)(q - p));
        w += q - p;
        memcpy(w, to, lt);
        w += lt;
    }
    *w = 0;
    return out;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static size_t count(const char *text, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(text, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

/* `liqsim new demo` in dir: the path of the file it wrote (caller frees). */
static char *new_policy(const char *dir, const char *name)
{
    char *path = malloc(strlen(dir) + strlen(name) + 8);
    assert_non_null(path);
    sprintf(path, "%s/%s.yaml", dir, name);
    cli_output r = CLI("new", name, "-o", path);
    expect_exit_code(&r, EXIT_SUCCESS);
    cli_output_free(&r);
    return path;
}

/* Every placeholder the scaffold writes is one warning, at its line. */
static void lint_strict_fails_on_each_placeholder_new_wrote(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char *path = new_policy(dir, "demo");
    char *text = read_file(path);
    size_t placeholders = count(text, PLACEHOLDER);
    assert_true(placeholders >= 5);

    cli_output r = CLI("lint", "--strict", path);
    expect_exit_code(&r, 3);
    assert_int_equal(count(r.err, "assumed: \"" LIQ_SCAFFOLD_PLACEHOLDER "\" is not a source"),
                     placeholders);
    /* Each at the line of its own placeholder: the contract's first. */
    char want[600];
    snprintf(want, sizeof want, "%s:", path);
    assert_true(strncmp(r.err, want, strlen(want)) == 0);
    assert_non_null(strstr(r.err, ": warning: contract: assumed: \"" LIQ_SCAFFOLD_PLACEHOLDER
                                  "\" is not a source: cite one (source: ID) or say why the "
                                  "value is assumed\n"));
    cli_output_free(&r);
    free(text);
    free(path);
    rm_dir(dir);
}

/* Replace the TODO text and the placeholder source by real-looking ones:
 * lint --strict still fails while one placeholder is left, and passes
 * once each section cites the source. */
static void lint_strict_passes_once_every_section_is_sourced(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char *path = new_policy(dir, "demo");
    char *text = read_file(path);
    char *a = replace_all(text, "TODO", "Demo");
    char *b = replace_all(a, "example.invalid", "example.com");
    char *sourced = replace_all(b, PLACEHOLDER, "source: todo");
    /* All but the last placeholder sourced. */
    const char *last = NULL;
    for (const char *p = strstr(b, PLACEHOLDER); p; p = strstr(p + 1, PLACEHOLDER))
        last = p;
    assert_non_null(last);
    char *head = strndup(b, (size_t)(last - b));
    char *head_sourced = replace_all(head, PLACEHOLDER, "source: todo");
    char *one_left = malloc(strlen(head_sourced) + strlen(last) + 1);
    assert_non_null(one_left);
    strcat(strcpy(one_left, head_sourced), last);

    write_text(path, one_left);
    cli_output r = CLI("lint", "--strict", path);
    expect_exit_code(&r, 3);
    assert_int_equal(count(r.err, "warning: "), 1);
    assert_non_null(strstr(r.err, "is not a source: cite one"));
    cli_output_free(&r);

    write_text(path, sourced);
    r = CLI("lint", "--strict", path);
    expect_exit_code(&r, EXIT_SUCCESS);
    assert_string_equal(r.err, "");
    cli_output_free(&r);

    free(one_left);
    free(head_sourced);
    free(head);
    free(sourced);
    free(b);
    free(a);
    free(text);
    free(path);
    rm_dir(dir);
}

int main(void)
{
    chdir_to_project_root();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lint_strict_fails_on_each_placeholder_new_wrote),
        cmocka_unit_test(lint_strict_passes_once_every_section_is_sourced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
