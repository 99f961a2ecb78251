/*
 * fileio.c — reading input files whole, and where a named file may lie
 * (fileio.h).
 *
 * Owns opening, the regular-file and size checks, standard input, and
 * the confinement of files named inside other files. What the bytes mean
 * is the readers' business (yamltree.c, csvread.c, book.c, hook.c).
 * A hostile input must not make a read run for ever (/dev/zero, a FIFO
 * that never closes) or exhaust memory, and a file named by a policy
 * must not be a way to read, and echo into an error, a file the user
 * never meant to hand over (a secret beside the working directory).
 */
/* realpath() is X/Open, beyond the POSIX level the build asks for. */
#define _XOPEN_SOURCE 700
#include "fileio.h"
#include "mem.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef LIQSIM_POLICY_DIR
#define LIQSIM_POLICY_DIR "policies"
#endif
#ifndef LIQSIM_SCENARIO_DIR
#define LIQSIM_SCENARIO_DIR "scenarios"
#endif

#define MIB ((size_t)1 << 20)

/* docs/limits.md: a policy of 100,000 sources is about 2 MB; a hook file
 * is code a person reads; books and paths are data, a million accounts
 * being about 60 MB of CSV. */
static const struct {
    const char *name;
    size_t limit;
} kinds[FIO_KINDS] = {
    [FIO_POLICY] = {"policy", 8 * MIB},
    [FIO_SCENARIO] = {"scenario", 16 * MIB},
    [FIO_HOOK] = {"hook file", 1 * MIB},
    [FIO_BOOK] = {"book", 512 * MIB},
    [FIO_PATH] = {"mark path", 256 * MIB},
};

size_t fio_limit(fio_kind k)
{
    return kinds[k].limit;
}

const char *fio_kind_name(fio_kind k)
{
    return kinds[k].name;
}

const char *fio_display_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

/* One error about path, whose body (printf-style) follows its subject:
 * at ref, 'key: "path" <body>'; else at path, "the file <body>". */
__attribute__((format(printf, 5, 6))) static bool fail(liq_diags *d, liq_status code,
                                                        const char *path, const fio_ref *ref,
                                                        const char *fmt, ...)
{
    char body[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    if (ref)
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, fio_display_name(ref->file), ref->line,
                      ref->col, "%s: \"%s\" %s", ref->key, path, body);
    else
        liq_diags_add(d, LIQ_SEV_ERROR, code, fio_display_name(path), 0, 0, "%s %s",
                      strcmp(path, "-") == 0 ? "standard input" : "the file", body);
    return false;
}

/* A file that cannot be opened, in the words users already know. */
static bool fail_open(liq_diags *d, const char *path, const fio_ref *ref, int err)
{
    if (ref)
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, fio_display_name(ref->file), ref->line,
                      ref->col, "%s: cannot open \"%s\": %s", ref->key, path, strerror(err));
    else
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EIO, fio_display_name(path), 0, 0,
                      "cannot open: %s", strerror(err));
    return false;
}

static bool fail_size(liq_diags *d, const char *path, const fio_ref *ref, fio_kind kind)
{
    return fail(d, LIQ_EINPUT, path, ref,
                "is larger than the %zu bytes (%zu MiB) a %s may hold (docs/limits.md)",
                kinds[kind].limit, kinds[kind].limit / MIB, kinds[kind].name);
}

/* The checks a file's status must pass, shared by fio_read and
 * fio_allowed. */
static bool check_stat(const struct stat *st, const char *path, fio_kind kind, bool is_stdin,
                       const fio_ref *ref, liq_diags *d)
{
    if (!is_stdin && !S_ISREG(st->st_mode))
        return fail(d, LIQ_EINPUT, path, ref,
                    "is not a regular file; a %s is read from a file%s", kinds[kind].name,
                    ref ? "" : " or, as -, from standard input");
    if (S_ISREG(st->st_mode) && (uintmax_t)st->st_size > kinds[kind].limit)
        return fail_size(d, path, ref, kind);
    return true;
}

/* Reads fd to its end into out, refusing more than limit bytes. */
static bool read_all(int fd, size_t limit, fio_buf *out, int *err)
{
    size_t cap = 64 * 1024, n = 0;
    char *buf = mem_malloc(cap);
    for (;;) {
        if (!buf) {
            *err = ENOMEM;
            return false;
        }
        if (n == cap - 1) {
            if (cap > limit + 1) {
                *err = EFBIG;
                free(buf);
                return false;
            }
            char *nb = mem_realloc(buf, cap * 2);
            if (!nb)
                free(buf);
            buf = nb;
            cap *= 2;
            continue;
        }
        ssize_t got = read(fd, buf + n, cap - 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            *err = errno;
            free(buf);
            return false;
        }
        if (got == 0)
            break;
        n += (size_t)got;
        if (n > limit) {
            *err = EFBIG;
            free(buf);
            return false;
        }
    }
    buf[n] = 0;
    out->data = buf;
    out->len = n;
    return true;
}

liq_status fio_read(const char *path, fio_kind kind, const fio_ref *ref, fio_buf *out,
                    liq_diags *d)
{
    out->data = NULL;
    out->len = 0;
    if (ref && !fio_allowed(path, kind, ref, d))
        return LIQ_EINPUT;
    bool is_stdin = strcmp(path, "-") == 0 && !ref;
    /* O_NONBLOCK: opening a FIFO would otherwise wait for a writer before
     * the checks below could refuse it. */
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        fail_open(d, path, ref, errno);
        return ref ? LIQ_EINPUT : LIQ_EIO;
    }
    liq_status st = LIQ_OK;
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        fail(d, LIQ_EIO, path, ref, "cannot be read: %s", strerror(errno));
        st = LIQ_EIO;
    } else if (!check_stat(&sb, path, kind, is_stdin, ref, d)) {
        st = LIQ_EINPUT;
    }
    bool ok = st == LIQ_OK;
    if (ok && !is_stdin)
        (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    int err = 0;
    if (ok && !read_all(fd, kinds[kind].limit, out, &err)) {
        if (err == EFBIG) {
            fail_size(d, path, ref, kind);
            st = LIQ_EINPUT;
        } else if (err == ENOMEM) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, fio_display_name(path), 0, 0,
                          "out of memory");
            st = LIQ_ENOMEM;
        } else {
            fail(d, LIQ_EIO, path, ref, "cannot be read: %s", strerror(err));
            st = LIQ_EIO;
        }
    }
    if (!is_stdin)
        close(fd);
    return st;
}

/* ---- confinement ---------------------------------------------------- */

/* Whether real (a resolved path) is dir or lies under it. */
static bool under(const char *real, const char *dir)
{
    char *rdir = realpath(dir, NULL);
    if (!rdir)
        return false;
    size_t n = strlen(rdir);
    bool in = strncmp(real, rdir, n) == 0 &&
              (real[n] == '/' || real[n] == 0 || (n == 1 && rdir[0] == '/'));
    free(rdir);
    return in;
}

/* The directory of file ("." when it has none, and for standard input). */
static void dir_of(const char *file, char *out, size_t cap)
{
    const char *slash = strcmp(file, "-") == 0 ? NULL : strrchr(file, '/');
    if (!slash)
        snprintf(out, cap, ".");
    else if (slash == file)
        snprintf(out, cap, "/");
    else
        snprintf(out, cap, "%.*s", (int)(slash - file), file);
}

/* The shipped folders, where the CLI finds them too: the environment
 * variable, the source tree the library was built from, an install
 * beside the running program (<prefix>/bin -> <prefix>/share/liqsim). */
static bool under_shipped(const char *real)
{
    static const char *const env[] = {"LIQSIM_POLICY_DIR", "LIQSIM_SCENARIO_DIR"};
    static const char *const built[] = {LIQSIM_POLICY_DIR, LIQSIM_SCENARIO_DIR};
    static const char *const what[] = {"policies", "scenarios"};
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = 0;
    for (int i = 0; i < 2; i++) {
        const char *e = getenv(env[i]);
        char inst[PATH_MAX + 32];
        snprintf(inst, sizeof inst, "%s/../share/liqsim/%s", exe, what[i]);
        if ((e && *e && under(real, e)) || under(real, built[i]) || (slash && under(real, inst)))
            return true;
    }
    return false;
}

/* Whether real lies under a directory of LIQSIM_ALLOW_PATHS. */
static bool under_allowed(const char *real)
{
    const char *list = getenv("LIQSIM_ALLOW_PATHS");
    while (list && *list) {
        size_t n = strcspn(list, ":");
        char dir[PATH_MAX];
        if (n > 0 && n < sizeof dir) {
            memcpy(dir, list, n);
            dir[n] = 0;
            if (under(real, dir))
                return true;
        }
        list += n + (list[n] == ':');
    }
    return false;
}

bool fio_allowed(const char *path, fio_kind kind, const fio_ref *ref, liq_diags *d)
{
    char *real = realpath(path, NULL);
    if (!real)
        return fail_open(d, path, ref, errno);
    char dir[PATH_MAX];
    dir_of(ref->file, dir, sizeof dir);
    bool ok = under(real, dir) || under_shipped(real) || under_allowed(real);
    if (!ok)
        fail(d, LIQ_EINPUT, path, ref,
             "lies outside the directory of %s and the shipped folders; a %s is read only "
             "from there unless LIQSIM_ALLOW_PATHS names its directory (docs/limits.md)",
             fio_display_name(ref->file), kinds[kind].name);
    struct stat st;
    if (ok && stat(real, &st) != 0)
        ok = fail_open(d, path, ref, errno);
    ok = ok && check_stat(&st, path, kind, false, ref, d);
    free(real);
    return ok;
}
