/*
 * test_heap.c — the replay's trigger index (engine/heap.c): a min-heap on
 * (key, account) whose pops come out in key order, ties by account, the
 * same whether built in one go or pushed one by one.
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pops_come_out_by_key_then_by_account),
        cmocka_unit_test(test_wide_keys_order_across_their_two_halves),
        cmocka_unit_test(test_building_in_one_go_orders_like_pushing),
        cmocka_unit_test(test_an_empty_heap_has_no_top_and_pops_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
