/* A small open-addressing hash map from byte strings to int64, for interning labels and counting
 * contingency cells. Linear probing, FNV-1a hashes, keys copied into one growable buffer. */
#include "eval/eval.h"

#include <stdlib.h>
#include <string.h>

static uint64_t fnv1a(const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static struct eval_map_slot *find(const struct eval_map *m, const void *key, size_t len,
                                  uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct eval_map_slot *s = &m->slots[i];
        if (!s->used)
            return s;
        if (s->hash == h && s->key_len == len && memcmp(m->keys.data + s->key_off, key, len) == 0)
            return s;
    }
}

static int grow(struct eval_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    struct eval_map_slot *old = m->slots;
    size_t old_cap = m->cap;
    m->slots = calloc(cap, sizeof *m->slots);
    if (!m->slots) {
        m->slots = old;
        return -1;
    }
    m->cap = cap;
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i].used)
            continue;
        struct eval_map_slot *s = &m->slots[old[i].hash & (cap - 1)];
        while (s->used)
            s = (s == &m->slots[cap - 1]) ? m->slots : s + 1;
        *s = old[i];
    }
    free(old);
    return 0;
}

int64_t *eval_map_get(const struct eval_map *m, const void *key, size_t len)
{
    if (m->count == 0)
        return NULL;
    struct eval_map_slot *s = find(m, key, len, fnv1a(key, len));
    return s->used ? &s->value : NULL;
}

int64_t *eval_map_put(struct eval_map *m, const void *key, size_t len, int *created)
{
    if (created)
        *created = 0;
    if ((m->count + 1) * 4 > m->cap * 3 && grow(m) < 0)   /* load factor <= 3/4 */
        return NULL;
    uint64_t h = fnv1a(key, len);
    struct eval_map_slot *s = find(m, key, len, h);
    if (s->used)
        return &s->value;
    size_t off = m->keys.len;
    if (buf_append(&m->keys, key, len) < 0)
        return NULL;
    s->used = 1;
    s->hash = h;
    s->key_off = off;
    s->key_len = len;
    s->value = 0;
    m->count++;
    if (created)
        *created = 1;
    return &s->value;
}

void eval_map_clear(struct eval_map *m)
{
    if (m->slots)
        memset(m->slots, 0, m->cap * sizeof *m->slots);
    m->count = 0;
    buf_reset(&m->keys);
}

void eval_map_free(struct eval_map *m)
{
    free(m->slots);
    buf_free(&m->keys);
    m->slots = NULL;
    m->cap = m->count = 0;
}
