/*
 * test_schema.c — the JSON Schema shipped for editors is the loader's own
 * table: the committed files equal what `liqsim schema` generates, and
 * every key of every shipped policy is a key the schema names. So the
 * schema, the loader and the policies cannot drift apart.
 */
#include "support/support.h"

#include <glob.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yamltree.h"

static void check_file_matches_cli(const char *which)
{
    char path[512];
    snprintf(path, sizeof path, "%s/liqsim-%s.schema.json", strcmp(which, "policy") == 0 ? "policies" : "scenarios", which);
    cli_output gen = CLI("schema", which);
    expect_exit_code(&gen, 0);
    char *file = read_file(path);
    if (strcmp(gen.out, file) != 0)
        fail_msg("%s is stale: regenerate it with `liqsim schema %s > %s`", path, which, path);
    cli_output_free(&gen);
    free(file);
}

static void test_the_shipped_policy_schema_is_what_the_loader_generates(void **state)
{
    (void)state;
    check_file_matches_cli("policy");
}

static void test_the_shipped_scenario_schema_is_what_the_loader_generates(void **state)
{
    (void)state;
    check_file_matches_cli("scenario");
}

/* Walk a YAML node against a schema object: every mapping key must be a
 * property (or additionalProperties must allow it), recursively. */
static size_t walk(const ynode *n, json_t *sch, const char *where)
{
    size_t bad = 0;
    json_t *any = json_object_get(sch, "anyOf");
    if (any) {
        /* decimal-or-'unlimited', id-or-list: scalars and lists only. */
        return 0;
    }
    if (n->kind == YN_MAP) {
        json_t *props = json_object_get(sch, "properties");
        json_t *addl = json_object_get(sch, "additionalProperties");
        for (size_t i = 0; i < n->n; i++) {
            const char *k = n->keys[i]->text;
            json_t *sub = props ? json_object_get(props, k) : NULL;
            if (!sub && json_is_object(addl))
                sub = addl;
            if (!sub) {
                print_error("%s:%d:%d: key '%s' is not in the schema\n", where, n->keys[i]->line,
                            n->keys[i]->col, k);
                bad++;
                continue;
            }
            bad += walk(n->items[i], sub, where);
        }
    } else if (n->kind == YN_SEQ) {
        json_t *items = json_object_get(sch, "items");
        for (size_t i = 0; items && i < n->n; i++)
            bad += walk(n->items[i], items, where);
    } else {
        json_t *en = json_object_get(sch, "enum");
        if (en) {
            bool found = false;
            size_t i;
            json_t *v;
            json_array_foreach(en, i, v)
            {
                found |= strcmp(json_string_value(v), n->text) == 0;
            }
            if (!found) {
                print_error("%s:%d:%d: '%s' is not one of the schema's values\n", where, n->line,
                            n->col, n->text);
                bad++;
            }
        }
    }
    return bad;
}

static void test_every_shipped_policy_validates_against_the_schema(void **state)
{
    (void)state;
    json_error_t je;
    json_t *sch = json_load_file("policies/liqsim-policy.schema.json", 0, &je);
    assert_non_null(sch);
    glob_t g;
    assert_int_equal(glob("policies/*.yaml", 0, NULL, &g), 0);
    size_t checked = 0, bad = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        if (strstr(g.gl_pathv[i], ".examples.yaml") || strstr(g.gl_pathv[i], "/aliases.yaml"))
            continue;
        liq_diags d = LIQ_DIAGS_INIT;
        ydoc *doc = ydoc_load_file(g.gl_pathv[i], &d);
        assert_non_null(doc);
        bad += walk(doc->root, sch, g.gl_pathv[i]);
        ydoc_free(doc);
        liq_diags_free(&d);
        checked++;
    }
    globfree(&g);
    json_decref(sch);
    assert_true(checked >= 7);
    assert_int_equal(bad, 0);
}

/* The walker above must be able to fail: a key the schema does not name. */
static void test_a_key_outside_the_schema_is_caught(void **state)
{
    (void)state;
    json_error_t je;
    json_t *sch = json_load_file("policies/liqsim-policy.schema.json", 0, &je);
    assert_non_null(sch);
    const char *y = "liqsim: 1\nmargin:\n  maintenance:\n    tierz: []\n";
    liq_diags d = LIQ_DIAGS_INIT;
    ydoc *doc = ydoc_load_buffer("inline.yaml", y, strlen(y), &d);
    assert_non_null(doc);
    assert_int_equal(walk(doc->root, sch, "inline.yaml"), 1);
    ydoc_free(doc);
    json_decref(sch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_shipped_policy_schema_is_what_the_loader_generates),
        cmocka_unit_test(test_the_shipped_scenario_schema_is_what_the_loader_generates),
        cmocka_unit_test(test_every_shipped_policy_validates_against_the_schema),
        cmocka_unit_test(test_a_key_outside_the_schema_is_caught),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
