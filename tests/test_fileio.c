/*
 * test_fileio.c — engine/fileio.c: how every loader reads a file, and
 * where a file named by a policy or scenario may lie.
 *
 * Each kind of file has a size limit (docs/limits.md), tried at its edge
 * and one byte past it: the edge by reading a file of exactly that many
 * bytes where that is cheap (hook files, policies), and by the size
 * check itself on a sparse file for the large kinds; one past it always
 * by a sparse file, which is refused from its size before a byte is
 * read. Devices and FIFOs are refused (a hook file of /dev/zero used to
 * read until the kernel killed the process), standard input is "-".
 */
#include "support/support.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"

/* dir/name holding size bytes: text repeated (a sparse file when text
 * is NULL). Returns the path; the caller frees it. */
static char *make_file(const char *dir, const char *name, size_t size, const char *text)
{
    char *path = malloc(600);
    assert_non_null(path);
    snprintf(path, 600, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    if (text) {
        size_t tl = strlen(text);
        for (size_t done = 0; done < size;) {
            size_t n = size - done < tl ? size - done : tl;
            assert_true(write(fd, text, n) == (ssize_t)n);
            done += n;
        }
    } else {
        assert_int_equal(ftruncate(fd, (off_t)size), 0);
    }
    close(fd);
    return path;
}

static const char *const kind_names[FIO_KINDS] = {"policy", "scenario", "hook file", "book",
                                                 "mark path"};
static const size_t limits_mib[FIO_KINDS] = {8, 16, 1, 512, 256};

/* The limits docs/limits.md states, by kind. */
static void each_kind_has_its_stated_limit(void **state)
{
    (void)state;
    for (int k = 0; k < FIO_KINDS; k++) {
        assert_string_equal(fio_kind_name((fio_kind)k), kind_names[k]);
        assert_int_equal(fio_limit((fio_kind)k), limits_mib[k] << 20);
    }
}

/* One byte past the limit, for every kind: refused by its size. */
static void one_byte_past_each_limit_is_refused(void **state)
{
    (void)state;
    char *dir = temp_dir();
    for (int k = 0; k < FIO_KINDS; k++) {
        size_t limit = fio_limit((fio_kind)k);
        char *path = make_file(dir, "big", limit + 1, NULL);
        liq_diags d = LIQ_DIAGS_INIT;
        fio_buf buf;
        assert_int_equal(fio_read(path, (fio_kind)k, NULL, &buf, &d), LIQ_EINPUT);
        assert_null(buf.data);
        char want[700];
        snprintf(want, sizeof want,
                 "%s: the file is larger than the %zu bytes (%zu MiB) a %s may hold "
                 "(docs/limits.md)",
                 path, limit, limits_mib[k], kind_names[k]);
        expect_first_error(&d, want);
        liq_diags_free(&d);
        free(path);
    }
    rm_tree(dir);
}

/* At the edge the file is read whole: a hook file of exactly 1 MiB and a
 * policy of exactly 8 MiB; for the large kinds, a sparse file of exactly
 * the limit passes the size check (fio_allowed stops before reading). */
static void a_file_at_each_limit_is_accepted(void **state)
{
    (void)state;
    char *dir = temp_dir();
    static const fio_kind read_whole[] = {FIO_HOOK, FIO_POLICY};
    for (size_t i = 0; i < 2; i++) {
        size_t limit = fio_limit(read_whole[i]);
        char *path = make_file(dir, "edge", limit, "-- a comment line of a hook file\n");
        liq_diags d = LIQ_DIAGS_INIT;
        fio_buf buf;
        assert_int_equal(fio_read(path, read_whole[i], NULL, &buf, &d), LIQ_OK);
        assert_int_equal(buf.len, limit);
        assert_int_equal(buf.data[limit], 0);
        free(buf.data);
        free(path);
    }
    char ref_file[600];
    snprintf(ref_file, sizeof ref_file, "%s/scenario.yaml", dir);
    for (int k = 0; k < FIO_KINDS; k++) {
        char *path = make_file(dir, "edge", fio_limit((fio_kind)k), NULL);
        liq_diags d = LIQ_DIAGS_INIT;
        fio_ref ref = {"market.path_file", ref_file, 3, 14};
        if (!fio_allowed(path, (fio_kind)k, &ref, &d))
            fail_with_diags(kind_names[k], &d);
        free(path);
    }
    rm_tree(dir);
}

/* /dev/zero never ends and a FIFO may never close: both are refused
 * from their type, at once. */
static void devices_and_fifos_are_refused(void **state)
{
    (void)state;
    liq_diags d = LIQ_DIAGS_INIT;
    fio_buf buf;
    assert_int_equal(fio_read("/dev/zero", FIO_HOOK, NULL, &buf, &d), LIQ_EINPUT);
    expect_first_error(&d, "/dev/zero: the file is not a regular file; a hook file is read "
                           "from a file or, as -, from standard input");
    liq_diags_free(&d);
    char *dir = temp_dir();
    char fifo[600];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(fio_read(fifo, FIO_PATH, NULL, &buf, &d), LIQ_EINPUT);
    assert_int_equal(d.n, 1);
    liq_diags_free(&d);
    rm_tree(dir);
}

/* A policy's hooks.file and a scenario's path_file of /dev/zero, once
 * allowed by LIQSIM_ALLOW_PATHS=/, are refused as not regular files
 * (they used to read 23.5 GB, and loop for ever). */
static void dev_zero_named_by_a_file_is_refused(void **state)
{
    (void)state;
    setenv("LIQSIM_ALLOW_PATHS", "/", 1);
    liq_diags d = LIQ_DIAGS_INIT;
    assert_null(liq_policy_load("tests/data/bad_policies/hooks_file_dev_zero.yaml", &d));
    expect_first_error(&d, "tests/data/bad_policies/hooks_file_dev_zero.yaml:20:9: hooks.file: "
                           "\"/dev/zero\" is not a regular file; a hook file is read from a file");
    liq_diags_free(&d);
    assert_null(liq_scenario_load("tests/data/bad_scenarios/path_file_dev_zero.yaml", &d));
    expect_first_error(&d, "tests/data/bad_scenarios/path_file_dev_zero.yaml:11:14: "
                           "market.path_file: \"/dev/zero\" is not a regular file; a mark path "
                           "is read from a file");
    liq_diags_free(&d);
    unsetenv("LIQSIM_ALLOW_PATHS");
}

/* Confinement: the naming file's directory and below; a symbolic link
 * out of it is judged by where it leads; LIQSIM_ALLOW_PATHS adds
 * directories (colon separated). */
static void named_files_stay_in_their_directory(void **state)
{
    (void)state;
    char *dir = temp_dir(), *out = temp_dir();
    char sub[600], link[600], ref_file[600];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    char *inside = make_file(sub, "path.csv", 8, "0,50000\n");
    char *outside = make_file(out, "secret.txt", 21, "db_password: hunter2\n");
    snprintf(link, sizeof link, "%s/link.csv", dir);
    assert_int_equal(symlink(outside, link), 0);
    snprintf(ref_file, sizeof ref_file, "%s/scenario.yaml", dir);
    fio_ref ref = {"market.path_file", ref_file, 11, 14};
    liq_diags d = LIQ_DIAGS_INIT;
    assert_true(fio_allowed(inside, FIO_PATH, &ref, &d));
    assert_false(fio_allowed(link, FIO_PATH, &ref, &d));
    char want[3000];
    snprintf(want, sizeof want,
             "%s:11:14: market.path_file: \"%s\" lies outside the directory of %s and the "
             "shipped folders; a mark path is read only from there unless LIQSIM_ALLOW_PATHS "
             "names its directory (docs/limits.md)",
             ref_file, link, ref_file);
    expect_first_error(&d, want);
    liq_diags_free(&d);
    char allow[1300];
    snprintf(allow, sizeof allow, "/nonexistent:%s", out);
    setenv("LIQSIM_ALLOW_PATHS", allow, 1);
    assert_true(fio_allowed(link, FIO_PATH, &ref, &d));
    unsetenv("LIQSIM_ALLOW_PATHS");
    assert_int_equal(d.n, 0);
    free(inside);
    free(outside);
    rm_tree(dir);
    rm_tree(out);
}

/* "-" reads standard input: here a pipe a child writes into. */
static liq_status read_stdin_from_child(size_t bytes, fio_kind kind, fio_buf *buf, liq_diags *d)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        char chunk[4096];
        memset(chunk, 'x', sizeof chunk);
        for (size_t done = 0; done < bytes;) {
            size_t n = bytes - done < sizeof chunk ? bytes - done : sizeof chunk;
            if (write(fds[1], chunk, n) != (ssize_t)n)
                _exit(0); /* the reader stopped early: that is its right */
            done += n;
        }
        _exit(0);
    }
    close(fds[1]);
    int saved = dup(STDIN_FILENO);
    dup2(fds[0], STDIN_FILENO);
    close(fds[0]);
    liq_status st = fio_read("-", kind, NULL, buf, d);
    dup2(saved, STDIN_FILENO);
    close(saved);
    int status;
    waitpid(pid, &status, 0);
    return st;
}

/* Standard input, at the hook-file limit and one byte past it. */
static void standard_input_has_the_same_limits(void **state)
{
    (void)state;
    size_t limit = fio_limit(FIO_HOOK);
    liq_diags d = LIQ_DIAGS_INIT;
    fio_buf buf;
    assert_int_equal(read_stdin_from_child(limit, FIO_HOOK, &buf, &d), LIQ_OK);
    assert_int_equal(buf.len, limit);
    free(buf.data);
    assert_int_equal(read_stdin_from_child(limit + 1, FIO_HOOK, &buf, &d), LIQ_EINPUT);
    expect_first_error(&d, "<stdin>: standard input is larger than the 1048576 bytes (1 MiB) a "
                           "hook file may hold (docs/limits.md)");
    liq_diags_free(&d);
}

/* The loaders take "-": a scenario and a book from standard input. */
static liq_status with_stdin(const char *file, void *(*load)(const char *, liq_diags *),
                             void **out, liq_diags *d)
{
    int saved = dup(STDIN_FILENO);
    int fd = open(file, O_RDONLY);
    assert_true(fd >= 0);
    dup2(fd, STDIN_FILENO);
    close(fd);
    *out = load("-", d);
    dup2(saved, STDIN_FILENO);
    close(saved);
    return *out ? LIQ_OK : LIQ_EINPUT;
}

static void *load_scenario(const char *p, liq_diags *d) { return liq_scenario_load(p, d); }
static void *load_book(const char *p, liq_diags *d) { return liq_book_load(p, d); }
static void *load_path(const char *p, liq_diags *d) { return liq_path_load(p, d); }

static void loaders_read_standard_input_as_dash(void **state)
{
    (void)state;
    liq_diags d = LIQ_DIAGS_INIT;
    void *s, *b, *p;
    if (with_stdin("scenarios/default.yaml", load_scenario, &s, &d) != LIQ_OK)
        fail_with_diags("scenario from stdin", &d);
    assert_string_equal(liq_scenario_name(s), "default");
    liq_scenario_free(s);
    /* CSV or NDJSON is told by the first character, as there is no name. */
    if (with_stdin("tests/data/books/markets.csv", load_book, &b, &d) != LIQ_OK)
        fail_with_diags("CSV book from stdin", &d);
    assert_int_equal(liq_book_accounts(b), 2);
    liq_book_free(b);
    if (with_stdin("tests/data/books/markets.ndjson", load_book, &b, &d) != LIQ_OK)
        fail_with_diags("NDJSON book from stdin", &d);
    assert_int_equal(liq_book_accounts(b), 2);
    liq_book_free(b);
    assert_int_equal(with_stdin("tests/data/paths/first-row-typo.csv", load_path, &p, &d),
                     LIQ_EINPUT);
    expect_first_error(&d, "<stdin>:1:7: not a mark path: the first row is neither a header "
                           "naming the columns (time, mark[, oracle][, index][, last][, slippage][, depth][, funding][, collateral | collateral.ASSET...]) "
                           "nor time,mark with a decimal mark");
    liq_diags_free(&d);
}

int main(void)
{
    chdir_to_project_root();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_kind_has_its_stated_limit),
        cmocka_unit_test(one_byte_past_each_limit_is_refused),
        cmocka_unit_test(a_file_at_each_limit_is_accepted),
        cmocka_unit_test(devices_and_fifos_are_refused),
        cmocka_unit_test(dev_zero_named_by_a_file_is_refused),
        cmocka_unit_test(named_files_stay_in_their_directory),
        cmocka_unit_test(standard_input_has_the_same_limits),
        cmocka_unit_test(loaders_read_standard_input_as_dash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
