/*
 * decimal.h — what decimal.c keeps for the library's own use beside the
 * public liq_dec_* API (include/liqsim.h).
 *
 * liq_dec_mul and liq_dec_div take a 64-bit path when both raws fit in
 * 64 bits (most of the waterfall's operands): it is here, inline (forced:
 * left to itself the compiler calls it from the stages, and a call
 * passing two 128-bit values costs as much as the path), for calc.h too.
 * The multiply's first step is signed (a quotient that fits 64 bits), its
 * second on magnitudes (one that fits 128). dec_mul_wide and dec_div_wide are the general paths with
 * 256-bit intermediates, the same rules and results, kept callable so
 * tests/test_decimal.c can check the fast path against them over random
 * and edge operands.
 */
#ifndef LIQ_DECIMAL_H
#define LIQ_DECIMAL_H

#include "liqsim.h"

#include <stdbool.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

__extension__ typedef unsigned __int128 liq_u128;

/* 10^LIQ_DEC_SCALE; fits in 64 bits, which the limb division relies on. */
#define DEC_SCALE 1000000000000ULL

/* The 64-bit fast paths, inline so that the waterfall's own arithmetic
 * (calc.h) pays no call for them; liq_dec_mul and liq_dec_div are these
 * and, when they do not apply, the wide paths below. */

/* m / d and m % d for a 64-bit divisor. The compiler turns a u128 / u128
 * into a call to __udivmodti4; two hardware 128/64 divisions (the second
 * cannot overflow because its high half is the first remainder, < d) are
 * several times faster. */
static inline liq_u128 dec_divmod64(liq_u128 m, uint64_t d, uint64_t *rem)
{
#if defined(__x86_64__)
    uint64_t hi = (uint64_t)(m >> 64), lo = (uint64_t)m;
    /* Most products are below d x 2^64: then the high quotient is 0 and
     * one hardware division does. */
    uint64_t qhi = 0, r = hi, qlo;
    if (__builtin_expect(hi >= d, 0)) {
        qhi = hi / d;
        r = hi % d;
    }
    __asm__("divq %4" : "=a"(qlo), "=d"(r) : "a"(lo), "d"(r), "rm"(d));
    *rem = r;
    return ((liq_u128)qhi << 64) | qlo;
#else
    *rem = (uint64_t)(m % d);
    return m / d;
#endif
}

/* Whether to add one unit to a truncated magnitude, given that the
 * remainder of its division is not zero: half is the sign of the
 * remainder against the divisor's other part (r - (d - r): above, at or
 * below the half), odd whether the truncated quotient is odd, neg the
 * sign of the true result. The one rounding rule, for the 64-bit paths
 * here and the 128-bit ones in decimal.c; each compares at its own width
 * (dec_round_up, dec_round_up64). Rounding is decided on magnitudes, so
 * FLOOR/CEIL need the sign: FLOOR moves a negative result away from zero. */
static inline __attribute__((always_inline)) bool dec_round_rule(bool neg, int half, bool odd, liq_round mode)
{
    switch (mode) {
    case LIQ_ROUND_DOWN: return false;
    case LIQ_ROUND_UP: return true;
    case LIQ_ROUND_FLOOR: return neg;
    case LIQ_ROUND_CEIL: return !neg;
    case LIQ_ROUND_HALF_UP: return half >= 0;
    case LIQ_ROUND_HALF_EVEN: return half > 0 || (half == 0 && odd);
    }
    return false;
}

/* dec_round_rule for the truncated magnitude q and the remainder r of a
 * division by d (0 <= r < d). r vs d/2 as r vs d - r: 2*r could overflow
 * when d >= 2^127. */
static inline bool dec_round_up(bool neg, liq_u128 q, liq_u128 r, liq_u128 d, liq_round mode)
{
    if (r == 0)
        return false;
    liq_u128 rest = d - r;
    return dec_round_rule(neg, (r > rest) - (r < rest), (q & 1) != 0, mode);
}

/* Most operands are small: prices, sizes and amounts of any real trade
 * have raws within +-2^63 (about 9.2e6 at 12 places). Then the product,
 * or the scaled dividend, is one 64x64 multiplication of the magnitudes
 * and cannot overflow 128 bits (under 2^126 and 2^103), and the result
 * (under 2^87) cannot overflow the raw: no overflow check is needed, and
 * the answer is the wide path's bit for bit (tests/test_decimal.c checks
 * them against each other). */
static inline bool dec_fits64(liq_i128 v)
{
    return (liq_i128)(int64_t)v == v;
}

static inline uint64_t dec_mag64(int64_t v)
{
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

static inline bool dec_mode_ok(liq_round mode)
{
    return (unsigned)mode <= (unsigned)LIQ_ROUND_CEIL;
}

/* dec_round_up on 64-bit operands (0 < r < d < 2^64), without 128-bit
 * compares, for the quotients that fit in 64 bits. */
static inline __attribute__((always_inline)) bool dec_round_up64(bool neg, uint64_t q, uint64_t r, uint64_t d, liq_round mode)
{
    uint64_t rest = d - r;
    return dec_round_rule(neg, (r > rest) - (r < rest), (q & 1) != 0, mode);
}

/* n / d (both magnitudes, d nonzero, the quotient's sign neg), rounded. */
static inline __attribute__((always_inline)) liq_dec dec_small_finish(bool neg, liq_u128 n, uint64_t d, liq_round mode)
{
    uint64_t r;
#if defined(__x86_64__)
    /* Most quotients fit in 64 bits (n below d x 2^64): one hardware
     * division, and the rounding on 64-bit words. */
    uint64_t hi = (uint64_t)(n >> 64), lo = (uint64_t)n;
    if (__builtin_expect(hi < d, 1)) {
        uint64_t q;
        __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d));
        liq_i128 v = (liq_i128)q + (r != 0 && dec_round_up64(neg, q, r, d, mode));
        return (liq_dec){neg ? -v : v};
    }
#endif
    liq_u128 q = dec_divmod64(n, d, &r);
    if (dec_round_up(neg, q, r, d, mode))
        q++;
    liq_i128 v = (liq_i128)q;
    return (liq_dec){neg ? -v : v};
}

/* x x y as the signed 128-bit hi:lo, one instruction: written out, the
 * compiler multiplies in 128 bits (three multiplies) whenever x and y
 * are themselves the low words of 128-bit values it has just computed. */
static inline __attribute__((always_inline)) void dec_imul64(int64_t x, int64_t y, int64_t *hi,
                                                             uint64_t *lo)
{
#if defined(__x86_64__)
    __asm__("imulq %3" : "=a"(*lo), "=d"(*hi) : "%a"(x), "rm"(y) : "cc");
#else
    liq_i128 p = (liq_i128)x * y;
    *hi = (int64_t)((liq_u128)p >> 64);
    *lo = (uint64_t)p;
#endif
}

/* hi:lo / 10^12 rounded with mode, for a product whose quotient fits a
 * signed 64-bit word after rounding (-2^63 x 10^12 <= p < (2^63 - 1) x
 * 10^12; the caller has checked or proven it): one signed hardware
 * division, truncating towards zero with the remainder of p's sign,
 * and the rounding rule on the magnitudes (|r| against 10^12 - |r|, the
 * parity of |q|: q's low bit, either sign), with no 128-bit negation.
 * The multiply's first route, and calc.h's proven products. (Division
 * by the constant as a reciprocal multiply, Moller and Granlund's, was
 * measured slower: more instructions, where the divider's latency hides
 * behind the work around it.) */
static inline __attribute__((always_inline)) int64_t dec_unscale64(int64_t hi, uint64_t lo,
                                                                   liq_round mode)
{
    int64_t q, r;
#if defined(__x86_64__)
    __asm__("idivq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "r"((int64_t)DEC_SCALE) : "cc");
#else
    liq_i128 p = (liq_i128)(((liq_u128)(uint64_t)hi << 64) | lo);
    q = (int64_t)(p / (liq_i128)DEC_SCALE);
    r = (int64_t)(p % (liq_i128)DEC_SCALE);
#endif
    if (r != 0) {
        uint64_t ar = r < 0 ? (uint64_t)0 - (uint64_t)r : (uint64_t)r;
        bool neg = hi < 0;
        int half = (ar > DEC_SCALE / 2) - (ar < DEC_SCALE / 2);
        if (dec_round_rule(neg, half, (q & 1) != 0, mode))
            q += neg ? -1 : 1;
    }
    return q;
}

/* a x b rounded with mode, when both raws fit in 64 bits and mode is
 * known; false otherwise (the wide path's case). */
static inline __attribute__((always_inline)) bool dec_mul_fast(liq_dec a, liq_dec b, liq_round mode, liq_dec *out)
{
    if (!dec_fits64(a.raw) || !dec_fits64(b.raw) || !dec_mode_ok(mode))
        return false;
    int64_t x = (int64_t)a.raw, y = (int64_t)b.raw;
    /* Most products (every amount of a trade below about 9.2e6) have a
     * quotient that fits a signed 64-bit word: dec_unscale64. The
     * product's high word in [-D/2, D/2 - 1) (D = 10^12, even) says so
     * with room for the rounding: -2^63 x D <= p < 2^63 x D - 2^64, so
     * -2^63 <= q < 2^63 - 2^64/D, and no rounding carries q to 2^63
     * (which a high word up to D/2 - 1 let through: 4611686.018429693747
     * x 1.999999999999 came back negative). The few products between
     * take the 128-bit finish below. */
    int64_t hi;
    uint64_t lo;
    dec_imul64(x, y, &hi, &lo);
    if (__builtin_expect((uint64_t)hi + DEC_SCALE / 2 < DEC_SCALE - 1, 1)) {
        out->raw = dec_unscale64(hi, lo, mode);
        return true;
    }
    *out = dec_small_finish((x < 0) != (y < 0), (liq_u128)dec_mag64(x) * dec_mag64(y), DEC_SCALE,
                            mode);
    return true;
}

/* a / b likewise; false also for a zero divisor (the wide path says so). */
static inline __attribute__((always_inline)) bool dec_div_fast(liq_dec a, liq_dec b, liq_round mode, liq_dec *out)
{
    if (b.raw == 0 || !dec_fits64(a.raw) || !dec_fits64(b.raw) || !dec_mode_ok(mode))
        return false;
    int64_t x = (int64_t)a.raw, y = (int64_t)b.raw;
    *out = dec_small_finish((x < 0) != (y < 0), (liq_u128)dec_mag64(x) * DEC_SCALE, dec_mag64(y),
                            mode);
    return true;
}

/* The common text of a decimal: a sign, at most 18 digits with at most
 * 12 after an optional point, no exponent. Its digits fit 64 bits and
 * scale by one multiplication, where the general path (dec_parse_wide)
 * multiplies a 128-bit accumulator by ten per digit and per missing
 * place. False for any other text, which the general path then reads
 * (and refuses or accepts) as before. liq_dec_parse's first step; inline
 * because a batch line parses eight (schema_rule_dec). */
static inline bool dec_parse_plain(const char *s, size_t len, liq_dec *out)
{
    static const uint64_t pow10[LIQ_DEC_SCALE + 1] = {
        1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
        100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull};
    /* A sign, 18 digits and a point at most. */
    if (len == 0 || len > 20)
        return false;
    const char *p = s, *end = s + len;
    bool neg = *p == '-';
    p += neg || *p == '+';
    const char *first = p;
    /* The whole digits, then after a point the fraction's, one test a
     * digit. Past 18 digits the sum wraps, and is thrown away below. */
    uint64_t acc = 0;
    unsigned d;
    while (p < end && (d = (unsigned)(unsigned char)*p - '0') < 10) {
        acc = acc * 10 + d;
        p++;
    }
    size_t nd = (size_t)(p - first), nf = 0;
    if (p < end) {
        if (*p != '.')
            return false;
        const char *frac = ++p;
        while (p < end && (d = (unsigned)(unsigned char)*p - '0') < 10) {
            acc = acc * 10 + d;
            p++;
        }
        if (p < end)
            return false;
        nf = (size_t)(p - frac);
        nd += nf;
    }
    if (nd == 0 || nd > 18 || nf > LIQ_DEC_SCALE)
        return false;
    liq_i128 v = (liq_i128)((liq_u128)acc * pow10[LIQ_DEC_SCALE - nf]);
    out->raw = neg ? -v : v;
    return true;
}

/* Bytes before a text that a caller of dec_parse_padded guarantees
 * readable (any values: they are never part of the result). */
#define DEC_PAD 16

/* dec_parse_plain, same answers, for a text with DEC_PAD readable bytes
 * before it (a batch line's field: the runner's block starts with them,
 * runner.h): the sixteen bytes that end with the text in one SSE2 load,
 * its last byte in lane 15, so that the common text (digits with at most
 * one point, at most 16 bytes) is checked and summed without a loop or a
 * branch per digit (a batch line's decimals are 2 to 12 bytes, where the
 * loop cost ~100 instructions each). A sign, a longer text and anything
 * else dec_parse_plain reads, as on a machine without SSE2. */
#if defined(__SSE2__)
static inline bool dec_parse_padded(const char *s, size_t len, liq_dec *out)
{
    if (len - 1 >= 16)
        return dec_parse_plain(s, len, out);
    /* The lanes that lie before the text ([len]), those below a point (to
     * move up one lane, over it) and the scale 10^(12 - places), the last
     * two by the point's lane plus one (0: none): one table for the three
     * lookups, one address to form. */
    static const struct {
        unsigned char from[32];       /* from + len: lanes 16 - len up */
        union {
            unsigned char b[17][16];
            __m128i v[17];
        } below;                      /* [at]: lanes 0 .. at - 1 (to the point) */
        uint64_t scale[17];           /* [at] */
    } tab = {
        .from = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
        .below = {.b = {
            {0},
            {0},
            {0},
            {0},
            {0xff, 0xff, 0xff, 0xff},
            {0xff, 0xff, 0xff, 0xff, 0xff},
            {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
            {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
            {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
            {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
            {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
            {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
            {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
            {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
            {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
            {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
             0xff},
            {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
             0xff, 0xff}}},
        .scale = {1000000000000ull, 0, 0, 0, 1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull,
                  1000000ull, 10000000ull, 100000000ull, 1000000000ull, 10000000000ull,
                  100000000000ull, 1000000000000ull}};
    /* Lane i is byte i - (16 - len) of the text: lanes below 16 - len
     * are what lies before it, which keep zeroes. */
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + len - 16));
    __m128i keep = _mm_loadu_si128((const __m128i *)(const void *)(tab.from + len));
    __m128i t = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    /* A digit is a lane of t at most 9 (unsigned): '0'..'9' and no other byte. */
    __m128i digit = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(9)), t);
    __m128i point = _mm_and_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')), keep);
    unsigned bad = (unsigned)_mm_movemask_epi8(_mm_andnot_si128(_mm_or_si128(digit, point), keep));
    unsigned pt = (unsigned)_mm_movemask_epi8(point);
    /* Each lane a digit or a point; at most one point, none in lanes 0..2
     * (at most 12 places) and none last (so a digit too: "." is no
     * number; "5." is plain's). */
    if (bad || (pt & ((pt - 1) | 0x8007u)))
        return dec_parse_plain(s, len, out);
    /* The point's lane plus one, 0 for none. */
    unsigned at = 31 - (unsigned)__builtin_clz(pt << 1 | 1);
    /* What lies before the text zeroed, then the point taken out: the
     * digits in the top lanes, zeros below. */
    t = _mm_and_si128(t, keep);
    __m128i mv = tab.below.v[at];
    t = _mm_or_si128(_mm_and_si128(mv, _mm_slli_si128(t, 1)), _mm_andnot_si128(mv, t));
    /* The sixteen lanes as one number, lane 15 the units. Pairs: a 16-bit
     * lane holds a + 256 b (a the higher digit); times 1 + 10 x 256 it is
     * a + 256 (10 a + b) modulo 2^16, whose high byte is the pair. Then
     * fours and eights by multiply-adds. */
    __m128i pair = _mm_set1_epi16(1 + 10 * 256);
    /* One pmullw, not the shifts and adds the compiler would make of it. */
    __asm__("" : "+x"(pair));
    __m128i two = _mm_srli_epi16(_mm_mullo_epi16(t, pair), 8);
    __m128i four = _mm_madd_epi16(two, _mm_set1_epi32(0x00010064));
    __m128i eight = _mm_madd_epi16(_mm_packs_epi32(four, four), _mm_set1_epi32(0x00012710));
    uint64_t e = (uint64_t)_mm_cvtsi128_si64(eight);
    uint64_t d = (e & 0xffffffffu) * 100000000u + (e >> 32);
    out->raw = (liq_i128)((liq_u128)d * tab.scale[at]);
    return true;
}
#else
static inline bool dec_parse_padded(const char *s, size_t len, liq_dec *out)
{
    return dec_parse_plain(s, len, out);
}
#endif

liq_status dec_mul_wide(liq_dec a, liq_dec b, liq_round mode, liq_dec *out);
liq_status dec_div_wide(liq_dec a, liq_dec b, liq_round mode, liq_dec *out);
/* liq_dec_parse's general path (any text, 128-bit steps); liq_dec_parse
 * is the 64-bit path for a sign and at most 18 digits, and this for
 * everything else. tests/test_decimal.c checks they agree. */
liq_status dec_parse_wide(const char *s, size_t len, liq_dec *out);

#endif
