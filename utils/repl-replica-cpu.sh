#!/usr/bin/env bash
# utils/repl-replica-cpu.sh: a paired measurement (not a test) of the CPU a
# replica spends applying its master's stream, ours against a reference
# (Debian's Redis 7.0), without the host's noise between runs: one master
# (the reference by default) over TLS with two replicas, one of each
# server, that apply the same stream at the same time.
#
# redis-benchmark fills 100,000 keys, then sends --requests SETs of 256
# bytes (20 clients, pipeline 16) --runs times; after each run (once both
# replicas reached the master's offset) the report gives each replica's
# CPU time per request: the run time of all its threads, from
# /proc/PID/task/*/schedstat.
#
# Usage: utils/repl-replica-cpu.sh [--ours PATH] [--ref PATH]
#          [--master PATH] [--requests N] [--runs N] [--base-port N]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ours="$root/src/redis-server"
ref=/usr/bin/redis-server
master=""
requests=1500000
runs=3
base=26800

while [ $# -gt 0 ]; do
    case "$1" in
    --ours) ours="$2"; shift 2 ;;
    --ref) ref="$2"; shift 2 ;;
    --master) master="$2"; shift 2 ;;
    --requests) requests="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --base-port) base="$2"; shift 2 ;;
    *) sed -n '/^# Usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 1 ;;
    esac
done
master="${master:-$ref}"

work="$(mktemp -d /tmp/repl-replica-cpu.XXXXXX)"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

certs="$work/certs"
bash "$root/utils/gen-test-certs.sh" "$certs" >/dev/null 2>&1
tls=(--tls-cert-file "$certs/server.crt" --tls-key-file "$certs/server.key"
    --tls-ca-cert-file "$certs/ca.crt" --tls-client-cert-file "$certs/client.crt"
    --tls-client-key-file "$certs/client.key" --tls-replication yes)
client=(--tls --cacert "$certs/ca.crt" --cert "$certs/client.crt"
    --key "$certs/client.key")

# start <name> <binary> <port> [args...]: one server, in the foreground of
# a background job, its PID in pids[].
start() {
    local name="$1" bin="$2" port="$3"
    shift 3
    mkdir -p "$work/$name"
    (cd "$work/$name" && exec "$bin" --port 0 --tls-port "$port" \
        --bind 127.0.0.1 --save "" --appendonly no --logfile log \
        "${tls[@]}" "$@") &
    pids+=("$!")
}

cli() { redis-cli -p "$base" "${client[@]}" "$@"; }

start master "$master" "$base" --repl-diskless-sync-delay 0
start ours "$ours" $((base + 1)) --replicaof 127.0.0.1 "$base"
start ref "$ref" $((base + 2)) --replicaof 127.0.0.1 "$base"
ours_pid="${pids[1]}"
ref_pid="${pids[2]}"

# wait_until <seconds> <command...>: polls until the command succeeds.
wait_until() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || { echo "timed out: $*" >&2; exit 1; }
        sleep 0.1
    done
}
both_online() { [ "$(cli info replication | grep -c 'state=online')" = 2 ]; }
offset_of() {
    redis-cli -p "$1" "${client[@]}" info replication |
        awk -F: '/^master_repl_offset/ {print $2+0}'
}
caught_up() {
    local m
    m="$(offset_of "$base")"
    [ "$(offset_of $((base + 1)))" = "$m" ] && [ "$(offset_of $((base + 2)))" = "$m" ]
}
cpu_ns() {
    cat /proc/"$1"/task/*/schedstat | awk '{s += $1} END {printf "%.0f", s}'
}

wait_until 30 cli ping
wait_until 60 both_online
bench=(redis-benchmark -p "$base" "${client[@]}" -t set -c 20 -P 16 -d 256
    -r 100000 -q)
"${bench[@]}" -n 300000 >/dev/null 2>&1
wait_until 120 caught_up

echo "replica CPU per applied SET (ns), master: $master"
for i in $(seq "$runs"); do
    a0="$(cpu_ns "$ours_pid")"
    b0="$(cpu_ns "$ref_pid")"
    "${bench[@]}" -n "$requests" >/dev/null 2>&1
    wait_until 120 caught_up
    a1="$(cpu_ns "$ours_pid")"
    b1="$(cpu_ns "$ref_pid")"
    awk -v a=$((a1 - a0)) -v b=$((b1 - b0)) -v n="$requests" -v i="$i" \
        'BEGIN {printf "run %d: ours %.0f  ref %.0f  ours/ref %.3f\n", i, a/n, b/n, a/b}'
done
