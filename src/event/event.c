/* Event model: jansson -> structs, with Relay's light normalisation applied on the way. */
#include "event/event.h"
#include "util/buf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ev_chunk {
    struct ev_chunk *next;
    size_t used, cap;
    char data[];
};

char *event_strndup(struct event *e, const char *s, size_t n)
{
    struct ev_chunk *c = e->chunks;
    if (!c || c->cap - c->used < n + 1) {
        size_t cap = n + 1 > 2048 ? n + 1 : 2048;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->used = 0;
        c->cap = cap;
        c->next = e->chunks;
        e->chunks = c;
    }
    char *p = c->data + c->used;
    memcpy(p, s, n);
    p[n] = '\0';
    c->used += n + 1;
    return p;
}

/* A string value, or NULL for other types (and for NULL). */
#define STR(v) json_string_value(v)

/* Non-empty string or NULL. */
static const char *nonempty(const char *s) { return s && *s ? s : NULL; }

static const char *get_str(const json_t *o, const char *key) { return STR(json_object_get(o, key)); }
static const char *get_nstr(const json_t *o, const char *key) { return nonempty(get_str(o, key)); }

static bool get_bool(const json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

/* Relay accepts these platforms; anything else becomes "other". */
static const char *valid_platform(const char *p)
{
    static const char *const ok[] = {"as3",  "c",      "cfml",   "cocoa", "csharp", "elixir", "go",
                                     "groovy", "haskell", "java", "javascript", "native", "node",
                                     "objc", "other",  "perl",   "php",   "python", "ruby"};
    if (!p)
        return NULL;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strcmp(p, ok[i]) == 0)
            return ok[i];
    return "other";
}

int event_platform_family(const char *p)
{
    if (!p)
        return EVENT_FAMILY_OTHER;
    if (!strcmp(p, "objc") || !strcmp(p, "cocoa") || !strcmp(p, "swift") || !strcmp(p, "native") ||
        !strcmp(p, "c"))
        return EVENT_FAMILY_NATIVE;
    if (!strcmp(p, "javascript") || !strcmp(p, "node"))
        return EVENT_FAMILY_JAVASCRIPT;
    return EVENT_FAMILY_OTHER;
}

unsigned event_platform_flags(const char *p)
{
    if (!p)
        return 0;
    switch (p[0]) {
    case 'j':
        if (!strcmp(p, "java"))
            return EVENT_P_JAVA;
        if (!strcmp(p, "javascript"))
            return EVENT_P_JAVASCRIPT | EVENT_P_CONTEXT_LINES;
        break;
    case 'n':
        if (!strcmp(p, "node"))
            return EVENT_P_CONTEXT_LINES;
        break;
    case 'p':
        if (!strcmp(p, "python"))
            return EVENT_P_CONTEXT_LINES;
        if (!strcmp(p, "php"))
            return EVENT_P_PHP | EVENT_P_CONTEXT_LINES;
        break;
    case 'r':
        if (!strcmp(p, "ruby"))
            return EVENT_P_RUBY | EVENT_P_CONTEXT_LINES;
        break;
    case 'c':
        if (!strcmp(p, "csharp"))
            return EVENT_P_CSHARP;
        break;
    }
    return 0;
}

const char *event_family_name(int family)
{
    return family == EVENT_FAMILY_NATIVE ? "native"
           : family == EVENT_FAMILY_JAVASCRIPT ? "javascript" : "other";
}

const char *event_frame_platform(const struct event *e, const struct ev_frame *f)
{
    return f->platform ? f->platform : e->platform;
}

/* An object's "values" array, or the value itself when it is an array (both shapes are legal). */
static const json_t *values_of(const json_t *v)
{
    if (json_is_object(v))
        v = json_object_get(v, "values");
    return json_is_array(v) ? v : NULL;
}

static bool is_url_path(const char *s)
{
    return !strncmp(s, "file:", 5) || !strncmp(s, "http:", 5) || !strncmp(s, "https:", 6) ||
           !strncmp(s, "applewebdata:", 13);
}

/* The path component of a URL: after "scheme://authority", up to '?' or '#'. */
static void url_path(const char *url, const char **start, size_t *len)
{
    const char *p = strchr(url, ':');
    p = p ? p + 1 : url;
    if (p[0] == '/' && p[1] == '/') {
        p += 2;
        while (*p && *p != '/' && *p != '?' && *p != '#')
            p++;
    }
    const char *end = p;
    while (*end && *end != '?' && *end != '#')
        end++;
    *start = p;
    *len = (size_t)(end - p);
}

/* Object keys are compared as counted strings: the JSON decoder rejects NUL bytes in keys, so a
 * key's length is its C string length. */
#define KEY_IS(k, n, lit) ((n) == sizeof(lit) - 1 && !memcmp((k), (lit), sizeof(lit) - 1))

/* A frame's strings are read again by grouping after every frame is parsed; parsed events are
 * scattered over the heap, so the bytes are requested now, while parsing continues. */
static inline const char *fetch(const char *s)
{
    if (s)
        __builtin_prefetch(s);
    return s;
}
#define FSTR(v) fetch(STR(v))

/* One pass over the frame's keys (cheaper than a hash lookup per field). */
static void parse_frame(struct event *e, const json_t *j, struct ev_frame *f)
{
    memset(f, 0, sizeof *f);
    f->in_app = -1;
    for (void *it = json_object_iter((json_t *)j); it; it = json_object_iter_next((json_t *)j, it)) {
        const char *key = json_object_iter_key(it);
        size_t kn = json_object_iter_key_len(it);
        const json_t *v = json_object_iter_value(it);
        switch (key[0]) {
        case 'a':
            if (KEY_IS(key, kn, "abs_path"))
                f->abs_path = nonempty(FSTR(v));
            break;
        case 'c':
            if (KEY_IS(key, kn, "context_line"))
                f->context_line = FSTR(v);
            else if (KEY_IS(key, kn, "colno") && json_is_integer(v)) {
                f->colno = json_integer_value(v);
                f->has_colno = true;
            }
            break;
        case 'd':
            if (KEY_IS(key, kn, "data") && json_is_object(v)) {
                const json_t *sm = json_object_get(v, "sourcemap");
                f->has_sourcemap = sm && !json_is_null(sm);
                /* a category from earlier processing stays unless a rule sets another */
                f->category = get_nstr(v, "category");
            }
            break;
        case 'f':
            if (KEY_IS(key, kn, "function"))
                f->function = FSTR(v);
            else if (KEY_IS(key, kn, "filename"))
                f->filename = nonempty(FSTR(v));
            break;
        case 'i':
            if (KEY_IS(key, kn, "in_app"))
                f->in_app = json_is_boolean(v) ? (json_is_true(v) ? 1 : 0) : -1;
            else if (KEY_IS(key, kn, "instruction_addr"))
                f->instruction_addr = STR(v);
            break;
        case 'l':
            if (KEY_IS(key, kn, "lineno") && json_is_integer(v)) {
                f->lineno = json_integer_value(v);
                f->has_lineno = true;
            }
            break;
        case 'm':
            if (KEY_IS(key, kn, "module"))
                f->module = FSTR(v);
            break;
        case 'p':
            if (KEY_IS(key, kn, "package"))
                f->package = FSTR(v);
            else if (KEY_IS(key, kn, "platform"))
                f->platform = valid_platform(nonempty(STR(v)));
            break;
        case 'r':
            if (KEY_IS(key, kn, "raw_function"))
                f->raw_function = STR(v);
            break;
        }
    }
    f->client_in_app = f->in_app;
    if (f->platform) {
        f->family = (unsigned char)event_platform_family(f->platform);
        f->pflags = (unsigned char)event_platform_flags(f->platform);
    } else {
        f->family = e->family;
        f->pflags = e->pflags;
    }
    /* Relay: abs_path defaults to filename; filename defaults to abs_path (its URL path). */
    if (!f->abs_path) {
        f->abs_path = f->filename;
        f->filename = NULL;
    }
    if (!f->filename && f->abs_path) {
        f->filename = f->abs_path;
        if (is_url_path(f->abs_path)) {
            const char *p;
            size_t n;
            url_path(f->abs_path, &p, &n);
            if (n > 0 && !(n == 1 && p[0] == '/')) {
                const char *copy = event_strndup(e, p, n);
                if (copy)
                    f->filename = copy;
            }
        }
    }
}

/* Count the frames a stacktrace object would contribute (non-null objects), capped. */
static size_t count_frames(const json_t *st, bool exact)
{
    const json_t *frames = json_is_object(st) ? json_object_get(st, "frames") : NULL;
    if (!json_is_array(frames))
        return 0;
    size_t n = 0, sz = json_array_size(frames);
    if (!exact) /* an upper bound: the array's length */
        return sz > EVENT_MAX_FRAMES ? EVENT_MAX_FRAMES : sz;
    for (size_t i = 0; i < sz; i++)
        if (json_is_object(json_array_get(frames, i)))
            n++;
    return n > EVENT_MAX_FRAMES ? EVENT_MAX_FRAMES : n;
}

/* Frames to allocate for the stack traces of the event: the kept frames of each, capped at
 * EVENT_MAX_TOTAL_FRAMES in all. When the arrays' lengths stay under that cap, their sum is
 * used (a few slots too many if some entries are not objects; no stack trace is cut either way)
 * instead of looking at every entry. */
static size_t count_event_frames(const json_t *top_st, const json_t *exc_values, size_t exc_first,
                                 const json_t *thr_values, bool exact)
{
    size_t frames = count_frames(top_st, exact), n_thr = 0;
    size_t exc_size = exc_values ? json_array_size(exc_values) : 0;
    for (size_t i = exc_first; i < exc_size; i++) {
        const json_t *x = json_array_get(exc_values, i);
        if (json_is_object(x))
            frames += count_frames(json_object_get(x, "stacktrace"), exact);
    }
    size_t thr_size = thr_values ? json_array_size(thr_values) : 0;
    for (size_t i = 0; i < thr_size && n_thr < EVENT_MAX_THREADS; i++) {
        const json_t *t = json_array_get(thr_values, i);
        if (json_is_object(t)) {
            n_thr++;
            frames += count_frames(json_object_get(t, "stacktrace"), exact);
        }
    }
    return frames;
}

/* Parsed events are scattered over the heap, and reading a frame's members through jansson's
 * iterator waits on one cache miss after another. The members of a parsed frame were allocated
 * one after the other, right after the frame object: ask for the 2 KiB that follow it, two
 * frames ahead of the one being read (a hint only: prefetching never faults, whatever the
 * allocator did; measured +10-20% events/s on the bench's 1,000-event sets). */
static void prefetch_region(const void *p)
{
    const char *c = p;
    for (int k = 0; k < 2048; k += 256) {
        __builtin_prefetch(c + k);
        __builtin_prefetch(c + k + 64);
        __builtin_prefetch(c + k + 128);
        __builtin_prefetch(c + k + 192);
    }
}

/* Fill st from a stacktrace object. Returns true when it has a "frames" array (maybe empty). */
static bool parse_stacktrace(struct event *e, const json_t *st, struct ev_stacktrace *out)
{
    memset(out, 0, sizeof *out);
    const json_t *frames = json_is_object(st) ? json_object_get(st, "frames") : NULL;
    if (!json_is_array(frames))
        return false;
    size_t sz = json_array_size(frames), room = e->frames_cap - e->frames_used;
    size_t total = sz, keep = sz; /* usually every entry fits (non-objects are skipped below) */
    if (sz > EVENT_MAX_FRAMES || sz > room) {
        /* too many: count the frames and keep the newest that fit */
        total = 0;
        for (size_t i = 0; i < sz; i++)
            if (json_is_object(json_array_get(frames, i)))
                total++;
        keep = total > EVENT_MAX_FRAMES ? EVENT_MAX_FRAMES : total;
        if (keep > room)
            keep = room;
    }
    size_t skip = total - keep, seen = 0;
    out->frames = e->frame_pool + e->frames_used;
    for (size_t i = 0; i < 2 && i < sz; i++)
        prefetch_region(json_array_get(frames, i));
    for (size_t i = 0; i < sz && out->n < keep; i++) {
        if (i + 2 < sz)
            prefetch_region(json_array_get(frames, i + 2));
        const json_t *fj = json_array_get(frames, i);
        if (!json_is_object(fj) || seen++ < skip)
            continue;
        parse_frame(e, fj, &out->frames[out->n++]);
    }
    if (!out->n)
        out->frames = NULL; /* present but empty: "ignored because it contains no frames" */
    out->n_original = skip + out->n;
    e->frames_used += out->n;
    return true;
}

/* Lenient string (Relay's JsonLenientString): numbers and booleans become text. */
static const char *lenient_str(struct event *e, const json_t *v)
{
    char tmp[64];
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v))
        snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(tmp, sizeof tmp, "%.17g", json_real_value(v));
    else if (json_is_boolean(v))
        snprintf(tmp, sizeof tmp, "%s", json_is_true(v) ? "true" : "false");
    else
        return NULL;
    return event_strndup(e, tmp, strlen(tmp));
}

static bool word_byte(unsigned char c)
{
    return isalnum(c) || c == '_' || c >= 0x80;
}

/* Members of an object found in one pass over its keys (an object has few keys, and a hash
 * lookup per member costs more than the whole pass); out[i] is NULL when names[i] is absent. */
struct name {
    const char *s;
    size_t n;
};
#define NAME(s) {s, sizeof(s) - 1}

static void members(const json_t *o, const struct name *names, int n, const json_t **out)
{
    memset(out, 0, (size_t)n * sizeof *out);
    for (void *it = json_object_iter((json_t *)o); it; it = json_object_iter_next((json_t *)o, it)) {
        const char *key = json_object_iter_key(it);
        size_t kn = json_object_iter_key_len(it);
        for (int i = 0; i < n; i++)
            if (names[i].n == kn && key[0] == names[i].s[0] && !memcmp(key, names[i].s, kn)) {
                out[i] = json_object_iter_value(it);
                break;
            }
    }
}

enum { X_TYPE, X_VALUE, X_MODULE, X_MECHANISM, X_STACKTRACE, X_COUNT };
static const struct name exc_names[X_COUNT] = {
    NAME("type"), NAME("value"), NAME("module"), NAME("mechanism"), NAME("stacktrace"),
};
enum { M_SYNTHETIC, M_GROUP, M_TYPE, M_SOURCE, M_ID, M_PARENT, M_META, M_COUNT };
static const struct name mech_names[M_COUNT] = {
    NAME("synthetic"), NAME("is_exception_group"), NAME("type"), NAME("source"),
    NAME("exception_id"), NAME("parent_id"), NAME("meta"),
};

static void parse_exception(struct event *e, const json_t *j, struct ev_exception *x)
{
    memset(x, 0, sizeof *x);
    x->json = j;
    const json_t *xm[X_COUNT];
    members(j, exc_names, X_COUNT, xm);
    x->type = nonempty(STR(xm[X_TYPE]));
    x->value = lenient_str(e, xm[X_VALUE]);
    x->module = STR(xm[X_MODULE]);
    /* Relay: an exception without type whose value reads "Word: rest" is split. */
    if (!x->type && x->value) {
        const char *p = x->value;
        while (word_byte((unsigned char)*p))
            p++;
        if (p > x->value && *p == ':' && !strchr(p, '\n')) {
            const char *t = event_strndup(e, x->value, (size_t)(p - x->value));
            const char *rest = p + 1;
            while (isspace((unsigned char)*rest))
                rest++;
            size_t n = strlen(rest);
            while (n > 0 && isspace((unsigned char)rest[n - 1]))
                n--;
            const char *val = event_strndup(e, rest, n);
            if (t && val) {
                x->type = t;
                x->value = val;
            }
        }
    }
    const json_t *m = xm[X_MECHANISM];
    if (json_is_object(m)) {
        struct ev_mechanism *mm = &x->mech;
        const json_t *mv[M_COUNT];
        members(m, mech_names, M_COUNT, mv);
        mm->present = true;
        mm->synthetic = json_is_true(mv[M_SYNTHETIC]);
        mm->is_exception_group = json_is_true(mv[M_GROUP]);
        mm->type = STR(mv[M_TYPE]);
        mm->source = STR(mv[M_SOURCE]);
        const json_t *v = mv[M_ID];
        if (json_is_integer(v)) {
            mm->has_exception_id = true;
            mm->exception_id = json_integer_value(v);
        }
        v = mv[M_PARENT];
        if (json_is_integer(v)) {
            mm->has_parent_id = true;
            mm->parent_id = json_integer_value(v);
        }
        const json_t *meta = mv[M_META];
        const json_t *ns = json_is_object(meta) ? json_object_get(meta, "ns_error") : NULL;
        if (json_is_object(ns)) {
            mm->has_ns_error = true;
            mm->ns_domain = json_object_get(ns, "domain");
            mm->ns_code = json_object_get(ns, "code");
        }
    }
    x->has_stacktrace = parse_stacktrace(e, xm[X_STACKTRACE], &x->st);
}

static void parse_fingerprint(struct event *e, const json_t *fp)
{
    if (!json_is_array(fp))
        return;
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(fp) && n < EVENT_MAX_FINGERPRINT; i++) {
        const json_t *v = json_array_get(fp, i);
        if (json_is_null(v))
            continue;
        const char *s = (json_is_string(v) || json_is_number(v)) ? lenient_str(e, v) : NULL;
        if (!s)
            return; /* an invalid entry invalidates the fingerprint */
        e->fingerprint[n++] = s;
    }
    e->n_fingerprint = n;
    e->has_fingerprint = n > 0;
}

/* The top-level members event_parse reads; found in one pass over the event's keys (an event has
 * few keys, and a hash lookup per member cost more than the whole pass). */
enum {
    T_PLATFORM, T_SDK, T_LEVEL, T_LOGGER, T_TRANSACTION, T_RELEASE, T_CHECKSUM, T_CULPRIT, T_TITLE,
    T_CSP, T_HPKP, T_EXPECTCT, T_EXPECTSTAPLE, T_TEMPLATE,
    T_CSP_I, T_HPKP_I, T_EXPECTCT_I, T_EXPECTSTAPLE_I, T_TEMPLATE_I, /* sentry.interfaces.* aliases */
    T_TAGS, T_LOGENTRY, T_MESSAGE_I, T_MESSAGE, T_EXCEPTION, T_EXCEPTION_I, T_THREADS,
    T_STACKTRACE, T_STACKTRACE_I, T_FINGERPRINT, T_COUNT
};
static const struct name top_names[T_COUNT] = {
    NAME("platform"), NAME("sdk"), NAME("level"), NAME("logger"), NAME("transaction"),
    NAME("release"), NAME("checksum"), NAME("culprit"), NAME("title"),
    NAME("csp"), NAME("hpkp"), NAME("expectct"), NAME("expectstaple"), NAME("template"),
    NAME("sentry.interfaces.Csp"), NAME("sentry.interfaces.Hpkp"), NAME("sentry.interfaces.ExpectCT"),
    NAME("sentry.interfaces.ExpectStaple"), NAME("sentry.interfaces.Template"),
    NAME("tags"), NAME("logentry"), NAME("sentry.interfaces.Message"), NAME("message"),
    NAME("exception"), NAME("sentry.interfaces.Exception"), NAME("threads"), NAME("stacktrace"),
    NAME("sentry.interfaces.Stacktrace"), NAME("fingerprint"),
};

int event_parse(const json_t *ev, struct event *out, char *err)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(ev)) {
        errmsg_set(err, "event is not a JSON object");
        return -1;
    }
    struct event *e = out;
    e->json = ev;
    const json_t *top[T_COUNT];
    members(ev, top_names, T_COUNT, top);
    e->platform = valid_platform(nonempty(STR(top[T_PLATFORM])));
    if (!e->platform)
        e->platform = "other";
    e->family = (unsigned char)event_platform_family(e->platform);
    e->pflags = (unsigned char)event_platform_flags(e->platform);
    const json_t *sdk = top[T_SDK];
    if (json_is_object(sdk)) {
        e->sdk_name = get_str(sdk, "name");
        e->sdk_version = get_str(sdk, "version");
    }
    e->level = nonempty(STR(top[T_LEVEL]));
    e->logger = nonempty(STR(top[T_LOGGER]));
    e->transaction = nonempty(STR(top[T_TRANSACTION]));
    e->release = nonempty(STR(top[T_RELEASE]));
    e->checksum = nonempty(STR(top[T_CHECKSUM]));
    e->culprit = nonempty(STR(top[T_CULPRIT]));
    e->title = nonempty(STR(top[T_TITLE]));
    const json_t **slot[5] = {&e->csp, &e->hpkp, &e->expectct, &e->expectstaple, &e->template_};
    for (int i = 0; i < 5; i++) {
        const json_t *v = top[T_CSP + i];
        if (!json_is_object(v))
            v = top[T_CSP_I + i];
        *slot[i] = json_is_object(v) ? v : NULL;
    }
    const json_t *tags = top[T_TAGS];
    if (json_is_object(tags) || json_is_array(tags))
        e->tags = tags;

    /* logentry, or the legacy "message" (a string or a logentry-shaped object) */
    const json_t *le = top[T_LOGENTRY];
    if (!json_is_object(le))
        le = top[T_MESSAGE_I];
    const json_t *msg = top[T_MESSAGE];
    if (!json_is_object(le) && json_is_object(msg))
        le = msg;
    if (json_is_object(le)) {
        e->log_message = get_nstr(le, "message");
        e->log_formatted = get_nstr(le, "formatted");
        if (e->log_message && e->log_formatted && !strcmp(e->log_message, e->log_formatted))
            e->log_message = NULL;
        if (!e->log_formatted) {
            e->log_formatted = e->log_message;
            const json_t *params = json_object_get(le, "params");
            if (!(json_is_array(params) && json_array_size(params)) &&
                !(json_is_object(params) && json_object_size(params)))
                e->log_message = NULL;
        }
    } else if (json_is_string(msg) && *json_string_value(msg)) {
        e->log_formatted = json_string_value(msg);
    }

    /* Count frames first so they come from one allocation. */
    const json_t *exc = top[T_EXCEPTION];
    if (!exc)
        exc = top[T_EXCEPTION_I];
    const json_t *exc_values = values_of(exc);
    const json_t *thr_values = values_of(top[T_THREADS]);
    const json_t *top_st = top[T_STACKTRACE];
    if (!top_st)
        top_st = top[T_STACKTRACE_I];

    size_t n_exc = 0, n_thr = 0, frames;
    size_t exc_size = exc_values ? json_array_size(exc_values) : 0;
    size_t exc_first = 0;
    for (size_t i = 0; i < exc_size; i++)
        if (json_is_object(json_array_get(exc_values, i)))
            n_exc++;
    if (n_exc > EVENT_MAX_EXCEPTIONS) {
        /* keep the newest exceptions: find where the last EVENT_MAX_EXCEPTIONS start */
        size_t skip = n_exc - EVENT_MAX_EXCEPTIONS, seen = 0;
        for (exc_first = 0; exc_first < exc_size && seen < skip; exc_first++)
            if (json_is_object(json_array_get(exc_values, exc_first)))
                seen++;
        n_exc = EVENT_MAX_EXCEPTIONS;
    }
    size_t thr_size = thr_values ? json_array_size(thr_values) : 0;
    for (size_t i = 0; i < thr_size && n_thr < EVENT_MAX_THREADS; i++)
        if (json_is_object(json_array_get(thr_values, i)))
            n_thr++;
    frames = count_event_frames(top_st, exc_values, exc_first, thr_values, false);
    if (frames > EVENT_MAX_TOTAL_FRAMES)
        frames = count_event_frames(top_st, exc_values, exc_first, thr_values, true);
    if (frames > EVENT_MAX_TOTAL_FRAMES)
        frames = EVENT_MAX_TOTAL_FRAMES;

    size_t bytes = n_exc * sizeof(struct ev_exception) + n_thr * sizeof(struct ev_thread) +
                   frames * sizeof(struct ev_frame);
    char *block = bytes ? malloc(bytes) : NULL;
    if (bytes && !block) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    e->exceptions = (struct ev_exception *)block;
    e->threads = (struct ev_thread *)(block ? block + n_exc * sizeof(struct ev_exception) : NULL);
    e->frame_pool = (struct ev_frame *)(block ? block + n_exc * sizeof(struct ev_exception) +
                                                    n_thr * sizeof(struct ev_thread)
                                              : NULL);
    e->frames_cap = frames;

    if (exc && (json_is_object(exc) || json_is_array(exc)))
        e->has_exception = n_exc > 0;
    for (size_t i = exc_first; i < exc_size; i++) {
        const json_t *x = json_array_get(exc_values, i);
        if (json_is_object(x))
            parse_exception(e, x, &e->exceptions[e->n_exceptions++]);
    }
    e->has_stacktrace = parse_stacktrace(e, top_st, &e->st);
    /* Relay moves a top-level stacktrace into a single exception that has none. */
    if (e->n_exceptions == 1 && !e->exceptions[0].has_stacktrace && e->has_stacktrace) {
        e->exceptions[0].st = e->st;
        e->exceptions[0].has_stacktrace = true;
        memset(&e->st, 0, sizeof e->st);
        e->has_stacktrace = false;
    }
    e->has_threads = thr_values != NULL && n_thr > 0;
    for (size_t i = 0; i < thr_size && e->n_threads < n_thr; i++) {
        const json_t *t = json_array_get(thr_values, i);
        if (!json_is_object(t))
            continue;
        struct ev_thread *th = &e->threads[e->n_threads++];
        memset(th, 0, sizeof *th);
        th->crashed = get_bool(t, "crashed");
        th->current = get_bool(t, "current");
        th->name = get_str(t, "name");
        th->has_stacktrace = parse_stacktrace(e, json_object_get(t, "stacktrace"), &th->st);
    }
    parse_fingerprint(e, top[T_FINGERPRINT]);
    return 0;
}

void event_free(struct event *e)
{
    free(e->exceptions); /* the block also holds threads and frames */
    struct ev_chunk *c = e->chunks;
    while (c) {
        struct ev_chunk *next = c->next;
        free(c);
        c = next;
    }
    memset(e, 0, sizeof *e);
}

void event_each_stacktrace(struct event *e, event_stacktrace_cb cb, void *ctx)
{
    for (size_t i = 0; i < e->n_exceptions; i++)
        if (e->exceptions[i].has_stacktrace)
            cb(e, &e->exceptions[i].st, &e->exceptions[i], ctx);
    for (size_t i = 0; i < e->n_threads; i++)
        if (e->threads[i].has_stacktrace)
            cb(e, &e->threads[i].st, NULL, ctx);
    if (e->has_stacktrace)
        cb(e, &e->st, NULL, ctx);
}

const struct ev_frame *event_crash_frame(const struct event *e)
{
    const struct ev_stacktrace *st = NULL;
    if (e->n_exceptions && e->exceptions[e->n_exceptions - 1].has_stacktrace)
        st = &e->exceptions[e->n_exceptions - 1].st;
    else if (e->has_stacktrace)
        st = &e->st;
    else if (e->n_threads == 1 && e->threads[0].has_stacktrace)
        st = &e->threads[0].st;
    if (!st || st->n == 0)
        return NULL;
    for (size_t i = st->n; i-- > 0;)
        if (st->frames[i].in_app == 1)
            return &st->frames[i];
    return &st->frames[st->n - 1];
}

const char *event_tag(const struct event *e, const char *key)
{
    if (json_is_object(e->tags)) {
        const json_t *v = json_object_get(e->tags, key);
        return json_is_string(v) ? json_string_value(v) : NULL;
    }
    if (json_is_array(e->tags)) {
        for (size_t i = 0; i < json_array_size(e->tags); i++) {
            const json_t *p = json_array_get(e->tags, i);
            if (json_is_array(p) && json_array_size(p) == 2) {
                const json_t *k = json_array_get(p, 0), *v = json_array_get(p, 1);
                if (json_is_string(k) && json_is_string(v) && !strcmp(json_string_value(k), key))
                    return json_string_value(v);
            }
        }
    }
    return NULL;
}
