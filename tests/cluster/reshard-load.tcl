# reshard-load.tcl -- slots move under a write load and no acknowledged
# write is lost (plain, or TLS end to end with --tls): python3-redis's
# RedisCluster keeps overwriting 400 keys round after round
# (tests/helpers/cluster_load.py) while Debian's redis-cli --cluster
# reshard moves slots, keys included, with MIGRATE between our nodes
# (three moves, each taking slots 0-99 where 300 of the keys live);
# afterwards every key holds at least the last round acknowledged for it.

source [file join $::tests_dir helpers cluster.tcl]
source [file join $::tests_dir helpers tools.tcl]

proc load_progress {dir} {
    set f [file join $dir progress]
    if {![file exists $f]} {return 0}
    set v [string trim [::file_content $f]]
    return [expr {$v eq "" ? 0 : $v}]
}

# The level (-2..0) of the node whose id is <id> in a 3-node cluster.
proc load_level_of {id} {
    foreach l {-2 -1 0} {if {[r $l cluster myid] eq $id} {return $l}}
    return ""
}

tags {cluster} {
start_cluster 3 {
    set dir [file join $::tmp_root "reshard-load.[pid]"]
    file mkdir $dir
    # 30 hash tags of slots 0-99 (moved by every reshard below), 10 keys
    # each, and 100 keys anywhere.
    set keys {}
    set tags 0
    for {set t 0} {$tags < 30} {incr t} {
        if {[r cluster keyslot "{t$t}"] < 100} {
            incr tags
            for {set j 0} {$j < 10} {incr j} {lappend keys "k:{t$t}:$j"}
        }
    }
    for {set j 0} {$j < 100} {incr j} {lappend keys "k:$j"}
    set nkeys [llength $keys]
    set f [open [file join $dir keys] w]
    puts $f [join $keys "\n"]
    close $f
    set m0 [r -2 cluster myid]
    set m1 [r -1 cluster myid]
    set m2 [r 0 cluster myid]
    set pid [exec /usr/bin/python3 [file join $::tests_dir helpers cluster_load.py] \
                 [srv -2 port] $::tls $::tls_dir $dir \
                 > [file join $dir load.out] 2>@1 &]
    ::report server-pid $pid

    test "A write load runs against the cluster" {
        wait_for_condition 600 50 {[load_progress $dir] >= 3} else {
            fail "the load did not start: [::file_content [file join $dir load.out]]"
        }
    }

    foreach {from to n} [list $m0 $m1 100 $m1 $m2 150 $m2 $m0 120] {
        test "redis-cli --cluster reshard moves $n slots with their keys under the load" {
            set before [load_progress $dir]
            set out [exec /usr/bin/redis-cli {*}[tool_tls_args] --cluster reshard \
                         127.0.0.1:[srv -2 port] --cluster-from $from --cluster-to $to \
                         --cluster-slots $n --cluster-yes 2>@1]
            assert_match "*Moving slot*" $out
            assert_no_match "*ERR*" $out
            # Writes went on while the slots moved.
            wait_for_condition 600 50 {[load_progress $dir] > $before + 1} else {
                fail "the load stalled: [::file_content [file join $dir load.out]]"
            }
            wait_for_condition 300 50 {
                ![catch {exec /usr/bin/redis-cli {*}[tool_tls_args] --cluster check \
                             127.0.0.1:[srv -2 port] 2>@1} chk] &&
                [string match "*All nodes agree about slots configuration*" $chk] &&
                [string match "*All 16384 slots covered*" $chk] &&
                ![string match "*WARNING*" $chk] && ![string match "*ERR*" $chk]
            } else {fail "redis-cli --cluster check: $chk"}
        }
    }

    test "No acknowledged write was lost" {
        close [open [file join $dir stop] w]
        wait_for_condition 600 50 {[file exists [file join $dir result]]} else {
            fail "the load did not stop: [::file_content [file join $dir load.out]]"
        }
        set lost {}
        set total 0
        foreach line [split [string trim [::file_content [file join $dir result]]] "\n"] {
            lassign $line key acked
            if {$key eq "errors"} {
                puts "writes that got an error (retried): $acked"
                continue
            }
            incr total
            set slot [r 0 cluster keyslot $key]
            set level [load_level_of [cluster_slot_owner 0 $slot]]
            set v [r $level get $key]
            if {$v eq "" || $v < $acked} {lappend lost "$key=$v (acked $acked)"}
        }
        assert_equal $nkeys $total
        assert_equal {} $lost
        assert_equal $nkeys [expr {[r -2 dbsize] + [r -1 dbsize] + [r 0 dbsize]}]
        puts "rounds written: [load_progress $dir]"
    }
    catch {::kill_server_process $pid}
}
}
