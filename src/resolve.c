/* resolve.c: host name resolution off the event loop, for outgoing
 * connections (part of the connection layer).
 *
 * Owns: a small pool of resolver threads (at most RESOLVE_MAX_THREADS,
 * started on demand, never stopped), the queues between them and the loop,
 * and a pipe whose read end is registered in the event loop so that a
 * finished resolution wakes it.
 * Must not touch: connections or sockets; it only turns a name into one
 * numeric address.
 *
 * Invariants: a request is allocated and freed by the loop's thread only;
 * a resolver thread reads its host and writes its result fields between
 * taking it from the to-do queue and putting it on the done queue, and
 * touches nothing else of it. A cancelled request stays queued until its
 * thread is done with it; its callback then never runs. getaddrinfo(3) is
 * the default resolver; connSetResolver() swaps in another (tests). */
#include "resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ae.h"
#include "zmalloc.h"

#define RESOLVE_MAX_THREADS 4

struct connResolveReq {
    char host[RESOLVE_MAX_HOST];
    char result[RESOLVE_MAX_RESULT]; /* numeric address, or the reason */
    int ok;
    int cancelled;
    connResolveDone *done;
    void *privdata;
    struct connResolveReq *next;
};

static pthread_mutex_t resolve_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t resolve_cond = PTHREAD_COND_INITIALIZER;
static connResolveReq *todo_head, *todo_tail; /* guarded by resolve_lock */
static connResolveReq *done_head, *done_tail; /* guarded by resolve_lock */
static int threads, idle_threads;             /* guarded by resolve_lock */
static connResolveFunc *resolve_fn;           /* guarded by resolve_lock */
static int wake_pipe[2] = {-1, -1};

static void queuePush(connResolveReq **head, connResolveReq **tail,
                      connResolveReq *req) {
    req->next = NULL;
    if (*tail)
        (*tail)->next = req;
    else
        *head = req;
    *tail = req;
}

/* getaddrinfo(3) for a TCP peer; the first address wins, as a connect to
 * one address is what the caller makes. */
static int resolveWithGetaddrinfo(const char *host, char *ip, size_t iplen,
                                  char *err, size_t errlen) {
    struct addrinfo hints, *res = NULL;
    int rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "%s",
                 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
        return -1;
    }
    rc = getnameinfo(res->ai_addr, res->ai_addrlen, ip, (socklen_t)iplen, NULL,
                     0, NI_NUMERICHOST);
    freeaddrinfo(res);
    if (rc != 0) {
        snprintf(err, errlen, "%s", gai_strerror(rc));
        return -1;
    }
    return 0;
}

static void *resolveThread(void *arg) {
    (void)arg;
    pthread_mutex_lock(&resolve_lock);
    for (;;) {
        while (todo_head == NULL) {
            idle_threads++;
            pthread_cond_wait(&resolve_cond, &resolve_lock);
            idle_threads--;
        }
        connResolveReq *req = todo_head;
        todo_head = req->next;
        if (!todo_head) todo_tail = NULL;
        connResolveFunc *fn = resolve_fn ? resolve_fn : resolveWithGetaddrinfo;
        pthread_mutex_unlock(&resolve_lock);

        char ip[RESOLVE_MAX_RESULT], err[RESOLVE_MAX_RESULT];
        err[0] = '\0';
        int ok = fn(req->host, ip, sizeof(ip), err, sizeof(err)) == 0;
        snprintf(req->result, sizeof(req->result), "%s", ok ? ip : err);

        pthread_mutex_lock(&resolve_lock);
        req->ok = ok;
        queuePush(&done_head, &done_tail, req);
        /* A full pipe already holds a wake-up: nothing is lost. */
        ssize_t w = write(wake_pipe[1], "r", 1); /* lint:not-socket */
        (void)w;
    }
    return NULL;
}

/* The wake pipe is readable: runs the callbacks of finished requests. */
static void resolveWakeProc(aeEventLoop *el, int fd, void *data, int mask) {
    char buf[64];
    connResolveReq *list;

    (void)el;
    (void)data;
    (void)mask;
    while (read(fd, buf, sizeof(buf)) > 0) { /* lint:not-socket */
    }
    pthread_mutex_lock(&resolve_lock);
    list = done_head;
    done_head = done_tail = NULL;
    pthread_mutex_unlock(&resolve_lock);
    while (list) {
        connResolveReq *req = list;
        list = req->next;
        if (!req->cancelled) req->done(req->privdata, req->ok, req->result);
        zfree(req);
    }
}

/* Creates the wake pipe in <el> once. Returns 0 or -1. */
static int resolveSetup(aeEventLoop *el) {
    if (wake_pipe[0] != -1) return 0;
    if (pipe2(wake_pipe, O_NONBLOCK | O_CLOEXEC) == -1) return -1;
    if (aeCreateFileEvent(el, wake_pipe[0], AE_READABLE, resolveWakeProc,
                          NULL) == AE_ERR) {
        close(wake_pipe[0]);
        close(wake_pipe[1]);
        wake_pipe[0] = wake_pipe[1] = -1;
        return -1;
    }
    return 0;
}

/* Starts resolving <host> (at most RESOLVE_MAX_HOST - 1 bytes) on a
 * resolver thread; <done> runs later from event loop <el> with <privdata>,
 * ok = 1 and the numeric address, or ok = 0 and the reason. It never runs
 * from inside this call, nor after connResolveCancel(). Returns the
 * request (owned by this module), or NULL with errno set if it could not
 * start (then <done> never runs). */
connResolveReq *connResolveStart(aeEventLoop *el, const char *host,
                                 connResolveDone *done, void *privdata) {
    if (strlen(host) >= RESOLVE_MAX_HOST) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    if (resolveSetup(el) == -1) return NULL;
    connResolveReq *req = zcalloc(sizeof(*req));
    snprintf(req->host, sizeof(req->host), "%s", host);
    req->done = done;
    req->privdata = privdata;

    pthread_mutex_lock(&resolve_lock);
    if (idle_threads == 0 && threads < RESOLVE_MAX_THREADS) {
        pthread_t tid;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&tid, &attr, resolveThread, NULL) == 0) threads++;
        pthread_attr_destroy(&attr);
        if (threads == 0) {
            pthread_mutex_unlock(&resolve_lock);
            zfree(req);
            errno = EAGAIN;
            return NULL;
        }
    }
    queuePush(&todo_head, &todo_tail, req);
    pthread_cond_signal(&resolve_cond);
    pthread_mutex_unlock(&resolve_lock);
    return req;
}

/* Makes sure the callback of <req> never runs; the request is freed once
 * its thread is done with it. */
void connResolveCancel(connResolveReq *req) {
    if (req) req->cancelled = 1;
}

/* See connection.h. */
void connSetResolver(connResolveFunc *fn) {
    pthread_mutex_lock(&resolve_lock);
    resolve_fn = fn;
    pthread_mutex_unlock(&resolve_lock);
}
