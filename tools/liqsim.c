/*
 * liqsim.c — the front door: dispatches a verb to its file (as git's
 * builtin/<verb>.c), and owns the shared option parsing, name
 * resolution and printing in cli.c.
 */
#include "cli.h"

#include <string.h>

#ifdef LIQ_FAULT_INJECTION
#include "mem.h"

#include <stdlib.h>

/* Test builds only: LIQSIM_TEST_FAIL_ALLOC=N makes the engine's N-th
 * allocation fail (tests/test_alloc.c), and the exit says how many there
 * were, so the test knows when N has passed the last one. */
static void fault_report(void)
{
    unsigned long seen = mem_fault_disarm();
    fprintf(stderr, "liqsim: test: %lu allocations, %lu failed\n", seen, mem_fault_failed());
}

static void fault_from_env(void)
{
    const char *v = getenv("LIQSIM_TEST_FAIL_ALLOC");
    if (!v || !*v)
        return;
    mem_fault_arm(strtoul(v, NULL, 10), false);
    atexit(fault_report);
}
#endif

static const char usage[] =
    "usage: liqsim <command> [options]\n"
    "\n"
    "commands:\n"
    "  compare [SCENARIO] [POLICY...]   side by side under several venues\n"
    "                                   (default scenario, all shipped policies)\n"
    "  eval POLICY SCENARIO             one result\n"
    "  lint [--strict] POLICY...        check policy files\n"
    "  new NAME [--from POLICY] [-o F]  scaffold a policy file with every section\n"
    "  replay --book B --path P POLICY... a book of accounts through a crash\n"
    "  bench [--evals N] [--accounts N] speed figures on generated data\n"
    "  test [POLICY...]                 run the policies' worked examples\n"
    "  schema [policy|scenario]         print the JSON Schema of a file type\n"
    "  audit [POLICY...] [--cases N]    property audit: generated cases, each failure\n"
    "                                   shrunk to a scenario file (--out DIR)\n"
    "  diff OLD NEW [--set KEY=RANGE]   two policies' money outcomes over a grid\n"
    "  import FORMAT RESPONSE --date D  a venue's saved API response as markets\n"
    "         [--policy P [--write]]    (merged into policy P)\n"
    "  worst [SCENARIO] [POLICY...]     the largest loss and debt per venue, and why\n"
    "  size [SCENARIO] [POLICY...] --risk R  the largest position within a loss budget\n"
    "  sweep [SCENARIO] [POLICY...] --set KEY=RANGE...  a grid of what-ifs, NDJSON\n"
    "  batch POLICY... < LINES          one scenario per line (CSV or NDJSON) in,\n"
    "                                   a row per line and policy out (NDJSON)\n"
    "  merge SHARD...                   the outputs of a run's shards as one run\n"
    "\n"
    "Each command's options: liqsim COMMAND --help (and man liqsim).\n"
    "POLICY is a path or a shipped name (binance-usdm); SCENARIO a path or a\n"
    "shipped name (default). Exit: 0 ok, 1 run failed, 2 usage, 3 invalid input.\n";

int main(int argc, char **argv)
{
#ifdef LIQ_FAULT_INJECTION
    fault_from_env();
#endif
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    const char *verb = argv[1];
    if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0 || strcmp(verb, "help") == 0) {
        fputs(usage, stdout);
        /* Where the shipped files are (the bash completion reads it). */
        printf("\nshipped policies: %s\nshipped scenarios: %s\n", cli_policy_dir(),
               cli_scenario_dir());
        return 0;
    }
    if (strcmp(verb, "--version") == 0) {
        printf("liqsim %s\n", LIQSIM_VERSION);
        return 0;
    }
    static const struct { const char *name; int (*fn)(int, char **); } verbs[] = {
        {"compare", cmd_compare}, {"eval", cmd_eval}, {"lint", cmd_lint},
        {"schema", cmd_schema},   {"test", cmd_test},       {"new", cmd_new},
        {"replay", cmd_replay},     {"bench", cmd_bench},
        {"import", cmd_import},   {"audit", cmd_audit},
        {"diff", cmd_diff},       {"merge", cmd_merge},
        {"worst", cmd_worst},     {"size", cmd_size},       {"sweep", cmd_sweep},
        {"batch", cmd_batch},
    };
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
        if (strcmp(verb, verbs[i].name) == 0)
            return verbs[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "liqsim: unknown command '%s'\n\n%s", verb, usage);
    return EXIT_USAGE;
}
