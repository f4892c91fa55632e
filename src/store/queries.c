/* API reads: issues and events as JSON in the shape of Sentry's web API. */
#include "store/store_internal.h"
#include "util/compress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ISSUE_COLUMNS                                                                              \
    "i.id, i.project_id, p.slug, i.title, i.culprit, i.level, i.platform, i.type, i.value, i.status," \
    " i.substatus, i.first_seen, i.last_seen, i.times_seen, i.merged_into"
#define MAX_PAYLOAD (64u << 20)

static json_t *id_json(int64_t id)
{
    char s[32];
    snprintf(s, sizeof s, "%lld", (long long)id);
    return json_string(s);
}

static json_t *issue_json(sqlite3_stmt *st)
{
    json_t *project = json_pack("{s:o,s:s}", "id", id_json(sqlite3_column_int64(st, 1)), "slug",
                                store_col_text(st, 2));
    json_t *metadata =
        json_pack("{s:s,s:s}", "type", store_col_text(st, 7), "value", store_col_text(st, 8));
    char short_id[64];
    snprintf(short_id, sizeof short_id, "%s-%lld", store_col_text(st, 2),
             (long long)sqlite3_column_int64(st, 0));
    for (char *p = short_id; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    char count[32];
    snprintf(count, sizeof count, "%lld", (long long)sqlite3_column_int64(st, 13));
    return json_pack("{s:o,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o}",
                     "id", id_json(sqlite3_column_int64(st, 0)), "shortId", short_id,
                     "title", store_col_text(st, 3), "culprit", store_col_text(st, 4),
                     "level", store_col_text(st, 5), "platform", store_col_text(st, 6),
                     "status", store_col_text(st, 9), "substatus", store_col_text(st, 10),
                     "count", count, "firstSeen", store_time_json(sqlite3_column_double(st, 11)),
                     "lastSeen", store_time_json(sqlite3_column_double(st, 12)),
                     "project", project, "metadata", metadata,
                     "numComments", json_integer(0));
}

static json_t *issue_with_merge(sqlite3_stmt *st)
{
    json_t *j = issue_json(st);
    if (j && sqlite3_column_type(st, 14) != SQLITE_NULL)
        json_object_set_new(j, "mergedInto", id_json(sqlite3_column_int64(st, 14)));
    return j;
}

static json_t *rows_to_array(struct store *s, sqlite3_stmt *st, json_t *(*conv)(sqlite3_stmt *), char *err)
{
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(arr, conv(st));
    if (rc != SQLITE_DONE) {
        store_sql_error(s, err, "query");
        json_decref(arr);
        return NULL;
    }
    return arr;
}

json_t *store_issue_list(struct store *s, const struct store_issue_query *q, char *err)
{
    const char *order = "i.last_seen DESC";
    if (q->sort && strcmp(q->sort, "new") == 0)
        order = "i.first_seen DESC";
    else if (q->sort && strcmp(q->sort, "freq") == 0)
        order = "i.times_seen DESC";
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT " ISSUE_COLUMNS " FROM issues i JOIN projects p ON p.id = i.project_id"
             " WHERE i.project_id = ?1 AND (i.status = ?2 OR (?2 IS NULL AND i.status != 'merged'))"
             " AND (?3 IS NULL OR i.level = ?3)"
             " AND (?4 IS NULL OR instr(lower(i.title), lower(?4)) > 0)"
             " ORDER BY %s, i.id DESC LIMIT ?5 OFFSET ?6",
             order);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        store_sql_error(s, err, "list issues");
        return NULL;
    }
    sqlite3_bind_int64(st, 1, q->project_id);
    if (q->status)
        sqlite3_bind_text(st, 2, q->status, -1, SQLITE_STATIC);
    if (q->level)
        sqlite3_bind_text(st, 3, q->level, -1, SQLITE_STATIC);
    if (q->query && *q->query)
        sqlite3_bind_text(st, 4, q->query, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, q->limit > 0 ? q->limit : 25);
    sqlite3_bind_int64(st, 6, q->offset > 0 ? q->offset : 0);
    json_t *arr = rows_to_array(s, st, issue_with_merge, err);
    sqlite3_finalize(st);
    return arr;
}

json_t *store_issue_get(struct store *s, int64_t issue_id, char *err)
{
    err[0] = '\0';
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT " ISSUE_COLUMNS " FROM issues i JOIN projects p ON p.id = i.project_id"
                           " WHERE i.id = ?",
                           -1, &st, NULL) != SQLITE_OK) {
        store_sql_error(s, err, "get issue");
        return NULL;
    }
    sqlite3_bind_int64(st, 1, issue_id);
    json_t *issue = NULL;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        issue = issue_with_merge(st);
    else if (rc != SQLITE_DONE)
        store_sql_error(s, err, "get issue");
    sqlite3_finalize(st);
    return issue;
}

int store_issue_set_status(struct store *s, int64_t issue_id, const char *status, char *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE issues SET status = ?2, substatus = CASE ?2 WHEN 'ignored' THEN"
                           " 'archived_until_escalating' WHEN 'resolved' THEN '' ELSE 'ongoing' END"
                           " WHERE id = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return store_sql_error(s, err, "set status");
    sqlite3_bind_int64(st, 1, issue_id);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return store_sql_error(s, err, "set status");
    return sqlite3_changes(s->db) > 0 ? 1 : 0;
}

#define EVENT_COLUMNS                                                                               \
    "e.event_id, e.issue_id, e.project_id, e.received, e.timestamp, e.title, e.platform, e.hashes,"   \
    " e.payload"

static json_t *event_summary(sqlite3_stmt *st)
{
    return json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:s,s:s}", "id", store_col_text(st, 0), "eventID",
                     store_col_text(st, 0), "groupID", id_json(sqlite3_column_int64(st, 1)), "projectID",
                     id_json(sqlite3_column_int64(st, 2)), "dateReceived",
                     store_time_json(sqlite3_column_double(st, 3)), "dateCreated",
                     store_time_json(sqlite3_column_double(st, 4)), "title", store_col_text(st, 5),
                     "platform", store_col_text(st, 6));
}

/* Summary plus hashes and the decompressed payload. */
static json_t *event_full(struct store *s, sqlite3_stmt *st, char *err)
{
    (void)s;
    json_t *ev = event_summary(st);
    json_t *hashes = json_loads(store_col_text(st, 7), 0, NULL);
    json_object_set_new(ev, "hashes", hashes ? hashes : json_array());
    struct buf raw = BUF_INIT;
    const void *blob = sqlite3_column_blob(st, 8);
    int len = sqlite3_column_bytes(st, 8);
    if (zstd_decompress_buf(blob, (size_t)len, MAX_PAYLOAD, &raw, err) < 0) {
        json_decref(ev);
        buf_free(&raw);
        return NULL;
    }
    json_error_t jerr;
    json_t *payload = json_loadb(raw.data ? raw.data : "", raw.len, 0, &jerr);
    buf_free(&raw);
    if (!payload) {
        errmsg_set(err, "stored event is not JSON: %s", jerr.text);
        json_decref(ev);
        return NULL;
    }
    json_t *msg = json_object_get(payload, "message");
    if (json_is_string(msg))
        json_object_set(ev, "message", msg);
    json_object_set_new(ev, "payload", payload);
    return ev;
}

json_t *store_issue_events(struct store *s, int64_t issue_id, int limit, int64_t offset, char *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT " EVENT_COLUMNS " FROM events e WHERE e.issue_id = ?"
                           " ORDER BY e.id DESC LIMIT ? OFFSET ?",
                           -1, &st, NULL) != SQLITE_OK) {
        store_sql_error(s, err, "issue events");
        return NULL;
    }
    sqlite3_bind_int64(st, 1, issue_id);
    sqlite3_bind_int(st, 2, limit > 0 ? limit : 50);
    sqlite3_bind_int64(st, 3, offset > 0 ? offset : 0);
    json_t *arr = rows_to_array(s, st, event_summary, err);
    sqlite3_finalize(st);
    return arr;
}

static json_t *one_event(struct store *s, const char *sql, int64_t id, const char *event_id, char *err)
{
    err[0] = '\0';
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        store_sql_error(s, err, "get event");
        return NULL;
    }
    sqlite3_bind_int64(st, 1, id);
    if (event_id)
        sqlite3_bind_text(st, 2, event_id, -1, SQLITE_STATIC);
    json_t *ev = NULL;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        ev = event_full(s, st, err);
    else if (rc != SQLITE_DONE)
        store_sql_error(s, err, "get event");
    sqlite3_finalize(st);
    return ev;
}

json_t *store_event_get(struct store *s, int64_t project_id, const char *event_id, char *err)
{
    json_t *ev = one_event(s,
                           "SELECT " EVENT_COLUMNS ", e.grouping FROM events e"
                           " WHERE e.project_id = ? AND e.event_id = ?",
                           project_id, event_id, err);
    return ev;
}

json_t *store_issue_latest_event(struct store *s, int64_t issue_id, char *err)
{
    return one_event(s,
                     "SELECT " EVENT_COLUMNS " FROM events e WHERE e.issue_id = ? ORDER BY e.id DESC LIMIT 1",
                     issue_id, NULL, err);
}

json_t *store_event_grouping(struct store *s, int64_t project_id, const char *event_id, char *err)
{
    err[0] = '\0';
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT grouping FROM events WHERE project_id = ? AND event_id = ?", -1,
                           &st, NULL) != SQLITE_OK) {
        store_sql_error(s, err, "grouping info");
        return NULL;
    }
    sqlite3_bind_int64(st, 1, project_id);
    sqlite3_bind_text(st, 2, event_id, -1, SQLITE_STATIC);
    json_t *info = NULL;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        info = json_loads(store_col_text(st, 0), 0, NULL);
        if (!info)
            info = json_object();
    } else if (rc != SQLITE_DONE) {
        store_sql_error(s, err, "grouping info");
    }
    sqlite3_finalize(st);
    return info;
}

json_t *store_item_counts(struct store *s, int64_t project_id, char *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->inbox, "SELECT type, count FROM item_counts WHERE project_id = ?", -1, &st,
                           NULL) != SQLITE_OK) {
        errmsg_set(err, "item counts: %s", sqlite3_errmsg(s->inbox));
        return NULL;
    }
    sqlite3_bind_int64(st, 1, project_id);
    json_t *obj = json_object();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_object_set_new(obj, store_col_text(st, 0), json_integer(sqlite3_column_int64(st, 1)));
    sqlite3_finalize(st);
    return obj;
}
