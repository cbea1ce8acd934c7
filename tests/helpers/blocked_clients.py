#!/usr/bin/python3
"""Helper process of start_blocked_clients (tests/helpers/util.tcl).

Holds up to 500 clients so that a test can block thousands of them: Tcl's
notifier cannot watch descriptors past FD_SETSIZE, and Tcl's TLS sockets
handshake slowly (no TCP_NODELAY). Standard library only.

    blocked_clients.py host port tls(0|1) tls_dir n command arg...

Opens <n> clients (TLS with the suite's client certificate when asked,
resuming the first client's session), sends <command> on each and prints
"sent"; then reads one reply per client, sends PING on each and expects
PONG, and prints, as a Tcl list:
    done <null replies> <other replies> {<up to 10 of the others>}
A connection error prints "error <text>" and exits with status 1.
"""
import os
import socket
import ssl
import sys

READ_TIMEOUT = 120.0


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


class Client:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("connection closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exact(self, n):
        while len(self.buf) < n + 2:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("connection closed")
            self.buf += data
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self):
        """One RESP2/RESP3 reply: None for nulls, str, int or list."""
        line = self.line()
        kind, rest = line[:1], line[1:].decode(errors="replace")
        if kind in (b"+", b":"):
            return rest
        if kind == b"-":
            return "error: " + rest
        if kind == b"_":
            return None
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.exact(n).decode(errors="replace")
        if kind in (b"*", b"~", b">"):
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise ValueError("unexpected reply type %r" % line)


def tcl_word(v):
    """Renders a reply as a Tcl word (lists of simple strings only)."""
    if isinstance(v, list):
        v = " ".join(tcl_word(x) if x is not None else "{}" for x in v)
    s = str(v)
    return "{%s}" % s if (not s or any(c in s for c in " {}\\\"[]$;")) else s


def main():
    host, port, use_tls, tls_dir, n = sys.argv[1:6]
    command = sys.argv[6:]
    port, n = int(port), int(n)
    if not 0 < n <= 500:
        print("error at most 500 clients per helper, %d asked" % n)
        return 1
    ctx = None
    if use_tls == "1":
        ctx = ssl.create_default_context(cafile=os.path.join(tls_dir, "ca.crt"))
        ctx.load_cert_chain(os.path.join(tls_dir, "client.crt"),
                            os.path.join(tls_dir, "client.key"))
        ctx.check_hostname = False
    clients = []
    session = None
    try:
        for _ in range(n):
            s = socket.create_connection((host, port), timeout=READ_TIMEOUT)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if ctx:
                s = ctx.wrap_socket(s, session=session)
            c = Client(s)
            if ctx and session is None:
                # TLS 1.3 sends the session ticket after the handshake.
                c.sock.sendall(encode(["PING"]))
                c.read()
                session = c.sock.session
            clients.append(c)
    except (OSError, ssl.SSLError, EOFError) as e:
        print("error connecting client %d: %s" % (len(clients) + 1, e))
        return 1
    payload = encode(command)
    for c in clients:
        c.sock.sendall(payload)
    print("sent", flush=True)

    nil, other, samples = 0, 0, []

    def note(text):
        nonlocal other
        other += 1
        if len(samples) < 10:
            samples.append(text)

    for c in clients:
        try:
            r = c.read()
        except (OSError, ValueError, EOFError) as e:
            note("error: %s" % e)
            continue
        if r is None:
            nil += 1
        else:
            note(r)
    ping = encode(["PING"])
    for c in clients:
        try:
            c.sock.sendall(ping)
            r = c.read()
        except (OSError, ValueError, EOFError) as e:
            r = "error: %s" % e
        if r != "PONG":
            note(["after PING:", str(r)])
        c.sock.close()
    print("done %d %d {%s}" % (nil, other,
                               " ".join(tcl_word(x) for x in samples)),
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
