/*
 * hook.h — the sandboxed Lua runtime that runs a policy's hooks.
 *
 * One liq_hookrt is one lua_State, made for one loaded policy and shared
 * with nothing else. It owns the sandbox (an allow-list of named library
 * functions, hook_sandbox.c, and a pattern matcher that counts its steps,
 * hook_match.c), the limits (bytes of memory as the allocator holds them,
 * a budget of work units per call, a string length, a wall-clock
 * backstop), the exact decimal type hooks compute with (hook_dec.c), and
 * the translation of every Lua failure into a liq_diag that points at the
 * hook's own file:line, and the straight-line formulas it answers without
 * entering Lua (hook_fast.c). What a hook means and when it is called belongs
 * to the waterfall; where a hook is named belongs to the policy loader.
 * The limits are written down in docs/hooks-runtime.md, "Limits".
 */
#ifndef LIQ_HOOK_H
#define LIQ_HOOK_H

#include "liqsim.h"

#include <lua.h>

typedef struct liq_hookrt liq_hookrt;   /* one sandboxed Lua state, one per loaded policy */

#define LIQ_HOOK_DEFAULT_MEM   (8u * 1024u * 1024u)   /* bytes */
#define LIQ_HOOK_DEFAULT_INSNS 1000000u               /* units of work per call */
/* Bytes in one Lua string. Comparing two strings, or parsing one as a
 * number, is linear work inside one VM instruction that no count sees; at
 * 4 KiB the worst such instruction costs about 90 ns, so the budget still
 * bounds a call's time (docs/hooks-runtime.md, "Limits"). */
#define LIQ_HOOK_MAX_STRING    4096u
/* The wall-clock backstop per call: 1 microsecond per unit of budget,
 * never less than this. The budget stops every hook long before it on
 * any machine; the backstop only catches work the budget failed to count. */
#define LIQ_HOOK_MIN_BACKSTOP_MS 1000u

/* A new sandboxed state. mem_limit caps every byte the state allocates
 * (the libraries included, as malloc holds them); insn_limit caps the
 * units of work (VM instructions plus what library calls, pattern steps
 * and allocations charge) of each liq_hookrt_call and of each loaded
 * file's main chunk. 0 selects the
 * default for either. Caller owns the result; free with liq_hookrt_free.
 * NULL on ENOMEM (or when mem_limit is too small to open the libraries). */
liq_hookrt *liq_hookrt_new(size_t mem_limit, uint64_t insn_limit);
void liq_hookrt_free(liq_hookrt *h);

/* Change the wall-clock backstop (milliseconds per call; 0 restores the
 * default, see LIQ_HOOK_MIN_BACKSTOP_MS). For tests and for lint, which
 * wants a hook that hangs reported quickly. */
void liq_hookrt_set_backstop(liq_hookrt *h, uint32_t ms);

/* Load a Lua source file (text only: bytecode refused) and run its chunk
 * once under the budget. Errors go to diags with the Lua file's path and
 * line. Returns LIQ_OK; LIQ_EIO when the file cannot be read; LIQ_EINPUT
 * for bytecode or a syntax error; LIQ_EHOOK when the chunk fails while
 * running (error, budget, memory cap). The path is copied. */
liq_status liq_hookrt_load(liq_hookrt *h, const char *path, liq_diags *d);

/* Look up a global Lua function defined by the loaded file(s) and keep it
 * as a registry reference. Returns a ref >= 0, or -1 if absent / not a Lua
 * function (no diag added; the caller reports with the YAML mark). */
int liq_hookrt_ref(liq_hookrt *h, const char *fname);

/* Where the function `ref` is defined, for traces and messages: *file
 * (owned by the runtime, valid until liq_hookrt_free) and *line (its
 * `function` line). NULL and 0 when ref is not a loaded function. */
void liq_hookrt_where(liq_hookrt *h, int ref, const char **file, int *line);

/* Arguments: a ctx table built from fields. */
typedef enum { LIQ_HF_DEC, LIQ_HF_STR, LIQ_HF_INT, LIQ_HF_BOOL } liq_hf_kind;
/* Keys are unique in a call and live as long as the runtime, unchanged (the
 * callers' are string literals): a key found at the same place with the
 * same pointer as last time is not compared again. */
/* One value, the kind's (32 bytes: a call of maintenance_margin, whose
 * thirteen fields a solver builds for every price it asks about, makes
 * 416 of them). */
typedef struct liq_hook_field {
    const char *key; liq_hf_kind kind;
    union {
        liq_dec dec;
        const char *str;     /* NULL: the key is nil */
        int64_t i;
        bool b;
    };
} liq_hook_field;

/* Call the function `ref` as fn(ctx) with the instruction budget reset,
 * through lua_pcall with a message handler. hook_name
 * ("maintenance_margin") is used in messages. On success one return value
 * is left pending (nil, a boolean, an integer, a string, a table or a
 * decimal); read it with the liq_hookrt_ret_* functions, then call
 * liq_hookrt_ret_done (a new call also drops it). On error (Lua error,
 * budget exhausted, memory cap, string limit, wall-clock backstop, an
 * unknown ctx field, a float or a function returned) adds a
 * diag whose file:line is the hook file and the line in the hook where it
 * failed, and whose message reads
 *   "hook liquidation_fee: attempt to perform arithmetic on a nil value (field 'notional')"
 *   "hook adl: instruction budget of 1000000 exceeded"
 *   "hook adl: memory cap of 8388608 bytes exceeded"
 *   "hook adl: wall-clock backstop of 1000 ms exceeded";
 * returns LIQ_EHOOK, and nothing is pending. */
liq_status liq_hookrt_call(liq_hookrt *h, int ref, const char *hook_name,
                           const liq_hook_field *fields, size_t nfields, liq_diags *d);

/* Read the pending return value. key == NULL reads the value itself
 * (or the entered item); otherwise the value is a table and key a field.
 * Decimals may be returned as the decimal userdata, a Lua integer, or a
 * decimal string ("12.5"); a Lua float is an error ("floats lose cents;
 * return dec('0.1')"). Return LIQ_OK, or LIQ_EHOOK with a diag at the hook
 * function's definition file:line naming the hook and the key when the
 * value is missing (and not optional) or of the wrong type. `present` may
 * be NULL; when non-NULL, a missing value (or a key of a nil return) is
 * not an error: *present = false and *out / buf are left untouched. */
liq_status liq_hookrt_ret_dec(liq_hookrt *h, const char *key, liq_dec *out,
                              bool *present, liq_diags *d);
/* Strings must fit buf with their NUL (cap bytes) and hold no NUL byte. */
liq_status liq_hookrt_ret_str(liq_hookrt *h, const char *key, char *buf, size_t cap,
                              bool *present, liq_diags *d);

/* For list returns (e.g. debt_pursuit returns
 * { {type="margin_call", deadline_hours=24}, {type="collections"} }):
 * the number of array items (0 when the value is not a table); then enter
 * item i (1-based) so the reads above apply to it, then leave. Entering a
 * missing item is LIQ_EHOOK with a diag. Items nest up to 16 deep. */
size_t liq_hookrt_ret_len(liq_hookrt *h);
liq_status liq_hookrt_ret_enter(liq_hookrt *h, size_t i, liq_diags *d);
void liq_hookrt_ret_leave(liq_hookrt *h);
void liq_hookrt_ret_done(liq_hookrt *h);

/* ------------------------------------------------------------------ */
/* Inside the runtime: what the sandbox and the decimal type share      */
/* ------------------------------------------------------------------ */

/* Charge units of work to the budget of the call in progress (a library
 * function charges for the elements or bytes it will touch, before it
 * touches them). Raises the budget error when the budget is spent, and
 * the backstop's error when the call has run too long. Does nothing
 * outside a call or a file's main chunk. */
void hookrt_charge(lua_State *L, uint64_t units);
/* The units the call in progress has spent, where the decimal type can
 * charge them inline (one unit an operation, hookrt_charge_op): the first
 * member of the runtime, which the state's extra space points at. Below
 * fast_end a unit is added with no other check: fast_end is 0 outside a
 * call and once the budget is spent, and otherwise stops short of the
 * budget's end and of the clock's next reading, which hookrt_charge
 * handles. */
typedef struct hookrt_meter {
    uint64_t used, fast_end;
} hookrt_meter;

static inline void hookrt_charge_op(lua_State *L)
{
    hookrt_meter *m = *(hookrt_meter **)lua_getextraspace(L);
    if (m->used + 1 < m->fast_end)
        m->used++;
    else
        hookrt_charge(L, 1);
}
/* True while a hook file's main chunk runs: globals may then be made. */
bool hookrt_loading(lua_State *L);
/* Allocations the engine makes on a hook's behalf from values it may
 * already hold (ctx's fields, dec of a string) are not charged: whether
 * a value was at hand depends on earlier calls, and a call must spend the
 * same units whatever came before it. Take the mark before such an
 * allocation, give it back after. */
uint64_t hookrt_alloc_mark(lua_State *L);
void hookrt_alloc_unmark(lua_State *L, uint64_t mark);

/* What hook_dec.c keeps in each state: a registry reference (an integer
 * index into the registry's array, no hashing) to the decimal metatable,
 * and how many decimals made from strings dec keeps. */
typedef struct hookdec_refs {
    int mt;
    unsigned nstr;
    const void *table;     /* the global dec's table, as lua_topointer gives it */
    int table_ref;         /* ... and a registry reference to it */
} hookdec_refs;
hookdec_refs *hookrt_dec_refs(lua_State *L);
/* Whether the state holds under half its memory cap: a cache of the
 * runtime's grows only then. */
bool hookrt_below_half_cap(lua_State *L);

/* Build the allow-listed environment (hook_sandbox.c) and make it the
 * state's globals; every name outside the list is absent, and reading an
 * absent name raises "not available in liqsim hooks: NAME". */
void hook_sandbox_open(lua_State *L);
/* Make the table at idx closed: reading a missing field raises
 * "not available in liqsim hooks: <prefix><field>", and adding one
 * outside a main chunk is an error. Gives it a metatable if it has none
 * (an existing one, as dec's, gains the two fields). */
void hook_sandbox_close(lua_State *L, int idx, const char *prefix);
/* The string functions that match patterns, each step charged
 * (hook_match.c): find, match, gmatch, gsub. */
int hook_match_find(lua_State *L);
int hook_match_match(lua_State *L);
int hook_match_gmatch(lua_State *L);
int hook_match_gsub(lua_State *L);

/* ------------------------------------------------------------------ */
/* The decimal userdata (hook_dec.c)                                    */
/* ------------------------------------------------------------------ */

/* Register the "liq.dec" metatable and the global `dec`. */
void liq_hookdec_open(lua_State *L);
/* Push a new decimal userdata holding v. May raise a memory error. */
void liq_hookdec_push(lua_State *L, liq_dec v);
/* Read the value at idx as an exact decimal: the userdata, a Lua integer
 * or a decimal string. A float, other text or another type is refused
 * with a message in err ("floats are not exact; use dec('0.1')"). Raises
 * no error and allocates nothing in the Lua state. */
bool liq_hookdec_get(lua_State *L, int idx, liq_dec *out, char *err, size_t errcap);

/* Units a decimal string operand or dec(s) costs: its parsing. */
static inline uint64_t hookdec_string_units(size_t len)
{
    return 1 + len / 8;
}
/* Whether v travels as a light userdata (no allocation); the value of
 * light userdata p when it is a decimal. */
bool hookdec_is_light(liq_dec v);
bool hookdec_light_value(const void *p, liq_dec *out);
/* The arithmetic of dec's + - * / (op is the character), rounding as
 * the metamethods do: one rule for them and hook_fast.c. */
liq_status hookdec_binop(int op, liq_dec a, liq_dec b, liq_dec *r);
/* d:round(step, mode)'s arguments (mode a NUL-terminated name): NULL
 * with *mode set when they are good, else the message the method raises
 * (a format of the mode's name); the rounding itself is
 * liq_dec_quantize's. One rule for the method and hook_fast.c. */
const char *hookdec_round_check(const char *name, liq_dec step, liq_round *mode);
/* Which of dec's methods Lua finds under the key name (len bytes, a
 * string the caller's function holds, so already Lua's) on a small
 * decimal, telling it by the C function it is; HOOKDEC_NONE for any
 * other value or none. Reads the state, changes nothing. */
enum { HOOKDEC_NONE, HOOKDEC_ROUND };
int hookdec_method(lua_State *L, const char *name, size_t len);

/* ------------------------------------------------------------------ */
/* Hooks answered without entering Lua (hook_fast.c)                    */
/* ------------------------------------------------------------------ */

/* Runs given up, none gone through, after which a function is no longer
 * tried. */
#define HOOKFAST_MISSES 16
typedef struct hookfast_fn hookfast_fn;
/* Study the function on the stack top (left there): what hookfast_run
 * needs, or NULL when it is not one hookfast_run can take (a loop, a
 * vararg, too long, this Lua's bytecode not the one expected) or on
 * ENOMEM. Caller owns the result; free with hookfast_free. */
hookfast_fn *hookfast_study(lua_State *L);
void hookfast_free(hookfast_fn *f);
/* A value hookfast_run returns: nil, a boolean, an integer or a small
 * decimal (the Lua type it has: LUA_TNIL, LUA_TBOOLEAN, LUA_TNUMBER,
 * LUA_TLIGHTUSERDATA). */
typedef struct hookfast_ret {
    int type;
    bool b;
    int64_t i;
    liq_dec d;
} hookfast_ret;
/* Evaluate f (the function registry reference ref) as fn(ctx) on fields,
 * gen being the runtime's count of times Lua code ran (values read from
 * upvalues and their tables are remembered while it stays the same),
 * when that can be done exactly without Lua and within budget units: then
 * sets *ret to the return value and returns true, the stack as it was
 * (hookfast_push puts the value there, for a reader that needs it).
 * Otherwise returns false, the stack and the state as they were: the
 * caller calls the function through Lua. */
bool hookfast_run(lua_State *L, hookfast_fn *f, int ref, uint64_t gen,
                  const liq_hook_field *fields, size_t n, uint64_t budget, hookfast_ret *ret);
/* Push v as Lua holds it (a decimal as its light userdata). */
void hookfast_push(lua_State *L, const hookfast_ret *v);
/* How many of f's calls were answered from a remembered answer. */
uint64_t hookfast_recalled(const hookfast_fn *f);
/* Tests: turn hook_fast.c off (every call then goes through Lua) or on
 * again, count the calls it answered, and of those the ones answered
 * from a remembered answer (the same fields read, no Lua code since). */
void hookrt_set_fast(liq_hookrt *h, bool on);
uint64_t hookrt_fast_runs(const liq_hookrt *h);
uint64_t hookrt_fast_recalled(const liq_hookrt *h);
/* Whether this Lua compiles a known function to the instructions
 * hook_fast.c reads (checked once per state; hook.c keeps the answer). */
bool hookfast_selftest(lua_State *L);

#endif /* LIQ_HOOK_H */
