/* libFuzzer target: the ingestion parsers that see raw request bytes: content decoding (gzip,
 * deflate, brotli, zstd, capped), envelopes, the X-Sentry-Auth header, DSNs, event ids and base64.
 * Checks that decoding never passes its cap, that every item an envelope yields lies inside the
 * input, and that a normalised event id is 32 lowercase hex digits. */
#include "ingest/ingest.h"
#include "util/buf.h"
#include "util/compress.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct envelope env; /* 1,000 items: too large for the fuzzer's stack */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[ERRMSG_SIZE];
    const char *text = (const char *)data;
    if (size > 0) { /* first byte: the codec, the rest the body */
        static const int codecs[] = {CODEC_GZIP, CODEC_DEFLATE, CODEC_BROTLI, CODEC_ZSTD};
        const size_t cap = 1 << 20;
        struct buf out = BUF_INIT;
        int rc = decompress_capped(codecs[data[0] & 3], data + 1, size - 1, cap, &out, err);
        if (out.len > cap || (rc == 0 && out.len && !out.data))
            abort();
        buf_free(&out);
        struct buf b64 = BUF_INIT;
        if (base64_decode(text, size, &b64) == 0 && b64.len > size)
            abort();
        buf_free(&b64);
    }
    if (envelope_parse(text, size, &env, err) == 0) {
        if (env.n_items < 0 || env.n_items > ENVELOPE_MAX_ITEMS)
            abort();
        for (int i = 0; i < env.n_items; i++) {
            const struct envelope_item *it = &env.items[i];
            if (it->len && (it->payload < text || it->payload + it->len > text + size))
                abort();
            if (!memchr(it->type, 0, sizeof it->type))
                abort();
        }
    }
    /* the string parsers take C strings: use the input up to its first NUL (at most 4 KiB) */
    char s[4096];
    size_t n = size < sizeof s - 1 ? size : sizeof s - 1;
    memcpy(s, data, n);
    s[n] = '\0';
    struct sentry_auth auth;
    ingest_parse_auth_header(s, &auth, err);
    char key[65], project[32];
    ingest_parse_dsn(s, key, project, err);
    char id[33];
    if (ingest_normalize_event_id(s, id) == 0) {
        if (strlen(id) != 32 || strspn(id, "0123456789abcdef") != 32)
            abort();
    }
    return 0;
}
