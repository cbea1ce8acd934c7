#!/usr/bin/python3
"""utils/bench-timeouts.py: a side-by-side benchmark (not a test) of what
happens to other clients when thousands of blocked clients time out at once.

For each server (ours, src/redis-server, and Debian's Redis 7.0,
/usr/bin/redis-server, started here one after the other with the same
settings on 127.0.0.1): open --clients connections (10,000 by default),
send each `BLPOP <own key> <timeout>` while the server is paused (CLIENT
PAUSE WRITE postpones them), then CLIENT UNPAUSE so that they all block in
one turn and expire at the same moment; meanwhile a separate process
sends PING on its own connection about once a millisecond. Reported, per
server and round:

  - PING latency (max, p99, median) of the pings sent from 200 ms before
    the deadline (and after the server reports all of them blocked) until
    every blocked client has its null reply;
  - how long the expiry took (first to last null reply, seen by the client);
  - the server's CPU time over that window and over the whole block +
    expire cycle: utime + stime from /proc/PID/stat (10 ms ticks) and the
    nanosecond run time of its threads (/proc/PID/task/*/schedstat);
  - the server's idle CPU afterwards, over --idle-seconds, first with the
    clients still connected, then after they closed.

Usage: /usr/bin/python3 utils/bench-timeouts.py [options]
  --clients N        blocked clients (default 10000)
  --timeout S        BLPOP timeout in seconds (default 3); every client
                     must be blocked before it runs out
  --rounds N         rounds per server, alternating the order (default 2)
  --idle-seconds S   idle CPU sampling time (default 3)
  --ours PATH        our server (default src/redis-server)
  --ref PATH         reference (default /usr/bin/redis-server)
  --port N           port for the servers (default 22100)
  --priority N       nice value of the servers and the pinger (e.g. -5 on
                     a busy shared machine, as root; default 0)
  --ref-name NAME    label of the reference (default redis-7.0)
  --only ours|ref    run one server only

The soft limit of open files is raised to the hard limit (at least
--clients + 100 are needed) and maxclients is set to --clients + 100.
Standard library only; run with Debian's /usr/bin/python3.
"""
import argparse
import os
import resource
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import multiprocessing as mp

from respenc import encode

CLK_TCK = os.sysconf("SC_CLK_TCK")
PRIORITY = 0  # --priority


def cpu_seconds(pid):
    """utime + stime of the whole process from /proc/PID/stat (10 ms
    ticks)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # After the command name: state is field 3; utime 14 and stime 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def run_seconds(pid):
    """Run time of all the process's threads in ns precision
    (/proc/PID/task/*/schedstat); falls back to cpu_seconds."""
    total = 0
    try:
        for t in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
                total += int(f.read().split()[0])
    except OSError:
        return cpu_seconds(pid)
    return total / 1e9


def start_server(binary, port, maxclients, workdir):
    args = [binary, "--port", str(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--maxclients", str(maxclients),
            "--dir", workdir, "--logfile", os.path.join(workdir, "log.txt"),
            "--daemonize", "no"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                            preexec_fn=lambda: os.nice(PRIORITY) if PRIORITY else None)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=1)
            s.sendall(encode("PING"))
            if s.recv(64).startswith(b"+PONG"):
                s.close()
                return proc
            s.close()
        except OSError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    proc.kill()
    raise RuntimeError("%s did not start on port %d" % (binary, port))


def pinger(port, stop_at, conn):
    """Child process: PING about every millisecond until <stop_at>
    (time.time()), sending back (send time, latency) pairs."""
    if PRIORITY:
        os.nice(PRIORITY)
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    ping = encode("PING")
    samples = []
    while time.time() < stop_at.value:
        t0 = time.perf_counter()
        wall = time.time()
        s.sendall(ping)
        buf = b""
        while not buf.endswith(b"\r\n"):
            data = s.recv(64)
            if not data:
                conn.send(samples)
                return
            buf += data
        samples.append((wall, time.perf_counter() - t0))
        # One PING per millisecond or so: fine enough to see a stall,
        # light enough not to dominate the server's CPU figures.
        time.sleep(0.001)
    s.close()
    conn.send(samples)
    conn.close()


def connect_many(port, n):
    socks = []
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.connect(("127.0.0.1", port))
        socks.append(s)
        if i % 1000 == 999:
            # Let the server accept them (backlog) before going on.
            probe = socket.create_connection(("127.0.0.1", port))
            probe.sendall(encode("PING"))
            probe.recv(64)
            probe.close()
    return socks


def info_field(sock, field):
    """Asks INFO clients on <sock> and returns the integer <field>."""
    sock.sendall(encode("INFO", "clients"))
    buf = b""
    while True:
        buf += sock.recv(65536)
        if buf.startswith(b"$"):
            head, _, rest = buf.partition(b"\r\n")
            if len(rest) >= int(head[1:]) + 2:
                break
    for line in buf.decode(errors="replace").splitlines():
        if line.startswith(field + ":"):
            return int(line.split(":")[1])
    return -1


def one_round(name, binary, args, workdir):
    n = args.clients
    proc = start_server(binary, args.port, n + 100, workdir)
    pid = proc.pid
    try:
        socks = connect_many(args.port, n)
        # Wait until the server has them all (connected_clients).
        info = socket.create_connection(("127.0.0.1", args.port))
        deadline = time.time() + 60
        while info_field(info, "connected_clients") < n + 1:
            if time.time() > deadline:
                raise RuntimeError("the server did not accept every client")
            time.sleep(0.05)
        info.close()

        cpu_before_block = cpu_seconds(pid)
        run_before_block = run_seconds(pid)
        # CLIENT PAUSE WRITE holds every BLPOP back (both servers postpone
        # them); CLIENT UNPAUSE then runs them all in one event-loop turn,
        # so their deadlines fall within a few milliseconds of each other
        # instead of being spread over the time it takes to send them.
        ctl = socket.create_connection(("127.0.0.1", args.port))
        ctl.sendall(encode("CLIENT", "PAUSE", "60000", "WRITE"))
        if not ctl.recv(64).startswith(b"+OK"):
            raise RuntimeError("CLIENT PAUSE failed")
        t_send = time.time()
        for i, s in enumerate(socks):
            s.sendall(encode("BLPOP", "bt:%d" % i, args.timeout))
        time.sleep(0.5)  # let the server read them (postponed)
        ctl.sendall(encode("CLIENT", "UNPAUSE"))
        if not ctl.recv(64).startswith(b"+OK"):
            raise RuntimeError("CLIENT UNPAUSE failed")
        ctl.close()
        t_sent = time.time()
        deadline_first = t_sent - 0.005 + args.timeout

        stop_at = mp.Value("d", t_sent + args.timeout + 60)
        parent_end, child_end = mp.Pipe()
        p = mp.Process(target=pinger, args=(args.port, stop_at, child_end),
                       daemon=True)
        p.start()

        # Wait until the server has parked them all: the window measures
        # the time-outs, not the arrival of 10,000 BLPOPs.
        info = socket.create_connection(("127.0.0.1", args.port))
        while info_field(info, "blocked_clients") < n:
            if time.time() > deadline_first - 0.05:
                raise RuntimeError("not all clients blocked before the "
                                   "deadline: raise --timeout")
            time.sleep(0.01)
        info.close()
        t_blocked = time.time()
        # Sample the CPU just before the deadline.
        while time.time() < deadline_first - 0.2:
            time.sleep(0.01)
        cpu_before = cpu_seconds(pid)
        run_before = run_seconds(pid)
        t_window = time.time()

        sel = selectors.DefaultSelector()
        for s in socks:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, [b""])
        left = n
        first = last = None
        bad = 0
        while left > 0:
            if time.time() > deadline_first + 120:
                raise RuntimeError("%d clients never got their reply" % left)
            for key, _ in sel.select(timeout=1):
                data = key.fileobj.recv(4096)
                key.data[0] += data
                if key.data[0].endswith(b"\r\n"):
                    now = time.time()
                    if first is None:
                        first = now
                    last = now
                    if key.data[0] not in (b"*-1\r\n", b"_\r\n"):
                        bad += 1
                    sel.unregister(key.fileobj)
                    left -= 1
        cpu_after = cpu_seconds(pid)
        run_after = run_seconds(pid)
        stop_at.value = time.time() + 0.2
        samples = parent_end.recv()
        p.join()

        window = [lat for (w, lat) in samples if t_window <= w <= last + 0.2]
        window.sort()
        res = {
            "pings": len(window),
            "max_ms": window[-1] * 1000 if window else float("nan"),
            "p99_ms": window[int(len(window) * 0.99)] * 1000 if window else float("nan"),
            "p50_ms": window[len(window) // 2] * 1000 if window else float("nan"),
            "expiry_ms": (last - first) * 1000,
            "late_ms": (first - deadline_first) * 1000,
            "cpu_window_ms": (cpu_after - cpu_before) * 1000,
            "cpu_cycle_ms": (cpu_after - cpu_before_block) * 1000,
            "run_window_ms": (run_after - run_before) * 1000,
            "run_cycle_ms": (run_after - run_before_block) * 1000,
            "bad": bad,
            "block_ms": (t_blocked - t_sent) * 1000,
        }
        # Idle CPU with the clients connected, then without them.
        time.sleep(0.5)
        c0 = cpu_seconds(pid)
        time.sleep(args.idle_seconds)
        res["idle_conn_pct"] = (cpu_seconds(pid) - c0) / args.idle_seconds * 100
        for s in socks:
            s.close()
        time.sleep(1.0)
        c0 = cpu_seconds(pid)
        time.sleep(args.idle_seconds)
        res["idle_pct"] = (cpu_seconds(pid) - c0) / args.idle_seconds * 100
        return res
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=10000)
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--priority", type=int, default=0,
                    help="nice value for the servers and the pinger "
                         "(negative needs root)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--idle-seconds", type=float, default=3.0)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--ours", default=os.path.join(root, "src", "redis-server"))
    ap.add_argument("--ref", default="/usr/bin/redis-server")
    ap.add_argument("--port", type=int, default=22100)
    ap.add_argument("--ref-name", default="redis-7.0",
                    help="label of the reference in the report")
    ap.add_argument("--only", choices=["ours", "ref"])
    args = ap.parse_args()
    global PRIORITY
    PRIORITY = args.priority

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = args.clients + 200
    if hard != resource.RLIM_INFINITY and hard < need:
        sys.exit("need %d open files, the hard limit is %d" % (need, hard))
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, need) if hard ==
                       resource.RLIM_INFINITY else hard, hard))

    servers = [("ours", args.ours), (args.ref_name, args.ref)]
    if args.only == "ours":
        servers = servers[:1]
    elif args.only == "ref":
        servers = servers[1:]
    results = {name: [] for name, _ in servers}
    for r in range(args.rounds):
        order = servers if r % 2 == 0 else list(reversed(servers))
        for name, binary in order:
            workdir = tempfile.mkdtemp(prefix="bench-timeouts-")
            try:
                res = one_round(name, binary, args, workdir)
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
            results[name].append(res)
            print("round %d %-9s pings %5d  PING max %7.2f ms  p99 %6.2f ms  "
                  "p50 %5.2f ms | expiry %6.1f ms (first reply %+6.1f ms "
                  "after the deadline; all blocked %.0f ms after CLIENT UNPAUSE) | CPU window %5d ms, cycle %5d ms "
                  "(schedstat %.1f / %.1f ms) | "
                  "idle CPU %.1f%% connected, %.1f%% after close%s" % (
                      r + 1, name, res["pings"], res["max_ms"], res["p99_ms"],
                      res["p50_ms"], res["expiry_ms"], res["late_ms"], res["block_ms"],
                      res["cpu_window_ms"], res["cpu_cycle_ms"],
                      res["run_window_ms"], res["run_cycle_ms"],
                      res["idle_conn_pct"], res["idle_pct"],
                      "  (%d non-null replies!)" % res["bad"] if res["bad"] else ""),
                  flush=True)
    print()
    print("%d clients, BLPOP timeout %.1f s, %d round(s); medians:" %
          (args.clients, args.timeout, args.rounds))
    for name, rs in results.items():
        def med(k):
            v = sorted(x[k] for x in rs)
            return v[len(v) // 2]
        print("  %-9s PING max %7.2f ms  p99 %6.2f ms  p50 %5.2f ms | "
              "expiry %6.1f ms | CPU window %5d ms (schedstat %.1f ms), "
              "block+expire cycle %.1f ms | idle CPU %.1f%% connected, "
              "%.1f%% after close" % (
                  name, med("max_ms"), med("p99_ms"), med("p50_ms"),
                  med("expiry_ms"), med("cpu_window_ms"),
                  med("run_window_ms"), med("run_cycle_ms"),
                  med("idle_conn_pct"), med("idle_pct")))


if __name__ == "__main__":
    main()
