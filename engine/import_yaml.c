/*
 * import_yaml.c — writing imported markets as policy YAML, and merging
 * them into an existing policy file without disturbing the rest of it.
 *
 * The merge edits text, not a re-serialised tree, so every comment, key
 * order and quoting choice of the author survives: the policy is parsed
 * once (yamltree.c) only to learn on which lines `sources:`, each source
 * and each market begin; whole line ranges are then replaced or inserted.
 * What the import writes for a market (symbol, base, quote, kind,
 * source, assumed, contract, margin) replaces those keys of a market with
 * the same symbol; its other keys (aliases, liquidation, rounding, ...)
 * are kept as written. Checking that the result loads is the caller's
 * (the CLI loads it before writing anything).
 */
#include "import.h"
#include "mem.h"
#include "yamltree.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sbuf {
    char *s;
    size_t len, cap;
    bool oom;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    va_list ap, aq;
    va_start(ap, fmt);
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n >= 0 && b->len + (size_t)n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (b->len + (size_t)n + 1 > cap)
            cap *= 2;
        char *p = mem_realloc(b->s, cap);
        if (p) {
            b->s = p;
            b->cap = cap;
        } else {
            n = -1;
        }
    }
    if (n < 0) {
        b->oom = true;
    } else {
        vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        b->len += (size_t)n;
    }
    va_end(ap);
}

static void sb_raw(sbuf *b, const char *s, size_t n)
{
    sb_add(b, "%.*s", (int)n, s);
}

/* A YAML double-quoted scalar. */
static void sb_quoted(sbuf *b, const char *s)
{
    sb_add(b, "\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            sb_add(b, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            sb_add(b, "\\x%02x", (unsigned char)*s);
        else
            sb_add(b, "%c", *s);
    }
    sb_add(b, "\"");
}

static const char *dec(liq_dec v, char *buf)
{
    liq_dec_format(v, buf);
    return buf;
}

/* ---- writing -------------------------------------------------------- */

static void write_source(sbuf *b, const imp_set *s, const imp_opts *o, int ind)
{
    char id[128];
    imp_source_id(s, o, id, sizeof id);
    const char *base = strrchr(s->file, '/');
    base = base ? base + 1 : s->file;
    char title[1200], note[1200];
    snprintf(title, sizeof title, "%s, saved response %s", imp_format_endpoint(s->fmt), base);
    snprintf(note, sizeof note, "%s; read by liqsim import %s from %s", s->note,
             imp_format_name(s->fmt), s->file);
    sb_add(b, "%*s%s:\n", ind, "", id);
    sb_add(b, "%*surl: %s\n", ind + 2, "", imp_format_url(s->fmt));
    sb_add(b, "%*stitle: ", ind + 2, "");
    sb_quoted(b, title);
    sb_add(b, "\n%*sdate: %s\n", ind + 2, "", o->date);
    sb_add(b, "%*sretrieved: %s\n", ind + 2, "", o->date);
    sb_add(b, "%*snote: ", ind + 2, "");
    sb_quoted(b, note);
    sb_add(b, "\n");
}

/* The keys a market entry written by the import holds. */
static const char *const written_keys[] = {"symbol", "base",     "quote",  "kind",
                                           "source", "assumed", "contract", "margin", NULL};

/* One market entry: "- symbol:" at column dash (0-based), keys at dash+2. */
static void write_market(sbuf *b, const imp_set *s, const imp_market *m, const char *id, int dash)
{
    int k = dash + 2;
    char a[LIQ_DEC_STRLEN];
    sb_add(b, "%*s- symbol: ", dash, "");
    sb_quoted(b, m->symbol);
    sb_add(b, "\n%*sbase: ", k, "");
    sb_quoted(b, m->base);
    sb_add(b, "\n%*squote: ", k, "");
    sb_quoted(b, m->quote);
    sb_add(b, "\n%*skind: %s\n", k, "", m->dated ? "dated" : "perpetual");
    sb_add(b, "%*ssource: %s\n", k, "", id);
    if (m->assumed[0]) {
        sb_add(b, "%*sassumed: ", k, "");
        sb_quoted(b, m->assumed);
        sb_add(b, "\n");
    }
    if (m->contract) {
        sb_add(b, "%*scontract: {type: %s, settlement: ", k, "", m->contract);
        sb_quoted(b, m->settlement);
        sb_add(b, ", source: %s}\n", id);
    }
    sb_add(b, "%*smargin:\n", k, "");
    sb_add(b, "%*smax_leverage: %ld\n", k + 2, "", m->max_leverage);
    sb_add(b, "%*ssource: %s\n", k + 2, "", id);
    sb_add(b, "%*smaintenance:\n", k + 2, "");
    if (s->fmt == IMP_OKX_POSITION_TIERS) {
        sb_add(b, "%*smodel: step\n", k + 4, "");
        sb_add(b, "%*ssource: %s\n", k + 4, "", id);
        sb_add(b, "%*sassumed: \"the response gives no deduction: each tier's rate applies to "
                  "the whole position\"\n",
               k + 4, "");
    }
    sb_add(b, "%*stiers:\n", k + 4, "");
    for (size_t i = 0; i < m->ntiers; i++) {
        const imp_tier *t = &m->tiers[i];
        sb_add(b, "%*s- {", k + 6, "");
        if (t->has_up_to)
            sb_add(b, "up_to: %s, ", dec(t->up_to, a));
        sb_add(b, "rate: %s, ", dec(t->rate, a));
        sb_add(b, "deduction: %s, ", dec(t->deduction, a));
        if (t->max_leverage)
            sb_add(b, "max_leverage: %ld, ", t->max_leverage);
        sb_add(b, "source: %s", id);
        if (t->assumed[0]) {
            sb_add(b, ", assumed: ");
            sb_quoted(b, t->assumed);
        }
        sb_add(b, "}\n");
    }
}

char *imp_yaml_fragment(const imp_set *s, const imp_opts *o)
{
    sbuf b = {0};
    char id[128];
    imp_source_id(s, o, id, sizeof id);
    sb_add(&b, "# liqsim import %s %s --date %s: %zu market%s\n", imp_format_name(s->fmt),
           s->file, o->date, s->n, s->n == 1 ? "" : "s");
    sb_add(&b, "sources:\n");
    write_source(&b, s, o, 2);
    sb_add(&b, "markets:\n");
    for (size_t i = 0; i < s->n; i++)
        write_market(&b, s, &s->m[i], id, 2);
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

/* ---- merging into a policy file ----------------------------------- */

typedef struct lines {
    const char *text;
    size_t *start;   /* start[i]: offset of line i+1; start[n] = length */
    int n;           /* number of lines */
} lines;

static bool index_lines(lines *L, const char *text)
{
    size_t len = strlen(text);
    int n = 0;
    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n';
    if (len && text[len - 1] != '\n')
        n++;
    L->text = text;
    L->n = n;
    L->start = mem_malloc(((size_t)n + 2) * sizeof *L->start);
    if (!L->start)
        return false;
    int k = 0;
    L->start[k++] = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n' && k <= n)
            L->start[k++] = i + 1;
    while (k <= n + 1)
        L->start[k++] = len;
    return true;
}

/* Line l (1-based) without its newline. */
static const char *line_at(const lines *L, int l, size_t *len)
{
    size_t a = L->start[l - 1], b = L->start[l];
    if (b > a && L->text[b - 1] == '\n')
        b--;
    *len = b - a;
    return L->text + a;
}

static bool blank_or_comment(const lines *L, int l, bool any_indent)
{
    size_t n;
    const char *s = line_at(L, l, &n);
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i == n)
        return true;
    return s[i] == '#' && (any_indent || i == 0);
}

/* A block running from line `from` up to (not including) line `to` ends
 * before the blank lines and column-0 comments that lead into what
 * follows. */
static int trim_end(const lines *L, int from, int to)
{
    while (to - 1 > from && blank_or_comment(L, to - 1, false))
        to--;
    return to;
}

/* The same inside a list or map: comments at any indentation just before
 * the next item introduce that item. */
static int trim_end_item(const lines *L, int from, int to)
{
    while (to - 1 > from && blank_or_comment(L, to - 1, true))
        to--;
    return to;
}

typedef struct edit {
    int from, to;    /* replace lines [from, to); from == to inserts before `from` */
    char *text;      /* owned */
} edit;

typedef struct edits {
    edit *e;
    size_t n;
} edits;

static bool add_edit(edits *E, int from, int to, char *text)
{
    if (!text)
        return false;
    edit *p = mem_realloc(E->e, (E->n + 1) * sizeof *p);
    if (!p) {
        free(text);
        return false;
    }
    E->e = p;
    E->e[E->n++] = (edit){from, to, text};
    return true;
}

static int cmp_edit(const void *a, const void *b)
{
    const edit *x = a, *y = b;
    return x->from != y->from ? (x->from < y->from ? -1 : 1)
                              : (x->to != y->to ? (x->to < y->to ? -1 : 1) : 0);
}

/* Index of key in map m, or -1. */
static int key_index(const ynode *m, const char *key)
{
    if (!m || m->kind != YN_MAP)
        return -1;
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->keys[i]->text, key) == 0)
            return (int)i;
    return -1;
}

/* The line after the last line of root key i's block. */
static int top_block_end(const lines *L, const ynode *root, int i)
{
    int next = (size_t)i + 1 < root->n ? root->keys[i + 1]->line : L->n + 1;
    return trim_end(L, root->keys[i]->line, next);
}

static bool is_written(const char *key)
{
    for (int i = 0; written_keys[i]; i++)
        if (strcmp(key, written_keys[i]) == 0)
            return true;
    return false;
}

static bool fail(liq_diags *d, const char *path, const ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool fail(liq_diags *d, const char *path, const ynode *n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, path, n ? n->line : 0, n ? n->col : 0, "%s", msg);
    return false;
}

/* A node as flow YAML (a kept key of a market written in flow style). */
static void write_flow(sbuf *b, const ynode *n)
{
    switch (n->kind) {
    case YN_SCALAR:
        if (n->quoted || strpbrk(n->text, ",:[]{}#&*!|>'\"%@`") || !*n->text)
            sb_quoted(b, n->text);
        else
            sb_add(b, "%s", n->text);
        break;
    case YN_SEQ:
        sb_add(b, "[");
        for (size_t i = 0; i < n->n; i++) {
            sb_add(b, "%s", i ? ", " : "");
            write_flow(b, n->items[i]);
        }
        sb_add(b, "]");
        break;
    case YN_MAP:
        sb_add(b, "{");
        for (size_t i = 0; i < n->n; i++) {
            sb_add(b, "%s%s: ", i ? ", " : "", n->keys[i]->text);
            write_flow(b, n->items[i]);
        }
        sb_add(b, "}");
        break;
    }
}

/* The replacement for an existing market item: the import's keys, then
 * the item's other keys copied as written. */
static char *replace_item(const lines *L, const imp_set *s, const imp_market *m, const char *id,
                          const ynode *item, int item_end)
{
    sbuf b = {0};
    /* A flow item "- {symbol: ...}" starts at its '{'; a block one at
     * its first key, two columns after the dash. */
    bool flow = item->keys[0]->col > item->col;
    int dash = flow ? item->col - 3 : item->col - 3;
    if (dash < 0)
        dash = 0;
    write_market(&b, s, m, id, dash);
    for (size_t k = 0; k < item->n; k++) {
        const char *key = item->keys[k]->text;
        if (is_written(key) && !(strcmp(key, "contract") == 0 && !m->contract))
            continue;
        if (flow) {
            sb_add(&b, "%*s%s: ", dash + 2, "", key);
            write_flow(&b, item->items[k]);
            sb_add(&b, "\n");
            continue;
        }
        int from = item->keys[k]->line;
        int to = k + 1 < item->n ? item->keys[k + 1]->line : item_end;
        for (int l = from; l < to; l++) {
            size_t n;
            const char *t = line_at(L, l, &n);
            /* The first key shares the item's "- " line: drop the dash. */
            if (l == item->line && k == 0) {
                sb_add(&b, "%*s", item->col - 1, "");
                sb_raw(&b, t + item->col - 1, n - (size_t)(item->col - 1));
            } else {
                sb_raw(&b, t, n);
            }
            sb_add(&b, "\n");
        }
    }
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

static char *read_text(const char *path, liq_diags *d)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EIO, path, 0, 0, "cannot read: %s", strerror(errno));
        return NULL;
    }
    sbuf b = {0};
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_raw(&b, buf, n);
    fclose(f);
    if (b.oom || !b.s) {
        free(b.s);
        liq_diags_add(d, LIQ_SEV_ERROR, b.oom ? LIQ_ENOMEM : LIQ_EINPUT, path, 0, 0,
                      b.oom ? "out of memory" : "empty file; expected a policy");
        return NULL;
    }
    return b.s;
}

char *imp_merge(const char *path, const imp_set *s, const imp_opts *o, size_t *added,
                size_t *replaced, liq_diags *d)
{
    *added = *replaced = 0;
    char *text = read_text(path, d);
    if (!text)
        return NULL;
    ydoc *doc = ydoc_load_buffer(path, text, strlen(text), d);
    lines L = {0};
    edits E = {0};
    char *out = NULL;
    bool ok = doc != NULL;
    if (ok && (!doc->root || doc->root->kind != YN_MAP))
        ok = fail(d, path, doc->root, "expected a policy (a map of sections)");
    if (ok && !index_lines(&L, text))
        ok = fail(d, path, NULL, "out of memory");
    char id[128];
    imp_source_id(s, o, id, sizeof id);
    ynode *root = ok ? doc->root : NULL;

    /* The source entry: replaced when the id is there, else appended. */
    int si = ok ? key_index(root, "sources") : -1;
    if (ok) {
        sbuf b = {0};
        if (si < 0) {
            sb_add(&b, "sources:\n");
            write_source(&b, s, o, 2);
            ok = !b.oom && add_edit(&E, L.n + 1, L.n + 1, b.s);
        } else {
            ynode *src = root->items[si];
            if (src->kind != YN_MAP || src->line == root->keys[si]->line) {
                free(b.s);
                ok = fail(d, path, src, "sources: written as a flow map; write it as a block "
                                        "(one source per line) for import to add to it");
            } else {
                int end = top_block_end(&L, root, si);
                int ind = src->n ? src->keys[0]->col - 1 : 2;
                write_source(&b, s, o, ind);
                int k = key_index(src, id);
                if (k >= 0) {
                    int to = (size_t)k + 1 < src->n ? src->keys[k + 1]->line : end;
                    ok = !b.oom && add_edit(&E, src->keys[k]->line,
                                            trim_end_item(&L, src->keys[k]->line, to), b.s);
                } else {
                    ok = !b.oom && add_edit(&E, end, end, b.s);
                }
            }
        }
    }

    /* The markets. */
    int mi = ok ? key_index(root, "markets") : -1;
    ynode *mk = mi >= 0 ? root->items[mi] : NULL;
    if (ok && mk && mk->kind == YN_SEQ && mk->n == 0) {
        /* "markets: []" becomes a block list. */
        sbuf b = {0};
        sb_add(&b, "markets:\n");
        for (size_t i = 0; i < s->n; i++)
            write_market(&b, s, &s->m[i], id, 2);
        *added = s->n;
        int line = root->keys[mi]->line;
        ok = !b.oom && add_edit(&E, line, line + 1, b.s);
    } else if (ok && mk && (mk->kind != YN_SEQ || mk->line == root->keys[mi]->line)) {
        ok = fail(d, path, mk, "markets: expected a block list (\"- symbol: ...\" items) for "
                               "import to merge into");
    } else if (ok) {
        sbuf tail = {0};
        int dash = 2;
        if (!mk)
            sb_add(&tail, "\nmarkets:\n");
        else if (mk->n)
            dash = mk->items[0]->col - 3 < 0 ? 0 : mk->items[0]->col - 3;
        int end = mk ? top_block_end(&L, root, mi) : L.n + 1;
        for (size_t i = 0; ok && i < s->n; i++) {
            const imp_market *m = &s->m[i];
            const ynode *hit = NULL;
            size_t hi = 0;
            for (size_t k = 0; mk && k < mk->n; k++) {
                const ynode *it = mk->items[k];
                const ynode *sym = it->kind == YN_MAP ? ynode_get(it, "symbol") : NULL;
                if (sym && sym->kind == YN_SCALAR && strcmp(sym->text, m->symbol) == 0) {
                    hit = it;
                    hi = k;
                }
            }
            if (!hit) {
                write_market(&tail, s, m, id, dash);
                (*added)++;
                continue;
            }
            if (hit->kind != YN_MAP || hit->n == 0 || hit->keys[0]->line != hit->line ||
                hit->col < 3) {
                free(tail.s);
                tail.s = NULL;
                ok = fail(d, path, hit, "markets[%zu]: expected \"- symbol: ...\" or \"- {symbol: "
                                        "...}\" starting on the item's line",
                          hi);
                break;
            }
            int to = hi + 1 < mk->n ? mk->items[hi + 1]->line : end;
            to = trim_end_item(&L, hit->line, to);
            ok = add_edit(&E, hit->line, to, replace_item(&L, s, m, id, hit, to));
            (*replaced)++;
        }
        if (ok && tail.oom)
            ok = fail(d, path, NULL, "out of memory");
        if (ok && tail.s)
            ok = add_edit(&E, end, end, tail.s);
        else
            free(tail.s);
    }

    if (ok) {
        /* Apply in line order; edits never overlap (one per block). */
        qsort(E.e, E.n, sizeof *E.e, cmp_edit);
        sbuf b = {0};
        int l = 1;
        for (size_t i = 0; i < E.n; i++) {
            for (; l < E.e[i].from; l++)
                sb_raw(&b, L.text + L.start[l - 1], L.start[l] - L.start[l - 1]);
            if (l > 1 && E.e[i].from > L.n && L.start[L.n] > 0 &&
                L.text[L.start[L.n] - 1] != '\n')
                sb_add(&b, "\n");   /* the file's last line had no newline */
            sb_add(&b, "%s", E.e[i].text);
            if (E.e[i].to > l)
                l = E.e[i].to;
        }
        for (; l <= L.n; l++)
            sb_raw(&b, L.text + L.start[l - 1], L.start[l] - L.start[l - 1]);
        if (b.oom) {
            free(b.s);
            ok = fail(d, path, NULL, "out of memory");
        } else {
            out = b.s;
        }
    }
    for (size_t i = 0; i < E.n; i++)
        free(E.e[i].text);
    free(E.e);
    free(L.start);
    ydoc_free(doc);
    free(text);
    return ok ? out : NULL;
}
