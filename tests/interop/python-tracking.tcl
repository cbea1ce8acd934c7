# python-tracking.tcl -- client-side caching driven by a real client library:
# Debian's python3-redis (4.3.4, RESP2 only) keeps a small cache of GET
# replies and drops entries on the invalidation messages that the server
# sends, through REDIRECT, to a connection subscribed to
# __redis__:invalidate (the RESP2 form of client-side caching). Default and
# BCAST modes, FLUSHALL's null message, GETREDIR and TRACKINGINFO through
# the library's own methods. Runs plain and --tls (ssl=True).

set ::pt_python /usr/bin/python3

set ::pt_script {
import sys
import time
import redis

port, tls, certs = int(sys.argv[1]), sys.argv[2] == "1", sys.argv[3]
kw = dict(host="127.0.0.1", port=port, socket_timeout=20)
if tls:
    kw.update(ssl=True, ssl_ca_certs=certs + "/ca.crt",
              ssl_certfile=certs + "/client.crt",
              ssl_keyfile=certs + "/client.key")

admin = redis.Redis(**kw)
subr = redis.Redis(client_name="py-trk-sub", **kw)
ps = subr.pubsub()
ps.subscribe("__redis__:invalidate")
m = ps.get_message(timeout=10)
assert m and m["type"] == "subscribe", m
subid = [c["id"] for c in admin.client_list() if c["name"] == "py-trk-sub"]
assert len(subid) == 1, admin.client_list()
subid = int(subid[0])

data = redis.Redis(single_connection_client=True, **kw)
cache = {}
hits = [0]


def cached_get(key):
    if key in cache:
        hits[0] += 1
        return cache[key]
    value = data.get(key)
    cache[key] = value
    return value


def pump(until, seconds=10):
    """Applies invalidation messages until <until>() holds."""
    deadline = time.time() + seconds
    while not until():
        if time.time() > deadline:
            raise AssertionError("no invalidation; cache=%r" % cache)
        m = ps.get_message(timeout=0.5)
        if not m or m["type"] != "message":
            continue
        assert m["channel"] == b"__redis__:invalidate", m
        if m["data"] is None:
            cache.clear()
        else:
            for k in m["data"]:
                cache.pop(k.decode(), None)


assert data.client_tracking_on(clientid=subid) in (True, b"OK", "OK")
assert data.client_getredir() == subid
info = data.client_trackinginfo()
assert info[0] == "flags" and b"on" in info[1], info

admin.set("py:a", "1")
admin.set("py:b", "1")
assert cached_get("py:a") == b"1"
assert cached_get("py:b") == b"1"
assert cached_get("py:a") == b"1" and hits[0] == 1
admin.set("py:a", "2")
pump(lambda: "py:a" not in cache)
assert "py:b" in cache
assert cached_get("py:a") == b"2"
admin.flushall()
pump(lambda: not cache)
assert cached_get("py:b") is None

data.client_tracking_off()
assert data.client_getredir() == -1
assert data.client_tracking_on(clientid=subid, bcast=True,
                               prefix=["py:x:"]) in (True, b"OK", "OK")
cache["py:x:1"] = b"stale"
cache["py:y:1"] = b"kept"
admin.set("py:x:1", "new")
admin.set("py:y:1", "ignored")
pump(lambda: "py:x:1" not in cache)
assert cache.get("py:y:1") == b"kept"
print("python-tracking-ok")
}

if {![file executable $::pt_python] ||
    [catch {exec $::pt_python -c "import redis" 2>@1}]} {
    ::report skip "python3-redis client-side caching" "python3-redis is not installed"
    return
}

start_server {tags {interop tracking}} {
    test "python3-redis: a RESP2 client-side cache kept fresh through REDIRECT and __redis__:invalidate" {
        set tls [expr {[info exists ::tls] && $::tls}]
        catch {exec timeout 60 $::pt_python -c $::pt_script [srv 0 port] $tls $::tls_dir 2>@1} out
        assert_match "*python-tracking-ok*" $out
    }
}
