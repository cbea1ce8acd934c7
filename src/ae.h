/* ae: the event loop. epoll readiness for file descriptors, millisecond
 * timers, and hooks that run before the loop sleeps and after it wakes.
 *
 * Owns: the epoll descriptor and the tables of registered events.
 * Must not touch: sockets' contents (it never reads or writes them). */
#ifndef AE_H
#define AE_H

#include <time.h>

#define AE_OK 0
#define AE_ERR -1

#define AE_NONE 0
#define AE_READABLE 1
#define AE_WRITABLE 2
/* With AE_BARRIER the writable handler runs before the readable one in the
 * same iteration (normally it is the reverse), e.g. to send a reply before
 * more input is processed. */
#define AE_BARRIER 4

#define AE_FILE_EVENTS (1 << 0)
#define AE_TIME_EVENTS (1 << 1)
#define AE_ALL_EVENTS (AE_FILE_EVENTS | AE_TIME_EVENTS)
#define AE_DONT_WAIT (1 << 2)
#define AE_CALL_BEFORE_SLEEP (1 << 3)
#define AE_CALL_AFTER_SLEEP (1 << 4)

#define AE_NOMORE -1     /* a time proc returns this to be deleted */
#define AE_DELETED_EVENT_ID -1

struct aeEventLoop;
struct dict;

typedef void aeFileProc(struct aeEventLoop *eventLoop, int fd, void *clientData,
                        int mask);
/* Returns the number of ms until the next call, or AE_NOMORE. */
typedef int aeTimeProc(struct aeEventLoop *eventLoop, long long id,
                       void *clientData);
typedef void aeEventFinalizerProc(struct aeEventLoop *eventLoop, void *clientData);
typedef void aeBeforeSleepProc(struct aeEventLoop *eventLoop);

typedef struct aeFileEvent {
    int mask; /* AE_(READABLE|WRITABLE|BARRIER) */
    aeFileProc *rfileProc;
    aeFileProc *wfileProc;
    void *clientData;
} aeFileEvent;

typedef struct aeTimeEvent {
    long long id;
    long long when; /* monotonic microseconds */
    aeTimeProc *timeProc;
    aeEventFinalizerProc *finalizerProc;
    void *clientData;
    long heapIndex; /* slot in the timer heap; -1 while running or deleted */
    int running;    /* its proc is on the stack */
    int deleted;    /* no longer reachable by id; freed when not running */
    struct aeTimeEvent *nextToFree; /* deleted, waiting for its finalizer */
} aeTimeEvent;

typedef struct aeFiredEvent {
    int fd;
    int mask;
} aeFiredEvent;

typedef struct aeEventLoop {
    int maxfd;   /* highest registered fd, -1 if none */
    int setsize; /* max fd tracked + 1 */
    long long timeEventNextId;
    aeFileEvent *events;
    aeFiredEvent *fired;
    /* Timers: a binary min-heap on (when, id), an id -> event table, and
     * the deleted events whose finalizers run at the next timer pass. */
    aeTimeEvent **timeHeap;
    long timeHeapLen;
    long timeHeapCap;
    struct dict *timeEventsById;
    aeTimeEvent *timeEventsToFree;
    long long timePassNow; /* "now" of the running timer pass, or -1 */
    int stop;
    void *apidata; /* epoll state */
    aeBeforeSleepProc *beforesleep;
    aeBeforeSleepProc *aftersleep;
    int flags;
} aeEventLoop;

aeEventLoop *aeCreateEventLoop(int setsize);
void aeDeleteEventLoop(aeEventLoop *eventLoop);
void aeStop(aeEventLoop *eventLoop);
int aeCreateFileEvent(aeEventLoop *eventLoop, int fd, int mask, aeFileProc *proc,
                      void *clientData);
void aeDeleteFileEvent(aeEventLoop *eventLoop, int fd, int mask);
int aeGetFileEvents(aeEventLoop *eventLoop, int fd);
long long aeCreateTimeEvent(aeEventLoop *eventLoop, long long milliseconds,
                            aeTimeProc *proc, void *clientData,
                            aeEventFinalizerProc *finalizerProc);
int aeDeleteTimeEvent(aeEventLoop *eventLoop, long long id);
/* Number of time events the loop holds (live, or deleted and waiting for
 * their finalizer). */
long aeGetTimeEventCount(aeEventLoop *eventLoop);
/* Processes pending events (see the AE_* flags); returns how many ran. */
int aeProcessEvents(aeEventLoop *eventLoop, int flags);
/* Waits up to <milliseconds> for <fd> to become readable/writable (poll);
 * for command-line tools only. Returns the mask that fired, 0 on time-out,
 * -1 on error. */
int aeWait(int fd, int mask, long long milliseconds);
void aeMain(aeEventLoop *eventLoop);
const char *aeGetApiName(void);
void aeSetBeforeSleepProc(aeEventLoop *eventLoop, aeBeforeSleepProc *beforesleep);
void aeSetAfterSleepProc(aeEventLoop *eventLoop, aeBeforeSleepProc *aftersleep);
int aeGetSetSize(aeEventLoop *eventLoop);
int aeResizeSetSize(aeEventLoop *eventLoop, int setsize);
/* With AE_DONT_WAIT set the next aeProcessEvents call does not sleep
 * (used when connections have pending decrypted data). */
void aeSetDontWait(aeEventLoop *eventLoop, int noWait);

#endif
