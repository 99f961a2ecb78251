/*
 * diag.c — status names and the diagnostics list.
 *
 * Owns liq_diags: an append-only list of messages, each pointing at the
 * file:line:col of its cause, capped at LIQ_DIAGS_MAX with a last line
 * that counts the rest. The library fills it; the CLI prints it.
 */
#include "liqsim.h"
#include "mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *liq_status_str(liq_status st)
{
    switch (st) {
    case LIQ_OK: return "ok";
    case LIQ_EOVERFLOW: return "overflow";
    case LIQ_EDIVZERO: return "division by zero";
    case LIQ_ESYNTAX: return "not a decimal number";
    case LIQ_EPRECISION: return "too many decimal places";
    case LIQ_EINPUT: return "invalid input";
    case LIQ_EHOOK: return "hook error";
    case LIQ_ENOMEM: return "out of memory";
    case LIQ_EIO: return "cannot read file";
    case LIQ_EINVARIANT: return "invariant broken";
    }
    return "unknown status";
}

static char *dup_str(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *c = mem_malloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

/* Past the cap, the last item counts what was left out: it names the
 * first message's file, and is an error as soon as one of them is. */
static bool count_more(liq_diags *d, liq_severity sev, liq_status code, const char *file)
{
    liq_diag *it = &d->items[d->n - 1];
    if (d->more == 0) {
        it = &d->items[d->n];
        it->severity = sev;
        it->code = code;
        it->line = it->col = 0;
        it->msg = NULL;
        if (!(it->file = dup_str(file ? file : "")))
            return false;
        d->n++;
    }
    d->more++;
    d->more_errors += sev == LIQ_SEV_ERROR;
    if (sev == LIQ_SEV_ERROR && it->severity != LIQ_SEV_ERROR) {
        it->severity = LIQ_SEV_ERROR;
        it->code = code;
    }
    char buf[160];
    snprintf(buf, sizeof buf, "%zu more message%s not shown (only the first %d are)", d->more,
             d->more == 1 ? "" : "s", LIQ_DIAGS_MAX);
    char *msg = dup_str(buf);
    if (!msg)
        return false;
    free(it->msg);
    it->msg = msg;
    return true;
}

bool liq_diags_add(liq_diags *d, liq_severity sev, liq_status code,
                   const char *file, int line, int col, const char *fmt, ...)
{
    if (!d)
        return true;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        liq_diag *items = mem_realloc(d->items, cap * sizeof *items);
        if (!items)
            return false;
        d->items = items;
        d->cap = cap;
    }
    if (d->n - (d->more > 0) >= LIQ_DIAGS_MAX)
        return count_more(d, sev, code, file);
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    liq_diag *it = &d->items[d->n];
    it->severity = sev;
    it->code = code;
    it->file = dup_str(file ? file : "");
    it->line = line;
    it->col = col;
    it->msg = dup_str(buf);
    if (!it->file || !it->msg) {
        free(it->file);
        free(it->msg);
        return false;
    }
    d->n++;
    return true;
}

size_t liq_diags_count(const liq_diags *d, liq_severity sev)
{
    if (!d)
        return 0;
    size_t c = 0, shown = d->n - (d->more > 0);
    for (size_t i = 0; i < shown; i++)
        c += d->items[i].severity == sev;
    return c + (sev == LIQ_SEV_ERROR ? d->more_errors : d->more - d->more_errors);
}

void liq_diags_free(liq_diags *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        free(d->items[i].file);
        free(d->items[i].msg);
    }
    free(d->items);
    d->items = NULL;
    d->n = d->cap = d->more = d->more_errors = 0;
}

/* The one spelling of a diagnostic as text, shared by the CLI's stderr,
 * compare's error rows and the JSON API: the most precise of
 * file:line:col, file:line or file, then the message. */
size_t liq_diag_text(const liq_diag *g, char *buf, size_t cap)
{
    const char *sev = g->severity == LIQ_SEV_WARNING ? "warning: " : "";
    int n;
    if (g->line > 0 && g->col > 0)
        n = snprintf(buf, cap, "%s:%d:%d: %s%s", g->file, g->line, g->col, sev, g->msg);
    else if (g->line > 0)
        n = snprintf(buf, cap, "%s:%d: %s%s", g->file, g->line, sev, g->msg);
    else if (g->file && *g->file)
        n = snprintf(buf, cap, "%s: %s%s", g->file, sev, g->msg);
    else
        n = snprintf(buf, cap, "liqsim: %s%s", sev, g->msg);
    return n < 0 ? 0 : (size_t)n;
}
