# node.tcl -- running the Node.js scripts of tests/interop/node (the ioredis
# client from the npm registry) from Tcl tests.
#
# node_setup installs ioredis once per worker through
# tests/interop/node/install.sh (nothing is fetched when the pinned version
# is there) and raises an error with the script's reason otherwise, so a
# machine without node or without the npm registry fails these tests
# instead of passing them.
#
# node_run <script> <opts> runs a script to its end (with a time limit) and
# returns its output; node_spawn starts one in the background with its
# output in a log file (reported to the parent, so it never outlives the
# worker), node_wait_log waits for a line in that log, node_stop ends it.

set ::node_dir [file join $::tests_dir interop node]
set ::node_procs {}

proc ::node_setup {} {
    if {[info exists ::node_ready]} return
    # A failed install is not tried again by every test of the file.
    if {[info exists ::node_failure]} {error $::node_failure}
    if {[catch {exec bash [file join $::node_dir install.sh] 2>@1} out]} {
        set ::node_failure "ioredis is not available, so the ioredis tests cannot run:\n$out"
        error $::node_failure
    }
    set ::node_ready 1
}

# The JSON object of the Tcl dict <d> (values: integers as numbers, lists
# of integers as arrays when the key ends in "ports", the rest as strings).
proc ::node_json {d} {
    set parts {}
    dict for {k v} $d {
        if {[string match *ports $k]} {
            set v "\[[join $v ,]\]"
        } elseif {![string is integer -strict $v]} {
            set v "\"[string map {\\ \\\\ \" \\\"} $v]\""
        }
        lappend parts "\"$k\":$v"
    }
    return "{[join $parts ,]}"
}

# The options every script takes: the certificate directory under --tls.
proc ::node_opts {args} {
    set d [dict create {*}$args]
    if {$::tls} {dict set d tls $::tls_dir}
    return $d
}

# Runs tests/interop/node/<script> with the options dict <opts>; returns
# its output. Fails the test when it does not end with "ALL OK".
proc ::node_run {script opts {limit 120}} {
    ::node_setup
    catch {exec timeout $limit node [file join $::node_dir $script] [::node_json $opts] 2>@1} out
    if {![regexp {(^|\n)ALL OK$} [string trimright $out]]} {
        fail "node $script [::node_json $opts]:\n$out"
    }
    return $out
}

# Starts tests/interop/node/<script> in the background, output to <log>;
# returns its pid.
proc ::node_spawn {script opts log} {
    ::node_setup
    set pid [exec node [file join $::node_dir $script] [::node_json $opts] > $log 2>@1 &]
    ::report server-pid $pid
    lappend ::node_procs $pid
    return $pid
}

# Waits up to <ms> for a line of <log> matching the regexp <re>; returns
# the last such line. Fails with the log's tail when it does not come.
proc ::node_wait_log {log re {ms 30000}} {
    set deadline [expr {[clock milliseconds] + $ms}]
    while {1} {
        set lines [lsearch -all -inline -regexp [split [::file_content $log] "\n"] $re]
        if {[llength $lines]} {return [lindex $lines end]}
        if {[clock milliseconds] > $deadline} {
            set tail [lrange [split [::file_content $log] "\n"] end-30 end]
            fail "no line matching /$re/ in [file tail $log] after $ms ms:\n[join $tail \n]"
        }
        after 20
    }
}

# Ends the script <pid> started by node_spawn (SIGTERM, SIGKILL after a
# deadline).
proc ::node_stop {pid} {
    ::kill_server_process $pid
    set i [lsearch -exact $::node_procs $pid]
    if {$i >= 0} {set ::node_procs [lreplace $::node_procs $i $i]}
}

proc ::node_cleanup {} {
    foreach pid $::node_procs {catch {::kill_server_process $pid}}
    set ::node_procs {}
}
