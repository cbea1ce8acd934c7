# ioredis-sentinel.tcl -- ioredis' Sentinel mode (`sentinels`, `name`, and
# under --tls `enableTLSForSentinelMode` with `sentinelTLS`) finds the
# master through three of our sentinels and keeps writing across a
# SENTINEL FAILOVER and then across the SIGKILL of the new master; the
# writes go on on each new master. Data nodes are
# Debian's Redis 7.0 (tests/helpers/sentinel.tcl).
source [file join $::tests_dir helpers sentinel.tcl]
source [file join $::tests_dir helpers node.tcl]

# Runs <args> on the server at <port> on a new connection (sentinels close
# normal clients when they reconfigure a server); "" on any error.
proc ::io_cmd {port args} {
    if {[catch {
        set c [redis_client 127.0.0.1 $port]
        set v [$c {*}$args]
        $c close
    }]} {return ""}
    return $v
}

set mport [::next_port]
set rport [::next_port]
set sports [list [::next_port] [::next_port] [::next_port]]

try {
    set master [::start_data_server master $mport]
    set rep [::start_data_server replica $rport $mport]
    foreach p $sports i {1 2 3} {::start_sentinel ours$i $p mymaster $mport}
    set s1 [::sentinel_client [lindex $sports 0]]
    set log [file join [::sentinel_dir] ioredis-sentinel.log]
    set stop [file join [::sentinel_dir] ioredis-sentinel.stop]

    test "ioredis Sentinel mode finds the master through our sentinels" {
        wait_for_condition 300 50 {
            [::field [$s1 sentinel master mymaster] num-other-sentinels] == 2 &&
            [::field [$s1 sentinel master mymaster] num-slaves] == 1
        } else {fail "the sentinels did not discover each other"}
        set pid [::node_spawn sentinel.js [::node_opts sentinelports $sports \
                      name mymaster stop $stop] $log]
        ::node_wait_log $log {^acked [0-9]+}
        assert_morethan [::io_cmd $mport get io:seq] 0
    }

    test "ioredis keeps writing across SENTINEL FAILOVER, on the new master" {
        assert_equal OK [$s1 sentinel failover mymaster]
        wait_for_condition 600 50 {
            [$s1 sentinel get-master-addr-by-name mymaster] eq [list 127.0.0.1 $rport]
        } else {fail "no failover"}
        wait_for_condition 600 50 {
            [string match "*role:master*" [::io_cmd $rport info replication]]
        } else {fail "the replica was not promoted"}
        set at [::io_cmd $rport get io:seq]
        if {$at eq ""} {set at 0}
        wait_for_condition 600 50 {[::io_cmd $rport get io:seq] ne "" &&
                                   [::io_cmd $rport get io:seq] > $at + 100} else {
            fail "writes did not go on on the new master:\n[::file_content $log]"
        }
    }

    test "ioredis keeps writing when the new master is killed (SIGKILL)" {
        # The old master must be a replica in sync before it can be promoted.
        wait_for_condition 600 50 {
            [string match "*master_link_status:up*" [::io_cmd $mport info replication]]
        } else {fail "the old master did not become a replica"}
        exec kill -KILL [dict get $rep pid]
        wait_for_condition 800 50 {
            [$s1 sentinel get-master-addr-by-name mymaster] eq [list 127.0.0.1 $mport]
        } else {fail "no failover after SIGKILL"}
        set at [::io_cmd $mport get io:seq]
        if {$at eq ""} {set at 0}
        wait_for_condition 600 50 {[::io_cmd $mport get io:seq] ne "" &&
                                   [::io_cmd $mport get io:seq] > $at + 100} else {
            fail "writes did not go on after SIGKILL:\n[::file_content $log]"
        }
        close [open $stop w]
        set last [::node_wait_log $log {^final [0-9]+ errors [0-9]+}]
        assert_equal [lindex $last 1] [::io_cmd $mport get io:seq]
        assert_match "*ALL OK*" [::file_content $log]
    }
} finally {
    foreach c {s1} {if {[info exists $c]} {catch {[set $c] close}}}
    ::node_cleanup
    ::sentinel_cleanup
}
