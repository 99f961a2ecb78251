/*
 * mem.h — the engine's allocator. Every allocation the engine makes goes
 * through these functions, so that a test can make the N-th one fail and
 * watch the error path run (SQLite's fault simulator, test_malloc.c).
 *
 * They allocate with the C library: release what they return with free().
 * The Lua states' allocator (hook.c) calls them too; jansson's
 * allocations reach them only where a program routes them
 * (json_set_alloc_funcs, which tests/test_alloc.c does: the library does
 * not, since that setting is the whole process's); libyaml has no
 * allocator hook, so its own allocations are not counted.
 */
#ifndef LIQ_MEM_H
#define LIQ_MEM_H

#include "liqsim.h"

#include <stdbool.h>
#include <stddef.h>

/* As malloc, calloc, realloc (on failure p is left as it was) and strdup; NULL when out of memory or when a fault is injected. */
void *mem_malloc(size_t n);
void *mem_calloc(size_t n, size_t size);
void *mem_realloc(void *p, size_t n);
char *mem_strdup(const char *s);

/* Adds "out of memory" (LIQ_ENOMEM) at file:line:col to d; returns
 * false, so that a loader reads `return mem_error(...)`. */
bool mem_error(liq_diags *d, const char *file, int line, int col);

/* The rule at every public function that can fail (liq_policy_load,
 * liq_eval, ...): when it fails after an allocation failed, its first
 * error says "out of memory" (LIQ_ENOMEM), whatever else went wrong as a
 * consequence, so the caller (and the CLI's exit code) learn the cause.
 * mem_watch_start is called on entry; mem_watch_end on the way out, with
 * whether the call failed and the file it was about; it returns whether
 * the call failed for want of memory. The failures are counted per
 * thread, only when an allocation fails. */
typedef struct mem_watch {
    size_t first;              /* d->n on entry */
    unsigned long failures;    /* allocation failures on this thread on entry */
} mem_watch;
mem_watch mem_watch_start(const liq_diags *d);
bool mem_watch_end(const mem_watch *w, liq_diags *d, bool failed, const char *file);

/* Fault injection, for tests. From mem_fault_arm on, allocations are
 * counted, and the fail_at-th one (1-based) fails: only that one, or with
 * persistent every one after it too. fail_at 0 only counts.
 * mem_fault_disarm stops counting and returns how many allocations were
 * asked for since arming; mem_fault_failed how many of them failed.
 * Unarmed (always, outside tests), the cost is one predictable branch
 * per allocation. Not thread-safe: arm only in a single-threaded test. */
void mem_fault_arm(unsigned long fail_at, bool persistent);
/* Called at each injected failure (NULL: nothing), so that a test can
 * show where the failing allocation was asked for. */
void mem_fault_on_inject(void (*fn)(void));
unsigned long mem_fault_disarm(void);
unsigned long mem_fault_failed(void);

#endif
