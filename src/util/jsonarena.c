/* Bump arenas for jansson trees (see jsonarena.h). */
#include "util/jsonarena.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

/* Under AddressSanitizer, arena memory not handed out is poisoned, as freed malloc memory is. */
#if defined(__SANITIZE_ADDRESS__)
#define FL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FL_ASAN 1
#endif
#endif
#ifdef FL_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* One region reserved (not committed: pages are touched only when used) and cut into slices. A
 * slice holds the tree of any common event (a 5 KB event takes about 40 KB); the rest of a larger
 * tree comes from malloc. */
#define SLICE_BYTES  ((size_t)32 << 20)
#define MAX_SLICES   32
#define REGION_BYTES (SLICE_BYTES * MAX_SLICES)

static char *region;                  /* NULL: not installed */
static pthread_mutex_t slices_mu = PTHREAD_MUTEX_INITIALIZER;
static int slices_taken;
static uint32_t returned;             /* bit per slice given back by jsonarena_destroy */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int install_rc = -1;
static _Thread_local struct jsonarena *active;

static int in_region(const void *p)
{
    return region && (const char *)p >= region && (const char *)p < region + REGION_BYTES;
}

static void *arena_malloc(size_t n)
{
    struct jsonarena *a = active;
    if (a) {
        size_t need = (n + 15) & ~(size_t)15;
        if (need >= n && need <= a->cap - a->used) {
            void *p = a->base + a->used;
            a->used += need;
            UNPOISON(p, n); /* the padding stays poisoned */
            return p;
        }
    }
    return malloc(n);
}

static void arena_free(void *p)
{
    if (!in_region(p)) /* arena memory goes with its arena */
        free(p);
}

static void install(void)
{
    void *r = mmap(NULL, REGION_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED)
        return;
    region = r;
    json_set_alloc_funcs(arena_malloc, arena_free);
    install_rc = 0;
}

int jsonarena_install(void)
{
    pthread_once(&once, install);
    return install_rc;
}

void jsonarena_init(struct jsonarena *a)
{
    a->base = NULL;
    a->used = a->cap = 0;
    if (!region)
        return;
    int slice = -1;
    pthread_mutex_lock(&slices_mu);
    if (returned) {
        slice = __builtin_ctz(returned);
        returned &= returned - 1;
    } else if (slices_taken < MAX_SLICES) {
        slice = slices_taken++;
    }
    pthread_mutex_unlock(&slices_mu);
    if (slice < 0)
        return;
    a->base = region + (size_t)slice * SLICE_BYTES;
    a->cap = SLICE_BYTES;
    POISON(a->base, a->cap);
}

void jsonarena_destroy(struct jsonarena *a)
{
    if (!a->base)
        return;
    if (active == a)
        active = NULL;
    UNPOISON(a->base, a->cap);
    madvise(a->base, a->cap, MADV_DONTNEED);
    int slice = (int)((a->base - region) / SLICE_BYTES);
    pthread_mutex_lock(&slices_mu);
    returned |= 1u << slice;
    pthread_mutex_unlock(&slices_mu);
    a->base = NULL;
    a->used = a->cap = 0;
}

void jsonarena_begin(struct jsonarena *a) { active = a->base ? a : NULL; }

void jsonarena_end(void) { active = NULL; }

/* What a reset keeps of the memory a large tree touched (the rest goes back to the system, so
 * one large event does not leave the digest's resident size higher for good). */
#define KEEP_BYTES ((size_t)4 << 20)

void jsonarena_reset(struct jsonarena *a)
{
    if (!a->base)
        return;
    POISON(a->base, a->used); /* under ASan, a node used after its tree's arena was reset is caught */
    if (a->used > KEEP_BYTES)
        madvise(a->base + KEEP_BYTES, a->used - KEEP_BYTES, MADV_DONTNEED);
    a->used = 0;
}
