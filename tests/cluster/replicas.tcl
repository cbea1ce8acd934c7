# replicas.tcl -- cluster replicas (CLUSTER REPLICATE, replication through
# the replication module, over TLS in --tls mode), replicas in CLUSTER
# NODES/SLOTS/SHARDS/REPLICAS, READONLY reads, manual failover (default,
# FORCE, TAKEOVER) and automatic failover after SIGKILL, the old master
# rejoining as a replica, cluster-replica-no-failover.

source [file join $::tests_dir helpers cluster.tcl]

tags {cluster} {

# Three masters; level -1 replicates the first master (level -4, slots
# 0-5460, where "hello" -- slot 866 -- lives), level 0 the second until the
# first test moves it to the first master as well. (A high migration
# barrier keeps replica migration out of these tests.)
start_cluster_with_replicas 3 2 {repl-diskless-sync-delay 0 cluster-migration-barrier 99} {
    set m0 [r -4 cluster myid]
    set r1 [r -1 cluster myid]
    set r2 [r 0 cluster myid]

    test "CLUSTER REPLICATE moves a replica to another master" {
        assert_equal [r -3 cluster myid] [lindex [cluster_node_line 0 $r2] 3]
        assert_equal OK [r 0 cluster replicate $m0]
        foreach l {-4 -3 -2 -1 0} {
            wait_for_condition 200 50 {
                [lindex [cluster_node_line $l $r2] 3] eq $m0 &&
                [llength [r $l cluster replicas $m0]] == 2
            } else {
                fail "level $l does not see $r2 as a replica of $m0"
            }
        }
        wait_for_condition 200 50 {
            [string match "*connected_slaves:2*" [r -4 info replication]] &&
            [string match "*master_link_status:up*" [r 0 info replication]]
        } else {
            fail "the replica did not sync with its new master"
        }
        assert_equal 0 [llength [r -3 cluster replicas [r -3 cluster myid]]]
    }

    test "CLUSTER REPLICATE: errors" {
        assert_error "*Unknown node*" \
            {r -3 cluster replicate 0123456789012345678901234567890123456789}
        assert_error "*Can't replicate myself*" {r -3 cluster replicate [r -3 cluster myid]}
        assert_error "*I can only replicate a master, not a replica*" \
            {r -3 cluster replicate $r1}
        assert_error "*To set a master the node must be empty and without assigned slots*" \
            {r -3 cluster replicate $m0}
        assert_error "*REPLICAOF not allowed in cluster mode*" {r -3 replicaof 127.0.0.1 1}
        assert_error "*FAILOVER not allowed in cluster mode*" {r -3 failover}
    }

    test "Replicas in CLUSTER NODES, REPLICAS, SLOTS, SHARDS and INFO" {
        foreach l {-4 -3 -2 -1 0} {
            assert_equal slave [cluster_node_role $l $r1]
            assert_equal $m0 [lindex [cluster_node_line $l $r1] 3]
        }
        assert_match "*myself,slave $m0 *" [cluster_node_line -1 $r1]
        set reps [r -3 cluster replicas $m0]
        assert_equal 2 [llength $reps] "replicas: $reps"
        assert_error "*The specified node is not a master*" {r -3 cluster replicas $r1}
        # CLUSTER SLOTS: the range 0-5460 lists the master then two replicas.
        foreach range [r -2 cluster slots] {
            if {[lindex $range 0] != 0} continue
            assert_equal 5 [llength $range]
            assert_equal $m0 [lindex $range 2 2]
            assert_equal [lsort [list $r1 $r2]] \
                [lsort [list [lindex $range 3 2] [lindex $range 4 2]]]
            assert_equal [srv -1 port] [lindex $range [expr {[lindex $range 3 2] eq $r1 ? 3 : 4}] 1]
        }
        # CLUSTER SHARDS: role and replication offset of the replicas.
        r -4 set hello world
        wait_for_condition 100 50 {[r -1 dbsize] == 1 && [r 0 dbsize] == 1} else {
            fail "the replicas did not get the write"
        }
        set found 0
        foreach shard [r -1 cluster shards] {
            set nodes [dict get $shard nodes]
            if {[dict get [lindex $nodes 0] id] ne $m0} continue
            assert_equal 3 [llength $nodes]
            foreach node [lrange $nodes 1 end] {
                assert_equal replica [dict get $node role]
                assert_morethan [dict get $node replication-offset] 0
            }
            set found 1
        }
        assert_equal 1 $found
        assert_match "*role:slave*" [r -1 info replication]
        assert_equal 2 [llength [lindex [r -4 role] 2]] "role: [r -4 role]"
    }

    test "Replica offsets travel in the bus header" {
        set off [lindex [r -4 role] 1]
        wait_for_condition 200 50 {
            [dict get [lindex [dict get [cluster_shard_of -3 $m0] nodes] 1] replication-offset] >= $off
        } else {
            fail "the replica's offset did not reach the other masters"
        }
    }

    test "READONLY reads on a replica; writes and plain reads are redirected" {
        catch {r -1 get hello} e
        assert_equal "MOVED 866 127.0.0.1:[srv -4 port]" $e
        assert_equal OK [r -1 readonly]
        assert_equal world [r -1 get hello]
        catch {r -1 set hello x} e
        assert_equal "MOVED 866 127.0.0.1:[srv -4 port]" $e
        # A key of another master's slot is still redirected.
        catch {r -1 get foo} e
        assert_match "MOVED 12182 *" $e
        assert_equal OK [r -1 readwrite]
        catch {r -1 get hello} e
        assert_match "MOVED 866 *" $e
    }

    test "CLUSTER FAILOVER on a master is refused" {
        assert_error "*You should send CLUSTER FAILOVER to a replica*" {r -4 cluster failover}
        assert_error "*syntax*" {r -1 cluster failover sideways}
    }

    test "Manual CLUSTER FAILOVER: the replica takes over, no write lost" {
        for {set i 0} {$i < 100} {incr i} {r -4 set "{hello}$i" $i}
        set epoch_before [cluster_info_field -4 cluster_current_epoch]
        set t0 [clock milliseconds]
        assert_equal OK [r -1 cluster failover]
        wait_for_condition 200 50 {
            [cluster_node_role -1 $r1] eq "master" &&
            [cluster_node_role -4 $m0] eq "slave" &&
            [lindex [cluster_node_line -4 $m0] 3] eq $r1
        } else {
            fail "manual failover did not complete: [r -1 cluster nodes]"
        }
        set ::manual_failover_ms [expr {[clock milliseconds] - $t0}]
        puts "manual failover took $::manual_failover_ms ms"
        assert_morethan [cluster_info_field -1 cluster_current_epoch] $epoch_before
        assert_match "*Manual failover user request accepted*" [::file_content [srv -1 stdout]]
        assert_match "*Manual failover requested by replica*" [::file_content [srv -4 stdout]]
        # Every node sends clients to the new master.
        foreach l {-3 -2 0} {
            wait_for_condition 200 50 {
                [catch {r $l get hello} e] && $e eq "MOVED 866 127.0.0.1:[srv -1 port]"
            } else {
                fail "level $l does not redirect to the new master: $e"
            }
        }
        assert_equal world [r -1 get hello]
        assert_equal 99 [r -1 get "{hello}99"]
        # The other replica and the old master follow the new master.
        wait_for_condition 200 50 {
            [lindex [cluster_node_line 0 $r2] 3] eq $r1 &&
            [string match "*master_link_status:up*" [r -4 info replication]] &&
            [string match "*master_link_status:up*" [r 0 info replication]]
        } else {
            fail "the shard did not reform around the new master"
        }
        r -1 set hello again
        wait_for_condition 100 50 {[r -4 readonly] eq "OK" && [r -4 get hello] eq "again"} else {
            fail "the old master does not replicate the new one"
        }
        r -4 readwrite
    }

    test "CLUSTER FAILOVER FORCE: election without the master's agreement" {
        foreach l {-3 -2 -1 0} {
            wait_for_condition 200 50 {[cluster_node_role $l $m0] eq "slave"} else {
                fail "level $l still sees $m0 as a master"
            }
        }
        # The shard's master is now another node, so the masters' vote
        # window for the old one does not apply.
        assert_equal OK [r -4 cluster failover force]
        wait_for_condition 200 50 {
            [cluster_node_role -4 $m0] eq "master" && [cluster_node_role -1 $r1] eq "slave"
        } else {
            fail "forced failover did not complete: [r -4 cluster nodes]"
        }
        assert_match "*Forced failover user request accepted*" [::file_content [srv -4 stdout]]
        assert_match "*Failover election won*" [::file_content [srv -4 stdout]]
    }

    test "CLUSTER FAILOVER TAKEOVER: no election, a new epoch" {
        wait_for_condition 200 50 {
            [string match "*master_link_status:up*" [r 0 info replication]] &&
            [lindex [cluster_node_line 0 $r2] 3] eq $m0
        } else {
            fail "replica 2 not following $m0"
        }
        set epoch [cluster_info_field 0 cluster_current_epoch]
        assert_equal OK [r 0 cluster failover takeover]
        wait_for_condition 200 50 {
            [cluster_node_role -3 $r2] eq "master" && [cluster_node_role -4 $m0] eq "slave"
        } else {
            fail "takeover did not complete"
        }
        assert_morethan [cluster_info_field 0 cluster_my_epoch] $epoch
        assert_match "*Taking over the master (user request)*" [::file_content [srv 0 stdout]]
        assert_no_match "*Starting a failover election*" [::file_content [srv 0 stdout]]
        assert_equal again [r 0 get hello]
    }

    test "Automatic failover after SIGKILL of the master; WAIT-acknowledged writes survive" {
        # The shard is now r2 (level 0) with replicas m0 (-4) and r1 (-1).
        wait_for_condition 200 50 {
            [string match "*connected_slaves:2*" [r 0 info replication]]
        } else {
            fail "the shard did not reform: [r 0 info replication]"
        }
        for {set i 0} {$i < 200} {incr i} {r 0 set "{hello}w$i" $i}
        assert_equal 2 [r 0 wait 2 5000]
        set t0 [clock milliseconds]
        exec kill -9 [srv 0 pid]
        wait_for_condition 400 50 {
            [cluster_slot_owner -3 866] in [list $m0 $r1]
        } else {
            fail "no replica was promoted: [r -3 cluster nodes]"
        }
        set ::auto_failover_ms [expr {[clock milliseconds] - $t0}]
        puts "automatic failover (node timeout 1000 ms) took $::auto_failover_ms ms"
        set newlevel [expr {[cluster_slot_owner -3 866] eq $m0 ? -4 : -1}]
        wait_for_condition 200 50 {[cluster_info_field -3 cluster_state] eq "ok"} else {
            fail "the cluster did not recover"
        }
        assert_equal 199 [r $newlevel get "{hello}w199"]
        for {set i 0} {$i < 200} {incr i} {
            assert_equal $i [r $newlevel get "{hello}w$i"]
        }
        assert_match "*Failover election won*" [::file_content [srv $newlevel stdout]]
        set ::auto_new_master_level $newlevel
    }

    test "The killed master restarts and rejoins as a replica of the new master" {
        restart_server 0
        set newid [r $::auto_new_master_level cluster myid]
        wait_for_condition 300 50 {
            [cluster_node_role 0 $r2] eq "slave" &&
            [lindex [cluster_node_line 0 $r2] 3] eq $newid &&
            [string match "*master_link_status:up*" [r 0 info replication]]
        } else {
            fail "the old master did not rejoin as a replica: [r 0 cluster nodes]"
        }
        wait_for_condition 200 50 {
            [cluster_node_role -3 $r2] eq "slave" &&
            ![string match "*fail*" [lindex [cluster_node_line -3 $r2] 2]]
        } else {
            fail "the others do not see it as a healthy replica"
        }
        r 0 readonly
        assert_equal 199 [r 0 get "{hello}w199"]
    }
}

# cluster-replica-no-failover and cluster-replica-validity-factor: the
# replica of a killed master stays one while either forbids the election.
start_cluster_with_replicas 3 1 {cluster-replica-no-failover yes repl-diskless-sync-delay 0 cluster-replica-validity-factor 1 repl-ping-replica-period 1} {
    set m0 [r -3 cluster myid]
    set r1 [r 0 cluster myid]
    test "cluster-replica-no-failover: no election, nofailover flag" {
        wait_for_condition 100 50 {[string match "*nofailover*" [cluster_node_line -1 $r1]]} else {
            fail "the nofailover flag did not reach the others: [cluster_node_line -1 $r1]"
        }
        exec kill -9 [srv -3 pid]
        wait_for_condition 200 50 {
            [string match "*fail*" [lindex [cluster_node_line 0 $m0] 2]] &&
            ![string match "*fail\\?*" [lindex [cluster_node_line 0 $m0] 2]]
        } else {
            fail "the master was not marked failing"
        }
        # Longer than the election delays: still a replica.
        set deadline [expr {[clock milliseconds] + 3000}]
        while {[clock milliseconds] < $deadline} {
            assert_equal slave [cluster_node_role 0 $r1]
            after 100
        }
        assert_no_match "*Starting a failover election*" [::file_content [srv 0 stdout]]
    }

    test "cluster-replica-validity-factor: too old data, no election" {
        # Allowed age: 1 s (ping period) + 1 * 1 s (node timeout), past
        # the node timeout.
        wait_for_condition 200 50 {
            [regexp {master_link_down_since_seconds:(\d+)} [r 0 info replication] -> s] && $s >= 4
        } else {
            fail "the link to the killed master is not down"
        }
        r 0 config set cluster-replica-no-failover no
        wait_for_condition 200 50 {
            [string match "*Currently unable to failover: Disconnected from master for longer than allowed*" \
                 [::file_content [srv 0 stdout]]]
        } else {
            fail "no refusal logged"
        }
        assert_equal slave [cluster_node_role 0 $r1]
        # Without the validity check the election runs.
        r 0 config set cluster-replica-validity-factor 0
        wait_for_condition 200 50 {[cluster_node_role 0 $r1] eq "master"} else {
            fail "no failover with cluster-replica-validity-factor 0"
        }
    }
}

# Replica migration: a master that lost its only replica gets one of the
# replicas of the master that has two.
start_cluster_with_replicas 3 2 {repl-diskless-sync-delay 0} {
    test "Replica migration: an orphaned master gets a replica back" {
        set m0 [r -4 cluster myid]
        set m1 [r -3 cluster myid]
        assert_equal $m1 [lindex [cluster_node_line 0 [r 0 cluster myid]] 3]
        # Level 0 leaves m1 for m0: m1 is orphaned, m0 has two replicas.
        set t0 [clock milliseconds]
        assert_equal OK [r 0 cluster replicate $m0]
        wait_for_condition 200 50 {
            [llength [r -3 cluster replicas $m1]] == 0 &&
            [llength [r -4 cluster replicas $m0]] == 2
        } else {
            fail "the replica did not leave $m1"
        }
        wait_for_condition 300 50 {
            [llength [r -3 cluster replicas $m1]] == 1 &&
            [llength [r -4 cluster replicas $m0]] == 1
        } else {
            fail "no replica migrated to the orphaned master"
        }
        puts "replica migration after [expr {[clock milliseconds] - $t0}] ms"
        # The replica with the smaller id moved.
        set ids [lsort [list [r -1 cluster myid] [r 0 cluster myid]]]
        set moved [lindex [r -3 cluster replicas $m1] 0 0]
        assert_equal [lindex $ids 0] $moved
        set level [expr {[r -1 cluster myid] eq $moved ? -1 : 0}]
        assert_match "*Migrating to orphaned master $m1*" [::file_content [srv $level stdout]]
        wait_for_condition 200 50 {
            [string match "*master_link_status:up*" [r $level info replication]]
        } else {
            fail "the migrated replica did not sync"
        }
    }
}

# cluster-link-sendbuf-limit: a peer that stops reading (SIGSTOP) has its
# link freed once the unsent bytes pass the limit.
start_cluster 3 {
    test "cluster-link-sendbuf-limit frees the link of a peer that stopped reading" {
        set stopped [r 0 cluster myid]
        assert_equal 0 [cluster_info_field -1 total_cluster_links_buffer_limit_exceeded]
        r -1 config set cluster-link-sendbuf-limit [expr {256 * 1024}]
        exec kill -STOP [srv 0 pid]
        set payload [string repeat x [expr {512 * 1024}]]
        # The kernel's socket buffers take the first megabytes; keep
        # publishing until the link is freed.
        set freed 0
        for {set i 0} {$i < 200 && !$freed} {incr i} {
            r -1 publish big $payload
            after 20
            set freed [expr {[cluster_info_field -1 total_cluster_links_buffer_limit_exceeded] > 0}]
        }
        exec kill -CONT [srv 0 pid]
        assert_equal 1 $freed
        assert_match "*Freeing cluster link(*node $stopped*due to exceeding send buffer memory limit*" \
            [::file_content [srv -1 stdout]]
        # The link comes back and the node is healthy again.
        r -1 config set cluster-link-sendbuf-limit 0
        wait_for_condition 200 50 {
            ![string match "*fail*" [lindex [cluster_node_line -1 $stopped] 2]] &&
            [cluster_info_field -1 cluster_state] eq "ok"
        } else {
            fail "the stopped node did not recover: [cluster_node_line -1 $stopped]"
        }
        foreach link [r -1 cluster links] {
            assert {[dict exists $link send-buffer-allocated]}
        }
    }
}

}
