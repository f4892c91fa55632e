/* A validating JSON scanner for event payloads.
 *
 * Ingestion must refuse what the digest could not parse, but building a jansson tree for every
 * event just to check it costs more than everything else a request does (allocation for every
 * value). This scanner walks the bytes once without allocating and accepts exactly what jansson
 * accepts with the digest's flags: RFC 8259 JSON, UTF-8 only, no \u0000, paired surrogates,
 * integers that fit in 64 bits, finite reals, nesting up to JSONCHECK_MAX_DEPTH. It also finds the
 * top-level "event_id" string. */
#include "util/jsonscan.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct scan {
    const unsigned char *p, *end, *start;
    char                *err;
    int                  depth;
    jsonscan_member_fn   member;   /* top-level member callback, or NULL */
    void                *member_ctx;
};

static int fail(struct scan *s, const char *what)
{
    errmsg_set(s->err, "invalid event JSON: %s at byte %zu", what, (size_t)(s->p - s->start));
    return -1;
}

static void skip_ws(struct scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

/* One UTF-8 sequence starting at s->p (already known to be >= 0x80); advances past it. */
static int utf8_char(struct scan *s)
{
    const unsigned char *p = s->p;
    unsigned c = p[0];
    int len;
    unsigned cp;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, cp = c & 0x07;
    else
        return fail(s, "invalid UTF-8");
    if (s->end - p < len)
        return fail(s, "truncated UTF-8");
    for (int i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return fail(s, "invalid UTF-8");
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    /* overlong forms, surrogates and values past U+10FFFF are not UTF-8 */
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return fail(s, "invalid UTF-8");
    s->p += len;
    return 0;
}

static int hex4(struct scan *s, unsigned *out)
{
    if (s->end - s->p < 4)
        return fail(s, "truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = s->p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return fail(s, "invalid \\u escape");
    }
    s->p += 4;
    *out = v;
    return 0;
}

/* A string; s->p is at the opening quote. If copy is given, the raw content (escape-free strings
 * only) is copied there when it fits; *copied tells whether it was. */
static int string_ex(struct scan *s, char *copy, size_t cap, int *copied, int *had_escapes)
{
    s->p++;
    const unsigned char *content = s->p;
    int escaped = 0;
    for (;;) {
        if (s->p >= s->end)
            return fail(s, "unterminated string");
        unsigned c = *s->p;
        if (c == '"')
            break;
        if (c < 0x20)
            return fail(s, "control character in string");
        if (c == '\\') {
            escaped = 1;
            s->p++;
            if (s->p >= s->end)
                return fail(s, "unterminated string");
            c = *s->p++;
            if (c == 'u') {
                unsigned v;
                if (hex4(s, &v) < 0)
                    return -1;
                if (v == 0)
                    return fail(s, "\\u0000 is not allowed");
                if (v >= 0xdc00 && v <= 0xdfff)
                    return fail(s, "unpaired low surrogate");
                if (v >= 0xd800 && v <= 0xdbff) {
                    unsigned lo;
                    if (s->end - s->p < 2 || s->p[0] != '\\' || s->p[1] != 'u')
                        return fail(s, "unpaired high surrogate");
                    s->p += 2;
                    if (hex4(s, &lo) < 0)
                        return -1;
                    if (lo < 0xdc00 || lo > 0xdfff)
                        return fail(s, "invalid surrogate pair");
                }
            } else if (!strchr("\"\\/bfnrt", (int)c) || c == 0) {
                return fail(s, "invalid escape");
            }
            continue;
        }
        if (c >= 0x80) {
            if (utf8_char(s) < 0)
                return -1;
            continue;
        }
        s->p++;
    }
    size_t n = (size_t)(s->p - content);
    if (had_escapes)
        *had_escapes = escaped;
    if (copy && copied) {
        *copied = !escaped && n < cap;
        if (*copied) {
            memcpy(copy, content, n);
            copy[n] = '\0';
        }
    }
    s->p++;   /* closing quote */
    return 0;
}

static int string(struct scan *s, char *copy, size_t cap, int *copied)
{
    return string_ex(s, copy, cap, copied, NULL);
}

/* A number, with jansson's limits: integers must fit in int64, reals must be finite. */
static int number(struct scan *s)
{
    const unsigned char *b = s->p;
    int is_real = 0;
    if (s->p < s->end && *s->p == '-')
        s->p++;
    if (s->p >= s->end)
        return fail(s, "invalid number");
    if (*s->p == '0') {
        s->p++;
    } else if (*s->p >= '1' && *s->p <= '9') {
        while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
            s->p++;
    } else {
        return fail(s, "invalid number");
    }
    if (s->p < s->end && *s->p == '.') {
        is_real = 1;
        s->p++;
        if (s->p >= s->end || *s->p < '0' || *s->p > '9')
            return fail(s, "invalid number");
        while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
            s->p++;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        is_real = 1;
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        if (s->p >= s->end || *s->p < '0' || *s->p > '9')
            return fail(s, "invalid number");
        while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
            s->p++;
    }
    size_t n = (size_t)(s->p - b);
    char tmp[512];
    if (n >= sizeof tmp)
        return is_real ? fail(s, "real number too long") : fail(s, "too big integer");
    memcpy(tmp, b, n);
    tmp[n] = '\0';
    errno = 0;
    if (is_real) {
        double v = strtod(tmp, NULL);
        if (errno == ERANGE && isinf(v))
            return fail(s, "real number overflow");
    } else {
        strtoll(tmp, NULL, 10);
        if (errno == ERANGE)
            return fail(s, "too big integer");
    }
    return 0;
}

static int value(struct scan *s, int top, char *event_id, size_t cap, int *found);

static int literal(struct scan *s, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return fail(s, "invalid literal");
    s->p += n;
    return 0;
}

static int object(struct scan *s, int top, char *event_id, size_t cap, int *found)
{
    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        return 0;
    }
    for (;;) {
        skip_ws(s);
        if (s->p >= s->end || *s->p != '"')
            return fail(s, "expected a string key");
        char key[16];
        int copied = 0, escapes = 0;
        const unsigned char *key_start = s->p + 1;
        if (string_ex(s, key, sizeof key, &copied, &escapes) < 0)
            return -1;
        size_t key_len = (size_t)(s->p - 1 - key_start);
        skip_ws(s);
        if (s->p >= s->end || *s->p != ':')
            return fail(s, "expected ':'");
        s->p++;
        skip_ws(s);
        int is_id = top && copied && strcmp(key, "event_id") == 0;
        const unsigned char *value_start = s->p;
        if (is_id && s->p < s->end && *s->p == '"') {
            int got = 0;
            if (string(s, event_id, cap, &got) < 0)
                return -1;
            *found = got ? 1 : 2;   /* 2: present but not a plain short string */
        } else {
            if (is_id)
                *found = 2;
            if (value(s, 0, NULL, 0, NULL) < 0)
                return -1;
        }
        if (s->member &&
            s->member(s->member_ctx, s->depth, (const char *)key_start, key_len, escapes,
                      (const char *)value_start, (size_t)(s->p - value_start)) != 0)
            return fail(s, "member rejected");
        skip_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == '}') {
            s->p++;
            return 0;
        }
        return fail(s, "expected ',' or '}'");
    }
}

static int array(struct scan *s)
{
    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return 0;
    }
    for (;;) {
        if (value(s, 0, NULL, 0, NULL) < 0)
            return -1;
        skip_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == ']') {
            s->p++;
            return 0;
        }
        return fail(s, "expected ',' or ']'");
    }
}

static int value(struct scan *s, int top, char *event_id, size_t cap, int *found)
{
    skip_ws(s);
    if (s->p >= s->end)
        return fail(s, "unexpected end of input");
    int rc;
    switch (*s->p) {
    case '{':
    case '[':
        if (++s->depth > JSONCHECK_MAX_DEPTH)
            return fail(s, "maximum nesting depth exceeded");
        rc = *s->p == '{' ? object(s, top, event_id, cap, found) : array(s);
        s->depth--;
        return rc;
    case '"':
        return string(s, NULL, 0, NULL);
    case 't':
        return literal(s, "true");
    case 'f':
        return literal(s, "false");
    case 'n':
        return literal(s, "null");
    default:
        return number(s);
    }
}

static int scan_object(struct scan *s, char *event_id, size_t cap, int *event_id_state)
{
    skip_ws(s);
    if (s->p >= s->end)
        return fail(s, "empty body");
    if (*s->p != '{')
        return fail(s, "not a JSON object");
    if (value(s, 1, event_id, cap, event_id_state) < 0)
        return -1;
    skip_ws(s);
    if (s->p != s->end)
        return fail(s, "trailing data after the object");
    return 0;
}

int jsonscan_members(const char *data, size_t n, jsonscan_member_fn fn, void *ctx, char *err)
{
    struct scan s = {(const unsigned char *)data, (const unsigned char *)data + n, (const unsigned char *)data,
                     err, 0, fn, ctx};
    char id[40];
    int state;
    return scan_object(&s, id, sizeof id, &state);
}

int jsoncheck_event(const char *data, size_t n, char *event_id, size_t cap, int *event_id_state, char *err)
{
    struct scan s = {(const unsigned char *)data, (const unsigned char *)data + n, (const unsigned char *)data,
                     err, 0, NULL, NULL};
    *event_id_state = 0;
    return scan_object(&s, event_id, cap, event_id_state);
}
