# differential-options13.tcl -- every command option that issue 13 lists for
# streams, bitmaps, HyperLogLog and geo (and their error cases: bad IDs,
# bad counts, unknown options, wrong types, missing keys), sent once in
# RESP2 and once in RESP3 to the server under test and to Debian's Redis
# 7.0, replies compared byte for byte. A fixed script, unlike the random
# sequences of differential-streams.tcl and differential-bitgeo.tcl, so
# that each listed option is surely exercised. Clock-dependent integers
# (delivery and seen times, idle times) are masked in XINFO and XPENDING.
#
# The helpers (reply reader, dcmd, the reference server) are those of
# differential.tcl, sourced here with its own test switched off.

rename start_server diff_o13_real_start_server
proc start_server {args} {}
set diff_o13_src [catch {source [file join $::tests_dir interop differential.tcl]} diff_o13_err]
rename start_server {}
rename diff_o13_real_start_server start_server
if {$diff_o13_src == 1} {error $diff_o13_err}

rename diff_canon o13_canon_base
proc diff_canon {r mode} {
    if {$mode ne "tmask"} {return [o13_canon_base $r $mode]}
    set raw [lindex $r 1]
    # Unix times in ms, XINFO CONSUMERS' idle, XPENDING's idle column.
    regsub -all {:[0-9]{12,}\r\n} $raw ":T\r\n" raw
    regsub -all {(\$4\r\nidle\r\n):[0-9]+\r\n} $raw "\\1:I\r\n" raw
    regsub -all {(\*4\r\n\$[0-9]+\r\n[^\r]*\r\n\$[0-9]+\r\n[^\r]*\r\n):[0-9]+\r\n} $raw "\\1:I\r\n" raw
    return $raw
}

proc o13_script {} {
        dcmd exact FLUSHALL
        dcmd exact XADD s 1-1 a 1
        dcmd exact XADD s {1-*} b 2
        dcmd exact XADD s 2 c 3
        dcmd exact XADD s {2-*} d 4
        dcmd exact XADD s 1-0 x y
        dcmd exact XADD s 0-0 x y
        dcmd exact XADD s abc x y
        dcmd exact XADD s 1-1-1 x y
        dcmd exact XADD s 5-0 f
        dcmd exact XADD s 5-0
        dcmd exact XADD s MAXLEN 2 6-0 a 1
        dcmd exact XRANGE s - +
        dcmd exact XADD s MAXLEN ~ 1 7-0 a 1
        dcmd exact XADD s MAXLEN = 1 8-0 a 1
        dcmd exact XLEN s
        dcmd exact XADD s MINID 8 9-0 a 1
        dcmd exact XADD s MINID ~ 9 LIMIT 10 10-0 a 1
        dcmd exact XADD s MAXLEN 1 LIMIT 10 11-0 a 1
        dcmd exact XADD s MAXLEN -1 12-0 a 1
        dcmd exact XADD s MAXLEN ~ 0 LIMIT -1 12-0 a 1
        dcmd exact XADD s NOMKSTREAM 13-0 a 1
        dcmd exact XADD nos NOMKSTREAM 1-0 a 1
        dcmd exact EXISTS nos
        dcmd exact XADD s MINID 1 MAXLEN 1 14-0 a 1
        dcmd exact XADD s NOMKSTREAM MAXLEN ~ 5 LIMIT 0 15-0 a 1
        dcmd exact XADD t 16-0 f 16 g h
        dcmd exact XADD t 17-0 f 17 g h
        dcmd exact XADD t 18-0 f 18 g h
        dcmd exact XADD t 19-0 f 19 g h
        dcmd exact XADD t 20-0 f 20 g h
        dcmd exact XADD t 21-0 f 21 g h
        dcmd exact XADD t 22-0 f 22 g h
        dcmd exact XADD t 23-0 f 23 g h
        dcmd exact XADD t 24-0 f 24 g h
        dcmd exact XADD t 25-0 f 25 g h
        dcmd exact XADD t 26-0 f 26 g h
        dcmd exact XADD t 27-0 f 27 g h
        dcmd exact XADD t 28-0 f 28 g h
        dcmd exact XADD t 29-0 f 29 g h
        dcmd exact XADD t 30-0 f 30 g h
        dcmd exact XADD t 31-0 f 31 g h
        dcmd exact XADD t 32-0 f 32 g h
        dcmd exact XADD t 33-0 f 33 g h
        dcmd exact XADD t 34-0 f 34 g h
        dcmd exact XADD t 35-0 f 35 g h
        dcmd exact XADD t 36-0 f 36 g h
        dcmd exact XADD t 37-0 f 37 g h
        dcmd exact XADD t 38-0 f 38 g h
        dcmd exact XADD t 39-0 f 39 g h
        dcmd exact XADD t 40-0 f 40 g h
        dcmd exact XADD t 41-0 f 41 g h
        dcmd exact XADD t 42-0 f 42 g h
        dcmd exact XADD t 43-0 f 43 g h
        dcmd exact XADD t 44-0 f 44 g h
        dcmd exact XADD t 45-0 f 45 g h
        dcmd exact XADD t 46-0 f 46 g h
        dcmd exact XADD t 47-0 f 47 g h
        dcmd exact XADD t 48-0 f 48 g h
        dcmd exact XADD t 49-0 f 49 g h
        dcmd exact XADD t 50-0 f 50 g h
        dcmd exact XADD t 51-0 f 51 g h
        dcmd exact XADD t 52-0 f 52 g h
        dcmd exact XADD t 53-0 f 53 g h
        dcmd exact XADD t 54-0 f 54 g h
        dcmd exact XADD t 55-0 f 55 g h
        dcmd exact XADD t 56-0 f 56 g h
        dcmd exact XADD t 57-0 f 57 g h
        dcmd exact XADD t 58-0 f 58 g h
        dcmd exact XADD t 59-0 f 59 g h
        dcmd exact CONFIG SET stream-node-max-entries 10
        dcmd exact XADD t 60-0 f 60
        dcmd exact XADD t 61-0 f 61
        dcmd exact XADD t 62-0 f 62
        dcmd exact XADD t 63-0 f 63
        dcmd exact XADD t 64-0 f 64
        dcmd exact XADD t 65-0 f 65
        dcmd exact XADD t 66-0 f 66
        dcmd exact XADD t 67-0 f 67
        dcmd exact XADD t 68-0 f 68
        dcmd exact XADD t 69-0 f 69
        dcmd exact XADD t 70-0 f 70
        dcmd exact XADD t 71-0 f 71
        dcmd exact XADD t 72-0 f 72
        dcmd exact XADD t 73-0 f 73
        dcmd exact XADD t 74-0 f 74
        dcmd exact XADD t 75-0 f 75
        dcmd exact XADD t 76-0 f 76
        dcmd exact XADD t 77-0 f 77
        dcmd exact XADD t 78-0 f 78
        dcmd exact XADD t 79-0 f 79
        dcmd exact XADD t 80-0 f 80
        dcmd exact XADD t 81-0 f 81
        dcmd exact XADD t 82-0 f 82
        dcmd exact XADD t 83-0 f 83
        dcmd exact XADD t 84-0 f 84
        dcmd exact XADD t 85-0 f 85
        dcmd exact XADD t 86-0 f 86
        dcmd exact XADD t 87-0 f 87
        dcmd exact XADD t 88-0 f 88
        dcmd exact XADD t 89-0 f 89
        dcmd exact XADD t 90-0 f 90
        dcmd exact XADD t 91-0 f 91
        dcmd exact XADD t 92-0 f 92
        dcmd exact XADD t 93-0 f 93
        dcmd exact XADD t 94-0 f 94
        dcmd exact XADD t 95-0 f 95
        dcmd exact XADD t 96-0 f 96
        dcmd exact XADD t 97-0 f 97
        dcmd exact XADD t 98-0 f 98
        dcmd exact XADD t 99-0 f 99
        dcmd exact XADD t 100-0 f 100
        dcmd exact XADD t 101-0 f 101
        dcmd exact XADD t 102-0 f 102
        dcmd exact XADD t 103-0 f 103
        dcmd exact XADD t 104-0 f 104
        dcmd exact XADD t 105-0 f 105
        dcmd exact XADD t 106-0 f 106
        dcmd exact XADD t 107-0 f 107
        dcmd exact XADD t 108-0 f 108
        dcmd exact XADD t 109-0 f 109
        dcmd exact XADD t 110-0 f 110
        dcmd exact XADD t 111-0 f 111
        dcmd exact XADD t 112-0 f 112
        dcmd exact XADD t 113-0 f 113
        dcmd exact XADD t 114-0 f 114
        dcmd exact XADD t 115-0 f 115
        dcmd exact XADD t 116-0 f 116
        dcmd exact XADD t 117-0 f 117
        dcmd exact XADD t 118-0 f 118
        dcmd exact XADD t 119-0 f 119
        dcmd exact XTRIM t MAXLEN ~ 50
        dcmd exact XLEN t
        dcmd exact XTRIM t MAXLEN ~ 30 LIMIT 10
        dcmd exact XLEN t
        dcmd exact XTRIM t MINID ~ 80 LIMIT 5
        dcmd exact XTRIM t MINID 85
        dcmd exact XTRIM t MAXLEN 100 LIMIT 5
        dcmd exact XTRIM t
        dcmd exact XTRIM t MAXLEN
        dcmd exact XTRIM t FOO 1
        dcmd exact XTRIM nokey MAXLEN 0
        dcmd exact XLEN t
        dcmd exact XRANGE t (85 (90
        dcmd exact XREVRANGE t (95 (90 COUNT 2
        dcmd exact XRANGE t - + COUNT 0
        dcmd exact XRANGE t - + COUNT -1
        dcmd exact XRANGE t (- +
        dcmd exact XRANGE t + -
        dcmd exact XREVRANGE t + (+
        dcmd exact XRANGE t 90-x +
        dcmd exact XRANGE t 18446744073709551615-18446744073709551615 +
        dcmd exact XRANGE t (18446744073709551615-18446744073709551615 +
        dcmd exact XRANGE t - (0-0
        dcmd exact XDEL t 90-0 91-0 999-0
        dcmd exact XDEL t bad
        dcmd exact XLEN t
        dcmd exact XDEL nokey 1-0
        dcmd exact XREAD COUNT 2 STREAMS t s 0 0
        dcmd exact XREAD STREAMS t $
        dcmd exact XREAD STREAMS t
        dcmd exact XREAD STREAMS t s 0
        dcmd exact XREAD COUNT -1 STREAMS t 0
        dcmd exact XREAD BLOCK -1 STREAMS t 0
        dcmd exact XREAD STREAMS t >
        dcmd exact XREAD BLOCK 10 STREAMS nokey $
        dcmd exact XREAD COUNT 1 STREAMS t +
        dcmd exact XGROUP CREATE t g1 0
        dcmd exact XGROUP CREATE t g1 0
        dcmd exact XGROUP CREATE t g2 $ ENTRIESREAD 3
        dcmd exact XGROUP CREATE nok g $
        dcmd exact XGROUP CREATE nok g $ MKSTREAM
        dcmd exact XGROUP CREATE t g3 0 ENTRIESREAD -5
        dcmd exact XGROUP CREATE t g4 0 ENTRIESREAD -1
        dcmd exact XGROUP CREATE t g5 0 FOO
        dcmd exact XGROUP CREATE t g6 +
        dcmd exact XGROUP SETID t g2 0 ENTRIESREAD 2
        dcmd exact XGROUP SETID t nog 0
        dcmd exact XGROUP SETID t g2 $
        dcmd exact XGROUP CREATECONSUMER t g1 c0
        dcmd exact XGROUP CREATECONSUMER t g1 c0
        dcmd exact XGROUP CREATECONSUMER t nog c0
        dcmd exact XGROUP DELCONSUMER t g1 c0
        dcmd exact XGROUP DELCONSUMER t g1 zz
        dcmd exact XGROUP DESTROY t g4
        dcmd exact XGROUP DESTROY t g4
        dcmd exact XGROUP HELP
        dcmd exact XGROUP FOO
        dcmd exact XGROUP CREATE t
        dcmd exact XREADGROUP GROUP g1 alice COUNT 3 STREAMS t >
        dcmd exact XREADGROUP GROUP g1 bob COUNT 2 NOACK STREAMS t >
        dcmd exact XREADGROUP GROUP g1 alice STREAMS t 0
        dcmd exact XREADGROUP GROUP g1 alice COUNT 1 STREAMS t 0
        dcmd exact XREADGROUP GROUP nog alice STREAMS t >
        dcmd exact XREADGROUP GROUP g1 alice STREAMS t $
        dcmd exact XREADGROUP GROUP g1 STREAMS t >
        dcmd exact XREADGROUP STREAMS t >
        dcmd exact XREADGROUP GROUP g1 carol COUNT 2 STREAMS t nok > >
        dcmd exact XACK t g1 96-0 999-0
        dcmd exact XACK t g1 bad
        dcmd exact XACK t nog 96-0
        dcmd exact XACK nokey g 1-0
        dcmd tmask XPENDING t g1
        dcmd tmask XPENDING t g1 - + 10
        dcmd tmask XPENDING t g1 - + 10 alice
        dcmd tmask XPENDING t g1 IDLE 0 - + 10
        dcmd tmask XPENDING t g1 - +
        dcmd tmask XPENDING t g1 - + -1
        dcmd tmask XPENDING t nog
        dcmd tmask XPENDING t g1 (97 + 5
        dcmd tmask XPENDING t g1 IDLE -1 - + 5
        dcmd exact XCLAIM t g1 dave 0 97-0 JUSTID
        dcmd exact XCLAIM t g1 dave 0 98-0 IDLE 1000 RETRYCOUNT 5 JUSTID
        dcmd exact XCLAIM t g1 dave 0 999-0 FORCE JUSTID
        dcmd exact XCLAIM t g1 dave 0 100-0 FORCE LASTID 200-0 JUSTID
        dcmd exact XCLAIM t g1 dave 0 bad
        dcmd exact XCLAIM t g1 dave -1 97-0
        dcmd exact XCLAIM t g1 dave 0 97-0 IDLE -5 JUSTID
        dcmd exact XCLAIM t g1 dave 0 97-0 TIME bad
        dcmd exact XCLAIM t nog dave 0 97-0
        dcmd exact XCLAIM t g1 dave 0 97-0 FOO
        dcmd exact XCLAIM t g1 dave 0 97-0 LASTID bad
        dcmd exact XCLAIM t g1 erin 0 97-0 TIME 1000 JUSTID
        dcmd exact XCLAIM t g1 erin 0 97-0 RETRYCOUNT -1
        dcmd exact XAUTOCLAIM t g1 fred 0 0 COUNT 2
        dcmd exact XAUTOCLAIM t g1 fred 0 0 COUNT 2 JUSTID
        dcmd exact XAUTOCLAIM t g1 fred 0 0 COUNT 0
        dcmd exact XAUTOCLAIM t g1 fred 0 0 COUNT -1
        dcmd exact XAUTOCLAIM t nog fred 0 0
        dcmd exact XAUTOCLAIM t g1 fred 0 bad
        dcmd exact XAUTOCLAIM t g1 fred 0 0 FOO
        dcmd exact XAUTOCLAIM t g1 fred 0 (0
        dcmd exact XAUTOCLAIM t g1 fred 0 0 COUNT 100000000000
        dcmd exact XSETID t 1000-0
        dcmd exact XSETID t 1-0
        dcmd exact XSETID t 2000-0 ENTRIESADDED 5
        dcmd exact XSETID t 2000-0 ENTRIESADDED 500 MAXDELETEDID 3000-0
        dcmd exact XSETID t 3000-0 ENTRIESADDED 500 MAXDELETEDID 100-0
        dcmd exact XSETID nok2 1-0
        dcmd exact XSETID t 3000-0 FOO
        dcmd exact XSETID t 3000-0 ENTRIESADDED -1
        dcmd tmask XINFO GROUPS t
        dcmd tmask XINFO HELP
        dcmd tmask XINFO STREAM nokey
        dcmd tmask XINFO STREAM t FULL COUNT 2
        dcmd tmask XINFO STREAM t FOO
        dcmd tmask XINFO CONSUMERS t nog
        dcmd tmask XINFO STREAM t FULL COUNT -1
        dcmd exact SET str x
        dcmd exact XADD str 1-0 a b
        dcmd exact XRANGE str - +
        dcmd exact XREAD STREAMS str 0
        dcmd tmask XINFO STREAM str
        dcmd exact SETBIT b 7 1
        dcmd exact SETBIT b 100 1
        dcmd exact SETBIT b 4294967296 1
        dcmd exact SETBIT b -1 1
        dcmd exact SETBIT b 1 2
        dcmd exact GETBIT b 7
        dcmd exact GETBIT b 99999
        dcmd exact GETBIT b -1
        dcmd exact SET bs foobar
        dcmd exact BITCOUNT bs
        dcmd exact BITCOUNT bs 1 1
        dcmd exact BITCOUNT bs 1 1 BYTE
        dcmd exact BITCOUNT bs 5 30 BIT
        dcmd exact BITCOUNT bs -2 -1 BIT
        dcmd exact BITCOUNT bs 1
        dcmd exact BITCOUNT bs 1 2 FOO
        dcmd exact BITCOUNT nokey 0 -1
        dcmd exact BITPOS bs 1
        dcmd exact BITPOS bs 0 2
        dcmd exact BITPOS bs 1 2 -1 BYTE
        dcmd exact BITPOS bs 1 7 15 BIT
        dcmd exact BITPOS bs 0 1 2 BIT
        dcmd exact BITPOS bs 2
        dcmd exact BITPOS nokey 0
        dcmd exact BITPOS nokey 1
        dcmd exact SET z3 "\xff\xff\xff"
        dcmd exact BITPOS z3 0
        dcmd exact BITPOS z3 0 0 -1
        dcmd exact BITPOS z3 0 0 -1 BIT
        dcmd exact SET k1 abc
        dcmd exact SET k2 ab
        dcmd exact BITOP AND d k1 k2
        dcmd exact GET d
        dcmd exact BITOP OR d k1 k2
        dcmd exact BITOP XOR d k1 k2
        dcmd exact BITOP NOT d k1
        dcmd exact GET d
        dcmd exact BITOP NOT d k1 k2
        dcmd exact BITOP FOO d k1
        dcmd exact BITOP AND d nokey
        dcmd exact EXISTS d
        dcmd exact BITFIELD bf SET i8 0 100 GET u4 0 INCRBY i5 100 1
        dcmd exact BITFIELD bf OVERFLOW SAT INCRBY i8 0 200 OVERFLOW FAIL INCRBY u2 0 5 OVERFLOW WRAP INCRBY u8 {#1} 300
        dcmd exact BITFIELD bf SET i64 0 -1 GET i64 0 GET u63 0
        dcmd exact BITFIELD bf GET u64 0
        dcmd exact BITFIELD bf GET i65 0
        dcmd exact BITFIELD bf GET u8 -1
        dcmd exact BITFIELD bf OVERFLOW FOO
        dcmd exact BITFIELD bf SET u8 {#2} 1
        dcmd exact BITFIELD bf INCRBY u8 {#2}
        dcmd exact BITFIELD bf
        dcmd exact BITFIELD bf GET u8 4294967295
        dcmd exact BITFIELD bf GET u8 4294967289
        dcmd exact BITFIELD bf SET u8 4294967290 1
        dcmd exact BITFIELD_RO bf GET i8 0 GET u16 {#0}
        dcmd exact BITFIELD_RO bf SET i8 0 1
        dcmd exact BITFIELD_RO bf INCRBY i8 0 1
        dcmd exact BITFIELD_RO nokey GET u8 0
        dcmd exact SETRANGE big 536870912 x
        dcmd exact APPEND str y
        dcmd exact PFADD h a b c
        dcmd exact PFADD h
        dcmd exact PFADD h2
        dcmd exact PFCOUNT h
        dcmd exact PFCOUNT h h2 nokey
        dcmd exact PFMERGE hm h h2
        dcmd exact PFMERGE hm
        dcmd exact PFCOUNT hm
        dcmd exact PFCOUNT str
        dcmd exact PFADD str a
        dcmd exact PFMERGE str h
        dcmd exact PFDEBUG ENCODING h
        dcmd exact PFDEBUG DECODE h
        dcmd exact PFDEBUG FOO h
        dcmd exact PFDEBUG GETREG nokey
        dcmd exact PFDEBUG TODENSE h
        dcmd exact PFDEBUG ENCODING h
        dcmd exact PFDEBUG DECODE h
        dcmd exact PFSELFTEST
        dcmd exact PFCOUNT
        dcmd exact GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
        dcmd exact GEOADD g NX CH 13.361389 38.115556 Palermo 1 1 New
        dcmd exact GEOADD g XX CH 13.5 38.1 Palermo 2 2 Nope
        dcmd exact GEOADD g NX XX 1 1 a
        dcmd exact GEOADD g 200 1 bad
        dcmd exact GEOADD g 1 86 bad
        dcmd exact GEOADD g 1 1
        dcmd exact GEODIST g Palermo Catania
        dcmd exact GEODIST g Palermo Catania km
        dcmd exact GEODIST g Palermo Catania mi
        dcmd exact GEODIST g Palermo Catania ft
        dcmd exact GEODIST g Palermo nope
        dcmd exact GEODIST g Palermo Catania yd
        dcmd exact GEOHASH g Palermo Catania nope
        dcmd exact GEOPOS g Palermo nope
        dcmd exact GEOPOS nokey a
        dcmd exact GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km ASC WITHCOORD WITHDIST WITHHASH
        dcmd exact GEOSEARCH g FROMMEMBER Palermo BYBOX 400 400 km DESC COUNT 1 ANY
        dcmd exact GEOSEARCH g FROMMEMBER Palermo BYRADIUS 200 km COUNT 1 ANY ASC
        dcmd exact GEOSEARCH g FROMMEMBER nope BYRADIUS 1 km
        dcmd exact GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km COUNT 0
        dcmd exact GEOSEARCH g FROMLONLAT 15 37
        dcmd exact GEOSEARCH g BYRADIUS 1 km
        dcmd exact GEOSEARCH g FROMLONLAT 15 37 FROMMEMBER Palermo BYRADIUS 1 km
        dcmd exact GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 1 km BYBOX 1 1 km
        dcmd exact GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km ANY
        dcmd exact GEOSEARCH g FROMLONLAT 15 37 BYRADIUS -1 km
        dcmd exact GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km STORE x
        dcmd exact GEOSEARCHSTORE gs g FROMLONLAT 15 37 BYRADIUS 200 km
        dcmd exact ZRANGE gs 0 -1 WITHSCORES
        dcmd exact GEOSEARCHSTORE gs g FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST
        dcmd exact ZRANGE gs 0 -1 WITHSCORES
        dcmd exact GEOSEARCHSTORE gs g FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST
        dcmd exact GEOSEARCHSTORE gs g FROMLONLAT 15 37 BYRADIUS 1 m
        dcmd exact EXISTS gs
        dcmd exact GEORADIUS g 15 37 200 km WITHDIST WITHCOORD ASC COUNT 5
        dcmd exact GEORADIUS g 15 37 200 km STORE gr
        dcmd exact GEORADIUS g 15 37 200 km STOREDIST gr2 WITHDIST
        dcmd exact GEORADIUS g 15 37 200 km STOREDIST gr2
        dcmd exact ZRANGE gr2 0 -1 WITHSCORES
        dcmd exact GEORADIUS_RO g 15 37 200 km WITHHASH
        dcmd exact GEORADIUS_RO g 15 37 200 km STORE x
        dcmd exact GEORADIUSBYMEMBER g Palermo 200 km WITHDIST DESC
        dcmd exact GEORADIUSBYMEMBER_RO g Palermo 200 km COUNT 1
        dcmd exact GEORADIUSBYMEMBER g nope 200 km
        dcmd exact GEORADIUS g 15 37 200 km COUNT 1 ANY
        dcmd exact GEORADIUS g 15 37 200 km ANY
        dcmd exact GEORADIUS g 15 37 200 zz
        dcmd exact GEORADIUS nokey 15 37 200 km
        dcmd exact GEOSEARCH nokey FROMLONLAT 15 37 BYRADIUS 200 km
        dcmd exact GEOSEARCH nokey FROMMEMBER x BYRADIUS 200 km
        dcmd exact GEOSEARCHSTORE gs nokey FROMLONLAT 15 37 BYRADIUS 200 km
        dcmd exact EXISTS gs
        dcmd exact GEOSEARCH g FROMLONLAT 15 37 BYBOX 0 0 km
        dcmd exact GEOADD g -180 -85.05112878 edge
        dcmd exact GEOPOS g edge
        dcmd exact GEOHASH g edge
        dcmd exact CONFIG SET stream-node-max-entries 100
}

if {![file executable $::ref_bin]} {
    ::report skip "differential issue 13 options" "$::ref_bin not installed"
    return
}

start_server {tags {interop differential external:skip}} {
    lassign [diff_start_reference] ref_pid ref_port ref_dir

    test "differential: every option of issue 13's commands matches Redis 7.0 (RESP2 and RESP3)" {
        set ::diff_seed fixed
        diff_reset 2
        set clients {}
        foreach {name port} [list our [srv 0 port] ref $ref_port] {
            set c [redis_client 127.0.0.1 $port]
            lappend clients $c
            set ::${name}_f [$c channel]
        }
        o13_script
        diff_send {hello 3}
        set ::diff_proto 3
        o13_script
        diff_end $clients
        puts "differential-options13: $::diff_count commands, no mismatch"
    }

    ::kill_server_process $ref_pid
}
