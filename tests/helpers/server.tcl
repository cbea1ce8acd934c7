# server.tcl -- starting, talking to and stopping servers under test.
#
# start_server {?tags {..}? ?overrides {directive value ..}? ?args {..}?
#               ?config_lines {..}? ?wait_ready 0|1?} { body }
# writes a configuration under tests/tmp/<unique>/, starts $::server_bin with
# it, runs <body> and stops the server.  Inside the body:
#   r ?level? cmd ...      command on the default client of a server
#   srv ?level? property   host port pid stdout (log path) stderr dir
#                          config_file client
#   restart_server, kill_server, redis_deferring_client ?level?
# Level 0 is the innermost server, -1 the one around it, and so on.

set ::servers {}
set ::server_counter 0
set ::crash_reports {}

proc ::next_port {} {
    # Ports are handed out round-robin inside this worker's own range so
    # that parallel workers never collide.
    if {![info exists ::port_cursor]} {set ::port_cursor 0}
    for {set i 0} {$i < $::port_count} {incr i} {
        set p [expr {$::port_base + ($::port_cursor % $::port_count)}]
        incr ::port_cursor
        if {[catch {socket -server {apply {args {}}} -myaddr 127.0.0.1 $p} s]} continue
        close $s
        return $p
    }
    error "no free port in this worker's range"
}

proc srv {args} {
    set level 0
    if {[llength $args] == 2} {
        set level [lindex $args 0]
        set args [lrange $args 1 end]
    }
    set idx [expr {[llength $::servers] - 1 + $level}]
    if {$idx < 0 || $idx >= [llength $::servers]} {
        error "srv: no server at level $level"
    }
    set s [lindex $::servers $idx]
    set prop [lindex $args 0]
    if {![dict exists $s $prop]} {error "srv: unknown property $prop"}
    return [dict get $s $prop]
}

proc ::set_srv {level prop value} {
    set idx [expr {[llength $::servers] - 1 + $level}]
    set s [lindex $::servers $idx]
    dict set s $prop $value
    lset ::servers $idx $s
}

proc r {args} {
    set level 0
    if {[string is integer -strict [lindex $args 0]]} {
        set level [lindex $args 0]
        set args [lrange $args 1 end]
    }
    set c [srv $level client]
    return [uplevel 1 [linsert $args 0 $c]]
}

# Returns a new client in deferred mode connected to the server at <level>.
proc redis_deferring_client {{level 0}} {
    set c [redis_client -deferred [srv $level host] [srv $level port]]
    return $c
}

# Returns a new blocking client connected to the server at <level>.
proc redis_new_client {{level 0}} {
    return [redis_client [srv $level host] [srv $level port]]
}

proc ::process_alive {pid} {
    if {![file exists /proc/$pid/stat]} {return 0}
    if {[catch {
        set f [open /proc/$pid/stat r]
        set st [read $f]
        close $f
    }]} {return 0}
    # The state follows the parenthesised command name.
    set state [lindex [string range $st [expr {[string last ")" $st] + 2}] end] 0]
    return [expr {$state ne "Z" && $state ne "X"}]
}

proc ::file_content {path} {
    if {[catch {
        set f [open $path r]
        fconfigure $f -translation binary
        set d [read $f]
        close $f
    }]} {return ""}
    return $d
}

# Returns the crash markers found in the log and stderr of a server.
proc ::server_crash_text {s} {
    set found {}
    foreach path [list [dict get $s stdout] [dict get $s stderr]] {
        set d [::file_content $path]
        foreach marker {"crashed by signal" "AddressSanitizer" "runtime error:" "LeakSanitizer" "ASSERTION FAILED" "Guru Meditation"} {
            if {[string first $marker $d] >= 0} {
                lappend found "$marker in [file tail $path]"
            }
        }
    }
    if {[llength $found]} {
        # Show the report from its first marker on (bounded in size).
        set d "[::file_content [dict get $s stdout]][::file_content [dict get $s stderr]]"
        set first [string length $d]
        foreach marker {"crashed by signal" "AddressSanitizer" "runtime error:" "LeakSanitizer" "ASSERTION FAILED" "Guru Meditation"} {
            set i [string first $marker $d]
            if {$i >= 0 && $i < $first} {set first $i}
        }
        set start [expr {max(0, [string last "\n" $d [expr {$first - 1}]] - 600)}]
        return "server [dict get $s dir] crashed ([join $found {, }]):\n[string range $d $start [expr {$start + 3000}]]"
    }
    return ""
}

# Called after each test: returns a report if one of the running servers
# died or logged a crash; each crash is reported once.
proc ::servers_crash_report {} {
    set out {}
    foreach s $::servers {
        if {![dict exists $s pid] || [dict get $s pid] eq "" || [dict get $s external]} continue
        set dir [dict get $s dir]
        if {$dir in $::crash_reports} continue
        # Only crash reports count here: a test may make a server exit on
        # purpose (SHUTDOWN, a refused configuration or data file).
        set text [::server_crash_text $s]
        if {$text ne ""} {
            lappend ::crash_reports $dir
            lappend out $text
        }
    }
    return [join $out "\n"]
}

proc ::servers_log_dump {} {
    set out {}
    foreach s $::servers {
        if {[dict get $s external]} continue
        lappend out "==== log of [dict get $s stdout] ====\n[string range [::file_content [dict get $s stdout]] end-20000 end]"
    }
    return [join $out "\n"]
}

proc ::write_server_config {dir port directives extra_lines} {
    set f [open [file join $dir redis.conf] w]
    foreach line $extra_lines {puts $f $line}
    foreach {k v} $directives {
        if {$v eq ""} {
            puts $f "$k \"\""
        } else {
            puts $f "$k $v"
        }
    }
    close $f
    return [file join $dir redis.conf]
}

proc ::tls_directives {} {
    set d $::tls_dir
    set l [list tls-cert-file [file join $d server.crt] \
               tls-key-file [file join $d server.key] \
               tls-ca-cert-file [file join $d ca.crt] \
               tls-client-cert-file [file join $d client.crt] \
               tls-client-key-file [file join $d client.key] \
               tls-auth-clients yes tls-replication yes]
    if {[file exists [file join $d redis.dh]]} {
        lappend l tls-dh-params-file [file join $d redis.dh]
    }
    return $l
}

# Starts the server described by the dict <s> (dir, config_file, args) and
# waits until it accepts connections; returns its pid.
proc ::spawn_server {s} {
    set dir [dict get $s dir]
    set cmd [concat [list $::server_bin [dict get $s config_file]] [dict get $s args]]
    set pid [exec {*}$cmd > [dict get $s stdout_raw] 2> [dict get $s stderr] &]
    ::report server-pid $pid
    return $pid
}

proc ::wait_server_ready {s pid} {
    set deadline [expr {[clock milliseconds] + $::server_start_timeout * 1000}]
    set log [dict get $s stdout]
    while {1} {
        if {![::process_alive $pid]} {
            error "server failed to start (pid $pid exited):\n[::file_content $log][::file_content [dict get $s stdout_raw]][::file_content [dict get $s stderr]]"
        }
        if {[string first "Ready to accept connections" [::file_content $log]] >= 0} {
            return
        }
        if {[clock milliseconds] > $deadline} {
            error "server did not become ready in $::server_start_timeout s:\n[::file_content $log][::file_content [dict get $s stderr]]"
        }
        after 10
    }
}

proc ::kill_server_process {pid} {
    if {![::process_alive $pid]} return
    catch {exec kill -TERM $pid}
    set deadline [expr {[clock milliseconds] + 10000}]
    while {[::process_alive $pid] && [clock milliseconds] < $deadline} {
        after 10
    }
    if {[::process_alive $pid]} {
        catch {exec kill -KILL $pid}
        while {[::process_alive $pid]} {after 10}
    }
    ::report server-gone $pid
}

proc ::connect_default_client {level} {
    set c [redis_client [srv $level host] [srv $level port]]
    ::set_srv $level client $c
    return $c
}

proc start_server {options body} {
    set tags {}
    set overrides {}
    set sargs {}
    set config_lines {}
    set wait_ready 1
    foreach {k v} $options {
        switch -- $k {
            tags {set tags $v}
            overrides {set overrides $v}
            args {set sargs $v}
            config_lines {set config_lines $v}
            wait_ready {set wait_ready $v}
            default {error "start_server: unknown option $k"}
        }
    }
    set alltags [concat $::cur_tags $tags]
    # A whole server block is skipped when its tags are filtered out.
    if {[tags_skip_reason $alltags 1] ne ""} {
        ::report skip "start_server block with tags {$tags}" [tags_skip_reason $alltags 1]
        return
    }

    if {$::external} {
        # A block that configures its own server cannot run against an
        # external one.
        if {[llength $overrides] || [llength $sargs] || [llength $config_lines]} {
            ::report skip "start_server block with overrides {$overrides}" "needs its own server"
            return
        }
        if {[llength $::servers] > 0} {
            error "nested start_server against an external server: tag the block external:skip"
        }
        set s [dict create host $::host port $::port pid "" external 1 stopped 0 \
                   dir "" stdout "" stderr "" config_file "" client ""]
        lappend ::servers $s
        set saved_tags $::cur_tags
        set ::cur_tags $alltags
        set code [catch {
            ::connect_default_client 0
            r flushall
            uplevel 1 $body
        } e opts]
        set ::cur_tags $saved_tags
        catch {[srv 0 client] close}
        set ::servers [lrange $::servers 0 end-1]
        if {$code} {return -options $opts $e}
        return
    }

    set dir [file join $::tmp_root "server[incr ::server_counter].[pid]"]
    file delete -force $dir
    file mkdir $dir
    set port [::next_port]
    set directives [list daemonize no bind 127.0.0.1 dir $dir \
                        logfile [file join $dir server.log] \
                        save "" appendonly no enable-debug-command yes]
    if {$::tls} {
        lappend directives port 0 tls-port $port {*}[::tls_directives]
    } else {
        lappend directives port $port
    }
    # Overrides replace a default of the same name or are appended.
    set final {}
    foreach {k v} $directives {
        if {[dict exists $overrides $k]} {
            set v [dict get $overrides $k]
        }
        lappend final $k $v
    }
    foreach {k v} $overrides {
        if {![dict exists $directives $k]} {lappend final $k $v}
    }
    set conf [::write_server_config $dir $port $final $config_lines]
    set s [dict create host 127.0.0.1 port $port dir $dir config_file $conf \
               stdout [file join $dir server.log] \
               stdout_raw [file join $dir stdout] \
               stderr [file join $dir stderr] args $sargs \
               pid "" client "" external 0 stopped 0 tags $tags]
    set pid [::spawn_server $s]
    dict set s pid $pid
    lappend ::servers $s
    set saved_tags $::cur_tags
    set ::cur_tags $alltags
    set failures_before $::failures_reported
    set code [catch {
        if {$wait_ready} {
            ::wait_server_ready $s $pid
            ::connect_default_client 0
        }
        uplevel 1 $body
    } e opts]
    set ::cur_tags $saved_tags

    # Tear down: close the client, stop the process, look for crash markers.
    set s [lindex $::servers end]
    if {[dict get $s client] ne ""} {catch {[dict get $s client] close}}
    set crash_before [::servers_crash_report]
    ::kill_server_process [dict get $s pid]
    set ::servers [lrange $::servers 0 end-1]
    set crash ""
    if {[dict get $s dir] ni $::crash_reports} {
        set crash [::server_crash_text $s]
    }
    if {$crash ne ""} {
        lappend ::crash_reports [dict get $s dir]
        ::report err "server shutdown check ([file tail $dir])" $crash
    } elseif {$crash_before ne ""} {
        ::report err "server check ([file tail $dir])" $crash_before
    }
    # The directory is kept for inspection when anything went wrong.
    if {!$code && $::failures_reported == $failures_before} {
        catch {file delete -force $dir}
    }
    if {$code} {
        return -options $opts $e
    }
    return
}

# Stops the innermost server (SIGTERM, then SIGKILL after a deadline).
proc kill_server {{level 0}} {
    set c [srv $level client]
    if {$c ne ""} {catch {$c close}}
    ::set_srv $level client ""
    ::set_srv $level stopped 1
    ::kill_server_process [srv $level pid]
}

# Stops the server at <level> and starts it again with the same
# configuration and directory; reconnects the default client.
proc restart_server {{level 0} {wait_ready 1}} {
    kill_server $level
    set idx [expr {[llength $::servers] - 1 + $level}]
    set s [lindex $::servers $idx]
    # A crash before the restart must not go unnoticed.
    set crash [::server_crash_text $s]
    if {$crash ne ""} {
        error "server crashed before restart_server:\n$crash"
    }
    # Keep the previous log for inspection, start with a fresh one.
    set log [dict get $s stdout]
    if {[file exists $log]} {
        file rename -force $log $log.[clock milliseconds]
    }
    set pid [::spawn_server $s]
    ::set_srv $level pid $pid
    ::set_srv $level stopped 0
    if {$wait_ready} {
        ::wait_server_ready [lindex $::servers $idx] $pid
        ::connect_default_client $level
    }
}
