# rdb-interop-streams.tcl -- streams (type STREAM_LISTPACKS_2) in RDB files
# exchanged with Debian's Redis 7.0 both ways: our dumps pass
# redis-check-rdb and load in Redis 7.0 with the same entries, counters,
# groups, consumers and pending entries (times included); Redis 7.0's dumps
# load here the same way. The reference server helpers are those of
# rdb-interop.tcl, loaded from that file without running its tests.

source [file join $::tests_dir helpers reference.tcl]
source_matching interop/rdb-interop.tcl {"proc ref_*" "set ::ref_*"}

# Streams of every shape: several nodes, tombstones, trimmed heads, an
# emptied stream, groups with pending entries, idle consumers, NOACK reads,
# large (compressible) values.
proc srdb_fill {c} {
    $c xadd st:small 1-1 name alice age 30
    $c xadd st:small 1-2 name bob age 31
    $c xadd st:small 2-0 other field
    for {set i 1} {$i <= 700} {incr i} {
        $c xadd st:large $i-0 n $i s [string repeat x [expr {$i % 40}]]
    }
    for {set i 1} {$i <= 50} {incr i} {$c xadd st:tomb $i-$i f $i}
    $c xdel st:tomb 3-3 10-10 25-25 50-50
    $c xtrim st:tomb maxlen 40
    $c xadd st:empty 5-0 a 1
    $c xdel st:empty 5-0
    $c xgroup create st:empty g $
    $c xadd st:big 1-0 v [string repeat "compress me " 30]
    $c xadd st:big 2-0 v [string repeat "compress me " 30]
    for {set i 1} {$i <= 20} {incr i} {$c xadd st:groups $i-0 f $i}
    $c xgroup create st:groups g1 0
    $c xgroup create st:groups g2 $ entriesread 20
    $c xgroup create st:groups g3 5-0
    $c xreadgroup group g1 alice count 5 streams st:groups >
    $c xreadgroup group g1 bob count 3 streams st:groups >
    $c xreadgroup group g3 carol noack count 2 streams st:groups >
    $c xgroup createconsumer st:groups g2 idle
    $c xclaim st:groups g1 dave 0 2-0 retrycount 9 time 123456
    $c xack st:groups g1 1-0
    $c xdel st:groups 4-0
    $c xsetid st:groups 30-0 entriesadded 25 maxdeletedid 21-0
    $c pexpire st:small 500000
}

# Everything RDB keeps of each stream key of <c>.
proc srdb_snapshot {c} {
    set out {}
    foreach k [lsort [$c keys st:*]] {
        lappend out $k [$c xinfo stream $k full count 0] [$c xinfo groups $k]
        lappend out [expr {[$c pttl $k] > 0}]
    }
    return $out
}

if {![file executable $::refsrv_bin]} {
    ::report skip "stream RDB interop" "$::refsrv_bin not installed"
    return
}

start_server {tags {interop rdb stream external:skip}} {
    set dir [srv 0 dir]

    test "Our dump with streams passes redis-check-rdb and loads in Redis 7.0" {
        srdb_fill [srv 0 client]
        foreach comp {yes no} {
            r config set rdbcompression $comp
            assert_equal OK [r save]
            set out [exec $::ref_check_bin [file join $dir dump.rdb] 2>@1]
            assert_match "*RDB looks OK*" $out
            set ours [srdb_snapshot [srv 0 client]]
            file copy -force [file join $dir dump.rdb] [file join $dir ours-$comp.rdb]
            set ref [ref_start $dir ours-$comp.rdb]
            set theirs [srdb_snapshot [lindex $ref 1]]
            refsrv_stop $ref
            assert_equal $ours $theirs
        }
        r config set rdbcompression yes
    }

    test "A dump with streams written by Redis 7.0 loads here" {
        file delete -force [file join $dir theirs.rdb]
        set ref [ref_start $dir theirs.rdb]
        set rc [lindex $ref 1]
        srdb_fill $rc
        set theirs [srdb_snapshot $rc]
        assert_equal OK [$rc save]
        refsrv_stop $ref
        r flushall
        file copy -force [file join $dir theirs.rdb] [file join $dir dump.rdb]
        r debug reload nosave
        assert_equal $theirs [srdb_snapshot [srv 0 client]]
        assert_encoding stream st:large
    }
}
