/*
 * cli.c — running the built liqsim binary the way a user does, and reading
 * back everything it printed: its stdout and stderr go to unlinked
 * temporary files, read once it has exited. Also reads whole files, for
 * suites that compare a file with what the CLI generates.
 *
 * What the output must say is left to each suite (test_cli.c holds the
 * contract, test_replay.c the replay verb); this file only runs and fetches.
 */
#include "support/support.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Everything left in fd, from its start. */
static char *read_fd(int fd)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    for (;;) {
        if (n + 1 >= cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        ssize_t got = read(fd, buf + n, cap - n - 1);
        assert_true(got >= 0);
        if (got == 0)
            break;
        n += (size_t)got;
    }
    buf[n] = 0;
    return buf;
}

/* A temporary file no other process can find: unlinked at once. */
static int anonymous_temp_fd(void)
{
    char name[] = "/tmp/liqsim-test-XXXXXX";
    int fd = mkstemp(name);
    assert_true(fd >= 0);
    unlink(name);
    return fd;
}

cli_output cli_run(const char *const *args)
{
    return cli_run_at(LIQ_SOURCE_DIR, "/dev/null", args);
}

cli_output cli_run_at(const char *cwd, const char *input, const char *const *args)
{
    const char *argv[32];
    size_t n = 0;
    argv[n++] = LIQ_CLI;
    for (; *args; args++) {
        assert_true(n < 31);
        argv[n++] = *args;
    }
    argv[n] = NULL;
    int out = anonymous_temp_fd(), err = anonymous_temp_fd();
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int in = open(input, O_RDONLY);
        if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0 ||
            chdir(cwd) != 0)
            _exit(127);
        execv(LIQ_CLI, (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    cli_output r = {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_fd(out), read_fd(err)};
    close(out);
    close(err);
    return r;
}

void cli_output_free(cli_output *r)
{
    free(r->out);
    free(r->err);
}

void expect_exit_code(const cli_output *r, int rc)
{
    if (r->rc != rc)
        print_message("exit %d, expected %d\n--- stdout\n%s--- stderr\n%s---\n", r->rc, rc,
                      r->out, r->err);
    assert_int_equal(r->rc, rc);
}

void expect_failure(const cli_output *r, int rc)
{
    expect_exit_code(r, rc);
    assert_string_equal(r->out, "");
}

void expect_err_line(const cli_output *r, const char *line)
{
    size_t len = strlen(line);
    for (const char *p = r->err; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, line, len) == 0 && (p[len] == '\n' || p[len] == 0))
            return;
    fail_msg("stderr lacks the line\n  %s\n--- stderr\n%s---", line, r->err);
}

char *read_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        fail_msg("%s: cannot open", path);
    char *text = read_fd(fd);
    close(fd);
    return text;
}

char *temp_dir(void)
{
    char *dir = strdup("/tmp/liqsim-test-XXXXXX");
    assert_non_null(dir);
    assert_non_null(mkdtemp(dir));
    return dir;
}

void rm_tree(char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* Runs args with extra (each NULL-terminated) appended. */
static cli_output run_with(const char *const *args, const char *const *extra)
{
    const char *argv[32];
    size_t n = 0;
    for (; *args; args++) {
        assert_true(n < 28);
        argv[n++] = *args;
    }
    for (; *extra; extra++) {
        assert_true(n < 31);
        argv[n++] = *extra;
    }
    argv[n] = NULL;
    return cli_run(argv);
}

void expect_same_on_any_split(const char *const *args, int rc)
{
    cli_output one = run_with(args, (const char *const[]){"--jobs", "1", NULL});
    expect_exit_code(&one, rc);
    assert_true(strlen(one.out) > 0);
    for (int jobs = 2; jobs <= 3; jobs++) {
        char j[4];
        snprintf(j, sizeof j, "%d", jobs);
        cli_output more = run_with(args, (const char *const[]){"--jobs", j, NULL});
        expect_exit_code(&more, rc);
        assert_string_equal(more.out, one.out);
        cli_output_free(&more);
    }
    /* Three shards, each a file, merged. */
    char *dir = temp_dir();
    char paths[3][400];
    for (int k = 1; k <= 3; k++) {
        char sh[8];
        snprintf(sh, sizeof sh, "%d/3", k);
        snprintf(paths[k - 1], sizeof paths[k - 1], "%s/shard-%d.ndjson", dir, k);
        cli_output s = run_with(args, (const char *const[]){"--shard", sh, NULL});
        assert_true(s.rc == rc || s.rc == 0);   /* a shard may hold none of the failures */
        FILE *f = fopen(paths[k - 1], "w");
        assert_non_null(f);
        assert_int_equal(fputs(s.out, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
        cli_output_free(&s);
    }
    cli_output m = CLI("merge", paths[0], paths[1], paths[2]);
    expect_exit_code(&m, 0);
    assert_string_equal(m.out, one.out);
    cli_output_free(&m);
    rm_tree(dir);
    cli_output_free(&one);
}
