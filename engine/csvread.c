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
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdint.h>
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

/* The fields that start after the commas of bits c (bit k: byte base +
 * k), after the n so far: the new count, which may pass max by up to 63
 * (csvr_cut.at has the room; the caller cuts the row there). */
static size_t take_commas(size_t base, uint64_t c, csvr_cut *out, size_t n)
{
    for (; c; c &= c - 1)
        out->at[++n] = base + (size_t)__builtin_ctzll(c) + 1;
    return n;
}

#if defined(__SSE2__)
/* A chunk's commas as bits; its bytes a plain record does not hold (a
 * quote, a NUL, a line end) and its high ones ORed into *odd and *high.
 * A control byte up to '\r' (a tab, say) counts as odd too: one test for
 * the four, and such a row is read by csvr_read_from, which reads it the
 * same. */
static inline unsigned scan_chunk(const char *p, __m128i *odd, __m128i *high)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i low = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8('\r')), v);
    *odd = _mm_or_si128(*odd, _mm_or_si128(low, _mm_cmpeq_epi8(v, _mm_set1_epi8('"'))));
    *high = _mm_or_si128(*high, v);
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(',')));
}
#endif

/* The fields of one row of text, split at each comma: the first max of
 * them, each where it starts (out). The one place an unquoted row is
 * split. *odd: the row holds a quote or a control byte up to '\r' (a
 * line end, a NUL, a tab), or was cut at max fields before its end (the fields are split at commas all
 * the same: the caller decides); *high: a byte >= 0x80 in what was
 * scanned.
 *
 * Sixteen bytes at a time where the machine has SSE2 (every x86-64): the
 * commas of sixty-four bytes gathered in one word, then the fields taken
 * from it; the bytes a plain record does not hold, and the high ones,
 * gathered in two vectors tested once at the end. The last chunk of a
 * row of sixteen bytes or more is its last sixteen bytes, the commas of
 * those already scanned shifted out (its other bytes are the row's own:
 * tested twice, the same answer). A batch line of ~70 bytes is five
 * chunks, where a test per chunk and per comma cost ~310 instructions. */
static size_t split_row(const char *text, size_t len, csvr_cut *out, size_t max, bool *odd,
                        bool *high)
{
    unsigned o = 0, h = 0;
    uint64_t e = 0, prev = 1;
    size_t n = 0, i = 0;
    out->at[0] = 0;
#if defined(__SSE2__)
    if (len >= 16) {
        __m128i vo = _mm_setzero_si128(), vh = _mm_setzero_si128();
        size_t base = 0;
        for (; base + 64 <= len && n <= max; base += 64) {
            const char *p = text + base;
            uint64_t c = scan_chunk(p, &vo, &vh);
            c |= (uint64_t)scan_chunk(p + 16, &vo, &vh) << 16;
            c |= (uint64_t)scan_chunk(p + 32, &vo, &vh) << 32;
            c |= (uint64_t)scan_chunk(p + 48, &vo, &vh) << 48;
            /* A comma after a comma (or first): an empty field. */
            e |= c & (c << 1 | prev);
            prev = c >> 63;
            n = take_commas(base, c, out, n);
        }
        if (base < len && n <= max) {
            uint64_t c = 0;
            for (i = base; i + 16 <= len; i += 16)
                c |= (uint64_t)scan_chunk(text + i, &vo, &vh) << (i - base);
            if (i < len)
                c |= (uint64_t)(scan_chunk(text + len - 16, &vo, &vh) >> (i - (len - 16)))
                     << (i - base);
            e |= c & (c << 1 | prev);
            n = take_commas(base, c, out, n);
        }
        o = (unsigned)_mm_movemask_epi8(vo);
        h = (unsigned)_mm_movemask_epi8(vh);
        i = len;
    }
#endif
    for (; i < len && n <= max; i++) {
        unsigned char ch = (unsigned char)text[i];
        uint64_t c = ch == ',';
        e |= c & prev;
        prev = c;
        n = take_commas(i, c, out, n);
        o |= ch == '"' || ch <= '\r';
        h |= ch >= 0x80;
    }
    /* Past max: the row is cut at max fields (the first max starts kept). */
    bool whole = n < max;
    if (whole)
        out->at[++n] = len + 1;
    else
        n = max;
    out->n = n;
    /* The last field is empty when the row ends in a comma. */
    out->empty = e != 0 || len == 0 || text[len - 1] == ',';
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
