#!/usr/bin/python3
"""lazyfree-bench: how long deleting a huge set blocks the event loop.

For each server (ours: src/redis-server; the reference: Debian's
/usr/bin/redis-server) and each command (UNLINK, DEL), the script starts a
fresh server on 127.0.0.1, fills one set with --members members (10
million by default) through a Lua loop, then deletes it while a second
client sends PING after PING. It reports:

  cmd ms      how long the UNLINK/DEL call took, as the deleting client
              saw it (the event loop is blocked at least that long);
  worst ping  the slowest PING round trip while the deletion ran;
  idle ping   the slowest PING round trip in the second before it (what
              the machine's load alone costs: a busy 2-core box can keep
              a process off the CPU for hundreds of milliseconds);
  freed ms    for UNLINK, until lazyfree_pending_objects was back to 0,
              i.e. until the background thread had freed the set.

Usage:
  utils/lazyfree-bench.py [--members N] [--rounds R] [--port-base P]
                          [--ours PATH] [--reference PATH]
                          [--commands UNLINK,DEL]

The machine's cores are shared with the servers, so single figures are
noisy; the table gives the median over the rounds. Every server is
started and stopped by the script; nothing else is touched.
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from respenc import encode

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


class Conn:
    """A minimal RESP2 client: one request, one reply."""

    def __init__(self, port, timeout=600):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.f = self.s.makefile("rb")

    def call(self, *args):
        self.s.sendall(encode(*args))
        return self.read()

    def read(self):
        line = self.f.readline()
        if not line:
            raise ConnectionError("connection closed")
        t, rest = line[:1], line[1:-2]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.f.read(n + 2)
            return data[:-2].decode(errors="replace")
        if t == b"*":
            n = int(rest)
            return [self.read() for _ in range(max(n, 0))]
        raise RuntimeError("bad reply %r" % line)

    def close(self):
        self.s.close()


def info_field(conn, name):
    for line in conn.call("INFO").splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    return None


def start_server(binary, port, workdir):
    log = open(os.path.join(workdir, "server-%d.log" % port), "w")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", workdir, "--daemonize", "no",
         "--lua-time-limit", "600000", "--busy-reply-threshold", "600000"],
        stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            c = Conn(port, timeout=5)
            if c.call("PING") == "PONG":
                c.s.settimeout(600)
                return proc, c
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("server %s did not start on port %d" % (binary, port))


FILL = """
local n = tonumber(ARGV[1])
for i = 1, n, 1000 do
  local t = {}
  for j = i, math.min(i + 999, n) do t[#t + 1] = 'member:' .. j end
  redis.call('SADD', KEYS[1], unpack(t))
end
return redis.call('SCARD', KEYS[1])
"""


def pinger(port, stop, started, lat):
    c = Conn(port)
    started.set()
    while not stop.is_set():
        t0 = time.perf_counter()
        c.call("PING")
        lat.append(time.perf_counter() - t0)
    c.close()


def one_run(binary, port, members, command, workdir):
    proc, c = start_server(binary, port, workdir)
    try:
        # Some servers refuse multi-argument SADD inside scripts beyond
        # LUAI_MAXCSTACK arguments; 1000 per call stays well below.
        n = c.call("EVAL", FILL, 1, "bigset", members)
        if n != members:
            raise RuntimeError("set has %s members, expected %d" % (n, members))
        time.sleep(0.5)  # let the fill's client buffers settle
        lat = []
        stop, started = threading.Event(), threading.Event()
        th = threading.Thread(target=pinger, args=(port, stop, started, lat))
        th.start()
        started.wait()
        time.sleep(1.0)
        base = len(lat)
        idle_ms = max(lat[:base]) * 1000 if base else float("nan")
        t0 = time.perf_counter()
        r = c.call(command, "bigset")
        cmd_ms = (time.perf_counter() - t0) * 1000
        if r != 1:
            raise RuntimeError("%s returned %r" % (command, r))
        freed_ms = None
        if command == "UNLINK":
            while True:
                pending = info_field(c, "lazyfree_pending_objects")
                if pending is None or int(pending) == 0:
                    break
                time.sleep(0.002)
            freed_ms = (time.perf_counter() - t0) * 1000
        time.sleep(0.3)
        stop.set()
        th.join()
        window = lat[max(base - 1, 0):]
        worst_ms = max(window) * 1000 if window else float("nan")
        return cmd_ms, worst_ms, freed_ms, idle_ms
    finally:
        try:
            c.call("SHUTDOWN", "NOSAVE")
        except Exception:
            pass
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--members", type=int, default=10_000_000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--port-base", type=int, default=27400)
    ap.add_argument("--ours", default=os.path.join(ROOT, "src", "redis-server"))
    ap.add_argument("--reference", default="/usr/bin/redis-server")
    ap.add_argument("--commands", default="UNLINK,DEL",
                    help="comma-separated subset of UNLINK,DEL")
    a = ap.parse_args()
    commands = [c.strip().upper() for c in a.commands.split(",") if c.strip()]
    if not commands or any(c not in ("UNLINK", "DEL") for c in commands):
        sys.exit("--commands takes UNLINK and/or DEL")
    servers = [("ours", a.ours), ("redis 7.0", a.reference)]
    for _, b in servers:
        if not os.access(b, os.X_OK):
            sys.exit("not executable: %s" % b)
    workdir = tempfile.mkdtemp(prefix="lazyfree-bench-")
    results = {}
    port = a.port_base
    for rnd in range(a.rounds):
        for name, binary in (servers if rnd % 2 == 0 else servers[::-1]):
            for command in commands:
                r = one_run(binary, port, a.members, command, workdir)
                port += 1
                results.setdefault((name, command), []).append(r)
                print("round %d %-9s %-6s cmd %9.3f ms  worst ping %9.3f ms"
                      "  idle ping %7.3f ms%s"
                      % (rnd + 1, name, command, r[0], r[1], r[3],
                         "" if r[2] is None else "  freed after %.0f ms" % r[2]),
                      flush=True)
    print()
    print("%d-member set, median of %d rounds" % (a.members, a.rounds))
    print("| server | command | command time (ms) | worst PING (ms) | worst PING before (ms) | freed after (ms) |")
    print("|---|---|---|---|---|---|")
    for name, _ in servers:
        for command in commands:
            rs = results[(name, command)]
            cmd = statistics.median(r[0] for r in rs)
            worst = statistics.median(r[1] for r in rs)
            idle = statistics.median(r[3] for r in rs)
            freed = [r[2] for r in rs if r[2] is not None]
            print("| %s | %s | %.3f | %.3f | %.3f | %s |"
                  % (name, command, cmd, worst, idle,
                     "%.0f" % statistics.median(freed) if freed else "-"))


if __name__ == "__main__":
    main()
