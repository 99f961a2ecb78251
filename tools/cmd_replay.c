/*
 * cmd_replay.c — `liqsim replay --book BOOK --path PATH POLICY...`: a
 * book of accounts through a mark path, per policy: a summary (table or
 * JSON) on stdout, events as NDJSON (--events FILE, or - for stdout, the
 * summary then going to stderr), the insurance fund's balance over time
 * as CSV (--fund-csv FILE), a progress bar on a terminal.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: liqsim replay --book BOOK --path PATH [options] POLICY...\n"
    "  BOOK: NDJSON ({id, collateral, mode, positions:[{side,size,entry_price,leverage}]})\n"
    "        or CSV (id,collateral,mode,side,size,entry_price,leverage)\n"
    "  PATH: CSV time,mark[,index,last][,slippage][,depth] (depth: quote notional per 1% move)\n"
    "options:\n"
    "  --events FILE        NDJSON events (- for stdout; the summary then goes to stderr)\n"
    "  --fund-csv FILE      insurance fund balance over time: policy,tick,time,balance\n"
    "  --slippage X         liquidation fill slippage where the path has none (default 0)\n"
    "  --insurance-fund X   the fund's starting balance (overrides the policy)\n"
    "  --naive              scan every account at every tick (for comparison)\n"
    "  --check              verify conservation at every tick\n"
    "  --format table|json  summary format\n";

typedef struct sink {
    FILE *events, *fund;
    const char *policy;
    bool progress;
} sink;

static void on_event(void *ud, const char *line)
{
    sink *s = ud;
    /* Tag each line with its policy: streams of several policies merge. */
    fprintf(s->events, "{\"policy\":\"%s\",%s\n", s->policy, line + 1);
}

static void on_fund(void *ud, size_t tick, const char *time, liq_dec bal)
{
    sink *s = ud;
    char b[LIQ_DEC_STRLEN];
    liq_dec_format(bal, b);
    fprintf(s->fund, "%s,%zu,%s,%s\n", s->policy, tick, time, b);
}

static void on_progress(void *ud, size_t tick, size_t ticks)
{
    sink *s = ud;
    if (!s->progress)
        return;
    int pct = ticks ? (int)(tick * 100 / ticks) : 100;
    char bar[41];
    memset(bar, '#', (size_t)(pct * 40 / 100));
    memset(bar + pct * 40 / 100, ' ', (size_t)(40 - pct * 40 / 100));
    bar[40] = 0;
    fprintf(stderr, "\r%-20.20s [%s] %3d%%", s->policy, bar, pct);
    fflush(stderr);
}

static const char *D(liq_dec v, char *b)
{
    liq_dec_format(v, b);
    return b;
}

static void print_summary(FILE *out, const char *policy, const liq_replay_summary *s, bool json,
                          bool first)
{
    char a[LIQ_DEC_STRLEN], b[LIQ_DEC_STRLEN], c[LIQ_DEC_STRLEN], e[LIQ_DEC_STRLEN];
    static const char *const stages[] = {"insurance_fund", "adl", "socialized", "liquidity_pool",
                                         "venue", "trader_debt"};
    if (json) {
        fprintf(out, "%s{\"policy\":\"%s\",\"accounts\":%zu,\"ticks\":%zu,\"liquidations\":%zu,"
                     "\"partial_liquidations\":%zu,\"adl_events\":%zu,\"socialized_events\":%zu,"
                     "\"debtors\":%zu,\"loss_total\":\"%s\",\"fees\":\"%s\",\"deficit\":\"%s\",",
                first ? "" : ",\n", policy, s->accounts, s->ticks, s->liquidations, s->partials,
                s->adl_events, s->socialized_events, s->debtors, D(s->loss_total, a),
                D(s->fees, b), D(s->deficit, c));
        fprintf(out, "\"covered_by\":{");
        for (int i = 0; i < 6; i++)
            fprintf(out, "%s\"%s\":\"%s\"", i ? "," : "", stages[i], D(s->covered[i], a));
        fprintf(out, "},\"debt_total\":\"%s\",\"insurance_fund\":", D(s->debt_total, a));
        if (s->fund_finite)
            fprintf(out, "{\"start\":\"%s\",\"end\":\"%s\",\"min\":\"%s\"}", D(s->fund_start, a),
                    D(s->fund_end, b), D(s->fund_min, c));
        else
            fprintf(out, "{\"start\":\"unlimited\",\"paid\":\"%s\",\"received_net\":\"%s\"}",
                    D(s->covered[0], a), D(s->fund_end, b));
        fprintf(out, ",\"liquidations_by_tenth\":[");
        for (int i = 0; i < 10; i++)
            fprintf(out, "%s%zu", i ? "," : "", s->buckets[i]);
        fprintf(out, "]}");
        return;
    }
    fprintf(out, "%s%s\n", first ? "" : "\n", policy);
    fprintf(out, "  accounts %zu, ticks %zu: %zu liquidated (%zu partial slices), %zu ADL fills, "
                 "%zu socialization rounds, %zu accounts in debt\n",
            s->accounts, s->ticks, s->liquidations, s->partials, s->adl_events,
            s->socialized_events, s->debtors);
    fprintf(out, "  loss %s, fees %s, deficit %s, debt owed %s\n", D(s->loss_total, a),
            D(s->fees, b), D(s->deficit, c), D(s->debt_total, e));
    char f[LIQ_DEC_STRLEN], g[LIQ_DEC_STRLEN];
    fprintf(out, "  covered: insurance fund %s, ADL %s, socialized %s, pool %s, venue %s, "
                 "trader debt %s\n",
            D(s->covered[0], a), D(s->covered[1], b), D(s->covered[2], c), D(s->covered[3], e),
            D(s->covered[4], f), D(s->covered[5], g));
    if (s->fund_finite)
        fprintf(out, "  insurance fund: start %s, end %s, low %s\n", D(s->fund_start, a),
                D(s->fund_end, b), D(s->fund_min, c));
    else
        fprintf(out, "  insurance fund: unlimited; net of fees received and payouts %s\n",
                D(s->fund_end, a));
    fprintf(out, "  liquidations by tenth of the path:");
    for (int i = 0; i < 10; i++)
        fprintf(out, " %zu", s->buckets[i]);
    fprintf(out, "\n");
}

int cmd_replay(int argc, char **argv)
{
    const char *book = NULL, *path = NULL, *events = NULL, *fundcsv = NULL;
    liq_replay_opts ro = {0};
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0, rc = EXIT_USAGE;
    if (!rest)
        return EXIT_RUN;
    rest[nrest++] = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
        if (strcmp(a, "--book") == 0 && has)
            book = argv[++i];
        else if (strcmp(a, "--path") == 0 && has)
            path = argv[++i];
        else if (strcmp(a, "--events") == 0 && has)
            events = argv[++i];
        else if (strcmp(a, "--fund-csv") == 0 && has)
            fundcsv = argv[++i];
        else if (strcmp(a, "--naive") == 0)
            ro.naive = true;
        else if (strcmp(a, "--check") == 0)
            ro.check = true;
        else if ((strcmp(a, "--slippage") == 0 || strcmp(a, "--insurance-fund") == 0) && has) {
            liq_dec v;
            if (liq_dec_from_str(argv[i + 1], &v) != LIQ_OK || liq_dec_sign(v) < 0) {
                fprintf(stderr, "liqsim: %s takes a decimal >= 0, got \"%s\"\n", a, argv[i + 1]);
                free(rest);
                return EXIT_USAGE;
            }
            if (a[2] == 's')
                ro.slippage = v;
            else
                ro.has_fund = true, ro.fund = v;
            i++;
        } else
            rest[nrest++] = argv[i];
    }
    cli_opts o;
    int prc = cli_parse(nrest, rest, &o, usage);
    free(rest);
    if (prc >= 0) {
        free(o.args);
        return prc;
    }
    if (!book || !path || o.nargs == 0) {
        fputs(usage, stderr);
        free(o.args);
        return EXIT_USAGE;
    }
    liq_diags d = LIQ_DIAGS_INIT;
    liq_book *b = liq_book_load(book, &d);
    liq_path *p = liq_path_load(path, &d);
    liq_policy **pols = calloc((size_t)o.nargs, sizeof *pols);
    bool ok = b && p && pols;
    for (int i = 0; ok && i < o.nargs; i++) {
        char pp[1024];
        if (!cli_policy_path(o.args[i], pp, sizeof pp)) {
            fprintf(stderr, "%s: no such policy file or shipped policy\n", o.args[i]);
            ok = false;
            break;
        }
        ok = (pols[i] = liq_policy_load(pp, &d)) != NULL;
    }
    if (!ok) {
        rc = cli_print_diags(&d);
        rc = rc ? rc : EXIT_INPUT;
        goto out;
    }
    sink s = {.progress = isatty(STDERR_FILENO) != 0};
    bool ev_stdout = events && strcmp(events, "-") == 0;
    s.events = !events ? NULL : ev_stdout ? stdout : fopen(events, "w");
    s.fund = fundcsv ? fopen(fundcsv, "w") : NULL;
    if ((events && !s.events) || (fundcsv && !s.fund)) {
        fprintf(stderr, "liqsim: cannot write %s\n", events && !s.events ? events : fundcsv);
        rc = EXIT_USAGE;
        goto close;
    }
    if (s.fund)
        fputs("policy,tick,time,balance\n", s.fund);
    ro.on_event = s.events ? on_event : NULL;
    ro.on_fund = s.fund ? on_fund : NULL;
    ro.on_progress = on_progress;
    ro.ud = &s;
    FILE *sum = ev_stdout ? stderr : stdout;
    bool json = o.format_set && o.format == LIQ_FMT_JSON;
    /* The summary is built per policy but printed only when all succeed:
     * no partial result on a failure. */
    liq_replay_summary *sums = calloc((size_t)o.nargs, sizeof *sums);
    rc = sums ? 0 : EXIT_RUN;
    for (int i = 0; rc == 0 && i < o.nargs; i++) {
        s.policy = liq_policy_name(pols[i]);
        if (liq_replay(pols[i], b, p, &ro, &sums[i], &d) != LIQ_OK)
            rc = liq_diags_count(&d, LIQ_SEV_ERROR) && d.items[d.n - 1].code == LIQ_EINPUT
                     ? EXIT_INPUT : EXIT_RUN;
        if (s.progress)
            fprintf(stderr, "\r%-70s\r", "");
    }
    int drc = cli_print_diags(&d);
    if (rc == 0 && drc == 0) {
        if (json)
            fputs("[", sum);
        for (int i = 0; i < o.nargs; i++)
            print_summary(sum, liq_policy_name(pols[i]), &sums[i], json, i == 0);
        if (json)
            fputs("]\n", sum);
    } else if (rc == 0) {
        rc = drc;
    }
    free(sums);
close:
    if (s.events && !ev_stdout)
        fclose(s.events);
    if (s.fund)
        fclose(s.fund);
out:
    for (int i = 0; pols && i < o.nargs; i++)
        liq_policy_free(pols[i]);
    free(pols);
    liq_book_free(b);
    liq_path_free(p);
    liq_diags_free(&d);
    free(o.args);
    return rc;
}
