#!/usr/bin/env python3
"""hll_corrupt_diff.py: corrupted HyperLogLog values, ours against Debian's
Redis 7.0, reply for reply.

HLL strings made by Redis 7.0 itself (sparse of several sizes, dense,
empty, with a valid and a stale cached cardinality) are corrupted (opcode
bytes changed, truncated or extended, encoding byte, register bytes, the
cache) and SET as plain strings on both servers; then the same HLL
commands run on both (PFCOUNT alone and in a union, PFADD, PFMERGE,
PFDEBUG GETREG / ENCODING / DECODE, GET of the value afterwards) and the
replies must be equal, errors included (-INVALIDOBJ, -WRONGTYPE). Both
servers must stay up; a crash of the reference is reported, not counted
as ours.

Usage: tests/fuzz/hll_corrupt_diff.py --ours BINARY [--ref /usr/bin/redis-server]
       [--port P] [--cases N] [--seed S]
Exit 0 when there was no mismatch and our server stayed up. Prints
"N passed, N failed" (one check per case). Loopback only.
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from restore_fuzz import Conn, ServerGone  # noqa: E402


class Target:
    def __init__(self, name, binary, port):
        self.name, self.binary, self.port = name, binary, port
        self.proc = None
        self.start()

    def start(self):
        d = tempfile.mkdtemp(prefix="hll-diff-%s-" % self.name)
        self.dir = d
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", d,
                "--logfile", os.path.join(d, "server.log")]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(d, "stderr"), "w"))
        opts = argparse.Namespace(host="127.0.0.1", port=self.port, timeout=30,
                                  tls=False, cacert=None, cert=None, key=None)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                self.c = Conn(opts)
                if self.c.call("PING") == (b"+", b"PONG"):
                    return
            except (OSError, ServerGone):
                time.sleep(0.1)
        raise RuntimeError("%s did not start" % self.binary)

    def stop(self):
        if self.proc:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def seeds_from(c):
    out = []
    c.call("FLUSHALL")
    for n, stale in ((0, 0), (3, 0), (3, 1), (40, 1), (300, 1), (2000, 0), (9000, 1)):
        k = "seed%d" % n
        c.call("PFADD", k, *["el%d" % i for i in range(n)]) if n else c.call("PFADD", k)
        if not stale:
            c.call("PFCOUNT", k)
        out.append(c.call("GET", k))
    return out


def corrupt(rnd, v):
    b = bytearray(v)
    kind = rnd.randrange(9)
    if kind == 0 and len(b) > 16:      # one sparse opcode / register byte
        b[rnd.randrange(16, len(b))] = rnd.randrange(256)
    elif kind == 1 and len(b) > 16:    # a VAL opcode with a big run
        b[rnd.randrange(16, len(b))] = 0x80 | rnd.randrange(128)
    elif kind == 2 and len(b) > 16:    # an XZERO opcode
        i = rnd.randrange(16, len(b))
        b[i] = 0x40 | rnd.randrange(64)
    elif kind == 3:                    # truncated
        del b[rnd.randrange(16, len(b) + 1):]
    elif kind == 4:                    # extended
        b += bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 6)))
    elif kind == 5:                    # encoding byte
        b[4] = rnd.choice([0, 1, 2, 255])
    elif kind == 6:                    # cached cardinality
        b[rnd.randrange(8, 16)] = rnd.randrange(256)
    elif kind == 7 and len(b) > 17:    # a few bytes scrambled
        for _ in range(rnd.randint(2, 5)):
            b[rnd.randrange(16, len(b))] = rnd.randrange(256)
    else:                              # header magic
        b[rnd.randrange(0, 4)] = rnd.randrange(256)
    return bytes(b)


CMDS = [
    ("PFCOUNT", "k"),
    ("PFCOUNT", "k", "good"),
    ("PFADD", "k", "a", "b", "c"),
    ("GET", "k"),
    ("PFCOUNT", "k"),
    ("PFMERGE", "dst", "good", "k"),
    ("GET", "dst"),
    ("PFDEBUG", "ENCODING", "k"),
    ("PFDEBUG", "DECODE", "k"),
    ("PFADD", "k", *["z%d" % i for i in range(50)]),
    ("PFDEBUG", "GETREG", "k"),
    ("PFCOUNT", "k"),
    ("GET", "k"),
]


def run_case(t, value):
    c = t.c
    c.call("DEL", "k", "dst", "good")
    c.call("PFADD", "good", "g1", "g2", "g3")
    c.call("SET", "k", value)
    return [c.call(*cmd) for cmd in CMDS]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ours", required=True)
    ap.add_argument("--ref", default="/usr/bin/redis-server")
    ap.add_argument("--port", type=int, default=28530)
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    ours = Target("ours", a.ours, a.port)
    ref = Target("ref", a.ref, a.port + 1)
    rnd = random.Random(a.seed)
    passed = failed = ref_crashes = 0
    shown = 0
    try:
        seeds = seeds_from(ref.c)
        for case in range(a.cases):
            value = corrupt(rnd, rnd.choice(seeds))
            try:
                want = run_case(ref, value)
            except ServerGone:
                ref_crashes += 1
                print("case %d: the reference crashed (value %s)" % (case, value.hex()))
                ref.stop()
                ref.start()
                run_case(ours, value)  # ours must still survive it
                continue
            got = run_case(ours, value)
            if got == want:
                passed += 1
                continue
            failed += 1
            if shown < 10:
                shown += 1
                for cmd, g, w in zip(CMDS, got, want):
                    if g != w:
                        print("case %d mismatch on %s:\n  value %s\n  ours  %r\n  redis %r" % (
                            case, " ".join(cmd[:3]), value.hex(), g if not isinstance(g, list) else g[:8],
                            w if not isinstance(w, list) else w[:8]))
                        break
    except ServerGone as e:
        print("FAIL: our server is gone (%s); log in %s" % (e, ours.dir))
        failed += 1
    finally:
        ours.stop()
        ref.stop()
    print("hll_corrupt_diff: %d cases (seed %d), reference crashed %d times" % (
        a.cases, a.seed, ref_crashes))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
