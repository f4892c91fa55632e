/* Interim grouping: exception type + roughly parameterised value (digits masked).
 * The fingerprint issue replaces this file with Sentry's newstyle:2023-01-11 strategy. */
#include "grouping/grouping.h"
#include "util/buf.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static const char *str_field(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static void md5_hex(const char *data, size_t n, char out[GROUPING_HASH_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data, n, md, &len, EVP_md5(), NULL);
    for (unsigned int i = 0; i < len && i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int grouping_compute(const json_t *event, const struct grouping_config *cfg,
                     struct grouping_result *out, char *err)
{
    (void)cfg;
    memset(out, 0, sizeof *out);
    if (!json_is_object(event)) {
        errmsg_set(err, "event is not a JSON object");
        return -1;
    }
    const char *type = NULL, *value = NULL;
    const json_t *exc = json_object_get(event, "exception");
    const json_t *values = json_is_object(exc) ? json_object_get(exc, "values") : exc;
    if (json_is_array(values) && json_array_size(values) > 0) {
        const json_t *last = json_array_get(values, json_array_size(values) - 1);
        type = str_field(last, "type");
        value = str_field(last, "value");
    }
    const char *message = str_field(event, "message");
    const json_t *logentry = json_object_get(event, "logentry");
    if (!message && json_is_object(logentry))
        message = str_field(logentry, "formatted") ? str_field(logentry, "formatted")
                                                   : str_field(logentry, "message");

    struct buf key = BUF_INIT, title = BUF_INIT;
    if (type || value) {
        buf_printf(&title, "%s%s%s", type ? type : "Error", value ? ": " : "", value ? value : "");
        buf_puts(&key, type ? type : "");
        buf_putc(&key, '\n');
        for (const char *p = value ? value : ""; *p; p++)
            buf_putc(&key, isdigit((unsigned char)*p) ? '#' : *p);
    } else {
        buf_puts(&title, message ? message : "<unlabeled event>");
        buf_puts(&key, message ? message : "");
    }
    md5_hex(key.data ? key.data : "", key.len, out->hashes[0]);
    out->n_hashes = 1;
    buf_free(&key);
    out->title = buf_steal(&title);
    out->culprit = strdup("");
    const char *level = str_field(event, "level");
    snprintf(out->level, sizeof out->level, "%s", level ? level : "error");
    const char *platform = str_field(event, "platform");
    snprintf(out->platform, sizeof out->platform, "%s", platform ? platform : "other");
    out->info_json = strdup("{\"strategy\":\"interim:type-value\"}");
    if (!out->title || !out->culprit || !out->info_json) {
        grouping_result_free(out);
        errmsg_set(err, "out of memory");
        return -1;
    }
    return 0;
}

void grouping_result_free(struct grouping_result *r)
{
    free(r->title);
    free(r->culprit);
    free(r->info_json);
    r->title = r->culprit = r->info_json = NULL;
}

int grouping_validate_rules(int kind, const char *text, char *err)
{
    (void)kind;
    (void)text;
    (void)err;
    return 0;
}
