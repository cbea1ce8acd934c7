# redis.tcl -- a small RESP2/RESP3 client for the test suite.
#
# redis_client ?-tls? ?-notls? ?-deferred? host port
#   returns a handle (a command).  Subcommands of a handle:
#     $r <command> ?arg ...?   send a command; in blocking mode read and return
#                              its reply, in deferred mode only send it
#     $r send <command> ...    send a command without reading (any mode)
#     $r read                  read one reply (RESP2 or RESP3)
#     $r readraw 0|1           in raw mode, read returns one protocol line
#     $r write bytes           write raw bytes and flush (alias: write_raw)
#     $r deferred 0|1          switch between blocking and deferred mode
#     $r channel               the underlying Tcl channel
#     $r attributes            the last RESP3 attribute seen (flat list)
#     $r eof                   1 if the server closed the connection
#     $r close                 close the connection
#
# Error replies raise a Tcl error whose message is the error text (for
# instance "ERR syntax error"); error elements nested inside an aggregate
# are returned as plain strings so the other elements are not lost.
# Maps are returned as flat key/value lists, sets and pushes as lists,
# RESP3 booleans as 1/0, doubles/big numbers as their text, null as {}.

namespace eval ::redis {
    variable next_id 0
    variable fd
    variable deferred
    variable raw
    variable attrs
}

proc ::redis::tls_socket {host port} {
    package require tls
    set dir $::redis::tls_dir
    set fd [tls::socket -cafile [file join $dir ca.crt] \
                -certfile [file join $dir client.crt] \
                -keyfile [file join $dir client.key] $host $port]
    return $fd
}

# The directory holding the test certificates (set by test_helper.tcl).
if {![info exists ::redis::tls_dir]} {
    set ::redis::tls_dir [file normalize [file join [file dirname [info script]] .. tls]]
}

proc redis_client {args} {
    set use_tls [expr {[info exists ::tls] && $::tls}]
    set deferred 0
    while {[string match -* [lindex $args 0]]} {
        set opt [lindex $args 0]
        set args [lrange $args 1 end]
        switch -- $opt {
            -tls {set use_tls 1}
            -notls {set use_tls 0}
            -deferred {set deferred 1}
            default {error "redis_client: unknown option $opt"}
        }
    }
    if {[llength $args] != 2} {
        error "usage: redis_client ?-tls? ?-deferred? host port"
    }
    lassign $args host port
    if {$use_tls} {
        set fd [::redis::tls_socket $host $port]
    } else {
        set fd [socket $host $port]
    }
    fconfigure $fd -translation binary -encoding binary -blocking 1 -buffering full
    if {$use_tls} {
        # Finish the handshake now so that connection errors show up here.
        if {[catch {tls::handshake $fd} e]} {
            catch {close $fd}
            error "TLS handshake failed: $e"
        }
    }
    set id [incr ::redis::next_id]
    set h ::redis::client$id
    set ::redis::fd($id) $fd
    set ::redis::deferred($id) $deferred
    set ::redis::raw($id) 0
    set ::redis::attrs($id) {}
    interp alias {} $h {} ::redis::dispatch $id
    return $h
}

proc ::redis::dispatch {id cmd args} {
    variable fd
    set f $fd($id)
    switch -- $cmd {
        read { return [::redis::read_reply $id] }
        readraw { set ::redis::raw($id) [lindex $args 0]; return }
        write - write_raw {
            puts -nonewline $f [lindex $args 0]
            flush $f
            return
        }
        send {
            ::redis::send_command $f $args
            return
        }
        deferred { set ::redis::deferred($id) [lindex $args 0]; return }
        channel { return $f }
        attributes { return $::redis::attrs($id) }
        eof {
            return [::redis::at_eof $f]
        }
        close {
            catch {close $f}
            unset -nocomplain ::redis::fd($id) ::redis::deferred($id) \
                ::redis::raw($id) ::redis::attrs($id)
            interp alias {} ::redis::client$id {}
            return
        }
        default {
            ::redis::send_command $f [linsert $args 0 $cmd]
            if {$::redis::deferred($id)} return
            return [::redis::read_reply $id]
        }
    }
}

# Returns 1 when the peer has closed the connection (reads pending data).
proc ::redis::at_eof {f} {
    if {[eof $f]} {return 1}
    fconfigure $f -blocking 0
    set data [read $f]
    set closed [eof $f]
    fconfigure $f -blocking 1
    return $closed
}

proc ::redis::send_command {f argv} {
    set buf "*[llength $argv]\r\n"
    foreach a $argv {
        append buf "\$[string length $a]\r\n$a\r\n"
    }
    puts -nonewline $f $buf
    flush $f
}

# Reads never block forever: the channel stays non-blocking for reads and
# a read that sees no data for ::redis::read_timeout seconds raises an
# error, so a missing reply fails one test instead of hanging the file.
set ::redis::read_timeout 60

proc ::redis::wait_readable {f} {
    set var ::redis::ready($f)
    set $var 0
    fileevent $f readable [list set $var 1]
    set timer [after [expr {int($::redis::read_timeout * 1000)}] [list set $var timeout]]
    vwait $var
    after cancel $timer
    fileevent $f readable {}
    set state [set $var]
    unset $var
    if {$state eq "timeout"} {
        error "I/O error reading reply: no data for $::redis::read_timeout s"
    }
}

proc ::redis::read_line {f} {
    fconfigure $f -blocking 0
    while {[gets $f line] < 0} {
        if {[eof $f]} {
            fconfigure $f -blocking 1
            error "I/O error reading reply: connection closed"
        }
        ::redis::wait_readable $f
    }
    fconfigure $f -blocking 1
    return [string trimright $line "\r"]
}

proc ::redis::read_bulk {f len} {
    fconfigure $f -blocking 0
    set data {}
    set want [expr {$len + 2}]
    while {[string length $data] < $want} {
        append data [read $f [expr {$want - [string length $data]}]]
        if {[string length $data] >= $want} break
        if {[eof $f]} {
            fconfigure $f -blocking 1
            error "I/O error reading reply: connection closed inside a bulk"
        }
        ::redis::wait_readable $f
    }
    fconfigure $f -blocking 1
    return [string range $data 0 end-2]
}

proc ::redis::read_reply {id} {
    set f $::redis::fd($id)
    if {$::redis::raw($id)} {
        return [::redis::read_line $f]
    }
    set ::redis::attrs($id) {}
    lassign [::redis::parse $id $f] kind value
    if {$kind eq "err"} {
        return -code error $value
    }
    return $value
}

# Parses one reply; returns {kind value} where kind is "err" for an error
# reply and "ok" otherwise.
proc ::redis::parse {id f} {
    set line [::redis::read_line $f]
    set type [string index $line 0]
    set payload [string range $line 1 end]
    switch -exact -- $type {
        + { return [list ok $payload] }
        - { return [list err $payload] }
        : { return [list ok $payload] }
        ( { return [list ok $payload] }
        , {
            return [list ok $payload]
        }
        _ { return [list ok {}] }
        # { return [list ok [expr {$payload eq "t" ? 1 : 0}]] }
        $ {
            if {$payload < 0} {return [list ok {}]}
            return [list ok [::redis::read_bulk $f $payload]]
        }
        ! {
            return [list err [::redis::read_bulk $f $payload]]
        }
        = {
            set s [::redis::read_bulk $f $payload]
            # Verbatim strings start with a three letter format and a colon.
            return [list ok [string range $s 4 end]]
        }
        * - ~ - > {
            if {$payload < 0} {return [list ok {}]}
            set l {}
            for {set i 0} {$i < $payload} {incr i} {
                lappend l [lindex [::redis::parse $id $f] 1]
            }
            return [list ok $l]
        }
        % {
            set l {}
            for {set i 0} {$i < $payload * 2} {incr i} {
                lappend l [lindex [::redis::parse $id $f] 1]
            }
            return [list ok $l]
        }
        | {
            set l {}
            for {set i 0} {$i < $payload * 2} {incr i} {
                lappend l [lindex [::redis::parse $id $f] 1]
            }
            set ::redis::attrs($id) $l
            # The attribute is followed by the actual reply.
            return [::redis::parse $id $f]
        }
        default {
            error "protocol error: unexpected reply type '$type' in line '$line'"
        }
    }
}
