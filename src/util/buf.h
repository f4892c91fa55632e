/* Growable byte buffer and small string helpers shared by every module. */
#ifndef FAULTLINE_UTIL_BUF_H
#define FAULTLINE_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char  *data;   /* always NUL-terminated when len > 0 or after buf_reserve */
    size_t len;
    size_t cap;
};

#define BUF_INIT {NULL, 0, 0}

/* All return 0 on success, -1 on allocation failure (the buffer is left unchanged). */
int  buf_reserve(struct buf *b, size_t extra);
int  buf_append(struct buf *b, const void *data, size_t n);
int  buf_puts(struct buf *b, const char *s);
int  buf_putc(struct buf *b, char c);
int  buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int  buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_reset(struct buf *b);             /* len = 0, keeps memory */
void buf_free(struct buf *b);
char *buf_steal(struct buf *b);            /* hands the (NUL-terminated) data to the caller */

/* Error message slot: modules fill it, callers show it. */
#define ERRMSG_SIZE 256
void errmsg_set(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
