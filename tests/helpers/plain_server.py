"""Starts a server binary (ours or a reference) plain on 127.0.0.1 with
no persistence, for the side-by-side helpers of tests/helpers. Uses
Debian's python3-redis to wait until it answers."""
import subprocess
import time

import redis


def start(binary, port, *extra):
    """Returns the process once the server answers PING (10 s at most)."""
    p = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                          "--save", "", "--appendonly", "no",
                          "--logfile", "/dev/null", *extra])
    deadline = time.time() + 10
    while True:
        try:
            redis.Redis(port=port).ping()
            return p
        except redis.ConnectionError:
            if time.time() > deadline:
                p.kill()
                raise
            time.sleep(0.02)
