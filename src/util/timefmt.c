#include "util/timefmt.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

double time_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

void time_rfc3339(double t, char out[RFC3339_LEN])
{
    time_t secs = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&secs, &tm)) {
        snprintf(out, RFC3339_LEN, "1970-01-01T00:00:00.000Z");
        return;
    }
    int ms = (int)((t - (double)secs) * 1000.0);
    if (ms < 0 || ms > 999)
        ms = 0;
    strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + strlen(out), 8, ".%03dZ", ms);
}
