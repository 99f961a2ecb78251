/*
 * pricecol.h — which of a path's price columns triggers a liquidation and
 * which one fills it (internal).
 *
 * A path (a scenario's mark_path with its sibling lists, a path_file, a
 * replay's path) may carry several prices per tick: `mark`, `oracle`,
 * `index` and `last` (what traded). The venue's own price (the policy's
 * `trigger.price`) is the one its liquidation engine reads: equity,
 * maintenance margin, margin calls and triggers are measured there. The
 * liquidation order fills in the market, so the fill starts from `last`
 * where the path has it, unless the policy's liquidation.fill_price says
 * the taker settles at the venue's own price (Drift's liquidator and
 * GMX's keeper take the position at the oracle). A path of one price column is read as today:
 * that column is the venue's price and the fill starts from it.
 */
#ifndef LIQ_PRICECOL_H
#define LIQ_PRICECOL_H

#include "liqsim.h"

/* In the order of policy.h's PRICE_* (trigger.price's values). */
enum { PCOL_MARK, PCOL_ORACLE, PCOL_INDEX, PCOL_LAST, PCOL_COUNT };
extern const char *const pcol_names[PCOL_COUNT];   /* "mark", "oracle", "index", "last" */

typedef struct pcol_pick {
    int wanted;          /* the venue's price (trigger.price) */
    int trigger;         /* the column triggers read */
    int fill;            /* the column fills start from */
    bool several;        /* the path has more than one price column: results name them */
    bool stand_in;       /* the venue's column is absent: `trigger` stands in for it */
} pcol_pick;

/* The columns for a venue that triggers on `wanted`, given which columns
 * the path has (have[PCOL_MARK] is always true). The venue's own column
 * when present; else the first present of mark, index, oracle, last
 * (reference prices before a traded one), as a stand-in the result says
 * in a note. The fill: `last` when present and fill_at_trigger is false
 * (liquidation.fill_price: last), else the trigger column. */
static inline pcol_pick pcol_choose(int wanted, bool fill_at_trigger, const bool have[PCOL_COUNT])
{
    static const int stand_in_order[PCOL_COUNT] = {PCOL_MARK, PCOL_INDEX, PCOL_ORACLE, PCOL_LAST};
    pcol_pick k = {.wanted = wanted, .trigger = wanted};
    size_t n = 0;
    for (int c = 0; c < PCOL_COUNT; c++)
        n += have[c];
    k.several = n > 1;
    if (wanted < 0 || wanted >= PCOL_COUNT || !have[wanted]) {
        k.stand_in = true;
        k.trigger = PCOL_MARK;
        for (int i = PCOL_COUNT - 1; i >= 0; i--)
            if (have[stand_in_order[i]])
                k.trigger = stand_in_order[i];
    }
    k.fill = have[PCOL_LAST] && !fill_at_trigger ? PCOL_LAST : k.trigger;
    return k;
}

/* The note a result carries for a pick (NULL when the path has one
 * column and the venue's price is that column: nothing to say). Writes
 * into buf (cap bytes) and returns it. */
const char *pcol_note(const pcol_pick *k, const char *venue, char *buf, size_t cap);

#endif
