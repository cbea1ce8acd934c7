# util.tcl -- assertions, the `test` and `tags` commands and small helpers.
#
# Results are reported to the parent process through ::report (see
# test_helper.tcl); an assertion failure is a Tcl error whose message starts
# with "assertion:".

set ::cur_tags {}
set ::num_tests 0

proc fail {msg} {
    error "assertion:$msg"
}

proc assert {cond {msg ""}} {
    if {![uplevel 1 [list expr $cond]]} {
        if {$msg eq ""} {set msg "Expected '$cond' to be true"}
        fail $msg
    }
}

proc assert_equal {value expected {detail ""}} {
    if {$value ne $expected} {
        set msg "Expected '$value' to be equal to '$expected'"
        if {$detail ne ""} {append msg " ($detail)"}
        fail $msg
    }
}

proc assert_not_equal {value expected {detail ""}} {
    if {$value eq $expected} {
        set msg "Expected '$value' to be not equal to '$expected'"
        if {$detail ne ""} {append msg " ($detail)"}
        fail $msg
    }
}

proc assert_match {pattern value {detail ""}} {
    if {![string match $pattern $value]} {
        set msg "Expected '$value' to match '$pattern'"
        if {$detail ne ""} {append msg " ($detail)"}
        fail $msg
    }
}

proc assert_no_match {pattern value} {
    if {[string match $pattern $value]} {
        fail "Expected '$value' to not match '$pattern'"
    }
}

proc assert_error {pattern code} {
    if {[catch {uplevel 1 $code} e]} {
        if {![string match $pattern $e]} {
            fail "Expected an error matching '$pattern' but got '$e'"
        }
    } else {
        fail "Expected an error matching '$pattern' but nothing was caught (got '$e')"
    }
}

proc assert_range {value min max} {
    if {!($value >= $min && $value <= $max)} {
        fail "Expected '$value' to be between '$min' and '$max'"
    }
}

proc assert_morethan {value than} {
    if {!($value > $than)} {fail "Expected '$value' to be more than '$than'"}
}

proc assert_lessthan {value than} {
    if {!($value < $than)} {fail "Expected '$value' to be less than '$than'"}
}

proc assert_encoding {enc key {level 0}} {
    set e [r $level object encoding $key]
    if {$e ne $enc} {
        fail "Expected encoding '$enc' for key '$key' but found '$e'"
    }
}

proc assert_type {type key {level 0}} {
    set t [r $level type $key]
    if {$t ne $type} {
        fail "Expected type '$type' for key '$key' but found '$t'"
    }
}

# wait_for_condition maxtries delay_ms condition else script
# Evaluates <condition> up to <maxtries> times, <delay_ms> apart; runs the
# else script (usually a `fail`) if it never became true.
proc wait_for_condition {maxtries delay cond elsekw elsescript} {
    if {$elsekw ne "else"} {error "wait_for_condition: expected 'else'"}
    while {$maxtries > 0} {
        if {[uplevel 1 [list expr $cond]]} return
        incr maxtries -1
        after $delay
    }
    uplevel 1 $elsescript
}

# Runs <body> with <tagslist> added to the current tags.
proc tags {tagslist body} {
    set saved $::cur_tags
    set ::cur_tags [concat $::cur_tags $tagslist]
    if {[catch {uplevel 1 $body} e opts]} {
        set ::cur_tags $saved
        return -options $opts $e
    }
    set ::cur_tags $saved
    return
}

# Returns "" when tests carrying <tagslist> run, otherwise the reason why
# they are skipped.
# With <block> set (a start_server block), only exclusions apply: the
# tests inside may still carry an allowed tag.
proc tags_skip_reason {tagslist {block 0}} {
    foreach t $tagslist {
        if {$t in $::deny_tags} {return "tag $t excluded"}
    }
    if {!$block && [llength $::allow_tags]} {
        set found 0
        foreach t $tagslist {
            if {$t in $::allow_tags} {set found 1}
        }
        if {!$found} {return "tags do not match"}
    }
    if {$::external} {
        foreach t $tagslist {
            if {$t in {needs:server-control external:skip}} {
                return "not run against an external server"
            }
        }
    }
    if {$::tls} {
        if {"tls:skip" in $tagslist} {return "not meaningful over TLS"}
    }
    return ""
}

proc test {name body {testtags {}}} {
    set alltags [concat $::cur_tags $testtags]
    set reason [tags_skip_reason $alltags]
    if {$reason eq "" && [llength $::only_tests]} {
        set reason "not selected by --only"
        foreach p $::only_tests {
            if {[string match $p $name]} {set reason ""}
        }
    }
    if {$reason ne ""} {
        ::report skip $name $reason
        return
    }
    incr ::num_tests
    set start [clock milliseconds]
    set code [catch {uplevel 1 $body} e opts]
    set elapsed [expr {[clock milliseconds] - $start}]
    if {$code == 1} {
        if {[string match "assertion:*" $e]} {
            set msg [string range $e 10 end]
        } else {
            set msg "exception: $e\n[dict get $opts -errorinfo]"
        }
        set crash [::servers_crash_report]
        if {$crash ne ""} {append msg "\n$crash"}
        if {$::dump_logs} {append msg "\n[::servers_log_dump]"}
        ::report err $name $msg
    } else {
        set crash [::servers_crash_report]
        if {$crash ne ""} {
            ::report err $name $crash
        } else {
            ::report ok $name "${elapsed} ms"
        }
    }
}

# Returns a CSV dump of every key in the current database of the default
# client, for comparing data sets.
proc csvdump {{level 0}} {
    set out {}
    foreach k [lsort [r $level keys *]] {
        set type [r $level type $k]
        append out [csvstring $k] , $type ,
        switch $type {
            string { append out [csvstring [r $level get $k]] }
            list { foreach v [r $level lrange $k 0 -1] {append out [csvstring $v] ,} }
            set { foreach v [lsort [r $level smembers $k]] {append out [csvstring $v] ,} }
            zset { foreach v [r $level zrange $k 0 -1 withscores] {append out [csvstring $v] ,} }
            hash {
                set h [r $level hgetall $k]
                set pairs {}
                foreach {f v} $h {lappend pairs [list $f $v]}
                foreach p [lsort -index 0 $pairs] {
                    append out [csvstring [lindex $p 0]] , [csvstring [lindex $p 1]] ,
                }
            }
            stream { append out [csvstring [r $level xrange $k - +]] }
        }
        append out "\n"
    }
    return $out
}

proc csvstring {s} {
    return "\"[string map {\" \"\"} $s]\""
}

# Makes the server of <level> sleep <seconds> inside a command.
proc debug_sleep {seconds {level 0}} {
    r $level debug sleep $seconds
}

# Returns the value of <field> in the INFO output of the default client.
proc status {r field} {
    set info [$r info]
    if {[regexp "\r\n$field:(\[^\r\n\]*)\r\n" "\r\n$info" -> v]} {
        return $v
    }
    return ""
}

proc s {args} {
    set level 0
    if {[string is integer [lindex $args 0]]} {
        set level [lindex $args 0]
        set args [lrange $args 1 end]
    }
    return [status [srv $level client] [lindex $args 0]]
}

# A random string of <len> bytes from the character range <min>..<max>
# (byte values), binary safe by default.
proc randstring {len {min 0} {max 255}} {
    set s {}
    for {set i 0} {$i < $len} {incr i} {
        append s [format %c [expr {$min + int(rand() * ($max - $min + 1))}]]
    }
    return $s
}

# Returns a TCP port, starting at <start>, nobody listens on (the next
# <count> ports are probed in turn).
proc find_available_port {start {count 1000}} {
    for {set p $start} {$p < $start + $count} {incr p} {
        if {[catch {socket -server {apply {args {}}} -myaddr 127.0.0.1 $p} s]} continue
        close $s
        # A port whose TLS or cluster bus companion (+10000) is taken is
        # avoided as well.
        if {$p + 10000 < 65536} {
            if {[catch {socket -server {apply {args {}}} -myaddr 127.0.0.1 [expr {$p + 10000}]} s2]} continue
            close $s2
        }
        return $p
    }
    error "no free port in $start..[expr {$start + $count - 1}]"
}

# Waits until the replica at <level> reports a finished sync.
proc wait_for_sync {r {maxtries 500} {delay 20}} {
    wait_for_condition $maxtries $delay {
        [status $r master_link_status] eq "up"
    } else {
        fail "replica did not sync in time"
    }
}

# Waits until the replica client <s> is linked to its master and at the
# offset of the master client <m>.
proc wait_for_offsets {m s} {
    wait_for_condition 500 20 {
        [status $s master_link_status] eq "up" &&
        [status $m master_repl_offset] == [status $s master_repl_offset]
    } else {
        fail "offsets differ: [status $m master_repl_offset] vs [status $s master_repl_offset]"
    }
}

# A canonical listing of every key of databases <dbs> (0 and 3) on client <c>:
# {db key type value pexpiretime} per key, sets and hashes sorted. Used to
# compare a dataset across servers (RDB and AOF interop tests). The absolute
# expiry time does not shrink while a slow machine goes from one snapshot
# to the other, as a remaining TTL would.
proc dataset_snapshot {c {dbs {0 3}}} {
    set out {}
    foreach db $dbs {
        $c select $db
        foreach k [lsort [$c keys *]] {
            set t [$c type $k]
            switch $t {
                string {set v [$c get $k]}
                list {set v [$c lrange $k 0 -1]}
                set {set v [lsort [$c smembers $k]]}
                hash {set v [lsort [$c hgetall $k]]}
                zset {set v [$c zrange $k 0 -1 withscores]}
                stream {set v [$c xrange $k - +]}
                default {set v ?}
            }
            lappend out [list $db $k $t $v [$c pexpiretime $k]]
        }
    }
    $c select 0
    return $out
}

# Asserts that two dataset_snapshot listings hold the same keys, types and
# values, with expiry times within <ttl_slack_ms> of each other.
proc dataset_compare {a b ttl_slack_ms} {
    assert_equal [llength $a] [llength $b] "key count"
    foreach x $a y $b {
        lassign $x db1 k1 t1 v1 ttl1
        lassign $y db2 k2 t2 v2 ttl2
        assert_equal "$db1 $k1 $t1" "$db2 $k2 $t2"
        assert_equal $v1 $v2 "value of $k1"
        if {$ttl1 < 0 || $ttl2 < 0} {
            assert_equal $ttl1 $ttl2 "ttl of $k1"
        } else {
            assert {abs($ttl1 - $ttl2) <= $ttl_slack_ms} "ttl of $k1: $ttl1 vs $ttl2"
        }
    }
}


# Tcl's notifier cannot watch descriptors past FD_SETSIZE (1024), and its
# TLS handshakes are slow, so a test needing thousands of clients runs them
# in helper processes (tests/helpers/blocked_clients.py, Debian's python3),
# at most 500 clients each, plain or TLS as the suite runs.
#
# start_blocked_clients <n> <command...> opens <n> clients to the server at
# level 0, sends <command> on each, and returns once every helper has sent
# all of them. Bounded: at most <max> (5000) clients.
proc start_blocked_clients {n args} {
    set max 5000
    if {$n < 1 || $n > $max} {
        error "start_blocked_clients: $n clients asked, between 1 and $max"
    }
    set script [file join $::tests_dir helpers blocked_clients.py]
    set helpers {}
    for {set left $n} {$left > 0} {incr left -500} {
        set k [expr {min($left, 500)}]
        set cmd [list /usr/bin/python3 $script [srv 0 host] [srv 0 port] \
                     $::tls $::tls_dir $k {*}$args]
        if {[catch {open |$cmd r} h]} {
            finish_blocked_clients $helpers 5
            error "start_blocked_clients: $h"
        }
        lappend helpers $h
    }
    foreach h $helpers {
        set line [::helper_read_line $h 120]
        if {$line ne "sent"} {
            finish_blocked_clients $helpers 5
            error "start_blocked_clients: helper said: $line"
        }
    }
    return $helpers
}

# Waits (up to <seconds>) for the helpers of start_blocked_clients to read
# one reply per client, then a PONG to a PING on each, and close. Returns a
# dict: nil (replies that were null), other (how many were not), samples
# (up to 10 of those).
proc finish_blocked_clients {helpers {seconds 120}} {
    set nil 0
    set other 0
    set samples {}
    foreach h $helpers {
        set line [::helper_read_line $h $seconds]
        if {[lindex $line 0] eq "done"} {
            incr nil [lindex $line 1]
            incr other [lindex $line 2]
            lappend samples {*}[lindex $line 3]
        } else {
            incr other
            lappend samples "helper: $line"
        }
        catch {close $h}
    }
    return [dict create nil $nil other $other samples [lrange $samples 0 9]]
}

# One line from the helper pipe <h>, or an error text after <seconds>.
proc ::helper_read_line {h seconds} {
    fconfigure $h -blocking 0
    set deadline [expr {[clock milliseconds] + $seconds * 1000}]
    while {1} {
        if {[gets $h line] >= 0} {return $line}
        if {[eof $h]} {return "eof"}
        if {[clock milliseconds] > $deadline} {return "timeout"}
        set ::helper_ready 0
        fileevent $h readable {set ::helper_ready 1}
        set t [after 100 {set ::helper_ready 1}]
        vwait ::helper_ready
        after cancel $t
        fileevent $h readable {}
    }
}

# Opens <n> deferred clients to the server at <level> (plain or TLS as the
# suite runs) and returns their handles. Bounded: <n> above <max> is
# refused (Tcl's notifier cannot go past 1024 descriptors; use
# start_blocked_clients for more), and if one connection fails the ones
# already open are closed before the error is raised.
proc redis_deferring_clients {n {level 0} {max 900}} {
    if {$n < 0 || $n > $max} {
        error "redis_deferring_clients: $n clients asked, at most $max"
    }
    set clients {}
    for {set i 0} {$i < $n} {incr i} {
        if {[catch {redis_deferring_client $level} c]} {
            foreach o $clients {catch {$o close}}
            error "redis_deferring_clients: client [expr {$i + 1}] of $n: $c"
        }
        lappend clients $c
    }
    return $clients
}
