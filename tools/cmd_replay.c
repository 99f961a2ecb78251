/*
 * cmd_replay.c — `liqsim replay --book BOOK --path PATH POLICY...`: a
 * book of accounts through a mark path, per policy: a summary on stdout
 * (table, json, csv or md), events as NDJSON (--events FILE, or - for
 * stdout, the summary then going to stderr), or one NDJSON stream of
 * events and summaries (--format ndjson); the insurance fund's balance
 * over time as CSV (--fund-csv FILE); a progress bar on a terminal;
 * --format html: one page with charts over time (the engine's replay
 * report, report_replay.c).
 *
 * A failed replay prints no summary. An event stream (--events, or
 * --format ndjson) cannot be taken back once written: its last line then
 * says the stream failed ({"policy":…,"type":"failed","reason":…}), so
 * a reader never takes a cut stream for a whole one (docs/output.md).
 */
#include "cli.h"
#include "policy.h"
#include "scenario.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct sink {
    FILE *events, *fund;
    const char *policy;
    bool progress;
    liq_replay_report *report;   /* --format html */
} sink;

static void on_event(void *ud, const char *line)
{
    sink *s = ud;
    /* Tag each line with its policy: streams of several policies merge. */
    if (s->events)
        fprintf(s->events, "{\"policy\":\"%s\",%s\n", s->policy, line + 1);
    if (s->report)
        liq_replay_report_event(s->report, line);
}

static void on_fund(void *ud, size_t tick, const char *time, liq_dec bal)
{
    sink *s = ud;
    char b[LIQ_DEC_STRLEN];
    liq_dec_format(bal, b);
    if (s->fund)
        fprintf(s->fund, "%s,%zu,%s,%s\n", s->policy, tick, time, b);
    if (s->report)
        liq_replay_report_fund(s->report, tick, time, bal);
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

/* The summary as a JSON object: the library's shape (the JSON API
 * returns the same), read back so each format can frame it. NULL only
 * when out of memory. */
static json_t *summary_json(const char *policy, const liq_replay_summary *s)
{
    char *text = liq_replay_summary_json(policy, s);
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    return o;
}

static void print_text(FILE *out, const char *policy, const liq_replay_summary *s, bool first)
{
    char a[LIQ_DEC_STRLEN], b[LIQ_DEC_STRLEN], c[LIQ_DEC_STRLEN], e[LIQ_DEC_STRLEN];
    char f[LIQ_DEC_STRLEN], g[LIQ_DEC_STRLEN];
    fprintf(out, "%s%s\n", first ? "" : "\n", policy);
    fprintf(out, "  accounts %zu, ticks %zu: %zu liquidated (%zu partial slices), %zu ADL fills, "
                 "%zu socialization rounds, %zu accounts in debt\n",
            s->accounts, s->ticks, s->liquidations, s->partials, s->adl_events,
            s->socialized_events, s->debtors);
    fprintf(out, "  %s%sin %s: loss %s, fees %s, deficit %s, debt owed %s\n",
            s->market ? s->market : "", s->market ? ", " : "",
            s->settlement ? s->settlement : "", D(s->loss_total, a), D(s->fees, b),
            D(s->deficit, c), D(s->debt_total, e));
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
    if (s->has_funding)
        fprintf(out, "  funding paid by open accounts (net) %s\n", D(s->funding_paid, a));
    if (s->has_interest)
        fprintf(out, "  interest paid to the venue on its margin loans %s\n",
                D(s->interest_paid, a));
    if (s->has_margin_calls)
        fprintf(out, "  margin calls %zu\n", s->margin_calls);
    if (s->has_collateral)
        fprintf(out, "  collateral revalued (net change while open) %s\n",
                D(s->collateral_revalued, a));
    if (s->price_note[0])
        fprintf(out, "  (!) %s\n", s->price_note);
}

/* A text cell: a policy's settlement currency is its own string, so a
 * CSV field is quoted (RFC 4180) and a Markdown cell escapes its pipes
 * when the text holds what would split it. */
static void print_cell(FILE *out, const char *text, bool md)
{
    if (!strpbrk(text, md ? "|\r\n" : ",\"\r\n")) {
        fputs(text, out);
        return;
    }
    fputs(md ? "" : "\"", out);
    for (const char *c = text; *c; c++) {
        if (md && (*c == '\r' || *c == '\n'))
            fputc(' ', out);
        else if (md && *c == '|')
            fputs("\\|", out);
        else if (!md && *c == '"')
            fputs("\"\"", out);
        else
            fputc(*c, out);
    }
    fputs(md ? "" : "\"", out);
}

/* CSV and Markdown: one row per policy, the JSON summary's fields
 * flattened (covered_by.adl, insurance_fund.start, ...) in its order.
 * Names need no quoting: policy names are [a-z0-9-], amounts decimals. */
static void print_rows(FILE *out, const char *const *names, const liq_replay_summary *sums,
                       size_t n, bool md)
{
    static const char *const heads[] = {
        "policy", "settlement", "market", "accounts", "ticks", "liquidations", "partial_liquidations", "adl_events",
        "socialized_events", "debtors", "loss_total", "fees", "deficit",
        "covered_by.insurance_fund", "covered_by.adl", "covered_by.socialized",
        "covered_by.liquidity_pool", "covered_by.venue", "covered_by.trader_debt", "debt_total",
        "insurance_fund.start", "insurance_fund.end", "insurance_fund.min"};
    enum { NH = sizeof heads / sizeof *heads };
    const char *sep = md ? " | " : ",";
    /* A note on the path's price columns (a path of several): CSV gains a
     * last column for it, Markdown a list after the table; a path of one
     * prints what it always printed. */
    bool notes = false;
    for (size_t k = 0; k < n; k++)
        notes |= sums[k].price_note[0] != 0;
    fputs(md ? "| " : "", out);
    for (int i = 0; i < NH; i++)
        fprintf(out, "%s%s", i ? sep : "", heads[i]);
    if (notes && !md)
        fputs(",notes", out);
    fputs(md ? " |\n|---|" : "\n", out);
    /* Names left, numbers right: policy, settlement and market are text. */
    for (int i = 1; md && i < NH; i++)
        fputs(i < 3 ? "---|" : "---:|", out);
    fputs(md ? "\n" : "", out);
    for (size_t k = 0; k < n; k++) {
        const liq_replay_summary *s = &sums[k];
        char v[6][LIQ_DEC_STRLEN], a[LIQ_DEC_STRLEN], b[LIQ_DEC_STRLEN], c[LIQ_DEC_STRLEN];
        fprintf(out, "%s%s%s", md ? "| " : "", names[k], sep);
        print_cell(out, s->settlement ? s->settlement : "", md);
        fputs(sep, out);
        print_cell(out, s->market ? s->market : "", md);
        fprintf(out, "%s%zu%s%zu%s%zu%s%zu%s%zu%s%zu%s%zu", sep, s->accounts, sep, s->ticks, sep, s->liquidations, sep, s->partials, sep,
                s->adl_events, sep, s->socialized_events, sep, s->debtors);
        fprintf(out, "%s%s%s%s%s%s", sep, D(s->loss_total, a), sep, D(s->fees, b), sep,
                D(s->deficit, c));
        for (int i = 0; i < 6; i++)
            fprintf(out, "%s%s", sep, D(s->covered[i], v[i]));
        fprintf(out, "%s%s", sep, D(s->debt_total, a));
        /* An unlimited fund has no start, end or low: "unlimited" and
         * what it paid out net of what it received, as the table says. */
        if (s->fund_finite)
            fprintf(out, "%s%s%s%s%s%s", sep, D(s->fund_start, a), sep, D(s->fund_end, b), sep,
                    D(s->fund_min, c));
        else
            fprintf(out, "%sunlimited%s%s%s", sep, sep, D(s->fund_end, b), sep);
        if (notes && !md)
            fprintf(out, ",\"%s\"", s->price_note);   /* holds no quote: pcol_note's text */
        fputs(md ? " |\n" : "\n", out);
    }
    if (notes && md)
        fputs("\n", out);
    for (size_t k = 0; notes && md && k < n; k++)
        if (sums[k].price_note[0])
            fprintf(out, "- %s: %s\n", names[k], sums[k].price_note);
}

/* The stream's last line when a replay failed: the first error, as
 * stderr shows it. */
static void stream_failed(FILE *f, const char *policy, const liq_diags *d)
{
    char why[2048] = "the replay failed";
    for (size_t k = 0; k < d->n; k++)
        if (d->items[k].severity == LIQ_SEV_ERROR) {
            cli_diag_text(&d->items[k], why, sizeof why);
            break;
        }
    json_t *o = json_pack("{s:s s:s s:s}", "policy", policy, "type", "failed", "reason", why);
    char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (line)
        fprintf(f, "%s\n", line);
    free(line);
}

int cmd_replay(int argc, char **argv)
{
    const char *book = NULL, *path = NULL, *events = NULL, *fundcsv = NULL;
    liq_replay_opts ro = {0};
    cli_opts o = {0};
    const cli_option options[] = {
        OPT_STRING_("book", 0, "BOOK",
                    &book, "the accounts: NDJSON or CSV (docs/replay.md); - for stdin"),
        OPT_STRING_("path", 0, "PATH",
                    &path, "the mark path: CSV time,mark[,oracle][,index][,last][,slippage][,depth][,funding][,collateral]; - for stdin"),
        OPT_STRING_("events", 0, "FILE",
                    &events, "NDJSON events (- for stdout; the summary then goes to stderr)"),
        OPT_STRING_("fund-csv", 0, "FILE",
                    &fundcsv, "insurance fund balance over time: policy,tick,time,balance"),
        {OPT_DECIMAL, "slippage", 0, "X", &ro.slippage, NULL,
         "liquidation fill slippage where the path has none (default 0)", NULL, NULL,
         &liq_scenario_schema, "market.liquidation_fill.slippage", 0},
        {OPT_DECIMAL, "insurance-fund", 0, "X", &ro.fund, &ro.has_fund,
         "the fund's starting balance (overrides the policy)", NULL, NULL, &liq_policy_schema,
         "insurance_fund.balance", 0},
        {OPT_DECIMAL, "tick-hours", 0, "H", &ro.tick_hours, &ro.has_tick_hours,
         "hours between the path's ticks: a policy's interest accrues by them", NULL, NULL,
         &liq_scenario_schema, "market.tick_hours", 0},
        {OPT_DECIMAL, "benchmark-rate", 0, "R", &ro.benchmark, &ro.has_benchmark,
         "the annual benchmark a tiered interest adds its spread to (IBKR)", NULL, NULL,
         &liq_scenario_schema, "market.interest_benchmark", 0},
        OPT_STRING_("market", 0, "SYMBOL", &ro.market,
                    "the market the book trades, found at each venue by name or by base and "
                    "quote (default: each policy's first)"),
        OPT_FLAG_("naive", &ro.naive, "scan every account at every tick (for comparison)"),
        OPT_FLAG_("check", &ro.check, "verify conservation at every tick"),
        OPT_FORMAT_(&o, FMT(TABLE) | FMT(JSON) | FMT(CSV) | FMT(MD) | FMT(NDJSON) |
                        FMT(HTML)),
        OPT_END_OF_TABLE,
    };
    const cli_verb verb = {
        "replay", "--book BOOK --path PATH [options] POLICY...",
        "  A book of accounts through a mark path, under each POLICY: a summary per\n"
        "  policy; ndjson: the events and then the summary of each policy as one stream.\n",
        options, 1, -1, false};
    int rc = cli_parse(argc, argv, &verb, &o);
    if (rc >= 0) {
        free(o.args);
        return rc;
    }
    rc = EXIT_USAGE;
    const bool ndjson = o.format == LIQ_FMT_NDJSON;
    bool ev_stdout = events && strcmp(events, "-") == 0;
    if (!book || !path) {
        fprintf(stderr, "liqsim replay: needs --book and --path\n\n");
        cli_usage(&verb, stderr);
        free(o.args);
        return EXIT_USAGE;
    }
    if (strcmp(book, "-") == 0 && strcmp(path, "-") == 0) {
        fputs("liqsim replay: --book and --path cannot both be - (stdin)\n", stderr);
        free(o.args);
        return EXIT_USAGE;
    }
    if (ndjson && events) {
        fputs("liqsim replay: --format ndjson already streams the events to stdout; "
              "drop --events\n", stderr);
        free(o.args);
        return EXIT_USAGE;
    }
    liq_diags d = LIQ_DIAGS_INIT;
    liq_book *b = liq_book_load(book, &d);
    liq_path *p = liq_path_load(path, &d);
    liq_policy **pols = calloc((size_t)o.nargs, sizeof *pols);
    sink s = {.progress = isatty(STDERR_FILENO) != 0};
    bool ok = b && p && pols;
    for (int i = 0; ok && i < o.nargs; i++) {
        char pp[1024];
        if ((rc = cli_find_policy(o.args[i], pp, sizeof pp)) != 0)
            goto out;
        ok = (pols[i] = liq_policy_load(pp, &d)) != NULL;
    }
    if (!ok) {
        rc = cli_print_diags(&d);
        rc = rc ? rc : EXIT_INPUT;
        goto out;
    }
    s.events = ndjson || ev_stdout ? stdout : events ? fopen(events, "w") : NULL;
    s.fund = fundcsv ? fopen(fundcsv, "w") : NULL;
    if ((events && !s.events) || (fundcsv && !s.fund)) {
        fprintf(stderr, "liqsim: cannot write %s\n", events && !s.events ? events : fundcsv);
        rc = EXIT_USAGE;
        goto close;
    }
    if (s.fund)
        fputs("policy,tick,time,balance\n", s.fund);
    if (o.format == LIQ_FMT_HTML && !(s.report = liq_replay_report_new(b, p))) {
        rc = EXIT_RUN;
        goto close;
    }
    ro.on_event = s.events || s.report ? on_event : NULL;
    ro.on_fund = s.fund || s.report ? on_fund : NULL;
    ro.on_progress = on_progress;
    ro.ud = &s;
    FILE *sum = ev_stdout ? stderr : stdout;
    /* The summaries are printed only when all succeed: no partial
     * result on a failure. The ndjson stream writes each policy's
     * summary as it ends, and a "failed" line if one does not. */
    liq_replay_summary *sums = calloc((size_t)o.nargs, sizeof *sums);
    const char **names = calloc((size_t)o.nargs, sizeof *names);
    rc = sums && names ? 0 : EXIT_RUN;
    for (int i = 0; rc == 0 && i < o.nargs; i++) {
        s.policy = names[i] = liq_policy_name(pols[i]);
        if (s.report && !liq_replay_report_begin(s.report, pols[i])) {
            rc = EXIT_RUN;
        } else if (liq_replay(pols[i], b, p, &ro, &sums[i], &d) != LIQ_OK) {
            rc = liq_diags_count(&d, LIQ_SEV_ERROR) && d.items[d.n - 1].code == LIQ_EINPUT
                     ? EXIT_INPUT : EXIT_RUN;
            if (s.events)
                stream_failed(s.events, s.policy, &d);
        } else if (ndjson) {
            json_t *j = summary_json(names[i], &sums[i]);
            json_object_del(j, "policy");
            char *line = json_dumps(j, JSON_COMPACT);
            json_decref(j);
            /* {"policy":…,"type":"summary",…} as the events are tagged. */
            if (line)
                fprintf(stdout, "{\"policy\":\"%s\",\"type\":\"summary\",%s\n", names[i], line + 1);
            free(line);
        }
        if (rc == 0 && s.report && !liq_replay_report_end(s.report, &sums[i]))
            rc = EXIT_RUN;
        if (s.progress)
            fprintf(stderr, "\r%-70s\r", "");
    }
    int drc = cli_print_diags(&d);
    if (rc == 0 && drc == 0 && !ndjson) {
        if (s.report) {
            char *page = liq_replay_report_render(s.report, LIQ_FMT_HTML);
            if (page)
                fputs(page, sum);
            rc = page ? 0 : EXIT_RUN;
            free(page);
        } else if (o.format == LIQ_FMT_JSON) {
            json_t *arr = json_array();
            for (int i = 0; i < o.nargs; i++)
                json_array_append_new(arr, summary_json(names[i], &sums[i]));
            char *txt = json_dumps(arr, JSON_INDENT(2));
            json_decref(arr);
            if (txt)
                fprintf(sum, "%s\n", txt);
            rc = txt ? 0 : EXIT_RUN;
            free(txt);
        } else if (o.format == LIQ_FMT_CSV || o.format == LIQ_FMT_MD) {
            print_rows(sum, names, sums, (size_t)o.nargs, o.format == LIQ_FMT_MD);
        } else {
            for (int i = 0; i < o.nargs; i++)
                print_text(sum, names[i], &sums[i], i == 0);
        }
    } else if (rc == 0) {
        rc = drc;
    }
    free(sums);
    free(names);
close:
    liq_replay_report_free(s.report);
    if (s.events && s.events != stdout)
        fclose(s.events);
    if (s.fund)
        fclose(s.fund);
out:
    liq_book_free(b);
    liq_path_free(p);
    for (int i = 0; pols && i < o.nargs; i++)
        liq_policy_free(pols[i]);
    free(pols);
    liq_diags_free(&d);
    free(o.args);
    if (rc == 0 && fflush(stdout) != 0)
        rc = EXIT_RUN;
    return rc;
}
