# aof.tcl -- the append-only file: the multi-part layout (base, incr,
# manifest), replay at start-up, what is logged (SELECT, PXAT / PEXPIREAT,
# MULTI/EXEC), BGREWRITEAOF with and without the RDB preamble, CONFIG SET
# appendonly yes/no, the automatic rewrite, INFO and SHUTDOWN.

proc aof_dir {} {return [file join [srv 0 dir] appendonlydir]}

proc aof_read {path} {
    set f [open $path rb]
    set d [read $f]
    close $f
    return $d
}

proc aof_manifest {} {
    return [aof_read [file join [aof_dir] appendonly.aof.manifest]]
}

# Names of the files the manifest lists, in order.
proc aof_manifest_files {} {
    set out {}
    foreach line [split [aof_manifest] "\n"] {
        if {[lindex $line 0] eq "file"} {lappend out [lindex $line 1]}
    }
    return $out
}

proc aof_last_incr {} {
    return [file join [aof_dir] [lindex [aof_manifest_files] end]]
}

proc aof_wait_rewrite_done {} {
    wait_for_condition 500 20 {
        [s aof_rewrite_in_progress] == 0 && [s aof_rewrite_scheduled] == 0
    } else {
        fail "AOF rewrite did not finish"
    }
}

# Adds <directive> to the server's config file so that a restart sees it.
proc aof_config_append {line} {
    set f [open [srv 0 config_file] a]
    puts $f $line
    close $f
}

proc aof_fill {} {
    r set s1 hello
    r set n 10
    r incr n
    r rpush l a b c 1 2
    r hset h f1 v1 f2 v2
    r sadd st x y 7
    r zadd z 1 a 2.5 b
    r set ttl v ex 1000
    r set keep v
    r expire keep 2000
    r select 5
    r set in5 five
    r select 0
    r multi
    r set m1 1
    r incr m2
    r exec
}

proc aof_snapshot {} {
    set out {}
    foreach db {0 5} {
        r select $db
        foreach k [lsort [r keys *]] {
            set t [r type $k]
            switch $t {
                string {set v [r get $k]}
                list {set v [r lrange $k 0 -1]}
                set {set v [lsort [r smembers $k]]}
                hash {set v [lsort [r hgetall $k]]}
                zset {set v [r zrange $k 0 -1 withscores]}
                default {set v ?}
            }
            set ttl [r pttl $k]
            if {$ttl > 0} {set ttl [expr {($ttl + 30000) / 60000}]}
            lappend out [list $db $k $t $v $ttl]
        }
    }
    r select 0
    return $out
}

start_server {tags {aof persistence} overrides {appendonly yes}} {
    test "appendonly yes at start creates base, incr and manifest" {
        assert {[file isdirectory [aof_dir]]}
        set m [aof_manifest]
        assert_match "*file appendonly.aof.1.base.rdb seq 1 type b*" $m
        assert_match "*file appendonly.aof.1.incr.aof seq 1 type i*" $m
        assert {[file exists [file join [aof_dir] appendonly.aof.1.base.rdb]]}
        assert {[file exists [file join [aof_dir] appendonly.aof.1.incr.aof]]}
        set log [::file_content [srv 0 stdout]]
        assert_match "*Creating AOF base file appendonly.aof.1.base.rdb on server start*" $log
        assert_match "*Creating AOF incr file appendonly.aof.1.incr.aof on server start*" $log
        assert_equal 1 [s aof_enabled]
    }

    test "Writes are logged with SELECT, PXAT, PEXPIREAT and MULTI/EXEC" {
        aof_fill
        wait_for_condition 100 20 {[s aof_buffer_length] == 0} else {
            fail "buffer not flushed"
        }
        set d [aof_read [aof_last_incr]]
        assert_equal "*2\r\n\$6\r\nSELECT\r\n\$1\r\n0\r\n" [string range $d 0 22]
        assert_match "*\$4\r\nPXAT\r\n\$13\r\n*" $d
        assert_match "*PEXPIREAT\r\n\$4\r\nkeep\r\n\$13\r\n*" $d
        assert_match "*SELECT\r\n\$1\r\n5\r\n*in5*" $d
        assert_match "*MULTI\r\n*m1*m2*EXEC\r\n*" $d
        assert_no_match "*\$2\r\nEX\r\n*" $d
        assert_no_match "*\$6\r\nEXPIRE\r\n*" $d
    }

    test "Restart replays the AOF: same keys, values, TTLs and databases" {
        set before [aof_snapshot]
        restart_server
        assert_equal $before [aof_snapshot]
        assert_match "*DB loaded from append only file*" [::file_content [srv 0 stdout]]
        assert_range [r pttl ttl] 900000 1000000
    }

    test "New writes after a restart go to the same incr file" {
        set size [file size [aof_last_incr]]
        r set after-restart 1
        wait_for_condition 100 20 {[file size [aof_last_incr]] > $size} else {
            fail "incr file did not grow"
        }
        assert_equal appendonly.aof.1.incr.aof [file tail [aof_last_incr]]
        restart_server
        assert_equal 1 [r get after-restart]
        r select 5
        assert_equal five [r get in5]
        r select 0
    }

    test "BGREWRITEAOF makes base 2 and incr 2 and deletes the old files" {
        assert_equal {Background append only file rewriting started} [r bgrewriteaof]
        # The rewrite may already be over; if not, a second one is refused.
        if {![catch {r bgrewriteaof} e]} {
            assert_equal {Background append only file rewriting started} $e
        } else {
            assert_equal {ERR Background append only file rewriting already in progress} $e
        }
        aof_wait_rewrite_done
        r set post-rewrite yes
        set files [aof_manifest_files]
        assert_match "appendonly.aof.*.base.rdb" [lindex $files 0]
        assert_equal 2 [llength $files]
        set dirfiles [lsort [glob -tails -directory [aof_dir] *]]
        assert_equal [lsort [concat $files appendonly.aof.manifest]] $dirfiles
        assert_equal REDIS0010 [string range [aof_read [file join [aof_dir] [lindex $files 0]]] 0 8]
        assert_equal ok [s aof_last_bgrewrite_status]
        assert_morethan [s aof_rewrites] 0
        set before [aof_snapshot]
        restart_server
        assert_equal $before [aof_snapshot]
        assert_equal yes [r get post-rewrite]
    }

    test "A rewrite opens the new incr file at its start (manifest lists both)" {
        # Big enough that the child runs for a while.
        for {set i 0} {$i < 50} {incr i} {
            set args {}
            for {set j 0} {$j < 1000} {incr j} {lappend args k:$i:$j [string repeat v 20]}
            r mset {*}$args
        }
        set old [aof_manifest_files]
        r bgrewriteaof
        r set during-rewrite 1
        set mid [aof_manifest_files]
        if {[s aof_rewrite_in_progress]} {
            # Base, the old incr file(s) and the new one.
            assert_morethan [llength $mid] 2
            assert_equal [lindex $old 0] [lindex $mid 0]
        }
        aof_wait_rewrite_done
        assert_equal 2 [llength [aof_manifest_files]]
        set size [r dbsize]
        restart_server
        assert_equal 1 [r get during-rewrite]
        assert_equal $size [r dbsize]
        r flushall
    }

    test "aof-use-rdb-preamble no: the base is made of commands" {
        aof_fill
        r config set aof-use-rdb-preamble no
        r bgrewriteaof
        aof_wait_rewrite_done
        set base [lindex [aof_manifest_files] 0]
        assert_match "appendonly.aof.*.base.aof" $base
        set d [aof_read [file join [aof_dir] $base]]
        assert_equal "*2\r\n\$6\r\nSELECT\r\n" [string range $d 0 15]
        assert_match "*RPUSH*" $d
        assert_match "*HMSET*" $d
        assert_match "*PEXPIREAT*" $d
        set before [aof_snapshot]
        restart_server
        assert_equal $before [aof_snapshot]
        r config set aof-use-rdb-preamble yes
        r bgrewriteaof
        aof_wait_rewrite_done
        assert_match "appendonly.aof.*.base.rdb" [lindex [aof_manifest_files] 0]
        restart_server
        assert_equal $before [aof_snapshot]
    }

    test "Large collections are rewritten in batches and replay intact" {
        r config set aof-use-rdb-preamble no
        for {set i 0} {$i < 500} {incr i} {
            r rpush biglist $i
            r sadd bigset m$i
            r hset bighash f$i $i
            r zadd bigzset $i z$i
        }
        r sadd intset 1 2 3 -7
        r bgrewriteaof
        aof_wait_rewrite_done
        set before [aof_snapshot]
        restart_server
        assert_equal $before [aof_snapshot]
        r config set aof-use-rdb-preamble yes
    }

    test "INFO persistence shows the aof fields" {
        set info [r info persistence]
        foreach f {aof_enabled aof_rewrite_in_progress aof_rewrite_scheduled
                   aof_last_rewrite_time_sec aof_current_rewrite_time_sec
                   aof_last_bgrewrite_status aof_rewrites
                   aof_last_write_status aof_current_size aof_base_size
                   aof_buffer_length} {
            assert_match "*$f:*" $info
        }
        set sum 0
        foreach f [aof_manifest_files] {incr sum [file size [file join [aof_dir] $f]]}
        assert_equal $sum [s aof_current_size]
    }

    test "Automatic rewrite on growth" {
        r config set auto-aof-rewrite-min-size 4096
        r config set auto-aof-rewrite-percentage 100
        set before [s aof_rewrites]
        for {set i 0} {$i < 300} {incr i} {r set auto:$i [string repeat x 100]}
        wait_for_condition 500 20 {[s aof_rewrites] > $before} else {
            fail "no automatic rewrite"
        }
        aof_wait_rewrite_done
        assert_match "*Starting automatic rewriting of AOF on*growth*" \
            [::file_content [srv 0 stdout]]
        r config set auto-aof-rewrite-percentage 0
    }

    test "SHUTDOWN flushes and fsyncs the AOF (appendfsync no)" {
        r config set appendfsync no
        r set at-shutdown 1
        catch {r shutdown}
        wait_for_condition 500 20 {![::process_alive [srv 0 pid]]} else {
            fail "server did not exit"
        }
        assert_match "*Calling fsync() on the AOF file*" [::file_content [srv 0 stdout]]
        restart_server
        assert_equal 1 [r get at-shutdown]
    }

    test "CONFIG SET appendonly no stops appending, yes starts a rewrite" {
        r config set appendonly no
        assert_equal 0 [s aof_enabled]
        set size [file size [aof_last_incr]]
        r set while-off 1
        r ping
        assert_equal $size [file size [aof_last_incr]]
        set old [aof_manifest_files]
        r config set appendonly yes
        r set while-turning-on 1
        aof_wait_rewrite_done
        wait_for_condition 100 20 {[s aof_enabled] == 1} else {fail "not on"}
        set new [aof_manifest_files]
        assert_equal 2 [llength $new]
        foreach f $old {assert {$f ni $new}}
        foreach f $old {assert {![file exists [file join [aof_dir] $f]]}}
        r set after-on 1
        restart_server
        assert_equal 1 [r get while-off]
        assert_equal 1 [r get while-turning-on]
        assert_equal 1 [r get after-on]
    }
}

start_server {tags {aof persistence}} {
    test "Turning the AOF on at run time, then restarting with it, keeps the data" {
        r set before-aof 1
        r rpush l 1 2 3
        assert_equal 0 [s aof_enabled]
        assert {![file exists [aof_dir]]}
        r config set appendonly yes
        aof_wait_rewrite_done
        wait_for_condition 100 20 {[s aof_enabled] == 1} else {fail "not on"}
        set m [aof_manifest]
        assert_match "*type b*" $m
        assert_match "*type i*" $m
        r set after-aof 2
        aof_config_append "appendonly yes"
        restart_server
        assert_equal 1 [r get before-aof]
        assert_equal 2 [r get after-aof]
        assert_equal {1 2 3} [r lrange l 0 -1]
    }

    test "With appendonly yes the AOF wins over dump.rdb" {
        r set only-in-rdb 1
        r save
        r del only-in-rdb
        r set only-in-aof 1
        restart_server
        assert_equal {} [r get only-in-rdb]
        assert_equal 1 [r get only-in-aof]
    }

    test "BGREWRITEAOF while a BGSAVE runs is scheduled" {
        for {set i 0} {$i < 20} {incr i} {
            set args {}
            for {set j 0} {$j < 1000} {incr j} {lappend args b:$i:$j [string repeat v 50]}
            r mset {*}$args
        }
        set before [s aof_rewrites]
        r bgsave
        if {[s rdb_bgsave_in_progress]} {
            assert_equal {Background append only file rewriting scheduled} [r bgrewriteaof]
        } else {
            r bgrewriteaof
        }
        wait_for_condition 500 20 {[s aof_rewrites] > $before} else {
            fail "scheduled rewrite did not run"
        }
        aof_wait_rewrite_done
    }
}

start_server {tags {aof persistence}} {
    test "SHUTDOWN while the first rewrite runs waits for it (no data lost)" {
        for {set i 0} {$i < 40} {incr i} {
            set args {}
            for {set j 0} {$j < 1000} {incr j} {lappend args s:$i:$j [string repeat v 50]}
            r mset {*}$args
        }
        r config set appendonly yes
        r set while-first-rewrite 1
        aof_config_append "appendonly yes"
        catch {r shutdown}
        wait_for_condition 500 20 {![::process_alive [srv 0 pid]]} else {
            fail "server did not exit"
        }
        restart_server
        assert_equal 40001 [r dbsize]
        assert_equal 1 [r get while-first-rewrite]
    }
}
