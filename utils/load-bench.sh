#!/usr/bin/env bash
# load-bench.sh -- start-up load of one RDB file by our server and by the
# reference (Debian's Redis 7.0), alternated: how long the load takes,
# the server's CPU time for it, and how a client that connects at once is
# served meanwhile (PING, answered -LOADING by both, sent one after the
# other: the p50/p99/max time to an answer while the load runs).
#
# Usage: utils/load-bench.sh [--keys N] [--rounds N] [--ours PATH]
#                            [--ref PATH] [--port N]
#   --keys N    keys of the dataset (DEBUG POPULATE, 100-byte values, and a
#               200,000-field hash), default 3000000
#   --rounds N  loads by each server, alternated (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
keys=3000000 rounds=3 ours=src/redis-server ref=/usr/bin/redis-server port=23970
while [ $# -gt 0 ]; do
    case "$1" in
    --keys) keys="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --ours) ours="$2"; shift 2 ;;
    --ref) ref="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
dir=$(mktemp -d /tmp/load-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT

# The dataset, written once by the reference (the same file for both).
"$ref" --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' \
    --enable-debug-command yes --logfile "$dir/make.log" &
mk=$!
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.05; done
redis-cli -p "$port" debug populate "$keys" key 100 >/dev/null
for i in $(seq 0 9); do
    seq $((i * 20000)) $((i * 20000 + 19999)) |
        awk '{printf "f%s v%s ", $1, $1}' |
        xargs redis-cli -p "$port" hset bighash >/dev/null
done
redis-cli -p "$port" save >/dev/null
redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
wait "$mk" || true
echo "RDB file: $(stat -c %s "$dir/dump.rdb") bytes, $((keys + 1)) keys"

# One load by <bin>: prints "<load s> <cpu s> <p50 ms> <p99 ms> <max ms> <n>".
load_once() {
    /usr/bin/python3 - "$1" "$port" "$dir" <<'EOF'
import os, socket, subprocess, sys, time
bin_, port, d = sys.argv[1], int(sys.argv[2]), sys.argv[3]
log = os.path.join(d, "load.log")
if os.path.exists(log):
    os.unlink(log)
p = subprocess.Popen([bin_, "--port", str(port), "--bind", "127.0.0.1",
                      "--dir", d, "--save", "", "--logfile", log])
t0 = time.time()
while True:
    try:
        s = socket.create_connection(("127.0.0.1", port))
        break
    except OSError:
        time.sleep(0.001)
s.settimeout(30)
lat = []
while True:
    a = time.time()
    s.sendall(b"PING\r\n")
    r = s.recv(1024)
    if r.startswith(b"+PONG"):
        break
    lat.append((time.time() - a) * 1000)
text = open(log).read()
while "DB loaded from disk" not in text:
    time.sleep(0.01)
    text = open(log).read()
load = float(text.split("DB loaded from disk: ")[1].split()[0])
with open("/proc/%d/stat" % p.pid) as f:
    fields = f.read().rsplit(")", 1)[1].split()
cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
p.terminate()
p.wait()
lat.sort()
n = len(lat)
if n == 0:
    print("%.3f %.2f - - - 0" % (load, cpu))
else:
    print("%.3f %.2f %.3f %.3f %.3f %d" % (load, cpu, lat[n // 2],
          lat[min(n - 1, int(n * 0.99))], lat[-1], n))
EOF
}

: > "$dir/ours" && : > "$dir/ref"
for r in $(seq 1 "$rounds"); do
    if [ $((r % 2)) -eq 1 ]; then order="ours ref"; else order="ref ours"; fi
    for who in $order; do
        bin=$ours
        [ "$who" = ref ] && bin=$ref
        line=$(load_once "$bin")
        echo "$line" >> "$dir/$who"
        read -r l c p50 p99 mx n <<< "$line"
        printf "%-5s load %7.3f s  CPU %6.2f s  PING while loading: p50 %7s  p99 %7s  max %8s ms  (%s answers)\n" \
            "$who" "$l" "$c" "$p50" "$p99" "$mx" "$n"
    done
done
med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
echo "medians over $rounds rounds:"
for who in ours ref; do
    printf "%-5s load %s s  CPU %s s  PING p99 %s ms  max %s ms\n" "$who" \
        "$(cut -d' ' -f1 "$dir/$who" | med)" "$(cut -d' ' -f2 "$dir/$who" | med)" \
        "$(cut -d' ' -f4 "$dir/$who" | med)" "$(cut -d' ' -f5 "$dir/$who" | med)"
done
