# bitops.tcl -- SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and
# BITFIELD_RO (expected values worked out by hand or read from Redis 7.0).

start_server {tags {bitops}} {
    test "SETBIT and GETBIT: bit 0 is the top bit of byte 0" {
        r del b
        assert_equal 0 [r setbit b 1 1]
        assert_equal "@" [r get b]
        assert_equal 1 [r setbit b 1 0]
        assert_equal "\x00" [r get b]
        assert_equal 0 [r setbit b 15 1]
        assert_equal "\x00\x01" [r get b]
        assert_equal 1 [r getbit b 15]
        assert_equal 0 [r getbit b 14]
        assert_equal 0 [r getbit b 100000]
        assert_equal 0 [r getbit nokey 5]
    }

    test "SETBIT grows the string with zeros and works on integer strings" {
        r set n 12345
        assert_equal 0 [r setbit n 5 1]
        assert_equal "5" [string index [r get n] 0]
        r set k ab
        r setbit k 40 1
        assert_equal "ab\x00\x00\x00\x80" [r get k]
    }

    test "SETBIT and GETBIT argument errors" {
        assert_error "ERR bit offset is not an integer or out of range" {r setbit b -1 1}
        assert_error "ERR bit offset is not an integer or out of range" {r setbit b x 1}
        assert_error "ERR bit offset is not an integer or out of range" {r setbit b 4294967296 1}
        assert_error "ERR bit is not an integer or out of range" {r setbit b 1 2}
        assert_error "ERR bit is not an integer or out of range" {r setbit b 1 x}
        assert_error "ERR bit offset is not an integer or out of range" {r getbit b -1}
        r lpush l a
        assert_error "WRONGTYPE*" {r setbit l 1 1}
        assert_error "WRONGTYPE*" {r getbit l 1}
        r del l
    }

    test "SETBIT offset limit follows proto-max-bulk-len" {
        r config set proto-max-bulk-len 1048576
        assert_error "ERR bit offset is not an integer or out of range" {r setbit big [expr {8 * 1048576}] 1}
        assert_equal 0 [r setbit big [expr {8 * 1048576 - 1}] 1]
        assert_equal 1048576 [r strlen big]
        r config set proto-max-bulk-len 536870912
        r del big
    }

    test "BITCOUNT in bytes and bits, negative ranges" {
        r set s foobar
        assert_equal 26 [r bitcount s]
        assert_equal 4 [r bitcount s 0 0]
        assert_equal 6 [r bitcount s 1 1]
        assert_equal 6 [r bitcount s 1 1 byte]
        assert_equal 17 [r bitcount s 5 30 bit]
        assert_equal 4 [r bitcount s -1 -1]
        assert_equal 0 [r bitcount s 4 2]
        assert_equal 26 [r bitcount s -100 100]
        assert_equal 0 [r bitcount nokey]
        assert_equal 0 [r bitcount nokey 1]
        assert_error "ERR syntax error" {r bitcount s 1}
        assert_error "ERR syntax error" {r bitcount s 1 2 nibble}
        assert_error "ERR value is not an integer*" {r bitcount s a b}
    }

    test "BITCOUNT in bit mode agrees with counting GETBIT" {
        r del r
        for {set i 0} {$i < 200} {incr i} {
            if {rand() < 0.4} {r setbit r $i 1}
        }
        for {set t 0} {$t < 50} {incr t} {
            set a [expr {int(rand() * 220) - 10}]
            set b [expr {int(rand() * 220) - 10}]
            set len [expr {[r strlen r] * 8}]
            set s [expr {$a < 0 ? max(0, $a + $len) : $a}]
            set e [expr {$b < 0 ? max(0, $b + $len) : min($b, $len - 1)}]
            set n 0
            for {set i $s} {$i <= $e} {incr i} {incr n [r getbit r $i]}
            assert_equal $n [r bitcount r $a $b bit] "range $a $b"
        }
    }

    test "BITPOS" {
        r set s "\xff\xf0\x00"
        assert_equal 12 [r bitpos s 0]
        assert_equal 0 [r bitpos s 1]
        assert_equal -1 [r bitpos s 1 2]
        assert_equal 16 [r bitpos s 0 2]
        assert_equal 12 [r bitpos s 0 0 -1]
        assert_equal 10 [r bitpos s 1 10 20 bit]
        assert_equal -1 [r bitpos s 0 0 11 bit]
        r set ones "\xff\xff"
        assert_equal 16 [r bitpos ones 0]
        assert_equal -1 [r bitpos ones 0 0 -1]
        assert_equal -1 [r bitpos nokey 1]
        assert_equal 0 [r bitpos nokey 0]
        assert_error "ERR The bit argument must be 1 or 0." {r bitpos s 2}
        assert_error "ERR syntax error" {r bitpos s 1 0 1 nibble}
    }

    test "BITOP AND OR XOR NOT" {
        r set a "\xff\x0f"
        r set b "\x0f"
        assert_equal 2 [r bitop and d a b]
        assert_equal "\x0f\x00" [r get d]
        assert_equal 2 [r bitop or d a b]
        assert_equal "\xff\x0f" [r get d]
        assert_equal 2 [r bitop xor d a b nokey]
        assert_equal "\xf0\x0f" [r get d]
        assert_equal 1 [r bitop not d b]
        assert_equal "\xf0" [r get d]
        assert_equal 0 [r bitop and d nokey nokey2]
        assert_equal 0 [r exists d]
        assert_error "ERR BITOP NOT must be called with a single source key." {r bitop not d a b}
        assert_error "ERR syntax error" {r bitop nand d a b}
        r lpush l x
        assert_error "WRONGTYPE*" {r bitop or d a l}
        r del l
    }

    test "BITFIELD GET, SET and INCRBY, signed and unsigned" {
        r del bf
        assert_equal {0 -100} [r bitfield bf set i8 0 -100 get i8 0]
        assert_equal {156} [r bitfield bf get u8 0]
        assert_equal {9} [r bitfield bf get u4 0]
        assert_equal {0 1} [r bitfield bf set u1 #10 1 get u1 10]
        assert_equal {0 5} [r bitfield bf set u8 #2 5 get u8 16]
        assert_equal {0 -1 -1 0} [r bitfield bf2 set i64 0 -1 get i64 0 incrby i64 0 0 incrby i64 0 1]
    }

    test "BITFIELD overflow WRAP, SAT and FAIL" {
        r del bf
        assert_equal {0 255 2} [r bitfield bf set u8 0 255 get u8 0 incrby u8 0 3]
        assert_equal {255 {}} [r bitfield bf overflow sat incrby u8 0 300 overflow fail incrby u8 0 1]
        assert_equal {-1 -128} [r bitfield bf set i8 0 127 overflow wrap incrby i8 0 1]
        assert_equal {-128 -128} [r bitfield bf overflow sat incrby i8 0 -1000 get i8 0]
        r del bf
        assert_equal {0 3} [r bitfield bf overflow sat set u2 0 7 get u2 0]
        assert_equal {-4611686018427387904 -9223372036854775808} [r bitfield bf set i64 0 9223372036854775807 overflow wrap incrby i64 0 1]
        assert_equal {0 9223372036854775807} [r bitfield bf3 overflow sat set u63 0 -1 get u63 0]
        assert_equal {{} 0} [r bitfield bf4 overflow fail set u8 0 256 get u8 0]
    }

    test "BITFIELD errors leave the value alone" {
        r set bf "\x01"
        assert_error "ERR Invalid bitfield type*" {r bitfield bf set u64 0 1}
        assert_error "ERR Invalid bitfield type*" {r bitfield bf get i65 0}
        assert_error "ERR Invalid bitfield type*" {r bitfield bf get x8 0}
        assert_error "ERR bit offset is not an integer or out of range" {r bitfield bf set u8 -1 1}
        assert_error "ERR bit offset is not an integer or out of range" {r bitfield bf set u8 #99999999999999999 1}
        assert_error "ERR Invalid OVERFLOW type specified" {r bitfield bf set u8 0 1 overflow what}
        assert_error "ERR syntax error" {r bitfield bf set u8 0}
        assert_error "ERR value is not an integer*" {r bitfield bf set u8 0 1 incrby u8 0 x}
        assert_equal "\x01" [r get bf]
        assert_equal {} [r bitfield bf]
        assert_equal {} [r bitfield nokey]
        assert_equal {0} [r bitfield nokey get u8 0]
        assert_equal 0 [r exists nokey]
    }

    test "BITFIELD_RO reads only" {
        r set bf "\x80"
        assert_equal {-128 128} [r bitfield_ro bf get i8 0 get u8 0]
        assert_error "ERR BITFIELD_RO only supports the GET subcommand" {r bitfield_ro bf set u8 0 1}
        assert_equal "\x80" [r get bf]
    }
}
