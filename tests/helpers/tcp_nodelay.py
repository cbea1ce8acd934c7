#!/usr/bin/python3
# tcp_nodelay.py -- prints the TCP_NODELAY option (0 or 1) of the socket
# that process <pid> holds to the peer port <peer_port> on 127.0.0.1, by
# duplicating it with pidfd_getfd(2) (same user; needs ptrace access).
# Prints "unsupported" when the kernel or its policy does not allow it.
# Usage: tcp_nodelay.py <pid> <peer_port>
import ctypes
import os
import socket
import sys

pid = int(sys.argv[1])
peer = int(sys.argv[2])

# /proc/net/tcp: local and remote "HEXIP:HEXPORT", the inode in field 9.
inodes = set()
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        lines = open(table).read().splitlines()[1:]
    except OSError:
        continue
    for line in lines:
        f = line.split()
        if int(f[2].split(":")[1], 16) == peer:
            inodes.add(f[9])

fdnum = None
for fd in os.listdir("/proc/%d/fd" % pid):
    try:
        target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
    except OSError:
        continue
    if target.startswith("socket:[") and target[8:-1] in inodes:
        fdnum = int(fd)
        break
if fdnum is None:
    print("nosocket")
    sys.exit(0)

libc = ctypes.CDLL(None, use_errno=True)
SYS_pidfd_open, SYS_pidfd_getfd = 434, 438
pidfd = libc.syscall(SYS_pidfd_open, pid, 0)
myfd = libc.syscall(SYS_pidfd_getfd, pidfd, fdnum, 0) if pidfd >= 0 else -1
if myfd < 0:
    print("unsupported")
    sys.exit(0)
s = socket.socket(fileno=myfd)
print(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) and 1 or 0)
s.detach()
os.close(myfd)
