# fake_peer.py -- what the stand-in servers of the tests (fake_master.py,
# fake_rdb_master.py) share: a listening socket on 127.0.0.1, TLS with
# server.crt/server.key from the suite's TLS directory, and a loop that
# serves one connection at a time and keeps a count of them in a file.
import socket
import ssl


def tls_context(tlsdir):
    """A server-side TLS context for tlsdir, or None when tlsdir is ""."""
    if not tlsdir:
        return None
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tlsdir + "/server.crt", tlsdir + "/server.key")
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def serve_forever(port, countfile, tlsdir, handler, idle=None):
    """Accepts connections on port one at a time; rewrites countfile with
    the number accepted so far, wraps each in TLS when tlsdir is set and
    hands it to handler(conn); socket and TLS errors end that connection
    only. With idle, the accept waits 1 s at a time and calls idle()
    between waits (it may exit the process)."""
    ctx = tls_context(tlsdir)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(5)
    if idle:
        srv.settimeout(1)
    count = 0
    while True:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            idle()
            continue
        conn.settimeout(None)
        count += 1
        with open(countfile, "w") as f:
            f.write(str(count))
        try:
            if ctx:
                conn = ctx.wrap_socket(conn, server_side=True)
            handler(conn)
        except (OSError, ssl.SSLError):
            pass
        try:
            conn.close()
        except OSError:
            pass
