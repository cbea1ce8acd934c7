# make demo (utils/demo.py): the failover drill runs to the end and passes,
# and the interactive demo starts, agrees and stops cleanly on SIGINT with
# none of its processes left.  The demo is TLS-only in both suite modes; it
# uses the suite's certificates (tests/tls) and a run directory in tests/tmp.

# Six consecutive free ports from this worker's range (the demo takes a base).
proc ::demo_port_base {} {
    for {set try 0} {$try < 20} {incr try} {
        set ports {}
        for {set i 0} {$i < 6} {incr i} {lappend ports [::next_port]}
        if {[lindex $ports 5] - [lindex $ports 0] == 5} {return [lindex $ports 0]}
    }
    error "no six consecutive free ports"
}

# The suite's certificates (made by gen-test-certs.sh in both modes).
ensure_tls_certs

proc ::demo_run_dir {name} {
    return [file join $::tmp_root "demo-$name.[pid].[clock milliseconds]"]
}

proc ::demo_pids {run} {
    set pids {}
    foreach line [split [string trim [::file_content [file join $run pids]]] "\n"] {
        lappend pids [lindex $line 0]
    }
    return $pids
}

test "make demo ARGS=--failover-drill: every acknowledged write survives, timeline printed" {
    set run [::demo_run_dir drill]
    set rc [catch {exec /usr/bin/python3 [file join $::root utils demo.py] --failover-drill \
        --port-base [::demo_port_base] --run-dir $run --tls-dir $::tls_dir 2>@1} out]
    set f [open [file join $::tmp_root [file tail $run].out] w]; puts $f $out; close $f
    if {$rc} {fail "the drill failed:\n$out"}
    assert_match "*the sentinels agree*" $out
    assert_match "*+sdown master mymaster*" $out
    assert_match "*+odown master mymaster*" $out
    assert_match "*+elected-leader*" $out
    assert_match "*+promoted-slave*" $out
    assert_match "*+switch-master mymaster*" $out
    assert_match "*clients back: first acknowledged write*" $out
    assert_match "*every acknowledged write is on the new master*" $out
    assert_match "*result: PASS*" $out
    foreach p [::demo_pids $run] {assert_equal 0 [::process_alive $p]}
}

test "make demo: starts, the sentinels agree, SIGINT stops every process it started" {
    set run [::demo_run_dir int]
    set out [file join $::tmp_root [file tail $run].out]
    set pid [exec /usr/bin/python3 [file join $::root utils demo.py] \
        --port-base [::demo_port_base] --run-dir $run --tls-dir $::tls_dir > $out 2>@1 &]
    ::report server-pid $pid
    wait_for_condition 1200 50 {
        [string first "Running until Ctrl-C" [::file_content $out]] >= 0
    } else {fail "the demo did not come up:\n[::file_content $out]"}
    set text [::file_content $out]
    assert_match "*redis-cli --tls --cert *client.crt --key *client.key --cacert *ca.crt -h 127.0.0.1 -p *" $text
    assert_match "*replica  127.0.0.1:* state=online*" $text
    assert_match "*other-sentinels=2*" $text
    set pids [::demo_pids $run]
    assert_equal 6 [llength $pids]
    exec kill -INT $pid
    wait_for_condition 600 50 {
        ![::process_alive $pid]
    } else {fail "the demo did not stop on SIGINT"}
    foreach p $pids {assert_equal 0 [::process_alive $p]}
    assert_match "*stopped the 6 processes it started*" [::file_content $out]
    assert [file isdirectory $run]
}
