# convert.tcl -- a replica promoted behind Sentinel's back is turned back
# into a replica (+convert-to-slave) once it has reported the master role
# for failover-timeout; and the sentinel does not send that order again
# within failover-timeout of its own REPLICAOF, even when its next INFO
# shows a master again without it ever seeing the replica role in between.
# That is what another sentinel's failover looks like: its promotion's
# CLIENT KILL drops our links, and the first INFO on the new link already
# shows the promoted master. Without the guard, a sentinel that had
# converted that instance earlier turned the new master straight back into
# a replica of the dead one, and the failover timed out (found by
# interop/ioredis-sentinel's SIGKILL test, 20 s late).
source [file join $::tests_dir helpers sentinel.tcl]

set mport [::next_port]
set rport [::next_port]
set sport [::next_port]

# How many +convert-to-slave the sentinel logged.
proc ::conversions {inst} {
    return [regexp -all {\+convert-to-slave} [::file_content [dict get $inst log]]]
}

# Runs <args> on the replica on a new connection (the sentinel's REPLICAOF
# kills normal clients).
proc ::on_replica {args} {
    set c [redis_client 127.0.0.1 $::rport]
    set v [$c {*}$args]
    $c close
    return $v
}

try {
    ::start_data_server master $mport
    ::start_data_server replica $rport $mport
    set sinst [::start_sentinel ours $sport mymaster $mport 1]
    set s [::sentinel_client $sport]

    test "A replica promoted by hand is converted back, and not again within failover-timeout of the order" {
        wait_for_condition 200 50 {
            [::field [$s sentinel master mymaster] num-slaves] == 1
        } else {fail "the replica was not discovered"}
        assert_equal OK [$s sentinel set mymaster failover-timeout 4000]
        assert_equal OK [$s sentinel debug info-period 1500]
        assert_equal OK [::on_replica replicaof no one]
        wait_for_condition 400 50 {[::conversions $sinst] == 1} else {
            fail "the promoted replica was not converted back"
        }
        wait_for_condition 300 10 {[lindex [::on_replica role] 0] eq "slave"} else {
            fail "the sentinel's REPLICAOF did not arrive"
        }
        # Promoted again at once: the sentinel's last INFO (the one that
        # made it send the order) showed a master, and so will its next.
        assert_equal OK [::on_replica replicaof no one]
        set t0 [clock milliseconds]
        wait_for_condition 300 20 {
            [::field [lindex [$s sentinel replicas mymaster] 0] info-refresh] <
                [clock milliseconds] - $t0
        } else {fail "no INFO after the second promotion"}
        assert_equal 1 [::conversions $sinst]
        assert_equal master [lindex [::on_replica role] 0]
        # Once failover-timeout has passed since its order, the sentinel
        # converts it again, as Redis's does.
        wait_for_condition 400 50 {[::conversions $sinst] == 2} else {
            fail "not converted after failover-timeout"
        }
        wait_for_condition 300 20 {
            [lindex [::on_replica role] 0] eq "slave" && [lindex [::on_replica role] 2] == $mport
        } else {fail "the replica does not follow the master again"}
    }
} finally {
    foreach c {s} {if {[info exists $c]} {catch {[set $c] close}}}
    ::sentinel_cleanup
}
