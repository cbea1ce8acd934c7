# rdb-interop.tcl -- RDB files and DUMP payloads exchanged with Debian's
# Redis 7.0 in both directions: our dumps pass redis-check-rdb and load in
# Redis with the same keys, values and TTLs; Redis's dumps load here.
# Types whose commands our server lacks (checked with COMMAND INFO) are
# left out. Debian's server always listens in plain TCP on 127.0.0.1.

source [file join $::tests_dir helpers reference.tcl]
set ::ref_check_bin /usr/bin/redis-check-rdb

# Starts Debian's redis-server on <dir>/<dbfile>; returns {pid client port log}.
proc ref_start {dir dbfile} {
    return [refsrv_start $dir --dbfilename $dbfile --appendonly no]
}

# 1 when the server behind client <c> knows command <name>.
proc has_command {c name} {
    set info [$c command info $name]
    return [expr {[llength $info] > 0 && [lindex $info 0] ne ""}]
}

# Fills the server behind <c> with every type both servers support, small
# and large encodings, some keys with TTLs.
proc interop_fill {c types} {
    $c set str:int 12345
    $c set str:neg -99999999999
    $c set str:embstr "hello world"
    $c set str:raw [string repeat "raw-string-" 10]
    $c set str:big [string repeat "0123456789" 5000]
    $c set str:bin "\x00\x01\xff binary \r\n"
    $c set str:ttl "expiring" px 500000
    $c rpush list:small a b c 1 2 3 -5 99999999999
    for {set i 0} {$i < 1000} {incr i} {$c rpush list:large "item-$i-[string repeat x [expr {$i % 50}]]"}
    $c rpush list:huge [string repeat L 10000] small
    $c hset hash:small f1 v1 f2 2 f3 [string repeat v 30]
    for {set i 0} {$i < 600} {incr i} {$c hset hash:large "field:$i" "value:$i"}
    $c hset hash:bigval f [string repeat V 100]
    $c sadd set:intset 1 2 3 -4 100000 70000000000
    for {set i 0} {$i < 600} {incr i} {$c sadd set:intlarge $i}
    $c sadd set:small a b c
    for {set i 0} {$i < 300} {incr i} {$c sadd set:large "member:$i"}
    $c pexpire set:small 400000
    $c pexpire hash:large 300000
    $c pexpire list:large 200000
    if {"zset" in $types} {
        $c zadd zset:small 1 a 2.5 b -3 c inf d
        for {set i 0} {$i < 300} {incr i} {$c zadd zset:large [expr {$i * 1.5}] "m$i"}
        $c pexpire zset:small 100000
    }
    $c select 3
    $c set db3:key "in db 3"
    $c select 0
}

start_server {tags {interop rdb}} {
    set types {}
    if {[has_command [srv 0 client] zadd]} {lappend types zset}
    set dir [srv 0 dir]

    test "Our dump passes redis-check-rdb" {
        interop_fill [srv 0 client] $types
        assert_equal OK [r save]
        set out [exec $::ref_check_bin [file join $dir dump.rdb] 2>@1]
        assert_match "*RDB looks OK*" $out
        assert_match "*Checksum OK*" $out
    }

    test "Our dump loads in Redis 7.0 with the same keys, values and TTLs" {
        set ours [dataset_snapshot [srv 0 client]]
        file copy -force [file join $dir dump.rdb] [file join $dir ours.rdb]
        set ref [ref_start $dir ours.rdb]
        set theirs [dataset_snapshot [lindex $ref 1]]
        refsrv_stop $ref
        dataset_compare $ours $theirs 2000
    }

    test "Our uncompressed dump loads in Redis 7.0 too" {
        r config set rdbcompression no
        r save
        r config set rdbcompression yes
        set ours [dataset_snapshot [srv 0 client]]
        file copy -force [file join $dir dump.rdb] [file join $dir ours2.rdb]
        assert_match "*RDB looks OK*" \
            [exec $::ref_check_bin [file join $dir ours2.rdb] 2>@1]
        set ref [ref_start $dir ours2.rdb]
        set theirs [dataset_snapshot [lindex $ref 1]]
        refsrv_stop $ref
        dataset_compare $ours $theirs 2000
    }

    test "A dump written by Redis 7.0 loads here" {
        file delete -force [file join $dir theirs.rdb]
        set ref [ref_start $dir theirs.rdb]
        set rc [lindex $ref 1]
        interop_fill $rc $types
        set theirs [dataset_snapshot $rc]
        assert_equal OK [$rc save]
        refsrv_stop $ref
        r flushall
        file copy -force [file join $dir theirs.rdb] [file join $dir dump.rdb]
        r debug reload nosave
        set ours [dataset_snapshot [srv 0 client]]
        dataset_compare $theirs $ours 2000
        assert_encoding listpack hash:small
        assert_encoding intset set:intset
        assert_encoding hashtable hash:large
        assert_encoding quicklist list:large
    }

    test "DUMP payloads restore across both servers" {
        set ref [ref_start $dir unused.rdb]
        set rc [lindex $ref 1]
        set keys {}
        foreach k [r keys *] {lappend keys $k}
        foreach k $keys {
            # Ours -> Redis.
            set p [r dump $k]
            $rc del $k
            assert_equal OK [$rc restore $k 0 $p]
            # Redis -> ours.
            set p2 [$rc dump $k]
            r restore back:$k 0 $p2
            assert_equal [r type $k] [r type back:$k]
            switch [r type $k] {
                string {assert_equal [r get $k] [r get back:$k]}
                list {assert_equal [r lrange $k 0 -1] [r lrange back:$k 0 -1]}
                set {assert_equal [lsort [r smembers $k]] [lsort [r smembers back:$k]]}
                hash {assert_equal [lsort [r hgetall $k]] [lsort [r hgetall back:$k]]}
                zset {assert_equal [r zrange $k 0 -1 withscores] [r zrange back:$k 0 -1 withscores]}
            }
            r del back:$k
        }
        # Redis accepts our payloads and sees the same values.
        set ours {}
        set theirs {}
        foreach k [lsort $keys] {
            if {[r type $k] eq "string"} {
                lappend ours [r get $k]
                lappend theirs [$rc get $k]
            }
        }
        assert_equal $ours $theirs
        refsrv_stop $ref
    }
}
