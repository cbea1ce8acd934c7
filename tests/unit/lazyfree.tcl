# lazyfree.tcl -- freeing in the background thread: UNLINK, FLUSHALL and
# FLUSHDB ASYNC|SYNC, the lazyfree-lazy-* directives, replica-lazy-flush,
# SCRIPT FLUSH ASYNC and FUNCTION FLUSH ASYNC. What reaches the thread is
# seen in INFO's lazyfreed_objects (counted when the thread has freed it)
# and lazyfree_pending_objects (handed over, not yet freed). Only values
# that take more than 64 allocations to free go to the thread.

proc lazyfreed {{level 0}} {return [s $level lazyfreed_objects]}

# lazyfreed_objects once the thread has nothing pending.
proc settled_lazyfreed {{level 0}} {
    wait_for_condition 500 10 {[s $level lazyfree_pending_objects] == 0} else {
        fail "the free thread never finished its work"
    }
    return [lazyfreed $level]
}

# Waits until the thread has freed everything handed to it and the count
# of freed objects reached <n>.
proc wait_lazyfreed {n {level 0}} {
    wait_for_condition 500 10 {
        [s $level lazyfree_pending_objects] == 0 && [lazyfreed $level] == $n
    } else {
        fail "lazyfreed_objects is [lazyfreed $level], expected $n\
              (pending [s $level lazyfree_pending_objects])"
    }
}

# Makes <key> a set of <n> distinct members (hashtable encoded).
proc big_set {key n} {
    set args {}
    for {set i 0} {$i < $n} {incr i} {
        lappend args "member:$i"
        if {[llength $args] == 1000} {
            r sadd $key {*}$args
            set args {}
        }
    }
    if {[llength $args]} {r sadd $key {*}$args}
}

start_server {tags {lazyfree}} {
    test "INFO shows lazyfree_pending_objects and lazyfreed_objects" {
        set info [r info memory]
        assert_match "*lazyfree_pending_objects:0*" $info
        assert_match "*lazyfreed_objects:0*" $info
    }

    test "UNLINK of a large set frees it in the background thread" {
        set before [settled_lazyfreed]
        set mem0 [s used_memory]
        big_set bigset 20000
        assert_equal 20000 [r scard bigset]
        assert_encoding hashtable bigset
        assert_morethan [s used_memory] [expr {$mem0 + 500000}]
        assert_equal 1 [r unlink bigset]
        assert_equal 0 [r exists bigset]
        wait_lazyfreed [expr {$before + 1}]
        # The memory went back (allowing for allocator slack).
        wait_for_condition 100 10 {
            [s used_memory] < $mem0 + 300000
        } else {
            fail "memory not released: [s used_memory] vs $mem0"
        }
    }

    test "UNLINK of small values frees them at once, not in the thread" {
        set before [settled_lazyfreed]
        r set str [string repeat x 100000]
        r sadd smallset a b c
        r rpush smalllist a b c
        big_set mediumset 50
        assert_equal 4 [r unlink str smallset smalllist mediumset]
        assert_equal 0 [r dbsize]
        assert_equal $before [lazyfreed]
        assert_equal 0 [s lazyfree_pending_objects]
    }

    test "UNLINK counts the keys it removed, like DEL" {
        big_set a 100
        r set b x
        assert_equal 2 [r unlink a b nokey a]
        assert_equal 0 [r unlink nokey]
    }

    test "DEL frees at once unless lazyfree-lazy-user-del is yes" {
        set before [settled_lazyfreed]
        big_set s1 1000
        assert_equal 1 [r del s1]
        assert_equal $before [lazyfreed]
        r config set lazyfree-lazy-user-del yes
        big_set s1 1000
        assert_equal 1 [r del s1]
        wait_lazyfreed [expr {$before + 1}]
        r config set lazyfree-lazy-user-del no
    }

    test "Every type with many allocations goes to the thread" {
        set before [settled_lazyfreed]
        r config set list-max-listpack-size 4
        for {set i 0} {$i < 400} {incr i} {r rpush biglist $i}
        assert_encoding quicklist biglist
        for {set i 0} {$i < 600} {incr i} {r hset bighash f$i v$i}
        assert_encoding hashtable bighash
        for {set i 0} {$i < 300} {incr i} {r zadd bigzset $i m$i}
        assert_encoding skiplist bigzset
        for {set i 0} {$i < 300} {incr i} {r xadd bigstream * f $i}
        r config set stream-node-max-entries 2
        for {set i 0} {$i < 300} {incr i} {r xadd bigstream * f $i}
        r xgroup create bigstream g1 0
        r xreadgroup group g1 c1 count 100 streams bigstream >
        r xgroup create bigstream g2 0
        assert_equal 4 [r unlink biglist bighash bigzset bigstream]
        wait_lazyfreed [expr {$before + 4}]
        r config set list-max-listpack-size -2
        r config set stream-node-max-entries 100
    }

    test "FLUSHALL ASYNC hands every key to the thread and empties at once" {
        r flushall sync
        set before [settled_lazyfreed]
        for {set i 0} {$i < 500} {incr i} {r set k$i v$i}
        r expire k1 1000
        r select 9
        for {set i 0} {$i < 100} {incr i} {r set k$i v$i}
        r select 0
        assert_equal OK [r flushall async]
        assert_equal 0 [r dbsize]
        r select 9
        assert_equal 0 [r dbsize]
        r select 0
        wait_lazyfreed [expr {$before + 600}]
        # The database works as before with its new tables.
        r set k1 v
        r expire k1 100
        assert_range [r ttl k1] 90 100
        assert_match "*db0:keys=1,expires=1*" [r info keyspace]
    }

    test "FLUSHDB ASYNC empties only the selected database" {
        set before [settled_lazyfreed]
        r flushall sync
        for {set i 0} {$i < 300} {incr i} {r set k$i v$i}
        r select 9
        r set other 1
        r select 0
        assert_equal OK [r flushdb async]
        assert_equal 0 [r dbsize]
        r select 9
        assert_equal 1 [r dbsize]
        r select 0
        wait_lazyfreed [expr {$before + 300}]
    }

    test "FLUSHALL SYNC and FLUSHDB SYNC free at once" {
        r flushall
        set before [settled_lazyfreed]
        for {set i 0} {$i < 300} {incr i} {r set k$i v$i}
        assert_equal OK [r flushdb sync]
        for {set i 0} {$i < 300} {incr i} {r set k$i v$i}
        assert_equal OK [r flushall sync]
        assert_equal $before [lazyfreed]
    }

    test "lazyfree-lazy-user-flush makes FLUSHALL/FLUSHDB without option async" {
        set before [settled_lazyfreed]
        r config set lazyfree-lazy-user-flush yes
        for {set i 0} {$i < 200} {incr i} {r set k$i v$i}
        r flushall
        wait_lazyfreed [expr {$before + 200}]
        for {set i 0} {$i < 200} {incr i} {r set k$i v$i}
        r flushdb
        wait_lazyfreed [expr {$before + 400}]
        # An explicit SYNC wins over the directive.
        for {set i 0} {$i < 200} {incr i} {r set k$i v$i}
        r flushall sync
        assert_equal [expr {$before + 400}] [lazyfreed]
        r config set lazyfree-lazy-user-flush no
    }

    test "FLUSHALL/FLUSHDB reject options other than ASYNC and SYNC" {
        assert_error "ERR syntax error" {r flushall lazy}
        assert_error "ERR syntax error" {r flushdb async sync}
    }

    test "lazyfree-lazy-server-del: an overwritten large value goes to the thread" {
        set before [settled_lazyfreed]
        big_set s1 1000
        r set s1 plain
        assert_equal $before [lazyfreed]
        r config set lazyfree-lazy-server-del yes
        big_set s2 1000
        r set s2 plain
        wait_lazyfreed [expr {$before + 1}]
        big_set s3 1000
        r set dst x
        r rename s3 dst
        wait_lazyfreed [expr {$before + 1}]
        big_set s4 1000
        r rename s4 dst
        wait_lazyfreed [expr {$before + 2}]
        r config set lazyfree-lazy-server-del no
        r flushall
    }

    test "lazyfree-lazy-expire: an expired large value goes to the thread" {
        set before [settled_lazyfreed]
        r config set lazyfree-lazy-expire yes
        big_set s1 1000
        r pexpire s1 1
        wait_for_condition 500 10 {[r exists s1] == 0} else {
            fail "key did not expire"
        }
        wait_lazyfreed [expr {$before + 1}]
        r config set lazyfree-lazy-expire no
        big_set s1 1000
        r pexpire s1 1
        wait_for_condition 500 10 {[r exists s1] == 0} else {
            fail "key did not expire"
        }
        assert_equal [expr {$before + 1}] [lazyfreed]
    }

    test "lazyfree-lazy-eviction: an evicted large value goes to the thread" {
        r flushall
        set before [settled_lazyfreed]
        r config set lazyfree-lazy-eviction yes
        r config set maxmemory-policy allkeys-random
        big_set s1 5000
        set used [s used_memory]
        r config set maxmemory [expr {$used - 100000}]
        # The write may be refused if the thread has not given the memory
        # back within eviction's time budget; the eviction happened.
        catch {r set trigger x}
        wait_for_condition 500 10 {[r exists s1] == 0} else {
            fail "key was not evicted"
        }
        wait_lazyfreed [expr {$before + 1}]
        r config set maxmemory 0
        r config set maxmemory-policy noeviction
        r config set lazyfree-lazy-eviction no
    }

    test "SCRIPT FLUSH ASYNC frees the old Lua state in the thread" {
        set before [settled_lazyfreed]
        set sha [r script load "return 1"]
        assert_equal 1 [r evalsha $sha 0]
        assert_equal OK [r script flush async]
        assert_error "NOSCRIPT*" {r evalsha $sha 0}
        wait_for_condition 500 10 {[lazyfreed] > $before} else {
            fail "the Lua state was not freed in the thread"
        }
        assert_equal 2 [r eval "return 2" 0]
        assert_equal OK [r script flush sync]
        assert_equal OK [r script flush]
        assert_error "*only support SYNC|ASYNC*" {r script flush now}
    }

    test "FUNCTION FLUSH ASYNC frees the libraries and their state in the thread" {
        set before [settled_lazyfreed]
        set code "#!lua name=lib1\nredis.register_function('f1', function() return 7 end)"
        r function load $code
        assert_equal 7 [r fcall f1 0]
        assert_equal OK [r function flush async]
        assert_equal {} [r function list]
        assert_error "*Function not found*" {r fcall f1 0}
        wait_for_condition 500 10 {[lazyfreed] > $before} else {
            fail "the libraries were not freed in the thread"
        }
        # The new state loads and runs libraries, and flushes again.
        r function load $code
        assert_equal 7 [r fcall f1 0]
        assert_equal OK [r function flush async]
        r function load $code
        assert_equal OK [r function flush sync]
        assert_equal {} [r function list]
    }

    test "CONFIG RESETSTAT zeroes lazyfreed_objects" {
        assert_morethan [lazyfreed] 0
        r config resetstat
        assert_equal 0 [lazyfreed]
    }

    test "Many UNLINKs in a row while clients keep working" {
        r flushall sync
        set before [settled_lazyfreed]
        for {set j 0} {$j < 20} {incr j} {
            big_set s$j 200
        }
        for {set j 0} {$j < 20} {incr j} {
            r unlink s$j
            r set after$j v
        }
        wait_lazyfreed [expr {$before + 20}]
        assert_equal 20 [r dbsize]
    }
}

start_server {tags {lazyfree repl}} {
    r set stale 1
    start_server {overrides {replica-lazy-flush yes}} {
        test "replica-lazy-flush: the replica's old data goes to the thread" {
            for {set i 0} {$i < 150} {incr i} {r set old$i v}
            set before [settled_lazyfreed]
            r replicaof [srv -1 host] [srv -1 port]
            wait_for_sync [srv 0 client]
            assert_equal 1 [r get stale]
            assert_equal 0 [r exists old1]
            wait_lazyfreed [expr {$before + 150}]
        }
    }
}
