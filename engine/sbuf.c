/*
 * sbuf.c — the growable string the renderers write into (sbuf.h). Owns
 * growth and the sticky out-of-memory flag; what is written is the
 * renderers' business.
 */
#include "mem.h"
#include "sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool sb_reserve(sbuf *b, size_t len)
{
    if (b->oom)
        return false;
    if (b->n + len + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + len + 1)
        cap *= 2;
    char *s = mem_realloc(b->s, cap);
    if (!s) {
        b->oom = true;
        return false;
    }
    b->s = s;
    b->cap = cap;
    return true;
}

void sb_add(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0) {
        b->oom = true;
        return;
    }
    if (!sb_reserve(b, (size_t)len))
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    b->n += (size_t)len;
}

void sb_addn(sbuf *b, const char *s, size_t len)
{
    if (!sb_reserve(b, len))
        return;
    memcpy(b->s + b->n, s, len);
    b->n += len;
    b->s[b->n] = 0;
}

void sb_html(sbuf *b, const char *s)
{
    for (const char *run = s;; s++) {
        const char *ent = NULL;
        switch (*s) {
        case '&': ent = "&amp;"; break;
        case '<': ent = "&lt;"; break;
        case '>': ent = "&gt;"; break;
        case '"': ent = "&quot;"; break;
        case '\'': ent = "&#39;"; break;
        case 0: sb_addn(b, run, (size_t)(s - run)); return;
        default: continue;
        }
        sb_addn(b, run, (size_t)(s - run));
        sb_addn(b, ent, strlen(ent));
        run = s + 1;
    }
}

char *sb_take(sbuf *b)
{
    char *s = b->oom ? NULL : b->s ? b->s : mem_strdup("");
    if (b->oom)
        free(b->s);
    *b = (sbuf){0};
    return s;
}
