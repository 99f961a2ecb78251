/*
 * test_yamltree.c — engine/yamltree.c, the YAML tree every loader reads
 * (policies, their `extends:` bases, scenarios).
 *
 * What is tested here is what no schema can see: how deep a document may
 * nest (a hostile file of 45,000 '[' used to overflow the stack in every
 * loader), and that the duplicate-key check stays linear on a large map
 * (a 2 MB policy of 100,000 sources took 35 s to lint). Limits are the
 * ones docs/limits.md states, each tried at its edge and one past it.
 */
#include "support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yamltree.h"

#define YDIR "tests/data/yaml/"

/* The depth of the deepest collection under n (the root counts as 1). */
static int depth_of(const ynode *n)
{
    if (!n || n->kind == YN_SCALAR)
        return 0;
    int deepest = 0;
    for (size_t i = 0; i < n->n; i++) {
        int d = depth_of(n->items[i]);
        if (d > deepest)
            deepest = d;
    }
    return deepest + 1;
}

/* Lists inside lists 64 deep (YT_MAX_DEPTH) load, whole. */
static void nesting_at_the_limit_loads(void **state)
{
    (void)state;
    liq_diags d = LIQ_DIAGS_INIT;
    ydoc *doc = ydoc_load_file(YDIR "nesting-64.yaml", &d);
    if (!doc)
        fail_with_diags("nesting-64.yaml", &d);
    assert_int_equal(depth_of(doc->root), YT_MAX_DEPTH);
    ydoc_free(doc);
    liq_diags_free(&d);
}

/* One level more is an error at the first '[' past the limit, in flow
 * style and in block style alike. */
static void nesting_past_the_limit_is_an_error_at_its_mark(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {YDIR "nesting-65.yaml",
         YDIR "nesting-65.yaml:1:65: YAML syntax: lists and mappings nested deeper than 64 "
              "levels; flatten the document"},
        {YDIR "nesting-65-block.yaml",
         YDIR "nesting-65-block.yaml:65:129: YAML syntax: lists and mappings nested deeper "
              "than 64 levels; flatten the document"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        liq_diags d = LIQ_DIAGS_INIT;
        assert_null(ydoc_load_file(cases[i][0], &d));
        assert_int_equal(d.n, 1);
        expect_first_error(&d, cases[i][1]);
        liq_diags_free(&d);
    }
}

/* A temporary file holding text; the caller unlinks and frees the name. */
static char *temp_file(const char *text, size_t len)
{
    char *name = malloc(64);
    assert_non_null(name);
    snprintf(name, 64, "/tmp/liqsim-yamltree-XXXXXX");
    int fd = mkstemp(name);
    assert_true(fd >= 0);
    assert_true(write(fd, text, len) == (ssize_t)len);
    close(fd);
    return name;
}

/* The reproducer: 45,000 levels of '[' (no closing bracket). Every loader
 * stops at level 65 with the message, instead of a stack overflow. */
static void deep_hostile_document_is_refused_by_every_loader(void **state)
{
    (void)state;
    size_t n = 45000;
    char *text = malloc(n);
    assert_non_null(text);
    memset(text, '[', n);
    char *path = temp_file(text, n);
    char expect[256];
    snprintf(expect, sizeof expect,
             "%s:1:65: YAML syntax: lists and mappings nested deeper than 64 levels; "
             "flatten the document",
             path);
    liq_diags d = LIQ_DIAGS_INIT;
    assert_null(ydoc_load_buffer(path, text, n, &d));
    expect_first_error(&d, expect);
    liq_diags_free(&d);
    assert_null(liq_policy_load(path, &d));
    expect_first_error(&d, expect);
    liq_diags_free(&d);
    assert_null(liq_scenario_load(path, &d));
    expect_first_error(&d, expect);
    liq_diags_free(&d);
    unlink(path);
    free(path);
    free(text);
}

/* A generated map of 100,000 keys (src00000: 0, ...) with n_extra more. */
static char *big_map(size_t keys, const char *extra, size_t *len)
{
    size_t cap = keys * 16 + strlen(extra) + 1;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t used = 0;
    for (size_t i = 0; i < keys; i++)
        used += (size_t)snprintf(text + used, cap - used, "src%05zu: %zu\n", i, i);
    used += (size_t)snprintf(text + used, cap - used, "%s", extra);
    *len = used;
    return text;
}

/* 100,000 distinct keys load (the check is hashed, not a scan per key);
 * every key is there, in order. */
static void large_map_of_distinct_keys_loads(void **state)
{
    (void)state;
    size_t len;
    char *text = big_map(100000, "", &len);
    liq_diags d = LIQ_DIAGS_INIT;
    ydoc *doc = ydoc_load_buffer("big.yaml", text, len, &d);
    if (!doc)
        fail_with_diags("big.yaml", &d);
    assert_int_equal(doc->root->n, 100000);
    assert_string_equal(doc->root->keys[0]->text, "src00000");
    assert_string_equal(doc->root->keys[99999]->text, "src99999");
    assert_string_equal(ynode_get(doc->root, "src54321")->text, "54321");
    ydoc_free(doc);
    liq_diags_free(&d);
    free(text);
}

/* A duplicate after 100,000 keys is found, pointing at the first. */
static void duplicate_in_a_large_map_names_the_first(void **state)
{
    (void)state;
    size_t len;
    char *text = big_map(100000, "src01234: again\n", &len);
    liq_diags d = LIQ_DIAGS_INIT;
    assert_null(ydoc_load_buffer("big.yaml", text, len, &d));
    assert_int_equal(d.n, 1);
    expect_first_error(&d, "big.yaml:100001:1: duplicate key 'src01234' (first at line 1235)");
    liq_diags_free(&d);
    free(text);
}

/* Small maps and nested maps find their duplicates too
 * (3 keys, 10 keys, a nested map). */
static void duplicates_in_small_and_switching_maps(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"a: 1\nb: 2\na: 3\n", "small.yaml:3:1: duplicate key 'a' (first at line 1)"},
        {"k0: 0\nk1: 1\nk2: 2\nk3: 3\nk4: 4\nk5: 5\nk6: 6\nk7: 7\nk8: 8\nk3: x\n",
         "small.yaml:10:1: duplicate key 'k3' (first at line 4)"},
        {"outer:\n  k0: 0\n  k1: 1\n  k2: 2\n  k3: 3\n  k4: 4\n  k5: 5\n  k6: 6\n  k7: 7\n"
         "  k8: 8\n  k7: x\n",
         "small.yaml:11:3: duplicate key 'k7' (first at line 9)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        liq_diags d = LIQ_DIAGS_INIT;
        assert_null(ydoc_load_buffer("small.yaml", cases[i][0], strlen(cases[i][0]), &d));
        expect_first_error(&d, cases[i][1]);
        liq_diags_free(&d);
    }
}

int main(void)
{
    chdir_to_project_root();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nesting_at_the_limit_loads),
        cmocka_unit_test(nesting_past_the_limit_is_an_error_at_its_mark),
        cmocka_unit_test(deep_hostile_document_is_refused_by_every_loader),
        cmocka_unit_test(large_map_of_distinct_keys_loads),
        cmocka_unit_test(duplicate_in_a_large_map_names_the_first),
        cmocka_unit_test(duplicates_in_small_and_switching_maps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
