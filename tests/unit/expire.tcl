# expire.tcl -- key expiry: setting, reading and enforcing TTLs.

start_server {tags {expire}} {
    test "TTL and PTTL of missing keys and keys without expiry" {
        r set k v
        assert_equal -1 [r ttl k]
        assert_equal -1 [r pttl k]
        assert_equal -2 [r ttl nokey]
        assert_equal -2 [r pttl nokey]
    }

    test "EXPIRE and PEXPIRE set a TTL" {
        r set k v
        assert_equal 1 [r expire k 100]
        assert_range [r ttl k] 95 100
        assert_equal 1 [r pexpire k 200000]
        assert_range [r pttl k] 190000 200000
        assert_equal 0 [r expire nokey 100]
        assert_error "ERR value is not an integer or out of range" {r expire k abc}
        assert_error "ERR invalid expire time in 'expire' command" {r expire k 9223372036854775807}
    }

    test "EXPIREAT and PEXPIREAT take absolute times" {
        set now [clock seconds]
        r set k v
        assert_equal 1 [r expireat k [expr {$now + 100}]]
        assert_range [r ttl k] 95 100
        assert_equal [expr {$now + 100}] [r expiretime k]
        set ms [expr {[clock milliseconds] + 200000}]
        assert_equal 1 [r pexpireat k $ms]
        assert_equal $ms [r pexpiretime k]
        assert_range [r pttl k] 190000 200000
    }

    test "EXPIRETIME and PEXPIRETIME of keys without expiry" {
        r set k v
        assert_equal -1 [r expiretime k]
        assert_equal -1 [r pexpiretime k]
        assert_equal -2 [r expiretime nokey]
        assert_equal -2 [r pexpiretime nokey]
    }

    test "EXPIRE with a time in the past deletes the key" {
        r set k v
        assert_equal 1 [r expire k -10]
        assert_equal 0 [r exists k]
        r set k v
        assert_equal 1 [r expireat k [expr {[clock seconds] - 100}]]
        assert_equal 0 [r exists k]
    }

    test "EXPIRE NX only sets when there is no TTL" {
        r set k v
        assert_equal 1 [r expire k 100 nx]
        assert_equal 0 [r expire k 200 nx]
        assert_range [r ttl k] 95 100
    }

    test "EXPIRE XX only sets when there is a TTL" {
        r set k v
        assert_equal 0 [r expire k 100 xx]
        assert_equal -1 [r ttl k]
        r expire k 100
        assert_equal 1 [r expire k 200 xx]
        assert_range [r ttl k] 195 200
    }

    test "EXPIRE GT and LT compare with the current TTL" {
        r set k v
        # A key without TTL counts as infinite: GT never applies, LT does.
        assert_equal 0 [r expire k 100 gt]
        assert_equal 1 [r expire k 100 lt]
        assert_equal 0 [r expire k 50 gt]
        assert_equal 1 [r expire k 200 gt]
        assert_range [r ttl k] 195 200
        assert_equal 0 [r expire k 300 lt]
        assert_equal 1 [r expire k 150 lt]
        assert_range [r ttl k] 145 150
        assert_equal 1 [r pexpire k 1000000 gt]
        assert_equal 1 [r pexpire k 900000 xx lt]
        assert_range [r pttl k] 890000 900000
    }

    test "EXPIRE option conflicts are rejected" {
        r set k v
        assert_error "ERR NX and XX, GT or LT options at the same time are not compatible" {r expire k 100 nx xx}
        assert_error "ERR NX and XX, GT or LT options at the same time are not compatible" {r expire k 100 nx gt}
        assert_error "ERR GT and LT options at the same time are not compatible" {r expire k 100 gt lt}
        assert_error "ERR Unsupported option bogus" {r expire k 100 bogus}
        assert_error "ERR NX and XX, GT or LT options at the same time are not compatible" {r pexpireat k 100 nx lt}
    }

    test "PERSIST removes the TTL" {
        r set k v
        r expire k 100
        assert_equal 1 [r persist k]
        assert_equal -1 [r ttl k]
        assert_equal 0 [r persist k]
        assert_equal 0 [r persist nokey]
    }

    test "SET with EX, PX, EXAT and PXAT" {
        r set k v ex 100
        assert_range [r ttl k] 95 100
        r set k v px 100000
        assert_range [r pttl k] 95000 100000
        set at [expr {[clock seconds] + 200}]
        r set k v exat $at
        assert_equal $at [r expiretime k]
        set atms [expr {[clock milliseconds] + 300000}]
        r set k v pxat $atms
        assert_equal $atms [r pexpiretime k]
        # A plain SET drops the TTL.
        r set k v
        assert_equal -1 [r ttl k]
    }

    test "SET KEEPTTL keeps the TTL" {
        r set k v ex 100
        r set k v2 keepttl
        assert_equal v2 [r get k]
        assert_range [r ttl k] 95 100
        assert_error "ERR syntax error" {r set k v ex 10 keepttl}
        assert_error "ERR syntax error" {r set k v ex 10 px 100}
    }

    test "SET with invalid expire times" {
        assert_error "ERR invalid expire time in 'set' command" {r set k v ex 0}
        assert_error "ERR invalid expire time in 'set' command" {r set k v px -5}
        assert_error "ERR invalid expire time in 'set' command" {r set k v exat 0}
        assert_error "ERR value is not an integer or out of range" {r set k v ex abc}
    }

    test "Keys expire and are removed" {
        r flushdb
        r set k v px 100
        assert_equal v [r get k]
        wait_for_condition 100 20 {
            [r exists k] == 0
        } else {
            fail "key did not expire"
        }
        assert_equal {} [r get k]
        assert_equal -2 [r ttl k]
    }

    test "Expired keys are removed on access (lazy expiry)" {
        r flushdb
        r debug set-active-expire 0
        set expire_at [expr {[clock milliseconds] + 50}]
        r set k v pxat $expire_at
        r set k2 v pxat $expire_at
        wait_for_condition 100 10 {
            [clock milliseconds] > $expire_at + 5
        } else {
            fail "clock did not advance"
        }
        # Still stored, since nothing touched them.
        assert_equal 2 [r dbsize]
        assert_equal {} [r get k]
        assert_equal 1 [r dbsize]
        assert_equal 0 [r exists k2]
        assert_equal 0 [r dbsize]
        r debug set-active-expire 1
    } {needs:debug}

    test "Active expiry removes keys that are never accessed" {
        r flushdb
        # A second of life: on a loaded machine (TLS, sanitizers) setting
        # 100 keys may take longer than a shorter TTL.
        for {set i 0} {$i < 100} {incr i} {
            r set k$i v px 1000
        }
        r set persistent v
        assert_equal 101 [r dbsize]
        wait_for_condition 300 20 {
            [r dbsize] == 1
        } else {
            fail "active expiry did not remove the keys: [r dbsize] left"
        }
        assert_match "*db0:keys=1,expires=0*" [r info keyspace]
    }

    test "DEBUG SET-ACTIVE-EXPIRE 0 stops active expiry" {
        r flushdb
        r debug set-active-expire 0
        set expire_at [expr {[clock milliseconds] + 20}]
        for {set i 0} {$i < 20} {incr i} {
            r set k$i v pxat $expire_at
        }
        # Wait until every key has certainly passed its expiry time, plus
        # several server cron cycles.
        wait_for_condition 100 10 {
            [clock milliseconds] > $expire_at + 300
        } else {
            fail "clock did not advance"
        }
        # The keys are logically expired but still counted by DBSIZE.
        assert_equal 20 [r dbsize]
        r debug set-active-expire 1
        wait_for_condition 150 20 {
            [r dbsize] == 0
        } else {
            fail "keys were not removed after re-enabling active expiry"
        }
    } {needs:debug}

    test "INFO keyspace reports expires and avg_ttl" {
        r flushdb
        r set a 1
        r set b 2 ex 1000
        assert_match "*db0:keys=2,expires=1,avg_ttl=*" [r info keyspace]
    }

    test "GETEX and GETDEL interact with TTLs" {
        r set k v
        assert_equal v [r getex k ex 100]
        assert_range [r ttl k] 95 100
        assert_equal v [r getex k persist]
        assert_equal -1 [r ttl k]
        assert_equal v [r getdel k]
        assert_equal 0 [r exists k]
    }

    test "RENAME keeps an expired-looking key's TTL consistent" {
        r set k v ex 100
        r rename k k2
        assert_range [r ttl k2] 95 100
        r del k2
    }
}
