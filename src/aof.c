/* aof.c: the append-only file, in the multi-part layout of Redis 7.0 (see
 * aof.h for the files and the manifest).
 *
 * Owns: the AOF directory and every file in it (base, incremental files,
 * manifest and their temporary files), the in-memory write buffer, the
 * fsync policy, the BGREWRITEAOF child (server.child_pid / child_type
 * while it runs, CHILD_TYPE_AOF), loading the AOF at start-up through a
 * fake client and the normal command table.
 * Must not touch: the RDB file and the BGSAVE child (rdb.c; this module
 * only reuses rdbSaveToFp / rdbLoadFromFp for the RDB preamble), client
 * sockets (the rewrite child never does network I/O and leaves with
 * _exit), the configuration (config.c calls aofApplyAppendonly).
 *
 * Invariants:
 * - The manifest on disk always names files that exist and that together
 *   hold every write already made durable: a rewrite first adds a new
 *   incremental file to it, and only after the new base is renamed into
 *   place is a manifest without the old files written (temporary file,
 *   fsync, rename, fsync of the directory); old files are deleted after.
 * - Writes are gathered in aofState.buf while commands run and written
 *   before the event loop sleeps, before replies are sent; with
 *   appendfsync always they are also fsynced there, so no reply leaves
 *   before its write is on disk.
 * - Every incremental file starts with a SELECT before its first command,
 *   because each file is loaded with a fresh client in database 0. */
#include "aof.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "quicklist.h"
#include "rdb.h"
#include "stream.h"

#define AOF_OFF 0
#define AOF_ON 1
#define AOF_WAIT_REWRITE 2 /* turned on; the first rewrite is not done */
/* Largest write buffer kept for reuse after a flush (bytes). */
#define AOF_BUF_KEEP 4096

#define AOF_FILE_BASE 'b'
#define AOF_FILE_HIST 'h'
#define AOF_FILE_INCR 'i'

#define AOF_ITEMS_PER_CMD 64 /* elements per command in a command base */
#define AOF_LINE_MAX 128     /* "*<argc>\r\n" / "$<len>\r\n" lines */

typedef struct aofFile {
    sds name; /* a base name inside server.aof_dirname */
    long long seq;
    char type; /* AOF_FILE_* */
} aofFile;

typedef struct aofManifest {
    aofFile *base; /* NULL when there is none */
    aofFile **incr; /* in load order */
    int nincr;
    aofFile **hist; /* listed as history: deleted, never loaded */
    int nhist;
    long long base_seq, incr_seq; /* highest sequence numbers used */
} aofManifest;

static struct {
    int state;               /* AOF_OFF / AOF_ON / AOF_WAIT_REWRITE */
    aofManifest *mf;         /* NULL until loaded or created */
    int fd;                  /* incremental file being appended, or -1 */
    sds buf;                 /* bytes not yet written to fd */
    int selected_db;         /* last SELECT written to fd, -1 none */
    time_t last_ts;          /* second of the last "#TS:" annotation */
    int unsynced;            /* bytes written and not fsynced */
    long long last_fsync_ms;
    int loading;             /* replaying: the sink ignores commands */
    long long current_size;  /* base + incremental files, bytes */
    long long base_size;
    long long rewrite_base_size; /* current_size after the last rewrite */
    int rewrite_scheduled;
    int rewrite_preamble;    /* the running child writes an RDB base */
    time_t rewrite_start;    /* -1 when no child */
    long long last_rewrite_time; /* seconds, -1 never */
    long long last_failure_ms;
    int last_bgrewrite_ok;
    long long rewrites;
    long long consecutive_failures;
    int last_write_ok;
} aofState = {.fd = -1, .selected_db = -1, .rewrite_start = -1,
              .last_rewrite_time = -1, .last_bgrewrite_ok = 1,
              .last_write_ok = 1};

/* ===================================================================
 * Names and the manifest
 * ================================================================ */

/* A new sds "<appenddirname>/<name>". */
static sds aofPath(const char *name) {
    return sdsCatPrintf(sdsEmpty(), "%s/%s", server.aof_dirname, name);
}

static sds aofBaseName(long long seq, int rdb) {
    return sdsCatPrintf(sdsEmpty(), "%s.%lld.base.%s", server.aof_filename, seq,
                        rdb ? "rdb" : "aof");
}

static sds aofIncrName(long long seq) {
    return sdsCatPrintf(sdsEmpty(), "%s.%lld.incr.aof", server.aof_filename,
                        seq);
}

static sds aofTempIncrName(void) {
    return sdsCatPrintf(sdsEmpty(), "temp-%s.incr", server.aof_filename);
}

static sds aofTempBasePath(pid_t pid) {
    sds name = sdsCatPrintf(sdsEmpty(), "temp-rewriteaof-bg-%d.aof", (int)pid);
    sds path = aofPath(name);
    sdsFree(name);
    return path;
}

static aofFile *aofFileCreate(const char *name, long long seq, char type) {
    aofFile *f = zmalloc(sizeof(*f));
    f->name = sdsNew(name);
    f->seq = seq;
    f->type = type;
    return f;
}

static void aofFileFree(aofFile *f) {
    if (!f) return;
    sdsFree(f->name);
    zfree(f);
}

static aofManifest *aofManifestCreate(void) {
    return zcalloc(sizeof(aofManifest));
}

static void aofManifestFree(aofManifest *mf) {
    if (!mf) return;
    aofFileFree(mf->base);
    for (int j = 0; j < mf->nincr; j++) aofFileFree(mf->incr[j]);
    for (int j = 0; j < mf->nhist; j++) aofFileFree(mf->hist[j]);
    zfree(mf->incr);
    zfree(mf->hist);
    zfree(mf);
}

static void aofManifestAddIncr(aofManifest *mf, aofFile *f) {
    mf->incr = zrealloc(mf->incr, sizeof(aofFile *) * (size_t)(mf->nincr + 1));
    mf->incr[mf->nincr++] = f;
    if (f->seq > mf->incr_seq) mf->incr_seq = f->seq;
}

static void aofManifestAddHist(aofManifest *mf, aofFile *f) {
    mf->hist = zrealloc(mf->hist, sizeof(aofFile *) * (size_t)(mf->nhist + 1));
    mf->hist[mf->nhist++] = f;
}

/* The manifest text: one "file <name> seq <n> type <t>" line per file,
 * base first, then history, then the incremental files in order. Names
 * with unusual bytes are written quoted. */
static sds aofManifestToText(aofManifest *mf) {
    sds s = sdsEmpty();
    aofFile **lists[3] = {mf->base ? &mf->base : NULL, mf->hist, mf->incr};
    int counts[3] = {mf->base ? 1 : 0, mf->nhist, mf->nincr};
    for (int l = 0; l < 3; l++) {
        for (int j = 0; j < counts[l]; j++) {
            aofFile *f = lists[l][j];
            int plain = 1;
            for (size_t k = 0; k < sdsLen(f->name); k++) {
                unsigned char ch = (unsigned char)f->name[k];
                if (ch <= ' ' || ch == '"' || ch == '\'' || ch == '\\' ||
                    ch >= 127)
                    plain = 0;
            }
            s = sdsCat(s, "file ");
            s = plain ? sdsCatSds(s, f->name)
                      : sdsCatRepr(s, f->name, sdsLen(f->name));
            s = sdsCatPrintf(s, " seq %lld type %c\n", f->seq, f->type);
        }
    }
    return s;
}

/* fsyncs the AOF directory so that renames and new files inside it are
 * durable. */
static int aofFsyncDir(void) {
    int fd = open(server.aof_dirname, O_RDONLY);
    if (fd == -1) return C_ERR;
    int rc = fsync(fd);
    close(fd);
    return rc == 0 ? C_OK : C_ERR;
}

/* Writes the whole <len> bytes of <p> to <fd>; C_ERR on error. */
static int aofWriteAll(int fd, const char *p, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return C_ERR;
        }
        p += n;
        len -= (size_t)n;
    }
    return C_OK;
}

/* Replaces the manifest on disk by <mf>: temporary file, fsync, rename,
 * fsync of the directory. Logs and returns C_ERR on failure (the old
 * manifest is then still in place). */
static int aofManifestPersist(aofManifest *mf) {
    sds text = aofManifestToText(mf);
    sds tmpname = sdsCatPrintf(sdsEmpty(), "temp-%s.manifest",
                               server.aof_filename);
    sds name = sdsCatPrintf(sdsEmpty(), "%s.manifest", server.aof_filename);
    sds tmp = aofPath(tmpname), path = aofPath(name);
    int rc = C_ERR;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd == -1) {
        serverLog(LL_WARNING, "Can't open the AOF manifest file %s: %s",
                  tmpname, strerror(errno));
        goto done;
    }
    if (aofWriteAll(fd, text, sdsLen(text)) != C_OK || fsync(fd) != 0) {
        serverLog(LL_WARNING, "Error writing the AOF manifest file %s: %s",
                  tmpname, strerror(errno));
        close(fd);
        unlink(tmp);
        goto done;
    }
    close(fd);
    if (rename(tmp, path) == -1) {
        serverLog(LL_WARNING, "Error trying to rename the temporary AOF "
                  "manifest file %s into %s: %s", tmpname, name,
                  strerror(errno));
        unlink(tmp);
        goto done;
    }
    if (aofFsyncDir() != C_OK)
        serverLog(LL_WARNING, "Error fsyncing the AOF directory %s: %s",
                  server.aof_dirname, strerror(errno));
    rc = C_OK;
done:
    sdsFree(text);
    sdsFree(tmpname);
    sdsFree(name);
    sdsFree(tmp);
    sdsFree(path);
    return rc;
}

/* Parses the manifest on disk. Returns a new manifest, or NULL: with
 * errno ENOENT when there is no manifest, otherwise with the reason
 * (line number included) in <err>. */
static aofManifest *aofManifestLoad(char *err, size_t errlen) {
    sds name = sdsCatPrintf(sdsEmpty(), "%s.manifest", server.aof_filename);
    sds path = aofPath(name);
    FILE *fp = fopen(path, "r");
    sdsFree(path);
    if (!fp) {
        int saved = errno;
        snprintf(err, errlen, "can't open the AOF manifest %s: %s", name,
                 strerror(errno));
        sdsFree(name);
        errno = saved;
        return NULL;
    }
    aofManifest *mf = aofManifestCreate();
    char line[1024 + 64];
    int lineno = 0;
    const char *reason = NULL;
    while (fgets(line, sizeof(line), fp) != NULL) {
        lineno++;
        size_t n = strlen(line);
        if (n == sizeof(line) - 1 && line[n - 1] != '\n') {
            reason = "line too long";
            break;
        }
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0 || line[0] == '#') continue;
        int argc;
        sds *argv = sdsSplitArgs(line, &argc);
        if (argv == NULL) {
            reason = "invalid quoting";
            break;
        }
        sds fname = NULL;
        long long seq = -1;
        char type = 0;
        if (argc % 2 != 0) reason = "odd number of tokens";
        for (int j = 0; !reason && j + 1 < argc; j += 2) {
            if (!strcasecmp(argv[j], "file")) {
                fname = argv[j + 1];
            } else if (!strcasecmp(argv[j], "seq")) {
                if (!string2ll(argv[j + 1], sdsLen(argv[j + 1]), &seq) ||
                    seq < 0)
                    reason = "invalid seq";
            } else if (!strcasecmp(argv[j], "type")) {
                if (sdsLen(argv[j + 1]) != 1) reason = "invalid type";
                type = argv[j + 1][0];
            }
            /* Unknown keys are skipped: later versions may add some. */
        }
        if (!reason && (fname == NULL || seq < 0 || type == 0))
            reason = "missing file, seq or type";
        if (!reason && (sdsLen(fname) == 0 || strchr(fname, '/') != NULL))
            reason = "file name is not a plain name";
        if (!reason) {
            aofFile *f = aofFileCreate(fname, seq, type);
            if (type == AOF_FILE_BASE) {
                if (mf->base) {
                    reason = "more than one base file";
                    aofFileFree(f);
                } else {
                    mf->base = f;
                    mf->base_seq = seq;
                }
            } else if (type == AOF_FILE_INCR) {
                if (mf->nincr && seq <= mf->incr[mf->nincr - 1]->seq) {
                    reason = "incr files out of order";
                    aofFileFree(f);
                } else {
                    aofManifestAddIncr(mf, f);
                }
            } else if (type == AOF_FILE_HIST) {
                aofManifestAddHist(mf, f);
            } else {
                reason = "unknown file type";
                aofFileFree(f);
            }
        }
        sdsFreeSplitRes(argv, argc);
        if (reason) break;
    }
    if (!reason && ferror(fp)) reason = strerror(errno);
    fclose(fp);
    if (reason) {
        snprintf(err, errlen, "invalid AOF manifest %s at line %d: %s", name,
                 lineno, reason);
        aofManifestFree(mf);
        sdsFree(name);
        errno = EINVAL;
        return NULL;
    }
    sdsFree(name);
    return mf;
}

static long long aofFileSize(const char *name) {
    sds path = aofPath(name);
    struct stat st;
    long long size = stat(path, &st) == 0 ? (long long)st.st_size : 0;
    sdsFree(path);
    return size;
}

static int aofMakeDir(void) {
    if (mkdir(server.aof_dirname, 0755) == -1 && errno != EEXIST) {
        serverLog(LL_WARNING, "Can't open or create append-only dir %s: %s",
                  server.aof_dirname, strerror(errno));
        return C_ERR;
    }
    return C_OK;
}

/* Makes sure aofState.mf exists: the manifest on disk when there is a
 * readable one, an empty one otherwise. */
static void aofEnsureManifest(void) {
    if (aofState.mf) return;
    char err[300];
    aofState.mf = aofManifestLoad(err, sizeof(err));
    if (!aofState.mf) {
        if (errno != ENOENT) serverLog(LL_WARNING, "%s", err);
        aofState.mf = aofManifestCreate();
    }
}

/* ===================================================================
 * Writing commands
 * ================================================================ */

static sds aofCatBulk(sds s, const char *p, size_t len) {
    s = sdsCatPrintf(s, "$%zu\r\n", len);
    s = sdsCatLen(s, p, len);
    return sdsCatLen(s, "\r\n", 2);
}

static sds aofCatBulkLongLong(sds s, long long v) {
    char buf[LONG_STR_SIZE];
    int n = ll2string(buf, sizeof(buf), v);
    return aofCatBulk(s, buf, (size_t)n);
}

static sds aofCatBulkObject(sds s, robj *o) {
    if (sdsEncodedObject(o)) return aofCatBulk(s, o->ptr, sdsLen(o->ptr));
    if (o->encoding == OBJ_ENCODING_INT)
        return aofCatBulkLongLong(s, (long)o->ptr);
    robj *d = getDecodedObject(o);
    s = aofCatBulk(s, d->ptr, sdsLen(d->ptr));
    decrRefCount(d);
    return s;
}

/* Appends <argv>/<argc> as a RESP array of bulk strings to <s>. */
static sds aofCatCommand(sds s, robj **argv, int argc) {
    s = sdsCatPrintf(s, "*%d\r\n", argc);
    for (int j = 0; j < argc; j++) s = aofCatBulkObject(s, argv[j]);
    return s;
}

static sds aofCatSelect(sds s, int dbid) {
    s = sdsCat(s, "*2\r\n$6\r\nSELECT\r\n");
    return aofCatBulkLongLong(s, dbid);
}

static int aofIsTxnMarker(robj **argv, int argc) {
    if (argc != 1 || !sdsEncodedObject(argv[0])) return 0;
    return !strcasecmp(argv[0]->ptr, "multi") ||
           !strcasecmp(argv[0]->ptr, "exec");
}

/* The propagation sink: every write (and the MULTI/EXEC around groups)
 * is appended to the buffer, after a SELECT when the database changes. */
static void aofFeed(int dbid, robj **argv, int argc, int target) {
    if (!(target & PROPAGATE_AOF) || aofState.loading) return;
    if (aofState.state == AOF_OFF) return;
    /* Before the first rewrite forks, the snapshot will hold the write. */
    if (aofState.state == AOF_WAIT_REWRITE && aofState.fd == -1) return;
    /* aof-timestamp-enabled: a "#TS:<unix time>" line whenever the second
     * changed, as Redis 7.0 writes them (redis-check-aof
     * --truncate-to-timestamp cuts at one; loaders skip them). */
    if (server.aof_timestamp_enabled && server.unixtime > aofState.last_ts) {
        aofState.buf = sdsCatPrintf(aofState.buf, "#TS:%lld\r\n",
                                    (long long)server.unixtime);
        aofState.last_ts = server.unixtime;
    }
    if (!aofIsTxnMarker(argv, argc) && dbid != aofState.selected_db) {
        aofState.buf = aofCatSelect(aofState.buf, dbid);
        aofState.selected_db = dbid;
    }
    aofState.buf = aofCatCommand(aofState.buf, argv, argc);
}

/* no-appendfsync-on-rewrite: while a child saves or rewrites, policy
 * fsyncs wait (the data is written, only its fsync is postponed), so the
 * main thread does not stall behind the child's disk traffic. */
static int aofFsyncPostponed(void) {
    return server.aof_no_fsync_on_rewrite && server.child_pid > 0;
}

static void aofFsyncNow(void) {
    if (aofState.fd == -1 || !aofState.unsynced) return;
    long long fstart = ustime();
    int frc = fdatasync(aofState.fd);
    if (server.aof_fsync == AOF_FSYNC_ALWAYS)
        latencyAddSampleIfNeeded("aof-fsync-always",
                                 (ustime() - fstart) / 1000);
    if (frc == -1) {
        serverLog(LL_WARNING, "Error fsyncing the AOF file: %s",
                  strerror(errno));
        if (server.aof_fsync == AOF_FSYNC_ALWAYS) {
            serverLog(LL_WARNING, "Can't recover from AOF fsync error when the "
                      "AOF fsync policy is 'always'. Exiting...");
            exit(1);
        }
        aofState.last_write_ok = 0;
        return;
    }
    aofState.unsynced = 0;
    aofState.last_fsync_ms = mstime();
}

/* Writes the buffer to the open incremental file; fsyncs it too when
 * <force_fsync> or appendfsync is always. A failed write is undone
 * (the file is cut back) and retried later, except with always, where
 * the server cannot keep its promise and exits. */
static void aofFlush(int force_fsync) {
    if (aofState.fd == -1) return;
    size_t len = sdsLen(aofState.buf);
    if (len > 0) {
        off_t before = lseek(aofState.fd, 0, SEEK_END);
        long long wstart = ustime();
        /* DEBUG AOF-FLUSH-SLEEP: a slow disk, for tests. */
        if (server.aof_flush_sleep > 0) usleep((useconds_t)server.aof_flush_sleep);
        int wrc = aofWriteAll(aofState.fd, aofState.buf, len);
        long long wms = (ustime() - wstart) / 1000;
        /* Latency monitor events, as Redis names them. */
        latencyAddSampleIfNeeded("aof-write", wms);
        latencyAddSampleIfNeeded(server.child_pid > 0 ? "aof-write-active-child"
                                                      : "aof-write-alone",
                                 wms);
        if (wrc != C_OK) {
            serverLog(LL_WARNING, "Error writing to the AOF file: %s",
                      strerror(errno));
            aofState.last_write_ok = 0;
            if (server.aof_fsync == AOF_FSYNC_ALWAYS) {
                serverLog(LL_WARNING, "Can't recover from AOF write error when "
                          "the AOF fsync policy is 'always'. Exiting...");
                exit(1);
            }
            if (before >= 0 && ftruncate(aofState.fd, before) == -1)
                serverLog(LL_WARNING, "Could not remove the partial write "
                          "from the AOF file: %s", strerror(errno));
            return;
        }
        aofState.current_size += (long long)len;
        /* A buffer that grew for a big batch (a script, a MULTI) is given
         * back rather than kept at its peak; small ones are reused. */
        if (sdsAllocSize(aofState.buf) > AOF_BUF_KEEP) {
            sdsFree(aofState.buf);
            aofState.buf = sdsEmpty();
        } else {
            sdsClear(aofState.buf);
        }
        aofState.unsynced = 1;
        aofState.last_write_ok = 1;
    }
    if (force_fsync ||
        (server.aof_fsync == AOF_FSYNC_ALWAYS && !aofFsyncPostponed()))
        aofFsyncNow();
}

/* Before-sleep hook: runs after the commands of this event-loop turn
 * were propagated and before their replies are written. */
static void aofBeforeSleep(void) {
    if (aofState.state != AOF_OFF) aofFlush(0);
}

/* ===================================================================
 * The rewrite
 * ================================================================ */

/* Writes every key of every database as commands to <fp>. */
static void aofCatFunctionLoad(void *ctx, sds code) {
    sds *s = ctx;
    *s = sdsCat(*s, "*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n");
    *s = aofCatBulk(*s, code, sdsLen(code));
}

static int aofWriteDatasetAsCommands(FILE *fp) {
    sds s = sdsEmpty();
    /* Function libraries first, as FUNCTION LOAD commands. */
    rdbForEachFunctionLibrary(aofCatFunctionLoad, &s);
    for (int j = 0; j < server.dbnum; j++) {
        redisDb *db = &server.db[j];
        if (dictSize(db->dict) == 0) continue;
        s = aofCatSelect(s, j);
        dictIterator *di = dictGetIterator(db->dict);
        dictEntry *de;
        while ((de = dictNext(di)) != NULL) {
            sds key = dictGetKey(de);
            robj *o = dictGetVal(de);
            size_t klen = sdsLen(key);
            if (o->type == OBJ_STRING) {
                s = sdsCat(s, "*3\r\n$3\r\nSET\r\n");
                s = aofCatBulk(s, key, klen);
                s = aofCatBulkObject(s, o);
            } else if (o->type == OBJ_LIST) {
                quicklistIter it;
                quicklistEntry e;
                unsigned long total = quicklistCount(o->ptr), done = 0;
                quicklistInitIterator(&it, o->ptr, AL_START_HEAD_QL);
                while (done < total && quicklistNext(&it, &e)) {
                    if (done % AOF_ITEMS_PER_CMD == 0) {
                        unsigned long rest = total - done;
                        if (rest > AOF_ITEMS_PER_CMD) rest = AOF_ITEMS_PER_CMD;
                        s = sdsCatPrintf(s, "*%lu\r\n$5\r\nRPUSH\r\n",
                                         rest + 2);
                        s = aofCatBulk(s, key, klen);
                    }
                    if (e.value)
                        s = aofCatBulk(s, (char *)e.value, e.sz);
                    else
                        s = aofCatBulkLongLong(s, e.longval);
                    done++;
                }
            } else if (o->type == OBJ_SET) {
                unsigned long total = setTypeSize(o), done = 0;
                setTypeIterator *si = setTypeInitIterator(o);
                sds ele;
                int64_t llele;
                int enc;
                while ((enc = setTypeNext(si, &ele, &llele)) != -1) {
                    if (done % AOF_ITEMS_PER_CMD == 0) {
                        unsigned long rest = total - done;
                        if (rest > AOF_ITEMS_PER_CMD) rest = AOF_ITEMS_PER_CMD;
                        s = sdsCatPrintf(s, "*%lu\r\n$4\r\nSADD\r\n", rest + 2);
                        s = aofCatBulk(s, key, klen);
                    }
                    if (enc == OBJ_ENCODING_INTSET)
                        s = aofCatBulkLongLong(s, (long long)llele);
                    else
                        s = aofCatBulk(s, ele, sdsLen(ele));
                    done++;
                }
                setTypeReleaseIterator(si);
            } else if (o->type == OBJ_ZSET) {
                unsigned long total = zsetLength(o), done = 0;
                zsetTypeIterator *zi = zsetTypeInitIterator(o, 0);
                unsigned char *vstr;
                unsigned int vlen;
                long long vll;
                double score;
                while (zsetTypeNext(zi, &vstr, &vlen, &vll, &score) == C_OK) {
                    if (done % AOF_ITEMS_PER_CMD == 0) {
                        unsigned long rest = total - done;
                        if (rest > AOF_ITEMS_PER_CMD) rest = AOF_ITEMS_PER_CMD;
                        s = sdsCatPrintf(s, "*%lu\r\n$4\r\nZADD\r\n",
                                         rest * 2 + 2);
                        s = aofCatBulk(s, key, klen);
                    }
                    char sbuf[64];
                    int n = snprintf(sbuf, sizeof(sbuf), "%.17g", score);
                    s = aofCatBulk(s, sbuf, (size_t)n);
                    if (vstr)
                        s = aofCatBulk(s, (char *)vstr, vlen);
                    else
                        s = aofCatBulkLongLong(s, vll);
                    done++;
                }
                zsetTypeReleaseIterator(zi);
            } else if (o->type == OBJ_HASH) {
                unsigned long total = hashTypeLength(o), done = 0;
                hashTypeIterator *hi = hashTypeInitIterator(o);
                while (hashTypeNext(hi) == C_OK) {
                    if (done % AOF_ITEMS_PER_CMD == 0) {
                        unsigned long rest = total - done;
                        if (rest > AOF_ITEMS_PER_CMD) rest = AOF_ITEMS_PER_CMD;
                        s = sdsCatPrintf(s, "*%lu\r\n$5\r\nHMSET\r\n",
                                         rest * 2 + 2);
                        s = aofCatBulk(s, key, klen);
                    }
                    sds f = hashTypeCurrentObjectNewSds(hi, OBJ_HASH_KEY);
                    sds v = hashTypeCurrentObjectNewSds(hi, OBJ_HASH_VALUE);
                    s = aofCatBulk(s, f, sdsLen(f));
                    s = aofCatBulk(s, v, sdsLen(v));
                    sdsFree(f);
                    sdsFree(v);
                    done++;
                }
                hashTypeReleaseIterator(hi);
            } else if (o->type == OBJ_STREAM) {
                s = streamCatRewriteCommands(s, key, klen, o);
            } else {
                /* Any other type travels as its DUMP payload. */
                sds payload = rdbDumpPayloadCreate(o);
                s = sdsCat(s, "*4\r\n$7\r\nRESTORE\r\n");
                s = aofCatBulk(s, key, klen);
                s = aofCatBulk(s, "0", 1);
                s = aofCatBulk(s, payload, sdsLen(payload));
                sdsFree(payload);
            }
            dictEntry *ee = dictFind(db->expires, key);
            if (ee) {
                s = sdsCat(s, "*3\r\n$9\r\nPEXPIREAT\r\n");
                s = aofCatBulk(s, key, klen);
                s = aofCatBulkLongLong(s, dictGetSignedIntegerVal(ee));
            }
            if (sdsLen(s) > (1 << 16)) {
                if (fwrite(s, 1, sdsLen(s), fp) != sdsLen(s)) {
                    dictReleaseIterator(di);
                    sdsFree(s);
                    return C_ERR;
                }
                sdsClear(s);
            }
        }
        dictReleaseIterator(di);
    }
    size_t n = fwrite(s, 1, sdsLen(s), fp);
    int rc = n == sdsLen(s) ? C_OK : C_ERR;
    sdsFree(s);
    return rc;
}

/* Writes a complete base (RDB stream or commands) to <path>, fsynced.
 * Returns C_OK or C_ERR (logged). */
static int aofWriteBase(const char *path, int rdb) {
    FILE *fp = fopen(path, "w");
    if (!fp) {
        serverLog(LL_WARNING, "Opening the temp file for AOF rewrite failed: "
                  "%s", strerror(errno));
        return C_ERR;
    }
    static char iobuf[1 << 16];
    setvbuf(fp, iobuf, _IOFBF, sizeof(iobuf));
    int ok = (rdb ? rdbSaveToFpFiltered(fp, RDB_FILTER_NO_REPL_INFO)
                  : aofWriteDatasetAsCommands(fp)) == C_OK;
    ok = ok && fflush(fp) == 0 && fsync(fileno(fp)) == 0;
    int saved = errno;
    if (fclose(fp) != 0) ok = 0;
    if (!ok) {
        serverLog(LL_WARNING, "Write error writing append only file on disk: "
                  "%s", strerror(saved));
        unlink(path);
        return C_ERR;
    }
    return C_OK;
}

/* Opens <name> in the AOF directory for appending (created if missing;
 * emptied first when <truncate>). Returns the fd or -1 (logged). */
static int aofOpenForAppend(const char *name, int truncate) {
    sds path = aofPath(name);
    int flags = O_WRONLY | O_APPEND | O_CREAT | (truncate ? O_TRUNC : 0);
    int fd = open(path, flags, 0644);
    if (fd == -1)
        serverLog(LL_WARNING, "Can't open the append-only file %s: %s", name,
                  strerror(errno));
    sdsFree(path);
    return fd;
}

/* Replaces the incremental file being appended by <fd>: what is buffered
 * goes to the old file, which is fsynced and closed. */
static void aofSwitchFd(int fd) {
    if (aofState.fd != -1) {
        aofFlush(1);
        close(aofState.fd);
    }
    aofState.fd = fd;
    aofState.selected_db = -1;
    aofState.last_ts = 0; /* a new file starts with its own "#TS:" */
    aofState.unsynced = 0;
}

/* See aof.h. */
int aofRewriteBackground(void) {
    if (server.child_pid > 0) return C_ERR;
    if (aofMakeDir() != C_OK) return C_ERR;
    aofEnsureManifest();
    aofManifest *mf = aofState.mf;
    if (aofState.state == AOF_ON) {
        /* The writes that follow go to a new incremental file, listed in
         * the manifest before the child starts, so a crash at any moment
         * loads base + every incremental file. */
        long long seq = mf->incr_seq + 1;
        sds name = aofIncrName(seq);
        aofFlush(1);
        int fd = aofOpenForAppend(name, 1);
        if (fd == -1) {
            sdsFree(name);
            return C_ERR;
        }
        aofFile *f = aofFileCreate(name, seq, AOF_FILE_INCR);
        long long old_seq = mf->incr_seq;
        aofManifestAddIncr(mf, f);
        if (aofManifestPersist(mf) != C_OK) {
            mf->nincr--;
            mf->incr_seq = old_seq;
            aofFileFree(f);
            close(fd);
            sds path = aofPath(name);
            unlink(path);
            sdsFree(path);
            sdsFree(name);
            return C_ERR;
        }
        serverLog(LL_NOTICE, "Creating AOF incr file %s on background rewrite",
                  name);
        sdsFree(name);
        aofSwitchFd(fd);
    } else if (aofState.state == AOF_WAIT_REWRITE && aofState.fd == -1) {
        sds name = aofTempIncrName();
        int fd = aofOpenForAppend(name, 1);
        if (fd == -1) {
            sdsFree(name);
            return C_ERR;
        }
        serverLog(LL_NOTICE, "Creating AOF incr file %s on background rewrite",
                  name);
        sdsFree(name);
        aofSwitchFd(fd);
    }
    int preamble = server.aof_use_rdb_preamble;
    pid_t pid = serverFork(FORK_AOF_REWRITE);
    if (pid == 0) {
        /* The child: writes the base and leaves. */
        sds tmp = aofTempBasePath(getpid());
        int rc = aofWriteBase(tmp, preamble);
        if (rc == C_OK)
            serverLog(LL_NOTICE, "Successfully created the temporary AOF base "
                      "file temp-rewriteaof-bg-%d.aof", (int)getpid());
        _exit(rc == C_OK ? 0 : 1);
    }
    if (pid == -1) {
        serverLog(LL_WARNING, "Can't rewrite append only file in background: "
                  "fork: %s", strerror(errno));
        aofState.last_bgrewrite_ok = 0;
        return C_ERR;
    }
    serverLog(LL_NOTICE, "Background append only file rewriting started by "
              "pid %d", (int)pid);
    server.child_pid = pid;
    server.child_type = CHILD_TYPE_AOF;
    aofState.rewrite_preamble = preamble;
    aofState.rewrite_start = time(NULL);
    aofState.rewrite_scheduled = 0;
    return C_OK;
}

static void aofRemoveFile(const char *name) {
    sds path = aofPath(name);
    serverLog(LL_NOTICE, "Removing the history file %s", name);
    if (unlink(path) == -1 && errno != ENOENT)
        serverLog(LL_WARNING, "Can't remove the history file %s: %s", name,
                  strerror(errno));
    sdsFree(path);
}

static void aofClearChild(void) {
    server.child_pid = -1;
    server.child_type = CHILD_TYPE_NONE;
    if (aofState.rewrite_start != -1)
        aofState.last_rewrite_time =
            (long long)(time(NULL) - aofState.rewrite_start);
    aofState.rewrite_start = -1;
}

static void aofRewriteFailed(void) {
    aofState.last_bgrewrite_ok = 0;
    aofState.consecutive_failures++;
    aofState.last_failure_ms = mstime();
    /* Turning the AOF on needs a base: try again from the cron. */
    if (aofState.state == AOF_WAIT_REWRITE) aofState.rewrite_scheduled = 1;
}

/* The child wrote the base at <tmp>: renames it into place, writes the
 * manifest that no longer lists the old files, and deletes them. */
static void aofRewriteSucceeded(const char *tmp) {
    aofManifest *mf = aofState.mf;
    aofManifest *next = aofManifestCreate();
    next->base_seq = mf->base_seq + 1;
    next->incr_seq = mf->incr_seq;
    sds basename = aofBaseName(next->base_seq, aofState.rewrite_preamble);
    sds basepath = aofPath(basename);
    sds tempincr = NULL, tempincrpath = NULL, incrpath = NULL;
    if (rename(tmp, basepath) == -1) {
        serverLog(LL_WARNING, "Error trying to rename the temporary AOF base "
                  "file into %s: %s", basename, strerror(errno));
        unlink(tmp);
        goto fail;
    }
    serverLog(LL_NOTICE, "Successfully renamed the temporary AOF base file "
              "%s into %s", strrchr(tmp, '/') + 1, basename);
    next->base = aofFileCreate(basename, next->base_seq, AOF_FILE_BASE);
    if (aofState.state == AOF_ON && mf->nincr > 0) {
        aofFile *cur = mf->incr[mf->nincr - 1];
        aofManifestAddIncr(next, aofFileCreate(cur->name, cur->seq,
                                               AOF_FILE_INCR));
    } else if (aofState.state == AOF_WAIT_REWRITE && aofState.fd != -1) {
        long long seq = mf->incr_seq + 1;
        sds incrname = aofIncrName(seq);
        tempincr = aofTempIncrName();
        tempincrpath = aofPath(tempincr);
        incrpath = aofPath(incrname);
        if (rename(tempincrpath, incrpath) == -1) {
            serverLog(LL_WARNING, "Error trying to rename the temporary AOF "
                      "incr file into %s: %s", incrname, strerror(errno));
            sdsFree(incrname);
            unlink(basepath);
            goto fail;
        }
        serverLog(LL_NOTICE, "Successfully renamed the temporary AOF incr "
                  "file %s into %s", tempincr, incrname);
        aofManifestAddIncr(next, aofFileCreate(incrname, seq, AOF_FILE_INCR));
        sdsFree(incrname);
    }
    if (aofManifestPersist(next) != C_OK) {
        unlink(basepath);
        if (incrpath && rename(incrpath, tempincrpath) == -1)
            serverLog(LL_WARNING, "Can't restore the temporary AOF incr file: "
                      "%s", strerror(errno));
        goto fail;
    }
    /* The new manifest is durable: the old files are history now. */
    if (mf->base && strcmp(mf->base->name, basename) != 0)
        aofRemoveFile(mf->base->name);
    for (int j = 0; j < mf->nincr; j++) {
        int kept = 0;
        for (int k = 0; k < next->nincr; k++)
            kept |= !strcmp(next->incr[k]->name, mf->incr[j]->name);
        if (!kept) aofRemoveFile(mf->incr[j]->name);
    }
    for (int j = 0; j < mf->nhist; j++) aofRemoveFile(mf->hist[j]->name);
    aofManifestFree(mf);
    aofState.mf = next;
    if (aofState.state == AOF_WAIT_REWRITE) {
        aofState.state = AOF_ON;
        serverLog(LL_NOTICE, "AOF rewrite done, the append only file is now "
                  "enabled.");
    }
    aofState.base_size = aofFileSize(basename);
    aofState.current_size = aofState.base_size;
    for (int k = 0; k < next->nincr; k++)
        aofState.current_size += aofFileSize(next->incr[k]->name);
    aofState.rewrite_base_size = aofState.current_size;
    aofState.last_bgrewrite_ok = 1;
    aofState.consecutive_failures = 0;
    aofState.rewrites++;
    serverLog(LL_NOTICE, "Background AOF rewrite finished successfully");
    sdsFree(basename);
    sdsFree(basepath);
    sdsFree(tempincr);
    sdsFree(tempincrpath);
    sdsFree(incrpath);
    return;
fail:
    aofManifestFree(next);
    sdsFree(basename);
    sdsFree(basepath);
    sdsFree(tempincr);
    sdsFree(tempincrpath);
    sdsFree(incrpath);
    aofRewriteFailed();
}

/* Reaps a finished rewrite child (cron), or waits for it when <block>. */
static void aofCheckChildDone(int block) {
    if (server.child_pid <= 0 || server.child_type != CHILD_TYPE_AOF) return;
    int status;
    pid_t pid;
    do {
        pid = waitpid(server.child_pid, &status, block ? 0 : WNOHANG);
    } while (block && pid == -1 && errno == EINTR);
    if (pid == 0 || (pid == -1 && errno == EINTR)) return;
    pid_t child = server.child_pid;
    sds tmp = aofTempBasePath(child);
    aofClearChild();
    if (pid != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        serverLog(LL_NOTICE, "Background AOF rewrite terminated with success");
        /* Our buffered writes belong to the incremental file anyway. */
        aofFlush(0);
        aofRewriteSucceeded(tmp);
    } else {
        if (pid == -1)
            serverLog(LL_WARNING, "waitpid() returned an error: %s. child_pid "
                      "= %d", strerror(errno), (int)child);
        else if (WIFSIGNALED(status))
            serverLog(LL_WARNING, "Background AOF rewrite terminated by signal "
                      "%d", WTERMSIG(status));
        else
            serverLog(LL_WARNING, "Background AOF rewrite terminated with "
                      "error");
        unlink(tmp);
        aofRewriteFailed();
    }
    sdsFree(tmp);
}

/* Stops a running rewrite child and removes its temporary base. */
static void aofKillChild(void) {
    if (server.child_pid <= 0 || server.child_type != CHILD_TYPE_AOF) return;
    pid_t pid = server.child_pid;
    serverLog(LL_NOTICE, "Killing running AOF rewrite child: %d", (int)pid);
    kill(pid, SIGUSR1);
    int status;
    while (waitpid(pid, &status, 0) == -1 && errno == EINTR) {
    }
    sds tmp = aofTempBasePath(pid);
    unlink(tmp);
    sdsFree(tmp);
    aofClearChild();
}

/* Cron: reaps the child, fsyncs once a second with everysec, runs a
 * scheduled rewrite and the automatic one. */
static void aofCron(void) {
    aofCheckChildDone(0);
    if (aofState.state != AOF_OFF && server.aof_fsync == AOF_FSYNC_EVERYSEC &&
        aofState.fd != -1) {
        long long now = mstime();
        if (now - aofState.last_fsync_ms >= 1000) {
            aofFlush(0);
            if (!aofFsyncPostponed()) aofFsyncNow();
        }
    }
    if (server.child_pid > 0 || server.loading) return;
    /* After failures wait a little longer each time (up to a minute). */
    if (aofState.consecutive_failures > 0) {
        long long wait = aofState.consecutive_failures * 1000;
        if (wait > 60000) wait = 60000;
        if (mstime() - aofState.last_failure_ms < wait) return;
    }
    if (aofState.rewrite_scheduled) {
        if (aofRewriteBackground() != C_OK) aofRewriteFailed();
        return;
    }
    if (aofState.state == AOF_ON && server.aof_rewrite_perc > 0 &&
        aofState.current_size > server.aof_rewrite_min_size) {
        long long base = aofState.rewrite_base_size
                             ? aofState.rewrite_base_size
                             : 1;
        long long growth = aofState.current_size * 100 / base - 100;
        if (growth >= server.aof_rewrite_perc) {
            serverLog(LL_NOTICE, "Starting automatic rewriting of AOF on "
                      "%lld%% growth", growth);
            if (aofRewriteBackground() != C_OK) aofRewriteFailed();
        }
    }
}

/* ===================================================================
 * Loading
 * ================================================================ */

#define AOF_READ_OK 1
#define AOF_READ_EOF 0        /* clean end before a command */
#define AOF_READ_TRUNCATED -1 /* the file ends inside a command */
#define AOF_READ_BADFORMAT -2
#define AOF_READ_IOERR -3

typedef struct aofReader {
    FILE *fp;
    long long pos; /* bytes consumed */
} aofReader;

/* Reads a "<prefix><number>\r\n" line; *<num> gets the number. */
static int aofReadHeader(aofReader *rd, char prefix, long long *num) {
    char line[AOF_LINE_MAX];
    if (fgets(line, sizeof(line), rd->fp) == NULL)
        return ferror(rd->fp) ? AOF_READ_IOERR : AOF_READ_EOF;
    size_t n = strlen(line);
    rd->pos += (long long)n;
    if (n == 0 || line[n - 1] != '\n')
        return feof(rd->fp) ? AOF_READ_TRUNCATED : AOF_READ_BADFORMAT;
    if (n < 3 || line[n - 2] != '\r' || line[0] != prefix)
        return AOF_READ_BADFORMAT;
    if (!string2ll(line + 1, n - 3, num) || *num < 0) return AOF_READ_BADFORMAT;
    return AOF_READ_OK;
}

/* Reads one command: *<argv> (new objects, caller owns) and *<argc>. */
static int aofReadCommand(aofReader *rd, robj ***argvp, int *argcp) {
    long long argc, len;
    /* Annotations (lines starting with '#', such as Redis 7.0's "#TS:"
     * timestamps) carry no command: skipped, as Redis's loader does. */
    int ch;
    while ((ch = getc(rd->fp)) == '#') {
        char line[AOF_LINE_MAX];
        rd->pos++;
        do {
            if (fgets(line, sizeof(line), rd->fp) == NULL)
                return ferror(rd->fp) ? AOF_READ_IOERR : AOF_READ_TRUNCATED;
            rd->pos += (long long)strlen(line);
        } while (line[strlen(line) - 1] != '\n');
    }
    if (ch == EOF) return ferror(rd->fp) ? AOF_READ_IOERR : AOF_READ_EOF;
    ungetc(ch, rd->fp);
    int rc = aofReadHeader(rd, '*', &argc);
    if (rc != AOF_READ_OK) return rc;
    if (argc < 1 || argc > INT_MAX / 2) return AOF_READ_BADFORMAT;
    int cap = argc < 64 ? (int)argc : 64, n = 0;
    robj **argv = zmalloc(sizeof(robj *) * (size_t)cap);
    for (n = 0; n < argc; n++) {
        rc = aofReadHeader(rd, '$', &len);
        if (rc == AOF_READ_EOF) rc = AOF_READ_TRUNCATED;
        if (rc == AOF_READ_OK && len > server.proto_max_bulk_len)
            rc = AOF_READ_BADFORMAT;
        if (rc != AOF_READ_OK) break;
        sds s = sdsNewLen(NULL, (size_t)len + 2);
        size_t got = fread(s, 1, (size_t)len + 2, rd->fp);
        rd->pos += (long long)got;
        if (got != (size_t)len + 2) {
            sdsFree(s);
            rc = ferror(rd->fp) ? AOF_READ_IOERR : AOF_READ_TRUNCATED;
            break;
        }
        if (s[len] != '\r' || s[len + 1] != '\n') {
            sdsFree(s);
            rc = AOF_READ_BADFORMAT;
            break;
        }
        sdsSetLen(s, (size_t)len);
        if (n == cap) {
            cap *= 2;
            argv = zrealloc(argv, sizeof(robj *) * (size_t)cap);
        }
        argv[n] = createObject(OBJ_STRING, s);
    }
    if (rc != AOF_READ_OK) {
        for (int j = 0; j < n; j++) decrRefCount(argv[j]);
        zfree(argv);
        return rc;
    }
    *argvp = argv;
    *argcp = (int)argc;
    return AOF_READ_OK;
}

static void aofFreeArgv(robj **argv, int argc) {
    for (int j = 0; j < argc; j++) decrRefCount(argv[j]);
    zfree(argv);
}

/* Runs <argv> (ownership taken) on the fake client <c>. */
static void aofExec(client *c, struct redisCommand *cmd, robj **argv,
                    int argc) {
    c->argv = argv;
    c->argc = argc;
    c->argv_len = argc;
    c->cmd = c->lastcmd = cmd;
    call(c, CMD_CALL_NONE);
    freeClientArgv(c);
    zfree(c->argv);
    c->argv = NULL;
    c->argv_len = 0;
}

typedef struct aofQueued {
    robj **argv;
    int argc;
    struct redisCommand *cmd;
} aofQueued;

static void aofFatal(void) __attribute__((noreturn));
static void aofFatal(void) {
    exit(1);
}

/* Replaying the commands of one file, a slice at a time. */
typedef struct aofReplay {
    client *c;     /* the fake client that runs them */
    aofQueued *q;  /* MULTI ... queued until EXEC */
    int qn, qcap, in_multi;
    long long multi_start, cmd_start;
    long long valid; /* the end of the last complete command or EXEC */
    int rc;          /* how reading ended (AOF_READ_*) */
} aofReplay;

static void aofReplayInit(aofReplay *rp, long long pos) {
    memset(rp, 0, sizeof(*rp));
    rp->c = createClient(NULL);
    rp->c->user = NULL; /* the AOF is replayed whatever the ACL rules */
    rp->valid = pos;
}

/* Runs the commands of <name> from the reader's position for about
 * <budget_us> (the time is looked at every 64 commands). Returns 1 while
 * commands are left, 0 at the end of the file (rp->rc says how it ended).
 * Exits on an unknown command or a wrong arity. */
static int aofReplayRun(aofReplay *rp, aofReader *rd, const char *name,
                        long long budget_us) {
    long long start = ustime();
    for (int n = 1;; n++) {
        if (n % 64 == 0 && ustime() - start >= budget_us) return 1;
        robj **argv;
        int argc;
        rp->cmd_start = rd->pos;
        rp->rc = aofReadCommand(rd, &argv, &argc);
        if (rp->rc != AOF_READ_OK) return 0;
        struct redisCommand *cmd = lookupCommand(argv, argc);
        if (!cmd || !cmd->proc) {
            serverLog(LL_WARNING, "Unknown command '%.64s' reading the append "
                      "only file %s at offset %lld", (char *)argv[0]->ptr,
                      name, rp->cmd_start);
            aofFatal();
        }
        if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
            serverLog(LL_WARNING, "Wrong number of arguments for '%.64s' "
                      "reading the append only file %s at offset %lld",
                      (char *)argv[0]->ptr, name, rp->cmd_start);
            aofFatal();
        }
        if (cmd->proc == multiCommand) {
            rp->in_multi = 1;
            rp->multi_start = rp->cmd_start;
            aofFreeArgv(argv, argc);
        } else if (cmd->proc == execCommand) {
            for (int j = 0; j < rp->qn; j++)
                aofExec(rp->c, rp->q[j].cmd, rp->q[j].argv, rp->q[j].argc);
            rp->qn = 0;
            rp->in_multi = 0;
            aofFreeArgv(argv, argc);
            rp->valid = rd->pos;
        } else if (rp->in_multi) {
            if (rp->qn == rp->qcap) {
                rp->qcap = rp->qcap ? rp->qcap * 2 : 16;
                rp->q = zrealloc(rp->q, sizeof(*rp->q) * (size_t)rp->qcap);
            }
            rp->q[rp->qn].argv = argv;
            rp->q[rp->qn].argc = argc;
            rp->q[rp->qn].cmd = cmd;
            rp->qn++;
        } else {
            aofExec(rp->c, cmd, argv, argc);
            rp->valid = rd->pos;
        }
    }
}

/* The end of <name>'s commands: a clean end, or an error the process
 * exits on, or a truncated tail of the <last> file trimmed when
 * aof-load-truncated allows it. */
static void aofReplayEnd(aofReplay *rp, const char *name, int last) {
    for (int j = 0; j < rp->qn; j++)
        aofFreeArgv(rp->q[j].argv, rp->q[j].argc);
    zfree(rp->q);
    rp->q = NULL;
    freeClient(rp->c);
    rp->c = NULL;
    int rc = rp->rc, in_multi = rp->in_multi;
    long long valid = rp->valid, multi_start = rp->multi_start,
              cmd_start = rp->cmd_start;
    if (rc == AOF_READ_EOF && !in_multi) return;
    if (rc == AOF_READ_IOERR) {
        serverLog(LL_WARNING, "Unrecoverable error reading the append only "
                  "file %s: %s", name, strerror(errno));
        aofFatal();
    }
    if (rc == AOF_READ_BADFORMAT) {
        serverLog(LL_WARNING, "Bad file format reading the append only file "
                  "%s at offset %lld: make a backup of your AOF file, then use "
                  "./redis-check-aof --fix <filename.manifest>", name,
                  cmd_start);
        aofFatal();
    }
    /* The file ends inside a command, or inside MULTI ... EXEC. */
    if (rc == AOF_READ_EOF)
        serverLog(LL_WARNING, "Revert incomplete MULTI/EXEC transaction in "
                  "AOF file %s", name);
    if (!last || !server.aof_load_truncated) {
        serverLog(LL_WARNING, "Unexpected end of file reading the append only "
                  "file %s at offset %lld. You can: 1) Make a backup of your "
                  "AOF file, then use ./redis-check-aof --fix "
                  "<filename.manifest>. 2) Alternatively you can set the "
                  "'aof-load-truncated' configuration option to yes and "
                  "restart the server.", name, in_multi ? multi_start
                                                        : cmd_start);
        aofFatal();
    }
    if (in_multi && multi_start < valid) valid = multi_start;
    serverLog(LL_WARNING, "!!! Warning: short read while loading the AOF file "
              "%s!!!", name);
    serverLog(LL_WARNING, "!!! Truncating the AOF %s at offset %lld !!!", name,
              valid);
    sds path = aofPath(name);
    if (truncate(path, (off_t)valid) == -1) {
        serverLog(LL_WARNING, "Error truncating the AOF file %s: %s", name,
                  strerror(errno));
        aofFatal();
    }
    sdsFree(path);
    serverLog(LL_WARNING, "AOF %s loaded anyway because aof-load-truncated is "
              "enabled", name);
}

/* Loading the files of an AOF directory (base, then each incr file), a
 * slice per call of aofLoadStep: an RDB base through rdb.c's sliced file
 * loader, then commands (an older single-file AOF may follow its RDB
 * preamble with commands). At start-up a slice runs per event-loop turn
 * while clients get -LOADING; DEBUG LOADAOF runs them all at once. */
#define AOF_LOAD_SLICE_US 2000
#define AOF_LOAD_OPEN 0 /* the next file is opened */
#define AOF_LOAD_RDB 1  /* its RDB part is loaded */
#define AOF_LOAD_CMDS 2 /* its commands are replayed */

static struct {
    aofManifest *mf;
    int idx, total; /* the file being loaded, of how many */
    int phase;      /* AOF_LOAD_* */
    const char *name, *kind;
    FILE *fp;
    long long file_start; /* ustime() when the file was opened */
    rdbLoadStream *ls;
    rdbFileLoad *fl;
    aofReader rd;
    aofReplay rp;
    long long dirty; /* server.dirty before the load */
    long long start; /* ustime() at the start */
    int fresh;       /* start-up: the directory was new */
} aofLoad;

/* Starts loading the files of <mf> (the loading flags set); returns how
 * many there are. */
static int aofLoadBegin(aofManifest *mf) {
    aofLoad.mf = mf;
    aofLoad.idx = 0;
    aofLoad.total = (mf->base ? 1 : 0) + mf->nincr;
    aofLoad.phase = AOF_LOAD_OPEN;
    aofLoad.dirty = server.dirty;
    aofLoad.start = ustime();
    aofState.loading = 1;
    server.loading = 1;
    return aofLoad.total;
}

/* The loading flags cleared, server.dirty as before the load. */
static void aofLoadEnd(void) {
    server.loading = 0;
    aofState.loading = 0;
    server.dirty = aofLoad.dirty;
}

/* Opens file aofLoad.idx: an RDB (by its signature) or commands. */
static void aofLoadOpen(void) {
    aofManifest *mf = aofLoad.mf;
    int i = aofLoad.idx;
    int base = mf->base && i == 0;
    aofLoad.name = base ? mf->base->name : mf->incr[i - (mf->base ? 1 : 0)]->name;
    aofLoad.kind = base ? "base" : "incr";
    sds path = aofPath(aofLoad.name);
    FILE *fp = fopen(path, "r");
    if (!fp) {
        serverLog(LL_WARNING, "Fatal error: can't open the append log file %s "
                  "for reading: %s", aofLoad.name, strerror(errno));
        aofFatal();
    }
    struct stat st;
    if (fstat(fileno(fp), &st) == -1) {
        serverLog(LL_WARNING, "Unable to obtain the AOF file %s length. "
                  "stat: %s", aofLoad.name, strerror(errno));
        aofFatal();
    }
    static char iobuf[1 << 16];
    setvbuf(fp, iobuf, _IOFBF, sizeof(iobuf));
    aofLoad.fp = fp;
    aofLoad.file_start = ustime();
    aofLoad.rd = (aofReader){.fp = fp};
    char sig[5];
    if (st.st_size >= 5 && fread(sig, 1, 5, fp) == 5 &&
        memcmp(sig, "REDIS", 5) == 0) {
        serverLog(LL_NOTICE, "Reading RDB base file on AOF loading...");
        char err[300];
        aofLoad.ls = rdbLoadStreamCreate(server.db, 1);
        aofLoad.fl = rdbFileLoadOpen(path, aofLoad.ls, err, sizeof(err));
        if (!aofLoad.fl) {
            serverLog(LL_WARNING, "Error reading the RDB base file %s, AOF "
                      "loading aborted: %s", aofLoad.name, err);
            aofFatal();
        }
        rdbFileLoadAllowTail(aofLoad.fl);
        aofLoad.phase = AOF_LOAD_RDB;
    } else {
        rewind(fp);
        aofReplayInit(&aofLoad.rp, 0);
        aofLoad.phase = AOF_LOAD_CMDS;
    }
    sdsFree(path);
}

/* The RDB part of the file is loaded: its commands follow, if any. */
static void aofLoadRdbDone(void) {
    char err[300];
    if (rdbLoadStreamFinish(aofLoad.ls, err, sizeof(err)) != C_OK) {
        serverLog(LL_WARNING, "Error reading the RDB base file %s, AOF "
                  "loading aborted: %s", aofLoad.name, err);
        aofFatal();
    }
    long long off = (long long)rdbLoadStreamOffset(aofLoad.ls);
    rdbFileLoadClose(aofLoad.fl);
    rdbLoadStreamFree(aofLoad.ls);
    aofLoad.fl = NULL;
    aofLoad.ls = NULL;
    if (fseeko(aofLoad.fp, (off_t)off, SEEK_SET) == -1) {
        serverLog(LL_WARNING, "Unrecoverable error reading the append only "
                  "file %s: %s", aofLoad.name, strerror(errno));
        aofFatal();
    }
    aofLoad.rd.pos = off;
    serverLog(LL_NOTICE, "Reading the remaining AOF tail...");
    aofReplayInit(&aofLoad.rp, off);
    aofLoad.phase = AOF_LOAD_CMDS;
}

/* Loads for about <budget_us>. Returns 1 while files are left, 0 once
 * every file is loaded. Exits the process on an error it may not recover
 * from. */
static int aofLoadStep(long long budget_us) {
    long long start = ustime();
    while (aofLoad.idx < aofLoad.total) {
        long long left = budget_us - (ustime() - start);
        if (left <= 0) return 1;
        if (aofLoad.phase == AOF_LOAD_OPEN) {
            aofLoadOpen();
        } else if (aofLoad.phase == AOF_LOAD_RDB) {
            char err[300];
            int rc = rdbFileLoadStep(aofLoad.fl, left, err, sizeof(err));
            if (rc == RDB_STREAM_AGAIN) return 1;
            if (rc == RDB_STREAM_ERR) {
                serverLog(LL_WARNING, "Error reading the RDB base file %s, "
                          "AOF loading aborted: %s", aofLoad.name, err);
                aofFatal();
            }
            aofLoadRdbDone();
        } else {
            if (aofReplayRun(&aofLoad.rp, &aofLoad.rd, aofLoad.name, left))
                return 1;
            aofReplayEnd(&aofLoad.rp, aofLoad.name,
                         aofLoad.idx + 1 == aofLoad.total);
            fclose(aofLoad.fp);
            aofLoad.fp = NULL;
            serverLog(LL_NOTICE, "DB loaded from %s file %s: %.3f seconds",
                      aofLoad.kind, aofLoad.name,
                      (double)(ustime() - aofLoad.file_start) / 1000000);
            aofLoad.idx++;
            aofLoad.phase = AOF_LOAD_OPEN;
        }
    }
    return 0;
}

/* Creates the first base (the empty dataset) and incremental file of a
 * new AOF directory. */
static void aofCreateFirstFiles(void) {
    aofManifest *mf = aofState.mf;
    if (!mf->base) {
        long long seq = mf->base_seq + 1;
        sds name = aofBaseName(seq, server.aof_use_rdb_preamble);
        sds path = aofPath(name);
        if (aofWriteBase(path, server.aof_use_rdb_preamble) != C_OK)
            aofFatal();
        serverLog(LL_NOTICE, "Creating AOF base file %s on server start",
                  name);
        mf->base = aofFileCreate(name, seq, AOF_FILE_BASE);
        mf->base_seq = seq;
        sdsFree(name);
        sdsFree(path);
    }
}

static void aofLoadAtStartupDone(void);
static int aofStartupLoadTimer(aeEventLoop *el, long long id, void *data);

/* See aof.h. */
void aofLoadAtStartup(void) {
    if (server.sentinel_mode || !server.aof_enabled) return;
    if (aofMakeDir() != C_OK) aofFatal();
    char err[300];
    aofManifest *mf = aofManifestLoad(err, sizeof(err));
    if (!mf && errno != ENOENT) {
        serverLog(LL_WARNING, "%s", err);
        aofFatal();
    }
    int fresh = 0;
    if (!mf) {
        mf = aofManifestCreate();
        /* A single-file AOF of an older version becomes the base. */
        struct stat st;
        if (stat(server.aof_filename, &st) == 0 && S_ISREG(st.st_mode)) {
            sds path = aofPath(server.aof_filename);
            if (rename(server.aof_filename, path) == -1) {
                serverLog(LL_WARNING, "Error moving the old AOF file %s into "
                          "%s: %s", server.aof_filename, server.aof_dirname,
                          strerror(errno));
                aofFatal();
            }
            sdsFree(path);
            serverLog(LL_NOTICE, "Successfully migrated an old-style AOF into "
                      "the AOF directory");
            mf->base = aofFileCreate(server.aof_filename, 1, AOF_FILE_BASE);
            mf->base_seq = 1;
        } else {
            fresh = 1;
        }
    }
    aofState.mf = mf;
    aofLoad.fresh = fresh;
    if (aofLoadBegin(mf) == 0) {
        aofLoadEnd();
        aofLoadAtStartupDone();
        return;
    }
    if (aeCreateTimeEvent(server.el, 0, aofStartupLoadTimer, NULL, NULL) ==
        AE_ERR) {
        serverLog(LL_WARNING, "Can't create the loading timer. Exiting.");
        aofFatal();
    }
    startupHookPending();
}

/* The start-up load, a slice per turn. */
static int aofStartupLoadTimer(aeEventLoop *el, long long id, void *data) {
    UNUSED(el);
    UNUSED(id);
    UNUSED(data);
    if (aofLoadStep(AOF_LOAD_SLICE_US)) return 0; /* again next turn */
    aofLoadEnd();
    serverLog(LL_NOTICE, "DB loaded from append only file: %.3f seconds",
              (double)(ustime() - aofLoad.start) / 1000000);
    aofLoadAtStartupDone();
    startupHookDone();
    return AE_NOMORE;
}

/* After the start-up load: the files appended to from now on. */
static void aofLoadAtStartupDone(void) {
    aofManifest *mf = aofState.mf;
    if (aofLoad.fresh) aofCreateFirstFiles();
    int fd;
    if (mf->nincr == 0) {
        long long seq = mf->incr_seq + 1;
        sds name = aofIncrName(seq);
        fd = aofOpenForAppend(name, 1);
        if (fd == -1) aofFatal();
        aofManifestAddIncr(mf, aofFileCreate(name, seq, AOF_FILE_INCR));
        serverLog(LL_NOTICE, "Creating AOF incr file %s on server start",
                  name);
        sdsFree(name);
        if (aofManifestPersist(mf) != C_OK) aofFatal();
    } else {
        fd = aofOpenForAppend(mf->incr[mf->nincr - 1]->name, 0);
        if (fd == -1) aofFatal();
        if (aofLoad.fresh && aofManifestPersist(mf) != C_OK) aofFatal();
    }
    aofState.fd = fd;
    aofState.selected_db = -1;
    aofState.last_ts = 0; /* a new file starts with its own "#TS:" */
    aofState.state = AOF_ON;
    aofState.last_fsync_ms = mstime();
    aofState.base_size = mf->base ? aofFileSize(mf->base->name) : 0;
    aofState.current_size = aofState.base_size;
    for (int j = 0; j < mf->nincr; j++)
        aofState.current_size += aofFileSize(mf->incr[j]->name);
    aofState.rewrite_base_size = aofState.current_size;
}

/* ===================================================================
 * Switching on and off, shutdown, commands, INFO
 * ================================================================ */

/* Stops appending: flushes and fsyncs, closes the file, kills a rewrite. */
static void aofStop(void) {
    aofFlush(1);
    if (aofState.fd != -1) close(aofState.fd);
    aofState.fd = -1;
    if (server.child_pid > 0 && server.child_type == CHILD_TYPE_AOF)
        aofKillChild();
    if (aofState.state == AOF_WAIT_REWRITE) {
        sds name = aofTempIncrName();
        sds path = aofPath(name);
        unlink(path);
        sdsFree(name);
        sdsFree(path);
    }
    sdsClear(aofState.buf);
    aofState.state = AOF_OFF;
    aofState.rewrite_scheduled = 0;
    aofState.selected_db = -1;
    aofState.last_ts = 0; /* a new file starts with its own "#TS:" */
}

/* See aof.h. */
int aofApplyAppendonly(char *err, size_t errlen) {
    if (aofState.loading) {
        snprintf(err, errlen, "the append only file is being loaded");
        return C_ERR;
    }
    if (!server.aof_enabled) {
        if (aofState.state != AOF_OFF) aofStop();
        return C_OK;
    }
    if (aofState.state != AOF_OFF) return C_OK;
    if (aofMakeDir() != C_OK) {
        snprintf(err, errlen, "can't create the AOF directory");
        return C_ERR;
    }
    aofEnsureManifest();
    aofState.state = AOF_WAIT_REWRITE;
    aofState.consecutive_failures = 0;
    if (server.child_pid > 0 || server.loading) {
        /* A BGSAVE runs, or the dataset is not whole yet: the rewrite
         * starts when that is over. */
        aofState.rewrite_scheduled = 1;
        return C_OK;
    }
    if (aofRewriteBackground() != C_OK) {
        aofStop();
        snprintf(err, errlen, "Failed to start AOF rewrite");
        return C_ERR;
    }
    return C_OK;
}

/* Shutdown: a rewrite child is killed, except the one writing the first
 * base after CONFIG SET appendonly yes, which is waited for; what was
 * written is flushed and fsynced. */
static int aofShutdownHook(int flags) {
    UNUSED(flags);
    if (server.child_pid > 0 && server.child_type == CHILD_TYPE_AOF &&
        aofState.state == AOF_WAIT_REWRITE) {
        /* The AOF was just turned on and has no base yet: without it a
         * restart would load an outdated AOF. */
        serverLog(LL_WARNING, "Writing initial AOF, waiting for the rewrite "
                  "to finish before exiting.");
        aofCheckChildDone(1);
    }
    if (server.child_pid > 0 && server.child_type == CHILD_TYPE_AOF) {
        serverLog(LL_WARNING, "There is a child rewriting the AOF. Killing "
                  "it!");
        aofKillChild();
    }
    if (aofState.state != AOF_OFF && aofState.fd != -1) {
        serverLog(LL_NOTICE, "Calling fsync() on the AOF file.");
        aofFlush(1);
    }
    return C_OK;
}

/* BGREWRITEAOF */
void bgrewriteaofCommand(client *c) {
    if (server.child_pid > 0 && server.child_type == CHILD_TYPE_AOF) {
        addReplyError(c, "Background append only file rewriting already in "
                         "progress");
    } else if (server.child_pid > 0) {
        aofState.rewrite_scheduled = 1;
        addReplyStatus(c, "Background append only file rewriting scheduled");
    } else if (aofRewriteBackground() == C_OK) {
        addReplyStatus(c, "Background append only file rewriting started");
    } else {
        addReplyError(c, "Can't execute an AOF background rewriting. Please "
                         "check the server logs for more information.");
    }
}

/* See aof.h. */
sds aofCatInfoFields(sds info) {
    int inprog = server.child_pid > 0 && server.child_type == CHILD_TYPE_AOF;
    return sdsCatPrintf(info,
        "aof_enabled:%d\r\n"
        "aof_rewrite_in_progress:%d\r\n"
        "aof_rewrite_scheduled:%d\r\n"
        "aof_last_rewrite_time_sec:%lld\r\n"
        "aof_current_rewrite_time_sec:%lld\r\n"
        "aof_last_bgrewrite_status:%s\r\n"
        "aof_rewrites:%lld\r\n"
        "aof_rewrites_consecutive_failures:%lld\r\n"
        "aof_last_write_status:%s\r\n"
        "aof_last_cow_size:0\r\n",
        aofState.state != AOF_OFF, inprog, aofState.rewrite_scheduled,
        aofState.last_rewrite_time,
        inprog ? (long long)(time(NULL) - aofState.rewrite_start) : -1LL,
        aofState.last_bgrewrite_ok ? "ok" : "err", aofState.rewrites,
        aofState.consecutive_failures,
        aofState.last_write_ok ? "ok" : "err");
}

/* See aof.h. */
sds aofCatInfoSizeFields(sds info) {
    if (aofState.state == AOF_OFF) return info;
    return sdsCatPrintf(info,
        "aof_current_size:%lld\r\n"
        "aof_base_size:%lld\r\n"
        "aof_pending_rewrite:%d\r\n"
        "aof_buffer_length:%zu\r\n"
        "aof_pending_bio_fsync:0\r\n"
        "aof_delayed_fsync:0\r\n",
        aofState.current_size, aofState.base_size, aofState.rewrite_scheduled,
        sdsLen(aofState.buf));
}

/* Whether aofFeed would keep a command for <target> now. */
static int aofWanted(int target) {
    return (target & PROPAGATE_AOF) && !aofState.loading &&
           aofState.state != AOF_OFF;
}

/* See aof.h. */
void aofInit(void) {
    aofState.buf = sdsEmpty();
    registerPropagationSink(aofFeed);
    registerPropagationWanted(aofWanted);
    registerBeforeSleepHook(aofBeforeSleep);
    registerCronHook(aofCron);
    registerShutdownHook(aofShutdownHook);
    registerStartupHook(aofLoadAtStartup);
}

/* See aof.h. */
int aofDebugReload(void) {
    if (aofState.state != AOF_ON || !aofState.mf) return C_ERR;
    aofFlush(1);
    emptyData(-1, EMPTYDB_NO_FLAGS, NULL);
    aofLoadBegin(aofState.mf);
    while (aofLoadStep(LLONG_MAX / 4)) { /* no deadline that overflows */
    }
    aofLoadEnd();
    return C_OK;
}
