# replication-restart.tcl -- a restart does not cost a full sync: the RDB
# keeps the dataset's place in the replication stream (the AUX fields
# repl-id, repl-offset and repl-stream-db, as Redis 7.0 writes them), a
# restarted replica asks its master to continue from there, and a
# restarted master keeps its old history as the secondary ID so that a
# replica that had everything continues too. With --tls every link is TLS.

source [file join $::tests_dir helpers tools.tcl]
source [file join $::tests_dir helpers fake_peer.tcl]

# The AUX fields of the RDB file <path>, read by Debian's redis-check-rdb,
# as a dict.
proc rr_rdb_aux {path} {
    set out [exec redis-check-rdb $path 2>@1]
    set aux {}
    foreach line [split $out "\n"] {
        if {[regexp {AUX FIELD ([a-z-]+) = '([^']*)'} $line -> k v]} {
            dict set aux $k $v
        }
    }
    return $aux
}

proc rr_fill {c prefix} {
    $c set $prefix:str v
    $c rpush $prefix:list a b c
    $c hset $prefix:hash f v
    $c select 4
    $c incr $prefix:db4
    $c select 0
}

foreach diskless {no yes} {
    set mconf [list repl-diskless-sync $diskless repl-diskless-sync-delay 0]
    start_server [list tags {repl} overrides $mconf] {
        rr_fill [srv 0 client] m0
        start_server [list overrides [list replicaof "[srv 0 host] [srv 0 port]"]] {
            test "A restarted replica continues with a partial resync (diskless $diskless)" {
                wait_for_sync [srv 0 client]
                rr_fill [srv -1 client] m1
                wait_for_offsets [srv -1 client] [srv 0 client]
                # The last command the replica applied selected db 4 (the
                # stream's SELECT is not sent again after the restart).
                r -1 select 4
                r -1 set m1:last-db4 x
                r -1 select 0
                wait_for_offsets [srv -1 client] [srv 0 client]
                set off [status [srv 0 client] master_repl_offset]
                set replid [status [srv 0 client] master_replid]
                r save
                set aux [rr_rdb_aux [file join [srv 0 dir] dump.rdb]]
                assert_equal $replid [dict get $aux repl-id]
                assert_equal $off [dict get $aux repl-offset]
                assert_equal 4 [dict get $aux repl-stream-db]
                # Written after the save: the backlog has it for the
                # restarted replica.
                r -1 select 4
                r -1 set m1:after-save-db4 y
                r -1 select 0
                rr_fill [srv -1 client] m2
                set full [status [srv -1 client] sync_full]
                set pok [status [srv -1 client] sync_partial_ok]
                restart_server 0
                wait_for_sync [srv 0 client]
                wait_for_offsets [srv -1 client] [srv 0 client]
                assert_equal $full [status [srv -1 client] sync_full]
                assert_equal [expr {$pok + 1}] [status [srv -1 client] sync_partial_ok]
                assert_match "*Master accepted a Partial Resynchronization*" \
                    [::file_content [srv 0 stdout]]
                dataset_compare [dataset_snapshot [srv -1 client] {0 4}] \
                    [dataset_snapshot [srv 0 client] {0 4}] 2000
                r select 4
                assert_equal y [r get m1:after-save-db4]
                r select 0
            }

            test "A restarted master lets its caught-up replica continue (diskless $diskless)" {
                set oldid [status [srv -1 client] master_replid]
                set full [status [srv -1 client] sync_full]
                # SIGTERM: the shutdown saves (a save rule exists) after
                # the replica acknowledged everything.
                r -1 config set save "3600 1"
                r -1 set before-restart 1
                wait_for_offsets [srv -1 client] [srv 0 client]
                restart_server -1
                set aux [rr_rdb_aux [file join [srv -1 dir] dump.rdb]]
                assert_equal $oldid [dict get $aux repl-id]
                set mi [r -1 info replication]
                assert_match "*master_replid2:$oldid*" $mi
                assert_match "*repl_backlog_active:1*" $mi
                wait_for_condition 500 20 {
                    [status [srv -1 client] sync_partial_ok] == 1 &&
                    [status [srv 0 client] master_link_status] eq "up"
                } else {
                    fail "the replica did not continue with the restarted master"
                }
                assert_equal 0 [status [srv -1 client] sync_full]
                assert_equal [status [srv -1 client] master_replid] \
                    [status [srv 0 client] master_replid]
                assert_equal $oldid [status [srv 0 client] master_replid2]
                r -1 set after-restart 2
                r -1 select 4
                r -1 incr m0:db4
                r -1 select 0
                wait_for_offsets [srv -1 client] [srv 0 client]
                dataset_compare [dataset_snapshot [srv -1 client] {0 4}] \
                    [dataset_snapshot [srv 0 client] {0 4}] 2000
                r -1 config set save ""
            }

            test "An AOF base carries no position, the RDB does (diskless $diskless)" {
                r -1 save
                set aux [rr_rdb_aux [file join [srv -1 dir] dump.rdb]]
                assert_equal [status [srv -1 client] master_replid] [dict get $aux repl-id]
                r -1 config set appendonly yes
                wait_for_condition 500 20 {
                    [status [srv -1 client] aof_rewrite_in_progress] == 0 &&
                    [status [srv -1 client] aof_rewrite_scheduled] == 0 &&
                    [llength [glob -nocomplain [file join [srv -1 dir] appendonlydir *.base.rdb]]] == 1
                } else {
                    fail "the AOF base was not written"
                }
                set base [lindex [lsort [glob [file join [srv -1 dir] appendonlydir *.base.rdb]]] end]
                assert_equal 0 [dict exists [rr_rdb_aux $base] repl-id]
                r -1 config set appendonly no
            }
        }
    }
}

start_server {tags {repl}} {
    test "A replica's RDB saved inside its master's MULTI carries no position" {
        # The queued commands count in the offset as they arrive but reach
        # the dataset at EXEC: a save in between must not claim the offset.
        set port [::next_port]
        set countfile [file join [srv 0 dir] fake-$port.count]
        set pid [fake_peer_start fake_master.py $port halfmulti $countfile]
        try {
            r replicaof 127.0.0.1 $port
            wait_for_condition 500 20 {
                [status [srv 0 client] master_link_status] eq "up" &&
                [status [srv 0 client] master_repl_offset] > 0
            } else {
                fail "the replica did not take the fake master's stream"
            }
            r save
            assert_equal 0 [dict exists [rr_rdb_aux [file join [srv 0 dir] dump.rdb]] repl-id]
            assert_equal 0 [r exists k]
        } finally {
            r replicaof no one
            exec kill $pid
        }
        # Once the link is gone the transaction is discarded; a new save
        # has the position again.
        r save
        assert_equal 1 [dict exists [rr_rdb_aux [file join [srv 0 dir] dump.rdb]] repl-id]
    }
}
