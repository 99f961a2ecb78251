/*
 * test_decimal.c — tests for engine/decimal.c (exact decimals).
 *
 * Every expectation is an exact string from liq_dec_format, never a
 * tolerance: a decimal that is off by one unit of 10^-12 fails. Covers
 * parsing (accepted forms, every reject and its status), formatting,
 * each rounding mode on ties and non-ties for mul, div and quantize, the
 * 256-bit slow paths, the 64-bit fast path checked against the wide one,
 * overflow reporting, and the worked values that the
 * venue policies rely on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "decimal.h"

#define MAX_STR "170141183460469231731687303.715884105727"
#define MIN_STR "-170141183460469231731687303.715884105728"

/* A raw value no operation should produce; used to show that a failing
 * operation leaves its output alone. */
#define SENTINEL_RAW ((liq_i128)424242)

static const liq_round all_modes[] = {
    LIQ_ROUND_HALF_EVEN, LIQ_ROUND_HALF_UP, LIQ_ROUND_DOWN,
    LIQ_ROUND_UP, LIQ_ROUND_FLOOR, LIQ_ROUND_CEIL,
};

/* Parse text that the test itself knows to be valid. Macros rather than
 * functions so cmocka reports the line of the failing expectation. */
#define D(s) dec_or_fail((s), __FILE__, __LINE__)

static liq_dec dec_or_fail(const char *s, const char *file, int line)
{
    liq_dec d = {0};
    liq_status st = liq_dec_from_str(s, &d);
    if (st != LIQ_OK)
        fail_msg("%s:%d: cannot parse \"%s\": %s", file, line, s,
                 liq_status_str(st));
    return d;
}

#define assert_dec(d, expect)                                         \
    do {                                                              \
        char buf_[LIQ_DEC_STRLEN];                                    \
        size_t n_ = liq_dec_format((d), buf_);                        \
        assert_string_equal(buf_, (expect));                          \
        assert_int_equal(n_, strlen(expect));                         \
    } while (0)

#define assert_status(expr, st) assert_int_equal((expr), (st))

/* The output of a failed operation keeps its old value. */
#define assert_untouched(d) assert_true((d).raw == SENTINEL_RAW)

typedef liq_status (*binop)(liq_dec, liq_dec, liq_round, liq_dec *);

/* One rounding case: a op b in every mode, expected results in the order
 * of all_modes. */
typedef struct round_case {
    const char *a, *b;
    const char *expect[6];
} round_case;

static void check_modes(binop op, const char *opname, const round_case *c,
                        size_t n, const liq_round *modes, size_t n_modes)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t m = 0; m < n_modes; m++) {
            liq_round mode = modes[m];
            liq_dec r = {SENTINEL_RAW};
            char buf[LIQ_DEC_STRLEN];
            assert_status(op(D(c[i].a), D(c[i].b), mode, &r), LIQ_OK);
            liq_dec_format(r, buf);
            if (strcmp(buf, c[i].expect[mode]) != 0)
                fail_msg("%s(%s, %s, %s) = %s, expected %s", opname,
                         c[i].a, c[i].b, liq_round_name(mode), buf,
                         c[i].expect[mode]);
        }
    }
}

static void check_one_mode(binop op, const char *opname, const round_case *c,
                           size_t n, liq_round mode)
{
    check_modes(op, opname, c, n, &mode, 1);
}

#define N(arr) (sizeof(arr) / sizeof((arr)[0]))

/* ------------------------------------------------------------------ */
/* Parsing and formatting                                              */
/* ------------------------------------------------------------------ */

static void test_canonical_text_round_trips(void **state)
{
    (void)state;
    static const char *const canon[] = {
        "0", "1", "-1", "0.5", "-0.5", "1300", "-4501", "7735.372549",
        "0.000000000001", "-0.000000000001", "123456789.123456789012",
        "100000000000000000000000000", MAX_STR,
        "-170141183460469231731687303.715884105727",
    };
    for (size_t i = 0; i < N(canon); i++)
        assert_dec(D(canon[i]), canon[i]);
}

static void test_non_canonical_text_formats_canonically(void **state)
{
    (void)state;
    static const char *const in_out[][2] = {
        {"+1", "1"},       {"-0", "0"},         {"+0", "0"},
        {"-0.000", "0"},   {"1.50", "1.5"},     {"007", "7"},
        {".5", "0.5"},     {"-.25", "-0.25"},   {"1.", "1"},
        {"00.0100", "0.01"}, {"1.000000000000", "1"},
        {"1.0000000000000", "1"}, {"0.00000000000100", "0.000000000001"},
    };
    for (size_t i = 0; i < N(in_out); i++)
        assert_dec(D(in_out[i][0]), in_out[i][1]);
}

static void test_parse_accepts_exponent_forms(void **state)
{
    (void)state;
    static const char *const in_out[][2] = {
        {"1e3", "1000"},          {"2.5E-4", "0.00025"},
        {"1E+2", "100"},          {"-1.5e1", "-15"},
        {"0.000001e6", "1"},      {"123456e-3", "123.456"},
        {"1e0", "1"},             {"1e-12", "0.000000000001"},
        {"5e0000000000000000000002", "500"},
        {"0e-100", "0"},          {"0e999999999999999999999", "0"},
        {"1e26", "100000000000000000000000000"},
        {"100000000000000000000000000000000000000000e-20",
         "1000000000000000000000"},
        {"123.4567e-8", "0.000001234567"},
        {".5e1", "5"},            {"5.e-1", "0.5"},
    };
    for (size_t i = 0; i < N(in_out); i++)
        assert_dec(D(in_out[i][0]), in_out[i][1]);
}

static void test_parse_rejects_text_that_is_not_a_number(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "-", "+", ".", "-.", "1.2.3", " 1", "1 ", "1,000", "1_000",
        "0x10", "nan", "NaN", "inf", "-inf", "Infinity", "1e", "1e+",
        "1e-", "e5", ".e1", "+-1", "--1", "1e1.5", "1e1e1", "1.5.", "abc",
        "1a", "\t1", "1\n", "++1", "1e 1",
    };
    for (size_t i = 0; i < N(bad); i++) {
        liq_dec d = {SENTINEL_RAW};
        liq_status st = liq_dec_from_str(bad[i], &d);
        if (st != LIQ_ESYNTAX)
            fail_msg("\"%s\": status %s, expected syntax error", bad[i],
                     liq_status_str(st));
        assert_untouched(d);
    }
}

static void test_parse_rejects_more_than_twelve_significant_decimals(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "0.0000000000001", "1.2345678901234", "-0.0000000000005",
        "1e-13", "1.5e-12", "0.00000000000010000001",
        "123456789.1234567890123", "123.4567e-10",
        /* the integer part fits; only the decimals are wrong */
        "170141183460469231731687303.7158841057275",
    };
    for (size_t i = 0; i < N(bad); i++) {
        liq_dec d = {SENTINEL_RAW};
        liq_status st = liq_dec_from_str(bad[i], &d);
        if (st != LIQ_EPRECISION)
            fail_msg("\"%s\": status %s, expected precision error", bad[i],
                     liq_status_str(st));
        assert_untouched(d);
    }
}

static void test_parse_reports_overflow_for_integers_too_large(void **state)
{
    (void)state;
    static const char *const big[] = {
        "170141183460469231731687303.715884105728", /* MAX + 1 unit */
        MIN_STR, /* fits a raw, but the library never produces it */
        "1e27", "-1e27", "1e999999999999999999999",
        "1000000000000000000000000000",
        "99999999999999999999999999999999999999999999999999999",
        /* overflow is reported before excess decimals */
        "1000000000000000000000000000.0000000000001",
    };
    for (size_t i = 0; i < N(big); i++) {
        liq_dec d = {SENTINEL_RAW};
        liq_status st = liq_dec_from_str(big[i], &d);
        if (st != LIQ_EOVERFLOW)
            fail_msg("\"%s\": status %s, expected overflow", big[i],
                     liq_status_str(st));
        assert_untouched(d);
    }
}

static void test_parse_stops_at_len_without_a_terminator(void **state)
{
    (void)state;
    /* No NUL: the sanitizers catch a read past the array. */
    static const char unterminated[3] = {'1', '.', '5'};
    liq_dec d = {0};
    assert_status(liq_dec_parse(unterminated, sizeof unterminated, &d), LIQ_OK);
    assert_dec(d, "1.5");

    assert_status(liq_dec_parse("2.75junk", 4, &d), LIQ_OK);
    assert_dec(d, "2.75");
    assert_status(liq_dec_parse("12e", 3, &d), LIQ_ESYNTAX);
    assert_status(liq_dec_parse("12", 0, &d), LIQ_ESYNTAX);
}

static void test_parse_rejects_null_text(void **state)
{
    (void)state;
    liq_dec d = {SENTINEL_RAW};
    assert_status(liq_dec_from_str(NULL, &d), LIQ_ESYNTAX);
    assert_status(liq_dec_parse(NULL, 3, &d), LIQ_ESYNTAX);
    assert_untouched(d);
}

static void test_format_handles_the_most_negative_raw(void **state)
{
    (void)state;
    liq_dec min = {-D(MAX_STR).raw - 1};
    char buf[LIQ_DEC_STRLEN];
    size_t n = liq_dec_format(min, buf);
    assert_string_equal(buf, MIN_STR);
    assert_int_equal(n, strlen(MIN_STR));
    assert_true(n < LIQ_DEC_STRLEN);
}

static void test_from_int_is_exact_for_the_whole_int64_range(void **state)
{
    (void)state;
    assert_dec(liq_dec_from_int(0), "0");
    assert_dec(liq_dec_from_int(-4501), "-4501");
    assert_dec(liq_dec_from_int(INT64_MAX), "9223372036854775807");
    assert_dec(liq_dec_from_int(INT64_MIN), "-9223372036854775808");
    assert_dec(LIQ_DEC_ZERO, "0");
}

/* ------------------------------------------------------------------ */
/* Rounding-mode names                                                 */
/* ------------------------------------------------------------------ */

static void test_round_names_round_trip(void **state)
{
    (void)state;
    static const char *const names[] = {
        "half_even", "half_up", "down", "up", "floor", "ceil",
    };
    for (size_t i = 0; i < N(names); i++) {
        liq_round m = (liq_round)99;
        assert_true(liq_round_parse(names[i], &m));
        assert_int_equal(m, all_modes[i]);
        assert_string_equal(liq_round_name(m), names[i]);
    }
}

static void test_round_parse_rejects_unknown_names(void **state)
{
    (void)state;
    liq_round m = LIQ_ROUND_CEIL;
    assert_false(liq_round_parse("HALF_EVEN", &m));
    assert_false(liq_round_parse("half-even", &m));
    assert_false(liq_round_parse("", &m));
    assert_false(liq_round_parse(NULL, &m));
    assert_int_equal(m, LIQ_ROUND_CEIL);
    assert_string_equal(liq_round_name((liq_round)42), "unknown");
}

static void test_unknown_rounding_mode_is_rejected_as_input_error(void **state)
{
    (void)state;
    liq_dec r = {SENTINEL_RAW};
    liq_round bogus = (liq_round)6;
    assert_status(liq_dec_mul(D("1"), D("2"), bogus, &r), LIQ_EINPUT);
    assert_status(liq_dec_div(D("1"), D("2"), bogus, &r), LIQ_EINPUT);
    assert_status(liq_dec_quantize(D("1"), D("2"), bogus, &r), LIQ_EINPUT);
    assert_untouched(r);
}

/* ------------------------------------------------------------------ */
/* Rounding tables                                                     */
/* ------------------------------------------------------------------ */

/* Columns: half_even, half_up, down, up, floor, ceil. A true result of
 * x units of 10^-12, written "x" below. */
#define U(k) "0.00000000000" #k
#define NU(k) "-0.00000000000" #k

/* Mul: operands whose exact product lies between two units. */
static const round_case mul_ties[] = {
    /* 2.5 units */ {"0.0000025", "0.000001", {U(2), U(3), U(2), U(3), U(2), U(3)}},
    /* 3.5 units */ {"0.0000035", "0.000001", {U(4), U(4), U(3), U(4), U(3), U(4)}},
    /* -2.5 */ {"0.0000025", "-0.000001", {NU(2), NU(3), NU(2), NU(3), NU(3), NU(2)}},
    /* -3.5 */ {"-0.0000035", "0.000001", {NU(4), NU(4), NU(3), NU(4), NU(4), NU(3)}},
};
static const round_case mul_non_ties[] = {
    /* 2.6 */ {"0.0000026", "0.000001", {U(3), U(3), U(2), U(3), U(2), U(3)}},
    /* 2.4 */ {"0.0000024", "0.000001", {U(2), U(2), U(2), U(3), U(2), U(3)}},
    /* -2.6 */ {"-0.0000026", "0.000001", {NU(3), NU(3), NU(2), NU(3), NU(3), NU(2)}},
    /* -2.4 */ {"0.0000024", "-0.000001", {NU(2), NU(2), NU(2), NU(3), NU(3), NU(2)}},
    /* -2.4 from two negatives is +2.4 */
    {"-0.0000024", "-0.000001", {U(2), U(2), U(2), U(3), U(2), U(3)}},
};

/* Div: dividends and divisors of mixed signs. */
static const round_case div_ties[] = {
    /* 2.5 */ {"0.000000000005", "2", {U(2), U(3), U(2), U(3), U(2), U(3)}},
    /* 3.5 */ {"0.000000000007", "2", {U(4), U(4), U(3), U(4), U(3), U(4)}},
    /* -2.5 */ {"0.000000000005", "-2", {NU(2), NU(3), NU(2), NU(3), NU(3), NU(2)}},
    /* -3.5 */ {"-0.000000000007", "2", {NU(4), NU(4), NU(3), NU(4), NU(4), NU(3)}},
};
static const round_case div_non_ties[] = {
    /* 2.6 */ {"0.000000000013", "5", {U(3), U(3), U(2), U(3), U(2), U(3)}},
    /* 2.4 */ {"0.000000000012", "5", {U(2), U(2), U(2), U(3), U(2), U(3)}},
    /* -2.6 */ {"-0.000000000013", "5", {NU(3), NU(3), NU(2), NU(3), NU(3), NU(2)}},
    /* -2.4 */ {"0.000000000012", "-5", {NU(2), NU(2), NU(2), NU(3), NU(3), NU(2)}},
    {"1", "3", {"0.333333333333", "0.333333333333", "0.333333333333",
                "0.333333333334", "0.333333333333", "0.333333333334"}},
    {"-2", "3", {"-0.666666666667", "-0.666666666667", "-0.666666666666",
                 "-0.666666666667", "-0.666666666667", "-0.666666666666"}},
};

/* Quantize: a to a multiple of step. */
static const round_case quant_ties[] = {
    {"2.5", "1", {"2", "3", "2", "3", "2", "3"}},
    {"3.5", "1", {"4", "4", "3", "4", "3", "4"}},
    {"-2.5", "1", {"-2", "-3", "-2", "-3", "-3", "-2"}},
    {"-3.5", "1", {"-4", "-4", "-3", "-4", "-4", "-3"}},
    /* tick 0.5: 1.25 lies between 1.0 (2 ticks) and 1.5 (3 ticks) */
    {"1.25", "0.5", {"1", "1.5", "1", "1.5", "1", "1.5"}},
    {"-0.005", "0.01", {"0", "-0.01", "0", "-0.01", "-0.01", "0"}},
};
static const round_case quant_non_ties[] = {
    {"2.6", "1", {"3", "3", "2", "3", "2", "3"}},
    {"2.4", "1", {"2", "2", "2", "3", "2", "3"}},
    {"-2.6", "1", {"-3", "-3", "-2", "-3", "-3", "-2"}},
    {"-2.4", "1", {"-2", "-2", "-2", "-3", "-3", "-2"}},
    {"7735.372549", "0.5", {"7735.5", "7735.5", "7735", "7735.5", "7735", "7735.5"}},
    {"0.123456", "0.01", {"0.12", "0.12", "0.12", "0.13", "0.12", "0.13"}},
    {"-0.123456", "0.0001", {"-0.1235", "-0.1235", "-0.1234", "-0.1235",
                             "-0.1235", "-0.1234"}},
};

/* Results that are exact do not depend on the mode. */
static const round_case mul_exact[] = {
    {"1.5", "-4", {"-6", "-6", "-6", "-6", "-6", "-6"}},
    {"0", "-123.456", {"0", "0", "0", "0", "0", "0"}},
};
static const round_case div_exact[] = {
    {"-7.5", "2.5", {"-3", "-3", "-3", "-3", "-3", "-3"}},
    {"0", "-3", {"0", "0", "0", "0", "0", "0"}},
};
static const round_case quant_exact[] = {
    {"-7.5", "2.5", {"-7.5", "-7.5", "-7.5", "-7.5", "-7.5", "-7.5"}},
    {"0", "0.01", {"0", "0", "0", "0", "0", "0"}},
};

#define MODE_TEST(name, op, table, mode)                               \
    static void name(void **state)                                     \
    {                                                                  \
        (void)state;                                                   \
        check_one_mode(op, #op, table, N(table), mode);                \
    }
#define ALL_MODES_TEST(name, op, table)                                \
    static void name(void **state)                                     \
    {                                                                  \
        (void)state;                                                   \
        check_modes(op, #op, table, N(table), all_modes, N(all_modes)); \
    }

MODE_TEST(test_mul_rounds_half_even_on_ties, liq_dec_mul, mul_ties, LIQ_ROUND_HALF_EVEN)
MODE_TEST(test_mul_rounds_half_up_away_from_zero_on_ties, liq_dec_mul, mul_ties, LIQ_ROUND_HALF_UP)
MODE_TEST(test_mul_down_truncates_ties_toward_zero, liq_dec_mul, mul_ties, LIQ_ROUND_DOWN)
MODE_TEST(test_mul_up_rounds_ties_away_from_zero, liq_dec_mul, mul_ties, LIQ_ROUND_UP)
MODE_TEST(test_mul_floor_rounds_ties_toward_minus_infinity, liq_dec_mul, mul_ties, LIQ_ROUND_FLOOR)
MODE_TEST(test_mul_ceil_rounds_ties_toward_plus_infinity, liq_dec_mul, mul_ties, LIQ_ROUND_CEIL)
ALL_MODES_TEST(test_mul_rounds_non_ties_in_every_mode, liq_dec_mul, mul_non_ties)
ALL_MODES_TEST(test_mul_exact_results_ignore_the_mode, liq_dec_mul, mul_exact)

MODE_TEST(test_div_rounds_half_even_on_ties, liq_dec_div, div_ties, LIQ_ROUND_HALF_EVEN)
MODE_TEST(test_div_rounds_half_up_away_from_zero_on_ties, liq_dec_div, div_ties, LIQ_ROUND_HALF_UP)
MODE_TEST(test_div_down_truncates_ties_toward_zero, liq_dec_div, div_ties, LIQ_ROUND_DOWN)
MODE_TEST(test_div_up_rounds_ties_away_from_zero, liq_dec_div, div_ties, LIQ_ROUND_UP)
MODE_TEST(test_div_floor_rounds_ties_toward_minus_infinity, liq_dec_div, div_ties, LIQ_ROUND_FLOOR)
MODE_TEST(test_div_ceil_rounds_ties_toward_plus_infinity, liq_dec_div, div_ties, LIQ_ROUND_CEIL)
ALL_MODES_TEST(test_div_rounds_non_ties_in_every_mode, liq_dec_div, div_non_ties)
ALL_MODES_TEST(test_div_exact_results_ignore_the_mode, liq_dec_div, div_exact)

MODE_TEST(test_quantize_rounds_half_even_on_ties, liq_dec_quantize, quant_ties, LIQ_ROUND_HALF_EVEN)
MODE_TEST(test_quantize_rounds_half_up_away_from_zero_on_ties, liq_dec_quantize, quant_ties, LIQ_ROUND_HALF_UP)
MODE_TEST(test_quantize_down_truncates_ties_toward_zero, liq_dec_quantize, quant_ties, LIQ_ROUND_DOWN)
MODE_TEST(test_quantize_up_rounds_ties_away_from_zero, liq_dec_quantize, quant_ties, LIQ_ROUND_UP)
MODE_TEST(test_quantize_floor_rounds_ties_toward_minus_infinity, liq_dec_quantize, quant_ties, LIQ_ROUND_FLOOR)
MODE_TEST(test_quantize_ceil_rounds_ties_toward_plus_infinity, liq_dec_quantize, quant_ties, LIQ_ROUND_CEIL)
ALL_MODES_TEST(test_quantize_rounds_non_ties_in_every_mode, liq_dec_quantize, quant_non_ties)
ALL_MODES_TEST(test_quantize_exact_multiples_ignore_the_mode, liq_dec_quantize, quant_exact)

/* ------------------------------------------------------------------ */
/* 256-bit slow paths                                                  */
/* ------------------------------------------------------------------ */

static void test_mul_slow_path_is_exact(void **state)
{
    (void)state;
    liq_dec r = {0};
    /* raw product 10^32 * 10^17 = 10^49 needs 163 bits. */
    assert_status(liq_dec_mul(D("100000000000000000000"), D("100000"),
                              LIQ_ROUND_HALF_EVEN, &r), LIQ_OK);
    assert_dec(r, "10000000000000000000000000");
    assert_status(liq_dec_mul(D("-123456789012.345678901234"),
                              D("987654321.098765432109"),
                              LIQ_ROUND_HALF_EVEN, &r), LIQ_OK);
    assert_dec(r, "-121932631137021795226.076256644473");
}

static void test_mul_slow_path_rounds_ties_by_mode(void **state)
{
    (void)state;
    /* Odd last digit times 0.5: an exact half unit beyond 12 places. */
    static const round_case slow[] = {
        {"123456789012345678.123456789013", "0.5",
         {"61728394506172839.061728394506", "61728394506172839.061728394507",
          "61728394506172839.061728394506", "61728394506172839.061728394507",
          "61728394506172839.061728394506", "61728394506172839.061728394507"}},
        {"-123456789012345678.123456789013", "0.5",
         {"-61728394506172839.061728394506", "-61728394506172839.061728394507",
          "-61728394506172839.061728394506", "-61728394506172839.061728394507",
          "-61728394506172839.061728394507", "-61728394506172839.061728394506"}},
    };
    check_modes(liq_dec_mul, "liq_dec_mul", slow, N(slow), all_modes,
                N(all_modes));
}

static void test_div_slow_path_with_small_divisor_is_exact(void **state)
{
    (void)state;
    /* raw numerator 10^27 * 10^12 does not fit 128 bits; divisor < 2^64. */
    static const round_case slow[] = {
        {"1000000000000000", "3",
         {"333333333333333.333333333333", "333333333333333.333333333333",
          "333333333333333.333333333333", "333333333333333.333333333334",
          "333333333333333.333333333333", "333333333333333.333333333334"}},
        {"-2000000000000000", "3",
         {"-666666666666666.666666666667", "-666666666666666.666666666667",
          "-666666666666666.666666666666", "-666666666666666.666666666667",
          "-666666666666666.666666666667", "-666666666666666.666666666666"}},
    };
    check_modes(liq_dec_div, "liq_dec_div", slow, N(slow), all_modes,
                N(all_modes));
}

static void test_div_slow_path_with_wide_divisor_is_exact(void **state)
{
    (void)state;
    /* Divisor raws of 3e19 and 2e19 exceed 2^64: the long division. */
    static const round_case slow[] = {
        {"200000000000000000000", "30000000",
         {"6666666666666.666666666667", "6666666666666.666666666667",
          "6666666666666.666666666666", "6666666666666.666666666667",
          "6666666666666.666666666666", "6666666666666.666666666667"}},
        /* (2e17 + 0.00005) / 2e7 = 10^10 + 2.5 units: a tie */
        {"200000000000000000.00005", "20000000",
         {"10000000000.000000000002", "10000000000.000000000003",
          "10000000000.000000000002", "10000000000.000000000003",
          "10000000000.000000000002", "10000000000.000000000003"}},
        {"200000000000000000.00005", "-20000000",
         {"-10000000000.000000000002", "-10000000000.000000000003",
          "-10000000000.000000000002", "-10000000000.000000000003",
          "-10000000000.000000000003", "-10000000000.000000000002"}},
        /* The widest divisor: a remainder near 2^127 must not overflow
         * the half-way comparison. */
        {MAX_STR, MAX_STR, {"1", "1", "1", "1", "1", "1"}},
        {"-170141183460469231731687303.715884105727", MAX_STR,
         {"-1", "-1", "-1", "-1", "-1", "-1"}},
        {"170141183460469231731687303.715884105726", MAX_STR,
         {"1", "1", "0.999999999999", "1", "0.999999999999", "1"}},
    };
    check_modes(liq_dec_div, "liq_dec_div", slow, N(slow), all_modes,
                N(all_modes));
}

/* ------------------------------------------------------------------ */
/* The 64-bit fast path against the wide path                          */
/* ------------------------------------------------------------------ */

/* liq_dec_mul and liq_dec_div take a 64-bit path when both raws fit in
 * 64 bits; dec_mul_wide and dec_div_wide are the general paths. For
 * every mode they must give the same status and the same raw: over edge
 * raws (zero, one unit, halves that make ties, the int64 limits and one
 * past them, the largest raws) crossed with each other, and over random
 * raws of every bit length up to 70, either sign. */
static const liq_i128 edge_raws[] = {
    0, 1, 2, 3, 500000000000, 1500000000000, 2500000000000, 1000000000000,
    2000000000000, 999999999999, 1000000000001, 4611686018427387904 /* 2^62 */,
    INT64_MAX, INT64_MAX - 1, (liq_i128)INT64_MAX + 1, INT64_MIN + 1,
    (liq_i128)INT64_MIN - 1, 3037000499 /* ~sqrt(2^63) */,
    /* x 2^62 (above): products at 2^63 x 10^12, where the signed 64-bit
     * quotient of the multiply's first path ends (-2^63 fits, 2^63 does
     * not), and one unit either side. */
    1999999999999, 2000000000001,
    /* x 1999999999999 (above): a product just under 2^63 x 10^12 whose
     * quotient, 2^63 - 1, rounds up to 2^63 in the nearest and upward
     * modes: a first path that kept the quotient in a signed 64-bit word
     * gave it back negative, -9223372.036854775808. */
    4611686018429693747,
};

static void fast_and_wide_agree(liq_dec a, liq_dec b, size_t *checked)
{
    for (size_t m = 0; m < N(all_modes); m++) {
        liq_dec f = {SENTINEL_RAW}, w = {SENTINEL_RAW};
        liq_status fs = liq_dec_mul(a, b, all_modes[m], &f);
        liq_status ws = dec_mul_wide(a, b, all_modes[m], &w);
        if (fs != ws || (fs == LIQ_OK && f.raw != w.raw)) {
            char x[LIQ_DEC_STRLEN], y[LIQ_DEC_STRLEN];
            liq_dec_format(a, x);
            liq_dec_format(b, y);
            fail_msg("mul %s x %s (%s): fast and wide paths differ", x, y,
                     liq_round_name(all_modes[m]));
        }
        f.raw = w.raw = SENTINEL_RAW;
        fs = liq_dec_div(a, b, all_modes[m], &f);
        ws = dec_div_wide(a, b, all_modes[m], &w);
        if (fs != ws || (fs == LIQ_OK && f.raw != w.raw)) {
            char x[LIQ_DEC_STRLEN], y[LIQ_DEC_STRLEN];
            liq_dec_format(a, x);
            liq_dec_format(b, y);
            fail_msg("div %s / %s (%s): fast and wide paths differ", x, y,
                     liq_round_name(all_modes[m]));
        }
        *checked += 2;
    }
}

static uint64_t xorshift(uint64_t *g)
{
    *g ^= *g << 13;
    *g ^= *g >> 7;
    *g ^= *g << 17;
    return *g;
}

/* A raw of a random bit length (0..70), either sign. */
static liq_i128 random_raw(uint64_t *g)
{
    unsigned bits = (unsigned)(xorshift(g) % 71);
    __extension__ typedef unsigned __int128 u128;
    u128 u = ((u128)xorshift(g) << 64 | xorshift(g)) & (((u128)1 << bits) - 1);
    liq_i128 v = (liq_i128)u;
    return (xorshift(g) & 1) ? -v : v;
}

static void test_mul_and_div_fast_path_agrees_with_the_wide_path(void **state)
{
    (void)state;
    size_t checked = 0;
    for (size_t i = 0; i < N(edge_raws); i++)
        for (size_t j = 0; j < N(edge_raws); j++)
            for (int sa = -1; sa <= 1; sa += 2)
                for (int sb = -1; sb <= 1; sb += 2)
                    fast_and_wide_agree((liq_dec){sa * edge_raws[i]},
                                        (liq_dec){sb * edge_raws[j]}, &checked);
    uint64_t g = 0x2545f4914f6cdd1du;
    for (int i = 0; i < 200000; i++)
        fast_and_wide_agree((liq_dec){random_raw(&g)}, (liq_dec){random_raw(&g)}, &checked);
    assert_true(checked > 2000000);
}

/* ------------------------------------------------------------------ */
/* Overflow and division by zero                                        */
/* ------------------------------------------------------------------ */

static void test_add_and_sub_report_overflow_instead_of_wrapping(void **state)
{
    (void)state;
    liq_dec max = D(MAX_STR), unit = D("0.000000000001");
    liq_dec r = {SENTINEL_RAW};
    assert_status(liq_dec_add(max, unit, &r), LIQ_EOVERFLOW);
    assert_status(liq_dec_sub(liq_dec_neg(max), unit, &r), LIQ_EOVERFLOW);
    assert_status(liq_dec_add(liq_dec_neg(max), liq_dec_neg(unit), &r),
                  LIQ_EOVERFLOW);
    assert_status(liq_dec_sub(max, liq_dec_neg(unit), &r), LIQ_EOVERFLOW);
    assert_status(liq_dec_add(max, max, &r), LIQ_EOVERFLOW);
    assert_untouched(r);

    /* The extremes themselves are reachable. */
    assert_status(liq_dec_sub(max, unit, &r), LIQ_OK);
    assert_status(liq_dec_add(r, unit, &r), LIQ_OK);
    assert_dec(r, MAX_STR);
    assert_status(liq_dec_sub(liq_dec_neg(r), D("0"), &r), LIQ_OK);
    assert_dec(r, "-170141183460469231731687303.715884105727");
}

static void test_mul_reports_overflow_instead_of_wrapping(void **state)
{
    (void)state;
    liq_dec r = {SENTINEL_RAW};
    assert_status(liq_dec_mul(D("100000000000000000000"), D("10000000"),
                              LIQ_ROUND_HALF_EVEN, &r), LIQ_EOVERFLOW);
    assert_status(liq_dec_mul(D(MAX_STR), D(MAX_STR), LIQ_ROUND_DOWN, &r),
                  LIQ_EOVERFLOW);
    assert_status(liq_dec_mul(D(MAX_STR), D("-1.000000000001"),
                              LIQ_ROUND_DOWN, &r), LIQ_EOVERFLOW);
    /* Exactly 2^128 units: its low 128 bits are zero, so only a check
     * of the whole 256-bit quotient catches it. */
    assert_status(liq_dec_mul(D("18446744.073709551616"),
                              D("18446744073709551616"), LIQ_ROUND_DOWN, &r),
                  LIQ_EOVERFLOW);
    assert_untouched(r);
}

static void test_mul_rounding_past_the_largest_value_overflows(void **state)
{
    (void)state;
    /* (2^128 - 1) / 3 units times 1.5 is MAX + half a unit: the modes that
     * round away from zero (and HALF_EVEN, MAX being odd) would need
     * 2^127 units, one past the largest magnitude. */
    liq_dec third = D("113427455640312821154458202.477256070485");
    liq_dec neg_third = liq_dec_neg(third);
    liq_dec r = {SENTINEL_RAW};
    static const liq_round over[] = {
        LIQ_ROUND_HALF_EVEN, LIQ_ROUND_HALF_UP, LIQ_ROUND_UP, LIQ_ROUND_CEIL,
    };
    for (size_t i = 0; i < N(over); i++)
        assert_status(liq_dec_mul(third, D("1.5"), over[i], &r), LIQ_EOVERFLOW);
    assert_status(liq_dec_mul(neg_third, D("1.5"), LIQ_ROUND_FLOOR, &r),
                  LIQ_EOVERFLOW);
    assert_untouched(r);

    assert_status(liq_dec_mul(third, D("1.5"), LIQ_ROUND_DOWN, &r), LIQ_OK);
    assert_dec(r, MAX_STR);
    assert_status(liq_dec_mul(third, D("1.5"), LIQ_ROUND_FLOOR, &r), LIQ_OK);
    assert_dec(r, MAX_STR);
    assert_status(liq_dec_mul(neg_third, D("1.5"), LIQ_ROUND_CEIL, &r), LIQ_OK);
    assert_dec(r, "-170141183460469231731687303.715884105727");
}

static void test_div_reports_overflow_instead_of_wrapping(void **state)
{
    (void)state;
    liq_dec r = {SENTINEL_RAW};
    assert_status(liq_dec_div(D("100000000000000000000000"), D("0.000001"),
                              LIQ_ROUND_HALF_EVEN, &r), LIQ_EOVERFLOW);
    assert_status(liq_dec_div(D(MAX_STR), D("0.5"), LIQ_ROUND_DOWN, &r),
                  LIQ_EOVERFLOW);
    assert_status(liq_dec_div(D(MAX_STR), D("-0.999999999999"),
                              LIQ_ROUND_DOWN, &r), LIQ_EOVERFLOW);
    assert_untouched(r);
}

static void test_div_by_zero_is_reported(void **state)
{
    (void)state;
    liq_dec r = {SENTINEL_RAW};
    assert_status(liq_dec_div(D("1"), D("0"), LIQ_ROUND_HALF_EVEN, &r),
                  LIQ_EDIVZERO);
    assert_status(liq_dec_div(D("0"), D("-0"), LIQ_ROUND_CEIL, &r),
                  LIQ_EDIVZERO);
    assert_untouched(r);
}

static void test_quantize_rejects_a_step_that_is_not_positive(void **state)
{
    (void)state;
    liq_dec r = {SENTINEL_RAW};
    assert_status(liq_dec_quantize(D("1.5"), D("0"), LIQ_ROUND_DOWN, &r),
                  LIQ_EDIVZERO);
    assert_status(liq_dec_quantize(D("1.5"), D("-0.5"), LIQ_ROUND_DOWN, &r),
                  LIQ_EDIVZERO);
    assert_untouched(r);
}

static void test_quantize_reports_overflow_when_rounding_past_the_largest_value(void **state)
{
    (void)state;
    liq_dec r = {SENTINEL_RAW};
    assert_status(liq_dec_quantize(D(MAX_STR), D("1"), LIQ_ROUND_CEIL, &r),
                  LIQ_EOVERFLOW);
    assert_status(liq_dec_quantize(liq_dec_neg(D(MAX_STR)), D("1"),
                                   LIQ_ROUND_FLOOR, &r), LIQ_EOVERFLOW);
    assert_status(liq_dec_quantize(D("100"), D(MAX_STR), LIQ_ROUND_UP, &r),
                  LIQ_OK);
    assert_dec(r, MAX_STR);
    assert_status(liq_dec_quantize(D(MAX_STR), D("1"), LIQ_ROUND_FLOOR, &r),
                  LIQ_OK);
    assert_dec(r, "170141183460469231731687303");
}

/* ------------------------------------------------------------------ */
/* Comparison and sign helpers                                          */
/* ------------------------------------------------------------------ */

static void test_cmp_and_sign_order_values(void **state)
{
    (void)state;
    assert_int_equal(liq_dec_cmp(D("1.5"), D("1.50")), 0);
    assert_int_equal(liq_dec_cmp(D("-2"), D("1")), -1);
    assert_int_equal(liq_dec_cmp(D("0.000000000002"), D("0.000000000001")), 1);
    assert_int_equal(liq_dec_sign(D("-0.000000000001")), -1);
    assert_int_equal(liq_dec_sign(D("-0")), 0);
    assert_int_equal(liq_dec_sign(D(MAX_STR)), 1);
}

static void test_neg_abs_min_max(void **state)
{
    (void)state;
    assert_dec(liq_dec_neg(D("2.5")), "-2.5");
    assert_dec(liq_dec_neg(D("0")), "0");
    assert_dec(liq_dec_abs(D("-2.5")), "2.5");
    assert_dec(liq_dec_abs(D("2.5")), "2.5");
    assert_dec(liq_dec_min(D("-1"), D("0.5")), "-1");
    assert_dec(liq_dec_max(D("-1"), D("0.5")), "0.5");
    assert_dec(liq_dec_neg(liq_dec_neg(D(MAX_STR))), MAX_STR);
}

static void test_neg_and_abs_saturate_a_hand_built_most_negative_raw(void **state)
{
    (void)state;
    /* No operation produces this raw; a caller can only build it by
     * hand. Saturating keeps neg free of undefined behaviour. */
    liq_dec min = {-D(MAX_STR).raw - 1};
    assert_dec(liq_dec_neg(min), MAX_STR);
    assert_dec(liq_dec_abs(min), MAX_STR);
}

/* ------------------------------------------------------------------ */
/* Worked values the policies rely on                                   */
/* ------------------------------------------------------------------ */

static void test_point_one_plus_point_two_is_exactly_point_three(void **state)
{
    (void)state;
    liq_dec r = {0};
    assert_status(liq_dec_add(D("0.1"), D("0.2"), &r), LIQ_OK);
    assert_int_equal(liq_dec_cmp(r, D("0.3")), 0);
    assert_dec(r, "0.3");
}

static void test_fee_on_notional_plus_flat_fee_is_1300(void **state)
{
    (void)state;
    /* 250000 * (0.01 - 0.005) + 50 */
    liq_dec rate = {0}, fee = {0}, total = {0};
    assert_status(liq_dec_sub(D("0.01"), D("0.005"), &rate), LIQ_OK);
    assert_status(liq_dec_mul(D("250000"), rate, LIQ_ROUND_HALF_EVEN, &fee),
                  LIQ_OK);
    assert_status(liq_dec_add(fee, D("50"), &total), LIQ_OK);
    assert_dec(total, "1300");
}

static void test_price_scaled_by_50_over_51_then_ticked_up_to_half(void **state)
{
    (void)state;
    /* 7890.08 * 50 / 51 = 7735.37254901960784..., half_even at 12 places,
     * then CEIL to a 0.5 tick. */
    liq_dec p = {0}, q = {0};
    assert_status(liq_dec_mul(D("7890.08"), liq_dec_from_int(50),
                              LIQ_ROUND_HALF_EVEN, &p), LIQ_OK);
    assert_dec(p, "394504");
    assert_status(liq_dec_div(p, liq_dec_from_int(51), LIQ_ROUND_HALF_EVEN,
                              &p), LIQ_OK);
    assert_dec(p, "7735.372549019608");
    assert_status(liq_dec_quantize(p, D("0.5"), LIQ_ROUND_CEIL, &q), LIQ_OK);
    assert_dec(q, "7735.5");
}

/* liq_dec_format divides by 10^12 once in hardware and writes the digits
 * with 64-bit steps while the whole part fits 64 bits. Its text must be
 * the plain 128-bit arithmetic's, digit by digit (written out below),
 * and parse back to the same raw: over raws of every bit length up to
 * 127, either sign, and the edges of each step. */
static size_t format_by_hand(liq_i128 raw, char *out)
{
    __extension__ typedef unsigned __int128 u128;
    u128 m = raw < 0 ? (u128)0 - (u128)raw : (u128)raw;
    char digits[64];
    size_t n = 0, o = 0;
    for (u128 ip = m / 1000000000000u; ip || n == 0; ip /= 10)
        digits[n++] = (char)('0' + (int)(ip % 10));
    if (raw < 0)
        out[o++] = '-';
    while (n)
        out[o++] = digits[--n];
    u128 fp = m % 1000000000000u;
    if (fp) {
        out[o++] = '.';
        for (u128 p = 100000000000u; fp; p /= 10) {
            out[o++] = (char)('0' + (int)(fp / p));
            fp %= p;
        }
    }
    out[o] = 0;
    return o;
}

static void test_format_writes_the_digits_of_every_raw(void **state)
{
    (void)state;
    __extension__ typedef unsigned __int128 u128;
    uint64_t g = 0x853c49e6748fea9bu;
    const u128 p64 = (u128)1 << 64, scale = 1000000000000u;
    const liq_i128 edges[] = {0, 1, 10, 999999999999, 1000000000000, (liq_i128)(p64 - 1),
                              (liq_i128)p64, (liq_i128)(p64 * scale - 1), (liq_i128)(p64 * scale),
                              (liq_i128)(p64 * scale + 1), D(MAX_STR).raw};
    /* And the edges of the digit counts: each power of ten as a raw
     * (a fraction of k trailing zeros, which the format drops six,
     * three, two and one at a time) and as a whole part, and one below
     * it (the most digits of the count before). */
    enum { POWERS = 2 * 39 };
    for (size_t round = 0; round < 200000 + 2 * N(edges) + 2 * POWERS; round++) {
        liq_i128 raw;
        if (round < 2 * N(edges)) {
            raw = edges[round / 2];
            raw = round % 2 ? -raw : raw;
        } else if (round < 2 * N(edges) + 2 * POWERS) {
            size_t k = (round - 2 * N(edges)) / 2;
            u128 p = 1;
            for (size_t e = 0; e < k % 39; e++)
                p *= 10;
            raw = (liq_i128)(k < 39 ? p : p - 1);
            raw = round % 2 ? -raw : raw;
        } else {
            unsigned bits = (unsigned)(xorshift(&g) % 128);
            u128 u = ((u128)xorshift(&g) << 64 | xorshift(&g)) & (((u128)1 << bits) - 1);
            raw = (xorshift(&g) & 1) ? -(liq_i128)u : (liq_i128)u;
        }
        char got[LIQ_DEC_STRLEN], want[LIQ_DEC_STRLEN + 8];
        size_t n = liq_dec_format((liq_dec){raw}, got);
        format_by_hand(raw, want);
        if (strcmp(got, want) != 0 || n != strlen(want))
            fail_msg("round %zu: liq_dec_format wrote %s, the digits are %s", round, got, want);
        liq_dec back;
        assert_status(liq_dec_parse(got, n, &back), LIQ_OK);
        assert_true(back.raw == raw);
    }
}

/* liq_dec_parse reads a sign and at most 18 digits (12 after the point)
 * in one 64-bit sum; dec_parse_wide reads any text. Over random text of
 * the characters numbers are made of, short and long, they must give the
 * same status and, when it is LIQ_OK, the same raw. */
static void test_parse_fast_path_agrees_with_the_wide_path(void **state)
{
    (void)state;
    static const char alphabet[] = "0123456789000999.-+eE x";
    uint64_t g = 0x6a09e667f3bcc908u;
    size_t fast_ok = 0;
    for (int round = 0; round < 300000; round++) {
        char t[32];
        size_t len = (size_t)(xorshift(&g) % 24);
        for (size_t i = 0; i < len; i++) {
            /* Mostly digits, a point now and then, a sign first at times. */
            uint64_t r = xorshift(&g);
            t[i] = r % 8 == 0 ? alphabet[16 + (r >> 8) % 7] : alphabet[(r >> 8) % 16];
        }
        if (len && xorshift(&g) % 3 == 0)
            t[0] = "-+"[xorshift(&g) % 2];
        if (len > 2 && xorshift(&g) % 2 == 0)
            t[xorshift(&g) % len] = '.';
        t[len] = '?';   /* past len: never read */
        liq_dec a = {SENTINEL_RAW}, b = {SENTINEL_RAW};
        liq_status sa = liq_dec_parse(t, len, &a), sb = dec_parse_wide(t, len, &b);
        if (sa != sb || (sa == LIQ_OK && a.raw != b.raw)) {
            char x[LIQ_DEC_STRLEN] = "-", y[LIQ_DEC_STRLEN] = "-";
            if (sa == LIQ_OK)
                liq_dec_format(a, x);
            if (sb == LIQ_OK)
                liq_dec_format(b, y);
            fail_msg("round %d: \"%.*s\": the fast path says %s (%s), the wide path %s (%s)",
                     round, (int)len, t, liq_status_str(sa), x, liq_status_str(sb), y);
        }
        fast_ok += sa == LIQ_OK && len <= 20;
    }
    assert_true(fast_ok > 30000);
}

/* Three readers of one text: dec_parse_padded (the batch line's, SSE2,
 * the DEC_PAD bytes before the text read too), dec_parse_plain (the
 * scalar 64-bit path) and dec_parse_wide (any text). The text sits at the
 * very end of its own allocation, after DEC_PAD bytes of digits, points
 * and signs: a byte read past its end is a fault under ASan, and a byte
 * before it taken for the text's own changes the answer. padded and plain
 * say yes to the same texts with the same raw, and what they say yes to
 * the wide path reads to that raw. Returns whether padded said yes. */
static bool padded_plain_wide_agree(const char *text, size_t len, const char *pad, size_t round)
{
    char *own = malloc(DEC_PAD + len + (len == 0));
    assert_non_null(own);
    memcpy(own, pad, DEC_PAD);
    memcpy(own + DEC_PAD, text, len);
    const char *t = own + DEC_PAD;
    liq_dec a = {SENTINEL_RAW}, b = {SENTINEL_RAW}, w = {SENTINEL_RAW};
    bool pa = dec_parse_padded(t, len, &a), pb = dec_parse_plain(t, len, &b);
    liq_status sw = dec_parse_wide(t, len, &w);
    char x[LIQ_DEC_STRLEN] = "-", y[LIQ_DEC_STRLEN] = "-";
    if (pa)
        liq_dec_format(a, x);
    if (sw == LIQ_OK)
        liq_dec_format(w, y);
    if (pa != pb || (pa && a.raw != b.raw))
        fail_msg("round %zu: \"%.*s\": padded says %s (%s), plain %s", round, (int)len, text,
                 pa ? "yes" : "no", x, pb ? "yes" : "no");
    if (pa && (sw != LIQ_OK || a.raw != w.raw))
        fail_msg("round %zu: \"%.*s\": padded reads %s, the wide path says %s (%s)", round,
                 (int)len, text, x, liq_status_str(sw), y);
    free(own);
    return pa;
}

/* Texts of 0 to 40 bytes: a sign or none, whole digits (leading zeros
 * often), a point or none, fraction digits (12 and 13 often), then at
 * times one byte anywhere replaced by a non-digit (a second point or
 * sign, a letter, a space, NUL, a byte of 0x80 or more); and fully random
 * bytes. Each before a pad of random digits, points and signs. Then every
 * digit count 1..20 with a point at every place, all nines. */
static void test_parse_padded_path_agrees_with_plain_and_wide(void **state)
{
    (void)state;
    static const char odd[] = ".-+eE x\0\x80\xff\xc3/:";
    static const char padc[] = "0123456789.-+ ";
    uint64_t g = 0xbb67ae8584caa73bu;
    size_t yes = 0, round = 0;
    for (; round < 400000; round++) {
        char t[48], pad[DEC_PAD];
        for (size_t i = 0; i < DEC_PAD; i++)
            pad[i] = padc[xorshift(&g) % (sizeof padc - 1)];
        size_t len = 0;
        if (xorshift(&g) % 8 == 0) {
            len = (size_t)(xorshift(&g) % 41);
            for (size_t i = 0; i < len; i++)
                t[i] = (char)(xorshift(&g) % 3 ? '0' + xorshift(&g) % 10 : xorshift(&g) & 0xff);
        } else {
            uint64_t r = xorshift(&g);
            if (r % 5 == 0)
                t[len++] = "-+"[(r >> 3) & 1];
            size_t whole = (size_t)(xorshift(&g) % 21), frac = (size_t)(xorshift(&g) % 16);
            if (xorshift(&g) % 3 == 0)
                frac = 12 + (size_t)(xorshift(&g) % 2);
            bool point = xorshift(&g) % 4 != 0;
            for (size_t i = 0; i < whole && len < 40; i++)
                t[len++] = (char)(i < 3 && xorshift(&g) % 3 == 0 ? '0' : '0' + xorshift(&g) % 10);
            if (point && len < 40)
                t[len++] = '.';
            for (size_t i = 0; point && i < frac && len < 40; i++)
                t[len++] = (char)('0' + xorshift(&g) % 10);
            if (len && xorshift(&g) % 4 == 0)
                t[xorshift(&g) % len] = odd[xorshift(&g) % (sizeof odd - 1)];
        }
        yes += padded_plain_wide_agree(t, len, pad, round);
    }
    for (size_t nd = 1; nd <= 20; nd++)
        for (size_t at = 0; at <= nd; at++)
            for (int sign = 0; sign < 3; sign++, round++) {
                char t[48], pad[DEC_PAD];
                size_t len = 0;
                memset(pad, '9', sizeof pad);
                if (sign)
                    t[len++] = "-+"[sign - 1];
                for (size_t i = 0; i < nd; i++) {
                    if (i == at)
                        t[len++] = '.';
                    t[len++] = '9';
                }
                if (at == nd)
                    t[len++] = '.';
                yes += padded_plain_wide_agree(t, len, pad, round);
                yes += padded_plain_wide_agree(t, len - 1, pad, round);
            }
    assert_true(yes > 100000);
}

/* Every count of digits 0 to 21 with a point before any of them or none,
 * every sign, the digits all nines, all zeros, leading zeros or random,
 * after a pad of sevens: the readers agree (padded_plain_wide_agree), and
 * the fast ones take exactly the texts of their grammar (a sign, 1 to 18
 * digits, at most 12 after a point); then texts of no number. */
static void test_parse_fast_paths_take_exactly_their_grammar(void **state)
{
    (void)state;
    uint64_t g = 0x243f6a8885a308d3u;
    char pad[DEC_PAD];
    memset(pad, '7', sizeof pad);
    size_t yes = 0, round = 0;
    for (size_t nd = 0; nd <= 21; nd++)
        for (size_t at = 0; at <= nd + 1; at++)   /* at == nd + 1: no point */
            for (int sign = 0; sign < 3; sign++)
                for (int fill = 0; fill < 6; fill++, round++) {
                    char t[48];
                    size_t len = 0;
                    if (sign)
                        t[len++] = "-+"[sign - 1];
                    for (size_t i = 0; i < nd; i++) {
                        if (i == at)
                            t[len++] = '.';
                        char c = fill == 0 ? '9' : fill == 1 ? '0' : (char)('0' + xorshift(&g) % 10);
                        if (fill == 2 && i < 3)
                            c = '0';
                        t[len++] = c;
                    }
                    if (at == nd)
                        t[len++] = '.';
                    size_t places = at <= nd ? nd - at : 0;
                    bool in_grammar = nd >= 1 && nd <= 18 && places <= LIQ_DEC_SCALE;
                    bool took = padded_plain_wide_agree(t, len, pad, round);
                    if (took != in_grammar)
                        fail_msg("\"%.*s\": the fast readers say %s to a text %s their grammar",
                                 (int)len, t, took ? "yes" : "no", in_grammar ? "of" : "outside");
                    yes += took;
                }
    const char *const none[] = {"", "-", "+", ".", "-.", "+.", "..", "1..", ".1.", "--1", "1-",
                                "1e", "1e2", " 1", "1 ", "0x1", "1,5"};
    for (size_t i = 0; i < N(none); i++, round++)
        if (padded_plain_wide_agree(none[i], strlen(none[i]), pad, round))
            fail_msg("\"%s\": a fast reader took a text of no number", none[i]);
    assert_true(yes > 2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical_text_round_trips),
        cmocka_unit_test(test_non_canonical_text_formats_canonically),
        cmocka_unit_test(test_parse_accepts_exponent_forms),
        cmocka_unit_test(test_parse_rejects_text_that_is_not_a_number),
        cmocka_unit_test(test_parse_rejects_more_than_twelve_significant_decimals),
        cmocka_unit_test(test_parse_reports_overflow_for_integers_too_large),
        cmocka_unit_test(test_parse_stops_at_len_without_a_terminator),
        cmocka_unit_test(test_parse_rejects_null_text),
        cmocka_unit_test(test_parse_fast_path_agrees_with_the_wide_path),
        cmocka_unit_test(test_parse_padded_path_agrees_with_plain_and_wide),
        cmocka_unit_test(test_parse_fast_paths_take_exactly_their_grammar),
        cmocka_unit_test(test_format_handles_the_most_negative_raw),
        cmocka_unit_test(test_format_writes_the_digits_of_every_raw),
        cmocka_unit_test(test_from_int_is_exact_for_the_whole_int64_range),
        cmocka_unit_test(test_round_names_round_trip),
        cmocka_unit_test(test_round_parse_rejects_unknown_names),
        cmocka_unit_test(test_unknown_rounding_mode_is_rejected_as_input_error),
        cmocka_unit_test(test_mul_rounds_half_even_on_ties),
        cmocka_unit_test(test_mul_rounds_half_up_away_from_zero_on_ties),
        cmocka_unit_test(test_mul_down_truncates_ties_toward_zero),
        cmocka_unit_test(test_mul_up_rounds_ties_away_from_zero),
        cmocka_unit_test(test_mul_floor_rounds_ties_toward_minus_infinity),
        cmocka_unit_test(test_mul_ceil_rounds_ties_toward_plus_infinity),
        cmocka_unit_test(test_mul_rounds_non_ties_in_every_mode),
        cmocka_unit_test(test_mul_exact_results_ignore_the_mode),
        cmocka_unit_test(test_div_rounds_half_even_on_ties),
        cmocka_unit_test(test_div_rounds_half_up_away_from_zero_on_ties),
        cmocka_unit_test(test_div_down_truncates_ties_toward_zero),
        cmocka_unit_test(test_div_up_rounds_ties_away_from_zero),
        cmocka_unit_test(test_div_floor_rounds_ties_toward_minus_infinity),
        cmocka_unit_test(test_div_ceil_rounds_ties_toward_plus_infinity),
        cmocka_unit_test(test_div_rounds_non_ties_in_every_mode),
        cmocka_unit_test(test_div_exact_results_ignore_the_mode),
        cmocka_unit_test(test_quantize_rounds_half_even_on_ties),
        cmocka_unit_test(test_quantize_rounds_half_up_away_from_zero_on_ties),
        cmocka_unit_test(test_quantize_down_truncates_ties_toward_zero),
        cmocka_unit_test(test_quantize_up_rounds_ties_away_from_zero),
        cmocka_unit_test(test_quantize_floor_rounds_ties_toward_minus_infinity),
        cmocka_unit_test(test_quantize_ceil_rounds_ties_toward_plus_infinity),
        cmocka_unit_test(test_quantize_rounds_non_ties_in_every_mode),
        cmocka_unit_test(test_quantize_exact_multiples_ignore_the_mode),
        cmocka_unit_test(test_mul_slow_path_is_exact),
        cmocka_unit_test(test_mul_slow_path_rounds_ties_by_mode),
        cmocka_unit_test(test_div_slow_path_with_small_divisor_is_exact),
        cmocka_unit_test(test_div_slow_path_with_wide_divisor_is_exact),
        cmocka_unit_test(test_mul_and_div_fast_path_agrees_with_the_wide_path),
        cmocka_unit_test(test_add_and_sub_report_overflow_instead_of_wrapping),
        cmocka_unit_test(test_mul_reports_overflow_instead_of_wrapping),
        cmocka_unit_test(test_mul_rounding_past_the_largest_value_overflows),
        cmocka_unit_test(test_div_reports_overflow_instead_of_wrapping),
        cmocka_unit_test(test_div_by_zero_is_reported),
        cmocka_unit_test(test_quantize_rejects_a_step_that_is_not_positive),
        cmocka_unit_test(test_quantize_reports_overflow_when_rounding_past_the_largest_value),
        cmocka_unit_test(test_cmp_and_sign_order_values),
        cmocka_unit_test(test_neg_abs_min_max),
        cmocka_unit_test(test_neg_and_abs_saturate_a_hand_built_most_negative_raw),
        cmocka_unit_test(test_point_one_plus_point_two_is_exactly_point_three),
        cmocka_unit_test(test_fee_on_notional_plus_flat_fee_is_1300),
        cmocka_unit_test(test_price_scaled_by_50_over_51_then_ticked_up_to_half),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
