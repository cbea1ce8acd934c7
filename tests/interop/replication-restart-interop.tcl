# replication-restart-interop.tcl -- restarts without a full sync, with
# Debian's Redis 7.0 on the other side: each server's RDB carries its
# place in the replication stream (AUX repl-id, repl-offset,
# repl-stream-db) in the form the other reads. A restarted replica
# continues partially with the other's master; a restarted master lets the
# other's caught-up replica continue. With --tls both servers listen on
# TLS only and the links are TLS.

source [file join $::tests_dir helpers reference.tcl]

# Starts <bin> (ours or Debian's) in <dir> with the extra <args>, on
# <port> when given; returns {pid client port log}.
proc rx_start {bin dir port args} {
    set opts [list -tls -bin $bin -name [file tail $bin]]
    if {$port ne ""} {lappend opts -port $port}
    return [refsrv_start $dir {*}$opts --appendonly no \
                --repl-diskless-sync-delay 0 {*}$args]
}

# SHUTDOWN SAVE, then waits for the process to end.
proc rx_shutdown {srv} {
    lassign $srv pid c
    catch {$c shutdown save}
    catch {$c close}
    wait_for_condition 500 20 {![::process_alive $pid]} else {
        fail "the server did not shut down"
    }
}

proc rx_fill {c prefix} {
    $c set $prefix:s v
    $c rpush $prefix:l a b
    $c select 2
    $c incr $prefix:db2
    $c select 0
}

start_server {tags {interop repl}} {
    set dir [srv 0 dir]
    set ours $::server_bin
    set theirs $::refsrv_bin
    foreach {mbin sbin what} [list $ours $theirs "our master, Redis 7.0's replica" \
                                  $theirs $ours "Redis 7.0's master, our replica"] {
        test "Restarts without a full sync: $what" {
            set m [rx_start $mbin $dir ""]
            set mc [lindex $m 1]
            set mport [lindex $m 2]
            set s [rx_start $sbin $dir "" --replicaof 127.0.0.1 $mport]
            try {
                rx_fill $mc a
                wait_for_offsets $mc [lindex $s 1]
                $mc select 2
                $mc set a:last 1 ;# the stream stays in db 2
                $mc select 0
                wait_for_offsets $mc [lindex $s 1]

                # The replica restarts: it continues where its RDB ends.
                set sport [lindex $s 2]
                rx_shutdown $s
                rx_fill $mc b
                set s [rx_start $sbin $dir $sport --replicaof 127.0.0.1 $mport]
                wait_for_offsets $mc [lindex $s 1]
                assert_equal 1 [status $mc sync_full]
                assert_equal 1 [status $mc sync_partial_ok]
                dataset_compare [dataset_snapshot $mc {0 2}] \
                    [dataset_snapshot [lindex $s 1] {0 2}] 2000

                # The master restarts (its SHUTDOWN waits for the replica):
                # the replica continues under the master's new ID.
                set oldid [status $mc master_replid]
                rx_shutdown $m
                set m [rx_start $mbin $dir $mport]
                set mc [lindex $m 1]
                assert_equal $oldid [status $mc master_replid2]
                wait_for_offsets $mc [lindex $s 1]
                rx_fill $mc c
                wait_for_offsets $mc [lindex $s 1]
                assert_equal 0 [status $mc sync_full]
                assert_equal 1 [status $mc sync_partial_ok]
                assert_equal [status $mc master_replid] \
                    [status [lindex $s 1] master_replid]
                dataset_compare [dataset_snapshot $mc {0 2}] \
                    [dataset_snapshot [lindex $s 1] {0 2}] 2000
            } finally {
                refsrv_stop $s
                refsrv_stop $m
            }
        }
    }
}
