/* Function name trimming as Sentry does before grouping: native (C, C++, ObjC, Swift, Rust)
 * signatures are reduced to the bare function name; C# drops its argument list.
 *
 * Native steps: strip; leave ObjC "[...]" alone; chop trailing "const"/"&"; normalise compiler
 * lambda names to "lambda"; drop argument lists "(...)" (keeping "(anonymous namespace)");
 * collapse template/generic arguments to "<T>" (a leading Rust "<Foo as Bar>" keeps "Foo"); split
 * into whitespace tokens outside brackets and keep the function token (the one before a Swift
 * "->", else the last); strip a Rust "::h<16 hex>" hash and a Windows "@N" decoration. */
#include "grouping/internal.h"

#include <ctype.h>
#include <string.h>

/* Placeholders for sequences that would confuse bracket balancing. */
#define PH_LT    '\x01' /* '<' of operator< / operator<< */
#define PH_CALL  '\x02' /* "()" of operator() */
#define PH_ARROW '\x03' /* "->" of " -> " */
#define PH_ANON  '\x04' /* "`anonymous namespace'" */

static void put(struct buf *b, const char *s, size_t n) { buf_append(b, s, n); }

static bool is_ws(char c) { return isspace((unsigned char)c) != 0; }

/* Replace every occurrence of `from` in s by `to` into out. */
static void replace_all(const char *s, const char *from, const char *to, struct buf *out)
{
    size_t fl = strlen(from);
    const char *p;
    if (!strstr(s, from)) { /* common case: copy once */
        buf_puts(out, s);
        return;
    }
    while ((p = strstr(s, from))) {
        put(out, s, (size_t)(p - s));
        buf_puts(out, to);
        s = p + fl;
    }
    buf_puts(out, s);
}

static void swap_buf(struct buf *a, struct buf *b)
{
    struct buf t = *a;
    *a = *b;
    *b = t;
}

/* Does a lambda name start at s? Returns its length, 0 if none.
 * gcc "{lambda(...)#N}", msvc "lambda_<32 hex>" (word-bounded), clang "$_N" (word-bounded). */
static size_t lambda_at(const char *s, const char *start)
{
    if (!strncmp(s, "{lambda(", 8)) {
        const char *p = s + 8;
        /* non-greedy .*? up to ")#<digits>}" */
        for (const char *q = p; *q; q++) {
            if (q[0] == ')' && q[1] == '#' && isdigit((unsigned char)q[2])) {
                const char *d = q + 2;
                while (isdigit((unsigned char)*d))
                    d++;
                if (*d == '}')
                    return (size_t)(d + 1 - s);
            }
        }
        return 0;
    }
    bool wb = s == start || !(isalnum((unsigned char)s[-1]) || s[-1] == '_');
    if (wb && !strncmp(s, "lambda_", 7)) {
        const char *p = s + 7;
        int n = 0;
        while (n < 32 && ((p[n] >= '0' && p[n] <= '9') || (p[n] >= 'a' && p[n] <= 'f')))
            n++;
        if (n == 32 && !(isalnum((unsigned char)p[32]) || p[32] == '_'))
            return 7 + 32;
    }
    if (s[0] == '$' && s[1] == '_' && isdigit((unsigned char)s[2])) {
        const char *d = s + 2;
        while (isdigit((unsigned char)*d))
            d++;
        if (!(isalnum((unsigned char)*d) || *d == '_'))
            return (size_t)(d - s);
    }
    return 0;
}

static void normalize_lambdas(const char *s, struct buf *out)
{
    const char *run = s;
    for (const char *p = s; *p;) {
        /* only '{', 'l' and '$' can start a lambda name */
        if (*p != '{' && *p != 'l' && *p != '$') {
            p++;
            continue;
        }
        size_t n = lambda_at(p, s);
        if (n) {
            put(out, run, (size_t)(p - run));
            buf_puts(out, "lambda");
            p += n;
            run = p;
        } else {
            p++;
        }
    }
    buf_puts(out, run);
}

/* MSVC inline anonymous namespaces "?A0x<8 hex>::" -> placeholder + "::". */
static void normalize_anon(const char *s, struct buf *out)
{
    const char *run = s;
    for (const char *p = s; (p = strstr(p, "?A0x"));) {
        int n = 0;
        while (n < 8 && ((p[4 + n] >= '0' && p[4 + n] <= '9') || (p[4 + n] >= 'a' && p[4 + n] <= 'f')))
            n++;
        if (n == 8 && p[12] == ':' && p[13] == ':') {
            put(out, run, (size_t)(p - run));
            buf_putc(out, PH_ANON);
            buf_puts(out, "::");
            p += 14;
            run = p;
        } else {
            p++;
        }
    }
    buf_puts(out, run);
}

/* Remove top-level (...) groups; "(anonymous namespace)" and "(operator)" are kept. Writes at
 * most n bytes to out (no terminator); returns the length written. */
static size_t strip_args_to(const char *s, size_t n, char *out)
{
    int depth = 0;
    size_t start = 0, o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '(') {
            if (depth == 0)
                start = i;
            depth++;
        } else if (c == ')') {
            depth--;
            if (depth == 0) {
                const char *v = s + start + 1;
                size_t vl = i - start - 1;
                while (vl && is_ws(*v))
                    v++, vl--;
                while (vl && is_ws(v[vl - 1]))
                    vl--;
                if ((vl == 19 && !strncmp(v, "anonymous namespace", 19)) ||
                    (vl == 8 && !strncmp(v, "operator", 8))) {
                    out[o++] = '(';
                    memcpy(out + o, v, vl);
                    o += vl;
                    out[o++] = ')';
                }
            }
        } else if (depth == 0) {
            size_t j = i + 1;
            while (j < n && s[j] != '(' && s[j] != ')')
                j++;
            memcpy(out + o, s + i, j - i);
            o += j - i;
            i = j - 1;
        }
    }
    return o;
}

static void strip_args(const char *s, size_t n, struct buf *out)
{
    if (buf_reserve(out, n + 1) < 0)
        return;
    out->len += strip_args_to(s, n, out->data + out->len);
    out->data[out->len] = '\0';
}

static void strip_generics(const char *s, size_t n, struct buf *out, int level);

/* process_generics(value, start) of one top-level <...> group. */
static void generic_group(const char *v, size_t vl, size_t start, struct buf *out, int level)
{
    struct buf tmp = BUF_INIT;
    put(&tmp, v, vl);
    const char *val = tmp.data ? tmp.data : "";
    if ((vl == 6 && !strncmp(val, "lambda", 6)) || lambda_at(val, val)) {
        buf_putc(out, '<');
        put(out, v, vl);
        buf_putc(out, '>');
    } else if (start > 0) {
        buf_puts(out, "<T>");
    } else {
        /* Rust: "<Foo as Bar>::baz" keeps Foo; a blanket "X as " prefix is dropped first */
        const char *p = val;
        size_t pl = vl;
        if (pl >= 5 && p[0] >= 'A' && p[0] <= 'Z' && !strncmp(p + 1, " as ", 4))
            p += 5, pl -= 5;
        struct buf inner = BUF_INIT;
        if (level < 32)
            strip_generics(p, pl, &inner, level + 1);
        const char *iv = inner.data ? inner.data : "";
        const char *as = strstr(iv, " as ");
        put(out, iv, as ? (size_t)(as - iv) : inner.len);
        buf_free(&inner);
    }
    buf_free(&tmp);
}

static void strip_generics(const char *s, size_t n, struct buf *out, int level)
{
    if (!memchr(s, '<', n)) {
        put(out, s, n);
        return;
    }
    int depth = 0;
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '<') {
            if (depth == 0)
                start = i;
            depth++;
        } else if (c == '>') {
            depth--;
            if (depth == 0)
                generic_group(s + start + 1, i - start - 1, start, out, level);
        } else if (depth == 0) {
            size_t j = i + 1;
            while (j < n && s[j] != '<' && s[j] != '>')
                j++;
            put(out, s + i, j - i);
            i = j - 1;
        }
    }
}

/* Python split_func_tokens: whitespace-separated tokens outside of (), {}, [], <> pairs. */
struct tokens {
    size_t n;
    size_t off[64], len[64];
    struct buf text;   /* tokens stored back to back */
};

static void tok_push(struct tokens *t, struct buf *cur)
{
    if (t->n < 64) {
        t->off[t->n] = t->text.len;
        t->len[t->n] = cur->len;
        if (cur->len)
            put(&t->text, cur->data, cur->len);
        t->n++;
    } else if (t->n == 64) { /* keep the last token current when there are too many */
        t->off[63] = t->text.len;
        t->len[63] = cur->len;
        if (cur->len)
            put(&t->text, cur->data, cur->len);
    }
    cur->len = 0;
}

static void split_tokens(const char *s, size_t n, struct tokens *t)
{
    char stack[256];
    int sp = 0;
    size_t end = 0;
    struct buf cur = BUF_INIT;
    bool have = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        char close = c == '(' ? ')' : c == '{' ? '}' : c == '[' ? ']' : c == '<' ? '>' : 0;
        if (close) {
            if (sp < (int)sizeof stack)
                stack[sp] = close;
            sp++;
        } else if (sp && c == (sp <= (int)sizeof stack ? stack[sp - 1] : 0)) {
            sp--;
            if (!sp) {
                put(&cur, s + end, i + 1 - end);
                have = true;
                end = i + 1;
            }
        } else if (!sp) {
            if (is_ws(c)) {
                if (have)
                    tok_push(t, &cur);
                have = false;
            } else {
                put(&cur, s + end, i + 1 - end);
                have = true;
            }
            end = i + 1;
        }
    }
    if (have)
        tok_push(t, &cur);
    buf_free(&cur);
}

/* Byte classes for the scans below: NAME_* bits. */
enum { NAME_PLAIN = 1, NAME_TRIGGER = 2, NAME_WORDSTART = 4 };
static const unsigned char name_class[256] = {
    ['0' ... '9'] = NAME_PLAIN, ['A' ... 'Z'] = NAME_PLAIN, ['a' ... 'k'] = NAME_PLAIN,
    ['l'] = NAME_PLAIN | NAME_WORDSTART, ['m' ... 'n'] = NAME_PLAIN,
    ['o'] = NAME_PLAIN | NAME_WORDSTART, ['p' ... 'z'] = NAME_PLAIN,
    ['_'] = NAME_PLAIN, [':'] = NAME_PLAIN, ['.'] = NAME_PLAIN, ['~'] = NAME_PLAIN,
    [0x01 ... 0x04] = NAME_TRIGGER, ['<'] = NAME_TRIGGER, ['`'] = NAME_TRIGGER,
    ['{'] = NAME_TRIGGER, ['$'] = NAME_TRIGGER, ['?'] = NAME_TRIGGER, ['-'] = NAME_TRIGGER,
};

/* No byte that any rewriting pass before strip_args looks for: operators, " -> ", "`anonymous
 * namespace'", lambdas ("{lambda(", "lambda_", "$_"), "?A0x", generics '<', and no placeholder
 * bytes (the restore step would turn those into text). None of those passes creates another's
 * trigger, so with none present they all leave the name unchanged. */
static bool plain_but_args(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char cls = name_class[(unsigned char)s[i]];
        if (!(cls & (NAME_TRIGGER | NAME_WORDSTART)))
            continue;
        if (cls & NAME_TRIGGER)
            return false;
        if (s[i] == 'o' ? n - i >= 8 && !memcmp(s + i, "operator", 8)
                        : n - i >= 7 && !memcmp(s + i, "lambda_", 7))
            return false;
    }
    return true;
}

/* split_tokens would return exactly s[0..n) as its only token: no whitespace, brackets or
 * placeholder bytes. */
static bool single_token(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '(' || c == ')' || c == '{' || c == '}' || c == '[' || c == ']' || c == '<' ||
            c == '>' || (c <= ' ' && (c <= 0x04 || is_ws((char)c))))
            return false;
    }
    return true;
}

/* A name made only of identifier characters, '::', '.' and '~', with no lambda: none of the
 * rewriting passes (operators, lambdas, anonymous namespaces, argument lists, generics,
 * return types) applies to it. */
static bool plain_name(const char *s, size_t n)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char cls = name_class[(unsigned char)s[i]];
        if (!(cls & NAME_PLAIN))
            return false;
        if ((cls & NAME_WORDSTART) && s[i] == 'l' && n - i >= 7 && !memcmp(s + i, "lambda_", 7))
            return false;
    }
    return true;
}

static const char *trim_native(struct garena *a, const char *function)
{
    if (gfunc_native_unknown(function))
        return function;
    const char *s = function;
    size_t n = strlen(s);
    while (n && is_ws(*s))
        s++, n--;
    while (n && is_ws(s[n - 1]))
        n--;
    if (n && (s[0] == '[' || (n > 1 && (s[0] == '+' || s[0] == '-') && s[1] == '[')))
        return garena_strndup(a, s, n);
    /* chop C++ trailers: "const" (word) or '&' at the end */
    for (;;) {
        if (n && s[n - 1] == '&') {
            n--;
        } else if (n >= 5 && !strncmp(s + n - 5, "const", 5) &&
                   (n == 5 || !(isalnum((unsigned char)s[n - 6]) || s[n - 6] == '_'))) {
            n -= 5;
        } else {
            break;
        }
        while (n && is_ws(s[n - 1]))
            n--;
    }
    struct buf x = BUF_INIT, y = BUF_INIT, tok = BUF_INIT;
    struct tokens t;
    t.n = 0;
    t.text = (struct buf)BUF_INIT;
    const char *result = NULL;
    size_t rlen = 0;
    char stack[256];
    if (plain_name(s, n)) {
        /* nothing below would change it: one token, no placeholders */
        result = s;
        rlen = n;
        goto suffixes;
    }
    if (plain_but_args(s, n)) {
        /* only the argument lists go; then, without whitespace or brackets left, the name is the
         * one token and has no placeholders to restore */
        char *tmp = n <= sizeof stack ? stack : garena_alloc(a, n);
        if (!tmp)
            return function;
        size_t m = strip_args_to(s, n, tmp);
        if (!m) {
            result = function; /* no token: the name stays as it was */
            rlen = strlen(function);
            goto suffixes;
        }
        if (single_token(tmp, m)) {
            result = tmp;
            rlen = m;
            goto suffixes;
        }
    }
    put(&x, s, n);
    if (!x.data)
        buf_reserve(&x, 0);
    replace_all(x.data, "operator<<", "operator\x01\x01", &y);
    swap_buf(&x, &y), y.len = 0;
    replace_all(x.data, "operator<", "operator\x01", &y);
    swap_buf(&x, &y), y.len = 0;
    replace_all(x.data, "operator()", "operator\x02", &y);
    swap_buf(&x, &y), y.len = 0;
    replace_all(x.data, " -> ", " \x03 ", &y);
    swap_buf(&x, &y), y.len = 0;
    replace_all(x.data, "`anonymous namespace'", "\x04", &y);
    swap_buf(&x, &y), y.len = 0;
    normalize_lambdas(x.data, &y);
    swap_buf(&x, &y), y.len = 0;
    buf_reserve(&x, 0);
    normalize_anon(x.data, &y);
    swap_buf(&x, &y), y.len = 0;
    buf_reserve(&x, 0);
    strip_args(x.data, x.len, &y);
    swap_buf(&x, &y), y.len = 0;
    buf_reserve(&x, 0);
    strip_generics(x.data, x.len, &y, 0);
    swap_buf(&x, &y), y.len = 0;
    buf_reserve(&x, 0);

    split_tokens(x.data, x.len, &t);
    if (t.n > 1 && t.len[t.n - 1] == 3 && !memcmp(t.text.data + t.off[t.n - 1], "<T>", 3)) {
        /* MSVC "operator< <T>": glue the generic back onto the name */
        t.n--;
        put(&tok, t.text.data + t.off[t.n - 1], t.len[t.n - 1]);
        buf_puts(&tok, " <T>");
    } else if (t.n) {
        size_t pick = t.n - 1;
        for (size_t i = 0; i < t.n; i++)
            if (t.len[i] == 1 && t.text.data[t.off[i]] == PH_ARROW) {
                pick = i == 0 ? t.n - 1 : i - 1;
                break;
            }
        put(&tok, t.text.data + t.off[pick], t.len[pick]);
    }
    if (tok.len) {
        /* restore placeholders */
        for (size_t i = 0; i < tok.len; i++) {
            char c = tok.data[i];
            if (c == PH_LT)
                buf_putc(&y, '<');
            else if (c == PH_CALL)
                buf_puts(&y, "()");
            else if (c == PH_ARROW)
                buf_puts(&y, "->");
            else if (c == PH_ANON)
                buf_puts(&y, "`anonymous namespace'");
            else
                buf_putc(&y, c);
        }
        result = y.data;
        rlen = y.len;
    } else {
        result = function;
        rlen = strlen(function);
    }
suffixes:
    /* Rust hash "::h" + 16 [a-z0-9] at the end */
    if (rlen >= 19 && !strncmp(result + rlen - 19, "::h", 3)) {
        bool ok = true;
        for (size_t i = rlen - 16; i < rlen; i++)
            if (!((result[i] >= 'a' && result[i] <= 'z') || (result[i] >= '0' && result[i] <= '9')))
                ok = false;
        if (ok)
            rlen -= 19;
    }
    /* Windows decoration ^@?(.*?)@[0-9]+$ */
    const char *r = result;
    {
        size_t k = rlen;
        while (k && isdigit((unsigned char)r[k - 1]))
            k--;
        if (k < rlen && k > 0 && r[k - 1] == '@') {
            /* the non-greedy group stops at the first "@digits$" suffix: find the earliest '@'
             * after which only digits follow */
            size_t at = k - 1;
            for (size_t i = (r[0] == '@') ? 1 : 0; i < at; i++) {
                if (r[i] == '@') {
                    size_t j = i + 1;
                    while (j < rlen && isdigit((unsigned char)r[j]))
                        j++;
                    if (j == rlen && j > i + 1) {
                        at = i;
                        break;
                    }
                }
            }
            size_t from = r[0] == '@' ? 1 : 0;
            if (at >= from) {
                r += from;
                rlen = at - from;
            }
        }
    }
    const char *out = garena_strndup(a, r, rlen);
    if (x.data) { /* (the fast paths used none of them) */
        buf_free(&x);
        buf_free(&y);
        buf_free(&tok);
        buf_free(&t.text);
    }
    return out ? out : function;
}

const char *gfunc_trim_as(struct garena *a, const char *func, int family, bool csharp)
{
    if (!func)
        return NULL;
    if (csharp) {
        const char *p = strstr(func, " (");
        return p ? garena_strndup(a, func, (size_t)(p - func)) : func;
    }
    if (family != EVENT_FAMILY_NATIVE)
        return func;
    /* trimming is a pure function of the name, and native stacks repeat names */
    size_t n = strlen(func), vlen, aux;
    if (n > GMEMO_MAX_KEY)
        return trim_native(a, func);
    uint64_t h = gmemo_hash(func, n);
    const char *v = gmemo_get(GMEMO_TRIM, func, n, h, &vlen, &aux);
    if (v)
        return vlen == n && !memcmp(v, func, n) ? func : garena_strndup(a, v, vlen);
    const char *t = trim_native(a, func);
    if (t)
        gmemo_put(GMEMO_TRIM, func, n, h, t, strlen(t), 0);
    return t;
}

const char *gfunc_trim(struct garena *a, const char *func, const char *platform)
{
    return gfunc_trim_as(a, func, event_platform_family(platform),
                         platform && !strcmp(platform, "csharp"));
}
