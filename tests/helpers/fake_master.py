#!/usr/bin/python3
# fake_master.py -- a "master" that answers a replica's handshake with a
# scripted, broken reply, for the replica's bad-input tests.
#
# Usage: fake_master.py <port> <mode> <countfile> [tlsdir]
#   mode: truncated  FULLRESYNC, an RDB announced as 1000 bytes, 14 sent,
#                    then the connection is closed
#         badpsync   garbage instead of the PSYNC reply
#         badcrc     a complete RDB payload with a wrong checksum
#         badlen     an invalid bulk length for the RDB
#         longline   100 KB without a newline where a reply line belongs
#         silent     never answers (the replica's repl-timeout must fire)
#         halfmulti  a full sync of an empty dataset, then MULTI and a SET
#                    of the stream, and never the EXEC
#         oddstream  a full sync of an empty dataset, then a stream of
#                    ODD_STREAM_LEN bytes in forms a Redis master does not
#                    use (inline commands, an empty array, lower case): a
#                    replica's offset must count them as received
#   countfile: rewritten with the number of connections accepted so far
#   tlsdir: serve TLS with server.crt/server.key from this directory
# Runs until killed; serves one connection at a time.
import sys
import time

import fake_peer

port = int(sys.argv[1])
mode = sys.argv[2]
countfile = sys.argv[3]
tlsdir = sys.argv[4] if len(sys.argv) > 4 else ""

HANDSHAKE = b"+PONG\r\n+OK\r\n+OK\r\n"
FULL = b"+FULLRESYNC " + b"a" * 40 + b" 0\r\n"
BADCRC_RDB = b"REDIS0010\xff" + b"\x01" * 8
EMPTY_RDB = b"REDIS0010\xff" + b"\x00" * 8  # checksum 0: not checked

payloads = {
    "truncated": HANDSHAKE + FULL + b"$1000\r\nREDIS0010short",
    "badpsync": HANDSHAKE + b"GARBAGE NOT A REPLY\r\n",
    "badcrc": HANDSHAKE + FULL + b"$%d\r\n" % len(BADCRC_RDB) + BADCRC_RDB,
    "badlen": HANDSHAKE + FULL + b"$abc\r\n",
    "longline": HANDSHAKE + b"x" * 100000,
    "silent": b"",
    "halfmulti": HANDSHAKE + FULL + b"$%d\r\n" % len(EMPTY_RDB) + EMPTY_RDB
    + b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n",
}
ODD_STREAM = (b"SET inl 1\r\n" + b"*0\r\n"
              + b"*3\r\n$3\r\nset\r\n$3\r\nlow\r\n$1\r\nv\r\n"
              + b"INCR inl\r\n"
              + b"*3\r\n$3\r\nSET\r\n$4\r\nlast\r\n$1\r\n1\r\n")
ODD_STREAM_LEN = len(ODD_STREAM)
payloads["oddstream"] = (HANDSHAKE + FULL + b"$%d\r\n" % len(EMPTY_RDB)
                         + EMPTY_RDB + ODD_STREAM)
payload = payloads[mode]


def serve(conn):
    conn.recv(1024)  # the PING
    conn.sendall(payload)
    if mode == "truncated":
        time.sleep(0.2)
    else:
        conn.settimeout(30)
        while conn.recv(65536):
            pass


fake_peer.serve_forever(port, countfile, tlsdir, serve)
