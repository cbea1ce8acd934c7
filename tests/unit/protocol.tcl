# protocol.tcl -- the RESP wire protocol: inline and multibulk requests,
# pipelining, protocol errors, RESP3 through HELLO and connection limits.

# Sends <bytes> on a fresh connection and returns the first reply line.
proc raw_request {bytes} {
    set c [redis_new_client]
    $c readraw 1
    $c write $bytes
    set line [$c read]
    $c close
    return $line
}

# Sends <bytes> on a fresh connection, expects the error reply <expected>
# and then the connection to be closed by the server.
proc expect_protocol_error {bytes expected} {
    set c [redis_new_client]
    $c readraw 1
    $c write $bytes
    set line [$c read]
    assert_equal $expected $line
    # The server closes the connection after a protocol error.
    set fd [$c channel]
    fconfigure $fd -blocking 1
    set rest [read $fd]
    assert_equal {} $rest
    assert_equal 1 [eof $fd]
    $c close
}

start_server {tags {protocol}} {
    test "Inline commands" {
        assert_equal "+PONG" [raw_request "PING\r\n"]
        assert_equal "+OK" [raw_request "set inlinekey value\r\n"]
        assert_equal value [r get inlinekey]
        # A bare newline is accepted too.
        assert_equal "+PONG" [raw_request "PING\n"]
    }

    test "Inline commands with quoted arguments" {
        assert_equal "+OK" [raw_request "set qkey \"hello world\"\r\n"]
        assert_equal "hello world" [r get qkey]
        assert_equal "+OK" [raw_request "set qkey 'single quoted'\r\n"]
        assert_equal "single quoted" [r get qkey]
        assert_equal "+OK" [raw_request "set qkey \"\\x41\\x42\\n\"\r\n"]
        assert_equal "AB\n" [r get qkey]
    }

    test "Empty inline lines are ignored" {
        assert_equal "+PONG" [raw_request "\r\n\r\nPING\r\n"]
    }

    test "Multibulk requests" {
        assert_equal "+OK" [raw_request "*3\r\n\$3\r\nSET\r\n\$2\r\nmb\r\n\$5\r\nvalue\r\n"]
        assert_equal value [r get mb]
        # A zero-length multibulk is ignored and the next command runs.
        assert_equal "+PONG" [raw_request "*0\r\n*1\r\n\$4\r\nPING\r\n"]
        assert_equal "+PONG" [raw_request "*-1\r\n*1\r\n\$4\r\nPING\r\n"]
    }

    test "Pipelining 10000 commands in one write" {
        r del counter
        set c [redis_new_client]
        set buf {}
        for {set i 0} {$i < 10000} {incr i} {
            append buf "*2\r\n\$4\r\nINCR\r\n\$7\r\ncounter\r\n"
        }
        $c write $buf
        for {set i 1} {$i <= 10000} {incr i} {
            set reply [$c read]
            if {$reply != $i} {
                fail "reply $i was '$reply'"
            }
        }
        $c close
        assert_equal 10000 [r get counter]
    }

    test "A command sent in pieces is executed once complete" {
        set c [redis_new_client]
        $c write "*3\r\n\$3\r\nSET\r\n\$5\r\nhalfk"
        # The partial command must not run yet.
        assert_equal PONG [r ping]
        assert_equal 0 [r exists halfk]
        $c write "\r\n\$5\r\nval"
        assert_equal 0 [r exists halfk]
        $c write "ue\r\n"
        assert_equal OK [$c read]
        assert_equal value [r get halfk]
        # Inline command split in two.
        $c write "PI"
        $c write "NG\r\n"
        assert_equal PONG [$c read]
        $c close
    }

    test "Protocol error: invalid multibulk length" {
        expect_protocol_error "*abc\r\n" "-ERR Protocol error: invalid multibulk length"
        expect_protocol_error "*3000000000\r\n" "-ERR Protocol error: invalid multibulk length"
    }

    test "Protocol error: expected '\$'" {
        expect_protocol_error "*1\r\nxPING\r\n" "-ERR Protocol error: expected '\$', got 'x'"
    }

    test "Protocol error: invalid bulk length" {
        expect_protocol_error "*1\r\n\$abc\r\n" "-ERR Protocol error: invalid bulk length"
        expect_protocol_error "*1\r\n\$-10\r\n" "-ERR Protocol error: invalid bulk length"
    }

    test "Protocol error: bulk length over proto-max-bulk-len" {
        expect_protocol_error "*1\r\n\$2000000000\r\n" "-ERR Protocol error: invalid bulk length"
        r config set proto-max-bulk-len 1048576
        expect_protocol_error "*2\r\n\$3\r\nGET\r\n\$1048577\r\n" "-ERR Protocol error: invalid bulk length"
        r config set proto-max-bulk-len 536870912
    }

    test "Protocol error: unbalanced quotes in inline request" {
        expect_protocol_error "set k \"unterminated\r\n" "-ERR Protocol error: unbalanced quotes in request"
        expect_protocol_error "set k 'x\r\n" "-ERR Protocol error: unbalanced quotes in request"
    }

    test "Protocol error: too big inline request" {
        expect_protocol_error [string repeat a 70000] "-ERR Protocol error: too big inline request"
    }

    test "Protocol error: too big multibulk and bulk count lines" {
        expect_protocol_error "*[string repeat 1 70000]" "-ERR Protocol error: too big mbulk count string"
        expect_protocol_error "*1\r\n\$[string repeat 1 70000]" "-ERR Protocol error: too big bulk count string"
    }

    test "The server keeps serving other clients after protocol errors" {
        assert_equal PONG [r ping]
    }

    test "Wrong arity and unknown commands" {
        assert_error "ERR wrong number of arguments for 'get' command" {r get}
        assert_error "ERR wrong number of arguments for 'get' command" {r get a b}
        assert_error "ERR unknown command 'foo', with args beginning with: 'a' 'b' " {r foo a b}
        assert_error "ERR unknown command 'foo', with args beginning with: " {r foo}
        assert_equal "-ERR unknown command 'nosuchcmd', with args beginning with: 'x' " [raw_request "nosuchcmd x\r\n"]
        # The connection stays usable after an ordinary error.
        assert_equal PONG [r ping]
    }

    test "HELLO 3 returns a map of the connection properties" {
        set c [redis_new_client]
        set reply [$c hello 3]
        set fields [dict keys $reply]
        foreach f {server version proto id mode role modules} {
            assert {[lsearch -exact $fields $f] >= 0} "field $f missing from HELLO reply: $reply"
        }
        assert_equal redis [dict get $reply server]
        assert_equal 3 [dict get $reply proto]
        assert_equal standalone [dict get $reply mode]
        assert_equal master [dict get $reply role]
        assert_equal [$c client id] [dict get $reply id]
        $c close
    }

    test "RESP3 reply types on the wire" {
        set c [redis_new_client]
        $c hello 3
        $c readraw 1
        $c deferred 1
        $c hello 3
        assert_match "%7" [$c read]
        # Skip the rest of the HELLO reply by reading until the modules field.
        while {[$c read] ne "modules"} {}
        assert_equal "*0" [$c read]
        $c get nokey
        assert_equal "_" [$c read]
        $c del zk
        $c read
        $c zadd zk 1.5 member
        $c read
        $c zscore zk member
        assert_equal ",1.5" [$c read]
        $c set s v
        $c read
        $c config get maxmemory
        assert_equal "%1" [$c read]
        $c readraw 0
        $c del zk
        $c read
        assert_equal {} [$c get nokey]
        $c close
    }

    test "RESP2 null replies on the wire" {
        set c [redis_deferring_client]
        $c readraw 1
        $c get nokey
        assert_equal "\$-1" [$c read]
        $c set s v
        $c read
        $c config get maxmemory
        assert_equal "*2" [$c read]
        $c close
    }

    test "HELLO with a protocol version that does not exist" {
        assert_error "NOPROTO unsupported protocol version" {r hello 4}
        assert_error "NOPROTO unsupported protocol version" {r hello 1}
        assert_error "ERR Protocol version is not an integer or out of range" {r hello abc}
    }

    test "HELLO SETNAME" {
        set c [redis_new_client]
        set reply [$c hello 2 setname hellotest]
        assert_equal 2 [dict get $reply proto]
        assert_equal hellotest [$c client getname]
        $c close
    }

    test "1000 idle clients, the server keeps answering" {
        set before [s connected_clients]
        set clients {}
        for {set i 0} {$i < 1000} {incr i} {
            lappend clients [redis_new_client]
        }
        wait_for_condition 200 20 {
            [s connected_clients] >= $before + 1000
        } else {
            fail "connected_clients is [s connected_clients]"
        }
        assert_equal PONG [r ping]
        assert_equal PONG [[lindex $clients 500] ping]
        foreach c $clients {$c close}
        wait_for_condition 200 20 {
            [s connected_clients] == $before
        } else {
            fail "clients not released: [s connected_clients]"
        }
    }

    test "Client query buffer limit closes a client with a huge pending request" {
        r config set client-query-buffer-limit 1048576
        set c [redis_new_client]
        # A multibulk request whose last argument never completes.
        set chunk [string repeat x 65536]
        $c write "*3\r\n\$3\r\nSET\r\n\$3\r\nqbk\r\n\$4000000\r\n"
        set closed 0
        for {set i 0} {$i < 60 && !$closed} {incr i} {
            if {[catch {$c write $chunk}]} {set closed 1}
        }
        wait_for_condition 200 20 {
            $closed || [$c eof]
        } else {
            fail "client with an oversized query buffer was not closed"
        }
        catch {$c close}
        assert_equal 0 [r exists qbk]
        assert_equal PONG [r ping]
        r config set client-query-buffer-limit 1073741824
    }
}

start_server {tags {protocol}} {
    test "maxclients refuses extra clients" {
        # Clients of earlier tests may still be closing.
        wait_for_condition 100 20 {
            [s connected_clients] == 1
        } else {
            fail "clients of earlier tests still connected"
        }
        r config set maxclients 3
        set a [redis_new_client]
        set b [redis_new_client]
        assert_equal PONG [$a ping]
        # The error arrives unasked, then the server closes the connection.
        # Over TLS the refusal may come before the handshake completes, so
        # a connection closed during the handshake is accepted there.
        if {[catch {redis_new_client} c]} {
            assert {$::tls} "plain connection refused: $c"
            assert_match "TLS handshake failed*" $c
        } else {
            $c readraw 1
            if {[catch {$c read} reply]} {
                assert {$::tls} "no error reply before close: $reply"
            } else {
                assert_equal "-ERR max number of clients reached" $reply
            }
            $c close
        }
        $a close
        $b close
        wait_for_condition 100 20 {
            [s connected_clients] == 1
        } else {
            fail "clients not released"
        }
        r config set maxclients 10000
    }
}

start_server {tags {protocol} overrides {requirepass secret}} {
    test "HELLO with AUTH and SETNAME" {
        set c [redis_new_client]
        assert_error "NOAUTH*" {$c get k}
        assert_error "WRONGPASS invalid username-password pair or user is disabled." {$c hello 3 auth default wrong}
        set reply [$c hello 3 auth default secret setname authed]
        assert_equal 3 [dict get $reply proto]
        assert_equal authed [$c client getname]
        assert_equal {} [$c get k]
        $c close
    }

    test "HELLO without AUTH on a server with a password" {
        set c [redis_new_client]
        assert_error "NOAUTH HELLO must be called with the client already authenticated*" {$c hello 3}
        $c close
    }
}
