/* Private to src/grouping/: shared declarations between the module's files. Not a public header:
 * nothing outside src/grouping/ includes it (the public interface is grouping.h). */
#ifndef FAULTLINE_GROUPING_INTERNAL_H
#define FAULTLINE_GROUPING_INTERNAL_H

#include "event/event.h"
#include "util/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- arena: every allocation of one grouping run, freed at once ---- */
struct garena {
    struct garena_chunk *head;
    char *cur, *end;            /* free space of the current chunk */
    /* the first chunk lives inside the arena itself, sized for a typical event (30 frames) */
    _Alignas(16) char first[24576];
};
void  garena_init(struct garena *a);
void *garena_alloc(struct garena *a, size_t n);          /* zeroed; NULL on OOM */
void *garena_alloc_more(struct garena *a, size_t n);     /* garena_alloc_raw past the first block */
/* Not zeroed: the caller fills it. Inline for the common case (room in the current chunk). */
static inline void *garena_alloc_raw(struct garena *a, size_t n)
{
    n = n ? (n + 15) & ~(size_t)15 : 16;
    if ((size_t)(a->end - a->cur) >= n) {
        void *p = a->cur;
        a->cur += n;
        return p;
    }
    return garena_alloc_more(a, n);
}
char *garena_strndup(struct garena *a, const char *s, size_t n);
char *garena_strdup(struct garena *a, const char *s);
char *garena_printf(struct garena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void  garena_free(struct garena *a);

/* ---- per-thread memo of pure string functions ----
 * Results of functions of one string (native name trimming, ...) are kept per thread, keyed by
 * the string's bytes: frames repeat across events. A table of GMEMO_SLOTS entries per kind,
 * direct-mapped, an entry replaced when another key takes its slot; freed when the thread
 * exits. Values found are copied out by the caller (a later put may free them). */
enum { GMEMO_TRIM, GMEMO_CONTEXT, GMEMO_KINDS };
#define GMEMO_MAX_KEY 512        /* longer keys are not kept */
uint64_t gmemo_hash(const char *s, size_t n);
/* The value kept for key s[0..n) (hash h) and its number aux, or NULL. */
const char *gmemo_get(int kind, const char *s, size_t n, uint64_t h, size_t *vlen, size_t *aux);
void gmemo_put(int kind, const char *s, size_t n, uint64_t h, const char *v, size_t vlen, size_t aux);

/* ---- glob (Sentry's glob_match semantics) ---- */
enum { GGLOB_DOUBLESTAR = 1, GGLOB_ICASE = 2, GGLOB_PATH = 4 };
/* Full match of value against pattern. DOUBLESTAR: '*' stops at '/', '**' crosses it.
 * ICASE: ASCII case-insensitive. PATH: '\\' in the value counts as '/'. */
bool gglob_match(const char *pattern, const char *value, int flags);
/* Position after the ']' closing the character class whose '[' is just before p, or NULL when the
 * class is malformed (gglob_match then takes the '[' literally). */
const char *gglob_class_end(const char *p);
/* Path-like match: lowercased, DOUBLESTAR|PATH, also tried with a leading "/". */
bool gglob_path_match(const char *pattern_lower, const char *value);
/* Same for a value already lowercased with '\\' turned into '/'. */
bool gglob_path_match_low(const char *pattern_lower, const char *lowered);

/* ---- message parameterisation (Sentry's pattern list) ---- */
/* Trim to the first two non-empty lines (adding "..." when trimmed) and replace variable parts
 * with <email>, <url>, <int>, ... Returns 0, or -1 on OOM / regex failure. */
int gparam_normalize(const char *msg, struct buf *out);
/* Same, parameterisation only (no line trimming). */
int gparam_parameterize(const char *msg, size_t len, struct buf *out);

/* Byte length of the whitespace character at p (Python's str.isspace), 0 if none. */
size_t gparam_space_len(const char *p);

/* ---- function names ---- */
/* Sentry's trim_function_name: native signatures, C# argument lists; else unchanged.
 * Returns func itself or an arena copy. */
const char *gfunc_trim(struct garena *a, const char *func, const char *platform);
/* Same, with the platform's family and whether it is "csharp" known. */
const char *gfunc_trim_as(struct garena *a, const char *func, int family, bool csharp);
/* A native function name that says nothing ("<redacted>", "<unknown>"): never trimmed, and
 * ignored for grouping. */
static inline bool gfunc_native_unknown(const char *name)
{
    return name[0] == '<' && (!strcmp(name, "<redacted>") || !strcmp(name, "<unknown>"));
}

/* ---- stack trace rules (enhancements) ---- */
struct genh;
struct erule;
int  genh_parse(const char *text, struct genh **out, char *err);
void genh_free(struct genh *r);
const struct genh *genh_builtin(void);      /* Sentry-compatible defaults, parsed once */
/* Per-stack-trace state produced by the contributes pass. */
struct genh_stack_state {
    int max_frames;              /* 0 = unlimited */
    const char *max_frames_rule; /* description of the rule that set it */
    int min_frames;
    const char *min_frames_rule;
};
/* Classifier pass: in_app (+app/-app) and category= over the frames of one stack trace, for the
 * rule sets in order (built-in first, then project). */
void genh_classify(const struct genh *const *sets, int n_sets, struct event *e,
                   struct ev_stacktrace *st, const struct ev_exception *exc, struct garena *a);
/* Contributes pass (+group/-group, max-frames, min-frames): the matching rules and frames are
 * found once per stack trace, then applied per variant to contributes[] and hints[] (in/out). */
struct genh_match {
    const struct erule *rule;
    size_t idx;
};
struct genh_matches {
    struct genh_match *m;
    size_t n;
};
int  genh_contrib_matches(const struct genh *const *sets, int n_sets, const struct event *e,
                          const struct ev_stacktrace *st, const struct ev_exception *exc,
                          struct genh_matches *out, struct garena *a);
void genh_contribute(const struct genh_matches *mt, size_t n_frames, bool *contributes,
                     const char **hints, struct genh_stack_state *state, struct garena *a);

/* ---- fingerprint rules ---- */
struct gfprules;
int  gfp_parse(const char *text, struct gfprules **out, char *err);
void gfp_free(struct gfprules *r);
const struct gfprules *gfp_builtin(void);
struct gfp_match {
    const char *rule_text;       /* arena copy of the matching rule's text */
    bool is_builtin;
    const char *fingerprint[EVENT_MAX_FINGERPRINT];
    size_t n;
    const char *title;           /* title= attribute or NULL */
};
/* First matching rule of rules (custom) then built-in; returns true when one matched. */
bool gfp_apply(const struct gfprules *custom, const struct event *e, struct gfp_match *m,
               struct garena *a);

/* Resolve "{{ var }}" fingerprint entries against the event (Sentry's legacy handling: unknown
 * variables stay as written). Returns the entry itself, "{{ default }}" or a value. */
const char *gfp_resolve_var(const char *entry, const struct event *e, struct garena *a);
bool gfp_is_default_var(const char *entry);

/* JSON string escaping helper (shared by the info and CLI writers). */
void gjson_str(struct buf *b, const char *s);
void gjson_raw(struct buf *b, const char *s, size_t n);   /* append bytes (fast path) */

/* ---- grouping components (Sentry's component tree) ---- */
#define GCOMP_LEN_UNKNOWN UINT32_MAX
/* 64 bytes: frame trees are built and copied per frame and variant, so the size counts. */
struct gcomp {
    const char *id;              /* "frame", "module", "exception", ... */
    const char *hint;            /* why it (does not) contribute, or NULL */
    bool contributes;
    bool leafy;                  /* values are strings (else child components) */
    signed char in_app;          /* frames: 0/1; others -1 */
    int n;
    union {
        struct gcomp **kids;
        const char **leaves;
    } v;
    union {
        /* leafy (always one value): gcomp_leaf's value (v.leaves points here) and its byte
         * length, or GCOMP_LEN_UNKNOWN until gcomp_hash first measures it (always when the
         * value is NULL); set values with gcomp_set_value */
        struct {
            const char *leaf;
            uint32_t leaf_len;
        };
        /* not leafy: frame tallies of stacktrace/exception/chain components */
        struct {
            int fc_app_contrib, fc_app_non, fc_sys_contrib, fc_sys_non;
        };
    };
    /* where gcomp_json last wrote this component (frame children are shared by the app and
     * system trees, so their JSON is copied the second time instead of written again);
     * json_len 0: nowhere */
    const struct buf *json_buf;
    uint32_t json_off, json_len;
};
struct gcomp *gcomp_new(struct garena *a, const char *id);
struct gcomp *gcomp_leaf(struct garena *a, const char *id, const char *value);
/* Same, with value's length when known (else GCOMP_LEN_UNKNOWN). */
struct gcomp *gcomp_leaf_n(struct garena *a, const char *id, const char *value, size_t len);
/* In place initialisers of the above, for components allocated by the caller. */
static inline void gcomp_init(struct gcomp *c, const char *id)
{
    *c = (struct gcomp){.id = id, .in_app = -1};
}
/* Replace the value of a gcomp_leaf component (len as for gcomp_leaf_n). */
static inline void gcomp_set_value(struct gcomp *c, const char *value, size_t len)
{
    c->leaf = value;
    c->leaf_len = value && len < GCOMP_LEN_UNKNOWN ? (uint32_t)len : GCOMP_LEN_UNKNOWN;
}
static inline void gcomp_init_leaf(struct gcomp *c, const char *id, const char *value, size_t len)
{
    *c = (struct gcomp){.id = id, .in_app = -1, .leafy = true, .n = 1, .contributes = true};
    gcomp_set_value(c, value, len);
    c->v.leaves = &c->leaf;
}
/* In place: a component whose children are kids[0..n) (the array itself, not a copy); it
 * contributes when one of them does as they are now (Sentry derives it at creation). */
static inline void gcomp_init_kids(struct gcomp *c, const char *id, struct gcomp **kids, int n)
{
    gcomp_init(c, id);
    c->v.kids = n > 0 ? kids : NULL;
    c->n = n;
    for (int i = 0; i < n; i++)
        if (kids[i] && kids[i]->contributes) {
            c->contributes = true;
            break;
        }
}
/* values: kids are copied; contributes = any kid contributes (Sentry derives it at creation). */
struct gcomp *gcomp_kids(struct garena *a, const char *id, struct gcomp *const *kids, int n);
/* Same, taking over kids (an arena array that the caller no longer changes) instead of a copy. */
struct gcomp *gcomp_adopt(struct garena *a, const char *id, struct gcomp **kids, int n);
static inline void gcomp_set(struct gcomp *c, bool contributes, const char *hint)
{
    c->contributes = contributes;
    if (hint) /* NULL keeps the old hint */
        c->hint = hint;
}
/* Append the component tree as grouping-info JSON. Records in each component where its JSON
 * went in b, so a component reached twice (shared subtrees) is copied; the tree must not
 * change between calls with the same b. */
void gcomp_json(struct buf *b, struct gcomp *c);
/* Hash of the contributing leaf values (MD5, no separators); false when it does not contribute. */
bool gcomp_hash(const struct gcomp *c, char out[33]);
/* MD5 over a list of values, then optional component values in place of "{{ default }}". */
void gcomp_hash_values(const char *const *values, size_t n, const struct gcomp *dflt, char out[33]);
/* Sentry's description: longest path of contributing major component names. */
void gcomp_description(const struct gcomp *c, struct buf *out);
/* Structural key (ids, hints, flags, values) for de-duplicating exceptions. */
void gcomp_key(struct buf *b, const struct gcomp *c);
/* First contributing stacktrace below c (recursive, through contributing components only). */
bool gcomp_has_contributing_stacktrace(const struct gcomp *c);

/* ---- one grouping run ---- */
#define GRUN_MAX_VARIANTS 8
struct gvariant {
    const char *name;            /* app, system, default, custom_fingerprint, fallback, ... */
    const char *type;            /* component, salted-component, custom-fingerprint, ... */
    struct gcomp *comp;          /* component variants */
    bool contributes;
    bool has_hash;
    char hash[33];
    const char *const *values;   /* fingerprint values (custom / salted) */
    size_t n_values;
    const char *const *client_values;
    size_t n_client_values;
    const char *matched_rule;
};
struct grun {
    struct garena arena;         /* first: grun_run zeroes everything after it */
    struct event ev;
    const struct genh *sets[2];
    int n_sets;
    const struct gfprules *fprules;
    struct gvariant variants[GRUN_MAX_VARIANTS];
    int n_variants;
    const char *title_override;
    bool has_main_exception_id;
    long long main_exception_id;
    bool hashes_only;            /* no info JSON / canonical text: skip work that cannot change a hash */
    bool values_unread;          /* hashes_only and at most one exception (no exception-group
                                    de-duplication by component keys): the values of components
                                    that do not contribute are never read */
};
/* Parse, normalise and compute every variant. sets/fprules: project rules (may be NULL).
 * hashes_only: the caller reads only hashes, title and culprit (component values that do not
 * contribute may then be left unnormalised). Returns 0 or -1 (err filled). Always call grun_end. */
int  grun_run(struct grun *g, const json_t *event, const struct genh *project_rules,
              const struct gfprules *fprules, bool hashes_only, char *err);
void grun_end(struct grun *g);
/* Variant whose component tree feeds canonical texts: app when it has a hash, else system. */
const struct gvariant *grun_find(const struct grun *g, const char *name);

#endif
