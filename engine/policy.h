/*
 * policy.h — the in-memory model of a venue policy.
 *
 * Owns the C shape of a policy file (docs/policy-format.md), one struct
 * per YAML section, each value with its mark. Loading lives in
 * policy_load.c, the key tables in policy_schema.c, the waterfall in
 * the stage files that read these structs.
 */
#ifndef LIQ_POLICY_H
#define LIQ_POLICY_H

#include "liqsim.h"
#include "schema.h"
#include "hook.h"

enum { CT_LINEAR, CT_INVERSE };
enum { MODE_ISOLATED, MODE_CROSS };
enum { MMBASE_MARK, MMBASE_ENTRY };
enum { MMODEL_BRACKET, MMODEL_STEP };
enum { PRICE_MARK, PRICE_ORACLE, PRICE_INDEX, PRICE_LAST };
enum { FILL_MARKET, FILL_BANKRUPTCY };
enum { FILLPX_LAST, FILLPX_TRIGGER };  /* liquidation.fill_price */
enum { SURPLUS_TRADER, SURPLUS_IF };
enum { FEEBASE_FILL, FEEBASE_TRIGGER, FEEBASE_ENTRY };
enum { FEECAP_NONE, FEECAP_REMAINING };
enum { RECV_IF, RECV_VENUE, RECV_LIQUIDATOR, RECV_POOL };
enum { STAGE_IF, STAGE_ADL, STAGE_SOCIALIZED, STAGE_POOL, STAGE_VENUE, STAGE_DEBT, STAGE_COUNT };
enum { ADLRANK_PNL_LEV, ADLRANK_PNL_MR, ADLRANK_PNL_AND_LEV, ADLRANK_RANDOM, ADLRANK_NONE };
enum { ADLPX_BANKRUPTCY, ADLPX_MARK, ADLPX_ORACLE };
enum { SOC_CLAWBACK, SOC_FUNDING };
enum { DEBT_MARGIN_CALL, DEBT_COLLECTIONS, DEBT_BAN, DEBT_INTEREST, DEBT_LEGAL };
enum { PRR_CONSERVATIVE, PRR_HALF_EVEN, PRR_HALF_UP, PRR_DOWN, PRR_UP, PRR_FLOOR, PRR_CEIL, PRR_NONE };
enum { HOOK_MM, HOOK_FEE, HOOK_IF, HOOK_ADL, HOOK_DEBT, HOOK_COUNT };

/* The `assumed:` text `liqsim new` writes in every section it scaffolds;
 * lint warns on each one left (so `lint --strict` fails until all are
 * replaced by a source or a reason). */
#define LIQ_SCAFFOLD_PLACEHOLDER "placeholder from liqsim new"

extern const char *const liq_stage_names[];      /* "insurance_fund", ... */
extern const char *const liq_hook_names[];       /* "maintenance_margin", ... */
extern const char *const liq_debt_action_names[];
extern const char *const liq_contract_names[];
extern const char *const liq_mode_names[];

typedef struct p_source {
    pstr id;                      /* the key under sources: */
    pstr url, title, date, retrieved, note;
} p_source;

typedef struct p_tier {
    pprov prov;
    pdec up_to;                   /* notional cap; unset on the last tier */
    pdec rate;
    pdec deduction;
    pint max_leverage;
    pdec initial_rate;            /* initial margin rate; unset: not given */
    /* Derived at load (policy_load.c), read from no key: the highest
     * leverage an order in this tier may ask, the least of the market's
     * max_leverage, the tier's and 1 / initial_rate cut down to 12
     * places, so that the order's test is one comparison (position.c
     * says which of the three a refusal is over). */
    liq_dec lev_cap;
} p_tier;

/* Where the fee to close folded into maintenance margin is valued. */
enum { CLOSEFEE_MM_BASE, CLOSEFEE_BANKRUPTCY };
typedef struct p_maint {
    pprov prov;
    penum model;                  /* MMODEL_* */
    penum base;
    pbool rebracket;
    plist tiers;                  /* of p_tier */
    pdec close_fee_rate;
    penum close_fee_at;           /* CLOSEFEE_* */
    /* Derived at load: no close fee, and a linear contract of size one
     * (most venues): the table's formulas need none of the tests for
     * those, and margin.c compiles a copy without them. */
    bool plain;
} p_maint;

typedef struct p_contract {
    pprov prov;
    penum type;
    pstr settlement;
    pdec contract_size;
    bool size_one;                /* derived at load: contract_size is 1 */
} p_contract;

enum { XSHARE_OTHERS_AT_MARK, XSHARE_MM };
typedef struct p_margin {
    pprov prov;
    plist modes;                  /* of penum (MODE_*) */
    pint max_leverage;
    penum cross_share;            /* XSHARE_*: a position's collateral in a cross account */
    p_maint maintenance;
    /* Derived at load from modes: bit 1 << MODE_* set for each mode
     * offered (every bit when modes is not given), and the first one. */
    unsigned mode_bits;
    int mode_first;
} p_margin;

/* How equity is compared with maintenance margin at the trigger. */
enum { TRIGCMP_AT_OR_BELOW, TRIGCMP_STRICTLY_BELOW };
typedef struct p_trigger {
    pprov prov;
    penum price;
    penum compare;                /* TRIGCMP_* */
    pdec margin_call_at;
} p_trigger;

enum { PARTIAL_FRACTION, PARTIAL_TIERS_DOWN, PARTIAL_SHORTAGE };
typedef struct p_partial {
    pprov prov;
    penum mode;
    pint tiers_down;
    pdec fraction;
    pdec above_notional;
    pdec buffer;                  /* shortage: margin over MM a slice restores (x notional) */
    pdec size_step;               /* shortage: a slice is rounded up to this size */
} p_partial;

typedef struct p_fee {
    pprov prov;
    pdec rate;
    penum base;
    penum cap;
    penum receiver;
} p_fee;

typedef struct p_backstop {
    pprov prov;
    pdec below_mm;               /* equity below this fraction of MM */
    penum to;                    /* RECV_* that takes position and margin */
} p_backstop;

/* The limit price of the liquidation order, and what the venue does
 * when the market would fill it beyond that limit. */
enum { LIMIT_NONE, LIMIT_BANKRUPTCY, LIMIT_FILLABLE };
enum { UNFILLED_ADL, UNFILLED_RETRY };
typedef struct p_limit {
    pprov prov;
    penum price;                 /* LIMIT_* */
    pdec adjustment;             /* fillable: dYdX's bankruptcy adjustment (BA) */
    pdec spread;                 /* fillable: dYdX's spread to maintenance margin ratio (SMMR) */
    penum unfilled;              /* UNFILLED_* */
} p_limit;

typedef struct p_liquidation {
    pprov prov;
    penum fill;
    penum fill_price;             /* FILLPX_*: the path column fills start from */
    penum surplus;
    p_partial partial;
    p_backstop backstop;
    p_fee fee;
    p_limit limit;
} p_liquidation;

typedef struct p_insurance {
    pprov prov;
    pdec balance;                 /* unlimited flag inside */
} p_insurance;

typedef struct p_adl {
    pprov prov;
    penum ranking;
    penum close_price;
} p_adl;

typedef struct p_social {
    pprov prov;
    penum method;                 /* SOC_* */
    pdec unit_step;               /* unset: exact shares */
    pdec charge_step;
} p_social;

typedef struct p_shortfall {
    pprov prov;
    plist order;                  /* of penum (STAGE_*) */
} p_shortfall;

typedef struct p_nbp {
    pprov prov;
    pbool protection;
} p_nbp;

typedef struct p_debt {
    pprov prov;
    plist actions;                /* of penum (DEBT_*) */
    pint deadline_hours;
} p_debt;

/* Interest on the venue's margin loan (interest.c): charged per period
 * the path's time crosses, at a rate per period or, tiered, at an annual
 * benchmark (the scenario's) plus a spread per slice of the balance. */
enum { INTBASE_LOAN, INTBASE_DEBIT };
typedef struct p_itier {
    pprov prov;
    pdec up_to;                   /* the slice's upper bound; unset on the last */
    pdec spread;                  /* annual, over the benchmark */
} p_itier;
typedef struct p_interest {
    pprov prov;
    penum base;                   /* INTBASE_* */
    pdec period_hours;            /* one charge per period of the path's time */
    pbool opening;                /* a first charge when the position opens */
    pdec rate;                    /* per period, on a long's loan */
    pdec short_rate;              /* per period, on a short's loan (the base lent) */
    plist tiers;                  /* of p_itier: annual benchmark + spread, by slice */
    pint day_count;               /* days an annual rate is divided by */
} p_interest;

/* Collateral other than the settlement currency (collateral.c): each
 * asset the venue counts, at a ratio of its value, or tiered by the
 * quantity held or by its value, slice by slice. An asset listed with
 * neither is one the venue counts at a ratio the policy does not know. */
enum { CTIER_QUANTITY, CTIER_VALUE };
typedef struct p_ctier {
    pprov prov;
    pdec up_to;                   /* the slice's upper bound (units or value); unset on the last */
    pdec ratio;
} p_ctier;
typedef struct p_casset {
    pprov prov;
    pstr asset;
    pdec ratio;
    penum tier_by;                /* CTIER_* */
    plist tiers;                  /* of p_ctier */
} p_casset;
typedef struct p_collateral {
    pprov prov;
    plist assets;                 /* of p_casset */
} p_collateral;

typedef struct p_rounding {
    pprov prov;
    pdec price_tick;
    penum price;                  /* PRR_* */
    pdec amount_step;
    penum amount;                 /* liq_round */
    penum fee;                    /* liq_round */
} p_rounding;

typedef struct p_hooks {
    pprov prov;
    pstr file;
    pstr fn[HOOK_COUNT];
    pint instruction_limit;
    pint memory_limit;
} p_hooks;

enum { KIND_PERPETUAL, KIND_DATED };

/* One market (product) the venue lists: its identity, read here; its
 * overrides of the venue-wide sections are merged over them and loaded
 * into the market's own p_root (struct liq_market below). */
typedef struct p_market {
    pprov prov;
    pstr symbol;
    plist aliases;                /* of pstr */
    pstr base, quote;
    penum kind;                   /* KIND_* */
    char override_slot;           /* F_OVERRIDE fields point here; never written */
} p_market;

typedef struct p_root {
    pint liqsim;
    pstr extends;
    pstr name, venue, product, version, effective, description;
    plist sources;                /* of p_source */
    p_contract contract;
    p_margin margin;
    p_trigger trigger;
    p_liquidation liquidation;
    p_insurance insurance_fund;
    p_adl adl;
    p_social socialized_loss;
    p_shortfall shortfall;
    p_nbp negative_balance;
    p_debt debt;
    p_interest interest;
    p_collateral collateral;
    p_rounding rounding;
    p_hooks hooks;
    plist markets;                /* of p_market */
} p_root;

/* A market as evaluated: the venue-wide policy with the market's
 * overrides merged in, loaded through the same schema. */
typedef struct liq_market {
    const p_market *id;           /* identity, in the venue root's markets list */
    p_root r;
} liq_market;

struct liq_policy {
    char *path;                   /* as loaded */
    char **files;                 /* every file of the extends chain: marks point into these */
    size_t nfiles;
    char *hook_path;              /* resolved Lua file, or NULL */
    p_root r;                     /* venue-wide sections (and the markets' identities) */
    /* The last market lookup (market.c), so that a million evaluations
     * of one scenario look its market up once: the symbol asked, the
     * contract type, and the answer. A policy is used from one thread. */
    char mkt_cache_want[64];
    int mkt_cache_contract;
    bool mkt_cache_valid;
    struct mkt_match *mkt_cache;
    liq_market *markets;          /* one per r.markets item, same order; NULL when the
                                   * policy lists no markets (it is then one product) */
    size_t nmarkets;
    liq_hookrt *rt;               /* NULL when the policy has no hooks */
    int hook_ref[HOOK_COUNT];     /* registry refs, -1 when not hooked */
    liq_mark hook_mark[HOOK_COUNT];
};

extern const schema liq_policy_schema;
extern const char *const liq_market_override_keys[];

/* Tier i of a (market's) maintenance table. */
static inline const p_tier *root_tier(const p_root *r, size_t i)
{
    return &((const p_tier *)r->margin.maintenance.tiers.items)[i];
}
static inline size_t root_ntiers(const p_root *r)
{
    return r->margin.maintenance.tiers.n;
}
/* The highest whole leverage tier t allows on its own: its max_leverage,
 * and 1 / initial_rate cut down to a whole number (IM 1.5 %: 66); `lev`
 * when it states neither or allows more. The refusal itself (position.c)
 * compares the exact 1 / initial_rate. */
static inline int64_t tier_whole_leverage(const p_tier *t, int64_t lev)
{
    if (t->max_leverage.set && t->max_leverage.v < lev)
        lev = t->max_leverage.v;
    if (t->initial_rate.set && t->initial_rate.v.raw > 0) {
        /* 1 / (raw / 10^12) = 10^12 / raw, exact in integers */
        liq_i128 whole = (liq_i128)1000000000000 / t->initial_rate.v.raw;
        if (whole < lev)
            lev = (int64_t)whole;
    }
    return lev;
}
static inline const p_tier *policy_tier(const liq_policy *p, size_t i)
{
    return root_tier(&p->r, i);
}
static inline size_t policy_ntiers(const liq_policy *p)
{
    return root_ntiers(&p->r);
}

/* Lint's part that runs the hooks (policy_lint_hooks.c): warnings at the
 * hook's file:line for each hook that fails on a representative position.
 * Returns the number added. */
size_t policy_lint_hooks(const liq_policy *p, liq_diags *d);
/* Lint's check of the hook file's number literals (policy_lint_dup.c): a
 * warning at each one that repeats a policy value its hook gets in ctx.
 * Returns the number added. */
size_t policy_lint_dup(const liq_policy *p, liq_diags *d);

/* The source label of a section, "id" or "id, id" or "assumed: why", for
 * traces. Writes into buf. */
const char *policy_prov_label(const pprov *prov, char *buf, size_t cap);

#endif
