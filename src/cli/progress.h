/* A one-line progress bar on stderr, drawn only when stderr is a terminal. */
#ifndef FAULTLINE_CLI_PROGRESS_H
#define FAULTLINE_CLI_PROGRESS_H

#include <stddef.h>

struct progress {
    const char *what;
    int         tty;
    double      last;   /* time of the last redraw */
};

void progress_init(struct progress *pg, const char *what);
/* fraction in [0, 1], or negative when the total is unknown. Redraws at most 10 times a second. */
void progress_show(struct progress *pg, double fraction, size_t done, const char *unit);
void progress_end(struct progress *pg);

#endif
