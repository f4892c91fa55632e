/* Internal to src/ingest: allocation-free validation of an event payload (see jsoncheck.c). */
#ifndef FAULTLINE_INGEST_JSONCHECK_H
#define FAULTLINE_INGEST_JSONCHECK_H

#include <stddef.h>

#include "util/buf.h"

#define JSONCHECK_MAX_DEPTH 2048   /* jansson's parser limit */

/* Validates that [data, data+n) is one JSON object jansson would accept. *event_id_state: 0 no
 * top-level "event_id"; 1 found, a plain string copied to event_id (cap bytes); 2 present but not
 * a short plain string (the caller decides). Returns 0, or -1 with a position in err. */
int jsoncheck_event(const char *data, size_t n, char *event_id, size_t cap, int *event_id_state, char *err);

#endif
