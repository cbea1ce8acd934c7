# replication.tcl -- master and replica: full sync, the command stream
# (SELECT, MULTI/EXEC, expirations), read-only replicas, INFO replication
# and ROLE, partial resync after a dropped link and after a promotion,
# chained replicas, WAIT, min-replicas-to-write, and a replica that stops
# reading. With --tls every link (the replica's included: tls-replication
# yes) is TLS.

# Waits until the replica behind level <level> has the master's offset.
proc repl_wait_offsets {master_level replica_level} {
    wait_for_condition 500 20 {
        [status [srv $master_level client] master_repl_offset] ==
        [status [srv $replica_level client] master_repl_offset]
    } else {
        fail "replica offset did not reach the master's"
    }
}

proc repl_fill {c} {
    $c select 0
    $c set str hello
    $c set num 42
    $c set ttl v px 600000
    $c rpush list a b c
    $c hset hash f1 v1 f2 v2
    $c sadd set x y z
    $c zadd zset 1 a 2 b
    $c select 3
    $c set indb3 yes
    $c select 0
}

# Everything below runs with the RDB through a file and streamed from the
# child (repl-diskless-sync), which Redis 7.0 uses by default.
foreach diskless {no yes} {
    set dlconf [list repl-diskless-sync $diskless repl-diskless-sync-delay 0]
    start_server [list tags {repl} overrides $dlconf] {
        repl_fill [srv 0 client]
        start_server [list overrides $dlconf] {
            test "A replica gets the master's dataset by a full sync (diskless $diskless)" {
                r replicaof [srv -1 host] [srv -1 port]
                wait_for_sync [srv 0 client]
                dataset_compare [dataset_snapshot [srv -1 client]] \
                    [dataset_snapshot [srv 0 client]] 2000
                assert_equal 1 [status [srv -1 client] sync_full]
                set target [expr {$diskless eq "yes" ? "replicas sockets" : "disk"}]
                assert_match "*Starting BGSAVE for SYNC with target: $target*" \
                    [::file_content [srv -1 stdout]]
            }

            test "INFO replication and ROLE on both sides" {
                set mi [r -1 info replication]
                assert_match "*role:master*" $mi
                assert_match "*connected_slaves:1*" $mi
                assert_match "*slave0:ip=127.0.0.1,port=[srv 0 port],state=online*" $mi
                assert_match "*repl_backlog_active:1*" $mi
                set ri [r info replication]
                foreach f {role:slave master_host:127.0.0.1 master_link_status:up
                           master_sync_in_progress:0 slave_read_repl_offset
                           slave_repl_offset slave_priority:100 slave_read_only:1
                           replica_announced:1 master_replid master_replid2
                           second_repl_offset master_last_io_seconds_ago} {
                    assert_match "*$f*" $ri
                }
                assert_equal [status [srv -1 client] master_replid] \
                    [status [srv 0 client] master_replid]
                set role [r role]
                assert_equal slave [lindex $role 0]
                assert_equal [srv -1 port] [lindex $role 2]
                assert_equal connected [lindex $role 3]
                wait_for_condition 100 50 {
                    [llength [lindex [r -1 role] 2]] == 1
                } else {
                    fail "ROLE on the master lists no replica"
                }
                assert_equal master [lindex [r -1 role] 0]
                # With --tls the replica's own link is TLS too.
                set link [r -1 client list type replica]
                assert_match "*flags=S*" $link
                if {$::tls} {assert_match "*tls=1*" $link}
            }

            test "Writes, SELECT and transactions reach the replica in order" {
                r -1 set k1 v1
                r -1 select 5
                r -1 set k5 in5
                r -1 multi
                r -1 incr counter
                r -1 lpush l5 a
                r -1 exec
                r -1 select 0
                r -1 del str
                repl_wait_offsets -1 0
                assert_equal v1 [r get k1]
                assert_equal 0 [r exists str]
                r select 5
                assert_equal in5 [r get k5]
                assert_equal 1 [r get counter]
                assert_equal a [r lrange l5 0 -1]
                r select 0
            }

            test "A replica refuses writes with Redis's READONLY error" {
                assert_error "READONLY You can't write against a read only replica." {
                    r set x y
                }
                r config set replica-read-only no
                assert_equal OK [r set local 1]
                r del local
                r config set replica-read-only yes
            }

            test "Expired keys are hidden on the replica and deleted by the master's DEL" {
                r -1 debug set-active-expire 0
                r -1 set shortlived v px 50
                repl_wait_offsets -1 0
                wait_for_condition 500 10 {
                    [r -1 pttl shortlived] == -2
                } else {
                    fail "the key did not expire on the master"
                }
                # Logically expired: the replica hides it but keeps it until
                # the master says so.
                assert_equal {} [r get shortlived]
                r -1 get shortlived
                repl_wait_offsets -1 0
                r -1 debug set-active-expire 1
            }

            test "Partial resync after CLIENT KILL TYPE master" {
                set full [status [srv -1 client] sync_full]
                set pok [status [srv -1 client] sync_partial_ok]
                r client kill type master
                r -1 set during-drop 1
                wait_for_condition 500 20 {
                    [status [srv -1 client] sync_partial_ok] == $pok + 1
                } else {
                    fail "no partial resync"
                }
                wait_for_sync [srv 0 client]
                repl_wait_offsets -1 0
                assert_equal 1 [r get during-drop]
                assert_equal $full [status [srv -1 client] sync_full]
            }

            test "WAIT counts the replicas that acknowledged" {
                r -1 set waited 1
                assert_equal 1 [r -1 wait 1 5000]
                assert_range [r -1 wait 0 0] 0 1
                # More replicas than exist: times out with the count.
                assert_equal 1 [r -1 wait 2 200]
                assert_error "*WAIT cannot be used with replica*" {r wait 1 100}
            }

            test "A replica answers REPLCONF GETACK at once, not on its cron" {
                # With hz 1 the replica's cron runs once a second: a WAIT
                # that waited for it would often pass 900 ms.
                r config set hz 1
                for {set i 0} {$i < 10} {incr i} {
                    r -1 incr getack-counter
                    assert_equal 1 [r -1 wait 1 900]
                }
                r config set hz 10
            }

            test "min-replicas-to-write refuses writes without enough replicas" {
                r -1 config set min-replicas-to-write 2
                r -1 config set min-replicas-max-lag 10
                assert_error "NOREPLICAS Not enough good replicas to write." {
                    r -1 set x y
                }
                r -1 config set min-replicas-to-write 1
                assert_equal OK [r -1 set x y]
                r -1 config set min-replicas-to-write 0
            }

            test "REPLICAOF of the current master is a no-op" {
                assert_match "OK*" [r replicaof [srv -1 host] [srv -1 port]]
                assert_equal up [status [srv 0 client] master_link_status]
            }

            test "REPLICAOF argument errors" {
                assert_error "*value is not an integer*" {r replicaof 127.0.0.1 notaport}
                assert_error "*wrong number of arguments*" {r replicaof 127.0.0.1}
            }

            start_server [list overrides $dlconf] {
                test "A chained replica (replica of a replica) gets the same stream" {
                    r replicaof [srv -1 host] [srv -1 port]
                    wait_for_sync [srv 0 client]
                    r -2 set chained 1
                    r -2 select 3
                    r -2 incr indb3counter
                    r -2 select 0
                    repl_wait_offsets -2 0
                    dataset_compare [dataset_snapshot [srv -2 client]] \
                        [dataset_snapshot [srv 0 client]] 2000
                    assert_equal [status [srv -2 client] master_repl_offset] \
                        [status [srv 0 client] master_repl_offset]
                }

                test "A promoted replica lets its own replica continue partially" {
                    set pok [status [srv -1 client] sync_partial_ok]
                    set full [status [srv -1 client] sync_full]
                    set oldid [status [srv -1 client] master_replid]
                    r -1 replicaof no one
                    assert_equal master [lindex [r -1 role] 0]
                    assert_equal $oldid [status [srv -1 client] master_replid2]
                    wait_for_condition 500 20 {
                        [status [srv -1 client] sync_partial_ok] == $pok + 1
                    } else {
                        fail "the chained replica did not continue partially"
                    }
                    assert_equal $full [status [srv -1 client] sync_full]
                    r -1 set after-promotion 1
                    repl_wait_offsets -1 0
                    assert_equal 1 [r get after-promotion]
                    assert_equal [status [srv -1 client] master_replid] \
                        [status [srv 0 client] master_replid]
                }
            }
        }
    }
}

start_server {tags {repl}} {
    test "A replica that stops reading is dropped at its output buffer limit" {
        r config set client-output-buffer-limit {replica 1mb 0 0}
        set c [redis_deferring_client]
        $c psync ? -1
        wait_for_condition 500 20 {
            [status [srv 0 client] connected_slaves] == 1
        } else {
            fail "the fake replica did not register"
        }
        set payload [string repeat x 100000]
        wait_for_condition 500 10 {
            [r set big $payload] eq "OK" &&
            [status [srv 0 client] connected_slaves] == 0
        } else {
            fail "the stalled replica was never disconnected"
        }
        $c close
        assert_match "*output buffer limits*" [::file_content [srv 0 stdout]]
        r config set client-output-buffer-limit {replica 268435456 67108864 60}
    }

    test "REPLCONF and PSYNC argument errors" {
        assert_error "*Unrecognized REPLCONF option: bogus*" {r replconf bogus 1}
        assert_error "*syntax error*" {r replconf listening-port}
        set c [redis_new_client]
        assert_error "*value is not an integer*" {$c psync ? notanumber}
        $c close
    }

    test "The master's backlog follows repl-backlog-size" {
        r config set repl-backlog-size 32768
        set c [redis_deferring_client]
        $c psync ? -1
        wait_for_condition 500 20 {
            [status [srv 0 client] repl_backlog_active] == 1 &&
            [status [srv 0 client] repl_backlog_size] == 32768
        } else {
            fail "no backlog"
        }
        for {set i 0} {$i < 100} {incr i} {r set k$i [string repeat v 1000]}
        wait_for_condition 100 20 {
            [status [srv 0 client] repl_backlog_histlen] <= 32768 &&
            [status [srv 0 client] repl_backlog_histlen] > 30000
        } else {
            fail "the backlog did not fill to its size"
        }
        $c close
    }
}

source [file join $::tests_dir helpers fake_peer.tcl]

# A replica's master that misbehaves: tests/helpers/fake_master.py serves a
# scripted broken reply (over TLS in --tls mode). The replica must log the
# reason, keep the data it had, and try again.
proc fake_master_start {mode} {
    set port [::next_port]
    set countfile [file join [srv 0 dir] fake-$port.count]
    set pid [fake_peer_start fake_master.py $port $mode $countfile]
    return [list $pid $port $countfile]
}

proc fake_master_connections {fm} {
    return [fake_peer_connections [lindex $fm 2]]
}

start_server {tags {repl}} {
    r set kept-before value
    r rpush kept-list a b c
    foreach {mode reason} {
        truncated "*I/O error trying to sync with MASTER*"
        badpsync "*Unexpected reply to PSYNC from master: GARBAGE*"
        badcrc "*Failed trying to load the MASTER synchronization DB*wrong RDB checksum*"
        badlen "*Bad protocol from MASTER: invalid bulk length*"
        longline "*Bad protocol from MASTER: reply line too long*"
    } {
        test "A master that sends $mode data: logged, data kept, retried" {
            set fm [fake_master_start $mode]
            try {
                r replicaof 127.0.0.1 [lindex $fm 1]
                # The first connection is fake_master_start's probe.
                wait_for_condition 500 20 {
                    [fake_master_connections $fm] >= 3
                } else {
                    fail "the replica did not retry"
                }
            } finally {
                r replicaof no one
                exec kill [lindex $fm 0]
            }
            assert_match $reason [::file_content [srv 0 stdout]]
            assert_equal value [r get kept-before]
            assert_equal {a b c} [r lrange kept-list 0 -1]
            assert_equal 2 [r dbsize]
        }
    }

    test "A master that never answers: repl-timeout drops the link" {
        r config set repl-timeout 1
        set fm [fake_master_start silent]
        try {
            r replicaof 127.0.0.1 [lindex $fm 1]
            wait_for_condition 500 20 {
                [fake_master_connections $fm] >= 3
            } else {
                fail "the replica did not time out and retry"
            }
            assert_equal down [status [srv 0 client] master_link_status]
        } finally {
            r replicaof no one
            exec kill [lindex $fm 0]
        }
        assert_match "*Timeout connecting to the MASTER*" [::file_content [srv 0 stdout]]
        r config set repl-timeout 60
        assert_equal 2 [r dbsize]
    }

    test "A replica keeps serving stale data while the link is down" {
        set fm [fake_master_start silent]
        try {
        r replicaof 127.0.0.1 [lindex $fm 1]
        assert_equal value [r get kept-before]
        r config set replica-serve-stale-data no
        assert_error "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'." {
            r get kept-before
        }
        # INFO and friends still answer (CMD_STALE).
        assert_match "*master_link_status:down*" [r info replication]
        } finally {
            r config set replica-serve-stale-data yes
            r replicaof no one
            exec kill [lindex $fm 0]
        }
    }
}

# One diskless transfer feeds every waiting replica at the pace of the
# slowest: a replica that stops reading mid-transfer must not hold the
# others for ever. repl-timeout drops it, the healthy one completes.
start_server {tags {repl} overrides {repl-diskless-sync yes repl-diskless-sync-delay 5
                                     repl-diskless-sync-max-replicas 2
                                     rdbcompression no repl-timeout 2}} {
    # 40 MB of RDB: more than the stalled peer's socket buffers hold.
    r debug populate 40000 key 1000
    start_server {} {
        test "A replica that stalls during a diskless transfer is dropped; the other completes" {
            set master [srv -1 client]
            set stalled [redis_deferring_client -1]
            # A diskless-capable peer, which then never reads.
            $stalled replconf capa eof capa psync2
            assert_equal OK [$stalled read]
            $stalled psync ? -1
            r replicaof [srv -1 host] [srv -1 port]
            wait_for_condition 1500 20 {
                [string match "*Disconnecting timedout replica (full sync)*" \
                     [::file_content [srv -1 stdout]]]
            } else {
                fail "the stalled replica was not dropped"
            }
            wait_for_sync [srv 0 client] 1500 20
            assert_equal 40000 [r dbsize]
            assert_equal 1 [status $master connected_slaves]
            assert_match "*Starting BGSAVE for SYNC with target: replicas sockets*" \
                [::file_content [srv -1 stdout]]
            $stalled close
        }
    }
}

start_server {tags {repl} overrides {repl-diskless-sync no}} {
    for {set i 0} {$i < 200} {incr i} {r set key:$i [string repeat v 100]}
    start_server {} {
        test "The master serves clients while a slow full sync runs" {
            # 20 ms per key: the BGSAVE child takes about 4 seconds.
            r -1 config set rdb-key-save-delay 20000
            r replicaof [srv -1 host] [srv -1 port]
            wait_for_condition 500 20 {
                [string match "*state=wait_bgsave*" [r -1 info replication]]
            } else {
                fail "no sync in progress"
            }
            set start [clock milliseconds]
            for {set i 0} {$i < 50} {incr i} {r -1 incr during-sync}
            assert_lessthan [expr {[clock milliseconds] - $start}] 2000
            r -1 config set rdb-key-save-delay 0
            wait_for_sync [srv 0 client]
            repl_wait_offsets -1 0
            assert_equal 50 [r get during-sync]
            assert_equal 201 [r dbsize]
        }
    }
}

start_server {tags {repl} overrides {repl-diskless-sync-delay 0}} {
    r set from-config-master 1
    start_server [list overrides [list replicaof "[srv 0 host] [srv 0 port]"]] {
        test "replicaof in the configuration file starts the sync at start-up" {
            wait_for_sync [srv 0 client]
            repl_wait_offsets -1 0
            assert_equal 1 [r get from-config-master]
            assert_equal "[srv -1 host] [srv -1 port]" \
                [lindex [r config get replicaof] 1]
        }

        test "CLIENT KILL TYPE replica on the master: the replica continues partially" {
            set pok [status [srv -1 client] sync_partial_ok]
            assert_equal 1 [r -1 client kill type replica]
            r -1 set after-kill 1
            wait_for_condition 500 20 {
                [status [srv -1 client] sync_partial_ok] == $pok + 1
            } else {
                fail "no partial resync after CLIENT KILL TYPE replica"
            }
            wait_for_sync [srv 0 client]
            repl_wait_offsets -1 0
            assert_equal 1 [r get after-kill]
        }

        if {$::tls} {
            test "A master whose certificate the replica does not trust: logged, retried, data kept" {
                r replicaof no one
                r set local-before 1
                r config set tls-ca-cert-file [file join $::tls_dir other-ca.crt]
                set before [status [srv -1 client] sync_full]
                r replicaof [srv -1 host] [srv -1 port]
                wait_for_condition 500 20 {
                    [regexp -all {Error condition on socket for SYNC} \
                         [::file_content [srv 0 stdout]]] >= 2
                } else {
                    fail "the replica did not fail and retry the TLS link"
                }
                assert_equal down [status [srv 0 client] master_link_status]
                assert_equal 1 [r get local-before]
                assert_equal $before [status [srv -1 client] sync_full]
                r config set tls-ca-cert-file [file join $::tls_dir ca.crt]
                wait_for_sync [srv 0 client]
                assert_equal 0 [r exists local-before]
            }
        }
    }
}

start_server {tags {repl} overrides {repl-diskless-sync-delay 0}} {
    start_server {overrides {repl-diskless-sync-delay 0}} {
        test "FAILOVER argument and state errors" {
            assert_error "*FAILOVER requires connected replicas*" {r -1 failover}
            assert_error "*No failover in progress*" {r -1 failover abort}
            assert_error "*FAILOVER with force option requires both a timeout and target HOST and IP*" {
                r -1 failover force
            }
            assert_error "*syntax error*" {r -1 failover bogus}
            r replicaof [srv -1 host] [srv -1 port]
            wait_for_sync [srv 0 client]
            assert_error "*FAILOVER target HOST and PORT is not a replica*" {
                r -1 failover to 127.0.0.1 1
            }
            assert_error "*FAILOVER is not valid when server is a replica*" {r failover}
        }

        test "FAILOVER TO hands the master role to the replica" {
            r -1 set before-failover 1
            set pok [status [srv 0 client] sync_partial_ok]
            assert_equal OK [r -1 failover to [srv 0 host] [srv 0 port] timeout 5000]
            wait_for_condition 500 20 {
                [lindex [r role] 0] eq "master" &&
                [lindex [r -1 role] 0] eq "slave" &&
                [status [srv -1 client] master_link_status] eq "up"
            } else {
                fail "the roles did not swap"
            }
            assert_equal no-failover [status [srv -1 client] master_failover_state]
            # The old master continued partially with its former replica.
            assert_equal [expr {$pok + 1}] [status [srv 0 client] sync_partial_ok]
            r set after-failover 2
            repl_wait_offsets 0 -1
            assert_equal 2 [r -1 get after-failover]
            assert_equal 1 [r -1 get before-failover]
            assert_error "READONLY*" {r -1 set x y}
        }

        test "FAILOVER ABORT ends a failover that waits for its target" {
            # The old master (level -1) is now the replica of level 0.
            # A stopped replica never acknowledges: the failover waits.
            set rpid [srv -1 pid]
            exec kill -STOP $rpid
            try {
                assert_equal OK [r failover timeout 60000]
                r ping
                assert_equal waiting-for-sync [status [srv 0 client] master_failover_state]
                # Writes are paused meanwhile.
                set c [redis_deferring_client]
                $c client setname paused-writer
                $c read
                $c set paused-write 1
                # The write is parked by the pause (a blocked client).
                wait_for_condition 500 10 {
                    [string match "*name=paused-writer*flags=b*" [r client list]]
                } else {
                    fail "the write was not paused"
                }
                assert_equal 0 [r exists paused-write]
                assert_equal OK [r failover abort]
                assert_equal OK [$c read]
                $c close
                assert_equal no-failover [status [srv 0 client] master_failover_state]
                assert_equal master [lindex [r role] 0]
            } finally {
                exec kill -CONT $rpid
            }
        }
    }
}

# repl-disable-tcp-nodelay: the master's socket to its replica gets
# Nagle's algorithm back (TCP_NODELAY off) at the next sync; with "no" it
# stays off. tests/helpers/tcp_nodelay.py reads the option of the
# master's socket through pidfd_getfd(2).
proc repl_replica_nodelay {mlevel} {
    set list [r $mlevel client list type replica]
    if {![regexp {(?:^| )addr=[^ ]*:(\d+) } $list -> peer]} {
        fail "no replica in CLIENT LIST: $list"
    }
    return [exec /usr/bin/python3 [file join $::tests_dir helpers tcp_nodelay.py] \
                [srv $mlevel pid] $peer]
}

start_server {tags {repl} overrides {repl-disable-tcp-nodelay yes repl-diskless-sync-delay 0}} {
    start_server {} {
        test "repl-disable-tcp-nodelay acts on the master's links to replicas" {
            r replicaof [srv -1 host] [srv -1 port]
            wait_for_sync [srv 0 client]
            set v [repl_replica_nodelay -1]
            if {$v eq "unsupported"} {
                puts "(pidfd_getfd not allowed here: TCP_NODELAY not checked)"
            } else {
                assert_equal 0 $v
                # Back to "no": the next sync keeps TCP_NODELAY on.
                r -1 config set repl-disable-tcp-nodelay no
                set pok [status [srv -1 client] sync_partial_ok]
                r -1 client kill type replica
                wait_for_condition 500 20 {
                    [status [srv -1 client] sync_partial_ok] == $pok + 1
                } else {
                    fail "the replica did not come back"
                }
                wait_for_sync [srv 0 client]
                assert_equal 1 [repl_replica_nodelay -1]
            }
        }
    }
}
