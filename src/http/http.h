/* HTTP server (libmicrohttpd): receives requests, enforces the request-size limit while the body
 * arrives, answers CORS preflights, and routes to ingestion (/api/<id>/envelope|store/) or the JSON
 * API (/api/0/...). */
#ifndef FAULTLINE_HTTP_H
#define FAULTLINE_HTTP_H

#include <stddef.h>

struct ingest;
struct api;

struct http_config {
    const char    *host;          /* listen address, e.g. 127.0.0.1 or 0.0.0.0 */
    int            port;
    size_t         max_request;   /* bytes of body as sent */
    int            threads;       /* polling threads; 0: one per core, at least 2 */
    struct ingest *ingest;
    struct api    *api;
};

struct http_server;
int  http_start(const struct http_config *cfg, struct http_server **out, char *err);
void http_stop(struct http_server *srv);

/* Splits "HOST:PORT" (or ":PORT", "[v6]:PORT"); returns 0 or -1. */
int  http_parse_listen(const char *listen, char *host, size_t host_cap, int *port);

#endif
