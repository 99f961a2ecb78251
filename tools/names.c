/*
 * names.c — what a file argument names: a file (a name that is an
 * existing file is a file), "-" for stdin where the verb reads one, or
 * a shipped policy or scenario by name; shipped names that were renamed
 * keep working through policies/aliases.yaml (old-name: new-name). A
 * name that could be two things (a file here and a shipped name, a
 * shipped scenario and a shipped policy) is refused with a message, not
 * guessed. Also lists the shipped policies, each once.
 *
 * Every function here prints its own message when a name resolves to
 * nothing, so the verbs' messages cannot drift apart.
 */
#include "cli.h"
#include "yamltree.h"

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

/* ---- aliases: old shipped names that keep working ----------------------- */

#define ALIASES_FILE "aliases.yaml"

/* The target of a shipped policy name listed in policies/aliases.yaml,
 * copied into out; false when name is no alias. A file that does not
 * read as a map of names to names is reported (path:line:col) once and
 * then treated as empty, *bad set to the exit code its first error
 * implies (EXIT_INPUT; EXIT_RUN when memory ran out). */
static bool alias_target(const char *name, char *out, size_t cap, int *bad)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/" ALIASES_FILE, cli_policy_dir());
    *bad = 0;
    if (!is_file(path))
        return false;
    liq_diags d = LIQ_DIAGS_INIT;
    ydoc *doc = ydoc_load_file(path, &d);
    bool found = false;
    const ynode *root = doc ? doc->root : NULL;
    if (doc && root && root->kind != YN_MAP)
        liq_diags_add(&d, LIQ_SEV_ERROR, LIQ_EINPUT, path, root->line, root->col,
                      "expected a map of old-name: new-name, got a %s", ynode_kind_name(root->kind));
    for (size_t i = 0; !d.n && root && root->kind == YN_MAP && i < root->n; i++) {
        const ynode *v = root->items[i];
        if (v->kind != YN_SCALAR || !*v->text)
            liq_diags_add(&d, LIQ_SEV_ERROR, LIQ_EINPUT, path, v->line, v->col,
                          "%s: expected the new name of the policy, got a %s", root->keys[i]->text,
                          ynode_kind_name(v->kind));
        else if (!found && strcmp(root->keys[i]->text, name) == 0) {
            snprintf(out, cap, "%s", v->text);
            found = true;
        }
    }
    if (d.n) {
        shorten(d.items[0].file, strlen(d.items[0].file) + 1);
        *bad = cli_print_diags(&d);
        found = false;
    }
    liq_diags_free(&d);
    ydoc_free(doc);
    return found;
}

/* ---- resolving an argument ------------------------------------------------ */

/* dir/name.yaml when that is a file, shortened into out. */
static bool shipped(const char *dir, const char *name, char *out, size_t cap)
{
    if (!*name || strchr(name, '/'))
        return false;
    snprintf(out, cap, "%s/%s.yaml", dir, name);
    if (!is_file(out))
        return false;
    shorten(out, cap);
    return true;
}

/* A shipped policy by name, through the aliases. *bad: the exit code when
 * aliases.yaml is broken (already reported), else 0. */
static bool shipped_policy(const char *name, char *out, size_t cap, int *bad)
{
    char target[256];
    *bad = 0;
    if (strcmp(name, "aliases") == 0)
        return false;
    if (shipped(cli_policy_dir(), name, out, cap))
        return true;
    return alias_target(name, target, sizeof target, bad) &&
           shipped(cli_policy_dir(), target, out, cap);
}

static int ambiguous(const char *arg, const char *what)
{
    fprintf(stderr, "%s: both a file here and the name of a shipped %s; write ./%s for the file\n",
            arg, what, arg);
    return EXIT_USAGE;
}

int cli_find_policy(const char *arg, char *out, size_t cap)
{
    char ship[1200];
    int bad;
    bool named = shipped_policy(arg, ship, sizeof ship, &bad);
    if (bad)
        return bad;
    if (is_file(arg)) {
        if (named)
            return ambiguous(arg, "policy");
        snprintf(out, cap, "%s", arg);
        return 0;
    }
    if (named) {
        snprintf(out, cap, "%s", ship);
        return 0;
    }
    fprintf(stderr, "%s: no such policy file or shipped policy\n", arg);
    return EXIT_INPUT;
}

int cli_find_scenario(const char *arg, char *out, size_t cap)
{
    char ship[1200];
    if (strcmp(arg, "-") == 0) {
        snprintf(out, cap, "-");
        return 0;
    }
    bool named = shipped(cli_scenario_dir(), arg, ship, sizeof ship);
    if (is_file(arg)) {
        if (named)
            return ambiguous(arg, "scenario");
        snprintf(out, cap, "%s", arg);
        return 0;
    }
    if (named) {
        snprintf(out, cap, "%s", ship);
        return 0;
    }
    fprintf(stderr, "%s: no such scenario file or shipped scenario\n", arg);
    return EXIT_INPUT;
}

/* A file whose top level has a `liqsim:` key is a policy (the key is
 * required there and unknown to scenarios). Read only as far as needed. */
static bool looks_like_policy(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char line[512];
    bool policy = false;
    for (int i = 0; !policy && i < 4096 && fgets(line, sizeof line, f); i++)
        policy = strncmp(line, "liqsim:", 7) == 0;
    fclose(f);
    return policy;
}

int cli_find_compare_first(const char *arg, char *out, size_t cap, bool *is_scenario)
{
    char ps[1200], ss[1200];
    int bad;
    *is_scenario = false;
    if (strcmp(arg, "-") == 0) {
        *is_scenario = true;
        snprintf(out, cap, "-");
        return 0;
    }
    bool as_policy = shipped_policy(arg, ps, sizeof ps, &bad);
    if (bad)
        return bad;
    bool as_scenario = shipped(cli_scenario_dir(), arg, ss, sizeof ss);
    if (is_file(arg)) {
        if (as_policy || as_scenario)
            return ambiguous(arg, as_policy ? "policy" : "scenario");
        *is_scenario = !looks_like_policy(arg);
        snprintf(out, cap, "%s", arg);
        return 0;
    }
    if (as_policy && as_scenario) {
        fprintf(stderr, "%s: both a shipped scenario and a shipped policy; write %s for the "
                        "scenario or %s for the policy\n", arg, ss, ps);
        return EXIT_USAGE;
    }
    if (as_policy || as_scenario) {
        *is_scenario = as_scenario;
        snprintf(out, cap, "%s", as_scenario ? ss : ps);
        return 0;
    }
    fprintf(stderr, "%s: no such scenario or policy (file or shipped name)\n", arg);
    return EXIT_INPUT;
}

/* ---- listing ---------------------------------------------------------------- */

/* By policy name, the file's without ".yaml": kraken-futures before
 * kraken-futures-inverse, as the Python binding sorts them ('.' sorts
 * after '-', so whole file names would put them the other way round). */
static int cmp_str(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    size_t lx = strlen(x) - 5, ly = strlen(y) - 5;
    int c = strncmp(x, y, lx < ly ? lx : ly);
    return c ? c : (lx > ly) - (lx < ly);
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
        /* Worked examples live beside the policies, and the aliases
         * file names policies: neither is one. An alias names its
         * target, which is listed under its own name: each policy once. */
        if (strstr(e->d_name, ".examples.yaml") || strcmp(e->d_name, ALIASES_FILE) == 0)
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

size_t cli_each_policy(const cli_opts *o, void (*fn)(const char *path, void *ud),
                       void (*missing)(const char *arg, const char *why, void *ud), void *ud)
{
    size_t np = 0, nmissing = 0;
    char **list = o->nargs ? NULL : cli_shipped_policies(&np);
    if (o->nargs)
        np = (size_t)o->nargs;
    for (size_t i = 0; i < np; i++) {
        const char *arg = list ? list[i] : o->args[i];
        char path[1024];
        if (cli_find_policy(arg, path, sizeof path) == 0) {
            fn(path, ud);
        } else {
            if (missing)
                missing(arg, "no such policy file or shipped policy", ud);
            nmissing++;
        }
    }
    for (size_t i = 0; list && i < np; i++)
        free(list[i]);
    free(list);
    return nmissing;
}
