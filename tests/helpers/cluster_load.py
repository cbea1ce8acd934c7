#!/usr/bin/python3
"""cluster_load.py PORT TLS CERTDIR OUTDIR -- a write load on a
cluster through python3-redis's RedisCluster (TLS with the test
certificates when TLS is "1"), for the tests that move slots under load.

Round after round, it SETs each key named in OUTDIR/keys (one a line)
to the round number and remembers, per key, the last round the server
acknowledged. It writes the
number of finished rounds to OUTDIR/progress after each round, stops once
OUTDIR/stop exists (or after 300 s), then writes OUTDIR/result: one line
"<key> <last acknowledged round>" per key, and a last line
"errors <n>" counting the writes that got an error (they are retried in
the next round, so they do not count as acknowledged).  A key whose value
is older than its last acknowledged round was lost.  Written for Debian's
/usr/bin/python3.
"""
import os
import sys
import time

import redis
from redis.cluster import RedisCluster


def main():
    port, tls, certdir, outdir = sys.argv[1:5]
    with open(os.path.join(outdir, "keys")) as f:
        keys = [k for k in f.read().split("\n") if k]
    nkeys = len(keys)
    kw = {}
    if tls == "1":
        kw = dict(ssl=True, ssl_ca_certs=certdir + "/ca.crt",
                  ssl_certfile=certdir + "/client.crt",
                  ssl_keyfile=certdir + "/client.key")
    rc = RedisCluster(host="127.0.0.1", port=int(port), **kw)
    acked = [0] * nkeys
    errors = 0
    rounds = 0
    deadline = time.time() + 300
    stop = os.path.join(outdir, "stop")
    while not os.path.exists(stop) and time.time() < deadline:
        rounds += 1
        for j in range(nkeys):
            try:
                if rc.set(keys[j], rounds):
                    acked[j] = rounds
            except redis.exceptions.RedisError:
                errors += 1
        tmp = os.path.join(outdir, "progress.tmp")
        with open(tmp, "w") as f:
            f.write("%d\n" % rounds)
        os.rename(tmp, os.path.join(outdir, "progress"))
    with open(os.path.join(outdir, "result.tmp"), "w") as f:
        for j in range(nkeys):
            f.write("%s %d\n" % (keys[j], acked[j]))
        f.write("errors %d\n" % errors)
    os.rename(os.path.join(outdir, "result.tmp"),
              os.path.join(outdir, "result"))


if __name__ == "__main__":
    main()
