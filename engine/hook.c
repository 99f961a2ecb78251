/*
 * hook.c — the sandboxed Lua state that runs a policy's hooks.
 *
 * Owns the state's life (an allocator that counts what malloc really
 * holds against the cap and refuses over-long strings, a budget of work
 * units per call, a wall-clock backstop), loading the hook file, calling
 * hooks through lua_pcall under the C locale and turning every failure
 * into a diag at the hook's own file:line with its control characters
 * escaped, the ctx table, and reading what a hook returned. It follows
 * Redis and Suricata's sandboxes; the budget counts VM instructions plus
 * what library calls and allocations charge, never time, so a policy
 * fails the same way on every machine. The clock is only a last line.
 *
 * Every operation that can allocate in the Lua state runs in protected
 * mode (lua_pcall of a small C function): a memory refusal outside it
 * would reach Lua's panic handler, and the library never exits.
 * What a hook can name is hook_sandbox.c's, pattern matching
 * hook_match.c's, the decimal userdata hook_dec.c's; a call that
 * hook_fast.c can answer exactly without Lua is answered there first.
 */
#include "hook.h"
#include "fileio.h"

#include <lauxlib.h>
#include <lualib.h>

#include "mem.h"
#include "schema.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_DEPTH 16
#define INSN_STEP 1000   /* instructions between two count-hook calls */
/* Every 64 bytes Lua asks the allocator for cost one unit: a loop of
 * `s .. s` copies a string per instruction, and the collector's work
 * follows what was allocated. Lua's own request sizes, so deterministic. */
#define ALLOC_PER_UNIT 64u
/* While the running function holds n values in `...`, each instruction
 * is charged n / 64 units more (see vararg_count). */
#define VARARG_PER_UNIT 64u
/* The clock is read once per this many units (Redis reads it every
 * 100,000 instructions; ours are cheaper to count than to misjudge: a
 * unit the budget undercharges shows here first). A call that runs fewer
 * than INSN_STEP instructions and calls no library function never reads it. */
#define POLL_UNITS 10000u
/* Hooks whose ctx keeps the values it was read for (more are read
 * uncached), and how many fields each keeps (see "calling"). */
#define CTX_CACHES 8
#define CTX_KEPT 32

/* A field a hook's ctx cache holds, as the C side knows it: enough to
 * tell whether the next call's field of that name has the same value. */
struct ctx_kept {
    const char *name;      /* the key's text, inside the Lua string the cache holds */
    size_t at;             /* where in the call's fields it was last (callers keep an order) */
    liq_hf_kind kind;
    liq_dec dec;
    int64_t i;
    bool b;
    const char *str;       /* a string's text, inside the Lua string the cache holds */
};

struct ctx_cache {
    const void *fn;        /* the hook function (alive: the registry refers to it) */
    int table;             /* registry reference of the cache table */
    size_t n;
    struct ctx_kept kept[CTX_KEPT];
};

struct liq_hookrt {
    hookrt_meter meter;    /* first: the extra space of the state points here */
    lua_State *L;

    size_t mem_limit, mem_used;   /* mem_used: what malloc holds, see held() */
    bool cap_hit;          /* the allocator refused past mem_limit */
    bool str_hit;          /* ... or refused a string longer than the limit */
    bool last_was_str;     /* the last refusal was str_hit's */
    bool oom;              /* the C allocator itself failed */
    size_t str_alloc_max;  /* the allocation of the longest allowed string */
    bool probing;          /* setup measures a string's header */

    uint64_t insn_limit;    /* units spent: meter.used */
    uint64_t alloc_bytes;  /* requested since the last charge, not yet paid */
    int insn_step;
    bool exhausted;        /* the budget is spent for the current run */

    uint64_t backstop_ns, t0_ns, next_poll;
    bool timed_out;        /* the current run passed the backstop */

    bool tracking;         /* Lua code of a hook file may be running */
    bool armed;            /* the budget applies (a call or a main chunk) */
    bool loading;          /* a file's main chunk runs: globals may be made */
    locale_t c_locale;     /* every call runs under it, whatever the host's */
    int err_file, err_line;   /* innermost hook-file frame at the last error */
    int mem_file, mem_line;   /* ... at the last refused allocation */
    int insn_file, insn_line; /* ... where the budget ran out */

    char **paths;          /* loaded files, in load order */
    int npaths;

    /* the pending return value: on the stack top (once on_stack has put
     * hook_fast.c's there), entered items above it; ret_dec: the value
     * when it is a decimal or an integer */
    bool pending;
    /* hook_fast.c's answer, not yet on the stack (fast_ret): pushed only
     * for a reader that needs it there (hookfast_push) */
    bool ret_unpushed;
    hookfast_ret fast_ret;
    /* The stack is empty: ret_done emptied it, and nothing since has left
     * a value there (each function below that may, clears it). */
    bool top0;
    bool ret_is_dec;
    liq_dec ret_dec;
    int ref;
    const char *hook;      /* name of the hook being called (the caller's string) */
    const struct call_req *cur; /* the call in progress, read by ctx's __index */
    void *pool[5];         /* free lists of small blocks, by 16-byte class */

    /* Where each called hook is defined and what hook_fast.c made of it,
     * found once: a replay calls the same few functions millions of times. */
    struct def { int ref, file, line; hookfast_fn *fast; } defs[16];
    int ndefs;
    int fast_state;        /* hook_fast.c's self-test: 0 not run, 1 passed, -1 failed or off */
    uint64_t fast_runs;    /* calls hook_fast.c answered (tests read it) */
    uint64_t lua_gen;      /* times Lua code of a hook file ran: what hook_fast.c remembers
                            * from upvalues and tables holds while it stays */

    /* ctx: registry references to the proxy, its metatable, the caches'
     * metatable and the empty cache read outside calls; the cache ctx
     * reads through now (NULL: the empty one). */
    int ctx_ref, ctx_mt_ref, cache_mt_ref, idle_ref;
    struct ctx_cache *cache;
    struct ctx_cache caches[CTX_CACHES];
    int ncaches;
    hookdec_refs dec;      /* hook_dec.c's */
    size_t depth;
    size_t items[MAX_DEPTH];
};

static liq_hookrt *rt_of(lua_State *L)
{
    return *(liq_hookrt **)lua_getextraspace(L);
}

/* Where hookrt_charge_op may count without a check (see hook.h). */
static void meter_sync(liq_hookrt *h)
{
    uint64_t end = h->insn_limit + 1 < h->next_poll ? h->insn_limit + 1 : h->next_poll;
    h->meter.fast_end = h->armed && !h->exhausted && !h->timed_out ? end : 0;
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
 * lists by 16-byte class instead of going back to malloc each time. A
 * pooled block stays counted against the cap while it waits in a list
 * (malloc still holds it); when the cap is near, the lists are emptied
 * first. liq_hookrt_free releases them. */
#define POOL_MAX 64
#define POOL_CLASS(n) (((n) + 15) / 16)
/* glibc serves requests from this size with mmap (its default threshold). */
#define MMAP_FROM (128u * 1024u)

/* What glibc's malloc holds for a request of n bytes on a 64-bit system,
 * not the n Lua asked for: an 8-byte header, rounded up to 16, at least
 * 32 (malloc/malloc.c, request2size); from the mmap threshold on, whole
 * pages and a 16-byte header. Counting requests let a 1 GiB cap hold
 * 1.49 GB; counting this keeps what is resident under the cap. A model
 * rather than malloc_usable_size, so the cap trips at the same point on
 * every machine (and under sanitizers). */
static size_t held(size_t n)
{
    if (n >= MMAP_FROM)
        return n > SIZE_MAX - 8192 ? SIZE_MAX : (n + 16 + 4095) & ~(size_t)4095;
    size_t c = (n + 8 + 15) & ~(size_t)15;
    return c < 32 ? 32 : c;
}

static void pool_put(liq_hookrt *h, void *p, size_t n)
{
    size_t c = POOL_CLASS(n);
    memcpy(p, &h->pool[c], sizeof(void *));
    h->pool[c] = p;
}

static void pool_drain(liq_hookrt *h)
{
    for (size_t c = 1; c < sizeof h->pool / sizeof *h->pool; c++) {
        for (void *p = h->pool[c], *next; p; p = next) {
            memcpy(&next, p, sizeof next);
            free(p);
            h->mem_used -= held(c * 16);
        }
        h->pool[c] = NULL;
    }
}

/* Whether `more` bytes fit under the cap, emptying the lists if needed. */
static bool room(liq_hookrt *h, size_t more)
{
    if (h->mem_used <= h->mem_limit && more <= h->mem_limit - h->mem_used)
        return true;
    pool_drain(h);
    return h->mem_used <= h->mem_limit && more <= h->mem_limit - h->mem_used;
}

static void *rt_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    liq_hookrt *h = ud;
    size_t tag = ptr ? 0 : osize;   /* for a new object, osize is its type */
    if (!ptr)
        osize = 0;
    bool old_pooled = ptr && osize <= POOL_MAX;
    if (nsize == 0) {
        if (old_pooled) {
            pool_put(h, ptr, osize);
        } else if (ptr) {
            free(ptr);
            h->mem_used -= held(osize);
        }
        return NULL;
    }
    if (nsize > osize) {
        h->alloc_bytes += nsize - osize;
        if (tag == LUA_TSTRING && h->probing) {
            h->str_alloc_max = nsize - 65 + LIQ_HOOK_MAX_STRING + 1;   /* setup's 64 bytes */
            h->probing = false;
        } else if (tag == LUA_TSTRING && nsize > h->str_alloc_max) {
            h->str_hit = h->last_was_str = true;
            goto refused;
        }
    }
    if (old_pooled && nsize <= POOL_MAX && POOL_CLASS(nsize) == POOL_CLASS(osize))
        return ptr;   /* same class: the block already fits */
    void *p;
    if (!old_pooled && ptr && nsize > POOL_MAX) {
        /* A malloc'ed block that stays one. */
        size_t oh = held(osize), nh = held(nsize);
        if (nh > oh && !room(h, nh - oh))
            goto capped;
        if (!(p = mem_realloc(ptr, nsize)))
            goto failed;
        h->mem_used = h->mem_used - oh + nh;
        return p;
    }
    size_t freed = ptr && !old_pooled ? held(osize) : 0;
    if (nsize <= POOL_MAX && h->pool[POOL_CLASS(nsize)]) {
        size_t c = POOL_CLASS(nsize);
        p = h->pool[c];
        memcpy(&h->pool[c], p, sizeof(void *));
    } else {
        size_t want = nsize <= POOL_MAX ? POOL_CLASS(nsize) * 16 : nsize;
        if (held(want) > freed && !room(h, held(want) - freed))
            goto capped;
        if (!(p = mem_malloc(want)))
            goto failed;
        h->mem_used += held(want);
    }
    if (ptr) {
        memcpy(p, ptr, osize < nsize ? osize : nsize);
        if (old_pooled) {
            pool_put(h, ptr, osize);
        } else {
            free(ptr);
            h->mem_used -= freed;
        }
    }
    return p;
capped:
    if (nsize <= osize)
        return ptr;   /* Lua assumes shrinking never fails; the block still fits */
    h->cap_hit = true;
    h->last_was_str = false;
refused:
    if (h->tracking) {
        /* A memory error skips the message handler, so the line is taken
         * here, while the failing frame is still on the stack. */
        find_site(h, 0, &h->mem_file, &h->mem_line);
        /* Lua answers a refusal with a full collection: as costly as
         * allocating the whole state again. */
        h->alloc_bytes += h->mem_used;
    }
    return NULL;
failed:
    if (nsize <= osize)
        return ptr;
    h->oom = true;
    return NULL;
}

/* The error object of a spent budget or a passed backstop: a light
 * userdata (nothing to allocate), recognised at the pcall boundary by
 * the flags it leaves. */
static void *budget_token(liq_hookrt *h)
{
    return &h->meter.used;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Read the clock (the first reading starts the call's time); true when
 * the call has run past the backstop. */
static bool past_backstop(liq_hookrt *h)
{
    h->next_poll = h->meter.used + POLL_UNITS;
    meter_sync(h);
    uint64_t t = now_ns();
    if (!h->t0_ns) {
        h->t0_ns = t ? t : 1;
        return false;
    }
    return t - h->t0_ns > h->backstop_ns;
}

static void count_hook(lua_State *L, lua_Debug *ar);

/* Note where the run stopped and make every further instruction fail: a
 * pcall inside the hook may catch the error, but cannot run on after
 * catching it (and the message handler may never see it). */
static void stop(lua_State *L, liq_hookrt *h, bool timeout)
{
    if (timeout)
        h->timed_out = true;
    else
        h->exhausted = true;
    meter_sync(h);
    find_site(h, 0, &h->insn_file, &h->insn_line);
    lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
}

/* Units of allocation not yet paid. */
static uint64_t alloc_units(liq_hookrt *h)
{
    uint64_t u = h->alloc_bytes / ALLOC_PER_UNIT;
    h->alloc_bytes %= ALLOC_PER_UNIT;
    return u;
}

/* The extra arguments (...) the running function holds: one instruction
 * that uses `...` copies all of them, and a tail call that passes one
 * more each time grows them without allocating (return g(n, ...) would
 * run for minutes inside the budget). Counted by doubling probes of
 * lua_getlocal, which reads vararg -k or says there is none. */
static uint64_t vararg_count(lua_State *L, lua_Debug *ar)
{
    if (!lua_getinfo(L, "u", ar) || !ar->isvararg)
        return 0;
    uint64_t lo = 0, hi = 1;   /* lo is held, hi is to be tried */
    while (hi <= (uint64_t)INT_MAX && lua_getlocal(L, ar, -(int)hi)) {
        lua_pop(L, 1);
        lo = hi;
        hi *= 2;
    }
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (lua_getlocal(L, ar, -(int)mid)) {
            lua_pop(L, 1);
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
    liq_hookrt *h = rt_of(L);
    if (!h->exhausted && !h->timed_out) {
        /* a step of the function holding n varargs costs n / 64 per instruction more */
        uint64_t va = vararg_count(L, ar) * (uint64_t)h->insn_step / VARARG_PER_UNIT;
        h->meter.used += (uint64_t)h->insn_step + alloc_units(h) + va;
        if (h->meter.used <= h->insn_limit) {
            if (h->meter.used < h->next_poll || !past_backstop(h))
                return;
            stop(L, h, true);
        } else {
            stop(L, h, false);
        }
    }
    lua_pushlightuserdata(L, budget_token(h));
    lua_error(L);
}

void hookrt_charge(lua_State *L, uint64_t units)
{
    liq_hookrt *h = rt_of(L);
    if (!h->armed)
        return;
    if (!h->exhausted && !h->timed_out) {
        uint64_t left = h->insn_limit - h->meter.used;   /* insn_used <= insn_limit here */
        uint64_t a = alloc_units(h);
        units = units + a < units ? UINT64_MAX : units + a;
        if (units <= left) {
            h->meter.used += units;
            if (h->meter.used < h->next_poll || !past_backstop(h))
                return;
            stop(L, h, true);
        } else {
            h->meter.used = h->insn_limit;
            stop(L, h, false);
        }
    }
    lua_pushlightuserdata(L, budget_token(h));
    lua_error(L);
}

bool hookrt_loading(lua_State *L)
{
    return rt_of(L)->loading;
}

uint64_t hookrt_alloc_mark(lua_State *L)
{
    return rt_of(L)->alloc_bytes;
}

void hookrt_alloc_unmark(lua_State *L, uint64_t mark)
{
    liq_hookrt *h = rt_of(L);
    if (h->alloc_bytes > mark)
        h->alloc_bytes = mark;
}

hookdec_refs *hookrt_dec_refs(lua_State *L)
{
    return &rt_of(L)->dec;
}

bool hookrt_below_half_cap(lua_State *L)
{
    liq_hookrt *h = rt_of(L);
    return h->mem_used < h->mem_limit / 2;
}

static void arm(liq_hookrt *h)
{
    h->meter.used = 0;
    h->alloc_bytes = 0;
    h->exhausted = h->timed_out = false;
    h->t0_ns = 0;
    h->next_poll = 0;   /* the first count hook or charge starts the clock */
    h->cap_hit = h->str_hit = h->last_was_str = h->oom = false;
    h->err_file = h->mem_file = h->insn_file = -1;
    h->err_line = h->mem_line = h->insn_line = 0;
    h->tracking = h->armed = true;
    meter_sync(h);
    lua_sethook(h->L, count_hook, LUA_MASKCOUNT, h->insn_step);
}

static void disarm(liq_hookrt *h)
{
    lua_sethook(h->L, NULL, 0, 0);
    h->tracking = h->armed = false;
    meter_sync(h);
}

/* ---- messages -------------------------------------------------------- */

/* The length of the character at p (1 to 4 bytes, at most n) when a
 * terminal shows it as text, or 0 when it would act on it: a C0 control,
 * DEL, a byte that is not part of valid UTF-8, or a C1 control
 * (U+0080..U+009F, which some terminals obey as escape sequences). One
 * rule for messages (escaped) and for strings hooks return (refused). */
static size_t text_char(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
               : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || len > n)
        return 0;
    if (len == 1)
        return c >= 0x20 && c != 0x7F;
    for (size_t k = 1; k < len; k++)
        if ((p[k] & 0xC0) != 0x80)
            return 0;
    if (len == 2 && (((c & 0x1Fu) << 6) | (p[1] & 0x3Fu)) < 0xA0)
        return 0;   /* an overlong form or a C1 control */
    return len;
}

/* Copy s to out, escaping what text_char refuses: \n, \t, \r, or \xNN. */
static size_t escape(char *out, size_t cap, const char *s)
{
    size_t o = 0, n = strlen(s);
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end && o + 5 < cap) {
        size_t len = text_char(p, (size_t)(end - p));
        if (len) {
            if (o + len >= cap)
                break;
            memcpy(out + o, p, len);
            o += len;
            p += len;
            continue;
        }
        if (*p == '\n' || *p == '\t' || *p == '\r') {
            out[o++] = '\\';
            out[o++] = *p == '\n' ? 'n' : *p == '\t' ? 't' : 'r';
        } else {
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", *p);
        }
        p++;
    }
    out[o] = '\0';
    return o;
}

/* Every diag of the runtime goes through here: its text may carry the
 * hook's own strings (an error message, a token near a syntax error, a
 * returned value), and nothing a hook writes reaches a terminal raw. */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static void hook_diag(liq_diags *d, liq_status code, const char *file, int line,
                      const char *fmt, ...)
{
    char raw[1024], safe[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    escape(safe, sizeof safe, raw);
    liq_diags_add(d, LIQ_SEV_ERROR, code, file, line, 0, "%s", safe);
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

/* Lua's own messages name an operand's type after its metatable's
 * __name ("attempt to call a dec value (local 'd')") for a full userdata
 * only: a small decimal, a light userdata (hook_dec.c), is named
 * "userdata". Every userdata a hook can reach is a decimal, so the VM's
 * phrasings are given the name back; a hook's own text is left alone
 * unless it copies them. Returns msg itself when it has none of them. */
static const char *dec_named(const char *msg, char *out, size_t cap)
{
    static const char *const from[] = {" a userdata value", "two userdata values",
                                       "got userdata)", "compare userdata with ",
                                       " with userdata"};
    static const char *const to[] = {" a dec value", "two dec values", "got dec)",
                                     "compare dec with ", " with dec"};
    if (!strstr(msg, "userdata"))
        return msg;
    size_t o = 0;
    for (const char *p = msg; *p && o + 1 < cap;) {
        size_t k = 0;
        while (k < sizeof from / sizeof *from && strncmp(p, from[k], strlen(from[k])) != 0)
            k++;
        if (k < sizeof from / sizeof *from && o + strlen(to[k]) < cap) {
            memcpy(out + o, to[k], strlen(to[k]));
            o += strlen(to[k]);
            p += strlen(from[k]);
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    return out;
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
                  ((h->cap_hit || h->str_hit) && s && strcmp(s, "not enough memory") == 0);

    if (h->exhausted || h->timed_out) {
        if (h->insn_file >= 0) {
            file = h->insn_file;
            line = h->insn_line;
        }
        if (h->timed_out)
            hook_diag(d, LIQ_EHOOK, path_or_null(h, file), line,
                      "%swall-clock backstop of %" PRIu64 " ms exceeded", pre,
                      h->backstop_ns / 1000000u);
        else
            hook_diag(d, LIQ_EHOOK, path_or_null(h, file), line,
                      "%sinstruction budget of %" PRIu64 " exceeded", pre, h->insn_limit);
    } else if (memerr) {
        if (h->mem_file >= 0) {
            file = h->mem_file;
            line = h->mem_line;
        }
        if (h->str_hit && h->last_was_str)
            hook_diag(d, LIQ_EHOOK, path_or_null(h, file), line,
                      "%sstring longer than %u bytes (the longest a hook can make)", pre,
                      LIQ_HOOK_MAX_STRING);
        else if (h->cap_hit)
            hook_diag(d, LIQ_EHOOK, path_or_null(h, file), line,
                      "%smemory cap of %zu bytes exceeded", pre, h->mem_limit);
        else
            hook_diag(d, LIQ_EHOOK, path_or_null(h, file), line, "%sout of memory", pre);
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
        char named[512];
        hook_diag(d, LIQ_EHOOK, path_or_null(h, file), line, "%s%s", pre,
                  dec_named(text, named, sizeof named));
    } else if (lua_type(L, -1) == LUA_TNUMBER) {
        /* lua_tostring would convert in place, and allocate: format here. */
        if (lua_isinteger(L, -1))
            hook_diag(d, LIQ_EHOOK, path_or_null(h, file), line, "%s%lld", pre,
                      (long long)lua_tointeger(L, -1));
        else
            hook_diag(d, LIQ_EHOOK, path_or_null(h, file), line, "%s%.14g", pre,
                      (double)lua_tonumber(L, -1));
    } else {
        hook_diag(d, LIQ_EHOOK, path_or_null(h, file), line, "%s(error object is a %s value)",
                  pre, luaL_typename(L, -1));
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

static void make_ctx(lua_State *L);

static int setup(lua_State *L)
{
    liq_hookrt *h = rt_of(L);
    /* Measure a string's header, so that the string limit counts the
     * string's own bytes (the header is Lua's, 24 bytes on 64-bit). */
    char probe[64];
    memset(probe, 'x', sizeof probe);
    h->probing = true;
    lua_pushlstring(L, probe, sizeof probe);
    lua_pop(L, 1);
    h->probing = false;
    hook_sandbox_open(L);
    /* The ctx table exists from the start, so a call allocates nothing
     * before the hook's own code runs. */
    make_ctx(L);
    return 0;
}

/* Close the state, then give the pooled blocks back to the C heap. */
static void rt_close(liq_hookrt *h)
{
    lua_close(h->L);
    pool_drain(h);
    if (h->c_locale)
        freelocale(h->c_locale);
}

liq_hookrt *liq_hookrt_new(size_t mem_limit, uint64_t insn_limit)
{
    liq_hookrt *h = mem_calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->hook = "?";
    h->lua_gen = 1;   /* hook_fast.c's memo: 0 is empty */
    h->mem_limit = mem_limit ? mem_limit : LIQ_HOOK_DEFAULT_MEM;
    h->insn_limit = insn_limit ? insn_limit : LIQ_HOOK_DEFAULT_INSNS;
    h->insn_step = h->insn_limit < INSN_STEP ? (int)h->insn_limit : INSN_STEP;
    h->err_file = h->mem_file = h->insn_file = -1;
    h->ref = LUA_NOREF;
    h->str_alloc_max = SIZE_MAX;
    liq_hookrt_set_backstop(h, 0);
    h->c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    h->L = h->c_locale ? lua_newstate(rt_alloc, h) : NULL;
    if (h->L)
        *(liq_hookrt **)lua_getextraspace(h->L) = h;
    if (!h->L) {
        /* A state that failed half-made has freed its blocks into the
         * pool lists already. */
        pool_drain(h);
        if (h->c_locale)
            freelocale(h->c_locale);
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

void liq_hookrt_set_backstop(liq_hookrt *h, uint32_t ms)
{
    uint64_t ns = (uint64_t)ms * 1000000u;
    if (ms == 0) {
        /* 1 microsecond per unit of budget, at least the floor */
        ns = h->insn_limit * 1000u;
        if (ns < (uint64_t)LIQ_HOOK_MIN_BACKSTOP_MS * 1000000u)
            ns = (uint64_t)LIQ_HOOK_MIN_BACKSTOP_MS * 1000000u;
    }
    h->backstop_ns = ns;
}

void liq_hookrt_free(liq_hookrt *h)
{
    if (!h)
        return;
    for (int k = 0; k < h->ndefs; k++)
        hookfast_free(h->defs[k].fast);
    rt_close(h);
    for (int i = 0; i < h->npaths; i++)
        free(h->paths[i]);
    free(h->paths);
    free(h);
}

/* ---- loading ------------------------------------------------------- */

static bool add_path(liq_hookrt *h, const char *path)
{
    char **np = mem_realloc(h->paths, (size_t)(h->npaths + 1) * sizeof *np);
    if (!np)
        return false;
    h->paths = np;
    size_t n = strlen(path) + 1;
    if (!(np[h->npaths] = mem_malloc(n)))
        return false;
    memcpy(np[h->npaths], path, n);
    h->npaths++;
    return true;
}

/* The library's results never depend on the host's locale (an embedding
 * program may have called setlocale): Lua's number formatting and
 * parsing, its character classes and string comparison, and our own
 * messages all run under the C locale. uselocale is per thread. */
static liq_status load_in_c(liq_hookrt *h, const char *path, liq_diags *d);
static void ctx_switch(liq_hookrt *h, struct ctx_cache *cc);

liq_status liq_hookrt_load(liq_hookrt *h, const char *path, liq_diags *d)
{
    locale_t prev = uselocale(h->c_locale);
    liq_status st = load_in_c(h, path, d);
    uselocale(prev);
    return st;
}

static liq_status load_in_c(liq_hookrt *h, const char *path, liq_diags *d)
{
    lua_State *L = h->L;
    liq_hookrt_ret_done(h);
    h->top0 = false;
    /* fileio.c: a regular file within the hook-file size limit. */
    fio_buf file;
    liq_status rst = fio_read(path, FIO_HOOK, NULL, &file, d);
    if (rst != LIQ_OK)
        return rst;
    char *src = file.data;
    size_t len = file.len;
    /* Bytecode can crash the VM (it is not verified): text only. */
    if (len > 0 && src[0] == LUA_SIGNATURE[0]) {
        free(src);
        hook_diag(d, LIQ_EINPUT, path, 0,
                  "precompiled Lua (bytecode) is not accepted; give the .lua source");
        return LIQ_EINPUT;
    }
    size_t plen = strlen(path);
    char *chunkname = mem_malloc(plen + 2);
    if (!chunkname || !add_path(h, path) || !lua_checkstack(L, 3)) {
        free(chunkname);
        free(src);
        hook_diag(d, LIQ_ENOMEM, path, 0, "out of memory");
        return LIQ_ENOMEM;
    }
    chunkname[0] = '@';
    memcpy(chunkname + 1, path, plen + 1);
    int base = lua_gettop(L);
    h->cap_hit = h->str_hit = h->last_was_str = h->oom = false;
    int st = luaL_loadbufferx(L, src, len, chunkname, "t");
    free(chunkname);
    free(src);
    if (st != LUA_OK) {
        const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        int line = 0;
        const char *text = s ? strip_where(s, path, &line) : NULL;
        if (st == LUA_ERRMEM && h->str_hit && h->last_was_str)
            hook_diag(d, LIQ_EHOOK, path, 0, "string longer than %u bytes while parsing",
                      LIQ_HOOK_MAX_STRING);
        else if (st == LUA_ERRMEM && h->cap_hit)
            hook_diag(d, LIQ_EHOOK, path, 0, "memory cap of %zu bytes exceeded while parsing",
                      h->mem_limit);
        else if (st == LUA_ERRMEM)
            hook_diag(d, LIQ_EHOOK, path, 0, "out of memory while parsing");
        else
            hook_diag(d, LIQ_EINPUT, path, line, "%s", text ? text : s ? s : "cannot load");
        lua_settop(L, base);
        return st == LUA_ERRMEM ? LIQ_EHOOK : LIQ_EINPUT;
    }
    lua_pushcfunction(L, msgh);
    lua_insert(L, -2);
    ctx_switch(h, NULL);   /* a ctx kept from a call reads nothing while a file loads */
    h->lua_gen++;
    arm(h);
    h->loading = true;
    st = lua_pcall(L, 0, 0, base + 1);
    h->loading = false;
    disarm(h);
    if (st != LUA_OK || h->exhausted || h->timed_out) {
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

/* ctx is one empty, read-only table per runtime: a hook pays only for
 * the fields it reads (most read two or three of a dozen). Its __index
 * is a cache table of the hook being called, and the cache's own
 * __index (ctx_index) reads a field from the request of the call in
 * progress and keeps it in the cache. Before each call the cache takes
 * the new call's value for every field it keeps and drops those the call
 * gives as nil or not at all (ctx_sync), so what a hook reads is always
 * the call's own, and a field it read last time is a plain table read in
 * the VM this time: no C call, and no allocation when the value is the
 * same (a replay calls one hook millions of times with mostly the same
 * size, rate and market). A ctx a hook kept reads the call in progress,
 * as it always did, because ctx's __index is switched to the called
 * hook's cache. Values are immutable, so equal values may be one object.
 * ctx itself stays empty: writing to it is always an error (its
 * __newindex; rawset is not in the sandbox), so a hook cannot leave a
 * stale field behind, and the caches are out of a hook's reach
 * (getmetatable(ctx) answers "ctx"). Reading a field the stage does not
 * give is an error that lists those it gives: a typo would otherwise be
 * a nil that fails lines later. */

/* A field's value; false for a string field that is nil. */
static bool push_field(lua_State *L, const liq_hook_field *f)
{
    switch (f->kind) {
    case LIQ_HF_DEC: liq_hookdec_push(L, f->dec); return true;
    case LIQ_HF_STR:
        if (!f->str)
            return false;
        lua_pushstring(L, f->str);
        return true;
    case LIQ_HF_INT: lua_pushinteger(L, (lua_Integer)f->i); return true;
    case LIQ_HF_BOOL: lua_pushboolean(L, f->b); return true;
    default: return false;
    }
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "ctx has no field 'notionl' (did you mean 'notional'?); the fields are a, b, c" */
static int ctx_unknown(lua_State *L, const struct call_req *c)
{
    const char *names[64];
    size_t n = 0;
    for (size_t i = 0; i < c->n && n < sizeof names / sizeof *names; i++)
        if (c->fields[i].key)
            names[n++] = c->fields[i].key;
    qsort(names, n, sizeof *names, cmp_names);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (size_t i = 0; i < n; i++) {
        if (i)
            luaL_addstring(&b, ", ");
        luaL_addstring(&b, names[i]);
    }
    luaL_pushresult(&b);
    const char *list = lua_tostring(L, -1);
    if (lua_type(L, 2) != LUA_TSTRING)
        return luaL_error(L, "ctx has no field of type %s; the fields are %s",
                          luaL_typename(L, 2), n ? list : "none");
    const char *k = lua_tostring(L, 2);
    const char *s = schema_suggest(k, names, n);
    if (s)
        return luaL_error(L, "ctx has no field '%s' (did you mean '%s'?); the fields are %s", k,
                          s, list);
    return luaL_error(L, "ctx has no field '%s'; the fields are %s", k, n ? list : "none");
}

/* f's value (its kind's) into e; a string's text is the caller's to set. */
static void keep_value(struct ctx_kept *e, const liq_hook_field *f)
{
    e->kind = f->kind;
    e->dec = f->kind == LIQ_HF_DEC ? f->dec : LIQ_DEC_ZERO;
    e->i = f->kind == LIQ_HF_INT ? f->i : 0;
    e->b = f->kind == LIQ_HF_BOOL && f->b;
}

/* Keep the value just pushed (at -1) for field f, read under key 2, in
 * the cache at 1. Keys are field names, short strings, which the cache
 * table holds: the texts kept point into them. */
static void ctx_keep(lua_State *L, struct ctx_cache *cc, const liq_hook_field *f, size_t at)
{
    if (!cc || cc->n == CTX_KEPT)
        return;
    lua_pushvalue(L, 2);
    lua_pushvalue(L, -2);
    lua_rawset(L, 1);
    struct ctx_kept *e = &cc->kept[cc->n++];
    e->name = lua_tostring(L, 2);
    e->at = at;
    keep_value(e, f);
    e->str = f->kind == LIQ_HF_STR ? lua_tostring(L, -1) : NULL;
}

/* __index of a cache: (cache, key). Runs once per field and value; the
 * allocations are the engine's, not charged to the hook (a value at hand
 * from an earlier call costs nothing, so neither may a new one). */
static int ctx_index(lua_State *L)
{
    liq_hookrt *h = rt_of(L);
    const struct call_req *c = h->cur;
    if (!c)
        return luaL_error(L, "ctx is only readable during the call that received it");
    if (lua_type(L, 2) == LUA_TSTRING) {
        const char *k = lua_tostring(L, 2);
        for (size_t i = 0; i < c->n; i++) {
            const liq_hook_field *f = &c->fields[i];
            /* First letters differ for most fields: skip those without a call. */
            if (!f->key || f->key[0] != k[0] || strcmp(f->key, k) != 0)
                continue;
            uint64_t mark = hookrt_alloc_mark(L);
            if (!push_field(L, f))
                return 0;
            ctx_keep(L, h->cache, f, i);
            hookrt_alloc_unmark(L, mark);
            return 1;
        }
    }
    return ctx_unknown(L, c);
}

/* pairs(ctx): the fields in the order of their names (as pairs orders
 * every table, hook_sandbox.c), the nil ones left out. */
static int ctx_next(lua_State *L)
{
    const struct call_req *c = rt_of(L)->cur;
    if (!c)
        return luaL_error(L, "ctx is only readable during the call that received it");
    hookrt_charge(L, 1 + c->n);
    const char *prev = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : NULL;
    const liq_hook_field *best = NULL;
    for (size_t i = 0; i < c->n; i++) {
        const liq_hook_field *f = &c->fields[i];
        if (!f->key || (f->kind == LIQ_HF_STR && !f->str))
            continue;
        if ((!prev || strcmp(f->key, prev) > 0) && (!best || strcmp(f->key, best->key) < 0))
            best = f;
    }
    if (!best)
        return 0;
    lua_pushstring(L, best->key);
    push_field(L, best);
    return 2;
}

static int ctx_pairs(lua_State *L)
{
    lua_pushcfunction(L, ctx_next);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static int ctx_newindex(lua_State *L)
{
    return luaL_error(L, "ctx is read-only (keep your own values in locals)");
}

/* The proxy, its metatable, the caches' metatable and the empty cache,
 * each kept by a registry reference (an index into the registry's
 * array: no hashing on the way to them). Runs in setup's protected call. */
static void make_ctx(lua_State *L)
{
    liq_hookrt *h = rt_of(L);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, ctx_index);
    lua_setfield(L, -2, "__index");
    h->cache_mt_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->cache_mt_ref);
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    h->idle_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_createtable(L, 0, 4);   /* ctx's metatable; the empty cache at -2 */
    lua_insert(L, -2);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, ctx_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, ctx_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pushliteral(L, "ctx");
    lua_setfield(L, -2, "__metatable");
    lua_pushvalue(L, -1);
    h->ctx_mt_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    lua_insert(L, -2);
    lua_setmetatable(L, -2);
    h->ctx_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    h->cache = NULL;
}

struct cache_req {
    int cache_mt, table;
};

static int new_cache_fn(lua_State *L)
{
    struct cache_req *r = lua_touserdata(L, 1);
    lua_createtable(L, 0, 8);
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->cache_mt);
    lua_setmetatable(L, -2);
    r->table = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

/* The cache of hook function fn, made at its first call; NULL when
 * CTX_CACHES hooks have one already, or there is no room for another
 * (that hook's fields are then read as they were before there were
 * caches). */
static struct ctx_cache *cache_of(liq_hookrt *h, const void *fn)
{
    for (int k = 0; k < h->ncaches; k++)
        if (h->caches[k].fn == fn)
            return &h->caches[k];
    if (h->ncaches == CTX_CACHES)
        return NULL;
    struct cache_req r = {h->cache_mt_ref, LUA_NOREF};
    h->cap_hit = h->str_hit = h->oom = false;
    if (protect(h, new_cache_fn, &r, false) != LUA_OK)
        return NULL;
    struct ctx_cache *cc = &h->caches[h->ncaches++];
    cc->fn = fn;
    cc->table = r.table;
    cc->n = 0;
    return cc;
}

/* Point ctx's __index at cache cc (NULL: the empty one). The field exists
 * already, and the strings pushed are ones the state holds, so nothing
 * here allocates and nothing can fail outside protected mode. */
static void ctx_switch(liq_hookrt *h, struct ctx_cache *cc)
{
    if (h->cache == cc)
        return;
    lua_State *L = h->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ctx_mt_ref);
    lua_pushliteral(L, "__index");
    lua_rawgeti(L, LUA_REGISTRYINDEX, cc ? cc->table : h->idle_ref);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    h->cache = cc;
}

static bool same_value(const liq_hook_field *f, const struct ctx_kept *e)
{
    if (f->kind != e->kind)
        return false;
    switch (f->kind) {
    case LIQ_HF_DEC: return f->dec.raw == e->dec.raw;
    case LIQ_HF_INT: return f->i == e->i;
    case LIQ_HF_BOOL: return f->b == e->b;
    case LIQ_HF_STR: return f->str && strcmp(f->str, e->str) == 0;
    default: return false;
    }
}

struct update_req {
    struct ctx_cache *cc;
    const liq_hook_field *f;
    size_t n;
    unsigned char which[CTX_KEPT];   /* kept entries whose field has a new value */
    size_t nw;
};

/* Give kept fields the new call's values (a hook that read a field last
 * call reads it this call, most of the time): a table read for the hook
 * then, instead of a call into ctx_index. Runs in protected mode, before
 * the budget is armed, so its allocations are never charged. */
static int update_fn(lua_State *L)
{
    struct update_req *r = lua_touserdata(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->cc->table);
    for (size_t w = 0; w < r->nw; w++) {
        struct ctx_kept *e = &r->cc->kept[r->which[w]];
        const liq_hook_field *f = &r->f[e->at];
        lua_pushstring(L, e->name);   /* the cache holds it: found interned */
        push_field(L, f);             /* never a nil string: those are dropped */
        const char *str = f->kind == LIQ_HF_STR ? lua_tostring(L, -1) : NULL;
        lua_rawset(L, -3);
        /* only once the cache holds the value (rawset may fail) */
        e->str = str;
        keep_value(e, f);
    }
    return 0;
}

/* Make ctx read the call whose fields are f[0..n): its cache keeps only
 * the fields f gives, with f's values. A field f gives another value is
 * set to it (update_fn); one f gives as nil, or not at all, is dropped:
 * setting a key the table holds to nil frees nothing and allocates
 * nothing (the key's string, which the table holds, is found interned),
 * so that needs no protected call. */
static void ctx_sync(liq_hookrt *h, struct ctx_cache *cc, const liq_hook_field *f, size_t n)
{
    ctx_switch(h, cc);
    if (!cc || !cc->n)
        return;
    lua_State *L = h->L;
    struct update_req u;
    u.nw = 0;
    for (size_t k = 0; k < cc->n; k++) {
        struct ctx_kept *e = &cc->kept[k];
        size_t i = e->at;
        if (i >= n || !f[i].key || strcmp(f[i].key, e->name) != 0) {
            i = 0;
            while (i < n && (!f[i].key || f[i].key[0] != e->name[0] ||
                             strcmp(f[i].key, e->name) != 0))
                i++;
            e->at = i;
        }
        if (i < n && same_value(&f[i], e))
            continue;
        /* dropped below unless it can take the new value */
        u.which[u.nw++] = (unsigned char)k;
    }
    if (!u.nw)
        return;
    size_t nw = u.nw;
    u.nw = 0;
    for (size_t w = 0; w < nw; w++) {
        const struct ctx_kept *e = &cc->kept[u.which[w]];
        if (e->at < n && (f[e->at].kind != LIQ_HF_STR || f[e->at].str))
            u.which[u.nw++] = u.which[w];
    }
    u.cc = cc;
    u.f = f;
    u.n = n;
    if (u.nw > 0)
        (void)protect(h, update_fn, &u, false);   /* what it could not set is dropped */
    /* Drop what was not updated, from the end so the indexes hold. */
    lua_rawgeti(L, LUA_REGISTRYINDEX, cc->table);
    for (size_t k = cc->n; k-- > 0;) {
        struct ctx_kept *e = &cc->kept[k];
        if (e->at < n && same_value(&f[e->at], e))
            continue;
        lua_pushstring(L, e->name);
        lua_pushnil(L);
        lua_rawset(L, -3);
        *e = cc->kept[--cc->n];
    }
    lua_pop(L, 1);
}

static liq_status call_in_c(liq_hookrt *h, int ref, const struct def *df,
                            const liq_hook_field *fields, size_t nfields, liq_diags *d);

/* The def of hook function ref, made at its first call (NULL past the
 * first 16, or when ref is not a function of a loaded file); hook_fast.c
 * studies the function then, once its self-test has passed. */
static struct def *def_of(liq_hookrt *h, int ref)
{
    for (int k = 0; k < h->ndefs; k++)
        if (h->defs[k].ref == ref)
            return &h->defs[k];
    int file, line;
    if (h->ndefs == (int)(sizeof h->defs / sizeof *h->defs))
        return NULL;
    where_of(h, ref, &file, &line);
    if (file < 0)
        return NULL;
    struct def *df = &h->defs[h->ndefs++];
    *df = (struct def){ref, file, line, NULL};
    if (h->fast_state == 0)
        h->fast_state = hookfast_selftest(h->L) ? 1 : -1;
    if (h->fast_state > 0 && lua_checkstack(h->L, 1)) {
        lua_rawgeti(h->L, LUA_REGISTRYINDEX, ref);
        df->fast = hookfast_study(h->L);
        lua_pop(h->L, 1);
    }
    return df;
}

liq_status liq_hookrt_call(liq_hookrt *h, int ref, const char *hook_name,
                           const liq_hook_field *fields, size_t nfields, liq_diags *d)
{
    liq_hookrt_ret_done(h);
    h->hook = hook_name ? hook_name : "?";
    h->ref = ref;
    nfields = fields ? nfields : 0;
    struct def *df = def_of(h, ref);
    /* A straight-line formula is answered exactly without Lua when it can
     * be (hook_fast.c); no locale is read on that path. */
    if (df && df->fast && h->fast_state > 0 &&
        hookfast_run(h->L, df->fast, ref, h->lua_gen, fields, nfields, h->insn_limit,
                     &h->fast_ret)) {
        h->fast_runs++;
        h->pending = true;
        h->ret_unpushed = true;
        h->depth = 0;
        h->ret_is_dec = h->fast_ret.type == LUA_TNUMBER || h->fast_ret.type == LUA_TLIGHTUSERDATA;
        h->ret_dec = h->fast_ret.type == LUA_TNUMBER ? liq_dec_from_int(h->fast_ret.i)
                                                     : h->fast_ret.d;
        return LIQ_OK;
    }
    locale_t prev = uselocale(h->c_locale);
    liq_status st = call_in_c(h, ref, df, fields, nfields, d);
    uselocale(prev);
    return st;
}

void hookrt_set_fast(liq_hookrt *h, bool on)
{
    h->fast_state = on ? 0 : -1;
}

uint64_t hookrt_fast_runs(const liq_hookrt *h)
{
    return h->fast_runs;
}

uint64_t hookrt_fast_recalled(const liq_hookrt *h)
{
    uint64_t n = 0;
    for (int k = 0; k < h->ndefs; k++)
        if (h->defs[k].fast)
            n += hookfast_recalled(h->defs[k].fast);
    return n;
}

static liq_status call_in_c(liq_hookrt *h, int ref, const struct def *df,
                            const liq_hook_field *fields, size_t nfields, liq_diags *d)
{
    lua_State *L = h->L;
    int def_file = -1, def_line = 0;
    if (df) {
        def_file = df->file;
        def_line = df->line;
    } else {
        where_of(h, ref, &def_file, &def_line);
    }
    if (def_file < 0) {
        hook_diag(d, LIQ_EHOOK, NULL, 0, "hook %s: not a function of the loaded hook file",
                  h->hook);
        return LIQ_EHOOK;
    }
    if (!lua_checkstack(L, 4)) {
        hook_diag(d, LIQ_EHOOK, h->paths[def_file], def_line,
                  "hook %s: memory cap of %zu bytes exceeded", h->hook, h->mem_limit);
        return LIQ_EHOOK;
    }
    struct call_req c = {ref, fields, nfields};
    h->top0 = false;
    int base = lua_gettop(L);
    /* Nothing here allocates (a light C function, values the registry
     * already holds, a cache made in its own protected call), so the
     * call needs no protected trampoline. */
    lua_pushcfunction(L, msgh);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    ctx_sync(h, cache_of(h, lua_topointer(L, -1)), c.fields, c.n);
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ctx_ref);
    h->cur = &c;
    h->lua_gen++;   /* the hook may change an upvalue or a table hook_fast.c read */
    arm(h);
    int st = lua_pcall(L, 1, 1, base + 1);
    disarm(h);
    h->cur = NULL;   /* ctx reads nothing outside a call */
    if (st != LUA_OK || h->exhausted || h->timed_out) {
        report(h, st, h->hook, def_file, def_line, d);
        lua_settop(L, base);
        return LIQ_EHOOK;
    }
    /* The message handler stays under the value: ret_done clears both. */

    /* Values no ret_* can read, refused now at the hook's definition; a
     * decimal (or an integer) is read here once, for ret_dec. */
    int t = lua_type(L, -1);
    char why[8];
    h->ret_is_dec = false;
    if (t == LUA_TNUMBER && !lua_isinteger(L, -1)) {
        hook_diag(d, LIQ_EHOOK, h->paths[def_file], def_line,
                  "hook %s: returned a float; floats lose cents; return dec('%.14g')", h->hook,
                  (double)lua_tonumber(L, -1));
    } else if (t == LUA_TFUNCTION || t == LUA_TTHREAD ||
               ((t == LUA_TUSERDATA || t == LUA_TLIGHTUSERDATA) &&
                !(h->ret_is_dec = liq_hookdec_get(L, -1, &h->ret_dec, why, sizeof why)))) {
        hook_diag(d, LIQ_EHOOK, h->paths[def_file], def_line,
                  "hook %s: returned a %s; expected a decimal, a string or a table", h->hook,
                  luaL_typename(L, -1));
    } else {
        if (t == LUA_TNUMBER) {
            h->ret_dec = liq_dec_from_int((int64_t)lua_tointeger(L, -1));
            h->ret_is_dec = true;
        }
        h->pending = true;
        h->depth = 0;
        return LIQ_OK;
    }
    lua_settop(L, base);
    return LIQ_EHOOK;
}

/* ---- reading the return value -------------------------------------- */

/* The pending value where the readers below look for it, the stack top:
 * hook_fast.c's answer is put there only now, for the reader that needs
 * it (liq_hookrt_ret_dec of the value itself does not). */
static void on_stack(liq_hookrt *h)
{
    if (h->ret_unpushed) {
        h->ret_unpushed = false;
        h->top0 = false;
        hookfast_push(h->L, &h->fast_ret);
    }
}

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
    hook_diag(d, LIQ_EHOOK, file, line, "hook %s: %s: %s",
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

/* Whether a returned string is text (text_char's rule); otherwise says
 * which byte, and where, in why. */
static bool plain_text(const char *s, size_t len, char *why, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t l = text_char(p + i, len - i);
        if (!l) {
            snprintf(why, cap, "the string holds a control character or a byte that is not "
                               "UTF-8 (\\x%02x at byte %zu); return plain text", p[i], i + 1);
            return false;
        }
        i += l;
    }
    return true;
}

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
        } else if (!plain_text(s, len, r->why, sizeof r->why)) {
            /* refused: a terminal would act on it in a note or a label */
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

static liq_status read_in_c(liq_hookrt *h, struct read_req *r, bool *present, liq_diags *d);

static liq_status read_value(liq_hookrt *h, struct read_req *r, bool *present, liq_diags *d)
{
    locale_t prev = uselocale(h->c_locale);
    liq_status st = read_in_c(h, r, present, d);
    uselocale(prev);
    return st;
}

static liq_status read_in_c(liq_hookrt *h, struct read_req *r, bool *present, liq_diags *d)
{
    if (!h->pending) {
        hook_diag(d, LIQ_EHOOK, NULL, 0, "hook %s: no return value pending", h->hook);
        return LIQ_EHOOK;
    }
    on_stack(h);
    h->cap_hit = h->str_hit = h->oom = false;
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

/* liq_hookrt_ret_dec's reading of the stack, out of its line: the
 * common call (below) then saves no registers for it. */
__attribute__((noinline)) static liq_status ret_dec_read(liq_hookrt *h, const char *key,
                                                         liq_dec *out, bool *present,
                                                         liq_diags *d)
{
    struct read_req r = {.key = key};
    liq_status st = read_value(h, &r, present, d);
    if (st == LIQ_OK && r.result == R_OK)
        *out = r.dec;
    return st;
}

liq_status liq_hookrt_ret_dec(liq_hookrt *h, const char *key, liq_dec *out,
                              bool *present, liq_diags *d)
{
    /* The value itself, a decimal or an integer call_in_c read already
     * (what maintenance_margin, liquidation_fee and insurance_fund
     * return): nothing to look up, allocate or format. */
    if (!key && h->pending && h->depth == 0 && h->ret_is_dec) {
        *out = h->ret_dec;
        if (present)
            *present = true;
        return LIQ_OK;
    }
    return ret_dec_read(h, key, out, present, d);
}

liq_status liq_hookrt_ret_str(liq_hookrt *h, const char *key, char *buf, size_t cap,
                              bool *present, liq_diags *d)
{
    struct read_req r = {.key = key, .want_str = true, .buf = buf, .cap = buf ? cap : 0};
    return read_value(h, &r, present, d);
}

size_t liq_hookrt_ret_len(liq_hookrt *h)
{
    on_stack(h);
    if (!h->pending || lua_type(h->L, -1) != LUA_TTABLE)
        return 0;
    return (size_t)lua_rawlen(h->L, -1);
}

liq_status liq_hookrt_ret_enter(liq_hookrt *h, size_t i, liq_diags *d)
{
    lua_State *L = h->L;
    char why[96];
    if (!h->pending) {
        hook_diag(d, LIQ_EHOOK, NULL, 0, "hook %s: no return value pending", h->hook);
        return LIQ_EHOOK;
    }
    on_stack(h);
    if (lua_type(L, -1) != LUA_TTABLE) {
        snprintf(why, sizeof why, "expected a list, got %s", luaL_typename(L, -1));
        return ret_fail(h, NULL, 0, why, d);
    }
    if (h->depth == MAX_DEPTH || !lua_checkstack(L, 2)) {
        snprintf(why, sizeof why, "nested deeper than %d", MAX_DEPTH);
        return ret_fail(h, NULL, i, why, d);
    }
    h->top0 = false;
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
    /* (An answer of hook_fast.c leaves the stack as the call found it,
     * empty, until a reader puts it there: on_stack.) */
    if (!h->top0 && lua_gettop(h->L) != 0)
        lua_settop(h->L, 0);
    h->top0 = true;
    h->pending = false;
    h->ret_unpushed = false;
    h->depth = 0;
}
