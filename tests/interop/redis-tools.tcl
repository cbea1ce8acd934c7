# redis-tools.tcl -- Debian's redis-cli and redis-benchmark (Redis 7.0)
# against the server under test, in plain and TLS mode.

set ::redis_cli_bin /usr/bin/redis-cli
set ::redis_benchmark_bin /usr/bin/redis-benchmark

source [file join $::tests_dir helpers tools.tcl]

proc redis_cli {args} {
    return [exec $::redis_cli_bin {*}[tool_conn_args] {*}$args 2>@1]
}

start_server {tags {interop}} {
    test "redis-cli runs commands and prints replies" {
        assert_equal PONG [redis_cli ping]
        assert_equal OK [redis_cli set clikey "hello world"]
        assert_equal "hello world" [r get clikey]
        assert_equal "hello world" [redis_cli get clikey]
        assert_equal 5 [redis_cli incrby clictr 5]
        assert_equal "(integer) 6" [redis_cli --no-raw incr clictr]
        assert_equal {"6"} [redis_cli --no-raw get clictr]
    }

    test "redis-cli INFO and CONFIG GET round trips" {
        set info [redis_cli info server]
        assert_match "*redis_version:*" $info
        assert_match "*process_id:[srv 0 pid]*" $info
        r config set maxmemory-samples 7
        assert_equal "maxmemory-samples\n7" [redis_cli config get maxmemory-samples]
        assert_equal OK [redis_cli config set maxmemory-samples 5]
        assert_equal {maxmemory-samples 5} [r config get maxmemory-samples]
    }

    test "redis-cli reports errors" {
        set out [redis_cli foo bar]
        assert_match "*ERR unknown command 'foo'*" $out
    }

    test "redis-cli --pipe mass insertion of 10000 SETs" {
        r flushall
        set path [file join $::tmp_root "pipe-[pid].txt"]
        set f [open $path w]
        fconfigure $f -translation binary
        for {set i 0} {$i < 10000} {incr i} {
            set k "key:$i"
            set v "value:$i"
            puts -nonewline $f "*3\r\n\$3\r\nSET\r\n\$[string length $k]\r\n$k\r\n\$[string length $v]\r\n$v\r\n"
        }
        close $f
        set out [exec $::redis_cli_bin {*}[tool_conn_args] --pipe < $path 2>@1]
        file delete $path
        assert_match "*errors: 0, replies: 10000*" $out
        assert_equal 10000 [r dbsize]
        assert_equal value:9999 [r get key:9999]
    }

    test "redis-benchmark completes without errors" {
        set out [exec $::redis_benchmark_bin {*}[tool_conn_args] \
                     -t ping,set,get,incr,mset -n 2000 -q 2>@1]
        assert_no_match "*rror*" $out
        foreach t {PING_INLINE: PING_MBULK: SET: GET: INCR: "MSET (10 keys):"} {
            assert_match "*\n$t * requests per second*" $out
        }
    }
}
