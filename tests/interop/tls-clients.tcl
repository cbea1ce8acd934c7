# tls-clients.tcl -- real TLS clients nobody here wrote, against our server
# with a TLS listener: Debian's redis-cli (options and rediss:// URL),
# redis-benchmark --tls, python3-redis with ssl, and openssl s_client.
#
# The server is started with explicit TLS directives (mutual TLS with the
# certificates of tests/tls, a TLS port and a plain port from this worker's
# range), so the file runs the same in plain and --tls suite modes.

package require tls

set ::ic_cli /usr/bin/redis-cli
set ::ic_bench /usr/bin/redis-benchmark
set ::ic_python /usr/bin/python3

proc ic_file {name} {
    return [file join $::tls_dir $name]
}

# Makes the test certificates if some are missing (under a lock file, as
# tests/unit/tls.tcl does, since both may run at the same time).
proc ic_ensure_certs {} {
    set missing 0
    foreach f {ca.crt server.crt server.key client.crt client.key} {
        if {![file exists [ic_file $f]]} {set missing 1}
    }
    if {!$missing} return
    file mkdir $::tls_dir
    set lock [file join $::tls_dir .gen-test-certs.lock]
    set deadline [expr {[clock milliseconds] + 60000}]
    while {[catch {open $lock {WRONLY CREAT EXCL}} fh]} {
        if {[clock milliseconds] > $deadline} break
        after 50
    }
    catch {close $fh}
    set rc [catch {exec sh [file join $::root utils gen-test-certs.sh] $::tls_dir 2>@1} e]
    file delete -force $lock
    if {$rc} {error "gen-test-certs.sh failed: $e"}
}

# Runs <args> with a time limit; returns its stdout and stderr merged,
# whatever the exit status (the caller asserts on the text).
proc ic_run {args} {
    catch {exec timeout 60 {*}$args 2>@1} out
    return $out
}

# The client-side certificate options of redis-cli and redis-benchmark.
proc ic_cert_opts {} {
    return [list --cacert [ic_file ca.crt] --cert [ic_file client.crt] \
                --key [ic_file client.key]]
}

# Reports tests as skipped when the tool <path> is not installed.
proc ic_have {path name} {
    if {[file executable $path]} {return 1}
    ::report skip $name "$path is not installed"
    return 0
}

ic_ensure_certs

# A server built without TLS (INFO tls says tls_built:0) cannot take
# part; tests/unit/tls.tcl checks how it refuses.
set ::ic_built 1
start_server {tags {interop tls}} {
    if {[regexp {tls_built:0} [r info tls]]} {set ::ic_built 0}
}

set ::ic_tls_port [::next_port]
set ::ic_plain_port [::next_port]

if {!$::ic_built} {
    ::report skip "TLS interop tests" "the server was built without TLS"
} else {
start_server [list tags {interop tls needs:server-control external:skip} overrides [list \
        port $::ic_plain_port tls-port $::ic_tls_port \
        tls-cert-file [ic_file server.crt] tls-key-file [ic_file server.key] \
        tls-ca-cert-file [ic_file ca.crt] tls-auth-clients yes] wait_ready 0] {
    ::wait_server_ready [lindex $::servers end] [srv pid]
    if {$::tls} {
        ::set_srv 0 client [redis_client -tls 127.0.0.1 $::ic_tls_port]
    } else {
        ::set_srv 0 client [redis_client -notls 127.0.0.1 $::ic_plain_port]
    }

    if {[ic_have $::ic_cli "redis-cli --tls"]} {
        test "redis-cli --tls --cacert --cert --key PING" {
            set out [ic_run $::ic_cli --tls {*}[ic_cert_opts] \
                         -h 127.0.0.1 -p $::ic_tls_port PING]
            assert_equal PONG [string trim $out]
            set out [ic_run $::ic_cli --tls {*}[ic_cert_opts] \
                         -h 127.0.0.1 -p $::ic_tls_port SET cli:key "over tls"]
            assert_equal OK [string trim $out]
            assert_equal "over tls" [r get cli:key]
        }

        test "redis-cli -u rediss:// with certificate options" {
            set out [ic_run $::ic_cli -u rediss://127.0.0.1:$::ic_tls_port \
                         {*}[ic_cert_opts] PING]
            assert_equal PONG [string trim $out]
            set out [ic_run $::ic_cli -u rediss://127.0.0.1:$::ic_tls_port/0 \
                         {*}[ic_cert_opts] GET cli:key]
            assert_equal "over tls" [string trim $out]
        }

        test "redis-cli --tls without a client certificate is refused" {
            set out [ic_run $::ic_cli --tls --cacert [ic_file ca.crt] \
                         -h 127.0.0.1 -p $::ic_tls_port PING]
            assert_not_equal PONG [string trim $out]
            assert_equal PONG [r ping]
        }
    }

    if {[ic_have $::ic_bench "redis-benchmark --tls"]} {
        test "redis-benchmark --tls -t set,get -n 2000 completes" {
            r flushall
            set out [ic_run $::ic_bench --tls {*}[ic_cert_opts] \
                         -h 127.0.0.1 -p $::ic_tls_port -t set,get -n 2000 -q]
            set out [string map {\r \n} $out]
            assert_match "*SET: * requests per second*" $out
            assert_match "*GET: * requests per second*" $out
            assert_no_match "*rror*" $out
            # The SETs went to the key redis-benchmark uses.
            assert_equal 1 [r exists key:__rand_int__]
        }
    }

    set py_ok 0
    if {[ic_have $::ic_python "python3-redis with ssl"]} {
        set py_ok [expr {![catch {exec $::ic_python -c "import redis" 2>@1}]}]
        if {!$py_ok} {::report skip "python3-redis with ssl" "python3-redis is not installed"}
    }
    if {$py_ok} {
        test "python3-redis: ssl=True set/get/pipeline and rediss:// URL" {
            set script {
import sys
import redis

d, port = sys.argv[1], int(sys.argv[2])
certs = dict(ssl_ca_certs=d + "/ca.crt", ssl_certfile=d + "/client.crt",
             ssl_keyfile=d + "/client.key")
r = redis.Redis(host="127.0.0.1", port=port, ssl=True, socket_timeout=20,
                **certs)
assert r.ping() is True
assert r.set("py:key", "value") is True
assert r.get("py:key") == b"value", r.get("py:key")
big = b"x" * 200000
r.set("py:big", big)
assert r.get("py:big") == big
p = r.pipeline(transaction=False)
for i in range(500):
    p.set("py:n:%d" % i, i)
    p.incr("py:counter")
res = p.execute()
assert len(res) == 1000, len(res)
assert res[-1] == 500, res[-1]
t = r.pipeline(transaction=True)
t.incr("py:counter")
t.get("py:n:499")
assert t.execute() == [501, b"499"]
u = redis.from_url("rediss://127.0.0.1:%d/0" % port, socket_timeout=20,
                   **certs)
assert u.get("py:key") == b"value"
assert u.connection_pool.connection_class is redis.SSLConnection
print("python-ok")
}
            set out [ic_run $::ic_python -c $script $::tls_dir $::ic_tls_port]
            assert_match "*python-ok*" $out
            assert_equal 501 [r get py:counter]
        }
    }

    test "openssl s_client: PING gets +PONG" {
        set out [ic_run openssl s_client -quiet -ign_eof \
                     -connect 127.0.0.1:$::ic_tls_port \
                     -CAfile [ic_file ca.crt] -cert [ic_file client.crt] \
                     -key [ic_file client.key] << "PING\r\nQUIT\r\n"]
        # exec has turned CRLF into LF.
        assert {[regexp {(^|\n)\+PONG\r?\n\+OK} $out]} "no +PONG/+OK in: $out"
    }
}
}
