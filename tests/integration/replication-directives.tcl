# replication-directives.tcl -- the replication directives of Redis 7.0
# that only show their effect under particular conditions:
# propagation-error-behavior, key-load-delay (a load in progress is
# visible, the replica answers meanwhile), replica-ignore-maxmemory,
# rdb-del-sync-files (both sides), repl-backlog-ttl, min-replicas-max-lag.

source [file join $::tests_dir helpers reference.tcl]

proc rd_wait_sync {} {
    wait_for_sync [srv 0 client]
    wait_for_condition 500 20 {
        [status [srv -1 client] master_repl_offset] ==
        [status [srv 0 client] master_repl_offset]
    } else {
        fail "the replica did not catch up"
    }
}

# Starts one of our servers outside the framework (its crash is the
# test's expected outcome), with <args>. Returns {pid client log}.
proc rd_start_own {dir args} {
    lassign [refsrv_start $dir -bin $::server_bin -name own -tls {*}$args] \
        pid c port log
    return [list $pid $c $log]
}

proc rd_log_since {level from} {
    return [string range [::file_content [srv $level stdout]] $from end]
}

start_server {tags {repl} overrides {repl-diskless-sync-delay 0}} {
    start_server {overrides {replica-read-only no}} {
        test "propagation-error-behavior ignore: an error to the master is logged and counted" {
            r replicaof [srv -1 host] [srv -1 port]
            rd_wait_sync
            r -1 set k 1
            rd_wait_sync
            # The replica's own write makes the master's next command fail
            # there.
            r del k
            r rpush k a
            set from [string length [::file_content [srv 0 stdout]]]
            r -1 incr k
            rd_wait_sync
            assert_match "*== CRITICAL == This replica is sending an error to its master: 'WRONGTYPE*' after processing the command 'incr'*" \
                [rd_log_since 0 $from]
            assert_equal 1 [status [srv 0 client] unexpected_error_replies]
            assert_equal up [status [srv 0 client] master_link_status]
        }

    }

    test "propagation-error-behavior panic-on-replicas: the replica stops" {
        lassign [rd_start_own [srv 0 dir] --replica-read-only no \
                     --propagation-error-behavior panic-on-replicas \
                     --replicaof [srv 0 host] [srv 0 port]] pid c log
        try {
            wait_for_condition 500 20 {
                [status $c master_link_status] eq "up"
            } else {
                fail "the replica did not sync"
            }
            r set k 1
            wait_for_condition 500 20 {
                [$c get k] eq "1"
            } else {
                fail "the write did not arrive"
            }
            $c del k
            $c rpush k a
            r incr k
            wait_for_condition 500 20 {
                ![::process_alive $pid]
            } else {
                fail "the replica did not panic"
            }
            assert_match "*This replica panicked sending an error to its master after processing the command 'incr'*" \
                [::file_content $log]
        } finally {
            catch {$c close}
            ::kill_server_process $pid
        }
    }
}

start_server {tags {repl} overrides {repl-diskless-sync-delay 0 repl-diskless-sync yes}} {
    set master [srv 0 client]
    for {set i 0} {$i < 400} {incr i} {$master set key:$i $i}
    start_server {overrides {repl-diskless-load on-empty-db key-load-delay 5000}} {
        test "key-load-delay: a slow load is visible in INFO and the replica answers meanwhile" {
            r replicaof [srv -1 host] [srv -1 port]
            wait_for_condition 500 10 {
                [status [srv 0 client] loading] eq "1"
            } else {
                fail "the load did not start"
            }
            # The event loop turns while the RDB is parsed: INFO answers,
            # PING gets Redis 7.0's -LOADING.
            set info [r info persistence]
            assert_match "*loading:1*" $info
            assert_match "*loading_loaded_bytes:*" $info
            assert_match "*loading_start_time:*" $info
            assert_error "LOADING*" {r ping}
            assert_equal 1 [status [srv 0 client] master_sync_in_progress]
            r config set key-load-delay 0
            rd_wait_sync
            assert_equal 400 [r dbsize]
            assert_equal 0 [status [srv 0 client] loading]
            assert_no_match "*loading_start_time*" [r info persistence]
            # Negative values are Redis 7.0's sub-microsecond delays.
            assert_equal OK [r config set key-load-delay -10]
            assert_equal OK [r config set rdb-key-save-delay -10]
            r config set key-load-delay 0
            r config set rdb-key-save-delay 0
        }
    }
}

start_server {tags {repl} overrides {repl-diskless-sync-delay 0 repl-diskless-sync no}} {
    set master [srv 0 client]
    for {set i 0} {$i < 400} {incr i} {$master set key:$i $i}
    set fields {}
    for {set i 0} {$i < 2000} {incr i} {lappend fields f$i v$i}
    $master hset big:hash {*}$fields
    start_server {overrides {repl-diskless-load disabled key-load-delay 5000}} {
        test "repl-diskless-load disabled: the received file loads in slices, clients get -LOADING meanwhile" {
            r replicaof [srv -1 host] [srv -1 port]
            # (loading:1 comes first while the old dataset is freed, then
            # the file's load adds its progress fields.)
            wait_for_condition 500 10 {
                [string match "*loading_total_bytes:*" [r info persistence]]
            } else {
                fail "the load did not start"
            }
            # The event loop turns while the file is parsed.
            set info [r info persistence]
            assert_match "*loading:1*" $info
            assert_match "*loading_total_bytes:*" $info
            assert_match "*loading_loaded_bytes:*" $info
            assert_equal 1 [status [srv 0 client] master_sync_in_progress]
            assert_error "LOADING*" {r get key:1}
            # Meanwhile the master's writes wait for the end of the load.
            $master set during:load yes
            r config set key-load-delay 0
            wait_for_condition 500 10 {
                [status [srv 0 client] master_link_status] eq "up" &&
                [r get during:load] eq "yes"
            } else {
                fail "the replica did not finish its sync"
            }
            assert_equal 402 [r dbsize]
            assert_equal 2000 [r hlen big:hash]
            assert_equal 0 [status [srv 0 client] loading]
            assert_match "*keys loaded from disk*" [exec cat [srv 0 stdout]]
        }
    }
}

# The master dies while the replica parses the received file (its link is
# not read during the load): the load completes, the replica keeps the
# complete dataset it received, finds the link gone and tries again.
start_server {tags {repl} overrides {repl-diskless-load disabled}} {
    test "repl-diskless-load disabled: a master gone during the file load" {
        lassign [rd_start_own [srv 0 dir] --repl-diskless-sync no] pid c log
        try {
            for {set i 0} {$i < 300} {incr i} {$c set key:$i $i}
            r config set key-load-delay 5000
            r replicaof 127.0.0.1 [lindex [$c config get [expr {$::tls ? "tls-port" : "port"}]] 1]
            wait_for_condition 500 10 {
                [status [srv 0 client] loading] eq "1"
            } else {
                fail "the load did not start"
            }
            # It vanishes: no shutdown, no last words on the link.
            exec kill -KILL $pid
            wait_for_condition 500 10 {![::process_alive $pid]} else {
                fail "the master did not die"
            }
            r config set key-load-delay 0
            wait_for_condition 500 20 {
                [status [srv 0 client] loading] eq "0" &&
                [status [srv 0 client] master_link_status] eq "down"
            } else {
                fail "the replica did not finish its load, or kept the link up"
            }
            assert_equal 300 [r dbsize]
            assert_equal PONG [r ping]
            # It retries (and fails: nobody listens there any more).
            set from [string length [::file_content [srv 0 stdout]]]
            wait_for_condition 500 20 {
                [string first "Connecting to MASTER" [rd_log_since 0 $from]] >= 0
            } else {
                fail "the replica did not try to reconnect"
            }
            assert_equal 300 [r dbsize]
        } finally {
            r replicaof no one
            catch {$c close}
            ::kill_server_process $pid
        }
    }
}

# Large collections (and a stream): one value takes longer to parse than a load slice,
# so the replica stops between two of its members and goes on in the next
# turn (from the socket with swapdb, from the received file with
# disabled). The values must come out whole, with their expiry.
start_server {tags {repl} overrides {repl-diskless-sync-delay 0 repl-diskless-sync yes}} {
    set master [srv 0 client]
    set m {}
    for {set i 0} {$i < 60000} {incr i} {lappend m member:$i}
    $master sadd big:set {*}$m
    $master rpush big:list {*}$m
    set z {}
    set h {}
    for {set i 0} {$i < 40000} {incr i} {
        lappend z $i.5 member:$i
        lappend h field:$i value:$i
    }
    $master zadd big:zset {*}$z
    $master hset big:hash {*}$h
    $master pexpire big:set 100000000
    # A stream of 20,000 entries in ~200 listpack nodes, a group with
    # 5,000 pending entries.
    $master eval {for i = 1, 20000 do redis.call('xadd', KEYS[1], '*', 'f', i) end} 1 big:stream
    $master xgroup create big:stream g 0
    $master xreadgroup group g c1 count 5000 streams big:stream >
    $master set small:key small
    set keys {big:set big:list big:zset big:hash big:stream small:key}
    set digests [$master debug digest-value {*}$keys]
    foreach mode {swapdb disabled} {
        start_server [list overrides [list repl-diskless-load $mode]] {
            test "repl-diskless-load $mode: a large collection loads over several turns, whole" {
                regexp {rdbload_value_slices:(\d+)} [r info rdbload] -> before
                r replicaof [srv -1 host] [srv -1 port]
                wait_for_sync r
                regexp {rdbload_value_slices:(\d+)} [r info rdbload] -> after
                assert {$after > $before}
                assert_equal $digests [r debug digest-value {*}$keys]
                assert_equal 60000 [r scard big:set]
                assert_equal 40000 [r zcard big:zset]
                assert_equal 39999.5 [r zscore big:zset member:39999]
                assert_equal value:39999 [r hget big:hash field:39999]
                assert_equal member:59999 [r lindex big:list -1]
                assert_equal 20000 [r xlen big:stream]
                assert_equal 5000 [lindex [r xpending big:stream g] 0]
                assert {[r pttl big:set] > 0}
                assert_equal -1 [r pttl big:list]
                assert_no_match "*# Rdbload*" [r info everything]
            }
        }
    }
}

# A replica's load (from the socket with swapdb, from the received file
# with disabled) also answers clients after at most
# loading-process-events-interval-bytes of payload.
start_server {tags {repl} overrides {repl-diskless-sync-delay 0 repl-diskless-sync yes rdbcompression no}} {
    r debug populate 4000 key 1000
    set digest [r debug digest]
    foreach mode {swapdb disabled} {
        start_server [list overrides [list repl-diskless-load $mode loading-process-events-interval-bytes 1024]] {
            test "repl-diskless-load $mode: the load yields after loading-process-events-interval-bytes" {
                regexp {rdbload_slices:(\d+)} [r info rdbload] -> before
                r replicaof [srv -1 host] [srv -1 port]
                wait_for_sync r
                regexp {rdbload_slices:(\d+)} [r info rdbload] -> after
                assert_morethan [expr {$after - $before}] 1499
                assert_equal $digest [r debug digest]
            }
        }
    }
}

start_server {tags {repl} overrides {repl-diskless-sync-delay 0}} {
    start_server {overrides {maxmemory 2mb maxmemory-policy allkeys-random}} {
        test "replica-ignore-maxmemory yes: the replica keeps what the master sends" {
            r replicaof [srv -1 host] [srv -1 port]
            rd_wait_sync
            r -1 eval {for i = 0, 399 do redis.call('set', 'big:' .. i, string.rep('x', 10000)) end} 0
            rd_wait_sync
            assert_equal 400 [r dbsize]
        }

        test "replica-ignore-maxmemory no: the replica evicts by itself" {
            r config set replica-ignore-maxmemory no
            r -1 eval {for i = 400, 449 do redis.call('set', 'big:' .. i, string.rep('x', 10000)) end} 0
            rd_wait_sync
            wait_for_condition 500 20 {
                [r dbsize] < 450
            } else {
                fail "the replica did not evict"
            }
            assert_equal 450 [r -1 dbsize]
            r config set replica-ignore-maxmemory yes
        }
    }
}

start_server {tags {repl} overrides {repl-diskless-sync no save {} rdb-del-sync-files yes}} {
    r set a 1
    start_server {overrides {save {} rdb-del-sync-files yes}} {
        test "rdb-del-sync-files: both sides remove the RDB of the sync without persistence" {
            set mfile [file join [lindex [r -1 config get dir] 1] [lindex [r -1 config get dbfilename] 1]]
            set rfile [file join [lindex [r config get dir] 1] [lindex [r config get dbfilename] 1]]
            r replicaof [srv -1 host] [srv -1 port]
            rd_wait_sync
            assert_equal 1 [r get a]
            assert_match "*Removing the RDB file obtained from the master*" \
                [::file_content [srv 0 stdout]]
            assert_equal 0 [file exists $rfile]
            wait_for_condition 500 20 {
                ![file exists $mfile]
            } else {
                fail "the master kept the RDB it wrote for the replica"
            }
            assert_match "*Removing the RDB file used to feed replicas in a persistence-less instance*" \
                [::file_content [srv -1 stdout]]
        }

        test "rdb-del-sync-files no: the replica keeps the file" {
            r config set rdb-del-sync-files no
            r -1 config set rdb-del-sync-files no
            set rfile [file join [lindex [r config get dir] 1] [lindex [r config get dbfilename] 1]]
            set mfile [file join [lindex [r -1 config get dir] 1] [lindex [r -1 config get dbfilename] 1]]
            r replicaof no one
            r replicaof [srv -1 host] [srv -1 port]
            rd_wait_sync
            assert_equal 1 [file exists $rfile]
            assert_equal 1 [file exists $mfile]
        }
    }
}

start_server {tags {repl} overrides {repl-diskless-sync-delay 0 repl-backlog-ttl 1}} {
    start_server {} {
        test "repl-backlog-ttl: a master without replicas frees its backlog" {
            r replicaof [srv -1 host] [srv -1 port]
            rd_wait_sync
            assert_equal 1 [status [srv -1 client] repl_backlog_active]
            r replicaof no one
            wait_for_condition 500 20 {
                [status [srv -1 client] repl_backlog_active] eq "0"
            } else {
                fail "the backlog was not freed"
            }
            assert_match "*Replication backlog freed after 1 seconds without connected replicas*" \
                [::file_content [srv -1 stdout]]
            # The replica keeps its own: it never frees it.
            assert_equal 1 [status [srv 0 client] repl_backlog_active]
        }
    }
}

start_server {tags {repl} overrides {repl-diskless-sync-delay 0}} {
    start_server {} {
        test "min-replicas-max-lag: a replica that stops acknowledging stops counting" {
            r replicaof [srv -1 host] [srv -1 port]
            rd_wait_sync
            r -1 config set min-replicas-to-write 1
            r -1 config set min-replicas-max-lag 2
            assert_equal OK [r -1 set w 1]
            assert_equal 1 [status [srv -1 client] min_slaves_good_slaves]
            set pid [srv 0 pid]
            exec kill -STOP $pid
            try {
                wait_for_condition 500 20 {
                    [status [srv -1 client] min_slaves_good_slaves] eq "0"
                } else {
                    fail "the stopped replica still counts"
                }
                assert_error "NOREPLICAS Not enough good replicas to write." {
                    r -1 set w 2
                }
            } finally {
                exec kill -CONT $pid
            }
            wait_for_condition 500 20 {
                [status [srv -1 client] min_slaves_good_slaves] eq "1"
            } else {
                fail "the replica did not count again"
            }
            assert_equal OK [r -1 set w 3]
            r -1 config set min-replicas-to-write 0
        }
    }
}

start_server {tags {repl}} {
    test "INFO eventloop (for utils/repl-bench.sh): hidden, with a window that restarts" {
        set info [r info eventloop]
        assert_match "*eventloop_turns:*" $info
        assert_match "*eventloop_max_turn_usec:*" $info
        assert_match "*eventloop_window_max_turn_usec:*" $info
        assert_match "*eventloop_last_fork_usec:*" $info
        assert_no_match "*# Eventloop*" [r info all]
        assert_no_match "*# Eventloop*" [r info everything]
        assert_no_match "*# Eventloop*" [r info]
        # A slow command makes a long turn; the next window starts over.
        r info eventloop
        r debug sleep 0.3
        set info [r info eventloop]
        regexp {eventloop_window_max_turn_usec:(\d+)} $info -> window
        regexp {eventloop_max_turn_usec:(\d+)} $info -> max
        assert {$window >= 300000}
        assert {$max >= 300000}
        set info [r info eventloop]
        regexp {eventloop_window_max_turn_usec:(\d+)} $info -> window
        regexp {eventloop_max_turn_usec:(\d+)} $info -> max2
        assert {$window < 300000}
        assert {$max2 >= $max}
    }

    test "INFO eventloop: what the longest turn (by CPU) did" {
        set script {local x = 0 for i = 1, 20000000 do x = x + 1 end return x}
        r info eventloop
        assert_equal 20000000 [r eval $script 0]
        set info [r info eventloop]
        regexp {eventloop_window_max_turn_cpu_usec:(\d+)} $info -> cpu
        assert {$cpu > 10000}
        # That turn read the EVAL and ran it, and nothing else.
        set req "*3\r\n\$4\r\nEVAL\r\n\$[string length $script]\r\n$script\r\n\$1\r\n0\r\n"
        assert_match "*eventloop_window_max_turn_commands:1\r*" $info
        assert_match "*eventloop_window_max_turn_read_bytes:[string length $req]\r*" $info
        assert_match "*eventloop_window_max_turn_snapshot_usec:0\r*" $info
    }
}

start_server {tags {repl multi}} {
    # Things change between queueing and EXEC: EXEC answers for what it
    # queued, as Redis 7.0 does (these replies were checked against it).
    test "EXEC is refused for its queued writes: NOREPLICAS, READONLY, MASTERDOWN" {
        set other [redis_new_client]
        r multi
        r set a 1
        $other config set min-replicas-to-write 1
        assert_error "EXECABORT Transaction discarded because of: NOREPLICAS Not enough good replicas to write." {r exec}
        r multi
        r get a
        assert_equal {{}} [r exec]
        $other config set min-replicas-to-write 0

        r multi
        r set a 1
        # A replica of a master that is not there: read-only, link down.
        $other replicaof 127.0.0.1 [::next_port]
        assert_error "EXECABORT Transaction discarded because of: READONLY You can't write against a read only replica." {r exec}
        r multi
        r get a
        $other config set replica-serve-stale-data no
        assert_error "EXECABORT Transaction discarded because of: MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'." {r exec}
        assert_error "MASTERDOWN*" {r ping}
        assert_match "*redis_version*" [r info server]
        $other config set replica-serve-stale-data yes
        $other replicaof no one
        $other close
        assert_equal 0 [r exists a]
    }
}

# replica-lazy-flush no: the old dataset is gone before the new one loads
# (the two are never in memory together), but the background thread frees
# it: the replica answers -LOADING meanwhile instead of stopping. Redis 7.0
# frees it in the event loop (a turn of seconds for millions of keys).
start_server {tags {repl} overrides {repl-diskless-sync-delay 0}} {
    start_server {overrides {replica-lazy-flush no repl-diskless-load disabled}} {
        test "replica-lazy-flush no: the old dataset is freed without stopping the replica" {
            r -1 set from-master 1
            r debug populate 1500000 old 10
            r info eventloop
            r replicaof [srv -1 host] [srv -1 port]
            wait_for_sync [srv 0 client] 1500 20
            regexp {eventloop_window_max_turn_cpu_usec:(\d+)} [r info eventloop] -> turn
            assert_equal 1 [r dbsize]
            assert_equal 1 [r get from-master]
            set log [::file_content [srv 0 stdout]]
            assert_match "*Flushing old data*Loading DB in memory*Finished with success*" $log
            # Freeing 1.5M keys in one turn takes about a second.
            assert_lessthan $turn 300000
        }

        test "A received file that cannot replace the RDB file: logged, data kept, retried" {
            r replicaof no one
            r set kept 1
            set rdb [file join [srv 0 dir] [lindex [r config get dbfilename] 1]]
            file delete $rdb
            file mkdir $rdb
            try {
                r -1 debug change-repl-id
                r replicaof [srv -1 host] [srv -1 port]
                wait_for_condition 500 20 {
                    [regexp -all {Failed trying to rename the temp DB} \
                         [::file_content [srv 0 stdout]]] >= 2
                } else {
                    fail "the failed rename was not logged and retried"
                }
                assert_equal 1 [r get kept]
                assert_equal 0 [llength [glob -nocomplain -directory [srv 0 dir] temp-*.rdb]]
            } finally {
                r replicaof no one
                file delete -force $rdb
            }
        }
    }
}
