/*
 * test_heap.c — the replay's trigger index (engine/heap.c): a min-heap on
 * (key, account) whose pops come out in key order, ties by account, the
 * same whether built in one go or pushed one by one; and the index of a
 * sorted run beside the heap, whose pops come out in the same order
 * whichever part holds each key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>

#include "heap.h"

static heap_ent ent(int64_t key, uint32_t idx)
{
    return heap_ent_make(key, idx, 0);
}

static void drain_in_order(heap *h, const int64_t *keys, const uint32_t *idx, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const heap_ent *t = heap_top(h);
        assert_non_null(t);
        assert_true(heap_key(t) == keys[i]);
        assert_int_equal(t->idx, idx[i]);
        heap_pop(h);
    }
    assert_null(heap_top(h));
}

static void test_pops_come_out_by_key_then_by_account(void **state)
{
    (void)state;
    heap h = {0};
    /* pushed out of order, with a tie on key 5 between accounts 9 and 2 */
    int64_t in_keys[] = {7, 5, -3, 5, 40};
    uint32_t in_idx[] = {1, 9, 4, 2, 0};
    for (size_t i = 0; i < 5; i++)
        assert_true(heap_push(&h, ent(in_keys[i], in_idx[i])));
    int64_t keys[] = {-3, 5, 5, 7, 40};
    uint32_t idx[] = {4, 2, 9, 1, 0};
    drain_in_order(&h, keys, idx, 5);
    heap_free(&h);
}

/* Keys are 128-bit raws kept in two halves: order holds across the
 * halves (negative, around 2^64, the largest magnitudes), and a key
 * reads back as it went in. */
static void test_wide_keys_order_across_their_two_halves(void **state)
{
    (void)state;
    const liq_i128 two64 = (liq_i128)1 << 64;
    __extension__ typedef unsigned __int128 u128;
    const liq_i128 big = (liq_i128)(((u128)1 << 127) - 1);
    liq_i128 in[] = {two64, -1, big, two64 - 1, -big, 0, -two64, two64 + 1, -two64 - 1};
    liq_i128 want[] = {-big, -two64 - 1, -two64, -1, 0, two64 - 1, two64, two64 + 1, big};
    heap h = {0};
    assert_true(heap_reserve(&h, 4));   /* and growing past a reserve */
    for (uint32_t i = 0; i < sizeof in / sizeof *in; i++)
        assert_true(heap_push(&h, heap_ent_make(in[i], i, 7)));
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const heap_ent *t = heap_top(&h);
        assert_non_null(t);
        assert_true(heap_key(t) == want[i]);
        assert_int_equal(t->ver, 7);
        heap_pop(&h);
    }
    assert_null(heap_top(&h));
    heap_free(&h);
}

/* The replay fills the array and heapifies once: same order as pushing. */
static void test_building_in_one_go_orders_like_pushing(void **state)
{
    (void)state;
    heap a = {0}, b = {0};
    uint64_t x = 88172645463325252ull;
    for (uint32_t i = 0; i < 2000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        heap_ent e = ent((int64_t)(x % 500) - 250, i);
        assert_true(heap_push(&a, e));
        if (b.n == b.cap) {
            b.cap = b.cap ? b.cap * 2 : 64;
            b.a = realloc(b.a, b.cap * sizeof *b.a);
            assert_non_null(b.a);
        }
        b.a[b.n++] = e;
    }
    heap_build(&b);
    while (heap_top(&a)) {
        const heap_ent *ta = heap_top(&a), *tb = heap_top(&b);
        assert_non_null(tb);
        assert_true(heap_key(ta) == heap_key(tb));
        assert_int_equal(ta->idx, tb->idx);
        heap_pop(&a);
        heap_pop(&b);
    }
    assert_null(heap_top(&b));
    heap_free(&a);
    heap_free(&b);
}

static void test_an_empty_heap_has_no_top_and_pops_nothing(void **state)
{
    (void)state;
    heap h = {0};
    assert_null(heap_top(&h));
    heap_pop(&h);
    assert_int_equal(h.n, 0);
    heap_free(&h);
}

static uint64_t next(uint64_t *x)
{
    *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
    return *x;
}

/* Keys before the seal go to the run when they fit in 64 bits and the
 * run has room, the others (wider, past the reserve, after the seal) to
 * the heap: the pops interleave the two parts in (key, account) order. */
static void test_index_pops_its_run_and_heap_in_one_order(void **state)
{
    (void)state;
    const liq_i128 wide = (liq_i128)INT64_MAX + 1;
    tindex t = {0};
    assert_true(tindex_reserve(&t, 4));
    assert_true(tindex_add(&t, 30, 0, 1));       /* run */
    assert_true(tindex_add(&t, wide, 1, 1));     /* heap: past 64 bits */
    assert_true(tindex_add(&t, -wide - 1, 2, 1)); /* heap: below them */
    assert_true(tindex_add(&t, 10, 3, 1));       /* run */
    assert_true(tindex_add(&t, 10, 4, 1));       /* run: a tie, by account */
    assert_true(tindex_add(&t, INT64_MAX, 5, 1)); /* run: the widest that fits */
    assert_true(tindex_add(&t, 20, 6, 1));       /* heap: the run is full */
    assert_int_equal(t.nrun, 4);
    tindex_seal(&t);
    assert_true(tindex_add(&t, 15, 7, 2));       /* heap: after the seal */
    assert_int_equal(t.nrun, 4);
    liq_i128 keys[] = {-wide - 1, 10, 10, 15, 20, 30, INT64_MAX, wide};
    uint32_t idx[] = {2, 3, 4, 7, 6, 0, 5, 1};
    for (size_t i = 0; i < 8; i++) {
        heap_ent e;
        assert_true(tindex_top(&t, &e));
        assert_true(heap_key(&e) == keys[i]);
        assert_int_equal(e.idx, idx[i]);
        assert_int_equal(e.ver, idx[i] == 7 ? 2 : 1);
        tindex_pop(&t);
    }
    heap_ent e;
    assert_false(tindex_top(&t, &e));
    tindex_free(&t);
}

/* The run's sorts against the heap on inputs that break naive
 * quicksorts: random keys, few distinct keys, ascending, descending, all
 * equal, an organ pipe; for the radix sort also the two ends of 64 bits
 * and zero (a span of every bit), and liquidation prices of 12 places
 * clustered near one price with many ties (the replay's); the quicksort
 * also with its depth spent at once, so the heapsort it falls back to is
 * checked too. */
static void test_the_run_sorts_as_the_heap_pops(void **state)
{
    (void)state;
    enum { N = 5000 };
    uint64_t x = 88172645463325252ull;
    for (int shape = 0; shape < 8; shape++) {
        for (int how = 0; how < 3; how++) {
            if (shape >= 6 && how != 2)
                continue;
            run_ent *a = malloc(N * sizeof *a);
            assert_non_null(a);
            heap h = {0};
            for (uint32_t i = 0; i < N; i++) {
                int64_t k = shape == 0   ? (int64_t)next(&x)
                            : shape == 1 ? (int64_t)(next(&x) % 7) - 3
                            : shape == 2 ? (int64_t)i
                            : shape == 3 ? -(int64_t)i
                            : shape == 4 ? 42
                            : shape == 5 ? (int64_t)(i < N / 2 ? i : N - i)
                            : shape == 6 ? (i % 3 == 0 ? INT64_MIN : i % 3 == 1 ? INT64_MAX : 0)
                                         : 30000000000000000 +
                                               (int64_t)(next(&x) % 400) * 50000000000000;
                uint32_t id = (uint32_t)(next(&x) % 100000);
                a[i] = (run_ent){k, id, 0};
                assert_true(heap_push(&h, heap_ent_make(k, id, 0)));
            }
            if (how == 2)
                heap_radix_run(a, N);
            else
                heap_sort_run(a, N, how ? 0 : 64);
            for (size_t i = 0; i < N; i++) {
                const heap_ent *t = heap_top(&h);
                assert_true(heap_key(t) == a[i].key);
                assert_int_equal(t->idx, a[i].idx);
                heap_pop(&h);
            }
            heap_free(&h);
            free(a);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pops_come_out_by_key_then_by_account),
        cmocka_unit_test(test_wide_keys_order_across_their_two_halves),
        cmocka_unit_test(test_building_in_one_go_orders_like_pushing),
        cmocka_unit_test(test_an_empty_heap_has_no_top_and_pops_nothing),
        cmocka_unit_test(test_index_pops_its_run_and_heap_in_one_order),
        cmocka_unit_test(test_the_run_sorts_as_the_heap_pops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
