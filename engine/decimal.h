/*
 * decimal.h — what decimal.c keeps for the library's own use beside the
 * public liq_dec_* API (include/liqsim.h).
 *
 * liq_dec_mul and liq_dec_div take a 64-bit path when both raws fit in
 * 64 bits (most of the waterfall's operands); these are the general
 * paths with 256-bit intermediates, the same rules and results, kept
 * callable so tests/test_decimal.c can check the fast path against them
 * over random and edge operands.
 */
#ifndef LIQ_DECIMAL_H
#define LIQ_DECIMAL_H

#include "liqsim.h"

liq_status dec_mul_wide(liq_dec a, liq_dec b, liq_round mode, liq_dec *out);
liq_status dec_div_wide(liq_dec a, liq_dec b, liq_round mode, liq_dec *out);

#endif
