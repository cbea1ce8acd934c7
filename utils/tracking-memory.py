#!/usr/bin/python3
"""tracking-memory.py: memory of the client-side caching table, ours against
Debian's Redis 7.0 side by side.

Starts both servers on 127.0.0.1 (ports PORT and PORT+1, default 24010),
connects one RESP3 client with CLIENT TRACKING on to each, has it read N
keys (default 1,000,000, "user:<n>", with MGET in batches of 1000; the keys
need not exist) and reports used_memory before and after, per tracked key.
With --clients 2 a second tracking client reads the same keys (the cost of
a second reader per key). Stops the servers it started, by PID.

  utils/tracking-memory.py [--keys N] [--clients K] [--port P]
"""
import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time

from respenc import encode

HERE = os.path.dirname(os.path.abspath(__file__))
OURS = os.path.join(HERE, "..", "src", "redis-server")
REDIS = "/usr/bin/redis-server"


class Conn:
    """A minimal RESP client: enough to send commands and skip replies."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            data = self.s.recv(1 << 20)
            if not data:
                raise EOFError("server closed the connection")
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _need(self, n):
        while len(self.buf) < n:
            data = self.s.recv(1 << 20)
            if not data:
                raise EOFError("server closed the connection")
            self.buf += data

    def reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t in (b"$", b"=", b"!"):
            n = int(rest)
            if n < 0:
                return None
            self._need(n + 2)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if t in (b"*", b"~", b">", b"%"):
            n = int(rest)
            if n < 0:
                return None
            if t == b"%":
                n *= 2
            return [self.reply() for _ in range(n)]
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b"_":
            return None
        return rest

    def call(self, *args):
        self.s.sendall(encode(*args))
        return self.reply()


def start(binary, port, workdir):
    d = os.path.join(workdir, str(port))
    os.makedirs(d, exist_ok=True)
    p = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                          "--save", "", "--appendonly", "no", "--dir", d,
                          "--logfile", os.path.join(d, "log"),
                          "--tracking-table-max-keys", "0"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            c = Conn(port)
            if c.call("PING") == b"PONG":
                return p, c
        except OSError:
            time.sleep(0.05)
    p.kill()
    raise SystemExit("server %s did not start on port %d" % (binary, port))


def used_memory(c):
    info = c.call("INFO", "memory").decode()
    for line in info.split("\r\n"):
        if line.startswith("used_memory:"):
            return int(line.split(":")[1])
    raise RuntimeError("no used_memory")


def measure(name, binary, port, nkeys, nclients, workdir):
    proc, admin = start(binary, port, workdir)
    try:
        trackers = []
        for _ in range(nclients):
            t = Conn(port)
            t.call("HELLO", "3")
            t.call("CLIENT", "TRACKING", "on")
            trackers.append(t)
        before = used_memory(admin)
        batch = 1000
        for t in trackers:
            for start_i in range(0, nkeys, batch):
                keys = ["user:%d" % i
                        for i in range(start_i, min(nkeys, start_i + batch))]
                t.s.sendall(encode("MGET", *keys))
                t.reply()
        after = used_memory(admin)
        info = admin.call("INFO", "stats").decode()
        fields = dict(l.split(":", 1) for l in info.split("\r\n")
                      if l.startswith("tracking_total"))
        return before, after, fields
    finally:
        proc.terminate()
        proc.wait(10)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keys", type=int, default=1000000)
    ap.add_argument("--clients", type=int, default=1)
    ap.add_argument("--port", type=int, default=24010)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="tracking-memory.") as w:
        rows = []
        for name, binary, port in (("ours", OURS, a.port),
                                   ("redis 7.0", REDIS, a.port + 1)):
            if not os.access(binary, os.X_OK):
                print("%s: %s not found, skipped" % (name, binary))
                continue
            before, after, fields = measure(name, binary, port, a.keys,
                                            a.clients, w)
            rows.append((name, before, after, fields))
    print("%d keys, %d tracking client(s) reading each" % (a.keys, a.clients))
    for name, before, after, fields in rows:
        delta = after - before
        print("%-10s table: %7.1f MB  (%.1f bytes per key)  %s" % (
            name, delta / 1e6, delta / a.keys,
            " ".join("%s=%s" % kv for kv in sorted(fields.items()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
