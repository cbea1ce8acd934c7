#!/usr/bin/python3
"""tls_records.py PORT PID CERTDIR -- drives a TLS connection record by
record, which Tcl's TLS binding cannot do, to test how the server reads
records it has received but not yet processed.

1. 2,000 PINGs, each in its own TLS record, sent in one TCP write: every
   one must be answered (records buffered inside OpenSSL are processed
   without waiting for the socket to signal again).
2. One whole record and half of the next: the first is answered, and the
   server must not busy-loop on the half record (its CPU time over one
   second stays low); the rest of the record then gets its answer.
Prints "OK" on success, else a line saying what went wrong; exit status 0
or 1. Written for Debian's /usr/bin/python3 (ssl module with MemoryBIO).
"""
import os
import socket
import ssl
import sys
import time


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class RecordClient:
    def __init__(self, port, certdir):
        ctx = ssl.create_default_context(cafile=os.path.join(certdir, "ca.crt"))
        ctx.load_cert_chain(os.path.join(certdir, "client.crt"),
                            os.path.join(certdir, "client.key"))
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.inc = ssl.MemoryBIO()
        self.out = ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.inc, self.out, server_hostname="localhost")
        while True:
            try:
                self.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self.flush()
                self.fill()
        self.flush()
        self.buf = b""

    def flush(self):
        data = self.out.read()
        if data:
            self.sock.sendall(data)

    def fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise RuntimeError("connection closed by the server")
        self.inc.write(data)

    def record(self, payload):
        """Returns the bytes of one TLS record carrying <payload>."""
        self.tls.write(payload)
        return self.out.read()

    def read_lines(self, n):
        lines = []
        while len(lines) < n:
            while b"\r\n" not in self.buf:
                try:
                    self.buf += self.tls.read(65536)
                except ssl.SSLWantReadError:
                    self.fill()
            line, self.buf = self.buf.split(b"\r\n", 1)
            lines.append(line)
        return lines


def main():
    port, pid, certdir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    c = RecordClient(port, certdir)
    records = b"".join(c.record(b"PING\r\n") for _ in range(2000))
    c.sock.sendall(records)
    replies = c.read_lines(2000)
    if replies != [b"+PONG"] * 2000:
        print("many records: bad replies", replies[:3])
        return 1
    first = c.record(b"ECHO first\r\n")
    second = c.record(b"ECHO second\r\n")
    half = len(second) // 2
    c.sock.sendall(first + second[:half])
    if c.read_lines(2) != [b"$5", b"first"]:
        print("whole record before a half one was not answered")
        return 1
    before = cpu_seconds(pid)
    time.sleep(1.0)  # a measurement window, not a wait for an event
    spent = cpu_seconds(pid) - before
    if spent > 0.3:
        print("server busy-loops on a half record: %.2f s of CPU in 1 s" % spent)
        return 1
    c.sock.sendall(second[half:])
    if c.read_lines(2) != [b"$6", b"second"]:
        print("the completed record was not answered")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
