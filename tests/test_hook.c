/*
 * test_hook.c — the sandboxed Lua runtime (engine/hook.c, hook_dec.c).
 *
 * Each test is one promise the runtime makes to a policy author or to the
 * waterfall, with the exact diag (file, line, message) it must produce.
 * The hook files are under tests/data/hooks/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hook.h"

#define HOOKS LIQ_TEST_DATA "/hooks/"

/* ---- helpers ------------------------------------------------------- */

static liq_hookrt *load_with(const char *file, size_t mem, uint64_t insns)
{
    liq_diags d = LIQ_DIAGS_INIT;
    liq_hookrt *h = liq_hookrt_new(mem, insns);
    assert_non_null(h);
    liq_status st = liq_hookrt_load(h, file, &d);
    if (st != LIQ_OK)
        fail_msg("%s:%d: %s", d.items[0].file, d.items[0].line, d.items[0].msg);
    assert_int_equal(d.n, 0);
    liq_diags_free(&d);
    return h;
}

static liq_hookrt *load(const char *file)
{
    return load_with(file, 0, 0);
}

/* Calls global fname, naming the hook after it. */
static liq_status call(liq_hookrt *h, const char *fname, const liq_hook_field *f,
                       size_t n, liq_diags *d)
{
    int ref = liq_hookrt_ref(h, fname);
    assert_true(ref >= 0);
    return liq_hookrt_call(h, ref, fname, f, n, d);
}

static liq_dec D(const char *s)
{
    liq_dec v;
    assert_int_equal(liq_dec_from_str(s, &v), LIQ_OK);
    return v;
}

static void assert_dec(liq_dec v, const char *want)
{
    char buf[LIQ_DEC_STRLEN];
    liq_dec_format(v, buf);
    assert_string_equal(buf, want);
}

static void assert_ret_dec(liq_hookrt *h, const char *key, const char *want)
{
    liq_diags d = LIQ_DIAGS_INIT;
    liq_dec v;
    assert_int_equal(liq_hookrt_ret_dec(h, key, &v, NULL, &d), LIQ_OK);
    assert_int_equal(d.n, 0);
    assert_dec(v, want);
}

static void assert_ret_str(liq_hookrt *h, const char *key, const char *want)
{
    liq_diags d = LIQ_DIAGS_INIT;
    char buf[64];
    assert_int_equal(liq_hookrt_ret_str(h, key, buf, sizeof buf, NULL, &d), LIQ_OK);
    assert_int_equal(d.n, 0);
    assert_string_equal(buf, want);
}

/* Exactly one error diag, at file:line, saying msg. Frees d. */
static void assert_one_diag(liq_diags *d, liq_status code, const char *file, int line,
                            const char *msg)
{
    assert_int_equal(d->n, 1);
    assert_int_equal(d->items[0].severity, LIQ_SEV_ERROR);
    assert_int_equal(d->items[0].code, code);
    assert_string_equal(d->items[0].file, file);
    assert_int_equal(d->items[0].line, line);
    assert_string_equal(d->items[0].msg, msg);
    liq_diags_free(d);
}

/* Calls fname expecting LIQ_EHOOK with one diag at HOOKS file:line. */
static void assert_call_fails(liq_hookrt *h, const char *fname, const char *file, int line,
                              const char *msg)
{
    liq_diags d = LIQ_DIAGS_INIT;
    assert_int_equal(call(h, fname, NULL, 0, &d), LIQ_EHOOK);
    assert_one_diag(&d, LIQ_EHOOK, file, line, msg);
}

static void assert_load_fails(const char *file, liq_status st, int line, const char *msg)
{
    liq_diags d = LIQ_DIAGS_INIT;
    liq_hookrt *h = liq_hookrt_new(0, 0);
    assert_non_null(h);
    assert_int_equal(liq_hookrt_load(h, file, &d), st);
    assert_one_diag(&d, st, file, line, msg);
    liq_hookrt_free(h);
}

/* ---- exact decimals ------------------------------------------------ */

static void test_hook_returns_exact_decimal_computed_from_ctx(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "arith.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    liq_hook_field f[] = {
        {.key = "notional", .kind = LIQ_HF_DEC, .dec = D("0.1")},
        {.key = "rate", .kind = LIQ_HF_DEC, .dec = D("0.2")},
    };
    assert_int_equal(call(h, "liquidation_fee", f, 2, &d), LIQ_OK);
    assert_ret_dec(h, NULL, "0.02");
    liq_hookrt_ret_done(h);
    liq_hookrt_free(h);
}

static void test_dec_point_one_plus_point_two_is_point_three(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "arith.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    assert_int_equal(call(h, "point_three", NULL, 0, &d), LIQ_OK);
    liq_dec v;
    assert_int_equal(liq_hookrt_ret_dec(h, NULL, &v, NULL, &d), LIQ_OK);
    assert_int_equal(liq_dec_cmp(v, D("0.3")), 0);
    liq_hookrt_ret_done(h);
    liq_hookrt_free(h);
}

static void test_returning_a_float_is_rejected_at_the_hook_definition(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "arith.lua");
    assert_call_fails(h, "float_fee", HOOKS "arith.lua", 11,
                      "hook float_fee: returned a float; floats lose cents; return dec('0.3')");
    liq_hookrt_free(h);
}

static void test_dec_refuses_float_operands_at_their_line(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "arith.lua");
    assert_call_fails(h, "float_operand", HOOKS "arith.lua", 16,
                      "hook float_operand: floats are not exact; use dec('0.5')");
    assert_call_fails(h, "float_to_dec", HOOKS "arith.lua", 24,
                      "hook float_to_dec: dec: floats are not exact; use dec('0.1')");
    liq_hookrt_free(h);
}

static void test_dec_refuses_text_that_is_not_a_decimal(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "arith.lua");
    assert_call_fails(h, "bad_string", HOOKS "arith.lua", 20,
                      "hook bad_string: dec: 'abc' is not a decimal");
    liq_hookrt_free(h);
}

static void test_dec_overflow_and_division_by_zero_are_errors(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "arith.lua");
    assert_call_fails(h, "overflow", HOOKS "arith.lua", 28, "hook overflow: decimal overflow");
    assert_call_fails(h, "div_zero", HOOKS "arith.lua", 32,
                      "hook div_zero: decimal division by zero");
    assert_call_fails(h, "bad_mode", HOOKS "arith.lua", 36,
                      "hook bad_mode: round: unknown rounding mode 'sideways' "
                      "(half_even, half_up, down, up, floor, ceil)");
    liq_hookrt_free(h);
}

static void test_dec_methods_metamethods_and_mixed_operands(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "arith.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    assert_int_equal(call(h, "methods", NULL, 0, &d), LIQ_OK);
    assert_ret_dec(h, "round_even", "-2.34");   /* half_even: ...45 goes to the even 4 */
    assert_ret_dec(h, "round_up", "-2.35");     /* away from zero */
    assert_ret_dec(h, "round_floor", "-2.4");
    assert_ret_dec(h, "abs", "2.345");
    assert_ret_dec(h, "sign", "-1");
    assert_ret_str(h, "is_zero", "true,false");
    assert_ret_dec(h, "min", "-2.345");
    assert_ret_dec(h, "max", "0.5");
    assert_ret_dec(h, "neg", "2.345");
    assert_ret_dec(h, "third", "0.333333333333");
    assert_ret_dec(h, "two_thirds", "0.666666666667");
    assert_ret_str(h, "concat", "fee=1.5!");
    /* dec(1) == 1 is false: Lua compares a userdata and a number as unequal */
    assert_ret_str(h, "cmp", "true,true,true,false");
    assert_ret_dec(h, "mixed", "0.75");
    assert_ret_dec(h, "copy", "-2.345");
    assert_ret_str(h, "getmetatable", "dec");
    liq_hookrt_ret_done(h);
    liq_hookrt_free(h);
}

/* ---- limits -------------------------------------------------------- */

static void test_infinite_loop_is_stopped_by_the_instruction_budget(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "limits.lua");
    assert_call_fails(h, "spin", HOOKS "limits.lua", 4,
                      "hook spin: instruction budget of 1000000 exceeded");
    liq_hookrt_free(h);
}

static void test_budget_is_per_runtime_and_named_in_the_message(void **state)
{
    (void)state;
    liq_hookrt *h = load_with(HOOKS "limits.lua", 0, 5000);
    assert_call_fails(h, "spin", HOOKS "limits.lua", 4,
                      "hook spin: instruction budget of 5000 exceeded");
    liq_hookrt_free(h);
}

static void test_pcall_in_a_hook_cannot_swallow_the_budget(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "limits.lua");
    assert_call_fails(h, "spin_in_pcall", HOOKS "limits.lua", 8,
                      "hook spin_in_pcall: instruction budget of 1000000 exceeded");
    /* a tail-called pcall returns without running another instruction */
    assert_call_fails(h, "spin_in_tail_pcall", HOOKS "limits.lua", 12,
                      "hook spin_in_tail_pcall: instruction budget of 1000000 exceeded");
    liq_hookrt_free(h);
}

/* Lua runs an xpcall handler where the error was raised: for a budget
 * error, inside the count hook, where hooks are off. The sandbox's xpcall
 * runs the handler after unwinding, under the budget. */
static void test_xpcall_handler_cannot_escape_the_budget(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "limits.lua");
    assert_call_fails(h, "spin_in_handler", HOOKS "limits.lua", 36,
                      "hook spin_in_handler: instruction budget of 1000000 exceeded");
    liq_hookrt_free(h);
}

static void test_xpcall_passes_the_error_to_its_handler(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "sandbox.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    assert_int_equal(call(h, "handled", NULL, 0, &d), LIQ_OK);
    assert_ret_str(h, NULL, "false: handled xy; true: 5");
    liq_hookrt_free(h);
}

static void test_close_handler_after_an_error_stays_within_the_budget(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "limits.lua");
    assert_call_fails(h, "spin_on_close", HOOKS "limits.lua", 16,
                      "hook spin_on_close: instruction budget of 1000000 exceeded");
    liq_hookrt_free(h);
}

static void test_unbounded_allocation_is_stopped_by_the_memory_cap(void **state)
{
    (void)state;
    liq_hookrt *h = load_with(HOOKS "limits.lua", 1024 * 1024, 100000000);
    assert_call_fails(h, "hoard", HOOKS "limits.lua", 22,
                      "hook hoard: memory cap of 1048576 bytes exceeded");
    liq_hookrt_free(h);
}

static void test_main_chunk_runs_under_the_budget(void **state)
{
    (void)state;
    assert_load_fails(HOOKS "main_loop.lua", LIQ_EHOOK, 4,
                      "instruction budget of 1000000 exceeded");
}

/* SQLite-style: run a whole load-call-read cycle under every cap from
 * "cannot open the libraries" to "enough"; each step either works or
 * fails with a diag, never reaches Lua's panic (which would abort). */
static void test_every_memory_cap_fails_cleanly(void **state)
{
    (void)state;
    static const char *const keys[] = {"round_even", "third", "concat", "no_such_key"};
    size_t worked = 0;
    for (size_t cap = 8 * 1024; cap <= 160 * 1024; cap += 256) {
        liq_diags d = LIQ_DIAGS_INIT;
        liq_hookrt *h = liq_hookrt_new(cap, 0);
        if (!h)
            continue;
        liq_status st = liq_hookrt_load(h, HOOKS "arith.lua", &d);
        int ref = st == LIQ_OK ? liq_hookrt_ref(h, "methods") : -1;
        if (ref >= 0)
            st = liq_hookrt_call(h, ref, "methods", NULL, 0, &d);
        for (size_t k = 0; ref >= 0 && st == LIQ_OK && k < 4; k++) {
            liq_dec v;
            char buf[32];
            bool present;
            liq_status rs = k == 2 ? liq_hookrt_ret_str(h, keys[k], buf, sizeof buf, &present, &d)
                                   : liq_hookrt_ret_dec(h, keys[k], &v, &present, &d);
            assert_true(rs == LIQ_OK || d.n > 0);
        }
        if (st != LIQ_OK)
            assert_true(d.n > 0);
        else if (ref >= 0)
            worked++;
        liq_diags_free(&d);
        liq_hookrt_free(h);
    }
    assert_true(worked > 0);
}

/* brim fills the cap to the last few bytes and returns what it filled it
 * with; reading a key Lua has never seen must then intern a new string. */
static void test_reading_a_return_at_the_memory_cap_fails_cleanly(void **state)
{
    (void)state;
    const char *key = "a_key_the_hook_file_never_mentions_and_long_enough_to_need_room";
    size_t refused = 0, read = 0;
    for (size_t extra = 0; extra < 512; extra += 8) {
        liq_diags d = LIQ_DIAGS_INIT;
        liq_hookrt *h = load_with(HOOKS "limits.lua", 64 * 1024 + extra, 0);
        assert_int_equal(call(h, "brim", NULL, 0, &d), LIQ_OK);
        liq_dec v;
        bool present;
        if (liq_hookrt_ret_dec(h, key, &v, &present, &d) == LIQ_OK) {
            assert_false(present);
            read++;
        } else {
            char want[160];
            snprintf(want, sizeof want, "hook brim: key '%s': memory cap of %zu bytes exceeded",
                     key, (size_t)(64 * 1024 + extra));
            assert_one_diag(&d, LIQ_EHOOK, HOOKS "limits.lua", 29, want);
            refused++;
        }
        liq_hookrt_ret_done(h);
        liq_hookrt_free(h);
    }
    assert_true(refused > 0);
    /* The refusal is the cap's doing: the same read after a hook that
     * left room (return the chain's head, the rest is garbage) works. A
     * call leaves no garbage of its own (ctx is made once per runtime),
     * so at these caps some runs may refuse every time. */
    liq_diags d = LIQ_DIAGS_INIT;
    liq_hookrt *h = load_with(HOOKS "limits.lua", 64 * 1024, 0);
    assert_int_equal(call(h, "roomy", NULL, 0, &d), LIQ_OK);
    liq_dec v;
    bool present;
    assert_int_equal(liq_hookrt_ret_dec(h, key, &v, &present, &d), LIQ_OK);
    assert_false(present);
    liq_hookrt_ret_done(h);
    liq_hookrt_free(h);
    liq_diags_free(&d);
    (void)read;
}

static void test_runtime_too_small_for_the_libraries_is_not_created(void **state)
{
    (void)state;
    assert_null(liq_hookrt_new(1024, 0));
}

/* ---- sandbox ------------------------------------------------------- */

static void test_files_code_loading_and_randomness_are_unreachable(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "sandbox.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    assert_int_equal(call(h, "reachable", NULL, 0, &d), LIQ_OK);
    assert_ret_str(h, NULL, "");
    liq_hookrt_free(h);
}

static void test_base_string_table_math_utf8_remain(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "sandbox.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    assert_int_equal(call(h, "available", NULL, 0, &d), LIQ_OK);
    assert_ret_str(h, NULL, "false|7|\xe2\x82\xac|a+b|3|CAUGHT");
    liq_hookrt_free(h);
}

static void test_os_execute_fails_as_a_nil_global_at_its_line(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "sandbox.lua");
    assert_call_fails(h, "shell", HOOKS "sandbox.lua", 24,
                      "hook shell: attempt to index a nil value (global 'os')");
    liq_hookrt_free(h);
}

/* ctx belongs to the call: a hook that writes to it fails at that line,
 * so nothing it scribbled can leak into the next call. */
static void test_ctx_is_read_only(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "ctx.lua");
    assert_call_fails(h, "scribble", HOOKS "ctx.lua", 4,
                      "hook scribble: ctx is read-only (keep your own values in locals)");
    liq_hookrt_free(h);
}

/* Fields are read on demand: pairs(ctx) sees none of them. */
static void test_ctx_fields_are_read_on_demand(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "ctx.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    liq_hook_field f[] = {{.key = "notional", .kind = LIQ_HF_DEC, .dec = liq_dec_from_int(5)}};
    assert_int_equal(call(h, "count_fields", f, 1, &d), LIQ_OK);
    liq_dec v;
    assert_int_equal(liq_hookrt_ret_dec(h, NULL, &v, NULL, &d), LIQ_OK);
    assert_int_equal(liq_dec_cmp(v, LIQ_DEC_ZERO), 0);
    liq_hookrt_ret_done(h);
    liq_diags_free(&d);
    liq_hookrt_free(h);
}

static void test_gc_metamethods_are_refused(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "sandbox.lua");
    assert_call_fails(h, "finalizer", HOOKS "sandbox.lua", 28,
                      "hook finalizer: setmetatable: __gc is not allowed in hooks");
    liq_hookrt_free(h);
}

static void test_bytecode_is_refused_at_load(void **state)
{
    (void)state;
    char path[] = "/tmp/liqsim_hook_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char chunk[] = "\x1bLua\x54\x00\x19\x93\r\n\x1a\n";
    assert_int_equal(write(fd, chunk, sizeof chunk - 1), (ssize_t)(sizeof chunk - 1));
    close(fd);
    assert_load_fails(path, LIQ_EINPUT, 0,
                      "precompiled Lua (bytecode) is not accepted; give the .lua source");
    unlink(path);
}

static void test_missing_hook_file_is_reported(void **state)
{
    (void)state;
    assert_load_fails(HOOKS "no_such_file.lua", LIQ_EIO, 0,
                      "cannot read hook file: No such file or directory");
}

/* ---- errors point at the hook ------------------------------------- */

static void test_runtime_error_reports_the_hook_file_and_line(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "arith.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    liq_hook_field f[] = {{.key = "rate", .kind = LIQ_HF_DEC, .dec = D("0.2")}};
    int ref = liq_hookrt_ref(h, "liquidation_fee");
    assert_int_equal(liq_hookrt_call(h, ref, "liquidation_fee", f, 1, &d), LIQ_EHOOK);
    /* rate is a dec, so dec's __mul meets the nil and words the error; it
     * cannot see the operand's name as the VM does (next test) */
    assert_one_diag(&d, LIQ_EHOOK, HOOKS "arith.lua", 4,
                    "hook liquidation_fee: attempt to perform arithmetic on a nil value");
    liq_hookrt_free(h);
}

static void test_lua_errors_keep_their_variable_names(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "errors.lua");
    assert_call_fails(h, "scaled", HOOKS "errors.lua", 27,
                      "hook scaled: attempt to perform arithmetic on a nil value "
                      "(field 'notional')");
    liq_hookrt_free(h);
}

static void test_dec_operand_errors_read_like_lua_errors(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "arith.lua");
    assert_call_fails(h, "bad_method_arg", HOOKS "arith.lua", 63,
                      "hook bad_method_arg: bad argument #1 to 'min' "
                      "(expected a decimal, got nil)");
    assert_call_fails(h, "bad_compare", HOOKS "arith.lua", 67,
                      "hook bad_compare: attempt to compare dec with nil");
    assert_call_fails(h, "bad_arith_type", HOOKS "arith.lua", 71,
                      "hook bad_arith_type: attempt to perform arithmetic on a table value");
    liq_hookrt_free(h);
}

static void test_error_in_a_helper_reports_the_helper_line(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "errors.lua");
    assert_call_fails(h, "deep", HOOKS "errors.lua", 4,
                      "hook deep: attempt to index a nil value (field 'missing')");
    assert_call_fails(h, "raises", HOOKS "errors.lua", 12, "hook raises: policy says no");
    assert_call_fails(h, "raises_table", HOOKS "errors.lua", 16,
                      "hook raises_table: (error object is a table value)");
    /* error(msg, 2) blames the caller, as its author asked */
    assert_call_fails(h, "raises_at_caller", HOOKS "errors.lua", 23,
                      "hook raises_at_caller: check failed");
    liq_hookrt_free(h);
}

static void test_long_paths_report_the_full_file_and_line(void **state)
{
    (void)state;
    /* Lua abbreviates sources longer than 60 bytes to "...tail" in its
     * messages; the diag still carries the whole path. */
    const char *path = HOOKS "../hooks/../hooks/../hooks/../hooks/errors.lua";
    assert_true(strlen(path) > 60);
    liq_hookrt *h = load(path);
    assert_call_fails(h, "raises", path, 12, "hook raises: policy says no");
    liq_hookrt_free(h);
}

static void test_syntax_error_reports_file_and_line(void **state)
{
    (void)state;
    assert_load_fails(HOOKS "syntax_error.lua", LIQ_EINPUT, 5, "unexpected symbol near 'end'");
}

static void test_error_in_the_main_chunk_reports_file_and_line(void **state)
{
    (void)state;
    assert_load_fails(HOOKS "main_error.lua", LIQ_EHOOK, 4,
                      "attempt to index a nil value (local 'rates')");
}

static void test_runtime_survives_errors(void **state)
{
    (void)state;
    liq_hookrt *h = load_with(HOOKS "limits.lua", 1024 * 1024, 0);
    liq_diags d = LIQ_DIAGS_INIT;
    assert_int_equal(liq_hookrt_load(h, HOOKS "arith.lua", &d), LIQ_OK);
    for (int i = 0; i < 3; i++) {
        assert_call_fails(h, "hoard", HOOKS "limits.lua", 22,
                          "hook hoard: memory cap of 1048576 bytes exceeded");
        assert_call_fails(h, "spin", HOOKS "limits.lua", 4,
                          "hook spin: instruction budget of 1000000 exceeded");
        assert_call_fails(h, "bad_string", HOOKS "arith.lua", 20,
                          "hook bad_string: dec: 'abc' is not a decimal");
        assert_int_equal(call(h, "point_three", NULL, 0, &d), LIQ_OK);
        assert_ret_dec(h, NULL, "0.3");
        liq_hookrt_ret_done(h);
    }
    liq_hookrt_free(h);
}

/* ---- arguments and returns ---------------------------------------- */

static void test_ctx_carries_every_field_kind(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "returns.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    liq_hook_field f[] = {
        {.key = "venue", .kind = LIQ_HF_STR, .str = "binance-usdm"},
        {.key = "qty", .kind = LIQ_HF_INT, .i = -3},
        {.key = "flag", .kind = LIQ_HF_BOOL, .b = true},
        {.key = "mark", .kind = LIQ_HF_DEC, .dec = D("123.45")},
        {.key = "none", .kind = LIQ_HF_STR, .str = NULL},
    };
    assert_int_equal(call(h, "echo", f, 5, &d), LIQ_OK);
    assert_ret_str(h, "venue", "binance-usdm");
    assert_ret_dec(h, "qty", "-3");
    assert_ret_str(h, "flag", "true");
    assert_ret_dec(h, "mark", "123.45");
    bool present = true;
    liq_dec v;
    assert_int_equal(liq_hookrt_ret_dec(h, "none", &v, &present, &d), LIQ_OK);
    assert_false(present);
    liq_hookrt_free(h);
}

static void test_debt_pursuit_list_is_read_item_by_item(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "returns.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    char type[32];
    liq_dec hours;
    bool present;
    assert_int_equal(call(h, "debt_pursuit", NULL, 0, &d), LIQ_OK);
    assert_int_equal(liq_hookrt_ret_len(h), 2);

    assert_int_equal(liq_hookrt_ret_enter(h, 1, &d), LIQ_OK);
    assert_ret_str(h, "type", "margin_call");
    assert_int_equal(liq_hookrt_ret_dec(h, "deadline_hours", &hours, &present, &d), LIQ_OK);
    assert_true(present);
    assert_dec(hours, "24");
    liq_hookrt_ret_leave(h);

    assert_int_equal(liq_hookrt_ret_enter(h, 2, &d), LIQ_OK);
    assert_int_equal(liq_hookrt_ret_str(h, "type", type, sizeof type, NULL, &d), LIQ_OK);
    assert_string_equal(type, "collections");
    assert_int_equal(liq_hookrt_ret_dec(h, "deadline_hours", &hours, &present, &d), LIQ_OK);
    assert_false(present);
    assert_int_equal(liq_hookrt_ret_dec(h, "deadline_hours", &hours, NULL, &d), LIQ_EHOOK);
    assert_one_diag(&d, LIQ_EHOOK, HOOKS "returns.lua", 3,
                    "hook debt_pursuit: item 2, key 'deadline_hours': missing");
    liq_hookrt_ret_leave(h);

    assert_int_equal(liq_hookrt_ret_enter(h, 3, &d), LIQ_EHOOK);
    assert_one_diag(&d, LIQ_EHOOK, HOOKS "returns.lua", 3, "hook debt_pursuit: item 3: missing");
    /* still at the list after a failed enter */
    assert_int_equal(liq_hookrt_ret_len(h), 2);
    liq_hookrt_ret_done(h);
    assert_int_equal(liq_hookrt_ret_len(h), 0);
    liq_hookrt_free(h);
}

static void test_list_items_may_be_decimals_themselves(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "returns.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    static const char *const want[] = {"1", "2", "3.5"};
    assert_int_equal(call(h, "decimals", NULL, 0, &d), LIQ_OK);
    assert_int_equal(liq_hookrt_ret_len(h), 3);
    for (size_t i = 1; i <= 3; i++) {
        assert_int_equal(liq_hookrt_ret_enter(h, i, &d), LIQ_OK);
        assert_ret_dec(h, NULL, want[i - 1]);
        liq_hookrt_ret_leave(h);
    }
    liq_hookrt_free(h);
}

static void test_table_return_with_optional_and_required_keys(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "returns.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    liq_dec v = D("42");
    bool present = true;
    assert_int_equal(call(h, "fee_split", NULL, 0, &d), LIQ_OK);
    assert_ret_dec(h, "insurance", "1.5");
    assert_ret_dec(h, "liquidator", "0.25");   /* a decimal string is exact too */
    assert_int_equal(liq_hookrt_ret_dec(h, "rebate", &v, &present, &d), LIQ_OK);
    assert_false(present);
    assert_dec(v, "42");                       /* untouched when absent */
    assert_int_equal(liq_hookrt_ret_dec(h, "rebate", &v, NULL, &d), LIQ_EHOOK);
    assert_one_diag(&d, LIQ_EHOOK, HOOKS "returns.lua", 10, "hook fee_split: key 'rebate': missing");
    liq_hookrt_free(h);
}

static void test_wrong_return_types_name_the_hook_and_key(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "returns.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    liq_dec v;
    char small[8];
    const char *file = HOOKS "returns.lua";
    assert_int_equal(call(h, "bad_types", NULL, 0, &d), LIQ_OK);
    assert_int_equal(liq_hookrt_ret_dec(h, "flag", &v, NULL, &d), LIQ_EHOOK);
    assert_one_diag(&d, LIQ_EHOOK, file, 14,
                    "hook bad_types: key 'flag': expected a decimal, got boolean");
    assert_int_equal(liq_hookrt_ret_dec(h, "rate", &v, NULL, &d), LIQ_EHOOK);
    assert_one_diag(&d, LIQ_EHOOK, file, 14,
                    "hook bad_types: key 'rate': floats lose cents; return dec('0.5')");
    assert_int_equal(liq_hookrt_ret_dec(h, "amount", &v, NULL, &d), LIQ_EHOOK);
    assert_one_diag(&d, LIQ_EHOOK, file, 14,
                    "hook bad_types: key 'amount': '12,5' is not a decimal");
    assert_int_equal(liq_hookrt_ret_str(h, "name", small, sizeof small, NULL, &d), LIQ_EHOOK);
    assert_one_diag(&d, LIQ_EHOOK, file, 14,
                    "hook bad_types: key 'name': expected a string, got number");
    assert_int_equal(liq_hookrt_ret_str(h, "long", small, sizeof small, NULL, &d), LIQ_EHOOK);
    assert_one_diag(&d, LIQ_EHOOK, file, 14,
                    "hook bad_types: key 'long': string longer than 7 bytes");
    /* a wrong type is an error even when the key is optional */
    bool present;
    assert_int_equal(liq_hookrt_ret_dec(h, "flag", &v, &present, &d), LIQ_EHOOK);
    liq_diags_free(&d);
    assert_int_equal(liq_hookrt_ret_enter(h, 1, &d), LIQ_EHOOK);
    assert_one_diag(&d, LIQ_EHOOK, file, 14, "hook bad_types: item 1: missing");
    liq_hookrt_free(h);
}

static void test_nil_return_reads_as_absent(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "returns.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    liq_dec v;
    bool present = true;
    assert_int_equal(call(h, "nothing", NULL, 0, &d), LIQ_OK);
    assert_int_equal(liq_hookrt_ret_len(h), 0);
    assert_int_equal(liq_hookrt_ret_dec(h, NULL, &v, &present, &d), LIQ_OK);
    assert_false(present);
    present = true;
    assert_int_equal(liq_hookrt_ret_dec(h, "fee", &v, &present, &d), LIQ_OK);
    assert_false(present);
    assert_int_equal(liq_hookrt_ret_dec(h, NULL, &v, NULL, &d), LIQ_EHOOK);
    assert_one_diag(&d, LIQ_EHOOK, HOOKS "returns.lua", 18,
                    "hook nothing: return value: expected a decimal, got nil");
    liq_hookrt_free(h);
}

static void test_returning_a_function_is_rejected(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "returns.lua");
    assert_call_fails(h, "gives_function", HOOKS "returns.lua", 21,
                      "hook gives_function: returned a function; "
                      "expected a decimal, a string or a table");
    liq_hookrt_free(h);
}

/* ---- references and isolation ------------------------------------- */

static void test_ref_finds_only_lua_functions(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "state.lua");
    assert_int_equal(liq_hookrt_ref(h, "no_such_hook"), -1);
    assert_int_equal(liq_hookrt_ref(h, "counter"), -1);     /* a number */
    assert_int_equal(liq_hookrt_ref(h, "tostring"), -1);    /* a C function */
    int ref = liq_hookrt_ref(h, "bump");
    assert_true(ref >= 0);
    const char *file;
    int line;
    liq_hookrt_where(h, ref, &file, &line);
    assert_string_equal(file, HOOKS "state.lua");
    assert_int_equal(line, 5);
    liq_hookrt_where(h, -1, &file, &line);
    assert_null(file);
    assert_int_equal(line, 0);
    liq_hookrt_free(h);
}

static void test_two_runtimes_do_not_share_globals(void **state)
{
    (void)state;
    liq_hookrt *a = load(HOOKS "state.lua");
    liq_hookrt *b = load(HOOKS "state.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    liq_hook_field f[] = {{.key = "value", .kind = LIQ_HF_STR, .str = "from a"}};

    assert_int_equal(call(a, "bump", NULL, 0, &d), LIQ_OK);
    assert_int_equal(call(a, "bump", NULL, 0, &d), LIQ_OK);
    assert_ret_dec(a, NULL, "2");
    assert_int_equal(call(b, "bump", NULL, 0, &d), LIQ_OK);
    assert_ret_dec(b, NULL, "1");

    assert_int_equal(call(a, "set_shared", f, 1, &d), LIQ_OK);
    assert_int_equal(call(b, "get_shared", NULL, 0, &d), LIQ_OK);
    bool present = true;
    char buf[16];
    assert_int_equal(liq_hookrt_ret_str(b, NULL, buf, sizeof buf, &present, &d), LIQ_OK);
    assert_false(present);
    assert_int_equal(call(a, "get_shared", NULL, 0, &d), LIQ_OK);
    assert_ret_str(a, NULL, "from a");

    liq_hookrt *c = load(HOOKS "arith.lua");
    assert_int_equal(liq_hookrt_ref(c, "bump"), -1);
    assert_int_equal(d.n, 0);
    liq_hookrt_free(a);
    liq_hookrt_free(b);
    liq_hookrt_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hook_returns_exact_decimal_computed_from_ctx),
        cmocka_unit_test(test_dec_point_one_plus_point_two_is_point_three),
        cmocka_unit_test(test_returning_a_float_is_rejected_at_the_hook_definition),
        cmocka_unit_test(test_dec_refuses_float_operands_at_their_line),
        cmocka_unit_test(test_dec_refuses_text_that_is_not_a_decimal),
        cmocka_unit_test(test_dec_overflow_and_division_by_zero_are_errors),
        cmocka_unit_test(test_dec_methods_metamethods_and_mixed_operands),
        cmocka_unit_test(test_infinite_loop_is_stopped_by_the_instruction_budget),
        cmocka_unit_test(test_budget_is_per_runtime_and_named_in_the_message),
        cmocka_unit_test(test_pcall_in_a_hook_cannot_swallow_the_budget),
        cmocka_unit_test(test_xpcall_handler_cannot_escape_the_budget),
        cmocka_unit_test(test_xpcall_passes_the_error_to_its_handler),
        cmocka_unit_test(test_close_handler_after_an_error_stays_within_the_budget),
        cmocka_unit_test(test_unbounded_allocation_is_stopped_by_the_memory_cap),
        cmocka_unit_test(test_main_chunk_runs_under_the_budget),
        cmocka_unit_test(test_every_memory_cap_fails_cleanly),
        cmocka_unit_test(test_reading_a_return_at_the_memory_cap_fails_cleanly),
        cmocka_unit_test(test_runtime_too_small_for_the_libraries_is_not_created),
        cmocka_unit_test(test_files_code_loading_and_randomness_are_unreachable),
        cmocka_unit_test(test_base_string_table_math_utf8_remain),
        cmocka_unit_test(test_os_execute_fails_as_a_nil_global_at_its_line),
        cmocka_unit_test(test_ctx_is_read_only),
        cmocka_unit_test(test_ctx_fields_are_read_on_demand),
        cmocka_unit_test(test_gc_metamethods_are_refused),
        cmocka_unit_test(test_bytecode_is_refused_at_load),
        cmocka_unit_test(test_missing_hook_file_is_reported),
        cmocka_unit_test(test_runtime_error_reports_the_hook_file_and_line),
        cmocka_unit_test(test_lua_errors_keep_their_variable_names),
        cmocka_unit_test(test_dec_operand_errors_read_like_lua_errors),
        cmocka_unit_test(test_error_in_a_helper_reports_the_helper_line),
        cmocka_unit_test(test_long_paths_report_the_full_file_and_line),
        cmocka_unit_test(test_syntax_error_reports_file_and_line),
        cmocka_unit_test(test_error_in_the_main_chunk_reports_file_and_line),
        cmocka_unit_test(test_runtime_survives_errors),
        cmocka_unit_test(test_ctx_carries_every_field_kind),
        cmocka_unit_test(test_debt_pursuit_list_is_read_item_by_item),
        cmocka_unit_test(test_list_items_may_be_decimals_themselves),
        cmocka_unit_test(test_table_return_with_optional_and_required_keys),
        cmocka_unit_test(test_wrong_return_types_name_the_hook_and_key),
        cmocka_unit_test(test_nil_return_reads_as_absent),
        cmocka_unit_test(test_returning_a_function_is_rejected),
        cmocka_unit_test(test_ref_finds_only_lua_functions),
        cmocka_unit_test(test_two_runtimes_do_not_share_globals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
