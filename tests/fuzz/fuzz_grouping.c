/* libFuzzer target: grouping on hostile events and hostile rules.
 *
 * Input: EVENT_JSON [ '\0' STACK_TRACE_RULES [ '\0' FINGERPRINT_RULES ] ]. The event goes through
 * grouping_compute with and without the info JSON and through both canonical texts; each rules text
 * through grouping_validate_rules, and, when valid, into the project config the event is grouped
 * with. Checks beyond "no crash, no sanitizer report": a computed result has 1..GROUPING_MAX_HASHES
 * 32-hex hashes, a title, a culprit, valid info JSON, and the same hashes whether or not the info
 * JSON is built, and the same hashes from the tree the digest builds (jsonscan_build into a
 * jsonarena, reset after each input: ASan catches any use of a node afterwards). */
#include "grouping/grouping.h"
#include "util/buf.h"
#include "util/jsonarena.h"
#include "util/jsonscan.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERR_CAP 1024 /* at least ERRMSG_SIZE */

static char *part(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *z = memchr(*p, 0, (size_t)(end - *p));
    const uint8_t *stop = z ? z : end;
    char *s = malloc((size_t)(stop - *p) + 1);
    if (!s)
        abort();
    memcpy(s, *p, (size_t)(stop - *p));
    s[stop - *p] = '\0';
    *p = z ? z + 1 : end;
    return s;
}

static void check_hashes(const struct grouping_result *r)
{
    if (r->n_hashes < 1 || r->n_hashes > GROUPING_MAX_HASHES || !r->title || !r->culprit)
        abort();
    for (int i = 0; i < r->n_hashes; i++) {
        if (strlen(r->hashes[i]) != GROUPING_HASH_LEN)
            abort();
        for (int k = 0; k < GROUPING_HASH_LEN; k++)
            if (!strchr("0123456789abcdef", r->hashes[i][k]))
                abort();
    }
}

static struct jsonarena arena;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    jsonarena_install();
    jsonarena_init(&arena);
    return 0;
}

/* The digest's way: the scanner builds the tree in the arena; hashes only. */
static void check_digest_tree(const uint8_t *data, size_t n, const struct grouping_config *base,
                              const struct grouping_result *want)
{
    char err[ERR_CAP];
    jsonarena_reset(&arena);
    jsonarena_begin(&arena);
    json_t *ev = jsonscan_build((const char *)data, n, 0, NULL, NULL, err);
    jsonarena_end();
    if (!ev)
        return; /* a top-level array, or jansson's NUL leniency (see fuzz_json) */
    struct grouping_config cfg = *base;
    cfg.skip_info = 1;
    struct grouping_result r;
    if (grouping_compute(ev, &cfg, &r, err) == 0) {
        if (!want || r.n_hashes != want->n_hashes ||
            memcmp(r.hashes, want->hashes, sizeof r.hashes[0] * (size_t)r.n_hashes))
            abort(); /* the digest's tree must group like jansson's */
        grouping_result_free(&r);
    }
    json_decref(ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    const uint8_t *z = memchr(data, 0, size);
    size_t event_len = z ? (size_t)(z - data) : size;
    p = z ? z + 1 : end;
    char *rules = p < end ? part(&p, end) : NULL;
    char *fp_rules = p < end ? part(&p, end) : NULL;
    char err[ERR_CAP];

    struct grouping_config cfg = {0};
    if (rules && grouping_validate_rules(GROUPING_RULES_ENHANCEMENTS, rules, err) == 0)
        cfg.enhancements = rules;
    if (fp_rules && grouping_validate_rules(GROUPING_RULES_FINGERPRINT, fp_rules, err) == 0)
        cfg.fingerprint_rules = fp_rules;

    json_error_t jerr;
    json_t *ev = json_loadb((const char *)data, event_len, 0, &jerr);
    if (ev) {
        struct grouping_result full, quick;
        int rc_full = grouping_compute(ev, &cfg, &full, err);
        cfg.skip_info = 1;
        int rc_quick = grouping_compute(ev, &cfg, &quick, err);
        cfg.skip_info = 0;
        if (rc_full == 0) {
            check_hashes(&full);
            json_t *info = full.info_json ? json_loads(full.info_json, 0, &jerr) : NULL;
            if (!info)
                abort(); /* the info JSON must be valid JSON */
            json_decref(info);
        }
        if (json_is_object(ev))
            check_digest_tree(data, event_len, &cfg, rc_quick == 0 ? &quick : NULL);
        if (rc_quick == 0) {
            check_hashes(&quick);
            if (rc_full == 0 && (full.n_hashes != quick.n_hashes ||
                                 memcmp(full.hashes, quick.hashes, sizeof full.hashes[0] * (size_t)full.n_hashes)))
                abort(); /* hashes must not depend on whether the info is built */
        }
        if (rc_full == 0)
            grouping_result_free(&full);
        if (rc_quick == 0)
            grouping_result_free(&quick);
        for (int v = GROUPING_TEXT_SEER; v <= GROUPING_TEXT_CRASH_FIRST; v++) {
            struct buf b = BUF_INIT;
            grouping_canonical_text(ev, &cfg, v, &b, err);
            buf_free(&b);
        }
        json_decref(ev);
    }
    free(rules);
    free(fp_rules);
    return 0;
}
