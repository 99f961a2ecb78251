/*
 * runner_merge.c — `liqsim merge`: the outputs of a run's shards
 * (runner.h) as the one unsharded run would have written them.
 *
 * Owns the rules that make the merge exact: every shard K/N of the same
 * run once, each file's case lines in increasing case order, no case in
 * two files; case lines are interleaved back by case id with the shard
 * written as "1/1", and the summaries are combined through the runner's
 * own accumulators and written by its own summary writer. Reading the
 * files is streaming (one line of each at a time): a shard's output can be
 * larger than memory.
 */
#include "runner.h"
#include "mem.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct mfile {
    const char *name;
    FILE *f;
    char *line;
    size_t cap;
    ssize_t len;
    long lineno;
    bool has_case;              /* line holds a case line */
    bool any, at_summary;       /* a case line seen; the summary line passed */
    uint64_t id, last;
    char shard[48];             /* the shard its case lines carry */
    size_t shard_at, shard_len; /* the shard's text inside line */
    json_t *summary;
} mfile;

static bool fail(liq_diags *d, const mfile *m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail(liq_diags *d, const mfile *m, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EINPUT, m ? m->name : NULL, m ? (int)m->lineno : 0,
                  0, "%s", msg);
    return false;
}

/* The next line of f into *buf (grown with the engine's allocator),
 * without its newline; its length, or -1 at the end (or on a read error,
 * or out of memory: *oom). */
static ssize_t read_line(FILE *f, char **buf, size_t *cap, bool *oom)
{
    size_t n = 0;
    int c;
    while ((c = getc_unlocked(f)) != EOF) {
        if (n + 2 > *cap) {
            size_t nc = *cap ? *cap * 2 : 4096;
            char *b = mem_realloc(*buf, nc);
            if (!b) {
                *oom = true;
                return -1;
            }
            *buf = b;
            *cap = nc;
        }
        (*buf)[n++] = (char)c;
        if (c == '\n')
            break;
    }
    if (n == 0)
        return -1;
    (*buf)[n] = 0;
    return (ssize_t)n;
}

/* {"case":ID,"shard":"K/N",...: the id and where the shard's text is. */
static bool parse_prefix(mfile *m)
{
    static const char a[] = "{\"case\":", b[] = ",\"shard\":\"";
    const char *s = m->line;
    if (strncmp(s, a, sizeof a - 1) != 0)
        return false;
    s += sizeof a - 1;
    if (*s < '0' || *s > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long id = strtoull(s, &end, 10);
    if (errno || strncmp(end, b, sizeof b - 1) != 0)
        return false;
    const char *sh = end + sizeof b - 1, *q = strchr(sh, '"');
    if (!q)
        return false;
    m->id = id;
    m->shard_at = (size_t)(sh - m->line);
    m->shard_len = (size_t)(q - sh);
    return true;
}

/* The file's next case line (has_case), or its end. The first pass
 * (m->summary still NULL at the end) reads the summary line; the second
 * stops at it. False with the reason in d. */
static bool advance(mfile *m, liq_diags *d)
{
    m->has_case = false;
    for (;;) {
        bool oom = false;
        m->len = read_line(m->f, &m->line, &m->cap, &oom);
        if (m->len < 0) {
            if (oom)
                return mem_error(d, m->name, (int)m->lineno + 1, 0);
            if (ferror(m->f))
                return fail(d, m, "cannot read: %s", strerror(errno));
            if (!m->summary)
                return fail(d, m, "%s", "no summary line at the end (was the shard's run cut short?)");
            return true;
        }
        m->lineno++;
        while (m->len > 0 && (m->line[m->len - 1] == '\n' || m->line[m->len - 1] == '\r'))
            m->line[--m->len] = 0;
        if (m->len == 0)
            continue;
        if (m->at_summary)
            return fail(d, m, "%s", "a line after the summary line (the summary ends a shard's output)");
        if (parse_prefix(m)) {
            if (m->any && m->id < m->last)
                return fail(d, m, "%s", "cases out of order (a shard writes them in increasing order)");
            /* Each line's shard is its file's, and owns the line's case
             * (id % N == K - 1): no case can then be in two files. */
            char sh[48];
            uint64_t k, nn;
            snprintf(sh, sizeof sh, "%.*s", (int)(m->shard_len < 47 ? m->shard_len : 47),
                     m->line + m->shard_at);
            if (!run_shard_parse(sh, &k, &nn) || m->id % nn != k - 1 ||
                (m->any && strcmp(sh, m->shard) != 0))
                return fail(d, m, "a case line of shard \"%s\" that is not its file's, or a case "
                                  "that shard does not own", sh);
            snprintf(m->shard, sizeof m->shard, "%s", sh);
            m->any = true;
            m->last = m->id;
            m->has_case = true;
            return true;
        }
        if (m->summary) {
            /* The second pass: the summary, read already, ends the cases. */
            m->at_summary = true;
            continue;
        }
        json_error_t je;
        json_t *j = json_loadb(m->line, (size_t)m->len, 0, &je);
        if (!j || !json_is_object(json_object_get(j, "summary"))) {
            json_decref(j);
            return fail(d, m, "%s",
                        "expected a case line ({\"case\":N,\"shard\":\"K/N\",...}) or the summary "
                        "line of a liqsim run");
        }
        m->summary = j;
        m->at_summary = true;
    }
}

/* Back to the first line for the second pass; false (with the reason)
 * when the file cannot be read again (a pipe). */
static bool rewind_file(mfile *m, liq_diags *d)
{
    if (fseek(m->f, 0, SEEK_SET) != 0)
        return fail(d, m, "cannot read the file a second time (%s): merge reads files, not pipes",
                    strerror(errno));
    m->lineno = 0;
    m->any = m->at_summary = m->has_case = false;
    return true;
}

/* The accumulators of one summary, combined into r (declared from the
 * first summary; the others must declare the same). */
static bool add_summary(run *r, bool first, const mfile *m, liq_diags *d)
{
    json_t *sum = json_object_get(m->summary, "summary");
    json_t *accs = json_object_get(sum, "acc");
    json_t *cases = json_object_get(sum, "cases");
    if (!json_is_array(accs) || !json_is_integer(cases))
        return fail(d, m, "%s", "the summary has no \"cases\" count or \"acc\" list");
    size_t i;
    json_t *a;
    json_array_foreach(accs, i, a) {
        const char *g = json_string_value(json_object_get(a, "group"));
        const char *nm = json_string_value(json_object_get(a, "name"));
        const char *k = json_string_value(json_object_get(a, "kind"));
        run_acc_kind kind;
        if (!g || !nm || !k)
            return fail(d, m, "%s", "a summary accumulator without group, name or kind");
        if (strcmp(k, "count") == 0)
            kind = RUN_COUNT;
        else if (strcmp(k, "sum") == 0)
            kind = RUN_SUM;
        else if (strcmp(k, "min") == 0)
            kind = RUN_MIN;
        else if (strcmp(k, "max") == 0)
            kind = RUN_MAX;
        else
            return fail(d, m, "unknown accumulator kind \"%s\"", k);
        if (first && run_acc_declare(r, g, nm, kind) < 0)
            return mem_error(d, m->name, 0, 0);
    }
    json_array_foreach(accs, i, a) {
        const char *g = json_string_value(json_object_get(a, "group"));
        const char *nm = json_string_value(json_object_get(a, "name"));
        const char *k = json_string_value(json_object_get(a, "kind"));
        run_acc_kind kind = strcmp(k, "count") == 0 ? RUN_COUNT
                            : strcmp(k, "sum") == 0 ? RUN_SUM
                            : strcmp(k, "min") == 0 ? RUN_MIN : RUN_MAX;
        json_t *v = json_object_get(a, "value"), *at = json_object_get(a, "case");
        const char *label = json_string_value(json_object_get(a, "scenario"));
        liq_dec x = LIQ_DEC_ZERO;
        bool has = !json_is_null(v);
        uint64_t count = 0;
        if (kind == RUN_COUNT) {
            if (!json_is_integer(v) || json_integer_value(v) < 0)
                return fail(d, m, "%s", "a count that is not a whole number");
            count = (uint64_t)json_integer_value(v);
            has = false;
        } else if (has && (!json_is_string(v) ||
                           liq_dec_from_str(json_string_value(v), &x) != LIQ_OK)) {
            return fail(d, m, "%s", "an amount that is not an exact decimal string");
        }
        if (!run_merge_acc(r, i, g, nm, kind, count, has, x,
                           json_is_integer(at) ? (uint64_t)json_integer_value(at) : 0, label)) {
            char what[200];
            snprintf(what, sizeof what, "%s %s", g, nm);
            return fail(d, m, "the summary's accumulator \"%s\" differs from the first shard's "
                              "(not the same run?)", what);
        }
    }
    if (i != run_acc_count(r))
        return fail(d, m, "%s", "the summary has another number of accumulators than the first shard's");
    run_merge_cases(r, (uint64_t)json_integer_value(cases));
    return true;
}

liq_status run_merge(const char *const *paths, size_t n, void (*write)(void *, const char *, size_t),
                     void *ud, char **summary, liq_diags *d)
{
    *summary = NULL;
    mfile *ms = mem_calloc(n ? n : 1, sizeof *ms);
    if (!ms) {
        mem_error(d, NULL, 0, 0);
        return LIQ_ENOMEM;
    }
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        ms[i].name = paths[i];
        ms[i].f = fopen(paths[i], "r");
        if (!ms[i].f) {
            liq_diags_add(d, LIQ_SEV_ERROR, LIQ_EIO, paths[i], 0, 0, "cannot open: %s",
                          strerror(errno));
            ok = false;
        }
    }
    /* Every file's first case line, and check the summaries before
     * anything is written: the summary is at each file's end, so the
     * files are read once to check, once to merge. */
    for (size_t i = 0; ok && i < n; i++) {
        do
            ok = advance(&ms[i], d);
        while (ok && ms[i].has_case);
    }
    run *r = NULL;
    uint64_t shard_n = 0;
    bool *seen = NULL;
    char *run0 = NULL;
    if (ok) {
        /* The run and the shards. */
        for (size_t i = 0; ok && i < n; i++) {
            const char *sh = json_string_value(json_object_get(ms[i].summary, "shard"));
            uint64_t k, nn;
            if (!sh || !run_shard_parse(sh, &k, &nn)) {
                ok = fail(d, &ms[i], "%s", "the summary's \"shard\" is not K/N");
                break;
            }
            if (ms[i].any && strcmp(ms[i].shard, sh) != 0) {
                ok = fail(d, &ms[i], "the case lines are of shard %s, the summary of another", ms[i].shard);
                break;
            }
            char *rj = json_dumps(json_object_get(ms[i].summary, "run"), JSON_COMPACT);
            if (i == 0) {
                shard_n = nn;
                run0 = rj;
                seen = mem_calloc(nn, sizeof *seen);
                if (!seen || !run0)
                    ok = mem_error(d, NULL, 0, 0);
            } else {
                if (nn != shard_n)
                    ok = fail(d, &ms[i], "a shard of %s shards, but the first file's is of another "
                                         "count", sh);
                else if (!rj || strcmp(rj, run0) != 0)
                    ok = fail(d, &ms[i], "%s", "a shard of another run (its \"run\" differs from "
                                               "the first file's: other policies, input or seed)");
                free(rj);
            }
            if (ok && seen[k - 1])
                ok = fail(d, &ms[i], "shard %s given twice", sh);
            if (ok)
                seen[k - 1] = true;
        }
        for (uint64_t k = 0; ok && k < shard_n; k++)
            if (!seen[k]) {
                char sh[48];
                snprintf(sh, sizeof sh, "%" PRIu64 "/%" PRIu64, k + 1, shard_n);
                ok = fail(d, NULL, "shard %s is missing: merge takes every shard of a run", sh);
            }
    }
    if (ok) {
        run_spec spec = {.run_json = run0};
        run_opts o = {.jobs = 1};
        r = run_new(&spec, &o);
        if (!r)
            ok = mem_error(d, NULL, 0, 0);
        for (size_t i = 0; ok && i < n; i++)
            ok = add_summary(r, i == 0, &ms[i], d);
    }
    if (ok) {
        bool overflow;
        *summary = run_summary_json(r, &overflow);
        if (!*summary)
            ok = overflow ? fail(d, NULL, "%s", "a summed amount overflows when the shards are "
                                                "added up")
                          : mem_error(d, NULL, 0, 0);
    }
    for (size_t i = 0; ok && i < n; i++)
        ok = rewind_file(&ms[i], d) && advance(&ms[i], d);
    /* Merge the case lines: the smallest id first. */
    while (ok) {
        size_t best = n;
        for (size_t i = 0; i < n; i++)
            if (ms[i].has_case && (best == n || ms[i].id < ms[best].id))
                best = i;
        if (best == n)
            break;
        for (size_t i = 0; i < n; i++)
            if (i != best && ms[i].has_case && ms[i].id == ms[best].id) {
                char id[24];
                snprintf(id, sizeof id, "%" PRIu64, ms[i].id);
                ok = fail(d, &ms[i], "case %s is in two files", id);
            }
        if (!ok)
            break;
        mfile *m = &ms[best];
        write(ud, m->line, m->shard_at);
        write(ud, "1/1", 3);
        write(ud, m->line + m->shard_at + m->shard_len,
              (size_t)m->len - m->shard_at - m->shard_len);
        write(ud, "\n", 1);
        ok = advance(m, d);
    }
    for (size_t i = 0; i < n; i++) {
        if (ms[i].f)
            fclose(ms[i].f);
        free(ms[i].line);
        json_decref(ms[i].summary);
    }
    free(ms);
    free(seen);
    free(run0);
    run_free(r);
    if (!ok) {
        free(*summary);
        *summary = NULL;
        return d->n && d->items[0].code == LIQ_ENOMEM ? LIQ_ENOMEM : LIQ_EINPUT;
    }
    return LIQ_OK;
}
