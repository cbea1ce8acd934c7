/* redis-check-rdb: checks an RDB file and reports as Redis 7.0's
 * redis-check-rdb does (the walk itself is in rdbcheck.c).
 *
 * Owns: reading the file into memory and the command line.
 * Must not touch: anything of the server. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "rdbcheck.h"
#include "zmalloc.h"

/* Entry point: redis-check-rdb <rdb-file-name>. */
int main(int argc, char **argv) {
    FILE *f;
    struct stat st;
    unsigned char *buf;
    int ret;

    if (argc != 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fprintf(stderr, "Usage: %s <rdb-file-name>\n", argv[0]);
        return 1;
    }
    if (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version")) {
        printf("redis-check-rdb 7.0.15\n");
        return 0;
    }
    f = fopen(argv[1], "r");
    if (f == NULL || fstat(fileno(f), &st) == -1) {
        printf("[offset 0] Checking RDB file %s\n", argv[1]);
        printf("--- RDB ERROR DETECTED ---\n");
        printf("[offset 0] Cannot open RDB file: %s\n", strerror(errno));
        return 1;
    }
    buf = zmalloc((size_t)st.st_size + 1);
    if (st.st_size && fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        fprintf(stderr, "Error reading %s: %s\n", argv[1], strerror(errno));
        fclose(f);
        zfree(buf);
        return 1;
    }
    fclose(f);
    ret = rdbCheckMemory(argv[1], buf, (size_t)st.st_size, NULL);
    zfree(buf);
    return ret;
}
