# zset.tcl -- the sorted set type: commands, error texts, both encodings,
# conversions, infinities, lex ranges, RESP3 shapes, blocking pops.

# Reads <n> raw protocol lines from <rd> (in readraw mode), joined by spaces.
proc zset_read_raw_lines {rd n} {
    set lines {}
    for {set i 0} {$i < $n} {incr i} {lappend lines [$rd read]}
    return [join $lines " "]
}

proc zset_wait_blocked {n} {
    wait_for_condition 100 20 {
        [s blocked_clients] == $n
    } else {
        fail "expected $n blocked clients, got [s blocked_clients]"
    }
}

start_server {tags {zset}} {
    # Every test of this loop runs once per encoding: the default limits
    # keep small sets in a listpack, a limit of 0 forces the skiplist.
    foreach {enc limit} {listpack 128 skiplist 0} {
        r config set zset-max-listpack-entries $limit
        r config set zset-max-listpack-value 64

        test "ZADD, ZCARD, ZSCORE, ZMSCORE, ZRANK - $enc" {
            r del z
            assert_equal 3 [r zadd z 1 a 2 b 3 c]
            assert_encoding $enc z
            assert_equal 0 [r zadd z 1 a]
            assert_equal 1 [r zadd z 10 d 2 b]
            assert_equal 4 [r zcard z]
            assert_equal 0 [r zcard nokey]
            assert_equal 2 [r zscore z b]
            assert_equal {} [r zscore z nope]
            assert_equal {} [r zscore nokey a]
            assert_equal {1 {} 10} [r zmscore z a nope d]
            assert_equal {{} {}} [r zmscore nokey a b]
            assert_equal 0 [r zrank z a]
            assert_equal 3 [r zrank z d]
            assert_equal 0 [r zrevrank z d]
            assert_equal 3 [r zrevrank z a]
            assert_equal {} [r zrank z nope]
            assert_equal {} [r zrank nokey a]
        }

        test "ZADD options NX XX GT LT CH INCR - $enc" {
            r del z
            r zadd z 1 a 2 b
            assert_equal 1 [r zadd z nx 5 a 3 c]
            assert_equal 1 [r zscore z a]
            assert_equal 0 [r zadd z xx 5 a 9 new]
            assert_equal 5 [r zscore z a]
            assert_equal {} [r zscore z new]
            assert_equal 2 [r zadd z ch 6 a 7 b 3 c]
            assert_equal 1 [r zadd z gt ch 1 a 8 b]
            assert_equal {6 8} [r zmscore z a b]
            assert_equal 1 [r zadd z lt ch 1 a 9 b]
            assert_equal {1 8} [r zmscore z a b]
            assert_equal 1 [r zadd z gt 1 fresh]
            assert_equal 3.5 [r zadd z incr 2.5 a]
            assert_equal {} [r zadd z nx incr 1 a]
            assert_equal {} [r zadd z xx incr 1 nokey-member]
            assert_equal {} [r zadd z gt incr -1 a]
            assert_equal 3.5 [r zadd z incr 0 a]
            assert_equal 0 [r zadd nokey xx 1 a]
            assert_equal 0 [r exists nokey]
        }

        test "ZADD and ZINCRBY errors - $enc" {
            r del z newz
            r zadd z 1 a
            assert_error "ERR XX and NX options at the same time are not compatible" {r zadd z nx xx 1 a}
            assert_error "ERR GT, LT, and/or NX options at the same time are not compatible" {r zadd z gt nx 1 a}
            assert_error "ERR GT, LT, and/or NX options at the same time are not compatible" {r zadd z gt lt 1 a}
            assert_error "ERR INCR option supports a single increment-element pair" {r zadd z incr 1 a 2 b}
            assert_error "ERR value is not a valid float" {r zadd z abc a}
            assert_error "ERR value is not a valid float" {r zadd z nan a}
            assert_error "ERR syntax error" {r zadd z 1 a 2}
            assert_error "ERR syntax error" {r zadd z nx xx}
            assert_error "ERR wrong number of arguments for 'zadd' command" {r zadd z 1}
            assert_error "ERR value is not a valid float" {r zincrby z abc a}
            r zadd z inf x
            assert_error "ERR resulting score is not a number (NaN)" {r zincrby z -inf x}
            assert_error "ERR resulting score is not a number (NaN)" {r zadd z incr -inf x}
            assert_equal inf [r zscore z x]
            assert_equal 5 [r zincrby z 4 a]
            assert_equal 2 [r zincrby newz 2 m]
            r set str v
            assert_error "WRONGTYPE*" {r zadd str 1 a}
            assert_error "WRONGTYPE*" {r zscore str a}
            assert_error "WRONGTYPE*" {r zrange str 0 -1}
            assert_error "WRONGTYPE*" {r zunion 2 z str}
            assert_error "WRONGTYPE*" {r bzpopmin str 0}
        }

        test "Score formatting and infinities - $enc" {
            r del z
            r zadd z 1.1 a 1e17 b 3 c 0.1 d inf f -inf g 1.5 h
            assert_equal {g -inf d 0.10000000000000001 a 1.1000000000000001 h 1.5 c 3 b 1e+17 f inf} \
                [r zrange z 0 -1 withscores]
            assert_equal 7 [r zcount z -inf +inf]
            assert_equal 5 [r zcount z (-inf (inf]
            assert_equal {f} [r zrangebyscore z (1e300 +inf]
            assert_equal 17 [r zincrby z 14 c]
        }

        test "ZREM and the key is deleted when empty - $enc" {
            r del z
            r zadd z 1 a 2 b 3 c
            assert_equal 2 [r zrem z a x c]
            assert_equal 0 [r zrem z a]
            assert_equal 0 [r zrem nokey a]
            assert_equal 1 [r zrem z b]
            assert_equal 0 [r exists z]
        }

        test "ZRANGE by rank, REV, WITHSCORES - $enc" {
            r del z
            r zadd z 1 a 2 b 3 c 4 d
            assert_equal {a b c d} [r zrange z 0 -1]
            assert_equal {c d} [r zrange z -2 -1]
            assert_equal {} [r zrange z 5 10]
            assert_equal {} [r zrange z 2 1]
            assert_equal {a 1 b 2} [r zrange z -100 1 withscores]
            assert_equal {d c b a} [r zrange z 0 -1 rev]
            assert_equal {d 4 c 3} [r zrevrange z 0 1 withscores]
            assert_equal {} [r zrange nokey 0 -1]
            assert_equal {a b c d} [r zrange z 0 -1 limit 0 -1]
            assert_error "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX" {r zrange z 0 1 limit 0 1}
            assert_error "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX" {r zrevrange z 0 1 limit 0 1}
            assert_error "ERR value is not an integer or out of range" {r zrange z a 1}
            assert_error "ERR syntax error" {r zrange z 0 1 byscore byscore}
            assert_error "ERR syntax error" {r zrange z 0 1 rev rev}
            assert_error "ERR syntax error" {r zrange z 0 1 foo}
        }

        test "ZRANGE BYSCORE, ZRANGEBYSCORE, ZREVRANGEBYSCORE - $enc" {
            r del z
            r zadd z 1 a 2 b 3 c 4 d 5 e
            assert_equal {b c d} [r zrangebyscore z 2 4]
            assert_equal {c} [r zrangebyscore z (2 (4]
            assert_equal {b 2 c 3} [r zrangebyscore z 2 4 withscores limit 0 2]
            assert_equal {c d e} [r zrangebyscore z (1 5 limit 1 -1]
            assert_equal {} [r zrangebyscore z 0 5 limit -1 5]
            assert_equal {d c b} [r zrevrangebyscore z 4 2]
            assert_equal {c 3 b 2} [r zrevrangebyscore z +inf -inf withscores limit 2 2]
            assert_equal {e d} [r zrange z +inf (3 byscore rev]
            assert_equal {b c} [r zrange z (1 +inf byscore limit 0 2]
            assert_equal {} [r zrangebyscore z 4 2]
            assert_equal {} [r zrangebyscore z (2 2]
            assert_equal 1 [r zcount z 2 2]
            assert_equal 0 [r zcount z (2 2]
            assert_equal 0 [r zcount nokey -inf +inf]
            assert_error "ERR min or max is not a float" {r zrangebyscore z a b}
            assert_error "ERR min or max is not a float" {r zrevrangebyscore z (1 (a}
            assert_error "ERR min or max is not a float" {r zcount z 1 x}
            assert_error "ERR syntax error" {r zrangebyscore z 0 5 rev}
            assert_error "ERR syntax error" {r zrangebyscore z 0 5 limit 1}
        }

        test "Lex ranges: ZRANGEBYLEX, ZREVRANGEBYLEX, ZLEXCOUNT, BYLEX - $enc" {
            r del z
            r zadd z 0 a 0 aa 0 b 0 c 0 d
            assert_equal {a aa b c d} [r zrangebylex z - +]
            assert_equal {aa b c} [r zrangebylex z (a \[c]
            assert_equal {a aa} [r zrangebylex z - (b]
            assert_equal {} [r zrangebylex z \[c -]
            assert_equal {} [r zrangebylex z + -]
            assert_equal {c b} [r zrevrangebylex z + - limit 1 2]
            assert_equal {b aa} [r zrevrangebylex z (c \[aa]
            assert_equal {b c} [r zrange z \[b \[c bylex]
            assert_equal {d c} [r zrange z + (b bylex rev limit 0 2]
            assert_equal 5 [r zlexcount z - +]
            assert_equal 2 [r zlexcount z \[aa (c]
            assert_equal 0 [r zlexcount nokey - +]
            assert_error "ERR min or max not valid string range item" {r zrangebylex z a b}
            assert_error "ERR min or max not valid string range item" {r zlexcount z - c}
            assert_error "ERR min or max not valid string range item" {r zrangebylex z ++ -}
            assert_error "ERR syntax error, WITHSCORES not supported in combination with BYLEX" {r zrangebylex z - + withscores}
            assert_error "ERR syntax error, WITHSCORES not supported in combination with BYLEX" {r zrange z - + bylex withscores}
        }

        test "ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX - $enc" {
            r del z
            r zadd z 1 a 2 b 3 c 4 d 5 e
            assert_equal 2 [r zremrangebyscore z (1 3]
            assert_equal {a d e} [r zrange z 0 -1]
            assert_equal 1 [r zremrangebyrank z -1 -1]
            assert_equal 0 [r zremrangebyrank z 5 10]
            assert_equal {a d} [r zrange z 0 -1]
            assert_equal 2 [r zremrangebylex z - +]
            assert_equal 0 [r exists z]
            assert_equal 0 [r zremrangebyscore nokey -inf +inf]
            r zadd z 0 a 0 b 0 c
            assert_equal 2 [r zremrangebylex z (a +]
            assert_equal {a} [r zrange z 0 -1]
            assert_error "ERR value is not an integer or out of range" {r zremrangebyrank z a 1}
            assert_error "ERR min or max is not a float" {r zremrangebyscore z a b}
            assert_error "ERR min or max not valid string range item" {r zremrangebylex z a b}
        }

        test "ZRANGESTORE - $enc" {
            r del z dst
            r zadd z 1 a 2 b 3 c 4 d
            assert_equal 4 [r zrangestore dst z 0 -1]
            assert_equal {a 1 b 2 c 3 d 4} [r zrange dst 0 -1 withscores]
            assert_equal 2 [r zrangestore dst z (1 +inf byscore limit 0 2]
            assert_equal {b c} [r zrange dst 0 -1]
            assert_equal 2 [r zrangestore dst z + \[c bylex rev]
            assert_equal 0 [r zrangestore dst nokey 0 -1]
            assert_equal 0 [r exists dst]
            assert_error "ERR syntax error" {r zrangestore dst z 0 1 withscores}
        }

        test "ZPOPMIN, ZPOPMAX, ZMPOP - $enc" {
            r del z
            r zadd z 1 a 2 b 3 c 4 d
            assert_equal {a 1} [r zpopmin z]
            assert_equal {d 4 c 3} [r zpopmax z 2]
            assert_equal {} [r zpopmin z 0]
            assert_equal {} [r zpopmin nokey]
            assert_equal {b 2} [r zpopmin z 10]
            assert_equal 0 [r exists z]
            assert_error "ERR value is out of range, must be positive" {r zpopmin z -1}
            r zadd z 1 a 2 b 3 c
            assert_equal {z {{c 3} {b 2}}} [r zmpop 2 nokey z max count 2]
            assert_equal {z {{a 1}}} [r zmpop 1 z min]
            assert_equal {} [r zmpop 1 z min]
            assert_error "ERR numkeys should be greater than 0" {r zmpop 0 z min}
            assert_error "ERR syntax error" {r zmpop 1 z foo}
            assert_error "ERR syntax error" {r zmpop 2 z min}
            assert_error "ERR count should be greater than 0" {r zmpop 1 z min count 0}
            assert_error "ERR syntax error" {r zmpop 1 z min count 1 count 1}
        }

        test "ZUNION, ZINTER, ZDIFF with sets, WEIGHTS and AGGREGATE - $enc" {
            r del s1 s2 st
            r zadd s1 1 a 2 b 3 c
            r zadd s2 4 b 5 c 6 d
            r sadd st a d x
            assert_equal {x 1 a 2 b 6 d 7 c 8} [r zunion 3 s1 s2 st withscores]
            assert_equal {} [r zinter 3 s1 s2 st withscores]
            assert_equal {b 4 c 5} [r zinter 2 s1 s2 withscores aggregate max]
            assert_equal {b 2 c 2.5} [r zinter 2 s1 s2 weights 2 0.5 aggregate min withscores]
            assert_equal {a 5 b 10 c 15} [r zinter 2 s1 s1 weights 2 3 withscores]
            assert_equal {a 1} [r zdiff 2 s1 s2 withscores]
            assert_equal {b c} [r zdiff 3 s1 nokey st]
            assert_equal {b -inf c -inf d -inf a inf} [r zunion 2 s1 s2 weights inf -inf withscores aggregate min]
            assert_equal 2 [r zintercard 2 s1 s2]
            assert_equal 1 [r zintercard 2 s1 s2 limit 1]
            assert_equal 0 [r zintercard 3 s1 s2 nokey]
            assert_error "ERR at least 1 input key is needed for 'zunion' command" {r zunion 0 s1}
            assert_error "ERR at least 1 input key is needed for 'zunionstore' command" {r zunionstore d 0 s1}
            assert_error "ERR at least 1 input key is needed for 'zintercard' command" {r zintercard -1 s1}
            assert_error "ERR value is not an integer or out of range" {r zunion abc s1}
            assert_error "ERR syntax error" {r zunion 3000000000 s1}
            assert_error "ERR syntax error" {r zunionstore d 2 s1}
            assert_error "ERR weight value is not a float" {r zunion 1 s1 weights a}
            assert_error "ERR syntax error" {r zunion 1 s1 weights 1 2}
            assert_error "ERR syntax error" {r zunion 1 s1 aggregate foo}
            assert_error "ERR syntax error" {r zdiff 1 s1 weights 1}
            assert_error "ERR syntax error" {r zunionstore d 1 s1 withscores}
            assert_error "ERR LIMIT can't be negative" {r zintercard 1 s1 limit -1}
        }

        test "ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE - $enc" {
            r del s1 s2 out
            r zadd s1 1 a 2 b 3 c
            r zadd s2 4 b 5 c 6 d
            assert_equal 4 [r zunionstore out 2 s1 s2]
            assert_equal {a 1 b 6 d 6 c 8} [r zrange out 0 -1 withscores]
            assert_equal 2 [r zinterstore out 2 s1 s2 aggregate max]
            assert_equal {b 4 c 5} [r zrange out 0 -1 withscores]
            assert_equal 1 [r zdiffstore out 2 s1 s2]
            assert_equal {a} [r zrange out 0 -1]
            assert_equal 0 [r zdiffstore out 2 s1 s1]
            assert_equal 0 [r exists out]
        }

        test "ZRANDMEMBER - $enc" {
            r del z
            r zadd z 1 a 2 b 3 c 4 d 5 e
            assert_match {[a-e]} [r zrandmember z]
            assert_equal {} [r zrandmember nokey]
            assert_equal {} [r zrandmember nokey 3]
            assert_equal {} [r zrandmember z 0]
            assert_equal {a b c d e} [lsort [r zrandmember z 10]]
            set three [r zrandmember z 3]
            assert_equal 3 [llength [lsort -unique $three]]
            assert_equal 20 [llength [r zrandmember z -20]]
            foreach {m sc} [r zrandmember z -10 withscores] {
                assert_equal $sc [r zscore z $m]
            }
            assert_error "ERR value is not an integer or out of range" {r zrandmember z abc}
            assert_error "ERR syntax error" {r zrandmember z 1 foo}
            assert_error "ERR value is out of range" {r zrandmember z -9223372036854775807 withscores}
        }

        test "ZSCAN - $enc" {
            r del z
            for {set i 0} {$i < 100} {incr i} {r zadd z $i m$i}
            set cur 0
            set seen {}
            while 1 {
                set res [r zscan z $cur]
                set cur [lindex $res 0]
                foreach {m sc} [lindex $res 1] {dict set seen $m $sc}
                if {$cur == 0} break
            }
            assert_equal 100 [dict size $seen]
            assert_equal 42 [dict get $seen m42]
            assert_equal {0 {}} [r zscan nokey 0]
            assert_error "ERR syntax error" {r zscan z 0 count 0}
        }
    }

    r config set zset-max-listpack-entries 128
    r config set zset-max-listpack-value 64

    test "Encoding conversions follow the listpack limits" {
        r config set zset-max-listpack-entries 4
        r config set zset-max-listpack-value 8
        r del z lv dup u
        r zadd z 1 a 2 b 3 c 4 d
        assert_encoding listpack z
        r zadd z 5 e
        assert_encoding skiplist z
        r zrem z a b c d
        assert_encoding skiplist z
        r zadd lv 1 a
        r zadd lv 2 aaaaaaaaa
        assert_encoding skiplist lv
        r zadd dup 1 a 1 a 1 a 1 a 1 a 1 a
        assert_encoding listpack dup
        r zunionstore u 1 z
        assert_encoding listpack u
        r zadd m 1 a 2 b 3 c 4 d 5 e 6 f
        r zrangestore u m 0 4
        assert_encoding skiplist u
        r zrangestore u m 0 2
        assert_encoding listpack u
        r zinterstore u 1 m
        assert_encoding skiplist u
        r config set zset-max-listpack-entries 128
        r config set zset-max-listpack-value 64
    }

    test "Integral scores are listpack integers in DUMP-compatible form" {
        r del q
        r zadd q 4.6e18 b 4.7e18 c -0.0 i 1.5 g
        assert_equal {i 0 g 1.5 b 4600000000000000000 c 4.7e+18} [lindex [r zscan q 0] 1]
        assert_equal {i 0 g 1.5 b 4.6e+18 c 4.7e+18} [r zrange q 0 -1 withscores]
    }

    test "RESP2 and RESP3 reply shapes" {
        r del z
        r zadd z 1 a 2.5 b
        set rd [redis_deferring_client]
        $rd readraw 1
        $rd zrange z 0 -1 withscores
        assert_equal "*4 \$1 a \$1 1 \$1 b \$3 2.5" [zset_read_raw_lines $rd 9]
        $rd zpopmin nokey
        assert_equal "*0" [$rd read]
        $rd zmpop 1 nokey min
        assert_equal "*-1" [$rd read]
        $rd zscore z nope
        assert_equal "\$-1" [$rd read]
        $rd readraw 0
        $rd hello 3
        $rd read
        $rd readraw 1
        $rd zrange z 0 -1 withscores
        assert_equal "*2 *2 \$1 a ,1 *2 \$1 b ,2.5" [zset_read_raw_lines $rd 9]
        $rd zrangebyscore z -inf +inf withscores limit 0 1
        assert_equal "*1 *2 \$1 a ,1" [zset_read_raw_lines $rd 5]
        $rd zscore z b
        assert_equal ",2.5" [$rd read]
        $rd zmscore z a nope
        assert_equal "*2 ,1 _" [zset_read_raw_lines $rd 3]
        $rd zrank z nope
        assert_equal "_" [$rd read]
        $rd zincrby z 1 a
        assert_equal ",2" [$rd read]
        $rd zadd z nx incr 1 a
        assert_equal "_" [$rd read]
        $rd zunion 1 z withscores
        assert_equal "*2 *2 \$1 a ,2 *2 \$1 b ,2.5" [zset_read_raw_lines $rd 9]
        $rd zrandmember z 1 withscores
        assert_match "\\*1 \\*2 * ,*" [zset_read_raw_lines $rd 5]
        $rd zpopmin z
        assert_equal "*2 \$1 a ,2" [zset_read_raw_lines $rd 4]
        $rd zadd z inf a
        $rd read
        $rd zpopmax z 1
        assert_equal "*1 *2 \$1 a ,inf" [zset_read_raw_lines $rd 5]
        $rd zmpop 1 z min
        assert_equal "*2 \$1 z *1 *2 \$1 b ,2.5" [zset_read_raw_lines $rd 8]
        $rd zmpop 1 nokey min
        assert_equal "_" [$rd read]
        $rd close
    }

    test "Keyspace events of the sorted set commands" {
        r config set notify-keyspace-events Ez
        set sub [redis_deferring_client]
        $sub psubscribe __keyevent@*
        $sub read
        r del z
        r zadd z 1 a 2 b 3 c
        r zincrby z 1 a
        r zrem z a
        r zremrangebyscore z 0 2
        r zadd z 5 d
        r zremrangebyrank z 0 0
        r zadd z 0 e
        r zremrangebylex z - +
        r zadd z 1 a 2 b
        r zpopmin z
        r zpopmax z
        r zadd src 1 a
        r zunionstore dst 1 src
        r zinterstore dst 1 src
        r zdiffstore dst 1 src
        r zrangestore dst src 0 -1
        set events {}
        for {set i 0} {$i < 16} {incr i} {
            lappend events [lindex [split [lindex [$sub read] 2] :] end]
        }
        assert_equal [list zadd zincr zrem zremrangebyscore zadd \
            zremrangebyrank zadd zremrangebylex zadd zpopmin zpopmax zadd \
            zunionstore zinterstore zdiffstore zrangestore] $events
        $sub close
        r config set notify-keyspace-events ""
    }

    foreach {enc limit} {listpack 128 skiplist 0} {
        r config set zset-max-listpack-entries $limit

        test "BZPOPMIN is woken by ZADD - $enc" {
            r del bz
            set rd [redis_deferring_client]
            $rd bzpopmin bz 0
            zset_wait_blocked 1
            r zadd bz 2 b 1 a
            assert_equal {bz a 1} [$rd read]
            assert_equal {b} [r zrange bz 0 -1]
            $rd close
        }

        test "BZPOPMAX with several keys, served in arrival order - $enc" {
            r del k1 k2
            set c1 [redis_deferring_client]
            set c2 [redis_deferring_client]
            $c1 bzpopmax k1 k2 0
            zset_wait_blocked 1
            $c2 bzpopmax k2 0
            zset_wait_blocked 2
            r zadd k2 1 a 2 b
            assert_equal {k2 b 2} [$c1 read]
            assert_equal {k2 a 1} [$c2 read]
            assert_equal 0 [r exists k2]
            $c1 close
            $c2 close
        }

        test "BZMPOP is woken with COUNT - $enc" {
            r del bz
            set rd [redis_deferring_client]
            $rd bzmpop 0 2 nokey bz max count 2
            zset_wait_blocked 1
            r zadd bz 1 a 2 b 3 c
            assert_equal {bz {{c 3} {b 2}}} [$rd read]
            assert_equal {a} [r zrange bz 0 -1]
            $rd close
        }

        test "BZPOPMIN, BZMPOP time out with sub-second timeouts - $enc" {
            set rd [redis_deferring_client]
            $rd bzpopmin nokey 0.05
            assert_equal {} [$rd read]
            $rd bzmpop 0.05 1 nokey min
            assert_equal {} [$rd read]
            $rd close
        }

        test "BZPOPMIN serves at once and inside MULTI does not block - $enc" {
            r del bz
            r zadd bz 1 a
            assert_equal {bz a 1} [r bzpopmin nokey bz 0]
            r multi
            r bzpopmin bz 0
            r bzmpop 0 1 bz min
            assert_equal {{} {}} [r exec]
            assert_error "ERR timeout is negative" {r bzpopmin bz -1}
            assert_error "ERR timeout is not a float or out of range" {r bzpopmin bz abc}
            assert_error "ERR numkeys should be greater than 0" {r bzmpop 0 0 bz min}
        }

        test "BZPOPMIN is woken by a ZADD inside MULTI/EXEC - $enc" {
            r del bz
            set rd [redis_deferring_client]
            $rd bzpopmin bz 0
            zset_wait_blocked 1
            r multi
            r zadd bz 5 x
            r zadd bz 1 y
            r exec
            assert_equal {bz y 1} [$rd read]
            $rd close
        }
    }
    r config set zset-max-listpack-entries 128
}
