/*
 * result.h — what one evaluation produced: the contract's numbers, the
 * ordered events, and (with --explain) the trace of where each number
 * came from. Built by the waterfall stages, rendered by result_json.c
 * and result_text.c.
 */
#ifndef LIQ_RESULT_H
#define LIQ_RESULT_H

#include "liqsim.h"
#include "policy.h"
#include "scenario.h"

/* Event fields hold values, not text: formatting waits until rendering,
 * so an evaluation nobody prints costs no snprintf. Keys and string
 * values are static strings (names from the policy tables). */
typedef struct liq_kv {
    const char *key;
    const char *str;            /* a name, or NULL for a decimal */
    liq_dec dec;
} liq_kv;

#define LIQ_EVENT_KVS 6
typedef struct liq_event {
    const char *type;           /* static */
    long step;                  /* index in the mark path, -1 when not tied to one */
    liq_kv kv[LIQ_EVENT_KVS];   /* the numbers it moved */
    size_t nkv;
} liq_event;

/* A source a trace line cites, resolved from the policy's sources:
 * table (--explain: "each source id to its URL and date"). */
#define LIQ_TRACE_REFS 4
typedef struct liq_trace_ref {
    char id[48];
    char url[240];              /* the source's url, else its title ("" when neither) */
    char date[16];              /* its date ("unknown" when the policy says so) */
} liq_trace_ref;

typedef struct liq_trace {
    char step[48];              /* the number explained: "liquidation_price" */
    char value[LIQ_DEC_STRLEN];
    char rule[300];             /* policy file:line:col key, or hook file:line */
    char source[600];           /* source ids or "assumed: ..." */
    char note[600];             /* the formula or rule in words; a hook's inputs and output */
    liq_trace_ref refs[LIQ_TRACE_REFS];   /* the ids of source, resolved */
    size_t nrefs;
} liq_trace;

/* A trace line's sources as one line of text: "id <url> (date); ...",
 * for the table, Markdown and HTML views ("" when it cites none). */
void result_trace_refs_text(const liq_trace *t, char *buf, size_t cap);

typedef struct liq_action {
    char type[32];
    int64_t deadline_hours;     /* -1 when none */
    int64_t every_hours;        /* a recurring action (interest): its period; -1 when none */
    bool has_amount;
    liq_dec amount;
    char note[160];
} liq_action;

/* What a row is (CONTRACT.md, Rows): evaluated, or why it carries no
 * numbers. Only RS_OK rows have amounts worth printing; the renderers
 * write the others' amounts as null (JSON) or leave them empty. */
enum {
    RS_OK = 0,
    RS_NOT_LISTED,   /* the venue does not list the scenario's market */
    RS_NOT_OFFERED,  /* listed, but the venue would refuse this trade */
    RS_ERROR,        /* the evaluation failed */
    RS_COUNT
};
extern const char *const result_status_names[RS_COUNT]; /* "ok", "not_listed", ... */

/* What a scenario's stop-loss did (docs/whatif.md). */
enum {
    STOP_NOT_TRIGGERED = 0,  /* the path never reached the stop price */
    STOP_FILLED,             /* triggered and filled: the position closed there */
    STOP_LIQUIDATED_FIRST,   /* the venue liquidated first: the first mark beyond the stop
                              * was beyond the liquidation price too (a gap through both),
                              * or a stop-limit was still resting; open orders are cancelled */
    STOP_LIMIT_UNFILLED,     /* triggered, but the mark stayed beyond the limit to the end */
    STOP_COUNT
};
extern const char *const result_stop_names[STOP_COUNT];  /* "not_triggered", ... */

typedef struct liq_stop_view {
    bool has;                   /* the scenario has a stop-loss */
    liq_dec price, slippage;
    bool has_limit;
    liq_dec limit;
    int outcome;                /* STOP_* */
    long step;                  /* the mark that triggered it, -1 when none did */
    liq_dec mark, fill;         /* that mark, and the fill (STOP_FILLED) */
    long fill_step;             /* the mark it filled at (STOP_FILLED; later than step for a
                                 * stop-limit that waited) */
    liq_dec fill_mark;
    liq_dec slip_cost;          /* what the fill's slippage cost, mark -> fill */
    bool beyond_lp;             /* the fill is at or beyond the liquidation price */
    /* The same scenario without the stop: what liquidation would have done
     * (not computed for a quiet evaluation). */
    bool has_without;
    bool w_liquidated;
    liq_dec w_trigger, w_fill, w_total, w_lost, w_final, w_owed;
} liq_stop_view;

/* One position of an account of several (result.positions). */
/* One collateral asset of the account, at the first tick. */
typedef struct liq_casset_row {
    char asset[24];
    liq_dec amount, price, value, counted;
} liq_casset_row;

typedef struct liq_leg {
    char market[64];
    int side;                   /* 0 long, 1 short */
    liq_dec size, entry_price, leverage, initial_margin, maintenance_margin;
    bool has_lp, has_bp, liquidated;
    liq_dec liquidation_price, bankruptcy_price, trigger_price, fill_price;
    liq_dec unforced, forced, fees, open_size, unrealized_pnl;
    /* liquidation.limit, as a single result's: the first order's limit,
     * whether the market would have filled beyond it, what followed. */
    bool has_limit, limit_refused, deleveraged, never_filled;
    liq_dec limit_price, close_price;
} liq_leg;

/* What trigger.c's walk did to the position (wf_walk; account.c adds
 * its positions' up): the result carries it whole (liq_result.walk) and a
 * single position's walk writes it there in place, so that none of it is
 * copied into the result afterwards. The shortfall stages read its last
 * close (eval and replay alike). */
typedef struct wf_close {
    bool liquidated;
    long trigger_step;
    liq_dec trigger, fill, close;
    liq_dec unforced, forced, fees;
    liq_dec if_received;     /* fees and forfeited margin paid to the fund */
    /* The last close (the one a deficit comes from): its mark, the size
     * it closed, its bankruptcy price (or fill when none) and fill — what
     * the shortfall stages and their hooks see, in eval and replay alike. */
    liq_dec last_mark, last_size, last_bp, last_fill;
    long last_step;          /* the tick of that close */
    liq_dec unrealized;
    liq_dec funding;         /* paid along the path (received: negative), in unforced */
    /* The first liquidation order's limit (liquidation.limit), and what
     * the venue did when the market would have filled beyond it. */
    bool has_limit, refused, deleveraged;
    liq_dec limit;
    bool filled;             /* some order filled (fill and close are its) */
    liq_dec revalued;        /* the collateral's change in value while open, in unforced */
    liq_dec interest;        /* paid to the venue on its loan while open, in unforced */
    /* wf_walk zeroes what is above; from here on, what it writes itself
     * (the stop-loss's part only when the scenario has one). */
    /* The scenario's stop-loss, when it has one (docs/whatif.md). */
    int stop_outcome;        /* STOP_* (result.h) */
    long stop_step;          /* the mark that triggered it, -1 when none did */
    long stop_fill_step;     /* the mark it filled at (a stop-limit may wait) */
    liq_dec stop_mark, stop_fill_mark, stop_fill, stop_slip_cost;
    liq_dec equity;          /* trader's equity after the close, before shortfall */
    liq_dec open_size;
} wf_close;

struct liq_result {
    char *policy, *venue, *scenario, *settlement;
    /* The row's status and, when it is not RS_OK, why, in the user's
     * terms. market and product name what the row was evaluated as
     * (NULL: not known). These three strings are each their own
     * allocation, owned by the result: set them with result_set_status
     * and result_set_names, never by pointing into other memory. */
    int status;
    char *reason;
    char *market, *product;
    /* Collateral in several assets (account.collateral_assets): each at
     * the first tick (the haircut then: collateral_haircut below). */
    struct liq_casset_row *cassets;
    size_t ncassets;
    liq_action *actions; size_t nactions;
    liq_event *events; size_t nevents, capevents;
    liq_trace *trace; size_t ntrace, captrace;
    char **warnings; size_t nwarnings;
    const plist *sources;       /* the policy's sources: table while it is evaluated
                                 * (the trace resolves ids through it); not owned */
    bool incomplete;            /* an event, trace line, warning or action could not
                                 * be recorded (out of memory): liq_eval drops it */
    liq_leg *legs; size_t nlegs;  /* an account of several positions: each one (owned) */
    /* From bankruptcy_price to contract: what the stages accumulate or
     * write only in some evaluations, zeroed before each one even when
     * the block owns nothing (result_clear_eval, field by field: a field
     * added here is added there). A count above is zero whenever its
     * pointer is NULL. */
    liq_dec bankruptcy_price;   /* when has_bp */
    liq_dec cov[STAGE_COUNT];
    liq_dec if_paid;
    /* Collateral in an asset of its own (has_coll_px): walk.revalued
     * is its change in value while the position was open. */
    bool has_coll_px;
    /* Interest paid to the venue on its margin loan (the policy's
     * interest:, when the path has a time step): walk.interest. */
    bool has_interest;
    liq_dec collateral_haircut; /* collateral assets: full value less counted, at the first tick */
    /* From contract to if_after: what every single-position evaluation
     * that returns its result writes (eval.c, eval_use_columns and
     * wf_shortfall), so an evaluation into a reused block need not zero
     * it first (result_clear_eval). A field that an evaluation may leave
     * unwritten belongs above. */
    int contract, mode, side;
    liq_dec size, entry_price, leverage, notional;
    liq_dec initial_margin, maintenance_margin;
    bool has_lp, has_bp;
    liq_dec liquidation_price;
    /* What the walk did (wf_close, above): liquidated; the trigger, fill
     * and close prices; liquidation.limit's first limit (has_limit,
     * limit), whether the market would have filled beyond it (refused)
     * and whether the position was then deleveraged; funding paid along
     * the path (has_funding; negative: received), the collateral's
     * revaluation (has_coll_px) and interest (has_interest), each part of
     * unforced; the loss split unforced, forced, fees; and open_size with
     * its unrealized PnL at the last mark. An account of several
     * positions (account.c) writes its totals there, the legs their own. */
    wf_close walk;
    bool never_filled;          /* triggered, but no order filled: no fill or close price */
    /* A path of several price columns: the column walk.trigger (and
     * every trigger) came from and the one fills started from (PCOL_*). */
    bool price_cols;
    int col_trigger, col_fill;
    /* A path with funding: walk.funding is what the position paid. */
    bool has_funding;
    liq_dec total;
    liq_dec collateral, deficit;
    liq_dec account;            /* the whole account, in the settlement currency */
    liq_dec owed;
    liq_dec final_balance;
    bool explain;
    bool quiet;                 /* no events, warnings or trace: numbers only */
    bool if_finite;
    liq_dec if_before, if_received, if_after;
    /* The tail from here is zeroed for the next evaluation only when it
     * was written (result_clear): stop.has, rep_currency set. */
    liq_stop_view stop;         /* the scenario's stop-loss, when stop.has */
    /* The account's amounts in the reporting currency (currency.c). */
    bool has_rep;
    char rep_currency[16];
    char *rep_source;         /* where the rate came from, or why there is none (owned) */
    liq_dec rep_rate;         /* reporting units per settlement unit (of losses, at the event) */
    liq_dec rep_rate_entry;   /* ... of the collateral, when it was posted */
    liq_dec rep_rate_end;     /* ... of the final balance, at the end of the path */
};

/* currency.c: fill r's reporting block for currency (NULL: USD); false
 * only when out of memory. */
bool result_report_currency(liq_result *r, const liq_scenario *s, const char *currency);

/* A row that carries no numbers (a venue that does not list the market,
 * refuses the trade, or whose evaluation failed): names copied, status
 * and reason set, every amount zero and not to be printed. Returns a
 * result owned by the caller (liq_result_free), or NULL when out of
 * memory. venue and scenario may be NULL (not known). */
liq_result *result_new_row(const char *policy, const char *venue, const char *scenario,
                           int status, const char *reason);
/* liq_compare's row for one policy, evaluated into a reused block (a
 * batch evaluates millions in a row): *reuse is NULL or the block of an
 * earlier call (liq_eval_reuse). Returns *reuse when the evaluation
 * succeeded; when it failed, *reuse is NULL and the result is a new
 * "error" row with its first error as the reason, which the caller frees.
 * NULL when out of memory. */
liq_result *compare_row(liq_policy *p, const liq_scenario *s, const liq_eval_opts *opts,
                        liq_result **reuse, liq_diags *diags);
/* Release what r owns beyond its block (events, trace, warnings, the
 * strings) and zero the block, for the next evaluation into it. */
void result_clear(liq_result *r);
/* result_clear for a single-position evaluation into r (eval.c), which
 * writes every field from contract to if_after itself: those are left
 * as they are. A block that owns nothing (a quiet evaluation's) has
 * only its status and the fields from bankruptcy_price to contract
 * zeroed. */
void result_clear_eval(liq_result *r);
/* Set the status and its reason (copied; NULL for none). false only on
 * out of memory, the status then set and the reason left NULL. */
bool result_set_status(liq_result *r, int status, const char *reason);
/* Name the market and product the row was evaluated as (copied; NULL
 * leaves the name unknown). false only on out of memory. */
bool result_set_names(liq_result *r, const char *market, const char *product);

/* Appenders; false only on out of memory. */
/* type, key and string values must be static strings. result_event
 * returns NULL (and the event_* calls do nothing) when the result is
 * quiet or out of memory. */
liq_event *result_event_add(liq_result *r, const char *type, long step);
static inline liq_event *result_event(liq_result *r, const char *type, long step)
{
    return r->quiet ? NULL : result_event_add(r, type, step);
}
/* The event's next field (NULL: no event, or its fields are full).
 * Inline with their callers: a quiet evaluation's events are NULL, and
 * the calls then cost one test each, not a call with a 128-bit value. */
static inline liq_kv *event_slot(liq_event *e, const char *key)
{
    if (!e || e->nkv >= LIQ_EVENT_KVS)
        return NULL;
    liq_kv *kv = &e->kv[e->nkv++];
    kv->key = key;
    return kv;
}
static inline void event_dec(liq_event *e, const char *key, liq_dec v)
{
    liq_kv *kv = event_slot(e, key);
    if (kv) {
        kv->dec = v;
        kv->str = NULL;
    }
}
static inline void event_str(liq_event *e, const char *key, const char *v)
{
    liq_kv *kv = event_slot(e, key);
    if (kv)
        kv->str = v;
}
bool result_trace_add(liq_result *r, const char *step, liq_dec v, liq_mark rule,
                      const char *rulekey, const pprov *prov, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* A macro so that, without --explain, the arguments (often formatted
 * decimals) are never evaluated: the trace costs nothing when off. */
#define result_trace(r, ...)                                                 \
    do {                                                                     \
        if ((r)->explain && !(r)->quiet)                                     \
            result_trace_add((r), __VA_ARGS__);                              \
    } while (0)
bool result_warn_add(liq_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A macro too: a quiet evaluation keeps no warning, so its arguments
 * (formatted decimals, as a replay's accounts opened in another margin
 * mode would format for each) are never evaluated. */
#define result_warn(r, ...)                                                  \
    do {                                                                     \
        if (!(r)->quiet)                                                     \
            result_warn_add((r), __VA_ARGS__);                               \
    } while (0)
bool result_action(liq_result *r, const char *type, int64_t deadline_hours, const liq_dec *amount,
                   const char *note);

/* What the trader lost, marked at the path's last price: the loss less
 * what others (fund, ADL, socialization, pool, venue) covered, plus the
 * open loss; by the waterfall's invariant, the account's starting value
 * less final_balance. One copy of the rule for every view. */
liq_status result_trader_lost(const liq_result *r, liq_dec *out);

/* result_stop.c: a result's stop-loss, when its scenario has one: its
 * "stop_loss" member written to w (nothing when there is none), and one
 * line of sentences per row appended to b, each after prefix. */
struct sbuf;
struct jwrite;
void result_stop_write(struct jwrite *w, const liq_result *r);
void result_stop_text(struct sbuf *b, const liq_result *r, const char *prefix);

/* result_json.c: the JSON views (liq_results_render dispatches here):
 * one object (RJ_OBJECT, the first result), an array (RJ_ARRAY), or one
 * compact object per line (RJ_NDJSON). */
enum { RJ_OBJECT = 0, RJ_ARRAY = 1, RJ_NDJSON = 2 };
char *result_render_json(liq_result *const *rs, size_t n, int shape);
/* r as one compact JSON object (no newline) appended to b: the text
 * RJ_NDJSON writes per row. false when out of memory or a string is not
 * UTF-8; b then holds what it held before (or is out of memory). */
struct sbuf;
bool result_json_append(struct sbuf *b, const liq_result *r);
/* report_html.c: the HTML page of a comparison, its JSON embedded. */
char *report_html_compare(liq_result *const *rs, size_t n);

/* Dec -> canonical text in a static-free way: caller's buffer. */
static inline const char *dstr(liq_dec d, char buf[LIQ_DEC_STRLEN])
{
    liq_dec_format(d, buf);
    return buf;
}

#endif
