# cli-cluster.tcl -- our redis-cli --cluster (src/cli-cluster.c) building
# and reshaping a cluster of our servers, plain or TLS as the suite runs:
# create with replicas, check, info, call, reshard, add-node (master and
# --cluster-slave), rebalance, del-node, fix of an open slot, import from
# a standalone server, backup, and bad input. The check, info and call
# outputs are compared byte for byte with Debian's redis-cli --cluster
# (Redis 7.0) on the same cluster.

source [file join $::tests_dir helpers cluster.tcl]
source [file join $::tests_dir helpers tools.tcl]

set ::cc_ours [file join $::tests_dir .. src redis-cli]
set ::cc_deb /usr/bin/redis-cli

# Runs <bin> --cluster <args>; returns {output status}.
proc cc_run {bin args} {
    return [tool_run $bin {*}[tool_tls_args] --cluster {*}$args]
}

# Our tool; fails the test when it exits non-zero.
proc cc {args} {
    lassign [cc_run $::cc_ours {*}$args] out status
    if {$status != 0} {fail "redis-cli --cluster $args exited $status:\n$out"}
    return $out
}

proc cc_addr {level} {return 127.0.0.1:[srv $level port]}

proc cc_load_keys {port prefix n} {
    set script ""
    for {set i 0} {$i < $n} {incr i} {append script "SET $prefix$i v$i\n"}
    exec $::cc_ours {*}[tool_tls_args] -c -p $port << $script
}

proc cc_count_keys {port prefix n} {
    set script ""
    for {set i 0} {$i < $n} {incr i} {append script "GET $prefix$i\n"}
    set out [exec $::cc_ours {*}[tool_tls_args] -c -p $port << $script]
    return [llength [lsearch -all -glob [split $out "\n"] v*]]
}

# 1 when our check of the cluster through <level> is clean.
proc cc_healthy {level} {
    lassign [cc_run $::cc_ours check [cc_addr $level]] out status
    return [expr {$status == 0 && ![string match "*WARNING*" $out] &&
                  [string match "*All 16384 slots covered*" $out]}]
}

proc cc_wait_healthy {level} {
    wait_for_condition 300 50 {[cc_healthy $level]} else {
        fail "cluster not healthy: [lindex [cc_run $::cc_ours check [cc_addr $level]] 0]"
    }
}

# Our output and Debian's for the same --cluster <args>, equal.
proc cc_compare {args} {
    lassign [cc_run $::cc_ours {*}$args] ours ostatus
    lassign [cc_run $::cc_deb {*}$args] deb dstatus
    assert_equal $dstatus $ostatus "exit status of --cluster $args"
    assert_equal $deb $ours "output of --cluster $args"
}

# The id of the node serving <slot>, as CLUSTER SLOTS of <level> says.
proc cc_slot_owner {level slot} {
    foreach range [r $level cluster slots] {
        if {$slot >= [lindex $range 0] && $slot <= [lindex $range 1]} {
            return [lindex $range 2 2]
        }
    }
    return ""
}

proc cc_start_nodes {n body} {
    if {$n == 0} {
        uplevel #0 $body
        return
    }
    start_server [list overrides [cluster_overrides {repl-diskless-sync-delay 0}]] {
        cc_start_nodes [expr {$n - 1}] $body
    }
}

tags {cluster} {

# Level -8: a standalone server (import's source); -7..-2: the six nodes of
# create; -1: a new master; 0: a new replica.
start_server {} {
cc_start_nodes 8 {
    test "our --cluster create: 6 nodes, 3 masters with a replica each" {
        set addrs {}
        for {set l -7} {$l <= -2} {incr l} {lappend addrs [cc_addr $l]}
        set out [cc create {*}$addrs --cluster-replicas 1 --cluster-yes]
        assert_match "*>>> Performing hash slots allocation on 6 nodes...*" $out
        assert_match "*Master\\\[0\\\] -> Slots 0 - 5460\nMaster\\\[1\\\] -> Slots 5461 - 10922\nMaster\\\[2\\\] -> Slots 10923 - 16383\n*" $out
        assert_equal 3 [regexp -all {Adding replica 127\.0\.0\.1:\d+ to 127\.0\.0\.1:\d+} $out]
        assert_match "*>>> Assign a different config epoch to each node*" $out
        assert_match "*>>> Sending CLUSTER MEET messages to join the cluster*" $out
        assert_match "*\\\[OK\\\] All nodes agree about slots configuration.*" $out
        assert_match "*\\\[OK\\\] All 16384 slots covered.*" $out
        assert_equal 3 [regexp -all {1 additional replica\(s\)} $out]
        wait_for_condition 300 50 {
            [cluster_info_field -7 cluster_state] eq "ok" &&
            [cluster_info_field -2 cluster_known_nodes] == 6 &&
            [llength [regexp -all -inline { slave } [r -7 cluster nodes]]] == 3
        } else {
            fail "cluster did not come up: [r -7 cluster nodes]"
        }
        cc_wait_healthy -7
    }

    test "our check, info and call print what Debian's redis-cli --cluster prints" {
        cc_load_keys [srv -7 port] k 300
        cc_compare check [cc_addr -7]
        cc_compare check 127.0.0.1 [srv -5 port] --cluster-search-multiple-owners
        cc_compare info [cc_addr -6]
        cc_compare call [cc_addr -7] DBSIZE
        set out [cc info [cc_addr -7]]
        assert_match "*\\\[OK\\\] 300 keys in 3 masters.*" $out
        assert_match "*0.02 keys per slot on average.*" $out
        set out [cc call [cc_addr -7] PING --cluster-only-masters]
        assert_equal 3 [regexp -all {: PONG} $out]
    }

    test "our redis-benchmark --cluster spreads clients and keys over the masters" {
        set bench [file join $::tests_dir .. src redis-benchmark]
        set out [exec $bench {*}[tool_tls_args] -p [srv -7 port] --cluster \
                     -t set,get,lpush,mset -n 600 -c 6 -r 1000 -q 2>@1]
        assert_match "Cluster has 3 master nodes:\n\nMaster 0: * 127.0.0.1:*\nMaster 1: *\nMaster 2: *" $out
        foreach t {SET GET LPUSH "MSET (10 keys)"} {
            assert_match "*$t: * requests per second*" $out
        }
        assert_no_match "*Error*" $out
        # Every master got keys, each in one of its own slots (a key
        # written elsewhere would have been refused with -MOVED).
        set lists 0
        foreach l {-7 -6 -5} {
            set keys [r $l keys "key\{*"]
            assert_morethan [llength $keys] 0
            foreach k [lrange $keys 0 19] {
                assert_equal [r $l cluster myid] [cc_slot_owner $l [r $l cluster keyslot $k]]
            }
            incr lists [llength [r $l keys "mylist\{*"]]
            foreach k [concat $keys [r $l keys "mylist\{*"]] {r $l del $k}
        }
        assert_equal 3 $lists
    }

    test "our --cluster reshard moves slots and keys (pipeline, timeout options)" {
        set to [r -6 cluster myid]
        set out [cc reshard [cc_addr -7] --cluster-from all --cluster-to $to \
                     --cluster-slots 60 --cluster-yes --cluster-pipeline 3 \
                     --cluster-timeout 5000]
        assert_match "*Ready to move 60 slots.*" $out
        assert_match "*Resharding plan:*" $out
        assert_equal 60 [regexp -all {\nMoving slot \d+ from } $out]
        cc_wait_healthy -7
        assert_equal 300 [cc_count_keys [srv -5 port] k 300]
        set info [cc info [cc_addr -6]]
        assert_match "*([string range $to 0 7]...) -> * keys | 5522 slots | 1 slaves.*" $info
        cc_compare check [cc_addr -6]
    }

    test "our --cluster reshard asks for what is not given; REDISCLI_CLUSTER_YES" {
        set to [r -6 cluster myid]
        set out [exec $::cc_ours {*}[tool_tls_args] --cluster reshard [cc_addr -7] << "10\n$to\nall\nyes\n"]
        assert_match "*How many slots do you want to move (from 1 to 16384)? What is the receiving node ID? Please enter all the source node IDs.*Source node #1: *" $out
        assert_match "*Do you want to proceed with the proposed reshard plan (yes/no)? *" $out
        assert_equal 10 [regexp -all {Moving slot \d+ from 127} $out]
        cc_wait_healthy -7
        # Anything but "yes" stops before a slot moves.
        catch {exec $::cc_ours {*}[tool_tls_args] --cluster reshard [cc_addr -7] << "5\n$to\nall\nno\n"} out
        assert_equal 0 [regexp -all {Moving slot \d+ from 127} $out]
        set ::env(REDISCLI_CLUSTER_YES) 1
        set out [exec $::cc_ours {*}[tool_tls_args] --cluster reshard [cc_addr -7] \
                     --cluster-from all --cluster-to $to --cluster-slots 4 < /dev/null]
        unset ::env(REDISCLI_CLUSTER_YES)
        assert_equal 4 [regexp -all {Moving slot \d+ from 127} $out]
        cc_wait_healthy -7
        assert_equal 300 [cc_count_keys [srv -5 port] k 300]
    }

    test "our --cluster add-node: a master, then a replica of it" {
        set out [cc add-node [cc_addr -1] [cc_addr -7]]
        assert_match "*>>> Adding node [cc_addr -1] to cluster [cc_addr -7]*" $out
        assert_match "*>>> Send CLUSTER MEET to node [cc_addr -1] to make it join the cluster.*" $out
        assert_match "*\\\[OK\\\] New node added correctly.*" $out
        set id7 [r -1 cluster myid]
        wait_for_condition 300 50 {
            [cluster_info_field -7 cluster_known_nodes] == 7 &&
            [cluster_info_field -1 cluster_known_nodes] == 7
        } else {
            fail "new master not known"
        }
        cc_wait_healthy -7
        set out [cc add-node [cc_addr 0] [cc_addr -7] --cluster-slave \
                     --cluster-master-id $id7]
        assert_match "*>>> Configure node as replica of [cc_addr -1].*" $out
        assert_match "*\\\[OK\\\] New node added correctly.*" $out
        wait_for_condition 300 50 {
            [string match "*master_link_status:up*" [r 0 info replication]] &&
            [regexp "slave $id7" [r -7 cluster nodes]]
        } else {
            fail "new replica not attached"
        }
        cc_wait_healthy -7
        cc_compare check [cc_addr -7]
    }

    test "our --cluster rebalance gives slots to the empty master (weights, threshold)" {
        set id7 [r -1 cluster myid]
        set out [cc rebalance [cc_addr -7] --cluster-use-empty-masters \
                     --cluster-weight [string range $id7 0 9]=0.01 \
                     --cluster-threshold 1]
        assert_match "*>>> Rebalancing across 4 nodes. Total weight = 3.01*" $out
        assert_match "*Moving * slots from * to [cc_addr -1]*" $out
        cc_wait_healthy -7
        assert_morethan [cluster_info_field -1 cluster_my_epoch] 0
        set info [cc info [cc_addr -7]]
        assert_match "*[cc_addr -1] (* -> * keys | 54 slots | 1 slaves.*" $info
        assert_equal 300 [cc_count_keys [srv -7 port] k 300]
        # Balanced now: nothing to do.
        set out [cc rebalance [cc_addr -7] --cluster-weight [string range $id7 0 9]=0.01]
        assert_match "*No rebalancing needed! All nodes are within the 2.00% threshold.*" $out
    }

    test "our --cluster del-node: refuses a master with slots, removes a replica" {
        set id7 [r -1 cluster myid]
        lassign [cc_run $::cc_ours del-node [cc_addr -7] $id7] out status
        assert_equal 1 $status
        assert_match "*\\\[ERR\\\] Node [cc_addr -1] is not empty! Reshard data away and try again.*" $out
        lassign [cc_run $::cc_ours del-node [cc_addr -7] 0123456789012345678901234567890123456789] out status
        assert_equal 1 $status
        assert_match "*\\\[ERR\\\] No such node ID 0123456789012345678901234567890123456789*" $out
        set id8 [r 0 cluster myid]
        set out [cc del-node [cc_addr -7] $id8]
        assert_match "*>>> Removing node $id8 from cluster [cc_addr -7]*" $out
        assert_match "*>>> Sending CLUSTER FORGET messages to the cluster...*" $out
        assert_match "*>>> Sending CLUSTER RESET SOFT to the deleted node.*" $out
        wait_for_condition 300 50 {
            [cluster_info_field -7 cluster_known_nodes] == 7 &&
            [cluster_info_field -1 cluster_known_nodes] == 7 &&
            [cluster_info_field 0 cluster_known_nodes] == 1
        } else {
            fail "deleted node still known"
        }
        cc_wait_healthy -7
    }

    test "our --cluster fix closes an open slot (migrating + importing), keys kept" {
        set slot [r -7 cluster keyslot k1]
        set owner_level -99
        foreach l {-7 -6 -5 -1} {
            if {[r $l cluster countkeysinslot $slot] > 0} {set owner_level $l}
        }
        assert {$owner_level != -99}
        set other_level [expr {$owner_level == -6 ? -5 : -6}]
        set owner [r $owner_level cluster myid]
        set other [r $other_level cluster myid]
        r $other_level cluster setslot $slot importing $owner
        r $owner_level cluster setslot $slot migrating $other
        lassign [cc_run $::cc_ours check [cc_addr -7]] out status
        assert_equal 1 $status
        assert_match "*\\\[WARNING\\\] Node [cc_addr $owner_level] has slots in migrating state $slot.*" $out
        assert_match "*\\\[WARNING\\\] The following slots are open: $slot.*" $out
        cc_compare check [cc_addr -7]
        set out [cc fix [cc_addr -7]]
        assert_match "*>>> Fixing open slot $slot*" $out
        assert_match "*Case 1: Moving slot $slot from [cc_addr $owner_level] to [cc_addr $other_level]*" $out
        cc_wait_healthy -7
        assert_equal $other [cc_slot_owner -7 $slot]
        assert_equal v1 [exec $::cc_ours {*}[tool_tls_args] -c -p [srv -7 port] get k1]
        # An importing mark alone: its keys go back to the owner.
        r $owner_level cluster setslot $slot importing $other
        set out [cc fix [cc_addr -7]]
        assert_match "*Case 2: Moving all the $slot slot keys to its owner [cc_addr $other_level]*" $out
        cc_wait_healthy -7
        assert_equal 300 [cc_count_keys [srv -7 port] k 300]
    }

    test "our --cluster import copies a standalone server's keys into the cluster" {
        for {set i 0} {$i < 40} {incr i} {r -8 set imp$i v$i}
        set out [cc import [cc_addr -7] --cluster-from [cc_addr -8] --cluster-copy]
        assert_match "*>>> Importing data from [cc_addr -8] to cluster [cc_addr -7]*" $out
        assert_match "*\*\*\* Importing 40 keys from DB 0*" $out
        assert_equal 40 [regexp -all {Migrating imp\d+ to 127\.0\.0\.1:\d+: OK} $out]
        assert_equal 40 [r -8 dbsize]
        assert_equal 40 [cc_count_keys [srv -6 port] imp 40]
        # Again: the keys exist; without --cluster-replace each is refused.
        set out [cc import [cc_addr -7] --cluster-from [cc_addr -8] --cluster-copy]
        assert_equal 40 [regexp -all {Migrating imp\d+ to [^\n]*BUSYKEY} $out]
        set out [cc import [cc_addr -7] --cluster-from [cc_addr -8] --cluster-replace]
        assert_equal 40 [regexp -all {: OK} $out]
        assert_equal 0 [r -8 dbsize]
        lassign [cc_run $::cc_ours import [cc_addr -7] --cluster-from [cc_addr -6]] out status
        assert_equal 1 $status
        assert_match "*The source node should not be a cluster node.*" $out
    }

    test "our --cluster backup saves every master's RDB and nodes.json" {
        set dir [file join $::tmp_root "clibackup.[pid]"]
        file delete -force $dir
        set out [cc backup [cc_addr -7] $dir]
        assert_match "*\\\[OK\\\] Backup created into: $dir*" $out
        set rdbs [glob -directory $dir redis-node-*.rdb]
        assert_equal 4 [llength $rdbs]
        foreach f $rdbs {
            set check [exec [file join $::tests_dir .. src redis-check-rdb] $f]
            assert_match "*RDB looks OK!*" $check
        }
        set json [exec cat [file join $dir nodes.json]]
        foreach l {-7 -6 -5 -1} {assert_match "*\"name\": \"[r $l cluster myid]\"*" $json}
        set py {import json,sys; d=json.load(open(sys.argv[1])); print(sum(n["slots_count"] for n in d))}
        assert_equal 16384 [exec /usr/bin/python3 -c $py [file join $dir nodes.json]]
        file delete -force $dir
    }

    test "our --cluster: bad input gets a clear error" {
        lassign [cc_run $::cc_ours frobnicate [cc_addr -7]] out status
        assert_equal 1 $status
        assert_match "*Unknown --cluster subcommand*" $out
        lassign [cc_run $::cc_ours create [cc_addr -7]] out status
        assert_equal 1 $status
        assert_match "*Wrong number of arguments*" $out
        foreach bad {{frobnicate 127.0.0.1:1} create {check nonsense} {del-node 127.0.0.1:1}} {
            lassign [cc_run $::cc_ours {*}$bad] out status
            lassign [cc_run $::cc_deb {*}$bad] dout dstatus
            assert_equal $dstatus $status "exit status of --cluster $bad"
            assert_equal $dout $out "output of --cluster $bad"
        }
        lassign [cc_run $::cc_ours check nonsense] out status
        assert_match "*\\\[ERR\\\] Invalid arguments: you need to pass either a valid address*" $out
        lassign [cc_run $::cc_ours check [cc_addr -8]] out status
        assert_equal 1 $status
        assert_match "*is not configured as a cluster node*" $out
        lassign [cc_run $::cc_ours create [cc_addr -7] [cc_addr -6] [cc_addr -5] --cluster-yes] out status
        assert_equal 1 $status
        assert_match "*\\\[ERR\\\] Node [cc_addr -7] is not empty.*" $out
        lassign [cc_run $::cc_ours reshard [cc_addr -7] --cluster-from all --cluster-to nosuch --cluster-slots 1 --cluster-yes] out status
        assert_equal 1 $status
        assert_match "*The specified node (nosuch) is not known or not a master*" $out
        lassign [cc_run $::cc_ours check 127.0.0.1:1] out status
        assert_equal 1 $status
        assert_match "*Could not connect to Redis at 127.0.0.1:1*" $out
        lassign [cc_run $::cc_ours help] out status
        assert_match "*create*--cluster-replicas*" $out
    }

    test "our --cluster with -a: AUTH on every node and in MIGRATE; errors as Debian's" {
        foreach l {-7 -6 -5 -4 -3 -2 -1} {r $l config set masterauth s3cret}
        foreach l {-7 -6 -5 -4 -3 -2 -1} {r $l config set requirepass s3cret}
        set auth {-a s3cret --no-auth-warning}
        foreach a [list {} {-a wrong --no-auth-warning}] {
            set o [catch {exec $::cc_ours {*}[tool_tls_args] {*}$a --cluster check [cc_addr -7] 2>@1} ours]
            set d [catch {exec $::cc_deb {*}[tool_tls_args] {*}$a --cluster check [cc_addr -7] 2>@1} deb]
            assert_equal $d $o
            assert_equal $deb $ours
            if {$a eq {}} {
                assert_match "*NOAUTH Authentication required.*" $ours
            } else {
                assert_match "*WRONGPASS*" $ours
            }
        }
        set out [exec $::cc_ours {*}[tool_tls_args] {*}$auth --cluster reshard [cc_addr -7] \
                     --cluster-from [r -6 cluster myid] --cluster-to [r -7 cluster myid] \
                     --cluster-slots 40 --cluster-yes]
        assert_match "*Ready to move 40 slots.*" $out
        set out [exec $::cc_ours {*}[tool_tls_args] {*}$auth --cluster check [cc_addr -6]]
        assert_match "*\\\[OK\\\] All 16384 slots covered.*" $out
        assert_no_match "*WARNING*" $out
        foreach l {-7 -6 -5 -4 -3 -2 -1} {r $l config set requirepass ""}
        assert_equal 300 [cc_count_keys [srv -7 port] k 300]
    }

    test "our --cluster check and fix with an unreachable master, as Debian's" {
        set id7 [r -1 cluster myid]
        exec kill -9 [srv -1 pid]
        wait_for_condition 300 50 {
            [string match "*$id7 *master,fail *" [r -7 cluster nodes]] &&
            [string match "*$id7 *master,fail *" [r -6 cluster nodes]] &&
            [string match "*$id7 *master,fail *" [r -5 cluster nodes]]
        } else {
            fail "the killed master is not flagged as failed"
        }
        lassign [cc_run $::cc_ours check [cc_addr -7]] out status
        assert_equal 1 $status
        assert_match "Could not connect to Redis at [cc_addr -1]: *" $out
        assert_match "*\\\[ERR\\\] Not all 16384 slots are covered by nodes.*" $out
        cc_compare check [cc_addr -7]
        cc_compare fix [cc_addr -7]
        set out [cc fix [cc_addr -7] --cluster-fix-with-unreachable-masters --cluster-yes]
        assert_match "*The following uncovered slots have no keys across the cluster:*" $out
        assert_equal 54 [regexp -all {>>> Covering slot \d+ with } $out]
        wait_for_condition 300 50 {
            [cluster_info_field -7 cluster_state] eq "ok" &&
            [cluster_info_field -6 cluster_state] eq "ok" &&
            [cluster_info_field -5 cluster_state] eq "ok"
        } else {
            fail "cluster not ok after the fix"
        }
        cc_wait_healthy -7
    }
}
}

}
