/* test_conn_help.h: helpers shared by the connection-layer unit tests
 * (test_conn.c, test_tls.c). Include after connection.h and stdio/stdlib. */
#ifndef TEST_CONN_HELP_H
#define TEST_CONN_HELP_H

/* A setup call that cannot fail in these tests: stop at once if it does. */
#define MUST_OK(call)                                                      \
    do {                                                                   \
        if ((call) != 0) {                                                 \
            fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__,      \
                    #call);                                                \
            abort();                                                       \
        }                                                                  \
    } while (0)

/* connConnect with only a host and port, as most tests need. */
static inline int testConnect(connection *conn, const char *host, int port,
                              ConnectionCallbackFunc handler) {
    connConnectOptions opts = {.host = host, .port = port,
                               .verify_peer_name = -1};
    return connConnect(conn, &opts, handler);
}

#endif
