/* histogram: a fixed-precision histogram of unsigned 64-bit values
 * (latency samples in nanoseconds), with about 1.6% relative error.
 *
 * Values below 64 have a bucket each; above, every power of two is cut
 * into 64 equal buckets, up to HIST_MAX_VALUE (larger values count as
 * HIST_MAX_VALUE). The counts live in one zmalloc'ed block that the
 * histogram owns. A leaf module: it includes neither server.h nor sds.h. */
#ifndef HISTOGRAM_H
#define HISTOGRAM_H

#include <stdint.h>

#define HIST_SUB_BITS 6
#define HIST_MAX_BITS 40                     /* values up to 2^40 - 1 */
#define HIST_MAX_VALUE ((1ULL << HIST_MAX_BITS) - 1)

typedef struct histogram {
    uint64_t total;    /* values recorded */
    uint64_t max;      /* largest value recorded (after clamping) */
    uint64_t *counts;  /* one count per bucket */
} histogram;

/* Returns a new empty histogram, owned by the caller (histFree). */
histogram *histCreate(void);
void histFree(histogram *h);
/* Forgets every value recorded in <h>. */
void histReset(histogram *h);
/* Records <value> once. */
void histRecord(histogram *h, uint64_t value);
/* The highest value of the bucket that holds the value of rank <pct>
 * percent (0 < pct <= 100) of the recorded values; 0 when <h> is empty. */
uint64_t histValueAtPercentile(const histogram *h, double pct);
/* How many recorded values are at most <value> (at bucket precision: the
 * whole bucket holding <value> counts). */
uint64_t histCountAtOrBelow(const histogram *h, uint64_t value);
/* The bucket index of <value> and the highest value of bucket <idx>;
 * exposed for the unit test. */
unsigned histBucketOf(uint64_t value);
uint64_t histBucketHighest(unsigned idx);
unsigned histBucketCount(void);

#endif
