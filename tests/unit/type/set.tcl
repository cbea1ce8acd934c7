# set.tcl -- the set type: commands, error texts, encodings, RESP3 shapes.

# Reads <n> raw protocol lines from <rd> (in readraw mode), joined by spaces.
proc set_read_raw_lines {rd n} {
    set lines {}
    for {set i 0} {$i < $n} {incr i} {lappend lines [$rd read]}
    return [join $lines " "]
}

# Creates the set <key> with <members> (deleting it first).
proc set_create {key members} {
    r del $key
    if {[llength $members]} {r sadd $key {*}$members}
}

start_server {tags {set}} {
    r config set set-max-intset-entries 512

    test "SADD, SCARD, SISMEMBER, SMISMEMBER, SMEMBERS" {
        r del s
        assert_equal 3 [r sadd s 3 1 2]
        assert_equal 1 [r sadd s 2 5]
        assert_equal 0 [r sadd s 5]
        assert_equal {1 2 3 5} [r smembers s]
        assert_encoding intset s
        assert_equal 4 [r scard s]
        assert_equal 0 [r scard nokey]
        assert_equal 1 [r sismember s 1]
        assert_equal 0 [r sismember s 9]
        assert_equal 0 [r sismember s abc]
        assert_equal 0 [r sismember nokey 1]
        assert_equal {1 0 1} [r smismember s 1 9 2]
        assert_equal {0 0} [r smismember nokey 1 2]
        assert_equal {} [r smembers nokey]
        assert_error "ERR wrong number of arguments for 'sadd' command" {r sadd s}
        assert_error "ERR wrong number of arguments for 'smismember' command" {r smismember s}
    }

    test "SREM and the key is deleted when empty" {
        set_create s {1 2 3 a}
        assert_equal 2 [r srem s 1 9 a]
        assert_equal 0 [r srem s 1]
        assert_equal 0 [r srem nokey 1]
        assert_equal 2 [r srem s 2 3 2]
        assert_equal 0 [r exists s]
    }

    test "Intset holds only canonical int64 members" {
        foreach {member enc} {
            123 intset -5 intset 0 intset
            9223372036854775807 intset -9223372036854775808 intset
            9223372036854775808 hashtable 01 hashtable -0 hashtable
            +1 hashtable 1.0 hashtable " 1" hashtable abc hashtable
        } {
            r del s
            r sadd s $member
            assert_encoding $enc s
            assert_equal 1 [r sismember s $member]
        }
        set_create s {5 -9223372036854775808 9223372036854775807}
        assert_equal {-9223372036854775808 5 9223372036854775807} [r smembers s]
    }

    test "Intset to hashtable conversion" {
        set_create s {1 2 3}
        r sadd s abc
        assert_encoding hashtable s
        # Never back to an intset.
        r srem s abc
        assert_encoding hashtable s
        assert_equal {1 2 3} [lsort [r smembers s]]
        r config set set-max-intset-entries 3
        set_create s {1 2 3}
        assert_encoding intset s
        r sadd s 4
        assert_encoding hashtable s
        set_create s {1 2 3 4}
        assert_encoding hashtable s
        r config set set-max-intset-entries 0
        set_create s {1}
        assert_encoding hashtable s
        r config set set-max-intset-entries 512
    }

    test "WRONGTYPE errors" {
        r del s
        r set str v
        r sadd s 1
        foreach cmd {
            {sadd str 1} {srem str 1} {scard str} {sismember str 1}
            {smismember str 1} {smembers str} {srandmember str}
            {srandmember str 2} {spop str} {spop str 2} {smove str s 1}
            {smove s str 1} {sinter s str} {sinter nokey str}
            {sintercard 2 s str} {sinterstore d s str} {sunion s str}
            {sunionstore d s str} {sdiff s str} {sdiff nokey str}
            {sdiffstore d s str} {sscan str 0}
        } {
            assert_error "WRONGTYPE Operation against a key holding the wrong kind of value" [list r {*}$cmd]
        }
        assert_equal 0 [r smove nokey str 1]
        assert_equal v [r get str]
    }

    foreach {enc extra} {intset {} hashtable {a b c}} {
        test "SINTER, SUNION, SDIFF ($enc)" {
            set_create a [concat {1 2 3 4 5} $extra]
            set_create b [concat {3 4 5 6} $extra]
            set_create c {5 6 7}
            assert_equal [lsort [concat {3 4 5} $extra]] [lsort [r sinter a b]]
            assert_equal {5} [r sinter a b c]
            assert_equal {} [r sinter a nokey]
            assert_equal {} [r sinter nokey a]
            assert_equal [lsort [concat {1 2 3 4 5 6 7} $extra]] [lsort [r sunion a b c]]
            assert_equal [lsort [r smembers a]] [lsort [r sunion a nokey]]
            assert_equal {} [r sunion nokey]
            assert_equal {1 2} [lsort [r sdiff a b]]
            assert_equal {1 2} [lsort [r sdiff a b c]]
            assert_equal [lsort [concat {1 2 3 4} $extra]] [lsort [r sdiff a c]]
            assert_equal {} [r sdiff nokey a]
            assert_equal [lsort [r smembers a]] [lsort [r sdiff a nokey]]
            assert_equal {} [r sdiff a a]
            assert_equal {} [r sdiff a b a]
        }
    }

    test "STORE variants, result encodings and TTL" {
        set_create a {1 2 3 4 5}
        set_create b {3 4 5 6}
        set_create h {a b c 1 2 3}
        r set d x ex 100
        assert_equal 3 [r sinterstore d a b]
        assert_equal {3 4 5} [r smembers d]
        assert_encoding intset d
        assert_equal -1 [r ttl d]
        assert_equal 6 [r sunionstore d a b]
        assert_equal {1 2 3 4 5 6} [r smembers d]
        assert_encoding intset d
        assert_equal 2 [r sdiffstore d a b]
        assert_equal {1 2} [r smembers d]
        # The intersection of a hashtable and an intset is an intset.
        assert_equal 3 [r sinterstore d h a]
        assert_encoding intset d
        # Algorithm-dependent: a small diff of a large first set.
        assert_equal 3 [r sdiffstore d h a]
        assert_equal {a b c} [lsort [r smembers d]]
        # Empty results delete the destination.
        assert_equal 0 [r sinterstore d a nokey]
        assert_equal 0 [r exists d]
        r sadd d 1
        assert_equal 0 [r sdiffstore d a a]
        assert_equal 0 [r exists d]
        r sadd d 1
        assert_equal 0 [r sunionstore d nokey]
        assert_equal 0 [r exists d]
        # The destination may be a source, and of another type.
        assert_equal 6 [r sunionstore a a b]
        assert_equal {1 2 3 4 5 6} [r smembers a]
        r set str v
        assert_equal 6 [r sunionstore str a]
        assert_equal set [r type str]
        # Union into an intset converts past the limit.
        r config set set-max-intset-entries 4
        assert_equal 6 [r sunionstore d a]
        assert_encoding hashtable d
        r config set set-max-intset-entries 512
    }

    test "SINTERCARD" {
        set_create a {1 2 3 4 5}
        set_create b {3 4 5 6}
        set_create c {5 6 7}
        assert_equal 3 [r sintercard 2 a b]
        assert_equal 1 [r sintercard 3 a b c]
        assert_equal 5 [r sintercard 1 a]
        assert_equal 1 [r sintercard 2 a b limit 1]
        assert_equal 3 [r sintercard 2 a b limit 0]
        assert_equal 3 [r sintercard 2 a b LIMIT 10]
        assert_equal 0 [r sintercard 2 a nokey]
        assert_error "ERR numkeys should be greater than 0" {r sintercard 0 a}
        assert_error "ERR numkeys should be greater than 0" {r sintercard -1 a}
        assert_error "ERR numkeys should be greater than 0" {r sintercard x a}
        assert_error "ERR Number of keys can't be greater than number of args" {r sintercard 3 a b}
        assert_error "ERR LIMIT can't be negative" {r sintercard 1 a limit -1}
        assert_error "ERR LIMIT can't be negative" {r sintercard 1 a limit x}
        assert_error "ERR syntax error" {r sintercard 1 a foo}
        assert_error "ERR syntax error" {r sintercard 1 a limit}
        assert_equal {a b} [r command getkeys sintercard 2 a b limit 1]
    }

    test "SMOVE" {
        set_create a {1 2 3}
        set_create b {3 4}
        assert_equal 1 [r smove a b 1]
        assert_equal 0 [r smove a b 1]
        assert_equal 1 [r smove a b 3]
        assert_equal {2} [r smembers a]
        assert_equal {1 3 4} [r smembers b]
        assert_equal 1 [r smove a a 2]
        assert_equal 0 [r smove a a 9]
        assert_equal 0 [r smove nokey a 1]
        r del dst
        assert_equal 1 [r smove b dst 4]
        assert_encoding intset dst
        set_create m {x}
        assert_equal 1 [r smove m m2 x]
        assert_equal 0 [r exists m]
        assert_equal {x} [r smembers m2]
        assert_encoding hashtable m2
    }

    test "SPOP without count" {
        assert_equal {} [r spop nokey]
        set_create s {1 2 3}
        set popped {}
        for {set i 0} {$i < 3} {incr i} {lappend popped [r spop s]}
        assert_equal {1 2 3} [lsort $popped]
        assert_equal 0 [r exists s]
        assert_error "ERR syntax error" {r spop s 1 2}
    }

    foreach {enc n} {intset 100 hashtable 600} {
        test "SPOP with count ($enc)" {
            r del s
            for {set i 0} {$i < $n} {incr i} {r sadd s $i}
            assert_encoding $enc s
            set all [lsort -integer [r smembers s]]
            set popped {}
            # Few, many (most of the set) and then the rest.
            foreach count [list 3 [expr {$n - 10}] 1 100] {
                set res [r spop s $count]
                set expected [expr {min($count, $n - [llength $popped])}]
                assert_equal $expected [llength $res]
                lappend popped {*}$res
            }
            assert_equal 0 [r exists s]
            assert_equal $all [lsort -integer $popped]
        }
    }

    test "SPOP with count: errors and edge cases" {
        set_create s {1 2 3}
        assert_equal {} [r spop nokey 3]
        assert_equal {} [r spop s 0]
        assert_equal 3 [r scard s]
        assert_error "ERR value is out of range, must be positive" {r spop s -1}
        assert_error "ERR value is out of range, must be positive" {r spop s x}
    }

    test "SRANDMEMBER without count" {
        assert_equal {} [r srandmember nokey]
        set_create s {a b c}
        for {set i 0} {$i < 20} {incr i} {
            assert_match {[abc]} [r srandmember s]
        }
        assert_equal 3 [r scard s]
        assert_error "ERR syntax error" {r srandmember s 1 2}
    }

    test "SRANDMEMBER errors" {
        set_create s {1 2 3}
        assert_error "ERR value is not an integer or out of range" {r srandmember s x}
        assert_error "ERR value is out of range*" {r srandmember s -9223372036854775808}
        assert_equal {} [r srandmember nokey 3]
        assert_equal {} [r srandmember s 0]
    }

    foreach {enc n} {intset 50 hashtable 600} {
        test "SRANDMEMBER with count ($enc)" {
            r del s
            for {set i 0} {$i < $n} {incr i} {
                if {$enc eq "hashtable"} {r sadd s m$i} else {r sadd s $i}
            }
            assert_encoding $enc s
            set all [r smembers s]
            foreach count [list 1 5 [expr {$n/2}] [expr {$n - 1}] $n [expr {$n + 7}]] {
                set res [r srandmember s $count]
                set expected [expr {min($count, $n)}]
                assert_equal $expected [llength $res]
                assert_equal $expected [llength [lsort -unique $res]]
                foreach m $res {assert {[lsearch -exact $all $m] >= 0}}
            }
            set res [r srandmember s [expr {-3 * $n}]]
            assert_equal [expr {3 * $n}] [llength $res]
            foreach m $res {assert {[lsearch -exact $all $m] >= 0}}
            # Loose distribution check: every member seen in 40 draws each.
            assert_equal $n [llength [lsort -unique [r srandmember s [expr {-40 * $n}]]]]
            assert_equal $n [r scard s]
        }
    }

    test "RESP3 reply types" {
        set_create s {1 2}
        set rd [redis_deferring_client]
        $rd hello 3
        $rd read
        $rd readraw 1
        $rd smembers s
        assert_equal "~2 \$1 1 \$1 2" [set_read_raw_lines $rd 5]
        $rd smembers nokey
        assert_equal "~0" [$rd read]
        $rd sinter s nokey
        assert_equal "~0" [$rd read]
        $rd sunion s
        assert_equal "~2 \$1 1 \$1 2" [set_read_raw_lines $rd 5]
        $rd sdiff nokey s
        assert_equal "~0" [$rd read]
        $rd srandmember s 5
        assert_equal "*2 \$1 1 \$1 2" [set_read_raw_lines $rd 5]
        $rd srandmember s -1
        assert_equal "*1" [$rd read]
        $rd read
        $rd read
        $rd srandmember nokey 2
        assert_equal "*0" [$rd read]
        $rd srandmember nokey
        assert_equal "_" [$rd read]
        $rd spop nokey
        assert_equal "_" [$rd read]
        $rd spop nokey 2
        assert_equal "~0" [$rd read]
        $rd spop s 0
        assert_equal "~0" [$rd read]
        $rd spop s 1
        assert_equal "~1" [$rd read]
        $rd read
        $rd read
        $rd smismember nokey a
        assert_equal "*1 :0" [set_read_raw_lines $rd 2]
        $rd sismember s 1
        assert_equal ":[expr {[r sismember s 1]}]" [$rd read]
        $rd close
    }

    foreach {enc n} {intset 40 hashtable 1000} {
        test "SSCAN full iteration ($enc)" {
            r del s
            for {set i 0} {$i < $n} {incr i} {r sadd s $i}
            assert_encoding $enc s
            set cursor 0
            set seen {}
            set calls 0
            while 1 {
                lassign [r sscan s $cursor count 13] cursor items
                incr calls
                foreach m $items {dict set seen $m 1}
                if {$cursor == 0} break
            }
            assert_equal $n [dict size $seen]
            if {$enc eq "intset"} {assert_equal 1 $calls}
            set cursor 0
            set got {}
            while 1 {
                lassign [r sscan s $cursor match 1? count 100] cursor items
                lappend got {*}$items
                if {$cursor == 0} break
            }
            assert_equal {10 11 12 13 14 15 16 17 18 19} [lsort -unique $got]
        }
    }

    test "SSCAN errors and missing key" {
        set_create s {1 2}
        assert_equal {0 {}} [r sscan nokey 0]
        assert_error "ERR invalid cursor" {r sscan s x}
        assert_error "ERR syntax error" {r sscan s 0 count 0}
        assert_error "ERR syntax error" {r sscan s 0 bogus}
    }

    test "Big set (hashtable): every command" {
        r del big
        set n 2000
        for {set i 0} {$i < $n} {incr i} {lappend members m$i}
        assert_equal $n [r sadd big {*}$members]
        assert_encoding hashtable big
        assert_equal $n [r scard big]
        assert_equal 1 [r sismember big m1999]
        assert_equal [lsort $members] [lsort [r smembers big]]
        set_create small {m1 m2 zz}
        assert_equal {m1 m2} [lsort [r sinter big small]]
        assert_equal 1998 [r sdiffstore d big small]
        assert_equal 2001 [r sunionstore d big small]
        assert_equal 1 [r smove big small m3]
        assert_equal [expr {$n - 1}] [r scard big]
        assert_equal [expr {$n - 1}] [r srem big {*}$members]
        assert_equal 0 [r exists big]
    }

    test "Keyspace events of set commands" {
        r config set notify-keyspace-events KEA
        set_create a {1 2 3}
        r del b p
        set rd [redis_deferring_client]
        $rd psubscribe __keyevent@*
        $rd read
        r sadd a 4
        r sadd a 4
        r srem a 4
        r smove a b 1
        r sadd p 9
        r spop p
        r sinterstore d a a
        r sunionstore d a
        r sdiffstore d a b
        r sinterstore d nokey a
        r smove a b 2
        r spop b 10
        set events {}
        for {set i 0} {$i < 15} {incr i} {
            set ch [lindex [$rd read] 2]
            regsub {^__keyevent@[0-9]+__:} $ch {} ev
            lappend events $ev
        }
        assert_equal {sadd srem srem sadd sadd spop del sinterstore sunionstore sdiffstore del srem sadd spop del} $events
        $rd close
        r config set notify-keyspace-events ""
    }

    test "COPY and OBJECT of sets" {
        set_create a {1 2 3}
        set_create h {x y}
        r del a2 h2
        assert_equal 1 [r copy a a2]
        assert_equal 1 [r copy h h2]
        r sadd a2 4
        assert_equal 3 [r scard a]
        assert_encoding intset a2
        assert_encoding hashtable h2
        assert_equal {x y} [lsort [r smembers h2]]
        assert_equal set [r type a]
    }
}
