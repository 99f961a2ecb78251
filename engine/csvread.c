/*
 * csvread.c — rows of a CSV text, each field with its line and column
 * (csvread.h), over Debian's libcsv.
 *
 * Owns the CSV syntax and its limits; what the columns mean is the
 * caller's (book.c, markpath.c). libcsv reports fields, not where they
 * are, so the text is fed in segments that end at the first ',' or line
 * break: a field can only end at a segment's last byte, and the place a
 * field starts is known when it starts.
 */
#include "csvread.h"
#include "mem.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct reader {
    const char *file;
    liq_diags *d;
    csvr_row_fn *fn;
    void *ud;
    csvr_field f[CSVR_MAX_FIELDS];
    size_t off[CSVR_MAX_FIELDS];   /* each field's text in arena */
    size_t n;
    char *arena;                   /* the row's fields, NUL-separated */
    size_t used, cap;
    int fline, fcol;               /* where the field being read starts */
    bool field_done, row_done;     /* fired during the last segment */
    bool stop;
} reader;

static bool err_at(reader *r, int line, int col, liq_status code, const char *msg)
{
    liq_diags_add(r->d, LIQ_SEV_ERROR, code, r->file, line, col, "%s", msg);
    r->stop = true;
    return false;
}

static void on_field(void *data, size_t len, void *ud)
{
    reader *r = ud;
    r->field_done = true;
    if (r->stop)
        return;
    char msg[160];
    if (r->n == CSVR_MAX_FIELDS) {
        snprintf(msg, sizeof msg, "a row holds more than %d fields (docs/limits.md)",
                 CSVR_MAX_FIELDS);
        err_at(r, r->fline, r->fcol, LIQ_EINPUT, msg);
        return;
    }
    if (len > CSVR_MAX_FIELD) {
        snprintf(msg, sizeof msg, "a field is longer than %d bytes (docs/limits.md)",
                 CSVR_MAX_FIELD);
        err_at(r, r->fline, r->fcol, LIQ_EINPUT, msg);
        return;
    }
    if (len && memchr(data, 0, len)) {
        err_at(r, r->fline, r->fcol, LIQ_EINPUT, "a NUL byte inside a field");
        return;
    }
    if (r->used + len + 1 > r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        while (cap < r->used + len + 1)
            cap *= 2;
        char *a = mem_realloc(r->arena, cap);
        if (!a) {
            err_at(r, r->fline, r->fcol, LIQ_ENOMEM, "out of memory");
            return;
        }
        r->arena = a;
        r->cap = cap;
    }
    if (len)
        memcpy(r->arena + r->used, data, len);
    r->arena[r->used + len] = 0;
    r->off[r->n] = r->used;
    r->f[r->n] = (csvr_field){NULL, len, r->fline, r->fcol};
    r->used += len + 1;
    r->n++;
}

static void on_row(int c, void *ud)
{
    (void)c;
    reader *r = ud;
    r->row_done = true;
    if (r->stop || r->n == 0)
        return;
    for (size_t i = 0; i < r->n; i++)
        r->f[i].text = r->arena + r->off[i];
    csvr_row row = {r->f[0].line, r->n, r->f};
    if (!r->fn(r->ud, &row))
        r->stop = true;
    r->n = 0;
    r->used = 0;
}

/* RFC 4180: spaces belong to the field. */
static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

static int line_end(unsigned char c)
{
    return c == '\r' || c == '\n';
}

/* The bytes a row is read by, sixteen at a time where the machine has
 * SSE2 (every x86-64): a bit per byte of the chunk at p that is a comma,
 * and (*odd) a bit per byte a plain record does not hold (a quote, a line
 * end, a NUL) or (*high) is >= 0x80 (text to check as UTF-8). A batch line
 * of ~70 bytes is four chunks and a tail, where a memchr per field and
 * per kind of byte cost ~700 instructions a line. The bytes past the last
 * whole chunk go one by one (scan_byte), through the same tests. */
#if defined(__SSE2__)
#include <emmintrin.h>
enum { CHUNK = 16 };
static unsigned scan_chunk(const char *p, unsigned *odd, unsigned *high)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i q = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                             _mm_cmpeq_epi8(v, _mm_setzero_si128()));
    __m128i e = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')),
                             _mm_cmpeq_epi8(v, _mm_set1_epi8('\r')));
    *odd = (unsigned)_mm_movemask_epi8(_mm_or_si128(q, e));
    *high = (unsigned)_mm_movemask_epi8(v);
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(',')));
}
#else
enum { CHUNK = 0 };
static unsigned scan_chunk(const char *p, unsigned *odd, unsigned *high)
{
    (void)p;
    *odd = *high = 0;
    return 0;
}
#endif

/* One byte of a row: 1 a comma, 2 a byte a plain record does not hold,
 * 4 a byte >= 0x80 (scan_chunk's tests, one byte). */
static unsigned scan_byte(unsigned char c)
{
    return c == ',' ? 1 : c == '"' || c == '\n' || c == '\r' || c == 0 ? 2 : c >= 0x80 ? 4 : 0;
}

/* The fields that end at the commas of bits c (bit k: byte i + k), after
 * the out->n so far: false when a field past max would be added (the row
 * is cut there). Where sixteen more fit (a batch line's eight, always),
 * no count is checked per comma. *e gets a bit for each comma that
 * follows a comma (*prev: the byte before bit 0 was one, or is the row's
 * start): an empty field. */
static bool take_commas(size_t i, unsigned c, csvr_cut *out, size_t max, unsigned *prev,
                        unsigned *e, unsigned width)
{
    *e |= c & (c << 1 | *prev);
    *prev = c >> (width - 1) & 1;
    size_t n = out->n;
    if (n + 16 <= max) {
        for (; c; c &= c - 1)
            out->at[++n] = i + (size_t)__builtin_ctz(c) + 1;
        out->n = n;
        return true;
    }
    for (; c; c &= c - 1) {
        if (n == max) {
            out->n = n;
            return false;
        }
        out->at[++n] = i + (size_t)__builtin_ctz(c) + 1;
    }
    out->n = n;
    return true;
}

/* The fields of one row of text, split at each comma: the first max of
 * them, each where it starts (out). The one place an unquoted row is
 * split. *odd: the row holds a quote, a line end or a NUL byte, or was
 * cut at max fields before its end (the fields are split at commas all
 * the same: the caller decides); *high: a byte >= 0x80 in what was
 * scanned. */
static size_t split_row(const char *text, size_t len, csvr_cut *out, size_t max, bool *odd,
                        bool *high)
{
    size_t i = 0;
    unsigned o = 0, h = 0, prev = 1, e = 0;
    bool whole = true;
    out->n = 0;
    out->at[0] = 0;
    for (; CHUNK && whole && i + CHUNK <= len; i += CHUNK) {
        unsigned co, ch, c = scan_chunk(text + i, &co, &ch);
        o |= co;
        h |= ch;
        whole = take_commas(i, c, out, max, &prev, &e, CHUNK);
    }
    /* The tail of a row of a chunk or more: the row's last sixteen bytes,
     * those already scanned shifted out. */
    if (CHUNK && whole && i < len && len >= (size_t)CHUNK) {
        size_t at0 = len - CHUNK;
        unsigned skip = (unsigned)(i - at0), co, ch, c = scan_chunk(text + at0, &co, &ch) >> skip;
        o |= co >> skip;
        h |= ch >> skip;
        whole = take_commas(i, c, out, max, &prev, &e, CHUNK - skip);
        i = len;
    }
    for (; whole && i < len; i++) {
        unsigned k = scan_byte((unsigned char)text[i]);
        whole = take_commas(i, k & 1, out, max, &prev, &e, 1);
        o |= k & 2;
        h |= k & 4;
    }
    size_t n = out->n;
    if (whole && n < max) {
        out->at[++n] = len + 1;
        out->n = n;
    } else {
        whole = false;
    }
    /* The last field is empty when the row ends in a comma. */
    out->empty = e != 0 || prev;
    *odd = o != 0 || !whole;
    *high = h != 0;
    return n;
}

size_t csvr_plain_record(const char *text, size_t len, csvr_cut *out, bool *high)
{
    if (len && text[len - 1] == '\n')
        len--;
    if (len && text[len - 1] == '\r')
        len--;
    *high = false;
    out->n = 0;
    if (len == 0 || text[0] == '#' || (unsigned char)text[0] == 0xEF)
        return 0;
    /* A row of more fields than the limit is cut (odd) at the limit. */
    bool odd;
    size_t n = split_row(text, len, out, CSVR_MAX_FIELDS, &odd, high);
    if (odd) {
        out->n = 0;
        return 0;
    }
    /* No field is longer than its record: a record within the field
     * limit (a batch line, most often) needs no field checked. */
    for (size_t i = 0; len > CSVR_MAX_FIELD && i < n; i++)
        if (out->at[i + 1] - out->at[i] - 1 > CSVR_MAX_FIELD) {
            out->n = 0;
            return 0;
        }
    return n;
}

/* Text with no quote character, which libcsv would only split at commas
 * and line ends: the same fields, places, limits and callbacks, split
 * here (on_field and on_row, as libcsv calls them), without feeding
 * libcsv segment by segment. A batch line or a book row is most often
 * this; anything with a quote goes through libcsv. */
static bool read_unquoted(reader *r, const char *text, size_t len, size_t pos, int line)
{
    size_t lstart = pos;
    while (pos < len && !r->stop) {
        if (text[pos] == '#') {
            const char *nl = memchr(text + pos, '\n', len - pos);
            pos = nl ? (size_t)(nl - text) + 1 : len;
            line++;
            lstart = pos;
            continue;
        }
        /* One row: up to the next line end; an empty one is no row. */
        size_t end = pos;
        while (end < len && !line_end((unsigned char)text[end]))
            end++;
        if (end > pos) {
            csvr_cut cut;
            bool odd, high;
            size_t n = split_row(text + pos, end - pos, &cut, CSVR_MAX_FIELDS + 1, &odd, &high);
            /* One past the limit is split too: on_field says so at its place. */
            for (size_t i = 0; i < n && !r->stop; i++) {
                r->fline = line;
                r->fcol = (int)(pos + cut.at[i] - lstart) + 1;
                on_field((void *)(text + pos + cut.at[i]), cut.at[i + 1] - cut.at[i] - 1, r);
            }
            if (!r->stop)
                on_row(0, r);
        }
        pos = end < len ? end + 1 : len;
        if (end < len && text[end] == '\n') {
            line++;
            lstart = pos;
        }
    }
    free(r->arena);
    return !r->stop;
}

bool csvr_read(const char *file, const char *text, size_t len, csvr_row_fn *fn, void *ud,
               liq_diags *d)
{
    return csvr_read_from(file, text, len, 1, fn, ud, d);
}

bool csvr_read_from(const char *file, const char *text, size_t len, long first_line,
                    csvr_row_fn *fn, void *ud, liq_diags *d)
{
    reader r = {.file = file, .d = d, .fn = fn, .ud = ud};
    size_t bom = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    if (!memchr(text, '"', len))
        return read_unquoted(&r, text, len, bom, (int)first_line);
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, file, 0, 0, "out of memory");
        return false;
    }
    /* libcsv's buffer comes from the engine's allocator (mem.h). */
    csv_set_realloc_func(&p, mem_realloc);
    csv_set_free_func(&p, free);
    csv_set_space_func(&p, no_space);
    csv_set_term_func(&p, line_end);
    size_t pos = 0, lstart = 0;
    int line = (int)first_line;
    bool row_open = false, field_open = false;
    /* A byte-order mark, as spreadsheets write it, is not part of the
     * first column's name. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = lstart = 3;
    while (pos < len && !r.stop) {
        if (!row_open && text[pos] == '#') {
            const char *nl = memchr(text + pos, '\n', len - pos);
            pos = nl ? (size_t)(nl - text) + 1 : len;
            line++;
            lstart = pos;
            continue;
        }
        if (!field_open) {
            r.fline = line;
            r.fcol = (int)(pos - lstart) + 1;
        }
        size_t end = pos;
        while (end < len && text[end] != ',' && !line_end((unsigned char)text[end]))
            end++;
        bool content = end > pos || (end < len && text[end] == ',');
        if (end < len)
            end++;
        r.field_done = r.row_done = false;
        size_t got = csv_parse(&p, text + pos, end - pos, on_field, on_row, &r);
        if (got < end - pos && !r.stop) {
            if (csv_error(&p) == CSV_EPARSE)
                err_at(&r, line, (int)(pos + got - lstart) + 1, LIQ_EINPUT,
                       "CSV: a quote inside a field that does not start with one, or text "
                       "after a closing quote (quote the whole field; write a quote in it as \"\")");
            else
                err_at(&r, line, (int)(pos + got - lstart) + 1, LIQ_ENOMEM, "out of memory");
        }
        if (text[end - 1] == '\n') {
            line++;
            lstart = end;
        }
        row_open = !r.row_done && (row_open || content);
        field_open = !r.row_done && !r.field_done && (field_open || content);
        pos = end;
    }
    /* Text that ends in a separator leaves one empty field for csv_fini to
     * deliver: it starts where the text ends, not where the field before
     * it did (the quick reader above places it so too). */
    if (!field_open) {
        r.fline = line;
        r.fcol = (int)(pos - lstart) + 1;
    }
    if (!r.stop && csv_fini(&p, on_field, on_row, &r) != 0 && !r.stop)
        err_at(&r, r.fline, r.fcol, LIQ_EINPUT,
               "CSV: a quoted field is not closed (a quote is missing)");
    csv_free(&p);
    free(r.arena);
    return !r.stop;
}

const char *csvr_quote(const char *text, size_t len, char out[200])
{
    size_t o = 0;
    for (size_t i = 0; i < len && i < 40; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, 8, "\\x%02x", c);
    }
    if (len > 40)
        o += (size_t)snprintf(out + o, 8, "...");
    out[o] = 0;
    return out;
}
