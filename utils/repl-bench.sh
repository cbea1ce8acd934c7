#!/usr/bin/env bash
# utils/repl-bench.sh: a side-by-side measurement (not a test) of a TLS full
# sync under load, our server against a reference (Debian's Redis 7.0).
#
# For each server: a master with --size-mb of mixed data (1 KB strings, a
# list, a hash, a set and a sorted set filled by redis-benchmark) on a TLS
# port; two replicas of the same server with tls-replication yes start
# their full sync (repl-diskless-sync yes, the 7.0 default, with
# repl-diskless-sync-max-replicas 2 so that one transfer, started as soon
# as both replicas asked, serves both: with no delay the second replica,
# a few ms late, waited for a second fork and transfer)
# while redis-benchmark drives the master over TLS (SET/GET, 20 clients)
# and a probe client (python3-redis over TLS) times one request after
# another. Reported: the sync's duration (REPLICAOF until both links are
# up), the probe's p50/p99/max latency during the sync, redis-benchmark's
# own GET latency summary for a fixed run started with the sync, and for
# our server the longest event-loop turn of the master and of the
# replicas during the sync (the hidden INFO eventloop section; Redis 7.0
# has no such counter).
#
# Usage: utils/repl-bench.sh [--size-mb N] [--ours PATH] [--ref PATH]
#                            [--base-port N] [--diskless-load MODE]
#   --size-mb N    dataset size (default 256; the issue's figure is 1024)
#   --ours PATH    our server (default src/redis-server)
#   --ref PATH     reference server (default /usr/bin/redis-server)
#   --base-port N  first of the 3 ports used (default 23500)
#   --only NAME    run only "ours" or "ref"
#   --rounds N     runs of each server, alternated (ours first in odd
#                  rounds, ref first in even ones); with N > 1 the medians
#                  of the main figures follow the runs (default 1)
#   --diskless-load MODE  the replicas' repl-diskless-load (default
#                  disabled, the 7.0 default; swapdb parses the RDB from
#                  the socket)
#   --fork MODE    our master's repl-diskless-sync-fork (default: the
#                  server's default; "no" writes the snapshot from the
#                  event loop, without a child)
#   --pin          the master alone on CPU 0, everything else (replicas,
#                  redis-benchmark, the probe, this script) on CPU 1: a
#                  turn's wall time is then the master's own work, not a
#                  wait for a core shared with the replicas and clients
#                  (the master's fork child or snapshot thread share CPU 0)
#   --thp          run every server with MALLOC_CONF=thp:always (jemalloc
#                  asks for transparent huge pages for the heap: fork()
#                  copies far fewer page-table entries)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
size_mb=256
ours="$root/src/redis-server"
ref=/usr/bin/redis-server
base=23500
dl_load=disabled
only=
rounds=1
thp=
fork=
pin=
while [ $# -gt 0 ]; do
    case "$1" in
    --size-mb) size_mb="$2"; shift 2 ;;
    --ours) ours="$2"; shift 2 ;;
    --ref) ref="$2"; shift 2 ;;
    --base-port) base="$2"; shift 2 ;;
    --diskless-load) dl_load="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --thp) thp=1; shift ;;
    --pin) pin=1; shift ;;
    --fork) fork="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

if [ -n "$pin" ]; then
    [ "$(nproc)" -ge 2 ] || { echo "--pin needs 2 CPUs" >&2; exit 2; }
    taskset -c -p 1 $$ >/dev/null
fi

work="$(mktemp -d /tmp/repl-bench.XXXXXX)"
certs="$work/tls"
bash "$root/utils/gen-test-certs.sh" "$certs" >/dev/null 2>&1
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

tls_args=(--tls-cert-file "$certs/server.crt" --tls-key-file "$certs/server.key"
    --tls-ca-cert-file "$certs/ca.crt" --tls-client-cert-file "$certs/client.crt"
    --tls-client-key-file "$certs/client.key" --tls-replication yes)
cli_tls=(--tls --cacert "$certs/ca.crt" --cert "$certs/client.crt" --key "$certs/client.key")

# start <bin> <port> <dir> [args]: a TLS-only server on <port>; prints its
# pid.
start() {
    local bin="$1" port="$2" dir="$3"
    shift 3
    mkdir -p "$dir"
    ${master_cpu:+taskset -c "$master_cpu"} \
    ${thp:+env MALLOC_CONF=thp:always} \
    "$bin" --port 0 --tls-port "$port" --bind 127.0.0.1 --dir "$dir" --save "" \
        --appendonly no --daemonize no --logfile "$dir/log" \
        --repl-diskless-sync yes --repl-diskless-sync-delay 5 \
        --repl-diskless-sync-max-replicas 2 \
        "${tls_args[@]}" "$@" >/dev/null 2>&1 &
    local pid=$!
    for _ in $(seq 1 200); do
        redis-cli "${cli_tls[@]}" -p "$port" ping >/dev/null 2>&1 && break
        sleep 0.05
    done
    echo "$pid"
}

cli() { local p="$1"; shift; redis-cli "${cli_tls[@]}" -p "$p" "$@"; }

# cputicks <pid>: the CPU clock ticks of <pid> and of its reaped children
# so far, "<own> <children>".
cputicks() {
    awk '{print $14 + $15, $16 + $17}' "/proc/$1/stat"
}
hz=$(getconf CLK_TCK)

# The longest event-loop turn of the server on <port> since the previous
# call, "<wall> ms (<cpu> ms CPU)", or "n/a" when the server has no INFO
# eventloop.
loopmax() {
    local info w c sn
    info=$(cli "$1" info eventloop 2>/dev/null | tr -d '\r')
    w=$(echo "$info" | awk -F: '/^eventloop_window_max_turn_usec/ {print $2}')
    c=$(echo "$info" | awk -F: '/^eventloop_window_max_turn_cpu_usec/ {print $2}')
    sn=$(echo "$info" | awk -F: '/^eventloop_window_max_snapshot_usec/ {print $2}')
    if [ -z "$w" ]; then echo n/a; return; fi
    local extra=
    if [ -n "$sn" ] && [ "$sn" != 0 ]; then
        extra=", at most $(echo "scale=2; $sn / 1000" | bc) ms CPU of snapshot work"
    fi
    # Where the longest turn (by CPU) went, in wall time.
    local parts
    parts=$(echo "$info" | awk -F: '
        /^eventloop_window_max_turn_events_usec/ {e = $2}
        /^eventloop_window_max_turn_cron_usec/ {c = $2}
        /^eventloop_window_max_turn_writes_usec/ {w = $2}
        /^eventloop_window_max_turn_before_sleep_usec/ {b = $2}
        /^eventloop_window_max_turn_writes_clients/ {n = $2}
        /^eventloop_window_max_turn_writes_bytes/ {y = $2}
        /^eventloop_window_max_turn_commands/ {k = $2}
        /^eventloop_window_max_turn_read_bytes/ {r = $2}
        /^eventloop_window_max_turn_snapshot_usec/ {s = $2}
        END {if (e != "") printf "; that turn: events %.1f, cron %.1f, writes %.1f (%.0f clients, %.0f bytes), rest of beforeSleep %.1f ms; it ran %.0f commands, read %.0f bytes, snapshot work %.1f ms", e / 1000, c / 1000, w / 1000, n, y, b / 1000, k, r, s / 1000}')
    extra="$extra$parts"
    echo "$(echo "scale=1; $w / 1000" | bc) ms ($(echo "scale=1; $c / 1000" | bc) ms CPU$extra)"
}

run() {
    local name="$1" bin="$2"
    local dir="$work/$name-$round"
    local m=$base r1=$((base + 1)) r2=$((base + 2))
    local mp r1p r2p
    local extra=()
    if [ "$name" = ours ] && [ -n "$fork" ]; then
        extra=(--repl-diskless-sync-fork "$fork")
    fi
    mp=$(master_cpu=${pin:+0} start "$bin" $m "$dir/m" "${extra[@]}"); pids+=("$mp")
    local keys=$((size_mb * 1024 * 9 / 10))
    local members=$((size_mb * 1024 / 10 * 2))
    redis-benchmark "${cli_tls[@]}" -p $m -q -P 32 -c 8 -t set -n "$keys" \
        -r "$keys" -d 1024 >/dev/null
    redis-benchmark "${cli_tls[@]}" -p $m -q -P 32 -c 8 -t lpush,hset,sadd,zadd \
        -n "$members" -r "$members" -d 32 >/dev/null
    local mem
    mem=$(cli $m info memory | awk -F: '/^used_memory_human/ {print $2}' | tr -d '\r')
    r1p=$(start "$bin" $r1 "$dir/r1" --repl-diskless-load "$dl_load"); pids+=("$r1p")
    r2p=$(start "$bin" $r2 "$dir/r2" --repl-diskless-load "$dl_load"); pids+=("$r2p")

    redis-benchmark "${cli_tls[@]}" -p $m -q -c 20 -t set,get -n 100000000 \
        -r 100000 >/dev/null 2>&1 &
    local bench=$!
    pids+=("$bench")
    /usr/bin/python3 - "$m" "$certs" "$dir/probe" <<'EOF' &
import redis, ssl, sys, time
port, certs, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
r = redis.Redis(port=port, ssl=True, ssl_ca_certs=certs + "/ca.crt",
                ssl_certfile=certs + "/client.crt",
                ssl_keyfile=certs + "/client.key")
lat = []
stop = time.time() + 600
with open(out + ".go", "w"):
    pass
while time.time() < stop:
    t = time.perf_counter()
    r.set("probe", "x")
    lat.append((time.perf_counter() - t) * 1000)
    try:
        open(out + ".stop").close()
        break
    except OSError:
        pass
lat.sort()
with open(out, "w") as f:
    f.write("%.3f %.3f %.3f %d\n" % (lat[len(lat) // 2],
            lat[int(len(lat) * 0.99)], lat[-1], len(lat)))
EOF
    local probe=$!
    while [ ! -f "$dir/probe.go" ]; do sleep 0.05; done
    sleep 1
    local t0 t1
    loopmax $m >/dev/null; loopmax $r1 >/dev/null; loopmax $r2 >/dev/null
    # A fixed redis-benchmark run (GET, 10 clients) started with the sync:
    # its own latency summary, printed when it ends.
    redis-benchmark "${cli_tls[@]}" -p $m -c 10 -t get -n 200000 -r 100000 \
        > "$dir/bench.out" 2>&1 &
    local bench2=$!
    pids+=("$bench2")
    local c0m c0r1 c0r2
    c0m=$(cputicks $mp); c0r1=$(cputicks $r1p); c0r2=$(cputicks $r2p)
    local q0
    q0=$(cli $m info stats | tr -d '\r' | awk -F: '/^total_commands_processed/ {print $2}')
    t0=$(date +%s.%N)
    cli $r1 replicaof 127.0.0.1 $m >/dev/null
    cli $r2 replicaof 127.0.0.1 $m >/dev/null
    for _ in $(seq 1 12000); do
        local a b
        a=$(cli $r1 info replication | grep -c "master_link_status:up" || true)
        b=$(cli $r2 info replication | grep -c "master_link_status:up" || true)
        [ "$a" = 1 ] && [ "$b" = 1 ] && break
        sleep 0.05
    done
    t1=$(date +%s.%N)
    # The CPU seconds spent during the sync: the master, its child (reaped
    # by now), each replica.
    local cpu
    cpu=$(echo "$c0m $(cputicks $mp) $c0r1 $(cputicks $r1p) $c0r2 $(cputicks $r2p)" |
        awk -v hz="$hz" '{printf "master %.2f s, child %.2f s, replicas %.2f / %.2f s",
            ($3 - $1) / hz, ($4 - $2) / hz, ($7 - $5) / hz, ($11 - $9) / hz}')
    local q1
    q1=$(cli $m info stats | tr -d '\r' | awk -F: '/^total_commands_processed/ {print $2}')
    cpu="$cpu; the master served $((q1 - q0)) commands"
    local lm lr1 lr2 fork forkcpu
    lm=$(loopmax $m); lr1=$(loopmax $r1); lr2=$(loopmax $r2)
    # Redis 7.0: INFO stats latest_fork_usec; ours: INFO eventloop.
    fork=$(cli $m info stats | tr -d '\r' | awk -F: '/^latest_fork_usec/ {print $2}')
    forkcpu=
    if [ "${fork:-0}" = 0 ]; then
        fork=$(cli $m info eventloop | tr -d '\r' |
            awk -F: '/^eventloop_last_fork_usec/ {print $2}')
        forkcpu=$(cli $m info eventloop | tr -d '\r' |
            awk -F: '/^eventloop_last_fork_cpu_usec/ {print $2}')
    fi
    touch "$dir/probe.stop"
    wait "$probe" || true
    wait "$bench2" || true
    kill "$bench" 2>/dev/null || true
    read -r p50 p99 max n < "$dir/probe"
    local bsum
    bsum=$(tr '\r' '\n' < "$dir/bench.out" |
        awk '/latency summary/ {getline; getline; print "avg " $1 " min " $2 " p50 " $3 " p95 " $4 " p99 " $5 " max " $6 " ms"}')
    printf "%-6s dataset %-10s sync %6.2f s   probe p50 %7s ms  p99 %7s ms  max %8s ms  (%s requests)\n" \
        "$name" "$mem" "$(echo "$t1 - $t0" | bc)" "$p50" "$p99" "$max" "$n"
    printf "       redis-benchmark GET during the sync: %s\n" "${bsum:-no summary}"
    local bp99
    bp99=$(echo "$bsum" | awk '{for (i = 1; i < NF; i++) if ($i == "p99") print $(i + 1)}')
    echo "$name $(echo "$t1 - $t0" | bc) $p50 $p99 $max ${bp99:-0}" >> "$work/summary"
    printf "       CPU during the sync: %s\n" "$cpu"
    printf "       longest event-loop turn during the sync: master %s, replicas %s / %s\n" \
        "$lm" "$lr1" "$lr2"
    local transfers
    transfers=$(grep -c "Starting BGSAVE for SYNC" "$dir/m/log" || true)
    printf "       master's fork for the sync (the last of %s): %s ms%s\n" "$transfers" \
        "$(echo "scale=1; ${fork:-0} / 1000" | bc)" \
        "${forkcpu:+ ($(echo "scale=1; $forkcpu / 1000" | bc) ms CPU)}"
    # The next run reuses the ports: wait until these servers are gone.
    for p in "$mp" "$r1p" "$r2p"; do kill "$p" 2>/dev/null || true; done
    for p in "$mp" "$r1p" "$r2p"; do
        while kill -0 "$p" 2>/dev/null; do sleep 0.1; done
    done
}

echo "TLS full sync to two replicas under load, ${size_mb} MB requested, replicas with repl-diskless-load $dl_load${thp:+, MALLOC_CONF=thp:always}${pin:+, master alone on CPU 0}"
for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) = 1 ]; then order="ours ref"; else order="ref ours"; fi
    for name in $order; do
        [ -n "$only" ] && [ "$only" != "$name" ] && continue
        if [ "$name" = ours ]; then run ours "$ours"; else run ref "$ref"; fi
    done
done
if [ "$rounds" -gt 1 ]; then
    echo "medians over $rounds rounds: sync s, probe p50 / p99 / max ms, redis-benchmark GET p99 ms"
    for name in ours ref; do
        grep "^$name " "$work/summary" >/dev/null 2>&1 || continue
        line="$name"
        for col in 2 3 4 5 6; do
            m=$(awk -v c=$col -v n=$name '$1 == n {print $c}' "$work/summary" | sort -g |
                awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}')
            line="$line $m"
        done
        echo "$line"
    done
fi
