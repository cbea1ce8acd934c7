#!/usr/bin/python3
"""hostile_peer.py MODE PORT PID [CERTDIR] -- peers that misbehave in ways
that once made the server spin, each followed by a measurement of the
server's CPU time while nothing useful happens.

Modes (CERTDIR given: the peer speaks TLS with the test certificates):

  quit-unread   pipelines GETs of a 1 MB value, then QUIT, then keeps
                sending bytes, and never reads a reply;
  proto-unread  the same with a protocol error instead of QUIT;
  storm         1,000 connections at once: some close at once, some send
                half a TLS ClientHello or random bytes and vanish, some
                stay silent until the end; then all are gone and the
                server must go back to sleep;
  keyupdate     (TLS only, through libssl with ctypes: Python's ssl module
                cannot) fills the server's send buffer by not reading,
                then asks for a TLS 1.3 KeyUpdate and keeps sending, so the
                server's read needs to write while its socket is full.

Each mode then measures the server's CPU over IDLE_SECONDS (a measurement
window, not a wait for an event) while the peer keeps its socket open and
keeps sending. Prints "OK <cpu share>" when the server stayed under 5% of
one core, else a line saying what went wrong; exit status 0 or 1.
Written for Debian's /usr/bin/python3.
"""
import ctypes
import ctypes.util
import os
import socket
import ssl
import sys
import time

IDLE_SECONDS = 2.0
MAX_SHARE = 0.05
BIG = 1024 * 1024


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def resp(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def client_list(port, certdir):
    """CLIENT LIST from a separate, polite connection."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    if certdir:
        ctx = tls_context(certdir)
        s = ctx.wrap_socket(s, server_hostname="localhost")
    s.sendall(resp("CLIENT", "LIST"))
    data = b""
    while True:
        data += s.recv(65536)
        if b"\r\n" in data:
            n = int(data[1:data.index(b"\r\n")])
            if len(data) >= data.index(b"\r\n") + 2 + n + 2:
                break
    s.close()
    return data.decode(errors="replace")


def tls_context(certdir):
    ctx = ssl.create_default_context(cafile=os.path.join(certdir, "ca.crt"))
    ctx.load_cert_chain(os.path.join(certdir, "client.crt"),
                        os.path.join(certdir, "client.key"))
    return ctx


def wait_for_stuck_output(port, certdir, marker, deadline):
    """Waits until the server shows a client named <marker> with reply
    bytes it cannot send (omem > 0)."""
    while time.time() < deadline:
        for line in client_list(port, certdir).splitlines():
            if "name=%s " % marker in line:
                fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
                if int(fields.get("omem", "0")) > 0 or \
                        int(fields.get("tot-mem", "0")) > 4 * BIG:
                    return True
        time.sleep(0.05)
    return False


def measure(pid, keep_sending):
    before = cpu_seconds(pid)
    end = time.time() + IDLE_SECONDS
    while time.time() < end:
        keep_sending()
        time.sleep(0.05)
    return (cpu_seconds(pid) - before) / IDLE_SECONDS


def unread_mode(port, pid, certdir, mode):
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    s = tls_context(certdir).wrap_socket(raw, server_hostname="localhost") \
        if certdir else raw
    s.sendall(resp("SET", "hostile:big", b"x" * BIG) +
              resp("CLIENT", "SETNAME", "hostile"))
    got = b""
    while got.count(b"+OK\r\n") < 2:
        got += s.recv(4096)
    tail = b"QUIT\r\n" if mode == "quit-unread" else b"*1\r\n$x\r\n"
    s.sendall(resp("GET", "hostile:big") * 20 + tail + b"PING\r\n" * 1000)
    if not wait_for_stuck_output(port, certdir, "hostile", time.time() + 10):
        return "the server never had unsent replies for the peer"
    s.setblocking(False)
    junk = b"PING\r\n" * 2000

    def keep_sending():
        try:
            s.send(junk)
        except (BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
            pass
        except OSError:
            pass

    share = measure(pid, keep_sending)
    s.close()
    return share


class LibSSL:
    """The few libssl calls the keyupdate peer needs."""

    def __init__(self):
        path = ctypes.util.find_library("ssl") or "libssl.so.3"
        self.lib = ctypes.CDLL(path)
        L = self.lib
        L.TLS_client_method.restype = ctypes.c_void_p
        L.SSL_CTX_new.restype = ctypes.c_void_p
        L.SSL_CTX_new.argtypes = [ctypes.c_void_p]
        L.SSL_CTX_load_verify_locations.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
        L.SSL_CTX_use_certificate_chain_file.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p]
        L.SSL_CTX_use_PrivateKey_file.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        L.SSL_CTX_ctrl.argtypes = [ctypes.c_void_p, ctypes.c_int,
                                   ctypes.c_long, ctypes.c_void_p]
        L.SSL_CTX_ctrl.restype = ctypes.c_long
        L.SSL_new.restype = ctypes.c_void_p
        L.SSL_new.argtypes = [ctypes.c_void_p]
        L.SSL_set_fd.argtypes = [ctypes.c_void_p, ctypes.c_int]
        L.SSL_connect.argtypes = [ctypes.c_void_p]
        L.SSL_write.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        L.SSL_read.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        L.SSL_get_error.argtypes = [ctypes.c_void_p, ctypes.c_int]
        L.SSL_key_update.argtypes = [ctypes.c_void_p, ctypes.c_int]
        L.SSL_free.argtypes = [ctypes.c_void_p]
        L.SSL_CTX_free.argtypes = [ctypes.c_void_p]


def keyupdate_mode(port, pid, certdir):
    ssl_lib = LibSSL()
    L = ssl_lib.lib
    ctx = L.SSL_CTX_new(L.TLS_client_method())
    # SSL_CTX_set_min_proto_version (ctrl 123) to TLS 1.3 (0x304): KeyUpdate
    # exists only there.
    L.SSL_CTX_ctrl(ctx, 123, 0x304, None)
    if L.SSL_CTX_load_verify_locations(
            ctx, os.path.join(certdir, "ca.crt").encode(), None) != 1:
        return "cannot load the CA"
    L.SSL_CTX_use_certificate_chain_file(
        ctx, os.path.join(certdir, "client.crt").encode())
    L.SSL_CTX_use_PrivateKey_file(
        ctx, os.path.join(certdir, "client.key").encode(), 1)
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    # Python keeps a socket with a timeout non-blocking underneath; libssl
    # wants a blocking one until the peer turns hostile below.
    sock.settimeout(None)
    ssl_obj = L.SSL_new(ctx)
    L.SSL_set_fd(ssl_obj, sock.fileno())
    if L.SSL_connect(ssl_obj) != 1:
        return "TLS handshake failed"

    def write_all(data):
        while data:
            n = L.SSL_write(ssl_obj, data, len(data))
            if n <= 0:
                return False
            data = data[n:]
        return True

    write_all(resp("SET", "hostile:big", b"x" * BIG) +
              resp("CLIENT", "SETNAME", "hostile-ku"))
    buf = ctypes.create_string_buffer(4096)
    got = b""
    while got.count(b"+OK\r\n") < 2:
        n = L.SSL_read(ssl_obj, buf, 4096)
        if n <= 0:
            return "no reply to SET"
        got += buf.raw[:n]
    write_all(resp("GET", "hostile:big") * 40)
    if not wait_for_stuck_output(port, certdir, "hostile-ku",
                                 time.time() + 10):
        return "the server never had unsent replies for the peer"
    sock.setblocking(False)
    # SSL_KEY_UPDATE_REQUESTED = 1: the server must answer with its own
    # KeyUpdate, which its full socket cannot take now.
    if L.SSL_key_update(ssl_obj, 1) != 1:
        return "SSL_key_update failed"
    ping = b"PING\r\n"

    def keep_sending():
        # Each write carries the pending KeyUpdate first, then a record.
        L.SSL_write(ssl_obj, ping, len(ping))

    keep_sending()
    share = measure(pid, keep_sending)
    L.SSL_free(ssl_obj)
    L.SSL_CTX_free(ctx)
    sock.close()
    return share


def connected_clients(port, certdir):
    return len([l for l in client_list(port, certdir).splitlines() if l])


def storm_mode(port, pid, certdir):
    base = connected_clients(port, certdir)
    hello = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(100)
    socks = []
    for i in range(1000):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
        except OSError:
            continue
        kind = i % 4
        try:
            if kind == 1:
                s.send(hello)
            elif kind == 2:
                s.send(os.urandom(200))
        except OSError:
            pass
        if kind == 0:
            s.close()
        else:
            socks.append(s)
    for s in socks:
        s.close()
    deadline = time.time() + 30
    while connected_clients(port, certdir) > base:
        if time.time() > deadline:
            return "the connections of the storm were not released"
        time.sleep(0.05)
    return measure(pid, lambda: None)


def main():
    mode, port, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    certdir = sys.argv[4] if len(sys.argv) > 4 else None
    if mode in ("quit-unread", "proto-unread"):
        result = unread_mode(port, pid, certdir, mode)
    elif mode == "storm":
        result = storm_mode(port, pid, certdir)
    elif mode == "keyupdate":
        result = keyupdate_mode(port, pid, certdir)
    else:
        print("unknown mode", mode)
        return 1
    if isinstance(result, str):
        print(result)
        return 1
    if result > MAX_SHARE:
        print("server busy: %.0f%% of a core while idle" % (result * 100))
        return 1
    print("OK %.3f" % result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
