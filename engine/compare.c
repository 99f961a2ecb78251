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

/* The row of a policy whose evaluation failed: its first error (from
 * diags->items[first] on) as the reason. NULL when out of memory. */
static liq_result *error_row(const liq_policy *p, const liq_scenario *s, const liq_diags *diags,
                             size_t first)
{
    /* The row says why, as stderr does. */
    char why[2048] = "the evaluation failed";
    for (size_t k = first; diags && k < diags->n; k++)
        if (diags->items[k].severity == LIQ_SEV_ERROR) {
            liq_diag_text(&diags->items[k], why, sizeof why);
            break;
        }
    return result_new_row(liq_policy_name(p), liq_policy_venue(p), liq_scenario_name(s),
                          RS_ERROR, why);
}

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
        out[i] = error_row(ps[i], s, diags, first);
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

liq_result *compare_row(liq_policy *p, const liq_scenario *s, const liq_eval_opts *opts,
                        liq_result **reuse, liq_diags *diags)
{
    size_t first = diags->n;
    if (liq_eval_reuse(p, s, opts, reuse, diags) == LIQ_OK)
        return *reuse;
    return error_row(p, s, diags, first);
}
