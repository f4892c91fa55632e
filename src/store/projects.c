/* Projects, project options and API tokens. */
#include "store/store_internal.h"
#include "util/timefmt.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

double store_now(void) { return time_now(); }

json_t *store_time_json(double t)
{
    char out[RFC3339_LEN];
    time_rfc3339(t, out);
    return json_string(out);
}

const char *store_col_text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? (const char *)t : "";
}

static int random_hex(char *out, size_t nbytes)
{
    unsigned char raw[64];
    if (nbytes > sizeof raw || RAND_bytes(raw, (int)nbytes) != 1)
        return -1;
    for (size_t i = 0; i < nbytes; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    return 0;
}

/* Slug: lowercase letters, digits and dashes from the name. */
static void slugify(const char *name, char *slug, size_t cap)
{
    size_t n = 0;
    int dash = 0;
    for (const char *p = name; *p && n + 1 < cap; p++) {
        unsigned char c = (unsigned char)*p;
        if (isalnum(c)) {
            if (dash && n > 0)
                slug[n++] = '-';
            dash = 0;
            if (n + 1 < cap)
                slug[n++] = (char)tolower(c);
        } else {
            dash = 1;
        }
    }
    slug[n] = '\0';
    if (n == 0)
        snprintf(slug, cap, "project");
}

static void project_from_row(sqlite3_stmt *st, struct store_project *p)
{
    memset(p, 0, sizeof *p);
    p->id = sqlite3_column_int64(st, 0);
    snprintf(p->name, sizeof p->name, "%s", store_col_text(st, 1));
    snprintf(p->slug, sizeof p->slug, "%s", store_col_text(st, 2));
    snprintf(p->public_key, sizeof p->public_key, "%s", store_col_text(st, 3));
    p->created = sqlite3_column_double(st, 4);
}

int store_project_create(struct store *s, const char *name, struct store_project *out, char *err)
{
    if (!name || !*name || strlen(name) >= sizeof out->name) {
        errmsg_set(err, "project name must be 1 to %zu bytes", sizeof out->name - 1);
        return -1;
    }
    char base[100], slug[128], key[STORE_KEY_LEN + 1];
    slugify(name, base, sizeof base);
    if (random_hex(key, STORE_KEY_LEN / 2) < 0) {
        errmsg_set(err, "no random bytes for the project key");
        return -1;
    }
    sqlite3_stmt *st = store_stmt(s, STMT_PROJECT_INSERT,
                                  "INSERT OR IGNORE INTO projects (name, slug, public_key, created) "
                                  "VALUES (?, ?, ?, ?) RETURNING id, name, slug, public_key, created",
                                  err);
    if (!st)
        return -1;
    /* A taken slug gets a numeric suffix. */
    for (int attempt = 1; attempt < 1000; attempt++) {
        if (attempt == 1)
            snprintf(slug, sizeof slug, "%s", base);
        else
            snprintf(slug, sizeof slug, "%s-%d", base, attempt);
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, slug, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(st, 4, store_now());
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            project_from_row(st, out);
            sqlite3_reset(st);
            return 0;
        }
        if (rc != SQLITE_DONE)
            return store_sql_error(s, err, "create project");
    }
    errmsg_set(err, "no free slug for project '%s'", name);
    return -1;
}

int store_project_list(struct store *s, struct store_project **out, char *err)
{
    *out = NULL;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT id, name, slug, public_key, created FROM projects ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return store_sql_error(s, err, "list projects");
    int n = 0, cap = 0, rc;
    struct store_project *arr = NULL;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            struct store_project *p = realloc(arr, (size_t)cap * sizeof *arr);
            if (!p) {
                free(arr);
                sqlite3_finalize(st);
                errmsg_set(err, "out of memory");
                return -1;
            }
            arr = p;
        }
        project_from_row(st, &arr[n++]);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(arr);
        return store_sql_error(s, err, "list projects");
    }
    *out = arr;
    return n;
}

int store_project_find(struct store *s, const char *id_or_slug, struct store_project *out, char *err)
{
    sqlite3_stmt *st = store_stmt(s, STMT_PROJECT_FIND,
                                  "SELECT id, name, slug, public_key, created FROM projects "
                                  "WHERE slug = ?1 OR CAST(id AS TEXT) = ?1",
                                  err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, id_or_slug, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        project_from_row(st, out);
        sqlite3_reset(st);
        return 1;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_sql_error(s, err, "find project");
}

int store_project_option_get(struct store *s, int64_t project_id, const char *key, char **value, char *err)
{
    *value = NULL;
    sqlite3_stmt *st = store_stmt(
        s, STMT_OPTION_GET, "SELECT value FROM project_options WHERE project_id = ? AND key = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, project_id);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        *value = strdup(store_col_text(st, 0));
        sqlite3_reset(st);
        if (!*value) {
            errmsg_set(err, "out of memory");
            return -1;
        }
        return 0;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_sql_error(s, err, "get option");
}

int store_project_option_set(struct store *s, int64_t project_id, const char *key, const char *value,
                             char *err)
{
    sqlite3_stmt *st = store_stmt(s, STMT_OPTION_SET,
                                  "INSERT INTO project_options (project_id, key, value) VALUES (?, ?, ?) "
                                  "ON CONFLICT (project_id, key) DO UPDATE SET value = excluded.value",
                                  err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, project_id);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
    if (value)
        sqlite3_bind_text(st, 3, value, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return store_sql_error(s, err, "set option");
    return store_exec(s,
                      "INSERT INTO meta (key, value) VALUES ('options_version', 1) "
                      "ON CONFLICT (key) DO UPDATE SET value = value + 1",
                      err);
}

int64_t store_options_version(struct store *s)
{
    char err[ERRMSG_SIZE];
    /* The digest asks once per event, so the statement is kept prepared. */
    sqlite3_stmt *st = store_stmt(s, STMT_OPTIONS_VERSION, "SELECT value FROM meta WHERE key = 'options_version'",
                                  err);
    if (!st)
        return 0;
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return v;
}

static void sha256_hex(const char *text, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(text, strlen(text), md, &len, EVP_sha256(), NULL);
    for (unsigned int i = 0; i < len && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int store_token_create(struct store *s, char token[STORE_TOKEN_LEN + 1], char *err)
{
    if (random_hex(token, STORE_TOKEN_LEN / 2) < 0) {
        errmsg_set(err, "no random bytes for the token");
        return -1;
    }
    char hash[65];
    sha256_hex(token, hash);
    sqlite3_stmt *st =
        store_stmt(s, STMT_TOKEN_INSERT, "INSERT INTO tokens (hash, created) VALUES (?, ?)", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(st, 2, store_now());
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_sql_error(s, err, "create token");
}

int store_token_check(struct store *s, const char *token, char *err)
{
    if (!token || strlen(token) != STORE_TOKEN_LEN)
        return 0;
    char hash[65];
    sha256_hex(token, hash);
    sqlite3_stmt *st = store_stmt(s, STMT_TOKEN_CHECK, "SELECT 1 FROM tokens WHERE hash = ?", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : store_sql_error(s, err, "check token");
}
