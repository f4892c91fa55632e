/* Compression helpers: content decoding with an output cap (zip bombs stop at the cap) and zstd for
 * stored events. */
#ifndef FAULTLINE_UTIL_COMPRESS_H
#define FAULTLINE_UTIL_COMPRESS_H

#include <stddef.h>

#include "util/buf.h"

enum codec {
    CODEC_IDENTITY = 0,
    CODEC_GZIP,      /* gzip / x-gzip */
    CODEC_DEFLATE,   /* zlib stream, raw deflate accepted too */
    CODEC_BROTLI,
    CODEC_ZSTD,
};

/* Maps a Content-Encoding value to a codec; -1 if unsupported. Empty and "identity"/"utf-8" are
 * identity (Relay ignores those). */
int codec_from_name(const char *name);

/* Decode `in` into `out` (appended). Stops with an error as soon as the output would exceed
 * max_out bytes. Returns 0 ok, -1 corrupt input, -2 over the cap, -3 out of memory; err filled. */
int decompress_capped(int codec, const void *in, size_t n, size_t max_out, struct buf *out, char *err);

/* zstd one-shot compression at a fast level; returns 0 or -1. */
int zstd_compress_buf(const void *in, size_t n, struct buf *out);
/* zstd decompression of a stored blob (capped at max_out). */
int zstd_decompress_buf(const void *in, size_t n, size_t max_out, struct buf *out, char *err);

/* zstd contexts are cached per thread and freed when the thread exits; a long-lived thread that
 * is done compressing (main, before exit) may free its own now. */
void compress_thread_cleanup(void);

/* Standard base64 (with or without padding, whitespace skipped). Returns 0 or -1 on bad input. */
int base64_decode(const char *in, size_t n, struct buf *out);

#endif
