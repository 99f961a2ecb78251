/*
 * svg.h — the charts of the HTML report, drawn as inline SVG by liqsim
 * itself: stacked horizontal bars, lines over time, a heatmap.
 *
 * Geometry is integer arithmetic on the decimals' raw values (no binary
 * floating point anywhere), so a page is byte-identical on every machine.
 * Every number written as text (tick labels, tooltips, cell values) is an
 * exact decimal. Every chart has its axes labelled with their units; the
 * caller passes the labels.
 */
#ifndef LIQ_SVG_H
#define LIQ_SVG_H

#include "liqsim.h"
#include "sbuf.h"

/* Stacked horizontal bars: one bar per row (a venue), one segment per
 * part (unforced, forced, fees). Positive parts stack right of zero,
 * negative ones left of it. */
typedef struct svg_bars {
    const char *id;                  /* the <svg> element's id */
    const char *axis;                /* the value axis, with its unit: "loss (USDT)" */
    const char *unit;                /* for each segment's tooltip: "USDT" */
    size_t nbars, nparts;
    const char *const *bars;         /* nbars labels */
    const char *const *parts;        /* nparts legend entries */
    const liq_dec *v;                /* nbars x nparts, bar by bar */
    const char *const *colors;       /* nparts fills; NULL: the palette */
} svg_bars;
void svg_hbars(sbuf *b, const svg_bars *c);

/* Lines sharing one x axis. */
typedef struct svg_line {
    const char *name;                /* legend entry; NULL: none (a lone line) */
    size_t n;
    const liq_dec *x, *y;            /* n points, x increasing */
    bool step;                       /* hold each y until the next x (and to the axis' end) */
} svg_line;

typedef struct svg_plot {
    const char *id;
    const char *x_axis, *y_axis;     /* labels with units */
    bool x_time;                     /* x is seconds since 1970-01-01 UTC: ticks read as times */
    liq_dec x_lo, x_hi;              /* the x range every line is drawn over */
    size_t nlines;
    const svg_line *lines;
} svg_plot;
void svg_lines(sbuf *b, const svg_plot *c);

/* A heatmap of g (liqsim.h): a cell per value, its exact value written
 * in it, a colour scale from the smallest to the largest value. */
void svg_heatmap(sbuf *b, const char *id, const liq_grid *g);

/* "2020-03-12T00:00Z", "2020-03-12T00:00:00.000Z", "2020-03-12 00:00:00"
 * (UTC; fractions of a second dropped) to seconds since 1970-01-01. */
bool svg_time_parse(const char *s, int64_t *secs);

/* The colour of series or part i (a colour-blind-safe palette). */
const char *svg_color(size_t i);

#endif
