# maxmemory-lfu.tcl -- access tracking for eviction: OBJECT IDLETIME and
# OBJECT FREQ under every maxmemory-policy, lfu-log-factor and
# lfu-decay-time, RESTORE IDLETIME/FREQ, the RDB IDLE/FREQ opcodes written
# on save and applied on load, LRU/LFU eviction choosing by them, and
# maxmemory-eviction-tenacity's time budget.

set ::lfu_policies {allkeys-lfu volatile-lfu}
set ::other_policies {noeviction allkeys-lru volatile-lru allkeys-random
                      volatile-random volatile-ttl}
set ::freq_err "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
set ::idle_err "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."

start_server {tags {maxmemory lfu}} {
    test "OBJECT IDLETIME works and OBJECT FREQ errors under every non-LFU policy" {
        foreach p $::other_policies {
            r config set maxmemory-policy $p
            r set k v
            assert_range [r object idletime k] 0 2
            assert_error $::freq_err {r object freq k}
            assert_equal {} [r object idletime nokey]
            assert_equal {} [r object freq nokey]
        }
    }

    test "OBJECT FREQ works and OBJECT IDLETIME errors under the LFU policies" {
        foreach p $::lfu_policies {
            r config set maxmemory-policy $p
            r del k
            r set k v
            # A new key starts at the initial counter, 5.
            assert_equal 5 [r object freq k] "policy $p"
            assert_error $::idle_err {r object idletime k}
            assert_equal {} [r object freq nokey]
        }
        r config set maxmemory-policy noeviction
    }

    test "Reading a key resets its idle time; OBJECT and TOUCH rules" {
        r config set maxmemory-policy allkeys-lru
        set dump [r dump k]
        r restore old 0 $dump idletime 5000
        assert_range [r object idletime old] 5000 5002
        # OBJECT itself, EXISTS and TYPE do not count as accesses.
        r object encoding old
        r type old
        assert_range [r object idletime old] 5000 5002
        r get old
        assert_range [r object idletime old] 0 2
        r restore old 0 $dump idletime 5000 replace
        r touch old
        assert_range [r object idletime old] 0 2
        r config set maxmemory-policy noeviction
    }

    test "lfu-log-factor: 0 counts every access, a high factor few" {
        r config set maxmemory-policy allkeys-lfu
        r config set lfu-decay-time 0
        r config set lfu-log-factor 0
        r del k
        r set k v
        for {set i 0} {$i < 100} {incr i} {r get k}
        assert_equal 105 [r object freq k]
        r config set lfu-log-factor 1000
        r del k
        r set k v
        for {set i 0} {$i < 200} {incr i} {r get k}
        # The first access past the initial value always counts; after
        # that each one counts with probability 1/(1000*n+1).
        assert_range [r object freq k] 6 8
        r config set lfu-log-factor 10
        r del k
        r set k v
        for {set i 0} {$i < 1000} {incr i} {r get k}
        set f [r object freq k]
        assert_range $f 9 40
        # The counter saturates at 255.
        r config set lfu-log-factor 0
        for {set i 0} {$i < 300} {incr i} {r get k}
        assert_equal 255 [r object freq k]
        r config set lfu-log-factor 10
        r config set lfu-decay-time 1
        r config set maxmemory-policy noeviction
    }

    test "RESTORE IDLETIME and FREQ set the access data of the policy" {
        r set src v
        set dump [r dump src]
        r config set maxmemory-policy allkeys-lfu
        r restore f1 0 $dump freq 200
        assert_equal 200 [r object freq f1]
        # An idle time means nothing to an LFU policy.
        r restore f2 0 $dump idletime 1000
        assert_equal 5 [r object freq f2]
        r config set maxmemory-policy allkeys-lru
        r restore i1 0 $dump idletime 1000
        assert_range [r object idletime i1] 1000 1002
        r restore i2 0 $dump freq 100
        assert_range [r object idletime i2] 0 2
        assert_error "ERR syntax error" {r restore x 0 $dump idletime 1 freq 2}
        assert_error "ERR syntax error" {r restore x 0 $dump freq 2 idletime 1}
        assert_error "ERR Invalid FREQ value, must be >= 0 and <= 255" {r restore x 0 $dump freq 256}
        assert_error "ERR Invalid FREQ value, must be >= 0 and <= 255" {r restore x 0 $dump freq -1}
        assert_error "ERR Invalid IDLETIME value, must be >= 0" {r restore x 0 $dump idletime -1}
        assert_error "ERR value is not an integer*" {r restore x 0 $dump idletime abc}
        assert_error "ERR syntax error" {r restore x 0 $dump idletime}
        r config set maxmemory-policy noeviction
        r flushall
    }

    test "RDB keeps idle times under an LRU policy (IDLE opcode)" {
        r config set maxmemory-policy allkeys-lru
        r set src v
        set dump [r dump src]
        r restore a 0 $dump idletime 3000
        r restore b 0 $dump idletime 100000
        r debug reload
        assert_range [r object idletime a] 3000 3005
        assert_range [r object idletime b] 100000 100005
        # The same through a restart from the saved file.
        # The same through a restart from the saved file (the restarted
        # server runs noeviction: an IDLE opcode applies to any non-LFU
        # policy).
        r save
        restart_server 0
        assert_range [r object idletime b] 100000 100010
    }

    test "RDB keeps access frequencies under an LFU policy (FREQ opcode)" {
        r flushall
        r config set maxmemory-policy volatile-lfu
        r set src v
        set dump [r dump src]
        r restore a 0 $dump freq 42
        r restore b 0 $dump freq 255
        r restore c 0 $dump freq 0
        r debug reload
        assert_equal 42 [r object freq a]
        assert_equal 255 [r object freq b]
        assert_equal 0 [r object freq c]
    }

    test "No access data is saved under policies that track none" {
        r flushall
        r config set maxmemory-policy allkeys-lru
        r set src v
        r restore a 0 [r dump src] idletime 3000
        r config set maxmemory-policy noeviction
        r debug reload
        # Without an IDLE opcode the loaded key starts fresh.
        assert_range [r object idletime a] 0 2
        # A file saved under LFU loads under LRU: FREQ is ignored.
        r config set maxmemory-policy allkeys-lfu
        r restore b 0 [r dump src] freq 99
        r save
        r config set maxmemory-policy allkeys-lru
        r debug reload nosave
        assert_range [r object idletime b] 0 2
        r config set maxmemory-policy noeviction
    }

    test "allkeys-lru evicts the keys idle longest" {
        r flushall
        r config set maxmemory-policy allkeys-lru
        r config set maxmemory-samples 64
        # Values large next to what the commands themselves allocate.
        set val [string repeat x 20000]
        r set src $val
        set dump [r dump src]
        r del src
        for {set i 0} {$i < 20} {incr i} {
            r restore old$i 0 $dump idletime [expr {100000 + $i}]
            r restore new$i 0 $dump
        }
        set used [s used_memory]
        r config set maxmemory [expr {$used - 8 * 20500}]
        r set trigger x
        set survivors 0
        for {set i 0} {$i < 20} {incr i} {incr survivors [r exists new$i]}
        assert_equal 20 $survivors
        assert_morethan [s evicted_keys] 0
        r config set maxmemory 0
    }

    test "allkeys-lfu evicts the least frequently used keys" {
        r flushall
        r config set maxmemory-policy allkeys-lfu
        set val [string repeat x 20000]
        r set src $val
        set dump [r dump src]
        r del src
        for {set i 0} {$i < 20} {incr i} {
            r restore cold$i 0 $dump freq 1
            r restore hot$i 0 $dump freq 200
        }
        set used [s used_memory]
        r config set maxmemory [expr {$used - 8 * 20500}]
        r set trigger x
        set survivors 0
        for {set i 0} {$i < 20} {incr i} {incr survivors [r exists hot$i]}
        assert_equal 20 $survivors
        assert_morethan [s evicted_keys] 5
        r config set maxmemory 0
        r config set maxmemory-samples 5
        r config set maxmemory-policy noeviction
        r flushall
    }

    # Runs one eviction pass that no timer can interrupt: the policy
    # change and INFO arrive in one write, so both commands run in the same
    # turn of the event loop, and INFO's own pass is the first to evict.
    # Returns evicted_keys as that INFO saw it.
    proc one_eviction_pass {} {
        set rd [redis_deferring_client]
        $rd write "CONFIG SET maxmemory-policy allkeys-random\r\nINFO stats\r\n"
        assert_equal OK [$rd read]
        set info [$rd read]
        $rd close
        regexp {evicted_keys:(\d+)} $info -> evicted
        return $evicted
    }

    proc fill_for_eviction {val} {
        r config set maxmemory 0
        r config set maxmemory-policy noeviction
        r flushall
        for {set i 0} {$i < 20000} {incr i} {r set k$i $val}
        set target [expr {[s used_memory] - 20000 * 400}]
        # Under noeviction the new limit evicts nothing.
        r config set maxmemory $target
        r config resetstat
        return $target
    }

    test "maxmemory-eviction-tenacity bounds one eviction pass; a timer finishes it" {
        set val [string repeat x 500]
        # 100 has no time limit: the one pass evicts all that is needed.
        r config set maxmemory-eviction-tenacity 100
        set target [fill_for_eviction $val]
        assert_equal 0 [s evicted_keys]
        assert_morethan [one_eviction_pass] 10000
        assert_lessthan [s used_memory] [expr {$target + 65536}]
        # 0 allows no time: the pass stops at its first clock check (16
        # keys) and the eviction timer does the rest between commands.
        r config set maxmemory-eviction-tenacity 0
        set target [fill_for_eviction $val]
        assert_range [one_eviction_pass] 1 16
        # (The commands that look add a little memory of their own.)
        wait_for_condition 500 10 {
            [s evicted_keys] > 10000 && [s used_memory] <= $target + 65536
        } else {
            fail "the eviction timer did not bring memory under the limit: [s used_memory] > $target, evicted [s evicted_keys], [r dbsize] keys"
        }
        assert_morethan [s evicted_keys] 10000
        r config set maxmemory 0
        r config set maxmemory-eviction-tenacity 10
        r config set maxmemory-policy noeviction
        r flushall
    }

    test "INFO times the stretches over maxmemory" {
        r config resetstat
        assert_equal 0 [s current_eviction_exceeded_time]
        r set filler [string repeat x 100000]
        r config set maxmemory [expr {[s used_memory] - 50000}]
        assert_error "OOM *" {r set k v}
        wait_for_condition 500 10 {
            [s current_eviction_exceeded_time] > 0
        } else {
            fail "the stretch over maxmemory was not timed"
        }
        r config set maxmemory 0
        r ping
        assert_equal 0 [s current_eviction_exceeded_time]
        set total [s total_eviction_exceeded_time]
        assert_morethan $total 0
        r config resetstat
        assert_equal 0 [s total_eviction_exceeded_time]
        r del filler
    }

    test "CONFIG SET maxmemory below the usage starts evicting at once" {
        set val [string repeat x 500]
        r config set maxmemory-policy allkeys-random
        for {set i 0} {$i < 5000} {incr i} {r set k$i $val}
        set target [expr {[s used_memory] - 5000 * 300}]
        r config set maxmemory $target
        # No further command is needed: the timer evicts.
        wait_for_condition 500 10 {
            [s evicted_keys] > 1000 && [s used_memory] <= $target + 65536
        } else {
            fail "memory did not go under the new limit"
        }
        r config set maxmemory 0
        r config set maxmemory-policy noeviction
        r flushall
    }
}

start_server {tags {maxmemory lfu slow}} {
    test "lfu-decay-time: the counter drops by one per period of minutes" {
        r config set maxmemory-policy allkeys-lfu
        r config set lfu-decay-time 1
        r set src v
        set dump [r dump src]
        # Stay clear of a minute's edges, where the server's cached clock
        # and ours may disagree.
        wait_for_condition 1500 50 {
            [clock seconds] % 60 >= 2 && [clock seconds] % 60 <= 50
        } else {
            fail "clock did not leave the minute's edge"
        }
        set minute [expr {[clock seconds] / 60}]
        r restore d1 0 $dump freq 100
        r restore d2 0 $dump freq 100
        assert_equal 100 [r object freq d1]
        # Until two seconds into the next minute: exactly one minute turn.
        wait_for_condition 1500 50 {
            [clock seconds] / 60 == $minute + 1 && [clock seconds] % 60 >= 2
        } else {
            fail "clock did not reach the next minute"
        }
        # Decay time 1 takes one off per minute; 2 nothing yet; 0 none.
        assert_equal 99 [r object freq d1]
        r config set lfu-decay-time 2
        assert_equal 100 [r object freq d2]
        r config set lfu-decay-time 0
        assert_equal 100 [r object freq d2]
        # An access stores the decayed counter with a new time stamp.
        r config set lfu-decay-time 1
        r config set lfu-log-factor 1000000
        r get d1
        assert_range [r object freq d1] 99 100
        r config set lfu-log-factor 10
    }
}
