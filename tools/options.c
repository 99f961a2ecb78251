/*
 * options.c — the one option parser every verb uses, as git's
 * parse_options: a verb declares its options as a table (cli_option, see
 * cli.h), and this file reads argv through libc's getopt_long with a
 * struct option array built from that table, checks each value (a
 * decimal within the bounds of the file key it overrides, a count, a
 * format the verb honours), and writes the verb's --help from the same
 * table, so the help cannot drift from what is parsed.
 *
 * It leaves to the verbs what the options mean, and to cli.c how
 * positional arguments name files.
 */
#include "cli.h"
#include "schema.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const char *const format_names[] = {"table", "json", "csv", "md", "ndjson", "html"};
enum { NFORMATS = sizeof format_names / sizeof *format_names };

/* An option's bounds as text: its own, else the file key's. */
static void bounds(const cli_option *op, const char **lo, const char **hi)
{
    *lo = op->lo;
    *hi = op->hi;
    if (op->key_schema && op->key) {
        const field *f = schema_find(op->key_schema, op->key, NULL);
        if (f) {
            *lo = f->lo;
            *hi = f->hi;
        }
    }
}

/* "a decimal from 0 to 1", "a decimal >= 0", "a whole number from 1 to
 * 100000000". */
static void describe(const cli_option *op, char *buf, size_t cap)
{
    const char *lo, *hi;
    bounds(op, &lo, &hi);
    const char *what = op->type == OPT_COUNT ? "a whole number" : "a decimal";
    if (lo && hi)
        snprintf(buf, cap, "%s from %s to %s", what, lo, hi);
    else if (lo)
        snprintf(buf, cap, "%s >= %s", what, lo);
    else if (hi)
        snprintf(buf, cap, "%s <= %s", what, hi);
    else
        snprintf(buf, cap, "%s", what);
}

static void format_list(unsigned mask, char *buf, size_t cap)
{
    size_t used = 0, n = 0, total = 0;
    for (int i = 0; i < NFORMATS; i++)
        total += (mask >> i) & 1;
    buf[0] = 0;
    for (int i = 0; i < NFORMATS && used < cap; i++) {
        if (!((mask >> i) & 1))
            continue;
        n++;
        used += (size_t)snprintf(buf + used, cap - used, "%s%s",
                                 n == 1 ? "" : n == total ? " or " : ", ", format_names[i]);
    }
}

void cli_usage(const cli_verb *v, FILE *f)
{
    fprintf(f, "usage: liqsim %s %s\n", v->name, v->synopsis);
    if (v->about)
        fputs(v->about, f);
    fputs("options:\n", f);
    for (const cli_option *op = v->options; op->type != OPT_END; op++) {
        char left[64], help[400];
        /* "-o, --output FILE", or the long name alone under the "--". */
        snprintf(left, sizeof left, "%c%c%c --%s%s%s", op->short_name ? '-' : ' ',
                 op->short_name ? op->short_name : ' ', op->short_name ? ',' : ' ', op->name,
                 op->argname ? " " : "", op->argname ? op->argname : "");
        snprintf(help, sizeof help, "%s", op->help);
        size_t l = strlen(help);
        char d[200] = "";
        if (op->type == OPT_DECIMAL || op->type == OPT_COUNT) {
            describe(op, d, sizeof d);
            if (op->key) {
                size_t dl = strlen(d);
                snprintf(d + dl, sizeof d - dl, ", as %s", op->key);
            }
        } else if (op->type == OPT_FORMAT) {
            format_list(op->formats, d, sizeof d);
        }
        /* The bounds in the help's own parenthesis when it has one. */
        if (*d && l && help[l - 1] == ')')
            snprintf(help + l - 1, sizeof help - l + 1, "; %s)", d);
        else if (*d)
            snprintf(help + l, sizeof help - l, " (%s)", d);
        fprintf(f, "  %-26s %s\n", left, help);
    }
    fprintf(f, "  %-26s %s\n", "-h, --help", "this text");
    fprintf(f, "  %-26s %s\n", "    --version", "print the version");
    fputs("Exit: 0 ok, 1 run failed, 2 usage, 3 invalid input (docs/output.md).\n", f);
}

/* Read one option's value; false (and a message) when it is not one. */
static bool take(const cli_option *op, const char *arg)
{
    const char *nm = op->name;
    switch (op->type) {
    case OPT_FLAG:
        *(bool *)op->value = true;
        return true;
    case OPT_STRING:
        *(const char **)op->value = arg;
        return true;
    case OPT_STRINGS: {
        cli_strings *l = op->value;
        if (l->n >= CLI_STRINGS_MAX) {
            fprintf(stderr, "liqsim: --%s may be given at most %d times\n", nm, CLI_STRINGS_MAX);
            return false;
        }
        l->v[l->n++] = arg;
        return true;
    }
    case OPT_FORMAT: {
        liq_format fm;
        if (liq_format_parse(arg, &fm) && ((op->formats >> fm) & 1)) {
            *(liq_format *)op->value = fm;
            return true;
        }
        char d[200];
        format_list(op->formats, d, sizeof d);
        fprintf(stderr, "liqsim: --%s takes %s, got %s\n", nm, d, arg);
        return false;
    }
    case OPT_DECIMAL:
    case OPT_COUNT: {
        const char *lo, *hi;
        bounds(op, &lo, &hi);
        liq_dec v, b;
        bool ok = liq_dec_from_str(arg, &v) == LIQ_OK;
        if (ok && op->type == OPT_COUNT) {
            liq_dec q;
            ok = liq_dec_quantize(v, liq_dec_from_int(1), LIQ_ROUND_DOWN, &q) == LIQ_OK &&
                 liq_dec_cmp(q, v) == 0;
        }
        if (ok && lo)
            ok = liq_dec_from_str(lo, &b) == LIQ_OK && liq_dec_cmp(v, b) >= 0;
        if (ok && hi)
            ok = liq_dec_from_str(hi, &b) == LIQ_OK && liq_dec_cmp(v, b) <= 0;
        if (!ok) {
            char d[200];
            describe(op, d, sizeof d);
            fprintf(stderr, "liqsim: --%s takes %s%s%s%s, got \"%s\"\n", nm, d,
                    op->key ? " (as " : "", op->key ? op->key : "", op->key ? ")" : "", arg);
            return false;
        }
        if (op->type == OPT_COUNT) {
            /* Whole, and within bounds that fit a long. */
            *(long *)op->value = (long)(v.raw / (liq_i128)1000000000000);
        } else {
            *(liq_dec *)op->value = v;
        }
        return true;
    }
    case OPT_END:
        break;
    }
    return false;
}

/* The table's width: COLUMNS when set to a number, else the terminal's
 * when stdout is one, else no limit. */
static unsigned table_width(void)
{
    const char *c = getenv("COLUMNS");
    if (c && *c) {
        char *end;
        long v = strtol(c, &end, 10);
        if (*end == 0 && v > 0 && v < 100000)
            return (unsigned)v;
    }
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 0;
}

/* Colour only on a terminal, and never with NO_COLOR (no-color.org: set
 * and not empty) or a dumb terminal. */
static bool want_colour(void)
{
    const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
    return isatty(STDOUT_FILENO) && !(nc && *nc) && !(term && strcmp(term, "dumb") == 0);
}

int cli_parse(int argc, char **argv, const cli_verb *v, cli_opts *o)
{
    o->args = calloc((size_t)argc + 1, sizeof *o->args);
    o->nargs = 0;
    if (!o->args)
        return EXIT_RUN;
    size_t nopt = 0;
    while (v->options[nopt].type != OPT_END)
        nopt++;
    struct option *lo = calloc(nopt + 3, sizeof *lo);
    char shorts[2 * 64 + 4] = "-:h";
    if (!lo)
        return EXIT_RUN;
    enum { HELP = 'h', VERSION = 1000, FIRST = 1001 };
    for (size_t i = 0; i < nopt; i++) {
        const cli_option *op = &v->options[i];
        bool arg = op->type != OPT_FLAG;
        lo[i] = (struct option){op->name, arg ? required_argument : no_argument, NULL,
                                FIRST + (int)i};
        if (op->short_name && strlen(shorts) + 3 < sizeof shorts) {
            size_t l = strlen(shorts);
            shorts[l] = (char)op->short_name;
            shorts[l + 1] = arg ? ':' : 0;
            shorts[l + 2] = 0;
        }
    }
    lo[nopt] = (struct option){"help", no_argument, NULL, HELP};
    lo[nopt + 1] = (struct option){"version", no_argument, NULL, VERSION};
    int rc = -1;
    opterr = 0;
    optind = 0; /* GNU: start afresh */
    int c;
    while (rc < 0 && (c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
        if (c == 1) {
            o->args[o->nargs++] = optarg;
        } else if (c == HELP) {
            cli_usage(v, stdout);
            rc = 0;
        } else if (c == VERSION) {
            printf("liqsim %s\n", LIQSIM_VERSION);
            rc = 0;
        } else if (c == '?' || c == ':') {
            /* The option getopt stopped at: a short one in optopt, a
             * long one the argument just read. */
            char bad[64];
            if (optopt > 0 && optopt < 256)
                snprintf(bad, sizeof bad, "-%c", optopt);
            else
                snprintf(bad, sizeof bad, "%s", argv[optind - 1]);
            if (c == '?')
                fprintf(stderr, "liqsim: unknown option '%s'\n\n", bad);
            else
                fprintf(stderr, "liqsim: %s needs a value\n\n", bad);
            cli_usage(v, stderr);
            rc = EXIT_USAGE;
        } else {
            const cli_option *op = NULL;
            if (c >= FIRST)
                op = &v->options[c - FIRST];
            for (size_t i = 0; !op && i < nopt; i++)
                if (v->options[i].short_name == c)
                    op = &v->options[i];
            if (!op || !take(op, optarg))
                rc = EXIT_USAGE;
            else if (op->given)
                *op->given = true;
        }
    }
    for (int i = optind; rc < 0 && i < argc; i++)
        o->args[o->nargs++] = argv[i];
    free(lo);
    if (rc >= 0)
        return rc;
    if (o->nargs < v->min_args || (v->max_args >= 0 && o->nargs > v->max_args)) {
        cli_usage(v, stderr);
        return EXIT_USAGE;
    }
    if (!o->format_set)
        o->format = v->json_when_piped && !isatty(STDOUT_FILENO) ? LIQ_FMT_JSON : LIQ_FMT_TABLE;
    if (o->format == LIQ_FMT_TABLE) {
        o->width = o->wide ? 0 : table_width();
        o->color = want_colour();
    }
    return -1;
}
