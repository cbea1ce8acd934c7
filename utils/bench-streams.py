#!/usr/bin/env python3
"""bench-streams.py: server CPU and memory of stream workloads.

Starts each given server binary on 127.0.0.1 (no persistence), runs the
same workloads against it over pipelined plain connections, and reports
the server's own CPU time (user + system, from /proc/<pid>/stat) for each
workload and the memory (INFO used_memory) that the stream takes:

  xadd      N x  XADD s * f1 <v> f2 <v>   (pipelined by 500)
  xrange    R x  XRANGE s <random id> + COUNT 100
  xread     XREADGROUP GROUP g c COUNT 100 STREAMS s >  until all N are
            pending (the PEL then holds N entries)
  xack      XACK s g <100 ids> until the PEL is empty

Memory: bytes of used_memory per entry after xadd (the stream) and the
extra bytes per pending entry after xread (the PEL), both x 1M.

Usage: utils/bench-streams.py [--entries N] [--ranges R] [--port P]
                              name=/path/to/redis-server ...
Default servers: ours=src/redis-server and redis7=/usr/bin/redis-server.
Prints one table (Markdown) on stdout. Loopback only; bounded work.
"""
import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import time

from respenc import encode


class Conn:
    """A minimal RESP client: send many commands, skip their replies."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.buf = b""
        self.pos = 0

    def _fill(self):
        data = self.s.recv(1 << 20)
        if not data:
            raise RuntimeError("server closed the connection")
        self.buf = self.buf[self.pos:] + data
        self.pos = 0

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = self.buf[self.pos:i]
                self.pos = i + 2
                return line
            self._fill()

    def _reply(self):
        """Parses one reply into Python values (bytes, int, list)."""
        line = self._line()
        t, rest = line[:1], line[1:]
        if t in (b"+",):
            return rest
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) - self.pos < n + 2:
                self._fill()
            v = self.buf[self.pos:self.pos + n]
            self.pos += n + 2
            return v
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise RuntimeError("unexpected reply %r" % line)

    def pipeline(self, cmds):
        self.s.sendall(b"".join(cmds))
        return [self._reply() for _ in cmds]

    def call(self, *args):
        return self.pipeline([encode(*args)])[0]


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick


def used_memory(c):
    info = c.call("INFO", "memory").decode()
    for line in info.splitlines():
        if line.startswith("used_memory:"):
            return int(line.split(":")[1])
    raise RuntimeError("no used_memory")


def start(binary, port, workdir):
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", workdir, "--daemonize", "no",
            "--logfile", os.path.join(workdir, "server.log")]
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            c = Conn(port)
            if c.call("PING") == b"PONG":
                return p, c
        except (OSError, RuntimeError):
            time.sleep(0.05)
    p.kill()
    raise RuntimeError("%s did not start on port %d" % (binary, port))


def bench(binary, port, n, ranges):
    workdir = tempfile.mkdtemp(prefix="bench-streams-")
    proc, c = start(binary, port, workdir)
    res = {}
    try:
        rnd = random.Random(7)
        base = used_memory(c)
        cpu = cpu_seconds(proc.pid)
        batch = 500
        val = b"v" * 8
        for i in range(0, n, batch):
            c.pipeline([encode("XADD", "s", "*", "f1", val, "f2", str(j))
                        for j in range(i, min(n, i + batch))])
        res["xadd"] = cpu_seconds(proc.pid) - cpu
        res["stream_bytes"] = (used_memory(c) - base) / n
        first = c.call("XRANGE", "s", "-", "+", "COUNT", 1)[0][0]
        last = c.call("XREVRANGE", "s", "+", "-", "COUNT", 1)[0][0]
        fms, lms = int(first.split(b"-")[0]), int(last.split(b"-")[0])
        cpu = cpu_seconds(proc.pid)
        for i in range(0, ranges, 50):
            c.pipeline([encode("XRANGE", "s", rnd.randint(fms, lms), "+",
                               "COUNT", 100) for _ in range(50)])
        res["xrange"] = cpu_seconds(proc.pid) - cpu
        c.call("XGROUP", "CREATE", "s", "g", "0")
        before = used_memory(c)
        cpu = cpu_seconds(proc.pid)
        ids = []
        while len(ids) < n:
            reps = c.pipeline([encode("XREADGROUP", "GROUP", "g", "c",
                                      "COUNT", 100, "STREAMS", "s", ">")
                               for _ in range(20)])
            got = 0
            for r in reps:
                if r:
                    for e in r[0][1]:
                        ids.append(e[0])
                        got += 1
            if got == 0:
                break
        res["xread"] = cpu_seconds(proc.pid) - cpu
        res["pel_bytes"] = (used_memory(c) - before) / max(1, len(ids))
        cpu = cpu_seconds(proc.pid)
        for i in range(0, len(ids), 2000):
            chunk = ids[i:i + 2000]
            c.pipeline([encode("XACK", "s", "g", *chunk[k:k + 100])
                        for k in range(0, len(chunk), 100)])
        res["xack"] = cpu_seconds(proc.pid) - cpu
        pending = c.call("XPENDING", "s", "g")[0]
        if pending != 0:
            raise RuntimeError("%d entries still pending" % pending)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--entries", type=int, default=1000000)
    ap.add_argument("--ranges", type=int, default=20000)
    ap.add_argument("--port", type=int, default=28590)
    ap.add_argument("servers", nargs="*")
    a = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    servers = a.servers or ["ours=" + os.path.join(root, "src", "redis-server"),
                            "redis7=/usr/bin/redis-server"]
    rows = []
    for i, spec in enumerate(servers):
        name, _, binary = spec.partition("=")
        r = bench(binary, a.port + i, a.entries, a.ranges)
        rows.append((name, r))
        print("# %s done" % name, file=sys.stderr)
    scale = 1000000 / a.entries
    print("| server | XADD CPU s | XRANGE CPU s | XREADGROUP CPU s | XACK CPU s "
          "| stream MB per 1M entries | PEL MB per 1M pending |")
    print("|---|---|---|---|---|---|---|")
    for name, r in rows:
        print("| %s | %.2f | %.2f | %.2f | %.2f | %.1f | %.1f |" % (
            name, r["xadd"] * scale, r["xrange"], r["xread"] * scale,
            r["xack"] * scale, r["stream_bytes"] * 1e6 / 2**20,
            r["pel_bytes"] * 1e6 / 2**20))
    print("\n%d entries (CPU of XADD, XREADGROUP and XACK scaled to 1M), "
          "%d XRANGE calls of COUNT 100." % (a.entries, a.ranges))


if __name__ == "__main__":
    main()
