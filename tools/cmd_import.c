/*
 * cmd_import.c — `liqsim import FORMAT RESPONSE --date D [--policy P
 * [--write]]`: a venue's saved public API response as a policy's markets.
 *
 * Without --policy the `sources:` entry and `markets:` list go to stdout,
 * to paste. With --policy the policy is merged (engine/import_yaml.c),
 * loaded to prove it still loads, and printed; --write replaces the file
 * instead, only once the merged text has loaded. Reading the responses is
 * engine/import.c's; this file owns the options and what is printed.
 */
#include "cli.h"
#include "import.h"
#include "schema.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Writes text next to path (so the policy's hooks file resolves the same
 * way) and loads it. Returns the temporary path (caller frees and
 * removes it) or NULL after printing why. */
static char *load_merged(const char *path, const char *text, int *rc)
{
    size_t n = strlen(path) + 64;
    char *tmp = malloc(n);
    if (!tmp) {
        *rc = EXIT_RUN;
        return NULL;
    }
    const char *slash = strrchr(path, '/');
    int dir = slash ? (int)(slash - path + 1) : 0;
    snprintf(tmp, n, "%.*s.%s.import-%ld.yaml", dir, path, path + dir, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
        fprintf(stderr, "%s: cannot write a temporary file beside the policy: %s\n", tmp,
                strerror(errno));
        if (fd >= 0)
            unlink(tmp);
        free(tmp);
        *rc = EXIT_RUN;
        return NULL;
    }
    liq_diags d = LIQ_DIAGS_INIT;
    liq_policy *p = liq_policy_load(tmp, &d);
    if (!p) {
        cli_print_diags(&d);
        fprintf(stderr, "%s: the policy with the imported markets does not load (shown above "
                        "as %s); left unchanged\n",
                path, tmp);
        unlink(tmp);
        free(tmp);
        liq_diags_free(&d);
        *rc = EXIT_INPUT;
        return NULL;
    }
    liq_policy_free(p);
    liq_diags_free(&d);
    return tmp;
}

/* The symbols of --symbols A,B,C as a NULL-terminated list in place. */
static const char **split_symbols(char *list)
{
    size_t n = 2;
    for (const char *c = list; *c; c++)
        n += *c == ',';
    const char **v = calloc(n, sizeof *v);
    if (!v)
        return NULL;
    size_t k = 0;
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ","))
        if (*tok)
            v[k++] = tok;
    return v;
}

int cmd_import(int argc, char **argv)
{
    imp_opts o = {0};
    const char *policy = NULL, *symbols = NULL;
    bool write = false;
    cli_opts co = {0};
    const cli_option options[] = {
        OPT_STRING_("date", 0, "YYYY-MM-DD", &o.date,
                    "the day the response was saved: the source's date (required)"),
        OPT_STRING_("policy", 0, "POLICY", &policy,
                    "merge into POLICY (a path or a shipped name) and print it"),
        OPT_FLAG_("write", &write, "with --policy: rewrite POLICY in place instead of printing"),
        OPT_STRING_("symbols", 0, "A,B", &symbols, "import only these symbols"),
        OPT_STRING_("source-id", 0, "ID", &o.source_id,
                    "the id the markets cite (default FORMAT-DATE)"),
        {OPT_DECIMAL, "contract-value", 0, "X", &o.contract_value, &o.has_contract_value,
         "okx-position-tiers: base units per contract (ctVal)", "0.000000000001",
         "1000000000", NULL, NULL, 0},
        {OPT_DECIMAL, "price", 0, "X", &o.price, &o.has_price,
         "okx-position-tiers: the price size bounds are converted to notional at",
         "0.000000000001", "1000000000000", NULL, NULL, 0},
        OPT_END_OF_TABLE,
    };
    const cli_verb verb = {
        "import", "FORMAT RESPONSE --date YYYY-MM-DD [--policy POLICY [--write]] [options]",
        "  A venue's saved public API response as a policy's markets, citing the file\n"
        "  and its date (docs/import.md). FORMAT is the endpoint it is a response of:\n"
        "    binance-brackets     Binance USD-M GET /fapi/v1/leverageBracket\n"
        "    bybit-risk-limit     Bybit GET /v5/market/risk-limit\n"
        "    okx-position-tiers   OKX GET /api/v5/public/position-tiers\n"
        "                         (with --contract-value and --price)\n"
        "    hyperliquid-meta     Hyperliquid POST /info {\"type\":\"meta\"}\n"
        "  Without --policy the sources: entry and markets: list go to stdout.\n",
        options, 2, 2, false};
    int rc = cli_parse(argc, argv, &verb, &co);
    imp_format fmt = IMP_BINANCE_BRACKETS;
    if (rc < 0 && !imp_format_parse(co.args[0], &fmt)) {
        fprintf(stderr, "liqsim import: unknown format '%s'; expected binance-brackets, "
                        "bybit-risk-limit, okx-position-tiers or hyperliquid-meta\n",
                co.args[0]);
        rc = EXIT_USAGE;
    } else if (rc < 0 && (!o.date || !schema_is_date(o.date))) {
        fprintf(stderr, "liqsim import: --date takes the day the response was saved, "
                        "YYYY-MM-DD%s%s%s\n",
                o.date ? " (got \"" : "", o.date ? o.date : "", o.date ? "\")" : "");
        rc = EXIT_USAGE;
    } else if (rc < 0 && write && !policy) {
        fputs("liqsim import: --write rewrites the file given with --policy\n", stderr);
        rc = EXIT_USAGE;
    }
    char symbuf[4096];
    const char **only = NULL;
    if (rc < 0 && symbols) {
        snprintf(symbuf, sizeof symbuf, "%s", symbols);
        if (!(only = split_symbols(symbuf)))
            rc = EXIT_RUN;
        o.only = only;
    }
    if (rc >= 0) {
        free(co.args);
        free(only);
        return rc;
    }
    const char *response = co.args[1];

    char ppath[1200];
    if (policy && (rc = cli_find_policy(policy, ppath, sizeof ppath)) != 0) {
        free(co.args);
        free(only);
        return rc;
    }
    liq_diags d = LIQ_DIAGS_INIT;
    imp_set *s = imp_read(fmt, response, &o, &d);
    rc = cli_print_diags(&d);
    liq_diags_free(&d);
    if (!s) {
        free(co.args);
        free(only);
        return rc ? rc : EXIT_INPUT;
    }
    rc = 0;
    if (!policy) {
        char *text = imp_yaml_fragment(s, &o);
        if (text)
            fputs(text, stdout);
        rc = text ? 0 : EXIT_RUN;
        free(text);
    } else {
        /* The policy must load as it is before anything is added to it. */
        liq_policy *before = liq_policy_load(ppath, &d);
        if (!before) {
            cli_print_diags(&d);
            rc = EXIT_INPUT;
        }
        liq_policy_free(before);
        liq_diags_free(&d);
        size_t added = 0, replaced = 0;
        char *text = rc ? NULL : imp_merge(ppath, s, &o, &added, &replaced, &d);
        if (!rc && !text) {
            int r2 = cli_print_diags(&d);
            rc = r2 ? r2 : EXIT_INPUT;
        }
        liq_diags_free(&d);
        char *tmp = text ? load_merged(ppath, text, &rc) : NULL;
        if (tmp && write) {
            if (rename(tmp, ppath) != 0) {
                fprintf(stderr, "%s: cannot replace: %s\n", ppath, strerror(errno));
                unlink(tmp);
                rc = EXIT_RUN;
            } else {
                char id[128];
                fprintf(stderr, "%s: %zu market%s added, %zu replaced (source %s)\n", ppath,
                        added, added == 1 ? "" : "s", replaced, imp_source_id(s, &o, id, sizeof id));
            }
        } else if (tmp) {
            unlink(tmp);
            fputs(text, stdout);
        }
        free(tmp);
        free(text);
    }
    imp_set_free(s);
    free(co.args);
    free(only);
    return rc;
}
