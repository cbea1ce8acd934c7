# sentinel-failover.tcl -- one scenario shared by the tests where OUR
# server is the data node: a master and two replicas (src/redis-server),
# three sentinels (<sentinel_bin>: ours when empty, or Debian's
# redis-sentinel), plain or TLS-only with mutual TLS under --tls.  Writes
# acknowledged by WAIT 1 must survive the master's SIGKILL.
source [file join $::tests_dir helpers sentinel.tcl]

proc ::ours_failover_scenario {label sentinel_bin} {
    set ::data_server_bin $::server_bin
    set mport [::next_port]
    set r1port [::next_port]
    set r2port [::next_port]
    set sports [list [::next_port] [::next_port] [::next_port]]
    try {
        set master [::start_data_server master $mport]
        ::start_data_server replica1 $r1port $mport
        ::start_data_server replica2 $r2port $mport
        set i 0
        foreach p $sports {::start_sentinel s[incr i] $p mymaster $mport 2 $sentinel_bin}
        set ss {}
        foreach p $sports {lappend ss [::sentinel_client $p]}

        test "$label: the sentinels discover our replicas and each other" {
            foreach s $ss {
                wait_for_condition 300 50 {
                    [::field [$s sentinel master mymaster] num-slaves] == 2 &&
                    [::field [$s sentinel master mymaster] num-other-sentinels] == 2
                } else {fail "discovery incomplete: [$s sentinel master mymaster]"}
            }
            assert_match "OK 3 usable*" [[lindex $ss 0] sentinel ckquorum mymaster]
        }

        test "$label: SIGKILL of our master, a replica is promoted, acknowledged writes kept" {
            set m [redis_client 127.0.0.1 $mport]
            for {set k 0} {$k < 200} {incr k} {
                $m set ack:$k $k
                assert_equal 1 [expr {[$m wait 1 5000] >= 1}]
            }
            $m close
            exec kill -KILL [dict get $master pid]
            set s1 [lindex $ss 0]
            wait_for_condition 800 50 {
                [lindex [$s1 sentinel get-master-addr-by-name mymaster] 1] != $mport &&
                [$s1 sentinel get-master-addr-by-name mymaster] eq [[lindex $ss 1] sentinel get-master-addr-by-name mymaster] &&
                [$s1 sentinel get-master-addr-by-name mymaster] eq [[lindex $ss 2] sentinel get-master-addr-by-name mymaster]
            } else {fail "the sentinels did not agree on a new master"}
            set newport [lindex [$s1 sentinel get-master-addr-by-name mymaster] 1]
            assert {$newport == $r1port || $newport == $r2port}
            set nm [redis_client 127.0.0.1 $newport]
            wait_for_condition 200 50 {
                [lindex [$nm role] 0] eq "master"
            } else {fail "the promoted replica is not a master"}
            for {set k 0} {$k < 200} {incr k} {assert_equal $k [$nm get ack:$k]}
            set other [expr {$newport == $r1port ? $r2port : $r1port}]
            set oc [redis_client 127.0.0.1 $other]
            wait_for_condition 400 50 {
                [lindex [$oc role] 0] eq "slave" && [lindex [$oc role] 2] == $newport &&
                [lindex [$oc role] 3] eq "connected"
            } else {fail "the other replica did not follow the new master: [$oc role]"}
            $nm set after-failover 1
            assert_equal 1 [$nm wait 1 5000]
            wait_for_condition 200 50 {
                [$oc get after-failover] eq "1"
            } else {fail "the new master's writes do not reach the other replica"}
            $oc close
            $nm close
        }
    } finally {
        if {[info exists ss]} {foreach s $ss {catch {$s close}}}
        ::sentinel_cleanup
    }
}
