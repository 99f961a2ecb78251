/*
 * hook_fast.c — straight-line hooks answered without entering Lua.
 *
 * Most hooks are one formula over ctx: `return ctx.notional * ctx.rate`,
 * a comparison or two, a dec("0.4"). Calling one through lua_pcall costs
 * about 1,300 host instructions before the formula starts (the protected
 * call, the VM's entry and exit, the count hook on every instruction, the
 * metamethod dispatch of each operation), against a few dozen for the
 * arithmetic itself. This file reads such a function's bytecode once
 * (lua_dump) and then evaluates it directly on the call's fields, with the
 * decimal type's own arithmetic (hook_dec.c).
 *
 * It is an accelerator, never a second meaning: it runs a function only
 * when every instruction it meets is one it models exactly, on values it
 * models exactly (small decimals, integers, strings, nil, booleans, plain
 * tables read raw, Lua functions it can read too, dec's round method),
 * and it changes nothing while it runs. At anything else (a call of
 * another function, a global that is not a plain field, a large decimal,
 * an error of any kind, a budget the call would pass) it gives up and the
 * caller runs the function through Lua from its first instruction, which
 * then does and reports whatever Lua does. Only functions without a loop
 * (every jump forward) and of fewer than INSN_STEP instructions are
 * taken, each instruction running at most once a frame, and frames nest
 * at most MAX_FRAMES deep, so the work is bounded; the instructions run
 * in every frame are counted, and a run that would reach the count step
 * (1,000, where through Lua the count hook first charges for them) is
 * given up: below it Lua spends no unit for instructions, only those of
 * the decimal operations, which are counted here the same way
 * (docs/hooks-runtime.md).
 *
 * Lua 5.4's instruction set is not a public interface: the study checks
 * the dump's header and, once per state, that a known function compiles
 * to the instructions this file expects; otherwise nothing is taken.
 */
#include "hook.h"
#include "mem.h"

#include <lauxlib.h>

#include <stdlib.h>
#include <string.h>

/* Lua 5.4's opcodes (lopcodes.h) and tag methods (ltm.h) this file reads. */
enum {
    OP_MOVE = 0, OP_LOADI = 1, OP_LOADK = 3, OP_LOADFALSE = 5, OP_LOADTRUE = 7,
    OP_LOADNIL = 8, OP_GETUPVAL = 9, OP_GETTABUP = 11, OP_GETTABLE = 12, OP_GETI = 13,
    OP_GETFIELD = 14, OP_SELF = 20, OP_ADDI = 21, OP_ADDK = 22, OP_SUBK = 23, OP_MULK = 24,
    OP_DIVK = 27, OP_ADD = 34, OP_SUB = 35, OP_MUL = 36, OP_DIV = 39, OP_MMBIN = 46,
    OP_MMBINI = 47, OP_MMBINK = 48, OP_UNM = 49, OP_NOT = 51, OP_JMP = 56, OP_EQ = 57,
    OP_LT = 58, OP_LE = 59, OP_EQK = 60, OP_EQI = 61, OP_LTI = 62, OP_LEI = 63,
    OP_GTI = 64, OP_GEI = 65, OP_TEST = 66, OP_CALL = 68, OP_TAILCALL = 69, OP_RETURN0 = 71,
    OP_RETURN1 = 72, OP_FORLOOP = 73, OP_TFORLOOP = 77,
};
enum { TM_ADD = 6, TM_SUB = 7, TM_MUL = 8, TM_DIV = 11 };

#define GET_OP(i) ((unsigned)(i) & 0x7Fu)
#define GET_A(i) (((unsigned)(i) >> 7) & 0xFFu)
#define GET_K(i) (((unsigned)(i) >> 15) & 1u)
#define GET_B(i) (((unsigned)(i) >> 16) & 0xFFu)
#define GET_C(i) (((unsigned)(i) >> 24) & 0xFFu)
#define GET_BX(i) ((unsigned)(i) >> 15)
#define GET_SBX(i) ((int)GET_BX(i) - 65535)
#define GET_SB(i) ((int)GET_B(i) - 127)
#define GET_SC(i) ((int)GET_C(i) - 127)
#define GET_SJ(i) ((int)((unsigned)(i) >> 7) - 16777215)

/* Fewer instructions than the budget's count step (hook.c's INSN_STEP):
 * through Lua they cost no unit, so only the operations are counted. */
#define MAX_CODE 999


/* A register's value, as this file models it: V_LFN a Lua function
 * (u.tp, at idx on the stack), V_METHOD one of dec's methods (u.i, a
 * HOOKDEC_ value: d:round). 32 bytes: a run copies many. */
typedef struct val {
    uint8_t kind;    /* V_ */
    /* Read from constants, upvalues and the tables they hold only: the
     * same until Lua code runs again (see memo). */
    bool fixed;
    uint16_t up;     /* V_TABLE: upvalue up - 1 of the hook function holds it (0: not known) */
    int idx;         /* V_TABLE, V_DECTABLE, V_LFN: where the stack holds it (0: nowhere yet) */
    union {
        int64_t i;
        liq_dec d;
        struct {
            const char *s;   /* inside a Lua string a table or upvalue holds, or a constant */
            size_t len;
        } str;
        const void *tp;  /* V_TABLE, V_DECTABLE, V_LFN: which table or function (lua_topointer) */
    } u;
} val;
enum { V_NIL, V_FALSE, V_TRUE, V_INT, V_DEC, V_STR, V_CTX, V_TABLE, V_DECTABLE, V_LFN, V_METHOD,
       V_NONE /* a constant this file does not model (a float) */ };

/* A constant of the function, as the dump gives it, and as the value a
 * register holds once it is loaded (V_NONE: a float, not modelled). */
typedef struct kval {
    enum { K_NIL, K_FALSE, K_TRUE, K_INT, K_FLOAT, K_STR } kind;
    int64_t i;
    char *s;      /* K_STR: owned, NUL-terminated (Lua strings may hold NUL: len) */
    size_t len;
    val v;
} kval;

/* One instruction as the interpreter runs it, decoded once when the
 * function is studied (decode): the operands taken apart, a jump's
 * target and a test's jump found, and an arithmetic instruction joined
 * with the MMBIN after it that calls the metamethod (D_ARITH*), so a run
 * reads each field it needs from one small record instead of taking the
 * instruction word apart again at every call. */
typedef struct dins {
    uint8_t op;      /* Lua's opcode, or one of this file's D_ below */
    uint8_t a, b, c;
    uint8_t k;       /* the instruction's k bit */
    uint8_t ra;      /* D_ARITH*: the register the result goes to (the arithmetic's A) */
    uint8_t tm;      /* D_ARITH*: the metamethod's event (MMBIN's C) */
    uint8_t pad;
    int32_t imm;     /* LOADI: sBx; LOADK: Bx; EQI..GEI, MMBINI, D_ARITHI: the integer */
    uint16_t to;     /* JMP, a test: the pc a taken jump goes on at (NO_JUMP: none, give up) */
    uint16_t pc;     /* its own: the index of its memo */
    /* OP_GETFIELD of ctx: where its field was last, and the key pointer
     * it had there (callers keep an order) */
    const char *key;
    size_t at;
} dins;
#define NO_JUMP UINT16_MAX
/* A GETFIELD's key before its first ctx read: a pointer no caller's key
 * has, where NULL would match a field of no key (which ctx skips) at
 * place 0 and read it as the asked one. */
static const char no_key[1];
_Static_assert(MAX_CODE < NO_JUMP, "dins: a pc fits in 16 bits");
/* This file's own forms (above Lua 5.4's last opcode, 82). */
enum {
    D_GIVEUP = 100,  /* an instruction never modelled (or a test with no jump after) */
    D_ARITH,         /* OP_ADD..OP_DIV + OP_MMBIN: R[ra] := R[a] tm R[b] */
    D_ARITHK,        /* OP_ADDK..OP_DIVK + OP_MMBINK: R[ra] := R[a] tm K[b] (k: swapped) */
    D_ARITHI,        /* OP_ADDI + OP_MMBINI: R[ra] := R[a] tm imm (k: swapped) */
};

/* What an instruction that reads a fixed value read last time: right
 * while no Lua code has run since (the generation hook.c counts), since
 * only Lua code can change an upvalue or a table, and this file writes
 * none. The tables such values live in hold them meanwhile. */
typedef struct memo {
    uint64_t gen;    /* 0: empty */
    const void *tp;  /* the table read (a field's instruction may read several) */
    val v;
    /* OP_GETTABLE, OP_GETI: the key read under, an integer or a string's
     * bytes (a register's key may differ from call to call) */
    bool kstr;
    uint8_t klen;
    char key[23];
    int64_t ki;
} memo;

/* One ctx field a run read, and its value then. A string is kept as a
 * copy (the caller's may not outlive the call); a longer one makes the
 * run not remembered. */
#define READ_STR 24
typedef struct ctx_read {
    const char *key;    /* the field's key pointer (callers keep an order) */
    uint16_t at;        /* where in the fields it was */
    uint8_t kind;       /* liq_hf_kind */
    uint8_t len;        /* LIQ_HF_STR */
    bool nil;           /* LIQ_HF_STR with no string: the key is nil */
    union {
        liq_dec dec;
        int64_t i;      /* LIQ_HF_INT, LIQ_HF_BOOL */
        char s[READ_STR];
    } v;
} ctx_read;

/* A run's answer, remembered with what it depended on: the ctx fields it
 * read and, through gen, every upvalue and table (constant while no Lua
 * code runs). The run reads nothing else and writes nothing, so a call
 * whose fields hold the same values there, with gen the same, takes the
 * same path to the same value and spends the same units: the answer
 * without the run. Kraken's long margin (the entry's notional over the
 * leverage) is the same at every price a solver asks about; a solver's
 * second question at the entry price is answered so too. */
#define READS 8
#define ANSWERS 2
typedef struct answer {
    bool set;
    uint64_t gen;
    unsigned nreads;
    ctx_read reads[READS];
    uint64_t units;
    val ret;
} answer;

/* Remembering is worth its cost (the fields noted as a run reads them,
 * each call compared) only where calls repeat: judged over a window of
 * MEMO_WINDOW tries, it is left off for MEMO_REST calls where fewer than
 * one in MEMO_MIN_SHARE answered. */
#define MEMO_WINDOW 256
#define MEMO_MIN_SHARE 8
#define MEMO_REST 4096

/* A Lua function a run called (drift's liquidation_fee calls
 * perp_if_fee_rate), studied as the hook itself is: by the closure it
 * was, while no Lua code has run since (gen), since only Lua code can
 * put another function where this one was read, and a closure freed
 * then may give its address to another. */
#define CALLEES 4
typedef struct callee {
    const void *tp;
    uint64_t gen;            /* 0: empty */
    hookfast_fn *fn;         /* NULL: not one this file takes */
} callee;

struct hookfast_fn {
    uint32_t *code;
    size_t ncode;
    dins *ins;               /* the code decoded, and a D_GIVEUP at ins[ncode] */
    kval *k;
    size_t nk;
    unsigned nregs;
    unsigned nparams;
    memo *memo;              /* per instruction */
    /* Runs given up before any run went through: past HOOKFAST_MISSES a
     * function is not tried again (one that calls a helper, say, gives
     * up at its first call every time). One that has gone through keeps
     * being tried: its inputs decide. */
    unsigned misses;
    bool ever;
    answer answers[ANSWERS];
    unsigned next;           /* the answer to replace next (round robin) */
    size_t hot_at;           /* the field that last differed: compared first */
    unsigned tries, hits;    /* this window's */
    unsigned resting;        /* calls left with remembering off */
    uint64_t recalled;       /* calls answered from answers[] (tests) */
    callee callees[CALLEES];
    unsigned next_callee;
};

/* ---- reading the dump -------------------------------------------- */

typedef struct buf {
    unsigned char *p;
    size_t n, cap;
    bool failed;
} buf;

static int writer(lua_State *L, const void *p, size_t sz, void *ud)
{
    (void)L;
    buf *b = ud;
    if (b->n + sz > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        while (cap < b->n + sz)
            cap *= 2;
        unsigned char *np = mem_realloc(b->p, cap);
        if (!np) {
            b->failed = true;
            return 1;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, p, sz);
    b->n += sz;
    return 0;
}

typedef struct rd {
    const unsigned char *p, *end;
    bool bad;
} rd;

static unsigned char rd_byte(rd *r)
{
    if (r->p >= r->end) {
        r->bad = true;
        return 0;
    }
    return *r->p++;
}

/* ldump.c's dumpSize: 7 bits a byte, most significant first, the last
 * byte marked with 0x80. */
static size_t rd_size(rd *r)
{
    size_t x = 0;
    for (int n = 0; n < 10; n++) {
        unsigned char b = rd_byte(r);
        x = (x << 7) | (b & 0x7Fu);
        if (b & 0x80u)
            return x;
    }
    r->bad = true;
    return 0;
}

static void rd_bytes(rd *r, void *out, size_t n)
{
    if ((size_t)(r->end - r->p) < n) {
        r->bad = true;
        return;
    }
    memcpy(out, r->p, n);
    r->p += n;
}

/* The header ldump.c writes: signature, version 5.4, format 0, the
 * conversion check bytes, and this build's sizes. */
static bool header_ok(rd *r)
{
    static const unsigned char want[] = {0x1B, 'L', 'u', 'a', 0x54, 0,
                                         0x19, 0x93, '\r', '\n', 0x1A, '\n',
                                         4, sizeof(lua_Integer), sizeof(lua_Number)};
    unsigned char got[sizeof want];
    rd_bytes(r, got, sizeof got);
    if (r->bad || memcmp(got, want, sizeof want) != 0)
        return false;
    lua_Integer i;
    lua_Number n;
    rd_bytes(r, &i, sizeof i);
    rd_bytes(r, &n, sizeof n);
    return !r->bad && i == 0x5678 && n == (lua_Number)370.5;
}

void hookfast_free(hookfast_fn *f)
{
    if (!f)
        return;
    for (unsigned j = 0; j < CALLEES; j++)
        hookfast_free(f->callees[j].fn);
    for (size_t j = 0; j < f->nk; j++)
        free(f->k[j].s);
    free(f->k);
    free(f->code);
    free(f->ins);
    free(f->memo);
    free(f);
}

/* Parse the top function of a dump (stripped) into f: a hook takes one
 * parameter (ctx), a function it calls any number. */
static bool parse(const unsigned char *p, size_t n, hookfast_fn *f, bool hook)
{
    rd r = {p, p + n, false};
    if (!header_ok(&r))
        return false;
    (void)rd_byte(&r);              /* the closure's upvalue count */
    if (rd_size(&r) != 0)           /* source: stripped */
        return false;
    (void)rd_size(&r);              /* linedefined */
    (void)rd_size(&r);              /* lastlinedefined */
    unsigned nparams = rd_byte(&r), vararg = rd_byte(&r);
    f->nregs = rd_byte(&r);
    f->ncode = rd_size(&r);
    f->nparams = nparams;
    if (r.bad || (hook && nparams != 1) || nparams > f->nregs || vararg || f->ncode == 0 ||
        f->ncode > MAX_CODE)
        return false;
    if (!(f->code = mem_malloc(f->ncode * sizeof *f->code)) ||
        !(f->memo = mem_calloc(f->ncode, sizeof *f->memo)))
        return false;
    rd_bytes(&r, f->code, f->ncode * sizeof *f->code);
    size_t nk = rd_size(&r);
    if (r.bad || nk > (size_t)(r.end - r.p) || !(f->k = mem_calloc(nk ? nk : 1, sizeof *f->k)))
        return false;
    for (; f->nk < nk && !r.bad; f->nk++) {
        kval *k = &f->k[f->nk];
        switch (rd_byte(&r)) {
        case 0: k->kind = K_NIL; break;              /* LUA_VNIL */
        case 1: k->kind = K_FALSE; break;            /* LUA_VFALSE */
        case 17: k->kind = K_TRUE; break;            /* LUA_VTRUE */
        case 3:                                      /* LUA_VNUMINT */
            k->kind = K_INT;
            rd_bytes(&r, &k->i, sizeof k->i);
            break;
        case 19: {                                   /* LUA_VNUMFLT */
            lua_Number x;
            k->kind = K_FLOAT;
            rd_bytes(&r, &x, sizeof x);
            break;
        }
        case 4: case 20: {                           /* LUA_VSHRSTR, LUA_VLNGSTR */
            size_t sz = rd_size(&r);
            if (sz == 0 || sz - 1 > (size_t)(r.end - r.p) || !(k->s = mem_malloc(sz)))
                return false;
            k->kind = K_STR;
            k->len = sz - 1;
            rd_bytes(&r, k->s, k->len);
            k->s[k->len] = '\0';
            break;
        }
        default: return false;
        }
    }
    if (r.bad)
        return false;
    /* Every jump forward and inside the code (each instruction then runs
     * at most once), every register the interpreter reads inside the
     * frame (Lua's compiler guarantees both; a mismatch means this is not
     * the bytecode expected, and nothing is taken). */
    if (f->nregs < 1)
        return false;
    for (size_t pc = 0; pc < f->ncode; pc++) {
        uint32_t i = f->code[pc];
        unsigned op = GET_OP(i), a = GET_A(i), b = GET_B(i), c = GET_C(i), nr = f->nregs;
        bool regs_ok = true;
        switch (op) {
        case OP_JMP: {
            int sj = GET_SJ(i);
            if (sj < 0 || (size_t)sj > f->ncode - pc - 1)
                return false;
            continue;
        }
        case OP_FORLOOP: case OP_TFORLOOP:
            return false;
        case OP_RETURN0:   /* A is the frame's top, which may be nregs */
            continue;
        case OP_MOVE: case OP_UNM: case OP_NOT: case OP_GETFIELD: case OP_GETI:
        case OP_ADDK: case OP_SUBK: case OP_MULK: case OP_DIVK: case OP_ADDI:
            regs_ok = b < nr;
            break;
        case OP_GETTABLE: case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV:
            regs_ok = b < nr && c < nr;
            break;
        case OP_EQ: case OP_LT: case OP_LE: case OP_MMBIN:
            regs_ok = b < nr;
            break;
        case OP_LOADNIL: regs_ok = a + b < nr; break;
        case OP_CALL: case OP_TAILCALL: regs_ok = a + 1 < nr && (b == 0 || a + b - 1 < nr); break;
        case OP_SELF: regs_ok = a + 1 < nr && b < nr; break;
        default: break;
        }
        if (a >= nr || !regs_ok)
            return false;
    }
    return true;
}

/* Constant j of f as a register value, or NULL when there is none or it
 * is not one this file models (a float: Lua's own arithmetic, or an
 * error). */
static const val *konst(const hookfast_fn *f, unsigned j)
{
    return j < f->nk && f->k[j].v.kind != V_NONE ? &f->k[j].v : NULL;
}

static bool str_konst(const hookfast_fn *f, unsigned j)
{
    return j < f->nk && f->k[j].kind == K_STR;
}

/* The constants' values and the code's decoded form (dins), once the
 * study has checked the code: what an instruction gives up on whatever
 * the registers hold (a float constant, a test with no jump after it, a
 * compare with a float) becomes D_GIVEUP, which gives up when it runs,
 * as the instruction did. */
static bool decode(hookfast_fn *f)
{
    for (size_t j = 0; j < f->nk; j++) {
        kval *k = &f->k[j];
        val *v = &k->v;
        *v = (val){.fixed = true};
        switch (k->kind) {
        case K_NIL: v->kind = V_NIL; break;
        case K_FALSE: v->kind = V_FALSE; break;
        case K_TRUE: v->kind = V_TRUE; break;
        case K_INT: v->kind = V_INT; v->u.i = k->i; break;
        case K_STR: v->kind = V_STR; v->u.str.s = k->s; v->u.str.len = k->len; break;
        default: v->kind = V_NONE; break;
        }
    }
    if (!(f->ins = mem_malloc((f->ncode + 1) * sizeof *f->ins)))
        return false;
    for (size_t pc = 0; pc < f->ncode; pc++) {
        uint32_t i = f->code[pc];
        bool more = pc + 1 < f->ncode;
        uint32_t ni = more ? f->code[pc + 1] : 0;
        unsigned nop = more ? GET_OP(ni) : OP_RETURN0;
        dins *d = &f->ins[pc];
        *d = (dins){.op = (uint8_t)GET_OP(i), .a = (uint8_t)GET_A(i), .b = (uint8_t)GET_B(i),
                    .c = (uint8_t)GET_C(i), .k = (uint8_t)GET_K(i), .to = NO_JUMP,
                    .pc = (uint16_t)pc};
        switch (GET_OP(i)) {
        case OP_LOADI: d->imm = GET_SBX(i); break;
        case OP_LOADK:
            d->imm = (int32_t)GET_BX(i);
            if (!konst(f, GET_BX(i)))
                d->op = D_GIVEUP;
            break;
        case OP_GETTABUP: case OP_GETFIELD:
            d->key = no_key;
            if (!str_konst(f, d->c))
                d->op = D_GIVEUP;
            break;
        case OP_SELF:
            if (!d->k || !str_konst(f, d->c))
                d->op = D_GIVEUP;
            break;
        case OP_JMP: d->to = (uint16_t)(pc + 1 + (size_t)GET_SJ(i)); break;
        case OP_MMBINI: d->imm = GET_SB(i); break;
        case OP_EQK:
            if (!konst(f, d->b))
                d->op = D_GIVEUP;
            goto test;
        case OP_EQI: case OP_LTI: case OP_LEI: case OP_GTI: case OP_GEI:
            d->imm = GET_SB(i);
            if (d->c)   /* compared with a float */
                d->op = D_GIVEUP;
            goto test;
        case OP_EQ: case OP_LT: case OP_LE: case OP_TEST:
        test:
            /* a test skips the instruction after it or takes the jump
             * it is (lvm.c, docondjump) */
            if (!more)
                d->op = D_GIVEUP;
            else if (nop == OP_JMP)
                d->to = (uint16_t)(pc + 2 + (size_t)GET_SJ(ni));
            break;
        /* The compiler follows an arithmetic instruction with the MMBIN*
         * that calls the metamethod on the same operands: one record. */
        case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV:
            if (nop == OP_MMBIN && GET_A(ni) == d->b && GET_B(ni) == d->c) {
                d->op = D_ARITH;
                d->ra = d->a;
                d->a = d->b;
                d->b = d->c;
                d->tm = (uint8_t)GET_C(ni);
            }
            break;
        case OP_ADDK: case OP_SUBK: case OP_MULK: case OP_DIVK:
            if (nop == OP_MMBINK && GET_A(ni) == d->b && GET_B(ni) == d->c) {
                d->op = konst(f, d->c) ? D_ARITHK : D_GIVEUP;
                d->ra = d->a;
                d->a = d->b;
                d->b = d->c;
                d->k = (uint8_t)GET_K(ni);
                d->tm = (uint8_t)GET_C(ni);
            }
            break;
        case OP_ADDI:
            if (nop == OP_MMBINI && GET_A(ni) == d->b && GET_SB(ni) == GET_SC(i)) {
                d->op = D_ARITHI;
                d->ra = d->a;
                d->a = d->b;
                d->imm = GET_SC(i);
                d->k = (uint8_t)GET_K(ni);
                d->tm = (uint8_t)GET_C(ni);
            }
            break;
        default: break;
        }
    }
    f->ins[f->ncode] = (dins){.op = D_GIVEUP, .to = NO_JUMP, .pc = (uint16_t)f->ncode};
    return true;
}

static hookfast_fn *study(lua_State *L, bool hook)
{
    if (lua_type(L, -1) != LUA_TFUNCTION || lua_iscfunction(L, -1))
        return NULL;
    buf b = {0};
    hookfast_fn *f = NULL;
    if (lua_dump(L, writer, &b, 1) == 0 && !b.failed && (f = mem_calloc(1, sizeof *f)) &&
        !(parse(b.p, b.n, f, hook) && decode(f))) {
        hookfast_free(f);
        f = NULL;
    }
    free(b.p);
    return f;
}

hookfast_fn *hookfast_study(lua_State *L)
{
    return study(L, true);
}

/* ---- running ------------------------------------------------------ */

/* Through Lua, a call's instructions cost nothing until the count hook
 * first fires, at the hook.c's count step (1,000, or the budget when
 * smaller): a run that would reach it, calling functions of its own, is
 * given up. */
#define COUNT_STEP (MAX_CODE + 1)
/* Frames a run may nest (the hook, and the functions it calls). */
#define MAX_FRAMES 4
/* A run that called a function (a Lua one, or a method) answers only
 * this far inside its budget: through Lua such a call may grow the
 * stack or the call list, which the allocation's units charge (a few,
 * depending on what earlier calls left), so at the budget's edge Lua
 * decides. */
#define CALL_SLACK 256

typedef struct run {
    lua_State *L;
    int fn;          /* the hook function's stack index once pushed, else 0 */
    int ref;
    uint64_t units;
    uint64_t gen;
    unsigned insns;  /* instructions run, in every frame */
    unsigned insn_cap;
    bool called;     /* a Lua function or a method was called */
    bool pushed;     /* the stack holds values of this run, above top */
    int top;         /* pushed: the stack's top before the run's first push */
    /* The ctx fields read, for the answer remembered (nreads > READS:
     * too many, or a string too long, to remember it). */
    unsigned nreads;
    ctx_read reads[READS];
} run;

static bool falsy(const val *v)
{
    return v->kind == V_NIL || v->kind == V_FALSE;
}

/* The value on the stack top as a val; false when this file does not
 * model it (it stays on the stack either way). */
static bool from_stack(run *r, val *v, bool fixed)
{
    lua_State *L = r->L;
    v->fixed = fixed;
    switch (lua_type(L, -1)) {
    case LUA_TNIL: v->kind = V_NIL; return true;
    case LUA_TBOOLEAN: v->kind = lua_toboolean(L, -1) ? V_TRUE : V_FALSE; return true;
    case LUA_TNUMBER:
        if (!lua_isinteger(L, -1))
            return false;
        v->kind = V_INT;
        v->u.i = (int64_t)lua_tointeger(L, -1);
        return true;
    case LUA_TSTRING:
        v->kind = V_STR;
        v->u.str.s = lua_tolstring(L, -1, &v->u.str.len);
        return true;
    case LUA_TLIGHTUSERDATA:
        v->kind = V_DEC;
        return hookdec_light_value(lua_touserdata(L, -1), &v->u.d);
    case LUA_TTABLE:
        v->up = 0;
        v->u.tp = lua_topointer(L, -1);
        v->kind = v->u.tp == hookrt_dec_refs(L)->table ? V_DECTABLE : V_TABLE;
        v->idx = lua_gettop(L);
        return true;
    case LUA_TFUNCTION:
        if (lua_iscfunction(L, -1))
            return false;   /* a library's: Lua's to call */
        v->kind = V_LFN;
        v->up = 0;
        v->u.tp = lua_topointer(L, -1);
        v->idx = lua_gettop(L);
        return true;
    default:
        return false;   /* a full userdata (a large decimal), a thread */
    }
}

static bool push_fn(run *r);

/* Before the run's first push: where hookfast_run puts the top back
 * (most runs push nothing, and ask nothing of the stack). */
static void will_push(run *r)
{
    if (!r->pushed) {
        r->top = lua_gettop(r->L);
        r->pushed = true;
    }
}


/* Make sure table value t is on the stack (a remembered dec table or
 * upvalue table is not): its index, or 0. */
static int table_at(run *r, val *t)
{
    if (t->idx)
        return t->idx;
    if (t->kind == V_TABLE && t->up) {
        /* the upvalue it was read from, which no Lua code has changed */
        if (!push_fn(r) || !lua_checkstack(r->L, 3) || !lua_getupvalue(r->L, r->fn, t->up))
            return 0;
        if (lua_topointer(r->L, -1) != t->u.tp)
            return 0;
        return t->idx = lua_gettop(r->L);
    }
    if (t->kind != V_DECTABLE || !lua_checkstack(r->L, 3))
        return 0;
    will_push(r);
    lua_rawgeti(r->L, LUA_REGISTRYINDEX, hookrt_dec_refs(r->L)->table_ref);
    return t->idx = lua_gettop(r->L);
}

/* t[key] read raw, as Lua reads a field a table holds; a missing key of a
 * table with a metatable would run its __index: not modelled. The key
 * (pushed by the caller) is replaced by the value. */
static bool table_get(run *r, int t, val *out, bool fixed)
{
    lua_State *L = r->L;
    if (lua_rawget(L, t) == LUA_TNIL && lua_getmetatable(L, t)) {
        lua_pop(L, 1);
        return false;
    }
    return from_stack(r, out, fixed);
}

static bool push_fn(run *r)
{
    if (!r->fn) {
        if (!lua_checkstack(r->L, 4))
            return false;
        will_push(r);
        lua_rawgeti(r->L, LUA_REGISTRYINDEX, r->ref);
        r->fn = lua_gettop(r->L);
    }
    return true;
}

/* Upvalue n of the frame's function: the hook's (fn 0), pushed when
 * first needed, or the called function's at stack index fn. Only the
 * hook's tables are found again by their upvalue (up). */
static bool upvalue(run *r, int fn, unsigned n, val *out)
{
    bool hook = fn == 0;
    if (hook) {
        if (!push_fn(r))
            return false;
        fn = r->fn;
    }
    if (!lua_checkstack(r->L, 3) || !lua_getupvalue(r->L, fn, (int)n + 1))
        return false;
    if (!from_stack(r, out, true))
        return false;
    if (out->kind == V_TABLE && hook)
        out->up = (int)n + 1;
    return true;
}

/* A ctx field, as ctx's __index reads it (hook.c): the call's own value;
 * a field the call does not give is an error, left to Lua. */
/* Note that the run read field fs[at] (what its answer depends on). */
static void note_read(run *r, size_t at, const liq_hook_field *fd)
{
    if (r->nreads >= READS || at > UINT16_MAX) {
        r->nreads = READS + 1;
        return;
    }
    ctx_read *cr = &r->reads[r->nreads];
    cr->key = fd->key;
    cr->at = (uint16_t)at;
    cr->kind = (uint8_t)fd->kind;
    switch (fd->kind) {
    case LIQ_HF_DEC: cr->v.dec = fd->dec; break;
    case LIQ_HF_INT: cr->v.i = fd->i; break;
    case LIQ_HF_BOOL: cr->v.i = fd->b; break;
    case LIQ_HF_STR:
        cr->nil = !fd->str;
        if (fd->str) {
            size_t len = strnlen(fd->str, READ_STR);
            if (len == READ_STR) {
                r->nreads = READS + 1;
                return;
            }
            cr->len = (uint8_t)len;
            memcpy(cr->v.s, fd->str, len);
        }
        break;
    }
    r->nreads++;
}

static bool ctx_field(dins *d, run *r, const char *key, const liq_hook_field *fs, size_t n,
                      val *out)
{
    size_t at = d->at;
    if (at >= n || fs[at].key != d->key) {
        for (at = 0; at < n && (!fs[at].key || strcmp(fs[at].key, key) != 0); at++)
            ;
        if (at == n)
            return false;
        d->at = at;
        d->key = fs[at].key;
    }
    const liq_hook_field *fd = &fs[at];
    if (r->nreads <= READS)
        note_read(r, at, fd);
    out->fixed = false;
    if (fd->kind == LIQ_HF_DEC) {   /* most fields */
        out->kind = V_DEC;
        out->u.d = fd->dec;
        return hookdec_is_light(fd->dec);   /* a large one is a full userdata in Lua */
    }
    switch (fd->kind) {
    case LIQ_HF_INT: out->kind = V_INT; out->u.i = fd->i; return true;
    case LIQ_HF_BOOL: out->kind = fd->b ? V_TRUE : V_FALSE; return true;
    case LIQ_HF_STR:
        if (!fd->str) {
            out->kind = V_NIL;
            return true;
        }
        out->kind = V_STR;
        out->u.str.s = fd->str;
        out->u.str.len = strlen(fd->str);
        return true;
    default: return false;
    }
}

/* v as an operand of dec's arithmetic or order (hook_dec.c's operand and
 * compared): a decimal, an integer, or a decimal string, which costs its
 * parsing. */
static bool operand(run *r, const val *v, liq_dec *out)
{
    switch (v->kind) {
    case V_DEC: *out = v->u.d; return true;
    case V_INT: *out = liq_dec_from_int(v->u.i); return true;
    case V_STR:
        r->units += hookdec_string_units(v->u.str.len);
        return liq_dec_parse(v->u.str.s, v->u.str.len, out) == LIQ_OK;
    default: return false;
    }
}

/* Whether a and b reach dec's metamethods, as Lua dispatches them:
 * neither a number pair (Lua's own arithmetic) nor anything with a
 * metatable of its own (strings have no arithmetic or order metamethods
 * in the sandbox); at least one is a decimal. */
static bool dec_pair(const val *a, const val *b)
{
    bool da = a->kind == V_DEC, db = b->kind == V_DEC;
    bool oa = da || a->kind == V_INT || a->kind == V_STR;
    bool ob = db || b->kind == V_INT || b->kind == V_STR;
    return (da || db) && oa && ob;
}

/* R := a tm b through dec's metamethods; out may be a or b (the operands
 * are read first). Two decimals, the common case, go straight to the
 * arithmetic. */
static bool arith(run *r, unsigned tm, const val *a, const val *b, val *out)
{
    static const char ops[] = {[TM_ADD] = '+', [TM_SUB] = '-', [TM_MUL] = '*', [TM_DIV] = '/'};
    liq_dec x, y;
    int op = tm < sizeof ops ? ops[tm] : 0;
    if (!op)
        return false;
    if (a->kind == V_DEC && b->kind == V_DEC) {
        x = a->u.d;
        y = b->u.d;
        r->units++;
    } else {
        if (!dec_pair(a, b))
            return false;
        r->units++;
        if (!operand(r, a, &x) || !operand(r, b, &y))
            return false;
    }
    if (hookdec_binop(op, x, y, &out->u.d) != LIQ_OK || !hookdec_is_light(out->u.d))
        return false;
    out->kind = V_DEC;
    out->fixed = false;
    return true;
}

/* a < b (le: a <= b): Lua's own for two integers, else dec's __lt/__le. */
static inline bool order(run *r, bool le, const val *a, const val *b, bool *cond)
{
    liq_dec x, y;
    if (a->kind == V_DEC && b->kind == V_DEC) {
        r->units++;
        *cond = le ? a->u.d.raw <= b->u.d.raw : a->u.d.raw < b->u.d.raw;
        return true;
    }
    if (a->kind == V_INT && b->kind == V_INT) {
        *cond = le ? a->u.i <= b->u.i : a->u.i < b->u.i;
        return true;
    }
    if (!dec_pair(a, b))
        return false;
    r->units++;
    if (!operand(r, a, &x) || !operand(r, b, &y))
        return false;
    int c = liq_dec_cmp(x, y);
    *cond = le ? c <= 0 : c < 0;
    return true;
}

/* Lua's raw equality of two modelled values: no __eq is called, as two
 * light userdata compare by their bits (which a decimal's value fixes)
 * and values of different kinds are unequal. Two tables are left to Lua,
 * ctx being one: a table may be the ctx another hook kept (ctx is one
 * table per runtime), or have an __eq that Lua calls (ctx == ctx, the
 * same table, is equal without it). */
static bool equal(const val *a, const val *b, bool *eq)
{
    bool ta = a->kind == V_TABLE || a->kind == V_DECTABLE || a->kind == V_CTX;
    bool tb = b->kind == V_TABLE || b->kind == V_DECTABLE || b->kind == V_CTX;
    if (ta && tb && !(a->kind == V_CTX && b->kind == V_CTX))
        return false;
    if (a->kind != b->kind) {
        *eq = false;
        return true;
    }
    switch (a->kind) {
    case V_NIL: case V_FALSE: case V_TRUE: case V_CTX: *eq = true; return true;
    case V_INT: *eq = a->u.i == b->u.i; return true;
    case V_DEC: *eq = liq_dec_cmp(a->u.d, b->u.d) == 0; return true;
    case V_STR:
        *eq = a->u.str.len == b->u.str.len && memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
        return true;
    default: return false;
    }
}

/* dec(x) (hook_dec.c's dec_call): a string is parsed, an integer or a
 * decimal copied; anything else is an error left to Lua. */
static bool dec_of(run *r, const val *x, val *out)
{
    liq_dec v;
    switch (x->kind) {
    case V_STR:
        r->units += hookdec_string_units(x->u.str.len);
        if (liq_dec_parse(x->u.str.s, x->u.str.len, &v) != LIQ_OK)
            return false;
        break;
    case V_INT: r->units++; v = liq_dec_from_int(x->u.i); break;
    case V_DEC: r->units++; v = x->u.d; break;
    default: return false;
    }
    if (!hookdec_is_light(v))
        return false;
    out->kind = V_DEC;
    out->fixed = x->fixed;
    out->u.d = v;
    return true;
}

/* An instruction reading a fixed value, from table tp (NULL: an upvalue
 * of the function): what it read last time from the same table when no
 * Lua code has run since. A table value is remembered only where it can
 * be found again (the dec table, a table an upvalue holds), without its
 * place on the stack (it lives on one run's stack). */
static bool remembered(hookfast_fn *f, run *r, size_t pc, const void *tp, val *out)
{
    memo *m = &f->memo[pc];
    if (m->gen != r->gen || m->tp != tp)
        return false;
    *out = m->v;
    return true;
}

static void remember(hookfast_fn *f, run *r, size_t pc, const void *tp, const val *v)
{
    /* a function is called from its place on this run's stack */
    if (!v->fixed || (v->kind == V_TABLE && !v->up) || v->kind == V_LFN)
        return;
    memo *m = &f->memo[pc];
    m->gen = r->gen;
    m->tp = tp;
    m->v = *v;
    m->v.idx = 0;
}

/* A table read under key k (an integer or a string) at pc: what it read
 * from the same table under the same key when no Lua code has run since,
 * whether or not the key is fixed (Deribit's PER_UNIT[ctx.market]).
 * Only Lua code changes a table; a table value is not remembered. */
static bool key_remembered(hookfast_fn *f, run *r, size_t pc, const void *tp, const val *k,
                           val *out)
{
    memo *m = &f->memo[pc];
    if (m->gen != r->gen || m->tp != tp)
        return false;
    if (k->kind == V_STR ? !m->kstr || m->klen != k->u.str.len ||
                               memcmp(m->key, k->u.str.s, m->klen) != 0
                         : m->kstr || m->ki != k->u.i)
        return false;
    *out = m->v;
    return true;
}

static void key_remember(hookfast_fn *f, run *r, size_t pc, const void *tp, const val *k,
                         const val *v)
{
    memo *m = &f->memo[pc];
    if (v->kind == V_TABLE || v->kind == V_LFN ||
        (k->kind == V_STR && k->u.str.len > sizeof m->key)) {
        m->gen = 0;
        return;
    }
    m->gen = r->gen;
    m->tp = tp;
    m->v = *v;
    m->v.idx = 0;
    m->kstr = k->kind == V_STR;
    if (m->kstr) {
        m->klen = (uint8_t)k->u.str.len;
        memcpy(m->key, k->u.str.s, m->klen);
    } else {
        m->ki = k->u.i;
    }
}

/* d:round(step[, mode]) (hook_dec.c's d_round) on the call's arguments
 * x (nargs of them, self first): one unit, a string operand its parsing;
 * anything the method would refuse is an error left to Lua. */
static bool method_call(run *r, int method, const val *x, unsigned nargs, val *out)
{
    liq_dec a, step, v;
    liq_round mode;
    if (method != HOOKDEC_ROUND || nargs < 2 || nargs > 3)
        return false;
    r->units++;
    if (!operand(r, &x[0], &a) || !operand(r, &x[1], &step))
        return false;
    /* luaL_optstring: none or nil is the default; a number would be
     * converted in place (Lua's) */
    const char *name = "half_even";
    if (nargs == 3 && x[2].kind != V_NIL) {
        if (x[2].kind != V_STR)
            return false;
        name = x[2].u.str.s;   /* NUL-terminated: a Lua string or a constant's copy */
    }
    if (hookdec_round_check(name, step, &mode) || liq_dec_quantize(a, step, mode, &v) != LIQ_OK ||
        !hookdec_is_light(v))
        return false;
    out->kind = V_DEC;
    out->fixed = false;
    out->u.d = v;
    return true;
}

static bool interpret(run *r, hookfast_fn *f, int fn, const val *args, unsigned nargs,
                      const liq_hook_field *fs, size_t n, unsigned depth, val *ret);

/* The study of the Lua function fv for f's calls of it, made once per
 * closure while no Lua code runs (callee); NULL when it is not one this
 * file takes. */
static hookfast_fn *callee_of(run *r, hookfast_fn *f, const val *fv)
{
    for (unsigned j = 0; j < CALLEES; j++)
        if (f->callees[j].gen == r->gen && f->callees[j].tp == fv->u.tp)
            return f->callees[j].fn;
    if (!lua_checkstack(r->L, 2))
        return NULL;
    callee *c = &f->callees[f->next_callee];
    f->next_callee = (f->next_callee + 1) % CALLEES;
    hookfast_free(c->fn);
    lua_pushvalue(r->L, fv->idx);
    c->fn = study(r->L, false);
    lua_pop(r->L, 1);
    c->tp = fv->u.tp;
    c->gen = r->gen;
    return c->fn;
}

/* The call of R[a] on R[a+1 .. a+b-1] that function f makes (OP_CALL,
 * OP_TAILCALL), for one result: dec(x), a method of a decimal, or a Lua
 * function this file takes too, run in a frame of its own (a tail call
 * too: its result is the caller's, which a frame more gives the same
 * way); any other call is Lua's. */
static bool call(run *r, hookfast_fn *f, val *reg, unsigned a, unsigned b,
                 const liq_hook_field *fs, size_t n, unsigned depth, val *out)
{
    if (b == 0)
        return false;   /* arguments up to the stack top */
    switch (reg[a].kind) {
    case V_DECTABLE:
        return b == 2 && dec_of(r, &reg[a + 1], out);
    case V_METHOD:
        r->called = true;
        return method_call(r, (int)reg[a].u.i, &reg[a + 1], b - 1, out);
    case V_LFN: {
        r->called = true;
        hookfast_fn *g = depth + 1 < MAX_FRAMES ? callee_of(r, f, &reg[a]) : NULL;
        return g && interpret(r, g, reg[a].idx, &reg[a + 1], b - 1, fs, n, depth + 1, out);
    }
    default:
        return false;
    }
}

/* The interpreter proper: function f (the hook, fn 0, or a function it
 * calls, at stack index fn) on its nargs arguments (the hook: ctx);
 * true with the returned value in *ret, or false to give up. */
static bool interpret(run *r, hookfast_fn *f, int fn, const val *args, unsigned nargs,
                      const liq_hook_field *fs, size_t n, unsigned depth, val *ret)
{
    lua_State *L = r->L;
    val reg[256];   /* nregs <= 255: a byte of the dump */
    for (unsigned j = 0; j < f->nregs; j++) {
        reg[j].kind = V_NIL;
        reg[j].fixed = true;
    }
    if (!args) {
        reg[0].kind = V_CTX;
        reg[0].fixed = false;
    }
    for (unsigned j = 0; args && j < nargs && j < f->nparams; j++)
        reg[j] = args[j];   /* missing ones nil, extra ones dropped, as Lua passes them */
    val kv, tmp;
    const val *x, *y;
    /* The instructions run in every frame, kept here between calls. */
    unsigned insns = r->insns, cap = r->insn_cap;
    /* Every jump goes forward and inside the code, or to ins[ncode],
     * which gives up, as running past the end did. */
    for (dins *ip = f->ins;;) {
        if (++insns >= cap)
            return false;
        dins *d = ip++;
        size_t pc = d->pc;
        bool cond;
        switch (d->op) {
        case OP_MOVE: reg[d->a] = reg[d->b]; break;
        case OP_LOADI:
            reg[d->a].kind = V_INT;
            reg[d->a].fixed = true;
            reg[d->a].u.i = d->imm;
            break;
        case OP_LOADK: reg[d->a] = f->k[d->imm].v; break;
        case OP_LOADFALSE: reg[d->a].kind = V_FALSE; reg[d->a].fixed = true; break;
        case OP_LOADTRUE: reg[d->a].kind = V_TRUE; reg[d->a].fixed = true; break;
        case OP_LOADNIL:
            for (unsigned j = 0; j <= d->b; j++) {
                reg[d->a + j].kind = V_NIL;
                reg[d->a + j].fixed = true;
            }
            break;
        case OP_GETUPVAL:
            if (remembered(f, r, pc, NULL, &reg[d->a]))
                break;
            if (!upvalue(r, fn, d->b, &reg[d->a]))
                return false;
            remember(f, r, pc, NULL, &reg[d->a]);
            break;
        case OP_GETTABUP:
            /* the same upvalue every time; its table may have changed */
            if (remembered(f, r, pc, NULL, &reg[d->a]))
                break;
            if (!upvalue(r, fn, d->b, &tmp) || (tmp.kind != V_TABLE && tmp.kind != V_DECTABLE))
                return false;
            lua_pushlstring(L, f->k[d->c].s, f->k[d->c].len);
            if (!table_get(r, tmp.idx, &reg[d->a], true))
                return false;
            remember(f, r, pc, NULL, &reg[d->a]);
            break;
        case OP_GETFIELD: {
            if (reg[d->b].kind == V_CTX) {
                if (!ctx_field(d, r, f->k[d->c].s, fs, n, &reg[d->a]))
                    return false;
                break;
            }
            if (reg[d->b].kind != V_TABLE && reg[d->b].kind != V_DECTABLE)
                return false;
            bool fixed = reg[d->b].fixed;
            const void *tp = reg[d->b].u.tp;
            if (fixed && remembered(f, r, pc, tp, &reg[d->a]))
                break;
            int t = table_at(r, &reg[d->b]);
            if (!t || !lua_checkstack(L, 2))
                return false;
            lua_pushlstring(L, f->k[d->c].s, f->k[d->c].len);
            if (!table_get(r, t, &reg[d->a], fixed))
                return false;
            remember(f, r, pc, tp, &reg[d->a]);
            break;
        }
        case OP_GETTABLE:
        case OP_GETI: {
            if (reg[d->b].kind != V_TABLE && reg[d->b].kind != V_DECTABLE)
                return false;
            bool fixed = reg[d->b].fixed;
            const void *tp = reg[d->b].u.tp;
            if (d->op == OP_GETI) {
                kv.kind = V_INT;
                kv.u.i = (int64_t)d->c;
            } else if (reg[d->c].kind == V_STR || reg[d->c].kind == V_INT) {
                kv = reg[d->c];
                fixed = fixed && reg[d->c].fixed;
            } else {
                return false;
            }
            if (key_remembered(f, r, pc, tp, &kv, &tmp)) {
                tmp.fixed = fixed;
                reg[d->a] = tmp;
                break;
            }
            int t = table_at(r, &reg[d->b]);
            if (!t || !lua_checkstack(L, 2))
                return false;
            if (kv.kind == V_STR)
                lua_pushlstring(L, kv.u.str.s, kv.u.str.len);
            else
                lua_pushinteger(L, (lua_Integer)kv.u.i);
            if (!table_get(r, t, &tmp, fixed))
                return false;
            key_remember(f, r, pc, tp, &kv, &tmp);
            reg[d->a] = tmp;
            break;
        }
        /* An arithmetic instruction and the MMBIN* after it (decode): two
         * numbers are Lua's own arithmetic; otherwise the metamethod
         * writes the arithmetic's A, and the MMBIN* counts as an
         * instruction run. */
        case D_ARITH:
            if (++insns >= cap || (reg[d->a].kind == V_INT && reg[d->b].kind == V_INT) ||
                !arith(r, d->tm, &reg[d->a], &reg[d->b], &reg[d->ra]))
                return false;
            ip++;
            break;
        case D_ARITHK:
        case D_ARITHI:
            if (++insns >= cap || reg[d->a].kind == V_INT)
                return false;
            if (d->op == D_ARITHK) {
                y = &f->k[d->b].v;
            } else {
                kv.kind = V_INT;
                kv.u.i = d->imm;
                y = &kv;
            }
            x = &reg[d->a];
            if (d->k) {   /* the operands were swapped */
                const val *t = x;
                x = y;
                y = t;
            }
            if (!arith(r, d->tm, x, y, &reg[d->ra]))
                return false;
            ip++;
            break;
        /* The same two apart (as decode found them, not as the compiler
         * writes them) */
        case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV:
            if (reg[d->b].kind == V_INT && reg[d->c].kind == V_INT)
                return false;   /* Lua's integer arithmetic */
            break;
        case OP_ADDK: case OP_SUBK: case OP_MULK: case OP_DIVK: case OP_ADDI:
            if (reg[d->b].kind == V_INT)
                return false;
            break;
        case OP_MMBIN: case OP_MMBINI: case OP_MMBINK: {
            if (pc < 1)
                return false;
            unsigned ra = GET_A(f->code[pc - 1]);
            x = &reg[d->a];
            if (d->op == OP_MMBIN) {
                y = &reg[d->b];
            } else if (d->op == OP_MMBINI) {
                kv.kind = V_INT;
                kv.u.i = d->imm;
                y = &kv;
            } else {
                if (!(y = konst(f, d->b)))
                    return false;
            }
            if (d->op != OP_MMBIN && d->k) {   /* the operands were swapped */
                const val *t = x;
                x = y;
                y = t;
            }
            if (ra >= f->nregs || !arith(r, d->c, x, y, &tmp))
                return false;
            reg[ra] = tmp;
            break;
        }
        case OP_UNM:
            if (reg[d->b].kind != V_DEC)
                return false;
            r->units++;
            tmp.kind = V_DEC;
            tmp.fixed = false;
            tmp.u.d = liq_dec_neg(reg[d->b].u.d);
            if (!hookdec_is_light(tmp.u.d))
                return false;
            reg[d->a] = tmp;
            break;
        case OP_NOT:
            tmp.kind = falsy(&reg[d->b]) ? V_TRUE : V_FALSE;
            tmp.fixed = false;
            reg[d->a] = tmp;
            break;
        case OP_JMP:
            ip = f->ins + d->to;   /* forward: the study refused the others */
            break;
        /* A test skips the jump after it when its condition differs from
         * k, and takes that jump otherwise (lvm.c, docondjump). */
        case OP_EQ:
            if (!equal(&reg[d->a], &reg[d->b], &cond))
                return false;
            goto condjump;
        case OP_LT: case OP_LE:
            if (!order(r, d->op == OP_LE, &reg[d->a], &reg[d->b], &cond))
                return false;
            goto condjump;
        case OP_EQK:
            if (!equal(&reg[d->a], &f->k[d->b].v, &cond))
                return false;
            goto condjump;
        case OP_EQI:
            kv.kind = V_INT;
            kv.u.i = d->imm;
            if (!equal(&reg[d->a], &kv, &cond))
                return false;
            goto condjump;
        case OP_LTI: case OP_LEI: case OP_GTI: case OP_GEI: {
            kv.kind = V_INT;
            kv.u.i = d->imm;
            unsigned op = d->op;
            bool flip = op == OP_GTI || op == OP_GEI;   /* a > b is b < a */
            if (!order(r, op == OP_LEI || op == OP_GEI, flip ? &kv : &reg[d->a],
                       flip ? &reg[d->a] : &kv, &cond))
                return false;
            goto condjump;
        }
        case OP_TEST:
            cond = !falsy(&reg[d->a]);
        condjump:
            if (cond != (bool)d->k) {
                ip++;
            } else {
                if (d->to == NO_JUMP)
                    return false;
                ip = f->ins + d->to;
            }
            break;
        case OP_SELF:
            /* R[A+1] := R[B]; R[A] := R[B][K[C]]: a method of a small
             * decimal (a method of anything else is Lua's) */
            if (reg[d->b].kind != V_DEC)
                return false;
            tmp = reg[d->b];
            if (!remembered(f, r, pc, NULL, &kv)) {
                int m = hookdec_method(L, f->k[d->c].s, f->k[d->c].len);
                if (m == HOOKDEC_NONE)
                    return false;
                kv.kind = V_METHOD;
                kv.fixed = true;
                kv.u.i = m;
                remember(f, r, pc, NULL, &kv);
            }
            reg[d->a + 1] = tmp;
            reg[d->a] = kv;
            break;
        case OP_CALL:
            /* one result (C 2) */
            r->insns = insns;
            if (d->c != 2 || !call(r, f, reg, d->a, d->b, fs, n, depth, &tmp))
                return false;
            insns = r->insns;
            reg[d->a] = tmp;
            break;
        case OP_TAILCALL:
            /* return f(...): its one result is this function's (as the
             * caller, or lua_pcall, takes one) */
            r->insns = insns;
            return call(r, f, reg, d->a, d->b, fs, n, depth, ret);
        case OP_RETURN1:
            r->insns = insns;
            *ret = reg[d->a];
            return true;
        case OP_RETURN0:
            r->insns = insns;
            ret->kind = V_NIL;
            return true;
        default:   /* D_GIVEUP, and any instruction not modelled */
            return false;
        }
    }
}

/* Whether field fs[cr->at] holds the value cr saw. */
static bool same_read(const ctx_read *cr, const liq_hook_field *fs, size_t n)
{
    if (cr->at >= n)
        return false;
    const liq_hook_field *fd = &fs[cr->at];
    if (fd->key != cr->key || fd->kind != cr->kind)
        return false;
    switch (fd->kind) {
    case LIQ_HF_DEC: return fd->dec.raw == cr->v.dec.raw;
    case LIQ_HF_INT: return fd->i == cr->v.i;
    case LIQ_HF_BOOL: return (int64_t)fd->b == cr->v.i;
    case LIQ_HF_STR:
        if (!fd->str || cr->nil)
            return !fd->str && cr->nil;
        return memcmp(fd->str, cr->v.s, cr->len) == 0 && fd->str[cr->len] == '\0';
    }
    return false;
}

/* A remembered answer for this call, or NULL. Every read must match, in
 * any order; the field that differed last (a notional at another price)
 * is compared first, so an answer that does not fit costs about one
 * comparison. */
static const answer *recall(hookfast_fn *f, uint64_t gen, const liq_hook_field *fs, size_t n,
                            uint64_t budget)
{
    for (unsigned j = 0; j < ANSWERS; j++) {
        const answer *an = &f->answers[(f->next + ANSWERS - 1 - j) % ANSWERS];
        if (!an->set || an->gen != gen || an->units > budget)
            continue;
        unsigned k = 0;
        while (k < an->nreads && same_read(&an->reads[k], fs, n))
            k++;
        if (k == an->nreads)
            return an;
        f->hot_at = an->reads[k].at;
    }
    return NULL;
}

static void keep_answer(hookfast_fn *f, const run *r, const val *v)
{
    answer *an = &f->answers[f->next];
    f->next = (f->next + 1) % ANSWERS;
    an->set = true;
    an->gen = r->gen;
    an->nreads = r->nreads;
    memcpy(an->reads, r->reads, r->nreads * sizeof *r->reads);
    for (unsigned k = 1; k < an->nreads; k++)
        if (an->reads[k].at == f->hot_at) {
            ctx_read t = an->reads[k];
            an->reads[k] = an->reads[0];
            an->reads[0] = t;
            break;
        }
    an->units = r->units;
    an->ret = *v;
}

/* Whether this call is to note its reads and try the answers: off for a
 * rest after a window in which they seldom answered. */
static bool memo_on(hookfast_fn *f)
{
    if (f->resting) {
        f->resting--;
        return false;
    }
    if (f->tries == MEMO_WINDOW) {
        bool seldom = f->hits * MEMO_MIN_SHARE < f->tries;
        f->tries = f->hits = 0;
        if (seldom) {
            f->resting = MEMO_REST;
            return false;
        }
    }
    f->tries++;
    return true;
}

void hookfast_push(lua_State *L, const hookfast_ret *v)
{
    switch (v->type) {
    case LUA_TBOOLEAN: lua_pushboolean(L, v->b); break;
    case LUA_TNUMBER: lua_pushinteger(L, (lua_Integer)v->i); break;
    case LUA_TLIGHTUSERDATA: liq_hookdec_push(L, v->d); break;   /* light: nothing to allocate */
    default: lua_pushnil(L); break;
    }
}

bool hookfast_run(lua_State *L, hookfast_fn *f, int ref, uint64_t gen,
                  const liq_hook_field *fields, size_t n, uint64_t budget, hookfast_ret *ret)
{
    if (!f->ever && f->misses >= HOOKFAST_MISSES)
        return false;
    bool remembering = memo_on(f);
    const answer *an = remembering ? recall(f, gen, fields, n, budget) : NULL;
    val v;
    bool ok;
    if (an) {
        f->hits++;
        f->recalled++;
        v = an->ret;
        ok = true;
    } else {
        run r;   /* reads[] is written as it fills, not cleared */
        r.L = L;
        r.fn = 0;
        r.ref = ref;
        r.units = 0;
        r.gen = gen;
        r.pushed = false;
        r.nreads = remembering ? 0 : READS + 1;
        r.insns = 0;
        r.insn_cap = budget < COUNT_STEP ? (unsigned)budget : COUNT_STEP;
        r.called = false;
        ok = interpret(&r, f, 0, NULL, 0, fields, n, 0, &v) &&
             r.units + (r.called ? CALL_SLACK : 0) <= budget;
        if (r.pushed)
            lua_settop(L, r.top);
        /* a string, a table or ctx is never returned from here */
        if (ok && r.nreads <= READS && (v.kind == V_NIL || v.kind == V_FALSE ||
                                        v.kind == V_TRUE || v.kind == V_INT || v.kind == V_DEC))
            keep_answer(f, &r, &v);
    }
    if (ok) {
        switch (v.kind) {
        case V_NIL: ret->type = LUA_TNIL; break;
        case V_FALSE: case V_TRUE:
            ret->type = LUA_TBOOLEAN;
            ret->b = v.kind == V_TRUE;
            break;
        case V_INT:
            ret->type = LUA_TNUMBER;
            ret->i = v.u.i;
            break;
        case V_DEC:
            ret->type = LUA_TLIGHTUSERDATA;
            ret->d = v.u.d;
            break;
        default: ok = false; break;   /* a string (kept by Lua only), a table, ctx */
        }
    }
    if (ok)
        f->ever = true;
    else if (!f->ever)
        f->misses++;
    return ok;
}

uint64_t hookfast_recalled(const hookfast_fn *f)
{
    return f->recalled;
}

/* The known function and what Lua 5.4.4 compiles it to: a Lua whose
 * compiler or instruction set differs (another release may) makes other
 * words, and then hook.c takes no function here. */
static const char selftest_src[] =
    "return function(c) local x = c.a * c.b - 1 if x < 0 then x = -x end "
    "if c.s == \"y\" then return dec(\"2\") / x end return x end";
static const uint32_t selftest_code[] = {
    0x0000008e, 0x0100010e, 0x020100a4, 0x080200ae, 0x7e010095, 0x078000af, 0x007f00be,
    0x80000038, 0x000100b1, 0x0200010e, 0x0003013c, 0x800002b8, 0x0400010b, 0x00028183,
    0x02020144, 0x01020127, 0x0b01012e, 0x00020148, 0x000200c8, 0x00010147,
};

bool hookfast_selftest(lua_State *L)
{
    if (!lua_checkstack(L, 2))
        return false;
    int top = lua_gettop(L);
    bool ok = false;
    if (luaL_loadbufferx(L, selftest_src, sizeof selftest_src - 1, "=hook_fast", "t") == LUA_OK &&
        lua_pcall(L, 0, 1, 0) == LUA_OK) {
        hookfast_fn *f = hookfast_study(L);
        ok = f && f->ncode == sizeof selftest_code / sizeof *selftest_code &&
             memcmp(f->code, selftest_code, sizeof selftest_code) == 0;
        hookfast_free(f);
    }
    lua_settop(L, top);
    return ok;
}
