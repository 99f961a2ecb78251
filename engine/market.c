/*
 * market.c — which of a venue's markets a scenario's market names.
 *
 * Owns the matching rule (docs/markets.md): a symbol or alias, compared
 * without case or separators, names its market; failing that, the
 * venue-neutral identity (base asset, then quote) finds the closest
 * market the venue lists, and the match says exactly what was
 * substituted; failing that, the venue does not list the market, and the
 * reason suggests the nearest symbol. What a market's parameters are is
 * the policy loader's (policy_load.c); what the evaluation does with a
 * substitution is the position's (position.c).
 */
#include "market.h"
#include "mem.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Upper-case letters and digits only: "btc-usdt-swap" and "BTCUSDTSWAP"
 * are one spelling. */
static void squash(const char *s, char *out, size_t cap)
{
    size_t k = 0;
    for (; s && *s && k + 1 < cap; s++)
        if (isalnum((unsigned char)*s))
            out[k++] = (char)toupper((unsigned char)*s);
    out[k] = '\0';
}

static bool strip_suffix(char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    if (n <= m || strcmp(s + n - m, suf) != 0)
        return false;
    s[n - m] = '\0';
    return true;
}

/* BitMEX and Kraken write bitcoin XBT. */
static const char *canon_asset(const char *a)
{
    return strcmp(a, "XBT") == 0 ? "BTC" : a;
}

void market_identity(const char *symbol, char base[MKT_NAME], char quote[MKT_NAME])
{
    static const char *const quotes[] = {"USDT", "USDC", "BUSD", "USD", "EUR", "CHF", "JPY",
                                         "GBP", NULL};
    char s[MKT_NAME];
    /* Kraken Futures' PF_/PI_ prefixes and the product words say nothing
     * about the asset. */
    const char *p = symbol ? symbol : "";
    if ((strncasecmp(p, "PF_", 3) == 0 || strncasecmp(p, "PI_", 3) == 0 ||
         strncasecmp(p, "FI_", 3) == 0))
        p += 3;
    squash(p, s, sizeof s);
    while (strip_suffix(s, "PERPETUAL") || strip_suffix(s, "PERP") || strip_suffix(s, "SWAP"))
        ;
    quote[0] = '\0';
    for (size_t i = 0; quotes[i]; i++)
        if (strip_suffix(s, quotes[i])) {
            snprintf(quote, MKT_NAME, "%s", quotes[i]);
            break;
        }
    snprintf(base, MKT_NAME, "%s", canon_asset(s));
}

static bool names_market(const p_market *m, const char *want)
{
    char a[MKT_NAME], b[MKT_NAME];
    squash(want, a, sizeof a);
    squash(m->symbol.v, b, sizeof b);
    if (strcmp(a, b) == 0)
        return true;
    const pstr *al = m->aliases.items;
    for (size_t i = 0; i < m->aliases.n; i++) {
        squash(al[i].v, b, sizeof b);
        if (strcmp(a, b) == 0)
            return true;
    }
    return false;
}

/* How close a market with the same base is to what was asked: the same
 * quote first, then the same contract type, then a perpetual. */
static int closeness(const liq_market *m, const char *quote, int contract)
{
    char q[MKT_NAME];
    squash(m->id->quote.v, q, sizeof q);
    int score = 0;
    if (*quote && strcmp(q, quote) == 0)
        score += 4;
    if (m->r.contract.type.v == contract)
        score += 2;
    if (m->id->kind.v == KIND_PERPETUAL)
        score += 1;
    return score;
}

static bool find(const liq_policy *p, const char *symbol, int contract, mkt_match *out);

bool market_find(liq_policy *p, const char *symbol, int contract, mkt_match *out)
{
    if (p->mkt_cache && p->mkt_cache_valid && p->mkt_cache_contract == contract &&
        strcmp(p->mkt_cache_want, symbol) == 0) {
        *out = *p->mkt_cache;
        return out->found;
    }
    bool found = find(p, symbol, contract, out);
    if (strlen(symbol) < sizeof p->mkt_cache_want) {
        if (!p->mkt_cache)
            p->mkt_cache = mem_malloc(sizeof *p->mkt_cache);
        if (p->mkt_cache) {
            *p->mkt_cache = *out;
            snprintf(p->mkt_cache_want, sizeof p->mkt_cache_want, "%s", symbol);
            p->mkt_cache_contract = contract;
            p->mkt_cache_valid = true;
        }
    }
    return found;
}

static bool find(const liq_policy *p, const char *symbol, int contract, mkt_match *out)
{
    memset(out, 0, sizeof *out);
    if (p->nmarkets == 0) {
        /* A policy without markets: is its one product. */
        out->found = true;
        return true;
    }
    for (size_t i = 0; i < p->nmarkets; i++)
        if (names_market(p->markets[i].id, symbol)) {
            out->found = true;
            out->m = &p->markets[i];
            return true;
        }
    char base[MKT_NAME], quote[MKT_NAME];
    market_identity(symbol, base, quote);
    const liq_market *best = NULL;
    int best_score = -1;
    for (size_t i = 0; i < p->nmarkets; i++) {
        const liq_market *m = &p->markets[i];
        char mb[MKT_NAME];
        squash(m->id->base.v, mb, sizeof mb);
        if (strcmp(canon_asset(mb), base) != 0)
            continue;
        int sc = closeness(m, quote, contract);
        if (sc > best_score) {
            best = m;
            best_score = sc;
        }
    }
    if (best) {
        char q[MKT_NAME];
        squash(best->id->quote.v, q, sizeof q);
        out->found = true;
        out->m = best;
        bool same_quote = !*quote || strcmp(q, quote) == 0;
        bool same_type = best->r.contract.type.v == contract;
        if (!same_quote || !same_type) {
            out->substituted = true;
            snprintf(out->note, sizeof out->note,
                     "%s lists no %s; evaluated on %s (%s/%s %s%s%s)", p->r.venue.v, symbol,
                     best->id->symbol.v, best->id->base.v, best->id->quote.v,
                     liq_contract_names[best->r.contract.type.v],
                     same_quote ? "" : ", a different quote currency",
                     same_type ? "" : ", converted at the entry price");
        }
        return true;
    }
    /* Not listed: suggest the nearest spelling the venue uses. */
    const char *cands[256];
    size_t n = 0;
    for (size_t i = 0; i < p->nmarkets && n < 256; i++)
        cands[n++] = p->markets[i].id->symbol.v;
    const char *sug = schema_suggest(symbol, cands, n);
    char listed[160];
    size_t k = 0;
    listed[0] = '\0';
    for (size_t i = 0; i < n && k + 1 < sizeof listed; i++)
        k += (size_t)snprintf(listed + k, sizeof listed - k, "%s%s", i ? ", " : "", cands[i]);
    if (k >= sizeof listed)
        snprintf(listed + sizeof listed - 5, 5, "...");
    if (sug)
        snprintf(out->reason, sizeof out->reason, "%s does not list %s; did you mean %s?",
                 p->r.venue.v, symbol, sug);
    else
        snprintf(out->reason, sizeof out->reason, "%s does not list %s (it lists %s)",
                 p->r.venue.v, symbol, listed);
    return false;
}
