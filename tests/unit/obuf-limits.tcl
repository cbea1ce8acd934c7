# obuf-limits.tcl -- client-output-buffer-limit (hard and soft limits of
# the normal and pubsub classes) and MONITOR, checked against the
# behaviour of Redis 7.0.

start_server {tags {obuf-limits}} {
    test "A subscriber over its pubsub hard limit is disconnected" {
        r config set client-output-buffer-limit {pubsub 100000 0 0}
        set c [redis_deferring_client]
        $c subscribe big
        $c read
        set payload [string repeat x 100000]
        # The subscriber reads nothing: once the kernel buffers are full the
        # server's buffer grows past the limit and the client is dropped.
        wait_for_condition 500 10 {
            [r publish big $payload] == 0
        } else {
            fail "the subscriber was never disconnected"
        }
        $c close
        r config set client-output-buffer-limit {pubsub 33554432 8388608 60}
    }

    test "A subscriber over its soft limit for too long is disconnected" {
        r config set client-output-buffer-limit {pubsub 0 100000 1}
        set c [redis_deferring_client]
        $c subscribe soft
        $c read
        set payload [string repeat x 50000]
        set start [clock milliseconds]
        wait_for_condition 1000 10 {
            [r publish soft $payload] == 0
        } else {
            fail "the subscriber was never disconnected"
        }
        # The soft limit allows one second over it.
        assert {[clock milliseconds] - $start >= 1000}
        $c close
        r config set client-output-buffer-limit {pubsub 33554432 8388608 60}
    }

    test "A normal client whose reply is over the hard limit is disconnected" {
        r set bigkey [string repeat y 500000]
        r config set client-output-buffer-limit {normal 100000 0 0}
        set c [redis_new_client]
        assert_error "*" {$c get bigkey}
        catch {$c close}
        r config set client-output-buffer-limit {normal 0 0 0}
        # Other clients are unaffected and a reply under the limit works.
        assert_equal 500000 [string length [r get bigkey]]
    }

    test "MONITOR streams the commands of other clients" {
        set m [redis_deferring_client]
        $m monitor
        assert_equal OK [$m read]
        r set monkey "mon value"
        set line [$m read]
        assert_match {*"set" "monkey" "mon value"*} $line
        r get monkey
        assert_match {*"get" "monkey"*} [$m read]
        $m close
    }
}
