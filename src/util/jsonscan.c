/* A validating JSON scanner for event payloads.
 *
 * Ingestion must refuse what the digest could not parse, but building a jansson tree for every
 * event just to check it costs more than everything else a request does (allocation for every
 * value). This scanner walks the bytes once without allocating and accepts exactly what jansson
 * accepts with the digest's flags: RFC 8259 JSON, UTF-8 only, no \u0000, paired surrogates,
 * integers that fit in 64 bits, finite reals, nesting up to JSONCHECK_MAX_DEPTH. It also finds the
 * top-level "event_id" string.
 *
 * The same scanner also builds jansson trees for the digest (jsonscan_build): jansson's own parser
 * reads one character at a time through a stream layer and is the digest's largest cost, while
 * the tree it builds is what the grouping code consumes. */
#include "util/jsonscan.h"
#include "util/utf8.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

struct scan {
    const unsigned char *p, *end, *start;
    char                *err;
    int                  depth;
    const char          *subject;  /* for error messages: "event JSON" unless set */
};

static int fail(struct scan *s, const char *what)
{
    errmsg_set(s->err, "invalid %s: %s at byte %zu", s->subject ? s->subject : "event JSON", what,
               (size_t)(s->p - s->start));
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
    int len = utf8_seq_len(s->p, s->end);
    if (len <= 0)
        return fail(s, len < 0 ? "truncated UTF-8" : "invalid UTF-8");
    s->p += len;
    return 0;
}

/* The value of the 4 hex digits at p; -1 if one is not a hex digit. */
static int hex4_at(const unsigned char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    *out = v;
    return 0;
}

static int hex4(struct scan *s, unsigned *out)
{
    if (s->end - s->p < 4)
        return fail(s, "truncated \\u escape");
    if (hex4_at(s->p, out) < 0)
        return fail(s, "invalid \\u escape");
    s->p += 4;
    return 0;
}

/* A string; s->p is at the opening quote. If copy is given, the raw content (escape-free strings
 * only) is copied there when it fits; *copied tells whether it was. */
/* Nonzero when one of the 8 bytes in x is a quote, a backslash, a control character or not ASCII:
 * the bytes the string loop must look at one by one (SWAR: per-byte tests on a 64-bit word). */
static inline uint64_t special_bytes(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
    return (((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x) | x) & high;
}

static int string_ex(struct scan *s, char *copy, size_t cap, int *copied, int *had_escapes)
{
    s->p++;
    const unsigned char *content = s->p;
    int escaped = 0;
    for (;;) {
        while (s->end - s->p >= 8) {   /* plain ASCII runs, 8 bytes at a time */
            uint64_t x;
            memcpy(&x, s->p, 8);
            if (special_bytes(x))
                break;
            s->p += 8;
        }
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

/* A number's value, as number() converted it to check the limits. */
struct number_value {
    int       is_real;
    long long integer;
    double    real;
};

/* A number, with jansson's limits: integers must fit in int64, reals must be finite. out (may be
 * NULL) receives the value. */
static int number(struct scan *s, struct number_value *out)
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
    struct number_value v = {.is_real = is_real};
    if (is_real) {
        v.real = strtod(tmp, NULL);
        if (errno == ERANGE && isinf(v.real))
            return fail(s, "real number overflow");
    } else {
        v.integer = strtoll(tmp, NULL, 10);
        if (errno == ERANGE)
            return fail(s, "too big integer");
    }
    if (out)
        *out = v;
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

/* At a container's opening bracket: steps in; 1 if it is empty (closing bracket read too), else 0. */
static int open_container(struct scan *s, char close)
{
    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == close) {
        s->p++;
        return 1;
    }
    return 0;
}

/* After a member or element: 1 if a comma says another follows, 0 at the closing bracket (read),
 * -1 (error set) otherwise. */
static int next_member(struct scan *s, char close)
{
    skip_ws(s);
    if (s->p < s->end && *s->p == ',') {
        s->p++;
        return 1;
    }
    if (s->p < s->end && *s->p == close) {
        s->p++;
        return 0;
    }
    return fail(s, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
}

static int object(struct scan *s, int top, char *event_id, size_t cap, int *found)
{
    if (open_container(s, '}'))
        return 0;
    for (;;) {
        skip_ws(s);
        if (s->p >= s->end || *s->p != '"')
            return fail(s, "expected a string key");
        char key[16];
        int copied = 0, escapes = 0;
        if (string_ex(s, key, sizeof key, &copied, &escapes) < 0)
            return -1;
        skip_ws(s);
        if (s->p >= s->end || *s->p != ':')
            return fail(s, "expected ':'");
        s->p++;
        skip_ws(s);
        int is_id = top && copied && strcmp(key, "event_id") == 0;
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
        int more = next_member(s, '}');
        if (more <= 0)
            return more;
    }
}

static int array(struct scan *s)
{
    if (open_container(s, ']'))
        return 0;
    for (;;) {
        if (value(s, 0, NULL, 0, NULL) < 0)
            return -1;
        int more = next_member(s, ']');
        if (more <= 0)
            return more;
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
        return number(s, NULL);
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

int jsoncheck_event(const char *data, size_t n, char *event_id, size_t cap, int *event_id_state, char *err)
{
    struct scan s = {(const unsigned char *)data, (const unsigned char *)data + n, (const unsigned char *)data,
                     err, 0, NULL};
    *event_id_state = 0;
    return scan_object(&s, event_id, cap, event_id_state);
}

/* --- building a jansson tree ------------------------------------------------------------------ */

struct build {
    struct scan       s;
    jsonscan_skip_fn  skip;
    void             *skip_ctx;
    int               flags;
    struct buf        tmp;      /* unescaped strings */
};

/* Appends code point cp as UTF-8 (cp is a valid scalar value: the scanner checked it). */
static int put_utf8(struct buf *b, unsigned cp)
{
    char u[4];
    int n;
    if (cp < 0x80)
        u[0] = (char)cp, n = 1;
    else if (cp < 0x800)
        u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
    else if (cp < 0x10000)
        u[0] = (char)(0xe0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[2] = (char)(0x80 | (cp & 0x3f)),
        n = 3;
    else
        u[0] = (char)(0xf0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3f)),
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
    return buf_append(b, u, (size_t)n);
}

/* Scans a string (s->p at the quote). *text and *len: its content, pointing into the input when it has
 * no escapes, else decoded into b->tmp. The scanner has validated it before it is decoded. */
static int build_string(struct build *b, const char **text, size_t *len, int *had_escapes)
{
    const unsigned char *content = b->s.p + 1;
    int escaped = 0;
    if (string_ex(&b->s, NULL, 0, NULL, &escaped) < 0)
        return -1;
    const unsigned char *end = b->s.p - 1;   /* closing quote */
    if (had_escapes)
        *had_escapes = escaped;
    if (!escaped) {
        *text = (const char *)content;
        *len = (size_t)(end - content);
        return 0;
    }
    buf_reset(&b->tmp);
    int rc = 0;
    for (const unsigned char *p = content; rc == 0 && p < end;) {
        const unsigned char *run = p;
        while (p < end && *p != '\\')
            p++;
        rc = buf_append(&b->tmp, run, (size_t)(p - run));
        if (rc < 0 || p >= end)
            break;
        unsigned c = p[1];
        p += 2;
        if (c == 'u') {   /* the scanner checked the digits, and that a low half follows a high one */
            unsigned cp, lo;
            hex4_at(p, &cp);
            p += 4;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                hex4_at(p + 2, &lo);
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                p += 6;
            }
            rc = put_utf8(&b->tmp, cp);
        } else {
            static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
            char out = to[strchr(from, (int)c) - from];
            rc = buf_append(&b->tmp, &out, 1);
        }
    }
    if (rc < 0)
        return fail(&b->s, "out of memory");
    *text = b->tmp.data ? b->tmp.data : "";
    *len = b->tmp.len;
    return 0;
}

static json_t *build_value(struct build *b);

static json_t *build_number(struct build *b)
{
    struct number_value n;
    if (number(&b->s, &n) < 0)
        return NULL;
    json_t *v = n.is_real ? json_real(n.real) : json_integer(n.integer);
    if (!v)
        fail(&b->s, "out of memory");
    return v;
}

static json_t *build_object(struct build *b)
{
    json_t *obj = json_object();
    if (!obj) {
        fail(&b->s, "out of memory");
        return NULL;
    }
    struct scan *s = &b->s;
    if (open_container(s, '}'))
        return obj;
    for (;;) {
        skip_ws(s);
        if (s->p >= s->end || *s->p != '"')
            goto bad_key;
        const unsigned char *raw_key = s->p + 1;
        const char *key;
        size_t key_len;
        int escapes;
        if (build_string(b, &key, &key_len, &escapes) < 0)
            goto fail;
        size_t raw_len = (size_t)(s->p - 1 - raw_key);
        /* the decoded key may live in b->tmp, which the value can reuse: keep a copy */
        char small[64], *key_copy = key_len < sizeof small ? small : malloc(key_len + 1);
        if (!key_copy) {
            fail(s, "out of memory");
            goto fail;
        }
        memcpy(key_copy, key, key_len);
        key_copy[key_len] = '\0';
        skip_ws(s);
        json_t *v = NULL;
        if (s->p >= s->end || *s->p != ':') {
            fail(s, "expected ':'");
        } else {
            s->p++;
            skip_ws(s);
            if (b->skip && b->skip(b->skip_ctx, s->depth, (const char *)raw_key, raw_len, escapes)) {
                /* not needed: validated as usual, kept as null */
                if (value(s, 0, NULL, 0, NULL) == 0 && !(v = json_null()))
                    fail(s, "out of memory");
            } else {
                v = build_value(b);
            }
        }
        if (v && (b->flags & JSONSCAN_REJECT_DUPLICATES) && json_object_getn(obj, key_copy, key_len)) {
            json_decref(v);
            v = NULL;
            fail(s, "duplicate object key");
        }
        int set = v ? json_object_setn_new_nocheck(obj, key_copy, key_len, v) : -1;
        if (key_copy != small)
            free(key_copy);
        if (set < 0) {
            if (v)
                fail(s, "out of memory");
            goto fail;
        }
        int more = next_member(s, '}');
        if (more == 0)
            return obj;
        if (more < 0)
            goto fail;
    }
bad_key:
    fail(s, "expected a string key");
fail:
    json_decref(obj);
    return NULL;
}

static json_t *build_array(struct build *b)
{
    json_t *arr = json_array();
    if (!arr) {
        fail(&b->s, "out of memory");
        return NULL;
    }
    struct scan *s = &b->s;
    if (open_container(s, ']'))
        return arr;
    for (;;) {
        json_t *v = build_value(b);
        if (!v || json_array_append_new(arr, v) < 0) {
            if (v)
                fail(s, "out of memory");
            json_decref(arr);
            return NULL;
        }
        int more = next_member(s, ']');
        if (more == 0)
            return arr;
        if (more < 0) {
            json_decref(arr);
            return NULL;
        }
    }
}

static json_t *build_value(struct build *b)
{
    struct scan *s = &b->s;
    skip_ws(s);
    if (s->p >= s->end) {
        fail(s, "unexpected end of input");
        return NULL;
    }
    json_t *v = NULL;
    switch (*s->p) {
    case '{':
    case '[':
        if (++s->depth > JSONCHECK_MAX_DEPTH) {
            fail(s, "maximum nesting depth exceeded");
            return NULL;
        }
        v = *s->p == '{' ? build_object(b) : build_array(b);
        s->depth--;
        return v;
    case '"': {
        const char *text;
        size_t len;
        if (build_string(b, &text, &len, NULL) < 0)
            return NULL;
        v = json_stringn_nocheck(text, len);
        break;
    }
    case 't':
        v = literal(s, "true") < 0 ? NULL : json_true();
        return v;
    case 'f':
        v = literal(s, "false") < 0 ? NULL : json_false();
        return v;
    case 'n':
        v = literal(s, "null") < 0 ? NULL : json_null();
        return v;
    default:
        return build_number(b);
    }
    if (!v)
        fail(s, "out of memory");
    return v;
}

json_t *jsonscan_build(const char *data, size_t n, int flags, jsonscan_skip_fn skip, void *ctx, char *err)
{
    struct build b = {.s = {(const unsigned char *)data, (const unsigned char *)data + n,
                            (const unsigned char *)data, err, 0, (flags & JSONSCAN_PLAIN_ERRORS) ? "JSON" : NULL},
                      .skip = skip, .skip_ctx = ctx, .flags = flags, .tmp = BUF_INIT};
    json_t *root = NULL;
    skip_ws(&b.s);
    if (b.s.p >= b.s.end)
        fail(&b.s, "empty body");
    else if (*b.s.p != '{')
        fail(&b.s, "not a JSON object");
    else if ((root = build_value(&b)) != NULL) {
        skip_ws(&b.s);
        if (b.s.p != b.s.end) {
            fail(&b.s, "trailing data after the object");
            json_decref(root);
            root = NULL;
        }
    }
    buf_free(&b.tmp);
    return root;
}
