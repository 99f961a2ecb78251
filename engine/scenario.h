/*
 * scenario.h — the in-memory model of a scenario file (CONTRACT.md):
 * an account, one position, and a mark-price path.
 */
#ifndef LIQ_SCENARIO_H
#define LIQ_SCENARIO_H

#include "liqsim.h"
#include "pricecol.h"
#include "schema.h"

enum { SIDE_LONG, SIDE_SHORT };

/* Positions one scenario's account may hold (docs/limits.md). */
#define LIQ_MAX_POSITIONS 64

/* Assets one account may hold as collateral (docs/limits.md). */
#define LIQ_MAX_COLLATERAL_ASSETS 16

/* One collateral asset of account.collateral_assets. */
typedef struct s_casset {
    pstr asset;
    pdec amount;
} s_casset;

typedef struct s_account {
    pdec collateral;
    penum mode;
    pstr collateral_asset;    /* the collateral is held in this asset (market.collateral_path) */
    plist collateral_assets;  /* of s_casset: several assets, each priced along its own path */
} s_account;

/* A stop-loss order resting with the position (docs/whatif.md): a stop
 * price, and optionally a limit and its own slippage. Present when
 * price.set. */
typedef struct s_stop {
    pdec price, limit, slippage;
} s_stop;

typedef struct s_position {
    pstr market;
    penum contract;
    penum side;
    pdec size, notional, entry_price, leverage, margin, extra_margin, contract_size;
    pbool existing;
    s_stop stop_loss;
} s_position;

typedef struct s_fill {
    pdec slippage;
} s_fill;

typedef struct s_market {
    plist mark_path;          /* of pdec */
    plist oracle_path, index_path, last_path;   /* of pdec: beside mark_path, tick by tick */
    plist funding_path;       /* of pdec: the funding rate paid at each tick (0: none) */
    plist collateral_path;    /* of pdec: the collateral asset's price at each tick */
    pstr path_file;
    s_fill liquidation_fill;
    plist mark_paths;         /* of pdeclist: symbol -> marks, one path per market */
    pdec insurance_fund;      /* overrides the policy's balance */
    pdec winners_profit;      /* for socialized loss: the winners' profit base */
    pdec open_interest;       /* for socialized loss by funding: open base units */
    plist collateral_paths;   /* of pdeclist: asset -> its price at each tick */
    plist funding_paths;      /* of pdeclist: symbol -> funding rates, beside mark_paths */
    pdec tick_hours;          /* hours between consecutive ticks (interest accrues by them) */
    pdec interest_benchmark;  /* the annual benchmark a tiered interest rate adds its spread to */
} s_market;

typedef struct s_root {
    pstr name, description;
    s_account account;
    s_position position;
    plist positions;          /* of s_position: several positions in one account */
    plist rates;              /* of pdecentry: "BASE/QUOTE" -> price, for reporting */
    s_market market;
    plist ranges;             /* of pstr: KEY=RANGE, as sweep's --set (engine/sweep.c) */
} s_root;

/* One position of the account, with the mark path of its market. */
typedef struct s_leg {
    const s_position *p;
    const liq_dec *px;        /* npath marks */
    const liq_mark *px_m;
    const liq_dec *col[PCOL_COUNT];  /* npath prices per column (col[PCOL_MARK] is px);
                                      * NULL where the path has no such column */
    const liq_dec *funding;  /* npath funding rates, or NULL */
    const liq_dec *coll_px;  /* npath prices of the collateral asset, or NULL */
} s_leg;

/* A collateral asset as evaluated: its amount and its price per tick in
 * the settlement currency (NULL: none given; only the settlement
 * currency itself may go without, priced 1). */
typedef struct s_cpath {
    const char *asset;
    liq_dec amount;
    liq_dec *px;              /* owned by the scenario */
    liq_mark m;
} s_cpath;

struct liq_scenario {
    char *path;
    s_root r;
    liq_dec *path_px;         /* the mark path, from mark_path or path_file */
    liq_mark *path_m;         /* where each mark came from */
    liq_dec *path_col[PCOL_COUNT];  /* the path's other price columns (oracle, index,
                                     * last), npath each, or NULL; [PCOL_MARK] unused */
    liq_dec *path_funding;    /* the funding rate at each tick, or NULL (with mark_paths:
                               * each market's of funding_paths, one after another) */
    liq_dec *path_coll;       /* the collateral asset's price at each tick, or NULL */
    size_t npath;
    s_leg *legs;              /* every position (one for `position:`), each with its path */
    size_t nlegs;
    s_cpath *cassets;         /* account.collateral_assets with their paths (NULL: none) */
    size_t ncassets;
};

extern const schema liq_scenario_schema;

/* Load a scenario from a node of an already-parsed document (the golden
 * examples embed scenarios). file is used for marks and must outlive the
 * scenario (it is copied into path). Caller owns the result. */
liq_scenario *scenario_from_node(const ynode *n, const char *file, const char *base_path,
                                 liq_diags *d);

#endif
