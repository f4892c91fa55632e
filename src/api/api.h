/* JSON web API (Bearer tokens), in the shape of Sentry's where it costs little. docs/api.md lists
 * the routes. The HTTP layer hands over a parsed request; the API answers with status + JSON. */
#ifndef FAULTLINE_API_H
#define FAULTLINE_API_H

#include <stddef.h>

#include "util/buf.h"
#include "util/stats.h"

struct api;

struct similarity;

struct api_config {
    const char            *data_dir;
    const char            *public_url;   /* base of DSNs, e.g. http://127.0.0.1:8000 */
    struct pipeline_stats *stats;
    struct similarity     *sim;          /* NULL when no encoder is loaded */
};
int  api_new(const struct api_config *cfg, struct api **out, char *err);
void api_free(struct api *api);

struct api_request {
    const char *method;
    const char *path;             /* starts with /api/0/ */
    const char *authorization;
    const char *body;
    size_t      body_len;
    const char *(*query)(void *ctx, const char *key);   /* query-string lookup, NULL if absent */
    /* every value of a repeated query argument (?id=1&id=2); returns the count stored (<= cap) */
    int (*query_all)(void *ctx, const char *key, const char **values, int cap);
    void       *query_ctx;
};

struct api_response {
    int        status;
    struct buf body;
    char       link[512];       /* Link header for paged lists, "" if none */
};
void api_handle(struct api *api, const struct api_request *req, struct api_response *resp);

/* "http://KEY@host:port/ID" for a project. */
void api_format_dsn(const char *public_url, const char *key, long long project_id, char *out, size_t cap);

#endif
