/* Allocation-free JSON validation (see jsonscan.c): checks an event payload at ingestion, and lets
 * the digest parse only the top-level members that grouping reads. */
#ifndef FAULTLINE_UTIL_JSONSCAN_H
#define FAULTLINE_UTIL_JSONSCAN_H

#include <stddef.h>

#include "util/buf.h"

#define JSONCHECK_MAX_DEPTH 2048   /* jansson's parser limit */

/* Validates that [data, data+n) is one JSON object jansson would accept. *event_id_state: 0 no
 * top-level "event_id"; 1 found, a plain string copied to event_id (cap bytes); 2 present but not
 * a short plain string (the caller decides). Returns 0, or -1 with a position in err. */
int jsoncheck_event(const char *data, size_t n, char *event_id, size_t cap, int *event_id_state, char *err);

/* Called for each member of every object: its depth (1 for the top-level object's members), the
 * raw key (between the quotes; has_escapes tells whether it contains backslash escapes) and the
 * raw bytes of its value. Return nonzero to stop the scan with an error. */
typedef int (*jsonscan_member_fn)(void *ctx, int depth, const char *key, size_t key_len, int has_escapes,
                                  const char *value, size_t value_len);
/* Validates like jsoncheck_event and reports every member. Returns 0, or -1 with err. */
int jsonscan_members(const char *data, size_t n, jsonscan_member_fn fn, void *ctx, char *err);

/* Parses [data, data+n) into a jansson object, accepting exactly what jansson's json_loadb(data, n,
 * 0) accepts and building an equal tree, several times faster. skip (may be NULL) is asked for
 * every member, with the same arguments as jsonscan_member_fn but before its value: nonzero keeps
 * the member with a null value (its bytes are still validated). Returns the object, or NULL with
 * err set. */
typedef struct json_t json_t;
typedef int (*jsonscan_skip_fn)(void *ctx, int depth, const char *key, size_t key_len, int has_escapes);
json_t *jsonscan_build(const char *data, size_t n, jsonscan_skip_fn skip, void *ctx, char *err);

#endif
