# replication-diskless-load.tcl -- repl-diskless-load swapdb and
# on-empty-db: the replica parses the RDB from the socket as it arrives,
# in slices, never waiting on the network. With swapdb the old dataset
# stays in place (served, with async_loading:1, when the master's history
# is the replica's own, as Redis 7.0 does; otherwise -LOADING) until the
# new one is complete, and a transfer cut short or corrupted leaves it
# intact. With --tls every link is TLS (the fake master too).

# Fills <c> with <n> keys of every type (and a few in db 2).
proc dl_fill {c n} {
    $c select 0
    for {set i 0} {$i < $n} {incr i} {
        $c set "str:$i" [string repeat v [expr {$i % 50 + 1}]]
        $c rpush "list:$i" a b $i
        $c hset "hash:$i" f $i g x
        $c sadd "set:$i" $i y z
        $c zadd "zset:$i" $i m 1 n
    }
    $c set withttl v px 600000
    $c select 2
    $c set indb2 yes
    $c select 0
}

source [file join $::tests_dir helpers fake_peer.tcl]

# Starts tests/helpers/fake_rdb_master.py serving <rdbfile> with <replid>
# in <fmt> (len or eof). Returns {pid port gatefile countfile}.
proc dl_fake_start {rdbfile replid fmt} {
    set port [::next_port]
    set gate [file join [srv 0 dir] gate-$port]
    set countfile [file join [srv 0 dir] fake-$port.count]
    file delete $gate
    set pid [fake_peer_start fake_rdb_master.py $port $rdbfile $replid $fmt \
                 $gate $countfile]
    return [list $pid $port $gate $countfile]
}

proc dl_gate {fm word} {
    set f [open [lindex $fm 2] w]
    puts $f $word
    close $f
}

proc dl_fake_connections {fm} {
    return [fake_peer_connections [lindex $fm 3]]
}

# The replica's log from byte <from> on.
proc dl_log_since {from} {
    return [string range [::file_content [srv 0 stdout]] $from end]
}

# SAVEs the server at level 0 and copies its RDB to <name> in its
# directory, for a fake master to serve. Returns the copy's path.
proc dl_save_as {name} {
    r save
    set path [file join [srv 0 dir] $name]
    file copy -force [file join [lindex [r config get dir] 1] \
                          [lindex [r config get dbfilename] 1]] $path
    return $path
}

# Ends a test's replication from the fake master <fm>: the fake goes
# first, so that no load is in progress (Redis 7.0 refuses REPLICAOF
# while one is), then the replica <c> stops following it.
proc dl_stop {c fm} {
    exec kill [lindex $fm 0]
    wait_for_condition 500 20 {
        [status $c loading] == 0 && [status $c async_loading] == 0
    } else {
        fail "the replica still loads from a fake master that is gone"
    }
    $c replicaof no one
}

proc dl_wait_status {c field value} {
    wait_for_condition 500 20 {
        [status $c $field] eq $value
    } else {
        fail "$field did not become $value (it is [status $c $field])"
    }
}

# The RDB the fake master serves: written by one of our servers.
start_server {tags {repl}} {
    dl_fill [srv 0 client] 300
    set rdbfile [dl_save_as served.rdb]
    set served_keys [r dbsize]
    set served_snapshot [dataset_snapshot [srv 0 client]]

    start_server {overrides {repl-diskless-load swapdb}} {
        set replica [srv 0 client]

        foreach fmt {eof len} {
            test "swapdb, same history ($fmt): the old dataset is served until the new one is complete" {
                $replica flushall
                $replica set old-key old-value
                set myid [status $replica master_replid]
                set fm [dl_fake_start $rdbfile $myid $fmt]
                # A transaction queued before the load, with a command the
                # load refuses.
                set tx [redis_new_client]
                $tx multi
                $tx bgsave
                try {
                    $replica replicaof 127.0.0.1 [lindex $fm 1]
                    dl_wait_status $replica async_loading 1
                    assert_equal 0 [status $replica loading]
                    assert_equal 1 [status $replica master_sync_in_progress]
                    # Its EXEC is refused as a whole and ends it, as in
                    # Redis 7.0.
                    assert_error "EXECABORT Transaction discarded because of: LOADING Redis is loading the dataset in memory" {$tx exec}
                    assert_equal PONG [$tx ping]
                    $tx close
                    # Half the RDB is parsed into the new dataset; clients
                    # still see the old one.
                    assert_equal old-value [$replica get old-key]
                    assert_equal 0 [$replica exists str:0]
                    assert_equal 1 [$replica dbsize]
                    # Commands flagged no_async_loading wait for the end,
                    # as in Redis 7.0 (checked against it): refused alone,
                    # refused when queued (the transaction then aborts).
                    assert_error "LOADING*" {$replica bgsave}
                    assert_error "LOADING*" {$replica replicaof no one}
                    $replica multi
                    $replica get old-key
                    assert_error "LOADING*" {$replica bgsave}
                    assert_error "EXECABORT*previous errors*" {$replica exec}
                    assert_equal old-value [$replica get old-key]
                    dl_gate $fm go
                    dl_wait_status $replica master_link_status up
                    assert_equal 0 [status $replica async_loading]
                    assert_equal 0 [$replica exists old-key]
                    assert_equal [expr {$served_keys}] [$replica dbsize]
                    dataset_compare $served_snapshot [dataset_snapshot $replica] 600000
                    set log [::file_content [srv 0 stdout]]
                    assert_match "*receiving*from master*to parser*" $log
                    assert_match "*Swapping active DB with loaded DB*" $log
                } finally {
                    dl_stop $replica $fm
                }
            }
        }

        foreach {action reason} {
            cut "*I/O error trying to sync with MASTER*"
            garbage "*Failed trying to load the MASTER synchronization DB from socket: offset *"
        } {
            test "swapdb: a transfer that is $action mid-way leaves the old dataset intact" {
                set logpos [string length [::file_content [srv 0 stdout]]]
                $replica flushall
                $replica set old-key old-value
                $replica rpush old-list a b c
                set myid [status $replica master_replid]
                set fm [dl_fake_start $rdbfile $myid eof]
                try {
                    $replica replicaof 127.0.0.1 [lindex $fm 1]
                    dl_wait_status $replica async_loading 1
                    dl_gate $fm $action
                    wait_for_condition 500 20 {
                        [string match "*Discarding the half-loaded data; the old dataset stays*" \
                             [dl_log_since $logpos]]
                    } else {
                        fail "the half-loaded data was not discarded"
                    }
                    assert_match $reason [dl_log_since $logpos]
                    assert_equal 0 [status $replica async_loading]
                    assert_equal old-value [$replica get old-key]
                    assert_equal {a b c} [$replica lrange old-list 0 -1]
                    assert_equal 2 [$replica dbsize]
                    # It tries again.
                    wait_for_condition 500 20 {
                        [dl_fake_connections $fm] >= 3
                    } else {
                        fail "the replica did not retry"
                    }
                } finally {
                    dl_stop $replica $fm
                }
                assert_equal old-value [$replica get old-key]
                assert_equal 2 [$replica dbsize]
            }
        }

        test "swapdb, another history: -LOADING while loading, old data kept when cut" {
            $replica flushall
            $replica set old-key old-value
            set fm [dl_fake_start $rdbfile [string repeat b 40] eof]
            try {
                $replica replicaof 127.0.0.1 [lindex $fm 1]
                dl_wait_status $replica loading 1
                assert_equal 0 [status $replica async_loading]
                assert_error "LOADING*" {$replica get old-key}
                # INFO and CONFIG still answer while loading; PING gets
                # -LOADING, as from Redis 7.0.
                assert_equal {} [$replica config get no-such-option]
                assert_error "LOADING*" {$replica ping}
                dl_gate $fm cut
                dl_wait_status $replica loading 0
                assert_equal old-value [$replica get old-key]
                assert_equal 1 [$replica dbsize]
            } finally {
                dl_stop $replica $fm
            }
        }

        test "swapdb: REPLICAOF during the load is refused (Redis 7.0); the old dataset stays" {
            $replica flushall
            $replica set old-key old-value
            set myid [status $replica master_replid]
            set fm [dl_fake_start $rdbfile $myid eof]
            try {
                $replica replicaof 127.0.0.1 [lindex $fm 1]
                dl_wait_status $replica async_loading 1
                # Redis 7.0 refuses REPLICAOF while it loads (checked
                # against it): the load goes on, the old data is served.
                assert_error "LOADING*" {$replica replicaof no one}
                assert_equal 1 [status $replica async_loading]
                assert_equal old-value [$replica get old-key]
            } finally {
                dl_stop $replica $fm
            }
            # Once the master is gone the load is dropped: the old dataset.
            assert_equal 0 [status $replica async_loading]
            assert_equal old-value [$replica get old-key]
            assert_equal 1 [$replica dbsize]
        }

        test "swapdb: WATCHed keys the new dataset changes abort the transaction" {
            $replica flushall
            $replica set old-key old-value
            set myid [status $replica master_replid]
            set fm [dl_fake_start $rdbfile $myid len]
            set w {}
            try {
                set w [redis_new_client]
                $replica replicaof 127.0.0.1 [lindex $fm 1]
                dl_wait_status $replica async_loading 1
                $w watch old-key
                $w multi
                $w ping
                dl_gate $fm go
                dl_wait_status $replica master_link_status up
                assert_equal {} [$w exec]
            } finally {
                if {$w ne {}} {catch {$w close}}
                dl_stop $replica $fm
            }
        }
    }

    start_server {overrides {repl-diskless-load on-empty-db}} {
        set replica [srv 0 client]
        test "on-empty-db: an empty replica loads from the socket (-LOADING meanwhile)" {
            $replica flushall
            set fm [dl_fake_start $rdbfile [string repeat c 40] eof]
            try {
                $replica replicaof 127.0.0.1 [lindex $fm 1]
                dl_wait_status $replica loading 1
                assert_equal 0 [status $replica async_loading]
                assert_error "LOADING*" {$replica dbsize}
                dl_gate $fm go
                dl_wait_status $replica master_link_status up
                assert_equal 0 [status $replica loading]
                assert_equal $served_keys [$replica dbsize]
                assert_match "*receiving streamed RDB from master with EOF to parser*" \
                    [::file_content [srv 0 stdout]]
            } finally {
                dl_stop $replica $fm
            }
        }

        test "on-empty-db: a cut transfer leaves the replica empty, not half loaded" {
            $replica flushall
            set fm [dl_fake_start $rdbfile [string repeat c 40] len]
            try {
                $replica replicaof 127.0.0.1 [lindex $fm 1]
                dl_wait_status $replica loading 1
                dl_gate $fm cut
                dl_wait_status $replica loading 0
                assert_equal 0 [$replica dbsize]
            } finally {
                dl_stop $replica $fm
            }
        }

        test "on-empty-db: a replica with data goes through the disk" {
            $replica flushall
            $replica set mine 1
            set fm [dl_fake_start $rdbfile [string repeat c 40] eof]
            try {
                $replica replicaof 127.0.0.1 [lindex $fm 1]
                wait_for_condition 500 20 {
                    [string match "*receiving streamed RDB from master with EOF to disk*" \
                         [::file_content [srv 0 stdout]]]
                } else {
                    fail "the replica did not receive to disk"
                }
                # Nothing is loaded before the file is complete.
                assert_equal 1 [$replica get mine]
                assert_equal 0 [status $replica loading]
                dl_gate $fm go
                dl_wait_status $replica master_link_status up
                assert_equal $served_keys [$replica dbsize]
                assert_equal 0 [$replica exists mine]
            } finally {
                dl_stop $replica $fm
            }
        }
    }
}

# End to end with our master, through a file and diskless, into a replica
# that already holds data (swapdb) and into an empty one (on-empty-db).
foreach diskless {no yes} {
    foreach load {swapdb on-empty-db} {
        start_server [list tags {repl} overrides [list repl-diskless-sync $diskless \
                                                       repl-diskless-sync-delay 0]] {
            set master [srv 0 client]
            dl_fill $master 500
            start_server [list overrides [list repl-diskless-load $load]] {
                test "repl-diskless-load $load from our master (diskless sync $diskless)" {
                    if {$load eq "swapdb"} {r set stale-key x}
                    r replicaof [srv -1 host] [srv -1 port]
                    wait_for_sync [srv 0 client]
                    dataset_compare [dataset_snapshot $master] \
                        [dataset_snapshot [srv 0 client]] 2000
                    assert_match "*to parser*" [::file_content [srv 0 stdout]]
                    # The stream flows after the load.
                    $master set after-sync 1
                    wait_for_condition 500 20 {
                        [r get after-sync] eq "1"
                    } else {
                        fail "the stream did not reach the replica"
                    }
                }
            }
        }
    }
}

# A transfer cut inside a large value: the value was being read a few
# members at a time (INFO rdbload counts the slices that ended inside
# one), and what was read of it is dropped with the rest; the old dataset
# stays. Under AddressSanitizer a leak of the half-read value fails here.
start_server {tags {repl}} {
    set m {}
    for {set i 0} {$i < 20000} {incr i} {lappend m member:$i}
    r sadd big:set {*}$m
    set rdbfile [dl_save_as served-big.rdb]

    start_server {overrides {repl-diskless-load swapdb}} {
        set replica [srv 0 client]
        foreach fmt {eof len} {
            test "swapdb: a transfer cut inside a large value keeps the old dataset ($fmt)" {
                $replica flushall
                $replica set old-key old-value
                regexp {rdbload_value_slices:(\d+)} [$replica info rdbload] -> before
                set fm [dl_fake_start $rdbfile [string repeat d 40] $fmt]
                try {
                    $replica replicaof 127.0.0.1 [lindex $fm 1]
                    # The first half of the file: the set's first members.
                    wait_for_condition 500 20 {
                        [regexp {rdbload_value_slices:(\d+)} \
                             [$replica info rdbload] -> now] && $now > $before
                    } else {
                        fail "the load did not stop inside the set"
                    }
                    dl_gate $fm cut
                    dl_wait_status $replica loading 0
                    assert_equal old-value [$replica get old-key]
                    assert_equal 0 [$replica exists big:set]
                    assert_equal 1 [$replica dbsize]
                } finally {
                    dl_stop $replica $fm
                }
            }
        }
    }
}

# A stream whose tail (its consumer group, 30,000 pending entries) is cut
# by the transfer: the nodes before it are read a few at a time, the tail
# is read whole, so the first try runs out of bytes inside it and is
# undone (the groups read so far freed), and the second try, once the rest
# has come, makes the same stream as the master's.
start_server {tags {repl}} {
    r eval {for i = 1, 30000 do redis.call('xadd', KEYS[1], '*', 'f', i) end} 1 s
    r xgroup create s g 0
    r xreadgroup group g c1 count 30000 streams s >
    set digest [r debug digest-value s]
    set rdbfile [dl_save_as served-stream.rdb]

    start_server {overrides {repl-diskless-load swapdb}} {
        set replica [srv 0 client]
        test "swapdb, EOF mark: a load cut near the end of a large record finishes when the mark comes" {
            # The first part stops late in the stream's tail: the rest (and
            # the mark) is smaller than what the parser already holds, so
            # waiting for the buffer to double would wait for ever.
            $replica flushall
            set ::env(FAKE_RDB_SPLIT) 0.95
            set fm [dl_fake_start $rdbfile [string repeat f 40] eof]
            unset ::env(FAKE_RDB_SPLIT)
            try {
                $replica replicaof 127.0.0.1 [lindex $fm 1]
                dl_wait_status $replica loading 1
                dl_gate $fm go
                dl_wait_status $replica master_link_status up
                assert_equal $digest [$replica debug digest-value s]
            } finally {
                dl_stop $replica $fm
            }
        }

        test "swapdb: a stream cut inside its consumer groups loads whole once the rest comes" {
            $replica flushall
            set fm [dl_fake_start $rdbfile [string repeat e 40] len]
            try {
                $replica replicaof 127.0.0.1 [lindex $fm 1]
                dl_wait_status $replica loading 1
                dl_gate $fm go
                dl_wait_status $replica master_link_status up
                assert_equal $digest [$replica debug digest-value s]
                assert_equal 30000 [$replica xlen s]
                assert_equal 30000 [lindex [$replica xpending s g] 0]
            } finally {
                dl_stop $replica $fm
            }
        }
    }
}
