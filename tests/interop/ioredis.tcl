# ioredis.tcl -- the Node.js client ioredis (npm registry, version pinned in
# tests/interop/node/package.json) against our server: commands, scripts,
# blocking pops, pipelines, MULTI/WATCH, pub/sub and reconnection, plain or
# with mutual TLS (ioredis' `tls: {ca, cert, key}`) under --tls.
# The Sentinel and Cluster clients of ioredis are in ioredis-sentinel.tcl
# and tests/cluster/ioredis.tcl.

source [file join $::tests_dir helpers node.tcl]

tags {interop ioredis needs:server-control external:skip} {
start_server {} {
    set opts [::node_opts port [srv port]]

    test "ioredis: is installed (npm ci of the pinned version)" {
        ::node_setup
        set d $::node_dir
        set v [exec node -p "require('$d/node_modules/ioredis/package.json').version" 2>@1]
        assert_equal $v [exec node -p "require('$d/package.json').dependencies.ioredis" 2>@1]
        assert_match {5.*} $v
    }

    test "ioredis: commands, binary values, scripts, BLPOP, scanStream" {
        ::node_run basic.js [dict merge $opts {case commands}]
        assert_equal 46 [r get io:n]
        assert_equal 250 [llength [r keys io:scan:*]]
    }

    test "ioredis: pipelines, MULTI/EXEC, WATCH, EXECABORT, auto-batching" {
        ::node_run basic.js [dict merge $opts {case pipeline}]
        assert_equal v1999 [r get io:p:1999]
    }

    test "ioredis: SUBSCRIBE, PSUBSCRIBE, PUBLISH, PUBSUB, leaving subscriber mode" {
        ::node_run basic.js [dict merge $opts {case pubsub}]
        assert_equal sub [r get io:after]
    }

    test "ioredis: reconnects and resubscribes after CLIENT KILL" {
        ::node_run basic.js [dict merge $opts {case reconnect}]
    }
}
}
