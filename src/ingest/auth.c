/* Parsing of the ways an SDK names its project key: auth headers and DSNs. */
#include "ingest/ingest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/compress.h"

static int valid_key(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)k[i]))
            return 0;
    return 1;
}

/* "key=value, key=value" pairs; values may be quoted. */
static int parse_pairs(const char *p, struct sentry_auth *out, char *err)
{
    int have_key = 0;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *k = p;
        while (*p && *p != '=' && *p != ',')
            p++;
        size_t klen = (size_t)(p - k);
        while (klen && k[klen - 1] == ' ')
            klen--;
        char val[128];
        size_t vlen = 0;
        if (*p == '=') {
            p++;
            while (*p == ' ')
                p++;
            int quoted = *p == '"';
            if (quoted)
                p++;
            while (*p && (quoted ? *p != '"' : *p != ',')) {
                if (vlen + 1 < sizeof val)
                    val[vlen++] = *p;
                p++;
            }
            if (quoted && *p == '"')
                p++;
        }
        while (vlen && val[vlen - 1] == ' ')
            vlen--;
        val[vlen] = '\0';
        if (klen == 10 && strncmp(k, "sentry_key", 10) == 0) {
            if (!valid_key(val)) {
                errmsg_set(err, "invalid sentry_key");
                return -1;
            }
            memcpy(out->key, val, strlen(val) + 1); /* valid_key() bounds it to 64 */
            have_key = 1;
        } else if (klen == 14 && strncmp(k, "sentry_version", 14) == 0) {
            char *end;
            long v = strtol(val, &end, 10);
            if (end == val || v <= 0 || v > 1000) {
                errmsg_set(err, "invalid sentry_version");
                return -1;
            }
            out->version = (int)v;
        }
    }
    if (!have_key) {
        errmsg_set(err, "missing sentry_key in authorization");
        return -1;
    }
    return 0;
}

int ingest_parse_auth_header(const char *value, struct sentry_auth *out, char *err)
{
    memset(out, 0, sizeof *out);
    while (*value == ' ')
        value++;
    if (strncasecmp(value, "Basic ", 6) == 0) {
        struct buf raw = BUF_INIT;
        if (base64_decode(value + 6, strlen(value + 6), &raw) < 0 || !raw.data) {
            buf_free(&raw);
            errmsg_set(err, "invalid basic authorization");
            return -1;
        }
        char *colon = memchr(raw.data, ':', raw.len);
        if (colon)
            *colon = '\0';
        int ok = strlen(raw.data) < sizeof out->key && valid_key(raw.data);
        if (ok)
            snprintf(out->key, sizeof out->key, "%s", raw.data);
        buf_free(&raw);
        if (!ok) {
            errmsg_set(err, "invalid sentry_key in basic authorization");
            return -1;
        }
        return 0;
    }
    if (strncasecmp(value, "Sentry ", 7) == 0)
        value += 7;
    return parse_pairs(value, out, err);
}

int ingest_parse_dsn(const char *dsn, char key[65], char project[32], char *err)
{
    const char *p = strstr(dsn, "://");
    if (!p) {
        errmsg_set(err, "invalid dsn: no scheme");
        return -1;
    }
    p += 3;
    const char *at = strchr(p, '@');
    const char *slash = strchr(p, '/');
    if (!at || (slash && slash < at)) {
        errmsg_set(err, "invalid dsn: no public key");
        return -1;
    }
    size_t klen = strcspn(p, ":@");
    if (klen == 0 || klen > 64) {
        errmsg_set(err, "invalid dsn: bad public key");
        return -1;
    }
    memcpy(key, p, klen);
    key[klen] = '\0';
    if (!valid_key(key)) {
        errmsg_set(err, "invalid dsn: bad public key");
        return -1;
    }
    const char *last = strrchr(at, '/');
    if (!last || !last[1]) {
        errmsg_set(err, "invalid dsn: no project id");
        return -1;
    }
    size_t plen = strlen(last + 1);
    while (plen && last[plen] == '/')
        plen--;
    if (plen == 0 || plen >= 32) {
        errmsg_set(err, "invalid dsn: bad project id");
        return -1;
    }
    memcpy(project, last + 1, plen);
    project[plen] = '\0';
    for (size_t i = 0; i < plen; i++)
        if (!isdigit((unsigned char)project[i])) {
            errmsg_set(err, "invalid dsn: project id is not a number");
            return -1;
        }
    return 0;
}

int ingest_normalize_event_id(const char *in, char out[33])
{
    size_t n = 0;
    for (const char *p = in; *p; p++) {
        if (*p == '-')
            continue;
        if (!isxdigit((unsigned char)*p) || n >= 32)
            return -1;
        out[n++] = (char)tolower((unsigned char)*p);
    }
    out[n] = '\0';
    return n == 32 ? 0 : -1;
}
