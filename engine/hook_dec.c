/*
 * hook_dec.c — exact decimals for Lua hooks.
 *
 * Owns the "liq.dec" userdata (a liq_dec by value, immutable), its
 * metamethods and the global `dec`, so a policy author computes fees and
 * margins with the engine's own decimal arithmetic and cannot lose a cent
 * to a binary float by accident: floats are refused wherever a decimal is
 * expected. The arithmetic itself is decimal.c's; the sandbox is hook.c's.
 */
#include "hook.h"

#include <lauxlib.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#define DEC_MT "liq.dec"

/* dec of a string keeps its result for the next dec of the same string
 * (hooks write dec("0.0005") inside the function, so every call would
 * parse it again): short strings only (Lua interns them, so the lookup
 * hashes nothing), at most this many, and only while the state holds
 * under half its memory cap, so the table never brings a hook near it. */
#define FROM_STR_MAX 64
#define FROM_STR_LEN 40   /* LUAI_MAXSHORTLEN: the longest string Lua interns */
#define FROM_STR_UP lua_upvalueindex(2)   /* dec's table of them */

/* Every arithmetic result rounds here; 12 places is LIQ_DEC_SCALE. */
#define DEC_ROUND LIQ_ROUND_HALF_EVEN

/* Most decimals a hook meets are small (fees, rates, prices, sizes):
 * those travel as a light userdata whose pointer bits are the value, so
 * making one allocates nothing and leaves the collector nothing to do (a
 * full userdata cost about 400 host instructions of allocation, metatable
 * and collection per result, more than the arithmetic itself). The rest
 * are full userdata holding the liq_dec. Both are exact.
 *
 * The bits: bit 0 set (the one light userdata a hook can otherwise meet,
 * the budget's error token, is an aligned pointer: bit 0 clear), bits 1-2
 * the form, bits 3-63 a signed mantissa m of 61 bits; form 0 is raw = m,
 * form 1 raw = m * 10^6, form 2 raw = m * 10^12. The form is a function
 * of the value (the first that holds it exactly), so equal values have
 * equal bits: Lua compares two light userdata by their bits, without
 * __eq, and never finds a light one equal to a full one (different
 * kinds), which is right because a value has one kind. All light userdata
 * of a state share one metatable, dec's (set in liq_hookdec_open). */
#define LIGHT_BITS 61
#define LIGHT_MIN (-((int64_t)1 << (LIGHT_BITS - 1)))
#define LIGHT_MAX (((int64_t)1 << (LIGHT_BITS - 1)) - 1)

static bool light_fits(liq_i128 m)
{
    return m >= LIGHT_MIN && m <= LIGHT_MAX;
}

static uintptr_t light_bits(int64_t m, unsigned form)
{
    return (uintptr_t)(((uint64_t)m << 3) | (form << 1) | 1u);
}

/* The bits of v, or 0 when v needs a full userdata. */
static uintptr_t light_of(liq_dec v)
{
    liq_i128 r = v.raw;
    if (light_fits(r))
        return light_bits((int64_t)r, 0);
    if (r % 1000000 == 0 && light_fits(r / 1000000))
        return light_bits((int64_t)(r / 1000000), 1);
    if (r % 1000000000000 == 0 && light_fits(r / 1000000000000))
        return light_bits((int64_t)(r / 1000000000000), 2);
    return 0;
}

static liq_dec light_value(uintptr_t u)
{
    static const int64_t scale[4] = {1, 1000000, 1000000000000, 1};
    /* an arithmetic shift keeps the sign (GCC and Clang define it so) */
    liq_i128 m = (int64_t)u >> 3;
    return (liq_dec){m * scale[(u >> 1) & 3]};
}

/* Push v; a full userdata gets the metatable at mt (a stack or upvalue
 * index), or with mt 0 the one the registry holds. */
static void push_with(lua_State *L, liq_dec v, int mt)
{
    uintptr_t u = light_of(v);
    if (u) {
        lua_pushlightuserdata(L, (void *)u);
        return;
    }
    void *p = lua_newuserdatauv(L, sizeof v, 0);
    /* memcpy: Lua only promises 8-byte alignment, __int128 wants 16. */
    memcpy(p, &v, sizeof v);
    if (mt)
        lua_pushvalue(L, mt);
    else
        lua_rawgeti(L, LUA_REGISTRYINDEX, hookrt_dec_refs(L)->mt);
    lua_setmetatable(L, -2);
}

void liq_hookdec_push(lua_State *L, liq_dec v)
{
    push_with(L, v, 0);
}

/* Every C function of the type holds the metatable as its first upvalue:
 * making a result finds it without a lookup. */
#define DEC_MT_UP lua_upvalueindex(1)

static void push_dec(lua_State *L, liq_dec v)
{
    push_with(L, v, DEC_MT_UP);
}

bool hookdec_is_light(liq_dec v)
{
    return light_of(v) != 0;
}

bool hookdec_light_value(const void *p, liq_dec *out)
{
    if (!((uintptr_t)p & 1u))
        return false;
    *out = light_value((uintptr_t)p);
    return true;
}

liq_status hookdec_binop(int op, liq_dec a, liq_dec b, liq_dec *r)
{
    switch (op) {
    case '+': return liq_dec_add(a, b, r);
    case '-': return liq_dec_sub(a, b, r);
    case '*': return liq_dec_mul(a, b, DEC_ROUND, r);
    case '/': return liq_dec_div(a, b, DEC_ROUND, r);
    default: return LIQ_EINPUT;
    }
}

/* The decimal at idx, if it is one: one API call for the light form. The
 * sandbox opens no library that makes full userdata (no io, no newproxy),
 * so a full userdata of a decimal's size is a decimal. This runs for
 * every operand of every hook's arithmetic. */
static bool fast_dec(lua_State *L, int idx, liq_dec *out)
{
    const void *p = lua_touserdata(L, idx);
    if ((uintptr_t)p & 1u) {
        *out = light_value((uintptr_t)p);
        return true;
    }
    /* a light userdata without the bit has length 0 */
    if (!p || lua_rawlen(L, idx) != sizeof *out)
        return false;
    memcpy(out, p, sizeof *out);
    return true;
}

static bool is_dec(lua_State *L, int idx)
{
    liq_dec v;
    return fast_dec(L, idx, &v);
}

bool liq_hookdec_get(lua_State *L, int idx, liq_dec *out, char *err, size_t errcap)
{
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TLIGHTUSERDATA:
    case LUA_TUSERDATA:
        if (fast_dec(L, idx, out))
            return true;
        break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            *out = liq_dec_from_int((int64_t)lua_tointeger(L, idx));
            return true;
        }
        {
            lua_Number n = lua_tonumber(L, idx);
            if (isfinite(n))
                snprintf(err, errcap, "floats are not exact; use dec('%.14g')", (double)n);
            else
                snprintf(err, errcap, "floats are not exact; use dec('...')");
        }
        return false;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        liq_status st = liq_dec_parse(s, len, out);
        if (st == LIQ_OK)
            return true;
        if (st == LIQ_EPRECISION)
            snprintf(err, errcap, "'%.40s' has more than %d decimal places", s, LIQ_DEC_SCALE);
        else if (st == LIQ_EOVERFLOW)
            snprintf(err, errcap, "'%.40s' is too large for a decimal", s);
        else
            snprintf(err, errcap, "'%.40s' is not a decimal", s);
        return false;
    }
    default:
        break;
    }
    snprintf(err, errcap, "expected a decimal, got %s", luaL_typename(L, idx));
    return false;
}

/* liq_hookdec_get for an operand of the hook's own arithmetic: parsing a
 * decimal string is linear in its length, inside one instruction, so it
 * is charged to the call's budget (one unit per 8 bytes, as library calls
 * pay for their string arguments). */
static bool get_operand(lua_State *L, int idx, liq_dec *out, char *err, size_t errcap)
{
    if (lua_type(L, idx) == LUA_TSTRING)
        hookrt_charge(L, hookdec_string_units(lua_rawlen(L, idx)));
    return liq_hookdec_get(L, idx, out, err, errcap);
}

/* A decimal argument of a function or method: Lua's usual "bad argument"
 * message around the reason. */
static liq_dec check_dec(lua_State *L, int idx)
{
    liq_dec v = LIQ_DEC_ZERO;
    char err[160];
    if (!get_operand(L, idx, &v, err, sizeof err))
        luaL_argerror(L, idx, err);
    return v;
}

static const char *type_name(lua_State *L, int idx)
{
    return is_dec(L, idx) ? "dec" : luaL_typename(L, idx);
}

/* Operands whose type arithmetic cannot take get Lua's own message (the VM
 * would have said it, had dec not had the metamethod). C cannot see the
 * operand's name ("field 'notional'"): only the VM's own error adds it. */
static bool arith_type(lua_State *L, int idx)
{
    int t = lua_type(L, idx);
    return t == LUA_TNUMBER || t == LUA_TSTRING || is_dec(L, idx);
}

static liq_dec operand(lua_State *L, int idx)
{
    liq_dec v = LIQ_DEC_ZERO;
    char err[160];
    if (fast_dec(L, idx, &v))
        return v;
    if (!arith_type(L, idx))
        luaL_error(L, "attempt to perform arithmetic on a %s value", type_name(L, idx));
    if (!get_operand(L, idx, &v, err, sizeof err))
        luaL_error(L, "%s", err);
    return v;
}

static void compared(lua_State *L, liq_dec *a, liq_dec *b)
{
    char err[160];
    if (fast_dec(L, 1, a) && fast_dec(L, 2, b))
        return;
    if (!arith_type(L, 1) || !arith_type(L, 2)) {
        const char *t1 = type_name(L, 1), *t2 = type_name(L, 2);
        if (strcmp(t1, t2) == 0)
            luaL_error(L, "attempt to compare two %s values", t1);
        luaL_error(L, "attempt to compare %s with %s", t1, t2);
    }
    if (!get_operand(L, 1, a, err, sizeof err) || !get_operand(L, 2, b, err, sizeof err))
        luaL_error(L, "%s", err);
}

static int fail(lua_State *L, liq_status st)
{
    switch (st) {
    case LIQ_EOVERFLOW: return luaL_error(L, "decimal overflow");
    case LIQ_EDIVZERO: return luaL_error(L, "decimal division by zero");
    default: return luaL_error(L, "decimal: %s", liq_status_str(st));
    }
}

static int push_result(lua_State *L, liq_status st, liq_dec r)
{
    if (st != LIQ_OK)
        return fail(L, st);
    push_dec(L, r);
    return 1;
}

/* ---- metamethods -------------------------------------------------- */

static int m_add(lua_State *L)
{
    hookrt_charge_op(L);
    liq_dec a = operand(L, 1), b = operand(L, 2), r;
    return push_result(L, hookdec_binop('+', a, b, &r), r);
}

static int m_sub(lua_State *L)
{
    hookrt_charge_op(L);
    liq_dec a = operand(L, 1), b = operand(L, 2), r;
    return push_result(L, hookdec_binop('-', a, b, &r), r);
}

static int m_mul(lua_State *L)
{
    hookrt_charge_op(L);
    liq_dec a = operand(L, 1), b = operand(L, 2), r;
    return push_result(L, hookdec_binop('*', a, b, &r), r);
}

static int m_div(lua_State *L)
{
    hookrt_charge_op(L);
    liq_dec a = operand(L, 1), b = operand(L, 2), r;
    return push_result(L, hookdec_binop('/', a, b, &r), r);
}

static int m_unm(lua_State *L)
{
    hookrt_charge_op(L);
    push_dec(L, liq_dec_neg(operand(L, 1)));
    return 1;
}

/* Lua calls __eq only when both operands are full userdata (or tables), so
 * dec(1) == 1 is false, as 1 == "1" is: compare decimals with decimals. */
static int m_eq(lua_State *L)
{
    hookrt_charge_op(L);
    liq_dec a, b;
    char err[96];
    lua_pushboolean(L, get_operand(L, 1, &a, err, sizeof err) &&
                       get_operand(L, 2, &b, err, sizeof err) &&
                       liq_dec_cmp(a, b) == 0);
    return 1;
}

static int m_lt(lua_State *L)
{
    hookrt_charge_op(L);
    liq_dec a, b;
    compared(L, &a, &b);
    lua_pushboolean(L, liq_dec_cmp(a, b) < 0);
    return 1;
}

static int m_le(lua_State *L)
{
    hookrt_charge_op(L);
    liq_dec a, b;
    compared(L, &a, &b);
    lua_pushboolean(L, liq_dec_cmp(a, b) <= 0);
    return 1;
}

static void push_text(lua_State *L, liq_dec v)
{
    char buf[LIQ_DEC_STRLEN];
    size_t n = liq_dec_format(v, buf);
    lua_pushlstring(L, buf, n);
}

static int m_tostring(lua_State *L)
{
    hookrt_charge_op(L);
    push_text(L, check_dec(L, 1));
    return 1;
}

static void push_operand_text(lua_State *L, int idx)
{
    int t = lua_type(L, idx);
    liq_dec v;
    if (fast_dec(L, idx, &v)) {
        push_text(L, v);
    } else if (t == LUA_TSTRING || t == LUA_TNUMBER) {
        luaL_tolstring(L, idx, NULL);
    } else {
        luaL_error(L, "attempt to concatenate a %s value", luaL_typename(L, idx));
    }
}

static int m_concat(lua_State *L)
{
    hookrt_charge_op(L);
    push_operand_text(L, 1);
    push_operand_text(L, 2);
    lua_concat(L, 2);
    return 1;
}

/* ---- methods ------------------------------------------------------- */

const char *hookdec_round_check(const char *name, liq_dec step, liq_round *mode)
{
    if (!liq_round_parse(name, mode))
        return "round: unknown rounding mode '%s' (half_even, half_up, down, up, floor, ceil)";
    if (liq_dec_sign(step) <= 0)
        return "round: step must be positive";
    return NULL;
}

static int d_round(lua_State *L)
{
    hookrt_charge_op(L);
    liq_dec a = check_dec(L, 1), step = check_dec(L, 2), r;
    const char *name = luaL_optstring(L, 3, "half_even");
    liq_round mode;
    const char *why = hookdec_round_check(name, step, &mode);
    if (why)
        return luaL_error(L, why, name);
    return push_result(L, liq_dec_quantize(a, step, mode, &r), r);
}

static int d_abs(lua_State *L)
{
    hookrt_charge_op(L);
    push_dec(L, liq_dec_abs(check_dec(L, 1)));
    return 1;
}

static int d_sign(lua_State *L)
{
    hookrt_charge_op(L);
    lua_pushinteger(L, liq_dec_sign(check_dec(L, 1)));
    return 1;
}

static int d_is_zero(lua_State *L)
{
    hookrt_charge_op(L);
    lua_pushboolean(L, liq_dec_sign(check_dec(L, 1)) == 0);
    return 1;
}

static int d_min(lua_State *L)
{
    hookrt_charge_op(L);
    liq_dec a = check_dec(L, 1), b = check_dec(L, 2);
    push_dec(L, liq_dec_min(a, b));
    return 1;
}

static int d_max(lua_State *L)
{
    hookrt_charge_op(L);
    liq_dec a = check_dec(L, 1), b = check_dec(L, 2);
    push_dec(L, liq_dec_max(a, b));
    return 1;
}

int hookdec_method(lua_State *L, const char *name, size_t len)
{
    /* Lua's SELF on a small decimal: the metatable every light userdata
     * shares, its __index read raw; a table there is read raw for the
     * name, and a miss goes on to that table's own __index (not followed:
     * none). Only keys the caller's function holds as constants are
     * looked up, so pushing one finds Lua's own string and allocates
     * nothing. */
    int top = lua_gettop(L), m = HOOKDEC_NONE;
    if (!lua_checkstack(L, 4))
        return m;
    lua_pushlightuserdata(L, (void *)light_bits(0, 0));
    if (lua_getmetatable(L, -1) && (lua_pushliteral(L, "__index"), lua_rawget(L, -2)) == LUA_TTABLE) {
        lua_pushlstring(L, name, len);
        if (lua_rawget(L, -2) == LUA_TFUNCTION && lua_tocfunction(L, -1) == d_round)
            m = HOOKDEC_ROUND;
    }
    lua_settop(L, top);
    return m;
}

/* dec(s) of a short string: the decimal made from the same string before,
 * else a new one kept for the next time. Values are immutable, so two
 * equal decimals may be one object (== compares values either way). The
 * call is charged what parsing costs, kept or not; the keeping itself is
 * not (hookrt_alloc_mark), so a call spends the same whatever came
 * before it. */
static int dec_of_string(lua_State *L, size_t len)
{
    hookrt_charge(L, hookdec_string_units(len));
    lua_settop(L, 2);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, FROM_STR_UP) != LUA_TNIL)
        return 1;
    lua_pop(L, 1);
    liq_dec v;
    char err[160];
    if (!liq_hookdec_get(L, 2, &v, err, sizeof err))
        return luaL_error(L, "dec: %s", err);
    uint64_t mark = hookrt_alloc_mark(L);
    push_dec(L, v);
    hookdec_refs *r = hookrt_dec_refs(L);
    if (r->nstr < FROM_STR_MAX && hookrt_below_half_cap(L)) {
        lua_pushvalue(L, 2);
        lua_pushvalue(L, -2);
        lua_rawset(L, FROM_STR_UP);
        r->nstr++;
    }
    hookrt_alloc_unmark(L, mark);
    return 1;
}

/* dec(x): x is arg 2, arg 1 being the `dec` table itself (__call). */
static int dec_call(lua_State *L)
{
    liq_dec v;
    char err[160];
    if (lua_isnone(L, 2))
        return luaL_error(L, "dec: expected a decimal, got no value");
    size_t len;
    if (lua_type(L, 2) == LUA_TSTRING && (len = lua_rawlen(L, 2)) <= FROM_STR_LEN)
        return dec_of_string(L, len);
    if (lua_type(L, 2) != LUA_TSTRING)
        hookrt_charge_op(L);   /* a string pays for its parsing instead */
    if (!get_operand(L, 2, &v, err, sizeof err))
        return luaL_error(L, "dec: %s", err);
    push_dec(L, v);
    return 1;
}

static const luaL_Reg meta[] = {
    {"__add", m_add}, {"__sub", m_sub}, {"__mul", m_mul}, {"__div", m_div},
    {"__unm", m_unm}, {"__eq", m_eq}, {"__lt", m_lt}, {"__le", m_le},
    {"__tostring", m_tostring}, {"__concat", m_concat},
    {NULL, NULL}
};

static const luaL_Reg methods[] = {
    {"round", d_round}, {"abs", d_abs}, {"sign", d_sign},
    {"is_zero", d_is_zero}, {"min", d_min}, {"max", d_max},
    {NULL, NULL}
};

void liq_hookdec_open(lua_State *L)
{
    luaL_newmetatable(L, DEC_MT);
    int mt = lua_gettop(L);
    lua_pushvalue(L, mt);
    luaL_setfuncs(L, meta, 1);
    luaL_newlibtable(L, methods);
    lua_pushvalue(L, mt);
    luaL_setfuncs(L, methods, 1);
    lua_setfield(L, mt, "__index");
    /* getmetatable(d) answers "dec": hooks cannot reach the metatable, so
     * they cannot add a __gc (finalizers run outside the budget) or change
     * what + means for the next hook. */
    lua_pushliteral(L, "dec");
    lua_setfield(L, -2, "__metatable");
    /* Lua's own messages name the type after __name: "a dec value" */
    lua_pushliteral(L, "dec");
    lua_setfield(L, -2, "__name");
    hookdec_refs *r = hookrt_dec_refs(L);
    lua_pushvalue(L, mt);
    r->mt = luaL_ref(L, LUA_REGISTRYINDEX);
    /* the small decimals' metatable: every light userdata shares one */
    lua_pushlightuserdata(L, NULL);
    lua_pushvalue(L, mt);
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
    r->nstr = 0;

    lua_createtable(L, 0, 3);
    lua_pushvalue(L, mt);
    lua_pushcclosure(L, d_min, 1);
    lua_setfield(L, -2, "min");
    lua_pushvalue(L, mt);
    lua_pushcclosure(L, d_max, 1);
    lua_setfield(L, -2, "max");
    push_with(L, LIQ_DEC_ZERO, mt);
    lua_setfield(L, -2, "zero");
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, mt);
    lua_createtable(L, 0, 16);   /* upvalue 2: what dec made from strings */
    lua_pushcclosure(L, dec_call, 2);
    lua_setfield(L, -2, "__call");
    lua_pushliteral(L, "dec");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    r->table = lua_topointer(L, -1);
    lua_pushvalue(L, -1);
    r->table_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_setglobal(L, "dec");
    lua_pop(L, 1);   /* the metatable */
}
