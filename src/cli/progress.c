#include "cli/progress.h"
#include "util/timefmt.h"

#include <stdio.h>
#include <sys/time.h>
#include <unistd.h>

void progress_init(struct progress *pg, const char *what)
{
    pg->what = what;
    pg->tty = isatty(STDERR_FILENO);
    pg->last = 0;
}

void progress_show(struct progress *pg, double fraction, size_t done, const char *unit)
{
    double t = time_now();
    if (!pg->tty || (t - pg->last < 0.1 && fraction < 1))
        return;
    pg->last = t;
    char bar[31];
    int fill = fraction < 0 ? 0 : (int)(fraction * 30 + 0.5);
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    if (fraction >= 0)
        fprintf(stderr, "\r%-24.24s [%s] %3.0f%% %zu %s", pg->what, bar, fraction * 100, done, unit);
    else
        fprintf(stderr, "\r%-24.24s %zu %s", pg->what, done, unit);
    fflush(stderr);
}

void progress_end(struct progress *pg)
{
    if (pg->tty)
        fprintf(stderr, "\r\033[K");
}
