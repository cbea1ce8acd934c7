# A sentinel's config file that cannot be written: at start-up the
# sentinel refuses to run, saying why; when its directory turns read-only
# while it runs, every failed state save is logged and the sentinel goes on
# monitoring and answering, and saves again once the directory is writable.
# The file system is made read-only with a bind mount in a mount namespace
# of the sentinel's own (unshare -m; root only, skipped otherwise), since
# file permissions do not stop root.
source [file join $::tests_dir helpers sentinel.tcl]

if {[catch {exec unshare -m true} err] || [catch {exec nsenter --version} err]} {
    puts "skipped sentinel/readonly-config: unshare -m / nsenter not usable ($err)"
    return
}

# Starts our sentinel with its config in <confdir> (its own directory) and
# its log beside it; <mountopt> is the bind mount's option ("ro" or "rw").
# Returns {pid conf log}; does not wait for it to be ready.
proc ::roc_spawn {name confdir port masterport mountopt} {
    set dir [::sentinel_dir]
    set conf [file join $confdir $name.conf]
    set log [file join $dir $name.log]
    set lines [::sentinel_listen_lines $port]
    lappend lines "sentinel monitor mymaster 127.0.0.1 $masterport 1" \
        "sentinel down-after-milliseconds mymaster 1000" \
        "logfile $log" "dir $dir"
    set f [open $conf w]
    foreach l $lines {puts $f $l}
    close $f
    set script "mount --bind -o $mountopt \"\$0\" \"\$0\" && exec \"\$@\""
    set pid [exec unshare -m sh -c $script $confdir $::server_bin $conf --sentinel \
                 > [file join $dir $name.out] 2>@1 &]
    ::report server-pid $pid
    lappend ::sentinel_procs [dict create name $name pid $pid port $port]
    return [list $pid $conf $log]
}

set mport [::next_port]
set sport1 [::next_port]
set sport2 [::next_port]

try {
    ::start_data_server master $mport

    test "A sentinel whose config file is read-only refuses to start, saying why" {
        set confdir [file join [::sentinel_dir] ro-at-start]
        file mkdir $confdir
        lassign [::roc_spawn s-ro $confdir $sport1 $mport ro] pid conf log
        wait_for_condition 200 50 {![::process_alive $pid]} else {
            fail "the sentinel kept running on a read-only config file"
        }
        assert_match "*Sentinel config file $conf is not writable: Read-only file system. Exiting...*" \
            [::file_content $log]
    }

    test "A config directory turning read-only: saves fail with a log line, the sentinel goes on" {
        set confdir [file join [::sentinel_dir] ro-later]
        file mkdir $confdir
        lassign [::roc_spawn s-later $confdir $sport2 $mport rw] pid conf log
        wait_for_condition 400 50 {[::instance_ready $log]} else {
            fail "the sentinel did not start: [::file_content $log]"
        }
        set s [::sentinel_client $sport2]
        exec nsenter -t $pid -m mount -o remount,bind,ro $confdir
        assert_equal OK [$s sentinel set mymaster down-after-milliseconds 4321]
        wait_for_condition 200 50 {
            [string first "was not able to save the new configuration on disk" [::file_content $log]] >= 0
        } else {fail "no log line about the failed save"}
        assert_match "*Read-only file system*" [::file_content $log]
        # Still monitoring and answering, with the new setting in memory.
        assert_equal PONG [$s ping]
        assert_equal 4321 [::field [$s sentinel master mymaster] down-after-milliseconds]
        assert_equal 0 [::field [$s sentinel master mymaster] num-other-sentinels]
        assert_no_match "*4321*" [::file_content $conf]
        # Writable again: the next change is saved with everything before it.
        exec nsenter -t $pid -m mount -o remount,bind,rw $confdir
        assert_equal OK [$s sentinel set mymaster failover-timeout 54321]
        wait_for_condition 200 50 {
            [string first "down-after-milliseconds mymaster 4321" [::file_content $conf]] >= 0 &&
            [string first "failover-timeout mymaster 54321" [::file_content $conf]] >= 0
        } else {fail "the config was not saved once writable: [::file_content $conf]"}
        $s close
    }
} finally {
    ::sentinel_cleanup
}
