/*
 * fuzz_support.c — the scratch folder, input files and the shared checks
 * of the fuzz harnesses (see fuzz_support.h).
 *
 * The shipped files are copied, not linked: the loaders may confine the
 * files a policy names to its own folder, and a copy keeps a fuzzed file
 * next to the files it may name.
 */
#include "fuzz_support.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef LIQ_SOURCE_DIR
#error "LIQ_SOURCE_DIR must name the source tree"
#endif

static char dir[256];
static int out_fd = -1;

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    char buf[8192];
    size_t n;
    while (out && (n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, out);
    if (in)
        fclose(in);
    if (out)
        fclose(out);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Copy the .yaml, .lua and .csv files of one source folder into sub
 * (relative to the scratch folder; "" for the folder itself). */
static void copy_dir(const char *src, const char *sub)
{
    char from[1024], to[1024];
    snprintf(from, sizeof from, "%s/%s", LIQ_SOURCE_DIR, src);
    DIR *d = opendir(from);
    if (!d)
        return;
    snprintf(to, sizeof to, "%s/%s", dir, sub);
    mkdir(to, 0700);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!ends_with(e->d_name, ".yaml") && !ends_with(e->d_name, ".lua") &&
            !ends_with(e->d_name, ".csv"))
            continue;
        snprintf(from, sizeof from, "%s/%s/%s", LIQ_SOURCE_DIR, src, e->d_name);
        snprintf(to, sizeof to, "%s/%s/%s", dir, sub, e->d_name);
        copy_file(from, to);
    }
    closedir(d);
}

static void remove_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    char p[1024];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            remove_dir(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(path);
}

static void cleanup(void)
{
    remove_dir(dir);
}

const char *fz_dir(void)
{
    if (dir[0])
        return dir;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/liqsim-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("liqsim fuzz: mkdtemp");
        abort();
    }
    atexit(cleanup);
    copy_dir("policies", "");
    copy_dir("tests/data/bad_policies", "");
    copy_dir("tests/data/bad_policies/bases", "bases");
    copy_dir("tests/data/lint", "");
    copy_dir("tests/data/waterfall/policies", "");
    copy_dir("tests/data/replay/policies", "");
    copy_dir("tests/data/scenarios", "");
    copy_dir("tests/data/bad_scenarios", "");
    copy_dir("tests/data/replay/paths", "");

    /* Point fd 1 at an empty file: fz_check_stdout() then sees any byte
     * the library prints. libFuzzer itself reports on stderr. */
    char out[300];
    snprintf(out, sizeof out, "%s/stdout", dir);
    fflush(stdout);
    out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out_fd < 0 || dup2(out_fd, STDOUT_FILENO) < 0) {
        perror("liqsim fuzz: stdout");
        abort();
    }
    return dir;
}

const char *fz_write(const char *name, const uint8_t *data, size_t size)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", fz_dir(), name);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror("liqsim fuzz: writing the input");
        abort();
    }
    return path;
}

void fz_check_diags(liq_diags *d, int failed, const char *what)
{
    if (failed && liq_diags_count(d, LIQ_SEV_ERROR) == 0) {
        fprintf(stderr, "liqsim fuzz: %s failed without an error message\n", what);
        abort();
    }
    for (size_t i = 0; i < d->n; i++) {
        const liq_diag *g = &d->items[i];
        if (!g->msg || !g->msg[0] || !g->file) {
            fprintf(stderr, "liqsim fuzz: %s: a diagnostic without a message\n", what);
            abort();
        }
        if (g->code == LIQ_EINVARIANT) {
            fprintf(stderr, "liqsim fuzz: %s: %s\n", what, g->msg);
            abort();
        }
    }
    liq_diags_free(d);
}

void fz_check_stdout(void)
{
    fz_dir();
    fflush(stdout);
    struct stat st;
    if (fstat(STDOUT_FILENO, &st) == 0 && st.st_size > 0) {
        fprintf(stderr, "liqsim fuzz: the library wrote %lld bytes to stdout\n",
                (long long)st.st_size);
        abort();
    }
}
