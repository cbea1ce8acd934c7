# string.tcl -- the string type and its commands.

start_server {tags {string}} {
    test "SET and GET" {
        assert_equal OK [r set foo bar]
        assert_equal bar [r get foo]
        assert_equal {} [r get nokey]
        r set empty ""
        assert_equal {} [r get empty]
        assert_equal 0 [r strlen empty]
        assert_equal 1 [r exists empty]
    }

    test "SET NX and XX" {
        r del k
        assert_equal {} [r set k v xx]
        assert_equal 0 [r exists k]
        assert_equal OK [r set k v nx]
        assert_equal {} [r set k v2 nx]
        assert_equal v [r get k]
        assert_equal OK [r set k v3 xx]
        assert_equal v3 [r get k]
        assert_error "ERR syntax error" {r set k v nx xx}
        assert_error "ERR syntax error" {r set k v bogus}
    }

    test "SET GET returns the old value" {
        r del k
        assert_equal {} [r set k v1 get]
        assert_equal v1 [r set k v2 get]
        assert_equal v2 [r get k]
        assert_equal v2 [r set k v3 nx get]
        assert_equal v2 [r get k]
        r rpush list a
        assert_error "WRONGTYPE Operation against a key holding the wrong kind of value" {r set list v get}
        assert_equal list [r type list]
        r del list
    }

    test "GETSET" {
        r del k
        assert_equal {} [r getset k v1]
        assert_equal v1 [r getset k v2]
        assert_equal v2 [r get k]
    }

    test "GETDEL" {
        r set k v
        assert_equal v [r getdel k]
        assert_equal 0 [r exists k]
        assert_equal {} [r getdel k]
    }

    test "GETEX options" {
        r set k v
        assert_equal v [r getex k]
        assert_equal -1 [r ttl k]
        assert_equal v [r getex k px 100000]
        assert_range [r pttl k] 90000 100000
        assert_equal v [r getex k exat [expr {[clock seconds] + 50}]]
        assert_range [r ttl k] 45 50
        assert_equal v [r getex k persist]
        assert_equal -1 [r ttl k]
        assert_equal {} [r getex nokey ex 10]
        assert_error "ERR syntax error" {r getex k ex 10 px 100}
        assert_error "ERR syntax error" {r getex k bogus}
        assert_error "ERR invalid expire time in 'getex' command" {r getex k ex -1}
    }

    test "MSET, MGET and MSETNX" {
        r flushdb
        assert_equal OK [r mset a 1 b 2 c 3]
        assert_equal {1 2 3 {}} [r mget a b c d]
        r rpush list x
        assert_equal {1 {}} [r mget a list]
        assert_equal 0 [r msetnx a 10 d 4]
        assert_equal {} [r get d]
        assert_equal 1 [r msetnx d 4 e 5]
        assert_equal {4 5} [r mget d e]
        assert_error "ERR wrong number of arguments for 'mset' command" {r mset a 1 b}
        assert_error "ERR wrong number of arguments for 'msetnx' command" {r msetnx a}
    }

    test "SETNX, SETEX and PSETEX" {
        r del k
        assert_equal 1 [r setnx k v]
        assert_equal 0 [r setnx k v2]
        assert_equal v [r get k]
        assert_equal OK [r setex k 100 v3]
        assert_range [r ttl k] 95 100
        assert_equal v3 [r get k]
        assert_equal OK [r psetex k 100000 v4]
        assert_range [r pttl k] 95000 100000
        assert_error "ERR invalid expire time in 'setex' command" {r setex k 0 v}
        assert_error "ERR invalid expire time in 'setex' command" {r setex k -10 v}
        assert_error "ERR invalid expire time in 'psetex' command" {r psetex k 0 v}
        assert_error "ERR value is not an integer or out of range" {r setex k abc v}
    }

    test "APPEND and STRLEN" {
        r del k
        assert_equal 3 [r append k foo]
        assert_equal 6 [r append k bar]
        assert_equal foobar [r get k]
        assert_equal 6 [r strlen k]
        assert_equal 0 [r strlen nokey]
        r set n 123
        assert_equal 6 [r append n 456]
        assert_equal 123456 [r get n]
        assert_equal 6 [r strlen n]
    }

    test "INCR, DECR, INCRBY and DECRBY" {
        r del n
        assert_equal 1 [r incr n]
        assert_equal 11 [r incrby n 10]
        assert_equal 10 [r decr n]
        assert_equal -90 [r decrby n 100]
        assert_equal -90 [r get n]
        r set n "  1"
        assert_error "ERR value is not an integer or out of range" {r incr n}
        r set n 1.5
        assert_error "ERR value is not an integer or out of range" {r incr n}
        r set n 9223372036854775807
        assert_error "ERR increment or decrement would overflow" {r incr n}
        r set n -9223372036854775808
        assert_error "ERR increment or decrement would overflow" {r decr n}
        r set n 0
        assert_error "ERR value is not an integer or out of range" {r incrby n 9223372036854775808}
        assert_error "ERR value is not an integer or out of range" {r incrby n abc}
        assert_error "ERR decrement would overflow" {r decrby n -9223372036854775808}
        r set n 17179869184
        assert_equal 17179869185 [r incr n]
    }

    test "INCR on an embstr-encoded number" {
        r set n [string repeat 1 3]
        assert_equal 112 [r incr n]
        assert_encoding int n
    }

    test "INCRBYFLOAT" {
        r del f
        assert_equal 10.5 [r incrbyfloat f 10.5]
        assert_equal 10.6 [r incrbyfloat f 0.1]
        assert_equal 5.6 [r incrbyfloat f -5]
        assert_equal 5000 [r incrbyfloat f 4994.4]
        r set f 1
        assert_equal 350000000000000000000 [r incrbyfloat f 3.5e20]
        r set f abc
        assert_error "ERR value is not a valid float" {r incrbyfloat f 1}
        r set f 1
        assert_error "ERR value is not a valid float" {r incrbyfloat f abc}
        assert_error "ERR increment would produce NaN or Infinity" {r incrbyfloat f inf}
        r set f 1e4932
        assert_error "ERR increment would produce NaN or Infinity" {r incrbyfloat f 1e4932}
        assert_equal 1e4932 [r get f]
    }

    test "GETRANGE" {
        r set k "Hello World"
        assert_equal Hello [r getrange k 0 4]
        assert_equal World [r getrange k -5 -1]
        assert_equal "Hello World" [r getrange k 0 -1]
        assert_equal "Hello World" [r getrange k -100 100]
        assert_equal {} [r getrange k 5 3]
        assert_equal {} [r getrange nokey 0 -1]
        r set n 1234
        assert_equal 23 [r getrange n 1 2]
    }

    test "SETRANGE" {
        r set k "Hello World"
        assert_equal 11 [r setrange k 6 Redis]
        assert_equal "Hello Redis" [r get k]
        r del k
        assert_equal 8 [r setrange k 5 abc]
        assert_equal "\x00\x00\x00\x00\x00abc" [r get k]
        assert_equal 0 [r setrange nokey 5 ""]
        assert_equal 0 [r exists nokey]
        assert_error "ERR offset is out of range" {r setrange k -1 x}
        assert_error "ERR string exceeds maximum allowed size (proto-max-bulk-len)" {r setrange k 536870912 x}
        r set n 1234
        assert_equal 4 [r setrange n 1 99]
        assert_equal 1994 [r get n]
    }

    test "Values beyond proto-max-bulk-len are refused" {
        r config set proto-max-bulk-len 1048576
        assert_error "ERR string exceeds maximum allowed size (proto-max-bulk-len)" {r setrange k 1048576 x}
        r set k [string repeat a 1048000]
        assert_error "ERR string exceeds maximum allowed size (proto-max-bulk-len)" {r append k [string repeat b 1000]}
        r config set proto-max-bulk-len 536870912
    }

    test "LCS" {
        r mset a ohmytext b mynewtext
        assert_equal mytext [r lcs a b]
        assert_equal 6 [r lcs a b len]
        set res [r lcs a b idx]
        assert_equal {matches {{{4 7} {5 8}} {{2 3} {0 1}}} len 6} $res
        set res [r lcs a b idx minmatchlen 4]
        assert_equal {matches {{{4 7} {5 8}}} len 6} $res
        set res [r lcs a b idx minmatchlen 4 withmatchlen]
        assert_equal {matches {{{4 7} {5 8} 4}} len 6} $res
        assert_equal {} [r lcs a nokey]
        assert_equal 0 [r lcs nokey1 nokey2 len]
        assert_error "ERR If you want both the length and indexes, please just use IDX." {r lcs a b len idx}
        assert_error "ERR syntax error" {r lcs a b bogus}
        r rpush list x
        assert_error "ERR The specified keys must contain string values" {r lcs a list}
        r del list
    }

    test "WRONGTYPE errors on non-string keys" {
        r del list
        r rpush list a b
        foreach cmd {
            {get list} {append list x} {incr list} {incrbyfloat list 1}
            {getrange list 0 1} {setrange list 0 x} {strlen list} {getdel list}
            {getex list} {getset list v} {decrby list 2}
        } {
            assert_error "WRONGTYPE Operation against a key holding the wrong kind of value" {r {*}$cmd}
        }
        # SET overwrites whatever type is there.
        assert_equal OK [r set list v]
        assert_equal string [r type list]
    }

    test "Binary-safe values" {
        set bin "\x00\x01\x02\xff\xfe\r\n\x00end"
        r set bin $bin
        assert_equal $bin [r get bin]
        assert_equal [string length $bin] [r strlen bin]
        set key "key\x00with\r\nbytes"
        r set $key v
        assert_equal v [r get $key]
        r append bin "\x00"
        assert_equal "$bin\x00" [r get bin]
    }

    test "Random binary values round-trip" {
        for {set i 0} {$i < 20} {incr i} {
            set v [randstring [expr {int(rand() * 1000)}]]
            r set rnd $v
            assert_equal $v [r get rnd]
        }
    }

    test "Big values (1 MB)" {
        set big [string repeat "0123456789abcdef" 65536]
        r set big $big
        assert_equal 1048576 [r strlen big]
        assert_equal $big [r get big]
        assert_equal 1048580 [r append big wxyz]
        assert_equal wxyz [r getrange big -4 -1]
        r del big
    }

    test "OBJECT ENCODING follows value changes" {
        r set k 100
        assert_encoding int k
        r append k abc
        assert_encoding raw k
        r set k short
        assert_encoding embstr k
        r append k x
        assert_encoding raw k
        r set k 12
        r incr k
        assert_encoding int k
        r set k [string repeat a 44]
        assert_encoding embstr k
        r set k [string repeat a 45]
        assert_encoding raw k
        r set k 12345678901234567890
        assert_encoding embstr k
        r setrange k 0 x
        assert_encoding raw k
    }

    test "Wrong number of arguments" {
        assert_error "ERR wrong number of arguments for 'get' command" {r get}
        assert_error "ERR wrong number of arguments for 'set' command" {r set k}
        assert_error "ERR wrong number of arguments for 'getrange' command" {r getrange k 0}
    }
}
