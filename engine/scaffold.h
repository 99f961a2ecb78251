/*
 * scaffold.h — the policy file `liqsim new` writes, generated from the
 * loader's table (engine/scaffold.c).
 */
#ifndef LIQ_SCAFFOLD_H
#define LIQ_SCAFFOLD_H

#include <stddef.h>

/* The text of a new policy named name, dated today (YYYY-MM-DD): every
 * section and key of the policy table, live where the scaffold has a value,
 * commented out where the key is optional. The caller frees it; NULL when
 * out of memory. */
char *scaffold_policy(const char *name, const char *today);

/* The value the scaffold writes for a dotted key path, or NULL. */
const char *scaffold_value(const char *path);
/* Every path the scaffold has a value for (*paths: a static list), so a
 * test can check each is a key of the table. Returns how many. */
size_t scaffold_value_paths(const char *const **paths);

#endif
