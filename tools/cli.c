/*
 * cli.c — shared by every verb: options, finding shipped policies and
 * scenarios, printing diagnostics and results. The library never
 * prints; this file decides what goes to stdout, stderr and the exit
 * code (CONTRACT.md).
 */
#include "cli.h"
#include "result.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef LIQSIM_POLICY_DIR
#define LIQSIM_POLICY_DIR "policies"
#endif
#ifndef LIQSIM_SCENARIO_DIR
#define LIQSIM_SCENARIO_DIR "scenarios"
#endif

/* Where shipped files live: the environment variable, else the source
 * tree the binary was built from, else an install beside the binary
 * (<prefix>/bin/liqsim -> <prefix>/share/liqsim/<what>). */
static const char *data_dir(const char *env, const char *built, const char *what, char *buf,
                            size_t cap)
{
    const char *e = getenv(env);
    if (e && *e)
        return e;
    struct stat st;
    if (stat(built, &st) == 0 && S_ISDIR(st.st_mode))
        return built;
    char exe[1024];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            snprintf(buf, cap, "%s/../share/liqsim/%s", exe, what);
            if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
                return buf;
        }
    }
    return built;
}

const char *cli_policy_dir(void)
{
    static char buf[1100];
    return data_dir("LIQSIM_POLICY_DIR", LIQSIM_POLICY_DIR, "policies", buf, sizeof buf);
}

const char *cli_scenario_dir(void)
{
    static char buf[1100];
    return data_dir("LIQSIM_SCENARIO_DIR", LIQSIM_SCENARIO_DIR, "scenarios", buf, sizeof buf);
}

int cli_parse(int argc, char **argv, cli_opts *o, const char *usage)
{
    memset(o, 0, sizeof *o);
    o->args = calloc((size_t)argc + 1, sizeof *o->args);
    if (!o->args)
        return EXIT_RUN;
    bool only_args = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_args || a[0] != '-' || a[1] == 0) {
            o->args[o->nargs++] = argv[i];
        } else if (strcmp(a, "--") == 0) {
            only_args = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("liqsim %s\n", LIQSIM_VERSION);
            return 0;
        } else if (strcmp(a, "--explain") == 0) {
            o->explain = true;
        } else if (strcmp(a, "--strict") == 0) {
            o->strict = true;
        } else if (strcmp(a, "--format") == 0 || strncmp(a, "--format=", 9) == 0) {
            const char *v = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v || !liq_format_parse(v, &o->format)) {
                fprintf(stderr, "liqsim: --format takes table, json, csv or md%s%s\n",
                        v ? ", got " : "", v ? v : "");
                return EXIT_USAGE;
            }
            o->format_set = true;
        } else {
            fprintf(stderr, "liqsim: unknown option '%s'\n\n%s", a, usage);
            return EXIT_USAGE;
        }
    }
    /* Table on a terminal; JSON when piped, so scripts get exact data. */
    if (!o->format_set)
        o->format = isatty(STDOUT_FILENO) ? LIQ_FMT_TABLE : LIQ_FMT_JSON;
    return -1;
}

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Shipped files are found through an absolute directory; show them
 * relative to the working directory when they sit below it, so messages
 * and traces read "policies/x.yaml:12:3" and do not depend on where the
 * checkout lives. */
static void shorten(char *path, size_t cap)
{
    char cwd[1024];
    if (!getcwd(cwd, sizeof cwd))
        return;
    size_t n = strlen(cwd);
    if (strncmp(path, cwd, n) == 0 && path[n] == '/')
        memmove(path, path + n + 1, strnlen(path + n + 1, cap) + 1);
}

static bool resolve(const char *arg, const char *dir, char *out, size_t cap)
{
    if (is_file(arg)) {
        snprintf(out, cap, "%s", arg);
        return true;
    }
    if (strchr(arg, '/'))
        return false;
    snprintf(out, cap, "%s/%s.yaml", dir, arg);
    if (!is_file(out))
        return false;
    shorten(out, cap);
    return true;
}

bool cli_policy_path(const char *arg, char *out, size_t cap)
{
    return resolve(arg, cli_policy_dir(), out, cap);
}

bool cli_scenario_path(const char *arg, char *out, size_t cap)
{
    return resolve(arg, cli_scenario_dir(), out, cap);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **cli_shipped_policies(size_t *n)
{
    *n = 0;
    DIR *d = opendir(cli_policy_dir());
    if (!d)
        return NULL;
    char **out = NULL;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0 || e->d_name[0] == '.')
            continue;
        /* Worked examples live beside the policies: not policies. */
        if (strstr(e->d_name, ".examples.yaml"))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            char **g = realloc(out, cap * sizeof *g);
            if (!g)
                break;
            out = g;
        }
        size_t plen = strlen(cli_policy_dir()) + len + 2;
        out[*n] = malloc(plen);
        if (!out[*n])
            break;
        snprintf(out[*n], plen, "%s/%s", cli_policy_dir(), e->d_name);
        shorten(out[*n], plen);
        (*n)++;
    }
    closedir(d);
    if (out)
        qsort(out, *n, sizeof *out, cmp_str);
    return out;
}

/* One diagnostic as a line of text, as cli_print_diags prints it
 * (without the newline): file:line:col: [warning: ]message. */
void cli_diag_text(const liq_diag *g, char *buf, size_t cap)
{
    const char *sev = g->severity == LIQ_SEV_WARNING ? "warning: " : "";
    if (g->line > 0 && g->col > 0)
        snprintf(buf, cap, "%s:%d:%d: %s%s", g->file, g->line, g->col, sev, g->msg);
    else if (g->line > 0)
        snprintf(buf, cap, "%s:%d: %s%s", g->file, g->line, sev, g->msg);
    else if (g->file && *g->file)
        snprintf(buf, cap, "%s: %s%s", g->file, sev, g->msg);
    else
        snprintf(buf, cap, "liqsim: %s%s", sev, g->msg);
}

int cli_diag_exit(const liq_diag *g)
{
    return g->code == LIQ_EINPUT || g->code == LIQ_EIO || g->code == LIQ_ESYNTAX ||
                   g->code == LIQ_EPRECISION
               ? EXIT_INPUT
               : EXIT_RUN;
}

int cli_print_diags(const liq_diags *d)
{
    int code = 0;
    for (size_t i = 0; i < d->n; i++) {
        const liq_diag *g = &d->items[i];
        char line[2048];
        cli_diag_text(g, line, sizeof line);
        fprintf(stderr, "%s\n", line);
        if (g->severity == LIQ_SEV_ERROR && code == 0)
            code = cli_diag_exit(g);
    }
    return code;
}

int cli_emit(liq_result *const *rs, size_t n, const cli_opts *o, bool as_array)
{
    liq_render_opts ro = {.format = o->format, .as_array = as_array,
                          .width = o->width, .color = o->color};
    char *out = liq_results_render_opts(rs, n, &ro);
    if (!out) {
        fprintf(stderr, "liqsim: out of memory\n");
        return EXIT_RUN;
    }
    fputs(out, stdout);
    free(out);
    return fflush(stdout) == 0 ? 0 : EXIT_RUN;
}

size_t cli_each_policy(const cli_opts *o, void (*fn)(const char *path, void *ud), void *ud)
{
    size_t np = 0, missing = 0;
    char **shipped = o->nargs ? NULL : cli_shipped_policies(&np);
    if (o->nargs)
        np = (size_t)o->nargs;
    for (size_t i = 0; i < np; i++) {
        const char *arg = shipped ? shipped[i] : o->args[i];
        char path[1024];
        if (cli_policy_path(arg, path, sizeof path)) {
            fn(path, ud);
        } else {
            fprintf(stderr, "%s: no such policy file or shipped policy\n", arg);
            missing++;
        }
    }
    for (size_t i = 0; shipped && i < np; i++)
        free(shipped[i]);
    free(shipped);
    return missing;
}

liq_result *cli_error_row(const liq_policy *p, const liq_scenario *s, const char *why)
{
    return result_new_row(liq_policy_name(p), liq_policy_venue(p), liq_scenario_name(s), RS_ERROR,
                          why);
}
