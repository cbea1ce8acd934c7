/* memory: the MEMORY command (USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE)
 * and the allocator fields of INFO memory.
 *
 * Owns: the breakdown of used memory into start-up, overhead (clients,
 * key tables) and dataset, and every call into jemalloc's mallctl
 * interface (statistics, purge). With MALLOC=libc the allocator figures
 * fall back to used_memory and RSS, and MALLOC-STATS says it cannot.
 * Must not touch: the values themselves; their sizes come from
 * objectComputeSize and the type modules. */
#include "server.h"

#ifdef USE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

/* The allocator's own view of the heap (bytes). */
typedef struct allocatorStats {
    size_t allocated; /* bytes handed out to the program */
    size_t active;    /* bytes in pages holding allocations */
    size_t resident;  /* bytes of the allocator's pages in RAM */
} allocatorStats;

static void memoryGetAllocatorStats(allocatorStats *st) {
#ifdef USE_JEMALLOC
    uint64_t epoch = 1;
    size_t sz = sizeof(epoch);
    /* jemalloc caches its statistics until the epoch advances. */
    mallctl("epoch", &epoch, &sz, &epoch, sz);
    sz = sizeof(size_t);
    if (mallctl("stats.allocated", &st->allocated, &sz, NULL, 0) != 0)
        st->allocated = zmallocUsedMemory();
    sz = sizeof(size_t);
    if (mallctl("stats.active", &st->active, &sz, NULL, 0) != 0)
        st->active = st->allocated;
    sz = sizeof(size_t);
    if (mallctl("stats.resident", &st->resident, &sz, NULL, 0) != 0)
        st->resident = st->active;
#else
    st->allocated = zmallocUsedMemory();
    st->active = st->allocated;
    st->resident = zmallocGetRss();
#endif
}

/* Bytes of the hash tables of <d> beyond the keys and values: the bucket
 * array and one entry per element. */
static size_t memoryDictOverhead(dict *d) {
    if (!d) return 0;
    return dictSlots(d) * sizeof(dictEntry *) + dictSize(d) * sizeof(dictEntry);
}

/* The figures of MEMORY STATS, also used by INFO memory and DOCTOR. */
typedef struct memoryOverhead {
    size_t total_allocated;
    size_t startup_allocated;
    size_t peak_allocated;
    size_t clients_slaves;
    size_t clients_normal;
    size_t repl_backlog;
    size_t overhead_total;
    size_t dataset;
    size_t total_keys;
    size_t bytes_per_key;
    double dataset_perc;
    double peak_perc;
    int dbs;
    struct {
        int dbid;
        size_t main, expires;
    } *db;
} memoryOverhead;

static void memoryGetOverhead(memoryOverhead *mh) {
    memset(mh, 0, sizeof(*mh));
    mh->total_allocated = zmallocUsedMemory();
    mh->startup_allocated = server.stat_startup_allocated;
    if ((long long)mh->total_allocated > server.stat_peak_memory)
        server.stat_peak_memory = mh->total_allocated;
    mh->peak_allocated = server.stat_peak_memory;
    size_t total = mh->startup_allocated;
    listIter li;
    listNode *ln;
    listGetIterator(server.clients, &li, AL_START_HEAD);
    while ((ln = listNext(&li))) {
        client *c = listNodeValue(ln);
        size_t m = getClientMemoryUsage(c, NULL);
        if (c->flags & CLIENT_SLAVE)
            mh->clients_slaves += m;
        else
            mh->clients_normal += m;
    }
    /* The stream held only for replicas counts as theirs. */
    size_t repl_replicas;
    replicationBufferMemory(&mh->repl_backlog, &repl_replicas);
    mh->clients_slaves += repl_replicas;
    total += mh->clients_slaves + mh->clients_normal + mh->repl_backlog;
    mh->db = zcalloc(sizeof(*mh->db) * server.dbnum);
    for (int j = 0; j < server.dbnum; j++) {
        redisDb *db = &server.db[j];
        long long keys = dictSize(db->dict);
        if (keys == 0) continue;
        mh->total_keys += keys;
        mh->db[mh->dbs].dbid = j;
        mh->db[mh->dbs].main = memoryDictOverhead(db->dict);
        mh->db[mh->dbs].expires = memoryDictOverhead(db->expires);
        total += mh->db[mh->dbs].main + mh->db[mh->dbs].expires;
        mh->dbs++;
    }
    mh->overhead_total = total;
    mh->dataset = mh->total_allocated > total ? mh->total_allocated - total : 0;
    size_t net = mh->total_allocated > mh->startup_allocated
                     ? mh->total_allocated - mh->startup_allocated : 0;
    if (mh->total_keys) mh->bytes_per_key = net / mh->total_keys;
    mh->dataset_perc = net ? 100.0 * mh->dataset / net : 0;
    mh->peak_perc = mh->peak_allocated
                        ? 100.0 * mh->total_allocated / mh->peak_allocated : 0;
}

static void memoryFreeOverhead(memoryOverhead *mh) {
    zfree(mh->db);
}

/* See server.h. */
size_t memoryOverheadTotal(void) {
    memoryOverhead mh;
    memoryGetOverhead(&mh);
    size_t t = mh.overhead_total;
    memoryFreeOverhead(&mh);
    return t;
}

/* See server.h: the fields of INFO memory that need the overhead
 * breakdown or the allocator, in Redis 7.0's names. */
sds memoryCatInfoFields(sds info) {
    memoryOverhead mh;
    memoryGetOverhead(&mh);
    allocatorStats st;
    memoryGetAllocatorStats(&st);
    size_t rss = zmallocGetRss();
    size_t used = mh.total_allocated;
    info = sdsCatPrintf(info,
        "used_memory_overhead:%zu\r\n"
        "used_memory_startup:%zu\r\n"
        "used_memory_dataset_perc:%.2f%%\r\n"
        "allocator_allocated:%zu\r\n"
        "allocator_active:%zu\r\n"
        "allocator_resident:%zu\r\n"
        "allocator_frag_ratio:%.2f\r\n"
        "allocator_frag_bytes:%lld\r\n"
        "allocator_rss_ratio:%.2f\r\n"
        "allocator_rss_bytes:%lld\r\n"
        "rss_overhead_ratio:%.2f\r\n"
        "rss_overhead_bytes:%lld\r\n"
        "mem_fragmentation_bytes:%lld\r\n",
        mh.overhead_total, mh.startup_allocated, mh.dataset_perc,
        st.allocated, st.active, st.resident,
        st.allocated ? (double)st.active / st.allocated : 0,
        (long long)st.active - (long long)st.allocated,
        st.active ? (double)st.resident / st.active : 0,
        (long long)st.resident - (long long)st.active,
        st.resident ? (double)rss / st.resident : 0,
        (long long)rss - (long long)st.resident,
        (long long)rss - (long long)used);
    long long eval_vm = evalMemory(), fn_vm;
    unsigned long libs, funcs;
    functionsGetStats(&fn_vm, &libs, &funcs);
    char eval_h[64], vm_h[64];
    bytesToHuman(eval_h, sizeof(eval_h), (unsigned long long)eval_vm);
    bytesToHuman(vm_h, sizeof(vm_h), (unsigned long long)(eval_vm + fn_vm));
    size_t repl_backlog, repl_replicas;
    replicationBufferMemory(&repl_backlog, &repl_replicas);
    info = sdsCatPrintf(info,
        "used_memory_lua:%lld\r\n"
        "used_memory_vm_eval:%lld\r\n"
        "used_memory_lua_human:%s\r\n"
        "used_memory_scripts_eval:0\r\n"
        "number_of_cached_scripts:%lu\r\n"
        "number_of_functions:%lu\r\n"
        "number_of_libraries:%lu\r\n"
        "used_memory_vm_functions:%lld\r\n"
        "used_memory_vm_total:%lld\r\n"
        "used_memory_vm_total_human:%s\r\n"
        "used_memory_functions:0\r\n"
        "used_memory_scripts:0\r\n"
        "used_memory_scripts_human:0B\r\n"
        "mem_not_counted_for_evict:%zu\r\n"
        "mem_replication_backlog:%zu\r\n"
        "mem_total_replication_buffers:%zu\r\n"
        "mem_cluster_links:0\r\n"
        "mem_aof_buffer:0\r\n"
        "active_defrag_running:0\r\n",
        eval_vm, eval_vm, eval_h, evalScriptsCount(), funcs, libs, fn_vm,
        eval_vm + fn_vm, vm_h, freeMemoryGetNotCountedMemory(),
        repl_backlog, repl_backlog + repl_replicas);
    memoryFreeOverhead(&mh);
    return info;
}

/* MEMORY USAGE <key> [SAMPLES <count>] */
void memoryUsageCommand(client *c) {
    long long samples = 5;
    for (int j = 3; j < c->argc; j++) {
        if (!strcasecmp(c->argv[j]->ptr, "samples") && j + 1 < c->argc) {
            if (getLongLongFromObjectOrReply(c, c->argv[j + 1], &samples,
                                             NULL) != C_OK)
                return;
            if (samples < 0) {
                addReplyErrorObject(c, shared.syntaxerr);
                return;
            }
            if (samples == 0) samples = LLONG_MAX;
            j++;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    robj *o = lookupKeyReadWithFlags(c->db, c->argv[2],
                                     LOOKUP_NOTOUCH | LOOKUP_NONOTIFY);
    if (!o) {
        addReplyNull(c);
        return;
    }
    size_t usage = objectComputeSize(c->argv[2], o, (size_t)samples,
                                     c->db->id);
    usage += sdsAllocSize(c->argv[2]->ptr) + sizeof(dictEntry);
    addReplyLongLong(c, (long long)usage);
}

static void addReplyMemStat(client *c, const char *name, long long v) {
    addReplyBulkCString(c, name);
    addReplyLongLong(c, v);
}

static void addReplyMemStatDouble(client *c, const char *name, double v) {
    addReplyBulkCString(c, name);
    addReplyDouble(c, v);
}

void memoryStatsCommand(client *c) {
    memoryOverhead mh;
    memoryGetOverhead(&mh);
    allocatorStats st;
    memoryGetAllocatorStats(&st);
    size_t rss = zmallocGetRss();
    addReplyMapLen(c, 27 + mh.dbs);
    addReplyMemStat(c, "peak.allocated", mh.peak_allocated);
    addReplyMemStat(c, "total.allocated", mh.total_allocated);
    addReplyMemStat(c, "startup.allocated", mh.startup_allocated);
    addReplyMemStat(c, "replication.backlog", mh.repl_backlog);
    addReplyMemStat(c, "clients.slaves", mh.clients_slaves);
    addReplyMemStat(c, "clients.normal", mh.clients_normal);
    addReplyMemStat(c, "cluster.links", 0);
    addReplyMemStat(c, "aof.buffer", 0);
    addReplyMemStat(c, "lua.caches", 0);
    addReplyMemStat(c, "functions.caches", 0);
    for (int j = 0; j < mh.dbs; j++) {
        char name[32];
        snprintf(name, sizeof(name), "db.%d", mh.db[j].dbid);
        addReplyBulkCString(c, name);
        addReplyMapLen(c, 3);
        addReplyMemStat(c, "overhead.hashtable.main", mh.db[j].main);
        addReplyMemStat(c, "overhead.hashtable.expires", mh.db[j].expires);
        addReplyMemStat(c, "overhead.hashtable.slot-to-keys", 0);
    }
    addReplyMemStat(c, "overhead.total", mh.overhead_total);
    addReplyMemStat(c, "keys.count", mh.total_keys);
    addReplyMemStat(c, "keys.bytes-per-key", mh.bytes_per_key);
    addReplyMemStat(c, "dataset.bytes", mh.dataset);
    addReplyMemStatDouble(c, "dataset.percentage", mh.dataset_perc);
    addReplyMemStatDouble(c, "peak.percentage", mh.peak_perc);
    addReplyMemStat(c, "allocator.allocated", st.allocated);
    addReplyMemStat(c, "allocator.active", st.active);
    addReplyMemStat(c, "allocator.resident", st.resident);
    addReplyMemStatDouble(c, "allocator-fragmentation.ratio",
                          st.allocated ? (double)st.active / st.allocated : 0);
    addReplyMemStat(c, "allocator-fragmentation.bytes",
                    (long long)st.active - (long long)st.allocated);
    addReplyMemStatDouble(c, "allocator-rss.ratio",
                          st.active ? (double)st.resident / st.active : 0);
    addReplyMemStat(c, "allocator-rss.bytes",
                    (long long)st.resident - (long long)st.active);
    addReplyMemStatDouble(c, "rss-overhead.ratio",
                          st.resident ? (double)rss / st.resident : 0);
    addReplyMemStat(c, "rss-overhead.bytes",
                    (long long)rss - (long long)st.resident);
    addReplyMemStatDouble(c, "fragmentation",
                          mh.total_allocated
                              ? (double)rss / mh.total_allocated : 0);
    addReplyMemStat(c, "fragmentation.bytes",
                    (long long)rss - (long long)mh.total_allocated);
    memoryFreeOverhead(&mh);
}

/* The findings of MEMORY DOCTOR, one paragraph each. */
static sds memoryDoctorReport(void) {
    memoryOverhead mh;
    memoryGetOverhead(&mh);
    size_t rss = zmallocGetRss();
    sds r = sdsEmpty();
    if (mh.total_allocated < 5 * 1024 * 1024) {
        r = sdsCat(r, "This instance holds less than 5 MB: too little data "
                      "for a memory diagnosis to mean anything. Ask again "
                      "once it holds some data.\n");
        memoryFreeOverhead(&mh);
        return r;
    }
    int issues = 0;
    if (mh.peak_allocated > mh.total_allocated &&
        (double)mh.peak_allocated / mh.total_allocated > 1.5) {
        r = sdsCatPrintf(r, "* Peak: memory use once reached %.0f%% of what "
                         "it is now. The RSS and fragmentation figures may "
                         "reflect that peak rather than the current data.\n",
                         100.0 * mh.peak_allocated / mh.total_allocated);
        issues++;
    }
    double frag = (double)rss / mh.total_allocated;
    if (frag > 1.4) {
        r = sdsCatPrintf(r, "* Fragmentation: the process holds %.2f times "
                         "the memory in use. After many deletions the "
                         "allocator keeps freed pages; MEMORY PURGE may give "
                         "some back.\n", frag);
        issues++;
    }
    if (mh.clients_normal > 200 * 1024 * 1024 ||
        (listLength(server.clients) &&
         mh.clients_normal / listLength(server.clients) > 500 * 1024)) {
        r = sdsCatPrintf(r, "* Clients: normal clients hold %zu bytes of "
                         "buffers. Look for clients reading slowly (CLIENT "
                         "LIST, omem) or large pipelines.\n",
                         mh.clients_normal);
        issues++;
    }
    if (mh.clients_slaves > 10 * 1024 * 1024) {
        r = sdsCatPrintf(r, "* Replicas: replica output buffers hold %zu "
                         "bytes; a replica may be slow or disconnected.\n",
                         mh.clients_slaves);
        issues++;
    }
    if (issues == 0)
        r = sdsCat(r, "No memory problem found: fragmentation, peak usage "
                      "and client buffers all look normal.\n");
    memoryFreeOverhead(&mh);
    return r;
}

void memoryDoctorCommand(client *c) {
    sds r = memoryDoctorReport();
    addReplyVerbatim(c, r, sdsLen(r), "txt");
    sdsFree(r);
}

#ifdef USE_JEMALLOC
static void memoryStatsWrite(void *ctx, const char *text) {
    sds *s = ctx;
    *s = sdsCat(*s, text);
}
#endif

void memoryMallocStatsCommand(client *c) {
#ifdef USE_JEMALLOC
    sds s = sdsEmpty();
    malloc_stats_print(memoryStatsWrite, &s, NULL);
    addReplyVerbatim(c, s, sdsLen(s), "txt");
    sdsFree(s);
#else
    addReplyBulkCString(c, "Stats not supported for the current allocator");
#endif
}

void memoryPurgeCommand(client *c) {
#ifdef USE_JEMALLOC
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "arena.%d.purge", MALLCTL_ARENAS_ALL);
    if (mallctl(cmd, NULL, NULL, NULL, 0) != 0) {
        addReplyError(c, "Error purging dirty pages");
        return;
    }
#endif
    addReply(c, shared.ok);
}

void memoryHelpCommand(client *c) {
    const char *help[] = {
        "DOCTOR",
        "    A report on memory problems, if any.",
        "MALLOC-STATS",
        "    The allocator's own statistics report.",
        "PURGE",
        "    Ask the allocator to give unused dirty pages back to the system.",
        "STATS",
        "    A breakdown of the memory in use.",
        "USAGE <key> [SAMPLES <count>]",
        "    Bytes used by <key> and its value; nested values are estimated",
        "    from <count> elements (default 5, 0 for all).",
        NULL};
    addReplyHelp(c, help);
}

/* Turns jemalloc's background purge thread on or off as
 * jemalloc-bg-thread says: with it, pages freed by a large transient
 * allocation go back to the kernel within jemalloc's decay time even when
 * the server is idle, as in Redis 7.0. Returns C_ERR when the allocator
 * refused (a build without background-thread support). */
int memoryApplyBackgroundThread(void) {
#ifdef USE_JEMALLOC
    _Bool enable = server.jemalloc_bg_thread != 0;
    if (mallctl("background_thread", NULL, NULL, &enable, sizeof(enable)) != 0)
        return C_ERR;
#endif
    return C_OK;
}

/* Remembers used_memory at the end of start-up (startup.allocated) and
 * applies jemalloc-bg-thread. */
void memoryInit(void) {
    if (memoryApplyBackgroundThread() != C_OK)
        serverLog(LL_WARNING, "jemalloc-bg-thread: the allocator refused to "
                  "change its background thread.");
    server.stat_startup_allocated = zmallocUsedMemory();
}
