# slots-differential.tcl -- CLUSTER SLOTS of our nodes is byte for byte
# the reply of Debian's Redis 7.0 for the same layout (3 masters, one with
# a replica, slots in several runs per master, hostnames announced), in
# RESP2 and RESP3, for every cluster-preferred-endpoint-type; node ids and
# ports are replaced by their position before comparing.  Plain, or TLS
# end to end (tls-cluster, TLS-only clients) with --tls.

source [file join $::tests_dir helpers cluster.tcl]
source [file join $::tests_dir helpers sentinel.tcl]

# Reads one whole reply of <c> (in readraw mode) as its protocol lines.
proc raw_reply {c} {
    set lines {}
    set need 1
    while {$need > 0} {
        set l [$c read]
        lappend lines $l
        incr need -1
        set t [string index $l 0]
        set n [string range $l 1 end]
        if {$t in {* ~ >} && $n > 0} {incr need $n}
        if {$t eq "%" && $n > 0} {incr need [expr {2 * $n}]}
        if {$t eq "\$" && $n >= 0} {lappend lines [$c read]}
    }
    return $lines
}

# CLUSTER SLOTS of the node at <port> in <proto> (2 or 3), raw, with every
# node id replaced by <ID> and every port of <ports> by P<position>.
proc normalized_slots {port proto ports} {
    set c [redis_client 127.0.0.1 $port]
    $c hello $proto
    $c readraw 1
    $c write "*2\r\n\$7\r\ncluster\r\n\$5\r\nslots\r\n"
    set out {}
    foreach l [raw_reply $c] {
        if {[regexp {^[0-9a-f]{40}$} $l]} {set l <ID>}
        if {[regexp {^:([0-9]+)$} $l -> p] && [set i [lsearch -exact $ports $p]] >= 0} {
            set l ":P$i"
        }
        lappend out $l
    }
    $c close
    return [join $out "\n"]
}

# A Debian Redis 7.0 cluster node on <port> (TLS-only with tls-cluster
# under --tls); returns its bus port.
proc start_redis70_node {name port} {
    set bus [::next_port]
    set lines [::sentinel_listen_lines $port]
    lappend lines {save ""} "appendonly no" "cluster-enabled yes" \
        "cluster-config-file nodes-$name.conf" "cluster-node-timeout 1000" \
        "cluster-port $bus"
    if {$::tls} {lappend lines "tls-cluster yes"}
    ::sentinel_spawn /usr/bin/redis-server $name $port $lines
    return $bus
}

proc node_client {port} {return [redis_client 127.0.0.1 $port]}

tags {cluster} {
start_cluster_with_replicas 3 1 {
    set ours [list [srv -3 port] [srv -2 port] [srv -1 port] [srv 0 port]]
    set theirs [list [::next_port] [::next_port] [::next_port] [::next_port]]
    set buses {}
    set i 0
    foreach p $theirs {lappend buses [start_redis70_node r70-[incr i] $p]}

    test "Debian's Redis 7.0 nodes form the same layout as ours" {
        # The layout of cluster_join_with_replicas: equal thirds, epochs 1..3.
        set per [expr {16384 / 3}]
        set cs {}
        foreach p $theirs {lappend cs [node_client $p]}
        for {set i 0} {$i < 3} {incr i} {
            set last [expr {$i == 2 ? 16383 : ($i + 1) * $per - 1}]
            [lindex $cs $i] cluster addslotsrange [expr {$i * $per}] $last
            [lindex $cs $i] cluster set-config-epoch [expr {$i + 1}]
        }
        for {set i 1} {$i < 4} {incr i} {
            [lindex $cs 0] cluster meet 127.0.0.1 [lindex $theirs $i] [lindex $buses $i]
        }
        wait_for_condition 300 50 {
            [regexp -all {connected} [[lindex $cs 3] cluster nodes]] == 4 &&
            [string match "*cluster_state:ok*" [[lindex $cs 3] cluster info]]
        } else {fail "the Redis 7.0 nodes did not form a cluster"}
        [lindex $cs 3] cluster replicate [[lindex $cs 0] cluster myid]
        foreach c $cs {
            wait_for_condition 300 50 {
                [regexp -all {slave} [$c cluster nodes]] == 1
            } else {fail "the Redis 7.0 replica is not seen"}
        }
        # Both clusters: slots 0-99 and 6000-6099 move to the third master,
        # so masters own several runs and the reply must go in slot order.
        foreach ports [list $ours $theirs] {
            foreach p $ports {
                set c [node_client $p]
                $c cluster delslotsrange 0 99
                $c cluster delslotsrange 6000 6099
                $c close
            }
            set c [node_client [lindex $ports 2]]
            $c cluster addslotsrange 0 99 6000 6099
            $c close
            set i 0
            foreach p $ports {
                set c [node_client $p]
                $c config set cluster-announce-hostname host[incr i].example
                $c close
            }
        }
        foreach ports [list $ours $theirs] {
            set c [node_client [lindex $ports 0]]
            wait_for_condition 300 50 {
                [regexp -all {,host[1-4]\.example } [$c cluster nodes]] == 4 &&
                [llength [$c cluster slots]] == 6 &&
                [string match "*cluster_state:ok*" [$c cluster info]]
            } else {fail "layout not converged on $ports: [$c cluster nodes]"}
            $c close
        }
        # A write gives the replica a replication offset above 0: Redis 7.0
        # lists a replica in CLUSTER SLOTS only then ("loading" before).
        foreach ports [list $ours $theirs] {
            set c [node_client [lindex $ports 0]]
            assert_equal 866 [$c cluster keyslot hello]
            $c set hello world
            wait_for_condition 300 50 {
                [string match "*health online*health online*" [$c cluster shards]] &&
                [llength [lindex [$c cluster slots] 1]] == 4
            } else {fail "the replica never became available: [$c cluster shards]"}
            $c close
        }
        foreach c $cs {$c close}
    }

    foreach type {ip hostname unknown-endpoint} {
        test "CLUSTER SLOTS is byte-exact with Redis 7.0 (endpoint type $type)" {
            foreach ports [list $ours $theirs] {
                set c [node_client [lindex $ports 0]]
                $c config set cluster-preferred-endpoint-type $type
                $c close
            }
            foreach proto {2 3} {
                set a [normalized_slots [lindex $ours 0] $proto $ours]
                set b [normalized_slots [lindex $theirs 0] $proto $theirs]
                assert_equal $b $a
            }
        }
    }

    test "CLUSTER NODES: myself's pong-recv is when the others last heard from it, as Redis 7.0" {
        foreach ports [list $ours $theirs] {
            set c [node_client [lindex $ports 0]]
            wait_for_condition 100 50 {
                [lindex [lsearch -inline [split [$c cluster nodes] "\n"] "*myself*"] 5] > 0
            } else {fail "myself's pong-recv stays 0 on $ports: [$c cluster nodes]"}
            set line [lsearch -inline [split [$c cluster nodes] "\n"] "*myself*"]
            # Gossip carries seconds.
            assert_equal 000 [string range [lindex $line 5] end-2 end]
            assert_equal 0 [lindex $line 4]
            $c close
        }
    }

    test "CLUSTER SLOTS leaves a failed replica out, as Redis 7.0" {
        foreach ports [list $ours $theirs] {
            set c [node_client [lindex $ports 0]]
            $c config set cluster-preferred-endpoint-type ip
            $c close
        }
        set rc [node_client [lindex $theirs 3]]
        catch {$rc shutdown nosave}
        catch {$rc close}
        catch {r 0 shutdown nosave}
        foreach ports [list $ours $theirs] {
            set c [node_client [lindex $ports 0]]
            wait_for_condition 300 50 {
                [string match "*slave,fail *" [$c cluster nodes]]
            } else {fail "the replica is not marked failed"}
            $c close
        }
        set a [normalized_slots [lindex $ours 0] 2 $ours]
        set b [normalized_slots [lindex $theirs 0] 2 $theirs]
        assert_equal $b $a
        assert_no_match "*P3*" $a
    }
    ::sentinel_cleanup
}
}
