# directives.tcl -- cluster directives with Redis 7.0's defaults and
# behaviour (plain, or TLS end to end with --tls): cluster-port defaults to
# port + 10000; cluster-require-full-coverage, cluster-allow-reads-when-down
# and cluster-allow-pubsubshard-when-down while a master is down;
# cluster-allow-replica-migration when a master loses its last slot.

source [file join $::tests_dir helpers cluster.tcl]

# Directives of a cluster node with no cluster-port (the default).
proc cluster_overrides_default_port {} {
    set o [list cluster-enabled yes cluster-node-timeout 1000]
    if {$::tls} {lappend o tls-cluster yes}
    return $o
}

# Gives every slot of <from> (a node id) to the node at <level>, through
# BUMPEPOCH (so that its claim wins everywhere) and SETSLOT NODE on that
# node (pipelined).
proc take_all_slots_of {level from} {
    set slots {}
    foreach range [r $level cluster slots] {
        if {[lindex $range 2 2] eq $from} {
            for {set s [lindex $range 0]} {$s <= [lindex $range 1]} {incr s} {
                lappend slots $s
            }
        }
    }
    set me [r $level cluster myid]
    set c [redis_client 127.0.0.1 [srv $level port]]
    # The newest epoch first, so that no claim is ever older than <from>'s.
    assert_match "BUMPED *" [$c cluster bumpepoch]
    $c deferred 1
    foreach s $slots {$c cluster setslot $s node $me}
    foreach s $slots {assert_equal OK [$c read]}
    $c deferred 0
    $c close
    return [llength $slots]
}

tags {cluster} {

test "cluster-port defaults to port + 10000, and MEET without a bus port uses it" {
    start_server [list overrides [cluster_overrides_default_port]] {
    start_server [list overrides [cluster_overrides_default_port]] {
        assert_equal {cluster-port 0} [r config get cluster-port]
        foreach l {-1 0} {
            set p [srv $l port]
            assert_match "*:$p@[expr {$p + 10000}] myself,master*" [r $l cluster nodes]
            # The bus really listens there.
            set s [socket 127.0.0.1 [expr {$p + 10000}]]
            close $s
        }
        # The two-argument MEET reaches the other's bus at port + 10000.
        assert_equal OK [r -1 cluster meet 127.0.0.1 [srv 0 port]]
        wait_for_condition 300 50 {
            [cluster_info_field 0 cluster_known_nodes] == 2 &&
            [cluster_info_field -1 cluster_known_nodes] == 2 &&
            ![string match "*handshake*" [r -1 cluster nodes]]
        } else {fail "MEET without a bus port failed: [r -1 cluster nodes]"}
        set p [srv 0 port]
        assert_match "*127.0.0.1:$p@[expr {$p + 10000}] master*" [r -1 cluster nodes]
    }
    }
}

start_cluster 3 {
    set m2 [r 0 cluster myid]
    # Keys and channels of the first master (slots 0-5460): tag {b}.
    assert_equal 3300 [r -2 cluster keyslot "{b}"]
    r -2 set "{b}k" v

    test "Redis 7.0's defaults of the down-state directives" {
        assert_equal {cluster-require-full-coverage yes} [r -2 config get cluster-require-full-coverage]
        assert_equal {cluster-allow-reads-when-down no} [r -2 config get cluster-allow-reads-when-down]
        assert_equal {cluster-allow-pubsubshard-when-down yes} [r -2 config get cluster-allow-pubsubshard-when-down]
        assert_equal {cluster-allow-replica-migration yes} [r -2 config get cluster-allow-replica-migration]
    }

    test "A master down: cluster-require-full-coverage yes stops every slot" {
        exec kill -9 [srv 0 pid]
        wait_for_condition 300 50 {
            [cluster_info_field -2 cluster_state] eq "fail" &&
            [cluster_info_field -1 cluster_state] eq "fail"
        } else {fail "the cluster did not go down"}
        assert_error "CLUSTERDOWN The cluster is down" {r -2 get "{b}k"}
        assert_error "CLUSTERDOWN The cluster is down" {r -2 set "{b}k" w}
        # Keyless commands still run.
        assert_equal PONG [r -2 ping]
    }

    test "cluster-allow-pubsubshard-when-down: SPUBLISH while the cluster is down" {
        # Default yes: shard channels keep working.
        assert_equal 0 [r -2 spublish "{b}ch" hello]
        r -2 config set cluster-allow-pubsubshard-when-down no
        assert_error "CLUSTERDOWN The cluster is down" {r -2 spublish "{b}ch" hello}
        # Reads allowed does not let shard channels through.
        r -2 config set cluster-allow-reads-when-down yes
        assert_error "CLUSTERDOWN The cluster is down" {r -2 spublish "{b}ch" hello}
        r -2 config set cluster-allow-reads-when-down no
        r -2 config set cluster-allow-pubsubshard-when-down yes
        assert_equal 0 [r -2 spublish "{b}ch" hello]
    }

    test "cluster-allow-reads-when-down yes: reads served, writes refused" {
        r -2 config set cluster-allow-reads-when-down yes
        assert_equal v [r -2 get "{b}k"]
        assert_error "CLUSTERDOWN The cluster is down and only accepts read commands" \
            {r -2 set "{b}k" w}
        r -2 config set cluster-allow-reads-when-down no
        assert_error "CLUSTERDOWN The cluster is down" {r -2 get "{b}k"}
    }

    test "cluster-require-full-coverage no: the reachable masters serve their slots" {
        foreach l {-2 -1} {r $l config set cluster-require-full-coverage no}
        wait_for_condition 300 50 {
            [cluster_info_field -2 cluster_state] eq "ok"
        } else {fail "the cluster did not come back without full coverage"}
        assert_equal v [r -2 get "{b}k"]
        assert_equal OK [r -2 set "{b}k" w]
        # The dead master's slots still redirect to it.
        set slot [r -2 cluster keyslot foo]
        assert_equal $m2 [cluster_slot_owner -2 $slot]
        assert_error "MOVED $slot *" {r -2 get foo}
        foreach l {-2 -1} {r $l config set cluster-require-full-coverage yes}
        wait_for_condition 300 50 {
            [cluster_info_field -2 cluster_state] eq "fail"
        } else {fail "full coverage required again did not stop the cluster"}
    }
}

start_cluster 3 {
    set m0 [r -2 cluster myid]
    set m1 [r -1 cluster myid]
    set m2 [r 0 cluster myid]
    # The third master keeps 10 slots (16374-16383); the rest of its range
    # goes to the second, so that moving its slots later is quick.
    foreach l {-2 -1 0} {r $l cluster delslotsrange 10922 16373}
    r -1 cluster addslotsrange 10922 16373
    foreach l {-2 -1 0} {
        wait_for_condition 300 50 {
            [cluster_slot_owner $l 10922] eq $m1 &&
            [cluster_info_field $l cluster_state] eq "ok"
        } else {fail "the layout did not converge: [r $l cluster nodes]"}
    }

    test "cluster-allow-replica-migration no: a master that lost its slots stays an empty master" {
        foreach l {-2 -1 0} {r $l config set cluster-allow-replica-migration no}
        assert_equal 10 [take_all_slots_of -1 $m2]
        # The decision is taken when the emptied master learns it lost them.
        wait_for_condition 300 50 {
            [cluster_slot_owner 0 16383] eq $m1 &&
            [cluster_slot_owner -2 16383] eq $m1
        } else {fail "the slots did not move: [r 0 cluster nodes]"}
        assert_equal master [cluster_node_role 0 $m2]
        assert_equal master [lindex [r 0 role] 0]
        wait_for_condition 100 50 {
            [cluster_node_role -2 $m2] eq "master"
        } else {fail "the others see it as something else"}
        assert_no_match "*Reconfiguring myself as a replica*" [::file_content [srv 0 stdout]]
    }

    test "cluster-allow-replica-migration yes: it becomes a replica of the new owner" {
        # Give the empty master a slot back (its config epoch, 3, beats the
        # first master's 1), then take it again.
        r 0 cluster setslot 0 node $m2
        wait_for_condition 300 50 {
            [cluster_slot_owner -1 0] eq $m2 && [cluster_slot_owner -2 0] eq $m2
        } else {fail "slot 0 did not go back to the emptied master"}
        foreach l {-2 -1 0} {r $l config set cluster-allow-replica-migration yes}
        assert_equal 1 [take_all_slots_of -2 $m2]
        wait_for_condition 300 50 {
            [cluster_node_role 0 $m2] eq "slave" &&
            [lindex [cluster_node_line 0 $m2] 3] eq $m0
        } else {fail "it did not become a replica of the new owner: [r 0 cluster nodes]"}
        assert_match "*Reconfiguring myself as a replica of $m0*" [::file_content [srv 0 stdout]]
        wait_for_condition 300 50 {
            [string match "*master_link_status:up*" [r 0 info replication]]
        } else {fail "it does not replicate the new owner"}
    }
}

}
