# replication-forkless.tcl -- repl-diskless-sync-fork no: the RDB of a
# diskless full sync is written by a thread of the master instead of a
# forked child. The replica must get the dataset as it was when the sync
# started, whatever clients change meanwhile: values changed in place
# (strings and small and large collections), keys deleted, renamed,
# moved, copied, given or cleared an expire time, created, databases
# flushed and swapped, the whole dataset reloaded. The command stream that
# follows the snapshot replays those changes, so any key written with a
# later value shows up as a difference in the final comparison.

source [file join $::tests_dir helpers reference.tcl]

# Small and large values of every type in databases 0, 5, 6 and 7, with
# expire times; <n> string keys k:0 ... k:<n-1>.
proc fl_fill {c n} {
    # Not DEBUG POPULATE: it is not propagated, and the last test fills
    # the master again while a replica follows.
    for {set i 0} {$i < $n} {incr i 100} {
        set kv {}
        for {set j $i} {$j < $i + 100 && $j < $n} {incr j} {
            lappend kv k:$j [string repeat v 20]$j
        }
        $c mset {*}$kv
    }
    for {set i 0} {$i < 600} {incr i} {
        $c set n$i $i
        $c hset h$i a $i
        $c sadd s$i x y
        $c rpush l$i q
        $c zadd z$i $i m
        if {$i % 3 == 0} {$c expire n$i 100000}
    }
    for {set i 0} {$i < 2000} {incr i} {
        $c sadd bigset m$i
        $c hset bighash f$i $i
        $c zadd bigz $i z$i
        $c rpush biglist e$i
    }
    $c xadd stream * f v
    foreach db {5 6 7} {
        $c select $db
        for {set i 0} {$i < 300} {incr i} {$c set d$db:$i $i}
        $c sadd set$db a b c 1 2 3
        $c select 0
    }
}

# One pseudo-random write out of a mixture that changes keys the snapshot
# may or may not have reached; <i> numbers it.
proc fl_write {c i n} {
    set k k:[expr {($i * 7919) % $n}]
    set m [expr {$i % 600}]
    switch [expr {$i % 24}] {
        0 {$c incr n$m}
        1 {$c append $k x}
        2 {$c del $k}
        3 {$c set new$i v}
        4 {$c sadd bigset a$i; $c srem bigset m[expr {$i % 2000}]}
        5 {$c hincrby bighash f[expr {$i % 2000}] 1}
        6 {$c zincrby bigz 1 z[expr {$i % 2000}]}
        7 {$c lpush biglist x; $c rpop biglist}
        8 {$c expire $k 5000}
        9 {$c persist n$m}
        10 {catch {$c rename $k ren$m}}
        11 {$c move $k 5}
        12 {$c copy $k cp$m replace}
        13 {$c multi; $c incr $k; $c append n$m y; $c exec}
        14 {$c eval {redis.call('incr', KEYS[1]); return redis.call('append', KEYS[2], 'z')} 2 n$m $k}
        15 {$c hincrby h$m a 1}
        16 {$c sadd s$m [expr {$i % 50}]}
        17 {$c rpush l$m w}
        18 {$c zincrby z$m 1 m}
        19 {$c getdel $k}
        20 {$c xadd stream * i $i}
        21 {if {$i % 240 == 21} {$c select 6; $c flushdb; $c select 0}}
        22 {if {$i % 240 == 22} {$c swapdb 5 7}}
        23 {$c select 7; $c sadd set7 $i; $c select 0}
    }
}

# The master's CPU clock ticks so far (user + system).
proc fl_cpu_ticks {pid} {
    set f [open /proc/$pid/stat]
    set stat [read $f]
    close $f
    set fields [split [string trim [string range $stat [expr {[string last ")" $stat] + 2}] end]]]
    return [expr {[lindex $fields 11] + [lindex $fields 12]}]
}

# The master's log (server -1) from byte <from> on.
proc fl_log_since {from} {
    return [string range [::file_content [srv -1 stdout]] $from end]
}

# Makes the replica (server 0) sync from the master (server -1) with the
# thread slowed down by <delay> us per key; returns where the master's
# log stood, once the transfer started.
proc fl_start_sync {delay} {
    [srv -1 client] config set rdb-key-save-delay $delay
    set from [string length [::file_content [srv -1 stdout]]]
    r replicaof [srv -1 host] [srv -1 port]
    wait_for_condition 500 10 {
        [string match "*Fork-less RDB transfer started*" [fl_log_since $from]]
    } else {
        fail "no fork-less transfer started"
    }
    return $from
}

# Lets the snapshot run at full speed, waits for the replica (server 0)
# to be in sync and compares the datasets.
proc fl_check_synced {} {
    set m [srv -1 client]
    $m config set rdb-key-save-delay 0
    wait_for_sync [srv 0 client]
    fl_wait_offsets $m [srv 0 client]
    assert_equal [$m debug digest] [r debug digest]
}

proc fl_wait_offsets {m s} {
    wait_for_condition 500 20 {
        [status $m master_repl_offset] == [status $s master_repl_offset]
    } else {
        fail "offsets differ: [status $m master_repl_offset] vs [status $s master_repl_offset]"
    }
}

start_server {tags {repl} overrides {repl-diskless-sync yes repl-diskless-sync-delay 0 repl-diskless-sync-fork no}} {
    set master [srv 0 client]
    set n 4000
    fl_fill $master $n

    start_server {} {
        test "Fork-less diskless sync: the replica gets the dataset as of the start while clients write" {
            set forks [status $master total_forks]
            # The thread sleeps per key: the walk lasts a second or two.
            set from [fl_start_sync 200]
            set i 0
            while {![string match "*state=online*" [status $master slave0]]} {
                fl_write $master $i $n
                incr i
                if {$i > 200000} {fail "the sync did not end"}
            }
            fl_check_synced
            assert_morethan $i 500
            # No child: the thread wrote it.
            assert_equal $forks [status $master total_forks]
            set log [fl_log_since $from]
            assert_match "*Fork-less snapshot done:*" $log
            # Every way a key can go was taken: written by the thread,
            # by the loop before a change, copied before a change.
            regexp {done: (\d+) keys written by the thread, (\d+) by the event loop before a change, (\d+) values copied before a change, (\d+) waits for the thread, (\d+) commands postponed} $log -> thread early copied waits postponed
            assert_morethan $thread 0
            assert_morethan $early 0
            assert_morethan $copied 0
            # Writes to the large values of a batch in flight wait for it
            # as postponed commands: the loop itself never waits.
            assert_equal 0 $waits
        }

        test "Fork-less diskless sync: a replica that leaves mid-transfer stops the snapshot" {
            r replicaof no one
            set from [fl_start_sync 1000]
            $master client kill type replica
            wait_for_condition 500 10 {
                [string match "*Fork-less snapshot stopped*" [fl_log_since $from]]
            } else {
                fail "the snapshot did not stop"
            }
            # Nothing keeps running for it: the master is idle.
            r replicaof no one
            set pid [srv -1 pid]
            set before [fl_cpu_ticks $pid]
            after 1000
            assert_lessthan [expr {[fl_cpu_ticks $pid] - $before}] 10
            $master config set rdb-key-save-delay 0
            r replicaof [srv -1 host] [srv -1 port]
            fl_check_synced
        }

        test "Fork-less diskless sync: DEBUG RELOAD and FLUSHALL during the transfer" {
            r replicaof no one
            fl_start_sync 300
            for {set i 0} {$i < 200} {incr i} {fl_write $master $i $n}
            $master debug reload
            for {set i 200} {$i < 400} {incr i} {fl_write $master $i $n}
            $master flushall
            fl_fill $master 500
            fl_check_synced
        }
    }

    test "Fork-less diskless sync: Redis 7.0's replica gets the same dataset" {
        $master flushall
        fl_fill $master $n
        $master config set rdb-key-save-delay 200
        set ref [refsrv_start [srv 0 dir] -tls --appendonly no --replicaof 127.0.0.1 [srv 0 port]]
        set rc [lindex $ref 1]
        try {
            set i 0
            while {![string match "*state=online*" [status $master slave0]]} {
                fl_write $master $i $n
                incr i
                if {$i > 200000} {fail "the sync did not end"}
            }
            $master config set rdb-key-save-delay 0
            wait_for_sync $rc
            fl_wait_offsets $master $rc
            dataset_compare [dataset_snapshot $master {0 5 6 7}] \
                [dataset_snapshot $rc {0 5 6 7}] 20000
            assert_morethan $i 100
        } finally {
            refsrv_stop $ref
        }
    }
}

start_server {tags {repl} overrides {repl-diskless-sync yes repl-diskless-sync-delay 0 repl-diskless-sync-fork no}} {
    set master [srv 0 client]
    for {set i 0} {$i < 1000} {incr i} {$master sadd bigset m$i}
    for {set i 0} {$i < 1000} {incr i} {$master sadd bigset2 m$i}
    for {set i 0} {$i < 20} {incr i} {$master set small$i $i}

    start_server {} {
        test "Fork-less diskless sync: a write to a large value being written waits, the loop does not" {
            # One batch holds every key; the thread takes 20 ms per key.
            set from [fl_start_sync 20000]
            set rd [redis_deferring_client -1]
            $rd sadd bigset added
            # A script writing a key it declares waits the same way.
            set rd2 [redis_deferring_client -1]
            $rd2 eval {return redis.call('sadd', KEYS[1], 'added')} 1 bigset2
            # A client that leaves while its write waits: the write is
            # dropped with it.
            set rd3 [redis_deferring_client -1]
            $rd3 sadd bigset vanished
            wait_for_condition 100 10 {
                [regexp -all {cmd=sadd } [$master client list]] == 2
            } else {
                fail "the second SADD was not postponed"
            }
            $rd3 close
            # Another client is served while those writes wait.
            assert_equal PONG [$master ping]
            assert_equal 1 [$master exists small3]
            assert_equal 1 [$rd read]
            assert_equal 1 [$rd2 read]
            $rd close
            $rd2 close
            fl_check_synced
            set log [fl_log_since $from]
            regexp {(\d+) waits for the thread, (\d+) commands postponed} $log -> waits postponed
            assert_equal 0 $waits
            assert_equal 3 $postponed
            assert_equal 1001 [r scard bigset]
            assert_equal 0 [r sismember bigset vanished]
            assert_equal 1001 [r scard bigset2]
        }
    }
}

# The checksum comes from the thread's per-batch CRCs, combined in the
# loop (the test above has Redis 7.0 check it); with rdbchecksum no it is
# 0, which Redis 7.0 accepts unchecked.
start_server {tags {repl} overrides {repl-diskless-sync yes repl-diskless-sync-delay 0 repl-diskless-sync-fork no rdbchecksum no}} {
    test "Fork-less diskless sync: rdbchecksum no sends a zero checksum Redis 7.0 accepts" {
        r debug populate 20000 key 100
        set ref [refsrv_start [srv 0 dir] -tls --appendonly no --replicaof 127.0.0.1 [srv 0 port]]
        set rc [lindex $ref 1]
        try {
            wait_for_sync $rc
            assert_equal 20000 [$rc dbsize]
            dataset_compare [dataset_snapshot [srv 0 client] {0}] \
                [dataset_snapshot $rc {0}] 20000
        } finally {
            refsrv_stop $ref
        }
    }
}
