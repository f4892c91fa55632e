/* Small helpers of the grouping module: the per-run arena, glob matching, JSON string escaping. */
#include "grouping/internal.h"

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- arena ---------------- */

struct garena_chunk {
    struct garena_chunk *next;
    _Alignas(16) char data[];
};

void garena_init(struct garena *a)
{
    a->head = NULL;
    a->cur = a->first;
    a->end = a->first + sizeof a->first;
}

/* A new chunk (n is rounded by garena_alloc_raw); the rest of the current one is left. */
void *garena_alloc_more(struct garena *a, size_t n)
{
    size_t cap = n > 32768 ? n : 32768;
    struct garena_chunk *c = malloc(sizeof *c + cap);
    if (!c)
        return NULL;
    c->next = a->head;
    a->head = c;
    a->cur = c->data + n;
    a->end = c->data + cap;
    return c->data;
}

void *garena_alloc(struct garena *a, size_t n)
{
    void *p = garena_alloc_raw(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

char *garena_strndup(struct garena *a, const char *s, size_t n)
{
    char *p = garena_alloc_raw(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *garena_strdup(struct garena *a, const char *s)
{
    return garena_strndup(a, s, strlen(s));
}

char *garena_printf(struct garena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    if ((size_t)n < sizeof tmp)
        return garena_strndup(a, tmp, (size_t)n);
    char *p = garena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void garena_free(struct garena *a)
{
    struct garena_chunk *c = a->head;
    while (c) {
        struct garena_chunk *next = c->next;
        free(c);
        c = next;
    }
    garena_init(a); /* empty again, ready for another run */
}

/* ---------------- per-thread memo ---------------- */

#define GMEMO_SLOTS 4096
struct gmemo_ent {
    uint64_t h;
    uint32_t klen, vlen, aux;
    char *kv;                    /* key bytes, then value bytes; NULL when empty */
};
struct gmemo {
    struct gmemo_ent ent[GMEMO_KINDS][GMEMO_SLOTS];
};

static pthread_key_t gmemo_key;
static pthread_once_t gmemo_once = PTHREAD_ONCE_INIT;
static bool gmemo_key_ok;
static _Thread_local struct gmemo *gmemo_tl;

static void gmemo_destroy(void *p)
{
    struct gmemo *m = p;
    for (int k = 0; k < GMEMO_KINDS; k++)
        for (int i = 0; i < GMEMO_SLOTS; i++)
            free(m->ent[k][i].kv);
    free(m);
}

static void gmemo_init(void) { gmemo_key_ok = pthread_key_create(&gmemo_key, gmemo_destroy) == 0; }

static struct gmemo *gmemo_self(bool create)
{
    if (gmemo_tl || !create)
        return gmemo_tl;
    pthread_once(&gmemo_once, gmemo_init);
    if (!gmemo_key_ok)
        return NULL;
    struct gmemo *m = calloc(1, sizeof *m);
    if (m && pthread_setspecific(gmemo_key, m) != 0) {
        free(m);
        m = NULL;
    }
    return gmemo_tl = m;
}

uint64_t gmemo_hash(const char *s, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        h = (h ^ x) * 0xBF58476D1CE4E5B9ULL;
        h ^= h >> 31;
    }
    /* the last 1..7 bytes without a variable-length memcpy call: overlapping fixed loads (the
     * hash only picks a slot; keys are compared in full) */
    uint64_t x = 0;
    if (n >= 8) {
        if (i < n)
            memcpy(&x, s + n - 8, 8);
    } else if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, s, 4);
        memcpy(&hi, s + n - 4, 4);
        x = lo | (uint64_t)hi << 32;
    } else if (n) {
        x = (unsigned char)s[0] | (uint64_t)(unsigned char)s[n / 2] << 8 |
            (uint64_t)(unsigned char)s[n - 1] << 16;
    }
    h = (h ^ x) * 0x94D049BB133111EBULL;
    return h ^ (h >> 29);
}

const char *gmemo_get(int kind, const char *s, size_t n, uint64_t h, size_t *vlen, size_t *aux)
{
    struct gmemo *m = gmemo_self(false);
    if (!m)
        return NULL;
    const struct gmemo_ent *e = &m->ent[kind][h % GMEMO_SLOTS];
    if (!e->kv || e->h != h || e->klen != n || memcmp(e->kv, s, n) != 0)
        return NULL;
    *vlen = e->vlen;
    *aux = e->aux;
    return e->kv + n;
}

void gmemo_put(int kind, const char *s, size_t n, uint64_t h, const char *v, size_t vlen, size_t aux)
{
    struct gmemo *m = gmemo_self(true);
    if (!m || n > GMEMO_MAX_KEY || vlen > GMEMO_MAX_KEY)
        return;
    struct gmemo_ent *e = &m->ent[kind][h % GMEMO_SLOTS];
    char *kv = malloc(n + vlen + 1);
    if (!kv)
        return;
    memcpy(kv, s, n);
    memcpy(kv + n, v, vlen);
    kv[n + vlen] = '\0';
    free(e->kv);
    *e = (struct gmemo_ent){h, (uint32_t)n, (uint32_t)vlen, (uint32_t)aux, kv};
}

/* ---------------- glob ---------------- */

static int fold(int c, int flags)
{
    if ((flags & GGLOB_ICASE) && c >= 'A' && c <= 'Z')
        return c - 'A' + 'a';
    return c;
}

static int vchar(const char *v, int flags)
{
    int c = (unsigned char)*v;
    if ((flags & GGLOB_PATH) && c == '\\')
        c = '/';
    return fold(c, flags);
}

/* Match a character class starting after '['; *end receives the position after ']'.
 * Returns 1 match, 0 no match, -1 malformed (then '[' is a literal). */
static int class_match(const char *p, int c, int flags, const char **end)
{
    bool neg = false, hit = false;
    if (*p == '!' || *p == '^') {
        neg = true;
        p++;
    }
    const char *start = p;
    while (*p && (*p != ']' || p == start)) {
        int lo = fold((unsigned char)*p, flags), hi = lo;
        if (*p == '\\' && p[1]) {
            p++;
            lo = hi = fold((unsigned char)*p, flags);
        }
        if (p[1] == '-' && p[2] && p[2] != ']') {
            hi = fold((unsigned char)p[2], flags);
            p += 2;
        }
        if (c >= lo && c <= hi)
            hit = true;
        p++;
    }
    if (*p != ']')
        return -1;
    *end = p + 1;
    return hit != neg;
}

const char *gglob_class_end(const char *p)
{
    const char *end;
    return class_match(p, -1, 0, &end) < 0 ? NULL : end; /* -1: a byte no class holds */
}

static bool glob_rec(const char *p, const char *v, int flags, long *budget)
{
    while (*p) {
        if (--*budget < 0)
            return false;
        if (*p == '*') {
            bool dbl = p[1] == '*';
            bool cross = dbl || !(flags & GGLOB_DOUBLESTAR);
            p += dbl ? 2 : 1;
            while (*p == '*' && cross) /* more stars add nothing */
                p++;
            if (!*p) {
                if (cross)
                    return true;
                for (; *v; v++)
                    if (vchar(v, flags) == '/')
                        return false;
                return true;
            }
            /* When the star is followed by a plain character, positions where the value has
             * another character cannot start a match: step over them here, charging the
             * budget exactly as the recursive attempts would have. */
            bool lit = *p != '?' && *p != '[' && *p != '\\';
            int lc = 0;
            if (lit) {
                lc = fold((unsigned char)*p, flags);
                if ((flags & GGLOB_PATH) && lc == '\\')
                    lc = '/';
            }
            for (;;) {
                if (lit) {
                    while (*v) {
                        int c = vchar(v, flags);
                        if (c == lc || (!cross && c == '/'))
                            break;
                        if (--*budget < 0)
                            return false;
                        v++;
                    }
                }
                if (glob_rec(p, v, flags, budget))
                    return true;
                if (!*v || (!cross && vchar(v, flags) == '/') || *budget < 0)
                    return false;
                v++;
            }
        }
        if (!*v)
            return false;
        int c = vchar(v, flags);
        if (*p == '?') {
            if ((flags & GGLOB_DOUBLESTAR) && c == '/')
                return false;
            p++;
            v++;
            continue;
        }
        if (*p == '[') {
            const char *end;
            int r = class_match(p + 1, c, flags, &end);
            if (r >= 0) {
                if (!r)
                    return false;
                p = end;
                v++;
                continue;
            }
        }
        int pc;
        if (*p == '\\' && p[1]) {
            p++;
            pc = fold((unsigned char)*p, flags);
        } else {
            pc = fold((unsigned char)*p, flags);
            if ((flags & GGLOB_PATH) && pc == '\\')
                pc = '/';
        }
        if (pc != c)
            return false;
        p++;
        v++;
    }
    return *v == '\0';
}

bool gglob_match(const char *pattern, const char *value, int flags)
{
    long budget = 200000; /* hostile patterns cannot burn unbounded time */
    return glob_rec(pattern, value ? value : "", flags, &budget);
}

bool gglob_path_match_low(const char *pattern_lower, const char *lowered)
{
    int flags = GGLOB_DOUBLESTAR | GGLOB_PATH;
    if (gglob_match(pattern_lower, lowered, flags))
        return true;
    if (lowered[0] == '/')
        return false;
    char stack[512];
    size_t n = strlen(lowered);
    char *v = n + 2 <= sizeof stack ? stack : malloc(n + 2);
    if (!v)
        return false;
    v[0] = '/';
    memcpy(v + 1, lowered, n + 1);
    bool ok = gglob_match(pattern_lower, v, flags);
    if (v != stack)
        free(v);
    return ok;
}

bool gglob_path_match(const char *pattern_lower, const char *value)
{
    if (!value)
        return false;
    char stack[512];
    size_t n = strlen(value);
    char *low = n + 2 <= sizeof stack ? stack : malloc(n + 2);
    if (!low)
        return false;
    low[0] = '/';
    for (size_t i = 0; i <= n; i++)
        low[i + 1] = (char)tolower((unsigned char)value[i]);
    int flags = GGLOB_DOUBLESTAR | GGLOB_PATH;
    bool ok = gglob_match(pattern_lower, low + 1, flags);
    if (!ok && low[1] != '/')
        ok = gglob_match(pattern_lower, low, flags);
    if (low != stack)
        free(low);
    return ok;
}

/* ---------------- JSON strings ---------------- */

/* Append without a function call when the buffer has room (the JSON writers are hot). */
static inline void put_fast(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap && buf_reserve(b, n) < 0)
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void gjson_raw(struct buf *b, const char *s, size_t n) { put_fast(b, s, n); }

/* Index of the first byte needing a JSON escape (< 0x20, '"', '\\') in s[0..n), or n.
 * Eight bytes at a time: a block without such a byte is skipped with a few integer operations. */
static size_t first_special(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
        uint64_t hit = ((x - ones * 0x20) | (q - ones) | (bs - ones)) & ~x & highs;
        if (hit)
            break;
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == '"' || c == '\\')
            return i;
    }
    return n;
}

void gjson_str(struct buf *b, const char *s)
{
    if (!s) {
        put_fast(b, "null", 4);
        return;
    }
    size_t n = strlen(s);
    if (b->len + n + 3 > b->cap)
        buf_reserve(b, n + 2);
    put_fast(b, "\"", 1);
    while (n) {
        size_t k = first_special(s, n);
        put_fast(b, s, k);
        if (k == n)
            break;
        unsigned char c = (unsigned char)s[k];
        switch (c) {
        case '"': put_fast(b, "\\\"", 2); break;
        case '\\': put_fast(b, "\\\\", 2); break;
        case '\n': put_fast(b, "\\n", 2); break;
        case '\r': put_fast(b, "\\r", 2); break;
        case '\t': put_fast(b, "\\t", 2); break;
        default: buf_printf(b, "\\u%04x", c); break;
        }
        s += k + 1;
        n -= k + 1;
    }
    put_fast(b, "\"", 1);
}
