# list.tcl -- the list type: every list command, its errors, RESP2/RESP3
# replies, large lists spread over many quicklist nodes, and the blocking
# commands (served order, MULTI/EXEC, LMOVE wake-ups, CLIENT UNBLOCK).

proc wait_for_blocked_clients {n} {
    wait_for_condition 100 20 {
        [s blocked_clients] == $n
    } else {
        fail "expected $n blocked clients, got [s blocked_clients]"
    }
}

start_server {tags {list}} {
    test "LPUSH, RPUSH, LLEN, LRANGE, LINDEX" {
        r del l
        assert_equal 1 [r rpush l b]
        assert_equal 3 [r lpush l a z]
        assert_equal 5 [r rpush l c 1]
        assert_equal {z a b c 1} [r lrange l 0 -1]
        assert_equal 5 [r llen l]
        assert_equal z [r lindex l 0]
        assert_equal 1 [r lindex l -1]
        assert_equal {} [r lindex l 100]
        assert_equal {} [r lindex nokey 0]
        assert_equal 0 [r llen nokey]
        assert_encoding quicklist l
        assert_type list l
    }

    test "Even a one element list is a quicklist" {
        r del one
        r rpush one x
        assert_encoding quicklist one
    }

    test "LRANGE ranges" {
        r del l
        r rpush l 0 1 2 3 4 5 6 7 8 9
        assert_equal {7 8 9} [r lrange l -3 -1]
        assert_equal {0 1 2 3 4 5 6 7 8 9} [r lrange l -100 100]
        assert_equal {} [r lrange l 5 2]
        assert_equal {} [r lrange l 20 30]
        assert_equal {} [r lrange nokey 0 -1]
        assert_error "*not an integer*" {r lrange l a b}
    }

    test "LPUSHX and RPUSHX only act on existing lists" {
        r del l
        assert_equal 0 [r lpushx l a b]
        assert_equal 0 [r rpushx l a]
        assert_equal 0 [r exists l]
        r rpush l m
        assert_equal 3 [r lpushx l b a]
        assert_equal 4 [r rpushx l z]
        assert_equal {a b m z} [r lrange l 0 -1]
    }

    test "LPOP and RPOP with and without count" {
        r del l
        r rpush l a b c d e
        assert_equal a [r lpop l]
        assert_equal e [r rpop l]
        assert_equal {} [r lpop l 0]
        assert_equal {b c} [r lpop l 2]
        assert_equal {d} [r rpop l 5]
        assert_equal 0 [r exists l]
        assert_equal {} [r lpop l]
        assert_equal {} [r lpop l 2]
        assert_error "ERR value is out of range, must be positive" {r lpop l -1}
        assert_error "ERR value is out of range, must be positive" {r lpop l x}
        assert_error "ERR wrong number of arguments for 'lpop' command" {r lpop l 1 2}
    }

    test "LPOP replies in RESP2 and RESP3" {
        r del l
        r rpush l a
        r readraw 1
        assert_equal {*-1} [r lpop nokey 1]
        assert_equal {$-1} [r lpop nokey]
        assert_equal {*0} [r lpop l 0]
        r readraw 0
        r hello 3
        r readraw 1
        assert_equal {_} [r lpop nokey 1]
        assert_equal {_} [r lpop nokey]
        assert_equal {*0} [r lpop l 0]
        assert_equal {_} [r lindex nokey 0]
        assert_equal {_} [r lmpop 1 nokey left]
        r readraw 0
        r hello 2
    }

    test "WRONGTYPE for every list command" {
        r del s
        r set s v
        foreach cmd {
            {lpush s a} {rpush s a} {lpushx s a} {lpop s} {rpop s 0}
            {lrange s 0 1} {lindex s 0} {llen s} {lpos s a} {linsert s before a b}
            {lset s 0 a} {lrem s 0 a} {ltrim s 0 1} {lmove s d left left}
            {rpoplpush s d} {lmpop 2 nokey s left} {blpop nokey s 0}
            {brpop s 0} {blmove s d left left 0} {brpoplpush s d 0}
            {blmpop 0 1 s left}
        } {
            assert_error "WRONGTYPE*" [list r {*}$cmd]
        }
    }

    test "LPOS with RANK, COUNT and MAXLEN" {
        r del l
        r rpush l x y x y x y x
        assert_equal 0 [r lpos l x]
        assert_equal 1 [r lpos l y]
        assert_equal {} [r lpos l zz]
        assert_equal {0 2 4 6} [r lpos l x count 0]
        assert_equal {0 2} [r lpos l x count 2]
        assert_equal {6 4 2 0} [r lpos l x rank -1 count 0]
        assert_equal {2 4} [r lpos l x rank 2 count 2]
        assert_equal {4} [r lpos l x rank -2 count 2 maxlen 3]
        assert_equal {0} [r lpos l x maxlen 2 count 0]
        assert_equal {} [r lpos l y rank 5]
        assert_equal 6 [r lpos l x rank -9223372036854775808]
        assert_equal {} [r lpos nokey a count 0]
        assert_equal {} [r lpos nokey a]
        assert_error "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list" {r lpos l x rank 0}
        assert_error "ERR COUNT can't be negative" {r lpos l x count -1}
        assert_error "ERR MAXLEN can't be negative" {r lpos l x maxlen -1}
        assert_error "ERR syntax error" {r lpos l x foo}
        assert_error "ERR syntax error" {r lpos l x rank}
    }

    test "LSET" {
        r del l
        r rpush l a b c
        assert_equal OK [r lset l 0 A]
        assert_equal OK [r lset l -1 12345]
        assert_equal {A b 12345} [r lrange l 0 -1]
        assert_error "ERR no such key" {r lset nokey 0 a}
        assert_error "ERR index out of range" {r lset l 3 a}
        assert_error "*not an integer*" {r lset l x a}
    }

    test "LINSERT" {
        r del l
        r rpush l a b c
        assert_equal 4 [r linsert l before b X]
        assert_equal 5 [r linsert l after c Y]
        assert_equal 6 [r linsert l AFTER a 7]
        assert_equal {a 7 X b c Y} [r lrange l 0 -1]
        assert_equal -1 [r linsert l before zz q]
        assert_equal 0 [r linsert nokey before zz q]
        assert_error "ERR syntax error" {r linsert l middle a b}
    }

    test "LREM from head, from tail, all" {
        r del l
        r rpush l x y x y x y x
        assert_equal 2 [r lrem l -2 x]
        assert_equal {x y x y y} [r lrange l 0 -1]
        assert_equal 1 [r lrem l 1 y]
        assert_equal {x x y y} [r lrange l 0 -1]
        assert_equal 2 [r lrem l 0 x]
        assert_equal 0 [r lrem l 0 zz]
        assert_equal 2 [r lrem l 0 y]
        assert_equal 0 [r exists l]
        assert_equal 0 [r lrem nokey 1 a]
        assert_error "*not an integer*" {r lrem l x a}
    }

    test "LTRIM" {
        r del l
        r rpush l 0 1 2 3 4 5
        assert_equal OK [r ltrim l 1 -2]
        assert_equal {1 2 3 4} [r lrange l 0 -1]
        assert_equal OK [r ltrim l -100 100]
        assert_equal {1 2 3 4} [r lrange l 0 -1]
        assert_equal OK [r ltrim l 5 2]
        assert_equal 0 [r exists l]
        assert_equal OK [r ltrim nokey 0 1]
        assert_error "*not an integer*" {r ltrim l a 1}
    }

    test "LMOVE and RPOPLPUSH" {
        r del src dst
        r rpush src a b c
        assert_equal a [r lmove src dst left right]
        assert_equal c [r lmove src dst right left]
        assert_equal {c a} [r lrange dst 0 -1]
        assert_equal b [r rpoplpush src dst]
        assert_equal 0 [r exists src]
        assert_equal {b c a} [r lrange dst 0 -1]
        assert_equal a [r rpoplpush dst dst]
        assert_equal {a b c} [r lrange dst 0 -1]
        assert_equal a [r lmove dst dst left right]
        assert_equal {b c a} [r lrange dst 0 -1]
        assert_equal {} [r lmove nokey dst left left]
        assert_error "ERR syntax error" {r lmove dst x up left}
        r set str v
        assert_error "WRONGTYPE*" {r lmove dst str left left}
        assert_equal {b c a} [r lrange dst 0 -1]
    }

    test "LMPOP" {
        r del m1 m2
        r rpush m2 1 2 3 4 5
        assert_equal {m2 {5 4}} [r lmpop 2 m1 m2 right count 2]
        assert_equal {m2 {1 2 3}} [r lmpop 2 m1 m2 left count 10]
        assert_equal 0 [r exists m2]
        assert_equal {} [r lmpop 2 m1 m2 left]
        assert_error "ERR numkeys should be greater than 0" {r lmpop 0 a left}
        assert_error "ERR numkeys should be greater than 0" {r lmpop x a left}
        assert_error "ERR count should be greater than 0" {r lmpop 1 a left count 0}
        assert_error "ERR syntax error" {r lmpop 1 a middle}
        assert_error "ERR syntax error" {r lmpop 2 a left}
        assert_error "ERR syntax error" {r lmpop 1 a left count 1 count 2}
        assert_error "ERR syntax error" {r lmpop 99999999999 a left}
    }

    test "Binary-safe elements and integers" {
        r del l
        set bin "a\x00b\r\n\xff"
        r rpush l $bin 010 -5 9223372036854775807 9223372036854775808
        assert_equal [list $bin 010 -5 9223372036854775807 9223372036854775808] [r lrange l 0 -1]
        assert_equal 1 [r lpos l 010]
        assert_equal {} [r lpos l 10]
    }

    test "Large lists span many nodes (10k elements)" {
        r del big
        set model {}
        for {set i 0} {$i < 10000} {incr i} {
            set v "element:$i:[string repeat x [expr {$i % 50}]]"
            lappend model $v
            r rpush big $v
        }
        assert_equal 10000 [r llen big]
        assert_encoding quicklist big
        assert_equal $model [r lrange big 0 -1]
        foreach idx {0 1 999 5000 9998 9999 -1 -5000} {
            assert_equal [lindex $model [expr {$idx < 0 ? 10000 + $idx : $idx}]] [r lindex big $idx]
        }
        r lset big 5000 changed
        r linsert big before changed inserted
        assert_equal {inserted changed} [r lrange big 5000 5001]
        assert_equal 5001 [r lpos big changed]
        assert_equal 1 [r lrem big 0 inserted]
        r ltrim big 100 -101
        assert_equal 9800 [r llen big]
        assert_equal [lindex $model 100] [r lpop big]
        assert_equal [lindex $model 9899] [r rpop big]
    }

    test "Big elements with a small list-max-listpack-size" {
        r del l
        r config set list-max-listpack-size 4
        for {set i 0} {$i < 50} {incr i} {r rpush l $i}
        assert_equal [r lrange l 0 -1] [r lrange l 0 -1]
        assert_equal 25 [r lindex l 25]
        r linsert l after 10 ten-after
        assert_equal {10 ten-after 11} [r lrange l 10 12]
        r config set list-max-listpack-size -2
    }

    test "Keyspace events of list commands" {
        r config set notify-keyspace-events KElg
        set sub [redis_deferring_client]
        $sub psubscribe __keyevent@*
        $sub read
        r del ev
        r rpush ev a b c
        r lpush ev z
        r lpop ev
        r rpop ev
        r linsert ev before a q
        r lset ev 0 w
        r lrem ev 0 w
        r ltrim ev 0 0
        r lmove ev ev2 left right
        set got {}
        for {set i 0} {$i < 11} {incr i} {
            lappend got [lindex [$sub read] 2]
        }
        assert_equal {__keyevent@9__:rpush __keyevent@9__:lpush __keyevent@9__:lpop __keyevent@9__:rpop __keyevent@9__:linsert __keyevent@9__:lset __keyevent@9__:lrem __keyevent@9__:ltrim __keyevent@9__:rpush __keyevent@9__:lpop __keyevent@9__:del} [string map {@0__ @9__} $got]
        $sub close
        r config set notify-keyspace-events ""
    }

    # ------------------------------------------------------------ blocking

    test "BLPOP and BRPOP return at once when a list has elements" {
        r del b1 b2
        r rpush b2 x y
        assert_equal {b2 x} [r blpop b1 b2 0]
        assert_equal {b2 y} [r brpop b1 b2 0]
        assert_equal 0 [r exists b2]
    }

    test "Blocking timeouts: errors and sub-second precision" {
        assert_error "ERR timeout is negative" {r blpop nokey -1}
        assert_error "ERR timeout is not a float or out of range" {r blpop nokey abc}
        assert_error "ERR timeout is not a float or out of range" {r blmove a b left left x}
        assert_error "ERR timeout is negative" {r blpop nokey 9.3e15}
        assert_equal {} [r blpop nokey 0.01]
        assert_equal {} [r brpoplpush nokey dst 0.01]
        assert_equal {} [r blmove nokey dst left right 0.01]
        assert_equal {} [r blmpop 0.01 1 nokey left]
        r readraw 1
        assert_equal {*-1} [r brpoplpush nokey dst 0.01]
        assert_equal {*-1} [r blpop nokey 0.01]
        r readraw 0
    }

    test "Blocking commands inside MULTI do not block" {
        r del nokey
        r multi
        r blpop nokey 0
        r blmove nokey dst left right 0
        r brpoplpush nokey dst 0
        r blmpop 0 1 nokey left
        assert_equal {{} {} {} {}} [r exec]
        r readraw 1
        assert_equal {+OK} [r multi]
        assert_equal {+QUEUED} [r blpop nokey 0]
        assert_equal {+QUEUED} [r blmove nokey dst left right 0]
        assert_equal {*2} [r exec]
        assert_equal {*-1} [r read]
        assert_equal {$-1} [r read]
        r readraw 0
    }

    test "BLPOP is woken by RPUSH" {
        r del blist
        set rd [redis_deferring_client]
        $rd blpop blist 0
        wait_for_blocked_clients 1
        r rpush blist foo bar
        assert_equal {blist foo} [$rd read]
        assert_equal {bar} [r lrange blist 0 -1]
        $rd close
    }

    test "BRPOP with several keys is served by the first pushed" {
        r del k1 k2
        set rd [redis_deferring_client]
        $rd brpop k1 k2 0
        wait_for_blocked_clients 1
        r rpush k2 a b
        assert_equal {k2 b} [$rd read]
        $rd close
    }

    test "Blocked clients are served in arrival order" {
        r del q
        set c1 [redis_deferring_client]
        set c2 [redis_deferring_client]
        set c3 [redis_deferring_client]
        $c1 blpop q 0
        wait_for_blocked_clients 1
        $c2 blpop q 0
        wait_for_blocked_clients 2
        $c3 blpop q 0
        wait_for_blocked_clients 3
        r rpush q one two
        assert_equal {q one} [$c1 read]
        assert_equal {q two} [$c2 read]
        wait_for_blocked_clients 1
        r rpush q three
        assert_equal {q three} [$c3 read]
        $c1 close
        $c2 close
        $c3 close
    }

    test "BLPOP is woken by a push inside MULTI/EXEC" {
        r del m
        set rd [redis_deferring_client]
        $rd blpop m 0
        wait_for_blocked_clients 1
        r multi
        r rpush m a
        r rpush m b
        r lpop m
        r exec
        assert_equal {m b} [$rd read]
        assert_equal 0 [r exists m]
        $rd close
    }

    test "A push and delete inside MULTI leaves the client blocked" {
        r del m
        set rd [redis_deferring_client]
        $rd blpop m 0
        wait_for_blocked_clients 1
        r multi
        r rpush m a
        r del m
        r exec
        wait_for_blocked_clients 1
        r rpush m z
        assert_equal {m z} [$rd read]
        $rd close
    }

    test "BLMOVE waits and moves; chained through LMOVE into a watched key" {
        r del s1 s2 s3
        set rd1 [redis_deferring_client]
        set rd2 [redis_deferring_client]
        $rd1 blmove s1 s2 right left 0
        wait_for_blocked_clients 1
        $rd2 brpoplpush s2 s3 0
        wait_for_blocked_clients 2
        r rpush s1 v
        assert_equal v [$rd1 read]
        assert_equal v [$rd2 read]
        assert_equal {v} [r lrange s3 0 -1]
        assert_equal 0 [r exists s1]
        assert_equal 0 [r exists s2]
        # LMOVE into a key a client blocks on wakes it.
        $rd1 blpop s4 0
        wait_for_blocked_clients 1
        r lmove s3 s4 left left
        assert_equal {s4 v} [$rd1 read]
        $rd1 close
        $rd2 close
    }

    test "BLMOVE to a key of the wrong type replies WRONGTYPE when woken" {
        r del src str
        r set str x
        set rd [redis_deferring_client]
        $rd blmove src str left left 0
        wait_for_blocked_clients 1
        r rpush src a
        assert_error "WRONGTYPE*" {$rd read}
        assert_equal {a} [r lrange src 0 -1]
        $rd close
    }

    test "BLMPOP waits and pops up to count" {
        r del mp1 mp2
        set rd [redis_deferring_client]
        $rd blmpop 0 2 mp1 mp2 right count 2
        wait_for_blocked_clients 1
        r rpush mp2 a b c
        assert_equal {mp2 {c b}} [$rd read]
        assert_equal {a} [r lrange mp2 0 -1]
        $rd close
    }

    test "Blocking client times out with a deadline" {
        set rd [redis_deferring_client]
        $rd blpop nokey 0.2
        assert_equal {} [$rd read]
        $rd blmpop 0.1 1 nokey left
        assert_equal {} [$rd read]
        $rd close
    }

    test "CLIENT UNBLOCK with TIMEOUT and ERROR" {
        set rd [redis_deferring_client]
        $rd client id
        set id [$rd read]
        $rd blpop nokey 0
        wait_for_blocked_clients 1
        assert_equal 1 [r client unblock $id]
        assert_equal {} [$rd read]
        $rd brpoplpush nokey dst 0
        wait_for_blocked_clients 1
        assert_equal 1 [r client unblock $id error]
        assert_error "UNBLOCKED*" {$rd read}
        assert_equal 0 [r client unblock $id]
        $rd close
    }

    test "A closed blocked client is forgotten" {
        set rd [redis_deferring_client]
        $rd blpop gone 0
        wait_for_blocked_clients 1
        $rd close
        wait_for_blocked_clients 0
        r rpush gone a
        assert_equal {a} [r lrange gone 0 -1]
    }

    test "Blocking in RESP3 replies arrays and nulls" {
        set rd [redis_deferring_client]
        $rd hello 3
        $rd read
        $rd blpop r3 0
        wait_for_blocked_clients 1
        r rpush r3 x
        assert_equal {r3 x} [$rd read]
        $rd readraw 1
        $rd blpop nokey 0.01
        assert_equal {_} [$rd read]
        $rd close
    }
}
