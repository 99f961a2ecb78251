/*
 * liqsim.h — the public API of libliqsim, the liquidation waterfall engine.
 *
 * This header is the manual: it owns the vocabulary callers need (exact
 * decimals, diagnostics, policies, scenarios, results) and nothing else.
 * Internals live under engine/ and are not part of the API.
 *
 * Conventions (taken from Lua's and git's APIs):
 *   - every public name carries the liq_ prefix, noun before verb;
 *   - the library never prints and never exits: functions return a
 *     liq_status and describe failures in a liq_diags list;
 *   - whatever a _new or _load returns, the matching _free releases; each
 *     function that hands out a pointer says who owns it.
 */
#ifndef LIQSIM_H
#define LIQSIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIQSIM_VERSION "0.1.0"

/* LIQ_API marks the public functions: the only names libliqsim.so
 * exports. The library is built with -fvisibility=hidden, so every
 * internal function (declared under engine/) stays inside it, as Lua's LUAI_FUNC
 * keeps luaH_ and luaS_ names inside liblua while LUA_API exports lua_. */
#if defined(__GNUC__) && __GNUC__ >= 4
#define LIQ_API __attribute__((visibility("default")))
#else
#define LIQ_API
#endif

/* ------------------------------------------------------------------ */
/* Status codes                                                        */
/* ------------------------------------------------------------------ */

typedef enum liq_status {
    LIQ_OK = 0,
    LIQ_EOVERFLOW,   /* a result does not fit the decimal type */
    LIQ_EDIVZERO,    /* division by zero */
    LIQ_ESYNTAX,     /* text is not a decimal number */
    LIQ_EPRECISION,  /* more fractional digits than LIQ_DEC_SCALE holds */
    LIQ_EINPUT,      /* a policy or scenario that does not load */
    LIQ_EHOOK,       /* a Lua hook failed (error, budget, memory cap) */
    LIQ_ENOMEM,      /* the C allocator failed */
    LIQ_EIO,         /* a file could not be read */
    LIQ_EINVARIANT   /* an accounting invariant was broken (a bug) */
} liq_status;

/* A static English name for a status ("overflow", "hook error", ...). */
LIQ_API const char *liq_status_str(liq_status st);

/* ------------------------------------------------------------------ */
/* Exact decimals                                                      */
/* ------------------------------------------------------------------ */

/*
 * A fixed-point decimal: value = raw / 10^LIQ_DEC_SCALE, raw a signed
 * 128-bit integer. Twelve fractional digits hold satoshis (1e-8), dYdX
 * quantums (1e-6) and inverse-contract values (1/price) with room to
 * spare; the integer part holds up to about 1.7e26. Arithmetic never
 * wraps: every operation that can overflow returns LIQ_EOVERFLOW.
 * It is a struct so that C's + and * cannot be applied by accident.
 */
#define LIQ_DEC_SCALE 12
__extension__ typedef __int128 liq_i128;
typedef struct liq_dec { liq_i128 raw; } liq_dec;

/* Longest text liq_dec_format writes, including the NUL. */
#define LIQ_DEC_STRLEN 48

/* Rounding modes. DOWN/UP are toward/away from zero; FLOOR/CEIL are
 * toward -inf/+inf; HALF_EVEN is banker's rounding; HALF_UP rounds ties
 * away from zero. */
typedef enum liq_round {
    LIQ_ROUND_HALF_EVEN = 0,
    LIQ_ROUND_HALF_UP,
    LIQ_ROUND_DOWN,
    LIQ_ROUND_UP,
    LIQ_ROUND_FLOOR,
    LIQ_ROUND_CEIL
} liq_round;

/* Parse/format a round-mode name: "half_even", "half_up", "down", "up",
 * "floor", "ceil". parse returns false for an unknown name. */
LIQ_API bool liq_round_parse(const char *name, liq_round *out);
LIQ_API const char *liq_round_name(liq_round mode);

LIQ_API liq_dec liq_dec_from_int(int64_t v);                  /* always exact */
#define LIQ_DEC_ZERO ((liq_dec){0})

/* Parse decimal text: optional sign, digits, optional '.' and digits,
         * optional exponent (e/E followed by a signed integer). Surrounding
         * whitespace is not accepted. More than LIQ_DEC_SCALE significant
         * fractional digits is LIQ_EPRECISION (input is never silently rounded),
         * except that trailing zeros beyond the scale are fine. */
LIQ_API liq_status liq_dec_parse(const char *s, size_t len, liq_dec *out);
LIQ_API liq_status liq_dec_from_str(const char *s, liq_dec *out); /* NUL-terminated */

/* Canonical text: no exponent, no trailing fractional zeros, no '.' when
         * integral, "-" only for negatives, "0" for zero. buf must hold
         * LIQ_DEC_STRLEN bytes. Returns the length written (excluding NUL). */
LIQ_API size_t liq_dec_format(liq_dec d, char *buf);

LIQ_API liq_status liq_dec_add(liq_dec a, liq_dec b, liq_dec *out);
LIQ_API liq_status liq_dec_sub(liq_dec a, liq_dec b, liq_dec *out);
/* a*b and a/b, rounded to LIQ_DEC_SCALE digits with mode. Intermediates
 * are 256-bit, so only a final result that does not fit overflows. */
LIQ_API liq_status liq_dec_mul(liq_dec a, liq_dec b, liq_round mode, liq_dec *out);
LIQ_API liq_status liq_dec_div(liq_dec a, liq_dec b, liq_round mode, liq_dec *out);
/* Round a to a multiple of step (a tick size or a precision such as
 * 0.01), step > 0. */
LIQ_API liq_status liq_dec_quantize(liq_dec a, liq_dec step, liq_round mode, liq_dec *out);

LIQ_API int liq_dec_cmp(liq_dec a, liq_dec b);  /* -1, 0, 1 */
LIQ_API int liq_dec_sign(liq_dec a);            /* -1, 0, 1 */
LIQ_API liq_dec liq_dec_neg(liq_dec a);         /* |raw| < 2^127 always, so exact */
LIQ_API liq_dec liq_dec_abs(liq_dec a);
LIQ_API liq_dec liq_dec_min(liq_dec a, liq_dec b);
LIQ_API liq_dec liq_dec_max(liq_dec a, liq_dec b);

/* ------------------------------------------------------------------ */
/* Diagnostics                                                          */
/* ------------------------------------------------------------------ */

typedef enum liq_severity { LIQ_SEV_ERROR = 0, LIQ_SEV_WARNING } liq_severity;

/* One message pointing at its cause. line and col are 1-based; 0 when
 * unknown. Printed by the CLI as "file:line:col: message". */
typedef struct liq_diag {
    liq_severity severity;
    liq_status code;
    char *file;   /* owned by the list */
    int line, col;
    char *msg;    /* owned by the list */
} liq_diag;

typedef struct liq_diags {
    liq_diag *items;
    size_t n, cap;
    size_t more, more_errors;  /* messages past LIQ_DIAGS_MAX (errors among
                                * them), counted by the last item */
} liq_diags;

/* A list keeps the first LIQ_DIAGS_MAX messages; further ones are only
 * counted, in one last item "N more messages not shown" (its severity
 * an error when any of them is), so a hostile input cannot flood the
 * terminal or memory (docs/limits.md). */
#define LIQ_DIAGS_MAX 100
#define LIQ_DIAGS_INIT {0, 0, 0, 0, 0}
/* Append a message; strings are copied. Returns false only when out of
 * memory (the message is then dropped). */
LIQ_API bool liq_diags_add(liq_diags *d, liq_severity sev, liq_status code,
                           const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* Messages of severity sev, those left out past the cap included. */
LIQ_API size_t liq_diags_count(const liq_diags *d, liq_severity sev);
LIQ_API void liq_diags_free(liq_diags *d);
/* One diagnostic as a line of text, as the CLI prints it (no newline):
 * "file:line:col: [warning: ]message", or file:line, or file, whichever
 * is known ("liqsim: message" when none is). Writes at most cap bytes
 * (snprintf's truncation) and returns the length the whole text needs. */
LIQ_API size_t liq_diag_text(const liq_diag *g, char *buf, size_t cap);

/* ------------------------------------------------------------------ */
/* Policies and scenarios                                               */
/* ------------------------------------------------------------------ */

typedef struct liq_policy liq_policy;     /* opaque */
typedef struct liq_scenario liq_scenario; /* opaque */

/* Load a policy file (YAML, plus the Lua file it names). Returns a
 * policy owned by the caller (release with liq_policy_free) or NULL with
 * at least one error in diags. Warnings (lint findings) may be added to
 * diags on success. A policy holds its own Lua state: use one policy
 * from one thread at a time; load it twice for two threads. */
LIQ_API liq_policy *liq_policy_load(const char *path, liq_diags *diags);
LIQ_API void liq_policy_free(liq_policy *p);
/* Strings owned by the policy, valid until liq_policy_free. */
LIQ_API const char *liq_policy_name(const liq_policy *p);
LIQ_API const char *liq_policy_venue(const liq_policy *p);
LIQ_API const char *liq_policy_path(const liq_policy *p);

/* Lint findings beyond load errors (unsourced sections, tiers that are
 * not monotone, cum chains that break the recurrence, ...), appended as
 * warnings. Returns the number of warnings added. */
LIQ_API size_t liq_policy_lint(const liq_policy *p, liq_diags *diags);

LIQ_API liq_scenario *liq_scenario_load(const char *path, liq_diags *diags);
/* The same from YAML text in memory; name stands for the path in messages
 * (a path_file is resolved relative to it). */
LIQ_API liq_scenario *liq_scenario_parse(const char *name, const char *yaml, size_t len,
                                         liq_diags *diags);
LIQ_API void liq_scenario_free(liq_scenario *s);
LIQ_API const char *liq_scenario_name(const liq_scenario *s);

/* ------------------------------------------------------------------ */
/* Evaluation and results                                               */
/* ------------------------------------------------------------------ */

typedef struct liq_result liq_result;  /* opaque */

typedef struct liq_eval_opts {
    bool explain;   /* record the trace: each number with its source */
    bool quiet;     /* numbers only: no events, warnings or trace (replay, bench) */
    const char *currency;  /* reporting currency (NULL: USD); docs/output.md, "reporting" */
} liq_eval_opts;

/* Evaluate one scenario under one policy. Returns a result owned by the
 * caller (liq_result_free) or NULL with errors in diags (hook failure,
 * overflow, a scenario the policy cannot express). The policy is not
 * const: its Lua state runs the hooks. */
LIQ_API liq_result *liq_eval(liq_policy *p, const liq_scenario *s,
                             const liq_eval_opts *opts, liq_diags *diags);
LIQ_API void liq_result_free(liq_result *r);
/* liq_eval for a caller that evaluates many scenarios in a row (a batch,
 * the bench): *r is NULL or a result of an earlier call, which is reused
 * when it can be (a single-position evaluation allocates nothing more)
 * and released when it cannot. The result's policy, venue, scenario and
 * settlement names point at p's and s's own strings instead of copies:
 * read them while p and s live. Returns LIQ_OK with *r the result, or
 * the status of the first error (in diags) with *r NULL. The caller
 * releases the last *r with liq_result_free. */
LIQ_API liq_status liq_eval_reuse(liq_policy *p, const liq_scenario *s,
                                  const liq_eval_opts *opts, liq_result **r, liq_diags *diags);
/* A row's status (CONTRACT.md, Rows): "ok", "not_listed", "not_offered"
 * or "error", a static string. A row that is not "ok" carries no
 * amounts; liq_result_reason says why in the user's terms (a string
 * owned by the result, NULL when ok). */
LIQ_API const char *liq_result_status(const liq_result *r);
LIQ_API const char *liq_result_reason(const liq_result *r);

/* One scenario under n policies, each evaluated on its own (CONTRACT.md,
 * Rows): fills out[0..n) with one row per policy, in order. A policy
 * whose evaluation fails gives an "error" row whose reason is its first
 * error as liq_diag_text spells it; the other rows are unaffected. Every
 * diagnostic (errors of failed rows, warnings) is appended to diags.
 * The rows are owned by the caller (liq_result_free each). Returns
 * LIQ_OK, or LIQ_ENOMEM with out cleared and nothing to free. */
LIQ_API liq_status liq_compare(liq_policy *const *ps, size_t n, const liq_scenario *s,
                               const liq_eval_opts *opts, liq_result **out, liq_diags *diags);

typedef enum liq_format {
    LIQ_FMT_TABLE = 0, LIQ_FMT_JSON, LIQ_FMT_CSV, LIQ_FMT_MD,
    LIQ_FMT_NDJSON,  /* one compact JSON object per line: a stream of rows */
    LIQ_FMT_HTML     /* one self-contained page: inline SVG charts, the JSON embedded */
} liq_format;
/* "table", "json", "csv", "md", "ndjson", "html"; false for any other name. */
LIQ_API bool liq_format_parse(const char *name, liq_format *out);

/* Render results (one or many, side by side for table/csv/md/html; a JSON
 * object for one when as_array is false, an array otherwise; the HTML
 * page embeds the array, docs/output.md). Returns a
 * NUL-terminated string owned by the caller (free()), or NULL on out of
 * memory. */
LIQ_API char *liq_results_render(liq_result *const *rs, size_t n, liq_format fmt,
                                 bool as_array);

/* The same with the table's terminal settings. width: fit the table in
 * this many columns by leaving out groups of columns in the order
 * docs/output.md gives (0: no limit, every column). color: ANSI colour
 * (the caller decides: a terminal, and NO_COLOR unset). */
typedef struct liq_render_opts {
    liq_format format;
    bool as_array;
    unsigned width;
    bool color;
} liq_render_opts;
LIQ_API char *liq_results_render_opts(liq_result *const *rs, size_t n, const liq_render_opts *o);

/* ------------------------------------------------------------------ */
/* Grids: one number over two axes (a sweep of leverage x shock)        */
/* ------------------------------------------------------------------ */

/* A grid of values the caller owns: ny rows (y, e.g. leverage) by nx
 * columns (x, e.g. a price shock). Cell (row j, column i) is
 * values[j * nx + i]; where present is given, a false cell has no value
 * (the venue would not offer that leverage, say) and is drawn as such.
 * Names and units are shown on the chart's axes and in the JSON. */
typedef struct liq_grid {
    const char *title;             /* "What the trader owes: binance-usdm" */
    const char *x_name, *x_unit;   /* "price shock", "%" */
    const char *y_name, *y_unit;   /* "leverage", "x" */
    const char *value_name, *value_unit;   /* "owed", "USDT" */
    size_t nx, ny;
    const liq_dec *xs, *ys, *values;
    const bool *present;           /* NULL: every cell has a value */
    const char *const *notes;      /* n_notes lines shown above the chart */
    size_t n_notes;
} liq_grid;

/* Render a grid: LIQ_FMT_HTML, a page with a heatmap, the table of
 * values and the grid's JSON embedded; LIQ_FMT_JSON, that JSON alone.
 * Other formats, or a grid with no cell: NULL. Same ownership as
 * liq_results_render. */
LIQ_API char *liq_grid_render(const liq_grid *g, liq_format fmt);

/* ------------------------------------------------------------------ */
/* Replay: a book of accounts through a mark path                       */
/* ------------------------------------------------------------------ */

typedef struct liq_book liq_book;   /* opaque: accounts and their positions */
typedef struct liq_path liq_path;   /* opaque: time, mark, optional slippage */

/* A book: NDJSON (one account per line:
 *   {"id":"a1","collateral":"1000","mode":"cross","positions":[
 *     {"side":"long","size":"0.2","entry_price":"50000","leverage":"10"}]})
 * or CSV with the header id,collateral,mode,side,size,entry_price,leverage
 * (columns by name, an optional market column; adjacent rows with the same
 * id are one account's positions). Chosen by the file name (.csv, else
 * NDJSON); path "-" reads standard input. Rules and limits:
 * docs/replay.md, docs/limits.md. Caller owns the result. */
LIQ_API liq_book *liq_book_load(const char *path, liq_diags *diags);
LIQ_API void liq_book_free(liq_book *b);
LIQ_API size_t liq_book_accounts(const liq_book *b);

/* A path: CSV time,mark[,oracle][,index][,last][,slippage][,depth][,funding][,collateral] (with
 * a header, columns by name; without, time,mark[,index,last]); the
 * policy's trigger.price column triggers, fills start from `last` (the
 * traded price) where the path has it; the optional slippage column is
 * the liquidation fill's slippage at that time. The
 * same reader reads a scenario's path_file. "-" reads standard input.
 * Caller owns the result. */
LIQ_API liq_path *liq_path_load(const char *path, liq_diags *diags);
LIQ_API void liq_path_free(liq_path *p);
LIQ_API size_t liq_path_ticks(const liq_path *p);

typedef struct liq_replay_opts {
    bool naive;              /* scan every account at every tick (for comparison) */
    bool check;              /* check conservation at every tick (costs a pass per tick) */
    bool has_fund;           /* fund overrides the policy's insurance fund balance */
    liq_dec fund;
    liq_dec slippage;        /* used where the path has no slippage column */
    const char *market;      /* the venue market the book trades (NULL: the policy's first) */
    /* Hours between the path's ticks, and the annual benchmark a tiered
     * interest adds its spread to (a policy's interest: accrues only with
     * tick_hours; docs/replay.md). */
    bool has_tick_hours, has_benchmark;
    liq_dec tick_hours, benchmark;
    /* Called with one NDJSON line (no newline) per event, in order. */
    void (*on_event)(void *ud, const char *line);
    /* Called with (tick, time, fund balance) whenever the fund changes. */
    void (*on_fund)(void *ud, size_t tick, const char *time, liq_dec balance);
    /* Called every ~1% of ticks. */
    void (*on_progress)(void *ud, size_t tick, size_t ticks);
    void *ud;
} liq_replay_opts;

typedef struct liq_replay_summary {
    /* The currency every amount below is in: the policy's
     * contract.settlement (the policy's string: valid while it lives). */
    const char *settlement;
    /* The market the replay walked (the policy's symbol for it; NULL for
     * a policy that lists no markets), valid while the policy lives. */
    const char *market;
    size_t accounts, ticks, liquidations, partials, adl_events, socialized_events, debtors;
    size_t refused;          /* accounts the venue would not have opened (not offered) */
    liq_dec loss_total, fees, deficit;
    liq_dec covered[6];      /* insurance_fund, adl, socialized, liquidity_pool, venue, trader_debt */
    bool fund_finite;
    liq_dec fund_start, fund_end, fund_min;
    liq_dec debt_total;
    size_t buckets[10];      /* liquidations per tenth of the path */
    double seconds_setup, seconds_walk;  /* wall time (reporting only, never in results) */
    size_t trigger_checks;   /* how many account-vs-mark comparisons the walk made */
    /* A path of several price columns (docs/replay.md, "Price columns"):
     * the column triggers read and the one fills start from (static
     * names: "mark", "oracle", "index", "last"); NULL for a path of one. */
    const char *trigger_column, *fill_column;
    char price_note[300];    /* which column stood for what, and why a policy's interest did
                              * not accrue; "" when nothing to say */
    /* A path with funding, or pricing a collateral asset: what the open
     * accounts paid in funding (net of what others received) and their
     * collateral's net change in value; apart from loss_total, which is
     * what liquidations realized. */
    bool has_funding, has_collateral;
    liq_dec funding_paid, collateral_revalued;
    /* Under a policy that charges interest on its margin loan, with the
     * path's time step given: what the open accounts paid the venue. */
    bool has_interest;
    liq_dec interest_paid;
    /* Under a policy that makes margin calls (trigger.margin_call_at):
     * the accounts called, each once (a margin_call event). */
    bool has_margin_calls;
    size_t margin_calls;
} liq_replay_summary;

/* Replay every account of book through path under policy. Returns LIQ_OK
 * with the summary filled, or an error in diags. Deterministic: the same
 * inputs give the same events, indexed or naive. */
LIQ_API liq_status liq_replay(liq_policy *p, const liq_book *b, const liq_path *path,
                              const liq_replay_opts *opts, liq_replay_summary *out, liq_diags *diags);

/* The summary as one JSON object (docs/replay.md: counts as numbers,
 * amounts as exact decimal strings), as `liqsim replay --format json`
 * prints it for each policy. Returns a NUL-terminated string owned by
 * the caller (free()), or NULL on out of memory. */
LIQ_API char *liq_replay_summary_json(const char *policy, const liq_replay_summary *s);

/* What each policy's replay did over time (the insurance fund's balance,
 * the liquidations) and its summary, kept to render one HTML page (and
 * the summaries' JSON it embeds, as `liqsim replay --format json` prints
 * it). Feed it from liq_replay's callbacks: for each policy, begin, run
 * liq_replay with on_event and on_fund passing their arguments to the
 * report's two functions below (ud = the report, or a caller's struct
 * that forwards), then end with the summary. */
typedef struct liq_replay_report liq_replay_report;   /* opaque */

/* A report on b through path; both must outlive it. The leading '#'
 * comment lines of their files (what the data is) are shown on the
 * page. Caller owns the result (liq_replay_report_free); NULL when out
 * of memory. */
LIQ_API liq_replay_report *liq_replay_report_new(const liq_book *b, const liq_path *path);
LIQ_API void liq_replay_report_free(liq_replay_report *r);
/* Starts policy p's run; false when out of memory. */
LIQ_API bool liq_replay_report_begin(liq_replay_report *r, const liq_policy *p);
/* on_event's and on_fund's arguments, report as ud. */
LIQ_API void liq_replay_report_event(void *report, const char *line);
LIQ_API void liq_replay_report_fund(void *report, size_t tick, const char *time, liq_dec balance);
/* Ends the run begun last with its summary; false when out of memory. */
LIQ_API bool liq_replay_report_end(liq_replay_report *r, const liq_replay_summary *s);
/* LIQ_FMT_JSON: the summaries, an array, as `liqsim replay --format
 * json` prints it; LIQ_FMT_HTML: the page (charts over time, the
 * summaries' JSON and the series embedded). NULL for another format or
 * out of memory; the caller frees the string. */
LIQ_API char *liq_replay_report_render(const liq_replay_report *r, liq_format fmt);

/* ------------------------------------------------------------------ */
/* Text in, text out: the API for other languages                      */
/* ------------------------------------------------------------------ */

/*
 * For callers that cannot pass liq_dec by value (a 128-bit integer that
 * neither ctypes nor cffi can declare): paths and JSON in, the JSON the
 * CLI prints with --format json out (docs/python.md). python/liqsim uses
 * these.
 *   policy, book, path: file paths (shipped names are the caller's to
 *     resolve); scenario: a path, or YAML text when it contains a newline
 *     (named "<scenario>" in messages).
 *   policies_json: a JSON array of policy paths, e.g. ["a.yaml","b.yaml"].
 *   opts_json: NULL, "" or a JSON object. eval and compare:
 *     {"explain": bool}; replay: {"slippage": "0.02", "insurance_fund":
 *     "250000", "tick_hours": "24", "benchmark_rate": "0.0532" (decimals
 *     in strings, each >= 0; as --tick-hours and --benchmark-rate),
 *     "naive", "check", "events" (each summary carries its event list),
 *     "fund_series" (and the fund's balance over time): bool}. An unknown
 *     key is an error.
 *   diags_json: when not NULL, receives a JSON array of every diagnostic
 *     ({severity, code, file, line, col, message, text}, text being the
 *     line the CLI prints) on success and on failure alike.
 * Each returns the answer, or NULL when a file does not load or the run
 * failed (the diagnostics say why). compare returns an "error" row for
 * a policy whose evaluation fails, as the CLI does; replay returns
 * nothing unless every policy ran. Every string returned (the answer and
 * *diags_json) is owned by the caller: release it with liq_free.
 */
LIQ_API char *liq_eval_json(const char *policy, const char *scenario, const char *opts_json,
                            char **diags_json);
LIQ_API char *liq_compare_json(const char *scenario, const char *policies_json,
                               const char *opts_json, char **diags_json);
LIQ_API char *liq_replay_json(const char *book, const char *path, const char *policies_json,
                              const char *opts_json, char **diags_json);
/* Release a string the library returned (free(); exported so that a
 * caller in another language frees with the library's allocator). */
LIQ_API void liq_free(void *p);

#ifdef __cplusplus
}
#endif
#endif /* LIQSIM_H */
