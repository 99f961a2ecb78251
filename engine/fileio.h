/*
 * fileio.h — the one way the engine reads an input file: whole, into
 * memory, from a regular file (or standard input, named "-"), within a
 * size limit per kind of file; and the one rule for files that a policy
 * or scenario names (extends, hooks.file, path_file): they must lie in
 * the naming file's directory, a shipped folder, or a directory the user
 * allowed. docs/limits.md states every limit here.
 */
#ifndef LIQ_FILEIO_H
#define LIQ_FILEIO_H

#include "liqsim.h"

typedef enum fio_kind {
    FIO_POLICY,     /* a policy, an extends: base, a policy's examples */
    FIO_SCENARIO,
    FIO_HOOK,       /* a Lua hook file */
    FIO_BOOK,
    FIO_PATH,       /* a mark path (CSV) */
    FIO_KINDS
} fio_kind;

/* The most bytes a file of kind k may hold. */
size_t fio_limit(fio_kind k);
/* "policy", "scenario", "hook file", "book", "mark path". */
const char *fio_kind_name(fio_kind k);

/* Who named a file: the key and where it is written. Errors about the
 * file then point there (the user fixes that line). */
typedef struct fio_ref {
    const char *key;    /* "extends", "hooks.file", "market.path_file" */
    const char *file;   /* the file that names it ("-": standard input) */
    int line, col;
} fio_ref;

/* The name messages use for path: "<stdin>" for "-", else path. */
const char *fio_display_name(const char *path);

/* A file's bytes, NUL-terminated (len excludes the NUL). */
typedef struct fio_buf {
    char *data;
    size_t len;
} fio_buf;

/* Reads path ("-": standard input) whole into out. Refuses anything but
 * a regular file (a device, a FIFO, a directory: /dev/zero would never
 * end) and more than fio_limit(kind) bytes. With ref, the file must also
 * pass fio_allowed and errors point at ref; without, at path. Returns
 * LIQ_OK, or the failure's status (LIQ_EIO: cannot open or read;
 * LIQ_EINPUT: not allowed, not a regular file, too large; LIQ_ENOMEM)
 * with one error in d. out->data is the caller's (free). */
liq_status fio_read(const char *path, fio_kind kind, const fio_ref *ref, fio_buf *out,
                    liq_diags *d);

/* Whether a file named at ref may be read: it exists, is a regular file
 * within the kind's limit, and lies (symbolic links resolved) under the
 * directory of ref->file or its subdirectories, the shipped policies or
 * scenarios folder, or a directory listed in LIQSIM_ALLOW_PATHS (colon
 * separated; "/" allows every file). False with one error at ref, which
 * names the file but never shows its content. */
bool fio_allowed(const char *path, fio_kind kind, const fio_ref *ref, liq_diags *d);

#endif
