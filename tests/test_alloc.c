/*
 * test_alloc.c — every allocation the engine makes can fail, and each
 * failure ends in a clean error (engine/mem.c), in the manner of SQLite's
 * fault simulator (test_malloc.c).
 *
 * Each operation below is run once counting its allocations (K), then
 * again for every N in 1..K with the N-th allocation failing: once with
 * that one alone failing, once with it and every one after. A run must
 *   - either succeed with exactly the answer of the run without a fault
 *     (an allocation failure never silently changes an answer),
 *   - or fail the way its function documents: NULL or a failure status
 *     and, when only one allocation failed (so the message itself could
 *     be allocated), "out of memory" (LIQ_ENOMEM) as its first error;
 * and AddressSanitizer sees any crash or use after free, LeakSanitizer
 * any leak (checked after each operation's sweep, and again at exit).
 * The allocations counted are the engine's own, its Lua states' and
 * jansson's (routed to the engine's allocator here, with
 * json_set_alloc_funcs); libyaml has no allocator hook, so its own are
 * not. Two CLI runs check the same from outside: a failed allocation
 * prints nothing on stdout and exits 1 with a message.
 */
#include "support/support.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* LeakSanitizer's check between sweeps, and the sanitizers' stack
 * printer (to show where a failing allocation was), when the build has
 * them. */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));
void __sanitizer_print_stack_trace(void) __attribute__((weak));

static void print_stack(void)
{
    if (__sanitizer_print_stack_trace)
        __sanitizer_print_stack_trace();
}

/* ---- the sweep ------------------------------------------------------- */

/* One operation under test. run leaves its diagnostics in d and returns
 * its answer as text (malloc'ed), or NULL when it failed. */
typedef struct alloc_case {
    const char *name;
    char *(*run)(void *state, liq_diags *d);
    /* Called around every run, without faults (NULL: nothing): what the
     * operation needs, made afresh, so that every run asks for the same
     * allocations (a policy's Lua state recycles blocks across calls). */
    void (*setup)(void *state);
    void (*teardown)(void *state);
    /* A failure must come with an error diagnostic (false for functions
     * documented to return NULL on out of memory without one, such as
     * liq_results_render). */
    bool diag_on_failure;
} alloc_case;

typedef struct sweep_stats {
    unsigned long points;      /* K: allocations the operation makes */
    unsigned long failed_runs; /* runs that failed cleanly */
    unsigned long tolerated;   /* runs that succeeded despite the fault */
} sweep_stats;

static unsigned long total_points;
static unsigned long leak_every;

static bool has_error(const liq_diags *d)
{
    return liq_diags_count(d, LIQ_SEV_ERROR) > 0;
}

static void sweep(const alloc_case *c, void *state)
{
    liq_diags d = LIQ_DIAGS_INIT;
    if (c->setup)
        c->setup(state);
    mem_fault_arm(0, false);
    char *want = c->run(state, &d);
    unsigned long k = mem_fault_disarm();
    if (c->teardown)
        c->teardown(state);
    if (!want)
        fail_with_diags(c->name, &d);
    liq_diags_free(&d);
    assert_true(k > 0);

    sweep_stats st = {.points = k};
    unsigned long problems = 0;
    for (int persistent = 0; persistent <= 1; persistent++) {
        for (unsigned long n = 1; n <= k; n++) {
            if (c->setup)
                c->setup(state);
            mem_fault_arm(n, persistent);
            char *got = c->run(state, &d);
            mem_fault_disarm();
            if (c->teardown)
                c->teardown(state);
            bool faulted = mem_fault_failed() > 0;
            const char *problem = NULL;
            /* LIQ_ALLOC_LEAKS_EVERY=K: a leak check after every K-th run,
             * to find the run that leaked (a check scans the heap: slow). */
            if (leak_every && n % leak_every == 0 && __lsan_do_recoverable_leak_check() != 0)
                fail_msg("%s: memory leaked in the runs up to allocation %lu%s", c->name, n,
                         persistent ? " (and every one after)" : "");
            if (got && strcmp(got, want) != 0)
                problem = "the answer changed";
            else if (!got && c->diag_on_failure && !persistent && !has_error(&d))
                problem = "the operation failed without an error";
            else if (!got && c->diag_on_failure && !persistent &&
                     first_error(&d)->code != LIQ_ENOMEM)
                problem = "its first error is not LIQ_ENOMEM";
            if (got && !problem && faulted)
                st.tolerated++;
            if (!faulted)
                problem = "no allocation failed: the runs differ";
            if (!got)
                st.failed_runs++;
            if (problem && first_error(&d))
                print_message("%s: allocation %lu: first error: %s\n", c->name, n,
                              first_error(&d)->msg);
            if (problem && got && getenv("LIQ_ALLOC_SHOW"))
                print_message("%s: allocation %lu: got:\n%s\n", c->name, n, got);
            free(got);
            liq_diags_free(&d);
            if (!problem)
                continue;
            /* Again, showing where the failing allocation was. */
            print_message("%s: allocation %lu of %lu failed%s, and %s; it was asked for at:\n",
                          c->name, n, k, persistent ? " (and every one after)" : "", problem);
            mem_fault_on_inject(print_stack);
            if (c->setup)
                c->setup(state);
            mem_fault_arm(n, false);
            free(c->run(state, &d));
            mem_fault_disarm();
            if (c->teardown)
                c->teardown(state);
            mem_fault_on_inject(NULL);
            liq_diags_free(&d);
            problems++;
        }
    }
    free(want);
    if (problems)
        fail_msg("%s: %lu of %lu runs with a failing allocation went wrong (above)", c->name,
                 problems, 2 * k);
    if (__lsan_do_recoverable_leak_check && __lsan_do_recoverable_leak_check() != 0)
        fail_msg("%s: memory leaked while allocations failed (see the report above)", c->name);
    total_points += k;
    printf("# %s: %lu allocation points, each failed alone and with all after: "
           "%lu runs failed cleanly, %lu gave the same answer\n", c->name, k, st.failed_runs,
           st.tolerated);
}

/* ---- the operations -------------------------------------------------- */

static char *dup_text(const char *s)
{
    return s ? strdup(s) : NULL;
}

#define HOOKED_POLICY "policies/deribit.yaml"
#define SCENARIO "tests/data/scenarios/csv-path.yaml"

static char *run_policy_load(void *state, liq_diags *d)
{
    liq_policy *p = liq_policy_load(state, d);
    char *name = p ? dup_text(liq_policy_name(p)) : NULL;
    liq_policy_free(p);
    return name;
}

static char *run_scenario_load(void *state, liq_diags *d)
{
    liq_scenario *s = liq_scenario_load(state, d);
    char *name = s ? dup_text(liq_scenario_name(s)) : NULL;
    liq_scenario_free(s);
    return name;
}

static char *run_book_load(void *state, liq_diags *d)
{
    liq_book *b = liq_book_load(state, d);
    char buf[32];
    snprintf(buf, sizeof buf, "%zu accounts", b ? liq_book_accounts(b) : 0);
    liq_book_free(b);
    return b ? dup_text(buf) : NULL;
}

static char *run_path_load(void *state, liq_diags *d)
{
    liq_path *p = liq_path_load(state, d);
    char buf[32];
    snprintf(buf, sizeof buf, "%zu ticks", p ? liq_path_ticks(p) : 0);
    liq_path_free(p);
    return p ? dup_text(buf) : NULL;
}

/* An evaluation with the trace on, under a policy loaded afresh for each
 * run; its result rendered without a fault (the rendering has its own
 * case). */
typedef struct eval_state {
    liq_policy *p;
    liq_scenario *s;
    liq_result *r;
} eval_state;

static void eval_setup(void *state)
{
    eval_state *e = state;
    e->p = load_policy_or_fail(HOOKED_POLICY);
    e->s = load_scenario_or_fail("scenarios/default.yaml");
}

static void eval_teardown(void *state)
{
    eval_state *e = state;
    liq_scenario_free(e->s);
    liq_policy_free(e->p);
}

static char *run_eval(void *state, liq_diags *d)
{
    eval_state *e = state;
    liq_eval_opts opts = {.explain = true};
    liq_result *r = liq_eval(e->p, e->s, &opts, d);
    if (!r)
        return NULL;
    mem_fault_disarm(); /* the count stops here: rendering is its own case */
    char *json = liq_results_render(&r, 1, LIQ_FMT_JSON, false);
    liq_result_free(r);
    return json;
}

static char *run_render(void *state, liq_diags *d)
{
    eval_state *e = state;
    char *json = liq_results_render(&e->r, 1, LIQ_FMT_JSON, false);
    char *table = json ? liq_results_render(&e->r, 1, LIQ_FMT_TABLE, false) : NULL;
    char *both = NULL;
    if (table && (both = malloc(strlen(json) + strlen(table) + 1)) != NULL)
        strcat(strcpy(both, json), table);
    free(json);
    free(table);
    return both;
}

/* A replay under a policy whose insurance fund is a hook, its events and
 * summary as the answer. */
typedef struct replay_state {
    liq_policy *p;
    liq_book *b;
    liq_path *path;
    char *events;
    size_t len;
    bool oom;
} replay_state;

static void replay_setup(void *state)
{
    replay_state *r = state;
    r->p = load_policy_or_fail("tests/data/waterfall/policies/lin-hook-if.yaml");
    r->b = load_book_or_fail("tests/data/replay/books/hook-if.csv");
    r->path = load_path_or_fail("tests/data/replay/paths/hook-if.csv");
}

static void replay_teardown(void *state)
{
    replay_state *r = state;
    liq_path_free(r->path);
    liq_book_free(r->b);
    liq_policy_free(r->p);
}

static void on_event(void *ud, const char *line)
{
    replay_state *r = ud;
    size_t n = strlen(line);
    char *e = realloc(r->events, r->len + n + 2);
    if (!e) {
        r->oom = true;
        return;
    }
    memcpy(e + r->len, line, n);
    e[r->len + n] = '\n';
    e[r->len + n + 1] = '\0';
    r->events = e;
    r->len += n + 1;
}

static char *run_replay(void *state, liq_diags *d)
{
    replay_state *r = state;
    r->events = NULL;
    r->len = 0;
    liq_replay_opts o = {.check = true, .on_event = on_event, .ud = r};
    liq_replay_summary s;
    liq_status st = liq_replay(r->p, r->b, r->path, &o, &s, d);
    char *answer = NULL;
    if (st == LIQ_OK) {
        mem_fault_disarm(); /* the count stops here: the summary's JSON is the CLI's */
        s.seconds_setup = s.seconds_walk = 0;
        char *sum = liq_replay_summary_json("p", &s);
        if (sum && (answer = malloc(r->len + strlen(sum) + 1)) != NULL)
            strcat(strcpy(answer, r->events ? r->events : ""), sum);
        free(sum);
    } else if (!has_error(d)) {
        liq_diags_add(d, LIQ_SEV_ERROR, st, "", 0, 0, "liq_replay failed without a message");
    }
    assert_false(r->oom);
    free(r->events);
    return answer;
}

/* ---- the tests -------------------------------------------------------- */

static void a_hooked_policy_loads_or_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    alloc_case c = {.name = "load " HOOKED_POLICY, .run = run_policy_load,
                    .diag_on_failure = true};
    sweep(&c, HOOKED_POLICY);
}

static void a_policy_with_extends_loads_or_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    alloc_case c = {.name = "load tests/data/golden/kraken-futures-coinm-epp.yaml",
                    .run = run_policy_load, .diag_on_failure = true};
    sweep(&c, "tests/data/golden/kraken-futures-coinm-epp.yaml");
}

static void a_scenario_with_a_path_file_loads_or_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    alloc_case c = {.name = "load " SCENARIO, .run = run_scenario_load,
                    .diag_on_failure = true};
    sweep(&c, SCENARIO);
}

static void a_csv_book_loads_or_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    alloc_case c = {.name = "load tests/data/replay/books/slices.csv", .run = run_book_load,
                    .diag_on_failure = true};
    sweep(&c, "tests/data/replay/books/slices.csv");
}

static void an_ndjson_book_loads_or_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    alloc_case c = {.name = "load tests/data/replay/books/cons.ndjson", .run = run_book_load,
                    .diag_on_failure = true};
    sweep(&c, "tests/data/replay/books/cons.ndjson");
}

static void a_path_loads_or_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    alloc_case c = {.name = "load tests/data/replay/paths/depth.csv", .run = run_path_load,
                    .diag_on_failure = true};
    sweep(&c, "tests/data/replay/paths/depth.csv");
}

static void an_evaluation_with_hooks_succeeds_or_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    eval_state e = {NULL, NULL, NULL};
    alloc_case c = {.name = "evaluate scenarios/default.yaml under " HOOKED_POLICY, .run = run_eval,
                    .setup = eval_setup, .teardown = eval_teardown, .diag_on_failure = true};
    sweep(&c, &e);
}

static void rendering_a_result_succeeds_or_returns_null_at_every_allocation(void **state)
{
    (void)state;
    eval_state e = {load_policy_or_fail(HOOKED_POLICY), load_scenario_or_fail("scenarios/default.yaml"),
                    NULL};
    liq_diags d = LIQ_DIAGS_INIT;
    liq_eval_opts opts = {.explain = true};
    e.r = liq_eval(e.p, e.s, &opts, &d);
    if (!e.r)
        fail_with_diags("liq_eval", &d);
    alloc_case c = {.name = "render the result as JSON and as a table", .run = run_render,
                    .diag_on_failure = false};
    sweep(&c, &e);
    liq_result_free(e.r);
    liq_scenario_free(e.s);
    liq_policy_free(e.p);
}

static void a_replay_with_a_hook_succeeds_or_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    replay_state r = {NULL, NULL, NULL, NULL, 0, false};
    alloc_case c = {"replay tests/data/replay/books/hook-if.csv under lin-hook-if.yaml", .run = run_replay,
                    .setup = replay_setup, .teardown = replay_teardown, .diag_on_failure = true};
    sweep(&c, &r);
}

/* The CLI, from outside: with the N-th allocation failing (the test-only
 * LIQSIM_TEST_FAIL_ALLOC, read by test builds of the CLI), it either
 * prints exactly what it prints without a fault, or prints nothing on
 * stdout and exits 1 with a message on stderr. The runs stop at the
 * first N beyond the last allocation (the CLI's exit line then says
 * that none failed); every tenth N is tried, to keep the test short. */
static void expect_cli_clean_at_every_tenth_allocation(const char *const *args)
{
    unsetenv("LIQSIM_TEST_FAIL_ALLOC");
    cli_output ref = cli_run(args);
    expect_exit_code(&ref, 0);
    unsigned long tried = 0;
    for (unsigned long n = 1;; n += 10) {
        char v[32];
        snprintf(v, sizeof v, "%lu", n);
        setenv("LIQSIM_TEST_FAIL_ALLOC", v, 1);
        cli_output r = cli_run(args);
        bool none_failed = strstr(r.err, " allocations, 0 failed\n") != NULL;
        if (r.rc == 0) {
            if (strcmp(r.out, ref.out) != 0)
                fail_msg("allocation %lu failed, exit 0, and stdout changed:\n%s", n, r.out);
        } else {
            if (r.rc != 1 || r.out[0] != '\0' || r.err[0] == '\0')
                fail_msg("allocation %lu failed: exit %d (expected 1), stdout \"%s\", stderr \"%s\"",
                         n, r.rc, r.out, r.err);
        }
        tried++;
        cli_output_free(&r);
        if (none_failed)
            break;
        assert_true(n < 1000000);
    }
    unsetenv("LIQSIM_TEST_FAIL_ALLOC");
    cli_output_free(&ref);
    printf("# liqsim %s %s %s: %lu runs with a failing allocation\n", args[0], args[1], args[2],
           tried - 1);
}

static void the_cli_prints_no_result_when_an_allocation_fails_in_eval(void **state)
{
    (void)state;
    expect_cli_clean_at_every_tenth_allocation(
        (const char *const[]){"eval", HOOKED_POLICY, "scenarios/default.yaml", NULL});
}

static void the_cli_prints_no_result_when_an_allocation_fails_in_replay(void **state)
{
    (void)state;
    expect_cli_clean_at_every_tenth_allocation((const char *const[]){
        "replay", "--book", "tests/data/replay/books/hook-if.csv", "--path",
        "tests/data/replay/paths/hook-if.csv", "tests/data/waterfall/policies/lin-hook-if.yaml",
        NULL});
}

int main(void)
{
    chdir_to_project_root();
    if (getenv("LIQ_ALLOC_LEAKS_EVERY") && __lsan_do_recoverable_leak_check)
        leak_every = strtoul(getenv("LIQ_ALLOC_LEAKS_EVERY"), NULL, 10);
    /* jansson's allocations count as the engine's. */
    json_set_alloc_funcs(mem_malloc, free);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_hooked_policy_loads_or_fails_cleanly_at_every_allocation),
        cmocka_unit_test(a_policy_with_extends_loads_or_fails_cleanly_at_every_allocation),
        cmocka_unit_test(a_scenario_with_a_path_file_loads_or_fails_cleanly_at_every_allocation),
        cmocka_unit_test(a_csv_book_loads_or_fails_cleanly_at_every_allocation),
        cmocka_unit_test(an_ndjson_book_loads_or_fails_cleanly_at_every_allocation),
        cmocka_unit_test(a_path_loads_or_fails_cleanly_at_every_allocation),
        cmocka_unit_test(an_evaluation_with_hooks_succeeds_or_fails_cleanly_at_every_allocation),
        cmocka_unit_test(rendering_a_result_succeeds_or_returns_null_at_every_allocation),
        cmocka_unit_test(a_replay_with_a_hook_succeeds_or_fails_cleanly_at_every_allocation),
        cmocka_unit_test(the_cli_prints_no_result_when_an_allocation_fails_in_eval),
        cmocka_unit_test(the_cli_prints_no_result_when_an_allocation_fails_in_replay),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    printf("# %lu allocation points swept in process\n", total_points);
    return failed;
}
