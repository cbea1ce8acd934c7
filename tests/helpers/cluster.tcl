# cluster.tcl -- starting small clusters of the server under test.
#
# start_cluster <n> ?overrides? { body } starts <n> servers with cluster mode
# on (short node timeout, bus port from this worker's range, tls-cluster in
# --tls mode), gives each an equal share of the 16384 slots and a distinct
# config epoch, MEETs them all and waits until every node sees <n> nodes
# and cluster_state:ok. Inside <body>, level 0 is the last node and
# -(n-1) the first; cluster_node_ids gives the ids from the first on.

proc cluster_overrides {extra} {
    set o [list cluster-enabled yes cluster-node-timeout 1000 \
               cluster-port [::next_port]]
    if {$::tls} {lappend o tls-cluster yes}
    return [concat $o $extra]
}

# The value of <field> in CLUSTER INFO of the server at <level>.
proc cluster_info_field {level field} {
    foreach line [split [r $level cluster info] "\r\n"] {
        if {[string match "$field:*" $line]} {
            return [string range $line [expr {[string length $field] + 1}] end]
        }
    }
    return ""
}

# 1 when every one of the <n> innermost servers knows <n> nodes, none in
# handshake, and says cluster_state:ok.
proc cluster_is_ready {n} {
    for {set i 0} {$i < $n} {incr i} {
        set level [expr {-$i}]
        if {[cluster_info_field $level cluster_state] ne "ok"} {return 0}
        if {[cluster_info_field $level cluster_known_nodes] != $n} {return 0}
        if {[string match "*handshake*" [r $level cluster nodes]]} {return 0}
    }
    return 1
}

proc cluster_wait_ready {n} {
    wait_for_condition 300 50 {[cluster_is_ready $n]} else {
        fail "cluster of $n nodes did not become ready"
    }
}

# Slots, epochs and MEETs for the <n> innermost servers.
proc cluster_join {n} {
    cluster_join_with_replicas $n 0
}

proc cluster_node_ids {n} {
    set ids {}
    for {set i 0} {$i < $n} {incr i} {
        lappend ids [r [expr {-($n - 1) + $i}] cluster myid]
    }
    return $ids
}

proc start_cluster_nodes {n left overrides body} {
    if {$left == 0} {
        cluster_join $n
        uplevel #0 $body
        return
    }
    start_server [list overrides [cluster_overrides $overrides]] {
        start_cluster_nodes $n [expr {$left - 1}] $overrides $body
    }
}

proc start_cluster {n args} {
    set overrides {}
    if {[llength $args] == 2} {
        set overrides [lindex $args 0]
        set body [lindex $args 1]
    } else {
        set body [lindex $args 0]
    }
    uplevel 1 [list start_cluster_nodes $n $n $overrides $body]
}

# start_cluster_with_replicas <m> <r> ?overrides? { body }: <m> masters
# sharing the slots (levels -(m+r-1) .. -r) and <r> replicas (levels
# -(r-1) .. 0); replica j replicates master j % m. Returns once every node
# knows every other, the replicas' links are up and all agree on roles.
proc start_cluster_with_replicas {m r args} {
    set overrides {}
    if {[llength $args] == 2} {
        set overrides [lindex $args 0]
        set body [lindex $args 1]
    } else {
        set body [lindex $args 0]
    }
    uplevel 1 [list start_cluster_nodes_replicas $m $r [expr {$m + $r}] \
                   $overrides $body]
}

proc start_cluster_nodes_replicas {m r left overrides body} {
    if {$left == 0} {
        cluster_join_with_replicas $m $r
        uplevel #0 $body
        return
    }
    start_server [list overrides [cluster_overrides $overrides]] {
        start_cluster_nodes_replicas $m $r [expr {$left - 1}] $overrides $body
    }
}

proc cluster_master_level {m r i} {return [expr {-($m + $r - 1) + $i}]}
proc cluster_replica_level {r j} {return [expr {-($r - 1) + $j}]}

proc cluster_join_with_replicas {m r} {
    set n [expr {$m + $r}]
    set per [expr {16384 / $m}]
    for {set i 0} {$i < $m} {incr i} {
        set level [cluster_master_level $m $r $i]
        set first [expr {$i * $per}]
        set last [expr {$i == $m - 1 ? 16383 : ($i + 1) * $per - 1}]
        r $level cluster addslotsrange $first $last
        r $level cluster set-config-epoch [expr {$i + 1}]
    }
    set first_level [expr {-($n - 1)}]
    for {set i 1} {$i < $n} {incr i} {
        set level [expr {-($n - 1) + $i}]
        r $first_level cluster meet 127.0.0.1 [srv $level port] \
            [lindex [r $level config get cluster-port] 1]
    }
    cluster_wait_ready $n
    # A replica's IDs are read before it syncs (it answers -LOADING while
    # it loads).
    set ids {}
    for {set j 0} {$j < $r} {incr j} {
        lappend ids [r [cluster_replica_level $r $j] cluster myid]
    }
    for {set j 0} {$j < $r} {incr j} {
        set mlevel [cluster_master_level $m $r [expr {$j % $m}]]
        set rlevel [cluster_replica_level $r $j]
        r $rlevel cluster replicate [r $mlevel cluster myid]
    }
    for {set j 0} {$j < $r} {incr j} {
        set rlevel [cluster_replica_level $r $j]
        set id [lindex $ids $j]
        wait_for_condition 300 50 {
            [string match "*master_link_status:up*" [r $rlevel info replication]]
        } else {
            fail "replica at level $rlevel did not sync"
        }
        for {set l [expr {-($n - 1)}]} {$l <= 0} {incr l} {
            wait_for_condition 300 50 {
                [cluster_node_role $l $id] eq "slave"
            } else {
                fail "node at level $l does not see $id as a replica"
            }
        }
    }
}

# The CLUSTER NODES line of node <id> as the server at <level> sees it.
proc cluster_node_line {level id} {
    foreach line [split [r $level cluster nodes] "\n"] {
        if {[string match "$id *" $line]} {return $line}
    }
    return ""
}

# The role flag (master or slave) of node <id> seen from <level>.
proc cluster_node_role {level id} {
    set flags [lindex [cluster_node_line $level $id] 2]
    if {[string match "*slave*" $flags]} {return slave}
    if {[string match "*master*" $flags]} {return master}
    return ""
}

# The CLUSTER SHARDS entry (a dict) whose first node is <id>, seen from
# <level>.
proc cluster_shard_of {level id} {
    foreach shard [r $level cluster shards] {
        if {[dict get [lindex [dict get $shard nodes] 0] id] eq $id} {return $shard}
    }
    return {}
}

# The id of the node serving <slot> according to CLUSTER SLOTS at <level>.
proc cluster_slot_owner {level slot} {
    foreach range [r $level cluster slots] {
        if {$slot >= [lindex $range 0] && $slot <= [lindex $range 1]} {
            return [lindex $range 2 2]
        }
    }
    return ""
}

# The start of a python3-redis script that connects a RedisCluster client
# as "rc": argv[1] is a node's port, argv[2] "1" for TLS with the test
# certificates in the directory argv[3].
proc py_cluster_client {} {
    return {
import sys, time, redis
from redis.cluster import RedisCluster
kw = {}
if sys.argv[2] == "1":
    d = sys.argv[3]
    kw = dict(ssl=True, ssl_ca_certs=d + "/ca.crt", ssl_certfile=d + "/client.crt",
              ssl_keyfile=d + "/client.key")
rc = RedisCluster(host="127.0.0.1", port=int(sys.argv[1]), **kw)
}
}
