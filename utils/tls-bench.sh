#!/usr/bin/env bash
# utils/tls-bench.sh: a side-by-side benchmark (not a test) of our server
# against a reference redis-server (Debian's Redis 7.0 by default).
#
# Both servers run on 127.0.0.1 with the same configuration (TLS with mutual
# authentication, plus a plain port, save ""), and the same redis-benchmark
# drives them, alternating which one goes first in each round. Measured:
#   - SET and GET, 50 clients, pipeline 1 and pipeline 16
#   - SET and GET of 4 KB values (-d 4096), pipeline 16
#   - a new connection per request (-k 0): handshake cost with an RSA and
#     with an ECDSA P-256 certificate
#   - resident memory per idle TLS client (1,000 clients held open)
# With --plain, the same figures without TLS are added for comparison.
#
# On a small machine requests per second is a whole-box figure (client and
# server share the cores) and noisy, so the figure to judge by is the
# server's own CPU time per request or per handshake: the nanosecond
# run time of all its threads (/proc/PID/task/*/schedstat), or utime +
# stime from /proc/PID/stat (10 ms ticks) where schedstat is missing. The report gives medians over the rounds and the ratio
# ours/reference (below 1.00 means we spend less).
#
# Usage: utils/tls-bench.sh [options]
#   --rounds N        rounds of A/B runs (default 3)
#   --requests N      requests per throughput run (default 100000)
#   --handshakes N    connections per handshake run (default 5000)
#   --idle N          idle clients for the memory figure (default 1000)
#   --quick           1 round, 20000 requests, 1000 handshakes
#   --plain           also measure without TLS
#   --memory-only     only the idle-client memory figures
#   --ours PATH       our server binary (default src/redis-server)
#   --ref PATH        reference server (default /usr/bin/redis-server)
#   --benchmark PATH  redis-benchmark to use (default /usr/bin/redis-benchmark)
#   --certs DIR       RSA certificates (ca.crt server.crt server.key
#                     client.crt client.key); default: made with
#                     utils/gen-test-certs.sh in a temporary folder
#   --ecdsa-certs DIR the same with ECDSA keys (default: KEY_TYPE=ecdsa
#                     utils/gen-test-certs.sh)
#   --auth-clients V  tls-auth-clients for both servers: yes (default, mutual
#                     TLS, the client sends its certificate) or no
#   --base-port N     first of the 4 ports used (default 7800)
#   --out FILE        report file (default /tmp/tls-bench-<time>.txt); the
#                     raw per-run figures go to FILE.raw
#   --report FILE.raw only print the table again from an earlier raw file
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

rounds=3
requests=100000
handshakes=5000
idle=1000
plain=0
memory_only=0
ours="$root/src/redis-server"
ref=/usr/bin/redis-server
bench=/usr/bin/redis-benchmark
rsa_certs=""
ecdsa_certs=""
base_port=7800
auth_clients=yes
out=""
report_only=""

usage() {
    sed -n '/^# Usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit "${1:-0}"
}

die() {
    echo "tls-bench: $*" >&2
    exit 1
}

# print_report <raw file>: the table of medians and ratios from the raw
# per-run figures (server, test, metric, value; tab-separated).
print_report() {
    awk -F'\t' '
        function median(list,    n, a, i, j, t) {
            n = split(list, a, " ")
            for (i = 2; i <= n; i++)
                for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
                    t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
                }
            if (n % 2) return a[(n + 1) / 2]
            return (a[n / 2] + a[n / 2 + 1]) / 2
        }
        {
            key = $2 SUBSEP $3
            if (!(key in seen)) { seen[key] = 1; keys[++nkeys] = key }
            vals[$1, key] = vals[$1, key] " " $4
            if (++count[$1, key] > rounds) rounds = count[$1, key]
        }
        END {
            unit["cpu_us"] = "server CPU us/op"
            unit["rps"] = "requests/s"
            unit["kb_per_client"] = "KB RSS/client"
            printf "\n%-22s %-17s %12s %12s %9s\n", "test", "figure", "ours", "reference", "ours/ref"
            for (k = 1; k <= nkeys; k++) {
                split(keys[k], p, SUBSEP)
                o = median(vals["ours", keys[k]])
                f = median(vals["ref", keys[k]])
                ratio = (f + 0 != 0) ? sprintf("%.2f", o / f) : "-"
                printf "%-22s %-17s %12.2f %12.2f %9s\n", p[1], unit[p[2]], o, f, ratio
            }
            print "\nCPU us/op is per request, or per connection for the connect rows" \
                " (handshake plus one PING); medians of " rounds " round(s)."
        }' "$1"
}

need_num() {
    [[ "$2" =~ ^[1-9][0-9]*$ ]] || die "$1 needs a positive number, got '$2'"
}

while [ $# -gt 0 ]; do
    case "$1" in
    --rounds) need_num "$1" "${2:-}"; rounds="$2"; shift 2 ;;
    --requests) need_num "$1" "${2:-}"; requests="$2"; shift 2 ;;
    --handshakes) need_num "$1" "${2:-}"; handshakes="$2"; shift 2 ;;
    --idle) need_num "$1" "${2:-}"; idle="$2"; shift 2 ;;
    --quick) rounds=1; requests=20000; handshakes=1000; shift ;;
    --plain) plain=1; shift ;;
    --memory-only) memory_only=1; shift ;;
    --ours) ours="${2:?}"; shift 2 ;;
    --ref) ref="${2:?}"; shift 2 ;;
    --benchmark) bench="${2:?}"; shift 2 ;;
    --certs) rsa_certs="${2:?}"; shift 2 ;;
    --ecdsa-certs) ecdsa_certs="${2:?}"; shift 2 ;;
    --auth-clients)
        case "${2:-}" in yes | no) ;; *) die "--auth-clients takes yes or no" ;; esac
        auth_clients="$2"; shift 2 ;;
    --base-port) need_num "$1" "${2:-}"; base_port="$2"; shift 2 ;;
    --out) out="${2:?}"; shift 2 ;;
    --report) report_only="${2:?}"; shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "tls-bench: unknown option $1" >&2; usage 2 ;;
    esac
done

if [ -n "$report_only" ]; then
    [ -r "$report_only" ] || die "cannot read $report_only"
    print_report "$report_only"
    exit 0
fi

[ -x "$ours" ] || die "our server $ours is missing: build it (make BUILD_TLS=yes) or pass --ours"
[ -x "$ref" ] || die "reference server $ref is missing (apt-get install redis-server) or pass --ref"
[ -x "$bench" ] || die "$bench is missing (apt-get install redis-tools) or pass --benchmark"
command -v python3 >/dev/null || die "python3 is needed for the idle-client helper"
command -v redis-cli >/dev/null || die "redis-cli is needed (apt-get install redis-tools)"

clk_tck="$(getconf CLK_TCK)"
[ -n "$out" ] || out="/tmp/tls-bench-$(date +%Y%m%d-%H%M%S).txt"
mkdir -p "$(dirname "$out")"
raw="$out.raw"
: >"$raw"

work="$(mktemp -d /tmp/tls-bench.XXXXXX)"
running_pids=()

cleanup() {
    local pid
    for pid in "${running_pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${running_pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Idle TLS clients need a descriptor each, on both sides.
need_nofile=$((idle + 256))
soft_nofile="$(ulimit -Sn)"
hard_nofile="$(ulimit -Hn)"
if [ "$soft_nofile" != unlimited ] && [ "$soft_nofile" -lt "$need_nofile" ]; then
    if [ "$hard_nofile" = unlimited ] || [ "$hard_nofile" -ge "$need_nofile" ]; then
        ulimit -Sn "$need_nofile"
    else
        die "open-file limit $hard_nofile is too low for --idle $idle"
    fi
fi

# ---------------------------------------------------------------- certificates
make_certs() { # <dir> <rsa|ecdsa>
    local gen="$root/utils/gen-test-certs.sh" env=()
    [ -x "$gen" ] || die "$gen is missing: pass --certs and --ecdsa-certs"
    [ "$2" = ecdsa ] && env=(KEY_TYPE=ecdsa)
    env "${env[@]}" "$gen" "$1" >"$work/gen-$2.log" 2>&1 ||
        die "gen-test-certs.sh failed, see: $(cat "$work/gen-$2.log")"
}
if [ -z "$rsa_certs" ]; then
    rsa_certs="$work/certs-rsa"
    make_certs "$rsa_certs" rsa
fi
if [ -z "$ecdsa_certs" ]; then
    ecdsa_certs="$work/certs-ecdsa"
    make_certs "$ecdsa_certs" ecdsa
fi
for d in "$rsa_certs" "$ecdsa_certs"; do
    for f in ca.crt server.crt server.key client.crt client.key; do
        [ -r "$d/$f" ] || die "$d/$f is missing"
    done
done
rsa_certs="$(cd "$rsa_certs" && pwd)"
ecdsa_certs="$(cd "$ecdsa_certs" && pwd)"

# ---------------------------------------------------------------- helpers
# The idle-client helper: opens N connections (TLS or plain), sends PING on
# each and waits for +PONG (so the server has finished with the handshake),
# prints "ready N", then holds them until killed or for at most 300 s.
cat >"$work/idle_clients.py" <<'PYEOF'
import socket, ssl, sys, time

def main():
    port, count, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    ctx = None
    if mode == "tls":
        ca, cert, key = sys.argv[4], sys.argv[5], sys.argv[6]
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.load_verify_locations(cafile=ca)
        ctx.load_cert_chain(cert, key)
    held = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        if ctx is not None:
            s = ctx.wrap_socket(s)
        s.sendall(b"*1\r\n$4\r\nPING\r\n")
        reply = b""
        while not reply.endswith(b"\r\n"):
            chunk = s.recv(64)
            if not chunk:
                sys.exit("server closed the connection")
            reply += chunk
        if reply != b"+PONG\r\n":
            sys.exit("unexpected reply %r" % reply)
        held.append(s)
    print("ready %d" % len(held), flush=True)
    time.sleep(300)

main()
PYEOF

now_ms() { date +%s%3N; }

# Prints the server <pid>'s CPU time (user + system, all threads) in
# nanoseconds. schedstat's first field is the run time in ns; a clock tick
# of /proc/PID/stat is 1e9 / CLK_TCK ns, far too coarse for a pipelined run
# of a second or two, so it is only the fallback. In stat the fields are
# counted after the last ')' because the command name may hold spaces.
cpu_ns() {
    local stat total=0 f line
    if [ -r "/proc/$1/schedstat" ]; then
        for f in /proc/"$1"/task/*/schedstat; do
            read -r line <"$f" 2>/dev/null || continue
            total=$((total + ${line%% *}))
        done
        [ "$total" -gt 0 ] && { echo "$total"; return; }
    fi
    stat="$(cat "/proc/$1/stat")" || die "server pid $1 is gone"
    stat="${stat##*) }"
    # shellcheck disable=SC2086
    set -- $stat
    echo $(((${12} + ${13}) * (1000000000 / clk_tck)))
}

rss_kb() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# Arrays describing the two servers: index 0 = ours, 1 = reference.
names=(ours ref)
bins=("$ours" "$ref")
server_pid=(0 0)
plain_port=($((base_port + 1)) $((base_port + 3)))
tls_port=($((base_port + 0)) $((base_port + 2)))

tls_args() { # <certdir>
    echo "--tls --cacert $1/ca.crt --cert $1/client.crt --key $1/client.key"
}

# start_server <index> <certdir>: starts server <index> with the shared
# configuration and waits (up to 20 s) until it answers over TLS.
start_server() {
    local i="$1" certs="$2" name="${names[$1]}" dir conf pid deadline
    dir="$work/$name"
    mkdir -p "$dir"
    conf="$dir/bench.conf"
    cat >"$conf" <<EOF
bind 127.0.0.1
port ${plain_port[$i]}
tls-port ${tls_port[$i]}
tls-cert-file $certs/server.crt
tls-key-file $certs/server.key
tls-ca-cert-file $certs/ca.crt
tls-auth-clients $auth_clients
save ""
dir $dir
logfile $dir/server.log
daemonize no
EOF
    "${bins[$i]}" "$conf" &
    pid=$!
    running_pids+=("$pid")
    server_pid[i]=$pid
    deadline=$(($(now_ms) + 20000))
    # shellcheck disable=SC2046
    until [ "$(redis-cli -h 127.0.0.1 -p "${tls_port[$i]}" $(tls_args "$certs") \
        ping 2>/dev/null)" = PONG ]; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 20 "$dir/server.log" >&2 || true
            die "$name (${bins[$i]}) exited during start-up"
        fi
        [ "$(now_ms)" -lt "$deadline" ] || die "$name did not answer on TLS port ${tls_port[$i]} within 20 s"
        sleep 0.05
    done
}

stop_server() { # <index>
    local i="$1" pid="${server_pid[$1]}" deadline keep=() p
    [ "$pid" -gt 0 ] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$(($(now_ms) + 10000))
    while kill -0 "$pid" 2>/dev/null && [ "$(now_ms)" -lt "$deadline" ]; do
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    server_pid[i]=0
    for p in "${running_pids[@]}"; do
        [ "$p" = "$pid" ] || keep+=("$p")
    done
    running_pids=("${keep[@]}")
}

# record <server> <test> <metric> <value>
record() {
    printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$raw"
}


# bench_run <index> <test label> <ops> <tls:0|1> <certdir> <benchmark args...>
# Runs redis-benchmark against server <index>, recording server CPU per op
# and requests per second.
bench_run() {
    local i="$1" label="$2" ops="$3" use_tls="$4" certs="$5" pid port t0 t1 csv rps
    shift 5
    pid="${server_pid[$i]}"
    local conn=(-h 127.0.0.1)
    if [ "$use_tls" = 1 ]; then
        port="${tls_port[$i]}"
        # shellcheck disable=SC2207
        conn+=(-p "$port" $(tls_args "$certs"))
    else
        port="${plain_port[$i]}"
        conn+=(-p "$port")
    fi
    t0="$(cpu_ns "$pid")"
    if ! csv="$("$bench" "${conn[@]}" --csv "$@" 2>"$work/bench.err")"; then
        cat "$work/bench.err" >&2
        die "redis-benchmark failed against ${names[$i]}: $*"
    fi
    t1="$(cpu_ns "$pid")"
    rps="$(printf '%s\n' "$csv" | awk -F'"' 'NR == 2 { print $4 }')"
    [ -n "$rps" ] || die "no result from redis-benchmark against ${names[$i]}: $csv"
    record "${names[$i]}" "$label" "cpu_us" \
        "$(awk -v d=$((t1 - t0)) -v n="$ops" 'BEGIN { printf "%.3f", d / 1e3 / n }')"
    record "${names[$i]}" "$label" "rps" "$rps"
}

# idle_run <index> <tls:0|1> <certdir>: RSS growth per idle client.
idle_run() {
    local i="$1" use_tls="$2" certs="$3" pid port before after hpid deadline log label
    pid="${server_pid[$i]}"
    log="$work/idle.out"
    : >"$log"
    if [ "$use_tls" = 1 ]; then
        port="${tls_port[$i]}"
        label="idle tls clients"
        python3 "$work/idle_clients.py" "$port" "$idle" tls \
            "$certs/ca.crt" "$certs/client.crt" "$certs/client.key" >"$log" 2>&1 &
    else
        port="${plain_port[$i]}"
        label="idle plain clients"
        python3 "$work/idle_clients.py" "$port" "$idle" plain >"$log" 2>&1 &
    fi
    hpid=$!
    running_pids+=("$hpid")
    before="$(rss_kb "$pid")"
    deadline=$(($(now_ms) + 120000))
    until grep -q '^ready' "$log"; do
        if ! kill -0 "$hpid" 2>/dev/null; then
            cat "$log" >&2
            die "idle-client helper failed against ${names[$i]}"
        fi
        [ "$(now_ms)" -lt "$deadline" ] || die "idle clients not connected within 120 s"
        sleep 0.05
    done
    after="$(rss_kb "$pid")"
    kill -TERM "$hpid" 2>/dev/null || true
    wait "$hpid" 2>/dev/null || true
    local keep=() p
    for p in "${running_pids[@]}"; do
        [ "$p" = "$hpid" ] || keep+=("$p")
    done
    running_pids=("${keep[@]}")
    record "${names[$i]}" "$label" "kb_per_client" \
        "$(awk -v a="$after" -v b="$before" -v n="$idle" 'BEGIN { printf "%.2f", (a - b) / n }')"
}

# Order of the two servers in round <r>: ours first in odd rounds.
order() {
    if [ $(($1 % 2)) -eq 1 ]; then echo "0 1"; else echo "1 0"; fi
}

# ---------------------------------------------------------------- the runs
{
    echo "tls-bench $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n), $(nproc) CPUs:" \
        "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
    echo "ours:      $ours ($("$ours" --version 2>/dev/null | head -n 1 || echo '?'))"
    echo "reference: $ref ($("$ref" --version 2>/dev/null | head -n 1 || echo '?'))"
    echo "driver:    $bench; rounds $rounds, requests $requests," \
        "handshakes $handshakes, idle clients $idle; CPU from schedstat (ns), else ticks of 1/$clk_tck s"
    echo "config:    bind 127.0.0.1, save \"\", tls-auth-clients $auth_clients;" \
        "redis-benchmark -c 50, ours/reference order alternates by round"
} | tee "$out"

for ((r = 1; r <= rounds; r++)); do
    echo "round $r/$rounds: RSA certificate"
    # shellcheck disable=SC2046
    set -- $(order "$r")
    first="$1"
    second="$2"
    start_server 0 "$rsa_certs"
    start_server 1 "$rsa_certs"

    # Memory first, on fresh servers, so earlier runs' caches do not hide
    # it. The plain figure gets fresh servers of its own: memory freed by
    # the TLS clients is returned to the system a few seconds later (the
    # allocator's decay), which would show up as negative growth.
    for i in "$first" "$second"; do idle_run "$i" 1 "$rsa_certs"; done
    if [ $plain = 1 ]; then
        stop_server 0
        stop_server 1
        start_server 0 "$rsa_certs"
        start_server 1 "$rsa_certs"
        for i in "$first" "$second"; do idle_run "$i" 0 "$rsa_certs"; done
    fi
    if [ $memory_only = 1 ]; then
        stop_server 0
        stop_server 1
        continue
    fi

    modes=(1)
    [ $plain = 1 ] && modes+=(0)
    for m in "${modes[@]}"; do
        if [ "$m" = 1 ]; then tag=tls; else tag=plain; fi
        for spec in "SET P1:set:1:3" "GET P1:get:1:3" "SET P16:set:16:3" \
            "GET P16:get:16:3" "SET 4KB P16:set:16:4096" "GET 4KB P16:get:16:4096"; do
            IFS=: read -r label cmd pipe size <<<"$spec"
            for i in "$first" "$second"; do
                bench_run "$i" "$tag $label" "$requests" "$m" "$rsa_certs" \
                    -c 50 -n "$requests" -P "$pipe" -d "$size" -t "$cmd"
            done
        done
        for i in "$first" "$second"; do
            if [ "$m" = 1 ]; then label="tls connect RSA"; else label="plain connect"; fi
            bench_run "$i" "$label" "$handshakes" "$m" "$rsa_certs" \
                -c 50 -n "$handshakes" -k 0 -t ping_mbulk
        done
    done
    stop_server 0
    stop_server 1

    echo "round $r/$rounds: ECDSA certificate"
    start_server 0 "$ecdsa_certs"
    start_server 1 "$ecdsa_certs"
    for i in "$first" "$second"; do
        bench_run "$i" "tls connect ECDSA" "$handshakes" 1 "$ecdsa_certs" \
            -c 50 -n "$handshakes" -k 0 -t ping_mbulk
    done
    stop_server 0
    stop_server 1
done

# ---------------------------------------------------------------- report
print_report "$raw" | tee -a "$out"

echo "report: $out (raw figures: $raw)"
