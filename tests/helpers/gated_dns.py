#!/usr/bin/python3
"""gated_dns.py ADDR DIR -- a DNS server on UDP ADDR:53 whose answers wait
for the test: a question about NAME is answered only once the file
DIR/release-NAME exists (polled every 20 ms, at most 60 s).  Names ending
in ".ok.test" resolve to 127.0.0.1 (A; AAAA gets an empty answer), any
other name gets NXDOMAIN.  Every question is appended to DIR/queries.log
("<qtype> <name>") as it arrives, so a test can count lookups.

It lets the Sentinel tests hold a name lookup as long as they want
(a sentinel run in its own mount namespace, whose /etc/resolv.conf
names ADDR) and check that the event loop keeps serving meanwhile.
Only the loopback address given is used.  Written for Debian's
/usr/bin/python3; stops by itself after 10 minutes.
"""
import os
import socket
import struct
import sys
import threading
import time

LIFETIME = 600


def parse_question(msg):
    """Returns (name, qtype, end offset of the question) of query <msg>."""
    pos = 12
    labels = []
    while True:
        n = msg[pos]
        pos += 1
        if n == 0:
            break
        labels.append(msg[pos:pos + n].decode("ascii", "replace"))
        pos += n
    qtype, _qclass = struct.unpack("!HH", msg[pos:pos + 4])
    return ".".join(labels).lower(), qtype, pos + 4


def answer(sock, msg, peer, workdir):
    try:
        name, qtype, qend = parse_question(msg)
    except (IndexError, struct.error):
        return
    with open(os.path.join(workdir, "queries.log"), "a") as f:
        f.write("%d %s\n" % (qtype, name))
    release = os.path.join(workdir, "release-" + name)
    deadline = time.time() + 60
    while not os.path.exists(release) and time.time() < deadline:
        time.sleep(0.02)
    (qid,) = struct.unpack("!H", msg[:2])
    question = msg[12:qend]
    ok = name.endswith(".ok.test")
    answers = b""
    if ok and qtype == 1:
        answers = struct.pack("!HHHIH", 0xC00C, 1, 1, 5, 4) + bytes([127, 0, 0, 1])
    flags = 0x8180 if ok else 0x8183
    header = struct.pack("!HHHHHH", qid, flags, 1, 1 if answers else 0, 0, 0)
    sock.sendto(header + question + answers, peer)


def main():
    addr, workdir = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((addr, 53))
    sock.settimeout(1)
    with open(os.path.join(workdir, "dns.ready"), "w") as f:
        f.write("ready\n")
    end = time.time() + LIFETIME
    while time.time() < end:
        try:
            msg, peer = sock.recvfrom(4096)
        except socket.timeout:
            continue
        threading.Thread(target=answer, args=(sock, msg, peer, workdir),
                         daemon=True).start()


if __name__ == "__main__":
    main()
