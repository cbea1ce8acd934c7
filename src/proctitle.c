/* proctitle.c: the process title (set-proc-title, proc-title-template).
 *
 * On Linux, ps and /proc/<pid>/cmdline show the memory that held the
 * original argv strings (proc(5), /proc/[pid]/cmdline). That memory is
 * followed, in one block, by the environment strings. procTitleInit moves
 * the argv strings and the environment to the heap, so that argv[] and
 * environ stay valid, and keeps the block for the title; procTitleSet
 * writes a title there, NUL-padded, never past the block's end.
 *
 * It owns only that block; it includes no server header and keeps no
 * other state. Invariant: after procTitleInit no one else points into
 * the block. */
#include "proctitle.h"

#include <stddef.h>
#include <string.h>

#include "zmalloc.h"

extern char **environ;

static char *title_start; /* the block, or NULL when unavailable */
static size_t title_len;  /* bytes usable, the last NUL included */

/* Takes over the memory of <argv> (<argc> strings) and of the environment
 * that follows it: the strings are copied to the heap and <argv>[] and
 * environ are pointed at the copies. Call once, first thing in main. */
void procTitleInit(int argc, char **argv) {
    if (argc < 1 || argv[0] == NULL) return;
    char *start = argv[0];
    char *end = argv[0] + strlen(argv[0]) + 1;
    /* Only strings that sit end to end extend the block. */
    for (int j = 1; j < argc; j++) {
        if (argv[j] != end) break;
        end = argv[j] + strlen(argv[j]) + 1;
    }
    size_t envc = 0;
    while (environ && environ[envc]) envc++;
    for (size_t j = 0; j < envc; j++) {
        if (environ[j] != end) break;
        end = environ[j] + strlen(environ[j]) + 1;
    }
    char **newenv = zmalloc(sizeof(char *) * (envc + 1));
    for (size_t j = 0; j < envc; j++) newenv[j] = zstrdup(environ[j]);
    newenv[envc] = NULL;
    environ = newenv;
    for (int j = 0; j < argc; j++) argv[j] = zstrdup(argv[j]);
    title_start = start;
    title_len = (size_t)(end - start);
}

/* 1 when procTitleInit found a block to write titles into. */
int procTitleIsAvailable(void) {
    return title_start != NULL && title_len > 1;
}

/* Shows <title> as the process's command line, truncated to the block
 * procTitleInit kept. Does nothing before procTitleInit. */
void procTitleSet(const char *title) {
    if (!procTitleIsAvailable()) return;
    size_t n = strlen(title);
    if (n > title_len - 1) n = title_len - 1;
    memcpy(title_start, title, n);
    memset(title_start + n, 0, title_len - n);
}
