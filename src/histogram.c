/* histogram: see histogram.h. Bucket layout: values v < 2^SUB go to bucket
 * v; a larger v with highest set bit e (SUB <= e < MAX_BITS) goes to
 * SUB_COUNT * (e - SUB + 1) + the SUB bits below its top bit, so every
 * bucket of the range [2^e, 2^(e+1)) is 2^(e - SUB) wide. */
#include "histogram.h"

#include <string.h>

#include "zmalloc.h"

#define HIST_SUB_COUNT (1U << HIST_SUB_BITS)
#define HIST_BUCKETS (HIST_SUB_COUNT * (HIST_MAX_BITS - HIST_SUB_BITS + 1))

/* See histogram.h. */
unsigned histBucketCount(void) {
    return HIST_BUCKETS;
}

/* See histogram.h. */
unsigned histBucketOf(uint64_t v) {
    if (v > HIST_MAX_VALUE) v = HIST_MAX_VALUE;
    if (v < HIST_SUB_COUNT) return (unsigned)v;
    unsigned e = 63 - (unsigned)__builtin_clzll(v);
    unsigned shift = e - HIST_SUB_BITS;
    unsigned sub = (unsigned)(v >> shift) & (HIST_SUB_COUNT - 1);
    return HIST_SUB_COUNT * (e - HIST_SUB_BITS + 1) + sub;
}

/* See histogram.h. */
uint64_t histBucketHighest(unsigned idx) {
    if (idx < HIST_SUB_COUNT) return idx;
    unsigned e = idx / HIST_SUB_COUNT + HIST_SUB_BITS - 1;
    unsigned sub = idx % HIST_SUB_COUNT;
    unsigned shift = e - HIST_SUB_BITS;
    uint64_t low = ((uint64_t)(HIST_SUB_COUNT + sub)) << shift;
    return low + (1ULL << shift) - 1;
}

/* See histogram.h. */
histogram *histCreate(void) {
    histogram *h = zmalloc(sizeof(*h));
    h->counts = zcalloc(sizeof(uint64_t) * HIST_BUCKETS);
    h->total = 0;
    h->max = 0;
    return h;
}

/* See histogram.h. */
void histFree(histogram *h) {
    if (!h) return;
    zfree(h->counts);
    zfree(h);
}

/* See histogram.h. */
void histReset(histogram *h) {
    memset(h->counts, 0, sizeof(uint64_t) * HIST_BUCKETS);
    h->total = 0;
    h->max = 0;
}

/* See histogram.h. */
void histRecord(histogram *h, uint64_t v) {
    if (v > HIST_MAX_VALUE) v = HIST_MAX_VALUE;
    h->counts[histBucketOf(v)]++;
    h->total++;
    if (v > h->max) h->max = v;
}

/* See histogram.h. */
uint64_t histValueAtPercentile(const histogram *h, double pct) {
    if (h->total == 0) return 0;
    if (pct > 100) pct = 100;
    if (pct < 0) pct = 0;
    /* The rank of the value asked for, counted from 1. */
    uint64_t rank = (uint64_t)(pct / 100.0 * (double)h->total + 0.5);
    if (rank < 1) rank = 1;
    if (rank > h->total) rank = h->total;
    uint64_t seen = 0;
    unsigned last = histBucketOf(h->max);
    for (unsigned i = 0; i <= last; i++) {
        seen += h->counts[i];
        if (seen >= rank) return histBucketHighest(i);
    }
    return histBucketHighest(last);
}

/* See histogram.h. */
uint64_t histCountAtOrBelow(const histogram *h, uint64_t v) {
    unsigned b = histBucketOf(v);
    uint64_t n = 0;
    for (unsigned i = 0; i <= b; i++) n += h->counts[i];
    return n;
}
