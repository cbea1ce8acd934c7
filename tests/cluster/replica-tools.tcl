# replica-tools.tcl -- Debian's redis-cli --cluster (Redis 7.0) with
# replicas (create --cluster-replicas 1, add-node --cluster-slave, check),
# python3-redis's RedisCluster across a failover, and (plain mode only)
# replication between our nodes and Debian's Redis 7.0 nodes inside one
# cluster, with failovers both ways.

source [file join $::tests_dir helpers cluster.tcl]
source [file join $::tests_dir helpers tools.tcl]

proc rcli {args} {
    return [exec /usr/bin/redis-cli {*}[tool_tls_args] {*}$args 2>@1]
}

# start_servers <n> <overrides> { body }: <n> nested cluster-enabled servers.
proc start_plain_cluster_servers {n overrides body} {
    if {$n == 0} {
        uplevel #0 $body
        return
    }
    start_server [list overrides [cluster_overrides $overrides]] {
        start_plain_cluster_servers [expr {$n - 1}] $overrides $body
    }
}

tags {cluster} {

start_plain_cluster_servers 7 {repl-diskless-sync-delay 0} {
    test "redis-cli --cluster create --cluster-replicas 1 builds 3 masters with a replica each" {
        set addrs {}
        for {set l -6} {$l <= -1} {incr l} {lappend addrs 127.0.0.1:[srv $l port]}
        set out [rcli --cluster create {*}$addrs --cluster-replicas 1 --cluster-yes]
        assert_match "*Adding replica*" $out
        assert_match "*All 16384 slots covered*" $out
        wait_for_condition 300 50 {
            [cluster_info_field -1 cluster_state] eq "ok" &&
            [cluster_info_field -6 cluster_known_nodes] == 6 &&
            [llength [regexp -all -inline { slave } [r -6 cluster nodes]]] == 3
        } else {
            fail "the cluster with replicas did not come up: [r -6 cluster nodes]"
        }
        wait_for_condition 300 50 {
            ![catch {rcli --cluster check 127.0.0.1:[srv -6 port]} out] &&
            [string match "*All nodes agree*" $out] &&
            [regexp -all {1 additional replica\(s\)} $out] == 3
        } else {
            fail "redis-cli --cluster check: $out"
        }
        assert_no_match "*WARNING*" $out
    }

    test "redis-cli --cluster add-node --cluster-slave adds a replica" {
        set master [r -6 cluster myid]
        set out [rcli --cluster add-node 127.0.0.1:[srv 0 port] 127.0.0.1:[srv -6 port] \
                     --cluster-slave --cluster-master-id $master]
        assert_match "*Configure node as replica of*" $out
        set id [r 0 cluster myid]
        wait_for_condition 300 50 {
            [cluster_node_role -6 $id] eq "slave" &&
            [lindex [cluster_node_line -5 $id] 3] eq $master &&
            [string match "*master_link_status:up*" [r 0 info replication]]
        } else {
            fail "the new replica did not join: [r -6 cluster nodes]"
        }
        wait_for_condition 300 50 {
            ![catch {rcli --cluster check 127.0.0.1:[srv -6 port]} out] &&
            [string match "*2 additional replica(s)*" $out]
        } else {
            fail "redis-cli --cluster check: $out"
        }
    }

    test "python3-redis RedisCluster keeps working across a failover" {
        set py [py_cluster_client]
        append py {
for i in range(200):
    rc.set("py%d" % i, i)
print("loaded", flush=True)
sys.stdin.readline()          # the failover happens now
deadline = time.time() + 30
while True:
    try:
        assert all(int(rc.get("py%d" % i)) == i for i in range(200))
        rc.set("after", 1)
        break
    except (redis.exceptions.ConnectionError, redis.exceptions.ClusterDownError,
            redis.exceptions.TimeoutError, redis.exceptions.ResponseError):
        if time.time() > deadline:
            raise
        time.sleep(0.1)
print("ok", flush=True)
}
        set f [open "|/usr/bin/python3 -c [list $py] [srv -5 port] $::tls $::tls_dir 2>@1" r+]
        fconfigure $f -buffering line
        assert_equal loaded [string trim [gets $f]]
        assert_equal 2 [r -6 wait 2 5000]
        # A manual failover of the first master to its redis-cli replica.
        set master [r -6 cluster myid]
        set replica ""
        foreach line [split [r -6 cluster nodes] "\n"] {
            if {[lindex $line 3] eq $master && [lindex $line 0] ne [r 0 cluster myid]} {
                set replica [lindex $line 0]
            }
        }
        set rlevel ""
        for {set l -5} {$l <= 0} {incr l} {
            if {[r $l cluster myid] eq $replica} {set rlevel $l}
        }
        assert {$rlevel ne ""}
        assert_equal OK [r $rlevel cluster failover]
        wait_for_condition 200 50 {[cluster_slot_owner -5 0] eq $replica} else {
            fail "the failover did not happen"
        }
        puts $f go
        # redis-py logs the -MOVED replies it follows; its last line counts.
        set res [string trim [read $f]]
        catch {close $f}
        assert_equal ok [lindex [split $res "\n"] end] $res
    }
}

if {!$::tls} {
# Redis 7.0 (Debian) nodes replicating ours and ours replicating theirs.
start_plain_cluster_servers 3 {repl-diskless-sync-delay 0} {
    test "Debian's Redis 7.0 replica follows our master in a cluster; failovers both ways" {
        set dir [file join $::tmp_root "redis70r.[pid]"]
        file mkdir $dir
        set rport [::next_port]
        set rcport [::next_port]
        set pid [exec /usr/bin/redis-server --port $rport --cluster-port $rcport \
                     --bind 127.0.0.1 --cluster-enabled yes --cluster-node-timeout 1000 \
                     --save "" --dir $dir --logfile [file join $dir log] \
                     --repl-diskless-sync-delay 0 &]
        wait_for_condition 100 50 {![catch {set rc [redis_client -notls 127.0.0.1 $rport]}]} else {
            fail "Redis 7.0 did not start"
        }
        catch {
            set out [rcli --cluster create 127.0.0.1:[srv -2 port] 127.0.0.1:[srv -1 port] \
                         127.0.0.1:[srv 0 port] --cluster-yes]
            assert_match "*All 16384 slots covered*" $out
            cluster_wait_ready 3
            set m0 [r -2 cluster myid]
            $rc cluster meet 127.0.0.1 [srv -2 port] [lindex [r -2 config get cluster-port] 1]
            wait_for_condition 200 50 {
                [cluster_info_field -2 cluster_known_nodes] == 4 &&
                [string match "*$m0*" [$rc cluster nodes]]
            } else {
                fail "Redis 7.0 did not join"
            }
            set rid [$rc cluster myid]
            # Redis 7.0 replicates our master.
            r -2 set "{hello}k" v1
            wait_for_condition 100 50 {![catch {$rc cluster replicate $m0}]} else {
                fail "CLUSTER REPLICATE on Redis 7.0 failed"
            }
            wait_for_condition 200 50 {
                [string match "*master_link_status:up*" [$rc info replication]] &&
                [cluster_node_role -2 $rid] eq "slave" &&
                [cluster_node_role 0 $rid] eq "slave"
            } else {
                fail "Redis 7.0 did not sync from our master: [$rc info replication]"
            }
            $rc readonly
            assert_equal v1 [$rc get "{hello}k"]
            assert_equal 1 [r -2 wait 1 5000]
            # Manual failover: Redis 7.0 takes over from our master, ours
            # becomes its replica.
            assert_equal OK [$rc cluster failover]
            wait_for_condition 200 50 {
                [cluster_slot_owner 0 0] eq $rid &&
                [cluster_slot_owner -1 0] eq $rid &&
                [cluster_node_role -2 $m0] eq "slave" &&
                [string match "*master_link_status:up*" [r -2 info replication]]
            } else {
                fail "manual failover to Redis 7.0 failed: [r 0 cluster nodes]"
            }
            $rc set "{hello}k" v2
            wait_for_condition 100 50 {[r -2 readonly] eq "OK" && [r -2 get "{hello}k"] eq "v2"} else {
                fail "our replica does not follow Redis 7.0"
            }
            r -2 readwrite
            # Automatic failover: Redis 7.0 is killed, our replica is elected
            # (votes from our two other masters).
            $rc set "{hello}k" v3
            $rc wait 1 5000
            set t0 [clock milliseconds]
            exec kill -9 $pid
            wait_for_condition 300 50 {[cluster_slot_owner 0 0] eq $m0} else {
                fail "our replica was not promoted: [r 0 cluster nodes] [r -1 cluster nodes]"
            }
            puts "failover from a killed Redis 7.0 master to our replica: [expr {[clock milliseconds] - $t0}] ms"
            assert_equal v3 [r -2 get "{hello}k"]
        } err opts
        catch {$rc close}
        catch {exec kill -9 $pid}
        if {$err ne ""} {return -options $opts $err}
    }
}
}

}
