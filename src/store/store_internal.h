/* Shared by the store's own files only (not part of the public interface). */
#ifndef FAULTLINE_STORE_INTERNAL_H
#define FAULTLINE_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store/store.h"
#include "util/buf.h"

/* Cached prepared statements, one slot each. Slots from STMT_INBOX_FIRST on run on inbox.db. */
enum {
    STMT_PROJECT_INSERT,
    STMT_PROJECT_FIND,
    STMT_OPTION_GET,
    STMT_OPTION_SET,
    STMT_TOKEN_INSERT,
    STMT_TOKEN_CHECK,
    STMT_EVENT_EXISTS,
    STMT_HASH_LOOKUP,
    STMT_HASH_ATTACH,
    STMT_ISSUE_INSERT,
    STMT_ISSUE_ADD_EVENT,
    STMT_EVENT_INSERT,
    STMT_VECTOR_ISSUE,
    STMT_OPTIONS_VERSION,
    STMT_INBOX_FIRST,
    STMT_INBOX_INSERT = STMT_INBOX_FIRST,
    STMT_INBOX_FETCH,
    STMT_INBOX_DELETE,
    STMT_INBOX_COUNT,
    STMT_ITEM_COUNT_ADD,
    STMT_COUNT
};

struct store {
    sqlite3      *db;       /* faultline.db */
    sqlite3      *inbox;    /* inbox.db */
    sqlite3_stmt *stmts[STMT_COUNT];
};

int  store_exec_on(sqlite3 *db, const char *sql, char *err);
int  store_exec(struct store *s, const char *sql, char *err);
int  store_sql_error(struct store *s, char *err, const char *what);
/* The statement of `slot`, prepared on first use, reset and unbound. */
sqlite3_stmt *store_stmt(struct store *s, int slot, const char *sql, char *err);

/* Steps a write statement once and resets it: 0, or -1 with "what: sqlite message" in err. */
int  store_step_done(sqlite3_stmt *st, char *err, const char *what);

/* Column helpers */
const char *store_col_text(sqlite3_stmt *st, int col);
double store_now(void);
json_t *store_time_json(double t);   /* RFC 3339 UTC string */

#endif
