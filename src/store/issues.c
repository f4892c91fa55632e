/* Digest-side writes: events, issues and the hashes that map to them. */
#include "store/store_internal.h"

#include <string.h>

int store_event_exists(struct store *s, int64_t project_id, const char *event_id, char *err)
{
    sqlite3_stmt *st = store_stmt(s, STMT_EVENT_EXISTS,
                                  "SELECT 1 FROM events WHERE project_id = ? AND event_id = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, project_id);
    sqlite3_bind_text(st, 2, event_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : store_sql_error(s, err, "event lookup");
}

int store_hash_lookup(struct store *s, int64_t project_id, const char *hash, int64_t *issue_id, char *err)
{
    sqlite3_stmt *st = store_stmt(
        s, STMT_HASH_LOOKUP, "SELECT issue_id FROM grouphashes WHERE project_id = ? AND hash = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, project_id);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *issue_id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : store_sql_error(s, err, "hash lookup");
}

int store_hash_attach(struct store *s, int64_t project_id, const char *hash, int64_t issue_id, char *err)
{
    /* A hash belongs to exactly one issue: the first attachment wins. */
    sqlite3_stmt *st = store_stmt(
        s, STMT_HASH_ATTACH,
        "INSERT OR IGNORE INTO grouphashes (project_id, hash, issue_id) VALUES (?, ?, ?)", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, project_id);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, issue_id);
    return store_step_done(st, err, "attach hash");
}

int store_issue_create(struct store *s, const struct store_issue_new *in, int64_t *issue_id, char *err)
{
    sqlite3_stmt *st = store_stmt(s, STMT_ISSUE_INSERT,
                                  "INSERT INTO issues (project_id, title, culprit, level, platform, type, value,"
                                  " first_seen, last_seen, times_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                                  err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, in->project_id);
    sqlite3_bind_text(st, 2, in->title ? in->title : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, in->culprit ? in->culprit : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, in->level ? in->level : "error", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, in->platform ? in->platform : "other", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, in->type ? in->type : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, in->value ? in->value : "", -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 8, in->seen);
    sqlite3_bind_double(st, 9, in->seen);
    if (store_step_done(st, err, "create issue") < 0)
        return -1;
    *issue_id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

int store_issue_add_event(struct store *s, int64_t issue_id, double seen, const char *level, char *err)
{
    /* A resolved issue that sees a new event is a regression; an ignored one stays ignored. */
    sqlite3_stmt *st = store_stmt(
        s, STMT_ISSUE_ADD_EVENT,
        "UPDATE issues SET times_seen = times_seen + 1,"
        " last_seen = max(last_seen, ?2), first_seen = min(first_seen, ?2),"
        " substatus = CASE WHEN status = 'resolved' THEN 'regressed'"
        "                  WHEN times_seen > 0 AND substatus = 'new' THEN 'ongoing' ELSE substatus END,"
        " status = CASE WHEN status = 'resolved' THEN 'unresolved' ELSE status END"
        " WHERE id = ?1",
        err);
    if (!st)
        return -1;
    (void)level;
    sqlite3_bind_int64(st, 1, issue_id);
    sqlite3_bind_double(st, 2, seen);
    return store_step_done(st, err, "update issue");
}

int store_event_insert(struct store *s, const struct store_event_new *in, char *err)
{
    sqlite3_stmt *st = store_stmt(s, STMT_EVENT_INSERT,
                                  "INSERT OR IGNORE INTO events (project_id, event_id, issue_id, received,"
                                  " timestamp, title, platform, hashes, grouping, payload, primary_hash)"
                                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                  err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, in->project_id);
    sqlite3_bind_text(st, 2, in->event_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, in->issue_id);
    sqlite3_bind_double(st, 4, in->received);
    sqlite3_bind_double(st, 5, in->timestamp);
    sqlite3_bind_text(st, 6, in->title ? in->title : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, in->platform ? in->platform : "other", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, in->hashes_json ? in->hashes_json : "[]", -1, SQLITE_STATIC);
    if (in->grouping_json)
        sqlite3_bind_text(st, 9, in->grouping_json, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(st, 10, in->payload, in->payload_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, in->primary_hash ? in->primary_hash : "", -1, SQLITE_STATIC);
    return store_step_done(st, err, "insert event");
}
