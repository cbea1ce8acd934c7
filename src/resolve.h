/* resolve.h: host name resolution on resolver threads, so that the event
 * loop never blocks in getaddrinfo (connection layer; see resolve.c). */
#ifndef RESOLVE_H
#define RESOLVE_H

#include "connection.h"

#define RESOLVE_MAX_HOST 256
#define RESOLVE_MAX_RESULT 256

struct aeEventLoop;
typedef struct connResolveReq connResolveReq;
/* <ok> 1: <text> is a numeric address; 0: <text> says why not. */
typedef void connResolveDone(void *privdata, int ok, const char *text);

connResolveReq *connResolveStart(struct aeEventLoop *el, const char *host,
                                 connResolveDone *done, void *privdata);
void connResolveCancel(connResolveReq *req);

#endif
