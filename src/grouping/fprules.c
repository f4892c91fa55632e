/* Server-side fingerprint rules, Sentry's syntax:
 *
 *   matcher:arg [matcher:arg ...] -> value[, value ...] [title="..."]
 *
 * Matchers: error.type/type (case-sensitive glob), error.value/value (case-insensitive),
 * message (logentry message or exception value, case-insensitive), logger, level, tags.NAME,
 * stack.abs_path/path (abs_path or filename, path glob), stack.module/module,
 * stack.function/function, stack.package/package, family, app (yes|no), sdk, release.
 * '!' negates. Frame matchers of one rule must match the same frame; exception matchers the same
 * exception. The first matching line wins; project rules come before the built-in ones.
 * Values may be "{{ variables }}": default, transaction, message, error.type/type,
 * error.value/value, stack.function/function, stack.abs_path/path, stack.filename,
 * stack.module/module, stack.package/package, level, logger, tags.NAME. */
#include "grouping/internal.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum fkey { FK_TYPE, FK_VALUE, FK_MESSAGE, FK_LOGGER, FK_LEVEL, FK_TAG, FK_PATH, FK_MODULE,
            FK_FUNCTION, FK_PACKAGE, FK_FAMILY, FK_APP, FK_SDK, FK_RELEASE };
enum fgroup { G_TOPLEVEL, G_EXC, G_LOG, G_TAGS, G_FRAMES, G_FAMILY, G_SDK, G_RELEASE };

struct fmatcher {
    int key, group;
    bool negated;
    unsigned char families;  /* FK_FAMILY: bit per EVENT_FAMILY_* the pattern lists (or "all") */
    char *pattern;
    char *tag;           /* FK_TAG: tag name */
};

struct frule {
    struct fmatcher *m;
    int nm;
    char **fp;
    int nfp;
    char *title;
    char *text;
    bool builtin;
};

struct gfprules {
    struct frule *rules;
    int n, cap;
};

static int key_of(const char *k, size_t n, int *group)
{
    static const struct { const char *name; int key, group; } keys[] = {
        {"error.type", FK_TYPE, G_EXC},         {"type", FK_TYPE, G_EXC},
        {"error.value", FK_VALUE, G_EXC},       {"value", FK_VALUE, G_EXC},
        {"message", FK_MESSAGE, G_TOPLEVEL},    {"logger", FK_LOGGER, G_LOG},
        {"level", FK_LEVEL, G_LOG},             {"stack.abs_path", FK_PATH, G_FRAMES},
        {"path", FK_PATH, G_FRAMES},            {"stack.module", FK_MODULE, G_FRAMES},
        {"module", FK_MODULE, G_FRAMES},        {"stack.function", FK_FUNCTION, G_FRAMES},
        {"function", FK_FUNCTION, G_FRAMES},    {"stack.package", FK_PACKAGE, G_FRAMES},
        {"package", FK_PACKAGE, G_FRAMES},      {"family", FK_FAMILY, G_FAMILY},
        {"app", FK_APP, G_FRAMES},              {"sdk", FK_SDK, G_SDK},
        {"release", FK_RELEASE, G_RELEASE},
    };
    if (n > 5 && !strncmp(k, "tags.", 5)) {
        *group = G_TAGS;
        return FK_TAG;
    }
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strlen(keys[i].name) == n && !strncmp(keys[i].name, k, n)) {
            *group = keys[i].group;
            return keys[i].key;
        }
    return -1;
}

static void free_rule(struct frule *r)
{
    for (int i = 0; i < r->nm; i++) {
        free(r->m[i].pattern);
        free(r->m[i].tag);
    }
    for (int i = 0; i < r->nfp; i++)
        free(r->fp[i]);
    free(r->m);
    free(r->fp);
    free(r->title);
    free(r->text);
}

void gfp_free(struct gfprules *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->n; i++)
        free_rule(&g->rules[i]);
    free(g->rules);
    free(g);
}

struct lex {
    const char *p;
    int line;
    char *err;
};

/* Blanks within a line: every isspace() byte but '\n'. A value ends at any isspace() byte, so a
 * blank this skipped not ('\v' once) left the value loop taking empty values forever. */
static void ws(struct lex *l)
{
    while (*l->p != '\n' && isspace((unsigned char)*l->p))
        l->p++;
}

static bool keych(char c) { return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-'; }

static char *quoted(struct lex *l)
{
    struct buf b = BUF_INIT;
    l->p++;
    while (*l->p && *l->p != '"' && *l->p != '\n') {
        if (*l->p == '\\' && (l->p[1] == '"' || l->p[1] == '\\'))
            l->p++;
        buf_putc(&b, *l->p++);
    }
    if (*l->p != '"') {
        errmsg_set(l->err, "line %d: unterminated quoted string", l->line);
        buf_free(&b);
        return NULL;
    }
    l->p++;
    buf_reserve(&b, 0);
    return buf_steal(&b);
}

static int push_ptr(void **arr, int *n, size_t elem, int *cap)
{
    if (*n == *cap) {
        int c = *cap ? *cap * 2 : 4;
        void *na = realloc(*arr, (size_t)c * elem);
        if (!na)
            return -1;
        *arr = na;
        *cap = c;
    }
    return 0;
}

static bool flag_list_has(const char *pattern, const char *value)
{
    size_t vl = strlen(value);
    for (const char *p = pattern; *p;) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        if ((n == 3 && !strncmp(p, "all", 3)) || (n == vl && !strncmp(p, value, n)))
            return true;
        if (!c)
            break;
        p = c + 1;
    }
    return false;
}

static int parse_rule(struct lex *l, struct frule *r)
{
    memset(r, 0, sizeof *r);
    const char *start = l->p;
    int capm = 0, capf = 0;
    for (;;) {
        ws(l);
        if (l->p[0] == '-' && l->p[1] == '>')
            break;
        if (!*l->p || *l->p == '\n' || *l->p == '#') {
            errmsg_set(l->err, "line %d: expected '->' followed by a fingerprint", l->line);
            return -1;
        }
        struct fmatcher m = {0};
        if (*l->p == '!') {
            m.negated = true;
            l->p++;
        }
        const char *k = l->p;
        while (keych(*l->p))
            l->p++;
        size_t kn = (size_t)(l->p - k);
        if (!kn || *l->p != ':') {
            errmsg_set(l->err, "line %d: expected matcher (key:value) at '%.20s'", l->line, k);
            return -1;
        }
        m.key = key_of(k, kn, &m.group);
        if (m.key < 0) {
            errmsg_set(l->err, "line %d: unknown matcher '%.*s'", l->line, (int)kn, k);
            return -1;
        }
        l->p++;
        if (*l->p == '"') {
            m.pattern = quoted(l);
        } else {
            const char *v = l->p;
            while (*l->p && !isspace((unsigned char)*l->p))
                l->p++;
            m.pattern = strndup(v, (size_t)(l->p - v));
        }
        if (!m.pattern)
            return -1;
        if (!*m.pattern) {
            free(m.pattern);
            errmsg_set(l->err, "line %d: matcher '%.*s' has no value", l->line, (int)kn, k);
            return -1;
        }
        if (m.key == FK_TAG)
            m.tag = strndup(k + 5, kn - 5);
        if (m.key == FK_FAMILY)
            for (int f = EVENT_FAMILY_OTHER; f <= EVENT_FAMILY_JAVASCRIPT; f++)
                if (flag_list_has(m.pattern, event_family_name(f)))
                    m.families |= (unsigned char)(1u << f);
        if (m.key == FK_APP) {
            const char *v = m.pattern;
            if (strcasecmp(v, "yes") && strcasecmp(v, "no") && strcasecmp(v, "true") &&
                strcasecmp(v, "false") && strcmp(v, "1") && strcmp(v, "0")) {
                errmsg_set(l->err, "line %d: app: expects yes or no, not '%s'", l->line, v);
                free(m.pattern);
                return -1;
            }
        }
        if (push_ptr((void **)&r->m, &r->nm, sizeof m, &capm) < 0) {
            free(m.pattern);
            free(m.tag);
            return -1;
        }
        r->m[r->nm++] = m;
    }
    if (r->nm == 0) {
        errmsg_set(l->err, "line %d: rule has no matcher before '->'", l->line);
        return -1;
    }
    l->p += 2;
    for (;;) {
        ws(l);
        if (!*l->p || *l->p == '\n' || *l->p == '#')
            break;
        if (*l->p == ',') {
            l->p++;
            continue;
        }
        char *val = NULL;
        if (*l->p == '"') {
            val = quoted(l);
        } else if (!strncmp(l->p, "title=", 6) || !strncmp(l->p, "title =", 7)) {
            l->p = strchr(l->p, '=') + 1;
            ws(l);
            if (*l->p != '"') {
                errmsg_set(l->err, "line %d: title= expects a quoted string", l->line);
                return -1;
            }
            char *t = quoted(l);
            if (!t)
                return -1;
            free(r->title);
            r->title = t;
            continue;
        } else {
            struct buf b = BUF_INIT;
            while (*l->p && *l->p != '\n' && *l->p != ',' && !isspace((unsigned char)*l->p)) {
                if (l->p[0] == '{' && l->p[1] == '{') { /* a variable may contain spaces */
                    const char *end = strstr(l->p, "}}");
                    const char *nl = strchr(l->p, '\n');
                    if (end && (!nl || end < nl)) {
                        buf_append(&b, l->p, (size_t)(end + 2 - l->p));
                        l->p = end + 2;
                        continue;
                    }
                }
                buf_putc(&b, *l->p++);
            }
            buf_reserve(&b, 0);
            val = buf_steal(&b);
        }
        if (!val)
            return -1;
        if (push_ptr((void **)&r->fp, &r->nfp, sizeof(char *), &capf) < 0) {
            free(val);
            return -1;
        }
        r->fp[r->nfp++] = val;
    }
    if (r->nfp == 0) {
        errmsg_set(l->err, "line %d: empty fingerprint after '->'", l->line);
        return -1;
    }
    const char *end = l->p;
    while (end > start && isspace((unsigned char)end[-1]))
        end--;
    r->text = strndup(start, (size_t)(end - start));
    while (*l->p && *l->p != '\n')
        l->p++;
    return r->text ? 0 : -1;
}

int gfp_parse(const char *text, struct gfprules **out, char *err)
{
    *out = NULL;
    struct gfprules *g = calloc(1, sizeof *g);
    if (!g) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    struct lex l = {text ? text : "", 1, err};
    while (*l.p) {
        ws(&l);
        if (*l.p == '\n') {
            l.p++;
            l.line++;
            continue;
        }
        if (!*l.p)
            break;
        if (*l.p == '#') {
            while (*l.p && *l.p != '\n')
                l.p++;
            continue;
        }
        if (push_ptr((void **)&g->rules, &g->n, sizeof(struct frule), &g->cap) < 0) {
            errmsg_set(err, "out of memory");
            gfp_free(g);
            return -1;
        }
        err[0] = '\0';
        if (parse_rule(&l, &g->rules[g->n]) < 0) {
            if (!err[0])
                errmsg_set(err, "line %d: out of memory", l.line);
            free_rule(&g->rules[g->n]);
            gfp_free(g);
            return -1;
        }
        g->n++;
    }
    *out = g;
    return 0;
}

/* ---------------- matching ---------------- */

static bool tobool(const char *v)
{
    return !strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1");
}

static char *lower_dup(const char *s, char *stack, size_t cap)
{
    size_t n = strlen(s);
    char *d = n < cap ? stack : malloc(n + 1);
    if (!d)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        d[i] = (char)tolower((unsigned char)s[i]);
    return d;
}

static bool path_match(const char *pattern, const char *value)
{
    if (!value)
        return false;
    char st[256];
    char *low = lower_dup(pattern, st, sizeof st);
    if (!low)
        return false;
    bool ok = gglob_path_match(low, value);
    if (low != st)
        free(low);
    return ok;
}

static bool positive_frame(const struct fmatcher *m, const struct event *e, const struct ev_frame *f)
{
    switch (m->key) {
    case FK_PATH: {
        const char *abs = f->abs_path ? f->abs_path : f->filename;
        return path_match(m->pattern, abs) || path_match(m->pattern, f->filename);
    }
    case FK_MODULE:
        return f->module && gglob_match(m->pattern, f->module, 0);
    case FK_FUNCTION:
        return gglob_match(m->pattern, f->function && *f->function ? f->function : "<unknown>", 0);
    case FK_PACKAGE:
        return f->package && path_match(m->pattern, f->package);
    case FK_APP:
        return f->in_app >= 0 && (bool)f->in_app == tobool(m->pattern);
    }
    (void)e;
    return false;
}

static bool frames_match(const struct frule *r, const struct event *e, const struct ev_stacktrace *st)
{
    for (size_t i = 0; i < st->n; i++) {
        bool all = true;
        for (int k = 0; k < r->nm && all; k++) {
            const struct fmatcher *m = &r->m[k];
            if (m->group != G_FRAMES)
                continue;
            bool rv = positive_frame(m, e, &st->frames[i]);
            all = m->negated ? !rv : rv;
        }
        if (all)
            return true;
    }
    return false;
}

static bool group_match(const struct frule *r, int group, const struct event *e, struct buf *tmp)
{
    switch (group) {
    case G_FRAMES:
        for (size_t i = 0; i < e->n_exceptions; i++)
            if (e->exceptions[i].has_stacktrace && frames_match(r, e, &e->exceptions[i].st))
                return true;
        if (e->has_stacktrace && frames_match(r, e, &e->st))
            return true;
        for (size_t i = 0; i < e->n_threads; i++)
            if (e->threads[i].has_stacktrace && frames_match(r, e, &e->threads[i].st))
                return true;
        return false;
    case G_EXC:
    case G_TOPLEVEL: {
        /* candidates: the message (toplevel only) then every exception */
        size_t n = e->n_exceptions + (group == G_TOPLEVEL ? 1 : 0);
        for (size_t c = 0; c < n; c++) {
            const char *type = NULL, *value = NULL, *message = NULL;
            if (group == G_TOPLEVEL && c == 0) {
                if (!e->log_formatted)
                    continue;
                message = e->log_formatted;
            } else {
                const struct ev_exception *x = &e->exceptions[c - (group == G_TOPLEVEL)];
                type = x->type;
                value = x->value;
            }
            char *strip = NULL;
            const char *s = message ? message : value;
            if (s) { /* values are stripped */
                while (isspace((unsigned char)*s))
                    s++;
                size_t len = strlen(s);
                while (len && isspace((unsigned char)s[len - 1]))
                    len--;
                buf_reset(tmp);
                buf_append(tmp, s, len);
                strip = tmp->data;
                if (message)
                    message = strip;
                else
                    value = strip;
            }
            bool all = true;
            for (int k = 0; k < r->nm && all; k++) {
                const struct fmatcher *m = &r->m[k];
                if (m->group != group)
                    continue;
                bool rv = false;
                if (m->key == FK_MESSAGE)
                    rv = (message && gglob_match(m->pattern, message, GGLOB_ICASE)) ||
                         (value && gglob_match(m->pattern, value, GGLOB_ICASE));
                else if (m->key == FK_TYPE)
                    rv = type && gglob_match(m->pattern, type, 0);
                else if (m->key == FK_VALUE)
                    rv = value && gglob_match(m->pattern, value, GGLOB_ICASE);
                all = m->negated ? !rv : rv;
            }
            if (all)
                return true;
        }
        return false;
    }
    case G_LOG: {
        if (!e->logger && !e->level)
            return false;
        for (int k = 0; k < r->nm; k++) {
            const struct fmatcher *m = &r->m[k];
            if (m->group != G_LOG)
                continue;
            bool rv = m->key == FK_LOGGER ? e->logger && gglob_match(m->pattern, e->logger, 0)
                                          : e->level && gglob_match(m->pattern, e->level, GGLOB_ICASE);
            if (m->negated ? rv : !rv)
                return false;
        }
        return true;
    }
    case G_TAGS:
        for (int k = 0; k < r->nm; k++) {
            const struct fmatcher *m = &r->m[k];
            if (m->group != G_TAGS)
                continue;
            const char *v = event_tag(e, m->tag);
            bool rv = v && gglob_match(m->pattern, v, 0);
            if (m->negated ? rv : !rv)
                return false;
        }
        return true;
    case G_FAMILY:
    case G_SDK:
    case G_RELEASE:
        for (int k = 0; k < r->nm; k++) {
            const struct fmatcher *m = &r->m[k];
            if (m->group != group)
                continue;
            bool rv;
            if (group == G_FAMILY)
                rv = m->families >> e->family & 1;
            else if (group == G_SDK)
                rv = e->sdk_name && flag_list_has(m->pattern, e->sdk_name);
            else
                rv = e->release && path_match(m->pattern, e->release);
            if (group != G_FAMILY && group != G_SDK && !e->release)
                return false;
            if (m->negated ? rv : !rv)
                return false;
        }
        return true;
    }
    return false;
}

static bool rule_match(const struct frule *r, const struct event *e, struct buf *tmp)
{
    unsigned seen = 0;
    for (int k = 0; k < r->nm; k++) {
        unsigned bit = 1u << r->m[k].group;
        if (seen & bit)
            continue;
        seen |= bit;
        if (!group_match(r, r->m[k].group, e, tmp))
            return false;
    }
    return true;
}

static bool try_rules(const struct gfprules *g, const struct event *e, struct gfp_match *m,
                      struct garena *a, bool builtin)
{
    if (!g)
        return false;
    struct buf tmp = BUF_INIT;
    bool found = false;
    for (int i = 0; i < g->n && !found; i++) {
        const struct frule *r = &g->rules[i];
        if (!rule_match(r, e, &tmp))
            continue;
        found = true;
        m->rule_text = garena_strdup(a, r->text);
        m->is_builtin = builtin;
        m->n = 0;
        for (int k = 0; k < r->nfp && m->n < EVENT_MAX_FINGERPRINT; k++)
            m->fingerprint[m->n++] = garena_strdup(a, r->fp[k]);
        m->title = r->title ? garena_strdup(a, r->title) : NULL;
    }
    buf_free(&tmp);
    return found;
}

bool gfp_apply(const struct gfprules *custom, const struct event *e, struct gfp_match *m,
               struct garena *a)
{
    m->rule_text = NULL; /* (not the whole struct: fingerprint[] is read up to n only) */
    m->is_builtin = false;
    m->n = 0;
    m->title = NULL;
    if (try_rules(custom, e, m, a, false))
        return true;
    return try_rules(gfp_builtin(), e, m, a, true);
}

/* ---------------- variables ---------------- */

/* "{{ name }}" -> name (arena copy); NULL when entry is not exactly one variable. */
static const char *var_name(const char *entry, char *out, size_t cap)
{
    const char *p = entry;
    if (p[0] != '{' || p[1] != '{')
        return NULL;
    p += 2;
    while (isspace((unsigned char)*p))
        p++;
    const char *s = p;
    while (*p && !isspace((unsigned char)*p) && !(p[0] == '}' && p[1] == '}'))
        p++;
    size_t n = (size_t)(p - s);
    /* \S+ is greedy in Python: a name may itself end in '}' characters; handle "{{x}}" */
    while (isspace((unsigned char)*p))
        p++;
    if (n == 0 || strcmp(p, "}}") != 0 || n >= cap)
        return NULL;
    memcpy(out, s, n);
    out[n] = '\0';
    return out;
}

bool gfp_is_default_var(const char *entry)
{
    char name[64];
    const char *v = var_name(entry, name, sizeof name);
    return v && !strcmp(v, "default");
}

const char *gfp_resolve_var(const char *entry, const struct event *e, struct garena *a)
{
    char name[256];
    const char *v = var_name(entry, name, sizeof name);
    if (!v)
        return entry;
    if (!strcmp(v, "default"))
        return "{{ default }}";
    if (!strcmp(v, "transaction"))
        return e->transaction ? e->transaction : "<no-transaction>";
    if (!strcmp(v, "message")) {
        const char *m = e->log_formatted ? e->log_formatted : e->log_message;
        if (!m && e->n_exceptions)
            m = e->exceptions[e->n_exceptions - 1].value;
        return m && *m ? m : "<no-message>";
    }
    const struct ev_exception *last = e->n_exceptions ? &e->exceptions[e->n_exceptions - 1] : NULL;
    if (!strcmp(v, "type") || !strcmp(v, "error.type"))
        return last && last->type ? last->type : "<no-type>";
    if (!strcmp(v, "value") || !strcmp(v, "error.value"))
        return last && last->value && *last->value ? last->value : "<no-value>";
    const struct ev_frame *f = NULL;
    bool frame_var = !strcmp(v, "function") || !strcmp(v, "stack.function") ||
                     !strcmp(v, "path") || !strcmp(v, "stack.abs_path") ||
                     !strcmp(v, "stack.filename") || !strcmp(v, "module") ||
                     !strcmp(v, "stack.module") || !strcmp(v, "package") ||
                     !strcmp(v, "stack.package");
    if (frame_var)
        f = event_crash_frame(e);
    if (!strcmp(v, "function") || !strcmp(v, "stack.function"))
        return f && f->function && *f->function ? f->function : "<no-function>";
    if (!strcmp(v, "path") || !strcmp(v, "stack.abs_path")) {
        const char *p = f ? (f->abs_path ? f->abs_path : f->filename) : NULL;
        return p ? p : "<no-abs-path>";
    }
    if (!strcmp(v, "stack.filename")) {
        const char *p = f ? (f->filename ? f->filename : f->abs_path) : NULL;
        return p ? p : "<no-filename>";
    }
    if (!strcmp(v, "module") || !strcmp(v, "stack.module"))
        return f && f->module && *f->module ? f->module : "<no-module>";
    if (!strcmp(v, "package") || !strcmp(v, "stack.package")) {
        const char *p = f ? f->package : NULL;
        if (p && *p) {
            const char *s = strrchr(p, '/');
            p = s ? s + 1 : p;
            s = strrchr(p, '\\');
            p = s ? s + 1 : p;
        }
        return p && *p ? p : "<no-package>";
    }
    if (!strcmp(v, "level"))
        return e->level ? e->level : "<no-level>";
    if (!strcmp(v, "logger"))
        return e->logger ? e->logger : "<no-logger>";
    if (!strncmp(v, "tags.", 5)) {
        const char *t = event_tag(e, v + 5);
        return t ? t : garena_printf(a, "<no-value-for-tag-%s>", v + 5);
    }
    return entry; /* unknown variables stay as written (newstyle:2023-01-11) */
}

/* ---------------- built-in rules (JavaScript chunk-load and hydration errors) ----------------
 *
 * Written here from the publicly described behaviour (Sentry's fingerprinting docs: "chunk load
 * errors" form one issue, React hydration errors one issue per transaction), not from Sentry's
 * rule files. ChunkLoadError is the error webpack raises when a code-split chunk cannot be
 * fetched (typically after a deploy); the hydration messages are the ones React 18 raises when
 * server-rendered HTML and the first client render disagree (matched by their fixed beginning).
 * A custom client fingerprint wins over these (strategy.c). */

static const char builtin_text[] =
    /* webpack: failed dynamic import of a chunk, whatever the chunk number or URL */
    "family:javascript error.type:ChunkLoadError -> chunkloaderror\n"
    "family:javascript error.value:\"ChunkLoadError*\" -> chunkloaderror\n"
    /* React hydration mismatches: one issue per page (transaction) */
    "family:javascript tags.transaction:\"*\" message:\"Hydration failed because the initial UI does not match*\" "
    "-> hydrationerror, {{tags.transaction}}\n"
    "family:javascript tags.transaction:\"*\" message:\"Text content does not match server-rendered HTML*\" "
    "-> hydrationerror, {{tags.transaction}}\n"
    "family:javascript tags.transaction:\"*\" message:\"There was an error while hydrating*\" "
    "-> hydrationerror, {{tags.transaction}}\n"
    "family:javascript tags.transaction:\"*\" message:\"The server could not finish this Suspense boundary*\" "
    "-> hydrationerror, {{tags.transaction}}\n";

static struct gfprules *builtin;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void parse_builtin(void)
{
    char err[ERRMSG_SIZE];
    if (gfp_parse(builtin_text, &builtin, err) < 0)
        builtin = NULL;
}

const struct gfprules *gfp_builtin(void)
{
    pthread_once(&once, parse_builtin);
    return builtin;
}
