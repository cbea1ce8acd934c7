# tools.tcl -- Debian's redis-cli --cluster (Redis 7.0) building and
# reshaping a cluster of our servers (plain, or TLS with --tls), MIGRATE,
# our nodes meeting Debian's Redis 7.0 nodes, and python3-redis's
# RedisCluster.

source [file join $::tests_dir helpers cluster.tcl]
source [file join $::tests_dir helpers tools.tcl]

proc cli {args} {
    return [exec /usr/bin/redis-cli {*}[tool_tls_args] {*}$args 2>@1]
}

# Loads keys k0..k<n-1> through redis-cli -c (which follows redirections).
proc cli_load_keys {port n} {
    set script ""
    for {set i 0} {$i < $n} {incr i} {append script "SET k$i v$i\n"}
    exec /usr/bin/redis-cli {*}[tool_tls_args] -c -p $port << $script
}

proc cli_count_keys {port n} {
    set script ""
    for {set i 0} {$i < $n} {incr i} {append script "GET k$i\n"}
    set out [exec /usr/bin/redis-cli {*}[tool_tls_args] -c -p $port << $script]
    return [llength [lsearch -all -glob [split $out "\n"] v*]]
}

tags {cluster} {

start_server [list overrides [cluster_overrides {}]] {
start_server [list overrides [cluster_overrides {}]] {
start_server [list overrides [cluster_overrides {}]] {
start_server [list overrides [cluster_overrides {}]] {
    set p1 [srv -3 port]
    set p2 [srv -2 port]
    set p3 [srv -1 port]
    set p4 [srv 0 port]

    test "redis-cli --cluster create builds a 3-master cluster of our nodes" {
        set out [cli --cluster create 127.0.0.1:$p1 127.0.0.1:$p2 127.0.0.1:$p3 --cluster-yes]
        assert_match "*All nodes agree about slots configuration*" $out
        assert_match "*All 16384 slots covered*" $out
        wait_for_condition 200 50 {[cluster_info_field -1 cluster_state] eq "ok" &&
                                   [cluster_info_field -3 cluster_known_nodes] == 3} else {
            fail "cluster did not come up"
        }
    }

    test "redis-cli -c follows redirections" {
        cli_load_keys $p1 300
        assert_equal 300 [cli_count_keys $p2 300]
        set total [expr {[r -3 dbsize] + [r -2 dbsize] + [r -1 dbsize]}]
        assert_equal 300 $total
    }

    test "redis-cli --cluster reshard moves slots and keys with MIGRATE" {
        set to [r -2 cluster myid]
        set out [cli --cluster reshard 127.0.0.1:$p1 --cluster-from all \
                     --cluster-to $to --cluster-slots 2000 --cluster-yes]
        set check [cli --cluster check 127.0.0.1:$p1]
        assert_match "*All nodes agree about slots configuration*" $check
        assert_match "*All 16384 slots covered*" $check
        assert_no_match "*WARNING*" $check
        assert_equal 300 [cli_count_keys $p3 300]
        assert_equal 300 [expr {[r -3 dbsize] + [r -2 dbsize] + [r -1 dbsize]}]
    }

    test "redis-cli --cluster add-node, rebalance and del-node" {
        set out [cli --cluster add-node 127.0.0.1:$p4 127.0.0.1:$p1]
        assert_match "*New node added correctly*" $out
        set id4 [r 0 cluster myid]
        wait_for_condition 200 50 {
            [string match "*$id4 *" [r -1 cluster nodes]] &&
            [string match "*$id4 *" [r -2 cluster nodes]] &&
            [string match "*$id4 *" [r -3 cluster nodes]] &&
            [cluster_info_field 0 cluster_known_nodes] == 4} else {
            fail "new node not known"
        }
        wait_for_condition 200 50 {
            ![catch {cli --cluster check 127.0.0.1:$p1} out] &&
            [string match "*All nodes agree*" $out]
        } else {
            fail "nodes do not agree after add-node"
        }
        cli --cluster rebalance 127.0.0.1:$p1 --cluster-use-empty-masters
        assert_morethan [r 0 dbsize] 0
        assert_equal 300 [cli_count_keys $p1 300]
        set id4 [r 0 cluster myid]
        cli --cluster reshard 127.0.0.1:$p1 --cluster-from $id4 \
            --cluster-to [r -3 cluster myid] --cluster-slots 16384 --cluster-yes
        assert_equal 0 [r 0 dbsize]
        set out [cli --cluster del-node 127.0.0.1:$p1 $id4]
        assert_match "*CLUSTER RESET SOFT*" $out
        wait_for_condition 200 50 {[cluster_info_field -3 cluster_known_nodes] == 3 &&
                                   [cluster_info_field -1 cluster_known_nodes] == 3} else {
            fail "deleted node still known"
        }
        assert_equal 300 [cli_count_keys $p2 300]
    }

    test "python3-redis RedisCluster works against the cluster" {
        set py [py_cluster_client]
        append py {
for i in range(100):
    rc.set("py%d" % i, i)
assert all(int(rc.get("py%d" % i)) == i for i in range(100))
assert len(rc.get_nodes()) == 3
print("ok")
}
        set out [exec /usr/bin/python3 -c $py $p1 $::tls $::tls_dir 2>@1]
        assert_equal ok [string trim $out]
    }
}
}
}
}

start_server {} {
start_server {} {
    set dst_port [srv 0 port]
    test "MIGRATE moves a key with its TTL, COPY keeps it, REPLACE overwrites" {
        r -1 set a 1
        r -1 pexpire a 100000
        assert_equal OK [r -1 migrate 127.0.0.1 $dst_port a 0 5000]
        assert_equal 0 [r -1 exists a]
        assert_equal 1 [r 0 get a]
        assert_range [r 0 pttl a] 1 100000
        r -1 set b 2
        assert_equal OK [r -1 migrate 127.0.0.1 $dst_port b 0 5000 copy]
        assert_equal 2 [r -1 get b]
        assert_equal 2 [r 0 get b]
        r -1 set b 3
        catch {r -1 migrate 127.0.0.1 $dst_port b 0 5000} e
        assert_match "*Target instance replied with error: BUSYKEY*" $e
        assert_equal 3 [r -1 get b]
        assert_equal OK [r -1 migrate 127.0.0.1 $dst_port b 0 5000 replace]
        assert_equal 3 [r 0 get b]
        assert_equal 0 [r -1 exists b]
    }

    test "MIGRATE KEYS, NOKEY, destination db, argument errors" {
        r -1 mset x 1 y 2 z 3
        assert_equal OK [r -1 migrate 127.0.0.1 $dst_port "" 3 5000 keys x y nosuch]
        assert_equal 1 [r -1 exists z]
        assert_equal 0 [r -1 exists x]
        r 0 select 3
        assert_equal {1 2} [r 0 mget x y]
        r 0 select 0
        assert_equal NOKEY [r -1 migrate 127.0.0.1 $dst_port nosuch 0 5000]
        assert_error "*must be set to the empty string*" \
            {r -1 migrate 127.0.0.1 $dst_port z 0 5000 keys z}
        assert_error "*syntax*" {r -1 migrate 127.0.0.1 $dst_port z 0 5000 sideways}
    }

    test "MIGRATE AUTH and AUTH2, and an unreachable target" {
        r 0 config set requirepass secret
        r -1 set w 1
        catch {r -1 migrate 127.0.0.1 $dst_port w 0 5000 auth wrong} e
        assert_match "*Target instance replied with error: WRONGPASS*" $e
        # As in Redis 7.0, keys are kept here when the target refuses AUTH.
        assert_equal 1 [r -1 exists w]
        assert_equal OK [r -1 migrate 127.0.0.1 $dst_port w 0 5000 replace auth secret]
        r -1 set w2 1
        assert_equal OK [r -1 migrate 127.0.0.1 $dst_port w2 0 5000 auth2 default secret]
        r 0 auth secret
        assert_equal {1 1} [r 0 mget w w2]
        r 0 config set requirepass ""
        catch {r -1 migrate 127.0.0.1 1 z 0 500} e
        assert_match "IOERR*" $e
        assert_equal 1 [r -1 exists z]
    }
}
}

if {!$::tls} {
start_server [list overrides [cluster_overrides {}]] {
start_server [list overrides [cluster_overrides {}]] {
    test "Our nodes and Debian's Redis 7.0 nodes form one cluster" {
        set dir [file join $::tmp_root "redis70.[pid]"]
        file mkdir $dir
        set rport [::next_port]
        set rcport [::next_port]
        set pid [exec /usr/bin/redis-server --port $rport --cluster-port $rcport \
                     --bind 127.0.0.1 --cluster-enabled yes --cluster-node-timeout 1000 \
                     --save "" --dir $dir --logfile [file join $dir log] &]
        wait_for_condition 100 50 {![catch {set rc [redis_client -notls 127.0.0.1 $rport]}]} else {
            fail "Redis 7.0 did not start"
        }
        catch {
            set out [cli --cluster create 127.0.0.1:[srv -1 port] 127.0.0.1:[srv 0 port] \
                         127.0.0.1:$rport --cluster-yes]
            assert_match "*All 16384 slots covered*" $out
            wait_for_condition 200 50 {
                [string match "*cluster_state:ok*" [$rc cluster info]] &&
                [cluster_info_field 0 cluster_state] eq "ok"
            } else {
                fail "mixed cluster did not come up"
            }
            r 0 config set cluster-announce-hostname ours-0
            wait_for_condition 100 50 {[string match "*,ours-0 *" [$rc cluster nodes]]} else {
                fail "Redis 7.0 did not learn our hostname extension"
            }
            cli_load_keys [srv 0 port] 100
            assert_equal 100 [cli_count_keys $rport 100]
            # Slots move from Redis 7.0 to ours and back with MIGRATE.
            cli --cluster reshard 127.0.0.1:$rport --cluster-from [$rc cluster myid] \
                --cluster-to [r 0 cluster myid] --cluster-slots 500 --cluster-yes
            assert_equal 100 [cli_count_keys $rport 100]
            wait_for_condition 100 50 {
                ![catch {cli --cluster check 127.0.0.1:[srv -1 port]} out] &&
                [string match "*All nodes agree*" $out]
            } else {
                fail "nodes disagree after resharding"
            }
            # Failure detection across implementations.
            exec kill -9 $pid
            wait_for_condition 200 50 {
                [string match "*master,fail *" [r 0 cluster nodes]]
            } else {
                fail "Redis 7.0 node not marked failed"
            }
        } err opts
        catch {$rc close}
        catch {exec kill -9 $pid}
        if {$err ne ""} {return -options $opts $err}
    }
}
}
}

}
