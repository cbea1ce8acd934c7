#!/usr/bin/python3
"""utils/demo.py: the high-availability demo that `make demo` runs.

Starts on 127.0.0.1 one master, two replicas and three sentinels, all of
them our own src/redis-server, TLS-only (port 0, tls-port) with mutual TLS
everywhere (tls-auth-clients yes, tls-replication yes, client certificates
on every outgoing link).  It waits, with a deadline, until the three
sentinels agree, prints how to connect and a one-screen status, and stays
up until Ctrl-C (SIGINT) or SIGTERM; then it stops exactly the processes it
started, by PID.

  make demo                          # the interactive demo
  make demo ARGS=--failover-drill    # the failover drill, exits 0 or 1

The failover drill writes under load with WAIT 1 and records every write a
replica acknowledged, SIGKILLs the master, waits for the new master, checks
that every acknowledged write is on it, prints the timeline (detection,
election, promotion, clients back) and exits 0 (all good) or 1.

Everything it makes lands in a fresh run directory (default
./demo-run/<date>-<pid>/, announced at start): configurations, logs,
certificates (made by utils/gen-test-certs.sh unless --tls-dir names
existing ones), a file `pids` with the PIDs it started.  It removes
nothing, not even its own run directory, so the logs can be read after.

Needs Debian's python3-redis, so it runs under /usr/bin/python3.
"""

import argparse
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time

try:
    import redis
except ImportError:
    sys.exit("demo: the redis module is missing; install Debian's python3-redis "
             "(bash deps/install.sh interop) and run with /usr/bin/python3")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.path.join(ROOT, "src", "redis-server")
CLI = os.path.join(ROOT, "src", "redis-cli")
MASTER_NAME = "mymaster"

# The PIDs this script started, in start order; stopped in reverse order.
started = []


class DemoError(Exception):
    pass


def log(msg):
    print(msg, flush=True)


def parse_args():
    p = argparse.ArgumentParser(description="TLS-only Sentinel demo (one master, "
                                "two replicas, three sentinels)")
    p.add_argument("--failover-drill", action="store_true",
                   help="kill the master under load, check acknowledged writes, exit 0/1")
    p.add_argument("--port-base", type=int, default=0,
                   help="data nodes on BASE..BASE+2, sentinels on BASE+3..BASE+5 "
                   "(default: 6380-6382 and 26380-26382)")
    p.add_argument("--run-dir", default="",
                   help="fresh directory for configs and logs (default ./demo-run/<date>-<pid>)")
    p.add_argument("--tls-dir", default="",
                   help="use the certificates of utils/gen-test-certs.sh found here "
                   "instead of making new ones in the run directory")
    p.add_argument("--down-after", type=int, default=1000,
                   help="sentinel down-after-milliseconds (default 1000)")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="deadline in seconds for each wait (default 60)")
    p.add_argument("--drill-writes", type=float, default=2.0,
                   help="seconds of writes before the master is killed (default 2)")
    return p.parse_args()


def set_parent_death_signal():
    """Runs in the child before exec: if this script dies without cleaning
    up (SIGKILL), the kernel sends SIGTERM to the child."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Node:
    def __init__(self, name, port, kind):
        self.name, self.port, self.kind = name, port, kind
        self.proc = None
        self.conf = self.log = ""


def write_config(run, tls, node, master_port, down_after):
    d = os.path.join(run, node.name)
    os.makedirs(d)
    node.conf = os.path.join(d, node.name + ".conf")
    node.log = os.path.join(d, node.name + ".log")
    lines = [
        "# Written by utils/demo.py for this run only.",
        "bind 127.0.0.1",
        "port 0",
        "tls-port %d" % node.port,
        "tls-cert-file %s/server.crt" % tls,
        "tls-key-file %s/server.key" % tls,
        "tls-ca-cert-file %s/ca.crt" % tls,
        "tls-client-cert-file %s/client.crt" % tls,
        "tls-client-key-file %s/client.key" % tls,
        "tls-auth-clients yes",
        "tls-replication yes",
        "daemonize no",
        "dir %s" % d,
        "logfile %s" % node.log,
        "loglevel notice",
    ]
    if os.path.exists(os.path.join(tls, "redis.dh")):
        lines.append("tls-dh-params-file %s/redis.dh" % tls)
    if node.kind == "sentinel":
        lines += [
            "sentinel monitor %s 127.0.0.1 %d 2" % (MASTER_NAME, master_port),
            "sentinel down-after-milliseconds %s %d" % (MASTER_NAME, down_after),
            "sentinel failover-timeout %s 10000" % MASTER_NAME,
            "sentinel parallel-syncs %s 1" % MASTER_NAME,
        ]
    else:
        lines += ['save ""', "appendonly no"]
        if node.kind == "replica":
            lines.append("replicaof 127.0.0.1 %d" % master_port)
    with open(node.conf, "w") as f:
        f.write("\n".join(lines) + "\n")


def start_node(run, node):
    args = [SERVER, node.conf]
    if node.kind == "sentinel":
        args.append("--sentinel")
    out = open(os.path.join(run, node.name, node.name + ".out"), "w")
    # A session of its own: Ctrl-C reaches this script only, which then
    # stops every child itself, in order.
    node.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True,
                                 preexec_fn=set_parent_death_signal)
    out.close()
    started.append(node)
    with open(os.path.join(run, "pids"), "a") as f:
        f.write("%d %s\n" % (node.proc.pid, node.name))


def stop_all():
    """Stops every process this script started, by PID: SIGTERM, then
    SIGKILL after 10 s; waits for each so none is left behind."""
    for node in reversed(started):
        p = node.proc
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
    for node in reversed(started):
        p = node.proc
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    started.clear()


def wait_for(what, cond, timeout, interval=0.05):
    """Calls <cond> until it returns a true value or <timeout> seconds pass;
    returns that value or raises DemoError naming <what>."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            v = cond()
            if v:
                return v
        except (redis.RedisError, OSError) as e:
            last = e
        if time.monotonic() > deadline:
            raise DemoError("timed out waiting for %s%s" % (what, " (%s)" % last if last else ""))
        time.sleep(interval)


def client(tls, port, timeout=2.0):
    return redis.Redis(host="127.0.0.1", port=port, ssl=True,
                       ssl_certfile=os.path.join(tls, "client.crt"),
                       ssl_keyfile=os.path.join(tls, "client.key"),
                       ssl_ca_certs=os.path.join(tls, "ca.crt"),
                       socket_timeout=timeout, socket_connect_timeout=timeout,
                       decode_responses=True)


def check_alive():
    for node in started:
        if node.proc.poll() is not None and not getattr(node, "killed", False):
            raise DemoError("%s (pid %d) exited with status %s; see %s"
                            % (node.name, node.proc.pid, node.proc.returncode, node.log))


def sentinel_master(s):
    """SENTINEL MASTER's flat field/value reply as a dict."""
    r = s.execute_command("SENTINEL", "MASTER", MASTER_NAME)
    if isinstance(r, dict):
        return r
    return dict(zip(r[0::2], r[1::2]))


def master_addr(s):
    a = s.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME)
    return (a[0], int(a[1])) if a else None


def sentinels_agree(sentinels, replicas_expected):
    """True when every sentinel names the same master, sees the other two
    sentinels and <replicas_expected> replicas, and its quorum check passes;
    returns the master's address then."""
    check_alive()
    addrs = set()
    for s in sentinels:
        m = sentinel_master(s)
        if m.get("flags") != "master":
            return None
        if int(m["num-other-sentinels"]) != 2 or int(m["num-slaves"]) != replicas_expected:
            return None
        s.execute_command("SENTINEL", "CKQUORUM", MASTER_NAME)
        addrs.add(master_addr(s))
    return addrs.pop() if len(addrs) == 1 else None


def replicas_linked(tls, mport, n):
    info = client(tls, mport).info("replication")
    if info.get("role") != "master" or int(info.get("connected_slaves", 0)) != n:
        return False
    for i in range(n):
        if info["slave%d" % i]["state"] != "online":
            return False
    return True


def status(tls, sentinels, sports):
    addr = master_addr(sentinels[0])
    m = client(tls, addr[1])
    info = m.info("replication")
    lines = ["", "Status",
             "  master   127.0.0.1:%d  role=%s  master_repl_offset=%s"
             % (addr[1], info["role"], info["master_repl_offset"])]
    for i in range(int(info.get("connected_slaves", 0))):
        r = info["slave%d" % i]
        lines.append("  replica  %s:%s  state=%s  offset=%s  lag=%s"
                     % (r["ip"], r["port"], r["state"], r["offset"], r["lag"]))
    for s, port in zip(sentinels, sports):
        sm = sentinel_master(s)
        lines.append("  sentinel 127.0.0.1:%d  id=%s  master=%s:%s  flags=%s  "
                     "replicas=%s  other-sentinels=%s  epoch=%s"
                     % (port, s.execute_command("SENTINEL", "MYID")[:8], sm["ip"],
                        sm["port"], sm["flags"], sm["num-slaves"],
                        sm["num-other-sentinels"], sm["config-epoch"]))
    return "\n".join(lines)


def connect_hint(tls, port):
    return ("%s --tls --cert %s/client.crt --key %s/client.key --cacert %s/ca.crt "
            "-h 127.0.0.1 -p %d" % (CLI, tls, tls, tls, port))


class EventRecorder:
    """Subscribes to every event of every sentinel and keeps
    (time, sentinel port, channel, message) tuples."""

    def __init__(self, tls, sports):
        self.events = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = []
        for port in sports:
            ps = client(tls, port, timeout=5).pubsub(ignore_subscribe_messages=True)
            ps.psubscribe("*")
            t = threading.Thread(target=self.run, args=(ps, port), daemon=True)
            t.start()
            self.threads.append(t)

    def run(self, ps, port):
        while not self.stop.is_set():
            try:
                msg = ps.get_message(timeout=0.2)
            except (redis.RedisError, OSError):
                return
            if msg and msg.get("type") == "pmessage":
                with self.lock:
                    self.events.append((time.monotonic(), port, msg["channel"], msg["data"]))

    def first(self, channel, contains=""):
        with self.lock:
            for ev in self.events:
                if ev[2] == channel and contains in ev[3]:
                    return ev
        return None


class Writer:
    """Writes key drill:<n> = <n> to whoever the sentinels call master, one
    at a time, each followed by WAIT 1 1000; a write counts as acknowledged
    when WAIT reports at least one replica.  On an error it asks the
    sentinels again until a master answers."""

    def __init__(self, tls, sports):
        self.tls, self.sports = tls, sports
        self.acked = []           # (n, master port)
        self.unacked = 0
        self.first_error = None   # time the old master stopped answering
        self.back = None          # first acknowledged write on another master
        self.stop = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self.run, daemon=True)

    def find_master(self):
        for port in self.sports:
            try:
                addr = master_addr(client(self.tls, port, timeout=1))
                if addr:
                    return addr[1]
            except (redis.RedisError, OSError):
                continue
        return None

    def run(self):
        n = 0
        port = self.find_master()
        first_port = port
        conn = client(self.tls, port, timeout=1.5)
        while not self.stop.is_set():
            n += 1
            try:
                conn.set("drill:%d" % n, n)
                acks = conn.execute_command("WAIT", 1, 1000)
            except (redis.RedisError, OSError):
                if self.first_error is None:
                    self.first_error = time.monotonic()
                time.sleep(0.05)
                p = self.find_master()
                if p:
                    port = p
                    conn = client(self.tls, port, timeout=1.5)
                continue
            if acks >= 1:
                self.acked.append((n, port))
                if port != first_port and self.back is None:
                    self.back = time.monotonic()
            else:
                self.unacked += 1


def drill(tls, nodes, sentinels, sports, args):
    t_start = time.monotonic()
    rec = EventRecorder(tls, sports)
    old = master_addr(sentinels[0])[1]
    w = Writer(tls, sports)
    w.thread.start()
    wait_for("acknowledged writes before the kill", lambda: len(w.acked) >= 50, args.timeout)
    time.sleep(max(0.0, args.drill_writes - (time.monotonic() - t_start)))
    acked_before = len(w.acked)
    master_node = next(n for n in nodes if n.port == old)
    log("drill: %d writes acknowledged by a replica (WAIT 1) on 127.0.0.1:%d; "
        "SIGKILL to the master (pid %d)" % (acked_before, old, master_node.proc.pid))
    master_node.killed = True
    t0 = time.monotonic()
    os.kill(master_node.proc.pid, signal.SIGKILL)
    master_node.proc.wait()

    def new_master():
        check_alive()
        addrs = {master_addr(s) for s in sentinels}
        if len(addrs) != 1:
            return None
        a = addrs.pop()
        if a is None or a[1] == old:
            return None
        return a[1] if client(tls, a[1]).execute_command("ROLE")[0] == "master" else None

    ok = True
    try:
        new = wait_for("the sentinels to agree on a new master", new_master, args.timeout)
        wait_for("acknowledged writes on the new master", lambda: w.back is not None and
                 sum(1 for x in w.acked if x[1] == new) >= 20, args.timeout)
    finally:
        w.stop.set()
        w.thread.join(10)
        rec.stop.set()
    t_end = time.monotonic()

    # Every acknowledged write must be on the new master.
    m = client(tls, new, timeout=10)
    keys = ["drill:%d" % n for n, _ in w.acked]
    missing = []
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        for k, v in zip(chunk, m.mget(chunk)):
            if v != k.split(":")[1]:
                missing.append(k)
    after = sum(1 for x in w.acked if x[1] == new)

    def at(ev):
        return "%7.3fs" % (ev[0] - t0) if ev else "    n/a"

    def ev_line(label, ev):
        where = " (sentinel :%d) %s %s" % (ev[1], ev[2], ev[3]) if ev else ""
        return "  %s  %s%s" % (at(ev), label, where)

    timeline = ["  %7.3fs  master killed" % 0.0]
    if w.first_error is not None:
        timeline.append("  %7.3fs  writer: first failed write" % (w.first_error - t0))
    timeline += [
        ev_line("detection: subjectively down", rec.first("+sdown", "master")),
        ev_line("detection: objectively down", rec.first("+odown", "master")),
        ev_line("election: failover attempt", rec.first("+try-failover")),
        ev_line("election: leader elected", rec.first("+elected-leader")),
        ev_line("replica selected", rec.first("+selected-slave")),
        ev_line("promotion: REPLICAOF NO ONE sent", rec.first("+failover-state-send-slaveof-noone")),
        ev_line("promotion: replica is master", rec.first("+promoted-slave")),
        ev_line("clients told: +switch-master", rec.first("+switch-master")),
        ev_line("failover ended", rec.first("+failover-end")),
    ]
    if w.back is not None:
        timeline.append("  %7.3fs  clients back: first acknowledged write on 127.0.0.1:%d"
                        % (w.back - t0, new))
    # In order of time; events never seen (n/a) last.
    def when(line):
        head = line.split()[0]
        return 1e9 if head == "n/a" else float(head.rstrip("s"))
    timeline.sort(key=when)
    lines = ["", "Timeline (seconds after SIGKILL to the master 127.0.0.1:%d)" % old]
    lines += timeline
    lines += [
        "",
        "new master 127.0.0.1:%d; acknowledged writes %d (%d before the kill, %d on the "
        "new master), unacknowledged %d" % (new, len(w.acked), acked_before, after, w.unacked),
    ]
    if missing:
        ok = False
        lines.append("FAIL: %d acknowledged writes missing on the new master, e.g. %s"
                     % (len(missing), ", ".join(missing[:5])))
    else:
        lines.append("every acknowledged write is on the new master")
    if rec.first("+switch-master") is None:
        ok = False
        lines.append("FAIL: no +switch-master event was seen")
    lines.append("drill took %.1fs; result: %s" % (t_end - t_start, "PASS" if ok else "FAIL"))
    log("\n".join(lines))
    return ok


def main():
    args = parse_args()
    if not os.access(SERVER, os.X_OK):
        sys.exit("demo: %s is missing; build it with: make BUILD_TLS=yes" % SERVER)
    if args.port_base:
        dports = [args.port_base + i for i in range(3)]
        sports = [args.port_base + 3 + i for i in range(3)]
    else:
        dports, sports = [6380, 6381, 6382], [26380, 26381, 26382]

    run = args.run_dir or os.path.join(ROOT, "demo-run", time.strftime("%Y%m%d-%H%M%S")
                                       + "-%d" % os.getpid())
    if os.path.exists(run) and os.listdir(run):
        sys.exit("demo: %s exists and is not empty; give a fresh --run-dir" % run)
    os.makedirs(run, exist_ok=True)
    run = os.path.abspath(run)
    log("demo: run directory %s (configs, logs, pids; nothing is removed)" % run)

    if args.tls_dir:
        tls = os.path.abspath(args.tls_dir)
    else:
        tls = os.path.join(run, "tls")
        log("demo: making certificates in %s" % tls)
        subprocess.run([os.path.join(ROOT, "utils", "gen-test-certs.sh"), tls], check=True,
                       stdout=subprocess.DEVNULL)
    for f in ("ca.crt", "server.crt", "server.key", "client.crt", "client.key"):
        if not os.path.exists(os.path.join(tls, f)):
            sys.exit("demo: %s/%s is missing" % (tls, f))

    # SIGINT (Ctrl-C) and SIGTERM stop the demo; SIGINT may arrive ignored
    # (a background job of a non-interactive shell), so it is set here.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))

    nodes = [Node("master", dports[0], "master"), Node("replica1", dports[1], "replica"),
             Node("replica2", dports[2], "replica")]
    nodes += [Node("sentinel%d" % (i + 1), p, "sentinel") for i, p in enumerate(sports)]
    rc = 0
    try:
        for node in nodes:
            write_config(run, tls, node, dports[0], args.down_after)
            start_node(run, node)
        t0 = time.monotonic()
        for node in nodes:
            wait_for("%s to accept TLS connections on %d (log: %s)" % (node.name, node.port, node.log),
                     lambda: check_alive() or client(tls, node.port).ping(), args.timeout, 0.02)
        wait_for("the replicas to finish their first sync",
                 lambda: check_alive() or replicas_linked(tls, dports[0], 2), args.timeout)
        sentinels = [client(tls, p) for p in sports]
        addr = wait_for("the three sentinels to agree",
                        lambda: sentinels_agree(sentinels, 2), args.timeout)
        log("demo: the sentinels agree after %.1fs: master %s:%d "
            "(SENTINEL GET-MASTER-ADDR-BY-NAME %s)" % (time.monotonic() - t0, addr[0], addr[1], MASTER_NAME))
        log("demo: pids: %s" % " ".join("%s=%d" % (n.name, n.proc.pid) for n in started))
        log("\nConnect to the master:\n  %s\n" % connect_hint(tls, addr[1]))
        log("Ask a sentinel:\n  %s sentinel get-master-addr-by-name %s"
            % (connect_hint(tls, sports[0]), MASTER_NAME))
        log(status(tls, sentinels, sports))
        if args.failover_drill:
            rc = 0 if drill(tls, nodes, sentinels, sports, args) else 1
        else:
            log("\nRunning until Ctrl-C.")
            while True:
                check_alive()
                time.sleep(0.5)
    except KeyboardInterrupt:
        log("\ndemo: stopping")
    except DemoError as e:
        log("demo: FAIL: %s" % e)
        rc = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        n = len(started)
        stop_all()
        log("demo: stopped the %d processes it started; logs stay in %s" % (n, run))
    return rc


if __name__ == "__main__":
    sys.exit(main())
