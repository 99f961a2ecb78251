/*
 * bench_stat.h — the runs of one `liqsim bench` figure (`--repeat N`):
 * their median, which the bench prints, and their range beside it.
 *
 * Wall clock on a shared machine moves by a third from run to run, so
 * one run says little; the median of several, taken in one bench run
 * with liqsim and what it is compared against alternating round by
 * round, is what the README quotes. A ratio is the median of each
 * round's own ratio (both sides timed a moment apart), not the ratio of
 * two medians taken at different moments. Timing only: never money.
 */
#ifndef LIQ_BENCH_STAT_H
#define LIQ_BENCH_STAT_H

#include <stdio.h>

/* The most runs of a figure `--repeat` accepts (cmd_bench.c's bound). */
#define BENCH_MAX_REPEAT 9
#define BENCH_MAX_REPEAT_TEXT "9"

typedef struct bench_runs {
    double v[BENCH_MAX_REPEAT];
    int n;
} bench_runs;

static inline void bench_runs_add(bench_runs *r, double x)
{
    if (r->n < BENCH_MAX_REPEAT)
        r->v[r->n++] = x;
}

/* The runs in ascending order, into sorted (insertion sort: n <= 9). */
static inline void bench_runs_sorted(const bench_runs *r, double *sorted)
{
    for (int i = 0; i < r->n; i++) {
        int j = i;
        for (; j > 0 && sorted[j - 1] > r->v[i]; j--)
            sorted[j] = sorted[j - 1];
        sorted[j] = r->v[i];
    }
}

/* The median (of an even count, the mean of the middle two); 0 for none. */
static inline double bench_median(const bench_runs *r)
{
    double s[BENCH_MAX_REPEAT];
    if (!r->n)
        return 0;
    bench_runs_sorted(r, s);
    return r->n % 2 ? s[r->n / 2] : (s[r->n / 2 - 1] + s[r->n / 2]) / 2;
}

static inline double bench_min(const bench_runs *r)
{
    double m = r->n ? r->v[0] : 0;
    for (int i = 1; i < r->n; i++)
        m = r->v[i] < m ? r->v[i] : m;
    return m;
}

static inline double bench_max(const bench_runs *r)
{
    double m = r->n ? r->v[0] : 0;
    for (int i = 1; i < r->n; i++)
        m = r->v[i] > m ? r->v[i] : m;
    return m;
}

/* The index of the run at the median (of an even count, the lower of the
 * middle two), for a figure printed with the parts of that run. */
static inline int bench_median_at(const bench_runs *r)
{
    double s[BENCH_MAX_REPEAT];
    if (!r->n)
        return 0;
    bench_runs_sorted(r, s);
    double m = s[(r->n - 1) / 2];
    for (int i = 0; i < r->n; i++)
        if (r->v[i] == m)
            return i;
    return 0;
}

/* "" for one run, else " [lo-hi of N]" with places decimals, into out. */
static inline const char *bench_range(const bench_runs *r, int places, char *out, size_t cap)
{
    if (r->n < 2)
        out[0] = 0;
    else
        snprintf(out, cap, " [%.*f-%.*f of %d]", places, bench_min(r), places, bench_max(r), r->n);
    return out;
}

#endif
