/*
 * decimal.c — exact fixed-point decimals (liq_dec) and rounding modes.
 *
 * Owns the arithmetic every money figure in the waterfall goes through:
 * parse, format, add/sub, mul/div/quantize with an explicit rounding
 * mode, and the 256-bit intermediates that keep mul and div exact. It
 * leaves to callers which rounding mode a venue uses and where.
 *
 * Invariant kept by every operation here: a result raw is never
 * INT128_MIN. Overflow checks bound |raw| by 2^127-1, so neg and abs are
 * always exact. A raw of INT128_MIN can only come from a caller filling
 * the struct by hand; it is still read correctly (magnitudes are taken as
 * unsigned), and neg/abs saturate it rather than invoke undefined
 * behaviour.
 */
#include "decimal.h"

#include <string.h>

__extension__ typedef unsigned __int128 u128;

#define U128_C(hi, lo) (((u128)(hi) << 64) | (u128)(lo))
/* 2^127 - 1, the largest magnitude a result may have. */
#define RAW_MAX ((liq_i128)(U128_C(0x7fffffffffffffffULL, 0xffffffffffffffffULL)))
#define RAW_MIN (-RAW_MAX - 1)
#define MAG_MAX ((u128)RAW_MAX)
#define SCALE DEC_SCALE

/* ------------------------------------------------------------------ */
/* Rounding modes                                                      */
/* ------------------------------------------------------------------ */

static const char *const round_names[] = {
    [LIQ_ROUND_HALF_EVEN] = "half_even",
    [LIQ_ROUND_HALF_UP] = "half_up",
    [LIQ_ROUND_DOWN] = "down",
    [LIQ_ROUND_UP] = "up",
    [LIQ_ROUND_FLOOR] = "floor",
    [LIQ_ROUND_CEIL] = "ceil",
};
#define N_ROUND (sizeof round_names / sizeof round_names[0])

bool liq_round_parse(const char *name, liq_round *out)
{
    if (!name)
        return false;
    for (size_t i = 0; i < N_ROUND; i++) {
        if (strcmp(name, round_names[i]) == 0) {
            if (out)
                *out = (liq_round)i;
            return true;
        }
    }
    return false;
}

const char *liq_round_name(liq_round mode)
{
    if ((unsigned)mode < N_ROUND)
        return round_names[mode];
    return "unknown";
}

static bool mode_ok(liq_round mode)
{
    return (unsigned)mode < N_ROUND;
}

/* Signed result from a magnitude; refuses what does not fit, so the
 * most negative raw (magnitude 2^127) is refused too. */
static liq_status finish(bool neg, u128 mag, liq_dec *out)
{
    if (mag > MAG_MAX)
        return LIQ_EOVERFLOW;
    liq_i128 v = (liq_i128)mag;
    out->raw = neg ? -v : v;
    return LIQ_OK;
}

/* Round q (with remainder r of a division by d) and finish. q == MAG_MAX
 * plus one overflows inside finish, never wraps, since MAG_MAX < 2^128-1. */
static liq_status round_finish(bool neg, u128 q, u128 r, u128 d,
                               liq_round mode, liq_dec *out)
{
    if (dec_round_up(neg, q, r, d, mode)) {
        if (q >= MAG_MAX)
            return LIQ_EOVERFLOW;
        q++;
    }
    return finish(neg, q, out);
}

static u128 mag_of(liq_i128 v)
{
    /* Unsigned negation is defined for INT128_MIN too. */
    return v < 0 ? (u128)0 - (u128)v : (u128)v;
}

/* ------------------------------------------------------------------ */
/* 256-bit helpers: little-endian arrays of four 64-bit limbs           */
/* ------------------------------------------------------------------ */

static void mul_128x128(u128 a, u128 b, uint64_t out[4])
{
    uint64_t al = (uint64_t)a, ah = (uint64_t)(a >> 64);
    uint64_t bl = (uint64_t)b, bh = (uint64_t)(b >> 64);
    u128 ll = (u128)al * bl;
    u128 lh = (u128)al * bh;
    u128 hl = (u128)ah * bl;
    u128 hh = (u128)ah * bh;

    /* Middle column: three 64-bit halves that sum to under 2^66. */
    u128 mid = (ll >> 64) + (uint64_t)lh + (uint64_t)hl;
    out[0] = (uint64_t)ll;
    out[1] = (uint64_t)mid;
    u128 high = hh + (lh >> 64) + (hl >> 64) + (mid >> 64);
    out[2] = (uint64_t)high;
    out[3] = (uint64_t)(high >> 64);
}

/* n / d for a 64-bit d: schoolbook division one limb at a time; each
 * step divides (rem:limb) < d * 2^64, which 128-bit division holds. */
static void div_256_by_64(const uint64_t n[4], uint64_t d, uint64_t q[4],
                          u128 *rem)
{
    u128 r = 0;
    for (int i = 3; i >= 0; i--) {
        u128 cur = (r << 64) | n[i];
        q[i] = (uint64_t)(cur / d);
        r = cur % d;
    }
    *rem = r;
}

/* n / d for a nonzero d of at most 2^127 (a magnitude of a raw), bit by
 * bit. Only a division by a divisor of 2^64 or more lands here, so speed
 * is moot. r < d <= 2^127 keeps (r << 1) | bit below 2^128: no carry. */
static void div_256_by_128(const uint64_t n[4], u128 d, uint64_t q[4],
                           u128 *rem)
{
    u128 r = 0;
    memset(q, 0, 4 * sizeof q[0]);
    for (int bit = 255; bit >= 0; bit--) {
        r = (r << 1) | ((n[bit / 64] >> (bit % 64)) & 1);
        if (r >= d) {
            r -= d;
            q[bit / 64] |= (uint64_t)1 << (bit % 64);
        }
    }
    *rem = r;
}

/* The low 128 bits of q, or false when the upper limbs are not zero. */
static bool q_fits(const uint64_t q[4], u128 *lo)
{
    if (q[2] || q[3])
        return false;
    *lo = U128_C(q[1], q[0]);
    return true;
}

/* ------------------------------------------------------------------ */
/* Arithmetic                                                          */
/* ------------------------------------------------------------------ */

liq_dec liq_dec_from_int(int64_t v)
{
    /* |v| * 10^12 < 2^63 * 2^40, well inside 127 bits. */
    liq_dec d = {(liq_i128)v * (liq_i128)SCALE};
    return d;
}

liq_status liq_dec_add(liq_dec a, liq_dec b, liq_dec *out)
{
    liq_i128 r;
    if (__builtin_add_overflow(a.raw, b.raw, &r) || r == RAW_MIN)
        return LIQ_EOVERFLOW;
    out->raw = r;
    return LIQ_OK;
}

liq_status liq_dec_sub(liq_dec a, liq_dec b, liq_dec *out)
{
    liq_i128 r;
    if (__builtin_sub_overflow(a.raw, b.raw, &r) || r == RAW_MIN)
        return LIQ_EOVERFLOW;
    out->raw = r;
    return LIQ_OK;
}

/* noinline: the fast path stays a small leaf that callers can inline. A
 * divisor of 64 bits goes through decimal.h's dec_divmod64. */
__attribute__((noinline)) liq_status dec_mul_wide(liq_dec a, liq_dec b, liq_round mode,
                                                  liq_dec *out)
{
    if (!mode_ok(mode))
        return LIQ_EINPUT;
    bool neg = (a.raw < 0) != (b.raw < 0);
    liq_i128 p;
    if (!__builtin_mul_overflow(a.raw, b.raw, &p)) {
        uint64_t r;
        u128 q = dec_divmod64(mag_of(p), SCALE, &r);
        return round_finish(neg, q, r, SCALE, mode, out);
    }
    uint64_t n[4], q[4];
    u128 r, qlo;
    mul_128x128(mag_of(a.raw), mag_of(b.raw), n);
    div_256_by_64(n, SCALE, q, &r);
    if (!q_fits(q, &qlo))
        return LIQ_EOVERFLOW;
    return round_finish(neg, qlo, r, SCALE, mode, out);
}

liq_status liq_dec_mul(liq_dec a, liq_dec b, liq_round mode, liq_dec *out)
{
    if (dec_mul_fast(a, b, mode, out))
        return LIQ_OK;
    return dec_mul_wide(a, b, mode, out);
}

__attribute__((noinline)) liq_status dec_div_wide(liq_dec a, liq_dec b, liq_round mode,
                                                  liq_dec *out)
{
    if (b.raw == 0)
        return LIQ_EDIVZERO;
    if (!mode_ok(mode))
        return LIQ_EINPUT;
    bool neg = (a.raw < 0) != (b.raw < 0);
    u128 d = mag_of(b.raw);
    liq_i128 p;
    if (!__builtin_mul_overflow(a.raw, (liq_i128)SCALE, &p)) {
        u128 m = mag_of(p);
        if ((d >> 64) == 0) {
            uint64_t r;
            u128 q = dec_divmod64(m, (uint64_t)d, &r);
            return round_finish(neg, q, r, d, mode, out);
        }
        return round_finish(neg, m / d, m % d, d, mode, out);
    }
    uint64_t n[4], q[4];
    u128 r, qlo;
    mul_128x128(mag_of(a.raw), SCALE, n);
    if ((d >> 64) == 0)
        div_256_by_64(n, (uint64_t)d, q, &r);
    else
        div_256_by_128(n, d, q, &r);
    if (!q_fits(q, &qlo))
        return LIQ_EOVERFLOW;
    return round_finish(neg, qlo, r, d, mode, out);
}

liq_status liq_dec_div(liq_dec a, liq_dec b, liq_round mode, liq_dec *out)
{
    if (dec_div_fast(a, b, mode, out))
        return LIQ_OK;
    return dec_div_wide(a, b, mode, out);
}

liq_status liq_dec_quantize(liq_dec a, liq_dec step, liq_round mode,
                            liq_dec *out)
{
    if (step.raw <= 0)
        return LIQ_EDIVZERO;
    if (!mode_ok(mode))
        return LIQ_EINPUT;
    bool neg = a.raw < 0;
    u128 s = (u128)step.raw;
    u128 m = mag_of(a.raw);
    u128 q = m / s;
    if (dec_round_up(neg, q, m % s, s, mode))
        q++; /* q <= 2^127 here, no wrap; the product check catches it */
    u128 res;
    if (__builtin_mul_overflow(q, s, &res))
        return LIQ_EOVERFLOW;
    return finish(neg, res, out);
}

int liq_dec_cmp(liq_dec a, liq_dec b)
{
    return (a.raw > b.raw) - (a.raw < b.raw);
}

int liq_dec_sign(liq_dec a)
{
    return (a.raw > 0) - (a.raw < 0);
}

liq_dec liq_dec_neg(liq_dec a)
{
    liq_dec r = {a.raw == RAW_MIN ? RAW_MAX : -a.raw};
    return r;
}

liq_dec liq_dec_abs(liq_dec a)
{
    return a.raw < 0 ? liq_dec_neg(a) : a;
}

liq_dec liq_dec_min(liq_dec a, liq_dec b)
{
    return b.raw < a.raw ? b : a;
}

liq_dec liq_dec_max(liq_dec a, liq_dec b)
{
    return b.raw > a.raw ? b : a;
}

/* ------------------------------------------------------------------ */
/* Text                                                                */
/* ------------------------------------------------------------------ */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Exponents saturate here: beyond it every nonzero value has already
 * overflowed or lost precision, and lengths stay far below it. */
#define EXP_CAP 1000000000LL

/*
 * The grammar is checked in full before any value is computed, so
 * "1e" is a syntax error even though "1" would fit. Then the digits from
 * the first nonzero one down to 10^-12 are accumulated; a nonzero digit
 * left below 10^-12 is EPRECISION (input is never rounded). Overflow is
 * reported before precision: a number too big to hold is the more basic
 * fault, whatever its decimals. "1." and ".5" are accepted, as in C.
 * The common text takes the 64-bit path first (dec_parse_plain,
 * decimal.h), which answers the same for it.
 */
liq_status liq_dec_parse(const char *s, size_t len, liq_dec *out)
{
    if (!s)
        return LIQ_ESYNTAX;
    if (dec_parse_plain(s, len, out))
        return LIQ_OK;
    return dec_parse_wide(s, len, out);
}

__attribute__((noinline)) liq_status dec_parse_wide(const char *s, size_t len, liq_dec *out)
{
    if (!s)
        return LIQ_ESYNTAX;
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';

    size_t int_start = i;
    while (i < len && is_digit(s[i]))
        i++;
    size_t int_end = i, frac_start = i, frac_end = i;
    if (i < len && s[i] == '.') {
        frac_start = ++i;
        while (i < len && is_digit(s[i]))
            i++;
        frac_end = i;
    }
    if (int_end == int_start && frac_end == frac_start)
        return LIQ_ESYNTAX;

    long long exp = 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        if (i == len || !is_digit(s[i]))
            return LIQ_ESYNTAX;
        while (i < len && is_digit(s[i])) {
            if (exp < EXP_CAP)
                exp = exp * 10 + (s[i] - '0');
            i++;
        }
        if (eneg)
            exp = -exp;
    }
    if (i != len)
        return LIQ_ESYNTAX;

    /* Digits as one sequence: k < n_int in the integer part, the rest
     * after the point. Power of ten of digit k is n_int - 1 - k. */
    size_t n_int = int_end - int_start, n_all = n_int + (frac_end - frac_start);
#define DIGIT_AT(k) (s[(k) < n_int ? int_start + (k) : frac_start + (k) - n_int])
    size_t first = 0, last = n_all;
    while (first < n_all && DIGIT_AT(first) == '0')
        first++;
    if (first == n_all) {
        out->raw = 0;
        return LIQ_OK;
    }
    while (DIGIT_AT(last - 1) == '0')
        last--;
    /* 10^27 > 2^127 / 10^12: a first digit there or higher overflows,
     * which also bounds the loops below to 39 digits. */
    long long pw = (long long)n_int - 1 - (long long)first + exp;
    if (pw > 26)
        return LIQ_EOVERFLOW;

    u128 acc = 0;
    size_t k = first;
    for (; k < last && pw >= -LIQ_DEC_SCALE; k++, pw--) {
        if (__builtin_mul_overflow(acc, 10, &acc) ||
            __builtin_add_overflow(acc, (u128)(DIGIT_AT(k) - '0'), &acc))
            return LIQ_EOVERFLOW;
    }
#undef DIGIT_AT
    for (long long z = pw + 1 + LIQ_DEC_SCALE; z > 0; z--) {
        if (__builtin_mul_overflow(acc, 10, &acc))
            return LIQ_EOVERFLOW;
    }
    if (acc > MAG_MAX)
        return LIQ_EOVERFLOW;
    if (k < last)
        return LIQ_EPRECISION;
    return finish(neg, acc, out);
}

liq_status liq_dec_from_str(const char *s, liq_dec *out)
{
    if (!s)
        return LIQ_ESYNTAX;
    return liq_dec_parse(s, strlen(s), out);
}

/* "00" to "99": two digits per division by 100. */
static const char two_digits[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* The count of u's digits, from the powers of ten. */
static inline __attribute__((always_inline)) size_t digit_count(uint64_t u)
{
    static const uint64_t pow10[20] = {
        1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
        100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
        10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
        100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull};
    size_t nd = 1;
    while (nd < 20 && u >= pow10[nd])
        nd++;
    return nd;
}

/* The last nd digits of u (zeros before them as needed) at buf, two at a
 * time from the last, in place. */
static inline __attribute__((always_inline)) void put_digits(uint64_t u, char *buf, size_t nd)
{
    size_t k = nd;
    for (; k >= 2; k -= 2) {
        memcpy(buf + k - 2, two_digits + 2 * (u % 100), 2);
        u /= 100;
    }
    if (k)
        buf[0] = (char)('0' + (int)u);
}

size_t liq_dec_format(liq_dec d, char *buf)
{
    /* Every result row prints a few dozen amounts. A magnitude below
     * 2^64 (|d| < 1.8e7) is split into whole part and fraction by 64-bit
     * division by 10^12, which the compiler makes a multiplication;
     * a larger one by dec_divmod64's hardware division. The digits come
     * from 64-bit divisions by 100 (multiplications too); a whole part
     * of 2^64 or more (|d| > 1.8e19) is split by one more hardware
     * division. */
    uint64_t fp;
    u128 mag = mag_of(d.raw), ip;
    if (!(mag >> 64)) {
        ip = (uint64_t)mag / SCALE;
        fp = (uint64_t)mag % SCALE;
    } else {
        ip = dec_divmod64(mag, SCALE, &fp);
    }
    size_t n = 0;

    if (d.raw < 0)
        buf[n++] = '-';
    uint64_t low = (uint64_t)ip;
    if (ip >> 64) {
        /* The rare wide whole part: what is above its last nineteen
         * digits (2^64 > 10^19), then those nineteen. */
        ip = dec_divmod64(ip, 10000000000000000000ull, &low);
        size_t nd = digit_count((uint64_t)ip);
        put_digits((uint64_t)ip, buf + n, nd);
        put_digits(low, buf + n + nd, 19);
        n += nd + 19;
    } else {
        size_t nd = digit_count(low);
        put_digits(low, buf + n, nd);
        n += nd;
    }
    if (fp) {
        /* The trailing zeros dropped first (six, three, two, one: any
         * count up to eleven), then the places left, two at a time from
         * the last. */
        _Static_assert(LIQ_DEC_SCALE == 12, "twelve places");
        size_t places = LIQ_DEC_SCALE;
        if (fp % 1000000 == 0)
            fp /= 1000000, places -= 6;
        if (fp % 1000 == 0)
            fp /= 1000, places -= 3;
        if (fp % 100 == 0)
            fp /= 100, places -= 2;
        if (fp % 10 == 0)
            fp /= 10, places -= 1;
        buf[n] = '.';
        put_digits(fp, buf + n + 1, places);
        n += 1 + places;
    }
    buf[n] = '\0';
    return n;
}
