/* lolwut: the LOLWUT command: a small piece of generated text art, then
 * the server's version.
 *
 * Owns: nothing but its drawing. The art is ours: a "ten print" maze of
 * diagonal strokes (odd versions) or a field of waves whose height follows
 * a sum of sines (even versions), drawn from a seed so that every call
 * differs. The last line is "Redis ver. <version>", as Redis's is, since
 * scripts look for it. */
#include <math.h>

#include "server.h"

#define LOLWUT_MAX_COLS 1000
#define LOLWUT_MAX_ROWS 1000

/* A maze of "/" and "\" strokes, <cols> by <rows>. */
static sds lolwutMaze(sds s, long cols, long rows) {
    for (long y = 0; y < rows; y++) {
        for (long x = 0; x < cols; x++)
            s = sdsCat(s, (rand() & 1) ? "\xe2\x95\xb1" : "\xe2\x95\xb2");
        s = sdsCat(s, "\n");
    }
    return s;
}

/* Waves: each column's height is a sum of two sines with random phases;
 * cells under the surface are shaded by depth. */
static sds lolwutWaves(sds s, long cols, long rows) {
    static const char *shades[] = {" ", "\xe2\x96\x91", "\xe2\x96\x92",
                                   "\xe2\x96\x93", "\xe2\x96\x88"};
    double p1 = (rand() % 628) / 100.0, p2 = (rand() % 628) / 100.0;
    for (long y = 0; y < rows; y++) {
        for (long x = 0; x < cols; x++) {
            double h = (sin(x * 0.21 + p1) + 0.6 * sin(x * 0.07 + p2) + 1.6) /
                       3.2 * rows;
            long depth = (long)(y - (rows - h));
            int shade = depth < 0 ? 0 : depth >= 4 ? 4 : (int)depth + 1;
            s = sdsCat(s, shades[shade]);
        }
        s = sdsCat(s, "\n");
    }
    return s;
}

/* LOLWUT [VERSION <version>] [<columns> [<rows>]] */
void lolwutCommand(client *c) {
    long version = 7, cols = 40, rows = 12;
    int j = 1;
    if (c->argc >= 3 && !strcasecmp(c->argv[1]->ptr, "version")) {
        if (getLongFromObjectOrReply(c, c->argv[2], &version, NULL) != C_OK)
            return;
        j = 3;
    }
    if (j < c->argc &&
        getRangeLongFromObjectOrReply(c, c->argv[j++], 1, LOLWUT_MAX_COLS,
                                      &cols, NULL) != C_OK)
        return;
    if (j < c->argc &&
        getRangeLongFromObjectOrReply(c, c->argv[j++], 1, LOLWUT_MAX_ROWS,
                                      &rows, NULL) != C_OK)
        return;
    if (j < c->argc) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    sds s = sdsEmpty();
    s = (version & 1) ? lolwutMaze(s, cols, rows) : lolwutWaves(s, cols, rows);
    s = sdsCatPrintf(s, "\nRedis ver. %s\n", REDIS_VERSION);
    addReplyVerbatim(c, s, sdsLen(s), "txt");
    sdsFree(s);
}
