/* Group commit into the durable inbox.
 *
 * Requests queue their entries as jobs and go on serving other connections; one committer thread
 * takes everything queued, writes it in a single SQLite transaction (synchronous=FULL), then calls
 * each job back. So a 200 always follows a commit, and concurrent requests share one fsync. */
#include "ingest/inbox.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "store/store.h"

struct inbox {
    struct store          *store;
    struct pipeline_stats *stats;
    pthread_t              thread;
    pthread_mutex_t        lock;
    pthread_cond_t         wake;      /* committer waits for work */
    struct inbox_job      *head, *tail;
    int                    stopping;
};

/* Each event arrives holding an inbox slot (stats->pending); a job that is not committed gives
 * its events' slots back. */
static void release_slots(struct inbox *ib, const struct inbox_job *job)
{
    for (int i = 0; i < job->n; i++)
        if (!job->entries[i].item_type)
            atomic_fetch_sub(&ib->stats->pending, 1);
}

static void commit_batch(struct inbox *ib, struct inbox_job *batch)
{
    char err[ERRMSG_SIZE] = "";
    int rc = store_inbox_begin(ib->store, err);
    int64_t inserted = 0;
    for (struct inbox_job *r = batch; rc == 0 && r; r = r->next) {
        for (int i = 0; rc == 0 && i < r->n; i++) {
            const struct inbox_entry *e = &r->entries[i];
            if (e->item_type) {
                rc = store_item_count_add(ib->store, e->project_id, e->item_type, e->count, err);
            } else {
                rc = store_inbox_insert(ib->store, e->project_id, e->event_id, e->received, e->payload,
                                        e->payload_len, err);
                inserted++;
            }
        }
    }
    if (rc == 0)
        rc = store_inbox_commit(ib->store, err);
    /* Committed events keep their inbox slots until the digest consumes them. */
    if (rc < 0) {
        store_inbox_rollback(ib->store);
        for (struct inbox_job *r = batch; r; r = r->next)
            release_slots(ib, r);
    } else {
        atomic_fetch_add(&ib->stats->accepted, inserted);
    }
    /* done() may free the job (the caller owns it), so read next first. */
    for (struct inbox_job *r = batch, *next; r; r = next) {
        next = r->next;
        r->rc = rc;
        if (rc < 0)
            memcpy(r->err, err, sizeof err);
        r->done(r);
    }
}

static void *committer(void *arg)
{
    struct inbox *ib = arg;
    prctl(PR_SET_NAME, "fl-inbox");   /* shows in top -H and perf */
    pthread_mutex_lock(&ib->lock);
    for (;;) {
        while (!ib->head && !ib->stopping)
            pthread_cond_wait(&ib->wake, &ib->lock);
        if (!ib->head && ib->stopping)
            break;
        struct inbox_job *batch = ib->head;
        ib->head = ib->tail = NULL;
        pthread_mutex_unlock(&ib->lock);
        commit_batch(ib, batch);
        pthread_mutex_lock(&ib->lock);
    }
    pthread_mutex_unlock(&ib->lock);
    return NULL;
}

int inbox_start(const char *data_dir, struct pipeline_stats *stats, struct inbox **out, char *err)
{
    struct inbox *ib = calloc(1, sizeof *ib);
    if (!ib) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    if (store_open(data_dir, &ib->store, err) < 0) {
        free(ib);
        return -1;
    }
    ib->stats = stats;
    atomic_store(&stats->pending, store_inbox_count(ib->store));
    pthread_mutex_init(&ib->lock, NULL);
    pthread_cond_init(&ib->wake, NULL);
    if (pthread_create(&ib->thread, NULL, committer, ib) != 0) {
        store_close(ib->store);
        free(ib);
        errmsg_set(err, "cannot start the inbox thread");
        return -1;
    }
    *out = ib;
    return 0;
}

void inbox_submit(struct inbox *ib, struct inbox_job *job)
{
    job->next = NULL;
    pthread_mutex_lock(&ib->lock);
    if (ib->stopping) {
        pthread_mutex_unlock(&ib->lock);
        release_slots(ib, job);
        job->rc = -1;
        errmsg_set(job->err, "server is shutting down");
        job->done(job);
        return;
    }
    if (ib->tail)
        ib->tail->next = job;
    else
        ib->head = job;
    ib->tail = job;
    pthread_cond_signal(&ib->wake);
    pthread_mutex_unlock(&ib->lock);
}

void inbox_stop(struct inbox *ib)
{
    if (!ib)
        return;
    pthread_mutex_lock(&ib->lock);
    ib->stopping = 1;
    pthread_cond_signal(&ib->wake);
    pthread_mutex_unlock(&ib->lock);
    pthread_join(ib->thread, NULL);
    store_close(ib->store);
    pthread_mutex_destroy(&ib->lock);
    pthread_cond_destroy(&ib->wake);
    free(ib);
}
