#!/usr/bin/python3
"""Runs the same commands on two servers and compares what MONITOR and
the slow log show of them, and the replies.

    monitor_differential.py <ours binary> <reference binary> <port1> <port2>

Each server is started plain on 127.0.0.1 with no persistence. One
connection sends every command of STEPS (raw RESP, one at a time) while
another is in MONITOR; the slow log records everything
(slowlog-log-slower-than 0). Compared, after normalising timestamps,
addresses and durations: each reply, the MONITOR lines in order (which
commands appear, when, in which database, with which arguments shown,
secrets redacted) and the slow log's entries (arguments as received,
secrets redacted, client name). Prints "SAME"/"DIFF" per part, then
"diffs <n>". Also prints "LEAK <where>" if a secret of STEPS appears in
the MONITOR output or the slow log of the first server. Uses Debian's
python3-redis only to start the servers; the traffic is raw sockets.
"""
import re
import socket
import sys
import time

from plain_server import start

SECRETS = [b"sekrit", b"sekrit2", b"pw1", b"passw0rd", b"topsecret",
           b"wrongpass"]

STEPS = [
    ["AUTH", "foo", "wrongpass"],
    ["AUTH", "topsecret"],
    ["AUTH", "a", "b", "c"],
    ["HELLO", "2", "AUTH", "default", "wrongpass"],
    ["HELLO", "3", "SETNAME", "nm", "AUTH", "u", "passw0rd"],
    ["CLIENT", "GETNAME"],
    ["HELLO", "2"],
    ["HELLO", "2", "SETNAME", "f", "BOGUS"],
    ["SELECT", "5"],
    ["SET", "x", "1"],
    ["SELECT", "0"],
    ["SET", "k", "v", "EX", "100"],
    ["INCRBYFLOAT", "f", "1.5"],
    ["GETEX", "k", "PERSIST"],
    ["SADD", "s", "a"],
    ["SPOP", "s"],
    ["CONFIG", "SET", "masterauth", "sekrit"],
    ["CONFIG", "SET", "bogus", "1", "requirepass", "sekrit2"],
    ["ACL", "SETUSER", "bob", "on", ">pw1", "~*", "+@all"],
    ["MIGRATE", "127.0.0.1", "1", "nokey", "0", "10", "AUTH", "passw0rd"],
    ["MIGRATE", "127.0.0.1", "1", "nokey", "0", "10", "AUTH2", "u",
     "passw0rd"],
    ["MULTI"],
    ["SET", "m", "1"],
    ["AUTH", "topsecret"],
    ["INCR", "m"],
    ["EXEC"],
    ["EVAL", "redis.call('set','a','1'); return redis.call('get','a')", "0"],
    ["EVALSHA", "0" * 40, "0"],
    ["FUNCTION", "LOAD", "#!lua name=lib\n redis.register_function('f', "
     "function() return redis.call('ping') end)"],
    ["FCALL", "f", "0"],
    ["BLPOP", "blist", "0.01"],
    ["@served-blpop"],
    ["BLMOVE", "nolist", "dst", "LEFT", "RIGHT", "0.01"],
    ["WAIT", "1", "20"],
    ["DEBUG", "SLEEP", "0"],
    ["CLIENT", "SETNAME", "zz"],
    ["GET"],
    ["LPUSH", "a", "b"],
    ["PING"],
    ["QUIT"],
]


def encode(args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


class Raw:
    """A connection that reads whole RESP replies."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.s.settimeout(5)
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def reply(self):
        line = self.line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b"-", b":", b",", b"#", b"_", b"("):
            return line.decode()
        if kind in (b"$", b"=", b"!"):
            n = int(rest)
            return None if n < 0 else self.exact(n).decode(errors="replace")
        if kind in (b"*", b"~", b">", b"%", b"|"):
            n = int(rest)
            if n < 0:
                return None
            count = n * 2 if kind in (b"%", b"|") else n
            return [self.reply() for _ in range(count)]
        return "?" + line.decode(errors="replace")

    def call(self, args):
        self.s.sendall(encode(args))
        try:
            return self.reply()
        except (EOFError, ConnectionError):
            return "closed"


def normalise_reply(args, reply):
    # HELLO's map holds the server's id and version; keep its shape.
    if args[0] == "HELLO" and isinstance(reply, list):
        return "hello-map(%d)" % len(reply)
    return reply


def run(port):
    admin = Raw(port)
    admin.call(["CONFIG", "SET", "slowlog-log-slower-than", "0"])
    mon = Raw(port)
    assert mon.call(["MONITOR"]) == "+OK"
    c = Raw(port)
    admin.call(["SLOWLOG", "RESET"])
    replies = []
    other = Raw(port)
    for args in STEPS:
        if args == ["@served-blpop"]:
            # A second client blocks; this one serves it with a push.
            other.s.sendall(encode(["BLMOVE", "src", "dst", "LEFT", "RIGHT",
                                    "0"]))
            deadline = time.time() + 5
            while "blmove" not in str(admin.call(["CLIENT", "LIST"])):
                if time.time() > deadline:
                    raise RuntimeError("BLMOVE did not block")
                time.sleep(0.01)
            replies.append(("LPUSH src x", c.call(["LPUSH", "src", "x"])))
            replies.append(("BLMOVE served", other.reply()))
            continue
        replies.append((" ".join(args)[:40], normalise_reply(args, c.call(args))))
    # Everything the monitor got, up to a marker sent last.
    admin.call(["SET", "monitor-end", "1"])
    raw = b""
    while b"monitor-end" not in raw:
        chunk = mon.s.recv(65536)
        if not chunk:
            break
        raw += chunk
    lines = []
    for line in raw.decode(errors="replace").split("\r\n"):
        m = re.match(r"^\+\d+\.\d+ \[(\d+) ([^\]]+)\] (.*)$", line)
        if not m:
            continue
        who = m.group(2) if m.group(2) in ("lua",) else "client"
        lines.append("[%s %s] %s" % (m.group(1), who, m.group(3)))
    slowlog = []
    for entry in admin.call(["SLOWLOG", "GET", "-1"]):
        argv = entry[3]
        if argv[:1] == ["SLOWLOG"] or argv[:2] == ["SET", "monitor-end"] \
                or argv[:2] == ["CLIENT", "LIST"]:
            continue
        slowlog.append("%s name=%s" % (" ".join(argv), entry[5]))
    slowlog.reverse()
    return replies, lines, slowlog, raw


def main():
    ours_bin, ref_bin, p1, p2 = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        int(sys.argv[4])
    results = []
    for binary, port in ((ours_bin, p1), (ref_bin, p2)):
        proc = start(binary, port, "--enable-debug-command", "yes")
        try:
            results.append(run(port))
        finally:
            proc.terminate()
            proc.wait()
    diffs = 0
    (r1, m1, s1, raw1), (r2, m2, s2, _) = results
    # Deliberate: an AUTH with too many arguments is a syntax error that
    # Redis 7.0 shows as typed; ours redacts every AUTH argument (one of
    # them is likely a password).
    for lst, old, new in ((m2, '"AUTH" "a" "b" "c"',
                           '"AUTH" "(redacted)" "(redacted)" "(redacted)"'),
                          (s2, "AUTH a b c ",
                           "AUTH (redacted) (redacted) (redacted) ")):
        for i, line in enumerate(lst):
            if old in line:
                lst[i] = line.replace(old, new)
                print("KNOWN AUTH with a syntax error: ours redacts it")
    for (name, a), (_, b) in zip(r1, r2):
        if a != b:
            diffs += 1
            print("DIFF reply %s: ours %r ref %r" % (name, a, b))
    for what, a, b in (("monitor", m1, m2), ("slowlog", s1, s2)):
        if a == b:
            print("SAME %s (%d lines)" % (what, len(a)))
            continue
        diffs += 1
        print("DIFF %s" % what)
        for i in range(max(len(a), len(b))):
            x = a[i] if i < len(a) else "-"
            y = b[i] if i < len(b) else "-"
            mark = "  " if x == y else "! "
            print("%s ours %s\n%s ref  %s" % (mark, x, mark, y))
    shown = raw1 + "\n".join(s1).encode()
    for secret in SECRETS:
        if secret in shown:
            print("LEAK %s" % secret.decode())
    for line in m1:
        print("monitor: " + line)
    for line in s1:
        print("slowlog: " + line)
    print("diffs %d" % diffs)


if __name__ == "__main__":
    main()
