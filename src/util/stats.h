/* Pipeline counters shared between ingestion, the inbox committer, the digest and the API. */
#ifndef FAULTLINE_UTIL_STATS_H
#define FAULTLINE_UTIL_STATS_H

#include <stdatomic.h>
#include <stdint.h>

struct pipeline_stats {
    _Atomic int64_t accepted;       /* events committed to the inbox since start (resent ids too) */
    _Atomic int64_t pending;        /* events in the inbox not yet digested */
    _Atomic int64_t digested;       /* events grouped since start */
    _Atomic int64_t duplicates;     /* resent event ids the digest dropped */
    _Atomic int64_t rejected;       /* requests answered with 4xx */
    _Atomic int64_t rate_limited;   /* requests answered with 429 */
};

#endif
