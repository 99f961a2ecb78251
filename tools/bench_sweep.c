/*
 * bench_sweep.c — `liqsim bench`'s figures for the verbs on the case
 * runner (issue 11, Scale): a sweep of N grid points under the bench's
 * table-only policy (bench_table_yaml), on one core and on every core,
 * beside the Python script of the same formulas making the same grid
 * (tools/batch_peer.py --sweep), with the ratio of their times and
 * whether their summaries agree; and an audit of N cases under each of a
 * list of policies, its seconds per policy on one core and on every core.
 *
 * Each run is this binary as a child process, as a user runs it (`liqsim
 * sweep ... --summary-only`, `liqsim audit ... --format ndjson`, which
 * checks every case and shrinks nothing), so the figures include loading
 * the files, as the user's do.
 */
#include "cli.h"
#include "bench.h"
#include "bench_batch.h"
#include "bench_sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The scenario the grid varies; tools/batch_peer.py's BASE restates it. */
const char bench_sweep_yaml[] =
    "name: bench-sweep\n"
    "account: {collateral: \"1000000000\", mode: isolated}\n"
    "position: {side: long, size: \"0.2\", entry_price: \"50000\", leverage: 10}\n"
    "market:\n"
    "  mark_path: [\"50000\", \"45000\"]\n"
    "  liquidation_fill: {slippage: \"0.01\"}\n";

double bench_run(const char *const *argv, const char *input, char *out, size_t cap, int *status)
{
    int fds[2];
    *status = -1;
    if (out && pipe(fds) != 0)
        return -1;
    double t0 = bench_now_s();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR), in = input ? open(input, O_RDONLY) : null;
        if (null < 0 || in < 0 || dup2(in, 0) < 0 || dup2(out ? fds[1] : null, 1) < 0)
            _exit(127);
        if (out)
            close(fds[0]);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    size_t n = 0;
    if (out) {
        close(fds[1]);
        ssize_t got;
        char sink[4096];
        /* Keep the first cap - 1 bytes, read the rest to the end. */
        while ((got = read(fds[0], n + 1 < cap ? out + n : sink,
                           n + 1 < cap ? cap - n - 1 : sizeof sink)) > 0)
            if (n + 1 < cap)
                n += (size_t)got;
        out[n] = 0;
        close(fds[0]);
    }
    int st;
    waitpid(pid, &st, 0);
    double dt = bench_now_s() - t0;
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return dt;
}

int bench_dir(const char *keep_dir, const char *what, char *dir, size_t cap)
{
    if (keep_dir) {
        snprintf(dir, cap, "%s", keep_dir);
        if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "liqsim bench: cannot make %s: %s\n", dir, strerror(errno));
            return EXIT_INPUT;
        }
        return 0;
    }
    snprintf(dir, cap, "/tmp/liqsim-bench-%s-XXXXXX", what);
    if (!mkdtemp(dir)) {
        fprintf(stderr, "liqsim bench: cannot make a directory under /tmp\n");
        return EXIT_RUN;
    }
    return 0;
}

/* The path of this binary, for the child runs. */
static bool self_path(char *buf, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
    if (n <= 0)
        return false;
    buf[n] = 0;
    return true;
}

/* Whether the peer's "rows N liquidated N loss_total X ..." line says
 * what liqsim's sweep summary says: every point evaluated (ok), as many
 * liquidated, the same total loss. */
static bool agree(const char *peer, const char *summary)
{
    static const char *const keys[][2] = {{"rows", "ok"}, {"liquidated", "liquidated"},
                                          {"loss_total", "loss_total"}};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        char ours[64], want[100];
        if (!bench_summary_value(summary, "bench-table", keys[i][1], ours, sizeof ours))
            return false;
        snprintf(want, sizeof want, "%s %s ", keys[i][0], ours);
        if (!strstr(peer, want))
            return false;
    }
    return true;
}

int bench_sweep(long n, const char *keep_dir)
{
    char dir[1100], pol[1200], scen[1200], peer[1200], self[1024];
    if (!self_path(self, sizeof self)) {
        fprintf(stderr, "liqsim bench: cannot find this binary (/proc/self/exe)\n");
        return EXIT_RUN;
    }
    int drc = bench_dir(keep_dir, "sweep", dir, sizeof dir);
    if (drc)
        return drc;
    snprintf(pol, sizeof pol, "%s/bench-table.yaml", dir);
    snprintf(scen, sizeof scen, "%s/bench-sweep.yaml", dir);
    snprintf(peer, sizeof peer, "%s/../tools/batch_peer.py", cli_policy_dir());
    FILE *pf = fopen(pol, "w"), *sf = fopen(scen, "w");
    bool ok = pf && sf && fputs(bench_table_yaml, pf) >= 0 && fputs(bench_sweep_yaml, sf) >= 0;
    if (pf && fclose(pf) != 0)
        ok = false;
    if (sf && fclose(sf) != 0)
        ok = false;
    if (!ok) {
        fprintf(stderr, "liqsim bench: cannot write the sweep's files in %s\n", dir);
        return EXIT_RUN;
    }
    /* 100 leverages x 100 sizes x n / 10,000 shocks. */
    long shocks = n / 10000 ? n / 10000 : 1;
    char shock[80];
    snprintf(shock, sizeof shock, "shock=0.003..%ld.%03ld/0.003", shocks * 3 / 1000,
             shocks * 3 % 1000);
    const char *lev = "position.leverage=1..100/1", *size = "position.size=0.01..1/0.01";
    long points = 10000 * shocks;
    printf("\nsweep: %ld grid points (%s x %s x %s), bench-table (table only),\n"
           "against the Python script of the same formulas (tools/batch_peer.py --sweep):\n",
           points, lev, size, shock);
    char s1[8192], sn[8192], line[4096];
    int st1 = -1, stn = -1, stp = -1, rc = 0;
    double t1 = bench_run((const char *const[]){self, "sweep", scen, pol, "--set", lev, "--set",
                                                size, "--set", shock, "--jobs", "1",
                                                "--summary-only", NULL},
                          NULL, s1, sizeof s1, &st1);
    double tn = st1 == 0 ? bench_run((const char *const[]){self, "sweep", scen, pol, "--set", lev,
                                                           "--set", size, "--set", shock,
                                                           "--summary-only", NULL},
                                     NULL, sn, sizeof sn, &stn)
                         : -1;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (st1 != 0 || stn != 0) {
        fprintf(stderr, "liqsim bench: the sweep failed (exit %d)\n", st1 != 0 ? st1 : stn);
        rc = EXIT_RUN;
        goto out;
    }
    printf("  %-40s %10.0f points/s  (%.3f s)\n", "liqsim sweep, one core", points / t1, t1);
    printf("  %-40s %10.0f points/s  (%.3f s; %ld cores; summary %s)\n", "liqsim sweep, every core",
           points / tn, tn, cores, strcmp(s1, sn) == 0 ? "identical" : "DIFFERS");
    if (access(peer, R_OK) != 0) {
        printf("  (no peer: %s is not there)\n", peer);
        goto out;
    }
    double tp = bench_run((const char *const[]){"python3", peer, "--sweep", lev, size, shock, NULL},
                          NULL, line, sizeof line, &stp);
    if (stp != 0) {
        printf("  (the peer failed: python3 %s --sweep)\n", peer);
        goto out;
    }
    printf("  %-40s %10.0f points/s  (%.3f s; %s)\n", "python3 tools/batch_peer.py --sweep",
           points / tp, tp, agree(line, s1) ? "same summary" : "DIFFERENT SUMMARY");
    printf("  ratio liqsim / peer: one core %.1fx, every core %.1fx\n", tp / t1, tp / tn);
out:
    if (!keep_dir) {
        unlink(pol);
        unlink(scen);
        rmdir(dir);
    }
    return rc;
}

int bench_audit(long n, const char *policies)
{
    char self[1024], cases[32];
    if (!self_path(self, sizeof self)) {
        fprintf(stderr, "liqsim bench: cannot find this binary (/proc/self/exe)\n");
        return EXIT_RUN;
    }
    snprintf(cases, sizeof cases, "%ld", n);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    printf("\naudit: %ld cases per policy (and a book per 100), every property checked, "
           "nothing shrunk (--format ndjson):\n", n);
    int rc = 0;
    for (const char *p = policies; *p && !rc;) {
        size_t len = strcspn(p, ",");
        char name[200], path[1024];
        snprintf(name, sizeof name, "%.*s", (int)(len < 199 ? len : 199), p);
        p += len + (p[len] == ',');
        if ((rc = cli_find_policy(name, path, sizeof path)) != 0)
            break;
        int s1 = -1, sn = -1;
        double t1 = bench_run((const char *const[]){self, "audit", path, "--cases", cases,
                                                    "--jobs", "1", "--format", "ndjson", NULL},
                              NULL, NULL, 0, &s1);
        double tn = bench_run((const char *const[]){self, "audit", path, "--cases", cases,
                                                    "--format", "ndjson", NULL},
                              NULL, NULL, 0, &sn);
        /* Exit 1 is a property that failed: the audit ran all the same. */
        if (s1 < 0 || s1 > 1 || sn < 0 || sn > 1) {
            fprintf(stderr, "liqsim bench: the audit of %s failed (exit %d)\n", name,
                    s1 < 0 || s1 > 1 ? s1 : sn);
            rc = EXIT_RUN;
            break;
        }
        printf("  %-28s one core %7.2f s (%8.0f cases/s); every core (%ld) %7.2f s%s\n", name, t1,
               n / t1, cores, tn, s1 ? "; a property failed" : "");
    }
    return rc;
}
