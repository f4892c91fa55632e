/* Stack trace rules ("enhancements"), Sentry's syntax:
 *
 *   [ caller-matcher ] | matcher:arg [matcher:arg ...] | [ callee-matcher ]  action [action ...]
 *
 * Matchers: family (native|javascript|all, comma list), path / stack.abs_path, module /
 * stack.module, function / stack.function, package / stack.package, app (yes|no), category,
 * type / error.type, value / error.value, mechanism / error.mechanism. A leading '!' negates.
 * Arguments may be double-quoted. Globs: '*' (path-like: not across '/'), '**', '?', [...].
 * Actions: +app -app +group -group, each optionally prefixed by '^' (the frames above, towards the
 * crash) or 'v' (the frames below); category=NAME; max-frames=N; min-frames=N;
 * invert-stacktrace=BOOL. '#' starts a comment.
 *
 * Rules run top to bottom over every frame (oldest first). The classifier pass (app, category)
 * runs once per stack trace before grouping and changes the frames; the contributes pass (group,
 * max-frames, min-frames) runs per grouping variant on the frame components. */
#include "grouping/internal.h"
#include "util/swar.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum mkey { MK_PATH, MK_MODULE, MK_FUNCTION, MK_PACKAGE, MK_FAMILY, MK_APP, MK_CATEGORY, MK_TYPE,
            MK_VALUE, MK_MECHANISM, MK_FILENAME };
static const char *const mkey_name[] = {"path", "module", "function", "package", "family", "app",
                                        "category", "type", "value", "mechanism", "filename"};

enum akind { A_APP, A_GROUP, A_CATEGORY, A_MAX_FRAMES, A_MIN_FRAMES, A_INVERT };
enum arange { R_SELF, R_UP, R_DOWN };

/* The shape of a glob, recognised once at parse time so that most matches are a string compare
 * instead of a backtracking glob (see compile_form). */
enum gform { F_GLOB, F_EXACT, F_PREFIX, F_PREFIX_NOSLASH, F_SUFFIX, F_CONTAINS, F_PRESUF };

struct ematcher {
    unsigned char key, negated;
    unsigned char form;  /* enum gform */
    bool pathlike;       /* path, package, filename: lowered values, '/'-aware stars */
    bool stack_needle;   /* rule_possible tests the needle against the stack's joined values */
    bool dir_only;       /* path F_CONTAINS whose literal ends with '/': a value's directory part
                            alone decides (path_ok shares the answer between frames) */
    int family_mask;     /* MK_FAMILY: bit per family, bit 3 = all */
    int app;             /* MK_APP: 1 yes, 0 no, -1 neither */
    char *pattern;       /* lowercased for path-like keys */
    size_t plen;         /* strlen(pattern) */
    char *needle;        /* longest literal run of the glob (a value must contain it), or NULL */
    char *lit, *lit2;    /* F_*: the literal(s) of the shape (lit2: suffix of F_PRESUF) */
    size_t lit_len, lit2_len;
    int ntok;            /* path-like: "/segment/" tokens every matching value has (token_hash) */
    uint32_t tok[4];     /*   (of the literal, or of the needle for F_GLOB) */
    size_t tok_len[4];
    uint64_t tokmask;    /* ... as frame mask bits (TOKEN_FRAME_BIT) */
};

struct eaction {
    unsigned char kind, flag, range;
    int ival;
    char *sval;
};

struct erule {
    struct ematcher *m;
    int nm;
    bool has_caller, has_callee;
    struct ematcher caller, callee;
    struct eaction *a;
    int na;
    bool classifier, contributes;
    int family_mask;     /* prefilter: families this rule can match (all bits when unknown) */
    bool needs_category; /* prefilter: a positive category matcher (frame, caller or callee) */
    int anchor;          /* ANCHOR_*: what a frame's value must have for the rule to match it */
    int anchor_slot;     /* PRE_* or LOW_* */
    int anchor_k;        /* ANCHOR_PREFIX: 0, 1, 2 for the first 2, 4, 8 characters */
    uint32_t anchor_h;   /* prefix_hash / token_hash */
    uint64_t anchor_mask; /* ANCHOR_TOKEN: the frame mask bits of all the matcher's tokens */
    const char *anchor_lit; /* ANCHOR_PREFIX: the matcher's pattern; ANCHOR_CATEGORY: the category */
    int dir_slot;        /* LOW_* when the rule looks only at the frame's family and at dir_only
                            matchers of that key (rule_ok), else -1 */
    size_t dir_plen;     /* ... the longest pattern of those matchers */
    int self_app;        /* the flag of a rule whose one action is +app / -app on the frame
                            itself, else -1 */
    char *desc;          /* matcher description for hints */
    int line;
};

/* Index of a rule set by anchor (index_rules): entries by slot, then by hash bucket. */
#define BUCKET_BITS 6
#define BUCKETS (1 << BUCKET_BITS)
struct aentry {
    uint32_t h;
    int rule;
};
struct genh {
    struct erule *rules;
    int n, cap;
    struct aentry *pent, *tent;        /* prefix anchors, token anchors */
    uint32_t pstart[4][BUCKETS + 1];   /* PRE_* slot, bucket -> range in pent */
    uint32_t tstart[3][BUCKETS + 1];   /* LOW_* slot, bucket -> range in tent */
    int pfam[4], tfam[3];              /* families of the rules anchored in each slot */
    uint64_t pfirst[3][4][4];          /* per family, slot: first bytes of the prefix anchors */
    uint64_t ppair[3][4][4];           /* ... their first two bytes (BYTE_PAIR) */
    uint64_t pslash[3][4][4];          /* ... second bytes of those starting with '/' */
    uint64_t *rest;                    /* bitmap of the rules without an anchor */
    uint64_t *cls, *con;               /* bitmaps of the classifier / contributes rules */
};

enum { ANCHOR_NONE, ANCHOR_PREFIX, ANCHOR_TOKEN, ANCHOR_CATEGORY };
enum { PRE_FUNCTION, PRE_MODULE, PRE_PACKAGE, PRE_PATH };
enum { LOW_PATH, LOW_PACKAGE, LOW_FILENAME };

/* ---------------- parsing ---------------- */

static char *glob_needle(const char *p);
static bool uses_category(const struct ematcher *m);
static int compile_form(struct ematcher *m);
static void matcher_tokens(struct ematcher *m);
static int low_of(int key);

/* Anchors. Most rules can only match a frame whose value starts with a given literal (of which
 * the first 2, 4 or 8 characters are hashed) or, for paths, contains a given "/segment/" token.
 * A rule set indexes its rules by that anchor, and a stack trace looks its frames' prefixes and
 * tokens up instead of trying every rule (index_rules, stack_candidates). */
#define PREFIX_INIT 0x811C9DC5u
#define PREFIX_STEP(h, c) (((h) ^ (unsigned char)(c)) * 0x01000193u)
static uint32_t mix32(uint32_t h, uint32_t k)
{
    h ^= k * 0x9E3779B1u;
    h ^= h >> 15;
    h *= 0x2C1B3C6Du;
    h ^= h >> 12;
    return h;
}

static uint32_t prefix_hash(const char *s, size_t k)
{
    uint32_t h = PREFIX_INIT;
    for (size_t i = 0; i < k; i++)
        h = PREFIX_STEP(h, s[i]);
    return mix32(h, (uint32_t)k);
}

/* A path token: the bytes from one '/' to the next, both included (len >= 3), hashed by its
 * length, first four bytes (head) and last four bytes (tail); for len 3, head holds all three. */
static uint32_t token_hash(const char *head, const char *tail, size_t len)
{
    uint32_t a, b = 0;
    if (len >= 4) {
        memcpy(&a, head, 4);
        memcpy(&b, tail, 4);
    } else {
        a = (uint32_t)(unsigned char)head[0] | (uint32_t)(unsigned char)head[1] << 8 |
            (uint32_t)(unsigned char)head[2] << 16;
    }
    return mix32(a ^ mix32(b, (uint32_t)len), 0x7F4A7C15u);
}
#define TOKEN_FRAME_BIT(h) ((uint64_t)1 << ((h) & 63))
#define BUCKET_OF(h) ((h) >> (32 - BUCKET_BITS))
/* The two first bytes of an anchor as one of 256 bits (a prefix anchor has 2+ characters) */
#define BYTE_PAIR(c0, c1) ((((unsigned)(c0) << 8 | (unsigned)(c1)) * 0x9E37u >> 8) & 255u)

/* Keys whose values are paths: lowered, '/'-aware stars, also tried as "/" + value. */
static bool pathlike_key(int key) { return key == MK_PATH || key == MK_PACKAGE || key == MK_FILENAME; }

static int canon_key(const char *k, size_t n)
{
    static const struct { const char *name; int key; } keys[] = {
        {"path", MK_PATH},         {"stack.abs_path", MK_PATH},   {"module", MK_MODULE},
        {"stack.module", MK_MODULE}, {"function", MK_FUNCTION},   {"stack.function", MK_FUNCTION},
        {"package", MK_PACKAGE},   {"stack.package", MK_PACKAGE}, {"family", MK_FAMILY},
        {"app", MK_APP},           {"category", MK_CATEGORY},     {"type", MK_TYPE},
        {"error.type", MK_TYPE},   {"value", MK_VALUE},           {"error.value", MK_VALUE},
        {"mechanism", MK_MECHANISM}, {"error.mechanism", MK_MECHANISM},
        {"filename", MK_FILENAME}, {"stack.filename", MK_FILENAME},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strlen(keys[i].name) == n && !strncmp(keys[i].name, k, n))
            return keys[i].key;
    return -1;
}

static int rule_bool(const char *v)
{
    if (!strcasecmp(v, "1") || !strcasecmp(v, "yes") || !strcasecmp(v, "true"))
        return 1;
    if (!strcasecmp(v, "0") || !strcasecmp(v, "no") || !strcasecmp(v, "false"))
        return 0;
    return -1;
}

struct lexer {
    const char *p;
    int line;
    char *err;
};

static void skip_ws(struct lexer *lx)
{
    while (*lx->p == ' ' || *lx->p == '\t')
        lx->p++;
}

static bool key_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-';
}

/* Argument: "quoted \" string" or a run of non-space characters (a ']' ends it inside brackets). */
static char *parse_arg(struct lexer *lx, bool in_bracket)
{
    struct buf b = BUF_INIT;
    if (*lx->p == '"') {
        lx->p++;
        while (*lx->p && *lx->p != '"' && *lx->p != '\n') {
            if (*lx->p == '\\' && lx->p[1] && lx->p[1] != '\n') {
                /* escapes are decoded like Python's unicode-escape: \\ \" \n \t; any other
                 * "\x" stays as written (so "\[" remains an escaped glob bracket) */
                char n = lx->p[1];
                if (n == '\\' || n == '"') {
                    buf_putc(&b, n);
                    lx->p += 2;
                    continue;
                }
                if (n == 'n' || n == 't') {
                    buf_putc(&b, n == 'n' ? '\n' : '\t');
                    lx->p += 2;
                    continue;
                }
                buf_putc(&b, *lx->p++);
            }
            buf_putc(&b, *lx->p++);
        }
        if (*lx->p != '"') {
            errmsg_set(lx->err, "line %d: unterminated quoted argument", lx->line);
            buf_free(&b);
            return NULL;
        }
        lx->p++;
    } else {
        while (*lx->p && !isspace((unsigned char)*lx->p) && !(in_bracket && *lx->p == ']'))
            buf_putc(&b, *lx->p++);
    }
    if (!b.data)
        buf_reserve(&b, 0);
    return buf_steal(&b);
}

static int parse_matcher(struct lexer *lx, struct ematcher *m, bool in_bracket)
{
    memset(m, 0, sizeof *m);
    m->app = -1;
    if (*lx->p == '!') {
        m->negated = 1;
        lx->p++;
    }
    const char *k = lx->p;
    while (key_char(*lx->p))
        lx->p++;
    size_t kn = (size_t)(lx->p - k);
    if (*lx->p != ':' || kn == 0) {
        errmsg_set(lx->err, "line %d: expected matcher (key:value) at '%.20s'", lx->line, k);
        return -1;
    }
    int key = canon_key(k, kn);
    if (key < 0) {
        errmsg_set(lx->err, "line %d: unknown matcher '%.*s'", lx->line, (int)kn, k);
        return -1;
    }
    lx->p++;
    m->key = (unsigned char)key;
    m->pattern = parse_arg(lx, in_bracket);
    if (!m->pattern)
        return -1;
    if (!*m->pattern) {
        errmsg_set(lx->err, "line %d: matcher '%s' has no value", lx->line, mkey_name[key]);
        return -1;
    }
    if (key == MK_PATH || key == MK_PACKAGE || key == MK_FILENAME)
        for (char *c = m->pattern; *c; c++)
            *c = (char)tolower((unsigned char)*c);
    if (key == MK_FAMILY) {
        char *dup = strdup(m->pattern);
        if (!dup) {
            errmsg_set(lx->err, "out of memory");
            return -1;
        }
        for (char *save = NULL, *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            if (!strcmp(t, "native"))
                m->family_mask |= 1 << EVENT_FAMILY_NATIVE;
            else if (!strcmp(t, "javascript"))
                m->family_mask |= 1 << EVENT_FAMILY_JAVASCRIPT;
            else if (!strcmp(t, "other"))
                m->family_mask |= 1 << EVENT_FAMILY_OTHER;
            else if (!strcmp(t, "all"))
                m->family_mask |= 8;
        }
        free(dup);
    }
    if (key != MK_FAMILY && key != MK_APP) {
        m->needle = glob_needle(m->pattern);
        m->pathlike = pathlike_key(key);
        if (compile_form(m) < 0) {
            errmsg_set(lx->err, "out of memory");
            return -1;
        }
        if (m->pathlike)
            matcher_tokens(m);
    }
    if (key == MK_APP) {
        m->app = rule_bool(m->pattern);
        if (m->app < 0) {
            errmsg_set(lx->err, "line %d: app: expects yes or no, not '%s'", lx->line, m->pattern);
            return -1;
        }
    }
    return 0;
}

static void matcher_desc(struct buf *b, const struct ematcher *m)
{
    if (m->negated)
        buf_putc(b, '!');
    buf_printf(b, "%s:", mkey_name[m->key]);
    bool spaced = strpbrk(m->pattern, " \t") != NULL;
    if (spaced)
        buf_putc(b, '"');
    buf_puts(b, m->pattern);
    if (spaced)
        buf_putc(b, '"');
}

/* "[ matcher ]" with lx->p at '['. */
static int parse_bracket(struct lexer *lx, struct ematcher *m)
{
    lx->p++;
    skip_ws(lx);
    if (parse_matcher(lx, m, true) < 0)
        return -1;
    skip_ws(lx);
    if (*lx->p != ']') {
        errmsg_set(lx->err, "line %d: expected ']' after caller/callee matcher", lx->line);
        return -1;
    }
    lx->p++;
    return 0;
}

static void free_matcher(struct ematcher *m)
{
    free(m->pattern);
    free(m->needle);
    free(m->lit);
    free(m->lit2);
}

/* Longest run of literal characters in a glob, which every matching value contains; NULL when
 * shorter than 2. A run stops at * and ?, at an escape (the escaped byte is skipped too) and at a
 * character class, whose bytes are alternatives, not literals (a malformed class's '[' is
 * literal, but skipping it only shortens the needle). */
static char *glob_needle(const char *p)
{
    const char *best = NULL;
    size_t best_n = 0;
    for (const char *q = p; *q;) {
        if (*q == '[') {
            const char *end = gglob_class_end(q + 1);
            q = end ? end : q + 1;
            continue;
        }
        if (*q == '\\') {
            q += q[1] ? 2 : 1;
            continue;
        }
        if (*q == '*' || *q == '?' || *q == ']') {
            q++;
            continue;
        }
        const char *s = q;
        while (*q && !strchr("*?[]\\", *q))
            q++;
        if ((size_t)(q - s) > best_n) {
            best = s;
            best_n = (size_t)(q - s);
        }
    }
    return best_n >= 2 ? strndup(best, best_n) : NULL;
}

/* The "/segment/" tokens of a path-like matcher: of its literal, which a matching value (or the
 * value with a leading '/') contains, or for F_GLOB of its needle, which needle_ok requires of
 * the value itself. Either way every token is also a token of the value's "/"-prefixed form
 * (path_info), so a frame (or stack) without one of them cannot match. */
static void matcher_tokens(struct ematcher *m)
{
    const char *src = m->form == F_GLOB ? m->needle : m->lit;
    if (!src)
        return;
    for (const char *q = strchr(src, '/'); q && m->ntok < 4;) {
        const char *e = strchr(q + 1, '/');
        if (!e)
            break;
        size_t len = (size_t)(e - q) + 1;
        if (len >= 3) {
            uint32_t h = token_hash(q, len >= 4 ? e - 3 : q, len);
            m->tok[m->ntok] = h;
            m->tok_len[m->ntok++] = len;
            m->tokmask |= TOKEN_FRAME_BIT(h);
        }
        q = e;
    }
    if (m->ntok)
        m->stack_needle = false;
}

/* Recognise the glob's shape. Literal runs cannot contain ? [ ] \ (those stay F_GLOB). Without
 * '/' awareness (function, module, ...) every star run matches anything; for path-like keys a
 * single '*' stops at '/' and a run of two or more crosses it, so only the shapes below have a
 * plain string equivalent:
 *   lit  -> F_EXACT          lit** -> F_PREFIX       lit* -> F_PREFIX_NOSLASH (path) / F_PREFIX
 *   **lit -> F_SUFFIX        **lit** -> F_CONTAINS   lit*lit2 -> F_PRESUF (not path)
 * Path-like values are also tried with a leading '/' (gglob_path_match_low); path_value does
 * that without building the string. */
static int compile_form(struct ematcher *m)
{
    const char *p = m->pattern;
    m->plen = strlen(p);
    m->form = F_GLOB;
    m->stack_needle = true;
    if (strpbrk(p, "?[]\\"))
        return 0;
    size_t lead = strspn(p, "*");
    const char *a = p + lead;
    size_t al = strcspn(a, "*");
    size_t mid = strspn(a + al, "*");
    const char *b = a + al + mid;
    size_t bl = strcspn(b, "*");
    size_t trail = strspn(b + bl, "*");
    if (b[bl + trail])
        return 0; /* three or more literal runs */
    bool path = m->pathlike;
    int form = F_GLOB;
    const char *l1 = a, *l2 = NULL;
    size_t n1 = al, n2 = 0;
    if (!lead && !mid) {
        form = F_EXACT;
    } else if (!lead && !bl) {
        form = !path ? F_PREFIX : mid >= 2 ? F_PREFIX : F_PREFIX_NOSLASH;
    } else if (lead && !al) {
        /* only stars */
        form = !path ? F_PREFIX : lead >= 2 ? F_PREFIX : F_PREFIX_NOSLASH;
    } else if (lead && !mid) {
        form = !path || lead >= 2 ? F_SUFFIX : F_GLOB;
    } else if (lead && !bl) {
        form = !path || (lead >= 2 && mid >= 2) ? F_CONTAINS : F_GLOB;
    } else if (!lead && bl && !trail) {
        form = !path ? F_PRESUF : F_GLOB;
        l2 = b;
        n2 = bl;
    }
    if (form == F_GLOB)
        return 0;
    m->lit = strndup(l1, n1);
    m->lit_len = n1;
    if (l2) {
        m->lit2 = strndup(l2, n2);
        m->lit2_len = n2;
    }
    if (!m->lit || (l2 && !m->lit2))
        return -1;
    m->form = (unsigned char)form;
    m->stack_needle = form == F_SUFFIX || form == F_CONTAINS;
    /* every place such a literal can meet a value (also as "/" + value) ends at one of the
     * value's '/', so within its directory part */
    m->dir_only = path && form == F_CONTAINS && n1 && l1[n1 - 1] == '/';
    return 0;
}

static void free_rule(struct erule *r)
{
    for (int i = 0; i < r->nm; i++)
        free_matcher(&r->m[i]);
    free_matcher(&r->caller); /* zeroed when absent */
    free_matcher(&r->callee);
    for (int i = 0; i < r->na; i++)
        free(r->a[i].sval);
    free(r->m);
    free(r->a);
    free(r->desc);
}

static bool at_action(const char *p)
{
    if (*p == '^' || *p == 'v') {
        if (p[1] == '+' || p[1] == '-')
            return true;
    }
    if (*p == '+' || *p == '-')
        return true;
    /* var action: name=value */
    const char *q = p;
    while (key_char(*q))
        q++;
    return q > p && *q == '=';
}

static int parse_action(struct lexer *lx, struct eaction *a)
{
    memset(a, 0, sizeof *a);
    const char *start = lx->p;
    if (*lx->p == '^' || (*lx->p == 'v' && (lx->p[1] == '+' || lx->p[1] == '-'))) {
        a->range = *lx->p == '^' ? R_UP : R_DOWN;
        lx->p++;
    }
    if (*lx->p == '+' || *lx->p == '-') {
        a->flag = *lx->p == '+';
        lx->p++;
        const char *n = lx->p;
        while (isalnum((unsigned char)*lx->p))
            lx->p++;
        size_t nl = (size_t)(lx->p - n);
        if (nl == 3 && !strncmp(n, "app", 3))
            a->kind = A_APP;
        else if (nl == 5 && !strncmp(n, "group", 5))
            a->kind = A_GROUP;
        else {
            errmsg_set(lx->err, "line %d: unknown action '%.*s' (expected app or group)", lx->line,
                       (int)(lx->p - start), start);
            return -1;
        }
        return 0;
    }
    const char *n = lx->p;
    while (key_char(*lx->p))
        lx->p++;
    size_t nl = (size_t)(lx->p - n);
    if (*lx->p != '=') {
        errmsg_set(lx->err, "line %d: invalid action at '%.20s'", lx->line, start);
        return -1;
    }
    lx->p++;
    const char *v = lx->p;
    while (key_char(*lx->p))
        lx->p++;
    size_t vl = (size_t)(lx->p - v);
    char val[128];
    snprintf(val, sizeof val, "%.*s", (int)(vl < 127 ? vl : 127), v);
    if (nl == 8 && !strncmp(n, "category", 8)) {
        a->kind = A_CATEGORY;
        if (!vl) {
            errmsg_set(lx->err, "line %d: category= needs a name", lx->line);
            return -1;
        }
        a->sval = strdup(val);
        if (!a->sval) {
            errmsg_set(lx->err, "out of memory");
            return -1;
        }
        return 0;
    }
    if ((nl == 10 && !strncmp(n, "max-frames", 10)) || (nl == 10 && !strncmp(n, "min-frames", 10))) {
        a->kind = n[1] == 'a' ? A_MAX_FRAMES : A_MIN_FRAMES;
        char *end;
        long x = strtol(val, &end, 10);
        if (!vl || *end || x < 0 || x > 100000) {
            errmsg_set(lx->err, "line %d: invalid value '%s' for '%.*s'", lx->line, val, (int)nl, n);
            return -1;
        }
        a->ival = (int)x;
        return 0;
    }
    if (nl == 17 && !strncmp(n, "invert-stacktrace", 17)) {
        a->kind = A_INVERT;
        a->ival = rule_bool(val);
        if (a->ival < 0) {
            errmsg_set(lx->err, "line %d: invalid value '%s' for 'invert-stacktrace'", lx->line, val);
            return -1;
        }
        return 0;
    }
    errmsg_set(lx->err, "line %d: unknown variable '%.*s'", lx->line, (int)nl, n);
    return -1;
}

/* The most selective of: an 8-character literal prefix, a path token (the longest), a shorter
 * literal prefix; of a positive matcher on the frame's own value. */
static void choose_anchor(struct erule *r)
{
    int best = 0; /* 3: 8-char prefix, 2: token, 1: shorter prefix */
    size_t best_len = 0;
    for (int i = 0; i < r->nm; i++) {
        const struct ematcher *m = &r->m[i];
        if (m->negated)
            continue;
        int slot = m->key == MK_FUNCTION ? PRE_FUNCTION : m->key == MK_MODULE ? PRE_MODULE
                   : m->key == MK_PACKAGE ? PRE_PACKAGE : m->key == MK_PATH ? PRE_PATH : -1;
        size_t lead = strcspn(m->pattern, "*?[]\\");
        size_t k = lead >= 8 ? 8 : lead >= 4 ? 4 : 2; /* characters hashed */
        uint32_t h = slot >= 0 && lead >= 2 && (k == 8 ? 3 : 1) > best ? prefix_hash(m->pattern, k) : 0;
        if (h != 0) { /* 0: "none" */
            best = k == 8 ? 3 : 1;
            r->anchor = ANCHOR_PREFIX;
            r->anchor_slot = slot;
            r->anchor_k = k == 8 ? 2 : k == 4 ? 1 : 0;
            r->anchor_h = h;
            r->anchor_lit = m->pattern;
        }
        for (int t = 0; t < m->ntok; t++)
            if (best < 2 || (best == 2 && m->tok_len[t] > best_len)) {
                best = 2;
                best_len = m->tok_len[t];
                r->anchor = ANCHOR_TOKEN;
                r->anchor_slot = low_of(m->key);
                r->anchor_h = m->tok[t];
                r->anchor_mask = m->tokmask;
            }
    }
    /* a category rule: not indexed (categories are set while the rules run), but only frames
     * with that category are tried */
    for (int i = 0; i < r->nm && !best; i++)
        if (r->m[i].key == MK_CATEGORY && !r->m[i].negated && r->m[i].form == F_EXACT) {
            r->anchor = ANCHOR_CATEGORY;
            r->anchor_lit = r->m[i].lit;
            best = 1;
        }
}

static int parse_rule(struct lexer *lx, struct erule *r)
{
    memset(r, 0, sizeof *r);
    r->line = lx->line;
    int cap_m = 0, cap_a = 0;
    skip_ws(lx);
    if (*lx->p == '[') {
        if (parse_bracket(lx, &r->caller) < 0)
            return -1;
        r->has_caller = true;
        skip_ws(lx);
        if (*lx->p != '|') {
            errmsg_set(lx->err, "line %d: expected '|' after caller matcher", lx->line);
            return -1;
        }
        lx->p++;
    }
    for (;;) {
        skip_ws(lx);
        if (!*lx->p || *lx->p == '\n' || *lx->p == '#' || *lx->p == '\r')
            break;
        if (*lx->p == '|') {
            lx->p++;
            skip_ws(lx);
            if (*lx->p != '[') {
                errmsg_set(lx->err, "line %d: expected '[' after '|'", lx->line);
                return -1;
            }
            if (r->has_callee) { /* (a second one would also overwrite the first) */
                errmsg_set(lx->err, "line %d: a rule has at most one callee matcher", lx->line);
                return -1;
            }
            if (parse_bracket(lx, &r->callee) < 0)
                return -1;
            r->has_callee = true;
            continue;
        }
        if (r->nm > 0 && at_action(lx->p))
            break;
        if (r->na)
            break;
        if (r->nm == cap_m) {
            cap_m = cap_m ? cap_m * 2 : 4;
            struct ematcher *nmv = realloc(r->m, (size_t)cap_m * sizeof *nmv);
            if (!nmv) {
                errmsg_set(lx->err, "out of memory");
                return -1;
            }
            r->m = nmv;
        }
        if (parse_matcher(lx, &r->m[r->nm], false) < 0) {
            free_matcher(&r->m[r->nm]);
            return -1;
        }
        r->nm++;
    }
    if (r->nm == 0) {
        errmsg_set(lx->err, "line %d: rule has no matcher", lx->line);
        return -1;
    }
    for (;;) {
        skip_ws(lx);
        if (!*lx->p || *lx->p == '\n' || *lx->p == '#' || *lx->p == '\r')
            break;
        if (r->na == cap_a) {
            cap_a = cap_a ? cap_a * 2 : 4;
            struct eaction *na = realloc(r->a, (size_t)cap_a * sizeof *na);
            if (!na) {
                errmsg_set(lx->err, "out of memory");
                return -1;
            }
            r->a = na;
        }
        if (parse_action(lx, &r->a[r->na]) < 0) {
            free(r->a[r->na].sval);
            return -1;
        }
        r->na++;
        if (*lx->p && !isspace((unsigned char)*lx->p) && *lx->p != '#') {
            errmsg_set(lx->err, "line %d: unexpected '%.20s' after action", lx->line, lx->p);
            return -1;
        }
    }
    if (r->na == 0) {
        errmsg_set(lx->err, "line %d: rule has no action", lx->line);
        return -1;
    }
    /* skip a trailing comment */
    while (*lx->p && *lx->p != '\n')
        lx->p++;
    r->family_mask = 0xF;
    for (int i = 0; i < r->nm; i++) {
        if (r->m[i].key == MK_FAMILY && !r->m[i].negated && !(r->m[i].family_mask & 8))
            r->family_mask &= r->m[i].family_mask;
        if (r->m[i].key == MK_FAMILY && !r->m[i].negated && (r->m[i].family_mask & 8))
            r->family_mask &= 0xF;
    }
    r->needs_category = (r->has_caller && uses_category(&r->caller)) ||
                        (r->has_callee && uses_category(&r->callee));
    for (int i = 0; i < r->nm; i++)
        if (uses_category(&r->m[i]))
            r->needs_category = true;
    choose_anchor(r);
    r->dir_slot = -1;
    for (int i = 0; i < r->nm && !r->has_caller && !r->has_callee; i++) {
        const struct ematcher *m = &r->m[i];
        if (m->key == MK_FAMILY)
            continue;
        if (!m->dir_only || (r->dir_slot >= 0 && r->dir_slot != low_of(m->key))) {
            r->dir_slot = -1;
            break;
        }
        r->dir_slot = low_of(m->key);
        if (m->plen > r->dir_plen)
            r->dir_plen = m->plen;
    }
    for (int i = 0; i < r->na; i++) {
        if (r->a[i].kind == A_APP || r->a[i].kind == A_CATEGORY)
            r->classifier = true;
        else
            r->contributes = true;
    }
    r->self_app = r->na == 1 && r->a[0].kind == A_APP && r->a[0].range == R_SELF ? r->a[0].flag : -1;
    struct buf d = BUF_INIT;
    if (r->has_caller) {
        buf_puts(&d, "[ ");
        matcher_desc(&d, &r->caller);
        buf_puts(&d, " ] | ");
    }
    for (int i = 0; i < r->nm; i++) {
        if (i)
            buf_putc(&d, ' ');
        matcher_desc(&d, &r->m[i]);
    }
    if (r->has_callee) {
        buf_puts(&d, " | [ ");
        matcher_desc(&d, &r->callee);
        buf_puts(&d, " ]");
    }
    for (int i = 0; i < r->na; i++) {
        const struct eaction *ac = &r->a[i];
        buf_putc(&d, ' ');
        if (ac->kind == A_APP || ac->kind == A_GROUP)
            buf_printf(&d, "%s%c%s", ac->range == R_UP ? "^" : ac->range == R_DOWN ? "v" : "",
                       ac->flag ? '+' : '-', ac->kind == A_APP ? "app" : "group");
        else if (ac->kind == A_CATEGORY)
            buf_printf(&d, "category=%s", ac->sval);
        else if (ac->kind == A_INVERT)
            buf_printf(&d, "invert-stacktrace=%d", ac->ival);
        else
            buf_printf(&d, "%s=%d", ac->kind == A_MAX_FRAMES ? "max-frames" : "min-frames", ac->ival);
    }
    r->desc = buf_steal(&d);
    if (!r->desc) {
        errmsg_set(lx->err, "out of memory");
        return -1;
    }
    return 0;
}

void genh_free(struct genh *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->n; i++)
        free_rule(&g->rules[i]);
    free(g->rules);
    free(g->pent);
    free(g->tent);
    free(g->rest);
    free(g->cls);
    free(g->con);
    free(g);
}

/* Fill one anchor table: entries grouped by slot, then by bucket (counting sort), each bucket
 * in rule order. */
static int index_table(struct genh *g, int kind, int nslots, struct aentry **out,
                       uint32_t (*start)[BUCKETS + 1], int *fam)
{
    size_t n = 0;
    for (int i = 0; i < g->n; i++)
        n += g->rules[i].anchor == kind;
    struct aentry *e = malloc((n ? n : 1) * sizeof *e);
    if (!e)
        return -1;
    uint32_t pos = 0;
    for (int s = 0; s < nslots; s++)
        for (int b = 0; b < BUCKETS; b++) {
            start[s][b] = pos;
            for (int i = 0; i < g->n; i++) {
                const struct erule *r = &g->rules[i];
                if (r->anchor == kind && r->anchor_slot == s && (int)BUCKET_OF(r->anchor_h) == b) {
                    e[pos].h = r->anchor_h;
                    e[pos++].rule = i;
                    fam[s] |= r->family_mask;
                    if (kind == ANCHOR_PREFIX) {
                        unsigned char c0 = (unsigned char)r->anchor_lit[0], c1 = (unsigned char)r->anchor_lit[1];
                        for (int f = 0; f < 3; f++) {
                            if (!(r->family_mask & (1 << f)))
                                continue;
                            unsigned pr = BYTE_PAIR(c0, c1);
                            g->pfirst[f][s][c0 >> 6] |= (uint64_t)1 << (c0 & 63);
                            g->ppair[f][s][pr >> 6] |= (uint64_t)1 << (pr & 63);
                            if (c0 == '/')
                                g->pslash[f][s][c1 >> 6] |= (uint64_t)1 << (c1 & 63);
                        }
                    }
                }
            }
        }
    for (int s = 0; s < nslots; s++)
        start[s][BUCKETS] = s + 1 < nslots ? start[s + 1][0] : pos;
    *out = e;
    return 0;
}

static int index_rules(struct genh *g)
{
    if (index_table(g, ANCHOR_PREFIX, 4, &g->pent, g->pstart, g->pfam) < 0 ||
        index_table(g, ANCHOR_TOKEN, 3, &g->tent, g->tstart, g->tfam) < 0)
        return -1;
    size_t words = (size_t)(g->n + 63) / 64 + 1;
    g->rest = calloc(words, sizeof *g->rest);
    g->cls = calloc(words, sizeof *g->cls);
    g->con = calloc(words, sizeof *g->con);
    if (!g->rest || !g->cls || !g->con)
        return -1;
    for (int i = 0; i < g->n; i++) {
        uint64_t bit = (uint64_t)1 << (i % 64);
        if (g->rules[i].anchor == ANCHOR_NONE || g->rules[i].anchor == ANCHOR_CATEGORY)
            g->rest[i / 64] |= bit;
        if (g->rules[i].classifier)
            g->cls[i / 64] |= bit;
        if (g->rules[i].contributes)
            g->con[i / 64] |= bit;
    }
    return 0;
}

int genh_parse(const char *text, struct genh **out, char *err)
{
    *out = NULL;
    struct genh *g = calloc(1, sizeof *g);
    if (!g) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    struct lexer lx = {text ? text : "", 1, err};
    while (*lx.p) {
        skip_ws(&lx);
        if (*lx.p == '\r')
            lx.p++;
        if (*lx.p == '\n') {
            lx.p++;
            lx.line++;
            continue;
        }
        if (!*lx.p)
            break;
        if (*lx.p == '#') {
            while (*lx.p && *lx.p != '\n')
                lx.p++;
            continue;
        }
        if (g->n == g->cap) {
            int cap = g->cap ? g->cap * 2 : 16;
            struct erule *nr = realloc(g->rules, (size_t)cap * sizeof *nr);
            if (!nr) {
                errmsg_set(err, "out of memory");
                genh_free(g);
                return -1;
            }
            g->rules = nr;
            g->cap = cap;
        }
        if (parse_rule(&lx, &g->rules[g->n]) < 0) {
            free_rule(&g->rules[g->n]);
            genh_free(g);
            return -1;
        }
        g->n++;
    }
    if (index_rules(g) < 0) {
        errmsg_set(err, "out of memory");
        genh_free(g);
        return -1;
    }
    *out = g;
    return 0;
}

/* ---------------- matching ---------------- */

/* Everything prepared once per stack trace and shared by both rule passes, computed on first
 * use: only what the rules that get that far ask for is built (a Python stack never lowers
 * packages, a native one never joins modules). */
#define MAX_SETS 4
struct pframe {
    const char *low;      /* the value lowercased with '\' as '/', or NULL */
    size_t len;           /* strlen(low) */
    uint64_t fmask;       /* TOKEN_FRAME_BIT of each of its tokens */
    int dir;              /* a frame (this one or an earlier one) whose lowered directory part is
                             the same */
    int seen8;            /* an earlier frame whose value has the same first 8 bytes, or -1 */
};
struct pathinfo {
    struct pframe *f;     /* per frame */
    uint64_t fmask;       /* every frame's fmask, or'ed */
    uint32_t *tok;        /* every frame's tokens (token_hash), for the anchor lookup */
    size_t ntok, cap;
};
struct stackprep {
    const struct ev_stacktrace *st;
    struct garena *a;
    int families;                /* bit per family present */
    bool oom;
    unsigned low_done;           /* bit per LOW_* computed */
    struct pathinfo pi[3];       /* LOW_*: path (abs_path or filename), package, filename */
    const char *all[5];          /* per all_slot: every frame's value, joined; NULL until built */
    uint64_t *cand[MAX_SETS];    /* per rule set: the rules some frame has the anchor of */
    uint32_t *ph[4];             /* per PRE_* slot: each frame's prefix hashes (prefix_hashes) */
    uint32_t *phl[4];            /* ... the nonzero ones of the frames not repeating an earlier
                                    frame's (seen8), for the anchor lookup */
    size_t phn[4];
    uint64_t pfirst[4][4];       /* first bytes of the prefix anchors of the rule sets' rules
                                    for the families present */
    uint64_t ppair[4][4];        /* ... their first two bytes (BYTE_PAIR) */
    uint64_t pslash[4][4];       /* ... and second bytes of those starting with '/' */
    struct {                     /* path_ok's last answer for a dir_only matcher */
        const struct ematcher *m;
        int dir;
        bool res;
    } memo;
    signed char categories;      /* after the classifier pass: whether some frame has a
                                    category (they change nowhere else); -1 before */
    struct {                     /* rule_ok's last answer for a rule with a dir_slot */
        const struct erule *r;
        int dir;
        unsigned char family;
        bool res;
    } rmemo;
};

struct mctx {
    const struct event *e;
    const struct ev_stacktrace *st;
    const struct ev_exception *exc;
    struct stackprep *p;
    bool categories;     /* some frame has a category (rules on categories can match) */
};

static int all_slot(int key)
{
    switch (key) {
    case MK_FUNCTION: return 0;
    case MK_MODULE: return 1;
    case MK_PACKAGE: return 2;
    case MK_PATH: return 3;
    case MK_FILENAME: return 4;
    }
    return -1;
}

static int low_of(int key)
{
    return key == MK_PATH ? LOW_PATH : key == MK_PACKAGE ? LOW_PACKAGE : LOW_FILENAME;
}

static const char *frame_function(const struct ev_frame *f)
{
    return f->function && *f->function ? f->function : "<unknown>";
}

/* Eight bytes at a time (util/swar.h): the bytes lowering changes. */
static inline uint64_t bytes_upper(uint64_t x) { return swar_between(x, 'A', 'Z'); }

/* The first byte of s[i..n) that lowering changes ('A'..'Z', '\'), or n. */
static inline size_t lower_from(const char *s, size_t i, size_t n)
{
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        uint64_t m = bytes_upper(x) | swar_eq(x, '\\');
        if (m)
            return i + (size_t)(__builtin_ctzll(m) >> 3);
    }
    if (i < n && n >= 8) { /* the last n - i bytes, as the tail of the value's last word */
        uint64_t x;
        memcpy(&x, s + n - 8, 8);
        uint64_t m = (bytes_upper(x) | swar_eq(x, '\\')) & (~0ULL << (8 * (8 - (n - i))));
        return m ? n - 8 + (size_t)(__builtin_ctzll(m) >> 3) : n;
    }
    for (; i < n; i++)
        if (s[i] == '\\' || (s[i] >= 'A' && s[i] <= 'Z'))
            break;
    return i;
}

/* d[0..n) = s[0..n) lowercased with '\' as '/'. */
static void lower_into(char *d, const char *s, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) { /* 'A'..'Z' gain 0x20, '\\' becomes '/' */
        uint64_t x;
        memcpy(&x, s + i, 8);
        x |= bytes_upper(x) >> 2;
        x ^= (swar_eq(x, '\\') >> 7) * ('\\' ^ '/');
        memcpy(d + i, &x, 8);
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        d[i] = c == '\\' ? '/' : (c >= 'A' && c <= 'Z') ? (char)(c + 32) : (char)c;
    }
}

/* The arena copy of lower_path: dir[0..i) then s[i..n) lowered. */
static const char *lower_copy(struct garena *a, const char *s, size_t n, const char *dir, size_t i)
{
    char *d = garena_alloc_raw(a, n + 1);
    if (!d)
        return NULL;
    memcpy(d, dir, i);
    lower_into(d + i, s + i, n - i);
    d[n] = '\0';
    return d;
}

/* s[0..n) lowercased with '\' as '/': s itself when nothing changes, else an arena copy. dir
 * is the lowered form of s[0..dl), known already (s itself: s[0..dl) needs no change). */
static inline const char *lower_path(struct garena *a, const char *s, size_t n, const char *dir,
                                     size_t dl)
{
    if (dir != s)
        return lower_copy(a, s, n, dir, dl);
    size_t i = lower_from(s, dl, n);
    return i == n ? s : lower_copy(a, s, n, s, i);
}

/* Length of the directory part of s[0..n): up to its last '/' or '\', included (0: none). */
static size_t dir_len(const char *s, size_t n)
{
    size_t i = n;
    for (; i >= 8; i -= 8) {
        uint64_t x;
        memcpy(&x, s + i - 8, 8);
        uint64_t m = swar_eq(x, '/') | swar_eq(x, '\\');
        if (m)
            return i - 8 + (size_t)((63 - __builtin_clzll(m)) >> 3) + 1;
    }
    while (i && s[i - 1] != '/' && s[i - 1] != '\\')
        i--;
    return i;
}

/* The next '/' in [q, end), or NULL. */
static const char *next_slash(const char *q, const char *end)
{
    for (; q + 8 <= end; q += 8) {
        uint64_t x;
        memcpy(&x, q, 8);
        uint64_t m = swar_eq(x, '/');
        if (m)
            return q + (__builtin_ctzll(m) >> 3);
    }
    for (; q < end; q++)
        if (*q == '/')
            return q;
    return NULL;
}

static void push_token(struct stackprep *p, struct pathinfo *pi, uint32_t h)
{
    if (pi->ntok == pi->cap) {
        size_t cap = pi->cap ? 2 * pi->cap : 64;
        uint32_t *t = garena_alloc(p->a, cap * sizeof *t);
        if (!t) {
            p->oom = true;
            return;
        }
        if (pi->ntok)
            memcpy(t, pi->tok, pi->ntok * sizeof *t);
        pi->tok = t;
        pi->cap = cap;
    }
    pi->tok[pi->ntok++] = h;
}

/* The tokens of the lowered value v, taken with a leading '/' when it has none (a value's own
 * tokens are among those). Adds them to pi->tok; returns their frame mask. */
static uint64_t value_tokens(struct stackprep *p, struct pathinfo *pi, const char *v, size_t n)
{
    const char *end = v + n, *q = next_slash(v, end);
    uint64_t mask = 0;
    if (q && v[0] != '/') {
        /* "/" + v[0 .. q] */
        size_t len = (size_t)(q - v) + 2;
        char head[4] = {'/', v[0], v[1], len >= 4 ? v[2] : 0};
        uint32_t h = token_hash(head, len >= 5 ? q - 3 : head, len);
        mask |= TOKEN_FRAME_BIT(h);
        push_token(p, pi, h);
    }
    while (q) {
        const char *e = next_slash(q + 1, end);
        if (!e)
            break;
        size_t len = (size_t)(e - q) + 1;
        if (len >= 3) {
            uint32_t h = token_hash(q, len >= 4 ? e - 3 : q, len);
            mask |= TOKEN_FRAME_BIT(h);
            push_token(p, pi, h);
        }
        q = e;
    }
    return mask;
}

/* The last 8 bytes of s[0..n) (fewer, zero-padded, when shorter). */
static inline uint64_t last8(const char *s, size_t n)
{
    uint64_t x = 0;
    if (n >= 8)
        memcpy(&x, s + n - 8, 8);
    else
        for (size_t i = 0; i < n; i++)
            x = x << 8 | (unsigned char)s[i];
    return x;
}

/* path_info's caches: a value's slot, from its length and last 8 bytes */
#define RECENT 16
static inline unsigned recent_slot(uint64_t tail, size_t len)
{
    return (unsigned)(((tail ^ len) * 0x9E3779B97F4A7C15ULL) >> 60);
}

/* The lowered values of one path-like key for every frame, with their tokens. A value's tokens
 * all lie in its directory part (up to the last '/'), which the frames of a stack share a lot:
 * a directory seen before (compared raw, before lowering) gives its lowered form, its tokens
 * (already listed) and mask again, and only the rest of the value is lowered. A whole value
 * seen before gives everything again. */
static const struct pathinfo *path_info_build(struct stackprep *p, int which)
{
    struct pathinfo *pi = &p->pi[which];
    p->low_done |= 1u << which;
    const struct ev_stacktrace *st = p->st;
    size_t n = st->n ? st->n : 1;
    struct pframe *pf = garena_alloc_raw(p->a, n * sizeof *pf);
    if (!pf) {
        p->oom = true;
        return NULL;
    }
    /* Directories seen before, in a small cache (a slot holds the latest directory that hashed
     * there): the frame that had it first with its raw and lowered value (== raw when lowering
     * changed nothing), and the latest frame that had it with its raw value, length and last 8
     * bytes (packages repeat whole). */
    struct {
        const char *raw, *low;
        size_t len;
        uint64_t mask;
        int frame;
        const char *lraw;
        size_t llen;
        uint64_t ltail;
        int last;
    } dc[RECENT];
    for (int k = 0; k < RECENT; k++)
        dc[k].len = SIZE_MAX; /* empty */
    int prev = -1; /* the last frame with a value not copied from another, its raw and tail */
    const char *praw = NULL;
    uint64_t ptail = 0;
    for (size_t i = 0; i < st->n; i++) {
        struct pframe *o = &pf[i];
        *o = (struct pframe){NULL, 0, 0, (int)i, -1};
        const struct ev_frame *f = &st->frames[i];
        const char *src = which == LOW_PATH      ? (f->abs_path ? f->abs_path : f->filename)
                          : which == LOW_PACKAGE ? f->package
                                                 : f->filename;
        if (!src)
            continue;
        size_t len = strlen(src);
        uint64_t tail = last8(src, len);
        if (prev >= 0 && pf[prev].len == len && ptail == tail && !memcmp(praw, src, len)) {
            *o = pf[prev]; /* the previous value again (packages repeat) */
            o->seen8 = prev;
            continue;
        }
        prev = (int)i;
        praw = src;
        ptail = tail;
        o->len = len;
        size_t dl = dir_len(src, len);
        int hit = (int)recent_slot(last8(src, dl), dl);
        if (dc[hit].len == dl && !memcmp(dc[hit].raw, src, dl)) {
            /* the same lowered directory ('\' and '/' both end it, both lower to '/') */
            if (dc[hit].llen == len && dc[hit].ltail == tail &&
                !memcmp(dc[hit].lraw + dl, src + dl, len - dl)) {
                int same = dc[hit].last; /* the whole value again */
                *o = pf[same];
                o->seen8 = same;
                continue;
            }
            dc[hit].lraw = src;
            dc[hit].llen = len;
            dc[hit].ltail = tail;
            dc[hit].last = (int)i;
            o->low = lower_path(p->a, src, len, dc[hit].low == dc[hit].raw ? src : dc[hit].low, dl);
            if (!o->low) {
                p->oom = true;
                continue;
            }
            o->fmask = dc[hit].mask;
            o->dir = dc[hit].frame;
            if (dl >= 8)
                o->seen8 = dc[hit].frame;
            continue;
        }
        const char *lv = o->low = lower_path(p->a, src, len, src, 0);
        if (!lv) {
            p->oom = true;
            continue;
        }
        o->fmask = value_tokens(p, pi, lv, dl);
        pi->fmask |= o->fmask; /* (repeated directories add nothing) */
        dc[hit].raw = dc[hit].lraw = src;
        dc[hit].low = lv;
        dc[hit].len = dl;
        dc[hit].mask = o->fmask;
        dc[hit].frame = dc[hit].last = (int)i;
        dc[hit].llen = len;
        dc[hit].ltail = tail;
    }
    pi->f = pf;
    return pi;
}

static inline const struct pathinfo *path_info(struct stackprep *p, int which)
{
    if (p->low_done & (1u << which))
        return p->pi[which].f ? &p->pi[which] : NULL;
    return path_info_build(p, which);
}

/* The value of frame i for a key that has a stack-level form (all_slot keys). */
static const char *slot_value(struct stackprep *p, int key, size_t i)
{
    const struct ev_frame *f = &p->st->frames[i];
    if (key == MK_FUNCTION)
        return frame_function(f);
    if (key == MK_MODULE)
        return f->module;
    const struct pathinfo *pi = path_info(p, low_of(key));
    return pi ? pi->f[i].low : NULL;
}

/* Every frame's value for key joined with '\x01' (never inside a needle) into one arena string.
 * Path-like values are joined as "/" + v when they lack the '/', since a matcher also tries that
 * form: a needle found in either form is then found here. */
static const char *joined(struct stackprep *p, int key)
{
    int slot = all_slot(key);
    if (p->all[slot])
        return p->all[slot];
    bool pathlike = pathlike_key(key);
    size_t n = p->st->n, total = 0;
    for (size_t i = 0; i < n; i++) {
        const char *v = slot_value(p, key, i);
        if (v)
            total += strlen(v) + 2;
    }
    char *d = garena_alloc(p->a, total + 1), *q = d;
    if (!d) {
        p->oom = true;
        return "";
    }
    for (size_t i = 0; i < n; i++) {
        const char *v = slot_value(p, key, i);
        if (v) {
            size_t l = strlen(v);
            if (pathlike && v[0] != '/')
                *q++ = '/';
            memcpy(q, v, l);
            q += l;
            *q++ = '\x01';
        }
    }
    *q = '\0';
    p->all[slot] = d;
    return d;
}

static void mark_bucket(const struct aentry *e, const uint32_t *start, uint32_t h, uint64_t *cand)
{
    uint32_t b = BUCKET_OF(h);
    for (uint32_t i = start[b]; i < start[b + 1]; i++)
        if (e[i].h == h)
            cand[e[i].rule / 64] |= (uint64_t)1 << (e[i].rule % 64);
}

/* The prefix anchors v has: the prefix_hash of its first 2, 4 and 8 characters, and for
 * path-like values of those of "/" + v (they are also matched with a leading '/'); 0 where v is
 * shorter (or it starts with '/'). out: 3 or 6 hashes. */
static void prefixes_of(uint32_t h, const char *v, uint32_t *out)
{
    /* h has taken the value's first character; v points at its second */
    out[0] = out[1] = out[2] = 0;
    if (!v[0])
        return;
    h = PREFIX_STEP(h, v[0]);
    out[0] = mix32(h, 2);
    if (!v[1] || !v[2])
        return;
    h = PREFIX_STEP(PREFIX_STEP(h, v[1]), v[2]);
    out[1] = mix32(h, 4);
    for (int k = 3; k < 7; k++) {
        if (!v[k])
            return;
        h = PREFIX_STEP(h, v[k]);
    }
    out[2] = mix32(h, 8);
}

static bool byte_in(const uint64_t *set, unsigned char c) { return set[c >> 6] >> (c & 63) & 1; }

/* Values whose first two bytes (or, with the leading '/', first byte) start no anchor of the
 * slot get no hashes: they cannot have any. Returns false when all are 0. */
static inline bool value_prefixes(const struct stackprep *p, int slot, const char *v, uint32_t *out)
{
    bool pathlike = slot >= PRE_PACKAGE, any = false;
    if (!v || !v[0] || !byte_in(p->pfirst[slot], (unsigned char)v[0]) ||
        !byte_in(p->ppair[slot], BYTE_PAIR((unsigned char)v[0], (unsigned char)v[1]))) {
        out[0] = out[1] = out[2] = 0; /* (an anchor has 2+ characters) */
    } else {
        prefixes_of(PREFIX_STEP(PREFIX_INIT, v[0]), v + 1, out);
        any = true;
    }
    if (pathlike) {
        if (v && v[0] && v[0] != '/' && byte_in(p->pslash[slot], (unsigned char)v[0])) {
            prefixes_of(PREFIX_STEP(PREFIX_INIT, '/'), v, out + 3);
            any = true;
        } else {
            out[3] = out[4] = out[5] = 0;
        }
    }
    return any;
}

static int prefix_stride(int slot) { return slot >= PRE_PACKAGE ? 6 : 3; }

/* Every frame's prefix hashes for one key (frames whose first 8 bytes repeat an earlier
 * frame's copy them: path_info's seen8). */
static const uint32_t *prefix_hashes(struct stackprep *p, int slot)
{
    if (p->ph[slot])
        return p->ph[slot];
    const struct ev_stacktrace *st = p->st;
    int stride = prefix_stride(slot);
    uint32_t *ph = garena_alloc_raw(p->a, (st->n ? st->n : 1) * (size_t)stride * sizeof *ph);
    uint32_t *list = garena_alloc_raw(p->a, (st->n ? st->n : 1) * (size_t)stride * sizeof *list);
    size_t nl = 0;
    const struct pathinfo *pi = slot == PRE_PACKAGE ? path_info(p, LOW_PACKAGE)
                                : slot == PRE_PATH  ? path_info(p, LOW_PATH)
                                                    : NULL;
    if (!ph || !list || (slot >= PRE_PACKAGE && !pi)) {
        p->oom = true;
        return NULL;
    }
    if (!pi) { /* function, module: stride 3 */
        for (size_t i = 0; i < st->n; i++) {
            const struct ev_frame *f = &st->frames[i];
            uint32_t *out = ph + i * 3;
            if (value_prefixes(p, slot, slot == PRE_FUNCTION ? frame_function(f) : f->module, out))
                for (int k = 0; k < 3; k++)
                    if (out[k])
                        list[nl++] = out[k];
        }
    } else { /* path-like: stride 6 */
        for (size_t i = 0; i < st->n; i++) {
            uint32_t *out = ph + i * 6;
            if (pi->f[i].seen8 >= 0) {
                memcpy(out, ph + (size_t)pi->f[i].seen8 * 6, 6 * sizeof *out);
                continue;
            }
            if (value_prefixes(p, slot, pi->f[i].low, out))
                for (int k = 0; k < 6; k++)
                    if (out[k])
                        list[nl++] = out[k];
        }
    }
    p->phl[slot] = list;
    p->phn[slot] = nl;
    p->ph[slot] = ph;
    return ph;
}

/* Which frames can have a rule's anchor (necessary for the rule to match them): anchor_ok. */
struct anchor_view {
    int kind;
    uint32_t h;
    const uint32_t *ph;   /* ANCHOR_PREFIX: the frames' hashes, from the anchor's length on */
    int stride;
    uint64_t bit;         /* ANCHOR_TOKEN */
    const struct pframe *pf;
    const char *lit;      /* ANCHOR_CATEGORY */
    const struct ev_frame *frames;
};

static struct anchor_view anchor_view(const struct erule *r, struct stackprep *p)
{
    struct anchor_view v = {r->anchor, r->anchor_h, NULL, 0, 0, NULL, r->anchor_lit, p->st->frames};
    if (r->anchor == ANCHOR_PREFIX) {
        const uint32_t *ph = prefix_hashes(p, r->anchor_slot);
        v.stride = prefix_stride(r->anchor_slot);
        v.ph = ph ? ph + r->anchor_k : NULL;
    } else if (r->anchor == ANCHOR_TOKEN) {
        const struct pathinfo *pi = path_info(p, r->anchor_slot);
        v.pf = pi ? pi->f : NULL;
        v.bit = r->anchor_mask; /* every token of the matcher, the anchor's among them */
    }
    return v;
}

static inline bool anchor_ok(const struct anchor_view *v, size_t idx)
{
    if (v->kind == ANCHOR_PREFIX) {
        if (!v->ph)
            return false;
        const uint32_t *h = v->ph + idx * (size_t)v->stride;
        return h[0] == v->h || (v->stride == 6 && h[3] == v->h);
    }
    if (v->kind == ANCHOR_TOKEN)
        return v->pf && (v->pf[idx].fmask & v->bit) == v->bit;
    if (v->kind == ANCHOR_CATEGORY) {
        const char *c = v->frames[idx].category;
        return c && c[0] == v->lit[0] && !strcmp(c, v->lit);
    }
    return true;
}

/* Bitmap of the rules of set g (index si) worth trying on this stack: those without an anchor
 * and those whose anchor some frame has. A rule acts only on frames its matchers all match,
 * the anchor's among them, so the others cannot act at all. */
static const uint64_t *stack_candidates(struct stackprep *p, const struct genh *g, int si)
{
    if (si < MAX_SETS && p->cand[si])
        return p->cand[si];
    size_t words = (size_t)(g->n + 63) / 64 + 1;
    uint64_t *cand = garena_alloc(p->a, words * sizeof *cand);
    if (!cand) {
        p->oom = true;
        return NULL;
    }
    memcpy(cand, g->rest, words * sizeof *cand);
    for (int slot = PRE_FUNCTION; slot <= PRE_PATH; slot++) {
        if (!(g->pfam[slot] & p->families) || g->pstart[slot][0] == g->pstart[slot][BUCKETS])
            continue;
        if (!prefix_hashes(p, slot))
            continue;
        for (size_t i = 0; i < p->phn[slot]; i++)
            mark_bucket(g->pent, g->pstart[slot], p->phl[slot][i], cand);
    }
    for (int slot = LOW_PATH; slot <= LOW_FILENAME; slot++) {
        if (!(g->tfam[slot] & p->families) || g->tstart[slot][0] == g->tstart[slot][BUCKETS])
            continue;
        const struct pathinfo *pi = path_info(p, slot);
        for (size_t i = 0; pi && i < pi->ntok; i++)
            mark_bucket(g->tent, g->tstart[slot], pi->tok[i], cand);
    }
    if (si < MAX_SETS)
        p->cand[si] = cand;
    return cand;
}

static bool any_category(const struct ev_stacktrace *st)
{
    for (size_t i = 0; i < st->n; i++)
        if (st->frames[i].category)
            return true;
    return false;
}

static bool uses_category(const struct ematcher *m) { return m->key == MK_CATEGORY && !m->negated; }

/* Can this rule match any frame of the stack at all? A cheap screen only: every test here is
 * implied by a frame matching (rule_matches), so it never changes what the rules do. */
static bool rule_possible(const struct erule *r, const struct mctx *c)
{
    struct stackprep *p = c->p;
    if (!(r->family_mask & p->families))
        return false;
    if (!c->categories && r->needs_category)
        return false;
    if (r->anchor == ANCHOR_TOKEN) { /* anchor_ok: some frame must have all the tokens */
        const struct pathinfo *pi = path_info(p, r->anchor_slot);
        if (!pi || (r->anchor_mask & ~pi->fmask))
            return false;
    }
    /* a positive frame matcher's literal must occur in some frame's value */
    for (int i = 0; i < r->nm; i++) {
        const struct ematcher *m = &r->m[i];
        if (m->negated || !m->needle || !m->stack_needle || all_slot(m->key) < 0)
            continue;
        const char *b = joined(p, m->key);
        if (!*b || !strstr(b, m->needle))
            return false;
    }
    return true;
}

static struct stackprep *prepare(struct garena *a, const struct genh *const *sets, int n_sets,
                                 struct ev_stacktrace *st)
{
    if (st->prep)
        return st->prep; /* computed by the classifier pass of this run */
    struct stackprep *p = garena_alloc(a, sizeof *p);
    if (!p)
        return NULL;
    p->st = st;
    p->a = a;
    p->categories = -1;
    for (size_t i = 0; i < st->n; i++)
        p->families |= 1 << st->frames[i].family;
    for (int s = 0; s < n_sets; s++)
        for (int f = 0; sets[s] && f < 3; f++)
            if (p->families & (1 << f))
                for (int k = 0; k < 4; k++)
                    for (int w = 0; w < 4; w++) {
                        p->pfirst[k][w] |= sets[s]->pfirst[f][k][w];
                        p->ppair[k][w] |= sets[s]->ppair[f][k][w];
                        p->pslash[k][w] |= sets[s]->pslash[f][k][w];
                    }
    st->prep = p;
    return p;
}

/* A glob can only match values containing its longest literal run (a cheap first test). */
static bool needle_ok(const struct ematcher *m, const char *value)
{
    return !m->needle || strstr(value, m->needle) != NULL;
}

/* The same for a path-like value, which may also match with a leading '/': the needle must then
 * be in "/" + v, which adds one place it can start. */
static bool path_needle_ok(const struct ematcher *m, const char *v)
{
    if (needle_ok(m, v))
        return true;
    return v[0] != '/' && m->needle[0] == '/' && !strncmp(v, m->needle + 1, strlen(m->needle) - 1);
}

/* gglob_match spends at most a budget of 200000 steps; below this bound on
 * (value length + 2) * (pattern length + 2) the shapes F_SUFFIX, F_CONTAINS and F_PRESUF can
 * never exhaust it, so their plain string test gives the same answer. Longer values take the
 * glob, budget included. */
#define FORM_SAFE 150000

static bool glob_value(const struct ematcher *m, const char *value)
{
    switch (m->form) {
    case F_EXACT: return !strcmp(value, m->lit);
    case F_PREFIX: return !strncmp(value, m->lit, m->lit_len);
    case F_GLOB: return needle_ok(m, value) && gglob_match(m->pattern, value, 0);
    }
    size_t n = strlen(value);
    if ((n + 2) * (m->plen + 2) >= FORM_SAFE)
        return needle_ok(m, value) && gglob_match(m->pattern, value, 0);
    switch (m->form) {
    case F_SUFFIX:
        return n >= m->lit_len && !memcmp(value + n - m->lit_len, m->lit, m->lit_len);
    case F_CONTAINS:
        return strstr(value, m->lit) != NULL;
    case F_PRESUF:
        return n >= m->lit_len + m->lit2_len && !memcmp(value, m->lit, m->lit_len) &&
               !memcmp(value + n - m->lit2_len, m->lit2, m->lit2_len);
    }
    return false;
}

/* Path-like shapes on a lowered value v: the value itself, else (v not starting with '/') the
 * value with a leading '/', where the literal then starts with '/' and meets v at lit + 1 (Sentry
 * tries both, so `package:/usr/lib/...` matches "usr/lib/libc.so"). */
static bool path_value(const struct ematcher *m, const char *v, size_t n)
{
    const char *l = m->lit;
    size_t ll = m->lit_len;
    bool retry = v[0] != '/' && l && l[0] == '/';
    switch (m->form) {
    case F_GLOB:
        return path_needle_ok(m, v) && gglob_path_match_low(m->pattern, v);
    case F_EXACT:
        if (!strcmp(v, l))
            return true;
        return retry && !strcmp(v, l + 1);
    case F_PREFIX:
        if (!strncmp(v, l, ll))
            return true;
        return retry && !strncmp(v, l + 1, ll - 1);
    case F_PREFIX_NOSLASH:
        if (!strncmp(v, l, ll) && !strchr(v + ll, '/'))
            return true;
        return retry && !strncmp(v, l + 1, ll - 1) && !strchr(v + ll - 1, '/');
    }
    if ((n + 2) * (m->plen + 2) >= FORM_SAFE)
        return path_needle_ok(m, v) && gglob_path_match_low(m->pattern, v);
    switch (m->form) {
    case F_SUFFIX:
        if (n >= ll && !memcmp(v + n - ll, l, ll))
            return true;
        return retry && n + 1 == ll && !memcmp(v, l + 1, n);
    case F_CONTAINS:
        if (strstr(v, l))
            return true;
        return retry && !strncmp(v, l + 1, ll - 1);
    }
    return false;
}

static inline bool path_ok(const struct ematcher *m, struct stackprep *p, int which, size_t idx)
{
    const struct pathinfo *pi = path_info(p, which);
    const struct pframe *pf = pi ? &pi->f[idx] : NULL;
    if (!pf || !pf->low || (m->tokmask & ~pf->fmask))
        return false; /* a value without one of the matcher's tokens cannot match */
    size_t n = pf->len;
    if (!m->dir_only || (n + 2) * (m->plen + 2) >= FORM_SAFE)
        return path_value(m, pf->low, n);
    /* the frames sharing a directory share the answer; the rules try one matcher on every
     * frame in turn, so remembering the last answer is enough */
    if (p->memo.m == m && p->memo.dir == pf->dir)
        return p->memo.res;
    bool res = path_value(m, pf->low, n);
    p->memo.m = m;
    p->memo.dir = pf->dir;
    p->memo.res = res;
    return res;
}

static bool glob_ok(const struct ematcher *m, const char *value)
{
    return value && glob_value(m, value);
}

static inline bool match_one(const struct ematcher *m, const struct mctx *c, size_t idx)
{
    const struct ev_frame *f = &c->st->frames[idx];
    bool rv = false;
    switch (m->key) {
    case MK_FAMILY:
        rv = (m->family_mask & 8) || (m->family_mask & (1 << f->family));
        break;
    case MK_PATH:
        rv = path_ok(m, c->p, LOW_PATH, idx);
        break;
    case MK_PACKAGE:
        rv = path_ok(m, c->p, LOW_PACKAGE, idx);
        break;
    case MK_FILENAME:
        rv = path_ok(m, c->p, LOW_FILENAME, idx);
        break;
    case MK_MODULE:
        rv = glob_ok(m, f->module);
        break;
    case MK_FUNCTION:
        rv = glob_ok(m, frame_function(f));
        break;
    case MK_CATEGORY:
        rv = glob_ok(m, f->category);
        break;
    case MK_APP:
        rv = f->in_app >= 0 && m->app == f->in_app;
        break;
    case MK_TYPE:
        rv = glob_ok(m, c->exc && c->exc->type ? c->exc->type : "<unknown>");
        break;
    case MK_VALUE:
        rv = glob_ok(m, c->exc && c->exc->value ? c->exc->value : "<unknown>");
        break;
    case MK_MECHANISM:
        rv = glob_ok(m, c->exc && c->exc->mech.type ? c->exc->mech.type : "<unknown>");
        break;
    }
    return m->negated ? !rv : rv;
}

static bool rule_matches(const struct erule *r, const struct mctx *c, size_t idx)
{
    if (!(r->family_mask & (1 << c->st->frames[idx].family)))
        return false;
    for (int i = 0; i < r->nm; i++)
        if (!match_one(&r->m[i], c, idx))
            return false;
    if (r->has_caller && !(idx > 0 && match_one(&r->caller, c, idx - 1)))
        return false;
    if (r->has_callee && !(idx + 1 < c->st->n && match_one(&r->callee, c, idx + 1)))
        return false;
    return true;
}

/* rule_matches; a rule with a dir_slot gives the frames of one family and directory the same
 * answer, and the rules try one rule on every frame in turn, so the last answer is kept. */
static inline bool rule_ok(const struct erule *r, const struct mctx *c, size_t idx)
{
    if (r->dir_slot < 0)
        return rule_matches(r, c, idx);
    struct stackprep *p = c->p;
    const struct pathinfo *pi = path_info(p, r->dir_slot);
    if (!pi || (pi->f[idx].len + 2) * (r->dir_plen + 2) >= FORM_SAFE) /* (see path_ok) */
        return rule_matches(r, c, idx);
    int dir = pi->f[idx].dir;
    unsigned char family = c->st->frames[idx].family;
    if (p->rmemo.r == r && p->rmemo.dir == dir && p->rmemo.family == family)
        return p->rmemo.res;
    bool res = rule_matches(r, c, idx);
    p->rmemo.r = r;
    p->rmemo.dir = dir;
    p->rmemo.family = family;
    p->rmemo.res = res;
    return res;
}

static void range_of(const struct eaction *a, size_t idx, size_t n, size_t *lo, size_t *hi)
{
    if (a->range == R_UP) {
        *lo = idx + 1;
        *hi = n;
    } else if (a->range == R_DOWN) {
        *lo = 0;
        *hi = idx;
    } else {
        *lo = idx;
        *hi = idx + 1;
    }
}

/* The first rule from i on (of n) that is in both bitmaps (candidates of the stack, rules of
 * the pass), or n: the passes visit only those, in order, a word of rules at a time. */
static inline int next_rule(const uint64_t *cand, const uint64_t *pass, int i, int n)
{
    for (; i < n; i = (i & ~63) + 64) {
        uint64_t w = cand[i / 64] & pass[i / 64] & (~(uint64_t)0 << (i % 64));
        if (w)
            return (i & ~63) + __builtin_ctzll(w); /* (pass has no bit from n on) */
    }
    return n;
}

static inline void set_app(struct ev_frame *f, int flag, const struct erule *r)
{
    if (f->in_app != (signed char)flag) {
        f->in_app = (signed char)flag;
        f->app_rule = 1;
        f->app_rule_text = r->desc;
    }
}

void genh_classify(const struct genh *const *sets, int n_sets, struct event *e,
                   struct ev_stacktrace *st, const struct ev_exception *exc, struct garena *a)
{
    struct stackprep *p = prepare(a, sets, n_sets, st);
    if (!p)
        return;
    struct mctx c = {e, st, exc, p, any_category(st)};
    for (int s = 0; s < n_sets; s++) {
        const struct genh *g = sets[s];
        if (!g)
            continue;
        const uint64_t *cand = stack_candidates(p, g, s);
        for (int ri = cand ? next_rule(cand, g->cls, 0, g->n) : g->n; ri < g->n;
             ri = next_rule(cand, g->cls, ri + 1, g->n)) {
            const struct erule *r = &g->rules[ri];
            if (!rule_possible(r, &c))
                continue;
            struct anchor_view av = anchor_view(r, p);
            for (size_t idx = 0; idx < st->n; idx++) {
                if (!anchor_ok(&av, idx) || !rule_ok(r, &c, idx))
                    continue;
                if (r->self_app >= 0) { /* the common lone "+app" / "-app" */
                    set_app(&st->frames[idx], r->self_app, r);
                    continue;
                }
                for (int ai = 0; ai < r->na; ai++) {
                    const struct eaction *ac = &r->a[ai];
                    if (ac->kind == A_CATEGORY) {
                        st->frames[idx].category = ac->sval;
                        c.categories = true;
                    } else if (ac->kind == A_APP) {
                        size_t lo, hi;
                        range_of(ac, idx, st->n, &lo, &hi);
                        for (size_t k = lo; k < hi; k++)
                            set_app(&st->frames[k], ac->flag, r);
                    }
                }
            }
        }
    }
    p->categories = c.categories;
}

int genh_contrib_matches(const struct genh *const *sets, int n_sets, const struct event *e,
                         const struct ev_stacktrace *st, const struct ev_exception *exc,
                         struct genh_matches *out, struct garena *a)
{
    out->n = 0;
    out->m = NULL;
    struct stackprep *p = prepare(a, sets, n_sets, (struct ev_stacktrace *)st);
    if (!p)
        return -1;
    struct mctx c = {e, st, exc, p, p->categories >= 0 ? p->categories : any_category(st)};
    size_t cap = 0;
    for (int s = 0; s < n_sets; s++) {
        const struct genh *g = sets[s];
        if (!g)
            continue;
        const uint64_t *cand = stack_candidates(p, g, s);
        if (!cand)
            return -1;
        for (int ri = next_rule(cand, g->con, 0, g->n); ri < g->n;
             ri = next_rule(cand, g->con, ri + 1, g->n)) {
            const struct erule *r = &g->rules[ri];
            if (!rule_possible(r, &c))
                continue;
            struct anchor_view av = anchor_view(r, p);
            for (size_t idx = 0; idx < st->n; idx++) {
                if (!anchor_ok(&av, idx) || !rule_ok(r, &c, idx))
                    continue;
                if (out->n == cap) {
                    size_t nc = cap ? cap * 2 : 16;
                    struct genh_match *nm = garena_alloc(a, nc * sizeof *nm);
                    if (!nm)
                        return -1;
                    if (out->n)
                        memcpy(nm, out->m, out->n * sizeof *nm);
                    out->m = nm;
                    cap = nc;
                }
                out->m[out->n].rule = r;
                out->m[out->n].idx = idx;
                out->n++;
            }
        }
    }
    return p->oom ? -1 : 0;
}

void genh_contribute(const struct genh_matches *mt, size_t n_frames, bool *contributes,
                     const char **hints, struct genh_stack_state *state, struct garena *a)
{
    memset(state, 0, sizeof *state);
    for (size_t i = 0; i < mt->n; i++) {
        const struct erule *r = mt->m[i].rule;
        size_t idx = mt->m[i].idx;
        for (int ai = 0; ai < r->na; ai++) {
            const struct eaction *ac = &r->a[ai];
            if (ac->kind == A_GROUP) {
                size_t lo, hi;
                range_of(ac, idx, n_frames, &lo, &hi);
                const char *h = NULL; /* one hint string for every frame this action flips */
                for (size_t k = lo; k < hi; k++) {
                    if (contributes[k] != (bool)ac->flag) {
                        contributes[k] = ac->flag;
                        if (!h)
                            h = garena_printf(a, "%s by stack trace rule (%s)",
                                              ac->flag ? "un-ignored" : "ignored", r->desc);
                        hints[k] = h;
                    }
                }
            } else if (ac->kind == A_MAX_FRAMES) {
                state->max_frames = ac->ival;
                state->max_frames_rule = r->desc;
            } else if (ac->kind == A_MIN_FRAMES) {
                state->min_frames = ac->ival;
                state->min_frames_rule = r->desc;
            }
        }
    }
    if (state->max_frames > 0) {
        int seen = 0;
        const char *h = NULL;
        for (size_t k = n_frames; k-- > 0;) {
            if (!contributes[k])
                continue;
            if (++seen <= state->max_frames)
                continue;
            contributes[k] = false;
            if (!h)
                h = garena_printf(a, "ignored because only %d %s considered by stack trace rule (%s)",
                                  state->max_frames, state->max_frames == 1 ? "frame is" : "frames are",
                                  state->max_frames_rule);
            hints[k] = h;
        }
    }
}

/* ---------------- built-in rules ---------------- */

extern const char grouping_builtin_enhancements[];

static struct genh *builtin;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static void parse_builtin(void)
{
    char err[ERRMSG_SIZE];
    if (genh_parse(grouping_builtin_enhancements, &builtin, err) < 0)
        builtin = NULL;
}

const struct genh *genh_builtin(void)
{
    pthread_once(&builtin_once, parse_builtin);
    return builtin;
}
