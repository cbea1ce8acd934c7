# aof-crash.tcl -- the AOF under SIGKILL and damage: with appendfsync
# always every acknowledged write survives kill -9; with everysec at most
# about a second is lost; kill -9 during BGREWRITEAOF; a truncated tail is
# trimmed (aof-load-truncated yes) or refused (no); an incomplete MULTI at
# the end is reverted; corruption in the middle stops start-up with the
# file and the offset.

proc aofc_dir {} {return [file join [srv 0 dir] appendonlydir]}

proc aofc_last_incr {} {
    set f [open [file join [aofc_dir] appendonly.aof.manifest] r]
    set m [read $f]
    close $f
    set last ""
    foreach line [split $m "\n"] {
        if {[lindex $line 0] eq "file"} {set last [lindex $line 1]}
    }
    return [file join [aofc_dir] $last]
}

proc aofc_append {path data} {
    set f [open $path ab]
    puts -nonewline $f $data
    close $f
}

proc aofc_kill9 {} {
    set pid [srv 0 pid]
    catch {exec kill -KILL $pid}
    wait_for_condition 500 10 {![::process_alive $pid]} else {
        fail "server survived SIGKILL"
    }
}

# The server at level 0 was restarted without waiting: waits until it
# exits and returns its log.
proc aofc_wait_exit {} {
    set pid [srv 0 pid]
    wait_for_condition 500 20 {![::process_alive $pid]} else {
        fail "server did not exit"
    }
    return [::file_content [srv 0 stdout]]
}

# A load generator in its own process: INCRs <key> until the connection
# breaks, then prints how many INCRs were acknowledged and the elapsed ms.
set ::aofc_loader {
    source [lindex $argv 0]
    set ::tls [lindex $argv 3]
    set r [redis_client 127.0.0.1 [lindex $argv 1]]
    set key [lindex $argv 2]
    set acked 0
    set start [clock milliseconds]
    while {1} {
        if {[catch {$r incr $key} v]} break
        set acked $v
    }
    puts "$acked [expr {[clock milliseconds] - $start}]"
}

proc aofc_start_loader {key} {
    set script [file join [srv 0 dir] loader.tcl]
    set f [open $script w]
    puts $f $::aofc_loader
    close $f
    set lib [file join $::tests_dir helpers redis.tcl]
    return [open [list | tclsh $script $lib [srv 0 port] $key $::tls] r]
}

proc aofc_loader_result {chan} {
    set out [string trim [read $chan]]
    catch {close $chan}
    return $out
}

start_server {tags {aof persistence crash} overrides {appendonly yes appendfsync always}} {
    test "appendfsync always: every acknowledged INCR survives kill -9" {
        set chan [aofc_start_loader counter]
        wait_for_condition 1000 10 {[r get counter] ne "" && [r get counter] > 2000} else {
            fail "load did not start"
        }
        aofc_kill9
        lassign [aofc_loader_result $chan] acked ms
        assert_morethan $acked 2000
        restart_server
        set got [r get counter]
        # Nothing acknowledged is lost; at most the one in flight is extra.
        assert {$got >= $acked} "lost writes: acked $acked, found $got"
        assert {$got <= $acked + 1} "acked $acked, found $got"
    }

    test "appendfsync everysec: at most about a second is lost on kill -9" {
        r config set appendfsync everysec
        set chan [aofc_start_loader counter2]
        wait_for_condition 1000 10 {[r get counter2] ne "" && [r get counter2] > 2000} else {
            fail "load did not start"
        }
        aofc_kill9
        lassign [aofc_loader_result $chan] acked ms
        restart_server
        set got [r get counter2]
        set rate [expr {double($acked) / max($ms, 1)}]
        set bound [expr {int($rate * 1500) + 1}]
        assert {$got <= $acked + 1}
        assert {$acked - $got <= $bound} "lost [expr {$acked - $got}] > $bound"
        # The always-run counter is still there.
        assert_morethan [r get counter] 2000
    }

    test "kill -9 during BGREWRITEAOF: the restart loads everything" {
        r config set appendfsync always
        for {set i 0} {$i < 40} {incr i} {
            set args {}
            for {set j 0} {$j < 1000} {incr j} {lappend args k:$i:$j [string repeat v 40]}
            r mset {*}$args
        }
        r set marker before
        set size [r dbsize]
        r bgrewriteaof
        assert_equal 1 [s aof_rewrite_in_progress]
        r set marker during
        r incr written-during
        aofc_kill9
        restart_server
        assert_equal during [r get marker]
        assert_equal 1 [r get written-during]
        assert_equal [expr {$size + 1}] [r dbsize]
        # A new rewrite works after the crash.
        r bgrewriteaof
        wait_for_condition 500 20 {[s aof_rewrite_in_progress] == 0} else {
            fail "rewrite did not finish"
        }
        assert_equal ok [s aof_last_bgrewrite_status]
        restart_server
        assert_equal [expr {$size + 1}] [r dbsize]
        r flushall
    }

    test "Truncated tail of the last incr file is trimmed with a warning" {
        r set t1 one
        r set t2 two
        set path [aofc_last_incr]
        aofc_kill9
        set size [file size $path]
        aofc_append $path "*3\r\n\$3\r\nSET\r\n\$2\r\nt3\r\n\$5\r\nthr"
        restart_server
        assert_equal one [r get t1]
        assert_equal two [r get t2]
        assert_equal {} [r get t3]
        set log [::file_content [srv 0 stdout]]
        assert_match "*!!! Warning: short read while loading the AOF file*" $log
        assert_match "*Truncating the AOF * at offset $size*" $log
        assert_equal $size [file size $path]
        r set t4 four
        restart_server
        assert_equal four [r get t4]
    }

    test "An incomplete MULTI at the end is reverted" {
        set path [aofc_last_incr]
        aofc_kill9
        set size [file size $path]
        aofc_append $path "*1\r\n\$5\r\nMULTI\r\n*3\r\n\$3\r\nSET\r\n\$2\r\nmx\r\n\$1\r\n1\r\n"
        restart_server
        assert_equal {} [r get mx]
        assert_match "*Revert incomplete MULTI/EXEC transaction*" \
            [::file_content [srv 0 stdout]]
        assert_equal $size [file size $path]
    }

    test "With aof-load-truncated no a truncated tail refuses start-up" {
        r config set aof-load-truncated no
        set f [open [srv 0 config_file] a]
        puts $f "aof-load-truncated no"
        close $f
        set path [aofc_last_incr]
        aofc_kill9
        set good [file size $path]
        aofc_append $path "*2\r\n\$3\r\nGET"
        restart_server 0 0
        set log [aofc_wait_exit]
        assert_match "*Unexpected end of file reading the append only file*" $log
        # Repair by hand and start again with trimming allowed.
        set f [open [srv 0 config_file] a]
        puts $f "aof-load-truncated yes"
        close $f
        restart_server
        assert_equal one [r get t1]
        assert_equal $good [file size $path]
    }

    test "Corruption in the middle stops start-up with the file and offset" {
        r set c1 1
        r set c2 2
        r set c3 3
        set path [aofc_last_incr]
        aofc_kill9
        set f [open $path rb]
        set d [read $f]
        close $f
        set at [string first "c2" $d]
        set head [string range $d 0 [expr {$at - 1}]]
        # Break the bulk length framing of "c2" ($2 -> $5).
        set cmdstart [string last "*3\r\n" $head]
        set d [string replace $d [expr {$at - 3}] [expr {$at - 3}] 5]
        set f [open $path wb]
        puts -nonewline $f $d
        close $f
        restart_server 0 0
        set log [aofc_wait_exit]
        assert_match "*Bad file format reading the append only file [file tail $path] at offset $cmdstart*" $log
        # The file was not modified.
        assert_equal [string length $d] [file size $path]
    }
}

start_server {tags {aof persistence crash} overrides {appendonly yes}} {
    test "A manifest naming a missing file refuses start-up" {
        r set x 1
        aofc_kill9
        set f [open [file join [aofc_dir] appendonly.aof.manifest] a]
        puts $f "file appendonly.aof.9.incr.aof seq 9 type i"
        close $f
        restart_server 0 0
        set log [aofc_wait_exit]
        assert_match "*can't open the append log file appendonly.aof.9.incr.aof*" $log
    }

    test "A malformed manifest refuses start-up with the line" {
        set f [open [file join [aofc_dir] appendonly.aof.manifest] w]
        puts $f "file appendonly.aof.1.base.rdb seq 1 type b"
        puts $f "file appendonly.aof.1.incr.aof seq"
        close $f
        restart_server 0 0
        set log [aofc_wait_exit]
        assert_match "*invalid AOF manifest appendonly.aof.manifest at line 2*" $log
    }
}
