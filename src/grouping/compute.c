/* Public interface of the grouping module (grouping.h): hashes, title, culprit and grouping info
 * of one event; rule validation; canonical stack trace texts for similarity grouping.
 *
 * Project rule texts arrive with every call; parsed rule sets are cached by content (a small
 * global table, parsed once per distinct text), so grouping_compute stays allocation-light. */
#include "grouping/grouping.h"
#include "grouping/internal.h"
#include "util/utf8.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define GROUPING_CONFIG_ID "newstyle:2023-01-11"

/* ---------------- rule cache ---------------- */

#define RCACHE_SIZE 64
struct rcache_ent {
    int kind;
    uint64_t hash;
    char *text;
    void *rules;        /* struct genh* / struct gfprules*, NULL when the text is invalid */
    char error[ERRMSG_SIZE];
};
static struct rcache_ent rcache[RCACHE_SIZE];
static int rcache_n;
static pthread_mutex_t rcache_mu = PTHREAD_MUTEX_INITIALIZER;

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static bool blank_text(const char *s)
{
    if (!s)
        return true;
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return false;
    return true;
}

static void free_rules(int kind, void *r)
{
    if (kind == GROUPING_RULES_ENHANCEMENTS)
        genh_free(r);
    else
        gfp_free(r);
}

/* Rules end up in grouping info JSON (matched rule texts, hints) and in the API: text that is not
 * UTF-8 (a rules file given to the command line; the API only takes JSON strings) is refused. */
static int check_utf8(const char *text, char *err)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + strlen(text);
    int line = 1;
    while (p < end) {
        int len = utf8_seq_len(p, end);
        if (len <= 0) {
            errmsg_set(err, "line %d: not valid UTF-8 (byte 0x%02x)", line, *p);
            return -1;
        }
        line += *p == '\n';
        p += len;
    }
    return 0;
}

static void *parse_rules(int kind, const char *text, char *err)
{
    void *r = NULL;
    if (check_utf8(text, err) < 0)
        return NULL;
    int rc = kind == GROUPING_RULES_ENHANCEMENTS ? genh_parse(text, (struct genh **)&r, err)
                                                 : gfp_parse(text, (struct gfprules **)&r, err);
    return rc < 0 ? NULL : r;
}

/* Parsed rules for text (NULL when none or invalid: invalid project rules are ignored, as Sentry
 * falls back to the defaults). *owned is set when the caller must free the result (cache full). */
static void *rules_for(int kind, const char *text, bool *owned)
{
    *owned = false;
    if (blank_text(text))
        return NULL;
    uint64_t h = fnv(text);
    pthread_mutex_lock(&rcache_mu);
    for (int i = 0; i < rcache_n; i++)
        if (rcache[i].kind == kind && rcache[i].hash == h && !strcmp(rcache[i].text, text)) {
            void *r = rcache[i].rules;
            pthread_mutex_unlock(&rcache_mu);
            return r;
        }
    char err[ERRMSG_SIZE];
    void *r = parse_rules(kind, text, err);
    if (rcache_n < RCACHE_SIZE) {
        char *copy = strdup(text);
        if (copy) {
            struct rcache_ent *e = &rcache[rcache_n++];
            e->kind = kind;
            e->hash = h;
            e->text = copy;
            e->rules = r;
            pthread_mutex_unlock(&rcache_mu);
            return r;
        }
    }
    pthread_mutex_unlock(&rcache_mu);
    *owned = r != NULL;
    return r;
}

struct cfg_rules {
    struct genh *enh;
    struct gfprules *fp;
    bool enh_owned, fp_owned;
};

static void cfg_rules_get(const struct grouping_config *cfg, struct cfg_rules *r)
{
    memset(r, 0, sizeof *r);
    if (!cfg)
        return;
    r->enh = rules_for(GROUPING_RULES_ENHANCEMENTS, cfg->enhancements, &r->enh_owned);
    r->fp = rules_for(GROUPING_RULES_FINGERPRINT, cfg->fingerprint_rules, &r->fp_owned);
}

static void cfg_rules_put(struct cfg_rules *r)
{
    if (r->enh_owned)
        genh_free(r->enh);
    if (r->fp_owned)
        gfp_free(r->fp);
}

int grouping_validate_rules(int kind, const char *text, char *err)
{
    if (kind != GROUPING_RULES_ENHANCEMENTS && kind != GROUPING_RULES_FINGERPRINT) {
        errmsg_set(err, "unknown rules kind %d", kind);
        return -1;
    }
    err[0] = '\0';
    void *r = parse_rules(kind, text ? text : "", err);
    if (!r)
        return -1;
    free_rules(kind, r);
    return 0;
}

/* ---------------- title, culprit ---------------- */

/* First line, at most 100 code points (97 + "..." when longer), like Sentry's truncatechars. */
static void first_line_trunc(struct buf *b, const char *s)
{
    size_t n = strcspn(s, "\n\r");
    if (n <= 100) { /* at most 100 bytes: at most 100 code points */
        buf_append(b, s, n);
        return;
    }
    size_t cps = 0, cut97 = n;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (cps == 97)
                cut97 = i;
            cps++;
        }
    if (cps > 100) {
        buf_append(b, s, cut97);
        buf_puts(b, "...");
    } else {
        buf_append(b, s, n);
    }
}

static const struct ev_exception *main_exception(const struct grun *g)
{
    const struct event *e = &g->ev;
    if (!e->n_exceptions)
        return NULL;
    if (g->has_main_exception_id)
        for (size_t i = 0; i < e->n_exceptions; i++)
            if (e->exceptions[i].mech.has_exception_id &&
                e->exceptions[i].mech.exception_id == g->main_exception_id)
                return &e->exceptions[i];
    return &e->exceptions[e->n_exceptions - 1];
}

static char *make_title(const struct grun *g)
{
    struct buf b = BUF_INIT;
    const struct event *e = &g->ev;
    const struct ev_exception *x = main_exception(g);
    if (g->title_override) {
        buf_puts(&b, g->title_override);
    } else if (e->title && !x && !e->log_formatted) {
        buf_puts(&b, e->title);
    } else if (x) {
        buf_puts(&b, x->type ? x->type : "Error");
        if (x->value && *x->value) {
            buf_puts(&b, ": ");
            first_line_trunc(&b, x->value);
        }
    } else if (e->log_formatted || e->log_message) {
        first_line_trunc(&b, e->log_formatted ? e->log_formatted : e->log_message);
    } else {
        buf_puts(&b, "<unlabeled event>");
    }
    buf_reserve(&b, 0);
    return buf_steal(&b);
}

static char *make_culprit(const struct grun *g)
{
    struct buf b = BUF_INIT;
    const struct event *e = &g->ev;
    if (e->culprit) {
        buf_puts(&b, e->culprit);
    } else {
        const struct ev_frame *f = event_crash_frame(e);
        const char *loc = f ? (f->module && *f->module ? f->module : f->filename) : NULL;
        if (f && loc && *loc) {
            const char *fn = f->function && *f->function ? f->function : "?";
            int fam = f->family;
            if (fam == EVENT_FAMILY_JAVASCRIPT) {
                buf_puts(&b, fn);
                buf_putc(&b, '(');
                buf_puts(&b, loc);
                buf_putc(&b, ')');
            } else {
                buf_puts(&b, loc);
                buf_puts(&b, " in ");
                buf_puts(&b, fn);
            }
        }
    }
    buf_reserve(&b, 0);
    return buf_steal(&b);
}

static const char *norm_level(const char *l)
{
    if (!l)
        return "error";
    static const char *const ok[] = {"fatal", "error", "warning", "info", "debug"};
    for (size_t i = 0; i < 5; i++)
        if (!strcasecmp(l, ok[i]))
            return ok[i];
    if (!strcasecmp(l, "warn"))
        return "warning";
    if (!strcasecmp(l, "critical"))
        return "fatal";
    if (!strcasecmp(l, "log"))
        return "info";
    return "error";
}

/* snprintf(dst, cap, "%s", s) without the formatting machinery. */
static void copy_trunc(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(s);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* ---------------- hashes and info ---------------- */

static void collect_hashes(const struct grun *g, struct grouping_result *out)
{
    for (int pass = 0; pass < 2; pass++) /* system last */
        for (int i = 0; i < g->n_variants; i++) {
            const struct gvariant *v = &g->variants[i];
            bool is_sys = !strcmp(v->name, "system");
            if ((pass == 0) == is_sys || !v->contributes || !v->has_hash)
                continue;
            bool dup = false;
            for (int k = 0; k < out->n_hashes; k++)
                dup |= !strcmp(out->hashes[k], v->hash);
            if (!dup && out->n_hashes < GROUPING_MAX_HASHES)
                memcpy(out->hashes[out->n_hashes++], v->hash, GROUPING_HASH_LEN + 1);
        }
}

static void json_str_list(struct buf *b, const char *const *v, size_t n)
{
    buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(b, ',');
        gjson_str(b, v[i]);
    }
    buf_putc(b, ']');
}

static void variant_json(struct buf *b, const struct gvariant *v)
{
    buf_puts(b, "{\"type\":");
    gjson_str(b, v->type);
    buf_puts(b, ",\"description\":");
    struct buf d = BUF_INIT;
    if (v->comp) {
        if (!strcmp(v->type, "salted-component"))
            buf_puts(&d, "modified ");
        gcomp_description(v->comp, &d);
    } else if (!strcmp(v->type, "custom-fingerprint")) {
        buf_puts(&d, "custom fingerprint");
    } else if (!strcmp(v->type, "built-in-fingerprint")) {
        buf_puts(&d, "Sentry defined fingerprint");
    } else if (!strcmp(v->type, "checksum")) {
        buf_puts(&d, "legacy checksum");
    } else if (!strcmp(v->type, "hashed-checksum")) {
        buf_puts(&d, "hashed legacy checksum");
    } else {
        buf_puts(&d, v->type);
    }
    buf_reserve(&d, 0);
    gjson_str(b, d.data);
    buf_free(&d);
    buf_puts(b, ",\"hash\":");
    gjson_str(b, v->has_hash && v->contributes ? v->hash : NULL);
    buf_printf(b, ",\"contributes\":%s", v->contributes ? "true" : "false");
    if (v->comp) {
        buf_puts(b, ",\"hint\":");
        gjson_str(b, v->comp->hint);
        buf_puts(b, ",\"component\":");
        gcomp_json(b, v->comp);
    }
    if (v->values) {
        buf_puts(b, ",\"values\":");
        json_str_list(b, v->values, v->n_values);
    }
    if (v->client_values) {
        buf_puts(b, ",\"client_values\":");
        json_str_list(b, v->client_values, v->n_client_values);
    }
    if (v->matched_rule) {
        buf_puts(b, ",\"matched_rule\":");
        gjson_str(b, v->matched_rule);
    }
    buf_putc(b, '}');
}

static char *make_info(const struct grun *g, const struct grouping_result *r)
{
    struct buf b = BUF_INIT;
    buf_reserve(&b, 4096);
    buf_puts(&b, "{\"config\":\"" GROUPING_CONFIG_ID "\",\"hashes\":[");
    for (int i = 0; i < r->n_hashes; i++)
        buf_printf(&b, "%s\"%s\"", i ? "," : "", r->hashes[i]);
    buf_puts(&b, "],\"variants\":{");
    for (int i = 0; i < g->n_variants; i++) {
        if (i)
            buf_putc(&b, ',');
        gjson_str(&b, g->variants[i].name);
        buf_putc(&b, ':');
        variant_json(&b, &g->variants[i]);
    }
    buf_puts(&b, "}}");
    return buf_steal(&b);
}

int grouping_compute(const json_t *event, const struct grouping_config *cfg,
                     struct grouping_result *out, char *err)
{
    memset(out, 0, sizeof *out);
    struct cfg_rules rules;
    cfg_rules_get(cfg, &rules);
    struct grun *g = malloc(sizeof *g);
    if (!g) {
        cfg_rules_put(&rules);
        errmsg_set(err, "out of memory");
        return -1;
    }
    int rc = grun_run(g, event, rules.enh, rules.fp, cfg && cfg->skip_info, err);
    if (rc == 0) {
        collect_hashes(g, out);
        out->title = make_title(g);
        out->culprit = make_culprit(g);
        copy_trunc(out->level, sizeof out->level, norm_level(g->ev.level));
        copy_trunc(out->platform, sizeof out->platform, g->ev.platform);
        bool want_info = !(cfg && cfg->skip_info);
        if (want_info)
            out->info_json = make_info(g, out);
        if (!out->title || !out->culprit || (want_info && !out->info_json) || out->n_hashes == 0) {
            grouping_result_free(out);
            errmsg_set(err, "out of memory");
            rc = -1;
        }
    }
    grun_end(g);
    free(g);
    cfg_rules_put(&rules);
    return rc;
}

void grouping_result_free(struct grouping_result *r)
{
    free(r->title);
    free(r->culprit);
    free(r->info_json);
    r->title = r->culprit = r->info_json = NULL;
}

/* ---------------- canonical texts ---------------- */

static const char *first_value(const struct gcomp *c)
{
    return c && c->leafy && c->n > 0 && c->v.leaves[0] ? c->v.leaves[0] : "";
}

static const struct gcomp *kid(const struct gcomp *c, const char *id)
{
    if (!c || c->leafy)
        return NULL;
    for (int i = 0; i < c->n; i++)
        if (c->v.kids[i] && !strcmp(c->v.kids[i]->id, id))
            return c->v.kids[i];
    return NULL;
}

static bool base64_name(const char *f)
{
    return !strncmp(f, "data:text/html;base64", 21) || !strncmp(f, "data:text/javascript;base64", 27) ||
           !strncmp(f, "html;base64", 11) || !strncmp(f, "javascript;base64", 17);
}

static void strip_into(struct buf *b, const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    buf_append(b, s, n);
}

static void frame_text(struct buf *b, const struct gcomp *f)
{
    const char *fn = first_value(kid(f, "filename"));
    if (!*fn)
        fn = first_value(kid(f, "module"));
    buf_puts(b, "  File \"");
    strip_into(b, fn);
    buf_puts(b, "\", function ");
    strip_into(b, first_value(kid(f, "function")));
    buf_puts(b, "\n    ");
    strip_into(b, first_value(kid(f, "context-line")));
    buf_putc(b, '\n');
}

static bool frame_skipped(const struct gcomp *f)
{
    const char *fn = first_value(kid(f, "filename"));
    return base64_name(fn);
}

/* Exception-like entries (exception or threads components) of a variant root, oldest first. */
static int entries_of(const struct gcomp *root, const struct gcomp **out, int cap)
{
    int n = 0;
    if (!root || root->leafy)
        return 0;
    for (int i = 0; i < root->n && n < cap; i++) {
        const struct gcomp *c = root->v.kids[i];
        if (!c)
            continue;
        if (!strcmp(c->id, "chained-exception")) {
            for (int k = 0; k < c->n && n < cap; k++)
                out[n++] = c->v.kids[k];
            break;
        }
        if (!strcmp(c->id, "exception") || !strcmp(c->id, "threads") || !strcmp(c->id, "stacktrace")) {
            out[n++] = c;
            break;
        }
    }
    return n;
}

static const struct gcomp *stack_of(const struct gcomp *entry)
{
    return !strcmp(entry->id, "stacktrace") ? entry : kid(entry, "stacktrace");
}

static void text_seer(const struct grun *g, struct buf *out)
{
    const struct gvariant *app = grun_find(g, "app"), *sys = grun_find(g, "system");
    const struct gvariant *v = app && app->has_hash && app->contributes ? app : sys ? sys : app;
    if (!v || !v->comp)
        return;
    const struct gcomp *ents[EVENT_MAX_EXCEPTIONS];
    int n = entries_of(v->comp, ents, EVENT_MAX_EXCEPTIONS);
    int first = n > GROUPING_TEXT_MAX_EXCEPTIONS ? n - GROUPING_TEXT_MAX_EXCEPTIONS : 0;
    /* minified JS: every context line snipped -> 20 frames */
    int max_frames = GROUPING_TEXT_MAX_FRAMES;
    bool any_ctx = false, any_plain = false;
    for (int i = first; i < n; i++) {
        const struct gcomp *st = stack_of(ents[i]);
        for (int k = 0; st && k < st->n; k++) {
            const char *cl = first_value(kid(st->v.kids[k], "context-line"));
            if (*cl) {
                any_ctx = true;
                if (!strstr(cl, "{snip}"))
                    any_plain = true;
            }
        }
    }
    if (any_ctx && !any_plain)
        max_frames = 20;
    struct buf s = BUF_INIT;
    int frames = 0;
    for (int i = n - 1; i >= first; i--) {
        const struct gcomp *e = ents[i];
        if (!e->contributes)
            continue;
        const struct gcomp *st = stack_of(e);
        struct buf fr = BUF_INIT;
        if (st && frames < max_frames) {
            int contrib = 0;
            for (int k = 0; k < st->n; k++)
                contrib += st->v.kids[k]->contributes;
            int skip = contrib > max_frames - frames ? contrib - (max_frames - frames) : 0;
            int taken = 0;
            for (int k = 0; k < st->n; k++) {
                const struct gcomp *f = st->v.kids[k];
                if (!f->contributes || skip-- > 0)
                    continue;
                taken++;
                if (!frame_skipped(f))
                    frame_text(&fr, f);
            }
            frames += taken;
        }
        if (!strcmp(e->id, "exception")) {
            buf_puts(&s, first_value(kid(e, "type")));
            buf_puts(&s, ": ");
            buf_puts(&s, first_value(kid(e, "value")));
            buf_putc(&s, '\n');
        }
        if (fr.len)
            buf_append(&s, fr.data, fr.len);
        buf_free(&fr);
    }
    if (s.len)
        strip_into(out, s.data);
    buf_free(&s);
}

static void text_crash_first(const struct grun *g, struct buf *out)
{
    /* exceptions from the app tree (every exception has an app component); frames from the
     * system tree (library crash sites count), which lists only exceptions with a stack trace */
    const struct gvariant *sys = grun_find(g, "system"), *app = grun_find(g, "app");
    const struct gvariant *v = app && app->comp ? app : sys;
    if (!v || !v->comp)
        return;
    const struct gcomp *ents[EVENT_MAX_EXCEPTIONS], *sents[EVENT_MAX_EXCEPTIONS];
    int n = entries_of(v->comp, ents, EVENT_MAX_EXCEPTIONS);
    int ns = sys && sys->comp && v != sys ? entries_of(sys->comp, sents, EVENT_MAX_EXCEPTIONS) : 0;
    if (n > GROUPING_TEXT_MAX_EXCEPTIONS)
        n = GROUPING_TEXT_MAX_EXCEPTIONS;
    struct buf s = BUF_INIT;
    int frames = 0, j = 0;
    for (int i = 0; i < n; i++) {
        const struct gcomp *e = ents[i];
        if (!strcmp(e->id, "exception")) {
            buf_puts(&s, first_value(kid(e, "type")));
            buf_puts(&s, ": ");
            buf_puts(&s, first_value(kid(e, "value")));
            buf_putc(&s, '\n');
        }
        const struct gcomp *st = stack_of(e);
        if (!st || st->n == 0)
            continue;
        if (j < ns) {
            const struct gcomp *sst = stack_of(sents[j++]);
            if (sst && sst->n == st->n)
                st = sst;
        }
        int contrib = 0;
        for (int k = 0; k < st->n; k++)
            contrib += st->v.kids[k]->contributes;
        for (int k = st->n - 1; k >= 0 && frames < GROUPING_TEXT_MAX_FRAMES; k--) {
            const struct gcomp *f = st->v.kids[k];
            if ((contrib && !f->contributes) || frame_skipped(f))
                continue;
            frame_text(&s, f);
            frames++;
        }
    }
    if (s.len)
        strip_into(out, s.data);
    buf_free(&s);
}

int grouping_canonical_text(const json_t *event, const struct grouping_config *cfg, int variant,
                            struct buf *out, char *err)
{
    if (variant != GROUPING_TEXT_SEER && variant != GROUPING_TEXT_CRASH_FIRST) {
        errmsg_set(err, "unknown canonical text variant %d", variant);
        return -1;
    }
    struct cfg_rules rules;
    cfg_rules_get(cfg, &rules);
    struct grun *g = malloc(sizeof *g);
    if (!g) {
        cfg_rules_put(&rules);
        errmsg_set(err, "out of memory");
        return -1;
    }
    int rc = grun_run(g, event, rules.enh, rules.fp, false, err);
    if (rc == 0) {
        size_t before = out->len;
        if (variant == GROUPING_TEXT_SEER)
            text_seer(g, out);
        else
            text_crash_first(g, out);
        if (buf_reserve(out, 0) < 0 && out->len == before) {
            errmsg_set(err, "out of memory");
            rc = -1;
        }
    }
    grun_end(g);
    free(g);
    cfg_rules_put(&rules);
    return rc;
}
