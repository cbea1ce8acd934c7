/* redis-check-aof: checks an append-only file, old style (one file, with
 * or without an RDB preamble) or Redis 7.0's multi-part layout (a manifest
 * naming a base file and incremental files), and reports in the words of
 * Redis 7.0's tool. With --fix it truncates a damaged tail (of the last
 * incremental file in the multi-part layout) after asking; with
 * --truncate-to-timestamp it cuts at the first "#TS:" annotation later
 * than the given time.
 *
 * Owns: the AOF walk (RESP multibulk commands, annotations, MULTI/EXEC
 * pairing) over a file in memory, the manifest's "file <name> seq <n>
 * type <b|h|i>" lines, and the truncation.
 * Must not touch: the server; the RDB preamble is checked by rdbcheck.c.
 * Invariants: ok_up_to is always the end of the last complete command
 * (outside MULTI), so truncating there leaves a loadable file. */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rdbcheck.h"
#include "sds.h"
#include "zmalloc.h"

#define AOF_MANIFEST_SUFFIX ".manifest"

typedef enum { AOF_CHECK_OK = 0, AOF_CHECK_TRUNCATED, AOF_CHECK_BAD } aofCheckResult;

static int opt_fix = 0;
static long long opt_truncate_ts = -1;

typedef struct aofWalk {
    const unsigned char *buf;
    size_t len, pos;
    long long line;
    size_t ok_up_to;
    long long ok_line;
    size_t last_read;   /* where the last line or payload read began */
    int failed;
} aofWalk;

static void aofError(aofWalk *w, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prints the damage at offset <at> in the form "0x<offset, 16 wide>:
 * <what>", as Redis's tool does. */
static void aofError(aofWalk *w, size_t at, const char *fmt, ...) {
    va_list ap;
    printf("0x%16zx: ", at);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    w->failed = 1;
}

/* Reads one line (through its '\n', or to the end) like fgets. Returns 0 at
 * the very end of the buffer. */
static int aofLine(aofWalk *w, const char **line, size_t *len) {
    const unsigned char *nl;
    w->last_read = w->pos;
    if (w->pos >= w->len) return 0;
    nl = memchr(w->buf + w->pos, '\n', w->len - w->pos);
    *line = (const char *)w->buf + w->pos;
    *len = nl ? (size_t)(nl - (w->buf + w->pos)) + 1 : w->len - w->pos;
    w->pos += *len;
    w->line++;
    return 1;
}

/* A "*<n>" or "$<n>" line with its <prefix>; -1 after reporting damage
 * (a negative count in the file is damage too). */
static long long aofNumber(aofWalk *w, char prefix) {
    const char *l;
    size_t n, start = w->pos;
    char num[32];
    if (!aofLine(w, &l, &n)) {
        aofError(w, start, "Expected prefix '%c', got: '%s'", prefix, "");
        return -1;
    }
    if (l[0] != prefix) {
        w->line--; /* a line that is not what it should be is not counted */
        aofError(w, start, "Expected prefix '%c', got: '%c'", prefix, l[0]);
        return -1;
    }
    if (l[n - 1] != '\n') {
        /* A header cut short: the count in it cannot be trusted. */
        aofError(w, start, "Expected a whole line, got %zu bytes before the end", n);
        return -1;
    }
    n = n - 1 < sizeof(num) - 1 ? n - 1 : sizeof(num) - 1;
    memcpy(num, l + 1, n);
    num[n] = '\0';
    {
        long long v = strtoll(num, NULL, 10);
        if (v < 0 || v > 1024LL * 1024 * 1024 * 1024) {
            if (prefix == '$')
                aofError(w, start,
                         "Expected to read string of %lld bytes, which is not in the suitable range",
                         v);
            else
                aofError(w, start, "Invalid argument count %lld", v);
            return -1;
        }
        return v;
    }
}

/* Walks the commands from w->pos to the end. */
static void aofWalkCommands(aofWalk *w) {
    size_t multi_pos = 0;
    long long multi_line = 0;
    int in_multi = 0;

    while (w->pos < w->len) {
        size_t cmd_start = w->pos;
        long long argc;
        sds name = NULL;

        if (w->buf[w->pos] == '#') {
            const char *l;
            size_t n;
            long long ts;
            (void)aofLine(w, &l, &n);
            if (opt_truncate_ts >= 0 && n > 4 && !memcmp(l, "#TS:", 4)) {
                ts = strtoll(l + 4, NULL, 10);
                if (ts > opt_truncate_ts) {
                    w->pos = cmd_start;
                    w->line--;
                    w->ok_up_to = cmd_start;
                    return;
                }
            }
            if (!in_multi) {
                w->ok_up_to = w->pos;
                w->ok_line = w->line;
            }
            continue;
        }
        argc = aofNumber(w, '*');
        if (argc < 0) return;
        for (long long i = 0; i < argc; i++) {
            long long len = aofNumber(w, '$');
            size_t at = w->pos;
            if (len < 0) {
                sdsFree(name);
                return;
            }
            if (w->len - w->pos < (size_t)len + 2) {
                aofError(w, at, "Expected to read %lld bytes, got %zu bytes", len + 2,
                         w->len - w->pos);
                sdsFree(name);
                return;
            }
            if (w->buf[w->pos + len] != '\r' || w->buf[w->pos + len + 1] != '\n') {
                aofError(w, at, "Expected \\r\\n");
                sdsFree(name);
                return;
            }
            if (i == 0) name = sdsNewLen(w->buf + w->pos, (size_t)len);
            w->last_read = w->pos;
            w->pos += (size_t)len + 2;
            w->line++;
        }
        if (name && !strcasecmp(name, "multi")) {
            if (in_multi) {
                aofError(w, cmd_start, "Unexpected MULTI");
                sdsFree(name);
                return;
            }
            in_multi = 1;
            multi_pos = cmd_start;
            multi_line = w->line;
        } else if (name && !strcasecmp(name, "exec")) {
            if (!in_multi) {
                aofError(w, cmd_start, "Unexpected EXEC");
                sdsFree(name);
                return;
            }
            in_multi = 0;
        }
        sdsFree(name);
        if (!in_multi) {
            w->ok_up_to = w->pos;
            w->ok_line = w->line;
        }
    }
    if (in_multi) {
        (void)multi_pos;
        (void)multi_line;
        aofError(w, w->last_read, "Reached EOF before reading EXEC for MULTI");
    }
}

static unsigned char *aofReadFile(const char *path, size_t *len) {
    FILE *f = fopen(path, "r");
    struct stat st;
    unsigned char *buf;

    if (f == NULL || fstat(fileno(f), &st) == -1) {
        printf("Cannot open file %s: %s\n", path, strerror(errno));
        if (f) fclose(f);
        exit(1);
    }
    buf = zmalloc((size_t)st.st_size + 1);
    if (st.st_size && fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        printf("Cannot read file %s: %s\n", path, strerror(errno));
        exit(1);
    }
    fclose(f);
    *len = (size_t)st.st_size;
    return buf;
}

/* Asks before cutting <path> (shown as <name>) to <to> bytes. Returns 1 if
 * truncated. */
static int aofTruncate(const char *path, const char *name, size_t size, size_t to) {
    char answer[16] = "";
    printf("This will shrink the AOF %s from %zu bytes, with %zu bytes, to %zu bytes\n",
           name, size, size - to, to);
    printf("Continue? [y/N]: ");
    fflush(stdout);
    if (fgets(answer, sizeof(answer), stdin) == NULL || (answer[0] != 'y' && answer[0] != 'Y')) {
        printf("Aborting...\n");
        exit(1);
    }
    if (truncate(path, (off_t)to) == -1) {
        printf("Failed to truncate AOF %s: %s\n", name, strerror(errno));
        exit(1);
    }
    printf("Successfully truncated AOF %s\n", name);
    return 1;
}

/* Checks one AOF file at <path> (reported as <name>). <label> prefixes the
 * final verdict ("BASE ", "INCR " or ""). <may_fix> allows --fix here.
 * Returns AOF_CHECK_OK (valid, or fixed) or exits on damage. */
static aofCheckResult aofCheckFile(const char *path, const char *name,
                                   const char *label, int may_fix) {
    size_t len, rdb_end = 0;
    unsigned char *buf = aofReadFile(path, &len);
    aofWalk w;

    memset(&w, 0, sizeof(w));
    w.buf = buf;
    w.len = len;
    w.line = 1;
    w.ok_line = 1;
    if (len >= 5 && !memcmp(buf, "REDIS", 5)) {
        if (rdbCheckMemory(name, buf, len, &rdb_end) != 0) {
            printf("RDB preamble of AOF file is not sane, aborting.\n");
            exit(1);
        }
        printf("RDB preamble is OK, proceeding with AOF tail...\n");
        w.pos = w.ok_up_to = rdb_end;
    }
    aofWalkCommands(&w);
    /* Redis's tool reports the lines read in all, up to the damage. */
    printf("AOF analyzed: filename=%s, size=%zu, ok_up_to=%zu, ok_up_to_line=%lld, diff=%zu\n",
           name, len, w.ok_up_to, w.line, len - w.ok_up_to);
    zfree(buf);
    if (len - w.ok_up_to == 0 && !w.failed) {
        printf("%sAOF %s is valid\n", label, name);
        return AOF_CHECK_OK;
    }
    if (opt_truncate_ts >= 0 && !w.failed) {
        aofTruncate(path, name, len, w.ok_up_to);
        return AOF_CHECK_OK;
    }
    if (opt_fix && may_fix) {
        aofTruncate(path, name, len, w.ok_up_to);
        return AOF_CHECK_OK;
    }
    if (may_fix)
        printf("AOF %s is not valid. Use the --fix option to try fixing it.\n", name);
    else
        printf("AOF %s is not valid. Only the last INCR file can be fixed.\n", name);
    exit(1);
}

/* The multi-part layout: the manifest's base file, then its incremental
 * files in order. */
static void aofCheckManifest(const char *manifest) {
    size_t len;
    unsigned char *buf = aofReadFile(manifest, &len);
    sds text = sdsNewLen(buf, len), dir;
    sds *lines, base = NULL, *incr = NULL;
    int nlines, nincr = 0;
    char *copy = zstrdup(manifest);

    zfree(buf);
    dir = sdsNew(dirname(copy));
    zfree(copy);
    printf("Start checking Multi Part AOF\n");
    lines = sdsSplitLen(text, (ssize_t)sdsLen(text), "\n", 1, &nlines);
    incr = zcalloc(sizeof(sds) * (size_t)(nlines + 1));
    for (int i = 0; i < nlines; i++) {
        int argc;
        sds *argv;
        sds name = NULL, type = NULL;
        sdsTrim(lines[i], " \r");
        if (sdsLen(lines[i]) == 0 || lines[i][0] == '#') continue;
        argv = sdsSplitArgs(lines[i], &argc);
        if (argv == NULL || argc % 2) {
            printf("Invalid AOF manifest file format\n");
            exit(1);
        }
        for (int k = 0; k + 1 < argc; k += 2) {
            if (!strcmp(argv[k], "file")) name = argv[k + 1];
            if (!strcmp(argv[k], "type")) type = argv[k + 1];
        }
        if (name == NULL || type == NULL) {
            printf("Invalid AOF manifest file format\n");
            exit(1);
        }
        if (!strcmp(type, "b")) {
            if (base) {
                printf("Found duplicate base file information\n");
                exit(1);
            }
            base = sdsDup(name);
        } else if (!strcmp(type, "i")) {
            incr[nincr++] = sdsDup(name);
        } else if (strcmp(type, "h")) {
            printf("Unknown AOF file type\n");
            exit(1);
        }
        sdsFreeSplitRes(argv, argc);
    }
    sdsFreeSplitRes(lines, nlines);
    sdsFree(text);
    if (base == NULL && nincr == 0) {
        printf("Invalid AOF manifest file format\n");
        exit(1);
    }
    if (base) {
        sds path = sdsCatPrintf(sdsEmpty(), "%s/%s", dir, base);
        size_t blen;
        unsigned char *b = aofReadFile(path, &blen);
        int is_rdb = blen >= 5 && !memcmp(b, "REDIS", 5);
        zfree(b);
        printf("Start to check BASE AOF (%s format).\n", is_rdb ? "RDB" : "AOF");
        aofCheckFile(path, base, "BASE ", 0);
        sdsFree(path);
        sdsFree(base);
    }
    if (nincr) {
        printf("Start to check INCR files.\n");
        for (int i = 0; i < nincr; i++) {
            sds path = sdsCatPrintf(sdsEmpty(), "%s/%s", dir, incr[i]);
            aofCheckFile(path, incr[i], "INCR ", i == nincr - 1);
            sdsFree(path);
            sdsFree(incr[i]);
        }
    }
    zfree(incr);
    sdsFree(dir);
    printf("All AOF files and manifest are valid\n");
}

static void aofUsage(const char *prog) {
    printf("Usage: %s [--fix|--truncate-to-timestamp $timestamp] <file.manifest|file.aof>\n",
           prog);
    exit(1);
}

/* Entry point. */
int main(int argc, char **argv) {
    const char *file = NULL;
    size_t flen;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--fix")) {
            opt_fix = 1;
        } else if (!strcmp(argv[i], "--truncate-to-timestamp") && i + 1 < argc) {
            char *end;
            opt_truncate_ts = strtoll(argv[++i], &end, 10);
            if (*end || opt_truncate_ts < 0) {
                printf("Invalid timestamp, aborting...\n");
                exit(1);
            }
        } else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--version")) {
            printf("redis-check-aof 7.0.15\n");
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            printf("Invalid argument: %s\n", argv[i]);
            aofUsage(argv[0]);
        } else if (file == NULL) {
            file = argv[i];
        } else {
            aofUsage(argv[0]);
        }
    }
    if (file == NULL) aofUsage(argv[0]);
    if (opt_fix && opt_truncate_ts >= 0) {
        printf("Option --fix and --truncate-to-timestamp are mutually exclusive\n");
        exit(1);
    }
    flen = strlen(file);
    if (flen > strlen(AOF_MANIFEST_SUFFIX) &&
        !strcmp(file + flen - strlen(AOF_MANIFEST_SUFFIX), AOF_MANIFEST_SUFFIX)) {
        aofCheckManifest(file);
    } else {
        FILE *f = fopen(file, "r");
        if (f == NULL) {
            printf("Cannot open file %s: %s\n", file, strerror(errno));
            exit(1);
        }
        fclose(f);
        printf("Start checking Old-Style AOF\n");
        aofCheckFile(file, file, "", 1);
    }
    return 0;
}
