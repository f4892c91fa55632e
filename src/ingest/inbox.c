/* Group commit into the durable inbox.
 *
 * Request threads queue their entries and sleep; one committer thread takes everything queued,
 * writes it in a single SQLite transaction (synchronous=FULL), then wakes the requests. So a 200
 * always follows a commit, and concurrent requests share the cost of one fsync. */
#include "ingest/inbox.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

struct inbox_req {
    const struct inbox_entry *entries;
    int                       n;
    int                       done;
    pthread_cond_t            wake;   /* its own: a commit wakes only the requests it committed */
    int                       rc;
    char                      err[ERRMSG_SIZE];
    struct inbox_req         *next;
};

struct inbox {
    struct store          *store;
    struct pipeline_stats *stats;
    pthread_t              thread;
    pthread_mutex_t        lock;
    pthread_cond_t         wake;      /* committer waits for work */
    struct inbox_req      *head, *tail;
    int                    stopping;
};

static void commit_batch(struct inbox *ib, struct inbox_req *batch)
{
    char err[ERRMSG_SIZE] = "";
    int rc = store_inbox_begin(ib->store, err);
    int64_t inserted = 0, dups = 0;
    for (struct inbox_req *r = batch; rc == 0 && r; r = r->next) {
        for (int i = 0; rc == 0 && i < r->n; i++) {
            const struct inbox_entry *e = &r->entries[i];
            if (e->item_type) {
                rc = store_item_count_add(ib->store, e->project_id, e->item_type, e->count, err);
            } else {
                int ins = store_inbox_insert(ib->store, e->project_id, e->event_id, e->received,
                                             e->payload, e->payload_len, err);
                if (ins < 0)
                    rc = -1;
                else if (ins)
                    inserted++;
                else
                    dups++;
            }
        }
    }
    if (rc == 0)
        rc = store_inbox_commit(ib->store, err);
    /* Each event arrived holding an inbox slot (stats->pending): inserted ones keep it until the
     * digest consumes them; duplicates and failed commits give it back. */
    if (rc < 0) {
        store_inbox_rollback(ib->store);
        for (struct inbox_req *r = batch; r; r = r->next)
            for (int i = 0; i < r->n; i++)
                if (!r->entries[i].item_type)
                    atomic_fetch_sub(&ib->stats->pending, 1);
    } else {
        atomic_fetch_add(&ib->stats->accepted, inserted);
        atomic_fetch_sub(&ib->stats->pending, dups);
        atomic_fetch_add(&ib->stats->duplicates, dups);
    }
    pthread_mutex_lock(&ib->lock);
    for (struct inbox_req *r = batch; r; r = r->next) {
        r->rc = rc;
        if (rc < 0)
            memcpy(r->err, err, sizeof err);
        r->done = 1;
        pthread_cond_signal(&r->wake);
    }
    pthread_mutex_unlock(&ib->lock);
}

static void *committer(void *arg)
{
    struct inbox *ib = arg;
    pthread_mutex_lock(&ib->lock);
    for (;;) {
        while (!ib->head && !ib->stopping)
            pthread_cond_wait(&ib->wake, &ib->lock);
        if (!ib->head && ib->stopping)
            break;
        struct inbox_req *batch = ib->head;
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

int inbox_push(struct inbox *ib, const struct inbox_entry *entries, int n, char *err)
{
    struct inbox_req req = {.entries = entries, .n = n};
    pthread_cond_init(&req.wake, NULL);
    pthread_mutex_lock(&ib->lock);
    if (ib->stopping) {
        pthread_mutex_unlock(&ib->lock);
        pthread_cond_destroy(&req.wake);
        errmsg_set(err, "server is shutting down");
        return -1;
    }
    if (ib->tail)
        ib->tail->next = &req;
    else
        ib->head = &req;
    ib->tail = &req;
    pthread_cond_signal(&ib->wake);
    while (!req.done)
        pthread_cond_wait(&req.wake, &ib->lock);
    pthread_mutex_unlock(&ib->lock);
    pthread_cond_destroy(&req.wake);
    if (req.rc < 0)
        memcpy(err, req.err, ERRMSG_SIZE);
    return req.rc;
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
