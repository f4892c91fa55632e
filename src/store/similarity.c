/* Similarity grouping data: vectors per fingerprint, decisions, merge and unmerge. */
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int run(struct store *s, const char *sql, int64_t a, int64_t b, char *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store_sql_error(s, err, "prepare");
    sqlite3_bind_int64(st, 1, a);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, b);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_sql_error(s, err, "update");
}

int64_t store_vector_insert(struct store *s, int64_t project_id, int64_t issue_id, const char *hash,
                            const char *model, const char *exc_type, const float *vec, int dim, char *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO issue_vectors (project_id, issue_id, hash, model, dim, vector, exc_type)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, hash, model) DO UPDATE"
                           " SET issue_id = issue_vectors.issue_id RETURNING id",
                           -1, &st, NULL) != SQLITE_OK)
        return store_sql_error(s, err, "insert vector");
    sqlite3_bind_int64(st, 1, project_id);
    sqlite3_bind_int64(st, 2, issue_id);
    sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, model, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, dim);
    sqlite3_bind_blob(st, 6, vec, dim * (int)sizeof(float), SQLITE_STATIC);
    sqlite3_bind_text(st, 7, exc_type ? exc_type : "", -1, SQLITE_STATIC);
    int64_t id = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    else
        store_sql_error(s, err, "insert vector");
    sqlite3_finalize(st);
    return id;
}

int store_vector_foreach(struct store *s, int64_t project_id, const char *model,
                         int (*fn)(void *ctx, int64_t id, const float *vec, int dim), void *ctx, char *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT v.id, v.dim, v.vector FROM issue_vectors v JOIN issues i ON i.id = v.issue_id"
                           " WHERE v.project_id = ? AND v.model = ? AND i.merged_into IS NULL ORDER BY v.id",
                           -1, &st, NULL) != SQLITE_OK)
        return store_sql_error(s, err, "read vectors");
    sqlite3_bind_int64(st, 1, project_id);
    sqlite3_bind_text(st, 2, model, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int dim = sqlite3_column_int(st, 1);
        if (sqlite3_column_bytes(st, 2) != dim * (int)sizeof(float))
            continue;   /* a damaged row is skipped, not trusted */
        if (fn(ctx, sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 2), dim) < 0) {
            sqlite3_finalize(st);
            errmsg_set(err, "building the index failed");
            return -1;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_sql_error(s, err, "read vectors");
}

int64_t store_vector_count(struct store *s, int64_t project_id, const char *model, char *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM issue_vectors WHERE project_id = ? AND model = ?", -1, &st,
                           NULL) != SQLITE_OK)
        return store_sql_error(s, err, "count vectors");
    sqlite3_bind_int64(st, 1, project_id);
    sqlite3_bind_text(st, 2, model, -1, SQLITE_STATIC);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
}

int store_vector_issue(struct store *s, int64_t vector_id, int64_t *issue_id, char *type, size_t cap, char *err)
{
    sqlite3_stmt *st = store_stmt(s, STMT_VECTOR_ISSUE, "SELECT issue_id, exc_type FROM issue_vectors WHERE id = ?",
                                  err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, vector_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *issue_id = sqlite3_column_int64(st, 0);
        if (type && cap)
            snprintf(type, cap, "%s", store_col_text(st, 1));
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : store_sql_error(s, err, "vector issue");
}

int store_issue_vector_ids(struct store *s, int64_t issue_id, const char *model, int64_t *ids, int cap, char *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT id FROM issue_vectors WHERE issue_id = ? AND model = ? ORDER BY id DESC",
                           -1, &st, NULL) != SQLITE_OK)
        return store_sql_error(s, err, "issue vectors");
    sqlite3_bind_int64(st, 1, issue_id);
    sqlite3_bind_text(st, 2, model, -1, SQLITE_STATIC);
    int n = 0;
    while (n < cap && sqlite3_step(st) == SQLITE_ROW)
        ids[n++] = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

int store_hash_decision(struct store *s, int64_t project_id, const char *hash, const char *decision,
                        int64_t matched_issue, double distance, const char *model, char *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT OR REPLACE INTO grouphash_similarity (project_id, hash, decision,"
                           " matched_issue, distance, model, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return store_sql_error(s, err, "record decision");
    sqlite3_bind_int64(st, 1, project_id);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, decision, -1, SQLITE_STATIC);
    if (matched_issue > 0)
        sqlite3_bind_int64(st, 4, matched_issue);
    if (distance >= 0)
        sqlite3_bind_double(st, 5, distance);
    if (model)
        sqlite3_bind_text(st, 6, model, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 7, store_now());
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_sql_error(s, err, "record decision");
}

/* Counters of an issue recomputed from its events (after events moved in or out). */
static int recount(struct store *s, int64_t issue_id, char *err)
{
    return run(s,
               "UPDATE issues SET times_seen = (SELECT count(*) FROM events WHERE issue_id = ?1),"
               " first_seen = coalesce((SELECT min(received) FROM events WHERE issue_id = ?1), first_seen),"
               " last_seen = coalesce((SELECT max(received) FROM events WHERE issue_id = ?1), last_seen)"
               " WHERE id = ?1",
               issue_id, 0, err);
}

int store_issues_merge(struct store *s, int64_t parent, const int64_t *children, int n, char *err)
{
    for (int i = 0; i < n; i++) {
        int64_t c = children[i];
        if (c == parent)
            continue;
        if (run(s, "UPDATE grouphashes SET issue_id = ?2 WHERE issue_id = ?1", c, parent, err) < 0 ||
            run(s, "UPDATE events SET issue_id = ?2 WHERE issue_id = ?1", c, parent, err) < 0 ||
            run(s, "UPDATE issue_vectors SET issue_id = ?2 WHERE issue_id = ?1", c, parent, err) < 0 ||
            run(s, "UPDATE issues SET merged_into = ?2, status = 'merged', times_seen = 0 WHERE id = ?1", c,
                parent, err) < 0 ||
            /* issues merged earlier into the child follow it */
            run(s, "UPDATE issues SET merged_into = ?2 WHERE merged_into = ?1", c, parent, err) < 0)
            return -1;
    }
    return recount(s, parent, err);
}

int store_issue_unmerge(struct store *s, int64_t issue_id, const char *const *hashes, int n, int64_t *new_issue,
                        char *err)
{
    *new_issue = 0;
    /* The new issue takes its title and the like from the old one; counts come from its events. */
    if (run(s,
            "INSERT INTO issues (project_id, title, culprit, level, platform, type, value, status, substatus,"
            " first_seen, last_seen, times_seen) SELECT project_id, title, culprit, level, platform, type, value,"
            " 'unresolved', 'new', first_seen, last_seen, 0 FROM issues WHERE id = ?1",
            issue_id, 0, err) < 0)
        return -1;
    if (sqlite3_changes(s->db) != 1) {
        errmsg_set(err, "issue not found");
        return 0;
    }
    int64_t fresh = sqlite3_last_insert_rowid(s->db);
    int moved = 0;
    static const char *const moves[] = {
        "UPDATE grouphashes SET issue_id = ?3 WHERE issue_id = ?1 AND hash = ?2",
        "UPDATE events SET issue_id = ?3 WHERE issue_id = ?1 AND primary_hash = ?2",
        "UPDATE issue_vectors SET issue_id = ?3 WHERE issue_id = ?1 AND hash = ?2",
    };
    for (int i = 0; i < n; i++) {
        for (size_t m = 0; m < sizeof moves / sizeof moves[0]; m++) {
            sqlite3_stmt *st;
            if (sqlite3_prepare_v2(s->db, moves[m], -1, &st, NULL) != SQLITE_OK)
                return store_sql_error(s, err, "unmerge");
            sqlite3_bind_int64(st, 1, issue_id);
            sqlite3_bind_text(st, 2, hashes[i], -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, fresh);
            int rc = sqlite3_step(st);
            int changed = sqlite3_changes(s->db);
            sqlite3_finalize(st);
            if (rc != SQLITE_DONE)
                return store_sql_error(s, err, "unmerge");
            if (m == 0)
                moved += changed;
        }
    }
    if (moved == 0) {
        run(s, "DELETE FROM issues WHERE id = ?1", fresh, 0, err);
        errmsg_set(err, "none of the hashes belongs to issue %lld", (long long)issue_id);
        return 0;
    }
    /* The title of the new issue is that of its newest event. */
    if (run(s,
            "UPDATE issues SET title = coalesce((SELECT title FROM events WHERE issue_id = ?1"
            " ORDER BY id DESC LIMIT 1), title) WHERE id = ?1",
            fresh, 0, err) < 0 ||
        recount(s, fresh, err) < 0 || recount(s, issue_id, err) < 0)
        return -1;
    *new_issue = fresh;
    return moved;
}

json_t *store_issue_hashes(struct store *s, int64_t issue_id, char *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT h.hash, (SELECT count(*) FROM events e WHERE e.issue_id = h.issue_id"
                           " AND e.primary_hash = h.hash), g.decision, g.matched_issue, g.distance, g.model"
                           " FROM grouphashes h LEFT JOIN grouphash_similarity g"
                           " ON g.project_id = h.project_id AND g.hash = h.hash"
                           " WHERE h.issue_id = ? ORDER BY h.hash",
                           -1, &st, NULL) != SQLITE_OK) {
        store_sql_error(s, err, "issue hashes");
        return NULL;
    }
    sqlite3_bind_int64(st, 1, issue_id);
    json_t *arr = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *h = json_pack("{s:s,s:I}", "id", store_col_text(st, 0), "eventCount",
                              (json_int_t)sqlite3_column_int64(st, 1));
        if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
            json_t *sim = json_pack("{s:s}", "decision", store_col_text(st, 2));
            if (sqlite3_column_type(st, 3) != SQLITE_NULL)
                json_object_set_new(sim, "matchedIssue", json_integer(sqlite3_column_int64(st, 3)));
            if (sqlite3_column_type(st, 4) != SQLITE_NULL)
                json_object_set_new(sim, "distance", json_real(sqlite3_column_double(st, 4)));
            json_object_set_new(sim, "model", json_string(store_col_text(st, 5)));
            json_object_set_new(h, "similarity", sim);
        }
        json_array_append_new(arr, h);
    }
    sqlite3_finalize(st);
    return arr;
}

int store_issues_without_vector(struct store *s, int64_t project_id, const char *model, int64_t after_id,
                                int64_t *ids, int cap, int64_t *total, char *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM issues WHERE project_id = ? AND merged_into IS NULL", -1,
                           &st, NULL) != SQLITE_OK)
        return store_sql_error(s, err, "count issues");
    sqlite3_bind_int64(st, 1, project_id);
    *total = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(s->db,
                           "SELECT i.id FROM issues i WHERE i.project_id = ? AND i.merged_into IS NULL"
                           " AND NOT EXISTS (SELECT 1 FROM issue_vectors v WHERE v.issue_id = i.id AND v.model = ?)"
                           " AND i.id > ? ORDER BY i.id LIMIT ?",
                           -1, &st, NULL) != SQLITE_OK)
        return store_sql_error(s, err, "issues without vector");
    sqlite3_bind_int64(st, 1, project_id);
    sqlite3_bind_text(st, 2, model, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, after_id);
    sqlite3_bind_int(st, 4, cap);
    int n = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < cap)
        ids[n++] = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? n : store_sql_error(s, err, "issues without vector");
}
