# latency.tcl -- the latency monitor (LATENCY LATEST, HISTORY, RESET, GRAPH,
# DOCTOR and its events), per-command latency tracking (LATENCY HISTOGRAM,
# latency-tracking, latency-tracking-info-percentiles) and INFO
# latencystats.

# The fields of "latency_percentiles_usec_<cmd>" in INFO latencystats, as a
# dict (p50 -> value ...), or {} when the command has no line.
proc latency_info_percentiles {cmd} {
    foreach line [split [r info latencystats] "\r\n"] {
        if {[string match "latency_percentiles_usec_$cmd:*" $line]} {
            set d {}
            foreach kv [split [lindex [split $line :] 1] ,] {
                lassign [split $kv =] k v
                dict set d $k $v
            }
            return $d
        }
    }
    return {}
}

start_server {tags {latency}} {
    test "LATENCY HISTOGRAM: calls and cumulative power-of-two buckets" {
        r config resetstat
        for {set j 0} {$j < 10} {incr j} {r set k $j}
        r get k
        set h [r latency histogram set get]
        assert_equal {set get} [dict keys $h]
        assert_equal 10 [dict get $h set calls]
        assert_equal 1 [dict get $h get calls]
        set buckets [dict get $h set histogram_usec]
        # Cumulative: counts grow with the bucket and end at the calls.
        set prev 0
        set prevb 0
        foreach {b n} $buckets {
            assert {$b > $prevb}
            assert {$n > $prev}
            set prev $n
            set prevb $b
        }
        assert_equal 10 $prev
    }

    test "LATENCY HISTOGRAM of a container lists its subcommands" {
        r config resetstat
        r config get maxmemory
        r config get port
        r object encoding k
        set h [r latency histogram config object]
        assert_equal 2 [dict get $h config|get calls]
        assert_equal 1 [dict get $h object|encoding calls]
        # Unknown or never-called commands are left out.
        assert_equal {} [r latency histogram nosuchcommand lpush]
        # No argument: every command with samples.
        set all [r latency histogram]
        assert {[dict exists $all config|get]}
        assert {[dict exists $all latency|histogram]}
    }

    test "LATENCY HISTOGRAM under RESP3 is a map of maps" {
        r set k v
        r hello 3
        set h [r latency histogram set]
        assert_equal {calls histogram_usec} [dict keys [dict get $h set]]
        r hello 2
    }

    test "CONFIG RESETSTAT clears the histograms" {
        r set k v
        assert {[dict exists [r latency histogram set] set]}
        r config resetstat
        assert_equal {} [r latency histogram set]
        assert_equal {} [latency_info_percentiles set]
    }

    test "INFO latencystats: configured percentiles per command" {
        r config resetstat
        r set k v
        set p [latency_info_percentiles set]
        assert_equal {p50 p99 p99.9} [dict keys $p]
        foreach v [dict values $p] {assert_match {*.???} $v; assert {$v > 0}}
        r config set latency-tracking-info-percentiles "50 90 99.99"
        assert_equal {p50 p90 p99.99} [dict keys [latency_info_percentiles set]]
        r config set latency-tracking-info-percentiles ""
        assert_match "*latency_percentiles_usec_set:\r\n*" [r info latencystats]
        r config set latency-tracking-info-percentiles "50 99 99.9"
        # Not part of the default INFO, part of INFO everything.
        assert_no_match "*Latencystats*" [r info]
        assert_match "*# Latencystats*" [r info everything]
    }

    test "latency-tracking no stops recording" {
        r config resetstat
        r config set latency-tracking no
        r set k v
        assert_equal {} [r latency histogram set]
        assert_no_match "*latency_percentiles_usec*" [r info latencystats]
        r config set latency-tracking yes
        r set k v
        assert_equal 1 [dict get [r latency histogram set] set calls]
    }

    test "The slowest samples land in the higher percentiles" {
        r config resetstat
        for {set j 0} {$j < 98} {incr j} {r ping}
        r debug sleep 0.05
        r debug sleep 0.05
        set p [latency_info_percentiles debug]
        assert {[dict get $p p50] >= 40000}
        set ping [latency_info_percentiles ping]
        assert {[dict get $ping p50] < 40000}
    }

    test "LATENCY LATEST, HISTORY and GRAPH with the monitor off" {
        r latency reset
        r config set latency-monitor-threshold 0
        r debug sleep 0.02
        assert_equal {} [r latency latest]
        assert_equal {} [r latency history command]
        assert_error {*No samples available for event 'command'*} {r latency graph command}
        assert_match "*monitor is off*" [r latency doctor]
    }

    test "LATENCY LATEST and HISTORY record a slow command" {
        r config set latency-monitor-threshold 10
        r debug sleep 0.05
        set latest [r latency latest]
        assert_equal 1 [llength $latest]
        lassign [lindex $latest 0] event time last max
        assert_equal command $event
        assert_range $time [expr {[clock seconds] - 10}] [expr {[clock seconds] + 1}]
        assert_range $last 45 1000
        assert_equal $last $max
        set hist [r latency history command]
        assert_equal 1 [llength $hist]
        assert_equal [list $time $last] [lindex $hist 0]
        # A fast command under the threshold adds nothing.
        r ping
        assert_equal 1 [llength [r latency latest]]
    }

    test "LATENCY GRAPH and DOCTOR describe the samples" {
        set g [r latency graph command]
        assert_match "command - high * ms, low * ms (all time high * ms)*" $g
        assert_match "*#*" $g
        set d [r latency doctor]
        assert_match "*command*all-time high*" $d
    }

    test "LATENCY RESET of one event and of all" {
        r debug sleep 0.02
        assert_equal 0 [r latency reset nosuchevent]
        assert_equal 1 [r latency reset command]
        assert_equal {} [r latency latest]
        r debug sleep 0.02
        assert_equal 1 [r latency reset]
        assert_equal {} [r latency latest]
        assert_equal 0 [r latency reset]
    }

    test "A slow fork is a 'fork' event and INFO counts forks" {
        r latency reset
        set forks [s total_forks]
        r config set latency-monitor-threshold 1
        r bgsave
        wait_for_condition 100 50 {[s rdb_bgsave_in_progress] == 0} else {
            fail "BGSAVE did not finish"
        }
        assert_equal [expr {$forks + 1}] [s total_forks]
        assert {[s latest_fork_usec] > 0}
        # The fork itself rarely takes a millisecond on a small dataset:
        # whatever it took, a recorded fork event is at least 1 ms.
        foreach e [r latency latest] {
            if {[lindex $e 0] eq "fork"} {assert {[lindex $e 2] >= 1}}
        }
        r config set latency-monitor-threshold 0
    }

    test "An expire cycle over the threshold is an 'expire-cycle' event" {
        r flushall
        r latency reset
        r debug set-active-expire 0
        for {set j 0} {$j < 20000} {incr j} {
            r psetex key:$j 1 v
        }
        r config set latency-monitor-threshold 1
        # Expiring 20000 keys at once takes the slow cycle its whole time
        # budget (25% of a 100 ms tick) or more.
        r debug set-active-expire 1
        wait_for_condition 200 50 {[r dbsize] == 0} else {
            fail "keys did not expire"
        }
        set events {}
        foreach e [r latency latest] {lappend events [lindex $e 0]}
        assert {"expire-cycle" in $events}
        r config set latency-monitor-threshold 0
        assert {[s expire_cycle_cpu_milliseconds] >= 1}
    }

    test "An eviction cycle over the threshold is an 'eviction-cycle' event" {
        r flushall
        r latency reset
        # 200 sets of 2000 members: freeing them takes well over 1 ms.
        r eval {
            for i = 1, 200 do
                local t = {}
                for j = 1, 2000 do t[j] = j .. 'member' end
                redis.call('sadd', 'bigset:' .. i, unpack(t))
            end
        } 0
        r config set latency-monitor-threshold 1
        r config set maxmemory-policy allkeys-random
        r config set maxmemory 1mb
        catch {r set trigger v}
        r config set maxmemory 0
        r config set maxmemory-policy noeviction
        r config set latency-monitor-threshold 0
        assert {[r dbsize] < 200}
        set events {}
        foreach e [r latency latest] {lappend events [lindex $e 0]}
        assert {"eviction-cycle" in $events}
    }

    test "LATENCY with bad arguments" {
        assert_error {*wrong number of arguments*} {r latency history}
        assert_error {*wrong number of arguments*} {r latency graph}
        assert_error {*unknown subcommand*} {r latency nosuch}
        assert_match {*HISTOGRAM*} [r latency help]
    }
}

start_server {tags {latency} overrides {appendonly yes appendfsync always}} {
    test "A slow AOF write is an 'aof-write' event" {
        wait_for_condition 100 50 {[s aof_rewrite_in_progress] == 0} else {
            fail "the first AOF rewrite did not finish"
        }
        r latency reset
        r config set latency-monitor-threshold 5
        r debug aof-flush-sleep 20000
        r set k v
        r debug aof-flush-sleep 0
        set events {}
        foreach e [r latency latest] {lappend events [lindex $e 0]}
        assert {"aof-write" in $events}
        assert {"aof-write-alone" in $events}
        r config set latency-monitor-threshold 0
    }
}
