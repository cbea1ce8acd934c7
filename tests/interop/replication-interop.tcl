# replication-interop.tcl -- replication with Debian's Redis 7.0 in both
# directions: our replica follows its master and its replica follows ours,
# with full syncs from disk and diskless, partial resyncs after CLIENT KILL
# TYPE master, and a chain ours -> 7.0 -> ours. Datasets are compared key
# by key with values and TTLs. With --tls Debian's server listens on its
# TLS port only and every replication link is TLS (tls-replication yes).

source [file join $::tests_dir helpers reference.tcl]
source [file join $::tests_dir helpers tools.tcl]

# Starts Debian's redis-server in <dir> (TLS in --tls mode) with the extra
# <args>; returns {pid client port log}.
proc ri_ref_start {dir args} {
    return [refsrv_start $dir -tls --appendonly no --repl-diskless-sync-delay 0 {*}$args]
}

# Every type both servers have, small and large encodings, TTLs, db 3.
proc ri_fill {c prefix} {
    $c set $prefix:str "hello world"
    $c set $prefix:int 12345
    $c set $prefix:big [string repeat "0123456789" 3000]
    $c set $prefix:ttl v px 500000
    $c rpush $prefix:list a b c 1 2 3
    for {set i 0} {$i < 300} {incr i} {$c rpush $prefix:biglist "item-$i"}
    $c hset $prefix:hash f1 v1 f2 2
    for {set i 0} {$i < 200} {incr i} {$c hset $prefix:bighash f$i v$i}
    $c pexpire $prefix:bighash 300000
    $c sadd $prefix:intset 1 2 3 -4
    $c sadd $prefix:set a b c
    $c zadd $prefix:zset 1 a 2.5 b -3 c
    for {set i 0} {$i < 200} {incr i} {$c zadd $prefix:bigzset $i m$i}
    $c select 3
    $c set $prefix:db3 "in db 3"
    $c select 0
}

# Waits until clients <m> (master) and <s> (replica) are at one offset.
proc ri_wait_offsets {m s} {
    wait_for_condition 500 20 {
        [status $m master_repl_offset] == [status $s master_repl_offset]
    } else {
        fail "offsets differ: [status $m master_repl_offset] vs [status $s master_repl_offset]"
    }
}

start_server {tags {interop repl} overrides {repl-diskless-sync-delay 0}} {
    set dir [srv 0 dir]
    foreach diskless {no yes} {
        test "Our replica follows Redis 7.0's master (diskless $diskless)" {
            r flushall
            set ref [ri_ref_start $dir --repl-diskless-sync $diskless]
            set rc [lindex $ref 1]
            try {
            ri_fill $rc before
            r replicaof 127.0.0.1 [lindex $ref 2]
            wait_for_sync [srv 0 client]
            ri_fill $rc after
            ri_wait_offsets $rc [srv 0 client]
            dataset_compare [dataset_snapshot $rc] [dataset_snapshot [srv 0 client]] 2000
            if {$diskless eq "yes"} {
                assert_match "*receiving streamed RDB*" [::file_content [srv 0 stdout]]
            }

            # A dropped link continues partially.
            set pok [status $rc sync_partial_ok]
            r client kill type master
            $rc set during-drop 1
            $rc select 3
            $rc incr db3counter
            $rc select 0
            wait_for_condition 500 20 {
                [status $rc sync_partial_ok] == $pok + 1
            } else {
                fail "no partial resync with Redis 7.0's master"
            }
            wait_for_sync [srv 0 client]
            ri_wait_offsets $rc [srv 0 client]
            dataset_compare [dataset_snapshot $rc] [dataset_snapshot [srv 0 client]] 2000
            assert_equal 1 [status $rc sync_full]
            } finally {
                r replicaof no one
                refsrv_stop $ref
            }
        }

        test "Redis 7.0's replica follows our master (diskless $diskless)" {
            r flushall
            r config set repl-diskless-sync $diskless
            ri_fill [srv 0 client] before
            set ref [ri_ref_start $dir --replicaof 127.0.0.1 [srv 0 port]]
            set rc [lindex $ref 1]
            try {
            wait_for_sync $rc
            ri_fill [srv 0 client] after
            ri_wait_offsets [srv 0 client] $rc
            dataset_compare [dataset_snapshot [srv 0 client]] [dataset_snapshot $rc] 2000

            set pok [status [srv 0 client] sync_partial_ok]
            set full [status [srv 0 client] sync_full]
            r set expiring v px 200
            $rc client kill type master
            r set during-drop 1
            r multi
            r incr tx1
            r lpush tx2 a
            r exec
            wait_for_condition 500 20 {
                [status [srv 0 client] sync_partial_ok] == $pok + 1
            } else {
                fail "Redis 7.0's replica did not continue partially"
            }
            wait_for_sync $rc
            # The expired key's DEL reaches the replica too.
            wait_for_condition 100 20 {
                [r exists expiring] == 0
            } else {
                fail "the key did not expire on our master"
            }
            ri_wait_offsets [srv 0 client] $rc
            dataset_compare [dataset_snapshot [srv 0 client]] [dataset_snapshot $rc] 2000
            assert_equal $full [status [srv 0 client] sync_full]
            } finally {
                refsrv_stop $ref
            }
        }
    }

    test "A chain ours -> Redis 7.0 -> ours ends with the same data" {
        r flushall
        ri_fill [srv 0 client] chain
        set ref [ri_ref_start $dir --replicaof 127.0.0.1 [srv 0 port]]
        set rc [lindex $ref 1]
        try {
        wait_for_sync $rc
        start_server {overrides {repl-diskless-sync-delay 0}} {
            r replicaof 127.0.0.1 [lindex $ref 2]
            wait_for_sync [srv 0 client]
            r -1 set late 1
            r -1 select 3
            r -1 del chain:db3
            r -1 select 0
            ri_wait_offsets [srv -1 client] $rc
            ri_wait_offsets $rc [srv 0 client]
            dataset_compare [dataset_snapshot [srv -1 client]] \
                [dataset_snapshot [srv 0 client]] 2000
        }
        } finally {
            refsrv_stop $ref
        }
    }
}

start_server {tags {interop repl} overrides {repl-diskless-sync-delay 0}} {
    set dir [srv 0 dir]
    test "FAILOVER from our master to Redis 7.0's replica and back" {
        r flushall
        ri_fill [srv 0 client] fo
        set ref [ri_ref_start $dir --replicaof 127.0.0.1 [srv 0 port]]
        set rc [lindex $ref 1]
        try {
            wait_for_sync $rc
            assert_equal OK [r failover to 127.0.0.1 [lindex $ref 2] timeout 10000]
            wait_for_condition 500 20 {
                [lindex [$rc role] 0] eq "master" &&
                [status [srv 0 client] master_link_status] eq "up"
            } else {
                fail "Redis 7.0 did not take over"
            }
            $rc set written-on-ref 1
            ri_wait_offsets $rc [srv 0 client]
            assert_equal 1 [r get written-on-ref]
            # And back: Redis 7.0 hands the role to us with PSYNC FAILOVER.
            assert_equal OK [$rc failover to 127.0.0.1 [srv 0 port] timeout 10000]
            wait_for_condition 500 20 {
                [lindex [r role] 0] eq "master" &&
                [status $rc master_link_status] eq "up"
            } else {
                fail "we did not take the role back"
            }
            r set written-on-ours 1
            ri_wait_offsets [srv 0 client] $rc
            dataset_compare [dataset_snapshot [srv 0 client]] [dataset_snapshot $rc] 2000
        } finally {
            refsrv_stop $ref
        }
    }
}

start_server {tags {interop repl} overrides {repl-diskless-sync-delay 0}} {
    set cli /usr/bin/redis-cli

    test "redis-cli --rdb (Redis 7.0) fetches a snapshot from our master" {
        ri_fill [srv 0 client] cli
        set out [file join [srv 0 dir] fetched.rdb]
        set res [exec $cli {*}[tool_conn_args] --rdb $out 2>@1]
        assert_match "*Transfer finished with success*" $res
        assert_match "*RDB looks OK*" [exec /usr/bin/redis-check-rdb $out 2>@1]
    }

    test "redis-cli --functions-rdb (Redis 7.0): the libraries and no key" {
        r function load replace "#!lua name=rilib
redis.register_function('rifn', function() return 7 end)"
        set out [file join [srv 0 dir] functions.rdb]
        set res [exec $cli {*}[tool_conn_args] --functions-rdb $out 2>@1]
        assert_match "*rdb-filter-only functions*" $res
        assert_match "*Transfer finished with success*" $res
        set check [exec /usr/bin/redis-check-rdb $out 2>@1]
        assert_match "*RDB looks OK*" $check
        assert_match {*\[info\] 0 keys read*} $check
        # The file loads in Redis 7.0 with the library and no key.
        set dir [srv 0 dir]
        file copy -force $out [file join $dir fnonly.rdb]
        set ref [refsrv_start $dir --dbfilename fnonly.rdb]
        set rc [lindex $ref 1]
        try {
            assert_equal 0 [$rc dbsize]
            assert_equal 7 [$rc fcall rifn 0]
        } finally {
            refsrv_stop $ref
        }
        # An unknown part and an empty list, as Redis 7.0 answers them.
        assert_error "*Unsupported rdb-filter-only option: keys*" {
            r replconf rdb-filter-only "functions keys"
        }
        assert_equal OK [r replconf rdb-filter-only ""]
        # The full snapshot still has the keys.
        set all [file join [srv 0 dir] all.rdb]
        exec $cli {*}[tool_conn_args] --rdb $all 2>@1
        assert_no_match {*\[info\] 0 keys read*} [exec /usr/bin/redis-check-rdb $all 2>@1]
    }

    test "redis-cli --replica (Redis 7.0) shows our master's stream" {
        set outfile [file join [srv 0 dir] replica.out]
        set pid [exec $cli {*}[tool_conn_args] --replica > $outfile 2>@1 &]
        wait_for_condition 500 20 {
            [string match "*SYNC done*" [::file_content $outfile]]
        } else {
            catch {exec kill $pid}
            fail "redis-cli --replica did not sync: [::file_content $outfile]"
        }
        r set streamed-key 1
        wait_for_condition 500 20 {
            [string match "*streamed-key*" [::file_content $outfile]]
        } else {
            catch {exec kill $pid}
            fail "the stream did not reach redis-cli --replica"
        }
        exec kill $pid
    }
}

# repl-diskless-load: our replica parses Redis 7.0's RDB from the socket,
# the stream that Redis sends right after it included.
start_server {tags {interop repl} overrides {repl-diskless-sync-delay 0}} {
    set dir [srv 0 dir]
    foreach {diskless load} {yes swapdb no swapdb yes on-empty-db} {
        test "Our replica loads Redis 7.0's RDB from the socket ($load, diskless $diskless)" {
            r flushall
            if {$load eq "swapdb"} {r set stale 1}
            r config set repl-diskless-load $load
            set ref [ri_ref_start $dir --repl-diskless-sync $diskless]
            set rc [lindex $ref 1]
            try {
                ri_fill $rc before
                r replicaof 127.0.0.1 [lindex $ref 2]
                # Writes during the sync reach the replica after the RDB.
                for {set i 0} {$i < 200} {incr i} {$rc incr during}
                wait_for_sync [srv 0 client]
                ri_fill $rc after
                ri_wait_offsets $rc [srv 0 client]
                dataset_compare [dataset_snapshot $rc] [dataset_snapshot [srv 0 client]] 2000
                assert_equal 200 [r get during]
                assert_match "*to parser*" [::file_content [srv 0 stdout]]
            } finally {
                r replicaof no one
                r config set repl-diskless-load disabled
                refsrv_stop $ref
            }
        }
    }
}

# INFO replication: the same fields, in the same order, as Redis 7.0 prints
# for a master with a replica and for the replica (values aside).
proc ri_info_fields {c} {
    set names {}
    foreach line [split [$c info replication] "\n"] {
        set line [string trim $line]
        if {$line eq "" || [string index $line 0] eq "#"} continue
        lappend names [lindex [split $line :] 0]
    }
    return $names
}

start_server {tags {interop repl} overrides {repl-diskless-sync-delay 0}} {
    start_server {overrides {min-replicas-to-write 1}} {
        test "INFO replication has Redis 7.0's fields on both sides" {
            set dir [srv 0 dir]
            set rm [ri_ref_start $dir --min-replicas-to-write 1]
            set rs [ri_ref_start $dir --replicaof 127.0.0.1 [lindex $rm 2]]
            try {
                r -1 replicaof [srv 0 host] [srv 0 port]
                wait_for_sync [srv -1 client]
                wait_for_sync [lindex $rs 1]
                wait_for_condition 500 20 {
                    [string match "*slave0:*state=online*" [r info replication]] &&
                    [string match "*slave0:*state=online*" [[lindex $rm 1] info replication]]
                } else {
                    fail "the replicas did not come online"
                }
                assert_equal [ri_info_fields [lindex $rm 1]] [ri_info_fields [srv 0 client]]
                assert_equal [ri_info_fields [lindex $rs 1]] [ri_info_fields [srv -1 client]]
            } finally {
                r -1 replicaof no one
                refsrv_stop $rs
                refsrv_stop $rm
            }
        }
    }
}
