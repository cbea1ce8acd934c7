# rdb.tcl -- RDB persistence: SAVE / BGSAVE / LASTSAVE, restarts, DEBUG
# RELOAD, DUMP / RESTORE, save rules, SHUTDOWN SAVE|NOSAVE, and files that
# must be refused at start-up (truncated, corrupted, bad checksum).

# Waits until the server at level 0 has exited (a refused start-up) and
# returns its log.
proc rdb_wait_exit {} {
    set pid [srv 0 pid]
    wait_for_condition 500 20 {![::process_alive $pid]} else {
        fail "server did not exit"
    }
    return [::file_content [srv 0 stdout]]
}

proc rdb_file {} {return [file join [srv 0 dir] dump.rdb]}

proc rdb_read {path} {
    set f [open $path rb]
    set d [read $f]
    close $f
    return $d
}

proc rdb_write {path data} {
    set f [open $path wb]
    puts -nonewline $f $data
    close $f
}

proc rdb_wait_bgsave_done {} {
    wait_for_condition 500 20 {
        [s rdb_bgsave_in_progress] == 0
    } else {
        fail "BGSAVE did not finish"
    }
}

start_server {tags {rdb persistence}} {
    test "SAVE writes a file and LASTSAVE moves" {
        r set a 1
        r set b hello
        r rpush l x y z
        r hset h f v
        r sadd s 1 2 3
        r sadd s2 foo bar
        r set t v px 100000
        set before [r lastsave]
        assert_morethan [s rdb_changes_since_last_save] 0
        assert_equal OK [r save]
        assert {[file exists [rdb_file]]}
        assert_equal 0 [s rdb_changes_since_last_save]
        assert {[r lastsave] >= $before}
        assert_equal REDIS0010 [string range [rdb_read [rdb_file]] 0 8]
    }

    test "Restart keeps keys, values, encodings and TTLs" {
        restart_server
        assert_equal 7 [r dbsize]
        assert_equal 1 [r get a]
        assert_equal hello [r get b]
        assert_equal {x y z} [r lrange l 0 -1]
        assert_equal v [r hget h f]
        assert_equal {1 2 3} [lsort [r smembers s]]
        assert_encoding intset s
        assert_encoding listpack h
        assert_equal {bar foo} [lsort [r smembers s2]]
        assert_range [r pttl t] 90000 100000
        assert_match "*DB loaded from disk:*" [::file_content [srv 0 stdout]]
        assert_equal 7 [s rdb_last_load_keys_loaded]
    }

    test "BGSAVE runs in a child and reports success" {
        r set bg 1
        assert_equal {Background saving started} [r bgsave]
        rdb_wait_bgsave_done
        assert_equal ok [s rdb_last_bgsave_status]
        assert_equal 0 [s rdb_changes_since_last_save]
        assert_match "*Background saving terminated with success*" \
            [::file_content [srv 0 stdout]]
        assert_error "ERR syntax error*" {r bgsave foo}
    }

    test "DEBUG RELOAD keeps the dataset, large encodings too" {
        for {set i 0} {$i < 600} {incr i} {
            r rpush biglist "element-$i"
            r hset bighash "field-$i" "value-$i"
            r sadd bigset "member-$i"
            r sadd bigint $i
        }
        r set longstr [string repeat "abcdefgh" 1000]
        set digest [csvdump]
        assert_equal OK [r debug reload]
        assert_equal $digest [csvdump]
        assert_encoding hashtable bighash
        assert_encoding hashtable bigset
        assert_encoding hashtable bigint
        assert_equal 600 [r llen biglist]
        assert_equal element-599 [r lindex biglist -1]
    }

    test "DUMP / RESTORE round trip and errors" {
        foreach k {a b l h s bighash biglist bigint longstr} {
            set p [r dump $k]
            r restore copy-$k 0 $p
            assert_equal [r type $k] [r type copy-$k]
        }
        assert_equal [r lrange biglist 0 -1] [r lrange copy-biglist 0 -1]
        assert_equal [lsort [r hgetall bighash]] [lsort [r hgetall copy-bighash]]
        assert_equal [r get longstr] [r get copy-longstr]
        assert_equal {} [r dump nosuchkey]
        set p [r dump a]
        assert_error "BUSYKEY Target key name already exists.*" {r restore a 0 $p}
        assert_equal OK [r restore a 0 $p replace]
        assert_error "ERR DUMP payload version or checksum are wrong*" \
            {r restore x 0 "garbage-payload"}
        set bad [string replace $p end end [format %c [expr {([scan [string index $p end] %c] + 1) % 256}]]]
        assert_error "ERR DUMP payload version or checksum are wrong*" \
            {r restore x 0 $bad}
        assert_error "ERR Invalid TTL value*" {r restore x -1 $p}
        r restore ttlkey 5000 $p
        assert_range [r pttl ttlkey] 1 5000
        set when [expr {[clock milliseconds] + 100000}]
        r restore absttl $when $p absttl
        assert_range [r pttl absttl] 90000 100000
        # An absolute time in the past: nothing is created.
        assert_equal OK [r restore gone 1 $p absttl]
        assert_equal 0 [r exists gone]
        assert_error "ERR syntax error*" {r restore y 0 $p idletime 1 freq 1}
        assert_error "ERR Invalid FREQ value*" {r restore y 0 $p freq 300}
    }

    test "rdbcompression yes and no both load back" {
        r flushall
        r set comp [string repeat "x" 10000]
        r config set rdbcompression yes
        r save
        set small [file size [rdb_file]]
        r config set rdbcompression no
        r save
        set big [file size [rdb_file]]
        assert_lessthan $small 1000
        assert_morethan $big 10000
        r debug reload
        assert_equal [string repeat "x" 10000] [r get comp]
        r config set rdbcompression yes
        r debug reload
        assert_equal [string repeat "x" 10000] [r get comp]
    }

    test "FLUSHALL with save points rewrites the RDB file" {
        r set k v
        r config set save "900 1"
        r save
        r flushall
        assert_equal 0 [s rdb_changes_since_last_save]
        r debug reload nosave
        assert_equal 0 [r dbsize]
        r config set save ""
    }

    test "stop-writes-on-bgsave-error refuses writes after a failed BGSAVE" {
        r config set save "900 1"
        # A directory in the way makes the final rename fail.
        file delete -force [rdb_file]
        file mkdir [file join [rdb_file] inside]
        r bgsave
        rdb_wait_bgsave_done
        assert_equal err [s rdb_last_bgsave_status]
        assert_error "MISCONF*" {r set x 1}
        assert_equal 0 [r exists x]
        r config set stop-writes-on-bgsave-error no
        assert_equal OK [r set x 1]
        r config set stop-writes-on-bgsave-error yes
        file delete -force [rdb_file]
        r bgsave
        rdb_wait_bgsave_done
        assert_equal ok [s rdb_last_bgsave_status]
        assert_equal OK [r set x 2]
        r config set save ""
    }

    test "SHUTDOWN SAVE saves, SHUTDOWN NOSAVE does not" {
        r flushall
        r set saved 1
        catch {r shutdown save}
        rdb_wait_exit
        restart_server
        assert_equal 1 [r get saved]
        r set notsaved 1
        catch {r shutdown nosave}
        rdb_wait_exit
        restart_server
        assert_equal 0 [r exists notsaved]
        assert_equal 1 [r get saved]
    }

    test "SIGTERM saves when save rules exist" {
        r config set save "3600 1"
        r set onterm yes
        restart_server
        assert_equal yes [r get onterm]
        r config set save ""
    }

    test "Expired keys are skipped on load" {
        r flushall
        r set keep 1
        r set short 1 px 300
        r save
        set deadline [expr {[clock milliseconds] + 400}]
        wait_for_condition 100 10 {[clock milliseconds] > $deadline} else {}
        restart_server
        assert_equal 0 [r exists short]
        assert_equal 1 [r get keep]
        assert_match "*keys expired: 1*" [::file_content [srv 0 stdout]]
    }

    test "A truncated RDB file is refused at start-up with its offset" {
        r flushall
        for {set i 0} {$i < 99} {incr i} {r set key$i [string repeat v $i]}
        r set target CHECKSUM-TARGET
        r save
        set good [rdb_read [rdb_file]]
        kill_server
        rdb_write [rdb_file] [string range $good 0 [expr {[string length $good] / 2}]]
        restart_server 0 0
        set log [rdb_wait_exit]
        rdb_write [rdb_file] $good
        assert {[regexp {Internal error in RDB reading offset [0-9]+: [^\n]*(end|rest) of} $log]} $log
        restart_server
        assert_equal 100 [r dbsize]
    }

    test "A corrupted byte fails the checksum at start-up" {
        set good [rdb_read [rdb_file]]
        kill_server
        set pos [string first CHECKSUM-TARGET $good]
        set c [scan [string index $good $pos] %c]
        set bad [string replace $good $pos $pos [format %c [expr {$c ^ 0x55}]]]
        rdb_write [rdb_file] $bad
        restart_server 0 0
        set log [rdb_wait_exit]
        rdb_write [rdb_file] $good
        assert_match "*Wrong RDB checksum*" $log
        restart_server
        assert_equal 100 [r dbsize]
    }

    test "A file that is not an RDB is refused" {
        set good [rdb_read [rdb_file]]
        kill_server
        rdb_write [rdb_file] "this is not an rdb file at all"
        restart_server 0 0
        set log [rdb_wait_exit]
        assert_match "*offset 9: wrong signature*" $log
        rdb_write [rdb_file] "REDIS0042"
        restart_server 0 0
        set log [rdb_wait_exit]
        assert_match "*can't handle RDB format version 42*" $log
        rdb_write [rdb_file] $good
        restart_server
    }
}

# The fields of /proc/<pid>/stat after the command name, or {} when the
# process is gone: index 1 is the parent pid, index 16 the nice value.
proc rdb_proc_stat {pid} {
    if {[catch {set st [::file_content /proc/$pid/stat]}]} {return {}}
    return [string range $st [expr {[string last ")" $st] + 2}] end]
}

# The pids of the processes whose parent is <pid>.
proc rdb_children {pid} {
    set out {}
    foreach f [glob -nocomplain /proc/\[0-9\]*] {
        set c [file tail $f]
        if {[lindex [rdb_proc_stat $c] 1] == $pid} {lappend out $c}
    }
    return $out
}

start_server {tags {rdb persistence external:skip}} {
    test "a background child runs at a lower CPU priority than the server" {
        set pid [srv 0 pid]
        if {[rdb_proc_stat $pid] eq {}} {
            ::report skip "child priority" "/proc/$pid/stat not readable"
            return
        }
        for {set i 0} {$i < 20} {incr i} {r set k$i $i}
        r config set rdb-key-save-delay 100000
        r bgsave
        set child {}
        wait_for_condition 200 10 {
            [set child [rdb_children $pid]] ne {}
        } else {
            fail "no BGSAVE child found"
        }
        # (The child sets its priority just after the fork.)
        set want [expr {min(19, [lindex [rdb_proc_stat $pid] 16] + 5)}]
        wait_for_condition 200 10 {
            [lindex [rdb_proc_stat [lindex $child 0]] 16] == $want
        } else {
            fail "the child's nice is not $want: [rdb_proc_stat [lindex $child 0]]"
        }
        r config set rdb-key-save-delay 0
        exec kill -USR1 [lindex $child 0]
        rdb_wait_bgsave_done
    }
}

start_server {tags {rdb persistence} overrides {rdbchecksum no}} {
    test "rdbchecksum no writes a zero checksum that loads" {
        r set a 1
        r rpush l a b c
        r save
        set d [rdb_read [rdb_file]]
        assert_equal [string repeat "\x00" 8] [string range $d end-7 end]
        restart_server
        assert_equal 1 [r get a]
        assert_equal {a b c} [r lrange l 0 -1]
    }

    test "Random byte flips never crash the loader" {
        r flushall
        r set int 12345
        r set str hello
        r set long [string repeat "compress me " 50]
        r rpush list a b c 1 2 3
        r hset hash f1 v1 f2 v2
        r sadd intset 1 2 3
        r sadd set x y z
        for {set i 0} {$i < 200} {incr i} {r hset bighash f$i v$i}
        r save
        set good [rdb_read [rdb_file]]
        set len [string length $good]
        expr {srand(42)}
        for {set iter 0} {$iter < 25} {incr iter} {
            kill_server
            set bad $good
            for {set j 0} {$j < 3} {incr j} {
                set pos [expr {9 + int(rand() * ($len - 9))}]
                set bad [string replace $bad $pos $pos [format %c [expr {int(rand() * 256)}]]]
            }
            rdb_write [rdb_file] $bad
            restart_server 0 0
            set pid [srv 0 pid]
            wait_for_condition 500 20 {
                ![::process_alive $pid] ||
                [string first "Ready to accept" [::file_content [srv 0 stdout]]] >= 0
            } else {
                fail "server neither started nor exited"
            }
            set log [::file_content [srv 0 stdout]]
            assert {[string first "crashed by signal" $log] < 0}
            if {![::process_alive $pid]} {
                assert_match "*Internal error in RDB reading offset*" $log
            }
        }
        kill_server
        rdb_write [rdb_file] $good
        restart_server
        assert_equal 200 [r hlen bighash]
    }
}
