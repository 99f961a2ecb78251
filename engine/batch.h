/*
 * batch.h — scenarios from the lines of a batch: a CSV row or an NDJSON
 * object per scenario, each a base scenario (a --scenario file, or none)
 * with the line's keys set over it (docs/batch.md).
 *
 * A line's keys are the scenario file's own, dotted (position.size), or
 * their short names (size); its values go through the scenario loader's
 * checks and messages, at the line's file:line:col. The first line of
 * each set of keys a thread meets is loaded whole, by the scenario loader
 * itself (every rule, every cross-key check); the following lines with
 * the same keys change only those keys' values in a copy of it, each
 * through the loader's own per-key step (schema_load_value), so a line
 * costs a few decimal parses rather than a document. A line the quick
 * step refuses is loaded whole again, so that its message is the loader's.
 */
#ifndef LIQ_BATCH_H
#define LIQ_BATCH_H

#include "liqsim.h"
#include "csvread.h"

/* Bytes in one batch line (a CSV record or an NDJSON object), and keys a
 * line can set (docs/limits.md). */
#define BATCH_MAX_LINE 65536
#define BATCH_MAX_KEYS 64

/* The keys a line may set, and the base scenario: made once, then read
 * by every thread. */
typedef struct batch_keys batch_keys;

/* input: the name messages use for the input ("<stdin>"), copied.
 * base_path: a scenario file whose keys every line starts from, or NULL
 * (every line then gives what a scenario file must). Caller owns the
 * result (batch_keys_free); NULL with an error in d. */
batch_keys *batch_keys_new(const char *input, const char *base_path, liq_diags *d);
void batch_keys_free(batch_keys *k);
/* The key a column or NDJSON member names (dotted, short, or "id" for
 * name), or -1. */
int batch_key_find(const batch_keys *k, const char *name);
/* Its dotted name ("position.size"). */
const char *batch_key_name(const batch_keys *k, int key);

/* A column of a header as batch_read sets its value: resolved once,
 * when the header is read, rather than per value (batch.c). */
struct bkey;
typedef struct batch_col {
    size_t col;                      /* the column (0-based) */
    size_t slot;                     /* the value's place, from a scenario's s_root */
    const struct schema_rule *rule;  /* a decimal's rule */
    const struct bkey *bk;           /* the key */
} batch_col;

/* A CSV input's header: the key of each column; for a header that
 * batch_header_read accepts (ok: every column a key, none twice), the
 * keys of all the columns and the id's column (-1: none), which a line
 * with no empty field sets; and its columns as batch_read sets them,
 * the decimals (dec) apart from the rest (other). */
typedef struct batch_header {
    int key[CSVR_MAX_FIELDS];
    size_t n;
    bool ok;
    uint64_t all;
    int id_col;
    batch_col dec[CSVR_MAX_FIELDS], other[CSVR_MAX_FIELDS];
    size_t ndec, nother;
} batch_header;

/* Read the header row (text, len bytes, starting on line). False with
 * an error per bad column (unknown, set twice, or not settable per line)
 * at its line:col. */
bool batch_header_read(const batch_keys *k, const char *text, size_t len, long line,
                       batch_header *h, liq_diags *d);

/* One thread's reader: its loaded scenarios per set of keys, and the
 * scenario of the line it read last. */
typedef struct batch_reader batch_reader;
/* whole: every line loaded whole by the scenario loader, none the quick
 * way. For --explain: a trace cites the marks of keys a line leaves at
 * their defaults, which the loader places on the line's own sections; a
 * quick line would cite those of the line its scenario was first loaded
 * from. */
batch_reader *batch_reader_new(const batch_keys *k, bool whole);
void batch_reader_free(batch_reader *br);

/* Readable bytes batch_read needs before a line's text (any values,
 * never part of the result; it reads nothing past text + len): a line's
 * decimals are read sixteen bytes at a time ending with their last byte
 * (decimal.h dec_parse_padded). The runner's records have them (runner.h
 * RUN_PAD). */
#define BATCH_PAD 16

/* The scenario of one line (text, len bytes, from line on, BATCH_PAD
 * readable bytes before text): owned by br, valid until the next call on br. NULL with the line's errors in d
 * (LIQ_EINPUT at file:line:col; LIQ_ENOMEM). h is the CSV header, NULL
 * for an NDJSON line. */
const liq_scenario *batch_read(batch_reader *br, const batch_header *h, const char *text,
                               size_t len, long line, liq_diags *d);

/* The id of the line read last: its `id` (or `name`), else "input:LINE". */
const char *batch_read_id(const batch_reader *br);

#endif
