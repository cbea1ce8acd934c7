# robustness.tcl -- hostile and broken clients: random bytes, commands cut
# off by a disconnect, huge announced lengths. The server must stay up,
# keep serving others and give back the memory those clients took.

# Waits until connected_clients is back to <n>.
proc rb_wait_clients {n} {
    wait_for_condition 500 20 {
        [s connected_clients] == $n
    } else {
        fail "connected_clients is [s connected_clients], expected $n"
    }
}

# Waits until used_memory is at most <limit> bytes.
proc rb_wait_memory {limit} {
    wait_for_condition 500 20 {
        [s used_memory] <= $limit
    } else {
        fail "used_memory [s used_memory] stayed above $limit"
    }
}

start_server {tags {robustness}} {
    # Warm up once so that lazily created structures (error statistics,
    # command statistics, buffers) exist before the baseline is taken.
    set c [redis_new_client]
    catch {$c write "garbage\r\n*x\r\n"; $c read}
    catch {$c close}
    rb_wait_clients 1

    test "Random bytes on many connections: the server stays up and frees them" {
        set base [s used_memory]
        expr {srand(20261123)}
        set socks {}
        for {set i 0} {$i < 100} {incr i} {
            set c [redis_new_client]
            set bytes ""
            for {set j 0} {$j < 4096} {incr j} {
                append bytes [format %c [expr {int(rand() * 256)}]]
            }
            catch {$c write $bytes}
            lappend socks $c
        }
        assert_equal PONG [r ping]
        foreach c $socks {catch {$c close}}
        rb_wait_clients 1
        rb_wait_memory [expr {$base + 65536}]
        assert_equal PONG [r ping]
    }

    test "Commands cut off by a disconnect are freed" {
        set base [s used_memory]
        set half [string repeat y 50000]
        set socks {}
        for {set i 0} {$i < 200} {incr i} {
            set c [redis_new_client]
            $c write "*3\r\n\$3\r\nSET\r\n\$4\r\nhalf\r\n\$100000\r\n$half"
            lappend socks $c
        }
        assert_equal PONG [r ping]
        foreach c $socks {$c close}
        rb_wait_clients 1
        rb_wait_memory [expr {$base + 65536}]
        assert_equal 0 [r exists half]
    }

    # Redis 7.0 reserves the announced size of a big bulk up front (about
    # 500 MB here); we grow the argument only as its bytes arrive.
    test "A huge announced bulk length costs nothing until its bytes arrive" {
        set base [s used_memory]
        set c [redis_new_client]
        $c write "*2\r\n\$4\r\nECHO\r\n\$500000000\r\nabc"
        assert_equal PONG [r ping]
        wait_for_condition 100 20 {
            [s connected_clients] == 2
        } else {
            fail "the client did not connect"
        }
        assert {[s used_memory] < $base + 4 * 1024 * 1024}
        $c close
        rb_wait_clients 1
    }

    test "A multibulk count of two billion arguments is refused without allocating" {
        set base [s used_memory]
        set c [redis_new_client]
        $c readraw 1
        $c write "*2147483647\r\n\$4\r\nPING\r\n"
        assert_equal PONG [r ping]
        assert {[s used_memory] < $base + 4 * 1024 * 1024}
        $c close
        rb_wait_clients 1
    }
}

# Peers that stop reading while more of their bytes wait: once the server
# decided to close such a client after its replies (QUIT, a protocol
# error), it must stop watching its socket instead of being woken for it
# on every turn. hostile_peer.py measures the server's CPU meanwhile.
start_server {tags {robustness}} {
    foreach mode {quit-unread proto-unread storm} {
        test "No busy loop after hostile peers: $mode" {
            set script [file join $::tests_dir helpers hostile_peer.py]
            set args [list $mode [srv 0 port] [srv 0 pid]]
            if {$::tls} {lappend args $::tls_dir}
            set rc [catch {exec /usr/bin/python3 $script {*}$args} out]
            assert_match "OK*" [string trim $out] "hostile_peer.py: $out"
            assert_equal 0 $rc
            assert_equal PONG [r ping]
        }
    }
}
