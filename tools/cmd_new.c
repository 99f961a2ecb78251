/*
 * cmd_new.c — `liqsim new NAME [--from POLICY] [-o FILE]`: a scaffold.
 *
 * Without --from: every section of the format, each key with a comment
 * saying what it means, values that load (placeholders are marked
 * `assumed:` so `liqsim lint` keeps flagging them until replaced).
 * With --from: the other policy's file, renamed, so an author starts from
 * a venue that already works (or use `extends:` to inherit instead).
 * Refuses to overwrite an existing file.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char scaffold[] =
    "# %s — a liqsim policy (format: docs/policy-format.md).\n"
    "# Replace every `assumed:` placeholder with a `source:` id once you have one;\n"
    "# `liqsim lint --strict %s.yaml` stays unhappy until every section is sourced.\n"
    "liqsim: 1\n"
    "name: %s                    # must equal the file name\n"
    "venue: \"TODO venue display name\"\n"
    "product: \"TODO product, e.g. BTCUSDT perpetual\"\n"
    "version: \"%s\"             # the day this file was last revised\n"
    "effective: \"%s\"           # the date of the venue rules it encodes\n"
    "description: >-\n"
    "  TODO: what is special about this venue's liquidation waterfall.\n"
    "\n"
    "sources:                           # id -> where a rule or number comes from\n"
    "  todo:\n"
    "    title: \"TODO: the venue's liquidation help page\"\n"
    "    url: \"https://example.invalid/liquidation\"\n"
    "    date: unknown                   # the page's own date\n"
    "    retrieved: \"%s\"\n"
    "\n"
    "contract:\n"
    "  type: linear                     # linear (PnL in quote) | inverse (PnL in coin)\n"
    "  settlement: USDT                 # currency of collateral and every amount\n"
    "  contract_size: \"1\"             # inverse: quote value of one contract\n"
    "  assumed: \"placeholder from liqsim new\"\n"
    "\n"
    "margin:\n"
    "  modes: [isolated, cross]\n"
    "  max_leverage: 100\n"
    "  maintenance:\n"
    "    model: bracket                 # bracket (deductions keep MM continuous) | step (BitMEX)\n"
    "    base: mark                     # mark (notional at the tested price) | entry\n"
    "    rebracket: false               # true: tier chosen at the liquidation price (Binance)\n"
    "    close_fee_rate: \"0\"          # taker fee to close folded into MM\n"
    "    tiers:                         # MM = notional x rate - deduction\n"
    "      - {up_to: \"50000\", rate: \"0.005\", deduction: \"0\", max_leverage: 100}\n"
    "      - {rate: \"0.01\", deduction: \"250\", max_leverage: 50}\n"
    "    assumed: \"placeholder from liqsim new\"\n"
    "\n"
    "trigger:\n"
    "  price: mark                      # mark | oracle | index | last\n"
    "  # margin_call_at: \"2\"          # margin_call event at equity <= 2 x MM\n"
    "  assumed: \"placeholder from liqsim new\"\n"
    "\n"
    "liquidation:\n"
    "  fill: market                     # market | bankruptcy (venue takes over at bankruptcy)\n"
    "  surplus: trader                  # who keeps equity left after the close: trader | insurance_fund\n"
    "  # partial: {mode: fraction, fraction: \"0.2\", above_notional: \"100000\"}\n"
    "  fee:\n"
    "    rate: \"0.005\"\n"
    "    base: fill_notional            # fill_notional | trigger_notional | entry_notional\n"
    "    cap: remaining_margin          # none | remaining_margin\n"
    "    receiver: insurance_fund       # insurance_fund | venue | liquidator | liquidity_pool\n"
    "  assumed: \"placeholder from liqsim new\"\n"
    "\n"
    "insurance_fund:\n"
    "  balance: unlimited               # or an amount in the settlement currency\n"
    "  assumed: \"placeholder from liqsim new\"\n"
    "\n"
    "adl:\n"
    "  ranking: pnl_times_leverage      # pnl_times_leverage | pnl_times_margin_ratio | pnl_and_leverage | random | none\n"
    "  close_price: bankruptcy          # bankruptcy | mark | oracle\n"
    "  assumed: \"placeholder from liqsim new\"\n"
    "\n"
    "# socialized_loss: {method: clawback}  # clawback (winners, pro rata to profit) | funding (per open base unit)\n"
    "\n"
    "shortfall:\n"
    "  # stages in order: insurance_fund, adl, socialized, liquidity_pool, venue, trader_debt\n"
    "  order: [insurance_fund, adl]\n"
    "  assumed: \"placeholder from liqsim new\"\n"
    "\n"
    "negative_balance:\n"
    "  protection: true                 # false requires trader_debt in shortfall.order and a debt: section\n"
    "  assumed: \"placeholder from liqsim new\"\n"
    "\n"
    "# debt: {actions: [margin_call, collections], deadline_hours: 48}\n"
    "\n"
    "rounding:\n"
    "  price_tick: \"0.1\"\n"
    "  price: conservative              # against the trader: long up, short down\n"
    "  amount_step: \"0.00000001\"\n"
    "  fee: up\n"
    "  assumed: \"placeholder from liqsim new\"\n"
    "\n"
    "# hooks:                           # Lua for the parts that are code: docs/hooks.md\n"
    "#   file: %s.lua\n"
    "#   liquidation_fee: liquidation_fee\n";

static bool valid_name(const char *n)
{
    if (!*n)
        return false;
    for (const char *c = n; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
            return false;
    return true;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            char *b = realloc(buf, cap *= 2);
            if (!b) {
                free(buf);
                buf = NULL;
            }
            buf = b;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = 0;
    return buf;
}

int cmd_new(int argc, char **argv)
{
    const char *from = NULL, *outp = NULL;
    cli_opts o = {0};
    const cli_option options[] = {
        OPT_STRING_("from", 0, "POLICY", &from, "start from this policy's file, renamed"),
        OPT_STRING_("output", 'o', "FILE", &outp, "write FILE (default NAME.yaml)"),
        OPT_END_OF_TABLE,
    };
    const cli_verb verb = {
        "new", "NAME [--from POLICY] [-o FILE]",
        "  Write a policy file with every section, commented; never overwrites a file.\n",
        options, 1, 1, false};
    int rc = cli_parse(argc, argv, &verb, &o);
    if (rc >= 0) {
        free(o.args);
        return rc;
    }
    if (!valid_name(o.args[0])) {
        fputs("liqsim new: NAME uses lowercase letters, digits and '-'\n", stderr);
        free(o.args);
        return EXIT_USAGE;
    }
    const char *name = o.args[0];
    char path[1024];
    snprintf(path, sizeof path, "%s", outp ? outp : "");
    if (!outp)
        snprintf(path, sizeof path, "%s.yaml", name);
    FILE *exists = fopen(path, "r");
    if (exists) {
        fclose(exists);
        fprintf(stderr, "%s: already exists; not overwritten\n", path);
        free(o.args);
        return EXIT_INPUT;
    }
    char *text = NULL;
    if (from) {
        char src[1024];
        if ((rc = cli_find_policy(from, src, sizeof src)) != 0 || !(text = slurp(src))) {
            if (rc == 0)
                fprintf(stderr, "%s: cannot read\n", src);
            free(o.args);
            return rc ? rc : EXIT_INPUT;
        }
        /* Rename: replace the value of the top-level name: line. */
        char *line = strstr(text, "\nname:");
        if (text && strncmp(text, "name:", 5) == 0)
            line = text - 1;
        FILE *f = fopen(path, "w");
        if (!f) {
            fprintf(stderr, "%s: cannot write: %s\n", path, strerror(errno));
            free(text);
            free(o.args);
            return EXIT_INPUT;
        }
        fprintf(f, "# %s — started from %s with `liqsim new --from`; update version, sources and\n"
                   "# every value you change. (To inherit instead of copying: `extends: %s`.)\n",
                name, from, from);
        if (line) {
            char *eol = strchr(line + 1, '\n');
            fwrite(text, 1, (size_t)(line + 1 - text), f);
            fprintf(f, "name: %s", name);
            fputs(eol ? eol : "\n", f);
        } else {
            fprintf(f, "name: %s\n", name);
            fputs(text, f);
        }
        fclose(f);
        free(text);
    } else {
        char today[16];
        time_t now = time(NULL);
        struct tm tmv;
        strftime(today, sizeof today, "%Y-%m-%d", gmtime_r(&now, &tmv));
        FILE *f = fopen(path, "w");
        if (!f) {
            fprintf(stderr, "%s: cannot write: %s\n", path, strerror(errno));
            free(o.args);
            return EXIT_INPUT;
        }
        fprintf(f, scaffold, name, name, name, today, today, today, name);
        fclose(f);
    }
    printf("%s\n", path);
    free(o.args);
    return 0;
}
