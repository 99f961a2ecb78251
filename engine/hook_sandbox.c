/*
 * hook_sandbox.c — what a hook can name: the allow-list.
 *
 * Owns the environment a hook file runs in. It is built from an explicit
 * list of module.function names (allow[] below), as Suricata's and Redis'
 * sandboxes are: the stock libraries are opened out of sight, only the
 * listed functions are copied into a fresh globals table, and a new Lua
 * version cannot widen the sandbox by adding a function. Reading any
 * other name, global or in a library table, raises "not available in
 * liqsim hooks: NAME"; once the file's main chunk has run, no new global
 * (nor library field) can be made.
 *
 * Every listed C function charges the call's budget before it works, by
 * what it will touch (docs/hooks-runtime.md, "Limits"): one unit, one per
 * argument, one per 8 bytes of each string argument, and the elements or
 * bytes its own loop visits. The functions whose stock behaviour depends on
 * hash order, addresses or a random pivot are replaced: pairs goes in
 * sorted key order, table.sort is a stable merge sort, tostring and
 * string.format print no addresses. The pattern functions are
 * hook_match.c's; the decimal type is hook_dec.c's; the budget itself and
 * the memory cap are hook.c's.
 */
#include "hook.h"
#include "schema.h"

#include <lauxlib.h>
#include <lualib.h>

#include <stdlib.h>
#include <string.h>

/* ---- charging ------------------------------------------------------- */

typedef uint64_t (*cost_fn)(lua_State *L);

/* Saturating: a cost is compared with a budget of at most 1e9. */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a + b < a ? UINT64_MAX : a + b;
}

/* What every library call pays: 1, one per argument, one per 8 bytes of
 * each string argument (converting, comparing or copying it is linear). */
static uint64_t base_cost(lua_State *L)
{
    int n = lua_gettop(L);
    uint64_t c = 1 + (uint64_t)n;
    for (int i = 1; i <= n; i++)
        if (lua_type(L, i) == LUA_TSTRING)
            c += lua_rawlen(L, i) / 8;
    return c;
}

static uint64_t str_len(lua_State *L, int idx)
{
    return lua_type(L, idx) == LUA_TSTRING ? lua_rawlen(L, idx) : 0;
}

/* An integer argument for a cost, when it is one (the stock function
 * raises its own error otherwise). */
static bool int_arg(lua_State *L, int idx, lua_Integer *v)
{
    int isnum;
    *v = lua_tointegerx(L, idx, &isnum);
    return isnum;
}

/* The count of integers in [i, j], 0 when empty, saturating. */
static uint64_t span(lua_Integer i, lua_Integer j)
{
    if (j < i)
        return 0;
    return (uint64_t)j - (uint64_t)i + 1;
}

/* Bytes touched one at a time: upper, lower, reverse, tonumber, utf8.len... */
static uint64_t cost_per_byte(lua_State *L)
{
    return base_cost(L) + str_len(L, 1);
}

/* string.byte returns one value per byte of its range. */
static uint64_t cost_byte(lua_State *L)
{
    return base_cost(L) + (lua_isnoneornil(L, 3) ? 1 : str_len(L, 1));
}

/* string.rep: refused before any work when the result could not be a
 * string of a hook; otherwise each byte of the result, and at least one
 * per repetition (Lua's loop runs n times even when the result is empty:
 * string.rep("", 1e15) would never return). */
static uint64_t cost_rep(lua_State *L)
{
    lua_Integer n;
    uint64_t l = str_len(L, 1), lsep = str_len(L, 3);
    if (lua_type(L, 1) != LUA_TSTRING || !int_arg(L, 2, &n) || n <= 0)
        return base_cost(L);
    uint64_t total = (uint64_t)n > UINT64_MAX / (l + lsep + 1) ? UINT64_MAX
                                                               : (uint64_t)n * (l + lsep) - lsep;
    if (total > LIQ_HOOK_MAX_STRING)
        luaL_error(L, "string.rep: the result would be longer than %d bytes, "
                      "the longest string a hook can make", (int)LIQ_HOOK_MAX_STRING);
    return sat_add(base_cost(L), total > (uint64_t)n ? total : (uint64_t)n);
}

/* The table library on a table whose length or elements a metamethod
 * computes would call it once for our count and again for its own loop,
 * and might get another answer: it takes plain tables only. */
static void plain_table(lua_State *L, int idx, const char *fname)
{
    static const char *const mm[] = {"__index", "__newindex", "__len"};
    if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx))
        return;
    for (size_t i = 0; i < sizeof mm / sizeof *mm; i++) {
        lua_pushstring(L, mm[i]);
        if (lua_rawget(L, -2) != LUA_TNIL)
            luaL_error(L, "%s: the table has a %s metamethod; the table library "
                          "takes plain tables in liqsim hooks", fname, mm[i]);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static uint64_t raw_len(lua_State *L, int idx)
{
    return lua_type(L, idx) == LUA_TTABLE ? lua_rawlen(L, idx) : 0;
}

/* table.insert(t, pos, v) shifts the elements from pos up. */
static uint64_t cost_insert(lua_State *L)
{
    plain_table(L, 1, "table.insert");
    lua_Integer pos;
    uint64_t shift = 0;
    if (lua_gettop(L) == 3 && int_arg(L, 2, &pos))
        shift = span(pos, (lua_Integer)raw_len(L, 1));
    return sat_add(base_cost(L), shift);
}

/* table.remove(t, pos) shifts the elements above pos down. */
static uint64_t cost_remove(lua_State *L)
{
    plain_table(L, 1, "table.remove");
    lua_Integer pos;
    uint64_t shift = 0;
    if (!lua_isnoneornil(L, 2) && int_arg(L, 2, &pos))
        shift = span(pos, (lua_Integer)raw_len(L, 1));
    return sat_add(base_cost(L), shift);
}

/* table.move(a1, f, e, t [, a2]) moves e - f + 1 elements. */
static uint64_t cost_move(lua_State *L)
{
    plain_table(L, 1, "table.move");
    plain_table(L, 5, "table.move");
    lua_Integer f, e;
    uint64_t n = int_arg(L, 2, &f) && int_arg(L, 3, &e) ? span(f, e) : 0;
    return sat_add(base_cost(L), n);
}

/* table.concat(t, sep, i, j) and table.unpack(t, i, j): one per element
 * of [i, j] (j defaults to #t); concat's bytes are paid as they are
 * allocated. */
static uint64_t range_cost(lua_State *L, int ii, const char *fname)
{
    plain_table(L, 1, fname);
    lua_Integer i = 1, j = (lua_Integer)raw_len(L, 1);
    if (!lua_isnoneornil(L, ii) && !int_arg(L, ii, &i))
        return base_cost(L);
    if (!lua_isnoneornil(L, ii + 1) && !int_arg(L, ii + 1, &j))
        return base_cost(L);
    return sat_add(base_cost(L), span(i, j));
}

static uint64_t cost_concat(lua_State *L)
{
    return range_cost(L, 3, "table.concat");
}

static uint64_t cost_unpack(lua_State *L)
{
    return range_cost(L, 2, "table.unpack");
}

/* tostring as hooks see it: no addresses, which differ run to run. */
static void push_text(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    int t = lua_type(L, idx);
    bool addressed = t == LUA_TTABLE || t == LUA_TFUNCTION || t == LUA_TTHREAD ||
                     t == LUA_TUSERDATA || t == LUA_TLIGHTUSERDATA;
    if (addressed && luaL_getmetafield(L, idx, "__tostring") == LUA_TNIL) {
        int nt = luaL_getmetafield(L, idx, "__name");   /* pushes nothing when nil */
        if (nt == LUA_TSTRING)
            return;   /* the type's own name, without ": 0x..." */
        if (nt != LUA_TNIL)
            lua_pop(L, 1);
        lua_pushstring(L, luaL_typename(L, idx));
        return;
    }
    if (addressed)
        lua_pop(L, 1);
    luaL_tolstring(L, idx, NULL);
}

/* string.format: no %p, and %s of a table prints what tostring does. */
static uint64_t cost_format(lua_State *L)
{
    size_t lf;
    const char *f = luaL_checklstring(L, 1, &lf);
    for (const char *p = memchr(f, '%', lf); p; p = memchr(p, '%', lf - (size_t)(p - f))) {
        p++;
        if (p == f + lf)
            break;
        if (*p == '%') {
            p++;
            continue;
        }
        while (p < f + lf && strchr("-+ #0123456789.", *p))
            p++;
        if (p < f + lf && *p == 'p')
            luaL_error(L, "string.format: '%%p' is not available in liqsim hooks "
                          "(an address differs from run to run)");
    }
    int n = lua_gettop(L);
    for (int i = 2; i <= n; i++) {
        int t = lua_type(L, i);
        if (t == LUA_TTABLE || t == LUA_TFUNCTION || t == LUA_TTHREAD || t == LUA_TLIGHTUSERDATA ||
            t == LUA_TUSERDATA) {
            push_text(L, i);
            lua_replace(L, i);
        }
    }
    return base_cost(L);
}

/* A listed C function with its charge: the stock function runs in this
 * frame (same stack, same name in its error messages). The userdata is
 * larger than a decimal, so nothing can take it for one. */
typedef struct {
    lua_CFunction f;
    cost_fn cost;
    char pad[8];
} charged_fn;

static int charged(lua_State *L)
{
    const charged_fn *c = lua_touserdata(L, lua_upvalueindex(1));
    hookrt_charge(L, c->cost(L));
    return c->f(L);
}

/* ---- functions of our own ------------------------------------------ */

static int sb_tostring(lua_State *L)
{
    luaL_checkany(L, 1);
    hookrt_charge(L, base_cost(L));
    push_text(L, 1);
    return 1;
}

/* setmetatable for hooks. Lua follows a chain of __index (or __newindex)
 * tables up to 2,000 deep inside one instruction, and no count sees it: a
 * hook reading a missing field through such a chain in a loop ran for
 * seconds inside its budget. So chains are short and cannot grow later:
 *   - the table gets a copy of mt (taken now, unreachable: getmetatable
 *     answers mt itself, or mt.__metatable), so editing mt afterwards
 *     changes nothing; the __index target itself stays shared, so methods
 *     added to a class later are still found;
 *   - a table's metatable is set once (the copy is protected);
 *   - an __index/__newindex table must have its own metatable already: a
 *     table that is some chain's target cannot be given a chain later;
 *   - a chain is at most MAX_CHAIN tables deep;
 *   - __gc is refused (Lua runs finalizers with hooks off, so one could
 *     loop outside the budget; see the manual 2.5.3), so is __mode (what
 *     a weak table holds follows the collector), and __call must be a
 *     function (Lua follows __call tables too). */
#define MAX_CHAIN 16
static const char depth_key = 0;    /* in a copy: the depth of its chains */
static const char targets_key = 0;  /* registry: weak set of chain targets */

/* The depth of the chain that starts at the table at idx (0: none). */
static lua_Integer chain_depth(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx))
        return 0;
    lua_rawgetp(L, -1, &depth_key);
    lua_Integer dp = lua_tointeger(L, -1);
    lua_pop(L, 2);
    return dp;
}

static void push_targets(lua_State *L)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &targets_key) == LUA_TTABLE)
        return;
    lua_pop(L, 1);
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &targets_key);
}

static int sb_setmetatable(lua_State *L)
{
    int t = lua_type(L, 2);
    hookrt_charge(L, base_cost(L));
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
        return luaL_error(L, "cannot change a protected metatable");
    if (t == LUA_TNIL) {
        lua_setmetatable(L, 1);   /* none to remove: nothing set it but us */
        lua_settop(L, 1);
        return 1;
    }
    lua_settop(L, 2);
    lua_pushliteral(L, "__gc");
    if (lua_rawget(L, 2) != LUA_TNIL)
        return luaL_error(L, "setmetatable: __gc is not allowed in hooks");
    /* A weak table's contents follow the collector (and converging weak
     * keys can be quadratic inside one collection step): not for hooks. */
    lua_pushliteral(L, "__mode");
    if (lua_rawget(L, 2) != LUA_TNIL)
        return luaL_error(L, "setmetatable: weak tables (__mode) are not available in "
                             "liqsim hooks");
    lua_pushliteral(L, "__call");
    int ct = lua_rawget(L, 2);
    if (ct != LUA_TNIL && ct != LUA_TFUNCTION)
        return luaL_error(L, "setmetatable: __call must be a function in hooks");
    lua_settop(L, 2);

    lua_Integer depth = 0;
    static const char *const links[] = {"__index", "__newindex"};
    for (size_t i = 0; i < 2; i++) {
        lua_pushstring(L, links[i]);
        if (lua_rawget(L, 2) == LUA_TTABLE) {
            if (lua_rawequal(L, -1, 1))
                return luaL_error(L, "setmetatable: a table cannot be its own %s", links[i]);
            lua_Integer dp = 1 + chain_depth(L, -1);
            if (dp > MAX_CHAIN)
                return luaL_error(L, "setmetatable: %s chain deeper than %d tables", links[i],
                                  MAX_CHAIN);
            if (dp > depth)
                depth = dp;
        }
        lua_pop(L, 1);
    }
    push_targets(L);   /* 3 */
    if (depth > 0) {
        lua_pushvalue(L, 1);
        if (lua_rawget(L, 3) != LUA_TNIL)
            return luaL_error(L, "setmetatable: this table is already another's __index or "
                                 "__newindex; give it its own metatable before that");
        lua_pop(L, 1);
    }

    /* The copy, charged by its size. */
    lua_newtable(L);   /* 4 */
    lua_Integer n = 0;
    lua_pushnil(L);
    while (lua_next(L, 2)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, 4);
        n++;
    }
    hookrt_charge(L, (uint64_t)n);
    lua_pushinteger(L, depth);
    lua_rawsetp(L, 4, &depth_key);
    lua_pushliteral(L, "__metatable");
    if (lua_rawget(L, 2) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_pushvalue(L, 2);   /* getmetatable answers mt */
    }
    lua_setfield(L, 4, "__metatable");
    for (size_t i = 0; i < 2; i++) {
        lua_pushstring(L, links[i]);
        if (lua_rawget(L, 2) == LUA_TTABLE) {
            lua_pushboolean(L, 1);
            lua_rawset(L, 3);   /* targets[link] = true */
        } else {
            lua_pop(L, 1);
        }
    }
    lua_pushvalue(L, 4);
    lua_setmetatable(L, 1);
    lua_settop(L, 1);
    return 1;
}

/* xpcall whose handler runs after the stack unwinds, as an ordinary call.
 * Lua runs a message handler at the point of the error; when that point
 * is the count hook, hooks are off, and a looping handler would never
 * meet the budget again. (Without the debug library, a handler has
 * nothing to gain from the unwound stack.) */
static int sb_xpcall(lua_State *L)
{
    hookrt_charge(L, base_cost(L));
    luaL_checkany(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    int nargs = lua_gettop(L) - 2;
    lua_pushvalue(L, 2);   /* f h args... */
    lua_remove(L, 2);
    lua_insert(L, 1);      /* h f args... */
    if (lua_pcall(L, nargs, LUA_MULTRET, 0) == LUA_OK) {
        lua_pushboolean(L, 1);
        lua_replace(L, 1);
        return lua_gettop(L);
    }
    lua_call(L, 1, 1);     /* h(err) */
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2;
}

/* ---- pairs in sorted key order ------------------------------------- */

/* Stock next follows the hash layout, which a per-state random seed
 * changes from run to run: a hook summing in pairs order could round
 * differently each time. pairs here visits the keys of a snapshot in one
 * order: numbers ascending, then strings bytewise, then false, true. A
 * key of another type has no order that holds between runs: an error. */
typedef struct {
    int rank;          /* 0 number, 1 string, 2 boolean */
    bool isint;
    lua_Integer i;
    lua_Number f;
    const char *s;
    size_t len;
    int slot;          /* index in the keys table */
} skey;

/* i < f for an integer and a float key (never equal: a float key with an
 * integral value is stored as an integer). */
static int int_vs_float(lua_Integer i, lua_Number f)
{
    if (f >= 9223372036854775808.0)
        return -1;
    if (f < -9223372036854775808.0)
        return 1;
    lua_Number fl = (lua_Number)(lua_Integer)f;
    if (fl > f)
        fl -= 1;   /* floor */
    return i <= (lua_Integer)fl ? -1 : 1;
}

static int skey_cmp(const void *pa, const void *pb)
{
    const skey *a = pa, *b = pb;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    switch (a->rank) {
    case 0:
        if (a->isint && b->isint)
            return a->i < b->i ? -1 : a->i > b->i;
        if (!a->isint && !b->isint)
            return a->f < b->f ? -1 : a->f > b->f;
        return a->isint ? int_vs_float(a->i, b->f) : -int_vs_float(b->i, a->f);
    case 1: {
        size_t n = a->len < b->len ? a->len : b->len;
        int c = memcmp(a->s, b->s, n);
        if (c)
            return c;
        return a->len < b->len ? -1 : a->len > b->len;
    }
    default:
        return a->i < b->i ? -1 : a->i > b->i;
    }
}

static uint64_t log2_ceil(uint64_t n)
{
    uint64_t l = 0;
    while (((uint64_t)1 << l) < n && l < 63)
        l++;
    return l;
}

static int sorted_next(lua_State *L)
{
    lua_Integer pos = lua_tointeger(L, lua_upvalueindex(2));
    lua_Integer n = (lua_Integer)lua_rawlen(L, lua_upvalueindex(1));
    while (++pos <= n) {
        lua_rawgeti(L, lua_upvalueindex(1), pos);
        lua_pushvalue(L, -1);
        if (lua_rawget(L, 1) != LUA_TNIL) {   /* skip keys removed since */
            lua_pushinteger(L, pos);
            lua_replace(L, lua_upvalueindex(2));
            return 2;
        }
        lua_pop(L, 2);
    }
    lua_pushinteger(L, n);
    lua_replace(L, lua_upvalueindex(2));
    return 0;
}

static int sb_pairs(lua_State *L)
{
    luaL_checkany(L, 1);
    hookrt_charge(L, base_cost(L));
    if (luaL_getmetafield(L, 1, "__pairs") != LUA_TNIL) {
        lua_pushvalue(L, 1);
        lua_call(L, 1, 3);
        return 3;
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    lua_Integer n = 0;
    lua_newtable(L);   /* 2: the keys, in the order next gives them */
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_rawseti(L, 2, ++n);
    }
    hookrt_charge(L, (uint64_t)n * (1 + log2_ceil((uint64_t)n)));
    skey *k = lua_newuserdatauv(L, (size_t)n * sizeof *k + 1, 0);   /* 3 */
    for (lua_Integer i = 1; i <= n; i++) {
        skey *e = &k[i - 1];
        memset(e, 0, sizeof *e);
        e->slot = (int)i;
        switch (lua_rawgeti(L, 2, i)) {
        case LUA_TNUMBER:
            e->rank = 0;
            e->isint = lua_isinteger(L, -1);
            if (e->isint)
                e->i = lua_tointeger(L, -1);
            else
                e->f = lua_tonumber(L, -1);
            break;
        case LUA_TSTRING:
            e->rank = 1;
            e->s = lua_tolstring(L, -1, &e->len);   /* kept alive by the keys table */
            break;
        case LUA_TBOOLEAN:
            e->rank = 2;
            e->i = lua_toboolean(L, -1);
            break;
        default:
            return luaL_error(L, "pairs: a key of type %s has no order that holds from run "
                                 "to run; keep such keys in a list and use ipairs",
                              luaL_typename(L, -1));
        }
        lua_pop(L, 1);
    }
    qsort(k, (size_t)n, sizeof *k, skey_cmp);   /* keys are distinct: one order */
    lua_createtable(L, (int)n, 0);   /* 4: the keys, sorted */
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 2, k[i - 1].slot);
        lua_rawseti(L, 4, i);
    }
    lua_pushinteger(L, 0);
    lua_pushcclosure(L, sorted_next, 2);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* ---- table.sort, stable --------------------------------------------- */

/* Lua's quicksort picks a pivot from the clock for large arrays, so equal
 * elements (and the comparisons a comparator sees) differ run to run.
 * This is a bottom-up merge sort: stable, n·log2(n) comparisons at most,
 * charged before it starts. */
static bool less(lua_State *L, int a, int b, bool has_cmp)
{
    if (!has_cmp)
        return lua_compare(L, a, b, LUA_OPLT);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, a < 0 ? a - 1 : a);
    lua_pushvalue(L, b < 0 ? b - 2 : b);
    lua_call(L, 2, 1);
    bool r = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return r;
}

static int sb_sort(lua_State *L)
{
    hookrt_charge(L, base_cost(L));
    luaL_checktype(L, 1, LUA_TTABLE);
    plain_table(L, 1, "table.sort");
    bool has_cmp = !lua_isnoneornil(L, 2);
    if (has_cmp)
        luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_settop(L, 2);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
    if (n < 2)
        return 0;
    hookrt_charge(L, (uint64_t)n * (1 + log2_ceil((uint64_t)n)));
    lua_createtable(L, (int)n, 0);   /* 3: the other buffer */
    int src = 1, dst = 3;
    for (lua_Integer w = 1; w < n; w *= 2) {
        for (lua_Integer lo = 1; lo <= n; lo += 2 * w) {
            lua_Integer mid = lo + w > n + 1 ? n + 1 : lo + w;
            lua_Integer hi = lo + 2 * w > n + 1 ? n + 1 : lo + 2 * w;
            lua_Integer i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                lua_rawgeti(L, src, i);
                lua_rawgeti(L, src, j);
                if (less(L, -1, -2, has_cmp)) {   /* right < left: take the right */
                    lua_rawseti(L, dst, k++);
                    lua_pop(L, 1);
                    j++;
                } else {
                    lua_pop(L, 1);
                    lua_rawseti(L, dst, k++);
                    i++;
                }
            }
            for (; i < mid; i++) {
                lua_rawgeti(L, src, i);
                lua_rawseti(L, dst, k++);
            }
            for (; j < hi; j++) {
                lua_rawgeti(L, src, j);
                lua_rawseti(L, dst, k++);
            }
        }
        int t = src;
        src = dst;
        dst = t;
    }
    if (src != 1)
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, src, i);
            lua_rawseti(L, 1, i);
        }
    return 0;
}

/* ---- the allow-list -------------------------------------------------- */

/* Every name a hook can reach. own: our implementation; otherwise the
 * stock function of that name, wrapped with cost (NULL: copied as is,
 * for constants such as math.pi). */
typedef struct {
    const char *module;   /* NULL: a global */
    const char *name;
    lua_CFunction own;
    cost_fn cost;
} allowed;

static const allowed allow[] = {
    {NULL, "assert", NULL, base_cost},
    {NULL, "error", NULL, base_cost},
    {NULL, "getmetatable", NULL, base_cost},
    {NULL, "ipairs", NULL, base_cost},
    {NULL, "pairs", sb_pairs, NULL},
    {NULL, "pcall", NULL, base_cost},
    {NULL, "rawequal", NULL, base_cost},
    {NULL, "rawget", NULL, base_cost},
    {NULL, "rawlen", NULL, base_cost},
    {NULL, "select", NULL, base_cost},
    {NULL, "setmetatable", sb_setmetatable, NULL},
    {NULL, "tonumber", NULL, cost_per_byte},
    {NULL, "tostring", sb_tostring, NULL},
    {NULL, "type", NULL, base_cost},
    {NULL, "xpcall", sb_xpcall, NULL},
    {NULL, "_VERSION", NULL, NULL},

    {"string", "byte", NULL, cost_byte},
    {"string", "char", NULL, base_cost},
    {"string", "find", hook_match_find, NULL},
    {"string", "format", NULL, cost_format},
    {"string", "gmatch", hook_match_gmatch, NULL},
    {"string", "gsub", hook_match_gsub, NULL},
    {"string", "len", NULL, base_cost},
    {"string", "lower", NULL, cost_per_byte},
    {"string", "match", hook_match_match, NULL},
    {"string", "rep", NULL, cost_rep},
    {"string", "reverse", NULL, cost_per_byte},
    {"string", "sub", NULL, base_cost},
    {"string", "upper", NULL, cost_per_byte},

    {"table", "concat", NULL, cost_concat},
    {"table", "insert", NULL, cost_insert},
    {"table", "move", NULL, cost_move},
    {"table", "pack", NULL, base_cost},
    {"table", "remove", NULL, cost_remove},
    {"table", "sort", sb_sort, NULL},
    {"table", "unpack", NULL, cost_unpack},

    {"math", "abs", NULL, base_cost},
    {"math", "acos", NULL, base_cost},
    {"math", "asin", NULL, base_cost},
    {"math", "atan", NULL, base_cost},
    {"math", "ceil", NULL, base_cost},
    {"math", "cos", NULL, base_cost},
    {"math", "exp", NULL, base_cost},
    {"math", "floor", NULL, base_cost},
    {"math", "fmod", NULL, base_cost},
    {"math", "huge", NULL, NULL},
    {"math", "log", NULL, base_cost},
    {"math", "max", NULL, base_cost},
    {"math", "maxinteger", NULL, NULL},
    {"math", "min", NULL, base_cost},
    {"math", "mininteger", NULL, NULL},
    {"math", "modf", NULL, base_cost},
    {"math", "pi", NULL, NULL},
    {"math", "sin", NULL, base_cost},
    {"math", "sqrt", NULL, base_cost},
    {"math", "tan", NULL, base_cost},
    {"math", "tointeger", NULL, base_cost},
    {"math", "type", NULL, base_cost},
    {"math", "ult", NULL, base_cost},

    {"utf8", "char", NULL, base_cost},
    {"utf8", "charpattern", NULL, NULL},
    {"utf8", "codepoint", NULL, cost_per_byte},
    {"utf8", "len", NULL, cost_per_byte},
    {"utf8", "offset", NULL, cost_per_byte},
};

/* Stock library tables that hooks do not get, present as empty closed
 * tables so that os.execute says "not available in liqsim hooks:
 * os.execute" rather than "attempt to index a nil value". */
static const char *const stubs[] = {"io", "os", "package", "debug", "coroutine"};

/* ---- closed tables ---------------------------------------------------- */

/* Sorted string keys of the table at idx, for a did-you-mean. Returns the
 * count; names point into the table's keys. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static size_t key_names(lua_State *L, int idx, const char **names, size_t cap)
{
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING && n < cap)
            names[n++] = lua_tostring(L, -1);
    }
    qsort(names, n, sizeof *names, cmp_str);
    return n;
}

/* __index of a closed table: (t, k), upvalue 1 the prefix ("string."). */
static int absent(lua_State *L)
{
    const char *prefix = lua_tostring(L, lua_upvalueindex(1));
    if (lua_type(L, 2) != LUA_TSTRING)
        return luaL_error(L, "not available in liqsim hooks: %s[%s]", prefix,
                          luaL_typename(L, 2));
    const char *k = lua_tostring(L, 2);
    const char *names[128];
    size_t n = key_names(L, 1, names, sizeof names / sizeof *names);
    const char *s = schema_suggest(k, names, n);
    if (s)
        return luaL_error(L, "not available in liqsim hooks: %s%s (did you mean '%s%s'?)",
                          prefix, k, prefix, s);
    return luaL_error(L, "not available in liqsim hooks: %s%s", prefix, k);
}

/* __newindex of a closed table: new fields only while a file loads. */
static int add_field(lua_State *L)
{
    if (hookrt_loading(L)) {
        lua_rawset(L, 1);
        return 0;
    }
    const char *prefix = lua_tostring(L, lua_upvalueindex(1));
    const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : luaL_typename(L, 2);
    if (!*prefix)
        return luaL_error(L, "a hook cannot create the global '%s': globals are fixed once the "
                             "file is loaded (keep values in locals)", k);
    return luaL_error(L, "a hook cannot add %s%s: library tables are fixed once the file is "
                         "loaded", prefix, k);
}

void hook_sandbox_close(lua_State *L, int idx, const char *prefix)
{
    idx = lua_absindex(L, idx);
    if (!lua_getmetatable(L, idx)) {
        lua_createtable(L, 0, 3);
        lua_pushliteral(L, "locked");
        lua_setfield(L, -2, "__metatable");
        lua_pushvalue(L, -1);
        lua_setmetatable(L, idx);
    }
    lua_pushstring(L, prefix);
    lua_pushcclosure(L, absent, 1);
    lua_setfield(L, -2, "__index");
    lua_pushstring(L, prefix);
    lua_pushcclosure(L, add_field, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pop(L, 1);
}

/* ---- building the environment ------------------------------------- */

void hook_sandbox_open(lua_State *L)
{
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base}, {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8},
    };
    lua_newtable(L);   /* stock: module name -> the stock library table */
    int stock = lua_gettop(L);
    for (size_t i = 0; i < sizeof libs / sizeof *libs; i++) {
        luaL_requiref(L, libs[i].name, libs[i].func, 0);
        lua_setfield(L, stock, libs[i].name);
    }
    lua_newtable(L);   /* env: what hooks see as _G */
    int env = lua_gettop(L);
    for (size_t i = 0; i < sizeof allow / sizeof *allow; i++) {
        const allowed *a = &allow[i];
        const char *mod = a->module ? a->module : LUA_GNAME;
        int into = env;
        if (a->module) {
            if (lua_getfield(L, env, a->module) != LUA_TTABLE) {
                lua_pop(L, 1);
                lua_newtable(L);
                lua_pushvalue(L, -1);
                lua_setfield(L, env, a->module);
            }
            into = lua_gettop(L);
        }
        if (a->own) {
            lua_pushcfunction(L, a->own);
        } else {
            lua_getfield(L, stock, mod);
            lua_getfield(L, -1, a->name);
            lua_remove(L, -2);
            if (a->cost && lua_iscfunction(L, -1)) {
                charged_fn *c = lua_newuserdatauv(L, sizeof *c, 0);
                c->f = lua_tocfunction(L, -2);
                c->cost = a->cost;
                lua_pushcclosure(L, charged, 1);
                lua_remove(L, -2);
            }
        }
        lua_setfield(L, into, a->name);
        if (a->module)
            lua_pop(L, 1);
    }
    lua_pushvalue(L, env);
    lua_setfield(L, env, LUA_GNAME);
    for (size_t i = 0; i < sizeof stubs / sizeof *stubs; i++) {
        lua_newtable(L);
        char prefix[16];
        snprintf(prefix, sizeof prefix, "%s.", stubs[i]);
        hook_sandbox_close(L, -1, prefix);
        lua_setfield(L, env, stubs[i]);
    }

    /* Strings index the sandbox's string table, not the stock one; they
     * lose the arithmetic metamethods (no "10" + 1: converting a long
     * numeral is linear work inside one instruction, and hooks compute
     * with dec, which still takes a decimal string operand). */
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_getfield(L, env, LUA_STRLIBNAME);
    lua_setfield(L, -2, "__index");
    static const char *const arith[] = {"__add", "__sub", "__mul", "__div", "__mod",
                                        "__pow", "__unm", "__idiv"};
    for (size_t i = 0; i < sizeof arith / sizeof *arith; i++) {
        lua_pushnil(L);
        lua_setfield(L, -2, arith[i]);
    }
    lua_pushliteral(L, "string");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);

    /* From here on the sandbox is the state's only environment: chunks
     * loaded later get env as _ENV, and error messages name functions by
     * the sandbox's tables. The stock tables become garbage. */
    lua_pushvalue(L, env);
    lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_newtable(L);
    lua_pushvalue(L, env);
    lua_setfield(L, -2, LUA_GNAME);
    static const char *const mods[] = {LUA_STRLIBNAME, LUA_TABLIBNAME, LUA_MATHLIBNAME,
                                       LUA_UTF8LIBNAME};
    for (size_t i = 0; i < sizeof mods / sizeof *mods; i++) {
        lua_getfield(L, env, mods[i]);
        lua_setfield(L, -2, mods[i]);
    }
    lua_setfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);

    liq_hookdec_open(L);   /* the global dec, into env */

    for (size_t i = 0; i < sizeof mods / sizeof *mods; i++) {
        char prefix[16];
        snprintf(prefix, sizeof prefix, "%s.", mods[i]);
        lua_getfield(L, env, mods[i]);
        hook_sandbox_close(L, -1, prefix);
        lua_pop(L, 1);
    }
    lua_getfield(L, env, "dec");
    hook_sandbox_close(L, -1, "dec.");
    lua_pop(L, 1);
    luaL_getmetatable(L, "liq.dec");
    lua_getfield(L, -1, "__index");
    hook_sandbox_close(L, -1, "dec:");
    lua_pop(L, 2);
    hook_sandbox_close(L, env, "");
    lua_settop(L, stock - 1);
}
