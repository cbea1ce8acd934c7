# differential-streams.tcl -- random stream command sequences sent to the
# server under test and to Debian's Redis 7.0, replies compared byte for
# byte (RESP2, then RESP3), plus DUMP payloads exchanged both ways.
#
# The helpers (raw reply reader, comparison, reference server start-up) are
# those of differential.tcl, loaded from that file without running its
# test. Every ID is explicit ("ms-seq", "ms" or "ms-*"): nothing depends on
# the clock but delivery times, seen times and idle times, which are masked
# (integers above 10^12 and the values of "idle" fields and of XPENDING's
# idle column). DIFF_SEED and DIFF_STREAM_COMMANDS (default 2000) override
# the seed and the length.

# Loads the procs of differential.tcl (and its ::ref_bin) without its test.
source [file join $::tests_dir helpers reference.tcl]
source_matching interop/differential.tcl {"proc *" "set ::ref_bin *"}

# Canonical form with the clock-dependent parts masked (see the header).
proc sdiff_mask {r {pending 0}} {
    lassign $r type raw kids
    if {$type eq ":"} {
        set v [string range $raw 1 end-2]
        if {$v > 1000000000000} {return ":T"}
        return $raw
    }
    if {$type in {* % ~} && $raw ne "*-1\r\n"} {
        set out "$type[llength $kids]\["
        set prev ""
        set i 0
        foreach k $kids {
            if {$prev eq "\$4\r\nidle\r\n" ||
                ($pending == 1 && [llength $kids] == 4 && $i == 2)} {
                append out "IDLE,"
            } else {
                append out "[sdiff_mask $k [expr {$pending ? 1 : 0}]],"
            }
            set prev [lindex $k 1]
            incr i
        }
        return "$out\]"
    }
    return $raw
}

rename diff_canon sdiff_canon_base
proc diff_canon {r mode} {
    switch -- $mode {
        tmask {return [sdiff_mask $r]}
        pending {
            # The extended XPENDING form: an array of 4-element entries.
            lassign $r type raw kids
            if {$type ne "*"} {return $raw}
            set out ""
            foreach k $kids {append out [sdiff_mask $k 1]}
            return "$type[llength $kids]:$out"
        }
        default {return [sdiff_canon_base $r $mode]}
    }
}

proc skey {} {
    if {[chance 0.04]} {return str:0}
    return "stm:[rnd 4]"
}
proc sms {} {expr {1 + [rnd 40]}}
proc sid {} {
    set ms [sms]
    switch [rnd 8] {
        0 {return "$ms-*"}
        1 {return $ms}
        default {return "$ms-[rnd 4]"}
    }
}
proc sstrict {} {return "[sms]-[rnd 4]"}
proc sbound {} {
    switch [rnd 6] {
        0 {return -}
        1 {return +}
        2 {return "([sstrict]"}
        3 {return [sms]}
        default {return [sstrict]}
    }
}
proc sgroup {} {pick {g1 g2 g3}}
proc sconsumer {} {pick {c1 c2 c3}}
proc sfields {} {
    set out {}
    set n [expr {1 + [rnd 3]}]
    if {[chance 0.5]} {
        # The same fields as the node's master entry most of the time.
        foreach f [lrange {name age city} 0 [expr {$n - 1}]] {lappend out $f [dval]}
    } else {
        for {set i 0} {$i < $n} {incr i} {lappend out [dfield] [dval]}
    }
    return $out
}
proc strim {} {
    set out {}
    if {[chance 0.5]} {
        lappend out MAXLEN
        set approx [pick {{} = ~}]
        if {$approx ne ""} {lappend out $approx}
        lappend out [rnd 12]
    } else {
        lappend out MINID
        set approx [pick {{} = ~}]
        if {$approx ne ""} {lappend out $approx}
        lappend out [sstrict]
    }
    if {[chance 0.3]} {lappend out LIMIT [rnd 8]}
    return $out
}

# The data of the raw bulk reply <raw> ("$N\r\n<data>\r\n").
proc sdiff_bulk {raw} {
    return [string range $raw [expr {[string first "\r\n" $raw] + 2}] end-2]
}

# DUMP of <key> on one side restored on the other (and on its own side
# under the same name); the restored streams must read back equal.
proc sdiff_dump_exchange {key} {
    if {$::diff_failed} return
    incr ::diff_count
    foreach f [list $::our_f $::ref_f] {::redis::send_command $f [list dump $key]}
    set ours [diff_read $::our_f]
    set ref [diff_read $::ref_f]
    if {[lindex $ours 0] ne {$} || [lindex $ref 0] ne {$}} return
    if {[lindex $ours 1] eq "\$-1\r\n"} return
    set pours [sdiff_bulk [lindex $ours 1]]
    set pref [sdiff_bulk [lindex $ref 1]]
    # Without consumer groups nothing in a payload depends on the clock.
    foreach f [list $::our_f $::ref_f] {::redis::send_command $f [list xinfo groups $key]}
    set g1 [diff_read $::our_f]
    diff_read $::ref_f
    if {[lindex $g1 1] in [list "*0\r\n" "%0\r\n"] && $pours ne $pref} {
        diff_mismatch "(DUMP bytes of $key)" exact [lindex $ours 1] [lindex $ref 1]
        return
    }
    foreach {name payload} [list ours $pours ref $pref] {
        foreach f [list $::our_f $::ref_f] {
            ::redis::send_command $f [list restore xr:$name 0 $payload replace]
        }
        set a [diff_read $::our_f]
        set b [diff_read $::ref_f]
        if {[lindex $a 1] ne [lindex $b 1]} {
            diff_mismatch "(RESTORE of the $name payload of $key)" exact [lindex $a 1] [lindex $b 1]
            return
        }
        dcmd tmask xinfo stream xr:$name full
        dcmd exact xrange xr:$name - +
        dcmd exact xinfo groups xr:$name
    }
}

proc gen_stream {} {
    set k [skey]
    switch [rnd 30] {
        0 {dcmd exact xadd $k [sid] {*}[lrange [sfields] 0 end-1]}
        1 - 2 - 3 - 4 - 5 - 6 - 7 - 8 {dcmd exact xadd $k [sid] {*}[sfields]}
        9 {dcmd exact xadd $k {*}[expr {[chance 0.3] ? "NOMKSTREAM" : ""}] {*}[strim] [sid] {*}[sfields]}
        10 {dcmd exact xrange $k [sbound] [sbound] {*}[expr {[chance 0.4] ? "COUNT [rnd 5]" : ""}]}
        11 {dcmd exact xrevrange $k [sbound] [sbound] {*}[expr {[chance 0.4] ? "COUNT [rnd 5]" : ""}]}
        12 {dcmd exact xlen $k}
        13 {dcmd exact xdel $k [sstrict] [sstrict]}
        14 {dcmd exact xtrim $k {*}[strim]}
        15 {
            set args [list xgroup create $k [sgroup] [pick [list \$ 0 [sstrict]]]]
            if {[chance 0.5]} {lappend args MKSTREAM}
            if {[chance 0.2]} {lappend args ENTRIESREAD [expr {[rnd 6] - 1}]}
            dcmd exact {*}$args
        }
        16 {
            set args [list xgroup setid $k [sgroup] [pick [list \$ 0 [sstrict]]]]
            if {[chance 0.3]} {lappend args ENTRIESREAD [expr {[rnd 6] - 1}]}
            dcmd exact {*}$args
        }
        17 {
            switch [rnd 3] {
                0 {dcmd exact xgroup destroy $k [sgroup]}
                1 {dcmd exact xgroup createconsumer $k [sgroup] [sconsumer]}
                2 {dcmd exact xgroup delconsumer $k [sgroup] [sconsumer]}
            }
        }
        18 - 19 - 20 {
            set args [list xreadgroup group [sgroup] [sconsumer]]
            if {[chance 0.5]} {lappend args COUNT [rnd 4]}
            if {[chance 0.2]} {lappend args NOACK}
            if {[chance 0.2]} {
                lappend args STREAMS $k [skey] [pick {> 0}] [pick {> 0}]
            } else {
                lappend args STREAMS $k [pick [list > > 0 [sstrict]]]
            }
            dcmd exact {*}$args
        }
        21 {
            set args [list xread]
            if {[chance 0.5]} {lappend args COUNT [rnd 4]}
            lappend args STREAMS $k [skey] [pick [list 0 \$ [sstrict]]] [pick [list 0 [sstrict]]]
            dcmd exact {*}$args
        }
        22 {dcmd exact xack $k [sgroup] [sstrict] [sstrict]}
        23 {
            if {[chance 0.5]} {
                dcmd exact xpending $k [sgroup]
            } else {
                set args [list xpending $k [sgroup]]
                if {[chance 0.3]} {lappend args IDLE [pick {0 3600000}]}
                lappend args [sbound] [sbound] [rnd 6]
                if {[chance 0.4]} {lappend args [sconsumer]}
                dcmd pending {*}$args
            }
        }
        24 {
            set args [list xclaim $k [sgroup] [sconsumer] [pick {0 0 3600000}] [sstrict]]
            if {[chance 0.5]} {lappend args [sstrict]}
            foreach opt {JUSTID FORCE} {if {[chance 0.3]} {lappend args $opt}}
            if {[chance 0.3]} {lappend args RETRYCOUNT [rnd 5]}
            if {[chance 0.3]} {lappend args TIME 12345}
            if {[chance 0.2]} {lappend args LASTID [sstrict]}
            dcmd tmask {*}$args
        }
        25 {
            set args [list xautoclaim $k [sgroup] [sconsumer] [pick {0 0 3600000}] [sbound]]
            if {[chance 0.5]} {lappend args COUNT [expr {1 + [rnd 4]}]}
            if {[chance 0.3]} {lappend args JUSTID}
            dcmd exact {*}$args
        }
        26 {
            switch [rnd 4] {
                0 {dcmd exact xinfo stream $k}
                1 {dcmd tmask xinfo stream $k full {*}[expr {[chance 0.5] ? "COUNT [rnd 3]" : ""}]}
                2 {dcmd exact xinfo groups $k}
                3 {dcmd tmask xinfo consumers $k [sgroup]}
            }
        }
        27 {
            set args [list xsetid $k [sstrict]]
            if {[chance 0.4]} {lappend args ENTRIESADDED [rnd 30]}
            if {[chance 0.3]} {lappend args MAXDELETEDID [sstrict]}
            dcmd exact {*}$args
        }
        28 {sdiff_dump_exchange $k}
        29 {
            switch [rnd 4] {
                0 {dcmd exact del $k}
                1 {dcmd exact type $k}
                2 {dcmd exact object encoding $k}
                3 {dcmd exact copy $k [skey] REPLACE}
            }
        }
    }
}

if {![file executable $::ref_bin]} {
    ::report skip "stream differential test" "$::ref_bin not installed"
    return
}

start_server {tags {interop differential external:skip}} {
    lassign [diff_start_reference] ref_pid ref_port ref_dir

    test "differential: random stream command sequences match Redis 7.0" {
        set total [diff_begin 20261205 2 DIFF_STREAM_COMMANDS 2000]
        puts "stream differential: seed $::diff_seed, $total commands"
        set clients {}
        foreach {name port} [list our [srv 0 port] ref $ref_port] {
            set c [redis_client 127.0.0.1 $port]
            lappend clients $c
            set ::${name}_f [$c channel]
            # Small nodes so that node splits and approximate trims matter;
            # no compression so that DUMP payloads compare byte for byte.
            $c config set stream-node-max-entries 4 rdbcompression no
            $c flushall
            $c set str:0 x
        }
        diff_run $total gen_stream
        diff_end $clients
        puts "stream differential: $::diff_count commands, no mismatch (seed $::diff_seed)"
    }

    ::kill_server_process $ref_pid
}
