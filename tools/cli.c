/*
 * cli.c — shared by every verb: printing diagnostics and results. The
 * library never prints; this file decides what goes to stdout, stderr
 * and the exit code (CONTRACT.md), and the --out directory a verb writes
 * its files in. Options are read in options.c, file arguments resolved in
 * names.c.
 */
#include "cli.h"
#include "result.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One diagnostic as a line of text, as cli_print_diags prints it
 * (without the newline): file:line:col: [warning: ]message. */
void cli_diag_text(const liq_diag *g, char *buf, size_t cap)
{
    liq_diag_text(g, buf, cap);
}

int cli_diag_exit(const liq_diag *g)
{
    return g->code == LIQ_EINPUT || g->code == LIQ_EIO || g->code == LIQ_ESYNTAX ||
                   g->code == LIQ_EPRECISION
               ? EXIT_INPUT
               : EXIT_RUN;
}

bool cli_out_of_memory(const liq_diags *d)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->items[i].severity == LIQ_SEV_ERROR)
            return d->items[i].code == LIQ_ENOMEM;
    return false;
}

void cli_diag_print(void *ud, const liq_diag *g)
{
    (void)ud;
    char line[2048];
    cli_diag_text(g, line, sizeof line);
    fprintf(stderr, "%s\n", line);
}

int cli_print_diags(const liq_diags *d)
{
    int code = 0;
    for (size_t i = 0; i < d->n; i++) {
        const liq_diag *g = &d->items[i];
        cli_diag_print(NULL, g);
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

int cli_print_json(void *root)
{
    char *out = root ? json_dumps(root, JSON_INDENT(2)) : NULL;
    json_decref(root);
    if (!out) {
        fprintf(stderr, "liqsim: out of memory\n");
        return EXIT_RUN;
    }
    puts(out);
    free(out);
    return 0;
}

int cli_out_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0 && mkdir(dir, 0777) != 0) {
        fprintf(stderr, "liqsim: --out %s: cannot create the directory (%s)\n", dir,
                strerror(errno));
        return EXIT_INPUT;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "liqsim: --out %s: not a directory\n", dir);
        return EXIT_INPUT;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        fprintf(stderr, "liqsim: --out %s: cannot write there (%s)\n", dir, strerror(errno));
        return EXIT_INPUT;
    }
    return 0;
}
