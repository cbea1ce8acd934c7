/* metrics: the "instantaneous" rates of INFO stats (ops per second, input
 * and output kbps) and the Stats and CPU fields of
 * Redis 7.0 that no other module reports.
 *
 * Owns: a ring of STATS_METRIC_SAMPLES samples per metric, taken from
 * serverCron; a rate is the mean of the per-millisecond increments
 * between consecutive samples, scaled to a second.
 * Must not touch: the counters themselves, which their modules keep. */
#include <sys/resource.h>

#include "server.h"

#define STATS_METRIC_SAMPLES 16
#define STATS_METRIC_PERIOD_MS 100

enum {
    METRIC_COMMANDS,
    METRIC_NET_INPUT,
    METRIC_NET_OUTPUT,
    METRIC_COUNT
};

static struct {
    long long last_ms;                 /* time of the previous sample */
    long long last_value;              /* counter at the previous sample */
    long long samples[STATS_METRIC_SAMPLES]; /* per second */
    int idx;
} metrics[METRIC_COUNT];

static long long metricsLastSampleMs;

static void metricsTrack(int m, long long value, long long now) {
    if (metrics[m].last_ms) {
        long long dt = now - metrics[m].last_ms;
        long long dv = value - metrics[m].last_value;
        if (dv < 0) dv = 0; /* CONFIG RESETSTAT */
        metrics[m].samples[metrics[m].idx] = dt > 0 ? dv * 1000 / dt : 0;
        metrics[m].idx = (metrics[m].idx + 1) % STATS_METRIC_SAMPLES;
    }
    metrics[m].last_ms = now;
    metrics[m].last_value = value;
}

static long long metricsRate(int m) {
    long long sum = 0;
    for (int j = 0; j < STATS_METRIC_SAMPLES; j++) sum += metrics[m].samples[j];
    return sum / STATS_METRIC_SAMPLES;
}

/* See server.h: called from every serverCron tick; samples at most every
 * STATS_METRIC_PERIOD_MS. */
void metricsCron(void) {
    long long now = mstime();
    if (now - metricsLastSampleMs < STATS_METRIC_PERIOD_MS) return;
    metricsLastSampleMs = now;
    metricsTrack(METRIC_COMMANDS, server.stat_numcommands, now);
    metricsTrack(METRIC_NET_INPUT, server.stat_net_input_bytes, now);
    metricsTrack(METRIC_NET_OUTPUT, server.stat_net_output_bytes, now);
}

/* See server.h (CONFIG RESETSTAT): forgets the samples. */
void metricsReset(void) {
    memset(metrics, 0, sizeof(metrics));
}

/* See server.h. */
long long metricsOpsPerSec(void) {
    return metricsRate(METRIC_COMMANDS);
}

/* See server.h: the Stats fields of Redis 7.0 missing from info.c's list,
 * with the values this server has (0 for features it does not have: I/O
 * threads, active defragmentation). */
sds metricsCatStatsFields(sds info) {
    unsigned long shard = server.pubsub_shard_channels
                              ? dictSize(server.pubsub_shard_channels) : 0;
    info = sdsCatPrintf(info,
        "total_net_repl_input_bytes:0\r\n"
        "total_net_repl_output_bytes:0\r\n"
        "instantaneous_input_kbps:%.2f\r\n"
        "instantaneous_output_kbps:%.2f\r\n"
        "instantaneous_input_repl_kbps:0.00\r\n"
        "instantaneous_output_repl_kbps:0.00\r\n"
        "expire_cycle_cpu_milliseconds:%lld\r\n"
        "pubsubshard_channels:%lu\r\n"
        "migrate_cached_sockets:%lu\r\n"
        "slave_expires_tracked_keys:0\r\n"
        "active_defrag_hits:0\r\n"
        "active_defrag_misses:0\r\n"
        "active_defrag_key_hits:0\r\n"
        "active_defrag_key_misses:0\r\n"
        "total_active_defrag_time:0\r\n"
        "current_active_defrag_time:0\r\n"
        "dump_payload_sanitizations:%lld\r\n"
        "io_threaded_reads_processed:0\r\n"
        "io_threaded_writes_processed:0\r\n"
        "reply_buffer_shrinks:0\r\n"
        "reply_buffer_expands:0\r\n",
        metricsRate(METRIC_NET_INPUT) / 1024.0,
        metricsRate(METRIC_NET_OUTPUT) / 1024.0,
        server.stat_expire_cycle_time_used / 1000, shard,
        migrateCachedSockets(), server.stat_dump_payload_sanitizations);
    return info;
}

/* See server.h: the main thread's own CPU time (this server runs commands
 * in one thread, so it differs from the process's by the helper threads). */
sds metricsCatCpuFields(sds info) {
    struct rusage self;
#ifdef RUSAGE_THREAD
    if (getrusage(RUSAGE_THREAD, &self) != 0)
#endif
        getrusage(RUSAGE_SELF, &self);
    return sdsCatPrintf(info,
        "used_cpu_sys_main_thread:%ld.%06ld\r\n"
        "used_cpu_user_main_thread:%ld.%06ld\r\n",
        (long)self.ru_stime.tv_sec, (long)self.ru_stime.tv_usec,
        (long)self.ru_utime.tv_sec, (long)self.ru_utime.tv_usec);
}
