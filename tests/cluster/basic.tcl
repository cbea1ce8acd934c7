# basic.tcl -- a 3-node cluster of our servers (plain, or TLS end to end
# with --tls): slots, redirections, the CLUSTER subcommands, nodes.conf,
# failure detection, PUBLISH across the bus and a bus peer sending garbage.

source [file join $::tests_dir helpers cluster.tcl]

tags {cluster} {

start_server [list overrides [cluster_overrides {}]] {
    test "CLUSTER KEYSLOT: CRC16 modulo 16384 and hash tags" {
        assert_equal 12182 [r cluster keyslot foo]
        assert_equal 866 [r cluster keyslot hello]
        assert_equal [r cluster keyslot bar] [r cluster keyslot "{bar}.x"]
        assert_equal [r cluster keyslot "{user1000}.following"] \
            [r cluster keyslot "{user1000}.followers"]
        # An empty tag hashes the whole key; only the first opening brace counts.
        assert_equal [r cluster keyslot "foo{}{bar}"] \
            [r cluster keyslot "foo{}{bar}"]
        assert_not_equal [r cluster keyslot "bar"] [r cluster keyslot "foo{}{bar}"]
        assert_equal [r cluster keyslot "\{bar"] [r cluster keyslot "foo{{bar}}zap"]
    }

    test "A fresh node: one known node, no slots, state fail" {
        assert_equal 1 [cluster_info_field 0 cluster_known_nodes]
        assert_equal 0 [cluster_info_field 0 cluster_slots_assigned]
        assert_equal fail [cluster_info_field 0 cluster_state]
        assert_equal 40 [string length [r cluster myid]]
        assert_match "*myself,master*" [r cluster nodes]
    }

    test "Keys of unassigned slots: -CLUSTERDOWN Hash slot not served" {
        assert_error "CLUSTERDOWN Hash slot not served" {r set foo bar}
        # Commands without keys still run.
        assert_equal PONG [r ping]
    }

    test "ADDSLOTS / ADDSLOTSRANGE / DELSLOTS validate before changing" {
        assert_error "*Invalid or out of range slot*" {r cluster addslots 16384}
        assert_error "*Slot 5 specified multiple times*" {r cluster addslots 5 5}
        assert_equal OK [r cluster addslots 0 1 2]
        assert_error "*Slot 1 is already busy*" {r cluster addslots 3 1}
        assert_equal 3 [cluster_info_field 0 cluster_slots_assigned]
        assert_error "*start slot number 10 is greater than end slot number 5*" \
            {r cluster addslotsrange 10 5}
        assert_equal OK [r cluster addslotsrange 3 16383]
        assert_error "*Slot 7 specified multiple times*" {r cluster delslots 7 7}
        assert_equal OK [r cluster delslotsrange 100 199]
        assert_error "*Slot 150 is already unassigned*" {r cluster delslots 150}
        assert_equal OK [r cluster addslotsrange 100 199]
        wait_for_condition 100 20 {[cluster_info_field 0 cluster_state] eq "ok"} else {
            fail "single node with every slot is not ok"
        }
    }

    test "A node with every slot serves every key; COUNTKEYSINSLOT, GETKEYSINSLOT" {
        r set foo bar
        r set "{foo}.a" 1
        assert_equal 2 [r cluster countkeysinslot 12182]
        assert_equal [lsort [list foo "{foo}.a"]] [lsort [r cluster getkeysinslot 12182 10]]
        assert_equal 1 [llength [r cluster getkeysinslot 12182 1]]
        assert_error "*Invalid slot*" {r cluster countkeysinslot 16384}
        assert_error "*Invalid slot or number of keys*" {r cluster getkeysinslot 1 -1}
        assert_error "CROSSSLOT Keys in request don't hash to the same slot" \
            {r mset a 1 b 2}
        assert_equal OK [r mset "{t}a" 1 "{t}b" 2]
    }

    test "MULTI/EXEC: a cross-slot command inside a transaction aborts it" {
        r multi
        catch {r mget a b} e
        assert_match "CROSSSLOT*" $e
        assert_error "EXECABORT*" {r exec}
    }

    test "nodes.conf is rewritten with every change and survives a restart" {
        set id [r cluster myid]
        r cluster set-config-epoch 7
        set conf [::file_content [file join [srv 0 dir] nodes.conf]]
        assert_match "$id *myself,master* 7 connected 0-16383*" $conf
        assert_match "*vars currentEpoch 7 lastVoteEpoch 0*" $conf
        # No temporary file stays behind.
        assert_equal {} [glob -nocomplain [file join [srv 0 dir] nodes.conf.tmp*]]
        r config set appendonly no
        r flushall
        restart_server 0
        assert_equal $id [r cluster myid]
        assert_equal 16384 [cluster_info_field 0 cluster_slots_assigned]
        assert_equal 7 [cluster_info_field 0 cluster_my_epoch]
    }

    test "SET-CONFIG-EPOCH, BUMPEPOCH, RESET" {
        assert_error "*Node config epoch is already non-zero*" \
            {r cluster set-config-epoch 9}
        assert_match "STILL 7" [r cluster bumpepoch]
        r set k v
        assert_error "*CLUSTER RESET can't be called with master nodes containing keys*" \
            {r cluster reset}
        r flushall
        set id [r cluster myid]
        assert_equal OK [r cluster reset hard]
        assert_not_equal $id [r cluster myid]
        assert_equal 0 [cluster_info_field 0 cluster_slots_assigned]
        assert_equal 0 [cluster_info_field 0 cluster_current_epoch]
        assert_error "*syntax*" {r cluster reset sideways}
    }

    test "CLUSTER argument errors" {
        assert_error "*Unknown node*" {r cluster forget 0123456789012345678901234567890123456789}
        assert_error "*I tried hard but I can't forget myself*" \
            {r cluster forget [r cluster myid]}
        assert_error "*Invalid node address specified*" {r cluster meet nosuchhost 7000}
        assert_error "*Invalid TCP base port specified*" {r cluster meet 127.0.0.1 x}
        assert_error "*You should send CLUSTER FAILOVER to a replica*" {r cluster failover}
        assert_error "*unknown subcommand*" {r cluster nosuch}
        assert_error "*Invalid or out of range slot*" {r cluster setslot x stable}
        assert_error "*Invalid CLUSTER SETSLOT action*" {r cluster setslot 1 sideways x}
        assert_error "*I'm not the owner of hash slot 1*" \
            {r cluster setslot 1 migrating [r cluster myid]}
        assert_match "*CLUSTER <subcommand>*" [r cluster help]
    }
}

start_server {} {
    test "Without cluster-enabled: CLUSTER, READONLY and ASKING refuse" {
        assert_error "*This instance has cluster support disabled*" {r cluster info}
        assert_error "*This instance has cluster support disabled*" {r readonly}
        assert_error "*This instance has cluster support disabled*" {r asking}
    }
}

start_cluster 3 {
    set ids [cluster_node_ids 3]
    # Level -2 owns 0-5460, -1 owns 5461-10921, 0 owns 10922-16383.

    test "Three nodes agree on slots and epochs" {
        for {set l -2} {$l <= 0} {incr l} {
            assert_equal 3 [cluster_info_field $l cluster_size]
            assert_equal 16384 [cluster_info_field $l cluster_slots_ok]
            set nodes [r $l cluster nodes]
            foreach id $ids {assert_match "*$id 127.0.0.1:*connected*" $nodes}
            assert_equal 3 [llength [split [string trim $nodes] "\n"]]
        }
        assert_match "*0-5460*" [r 0 cluster nodes]
    }

    test "-MOVED names the owner's client port (the TLS port in TLS mode)" {
        # foo is in slot 12182, served by level 0.
        assert_equal OK [r 0 set foo bar]
        catch {r -2 get foo} e
        assert_equal "MOVED 12182 127.0.0.1:[srv 0 port]" $e
        catch {r -1 set foo x} e
        assert_equal "MOVED 12182 127.0.0.1:[srv 0 port]" $e
        # hello is slot 866, level -2.
        catch {r 0 get hello} e
        assert_equal "MOVED 866 127.0.0.1:[srv -2 port]" $e
    }

    test "CLUSTER SLOTS and SHARDS report client ports and ids" {
        set slots [r -1 cluster slots]
        assert_equal 3 [llength $slots]
        set found 0
        foreach range $slots {
            if {[lindex $range 0] == 0} {
                assert_equal 5460 [lindex $range 1]
                set node [lindex $range 2]
                assert_equal 127.0.0.1 [lindex $node 0]
                assert_equal [srv -2 port] [lindex $node 1]
                assert_equal [lindex $ids 0] [lindex $node 2]
                set found 1
            }
        }
        assert_equal 1 $found
        set shards [r 0 cluster shards]
        assert_equal 3 [llength $shards]
        set portkey [expr {$::tls ? "tls-port" : "port"}]
        set ok 0
        foreach shard $shards {
            set s [dict get $shard slots]
            set node [lindex [dict get $shard nodes] 0]
            if {[lindex $s 0] == 10922} {
                assert_equal [srv 0 port] [dict get $node $portkey]
                assert_equal master [dict get $node role]
                assert_equal online [dict get $node health]
                set ok 1
            }
        }
        assert_equal 1 $ok
    }

    test "CLUSTER LINKS shows a link to and from each peer" {
        wait_for_condition 100 50 {[llength [r 0 cluster links]] == 4} else {
            fail "expected 4 links, got [r 0 cluster links]"
        }
        foreach link [r 0 cluster links] {
            assert {[dict get $link direction] in {to from}}
            assert {[dict get $link node] in $ids}
        }
    }

    test "ASK and ASKING while a slot migrates; TRYAGAIN for partial multi-key" {
        set src [lindex $ids 2]
        set dst [lindex $ids 1]
        # Slot 12182 (foo) moves from level 0 to level -1.
        r 0 set "{foo}.present" 1
        assert_equal OK [r 0 cluster setslot 12182 migrating $dst]
        assert_equal OK [r -1 cluster setslot 12182 importing $src]
        assert_match "*\[12182->-$dst\]*" [r 0 cluster nodes]
        assert_match "*\[12182-<-$src\]*" [r -1 cluster nodes]
        # Existing keys are still served by the source, missing ones ASK.
        assert_equal 1 [r 0 get "{foo}.present"]
        catch {r 0 get "{foo}.missing"} e
        assert_equal "ASK 12182 127.0.0.1:[srv -1 port]" $e
        # The target redirects back unless the client said ASKING.
        catch {r -1 get "{foo}.missing"} e
        assert_match "MOVED 12182 *:[srv 0 port]" $e
        assert_equal OK [r -1 asking]
        assert_equal {} [r -1 get "{foo}.missing"]
        # ASKING lasts one command.
        catch {r -1 get "{foo}.missing"} e
        assert_match "MOVED*" $e
        r -1 asking
        r -1 set "{foo}.moved" 1
        r -1 asking
        catch {r -1 mget "{foo}.moved" "{foo}.absent"} e
        assert_match "TRYAGAIN Multiple keys request during rehashing of slot" $e
        # Finish: the source has no keys left in the slot once they are
        # gone; the target takes the slot with a new epoch.
        r 0 del foo "{foo}.present"
        assert_equal OK [r -1 cluster setslot 12182 node $dst]
        assert_equal OK [r 0 cluster setslot 12182 node $dst]
        # The third node learns it from gossip (as in Redis 7.0, SETSLOT
        # sends nothing itself): a ping every node-timeout/2 at most, later
        # on a loaded machine (5 s was once not enough).
        wait_for_condition 300 50 {
            [string match "MOVED 12182 *:[srv -1 port]" [catch {r -2 get foo} e; set e]]
        } else {
            fail "slot 12182 did not move on the third node: $e"
        }
        assert_equal 1 [r -1 get "{foo}.moved"]
        assert_morethan [cluster_info_field -1 cluster_my_epoch] 3
    }

    test "SETSLOT NODE refuses while the owner still holds keys" {
        r -2 set hello world
        assert_error "*Can't assign hashslot 866 to a different node while I still hold keys*" \
            {r -2 cluster setslot 866 node [lindex $ids 1]}
        r -2 del hello
    }

    test "READONLY and READWRITE answer OK on a master" {
        assert_equal OK [r 0 readonly]
        catch {r 0 get hello} e
        assert_match "MOVED 866*" $e
        assert_equal OK [r 0 readwrite]
    }

    test "PUBLISH reaches subscribers of every node over the bus" {
        set sub [redis_deferring_client -2]
        $sub subscribe news
        assert_equal {subscribe news 1} [$sub read]
        r 0 publish news hello
        assert_equal {message news hello} [$sub read]
        $sub close
    }

    test "SPUBLISH is routed by slot like a key" {
        set slot [r 0 cluster keyslot chan]
        set owner [expr {$slot <= 5460 ? -2 : ($slot <= 10921 ? -1 : 0)}]
        foreach l {-2 -1 0} {
            if {$l == $owner} {
                assert_equal 0 [r $l spublish chan x]
            } else {
                catch {r $l spublish chan x} e
                assert_match "MOVED $slot *" $e
            }
        }
    }

    test "A bus peer sending garbage is dropped with a log line" {
        set cport [lindex [r -1 config get cluster-port] 1]
        if {$::tls} {
            set fd [::redis::tls_socket 127.0.0.1 $cport]
        } else {
            set fd [socket 127.0.0.1 $cport]
        }
        fconfigure $fd -translation binary
        puts -nonewline $fd "GARBAGEGARBAGEGARBAGE\r\n"
        flush $fd
        wait_for_condition 100 50 {
            [string match "*Dropping cluster bus link*bad signature*" \
                 [::file_content [srv -1 stdout]]]
        } else {
            fail "no log line about the garbage"
        }
        catch {close $fd}
        # A valid signature with a truncated message: the header claims
        # more bytes than a PING can have.
        if {$::tls} {
            set fd [::redis::tls_socket 127.0.0.1 $cport]
        } else {
            set fd [socket 127.0.0.1 $cport]
        }
        fconfigure $fd -translation binary
        set msg [binary format a4IuSuSuSuSu RCmb 64 1 0 0 0]
        append msg [string repeat "\0" 48]
        puts -nonewline $fd $msg
        flush $fd
        wait_for_condition 100 50 {
            [string match "*Dropping cluster bus link*message shorter than its header*" \
                 [::file_content [srv -1 stdout]]]
        } else {
            fail "no log line about the truncated message"
        }
        catch {close $fd}
        assert_equal PONG [r -1 ping]
        assert_equal ok [cluster_info_field -1 cluster_state]
    }

    test "A node killed with SIGKILL is marked fail and the cluster goes down" {
        exec kill -9 [srv 0 pid]
        wait_for_condition 200 50 {
            [string match "*[lindex $ids 2] *master,fail *" [r -2 cluster nodes]] &&
            [string match "*[lindex $ids 2] *master,fail *" [r -1 cluster nodes]]
        } else {
            fail "the killed node was not marked as failing"
        }
        wait_for_condition 100 50 {[cluster_info_field -2 cluster_state] eq "fail"} else {
            fail "cluster state did not change to fail"
        }
        catch {r -2 get hello} e
        assert_equal "CLUSTERDOWN The cluster is down" $e
        r -2 config set cluster-allow-reads-when-down yes
        assert_equal {} [r -2 get hello]
        catch {r -2 set hello x} e
        assert_equal "CLUSTERDOWN The cluster is down and only accepts read commands" $e
        r -2 config set cluster-allow-reads-when-down no
    }
}

}
