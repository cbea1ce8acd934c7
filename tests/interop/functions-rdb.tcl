# functions-rdb.tcl -- function libraries exchanged with Debian's Redis 7.0:
# through RDB files (the FUNCTION2 opcode) in both directions, through
# FUNCTION DUMP / FUNCTION RESTORE payloads in both directions, and kept by
# our AOF (as commands, and in an RDB preamble after a rewrite). Debian's
# server listens in plain TCP on 127.0.0.1.

source [file join $::tests_dir helpers reference.tcl]
set ::fr_check_bin /usr/bin/redis-check-rdb

set ::fr_lib1 "#!lua name=lib1
redis.register_function{function_name='hello', callback=function(keys, args) return 'hi ' .. args\[1\] end, flags={'no-writes'}, description='greets'}
redis.register_function('bump', function(keys) return redis.call('incr', keys\[1\]) end)"
set ::fr_lib2 "#!lua name=lib2
local function helper(x) return x * 2 end
redis.register_function('double', function(keys, args) return helper(tonumber(args\[1\])) end)"

# Starts Debian's redis-server on <dir>/<dbfile>; returns {pid client port log}.
proc fr_ref_start {dir dbfile} {
    return [refsrv_start $dir --dbfilename $dbfile --appendonly no]
}

# The sorted library names of FUNCTION LIST on client <c>.
proc fr_libs {c} {
    set names {}
    foreach lib [$c function list] {
        lappend names [dict get $lib library_name]
    }
    return [lsort $names]
}

# Checks that the two libraries work on client <c>.
proc fr_check_libs {c} {
    assert_equal {lib1 lib2} [fr_libs $c]
    assert_equal {hi you} [$c fcall_ro hello 0 you]
    assert_equal 1 [$c fcall bump 1 fr:counter]
    assert_equal 42 [$c fcall double 0 21]
    set flags {}
    foreach lib [$c function list libraryname lib1] {
        foreach f [dict get $lib functions] {
            if {[dict get $f name] eq "hello"} {
                set flags [dict get $f flags]
                assert_equal greets [dict get $f description]
            }
        }
    }
    assert_equal {no-writes} $flags
}

if {![file executable $::refsrv_bin]} {
    ::report skip "functions RDB interop" "$::refsrv_bin not installed"
    return
}

start_server {tags {interop functions rdb}} {
    set dir [srv 0 dir]

    test "Our RDB with function libraries passes redis-check-rdb and loads in Redis 7.0" {
        r flushall
        r function flush
        r function load $::fr_lib1
        r function load $::fr_lib2
        r set plain value
        r save
        file copy -force [file join $dir dump.rdb] [file join $dir ours.rdb]
        set out [exec $::fr_check_bin [file join $dir ours.rdb] 2>@1]
        assert_match {*RDB looks OK*} $out
        set ref [fr_ref_start $dir ours.rdb]
        set c [lindex $ref 1]
        catch {fr_check_libs $c} err
        assert_equal value [$c get plain]
        refsrv_stop $ref
        if {$err ne ""} {fail $err}
    }

    test "Redis 7.0's RDB with function libraries loads here" {
        set ref [fr_ref_start $dir theirs-src.rdb]
        set c [lindex $ref 1]
        $c function flush
        $c function load $::fr_lib1
        $c function load $::fr_lib2
        $c set plain theirs
        $c save
        refsrv_stop $ref
        r function flush
        r function load "#!lua name=stale\nredis.register_function('stale', function() return 1 end)"
        file copy -force [file join $dir theirs-src.rdb] [file join $dir dump.rdb]
        r debug reload nosave
        # A loaded dataset replaces the libraries.
        fr_check_libs [srv 0 client]
        assert_equal theirs [r get plain]
        assert_error {*Function not found*} {r fcall stale 0}
    }

    test "FUNCTION DUMP payloads restore in both directions" {
        set ref [fr_ref_start $dir refdump.rdb]
        set c [lindex $ref 1]
        $c function flush
        $c function load $::fr_lib1
        $c function load $::fr_lib2
        set theirs [$c function dump]
        r function flush
        assert_equal OK [r function restore $theirs]
        r del fr:counter
        fr_check_libs [srv 0 client]
        assert_error {*already exists*} {r function restore $theirs}
        assert_equal OK [r function restore $theirs replace]
        set ours [r function dump]
        assert_equal OK [$c function restore $ours flush]
        $c del fr:counter
        catch {fr_check_libs $c} err
        refsrv_stop $ref
        if {$err ne ""} {fail $err}
        # A damaged payload changes nothing.
        set bad [string replace $ours end end [format %c [expr {([scan [string index $ours end] %c] + 1) % 256}]]]
        assert_error {*payload version or checksum are wrong*} {r function restore $bad flush}
        assert_equal {lib1 lib2} [fr_libs [srv 0 client]]
        assert_error {*payload version or checksum are wrong*} {r function restore short}
        assert_error {*Wrong restore policy*} {r function restore $ours nope}
    }
}

start_server {tags {functions aof} overrides {appendonly yes}} {
    test "The AOF keeps function libraries across restarts and rewrites" {
        r function load $::fr_lib1
        r function load $::fr_lib2
        r function delete lib2
        r function load $::fr_lib2
        restart_server
        r del fr:counter
        fr_check_libs [srv 0 client]
        r config set aof-use-rdb-preamble no
        r bgrewriteaof
        wait_for_condition 500 20 {
            [s aof_rewrite_in_progress] == 0 && [s aof_rewrite_scheduled] == 0
        } else {
            fail "AOF rewrite did not finish"
        }
        restart_server
        r del fr:counter
        fr_check_libs [srv 0 client]
        r config set aof-use-rdb-preamble yes
        r bgrewriteaof
        wait_for_condition 500 20 {
            [s aof_rewrite_in_progress] == 0 && [s aof_rewrite_scheduled] == 0
        } else {
            fail "AOF rewrite did not finish"
        }
        restart_server
        r del fr:counter
        fr_check_libs [srv 0 client]
    }
}
