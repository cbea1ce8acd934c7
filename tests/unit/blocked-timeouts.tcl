# blocked-timeouts.tcl -- blocked clients' time-outs at scale: thousands of
# clients blocked with the same short deadline all get their time-out reply
# (answered in batches across event-loop turns), the server keeps answering
# others meanwhile, and clients leaving the time-out heap early (served,
# CLIENT UNBLOCK, closed) never get a late second reply. Correctness only:
# nothing here measures time (utils/bench-timeouts.sh does).

proc wait_for_blocked {n} {
    wait_for_condition 500 20 {
        [s blocked_clients] == $n
    } else {
        fail "expected $n blocked clients, got [s blocked_clients]"
    }
}

start_server {tags {blocking}} {
    test "2000 clients blocked with the same deadline all time out" {
        # In helper processes (start_blocked_clients), 500 clients each;
        # each client then checks that a PING gets its PONG.
        set helpers [start_blocked_clients 2000 blpop bt:k1 bt:shared 1]
        # The server answers others while the deadline passes.
        set pongs 0
        while {[s blocked_clients] > 0} {
            assert_equal PONG [r ping]
            incr pongs
        }
        assert {$pongs >= 1}
        set res [finish_blocked_clients $helpers]
        assert_equal {2000 0 {}} [list [dict get $res nil] \
            [dict get $res other] [dict get $res samples]]
        assert_equal 0 [s blocked_clients]
        assert_equal PONG [r ping]
    }

    test "Clients leaving the time-out heap early get exactly one reply" {
        # Tcl TLS clients handshake slowly: fewer of them over TLS.
        set n [expr {$::tls ? 90 : 600}]
        set clients [redis_deferring_clients $n]
        set ids {}
        foreach c $clients {
            $c client id
            lappend ids [$c read]
        }
        # Short deadlines for the first half, long ones for the rest, in an
        # interleaved order so removals hit every part of the heap.
        set i 0
        foreach c $clients {
            set t [expr {$i % 2 ? 0.3 : 100}]
            $c blpop bt:early:$i $t
            incr i
        }
        wait_for_condition 500 20 {
            [s blocked_clients] == [expr {$n / 2}]
        } else {
            fail "the short deadlines did not fire: [s blocked_clients] blocked"
        }
        # Of the long ones: a third served by a push, a third unblocked by
        # CLIENT UNBLOCK, a third closed.
        set expect {}
        for {set i 0} {$i < $n} {incr i} {
            if {$i % 2} {
                lappend expect {}
            } elseif {$i % 3 == 0} {
                r rpush bt:early:$i v$i
                lappend expect [list bt:early:$i v$i]
            } elseif {$i % 3 == 1} {
                assert_equal 1 [r client unblock [lindex $ids $i]]
                lappend expect {}
            } else {
                [lindex $clients $i] close
                lappend expect closed
            }
        }
        wait_for_blocked 0
        for {set i 0} {$i < $n} {incr i} {
            set e [lindex $expect $i]
            if {$e eq "closed"} continue
            set c [lindex $clients $i]
            assert_equal $e [$c read]
            # Nothing else arrives: the next reply is the PING's.
            $c ping
            assert_equal PONG [$c read]
            $c close
        }
        assert_equal PONG [r ping]
    }

    test "Sub-second deadlines keep their order across thousands of clients" {
        # 1000 long-deadline clients sit in the heap; a few short ones must
        # still fire first and alone.
        set helpers [start_blocked_clients 1000 blpop bt:long 100]
        wait_for_blocked 1000
        set short [redis_deferring_clients 3]
        foreach c $short t {0.05 0.1 0.2} {$c bzpopmin bt:z $t}
        foreach c $short {assert_equal {} [$c read]}
        assert_equal 1000 [s blocked_clients]
        foreach c $short {$c close}
        # Serve the long ones: none of them timed out.
        for {set i 0} {$i < 1000} {incr i 100} {
            r rpush bt:long {*}[lrepeat 100 x]
        }
        set res [finish_blocked_clients $helpers]
        assert_equal {0 1000} [list [dict get $res nil] [dict get $res other]]
        assert_equal {{bt:long x}} [lsort -unique [dict get $res samples]]
        wait_for_blocked 0
    }
}
