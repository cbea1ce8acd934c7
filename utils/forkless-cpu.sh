#!/usr/bin/env bash
# utils/forkless-cpu.sh: a measurement (not a test) of what a fork-less
# full sync (repl-diskless-sync-fork no) costs the master's event loop:
# the CPU time of the master's main thread, and of its snapshot thread,
# from the start of a replica's sync until the replica's link is up (its
# other threads, the snapshot's above all, as the rest of the process), with
# no client load. Two builds of our server are run alternately on the
# same dataset (DEBUG POPULATE) and the medians printed.
#
# Usage: utils/forkless-cpu.sh --a PATH --b PATH [--keys N] [--size N]
#                              [--rounds N] [--base-port N]
#   --a, --b     the two server builds (the replica is always --b)
#   --keys N     keys to populate (default 3000000)
#   --size N     value size in bytes (default 200)
#   --rounds N   syncs per build, alternated (default 3)
set -euo pipefail

a="" b="" keys=3000000 size=200 rounds=3 base=24600
while [ $# -gt 0 ]; do
    case "$1" in
        --a) a="$2"; shift 2 ;;
        --b) b="$2"; shift 2 ;;
        --keys) keys="$2"; shift 2 ;;
        --size) size="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        --base-port) base="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
[ -n "$a" ] && [ -n "$b" ] || { echo "--a and --b are required" >&2; exit 2; }
cli=/usr/bin/redis-cli
work="$(mktemp -d /tmp/forkless-cpu.XXXXXX)"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# Thread CPU (utime + stime, in ms) of thread <tid> of process <pid>.
tcpu() {
    awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) * 1000 / hz}' \
        "/proc/$1/task/$2/stat"
}

# CPU time (utime + stime, in ms) of the whole process <pid>, every
# thread included (the snapshot thread ends with the snapshot).
pcpu() {
    awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) * 1000 / hz}' \
        "/proc/$1/stat"
}

start() { # bin port dir
    mkdir -p "$3"
    "$1" --port "$2" --bind 127.0.0.1 --save "" --appendonly no \
        --dir "$3" --logfile "$3/log" --daemonize no --enable-debug-command yes \
        --repl-diskless-sync yes --repl-diskless-sync-delay 0 \
        --repl-diskless-sync-fork no --repl-diskless-load swapdb &
    pids+=($!)
    local i
    for i in $(seq 1 200); do
        $cli -p "$2" ping >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "server on $2 did not start" >&2
    exit 1
}

run() { # name bin round
    local name="$1" bin="$2" mport=$base rport=$((base + 1))
    local dir="$work/$name-$3"
    start "$bin" "$mport" "$dir/m"
    local mpid=${pids[-1]}
    $cli -p "$mport" debug populate "$keys" key "$size" >/dev/null
    start "$b" "$rport" "$dir/r"
    local rpid=${pids[-1]}
    local m0 p0 t0
    m0=$(tcpu "$mpid" "$mpid")
    p0=$(pcpu "$mpid")
    t0=$(date +%s.%N)
    $cli -p "$rport" replicaof 127.0.0.1 "$mport" >/dev/null
    while ! $cli -p "$rport" info replication | grep -q "master_link_status:up"; do
        sleep 0.05
    done
    local m1 p1 t1 snapcpu
    m1=$(tcpu "$mpid" "$mpid")
    p1=$(pcpu "$mpid")
    snapcpu=$(echo "($p1 - $p0) - ($m1 - $m0)" | bc)
    t1=$(date +%s.%N)
    printf "%-2s round %d: sync %.2f s, master main thread %.0f ms CPU, other threads (the snapshot's) %.0f ms CPU\n" \
        "$name" "$3" "$(echo "$t1 - $t0" | bc)" "$(echo "$m1 - $m0" | bc)" "$snapcpu"
    echo "$name $(echo "$m1 - $m0" | bc) $snapcpu" >> "$work/results"
    kill "$mpid" "$rpid"
    wait "$mpid" "$rpid" 2>/dev/null || true
    pids=()
}

for r in $(seq 1 "$rounds"); do
    if [ $((r % 2)) -eq 1 ]; then run a "$a" "$r"; run b "$b" "$r"
    else run b "$b" "$r"; run a "$a" "$r"; fi
done
echo "medians over $rounds rounds: master main thread ms CPU, other threads ms CPU"
for n in a b; do
    main=$(awk -v n=$n '$1 == n {print $2}' "$work/results" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
    snapt=$(awk -v n=$n '$1 == n {print $3}' "$work/results" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
    echo "$n $main $snapt"
done
