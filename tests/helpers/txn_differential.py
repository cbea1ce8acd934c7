#!/usr/bin/python3
"""Runs the same transaction and pause scenarios on two servers and
prints where their replies (or whether the command waited) differ.

    txn_differential.py <ours binary> <reference binary> <port1> <port2>

Each server is started plain on 127.0.0.1 with no persistence. The
scenarios are the cases where Redis 7.0 answers for the state at EXEC
time or holds a command during CLIENT PAUSE WRITE: maxmemory reached
while queueing or before EXEC, min-replicas-to-write, a server turned
read-only replica, replica-serve-stale-data no, and the commands a write
pause holds. Prints one line per step ("SAME ..." or "DIFF ..."), then
"diffs <n>". Uses Debian's python3-redis.
"""
import sys
import time

import redis
from plain_server import start


def scenarios(port):
    """Yields (step name, outcome) for one server."""
    admin = redis.Redis(port=port)
    c = redis.Connection(port=port)
    c.connect()

    def raw(*args):
        c.send_command(*args)
        try:
            return c.read_response()
        except redis.RedisError as e:
            return "error %s: %s" % (type(e).__name__, e)

    def timed(*args):
        start = time.time()
        reply = raw(*args)
        return ("waited" if time.time() - start > 0.2 else "ran", reply)

    # maxmemory
    admin.set("k", "v")
    admin.config_set("maxmemory", 1)
    yield "oom: MULTI", raw("MULTI")
    yield "oom: GET queued", raw("GET", "k")
    yield "oom: EXEC", raw("EXEC")
    admin.config_set("maxmemory", 0)

    def changed_before_exec(label, queued, name, value, back):
        """MULTI, <queued>, then CONFIG SET <name> <value>, then EXEC."""
        yield label + ": MULTI", raw("MULTI")
        yield label + ": %s queued" % queued[0], raw(*queued)
        admin.config_set(name, value)
        yield label + ": EXEC", raw("EXEC")
        admin.config_set(name, back)

    yield from changed_before_exec("oom later", ("SET", "a", "b"),
                                   "maxmemory", 1, 0)
    yield from changed_before_exec("oom reads", ("GET", "k"),
                                   "maxmemory", 1, 0)
    yield from changed_before_exec("norepl", ("SET", "a", "1"),
                                   "min-replicas-to-write", 1, 0)
    # CLIENT PAUSE WRITE
    for cmd in (("EVAL", "return 1", "0"), ("PUBLISH", "ch", "x"),
                ("PFCOUNT", "h"), ("GET", "k"), ("SET", "k", "v"),
                ("EVAL_RO", "return 1", "0")):
        admin.execute_command("CLIENT", "PAUSE", 300, "WRITE")
        yield "pause: " + cmd[0], timed(*cmd)
        admin.execute_command("CLIENT", "UNPAUSE")
    raw("MULTI")
    admin.execute_command("CLIENT", "PAUSE", 300, "WRITE")
    yield "pause: SET queued", timed("SET", "k", "v")
    yield "pause: EXEC with a write", timed("EXEC")
    admin.execute_command("CLIENT", "UNPAUSE")
    raw("MULTI")
    raw("GET", "k")
    admin.execute_command("CLIENT", "PAUSE", 300, "WRITE")
    yield "pause: EXEC of reads", timed("EXEC")
    admin.execute_command("CLIENT", "UNPAUSE")
    # read-only replica, then stale
    yield "readonly: MULTI", raw("MULTI")
    yield "readonly: SET queued", raw("SET", "a", "1")
    admin.execute_command("REPLICAOF", "127.0.0.1", "1")
    yield "readonly: EXEC", raw("EXEC")
    yield "stale: MULTI", raw("MULTI")
    yield "stale: GET queued", raw("GET", "a")
    admin.config_set("replica-serve-stale-data", "no")
    yield "stale: EXEC", raw("EXEC")
    yield "stale: PING", raw("PING")
    admin.config_set("replica-serve-stale-data", "yes")
    admin.execute_command("REPLICAOF", "NO", "ONE")


def run(binary, port):
    p = start(binary, port)
    try:
        return list(scenarios(port))
    finally:
        p.terminate()
        p.wait()


def main():
    ours, ref, p1, p2 = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    a, b = run(ref, p1), run(ours, p2)
    diffs = 0
    for (name, x), (_, y) in zip(a, b):
        if x == y:
            print("SAME %s: %r" % (name, x))
        else:
            diffs += 1
            print("DIFF %s: Redis 7.0 %r, ours %r" % (name, x, y))
    if len(a) != len(b):
        diffs += 1
        print("DIFF step count %d vs %d" % (len(a), len(b)))
    print("diffs %d" % diffs)


if __name__ == "__main__":
    main()
