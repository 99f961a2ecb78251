/*
 * import_json.c — a saved venue API response, parsed by jansson, with
 * exact numbers and a line and column for every value.
 *
 * Owns the rewrite described in import_json.h and the accessors that read
 * it back. Which keys a venue's response has, and what they mean, is left
 * to import.c. The rewrite only ever adds characters outside strings, so
 * everything jansson reports is mapped back through a list of insertions
 * (out offset, bytes added, original offset) to the user's own file.
 */
#include "import_json.h"
#include "mem.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A saved response larger than this is refused before it is read: the
 * biggest of the supported ones (Bybit's full linear risk-limit list) is
 * about 1 MiB. docs/import.md states the limit. */
#define IJSON_MAX_BYTES (8u * 1024u * 1024u)

/* As jansson decodes them: the hidden member "\u0001@" holds "<offset>"
 * of the object's '{'; a number becomes "\u0002<offset>:<spelling>". */
#define POS_KEY "\x01@"
#define NUM_MARK '\x02'

typedef struct insertion {
    size_t out_at;    /* where the inserted bytes start in the rewrite */
    size_t n;         /* how many were inserted there */
    size_t orig;      /* the original offset they stand for */
} insertion;

typedef struct rewrite {
    char *out;
    size_t len, cap;
    insertion *ins;
    size_t nins, capins;
    bool oom;
} rewrite;

static void put(rewrite *w, const char *s, size_t n)
{
    if (w->oom)
        return;
    if (w->len + n + 1 > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (w->len + n + 1 > cap)
            cap *= 2;
        char *p = mem_realloc(w->out, cap);
        if (!p) {
            w->oom = true;
            return;
        }
        w->out = p;
        w->cap = cap;
    }
    memcpy(w->out + w->len, s, n);
    w->len += n;
    w->out[w->len] = 0;
}

/* Bytes that are ours, not the user's: remembered so positions map back. */
static void put_inserted(rewrite *w, const char *s, size_t n, size_t orig)
{
    if (w->oom)
        return;
    if (w->nins == w->capins) {
        size_t cap = w->capins ? w->capins * 2 : 256;
        insertion *p = mem_realloc(w->ins, cap * sizeof *p);
        if (!p) {
            w->oom = true;
            return;
        }
        w->ins = p;
        w->capins = cap;
    }
    w->ins[w->nins++] = (insertion){w->len, n, orig};
    put(w, s, n);
}

/* Length of a JSON number at s (RFC 8259 grammar), 0 when s does not
 * start one. A malformed number is left as it is, for jansson to refuse. */
static size_t number_len(const char *s)
{
    const char *p = s;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return 0;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    /* "1x" or "01": not a number jansson would take either. */
    if ((*p >= '0' && *p <= '9') || *p == '.' || (*p >= 'a' && *p <= 'z') ||
        (*p >= 'A' && *p <= 'Z'))
        return 0;
    return (size_t)(p - s);
}

static void rewrite_text(rewrite *w, const char *t, size_t len)
{
    bool in_str = false;
    for (size_t i = 0; i < len && !w->oom; i++) {
        char c = t[i];
        if (in_str) {
            put(w, &c, 1);
            if (c == '\\' && i + 1 < len) {
                put(w, &t[i + 1], 1);
                i++;
            } else if (c == '"') {
                in_str = false;
            }
            continue;
        }
        if (c == '"') {
            in_str = true;
            put(w, &c, 1);
        } else if (c == '{') {
            char buf[48];
            size_t j = i + 1;
            while (j < len && (t[j] == ' ' || t[j] == '\t' || t[j] == '\n' || t[j] == '\r'))
                j++;
            bool empty = j < len && t[j] == '}';
            int n = snprintf(buf, sizeof buf, "{\"\\u0001@\":\"%zu\"%s", i, empty ? "" : ",");
            /* The '{' itself is the user's; the member after it is ours. */
            put(w, "{", 1);
            put_inserted(w, buf + 1, (size_t)n - 1, i);
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            size_t n = number_len(t + i);
            if (n == 0) {
                put(w, &c, 1);
                continue;
            }
            char buf[48];
            int k = snprintf(buf, sizeof buf, "\"\\u0002%zu:", i);
            put_inserted(w, buf, (size_t)k, i);
            put(w, t + i, n);
            put_inserted(w, "\"", 1, i);
            i += n - 1;
        } else {
            put(w, &c, 1);
        }
    }
}

/* The user's offset of rewrite offset p. */
static size_t orig_offset(const rewrite *w, size_t p)
{
    size_t added = 0;
    for (size_t i = 0; i < w->nins; i++) {
        const insertion *in = &w->ins[i];
        if (p < in->out_at)
            break;
        if (p < in->out_at + in->n)
            return in->orig;
        added += in->n;
    }
    return p - added;
}

static void line_col(const char *text, size_t len, size_t off, int *line, int *col)
{
    int l = 1, c = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            c++;   /* columns count characters, not UTF-8 continuation bytes */
        }
    }
    *line = l;
    *col = c;
}

static char *slurp(const char *path, size_t *len, liq_diags *d)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EIO, path, 0, 0, "cannot read: %s", strerror(errno));
        return NULL;
    }
    char *buf = mem_malloc(IJSON_MAX_BYTES + 2);
    if (!buf) {
        fclose(f);
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, path, 0, 0, "out of memory");
        return NULL;
    }
    size_t n = fread(buf, 1, IJSON_MAX_BYTES + 1, f);
    bool err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EIO, path, 0, 0, "cannot read: read error");
        return NULL;
    }
    if (n > IJSON_MAX_BYTES) {
        free(buf);
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, path, 0, 0,
                      "larger than %u bytes (8 MiB), the most liqsim import reads",
                      IJSON_MAX_BYTES);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

bool ijson_load(ijson *j, const char *path, const char *what, liq_diags *d)
{
    memset(j, 0, sizeof *j);
    j->path = path;
    j->text = slurp(path, &j->len, d);
    if (!j->text)
        return false;
    if (memchr(j->text, 0, j->len)) {
        size_t off = (size_t)((char *)memchr(j->text, 0, j->len) - j->text);
        int line, col;
        line_col(j->text, j->len, off, &line, &col);
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, path, line, col,
                      "not JSON: a NUL byte; expected %s", what);
        return false;
    }
    rewrite w = {0};
    rewrite_text(&w, j->text, j->len);
    if (w.oom) {
        free(w.out);
        free(w.ins);
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, path, 0, 0, "out of memory");
        return false;
    }
    json_error_t e;
    j->root = json_loadb(w.out ? w.out : "", w.len, JSON_REJECT_DUPLICATES, &e);
    if (!j->root) {
        int line = 1, col = 1;
        size_t p = e.position > 0 ? (size_t)e.position : 0;
        /* jansson's position is just past the token it could not take;
         * the user wants the token's start, which its column points at. */
        if (p > 0 && p <= w.len)
            p--;
        size_t off = orig_offset(&w, p);
        /* "... near 'hello'": point at the token's first character. */
        const char *near = strstr(e.text, "near '");
        const char *end = near ? strrchr(e.text, '\'') : NULL;
        if (near && end > near + 6) {
            size_t tl = (size_t)(end - (near + 6));
            if (off + 1 >= tl && off < j->len && memcmp(j->text + off + 1 - tl, near + 6, tl) == 0)
                off = off + 1 - tl;
        }
        line_col(j->text, j->len, off, &line, &col);
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, path, line, col, "not JSON: %s; expected %s",
                      e.text, what);
    }
    free(w.out);
    free(w.ins);
    return j->root != NULL;
}

void ijson_free(ijson *j)
{
    json_decref(j->root);
    free(j->text);
    memset(j, 0, sizeof *j);
}

static bool offset_of(json_t *v, size_t *off)
{
    const char *s = NULL;
    if (json_is_object(v))
        s = json_string_value(json_object_get(v, POS_KEY));
    else if (json_is_string(v) && json_string_value(v)[0] == NUM_MARK)
        s = json_string_value(v) + 1;
    if (!s)
        return false;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(s, &end, 10);
    if (errno || end == s)
        return false;
    *off = (size_t)n;
    return true;
}

void ijson_where(const ijson *j, json_t *v, json_t *owner, int *line, int *col)
{
    size_t off = 0;
    if (!offset_of(v, &off) && !(owner && offset_of(owner, &off))) {
        /* An array or the document itself: its first non-blank byte. */
        off = strspn(j->text, " \t\r\n");
    }
    line_col(j->text, j->len, off, line, col);
}

bool ijson_err(const ijson *j, json_t *v, json_t *owner, liq_diags *d, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line, col;
    ijson_where(j, v, owner, &line, &col);
    liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, j->path, line, col, "%s", msg);
    return false;
}

bool ijson_is_number(json_t *v)
{
    return json_is_string(v) && json_string_value(v)[0] == NUM_MARK;
}

const char *ijson_string(json_t *v)
{
    if (!json_is_string(v) || ijson_is_number(v))
        return NULL;
    return json_string_value(v);
}

static const char *number_text(json_t *v)
{
    const char *s = strchr(json_string_value(v), ':');
    return s ? s + 1 : "";
}

bool ijson_dec(json_t *v, liq_dec *out)
{
    const char *s;
    if (ijson_is_number(v))
        s = number_text(v);
    else if ((s = ijson_string(v)) == NULL || !*s)
        return false;
    return liq_dec_from_str(s, out) == LIQ_OK;
}

const char *ijson_describe(json_t *v, char *buf, size_t cap)
{
    if (!v)
        snprintf(buf, cap, "nothing");
    else if (json_is_object(v))
        snprintf(buf, cap, "an object");
    else if (json_is_array(v))
        snprintf(buf, cap, "an array");
    else if (ijson_is_number(v))
        snprintf(buf, cap, "the number %.40s", number_text(v));
    else if (json_is_string(v))
        snprintf(buf, cap, "the string \"%.40s\"", json_string_value(v));
    else if (json_is_boolean(v))
        snprintf(buf, cap, "%s", json_is_true(v) ? "true" : "false");
    else
        snprintf(buf, cap, "null");
    return buf;
}

size_t ijson_size(json_t *obj)
{
    size_t n = json_object_size(obj);
    return json_object_get(obj, POS_KEY) ? n - 1 : n;
}

const char *ijson_keys(json_t *obj, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = 0;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        (void)v;
        if (strcmp(k, POS_KEY) == 0)
            continue;
        int n = snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", k);
        if (n < 0 || (size_t)n >= cap - used) {
            if (cap > 4)
                strcpy(buf + cap - 4, "...");
            break;
        }
        used += (size_t)n;
    }
    return buf;
}
