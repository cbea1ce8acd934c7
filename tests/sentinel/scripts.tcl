# Sentinel's scripts: a notification-script runs for warning-level events
# with Redis's arguments, without blocking the sentinel; a script that
# hangs is killed after script-max-runtime (-script-timeout logged), its
# whole process group with it, and retried; a script failing with exit
# code 2 is not retried (-script-error). SENTINEL PENDING-SCRIPTS shows
# what is queued or running.
source [file join $::tests_dir helpers sentinel.tcl]

# Writes an executable shell script <name> with <body>; returns its path.
proc ::scr_write {name body} {
    set path [file join [::sentinel_dir] $name]
    set f [open $path w]
    puts $f "#!/bin/sh"
    puts $f $body
    close $f
    file attributes $path -permissions 0755
    return $path
}

proc ::scr_lines {path} {
    if {![file exists $path]} {return {}}
    return [split [string trim [::file_content $path]] "\n"]
}

set p1 [::next_port]
set p2 [::next_port]
set p3 [::next_port]
set sport [::next_port]
set dir [::sentinel_dir]
# A marker no other process carries, to find (and end) the hung scripts.
set marker [expr {900000 + [pid] % 90000}]

try {
    set ok_out [file join $dir ok.out]
    set hang_out [file join $dir hang.out]
    set fail_out [file join $dir fail.out]
    set ok [::scr_write ok.sh "echo \"\$*\" >> $ok_out"]
    set hang [::scr_write hang.sh "echo run >> $hang_out\nexec sleep $marker"]
    set failing [::scr_write fail.sh "echo run >> $fail_out\nexit 2"]
    set m1 [::start_data_server m1 $p1]
    set m2 [::start_data_server m2 $p2]
    set m3 [::start_data_server m3 $p3]
    set lines [::sentinel_listen_lines $sport]
    foreach {name port script} [list m1 $p1 $ok m2 $p2 $hang m3 $p3 $failing] {
        lappend lines "sentinel monitor $name 127.0.0.1 $port 1" \
            "sentinel down-after-milliseconds $name 1000" \
            "sentinel notification-script $name $script"
    }
    ::sentinel_spawn $::server_bin s1 $sport $lines --sentinel
    set s [::sentinel_client $sport]
    assert_equal OK [$s sentinel debug script-max-runtime 500 script-retry-delay 100]

    test "notification-script gets the event's type and description, as Redis's" {
        exec kill -STOP [dict get $m1 pid]
        wait_for_condition 200 50 {
            [lsearch -glob [::scr_lines $ok_out] "+sdown master m1 127.0.0.1 $p1"] >= 0
        } else {fail "no +sdown notification: [::scr_lines $ok_out]"}
        exec kill -CONT [dict get $m1 pid]
        wait_for_condition 200 50 {
            [lsearch -glob [::scr_lines $ok_out] "-sdown master m1 127.0.0.1 $p1"] >= 0
        } else {fail "no -sdown notification: [::scr_lines $ok_out]"}
    }

    # Each monitored master's +monitor event (at start-up) ran its script.
    proc ::scr_job {s path} {
        foreach job [$s sentinel pending-scripts] {
            if {[lindex [::field $job argv] 0] eq $path} {return $job}
        }
        return {}
    }

    test "A hanging script is killed after script-max-runtime, logged and retried; the sentinel serves meanwhile" {
        wait_for_condition 200 50 {
            [::scr_job $s $hang] ne {} && [::field [::scr_job $s $hang] pid] != 0
        } else {fail "the script is not running: [$s sentinel pending-scripts]"}
        # The script is running, blocked in sleep: the sentinel answers.
        assert_equal PONG [$s ping]
        wait_for_condition 300 50 {
            [string first "-script-timeout $hang" [::file_content [file join $dir s1.log]]] >= 0
        } else {fail "no -script-timeout logged"}
        wait_for_condition 300 50 {[llength [::scr_lines $hang_out]] >= 3} else {
            fail "the killed script was not retried: [::scr_lines $hang_out]"
        }
        assert {[::field [::scr_job $s $hang] retry-num] >= 2}
    }

    test "A script that exits with 2 is not retried and is logged as -script-error" {
        wait_for_condition 300 50 {
            [string first "-script-error $failing 0 2" [::file_content [file join $dir s1.log]]] >= 0
        } else {fail "no -script-error logged"}
        # Dropped from the queue, not waiting for a retry.
        assert_equal {} [::scr_job $s $failing]
        assert_equal 1 [llength [::scr_lines $fail_out]]
    }
} finally {
    foreach m {m1 m2 m3} {
        if {[info exists $m]} {catch {exec kill -CONT [dict get [set $m] pid]}}
    }
    if {[info exists s]} {catch {$s close}}
    ::sentinel_cleanup
    # A hung script the sentinel did not get to kill before it stopped.
    catch {exec pkill -KILL -f "sleep $marker"}
}
