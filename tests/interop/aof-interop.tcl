# aof-interop.tcl -- multi-part AOF directories exchanged with Debian's
# Redis 7.0 in both directions: ours (RDB preamble on and off, base plus
# incremental writes) pass redis-check-aof and load in Redis 7.0 with the
# same keys, values and TTLs; the appendonlydir Redis 7.0 writes (after a
# rewrite and more writes) loads here. Debian's server listens in plain
# TCP on 127.0.0.1.

source [file join $::tests_dir helpers reference.tcl]
set ::aofi_check_bin /usr/bin/redis-check-aof

# Starts Debian's redis-server with appendonly yes in <dir>; returns
# {pid client port log}.
proc aofi_ref_start {dir} {
    return [refsrv_start $dir --appendonly yes]
}

proc aofi_wait_rewrite {c} {
    wait_for_condition 500 20 {
        [status $c aof_rewrite_in_progress] == 0 &&
        [status $c aof_rewrite_scheduled] == 0
    } else {
        fail "AOF rewrite did not finish"
    }
}

# Writes of every type, some with TTLs, in two databases, with a
# transaction; <tag> makes the keys of successive calls distinct.
proc aofi_fill {c tag} {
    $c set str:$tag:int 12345
    $c set str:$tag:raw [string repeat "raw-" 20]
    $c set str:$tag:bin "\x00\x01\xff binary \r\n"
    $c set str:$tag:ttl v ex 5000
    $c setex str:$tag:setex 4000 v
    $c rpush list:$tag a b c 1 2 3
    for {set i 0} {$i < 200} {incr i} {$c rpush list:$tag:large "item-$i"}
    $c hset hash:$tag f1 v1 f2 2
    for {set i 0} {$i < 200} {incr i} {$c hset hash:$tag:large "f$i" "v$i"}
    $c sadd set:$tag:int 1 2 3 -4
    $c sadd set:$tag a b c
    $c zadd zset:$tag 1 a 2.5 b -3 c
    for {set i 0} {$i < 200} {incr i} {$c zadd zset:$tag:large [expr {$i * 1.5}] "m$i"}
    $c pexpire hash:$tag 3000000
    $c incr counter
    $c multi
    $c incr counter
    $c lpush list:$tag front
    $c exec
    $c select 3
    $c set db3:$tag "in db 3"
    $c select 0
}

proc aofi_copy_dir {from to} {
    file delete -force $to
    file copy $from $to
}

foreach preamble {yes no} {
    start_server [list tags {interop aof} overrides [list appendonly yes aof-use-rdb-preamble $preamble]] {
        set dir [srv 0 dir]

        test "Our appendonlydir (preamble $preamble) passes redis-check-aof and loads in Redis 7.0" {
            aofi_fill [srv 0 client] a
            r bgrewriteaof
            aofi_wait_rewrite [srv 0 client]
            aofi_fill [srv 0 client] b
            set ours [dataset_snapshot [srv 0 client]]
            # SIGTERM: the AOF is flushed and fsynced.
            kill_server
            set manifest [file join $dir appendonlydir appendonly.aof.manifest]
            set out [exec $::aofi_check_bin $manifest 2>@1]
            assert_match "*All AOF files and manifest are valid*" $out
            if {$preamble eq "yes"} {
                assert_match "*BASE AOF appendonly.aof.*.base.rdb is valid*" $out
            } else {
                assert_match "*BASE AOF appendonly.aof.*.base.aof is valid*" $out
            }
            set refdir [file join $dir ref]
            file mkdir $refdir
            aofi_copy_dir [file join $dir appendonlydir] [file join $refdir appendonlydir]
            set ref [aofi_ref_start $refdir]
            set theirs [dataset_snapshot [lindex $ref 1]]
            refsrv_stop $ref
            dataset_compare $ours $theirs 5000
            assert_match "*DB loaded from append only file*" \
                [::file_content [lindex $ref 3]]
            restart_server
        }
    }
}

start_server {tags {interop aof} overrides {appendonly yes}} {
    set dir [srv 0 dir]

    test "The appendonlydir Redis 7.0 writes loads here" {
        set refdir [file join $dir ref]
        file mkdir $refdir
        set ref [aofi_ref_start $refdir]
        set rc [lindex $ref 1]
        aofi_fill $rc a
        $rc bgrewriteaof
        aofi_wait_rewrite $rc
        aofi_fill $rc b
        $rc config set aof-use-rdb-preamble no
        set theirs [dataset_snapshot $rc]
        refsrv_stop $ref
        kill_server
        aofi_copy_dir [file join $refdir appendonlydir] [file join $dir appendonlydir]
        restart_server
        set ours [dataset_snapshot [srv 0 client]]
        dataset_compare $theirs $ours 5000
        # And we keep appending to Redis's last incr file.
        r set ours-after 1
        restart_server
        assert_equal 1 [r get ours-after]
    }

    test "A command-only base written by Redis 7.0 loads here" {
        set refdir [file join $dir ref2]
        file mkdir $refdir
        set ref [aofi_ref_start $refdir]
        set rc [lindex $ref 1]
        $rc config set aof-use-rdb-preamble no
        aofi_fill $rc c
        $rc bgrewriteaof
        aofi_wait_rewrite $rc
        aofi_fill $rc d
        set theirs [dataset_snapshot $rc]
        refsrv_stop $ref
        assert {[llength [glob -nocomplain [file join $refdir appendonlydir *.base.aof]]] == 1}
        kill_server
        aofi_copy_dir [file join $refdir appendonlydir] [file join $dir appendonlydir]
        restart_server
        dataset_compare $theirs [dataset_snapshot [srv 0 client]] 5000
    }
}
