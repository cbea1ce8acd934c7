# ioredis.tcl -- ioredis' Cluster client (npm registry) against a 3-master
# cluster of our nodes (tls-cluster and `redisOptions: {tls}` under --tls):
# reads and writes across slots, pipelines and MULTI in one slot, and the
# same client following -MOVED after a slot is moved with CLUSTER SETSLOT
# and MIGRATE.

source [file join $::tests_dir helpers cluster.tcl]
source [file join $::tests_dir helpers node.tcl]

tags {cluster ioredis} {
start_cluster 3 {
    set dir [file join $::tmp_root "ioredis-cluster.[pid]"]
    file mkdir $dir
    set log [file join $dir cluster.log]
    set go [file join $dir go]
    file delete -force $go

    test "ioredis Cluster reads and writes across slots" {
        set pid [::node_spawn cluster.js [::node_opts port [srv -2 port] go $go] $log]
        set line [::node_wait_log $log {^phase1 ok}]
        # 500 io:k keys, 50 {mv} keys and the {mv}:cnt counter.
        assert_equal 551 [expr {[r -2 dbsize] + [r -1 dbsize] + [r 0 dbsize]}]
    }

    test "ioredis Cluster follows -MOVED after the slot moved" {
        set slot [r cluster keyslot "{mv}"]
        # The owner of the slot and another node.
        set from ""
        foreach l {-2 -1 0} {
            if {[r $l cluster countkeysinslot $slot] > 0} {set from $l}
        }
        assert {$from ne ""}
        set to [expr {$from == 0 ? -1 : 0}]
        set fromid [r $from cluster myid]
        set toid [r $to cluster myid]
        r $to cluster setslot $slot importing $fromid
        r $from cluster setslot $slot migrating $toid
        set keys [r $from cluster getkeysinslot $slot 1000]
        r $from migrate 127.0.0.1 [srv $to port] "" 0 5000 KEYS {*}$keys
        foreach l {-2 -1 0} {r $l cluster setslot $slot node $toid}
        assert_equal 0 [r $from cluster countkeysinslot $slot]
        close [open $go w]
        set line [::node_wait_log $log {^moved-slot-owner }]
        assert_equal "127.0.0.1:[srv $to port]" [lindex $line 1]
        ::node_wait_log $log {^ALL OK}
        assert_equal after [r $to get "{mv}:new"]
    }
    ::node_cleanup
}
}
