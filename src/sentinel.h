/* sentinel.h: Sentinel mode (sentinel.c), the high-availability monitor
 * that watches masters and their replicas, agrees with other sentinels
 * through the __sentinel__:hello channel and fails over.
 *
 * server.c calls sentinelInit() once sentinel_mode is known and before the
 * configuration is read, sentinelCheckConfigFile() after it, and
 * sentinelStart() once the event loop exists. config.c hands every
 * "sentinel ..." line to sentinelHandleDirective and asks
 * sentinelRewriteLines for the lines that CONFIG REWRITE / the flush of
 * Sentinel's state write back. */
#ifndef SENTINEL_H
#define SENTINEL_H

#include "sds.h"

/* Sets Sentinel's defaults (port 26379, its command table). */
void sentinelInit(void);
/* Exits with Redis's message when there is no config file or it cannot be
 * written: Sentinel must be able to save its state. */
void sentinelCheckConfigFile(void);
/* Generates the run id if the config had none, registers the timer, INFO
 * section and hooks, logs "+monitor" for every master. */
void sentinelStart(void);
/* Applies one "sentinel <args...>" configuration line (<argv>/<argc> are
 * the arguments after "sentinel"). Returns 0, or -1 with a reason in
 * <err>. */
int sentinelHandleDirective(sds *argv, int argc, char *err, size_t errlen);
/* The "sentinel ..." lines describing the current state, in the order
 * Redis writes them; sets *<count>. Free with sdsFreeSplitRes. */
sds *sentinelRewriteLines(int *count);

#endif
