/*
 * audit_replay.c — the replay part of a property audit (audit.h): books
 * of a few accounts generated as the audit's cases are (the same
 * markets, tiers, leverages and paths), replayed with the ledger checked
 * at every tick (liq_replay_opts.check), so money created or lost in a
 * replay's moves is found, shrunk to the fewest accounts and marks that
 * still break it, and written as a book and a path `liqsim replay
 * --check` reproduces.
 *
 * A book is written in the replay's own terms (docs/replay.md): linear
 * quote amounts, size in base units, collateral in quote; an inverse
 * venue converts them at entry, as it converts a single scenario.
 */
#include "audit.h"
#include "book.h"
#include "calc.h"
#include "mem.h"
#include "sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static liq_dec quant(liq_dec v, liq_dec step, liq_round mode)
{
    liq_dec out;
    return liq_dec_quantize(v, step, mode, &out) == LIQ_OK ? out : v;
}

/* An account of the book: the case's position in linear quote terms. */
typedef struct acct_q {
    liq_dec size, collateral;
} acct_q;

static acct_q in_quote(const audit_ctx *c, const audit_case *k)
{
    const p_root *pr = audit_case_rules(c, k);
    calc cc = {LIQ_OK, NULL};
    liq_dec units = c_mul(&cc, k->size, pr->contract.contract_size.v);
    bool linear = pr->contract.type.v == CT_LINEAR;
    liq_dec q = linear ? c_mul(&cc, units, k->entry) : units;   /* quote notional */
    acct_q a;
    a.size = linear ? units : quant(c_div(&cc, units, k->entry), (liq_dec){1}, LIQ_ROUND_HALF_EVEN);
    liq_dec im = quant(c_div(&cc, q, k->leverage), (liq_dec){(liq_i128)10000}, LIQ_ROUND_CEIL);
    a.collateral = linear ? c_add(&cc, im, k->extra) : im;
    return a;
}

void audit_book_gen(const audit_ctx *c, uint64_t seed, uint64_t id, audit_book *b)
{
    memset(b, 0, sizeof *b);
    audit_case_gen(c, seed ^ 0x5bd1e995ull, id, &b->path);
    uint64_t s = seed ^ (id * 0x9e3779b97f4a7c15ull) ^ 0xb00cull;
    b->n = 2 + (size_t)(s % (AUDIT_BOOK_MAX - 1));
    for (size_t j = 0; j < b->n; j++) {
        audit_case *k = &b->acct[j];
        /* Positions of the path's market, entered around its first mark. */
        uint64_t sub = (id << 4) | j;
        do {
            audit_case_gen(c, seed ^ 0xacc7ull, sub, k);
            sub += 1u << 20;
        } while (k->market != b->path.market && sub < (64u << 20));
        /* Its notional and leverage (valid for that notional's tier), at
         * the path's entry. */
        liq_dec n = audit_case_notional(c, k);
        k->market = b->path.market;
        k->entry = b->path.entry;
        k->size = audit_case_size(c, k, n);
    }
}

/* The replay of b; true when it ran with the ledger whole at every tick.
 * detail gets the failure. */
bool audit_book_check(audit_ctx *c, const audit_book *b, char *detail, size_t cap)
{
    liq_book *bk = book_new(b->n);
    liq_path *path = path_new(1 + b->path.nmarks);
    bool ok = bk && path;
    for (size_t j = 0; ok && j < b->n; j++) {
        acct_q a = in_quote(c, &b->acct[j]);
        char id[24];
        snprintf(id, sizeof id, "a%zu", j + 1);
        ok = book_add(bk, id, a.collateral, b->acct[j].mode, b->acct[j].side == SIDE_LONG ? 1 : -1,
                      a.size, b->acct[j].entry, b->acct[j].leverage);
    }
    if (!ok) {
        liq_book_free(bk);
        liq_path_free(path);
        snprintf(detail, cap, "out of memory");
        return true;   /* not the policy's failure */
    }
    path->mark[0] = b->path.entry;
    for (size_t i = 0; i < b->path.nmarks; i++)
        path->mark[1 + i] = b->path.marks[i];
    liq_replay_opts o = {.check = true, .slippage = b->path.slippage,
                         .has_fund = b->path.has_fund, .fund = b->path.fund,
                         .market = c->p->nmarkets ? c->p->markets[b->path.market].id->symbol.v : NULL};
    liq_replay_summary sum;
    liq_diags d = LIQ_DIAGS_INIT;
    liq_status st = liq_replay(c->p, bk, path, &o, &sum, &d);
    /* Only a ledger that does not add up fails here: a hook's error or a
     * broken promise stops the single evaluations of the same cases, and
     * is reported there. */
    bool held = true;
    if (st == LIQ_EINVARIANT) {
        held = false;
        const liq_diag *g = NULL;
        for (size_t i = 0; !g && i < d.n; i++)
            if (d.items[i].severity == LIQ_SEV_ERROR)
                g = &d.items[i];
        snprintf(detail, cap, "%s", g ? g->msg : "the replay's ledger does not add up");
    }
    liq_diags_free(&d);
    liq_book_free(bk);
    liq_path_free(path);
    return held;
}

size_t audit_book_shrink(audit_ctx *c, audit_book *b, size_t budget)
{
    size_t spent = 0;
    char d[AUDIT_DETAIL];
    for (bool changed = true; changed && spent < budget;) {
        changed = false;
        for (size_t j = 0; b->n > 1 && j < b->n && spent < budget; j++) {
            audit_book t = *b;
            memmove(&t.acct[j], &t.acct[j + 1], (t.n - j - 1) * sizeof *t.acct);
            t.n--;
            spent++;
            if (!audit_book_check(c, &t, d, sizeof d)) {
                *b = t;
                changed = true;
                j--;
            }
        }
        for (size_t i = 0; b->path.nmarks > 1 && i < b->path.nmarks && spent < budget; i++) {
            audit_book t = *b;
            memmove(&t.path.marks[i], &t.path.marks[i + 1],
                    (t.path.nmarks - i - 1) * sizeof *t.path.marks);
            t.path.nmarks--;
            spent++;
            if (!audit_book_check(c, &t, d, sizeof d)) {
                *b = t;
                changed = true;
                i--;
            }
        }
    }
    return spent;
}

char *audit_book_ndjson(const audit_ctx *c, const audit_book *b)
{
    sbuf t = {0};
    for (size_t j = 0; j < b->n; j++) {
        const audit_case *k = &b->acct[j];
        acct_q a = in_quote(c, k);
        char s1[LIQ_DEC_STRLEN], s2[LIQ_DEC_STRLEN], s3[LIQ_DEC_STRLEN], s4[LIQ_DEC_STRLEN];
        sb_add(&t, "{\"id\":\"a%zu\",\"collateral\":\"%s\",\"mode\":\"%s\",\"positions\":[{"
                   "\"side\":\"%s\",\"size\":\"%s\",\"entry_price\":\"%s\",\"leverage\":\"%s\"}]}\n",
               j + 1, dstr(a.collateral, s1), liq_mode_names[k->mode],
               k->side == SIDE_LONG ? "long" : "short", dstr(a.size, s2), dstr(k->entry, s3),
               dstr(k->leverage, s4));
    }
    return sb_take(&t);
}

char *audit_book_path_csv(const audit_ctx *c, const audit_book *b)
{
    (void)c;
    sbuf t = {0};
    char s1[LIQ_DEC_STRLEN];
    sb_add(&t, "time,mark\n0,%s\n", dstr(b->path.entry, s1));
    for (size_t i = 0; i < b->path.nmarks; i++)
        sb_add(&t, "%zu,%s\n", i + 1, dstr(b->path.marks[i], s1));
    return sb_take(&t);
}
