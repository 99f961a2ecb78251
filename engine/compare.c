/*
 * compare.c — one scenario under several policies, each on its own
 * (CONTRACT.md, Rows). The rule the CLI's `compare` and the JSON API's
 * liq_compare_json share: a policy whose evaluation fails becomes an
 * "error" row whose reason is its first error exactly as stderr shows
 * it, and no failure hides the other rows. Loading the files, and what
 * to print or which exit code to give, are the callers' business.
 */
#include "result.h"

#include <stdlib.h>

liq_status liq_compare(liq_policy *const *ps, size_t n, const liq_scenario *s,
                       const liq_eval_opts *opts, liq_result **out, liq_diags *diags)
{
    for (size_t i = 0; i < n; i++)
        out[i] = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t first = diags ? diags->n : 0;
        out[i] = liq_eval(ps[i], s, opts, diags);
        if (out[i])
            continue;
        /* The row says why, as stderr does. */
        char why[2048] = "the evaluation failed";
        for (size_t k = first; diags && k < diags->n; k++)
            if (diags->items[k].severity == LIQ_SEV_ERROR) {
                liq_diag_text(&diags->items[k], why, sizeof why);
                break;
            }
        out[i] = result_new_row(liq_policy_name(ps[i]), liq_policy_venue(ps[i]),
                                liq_scenario_name(s), RS_ERROR, why);
        if (!out[i]) {
            for (size_t k = 0; k < i; k++) {
                liq_result_free(out[k]);
                out[k] = NULL;
            }
            return LIQ_ENOMEM;
        }
    }
    return LIQ_OK;
}
