/*
 * cmd_audit.c — `liqsim audit POLICY... [--cases N] [--seed S] [--out
 * DIR]`: a property audit of each policy (engine/audit.h). Generates the
 * cases, checks every property on each, shrinks the first failure of
 * each property to its smallest counterexample, writes it as a scenario
 * file (two for a monotonicity failure: the case and the variant it is
 * compared with) and checks that the written file evaluates as the case
 * did; then reports, per property, how many cases checked it and how
 * many failed, and which branches of the waterfall the cases reached.
 * One book of a few such positions per 100 cases is replayed with its
 * ledger checked at every tick; a failing one is written as a book and a
 * path that `liqsim replay --check` reproduces.
 *
 * The cases run on the case runner (engine/runner.h): every policy's
 * cases, then its books, numbered one after the other over the run,
 * threads over them (--jobs), a deterministic share (--shard K/N, with
 * --format ndjson). What a run counts is the runner's summary
 * (engine/audit_tally.c); the report is written from it on this thread,
 * the first failure of each property generated again from (seed, id) and
 * shrunk here, so the report, the shrinking and the files are the same
 * whatever --jobs is. --format ndjson writes a line for each failing
 * case or book (its case number, shard, scenario id, policy, the
 * properties it fails and how) and the summary line `liqsim merge`
 * combines.
 *
 * Exit 0 when every property held, 1 when one failed (the report is
 * printed all the same: it is the answer), 2 usage, 3 a policy that does
 * not load or an --out directory that cannot be written (nothing on
 * stdout). The same seed gives the same cases and the same report.
 */
#include "cli.h"
#include "audit.h"
#include "runner.h"
#include "sbuf.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHRINK_BUDGET 2000

typedef struct audit_opts {
    long cases, seed, jobs;
    const char *out, *shard;
    liq_format format;
} audit_opts;

/* One audited policy as this thread holds it: loaded, its context (for
 * the report and the shrinking) and its accumulators in the run. */
typedef struct apol {
    char *path;
    liq_policy *p;
    audit_ctx *c;
    unsigned applicable;
    audit_accs acc;
} apol;

/* What every thread reads; set before the run, never written in it. */
typedef struct actx {
    const audit_opts *o;
    apol *pols;
    size_t np;
    uint64_t nbooks, per;      /* books per policy; cases + books per policy */
} actx;

/* A thread's own: each policy loaded again (a policy's Lua state is one
 * thread's) with its context. */
typedef struct aworker {
    const actx *x;
    liq_policy **p;
    audit_ctx **c;
    char detail[AP_COUNT][AUDIT_DETAIL];
} aworker;

typedef struct report {
    const audit_opts *o;
    int rc;
    sbuf text;
    json_t *report;
} report;

/* The outcome of one evaluation, to compare a written file with its case. */
static bool outcome(liq_policy *p, const liq_scenario *s, char *buf, size_t cap)
{
    liq_diags d = LIQ_DIAGS_INIT;
    liq_eval_opts eo = {.quiet = true};
    liq_result *r = liq_eval(p, s, &eo, &d);
    if (!r) {
        const liq_diag *g = NULL;
        for (size_t i = 0; !g && i < d.n; i++)
            if (d.items[i].severity == LIQ_SEV_ERROR)
                g = &d.items[i];
        snprintf(buf, cap, "error: %s", g ? g->msg : "?");
    } else {
        liq_dec lost = LIQ_DEC_ZERO;
        char b1[LIQ_DEC_STRLEN], b2[LIQ_DEC_STRLEN], b3[LIQ_DEC_STRLEN];
        (void)result_trader_lost(r, &lost);
        liq_dec_format(lost, b1);
        liq_dec_format(r->final_balance, b2);
        liq_dec_format(r->total, b3);
        snprintf(buf, cap, "%s lost %s balance %s total %s", liq_result_status(r), b1, b2, b3);
    }
    liq_result_free(r);
    liq_diags_free(&d);
    return r != NULL;
}

/* Write one scenario file of the counterexample and check that, loaded
 * back, it evaluates as the case did. Returns the path written (caller
 * frees) or NULL (*why says why). */
static char *write_case(audit_ctx *c, const audit_case *k, const char *dir, const char *stem,
                        const char *yaml, bool *reproduces, char *why, size_t cap)
{
    *reproduces = false;
    size_t len = strlen(dir) + strlen(stem) + 8;
    char *path = malloc(len);
    if (!path) {
        snprintf(why, cap, "out of memory");
        return NULL;
    }
    snprintf(path, len, "%s/%s.yaml", dir, stem);
    FILE *f = fopen(path, "w");
    bool ok = f && fputs(yaml, f) >= 0;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok) {
        snprintf(why, cap, "%s: %s", path, strerror(errno));
        free(path);
        return NULL;
    }
    liq_diags d = LIQ_DIAGS_INIT;
    liq_scenario *s = liq_scenario_load(path, &d);
    if (s) {
        char a[300], b[300];
        outcome(c->p, s, a, sizeof a);
        /* Evaluated under the file's name: messages name the scenario. */
        liq_scenario *t = audit_case_apply(c, k);
        char *own = t->r.name.v;
        t->r.name.v = (char *)s->r.name.v;
        outcome(c->p, t, b, sizeof b);
        t->r.name.v = own;
        *reproduces = strcmp(a, b) == 0;
    }
    liq_scenario_free(s);
    liq_diags_free(&d);
    return path;
}

/* The report of one policy from its tally (the run's totals). */
static void report_one(report *u, apol *ap, audit_tally *t)
{
    const audit_opts *o = u->o;
    audit_ctx *c = ap->c;
    const char *name = liq_policy_name(ap->p), *path = ap->path;
    unsigned applicable = ap->applicable;
    audit_book first_book = t->first_book;
    char book_detail[AUDIT_DETAIL] = "";
    cov_set cov = t->cov;
    json_t *jp = json_array(), *jo = json_object();
    sbuf *tx = &u->text;
    size_t nfailed = 0;
    sb_add(tx, "audit %s: %ld cases, seed %ld\n", name, o->cases, o->seed);
    for (int pr = 0; pr < AP_COUNT; pr++) {
        json_t *j = json_pack("{s:s s:s}", "property", audit_prop_ids[pr], "name",
                              audit_prop_names[pr]);
        if (!((applicable >> pr) & 1u)) {
            json_object_set_new(j, "applies", json_false());
            json_array_append_new(jp, j);
            sb_add(tx, "  n/a   %s\n", audit_prop_names[pr]);
            continue;
        }
        json_object_set_new(j, "applies", json_true());
        json_object_set_new(j, "checked", json_integer((json_int_t)t->checked[pr]));
        json_object_set_new(j, "failed", json_integer((json_int_t)t->failed[pr]));
        if (!t->failed[pr]) {
            sb_add(tx, "  ok    %-50s %zu checked\n", audit_prop_names[pr], t->checked[pr]);
            json_array_append_new(jp, j);
            continue;
        }
        nfailed++;
        if (pr == AP_REPLAY) {
            size_t spent = audit_book_shrink(c, &first_book, SHRINK_BUDGET);
            audit_book_check(c, &first_book, book_detail, sizeof book_detail);
            sb_add(tx, "  FAIL  %-50s %zu checked, %zu failed\n", audit_prop_names[pr],
                   t->checked[pr], t->failed[pr]);
            sb_add(tx, "        book of %zu accounts, shrunk in %zu replays: %s\n", first_book.n,
                   spent, book_detail);
            json_t *files = json_array();
            char *texts[2] = {audit_book_ndjson(c, &first_book), audit_book_path_csv(c, &first_book)};
            static const char *const ext[2] = {"book.ndjson", "path.csv"};
            for (int w = 0; w < 2; w++) {
                char stem[200];
                snprintf(stem, sizeof stem, "%s-%s-%s", name, audit_prop_ids[pr], ext[w]);
                json_t *jf = json_pack("{s:s s:s}", "name", stem, "text", texts[w] ? texts[w] : "");
                if (o->out && texts[w]) {
                    char fp[1200];
                    snprintf(fp, sizeof fp, "%s/%s", o->out, stem);
                    FILE *f = fopen(fp, "w");
                    bool ok = f && fputs(texts[w], f) >= 0;
                    if (f && fclose(f) != 0)
                        ok = false;
                    if (!ok) {
                        fprintf(stderr, "liqsim: could not write the counterexample: %s: %s\n",
                                fp, strerror(errno));
                        u->rc = EXIT_RUN;
                    } else {
                        json_object_set_new(jf, "file", json_string(fp));
                        sb_add(tx, "        counterexample: %s\n", fp);
                    }
                } else if (texts[w]) {
                    sb_add(tx, "        %s (--out DIR writes it):\n%s", ext[w], texts[w]);
                }
                json_array_append_new(files, jf);
                free(texts[w]);
            }
            json_object_set_new(j, "counterexample",
                                json_pack("{s:I s:I s:s s:o}", "accounts", (json_int_t)first_book.n,
                                          "shrink_replays", (json_int_t)spent, "detail",
                                          book_detail, "files", files));
            json_array_append_new(jp, j);
            continue;
        }
        audit_case k = t->first[pr];
        uint64_t first_id = t->first_id[pr];
        size_t spent = audit_shrink(c, &k, pr, SHRINK_BUDGET);
        char detail[AP_COUNT][AUDIT_DETAIL];
        memset(detail, 0, sizeof detail);
        audit_check(c, &k, 1u << pr, NULL, NULL, detail, NULL);
        sb_add(tx, "  FAIL  %-50s %zu checked, %zu failed\n", audit_prop_names[pr],
               t->checked[pr], t->failed[pr]);
        sb_add(tx, "        case %llu, shrunk in %zu evaluations: %s\n",
               (unsigned long long)first_id, spent, detail[pr]);
        char note[AUDIT_DETAIL + 200];
        snprintf(note, sizeof note,
                 "liqsim audit %s --seed %ld: case %llu breaks \"%s\"\n%s", name, o->seed,
                 (unsigned long long)first_id, audit_prop_names[pr], detail[pr]);
        int kind = audit_prop_vary(pr);
        audit_case v = k;
        bool has_variant = kind != AV_NONE && audit_case_vary(c, &k, kind, k.delta[kind - 1], &v);
        json_t *files = json_array();
        for (int w = 0; w < (has_variant ? 2 : 1); w++) {
            char stem[200];
            snprintf(stem, sizeof stem, "%s-%s%s", name, audit_prop_ids[pr], w ? "-variant" : "");
            char *yaml = audit_case_yaml(c, w ? &v : &k, stem,
                                         w ? "the variant the case above is compared with"
                                           : note);
            if (!yaml) {
                u->rc = EXIT_RUN;
                continue;
            }
            json_t *jf = json_pack("{s:s s:s}", "name", stem, "scenario", yaml);
            if (o->out) {
                bool rep = false;
                char why[300] = "";
                char *fp = write_case(c, w ? &v : &k, o->out, stem, yaml, &rep, why, sizeof why);
                if (!fp) {
                    fprintf(stderr, "liqsim: could not write the counterexample: %s\n", why);
                    u->rc = EXIT_RUN;
                } else {
                    json_object_set_new(jf, "file", json_string(fp));
                    json_object_set_new(jf, "reproduces", json_boolean(rep));
                    sb_add(tx, "        counterexample: %s (%s)\n", fp,
                           rep ? "eval reproduces it" : "WARNING: eval of the file differs");
                    free(fp);
                }
            } else {
                sb_add(tx, "        counterexample%s (--out DIR writes it):\n", w ? " variant" : "");
                for (const char *l = yaml; *l;) {
                    const char *nl = strchr(l, '\n');
                    size_t len = nl ? (size_t)(nl - l) : strlen(l);
                    sb_add(tx, "          %.*s\n", (int)len, l);
                    l += len + (nl ? 1 : 0);
                }
            }
            json_array_append_new(files, jf);
            free(yaml);
        }
        json_object_set_new(j, "counterexample",
                            json_pack("{s:I s:I s:s s:o}", "case", (json_int_t)first_id,
                                      "shrink_evaluations", (json_int_t)spent, "detail",
                                      detail[pr], "files", files));
        json_array_append_new(jp, j);
    }
    /* Coverage: the branches reached, and those never reached. */
    json_t *reached = json_array(), *never = json_array();
    sb_add(tx, "  reached (of %zu evaluated cases):", cov.results);
    size_t nr = 0, nn = 0;
    for (size_t i = 0; i < cov.n; i++)
        if (cov.b[i].hits) {
            sb_add(tx, "%s %s (%zu)", nr++ ? "," : "", cov.b[i].label, cov.b[i].hits);
            json_array_append_new(reached, json_pack("{s:s s:I}", "branch", cov.b[i].label,
                                                     "cases", (json_int_t)cov.b[i].hits));
        }
    sb_add(tx, "%s\n", nr ? "" : " none");
    for (size_t i = 0; i < cov.n; i++)
        if (!cov.b[i].hits) {
            sb_add(tx, "%s%s", nn++ ? ", " : "  never reached: ", cov.b[i].label);
            json_array_append_new(never, json_string(cov.b[i].label));
        }
    if (nn)
        sb_add(tx, "\n");
    sb_add(tx, "\n");
    json_object_set_new(jo, "policy", json_string(name));
    json_object_set_new(jo, "file", json_string(path));
    json_object_set_new(jo, "cases", json_integer(o->cases));
    json_object_set_new(jo, "seed", json_integer(o->seed));
    json_object_set_new(jo, "properties", jp);
    json_object_set_new(jo, "coverage", json_pack("{s:I s:o s:o}", "evaluated",
                                                  (json_int_t)cov.results, "reached", reached,
                                                  "never_reached", never));
    json_object_set_new(jo, "failed", json_integer((json_int_t)nfailed));
    json_array_append_new(u->report, jo);
    if (nfailed && !u->rc)
        u->rc = EXIT_RUN;
}

/* ------------------------------------------------------------------ */
/* The run                                                              */
/* ------------------------------------------------------------------ */

static void worker_free(void *ud, void *wp)
{
    const actx *x = ud;
    aworker *w = wp;
    if (!w)
        return;
    for (size_t i = 0; i < x->np; i++) {
        if (w->c)
            audit_ctx_free(w->c[i]);
        if (w->p)
            liq_policy_free(w->p[i]);
    }
    free(w->c);
    free(w->p);
    free(w);
}

static void *worker_new(void *ud, unsigned index, liq_diags *d)
{
    (void)index;
    const actx *x = ud;
    aworker *w = calloc(1, sizeof *w);
    if (w) {
        w->x = x;
        w->p = calloc(x->np, sizeof *w->p);
        w->c = calloc(x->np, sizeof *w->c);
    }
    bool ok = w && w->p && w->c;
    for (size_t i = 0; ok && i < x->np; i++)
        ok = (w->p[i] = liq_policy_load(x->pols[i].path, d)) != NULL &&
             (w->c[i] = audit_ctx_new(w->p[i])) != NULL;
    if (!ok) {
        if (!d->n)
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, "", 0, 0, "out of memory");
        worker_free(ud, w);
        return NULL;
    }
    return w;
}

/* The case line of a failing case or book: what it is, the properties
 * it fails and how. */
static liq_status emit_failure(run_out *out, const apol *ap, const char *what, uint64_t id,
                               unsigned bad, char (*detail)[AUDIT_DETAIL])
{
    char scen[64];
    snprintf(scen, sizeof scen, "%s-%llu", what, (unsigned long long)id);
    json_t *o = json_pack("{s:s s:s}", "scenario", scen, "policy", liq_policy_name(ap->p));
    json_t *f = json_array();
    for (int p = 0; p < AP_COUNT; p++)
        if ((bad >> p) & 1u)
            json_array_append_new(f, json_pack("{s:s s:s}", "property", audit_prop_ids[p],
                                               "detail", detail[p]));
    json_object_set_new(o, "failed", f);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!text)
        return LIQ_ENOMEM;
    run_emit(out, text, strlen(text));
    free(text);
    return LIQ_OK;
}

/* Case id of the run: policy id / per, then its case (below --cases) or
 * its book. */
static liq_status run_one(void *wp, const run_case *rc, run_out *out)
{
    aworker *w = wp;
    const actx *x = w->x;
    size_t pi = (size_t)(rc->id / x->per);
    uint64_t local = rc->id % x->per, cases = (uint64_t)x->o->cases;
    const apol *ap = &x->pols[pi];
    uint64_t seed = (uint64_t)x->o->seed;
    bool lines = x->o->format == LIQ_FMT_NDJSON;
    if (local < cases) {
        if (lines)
            memset(w->detail, 0, sizeof w->detail);
        unsigned bad = audit_tally_case(w->c[pi], &ap->acc, seed, local, ap->applicable, out,
                                        lines ? w->detail : NULL);
        return bad && lines ? emit_failure(out, ap, "case", local, bad, w->detail) : LIQ_OK;
    }
    char *why = w->detail[AP_REPLAY];
    why[0] = 0;
    bool held = audit_tally_book(w->c[pi], &ap->acc, seed, local - cases, out, why, AUDIT_DETAIL);
    return !held && lines ? emit_failure(out, ap, "book", local - cases, 1u << AP_REPLAY, w->detail)
                          : LIQ_OK;
}

static void write_out(void *ud, const char *text, size_t len)
{
    const actx *x = ud;
    if (x->o->format == LIQ_FMT_NDJSON)
        fwrite(text, 1, len, stdout);
}

/* The run's identity for merge: the verb, the policies, the cases and
 * the seed. Caller frees. */
static char *run_identity(const actx *x)
{
    json_t *ps = json_array();
    for (size_t i = 0; i < x->np; i++)
        json_array_append_new(ps, json_string(liq_policy_name(x->pols[i].p)));
    json_t *o = json_pack("{s:s s:o s:I s:I}", "verb", "audit", "policies", ps, "cases",
                          (json_int_t)x->o->cases, "seed", (json_int_t)x->o->seed);
    char *t = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return t;
}

/* Collects the policies' paths (cli_each_policy). */
typedef struct paths {
    apol *pols;
    size_t n;
    bool oom;
} paths;

static void add_path(const char *path, void *ud)
{
    paths *ps = ud;
    apol *a = realloc(ps->pols, (ps->n + 1) * sizeof *a);
    if (!a || !(memset(&a[ps->n], 0, sizeof *a), a[ps->n].path = strdup(path))) {
        ps->oom = true;
        if (a)
            ps->pols = a;
        return;
    }
    ps->pols = a;
    ps->n++;
}

static void free_pols(apol *pols, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        audit_ctx_free(pols[i].c);
        liq_policy_free(pols[i].p);
        free(pols[i].path);
    }
    free(pols);
}

/* Every policy loaded here first: one that does not load is exit 3 with
 * nothing on stdout, before any case runs. */
static int load_pols(const cli_opts *co, paths *ps)
{
    memset(ps, 0, sizeof *ps);
    bool missing = cli_each_policy(co, add_path, NULL, ps) != 0;
    if (ps->oom) {
        fprintf(stderr, "liqsim: out of memory\n");
        return EXIT_RUN;
    }
    liq_diags d = LIQ_DIAGS_INIT;
    bool loaded = !missing, oom = false;
    for (size_t i = 0; i < ps->n; i++) {
        apol *a = &ps->pols[i];
        if (!(a->p = liq_policy_load(a->path, &d))) {
            loaded = false;
            continue;
        }
        if (!(a->c = audit_ctx_new(a->p)))
            oom = true;
        else
            a->applicable = audit_applicable(a->c);
    }
    cli_print_diags(&d);
    int rc = oom || cli_out_of_memory(&d) ? EXIT_RUN : loaded ? 0 : EXIT_INPUT;
    if (oom)
        fprintf(stderr, "liqsim: out of memory\n");
    liq_diags_free(&d);
    return rc;
}

/* Runs every case of the shard, then writes the report (table, json)
 * or the summary line (ndjson). The exit code. */
static int audit_run(const audit_opts *o, apol *pols, size_t np)
{
    run_opts ro = {.jobs = (unsigned)o->jobs, .seed = (uint64_t)o->seed};
    if (o->shard)
        run_shard_parse(o->shard, &ro.shard_k, &ro.shard_n);
    /* Books: one per 100 cases, at least one. */
    uint64_t nbooks = o->cases / 100 ? (uint64_t)o->cases / 100 : 1;
    actx x = {o, pols, np, nbooks, (uint64_t)o->cases + nbooks};
    char *ident = run_identity(&x);
    run_spec spec = {.ncases = x.per * np, .worker_new = worker_new, .worker_free = worker_free,
                     .run_case = run_one, .write = write_out, .on_diag = cli_diag_print, .ud = &x,
                     .run_json = ident};
    run *r = ident ? run_new(&spec, &ro) : NULL;
    bool ok = r != NULL;
    for (size_t i = 0; ok && i < np; i++)
        ok = audit_accs_declare(r, pols[i].c, &pols[i].acc);
    if (!ok) {
        fprintf(stderr, "liqsim: out of memory\n");
        run_free(r);
        free(ident);
        return EXIT_RUN;
    }
    int rc = 0;
    liq_diags d = LIQ_DIAGS_INIT;
    if (run_go(r, &d) != LIQ_OK) {
        cli_print_diags(&d);
        rc = EXIT_RUN;
    }
    liq_diags_free(&d);
    if (rc == 0 && o->format == LIQ_FMT_NDJSON) {
        bool overflow;
        char *summary = run_summary_json(r, &overflow);
        if (!summary) {
            fprintf(stderr, "liqsim: out of memory\n");
            rc = EXIT_RUN;
        } else {
            puts(summary);
            free(summary);
            for (size_t i = 0; i < np; i++)
                for (int p = 0; p < AP_COUNT; p++)
                    if (run_acc_total(r, pols[i].acc.failed[p]))
                        rc = EXIT_RUN;
        }
    } else if (rc == 0) {
        report u = {o, 0, {0}, json_array()};
        audit_tally *t = malloc(sizeof *t);
        for (size_t i = 0; t && i < np; i++) {
            audit_tally_read(pols[i].c, &pols[i].acc, r, (uint64_t)o->seed, pols[i].applicable, t);
            report_one(&u, &pols[i], t);
        }
        char *text = sb_take(&u.text);
        if (!t) {
            fprintf(stderr, "liqsim: out of memory\n");
            u.rc = EXIT_RUN;
            json_decref(u.report);
        } else if (o->format == LIQ_FMT_JSON) {
            if (cli_print_json(u.report) != 0)
                u.rc = EXIT_RUN;
        } else {
            json_decref(u.report);
            fputs(text ? text : "", stdout);
        }
        free(text);
        free(t);
        rc = u.rc;
    }
    run_free(r);
    free(ident);
    return rc;
}

int cmd_audit(int argc, char **argv)
{
    cli_opts co = {0};
    audit_opts o = {AUDIT_DEFAULT_CASES, 1, 0, NULL, NULL, LIQ_FMT_TABLE};
    const cli_option options[] = {
        OPT_FORMAT_(&co, FMT(TABLE) | FMT(JSON) | FMT(NDJSON)),
        {OPT_COUNT, "cases", 0, "N", &o.cases, NULL, "cases per policy (default 10000)", "1",
         "100000000", NULL, NULL, 0},
        {OPT_COUNT, "seed", 0, "S", &o.seed, NULL,
         "the run's seed: the same seed, the same cases (default 1)", "0", "9007199254740991",
         NULL, NULL, 0},
        OPT_STRING_("out", 'o', "DIR", &o.out,
                    "write each counterexample there as a scenario file (made when missing)"),
        {OPT_COUNT, "jobs", 'j', "N", &o.jobs, NULL,
         "threads over the cases (default 0: one per core); the output is the same", "0",
         "256", NULL, NULL, 0},
        OPT_STRING_("shard", 0, "K/N",
                    &o.shard, "with --format ndjson: only the cases whose number % N == K - 1 "
                              "(liqsim merge joins the shards)"),
        OPT_END_OF_TABLE,
    };
    const cli_verb verb = {
        "audit", "[options] [POLICY...]",
        "  Property audit: generated positions and paths within each policy's own\n"
        "  limits (markets, margin modes, tiers and their leverages), checking that\n"
        "  money is conserved, protection kept, losses monotone in fill, shock and\n"
        "  size, the liquidation price between entry and bankruptcy, fees within\n"
        "  their caps, the fund never below zero, ADL at the declared price and\n"
        "  hooks deterministic. A failure is shrunk to its smallest counterexample\n"
        "  (a scenario file `liqsim eval` reproduces). No POLICY: every shipped one.\n"
        "  --format ndjson: a line per failing case, then the summary line (liqsim\n"
        "  merge combines shards). Exit 1 when a property fails.\n",
        options, 0, -1, false};
    int rc = cli_parse(argc, argv, &verb, &co);
    if (rc >= 0) {
        free(co.args);
        return rc;
    }
    o.format = co.format;
    rc = 0;
    uint64_t k, n;
    if (o.shard && !run_shard_parse(o.shard, &k, &n)) {
        fprintf(stderr, "liqsim: --shard takes K/N with 1 <= K <= N <= 1000000, got \"%s\"\n",
                o.shard);
        rc = EXIT_USAGE;
    } else if (o.shard && o.format != LIQ_FMT_NDJSON) {
        fprintf(stderr, "liqsim: --shard goes with --format ndjson (liqsim merge joins the "
                        "shards' lines and summaries; a report needs every case)\n");
        rc = EXIT_USAGE;
    } else if (o.out && o.format == LIQ_FMT_NDJSON) {
        fprintf(stderr, "liqsim: --out goes with --format table or json (they shrink and "
                        "write the first failure; ndjson lists the failing cases)\n");
        rc = EXIT_USAGE;
    } else if (o.out) {
        rc = cli_out_dir(o.out);
    }
    if (rc) {
        free(co.args);
        return rc;
    }
    paths ps;
    rc = load_pols(&co, &ps);
    free(co.args);
    if (rc == 0)
        rc = audit_run(&o, ps.pols, ps.n);
    free_pols(ps.pols, ps.n);
    return rc;
}
