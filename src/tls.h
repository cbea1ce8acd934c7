/* tls.h: the TLS connection type's public face, free of OpenSSL types so
 * that config, server, replication, Sentinel and the tools can use it.
 *
 * Settings arrive as a plain structure; the type never reads server
 * globals. tlsConfigure() builds a complete new context (server side and
 * client side) from the settings and swaps it in only if everything loaded;
 * on failure the old context stays and <err> says which directive and why. */
#ifndef TLS_H
#define TLS_H

#include <stddef.h>

#include "connection.h"

#define TLS_CLIENT_AUTH_NO 0
#define TLS_CLIENT_AUTH_YES 1
#define TLS_CLIENT_AUTH_OPTIONAL 2

typedef struct tlsSettings {
    char *cert_file;             /* tls-cert-file */
    char *key_file;              /* tls-key-file */
    char *key_file_pass;         /* tls-key-file-pass */
    char *client_cert_file;      /* tls-client-cert-file (outgoing) */
    char *client_key_file;       /* tls-client-key-file */
    char *client_key_file_pass;  /* tls-client-key-file-pass */
    char *dh_params_file;        /* tls-dh-params-file */
    char *ca_cert_file;          /* tls-ca-cert-file */
    char *ca_cert_dir;           /* tls-ca-cert-dir */
    char *protocols;             /* tls-protocols, e.g. "TLSv1.2 TLSv1.3" */
    char *ciphers;               /* tls-ciphers (TLS <= 1.2) */
    char *ciphersuites;          /* tls-ciphersuites (TLS 1.3) */
    int prefer_server_ciphers;   /* tls-prefer-server-ciphers */
    int session_caching;         /* tls-session-caching */
    int session_cache_size;      /* tls-session-cache-size */
    int session_cache_timeout;   /* tls-session-cache-timeout, seconds */
    int auth_clients;            /* tls-auth-clients: TLS_CLIENT_AUTH_* */
    long long handshake_timeout; /* tls-handshake-timeout, ms; 0 = none */
    int verify_peer_name;        /* tls-verify-peer-name: outgoing
                                  * connections check the peer's name */
    /* Only for the command-line tools (no directive sets them): */
    int client_skip_verify;      /* --insecure: outgoing connections do
                                  * not verify the peer's certificate */
    int client_no_resume;        /* outgoing connections never resume a
                                  * session (every handshake is full) */
} tlsSettings;

/* Counters for INFO's "# TLS" section. */
typedef struct tlsStats {
    unsigned long long handshakes;          /* completed, both directions */
    unsigned long long handshakes_failed;   /* all failures */
    unsigned long long failed_no_cert;      /* client sent no certificate */
    unsigned long long failed_verify;       /* certificate did not verify */
    unsigned long long failed_protocol;     /* version/cipher mismatch */
    unsigned long long failed_not_tls;      /* plain text on the TLS port */
    unsigned long long failed_timeout;      /* tls-handshake-timeout hit */
    unsigned long long failed_other;
    unsigned long long resumed;             /* sessions resumed */
} tlsStats;

/* What INFO shows about the server certificate in use. */
typedef struct tlsCertInfo {
    char subject[256];
    char issuer[256];
    char serial[128];        /* hex */
    long long not_after;     /* unix time */
} tlsCertInfo;

/* 1 if the TLS type was compiled in (BUILD_TLS=yes). */
int tlsIsBuilt(void);
/* Loads OpenSSL and registers the TLS connection type. Idempotent. */
void tlsInit(void);
/* Builds and (if valid) installs a new context from <s>. Returns 0 on
 * success; -1 with a one-line reason in <err> otherwise (the previous
 * context, if any, keeps serving). */
int tlsConfigure(const tlsSettings *s, char *err, size_t errlen);
/* Like tlsConfigure but only checks that <s> would load; installs nothing. */
int tlsValidate(const tlsSettings *s, char *err, size_t errlen);
/* 1 once a context is installed. */
int tlsIsConfigured(void);
void tlsGetStats(tlsStats *out);
void tlsResetStats(void);
/* Fills <out> from the installed server certificate; -1 if none. */
int tlsGetCertInfo(tlsCertInfo *out);
/* Free OpenSSL's thread-local and global state (at exit, for leak checks). */
void tlsCleanup(void);

#endif
