# check-tools.tcl -- our src/redis-check-rdb and src/redis-check-aof on
# files written by the server under test: sound, cut short at many points
# and with a damaged byte, their reports compared line for line with
# Debian's redis-check-rdb and redis-check-aof (Redis 7.0); --fix of a
# truncated AOF gives the file Redis's tool gives, and it loads.

set ::our_check_rdb [file join $::tests_dir .. src redis-check-rdb]
set ::our_check_aof [file join $::tests_dir .. src redis-check-aof]

# Output and exit status of a program, whatever the status.
proc ct_run {args} {
    set code [catch {exec {*}$args 2>@1} out opts]
    regsub {\n?child process exited abnormally$} $out {} out
    set status 0
    if {$code} {set status [lindex [dict get $opts -errorcode] 2]}
    return [list $out $status]
}

# Asserts both tools report the same on <path> (paths in the text are the
# same since both get the same argument).
proc ct_same {ours theirs args} {
    set a [ct_run $ours {*}$args]
    set b [ct_run $theirs {*}$args]
    assert_equal $a $b "[file tail $ours] $args"
    return $a
}

# The parts of an AOF report that scripts and --fix depend on: every line
# but the one describing the damage ("0x...: ..."), and the
# "AOF analyzed" line without ok_up_to_line (Redis's count of lines there
# depends on how its reads fail, not on the file).
proc ct_aof_summary {res} {
    lassign $res out status
    set keep {}
    foreach line [split $out "\n"] {
        if {[string match "0x*: *" $line]} continue
        regsub {, ok_up_to_line=[0-9]+} $line {} line
        lappend keep $line
    }
    return [list [join $keep "\n"] $status]
}

proc ct_same_aof {args} {
    set a [ct_aof_summary [ct_run $::our_check_aof {*}$args]]
    set b [ct_aof_summary [ct_run /usr/bin/redis-check-aof {*}$args]]
    assert_equal $a $b "redis-check-aof $args"
    return $a
}

proc ct_copy_prefix {src dst n} {
    set f [open $src r]
    fconfigure $f -translation binary
    set data [read $f $n]
    close $f
    set f [open $dst w]
    fconfigure $f -translation binary
    puts -nonewline $f $data
    close $f
}

start_server {tags {tools check}} {
    r select 0
    r flushall
    r set str "hello"
    r set int 12345
    r set big [string repeat "compressible " 200]
    r rpush list a b c 1 2 3
    for {set i 0} {$i < 300} {incr i} {r rpush biglist "element-$i"}
    r hset hash f1 v1 f2 v2
    r sadd intset 1 2 3
    r sadd set x y z
    r zadd zset 1 a 2.5 b
    r set withttl v px 1000000
    r select 3
    r set other-db 1
    r select 0
    r save
    set rdb [file join [srv 0 dir] dump.rdb]

    test "redis-check-rdb: a sound dump is reported as Redis 7.0's tool reports it" {
        lassign [ct_same $::our_check_rdb /usr/bin/redis-check-rdb $rdb] out status
        assert_equal 0 $status
        assert_match "*Checksum OK*RDB looks OK!*keys read*1 expires*" $out
    }

    test "redis-check-rdb: files cut short and damaged give Redis 7.0's reports" {
        set size [file size $rdb]
        set cut [file join $::tmp_root "ct-cut-[pid].rdb"]
        foreach n [list 0 5 9 10 30 100 200 [expr {$size / 3}] [expr {$size / 2}] \
                       [expr {$size - 20}] [expr {$size - 8}] [expr {$size - 1}]] {
            ct_copy_prefix $rdb $cut $n
            lassign [ct_same $::our_check_rdb /usr/bin/redis-check-rdb $cut] out status
            if {$n > 0} {assert_equal 1 $status "cut at $n"}
        }
        # Many more cuts: some fall between two keys (Redis's report names
        # no type), inside a SELECTDB or RESIZEDB length, or inside the
        # value of a key with an expire (not counted yet). Every byte of
        # the header, around the key with a TTL and the tail (SELECTDB of
        # db 3, EOF, checksum), a stride in between (every byte of the
        # whole file took 65 s here).
        set f [open $rdb rb]
        set ttlkey [string first withttl [read $f]]
        close $f
        for {set n 1} {$n < $size} {incr n} {
            if {$n > 120 && $n < $size - 48 && $n % 13 != 0 &&
                abs($n - $ttlkey) > 24} continue
            ct_copy_prefix $rdb $cut $n
            ct_same $::our_check_rdb /usr/bin/redis-check-rdb $cut
        }
        # One damaged byte in the checksum, then one in the middle.
        foreach off [list [expr {$size - 3}] [expr {$size / 2}]] {
            file copy -force $rdb $cut
            set f [open $cut r+]
            fconfigure $f -translation binary
            seek $f $off
            set b [read $f 1]
            binary scan $b c v
            seek $f $off
            puts -nonewline $f [binary format c [expr {$v ^ 0x5a}]]
            close $f
            lassign [ct_run $::our_check_rdb $cut] out status
            assert_equal 1 $status "byte $off damaged"
            assert_match "*RDB ERROR DETECTED*" $out
        }
        file delete $cut
        lassign [ct_run $::our_check_rdb /nonexistent.rdb] out status
        assert_equal 1 $status
    }
}

start_server {tags {tools check} overrides {appendonly yes appendfsync always}} {
    r select 0
    r set a 1
    r rpush l x y z
    r multi
    r incr a
    r incr a
    r exec
    r hset h f v
    set dir [file join [srv 0 dir] appendonlydir]
    set manifest [lindex [glob -directory $dir *.manifest] 0]
    set incr [lindex [lsort [glob -directory $dir *.incr.aof]] end]

    test "redis-check-aof: a multi-part AOF is reported as Redis 7.0's tool reports it" {
        lassign [ct_same $::our_check_aof /usr/bin/redis-check-aof $manifest] out status
        assert_equal 0 $status
        assert_match "*Start checking Multi Part AOF*All AOF files and manifest are valid*" $out
        foreach f [glob -directory $dir *.aof *.rdb] {
            ct_same $::our_check_aof /usr/bin/redis-check-aof $f
        }
    }

    test "redis-check-aof: truncated tails (inside MULTI too) give Redis 7.0's verdicts" {
        set copydir [file join $::tmp_root "ct-aof-[pid]"]
        file delete -force $copydir
        file copy $dir $copydir
        set cman [file join $copydir [file tail $manifest]]
        set cincr [file join $copydir [file tail $incr]]
        set size [file size $incr]
        for {set n [expr {$size - 1}]} {$n > $size - 60 && $n > 0} {incr n -3} {
            ct_copy_prefix $incr $cincr $n
            lassign [ct_same_aof $cman] out status
            assert_equal 1 $status "cut at $n"
            ct_same_aof $cincr
        }
        file delete -force $copydir
    }

    test "redis-check-aof --fix truncates as Redis 7.0's tool does, and the result loads" {
        set ours [file join $::tmp_root "ct-fix-ours-[pid].aof"]
        set theirs [file join $::tmp_root "ct-fix-theirs-[pid].aof"]
        set size [file size $incr]
        ct_copy_prefix $incr $ours [expr {$size - 7}]
        ct_copy_prefix $incr $theirs [expr {$size - 7}]
        set a [ct_aof_summary [list [exec $::our_check_aof --fix $ours << "y\n"] 0]]
        set b [ct_aof_summary [list [exec /usr/bin/redis-check-aof --fix $theirs << "y\n"] 0]]
        assert_equal [string map [list $ours F] $a] [string map [list $theirs F] $b]
        assert_match "*Successfully truncated AOF*" $a
        assert_equal [file size $theirs] [file size $ours]
        lassign [ct_run $::our_check_aof $ours] out status
        assert_equal 0 $status
        # Saying no leaves the file alone.
        ct_copy_prefix $incr $ours [expr {$size - 7}]
        lassign [ct_run $::our_check_aof --fix $ours << "n\n"] out status
        assert_equal 1 $status
        assert_equal [expr {$size - 7}] [file size $ours]
        file delete $ours $theirs
    }

    test "redis-check-aof: a fixed multi-part AOF loads in the server" {
        r hset h f2 v2
        r set last yes
        set size [file size $incr]
        # The server is stopped before its files are cut and fixed.
        kill_server
        ct_copy_prefix $incr $incr [expr {$size - 5}]
        set out [exec $::our_check_aof --fix $manifest << "y\n"]
        assert_match "*Successfully truncated AOF*All AOF files and manifest are valid*" $out
        restart_server
        assert_equal 3 [r get a]
        assert_equal v2 [r hget h f2]
        assert_equal {} [r get last]
    }
}
