/*
 * import.c — reading the venues' saved public API responses into markets
 * (import.h): Binance's leverage brackets, Bybit's risk-limit list, OKX's
 * position tiers and Hyperliquid's meta.
 *
 * Each reader checks that the file is the response it claims to be (an
 * error envelope, another venue's response, a missing key: each a
 * file:line:col message), then maps the venue's words onto liqsim's tier:
 * an inclusive notional bound `up_to`, a maintenance `rate`, a
 * `deduction` and the tier's `max_leverage`. Writing YAML is left to
 * import_yaml.c, JSON positions and exact numbers to import_json.c.
 */
#include "import.h"
#include "import_json.h"
#include "mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name, *endpoint, *url, *what;
} formats[IMP_FORMAT_COUNT] = {
    [IMP_BINANCE_BRACKETS] = {"binance-brackets", "Binance USD-M GET /fapi/v1/leverageBracket",
                              "https://fapi.binance.com/fapi/v1/leverageBracket",
                              "the response of Binance GET /fapi/v1/leverageBracket (an array "
                              "of {symbol, brackets})"},
    [IMP_BYBIT_RISK_LIMIT] = {"bybit-risk-limit", "Bybit GET /v5/market/risk-limit",
                              "https://api.bybit.com/v5/market/risk-limit",
                              "the response of Bybit GET /v5/market/risk-limit ({retCode, "
                              "result: {category, list}})"},
    [IMP_OKX_POSITION_TIERS] = {"okx-position-tiers", "OKX GET /api/v5/public/position-tiers",
                                "https://www.okx.com/api/v5/public/position-tiers",
                                "the response of OKX GET /api/v5/public/position-tiers ({code, "
                                "data})"},
    [IMP_HL_META] = {"hyperliquid-meta", "Hyperliquid POST /info {\"type\":\"meta\"}",
                     "https://api.hyperliquid.xyz/info",
                     "the response of Hyperliquid POST /info {\"type\":\"meta\"} ({universe, "
                     "marginTables})"},
};

bool imp_format_parse(const char *name, imp_format *out)
{
    for (int i = 0; i < IMP_FORMAT_COUNT; i++)
        if (name && strcmp(name, formats[i].name) == 0) {
            *out = (imp_format)i;
            return true;
        }
    return false;
}

const char *imp_format_name(imp_format f) { return formats[f].name; }
const char *imp_format_endpoint(imp_format f) { return formats[f].endpoint; }
const char *imp_format_url(imp_format f) { return formats[f].url; }

/* ---- reading values, with the place of each error ------------------ */

typedef struct rd {
    const ijson *j;
    liq_diags *d;
} rd;

static json_t *member(const rd *r, json_t *obj, const char *key, const char *ctx, const char *kind)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        ijson_err(r->j, obj, NULL, r->d, "%s: missing \"%s\" (%s)", ctx, key, kind);
    return v;
}

static bool get_dec(const rd *r, json_t *obj, const char *key, const char *ctx, liq_dec *out)
{
    json_t *v = member(r, obj, key, ctx, "a decimal");
    if (!v)
        return false;
    if (ijson_dec(v, out))
        return true;
    char got[96];
    ijson_describe(v, got, sizeof got);
    /* Digits past liqsim's 12 places, or beyond its range: say which. */
    const char *text = ijson_is_number(v) ? strchr(json_string_value(v), ':') + 1 : ijson_string(v);
    liq_dec tmp;
    liq_status st = text && *text ? liq_dec_from_str(text, &tmp) : LIQ_ESYNTAX;
    if (st == LIQ_EPRECISION)
        return ijson_err(r->j, v, obj, r->d,
                         "%s.%s: %s has more than 12 decimal places, the precision liqsim keeps",
                         ctx, key, got);
    if (st == LIQ_EOVERFLOW)
        return ijson_err(r->j, v, obj, r->d, "%s.%s: %s is too large for liqsim's decimals", ctx,
                         key, got);
    return ijson_err(r->j, v, obj, r->d, "%s.%s: expected a decimal, got %s", ctx, key, got);
}

static bool get_str(const rd *r, json_t *obj, const char *key, const char *ctx, const char **out)
{
    json_t *v = member(r, obj, key, ctx, "a string");
    if (!v)
        return false;
    if ((*out = ijson_string(v)) != NULL)
        return true;
    char got[96];
    return ijson_err(r->j, v, obj, r->d, "%s.%s: expected a string, got %s", ctx, key,
                     ijson_describe(v, got, sizeof got));
}

static bool in_range(const rd *r, json_t *obj, const char *key, const char *ctx, liq_dec v,
                     const char *lo, const char *hi)
{
    liq_dec l, h;
    liq_dec_from_str(lo, &l);
    liq_dec_from_str(hi, &h);
    if (liq_dec_cmp(v, l) >= 0 && liq_dec_cmp(v, h) <= 0)
        return true;
    char a[LIQ_DEC_STRLEN];
    liq_dec_format(v, a);
    return ijson_err(r->j, json_object_get(obj, key), obj, r->d,
                     "%s.%s: %s is outside %s to %s", ctx, key, a, lo, hi);
}

/* A leverage as liqsim holds it: a whole number, rounded down (a
 * 57.14x tier allows 57x, never 58x). */
static bool leverage_of(const rd *r, json_t *obj, const char *key, const char *ctx, long *out,
                        bool *rounded)
{
    liq_dec v, w;
    if (!get_dec(r, obj, key, ctx, &v) || !in_range(r, obj, key, ctx, v, "1", "10000"))
        return false;
    liq_dec_quantize(v, liq_dec_from_int(1), LIQ_ROUND_FLOOR, &w);
    *rounded = liq_dec_cmp(v, w) != 0;
    *out = (long)(w.raw / 1000000000000LL);
    return true;
}

static bool dec_eq_str(liq_dec v, const char *s)
{
    liq_dec w;
    return liq_dec_from_str(s, &w) == LIQ_OK && liq_dec_cmp(v, w) == 0;
}

/* ---- symbols -------------------------------------------------------- */

/* Splits a symbol that is base + quote (BTCUSDT) by a known quote
 * currency at its end. */
static bool split_suffix(const char *sym, size_t len, char *base, char *quote)
{
    static const char *const quotes[] = {"FDUSD", "USDT", "USDC", "BUSD", "USD", NULL};
    for (int i = 0; quotes[i]; i++) {
        size_t q = strlen(quotes[i]);
        if (len > q && len - q < 32 && strncmp(sym + len - q, quotes[i], q) == 0) {
            memcpy(base, sym, len - q);
            base[len - q] = 0;
            snprintf(quote, 32, "%s", quotes[i]);
            return true;
        }
    }
    return false;
}

/* XBT is written BTC (MARKETS.md: the venue-neutral identity). */
static void neutral_base(char *base)
{
    if (strcmp(base, "XBT") == 0)
        strcpy(base, "BTC");
}

static imp_market *add_market(imp_set *s, const char *symbol)
{
    imp_market *m = mem_realloc(s->m, (s->n + 1) * sizeof *m);
    if (!m)
        return NULL;
    s->m = m;
    m = &s->m[s->n++];
    memset(m, 0, sizeof *m);
    snprintf(m->symbol, sizeof m->symbol, "%s", symbol);
    return m;
}

static imp_tier *add_tier(imp_market *m)
{
    imp_tier *t = mem_realloc(m->tiers, (m->ntiers + 1) * sizeof *t);
    if (!t)
        return NULL;
    m->tiers = t;
    t = &m->tiers[m->ntiers++];
    memset(t, 0, sizeof *t);
    return t;
}

static imp_market *find_market(imp_set *s, const char *symbol)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->m[i].symbol, symbol) == 0)
            return &s->m[i];
    return NULL;
}

static bool wanted(const imp_opts *o, const char *symbol)
{
    if (!o->only)
        return true;
    for (const char *const *p = o->only; *p; p++)
        if (strcmp(*p, symbol) == 0)
            return true;
    return false;
}

static bool oom(const rd *r)
{
    liq_diags_add(r->d, LIQ_SEV_ERROR, LIQ_ENOMEM, r->j->path, 0, 0, "out of memory");
    return false;
}

/* "got an object with keys a, b" / "got an array" for shape errors. */
static const char *got_what(json_t *v, char *buf, size_t cap)
{
    if (json_is_object(v)) {
        char keys[256];
        snprintf(buf, cap, "an object with keys %s", ijson_keys(v, keys, sizeof keys));
        return buf;
    }
    return ijson_describe(v, buf, cap);
}

/* ---- Binance: GET /fapi/v1/leverageBracket -------------------------- */

static bool binance_symbol(const rd *r, imp_set *s, const imp_opts *o, json_t *e, size_t i)
{
    char ctx[64];
    snprintf(ctx, sizeof ctx, "[%zu]", i);
    if (!json_is_object(e)) {
        char got[96];
        return ijson_err(r->j, e, NULL, r->d, "%s: expected an object {symbol, brackets}, got %s",
                         ctx, ijson_describe(e, got, sizeof got));
    }
    const char *sym;
    if (!get_str(r, e, "symbol", ctx, &sym))
        return false;
    json_t *coef = json_object_get(e, "notionalCoef");
    liq_dec c;
    if (coef && (!ijson_dec(coef, &c) || !dec_eq_str(c, "1"))) {
        char got[96];
        return ijson_err(r->j, coef, e, r->d,
                         "%s.notionalCoef is %s: these brackets are one account's, adjusted by "
                         "Binance; expected the venue's own (saved by an account without "
                         "adjustment)",
                         sym, ijson_describe(coef, got, sizeof got));
    }
    json_t *br = member(r, e, "brackets", sym, "an array of brackets");
    if (!br)
        return false;
    if (!json_is_array(br) || json_array_size(br) == 0) {
        char got[96];
        return ijson_err(r->j, br, e, r->d, "%s.brackets: expected a non-empty array, got %s",
                         sym, ijson_describe(br, got, sizeof got));
    }
    char base[32] = "", quote[32] = "";
    char plain[64];
    snprintf(plain, sizeof plain, "%s", sym);
    char *us = strchr(plain, '_');
    bool dated = us && strlen(us + 1) == 6 && strspn(us + 1, "0123456789") == 6;
    size_t len = us ? (size_t)(us - plain) : strlen(plain);
    if (!split_suffix(plain, len, base, quote)) {
        liq_diags_add(r->d, LIQ_SEV_WARNING, LIQ_OK, r->j->path, 0, 0,
                      "%s: skipped: no quote currency (USDT, USDC, ...) at its end to tell "
                      "its base from",
                      sym);
        return true;
    }
    if (!wanted(o, sym))
        return true;
    if (find_market(s, sym))
        return ijson_err(r->j, e, NULL, r->d, "%s: listed twice in the response", sym);
    imp_market *m = add_market(s, sym);
    if (!m)
        return oom(r);
    snprintf(m->base, sizeof m->base, "%s", base);
    neutral_base(m->base);
    snprintf(m->quote, sizeof m->quote, "%s", quote);
    m->dated = dated;
    liq_dec prev_cap = LIQ_DEC_ZERO;
    for (size_t k = 0; k < json_array_size(br); k++) {
        json_t *b = json_array_get(br, k);
        char bctx[96];
        snprintf(bctx, sizeof bctx, "%s.brackets[%zu]", sym, k);
        if (!json_is_object(b)) {
            char got[96];
            return ijson_err(r->j, b, e, r->d, "%s: expected an object, got %s", bctx,
                             ijson_describe(b, got, sizeof got));
        }
        imp_tier *t = add_tier(m);
        if (!t)
            return oom(r);
        liq_dec floor_;
        bool rounded;
        if (!get_dec(r, b, "notionalFloor", bctx, &floor_) ||
            !get_dec(r, b, "notionalCap", bctx, &t->up_to) ||
            !get_dec(r, b, "maintMarginRatio", bctx, &t->rate) ||
            !in_range(r, b, "maintMarginRatio", bctx, t->rate, "0", "1") ||
            !get_dec(r, b, "cum", bctx, &t->deduction) ||
            !in_range(r, b, "cum", bctx, t->deduction, "0", "100000000000000") ||
            !leverage_of(r, b, "initialLeverage", bctx, &t->max_leverage, &rounded))
            return false;
        t->has_up_to = true;
        if (liq_dec_cmp(floor_, prev_cap) != 0) {
            char a[LIQ_DEC_STRLEN], bb[LIQ_DEC_STRLEN];
            return ijson_err(r->j, json_object_get(b, "notionalFloor"), b, r->d,
                             "%s.notionalFloor: %s is not where the previous bracket ends (%s); "
                             "expected brackets in order, each starting at the last one's cap",
                             bctx, (liq_dec_format(floor_, a), a),
                             (liq_dec_format(prev_cap, bb), bb));
        }
        if (liq_dec_cmp(t->up_to, floor_) <= 0) {
            char a[LIQ_DEC_STRLEN];
            return ijson_err(r->j, json_object_get(b, "notionalCap"), b, r->d,
                             "%s.notionalCap: %s is not above its notionalFloor", bctx,
                             (liq_dec_format(t->up_to, a), a));
        }
        prev_cap = t->up_to;
        if (t->max_leverage > m->max_leverage)
            m->max_leverage = t->max_leverage;
    }
    return true;
}

static bool read_binance(const rd *r, imp_set *s, const imp_opts *o)
{
    json_t *root = r->j->root;
    char got[320];
    /* Binance's error envelope: {"code": -2015, "msg": "..."}, nothing else. */
    if (json_is_object(root) && ijson_size(root) == 2 &&
        ijson_is_number(json_object_get(root, "code")) && json_object_get(root, "msg")) {
        liq_dec code = LIQ_DEC_ZERO;
        char a[LIQ_DEC_STRLEN];
        const char *msg = ijson_string(json_object_get(root, "msg"));
        ijson_dec(json_object_get(root, "code"), &code);
        return ijson_err(r->j, root, NULL, r->d,
                         "the response is an error: code %s, msg \"%s\"; expected %s",
                         (liq_dec_format(code, a), a), msg ? msg : "",
                         formats[IMP_BINANCE_BRACKETS].what);
    }
    /* With ?symbol= Binance answers one object rather than an array. */
    if (json_is_object(root) && json_object_get(root, "brackets"))
        return binance_symbol(r, s, o, root, 0);
    if (!json_is_array(root))
        return ijson_err(r->j, root, NULL, r->d, "expected %s, got %s",
                         formats[IMP_BINANCE_BRACKETS].what, got_what(root, got, sizeof got));
    for (size_t i = 0; i < json_array_size(root); i++)
        if (!binance_symbol(r, s, o, json_array_get(root, i), i))
            return false;
    snprintf(s->note, sizeof s->note,
             "[OFFICIAL, the venue's API response] maintenance brackets (notionalCap -> up_to, "
             "maintMarginRatio -> rate, cum -> deduction, initialLeverage -> max_leverage) of %zu "
             "symbol%s",
             s->n, s->n == 1 ? "" : "s");
    return true;
}

/* ---- Bybit: GET /v5/market/risk-limit -------------------------------- */

static bool read_bybit(const rd *r, imp_set *s, const imp_opts *o)
{
    json_t *root = r->j->root;
    char got[320];
    if (!json_is_object(root) || !json_object_get(root, "retCode"))
        return ijson_err(r->j, root, NULL, r->d, "expected %s, got %s",
                         formats[IMP_BYBIT_RISK_LIMIT].what, got_what(root, got, sizeof got));
    liq_dec code;
    if (!get_dec(r, root, "retCode", "response", &code))
        return false;
    if (!dec_eq_str(code, "0")) {
        char a[LIQ_DEC_STRLEN];
        const char *msg = ijson_string(json_object_get(root, "retMsg"));
        return ijson_err(r->j, root, NULL, r->d,
                         "the response is an error: retCode %s, retMsg \"%s\"; expected %s",
                         (liq_dec_format(code, a), a), msg ? msg : "",
                         formats[IMP_BYBIT_RISK_LIMIT].what);
    }
    json_t *res = member(r, root, "result", "response", "an object {category, list}");
    if (!res)
        return false;
    if (!json_is_object(res))
        return ijson_err(r->j, res, root, r->d, "result: expected an object {category, list}, "
                                                "got %s",
                         ijson_describe(res, got, sizeof got));
    const char *cat;
    if (!get_str(r, res, "category", "result", &cat))
        return false;
    bool inverse = strcmp(cat, "inverse") == 0;
    if (!inverse && strcmp(cat, "linear") != 0)
        return ijson_err(r->j, res, NULL, r->d,
                         "result.category: \"%s\"; expected linear or inverse", cat);
    json_t *list = member(r, res, "list", "result", "an array of risk limits");
    if (!list)
        return false;
    if (!json_is_array(list) || json_array_size(list) == 0)
        return ijson_err(r->j, list, res, r->d, "result.list: expected a non-empty array, got %s",
                         ijson_describe(list, got, sizeof got));
    /* v5's documented responses give rates in percent ("0.5" is 0.5%);
     * a response in fractions is read too: initialMargin x maxLeverage is
     * 100 or 1 and tells which, row by row. */
    int unit = 0;   /* 100: percent, 1: fraction */
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *e = json_array_get(list, i);
        char ctx[48];
        snprintf(ctx, sizeof ctx, "result.list[%zu]", i);
        if (!json_is_object(e))
            return ijson_err(r->j, e, res, r->d, "%s: expected an object, got %s", ctx,
                             ijson_describe(e, got, sizeof got));
        const char *sym, *ded;
        liq_dec limit, mm, im, lev;
        if (!get_str(r, e, "symbol", ctx, &sym) || !get_dec(r, e, "riskLimitValue", ctx, &limit) ||
            !get_dec(r, e, "maintenanceMargin", ctx, &mm) ||
            !get_dec(r, e, "initialMargin", ctx, &im) || !get_dec(r, e, "maxLeverage", ctx, &lev))
            return false;
        liq_dec prod, lo, hi;
        liq_dec_mul(im, lev, LIQ_ROUND_HALF_EVEN, &prod);
        int this_unit = 0;
        /* maxLeverage is printed to 2 decimals (57.14 for 1.75%): 1% slack. */
        liq_dec_from_str("99", &lo), liq_dec_from_str("101", &hi);
        if (liq_dec_cmp(prod, lo) >= 0 && liq_dec_cmp(prod, hi) <= 0)
            this_unit = 100;
        liq_dec_from_str("0.99", &lo), liq_dec_from_str("1.01", &hi);
        if (liq_dec_cmp(prod, lo) >= 0 && liq_dec_cmp(prod, hi) <= 0)
            this_unit = 1;
        if (!this_unit || (unit && this_unit != unit)) {
            char a[LIQ_DEC_STRLEN], b[LIQ_DEC_STRLEN];
            return ijson_err(r->j, e, NULL, r->d,
                             "%s: initialMargin %s and maxLeverage %s do not agree; expected "
                             "initialMargin x maxLeverage = 100 (rates in percent) or 1 "
                             "(fractions)",
                             ctx, (liq_dec_format(im, a), a), (liq_dec_format(lev, b), b));
        }
        unit = this_unit;
        if (unit == 100)
            liq_dec_div(mm, liq_dec_from_int(100), LIQ_ROUND_HALF_EVEN, &mm);
        if (!in_range(r, e, "maintenanceMargin", ctx, mm, "0", "1"))
            return false;
        if (!wanted(o, sym))
            continue;
        imp_market *m = find_market(s, sym);
        if (!m) {
            char base[32] = "", quote[32] = "", plain[64];
            snprintf(plain, sizeof plain, "%s", sym);
            char *dash = strchr(plain, '-');
            bool dated = dash != NULL;
            size_t len = dash ? (size_t)(dash - plain) : strlen(plain);
            const char *why = NULL;
            if (len > 4 && strncmp(plain + len - 4, "PERP", 4) == 0) {
                memcpy(base, plain, len - 4);
                base[len - 4] = 0;
                strcpy(quote, "USDC");
                why = "Bybit names its USDC perpetuals <base>PERP";
            } else if (!split_suffix(plain, len, base, quote)) {
                if (!dated || len >= sizeof base) {
                    liq_diags_add(r->d, LIQ_SEV_WARNING, LIQ_OK, r->j->path, 0, 0,
                                  "%s: skipped: no quote currency at its end to tell its base "
                                  "from",
                                  sym);
                    continue;
                }
                memcpy(base, plain, len);
                base[len] = 0;
                strcpy(quote, "USDC");
                why = "Bybit names its USDC dated futures <base>-<date>";
            }
            if (!(m = add_market(s, sym)))
                return oom(r);
            snprintf(m->base, sizeof m->base, "%s", base);
            neutral_base(m->base);
            snprintf(m->quote, sizeof m->quote, "%s", quote);
            m->dated = dated;
            m->contract = inverse ? "inverse" : "linear";
            /* A linear contract settles in its quote, an inverse one in
             * its base coin. */
            snprintf(m->settlement, sizeof m->settlement, "%s", inverse ? m->base : quote);
            if (why)
                snprintf(m->assumed, sizeof m->assumed, "quote %s: %s", quote, why);
        }
        imp_tier *t = add_tier(m);
        if (!t)
            return oom(r);
        bool rounded;
        if (!leverage_of(r, e, "maxLeverage", ctx, &t->max_leverage, &rounded))
            return false;
        if (rounded) {
            char a[LIQ_DEC_STRLEN];
            snprintf(t->assumed, sizeof t->assumed,
                     "maxLeverage %s read as %ld: liqsim takes whole leverages, rounded down",
                     (liq_dec_format(lev, a), a), t->max_leverage);
        }
        t->has_up_to = true;
        t->up_to = limit;
        t->rate = mm;
        if (m->ntiers > 1 && liq_dec_cmp(limit, m->tiers[m->ntiers - 2].up_to) <= 0) {
            char a[LIQ_DEC_STRLEN];
            return ijson_err(r->j, json_object_get(e, "riskLimitValue"), e, r->d,
                             "%s.riskLimitValue: %s is not above the previous %s tier's; "
                             "expected each symbol's tiers in ascending order",
                             ctx, (liq_dec_format(limit, a), a), sym);
        }
        json_t *dv = json_object_get(e, "mmDeduction");
        ded = dv ? ijson_string(dv) : NULL;
        if (dv && ijson_dec(dv, &t->deduction)) {
            if (!in_range(r, e, "mmDeduction", ctx, t->deduction, "0", "100000000000000"))
                return false;
        } else if (m->ntiers == 1) {
            t->deduction = LIQ_DEC_ZERO;
        } else if (dv && !(ded && !*ded)) {
            char g[96];
            return ijson_err(r->j, dv, e, r->d, "%s.mmDeduction: expected a decimal or \"\", got %s",
                             ctx, ijson_describe(dv, g, sizeof g));
        } else {
            /* Bybit's published recurrence: deduction_n = limit_(n-1) x
             * (rate_n - rate_(n-1)) + deduction_(n-1). */
            const imp_tier *p = &m->tiers[m->ntiers - 2];
            liq_dec diff, prod2;
            liq_dec_sub(t->rate, p->rate, &diff);
            liq_dec_mul(p->up_to, diff, LIQ_ROUND_HALF_EVEN, &prod2);
            liq_dec_add(prod2, p->deduction, &t->deduction);
            size_t used = strlen(t->assumed);
            snprintf(t->assumed + used, sizeof t->assumed - used,
                     "%sdeduction: the response gives none; computed by Bybit's recurrence "
                     "from the tier below",
                     used ? "; " : "");
        }
        if (t->max_leverage > m->max_leverage)
            m->max_leverage = t->max_leverage;
    }
    snprintf(s->note, sizeof s->note,
             "[OFFICIAL, the venue's API response] %s risk limits (riskLimitValue -> up_to, "
             "maintenanceMargin%s -> rate, mmDeduction -> deduction, maxLeverage -> "
             "max_leverage) of %zu symbol%s",
             cat, unit == 100 ? " / 100 (the response gives percentages)" : "", s->n,
             s->n == 1 ? "" : "s");
    return true;
}

/* ---- OKX: GET /api/v5/public/position-tiers ------------------------- */

static bool read_okx(const rd *r, imp_set *s, const imp_opts *o)
{
    json_t *root = r->j->root;
    char got[320];
    if (!json_is_object(root) || !json_object_get(root, "code") || !json_object_get(root, "data"))
        return ijson_err(r->j, root, NULL, r->d, "expected %s, got %s",
                         formats[IMP_OKX_POSITION_TIERS].what, got_what(root, got, sizeof got));
    const char *code;
    if (!get_str(r, root, "code", "response", &code))
        return false;
    if (strcmp(code, "0") != 0) {
        const char *msg = ijson_string(json_object_get(root, "msg"));
        return ijson_err(r->j, root, NULL, r->d,
                         "the response is an error: code \"%s\", msg \"%s\"; expected %s", code,
                         msg ? msg : "", formats[IMP_OKX_POSITION_TIERS].what);
    }
    json_t *data = json_object_get(root, "data");
    if (!json_is_array(data) || json_array_size(data) == 0)
        return ijson_err(r->j, data, root, r->d, "data: expected a non-empty array, got %s",
                         ijson_describe(data, got, sizeof got));
    if (!o->has_contract_value || !o->has_price) {
        liq_diags_add(r->d, LIQ_SEV_ERROR, LIQ_EINPUT, r->j->path, 0, 0,
                      "OKX bounds tiers by position size in contracts: give --contract-value "
                      "(base units per contract, ctVal) and --price (the reference price the "
                      "bounds are converted at)");
        return false;
    }
    char cv[LIQ_DEC_STRLEN], px[LIQ_DEC_STRLEN];
    liq_dec_format(o->contract_value, cv);
    liq_dec_format(o->price, px);
    for (size_t i = 0; i < json_array_size(data); i++) {
        json_t *e = json_array_get(data, i);
        char ctx[48];
        snprintf(ctx, sizeof ctx, "data[%zu]", i);
        if (!json_is_object(e))
            return ijson_err(r->j, e, root, r->d, "%s: expected an object, got %s", ctx,
                             ijson_describe(e, got, sizeof got));
        const char *fam;
        liq_dec maxsz, mmr;
        if (!get_str(r, e, "instFamily", ctx, &fam) || !get_dec(r, e, "maxSz", ctx, &maxsz) ||
            !get_dec(r, e, "mmr", ctx, &mmr) || !in_range(r, e, "mmr", ctx, mmr, "0", "1"))
            return false;
        char base[32] = "", quote[32] = "";
        const char *dash = strrchr(fam, '-');
        if (!dash || dash == fam || (size_t)(dash - fam) >= sizeof base || strlen(dash + 1) >= 32)
            return ijson_err(r->j, e, NULL, r->d,
                             "%s.instFamily: \"%s\"; expected BASE-QUOTE (BTC-USDT)", ctx, fam);
        memcpy(base, fam, (size_t)(dash - fam));
        snprintf(quote, sizeof quote, "%s", dash + 1);
        if (strcmp(quote, "USD") == 0)
            return ijson_err(r->j, e, NULL, r->d,
                             "%s.instFamily: %s is coin-margined (inverse); only the linear "
                             "(USDT, USDC) tiers are read",
                             ctx, fam);
        char sym[64];
        snprintf(sym, sizeof sym, "%s-SWAP", fam);
        if (!wanted(o, sym))
            continue;
        imp_market *m = find_market(s, sym);
        if (!m) {
            if (!(m = add_market(s, sym)))
                return oom(r);
            snprintf(m->base, sizeof m->base, "%s", base);
            neutral_base(m->base);
            snprintf(m->quote, sizeof m->quote, "%s", quote);
            m->contract = "linear";
            snprintf(m->settlement, sizeof m->settlement, "%s", quote);
            snprintf(m->assumed, sizeof m->assumed,
                     "a perpetual swap: the response does not name the instType it was asked "
                     "for (SWAP assumed)");
        }
        imp_tier *t = add_tier(m);
        if (!t)
            return oom(r);
        bool rounded;
        if (!leverage_of(r, e, "maxLever", ctx, &t->max_leverage, &rounded))
            return false;
        liq_dec base_units;
        if (liq_dec_mul(maxsz, o->contract_value, LIQ_ROUND_HALF_EVEN, &base_units) != LIQ_OK ||
            liq_dec_mul(base_units, o->price, LIQ_ROUND_HALF_EVEN, &t->up_to) != LIQ_OK)
            return ijson_err(r->j, json_object_get(e, "maxSz"), e, r->d,
                             "%s.maxSz: too large to convert to a notional", ctx);
        t->has_up_to = true;
        t->rate = mmr;
        t->deduction = LIQ_DEC_ZERO;
        char a[LIQ_DEC_STRLEN];
        snprintf(t->assumed, sizeof t->assumed,
                 "up_to = maxSz %s contracts x %s (ctVal) x %s (reference price): OKX bounds the "
                 "tier by size, so at other prices its tier differs",
                 (liq_dec_format(maxsz, a), a), cv, px);
        if (m->ntiers > 1 && liq_dec_cmp(t->up_to, m->tiers[m->ntiers - 2].up_to) <= 0)
            return ijson_err(r->j, json_object_get(e, "maxSz"), e, r->d,
                             "%s.maxSz: %s is not above the previous %s tier's; expected the "
                             "tiers in ascending order",
                             ctx, a, fam);
        if (t->max_leverage > m->max_leverage)
            m->max_leverage = t->max_leverage;
    }
    snprintf(s->note, sizeof s->note,
             "[OFFICIAL, the venue's API response] position tiers (maxSz x ctVal %s x price %s "
             "-> up_to, mmr -> rate of the whole position, maxLever -> max_leverage) of %zu "
             "instrument famil%s",
             cv, px, s->n, s->n == 1 ? "y" : "ies");
    return true;
}

/* ---- Hyperliquid: POST /info {"type":"meta"} ------------------------- */

/* The docs' rule (trading/margin-tiers): maintenance rate = half the
 * initial rate at the tier's maximum leverage, 1 / (2 x leverage). */
static bool hl_rate(long lev, liq_dec *rate)
{
    liq_dec exact;
    liq_dec_div(liq_dec_from_int(1), liq_dec_from_int(2 * lev), LIQ_ROUND_CEIL, rate);
    liq_dec_mul(*rate, liq_dec_from_int(2 * lev), LIQ_ROUND_HALF_EVEN, &exact);
    return dec_eq_str(exact, "1");
}

static bool hl_table(json_t *tables, long id, json_t **out)
{
    for (size_t i = 0; i < json_array_size(tables); i++) {
        json_t *pair = json_array_get(tables, i);
        liq_dec tid;
        if (json_is_array(pair) && json_array_size(pair) == 2 &&
            ijson_dec(json_array_get(pair, 0), &tid) && liq_dec_cmp(tid, liq_dec_from_int(id)) == 0) {
            *out = json_array_get(pair, 1);
            return true;
        }
    }
    *out = NULL;
    return false;
}

static bool read_hl(const rd *r, imp_set *s, const imp_opts *o)
{
    json_t *root = r->j->root;
    char got[320];
    json_t *uni = json_is_object(root) ? json_object_get(root, "universe") : NULL;
    json_t *tables = json_is_object(root) ? json_object_get(root, "marginTables") : NULL;
    if (json_is_array(root) && json_array_size(root) == 2 &&
        json_is_object(json_array_get(root, 0)) &&
        json_object_get(json_array_get(root, 0), "universe"))
        return ijson_err(r->j, root, NULL, r->d,
                         "expected %s, got an array: a metaAndAssetCtxs response? Its first "
                         "element is the meta; save the response of {\"type\":\"meta\"}",
                         formats[IMP_HL_META].what);
    if (!uni || !tables)
        return ijson_err(r->j, root, NULL, r->d, "expected %s, got %s", formats[IMP_HL_META].what,
                         got_what(root, got, sizeof got));
    if (!json_is_array(uni) || !json_is_array(tables)) {
        char got2[96];
        return ijson_err(r->j, root, NULL, r->d,
                         "universe and marginTables: expected two arrays, got %s and %s",
                         ijson_describe(uni, got, sizeof got),
                         ijson_describe(tables, got2, sizeof got2));
    }
    size_t delisted = 0;
    for (size_t i = 0; i < json_array_size(uni); i++) {
        json_t *a = json_array_get(uni, i);
        char ctx[48];
        snprintf(ctx, sizeof ctx, "universe[%zu]", i);
        if (!json_is_object(a))
            return ijson_err(r->j, a, root, r->d, "%s: expected an object, got %s", ctx,
                             ijson_describe(a, got, sizeof got));
        const char *name;
        long maxlev;
        bool rounded;
        if (!get_str(r, a, "name", ctx, &name) ||
            !leverage_of(r, a, "maxLeverage", ctx, &maxlev, &rounded))
            return false;
        if (json_is_true(json_object_get(a, "isDelisted"))) {
            delisted++;
            continue;
        }
        if (!wanted(o, name))
            continue;
        if (strlen(name) >= 32)
            return ijson_err(r->j, a, NULL, r->d, "%s.name: \"%.40s\" is longer than 31 bytes",
                             ctx, name);
        if (find_market(s, name))
            return ijson_err(r->j, a, NULL, r->d, "%s: %s listed twice", ctx, name);
        imp_market *m = add_market(s, name);
        if (!m)
            return oom(r);
        snprintf(m->base, sizeof m->base, "%s", name);
        /* Quoted in USD, settled in USDC (the docs: "USDC-margined"). */
        strcpy(m->quote, "USD");
        strcpy(m->settlement, "USDC");
        m->contract = "linear";
        m->max_leverage = maxlev;
        /* No marginTableId (older metas), or an id under 50: one tier at
         * the asset's maximum ("for IDs less than 50, there is a single
         * tier with max leverage equal to the ID"). */
        json_t *idv = json_object_get(a, "marginTableId");
        long id = maxlev;
        liq_dec idd;
        if (idv) {
            if (!ijson_dec(idv, &idd) || liq_dec_sign(idd) < 0)
                return ijson_err(r->j, idv, a, r->d, "%s.marginTableId: expected a table id, got %s",
                                 ctx, ijson_describe(idv, got, sizeof got));
            id = (long)(idd.raw / 1000000000000LL);
        }
        json_t *table = NULL;
        if (!hl_table(tables, id, &table) && id >= 50)
            return ijson_err(r->j, idv, a, r->d,
                             "%s.marginTableId: %ld is not in marginTables (ids under 50 are "
                             "single tiers; %ld is not)",
                             ctx, id, id);
        json_t *tiers = table ? json_object_get(table, "marginTiers") : NULL;
        if (table && (!json_is_array(tiers) || json_array_size(tiers) == 0))
            return ijson_err(r->j, table, NULL, r->d,
                             "marginTables[%ld].marginTiers: expected a non-empty array", id);
        size_t nt = table ? json_array_size(tiers) : 1;
        liq_dec prev_lb = LIQ_DEC_ZERO;
        for (size_t k = 0; k < nt; k++) {
            imp_tier *t = add_tier(m);
            if (!t)
                return oom(r);
            liq_dec lb = LIQ_DEC_ZERO;
            if (table) {
                json_t *mt = json_array_get(tiers, k);
                char tctx[64];
                snprintf(tctx, sizeof tctx, "marginTables[%ld].marginTiers[%zu]", id, k);
                if (!json_is_object(mt))
                    return ijson_err(r->j, mt, table, r->d, "%s: expected an object", tctx);
                if (!get_dec(r, mt, "lowerBound", tctx, &lb) ||
                    !leverage_of(r, mt, "maxLeverage", tctx, &t->max_leverage, &rounded))
                    return false;
                if (k == 0 && liq_dec_sign(lb) != 0)
                    return ijson_err(r->j, mt, NULL, r->d, "%s.lowerBound: expected 0 for the "
                                                          "first tier",
                                     tctx);
                if (k > 0 && liq_dec_cmp(lb, prev_lb) <= 0)
                    return ijson_err(r->j, mt, NULL, r->d,
                                     "%s.lowerBound: not above the previous tier's", tctx);
            } else {
                t->max_leverage = maxlev;
            }
            if (!hl_rate(t->max_leverage, &t->rate))
                snprintf(t->assumed, sizeof t->assumed,
                         "rate 1/(2 x %ld) rounded up to 12 decimals", t->max_leverage);
            if (k > 0) {
                /* The previous tier ends where this one starts; the
                 * deduction keeps MM continuous there (the docs' rule). */
                imp_tier *p = &m->tiers[k - 1];
                p->has_up_to = true;
                p->up_to = lb;
                liq_dec diff, prod;
                liq_dec_sub(t->rate, p->rate, &diff);
                liq_dec_mul(lb, diff, LIQ_ROUND_HALF_EVEN, &prod);
                liq_dec_add(p->deduction, prod, &t->deduction);
            }
            prev_lb = lb;
        }
    }
    snprintf(s->note, sizeof s->note,
             "[OFFICIAL, the venue's API response] margin tables of %zu perpetual%s (rate = "
             "1/(2 x maxLeverage), deduction by the margin-tiers recurrence, lowerBound of the "
             "next tier -> up_to)%s",
             s->n, s->n == 1 ? "" : "s", delisted ? "; delisted assets left out" : "");
    return true;
}

/* ---- the set --------------------------------------------------------- */

imp_set *imp_read(imp_format f, const char *path, const imp_opts *o, liq_diags *d)
{
    ijson j;
    if (!ijson_load(&j, path, formats[f].what, d)) {
        ijson_free(&j);
        return NULL;
    }
    imp_set *s = mem_calloc(1, sizeof *s);
    if (!s) {
        ijson_free(&j);
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, path, 0, 0, "out of memory");
        return NULL;
    }
    s->fmt = f;
    snprintf(s->file, sizeof s->file, "%s", path);
    rd r = {&j, d};
    bool ok = false;
    switch (f) {
    case IMP_BINANCE_BRACKETS: ok = read_binance(&r, s, o); break;
    case IMP_BYBIT_RISK_LIMIT: ok = read_bybit(&r, s, o); break;
    case IMP_OKX_POSITION_TIERS: ok = read_okx(&r, s, o); break;
    case IMP_HL_META: ok = read_hl(&r, s, o); break;
    default: break;
    }
    if (ok && s->n == 0) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, path, 0, 0,
                      o->only ? "none of the symbols asked for is in the response"
                              : "the response lists no market");
        ok = false;
    }
    ijson_free(&j);
    if (!ok) {
        imp_set_free(s);
        return NULL;
    }
    return s;
}

void imp_set_free(imp_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->m[i].tiers);
    free(s->m);
    free(s);
}

const char *imp_source_id(const imp_set *s, const imp_opts *o, char *buf, size_t cap)
{
    if (o->source_id)
        snprintf(buf, cap, "%s", o->source_id);
    else
        snprintf(buf, cap, "%s-%s", formats[s->fmt].name, o->date);
    return buf;
}
