/*
 * eval.c — liq_eval: runs the waterfall's stages in order and checks the
 * accounting invariants of every result.
 *
 * Owns the order of the stages and the bookkeeping between them; each
 * stage's rule lives in its own file (see waterfall.h). The invariants
 * (nothing created or lost; covered_by sums to the deficit; a
 * negative-balance promise is kept) are checked on every evaluation:
 * they cost a few additions and a broken one is a bug worth an error.
 */
#include "market.h"
#include "mem.h"
#include "variant.h"
#include "waterfall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool wf_hooked(const wf *w, int which)
{
    return w->p->rt && w->p->hook_ref[which] >= 0;
}

liq_status wf_call_hook(wf *w, int which, const liq_hook_field *f, size_t n)
{
    if (w->hook_io) {
        /* --explain: the call's inputs, as the trace line that uses its
         * output shows them. */
        size_t used = 0;
        w->hook_io[0] = 0;
        for (size_t i = 0; i < n && used < WF_HOOK_IO; i++) {
            char b[LIQ_DEC_STRLEN];
            const char *v = f[i].kind == LIQ_HF_DEC ? dstr(f[i].dec, b)
                          : f[i].kind == LIQ_HF_STR ? (f[i].str ? f[i].str : "nil")
                          : f[i].kind == LIQ_HF_BOOL ? (f[i].b ? "true" : "false") : NULL;
            if (f[i].kind == LIQ_HF_INT)
                snprintf(b, sizeof b, "%lld", (long long)f[i].i), v = b;
            used += (size_t)snprintf(w->hook_io + used, WF_HOOK_IO - used, "%s%s=%s",
                                     i ? ", " : "", f[i].key, v);
        }
    }
    return liq_hookrt_call(w->p->rt, w->p->hook_ref[which], liq_hook_names[which], f, n, w->d);
}


__attribute__((noinline, cold)) static liq_status fail_invariant(wf *w, const char *what)
{
    liq_diags_add(w->d, LIQ_SEV_ERROR, LIQ_EINVARIANT, w->p->path, 0, 0,
                  "invariant broken: %s (policy %s, scenario %s)", what, w->pr->name.v,
                  w->s->r.name.v);
    return LIQ_EINVARIANT;
}

/* Plain 128-bit sums for the checks below: an overflow ends the checks
 * at once (a branch on the overflow flag, where a sticky status or a
 * flag kept across them costs a test at every step). (The amounts
 * compared are results of liq_dec arithmetic, never the most negative
 * raw.) */
#define INV_ADD(a, b, out) if (__builtin_add_overflow((a), (b), (out))) goto overflow
#define INV_SUB(a, b, out) if (__builtin_sub_overflow((a), (b), (out))) goto overflow

_Static_assert(STAGE_COUNT <= 15, "check_invariants: STAGE_COUNT covers below 2^123 each sum "
                                  "below 2^127");

/* The high word of a raw in memory, loaded alone: GCC otherwise loads
 * the whole raw of each cover through a vector register and splits it
 * on the stack. */
WF_INLINE uint64_t raw_hi_word(const liq_dec *v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t h;
    memcpy(&h, (const char *)v + sizeof h, sizeof h);
    return h;
#else
    return (uint64_t)((liq_u128)v->raw >> 64);
#endif
}

/* Each check right after the sum it needs, in the order they are told:
 * the first broken one is named (an overflow in a later sum is then not
 * reached), and no sum waits in memory for its test. */
static liq_status check_invariants(wf *w)
{
    const liq_result *r = w->r;
    liq_i128 sum, over, cov = 0, others, fb, if_after;
    INV_ADD(r->walk.unforced.raw, r->walk.forced.raw, &sum);
    INV_ADD(sum, r->walk.fees.raw, &sum);
    if (sum != r->total.raw)
        return fail_invariant(w, "loss.total != unforced + forced + fees");
    INV_SUB(r->total.raw, r->collateral.raw, &over);
    if (!w->legs_isolated && r->deficit.raw != (over > 0 ? over : 0))
        return fail_invariant(w, "deficit != max(0, loss.total - collateral)");
    /* The covers' high words ORed say two things at once where each is
     * below 2^123 (every real amount): none is negative, and their sum
     * cannot overflow, so it needs no test per stage. Else the careful
     * loop names a negative cover or the overflow. */
    uint64_t hi = 0;
    for (int i = 0; i < STAGE_COUNT; i++)
        hi |= raw_hi_word(&r->cov[i]);
    if (__builtin_expect(hi >> 59 == 0, 1)) {
        for (int i = 0; i < STAGE_COUNT; i++)
            cov += r->cov[i].raw;
    } else {
        bool cov_neg = false;
        for (int i = 0; i < STAGE_COUNT; i++) {
            cov_neg |= r->cov[i].raw < 0;
            INV_ADD(cov, r->cov[i].raw, &cov);
        }
        if (cov_neg)
            return fail_invariant(w, "a covered_by amount is negative");
    }
    if (cov != r->deficit.raw)
        return fail_invariant(w, "covered_by does not sum to the deficit");
    /* What others covered, from the stages' own amounts: eval_settle took
     * it as the deficit less the trader's debt, so this checks that too. */
    INV_SUB(cov, r->cov[STAGE_DEBT].raw, &others);
    INV_SUB(w->account.raw, r->total.raw, &fb);
    INV_ADD(fb, others, &fb);
    INV_ADD(fb, r->walk.unrealized.raw, &fb);
    if (fb != r->final_balance.raw)
        return fail_invariant(w, "final_balance != account - loss + covered by others");
    if (r->final_balance.raw < 0 ? r->owed.raw != -r->final_balance.raw : r->owed.raw != 0)
        return fail_invariant(w, "debt.owed != what the final balance is below zero");
    if (r->if_finite) {
        INV_ADD(r->if_before.raw, r->if_received.raw, &if_after);
        INV_SUB(if_after, r->if_paid.raw, &if_after);
        if (if_after != r->if_after.raw || r->if_after.raw < 0)
            return fail_invariant(w, "insurance fund balance does not reconcile");
    }
    /* Neither is negative (the owed check and the covers' above): either
     * above zero is a bit set in one of them. */
    if (w->pr->negative_balance.protection.v && (r->owed.raw | r->cov[STAGE_DEBT].raw) != 0)
        return fail_invariant(w, "negative-balance protection promised, but the trader owes");
    return LIQ_OK;
overflow:
    return fail_invariant(w, "overflow while checking");
}

#undef INV_ADD
#undef INV_SUB

static void trace_entry(wf *w, liq_dec lp, bool has_lp, size_t tier)
{
    liq_result *r = w->r;
    const p_maint *m = &w->pr->margin.maintenance;
    const p_tier *t = root_tier(w->pr, tier);
    char b1[LIQ_DEC_STRLEN], b2[LIQ_DEC_STRLEN], key[64];
    const s_position *sp = w->sp;
    result_trace(r, "initial_margin", r->initial_margin, w->lev_m,
                 sp->margin.set ? "position.margin" : "position.leverage", NULL,
                 sp->margin.set ? "margin given by the scenario" : "notional / leverage");
    snprintf(key, sizeof key, "margin.maintenance.tiers[%zu]", tier);
    if (wf_hooked(w, HOOK_MM))
        result_trace(r, "maintenance_margin", r->maintenance_margin, w->p->hook_mark[HOOK_MM],
                     "hook maintenance_margin", &m->prov, "at the entry price");
    else
        result_trace(r, "maintenance_margin", r->maintenance_margin, t->rate.m, key,
                     t->prov.nids || t->prov.assumed ? &t->prov : &m->prov,
                     "%s notional x %s - %s (tier %zu)%s%s",
                     m->base.v == MMBASE_ENTRY ? "entry" : "mark", dstr(t->rate.v, b1),
                     dstr(t->deduction.v, b2), tier + 1,
                     d_zero(m->close_fee_rate.v) ? ""
                     : m->close_fee_at.v == CLOSEFEE_BANKRUPTCY
                         ? " + bankruptcy-price notional x close_fee_rate "
                         : " + notional x close_fee_rate ",
                     d_zero(m->close_fee_rate.v) ? "" : dstr(m->close_fee_rate.v,
                                                            (char[LIQ_DEC_STRLEN]){0}));
    if (has_lp)
        result_trace(r, "liquidation_price", lp, m->base.m, "margin.maintenance.base", &m->prov,
                     "price where equity equals maintenance margin%s%s",
                     m->rebracket.v ? ", tier re-bracketed at that price" : "",
                     w->pr->rounding.price_tick.set ? ", rounded to the price tick" : "");
    if (r->has_bp)
        result_trace(r, "bankruptcy_price", r->bankruptcy_price, w->pr->contract.type.m,
                     "contract.type", &w->pr->contract.prov,
                     "price where equity is zero%s",
                     w->pr->rounding.price_tick.set ? ", rounded to the price tick" : "");
}

/* The names a result carries: policy, venue, scenario, settlement ("" for
 * one the policy or scenario leaves out). */
WF_INLINE void result_names(const liq_policy *p, const p_root *pr, const liq_scenario *s,
                            const char *out[4])
{
    out[0] = p->r.name.v ? p->r.name.v : "";
    out[1] = p->r.venue.v ? p->r.venue.v : "";
    out[2] = s->r.name.v ? s->r.name.v : "";
    out[3] = pr->contract.settlement.v ? pr->contract.settlement.v : "";
}

/* A new result block for p, pr and s, the names copied into it (out of
 * line: a reused block, a batch's every row, needs none of it). Caller
 * owns the result. */
__attribute__((noinline)) static liq_result *result_alloc(const liq_policy *p, const p_root *pr,
                                                          const liq_scenario *s,
                                                          liq_diags *diags)
{
    const char *names[4];
    char **slots[4];
    result_names(p, pr, s, names);
    /* The result and its four names in one block: one malloc per
     * evaluation, whatever it holds (liq_result_free releases all). */
    size_t lens[4], total = sizeof(liq_result);
    for (int i = 0; i < 4; i++)
        total += (lens[i] = strlen(names[i]) + 1);
    /* malloc + memset rather than calloc: glibc's calloc skips the
     * per-thread cache, and an evaluation is one allocation and one free. */
    liq_result *r = mem_malloc(total);
    if (!r) {
        liq_diags_add(diags, LIQ_SEV_ERROR, LIQ_ENOMEM, "", 0, 0, "out of memory");
        return NULL;
    }
    memset(r, 0, sizeof *r);
    r->sources = &p->r.sources;
    char *cur = (char *)(r + 1);
    slots[0] = &r->policy, slots[1] = &r->venue, slots[2] = &r->scenario, slots[3] = &r->settlement;
    for (int i = 0; i < 4; i++) {
        memcpy(cur, names[i], lens[i]);
        *slots[i] = cur;
        cur += lens[i];
    }
    return r;
}

/* A result block for p, pr and s: reuse (cleared, names pointing at p's
 * and s's own strings, nothing allocated) when given, else a new block
 * with the names copied into it. Caller owns the result. */
static liq_result *result_block(const liq_policy *p, const p_root *pr, const liq_scenario *s,
                                liq_result *reuse, liq_diags *diags)
{
    if (!reuse)
        return result_alloc(p, pr, s, diags);
    result_clear_eval(reuse);
    reuse->sources = &p->r.sources;
    /* Read-only borrowed strings (liq_eval_reuse's contract): the
     * renderers only read them, and liq_result_free never frees them. */
    const char *names[4];
    result_names(p, pr, s, names);
    reuse->policy = (char *)names[0];
    reuse->venue = (char *)names[1];
    reuse->scenario = (char *)names[2];
    reuse->settlement = (char *)names[3];
    return reuse;
}

liq_result *eval_result_new(const liq_policy *p, const p_root *pr, const liq_scenario *s,
                            liq_diags *diags)
{
    return result_block(p, pr, s, NULL, diags);
}

void eval_fail_calc(wf *w, liq_status st)
{
    char b[LIQ_DEC_STRLEN];
    if (w->doing)
        liq_diags_add(w->d, LIQ_SEV_ERROR, st, w->p->path, 0, 0,
                      "%s while %s%s%s (scenario %s, policy %s)", liq_status_str(st), w->doing,
                      w->doing_has_px ? " " : "", w->doing_has_px ? dstr(w->doing_px, b) : "",
                      w->s->r.name.v, w->pr->name.v);
    else
        liq_diags_add(w->d, LIQ_SEV_ERROR, st, w->p->path, 0, 0,
                      "%s while evaluating %s under %s", liq_status_str(st), w->s->r.name.v,
                      w->pr->name.v);
}

WF_INLINE void use_columns(wf *w, const liq_dec *const col[PCOL_COUNT])
{
    /* The pick read back from w->cols, where wf_use_columns keeps it: a
     * copy of it would be stored for the note a quiet evaluation skips.
     * A path of the mark column alone (most scenarios) is given as a
     * constant list, so the compiler folds the same choice down to its
     * answer for one column. */
    if (!col[PCOL_ORACLE] && !col[PCOL_INDEX] && !col[PCOL_LAST]) {
        const liq_dec *const mark_only[PCOL_COUNT] = {[PCOL_MARK] = col[PCOL_MARK]};
        wf_use_columns(w, mark_only);
    } else {
        wf_use_columns(w, col);
    }
    const pcol_pick *k = &w->cols;
    liq_result *r = w->r;
    r->price_cols = k->several;
    r->col_trigger = k->trigger;
    r->col_fill = k->fill;
    char note[300];
    if (!r->quiet && pcol_note(k, w->p->r.venue.v, note, sizeof note))
        result_warn(r, "%s", note);
}

void eval_use_columns(wf *w, const liq_dec *const col[PCOL_COUNT])
{
    use_columns(w, col);
}

liq_status eval_settle(wf *w, const wf_close *cl)
{
    liq_result *r = w->r;
    const p_root *pr = w->pr;
    liq_status st = wf_shortfall(w, cl, r->deficit);
    if (st == LIQ_OK) {
        /* The stages covered the whole deficit (what the policy's order
         * leaves goes to the venue or the trader's debt, wf_rest_stage):
         * what others covered is all of it but the trader's own debt.
         * check_invariants adds the stages up one by one. */
        liq_dec debt = r->cov[STAGE_DEBT];
        /* (Most deficits leave the trader no debt to take off.) */
        liq_dec others = d_zero(debt) ? r->deficit : c_sub(&w->c, r->deficit, debt);
        r->final_balance = c_add(&w->c, c_add(&w->c, c_sub(&w->c, w->account, r->total), others),
                                 r->walk.unrealized);
        /* What the balance is below zero (liq_dec_max(neg, 0), one test). */
        r->owed = d_neg(r->final_balance) ? liq_dec_neg(r->final_balance) : LIQ_DEC_ZERO;
        result_trace(r, "final_balance", r->final_balance, w->s->r.account.collateral.m,
                     "account.collateral", &pr->negative_balance.prov,
                     "account - loss + what others covered%s",
                     d_zero(r->walk.unrealized) ? "" : " + unrealized PnL of what is open");
        st = w->c.st;
    }
    if (st == LIQ_OK)
        st = wf_debt(w);
    if (st == LIQ_OK)
        st = check_invariants(w);
    if (st != LIQ_OK && w->c.st != LIQ_OK && st == w->c.st &&
        liq_diags_count(w->d, LIQ_SEV_ERROR) == 0)
        eval_fail_calc(w, st);
    return st;
}

/* reuse: a block of an earlier evaluation (liq_eval_reuse) or NULL;
 * evaluate owns it from here on: it is the result, or released. */
__attribute__((noinline)) static liq_result *evaluate(liq_policy *p, const liq_scenario *s,
                                                      const liq_eval_opts *opts,
                                                      liq_result *reuse, liq_diags *diags);

/* The stop-loss's part of the result: what the walk did with it. */
static void stop_view(const wf *w, const wf_close *cl, liq_result *r)
{
    const s_stop *sl = &w->sp->stop_loss;
    liq_stop_view *v = &r->stop;
    v->has = true;
    v->price = sl->price.v;
    v->slippage = sl->slippage.set ? sl->slippage.v : w->s->r.market.liquidation_fill.slippage.v;
    v->has_limit = sl->limit.set;
    v->limit = sl->limit.v;
    v->outcome = cl->stop_outcome;
    v->step = cl->stop_step;
    v->mark = cl->stop_mark;
    v->fill = cl->stop_fill;
    v->fill_step = cl->stop_fill_step;
    v->fill_mark = cl->stop_fill_mark;
    v->slip_cost = cl->stop_slip_cost;
    v->beyond_lp = cl->stop_outcome == STOP_FILLED && r->has_lp &&
                   (w->sgn > 0 ? d_le(cl->stop_fill, r->liquidation_price)
                               : d_ge(cl->stop_fill, r->liquidation_price));
}

/* Beside the stop's fill, what liquidation would have done: the same
 * scenario without the stop, evaluated by the same engine. */
static liq_status stop_without(liq_policy *p, const liq_scenario *s, const liq_eval_opts *opts,
                               liq_result *r, liq_diags *diags)
{
    variant v;
    if (!variant_init(&v, s, diags)) {
        variant_free(&v);
        return LIQ_ENOMEM;
    }
    v.pos.stop_loss.price.set = false;
    liq_eval_opts q = {.quiet = true, .currency = opts ? opts->currency : NULL};
    liq_result *o = evaluate(p, &v.s, &q, NULL, diags);
    variant_free(&v);
    if (!o)
        return liq_diags_count(diags, LIQ_SEV_ERROR) ? diags->items[diags->n - 1].code
                                                     : LIQ_EINVARIANT;
    liq_stop_view *sv = &r->stop;
    liq_status st = o->status == RS_OK ? result_trader_lost(o, &sv->w_lost) : LIQ_OK;
    sv->has_without = o->status == RS_OK && st == LIQ_OK;
    sv->w_liquidated = o->walk.liquidated;
    sv->w_trigger = o->walk.trigger;
    sv->w_fill = o->walk.fill;
    sv->w_total = o->total;
    sv->w_final = o->final_balance;
    sv->w_owed = o->owed;
    liq_result_free(o);
    return st;
}

liq_status eval_cassets(wf *w, wf_casset *out)
{
    liq_status st = wf_collateral_bind(w, out);
    if (st != LIQ_OK || w->refused)
        return st;
    liq_result *r = w->r;
    wf_collateral_worth(w, 0, &w->haircut);
    r->has_coll_px = true;
    r->collateral_haircut = w->haircut;
    if (r->quiet)
        return w->c.st;
    if (!(r->cassets = mem_calloc(w->ncassets, sizeof *r->cassets)))
        return LIQ_ENOMEM;
    r->ncassets = w->ncassets;
    for (size_t i = 0; i < w->ncassets; i++) {
        liq_casset_row *row = &r->cassets[i];
        const s_cpath *a = w->cassets[i].a;
        snprintf(row->asset, sizeof row->asset, "%s", a->asset);
        row->amount = a->amount;
        row->price = a->px ? a->px[0] : c_int(1);
        row->value = wf_casset_value(w, &w->cassets[i], 0, &row->counted);
    }
    return w->c.st;
}

void eval_interest_setup(wf *w, const liq_scenario *s)
{
    if (!w->pr->interest.prov.present) {
        /* No interest: w starts zeroed, nothing to set (the common case). */
        w->r->has_interest = false;
        return;
    }
    const s_market *m = &s->r.market;
    wf_interest_setup(w, m->tick_hours.set, m->tick_hours.v, m->interest_benchmark.set,
                      m->interest_benchmark.v);
    w->r->has_interest = w->interest_on;
    if (w->interest_why && !w->r->quiet)
        result_warn(w->r, "%s charges interest on its margin loan, but none accrued: %s",
                    w->pr->venue.v, w->interest_why);
}

/* The head of w zeroed 16 bytes a store, unrolled (a memset of it, or a
 * loop the compiler makes one, is a string store of a word at a time). */
WF_INLINE void zero_head(wf *w)
{
    enum { N = WF_HEAD_TO - WF_HEAD_FROM };
    char *h = (char *)w + WF_HEAD_FROM;
    const liq_u128 z = 0;
#pragma GCC unroll 16
    for (size_t i = 0; i + 16 <= N; i += 16)
        memcpy(h + i, &z, 16);
    if (N % 16)
        memcpy(h + N - N % 16, &z, N % 16);
}

/* evaluate's body: inlined into liq_eval_reuse, every evaluation's way
 * in, and called through evaluate by stop_without's nested evaluation. */
WF_INLINE liq_result *evaluate_inline(liq_policy *p, const liq_scenario *s,
                                      const liq_eval_opts *opts, liq_result *reuse,
                                      liq_diags *diags)
{
    if (s->nlegs > 1) {
        liq_result_free(reuse);
        return account_eval(p, s, opts, diags);
    }
    /* Which of the venue's markets the scenario's market names: its rules
     * (p->r with the market's overrides) are the ones evaluated. */
    mkt_match mm;
    const s_position *sp0 = s->legs[0].p;
    const char *want = sp0->market.v;
    if (!want) {
        /* note and reason are read only when substituted or not found */
        mm.found = true;
        mm.substituted = false;
        mm.m = p->nmarkets ? &p->markets[0] : NULL;
    } else if (!market_find(p, want, sp0->contract.v, &mm)) {
        liq_result_free(reuse);
        /* No answer rather than another market's: the row says why. */
        liq_result *row = result_new_row(p->r.name.v, p->r.venue.v, s->r.name.v, RS_NOT_LISTED,
                                         mm.reason);
        if (!row || !result_set_names(row, want, NULL)) {
            liq_result_free(row);
            liq_diags_add(diags, LIQ_SEV_ERROR, LIQ_ENOMEM, "", 0, 0, "out of memory");
            return NULL;
        }
        return row;
    }
    const p_root *pr = mm.m ? &mm.m->r : &p->r;
    liq_result *r = result_block(p, pr, s, reuse, diags);
    if (!r)
        return NULL;
    char refusal[WF_REFUSAL], hook_io[WF_HOOK_IO];
    /* Only the head of w is zeroed: its tail is written before it is read
     * (waterfall.h), and an evaluation is short enough for 450 bytes of
     * stores to show. */
    wf w;
    zero_head(&w);
    w.p = p, w.pr = pr, w.mkt = mm.m, w.s = s, w.sp = sp0, w.px = s->legs[0].px;
    w.refusal = refusal, w.px_m = s->legs[0].px_m, w.npx = s->npath, w.r = r, w.d = diags;
    w.c = (calc){LIQ_OK, NULL};
    r->explain = opts && opts->explain;
    r->quiet = opts && opts->quiet;
    if (r->explain && !r->quiet) {
        hook_io[0] = 0;
        w.hook_io = hook_io;
    }
    if (!r->quiet && !result_set_names(r, mm.m ? mm.m->id->symbol.v : want, p->r.product.v)) {
        liq_result_free(r);
        liq_diags_add(diags, LIQ_SEV_ERROR, LIQ_ENOMEM, "", 0, 0, "out of memory");
        return NULL;
    }
    if (!r->quiet && mm.m && !want)
        result_warn(r, "the scenario names no market; evaluated on %s, the first market %s lists",
                    mm.m->id->symbol.v, p->r.venue.v);
    else if (!r->quiet && mm.substituted)
        result_warn(r, "%s", mm.note);
    w.fee_mode = (liq_round)pr->rounding.fee.v;
    w.amount_mode = (liq_round)pr->rounding.amount.v;
    use_columns(&w, s->legs[0].col);
    w.funding = s->legs[0].funding;
    r->has_funding = w.funding != NULL;
    if (pr->interest.prov.present)   /* most policies charge none: skip the call */
        eval_interest_setup(&w, s);

    liq_status st = wf_position(&w);
    wf_casset cassets[LIQ_MAX_COLLATERAL_ASSETS];
    if (st == LIQ_OK && !w.refused && s->ncassets)
        st = eval_cassets(&w, cassets);
    if (st == LIQ_OK && w.refused) {
        /* The venue would refuse this trade: a row that says why, and no
         * numbers that could be read as the venue's. */
        liq_result *row = result_new_row(p->r.name.v, p->r.venue.v, s->r.name.v, RS_NOT_OFFERED,
                                         w.refusal);
        if (row && !r->quiet)
            result_set_names(row, r->market, r->product);
        liq_result_free(r);
        if (!row)
            liq_diags_add(diags, LIQ_SEV_ERROR, LIQ_ENOMEM, "", 0, 0, "out of memory");
        return row;
    }
    if (st == LIQ_OK && s->legs[0].coll_px) {
        /* The collateral at risk, in units of its asset at the first tick. */
        w.coll_px = s->legs[0].coll_px;
        w.coll_units = c_div(&w.c, w.collateral, w.coll_px[0]);
        r->has_coll_px = true;
        st = w.c.st;
    }
    size_t tier = 0;
    if (st == LIQ_OK) {
        r->contract = w.ctype;
        r->mode = w.mode;
        r->side = w.sgn > 0 ? 0 : 1;
        r->size = w.size;
        r->entry_price = w.entry;
        r->leverage = w.lev;
        r->notional = w.notional;
        r->initial_margin = w.im;
        r->collateral = w.collateral;
        r->account = w.account;
        r->maintenance_margin = w.entry_mm;   /* wf_open's, at entry */
        tier = w.entry_tier;
    }
    w.doing = "finding the liquidation price at entry";
    if (st == LIQ_OK)
        st = wf_open_prices(&w);
    if (st == LIQ_OK) {
        r->has_lp = w.has_lp;
        r->liquidation_price = w.lp;
        r->has_bp = w.has_bp;
        r->bankruptcy_price = w.bp;
    }
    if (st == LIQ_OK && r->explain && !r->quiet)
        trace_entry(&w, w.lp, w.has_lp, tier);

    /* The walk writes its summary into the result itself (r->walk). */
    const wf_close *cl = &r->walk;
    w.doing = "walking the mark path";
    if (st == LIQ_OK)
        st = wf_walk(&w, &r->walk);
    if (st == LIQ_OK) {
        r->never_filled = cl->liquidated & !cl->filled;
        r->total = c_add(&w.c, c_add(&w.c, cl->unforced, cl->forced), cl->fees);
        /* equity = collateral - total, so the deficit is what equity is
         * below zero. */
        r->deficit = d_neg(cl->equity) ? liq_dec_neg(cl->equity) : LIQ_DEC_ZERO;
        if (w.sp->stop_loss.price.set)
            stop_view(&w, cl, r);
        /* (The trace, under --explain only: one test for the block.) */
        if (cl->liquidated && r->explain && !r->quiet) {
            const s_market *sm = &s->r.market;
            /* On a path of several prices, the trace names the columns. */
            if (w.cols.several) {
                static const char *const col_key[PCOL_COUNT] = {
                    "path column mark", "path column oracle", "path column index",
                    "path column last"};
                result_trace(r, "trigger_price", cl->trigger, w.px_m[cl->trigger_step],
                             col_key[w.cols.trigger], &pr->trigger.prov,
                             "first %s price (trigger.price; the path's %s column) at or "
                             "beyond the liquidation price", pcol_names[w.cols.wanted],
                             pcol_names[w.cols.trigger]);
                result_trace(r, "fill_price", cl->fill, sm->liquidation_fill.slippage.m,
                             "market.liquidation_fill.slippage", NULL,
                             "the path's %s price at the trigger moved by the scenario's "
                             "slippage, rounded against the trader", pcol_names[w.cols.fill]);
            } else {
                result_trace(r, "trigger_price", cl->trigger, w.px_m[cl->trigger_step], "mark_path",
                             &pr->trigger.prov, "first mark at or beyond the liquidation price");
                result_trace(r, "fill_price", cl->fill, sm->liquidation_fill.slippage.m,
                             "market.liquidation_fill.slippage", NULL,
                             "trigger moved by the scenario's slippage, rounded against the "
                             "trader");
            }
            const s_position *sp = w.sp;
            result_trace(r, "loss.unforced", cl->unforced, sp->entry_price.m,
                         "position.entry_price", NULL,
                         "what the market took: PnL from entry to the trigger mark");
            result_trace(r, "loss.forced", cl->forced, sm->liquidation_fill.slippage.m,
                         "market.liquidation_fill.slippage", &pr->liquidation.prov,
                         "what the forced close cost: PnL from the trigger to the fill");
            if (pr->liquidation.fill.v == FILL_BANKRUPTCY)
                result_trace(r, "close_price", cl->close, pr->liquidation.fill.m,
                             "liquidation.fill", &pr->liquidation.prov,
                             "the venue takes the position over at the bankruptcy price");
        }
        st = w.c.st;
    }
    if (st == LIQ_OK && cl->liquidated && r->explain && !r->quiet) {
        char b[LIQ_DEC_STRLEN];
        result_trace(r, "loss.total", r->total, pr->liquidation.prov.m, "liquidation", NULL,
                     "unforced + forced + fees");
        result_trace(r, "deficit", r->deficit, pr->shortfall.order.m, "shortfall.order",
                     &pr->shortfall.prov, "loss beyond the collateral of %s",
                     dstr(r->collateral, b));
    }
    w.doing = "covering the deficit";
    w.doing_has_px = false;
    if (st == LIQ_OK)
        st = eval_settle(&w, cl);
    if (st != LIQ_OK) {
        if (w.c.st != LIQ_OK && st == w.c.st && liq_diags_count(diags, LIQ_SEV_ERROR) == 0)
            eval_fail_calc(&w, st);
        liq_result_free(r);
        return NULL;
    }
    if (r->stop.has && !r->quiet && (st = stop_without(p, s, opts, r, diags)) != LIQ_OK) {
        liq_result_free(r);
        return NULL;
    }
    if (!r->quiet && !result_report_currency(r, s, opts ? opts->currency : NULL)) {
        liq_result_free(r);
        liq_diags_add(diags, LIQ_SEV_ERROR, LIQ_ENOMEM, "", 0, 0, "out of memory");
        return NULL;
    }
    return r;
}

static liq_result *evaluate(liq_policy *p, const liq_scenario *s, const liq_eval_opts *opts,
                            liq_result *reuse, liq_diags *diags)
{
    return evaluate_inline(p, s, opts, reuse, diags);
}

/* Under mem.h's rule: a call that fails for want of memory says so first. */
WF_INLINE liq_result *eval_watched(liq_policy *p, const liq_scenario *s,
                                   const liq_eval_opts *opts, liq_result *reuse,
                                   liq_diags *diags)
{
    mem_watch w = mem_watch_start(diags);
    liq_result *r = evaluate_inline(p, s, opts, reuse, diags);
    if (r && r->incomplete) {
        /* A result without one of its events or warnings is not the answer. */
        liq_result_free(r);
        r = NULL;
    }
    if (!r)   /* (mem_watch_end does nothing for a call that did not fail) */
        mem_watch_end(&w, diags, true, p->path);
    return r;
}

/* liq_eval_reuse without a block: one way in, so the evaluation's body
 * is inlined once. */
liq_result *liq_eval(liq_policy *p, const liq_scenario *s, const liq_eval_opts *opts,
                     liq_diags *diags)
{
    liq_result *r = NULL;
    liq_eval_reuse(p, s, opts, &r, diags);
    return r;
}

liq_status liq_eval_reuse(liq_policy *p, const liq_scenario *s, const liq_eval_opts *opts,
                          liq_result **r, liq_diags *diags)
{
    size_t before = diags ? diags->n : 0;
    *r = eval_watched(p, s, opts, *r, diags);
    if (*r)
        return LIQ_OK;
    for (size_t i = before; diags && i < diags->n; i++)
        if (diags->items[i].severity == LIQ_SEV_ERROR)
            return diags->items[i].code;
    return LIQ_ENOMEM;   /* past the list's cap: only a count is left */
}
