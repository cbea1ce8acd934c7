/* test_conn.c: unit tests of the event loop (ae), anet and the plain
 * connection types ("tcp", "unix") over loopback.
 *
 * Everything listens on 127.0.0.1 (or a unix socket under /tmp) and every
 * wait is a loop on a condition with a deadline; nothing sleeps. Meant to
 * run under ASan/UBSan, which catch use-after-free when handlers close
 * their own connection, and leaks of connections and timers. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../ae.h"
#include "../anet.h"
#include "../connection.h"
#include "../zmalloc.h"
#include "test_conn_help.h"
#include "test_help.h"


static aeEventLoop *el;

static long long nowMs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs the shared loop until <expr> holds; evaluates to 1, or 0 after
 * <ms> milliseconds. A 5 ms ticker timer bounds every poll. */
#define RUN_UNTIL(expr, ms)                     \
    ({                                          \
        long long _deadline = nowMs() + (ms);   \
        int _ok = 1;                            \
        while (!(expr)) {                       \
            if (nowMs() > _deadline) {          \
                _ok = 0;                        \
                break;                          \
            }                                   \
            aeProcessEvents(el, AE_ALL_EVENTS); \
        }                                       \
        _ok;                                    \
    })

static int tickProc(aeEventLoop *loop, long long id, void *data) {
    (void)loop;
    (void)id;
    (void)data;
    return 5;
}

/* ---------------------------------------------------------------------
 * Shared listener fixture: whatever is accepted lands in accepted[]. */

#define MAX_ACCEPTED 128
static connection *accepted[MAX_ACCEPTED];
static char acceptedIp[MAX_ACCEPTED][NET_IP_STR_LEN + 64];
static int acceptedPort[MAX_ACCEPTED];
static int acceptedCount;

static void onAccepted(connection *conn, const char *ip, int port) {
    if (acceptedCount >= MAX_ACCEPTED) {
        connClose(conn);
        return;
    }
    snprintf(acceptedIp[acceptedCount], sizeof(acceptedIp[0]), "%s", ip);
    acceptedPort[acceptedCount] = port;
    accepted[acceptedCount++] = conn;
}

static void resetAccepted(void) {
    acceptedCount = 0;
    memset(accepted, 0, sizeof(accepted));
}

static char *loopbackAddr[] = {"127.0.0.1"};

/* Opens <l> on 127.0.0.1 at the first free port from a per-process base. */
static int listenOnFreePort(connListener *l) {
    char err[256];
    int base = 20000 + (int)(getpid() % 20000);
    memset(l, 0, sizeof(*l));
    l->ct = connTypeOfSocket();
    l->bindaddr = loopbackAddr;
    l->bindaddr_count = 1;
    l->backlog = 128;
    l->accepted = onAccepted;
    for (int i = 0; i < 500; i++) {
        l->port = base + i * 7;
        if (connListen(l, err, sizeof(err)) == 0) return l->port;
    }
    return -1;
}

/* A port on which nothing listens right now. */
static int findClosedPort(void) {
    connListener l;
    int port = listenOnFreePort(&l);
    if (port > 0) connCloseListener(&l);
    return port;
}

/* ---------------------------------------------------------------------
 * Registry */

TEST_CASE(test_registry) {
    ASSERT(connTypeOfSocket() != NULL);
    ASSERT(connTypeOfUnix() != NULL);
    ASSERT(connTypeOfTls() == NULL);
    ASSERT_EQ_STR(connTypeOfSocket()->name, "tcp");
    ASSERT_EQ_STR(connTypeOfUnix()->name, "unix");
    ASSERT(connTypeByName("tcp") == connTypeOfSocket());
    ASSERT(connTypeByName("nope") == NULL);
    ASSERT(connTypeByName(NULL) == NULL);
    ConnectionType *before = connTypeOfSocket();
    connSocketInit(); /* idempotent */
    ASSERT(connTypeOfSocket() == before);
    ASSERT_EQ_INT(connTypeRegister(before), -1); /* duplicate name */
    ASSERT_EQ_INT(connTypeHasPendingData(), 0);
    ASSERT_EQ_INT(connTypeProcessPendingData(), 0);
    ASSERT(connGetEventLoop() == el);
    ASSERT(!connTypeOfSocket()->is_tls);
}

/* ---------------------------------------------------------------------
 * ae: timers */

static char timerOrder[32];
static int timerOrderLen;
static int finalized;

static int recordTimer(aeEventLoop *loop, long long id, void *data) {
    (void)loop;
    (void)id;
    if (timerOrderLen < (int)sizeof(timerOrder) - 1)
        timerOrder[timerOrderLen++] = *(const char *)data;
    timerOrder[timerOrderLen] = '\0';
    return AE_NOMORE;
}

static void countFinalizer(aeEventLoop *loop, void *data) {
    (void)loop;
    (void)data;
    finalized++;
}

static int periodicCalls;
static int periodicTimer(aeEventLoop *loop, long long id, void *data) {
    (void)loop;
    (void)id;
    (void)data;
    return ++periodicCalls < 4 ? 1 : AE_NOMORE;
}

static int selfDeleteCalls;
static int selfDeleteTimer(aeEventLoop *loop, long long id, void *data) {
    (void)data;
    selfDeleteCalls++;
    aeDeleteTimeEvent(loop, id);
    return 1000; /* ignored: the event is already deleted */
}

static int spawnedRan;
static int spawnedTimer(aeEventLoop *loop, long long id, void *data) {
    (void)loop;
    (void)id;
    (void)data;
    spawnedRan++;
    return AE_NOMORE;
}
static int spawnerTimer(aeEventLoop *loop, long long id, void *data) {
    (void)id;
    (void)data;
    aeCreateTimeEvent(loop, 0, spawnedTimer, NULL, NULL);
    return AE_NOMORE;
}

static int countTimeEvents(aeEventLoop *loop) {
    return (int)aeGetTimeEventCount(loop);
}

TEST_CASE(test_ae_timers) {
    aeEventLoop *loop = aeCreateEventLoop(64);
    ASSERT(loop != NULL);
    long long deadline;

    /* Deadline order, whatever the creation order. */
    timerOrderLen = 0;
    finalized = 0;
    static const char a = 'A', b = 'B', c = 'C';
    long long ida =
        aeCreateTimeEvent(loop, 40, recordTimer, (void *)&a, countFinalizer);
    long long idb =
        aeCreateTimeEvent(loop, 10, recordTimer, (void *)&b, countFinalizer);
    long long idc =
        aeCreateTimeEvent(loop, 25, recordTimer, (void *)&c, countFinalizer);
    ASSERT(ida >= 0 && idb > ida && idc > idb);
    deadline = nowMs() + 3000;
    while (timerOrderLen < 3 && nowMs() < deadline)
        aeProcessEvents(loop, AE_TIME_EVENTS);
    ASSERT_EQ_STR(timerOrder, "BCA");
    ASSERT_EQ_INT(finalized, 3);
    ASSERT_EQ_INT(countTimeEvents(loop), 0);

    /* All due in one pass: still earliest deadline first. */
    timerOrderLen = 0;
    aeCreateTimeEvent(loop, 3, recordTimer, (void *)&a, NULL);
    aeCreateTimeEvent(loop, 1, recordTimer, (void *)&b, NULL);
    aeCreateTimeEvent(loop, 2, recordTimer, (void *)&c, NULL);
    /* Let every deadline pass (a clock check, not a sleep), then one pass. */
    deadline = nowMs() + 5;
    while (nowMs() <= deadline) {
    }
    ASSERT_EQ_INT(aeProcessEvents(loop, AE_TIME_EVENTS | AE_DONT_WAIT), 3);
    ASSERT_EQ_STR(timerOrder, "BCA");

    /* A periodic timer until AE_NOMORE. */
    periodicCalls = 0;
    finalized = 0;
    aeCreateTimeEvent(loop, 1, periodicTimer, NULL, countFinalizer);
    deadline = nowMs() + 3000;
    while (finalized == 0 && nowMs() < deadline)
        aeProcessEvents(loop, AE_TIME_EVENTS);
    ASSERT_EQ_INT(periodicCalls, 4);
    ASSERT_EQ_INT(finalized, 1);
    ASSERT_EQ_INT(countTimeEvents(loop), 0);

    /* Deleted inside its own proc: runs once, freed once. */
    selfDeleteCalls = 0;
    finalized = 0;
    aeCreateTimeEvent(loop, 0, selfDeleteTimer, NULL, countFinalizer);
    aeProcessEvents(loop, AE_TIME_EVENTS);
    ASSERT_EQ_INT(selfDeleteCalls, 1);
    ASSERT_EQ_INT(finalized, 1);
    ASSERT_EQ_INT(countTimeEvents(loop), 0);

    /* Deleted from outside before it fires. */
    finalized = 0;
    timerOrderLen = 0;
    long long id =
        aeCreateTimeEvent(loop, 0, recordTimer, (void *)&a, countFinalizer);
    ASSERT_EQ_INT(aeDeleteTimeEvent(loop, id), AE_OK);
    ASSERT_EQ_INT(aeDeleteTimeEvent(loop, id), AE_ERR);
    ASSERT_EQ_INT(aeDeleteTimeEvent(loop, 987654), AE_ERR);
    aeProcessEvents(loop, AE_TIME_EVENTS | AE_DONT_WAIT);
    ASSERT_EQ_INT(timerOrderLen, 0);
    ASSERT_EQ_INT(finalized, 1);
    ASSERT_EQ_INT(countTimeEvents(loop), 0);

    /* A timer created by a proc waits for the next pass. */
    spawnedRan = 0;
    aeCreateTimeEvent(loop, 0, spawnerTimer, NULL, NULL);
    ASSERT_EQ_INT(aeProcessEvents(loop, AE_TIME_EVENTS | AE_DONT_WAIT), 1);
    ASSERT_EQ_INT(spawnedRan, 0);
    /* The new timer is due one microsecond after that pass: let the clock
     * move on (a clock check, not a sleep) before the next pass. */
    deadline = nowMs() + 2;
    while (nowMs() <= deadline) {
    }
    ASSERT_EQ_INT(aeProcessEvents(loop, AE_TIME_EVENTS | AE_DONT_WAIT), 1);
    ASSERT_EQ_INT(spawnedRan, 1);

    /* DONT_WAIT does not sleep until a far timer. */
    timerOrderLen = 0;
    aeCreateTimeEvent(loop, 60000, recordTimer, (void *)&a, countFinalizer);
    long long t0 = nowMs();
    aeProcessEvents(loop, AE_ALL_EVENTS | AE_DONT_WAIT);
    aeSetDontWait(loop, 1);
    aeProcessEvents(loop, AE_ALL_EVENTS);
    aeSetDontWait(loop, 0);
    ASSERT(nowMs() - t0 < 30000);
    ASSERT_EQ_INT(timerOrderLen, 0);

    /* Deleting the loop runs the finalizer of what is left. */
    finalized = 0;
    aeDeleteEventLoop(loop);
    ASSERT_EQ_INT(finalized, 1);
}

/* ---------------------------------------------------------------------
 * ae: file events, barrier, hooks, resize, aeWait */

static char fileOrder[16];
static int fileOrderLen;
static int deleteInRead;

static void recordR(aeEventLoop *loop, int fd, void *data, int mask) {
    (void)data;
    fileOrder[fileOrderLen++] = (mask == AE_READABLE) ? 'R' : '?';
    fileOrder[fileOrderLen] = '\0';
    if (deleteInRead) aeDeleteFileEvent(loop, fd, AE_READABLE | AE_WRITABLE);
}

static void recordW(aeEventLoop *loop, int fd, void *data, int mask) {
    (void)loop;
    (void)fd;
    (void)data;
    fileOrder[fileOrderLen++] = (mask == AE_WRITABLE) ? 'W' : '?';
    fileOrder[fileOrderLen] = '\0';
}

static void recordBoth(aeEventLoop *loop, int fd, void *data, int mask) {
    (void)loop;
    (void)fd;
    (void)data;
    fileOrder[fileOrderLen++] = mask == AE_READABLE   ? 'r'
                                : mask == AE_WRITABLE ? 'w'
                                                      : '?';
    fileOrder[fileOrderLen] = '\0';
}

static int beforeCalls, afterCalls;
static void beforeHook(aeEventLoop *loop) {
    (void)loop;
    beforeCalls++;
}
static void afterHook(aeEventLoop *loop) {
    (void)loop;
    afterCalls++;
}

static int stopAfter(aeEventLoop *loop, long long id, void *data) {
    (void)id;
    (void)data;
    aeStop(loop);
    return AE_NOMORE;
}

static void runFileOnce(aeEventLoop *loop) {
    fileOrderLen = 0;
    fileOrder[0] = '\0';
    aeProcessEvents(loop, AE_FILE_EVENTS | AE_DONT_WAIT);
}

TEST_CASE(test_ae_files) {
    int sv[2];
    char c = 'x';
    ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    aeEventLoop *loop = aeCreateEventLoop(1024);
    ASSERT(loop != NULL);
    ASSERT_EQ_STR(aeGetApiName(), "epoll");
    ASSERT_EQ_INT(loop->maxfd, -1);

    /* Make sv[0] readable (and it is always writable). */
    ASSERT(write(sv[1], &c, 1) == 1);
    ASSERT_EQ_INT(aeCreateFileEvent(loop, sv[0], AE_READABLE, recordR, NULL),
                  AE_OK);
    ASSERT_EQ_INT(aeCreateFileEvent(loop, sv[0], AE_WRITABLE, recordW, NULL),
                  AE_OK);
    ASSERT_EQ_INT(aeGetFileEvents(loop, sv[0]), AE_READABLE | AE_WRITABLE);
    ASSERT_EQ_INT(loop->maxfd, sv[0]);
    deleteInRead = 0;
    runFileOnce(loop);
    ASSERT_EQ_STR(fileOrder, "RW");

    /* With the barrier the writable proc runs first. */
    ASSERT_EQ_INT(
        aeCreateFileEvent(loop, sv[0], AE_WRITABLE | AE_BARRIER, recordW, NULL),
        AE_OK);
    ASSERT_EQ_INT(aeGetFileEvents(loop, sv[0]),
                  AE_READABLE | AE_WRITABLE | AE_BARRIER);
    runFileOnce(loop);
    ASSERT_EQ_STR(fileOrder, "WR");

    /* Dropping only the barrier restores the normal order. */
    aeDeleteFileEvent(loop, sv[0], AE_BARRIER);
    ASSERT_EQ_INT(aeGetFileEvents(loop, sv[0]), AE_READABLE | AE_WRITABLE);
    runFileOnce(loop);
    ASSERT_EQ_STR(fileOrder, "RW");

    /* Removing the writable event removes the barrier with it. */
    aeCreateFileEvent(loop, sv[0], AE_WRITABLE | AE_BARRIER, recordW, NULL);
    aeDeleteFileEvent(loop, sv[0], AE_WRITABLE);
    ASSERT_EQ_INT(aeGetFileEvents(loop, sv[0]), AE_READABLE);
    runFileOnce(loop);
    ASSERT_EQ_STR(fileOrder, "R");

    /* A first proc that unregisters the fd stops the second. */
    aeCreateFileEvent(loop, sv[0], AE_WRITABLE, recordW, NULL);
    deleteInRead = 1;
    runFileOnce(loop);
    deleteInRead = 0;
    ASSERT_EQ_STR(fileOrder, "R");
    ASSERT_EQ_INT(aeGetFileEvents(loop, sv[0]), AE_NONE);
    ASSERT_EQ_INT(loop->maxfd, -1);

    /* One proc for both bits is called once per bit. */
    aeCreateFileEvent(loop, sv[0], AE_READABLE | AE_WRITABLE, recordBoth, NULL);
    runFileOnce(loop);
    ASSERT_EQ_STR(fileOrder, "rw");

    /* Only the registered bits fire. */
    aeDeleteFileEvent(loop, sv[0], AE_READABLE);
    runFileOnce(loop);
    ASSERT_EQ_STR(fileOrder, "w");

    /* Set size: out of range fds are refused; shrinking below a registered
     * fd fails and changes nothing. */
    errno = 0;
    ASSERT_EQ_INT(aeCreateFileEvent(loop, 1024, AE_READABLE, recordR, NULL),
                  AE_ERR);
    ASSERT_EQ_INT(errno, ERANGE);
    ASSERT_EQ_INT(aeResizeSetSize(loop, sv[0]), AE_ERR);
    ASSERT_EQ_INT(aeGetSetSize(loop), 1024);
    ASSERT_EQ_INT(aeResizeSetSize(loop, sv[0] + 1), AE_OK);
    ASSERT_EQ_INT(aeGetSetSize(loop), sv[0] + 1);
    ASSERT_EQ_INT(aeGetFileEvents(loop, sv[0]), AE_WRITABLE);
    ASSERT_EQ_INT(aeResizeSetSize(loop, 4096), AE_OK);
    ASSERT_EQ_INT(aeGetFileEvents(loop, sv[0]), AE_WRITABLE);
    ASSERT_EQ_INT(aeGetFileEvents(loop, 4000), AE_NONE);
    runFileOnce(loop);
    ASSERT_EQ_STR(fileOrder, "w");
    aeDeleteFileEvent(loop, sv[0], AE_WRITABLE);

    /* Hooks run only when asked for. */
    beforeCalls = afterCalls = 0;
    aeSetBeforeSleepProc(loop, beforeHook);
    aeSetAfterSleepProc(loop, afterHook);
    aeCreateFileEvent(loop, sv[0], AE_WRITABLE, recordW, NULL);
    aeProcessEvents(loop, AE_ALL_EVENTS | AE_DONT_WAIT);
    ASSERT_EQ_INT(beforeCalls, 0);
    ASSERT_EQ_INT(afterCalls, 0);
    aeProcessEvents(loop, AE_ALL_EVENTS | AE_DONT_WAIT | AE_CALL_BEFORE_SLEEP);
    ASSERT_EQ_INT(beforeCalls, 1);
    ASSERT_EQ_INT(afterCalls, 0);
    aeProcessEvents(loop, AE_ALL_EVENTS | AE_DONT_WAIT | AE_CALL_AFTER_SLEEP);
    ASSERT_EQ_INT(beforeCalls, 1);
    ASSERT_EQ_INT(afterCalls, 1);
    aeDeleteFileEvent(loop, sv[0], AE_WRITABLE);

    /* aeMain passes both hooks and returns after aeStop. */
    beforeCalls = afterCalls = 0;
    aeCreateTimeEvent(loop, 1, stopAfter, NULL, NULL);
    aeMain(loop);
    ASSERT(beforeCalls >= 1);
    ASSERT(afterCalls >= 1);

    /* aeWait */
    ASSERT_EQ_INT(aeWait(sv[0], AE_WRITABLE, 1000), AE_WRITABLE);
    ASSERT_EQ_INT(aeWait(sv[1], AE_READABLE, 0), 0);
    ASSERT(write(sv[0], &c, 1) == 1);
    ASSERT_EQ_INT(aeWait(sv[1], AE_READABLE, 1000), AE_READABLE);

    aeDeleteEventLoop(loop);
    close(sv[0]);
    close(sv[1]);
}

/* ---------------------------------------------------------------------
 * anet */

TEST_CASE(test_anet) {
    char buf[128], err[ANET_ERR_LEN];
    int fds[2];

    anetFormatAddr(buf, sizeof(buf), "::1", 6379);
    ASSERT_EQ_STR(buf, "[::1]:6379");
    anetFormatAddr(buf, sizeof(buf), "10.0.0.1", 5);
    ASSERT_EQ_STR(buf, "10.0.0.1:5");

    ASSERT_EQ_INT(anetResolve(err, "127.0.0.1", buf, sizeof(buf)), ANET_OK);
    ASSERT_EQ_STR(buf, "127.0.0.1");
    ASSERT_EQ_INT(anetResolve(err, "::1", buf, sizeof(buf)), ANET_OK);
    ASSERT_EQ_STR(buf, "::1");

    ASSERT_EQ_INT(anetPipe(fds, O_NONBLOCK, 0), ANET_OK);
    ASSERT(fcntl(fds[0], F_GETFL) & O_NONBLOCK);
    ASSERT(!(fcntl(fds[1], F_GETFL) & O_NONBLOCK));
    ASSERT(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
    ASSERT(fcntl(fds[1], F_GETFD) & FD_CLOEXEC);
    ASSERT_EQ_INT(anetBlock(NULL, fds[0]), ANET_OK);
    ASSERT(!(fcntl(fds[0], F_GETFL) & O_NONBLOCK));
    ASSERT_EQ_INT(anetNonBlock(NULL, fds[1]), ANET_OK);
    ASSERT(fcntl(fds[1], F_GETFL) & O_NONBLOCK);
    close(fds[0]);
    close(fds[1]);

    /* A listener: non-blocking, close-on-exec, reuseaddr. */
    int port = findClosedPort();
    ASSERT(port > 0);
    int s = anetTcpServer(err, port, "127.0.0.1", 16);
    ASSERT(s >= 0);
    ASSERT(fcntl(s, F_GETFL) & O_NONBLOCK);
    ASSERT(fcntl(s, F_GETFD) & FD_CLOEXEC);
    int v = 0;
    socklen_t vl = sizeof(v);
    ASSERT(getsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, &vl) == 0 && v);
    /* Nothing pending: EAGAIN. */
    errno = 0;
    ASSERT_EQ_INT(anetTcpAccept(err, s, buf, sizeof(buf), &v), ANET_ERR);
    ASSERT(errno == EAGAIN || errno == EWOULDBLOCK);
    /* The port is taken now. */
    int s2 = anetTcpServer(err, port, "127.0.0.1", 16);
    ASSERT_EQ_INT(s2, ANET_ERR);
    ASSERT_EQ_INT(errno, EADDRINUSE);
    ASSERT(strstr(err, "bind") != NULL);

    /* Blocking-connect via anet, then accept: addresses as text. */
    int c = anetTcpNonBlockConnect(err, "127.0.0.1", port);
    ASSERT(c >= 0);
    ASSERT_EQ_INT(aeWait(c, AE_WRITABLE, 5000), AE_WRITABLE);
    ASSERT_EQ_INT(anetGetSocketError(c), 0);
    ASSERT_EQ_INT(aeWait(s, AE_READABLE, 5000), AE_READABLE);
    int peerport = 0;
    int a = anetTcpAccept(err, s, buf, sizeof(buf), &peerport);
    ASSERT(a >= 0);
    ASSERT_EQ_STR(buf, "127.0.0.1");
    ASSERT(fcntl(a, F_GETFD) & FD_CLOEXEC);
    int lport = 0;
    ASSERT_EQ_INT(anetFdToString(c, buf, sizeof(buf), &lport, 0), ANET_OK);
    ASSERT_EQ_INT(lport, peerport);
    ASSERT_EQ_INT(anetFdToString(c, buf, sizeof(buf), &lport, 1), ANET_OK);
    ASSERT_EQ_INT(lport, port);
    char expect[64];
    snprintf(expect, sizeof(expect), "127.0.0.1:%d", port);
    anetFormatFdAddr(c, buf, sizeof(buf), 1);
    ASSERT_EQ_STR(buf, expect);

    /* Keepalive: idle = interval, interval/3 between probes, 3 probes. */
    ASSERT_EQ_INT(anetKeepAlive(err, a, 30), ANET_OK);
    vl = sizeof(v);
    ASSERT(getsockopt(a, IPPROTO_TCP, TCP_KEEPIDLE, &v, &vl) == 0);
    ASSERT_EQ_INT(v, 30);
    ASSERT(getsockopt(a, IPPROTO_TCP, TCP_KEEPINTVL, &v, &vl) == 0);
    ASSERT_EQ_INT(v, 10);
    ASSERT(getsockopt(a, IPPROTO_TCP, TCP_KEEPCNT, &v, &vl) == 0);
    ASSERT_EQ_INT(v, 3);
    ASSERT(getsockopt(a, SOL_SOCKET, SO_KEEPALIVE, &v, &vl) == 0 && v);
    ASSERT_EQ_INT(anetEnableTcpNoDelay(err, a), ANET_OK);
    ASSERT(getsockopt(a, IPPROTO_TCP, TCP_NODELAY, &v, &vl) == 0 && v);
    ASSERT_EQ_INT(anetDisableTcpNoDelay(err, a), ANET_OK);
    ASSERT(getsockopt(a, IPPROTO_TCP, TCP_NODELAY, &v, &vl) == 0 && !v);
    ASSERT_EQ_INT(anetSendTimeout(err, a, 1500), ANET_OK);
    ASSERT_EQ_INT(anetRecvTimeout(err, a, 250), ANET_OK);
    close(a);
    close(c);
    close(s);

    /* A connect to a closed port fails later, through SO_ERROR. */
    c = anetTcpNonBlockConnect(err, "127.0.0.1", port);
    ASSERT(c >= 0);
    ASSERT(aeWait(c, AE_WRITABLE, 5000) > 0);
    ASSERT_EQ_INT(anetGetSocketError(c), ECONNREFUSED);
    close(c);

    /* Bad inputs. */
    ASSERT_EQ_INT(anetTcpServer(err, port, "192.0.2.1", 16), ANET_ERR);
    ASSERT_EQ_INT(errno, EADDRNOTAVAIL);
    ASSERT_EQ_INT(
        anetUnixServer(
            err,
            "/tmp/"
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            0, 16),
        ANET_ERR);
    ASSERT_EQ_INT(anetFdToString(-1, buf, sizeof(buf), &v, 1), ANET_ERR);
    ASSERT_EQ_STR(buf, "?");
    ASSERT_EQ_INT(v, 0);

    /* IPv6 loopback, when the host has it. */
    s = anetTcp6Server(err, port, "::1", 16);
    if (s >= 0) {
        vl = sizeof(v);
        ASSERT(getsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v, &vl) == 0 && v);
        c = anetTcpNonBlockConnect(err, "::1", port);
        ASSERT(c >= 0);
        ASSERT_EQ_INT(aeWait(s, AE_READABLE, 5000), AE_READABLE);
        a = anetTcpAccept(err, s, buf, sizeof(buf), &v);
        ASSERT(a >= 0);
        ASSERT_EQ_STR(buf, "::1");
        anetFormatFdAddr(c, buf, sizeof(buf), 1);
        snprintf(expect, sizeof(expect), "[::1]:%d", port);
        ASSERT_EQ_STR(buf, expect);
        close(a);
        close(c);
        close(s);
    } else {
        printf("  (IPv6 loopback unavailable: %s)\n", err);
    }
}

/* ---------------------------------------------------------------------
 * connCallHandler and references */

static int innerReturn;
static void closeHandler(connection *conn) {
    connClose(conn);
}
static void nestedHandler(connection *conn) {
    innerReturn = connCallHandler(conn, closeHandler);
    /* Still allocated here: the outer reference holds it. */
    ASSERT(conn->flags & CONN_FLAG_CLOSE_SCHEDULED);
}
static int plainCalls;
static void plainHandler(connection *conn) {
    plainCalls++;
    ASSERT(connHasRefs(conn));
}

TEST_CASE(test_refs) {
    connection *conn = connCreate(connTypeOfSocket());
    ASSERT(conn != NULL);
    ASSERT_EQ_INT(connGetState(conn), CONN_STATE_NONE);
    ASSERT_EQ_INT(connGetFd(conn), -1);
    ASSERT_EQ_STR(connGetTypeName(conn), "tcp");
    ASSERT(!connIsTLS(conn));
    ASSERT(connGetPeerCertSubject(conn) == NULL);
    plainCalls = 0;
    ASSERT_EQ_INT(connCallHandler(conn, plainHandler), 1);
    ASSERT_EQ_INT(plainCalls, 1);
    ASSERT_EQ_INT(conn->refs, 0);
    ASSERT_EQ_INT(connCallHandler(conn, NULL), 1);
    ASSERT_EQ_INT(connIncrRefs(conn), 1);
    ASSERT_EQ_INT(connDecrRefs(conn), 0);
    /* Closing inside the handler: freed when it returns (ASan checks). */
    ASSERT_EQ_INT(connCallHandler(conn, closeHandler), 0);

    conn = connCreate(connTypeOfUnix());
    ASSERT_EQ_STR(connGetTypeName(conn), "unix");
    innerReturn = -1;
    ASSERT_EQ_INT(connCallHandler(conn, nestedHandler), 0);
    ASSERT_EQ_INT(innerReturn, 0);

    /* Helpers on a connection without a socket fail cleanly. */
    char buf[64];
    int port = 5;
    conn = connCreate(connTypeOfSocket());
    ASSERT_EQ_INT(connAddrPeerName(conn, buf, sizeof(buf), &port), -1);
    ASSERT_EQ_INT(port, 0);
    ASSERT_EQ_INT(connFormatAddr(conn, buf, sizeof(buf), 1), -1);
    ASSERT_EQ_INT(connKeepAlive(conn, 10), -1);
    ASSERT_EQ_INT(connSetReadHandler(conn, plainHandler), -1);
    ASSERT_EQ_INT(connAccept(conn, plainHandler), -1); /* not ACCEPTING */
    connClose(conn);
}

/* ---------------------------------------------------------------------
 * TCP: connect, accept, exchange both ways, peer close */

static connection *client;
static int clientConnected;
static ConnectionState clientConnectState;
static char clientRx[256];
static size_t clientRxLen;
static int clientEof;
static int serverReady;
static char serverRx[256];
static size_t serverRxLen;
static int serverReplied;

static void clientOnRead(connection *conn) {
    char buf[64];
    ssize_t n = connRead(conn, buf, sizeof(buf));
    if (n > 0) {
        if (clientRxLen + (size_t)n < sizeof(clientRx)) {
            memcpy(clientRx + clientRxLen, buf, (size_t)n);
            clientRxLen += (size_t)n;
            clientRx[clientRxLen] = '\0';
        }
    } else if (n == 0) {
        clientEof = 1;
        connClearReadHandler(conn);
    } else if (connGetState(conn) != CONN_STATE_CONNECTED) {
        clientEof = -1;
        connClearReadHandler(conn);
    }
}

static void clientOnConnect(connection *conn) {
    clientConnected++;
    clientConnectState = connGetState(conn);
    if (clientConnectState != CONN_STATE_CONNECTED) return;
    MUST_OK(connSetReadHandler(conn, clientOnRead));
    (void)connWrite(conn, "ping\n", 5);
}

static void serverOnRead(connection *conn) {
    char buf[64];
    ssize_t n = connRead(conn, buf, sizeof(buf));
    if (n <= 0) return;
    memcpy(serverRx + serverRxLen, buf, (size_t)n);
    serverRxLen += (size_t)n;
    serverRx[serverRxLen] = '\0';
    if (!serverReplied && strstr(serverRx, "ping\n")) {
        struct iovec iov[3];
        iov[0].iov_base = "po";
        iov[0].iov_len = 2;
        iov[1].iov_base = "n";
        iov[1].iov_len = 1;
        iov[2].iov_base = "g\n";
        iov[2].iov_len = 2;
        if (connWritev(conn, iov, 3) == 5) serverReplied = 1;
    }
}

static void serverOnAccept(connection *conn) {
    serverReady = (connGetState(conn) == CONN_STATE_CONNECTED);
    MUST_OK(connSetReadHandler(conn, serverOnRead));
}

static void resetExchange(void) {
    client = NULL;
    clientConnected = 0;
    clientConnectState = CONN_STATE_NONE;
    clientRxLen = 0;
    clientRx[0] = '\0';
    clientEof = 0;
    serverReady = 0;
    serverRxLen = 0;
    serverRx[0] = '\0';
    serverReplied = 0;
    resetAccepted();
}

TEST_CASE(test_tcp_exchange) {
    connListener l;
    char buf[128], expect[128];
    resetExchange();
    int port = listenOnFreePort(&l);
    ASSERT(port > 0);
    ASSERT_EQ_INT(l.count, 1);
    ASSERT_EQ_INT(aeGetFileEvents(el, l.fd[0]), AE_READABLE);

    client = connCreate(connTypeOfSocket());
    ASSERT_EQ_INT(testConnect(client, "127.0.0.1", port, clientOnConnect),
                  0);
    ASSERT_EQ_INT(connGetState(client), CONN_STATE_CONNECTING);
    ASSERT(RUN_UNTIL(acceptedCount == 1 && clientConnected == 1, 5000));
    ASSERT_EQ_INT(clientConnectState, CONN_STATE_CONNECTED);
    connection *server = accepted[0];
    ASSERT_EQ_INT(connGetState(server), CONN_STATE_ACCEPTING);
    ASSERT_EQ_STR(acceptedIp[0], "127.0.0.1");
    ASSERT(acceptedPort[0] > 0);
    ASSERT(fcntl(connGetFd(server), F_GETFL) & O_NONBLOCK);
    int v = 0;
    socklen_t vl = sizeof(v);
    ASSERT(getsockopt(connGetFd(server), IPPROTO_TCP, TCP_NODELAY, &v, &vl) ==
               0 &&
           v);
    /* repl-disable-tcp-nodelay: Nagle back on, and off again. */
    ASSERT_EQ_INT(connDisableTcpNoDelay(server), 0);
    ASSERT(getsockopt(connGetFd(server), IPPROTO_TCP, TCP_NODELAY, &v, &vl) ==
               0 &&
           !v);
    ASSERT_EQ_INT(connEnableTcpNoDelay(server), 0);
    ASSERT(getsockopt(connGetFd(server), IPPROTO_TCP, TCP_NODELAY, &v, &vl) ==
               0 &&
           v);

    /* connAccept of a plain socket calls back synchronously. */
    ASSERT_EQ_INT(connAccept(server, serverOnAccept), 0);
    ASSERT_EQ_INT(serverReady, 1);
    ASSERT(connHasReadHandler(server));
    ASSERT(!connHasWriteHandler(server));

    ASSERT(RUN_UNTIL(strcmp(clientRx, "pong\n") == 0, 5000));
    ASSERT_EQ_STR(serverRx, "ping\n");
    /* The writable event of the connect is gone. */
    ASSERT_EQ_INT(aeGetFileEvents(el, connGetFd(client)), AE_READABLE);

    /* Addresses. */
    snprintf(expect, sizeof(expect), "127.0.0.1:%d", port);
    ASSERT(connFormatAddr(client, buf, sizeof(buf), 1) > 0);
    ASSERT_EQ_STR(buf, expect);
    ASSERT(connFormatAddr(server, buf, sizeof(buf), 0) > 0);
    ASSERT_EQ_STR(buf, expect);
    int p1 = 0, p2 = 0;
    ASSERT_EQ_INT(connAddrSockName(client, buf, sizeof(buf), &p1), 0);
    ASSERT_EQ_INT(connAddrPeerName(server, buf, sizeof(buf), &p2), 0);
    ASSERT_EQ_INT(p1, p2);
    ASSERT_EQ_INT(p1, acceptedPort[0]);
    ASSERT_EQ_STR(buf, "127.0.0.1");

    /* Socket option helpers. */
    ASSERT_EQ_INT(connKeepAlive(client, 9), 0);
    vl = sizeof(v);
    ASSERT(getsockopt(connGetFd(client), IPPROTO_TCP, TCP_KEEPINTVL, &v, &vl) ==
           0);
    ASSERT_EQ_INT(v, 3);
    ASSERT_EQ_INT(connEnableTcpNoDelay(client), 0);
    ASSERT_EQ_INT(connSendTimeout(client, 100), 0);
    ASSERT_EQ_INT(connRecvTimeout(client, 100), 0);
    ASSERT_EQ_INT(connBlock(client), 0);
    ASSERT(!(fcntl(connGetFd(client), F_GETFL) & O_NONBLOCK));
    ASSERT_EQ_INT(connNonBlock(client), 0);
    ASSERT(fcntl(connGetFd(client), F_GETFL) & O_NONBLOCK);

    /* Nothing to read: -1 and still connected ("try again"). */
    ASSERT_EQ_INT(connRead(server, buf, sizeof(buf)), -1);
    ASSERT_EQ_INT(connGetState(server), CONN_STATE_CONNECTED);

    /* Peer close: the client reads 0 and is CLOSED. */
    connClose(server);
    ASSERT(RUN_UNTIL(clientEof != 0, 5000));
    ASSERT_EQ_INT(clientEof, 1);
    ASSERT_EQ_INT(connGetState(client), CONN_STATE_CLOSED);

    /* Writing to a peer that is gone ends in ERROR, with no SIGPIPE. */
    long long deadline = nowMs() + 5000;
    ssize_t w = 0;
    while (nowMs() < deadline) {
        w = connWrite(client, "x", 1);
        if (w == -1 && connGetState(client) == CONN_STATE_ERROR) break;
        aeWait(connGetFd(client), AE_READABLE, 10);
    }
    ASSERT_EQ_INT(w, -1);
    ASSERT_EQ_INT(connGetState(client), CONN_STATE_ERROR);
    ASSERT(client->last_errno == EPIPE || client->last_errno == ECONNRESET);
    ASSERT(strlen(connGetLastError(client)) > 0);
    connClose(client);

    connCloseListener(&l);
    ASSERT_EQ_INT(l.count, 0);
}

/* ---------------------------------------------------------------------
 * Handlers closing their own connection; barrier ordering */

static char handlerOrder[16];
static int handlerOrderLen;
static int closeIn; /* 'R' or 'W': which handler closes */

static void noteHandler(char what) {
    handlerOrder[handlerOrderLen++] = what;
    handlerOrder[handlerOrderLen] = '\0';
}

static void orderRead(connection *conn) {
    char buf[64];
    noteHandler('R');
    (void)connRead(conn, buf, sizeof(buf));
    if (closeIn == 'R') {
        connClose(conn);
        /* Still safe to return; not to touch conn. */
    }
}

static void orderWrite(connection *conn) {
    noteHandler('W');
    if (closeIn == 'W') {
        connClose(conn);
        return;
    }
    connClearWriteHandler(conn);
}

/* Connects a client to <l> and returns the accepted server connection
 * (CONNECTED, no handlers), with "data" sent by the client and already
 * readable on the server side. */
static connection *setupPair(connListener *l) {
    resetExchange();
    client = connCreate(connTypeOfSocket());
    if (testConnect(client, "127.0.0.1", l->port, clientOnConnect) != 0)
        return NULL;
    if (!RUN_UNTIL(acceptedCount == 1 && clientConnected == 1, 5000))
        return NULL;
    connection *server = accepted[0];
    if (connAccept(server, NULL) != 0) return NULL;
    if (aeWait(connGetFd(server), AE_READABLE, 5000) != AE_READABLE)
        return NULL;
    return server;
}

static void runOnce(void) {
    handlerOrderLen = 0;
    handlerOrder[0] = '\0';
    aeProcessEvents(el, AE_FILE_EVENTS | AE_DONT_WAIT);
}

TEST_CASE(test_handlers_and_barrier) {
    connListener l;
    int port = listenOnFreePort(&l);
    ASSERT(port > 0);

    /* Normal order: read handler, then write handler. */
    connection *server = setupPair(&l);
    ASSERT(server != NULL);
    closeIn = 0;
    ASSERT_EQ_INT(connSetReadHandler(server, orderRead), 0);
    ASSERT_EQ_INT(connSetWriteHandler(server, orderWrite), 0);
    ASSERT_EQ_INT(aeGetFileEvents(el, connGetFd(server)),
                  AE_READABLE | AE_WRITABLE);
    runOnce();
    ASSERT_EQ_STR(handlerOrder, "RW");

    /* With a barrier: write handler first, AE_BARRIER on the fd. */
    ASSERT_EQ_INT(connWrite(client, "more", 4), 4);
    ASSERT_EQ_INT(aeWait(connGetFd(server), AE_READABLE, 5000), AE_READABLE);
    ASSERT_EQ_INT(connSetWriteHandlerWithBarrier(server, orderWrite, 1), 0);
    ASSERT(server->flags & CONN_FLAG_WRITE_BARRIER);
    ASSERT_EQ_INT(aeGetFileEvents(el, connGetFd(server)),
                  AE_READABLE | AE_WRITABLE | AE_BARRIER);
    runOnce();
    ASSERT_EQ_STR(handlerOrder, "WR");
    ASSERT_EQ_INT(aeGetFileEvents(el, connGetFd(server)), AE_READABLE);

    /* Switching the barrier off again. */
    ASSERT_EQ_INT(connWrite(client, "more", 4), 4);
    ASSERT_EQ_INT(aeWait(connGetFd(server), AE_READABLE, 5000), AE_READABLE);
    ASSERT_EQ_INT(connSetWriteHandlerWithBarrier(server, orderWrite, 1), 0);
    ASSERT_EQ_INT(connSetWriteHandlerWithBarrier(server, orderWrite, 0), 0);
    ASSERT(!(server->flags & CONN_FLAG_WRITE_BARRIER));
    ASSERT_EQ_INT(aeGetFileEvents(el, connGetFd(server)),
                  AE_READABLE | AE_WRITABLE);
    runOnce();
    ASSERT_EQ_STR(handlerOrder, "RW");

    /* The read handler closes: the write handler must not run, and the
     * struct is freed after the handler returns (ASan watches). */
    ASSERT_EQ_INT(connWrite(client, "bye", 3), 3);
    ASSERT_EQ_INT(aeWait(connGetFd(server), AE_READABLE, 5000), AE_READABLE);
    ASSERT_EQ_INT(connSetWriteHandler(server, orderWrite), 0);
    closeIn = 'R';
    runOnce();
    ASSERT_EQ_STR(handlerOrder, "R");
    ASSERT(RUN_UNTIL(clientEof != 0, 5000));
    ASSERT_EQ_INT(connGetState(client), CONN_STATE_CLOSED);
    connClose(client);

    /* Barrier and the write handler closes: the read handler must not run. */
    server = setupPair(&l);
    ASSERT(server != NULL);
    closeIn = 'W';
    ASSERT_EQ_INT(connSetReadHandler(server, orderRead), 0);
    ASSERT_EQ_INT(connSetWriteHandlerWithBarrier(server, orderWrite, 1), 0);
    runOnce();
    ASSERT_EQ_STR(handlerOrder, "W");
    ASSERT(RUN_UNTIL(clientEof != 0, 5000));
    connClose(client);
    closeIn = 0;

    connCloseListener(&l);
}

/* ---------------------------------------------------------------------
 * Failed connect; closing in the connect callback */

static void closeOnConnect(connection *conn) {
    clientConnected++;
    clientConnectState = connGetState(conn);
    connClose(conn);
}

TEST_CASE(test_connect_refused) {
    resetExchange();
    int port = findClosedPort();
    ASSERT(port > 0);
    client = connCreate(connTypeOfSocket());
    ASSERT_EQ_INT(testConnect(client, "127.0.0.1", port, clientOnConnect),
                  0);
    ASSERT(RUN_UNTIL(clientConnected == 1, 5000));
    ASSERT_EQ_INT(clientConnectState, CONN_STATE_ERROR);
    ASSERT_EQ_INT(connGetState(client), CONN_STATE_ERROR);
    ASSERT_EQ_STR(connGetLastError(client), strerror(ECONNREFUSED));
    /* Called once only, and nothing stays registered. */
    aeProcessEvents(el, AE_FILE_EVENTS | AE_DONT_WAIT);
    ASSERT_EQ_INT(clientConnected, 1);
    ASSERT_EQ_INT(aeGetFileEvents(el, connGetFd(client)), AE_NONE);
    connClose(client);

    /* The common pattern: close inside the connect callback. */
    resetExchange();
    client = connCreate(connTypeOfSocket());
    ASSERT_EQ_INT(testConnect(client, "127.0.0.1", port, closeOnConnect),
                  0);
    ASSERT(RUN_UNTIL(clientConnected == 1, 5000));
    ASSERT_EQ_INT(clientConnectState, CONN_STATE_ERROR);
}

/* ---------------------------------------------------------------------
 * Listener address lists */

TEST_CASE(test_listen_addresses) {
    char err[256];
    connListener l;
    int port = findClosedPort();
    ASSERT(port > 0);

    /* An optional address that cannot exist here is skipped. */
    static char *optional[] = {"127.0.0.1", "-192.0.2.1"};
    memset(&l, 0, sizeof(l));
    l.ct = connTypeOfSocket();
    l.port = port;
    l.bindaddr = optional;
    l.bindaddr_count = 2;
    l.backlog = 16;
    l.accepted = onAccepted;
    err[0] = '\0';
    ASSERT_EQ_INT(connListen(&l, err, sizeof(err)), 0);
    ASSERT_EQ_INT(l.count, 1);
    /* Listening twice on one listener is refused. */
    ASSERT_EQ_INT(connListen(&l, err, sizeof(err)), -1);
    connCloseListener(&l);
    ASSERT_EQ_INT(l.count, 0);

    /* A mandatory one fails the whole listener. */
    static char *mandatory[] = {"192.0.2.1"};
    l.bindaddr = mandatory;
    l.bindaddr_count = 1;
    ASSERT_EQ_INT(connListen(&l, err, sizeof(err)), -1);
    ASSERT(strstr(err, "192.0.2.1") != NULL);
    ASSERT_EQ_INT(l.count, 0);

    /* A failure after a success closes what was opened. */
    static char *twice[] = {"127.0.0.1", "127.0.0.1"};
    l.bindaddr = twice;
    l.bindaddr_count = 2;
    ASSERT_EQ_INT(connListen(&l, err, sizeof(err)), -1);
    ASSERT_EQ_INT(l.count, 0);
    l.bindaddr_count = 1;
    ASSERT_EQ_INT(connListen(&l, err, sizeof(err)), 0); /* port free again */
    ASSERT_EQ_INT(l.count, 1);
    connCloseListener(&l);

    /* Port 0: no TCP listener at all. */
    l.port = 0;
    ASSERT_EQ_INT(connListen(&l, err, sizeof(err)), 0);
    ASSERT_EQ_INT(l.count, 0);

    /* Optional IPv6 loopback next to IPv4 on the same port. */
    static char *both[] = {"127.0.0.1", "-::1"};
    l.port = port;
    l.bindaddr = both;
    l.bindaddr_count = 2;
    ASSERT_EQ_INT(connListen(&l, err, sizeof(err)), 0);
    ASSERT(l.count == 1 || l.count == 2);
    connCloseListener(&l);
}

/* ---------------------------------------------------------------------
 * Unix sockets */

TEST_CASE(test_unix) {
    char path[64], err[256], buf[128];
    connListener l;
    struct stat st;
    snprintf(path, sizeof(path), "/tmp/test_conn_%d.sock", (int)getpid());

    /* A stale file at the path is replaced. */
    int fd = open(path, O_CREAT | O_WRONLY, 0600);
    ASSERT(fd >= 0);
    close(fd);

    resetExchange();
    memset(&l, 0, sizeof(l));
    l.ct = connTypeOfUnix();
    l.unixpath = path;
    l.unixperm = 0700;
    l.backlog = 16;
    l.accepted = onAccepted;
    ASSERT_EQ_INT(connListen(&l, err, sizeof(err)), 0);
    ASSERT_EQ_INT(l.count, 1);
    ASSERT(stat(path, &st) == 0);
    ASSERT(S_ISSOCK(st.st_mode));
    ASSERT_EQ_INT(st.st_mode & 0777, 0700);

    client = connCreate(connTypeOfUnix());
    ASSERT_EQ_INT(testConnect(client, path, 0, clientOnConnect), 0);
    ASSERT(RUN_UNTIL(acceptedCount == 1 && clientConnected == 1, 5000));
    ASSERT_EQ_INT(clientConnectState, CONN_STATE_CONNECTED);
    ASSERT_EQ_STR(acceptedIp[0], path);
    ASSERT_EQ_INT(acceptedPort[0], 0);
    connection *server = accepted[0];
    /* A unix socket has no TCP options. */
    ASSERT_EQ_INT(connDisableTcpNoDelay(server), -1);
    ASSERT_EQ_STR(connGetTypeName(server), "unix");
    ASSERT(fcntl(connGetFd(server), F_GETFL) & O_NONBLOCK);
    ASSERT_EQ_INT(connAccept(server, serverOnAccept), 0);
    ASSERT(RUN_UNTIL(strcmp(clientRx, "pong\n") == 0, 5000));
    ASSERT_EQ_STR(serverRx, "ping\n");
    connFormatAddr(server, buf, sizeof(buf), 1);
    ASSERT_EQ_STR(buf, "/unixsocket:0");

    connClose(client);
    ASSERT(RUN_UNTIL(connGetState(server) == CONN_STATE_CLOSED, 5000));
    connClose(server);

    /* Connecting to a path without a listener fails at once. */
    connCloseListener(&l);
    unlink(path);
    client = connCreate(connTypeOfUnix());
    ASSERT_EQ_INT(testConnect(client, path, 0, clientOnConnect), -1);
    ASSERT_EQ_INT(connGetState(client), CONN_STATE_ERROR);
    ASSERT_EQ_STR(connGetLastError(client), strerror(ENOENT));
    connClose(client);

    /* Permission 0 leaves the mode alone (umask decides). */
    l.unixperm = 0;
    ASSERT_EQ_INT(connListen(&l, err, sizeof(err)), 0);
    connCloseListener(&l);
    unlink(path);
}

/* ---------------------------------------------------------------------
 * Many connections at once, and a large transfer with "try again" */

#define MANY 50

static int manyConnected;
static void manyOnConnect(connection *conn) {
    if (connGetState(conn) == CONN_STATE_CONNECTED) manyConnected++;
}

TEST_CASE(test_many_accepts) {
    connListener l;
    connection *clients[MANY];
    resetAccepted();
    manyConnected = 0;
    int port = listenOnFreePort(&l);
    ASSERT(port > 0);
    for (int i = 0; i < MANY; i++) {
        clients[i] = connCreate(connTypeOfSocket());
        ASSERT_EQ_INT(
            testConnect(clients[i], "127.0.0.1", port, manyOnConnect), 0);
    }
    ASSERT(RUN_UNTIL(acceptedCount == MANY && manyConnected == MANY, 10000));
    for (int i = 0; i < MANY; i++) {
        ASSERT_EQ_INT(connGetState(accepted[i]), CONN_STATE_ACCEPTING);
        connClose(accepted[i]);
        connClose(clients[i]);
    }
    connCloseListener(&l);
}

/* ---------------------------------------------------------------------
 * One behaviour for every type: deferred close, accept limits, running
 * out of descriptors, outgoing connections by name and with a deadline */

static int deferredFd = -1, deferredFdOpenInside;
static void closeAndCheckFd(connection *conn) {
    deferredFd = connGetFd(conn);
    connClose(conn);
    /* Still open while the handler runs: the close is only scheduled. */
    deferredFdOpenInside = fcntl(deferredFd, F_GETFD) != -1;
}

TEST_CASE(test_deferred_close) {
    connListener l;
    resetAccepted();
    int port = listenOnFreePort(&l);
    ASSERT(port > 0);
    client = connCreate(connTypeOfSocket());
    clientConnected = 0;
    ASSERT_EQ_INT(testConnect(client, "127.0.0.1", port, clientOnConnect), 0);
    ASSERT(RUN_UNTIL(acceptedCount == 1 && clientConnected == 1, 5000));
    connection *server = accepted[0];
    MUST_OK(connAccept(server, NULL));
    ASSERT_EQ_INT(connCallHandler(server, closeAndCheckFd), 0);
    ASSERT_EQ_INT(deferredFdOpenInside, 1);
    ASSERT(fcntl(deferredFd, F_GETFD) == -1); /* closed once it returned */
    connClose(client);
    connCloseListener(&l);
}

TEST_CASE(test_accept_limit_per_turn) {
    connListener l;
    int fds[5];
    resetAccepted();
    int port = listenOnFreePort(&l);
    ASSERT(port > 0);
    l.max_accepts = 2;
    /* Five peers complete their TCP handshake in the kernel's backlog. */
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(0x7f000001)};
    for (int i = 0; i < 5; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        ASSERT(fds[i] >= 0 &&
               connect(fds[i], (struct sockaddr *)&sa, sizeof(sa)) == 0);
    }
    /* Each turn of the loop takes at most two of them. */
    aeProcessEvents(el, AE_FILE_EVENTS | AE_DONT_WAIT);
    int first = acceptedCount;
    aeProcessEvents(el, AE_FILE_EVENTS | AE_DONT_WAIT);
    int second = acceptedCount;
    int done = RUN_UNTIL(acceptedCount == 5, 5000);
    for (int i = 0; i < acceptedCount; i++) connClose(accepted[i]);
    for (int i = 0; i < 5; i++) close(fds[i]);
    connCloseListener(&l);
    ASSERT_EQ_INT(first, 2);
    ASSERT_EQ_INT(second, 4);
    ASSERT(done);
}

TEST_CASE(test_accept_out_of_descriptors) {
    connListener l;
    struct rlimit saved, low;
    int spare[64], nspare = 0;
    resetAccepted();
    int port = listenOnFreePort(&l);
    ASSERT(port > 0);
    /* A client connects while the process can open no descriptor. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(0x7f000001)};
    ASSERT(fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    ASSERT(getrlimit(RLIMIT_NOFILE, &saved) == 0);
    low = saved;
    low.rlim_cur = (rlim_t)fd + 1;
    ASSERT(setrlimit(RLIMIT_NOFILE, &low) == 0);
    /* Fill any lower hole so that accept gets EMFILE. */
    while (nspare < 64) {
        int d = dup(0);
        if (d == -1) break;
        spare[nspare++] = d;
    }
    aeProcessEvents(el, AE_FILE_EVENTS | AE_DONT_WAIT);
    int paused = l.paused;
    int watched = aeGetFileEvents(el, l.fd[0]);
    for (int i = 0; i < nspare; i++) close(spare[i]);
    ASSERT(setrlimit(RLIMIT_NOFILE, &saved) == 0);
    ASSERT_EQ_INT(acceptedCount, 0);
    /* Not watched while paused, so the loop does not spin on it. */
    ASSERT_EQ_INT(paused, 1);
    ASSERT_EQ_INT(watched, 0);
    /* Watched again after the pause; the waiting client is taken. */
    ASSERT(RUN_UNTIL(acceptedCount == 1, 5000));
    ASSERT_EQ_INT(l.paused, 0);
    connClose(accepted[0]);
    close(fd);
    connCloseListener(&l);
}

static int slowResolverCalls;
/* "slow.test" resolves to 127.0.0.1 after 300 ms; "localhost" too, at
 * once; anything else fails. Runs on the resolver thread. */
static int slowResolver(const char *host, char *ip, size_t iplen, char *err,
                        size_t errlen) {
    __atomic_add_fetch(&slowResolverCalls, 1, __ATOMIC_RELAXED);
    if (!strcmp(host, "slow.test")) {
        struct timespec ts = {0, 300 * 1000000L};
        nanosleep(&ts, NULL);
    } else if (strcmp(host, "localhost")) {
        snprintf(err, errlen, "no such name");
        return -1;
    }
    snprintf(ip, iplen, "127.0.0.1");
    return 0;
}

TEST_CASE(test_connect_by_name) {
    connListener l;
    resetAccepted();
    int port = listenOnFreePort(&l);
    ASSERT(port > 0);

    /* getaddrinfo on the resolver thread (localhost is in /etc/hosts). */
    client = connCreate(connTypeOfSocket());
    clientConnected = 0;
    connConnectOptions o = {.host = "localhost", .port = port};
    ASSERT_EQ_INT(connConnect(client, &o, clientOnConnect), 0);
    ASSERT_EQ_INT(connGetState(client), CONN_STATE_CONNECTING);
    ASSERT(RUN_UNTIL(clientConnected == 1, 5000));
    ASSERT_EQ_INT(clientConnectState, CONN_STATE_CONNECTED);
    connClose(client);

    /* An unknown name: the callback reports it, once. */
    connSetResolver(slowResolver);
    client = connCreate(connTypeOfSocket());
    clientConnected = 0;
    o.host = "nowhere.test";
    ASSERT_EQ_INT(connConnect(client, &o, clientOnConnect), 0);
    ASSERT(RUN_UNTIL(clientConnected == 1, 5000));
    ASSERT_EQ_INT(clientConnectState, CONN_STATE_ERROR);
    ASSERT_EQ_STR(connGetLastError(client),
                  "Cannot resolve 'nowhere.test': no such name");
    connClose(client);

    /* A deadline shorter than the resolution. */
    client = connCreate(connTypeOfSocket());
    clientConnected = 0;
    o.host = "slow.test";
    o.timeout_ms = 100;
    long long start = nowMs();
    ASSERT_EQ_INT(connConnect(client, &o, clientOnConnect), 0);
    ASSERT(RUN_UNTIL(clientConnected == 1, 5000));
    ASSERT(nowMs() - start < 250);
    ASSERT_EQ_INT(clientConnectState, CONN_STATE_ERROR);
    ASSERT_EQ_STR(connGetLastError(client), "Connection timed out");
    connClose(client);
    /* Its late answer must not call back. */
    ASSERT(RUN_UNTIL(nowMs() - start > 500, 2000));
    ASSERT_EQ_INT(clientConnected, 1);

    /* A unix socket path is never resolved. */
    int calls = __atomic_load_n(&slowResolverCalls, __ATOMIC_RELAXED);
    client = connCreate(connTypeOfUnix());
    connConnectOptions u = {.host = "/nonexistent/sock"};
    ASSERT_EQ_INT(connConnect(client, &u, clientOnConnect), -1);
    ASSERT_EQ_INT(__atomic_load_n(&slowResolverCalls, __ATOMIC_RELAXED), calls);
    connClose(client);
    connSetResolver(NULL);
    for (int i = 0; i < acceptedCount; i++) connClose(accepted[i]);
    connCloseListener(&l);
}

#define BIG (4 * 1024 * 1024)
static unsigned char *bigOut;
static size_t bigSent, bigRecv;
static int bigMismatch, bigSawAgain;

static void bigWriter(connection *conn) {
    while (bigSent < BIG) {
        size_t chunk = BIG - bigSent;
        if (chunk > 256 * 1024) chunk = 256 * 1024;
        ssize_t n = connWrite(conn, bigOut + bigSent, chunk);
        if (n > 0) {
            bigSent += (size_t)n;
            continue;
        }
        if (n == -1 && connGetState(conn) == CONN_STATE_CONNECTED) {
            bigSawAgain = 1;
            return; /* socket full: wait for writability */
        }
        return;
    }
    connClearWriteHandler(conn);
}

static void bigReader(connection *conn) {
    unsigned char buf[16384];
    ssize_t n = connRead(conn, buf, sizeof(buf));
    if (n <= 0) return;
    for (ssize_t i = 0; i < n; i++)
        if (buf[i] != (unsigned char)((bigRecv + (size_t)i) * 7 + 3))
            bigMismatch = 1;
    bigRecv += (size_t)n;
}

TEST_CASE(test_big_transfer) {
    connListener l;
    int port = listenOnFreePort(&l);
    ASSERT(port > 0);
    connection *server = setupPair(&l);
    ASSERT(server != NULL);
    char scratch[16];
    ASSERT_EQ_INT(connRead(server, scratch, 5), 5); /* the "ping\n" */

    bigOut = zmalloc(BIG);
    for (size_t i = 0; i < BIG; i++) bigOut[i] = (unsigned char)(i * 7 + 3);
    bigSent = bigRecv = 0;
    bigMismatch = bigSawAgain = 0;
    /* Small fixed buffers on both ends: with the kernel's autotuning a
     * loopback pair can hold all 4 MB (send and receive queues together),
     * and then no write ever has to wait. */
    int small = 64 * 1024;
    ASSERT_EQ_INT(setsockopt(connGetFd(client), SOL_SOCKET, SO_SNDBUF, &small,
                             sizeof(small)), 0);
    ASSERT_EQ_INT(setsockopt(connGetFd(server), SOL_SOCKET, SO_RCVBUF, &small,
                             sizeof(small)), 0);
    /* Fill the socket before the reader runs, so a write must wait. */
    connClearReadHandler(client);
    ASSERT_EQ_INT(connSetWriteHandler(client, bigWriter), 0);
    bigWriter(client);
    ASSERT_EQ_INT(bigSawAgain, 1);
    ASSERT_EQ_INT(connGetState(client), CONN_STATE_CONNECTED);
    ASSERT_EQ_INT(connSetReadHandler(server, bigReader), 0);
    ASSERT(RUN_UNTIL(bigRecv == BIG, 20000));
    ASSERT_EQ_INT(bigSent, BIG);
    ASSERT_EQ_INT(bigMismatch, 0);
    ASSERT(!connHasWriteHandler(client));
    zfree(bigOut);
    bigOut = NULL;
    connClose(client);
    connClose(server);
    connCloseListener(&l);
}

/* ---------------------------------------------------------------------
 * Registry limits and pending-data dispatch (last: fills the registry) */

static int dummyPending(void) {
    return 1;
}
static int dummyProcess(void) {
    return 2;
}

TEST_CASE(test_registry_full) {
    static ConnectionType dummies[8];
    static char names[8][8];
    int registered = 0;
    for (int i = 0; i < 8; i++) {
        snprintf(names[i], sizeof(names[i]), "dummy%d", i);
        memset(&dummies[i], 0, sizeof(dummies[i]));
        dummies[i].name = names[i];
        if (i == 0) {
            dummies[i].hasPendingData = dummyPending;
            dummies[i].processPendingData = dummyProcess;
        }
        if (connTypeRegister(&dummies[i]) == 0) registered++;
    }
    /* tcp and unix take two of the 8 slots. */
    ASSERT_EQ_INT(registered, 6);
    ASSERT(connTypeByName("dummy5") == &dummies[5]);
    ASSERT(connTypeByName("dummy6") == NULL);
    ASSERT_EQ_INT(connTypeHasPendingData(), 1);
    ASSERT_EQ_INT(connTypeProcessPendingData(), 2);
    /* A type without listen ops cannot listen. */
    connListener l;
    char err[64];
    memset(&l, 0, sizeof(l));
    l.ct = &dummies[1];
    ASSERT_EQ_INT(connListen(&l, err, sizeof(err)), -1);
    connCloseListener(&l);
}

int main(void) {
    el = aeCreateEventLoop(1024);
    if (!el) {
        fprintf(stderr, "cannot create the event loop\n");
        return 1;
    }
    connInit(el);
    connSocketInit();
    long long tick = aeCreateTimeEvent(el, 5, tickProc, NULL, NULL);

    RUN_TEST(test_registry);
    RUN_TEST(test_ae_timers);
    RUN_TEST(test_ae_files);
    RUN_TEST(test_anet);
    RUN_TEST(test_refs);
    RUN_TEST(test_tcp_exchange);
    RUN_TEST(test_handlers_and_barrier);
    RUN_TEST(test_connect_refused);
    RUN_TEST(test_listen_addresses);
    RUN_TEST(test_unix);
    RUN_TEST(test_many_accepts);
    RUN_TEST(test_deferred_close);
    RUN_TEST(test_accept_limit_per_turn);
    RUN_TEST(test_accept_out_of_descriptors);
    RUN_TEST(test_connect_by_name);
    RUN_TEST(test_big_transfer);
    RUN_TEST(test_registry_full);

    aeDeleteTimeEvent(el, tick);
    aeDeleteEventLoop(el);
    return TEST_REPORT();
}
