/* anet.c: socket system calls for TCP (IPv4, IPv6) and unix sockets.
 *
 * Owns: creating, binding, accepting, connecting and configuring socket
 * descriptors, and turning their addresses into text.
 * Must not touch: the bytes that flow on a socket (socket.c and tls.c read
 * and write them) or any server state. Every error is written as one line
 * into the caller's <err> buffer of ANET_ERR_LEN bytes (NULL: no text), and
 * errno still holds the cause when a function returns ANET_ERR, so callers
 * can tell e.g. EADDRNOTAVAIL from EADDRINUSE.
 *
 * Every descriptor created here is close-on-exec. */
#include "anet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static void anetSetError(char *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void anetSetError(char *err, const char *fmt, ...) {
    va_list ap;
    if (!err) return;
    va_start(ap, fmt);
    vsnprintf(err, ANET_ERR_LEN, fmt, ap);
    va_end(ap);
}

/* Closes <fd> without disturbing errno, so the caller still sees the
 * cause of the failure that made it give up. */
static void anetCloseKeepErrno(int fd) {
    int saved = errno;
    close(fd);
    errno = saved;
}

static int anetSetBlock(char *err, int fd, int non_block) {
    int flags = fcntl(fd, F_GETFL);
    if (flags == -1) {
        anetSetError(err, "fcntl(F_GETFL): %s", strerror(errno));
        return ANET_ERR;
    }
    int newflags = non_block ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    if (newflags == flags) return ANET_OK;
    if (fcntl(fd, F_SETFL, newflags) == -1) {
        anetSetError(err, "fcntl(F_SETFL,O_NONBLOCK): %s", strerror(errno));
        return ANET_ERR;
    }
    return ANET_OK;
}

/* Makes <fd> non-blocking. Returns ANET_OK or ANET_ERR. */
int anetNonBlock(char *err, int fd) {
    return anetSetBlock(err, fd, 1);
}

/* Makes <fd> blocking. Returns ANET_OK or ANET_ERR. */
int anetBlock(char *err, int fd) {
    return anetSetBlock(err, fd, 0);
}

/* Marks <fd> close-on-exec. Returns ANET_OK or ANET_ERR (errno set). */
int anetCloexec(int fd) {
    int flags = fcntl(fd, F_GETFD);
    if (flags == -1) return ANET_ERR;
    if (flags & FD_CLOEXEC) return ANET_OK;
    if (fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == -1) return ANET_ERR;
    return ANET_OK;
}

/* Turns on TCP keepalive on <fd>: the first probe after <interval>
 * seconds of silence, then every <interval>/3 seconds, and the peer is
 * declared dead after 3 unanswered probes (tcp(7)). */
int anetKeepAlive(char *err, int fd, int interval) {
    int yes = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof(yes)) == -1) {
        anetSetError(err, "setsockopt SO_KEEPALIVE: %s", strerror(errno));
        return ANET_ERR;
    }
    int idle = interval > 0 ? interval : 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) < 0) {
        anetSetError(err, "setsockopt TCP_KEEPIDLE: %s", strerror(errno));
        return ANET_ERR;
    }
    int intvl = interval / 3;
    if (intvl <= 0) intvl = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl)) < 0) {
        anetSetError(err, "setsockopt TCP_KEEPINTVL: %s", strerror(errno));
        return ANET_ERR;
    }
    int cnt = 3;
    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)) < 0) {
        anetSetError(err, "setsockopt TCP_KEEPCNT: %s", strerror(errno));
        return ANET_ERR;
    }
    return ANET_OK;
}

static int anetSetTcpNoDelay(char *err, int fd, int val) {
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &val, sizeof(val)) == -1) {
        anetSetError(err, "setsockopt TCP_NODELAY: %s", strerror(errno));
        return ANET_ERR;
    }
    return ANET_OK;
}

/* Disables Nagle's algorithm on <fd>. Returns ANET_OK or ANET_ERR. */
int anetEnableTcpNoDelay(char *err, int fd) {
    return anetSetTcpNoDelay(err, fd, 1);
}

/* Re-enables Nagle's algorithm on <fd>. Returns ANET_OK or ANET_ERR. */
int anetDisableTcpNoDelay(char *err, int fd) {
    return anetSetTcpNoDelay(err, fd, 0);
}

static int anetSetTimeout(char *err, int fd, int opt, long long ms) {
    struct timeval tv;
    if (ms < 0) ms = 0;
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    if (setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)) == -1) {
        anetSetError(err, "setsockopt %s: %s",
                     opt == SO_SNDTIMEO ? "SO_SNDTIMEO" : "SO_RCVTIMEO",
                     strerror(errno));
        return ANET_ERR;
    }
    return ANET_OK;
}

/* Bounds blocking sends on <fd> to <ms> milliseconds (0: no bound). */
int anetSendTimeout(char *err, int fd, long long ms) {
    return anetSetTimeout(err, fd, SO_SNDTIMEO, ms);
}

/* Bounds blocking receives on <fd> to <ms> milliseconds (0: no bound). */
int anetRecvTimeout(char *err, int fd, long long ms) {
    return anetSetTimeout(err, fd, SO_RCVTIMEO, ms);
}

/* Resolves <host> (a name or a numeric address) and writes the first
 * address found, as numeric text, into <ipbuf> of <ipbuf_len> bytes.
 * Returns ANET_OK or ANET_ERR. This may block on DNS. */
int anetResolve(char *err, char *host, char *ipbuf, size_t ipbuf_len) {
    struct addrinfo hints, *info;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rv = getaddrinfo(host, NULL, &hints, &info);
    if (rv != 0) {
        anetSetError(err, "%s", gai_strerror(rv));
        return ANET_ERR;
    }
    const void *addr;
    if (info->ai_family == AF_INET)
        addr = &((struct sockaddr_in *)info->ai_addr)->sin_addr;
    else
        addr = &((struct sockaddr_in6 *)info->ai_addr)->sin6_addr;
    if (inet_ntop(info->ai_family, addr, ipbuf, ipbuf_len) == NULL) {
        anetSetError(err, "inet_ntop: %s", strerror(errno));
        freeaddrinfo(info);
        return ANET_ERR;
    }
    freeaddrinfo(info);
    return ANET_OK;
}

/* Binds <s> to <sa> and listens; closes <s> on failure. */
static int anetListen(char *err, int s, struct sockaddr *sa, socklen_t len,
                      int backlog) {
    if (bind(s, sa, len) == -1) {
        anetSetError(err, "bind: %s", strerror(errno));
        anetCloseKeepErrno(s);
        return ANET_ERR;
    }
    if (listen(s, backlog) == -1) {
        anetSetError(err, "listen: %s", strerror(errno));
        anetCloseKeepErrno(s);
        return ANET_ERR;
    }
    return ANET_OK;
}

/* "*" (any IPv4) and "::*" (any IPv6) are spelled as a NULL node, which
 * AI_PASSIVE turns into the wildcard address of the family. */
static const char *anetWildcardToNull(const char *bindaddr) {
    if (bindaddr == NULL) return NULL;
    if (!strcmp(bindaddr, "*") || !strcmp(bindaddr, "::*")) return NULL;
    return bindaddr;
}

static int anetTcpGenericServer(char *err, int port, const char *bindaddr,
                                int af, int backlog) {
    char portstr[16];
    struct addrinfo hints, *servinfo, *p;
    int s = -1;

    snprintf(portstr, sizeof(portstr), "%d", port);
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = af;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    bindaddr = anetWildcardToNull(bindaddr);

    int rv = getaddrinfo(bindaddr, portstr, &hints, &servinfo);
    if (rv != 0) {
        anetSetError(err, "%s", gai_strerror(rv));
        /* An address of the other family, or none: not available here. */
        errno = (rv == EAI_SYSTEM)                           ? errno
                : (rv == EAI_FAMILY || rv == EAI_ADDRFAMILY) ? EAFNOSUPPORT
                                                             : EADDRNOTAVAIL;
        return ANET_ERR;
    }
    int saved_errno = EADDRNOTAVAIL;
    for (p = servinfo; p != NULL; p = p->ai_next) {
        s = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                   p->ai_protocol);
        if (s == -1) {
            saved_errno = errno;
            anetSetError(err, "socket: %s", strerror(errno));
            continue;
        }
        int yes = 1;
        if (af == AF_INET6 &&
            setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &yes, sizeof(yes)) == -1) {
            saved_errno = errno;
            anetSetError(err, "setsockopt IPV6_V6ONLY: %s", strerror(errno));
            close(s);
            s = -1;
            continue;
        }
        if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes)) == -1) {
            saved_errno = errno;
            anetSetError(err, "setsockopt SO_REUSEADDR: %s", strerror(errno));
            close(s);
            s = -1;
            continue;
        }
        if (anetListen(err, s, p->ai_addr, p->ai_addrlen, backlog) ==
            ANET_ERR) {
            saved_errno = errno;
            s = -1;
            continue;
        }
        break;
    }
    freeaddrinfo(servinfo);
    if (s == -1) {
        if (p == NULL && err && err[0] == '\0')
            anetSetError(err, "unable to bind socket");
        errno = saved_errno;
        return ANET_ERR;
    }
    return s;
}

/* Opens a non-blocking IPv4 listening socket on <bindaddr> (NULL or "*":
 * every address) and <port>, with SO_REUSEADDR and <backlog>. Returns the
 * fd, which the caller owns, or ANET_ERR with errno set. */
int anetTcpServer(char *err, int port, const char *bindaddr, int backlog) {
    if (err) err[0] = '\0';
    return anetTcpGenericServer(err, port, bindaddr, AF_INET, backlog);
}

/* Same as anetTcpServer for IPv6 (NULL or "::*": every address); the
 * socket is IPV6_V6ONLY so that an IPv4 listener on the same port can
 * coexist. */
int anetTcp6Server(char *err, int port, const char *bindaddr, int backlog) {
    if (err) err[0] = '\0';
    return anetTcpGenericServer(err, port, bindaddr, AF_INET6, backlog);
}

/* Opens a non-blocking unix listening socket at <path> and, if <perm> is
 * not 0, chmods the socket file to <perm>. A file already at <path> makes
 * bind fail (EADDRINUSE); the caller decides whether to unlink it first.
 * Returns the fd (caller owns it) or ANET_ERR with errno set. */
int anetUnixServer(char *err, const char *path, mode_t perm, int backlog) {
    struct sockaddr_un sa;
    if (strlen(path) >= sizeof(sa.sun_path)) {
        anetSetError(err, "unix socket path too long (%zu bytes max)",
                     sizeof(sa.sun_path) - 1);
        errno = ENAMETOOLONG;
        return ANET_ERR;
    }
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s == -1) {
        anetSetError(err, "socket: %s", strerror(errno));
        return ANET_ERR;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    if (anetListen(err, s, (struct sockaddr *)&sa, sizeof(sa), backlog) ==
        ANET_ERR)
        return ANET_ERR;
    if (perm && chmod(sa.sun_path, perm) == -1) {
        anetSetError(err, "chmod %s: %s", path, strerror(errno));
        anetCloseKeepErrno(s);
        return ANET_ERR;
    }
    return s;
}

static int anetGenericAccept(char *err, int s, struct sockaddr *sa,
                             socklen_t *len) {
    int fd;
    do {
        fd = accept4(s, sa, len, SOCK_CLOEXEC | SOCK_NONBLOCK);
    } while (fd == -1 && errno == EINTR);
    if (fd == -1) {
        anetSetError(err, "accept: %s", strerror(errno));
        return ANET_ERR;
    }
    return fd;
}

/* Writes the numeric address and port of <sa> into <ip>/<port> (either
 * may be NULL). Unix sockets give "/unixsocket" and 0. */
static int anetSockaddrToString(const struct sockaddr_storage *sa, char *ip,
                                size_t ip_len, int *port) {
    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
        if (ip && inet_ntop(AF_INET, &s->sin_addr, ip, ip_len) == NULL)
            return ANET_ERR;
        if (port) *port = ntohs(s->sin_port);
    } else if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
        if (ip && inet_ntop(AF_INET6, &s->sin6_addr, ip, ip_len) == NULL)
            return ANET_ERR;
        if (port) *port = ntohs(s->sin6_port);
    } else if (sa->ss_family == AF_UNIX) {
        if (ip) {
            int n = snprintf(ip, ip_len, "/unixsocket");
            if (n < 0 || (size_t)n >= ip_len) return ANET_ERR;
        }
        if (port) *port = 0;
    } else {
        return ANET_ERR;
    }
    return ANET_OK;
}

/* Accepts one pending connection on the TCP listener <serversock> and
 * writes the peer's numeric address into <ip> (<ip_len> bytes) and its
 * port into <port> (both may be NULL). The new fd is close-on-exec and
 * blocking; the caller owns it. Returns the fd or ANET_ERR (errno EAGAIN
 * when nothing is pending). */
int anetTcpAccept(char *err, int serversock, char *ip, size_t ip_len,
                  int *port) {
    struct sockaddr_storage sa;
    socklen_t salen = sizeof(sa);
    int fd = anetGenericAccept(err, serversock, (struct sockaddr *)&sa, &salen);
    if (fd == ANET_ERR) return ANET_ERR;
    if (anetSockaddrToString(&sa, ip, ip_len, port) == ANET_ERR) {
        if (ip && ip_len) ip[0] = '\0';
        if (port) *port = 0;
    }
    return fd;
}

/* Accepts one pending connection on the unix listener <serversock>.
 * Returns the new fd (close-on-exec, blocking, owned by the caller) or
 * ANET_ERR (errno EAGAIN when nothing is pending). */
int anetUnixAccept(char *err, int serversock) {
    struct sockaddr_un sa;
    socklen_t salen = sizeof(sa);
    return anetGenericAccept(err, serversock, (struct sockaddr *)&sa, &salen);
}

/* Binds <s> to the first usable address of <source_addr> (any port). */
static int anetBindSource(char *err, int s, const char *source_addr) {
    struct addrinfo hints, *bservinfo, *b;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rv = getaddrinfo(source_addr, NULL, &hints, &bservinfo);
    if (rv != 0) {
        anetSetError(err, "%s", gai_strerror(rv));
        errno = EADDRNOTAVAIL;
        return ANET_ERR;
    }
    int saved_errno = EADDRNOTAVAIL;
    for (b = bservinfo; b != NULL; b = b->ai_next) {
        if (bind(s, b->ai_addr, b->ai_addrlen) != -1) break;
        saved_errno = errno;
    }
    freeaddrinfo(bservinfo);
    if (b == NULL) {
        anetSetError(err, "bind: %s", strerror(saved_errno));
        errno = saved_errno;
        return ANET_ERR;
    }
    return ANET_OK;
}

/* Starts a non-blocking connect to <addr>:<port>, from <source_addr> if
 * not NULL. Each resolved address is tried in turn until one starts
 * connecting. Returns the fd (owned by the caller; wait for it to become
 * writable and then check anetGetSocketError) or ANET_ERR with errno. */
int anetTcpNonBlockBindConnect(char *err, const char *addr, int port,
                               const char *source_addr) {
    char portstr[16];
    struct addrinfo hints, *servinfo, *p;
    int s = ANET_ERR;

    if (err) err[0] = '\0';
    snprintf(portstr, sizeof(portstr), "%d", port);
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rv = getaddrinfo(addr, portstr, &hints, &servinfo);
    if (rv != 0) {
        anetSetError(err, "%s", gai_strerror(rv));
        errno = (rv == EAI_SYSTEM) ? errno : EHOSTUNREACH;
        return ANET_ERR;
    }
    int saved_errno = EHOSTUNREACH;
    for (p = servinfo; p != NULL; p = p->ai_next) {
        s = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                   p->ai_protocol);
        if (s == -1) {
            saved_errno = errno;
            anetSetError(err, "socket: %s", strerror(errno));
            continue;
        }
        int yes = 1;
        if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes)) == -1) {
            saved_errno = errno;
            close(s);
            s = ANET_ERR;
            continue;
        }
        if (source_addr && anetBindSource(err, s, source_addr) == ANET_ERR) {
            saved_errno = errno;
            close(s);
            s = ANET_ERR;
            continue;
        }
        if (connect(s, p->ai_addr, p->ai_addrlen) == -1 &&
            errno != EINPROGRESS) {
            saved_errno = errno;
            anetSetError(err, "connect: %s", strerror(errno));
            close(s);
            s = ANET_ERR;
            continue;
        }
        break;
    }
    freeaddrinfo(servinfo);
    if (s == ANET_ERR) {
        if (err && err[0] == '\0')
            anetSetError(err, "%s", strerror(saved_errno));
        errno = saved_errno;
    }
    return s;
}

/* anetTcpNonBlockBindConnect without a source address. */
int anetTcpNonBlockConnect(char *err, const char *addr, int port) {
    return anetTcpNonBlockBindConnect(err, addr, port, NULL);
}

/* Starts a non-blocking connect to the unix socket at <path>. Returns the
 * fd (owned by the caller) or ANET_ERR with errno set. */
int anetUnixNonBlockConnect(char *err, const char *path) {
    struct sockaddr_un sa;
    if (strlen(path) >= sizeof(sa.sun_path)) {
        anetSetError(err, "unix socket path too long");
        errno = ENAMETOOLONG;
        return ANET_ERR;
    }
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s == -1) {
        anetSetError(err, "socket: %s", strerror(errno));
        return ANET_ERR;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == -1 &&
        errno != EINPROGRESS) {
        anetSetError(err, "connect: %s", strerror(errno));
        anetCloseKeepErrno(s);
        return ANET_ERR;
    }
    return s;
}

/* Returns the pending error of socket <fd> (SO_ERROR): 0 once a
 * non-blocking connect succeeded, else its errno. */
int anetGetSocketError(int fd) {
    int sockerr = 0;
    socklen_t len = sizeof(sockerr);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &sockerr, &len) == -1)
        sockerr = errno;
    return sockerr;
}

/* Writes the peer's (<remote> = 1) or the local numeric address of <fd>
 * into <ip> (<ip_len> bytes) and its port into <port>; either may be NULL.
 * Unix sockets give "/unixsocket" and 0. On failure writes "?" and 0 and
 * returns ANET_ERR. */
int anetFdToString(int fd, char *ip, size_t ip_len, int *port, int remote) {
    struct sockaddr_storage sa;
    socklen_t salen = sizeof(sa);
    int rv;
    memset(&sa, 0, sizeof(sa));
    if (remote)
        rv = getpeername(fd, (struct sockaddr *)&sa, &salen);
    else
        rv = getsockname(fd, (struct sockaddr *)&sa, &salen);
    if (rv == -1 || anetSockaddrToString(&sa, ip, ip_len, port) == ANET_ERR) {
        if (ip && ip_len >= 2) {
            ip[0] = '?';
            ip[1] = '\0';
        } else if (ip && ip_len == 1) {
            ip[0] = '\0';
        }
        if (port) *port = 0;
        return ANET_ERR;
    }
    return ANET_OK;
}

/* Formats <ip> and <port> as "ip:port", or "[ip]:port" when <ip> is IPv6
 * (contains ':'), into <buf> of <buf_len> bytes. Returns what snprintf
 * returns (the untruncated length). */
int anetFormatAddr(char *buf, size_t buf_len, const char *ip, int port) {
    return snprintf(buf, buf_len, strchr(ip, ':') ? "[%s]:%d" : "%s:%d", ip,
                    port);
}

/* Formats the peer (<remote> = 1) or local address of <fd> as
 * anetFormatAddr does. Returns its result, or ANET_ERR ("?:0" written). */
int anetFormatFdAddr(int fd, char *buf, size_t buf_len, int remote) {
    char ip[NET_IP_STR_LEN];
    int port;
    if (anetFdToString(fd, ip, sizeof(ip), &port, remote) == ANET_ERR) {
        snprintf(buf, buf_len, "?:0");
        return ANET_ERR;
    }
    return anetFormatAddr(buf, buf_len, ip, port);
}

/* Creates a close-on-exec pipe into <fds>; <read_flags> and <write_flags>
 * (e.g. O_NONBLOCK) are added to the status flags of the read and write
 * ends. Returns ANET_OK, or ANET_ERR with nothing left open. */
int anetPipe(int fds[2], int read_flags, int write_flags) {
    int pipe_flags = O_CLOEXEC | (read_flags & write_flags);
    if (pipe2(fds, pipe_flags) == -1) return ANET_ERR;
    for (int i = 0; i < 2; i++) {
        int want =
            (i == 0 ? read_flags : write_flags) & ~pipe_flags & ~O_CLOEXEC;
        if (want == 0) continue;
        int fl = fcntl(fds[i], F_GETFL);
        if (fl == -1 || fcntl(fds[i], F_SETFL, fl | want) == -1) {
            anetCloseKeepErrno(fds[0]);
            anetCloseKeepErrno(fds[1]);
            return ANET_ERR;
        }
    }
    return ANET_OK;
}

/* Sets the SO_MARK of <fd> to <id> (needs CAP_NET_ADMIN). Returns ANET_OK
 * or ANET_ERR. */
int anetSetSockMarkId(char *err, int fd, unsigned int id) {
    if (setsockopt(fd, SOL_SOCKET, SO_MARK, &id, sizeof(id)) == -1) {
        anetSetError(err, "setsockopt SO_MARK: %s", strerror(errno));
        return ANET_ERR;
    }
    return ANET_OK;
}
