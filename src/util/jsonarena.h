/* Jansson trees built in a bump arena: the digest parses one event at a time, and with malloc its
 * nodes come from whatever the previous event freed, scattered, in reverse order; from an arena
 * they lie side by side in the order the parser made them (and grouping reads them in that order),
 * and the whole tree goes at once. Measured on the digest's loop (18 paired runs): the parse
 * 15-58% and grouping 0-46% less time (docs/grouping.md §9).
 *
 * jsonarena_install() gives jansson allocation functions that take memory from the calling
 * thread's active arena, if any, else from malloc; a pointer is recognised as an arena's by its
 * address (all arenas are slices of one reserved region), so nodes from both sources can mix in a
 * tree and json_decref stays correct. Without jsonarena_install() the arenas are simply unused. */
#ifndef FAULTLINE_UTIL_JSONARENA_H
#define FAULTLINE_UTIL_JSONARENA_H

#include <stddef.h>

struct jsonarena {
    char  *base;      /* NULL: no arena (jansson allocates from malloc) */
    size_t used, cap;
};

/* Call once at program start, before other threads use jansson. Idempotent. 0, or -1 when the
 * address space could not be reserved (everything then comes from malloc). */
int  jsonarena_install(void);

/* Takes a slice of the reserved region for a (a->base stays NULL when none is left or jsonarena_install
 * was not called: the arena is then unused). */
void jsonarena_init(struct jsonarena *a);
void jsonarena_destroy(struct jsonarena *a);   /* gives the slice's memory back to the system */

/* Between begin and end, this thread's jansson allocations come from a while they fit. */
void jsonarena_begin(struct jsonarena *a);
void jsonarena_end(void);

/* Reuses a from the start: only when no tree built in it is referenced any more. */
void jsonarena_reset(struct jsonarena *a);

#endif
