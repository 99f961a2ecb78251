/*
 * market.h — finding the venue market a scenario's market names
 * (market.c).
 */
#ifndef LIQ_MARKET_H
#define LIQ_MARKET_H

#include "policy.h"

#define MKT_NAME 64

typedef struct mkt_match {
    bool found;
    const liq_market *m;      /* NULL: the policy lists no markets (one product) */
    bool substituted;         /* a close market stands in; note says which and how */
    char note[320];
    char reason[320];         /* when not found: "X does not list Y; did you mean Z?" */
} mkt_match;

/* The market of policy p that `symbol` names, for a scenario written as
 * `contract` (CT_*). Returns false, with out->reason, when the venue lists
 * nothing with that base asset. */
bool market_find(liq_policy *p, const char *symbol, int contract, mkt_match *out);

/* A symbol's venue-neutral identity: base asset (XBT as BTC) and quote
 * currency ("" when the symbol names none: "SOL-PERP"). */
void market_identity(const char *symbol, char base[MKT_NAME], char quote[MKT_NAME]);

#endif
