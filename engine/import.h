/*
 * import.h — turning a venue's saved public API response into a policy's
 * `markets:` entries (import.c reads the responses, import_yaml.c writes
 * and merges the YAML). `liqsim import` (tools/cmd_import.c) is the user.
 *
 * Every market read cites one new source: the file, the endpoint it is a
 * response of, and the date the caller says it was saved. Nothing is
 * guessed: a number the response does not give is not written, and a
 * number that had to be derived (a Hyperliquid rate 1/(2 x leverage), an
 * OKX size bound in notional) carries an `assumed:` saying how.
 */
#ifndef LIQ_IMPORT_H
#define LIQ_IMPORT_H

#include "liqsim.h"

typedef enum imp_format {
    IMP_BINANCE_BRACKETS,   /* GET /fapi/v1/leverageBracket */
    IMP_BYBIT_RISK_LIMIT,   /* GET /v5/market/risk-limit */
    IMP_OKX_POSITION_TIERS, /* GET /api/v5/public/position-tiers */
    IMP_HL_META,            /* POST /info {"type":"meta"} */
    IMP_FORMAT_COUNT
} imp_format;

/* "binance-brackets", "bybit-risk-limit", "okx-position-tiers",
 * "hyperliquid-meta". parse returns false for any other name. */
bool imp_format_parse(const char *name, imp_format *out);
const char *imp_format_name(imp_format f);
/* The endpoint a format is the response of, and its URL. */
const char *imp_format_endpoint(imp_format f);
const char *imp_format_url(imp_format f);

typedef struct imp_opts {
    const char *date;        /* YYYY-MM-DD: the day the response was saved */
    const char *source_id;   /* NULL: "<format>-<date>" */
    /* OKX bounds its tiers by position size in contracts: converting to
     * the notional bounds liqsim's tiers use takes the contract's size
     * in base units and a reference price, both given by the caller. */
    bool has_contract_value, has_price;
    liq_dec contract_value, price;
    const char *const *only; /* NULL, or the symbols to import (NULL-terminated) */
} imp_opts;

typedef struct imp_tier {
    bool has_up_to;
    liq_dec up_to;           /* notional, inclusive (liqsim's convention) */
    liq_dec rate, deduction;
    long max_leverage;       /* 0: the response gives none */
    char assumed[400];       /* "" or how a number of this tier was derived */
} imp_tier;

typedef struct imp_market {
    char symbol[64], base[32], quote[32];
    bool dated;              /* a dated future, not a perpetual */
    const char *contract;    /* NULL, "linear" or "inverse" when the response says */
    char settlement[32];     /* with contract: the currency it settles in */
    long max_leverage;
    imp_tier *tiers;         /* owned */
    size_t ntiers;
    char assumed[256];
} imp_market;

typedef struct imp_set {
    imp_format fmt;
    char file[512];          /* as given */
    imp_market *m;           /* owned, in the response's order */
    size_t n;
    char note[512];          /* what the response is and how it was read */
} imp_set;

/* Reads the saved response at path as format f. Returns a set owned by
 * the caller (imp_set_free), or NULL with "path:line:col: ..." errors in d
 * when the file is not that response. Symbols that cannot be read as a
 * market (no base/quote to tell) are skipped with a warning in d. */
imp_set *imp_read(imp_format f, const char *path, const imp_opts *o, liq_diags *d);
void imp_set_free(imp_set *s);

/* The source id the set's markets cite (o->source_id or the default),
 * into buf. */
const char *imp_source_id(const imp_set *s, const imp_opts *o, char *buf, size_t cap);

/* A YAML fragment with the `sources:` entry and the `markets:` list, as a
 * policy holds them. Caller frees; NULL when out of memory. */
char *imp_yaml_fragment(const imp_set *s, const imp_opts *o);

/* The text of the policy at path with the source added (or replaced, same
 * id) and each market added, or replaced when one with its symbol is
 * there (keys the import does not write, such as aliases or liquidation,
 * are kept). Returns the new text (caller frees) and *added / *replaced,
 * or NULL with errors in d. The result is not yet checked: the caller
 * loads it before using it. */
char *imp_merge(const char *path, const imp_set *s, const imp_opts *o, size_t *added,
                size_t *replaced, liq_diags *d);

#endif
