#include "util/compress.h"

#include <brotli/decode.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>
#include <zstd.h>

#define CHUNK 65536

int codec_from_name(const char *name)
{
    if (!name || !*name || strcasecmp(name, "identity") == 0 || strcasecmp(name, "utf-8") == 0)
        return CODEC_IDENTITY;
    if (strcasecmp(name, "gzip") == 0 || strcasecmp(name, "x-gzip") == 0)
        return CODEC_GZIP;
    if (strcasecmp(name, "deflate") == 0)
        return CODEC_DEFLATE;
    if (strcasecmp(name, "br") == 0)
        return CODEC_BROTLI;
    if (strcasecmp(name, "zstd") == 0)
        return CODEC_ZSTD;
    return -1;
}

/* Appends `n` bytes unless that passes the cap. */
static int put_capped(struct buf *out, size_t start, const void *p, size_t n, size_t max_out, char *err)
{
    if (out->len - start + n > max_out) {
        errmsg_set(err, "decompressed body exceeds the limit of %zu bytes", max_out);
        return -2;
    }
    if (buf_append(out, p, n) < 0) {
        errmsg_set(err, "out of memory while decompressing");
        return -3;
    }
    return 0;
}

/* windowBits: 16+15 gzip, 15 zlib, -15 raw deflate. */
static int inflate_capped(int window_bits, const void *in, size_t n, size_t max_out, struct buf *out,
                          char *err)
{
    if (n > 0xffffffffu) {
        errmsg_set(err, "compressed body too large");
        return -2;
    }
    size_t start = out->len;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, window_bits) != Z_OK) {
        errmsg_set(err, "zlib init failed");
        return -3;
    }
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)n;
    unsigned char tmp[CHUNK];
    int rc = 0;
    for (;;) {
        zs.next_out = tmp;
        zs.avail_out = sizeof tmp;
        int zrc = inflate(&zs, Z_NO_FLUSH);
        if (zrc != Z_OK && zrc != Z_STREAM_END && zrc != Z_BUF_ERROR) {
            errmsg_set(err, "invalid compressed body (%s)", zs.msg ? zs.msg : "zlib error");
            rc = -1;
            break;
        }
        rc = put_capped(out, start, tmp, sizeof tmp - zs.avail_out, max_out, err);
        if (rc < 0 || zrc == Z_STREAM_END)
            break;
        if (zrc == Z_BUF_ERROR || (zs.avail_in == 0 && zs.avail_out != 0)) {
            errmsg_set(err, "truncated compressed body");
            rc = -1;
            break;
        }
    }
    inflateEnd(&zs);
    if (rc < 0)
        out->len = start;
    return rc;
}

static int brotli_capped(const void *in, size_t n, size_t max_out, struct buf *out, char *err)
{
    size_t start = out->len;
    BrotliDecoderState *st = BrotliDecoderCreateInstance(NULL, NULL, NULL);
    if (!st) {
        errmsg_set(err, "brotli init failed");
        return -3;
    }
    const uint8_t *next_in = in;
    size_t avail_in = n;
    uint8_t tmp[CHUNK];
    int rc = 0;
    for (;;) {
        uint8_t *next_out = tmp;
        size_t avail_out = sizeof tmp;
        BrotliDecoderResult r =
            BrotliDecoderDecompressStream(st, &avail_in, &next_in, &avail_out, &next_out, NULL);
        rc = put_capped(out, start, tmp, sizeof tmp - avail_out, max_out, err);
        if (rc < 0)
            break;
        if (r == BROTLI_DECODER_RESULT_SUCCESS)
            break;
        if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
            continue;
        errmsg_set(err, r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT ? "truncated compressed body"
                                                                    : "invalid brotli body");
        rc = -1;
        break;
    }
    BrotliDecoderDestroyInstance(st);
    if (rc < 0)
        out->len = start;
    return rc;
}

/* One compression and one decompression context per thread: creating them costs more than
 * compressing a 5 KB event. A thread-specific key frees them when the thread ends (the server
 * runs a thread per connection). */
struct zstd_contexts {
    ZSTD_CCtx *cctx;
    ZSTD_DCtx *dctx;
};
static pthread_key_t zstd_key;
static pthread_once_t zstd_once = PTHREAD_ONCE_INIT;

static void free_contexts(void *p)
{
    struct zstd_contexts *c = p;
    ZSTD_freeCCtx(c->cctx);
    ZSTD_freeDCtx(c->dctx);
    free(c);
}

static void make_key(void) { pthread_key_create(&zstd_key, free_contexts); }

static struct zstd_contexts *thread_contexts(void)
{
    pthread_once(&zstd_once, make_key);
    struct zstd_contexts *c = pthread_getspecific(zstd_key);
    if (!c && (c = calloc(1, sizeof *c)) != NULL && pthread_setspecific(zstd_key, c) != 0) {
        free(c);
        c = NULL;
    }
    return c;
}

/* Frees the calling thread's contexts now (for threads that outlive their use, e.g. main). */
void compress_thread_cleanup(void)
{
    pthread_once(&zstd_once, make_key);   /* the key may never have been created in this process */
    struct zstd_contexts *c = pthread_getspecific(zstd_key);
    if (c) {
        pthread_setspecific(zstd_key, NULL);
        free_contexts(c);
    }
}

static int zstd_capped(const void *in, size_t n, size_t max_out, struct buf *out, char *err)
{
    size_t start = out->len;
    struct zstd_contexts *c = thread_contexts();
    if (c && !c->dctx)
        c->dctx = ZSTD_createDCtx();
    ZSTD_DCtx *dctx = c ? c->dctx : NULL;
    if (!dctx || ZSTD_isError(ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only))) {
        errmsg_set(err, "zstd init failed");
        return -3;
    }
    ZSTD_inBuffer ib = {in, n, 0};
    unsigned char tmp[CHUNK];
    int rc = 0;
    size_t last = 1;
    while (ib.pos < ib.size || last != 0) {
        ZSTD_outBuffer ob = {tmp, sizeof tmp, 0};
        last = ZSTD_decompressStream(dctx, &ob, &ib);
        if (ZSTD_isError(last)) {
            errmsg_set(err, "invalid zstd body (%s)", ZSTD_getErrorName(last));
            rc = -1;
            break;
        }
        rc = put_capped(out, start, tmp, ob.pos, max_out, err);
        if (rc < 0)
            break;
        if (ib.pos == ib.size && last != 0 && ob.pos < ob.size) {
            errmsg_set(err, "truncated compressed body");
            rc = -1;
            break;
        }
    }
    if (rc < 0)
        out->len = start;
    return rc;
}

int decompress_capped(int codec, const void *in, size_t n, size_t max_out, struct buf *out, char *err)
{
    switch (codec) {
    case CODEC_IDENTITY:
        return put_capped(out, out->len, in, n, max_out, err);
    case CODEC_GZIP:
        return inflate_capped(16 + MAX_WBITS, in, n, max_out, out, err);
    case CODEC_DEFLATE: {
        /* HTTP "deflate" means a zlib stream, but some clients send raw deflate. */
        const unsigned char *p = in;
        int zlib_header = n >= 2 && (p[0] & 0x0f) == 8 && ((p[0] << 8) | p[1]) % 31 == 0;
        return inflate_capped(zlib_header ? MAX_WBITS : -MAX_WBITS, in, n, max_out, out, err);
    }
    case CODEC_BROTLI:
        return brotli_capped(in, n, max_out, out, err);
    case CODEC_ZSTD:
        return zstd_capped(in, n, max_out, out, err);
    }
    errmsg_set(err, "unsupported content encoding");
    return -1;
}

int zstd_compress_buf(const void *in, size_t n, struct buf *out)
{
    size_t bound = ZSTD_compressBound(n);
    if (buf_reserve(out, bound) < 0)
        return -1;
    struct zstd_contexts *c = thread_contexts();
    if (c && !c->cctx)
        c->cctx = ZSTD_createCCtx();
    if (!c || !c->cctx)
        return -1;
    size_t r = ZSTD_compressCCtx(c->cctx, out->data + out->len, bound, in, n, 1);
    if (ZSTD_isError(r))
        return -1;
    out->len += r;
    return 0;
}

int zstd_decompress_buf(const void *in, size_t n, size_t max_out, struct buf *out, char *err)
{
    return zstd_capped(in, n, max_out, out, err);
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

int base64_decode(const char *in, size_t n, struct buf *out)
{
    unsigned int acc = 0;
    int bits = 0, pad = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64_value(c);
        if (v < 0 || pad)
            return -1;
        acc = (acc << 6) | (unsigned int)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (buf_putc(out, (char)((acc >> bits) & 0xff)) < 0)
                return -1;
        }
    }
    return pad > 2 ? -1 : 0;
}
