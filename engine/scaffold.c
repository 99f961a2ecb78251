/*
 * scaffold.c — the policy `liqsim new NAME` writes, generated from the
 * loader's own table (policy_schema.c).
 *
 * Every section and key the loader knows appears, in the table's order,
 * with the table's line of documentation beside it, so the scaffold and
 * the format cannot drift: a key added to the table shows up here without
 * an edit. A key with a value below is written live; an optional key
 * without one is shown commented out, with its default or the kind of
 * value it takes (an optional section whose keys are all commented is
 * commented as a whole: partial liquidation, the backstop, debt, hooks,
 * markets change the waterfall by being there). Each live section that
 * holds venue parameters carries `assumed: "placeholder from liqsim new"`,
 * which lint warns about until a source or a reason replaces it.
 *
 * Owns the scaffold's text only; what the keys mean is the table's, what
 * a placeholder is worth is policy_lint.c's.
 */
#include "policy.h"
#include "sbuf.h"
#include "scaffold.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Values that load and read as a plausible start, by dotted key path (a
 * list's or a map's items share their field's path: "sources.url",
 * "margin.maintenance.tiers.rate"; the value of an id map's own path is
 * the one item's id). $NAME and $TODAY stand for the policy's name and
 * today's date. A required key needs one here unless its default will do
 * (tests/test_scaffold.c loads the result, and checks every path below
 * is a key of the table). */
static const struct { const char *path, *value; } values[] = {
    {"liqsim", "1"},
    {"name", "$NAME"},
    {"venue", "\"TODO venue display name\""},
    {"product", "\"TODO product, e.g. BTCUSDT perpetual\""},
    {"version", "\"$TODAY\""},
    {"effective", "\"$TODAY\""},
    {"description", "\"TODO: what is special about this venue's liquidation waterfall\""},
    {"sources", "todo"},
    {"sources.url", "\"https://example.invalid/liquidation\""},
    {"sources.title", "\"TODO: the venue's liquidation help page\""},
    {"sources.date", "unknown"},
    {"sources.retrieved", "\"$TODAY\""},
    {"contract.type", "linear"},
    {"contract.settlement", "USDT"},
    {"contract.contract_size", "\"1\""},
    {"margin.modes", "[isolated, cross]"},
    {"margin.max_leverage", "100"},
    {"margin.maintenance.model", "bracket"},
    {"margin.maintenance.base", "mark"},
    {"margin.maintenance.tiers.rate", "\"0.005\""},
    {"margin.maintenance.tiers.deduction", "\"0\""},
    {"margin.maintenance.tiers.max_leverage", "100"},
    {"trigger.price", "mark"},
    {"liquidation.fill", "market"},
    {"liquidation.surplus", "trader"},
    {"liquidation.fee.rate", "\"0.005\""},
    {"liquidation.fee.base", "fill_notional"},
    {"liquidation.fee.cap", "remaining_margin"},
    {"liquidation.fee.receiver", "insurance_fund"},
    {"insurance_fund.balance", "unlimited"},
    {"adl.ranking", "pnl_times_leverage"},
    {"adl.close_price", "bankruptcy"},
    {"shortfall.order", "[insurance_fund, adl]"},
    {"negative_balance.protection", "true"},
    {"rounding.price_tick", "\"0.1\""},
    {"rounding.price", "conservative"},
    {"rounding.amount_step", "\"0.00000001\""},
    {"rounding.fee", "up"},
};

enum { DOC_COL = 36, WIDTH = 100 };

const char *scaffold_value(const char *path)
{
    for (size_t i = 0; i < sizeof values / sizeof *values; i++)
        if (strcmp(values[i].path, path) == 0)
            return values[i].value;
    return NULL;
}

size_t scaffold_value_paths(const char *const **paths)
{
    static const char *list[sizeof values / sizeof *values];
    for (size_t i = 0; i < sizeof values / sizeof *values; i++)
        list[i] = values[i].path;
    *paths = list;
    return sizeof values / sizeof *values;
}

static void join(char *out, size_t cap, const char *path, const char *key)
{
    snprintf(out, cap, "%s%s%s", path, *path ? "." : "", key);
}

static bool is_section(const field *f)
{
    return f->type == F_MAP || f->type == F_LIST_MAP || f->type == F_DICT_MAP;
}

/* Whether the scaffold has a value for f, or for a key inside it. */
static bool has_values(const field *f, const char *path)
{
    char p[256];
    join(p, sizeof p, path, f->key);
    if (!is_section(f))
        return f->type != F_OVERRIDE && scaffold_value(p) != NULL;
    for (size_t j = 0; j < f->sub->nfields; j++)
        if (has_values(&f->sub->fields[j], p))
            return true;
    return false;
}

/* Whether the scaffold writes f live (inside a live section): a required
 * key or section, or one it has values for. An optional section with a
 * required key but no value (the backstop's below_mm) stays commented. */
static bool live(const field *f, const char *path)
{
    return f->type != F_OVERRIDE && (f->required || has_values(f, path));
}

/* The kind of value a commented key takes, when it has no default. */
static void hint(const field *f, char *buf, size_t cap)
{
    char range[96] = "";
    if ((f->type == F_DEC || f->type == F_DEC_UNLIM || f->type == F_INT) && (f->lo || f->hi))
        schema_range_words(f, range, sizeof range);
    switch (f->type) {
    case F_ENUM:
    case F_LIST_ENUM: {
        size_t used = (size_t)snprintf(buf, cap, "%s", f->type == F_LIST_ENUM ? "[" : "");
        for (size_t i = 0; f->enum_vals[i] && used < cap; i++)
            used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? (f->type == F_ENUM ? " | " : ", ") : "",
                                     f->enum_vals[i]);
        if (f->type == F_LIST_ENUM && used < cap)
            snprintf(buf + used, cap - used, "]");
        return;
    }
    case F_DEC:
    case F_DEC_UNLIM:
        snprintf(buf, cap, "DECIMAL%s%s%s", *range ? " (" : "", range, *range ? ")" : "");
        return;
    case F_INT:
        snprintf(buf, cap, "INTEGER%s%s%s", *range ? " (" : "", range, *range ? ")" : "");
        return;
    case F_BOOL: snprintf(buf, cap, "true | false"); return;
    case F_DATE: snprintf(buf, cap, "YYYY-MM-DD"); return;
    case F_LIST_DEC: snprintf(buf, cap, "[DECIMAL, ...]"); return;
    case F_LIST_STR: snprintf(buf, cap, "[TEXT, ...]"); return;
    case F_DICT_DEC: snprintf(buf, cap, "{ID: DECIMAL}"); return;
    case F_DICT_LIST_DEC: snprintf(buf, cap, "{ID: [DECIMAL, ...]}"); return;
    case F_OVERRIDE: snprintf(buf, cap, "{...}"); return;
    default: snprintf(buf, cap, "TEXT"); return;
    }
}

/* One line: `indent` spaces, "# " when commented (at column `cstart`,
 * the commented section's own indent), the text, then the doc as a
 * comment from DOC_COL on, wrapped at WIDTH. */
static void line(sbuf *b, int indent, int cstart, const char *text, const char *doc)
{
    size_t start = b->n;
    if (cstart >= 0)
        sb_add(b, "%*s# %*s%s", cstart, "", indent - cstart, "", text);
    else
        sb_add(b, "%*s%s", indent, "", text);
    if (doc && *doc) {
        size_t col = b->n - start;
        sb_add(b, "%*s", col < DOC_COL ? (int)(DOC_COL - col) : 1, "");
        size_t first_col = col < DOC_COL ? DOC_COL : col + 1;
        for (const char *d = doc; *d;) {
            /* Break at the last space that fits; a word longer than the
             * room stays whole. */
            size_t at = d == doc ? first_col : DOC_COL;
            size_t room = at + 22 < WIDTH ? WIDTH - at - 2 : 20, n = strlen(d);
            if (n > room) {
                n = room;
                while (n > 0 && d[n] != ' ')
                    n--;
                if (n == 0)
                    n = strcspn(d, " ");
            }
            if (d != doc)
                sb_add(b, "\n%*s", DOC_COL, "");
            sb_add(b, "# %.*s", (int)n, d);
            d += n;
            d += strspn(d, " ");
        }
    }
    sb_add(b, "\n");
}

/* The policy's name and today's date, for $NAME and $TODAY. */
typedef struct scaffold_ctx {
    const char *name, *today;
} scaffold_ctx;

static void section(sbuf *b, const scaffold_ctx *cx, const schema *s, const char *path,
                    int indent, int cstart, bool sourced);

/* The enum choices after the doc of a live enum key, so an author sees
 * the alternatives to the value written. */
static void doc_with_choices(const field *f, char *buf, size_t cap)
{
    if (f->type == F_ENUM || f->type == F_LIST_ENUM) {
        char h[400];
        hint(f, h, sizeof h);
        if (f->type == F_LIST_ENUM) {   /* "[a, b]" -> "any of: a, b" */
            h[strlen(h) - 1] = 0;
            snprintf(buf, cap, "%s (any of: %s)", f->doc ? f->doc : "", h + 1);
        } else {
            snprintf(buf, cap, "%s (%s)", f->doc ? f->doc : "", h);
        }
    } else {
        snprintf(buf, cap, "%s", f->doc ? f->doc : "");
    }
}

/* value with $NAME and $TODAY replaced, into buf. */
static const char *expand(const char *value, const scaffold_ctx *cx, char *buf, size_t cap)
{
    const char *tok = strchr(value, '$');
    if (!tok)
        return value;
    const char *with = strncmp(tok, "$NAME", 5) == 0 ? cx->name : cx->today;
    size_t skip = strncmp(tok, "$NAME", 5) == 0 ? 5 : strlen("$TODAY");
    snprintf(buf, cap, "%.*s%s%s", (int)(tok - value), value, with, tok + skip);
    return buf;
}

static void key(sbuf *b, const scaffold_ctx *cx, const field *f, const char *path, int indent,
                int cstart, bool sourced)
{
    char p[256], text[512], doc[1200];
    join(p, sizeof p, path, f->key);
    bool on = cstart < 0 && live(f, path);
    int cs = on ? -1 : cstart >= 0 ? cstart : indent;
    doc_with_choices(f, doc, sizeof doc);
    if (f->type == F_MAP) {
        snprintf(text, sizeof text, "%s:", f->key);
        line(b, indent, cs, text, doc);
        section(b, cx, f->sub, p, indent + 2, cs, sourced);
        return;
    }
    if (f->type == F_LIST_MAP || f->type == F_DICT_MAP) {
        snprintf(text, sizeof text, "%s:", f->key);
        line(b, indent, cs, text, doc);
        int item = indent + 2;
        if (f->type == F_DICT_MAP) {
            const char *id = scaffold_value(p);
            snprintf(text, sizeof text, "%s:", on && id ? id : "ID");
            line(b, item, cs, text, NULL);
            section(b, cx, f->sub, p, item + 2, cs, true);
            return;
        }
        /* One item: its keys at item + 2 (item + 4 behind "# "), and
         * "- " two columns before the key of its first live line (or of
         * its first line, when the list is commented). */
        sbuf it = {0};
        section(&it, cx, f->sub, p, item + 2, cs, true);
        if (it.oom || !it.s) {
            b->oom = true;
            free(it.s);
            return;
        }
        size_t at = (size_t)item + (cs >= 0 ? 2 : 0);
        for (char *l = it.s; *l;) {
            size_t len = strcspn(l, "\n");
            bool pick = cs >= 0 || l[strspn(l, " ")] != '#';
            if (pick) {
                if (len > at + 1 && l[at] == ' ' && l[at + 1] == ' ')
                    l[at] = '-';
                break;
            }
            l += len + (l[len] == '\n');
        }
        sb_add(b, "%s", it.s);
        free(it.s);
        return;
    }
    const char *v = on ? scaffold_value(p) : NULL;
    char h[400], vbuf[256];
    if (v)
        v = expand(v, cx, vbuf, sizeof vbuf);
    else if (f->def)
        v = f->def;
    if (!v) {
        /* The hint already lists an enum's choices. */
        hint(f, h, sizeof h);
        v = h;
        snprintf(doc, sizeof doc, "%s", f->doc ? f->doc : "");
    }
    snprintf(text, sizeof text, "%s: %s", f->key, v);
    line(b, indent, cs, text, doc);
}

/* The keys of s at `indent`; cstart >= 0: commented from that column.
 * sourced: an enclosing section already carries the placeholder (a
 * subsection inherits its parent's source, as lint reads it). */
static void section(sbuf *b, const scaffold_ctx *cx, const schema *s, const char *path,
                    int indent, int cstart, bool sourced)
{
    for (size_t j = 0; j < s->nfields; j++)
        key(b, cx, &s->fields[j], path, indent, cstart, sourced || s->has_prov);
    if (s->has_prov && !sourced && cstart < 0)
        line(b, indent, -1, "assumed: \"" LIQ_SCAFFOLD_PLACEHOLDER "\"",
             "replace by source: ID (or a reason) once you have one");
}

char *scaffold_policy(const char *name, const char *today)
{
    sbuf b = {0};
    sb_add(&b, "# %s — a liqsim policy (format: docs/policy-format.md), written by\n"
               "# `liqsim new` from the loader's own table: every section and key it knows,\n"
               "# each with what it means. Keys shown commented out are optional (their\n"
               "# default, or the kind of value they take). Replace every\n"
               "# `assumed: \"%s\"` with a `source:` id (or a reason);\n"
               "# `liqsim lint --strict %s.yaml` stays unhappy until every section is sourced.\n",
           name, LIQ_SCAFFOLD_PLACEHOLDER, name);
    const schema *s = &liq_policy_schema;
    const scaffold_ctx cx = {name, today};
    for (size_t j = 0; j < s->nfields; j++) {
        if (is_section(&s->fields[j]))
            sb_add(&b, "\n");
        key(&b, &cx, &s->fields[j], "", 0, -1, false);
    }
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return sb_take(&b);
}
