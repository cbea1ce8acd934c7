#!/usr/bin/python3
"""Memory per element: our server against Debian's Redis 7.0.

Starts each server on 127.0.0.1 (no persistence), sends both the same
pipelined commands for one data set, then reads INFO memory and MEMORY
USAGE of the big key. Prints used_memory and RSS growth per element.

  utils/bench-memory.py [--n 1000000] [--port 25500] [--cases a,b]
      [--ours src/redis-server] [--ref /usr/bin/redis-server]

Cases: set-int (integers past the intset limit), set-str, hash, zset,
strings (N plain keys, integer values), strings-str (N keys with
"value:N" values; not in the default list), lua-set (the SADD loop run inside EVAL).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import redis

BATCH = 10000


def start(binary, port, workdir):
    log = open(os.path.join(workdir, "server-%d.log" % port), "w")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", workdir, "--daemonize", "no"],
        stdout=log, stderr=subprocess.STDOUT)
    r = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.time() + 10
    while True:
        try:
            r.ping()
            return proc, r
        except redis.ConnectionError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                sys.exit("server %s did not start" % binary)
            time.sleep(0.05)


def fill(r, case, n):
    if case == "lua-set":
        r.eval("for i=1,%d do redis.call('sadd', KEYS[1], i) end" % n, 1, "s")
        return "s"
    for base in range(0, n, BATCH):
        p = r.pipeline(transaction=False)
        top = min(n, base + BATCH)
        if case == "set-int":
            p.sadd("s", *range(base, top))
        elif case == "set-str":
            p.sadd("s", *["member:%d" % i for i in range(base, top)])
        elif case == "hash":
            p.hset("h", mapping={"field:%d" % i: i for i in range(base, top)})
        elif case == "zset":
            p.zadd("z", {"member:%d" % i: i for i in range(base, top)})
        elif case == "strings":
            for i in range(base, top):
                p.set("key:%d" % i, i)
        elif case == "strings-str":
            for i in range(base, top):
                p.set("key:%d" % i, "value:%d" % i)
        p.execute()
    return {"set-int": "s", "set-str": "s", "hash": "h", "zset": "z",
            "strings": "key:0", "strings-str": "key:0"}[case]


def measure(binary, port, case, n, workdir):
    proc, r = start(binary, port, workdir)
    try:
        before = r.info("memory")
        key = fill(r, case, n)
        after = r.info("memory")
        usage = r.memory_usage(key, samples=0)
        return (after["used_memory"] - before["used_memory"],
                after["used_memory_rss"] - before["used_memory_rss"],
                usage, after["mem_fragmentation_ratio"])
    finally:
        proc.terminate()
        proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000000)
    ap.add_argument("--port", type=int, default=25500)
    ap.add_argument("--cases",
                    default="set-int,set-str,hash,zset,strings,lua-set")
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--ours", default=os.path.join(here, "..", "src",
                                                   "redis-server"))
    ap.add_argument("--ref", default="/usr/bin/redis-server")
    a = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="bench-memory-")
    print("%-8s %-5s %10s %10s %8s %8s %12s %6s" % (
        "case", "who", "used MB", "rss MB", "B/elem", "rss B/e",
        "MEMORY USAGE", "frag"))
    for case in a.cases.split(","):
        for who, binary in (("ours", a.ours), ("7.0", a.ref)):
            used, rss, usage, frag = measure(binary, a.port, case, a.n,
                                             workdir)
            print("%-8s %-5s %10.1f %10.1f %8.1f %8.1f %12s %6.2f" % (
                case, who, used / 1e6, rss / 1e6, used / a.n, rss / a.n,
                usage, frag), flush=True)


if __name__ == "__main__":
    main()
