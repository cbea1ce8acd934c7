#!/bin/sh
# gen-test-certs.sh: makes the certificates, keys and DH parameters that the
# TLS tests use. Never for production: the CA key sits next to its cert.
#
# Usage: utils/gen-test-certs.sh [--force] [outdir] [extra SAN names...]
#   outdir      where to write (default tests/tls)
#   extra SANs  added to the server certificates as IP: (for addresses) or
#               DNS: (anything else), after DNS:localhost and IP:127.0.0.1
#   --force     remake every file; otherwise existing files are kept, so
#               running the script twice is cheap
#   KEY_TYPE=ecdsa in the environment makes ECDSA P-256 keys instead of
#   RSA 2048.
#
# Files: ca.crt/ca.key, server.crt/server.key (serverAuth),
# server-2.crt/server-2.key (same CA, new serial, for rotation tests),
# server-pass.key (server.key encrypted with passphrase "secret"),
# client.crt/client.key (clientAuth), client.p12 (password "changeit"),
# other-ca.crt/other-ca.key with other-client.crt/other-client.key (an
# unrelated CA, for wrong-CA tests), redis.dh (2048-bit DH parameters),
# server-expired.crt/server-expired.key (same CA and names as server.crt,
# valid only in 2020), server-cn.crt/server-cn.key (no subjectAltName,
# CN=localhost: the name check falls back to the CN).
set -e

force=0
if [ "$1" = "--force" ]; then
    force=1
    shift
fi
dir=${1:-tests/tls}
[ $# -gt 0 ] && shift

case "${KEY_TYPE:-rsa}" in
    ecdsa|ec) keyopts="-algorithm EC -pkeyopt ec_paramgen_curve:P-256" ;;
    rsa) keyopts="-algorithm RSA -pkeyopt rsa_keygen_bits:2048" ;;
    *) echo "KEY_TYPE must be rsa or ecdsa" >&2; exit 1 ;;
esac

mkdir -p "$dir"
cd "$dir"

# The server's subjectAltName: localhost, loopback, then the extra names.
san="DNS:localhost,IP:127.0.0.1"
for name in "$@"; do
    case "$name" in
        *[!0-9.]*)
            case "$name" in
                *:*) san="$san,IP:$name" ;;   # IPv6 address
                *) san="$san,DNS:$name" ;;
            esac ;;
        *) san="$san,IP:$name" ;;             # dotted IPv4 address
    esac
done

need() {
    [ "$force" = 1 ] || [ ! -s "$1" ]
}

# A random positive 128-bit serial, so every certificate differs.
serial() {
    echo "0x7$(openssl rand -hex 15)"
}

make_key() {
    # shellcheck disable=SC2086
    need "$1" && openssl genpkey $keyopts -out "$1" 2>/dev/null
    chmod 600 "$1"
}

make_ca() { # <name> <subject>
    make_key "$1.key"
    if need "$1.crt"; then
        openssl req -x509 -new -key "$1.key" -sha256 -days 3650 \
            -set_serial "$(serial)" -subj "$2" \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" \
            -out "$1.crt"
    fi
}

make_cert() { # <name> <ca> <subject> <extensions>
    make_key "$1.key"
    if need "$1.crt"; then
        ext=$(mktemp)
        printf '%s\n' "$4" > "$ext"
        openssl req -new -key "$1.key" -subj "$3" |
            openssl x509 -req -sha256 -days 365 -CA "$2.crt" -CAkey "$2.key" \
                -set_serial "$(serial)" -extfile "$ext" -out "$1.crt" 2>/dev/null
        rm -f "$ext"
    fi
}

server_ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$san"
client_ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"

make_ca ca "/O=Redis Test/CN=Certificate Authority"
make_cert server ca "/O=Redis Test/CN=Server" "$server_ext"
make_cert server-2 ca "/O=Redis Test/CN=Server 2" "$server_ext"
make_cert client ca "/O=Redis Test/CN=Client" "$client_ext"
make_ca other-ca "/O=Other Test/CN=Other Certificate Authority"
make_cert other-client other-ca "/O=Other Test/CN=Other Client" "$client_ext"

# A certificate whose validity ended long ago: `openssl ca` is the one
# OpenSSL 3.0 command that takes explicit start and end dates.
if need server-expired.crt; then
    make_key server-expired.key
    cadir=$(mktemp -d)
    : > "$cadir/index.txt"
    printf '%s\n' "[ca]" "default_ca=test" "[test]" "dir=$cadir" \
        "database=$cadir/index.txt" "new_certs_dir=$cadir" \
        "serial=$cadir/serial" "default_md=sha256" "policy=any" \
        "unique_subject=no" "[any]" "commonName=supplied" \
        "organizationName=optional" > "$cadir/ca.cnf"
    printf '%s\n' "$server_ext" > "$cadir/ext"
    echo 01 > "$cadir/serial"
    openssl req -new -key server-expired.key \
        -subj "/O=Redis Test/CN=Expired Server" -out "$cadir/req.csr"
    openssl ca -batch -config "$cadir/ca.cnf" -cert ca.crt -keyfile ca.key \
        -startdate 20200101000000Z -enddate 20201231000000Z \
        -extfile "$cadir/ext" -notext -in "$cadir/req.csr" \
        -out server-expired.crt 2>/dev/null
    rm -rf "$cadir"
fi
make_cert server-cn ca "/O=Redis Test/CN=localhost" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth"

if need server-pass.key; then
    openssl pkey -in server.key -aes256 -passout pass:secret -out server-pass.key
    chmod 600 server-pass.key
fi
if need client.p12; then
    openssl pkcs12 -export -inkey client.key -in client.crt -certfile ca.crt \
        -name client -passout pass:changeit -out client.p12
fi
# The RFC 7919 ffdhe2048 group: standard 2048-bit parameters, made instantly
# (generating fresh ones takes minutes).
if need redis.dh; then
    openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out redis.dh
fi
