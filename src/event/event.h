/* Event model: a Sentry event (jansson) read into plain structs for the grouping pipeline.
 *
 * Strings are borrowed from the json_t the event was parsed from: keep that json alive while the
 * struct event is used. Parsing never fails on odd shapes: a field of the wrong type reads as
 * missing, as Relay would drop it. Sizes are bounded so hostile events cost bounded memory and time:
 * at most EVENT_MAX_FRAMES frames per stack trace (the newest are kept, like Relay's hard limit),
 * EVENT_MAX_EXCEPTIONS exceptions (the newest), EVENT_MAX_THREADS threads and EVENT_MAX_TOTAL_FRAMES
 * frames in all.
 *
 * Before parsing, the same light normalisation Relay applies is done on the copy in the structs:
 * frame abs_path/filename completion (URL paths), "Type: value" splitting of exceptions without a
 * type, logentry defaults, and platform validation. */
#ifndef FAULTLINE_EVENT_H
#define FAULTLINE_EVENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define EVENT_MAX_FRAMES        250
#define EVENT_MAX_EXCEPTIONS    128
#define EVENT_MAX_THREADS       512
#define EVENT_MAX_TOTAL_FRAMES  16384
#define EVENT_MAX_FINGERPRINT   64

struct ev_frame {
    const char *function;       /* may be replaced by a trimmed name during normalisation */
    const char *raw_function;
    const char *module;
    const char *filename;
    const char *abs_path;
    const char *package;
    const char *context_line;
    const char *platform;       /* frame platform, NULL = the event's */
    const char *instruction_addr;
    const char *category;       /* set by stack trace rules */
    long long   lineno, colno;
    bool        has_lineno, has_colno;
    bool        has_sourcemap;  /* data.sourcemap present */
    signed char in_app;         /* -1 unset, 0, 1 */
    signed char client_in_app;  /* in_app as sent by the SDK */
    unsigned char app_rule;     /* 1 when a stack trace rule changed in_app */
    const char *app_rule_text;  /* that rule's matcher description */
    unsigned char family;       /* EVENT_FAMILY_* of the frame's platform */
    unsigned char pflags;       /* EVENT_P_* of the frame's platform */
};

/* Platform traits precomputed per frame (grouping branches on them for every frame). */
enum {
    EVENT_P_JAVA = 1,           /* "java" */
    EVENT_P_JAVASCRIPT = 2,     /* exactly "javascript" */
    EVENT_P_CSHARP = 4,
    EVENT_P_RUBY = 8,
    EVENT_P_PHP = 16,
    EVENT_P_CONTEXT_LINES = 32, /* javascript, node, python, php, ruby: context lines are hashed */
};
unsigned event_platform_flags(const char *platform);

struct ev_stacktrace {
    struct ev_frame *frames;    /* oldest first */
    size_t n;                   /* kept frames */
    size_t n_original;          /* frames in the payload */
    void *prep;                 /* grouping's per-stack cache (owned by its arena), NULL */
};

struct ev_mechanism {
    bool present;
    bool synthetic;
    bool is_exception_group;
    bool has_exception_id, has_parent_id;
    long long exception_id, parent_id;
    const char *type;
    const char *source;
    bool has_ns_error;
    const json_t *ns_domain, *ns_code;
};

struct ev_exception {
    const char *type;
    const char *value;
    const char *module;
    struct ev_mechanism mech;
    bool has_stacktrace;
    struct ev_stacktrace st;
    const json_t *json;
};

struct ev_thread {
    bool crashed, current;
    bool has_stacktrace;
    struct ev_stacktrace st;
    const char *name;
};

struct event {
    const char *platform;       /* validated, "other" when missing or unknown */
    unsigned char family;       /* EVENT_FAMILY_* of platform */
    unsigned char pflags;       /* EVENT_P_* of platform */
    const char *sdk_name, *sdk_version;
    const char *level, *logger, *transaction, *release, *checksum, *culprit, *title;
    const char *log_message;    /* logentry.message (template) */
    const char *log_formatted;  /* logentry.formatted, or the plain "message" string */
    const json_t *tags;         /* object or array of pairs, or NULL */
    /* security reports and templates (objects, or NULL) */
    const json_t *csp, *hpkp, *expectct, *expectstaple, *template_;
    const json_t *json;

    struct ev_exception *exceptions;  /* oldest to newest */
    size_t n_exceptions;
    bool has_exception;         /* "exception" interface present (even with no values) */

    struct ev_thread *threads;
    size_t n_threads;
    bool has_threads;

    bool has_stacktrace;        /* top-level stacktrace */
    struct ev_stacktrace st;

    const char *fingerprint[EVENT_MAX_FINGERPRINT];
    size_t n_fingerprint;
    bool has_fingerprint;

    struct ev_frame *frame_pool;  /* one allocation for every frame */
    size_t frames_used, frames_cap;
    struct ev_chunk *chunks;      /* owned strings derived during parsing */
};

/* Copy n bytes into storage owned by the event (freed by event_free); NULL on OOM. */
char *event_strndup(struct event *e, const char *s, size_t n);

/* Parse; returns 0, or -1 with err filled when ev is not an object or memory runs out. */
int  event_parse(const json_t *ev, struct event *out, char *err);
void event_free(struct event *e);

/* Behaviour family of a platform as Sentry uses it: "native", "javascript" or "other". */
enum { EVENT_FAMILY_OTHER = 0, EVENT_FAMILY_NATIVE = 1, EVENT_FAMILY_JAVASCRIPT = 2 };
int event_platform_family(const char *platform);
const char *event_family_name(int family);

/* The platform of a frame (its own or the event's). */
const char *event_frame_platform(const struct event *e, const struct ev_frame *f);

/* Every stack trace of the event (exceptions, threads, top level), for rule application. */
typedef void (*event_stacktrace_cb)(struct event *e, struct ev_stacktrace *st,
                                    const struct ev_exception *exc, void *ctx);
void event_each_stacktrace(struct event *e, event_stacktrace_cb cb, void *ctx);

/* Sentry's crash frame: the newest in-app frame of the newest exception (or top-level / single
 * thread stack), else the newest frame. NULL if none. */
const struct ev_frame *event_crash_frame(const struct event *e);

/* "tags" lookup in either shape; NULL if absent. */
const char *event_tag(const struct event *e, const char *key);

#endif
