# Sentinel interoperability: a group mixing two of our sentinels and one of
# Debian's Redis 7.0 redis-sentinel manages Debian Redis 7.0 servers and
# agrees after a failover; python3-redis's Sentinel client finds the master
# through our sentinels (plain, or TLS-only with mutual TLS under --tls).
source [file join $::tests_dir helpers sentinel.tcl]

set mport [::next_port]
set rport [::next_port]
set sports [list [::next_port] [::next_port] [::next_port]]

proc ::py_discover {sport} {
    set tls [expr {$::tls ? "True" : "False"}]
    set d $::tls_dir
    set script "
import redis
from redis.sentinel import Sentinel
kw = {}
if $tls:
    kw = dict(ssl=True, ssl_certfile='$d/client.crt', ssl_keyfile='$d/client.key', ssl_ca_certs='$d/ca.crt')
s = Sentinel(\[('127.0.0.1', $sport)\], sentinel_kwargs=kw, socket_timeout=5, **kw)
host, port = s.discover_master('mymaster')
m = s.master_for('mymaster', **kw)
m.set('interop-key', 'v')
print(host, port, m.get('interop-key').decode())
"
    return [exec /usr/bin/python3 -c $script 2>@1]
}

try {
    set master [::start_data_server master $mport]
    set rep [::start_data_server replica $rport $mport]
    set s1i [::start_sentinel ours1 [lindex $sports 0] mymaster $mport]
    set s2i [::start_sentinel ours2 [lindex $sports 1] mymaster $mport]
    set s3i [::start_sentinel debian [lindex $sports 2] mymaster $mport 2 /usr/bin/redis-sentinel]
    set s1 [::sentinel_client [lindex $sports 0]]
    set s3 [::sentinel_client [lindex $sports 2]]

    test "A mixed group (ours and Debian's redis-sentinel) discovers itself" {
        foreach s [list $s1 $s3] {
            wait_for_condition 300 50 {
                [::field [$s sentinel master mymaster] num-other-sentinels] == 2 &&
                [::field [$s sentinel master mymaster] num-slaves] == 1
            } else {fail "the mixed group did not discover itself"}
        }
        assert_match "OK 3 usable*" [$s3 sentinel ckquorum mymaster]
    }

    test "python3-redis's Sentinel client finds the master through our sentinel" {
        assert_equal [::py_discover [lindex $sports 0]] "127.0.0.1 $mport v"
    }

    test "The mixed group fails over and every sentinel agrees" {
        exec kill -KILL [dict get $master pid]
        wait_for_condition 800 50 {
            [$s1 sentinel get-master-addr-by-name mymaster] eq [list 127.0.0.1 $rport] &&
            [$s3 sentinel get-master-addr-by-name mymaster] eq [list 127.0.0.1 $rport]
        } else {fail "no agreement after the failover"}
        assert_equal [::py_discover [lindex $sports 0]] "127.0.0.1 $rport v"
    }
} finally {
    foreach c {s1 s3} {if {[info exists $c]} {catch {[set $c] close}}}
    ::sentinel_cleanup
}
