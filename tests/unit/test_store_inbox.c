/* The inbox queue's contract with the digest: rows come back in id order after a given id, a
 * resent event id is queued again, ids are never reused after the queue empties (the digest reads
 * on from the last id it digested), and an inbox.db from before (unique index) is migrated with its
 * rows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "util/buf.h"

static char dir[64];

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/faultline-inbox-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void insert(struct store *s, const char *event_id)
{
    char err[ERRMSG_SIZE];
    assert_int_equal(store_inbox_begin(s, err), 0);
    assert_int_equal(store_inbox_insert(s, 1, event_id, 1.0, "zz", 2, err), 0);
    assert_int_equal(store_inbox_commit(s, err), 0);
}

static int fetch(struct store *s, int64_t after, struct store_inbox_row *rows, int max)
{
    char err[ERRMSG_SIZE];
    int n = store_inbox_fetch(s, after, rows, max, err);
    assert_true(n >= 0);
    return n;
}

static void test_queue_order_and_ids(void **state)
{
    (void)state;
    struct store *s;
    char err[ERRMSG_SIZE];
    assert_int_equal(store_open(dir, &s, err), 0);
    insert(s, "aaaa");
    insert(s, "bbbb");
    insert(s, "aaaa");   /* resent: queued again */
    struct store_inbox_row rows[8];
    int n = fetch(s, 0, rows, 8);
    assert_int_equal(n, 3);
    assert_string_equal(rows[0].event_id, "aaaa");
    assert_string_equal(rows[2].event_id, "aaaa");
    assert_true(rows[0].id < rows[1].id && rows[1].id < rows[2].id);
    int64_t last = rows[2].id;
    store_inbox_rows_free(rows, n);
    assert_int_equal(fetch(s, rows[0].id, rows, 8), 2);
    store_inbox_rows_free(rows, 2);

    assert_int_equal(store_inbox_delete_upto(s, last, err), 0);
    assert_int_equal(store_inbox_count(s), 0);
    insert(s, "cccc");   /* the queue was empty: the id must still be past the digested ones */
    n = fetch(s, last, rows, 8);
    assert_int_equal(n, 1);
    assert_true(rows[0].id > last);
    store_inbox_rows_free(rows, n);
    store_close(s);
}

static void test_migrates_unique_inbox(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/old", dir);
    char err[ERRMSG_SIZE];
    struct store *s;
    assert_int_equal(store_open(path, &s, err), 0);   /* creates the directory and faultline.db */
    store_close(s);
    char inbox[160];
    snprintf(inbox, sizeof inbox, "%s/inbox.db", path);
    unlink(inbox);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(inbox, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE inbox (id INTEGER PRIMARY KEY AUTOINCREMENT, project_id INTEGER "
                                  "NOT NULL, event_id TEXT NOT NULL, received REAL NOT NULL, payload BLOB NOT NULL, "
                                  "UNIQUE (project_id, event_id));"
                                  "INSERT INTO inbox VALUES (7, 1, 'old1', 2.0, x'01');"
                                  "INSERT INTO inbox VALUES (9, 1, 'old2', 3.0, x'02');",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);

    assert_int_equal(store_open(path, &s, err), 0);
    struct store_inbox_row rows[8];
    int n = fetch(s, 0, rows, 8);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].id, 7);
    assert_string_equal(rows[1].event_id, "old2");
    store_inbox_rows_free(rows, n);
    insert(s, "old1");   /* allowed now */
    n = fetch(s, 9, rows, 8);
    assert_int_equal(n, 1);
    assert_true(rows[0].id > 9);
    store_inbox_rows_free(rows, n);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queue_order_and_ids),
        cmocka_unit_test(test_migrates_unique_inbox),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
