/*
 * mem.c — the engine's allocator and its fault injection (see mem.h).
 *
 * Owns the one place where the engine asks the C library for memory,
 * and the rule that a call which failed for want of memory says so first.
 * The fault state is the engine's only process-wide variable: it is
 * written only while a test has armed it, and read (one branch) by every
 * allocation; an unarmed program never writes it, so two threads never
 * share anything through it. The failure count is per thread.
 */
#include "mem.h"

#include <stdlib.h>
#include <string.h>

static struct {
    bool armed, persistent;
    unsigned long seen, fail_at, failed;
    void (*on_inject)(void);
} fault;

static _Thread_local unsigned long failures;

/* p as the allocator returned it, counting a failure (a NULL for a
 * request of n > 0 bytes). */
static void *counted(void *p, size_t n)
{
    if (__builtin_expect(!p && n, 0))
        failures++;
    return p;
}

/* Whether this allocation is the one to fail. */
static bool inject(void)
{
    if (__builtin_expect(!fault.armed, 1))
        return false;
    fault.seen++;
    if (fault.fail_at == 0 || fault.seen < fault.fail_at ||
        (fault.seen > fault.fail_at && !fault.persistent))
        return false;
    fault.failed++;
    if (fault.on_inject)
        fault.on_inject();
    return true;
}

void *mem_malloc(size_t n)
{
    return counted(inject() ? NULL : malloc(n), n);
}

void *mem_calloc(size_t n, size_t size)
{
    return counted(inject() ? NULL : calloc(n, size), n * size);
}

void *mem_realloc(void *p, size_t n)
{
    return counted(inject() ? NULL : realloc(p, n), n);
}

char *mem_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = mem_malloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

bool mem_error(liq_diags *d, const char *file, int line, int col)
{
    liq_diags_add(d, LIQ_SEV_ERROR, LIQ_ENOMEM, file, line, col, "out of memory");
    return false;
}

mem_watch mem_watch_start(const liq_diags *d)
{
    return (mem_watch){d ? d->n : 0, failures};
}

bool mem_watch_end(const mem_watch *w, liq_diags *d, bool failed, const char *file)
{
    if (!failed || failures == w->failures)
        return false;
    size_t at = w->first;
    while (d && at < d->n && d->items[at].severity != LIQ_SEV_ERROR)
        at++;
    if (!d || (at < d->n && d->items[at].code == LIQ_ENOMEM))
        return true;
    size_t n = d->n;
    if (mem_error(d, file, 0, 0), d->n == n)
        return true;
    /* Move it before the call's other errors. */
    liq_diag oom = d->items[d->n - 1];
    memmove(&d->items[at + 1], &d->items[at], (d->n - 1 - at) * sizeof *d->items);
    d->items[at] = oom;
    return true;
}

void mem_fault_arm(unsigned long fail_at, bool persistent)
{
    fault.armed = true;
    fault.persistent = persistent;
    fault.seen = fault.failed = 0;
    fault.fail_at = fail_at;
}

void mem_fault_on_inject(void (*fn)(void))
{
    fault.on_inject = fn;
}

unsigned long mem_fault_disarm(void)
{
    fault.armed = false;
    return fault.seen;
}

unsigned long mem_fault_failed(void)
{
    return fault.failed;
}
