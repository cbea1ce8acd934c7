# rejoin.tcl -- nodes leaving and coming back (plain, or TLS end to end
# with --tls): a master restarted keeps its id, slots and keys and the
# cluster goes back to ok; a restarted replica follows its master again;
# CLUSTER RESET on a replica makes it an empty master (as Redis 7.0 does),
# which can then MEET the cluster again and replicate once more.

source [file join $::tests_dir helpers cluster.tcl]

tags {cluster} {

# Three masters (levels -3..-1); level 0 replicates the first.
start_cluster_with_replicas 3 1 {appendonly yes appendfsync always repl-diskless-sync-delay 0 cluster-migration-barrier 99} {
    set m0 [r -3 cluster myid]
    set m1 [r -2 cluster myid]
    set rid [r 0 cluster myid]

    test "A master restarted rejoins with its id, slots and keys; the cluster is ok again" {
        # Keys of the second master's slots (5461-10921): tag {c} is 7365.
        set slot [r -2 cluster keyslot "{c}"]
        assert {$slot >= 5461 && $slot <= 10921}
        for {set i 0} {$i < 100} {incr i} {r -2 set "{c}k$i" $i}
        set slots_before [lrange [cluster_node_line -3 $m1] 8 end]
        restart_server -2
        assert_equal $m1 [r -2 cluster myid]
        # Every node sees it as a healthy master with the same slots.
        foreach l {-3 -1 0} {
            wait_for_condition 300 50 {
                [cluster_info_field $l cluster_state] eq "ok" &&
                ![string match "*fail*" [lindex [cluster_node_line $l $m1] 2]] &&
                [lindex [cluster_node_line $l $m1] 7] eq "connected"
            } else {fail "node at level $l does not see the master back: [r $l cluster nodes]"}
        }
        assert_equal $slots_before [lrange [cluster_node_line -3 $m1] 8 end]
        assert_equal 100 [r -2 dbsize]
        assert_equal 99 [r -2 get "{c}k99"]
        # Clients are sent to it again.
        assert_error "*MOVED $slot 127.0.0.1:[srv -2 port]*" {r -3 get "{c}k1"}
    }

    test "A master killed with SIGKILL comes back with its slots too (no replica to fail over)" {
        exec kill -9 [srv -2 pid]
        wait_for_condition 300 50 {
            [string match "*master,fail *" [cluster_node_line -3 $m1]]
        } else {fail "the killed master is not marked failed"}
        assert_equal fail [cluster_info_field -3 cluster_state]
        restart_server -2
        foreach l {-3 -1 0} {
            wait_for_condition 400 50 {
                [cluster_info_field $l cluster_state] eq "ok" &&
                ![string match "*fail*" [lindex [cluster_node_line $l $m1] 2]]
            } else {fail "node at level $l: [r $l cluster nodes]"}
        }
        assert_equal 100 [r -2 dbsize]
    }

    test "A replica restarted follows its master again with the data" {
        for {set i 0} {$i < 50} {incr i} {r -3 set "{b}r$i" $i}
        assert_equal 1 [r -3 wait 1 5000]
        restart_server 0
        assert_equal $rid [r 0 cluster myid]
        wait_for_condition 300 50 {
            [string match "*master_link_status:up*" [r 0 info replication]] &&
            [cluster_node_role -3 $rid] eq "slave" &&
            [lindex [cluster_node_line -3 $rid] 3] eq $m0
        } else {fail "the replica did not rejoin: [r -3 cluster nodes]"}
        r -3 set "{b}after" 1
        assert_equal 1 [r -3 wait 1 5000]
        r 0 readonly
        assert_equal 49 [r 0 get "{b}r49"]
        assert_equal 1 [r 0 get "{b}after"]
        r 0 readwrite
    }

    test "CLUSTER RESET SOFT on a replica makes it an empty master that forgot the cluster" {
        assert_error "*containing keys*" {r -3 cluster reset}
        set keys_before [r 0 dbsize]
        assert {$keys_before > 0}
        assert_equal OK [r 0 cluster reset soft]
        assert_equal $rid [r 0 cluster myid]
        assert_equal 0 [r 0 dbsize]
        assert_match "*role:master*" [r 0 info replication]
        assert_equal master [lindex [r 0 role] 0]
        assert_match "*myself,master*" [r 0 cluster nodes]
        assert_equal 1 [cluster_info_field 0 cluster_known_nodes]
        assert_equal 0 [cluster_info_field 0 cluster_slots_assigned]
        # Its old master lets it go; the others see an empty master.
        wait_for_condition 300 50 {
            [string match "*connected_slaves:0*" [r -3 info replication]] &&
            [cluster_node_role -3 $rid] eq "master"
        } else {fail "the others still see a replica: [r -3 cluster nodes]"}
        # Writes to the old master no longer reach it.
        r -3 set "{b}later" 1
        assert_equal 0 [r 0 dbsize]
    }

    test "The reset node MEETs the cluster again and replicates once more" {
        r 0 cluster meet 127.0.0.1 [srv -3 port] [lindex [r -3 config get cluster-port] 1]
        wait_for_condition 300 50 {
            [cluster_info_field 0 cluster_known_nodes] == 4 &&
            ![string match "*handshake*" [r 0 cluster nodes]]
        } else {fail "the reset node did not rejoin: [r 0 cluster nodes]"}
        assert_equal OK [r 0 cluster replicate $m0]
        wait_for_condition 300 50 {
            [string match "*master_link_status:up*" [r 0 info replication]] &&
            [cluster_node_role -3 $rid] eq "slave"
        } else {fail "the reset node is not a replica again"}
        r 0 readonly
        wait_for_condition 100 50 {[r 0 get "{b}later"] eq "1"} else {
            fail "the replica did not get the data back"
        }
        r 0 readwrite
    }

    test "CLUSTER RESET HARD on a replica: empty master with a new id and epochs 0" {
        assert_equal OK [r 0 cluster reset hard]
        set newid [r 0 cluster myid]
        assert_not_equal $rid $newid
        assert_equal 0 [r 0 dbsize]
        assert_match "*role:master*" [r 0 info replication]
        assert_equal 0 [cluster_info_field 0 cluster_current_epoch]
        assert_equal 0 [cluster_info_field 0 cluster_my_epoch]
        assert_match "*Node hard reset, now I'm $newid*" [::file_content [srv 0 stdout]]
    }
}

}
