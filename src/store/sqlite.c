/* SQLite backend of the store: connection, schema, transactions, statement cache. */
#include "store/store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const SCHEMA_MAIN =
    "CREATE TABLE IF NOT EXISTS projects ("
    "  id INTEGER PRIMARY KEY, name TEXT NOT NULL, slug TEXT NOT NULL UNIQUE,"
    "  public_key TEXT NOT NULL UNIQUE, created REAL NOT NULL);"
    "CREATE TABLE IF NOT EXISTS project_options ("
    "  project_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT,"
    "  PRIMARY KEY (project_id, key));"
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS tokens (hash TEXT PRIMARY KEY, created REAL NOT NULL);"
    "CREATE TABLE IF NOT EXISTS issues ("
    "  id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, title TEXT NOT NULL,"
    "  culprit TEXT NOT NULL DEFAULT '', level TEXT NOT NULL, platform TEXT NOT NULL,"
    "  type TEXT NOT NULL DEFAULT '', value TEXT NOT NULL DEFAULT '',"
    "  status TEXT NOT NULL DEFAULT 'unresolved', substatus TEXT NOT NULL DEFAULT 'new',"
    "  first_seen REAL NOT NULL, last_seen REAL NOT NULL, times_seen INTEGER NOT NULL DEFAULT 0,"
    "  merged_into INTEGER);"
    "CREATE INDEX IF NOT EXISTS issues_project_last ON issues (project_id, last_seen);"
    "CREATE TABLE IF NOT EXISTS grouphashes ("
    "  project_id INTEGER NOT NULL, hash TEXT NOT NULL, issue_id INTEGER NOT NULL,"
    "  PRIMARY KEY (project_id, hash)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS grouphashes_issue ON grouphashes (issue_id);"
    "CREATE TABLE IF NOT EXISTS events ("
    "  id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, event_id TEXT NOT NULL,"
    "  issue_id INTEGER NOT NULL, received REAL NOT NULL, timestamp REAL NOT NULL,"
    "  title TEXT NOT NULL, platform TEXT NOT NULL, hashes TEXT NOT NULL, grouping TEXT,"
    "  primary_hash TEXT NOT NULL DEFAULT '',"
    "  payload BLOB NOT NULL, UNIQUE (project_id, event_id));"
    "CREATE INDEX IF NOT EXISTS events_issue ON events (issue_id, id);"
    /* One embedding per fingerprint (hash) that went through similarity grouping. */
    "CREATE TABLE IF NOT EXISTS issue_vectors ("
    "  id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, issue_id INTEGER NOT NULL,"
    "  hash TEXT NOT NULL, model TEXT NOT NULL, dim INTEGER NOT NULL, vector BLOB NOT NULL,"
    "  exc_type TEXT NOT NULL DEFAULT '',"
    "  UNIQUE (project_id, hash, model));"
    "CREATE INDEX IF NOT EXISTS issue_vectors_issue ON issue_vectors (issue_id);"
    /* Why a hash is in its issue when similarity decided (or would have, in shadow mode). */
    "CREATE TABLE IF NOT EXISTS grouphash_similarity ("
    "  project_id INTEGER NOT NULL, hash TEXT NOT NULL, decision TEXT NOT NULL,"
    "  matched_issue INTEGER, distance REAL, model TEXT, created REAL NOT NULL,"
    "  PRIMARY KEY (project_id, hash)) WITHOUT ROWID;";

/* The inbox is a queue: rows are appended in id order and deleted by the digest. A resent event id
 * may be queued twice; the digest skips events it already stored (per project and event id), so
 * there is no unique index here: one would put a random B-tree page in every commit. Ids are
 * never reused (AUTOINCREMENT): the digest reads on from the last id it digested. */
#define INBOX_TABLE(name)                                                                              \
    "CREATE TABLE IF NOT EXISTS " name " ("                                                            \
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, project_id INTEGER NOT NULL, event_id TEXT NOT NULL,"    \
    "  received REAL NOT NULL, payload BLOB NOT NULL);"
static const char *const SCHEMA_INBOX =
    INBOX_TABLE("inbox")
    "CREATE TABLE IF NOT EXISTS item_counts ("
    "  project_id INTEGER NOT NULL, type TEXT NOT NULL, count INTEGER NOT NULL,"
    "  PRIMARY KEY (project_id, type));";

int store_sql_error(struct store *s, char *err, const char *what)
{
    errmsg_set(err, "%s: %s", what, sqlite3_errmsg(s->db));
    return -1;
}

int store_exec_on(sqlite3 *db, const char *sql, char *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        errmsg_set(err, "sqlite: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int store_step_done(sqlite3_stmt *st, char *err, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return 0;
    errmsg_set(err, "%s: %s", what, sqlite3_errmsg(sqlite3_db_handle(st)));
    return -1;
}

int store_exec(struct store *s, const char *sql, char *err) { return store_exec_on(s->db, sql, err); }

sqlite3_stmt *store_stmt(struct store *s, int slot, const char *sql, char *err)
{
    if (slot < 0 || slot >= STMT_COUNT) {
        errmsg_set(err, "bad statement slot");
        return NULL;
    }
    sqlite3_stmt *st = s->stmts[slot];
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return st;
    }
    sqlite3 *db = slot >= STMT_INBOX_FIRST ? s->inbox : s->db;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        errmsg_set(err, "prepare: %s", sqlite3_errmsg(db));
        return NULL;
    }
    s->stmts[slot] = st;
    return st;
}

static int make_dir(const char *dir, char *err)
{
    if (mkdir(dir, 0700) == 0 || errno == EEXIST)
        return 0;
    errmsg_set(err, "cannot create data directory %s: %s", dir, strerror(errno));
    return -1;
}

static int open_db(const char *path, sqlite3 **db, char *err)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, db, flags, NULL) != SQLITE_OK) {
        errmsg_set(err, "cannot open %s: %s", path, *db ? sqlite3_errmsg(*db) : "out of memory");
        return -1;
    }
    sqlite3_busy_timeout(*db, 10000);
    /* synchronous=FULL: a commit is on disk before it returns, so a 200 survives a power cut too. */
    return store_exec_on(*db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", err);
}

/* An inbox.db from before the queue had no unique index keeps its rows in the new table. */
static int migrate_inbox(sqlite3 *db, char *err)
{
    if (store_exec_on(db, "BEGIN IMMEDIATE", err) < 0)
        return -1;
    sqlite3_stmt *st = NULL;
    int old = 0;
    if (sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'inbox'", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *sql = sqlite3_column_text(st, 0);
        old = sql && strstr((const char *)sql, "UNIQUE") != NULL;
    }
    sqlite3_finalize(st);
    int rc = !old ? 0
                  : store_exec_on(db,
                                  INBOX_TABLE("inbox_v2")
                                  "INSERT INTO inbox_v2 SELECT id, project_id, event_id, received, payload FROM inbox;"
                                  "DROP TABLE inbox; ALTER TABLE inbox_v2 RENAME TO inbox;",
                                  err);
    if (rc == 0)
        return store_exec_on(db, "COMMIT", err);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

int store_open(const char *data_dir, struct store **out, char *err)
{
    *out = NULL;
    struct store *s = calloc(1, sizeof *s);
    if (!s) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    int memory = strcmp(data_dir, ":memory:") == 0;
    char path[4096], inbox_path[4200];
    if (memory) {
        snprintf(path, sizeof path, ":memory:");
        snprintf(inbox_path, sizeof inbox_path, ":memory:");
    } else {
        if (make_dir(data_dir, err) < 0) {
            free(s);
            return -1;
        }
        snprintf(path, sizeof path, "%s/faultline.db", data_dir);
        snprintf(inbox_path, sizeof inbox_path, "%s/inbox.db", data_dir);
    }
    if (open_db(path, &s->db, err) < 0 || open_db(inbox_path, &s->inbox, err) < 0 ||
        store_exec_on(s->db, SCHEMA_MAIN, err) < 0 || migrate_inbox(s->inbox, err) < 0 ||
        store_exec_on(s->inbox, SCHEMA_INBOX, err) < 0) {
        store_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    for (int i = 0; i < STMT_COUNT; i++)
        sqlite3_finalize(s->stmts[i]);
    sqlite3_close(s->db);
    sqlite3_close(s->inbox);
    free(s);
}

int store_begin(struct store *s, char *err) { return store_exec(s, "BEGIN IMMEDIATE", err); }

int store_commit(struct store *s, char *err) { return store_exec(s, "COMMIT", err); }

void store_rollback(struct store *s) { sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL); }

/* The inbox has its own transactions: a write lock on inbox.db only. */
int store_inbox_begin(struct store *s, char *err) { return store_exec_on(s->inbox, "BEGIN IMMEDIATE", err); }

int store_inbox_commit(struct store *s, char *err) { return store_exec_on(s->inbox, "COMMIT", err); }

void store_inbox_rollback(struct store *s) { sqlite3_exec(s->inbox, "ROLLBACK", NULL, NULL, NULL); }

int64_t store_data_version(struct store *s)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA data_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    return v;
}
