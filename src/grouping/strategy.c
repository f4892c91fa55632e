/* The newstyle:2023-01-11 grouping strategies: normalisation of the event's stack traces, then
 * the component trees of the chained-exception, threads, stacktrace and message strategies for the
 * app and system variants, strategy precedence, custom / hybrid fingerprints and the fallback.
 *
 * Order of work (as in Sentry):
 *   1. trim function names; apply stack trace rules (in_app, category); unset in_app -> false.
 *   2. each strategy builds components per variant; "!app" is the priority variant: a system
 *      variant with the same hash stops contributing; variants without a contributing stack trace
 *      stop contributing when another variant has one.
 *   3. the first strategy (by priority) with a contributing component wins; the others' components
 *      stop contributing.
 *   4. fingerprints: custom -> only the fingerprint variant contributes; hybrid ({{ default }} plus
 *      values) -> the variants are salted with the values; nothing contributing -> fallback. */
#include "grouping/internal.h"
#include "util/swar.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#define V_APP 0
#define V_SYS 1

static const char *const HINT_RECURSION = "ignored due to recursion";
static const char *const HINT_NON_APP = "non app frame";   /* app variant, out-of-app frame */

/* ---------------- step 1: normalisation ---------------- */

struct norm_ctx {
    struct grun *g;
};

static void normalize_stack(struct event *e, struct ev_stacktrace *st, const struct ev_exception *exc,
                            void *vctx)
{
    struct grun *g = ((struct norm_ctx *)vctx)->g;
    for (size_t i = 0; i < st->n; i++) {
        struct ev_frame *f = &st->frames[i];
        if (f->raw_function || !f->function || !*f->function)
            continue;
        if (f->family != EVENT_FAMILY_NATIVE && !(f->pflags & EVENT_P_CSHARP))
            continue; /* trimming only changes native and C# names */
        const char *t = gfunc_trim_as(&g->arena, f->function, f->family, f->pflags & EVENT_P_CSHARP);
        if (t && strcmp(t, f->function) != 0) {
            f->raw_function = f->function;
            f->function = t;
        }
    }
    genh_classify(g->sets, g->n_sets, e, st, exc, &g->arena);
    for (size_t i = 0; i < st->n; i++)
        if (st->frames[i].in_app < 0)
            st->frames[i].in_app = 0;
}

/* ---------------- frames ---------------- */

static bool has_url_origin(const char *path, bool files_are_urls)
{
    if (!path || !*path || !strchr("hab f", path[0]))
        return false;
    if (!strncmp(path, "http:", 5) || !strncmp(path, "https:", 6) ||
        !strncmp(path, "applewebdata:", 13) || !strncmp(path, "blob:", 5))
        return true;
    if (!strncmp(path, "file:", 5))
        return files_are_urls;
    return false;
}

static bool truthy(const char *s) { return s && *s; }

/* Regex-free versions of Sentry's Java codegen clean-ups; each replaces the variable tail of
 * a marker with "<auto>". Returns an arena string or NULL when nothing changed. */
static bool is_hex(char c) { return isxdigit((unsigned char)c) != 0; }
static bool is_word(char c) { return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80; }

/* s (may be NULL) ends with suffix. */
static bool has_suffix(const char *s, const char *suffix)
{
    if (!s)
        return false;
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !memcmp(s + n - k, suffix, k);
}

/* strncmp(s, lit, n) == 0 for a literal of n >= 2 bytes: most values differ in the first two,
 * compared inline */
static inline bool has_prefix(const char *s, const char *lit, size_t n)
{
    return s[0] == lit[0] && s[1] == lit[1] && !strncmp(s, lit, n);
}

/* Replace, after each occurrence of marker-prefix matched by `match` (returning the marker length
 * or 0), the run accepted by `tail` (returning its length, 0 = no replacement). */
typedef size_t (*mark_fn)(const char *p);
typedef size_t (*tail_fn)(const char *p);

static char *subst(struct garena *a, const char *s, mark_fn mark, tail_fn tail)
{
    /* find the first replacement before building anything: most names have no marker */
    const char *p = s;
    size_t m = 0, t = 0;
    for (; *p; p++) {
        if (*p != '$' && *p != 's')
            continue;
        if ((m = mark(p))) {
            t = tail(p + m);
            if (t)
                break;
        }
    }
    if (!*p)
        return NULL;
    struct buf b = BUF_INIT;
    buf_append(&b, s, (size_t)(p - s));
    while (*p) {
        m = mark(p);
        t = m ? tail(p + m) : 0;
        if (t) {
            if (t == (size_t)-1) /* the marker alone is enough */
                t = 0;
            buf_append(&b, p, m);
            buf_puts(&b, "<auto>");
            p += m + t;
            continue;
        }
        const char *q = p + 1;
        while (*q && *q != '$' && *q != 's')
            q++;
        buf_append(&b, p, (size_t)(q - p));
        p = q;
    }
    char *r = garena_strndup(a, b.data, b.len);
    buf_free(&b);
    return r;
}

/* (sun\.reflect\.Generated(?:Serialization)?ConstructorAccessor)\d+ */
static size_t m_reflect(const char *p)
{
    if (!strncmp(p, "sun.reflect.GeneratedConstructorAccessor", 40))
        return 40;
    if (!strncmp(p, "sun.reflect.GeneratedSerializationConstructorAccessor", 53))
        return 53;
    return 0;
}
static size_t t_digits(const char *p)
{
    size_t n = 0;
    while (isdigit((unsigned char)p[n]))
        n++;
    return n;
}
/* hex run followed by optional _digits */
static size_t t_hex_opt_num(const char *p)
{
    size_t n = 0;
    while (is_hex(p[n]))
        n++;
    if (n && p[n] == '_' && isdigit((unsigned char)p[n + 1])) {
        n++;
        while (isdigit((unsigned char)p[n]))
            n++;
    }
    return n;
}
/* (\$\$[\w_]+?CGLIB\$\$) */
static size_t m_cglib(const char *p)
{
    if (p[0] != '$' || p[1] != '$')
        return 0;
    size_t i = 2;
    while (is_word(p[i])) {
        if (i > 2 && !strncmp(p + i, "CGLIB$$", 7))
            return i + 7;
        i++;
    }
    return 0;
}
/* (\$\$_javassist)(?:_seam)?(?:_[0-9]+)? -- the group alone is kept, the rest is <auto>. */
static size_t m_javassist(const char *p) { return has_prefix(p, "$$_javassist", 12) ? 12 : 0; }
static size_t t_javassist(const char *p)
{
    size_t n = 0;
    if (!strncmp(p, "_seam", 5))
        n = 5;
    if (p[n] == '_' && isdigit((unsigned char)p[n + 1])) {
        n++;
        while (isdigit((unsigned char)p[n]))
            n++;
    }
    return n ? n : (size_t)-1; /* -1 sentinel: replace even when nothing follows */
}
/* (\$fn__)\d+ */
static size_t m_clojure(const char *p) { return has_prefix(p, "$fn__", 5) ? 5 : 0; }
/* (\$\$?<Word>[\w_]+?\$?\$) followed by hex */
static size_t m_by(const char *p, const char *word)
{
    size_t i = 0;
    if (p[i] != '$')
        return 0;
    i++;
    if (p[i] == '$')
        i++;
    size_t wl = strlen(word);
    if (strncmp(p + i, word, wl))
        return 0;
    i += wl;
    size_t start = i;
    while (is_word(p[i]) || p[i] == '$') {
        if (i > start && p[i] == '$') {
            size_t j = i + 1;
            if (p[j] == '$')
                j++;
            if (is_hex(p[j]))
                return j;
        }
        if (p[i] == '$')
            break;
        i++;
    }
    return 0;
}
static size_t m_enhancer(const char *p) { return m_by(p, "EnhancerBy"); }
static size_t m_fastclass(const char *p) { return m_by(p, "FastClassBy"); }
static size_t m_hibernate(const char *p)
{
    size_t i = 0;
    if (p[i] != '$')
        return 0;
    i++;
    if (p[i] == '$')
        i++;
    if (strncmp(p + i, "HibernateProxy", 14))
        return 0;
    i += 14;
    if (p[i] == '$' && p[i + 1] == '$')
        return i + 2;
    return p[i] == '$' ? i + 1 : 0;
}
static size_t t_word(const char *p)
{
    size_t n = 0;
    while (is_word(p[n]))
        n++;
    return n;
}

/* strstr(m, "sun.reflect.Generated") != NULL, looking for its rare capital first (cheaper than
 * strstr on every Java module) */
static bool has_reflect_generated(const char *m)
{
    for (const char *g = strchr(m, 'G'); g; g = strchr(g + 1, 'G'))
        if (g - m >= 12 && !memcmp(g - 12, "sun.reflect.", 12) && !strncmp(g, "Generated", 9))
            return true;
    return false;
}

/* dollar: strchr(m, '$') */
static const char *java_module_clean(struct garena *a, const char *m, const char *dollar)
{
    if (!dollar && !has_reflect_generated(m))
        return m; /* no codegen marker can match */
    const char *cur = m, *r;
    if ((r = subst(a, cur, m_reflect, t_digits)))
        cur = r;
    if ((r = subst(a, cur, m_cglib, t_hex_opt_num)))
        cur = r;
    if ((r = subst(a, cur, m_javassist, t_javassist)))
        cur = r;
    if ((r = subst(a, cur, m_clojure, t_digits)))
        cur = r;
    if ((r = subst(a, cur, m_enhancer, t_hex_opt_num)))
        cur = r;
    if ((r = subst(a, cur, m_fastclass, t_hex_opt_num)))
        cur = r;
    if ((r = subst(a, cur, m_hibernate, t_word)))
        cur = r;
    return cur;
}

/* Bytes that may start whitespace for Python's str.split(): 1 = ASCII whitespace, 2 = the lead
 * byte of a multi-byte one (gparam_space_len says), 0 = never. */
static const unsigned char ws_class[256] = {
    [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
    [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, [' '] = 1,
    [0xc2] = 2, [0xe1] = 2, [0xe2] = 2, [0xe3] = 2,
};

/* Python's " ".join(s.split()) and len(s) in code points. Written straight into the arena (the
 * result is never longer than s); bytes are classified by table, only possible multi-byte
 * whitespace asks gparam_space_len. */
static const char *collapse_ws(struct garena *a, const char *s, size_t *codepoints)
{
    size_t n = strlen(s), cps = 0, len = 0;
    char *d = garena_alloc_raw(a, n + 8); /* room for whole 8-byte stores */
    if (!d) {
        *codepoints = 0;
        return "";
    }
    bool pending = false;
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    for (const char *p = s; *p;) {
        unsigned char c = (unsigned char)*p;
        /* printable ASCII eight bytes at a time, up to the first byte below '!' or above 0x7f
         * (the lowest flagged byte is exact) */
        if (c > ' ' && c < 0x80 && (size_t)(s + n - p) >= 8) {
            if (pending)
                d[len++] = ' ';
            pending = false;
            while ((size_t)(s + n - p) >= 8) {
                uint64_t x;
                memcpy(&x, p, 8);
                memcpy(d + len, &x, 8);
                uint64_t stop = ((x - ones * 0x21) & ~x & highs) | (x & highs);
                size_t k = stop ? (size_t)__builtin_ctzll(stop) >> 3 : 8;
                /* a single space between printable bytes stays as it is (already copied) */
                if (k < 8 && p[k] == ' ' && (unsigned char)p[k + 1] > ' ' && (unsigned char)p[k + 1] < 0x80)
                    k++;
                else if (k < 8) {
                    len += k;
                    cps += k;
                    p += k;
                    break;
                }
                len += k;
                cps += k;
                p += k;
            }
            continue;
        }
        if (!ws_class[c]) { /* a run of bytes that cannot start whitespace */
            if (pending)
                d[len++] = ' ';
            pending = false;
            do {
                cps += (c & 0xC0) != 0x80;
                d[len++] = (char)c;
                c = (unsigned char)*++p;
            } while (c && !ws_class[c]);
            continue;
        }
        size_t k = ws_class[c] == 1 ? 1 : gparam_space_len(p);
        if (k) {
            for (size_t i = 0; i < k; i++)
                if (((unsigned char)p[i] & 0xC0) != 0x80)
                    cps++;
            p += k;
            pending = len > 0;
            continue;
        }
        if (pending)
            d[len++] = ' ';
        pending = false;
        if ((c & 0xC0) != 0x80)
            cps++;
        d[len++] = *p++;
    }
    d[len] = '\0';
    *codepoints = cps;
    return len ? d : "";
}

/* Bytes 0x21..0x7f: never whitespace, one code point each. */
static inline bool plain_byte(unsigned char c) { return c > ' ' && c < 0x80; }

/* Most source lines are collapsed already apart from their indentation: plain bytes with single
 * spaces between them. Their collapsed form is the line past the indentation, with no copy.
 * Returns that (and the line's code points, all ASCII), or NULL when the line needs collapse_ws. */
static const char *collapsed_in_place(const char *s, size_t n, size_t *codepoints)
{
    const char *p = s, *end = s + n;
    while (p < end && ws_class[(unsigned char)*p] == 1)
        p++;
    if (p == end)
        return NULL;
    /* eight bytes at a time, exact per byte (no carries between bytes): every byte is plain or a
     * space, and no space follows a space (the first byte here is plain) */
    const char *q = p;
    uint64_t prev_space = 0;
    for (; end - q >= 8; q += 8) {
        uint64_t x;
        memcpy(&x, q, 8);
        uint64_t plain = swar_between(x, 0x21, 0x7f), space = swar_eq(x, ' ');
        if ((plain | space) != SWAR_HIGHS || (space & ((space << 8) | prev_space)))
            return NULL;
        prev_space = space >> 56; /* the last byte's flag, moved to the first byte's */
    }
    for (; q < end; q++) {
        unsigned char c = (unsigned char)*q;
        if (c == ' ') {
            if (prev_space)
                return NULL;
            prev_space = 0x80;
        } else if (plain_byte(c)) {
            prev_space = 0;
        } else {
            return NULL;
        }
    }
    if (prev_space) /* a trailing space */
        return NULL;
    *codepoints = n; /* of the whole line, indentation included (Sentry measures the raw line) */
    return p;
}

/* collapse_ws, remembered per thread (the same source lines come back event after event). */
static const char *collapse_ws_memo(struct garena *a, const char *s, size_t *codepoints,
                                    size_t *len)
{
    size_t n = strlen(s), vlen;
    const char *in_place = collapsed_in_place(s, n, codepoints);
    if (in_place) {
        *len = (size_t)(s + n - in_place);
        return in_place;
    }
    if (n > GMEMO_MAX_KEY) {
        const char *r = collapse_ws(a, s, codepoints);
        *len = strlen(r);
        return r;
    }
    uint64_t h = gmemo_hash(s, n);
    const char *v = gmemo_get(GMEMO_CONTEXT, s, n, h, &vlen, codepoints);
    if (v) {
        const char *c = vlen ? garena_strndup(a, v, vlen) : "";
        *len = c ? vlen : 0;
        return c ? c : ""; /* (out of memory: as collapse_ws) */
    }
    const char *r = collapse_ws(a, s, codepoints);
    *len = strlen(r);
    gmemo_put(GMEMO_CONTEXT, s, n, h, r, *len, *codepoints);
    return r;
}

static const char *rsplit_dot(const char *s)
{
    const char *d = strrchr(s, '.');
    return d ? d + 1 : s;
}

/* JavaScript names and paths that say nothing (first byte checked first: most names pass). */
static bool js_unknown_function(const char *jf)
{
    switch (jf[0]) {
    case '?': return !strcmp(jf, "?");
    case '<': if (!strcmp(jf, "<anonymous function>") || !strcmp(jf, "<anonymous>")) return true; break;
    case 'A': if (!strcmp(jf, "Anonymous function")) return true; break;
    }
    size_t n = strlen(jf);
    return n >= 2 && jf[n - 2] == '/' && jf[n - 1] == '<';
}

static bool js_low_quality_path(const char *p)
{
    if (!p)
        return false;
    switch (p[0]) {
    case '[': return !strcmp(p, "[native code]");
    case 'n': return !strcmp(p, "native code");
    case 'e': return !strcmp(p, "eval code");
    case '<': return !strcmp(p, "<anonymous>");
    }
    return false;
}

/* A frame component, its list of children and the children, in one allocation. */
struct frame_block {
    struct gcomp frame;
    struct gcomp *kids[4];
    struct gcomp module, filename, function, ctx;
};

static struct gcomp *frame_component(struct grun *g, const struct ev_frame *f)
{
    struct garena *a = &g->arena;
    int family = f->family;
    unsigned pf = f->pflags;
    bool java = pf & EVENT_P_JAVA;
    struct frame_block *blk = garena_alloc_raw(a, sizeof *blk);
    if (!blk)
        return NULL;

    /* module */
    struct gcomp *module = &blk->module;
    if (!f->module) {
        gcomp_init(module, "module");
    } else {
        gcomp_init_leaf(module, "module", f->module, GCOMP_LEN_UNKNOWN);
        if ((pf & EVENT_P_JAVASCRIPT) && strchr(f->module, '/') && has_suffix(f->abs_path, f->module)) {
            gcomp_set(module, false, "ignored bad javascript module");
        } else if (java) {
            const char *dollar = strchr(f->module, '$');
            if (dollar && strstr(dollar, "$$Lambda$"))
                gcomp_set(module, false, "ignored java lambda");
            if (has_prefix(f->module, "sun.reflect.GeneratedMethodAccessor", 35)) {
                gcomp_set_value(module, "sun.reflect.GeneratedMethodAccessor", 35);
                module->hint = "removed reflection marker";
            } else if (has_prefix(f->module, "jdk.internal.reflect.GeneratedMethodAccessor", 44)) {
                gcomp_set_value(module, "jdk.internal.reflect.GeneratedMethodAccessor", 44);
                module->hint = "removed reflection marker";
            } else {
                const char *c = java_module_clean(a, f->module, dollar);
                if (c != f->module) {
                    gcomp_set_value(module, c, GCOMP_LEN_UNKNOWN);
                    module->hint = "removed codegen marker";
                }
            }
        }
    }
    /* filename (its value is left raw when the module takes precedence and nobody reads it) */
    struct gcomp *filename = &blk->filename;
    if (!f->filename) {
        gcomp_init(filename, "filename");
    } else if (g->values_unread && module->contributes) {
        gcomp_init_leaf(filename, "filename", f->filename, GCOMP_LEN_UNKNOWN);
    } else {
        const char *base = f->filename;
        for (const char *p = f->filename; *p; p++)
            if (*p == '/' || *p == '\\')
                base = p + 1;
        size_t bl = strlen(base);
        char *low = garena_alloc_raw(a, bl + 1);
        if (!low)
            return NULL;
        for (size_t i = 0; i <= bl; i++) /* ASCII: the C locale's tolower */
            low[i] = base[i] >= 'A' && base[i] <= 'Z' ? (char)(base[i] + 32) : base[i];
        gcomp_init_leaf(filename, "filename", low, bl);
        if (has_url_origin(f->abs_path, false))
            gcomp_set(filename, false, "ignored because frame points to a URL");
        else if (!strcmp(low, "<anonymous>"))
            gcomp_set(filename, false, "ignored because filename is anonymous");
        else if (!strcmp(low, "[native code]"))
            gcomp_set(filename, false, "ignored because filename suggests native code");
        else if (java && memchr(low, '$', bl)) { /* the marker starts with '$' */
            const char *r = subst(a, low, m_javassist, t_javassist);
            if (r) {
                gcomp_set_value(filename, r, GCOMP_LEN_UNKNOWN);
                filename->hint = "cleaned javassist parts";
            }
        }
    }
    if (module->contributes && filename->contributes)
        gcomp_set(filename, false, "ignored because module takes precedence");

    /* context line */
    struct gcomp *ctx = NULL;
    if (truthy(f->context_line) && (pf & EVENT_P_CONTEXT_LINES)) {
        size_t cps, len;
        const char *line = collapse_ws_memo(a, f->context_line, &cps, &len);
        ctx = &blk->ctx;
        if (!*line) {
            gcomp_init(ctx, "context-line");
        } else {
            gcomp_init_leaf(ctx, "context-line", line, len);
            if (cps > 120)
                gcomp_set(ctx, false, "ignored because line is too long");
            else if (family == EVENT_FAMILY_JAVASCRIPT && !truthy(f->function) &&
                     has_url_origin(f->abs_path, true))
                gcomp_set(ctx, false,
                          "ignored because file path is a URL and function name is missing");
        }
    }

    /* function */
    const char *func;
    if (pf & EVENT_P_CSHARP)
        func = truthy(f->raw_function) ? f->raw_function : f->function;
    else
        func = truthy(f->function) ? f->function : f->raw_function;
    struct gcomp *function = &blk->function;
    const char *js_func_tail = NULL; /* rsplit_dot(func), for the JavaScript checks below */
    if (!truthy(func)) {
        gcomp_init(function, "function");
    } else {
        gcomp_init_leaf(function, "function", func, GCOMP_LEN_UNKNOWN);
        if (pf & EVENT_P_RUBY) {
            if (!strncmp(func, "block ", 6)) {
                gcomp_set_value(function, "block", 5);
                function->hint = "ruby block";
            } else {
                /* __\d{4,}_\d{4,}$ */
                size_t n = strlen(func), i = n, d2 = 0, d1 = 0;
                while (i > 0 && isdigit((unsigned char)func[i - 1]))
                    i--, d2++;
                if (d2 >= 4 && i > 0 && func[i - 1] == '_') {
                    size_t j = i - 1;
                    while (j > 0 && isdigit((unsigned char)func[j - 1]))
                        j--, d1++;
                    if (d1 >= 4 && j >= 2 && func[j - 1] == '_' && func[j - 2] == '_') {
                        gcomp_set_value(function, garena_strndup(a, func, j - 2), j - 2);
                        function->hint = "removed generated erb template suffix";
                    }
                }
            }
        } else if (pf & EVENT_P_PHP) {
            if (!strncmp(func, "[Anonymous", 10) || !strcmp(func, "class@anonymous")) /* "...\\0" in JSON */
                gcomp_set(function, false, "ignored anonymous function");
            if (!strncmp(func, "class@anonymous", 15)) {
                const char *p = NULL;
                for (const char *q = strstr(func, "::"); q; q = strstr(q + 1, "::"))
                    p = q;
                if (p) {
                    gcomp_set_value(function, p + 2, GCOMP_LEN_UNKNOWN);
                    function->hint = "anonymous class method";
                }
            }
        } else if (java) {
            if (has_prefix(func, "lambda$", 7))
                gcomp_set(function, false, "ignored lambda function");
        } else if (family == EVENT_FAMILY_NATIVE && gfunc_native_unknown(func)) {
            gcomp_set(function, false, "ignored unknown function");
        } else if (family == EVENT_FAMILY_JAVASCRIPT) {
            const char *t = js_func_tail = rsplit_dot(func);
            if (t != func) {
                gcomp_set_value(function, t, GCOMP_LEN_UNKNOWN);
                function->hint = "trimmed javascript function";
            }
            if (f->has_sourcemap && ctx && ctx->contributes)
                gcomp_set(function, false,
                          "ignored because sourcemap used and context line available");
        }
    }

    struct gcomp *frame = &blk->frame;
    blk->kids[0] = module, blk->kids[1] = filename, blk->kids[2] = function, blk->kids[3] = ctx;
    gcomp_init_kids(frame, "frame", blk->kids, ctx ? 4 : 3);
    frame->in_app = f->in_app == 1;

    if (family == EVENT_FAMILY_JAVASCRIPT) {
        const char *jf = truthy(f->raw_function) ? f->raw_function : f->function;
        if (jf)
            jf = jf == func && js_func_tail ? js_func_tail : rsplit_dot(jf);
        if (!truthy(jf))
            function->contributes = false;
        else if (js_unknown_function(jf))
            gcomp_set(function, false, "ignored unknown function name");
        if ((jf && jf[0] == 'e' && !strcmp(jf, "eval")) || js_low_quality_path(f->abs_path))
            gcomp_set(frame, false, "ignored low quality javascript frame");
    }
    return frame;
}

static inline bool streq(const char *a, const char *b)
{
    if (a == b)
        return true;
    if (!a || !b)
        return false;
    return !strcmp(a, b);
}

static bool is_recursive(const struct ev_frame *f, const struct ev_frame *prev)
{
    if (!prev)
        return false;
    /* the integer fields first: neighbouring frames rarely share a line */
    return f->has_lineno == prev->has_lineno && (!f->has_lineno || f->lineno == prev->lineno) &&
           f->has_colno == prev->has_colno && (!f->has_colno || f->colno == prev->colno) &&
           streq(f->function, prev->function) && streq(f->abs_path, prev->abs_path) &&
           streq(f->package, prev->package) && streq(f->module, prev->module) &&
           streq(f->filename, prev->filename);
}

/* One variant of one stack trace (Sentry's _single_stacktrace_variant + enhancer assembly). */
/* The frame components below the frame level do not depend on the variant: they are built once
 * per stack trace and shared by the app and system frame nodes (copies of `base`). */
static struct gcomp *stacktrace_variant(struct grun *g, const struct ev_stacktrace *st,
                                        struct gcomp *const *base, const bool *recursive,
                                        const struct genh_matches *mt, int variant)
{
    struct garena *a = &g->arena;
    size_t n = st->n, m = n ? n : 1;
    /* the frame copies, the list of them, and the contributes rules' flags and hints */
    struct gcomp *copies = garena_alloc_raw(a, m * (sizeof *copies + sizeof(struct gcomp *) +
                                                    sizeof(const char *) + sizeof(bool)));
    if (!copies)
        return NULL;
    struct gcomp **frames = (struct gcomp **)(copies + m);
    const char **hints = (const char **)(frames + m);
    bool *contrib = (bool *)(hints + m);
    for (size_t i = 0; i < n; i++) {
        const struct ev_frame *f = &st->frames[i];
        struct gcomp *fc = &copies[i];
        *fc = *base[i];
        if (recursive[i])
            gcomp_set(fc, false, HINT_RECURSION);
        if (variant == V_APP && f->in_app != 1)
            fc->contributes = false;
        frames[i] = fc;
        contrib[i] = fc->contributes;
        hints[i] = NULL;
    }
    if (n == 1 && frames[0]->contributes &&
        st->frames[0].family == EVENT_FAMILY_JAVASCRIPT &&
        !truthy(st->frames[0].function) && has_url_origin(st->frames[0].abs_path, true)) {
        gcomp_set(frames[0], false, "ignored single non-URL JavaScript frame");
        contrib[0] = false;
    }

    /* contributes rules */
    struct genh_stack_state state;
    genh_contribute(mt, n, contrib, hints, &state, a);
    int app_c = 0, app_n = 0, sys_c = 0, sys_n = 0, total_c = 0;
    const char *last_text = NULL, *last_hint = NULL; /* frames marked by the same rule share it */
    signed char last_in_app = 0;
    for (size_t i = 0; i < n; i++) {
        const struct ev_frame *f = &st->frames[i];
        struct gcomp *fc = frames[i];
        const char *app_hint = NULL;
        /* only the app variant shows it, and only where no contributes hint overrides it */
        bool shown = variant == V_APP && (f->in_app != 1 || !hints[i]);
        if (shown && f->app_rule && f->app_rule_text) {
            if (f->app_rule_text != last_text || f->in_app != last_in_app) {
                last_text = f->app_rule_text;
                last_in_app = (signed char)f->in_app;
                last_hint = garena_printf(a, "marked %s by stack trace rule (%s)",
                                          f->in_app == 1 ? "in-app" : "out of app", f->app_rule_text);
            }
            app_hint = last_hint;
        }
        if (variant == V_APP && f->in_app != 1) {
            /* Sentry checks this before recursion: an out-of-app frame says so in the app variant */
            gcomp_set(fc, false, app_hint ? app_hint : HINT_NON_APP);
        } else if (variant == V_SYS) {
            gcomp_set(fc, contrib[i], hints[i]);
        } else {
            gcomp_set(fc, contrib[i], hints[i] ? hints[i] : app_hint);
        }
        if (f->in_app == 1)
            fc->contributes ? app_c++ : app_n++;
        else
            fc->contributes ? sys_c++ : sys_n++;
        total_c += fc->contributes;
    }
    struct gcomp *stc = gcomp_adopt(a, "stacktrace", frames, (int)n);
    if (!stc)
        return NULL;
    stc->fc_app_contrib = app_c;
    stc->fc_app_non = app_n;
    stc->fc_sys_contrib = sys_c;
    stc->fc_sys_non = sys_n;
    if (variant == V_APP && app_c == 0) {
        stc->contributes = false;
    } else {
        stc->contributes = total_c > 0;
        if (state.min_frames > 0 && total_c > 0 && total_c < state.min_frames) {
            stc->contributes = false;
            stc->hint = garena_printf(a,
                "discarded because stack trace only contains %d frame%s which is under the "
                "configured threshold by stack trace rule (%s)",
                total_c, total_c == 1 ? "" : "s", state.min_frames_rule);
        }
    }
    return stc;
}

/* Both variants of a stack trace with Sentry's stack-level hints. out[V_APP], out[V_SYS]. */
static int stacktrace_components(struct grun *g, const struct ev_stacktrace *st,
                                 const struct ev_exception *exc, struct gcomp *out[2])
{
    struct genh_matches mt;
    if (genh_contrib_matches(g->sets, g->n_sets, &g->ev, st, exc, &mt, &g->arena) < 0)
        return -1;
    /* both arrays in one block, filled below (no zeroing) */
    size_t m = st->n ? st->n : 1;
    struct gcomp **base = garena_alloc_raw(&g->arena, m * (sizeof *base + sizeof(bool)));
    if (!base)
        return -1;
    bool *recursive = (bool *)(base + m);
    for (size_t i = 0; i < st->n; i++) {
        if (!(base[i] = frame_component(g, &st->frames[i])))
            return -1;
        recursive[i] = is_recursive(&st->frames[i], i ? &st->frames[i - 1] : NULL);
    }
    out[V_APP] = stacktrace_variant(g, st, base, recursive, &mt, V_APP);
    out[V_SYS] = stacktrace_variant(g, st, base, recursive, &mt, V_SYS);
    if (!out[V_APP] || !out[V_SYS])
        return -1;
    struct gcomp *sys = out[V_SYS], *app = out[V_APP];
    /* tallies come from the system variant */
    app->fc_app_contrib = sys->fc_app_contrib;
    app->fc_app_non = sys->fc_app_non;
    app->fc_sys_contrib = sys->fc_sys_contrib;
    app->fc_sys_non = sys->fc_sys_non;
    int in_app = sys->fc_app_contrib + sys->fc_app_non;
    int contributing = sys->fc_app_contrib + sys->fc_sys_contrib;
    if (sys->n == 0) {
        gcomp_set(sys, false, "ignored because it contains no frames");
        gcomp_set(app, false, "ignored because it contains no frames");
    } else {
        if (contributing == 0)
            gcomp_set(sys, false, "ignored because it contains no contributing frames");
        if (in_app == 0)
            gcomp_set(app, false, "ignored because it contains no in-app frames");
        else if (sys->fc_app_contrib == 0)
            gcomp_set(app, false, "ignored because it contains no contributing frames");
    }
    return 0;
}

/* ---------------- exceptions ---------------- */

struct exc_comps {
    struct gcomp *c[2];     /* per variant; c[V_SYS] NULL when the exception has no stack trace */
};

static const char *json_scalar(struct garena *a, const json_t *v)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v))
        return garena_printf(a, "%lld", (long long)json_integer_value(v));
    if (json_is_real(v))
        return garena_printf(a, "%.17g", json_real_value(v));
    if (json_is_true(v))
        return "True";
    if (json_is_false(v))
        return "False";
    return "None";
}

static int exception_components(struct grun *g, const struct ev_exception *x, struct exc_comps *out)
{
    struct garena *a = &g->arena;
    struct gcomp *type = x->type && *x->type ? gcomp_leaf(a, "type", x->type) : gcomp_new(a, "type");
    if (!type)
        return -1;
    if (x->mech.present && x->mech.synthetic)
        gcomp_set(type, false, "ignored because exception is synthetic");
    struct gcomp *ns = NULL;
    if (x->mech.has_ns_error) {
        struct gcomp *d = gcomp_leaf(a, "ns-error-domain", json_scalar(a, x->mech.ns_domain));
        struct gcomp *c = gcomp_leaf(a, "ns-error-code", json_scalar(a, x->mech.ns_code));
        struct gcomp *kids[2] = {d, c};
        ns = gcomp_kids(a, "ns-error", kids, 2);
    }
    struct gcomp *st[2] = {NULL, NULL};
    int nvar = 1;
    if (x->has_stacktrace) {
        if (stacktrace_components(g, &x->st, x, st) < 0)
            return -1;
        nvar = 2;
    } else {
        st[V_APP] = gcomp_new(a, "stacktrace");
    }
    const char *normalized = NULL, *hint = NULL;
    /* The value never contributes next to a contributing stack trace or NSError info; when only
     * hashes are wanted it is then kept raw (parameterising it is most of an exception's cost).
     * With several exceptions the values take part in de-duplicating exception groups (by their
     * component keys), so only a lone exception qualifies. */
    bool value_ignored = (ns && ns->contributes) || (st[V_APP]->contributes && (nvar < 2 || st[V_SYS]->contributes));
    if (x->value && g->hashes_only && value_ignored && g->ev.n_exceptions == 1) {
        normalized = x->value;
    } else if (x->value) {
        struct buf nb = BUF_INIT;
        if (gparam_normalize(x->value, &nb) < 0) {
            buf_free(&nb);
            return -1;
        }
        normalized = garena_strndup(a, nb.data ? nb.data : "", nb.len);
        buf_free(&nb);
        if (strcmp(normalized, x->value) != 0)
            hint = "stripped event-specific values";
    }
    for (int v = 0; v < nvar; v++) {
        struct gcomp *value;
        if (normalized && *normalized) {
            value = gcomp_leaf(a, "value", normalized);
            value->hint = hint;
        } else {
            value = gcomp_new(a, "value");
        }
        if (st[v]->contributes && value->contributes)
            gcomp_set(value, false, "ignored because stacktrace takes precedence");
        if (ns && ns->contributes && value->contributes)
            gcomp_set(value, false, "ignored because ns-error info takes precedence");
        /* newstyle:2023-01-11 keeps the legacy order: stacktrace, type, [ns-error], value */
        struct gcomp *kids[4];
        int k = 0;
        kids[k++] = st[v];
        kids[k++] = type;
        if (ns)
            kids[k++] = ns;
        kids[k++] = value;
        struct gcomp *ec = gcomp_kids(a, "exception", kids, k);
        if (!ec)
            return -1;
        ec->fc_app_contrib = st[v]->fc_app_contrib;
        ec->fc_app_non = st[v]->fc_app_non;
        ec->fc_sys_contrib = st[v]->fc_sys_contrib;
        ec->fc_sys_non = st[v]->fc_sys_non;
        out->c[v] = ec;
    }
    if (nvar == 1)
        out->c[V_SYS] = NULL;
    return 0;
}

/* RFC 0079 exception groups. Returns the kept exception indexes in *keep (count returned), or
 * -1 meaning "use the list unchanged". */
struct tnode {
    long long id;
    int exc;            /* index into exceptions, -1 when only referenced as a parent */
    int *kids, nkids;
};

static struct tnode *tnode_get(struct tnode *nodes, int *n, long long id, bool create, struct garena *a,
                               int cap)
{
    for (int i = 0; i < *n; i++)
        if (nodes[i].id == id)
            return &nodes[i];
    if (!create || *n >= cap)
        return NULL;
    struct tnode *t = &nodes[(*n)++];
    t->id = id;
    t->exc = -1;
    t->kids = garena_alloc(a, (size_t)cap * sizeof(int));
    t->nkids = 0;
    return t->kids ? t : NULL;
}

struct gctx {
    const struct event *e;
    struct tnode *nodes;
    int nn;
    int *out;
    int nout, cap;
    int steps;
};

static struct tnode *node_of_exc(struct gctx *c, int exc)
{
    const struct ev_mechanism *m = &c->e->exceptions[exc].mech;
    for (int i = 0; i < c->nn; i++)
        if (c->nodes[i].id == m->exception_id)
            return &c->nodes[i];
    return NULL;
}

static int top_level(struct gctx *c, int exc, int depth)
{
    if (++c->steps > 100000 || depth > (int)EVENT_MAX_EXCEPTIONS + 2)
        return -1; /* cycle or absurd tree */
    if (c->e->exceptions[exc].mech.is_exception_group) {
        struct tnode *t = node_of_exc(c, exc);
        for (int i = 0; t && i < t->nkids; i++)
            if (top_level(c, t->kids[i], depth + 1) < 0)
                return -1;
        return 0;
    }
    if (c->nout < c->cap)
        c->out[c->nout++] = exc;
    return 0;
}

static int filter_exception_groups(struct grun *g, struct exc_comps *comps, int *keep)
{
    const struct event *e = &g->ev;
    int n = (int)e->n_exceptions;
    if (n <= 1)
        return -1;
    if (!strcmp(e->platform, "python") && e->sdk_version && e->sdk_version[0] == '3')
        return -1;
    struct garena *a = &g->arena;
    struct tnode *nodes = garena_alloc(a, (size_t)(2 * n) * sizeof *nodes);
    if (!nodes)
        return -1;
    int nn = 0;
    for (int i = n - 1; i >= 0; i--) {
        const struct ev_mechanism *m = &e->exceptions[i].mech;
        if (!m->present || !m->has_exception_id ||
            (m->has_parent_id && m->parent_id == m->exception_id))
            return -1;
        struct tnode *t = tnode_get(nodes, &nn, m->exception_id, false, a, 2 * n);
        if (t && t->exc >= 0)
            return -1; /* duplicate id */
        t = tnode_get(nodes, &nn, m->exception_id, true, a, 2 * n);
        if (!t)
            return -1;
        t->exc = i;
        if (m->has_parent_id) {
            struct tnode *p = tnode_get(nodes, &nn, m->parent_id, true, a, 2 * n);
            if (!p)
                return -1;
            p->kids[p->nkids++] = i;
        }
    }
    struct tnode *root = tnode_get(nodes, &nn, 0, false, a, 2 * n);
    if (!root || root->exc < 0)
        return -1;
    int *top = garena_alloc(a, (size_t)n * sizeof(int));
    if (!top)
        return -1;
    struct gctx c = {e, nodes, nn, top, 0, n, 0};
    if (top_level(&c, root->exc, 0) < 0 || c.nout == 0)
        return -1;
    /* stable sort by str(type) descending */
    for (int i = 1; i < c.nout; i++) {
        int v = top[i], j = i;
        const char *tv = e->exceptions[v].type ? e->exceptions[v].type : "None";
        while (j > 0) {
            const char *tp = e->exceptions[top[j - 1]].type ? e->exceptions[top[j - 1]].type : "None";
            if (strcmp(tp, tv) >= 0)
                break;
            top[j] = top[j - 1];
            j--;
        }
        top[j] = v;
    }
    /* consecutive de-duplication by the exception's components */
    struct buf prev = BUF_INIT, cur = BUF_INIT;
    int nd = 0;
    for (int i = 0; i < c.nout; i++) {
        buf_reset(&cur);
        for (int v = 0; v < 2; v++)
            if (comps[top[i]].c[v])
                gcomp_key(&cur, comps[top[i]].c[v]);
        if (i == 0 || cur.len != prev.len || memcmp(cur.data, prev.data, cur.len) != 0)
            keep[nd++] = top[i];
        struct buf t = prev;
        prev = cur;
        cur = t;
    }
    buf_free(&prev);
    buf_free(&cur);
    if (nd == 1) {
        int cur_exc = keep[0];
        g->has_main_exception_id = true;
        g->main_exception_id = e->exceptions[cur_exc].mech.exception_id;
        int k = 0, guard = 0;
        while (cur_exc >= 0 && k < n && guard++ <= n) {
            keep[k++] = cur_exc;
            struct tnode *t = tnode_get(nodes, &nn, e->exceptions[cur_exc].mech.exception_id, false, a, 2 * n);
            cur_exc = t && t->nkids ? t->kids[0] : -1;
        }
        return k;
    }
    keep[nd++] = root->exc;
    return nd;
}

/* ---------------- strategies and variants ---------------- */

/* Components produced by one strategy: names with '!' marking the priority variant. */
struct strat_out {
    const char *name[3];
    bool priority[3];
    struct gcomp *comp[3];
    int n;
    /* hashes computed by dedupe_and_process, reused for the variant when this component ends
     * up its only contributing part (nothing below it changes after that) */
    bool hashed[3];
    char hash[3][33];
};

static void so_add(struct strat_out *o, const char *name, bool prio, struct gcomp *c)
{
    for (int i = 0; i < o->n; i++)
        if (!strcmp(o->name[i], name)) {
            o->comp[i] = c;
            o->hashed[i] = false;
            return;
        }
    o->name[o->n] = name;
    o->priority[o->n] = prio;
    o->comp[o->n] = c;
    o->n++;
}

/* Sentry's Strategy.get_grouping_components post-processing. */
static void dedupe_and_process(struct grun *g, struct strat_out *o, bool stacktrace_processor)
{
    char ph[3][33];
    bool phas[3] = {0};
    for (int i = 0; i < o->n; i++)
        if (o->priority[i] && o->comp[i]->contributes) {
            phas[i] = gcomp_hash(o->comp[i], ph[i]);
            if ((o->hashed[i] = phas[i]))
                memcpy(o->hash[i], ph[i], 33);
        }
    for (int i = 0; i < o->n; i++) {
        if (o->priority[i] || !o->comp[i]->contributes)
            continue;
        char h[33];
        if (!gcomp_hash(o->comp[i], h))
            continue;
        o->hashed[i] = true;
        memcpy(o->hash[i], h, 33);
        for (int j = 0; j < o->n; j++)
            if (phas[j] && !strcmp(ph[j], h)) {
                gcomp_set(o->comp[i], false,
                          garena_printf(&g->arena, "ignored because hash matches %s variant", o->name[j]));
                break;
            }
    }
    if (!stacktrace_processor || o->n <= 1)
        return;
    int with_st = 0, which = -1;
    bool has[3] = {0};
    for (int i = 0; i < o->n; i++)
        if ((has[i] = gcomp_has_contributing_stacktrace(o->comp[i]))) {
            with_st++;
            which = i;
        }
    if (!with_st)
        return;
    const char *suffix = with_st == 1 ? garena_printf(&g->arena, "the %s variant does", o->name[which])
                                      : "others do";
    for (int i = 0; i < o->n; i++)
        if (!has[i])
            gcomp_set(o->comp[i], false,
                      garena_printf(&g->arena,
                                    "ignored because this variant does not have a contributing "
                                    "stacktrace, but %s", suffix));
}

static int strategy_exception(struct grun *g, struct strat_out *o)
{
    struct event *e = &g->ev;
    int n = (int)e->n_exceptions;
    struct exc_comps *comps = garena_alloc(&g->arena, (size_t)n * sizeof *comps);
    int *keep = garena_alloc(&g->arena, (size_t)(n + 1) * sizeof(int));
    if (!comps || !keep)
        return -1;
    for (int i = 0; i < n; i++)
        if (exception_components(g, &e->exceptions[i], &comps[i]) < 0)
            return -1;
    int nk = filter_exception_groups(g, comps, keep);
    if (nk < 0) {
        nk = n;
        for (int i = 0; i < n; i++)
            keep[i] = i;
    }
    if (nk == 1) {
        so_add(o, "app", true, comps[keep[0]].c[V_APP]);
        if (comps[keep[0]].c[V_SYS])
            so_add(o, "system", false, comps[keep[0]].c[V_SYS]);
    } else {
        for (int v = 0; v < 2; v++) {
            struct gcomp **kids = garena_alloc(&g->arena, (size_t)nk * sizeof *kids);
            if (!kids)
                return -1;
            int m = 0, fa = 0, fan = 0, fs = 0, fsn = 0;
            for (int i = 0; i < nk; i++) {
                struct gcomp *c = comps[keep[i]].c[v];
                if (!c)
                    continue;
                kids[m++] = c;
                fa += c->fc_app_contrib, fan += c->fc_app_non;
                fs += c->fc_sys_contrib, fsn += c->fc_sys_non;
            }
            if (!m)
                continue;
            struct gcomp *chain = gcomp_kids(&g->arena, "chained-exception", kids, m);
            if (!chain)
                return -1;
            chain->fc_app_contrib = fa, chain->fc_app_non = fan;
            chain->fc_sys_contrib = fs, chain->fc_sys_non = fsn;
            so_add(o, v == V_APP ? "app" : "system", v == V_APP, chain);
        }
    }
    dedupe_and_process(g, o, true);
    return 0;
}

static const struct ev_thread *pick_thread(const struct event *e, int *crashed, int *current)
{
    const struct ev_thread *one = NULL;
    *crashed = *current = 0;
    for (size_t i = 0; i < e->n_threads; i++)
        if (e->threads[i].crashed) {
            (*crashed)++;
            one = &e->threads[i];
        }
    if (*crashed == 1)
        return one;
    for (size_t i = 0; i < e->n_threads; i++)
        if (e->threads[i].current) {
            (*current)++;
            one = &e->threads[i];
        }
    if (*current == 1)
        return one;
    if (e->n_threads == 1)
        return &e->threads[0];
    return NULL;
}

static int strategy_threads(struct grun *g, struct strat_out *o)
{
    int crashed, current;
    const struct ev_thread *t = pick_thread(&g->ev, &crashed, &current);
    struct gcomp *c;
    if (!t) {
        c = gcomp_new(&g->arena, "threads");
        c->hint = garena_printf(&g->arena,
            "ignored because it contains neither a single thread nor multiple threads with exactly "
            "one crashing or current thread; instead contains %d crashing, %d current, and %d total "
            "threads", crashed, current, (int)g->ev.n_threads);
        so_add(o, "app", false, c);
    } else if (!t->has_stacktrace) {
        c = gcomp_new(&g->arena, "threads");
        c->hint = "ignored because thread has no stacktrace";
        so_add(o, "app", false, c);
    } else {
        struct gcomp *st[2];
        if (stacktrace_components(g, &t->st, NULL, st) < 0)
            return -1;
        for (int v = 0; v < 2; v++) {
            struct gcomp *tc = gcomp_kids(&g->arena, "threads", &st[v], 1);
            if (!tc)
                return -1;
            tc->fc_app_contrib = st[v]->fc_app_contrib, tc->fc_app_non = st[v]->fc_app_non;
            tc->fc_sys_contrib = st[v]->fc_sys_contrib, tc->fc_sys_non = st[v]->fc_sys_non;
            so_add(o, v == V_APP ? "app" : "system", v == V_APP, tc);
        }
    }
    dedupe_and_process(g, o, true);
    return 0;
}

static int strategy_stacktrace(struct grun *g, struct strat_out *o)
{
    struct gcomp *st[2];
    if (stacktrace_components(g, &g->ev.st, NULL, st) < 0)
        return -1;
    so_add(o, "app", true, st[V_APP]);
    so_add(o, "system", false, st[V_SYS]);
    dedupe_and_process(g, o, true);
    return 0;
}

static int strategy_message(struct grun *g, struct strat_out *o)
{
    const char *raw = g->ev.log_message ? g->ev.log_message : g->ev.log_formatted;
    if (!raw)
        raw = "";
    struct buf nb = BUF_INIT;
    if (gparam_normalize(raw, &nb) < 0) {
        buf_free(&nb);
        return -1;
    }
    const char *norm = garena_strndup(&g->arena, nb.data ? nb.data : "", nb.len);
    buf_free(&nb);
    struct gcomp *c = gcomp_leaf(&g->arena, "message", norm);
    if (!c)
        return -1;
    if (strcmp(raw, norm) != 0)
        c->hint = "stripped event-specific values";
    so_add(o, "default", false, c);
    return 0;
}

/* Template (score 1100): basename of the template file and its context line. */
static int strategy_template(struct grun *g, struct strat_out *o)
{
    struct garena *a = &g->arena;
    const json_t *t = g->ev.template_;
    const json_t *fn = json_object_get(t, "filename"), *cl = json_object_get(t, "context_line");
    struct gcomp *f = gcomp_new(a, "filename"), *c = gcomp_new(a, "context-line");
    if (!f || !c)
        return -1;
    if (json_is_string(fn)) {
        const char *s = json_string_value(fn), *b = strrchr(s, '/');
        f = gcomp_leaf(a, "filename", b ? b + 1 : s);
    }
    if (json_is_string(cl))
        c = gcomp_leaf(a, "context-line", json_string_value(cl));
    struct gcomp *kids[2] = {f, c};
    struct gcomp *tc = gcomp_kids(a, "template", kids, 2);
    if (!tc)
        return -1;
    so_add(o, "default", false, tc);
    return 0;
}

static bool in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(s, *list))
            return true;
    return false;
}

/* The CSP report's blocked URI as Sentry normalises it (scheme-only values become URIs,
 * http(s) keep only the host, empty / self is "'self'"). */
static const char *csp_normalize_uri(struct garena *a, const char *v)
{
    static const char *const netloc_schemes[] = {
        "", "ftp", "http", "gopher", "nntp", "telnet", "imap", "wais", "file", "mms", "https",
        "shttp", "snews", "prospero", "rtsp", "rtspu", "rsync", "svn", "svn+ssh", "sftp", "nfs",
        "git", "git+ssh", "ws", "wss", NULL};
    if (!v || !*v || !strcmp(v, "'self'") || !strcmp(v, "self"))
        return "'self'";
    const char *scheme = v, *host = "";
    size_t sl = strlen(v), hl = 0;
    const char *colon = strchr(v, ':');
    if (colon) {
        /* urlsplit: a valid scheme is a letter then letters, digits, + - . */
        bool valid = isalpha((unsigned char)v[0]);
        for (const char *p = v; p < colon && valid; p++)
            valid = isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.';
        const char *rest = colon + 1;
        sl = valid ? (size_t)(colon - v) : 0;
        if (!valid)
            rest = v;
        if (rest[0] == '/' && rest[1] == '/') {
            host = rest + 2;
            hl = strcspn(host, "/?#");
        }
    }
    char *sch = garena_strndup(a, scheme, sl);
    for (char *p = sch; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (!sch)
        return v;
    if (colon && (!strcmp(sch, "http") || !strcmp(sch, "https")))
        return garena_strndup(a, host, hl);
    if (hl || in_list(sch, netloc_schemes))
        return garena_printf(a, "%s%s//%.*s", sch, *sch ? ":" : "", (int)hl, host);
    return garena_printf(a, "%s%s", sch, *sch ? ":" : "");
}

static const char *jstr(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Security reports: salt + hostname (HPKP, Expect-CT, Expect-Staple); CSP: directive salt plus
 * the local script violation or the blocked URI. */
static int strategy_security(struct grun *g, struct strat_out *o, const json_t *iface, const char *id)
{
    struct garena *a = &g->arena;
    struct gcomp *c;
    if (!strcmp(id, "csp")) {
        const char *eff = jstr(iface, "effective_directive");
        const char *violated = jstr(iface, "violated_directive");
        const char *uri = csp_normalize_uri(a, jstr(iface, "blocked_uri"));
        const char *local = NULL;
        if (violated && *violated && eff && !strcmp(eff, "script-src") && !strcmp(uri, "'self'")) {
            if (strstr(violated, "'unsafe-inline'"))
                local = "'unsafe-inline'";
            else if (strstr(violated, "'unsafe-eval'"))
                local = "'unsafe-eval'";
        }
        struct gcomp *salt = gcomp_leaf(a, "salt", eff);
        struct gcomp *viol, *u = gcomp_leaf(a, "uri", uri);
        if (!salt || !u)
            return -1;
        salt->hint = "a static salt";
        if (local) {
            viol = gcomp_leaf(a, "violation", local);
            gcomp_set(u, false, "violation takes precedence");
        } else {
            viol = gcomp_new(a, "violation");
            if (viol)
                viol->hint = "not a local script violation";
        }
        if (!viol)
            return -1;
        struct gcomp *kids[3] = {salt, viol, u};
        c = gcomp_kids(a, "csp", kids, 3);
    } else {
        struct gcomp *kids[2] = {gcomp_leaf(a, "salt", id), gcomp_leaf(a, "hostname", jstr(iface, "hostname"))};
        if (!kids[0] || !kids[1])
            return -1;
        kids[0]->hint = "a static salt";
        c = gcomp_kids(a, id, kids, 2);
    }
    if (!c)
        return -1;
    so_add(o, "default", false, c);
    return 0;
}

static struct gvariant *add_variant(struct grun *g, const char *name)
{
    for (int i = 0; i < g->n_variants; i++)
        if (!strcmp(g->variants[i].name, name))
            return &g->variants[i];
    if (g->n_variants >= GRUN_MAX_VARIANTS)
        return NULL;
    struct gvariant *v = &g->variants[g->n_variants++];
    memset(v, 0, sizeof *v);
    v->name = name;
    return v;
}

static bool is_md5_hex(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return false;
    return n == 32;
}

static int build_variants(struct grun *g)
{
    struct event *e = &g->ev;
    struct garena *a = &g->arena;

    if (e->checksum) {
        struct gvariant *v = add_variant(g, is_md5_hex(e->checksum) ? "checksum" : "hashed_checksum");
        v->contributes = v->has_hash = true;
        if (!strcmp(v->name, "checksum")) {
            v->type = "checksum";
            memcpy(v->hash, e->checksum, 33);
        } else {
            v->type = "hashed-checksum";
            const char *vals[1] = {e->checksum};
            gcomp_hash_values(vals, 1, NULL, v->hash);
        }
        return 0;
    }

    /* fingerprint: client's, replaced by a matching server-side rule */
    const char *fp_default[1] = {"{{ default }}"};
    const char *const *fp = e->has_fingerprint ? e->fingerprint : fp_default;
    size_t nfp = e->has_fingerprint ? e->n_fingerprint : 1;
    bool client_custom = !(nfp == 1 && gfp_is_default_var(fp[0]));
    const char *const *client_values = client_custom ? fp : NULL;
    size_t n_client = client_custom ? nfp : 0;
    const char *matched_rule = NULL;
    bool builtin_rule = false;
    struct gfp_match m;
    if (gfp_apply(g->fprules, e, &m, a) && !(m.is_builtin && client_custom)) {
        const char **copy = garena_alloc(a, (m.n ? m.n : 1) * sizeof *copy);
        if (!copy)
            return -1;
        for (size_t i = 0; i < m.n; i++)
            copy[i] = m.fingerprint[i];
        fp = copy;
        nfp = m.n;
        matched_rule = m.rule_text;
        builtin_rule = m.is_builtin;
        if (m.title) {
            /* expand {{ vars }} in the title */
            struct buf t = BUF_INIT;
            for (const char *p = m.title; *p;) {
                const char *s = strstr(p, "{{"), *end = s ? strstr(s, "}}") : NULL;
                if (!s || !end) {
                    buf_puts(&t, p);
                    break;
                }
                buf_append(&t, p, (size_t)(s - p));
                char *var = garena_strndup(a, s, (size_t)(end + 2 - s));
                const char *r = var ? gfp_resolve_var(var, e, a) : NULL;
                buf_puts(&t, r ? r : "");
                p = end + 2;
            }
            g->title_override = garena_strndup(a, t.data ? t.data : "", t.len);
            buf_free(&t);
        }
    }
    int n_default = 0;
    for (size_t i = 0; i < nfp; i++)
        n_default += gfp_is_default_var(fp[i]);
    const char *fp_type = (nfp == 1 && n_default == 1) ? "default" : n_default ? "hybrid" : "custom";
    const char **resolved = garena_alloc(a, (nfp ? nfp : 1) * sizeof *resolved);
    if (!resolved)
        return -1;
    for (size_t i = 0; i < nfp; i++)
        resolved[i] = strcmp(fp_type, "default") ? gfp_resolve_var(fp[i], e, a) : fp[i];

    /* strategies in priority order */
    struct strat_out outs[9];
    const char *names[9] = {"exception", "threads", "stacktrace", "template", "csp", "hpkp",
                            "expectstaple", "expectct", "message"};
    int ns = 9;
    memset(outs, 0, sizeof outs);
    if (e->n_exceptions && strategy_exception(g, &outs[0]) < 0)
        return -1;
    if (e->has_threads && strategy_threads(g, &outs[1]) < 0)
        return -1;
    if (e->has_stacktrace && strategy_stacktrace(g, &outs[2]) < 0)
        return -1;
    if (e->template_ && strategy_template(g, &outs[3]) < 0)
        return -1;
    if (e->csp && strategy_security(g, &outs[4], e->csp, "csp") < 0)
        return -1;
    if (e->hpkp && strategy_security(g, &outs[5], e->hpkp, "hpkp") < 0)
        return -1;
    if (e->expectstaple && strategy_security(g, &outs[6], e->expectstaple, "expect-staple") < 0)
        return -1;
    if (e->expectct && strategy_security(g, &outs[7], e->expectct, "expect-ct") < 0)
        return -1;
    if ((e->log_message || e->log_formatted) && strategy_message(g, &outs[8]) < 0)
        return -1;

    int winner = -1;
    const char *precedence = NULL;
    /* components of each variant across strategies */
    struct gcomp *by_variant[3][9];
    const char *known_hash[3][9]; /* dedupe_and_process's hash of each part, or NULL */
    struct gcomp *vroot[3] = {NULL, NULL, NULL};
    int nb[3] = {0, 0, 0};
    const char *vnames[3];
    int nv = 0;
    for (int s = 0; s < ns; s++) {
        struct strat_out *o = &outs[s];
        for (int i = 0; i < o->n; i++) {
            int vi = -1;
            for (int k = 0; k < nv; k++)
                if (!strcmp(vnames[k], o->name[i]))
                    vi = k;
            if (vi < 0) {
                vi = nv++;
                vnames[vi] = o->name[i];
            }
            known_hash[vi][nb[vi]] = o->hashed[i] ? o->hash[i] : NULL;
            by_variant[vi][nb[vi]++] = o->comp[i];
            if (!o->comp[i]->contributes)
                continue;
            if (winner < 0) {
                winner = s;
                struct buf d = BUF_INIT;
                /* contributing variant names of this strategy, sorted */
                const char *cv[3];
                int nc = 0;
                for (int k = 0; k < o->n; k++)
                    if (o->comp[k]->contributes)
                        cv[nc++] = o->name[k];
                for (int x = 1; x < nc; x++)
                    for (int y = x; y > 0 && strcmp(cv[y - 1], cv[y]) > 0; y--) {
                        const char *t = cv[y];
                        cv[y] = cv[y - 1];
                        cv[y - 1] = t;
                    }
                if (strcmp(o->name[i], "default") != 0) {
                    buf_puts(&d, names[s]);
                    buf_puts(&d, " of ");
                    for (int k = 0; k < nc; k++) {
                        if (k)
                            buf_putc(&d, '/');
                        buf_puts(&d, cv[k]);
                    }
                } else {
                    buf_puts(&d, names[s]);
                }
                size_t nl = strlen(names[s]);
                buf_puts(&d, names[s][nl - 1] == 's' ? " take precedence" : " takes precedence");
                precedence = garena_strndup(a, d.data, d.len);
                buf_free(&d);
            } else if (s != winner) {
                gcomp_set(o->comp[i], false, precedence);
            }
        }
    }
    for (int k = 0; k < nv; k++) {
        struct gvariant *v = add_variant(g, vnames[k]);
        if (!v)
            return -1;
        v->type = "component";
        v->comp = gcomp_kids(a, vnames[k], by_variant[k], nb[k]);
        if (!v->comp)
            return -1;
        vroot[k] = v->comp;
        if (!v->comp->contributes && precedence)
            v->comp->hint = precedence;
    }

    if (!strcmp(fp_type, "custom")) {
        for (int i = 0; i < g->n_variants; i++)
            gcomp_set(g->variants[i].comp, false, "custom fingerprint takes precedence");
        struct gvariant *v = add_variant(g, builtin_rule ? "built_in_fingerprint" : "custom_fingerprint");
        if (!v)
            return -1;
        v->type = builtin_rule ? "built-in-fingerprint" : "custom-fingerprint";
        v->values = resolved;
        v->n_values = nfp;
        v->client_values = client_values;
        v->n_client_values = n_client;
        v->matched_rule = matched_rule;
        v->contributes = v->has_hash = true;
        gcomp_hash_values(resolved, nfp, NULL, v->hash);
    }
    for (int i = 0; i < g->n_variants; i++) {
        struct gvariant *v = &g->variants[i];
        if (!v->comp)
            continue;
        v->contributes = v->comp->contributes;
        if (!strcmp(fp_type, "hybrid")) {
            v->type = "salted-component";
            v->values = resolved;
            v->n_values = nfp;
            v->client_values = client_values;
            v->n_client_values = n_client;
            v->matched_rule = matched_rule;
            if (v->comp->contributes) {
                gcomp_hash_values(resolved, nfp, v->comp, v->hash);
                v->has_hash = true;
            }
        } else {
            /* the variant's leaves are those of its only contributing part, when there is one
             * (no values of its own): that part's hash is already known */
            int k = 0, only = -1, nc = 0;
            while (k < nv && vroot[k] != v->comp)
                k++;
            for (int j = 0; k < nv && j < nb[k]; j++)
                if (by_variant[k][j]->contributes) {
                    only = j;
                    nc++;
                }
            if (v->comp->contributes && nc == 1 && known_hash[k][only]) {
                memcpy(v->hash, known_hash[k][only], 33);
                v->has_hash = true;
            } else {
                v->has_hash = gcomp_hash(v->comp, v->hash);
            }
        }
    }
    bool any = false;
    for (int i = 0; i < g->n_variants; i++)
        any |= g->variants[i].contributes;
    if (!any) {
        struct gvariant *v = add_variant(g, "fallback");
        if (!v)
            return -1;
        v->type = "fallback";
        v->contributes = v->has_hash = true;
        gcomp_hash_values(NULL, 0, NULL, v->hash);
    }
    return 0;
}

int grun_run(struct grun *g, const json_t *event, const struct genh *project_rules,
             const struct gfprules *fprules, bool hashes_only, char *err)
{
    /* everything but the arena's first block, which garena_alloc zeroes as it hands it out */
    memset((char *)g + offsetof(struct grun, ev), 0, sizeof *g - offsetof(struct grun, ev));
    g->hashes_only = hashes_only;
    garena_init(&g->arena);
    if (event_parse(event, &g->ev, err) < 0)
        return -1;
    g->values_unread = hashes_only && g->ev.n_exceptions <= 1;
    g->sets[0] = genh_builtin();
    g->sets[1] = project_rules;
    g->n_sets = 2;
    g->fprules = fprules;
    struct norm_ctx nc = {g};
    event_each_stacktrace(&g->ev, normalize_stack, &nc);
    if (build_variants(g) < 0) {
        errmsg_set(err, "grouping failed (out of memory or regex error)");
        return -1;
    }
    return 0;
}

void grun_end(struct grun *g)
{
    event_free(&g->ev);
    garena_free(&g->arena);
}

const struct gvariant *grun_find(const struct grun *g, const char *name)
{
    for (int i = 0; i < g->n_variants; i++)
        if (!strcmp(g->variants[i].name, name))
            return &g->variants[i];
    return NULL;
}
