# reference.tcl -- Debian's Redis 7.0 (/usr/bin/redis-server) run as the
# reference server of the interop tests, and a reader of raw RESP replies
# for comparing the two servers byte for byte. Sourced by the test files
# that need it.

set ::refsrv_bin /usr/bin/redis-server

# Reads one complete reply from channel <f>; returns its exact bytes (an
# attribute is returned together with the reply it precedes).
proc refsrv_read_raw {f} {
    set line [::redis::read_line $f]
    set type [string index $line 0]
    set n [string range $line 1 end]
    set raw "$line\r\n"
    switch -exact -- $type {
        $ - ! - = {
            if {$n < 0} {return $raw}
            return "$raw[::redis::read_bulk $f $n]\r\n"
        }
        * - ~ - > - % - | {
            if {$n < 0} {return $raw}
            set count [expr {$type in {% |} ? $n * 2 : $n}]
            for {set i 0} {$i < $count} {incr i} {append raw [refsrv_read_raw $f]}
            if {$type eq "|"} {append raw [refsrv_read_raw $f]}
            return $raw
        }
        default {return $raw}
    }
}

# Starts the reference server from a config file in a fresh directory, on
# a free port (TLS in --tls mode), with the extra config <directives> (a
# list of name value ...); waits until its log says it is ready. Returns
# {pid port dir}.
proc refsrv_start_conf {{directives {}}} {
    set dir [file join $::tmp_root "reference.[pid].[incr ::server_counter]"]
    file delete -force $dir
    file mkdir $dir
    set port [::next_port]
    set log [file join $dir server.log]
    set d [list daemonize no bind 127.0.0.1 dir $dir logfile $log \
               save "" appendonly no {*}$directives]
    if {$::tls} {
        lappend d port 0 tls-port $port {*}[::tls_directives]
    } else {
        lappend d port $port
    }
    set conf [::write_server_config $dir $port $d {}]
    set pid [exec $::refsrv_bin $conf > [file join $dir stdout] 2> [file join $dir stderr] &]
    ::report server-pid $pid
    set deadline [expr {[clock milliseconds] + 20000}]
    while {[string first "Ready to accept" [::file_content $log]] < 0} {
        if {![::process_alive $pid]} {error "reference server exited: [::file_content $log]"}
        if {[clock milliseconds] > $deadline} {error "reference server not ready"}
        after 10
    }
    return [list $pid $port $dir]
}

# Starts the reference server in <dir> from the command line, on a free
# port, with the extra command-line <args> (e.g. --appendonly yes); waits
# until it answers PING. Options before <args>:
#   -tls         listen with TLS in --tls mode (otherwise always plain TCP)
#   -bin <path>  run that server instead (e.g. ours, outside the framework)
#   -name <n>    name the log <n>-<port>.log (and the RDB file, see below);
#                default "ref"
#   -port <p>    listen on <p> (a restart in place) instead of a new port
# Unless <args> name one, the RDB file is <n>-<port>.rdb, so that several
# servers can share <dir>. Returns {pid client port log}; the client
# speaks TLS when the server does.
proc refsrv_start {dir args} {
    set tls 0
    set bin $::refsrv_bin
    set name ref
    set port ""
    while {[string match -* [lindex $args 0]] && ![string match --* [lindex $args 0]]} {
        switch -- [lindex $args 0] {
            -tls {set tls $::tls; set args [lrange $args 1 end]}
            -bin {set bin [lindex $args 1]; set args [lrange $args 2 end]}
            -name {set name [lindex $args 1]; set args [lrange $args 2 end]}
            -port {set port [lindex $args 1]; set args [lrange $args 2 end]}
            default {error "refsrv_start: unknown option [lindex $args 0]"}
        }
    }
    if {$port eq ""} {set port [::next_port]}
    set log [file join $dir $name-$port.log]
    set cmd [list $bin --bind 127.0.0.1 --dir $dir --save "" \
                 --daemonize no --logfile $log]
    if {"--dbfilename" ni $args} {lappend cmd --dbfilename $name-$port.rdb}
    if {$tls} {
        lappend cmd --port 0 --tls-port $port
        foreach {k v} [::tls_directives] {lappend cmd --$k $v}
    } else {
        lappend cmd --port $port
    }
    lappend cmd {*}$args
    set pid [exec {*}$cmd > /dev/null 2>@1 &]
    set copt [expr {$tls ? "-tls" : "-notls"}]
    set deadline [expr {[clock milliseconds] + 10000}]
    while {1} {
        if {![catch {redis_client $copt 127.0.0.1 $port} c]} {
            if {![catch {$c ping} reply] && $reply eq "PONG"} {
                return [list $pid $c $port $log]
            }
            catch {$c close}
        }
        if {![::process_alive $pid]} {
            error "reference server exited: [::file_content $log]"
        }
        if {[clock milliseconds] > $deadline} {
            catch {exec kill -KILL $pid}
            error "reference server did not start: [::file_content $log]"
        }
        after 20
    }
}

# Stops a server started by refsrv_start.
proc refsrv_stop {ref} {
    lassign $ref pid c
    catch {$c close}
    ::kill_server_process $pid
}

# Runs, at global level, the top-level commands of the test file
# tests/<path> that match one of the glob <patterns> (e.g. "proc *"): the
# helpers of another test file without its tests.
proc source_matching {path patterns} {
    set f [open [file join $::tests_dir $path] r]
    set text [read $f]
    close $f
    set cmd ""
    foreach line [split $text "\n"] {
        append cmd $line "\n"
        if {![info complete $cmd]} continue
        set t [string trimleft $cmd]
        foreach p $patterns {
            if {[string match $p $t]} {
                uplevel #0 $cmd
                break
            }
        }
        set cmd ""
    }
}
