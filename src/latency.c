/* latency: the latency monitor (LATENCY LATEST, HISTORY, RESET, GRAPH,
 * DOCTOR), the per-command latency histograms (LATENCY HISTOGRAM,
 * latency-tracking) and INFO's latencystats section.
 *
 * Owns: one time series per event class (the last LATENCY_TS_LEN seconds
 * in which the event took at least latency-monitor-threshold ms, with its
 * all-time maximum) and one histogram (histogram.c, nanoseconds) per
 * command that ran while latency-tracking was on.
 * Must not touch: the places that measure; they call
 * latencyAddSampleIfNeeded and latencyTrackCommand and know nothing else.
 *
 * Event names follow Redis 7.0 (redis.io, "Redis latency monitoring"):
 * command, fast-command, expire-cycle, eviction-cycle, fork, aof-write,
 * aof-fsync-always, ... */
#include <math.h>

#include "server.h"
#include "histogram.h"

#define LATENCY_TS_LEN 160  /* samples kept per event */
#define LATENCY_MAX_EVENTS 64

typedef struct latencySample {
    int32_t time;      /* unix time of the second, 0 for an unused slot */
    uint32_t latency;  /* ms, the highest seen in that second */
} latencySample;

typedef struct latencyEvent {
    char name[48];
    int idx;           /* next slot to write */
    uint32_t max;      /* all-time maximum, ms */
    latencySample samples[LATENCY_TS_LEN];
} latencyEvent;

static latencyEvent *events[LATENCY_MAX_EVENTS];
static int eventCount;

/* Per-command histograms: the command table's entries never go away, so
 * they are keyed by address. */
typedef struct cmdHistogram {
    struct redisCommand *cmd;
    histogram *h;
} cmdHistogram;

static cmdHistogram *cmdHists;
static size_t cmdHistCount, cmdHistCap;

static latencyEvent *latencyFindEvent(const char *name) {
    for (int i = 0; i < eventCount; i++)
        if (!strcasecmp(events[i]->name, name)) return events[i];
    return NULL;
}

/* Records <ms> for <event> (creating its series), merging samples of the
 * same second by keeping the highest. */
static void latencyAddSample(const char *event, uint32_t ms) {
    latencyEvent *ev = latencyFindEvent(event);
    if (!ev) {
        if (eventCount == LATENCY_MAX_EVENTS) return;
        ev = zcalloc(sizeof(*ev));
        snprintf(ev->name, sizeof(ev->name), "%s", event);
        events[eventCount++] = ev;
    }
    int32_t now = (int32_t)time(NULL);
    if (ms > ev->max) ev->max = ms;
    int prev = (ev->idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN;
    if (ev->samples[prev].time == now) {
        if (ms > ev->samples[prev].latency) ev->samples[prev].latency = ms;
        return;
    }
    ev->samples[ev->idx].time = now;
    ev->samples[ev->idx].latency = ms;
    ev->idx = (ev->idx + 1) % LATENCY_TS_LEN;
}

/* See server.h. */
void latencyAddSampleIfNeeded(const char *event, long long duration_ms) {
    if (server.latency_monitor_threshold <= 0) return;
    if (duration_ms < server.latency_monitor_threshold) return;
    latencyAddSample(event, duration_ms > UINT32_MAX ? UINT32_MAX
                                                     : (uint32_t)duration_ms);
}

static cmdHistogram *latencyFindCommandHistogram(struct redisCommand *cmd) {
    if (!cmd->latency_histogram) return NULL;
    for (size_t i = 0; i < cmdHistCount; i++)
        if (cmdHists[i].cmd == cmd) return &cmdHists[i];
    return NULL;
}

/* See server.h. <duration_ns> is clamped to at least 1 µs as Redis's
 * histograms start there. The command's own pointer finds its histogram
 * without a search; the cmdHists list keeps the order of first use for
 * INFO and LATENCY HISTOGRAM. */
void latencyTrackCommand(struct redisCommand *cmd, long long duration_ns) {
    if (!server.latency_tracking_enabled || !cmd) return;
    if (!cmd->latency_histogram) {
        if (cmdHistCount == cmdHistCap) {
            cmdHistCap = cmdHistCap ? cmdHistCap * 2 : 64;
            cmdHists = zrealloc(cmdHists, sizeof(*cmdHists) * cmdHistCap);
        }
        cmdHistogram *ch = &cmdHists[cmdHistCount++];
        ch->cmd = cmd;
        ch->h = histCreate();
        cmd->latency_histogram = ch->h;
    }
    if (duration_ns < 1000) duration_ns = 1000;
    histRecord(cmd->latency_histogram, (uint64_t)duration_ns);
}

/* See server.h (CONFIG RESETSTAT). */
void latencyResetCommandHistograms(void) {
    for (size_t i = 0; i < cmdHistCount; i++) {
        cmdHists[i].cmd->latency_histogram = NULL;
        histFree(cmdHists[i].h);
    }
    cmdHistCount = 0;
}

/* ---------------------------------------------------------------------
 * INFO latencystats
 * ------------------------------------------------------------------ */

/* Appends "p50=1.003,p99=..." for <h> with the configured percentiles. */
static sds latencyCatPercentiles(sds info, histogram *h) {
    for (int j = 0; j < server.latency_tracking_info_percentiles_len; j++) {
        double p = server.latency_tracking_info_percentiles[j];
        info = sdsCatPrintf(info, "%sp%g=%.3f", j ? "," : "", p,
                            histValueAtPercentile(h, p) / 1000.0);
    }
    return info;
}

/* See server.h. */
sds latencyInfoSection(sds info) {
    info = sdsCat(info, "# Latencystats\r\n");
    if (!server.latency_tracking_enabled) return info;
    for (size_t i = 0; i < cmdHistCount; i++) {
        if (cmdHists[i].h->total == 0) continue;
        info = sdsCatPrintf(info, "latency_percentiles_usec_%s:",
                            cmdHists[i].cmd->fullname);
        info = latencyCatPercentiles(info, cmdHists[i].h);
        info = sdsCat(info, "\r\n");
    }
    return info;
}

/* ---------------------------------------------------------------------
 * LATENCY command
 * ------------------------------------------------------------------ */

/* The newest used slot of <ev>, or -1. */
static int latencyNewest(latencyEvent *ev) {
    int prev = (ev->idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN;
    return ev->samples[prev].time ? prev : -1;
}

void latencyLatestCommand(client *c) {
    addReplyArrayLen(c, eventCount);
    for (int i = 0; i < eventCount; i++) {
        latencyEvent *ev = events[i];
        int last = latencyNewest(ev);
        addReplyArrayLen(c, 4);
        addReplyBulkCString(c, ev->name);
        addReplyLongLong(c, last >= 0 ? ev->samples[last].time : 0);
        addReplyLongLong(c, last >= 0 ? ev->samples[last].latency : 0);
        addReplyLongLong(c, ev->max);
    }
}

void latencyHistoryCommand(client *c) {
    latencyEvent *ev = latencyFindEvent(c->argv[2]->ptr);
    if (!ev) {
        addReplyArrayLen(c, 0);
        return;
    }
    void *len = addReplyDeferredLen(c);
    long n = 0;
    for (int j = 0; j < LATENCY_TS_LEN; j++) {
        latencySample *s = &ev->samples[(ev->idx + j) % LATENCY_TS_LEN];
        if (!s->time) continue;
        addReplyArrayLen(c, 2);
        addReplyLongLong(c, s->time);
        addReplyLongLong(c, s->latency);
        n++;
    }
    setDeferredArrayLen(c, len, n);
}

static void latencyResetEvent(int i) {
    zfree(events[i]);
    events[i] = events[--eventCount];
}

void latencyResetCommand(client *c) {
    long reset = 0;
    if (c->argc == 2) {
        reset = eventCount;
        while (eventCount) latencyResetEvent(eventCount - 1);
    } else {
        for (int j = 2; j < c->argc; j++) {
            for (int i = 0; i < eventCount; i++) {
                if (!strcasecmp(events[i]->name, c->argv[j]->ptr)) {
                    latencyResetEvent(i);
                    reset++;
                    break;
                }
            }
        }
    }
    addReplyLongLong(c, reset);
}

/* An ASCII chart of the samples of <ev>, oldest on the left: one column
 * per sample, bars of '#' scaled between the lowest and highest sample,
 * and under each column its age ("15s", "3m", "2h"), written vertically. */
static sds latencyGraph(latencyEvent *ev) {
    enum { ROWS = 8 };
    latencySample cols[LATENCY_TS_LEN];
    int n = 0;
    uint32_t lo = UINT32_MAX, hi = 0;
    for (int j = 0; j < LATENCY_TS_LEN; j++) {
        latencySample *s = &ev->samples[(ev->idx + j) % LATENCY_TS_LEN];
        if (!s->time) continue;
        cols[n++] = *s;
        if (s->latency < lo) lo = s->latency;
        if (s->latency > hi) hi = s->latency;
    }
    sds g = sdsCatPrintf(sdsEmpty(), "%s - high %u ms, low %u ms (all time "
                         "high %u ms)\n", ev->name, hi, lo, ev->max);
    for (int j = 0; j < 80; j++) g = sdsCatLen(g, "-", 1);
    g = sdsCat(g, "\n");
    for (int row = ROWS; row >= 1; row--) {
        for (int j = 0; j < n; j++) {
            /* Every sample gets at least one mark; the highest fills the
             * column. */
            int h = hi == lo ? ROWS
                             : 1 + (int)((double)(cols[j].latency - lo) *
                                         (ROWS - 1) / (hi - lo) + 0.5);
            g = sdsCatLen(g, h >= row ? "#" : " ", 1);
        }
        g = sdsCat(g, "\n");
    }
    time_t now = time(NULL);
    char labels[LATENCY_TS_LEN][24];
    int maxlen = 0;
    for (int j = 0; j < n; j++) {
        long age = (long)(now - cols[j].time);
        if (age < 60)
            snprintf(labels[j], sizeof(labels[j]), "%lds", age);
        else if (age < 3600)
            snprintf(labels[j], sizeof(labels[j]), "%ldm", age / 60);
        else
            snprintf(labels[j], sizeof(labels[j]), "%ldh", age / 3600);
        int l = (int)strlen(labels[j]);
        if (l > maxlen) maxlen = l;
    }
    for (int row = 0; row < maxlen; row++) {
        for (int j = 0; j < n; j++) {
            char ch = row < (int)strlen(labels[j]) ? labels[j][row] : ' ';
            g = sdsCatLen(g, &ch, 1);
        }
        g = sdsCat(g, "\n");
    }
    return g;
}

void latencyGraphCommand(client *c) {
    latencyEvent *ev = latencyFindEvent(c->argv[2]->ptr);
    if (!ev || latencyNewest(ev) < 0) {
        addReplyErrorFormat(c, "No samples available for event '%s'",
                            (char *)c->argv[2]->ptr);
        return;
    }
    sds g = latencyGraph(ev);
    addReplyVerbatim(c, g, sdsLen(g), "txt");
    sdsFree(g);
}

/* Advice for an event class, by its name. */
static const char *latencyAdvice(const char *event) {
    if (!strcmp(event, "command") || !strcmp(event, "fast-command"))
        return "Look for slow commands with SLOWLOG GET: commands of O(N) "
               "complexity on large values (KEYS, SMEMBERS, LRANGE 0 -1, "
               "...) block every other client while they run.";
    if (!strcmp(event, "fork"))
        return "fork() copies the page tables of the process: a large "
               "dataset, or transparent huge pages, make it slow. Consider "
               "fewer BGSAVE/BGREWRITEAOF, or a smaller instance.";
    if (!strncmp(event, "expire", 6))
        return "Many keys expire at the same time: spread the expiry "
               "times of keys created together.";
    if (!strncmp(event, "eviction", 8))
        return "maxmemory is reached and keys are evicted in bulk: raise "
               "maxmemory or lower the write rate.";
    if (!strncmp(event, "aof", 3))
        return "The disk is slow for the AOF: check the disk, consider "
               "appendfsync everysec and no-appendfsync-on-rewrite yes.";
    return "Check the machine for other processes competing for CPU or "
           "disk, and for swapping.";
}

static sds latencyDoctorReport(void) {
    if (eventCount == 0) {
        sds r = sdsNew("No latency spike has been recorded since this "
                       "server started (or since LATENCY RESET). ");
        if (server.latency_monitor_threshold == 0)
            return sdsCat(r, "The monitor is off: turn it on with CONFIG SET "
                             "latency-monitor-threshold <milliseconds>.\n");
        return sdsCatPrintf(r, "latency-monitor-threshold is %lld ms.\n",
                            server.latency_monitor_threshold);
    }
    sds r = sdsCatPrintf(sdsEmpty(), "Latency report: %d event class%s "
                         "went over latency-monitor-threshold (%lld ms).\n\n",
                         eventCount, eventCount == 1 ? "" : "es",
                         server.latency_monitor_threshold);
    for (int i = 0; i < eventCount; i++) {
        latencyEvent *ev = events[i];
        uint64_t sum = 0;
        int n = 0;
        for (int j = 0; j < LATENCY_TS_LEN; j++) {
            if (!ev->samples[j].time) continue;
            sum += ev->samples[j].latency;
            n++;
        }
        r = sdsCatPrintf(r, "%d. %s: %d spike%s recorded, average %llu ms, "
                         "all-time high %u ms.\n   %s\n\n", i + 1, ev->name,
                         n, n == 1 ? "" : "s",
                         n ? (unsigned long long)(sum / n) : 0ULL, ev->max,
                         latencyAdvice(ev->name));
    }
    return r;
}

void latencyDoctorCommand(client *c) {
    sds r = latencyDoctorReport();
    addReplyVerbatim(c, r, sdsLen(r), "txt");
    sdsFree(r);
}

/* Replies the histogram of <cmd> as Redis does: its name, then a map of
 * "calls" and "histogram_usec" (for each power-of-two bucket from 1024 ns
 * up that holds values: its top in µs -> cumulative count). */
static void latencyReplyCommandHistogram(client *c, struct redisCommand *cmd,
                                         histogram *h) {
    addReplyBulkCString(c, cmd->fullname);
    addReplyMapLen(c, 2);
    addReplyBulkCString(c, "calls");
    addReplyLongLong(c, (long long)h->total);
    addReplyBulkCString(c, "histogram_usec");
    void *len = addReplyDeferredLen(c);
    long n = 0;
    uint64_t prev = 0;
    for (uint64_t top = 1024; ; top <<= 1) {
        uint64_t cum = histCountAtOrBelow(h, top);
        if (cum != prev) {
            addReplyLongLong(c, (long long)(top / 1000));
            addReplyLongLong(c, (long long)cum);
            n++;
            prev = cum;
        }
        if (cum >= h->total || top >= HIST_MAX_VALUE / 2) break;
    }
    setDeferredMapLen(c, len, n);
}

/* Adds <cmd> (or, for a container, its subcommands) with a histogram to
 * the reply; returns how many map entries it added. */
static long latencyHistogramOf(client *c, struct redisCommand *cmd) {
    long n = 0;
    if (cmd->subcommands_dict) {
        dictIterator *di = dictGetIterator(cmd->subcommands_dict);
        dictEntry *de;
        while ((de = dictNext(di))) n += latencyHistogramOf(c, dictGetVal(de));
        dictReleaseIterator(di);
        return n;
    }
    cmdHistogram *ch = latencyFindCommandHistogram(cmd);
    if (!ch || ch->h->total == 0) return 0;
    latencyReplyCommandHistogram(c, cmd, ch->h);
    return 1;
}

void latencyHistogramCommand(client *c) {
    void *len = addReplyDeferredLen(c);
    long n = 0;
    if (c->argc == 2) {
        for (size_t i = 0; i < cmdHistCount; i++) {
            if (cmdHists[i].h->total == 0) continue;
            latencyReplyCommandHistogram(c, cmdHists[i].cmd, cmdHists[i].h);
            n++;
        }
    } else {
        for (int j = 2; j < c->argc; j++) {
            struct redisCommand *cmd = lookupCommandBySds(c->argv[j]->ptr);
            if (!cmd) continue;
            n += latencyHistogramOf(c, cmd);
        }
    }
    setDeferredMapLen(c, len, n);
}

void latencyHelpCommand(client *c) {
    const char *help[] = {
        "DOCTOR",
        "    A report on the latency spikes seen, with advice.",
        "GRAPH <event>",
        "    An ASCII chart of the samples of <event>.",
        "HISTOGRAM [<command> ...]",
        "    Latency histograms (calls, cumulative counts per power-of-two",
        "    microsecond bucket) of the given commands, or of all.",
        "HISTORY <event>",
        "    The (time, latency ms) samples of <event>.",
        "LATEST",
        "    For every event: name, time and latency of the latest sample,",
        "    and the all-time highest latency.",
        "RESET [<event> ...]",
        "    Forget the samples of the given events (all by default).",
        NULL};
    addReplyHelp(c, help);
}
