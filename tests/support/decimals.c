/*
 * decimals.c — exact decimals as the suites write them: a literal the test
 * knows to be valid (D("45328.29")), its canonical text, and the sums and
 * differences a test works out by hand, each of which must be exact: an
 * overflow fails the test rather than yield a wrong expected value.
 *
 * Rounding is left to each suite, which states the rule it reproduces
 * (test_replay.c: the engine's half-even at 12 places).
 */
#include "support/support.h"

liq_dec D(const char *text)
{
    liq_dec v;
    if (liq_dec_from_str(text, &v) != LIQ_OK)
        fail_msg("not a decimal: \"%s\"", text);
    return v;
}

const char *dec_text(liq_dec v, char buf[LIQ_DEC_STRLEN])
{
    liq_dec_format(v, buf);
    return buf;
}

/* The result of an operation that must not fail. */
static liq_dec exactly(liq_status st, const liq_dec *result)
{
    assert_int_equal(st, LIQ_OK);
    return *result;
}

liq_dec dec_add(liq_dec a, liq_dec b)
{
    liq_dec sum;
    return exactly(liq_dec_add(a, b, &sum), &sum);
}

liq_dec dec_sub(liq_dec a, liq_dec b)
{
    liq_dec difference;
    return exactly(liq_dec_sub(a, b, &difference), &difference);
}
