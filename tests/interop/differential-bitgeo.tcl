# differential-bitgeo.tcl -- the differential test (differential.tcl) for
# bitmaps, HyperLogLog and geo: random command sequences sent to the
# server under test and to Debian's Redis 7.0, replies compared byte for
# byte, in RESP2 then RESP3. HyperLogLog values are compared through GET
# (the sparse and dense bytes must be Redis's) and moved across with DUMP
# from Redis 7.0 and RESTORE into both; geo searches are compared in their
# exact order, sorted or not. Same knobs as differential.tcl: DIFF_SEED,
# DIFF_COMMANDS (default 3000), DIFF_LOG.
#
# The helpers (reply reader, dcmd, the reference server) are those of
# differential.tcl, sourced here with its own test switched off.

rename start_server diff_bg_real_start_server
proc start_server {args} {}
set diff_bg_src [catch {source [file join $::tests_dir interop differential.tcl]} diff_bg_err]
rename start_server {}
rename diff_bg_real_start_server start_server
if {$diff_bg_src == 1} {error $diff_bg_err}

proc bgkey {family} {
    if {[chance 0.05]} {set family [pick {bit hll geo}]}
    return "$family:[rnd 5]"
}
proc bgnum {} {
    pick {0 1 2 3 7 8 15 16 63 64 100 -1 -2 -8 -9 -100 x 9223372036854775807 -9223372036854775808 1.5}
}
proc bgtype {} {pick {i1 i5 u8 i8 u16 i16 u31 i32 u63 i64 u64 i0 i65 x8}}
proc bgoffset {} {
    switch [rnd 6] {
        0 {return "#[rnd 12]"}
        1 {return [pick {-1 x #x #-1 4294967296}]}
        default {return [rnd 200]}
    }
}

proc gen_bit {} {
    set k [bgkey bit]
    switch [rnd 14] {
        0 - 1 {dcmd exact setbit $k [pick [list [rnd 300] [rnd 40] -1 x 4294967296]] [pick {0 1 1 2 x}]}
        2 {dcmd exact getbit $k [pick [list [rnd 300] -1 x]]}
        3 {dcmd exact bitcount $k {*}[pick [list {} [list [bgnum] [bgnum]] [list [bgnum] [bgnum] [pick {BIT BYTE bit x}]] [list [bgnum]]]]}
        4 {dcmd exact bitpos $k [pick {0 1 1 2}] {*}[pick [list {} [list [bgnum]] [list [bgnum] [bgnum]] [list [bgnum] [bgnum] [pick {BIT BYTE x}]]]]}
        5 {dcmd exact bitop [pick {AND OR XOR NOT and foo}] [bgkey bit] $k {*}[lrange [list [bgkey bit] [bgkey bit]] 0 [rnd 2]]}
        6 - 7 - 8 {
            set args {}
            for {set i 0} {$i < [rnd 5]} {incr i} {
                switch [rnd 5] {
                    0 {lappend args OVERFLOW [pick {WRAP SAT FAIL sat x}]}
                    1 - 2 {lappend args GET [bgtype] [bgoffset]}
                    3 {lappend args SET [bgtype] [bgoffset] [pick [list [bgnum] [expr {[rnd 600] - 300}]]]}
                    4 {lappend args INCRBY [bgtype] [bgoffset] [pick [list [bgnum] [expr {[rnd 600] - 300}]]]}
                }
            }
            if {[chance 0.05] && [llength $args]} {set args [lrange $args 0 end-1]}
            dcmd exact [pick {bitfield bitfield bitfield_ro}] $k {*}$args
        }
        9 {dcmd exact set $k [pick [list foobar "" 12345 "\xff\x00\xf0" -7 [string repeat "\x00" 10]]]}
        10 {dcmd exact get $k}
        11 {dcmd exact setrange $k [rnd 30] xy}
        12 {dcmd exact append $k [pick {1 ab}]}
        13 {dcmd exact strlen $k}
    }
}

proc gen_hll {} {
    set k [bgkey hll]
    switch [rnd 12] {
        0 - 1 - 2 {
            set els {}
            for {set i 0} {$i < [rnd 6]} {incr i} {lappend els [pick [list e[rnd 3000] [rnd 100000] x]]}
            dcmd exact pfadd $k {*}$els
        }
        3 {
            # A burst, enough to go dense at times.
            set els {}
            set base [rnd 100000]
            for {set i 0} {$i < 300} {incr i} {lappend els b[expr {$base + $i}]}
            dcmd exact pfadd $k {*}$els
        }
        4 {dcmd exact pfcount $k}
        5 {dcmd exact pfcount $k [bgkey hll] [bgkey hll]}
        6 {dcmd exact pfmerge [bgkey hll] $k [bgkey hll]}
        7 - 8 {dcmd exact get $k}
        9 {dcmd exact pfdebug [pick {encoding decode todense getreg foo}] $k}
        10 {
            # A Redis 7.0 DUMP payload restored on both sides.
            set d [dcmd exact exists $k]
            if {[lindex $d 1] eq ":1\r\n"} {
                ::redis::send_command $::ref_f [list dump $k]
                set raw [lindex [diff_read $::ref_f] 1]
                set payload [string range $raw [expr {[string first "\n" $raw] + 1}] end-2]
                dcmd exact restore hll:r $payload 0 replace
                dcmd exact get hll:r
                dcmd exact pfcount hll:r
            }
        }
        11 {dcmd exact pfcount $k [bgkey hll]}
    }
}

proc bglon {} {format %.6f [expr {[pick {13.36 -0.1 179.9 -179.9 2.35}] + (rand() - 0.5) * 4}]}
proc bglat {} {format %.6f [expr {[pick {38.1 0.1 -60.0 84.9 48.85}] + (rand() - 0.5) * 2}]}
proc bgunit {} {pick {m km mi ft KM}}
proc bgmember {} {return "p[rnd 40]"}
proc bgopts {} {
    pick {{} WITHDIST {WITHCOORD WITHHASH} {ASC WITHDIST} DESC {COUNT 3} {COUNT 2 ANY} {COUNT 5 DESC WITHCOORD} ANY {COUNT 0}}
}
proc gen_geo {} {
    set k [bgkey geo]
    set r [pick {1 10 100 300 1000 5000}]
    switch [rnd 13] {
        0 - 1 - 2 {
            set lon [bglon]
            if {$lon > 180} {set lon 180}
            if {$lon < -180} {set lon -180}
            dcmd exact geoadd $k {*}[pick {{} NX XX CH {XX CH}}] $lon [bglat] [bgmember] [bglon] [bglat] [bgmember]
        }
        3 {dcmd exact geodist $k [bgmember] [bgmember] {*}[pick {{} km mi ft yd}]}
        4 {dcmd exact geohash $k [bgmember] [bgmember]}
        5 {dcmd exact geopos $k [bgmember] [bgmember]}
        6 {dcmd exact geosearch $k FROMLONLAT [bglon] [bglat] BYRADIUS $r [bgunit] {*}[bgopts]}
        7 {dcmd exact geosearch $k FROMMEMBER [bgmember] BYBOX $r [expr {$r * 2}] [bgunit] {*}[bgopts]}
        8 {dcmd exact georadius $k [bglon] [bglat] $r km {*}[bgopts]}
        9 {dcmd exact georadiusbymember[pick {{} _ro}] $k [bgmember] $r km {*}[bgopts]}
        10 {
            dcmd exact geosearchstore geo:dst $k FROMMEMBER [bgmember] BYRADIUS $r km {*}[pick {{} STOREDIST {COUNT 4}}]
            dcmd exact zrange geo:dst 0 -1 WITHSCORES
        }
        11 {dcmd exact zrange $k 0 -1 WITHSCORES}
        12 {dcmd exact georadius $k [bglon] [bglat] $r km STORE geo:dst2}
    }
}

proc gen_bitgeo {} {
    set r [rnd 100]
    if {$r < 40} {gen_bit} elseif {$r < 65} {gen_hll} else {gen_geo}
}

if {![file executable $::ref_bin]} {
    ::report skip "differential bitmaps/HLL/geo" "$::ref_bin not installed"
    return
}

start_server {tags {interop differential external:skip}} {
    lassign [diff_start_reference] ref_pid ref_port ref_dir

    test "differential: bitmaps, HyperLogLog and geo match Redis 7.0" {
        set total [diff_begin 20261205 2 DIFF_COMMANDS 3000]
        puts "differential-bitgeo: seed $::diff_seed (override with DIFF_SEED), $total commands"
        set clients {}
        foreach {name port} [list our [srv 0 port] ref $ref_port] {
            set c [redis_client 127.0.0.1 $port]
            lappend clients $c
            set ::${name}_f [$c channel]
            # A small sparse limit so that HLLs turn dense within a run.
            $c config set hll-sparse-max-bytes 400
            $c flushall
        }
        diff_run $total gen_bitgeo
        diff_end $clients
        puts "differential-bitgeo: $::diff_count commands, no mismatch (seed $::diff_seed)"
    }

    ::kill_server_process $ref_pid
}
