/*
 * examples.c — golden tests from venues' documented worked examples.
 *
 * Each example's scenario is evaluated under the policy and every
 * expectation compared exactly: decimals as decimals (19700 equals
 * "19700.0"), with no tolerance. Owns only the comparison; evaluation is
 * liq_eval's.
 */
#include "examples.h"
#include "mem.h"
#include "pricecol.h"
#include "result.h"
#include "scenario.h"
#include "yamltree.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *liq_examples_path(const char *policy_path)
{
    size_t len = strlen(policy_path);
    const char *ext = len > 5 && strcmp(policy_path + len - 5, ".yaml") == 0 ? ".yaml" : "";
    size_t stem = len - strlen(ext);
    char *out = mem_malloc(stem + sizeof ".examples.yaml");
    if (out)
        snprintf(out, stem + sizeof ".examples.yaml", "%.*s.examples.yaml", (int)stem,
                 policy_path);
    return out;
}

/* Follow a dotted path ("covered_by.insurance_fund", "debt.actions.0.type"). */
static json_t *dig(json_t *root, const char *path)
{
    char buf[200];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = root;
    for (char *save = NULL, *tok = strtok_r(buf, ".", &save); tok && cur;
         tok = strtok_r(NULL, ".", &save)) {
        if (json_is_array(cur)) {
            char *end;
            long i = strtol(tok, &end, 10);
            cur = *end ? NULL : json_array_get(cur, (size_t)i);
        } else {
            cur = json_object_get(cur, tok);
        }
    }
    return cur;
}

static bool same(const json_t *got, const char *want, char *why, size_t cap)
{
    if (json_is_null(got))
        return strcmp(want, "null") == 0 || (snprintf(why, cap, "got null"), false);
    if (json_is_boolean(got)) {
        const char *g = json_is_true(got) ? "true" : "false";
        return strcmp(want, g) == 0 || (snprintf(why, cap, "got %s", g), false);
    }
    if (json_is_string(got)) {
        const char *g = json_string_value(got);
        liq_dec a, b;
        if (liq_dec_from_str(g, &a) == LIQ_OK && liq_dec_from_str(want, &b) == LIQ_OK)
            return liq_dec_cmp(a, b) == 0 || (snprintf(why, cap, "got %s", g), false);
        return strcmp(g, want) == 0 || (snprintf(why, cap, "got \"%s\"", g), false);
    }
    if (json_is_integer(got)) {
        char g[32];
        snprintf(g, sizeof g, "%lld", (long long)json_integer_value(got));
        return strcmp(g, want) == 0 || (snprintf(why, cap, "got %s", g), false);
    }
    snprintf(why, cap, "got a %s", json_is_array(got) ? "list" : "mapping");
    return false;
}

static bool has_event(json_t *res, const char *type)
{
    json_t *ev = json_object_get(res, "events");
    size_t i;
    json_t *e;
    json_array_foreach(ev, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "type")), type) == 0)
            return true;
    }
    return false;
}

/* The result's decimal at key, or false when it is null or missing. */
static bool result_dec(json_t *res, const char *key, liq_dec *out)
{
    const char *t = json_string_value(json_object_get(res, key));
    return t && liq_dec_from_str(t, out) == LIQ_OK;
}

/* An example that expects a liquidation's numbers, on a scenario that
 * never reached liquidation, would fail on the first loss ("loss.fees:
 * expected 5, got 0") and leave the author hunting for the wrong number.
 * Say that it was not liquidated, and where the mark path went against
 * the liquidation price: the path is what to fix. Writes into buf. */
static void not_liquidated(json_t *res, const liq_scenario *s, char *buf, size_t cap)
{
    char a[LIQ_DEC_STRLEN], b[LIQ_DEC_STRLEN], c[LIQ_DEC_STRLEN];
    if (!s->npath) {
        snprintf(buf, cap, "not liquidated: the scenario has no mark path");
        return;
    }
    bool shorts = json_string_value(json_object_get(res, "side")) &&
                  strcmp(json_string_value(json_object_get(res, "side")), "short") == 0;
    /* The path the venue triggers on: the mark, or the column the result
     * names (price_columns.trigger) on a path of several. */
    const liq_dec *px = s->path_px;
    const char *col = json_string_value(dig(res, "price_columns.trigger"));
    for (int k = 0; col && k < PCOL_COUNT; k++)
        if (k != PCOL_MARK && strcmp(col, pcol_names[k]) == 0 && s->path_col[k])
            px = s->path_col[k];
    if (px == s->path_px)
        col = "mark";
    /* The price nearest liquidation: a long's lowest, a short's highest. */
    liq_dec end = px[s->npath - 1], worst = px[0];
    for (size_t i = 1; i < s->npath; i++)
        if (shorts ? liq_dec_cmp(px[i], worst) > 0 : liq_dec_cmp(px[i], worst) < 0)
            worst = px[i];
    liq_dec lp;
    liq_dec_format(end, a);
    liq_dec_format(worst, b);
    const char *side = shorts ? "short" : "long";
    char ends[LIQ_DEC_STRLEN + 16];
    if (liq_dec_cmp(end, worst) == 0)
        snprintf(ends, sizeof ends, "where it ends");
    else
        snprintf(ends, sizeof ends, "it ends at %s", a);
    if (!result_dec(res, "liquidation_price", &lp)) {
        snprintf(buf, cap, "not liquidated: the %s path goes no %s than %s (%s); the %s has no "
                           "liquidation price",
                 col, shorts ? "higher" : "lower", b, ends, side);
        return;
    }
    liq_dec_format(lp, c);
    int gap = liq_dec_cmp(worst, lp);
    if (shorts ? gap < 0 : gap > 0)
        snprintf(buf, cap, "not liquidated: the %s path goes no %s than %s (%s), %s the %s's "
                           "liquidation price %s",
                 col, shorts ? "higher" : "lower", b, ends, shorts ? "below" : "above", side, c);
    else
        snprintf(buf, cap, "not liquidated, although the %s path reaches %s (%s), at or %s the "
                           "%s's liquidation price %s",
                 col, b, ends, shorts ? "above" : "below", side, c);
}

/* A result key only a liquidation sets (a position's liquidation price,
 * margins and notional stand without one). */
static bool liquidation_key(const char *key)
{
    static const char *const keys[] = {"liquidated", "trigger_price", "fill_price", "close_price",
                                       "loss", "deficit", "covered_by", "debt", "final_balance",
                                       "trader_lost", "insurance_fund"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        size_t n = strlen(keys[i]);
        if (strncmp(key, keys[i], n) == 0 && (key[n] == 0 || key[n] == '.'))
            return true;
    }
    return false;
}

typedef struct each {
    void (*fn)(void *ud, const liq_result *r);
    void *ud;
} each;

static void run_one(liq_policy *p, const char *file, const ynode *ex, liq_example *out,
                    const each *cb)
{
    const ynode *sc = ynode_get(ex, "scenario");
    const ynode *expect = ynode_get(ex, "expect");
    /* events_include may sit beside expect: or inside it. */
    const ynode *evs = ynode_get(ex, "events_include");
    if (!evs)
        evs = ynode_get(expect, "events_include");
    liq_diags d = LIQ_DIAGS_INIT;
    if (!sc || (!expect && !evs)) {
        snprintf(out->detail, sizeof out->detail, "%s:%d: an example needs scenario: and expect:",
                 file, ex->line);
        return;
    }
    liq_scenario *s = scenario_from_node(sc, file, file, &d);
    liq_result *r = NULL;
    if (s) {
        liq_eval_opts eo = {0};
        r = liq_eval(p, s, &eo, &d);
    }
    if (!r) {
        const liq_diag *g = d.n ? &d.items[0] : NULL;
        snprintf(out->detail, sizeof out->detail, "%s:%d:%d: %s", g ? g->file : file,
                 g ? g->line : ex->line, g ? g->col : 0, g ? g->msg : "evaluation failed");
        liq_scenario_free(s);
        liq_diags_free(&d);
        return;
    }
    if (cb->fn)
        cb->fn(cb->ud, r);
    char *js = liq_results_render(&r, 1, LIQ_FMT_JSON, false);
    json_t *res = js ? json_loads(js, 0, NULL) : NULL;
    free(js);
    bool ok = res != NULL;
    /* An example about a position that is not liquidated fails on its
     * own numbers, without the not-liquidated explanation. */
    const ynode *wl = expect && expect->kind == YN_MAP ? ynode_get(expect, "liquidated") : NULL;
    bool expects_no_liquidation = wl && wl->kind == YN_SCALAR && strcmp(wl->text, "false") == 0;
    for (size_t i = 0; ok && expect && expect->kind == YN_MAP && i < expect->n; i++) {
        const char *key = expect->keys[i]->text;
        const ynode *want = expect->items[i];
        if (strcmp(key, "events_include") == 0)
            continue;
        json_t *got = dig(res, key);
        char why[200] = "";
        out->checks++;
        if (want->kind != YN_SCALAR) {
            snprintf(out->detail, sizeof out->detail, "%s:%d:%d: expect.%s: give a scalar", file,
                     want->line, want->col, key);
            ok = false;
        } else if (!got) {
            snprintf(out->detail, sizeof out->detail, "%s:%d:%d: expect.%s: no such result key",
                     file, want->line, want->col, key);
            ok = false;
        } else if (!same(got, want->text, why, sizeof why)) {
            char stop[300] = "";
            if (!expects_no_liquidation && liquidation_key(key) &&
                json_is_false(json_object_get(res, "liquidated"))) {
                not_liquidated(res, s, stop, sizeof stop - 2);
                strcat(stop, "; ");
            }
            snprintf(out->detail, sizeof out->detail, "%s:%d:%d: %s%s: expected %s, %s", file,
                     want->line, want->col, stop, key, want->text, why);
            ok = false;
        }
    }
    for (size_t i = 0; ok && evs && evs->kind == YN_SEQ && i < evs->n; i++) {
        out->checks++;
        if (!has_event(res, evs->items[i]->text)) {
            snprintf(out->detail, sizeof out->detail, "%s:%d:%d: expected a '%s' event", file,
                     evs->items[i]->line, evs->items[i]->col, evs->items[i]->text);
            ok = false;
        }
    }
    out->passed = ok && out->checks > 0;
    if (ok && out->checks == 0)
        snprintf(out->detail, sizeof out->detail, "%s:%d: nothing to check", file, ex->line);
    json_decref(res);
    liq_result_free(r);
    liq_scenario_free(s);
    liq_diags_free(&d);
}

/* An id given twice would run and print twice under one name, and a
 * failure would not say which of the two failed: a warning at the second,
 * naming the line of the first. Returns the number of warnings added. */
static size_t check_ids(const ynode *list, const char *path, liq_diags *d)
{
    size_t n = 0;
    for (size_t i = 0; i < list->n; i++) {
        const ynode *id = ynode_get(list->items[i], "id");
        if (!id || id->kind != YN_SCALAR)
            continue;
        for (size_t j = 0; j < i; j++) {
            const ynode *first = ynode_get(list->items[j], "id");
            if (first && first->kind == YN_SCALAR && strcmp(first->text, id->text) == 0) {
                liq_diags_add(d, LIQ_SEV_WARNING, LIQ_OK, path, id->line, id->col,
                              "example id '%s' is used again (first at line %d): give each "
                              "example its own id",
                              id->text, first->line);
                n++;
                break;
            }
        }
    }
    return n;
}

size_t examples_lint(const char *policy_path, liq_diags *d)
{
    char *path = liq_examples_path(policy_path);
    if (!path)
        return 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        free(path);
        return 0;   /* no worked examples: nothing to check */
    }
    fclose(f);
    liq_diags ld = LIQ_DIAGS_INIT;
    ydoc *doc = ydoc_load_file(path, &ld);
    const ynode *list = doc && doc->root ? ynode_get(doc->root, "examples") : NULL;
    size_t n = 0;
    if (list && list->kind == YN_SEQ) {
        n = check_ids(list, path, d);
    } else {
        char why[1024] = "expected a top-level 'examples:' list";
        if (ld.n)
            liq_diag_text(&ld.items[0], why, sizeof why);
        liq_diags_add(d, LIQ_SEV_WARNING, LIQ_OK, path, 0, 0,
                      "the worked examples do not load (`liqsim test` cannot run them): %s", why);
        n = 1;
    }
    ydoc_free(doc);
    liq_diags_free(&ld);
    free(path);
    return n;
}

liq_status liq_examples_run(liq_policy *p, const char *path, liq_example **out, size_t *n,
                            liq_diags *d)
{
    return liq_examples_run_each(p, path, out, n, d, NULL, NULL);
}

liq_status liq_examples_run_each(liq_policy *p, const char *path, liq_example **out, size_t *n,
                                 liq_diags *d, void (*on_result)(void *ud, const liq_result *r),
                                 void *ud)
{
    each cb = {on_result, ud};
    *out = NULL;
    *n = 0;
    ydoc *doc = ydoc_load_file(path, d);
    if (!doc)
        return LIQ_EINPUT;
    const ynode *list = doc->root ? ynode_get(doc->root, "examples") : NULL;
    if (!list || list->kind != YN_SEQ) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, path, doc->root ? doc->root->line : 1, 1,
                      "expected a top-level 'examples:' list");
        ydoc_free(doc);
        return LIQ_EINPUT;
    }
    check_ids(list, path, d);
    liq_example *ex = mem_calloc(list->n ? list->n : 1, sizeof *ex);
    if (!ex) {
        ydoc_free(doc);
        return LIQ_ENOMEM;
    }
    for (size_t i = 0; i < list->n; i++) {
        const ynode *e = list->items[i];
        const ynode *id = ynode_get(e, "id");
        snprintf(ex[i].id, sizeof ex[i].id, "%s",
                 id && id->kind == YN_SCALAR ? id->text : "(no id)");
        ex[i].line = e->line;
        run_one(p, path, e, &ex[i], &cb);
    }
    *out = ex;
    *n = list->n;
    ydoc_free(doc);
    return LIQ_OK;
}

liq_status examples_no_venue_example(const char *path, examples_gap **out, size_t *n,
                                   liq_diags *d)
{
    *out = NULL;
    *n = 0;
    ydoc *doc = ydoc_load_file(path, d);
    if (!doc)
        return LIQ_EINPUT;
    const ynode *list = doc->root ? ynode_get(doc->root, "no_venue_example") : NULL;
    liq_status st = LIQ_OK;
    if (list && list->kind != YN_SEQ) {
        liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, path, list->line, list->col,
                      "no_venue_example: expected a list of {branch, why}");
        st = LIQ_EINPUT;
    } else if (list && list->n) {
        examples_gap *ne = mem_calloc(list->n, sizeof *ne);
        if (!ne) {
            ydoc_free(doc);
            return LIQ_ENOMEM;
        }
        for (size_t i = 0; i < list->n; i++) {
            const ynode *it = list->items[i];
            const ynode *b = ynode_get(it, "branch"), *w = ynode_get(it, "why");
            if (!b || b->kind != YN_SCALAR || !w || w->kind != YN_SCALAR || !*w->text) {
                liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, path, it->line, it->col,
                              "no_venue_example[%zu]: give the branch (as `liqsim test "
                              "--coverage` names it) and why no venue example reaches it",
                              i);
                st = LIQ_EINPUT;
                continue;
            }
            snprintf(ne[i].branch, sizeof ne[i].branch, "%s", b->text);
            snprintf(ne[i].why, sizeof ne[i].why, "%s", w->text);
            ne[i].line = it->line;
        }
        *out = ne;
        *n = list->n;
    }
    ydoc_free(doc);
    return st;
}
