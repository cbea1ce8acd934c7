# hash.tcl -- the hash type: commands, error texts, encodings, RESP3 shapes.

# Reads one raw reply of client <rd> (in readraw mode) and its elements,
# flattened to a list of protocol lines.
proc hash_read_raw_lines {rd n} {
    set lines {}
    for {set i 0} {$i < $n} {incr i} {lappend lines [$rd read]}
    return [join $lines " "]
}

start_server {tags {hash}} {
    r config set hash-max-listpack-entries 128
    r config set hash-max-listpack-value 64

    test "HSET, HGET, HLEN, HEXISTS, HSTRLEN" {
        r del h
        assert_equal 3 [r hset h a 1 b 2 c hello]
        assert_equal 1 [r hset h a 10 d 4]
        assert_equal 10 [r hget h a]
        assert_equal hello [r hget h c]
        assert_equal {} [r hget h nofield]
        assert_equal {} [r hget nokey a]
        assert_equal 4 [r hlen h]
        assert_equal 0 [r hlen nokey]
        assert_equal 1 [r hexists h a]
        assert_equal 0 [r hexists h nofield]
        assert_equal 0 [r hexists nokey a]
        assert_equal 5 [r hstrlen h c]
        assert_equal 2 [r hstrlen h a]
        assert_equal 0 [r hstrlen h nofield]
        assert_equal 0 [r hstrlen nokey a]
        r hset h neg -123456789
        assert_equal 10 [r hstrlen h neg]
    }

    test "HSET / HMSET arity and HMSET reply" {
        assert_error "ERR wrong number of arguments for 'hset' command" {r hset h a}
        assert_error "ERR wrong number of arguments for 'hset' command" {r hset h a 1 b}
        assert_error "ERR wrong number of arguments for 'hmset' command" {r hmset h a 1 b}
        assert_equal OK [r hmset h x 1 y 2]
        assert_equal {1 2} [r hmget h x y]
    }

    test "HSETNX" {
        r del h
        assert_equal 1 [r hsetnx h a 1]
        assert_equal 0 [r hsetnx h a 2]
        assert_equal 1 [r hget h a]
        # A refused HSETNX with a long value does not convert the hash.
        assert_equal 0 [r hsetnx h a [string repeat x 200]]
        assert_encoding listpack h
    }

    test "HMGET on missing key and fields" {
        r del h
        r hset h a 1 b 2
        assert_equal {1 {} 2} [r hmget h a nofield b]
        assert_equal {{} {}} [r hmget nokey a b]
    }

    test "HDEL and the key is deleted when empty" {
        r del h
        r hset h a 1 b 2 c 3
        assert_equal 2 [r hdel h a b nofield]
        assert_equal 0 [r hdel h a]
        assert_equal 0 [r hdel nokey a]
        assert_equal 1 [r hdel h c c]
        assert_equal 0 [r exists h]
    }

    test "HKEYS, HVALS, HGETALL keep insertion order in a listpack" {
        r del h
        r hset h z 1 a 2 m 3
        assert_encoding listpack h
        assert_equal {z a m} [r hkeys h]
        assert_equal {1 2 3} [r hvals h]
        assert_equal {z 1 a 2 m 3} [r hgetall h]
        assert_equal {} [r hkeys nokey]
        assert_equal {} [r hvals nokey]
        assert_equal {} [r hgetall nokey]
    }

    test "Binary and empty fields and values" {
        r del h
        r hset h "a b\r\nc" "\x00\xff" "" ""
        assert_equal "\x00\xff" [r hget h "a b\r\nc"]
        assert_equal {} [r hget h ""]
        assert_equal 1 [r hexists h ""]
        assert_equal 2 [r hlen h]
    }

    test "Integer-looking fields are stored as numbers and read back as text" {
        r del h
        r hset h 0 a -1 b 10 c 007 d 9223372036854775807 e
        assert_equal {0 -1 10 007 9223372036854775807} [r hkeys h]
        assert_equal d [r hget h 007]
        assert_equal {} [r hget h 7]
        assert_equal e [r hget h 9223372036854775807]
    }

    test "WRONGTYPE errors" {
        r del h
        r set str v
        foreach cmd {
            {hset str a 1} {hsetnx str a 1} {hget str a} {hmset str a 1}
            {hmget str a} {hdel str a} {hlen str} {hstrlen str a}
            {hexists str a} {hincrby str a 1} {hincrbyfloat str a 1}
            {hkeys str} {hvals str} {hgetall str} {hrandfield str}
            {hrandfield str 2} {hscan str 0}
        } {
            assert_error "WRONGTYPE Operation against a key holding the wrong kind of value" [list r {*}$cmd]
        }
        assert_equal v [r get str]
    }

    test "HINCRBY" {
        r del h
        assert_equal 5 [r hincrby h n 5]
        assert_equal -5 [r hincrby h n -10]
        assert_equal -5 [r hget h n]
        r hset h s abc big 9223372036854775807 small -9223372036854775808
        assert_error "ERR hash value is not an integer" {r hincrby h s 1}
        assert_error "ERR value is not an integer or out of range" {r hincrby h n x}
        assert_error "ERR value is not an integer or out of range" {r hincrby h n 1.5}
        assert_error "ERR increment or decrement would overflow" {r hincrby h big 1}
        assert_error "ERR increment or decrement would overflow" {r hincrby h small -1}
        assert_equal 9223372036854775806 [r hincrby h big -1]
        r hset h sp " 1"
        assert_error "ERR hash value is not an integer" {r hincrby h sp 1}
    }

    test "HINCRBYFLOAT" {
        r del h
        assert_equal 1.5 [r hincrbyfloat h f 1.5]
        assert_equal 1001.5 [r hincrbyfloat h f 1e3]
        assert_equal 1001.25 [r hincrbyfloat h f -0.25]
        assert_equal 1001.25 [r hget h f]
        r hset h i 10 s abc
        assert_equal 10.5 [r hincrbyfloat h i 0.5]
        assert_equal 11 [r hincrbyfloat h i 0.5]
        assert_error "ERR hash value is not a float" {r hincrbyfloat h s 1}
        assert_error "ERR value is not a valid float" {r hincrbyfloat h f x}
        assert_error "ERR value is NaN or Infinity" {r hincrbyfloat h f inf}
        r hset h huge 1e308
        assert_match {1999999999999999999*} [r hincrbyfloat h huge 1e308]
    }

    test "HRANDFIELD without count" {
        r del h
        assert_equal {} [r hrandfield nokey]
        r hset h a 1 b 2 c 3
        for {set i 0} {$i < 20} {incr i} {
            assert_match {[abc]} [r hrandfield h]
        }
    }

    test "HRANDFIELD errors" {
        r del h
        r hset h a 1
        assert_error "ERR syntax error" {r hrandfield h 1 withvalues x}
        assert_error "ERR syntax error" {r hrandfield h 1 withvaluez}
        assert_error "ERR value is not an integer or out of range" {r hrandfield h x}
        assert_error "ERR value is out of range" {r hrandfield h -4611686018427387904 withvalues}
        assert_error "ERR value is out of range*" {r hrandfield h -9223372036854775808}
        assert_equal {} [r hrandfield nokey 3]
        assert_equal {} [r hrandfield h 0]
    }

    foreach enc {listpack hashtable} {
        test "HRANDFIELD with count ($enc)" {
            r del h
            if {$enc eq "listpack"} {set n 20} else {set n 300}
            set fields {}
            for {set i 0} {$i < $n} {incr i} {
                r hset h f$i v$i
                lappend fields f$i
            }
            assert_encoding $enc h
            # Positive counts: distinct fields, at most the hash size.
            foreach count [list 1 3 [expr {$n/2}] [expr {$n - 1}] $n [expr {$n + 5}]] {
                set res [r hrandfield h $count]
                set expected [expr {$count > $n ? $n : $count}]
                assert_equal $expected [llength $res]
                assert_equal $expected [llength [lsort -unique $res]]
                foreach f $res {assert {[lsearch -exact $fields $f] >= 0}}
            }
            # Negative counts: exactly |count| picks, repetitions allowed.
            set res [r hrandfield h [expr {-3 * $n}]]
            assert_equal [expr {3 * $n}] [llength $res]
            foreach f $res {assert {[lsearch -exact $fields $f] >= 0}}
            # Every field shows up in a large sample (loose: 30 draws each).
            assert_equal $n [llength [lsort -unique [r hrandfield h [expr {-30 * $n}]]]]
            # WITHVALUES pairs match the hash.
            foreach count [list 5 -5 [expr {$n + 1}]] {
                set res [r hrandfield h $count withvalues]
                foreach {f v} $res {assert_equal [r hget h $f] $v}
            }
            set res [r hrandfield h [expr {$n + 1}] withvalues]
            assert_equal [lsort [r hgetall h]] [lsort $res]
        }
    }

    test "HRANDFIELD WITHVALUES in RESP3 is an array of pairs" {
        r del h
        r hset h a 1
        r hello 3
        assert_equal {{a 1}} [r hrandfield h 1 withvalues]
        assert_equal {{a 1} {a 1}} [r hrandfield h -2 withvalues]
        assert_equal {{a 1}} [r hrandfield h 5 withvalues]
        r hello 2
        assert_equal {a 1 a 1} [r hrandfield h -2 withvalues]
    }

    test "RESP3 reply types of HGETALL, HKEYS, HGET, HRANDFIELD" {
        r del h
        r hset h a 1
        set rd [redis_deferring_client]
        $rd hello 3
        $rd read
        $rd readraw 1
        $rd hgetall h
        assert_equal "%1 \$1 a \$1 1" [hash_read_raw_lines $rd 5]
        $rd hgetall nokey
        assert_equal {%0} [$rd read]
        $rd hkeys nokey
        assert_equal {*0} [$rd read]
        $rd hget h nofield
        assert_equal {_} [$rd read]
        $rd hrandfield nokey
        assert_equal {_} [$rd read]
        $rd hrandfield nokey 2
        assert_equal {*0} [$rd read]
        $rd hmget nokey a
        assert_equal "*1 _" [hash_read_raw_lines $rd 2]
        $rd close
    }

    test "Listpack to hashtable conversion by number of entries" {
        set old [lindex [r config get hash-max-listpack-entries] 1]
        r config set hash-max-listpack-entries 4
        r del h
        r hset h a 1 b 2 c 3 d 4
        assert_encoding listpack h
        r hset h e 5
        assert_encoding hashtable h
        # Never back to a listpack.
        r hdel h a b c d
        assert_encoding hashtable h
        assert_equal {e 5} [r hgetall h]
        r del h
        r hmset h a 1 b 2 c 3 d 4 e 5
        assert_encoding hashtable h
        r config set hash-max-listpack-entries 0
        r del h
        r hset h a 1
        assert_encoding hashtable h
        r config set hash-max-listpack-entries $old
    }

    test "Listpack to hashtable conversion by field or value length" {
        set old [lindex [r config get hash-max-listpack-value] 1]
        r config set hash-max-listpack-value 3
        r del h h2 h3 h4 h5
        r hset h abc 123
        assert_encoding listpack h
        r hset h abcd 1
        assert_encoding hashtable h
        r hset h2 a 1234
        assert_encoding hashtable h2
        r hsetnx h3 abcd 1
        assert_encoding hashtable h3
        r hincrby h4 abcd 1
        assert_encoding hashtable h4
        r hincrbyfloat h5 abcd 1
        assert_encoding hashtable h5
        r config set hash-max-listpack-value $old
        # The old ziplist names are aliases.
        r config set hash-max-ziplist-value 7
        assert_equal 7 [lindex [r config get hash-max-listpack-value] 1]
        r config set hash-max-listpack-value $old
    }

    test "Big hash (hashtable): every command" {
        r del h
        set n 1000
        for {set i 0} {$i < $n} {incr i} {lappend args f$i $i}
        assert_equal $n [r hset h {*}$args]
        assert_encoding hashtable h
        assert_equal $n [r hlen h]
        assert_equal 500 [r hget h f500]
        assert_equal 3 [r hstrlen h f999]
        assert_equal [lsort $args] [lsort [r hgetall h]]
        assert_equal $n [llength [r hkeys h]]
        assert_equal $n [llength [r hvals h]]
        assert_equal 1000 [r hincrby h f500 500]
        assert_equal 1000.5 [r hincrbyfloat h f500 0.5]
        assert_equal 1 [r hsetnx h new 1]
        assert_equal 2 [r hdel h new f500]
        assert_equal [expr {$n - 1}] [r hlen h]
        for {set i 0} {$i < $n} {incr i} {r hdel h f$i}
        assert_equal 0 [r exists h]
    }

    foreach enc {listpack hashtable} {
        test "HSCAN full iteration ($enc)" {
            r del h
            if {$enc eq "listpack"} {set n 30} else {set n 1000}
            for {set i 0} {$i < $n} {incr i} {r hset h key:$i $i}
            assert_encoding $enc h
            set cursor 0
            set seen {}
            set calls 0
            while 1 {
                lassign [r hscan h $cursor count 17] cursor items
                incr calls
                foreach {f v} $items {
                    assert_equal $v [string range $f 4 end]
                    dict set seen $f 1
                }
                if {$cursor == 0} break
            }
            assert_equal $n [dict size $seen]
            if {$enc eq "listpack"} {assert_equal 1 $calls}
            # MATCH filters fields; values go with their field.
            set cursor 0
            set got {}
            while 1 {
                lassign [r hscan h $cursor match key:1? count 100] cursor items
                foreach {f v} $items {lappend got $f $v}
                if {$cursor == 0} break
            }
            assert_equal 10 [llength [lsort -unique [dict keys $got]]]
        }
    }

    test "HSCAN errors and missing key" {
        r del h
        r hset h a 1
        assert_equal {0 {}} [r hscan nokey 0]
        assert_error "ERR invalid cursor" {r hscan h x}
        assert_error "ERR syntax error" {r hscan h 0 count 0}
        assert_error "ERR syntax error" {r hscan h 0 bogus}
        assert_error "ERR syntax error" {r hscan h 0 type string}
        assert_error "ERR value is not an integer or out of range" {r hscan h 0 count x}
    }

    test "Keyspace events of hash commands" {
        r config set notify-keyspace-events KEA
        r del h
        set rd [redis_deferring_client]
        $rd psubscribe __keyevent@*
        $rd read
        r hset h a 1 b 2
        r hsetnx h c 3
        r hsetnx h c 3
        r hincrby h n 1
        r hincrbyfloat h f 1.5
        r hdel h nofield
        r hdel h a
        r hdel h b c n f
        set events {}
        for {set i 0} {$i < 7} {incr i} {
            set ch [lindex [$rd read] 2]
            regsub {^__keyevent@[0-9]+__:} $ch {} ev
            lappend events $ev
        }
        assert_equal {hset hset hincrby hincrbyfloat hdel hdel del} $events
        $rd close
        r config set notify-keyspace-events ""
    }

    test "COPY, RENAME and OBJECT of hashes" {
        r del h h2 h3 h4
        r hset h a 1 b 2
        assert_equal 1 [r copy h h2]
        r hset h2 c 3
        assert_equal 2 [r hlen h]
        assert_equal 3 [r hlen h2]
        assert_encoding listpack h2
        r config set hash-max-listpack-entries 2
        r hset h3 a 1 b 2 c 3
        assert_encoding hashtable h3
        r copy h3 h4
        assert_encoding hashtable h4
        assert_equal [lsort [r hgetall h3]] [lsort [r hgetall h4]]
        r config set hash-max-listpack-entries 128
        assert_equal hash [r type h]
    }
}
