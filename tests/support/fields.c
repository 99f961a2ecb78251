/*
 * fields.c — a JSON event or action written as one line of text,
 * " key=value" per field in the order the engine wrote them, so that a
 * test compares a whole event with one string it states by hand.
 *
 * Which fields lead the line ("type@tick", "type@step") is each suite's
 * choice (test_replay.c, test_waterfall.c); this file writes the rest.
 */
#include "support/support.h"

#include <stdio.h>
#include <string.h>

static bool listed(const char *key, const char *const *keys)
{
    for (; *keys; keys++)
        if (!strcmp(key, *keys))
            return true;
    return false;
}

void append_fields(json_t *o, const char *const *left_out, char *out, size_t cap, size_t used)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        if (used >= cap || listed(key, left_out))
            continue;
        if (json_is_integer(v))
            used += (size_t)snprintf(out + used, cap - used, " %s=%lld", key,
                                     (long long)json_integer_value(v));
        else
            used += (size_t)snprintf(out + used, cap - used, " %s=%s", key, json_string_value(v));
    }
}
