/*
 * test_book.c — engine/book.c, reading a book of accounts (CSV or NDJSON)
 * and a mark path (CSV) for replay.
 *
 * Each bad input is a small file under tests/data/books/ or
 * tests/data/paths/ with the exact message, formatted as the CLI prints
 * it (path:line:col: message), that it must produce and nothing else.
 * What replays do with a book is test_replay.c's business.
 */
#include "support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book.h"

#define BK "tests/data/books/"

typedef struct bad_case {
    const char *file;
    bool path;           /* a mark path, else a book */
    const char *message; /* exact, as printed */
} bad_case;

static const bad_case bad_cases[] = {
    /* The fuzzer's reproducer: a first row with an empty id was taken as
     * the continuation of an account before it and netted into index -1. */
    {BK "empty-id.csv", false,
     BK "empty-id.csv:2:1: id: expected an account id, got an empty field"},
    {BK "empty-id.ndjson", false,
     BK "empty-id.ndjson:1:1: id: expected an account id, got an empty string"},
};

static void bad_inputs_fail_with_their_message(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        const bad_case *c = &bad_cases[i];
        liq_diags d = LIQ_DIAGS_INIT;
        void *loaded = c->path ? (void *)liq_path_load(c->file, &d) : (void *)liq_book_load(c->file, &d);
        if (loaded)
            fail_msg("%s: loaded, expected %s", c->file, c->message);
        if (d.n != 1) {
            print_diags(&d);
            fail_msg("%s: %zu messages, expected 1", c->file, d.n);
        }
        expect_first_error(&d, c->message);
        liq_diags_free(&d);
    }
}

int main(void)
{
    chdir_to_project_root();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_inputs_fail_with_their_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
