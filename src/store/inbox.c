/* The durable inbox (inbox.db): events accepted by ingestion, waiting for the digest. */
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

int store_inbox_insert(struct store *s, int64_t project_id, const char *event_id, double received,
                       const void *payload, size_t len, char *err)
{
    sqlite3_stmt *st = store_stmt(s, STMT_INBOX_INSERT,
                                  "INSERT INTO inbox (project_id, event_id, received, payload) VALUES (?, ?, ?, ?)",
                                  err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, project_id);
    sqlite3_bind_text(st, 2, event_id, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 3, received);
    sqlite3_bind_blob64(st, 4, payload, len, SQLITE_STATIC);
    return store_step_done(st, err, "inbox insert");
}

int store_item_count_add(struct store *s, int64_t project_id, const char *type, int64_t n, char *err)
{
    sqlite3_stmt *st = store_stmt(s, STMT_ITEM_COUNT_ADD,
                                  "INSERT INTO item_counts (project_id, type, count) VALUES (?, ?, ?) "
                                  "ON CONFLICT (project_id, type) DO UPDATE SET count = count + excluded.count",
                                  err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, project_id);
    sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, n);
    return store_step_done(st, err, "count items");
}

int store_inbox_fetch(struct store *s, int64_t after_id, struct store_inbox_row *rows, int max, char *err)
{
    sqlite3_stmt *st = store_stmt(
        s, STMT_INBOX_FETCH,
        "SELECT id, project_id, event_id, received, payload FROM inbox WHERE id > ? ORDER BY id LIMIT ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, after_id);
    sqlite3_bind_int(st, 2, max);
    int n = 0, rc;
    while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_inbox_row *r = &rows[n];
        memset(r, 0, sizeof *r);
        r->id = sqlite3_column_int64(st, 0);
        r->project_id = sqlite3_column_int64(st, 1);
        const char *eid = store_col_text(st, 2);
        strncpy(r->event_id, eid, sizeof r->event_id - 1);
        r->received = sqlite3_column_double(st, 3);
        int len = sqlite3_column_bytes(st, 4);
        r->payload = malloc(len > 0 ? (size_t)len : 1);
        if (!r->payload) {
            store_inbox_rows_free(rows, n);
            sqlite3_reset(st);
            errmsg_set(err, "out of memory");
            return -1;
        }
        if (len > 0)
            memcpy(r->payload, sqlite3_column_blob(st, 4), (size_t)len);
        r->payload_len = (size_t)len;
        n++;
    }
    sqlite3_reset(st);
    return n;
}

void store_inbox_rows_free(struct store_inbox_row *rows, int n)
{
    for (int i = 0; i < n; i++) {
        free(rows[i].payload);
        rows[i].payload = NULL;
    }
}

int store_inbox_delete_upto(struct store *s, int64_t last_id, char *err)
{
    sqlite3_stmt *st = store_stmt(s, STMT_INBOX_DELETE, "DELETE FROM inbox WHERE id <= ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, last_id);
    return store_step_done(st, err, "inbox delete");
}

int64_t store_inbox_count(struct store *s)
{
    char err[ERRMSG_SIZE];
    sqlite3_stmt *st = store_stmt(s, STMT_INBOX_COUNT, "SELECT count(*) FROM inbox", err);
    if (!st)
        return -1;
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    return n;
}
