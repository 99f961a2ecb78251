/*
 * whatif_cli.h — the command-line side the what-if verbs share
 * (whatif_cli.c): their inputs, loaded as compare loads them.
 */
#ifndef LIQ_WHATIF_CLI_H
#define LIQ_WHATIF_CLI_H

#include "cli.h"
#include "schema.h"

typedef struct wcli_inputs {
    liq_scenario *s;
    liq_policy **pols;
    char **paths;
    size_t np;
} wcli_inputs;

/* `[SCENARIO] [POLICY...]` of o, each file loaded. Returns 0, or the exit
 * code with the messages printed (nothing loaded is left to free). The
 * caller releases in with wcli_inputs_free. */
int wcli_inputs_load(const cli_opts *o, wcli_inputs *in);
void wcli_inputs_free(wcli_inputs *in);

/* "file:line:col" of a mark (file alone when the line is not known). */
void wcli_mark_text(liq_mark m, char *buf, size_t cap);

#endif
