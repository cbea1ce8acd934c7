# replication-buffer.tcl -- the replication stream is kept once, shared by
# the backlog and every replica (as Redis 7.0 keeps it): replicas that
# lag hold the same bytes, not a copy each; the memory goes when they
# catch up or leave; the output buffer limit still sees what each one
# holds; a partial resync starts from the shared blocks.

# A fake replica of the server at <level> that asks for a diskless sync
# and then never reads nor acknowledges: the master holds its stream
# (it waits for the first ACK before it sends any).
proc rb_fake_replica {{level 0}} {
    set c [redis_deferring_client $level]
    $c replconf capa eof capa psync2
    assert_equal OK [$c read]
    $c psync ? -1
    return $c
}

# Starts <n> fake replicas, and waits until the master streams to all of
# them (past the start of their snapshot).
proc rb_fake_replicas {n} {
    set fakes {}
    for {set i 0} {$i < $n} {incr i} {
        lappend fakes [rb_fake_replica]
    }
    wait_for_condition 500 20 {
        [status [srv 0 client] connected_slaves] == $n &&
        ![string match "*state=wait_bgsave*" [r info replication]]
    } else {
        fail "the fake replicas did not all start their sync"
    }
    return $fakes
}

proc rb_field {field} {
    return [status [srv 0 client] $field]
}

# Writes about <mb> MB to the stream through one key (the dataset does
# not grow). Returns the bytes added to the stream.
proc rb_write_stream {mb} {
    set payload [string repeat x 262144]
    set before [rb_field master_repl_offset]
    for {set i 0} {$i < $mb * 4} {incr i} {
        r set rb-key $payload
    }
    return [expr {[rb_field master_repl_offset] - $before}]
}

start_server {tags {repl} overrides {repl-diskless-sync-delay 0
                                     repl-backlog-size 1mb}} {
    test "Replicas that do not read share one copy of the stream" {
        r config set client-output-buffer-limit {replica 0 0 0}
        set fakes [rb_fake_replicas 3]
        set mem0 [rb_field used_memory]
        set stream [rb_write_stream 10]
        set bufs [rb_field mem_total_replication_buffers]
        set grown [expr {[rb_field used_memory] - $mem0}]
        # One copy (plus part of a block), not three.
        assert_range $bufs $stream [expr {$stream + 1024 * 1024}]
        assert_lessthan $grown [expr {$stream * 3 / 2}]
        # Each replica is charged for all it holds (output buffer limits,
        # CLIENT LIST omem), and the memory report splits the stream
        # between the backlog and the replicas.
        set list [r client list type replica]
        assert_equal 3 [llength [split [string trim $list] "\n"]]
        foreach line [split [string trim $list] "\n"] {
            regexp {omem=(\d+)} $line -> omem
            assert_morethan $omem [expr {$stream - 1}]
        }
        assert_range [rb_field mem_replication_backlog] 1 [expr {1024 * 1024}]
        assert_morethan [rb_field mem_clients_slaves] [expr {$stream - 1024 * 1024}]
        assert_morethan [rb_field mem_not_counted_for_evict] [expr {$stream - 1024 * 1024}]
        set stats [r memory stats]
        assert_equal [rb_field mem_replication_backlog] \
            [dict get $stats replication.backlog]
        # The replicas leave: only the backlog's bytes stay.
        foreach c $fakes { $c close }
        wait_for_condition 500 20 {
            [rb_field connected_slaves] == 0 &&
            [rb_field mem_total_replication_buffers] <= 1024 * 1024 + 409600
        } else {
            fail "the stream was not freed: [rb_field mem_total_replication_buffers]"
        }
        assert_lessthan [rb_field used_memory] [expr {$mem0 + 2 * 1024 * 1024}]
        r config set client-output-buffer-limit {replica 268435456 67108864 60}
    }

    test "The output buffer limit drops a lagging replica, which releases the stream" {
        r config set client-output-buffer-limit {replica 4mb 0 0}
        set fakes [rb_fake_replicas 2]
        set dropped [rb_field client_output_buffer_limit_disconnections]
        rb_write_stream 6
        wait_for_condition 500 20 {
            [rb_field connected_slaves] == 0
        } else {
            fail "the lagging replicas were never dropped"
        }
        assert_equal [expr {$dropped + 2}] \
            [rb_field client_output_buffer_limit_disconnections]
        wait_for_condition 500 20 {
            [rb_field mem_total_replication_buffers] <= 1024 * 1024 + 409600
        } else {
            fail "the dropped replicas' stream was not freed"
        }
        foreach c $fakes { catch {$c close} }
        r config set client-output-buffer-limit {replica 268435456 67108864 60}
    }

    start_server {} {
        test "A replica that keeps up is served while another lags" {
            r replicaof [srv -1 host] [srv -1 port]
            wait_for_sync [srv 0 client]
            set master [srv -1 client]
            # A stalled fake replica of the master holds the stream.
            set c [rb_fake_replica -1]
            wait_for_condition 500 20 {
                [status $master connected_slaves] == 2 &&
                ![string match "*state=wait_bgsave*" [$master info replication]]
            } else {
                fail "the fake replica did not start its sync"
            }
            set payload [string repeat y 100000]
            for {set i 0} {$i < 60} {incr i} {
                $master set "lag:$i" $payload
                $master incr lagcounter
            }
            wait_for_offsets $master [srv 0 client]
            assert_equal 60 [r get lagcounter]
            assert_equal $payload [r get lag:59]
            assert_morethan [status $master mem_total_replication_buffers] 6000000
            $c close
            wait_for_condition 500 20 {
                [status $master connected_slaves] == 1 &&
                [status $master mem_total_replication_buffers] <= 1024 * 1024 + 409600
            } else {
                fail "the stream was not freed after the lagging replica left"
            }
        }

        test "Partial resync from the shared blocks after the backlog wrapped" {
            set master [srv -1 client]
            $master config set repl-backlog-size 65536
            # Many small writes: blocks come and go.
            for {set i 0} {$i < 3000} {incr i} {
                $master set "wrap:[expr {$i % 50}]" [string repeat z 300]
            }
            wait_for_offsets $master [srv 0 client]
            assert_lessthan [status $master repl_backlog_histlen] 65537
            assert_lessthan [status $master mem_total_replication_buffers] \
                [expr {65536 + 65536}]
            set pok [status $master sync_partial_ok]
            set full [status $master sync_full]
            # The replica drops its link; the master's writes meanwhile fit
            # in the backlog and start in the middle of a block.
            r config set repl-timeout 60
            r client kill type master
            $master set after-kill 1
            $master append after-kill-str [string repeat a 5000]
            wait_for_condition 500 20 {
                [status $master sync_partial_ok] == $pok + 1
            } else {
                fail "the replica did not continue partially"
            }
            assert_equal $full [status $master sync_full]
            wait_for_offsets $master [srv 0 client]
            dataset_compare [dataset_snapshot $master] \
                [dataset_snapshot [srv 0 client]] 2000
            $master config set repl-backlog-size 1048576
        }
    }
}

source [file join $::tests_dir helpers fake_peer.tcl]

# A replica forwards its master's bytes as they came: its offset, and its
# own replicas' offsets, stay the master's whatever form the commands
# take. tests/helpers/fake_master.py "oddstream" sends 84 bytes of stream
# after a full sync at offset 0: inline commands, an empty array and a
# lower-case command (re-encoding them would give another length).
start_server {tags {repl}} {
    start_server {} {
        test "A replica forwards its master's stream byte for byte" {
            set port [::next_port]
            set countfile [file join [srv 0 dir] fake-$port.count]
            set pid [fake_peer_start fake_master.py $port oddstream $countfile]
            try {
                # Level -1 follows the fake master; level 0 follows -1.
                r -1 replicaof 127.0.0.1 $port
                r replicaof [srv -1 host] [srv -1 port]
                # (A replica answers -LOADING while it loads.)
                wait_for_condition 500 20 {
                    ![catch {r -1 get last} v1] && $v1 eq "1" &&
                    ![catch {r get last} v0] && $v0 eq "1"
                } else {
                    fail "the stream did not reach both replicas"
                }
                assert_equal 84 [status [srv -1 client] master_repl_offset]
                wait_for_condition 500 20 {
                    [status [srv 0 client] master_repl_offset] == 84
                } else {
                    fail "the chained replica's offset is [status [srv 0 client] master_repl_offset]"
                }
                foreach level {-1 0} {
                    assert_equal 2 [r $level get inl]
                    assert_equal v [r $level get low]
                }
            } finally {
                r replicaof no one
                r -1 replicaof no one
                exec kill $pid
            }
        }
    }
}
