# hll.tcl -- PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST, the sparse and
# dense representations, and corrupted values (never a crash).

start_server {tags {hll}} {
    test "PFADD creates a sparse HLL and reports changes" {
        r del h
        assert_equal 1 [r pfadd h]
        assert_equal "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff" [r get h]
        assert_equal 1 [r pfadd h a b c]
        assert_equal 0 [r pfadd h a b c]
        assert_equal 3 [r pfcount h]
        assert_equal sparse [r pfdebug encoding h]
    }

    test "PFCOUNT caches the count in the header" {
        r del h
        r pfadd h a b c d
        assert_equal "\x80" [string index [r get h] 15]
        assert_equal 4 [r pfcount h]
        assert_equal "\x04\x00\x00\x00\x00\x00\x00\x00" [string range [r get h] 8 15]
    }

    test "Sparse turns dense past hll-sparse-max-bytes, counts unchanged" {
        r del h
        r config set hll-sparse-max-bytes 3000
        for {set i 0} {$i < 1000} {incr i} {r pfadd h e$i}
        assert_equal sparse [r pfdebug encoding h]
        set sparse_count [r pfcount h]
        r config set hll-sparse-max-bytes 200
        r pfadd h one-more
        assert_equal dense [r pfdebug encoding h]
        assert_equal 12304 [r strlen h]
        assert_range [r pfcount h] [expr {$sparse_count - 5}] [expr {$sparse_count + 5}]
        r config set hll-sparse-max-bytes 3000
    }

    test "PFCOUNT error stays within bounds" {
        r del h
        set n 0
        foreach target {100 1000 10000} {
            set batch {}
            while {$n < $target} {lappend batch x$n; incr n}
            r pfadd h {*}$batch
            set c [r pfcount h]
            assert_range $c [expr {$target * 0.95}] [expr {$target * 1.05}]
        }
    }

    test "PFMERGE and PFCOUNT of several keys" {
        r del a b m
        r pfadd a 1 2 3 4 5
        r pfadd b 4 5 6 7
        assert_equal OK [r pfmerge m a b]
        assert_equal 7 [r pfcount m]
        assert_equal 7 [r pfcount a b]
        assert_equal 7 [r pfcount a b nokey]
        assert_equal OK [r pfmerge m]
        assert_equal 7 [r pfcount m]
        r pfdebug todense a
        r pfmerge m2 a b
        assert_equal dense [r pfdebug encoding m2]
        assert_equal 7 [r pfcount m2]
    }

    test "PFDEBUG subcommands" {
        r del h
        r pfadd h a
        assert_match "Z:* v:* Z:*" [r pfdebug decode h]
        assert_equal 16384 [llength [r pfdebug getreg h]]
        assert_equal dense [r pfdebug encoding h]
        assert_equal 0 [r pfdebug todense h]
        assert_error "ERR HLL encoding is not sparse" {r pfdebug decode h}
        assert_error "ERR The specified key does not exist" {r pfdebug encoding nokey}
        assert_error "ERR Unknown PFDEBUG subcommand 'foo'" {r pfdebug foo h}
        assert_error "ERR wrong number of arguments for 'pfdebug' command" {r pfdebug encoding h x}
    }

    test "PFSELFTEST" {
        assert_equal OK [r pfselftest]
    }

    test "Non-HLL strings and other types are refused" {
        r set s hello
        assert_error "WRONGTYPE Key is not a valid HyperLogLog string value." {r pfadd s a}
        assert_error "WRONGTYPE Key is not a valid HyperLogLog string value." {r pfcount s}
        assert_error "WRONGTYPE Key is not a valid HyperLogLog string value." {r pfmerge s}
        r set s "HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00short"
        assert_error "WRONGTYPE*" {r pfcount s}
        r lpush l a
        assert_error "WRONGTYPE Operation against*" {r pfadd l a}
        r del l
    }

    test "Corrupted sparse values get -INVALIDOBJ" {
        # Covers only 2 registers instead of 16384.
        r set bad "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x01"
        assert_error "INVALIDOBJ Corrupted HLL object detected" {r pfcount bad}
        assert_error "INVALIDOBJ Corrupted HLL object detected" {r pfcount bad bad}
        assert_error "INVALIDOBJ Corrupted HLL object detected" {r pfmerge m bad}
        assert_error "INVALIDOBJ Corrupted HLL object detected" {r pfdebug getreg bad}
        # Covers more than 16384 registers.
        r set bad "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff\x7f\xff"
        assert_error "INVALIDOBJ Corrupted HLL object detected" {r pfcount bad}
        assert_equal PONG [r ping]
    }

    test "Any sparse opcode past the last register is corrupt, even after exactly 16384 (Redis 7.0.15)" {
        set hdr "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
        # XZERO of 16384, then a ZERO, a VAL, an XZERO; then a VAL and a
        # ZERO overflowing a run that stops short of 16384.
        foreach tail {"\x7f\xff\x00" "\x7f\xff\x80" "\x7f\xff\x40\x00"
                      "\x7f\xfe\x83" "\x7f\xfe\x01"} {
            r del good m
            r pfadd good x
            r set bad "$hdr$tail"
            assert_error "INVALIDOBJ*" {r pfcount bad}
            assert_error "INVALIDOBJ*" {r pfcount bad good}
            assert_error "INVALIDOBJ*" {r pfmerge m bad}
            assert_error "INVALIDOBJ*" {r pfdebug getreg bad}
            # PFADD only walks to the register it changes, as Redis does.
            r set bad "$hdr$tail"
            assert_equal 1 [r pfadd bad zz]
        }
        # An XZERO cut after its first byte reads the terminator as its
        # second byte: PFADD splits it and drops the last opcode byte.
        r set cut "$hdr\x7f"
        assert_equal 1 [r pfadd cut a]
        assert_error "INVALIDOBJ*" {r pfcount cut}
        assert_equal PONG [r ping]
    }

    test "Random corruption of HLL values never crashes the server" {
        r del src
        r pfadd src a b c d e f g h
        set sparse [r get src]
        r pfadd dsrc {*}[lrange [split [string repeat "x " 20] " "] 0 5]
        r pfdebug todense dsrc
        set dense [r get dsrc]
        for {set i 0} {$i < 120} {incr i} {
            set v [expr {$i % 2 ? $sparse : $dense}]
            set len [string length $v]
            # Flip a few bytes after the magic, or truncate / extend.
            for {set j 0} {$j < 1 + int(rand() * 4)} {incr j} {
                set pos [expr {4 + int(rand() * ($len - 4))}]
                set v [string replace $v $pos $pos [format %c [expr {int(rand() * 256)}]]]
            }
            switch [expr {int(rand() * 4)}] {
                0 {set v [string range $v 0 [expr {int(rand() * [string length $v])}]]}
                1 {append v [string repeat "\xff" [expr {int(rand() * 5)}]]}
            }
            r set fz $v
            catch {r pfadd fz x$i y$i}
            catch {r pfcount fz}
            catch {r pfcount fz src}
            catch {r pfmerge fz2 fz src}
            catch {r pfdebug getreg fz}
            catch {r pfdebug decode fz}
            catch {r pfdebug todense fz}
            r del fz2
            # Same through RESTORE: a DUMP payload of the corrupted string.
            catch {r restore fz3 0 [r dump fz] replace}
            catch {r pfcount fz3}
        }
        assert_equal PONG [r ping]
    }

    test "HLL values survive DEBUG RELOAD byte for byte" {
        r del h
        r pfadd h a b c
        set before [r get h]
        r debug reload
        assert_equal $before [r get h]
        assert_equal 3 [r pfcount h]
    }
}
