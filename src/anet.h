/* anet: socket system calls for TCP and unix sockets (IPv4 and IPv6).
 *
 * Together with socket.c and tls.c, the only code that calls socket,
 * bind, listen, accept and connect. Errors are written as text into the
 * caller's <err> buffer of ANET_ERR_LEN bytes (which may be NULL). */
#ifndef ANET_H
#define ANET_H

#include <sys/types.h>

#define ANET_OK 0
#define ANET_ERR -1
#define ANET_ERR_LEN 256
#define NET_IP_STR_LEN 46             /* INET6_ADDRSTRLEN */
#define NET_ADDR_STR_LEN (NET_IP_STR_LEN + 32)

/* Listening sockets: non-blocking, SO_REUSEADDR, IPv6 ones IPV6_V6ONLY. */
int anetTcpServer(char *err, int port, const char *bindaddr, int backlog);
int anetTcp6Server(char *err, int port, const char *bindaddr, int backlog);
int anetUnixServer(char *err, const char *path, mode_t perm, int backlog);
/* Accept one connection; returns the fd or ANET_ERR (errno EAGAIN when
 * none is pending). The new fd is close-on-exec and non-blocking (one
 * accept4 call, no fcntl). ip/port may be NULL. */
int anetTcpAccept(char *err, int serversock, char *ip, size_t ip_len, int *port);
int anetUnixAccept(char *err, int serversock);
/* Non-blocking connect; returns the fd (connection in progress) or ANET_ERR.
 * source_addr may be NULL. */
int anetTcpNonBlockConnect(char *err, const char *addr, int port);
int anetTcpNonBlockBindConnect(char *err, const char *addr, int port,
                               const char *source_addr);
int anetUnixNonBlockConnect(char *err, const char *path);
/* Result of a non-blocking connect once the fd is writable: 0, or the errno. */
int anetGetSocketError(int fd);
int anetNonBlock(char *err, int fd);
int anetBlock(char *err, int fd);
int anetCloexec(int fd);
int anetEnableTcpNoDelay(char *err, int fd);
int anetDisableTcpNoDelay(char *err, int fd);
int anetKeepAlive(char *err, int fd, int interval);
int anetSendTimeout(char *err, int fd, long long ms);
int anetRecvTimeout(char *err, int fd, long long ms);
/* Resolves <host> into a numeric address string. */
int anetResolve(char *err, char *host, char *ipbuf, size_t ipbuf_len);
/* Peer (remote=1) or local address of <fd>. Unix sockets give ip "/unixsocket"
 * and port 0. */
int anetFdToString(int fd, char *ip, size_t ip_len, int *port, int remote);
/* "ip:port", or "[ip]:port" for IPv6. */
int anetFormatAddr(char *buf, size_t buf_len, const char *ip, int port);
int anetFormatFdAddr(int fd, char *buf, size_t buf_len, int remote);
/* Close-on-exec pipe pair, both ends non-blocking if asked. */
int anetPipe(int fds[2], int read_flags, int write_flags);
int anetSetSockMarkId(char *err, int fd, unsigned int id);
#endif
