/* Grouping: from a Sentry event to the hashes (fingerprints) that decide its issue.
 *
 * The digest worker calls grouping_compute() once per event. The result lists the event's hashes
 * in lookup order: the event joins the issue of the first hash that already has one; otherwise a
 * new issue is created and every hash is attached to it. This interface is stable: the
 * fingerprint strategy behind it (Sentry's newstyle:2023-01-11 config) may change without the
 * digest changing. */
#ifndef FAULTLINE_GROUPING_H
#define FAULTLINE_GROUPING_H

#include <jansson.h>

#define GROUPING_HASH_LEN 32      /* lowercase hex MD5 */
#define GROUPING_MAX_HASHES 8

/* Per-project grouping configuration (text as the user set it through the API; NULL = none). */
struct grouping_config {
    const char *enhancements;       /* stack trace rules */
    const char *fingerprint_rules;  /* server-side fingerprint rules */
    int skip_info;                  /* added: 1 = leave grouping_result.info_json NULL (hashes, title,
                                       culprit only); the info can be recomputed later from the stored
                                       event with the same config, since hashes are deterministic */
};

struct grouping_result {
    int  n_hashes;
    char hashes[GROUPING_MAX_HASHES][GROUPING_HASH_LEN + 1];
    char *title;       /* "Type: value" of the newest exception, else the message; malloc'd */
    char *culprit;     /* the crashing in-app frame ("module in function"), malloc'd, may be "" */
    char level[16];    /* fatal, error, warning, info, debug */
    char platform[32];
    char *info_json;   /* grouping info: variants, hashes, component tree with reasons; malloc'd */
};

/* Compute hashes, title, culprit and grouping info for one event.
 * Returns 0 on success, negative with err (ERRMSG_SIZE bytes) filled on failure. Never crashes on
 * hostile shapes: wrong types and missing fields degrade to a message/fallback hash. */
int  grouping_compute(const json_t *event, const struct grouping_config *cfg,
                      struct grouping_result *out, char *err);
void grouping_result_free(struct grouping_result *r);

/* Validate a rules text before it is stored for a project. kind is one of the constants below.
 * Returns 0 if valid, else negative with a line-precise message in err. */
enum { GROUPING_RULES_ENHANCEMENTS = 1, GROUPING_RULES_FINGERPRINT = 2 };
int  grouping_validate_rules(int kind, const char *text, char *err);

/* Canonical text of the event's stack trace for similarity grouping (issue 6), built from the
 * same normalised component tree as the hashes (project rules in cfg apply).
 *   GROUPING_TEXT_SEER: Sentry's get_stacktrace_string: app variant if it has a hash, else system;
 *     newest exception first, "Type: value" header per exception, then per contributing frame
 *     '  File "<filename or module>", function <function>' and the context line, oldest to newest;
 *     at most GROUPING_TEXT_MAX_FRAMES frames (the newest) and GROUPING_TEXT_MAX_EXCEPTIONS
 *     exceptions; 20 frames when every context line is minified ("{snip}").
 *   GROUPING_TEXT_CRASH_FIRST: what identifies the bug first: the root cause exception (oldest in
 *     the chain) first, each "Type: value" followed by its frames newest (crash site) first, from
 *     the system variant (library crash sites count), same caps.
 * Appends to out (struct buf from util/buf.h). Returns 0, or negative with err filled. An event with
 * nothing to show yields an empty text (still 0). */
struct buf;
enum { GROUPING_TEXT_SEER = 0, GROUPING_TEXT_CRASH_FIRST = 1 };
#define GROUPING_TEXT_MAX_FRAMES 30
#define GROUPING_TEXT_MAX_EXCEPTIONS 30
int  grouping_canonical_text(const json_t *event, const struct grouping_config *cfg, int variant,
                             struct buf *out, char *err);

#endif
