/*
 * svg.c — the report's charts as inline SVG (svg.h): axes with ticks at
 * whole steps of 1, 2 or 5 x 10^k (or of clock units on a time axis),
 * legends, stacked bars, lines, a heatmap.
 *
 * Owns only geometry and drawing; what is charted, and the words on the
 * axes, are the page's (report_html.c, report_replay.c). Coordinates are
 * integers computed from the decimals' raw 128-bit values, so the same
 * input draws the same bytes on every machine; no float is involved.
 * Values beyond +-10^18 units are drawn at that edge (their exact text is
 * still shown): it keeps every product in the geometry inside 128 bits.
 */
#include "mem.h"
#include "svg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef liq_i128 i128;

#define ONE ((i128)1000000000000LL)            /* 1 as a raw value */
#define GEO_MAX (ONE * 1000000000000000000LL)  /* 10^18 units */
#define CHAR_W 7                               /* px per character of 11px text, generously */

static const char *const palette[] = {
    /* Okabe & Ito's colour-blind-safe set, then its darker half again. */
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
};

const char *svg_color(size_t i)
{
    return palette[i % (sizeof palette / sizeof *palette)];
}

static i128 clamp(i128 v)
{
    return v > GEO_MAX ? GEO_MAX : v < -GEO_MAX ? -GEO_MAX : v;
}

static i128 floor_div(i128 a, i128 b)
{
    i128 q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Display width of UTF-8 text in characters (code points). */
static int text_w(const char *s)
{
    int w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w * CHAR_W;
}

static const char *dec_text(i128 raw, char buf[LIQ_DEC_STRLEN])
{
    liq_dec_format((liq_dec){raw}, buf);
    return buf;
}

/* ---- axes ------------------------------------------------------------ */

typedef struct axis { i128 lo, hi, step; } axis;

/* The smallest step of 1, 2 or 5 x 10^k (raw units) giving at most
 * max_ticks intervals over span. */
static i128 nice_step(i128 span, int max_ticks)
{
    static const int mult[3] = {1, 2, 5};
    for (i128 p = 1;; p *= 10)
        for (int k = 0; k < 3; k++)
            if (span / (mult[k] * p) <= max_ticks)
                return mult[k] * p;
}

/* lo..hi widened to whole steps; a single value gets room around it. */
static axis nice_axis(i128 lo, i128 hi, int max_ticks)
{
    lo = clamp(lo);
    hi = clamp(hi);
    if (lo > hi) {
        i128 t = lo;
        lo = hi;
        hi = t;
    }
    if (lo == hi) {
        i128 d = (lo < 0 ? -lo : lo) / 10;
        if (d == 0)
            d = ONE;
        lo -= d;
        hi += d;
    }
    i128 step = nice_step(hi - lo, max_ticks);
    return (axis){floor_div(lo, step) * step, -floor_div(-hi, step) * step, step};
}

/* v's pixel between p0 (at a.lo) and p1 (at a.hi); outside values at the edge. */
static int map(i128 v, const axis *a, int p0, int p1)
{
    v = clamp(v);
    if (v < a->lo)
        v = a->lo;
    if (v > a->hi)
        v = a->hi;
    if (a->hi == a->lo)
        return p0;
    return p0 + (int)((v - a->lo) * (p1 - p0) / (a->hi - a->lo));
}

/* ---- time ------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard
 * Hinnant's algorithms: integers only, any year). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool digits(const char **s, int n, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++, (*s)++) {
        if (**s < '0' || **s > '9')
            return false;
        v = v * 10 + (unsigned)(**s - '0');
    }
    *out = v;
    return true;
}

bool svg_time_parse(const char *s, int64_t *secs)
{
    unsigned y, mo, d, h, mi, se = 0;
    if (!digits(&s, 4, &y) || *s++ != '-' || !digits(&s, 2, &mo) || *s++ != '-' ||
        !digits(&s, 2, &d) || (*s != 'T' && *s != ' '))
        return false;
    s++;
    if (!digits(&s, 2, &h) || *s++ != ':' || !digits(&s, 2, &mi))
        return false;
    if (*s == ':') {
        s++;
        if (!digits(&s, 2, &se))
            return false;
        if (*s == '.') {
            s++;
            if (*s < '0' || *s > '9')
                return false;
            while (*s >= '0' && *s <= '9')
                s++;
        }
    }
    if (*s == 'Z')
        s++;
    static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (*s || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 60)
        return false;
    *secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    return true;
}

/* A tick step in seconds: a clock unit giving at most max_ticks intervals. */
static int64_t time_step(int64_t span, int max_ticks)
{
    static const int64_t steps[] = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600,
                                    7200, 10800, 21600, 43200, 86400, 172800, 604800};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
        if (span / steps[i] <= max_ticks)
            return steps[i];
    return (int64_t)(nice_step(span / 86400 + 1, max_ticks) * 86400);
}

/* ---- pieces ---------------------------------------------------------- */

static void svg_open(sbuf *b, const char *id, int w, int h, const char *label)
{
    sb_add(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"");
    sb_html(b, id);
    sb_add(b, "\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"", w, h,
           w, h);
    sb_html(b, label);
    sb_add(b, "\">\n");
}

static void text(sbuf *b, int x, int y, const char *anchor, const char *cls, const char *s)
{
    sb_add(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\"%s%s%s>", x, y, anchor,
           cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    sb_html(b, s);
    sb_add(b, "</text>\n");
}

/* A legend across the top, wrapping at width: entries, their colours and
 * line or box swatches. Returns the height it took. */
static int legend(sbuf *b, int x0, int width, size_t n, const char *const *names,
                  const char *const *colors, bool lines)
{
    if (n == 0)
        return 0;
    int x = x0, y = 14;
    sb_add(b, "<g class=\"legend\">\n");
    for (size_t i = 0; i < n; i++) {
        int w = 18 + text_w(names[i]) + 14;
        if (x > x0 && x + w > x0 + width) {
            x = x0;
            y += 18;
        }
        const char *col = colors ? colors[i] : svg_color(i);
        if (lines)
            sb_add(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"%s/>",
                   x, y - 4, x + 14, y - 4, col, i >= 8 ? " stroke-dasharray=\"4 2\"" : "");
        else
            sb_add(b, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\" stroke=\"#333\" stroke-width=\"0.5\"/>",
                   x, y - 10, col);
        text(b, x + 18, y, "start", NULL, names[i]);
        x += w;
    }
    sb_add(b, "</g>\n");
    return y + 10;
}

/* ---- stacked bars ----------------------------------------------------- */

void svg_hbars(sbuf *b, const svg_bars *c)
{
    const int W = 500, BH = 18, GAP = 8;
    int left = 60;
    for (size_t i = 0; i < c->nbars; i++)
        if (text_w(c->bars[i]) + 12 > left)
            left = text_w(c->bars[i]) + 12;
    if (left > 260)
        left = 260;
    i128 lo = 0, hi = 0;
    for (size_t i = 0; i < c->nbars; i++) {
        i128 pos = 0, neg = 0;
        for (size_t k = 0; k < c->nparts; k++) {
            i128 v = clamp(c->v[i * c->nparts + k].raw);
            if (v > 0)
                pos = clamp(pos + v);
            else
                neg = clamp(neg + v);
        }
        hi = pos > hi ? pos : hi;
        lo = neg < lo ? neg : lo;
    }
    if (lo == 0 && hi == 0)
        hi = ONE;
    axis a = nice_axis(lo, hi, 5);
    int x0 = left, x1 = W - 24;
    /* The legend is drawn first to learn its height; it goes in a group
     * placed before the bars, so a second buffer is not needed. */
    sbuf leg = {0};
    int top = legend(&leg, x0, x1 - x0, c->nparts, c->parts, c->colors, false) + 8;
    int y_end = top + (int)c->nbars * (BH + GAP);
    int H = y_end + 40;
    svg_open(b, c->id, W, H, c->axis);
    if (leg.s)
        sb_addn(b, leg.s, leg.n);
    b->oom |= leg.oom;
    free(sb_take(&leg));
    char t[LIQ_DEC_STRLEN];
    for (i128 v = a.lo; v <= a.hi; v += a.step) {
        int x = map(v, &a, x0, x1);
        sb_add(b, "<line class=\"grid\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\"/>\n", x,
               top - 4, x, y_end, v == 0 ? "#444" : "#ddd");
        text(b, x, y_end + 14, "middle", "tick", dec_text(v, t));
    }
    for (size_t i = 0; i < c->nbars; i++) {
        int y = top + (int)i * (BH + GAP);
        text(b, x0 - 6, y + 13, "end", "label", c->bars[i]);
        i128 pos = 0, neg = 0;
        bool drawn = false;
        for (size_t k = 0; k < c->nparts; k++) {
            liq_dec d = c->v[i * c->nparts + k];
            i128 v = clamp(d.raw);
            int xa, xb;
            if (v > 0) {
                xa = map(pos, &a, x0, x1);
                pos = clamp(pos + v);
                xb = map(pos, &a, x0, x1);
            } else if (v < 0) {
                xb = map(neg, &a, x0, x1);
                neg = clamp(neg + v);
                xa = map(neg, &a, x0, x1);
            } else {
                continue;
            }
            /* A value too small for a pixel still shows as a sliver. */
            int w = xb - xa > 0 ? xb - xa : 1;
            sb_add(b, "<rect class=\"seg\" data-bar=\"%zu\" data-part=\"%zu\" x=\"%d\" y=\"%d\" "
                      "width=\"%d\" height=\"%d\" fill=\"%s\"><title>",
                   i, k, xa, y, w, BH, c->colors ? c->colors[k] : svg_color(k));
            sb_html(b, c->bars[i]);
            sb_add(b, " — ");
            sb_html(b, c->parts[k]);
            sb_add(b, ": %s ", dec_text(d.raw, t));
            sb_html(b, c->unit);
            sb_add(b, "</title></rect>\n");
            drawn = true;
        }
        if (!drawn)
            text(b, map(0, &a, x0, x1) + 4, y + 13, "start", "zero", "0");
    }
    text(b, (x0 + x1) / 2, H - 8, "middle", "axis", c->axis);
    sb_add(b, "</svg>\n");
}

/* ---- lines ------------------------------------------------------------ */

static void time_label(int64_t secs, bool with_date, char *out, size_t cap)
{
    int64_t days = floor_div(secs, 86400), rem = secs - days * 86400, y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (with_date && rem == 0)
        snprintf(out, cap, "%04lld-%02u-%02u", (long long)y, m, d);
    else
        snprintf(out, cap, "%02d:%02d", (int)(rem / 3600), (int)(rem % 3600 / 60));
}

void svg_lines(sbuf *b, const svg_plot *c)
{
    const int W = 560, PH = 200;
    i128 lo = 0, hi = 0;
    bool any = false;
    for (size_t l = 0; l < c->nlines; l++)
        for (size_t i = 0; i < c->lines[l].n; i++) {
            i128 v = clamp(c->lines[l].y[i].raw);
            lo = !any || v < lo ? v : lo;
            hi = !any || v > hi ? v : hi;
            any = true;
        }
    axis ya = nice_axis(lo, hi, 5);
    char t[LIQ_DEC_STRLEN + 16];
    int lw = 0;
    for (i128 v = ya.lo; v <= ya.hi; v += ya.step)
        if (text_w(dec_text(v, t)) > lw)
            lw = text_w(t);
    int x0 = 28 + lw + 6, x1 = W - 20;
    axis xa = {clamp(c->x_lo.raw), clamp(c->x_hi.raw), 0};
    if (xa.hi <= xa.lo)
        xa.hi = xa.lo + ONE;
    const char **names = mem_calloc(c->nlines ? c->nlines : 1, sizeof *names);
    const char **cols = mem_calloc(c->nlines ? c->nlines : 1, sizeof *cols);
    if (!names || !cols) {
        free(names);
        free(cols);
        b->oom = true;
        return;
    }
    for (size_t l = 0; l < c->nlines; l++) {
        names[l] = c->lines[l].name ? c->lines[l].name : "";
        cols[l] = svg_color(l);
    }
    sbuf leg = {0};
    /* A lone unnamed line (the price path) needs no legend. */
    bool named = c->nlines > 1 || (c->nlines == 1 && c->lines[0].name);
    int top = (named ? legend(&leg, x0, x1 - x0, c->nlines, names, cols, true) : 0) + 12;
    free(names);
    free(cols);
    int y0 = top, y1 = top + PH, H = y1 + 52;
    svg_open(b, c->id, W, H, c->y_axis);
    if (leg.s)
        sb_addn(b, leg.s, leg.n);
    b->oom |= leg.oom;
    free(sb_take(&leg));
    for (i128 v = ya.lo; v <= ya.hi; v += ya.step) {
        int y = map(v, &ya, y1, y0);
        sb_add(b, "<line class=\"grid\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\"/>\n", x0,
               y, x1, y, v == 0 ? "#444" : "#ddd");
        text(b, x0 - 4, y + 4, "end", "tick", dec_text(v, t));
    }
    /* x ticks: whole clock units on a time axis, whole decimal steps
     * otherwise; only those inside the range. */
    if (c->x_time) {
        int64_t s0 = (int64_t)(xa.lo / ONE), s1 = (int64_t)(xa.hi / ONE);
        int64_t st = time_step(s1 - s0 > 0 ? s1 - s0 : 1, 6);
        int64_t last_day = INT64_MIN;
        for (int64_t s = -floor_div(-s0, st) * st; s <= s1; s += st) {
            int x = map((i128)s * ONE, &xa, x0, x1);
            int64_t day = floor_div(s, 86400);
            sb_add(b, "<line class=\"grid\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#eee\"/>\n",
                   x, y0, x, y1);
            time_label(s, false, t, sizeof t);
            text(b, x, y1 + 14, "middle", "tick", t);
            if (day != last_day) {
                time_label(day * 86400, true, t, sizeof t);
                text(b, x, y1 + 27, "middle", "tick", t);
                last_day = day;
            }
        }
    } else {
        i128 st = nice_step(xa.hi - xa.lo, 6);
        for (i128 v = -floor_div(-xa.lo, st) * st; v <= xa.hi; v += st) {
            int x = map(v, &xa, x0, x1);
            sb_add(b, "<line class=\"grid\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#eee\"/>\n",
                   x, y0, x, y1);
            text(b, x, y1 + 14, "middle", "tick", dec_text(v, t));
        }
    }
    sb_add(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>\n",
           x0, y0, x1 - x0, y1 - y0);
    for (size_t l = 0; l < c->nlines; l++) {
        const svg_line *ln = &c->lines[l];
        sb_add(b, "<polyline class=\"series\" data-series=\"%zu\" fill=\"none\" stroke=\"%s\" "
                  "stroke-width=\"2\"%s points=\"",
               l, svg_color(l), l >= 8 ? " stroke-dasharray=\"4 2\"" : "");
        int px = -1, py = -1;
        for (size_t i = 0; i < ln->n; i++) {
            int x = map(ln->x[i].raw, &xa, x0, x1), y = map(ln->y[i].raw, &ya, y1, y0);
            if (ln->step && i > 0 && y != py) {
                sb_add(b, "%d,%d ", x, py);
                px = x;
            }
            if (x != px || y != py)
                sb_add(b, "%d,%d ", x, y);
            px = x;
            py = y;
        }
        if (ln->step && ln->n && px != x1)
            sb_add(b, "%d,%d", x1, py);
        sb_add(b, "\"><title>");
        sb_html(b, ln->name ? ln->name : c->y_axis);
        sb_add(b, "</title></polyline>\n");
    }
    text(b, (x0 + x1) / 2, H - 6, "middle", "axis", c->x_axis);
    sb_add(b, "<text class=\"axis\" x=\"12\" y=\"%d\" text-anchor=\"middle\" "
              "transform=\"rotate(-90 12 %d)\">",
           (y0 + y1) / 2, (y0 + y1) / 2);
    sb_html(b, c->y_axis);
    sb_add(b, "</text>\n</svg>\n");
}

/* ---- heatmap ---------------------------------------------------------- */

/* Light to dark orange by t in 0..1000, in integers. */
static void heat(int t, char out[8])
{
    static const int lo[3] = {255, 245, 235}, hi[3] = {127, 39, 4};
    int rgb[3];
    for (int k = 0; k < 3; k++)
        rgb[k] = lo[k] + (hi[k] - lo[k]) * t / 1000;
    snprintf(out, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

static void with_unit(liq_dec v, const char *unit, char *out, size_t cap)
{
    char d[LIQ_DEC_STRLEN];
    liq_dec_format(v, d);
    /* "10x", "5%"; a currency is spaced: "12.5 USDT". */
    bool tight = unit && (strcmp(unit, "x") == 0 || strcmp(unit, "%") == 0);
    snprintf(out, cap, "%s%s%s", d, unit && *unit && !tight ? " " : "", unit ? unit : "");
}

void svg_heatmap(sbuf *b, const char *id, const liq_grid *g)
{
    char t[LIQ_DEC_STRLEN + 40];
    int maxw = 6 * CHAR_W, ylw = 0;
    i128 lo = 0, hi = 0;
    bool any = false;
    for (size_t k = 0; k < g->nx * g->ny; k++) {
        if (g->present && !g->present[k])
            continue;
        if (text_w(dec_text(g->values[k].raw, t)) > maxw)
            maxw = text_w(t);
        i128 v = clamp(g->values[k].raw);
        lo = !any || v < lo ? v : lo;
        hi = !any || v > hi ? v : hi;
        any = true;
    }
    for (size_t j = 0; j < g->ny; j++) {
        with_unit(g->ys[j], g->y_unit, t, sizeof t);
        if (text_w(t) > ylw)
            ylw = text_w(t);
    }
    int cw = maxw + 12, ch = 24;
    int x0 = 30 + ylw + 8, y0 = 10;
    int x1 = x0 + (int)g->nx * cw, y1 = y0 + (int)g->ny * ch;
    int W = x1 + 16 > x0 + 330 ? x1 + 16 : x0 + 330, H = y1 + 86;
    char label[300];
    snprintf(label, sizeof label, "%s (%s) by %s and %s", g->value_name, g->value_unit, g->y_name,
             g->x_name);
    svg_open(b, id, W, H, label);
    char col[8];
    for (size_t j = 0; j < g->ny; j++) {
        int y = y0 + (int)j * ch;
        with_unit(g->ys[j], g->y_unit, t, sizeof t);
        text(b, x0 - 6, y + 16, "end", "tick", t);
        for (size_t i = 0; i < g->nx; i++) {
            size_t k = j * g->nx + i;
            int x = x0 + (int)i * cw;
            bool has = !g->present || g->present[k];
            int h = !has || hi == lo ? 0 : (int)((clamp(g->values[k].raw) - lo) * 1000 / (hi - lo));
            heat(h, col);
            sb_add(b, "<g class=\"cell\" data-row=\"%zu\" data-col=\"%zu\"><rect x=\"%d\" y=\"%d\" "
                      "width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#fff\"/>",
                   j, i, x, y, cw, ch, has ? col : "#e8e8e8");
            sb_add(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">", x + cw / 2,
                   y + 16, h > 550 ? "#fff" : "#111");
            sb_add(b, "%s</text><title>", has ? dec_text(g->values[k].raw, t) : "n/a");
            with_unit(g->ys[j], g->y_unit, t, sizeof t);
            sb_html(b, t);
            sb_add(b, ", ");
            with_unit(g->xs[i], g->x_unit, t, sizeof t);
            sb_html(b, t);
            sb_add(b, ": ");
            if (has)
                with_unit(g->values[k], g->value_unit, t, sizeof t);
            else
                snprintf(t, sizeof t, "no value");
            sb_html(b, t);
            sb_add(b, "</title></g>\n");
        }
    }
    for (size_t i = 0; i < g->nx; i++) {
        with_unit(g->xs[i], g->x_unit, t, sizeof t);
        text(b, x0 + (int)i * cw + cw / 2, y1 + 14, "middle", "tick", t);
    }
    snprintf(t, sizeof t, "%s (%s)", g->x_name, g->x_unit);
    text(b, (x0 + x1) / 2, y1 + 30, "middle", "axis", t);
    snprintf(t, sizeof t, "%s (%s)", g->y_name, g->y_unit);
    sb_add(b, "<text class=\"axis\" x=\"12\" y=\"%d\" text-anchor=\"middle\" "
              "transform=\"rotate(-90 12 %d)\">",
           (y0 + y1) / 2, (y0 + y1) / 2);
    sb_html(b, t);
    sb_add(b, "</text>\n");
    /* The colour scale: ten steps from the smallest value to the largest. */
    int sy = y1 + 44;
    sb_add(b, "<g class=\"scale\">");
    for (int s = 0; s < 10; s++) {
        heat(s * 1000 / 9, col);
        sb_add(b, "<rect x=\"%d\" y=\"%d\" width=\"20\" height=\"12\" fill=\"%s\"/>", x0 + s * 20, sy,
               col);
    }
    sb_add(b, "</g>\n");
    with_unit((liq_dec){lo}, g->value_unit, t, sizeof t);
    text(b, x0, sy + 26, "start", "tick", any ? t : "no values");
    with_unit((liq_dec){hi}, g->value_unit, t, sizeof t);
    text(b, x0 + 200, sy + 26, "end", "tick", any ? t : "");
    text(b, x0 + 210, sy + 10, "start", "axis", g->value_name);
    sb_add(b, "</svg>\n");
}
