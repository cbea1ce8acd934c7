#!/usr/bin/env python3
"""restore_fuzz.py: mutated DUMP payloads of streams and HyperLogLogs sent
with RESTORE; the server must refuse them or hold a usable value, and never
crash or hang.

The seeds are DUMP payloads the server makes itself of streams (one and
several listpack nodes, tombstones, consumer groups with pending entries
and idle consumers, an empty stream with a group) and of HyperLogLogs
(sparse, dense, empty). Each case mutates one seed (bit flips, random
bytes, small integers, truncation, insertion, deletion, duplicated
chunks), re-seals it with a valid RDB 10 footer (version and CRC-64) so
that the loader itself is exercised, sends RESTORE ... REPLACE, and, when
the value was accepted, runs the commands of its type on it (ranges,
XINFO, group commands, XADD, trimming, DUMP and RESTORE again; PFCOUNT,
PFADD, PFMERGE, PFDEBUG, GET). Every 50 cases and at the end the server
must answer PING.

Usage: tests/fuzz/restore_fuzz.py [--host 127.0.0.1] --port P [--cases N]
       [--seed S] [--tls --cacert F --cert F --key F] [--out DIR]
       [--server BINARY]   start BINARY on P (no persistence) and stop it
Exit 0 when the server stayed up; 1 with the payload that killed it
written to DIR (default /tmp) as restore-crash-<case>.bin.
Loopback only; the number of cases bounds the run.
"""
import argparse
import os
import random
import socket
import ssl
import subprocess
import sys
import tempfile
import time

CRC_POLY = 0x95AC9329AC4BC9B5  # CRC-64/Jones, reflected (as RDB uses it)
_crc_table = []


def crc64(data):
    if not _crc_table:
        for n in range(256):
            c = n
            for _ in range(8):
                c = (c >> 1) ^ CRC_POLY if c & 1 else c >> 1
            _crc_table.append(c)
    crc = 0
    for b in data:
        crc = _crc_table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def seal(body):
    """<body> (type byte + value) with an RDB 10 DUMP footer."""
    data = body + (10).to_bytes(2, "little")
    return data + crc64(data).to_bytes(8, "little")


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if not isinstance(a, bytes):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class ServerGone(Exception):
    pass


class Conn:
    def __init__(self, a):
        s = socket.create_connection((a.host, a.port), timeout=a.timeout)
        if a.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.load_verify_locations(a.cacert)
            if a.cert:
                ctx.load_cert_chain(a.cert, a.key)
            s = ctx.wrap_socket(s)
        self.s = s
        self.buf = b""

    def _fill(self):
        try:
            d = self.s.recv(1 << 16)
        except (socket.timeout, OSError) as e:
            raise ServerGone(str(e))
        if not d:
            raise ServerGone("connection closed")
        self.buf += d

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t in (b"+", b"-"):
            return (t, rest)
        if t == b":":
            return int(rest)
        if t in (b"$", b"="):
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            v, self.buf = self.buf[:n], self.buf[n + 2:]
            return v
        if t in (b"*", b"~", b">"):
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        if t == b"%":
            return [self._reply() for _ in range(2 * int(rest))]
        if t == b"_":
            return None
        if t in (b",", b"#", b"("):
            return rest
        raise ServerGone("unexpected reply %r" % line[:40])

    def call(self, *args):
        try:
            self.s.sendall(encode(*args))
        except OSError as e:
            raise ServerGone(str(e))
        return self._reply()


def is_err(r):
    return isinstance(r, tuple) and r[0] == b"-"


def make_seeds(c):
    """DUMP payloads (bodies without footer) made by the server itself."""
    c.call("FLUSHALL")
    c.call("CONFIG", "SET", "stream-node-max-entries", "5")
    for i in range(1, 23):
        c.call("XADD", "s1", "%d-%d" % (i, i % 3), "f", str(i), "g", "x" * (i % 7))
    c.call("XADD", "s1", "30-0", "other", "fields", "n", "-12345")
    c.call("XDEL", "s1", "4-1", "9-0")
    c.call("XGROUP", "CREATE", "s1", "g1", "0")
    c.call("XGROUP", "CREATE", "s1", "g2", "$", "ENTRIESREAD", "3")
    c.call("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "4", "STREAMS", "s1", ">")
    c.call("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "s1", ">")
    c.call("XGROUP", "CREATECONSUMER", "s1", "g1", "idle")
    c.call("XADD", "s2", "1-1", "a", "1")
    c.call("XADD", "s3", "5-0", "a", "1")
    c.call("XDEL", "s3", "5-0")
    c.call("XGROUP", "CREATE", "s3", "g", "$")
    c.call("XADD", "s4", "1-0", "k", "v")
    c.call("XADD", "s4", "2-0", "k", "v")
    c.call("XADD", "s4", "3-0", "k", "v")
    c.call("XDEL", "s4", "2-0")
    c.call("XSETID", "s4", "3-0", "ENTRIESADDED", "10", "MAXDELETEDID", "2-0")
    c.call("CONFIG", "SET", "stream-node-max-entries", "100")
    c.call("PFADD", "h0")
    c.call("PFADD", "h1", *["e%d" % i for i in range(40)])
    c.call("PFADD", "h2", *["e%d" % i for i in range(3000)])
    c.call("PFADD", "h3", "a", "b", "c")
    c.call("PFCOUNT", "h3")  # a valid cached cardinality
    seeds = []
    for k in ("s1", "s2", "s3", "s4", "h0", "h1", "h2", "h3"):
        p = c.call("DUMP", k)
        if not isinstance(p, bytes):
            raise RuntimeError("DUMP %s failed: %r" % (k, p))
        seeds.append((k, p[:-10]))
    return seeds


def mutate(rnd, body):
    b = bytearray(body)
    for _ in range(1 if rnd.random() < 0.6 else rnd.randint(2, 4)):
        op = rnd.randrange(8)
        if len(b) < 2:
            break
        pos = rnd.randrange(1, len(b))  # keep the type byte
        if op == 0:
            b[pos] ^= 1 << rnd.randrange(8)
        elif op == 1:
            b[pos] = rnd.randrange(256)
        elif op == 2:
            b[pos] = rnd.choice([0, 1, 2, 0x7F, 0x80, 0xFE, 0xFF, 0x40, 0xC0])
        elif op == 3:
            del b[rnd.randrange(1, len(b)):]
        elif op == 4:
            b[pos:pos] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 4)))
        elif op == 5:
            del b[pos:pos + rnd.randint(1, 8)]
        elif op == 6:
            n = rnd.randint(1, 16)
            b[pos:pos] = b[pos:pos + n]
        else:
            # A 16-register-aligned stretch of an HLL or a stream field.
            for k in range(pos, min(len(b), pos + rnd.randint(1, 6))):
                b[k] = rnd.randrange(256)
    return bytes(b)


STREAM_CMDS = [
    ("XLEN", "k"), ("XRANGE", "k", "-", "+"), ("XREVRANGE", "k", "+", "-", "COUNT", "3"),
    ("XRANGE", "k", "5", "20"), ("XINFO", "STREAM", "k"),
    ("XINFO", "STREAM", "k", "FULL"), ("XINFO", "GROUPS", "k"),
    ("XINFO", "CONSUMERS", "k", "g1"), ("XPENDING", "k", "g1"),
    ("XPENDING", "k", "g1", "-", "+", "10"),
    ("XPENDING", "k", "g1", "IDLE", "0", "-", "+", "10", "alice"),
    ("XREADGROUP", "GROUP", "g1", "carol", "COUNT", "2", "STREAMS", "k", ">"),
    ("XREADGROUP", "GROUP", "g1", "alice", "STREAMS", "k", "0"),
    ("XAUTOCLAIM", "k", "g1", "dave", "0", "0", "COUNT", "5"),
    ("XCLAIM", "k", "g1", "erin", "0", "1-1", "2-2", "3-0"),
    ("XACK", "k", "g1", "1-1", "2-2", "5-2"),
    ("XGROUP", "DELCONSUMER", "k", "g1", "bob"),
    ("XGROUP", "SETID", "k", "g2", "0"),
    ("XREAD", "COUNT", "5", "STREAMS", "k", "0"),
    ("XDEL", "k", "7-1", "12-0"), ("XADD", "k", "*", "new", "entry"),
    ("XTRIM", "k", "MAXLEN", "~", "10"), ("XTRIM", "k", "MINID", "8"),
    ("XSETID", "k", "99999999999-0"),
]
HLL_CMDS = [
    ("PFCOUNT", "k"), ("PFADD", "k", "x", "y", "z"), ("PFCOUNT", "k"),
    ("PFCOUNT", "k", "other"), ("PFMERGE", "dst", "k"), ("PFCOUNT", "dst"),
    ("PFDEBUG", "GETREG", "k"), ("PFDEBUG", "ENCODING", "k"),
    ("PFDEBUG", "DECODE", "k"), ("PFDEBUG", "TODENSE", "k"),
    ("PFADD", "k", *["m%d" % i for i in range(60)]), ("GET", "k"),
    ("STRLEN", "k"), ("APPEND", "k", "zz"), ("PFCOUNT", "k"),
]


def exercise(c, is_stream):
    cmds = STREAM_CMDS if is_stream else HLL_CMDS
    for cmd in cmds:
        c.call(*[a if a != "k" else "fz" for a in cmd])
    # The value (possibly changed) must dump and restore again.
    p = c.call("DUMP", "fz")
    if isinstance(p, bytes):
        c.call("RESTORE", "fz2", "0", p, "REPLACE")
    c.call("DEL", "fz", "fz2", "dst")


def start_server(a):
    d = tempfile.mkdtemp(prefix="restore-fuzz-")
    args = [a.server, "--port", str(a.port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", d, "--logfile", os.path.join(d, "server.log"),
            "--enable-debug-command", "yes"]
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "stderr"), "w"))
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            c = Conn(a)
            if c.call("PING") == (b"+", b"PONG"):
                return p, d
        except (OSError, ServerGone):
            time.sleep(0.1)
    p.kill()
    raise RuntimeError("server did not start")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--cacert")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--out", default="/tmp")
    ap.add_argument("--server")
    a = ap.parse_args()
    if a.host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("restore_fuzz.py targets a local server only")
    proc = workdir = None
    if a.server:
        proc, workdir = start_server(a)
    rnd = random.Random(a.seed)
    accepted = refused = 0
    case = -1
    payload = b""
    try:
        c = Conn(a)
        seeds = make_seeds(c)
        for case in range(a.cases):
            name, body = rnd.choice(seeds)
            payload = seal(mutate(rnd, body))
            r = c.call("RESTORE", "fz", "0", payload, "REPLACE")
            if is_err(r):
                refused += 1
            else:
                accepted += 1
                exercise(c, name.startswith("s"))
            if case % 50 == 49 and c.call("PING") != (b"+", b"PONG"):
                raise ServerGone("PING failed")
        if c.call("PING") != (b"+", b"PONG"):
            raise ServerGone("PING failed")
    except ServerGone as e:
        path = os.path.join(a.out, "restore-crash-%d.bin" % case)
        with open(path, "wb") as f:
            f.write(payload)
        print("FAIL: server gone at case %d (%s); payload in %s" % (case, e, path))
        if workdir:
            print("server log and stderr in %s" % workdir)
        return 1
    finally:
        if proc:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    print("restore_fuzz: %d cases (seed %d): %d refused, %d accepted and "
          "exercised; server stayed up" % (a.cases, a.seed, refused, accepted))
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
