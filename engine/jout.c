/*
 * jout.c — building and writing JSON that fails whole (see jout.h for
 * why): the failure flag of a tree under construction, and text written
 * through a buffer that remembers its first failed append.
 */
#include "jout.h"
#include "mem.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void jout_set(jout *b, json_t *o, const char *key, json_t *v)
{
    if (json_object_set_new(o, key, v) != 0)
        b->failed = true;
}

void jout_push(jout *b, json_t *a, json_t *v)
{
    if (json_array_append_new(a, v) != 0)
        b->failed = true;
}

typedef struct jbuf {
    char *s;
    size_t len, cap;
    bool failed;
} jbuf;

static int append(const char *text, size_t n, void *ud)
{
    jbuf *b = ud;
    if (b->failed)
        return -1;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *s = mem_realloc(b->s, cap);
        if (!s) {
            b->failed = true;
            return -1;
        }
        b->s = s;
        b->cap = cap;
    }
    memcpy(b->s + b->len, text, n);
    b->len += n;
    b->s[b->len] = '\0';
    return 0;
}

char *jout_dump(const json_t *j, size_t flags)
{
    if (!j)
        return NULL;
    jbuf b = {NULL, 0, 0, false};
    if (json_dump_callback(j, append, &b, flags) != 0 || b.failed) {
        free(b.s);
        return NULL;
    }
    return b.s ? b.s : mem_strdup("");
}
