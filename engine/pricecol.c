/*
 * pricecol.c — the choice of a path's trigger and fill columns
 * (pricecol.h), made once per evaluation or replay so that `eval` and
 * `replay` read the same columns for the same policy.
 *
 * (pcol_choose itself is inline in pricecol.h: an evaluation makes the
 * choice once, and the call cost as much as the choice.)
 *
 * A missing column of the venue's own price is a stand-in with a note,
 * not a refusal: every shipped scenario is a path of one price, which is
 * read as the venue's price as it always was; a path that names several
 * prices but not the venue's says, in every output format, which column
 * stood in for it (docs/replay.md, "Price columns").
 */
#include "pricecol.h"

#include <stdio.h>

const char *const pcol_names[PCOL_COUNT] = {"mark", "oracle", "index", "last"};

const char *pcol_note(const pcol_pick *k, const char *venue, char *buf, size_t cap)
{
    if (!k->several && (!k->stand_in || k->trigger == PCOL_MARK))
        return NULL;
    int n;
    if (k->stand_in)
        n = snprintf(buf, cap,
                     "the path has no %s column, the price %s triggers on: its %s column stands "
                     "in for it",
                     pcol_names[k->wanted], venue ? venue : "the venue", pcol_names[k->trigger]);
    else
        n = snprintf(buf, cap, "triggered on the path's %s column, the price %s liquidates on",
                     pcol_names[k->trigger], venue ? venue : "the venue");
    if (n >= 0 && (size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n, "; the liquidation fills from its %s column%s",
                 pcol_names[k->fill],
                 k->fill == PCOL_LAST ? " (traded prices)" : "");
    return buf;
}
