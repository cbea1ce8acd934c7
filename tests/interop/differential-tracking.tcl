# differential-tracking.tcl -- client-side caching compared with Debian's
# Redis 7.0: the same random sequences of CLIENT TRACKING / CACHING /
# GETREDIR / TRACKINGINFO, reads, writes, transactions, scripts, flushes,
# protocol switches and redirections are sent to both servers, and every
# reply and every invalidation message (RESP3 pushes, __redis__:invalidate
# messages of a RESP2 redirection target, tracking-redir-broken) is compared
# byte for byte, as are the INFO tracking fields.
#
# Each side has the same connections: A tracks (RESP3 at first, sometimes
# RESP2), B writes without tracking, R is a RESP2 client subscribed to
# __redis__:invalidate, D a RESP3 client, and E a short-lived client whose
# closing breaks a redirection. Client ids differ between the servers, so
# the ids of A, R, D and E are replaced by their names before comparing.
# A is never sent a PING to collect its pushes (PING would end a CLIENT
# CACHING), so its pushes are read in order before its next reply; the
# other connections are synchronised with PING after every step.
# DIFF_SEED and DIFF_TRACKING_STEPS (default 3000) override seed and length.

# Loads the procs of differential.tcl (and its ::ref_bin) without its test.
source [file join $::tests_dir helpers reference.tcl]
source_matching interop/differential.tcl {"proc *" "set ::ref_bin *"}

# Replaces the known client ids of side <side> in <raw> by their names.
proc dtrk_mask {side raw} {
    set map {}
    set names {A R D E}
    if {[info exists ::dtrk_old($side)]} {lappend names {*}[dict keys $::dtrk_old($side)]}
    foreach name $names {
        if {[info exists ::dtrk_id($side,$name)] || [string match E*.* $name]} {
            if {[string match E*.* $name]} {
                set id [dict get $::dtrk_old($side) $name]
            } else {
                set id $::dtrk_id($side,$name)
            }
            lappend map "redirect\r\n:$id\r\n" "redirect\r\n:<$name>\r\n" \
                "tracking-redir-broken\r\n:$id\r\n" "tracking-redir-broken\r\n:<$name>\r\n" \
                "GETREDIR:$id\r\n" "GETREDIR:<$name>\r\n"
        }
    }
    # Only where an id is expected: TRACKINGINFO's redirect, the
    # tracking-redir-broken push and GETREDIR's reply (marked by dtrk_step).
    return [string map {GETREDIR: :} [string map $map $raw]]
}

# The channel of connection <name> on <side>.
proc dtrk_f {side name} {
    return [$::dtrk_conn($side,$name) channel]
}

# Sends <argv> on connection <name> of <side> and reads up to its reply;
# returns the bytes read (pushes first, then the reply).
proc dtrk_exec {side name argv} {
    set f [dtrk_f $side $name]
    ::redis::send_command $f $argv
    set out ""
    while {1} {
        set r [diff_read $f]
        append out [lindex $r 1]
        if {[lindex $r 0] ne ">"} break
        # A RESP2 subscriber's messages are arrays, never replies here.
    }
    return $out
}

# Sends the commands of <cmds> on connection <name> of both sides at once
# and compares what comes back up to the reply of the last one (for
# sequences like CLIENT REPLY OFF ... ON, whose middle has no replies).
proc dtrk_batch {name cmds} {
    if {$::diff_failed} return
    incr ::diff_count
    lappend ::diff_history "$name: $cmds"
    foreach side {our ref} {
        set f [dtrk_f $side $name]
        foreach argv [lrange $cmds 0 end-1] {::redis::send_command $f $argv}
        set out($side) "$name> [dtrk_mask $side [dtrk_exec $side $name [lindex $cmds end]]]"
    }
    dtrk_compare "$name: $cmds" $out(our) $out(ref)
}

# PINGs connection <name> of <side> and returns what came before the PONG.
proc dtrk_drain {side name} {
    set f [dtrk_f $side $name]
    ::redis::send_command $f {ping}
    set out ""
    while {1} {
        set r [diff_read $f]
        set raw [lindex $r 1]
        if {$raw eq "+PONG\r\n" || $raw eq "*2\r\n\$4\r\npong\r\n\$0\r\n\r\n"} break
        append out $raw
    }
    return $out
}

# One step: <argv> on connection <name> of both sides, then the other
# connections drained; the transcripts must match. <hide_reply> compares
# only the pushes before the reply (HELLO's reply carries ids/versions).
proc dtrk_step {name argv {hide_reply 0}} {
    if {$::diff_failed} return
    incr ::diff_count
    lappend ::diff_history "$name: $argv"
    if {[llength $::diff_history] > 40} {set ::diff_history [lrange $::diff_history end-20 end]}
    foreach side {our ref} {
        set t [dtrk_exec $side $name $argv]
        if {[string tolower $argv] eq "client getredir"} {
            set frames [dtrk_split $t]
            set t "[join [lrange $frames 0 end-1] {}]GETREDIR[lindex $frames end]"
        }
        if {$hide_reply} {
            # Keep the pushes and drop the reply.
            set t [dtrk_strip_last $t]
        }
        set out($side) "$name> [dtrk_mask $side $t]"
        foreach other {R D} {
            append out($side) " | $other> [dtrk_mask $side [dtrk_drain $side $other]]"
        }
    }
    dtrk_compare "$name: $argv" $out(our) $out(ref)
}

# Compares two step transcripts and counts the invalidations seen.
proc dtrk_compare {what ours ref} {
    incr ::dtrk_pushes [regexp -all {invalidate} $ref]
    incr ::dtrk_errors [regexp -all {(^|\n|> )-} $ref]
    if {$ours ne $ref} {diff_mismatch $what exact $ours $ref}
}

# Drops the last complete reply from the transcript <t> (the reply follows
# the pushes, so everything from the last top-level frame is cut). Frames
# are re-parsed from the bytes.
proc dtrk_strip_last {t} {
    set frames [dtrk_split $t]
    return [join [lrange $frames 0 end-1] ""]
}

# Splits protocol bytes into top-level frames.
proc dtrk_split {t} {
    set frames {}
    set pos 0
    while {$pos < [string length $t]} {
        set end [dtrk_frame_end $t $pos]
        lappend frames [string range $t $pos [expr {$end - 1}]]
        set pos $end
    }
    return $frames
}

proc dtrk_frame_end {t pos} {
    set nl [string first "\r\n" $t $pos]
    set type [string index $t $pos]
    set n [string range $t [expr {$pos + 1}] [expr {$nl - 1}]]
    set pos [expr {$nl + 2}]
    switch -- $type {
        $ - ! - = {
            if {$n < 0} {return $pos}
            return [expr {$pos + $n + 2}]
        }
        * - ~ - > - % - | {
            if {$n < 0} {return $pos}
            set count [expr {$type in {% |} ? $n * 2 : $n}]
            for {set i 0} {$i < $count} {incr i} {set pos [dtrk_frame_end $t $pos]}
            if {$type eq "|"} {set pos [dtrk_frame_end $t $pos]}
            return $pos
        }
        default {return $pos}
    }
}

# Compares the INFO tracking fields of both servers.
proc dtrk_info {} {
    if {$::diff_failed} return
    incr ::diff_count
    foreach side {our ref} {
        set f [dtrk_f $side B]
        set v($side) {}
        foreach sec {clients stats} {
            ::redis::send_command $f [list info $sec]
            set text [lindex [diff_read $f] 1]
            foreach field {tracking_clients tracking_total_keys tracking_total_items tracking_total_prefixes} {
                if {[regexp "$field:(\\d+)" $text -> n]} {lappend v($side) "$field=$n"}
            }
        }
    }
    if {$v(our) ne $v(ref)} {diff_mismatch "(INFO tracking fields)" exact $v(our) $v(ref)}
}

# (Re)opens connection E on both sides and records its ids.
proc dtrk_new_e {} {
    incr ::dtrk_e_gen
    foreach side {our ref} {
        if {[info exists ::dtrk_conn($side,E)]} {catch {$::dtrk_conn($side,E) close}}
        # A redirection may still name an earlier E: keep masking its id.
        if {[info exists ::dtrk_id($side,E)]} {
            dict set ::dtrk_old($side) "E.$::dtrk_e_gen" $::dtrk_id($side,E)
        }
        set c [redis_client 127.0.0.1 $::dtrk_port($side)]
        set ::dtrk_conn($side,E) $c
        set ::dtrk_id($side,E) [$c client id]
    }
    set ::dtrk_e_open 1
}

# Closes E on both sides and waits until both servers have dropped it.
proc dtrk_close_e {} {
    foreach side {our ref} {
        catch {$::dtrk_conn($side,E) close}
        set id $::dtrk_id($side,E)
        set f [dtrk_f $side B]
        wait_for_condition 500 10 {
            [string first "id=$id " [lindex [dtrk_plain_reply $f {client list}] 0]] < 0
        } else {
            fail "client E not dropped"
        }
    }
    set ::dtrk_e_open 0
}

proc dtrk_plain_reply {f argv} {
    ::redis::send_command $f $argv
    set r [diff_read $f]
    set raw [lindex $r 1]
    # A verbatim or bulk string: the payload after the first line.
    return [list [string range $raw [expr {[string first "\n" $raw] + 1}] end]]
}

# ------------------------------------------------------------ generators

proc tkey {} {pick {k:0 k:1 k:2 k:3 kx:1 kx:22 h:0 l:0 s:0 0 12}}
proc tval {} {pick {v 1 22 hello x}}

proc dtrk_redirect_target {} {
    set t [pick {R D E E self bogus zero text}]
    return $t
}

# Builds CLIENT TRACKING arguments for side <side> (ids are per side), as a
# template whose @NAME@ words are replaced per side.
proc dtrk_tracking_args {} {
    set args [list client tracking [pick {on on on on on on on on off OFF maybe}]]
    if {[chance 0.3]} {lappend args bcast}
    if {[chance 0.35]} {
        foreach p [lrange [list [pick {k k: kx h ""}] [pick {k:1 h: l s kx:2}]] 0 [rnd 2]] {
            lappend args prefix $p
        }
    }
    if {[chance 0.2]} {lappend args optin}
    if {[chance 0.2]} {lappend args optout}
    if {[chance 0.25]} {lappend args noloop}
    if {[chance 0.3]} {
        lappend args redirect [dtrk_redirect_target]
        if {[chance 0.05]} {lappend args redirect R}
    }
    if {[chance 0.03]} {lappend args nosuchoption}
    if {[chance 0.02]} {lappend args prefix}
    return $args
}

# CLIENT TRACKING ON arguments that are valid on their own.
proc dtrk_valid_tracking_args {} {
    set args {client tracking on}
    if {[chance 0.3]} {
        lappend args bcast
        if {[chance 0.6]} {lappend args prefix [pick {k: kx h l s}]}
    } else {
        switch [rnd 3] {
            0 {lappend args optin}
            1 {lappend args optout}
        }
    }
    if {[chance 0.3]} {lappend args noloop}
    if {[chance 0.4]} {lappend args redirect [pick {R D R D E}]}
    return $args
}

# Runs a step whose argv may name clients by placeholder (REDIRECT R ...).
proc dtrk_step_ids {name argv} {
    if {$::diff_failed} return
    incr ::diff_count
    lappend ::diff_history "$name: $argv"
    foreach side {our ref} {
        set real {}
        set prev ""
        foreach a $argv {
            if {$prev eq "redirect"} {
                switch -- $a {
                    R - D - E {set a $::dtrk_id($side,$a)}
                    self {set a $::dtrk_id($side,A)}
                    bogus {set a 987654}
                    zero {set a 0}
                    text {set a abc}
                }
            }
            lappend real $a
            set prev $a
        }
        set t [dtrk_exec $side $name $real]
        set out($side) "$name> [dtrk_mask $side $t]"
        foreach other {R D} {
            append out($side) " | $other> [dtrk_mask $side [dtrk_drain $side $other]]"
        }
    }
    dtrk_compare "$name: $argv" $out(our) $out(ref)
}

proc dtrk_read_cmd {} {
    set k [tkey]
    switch [rnd 12] {
        0 {return [list get $k]}
        1 {return [list mget $k [tkey] [tkey]]}
        2 {return [list strlen $k]}
        3 {return [list exists $k [tkey]]}
        4 {return [list hget h:0 [pick {f1 f2}]]}
        5 {return [list hgetall h:0]}
        6 {return [list lrange l:0 0 -1]}
        7 {return [list sismember s:0 [pick {a b}]]}
        8 {return [list type $k]}
        9 {return [list getrange $k 0 2]}
        10 {return [list eval "return redis.call('get', KEYS\[1\])" 1 $k]}
        11 {return [list eval_ro "return redis.call('exists', KEYS\[1\])" 1 $k]}
    }
}

proc dtrk_write_cmd {} {
    set k [tkey]
    switch [rnd 14] {
        0 - 1 {return [list set $k [tval]]}
        2 {return [list del $k [tkey]]}
        3 {return [list incr [pick {k:0 12 0}]]}
        4 {return [list append $k [tval]]}
        5 {return [list hset h:0 [pick {f1 f2}] [tval]]}
        6 {return [list lpush l:0 [tval]]}
        7 {return [list sadd s:0 [pick {a b}]]}
        8 {return [list expire $k 1000]}
        9 {return [list persist $k]}
        10 {return [list rename [pick {k:1 k:2}] [pick {k:3 kx:1}]]}
        11 {return [list mset $k [tval] [tkey] [tval]]}
        12 {return [list eval "return redis.call('set', KEYS\[1\], ARGV\[1\])" 1 $k [tval]]}
        13 {return [list setnx $k [tval]]}
    }
}

proc dtrk_one {} {
    set r [rnd 100]
    if {$r < 30} {
        dtrk_step A [dtrk_read_cmd]
    } elseif {$r < 45} {
        dtrk_step B [dtrk_write_cmd]
    } elseif {$r < 53} {
        dtrk_step A [dtrk_write_cmd]
    } elseif {$r < 58} {
        dtrk_step_ids A [dtrk_tracking_args]
    } elseif {$r < 63} {
        if {[chance 0.6]} {dtrk_step A {client tracking off}}
        dtrk_step_ids A [dtrk_valid_tracking_args]
    } elseif {$r < 68} {
        dtrk_step A [list client caching [pick {yes no yes no maybe}]]
        if {[chance 0.8]} {dtrk_step A [dtrk_read_cmd]}
    } elseif {$r < 72} {
        dtrk_step A {client trackinginfo}
    } elseif {$r < 74} {
        dtrk_step A {client getredir}
    } elseif {$r < 79} {
        # A transaction of reads and writes.
        dtrk_step A {multi}
        for {set i [rnd 4]} {$i >= 0} {incr i -1} {
            dtrk_step A [expr {[chance 0.5] ? [dtrk_read_cmd] : [dtrk_write_cmd]}]
        }
        dtrk_step A [pick {exec exec exec discard}]
    } elseif {$r < 81} {
        dtrk_step [pick {A B}] [pick {flushdb flushall {flushall async} {flushdb sync}}]
    } elseif {$r < 83} {
        # Same key name in another database: the table ignores databases.
        dtrk_step B {select 1}
        dtrk_step B [list set [tkey] [tval]]
        dtrk_step B {select 0}
    } elseif {$r < 86} {
        dtrk_step A [list hello [pick {2 3 3}]] 1
    } elseif {$r < 89} {
        if {$::dtrk_e_open} {dtrk_close_e} else {dtrk_new_e}
        dtrk_step B [dtrk_write_cmd]
    } elseif {$r < 92} {
        dtrk_info
    } elseif {$r < 94} {
        dtrk_step A [list client caching]
    } elseif {$r < 94} {
        # D tracks too (default mode only: the order in which several BCAST
        # clients of one prefix are served follows memory addresses in
        # Redis), sometimes redirected to R like A.
        if {[chance 0.3]} {
            dtrk_step_ids D [list client tracking [pick {on on off}] {*}[pick {{} {redirect R} {noloop} {redirect R noloop}}]]
        } else {
            dtrk_step D [dtrk_read_cmd]
        }
    } elseif {$r < 95} {
        dtrk_step A [list client tracking]
    } elseif {$r < 96} {
        dtrk_step A {client tracking off}
    } else {
        dtrk_step A [dtrk_read_cmd]
    }
}

if {![file executable $::ref_bin]} {
    ::report skip "differential tracking test" "$::ref_bin not installed"
    return
}

start_server {tags {interop differential tracking external:skip}} {
    lassign [diff_start_reference] ref_pid ref_port ref_dir

    test "differential: client-side caching matches Redis 7.0" {
        set total [diff_begin 20261205 3 DIFF_TRACKING_STEPS 3000 0]
        puts "differential-tracking: seed $::diff_seed (override with DIFF_SEED), $total steps"
        set ::dtrk_e_open 0
        set ::dtrk_e_gen 0
        array unset ::dtrk_old
        set ::dtrk_pushes 0
        set ::dtrk_errors 0
        array unset ::dtrk_conn
        array unset ::dtrk_id
        set ::dtrk_port(our) [srv 0 port]
        set ::dtrk_port(ref) $ref_port

        foreach side {our ref} {
            foreach name {A B R D} {
                set c [redis_client 127.0.0.1 $::dtrk_port($side)]
                set ::dtrk_conn($side,$name) $c
                set ::dtrk_id($side,$name) [$c client id]
            }
            $::dtrk_conn($side,B) flushall
            $::dtrk_conn($side,A) hello 3
            $::dtrk_conn($side,D) hello 3
            $::dtrk_conn($side,R) subscribe __redis__:invalidate
        }
        dtrk_new_e

        # Fixed opening: the basic cases first, then random steps.
        dtrk_step_ids A {client tracking on}
        dtrk_step A {get k:0}
        dtrk_step B {set k:0 1}
        dtrk_step A {get k:0}
        dtrk_step A {set k:0 2}
        dtrk_step A {client trackinginfo}
        dtrk_step_ids A {client tracking on redirect R}
        dtrk_step A {mget k:0 k:1}
        dtrk_step B {mset k:0 a k:1 b}
        dtrk_step B {flushall}
        dtrk_step_ids A {client tracking on redirect E}
        dtrk_step A {get k:1}
        dtrk_close_e
        dtrk_step B {set k:1 x}
        dtrk_step A {client trackinginfo}
        dtrk_step A {client tracking off}
        dtrk_step_ids A {client tracking on bcast prefix k: prefix h noloop}
        dtrk_step B {set k:2 x}
        dtrk_step A {set k:3 x}
        dtrk_step A {client trackinginfo}
        dtrk_info
        dtrk_step A {client tracking off}
        # Under CLIENT REPLY OFF the client's own invalidation still comes.
        dtrk_step_ids A {client tracking on}
        dtrk_step A {get k:0}
        dtrk_batch A {{client reply off} {set k:0 off} {client reply on}}
        dtrk_step A {client tracking off}
        dtrk_new_e

        while {$::diff_count < $total && !$::diff_failed} {
            dtrk_one
        }
        dtrk_info

        foreach side {our ref} {
            foreach name {A B R D E} {
                if {[info exists ::dtrk_conn($side,$name)]} {catch {$::dtrk_conn($side,$name) close}}
            }
        }
        if {$::diff_failed} {
            puts $::diff_report
            fail $::diff_report
        }
        puts "differential-tracking: $::diff_count steps, $::dtrk_pushes invalidation messages, $::dtrk_errors errors, no mismatch (seed $::diff_seed)"
    }

    ::kill_server_process $ref_pid
}
