# sort.tcl -- SORT and SORT_RO: ordering, BY/GET patterns, LIMIT, STORE,
# errors, the constant-BY fast path, key extraction.  Written to pass on
# Redis 7.0 as well (REDIS_SERVER_BIN=/usr/bin/redis-server).

# Fills list "tosort" with the ids 0..<n>-1 in a shuffled order, sets
# weight_<id> and wobj_<id> (hash field "weight") to a per-id weight and
# returns the ids in the order of those weights.
proc sort_fixture {n} {
    r del tosort
    set ids {}
    for {set i 0} {$i < $n} {incr i} {lappend ids $i}
    # A fixed permutation so the test is reproducible.
    set shuffled {}
    foreach i $ids {lappend shuffled [list [expr {($i * 7919) % 1009}] $i]}
    set pairs {}
    foreach p [lsort -integer -index 0 $shuffled] {
        set id [lindex $p 1]
        r rpush tosort $id
        # Distinct weights, not in the order of the ids.
        set w [expr {(($id * 37) % $n) + 0.5}]
        r set weight_$id $w
        r hset wobj_$id weight $w
        lappend pairs [list $w $id]
    }
    set res {}
    foreach p [lsort -real -index 0 $pairs] {lappend res [lindex $p 1]}
    return $res
}

start_server {tags {sort}} {
    test "SORT of a list, numeric ascending and DESC" {
        r del l
        r rpush l 3 1 2 10 -5 2.5
        assert_equal {-5 1 2 2.5 3 10} [r sort l]
        assert_equal {10 3 2.5 2 1 -5} [r sort l desc]
        assert_equal {-5 1 2 2.5 3 10} [r sort l asc]
        assert_equal {10 3 2.5 2 1 -5} [r sort_ro l desc]
    }

    test "SORT ALPHA orders by bytes (C locale) and DESC reverses" {
        r del l
        r rpush l banana apple cherry 10 9
        assert_equal {10 9 apple banana cherry} [r sort l alpha]
        assert_equal {cherry banana apple 9 10} [r sort l alpha desc]
    }

    test "SORT of sets in the intset and hashtable encodings" {
        r del s1 s2
        r sadd s1 5 3 9 1 -2
        assert_encoding intset s1
        assert_equal {-2 1 3 5 9} [r sort s1]
        set members {}
        for {set i 0} {$i < 300} {incr i} {lappend members [expr {$i * 3 % 301}]}
        r sadd s2 {*}$members foo
        r srem s2 foo
        assert_encoding hashtable s2
        assert_equal [lsort -integer $members] [r sort s2]
        assert_equal [lsort -decreasing -integer $members] [r sort s2 desc]
    }

    test "SORT of a sorted set sorts the members, not the scores" {
        r del z
        r zadd z 1 30 2 10 3 20
        assert_equal {10 20 30} [r sort z]
        assert_equal {30 20 10} [r sort z desc]
    }

    test "SORT converts a listpack sorted set to a skiplist (as Redis 7.0)" {
        r del z
        r zadd z 1 a 2 b
        assert_encoding listpack z
        r sort z alpha
        assert_encoding skiplist z
    }

    test "SORT BY a key pattern" {
        set expected [sort_fixture 50]
        assert_equal $expected [r sort tosort by weight_*]
        assert_equal [lreverse $expected] [r sort tosort by weight_* desc]
    }

    test "SORT BY a hash field pattern" {
        set expected [sort_fixture 50]
        assert_equal $expected [r sort tosort by wobj_*->weight]
        assert_equal $expected [r sort_ro tosort by wobj_*->weight]
    }

    test "SORT BY with missing keys sorts them as 0, ties broken by element" {
        r flushall
        r rpush l 30 10 20 40
        r set w_40 -1
        r set w_20 1
        assert_equal {40 10 30 20} [r sort l by w_*]
        assert_equal {20 30 10 40} [r sort l by w_* desc]
    }

    test "SORT BY ALPHA compares the BY values, missing ones first" {
        r flushall
        r rpush l 1 2 3 4
        r set w_1 delta
        r set w_2 alpha
        r set w_4 charlie
        assert_equal {3 2 4 1} [r sort l by w_* alpha]
        assert_equal {1 4 2 3} [r sort l by w_* alpha desc]
    }

    test "SORT GET patterns: #, keys, hash fields, missing values" {
        r flushall
        r rpush l 2 1 3
        r mset v_1 one v_2 two
        r hset h_1 f x1
        r hset h_3 f x3
        assert_equal {1 one x1 2 two {} 3 {} x3} \
            [r sort l get # get v_* get h_*->f]
        # Without '*' a GET names no key: always a null.
        assert_equal {{} {} {}} [r sort l get v_1]
        # A key of the wrong type is a null too.
        r rpush v_3 notastring
        assert_equal {one two {}} [r sort l get v_*]
        # A hash pattern without a field reads the key as a string.
        assert_equal {{} {} {}} [r sort l get h_*]
        assert_equal {{} {} {}} [r sort l get h_*->]
    }

    test "SORT GET returns RESP3 nulls for missing values" {
        r flushall
        r rpush l 1
        r hello 3
        r readraw 1
        set lines [list [r sort l get nokey_* get #]]
        lappend lines [[srv 0 client] read] [[srv 0 client] read] \
            [[srv 0 client] read]
        r readraw 0
        r hello 2
        assert_equal {*2 _ {$1} 1} $lines
    }

    test "SORT LIMIT" {
        r flushall
        r rpush l 5 4 3 2 1 0
        assert_equal {0 1 2 3 4 5} [r sort l limit 0 -1]
        assert_equal {1 2} [r sort l limit 1 2]
        assert_equal {0 1} [r sort l limit -5 2]
        assert_equal {4 5} [r sort l limit 4 10]
        assert_equal {} [r sort l limit 6 1]
        assert_equal {} [r sort l limit 100 1]
        assert_equal {} [r sort l limit 0 0]
        assert_equal {3 4 5} [r sort l limit 3 9223372036854775807]
        assert_equal {5 4} [r sort l limit 0 2 desc]
        assert_equal {0 1 2} [r sort l limit -9223372036854775808 3]
    }

    test "SORT BY a constant keeps the natural order of lists" {
        r flushall
        r rpush l 3 1 2 5 4
        assert_equal {3 1 2 5 4} [r sort l by nosort]
        assert_equal {4 5 2 1 3} [r sort l by nosort desc]
        assert_equal {1 2} [r sort l by nosort limit 1 2]
        assert_equal {5 2} [r sort l by nosort desc limit 1 2]
        assert_equal {} [r sort l by nosort limit 10 -1]
        assert_equal {2 5 4} [r sort l by nosort limit 2 -1]
        assert_equal {3 1 2 5 4} [r sort l by nosort get #]
        # A later real pattern does not undo the constant one.
        r mset w_3 0 w_1 9
        assert_equal {3 1 2 5 4} [r sort l by nosort by w_*]
    }

    test "SORT BY a constant returns sorted sets in score order" {
        r flushall
        r zadd z 3 c 1 a 2 b 4 d
        assert_equal {a b c d} [r sort z by nosort]
        assert_equal {d c b a} [r sort z by nosort desc]
        assert_equal {b c} [r sort z by nosort limit 1 2]
        assert_equal {c b} [r sort z by nosort desc limit 1 2]
        assert_equal {d} [r sort z by nosort limit 3 5]
    }

    test "SORT BY a constant with STORE sorts a set ALPHA" {
        r flushall
        r sadd s c a d b 10 9
        assert_equal 6 [r sort s by nosort store dst]
        assert_equal {10 9 a b c d} [r lrange dst 0 -1]
        # Without STORE the set keeps its own (unspecified) order.
        assert_equal {10 9 a b c d} [lsort [r sort s by nosort]]
    }

    test "SORT STORE creates a list and replies its length" {
        r flushall
        r rpush l 3 1 2
        r set dst old
        r expire dst 100
        assert_equal 3 [r sort l store dst]
        assert_equal {1 2 3} [r lrange dst 0 -1]
        assert_equal list [r type dst]
        assert_encoding quicklist dst
        assert_equal -1 [r ttl dst]
        # Missing GET values are stored as empty strings.
        r set v_2 two
        assert_equal 6 [r sort l get # get v_* store dst]
        assert_equal {1 {} 2 two 3 {}} [r lrange dst 0 -1]
    }

    test "SORT STORE of an empty result deletes the destination" {
        r flushall
        r rpush l 1 2
        r set dst x
        assert_equal 0 [r sort l limit 5 5 store dst]
        assert_equal 0 [r exists dst]
        assert_equal 0 [r sort nokey store dst]
        assert_equal 0 [r exists dst]
    }

    test "SORT STORE can overwrite its own source" {
        r flushall
        r rpush l 3 1 2
        assert_equal 3 [r sort l desc store l]
        assert_equal {3 2 1} [r lrange l 0 -1]
    }

    test "SORT STORE ALPHA compares bytes" {
        r flushall
        r rpush l b B a A _
        r sort l alpha store dst
        assert_equal {A B _ a b} [r lrange dst 0 -1]
    }

    test "SORT of a missing key is an empty array" {
        r flushall
        assert_equal {} [r sort nokey]
        assert_equal {} [r sort_ro nokey by w_* get #]
    }

    test "SORT errors" {
        r flushall
        r rpush l 1 abc 2
        assert_error "ERR One or more scores can't be converted into double" {r sort l}
        assert_equal {1 2 abc} [r sort l alpha]
        assert_equal {1 abc 2} [r sort l by nosort]
        r del l
        r rpush l 1 nan
        assert_error "ERR One or more scores*" {r sort l}
        r del l
        r rpush l 1 inf -inf
        assert_equal {-inf 1 inf} [r sort l]
        r set str x
        assert_error "WRONGTYPE*" {r sort str}
        r hset hash f v
        assert_error "WRONGTYPE*" {r sort hash}
        assert_error "ERR syntax error" {r sort l foo}
        assert_error "ERR syntax error" {r sort l limit 1}
        assert_error "ERR syntax error" {r sort l by}
        assert_error "ERR syntax error" {r sort l get}
        assert_error "ERR syntax error" {r sort l store}
        assert_error "ERR value is not an integer or out of range" {r sort l limit a 1}
        # Options are checked before the key's type.
        assert_error "ERR value is not an integer or out of range" {r sort str limit 0 x}
        assert_error "ERR syntax error" {r sort_ro l store dst}
        assert_equal 0 [r exists dst]
        assert_error "*wrong number of arguments*" {r sort}
    }

    test "SORT numeric: strtod syntax, ties broken by the element bytes" {
        r flushall
        r rpush l 010 10 1.0 1 " 2" 0x3
        assert_equal {1 1.0 { 2} 0x3 010 10} [r sort l]
    }

    test "SORT STORE fires the sortstore event" {
        r flushall
        r config set notify-keyspace-events KEA
        set rd [redis_deferring_client]
        $rd psubscribe __keyevent@*
        $rd read
        r rpush l 1
        r sort l store dst
        assert_equal {pmessage __keyevent@* __keyevent@0__:rpush l} [$rd read]
        assert_equal {pmessage __keyevent@* __keyevent@0__:sortstore dst} [$rd read]
        $rd close
        r config set notify-keyspace-events ""
    }

    test "SORT inside MULTI/EXEC" {
        r flushall
        r rpush l 2 1
        r multi
        r sort l store dst
        r sort l desc
        assert_equal {2 {2 1}} [r exec]
    }

    test "SORT and SORT_RO key extraction and flags" {
        assert_equal {a c} [r command getkeys sort a by x store b limit 0 1 store c]
        assert_equal {a} [r command getkeys sort a limit store b]
        assert_equal {a b} [r command getkeys sort a get # store b]
        assert_equal {a} [r command getkeys sort_ro a by x get y]
        set info [lindex [r command info sort] 0]
        assert_equal -2 [lindex $info 1]
        assert_equal {write denyoom movablekeys} [lindex $info 2]
        set info [lindex [r command info sort_ro] 0]
        assert_equal {readonly movablekeys} [lindex $info 2]
    }

    # Kept last: Redis 7.0 does not clear errno before strtod, so after an
    # overflow its later numeric SORTs on the same connection can fail too.
    test "SORT refuses numeric values out of the double range" {
        r flushall
        r rpush l 1 1e400
        assert_error "ERR One or more scores*" {r sort l}
    }
}
