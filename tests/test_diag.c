/*
 * test_diag.c — engine/diag.c, the diagnostics list every loader fills.
 *
 * The list keeps the first LIQ_DIAGS_MAX (100) messages and counts the
 * rest in one last line, so a file with a million bad rows cannot flood
 * the terminal; the counts by severity stay exact, because loaders
 * decide "did this stage fail" by comparing them.
 */
#include "support/support.h"

#include <string.h>

static void add_n(liq_diags *d, size_t n, liq_severity sev)
{
    for (size_t i = 0; i < n; i++)
        assert_true(liq_diags_add(d, sev, sev == LIQ_SEV_ERROR ? LIQ_EINPUT : LIQ_OK, "f.yaml",
                                  (int)i + 1, 1, "message %zu", i + 1));
}

/* 100 messages: all kept, no summary line. */
static void up_to_the_cap_every_message_is_kept(void **state)
{
    (void)state;
    liq_diags d = LIQ_DIAGS_INIT;
    add_n(&d, LIQ_DIAGS_MAX, LIQ_SEV_ERROR);
    assert_int_equal(d.n, 100);
    assert_string_equal(d.items[99].msg, "message 100");
    assert_int_equal(liq_diags_count(&d, LIQ_SEV_ERROR), 100);
    liq_diags_free(&d);
}

/* 101 messages: the 101st is a count; 250: the count says 150. */
static void past_the_cap_one_line_counts_the_rest(void **state)
{
    (void)state;
    liq_diags d = LIQ_DIAGS_INIT;
    add_n(&d, 101, LIQ_SEV_ERROR);
    assert_int_equal(d.n, 101);
    expect_first_error(&d, "f.yaml:1:1: message 1");
    assert_string_equal(d.items[100].msg, "1 more message not shown (only the first 100 are)");
    assert_int_equal(d.items[100].severity, LIQ_SEV_ERROR);
    add_n(&d, 149, LIQ_SEV_ERROR);
    assert_int_equal(d.n, 101);
    assert_string_equal(d.items[100].msg, "150 more messages not shown (only the first 100 are)");
    assert_int_equal(liq_diags_count(&d, LIQ_SEV_ERROR), 250);
    liq_diags_free(&d);
}

/* Warnings past the cap, then one error: the summary becomes an error
 * and the counts by severity stay exact. */
static void counts_by_severity_include_what_is_not_shown(void **state)
{
    (void)state;
    liq_diags d = LIQ_DIAGS_INIT;
    add_n(&d, 120, LIQ_SEV_WARNING);
    assert_int_equal(d.items[100].severity, LIQ_SEV_WARNING);
    assert_int_equal(liq_diags_count(&d, LIQ_SEV_ERROR), 0);
    add_n(&d, 1, LIQ_SEV_ERROR);
    assert_int_equal(d.items[100].severity, LIQ_SEV_ERROR);
    assert_int_equal(d.items[100].code, LIQ_EINPUT);
    assert_int_equal(liq_diags_count(&d, LIQ_SEV_ERROR), 1);
    assert_int_equal(liq_diags_count(&d, LIQ_SEV_WARNING), 120);
    add_n(&d, 1, LIQ_SEV_ERROR);
    assert_int_equal(liq_diags_count(&d, LIQ_SEV_ERROR), 2);
    liq_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(up_to_the_cap_every_message_is_kept),
        cmocka_unit_test(past_the_cap_one_line_counts_the_rest),
        cmocka_unit_test(counts_by_severity_include_what_is_not_shown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
