# test_helper.tcl -- entry point of the test suite (run through ./runtest).
#
# The parent process collects the test files, starts up to --clients worker
# processes (each a fresh tclsh running this script with --worker, one test
# file per worker, each worker slot with its own port range), reads their
# reports through a pipe and prints the results.  The last line is
# "N passed, N failed" (", N skipped" when tests were skipped); the exit
# code is non-zero if anything failed, crashed or timed out.

set ::root [file normalize [file join [file dirname [info script]] ..]]
set ::tests_dir [file join $::root tests]
set ::tmp_root [file join $::tests_dir tmp]
set ::tls_dir [file join $::tests_dir tls]

# Defaults, changed by the options below.
set ::num_clients 4
set ::single {}
set ::host 127.0.0.1
set ::port 6379
set ::external 0
set ::tls 0
set ::verbose 0
set ::dump_logs 0
set ::file_timeout 600
set ::allow_tags {}
set ::deny_tags {}
set ::only_tests {}
set ::list_tests 0
set ::worker_mode 0
set ::worker_file ""
set ::port_base 21111
set ::port_count 100
set ::server_start_timeout 30
if {[info exists ::env(REDIS_SERVER_BIN)] && $::env(REDIS_SERVER_BIN) ne ""} {
    set ::server_bin [file normalize $::env(REDIS_SERVER_BIN)]
} else {
    set ::server_bin [file join $::root src redis-server]
}

proc usage {} {
    puts "Usage: ./runtest \[options\]
  --single <file>     run only this test file (repeatable), e.g. unit/keyspace
  --clients <n>       parallel worker processes (default 4)
  --host <h> --port <p>  test an already running server (skips tests that
                      need server control)
  --tls               start servers with TLS and connect over TLS
  --verbose           show the output of every test
  --dump-logs         print server logs of failed tests
  --timeout <sec>     time limit per test file (default 600)
  --tags <list>       \"-tag\" excludes tests with a tag, \"tag\" keeps only tests with it
  --only <pattern>    run only the tests whose name matches (repeatable)
  --list-tests        list the test files and exit
Environment: REDIS_SERVER_BIN (default src/redis-server)."
}

proc parse_options {argv} {
    for {set i 0} {$i < [llength $argv]} {incr i} {
        set opt [lindex $argv $i]
        set arg [lindex $argv [expr {$i + 1}]]
        switch -- $opt {
            --single {lappend ::single $arg; incr i}
            --clients {set ::num_clients $arg; incr i}
            --host {set ::host $arg; set ::external 1; incr i}
            --port {set ::port $arg; set ::external 1; incr i}
            --tls {set ::tls 1}
            --verbose {set ::verbose 1}
            --dump-logs {set ::dump_logs 1}
            --timeout {set ::file_timeout $arg; incr i}
            --tags {
                foreach t $arg {
                    if {[string index $t 0] eq "-"} {
                        lappend ::deny_tags [string range $t 1 end]
                    } else {
                        lappend ::allow_tags $t
                    }
                }
                incr i
            }
            --only {lappend ::only_tests $arg; incr i}
            --list-tests {set ::list_tests 1}
            --worker {set ::worker_mode 1; set ::worker_file $arg; incr i}
            --port-base {set ::port_base $arg; incr i}
            --help - -h {usage; exit 0}
            default {
                puts stderr "Unknown option: $opt"
                usage
                exit 1
            }
        }
    }
}

# ---------------------------------------------------------------- worker side

# Reports one event to the parent as a single line: "@@ " followed by a
# base64 encoded Tcl list (so any text, newlines included, fits in a line).
set ::failures_reported 0
proc ::report {kind args} {
    if {$kind in {err exception}} {incr ::failures_reported}
    set msg [linsert $args 0 $kind]
    puts "@@ [binary encode base64 [encoding convertto utf-8 $msg]]"
    flush stdout
}

proc run_worker {} {
    fconfigure stdout -buffering line
    set ::redis::tls_dir $::tls_dir
    if {$::tls} {package require tls}
    set code [catch {uplevel #0 [list source $::worker_file]} e opts]
    if {$code == 1} {
        set crash [::servers_crash_report]
        ::report exception "$e\n[dict get $opts -errorinfo]\n$crash"
    }
    # Make sure no server outlives the worker.
    foreach s $::servers {
        if {![dict get $s external] && [dict get $s pid] ne ""} {
            catch {::kill_server_process [dict get $s pid]}
        }
    }
    ::report done
    exit 0
}

# ---------------------------------------------------------------- parent side

proc normalize_test_path {p} {
    set cands [list $p [file join $::root $p] [file join $::tests_dir $p] \
                   "[file join $::tests_dir $p].tcl" "[file join $::root $p].tcl"]
    foreach c $cands {
        if {[file isfile $c]} {return [file normalize $c]}
    }
    puts stderr "No such test file: $p"
    exit 1
}

proc collect_test_files {} {
    if {[llength $::single]} {
        set files {}
        foreach p $::single {lappend files [normalize_test_path $p]}
        return $files
    }
    set files {}
    # tests/cluster runs through ./runtest-cluster.
    foreach d {unit unit/type integration interop sentinel} {
        set dir [file join $::tests_dir $d]
        if {![file isdirectory $dir]} continue
        foreach f [lsort [glob -nocomplain -directory $dir -types f *.tcl]] {
            lappend files [file normalize $f]
        }
    }
    return $files
}

proc relpath {f} {
    set prefix "$::tests_dir/"
    if {[string first $prefix $f] == 0} {return [string range $f [string length $prefix] end]}
    return $f
}

proc ensure_tls_certs {} {
    set needed {ca.crt ca.key server.crt server.key client.crt client.key}
    set missing 0
    foreach f $needed {
        if {![file exists [file join $::tls_dir $f]]} {set missing 1}
    }
    if {!$missing} return
    set script [file join $::root utils gen-test-certs.sh]
    if {[file exists $script]} {
        puts "Generating TLS certificates with utils/gen-test-certs.sh"
        if {[catch {exec sh $script >@stdout 2>@stderr} e]} {
            puts stderr "gen-test-certs.sh failed: $e"
            exit 1
        }
    } else {
        puts "Generating TLS certificates into tests/tls"
        source [file join $::tests_dir helpers tls-certs.tcl]
        set cwd [pwd]
        set rc [catch {gen_test_certs $::tls_dir} e]
        cd $cwd
        if {$rc} {
            puts stderr "certificate generation failed: $e"
            exit 1
        }
    }
}

proc print_line {s} {
    puts $s
    flush stdout
}

# Starts the next test file on worker slot <slot>, if any is left.
proc start_worker {slot} {
    if {![llength $::pending]} {
        return 0
    }
    set file [lindex $::pending 0]
    set ::pending [lrange $::pending 1 end]
    set cmd [list [info nameofexecutable] [file join $::tests_dir test_helper.tcl] \
                 --worker $file --port-base [expr {$::port_base + $slot * 200}] \
                 --timeout $::file_timeout]
    if {$::tls} {lappend cmd --tls}
    if {$::verbose} {lappend cmd --verbose}
    if {$::dump_logs} {lappend cmd --dump-logs}
    if {$::external} {lappend cmd --host $::host --port $::port}
    if {[llength $::allow_tags] || [llength $::deny_tags]} {
        set t $::allow_tags
        foreach d $::deny_tags {lappend t "-$d"}
        lappend cmd --tags $t
    }
    foreach o $::only_tests {lappend cmd --only $o}
    set chan [open |[concat $cmd [list 2>@stderr]] r]
    fconfigure $chan -blocking 0 -buffering line -translation lf
    set ::worker($slot,chan) $chan
    set ::worker($slot,file) $file
    set ::worker($slot,done) 0
    set ::worker($slot,servers) {}
    set ::worker($slot,timer) [after [expr {$::file_timeout * 1000}] [list worker_timeout $slot]]
    if {$::verbose} {print_line "\[worker $slot\] running [relpath $file]"}
    fileevent $chan readable [list worker_readable $slot]
    incr ::running
    return 1
}

proc record_failure {file name reason} {
    incr ::failed
    lappend ::failures [list $file $name $reason]
    print_line "\[err\]: $name in [relpath $file]\n$reason"
}

proc worker_readable {slot} {
    set chan $::worker($slot,chan)
    set file $::worker($slot,file)
    while {[gets $chan line] >= 0} {
        if {[string range $line 0 2] ne "@@ "} {
            print_line $line
            continue
        }
        set msg [encoding convertfrom utf-8 [binary decode base64 [string range $line 3 end]]]
        set args [lassign $msg kind]
        switch -- $kind {
            ok {
                incr ::passed
                print_line "\[ok\]: [lindex $args 0] ([lindex $args 1])"
            }
            err {
                record_failure $file [lindex $args 0] [lindex $args 1]
            }
            skip {
                incr ::skipped
                if {$::verbose} {print_line "\[skip\]: [lindex $args 0] ([lindex $args 1])"}
            }
            exception {
                record_failure $file "exception in test file" [lindex $args 0]
            }
            server-pid {lappend ::worker($slot,servers) [lindex $args 0]}
            server-gone {
                set i [lsearch -exact $::worker($slot,servers) [lindex $args 0]]
                if {$i >= 0} {set ::worker($slot,servers) [lreplace $::worker($slot,servers) $i $i]}
            }
            done {set ::worker($slot,done) 1}
        }
    }
    if {[eof $chan]} {
        worker_finished $slot 0
    }
}

proc worker_finished {slot timedout} {
    set chan $::worker($slot,chan)
    set file $::worker($slot,file)
    after cancel $::worker($slot,timer)
    fileevent $chan readable {}
    if {$timedout} {
        catch {exec kill -KILL [pid $chan]}
    }
    # Servers left behind by a worker that died or timed out.
    foreach p $::worker($slot,servers) {
        catch {exec kill -KILL $p}
    }
    fconfigure $chan -blocking 1
    set closed [catch {close $chan} e]
    if {$timedout} {
        record_failure $file "timeout" "test file did not finish in $::file_timeout s"
    } elseif {!$::worker($slot,done)} {
        record_failure $file "worker crash" "worker exited without finishing: $e"
    }
    incr ::running -1
    incr ::files_done
    if {![start_worker $slot] && $::running == 0} {
        set ::all_done 1
    }
}

proc worker_timeout {slot} {
    worker_finished $slot 1
}

proc run_parent {} {
    set files [collect_test_files]
    if {$::list_tests} {
        foreach f $files {puts [relpath $f]}
        exit 0
    }
    if {$::tls} {ensure_tls_certs}
    if {!$::external && ![file executable $::server_bin]} {
        puts stderr "Server binary $::server_bin not found (set REDIS_SERVER_BIN)"
        exit 1
    }
    file mkdir $::tmp_root
    set ::pending $files
    set ::running 0
    set ::passed 0
    set ::failed 0
    set ::skipped 0
    set ::failures {}
    set ::files_done 0
    set ::all_done 0
    set start [clock seconds]
    print_line "Testing [expr {$::external ? "$::host:$::port" : $::server_bin}][expr {$::tls ? " over TLS" : ""}], [llength $files] files, $::num_clients clients"
    for {set slot 0} {$slot < $::num_clients} {incr slot} {
        if {![start_worker $slot]} break
    }
    if {$::running > 0} {vwait ::all_done}
    set elapsed [expr {[clock seconds] - $start}]
    if {[llength $::failures]} {
        print_line "\n=== Failures ==="
        foreach f $::failures {
            lassign $f file name reason
            print_line "\[err\]: [relpath $file]: $name\n    [string map [list \n "\n    "] $reason]"
        }
    }
    print_line "\nAll tests finished in $elapsed seconds"
    set summary "$::passed passed, $::failed failed"
    if {$::skipped} {append summary ", $::skipped skipped"}
    print_line $summary
    if {$::failed > 0} {exit 1}
    exit 0
}

parse_options $argv
if {$::worker_mode} {
    source [file join $::tests_dir helpers redis.tcl]
    source [file join $::tests_dir helpers util.tcl]
    source [file join $::tests_dir helpers server.tcl]
    run_worker
} else {
    run_parent
}
