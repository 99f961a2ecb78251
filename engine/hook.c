/*
 * hook.c — the sandboxed Lua state that runs a policy's hooks.
 *
 * Owns the state's life (allocator with a byte cap, the few libraries a
 * hook may use, an instruction budget per call), loading the hook file,
 * calling hooks through lua_pcall and turning every failure into a diag
 * at the hook's own file:line, and reading what a hook returned. It
 * follows Redis and Suricata's sandboxes; the budget counts instructions,
 * never time, so a policy fails the same way on every machine.
 *
 * Every operation that can allocate in the Lua state runs in protected
 * mode (lua_pcall of a small C function): a memory refusal outside it
 * would reach Lua's panic handler, and the library never exits.
 * The decimal userdata lives in hook_dec.c.
 */
#include "hook.h"

#include <lauxlib.h>
#include <lualib.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 16
#define INSN_STEP 1000   /* instructions between two count-hook calls */

struct liq_hookrt {
    lua_State *L;

    size_t mem_limit, mem_used;
    bool cap_hit;          /* the allocator refused past mem_limit */
    bool oom;              /* the C allocator itself failed */

    uint64_t insn_limit, insn_used;
    int insn_step;
    bool exhausted;        /* the budget is spent for the current run */

    bool tracking;         /* Lua code of a hook file may be running */
    int err_file, err_line;   /* innermost hook-file frame at the last error */
    int mem_file, mem_line;   /* ... at the last refused allocation */
    int insn_file, insn_line; /* ... where the budget ran out */

    char **paths;          /* loaded files, in load order */
    int npaths;

    /* the pending return value: stack slot 1, entered items above it */
    bool pending;
    int ref;
    const char *hook;      /* name of the hook being called (the caller's string) */
    const struct call_req *cur; /* the call in progress, read by ctx's __index */
    void *pool[5];         /* free lists of small blocks, by 16-byte class */

    /* Where each called hook is defined, found once: a replay calls the
     * same few functions millions of times. */
    struct def { int ref, file, line; } defs[8];
    int ndefs;
    size_t depth;
    size_t items[MAX_DEPTH];
};

static liq_hookrt *rt_of(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    return ud;
}

/* The index of the loaded file a function's source names, or -1. */
static int path_index(const liq_hookrt *h, const char *source)
{
    if (!source || source[0] != '@')
        return -1;
    for (int i = h->npaths - 1; i >= 0; i--)
        if (strcmp(h->paths[i], source + 1) == 0)
            return i;
    return -1;
}

/* The innermost Lua frame, from level lvl out, that runs a loaded file:
 * where a hook "is" when it fails. Reads the stack without allocating. */
static bool find_site(liq_hookrt *h, int lvl, int *file, int *line)
{
    lua_Debug ar;
    for (; lua_getstack(h->L, lvl, &ar); lvl++) {
        if (!lua_getinfo(h->L, "Sl", &ar) || ar.currentline <= 0)
            continue;
        int f = path_index(h, ar.source);
        if (f >= 0) {
            *file = f;
            *line = ar.currentline;
            return true;
        }
    }
    return false;
}

/* ---- limits -------------------------------------------------------- */

/* Small blocks (decimals, short strings, small tables: most of what a hook
 * allocates, and it allocates a few per call) are recycled through free
 * lists by 16-byte class instead of going back to malloc each time. The
 * lists only ever hold blocks Lua freed, so they stay under the cap's
 * peak; liq_hookrt_free releases them. */
#define POOL_MAX 64
#define POOL_CLASS(n) (((n) + 15) / 16)

static void *pool_get(liq_hookrt *h, size_t n)
{
    size_t c = POOL_CLASS(n);
    void *p = h->pool[c];
    if (p) {
        memcpy(&h->pool[c], p, sizeof(void *));
        return p;
    }
    return malloc(c * 16);
}

static void pool_put(liq_hookrt *h, void *p, size_t n)
{
    size_t c = POOL_CLASS(n);
    memcpy(p, &h->pool[c], sizeof(void *));
    h->pool[c] = p;
}

static void *rt_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    liq_hookrt *h = ud;
    if (!ptr)
        osize = 0;   /* osize then encodes the kind of object */
    if (nsize == 0) {
        if (ptr && osize <= POOL_MAX)
            pool_put(h, ptr, osize);
        else
            free(ptr);
        h->mem_used -= osize;
        return NULL;
    }
    if (nsize > osize && nsize - osize > h->mem_limit - h->mem_used) {
        h->cap_hit = true;
        /* A memory error skips the message handler, so the line is taken
         * here, while the failing frame is still on the stack. */
        if (h->tracking)
            find_site(h, 0, &h->mem_file, &h->mem_line);
        return NULL;
    }
    void *p;
    bool old_pooled = ptr && osize <= POOL_MAX;
    if (old_pooled && nsize <= POOL_MAX && POOL_CLASS(nsize) == POOL_CLASS(osize)) {
        p = ptr;   /* same class: the block already fits */
    } else if (!old_pooled && nsize > POOL_MAX) {
        p = realloc(ptr, nsize);
    } else {
        /* Moving between a pooled block and a malloc'ed one. */
        p = nsize <= POOL_MAX ? pool_get(h, nsize) : malloc(nsize);
        if (p && ptr) {
            memcpy(p, ptr, osize < nsize ? osize : nsize);
            if (old_pooled)
                pool_put(h, ptr, osize);
            else
                free(ptr);
        }
    }
    if (!p) {
        if (nsize <= osize)
            return ptr;   /* Lua assumes shrinking never fails; the block still fits */
        h->oom = true;
        return NULL;
    }
    h->mem_used = h->mem_used - osize + nsize;
    return p;
}

/* The error object of a spent budget: a light userdata (nothing to
 * allocate), recognised at the pcall boundary. */
static void *budget_token(liq_hookrt *h)
{
    return &h->insn_used;
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    liq_hookrt *h = rt_of(L);
    if (!h->exhausted) {
        h->insn_used += (uint64_t)h->insn_step;
        if (h->insn_used < h->insn_limit)
            return;
        h->exhausted = true;
        /* Noted here: a pcall in the hook may swallow this error, and the
         * message handler then never sees it. */
        find_site(h, 0, &h->insn_file, &h->insn_line);
        /* From now on every instruction fails: a pcall inside the hook may
         * catch the error, but cannot run on after catching it. */
        lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
    }
    lua_pushlightuserdata(L, budget_token(h));
    lua_error(L);
}

static void arm(liq_hookrt *h)
{
    h->insn_used = 0;
    h->exhausted = false;
    h->cap_hit = h->oom = false;
    h->err_file = h->mem_file = h->insn_file = -1;
    h->err_line = h->mem_line = h->insn_line = 0;
    h->tracking = true;
    lua_sethook(h->L, count_hook, LUA_MASKCOUNT, h->insn_step);
}

static void disarm(liq_hookrt *h)
{
    lua_sethook(h->L, NULL, 0, 0);
    h->tracking = false;
}

/* Message handler: note where the error happened and pass the error
 * object through unchanged (it runs as C, so it costs no instructions
 * and allocates nothing). */
static int msgh(lua_State *L)
{
    liq_hookrt *h = rt_of(L);
    find_site(h, 1, &h->err_file, &h->err_line);
    return 1;
}

/* Lua prefixes a message with "chunkid:line: ", chunkid being the path,
 * or "..." and its tail when long. Returns the text after the prefix and
 * sets *line, or NULL when msg does not start with path's prefix. */
static const char *strip_where(const char *msg, const char *path, int *line)
{
    size_t plen = strlen(path);
    const char *p = NULL;
    if (strncmp(msg, path, plen) == 0 && msg[plen] == ':') {
        p = msg + plen + 1;
    } else if (strncmp(msg, "...", 3) == 0) {
        const char *s = msg + 3;
        for (const char *c = strchr(s, ':'); c; c = strchr(c + 1, ':')) {
            size_t n = (size_t)(c - s);
            if (n <= plen && memcmp(s, path + plen - n, n) == 0 &&
                isdigit((unsigned char)c[1])) {
                p = c + 1;
                break;
            }
        }
    }
    if (!p || !isdigit((unsigned char)*p))
        return NULL;
    long v = 0;
    for (; isdigit((unsigned char)*p); p++)
        if (v < INT_MAX / 10)
            v = v * 10 + (*p - '0');
    if (p[0] != ':' || p[1] != ' ')
        return NULL;
    *line = (int)v;
    return p + 2;
}

static void where_of(liq_hookrt *h, int ref, int *file, int *line)
{
    lua_State *L = h->L;
    *file = -1;
    *line = 0;
    if (ref < 0 || !lua_checkstack(L, 2))
        return;
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    if (lua_type(L, -1) != LUA_TFUNCTION) {
        lua_pop(L, 1);
        return;
    }
    lua_Debug ar;
    lua_getinfo(L, ">S", &ar);   /* pops the function */
    *file = path_index(h, ar.source);
    if (*file >= 0)
        *line = ar.linedefined;
}

static const char *path_or_null(const liq_hookrt *h, int f)
{
    return f >= 0 && f < h->npaths ? h->paths[f] : NULL;
}

/* Turn the failed run whose error object is on the stack top into a diag.
 * hook is NULL for a file's main chunk; def_file/def_line is where to
 * point when no frame of the hook file was found. */
static void report(liq_hookrt *h, int status, const char *hook,
                   int def_file, int def_line, liq_diags *d)
{
    lua_State *L = h->L;
    char pre[96] = "";
    if (hook)
        snprintf(pre, sizeof pre, "hook %s: ", hook);
    int file = h->err_file >= 0 ? h->err_file : def_file;
    int line = h->err_file >= 0 ? h->err_line : def_line;

    const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    bool memerr = status == LUA_ERRMEM ||
                  (h->cap_hit && s && strcmp(s, "not enough memory") == 0);

    if (h->exhausted) {
        if (h->insn_file >= 0) {
            file = h->insn_file;
            line = h->insn_line;
        }
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EHOOK, path_or_null(h, file), line, 0,
                      "%sinstruction budget of %" PRIu64 " exceeded", pre, h->insn_limit);
    } else if (memerr) {
        if (h->mem_file >= 0) {
            file = h->mem_file;
            line = h->mem_line;
        }
        if (h->cap_hit)
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EHOOK, path_or_null(h, file), line, 0,
                          "%smemory cap of %zu bytes exceeded", pre, h->mem_limit);
        else
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EHOOK, path_or_null(h, file), line, 0,
                          "%sout of memory", pre);
    } else if (s) {
        /* The message's own "path:line: " names the line the raiser chose
         * (error("...", 2) names the caller): prefer it, but do not repeat
         * it in the text, the diag carries it. */
        const char *text = NULL;
        int pline = 0, pfile = -1;
        if (file >= 0 && (text = strip_where(s, h->paths[file], &pline)))
            pfile = file;
        for (int i = h->npaths - 1; !text && i >= 0; i--)
            if ((text = strip_where(s, h->paths[i], &pline)))
                pfile = i;
        if (text) {
            file = pfile;
            line = pline;
        } else {
            text = s;
        }
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EHOOK, path_or_null(h, file), line, 0,
                      "%s%s", pre, text);
    } else if (lua_type(L, -1) == LUA_TNUMBER) {
        /* lua_tostring would convert in place, and allocate: format here. */
        if (lua_isinteger(L, -1))
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EHOOK, path_or_null(h, file), line, 0,
                          "%s%lld", pre, (long long)lua_tointeger(L, -1));
        else
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EHOOK, path_or_null(h, file), line, 0,
                          "%s%.14g", pre, (double)lua_tonumber(L, -1));
    } else {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EHOOK, path_or_null(h, file), line, 0,
                      "%s(error object is a %s value)", pre, luaL_typename(L, -1));
    }
}

/* Run f(req[, current value]) in protected mode, without a budget (f is
 * C and runs no Lua code). Returns a lua status; the stack is as before. */
static int protect(liq_hookrt *h, lua_CFunction f, void *req, bool with_current)
{
    lua_State *L = h->L;
    if (!lua_checkstack(L, 4))
        return LUA_ERRMEM;
    lua_pushcfunction(L, f);
    lua_pushlightuserdata(L, req);
    if (with_current)
        lua_pushvalue(L, -3);
    int st = lua_pcall(L, with_current ? 2 : 1, 0, 0);
    if (st != LUA_OK)
        lua_pop(L, 1);
    return st;
}

/* ---- the state ----------------------------------------------------- */

/* setmetatable as in the base library, but refusing a __gc field: Lua runs
 * finalizers with hooks off, so one could loop outside the budget. (A
 * metatable that gains __gc later never finalizes, see the manual 2.5.3.) */
static int safe_setmetatable(lua_State *L)
{
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    if (t == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "setmetatable: __gc is not allowed in hooks");
        lua_pop(L, 1);
    }
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
        return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

/* xpcall whose handler runs after the stack unwinds, as an ordinary call.
 * Lua runs a message handler at the point of the error; when that point
 * is the count hook, hooks are off, and a looping handler would never
 * meet the budget again. (Without the debug library, a handler has
 * nothing to gain from the unwound stack.) */
static int safe_xpcall(lua_State *L)
{
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

static void set_nil(lua_State *L, const char *table, const char *name)
{
    if (table) {
        lua_getglobal(L, table);
        lua_pushnil(L);
        lua_setfield(L, -2, name);
        lua_pop(L, 1);
    } else {
        lua_pushnil(L);
        lua_setglobal(L, name);
    }
}

static void push_ctx(lua_State *L);

static int setup(lua_State *L)
{
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},
        {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table},
        {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8},
    };
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
        luaL_requiref(L, libs[i].name, libs[i].func, 1);
        lua_pop(L, 1);
    }
    /* Reaches files or loads code. */
    static const char *const base_out[] = {
        "dofile", "loadfile", "load", "loadstring", "require",
        /* Changes the runtime under other hooks' feet, or prints. */
        "collectgarbage", "print", "warn", "rawset",
    };
    for (size_t i = 0; i < sizeof base_out / sizeof base_out[0]; i++)
        set_nil(L, NULL, base_out[i]);
    set_nil(L, LUA_STRLIBNAME, "dump");
    /* Same input, same output. */
    set_nil(L, LUA_MATHLIBNAME, "random");
    set_nil(L, LUA_MATHLIBNAME, "randomseed");
    lua_pushcfunction(L, safe_setmetatable);
    lua_setglobal(L, "setmetatable");
    lua_pushcfunction(L, safe_xpcall);
    lua_setglobal(L, "xpcall");
    liq_hookdec_open(L);
    /* The ctx table exists from the start, so a call allocates nothing
     * before the hook's own code runs. */
    push_ctx(L);
    lua_pop(L, 1);
    return 0;
}

/* Close the state, then give the pooled blocks back to the C heap. */
static void rt_close(liq_hookrt *h)
{
    lua_close(h->L);
    for (size_t c = 0; c < sizeof h->pool / sizeof *h->pool; c++)
        for (void *p = h->pool[c], *next; p; p = next) {
            memcpy(&next, p, sizeof next);
            free(p);
        }
}

liq_hookrt *liq_hookrt_new(size_t mem_limit, uint64_t insn_limit)
{
    liq_hookrt *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->hook = "?";
    h->mem_limit = mem_limit ? mem_limit : LIQ_HOOK_DEFAULT_MEM;
    h->insn_limit = insn_limit ? insn_limit : LIQ_HOOK_DEFAULT_INSNS;
    h->insn_step = h->insn_limit < INSN_STEP ? (int)h->insn_limit : INSN_STEP;
    h->err_file = h->mem_file = h->insn_file = -1;
    h->ref = LUA_NOREF;
    h->L = lua_newstate(rt_alloc, h);
    if (!h->L) {
        free(h);
        return NULL;
    }
    lua_pushcfunction(h->L, setup);
    if (lua_pcall(h->L, 0, 0, 0) != LUA_OK) {
        rt_close(h);
        free(h);
        return NULL;
    }
    return h;
}

void liq_hookrt_free(liq_hookrt *h)
{
    if (!h)
        return;
    rt_close(h);
    for (int i = 0; i < h->npaths; i++)
        free(h->paths[i]);
    free(h->paths);
    free(h);
}

/* ---- loading ------------------------------------------------------- */

static char *read_file(const char *path, size_t *len, int *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *err = errno;
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    *err = buf ? (ferror(f) ? EIO : 0) : ENOMEM;
    fclose(f);
    if (buf && *err) {
        free(buf);
        buf = NULL;
    }
    *len = n;
    return buf;
}

static bool add_path(liq_hookrt *h, const char *path)
{
    char **np = realloc(h->paths, (size_t)(h->npaths + 1) * sizeof *np);
    if (!np)
        return false;
    h->paths = np;
    size_t n = strlen(path) + 1;
    if (!(np[h->npaths] = malloc(n)))
        return false;
    memcpy(np[h->npaths], path, n);
    h->npaths++;
    return true;
}

liq_status liq_hookrt_load(liq_hookrt *h, const char *path, liq_diags *d)
{
    lua_State *L = h->L;
    size_t len;
    int err;
    liq_hookrt_ret_done(h);
    char *src = read_file(path, &len, &err);
    if (!src) {
        liq_diags_add(d, LIQ_SEV_ERROR, err == ENOMEM ? LIQ_ENOMEM : LIQ_EIO, path, 0, 0,
                      "cannot read hook file: %s", strerror(err));
        return err == ENOMEM ? LIQ_ENOMEM : LIQ_EIO;
    }
    /* Bytecode can crash the VM (it is not verified): text only. */
    if (len > 0 && src[0] == LUA_SIGNATURE[0]) {
        free(src);
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, path, 0, 0,
                      "precompiled Lua (bytecode) is not accepted; give the .lua source");
        return LIQ_EINPUT;
    }
    size_t plen = strlen(path);
    char *chunkname = malloc(plen + 2);
    if (!chunkname || !add_path(h, path) || !lua_checkstack(L, 3)) {
        free(chunkname);
        free(src);
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, path, 0, 0, "out of memory");
        return LIQ_ENOMEM;
    }
    chunkname[0] = '@';
    memcpy(chunkname + 1, path, plen + 1);
    int base = lua_gettop(L);
    h->cap_hit = h->oom = false;
    int st = luaL_loadbufferx(L, src, len, chunkname, "t");
    free(chunkname);
    free(src);
    if (st != LUA_OK) {
        const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        int line = 0;
        const char *text = s ? strip_where(s, path, &line) : NULL;
        if (st == LUA_ERRMEM && h->cap_hit)
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EHOOK, path, 0, 0,
                          "memory cap of %zu bytes exceeded while parsing", h->mem_limit);
        else if (st == LUA_ERRMEM)
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EHOOK, path, 0, 0, "out of memory while parsing");
        else
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, path, line, 0, "%s",
                          text ? text : s ? s : "cannot load");
        lua_settop(L, base);
        return st == LUA_ERRMEM ? LIQ_EHOOK : LIQ_EINPUT;
    }
    lua_pushcfunction(L, msgh);
    lua_insert(L, -2);
    arm(h);
    st = lua_pcall(L, 0, 0, base + 1);
    disarm(h);
    if (st != LUA_OK || h->exhausted) {
        if (st == LUA_OK)
            lua_pushnil(L);
        report(h, st, NULL, h->npaths - 1, 0, d);
        lua_settop(L, base);
        return LIQ_EHOOK;
    }
    lua_settop(L, base);
    return LIQ_OK;
}

/* ---- references ---------------------------------------------------- */

struct ref_req {
    const char *name;
    int ref;
};

static int ref_fn(lua_State *L)
{
    struct ref_req *r = lua_touserdata(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_pushstring(L, r->name);
    /* raw: a hook file may have given _G an __index */
    lua_rawget(L, -2);
    if (lua_type(L, -1) == LUA_TFUNCTION && !lua_iscfunction(L, -1))
        r->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

int liq_hookrt_ref(liq_hookrt *h, const char *fname)
{
    struct ref_req r = {fname, -1};
    if (!h || !fname)
        return -1;
    if (protect(h, ref_fn, &r, false) != LUA_OK)
        return -1;
    return r.ref;
}

void liq_hookrt_where(liq_hookrt *h, int ref, const char **file, int *line)
{
    int f = -1, l = 0;
    if (h)
        where_of(h, ref, &f, &l);
    if (file)
        *file = h ? path_or_null(h, f) : NULL;
    if (line)
        *line = l;
}

/* ---- calling ------------------------------------------------------- */

struct call_req {
    int ref;
    const liq_hook_field *fields;
    size_t n;
};

/* ctx is one empty, read-only table per runtime whose __index reads a
 * field from the request of the call in progress: a hook pays only for
 * the fields it reads (most read two or three of a dozen), and nothing of
 * one call survives into the next. Writing to ctx is an error (rawset is
 * not in the sandbox), so a hook cannot leave a stale field behind. */
static const char ctx_key = 0;

static int ctx_index(lua_State *L)
{
    const struct call_req *c = rt_of(L)->cur;
    if (!c || lua_type(L, 2) != LUA_TSTRING)
        return 0;
    const char *k = lua_tostring(L, 2);
    for (size_t i = 0; i < c->n; i++) {
        const liq_hook_field *f = &c->fields[i];
        /* First letters differ for most fields: skip those without a call. */
        if (!f->key || f->key[0] != k[0] || strcmp(f->key, k) != 0)
            continue;
        switch (f->kind) {
        case LIQ_HF_DEC: liq_hookdec_push(L, f->dec); return 1;
        case LIQ_HF_STR:
            if (!f->str)
                return 0;
            lua_pushstring(L, f->str);
            return 1;
        case LIQ_HF_INT: lua_pushinteger(L, (lua_Integer)f->i); return 1;
        case LIQ_HF_BOOL: lua_pushboolean(L, f->b); return 1;
        default: return 0;
        }
    }
    return 0;
}

static int ctx_newindex(lua_State *L)
{
    return luaL_error(L, "ctx is read-only (keep your own values in locals)");
}

static void push_ctx(lua_State *L)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &ctx_key) == LUA_TTABLE)
        return;
    lua_pop(L, 1);
    lua_newtable(L);
    lua_createtable(L, 0, 3);
    lua_pushcfunction(L, ctx_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, ctx_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "ctx");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &ctx_key);
}

liq_status liq_hookrt_call(liq_hookrt *h, int ref, const char *hook_name,
                           const liq_hook_field *fields, size_t nfields, liq_diags *d)
{
    lua_State *L = h->L;
    liq_hookrt_ret_done(h);
    h->hook = hook_name ? hook_name : "?";
    h->ref = ref;
    int def_file = -1, def_line = 0, k = 0;
    while (k < h->ndefs && h->defs[k].ref != ref)
        k++;
    if (k < h->ndefs) {
        def_file = h->defs[k].file;
        def_line = h->defs[k].line;
    } else {
        where_of(h, ref, &def_file, &def_line);
        if (def_file >= 0 && h->ndefs < (int)(sizeof h->defs / sizeof *h->defs))
            h->defs[h->ndefs++] = (struct def){ref, def_file, def_line};
    }
    if (def_file < 0) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EHOOK, NULL, 0, 0,
                      "hook %s: not a function of the loaded hook file", h->hook);
        return LIQ_EHOOK;
    }
    if (!lua_checkstack(L, 4)) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EHOOK, h->paths[def_file], def_line, 0,
                      "hook %s: memory cap of %zu bytes exceeded", h->hook, h->mem_limit);
        return LIQ_EHOOK;
    }
    struct call_req c = {ref, fields, fields ? nfields : 0};
    int base = lua_gettop(L);
    /* Nothing here allocates (a light C function, two values the registry
     * already holds), so the call needs no protected trampoline. */
    lua_pushcfunction(L, msgh);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    push_ctx(L);
    h->cur = &c;
    arm(h);
    int st = lua_pcall(L, 1, 1, base + 1);
    disarm(h);
    h->cur = NULL;   /* ctx reads nothing outside a call */
    if (st != LUA_OK || h->exhausted) {
        report(h, st, h->hook, def_file, def_line, d);
        lua_settop(L, base);
        return LIQ_EHOOK;
    }
    lua_remove(L, base + 1);   /* the message handler */

    /* Values no ret_* can read, refused now at the hook's definition. */
    int t = lua_type(L, -1);
    liq_dec v;
    char why[8];
    if (t == LUA_TNUMBER && !lua_isinteger(L, -1)) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EHOOK, h->paths[def_file], def_line, 0,
                      "hook %s: returned a float; floats lose cents; return dec('%.14g')",
                      h->hook, (double)lua_tonumber(L, -1));
    } else if (t == LUA_TFUNCTION || t == LUA_TTHREAD || t == LUA_TLIGHTUSERDATA ||
               (t == LUA_TUSERDATA && !liq_hookdec_get(L, -1, &v, why, sizeof why))) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EHOOK, h->paths[def_file], def_line, 0,
                      "hook %s: returned a %s; expected a decimal, a string or a table",
                      h->hook, luaL_typename(L, -1));
    } else {
        h->pending = true;
        h->depth = 0;
        return LIQ_OK;
    }
    lua_settop(L, base);
    return LIQ_EHOOK;
}

/* ---- reading the return value -------------------------------------- */

/* "key 'fee'", "item 2, key 'type'", "item 3.1", "return value" */
static void describe(const liq_hookrt *h, const char *key, size_t item,
                     char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i <= h->depth && n < cap; i++) {
        size_t it = i < h->depth ? h->items[i] : item;
        if (it)
            n += (size_t)snprintf(buf + n, cap - n, "%s%zu", i ? "." : "item ", it);
    }
    if (key && n < cap)
        n += (size_t)snprintf(buf + n, cap - n, "%skey '%s'", n ? ", " : "", key);
    if (n == 0)
        snprintf(buf, cap, "return value");
}

/* A diag at the hook's definition: "hook X: item 2, key 'type': missing". */
static liq_status ret_fail(liq_hookrt *h, const char *key, size_t item, const char *why,
                           liq_diags *d)
{
    const char *file;
    int line;
    char loc[160];
    describe(h, key, item, loc, sizeof loc);
    liq_hookrt_where(h, h->ref, &file, &line);
    liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EHOOK, file, line, 0, "hook %s: %s: %s",
                  h->hook, loc, why);
    return LIQ_EHOOK;
}

enum { R_OK, R_MISSING, R_BAD };

struct read_req {
    const char *key;
    bool want_str;
    char *buf;          /* strings are copied here, cap bytes */
    size_t cap;
    liq_dec dec;
    int result;
    char why[200];
};

/* (req, current value): look the value up and convert it, all inside
 * protected mode because pushing the key may allocate. */
static int read_fn(lua_State *L)
{
    struct read_req *r = lua_touserdata(L, 1);
    if (r->key) {
        int t = lua_type(L, 2);
        if (t == LUA_TNIL) {
            r->result = R_MISSING;
            return 0;
        }
        if (t != LUA_TTABLE) {
            r->result = R_BAD;
            snprintf(r->why, sizeof r->why, "expected a table, got %s", luaL_typename(L, 2));
            return 0;
        }
        lua_pushstring(L, r->key);
        lua_rawget(L, 2);
    } else {
        lua_pushvalue(L, 2);
    }
    int t = lua_type(L, -1);
    r->result = R_BAD;
    if (t == LUA_TNIL) {
        r->result = R_MISSING;
    } else if (r->want_str) {
        size_t len;
        const char *s;
        if (t != LUA_TSTRING) {
            snprintf(r->why, sizeof r->why, "expected a string, got %s", luaL_typename(L, -1));
        } else if (s = lua_tolstring(L, -1, &len), memchr(s, '\0', len)) {
            snprintf(r->why, sizeof r->why, "the string holds a NUL byte");
        } else if (len >= r->cap) {
            snprintf(r->why, sizeof r->why, "string longer than %zu bytes", r->cap ? r->cap - 1 : 0);
        } else {
            memcpy(r->buf, s, len + 1);
            r->result = R_OK;
        }
    } else if (t == LUA_TNUMBER && !lua_isinteger(L, -1)) {
        snprintf(r->why, sizeof r->why, "floats lose cents; return dec('%.14g')",
                 (double)lua_tonumber(L, -1));
    } else if (liq_hookdec_get(L, -1, &r->dec, r->why, sizeof r->why)) {
        r->result = R_OK;
    }
    return 0;
}

static liq_status read_value(liq_hookrt *h, struct read_req *r, bool *present, liq_diags *d)
{
    if (!h->pending) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EHOOK, NULL, 0, 0,
                      "hook %s: no return value pending", h->hook);
        return LIQ_EHOOK;
    }
    h->cap_hit = h->oom = false;
    /* Fast path: the value itself, already a decimal or an integer (what
     * maintenance_margin, liquidation_fee and insurance_fund return).
     * Reading either allocates nothing, so it needs no protected call. */
    if (!r->key && !r->want_str && h->depth == 0) {
        lua_State *L = h->L;
        int t = lua_type(L, -1);
        if ((t == LUA_TUSERDATA || (t == LUA_TNUMBER && lua_isinteger(L, -1))) &&
            liq_hookdec_get(L, -1, &r->dec, r->why, sizeof r->why)) {
            r->result = R_OK;
            if (present)
                *present = true;
            return LIQ_OK;
        }
    }
    if (protect(h, read_fn, r, true) != LUA_OK) {
        char why[64];
        snprintf(why, sizeof why, "memory cap of %zu bytes exceeded", h->mem_limit);
        return ret_fail(h, r->key, 0, why, d);
    }
    switch (r->result) {
    case R_OK:
        if (present)
            *present = true;
        return LIQ_OK;
    case R_MISSING:
        if (present) {
            *present = false;
            return LIQ_OK;
        }
        if (!r->key) {
            snprintf(r->why, sizeof r->why, "expected a %s, got nil",
                     r->want_str ? "string" : "decimal");
        } else {
            snprintf(r->why, sizeof r->why, "missing");
        }
        return ret_fail(h, r->key, 0, r->why, d);
    default:
        return ret_fail(h, r->key, 0, r->why, d);
    }
}

liq_status liq_hookrt_ret_dec(liq_hookrt *h, const char *key, liq_dec *out,
                              bool *present, liq_diags *d)
{
    struct read_req r = {.key = key};
    liq_status st = read_value(h, &r, present, d);
    if (st == LIQ_OK && r.result == R_OK)
        *out = r.dec;
    return st;
}

liq_status liq_hookrt_ret_str(liq_hookrt *h, const char *key, char *buf, size_t cap,
                              bool *present, liq_diags *d)
{
    struct read_req r = {.key = key, .want_str = true, .buf = buf, .cap = buf ? cap : 0};
    return read_value(h, &r, present, d);
}

size_t liq_hookrt_ret_len(liq_hookrt *h)
{
    if (!h->pending || lua_type(h->L, -1) != LUA_TTABLE)
        return 0;
    return (size_t)lua_rawlen(h->L, -1);
}

liq_status liq_hookrt_ret_enter(liq_hookrt *h, size_t i, liq_diags *d)
{
    lua_State *L = h->L;
    char why[96];
    if (!h->pending) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EHOOK, NULL, 0, 0,
                      "hook %s: no return value pending", h->hook);
        return LIQ_EHOOK;
    }
    if (lua_type(L, -1) != LUA_TTABLE) {
        snprintf(why, sizeof why, "expected a list, got %s", luaL_typename(L, -1));
        return ret_fail(h, NULL, 0, why, d);
    }
    if (h->depth == MAX_DEPTH || !lua_checkstack(L, 2)) {
        snprintf(why, sizeof why, "nested deeper than %d", MAX_DEPTH);
        return ret_fail(h, NULL, i, why, d);
    }
    /* rawgeti neither allocates nor runs metamethods */
    if (i > (size_t)LUA_MAXINTEGER || lua_rawgeti(L, -1, (lua_Integer)i) == LUA_TNIL) {
        if (i <= (size_t)LUA_MAXINTEGER)
            lua_pop(L, 1);
        return ret_fail(h, NULL, i, "missing", d);
    }
    h->items[h->depth++] = i;
    return LIQ_OK;
}

void liq_hookrt_ret_leave(liq_hookrt *h)
{
    if (h->pending && h->depth > 0) {
        lua_pop(h->L, 1);
        h->depth--;
    }
}

void liq_hookrt_ret_done(liq_hookrt *h)
{
    if (!h)
        return;
    lua_settop(h->L, 0);
    h->pending = false;
    h->depth = 0;
}
