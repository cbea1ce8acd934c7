# mixed.tcl -- one cluster of our nodes and Debian's Redis 7.0 nodes, plain
# or TLS end to end with --tls (TLS-only client ports, tls-cluster,
# tls-replication, mutual TLS on every link): masters of both kinds
# (O1 ours, D1 Redis 7.0, O3 ours), a Redis 7.0 replica of our master (D2)
# and our replica of the Redis 7.0 master (O2); keys through redis-cli -c,
# redis-cli --cluster reshard both ways (MIGRATE between the kinds),
# PUBLISH across the bus, a manual failover to the Redis 7.0 replica and an
# automatic one to our replica after SIGKILL of the Redis 7.0 master, with
# votes from both kinds.

source [file join $::tests_dir helpers cluster.tcl]
source [file join $::tests_dir helpers tools.tcl]
source [file join $::tests_dir helpers sentinel.tcl]

proc mixed_cli {args} {
    return [exec /usr/bin/redis-cli {*}[tool_tls_args] {*}$args 2>@1]
}

# A Debian Redis 7.0 cluster node on <port>; returns its bus port.
proc mixed_start_redis70 {name port} {
    set bus [::next_port]
    set lines [::sentinel_listen_lines $port]
    lappend lines {save ""} "appendonly no" "cluster-enabled yes" \
        "cluster-config-file nodes-$name.conf" "cluster-node-timeout 1000" \
        "cluster-port $bus" "repl-diskless-sync-delay 0"
    if {$::tls} {lappend lines "tls-cluster yes"}
    return [list $bus [::sentinel_spawn /usr/bin/redis-server $name $port $lines]]
}

# The CLUSTER NODES line of <id> in <text>.
proc mixed_line {text id} {
    foreach l [split $text "\n"] {if {[string match "$id *" $l]} {return $l}}
    return ""
}

tags {cluster} {
start_server [list overrides [cluster_overrides {repl-diskless-sync-delay 0}]] {
start_server [list overrides [cluster_overrides {repl-diskless-sync-delay 0}]] {
start_server [list overrides [cluster_overrides {repl-diskless-sync-delay 0}]] {
    # Our nodes: O1 (level -2), O2 (level -1), O3 (level 0).
    set d1port [::next_port]
    set d2port [::next_port]
    lassign [mixed_start_redis70 d1 $d1port] d1bus d1inst
    lassign [mixed_start_redis70 d2 $d2port] d2bus d2inst
    set d1 [redis_client 127.0.0.1 $d1port]
    set d2 [redis_client 127.0.0.1 $d2port]
    set o1 [r -2 cluster myid]
    set o2 [r -1 cluster myid]
    set o3 [r 0 cluster myid]
    set d1id [$d1 cluster myid]
    set d2id [$d2 cluster myid]

    test "Our nodes and Redis 7.0 nodes meet and agree on slots" {
        r -2 cluster addslotsrange 0 5460
        r -2 cluster set-config-epoch 1
        $d1 cluster addslotsrange 5461 10922
        $d1 cluster set-config-epoch 2
        r 0 cluster addslotsrange 10923 16383
        r 0 cluster set-config-epoch 3
        # MEETs both ways: ours to Redis 7.0 and Redis 7.0 to ours.
        r -2 cluster meet 127.0.0.1 $d1port $d1bus
        $d1 cluster meet 127.0.0.1 [srv 0 port] [lindex [r 0 config get cluster-port] 1]
        $d2 cluster meet 127.0.0.1 [srv -1 port] [lindex [r -1 config get cluster-port] 1]
        r -1 cluster meet 127.0.0.1 $d1port $d1bus
        foreach c [list $d1 $d2] {
            wait_for_condition 300 50 {
                [regexp -all { connected} [$c cluster nodes]] == 5 &&
                ![string match "*handshake*" [$c cluster nodes]] &&
                [string match "*cluster_state:ok*" [$c cluster info]]
            } else {fail "Redis 7.0 node: [$c cluster nodes]"}
        }
        foreach l {-2 -1 0} {
            wait_for_condition 300 50 {
                [cluster_info_field $l cluster_known_nodes] == 5 &&
                ![string match "*handshake*" [r $l cluster nodes]] &&
                [cluster_info_field $l cluster_state] eq "ok"
            } else {fail "our node at $l: [r $l cluster nodes]"}
        }
        assert_equal $d1id [cluster_slot_owner -2 5461]
        assert_equal $o1 [lindex [lindex [$d1 cluster slots] 0] 2 2]
    }

    test "A Redis 7.0 replica of our master and our replica of a Redis 7.0 master" {
        assert_equal OK [$d2 cluster replicate $o1]
        assert_equal OK [r -1 cluster replicate $d1id]
        wait_for_condition 300 50 {
            [string match "*master_link_status:up*" [$d2 info replication]] &&
            [string match "*master_link_status:up*" [r -1 info replication]] &&
            [cluster_node_role -2 $d2id] eq "slave" &&
            [cluster_node_role 0 $o2] eq "slave" &&
            [lindex [split [mixed_line [$d1 cluster nodes] $o2]] 3] eq $d1id
        } else {fail "replicas: [r -2 cluster nodes]"}
    }

    test "redis-cli -c writes and reads keys on both kinds" {
        set script ""
        for {set i 0} {$i < 300} {incr i} {append script "SET mk$i v$i\n"}
        exec /usr/bin/redis-cli {*}[tool_tls_args] -c -p [srv -2 port] << $script
        assert {[$d1 dbsize] > 50 && [r -2 dbsize] > 50 && [r 0 dbsize] > 50}
        assert_equal 300 [expr {[$d1 dbsize] + [r -2 dbsize] + [r 0 dbsize]}]
        set script ""
        for {set i 0} {$i < 300} {incr i} {append script "GET mk$i\n"}
        set out [exec /usr/bin/redis-cli {*}[tool_tls_args] -c -p $d1port << $script]
        assert_equal 300 [llength [lsearch -all -glob [split $out "\n"] v*]]
    }

    test "redis-cli --cluster reshard moves slots and keys from ours to Redis 7.0 and back" {
        # Each move takes the source's lowest 200 slots: 0-199 go to
        # Redis 7.0, then on to our third master.
        foreach {from to} [list $o1 $d1id $d1id $o3] {
            set out [mixed_cli --cluster reshard 127.0.0.1:[srv -2 port] --cluster-from $from \
                         --cluster-to $to --cluster-slots 200 --cluster-yes]
            assert_match "*Moving slot*" $out
            wait_for_condition 300 50 {
                ![catch {mixed_cli --cluster check 127.0.0.1:$d1port} chk] &&
                [string match "*All nodes agree about slots configuration*" $chk] &&
                [string match "*All 16384 slots covered*" $chk]
            } else {fail "redis-cli --cluster check: $chk"}
            assert_equal $to [cluster_slot_owner -2 199]
            assert_equal $to [lindex [lindex [$d1 cluster slots] 0] 2 2]
            assert_equal 300 [expr {[$d1 dbsize] + [r -2 dbsize] + [r 0 dbsize]}]
        }
    }

    test "PUBLISH crosses the bus between the kinds" {
        set sub [redis_client 127.0.0.1 [srv 0 port]]
        $sub subscribe mixch
        # PUBLISH counts the receivers of the node it ran on.
        assert_equal 0 [$d2 publish mixch hello]
        assert_equal {message mixch hello} [$sub read]
        $sub close
    }

    test "Manual CLUSTER FAILOVER to the Redis 7.0 replica of our master" {
        $d2 cluster failover
        wait_for_condition 300 50 {
            [cluster_slot_owner 0 1000] eq $d2id &&
            [cluster_node_role -2 $o1] eq "slave" &&
            [string match "*master_link_status:up*" [r -2 info replication]]
        } else {fail "the failover to Redis 7.0 did not complete: [r 0 cluster nodes]"}
        $d2 set "{b}after" 1
        r -2 readonly
        wait_for_condition 100 50 {[r -2 get "{b}after"] eq "1"} else {
            fail "our node does not replicate the Redis 7.0 master"
        }
        r -2 readwrite
    }

    test "SIGKILL of the Redis 7.0 master: our replica is elected with votes of both kinds" {
        set script ""
        for {set i 0} {$i < 300} {incr i} {append script "GET mk$i\n"}
        $d1 set "{c}k" v
        assert_equal 1 [$d1 wait 1 5000]
        set t0 [clock milliseconds]
        exec kill -9 [dict get $d1inst pid]
        wait_for_condition 400 50 {
            [cluster_slot_owner 0 7365] eq $o2 && [cluster_info_field 0 cluster_state] eq "ok"
        } else {fail "our replica was not elected: [r 0 cluster nodes]"}
        puts "failover of a killed Redis 7.0 master to our replica: [expr {[clock milliseconds] - $t0}] ms"
        wait_for_condition 300 50 {
            [string match "*myself,master*" [mixed_line [r -1 cluster nodes] $o2]] &&
            [string match "*master*" [lindex [split [mixed_line [$d2 cluster nodes] $o2]] 2]]
        } else {fail "the Redis 7.0 master does not see our new master"}
        assert_equal v [r -1 get "{c}k"]
        set out [exec /usr/bin/redis-cli {*}[tool_tls_args] -c -p [srv 0 port] << $script]
        assert_equal 300 [llength [lsearch -all -glob [split $out "\n"] v*]]
    }

    catch {$d1 close}
    catch {$d2 close}
    ::sentinel_cleanup
}
}
}
}
