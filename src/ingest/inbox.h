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

/* One request's entries on their way to a commit. The submitter owns the job and its entries;
 * they must stay valid until done() is called. done() runs on the committer thread (or on the
 * submitting thread when the inbox is shutting down), with rc 0 or -1 and err set; it must be
 * quick, since the next commit waits for it. */
struct inbox_job {
    const struct inbox_entry *entries;
    int                       n;
    void                    (*done)(struct inbox_job *job);
    int                       rc;
    char                      err[ERRMSG_SIZE];
    struct inbox_job         *next;     /* the committer's queue */
};

struct inbox;
int  inbox_start(const char *data_dir, struct pipeline_stats *stats, struct inbox **out, char *err);
/* Queues the job for the next commit; never blocks on the disk. */
void inbox_submit(struct inbox *ib, struct inbox_job *job);
/* Commits what is queued, then stops. */
void inbox_stop(struct inbox *ib);

#endif
