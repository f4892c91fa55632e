/* Saving and loading an index.
 *
 * File layout (all integers little-endian; the level-0 blocks are stored as they lie in memory,
 * which is why the header records the block size and an endianness marker):
 *
 *   0   "FLANNIDX"           magic
 *   8   u32 version (1)      a new layout gets a new number; old files then fail with ANN_EVERSION
 *  12   u32 0x01020304       byte-order marker
 *  16   u32 dim, M, ef_construction, ef_search, brute_force_below, graph
 *  40   u64 n (slots), n_deleted
 *  56   u32 entry, i32 max_level
 *  64   u64 rng state, u64 block size
 *  80   16 reserved bytes (zero)
 *  96   n level-0 blocks
 *       for every slot with level > 0: level lists of (1 + M) u32
 *       u32 CRC-32 (zlib) of everything before it
 *
 * Loading checks the checksum and then every structural invariant the search relies on (link
 * targets in range, counts within limits, a neighbour at level l has level >= l, ids unique), so a
 * hostile file that happens to carry a valid checksum is rejected too.
 */
#include "ann/ann_int.h"
#include "util/buf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define ANN_MAGIC     "FLANNIDX"
#define ANN_VERSION   1u
#define ANN_BOM       0x01020304u
#define ANN_HDR_SIZE  96

static void put32(unsigned char *p, uint32_t v)
{
    memcpy(p, &v, 4);
}
static void put64(unsigned char *p, uint64_t v)
{
    memcpy(p, &v, 8);
}
static uint32_t get32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static uint64_t get64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Writes n bytes and folds them into the running CRC. */
static int write_crc(FILE *f, const void *p, size_t n, uLong *crc)
{
    const unsigned char *b = p;
    while (n) {
        size_t chunk = n > (1u << 30) ? (1u << 30) : n;
        *crc = crc32(*crc, b, (uInt)chunk);
        if (fwrite(b, 1, chunk, f) != chunk)
            return -1;
        b += chunk;
        n -= chunk;
    }
    return 0;
}

static int read_crc(FILE *f, void *p, size_t n, uLong *crc)
{
    unsigned char *b = p;
    while (n) {
        size_t chunk = n > (1u << 30) ? (1u << 30) : n;
        if (fread(b, 1, chunk, f) != chunk)
            return -1;
        *crc = crc32(*crc, b, (uInt)chunk);
        b += chunk;
        n -= chunk;
    }
    return 0;
}

int ann_save(struct ann_index *x, const char *path, char *err)
{
    if (!x || !path) {
        errmsg_set(err, "ann: save without index or path");
        return ANN_EINVAL;
    }
    size_t tlen = strlen(path) + 16;
    char *tmp = malloc(tlen);
    if (!tmp) {
        errmsg_set(err, "ann: out of memory");
        return ANN_ENOMEM;
    }
    snprintf(tmp, tlen, "%s.tmp%ld", path, (long)getpid());

    /* wmu keeps writers (and their level generator) still; the read lock lets searches run. */
    pthread_mutex_lock(&x->wmu);
    pthread_rwlock_rdlock(&x->lock);
    int rc = 0;
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        errmsg_set(err, "ann: cannot create %s: %s", tmp, strerror(errno));
        rc = ANN_EIO;
        goto out;
    }
    unsigned char h[ANN_HDR_SIZE] = {0};
    memcpy(h, ANN_MAGIC, 8);
    put32(h + 8, ANN_VERSION);
    put32(h + 12, ANN_BOM);
    put32(h + 16, (uint32_t)x->dim);
    put32(h + 20, (uint32_t)x->p.M);
    put32(h + 24, (uint32_t)x->p.ef_construction);
    put32(h + 28, (uint32_t)x->p.ef_search);
    put32(h + 32, (uint32_t)x->p.brute_force_below);
    put32(h + 36, (uint32_t)x->graph);
    put64(h + 40, x->n);
    put64(h + 48, x->n_deleted);
    put32(h + 56, x->entry);
    put32(h + 60, (uint32_t)x->max_level);
    put64(h + 64, x->rng);
    put64(h + 72, x->blk_size);
    uLong crc = crc32(0L, Z_NULL, 0);
    int bad = write_crc(f, h, sizeof h, &crc) || write_crc(f, x->blocks, x->n * x->blk_size, &crc);
    for (size_t s = 0; s < x->n && !bad; s++) {
        int L = ann_level(x, (uint32_t)s);
        if (L > 0)
            bad = write_crc(f, x->upper[s], (size_t)L * (size_t)(x->p.M + 1) * sizeof(uint32_t), &crc);
    }
    unsigned char t[4];
    put32(t, (uint32_t)crc);
    if (!bad)
        bad = fwrite(t, 1, 4, f) != 4;
    if (!bad)
        bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
    if (fclose(f) != 0)
        bad = 1;
    if (bad) {
        errmsg_set(err, "ann: cannot write %s: %s", tmp, strerror(errno));
        unlink(tmp);
        rc = ANN_EIO;
        goto out;
    }
    if (rename(tmp, path) != 0) {
        errmsg_set(err, "ann: cannot rename %s to %s: %s", tmp, path, strerror(errno));
        unlink(tmp);
        rc = ANN_EIO;
    }
out:
    pthread_rwlock_unlock(&x->lock);
    pthread_mutex_unlock(&x->wmu);
    free(tmp);
    return rc;
}

/* Structural checks of a fully read index. Returns 0 or fills err. */
static int validate(struct ann_index *x, size_t n_deleted, uint32_t entry, int max_level, char *err)
{
    size_t dels = 0;
    int top = -1;
    for (size_t s = 0; s < x->n; s++) {
        uint32_t meta = *ann_meta(x, (uint32_t)s);
        if (meta & ~(0xffu | ANN_FLAG_DELETED)) {
            errmsg_set(err, "ann: node %zu has unknown flags", s);
            return -1;
        }
        int L = (int)(meta & 0xffu);
        if (L > top)
            top = L;
        if (meta & ANN_FLAG_DELETED)
            dels++;
        const float *v = ann_vec(x, (uint32_t)s);
        double ss = 0;
        for (int i = 0; i < x->dim; i++)
            ss += (double)v[i] * v[i];
        if (!isfinite(ss) || fabs(ss - 1.0) > 1e-3) {
            errmsg_set(err, "ann: node %zu has a vector that is not unit length", s);
            return -1;
        }
        for (int l = 0; l <= L; l++) {
            const uint32_t *ln = ann_links(x, (uint32_t)s, l);
            uint32_t lim = l == 0 ? (uint32_t)x->M0 : (uint32_t)x->p.M;
            if (!x->graph && ln[0] != 0) {
                errmsg_set(err, "ann: flat index with links");
                return -1;
            }
            if (ln[0] > lim) {
                errmsg_set(err, "ann: node %zu level %d has %u links (max %u)", s, l, ln[0], lim);
                return -1;
            }
            for (uint32_t j = 1; j <= ln[0]; j++)
                if (ln[j] >= x->n || (l > 0 && ann_level(x, ln[j]) < l)) {
                    errmsg_set(err, "ann: node %zu level %d links to bad node %u", s, l, ln[j]);
                    return -1;
                }
        }
    }
    if (dels != n_deleted || (!x->graph && (dels || top > 0))) {
        errmsg_set(err, "ann: deleted count or levels inconsistent");
        return -1;
    }
    if (x->graph && x->n) {
        if (entry >= x->n || max_level != top || ann_level(x, entry) != max_level) {
            errmsg_set(err, "ann: bad entry point");
            return -1;
        }
    } else if (entry != ANN_NO_SLOT || max_level != -1) {
        errmsg_set(err, "ann: bad entry point for an index without graph");
        return -1;
    }
    return 0;
}

struct ann_index *ann_load(const char *path, int *status, char *err)
{
    int st = ANN_ECORRUPT;
    struct ann_index *x = NULL;
    if (!path) {
        st = ANN_EINVAL;
        errmsg_set(err, "ann: load without path");
        goto fail;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        st = ANN_EIO;
        errmsg_set(err, "ann: cannot open %s: %s", path, strerror(errno));
        goto fail;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0) {
        st = ANN_EIO;
        errmsg_set(err, "ann: cannot stat %s: %s", path, strerror(errno));
        goto fail_f;
    }
    size_t fsize = (size_t)sb.st_size;
    unsigned char h[ANN_HDR_SIZE];
    uLong crc = crc32(0L, Z_NULL, 0);
    if (fsize < ANN_HDR_SIZE + 4 || read_crc(f, h, sizeof h, &crc) != 0) {
        errmsg_set(err, "ann: %s is too short to be an index", path);
        goto fail_f;
    }
    if (memcmp(h, ANN_MAGIC, 8) != 0) {
        errmsg_set(err, "ann: %s is not an index file (bad magic)", path);
        goto fail_f;
    }
    if (get32(h + 8) != ANN_VERSION) {
        st = ANN_EVERSION;
        errmsg_set(err, "ann: %s has format version %u, this build reads %u", path, get32(h + 8),
                   ANN_VERSION);
        goto fail_f;
    }
    if (get32(h + 12) != ANN_BOM) {
        errmsg_set(err, "ann: %s was written with another byte order", path);
        goto fail_f;
    }
    uint32_t dim = get32(h + 16);
    struct ann_params p;
    p.M = (int)get32(h + 20);
    p.ef_construction = (int)get32(h + 24);
    p.ef_search = (int)get32(h + 28);
    p.brute_force_below = (int)get32(h + 32);
    p.seed = 0;
    uint32_t graph = get32(h + 36);
    uint64_t n = get64(h + 40), n_deleted = get64(h + 48);
    uint32_t entry = get32(h + 56);
    int32_t max_level = (int32_t)get32(h + 60);
    char perr[ERRMSG_SIZE];
    if (dim > 65536 || p.M > 1000 || p.ef_construction < 0 || p.ef_search < 0 ||
        p.brute_force_below < 0 || !(x = ann_alloc((int)dim, &p, perr))) {
        errmsg_set(err, "ann: %s has bad parameters", path);
        goto fail_f;
    }
    x->rng = get64(h + 64);
    if (get64(h + 72) != x->blk_size || graph > 1 || n_deleted > n) {
        errmsg_set(err, "ann: %s has an inconsistent header", path);
        goto fail_f;
    }
    x->graph = (int)graph;
    size_t avail = fsize - ANN_HDR_SIZE - 4;
    if (n > avail / x->blk_size) {
        errmsg_set(err, "ann: %s is truncated (%llu nodes announced)", path, (unsigned long long)n);
        goto fail_f;
    }
    if (ann_grow(x, (size_t)n) != 0) {
        st = ANN_ENOMEM;
        errmsg_set(err, "ann: out of memory loading %s", path);
        goto fail_f;
    }
    if (read_crc(f, x->blocks, (size_t)n * x->blk_size, &crc) != 0) {
        errmsg_set(err, "ann: %s is truncated", path);
        goto fail_f;
    }
    x->n = (size_t)n;
    avail -= (size_t)n * x->blk_size;
    for (size_t s = 0; s < x->n; s++) {
        int L = ann_level(x, (uint32_t)s);
        if (L == 0)
            continue;
        size_t bytes = (size_t)L * (size_t)(x->p.M + 1) * sizeof(uint32_t);
        if (L > ANN_MAX_LEVEL || bytes > avail) {
            errmsg_set(err, "ann: %s is damaged (node %zu level %d)", path, s, L);
            /* keep levels of the remaining slots from being trusted by ann_free */
            for (size_t r = s; r < x->n; r++)
                x->upper[r] = NULL;
            goto fail_f;
        }
        x->upper[s] = malloc(bytes);
        if (!x->upper[s] || read_crc(f, x->upper[s], bytes, &crc) != 0) {
            errmsg_set(err, "ann: %s is truncated", path);
            goto fail_f;
        }
        x->upper_bytes += bytes;
        avail -= bytes;
    }
    unsigned char t[4];
    if (avail != 0 || fread(t, 1, 4, f) != 4) {
        errmsg_set(err, "ann: %s has %s data after the index", path, avail ? "unexpected" : "no");
        goto fail_f;
    }
    if (get32(t) != (uint32_t)crc) {
        errmsg_set(err, "ann: %s is damaged (checksum mismatch)", path);
        goto fail_f;
    }
    fclose(f);
    f = NULL;
    x->n_deleted = (size_t)n_deleted;
    if (validate(x, (size_t)n_deleted, entry, max_level, err) != 0)
        goto fail;
    x->entry = entry;
    x->max_level = max_level;
    int mrc = ann_map_rebuild(x, x->n - x->n_deleted);
    if (mrc == ANN_ENOMEM) {
        st = ANN_ENOMEM;
        errmsg_set(err, "ann: out of memory loading %s", path);
        goto fail;
    }
    if (mrc) {
        errmsg_set(err, "ann: %s holds a duplicate id", path);
        goto fail;
    }
    if (status)
        *status = 0;
    return x;

fail_f:
    if (f)
        fclose(f);
fail:
    ann_free(x);
    if (status)
        *status = st;
    return NULL;
}
