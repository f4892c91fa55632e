/* Envelope parser, per the spec:
 *   Envelope = Headers { "\n" Item } [ "\n" ]     Item = Headers "\n" Payload
 * Headers are one line of JSON. An item with a "length" header has exactly that many payload
 * bytes, followed by "\n" or the end; without it the payload runs to the next "\n". */
#include "ingest/ingest.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "util/jsonscan.h"

/* Parses the JSON line [p, p+n) into an object (duplicate keys refused). */
static json_t *parse_header(const char *p, size_t n, const char *what, char *err)
{
    char why[ERRMSG_SIZE];
    json_t *h = jsonscan_build(p, n, JSONSCAN_REJECT_DUPLICATES | JSONSCAN_PLAIN_ERRORS, NULL, NULL, why);
    if (!h)
        errmsg_set(err, "invalid %s header: %s", what, why);
    return h;
}

int envelope_parse(const char *data, size_t n, struct envelope *env, char *err)
{
    env->event_id[0] = env->dsn[0] = '\0';   /* the item array is filled as parsed, not cleared */
    env->n_items = 0;
    const char *end = data + n;
    const char *nl = memchr(data, '\n', n);
    const char *line_end = nl ? nl : end;
    json_t *h = parse_header(data, (size_t)(line_end - data), "envelope", err);
    if (!h)
        return -1;
    json_t *eid = json_object_get(h, "event_id");
    if (eid && !json_is_null(eid)) {
        if (!json_is_string(eid) || ingest_normalize_event_id(json_string_value(eid), env->event_id) < 0) {
            json_decref(h);
            errmsg_set(err, "invalid event_id in envelope header");
            return -1;
        }
    }
    json_t *dsn = json_object_get(h, "dsn");
    if (json_is_string(dsn))
        snprintf(env->dsn, sizeof env->dsn, "%s", json_string_value(dsn));
    json_decref(h);

    const char *p = nl ? nl + 1 : end;
    while (p < end) {
        if (*p == '\n' && p + 1 == end)   /* trailing newline */
            break;
        if (env->n_items >= ENVELOPE_MAX_ITEMS) {
            errmsg_set(err, "too many envelope items (max %d)", ENVELOPE_MAX_ITEMS);
            return -1;
        }
        nl = memchr(p, '\n', (size_t)(end - p));
        line_end = nl ? nl : end;
        if (line_end == p) {
            errmsg_set(err, "empty item header at byte %zu", (size_t)(p - data));
            return -1;
        }
        h = parse_header(p, (size_t)(line_end - p), "item", err);
        if (!h)
            return -1;
        struct envelope_item *it = &env->items[env->n_items];
        json_t *type = json_object_get(h, "type");
        if (!json_is_string(type) || json_string_length(type) == 0 ||
            json_string_length(type) >= sizeof it->type) {
            json_decref(h);
            errmsg_set(err, "envelope item %d has no valid type", env->n_items);
            return -1;
        }
        snprintf(it->type, sizeof it->type, "%s", json_string_value(type));
        json_t *length = json_object_get(h, "length");
        int has_length = length && !json_is_null(length);
        json_int_t len = has_length && json_is_integer(length) ? json_integer_value(length) : -1;
        json_decref(h);
        const char *payload = nl ? nl + 1 : end;
        if (has_length) {
            if (len < 0 || len > 0xffffffffLL) {
                errmsg_set(err, "envelope item %d has an invalid length", env->n_items);
                return -1;
            }
            if ((size_t)len > (size_t)(end - payload)) {
                errmsg_set(err, "envelope item %d is truncated: length %lld, %zu bytes left", env->n_items,
                           (long long)len, (size_t)(end - payload));
                return -1;
            }
            it->payload = payload;
            it->len = (size_t)len;
            p = payload + len;
            if (p < end) {
                if (*p != '\n') {
                    errmsg_set(err, "envelope item %d: payload not followed by a newline", env->n_items);
                    return -1;
                }
                p++;
            }
        } else {
            const char *pe = payload < end ? memchr(payload, '\n', (size_t)(end - payload)) : NULL;
            it->payload = payload;
            it->len = (size_t)((pe ? pe : end) - payload);
            p = pe ? pe + 1 : end;
        }
        env->n_items++;
    }
    return 0;
}
