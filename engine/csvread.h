/*
 * csvread.h — the one CSV reader: books, mark paths (replay's and a
 * scenario's path_file) read their rows through it.
 *
 * RFC 4180 by Debian's libcsv: quoted fields may hold commas, quotes
 * ("") and line breaks; there is no line-length limit to split a row in
 * two. Lines whose first character is '#' (outside a quoted field) are
 * comments and blank lines are skipped, as the shipped files use them.
 * Spaces are part of a field (" 1" is not a number). The stated limits
 * (docs/limits.md) are errors, never silent truncation.
 */
#ifndef LIQ_CSVREAD_H
#define LIQ_CSVREAD_H

#include "liqsim.h"

#define CSVR_MAX_FIELD 1024   /* bytes in one field */
#define CSVR_MAX_FIELDS 32    /* fields in one row */

typedef struct csvr_field {
    const char *text;   /* NUL-terminated, as unquoted */
    size_t len;
    int line, col;      /* 1-based, where the field starts in the file */
} csvr_field;

typedef struct csvr_row {
    int line;           /* the line the row starts on */
    size_t n;
    const csvr_field *f;
} csvr_row;

/* Called once per row, in order; the row lives until the call returns.
 * Returns false to stop (having added its own error to the diags). */
typedef bool csvr_row_fn(void *ud, const csvr_row *row);

/* Reads text (len bytes; file names it in messages) row by row. Returns
 * true when every row was read and accepted; false with the reader's own
 * error in d (bad quoting, a limit passed, a NUL byte) or fn's. */
bool csvr_read(const char *file, const char *text, size_t len, csvr_row_fn *fn, void *ud,
               liq_diags *d);

/* The same for text that starts on line first_line of file (a record
 * cut out of a larger input): lines in fields and messages count from
 * there. */
bool csvr_read_from(const char *file, const char *text, size_t len, long first_line,
                    csvr_row_fn *fn, void *ud, liq_diags *d);

/* The fields of a record read in place, as where each starts: field i
 * is text[at[i], at[i + 1] - 1) (the byte before the next start is its
 * comma, or the record's end), at its 1-based column at[i] + 1. One
 * offset a field, where a pointer, a length and a column were three
 * stores: a batch line has eight. empty: a field of them is empty
 * (two commas side by side, or one first or last). */
typedef struct csvr_cut {
    size_t n;
    bool empty;
    /* n + 1 of them; the rest csvread.c's own room: a row is split
     * sixty-four bytes at a time, and cut at the limit after. */
    size_t at[CSVR_MAX_FIELDS + 2 + 64];
} csvr_cut;

/* One record (a batch line: text[0, len), one final \n or \r\n aside)
 * that the quick reader takes as it is: no quote, no other line break,
 * no NUL byte or other control byte up to '\r' (a tab: such a record is
 * csvr_read_from's, which reads it the same), no byte-order mark or '#'
 * first, at most CSVR_MAX_FIELDS
 * fields of at most CSVR_MAX_FIELD bytes. Its fields, split where
 * csvr_read_from splits them, go in out without a copy; returns their
 * count (out->n), or 0 for any other record (read it with csvr_read_from,
 * which reads it or says what is wrong). *high: a record taken holds a
 * byte >= 0x80 (ASCII text needs no UTF-8 check). */
size_t csvr_plain_record(const char *text, size_t len, csvr_cut *out, bool *high);

/* Text of a field fit to quote in a message: at most 40 bytes (then
 * "..."), bytes that are not printable ASCII as \xNN (a field must not
 * carry terminal escapes into stderr). Returns out. */
const char *csvr_quote(const char *text, size_t len, char out[200]);

#endif
