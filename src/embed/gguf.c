/* GGUF reader: mmap the file, parse metadata and the tensor table with bounds checks on every
 * read. Every count, length and offset in the file is treated as hostile: a truncated or lying
 * file yields an error message, never an out-of-bounds access.
 *
 * Format (version 2 and 3, little-endian): "GGUF", u32 version, u64 n_tensors, u64 n_kv,
 * n_kv x (string key, u32 type, value), n_tensors x (string name, u32 n_dims, u64 ne[n_dims],
 * u32 type, u64 offset), padding to general.alignment, then the tensor data. */
#include "embed/embed_internal.h"
#include "util/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define GGUF_MAX_KV      (1u << 20)
#define GGUF_MAX_TENSORS (1u << 20)
#define GGUF_MAX_DIMS    4

struct cursor {
    const uint8_t *p;
    size_t pos, size;
    char *err;
};

static int need(struct cursor *c, uint64_t n, const char *what)
{
    if (n > c->size - c->pos) {
        errmsg_set(c->err, "GGUF truncated: %s at offset %zu needs %llu bytes, %zu left", what,
                   c->pos, (unsigned long long)n, c->size - c->pos);
        return -1;
    }
    return 0;
}

static int rd_u32(struct cursor *c, uint32_t *v, const char *what)
{
    if (need(c, 4, what))
        return -1;
    memcpy(v, c->p + c->pos, 4);
    c->pos += 4;
    return 0;
}

static int rd_u64(struct cursor *c, uint64_t *v, const char *what)
{
    if (need(c, 8, what))
        return -1;
    memcpy(v, c->p + c->pos, 8);
    c->pos += 8;
    return 0;
}

static int rd_str(struct cursor *c, struct gguf_str *s, const char *what)
{
    uint64_t n;
    if (rd_u64(c, &n, what) || need(c, n, what))
        return -1;
    s->p = (const char *)c->p + c->pos;
    s->n = n;
    c->pos += n;
    return 0;
}

static const size_t type_size[GGUF_T_COUNT] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

static int scalar(const uint8_t *p, uint32_t type, struct gguf_kv *kv)
{
    uint8_t u8; int8_t i8; uint16_t u16; int16_t i16; uint32_t u32; int32_t i32; float f;
    switch (type) {
    case GGUF_T_U8: case GGUF_T_BOOL: memcpy(&u8, p, 1); kv->v.u = u8; kv->v.i = u8; break;
    case GGUF_T_I8: memcpy(&i8, p, 1); kv->v.i = i8; break;
    case GGUF_T_U16: memcpy(&u16, p, 2); kv->v.u = u16; break;
    case GGUF_T_I16: memcpy(&i16, p, 2); kv->v.i = i16; break;
    case GGUF_T_U32: memcpy(&u32, p, 4); kv->v.u = u32; break;
    case GGUF_T_I32: memcpy(&i32, p, 4); kv->v.i = i32; break;
    case GGUF_T_F32: memcpy(&f, p, 4); kv->v.f = f; break;
    case GGUF_T_U64: memcpy(&kv->v.u, p, 8); break;
    case GGUF_T_I64: memcpy(&kv->v.i, p, 8); break;
    case GGUF_T_F64: memcpy(&kv->v.f, p, 8); break;
    default: return -1;
    }
    return 0;
}

static int read_kv(struct cursor *c, struct gguf_kv *kv)
{
    if (rd_str(c, &kv->key, "metadata key") || rd_u32(c, &kv->type, "metadata type"))
        return -1;
    if (kv->type >= GGUF_T_COUNT) {
        errmsg_set(c->err, "GGUF: key '%.*s' has unknown type %u", (int)(kv->key.n > 64 ? 64 : kv->key.n),
                   kv->key.p, kv->type);
        return -1;
    }
    if (kv->type == GGUF_T_STR) {
        kv->strs = calloc(1, sizeof *kv->strs);
        if (!kv->strs) {
            errmsg_set(c->err, "out of memory");
            return -1;
        }
        kv->count = 1;
        return rd_str(c, kv->strs, "string value");
    }
    if (kv->type != GGUF_T_ARR) {
        if (need(c, type_size[kv->type], "metadata value"))
            return -1;
        scalar(c->p + c->pos, kv->type, kv);
        c->pos += type_size[kv->type];
        return 0;
    }
    if (rd_u32(c, &kv->atype, "array type") || rd_u64(c, &kv->count, "array length"))
        return -1;
    if (kv->atype >= GGUF_T_COUNT || kv->atype == GGUF_T_ARR) {
        errmsg_set(c->err, "GGUF: array '%.*s' has unsupported element type %u",
                   (int)(kv->key.n > 64 ? 64 : kv->key.n), kv->key.p, kv->atype);
        return -1;
    }
    if (kv->atype == GGUF_T_STR) {
        /* each string takes at least 8 bytes: bound the allocation by the bytes left */
        if (kv->count > (c->size - c->pos) / 8) {
            errmsg_set(c->err, "GGUF: string array '%.*s' claims %llu elements, more than the file holds",
                       (int)(kv->key.n > 64 ? 64 : kv->key.n), kv->key.p, (unsigned long long)kv->count);
            return -1;
        }
        kv->strs = calloc(kv->count ? kv->count : 1, sizeof *kv->strs);
        if (!kv->strs) {
            errmsg_set(c->err, "out of memory");
            return -1;
        }
        for (uint64_t i = 0; i < kv->count; i++)
            if (rd_str(c, &kv->strs[i], "string array element"))
                return -1;
        return 0;
    }
    uint64_t es = type_size[kv->atype];
    if (kv->count > (c->size - c->pos) / es) {
        errmsg_set(c->err, "GGUF: array '%.*s' claims %llu elements, more than the file holds",
                   (int)(kv->key.n > 64 ? 64 : kv->key.n), kv->key.p, (unsigned long long)kv->count);
        return -1;
    }
    kv->data = c->p + c->pos;
    c->pos += kv->count * es;
    return 0;
}

void embed_gguf_close(struct gguf *g)
{
    if (!g)
        return;
    if (g->kv)
        for (uint64_t i = 0; i < g->n_kv; i++)
            free(g->kv[i].strs);
    free(g->kv);
    free(g->tensors);
    if (g->map)
        munmap(g->map, g->size);
    free(g);
}

int embed_gguf_parse(const void *data, size_t size, struct gguf **out, char *err)
{
    *out = NULL;
    struct cursor c = {data, 0, size, err};
    struct gguf *g = calloc(1, sizeof *g);
    if (!g) {
        errmsg_set(err, "out of memory");
        return -1;
    }
    g->size = size;
    g->alignment = 32;
    if (need(&c, 4, "magic") || memcmp(data, "GGUF", 4) != 0) {
        errmsg_set(err, "not a GGUF file (bad magic)");
        goto fail;
    }
    c.pos = 4;
    if (rd_u32(&c, &g->version, "version") || rd_u64(&c, &g->n_tensors, "tensor count") ||
        rd_u64(&c, &g->n_kv, "metadata count"))
        goto fail;
    if (g->version < 2 || g->version > 3) {
        errmsg_set(err, "unsupported GGUF version %u (2 and 3 are)", g->version);
        goto fail;
    }
    if (g->n_kv > GGUF_MAX_KV || g->n_tensors > GGUF_MAX_TENSORS ||
        g->n_kv > size / 12 || g->n_tensors > size / 24) {
        errmsg_set(err, "GGUF: implausible counts (%llu metadata, %llu tensors) for a %zu-byte file",
                   (unsigned long long)g->n_kv, (unsigned long long)g->n_tensors, size);
        goto fail;
    }
    g->kv = calloc(g->n_kv ? g->n_kv : 1, sizeof *g->kv);
    g->tensors = calloc(g->n_tensors ? g->n_tensors : 1, sizeof *g->tensors);
    if (!g->kv || !g->tensors) {
        errmsg_set(err, "out of memory");
        goto fail;
    }
    for (uint64_t i = 0; i < g->n_kv; i++)
        if (read_kv(&c, &g->kv[i]))
            goto fail;
    const struct gguf_kv *al = embed_gguf_kv(g, "general.alignment");
    if (al) {
        if (al->type != GGUF_T_U32 || al->v.u == 0 || al->v.u > (1u << 20) || (al->v.u & (al->v.u - 1))) {
            errmsg_set(err, "GGUF: general.alignment must be a power of two up to 1 MiB");
            goto fail;
        }
        g->alignment = al->v.u;
    }
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        struct gguf_tensor *t = &g->tensors[i];
        uint64_t off;
        if (rd_str(&c, &t->name, "tensor name") || rd_u32(&c, &t->ndim, "tensor rank"))
            goto fail;
        if (t->ndim < 1 || t->ndim > GGUF_MAX_DIMS) {
            errmsg_set(err, "GGUF: tensor '%.*s' has rank %u (1..4 supported)",
                       (int)(t->name.n > 64 ? 64 : t->name.n), t->name.p, t->ndim);
            goto fail;
        }
        t->nelem = 1;
        for (uint32_t d = 0; d < t->ndim; d++) {
            if (rd_u64(&c, &t->ne[d], "tensor shape"))
                goto fail;
            if (t->ne[d] == 0 || t->ne[d] > (1ull << 40) || t->nelem > (1ull << 40) / t->ne[d]) {
                errmsg_set(err, "GGUF: tensor '%.*s' has an implausible shape",
                           (int)(t->name.n > 64 ? 64 : t->name.n), t->name.p);
                goto fail;
            }
            t->nelem *= t->ne[d];
        }
        for (uint32_t d = t->ndim; d < GGUF_MAX_DIMS; d++)
            t->ne[d] = 1;
        if (rd_u32(&c, &t->type, "tensor type") || rd_u64(&c, &off, "tensor offset"))
            goto fail;
        if (t->type != GGML_T_F32 && t->type != GGML_T_F16) {
            errmsg_set(err, "GGUF: tensor '%.*s' has type %u; only f32 (0) and f16 (1) are supported",
                       (int)(t->name.n > 64 ? 64 : t->name.n), t->name.p, t->type);
            goto fail;
        }
        if (off % g->alignment) {
            errmsg_set(err, "GGUF: tensor '%.*s' offset is not aligned",
                       (int)(t->name.n > 64 ? 64 : t->name.n), t->name.p);
            goto fail;
        }
        t->data = (const void *)(uintptr_t)off;   /* relative for now */
        for (uint64_t j = 0; j < i; j++)
            if (g->tensors[j].name.n == t->name.n && !memcmp(g->tensors[j].name.p, t->name.p, t->name.n)) {
                errmsg_set(err, "GGUF: duplicate tensor '%.*s'", (int)(t->name.n > 64 ? 64 : t->name.n),
                           t->name.p);
                goto fail;
            }
    }
    uint64_t base = (c.pos + g->alignment - 1) / g->alignment * g->alignment;
    if (g->n_tensors && base > size) {
        errmsg_set(err, "GGUF truncated: no tensor data");
        goto fail;
    }
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        struct gguf_tensor *t = &g->tensors[i];
        uint64_t off = (uint64_t)(uintptr_t)t->data;
        uint64_t bytes = t->nelem * (t->type == GGML_T_F32 ? 4 : 2);
        if (off > size - base || bytes > size - base - off) {
            errmsg_set(err, "GGUF truncated: tensor '%.*s' (%llu bytes at %llu) runs past the end",
                       (int)(t->name.n > 64 ? 64 : t->name.n), t->name.p, (unsigned long long)bytes,
                       (unsigned long long)(base + off));
            goto fail;
        }
        t->data = (const uint8_t *)data + base + off;
    }
    *out = g;
    return 0;
fail:
    embed_gguf_close(g);
    return -1;
}

int embed_gguf_open(const char *path, struct gguf **out, char *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        errmsg_set(err, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        errmsg_set(err, "%s is not a regular file", path);
        close(fd);
        return -1;
    }
    if (st.st_size < 24) {
        errmsg_set(err, "%s: too small to be a GGUF file (%lld bytes)", path, (long long)st.st_size);
        close(fd);
        return -1;
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        errmsg_set(err, "cannot map %s: %s", path, strerror(errno));
        return -1;
    }
    char perr[ERRMSG_SIZE];
    if (embed_gguf_parse(map, (size_t)st.st_size, out, perr)) {
        errmsg_set(err, "%s: %s", path, perr);
        munmap(map, (size_t)st.st_size);
        return -1;
    }
    (*out)->map = map;
    return 0;
}

int embed_gguf_str_eq(struct gguf_str s, const char *c)
{
    size_t n = strlen(c);
    return s.n == n && memcmp(s.p, c, n) == 0;
}

const struct gguf_kv *embed_gguf_kv(const struct gguf *g, const char *key)
{
    for (uint64_t i = g->n_kv; i-- > 0;)   /* a later duplicate wins */
        if (embed_gguf_str_eq(g->kv[i].key, key))
            return &g->kv[i];
    return NULL;
}

const struct gguf_tensor *embed_gguf_tensor(const struct gguf *g, const char *name)
{
    for (uint64_t i = 0; i < g->n_tensors; i++)
        if (embed_gguf_str_eq(g->tensors[i].name, name))
            return &g->tensors[i];
    return NULL;
}

int embed_gguf_u32(const struct gguf *g, const char *key, uint32_t *out, char *err)
{
    const struct gguf_kv *kv = embed_gguf_kv(g, key);
    if (!kv) {
        errmsg_set(err, "model metadata lacks %s", key);
        return -1;
    }
    switch (kv->type) {
    case GGUF_T_U8: case GGUF_T_U16: case GGUF_T_U32: case GGUF_T_U64:
        if (kv->v.u > UINT32_MAX)
            break;
        *out = (uint32_t)kv->v.u;
        return 0;
    case GGUF_T_I8: case GGUF_T_I16: case GGUF_T_I32: case GGUF_T_I64:
        if (kv->v.i < 0 || kv->v.i > (int64_t)UINT32_MAX)
            break;
        *out = (uint32_t)kv->v.i;
        return 0;
    }
    errmsg_set(err, "model metadata %s is not a non-negative integer", key);
    return -1;
}

int embed_gguf_f32(const struct gguf *g, const char *key, float *out, char *err)
{
    const struct gguf_kv *kv = embed_gguf_kv(g, key);
    if (!kv || (kv->type != GGUF_T_F32 && kv->type != GGUF_T_F64)) {
        errmsg_set(err, "model metadata %s is missing or not a float", key);
        return -1;
    }
    *out = (float)kv->v.f;
    return 0;
}

int embed_gguf_str(const struct gguf *g, const char *key, struct gguf_str *out, char *err)
{
    const struct gguf_kv *kv = embed_gguf_kv(g, key);
    if (!kv || kv->type != GGUF_T_STR) {
        errmsg_set(err, "model metadata %s is missing or not a string", key);
        return -1;
    }
    *out = kv->strs[0];
    return 0;
}

double embed_gguf_arr_f64(const struct gguf_kv *kv, uint64_t i)
{
    const uint8_t *p = (const uint8_t *)kv->data + i * type_size[kv->atype];
    struct gguf_kv tmp = {0};
    scalar(p, kv->atype, &tmp);
    switch (kv->atype) {
    case GGUF_T_F32: case GGUF_T_F64: return tmp.v.f;
    case GGUF_T_I8: case GGUF_T_I16: case GGUF_T_I32: case GGUF_T_I64: return (double)tmp.v.i;
    default: return (double)tmp.v.u;
    }
}

float embed_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else {                      /* subnormal: renormalise */
            exp = 127 - 15 + 1;
            while (!(man & 0x400)) {
                man <<= 1;
                exp--;
            }
            bits = sign | (exp << 23) | ((man & 0x3ff) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (man << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static float f16_table[65536];
static pthread_once_t f16_once = PTHREAD_ONCE_INIT;

static void f16_init(void)
{
    for (uint32_t i = 0; i < 65536; i++)
        f16_table[i] = embed_f16_to_f32((uint16_t)i);
}

void embed_f16_row(const void *src, float *dst, size_t n)
{
    pthread_once(&f16_once, f16_init);
    const uint8_t *p = src;
    for (size_t i = 0; i < n; i++) {
        uint16_t h;
        memcpy(&h, p + 2 * i, 2);
        dst[i] = f16_table[h];
    }
}
