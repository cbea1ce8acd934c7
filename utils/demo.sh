#!/usr/bin/env bash
# utils/demo.sh: start our server as a TLS-only, mutual-TLS demo in the
# foreground (make demo builds it with TLS first, then runs this).
#
# - Certificates: demo/tls/ (made by utils/gen-test-certs.sh the first time,
#   reused afterwards; delete the folder to get fresh ones).
# - Configuration: demo/redis-demo.conf, written on every run.
# - Listens on 127.0.0.1, TLS port 6380 (DEMO_TLS_PORT overrides it), no plain
#   port; clients must present a certificate signed by demo/tls/ca.crt.
# Stop it with Ctrl-C.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

server="$root/src/redis-server"
demo="$root/demo"
tls="$demo/tls"
conf="$demo/redis-demo.conf"
port="${DEMO_TLS_PORT:-6380}"

if [ ! -x "$server" ]; then
    echo "demo: $server is missing; build it with: make BUILD_TLS=yes" >&2
    exit 1
fi

mkdir -p "$demo"

have_certs=1
for f in ca.crt server.crt server.key client.crt client.key; do
    [ -s "$tls/$f" ] || have_certs=0
done
if [ $have_certs -eq 0 ]; then
    echo "demo: making certificates in $tls"
    "$root/utils/gen-test-certs.sh" "$tls"
fi

cat >"$conf" <<EOF
# Written by utils/demo.sh on every run; edit that script, not this file.
# A TLS-only server: no plain port, mutual TLS, loopback only.
bind 127.0.0.1
port 0
tls-port $port
tls-cert-file $tls/server.crt
tls-key-file $tls/server.key
tls-ca-cert-file $tls/ca.crt
tls-auth-clients yes
# The demo keeps no snapshots; its files would land in this folder.
save ""
dir $demo
daemonize no
loglevel notice
logfile ""
EOF
# DH parameters only matter to TLS 1.2 DHE ciphers; use them when present.
if [ -s "$tls/redis.dh" ]; then
    echo "tls-dh-params-file $tls/redis.dh" >>"$conf"
fi

cat <<EOF

Demo server: TLS only on 127.0.0.1:$port, client certificate required.
Connect from another terminal with:

  redis-cli --tls --cacert $tls/ca.crt --cert $tls/client.crt --key $tls/client.key -p $port ping

or, as a URL:

  redis-cli -u rediss://127.0.0.1:$port --cacert $tls/ca.crt --cert $tls/client.crt --key $tls/client.key

Stop the server with Ctrl-C.

EOF

exec "$server" "$conf"
