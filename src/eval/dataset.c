/* Streaming reader of labelled datasets: `{"event": {...}, "group": "..."}` per line.
 *
 * zlib's gzread reads gzip and plain files alike, so one path serves both. Lines are assembled
 * from 64 KiB chunks; a line longer than the cap is skipped (its bytes are discarded as they
 * arrive, never buffered). Every malformed line is counted and the first few are listed with their
 * line numbers; only unreadable or corrupt compressed input stops the reader. */
#include "eval/eval.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK (64 * 1024)

struct eval_reader {
    gzFile  gz;
    double  file_size;          /* bytes on disk; 0 when unknown */
    size_t  max_line;
    char   *chunk;
    size_t  chunk_len, chunk_pos;
    int     eof;
    size_t  line_no;
    struct buf line;
    json_t *root;               /* the current item's line; owned */
    char    label_num[32];      /* numeric labels converted to text */
    char    platform[64];
    struct eval_bad_lines bad;
};

void eval_bad_lines_add(struct eval_bad_lines *b, size_t line, const char *fmt, ...)
{
    if (b->listed < EVAL_BAD_LISTED) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(b->msg[b->listed], sizeof b->msg[0], fmt, ap);
        va_end(ap);
        b->line[b->listed++] = line;
    }
    b->count++;
}

int eval_reader_open(struct eval_reader **out, const char *path, size_t max_line, char *err)
{
    *out = NULL;
    struct eval_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->chunk = malloc(CHUNK))) {
        free(r);
        errmsg_set(err, "out of memory");
        return -1;
    }
    r->max_line = max_line ? max_line : EVAL_MAX_LINE_DEFAULT;
    int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
        errmsg_set(err, "%s: %s", path, fd < 0 ? strerror(errno) : "is a directory");
        goto fail;
    }
    if (S_ISREG(st.st_mode))
        r->file_size = (double)st.st_size;
    r->gz = gzdopen(fd, "rb");
    if (!r->gz) {
        errmsg_set(err, "%s: cannot open for reading", path);
        goto fail;
    }
    gzbuffer(r->gz, CHUNK);
    *out = r;
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    free(r->chunk);
    free(r);
    return -1;
}

void eval_reader_close(struct eval_reader *r)
{
    if (!r)
        return;
    if (r->gz)
        gzclose(r->gz);
    json_decref(r->root);
    buf_free(&r->line);
    free(r->chunk);
    free(r);
}

const struct eval_bad_lines *eval_reader_bad(const struct eval_reader *r) { return &r->bad; }

double eval_reader_progress(const struct eval_reader *r)
{
    if (r->file_size <= 0)
        return -1;
    if (r->eof)
        return 1;
    z_off_t off = gzoffset(r->gz);   /* compressed bytes consumed */
    double f = off < 0 ? 0 : (double)off / r->file_size;
    return f > 1 ? 1 : f;
}

/* Reads the next raw line into r->line. Returns 1 (line; *too_long set if it was capped), 0 at
 * end of input, -1 on a read error. */
static int read_line(struct eval_reader *r, int *too_long, char *err)
{
    buf_reset(&r->line);
    *too_long = 0;
    int any = 0;
    for (;;) {
        if (r->chunk_pos == r->chunk_len) {
            if (r->eof)
                return any;
            int n = gzread(r->gz, r->chunk, CHUNK);
            if (n < 0) {
                int code;
                const char *msg = gzerror(r->gz, &code);
                errmsg_set(err, "line %zu: read error: %s", r->line_no + 1, msg);
                return -1;
            }
            if (n == 0) {
                /* gzread reports a truncated gzip stream at the end as "unexpected end of file" */
                int code;
                const char *msg = gzerror(r->gz, &code);
                if (code != Z_OK && code != Z_BUF_ERROR) {
                    errmsg_set(err, "line %zu: read error: %s", r->line_no + 1, msg);
                    return -1;
                }
                if (code == Z_BUF_ERROR) {
                    errmsg_set(err, "line %zu: compressed input is truncated (%s)",
                               r->line_no + 1, msg);
                    return -1;
                }
                r->eof = 1;
                return any;
            }
            r->chunk_len = (size_t)n;
            r->chunk_pos = 0;
        }
        any = 1;
        const char *start = r->chunk + r->chunk_pos;
        size_t avail = r->chunk_len - r->chunk_pos;
        const char *nl = memchr(start, '\n', avail);
        size_t take = nl ? (size_t)(nl - start) : avail;
        if (!*too_long) {
            if (r->line.len + take > r->max_line) {
                *too_long = 1;
                buf_reset(&r->line);
            } else if (buf_append(&r->line, start, take) < 0) {
                errmsg_set(err, "line %zu: out of memory", r->line_no + 1);
                return -1;
            }
        }
        r->chunk_pos += take + (nl ? 1 : 0);
        if (nl)
            return 1;
    }
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

int eval_reader_next(struct eval_reader *r, struct eval_item *item, char *err)
{
    json_decref(r->root);
    r->root = NULL;
    for (;;) {
        int too_long;
        int rc = read_line(r, &too_long, err);
        if (rc <= 0)
            return rc;
        size_t no = ++r->line_no;
        if (too_long) {
            eval_bad_lines_add(&r->bad, no, "longer than %zu bytes", r->max_line);
            continue;
        }
        const char *s = r->line.data ? r->line.data : "";
        size_t n = r->line.len;
        if (no == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)   /* UTF-8 byte order mark */
            s += 3, n -= 3;
        if (blank(s, n))
            continue;
        json_error_t jerr;
        json_t *root = json_loadb(s, n, JSON_ALLOW_NUL, &jerr);
        if (!root) {
            eval_bad_lines_add(&r->bad, no, "invalid JSON at column %d: %s", jerr.column, jerr.text);
            continue;
        }
        const json_t *event = json_object_get(root, "event");
        const json_t *group = json_object_get(root, "group");
        const char *why = NULL;
        if (!json_is_object(root))
            why = "not a JSON object";
        else if (!json_is_object(event))
            why = "no \"event\" object";
        else if (json_is_string(group) && json_string_length(group) > 0
                 && strlen(json_string_value(group)) == json_string_length(group))
            item->label = json_string_value(group);
        else if (json_is_integer(group)) {
            snprintf(r->label_num, sizeof r->label_num, "%" JSON_INTEGER_FORMAT,
                     json_integer_value(group));
            item->label = r->label_num;
        } else
            why = "no \"group\" label (a non-empty string or an integer)";
        if (why) {
            eval_bad_lines_add(&r->bad, no, "%s", why);
            json_decref(root);
            continue;
        }
        const json_t *pf = json_object_get(event, "platform");
        const char *platform = json_is_string(pf) && json_string_length(pf) > 0
                                   ? json_string_value(pf) : "other";
        snprintf(r->platform, sizeof r->platform, "%s", platform);
        size_t plen = strlen(r->platform);     /* a cut must not split a UTF-8 sequence */
        while (plen > 0 && ((unsigned char)platform[plen] & 0xC0) == 0x80)
            plen--;
        r->platform[plen] = '\0';
        if (plen == 0)
            strcpy(r->platform, "other");
        r->root = root;
        item->line = no;
        item->event = event;
        item->platform = r->platform;
        return 1;
    }
}
