#!/usr/bin/python3
# fake_rdb_master.py -- a "master" that serves a real RDB file to a replica
# in two parts, waiting between them for the test's word, so that a test
# can look at the replica while its full sync is half done and then let
# the transfer finish, cut it short or corrupt it.
#
# Usage: fake_rdb_master.py <port> <rdbfile> <replid> <len|eof> <gatefile>
#                           <countfile> [tlsdir]
#   replid:   the replication ID announced in +FULLRESYNC
#   len|eof:  "$<len>" bulk, or diskless style "$EOF:<mark>" ... <mark>
#   gatefile: after the first half of the RDB is sent (or the fraction in
#             the environment's FAKE_RDB_SPLIT), the master waits
#             until this file exists; its first word says what comes next:
#             go       the rest of the RDB (and the mark), then the link
#                      stays open (pings every second) until killed
#             cut      the connection is closed
#             garbage  4 KB of bytes that are no RDB record, then the link
#                      stays open
#   countfile: rewritten with the number of connections accepted so far
#   tlsdir:   serve TLS with server.crt/server.key from this directory
# Runs until killed, or until the test that started it is gone (its
# parent process changed); serves one connection at a time.
import os
import socket
import sys
import time

import fake_peer

port = int(sys.argv[1])
rdb = open(sys.argv[2], "rb").read()
replid = sys.argv[3].encode()
fmt = sys.argv[4]
gatefile = sys.argv[5]
countfile = sys.argv[6]
tlsdir = sys.argv[7] if len(sys.argv) > 7 else ""

MARK = b"0123456789abcdef0123456789abcdef01234567"
if fmt == "eof":
    head = b"$EOF:" + MARK + b"\r\n"
    tail = MARK
else:
    head = b"$%d\r\n" % len(rdb)
    tail = b""
# FAKE_RDB_SPLIT (0..1, default 0.5): where the first part ends.
half = int(len(rdb) * float(os.environ.get("FAKE_RDB_SPLIT", "0.5")))

parent = os.getppid()


def orphaned():
    return os.getppid() != parent


def read_until(conn, buf, word):
    while word not in buf:
        data = conn.recv(65536)
        if not data:
            raise OSError("closed")
        buf += data
    return buf


def serve(conn):
    buf = read_until(conn, b"", b"PING")
    conn.sendall(b"+PONG\r\n")
    buf = read_until(conn, b"", b"capa")
    buf = read_until(conn, buf, b"psync2")
    conn.sendall(b"+OK\r\n" * buf.count(b"REPLCONF"))
    read_until(conn, b"", b"PSYNC")
    conn.sendall(b"+FULLRESYNC " + replid + b" 1000\r\n" + head + rdb[:half])
    while not os.path.exists(gatefile):
        if orphaned():
            sys.exit(0)
        time.sleep(0.02)
    time.sleep(0.02)
    word = open(gatefile).read().split()
    word = word[0] if word else "go"
    if word == "cut":
        return
    if word == "garbage":
        conn.sendall(b"\xee" * 4096)
    else:
        conn.sendall(rdb[half:] + tail)
    conn.settimeout(1)
    while True:
        try:
            if not conn.recv(65536):
                return
        except socket.timeout:
            if orphaned():
                sys.exit(0)
            conn.sendall(b"*1\r\n$4\r\nPING\r\n")


def idle():
    if orphaned():
        sys.exit(0)


fake_peer.serve_forever(port, countfile, tlsdir, serve, idle)
