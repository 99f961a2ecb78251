/*
 * fuzz_book.c — libFuzzer harness for the book reader (liq_book_load).
 *
 * The reader takes a file and chooses NDJSON or CSV by its name; the
 * input chooses by its content instead, so both seed kinds mutate in one
 * corpus: an input whose first byte is '{' is written as book.ndjson,
 * anything else as book.csv. Findings: any sanitizer report, a failure
 * without an error, output on stdout.
 */
#include "fuzz_support.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int json = size > 0 && data[0] == '{';
    const char *path = fz_write(json ? "book.ndjson" : "book.csv", data, size);
    liq_diags d = LIQ_DIAGS_INIT;
    liq_book *b = liq_book_load(path, &d);
    if (b && liq_book_accounts(b) == 0) {
        fprintf(stderr, "liqsim fuzz: a book loaded with no account\n");
        abort();
    }
    liq_book_free(b);
    fz_check_diags(&d, b == NULL, "liq_book_load");
    fz_check_stdout();
    return 0;
}
