/*
 * cmd_new.c — `liqsim new NAME [--from POLICY] [-o FILE]`: a scaffold.
 *
 * Without --from: every section and key of the format, generated from the
 * loader's table (engine/scaffold.c), each with a comment saying what it
 * means, values that load (placeholders are marked `assumed:` so `liqsim
 * lint` keeps flagging them until replaced).
 * With --from: the other policy's file, renamed, so an author starts from
 * a venue that already works (or use `extends:` to inherit instead).
 * Refuses to overwrite an existing file.
 */
#include "cli.h"
#include "scaffold.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
        "  Write a policy file with every key the loader knows, each with what it means\n"
        "  (optional ones commented out); never overwrites a file.\n",
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
        char *text_new = scaffold_policy(name, today);
        if (!text_new) {
            fclose(f);
            remove(path);
            fputs("liqsim new: out of memory\n", stderr);
            free(o.args);
            return EXIT_RUN;
        }
        fputs(text_new, f);
        free(text_new);
        fclose(f);
    }
    printf("%s\n", path);
    free(o.args);
    return 0;
}
