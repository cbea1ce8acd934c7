# keyspace.tcl -- databases and generic key commands.

start_server {tags {keyspace}} {
    test "SELECT switches database and rejects out of range indexes" {
        r select 1
        r set k db1
        r select 0
        assert_equal {} [r get k]
        r select 1
        assert_equal db1 [r get k]
        assert_error "ERR DB index is out of range" {r select 16}
        assert_error "ERR DB index is out of range" {r select -1}
        assert_error "ERR value is not an integer or out of range" {r select abc}
        r flushall
        r select 0
    }

    test "DBSIZE counts keys of the selected database" {
        r flushall
        assert_equal 0 [r dbsize]
        r mset a 1 b 2 c 3
        assert_equal 3 [r dbsize]
        r select 2
        assert_equal 0 [r dbsize]
        r select 0
    }

    test "SWAPDB exchanges two databases" {
        r flushall
        r set k in0
        r select 3
        r set k in3
        r set only3 x
        r select 0
        assert_equal OK [r swapdb 0 3]
        assert_equal in3 [r get k]
        assert_equal x [r get only3]
        r select 3
        assert_equal in0 [r get k]
        r select 0
        assert_error "ERR DB index is out of range" {r swapdb 0 16}
        assert_error "ERR invalid first DB index" {r swapdb x 1}
        assert_error "ERR invalid second DB index" {r swapdb 1 y}
        r flushall
    }

    test "FLUSHDB only empties the selected database" {
        r set k0 v
        r select 4
        r set k4 v
        assert_equal OK [r flushdb]
        assert_equal 0 [r dbsize]
        r select 0
        assert_equal 1 [r dbsize]
        r flushall
    }

    test "FLUSHDB and FLUSHALL accept ASYNC and SYNC" {
        foreach mode {ASYNC SYNC} {
            r mset a 1 b 2
            assert_equal OK [r flushdb $mode]
            assert_equal 0 [r dbsize]
            r mset a 1 b 2
            r select 5
            r set c 3
            assert_equal OK [r flushall $mode]
            assert_equal 0 [r dbsize]
            r select 0
            assert_equal 0 [r dbsize]
        }
        assert_error "ERR syntax error" {r flushall bogus}
    }

    test "DEL removes several keys and counts the removed ones" {
        r mset a 1 b 2 c 3
        assert_equal 2 [r del a b missing]
        assert_equal 0 [r exists a b]
        assert_equal 1 [r del c c]
    }

    test "UNLINK removes keys like DEL" {
        r mset a 1 b 2
        r rpush list x y z
        assert_equal 3 [r unlink a b list nokey]
        assert_equal 0 [r dbsize]
    }

    test "EXISTS counts duplicate arguments" {
        r set a 1
        assert_equal 1 [r exists a]
        assert_equal 3 [r exists a a a]
        assert_equal 2 [r exists a nokey a]
        assert_equal 0 [r exists nokey]
        r del a
    }

    test "TYPE reports every type" {
        r set s v
        r rpush l v
        r sadd st v
        r zadd z 1 v
        r hset h f v
        assert_equal string [r type s]
        assert_equal list [r type l]
        assert_equal set [r type st]
        assert_equal zset [r type z]
        assert_equal hash [r type h]
        assert_equal none [r type nokey]
        r flushdb
    }

    test "RENAME moves the value and the TTL" {
        r set src v
        r expire src 100
        assert_equal OK [r rename src dst]
        assert_equal 0 [r exists src]
        assert_equal v [r get dst]
        assert_range [r ttl dst] 90 100
        r set other x
        r rename other dst
        assert_equal x [r get dst]
        assert_equal -1 [r ttl dst]
        assert_error "ERR no such key" {r rename nokey dst2}
        # Renaming a key to itself keeps it.
        assert_equal OK [r rename dst dst]
        assert_equal x [r get dst]
        r flushdb
    }

    test "RENAMENX only renames when the target is missing" {
        r set a 1
        r set b 2
        assert_equal 0 [r renamenx a b]
        assert_equal 1 [r get a]
        assert_equal 1 [r renamenx a c]
        assert_equal 1 [r get c]
        assert_equal 0 [r exists a]
        assert_error "ERR no such key" {r renamenx nokey x}
        r flushdb
    }

    test "MOVE transfers a key to another database" {
        r set k v
        assert_equal 1 [r move k 6]
        assert_equal 0 [r exists k]
        r select 6
        assert_equal v [r get k]
        r select 0
        # Not moved when the target already has the key or the source lacks it.
        r set k other
        assert_equal 0 [r move k 6]
        assert_equal 0 [r move nokey 6]
        assert_error "ERR source and destination objects are the same" {r move k 0}
        assert_error "ERR DB index is out of range" {r move k 16}
        r flushall
    }

    test "COPY within a database, to another database and with REPLACE" {
        r set src hello
        assert_equal 1 [r copy src dst]
        assert_equal hello [r get dst]
        r set dst changed
        assert_equal hello [r get src]
        assert_equal 0 [r copy src dst]
        assert_equal changed [r get dst]
        assert_equal 1 [r copy src dst REPLACE]
        assert_equal hello [r get dst]
        assert_equal 1 [r copy src dst DB 7]
        r select 7
        assert_equal hello [r get dst]
        r select 0
        assert_equal 0 [r copy nokey dst2]
        r rpush list a b c
        assert_equal 1 [r copy list list2]
        assert_equal {a b c} [r lrange list2 0 -1]
        r rpush list d
        assert_equal {a b c} [r lrange list2 0 -1]
        assert_error "ERR source and destination objects are the same" {r copy src src}
        assert_error "ERR syntax error" {r copy src dst bogus}
        r flushall
    }

    test "KEYS with glob patterns" {
        r mset foo 1 foobar 2 fxo 3 bar 4 "a*b" 5 hello 6 hallo 7
        assert_equal {foo foobar} [lsort [r keys foo*]]
        assert_equal {foo fxo} [lsort [r keys f?o]]
        assert_equal {hallo hello} [lsort [r keys h\[ae\]llo]]
        assert_equal {hello} [lsort [r keys h\[^a\]llo]]
        assert_equal {a*b} [r keys {a\*b}]
        assert_equal 7 [llength [r keys *]]
        assert_equal {} [r keys nomatch*]
        r flushdb
    }

    test "SCAN returns every key at least once" {
        r flushdb
        for {set i 0} {$i < 1000} {incr i} {
            r set key:$i $i
        }
        set cursor 0
        set seen {}
        set rounds 0
        while 1 {
            lassign [r scan $cursor] cursor keys
            foreach k $keys {dict set seen $k 1}
            incr rounds
            if {$cursor == 0} break
        }
        assert_equal 1000 [dict size $seen]
        assert_morethan $rounds 1
    }

    test "SCAN with MATCH and COUNT" {
        set cursor 0
        set seen {}
        while 1 {
            lassign [r scan $cursor match key:1* count 100] cursor keys
            foreach k $keys {
                assert_match key:1* $k
                dict set seen $k 1
            }
            if {$cursor == 0} break
        }
        # key:1, key:10-19, key:100-199
        assert_equal 111 [dict size $seen]
        assert_error "ERR syntax error" {r scan 0 count 0}
        assert_error "ERR invalid cursor" {r scan notanumber}
    }

    test "SCAN with TYPE" {
        r flushdb
        for {set i 0} {$i < 50} {incr i} {
            r set s$i v
            r rpush l$i v
        }
        set cursor 0
        set seen {}
        while 1 {
            lassign [r scan $cursor type list] cursor keys
            foreach k $keys {
                assert_match l* $k
                dict set seen $k 1
            }
            if {$cursor == 0} break
        }
        assert_equal 50 [dict size $seen]
        r flushdb
    }

    test "RANDOMKEY" {
        r flushdb
        assert_equal {} [r randomkey]
        r set only v
        assert_equal only [r randomkey]
        r mset a 1 b 2
        for {set i 0} {$i < 20} {incr i} {
            assert_match {[oab]*} [r randomkey]
        }
        r flushdb
    }

    test "TOUCH counts existing keys" {
        r mset a 1 b 2
        assert_equal 2 [r touch a b c]
        assert_equal 0 [r touch nokey]
        r flushdb
    }

    test "OBJECT ENCODING int, embstr and raw" {
        r set n 12345
        assert_encoding int n
        r set small hello
        assert_encoding embstr small
        r set big [string repeat x 100]
        assert_encoding raw big
        assert_equal {} [r object encoding nokey]
    }

    test "OBJECT REFCOUNT and IDLETIME" {
        r set k somevalue
        assert_equal 1 [r object refcount k]
        assert_range [r object idletime k] 0 5
        assert_equal {} [r object refcount nokey]
    }

    test "OBJECT FREQ needs an LFU maxmemory-policy" {
        r set k v
        assert_error "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust." {r object freq k}
        r config set maxmemory-policy allkeys-lfu
        assert_range [r object freq k] 0 255
        assert_error "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust." {r object idletime k}
        r config set maxmemory-policy noeviction
    }

    test "OBJECT with a wrong subcommand" {
        assert_error "ERR unknown subcommand 'bogus'. Try OBJECT HELP." {r object bogus k}
        assert_morethan [llength [r object help]] 3
    }
}
