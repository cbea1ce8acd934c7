# ioredis-failover.tcl -- ioredis' Cluster client (npm registry) keeps
# writing across the automatic failover of a master killed with SIGKILL
# (3 masters with a replica each; tls-cluster and `redisOptions: {tls}`
# under --tls), follows the promoted replica, and every write a replica had
# acknowledged (WAIT 1) is there afterwards.

source [file join $::tests_dir helpers cluster.tcl]
source [file join $::tests_dir helpers node.tcl]

tags {cluster ioredis} {
start_cluster_with_replicas 3 3 {repl-diskless-sync-delay 0 cluster-migration-barrier 99} {
    set dir [file join $::tmp_root "ioredis-failover.[pid]"]
    file mkdir $dir
    set log [file join $dir failover.log]
    set go [file join $dir go]
    file delete -force $go
    # "{b}" (slot 3300) lives on the first master (level -5), whose
    # replica is level -2.
    assert_equal 3300 [r -5 cluster keyslot "{b}"]
    set m0 [r -5 cluster myid]
    set r0 [r -2 cluster myid]
    assert_equal $m0 [lindex [cluster_node_line -2 $r0] 3]

    test "ioredis Cluster writes with WAIT to a master with a replica" {
        ::node_spawn cluster-failover.js [::node_opts port [srv -4 port] go $go] $log
        set line [::node_wait_log $log {^phase1 ok}]
        assert_equal "127.0.0.1:[srv -5 port]" [lindex $line 3]
    }

    test "ioredis Cluster keeps writing across the SIGKILL of the master" {
        exec kill -9 [srv -5 pid]
        wait_for_condition 400 50 {
            [cluster_slot_owner -4 3300] eq $r0 && [cluster_slot_owner -2 3300] eq $r0
        } else {fail "the replica was not promoted: [r -4 cluster nodes]"}
        close [open $go w]
        ::node_wait_log $log {^ALL OK} 60000
        set after [::node_wait_log $log {^owner-after }]
        assert_equal "127.0.0.1:[srv -2 port]" [lindex $after 1]
        puts "ioredis: [::node_wait_log $log {^errors }] during the failover"
        assert_equal 100 [r -2 eval {return #redis.call('keys', '{b}:*')} 0]
    }
    ::node_cleanup
}
}
