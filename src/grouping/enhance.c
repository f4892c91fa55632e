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

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum mkey { MK_PATH, MK_MODULE, MK_FUNCTION, MK_PACKAGE, MK_FAMILY, MK_APP, MK_CATEGORY, MK_TYPE,
            MK_VALUE, MK_MECHANISM, MK_FILENAME };
static const char *const mkey_name[] = {"path", "module", "function", "package", "family", "app",
                                        "category", "type", "value", "mechanism", "filename"};

enum akind { A_APP, A_GROUP, A_CATEGORY, A_MAX_FRAMES, A_MIN_FRAMES, A_INVERT };
enum arange { R_SELF, R_UP, R_DOWN };

struct ematcher {
    unsigned char key, negated;
    int family_mask;     /* MK_FAMILY: bit per family, bit 3 = all */
    int app;             /* MK_APP: 1 yes, 0 no, -1 neither */
    char *pattern;       /* lowercased for path-like keys */
    char *needle;        /* longest literal run of the glob (a value must contain it), or NULL */
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
    int pkey;            /* prefilter: key of a positive matcher with a 2-char literal prefix, or -1 */
    unsigned ph;         /* ... and the hash of that prefix */
    char *desc;          /* matcher description for hints */
    int line;
};

struct genh {
    struct erule *rules;
    int n, cap;
};

/* ---------------- parsing ---------------- */

static char *glob_needle(const char *p);
static bool uses_category(const struct ematcher *m);

/* 2-character prefix hash for the rule prefilter (10 bits). */
static unsigned prefix_hash(char a, char b)
{
    return ((unsigned)(unsigned char)a * 31u + (unsigned char)b) & 1023u;
}

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
    if (key != MK_FAMILY && key != MK_APP)
        m->needle = glob_needle(m->pattern);
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
}

/* Longest run of plain characters in a glob (none of * ? [ ] \); NULL when shorter than 2. */
static char *glob_needle(const char *p)
{
    const char *best = NULL;
    size_t best_n = 0;
    for (const char *q = p; *q;) {
        if (strchr("*?[]\\", *q)) {
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
    r->pkey = -1;
    for (int i = 0; i < r->nm && r->pkey < 0; i++) {
        const struct ematcher *m = &r->m[i];
        const char *pt = m->pattern;
        if (m->negated || !(m->key == MK_FUNCTION || m->key == MK_MODULE || m->key == MK_PACKAGE ||
                            m->key == MK_PATH))
            continue;
        if (pt[0] && pt[1] && !strchr("*?[]\\", pt[0]) && !strchr("*?[]\\", pt[1])) {
            r->pkey = m->key;
            r->ph = prefix_hash(pt[0], pt[1]);
        }
    }
    for (int i = 0; i < r->na; i++) {
        if (r->a[i].kind == A_APP || r->a[i].kind == A_CATEGORY)
            r->classifier = true;
        else
            r->contributes = true;
    }
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
    free(g);
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
    *out = g;
    return 0;
}

/* ---------------- matching ---------------- */

/* Per-frame values prepared once per stack trace: lowercased paths (with '\' as '/'), family. */
struct fprep {
    const char *path, *package, *filename;
    int family;
};

/* Stack-level summary for skipping whole rules: families present, and the 2-char prefixes of
 * function, module, package and path values present (bitsets indexed by prefix_hash). */
struct sprep {
    int families;
    unsigned char pre[4][128];
    const char *all[5];  /* every frame's function, module, package, path, filename, joined */
};

/* Everything prepared once per stack trace and reused by both rule passes. */
struct stackprep {
    struct fprep *fp;
    struct sprep sp;
};

struct mctx {
    const struct event *e;
    const struct ev_stacktrace *st;
    const struct ev_exception *exc;
    const struct fprep *fp;
    const struct sprep *spp;
    bool categories;     /* some frame has a category (rules on categories can match) */
};

static int pre_slot(int key)
{
    return key == MK_FUNCTION ? 0 : key == MK_MODULE ? 1 : key == MK_PACKAGE ? 2 : 3;
}

static void pre_add(struct sprep *sp, int key, const char *v, bool pathlike)
{
    if (!v || !v[0])
        return;
    unsigned char *bits = sp->pre[pre_slot(key)];
    if (v[1]) {
        unsigned h = prefix_hash(v[0], v[1]);
        bits[h >> 3] |= (unsigned char)(1u << (h & 7));
    }
    if (pathlike && v[0] != '/') { /* path-like values are also tried with a leading '/' */
        unsigned h = prefix_hash('/', v[0]);
        bits[h >> 3] |= (unsigned char)(1u << (h & 7));
    }
}

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

/* Join the values with '\x01' (never inside a needle) into one arena string. */
static const char *join(struct garena *a, const char *const *v, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i])
            total += strlen(v[i]) + 1;
    char *d = garena_alloc(a, total + 1), *p = d;
    if (!d)
        return "";
    for (size_t i = 0; i < n; i++)
        if (v[i]) {
            size_t l = strlen(v[i]);
            memcpy(p, v[i], l);
            p += l;
            *p++ = '\x01';
        }
    *p = '\0';
    return d;
}

static void summarize(struct garena *a, const struct ev_stacktrace *st, const struct fprep *fp,
                      struct sprep *sp)
{
    memset(sp, 0, sizeof *sp);
    size_t n = st->n;
    const char **vals = garena_alloc(a, 5 * (n ? n : 1) * sizeof *vals);
    if (!vals) {
        for (int k = 0; k < 5; k++)
            sp->all[k] = "";
        sp->families = 0xF;
        memset(sp->pre, 0xFF, sizeof sp->pre);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct ev_frame *f = &st->frames[i];
        const char *fn = f->function && *f->function ? f->function : "<unknown>";
        sp->families |= 1 << fp[i].family;
        pre_add(sp, MK_FUNCTION, fn, false);
        pre_add(sp, MK_MODULE, f->module, false);
        pre_add(sp, MK_PACKAGE, fp[i].package, true);
        pre_add(sp, MK_PATH, fp[i].path, true);
        vals[i] = fn;
        vals[n + i] = f->module;
        vals[2 * n + i] = fp[i].package;
        vals[3 * n + i] = fp[i].path;
        vals[4 * n + i] = fp[i].filename;
    }
    for (int k = 0; k < 5; k++)
        sp->all[k] = join(a, vals + (size_t)k * n, n);
}

static bool any_category(const struct ev_stacktrace *st)
{
    for (size_t i = 0; i < st->n; i++)
        if (st->frames[i].category)
            return true;
    return false;
}

static bool uses_category(const struct ematcher *m) { return m->key == MK_CATEGORY && !m->negated; }

/* Can this rule match any frame of the stack at all? */
static bool rule_possible(const struct erule *r, const struct mctx *c)
{
    if (!(r->family_mask & c->spp->families))
        return false;
    if (!c->categories && r->needs_category)
        return false;
    if (r->pkey >= 0) {
        const unsigned char *bits = c->spp->pre[pre_slot(r->pkey)];
        if (!(bits[r->ph >> 3] & (1u << (r->ph & 7))))
            return false;
    }
    /* a positive frame matcher's literal must occur in some frame's value */
    for (int i = 0; i < r->nm; i++) {
        const struct ematcher *m = &r->m[i];
        int slot = all_slot(m->key);
        if (m->negated || !m->needle || slot < 0)
            continue;
        const char *b = c->spp->all[slot];
        if (!b || !*b || !strstr(b, m->needle))
            return false;
    }
    return true;
}

static const char *lower_path(struct garena *a, const char *s)
{
    if (!s)
        return NULL;
    size_t n = 0;
    while (s[n] && !(s[n] == '\\' || (s[n] >= 'A' && s[n] <= 'Z')))
        n++;
    if (!s[n])
        return s; /* already lowercase with '/' only: no copy */
    n += strlen(s + n);
    char *d = garena_alloc(a, n + 1);
    if (!d)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        d[i] = c == '\\' ? '/' : (c >= 'A' && c <= 'Z') ? (char)(c + 32) : (char)c;
    }
    return d;
}

static struct stackprep *prepare(struct garena *a, const struct event *e, struct ev_stacktrace *st)
{
    (void)e;
    if (st->prep)
        return st->prep; /* computed by the classifier pass of this run */
    struct stackprep *p = garena_alloc(a, sizeof *p);
    struct fprep *fp = garena_alloc(a, (st->n ? st->n : 1) * sizeof *fp);
    if (!p || !fp)
        return NULL;
    for (size_t i = 0; i < st->n; i++) {
        const struct ev_frame *f = &st->frames[i];
        fp[i].path = lower_path(a, f->abs_path ? f->abs_path : f->filename);
        fp[i].package = lower_path(a, f->package);
        fp[i].filename = lower_path(a, f->filename);
        fp[i].family = f->family;
    }
    p->fp = fp;
    summarize(a, st, fp, &p->sp);
    st->prep = p;
    return p;
}

static const char *frame_function(const struct ev_frame *f)
{
    return f->function && *f->function ? f->function : "<unknown>";
}

/* A glob can only match values containing its longest literal run (a cheap first test). */
static bool needle_ok(const struct ematcher *m, const char *value)
{
    return !m->needle || strstr(value, m->needle) != NULL;
}

static bool path_ok(const struct ematcher *m, const char *lowered)
{
    return lowered && needle_ok(m, lowered) && gglob_path_match_low(m->pattern, lowered);
}

static bool glob_ok(const struct ematcher *m, const char *value)
{
    return value && needle_ok(m, value) && gglob_match(m->pattern, value, 0);
}

static bool match_one(const struct ematcher *m, const struct mctx *c, size_t idx)
{
    const struct ev_frame *f = &c->st->frames[idx];
    const struct fprep *p = &c->fp[idx];
    bool rv = false;
    switch (m->key) {
    case MK_FAMILY:
        rv = (m->family_mask & 8) || (m->family_mask & (1 << p->family));
        break;
    case MK_PATH:
        rv = path_ok(m, p->path);
        break;
    case MK_PACKAGE:
        rv = path_ok(m, p->package);
        break;
    case MK_FILENAME:
        rv = path_ok(m, p->filename);
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
    if (!(r->family_mask & (1 << c->fp[idx].family)))
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

void genh_classify(const struct genh *const *sets, int n_sets, struct event *e,
                   struct ev_stacktrace *st, const struct ev_exception *exc, struct garena *a)
{
    struct stackprep *p = prepare(a, e, st);
    if (!p)
        return;
    struct mctx c = {e, st, exc, p->fp, &p->sp, any_category(st)};
    for (int s = 0; s < n_sets; s++) {
        const struct genh *g = sets[s];
        if (!g)
            continue;
        for (int ri = 0; ri < g->n; ri++) {
            const struct erule *r = &g->rules[ri];
            if (!r->classifier || !rule_possible(r, &c))
                continue;
            for (size_t idx = 0; idx < st->n; idx++) {
                if (!rule_matches(r, &c, idx))
                    continue;
                for (int ai = 0; ai < r->na; ai++) {
                    const struct eaction *ac = &r->a[ai];
                    if (ac->kind == A_CATEGORY) {
                        st->frames[idx].category = ac->sval;
                        c.categories = true;
                    } else if (ac->kind == A_APP) {
                        size_t lo, hi;
                        range_of(ac, idx, st->n, &lo, &hi);
                        for (size_t k = lo; k < hi; k++) {
                            struct ev_frame *f = &st->frames[k];
                            if (f->in_app != (signed char)ac->flag) {
                                f->in_app = (signed char)ac->flag;
                                f->app_rule = 1;
                                f->app_rule_text = r->desc;
                            }
                        }
                    }
                }
            }
        }
    }
}

int genh_contrib_matches(const struct genh *const *sets, int n_sets, const struct event *e,
                         const struct ev_stacktrace *st, const struct ev_exception *exc,
                         struct genh_matches *out, struct garena *a)
{
    out->n = 0;
    out->m = NULL;
    const struct stackprep *p = prepare(a, e, (struct ev_stacktrace *)st);
    if (!p)
        return -1;
    struct mctx c = {e, st, exc, p->fp, &p->sp, any_category(st)};
    size_t cap = 0;
    for (int s = 0; s < n_sets; s++) {
        const struct genh *g = sets[s];
        if (!g)
            continue;
        for (int ri = 0; ri < g->n; ri++) {
            const struct erule *r = &g->rules[ri];
            if (!r->contributes || !rule_possible(r, &c))
                continue;
            for (size_t idx = 0; idx < st->n; idx++) {
                if (!rule_matches(r, &c, idx))
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
    return 0;
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
