/* Grouping components: the tree whose contributing leaves are hashed.
 *
 * A component has either string values (leaves) or child components. Following Sentry, a
 * component's "contributes" flag is derived from its values when it is created (a string value
 * always contributes; a child only if it contributes) and is not recomputed when a child changes
 * later. The hash is the MD5 of every contributing leaf, depth first, with no separator. */
#include "grouping/internal.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const char *major_name(const char *id)
{
    switch (id[0]) {
    case 'a': return !strcmp(id, "app") ? "in-app" : NULL;
    case 'e': return !strcmp(id, "exception") ? "exception" : NULL;
    case 's': return !strcmp(id, "stacktrace") ? "stack-trace" : NULL;
    case 't': return !strcmp(id, "threads") ? "thread" : !strcmp(id, "template") ? "template" : NULL;
    case 'h': return !strcmp(id, "hostname") ? "hostname" : NULL;
    case 'v': return !strcmp(id, "violation") ? "violation" : NULL;
    case 'u': return !strcmp(id, "uri") ? "URL" : NULL;
    case 'm': return !strcmp(id, "message") ? "message" : NULL;
    }
    return NULL;
}

struct gcomp *gcomp_new(struct garena *a, const char *id)
{
    struct gcomp *c = garena_alloc_raw(a, sizeof *c);
    if (c)
        gcomp_init(c, id);
    return c;
}

struct gcomp *gcomp_leaf_n(struct garena *a, const char *id, const char *value, size_t len)
{
    struct gcomp *c = garena_alloc_raw(a, sizeof *c);
    if (c)
        gcomp_init_leaf(c, id, value, len);
    return c;
}

struct gcomp *gcomp_leaf(struct garena *a, const char *id, const char *value)
{
    return gcomp_leaf_n(a, id, value, GCOMP_LEN_UNKNOWN);
}

struct gcomp *gcomp_adopt(struct garena *a, const char *id, struct gcomp **kids, int n)
{
    struct gcomp *c = garena_alloc_raw(a, sizeof *c);
    if (c)
        gcomp_init_kids(c, id, kids, n);
    return c;
}

struct gcomp *gcomp_kids(struct garena *a, const char *id, struct gcomp *const *kids, int n)
{
    /* the component and its copy of the list in one block */
    struct gcomp *c = garena_alloc_raw(a, sizeof *c + (size_t)(n > 0 ? n : 0) * sizeof(struct gcomp *));
    if (!c)
        return NULL;
    struct gcomp **copy = (struct gcomp **)(c + 1);
    for (int i = 0; i < n; i++)
        copy[i] = kids[i];
    gcomp_init_kids(c, id, copy, n);
    return c;
}

/* Byte accumulator that starts in a caller's stack buffer and moves to the heap when full. */
struct acc {
    char *p;
    size_t len, cap;
    bool heap, failed;
};

static void acc_put(struct acc *a, const char *s, size_t n)
{
    if (a->failed)
        return;
    if (a->len + n > a->cap) {
        size_t cap = a->cap * 2 > a->len + n ? a->cap * 2 : a->len + n;
        char *np = a->heap ? realloc(a->p, cap) : malloc(cap);
        if (!np) {
            a->failed = true;
            return;
        }
        if (!a->heap)
            memcpy(np, a->p, a->len);
        a->p = np;
        a->cap = cap;
        a->heap = true;
    }
    memcpy(a->p + a->len, s, n);
    a->len += n;
}

/* Contributing leaves, depth first, appended without separators (hashed in one MD5 call).
 * Values are short (names, source lines): up to 64 bytes are copied inline, in overlapping
 * 16/8/4-byte moves that read nothing outside the value, instead of calling memcpy. */
static inline void acc_putn(struct acc *a, const char *s, size_t n)
{
    if (a->len + n > a->cap) {
        acc_put(a, s, n);
        return;
    }
    char *d = a->p + a->len;
    a->len += n;
    if (n >= 16 && n <= 64) {
        for (size_t i = 0; i + 16 < n; i += 16)
            memcpy(d + i, s + i, 16);
        memcpy(d + n - 16, s + n - 16, 16);
    } else if (n >= 8 && n < 16) {
        memcpy(d, s, 8);
        memcpy(d + n - 8, s + n - 8, 8);
    } else if (n >= 4 && n < 8) {
        memcpy(d, s, 4);
        memcpy(d + n - 4, s + n - 4, 4);
    } else if (n < 4) {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    } else {
        memcpy(d, s, n);
    }
}


/* The value of a leafy component. Its length is measured once and kept in the component (frame
 * leaves are hashed by both the app and system variants). */
static inline void put_leaf(struct acc *a, const struct gcomp *k)
{
    if (k->leaf_len != GCOMP_LEN_UNKNOWN) {
        acc_putn(a, k->leaf, k->leaf_len);
        return;
    }
    if (!k->leaf) {
        acc_putn(a, "None", 4);
        return;
    }
    size_t n = strlen(k->leaf);
    if (n < GCOMP_LEN_UNKNOWN) /* components are arena objects, never const themselves */
        ((struct gcomp *)k)->leaf_len = (uint32_t)n;
    acc_putn(a, k->leaf, n);
}

static void collect(struct acc *a, const struct gcomp *c)
{
    if (!c->contributes)
        return;
    if (c->leafy) {
        put_leaf(a, c);
        return;
    }
    for (int i = 0; i < c->n; i++) {
        const struct gcomp *k = c->v.kids[i];
        if (!k || !k->contributes)
            continue;
        if (k->leafy) /* most children: one value, no call */
            put_leaf(a, k);
        else
            collect(a, k);
    }
}

/* MD5 fetched from the provider once: EVP_md5() makes OpenSSL 3 look the algorithm up again on
 * every digest, which costs as much as hashing a short input. Each thread keeps one digest
 * context (EVP_Digest allocates and frees one per call); freed when the thread exits. */
static EVP_MD *md5_fetched;
static pthread_once_t md5_once = PTHREAD_ONCE_INIT;
static pthread_key_t md5_ctx_key;
static bool md5_ctx_key_ok;

static void md5_ctx_free(void *ctx) { EVP_MD_CTX_free(ctx); }

static void md5_fetch(void)
{
    md5_fetched = EVP_MD_fetch(NULL, "MD5", NULL);
    md5_ctx_key_ok = pthread_key_create(&md5_ctx_key, md5_ctx_free) == 0;
}

static void md5_digest(const void *p, size_t n, unsigned char *d)
{
    unsigned int len = 0;
    pthread_once(&md5_once, md5_fetch);
    const EVP_MD *md = md5_fetched ? md5_fetched : EVP_md5();
    EVP_MD_CTX *ctx = md5_ctx_key_ok ? pthread_getspecific(md5_ctx_key) : NULL;
    if (!ctx && md5_ctx_key_ok && (ctx = EVP_MD_CTX_new()) && pthread_setspecific(md5_ctx_key, ctx)) {
        EVP_MD_CTX_free(ctx);
        ctx = NULL;
    }
    if (!ctx || !EVP_DigestInit_ex(ctx, md, NULL) || !EVP_DigestUpdate(ctx, p, n) ||
        !EVP_DigestFinal_ex(ctx, d, &len))
        EVP_Digest(p, n, d, &len, md, NULL);
}

static void acc_md5(struct acc *a, char out[33])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    md5_digest(a->p, a->len, d);
    static const char hx[] = "0123456789abcdef";
    for (unsigned i = 0; i < 16; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[32] = '\0';
    if (a->heap)
        free(a->p);
}

bool gcomp_hash(const struct gcomp *c, char out[33])
{
    if (!c || !c->contributes)
        return false;
    char stack[4096];
    struct acc a = {stack, 0, sizeof stack, false, false};
    collect(&a, c);
    if (a.failed) {
        if (a.heap)
            free(a.p);
        return false;
    }
    acc_md5(&a, out);
    return true;
}

void gcomp_hash_values(const char *const *values, size_t n, const struct gcomp *dflt, char out[33])
{
    char stack[4096];
    struct acc a = {stack, 0, sizeof stack, false, false};
    for (size_t i = 0; i < n; i++) {
        if (dflt && gfp_is_default_var(values[i]))
            collect(&a, dflt);
        else
            acc_put(&a, values[i], strlen(values[i]));
    }
    if (a.failed) {
        if (a.heap)
            free(a.p);
        a = (struct acc){stack, 0, sizeof stack, false, false};
    }
    acc_md5(&a, out);
}

#define RAW(b, lit) gjson_raw((b), (lit), sizeof(lit) - 1)

/* The JSON head of a component with a known id, written with one append. */
static const char *json_head(const char *id, size_t *len)
{
#define H(x, name) "{\"id\":\"" x "\",\"name\":" name ",\"contributes\":"
    static const struct { const char *id, *head; } heads[] = {
        {"frame", H("frame", "null")},         {"function", H("function", "null")},
        {"module", H("module", "null")},       {"filename", H("filename", "null")},
        {"context-line", H("context-line", "null")}, {"stacktrace", H("stacktrace", "\"stack-trace\"")},
        {"exception", H("exception", "\"exception\"")}, {"type", H("type", "null")},
        {"value", H("value", "null")},
    };
#undef H
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
        if (heads[i].id[0] == id[0] && !strcmp(heads[i].id, id)) {
            *len = strlen(heads[i].head);
            return heads[i].head;
        }
    return NULL;
}

/* Append b[off, off + len) to b itself (the source may move when b grows). */
static bool copy_own(struct buf *b, size_t off, size_t len)
{
    if (b->len + len + 1 > b->cap && buf_reserve(b, len + 1) < 0)
        return false;
    memcpy(b->data + b->len, b->data + off, len);
    b->len += len;
    b->data[b->len] = '\0';
    return true;
}

void gcomp_json(struct buf *b, struct gcomp *c)
{
    if (c->json_buf == b && c->json_len && (size_t)c->json_off + c->json_len <= b->len &&
        copy_own(b, c->json_off, c->json_len))
        return;
    size_t start = b->len;
    size_t hl;
    const char *head = json_head(c->id, &hl);
    if (head) {
        gjson_raw(b, head, hl);
    } else {
        RAW(b, "{\"id\":");
        gjson_str(b, c->id);
        RAW(b, ",\"name\":");
        gjson_str(b, major_name(c->id));
        RAW(b, ",\"contributes\":");
    }
    if (!c->hint) {
        if (c->contributes)
            RAW(b, "true,\"hint\":null");
        else
            RAW(b, "false,\"hint\":null");
    } else {
        if (c->contributes)
            RAW(b, "true,\"hint\":");
        else
            RAW(b, "false,\"hint\":");
        gjson_str(b, c->hint);
    }
    if (c->in_app == 1)
        RAW(b, ",\"in_app\":true,\"values\":[");
    else if (c->in_app == 0)
        RAW(b, ",\"in_app\":false,\"values\":[");
    else
        RAW(b, ",\"values\":[");
    for (int i = 0; i < c->n; i++) {
        if (i)
            RAW(b, ",");
        if (c->leafy)
            gjson_str(b, c->v.leaves[i]);
        else if (c->v.kids[i])
            gcomp_json(b, c->v.kids[i]);
        else
            RAW(b, "null");
    }
    RAW(b, "]}");
    c->json_buf = b;
    /* (offsets past 4 GiB are not kept: the component is then written again) */
    bool fits = b->len < GCOMP_LEN_UNKNOWN;
    c->json_off = fits ? (uint32_t)start : 0;
    c->json_len = fits ? (uint32_t)(b->len - start) : 0;
}

void gcomp_key(struct buf *b, const struct gcomp *c)
{
    buf_printf(b, "%s|%d|%d|%s|", c->id, c->contributes, c->in_app, c->hint ? c->hint : "");
    for (int i = 0; i < c->n; i++) {
        if (c->leafy) {
            buf_puts(b, c->v.leaves[i] ? c->v.leaves[i] : "None");
            buf_putc(b, '\x1f');
        } else if (c->v.kids[i]) {
            buf_putc(b, '(');
            gcomp_key(b, c->v.kids[i]);
            buf_putc(b, ')');
        }
    }
}

bool gcomp_has_contributing_stacktrace(const struct gcomp *c)
{
    if (c->leafy)
        return false;
    for (int i = 0; i < c->n; i++) {
        const struct gcomp *k = c->v.kids[i];
        if (!k || !k->contributes)
            continue;
        if (!strcmp(k->id, "stacktrace"))
            return true;
        if (gcomp_has_contributing_stacktrace(k))
            return true;
    }
    return false;
}

/* Longest path of contributing major names (ties: lexicographically greatest), as Sentry. */
struct path {
    const char *names[16];
    int n;
};

static int path_cmp(const struct path *a, const struct path *b)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (int i = 0; i < a->n; i++) {
        int r = strcmp(a->names[i], b->names[i]);
        if (r)
            return r;
    }
    return 0;
}

static void walk(const struct gcomp *c, struct path *cur, struct path *best, int depth)
{
    const char *name = major_name(c->id);
    int saved = cur->n;
    if (name && cur->n < 16)
        cur->names[cur->n++] = name;
    if (!c->leafy && depth < 64)
        for (int i = 0; i < c->n; i++)
            if (c->v.kids[i] && c->v.kids[i]->contributes)
                walk(c->v.kids[i], cur, best, depth + 1);
    if (path_cmp(cur, best) > 0)
        *best = *cur;
    cur->n = saved;
}

void gcomp_description(const struct gcomp *c, struct buf *out)
{
    struct path cur = {{0}, 0}, best = {{0}, 0};
    walk(c, &cur, &best, 0);
    if (best.n) {
        for (int i = 0; i < best.n; i++) {
            if (i)
                buf_putc(out, ' ');
            buf_puts(out, best.names[i]);
        }
        return;
    }
    const char *name = major_name(c->id);
    buf_puts(out, name ? name : c->id);
}
