# maxmemory-clients.tcl -- client eviction: when the clients together use
# more memory than maxmemory-clients (bytes or a percentage of maxmemory),
# the ones using most are disconnected, largest first; CLIENT NO-EVICT
# clients are exempt; INFO counts evicted_clients.

# Opens a client whose query buffer holds about <bytes> bytes of a command
# it never finishes.
proc client_with_qbuf {bytes {name ""}} {
    set rd [redis_deferring_client]
    if {$name ne ""} {
        $rd client setname $name
        assert_equal OK [$rd read]
    }
    # One argument announced much larger than what is sent, so the
    # command stays incomplete in the query buffer.
    set chunk [string repeat x 65536]
    set n [expr {($bytes + 65535) / 65536}]
    $rd write "*2\r\n\$3\r\nset\r\n\$[expr {$n * 65536 + 10}]\r\n"
    # The server may cut the connection while we write: that is the point.
    catch {
        for {set i 0} {$i < $n} {incr i} {$rd write $chunk}
    }
    return $rd
}

# Waits until client <name> is in CLIENT LIST with at least <bytes> of
# memory; returns its tot-mem.
proc wait_client_mem {name bytes} {
    wait_for_condition 500 10 {
        [client_mem $name] >= $bytes
    } else {
        fail "client $name never reached $bytes bytes ([client_mem $name])"
    }
    return [client_mem $name]
}

proc client_mem {name} {
    foreach line [split [r client list] "\n"] {
        if {[string match "* name=$name *" $line] &&
            [regexp {tot-mem=(\d+)} $line -> m]} {
            return $m
        }
    }
    return -1
}

# Closes deferring client <rd> named <name> and waits until the server has
# let it go, so that it cannot be the one evicted in the next test.
proc close_and_wait {rd name} {
    $rd close
    wait_for_condition 500 10 {[client_mem $name] == -1} else {
        fail "client $name still connected after closing"
    }
}

proc client_gone {name} {
    return [expr {[client_mem $name] == -1}]
}

start_server {tags {maxmemory clients}} {
    # The test's own client must survive whatever it watches.
    r client setname watcher
    r client no-evict on

    test "maxmemory-clients 0 evicts nobody" {
        set rd [client_with_qbuf 3000000 big]
        wait_client_mem big 3000000
        assert_equal 0 [s evicted_clients]
        assert_equal 0 [client_gone big]
        close_and_wait $rd big
    }

    test "A client over maxmemory-clients is disconnected" {
        r config set maxmemory-clients 2mb
        set rd [client_with_qbuf 3000000 big2]
        wait_for_condition 500 10 {[s evicted_clients] == 1} else {
            fail "no client was evicted"
        }
        assert_equal 1 [client_gone big2]
        $rd close
        # The client that watched it is still there.
        assert_equal PONG [r ping]
        r config set maxmemory-clients 0
    }

    test "The client using most memory goes first; the others stay" {
        r config resetstat
        set small [client_with_qbuf 600000 small]
        wait_client_mem small 600000
        r config set maxmemory-clients 1500000
        set large [client_with_qbuf 1200000 large]
        wait_for_condition 500 10 {[s evicted_clients] == 1} else {
            fail "no client was evicted"
        }
        assert_equal 1 [client_gone large]
        assert_morethan [client_mem small] 600000
        assert_equal -1 [client_mem large]
        $large close
        close_and_wait $small small
        r config set maxmemory-clients 0
    }

    test "CLIENT NO-EVICT clients are exempt" {
        r config resetstat
        r config set maxmemory-clients 1mb
        set rd [redis_deferring_client]
        $rd client no-evict on
        assert_equal OK [$rd read]
        $rd client setname exempt
        assert_equal OK [$rd read]
        set chunk [string repeat x 65536]
        $rd write "*2\r\n\$3\r\nset\r\n\$3200000\r\n"
        for {set sent 0} {$sent < 3000000} {incr sent 65536} {$rd write $chunk}
        wait_client_mem exempt 3000000
        assert_equal 0 [s evicted_clients]
        r config set maxmemory-clients 0
        close_and_wait $rd exempt
    }

    test "Output buffers count too" {
        r config resetstat
        r set big [string repeat v 1000000]
        set rd [redis_deferring_client]
        $rd client setname reader
        assert_equal OK [$rd read]
        r config set maxmemory-clients 2mb
        # Twenty replies of 1 MB that are never read.
        catch {for {set i 0} {$i < 20} {incr i} {$rd get big}}
        wait_for_condition 500 10 {[s evicted_clients] == 1} else {
            fail "the client with a full output buffer was not evicted"
        }
        assert_equal -1 [client_mem reader]
        $rd close
        r config set maxmemory-clients 0
        r del big
    }

    test "maxmemory-clients as a percentage of maxmemory" {
        r config resetstat
        r config set maxmemory 100mb
        r config set maxmemory-clients 2%
        set rd [client_with_qbuf 3000000 pct]
        wait_for_condition 500 10 {[s evicted_clients] == 1} else {
            fail "no client was evicted"
        }
        $rd close
        # Without maxmemory a percentage means no limit.
        r config set maxmemory 0
        set rd [client_with_qbuf 3000000 pct2]
        wait_client_mem pct2 3000000
        assert_equal 1 [s evicted_clients]
        close_and_wait $rd pct2
        r config set maxmemory-clients 0
    }

    test "A tiny maxmemory-clients still leaves 128 KB to the clients" {
        r config resetstat
        r config set maxmemory-clients 1
        # Normal clients of a few KB each survive.
        set clients {}
        for {set i 0} {$i < 3} {incr i} {
            set c [redis_deferring_client]
            $c ping
            assert_equal PONG [$c read]
            lappend clients $c
        }
        assert_equal PONG [r ping]
        assert_equal 0 [s evicted_clients]
        foreach c $clients {$c close}
        r config set maxmemory-clients 0
    }
}
