/*
 * fuzz_decimal.c — libFuzzer harness for the decimal parser and the
 * arithmetic behind every money figure (engine/decimal.c).
 *
 * The input is one or two decimal texts separated by a newline. Checked
 * on every input, beyond the sanitizers:
 *   - parse either succeeds or returns one of its documented statuses;
 *   - what parses formats to canonical text that parses back to the same
 *     value and formats to itself;
 *   - a + b - b == a and a - b + b == a when no step overflows;
 *   - mul and div in each rounding mode agree with a 128-bit reference
 *     where the exact result fits one (DOWN truncates, FLOOR <= CEIL and
 *     they differ by one unit only when the result is inexact);
 *   - quantize to |b| gives a multiple of |b|; a zero divisor is
 *     LIQ_EDIVZERO, never a value.
 */
#include "fuzz_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SCALE_RAW ((liq_i128)1000000000000LL)
#define BOUND63 ((liq_i128)1 << 62)
#define BOUND86 ((liq_i128)1 << 86)

static void fail(const char *what, const char *a, size_t alen, const char *b, size_t blen)
{
    fprintf(stderr, "liqsim fuzz: decimal: %s (a=\"%.*s\", b=\"%.*s\")\n", what, (int)alen, a,
            (int)blen, b);
    abort();
}
#define CHECK(cond, what) \
    do { \
        if (!(cond)) \
            fail(what, a, alen, b, blen); \
    } while (0)

static int documented(liq_status st)
{
    return st == LIQ_OK || st == LIQ_ESYNTAX || st == LIQ_EOVERFLOW || st == LIQ_EPRECISION;
}

static void check_roundtrip(liq_dec x, const char *a, size_t alen, const char *b, size_t blen)
{
    char t[LIQ_DEC_STRLEN], u[LIQ_DEC_STRLEN];
    size_t n = liq_dec_format(x, t);
    CHECK(n == strlen(t) && n < LIQ_DEC_STRLEN, "format length");
    liq_dec y;
    CHECK(liq_dec_parse(t, n, &y) == LIQ_OK && y.raw == x.raw, "format does not parse back");
    liq_dec_format(y, u);
    CHECK(strcmp(t, u) == 0, "format is not canonical");
}

/* q = trunc(num / den) and whether it was exact, both in 128 bits. */
static liq_i128 trunc_div(liq_i128 num, liq_i128 den, int *exact)
{
    *exact = num % den == 0;
    return num / den;
}

static void check_rounded(liq_i128 q, int exact, int sign, liq_round mode, liq_dec got,
                          const char *a, size_t alen, const char *b, size_t blen)
{
    /* q truncates toward zero; sign is the exact result's sign. */
    liq_i128 away = exact ? q : q + (sign < 0 ? -1 : 1);
    switch (mode) {
    case LIQ_ROUND_DOWN: CHECK(got.raw == q, "DOWN does not truncate"); break;
    case LIQ_ROUND_UP: CHECK(got.raw == away, "UP does not round away from zero"); break;
    case LIQ_ROUND_FLOOR: CHECK(got.raw == (sign < 0 ? away : q), "FLOOR"); break;
    case LIQ_ROUND_CEIL: CHECK(got.raw == (sign < 0 ? q : away), "CEIL"); break;
    default: CHECK(got.raw == q || got.raw == away, "half rounding is not a neighbour"); break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *a = (const char *)data;
    const char *nl = memchr(a, '\n', size);
    size_t alen = nl ? (size_t)(nl - a) : size;
    const char *b = nl ? nl + 1 : a;
    size_t blen = nl ? size - alen - 1 : size;

    liq_dec x, y;
    liq_status sa = liq_dec_parse(a, alen, &x), sb = liq_dec_parse(b, blen, &y);
    CHECK(documented(sa) && documented(sb), "parse returned an undocumented status");
    if (sa != LIQ_OK || sb != LIQ_OK)
        return 0;
    check_roundtrip(x, a, alen, b, blen);
    check_roundtrip(y, a, alen, b, blen);
    CHECK(liq_dec_cmp(x, y) == -liq_dec_cmp(y, x), "cmp is not antisymmetric");

    liq_dec r, back;
    if (liq_dec_add(x, y, &r) == LIQ_OK) {
        CHECK(liq_dec_sub(r, y, &back) == LIQ_OK && back.raw == x.raw, "a + b - b != a");
        check_roundtrip(r, a, alen, b, blen);
    }
    if (liq_dec_sub(x, y, &r) == LIQ_OK)
        CHECK(liq_dec_add(r, y, &back) == LIQ_OK && back.raw == x.raw, "a - b + b != a");

    for (int m = LIQ_ROUND_HALF_EVEN; m <= LIQ_ROUND_CEIL; m++) {
        liq_round mode = (liq_round)m;
        liq_status st = liq_dec_mul(x, y, mode, &r);
        CHECK(st == LIQ_OK || st == LIQ_EOVERFLOW, "mul returned an undocumented status");
        if (x.raw > -BOUND63 && x.raw < BOUND63 && y.raw > -BOUND63 && y.raw < BOUND63) {
            int exact;
            liq_i128 prod = x.raw * y.raw;
            liq_i128 q = trunc_div(prod, SCALE_RAW, &exact);
            CHECK(st == LIQ_OK, "mul overflowed a product that fits");
            check_rounded(q, exact, (prod > 0) - (prod < 0), mode, r, a, alen, b, blen);
        }
        st = liq_dec_div(x, y, mode, &r);
        if (y.raw == 0) {
            CHECK(st == LIQ_EDIVZERO, "division by zero is not LIQ_EDIVZERO");
            continue;
        }
        CHECK(st == LIQ_OK || st == LIQ_EOVERFLOW, "div returned an undocumented status");
        if (x.raw > -BOUND86 && x.raw < BOUND86) {
            int exact;
            liq_i128 num = x.raw * SCALE_RAW;
            liq_i128 q = trunc_div(num, y.raw, &exact);
            CHECK(st == LIQ_OK, "div overflowed a quotient that fits");
            int sign = num == 0 ? 0 : ((num > 0) == (y.raw > 0) ? 1 : -1);
            check_rounded(q, exact, sign, mode, r, a, alen, b, blen);
        }
        liq_dec step = liq_dec_abs(y);
        st = liq_dec_quantize(x, step, mode, &r);
        CHECK(st == LIQ_OK || st == LIQ_EOVERFLOW, "quantize returned an undocumented status");
        if (st == LIQ_OK)
            CHECK(r.raw % step.raw == 0, "quantize is not a multiple of the step");
    }
    fz_check_stdout();
    return 0;
}
