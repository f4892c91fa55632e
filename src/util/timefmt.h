/* Time formatting shared by the store and the API. */
#ifndef FAULTLINE_UTIL_TIMEFMT_H
#define FAULTLINE_UTIL_TIMEFMT_H

/* Wall-clock time in unix seconds (microsecond resolution). */
double time_now(void);

#define RFC3339_LEN 40
/* Unix seconds -> "2026-11-28T09:14:05.248Z". */
void time_rfc3339(double t, char out[RFC3339_LEN]);

#endif
