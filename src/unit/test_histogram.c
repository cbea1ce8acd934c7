/* test_histogram.c: unit tests of histogram.c: the bucket layout (every
 * value lands in a bucket whose range holds it, within 1/64 relative
 * width), percentiles against a sorted copy of random samples, cumulative
 * counts, clamping and reset.
 *
 * Build: make unit/test_histogram */
#include <stdint.h>
#include <stdlib.h>

#include "../histogram.h"
#include "test_help.h"

static uint64_t bucketLowest(unsigned idx) {
    return idx == 0 ? 0 : histBucketHighest(idx - 1) + 1;
}

TEST_CASE(testBucketLayout) {
    /* Buckets tile the value range without gaps or overlaps. */
    for (unsigned i = 1; i < histBucketCount(); i++)
        ASSERT(histBucketHighest(i) > histBucketHighest(i - 1));
    ASSERT(histBucketHighest(histBucketCount() - 1) == HIST_MAX_VALUE);
    /* Small values are exact. */
    for (uint64_t v = 0; v < 64; v++) ASSERT_EQ_INT(histBucketOf(v), v);
    /* Every value is inside its bucket, and the bucket is narrow. */
    srand(7);
    for (int j = 0; j < 100000; j++) {
        uint64_t v = ((uint64_t)rand() << 31 | (uint64_t)rand()) >>
                     (rand() % 60);
        if (v > HIST_MAX_VALUE) v = HIST_MAX_VALUE;
        unsigned b = histBucketOf(v);
        ASSERT(v >= bucketLowest(b) && v <= histBucketHighest(b));
        uint64_t width = histBucketHighest(b) - bucketLowest(b) + 1;
        ASSERT(width == 1 || width * 64 <= v);
    }
    /* Powers of two start a bucket. */
    for (int e = 6; e < HIST_MAX_BITS; e++)
        ASSERT(bucketLowest(histBucketOf(1ULL << e)) == 1ULL << e);
}

static int cmpU64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

TEST_CASE(testPercentiles) {
    enum { N = 20000 };
    static uint64_t vals[N];
    histogram *h = histCreate();
    ASSERT_EQ_INT(histValueAtPercentile(h, 50), 0);
    srand(11);
    for (int j = 0; j < N; j++) {
        vals[j] = 1000 + (uint64_t)(rand() % 5000000);
        histRecord(h, vals[j]);
    }
    ASSERT_EQ_INT(h->total, N);
    qsort(vals, N, sizeof(vals[0]), cmpU64);
    double pcts[] = {1, 50, 90, 99, 99.9, 100};
    for (unsigned k = 0; k < sizeof(pcts) / sizeof(pcts[0]); k++) {
        uint64_t got = histValueAtPercentile(h, pcts[k]);
        size_t rank = (size_t)(pcts[k] / 100.0 * N + 0.5);
        if (rank < 1) rank = 1;
        uint64_t want = vals[rank - 1];
        /* The answer is the top of the bucket holding the exact value. */
        ASSERT(got >= want);
        ASSERT(got - want <= want / 64 + 1);
    }
    ASSERT(histValueAtPercentile(h, 100) >= h->max);
    histFree(h);
}

TEST_CASE(testCountsAndClamp) {
    histogram *h = histCreate();
    histRecord(h, 1);
    histRecord(h, 1);
    histRecord(h, 1000);
    histRecord(h, 2000);
    histRecord(h, UINT64_MAX);
    ASSERT_EQ_INT(histCountAtOrBelow(h, 0), 0);
    ASSERT_EQ_INT(histCountAtOrBelow(h, 1), 2);
    ASSERT_EQ_INT(histCountAtOrBelow(h, 1024), 3);
    ASSERT_EQ_INT(histCountAtOrBelow(h, 2048), 4);
    ASSERT_EQ_INT(histCountAtOrBelow(h, HIST_MAX_VALUE), 5);
    ASSERT(h->max == HIST_MAX_VALUE);
    ASSERT(histValueAtPercentile(h, 100) == HIST_MAX_VALUE);
    ASSERT_EQ_INT(histValueAtPercentile(h, 40), 1);
    histReset(h);
    ASSERT_EQ_INT(h->total, 0);
    ASSERT_EQ_INT(histCountAtOrBelow(h, HIST_MAX_VALUE), 0);
    histFree(h);
}

int main(void) {
    RUN_TEST(testBucketLayout);
    RUN_TEST(testPercentiles);
    RUN_TEST(testCountsAndClamp);
    return TEST_REPORT();
}
