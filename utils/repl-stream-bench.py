#!/usr/bin/python3
"""utils/repl-stream-bench.py: a side-by-side measurement (not a test) of
the replication stream, our server against a reference (Debian's Redis 7.0).

For each server binary: a master and three replicas of the same binary,
all on TLS (tls-replication yes), repl-backlog-size 1mb.

1. Streaming cost: redis-benchmark (TLS, 20 clients, pipeline 16) sends
   SETs of 256-byte values to the master while the three replicas follow.
   Reported: the master's CPU time per request (the run time of all its
   threads, /proc/PID/task/*/schedstat, over the run) and the replicas'
   mean CPU time per request they applied.
2. Memory with lagging replicas: the three replicas are stopped (SIGSTOP),
   --stall-mb MB of SETs of 4 KB values to one key go to the master, then:
   the master's used_memory growth and mem_total_replication_buffers. The
   replicas then continue (SIGCONT) and the time until all three have
   caught up is reported.

The servers run alternately (ours first in odd rounds, the reference in
even ones); the report gives medians and the ratio ours/reference.
Run as root on Debian 12 with redis-server, redis-tools, python3-redis.

Usage: /usr/bin/python3 utils/repl-stream-bench.py [--rounds N]
         [--requests N] [--stall-mb N] [--ours PATH] [--ref PATH]
         [--extra NAME=PATH] [--port N]
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import redis

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """Run time of all the process's threads: nanoseconds from
    /proc/PID/task/*/schedstat, or utime + stime (10 ms ticks) without."""
    total, found = 0, False
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
                    found = True
            except (FileNotFoundError, ProcessLookupError):
                pass  # a thread that just ended
    except FileNotFoundError:
        pass
    if found:
        return total / 1e9
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


class Node:
    def __init__(self, binary, port, workdir, certs, master_port=None):
        self.port = port
        self.dir = os.path.join(workdir, str(port))
        os.makedirs(self.dir, exist_ok=True)
        args = [binary, "--port", "0", "--tls-port", str(port),
                "--bind", "127.0.0.1", "--dir", self.dir, "--save", "",
                "--appendonly", "no", "--logfile", "log",
                "--tls-cert-file", f"{certs}/server.crt",
                "--tls-key-file", f"{certs}/server.key",
                "--tls-ca-cert-file", f"{certs}/ca.crt",
                "--tls-client-cert-file", f"{certs}/client.crt",
                "--tls-client-key-file", f"{certs}/client.key",
                "--tls-replication", "yes", "--repl-backlog-size", "1mb",
                "--repl-diskless-sync-delay", "0",
                "--client-output-buffer-limit", "replica", "0", "0", "0"]
        if master_port:
            args += ["--replicaof", "127.0.0.1", str(master_port)]
        self.proc = subprocess.Popen(args, cwd=self.dir,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self.r = redis.Redis(host="127.0.0.1", port=port, ssl=True,
                             ssl_certfile=f"{certs}/client.crt",
                             ssl_keyfile=f"{certs}/client.key",
                             ssl_ca_certs=f"{certs}/ca.crt",
                             socket_timeout=30)
        deadline = time.time() + 20
        while True:
            try:
                self.r.ping()
                break
            except redis.exceptions.ConnectionError:
                if time.time() > deadline:
                    raise RuntimeError(f"server on {port} did not start")
                time.sleep(0.05)

    def info(self, section):
        return self.r.info(section)

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def wait_until(cond, seconds, what):
    deadline = time.time() + seconds
    while not cond():
        if time.time() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.02)


def caught_up(master, replicas):
    off = master.info("replication")["master_repl_offset"]
    return all(r.info("replication").get("master_repl_offset") == off and
               r.info("replication").get("master_link_status") == "up"
               for r in replicas)


def benchmark(port, certs, args):
    cmd = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "--tls",
           "--cacert", f"{certs}/ca.crt", "--cert", f"{certs}/client.crt",
           "--key", f"{certs}/client.key", "-q"] + args
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def run_once(binary, port, certs, opts):
    work = tempfile.mkdtemp(prefix="repl-stream-bench-")
    nodes = []
    try:
        master = Node(binary, port, work, certs)
        nodes.append(master)
        replicas = [Node(binary, port + 1 + i, work, certs, port)
                    for i in range(3)]
        nodes += replicas
        wait_until(lambda: caught_up(master, replicas), 60, "initial sync")
        res = {}
        # 1. Streaming cost.
        m0 = cpu_seconds(master.proc.pid)
        r0 = [cpu_seconds(r.proc.pid) for r in replicas]
        t0 = time.time()
        benchmark(port, certs, ["-t", "set", "-n", str(opts.requests),
                                "-c", "20", "-P", "16", "-d", "256",
                                "-r", "100000"])
        wait_until(lambda: caught_up(master, replicas), 120, "catch-up")
        res["rps"] = opts.requests / (time.time() - t0)
        res["master_us_per_req"] = \
            (cpu_seconds(master.proc.pid) - m0) * 1e6 / opts.requests
        res["replica_us_per_req"] = statistics.mean(
            (cpu_seconds(r.proc.pid) - c) * 1e6 / opts.requests
            for r, c in zip(replicas, r0))
        # 2. Memory with three stopped replicas.
        master.r.flushall()
        wait_until(lambda: caught_up(master, replicas), 60, "flush")
        base = master.info("memory")["used_memory"]
        for r in replicas:
            os.kill(r.proc.pid, signal.SIGSTOP)
        n = opts.stall_mb * 256
        benchmark(port, certs, ["-t", "set", "-n", str(n), "-c", "4",
                                "-P", "16", "-d", "4096"])
        mem = master.info("memory")
        res["stall_growth_mb"] = (mem["used_memory"] - base) / 1048576
        res["stall_buffers_mb"] = \
            mem.get("mem_total_replication_buffers", 0) / 1048576
        t0 = time.time()
        for r in replicas:
            os.kill(r.proc.pid, signal.SIGCONT)
        wait_until(lambda: caught_up(master, replicas), 300, "resume")
        res["resume_s"] = time.time() - t0
        return res
    finally:
        for node in nodes:
            node.stop()
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=400000)
    ap.add_argument("--stall-mb", type=int, default=200)
    ap.add_argument("--ours", default=os.path.join(ROOT, "src", "redis-server"))
    ap.add_argument("--ref", default="/usr/bin/redis-server")
    ap.add_argument("--extra", action="append", default=[],
                    help="NAME=PATH of another binary to measure")
    ap.add_argument("--port", type=int, default=26300)
    opts = ap.parse_args()
    servers = [("ours", opts.ours), ("ref", opts.ref)]
    servers += [tuple(e.split("=", 1)) for e in opts.extra]
    certs = tempfile.mkdtemp(prefix="repl-stream-certs-")
    subprocess.run(["sh", os.path.join(HERE, "gen-test-certs.sh"), certs],
                   check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    results = {name: [] for name, _ in servers}
    for rnd in range(opts.rounds):
        order = servers if rnd % 2 == 0 else servers[::-1]
        for name, binary in order:
            res = run_once(binary, opts.port, certs, opts)
            results[name].append(res)
            print(f"round {rnd + 1} {name}: " +
                  " ".join(f"{k}={v:.3f}" for k, v in res.items()),
                  flush=True)
    keys = list(results[servers[0][0]][0].keys())
    print("\nmedians over %d rounds" % opts.rounds)
    print("%-20s" % "" + "".join("%14s" % n for n, _ in servers) +
          "  ours/ref")
    for k in keys:
        med = {n: statistics.median(r[k] for r in results[n])
               for n, _ in servers}
        ratio = med["ours"] / med["ref"] if med["ref"] else float("nan")
        print("%-20s" % k + "".join("%14.3f" % med[n] for n, _ in servers) +
              "  %.2f" % ratio)
    shutil.rmtree(certs, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
