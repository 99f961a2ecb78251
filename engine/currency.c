/*
 * currency.c — a result's amounts in the currency the trader thinks in.
 *
 * Owns the choice of the rate from the settlement currency to the
 * reporting one (USD unless asked), in this order: the same currency; a
 * rate the scenario gives under `rates:` ("CHF/USD": 1.12, or the inverse
 * pair); a coin-settled result (the settlement currency is the traded
 * asset, as for BTC-margined inverse contracts) at the price the event
 * happened at — the liquidation's fill, or the last mark when it was not
 * liquidated; and dollar stablecoins at par with the dollar, stated as an
 * assumption the scenario can override. Anything else gets no
 * reporting amounts and a reason: an exchange rate is never guessed.
 */
#include "mem.h"
#include "result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *canon(const char *c)
{
    return strcasecmp(c, "XBT") == 0 ? "BTC" : c;
}

static bool dollar_like(const char *c)
{
    static const char *const usd[] = {"USD", "USDT", "USDC", "BUSD", "FDUSD", NULL};
    for (size_t i = 0; usd[i]; i++)
        if (strcasecmp(c, usd[i]) == 0)
            return true;
    return false;
}

/* The scenario's rate for from/to, directly or inverted. */
static bool given_rate(const liq_scenario *s, const char *from, const char *to, liq_dec *rate,
                       char *src, size_t cap)
{
    const pdecentry *e = s->r.rates.items;
    for (size_t i = 0; i < s->r.rates.n; i++) {
        char a[32], b[32];
        if (sscanf(e[i].id.v, "%31[^/]/%31s", a, b) != 2)
            continue;
        bool direct = !strcasecmp(canon(a), from) && !strcasecmp(canon(b), to);
        bool inverse = !strcasecmp(canon(a), to) && !strcasecmp(canon(b), from);
        if (!direct && !inverse)
            continue;
        if (direct)
            *rate = e[i].v.v;
        else if (liq_dec_div(liq_dec_from_int(1), e[i].v.v, LIQ_ROUND_HALF_EVEN, rate) != LIQ_OK)
            continue;
        snprintf(src, cap, "rates: %s = %s (%s:%d)", e[i].id.v,
                 dstr(e[i].v.v, (char[LIQ_DEC_STRLEN]){0}), e[i].id.m.file, e[i].id.m.line);
        return true;
    }
    return false;
}

/* The texts, up to a NULL, joined into dst (cap bytes, cut to fit as
 * snprintf cuts): the common choices' sources are built a row at a time
 * in a batch, where a format's parse cost ~900 instructions a call. */
static void join(char *dst, size_t cap, const char *const *parts)
{
    size_t n = 0;
    for (; *parts; parts++) {
        size_t k = strlen(*parts);
        if (k > cap - 1 - n)
            k = cap - 1 - n;
        memcpy(dst + n, *parts, k);
        n += k;
    }
    dst[n] = 0;
}

/* The rate into r; its source (or why there is none) into src. */
static void choose(liq_result *r, const liq_scenario *s, const char *to, char *src, size_t cap)
{
    const char *from = canon(r->settlement ? r->settlement : "");
    r->has_rep = false;
    if (!strcasecmp(from, to)) {
        r->rep_rate = r->rep_rate_entry = r->rep_rate_end = liq_dec_from_int(1);
        join(src, cap, (const char *const[]){"the settlement currency", NULL});
        r->has_rep = true;
        return;
    }
    if (given_rate(s, from, to, &r->rep_rate, src, cap)) {
        r->rep_rate_entry = r->rep_rate_end = r->rep_rate;
        r->has_rep = true;
        return;
    }
    /* Coin-settled: the coin is the position's own asset, priced by the
     * path where the event happened. */
    bool coin = r->contract == CT_INVERSE && !r->nlegs && dollar_like(to);
    if (coin && s->npath) {
        /* Each amount at the price of its own moment: the collateral when
         * it was posted (the entry), the loss and deficit when they
         * happened (the liquidation's fill), the balance at the end. */
        r->rep_rate_end = s->legs[0].px[s->npath - 1];
        r->rep_rate = r->walk.liquidated ? r->walk.fill : r->rep_rate_end;
        r->rep_rate_entry = r->entry_price;
        snprintf(src, cap,
                 "%s at the position's own prices: collateral at the entry (%s), loss and "
                 "deficit at the %s (%s), balance and debt at the last mark (%s)", from,
                 dstr(r->rep_rate_entry, (char[LIQ_DEC_STRLEN]){0}),
                 r->walk.liquidated ? "liquidation's fill" : "last mark",
                 dstr(r->rep_rate, (char[LIQ_DEC_STRLEN]){0}),
                 dstr(r->rep_rate_end, (char[LIQ_DEC_STRLEN]){0}));
        r->has_rep = true;
        return;
    }
    if (dollar_like(from) && dollar_like(to)) {
        r->rep_rate = r->rep_rate_entry = r->rep_rate_end = liq_dec_from_int(1);
        join(src, cap,
             (const char *const[]){"assumed: ", from, " at par with ", to,
                                   " (a dollar stablecoin); set rates: {", from, "/", to,
                                   ": ...} to override", NULL});
        r->has_rep = true;
        return;
    }
    snprintf(src, cap, "no %s/%s rate: give one in the scenario's rates: {%s/%s: ...}", from, to,
             from, to);
}

bool result_report_currency(liq_result *r, const liq_scenario *s, const char *currency)
{
    const char *to = currency && *currency ? currency : "USD";
    char src[320];
    join(r->rep_currency, sizeof r->rep_currency, (const char *const[]){to, NULL});
    choose(r, s, to, src, sizeof src);
    free(r->rep_source);
    r->rep_source = mem_strdup(src);
    return r->rep_source != NULL;
}
