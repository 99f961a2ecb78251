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

#include <locale.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hook.h"

#include <lauxlib.h>
#include <lualib.h>

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

/* Small decimals travel in the bits of a light userdata (as m, m * 10^6
 * or m * 10^12 for a 61-bit m), the rest as a full userdata
 * (hook_dec.c): on each side of every edge a value reads, computes,
 * compares and returns exactly, however it was made. */
static void test_decimals_are_exact_on_each_side_of_their_forms(void **state)
{
    (void)state;
    static const char *const values[] = {
        "0", "1", "-1", "0.000000000001", "-0.000000000001",
        "1152921.504606846975", "1152921.504606846976",      /* 2^60 - 1, 2^60 raws */
        "-1152921.504606846976", "-1152921.504606846977",
        "1152921504606.846975", "1152921504606.846976",      /* m * 10^6 at 2^60 */
        "1152921504606.846977", "-1152921504606.846976", "-1152921504606.846977",
        "1152921504606846975", "1152921504606846976",        /* m * 10^12 at 2^60 */
        "-1152921504606846976", "-1152921504606846977",
        "1152921504606846975.000001", "99999999999999.5",
        "170141183460469231731687303.715884105726",          /* the largest raw, less 1 */
        "-170141183460469231731687303.715884105726",
    };
    liq_hookrt *h = load(HOOKS "arith.lua");
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        liq_diags d = LIQ_DIAGS_INIT;
        liq_hook_field f[] = {
            {.key = "x", .kind = LIQ_HF_DEC, .dec = D(values[i])},
            {.key = "s", .kind = LIQ_HF_STR, .str = values[i]},
        };
        char want[128];
        snprintf(want, sizeof want, "%s|true|true|true", values[i]);
        assert_int_equal(call(h, "same_value", f, 2, &d), LIQ_OK);
        assert_ret_str(h, NULL, want);
        liq_hookrt_ret_done(h);
        assert_int_equal(call(h, "liquidation_fee", (liq_hook_field[]){
                                  {.key = "notional", .kind = LIQ_HF_DEC, .dec = D(values[i])},
                                  {.key = "rate", .kind = LIQ_HF_DEC, .dec = D("1")}},
                              2, &d),
                         LIQ_OK);
        assert_ret_dec(h, NULL, values[i]);
        liq_hookrt_ret_done(h);
        liq_diags_free(&d);
    }
    liq_hookrt_free(h);
}

/* Lua names a decimal "dec" in its own messages whichever form carries
 * it (a small one is a light userdata, which Lua would call "userdata"). */
static void test_lua_messages_name_every_decimal_dec(void **state)
{
    (void)state;
    static const struct { const char *how; int line; const char *msg; } cases[] = {
        {"mod", 85, "hook misuse: attempt to perform arithmetic on a dec value (local 'd')"},
        {"call", 86, "hook misuse: attempt to call a dec value (local 'd')"},
        {"for", 87, "hook misuse: bad 'for' initial value (number expected, got dec)"},
        {"len", 88, "hook misuse: attempt to get length of a dec value (local 'd')"},
    };
    static const char *const values[] = {"1.5", "1152921.504606846976"};   /* light, full */
    liq_hookrt *h = load(HOOKS "arith.lua");
    for (size_t v = 0; v < 2; v++)
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
            liq_diags d = LIQ_DIAGS_INIT;
            liq_hook_field f[] = {
                {.key = "x", .kind = LIQ_HF_DEC, .dec = D(values[v])},
                {.key = "how", .kind = LIQ_HF_STR, .str = cases[i].how},
            };
            assert_int_equal(call(h, "misuse", f, 2, &d), LIQ_EHOOK);
            assert_one_diag(&d, LIQ_EHOOK, HOOKS "arith.lua", cases[i].line, cases[i].msg);
        }
    liq_hookrt_free(h);
}

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

static void test_base_string_table_math_utf8_remain(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "sandbox.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    assert_int_equal(call(h, "available", NULL, 0, &d), LIQ_OK);
    assert_ret_str(h, NULL, "false|7|\xe2\x82\xac|a+b|3|CAUGHT");
    liq_hookrt_free(h);
}

static void test_os_execute_is_named_as_not_available_at_its_line(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "sandbox.lua");
    assert_call_fails(h, "shell", HOOKS "sandbox.lua", 10,
                      "hook shell: not available in liqsim hooks: os.execute");
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

/* pairs(ctx) lists the call's fields in the order of their names (the
 * order the engine passes them in is not the hook's business), leaving
 * out a field that is nil. */
static void test_pairs_over_ctx_lists_the_fields_by_name(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "ctx.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    liq_hook_field f[] = {
        {.key = "side", .kind = LIQ_HF_STR, .str = "long"},
        {.key = "notional", .kind = LIQ_HF_DEC, .dec = liq_dec_from_int(5)},
        {.key = "absent", .kind = LIQ_HF_STR, .str = NULL},
        {.key = "leverage", .kind = LIQ_HF_INT, .i = 10},
    };
    assert_int_equal(call(h, "list_fields", f, 4, &d), LIQ_OK);
    assert_ret_str(h, NULL, "leverage=10 notional=5 side=long");
    liq_hookrt_ret_done(h);
    liq_diags_free(&d);
    liq_hookrt_free(h);
}

/* Issue 13: a typo in a field name is an error naming the field, with
 * the fields the stage gives, not a nil that fails lines later. */
static void test_reading_an_unknown_ctx_field_names_it_and_the_fields(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "ctx.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    liq_hook_field f[] = {
        {.key = "rate", .kind = LIQ_HF_DEC, .dec = D("0.001")},
        {.key = "notional", .kind = LIQ_HF_DEC, .dec = liq_dec_from_int(5)},
        {.key = "side", .kind = LIQ_HF_STR, .str = "long"},
    };
    assert_int_equal(call(h, "typo", f, 3, &d), LIQ_EHOOK);
    assert_one_diag(&d, LIQ_EHOOK, HOOKS "ctx.lua", 18,
                    "hook typo: ctx has no field 'notionl' (did you mean 'notional'?); "
                    "the fields are notional, rate, side");
    assert_int_equal(call(h, "stranger", f, 3, &d), LIQ_EHOOK);
    assert_one_diag(&d, LIQ_EHOOK, HOOKS "ctx.lua", 22,
                    "hook stranger: ctx has no field 'volume'; the fields are notional, rate, side");
    assert_int_equal(call(h, "by_number", f, 3, &d), LIQ_EHOOK);
    assert_one_diag(&d, LIQ_EHOOK, HOOKS "ctx.lua", 26,
                    "hook by_number: ctx has no field of type number; "
                    "the fields are notional, rate, side");
    /* a field the stage gives as nil is there, and nil */
    liq_hook_field g[] = {{.key = "notionl", .kind = LIQ_HF_STR, .str = NULL}};
    assert_int_equal(call(h, "typo", g, 1, &d), LIQ_OK);
    bool present = true;
    liq_dec v;
    assert_int_equal(liq_hookrt_ret_dec(h, NULL, &v, &present, &d), LIQ_OK);
    assert_false(present);
    liq_hookrt_free(h);
}

/* ctx keeps a field it was read for while the next calls give the same
 * value (engine/hook.c): a kept value is dropped as soon as a call gives
 * another one, gives it as nil, or does not give the field; a string is
 * compared by its text, even at the same address. */
static void test_each_call_reads_its_own_ctx_values(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "ctx.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    char side[8] = "long";
    liq_hook_field f[] = {
        {.key = "notional", .kind = LIQ_HF_DEC, .dec = D("5")},
        {.key = "side", .kind = LIQ_HF_STR, .str = side},
    };
    assert_int_equal(call(h, "read_twice", f, 2, &d), LIQ_OK);
    assert_ret_str(h, NULL, "5|5|long");
    assert_int_equal(call(h, "read_twice", f, 2, &d), LIQ_OK);
    assert_ret_str(h, NULL, "5|5|long");
    f[0].dec = D("7.25");
    assert_int_equal(call(h, "read_twice", f, 2, &d), LIQ_OK);
    assert_ret_str(h, NULL, "7.25|7.25|long");
    strcpy(side, "short");
    assert_int_equal(call(h, "read_twice", f, 2, &d), LIQ_OK);
    assert_ret_str(h, NULL, "7.25|7.25|short");
    /* the same key as an integer, then as nil, then not given */
    liq_hook_field g[] = {{.key = "notional", .kind = LIQ_HF_INT, .i = 7}};
    assert_int_equal(call(h, "just_notional", f, 2, &d), LIQ_OK);
    assert_ret_dec(h, NULL, "7.25");
    assert_int_equal(call(h, "just_notional", g, 1, &d), LIQ_OK);
    assert_ret_dec(h, NULL, "7");
    g[0] = (liq_hook_field){.key = "notional", .kind = LIQ_HF_STR, .str = NULL};
    assert_int_equal(call(h, "just_notional", g, 1, &d), LIQ_OK);
    bool present = true;
    liq_dec v;
    assert_int_equal(liq_hookrt_ret_dec(h, NULL, &v, &present, &d), LIQ_OK);
    assert_false(present);
    assert_int_equal(call(h, "just_notional", f, 2, &d), LIQ_OK);
    assert_ret_dec(h, NULL, "7.25");
    assert_int_equal(call(h, "just_notional", &f[1], 1, &d), LIQ_EHOOK);
    assert_one_diag(&d, LIQ_EHOOK, HOOKS "ctx.lua", 36,
                    "hook just_notional: ctx has no field 'notional'; the fields are side");
    liq_hookrt_free(h);
}

/* A ctx a hook keeps past its call reads the call in progress, whichever
 * hook that is, as it did before ctx kept values. */
static void test_a_kept_ctx_reads_the_call_in_progress(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "ctx.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    liq_hook_field f[] = {{.key = "notional", .kind = LIQ_HF_DEC, .dec = D("5")}};
    assert_int_equal(call(h, "keep", f, 1, &d), LIQ_OK);
    assert_ret_dec(h, NULL, "5");
    f[0].dec = D("9");
    assert_int_equal(call(h, "read_kept", f, 1, &d), LIQ_OK);
    assert_ret_dec(h, NULL, "9");
    liq_hook_field g[] = {{.key = "side", .kind = LIQ_HF_STR, .str = "long"}};
    assert_int_equal(call(h, "read_kept", g, 1, &d), LIQ_EHOOK);
    assert_one_diag(&d, LIQ_EHOOK, HOOKS "ctx.lua", 47,
                    "hook read_kept: ctx has no field 'notional'; the fields are side");
    liq_hookrt_free(h);
}

/* A field that was read (and is kept) is no more writable than before. */
static void test_ctx_stays_read_only_after_a_read(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "ctx.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    liq_hook_field f[] = {{.key = "notional", .kind = LIQ_HF_DEC, .dec = D("5")}};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(call(h, "write_after_read", f, 1, &d), LIQ_EHOOK);
        assert_one_diag(&d, LIQ_EHOOK, HOOKS "ctx.lua", 52,
                        "hook write_after_read: ctx is read-only (keep your own values in "
                        "locals)");
    }
    liq_hookrt_free(h);
}

/* A cache keeps 32 fields and 8 hooks have one: past either, fields are
 * read as they always were, and every call still reads its own. */
static void test_ctx_reads_right_past_what_its_caches_keep(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "ctx.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    static const char *const names[] = {
        "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11", "f12",
        "f13", "f14", "f15", "f16", "f17", "f18", "f19", "f20", "f21", "f22", "f23", "f24",
        "f25", "f26", "f27", "f28", "f29", "f30", "f31", "f32", "f33"};
    liq_hook_field f[34];
    for (int n = 32; n <= 33; n++) {
        for (int round = 1; round <= 3; round++) {
            f[0] = (liq_hook_field){.key = "n", .kind = LIQ_HF_INT, .i = n};
            for (int i = 0; i < n; i++)   /* field i is i + 1, then i + 2, ... */
                f[i + 1] = (liq_hook_field){.key = names[i], .kind = LIQ_HF_INT,
                                            .i = i + (round < 3 ? 1 : 2)};
            assert_int_equal(call(h, "sum_fields", f, (size_t)n + 1, &d), LIQ_OK);
            char want[16];
            snprintf(want, sizeof want, "%d", n * (n + 1) / 2 + (round < 3 ? 0 : n));
            assert_ret_dec(h, NULL, want);
        }
    }
    static const char *const hooks[] = {"hook1", "hook2", "hook3", "hook4", "hook5",
                                        "hook6", "hook7", "hook8", "hook9", "hook10"};
    for (int round = 0; round < 3; round++) {
        for (int k = 0; k < 10; k++) {
            liq_hook_field g[] = {{.key = "notional", .kind = LIQ_HF_INT, .i = k + round % 2}};
            assert_int_equal(call(h, hooks[k], g, 1, &d), LIQ_OK);
            char want[16];
            snprintf(want, sizeof want, "%d", k + round % 2);
            assert_ret_dec(h, NULL, want);
        }
    }
    liq_hookrt_free(h);
}

/* The budget charges a call the same units whatever earlier calls left
 * at hand (ctx's kept values, decimals made from strings): at every
 * budget around the edge, the call on a fresh runtime and the same call
 * after it on a runtime that has made it once end the same way. */
static void test_a_call_spends_the_same_budget_whatever_came_before(void **state)
{
    (void)state;
    liq_hook_field f[] = {
        {.key = "notional", .kind = LIQ_HF_DEC, .dec = D("1000")},
        {.key = "rate", .kind = LIQ_HF_DEC, .dec = D("0.001")},
    };
    int passed = 0, failed = 0;
    for (uint64_t budget = 1000; budget <= 1040; budget++) {
        liq_diags d = LIQ_DIAGS_INIT;
        liq_hookrt *cold = load_with(HOOKS "ctx.lua", 0, budget);
        liq_status first = call(cold, "steady", f, 2, &d);
        liq_hookrt *warm = load_with(HOOKS "ctx.lua", 0, budget);
        (void)call(warm, "steady", f, 2, &d);
        liq_status again = call(warm, "steady", f, 2, &d);
        assert_int_equal(first, again);
        if (first == LIQ_OK) {
            assert_ret_dec(cold, NULL, "500.001");
            passed++;
        } else {
            failed++;
        }
        liq_diags_free(&d);
        liq_hookrt_free(cold);
        liq_hookrt_free(warm);
    }
    /* the edge is inside the range */
    assert_true(passed > 0 && failed > 0);
}

/* dec keeps what it made from a string, up to 64 strings: past them,
 * strings are parsed each time, and every value is right either way. */
static void test_dec_of_many_strings_is_right_every_time(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "ctx.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(call(h, "many_strings", NULL, 0, &d), LIQ_OK);
        assert_ret_dec(h, NULL, "5100");   /* 1.5 + 2.5 + ... + 100.5 */
    }
    liq_hookrt_free(h);
}

static void test_gc_metamethods_are_refused(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "sandbox.lua");
    assert_call_fails(h, "finalizer", HOOKS "sandbox.lua", 14,
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
                      "cannot open: No such file or directory");
}

/* ---- errors point at the hook ------------------------------------- */

static void test_runtime_error_reports_the_hook_file_and_line(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "arith.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    liq_hook_field f[] = {{.key = "rate", .kind = LIQ_HF_DEC, .dec = D("0.2")},
                          {.key = "notional", .kind = LIQ_HF_STR, .str = NULL}};
    int ref = liq_hookrt_ref(h, "liquidation_fee");
    assert_int_equal(liq_hookrt_call(h, ref, "liquidation_fee", f, 2, &d), LIQ_EHOOK);
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
    liq_diags d = LIQ_DIAGS_INIT;
    liq_hook_field f[] = {{.key = "notional", .kind = LIQ_HF_STR, .str = NULL}};
    assert_int_equal(call(h, "scaled", f, 1, &d), LIQ_EHOOK);
    assert_one_diag(&d, LIQ_EHOOK, HOOKS "errors.lua", 27,
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
    liq_diags d = LIQ_DIAGS_INIT;
    liq_hook_field f[] = {{.key = "missing", .kind = LIQ_HF_STR, .str = NULL}};
    assert_int_equal(call(h, "bad_compare", f, 1, &d), LIQ_EHOOK);
    assert_one_diag(&d, LIQ_EHOOK, HOOKS "arith.lua", 67,
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
    liq_hookrt *h = load_with(HOOKS "limits.lua", 1024 * 1024, 3000000);
    liq_diags d = LIQ_DIAGS_INIT;
    assert_int_equal(liq_hookrt_load(h, HOOKS "arith.lua", &d), LIQ_OK);
    for (int i = 0; i < 3; i++) {
        assert_call_fails(h, "hoard", HOOKS "limits.lua", 22,
                          "hook hoard: memory cap of 1048576 bytes exceeded");
        assert_call_fails(h, "spin_briefly", HOOKS "limits.lua", 50,
                          "hook spin_briefly: instruction budget of 3000000 exceeded");
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

/* Defect 16: a string a hook returns (a debt action's note, its type)
 * is shown to a user; one a terminal would act on is refused, UTF-8 text
 * is kept. */
static void test_returned_strings_with_control_characters_are_refused(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "returns.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    char buf[64];
    assert_int_equal(call(h, "escape_note", NULL, 0, &d), LIQ_OK);
    assert_ret_str(h, "fine", "caf\xc3\xa9 \xe2\x82\xac");
    assert_int_equal(liq_hookrt_ret_str(h, "note", buf, sizeof buf, NULL, &d), LIQ_EHOOK);
    assert_one_diag(&d, LIQ_EHOOK, HOOKS "returns.lua", 34,
                    "hook escape_note: key 'note': the string holds a control character or a "
                    "byte that is not UTF-8 (\\x1b at byte 6); return plain text");
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
    assert_int_equal(line, 6);
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

/* ---- hostile hooks ------------------------------------------------ */

/* Issue 8: every way out of the sandbox, around its limits or into the
 * terminal that the red-team pass tried, each a one-line hook in
 * hostile.lua, with the exact message it must end in. Names outside the
 * allow-list are "not available"; work inside C library calls (table.move
 * over 2^40 slots, pattern backtracking, insert/remove/upper loops) is
 * charged and stops at the budget, in milliseconds; hook text reaches the
 * message with its control characters escaped (defect 16). */
static const struct hostile {
    const char *fn;
    int line;
    const char *msg;
} hostile[] = {
        {"os_execute", 5, "not available in liqsim hooks: os.execute"},
        {"os_exit", 6, "not available in liqsim hooks: os.exit"},
        {"os_getenv", 7, "not available in liqsim hooks: os.getenv"},
        {"os_clock", 8, "not available in liqsim hooks: os.clock"},
        {"io_open", 9, "not available in liqsim hooks: io.open"},
        {"io_read", 10, "not available in liqsim hooks: io.read"},
        {"load_code", 11, "not available in liqsim hooks: load (did you mean 'load_code'?)"},
        {"loadstring_code", 12, "not available in liqsim hooks: loadstring (did you mean 'loadstring_code'?)"},
        {"dofile_passwd", 13, "not available in liqsim hooks: dofile (did you mean 'dofile_passwd'?)"},
        {"loadfile_passwd", 14, "not available in liqsim hooks: loadfile (did you mean 'loadfile_passwd'?)"},
        {"require_os", 15, "not available in liqsim hooks: require (did you mean 'require_os'?)"},
        {"package_loaded", 16, "not available in liqsim hooks: package.loaded"},
        {"debug_getinfo", 17, "not available in liqsim hooks: debug.getinfo"},
        {"debug_registry", 18, "not available in liqsim hooks: debug.getregistry"},
        {"coroutine_wrap", 19, "not available in liqsim hooks: coroutine.wrap"},
        {"collect_garbage", 20, "not available in liqsim hooks: collectgarbage (did you mean 'collect_garbage'?)"},
        {"print_text", 21, "not available in liqsim hooks: print (did you mean 'print_text'?)"},
        {"warn_text", 22, "not available in liqsim hooks: warn (did you mean 'warn_text'?)"},
        {"raw_next", 23, "not available in liqsim hooks: next"},
        {"raw_set", 24, "not available in liqsim hooks: rawset (did you mean 'raw_set'?)"},
        {"string_dump", 25, "not available in liqsim hooks: string.dump"},
        {"method_dump", 26, "not available in liqsim hooks: string.dump"},
        {"string_pack", 27, "not available in liqsim hooks: string.pack"},
        {"math_random", 28, "not available in liqsim hooks: math.random"},
        {"math_randomseed", 29, "not available in liqsim hooks: math.randomseed"},
        {"utf8_codes", 30, "not available in liqsim hooks: utf8.codes"},
        {"typo_global", 31, "not available in liqsim hooks: strng (did you mean 'string'?)"},
        {"typo_library", 32, "not available in liqsim hooks: string.uper (did you mean 'string.upper'?)"},
        {"new_global", 33, "a hook cannot create the global 'leaked': globals are fixed once the file is loaded (keep values in locals)"},
        {"new_library_field", 34, "a hook cannot add string.trim: library tables are fixed once the file is loaded"},
        {"new_dec_field", 35, "a hook cannot add dec.half: library tables are fixed once the file is loaded"},
        {"dec_typo", 36, "not available in liqsim hooks: dec:rond (did you mean 'dec:round'?)"},
        {"unlock_globals", 37, "cannot change a protected metatable"},
        {"unlock_strings", 38, "not available in liqsim hooks: string.__index"},
        {"string_arith", 39, "attempt to perform arithmetic on a string value (constant '10')"},
        {"format_address", 40, "string.format: '%p' is not available in liqsim hooks (an address differs from run to run)"},
        {"pairs_table_key", 41, "pairs: a key of type table has no order that holds from run to run; keep such keys in a list and use ipairs"},
        {"insert_len_mm", 42, "table.insert: the table has a __len metamethod; the table library takes plain tables in liqsim hooks"},
        {"move_huge", 43, "instruction budget of 1000000 exceeded"},
        {"backtrack", 44, "instruction budget of 1000000 exceeded"},
        {"backtrack_gsub", 45, "instruction budget of 1000000 exceeded"},
        {"backtrack_gmatch", 46, "instruction budget of 1000000 exceeded"},
        {"balance_loop", 47, "instruction budget of 1000000 exceeded"},
        {"plain_find_loop", 48, "instruction budget of 1000000 exceeded"},
        {"insert_loop", 49, "instruction budget of 1000000 exceeded"},
        {"remove_loop", 50, "instruction budget of 1000000 exceeded"},
        {"upper_loop", 51, "instruction budget of 1000000 exceeded"},
        {"concat_loop", 52, "instruction budget of 1000000 exceeded"},
        {"tonumber_loop", 53, "instruction budget of 1000000 exceeded"},
        {"unpack_huge", 54, "instruction budget of 1000000 exceeded"},
        {"sort_loop", 55, "instruction budget of 1000000 exceeded"},
        {"rep_huge", 56, "string.rep: the result would be longer than 4096 bytes, the longest string a hook can make"},
        {"long_string", 57, "string longer than 4096 bytes (the longest a hook can make)"},
        {"dec_text_loop", 58, "instruction budget of 1000000 exceeded"},
        {"gc_at_cap", 59, "instruction budget of 1000000 exceeded"},
        {"terminal_escape", 60, "line one\\nline two \\x1b[31mred\\x1b[0m \\x07bell"},
        {"c1_escape", 61, "csi \\xc2\\x9b 31m"},
        {"vararg_tail_growth", 62, "instruction budget of 1000000 exceeded"},
        {"vararg_unpacked", 63, "instruction budget of 1000000 exceeded"},
        {"index_chain", 64, "setmetatable: __index chain deeper than 16 tables"},
        {"index_chain_from_the_top", 65, "setmetatable: this table is already another's __index or __newindex; give it its own metatable before that"},
        {"index_loop", 66, "setmetatable: this table is already another's __index or __newindex; give it its own metatable before that"},
        {"index_self", 67, "setmetatable: a table cannot be its own __index"},
        {"newindex_chain", 68, "setmetatable: __newindex chain deeper than 16 tables"},
        {"metatable_replaced", 69, "cannot change a protected metatable"},
        {"call_table", 70, "setmetatable: __call must be a function in hooks"},
        {"rep_empty", 71, "instruction budget of 1000000 exceeded"},
        {"weak_table", 72, "setmetatable: weak tables (__mode) are not available in liqsim hooks"},
};

static void test_hostile_hooks_fail_with_their_message(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "hostile.lua");
    /* The budget, not the clock, must stop each of them: a backstop of a
     * minute leaves a starved machine (sanitizers, many builds at once) no
     * way to pass by timing out first, and a hook the budget missed would
     * still end, with the backstop's message, which fails below. The
     * backstop has its own test (test_wall_clock_backstop_stops_a_long_call). */
    liq_hookrt_set_backstop(h, 60000);
    for (size_t i = 0; i < sizeof hostile / sizeof *hostile; i++) {
        char want[512];
        snprintf(want, sizeof want, "hook %s: %s", hostile[i].fn, hostile[i].msg);
        assert_call_fails(h, hostile[i].fn, HOOKS "hostile.lua", hostile[i].line, want);
    }
    /* and the runtime still works */
    liq_diags d = LIQ_DIAGS_INIT;
    assert_int_equal(liq_hookrt_load(h, HOOKS "edges.lua", &d), LIQ_OK);
    assert_int_equal(call(h, "quick", NULL, 0, &d), LIQ_OK);
    assert_ret_dec(h, NULL, "1");
    liq_hookrt_free(h);
}

/* Every hook in hostile.lua is in the table above, and nothing else. */
static void test_every_hostile_hook_is_checked(void **state)
{
    (void)state;
    FILE *f = fopen(HOOKS "hostile.lua", "r");
    assert_non_null(f);
    char line[512], name[128];
    size_t n = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "function %127[a-z_0-9](", name) == 1) {
            assert_true(n < sizeof hostile / sizeof *hostile);
            assert_string_equal(name, hostile[n].fn);
            n++;
        }
    fclose(f);
    assert_int_equal(n, sizeof hostile / sizeof *hostile);
}

/* ---- hooks answered without Lua (hook_fast.c) ---------------------- */

/* One call in two runtimes of the same file, one with hook_fast.c and
 * one without: the same status, the same diag, the same value. */
static void assert_same_both_ways(liq_hookrt *on, liq_hookrt *off, const char *fn,
                                  const liq_hook_field *f, size_t n)
{
    /* one reference per function, as a policy keeps them */
    static liq_hookrt *last_on;
    static struct { char name[32]; int on, off; } refs[32];
    static size_t nrefs;
    if (last_on != on) {
        last_on = on;
        nrefs = 0;
    }
    size_t r = 0;
    while (r < nrefs && strcmp(refs[r].name, fn) != 0)
        r++;
    if (r == nrefs) {
        assert_true(nrefs < 32);
        snprintf(refs[r].name, sizeof refs[r].name, "%s", fn);
        refs[r].on = liq_hookrt_ref(on, fn);
        refs[r].off = liq_hookrt_ref(off, fn);
        assert_true(refs[r].on >= 0 && refs[r].off >= 0);
        nrefs++;
    }
    liq_diags d1 = LIQ_DIAGS_INIT, d2 = LIQ_DIAGS_INIT;
    liq_status s1 = liq_hookrt_call(on, refs[r].on, fn, f, n, &d1);
    liq_status s2 = liq_hookrt_call(off, refs[r].off, fn, f, n, &d2);
    assert_int_equal(s1, s2);
    assert_int_equal(d1.n, d2.n);
    for (size_t i = 0; i < d1.n; i++) {
        assert_string_equal(d1.items[i].msg, d2.items[i].msg);
        assert_int_equal(d1.items[i].line, d2.items[i].line);
        assert_string_equal(d1.items[i].file ? d1.items[i].file : "",
                            d2.items[i].file ? d2.items[i].file : "");
    }
    if (s1 == LIQ_OK) {
        liq_dec v1 = LIQ_DEC_ZERO, v2 = LIQ_DEC_ZERO;
        bool p1 = false, p2 = false;
        liq_status r1 = liq_hookrt_ret_dec(on, NULL, &v1, &p1, &d1);
        liq_status r2 = liq_hookrt_ret_dec(off, NULL, &v2, &p2, &d2);
        assert_int_equal(r1, r2);
        assert_int_equal(p1, p2);
        char t1[LIQ_DEC_STRLEN], t2[LIQ_DEC_STRLEN];
        liq_dec_format(v1, t1);
        liq_dec_format(v2, t2);
        assert_string_equal(t1, t2);
        /* read as a string and as a list too (readers of the Lua stack,
         * where hook_fast.c's answer is put only for them) */
        char b1[64] = "", b2[64] = "";
        liq_diags e1 = LIQ_DIAGS_INIT, e2 = LIQ_DIAGS_INIT;
        assert_int_equal(liq_hookrt_ret_str(on, NULL, b1, sizeof b1, &p1, &e1),
                         liq_hookrt_ret_str(off, NULL, b2, sizeof b2, &p2, &e2));
        assert_int_equal(p1, p2);
        assert_string_equal(b1, b2);
        assert_int_equal(e1.n, e2.n);
        for (size_t i = 0; i < e1.n; i++)
            assert_string_equal(e1.items[i].msg, e2.items[i].msg);
        assert_int_equal(liq_hookrt_ret_len(on), liq_hookrt_ret_len(off));
        liq_diags_free(&e1);
        liq_diags_free(&e2);
    }
    liq_hookrt_ret_done(on);
    liq_hookrt_ret_done(off);
    liq_diags_free(&d1);
    liq_diags_free(&d2);
}

/* Whether hook_fast.c can answer a hook of fast.lua at all. */
typedef struct fast_hook {
    const char *fn;
    bool fast;
} fast_hook;

/* Straight-line hooks (the bench's, kraken-spot-margin's and deribit's
 * shapes, every operand form) give what Lua gives on every input: a
 * value, nil, or an error at its line (a field the call lacks, a float,
 * a division by zero, a decimal too large for the light form, a string
 * that is not a decimal); a global or an upvalue another hook changes is
 * read afresh; and hook_fast.c did answer most of the calls. */
static const fast_hook formula_hooks[] = {
    {"fee", true}, {"fund", true}, {"by_side", true}, {"per_unit", true},
    {"shapes", true}, {"integer_result", true}, {"nothing", true}, {"typo", false},
    {"float_operand", false}, {"divide", true}, {"read_global", true},
    {"read_upvalue", true}, {"looped", false}, {"calls_a_helper", false},
    {"set_both", false}, {"two_tables", true}, {NULL, false},
};

/* Hooks that call functions of the file's own (drift's liquidation_fee
 * calls perp_if_fee_rate) and dec's round method, as Lua does on every
 * input, also where it fails (a rounding mode or a step round refuses, a
 * method dec lacks); a called function another hook changes is called
 * afresh; hook_fast.c answers most calls (deep: those within the frames
 * it nests). (calls.lua: a runtime keeps 16 hook functions apart.) */
static const fast_hook calling_hooks[] = {
    {"calls_own", true}, {"rounds", true}, {"nested", true}, {"deep", true},
    {"other_method", false}, {"set_helper", false}, {NULL, false},
};

/* Input k of the calls the fast hooks are compared on: every field kind,
 * decimals of every size (one too large for the light form, zero, a
 * negative), strings that are and are not decimals, a nil string; n is
 * the count given (the last field left out now and then: shapes then
 * fails in Lua). */
static size_t fast_inputs(unsigned k, liq_hook_field f[11])
{
    static const char *const notional[] = {"9500", "-3", "0", "0.000000000001",
                                           "1152921.504606846976", "250000.5", "7"};
    static const char *const rate[] = {"0.001", "0", "-0.5", "2"};
    static const char *const margin[] = {"5", "100", "-1"};
    static const char *const side[] = {"BTC", "long", "SOL", "short", NULL};
    static const char *const level[] = {"0.02", "0.4", "abc"};
    static const char *const size[] = {"0.2", "-0.2", "3", "-1", "0.5", "1152921504606846976"};
    static const char *const mode[] = {"half_even", "half_up", "down", "up", "floor", "ceil",
                                       "sideways", NULL};
    f[0] = (liq_hook_field){.key = "notional", .kind = LIQ_HF_DEC, .dec = D(notional[k % 7])};
    f[1] = (liq_hook_field){.key = "rate", .kind = LIQ_HF_DEC, .dec = D(rate[k % 4])};
    f[2] = (liq_hook_field){.key = "remaining_margin", .kind = LIQ_HF_DEC, .dec = D(margin[k % 3])};
    f[3] = (liq_hook_field){.key = "deficit", .kind = LIQ_HF_DEC, .dec = D(notional[(k / 5) % 7])};
    f[4] = (liq_hook_field){.key = "side", .kind = LIQ_HF_STR, .str = side[k % 5]};
    f[5] = (liq_hook_field){.key = "size", .kind = LIQ_HF_DEC, .dec = D(size[(k / 2) % 6])};
    f[6] = (liq_hook_field){.key = "level", .kind = LIQ_HF_STR, .str = level[(k / 23) % 3]};
    f[7] = (liq_hook_field){.key = "leverage", .kind = LIQ_HF_INT, .i = k % 2 ? 10 : 3};
    f[8] = (liq_hook_field){.key = "flag", .kind = LIQ_HF_BOOL, .b = (k / 3) % 2};
    f[9] = (liq_hook_field){.key = "mode", .kind = LIQ_HF_STR, .str = mode[(k / 7) % 8]};
    f[10] = (liq_hook_field){.key = "missing", .kind = LIQ_HF_STR, .str = NULL};
    return k % 19 == 0 ? 10 : 11;
}

static void assert_hooks_answer_as_lua_does(const char *file, const fast_hook *hooks)
{
    size_t nhooks = 0;
    while (hooks[nhooks].fn)
        nhooks++;
    liq_hookrt *on = load(file), *off = load(file);
    hookrt_set_fast(off, false);
    uint64_t fast[16] = {0};
    assert_true(nhooks <= 16);
    for (unsigned k = 0; k < 420; k++) {
        liq_hook_field f[11];
        size_t n = fast_inputs(k, f);
        for (size_t h = 0; h < nhooks; h++)
            if ((strcmp(hooks[h].fn, "set_both") != 0 || k % 23 == 0) &&
                (strcmp(hooks[h].fn, "set_helper") != 0 || k % 17 == 0)) {
                uint64_t before = hookrt_fast_runs(on);
                assert_same_both_ways(on, off, hooks[h].fn, f, n);
                fast[h] += hookrt_fast_runs(on) - before;
                /* the same call again, no Lua code between: answered from
                 * what the first remembered, when it went through */
                if (hooks[h].fast) {
                    uint64_t ran = hookrt_fast_runs(on) - before, recalled = hookrt_fast_recalled(on);
                    assert_same_both_ways(on, off, hooks[h].fn, f, n);
                    assert_int_equal(hookrt_fast_recalled(on) - recalled, ran);
                }
            }
    }
    assert_int_equal(hookrt_fast_runs(off), 0);
    /* most calls of a formula: all but those on a large decimal, an error */
    for (size_t h = 0; h < nhooks; h++)
        if (hooks[h].fast)
            assert_true(fast[h] > 100);
        else
            assert_int_equal(fast[h], 0);
    liq_hookrt_free(on);
    liq_hookrt_free(off);
}

static void test_fast_hooks_answer_as_lua_does(void **state)
{
    (void)state;
    assert_hooks_answer_as_lua_does(HOOKS "fast.lua", formula_hooks);
}

static void test_fast_hooks_call_functions_as_lua_does(void **state)
{
    (void)state;
    assert_hooks_answer_as_lua_does(HOOKS "calls.lua", calling_hooks);
}

/* Generated hooks: a property over the shapes hook_fast.c decodes (an
 * arithmetic joined with its MMBIN, either operand a constant or an
 * immediate, swapped or not; a test with its jump; constants of every
 * kind, a float among them), made by a fixed pseudo-random walk over a
 * small grammar of formulas, comparisons and branches over ctx. */
typedef struct hookgen {
    uint64_t s;
    char *p, *end;
} hookgen;

static unsigned gen_pick(hookgen *g, unsigned n)
{
    g->s ^= g->s << 13;
    g->s ^= g->s >> 7;
    g->s ^= g->s << 17;
    return (unsigned)(g->s % n);
}

static void gen_put(hookgen *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(g->p, (size_t)(g->end - g->p), fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && n < g->end - g->p);
    g->p += n;
}

static void gen_expr(hookgen *g, unsigned depth, bool have_x)
{
    static const char *const leaves[] = {
        "ctx.notional", "ctx.rate", "ctx.remaining_margin", "ctx.deficit", "ctx.size",
        "ctx.notional", "ctx.rate", "ctx.remaining_margin", "ctx.deficit", "ctx.size",
        "ctx.leverage", "2", "-3", "0", "300", "dec(\"0.5\")", "dec.zero", "\"0.25\"",
        "HALF", "dec(ctx.leverage)", "ctx.size:round(\"0.1\")", "0.5", "x", "x", "x",
    };
    unsigned nleaves = sizeof leaves / sizeof *leaves - (have_x ? 0 : 3);
    if (depth == 0 || gen_pick(g, 3) == 0) {
        unsigned j = gen_pick(g, nleaves);
        /* the float now and then only: most hooks then still go through */
        if (strcmp(leaves[j], "0.5") == 0 && gen_pick(g, 4) != 0)
            j = 0;
        gen_put(g, "%s", leaves[j]);
        return;
    }
    if (gen_pick(g, 8) == 0) {
        gen_put(g, "-(");
        gen_expr(g, depth - 1, have_x);
        gen_put(g, ")");
        return;
    }
    static const char ops[] = "+-*/";
    gen_put(g, "(");
    gen_expr(g, depth - 1, have_x);
    gen_put(g, " %c ", ops[gen_pick(g, 4)]);
    gen_expr(g, depth - 1, have_x);
    gen_put(g, ")");
}

static void gen_cond(hookgen *g, unsigned depth, bool have_x)
{
    static const char *const cmp[] = {"<", "<=", ">", ">=", "==", "~="};
    switch (gen_pick(g, depth ? 7 : 5)) {
    case 0: gen_put(g, "ctx.flag"); return;
    case 1: gen_put(g, "ctx.side == \"long\""); return;
    case 2: /* an immediate either side */
        gen_expr(g, 1, have_x);
        gen_put(g, " %s %d", cmp[gen_pick(g, 6)], (int)gen_pick(g, 9) - 4);
        return;
    case 3:
        gen_put(g, "%d %s ", (int)gen_pick(g, 9) - 4, cmp[gen_pick(g, 6)]);
        gen_expr(g, 1, have_x);
        return;
    case 4:
        gen_expr(g, 1, have_x);
        gen_put(g, " %s ", cmp[gen_pick(g, 6)]);
        gen_expr(g, 1, have_x);
        return;
    default:
        gen_put(g, "not (");
        gen_cond(g, depth - 1, have_x);
        gen_put(g, gen_pick(g, 2) ? ") and " : ") or ");
        gen_cond(g, depth - 1, have_x);
        return;
    }
}

static void gen_hook(hookgen *g, unsigned k)
{
    gen_put(g, "function g%u(ctx)\n  local x = ", k);
    gen_expr(g, 2, false);
    gen_put(g, "\n  if ");
    gen_cond(g, 1, true);
    gen_put(g, " then x = ");
    gen_expr(g, 2, true);
    gen_put(g, " end\n");
    if (gen_pick(g, 2)) {
        gen_put(g, "  if ");
        gen_cond(g, 1, true);
        gen_put(g, " then return ");
        gen_expr(g, 2, true);
        gen_put(g, " end\n");
    }
    gen_put(g, "  return %s\nend\n", gen_pick(g, 4) ? "x" : "x * HALF");
}

/* Input k of the generated hooks at the edges of the light form (2^60 - 1
 * raw and -2^60 in each form, one unit past them), of int64 (leverage)
 * and at zero, beside ordinary values. */
static size_t edge_inputs(unsigned k, liq_hook_field f[11])
{
    static const char *const decs[] = {
        "1152921.504606846975", "-1152921.504606846976", "1152921.504606846976", "1152921.505",
        "1152921504606.846975", "-1152921504606.846976", "1152921504606846975",
        "-1152921504606846976", "0", "0.000000000001", "-0.000000000001", "2", "0.5", "9500",
        "576460.752303423487", "1073741824"};
    static const int64_t ints[] = {INT64_MAX, INT64_MIN, 0, -1, 1, 3, 1152921504606846975,
                                   -1152921504606846976};
    enum { ND = sizeof decs / sizeof *decs };
    size_t n = fast_inputs(k, f);
    f[0].dec = D(decs[k % ND]);
    f[1].dec = D(decs[(k / 3) % ND]);
    f[2].dec = D(decs[(k / 5 + 7) % ND]);
    f[3].dec = D(decs[(k / 7 + 3) % ND]);
    f[5].dec = D(decs[(k / 11 + 5) % ND]);
    f[7].i = ints[k % 8];
    return n;
}

static void generated_hooks_as_lua_does(size_t (*inputs)(unsigned, liq_hook_field *),
                                        unsigned nk, unsigned share)
{
    uint64_t answered = 0, calls = 0;
    /* every runtime kept to the end: assert_same_both_ways knows one by
     * its address */
    liq_hookrt *kept[12];
    /* 16 hooks a file: a runtime keeps 16 hook functions apart */
    for (unsigned file = 0; file < 6; file++) {
        char src[16384];
        hookgen g = {0x9E3779B97F4A7C15ull * (file + 1), src, src + sizeof src};
        gen_put(&g, "HALF = dec(\"0.5\")\n");
        for (unsigned k = 0; k < 16; k++)
            gen_hook(&g, k);
        char path[] = "/tmp/liqsim_gen_XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        size_t len = (size_t)(g.p - src);
        assert_int_equal(write(fd, src, len), (ssize_t)len);
        close(fd);
        /* the default budget, and one small enough to stop some hooks
         * (the count of instructions run, at its edge), above what the
         * file's main chunk runs */
        uint64_t budget = file % 2 ? 0 : 40 + 4 * file;
        liq_hookrt *on = load_with(path, 0, budget), *off = load_with(path, 0, budget);
        hookrt_set_fast(off, false);
        for (unsigned k = 0; k < nk; k++) {
            liq_hook_field f[11];
            size_t n = inputs(k * 7 + file, f);
            for (unsigned h = 0; h < 16; h++) {
                char fn[8];
                snprintf(fn, sizeof fn, "g%u", h);
                uint64_t before = hookrt_fast_runs(on);
                assert_same_both_ways(on, off, fn, f, n);
                answered += hookrt_fast_runs(on) - before;
                calls++;
            }
        }
        assert_int_equal(hookrt_fast_runs(off), 0);
        kept[2 * file] = on;
        kept[2 * file + 1] = off;
        unlink(path);
    }
    for (unsigned j = 0; j < 12; j++)
        liq_hookrt_free(kept[j]);

    /* the property is about something: many calls went through hook_fast.c */
    assert_true(answered * 5 > calls * share);
}

static void test_fast_hooks_answer_generated_hooks_as_lua_does(void **state)
{
    (void)state;
    generated_hooks_as_lua_does(fast_inputs, 60, 2);
}

/* The same hooks on values at the light form's and int64's edges, where
 * more calls are Lua's (a result too large for the light form). */
static void test_fast_hooks_answer_generated_hooks_at_the_edges_as_lua_does(void **state)
{
    (void)state;
    generated_hooks_as_lua_does(edge_inputs, 120, 1);
}

static void assert_ret_dec_after(liq_hookrt *h, const char *fn, const liq_hook_field *f,
                                 const char *want)
{
    liq_diags d = LIQ_DIAGS_INIT;
    assert_int_equal(liq_hookrt_call(h, liq_hookrt_ref(h, fn), fn, f, 2, &d), LIQ_OK);
    assert_ret_dec(h, NULL, want);
    liq_hookrt_ret_done(h);
}

/* What hook_fast.c remembers between calls (the value a field of an
 * upvalue table had) is the value of the table read this time: one
 * instruction that reads either of two tables, calls in a row with no
 * Lua code between them. */
static void test_fast_hooks_remember_per_table(void **state)
{
    (void)state;
    liq_hookrt *on = load(HOOKS "fast.lua"), *off = load(HOOKS "fast.lua");
    hookrt_set_fast(off, false);
    for (unsigned k = 0; k < 6; k++) {
        liq_hook_field f[] = {
            {.key = "flag", .kind = LIQ_HF_BOOL, .b = k % 2},
            {.key = "notional", .kind = LIQ_HF_DEC, .dec = D("3")},
        };
        assert_same_both_ways(on, off, "two_tables", f, 2);
    }
    assert_int_equal(hookrt_fast_runs(on), 6);
    /* ... and a global or an upvalue a hook changed is read again */
    liq_hook_field g[] = {
        {.key = "notional", .kind = LIQ_HF_DEC, .dec = D("3")},
        {.key = "level", .kind = LIQ_HF_STR, .str = "0.5"},
    };
    assert_same_both_ways(on, off, "read_global", g, 2);
    assert_same_both_ways(on, off, "read_upvalue", g, 2);
    assert_same_both_ways(on, off, "set_both", g, 2);
    assert_same_both_ways(on, off, "read_global", g, 2);
    assert_same_both_ways(on, off, "read_upvalue", g, 2);
    assert_int_equal(hookrt_fast_runs(on), 10);
    assert_ret_dec_after(on, "read_global", g, "1.5");
    /* a table read under a key from ctx (per_unit's PER_UNIT[ctx.side]):
     * remembered per key, and read afresh once Lua changed the table */
    liq_hook_field u[] = {
        {.key = "side", .kind = LIQ_HF_STR, .str = "BTC"},
        {.key = "size", .kind = LIQ_HF_DEC, .dec = D("2")},
        {.key = "notional", .kind = LIQ_HF_DEC, .dec = D("1000")},
        {.key = "rate", .kind = LIQ_HF_DEC, .dec = D("0.01")},
        {.key = "level", .kind = LIQ_HF_STR, .str = "0.5"},
    };
    for (int k = 0; k < 3; k++) {
        u[0].str = k == 1 ? "SOL" : "BTC";
        u[1].dec = D(k == 2 ? "3" : "2");   /* a new size: run again, the key remembered */
        assert_same_both_ways(on, off, "per_unit", u, 5);
    }
    uint64_t runs = hookrt_fast_runs(on);
    assert_same_both_ways(on, off, "set_per_unit", u, 5);
    assert_int_equal(hookrt_fast_runs(on), runs);   /* a table written: Lua's */
    assert_same_both_ways(on, off, "per_unit", u, 5);
    assert_int_equal(hookrt_fast_runs(on), runs + 1);
    liq_diags d = LIQ_DIAGS_INIT;
    assert_int_equal(liq_hookrt_call(on, liq_hookrt_ref(on, "per_unit"), "per_unit", u, 5, &d),
                     LIQ_OK);
    assert_ret_dec(on, NULL, "1510");   /* 1000 x (0.01 + 3 x 0.5): the new rate */
    liq_hookrt_ret_done(on);
    liq_hookrt_free(on);
    liq_hookrt_free(off);
}

/* A call whose fields hold, where the last runs read them, the values
 * they had then (and no Lua code ran since) is answered with that run's
 * answer: by_side reads side and then notional or size, and leverage.
 * What it did not read may differ; what it read may not, whether a
 * string rewritten in the caller's own buffer, a field moved to another
 * place, or a string too long to keep (then nothing is remembered). */
static void test_fast_hooks_remember_only_what_a_call_read(void **state)
{
    (void)state;
    liq_hookrt *on = load(HOOKS "fast.lua"), *off = load(HOOKS "fast.lua");
    hookrt_set_fast(off, false);
    char side[40] = "long";
    liq_hook_field f[] = {
        {.key = "side", .kind = LIQ_HF_STR, .str = side},
        {.key = "notional", .kind = LIQ_HF_DEC, .dec = D("9500")},
        {.key = "size", .kind = LIQ_HF_DEC, .dec = D("0.2")},
        {.key = "leverage", .kind = LIQ_HF_INT, .i = 10},
    };
    assert_same_both_ways(on, off, "by_side", f, 4);
    assert_int_equal(hookrt_fast_recalled(on), 0);
    /* a long does not read size: another size, the same answer */
    f[2].dec = D("3");
    assert_same_both_ways(on, off, "by_side", f, 4);
    assert_int_equal(hookrt_fast_recalled(on), 1);
    assert_same_both_ways(on, off, "by_side", f, 4);
    assert_int_equal(hookrt_fast_recalled(on), 2);
    /* the same buffer now says short: read again (size / leverage) */
    strcpy(side, "short");
    assert_same_both_ways(on, off, "by_side", f, 4);
    assert_int_equal(hookrt_fast_recalled(on), 2);
    /* another notional, which a short does not read */
    f[1].dec = D("1");
    assert_same_both_ways(on, off, "by_side", f, 4);
    assert_int_equal(hookrt_fast_recalled(on), 3);
    /* another leverage, which it does */
    f[3].i = 3;
    assert_same_both_ways(on, off, "by_side", f, 4);
    assert_int_equal(hookrt_fast_recalled(on), 3);
    /* the same values in another order: found afresh */
    liq_hook_field g[] = {f[3], f[2], f[1], f[0]};
    assert_same_both_ways(on, off, "by_side", g, 4);
    assert_int_equal(hookrt_fast_recalled(on), 3);
    /* a side of 23 bytes is kept, one of 24 is not */
    for (size_t len = 23; len <= 24; len++) {
        memset(side, 'x', len);
        side[len] = '\0';
        uint64_t before = hookrt_fast_recalled(on), runs = hookrt_fast_runs(on);
        assert_same_both_ways(on, off, "by_side", f, 4);
        assert_same_both_ways(on, off, "by_side", f, 4);
        assert_int_equal(hookrt_fast_runs(on), runs + 2);
        assert_int_equal(hookrt_fast_recalled(on), before + (len == 23));
    }
    liq_hookrt_free(on);
    liq_hookrt_free(off);
}

/* hook_fast.c counts a call's units as Lua does, and leaves one that
 * would pass its budget to Lua, which stops it with its own message:
 * many_strings spends 1,052 units. */
static void test_fast_hooks_keep_the_budget_at_its_edge(void **state)
{
    (void)state;
    for (uint64_t budget = 1051; budget <= 1052; budget++) {
        liq_hookrt *on = load_with(HOOKS "fast.lua", 0, budget);
        liq_hookrt *off = load_with(HOOKS "fast.lua", 0, budget);
        hookrt_set_fast(off, false);
        assert_same_both_ways(on, off, "many_strings", NULL, 0);
        liq_diags d = LIQ_DIAGS_INIT;
        int ref = liq_hookrt_ref(on, "many_strings");
        if (budget == 1052) {
            assert_int_equal(liq_hookrt_call(on, ref, "many_strings", NULL, 0, &d), LIQ_OK);
            assert_ret_dec(on, NULL, "27");
            assert_int_equal(hookrt_fast_runs(on), 2);
        } else {
            assert_int_equal(liq_hookrt_call(on, ref, "many_strings", NULL, 0, &d), LIQ_EHOOK);
            assert_int_equal(hookrt_fast_runs(on), 0);
            assert_one_diag(&d, LIQ_EHOOK, HOOKS "fast.lua", 82,
                            "hook many_strings: instruction budget of 1051 exceeded");
        }
        liq_diags_free(&d);
        liq_hookrt_free(on);
        liq_hookrt_free(off);
    }
}

/* At the edges of what hook_fast.c models (fast_edges.lua): ctx compared
 * with a table (the ctx another hook kept, which is the same table in
 * every call; one with an __eq, which Lua calls for two tables), the
 * light form's limits (2^60 - 1 raw and -2^60 in each of its three forms,
 * one unit past them, sums, products and negations that cross them),
 * integer fields at int64's ends against decimals, a nil field, every
 * rounding mode. Each call gives what Lua gives, and most go through. */
static void test_fast_hooks_answer_as_lua_does_at_the_edges(void **state)
{
    (void)state;
    static const char *const dec_edges[] = {
        "1152921.504606846975", "-1152921.504606846976", "1152921.504606846976",
        "-1152921.504606846977", "1152921.505", "-1152921.505", "1152921504606.846975",
        "-1152921504606.846976", "1152921504606.846976", "1152921504606846975",
        "-1152921504606846976", "1152921504606846976", "0", "0.000000000001", "-7", "2.5",
    };
    static const char *const rates[] = {"0.000001", "1000000", "-1", "0.5", "3", "1"};
    static const int64_t ints[] = {0, 4, 5, 10, 999999, 1000000, INT64_MAX, INT64_MIN, -1};
    static const char *const modes[] = {"half_even", "up", "floor", "ceil", NULL, "down"};
    static const char *const hooks[] = {"is_kept", "not_kept", "eq_meta", "plus_unit",
                                        "minus_unit", "negated", "scaled", "quotient",
                                        "same_value", "int_mixed", "int_against_dec",
                                        "nil_field"};
    enum { NH = sizeof hooks / sizeof *hooks };
    liq_hookrt *on = load(HOOKS "fast_edges.lua"), *off = load(HOOKS "fast_edges.lua");
    hookrt_set_fast(off, false);
    size_t nd = sizeof dec_edges / sizeof *dec_edges;
    uint64_t fast[NH] = {0};
    for (unsigned k = 0; k < 4 * nd * 6; k++) {
        liq_hook_field f[] = {
            {.key = "notional", .kind = LIQ_HF_DEC, .dec = D(dec_edges[k % nd])},
            {.key = "deficit", .kind = LIQ_HF_DEC, .dec = D(dec_edges[(k / 3 + k) % nd])},
            {.key = "rate", .kind = LIQ_HF_DEC, .dec = D(rates[(k / nd) % 6])},
            {.key = "leverage", .kind = LIQ_HF_INT, .i = ints[k % 9]},
            {.key = "mode", .kind = LIQ_HF_STR, .str = modes[(k / 5) % 6]},
            {.key = "missing", .kind = LIQ_HF_STR, .str = k % 7 ? NULL : "x"},
        };
        /* ctx kept before the first call and now and then again */
        if (k % 50 == 0) {
            assert_same_both_ways(on, off, "keep_ctx", f, 6);
        }
        for (size_t h = 0; h < NH; h++) {
            uint64_t before = hookrt_fast_runs(on);
            assert_same_both_ways(on, off, hooks[h], f, 6);
            fast[h] += hookrt_fast_runs(on) - before;
        }
    }
    assert_int_equal(hookrt_fast_runs(off), 0);
    /* ctx against a table is Lua's (hook_fast.c once answered it
     * unequal: the kept ctx is ctx, and Lua calls the table's __eq);
     * every other hook hook_fast.c answered on many inputs */
    for (size_t h = 0; h < NH; h++) {
        if (h < 3 ? fast[h] != 0 : fast[h] < 40)
            fail_msg("%s: %llu calls answered without Lua", hooks[h],
                     (unsigned long long)fast[h]);
    }
    liq_hookrt_free(on);
    liq_hookrt_free(off);
}

/* A field without a key is no field of ctx (ctx_index skips it): first
 * in the call, it is not what ctx.notional reads, by hook_fast.c either
 * (which once took it, at place 0, for the first field a GETFIELD asked:
 * the key it had not read yet was NULL too). */
static void test_fast_hooks_skip_a_field_without_a_key(void **state)
{
    (void)state;
    liq_hookrt *on = load(HOOKS "fast_edges.lua"), *off = load(HOOKS "fast_edges.lua");
    hookrt_set_fast(off, false);
    liq_hook_field f[] = {
        {.key = NULL, .kind = LIQ_HF_DEC, .dec = D("5")},
        {.key = "notional", .kind = LIQ_HF_DEC, .dec = D("7")},
    };
    assert_same_both_ways(on, off, "negated", f, 2);
    assert_int_equal(hookrt_fast_runs(on), 1);
    liq_diags d = LIQ_DIAGS_INIT;
    assert_int_equal(call(on, "negated", f, 2, &d), LIQ_OK);
    assert_ret_dec(on, NULL, "-7");
    liq_hookrt_ret_done(on);
    liq_hookrt_free(on);
    liq_hookrt_free(off);
}

/* A call of a function of the file's own is answered by hook_fast.c only
 * well inside the budget (through Lua, the call may grow the stack, which
 * its allocation charges): calls_own spends a few units and runs about
 * thirty instructions; with a budget of 40 it is Lua's, with 300
 * hook_fast.c's; the same answer either way. Under a budget below the
 * count step of 1,000 the count hook fires at that many instructions:
 * long_way runs 46, so with 40 Lua stops it, and hook_fast.c, which
 * counts them, leaves it to Lua. */
static void test_fast_hooks_leave_calls_near_the_budget_to_lua(void **state)
{
    (void)state;
    liq_hook_field f[] = {
        {.key = "notional", .kind = LIQ_HF_DEC, .dec = D("9500")},
        {.key = "rate", .kind = LIQ_HF_DEC, .dec = D("0.05")},
        {.key = "remaining_margin", .kind = LIQ_HF_DEC, .dec = D("0.04")},
        {.key = "deficit", .kind = LIQ_HF_DEC, .dec = D("20")},
    };
    for (uint64_t budget = 40; budget <= 300; budget += 260) {
        liq_hookrt *on = load_with(HOOKS "calls.lua", 0, budget);
        liq_hookrt *off = load_with(HOOKS "calls.lua", 0, budget);
        hookrt_set_fast(off, false);
        assert_same_both_ways(on, off, "calls_own", f, 4);
        assert_int_equal(hookrt_fast_runs(on), budget == 300 ? 1 : 0);
        assert_same_both_ways(on, off, "long_way", f, 4);
        assert_int_equal(hookrt_fast_runs(on), budget == 300 ? 2 : 0);
        liq_diags d = LIQ_DIAGS_INIT;
        /* 9500 x min(0.04, (0.05 - 20 / 9500 to 1e-6 down) x 0.95 to 1e-6 down) */
        assert_int_equal(call(on, "calls_own", f, 4, &d), LIQ_OK);
        assert_ret_dec(on, NULL, "380");
        liq_hookrt_ret_done(on);
        if (budget == 40) {
            assert_int_equal(call(on, "long_way", f, 4, &d), LIQ_EHOOK);
            assert_one_diag(&d, LIQ_EHOOK, HOOKS "calls.lua", 134,
                            "hook long_way: instruction budget of 40 exceeded");
        } else {
            assert_int_equal(call(on, "long_way", f, 4, &d), LIQ_OK);
            assert_ret_dec(on, NULL, "0.1");
            liq_hookrt_ret_done(on);
        }
        liq_diags_free(&d);
        liq_hookrt_free(on);
        liq_hookrt_free(off);
    }
}

/* The shipped hooks answer as Lua does on a spread of inputs: drift's
 * liquidation fee (a function of its own called, two roundings),
 * kraken-spot-margin's and deribit's maintenance margins; hook_fast.c
 * answers nearly all of them (none of the inputs is a large decimal). */
static void test_shipped_hooks_answer_as_lua_does(void **state)
{
    (void)state;
    static const struct { const char *file, *fn; } hooks[] = {
        {LIQ_SOURCE_DIR "/policies/drift.lua", "liquidation_fee"},
        {LIQ_SOURCE_DIR "/policies/kraken-spot-margin.lua", "maintenance_margin"},
        {LIQ_SOURCE_DIR "/policies/deribit.lua", "maintenance_margin"},
    };
    static const char *const px[] = {"150", "142.5", "98.137", "0.5", "7900.1", "100"};
    static const char *const size[] = {"10", "0.001", "2.5", "400", "1"};
    static const char *const margin[] = {"-20", "0", "3.5", "1000", "-0.000001", "12.25"};
    static const char *const rate[] = {"0.05", "0.01", "0.1", "0.005"};
    static const char *const market[] = {"BTC_USDC-PERPETUAL", "SOL_USDC-PERPETUAL"};
    for (size_t h = 0; h < sizeof hooks / sizeof *hooks; h++) {
        liq_hookrt *on = load(hooks[h].file), *off = load(hooks[h].file);
        hookrt_set_fast(off, false);
        unsigned calls = 0;
        for (unsigned k = 0; k < 600; k++) {
            liq_dec sz = D(size[k % 5]), tr = D(px[k % 6]), fill = D(px[(k / 6) % 6]);
            liq_dec notional, entry_notional;
            assert_int_equal(liq_dec_mul(sz, tr, LIQ_ROUND_HALF_EVEN, &notional), LIQ_OK);
            assert_int_equal(liq_dec_mul(sz, fill, LIQ_ROUND_HALF_EVEN, &entry_notional), LIQ_OK);
            liq_hook_field f[] = {
                {.key = "side", .kind = LIQ_HF_STR, .str = k % 2 ? "long" : "short"},
                {.key = "size_closed", .kind = LIQ_HF_DEC, .dec = sz},
                {.key = "size", .kind = LIQ_HF_DEC, .dec = sz},
                {.key = "fill_price", .kind = LIQ_HF_DEC, .dec = fill},
                {.key = "trigger_price", .kind = LIQ_HF_DEC, .dec = tr},
                {.key = "price", .kind = LIQ_HF_DEC, .dec = tr},
                {.key = "notional", .kind = LIQ_HF_DEC, .dec = notional},
                {.key = "entry_notional", .kind = LIQ_HF_DEC, .dec = entry_notional},
                {.key = "remaining_margin", .kind = LIQ_HF_DEC, .dec = D(margin[(k / 5) % 6])},
                {.key = "rate", .kind = LIQ_HF_DEC, .dec = D(rate[(k / 3) % 4])},
                {.key = "maintenance_rate", .kind = LIQ_HF_DEC, .dec = D(rate[(k / 7) % 4])},
                {.key = "tier_rate", .kind = LIQ_HF_DEC, .dec = D(rate[(k / 11) % 4])},
                {.key = "leverage", .kind = LIQ_HF_DEC, .dec = D(k % 3 ? "5" : "2")},
                {.key = "market", .kind = LIQ_HF_STR, .str = market[(k / 2) % 2]},
            };
            assert_same_both_ways(on, off, hooks[h].fn, f, sizeof f / sizeof *f);
            calls++;
        }
        assert_int_equal(hookrt_fast_runs(off), 0);
        assert_true(hookrt_fast_runs(on) >= calls - 2);
        liq_hookrt_free(on);
        liq_hookrt_free(off);
    }
}

/* ---- limits at their edge ------------------------------------------ */

static liq_status call_n(liq_hookrt *h, const char *fn, int64_t n, liq_diags *d)
{
    liq_hook_field f[] = {{.key = "n", .kind = LIQ_HF_INT, .i = n}};
    return call(h, fn, f, 1, d);
}

/* A library call pays 1 + one per argument + one per element it moves,
 * before it moves them: table.move({}, 1, n, 1) costs 5 + n units, and
 * the hook's own few instructions cost nothing below the count step of
 * 1000 (nor does the empty table's 56 bytes, below 64). */
static void test_budget_holds_at_its_edge_and_stops_one_past_it(void **state)
{
    (void)state;
    liq_hookrt *h = load_with(HOOKS "edges.lua", 0, 100000);
    liq_diags d = LIQ_DIAGS_INIT;
    assert_int_equal(call_n(h, "move_n", 100000 - 5, &d), LIQ_OK);
    liq_hookrt_ret_done(h);
    assert_int_equal(call_n(h, "move_n", 100000 - 4, &d), LIQ_EHOOK);
    assert_one_diag(&d, LIQ_EHOOK, HOOKS "edges.lua", 4,
                    "hook move_n: instruction budget of 100000 exceeded");
    liq_hookrt_free(h);
}

/* Each operation of the decimal type costs one unit (its C arithmetic is
 * work the VM's count does not see): dec(2), + * / -, unary -, dec.max,
 * :abs, +, < and <= are eleven, so with table.move's 5 + n the hook
 * spends 16 + n units (its few VM instructions cost nothing below the
 * count step of 1000). */
static void test_decimal_operations_are_charged_at_the_edge(void **state)
{
    (void)state;
    liq_hookrt *h = load_with(HOOKS "edges.lua", 0, 1000);
    liq_diags d = LIQ_DIAGS_INIT;
    assert_int_equal(call_n(h, "dec_ops_then_move_n", 1000 - 16, &d), LIQ_OK);
    assert_ret_dec(h, NULL, "2");
    liq_hookrt_ret_done(h);
    assert_int_equal(call_n(h, "dec_ops_then_move_n", 1000 - 15, &d), LIQ_EHOOK);
    assert_one_diag(&d, LIQ_EHOOK, HOOKS "edges.lua", 39,
                    "hook dec_ops_then_move_n: instruction budget of 1000 exceeded");
    liq_hookrt_free(h);
}

/* No string in a hook is longer than 4096 bytes: string.rep says so
 * before it works, any other way (here ..) when the string is made. */
static void test_string_limit_holds_at_its_edge_and_stops_one_past_it(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "edges.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    assert_int_equal(call_n(h, "rep_n", LIQ_HOOK_MAX_STRING, &d), LIQ_OK);
    assert_ret_dec(h, NULL, "4096");
    assert_int_equal(call_n(h, "rep_n", LIQ_HOOK_MAX_STRING + 1, &d), LIQ_EHOOK);
    assert_one_diag(&d, LIQ_EHOOK, HOOKS "edges.lua", 9,
                    "hook rep_n: string.rep: the result would be longer than 4096 bytes, "
                    "the longest string a hook can make");
    assert_int_equal(call_n(h, "concat_n", LIQ_HOOK_MAX_STRING, &d), LIQ_OK);
    assert_ret_dec(h, NULL, "4096");
    assert_int_equal(call_n(h, "concat_n", LIQ_HOOK_MAX_STRING + 1, &d), LIQ_EHOOK);
    assert_one_diag(&d, LIQ_EHOOK, HOOKS "edges.lua", 13,
                    "hook concat_n: string longer than 4096 bytes (the longest a hook can make)");
    liq_hookrt_free(h);
}

static bool holds_at(size_t cap)
{
    liq_diags d = LIQ_DIAGS_INIT;
    liq_hookrt *h = liq_hookrt_new(cap, 0);
    bool ok = h && liq_hookrt_load(h, HOOKS "edges.lua", &d) == LIQ_OK &&
              call(h, "hold", NULL, 0, &d) == LIQ_OK;
    if (h && !ok && d.n) {
        /* below the edge, the failure is the cap's, at the hook's line */
        assert_true(strstr(d.items[d.n - 1].msg, "memory cap of") != NULL);
    }
    liq_diags_free(&d);
    liq_hookrt_free(h);
    return ok;
}

/* The cap is exact: find the smallest cap under which hold() works, then
 * one byte less refuses it with the cap's message. */
static void test_memory_cap_holds_at_its_edge_and_stops_one_past_it(void **state)
{
    (void)state;
    size_t lo = 16 * 1024, hi = 1024 * 1024;   /* fails at lo, works at hi */
    assert_false(holds_at(lo));
    assert_true(holds_at(hi));
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (holds_at(mid))
            hi = mid;
        else
            lo = mid;
    }
    liq_diags d = LIQ_DIAGS_INIT;
    liq_hookrt *h = load_with(HOOKS "edges.lua", hi - 1, 0);
    assert_int_equal(call(h, "hold", NULL, 0, &d), LIQ_EHOOK);
    char want[96];
    snprintf(want, sizeof want, "hook hold: memory cap of %zu bytes exceeded", hi - 1);
    assert_int_equal(d.n, 1);
    assert_string_equal(d.items[0].file, HOOKS "edges.lua");
    assert_in_range(d.items[0].line, 24, 28);   /* whichever allocation is the last to fit */
    assert_string_equal(d.items[0].msg, want);
    liq_diags_free(&d);
    liq_hookrt_free(h);
    assert_true(holds_at(hi));
}

/* Defect 14: the cap counts what malloc holds, not what Lua asked for. An
 * empty table is a 56-byte request, served from the 64-byte pool class,
 * whose blocks glibc holds as 80 bytes (header, 16-byte rounding): the
 * allocator itself says no less. Counting requests fitted ~14,000 tables
 * in 1 MiB, and 1.49 GB at a 1 GiB cap. */
static void test_memory_cap_counts_what_the_allocator_holds(void **state)
{
    (void)state;
    const size_t cap = 1024 * 1024, per_table = 80;
    void *p = malloc(64);
    assert_non_null(p);
    assert_true(malloc_usable_size(p) + sizeof(size_t) <= per_table);
    free(p);
    liq_hookrt *h = load_with(HOOKS "edges.lua", cap, 100000000);
    liq_diags d = LIQ_DIAGS_INIT;
    assert_int_equal(call(h, "tables", NULL, 0, &d), LIQ_OK);
    liq_dec n;
    assert_int_equal(liq_hookrt_ret_dec(h, NULL, &n, NULL, &d), LIQ_OK);
    char text[LIQ_DEC_STRLEN];
    liq_dec_format(n, text);
    long long tables = atoll(text);
    assert_true(tables > 1000);
    assert_true((size_t)tables * per_table <= cap);
    liq_hookrt_free(h);
}

/* The last line: a hook the budget would let run for 1e9 units is
 * stopped by the clock, with its own message; a quick one is not. */
static void test_wall_clock_backstop_stops_a_long_call(void **state)
{
    (void)state;
    liq_hookrt *h = load_with(HOOKS "limits.lua", 0, 1000000000);
    liq_diags d = LIQ_DIAGS_INIT;
    assert_int_equal(liq_hookrt_load(h, HOOKS "edges.lua", &d), LIQ_OK);
    liq_hookrt_set_backstop(h, 50);
    assert_call_fails(h, "spin_briefly", HOOKS "limits.lua", 50,
                      "hook spin_briefly: wall-clock backstop of 50 ms exceeded");
    assert_int_equal(call(h, "quick", NULL, 0, &d), LIQ_OK);
    assert_ret_dec(h, NULL, "1");
    liq_hookrt_free(h);
}

/* ---- one answer, whatever the run ---------------------------------- */

/* Defect 11: pairs goes in one order: numbers ascending, then strings
 * bytewise, then false, true. */
static void test_pairs_visits_keys_in_sorted_order(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "order.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    assert_int_equal(call(h, "key_order", NULL, 0, &d), LIQ_OK);
    assert_ret_str(h, NULL, "-1 1.5 2 10 a b false true");
    assert_int_equal(call(h, "removed_while_walking", NULL, 0, &d), LIQ_OK);
    assert_ret_str(h, NULL, "ac");
    liq_hookrt_free(h);
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Stock Lua seeds each state's string hashes from an address and the
 * time, so pairs over k1..k40 came out in a new order in each runtime
 * (five different fees in twenty runs). Every runtime now lists them in
 * the keys' byte order. */
static void test_pairs_order_is_the_same_in_every_runtime(void **state)
{
    (void)state;
    char names[40][8], want[512] = "";
    const char *sorted[40];
    for (int i = 0; i < 40; i++) {
        snprintf(names[i], sizeof names[i], "k%d", i + 1);
        sorted[i] = names[i];
    }
    qsort(sorted, 40, sizeof *sorted, cmp_cstr);
    for (int i = 0; i < 40; i++) {
        strcat(want, sorted[i]);
        if (i < 39)
            strcat(want, ",");
    }
    for (int run = 0; run < 10; run++) {
        liq_hookrt *h = load(HOOKS "order.lua");
        liq_diags d = LIQ_DIAGS_INIT;
        char got[512];
        assert_int_equal(call(h, "many_keys", NULL, 0, &d), LIQ_OK);
        assert_int_equal(liq_hookrt_ret_str(h, NULL, got, sizeof got, NULL, &d), LIQ_OK);
        assert_string_equal(got, want);
        liq_hookrt_free(h);
    }
}

/* table.sort is stable: records with equal keys keep their order (Lua's
 * quicksort takes a pivot from the clock on large arrays). */
static void test_table_sort_is_stable(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "order.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    char want[1024] = "", got[1024], num[8];
    for (int k = 0; k < 3; k++)
        for (int i = 1; i <= 200; i++)
            if (i % 3 == k) {
                snprintf(num, sizeof num, "%s%d", want[0] ? "," : "", i);
                strcat(want, num);
            }
    assert_int_equal(call(h, "stable_sort", NULL, 0, &d), LIQ_OK);
    assert_int_equal(liq_hookrt_ret_str(h, NULL, got, sizeof got, NULL, &d), LIQ_OK);
    assert_string_equal(got, want);
    liq_hookrt_free(h);
}

/* tostring and string.format print no addresses. */
static void test_tostring_prints_no_address(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "order.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    assert_int_equal(call(h, "addresses", NULL, 0, &d), LIQ_OK);
    assert_ret_str(h, NULL, "table function table|table");
    liq_hookrt_free(h);
}

/* Metatables still do what hooks use them for (a class, a subclass,
 * methods added later, getmetatable answering the class), and one is
 * read when it is set. */
static void test_metatables_serve_classes_and_are_read_when_set(void **state)
{
    (void)state;
    liq_hookrt *h = load(HOOKS "order.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    assert_int_equal(call(h, "classes", NULL, 0, &d), LIQ_OK);
    assert_ret_str(h, NULL, "9 true");
    assert_int_equal(call(h, "metatable_snapshot", NULL, 0, &d), LIQ_OK);
    assert_ret_str(h, NULL, "nil");
    liq_hookrt_free(h);
}

/* Defect 12: a program embedding the library may set a locale whose
 * decimal point is a comma; hooks and their messages never see it. The
 * comma locale is built for the test with localedef (Debian's locales
 * package) unless the system has one. */
static bool comma_locale(char *dir, size_t cap)
{
    static const char *const names[] = {"de_DE.UTF-8", "fr_FR.UTF-8", "de_DE.utf8"};
    dir[0] = '\0';
    for (size_t i = 0; i < 3; i++)
        if (setlocale(LC_ALL, names[i]) && strcmp(localeconv()->decimal_point, ",") == 0)
            return true;
    snprintf(dir, cap, "/tmp/liqsim_locale_XXXXXX");
    if (!mkdtemp(dir)) {
        dir[0] = '\0';
        return false;
    }
    char cmd[256];
    snprintf(cmd, sizeof cmd, "localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8 >/dev/null 2>&1", dir);
    if (system(cmd) != 0)
        return false;
    setenv("LOCPATH", dir, 1);
    return setlocale(LC_ALL, "de_DE.UTF-8") && strcmp(localeconv()->decimal_point, ",") == 0;
}

/* The locale built for the test goes when the test is done (glibc keeps
 * what it mapped). */
static void drop_locale(const char *dir)
{
    setlocale(LC_ALL, "C");
    unsetenv("LOCPATH");
    if (dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
    }
}

static void test_host_locale_does_not_reach_hooks(void **state)
{
    (void)state;
    char dir[64];
    if (!comma_locale(dir, sizeof dir)) {
        drop_locale(dir);
        fail_msg("no locale with a decimal comma: install Debian's 'locales' package "
                 "(tools/dev.sh does) so localedef can build de_DE.UTF-8");
    }
    char probe[16];
    snprintf(probe, sizeof probe, "%.1f", 0.5);
    assert_string_equal(probe, "0,5");   /* the host really is in a comma locale */
    liq_hookrt *h = load(HOOKS "locale.lua");
    liq_diags d = LIQ_DIAGS_INIT;
    assert_int_equal(call(h, "texts", NULL, 0, &d), LIQ_OK);
    assert_ret_str(h, NULL, "0.5 0.25 nil 0.5 1.5");
    assert_call_fails(h, "float_back", HOOKS "locale.lua", 8,
                      "hook float_back: returned a float; floats lose cents; return dec('0.5')");
    liq_hookrt_free(h);
    drop_locale(dir);
}

/* Defect 16: a syntax error quotes the hook's token; its escape codes
 * reach the message escaped. */
static void test_syntax_error_text_is_escaped(void **state)
{
    (void)state;
    assert_load_fails(HOOKS "syntax_escape.lua", LIQ_EINPUT, 3,
                      "unfinished string near '\"red \\x1b[31m'");
}

/* The matcher that charges its steps (hook_match.c) answers as Lua's own
 * does: find, match, gsub (string, table and function replacements) and
 * gmatch over 16 subjects and 53 patterns, malformed ones included, each
 * answer and each error message compared with a stock Lua state's. */
static void test_matcher_answers_as_lua_does(void **state)
{
    (void)state;
    liq_hookrt *h = load_with(HOOKS "patterns.lua", 64 * 1024 * 1024, 100000000);
    liq_diags d = LIQ_DIAGS_INIT;
    assert_int_equal(call(h, "cases", NULL, 0, &d), LIQ_OK);

    lua_State *L = luaL_newstate();
    assert_non_null(L);
    luaL_openlibs(L);
    if (luaL_dofile(L, HOOKS "patterns.lua") != LUA_OK)
        fail_msg("stock Lua: %s", lua_tostring(L, -1));
    lua_getglobal(L, "cases");
    lua_pushnil(L);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK)
        fail_msg("stock Lua: %s", lua_tostring(L, -1));
    size_t n = (size_t)lua_rawlen(L, -1);
    assert_int_equal(liq_hookrt_ret_len(h), n);
    assert_true(n > 8000);
    for (size_t i = 1; i <= n; i++) {
        char got[2048];
        lua_rawgeti(L, -1, (lua_Integer)i);
        assert_int_equal(liq_hookrt_ret_enter(h, i, &d), LIQ_OK);
        assert_int_equal(liq_hookrt_ret_str(h, NULL, got, sizeof got, NULL, &d), LIQ_OK);
        liq_hookrt_ret_leave(h);
        if (strcmp(got, lua_tostring(L, -1)) != 0)
            fail_msg("case %zu: sandbox \"%s\", stock Lua \"%s\"", i, got, lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    lua_close(L);
    liq_hookrt_free(h);
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
        cmocka_unit_test(test_decimals_are_exact_on_each_side_of_their_forms),
        cmocka_unit_test(test_lua_messages_name_every_decimal_dec),
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
        cmocka_unit_test(test_base_string_table_math_utf8_remain),
        cmocka_unit_test(test_os_execute_is_named_as_not_available_at_its_line),
        cmocka_unit_test(test_ctx_is_read_only),
        cmocka_unit_test(test_pairs_over_ctx_lists_the_fields_by_name),
        cmocka_unit_test(test_reading_an_unknown_ctx_field_names_it_and_the_fields),
        cmocka_unit_test(test_each_call_reads_its_own_ctx_values),
        cmocka_unit_test(test_a_kept_ctx_reads_the_call_in_progress),
        cmocka_unit_test(test_ctx_stays_read_only_after_a_read),
        cmocka_unit_test(test_ctx_reads_right_past_what_its_caches_keep),
        cmocka_unit_test(test_a_call_spends_the_same_budget_whatever_came_before),
        cmocka_unit_test(test_dec_of_many_strings_is_right_every_time),
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
        cmocka_unit_test(test_returned_strings_with_control_characters_are_refused),
        cmocka_unit_test(test_ref_finds_only_lua_functions),
        cmocka_unit_test(test_two_runtimes_do_not_share_globals),
        cmocka_unit_test(test_hostile_hooks_fail_with_their_message),
        cmocka_unit_test(test_every_hostile_hook_is_checked),
        cmocka_unit_test(test_budget_holds_at_its_edge_and_stops_one_past_it),
        cmocka_unit_test(test_decimal_operations_are_charged_at_the_edge),
        cmocka_unit_test(test_fast_hooks_answer_as_lua_does),
        cmocka_unit_test(test_fast_hooks_call_functions_as_lua_does),
        cmocka_unit_test(test_fast_hooks_answer_generated_hooks_as_lua_does),
        cmocka_unit_test(test_fast_hooks_answer_generated_hooks_at_the_edges_as_lua_does),
        cmocka_unit_test(test_fast_hooks_keep_the_budget_at_its_edge),
        cmocka_unit_test(test_fast_hooks_leave_calls_near_the_budget_to_lua),
        cmocka_unit_test(test_fast_hooks_answer_as_lua_does_at_the_edges),
        cmocka_unit_test(test_fast_hooks_skip_a_field_without_a_key),
        cmocka_unit_test(test_shipped_hooks_answer_as_lua_does),
        cmocka_unit_test(test_fast_hooks_remember_per_table),
        cmocka_unit_test(test_fast_hooks_remember_only_what_a_call_read),
        cmocka_unit_test(test_string_limit_holds_at_its_edge_and_stops_one_past_it),
        cmocka_unit_test(test_memory_cap_holds_at_its_edge_and_stops_one_past_it),
        cmocka_unit_test(test_memory_cap_counts_what_the_allocator_holds),
        cmocka_unit_test(test_wall_clock_backstop_stops_a_long_call),
        cmocka_unit_test(test_pairs_visits_keys_in_sorted_order),
        cmocka_unit_test(test_pairs_order_is_the_same_in_every_runtime),
        cmocka_unit_test(test_table_sort_is_stable),
        cmocka_unit_test(test_tostring_prints_no_address),
        cmocka_unit_test(test_metatables_serve_classes_and_are_read_when_set),
        cmocka_unit_test(test_host_locale_does_not_reach_hooks),
        cmocka_unit_test(test_syntax_error_text_is_escaped),
        cmocka_unit_test(test_matcher_answers_as_lua_does),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
