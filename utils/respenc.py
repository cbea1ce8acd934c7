"""RESP request encoding shared by the scripts in utils/."""


def encode(*args):
    """The RESP array of bulk strings for a command and its arguments
    (bytes as they are, anything else as its str() in UTF-8)."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if not isinstance(a, bytes):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)
