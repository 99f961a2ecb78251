/*
 * result.c — building and releasing a liq_result: events, trace steps,
 * warnings and debt actions. Rendering lives in result_json.c and
 * result_text.c.
 */
#include "mem.h"
#include "result.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

const char *const result_status_names[RS_COUNT] = {"ok", "not_listed", "not_offered", "error"};
const char *const result_stop_names[STOP_COUNT] = {"not_triggered", "filled", "liquidated_first",
                                                   "limit_unfilled"};

const char *liq_result_status(const liq_result *r)
{
    return r && r->status >= 0 && r->status < RS_COUNT ? result_status_names[r->status] : "error";
}

const char *liq_result_reason(const liq_result *r)
{
    return r ? r->reason : NULL;
}

liq_result *result_new_row(const char *policy, const char *venue, const char *scenario,
                           int status, const char *reason)
{
    /* As liq_eval: the result and its names in one block, so that
     * liq_result_free releases either kind of row the same way. */
    const char *names[4] = {policy, venue, scenario, ""};
    size_t lens[4], total = sizeof(liq_result);
    for (int i = 0; i < 4; i++)
        total += (lens[i] = strlen(names[i] ? names[i] : "") + 1);
    liq_result *r = mem_calloc(1, total);
    if (!r)
        return NULL;
    char *cur = (char *)(r + 1);
    char **slots[4] = {&r->policy, &r->venue, &r->scenario, &r->settlement};
    for (int i = 0; i < 4; i++) {
        memcpy(cur, names[i] ? names[i] : "", lens[i]);
        *slots[i] = cur;
        cur += lens[i];
    }
    if (!result_set_status(r, status, reason)) {
        liq_result_free(r);
        return NULL;
    }
    return r;
}

liq_status result_trader_lost(const liq_result *r, liq_dec *out)
{
    liq_dec others = LIQ_DEC_ZERO, lost;
    liq_status st = LIQ_OK;
    for (int i = 0; i < STAGE_COUNT && st == LIQ_OK; i++)
        if (i != STAGE_DEBT)
            st = liq_dec_add(others, r->cov[i], &others);
    if (st == LIQ_OK)
        st = liq_dec_sub(r->total, others, &lost);
    if (st == LIQ_OK)
        st = liq_dec_sub(lost, r->walk.unrealized, &lost);
    if (st == LIQ_OK)
        *out = lost;
    return st;
}

/* Replace *slot by a copy of v (NULL clears it). */
static bool set_str(char **slot, const char *v)
{
    char *c = v ? mem_strdup(v) : NULL;
    if (v && !c)
        return false;
    free(*slot);
    *slot = c;
    return true;
}

bool result_set_status(liq_result *r, int status, const char *reason)
{
    r->status = status;
    return set_str(&r->reason, reason);
}

bool result_set_names(liq_result *r, const char *market, const char *product)
{
    return set_str(&r->market, market) && set_str(&r->product, product);
}

/* Whether the block owns anything beyond itself. A quiet evaluation
 * owns none of these: one test of them all spares a reused block (a
 * batch's every row) ten branches. */
static inline bool owns(const liq_result *r)
{
    return ((uintptr_t)r->reason | (uintptr_t)r->market | (uintptr_t)r->product |
            (uintptr_t)r->actions | (uintptr_t)r->legs | (uintptr_t)r->cassets |
            (uintptr_t)r->rep_source | (uintptr_t)r->events | (uintptr_t)r->trace |
            (uintptr_t)r->warnings) != 0;
}

/* What the block owns beyond itself, released. */
static void release(liq_result *r)
{
    if (!owns(r))
        return;
    free(r->reason);
    free(r->market);
    free(r->product);
    free(r->actions);
    free(r->legs);
    free(r->cassets);
    free(r->rep_source);
    free(r->events);
    free(r->trace);
    if (r->warnings) {
        for (size_t i = 0; i < r->nwarnings; i++)
            free(r->warnings[i]);
        free(r->warnings);
    }
}

/* The block's tail (the stop-loss view and the reporting currency) is
 * written only by stop_view, which sets stop.has, and by
 * result_report_currency, which sets rep_currency: zeroed only then, so
 * that a quiet evaluation without a stop clears a third less. */
static void clear_tail(liq_result *r)
{
    if (r->stop.has || r->rep_currency[0])
        memset(&r->stop, 0, sizeof *r - offsetof(liq_result, stop));
}

void result_clear(liq_result *r)
{
    release(r);
    clear_tail(r);
    memset(r, 0, offsetof(liq_result, stop));
}

void result_clear_eval(liq_result *r)
{
    if (owns(r)) {
        release(r);
        clear_tail(r);
        memset(r, 0, offsetof(liq_result, contract));
        return;
    }
    clear_tail(r);
    /* Nothing owned: every pointer and count above bankruptcy_price is
     * zero already (a count grows only with its allocation); the names
     * and sources are the caller's to set, incomplete is never set on a
     * block handed back (liq_eval drops it), a row's status is. */
    r->status = RS_OK;
    /* Field by field (a 16-byte store each): a memset of the run is a
     * string store over every word. */
    r->bankruptcy_price = LIQ_DEC_ZERO;
    for (int i = 0; i < STAGE_COUNT; i++)
        r->cov[i] = LIQ_DEC_ZERO;
    r->if_paid = LIQ_DEC_ZERO;
    /* The flags' slot whole (one store): a flag added beside them is
     * zeroed too, which the size check below could not see. */
    memset(&r->has_coll_px, 0,
           offsetof(liq_result, collateral_haircut) - offsetof(liq_result, has_coll_px));
    r->collateral_haircut = LIQ_DEC_ZERO;
}
_Static_assert(offsetof(liq_result, contract) - offsetof(liq_result, bankruptcy_price) ==
                   (STAGE_COUNT + 4) * sizeof(liq_dec),
               "result_clear_eval zeroes each field from bankruptcy_price to contract: "
               "a field added there is zeroed there too");

void liq_result_free(liq_result *r)
{
    if (!r)
        return;
    /* One list of what a result owns: result_clear's. */
    result_clear(r);
    free(r);
}

static bool grow(void **items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t nc = *cap ? *cap * 2 : 16;
    void *p = mem_realloc(*items, nc * size);
    if (!p)
        return false;
    *items = p;
    *cap = nc;
    return true;
}

liq_event *result_event_add(liq_result *r, const char *type, long step)
{
    if (!grow((void **)&r->events, &r->capevents, r->nevents, sizeof *r->events)) {
        r->incomplete = true;
        return NULL;
    }
    liq_event *e = &r->events[r->nevents++];
    e->type = type;
    e->step = step;
    e->nkv = 0;
    return e;
}

const char *policy_prov_label(const pprov *prov, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = 0;
    if (!prov)
        return buf;
    for (size_t i = 0; i < prov->nids && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", prov->ids[i]);
    if (prov->assumed && used < cap)
        snprintf(buf + used, cap - used, "%sassumed: %s", used ? "; " : "", prov->assumed);
    return buf;
}

bool result_trace_add(liq_result *r, const char *step, liq_dec v, liq_mark rule,
                      const char *rulekey, const pprov *prov, const char *fmt, ...)
{
    if (!r->explain || r->quiet)
        return true;
    if (!grow((void **)&r->trace, &r->captrace, r->ntrace, sizeof *r->trace))
        return !(r->incomplete = true);
    liq_trace *t = &r->trace[r->ntrace++];
    memset(t, 0, sizeof *t);
    snprintf(t->step, sizeof t->step, "%s", step);
    liq_dec_format(v, t->value);
    if (rule.file && rule.line && rule.col)
        snprintf(t->rule, sizeof t->rule, "%s:%d:%d%s%s", rule.file, rule.line, rule.col,
                 rulekey ? " " : "", rulekey ? rulekey : "");
    else if (rule.file && rule.line) /* a hook: file:line of its definition */
        snprintf(t->rule, sizeof t->rule, "%s:%d%s%s", rule.file, rule.line,
                 rulekey ? " " : "", rulekey ? rulekey : "");
    else if (rulekey)
        snprintf(t->rule, sizeof t->rule, "%s", rulekey);
    policy_prov_label(prov, t->source, sizeof t->source);
    for (size_t i = 0; prov && r->sources && i < prov->nids && t->nrefs < LIQ_TRACE_REFS; i++) {
        const p_source *src = r->sources->items;
        for (size_t k = 0; k < r->sources->n; k++) {
            if (!src[k].id.v || strcmp(src[k].id.v, prov->ids[i]) != 0)
                continue;
            liq_trace_ref *f = &t->refs[t->nrefs++];
            snprintf(f->id, sizeof f->id, "%s", prov->ids[i]);
            snprintf(f->url, sizeof f->url, "%s",
                     src[k].url.v ? src[k].url.v : src[k].title.v ? src[k].title.v : "");
            snprintf(f->date, sizeof f->date, "%s", src[k].date.v ? src[k].date.v : "");
            break;
        }
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->note, sizeof t->note, fmt, ap);
    va_end(ap);
    return true;
}

void result_trace_refs_text(const liq_trace *t, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < t->nrefs && used < cap; i++) {
        const liq_trace_ref *f = &t->refs[i];
        used += (size_t)snprintf(buf + used, cap - used, "%s%s%s%s%s%s%s", i ? "; " : "", f->id,
                                 *f->url ? " <" : "", f->url, *f->url ? ">" : "",
                                 *f->date ? " " : "", "");
        if (*f->date && used < cap)
            used += (size_t)snprintf(buf + used, cap - used, "(%s)", f->date);
    }
}

bool result_warn_add(liq_result *r, const char *fmt, ...)
{
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **w = mem_realloc(r->warnings, (r->nwarnings + 1) * sizeof *w);
    if (!w)
        return !(r->incomplete = true);
    r->warnings = w;
    r->warnings[r->nwarnings] = mem_strdup(buf);
    if (!r->warnings[r->nwarnings])
        return !(r->incomplete = true);
    r->nwarnings++;
    return true;
}

bool result_action(liq_result *r, const char *type, int64_t deadline_hours, const liq_dec *amount,
                   const char *note)
{
    liq_action *a = mem_realloc(r->actions, (r->nactions + 1) * sizeof *a);
    if (!a)
        return !(r->incomplete = true);
    r->actions = a;
    liq_action *x = &r->actions[r->nactions++];
    memset(x, 0, sizeof *x);
    snprintf(x->type, sizeof x->type, "%s", type);
    x->deadline_hours = deadline_hours;
    x->every_hours = -1;
    if (amount) {
        x->has_amount = true;
        x->amount = *amount;
    }
    if (note)
        snprintf(x->note, sizeof x->note, "%s", note);
    return true;
}
