/*
 * test_runner.c — the case runner (engine/runner.c) and `liqsim merge`'s
 * rules (engine/runner_merge.c): output in case order whatever the thread
 * count, shards that take id % N == K - 1, seeds from the run seed and the
 * case id only, and merged shards equal to the unsharded run byte for
 * byte, summary included.
 *
 * The cases here are a toy whose line and amount depend on the case's id
 * and seed alone, so any difference between two runs is the runner's.
 */
#include "support/support.h"
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct toy {
    sbuf out;
    int rows, amount, low, high;   /* accumulator indexes */
    uint64_t stream_records;       /* a stream: records handed out so far */
    uint64_t stream_total;
    bool runs;                     /* handed out in runs (run_block_add_run) */
    bool tallies;                  /* the summary kept per worker (worker_done) */
} toy;

static void collect(void *ud, const char *text, size_t len)
{
    sb_addn(&((toy *)ud)->out, text, len);
}

/* Worker state: its index and, when the toy tallies in its workers
 * (toy.tallies), its own summary, handed over by toy_worker_done. */
typedef struct toy_worker_state {
    unsigned index;
    uint64_t rows;
    run_sum amount;
    run_extreme low, high;
} toy_worker_state;

static void *toy_worker(void *ud, unsigned index, liq_diags *d)
{
    (void)ud, (void)d;
    toy_worker_state *w = calloc(1, sizeof *w);
    w->index = index;
    return w;
}

static void toy_worker_free(void *ud, void *w)
{
    (void)ud;
    free(w);
}

static toy *toy_of_run;

/* One case: an amount of (seed % 100000) / 100, its line, and the summary. */
static liq_status toy_case(void *wp, const run_case *c, run_out *o)
{
    toy_worker_state *w = wp;
    liq_dec v = {(liq_i128)(c->seed % 100000) * 10000000000};
    char amount[LIQ_DEC_STRLEN], line[300], rec[40] = "grid";
    if (c->item) {
        /* A record's len bytes (a run's are not NUL-terminated), and the
         * RUN_PAD bytes before them readable (ASan says if not). */
        assert_true(c->item->len < sizeof rec);
        memcpy(rec, c->item->text, c->item->len);
        rec[c->item->len] = 0;
        unsigned sum = 0;
        for (size_t i = 1; i <= RUN_PAD; i++)
            sum += (unsigned char)c->item->text[-(ptrdiff_t)i];
        (void)sum;
    }
    liq_dec_format(v, amount);
    int n = snprintf(line, sizeof line, "{\"scenario\":\"%s\",\"policy\":\"toy\",\"amount\":\"%s\"}",
                     rec, amount);
    run_emit(o, line, (size_t)n);
    if (toy_of_run->tallies) {
        w->rows++;
        run_sum_add(&w->amount, v);
        run_extreme_take(&w->low, false, v, c->id, c->item ? rec : NULL);
        run_extreme_take(&w->high, true, v, c->id, c->item ? rec : NULL);
        return LIQ_OK;
    }
    run_count(o, toy_of_run->rows, 1);
    run_add(o, toy_of_run->amount, v);
    run_min(o, toy_of_run->low, v, c->item ? rec : NULL);
    run_max(o, toy_of_run->high, v, c->item ? rec : NULL);
    return LIQ_OK;
}

static void toy_worker_done(void *ud, void *wp, run_out *o)
{
    toy *t = ud;
    toy_worker_state *w = wp;
    run_count(o, t->rows, w->rows);
    run_put_sum(o, t->amount, &w->amount);
    run_put_extreme(o, t->low, &w->low);
    run_put_extreme(o, t->high, &w->high);
}

/* A stream of records "r0", "r1", ... one per input line: one by one,
 * or (t->runs) in runs of up to 37 that lie one after another in one
 * text, a line break between them that is no record's. */
static liq_status toy_read(void *ud, run_block *b, liq_diags *d)
{
    (void)d;
    toy *t = ud;
    while (t->runs && t->stream_records < t->stream_total) {
        char text[37 * 24];
        run_slice s[37];
        size_t n = 0, at = 0;
        for (uint64_t r = t->stream_records; n < 37 && r < t->stream_total; r++, n++) {
            int len = snprintf(text + at, 24, "r%llu", (unsigned long long)r);
            s[n] = (run_slice){at, (size_t)len, (long)r + 1};
            at += (size_t)len;
            text[at++] = '\n';
        }
        size_t took = run_block_add_run(b, text, s, n);
        t->stream_records += took;
        if (took < n)
            return LIQ_OK;
    }
    while (t->stream_records < t->stream_total) {
        char rec[32];
        int n = snprintf(rec, sizeof rec, "r%llu", (unsigned long long)t->stream_records);
        if (!run_block_add(b, rec, (size_t)n, (long)t->stream_records + 1))
            break;
        t->stream_records++;
    }
    return LIQ_OK;
}

/* The whole output of one run: case lines, then the summary line. */
static char *toy_run_tallied(uint64_t ncases, bool stream, bool runs, bool tallies,
                             unsigned jobs, uint64_t k, uint64_t n, uint64_t seed)
{
    toy t = {.runs = runs, .tallies = tallies};
    toy_of_run = &t;
    t.stream_total = ncases;
    run_spec spec = {.ncases = stream ? 0 : ncases, .read = stream ? toy_read : NULL,
                     .worker_new = toy_worker, .worker_free = toy_worker_free,
                     .run_case = toy_case, .worker_done = tallies ? toy_worker_done : NULL,
                     .write = collect, .ud = &t, .run_json = "{\"verb\":\"toy\"}"};
    run_opts o = {.jobs = jobs, .shard_k = k, .shard_n = n, .seed = seed};
    run *r = run_new(&spec, &o);
    assert_non_null(r);
    t.rows = run_acc_declare(r, "toy", "rows", RUN_COUNT);
    t.amount = run_acc_declare(r, "toy", "amount", RUN_SUM);
    t.low = run_acc_declare(r, "toy", "lowest", RUN_MIN);
    t.high = run_acc_declare(r, "toy", "highest", RUN_MAX);
    liq_diags d = LIQ_DIAGS_INIT;
    if (run_go(r, &d) != LIQ_OK)
        fail_with_diags("run_go", &d);
    bool overflow;
    char *summary = run_summary_json(r, &overflow);
    assert_non_null(summary);
    sb_add(&t.out, "%s\n", summary);
    free(summary);
    run_free(r);
    liq_diags_free(&d);
    char *all = sb_take(&t.out);
    assert_non_null(all);
    return all;
}

static char *toy_run_as(uint64_t ncases, bool stream, bool runs, unsigned jobs, uint64_t k,
                        uint64_t n, uint64_t seed)
{
    return toy_run_tallied(ncases, stream, runs, false, jobs, k, n, seed);
}

static char *toy_run(uint64_t ncases, bool stream, unsigned jobs, uint64_t k, uint64_t n,
                     uint64_t seed)
{
    return toy_run_as(ncases, stream, false, jobs, k, n, seed);
}

static size_t count_char(const char *s, char c)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

/* 2000 cases are eight blocks: four threads take them in any order, and
 * what is written is the same bytes as one thread writes. */
static void test_the_thread_count_never_shows_in_the_output(void **state)
{
    (void)state;
    char *one = toy_run(2000, false, 1, 1, 1, 42);
    char *four = toy_run(2000, false, 4, 1, 1, 42);
    char *three = toy_run(2000, false, 3, 1, 1, 42);
    assert_string_equal(one, four);
    assert_string_equal(one, three);
    assert_int_equal(count_char(one, '\n'), 2001);
    /* Lines come in case order, each with its case and shard first. */
    assert_non_null(strstr(one, "{\"case\":0,\"shard\":\"1/1\",\"scenario\":\"grid\",\"policy\":\"toy\""));
    const char *c1999 = strstr(one, "{\"case\":1999,");
    assert_non_null(c1999);
    assert_true(c1999 > strstr(one, "{\"case\":1998,"));
    assert_non_null(strstr(one, "{\"summary\":{\"cases\":2000,\"acc\":[{\"group\":\"toy\",\"name\":\"rows\","
                                "\"kind\":\"count\",\"value\":2000}"));
    free(one);
    free(four);
    free(three);
}

/* A verb may keep its summary in its workers (run_sum_add,
 * run_extreme_take per case) and hand it over when each is done
 * (worker_done): the summary is the one the runner keeps per case, for
 * any thread count and shard, ties of an extreme to the lower case id. */
static void test_tallies_kept_per_worker_sum_up_as_the_runner_would(void **state)
{
    (void)state;
    const unsigned jobs[] = {1, 2, 3, 4};
    for (size_t j = 0; j < 4; j++) {
        char *per_case = toy_run(3000, true, jobs[j], 1, 1, 42);
        char *tallied = toy_run_tallied(3000, true, false, true, jobs[j], 1, 1, 42);
        assert_string_equal(per_case, tallied);
        free(per_case);
        free(tallied);
        per_case = toy_run(3000, false, jobs[j], 2, 3, 7);
        tallied = toy_run_tallied(3000, false, false, true, jobs[j], 2, 3, 7);
        assert_string_equal(per_case, tallied);
        free(per_case);
        free(tallied);
    }
    /* Two values, the same amount at cases 9 and 4: the extreme is case 4's,
     * whichever was met first. */
    run_extreme e = {0};
    liq_dec v = {5};
    run_extreme_take(&e, true, v, 9, "nine");
    run_extreme_take(&e, true, v, 4, "four");
    run_extreme_take(&e, true, v, 6, "six");
    assert_true(e.has && e.at == 4);
    assert_string_equal(e.label, "four");
    /* A sum that overflows keeps the values before and says so. */
    run_sum s = {0};
    liq_dec big = {(liq_i128)1 << 126};
    run_sum_add(&s, big);
    assert_false(s.overflow);
    run_sum_add(&s, big);
    assert_true(s.has && s.overflow);
    assert_true(s.v.raw == big.raw);
}

static void test_a_case_seed_depends_on_the_run_seed_and_the_case_only(void **state)
{
    (void)state;
    assert_true(run_case_seed(42, 7) == run_case_seed(42, 7));
    assert_true(run_case_seed(42, 7) != run_case_seed(42, 8));
    assert_true(run_case_seed(42, 7) != run_case_seed(43, 7));
    /* Another seed, other amounts: the same lines would mean the seed is unused. */
    char *a = toy_run(50, false, 1, 1, 1, 1), *b = toy_run(50, false, 1, 1, 1, 2);
    assert_string_not_equal(a, b);
    free(a);
    free(b);
}

/* Shard 2 of 3 runs cases 1, 4, 7, ...: every third, from the second. */
static void test_shard_k_of_n_takes_the_cases_whose_id_mod_n_is_k_minus_1(void **state)
{
    (void)state;
    char *s2 = toy_run(10, false, 2, 2, 3, 42);
    assert_non_null(strstr(s2, "{\"case\":1,\"shard\":\"2/3\""));
    assert_non_null(strstr(s2, "{\"case\":4,\"shard\":\"2/3\""));
    assert_non_null(strstr(s2, "{\"case\":7,\"shard\":\"2/3\""));
    assert_null(strstr(s2, "{\"case\":0,"));
    assert_null(strstr(s2, "{\"case\":2,"));
    assert_int_equal(count_char(s2, '\n'), 4);
    assert_non_null(strstr(s2, "\"shard\":\"2/3\",\"run\":{\"verb\":\"toy\"}}"));
    free(s2);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The merged text, or NULL with the first error's text in err. */
static char *merge(const char *const *paths, size_t n, char *err, size_t cap)
{
    toy t = {0};
    liq_diags d = LIQ_DIAGS_INIT;
    char *summary = NULL;
    liq_status st = run_merge(paths, n, collect, &t, &summary, &d);
    err[0] = 0;
    if (st != LIQ_OK) {
        assert_non_null(first_error(&d));
        liq_diag_text(first_error(&d), err, cap);
        assert_int_equal(t.out.n, 0);   /* nothing written before the error */
        liq_diags_free(&d);
        free(t.out.s);
        return NULL;
    }
    sb_add(&t.out, "%s\n", summary);
    free(summary);
    liq_diags_free(&d);
    return sb_take(&t.out);
}

static void shard_files(uint64_t ncases, bool stream, uint64_t n, char paths[][256])
{
    mkdir(LIQ_TEST_OUT, 0777);
    for (uint64_t k = 1; k <= n; k++) {
        snprintf(paths[k - 1], 256, "%s/runner-shard-%llu-of-%llu.ndjson", LIQ_TEST_OUT,
                 (unsigned long long)k, (unsigned long long)n);
        char *s = toy_run(ncases, stream, 2, k, n, 42);
        write_text(paths[k - 1], s);
        free(s);
    }
}

static void test_merged_shards_are_the_unsharded_run_byte_for_byte(void **state)
{
    (void)state;
    char paths[4][256];
    shard_files(1000, false, 4, paths);
    const char *p[] = {paths[2], paths[0], paths[3], paths[1]};   /* any order */
    char err[400];
    char *merged = merge(p, 4, err, sizeof err);
    assert_non_null(merged);
    char *whole = toy_run(1000, false, 1, 1, 1, 42);
    assert_string_equal(merged, whole);
    free(merged);
    free(whole);
}

/* A stream (batch's input lines) is sharded by record: each shard reads
 * every record and runs its own. */
static void test_a_sharded_stream_merges_back_to_the_whole_stream(void **state)
{
    (void)state;
    char paths[3][256];
    shard_files(700, true, 3, paths);
    const char *p[] = {paths[0], paths[1], paths[2]};
    char err[400];
    char *merged = merge(p, 3, err, sizeof err);
    assert_non_null(merged);
    char *whole = toy_run(700, true, 3, 1, 1, 42);
    assert_string_equal(merged, whole);
    assert_non_null(strstr(whole, "{\"case\":699,\"shard\":\"1/1\",\"scenario\":\"r699\""));
    free(merged);
    free(whole);
}

/* Records handed over in runs (one copy of a run's text, each record
 * where it lies in it) are the records handed over one by one: the same
 * cases, texts, lines and summary, whatever the threads or shard, runs
 * cut where a block fills. */
static void test_a_stream_in_runs_is_the_stream_record_by_record(void **state)
{
    (void)state;
    for (unsigned jobs = 1; jobs <= 3; jobs++)
        for (uint64_t k = 1; k <= 3; k++) {
            uint64_t n = k == 1 ? 1 : 3;
            char *one = toy_run_as(2500, true, false, jobs, k, n, 42);
            char *runs = toy_run_as(2500, true, true, jobs, k, n, 42);
            assert_string_equal(one, runs);
            free(one);
            free(runs);
        }
}

static void test_merge_refuses_a_set_that_is_not_one_whole_run(void **state)
{
    (void)state;
    char paths[3][256], err[400];
    shard_files(30, false, 3, paths);
    const char *missing[] = {paths[0], paths[2]};
    assert_null(merge(missing, 2, err, sizeof err));
    assert_string_equal(err, "liqsim: shard 2/3 is missing: merge takes every shard of a run");
    const char *twice[] = {paths[0], paths[1], paths[1], paths[2]};
    assert_null(merge(twice, 4, err, sizeof err));
    char want[400];
    snprintf(want, sizeof want, "%s:11: shard 2/3 given twice", paths[1]);
    assert_string_equal(err, want);
    /* A file cut short has no summary line. */
    char *s = toy_run(30, false, 1, 2, 3, 42);
    *strstr(s, "{\"summary\"") = 0;
    write_text(paths[1], s);
    free(s);
    const char *cut[] = {paths[0], paths[1], paths[2]};
    assert_null(merge(cut, 3, err, sizeof err));
    snprintf(want, sizeof want, "%s:10: no summary line at the end (was the shard's run cut short?)",
             paths[1]);
    assert_string_equal(err, want);
}

static void test_shard_text_is_k_of_n_with_1_le_k_le_n(void **state)
{
    (void)state;
    uint64_t k, n;
    assert_true(run_shard_parse("1/1", &k, &n) && k == 1 && n == 1);
    assert_true(run_shard_parse("3/4", &k, &n) && k == 3 && n == 4);
    assert_true(run_shard_parse("1000000/1000000", &k, &n));
    assert_false(run_shard_parse("1/1000001", &k, &n));
    assert_false(run_shard_parse("0/4", &k, &n));
    assert_false(run_shard_parse("5/4", &k, &n));
    assert_false(run_shard_parse("1/0", &k, &n));
    assert_false(run_shard_parse("1/4x", &k, &n));
    assert_false(run_shard_parse("1", &k, &n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_thread_count_never_shows_in_the_output),
        cmocka_unit_test(test_tallies_kept_per_worker_sum_up_as_the_runner_would),
        cmocka_unit_test(test_a_case_seed_depends_on_the_run_seed_and_the_case_only),
        cmocka_unit_test(test_shard_k_of_n_takes_the_cases_whose_id_mod_n_is_k_minus_1),
        cmocka_unit_test(test_merged_shards_are_the_unsharded_run_byte_for_byte),
        cmocka_unit_test(test_a_sharded_stream_merges_back_to_the_whole_stream),
        cmocka_unit_test(test_a_stream_in_runs_is_the_stream_record_by_record),
        cmocka_unit_test(test_merge_refuses_a_set_that_is_not_one_whole_run),
        cmocka_unit_test(test_shard_text_is_k_of_n_with_1_le_k_le_n),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
