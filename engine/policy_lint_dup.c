/*
 * policy_lint_dup.c — lint's check that a hook reads the policy's numbers
 * from ctx instead of writing them again.
 *
 * A hook that repeats a value the YAML holds (Drift's maintenance ratio
 * written both as the tier's rate and as a constant in its fee hook)
 * silently splits one rule into two copies: a policy that extends it and
 * changes the YAML leaves the hook's copy unchanged, so the fee follows
 * the old value. This file lists the parameters each hooked stage hands
 * its hook in ctx (docs/hooks.md), scans the hook file's number literals
 * (bare, or quoted as dec("0.04") takes them), and warns at the literal's
 * line when its value is one of them, naming the key, where it is written
 * and the ctx field to read. Inside a hook's own function (from its
 * "function NAME(" line to the "end" at column 1) only that hook's ctx
 * counts: a number another stage's hook could read is no duplicate there. Zero and one are too common to mean anything
 * and are not compared. A number that is the hook's own and only happens
 * to be equal (Drift's liquidator fee and its maximum IF fee are both 1 %)
 * is marked on its line with the comment `lint: own`.
 */
#include "fileio.h"
#include "mem.h"
#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One policy value a hook receives in ctx. */
typedef struct dup_param {
    char key[96];            /* "margin.maintenance.tiers[0].rate" */
    liq_dec v;
    liq_mark m;              /* where the YAML writes it */
    const char *field;       /* the ctx field that carries it */
    int hook;                /* HOOK_* whose ctx has it */
} dup_param;

typedef struct dup_list {
    dup_param *items;
    size_t n, cap;
} dup_list;

static bool worth_comparing(liq_dec v)
{
    return liq_dec_sign(v) != 0 && liq_dec_cmp(v, liq_dec_from_int(1)) != 0;
}

/* Adds one parameter (a value already listed at the same mark is the
 * same one, seen again through a market). False only when out of memory. */
static bool add_param(dup_list *l, const char *key, const pdec *d, const char *ctx_field, int hook)
{
    if (!d->set || !worth_comparing(d->v))
        return true;
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i].hook == hook && strcmp(l->items[i].field, ctx_field) == 0 &&
            l->items[i].m.line == d->m.line && l->items[i].m.col == d->m.col &&
            l->items[i].m.file == d->m.file)
            return true;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        dup_param *np = mem_realloc(l->items, cap * sizeof *np);
        if (!np)
            return false;
        l->items = np;
        l->cap = cap;
    }
    dup_param *p = &l->items[l->n++];
    snprintf(p->key, sizeof p->key, "%s", key);
    p->v = d->v;
    p->m = d->m;
    p->field = ctx_field;
    p->hook = hook;
    return true;
}

/* The ctx parameters of one set of rules (the venue's, or a market's). */
static bool collect(dup_list *l, const p_root *r, const p_hooks *h)
{
    char key[96];
    bool ok = true;
    for (size_t i = 0; i < root_ntiers(r); i++) {
        const p_tier *t = root_tier(r, i);
        snprintf(key, sizeof key, "margin.maintenance.tiers[%zu].rate", i);
        if (h->fn[HOOK_FEE].set)
            ok = ok && add_param(l, key, &t->rate, "maintenance_rate", HOOK_FEE);
        if (h->fn[HOOK_MM].set)
            ok = ok && add_param(l, key, &t->rate, "tier_rate", HOOK_MM);
        snprintf(key, sizeof key, "margin.maintenance.tiers[%zu].deduction", i);
        if (h->fn[HOOK_MM].set)
            ok = ok && add_param(l, key, &t->deduction, "tier_deduction", HOOK_MM);
    }
    if (h->fn[HOOK_FEE].set)
        ok = ok && add_param(l, "liquidation.fee.rate", &r->liquidation.fee.rate, "rate",
                             HOOK_FEE);
    const pdec *bal = &r->insurance_fund.balance;
    if (!bal->unlimited) {
        if (h->fn[HOOK_IF].set)
            ok = ok && add_param(l, "insurance_fund.balance", bal, "balance", HOOK_IF);
        if (h->fn[HOOK_ADL].set)
            ok = ok && add_param(l, "insurance_fund.balance", bal, "balance", HOOK_ADL);
    }
    return ok;
}

static bool is_ident(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The length of a decimal literal at s (digits, one optional fraction),
 * 0 when s does not start one. */
static size_t number_len(const char *s, const char *end)
{
    size_t n = 0;
    while (s + n < end && is_digit(s[n]))
        n++;
    if (n && s + n + 1 < end && s[n] == '.' && is_digit(s[n + 1])) {
        n++;
        while (s + n < end && is_digit(s[n]))
            n++;
    }
    /* 0x10, 1e5, 3..4: not a plain decimal */
    if (n && s + n < end && (is_ident(s[n]) || s[n] == '.'))
        return 0;
    return n;
}

typedef struct dup_scan {
    const liq_policy *p;
    const dup_list *l;
    liq_diags *d;
    size_t added;
    int in_hook;             /* HOOK_* whose function the line is in, -1 outside */
} dup_scan;

/* A literal found on line `line`: a warning for the first parameter it
 * repeats. */
static void check_literal(dup_scan *sc, const char *s, size_t n, int line, int col)
{
    liq_dec v;
    if (liq_dec_parse(s, n, &v) != LIQ_OK || !worth_comparing(v))
        return;
    for (size_t i = 0; i < sc->l->n; i++) {
        const dup_param *q = &sc->l->items[i];
        /* Inside a hook's function only that hook's ctx can replace it. */
        if (liq_dec_cmp(q->v, v) != 0 || (sc->in_hook >= 0 && q->hook != sc->in_hook))
            continue;
        liq_diags_add(sc->d, LIQ_SEV_WARNING, LIQ_OK, sc->p->hook_path, line, col,
                      "%.*s repeats %s (%s:%d:%d): read ctx.%s in hook %s instead, so "
                      "that a policy extending this one changes the hook too (or mark the "
                      "line '-- lint: own' if the number is the hook's own)",
                      (int)n, s, q->key, q->m.file ? q->m.file : "?", q->m.line, q->m.col,
                      q->field, liq_hook_names[q->hook]);
        sc->added++;
        return;
    }
}

/* Which hook's function starts on this line ("function NAME(" at its
 * start, NAME a hook the policy names), -2 when the line is a function's
 * closing "end" at column 1, -1 otherwise. */
static int function_at(const liq_policy *p, const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    if ((size_t)(end - s) >= 3 && memcmp(s, "end", 3) == 0 && (end - s == 3 || !is_ident(s[3])))
        return -2;
    if ((size_t)(end - s) < 9 || memcmp(s, "function ", 9) != 0)
        return -1;
    s += 9;
    const char *name = s;
    while (s < end && is_ident(*s))
        s++;
    size_t n = (size_t)(s - name);
    for (int k = 0; k < HOOK_COUNT; k++) {
        const pstr *fn = &p->r.hooks.fn[k];
        if (fn->set && strlen(fn->v) == n && memcmp(fn->v, name, n) == 0)
            return k;
    }
    return -1;
}

/* Scans one line of Lua (comments and long brackets are approximated:
 * a `--` outside a string ends the code; `--[[ ... ]]` on one line is
 * skipped with it). */
static void scan_line(dup_scan *sc, const char *s, const char *end, int line)
{
    /* A function that is a hook: its literals are compared with that
     * hook's ctx only, until the "end" that closes it at column 1. */
    int f = function_at(sc->p, s, end);
    if (f >= 0)
        sc->in_hook = f;
    else if (f == -2 && s < end && s[0] == 'e')
        sc->in_hook = -1;
    /* The marker may be anywhere in the line's comment. */
    const char *dash = NULL;
    for (const char *c = s; c + 1 < end; c++) {
        if (*c == '"' || *c == '\'') {
            char q = *c++;
            while (c < end && *c != q)
                c += *c == '\\' ? 2 : 1;
            if (c >= end)
                break;
            continue;
        }
        if (c[0] == '-' && c[1] == '-') {
            dash = c;
            break;
        }
    }
    if (dash) {
        for (const char *c = dash; c + 9 <= end; c++)
            if (memcmp(c, "lint: own", 9) == 0)
                return;
        end = dash;
    }
    for (const char *c = s; c < end; c++) {
        if (is_ident(*c) && !is_digit(*c)) {
            while (c + 1 < end && is_ident(c[1]))
                c++;
            continue;
        }
        if (*c == '"' || *c == '\'') {
            /* A string that is all number, as dec("0.04") takes it. */
            char q = *c;
            const char *b = c + 1, *e = b;
            while (e < end && *e != q)
                e += *e == '\\' ? 2 : 1;
            if (e > end)
                e = end;
            size_t n = number_len(b, e);
            if (n && b + n == e)
                check_literal(sc, b, n, line, (int)(b - s) + 1);
            c = e;
            continue;
        }
        if (is_digit(*c) && (c == s || c[-1] != '.')) {
            size_t n = number_len(c, end);
            if (n)
                check_literal(sc, c, n, line, (int)(c - s) + 1);
            while (c + 1 < end && (is_ident(c[1]) || c[1] == '.'))
                c++;
        }
    }
}

size_t policy_lint_dup(const liq_policy *p, liq_diags *d)
{
    const p_hooks *h = &p->r.hooks;
    if (!p->hook_path)
        return 0;
    dup_list l = {0};
    bool ok = collect(&l, &p->r, h);
    for (size_t m = 0; ok && m < p->nmarkets; m++)
        ok = collect(&l, &p->markets[m].r, h);
    if (!ok || !l.n) {
        free(l.items);
        return 0;
    }
    fio_buf src = {0};
    liq_diags quiet = LIQ_DIAGS_INIT;
    /* The file loaded once already; a failure to read it again is the
     * loader's to report, not lint's. */
    if (fio_read(p->hook_path, FIO_HOOK, NULL, &src, &quiet) != LIQ_OK) {
        liq_diags_free(&quiet);
        free(l.items);
        return 0;
    }
    dup_scan sc = {p, &l, d, 0, -1};
    const char *s = src.data, *end = src.data + src.len;
    for (int line = 1; s < end; line++) {
        const char *e = memchr(s, '\n', (size_t)(end - s));
        if (!e)
            e = end;
        scan_line(&sc, s, e, line);
        s = e + 1;
    }
    free(src.data);
    free(l.items);
    return sc.added;
}
