/* Internal to src/ingest: the group-committing inbox writer. */
#ifndef FAULTLINE_INGEST_INBOX_H
#define FAULTLINE_INGEST_INBOX_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/stats.h"

struct inbox_entry {
    int64_t     project_id;
    const char *item_type;      /* non-NULL: count `count` items of this type, no payload */
    int64_t     count;
    const char *event_id;
    double      received;
    const void *payload;        /* zstd-compressed event JSON */
    size_t      payload_len;
};

struct inbox;
int  inbox_start(const char *data_dir, struct pipeline_stats *stats, struct inbox **out, char *err);
/* Blocks until the entries are committed. Returns 0, or -1 with err. */
int  inbox_push(struct inbox *ib, const struct inbox_entry *entries, int n, char *err);
void inbox_stop(struct inbox *ib);

#endif
