/* Allocation-free JSON validation (see jsonscan.c): checks an event payload at ingestion; and a
 * fast builder of jansson trees on the same scanner, for the digest and envelope headers. */
#ifndef FAULTLINE_UTIL_JSONSCAN_H
#define FAULTLINE_UTIL_JSONSCAN_H

#include <stddef.h>

#include "util/buf.h"

#define JSONCHECK_MAX_DEPTH 2048   /* jansson's parser limit */

/* Validates that [data, data+n) is one JSON object jansson would accept. *event_id_state: 0 no
 * top-level "event_id"; 1 found, a plain string copied to event_id (cap bytes); 2 present but not
 * a short plain string (the caller decides). Returns 0, or -1 with a position in err. */
int jsoncheck_event(const char *data, size_t n, char *event_id, size_t cap, int *event_id_state, char *err);

/* Parses [data, data+n) into a jansson object, accepting exactly what jansson's json_loadb(data, n,
 * flags) accepts and building an equal tree, several times faster. One exception, here and in
 * jsoncheck_event: jansson 2.14 lets a NUL byte directly after a number or true/false/null pass
 * ({"a":1<NUL>}); RFC 8259 refuses it, and so do these (found by tests/fuzz/fuzz_json.c).
 * skip (may be NULL) is asked for every member before its value is read: the member's depth (1
 * for the top-level object's members), its raw key (between the quotes; has_escapes tells whether
 * it has backslash escapes). Nonzero keeps the member with a null value (its bytes are still
 * validated). Returns the object, or NULL with
 * err set ("invalid event JSON: ...", or "invalid JSON: ..." with JSONSCAN_PLAIN_ERRORS). */
#define JSONSCAN_REJECT_DUPLICATES 1   /* as jansson's JSON_REJECT_DUPLICATES */
#define JSONSCAN_PLAIN_ERRORS      2
typedef struct json_t json_t;
typedef int (*jsonscan_skip_fn)(void *ctx, int depth, const char *key, size_t key_len, int has_escapes);
json_t *jsonscan_build(const char *data, size_t n, int flags, jsonscan_skip_fn skip, void *ctx, char *err);

#endif
