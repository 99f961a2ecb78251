/*
 * report_html.h — the pieces every HTML page of liqsim shares (one look,
 * one print stylesheet, one way to embed JSON and to show notes), for
 * the compare page and the grid page (report_html.c) and the replay page
 * (report_replay.c).
 */
#ifndef LIQ_REPORT_HTML_H
#define LIQ_REPORT_HTML_H

#include "liqsim.h"
#include "sbuf.h"

/* <!DOCTYPE html> through <body> and the page's <h1>: title is shown and
 * is the document's title; subtitle (may be NULL) is a line under it. */
void html_begin(sbuf *b, const char *title, const char *subtitle);
/* A list of notes (warnings that must be seen); nothing when n is 0. id
 * is the section's element id, one per page (a replay page has two such
 * lists). */
void html_notes(sbuf *b, const char *id, const char *heading, const char *const *notes, size_t n);
/* A <figure> with its caption, around what the caller draws next; close
 * it with html_figure_end. */
void html_figure(sbuf *b, const char *caption);
void html_figure_end(sbuf *b);
/* json embedded as <script type="application/json" id="id">: the page's
 * data for anyone who wants it, exact; every '<' is written as \u003c so
 * no string in it can end the script element. */
void html_json(sbuf *b, const char *id, const char *json);
/* A table cell holding one value of the embedded JSON: data-row is the
 * index in its array, data-key the path in the object ("loss.fees").
 * text is shown as it is (an exact decimal, or "—" for null). */
void html_cell(sbuf *b, size_t row, const char *key, const char *text, bool numeric);
void html_end(sbuf *b);

/* The pair of charts every page shows per settlement currency: the loss
 * in nloss parts (loss_parts, loss_colors) beside who paid the deficit in
 * the six shortfall stages (insurance fund, ADL, socialized, pool, venue,
 * trader debt), one bar per name. loss holds nbars x nloss values, cover
 * nbars x 6. The ids are loss-<group> and cover-<group>. */
void html_loss_and_cover(sbuf *b, const char *ccy, size_t group, const char *loss_caption,
                         const char *loss_axis, const char *const *names, size_t nbars,
                         const liq_dec *loss, size_t nloss, const char *const *loss_parts,
                         const char *const *loss_colors, const liq_dec *cover);

#endif
