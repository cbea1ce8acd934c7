# our-tools.tcl -- our src/redis-cli and src/redis-benchmark against the
# server under test (plain or TLS, as the suite runs), their output
# compared with Debian's redis-cli and redis-benchmark (Redis 7.0) given
# the same arguments.

set ::our_cli [file join $::tests_dir .. src redis-cli]
set ::our_bench [file join $::tests_dir .. src redis-benchmark]
set ::deb_cli /usr/bin/redis-cli
set ::deb_bench /usr/bin/redis-benchmark
source [file join $::tests_dir helpers reference.tcl]
source [file join $::tests_dir helpers tools.tcl]

# Runs <bin> with the connection options and <args>; returns stdout and
# stderr together and the exit status, as one list.
proc ot_run {bin args} {
    return [tool_run $bin {*}[tool_conn_args] {*}$args]
}

# Tcl's exec adds this line when a program exits non-zero.
proc ot_strip {out} {
    regsub {\n?child process exited abnormally$} $out {} out
    return $out
}

# Runs <cmd> (a list: program and arguments) and returns its output
# (stdout and stderr) whatever its exit status.
proc ot_exec {args} {
    catch {exec {*}$args 2>@1} out
    return [ot_strip $out]
}

# Same, with <input> on stdin.
proc ot_run_in {input bin args} {
    set code [catch {exec $bin {*}[tool_conn_args] {*}$args << $input 2>@1} out opts]
    set out [ot_strip $out]
    set status [expr {$code ? [lindex [dict get $opts -errorcode] 2] : 0}]
    return [list $out $status]
}

proc ot_cli {args} {
    return [lindex [ot_run $::our_cli {*}$args] 0]
}

# Asserts that ours and Debian's print the same thing and exit the same way.
proc ot_same {args} {
    set ours [ot_run $::our_cli {*}$args]
    set theirs [ot_run $::deb_cli {*}$args]
    assert_equal $ours $theirs "redis-cli $args"
}

proc ot_same_in {input args} {
    set ours [ot_run_in $input $::our_cli {*}$args]
    set theirs [ot_run_in $input $::deb_cli {*}$args]
    assert_equal $ours $theirs "redis-cli $args (stdin)"
}

# A stand-in server: answers every request with ::ot_fake_reply (e.g. a
# cluster redirection), then closes if ::ot_fake_close is set.
proc ot_fake_accept {chan addr port} {
    fconfigure $chan -translation binary -blocking 0
    fileevent $chan readable [list ot_fake_read $chan]
}
proc ot_fake_read {chan} {
    if {[catch {read $chan} data] || [eof $chan]} {
        catch {close $chan}
        return
    }
    if {$data ne ""} {
        puts -nonewline $chan $::ot_fake_reply
        flush $chan
        if {$::ot_fake_close} {close $chan}
    }
}

# Runs <cmd> (a list) while this interpreter keeps serving its sockets;
# returns the output once the program exits (10 s at most).
proc ot_pipe_run {cmd} {
    set f [open "|$cmd 2>@1" r]
    fconfigure $f -blocking 0
    set ::ot_pipe_out ""
    set ::ot_pipe_done 0
    fileevent $f readable [list ot_pipe_read $f]
    set timer [after 10000 {set ::ot_pipe_done timeout}]
    vwait ::ot_pipe_done
    after cancel $timer
    catch {close $f}
    if {$::ot_pipe_done eq "timeout"} {fail "timed out: $cmd"}
    return [string trimright $::ot_pipe_out "\n"]
}
proc ot_pipe_read {f} {
    append ::ot_pipe_out [read $f]
    if {[eof $f]} {set ::ot_pipe_done 1}
}

start_server {tags {interop tools}} {
    # The tools use database 0 unless told otherwise.
    r select 0
    r flushall
    r rpush list a "b c" {d"e} "\x00\xff"
    r hset hash f1 v1 f2 2
    r zadd zset 1.5 a 2 b
    r sadd set x
    r set str "hello world"
    r set num 42
    r rpush long 1 2 3 4 5 6 7 8 9 10 11

    test "redis-cli replies match Redis 7.0's tool in every output format" {
        foreach fmt {{} --no-raw --csv --json --quoted-json {-3 --no-raw} -3 {-3 --csv}} {
            foreach cmd {
                {ping} {get str} {get nokey} {lrange list 0 -1} {hgetall hash}
                {zrange zset 0 -1 withscores} {smembers set} {lrange long 0 -1}
                {lrange nolist 0 -1} {hgetall nohash} {smembers noset}
                {config get maxmemory-samples} {foo bar} {incrby num 0}
                {zscore zset a} {exists str} {set str2 "a b"} {type hash}
            } {
                ot_same {*}$fmt {*}$cmd
            }
        }
    }

    test "redis-cli -x, -X, -e, -n, -r, -d and -D behave as Redis 7.0's" {
        ot_same_in "line one\nline two" -x set fromstdin
        assert_equal "line one\nline two" [r get fromstdin]
        ot_same_in "tagged" -X TAG set TAG value
        assert_equal value [r get tagged]
        ot_same -e foo
        ot_same -e get str
        ot_same -r 3 ping
        ot_same -n 5 set indb5 1
        ot_same -n 5 get indb5
        ot_same -d , lrange long 0 -1
        ot_same -D XX --raw get str
        ot_same --quoted-input set {"q\x00k"} v
        ot_same --quoted-input get {"q\x00k"}
    }

    test "redis-cli reads commands from stdin when it is not a terminal" {
        ot_same_in "set a 1\nget a\nfoo\nlrange list 0 -1\n"
        ot_same_in "set a 1\nget a\nfoo\n" --no-raw
    }

    test "redis-cli -u redis:// and rediss:// URIs with user, password and db" {
        set scheme [expr {$::tls ? "rediss" : "redis"}]
        set uri "$scheme://127.0.0.1:[srv 0 port]/3"
        set args [list -u $uri]
        if {$::tls} {
            lappend args --cacert [file join $::tls_dir ca.crt] \
                --cert [file join $::tls_dir client.crt] \
                --key [file join $::tls_dir client.key]
        }
        r select 3
        r set uri-key in-db-3
        r select 0
        assert_equal in-db-3 [exec $::our_cli {*}$args get uri-key]
        # A password in the URI is sent with AUTH, with the warning.
        r config set requirepass secret
        set out [ot_exec $::our_cli -u "$scheme://default:secret@127.0.0.1:[srv 0 port]/3" \
                     {*}[lrange $args 2 end] get uri-key]
        set out2 [ot_exec $::our_cli -u "$scheme://:secret@127.0.0.1:[srv 0 port]/3" \
                     {*}[lrange $args 2 end] --no-auth-warning get uri-key]
        set out3 [ot_exec $::our_cli -u "$scheme://default:wrong@127.0.0.1:[srv 0 port]/3" \
                     {*}[lrange $args 2 end] --no-auth-warning get uri-key]
        set c [redis_new_client]
        $c auth secret
        $c config set requirepass ""
        $c close
        assert_equal "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\nin-db-3" $out
        assert_equal in-db-3 $out2
        assert_match "AUTH failed: WRONGPASS*NOAUTH*" $out3
    }

    test "redis-cli AUTH from -a, --user and REDISCLI_AUTH" {
        r config set requirepass s3cret
        catch {
            set out [ot_cli ping]
            assert_match "*NOAUTH*" $out
            assert_equal PONG [ot_cli -a s3cret --no-auth-warning ping]
            assert_equal PONG [ot_cli --user default --pass s3cret --no-auth-warning ping]
            set ::env(REDISCLI_AUTH) s3cret
            assert_equal PONG [ot_cli ping]
            unset ::env(REDISCLI_AUTH)
            set out [ot_cli -a wrong ping]
            assert_match "*Warning: Using a password*AUTH failed: WRONGPASS*" $out
        } e
        catch {unset ::env(REDISCLI_AUTH)}
        set c [redis_new_client]
        $c auth s3cret
        $c config set requirepass ""
        $c close
        if {$e ne ""} {error $e}
    }

    test "redis-cli connection errors are one line, as Redis 7.0's" {
        set port [find_available_port 29900 50]
        set ours [catch {exec $::our_cli -p $port ping 2>@1} out]
        assert_equal 1 $ours
        set out [ot_strip $out]
        assert_equal "Could not connect to Redis at 127.0.0.1:$port: Connection refused" $out
        assert_equal [ot_exec $::deb_cli -p $port ping] $out
    }

    test "redis-cli TLS failures: wrong CA, no client certificate, bad files" {
        if {!$::tls && [file exists [file join $::tls_dir ca.crt]]} {
            # Plain server: a TLS client cannot complete a handshake.
            set code [catch {exec $::our_cli -p [srv 0 port] --tls \
                                 --cacert [file join $::tls_dir ca.crt] ping 2>@1} out]
            assert_equal 1 $code
            set out [ot_strip $out]
            assert_match "Could not connect to Redis at 127.0.0.1:[srv 0 port]: SSL_connect failed: *" $out
        } elseif {$::tls} {
            set other [file join $::tls_dir other-ca.crt]
            if {[file exists $other]} {
                catch {exec $::our_cli -p [srv 0 port] --tls --cacert $other \
                           --cert [file join $::tls_dir client.crt] \
                           --key [file join $::tls_dir client.key] ping 2>@1} out
                set out [ot_strip $out]
                assert_equal "Could not connect to Redis at 127.0.0.1:[srv 0 port]: SSL_connect failed: certificate verify failed" $out
                catch {exec $::deb_cli -p [srv 0 port] --tls --cacert $other \
                           --cert [file join $::tls_dir client.crt] \
                           --key [file join $::tls_dir client.key] ping 2>@1} out2
                assert_equal [ot_strip $out2] $out
            }
            # The server requires a client certificate.
            catch {exec $::our_cli -p [srv 0 port] --tls \
                       --cacert [file join $::tls_dir ca.crt] ping 2>@1} out
            assert_match "*certificate required*" $out
        }
        set out [ot_exec $::our_cli -p [srv 0 port] --tls --cacert /nonexistent ping]
        assert_equal "Could not negotiate a TLS connection: Invalid CA Certificate File/Directory" $out
        assert_equal [ot_exec $::deb_cli -p [srv 0 port] --tls --cacert /nonexistent ping] \
            "$out\n$out"
        if {[file exists [file join $::tls_dir ca.crt]]} {
            set out [ot_exec $::our_cli -p [srv 0 port] --tls --cacert [file join $::tls_dir ca.crt] \
                         --cert /nonexistent --key [file join $::tls_dir client.key] ping]
            assert_equal "Could not negotiate a TLS connection: Invalid client certificate" $out
        }
    }

    test "redis-cli --pipe mass insertion reports replies and errors" {
        r flushall
        set payload ""
        for {set i 0} {$i < 10000} {incr i} {
            set k "key:$i"
            set v "value:$i"
            append payload "*3\r\n\$3\r\nSET\r\n\$[string length $k]\r\n$k\r\n\$[string length $v]\r\n$v\r\n"
        }
        append payload "*2\r\n\$4\r\nINCR\r\n\$7\r\nkey:100\r\n"
        set path [file join $::tmp_root "ot-pipe-[pid].txt"]
        set f [open $path w]
        fconfigure $f -translation binary
        puts -nonewline $f $payload
        close $f
        catch {exec $::our_cli {*}[tool_conn_args] --pipe < $path 2>@1} out
        file delete $path
        assert_match "*All data transferred*Last reply received from server.*errors: 1, replies: 10000*" $out
        assert_match "*ERR value is not an integer or out of range*" $out
        assert_equal 10000 [r dbsize]
        assert_equal value:9999 [r get key:9999]
    }

    test "redis-cli --scan, --bigkeys and --memkeys print what Redis 7.0's prints" {
        r flushall
        r rpush list a b c
        r hset hash f1 v1 f2 v2
        r set str "some bytes"
        r sadd set m1 m2
        r zadd zset 1 a
        for {set i 0} {$i < 30} {incr i} {r set "k:$i" $i}
        set ours [lsort [split [ot_cli --scan] "\n"]]
        assert_equal [lsort [r keys *]] $ours
        # SCAN's order can change between two runs while the server's table
        # rehashes, so the keys are compared as sets, and --bigkeys by its
        # summary (its progress lines follow the order).
        foreach extra {{} --no-raw} {
            lassign [ot_run $::our_cli --scan --pattern {k:1*} {*}$extra] a sa
            lassign [ot_run $::deb_cli --scan --pattern {k:1*} {*}$extra] b sb
            assert_equal [lsort [split $a "\n"]] [lsort [split $b "\n"]]
            assert_equal $sa $sb
        }
        foreach extra {{} {-i 0.01}} {
            lassign [ot_run $::our_cli --bigkeys {*}$extra] a sa
            lassign [ot_run $::deb_cli --bigkeys {*}$extra] b sb
            set a [string range $a [string first "-------- summary" $a] end]
            set b [string range $b [string first "-------- summary" $b] end]
            assert_equal $a $b
            assert_equal $sa $sb
        }
    }

    test "redis-cli --ldb and --ldb-sync-mode: Redis 7.0's debugger driven as Debian's tool drives it" {
        # Debian's Redis 7.0 holds the debugging session; ours and Debian's
        # redis-cli get the same commands on stdin and must print the same
        # bytes (colours, banner, the result, the closing line) and send the
        # same commands (the keys , args split of --eval).
        set dir [file join $::tmp_root "ot-ldb-[pid]"]
        file mkdir $dir
        set ref [refsrv_start $dir --appendonly no]
        lassign $ref pid refc port
        $refc close
        catch {
            set f [file join $dir s.lua]
            set fd [open $f w]
            puts -nonewline $fd "local a = 1\nredis.call('set',KEYS\[1\],ARGV\[1\])\nredis.debug('hi', a)\nreturn {1,'two',redis.call('get',KEYS\[1\])}\n"
            close $fd
            set inputs [list "s\nn\np\nr get k\nb 4\nzzz\ne 1\nl 4 0\nt\nc\nget k\n" \
                            "a\n" "restart\ns\nquit\n" "c\nping\n" "h\n" \
                            "b 4\nc\nmaxlen 0\nc\n" "\nw\n"]
            foreach mode {--ldb --ldb-sync-mode} {
                foreach in $inputs {
                    exec $::deb_cli -p $port del k
                    set ours [ot_exec $::our_cli -p $port $mode --eval $f k , v1 << $in]
                    set ok [exec $::deb_cli -p $port get k]
                    exec $::deb_cli -p $port del k
                    set theirs [ot_exec $::deb_cli -p $port $mode --eval $f k , v1 << $in]
                    set dk [exec $::deb_cli -p $port get k]
                    assert_equal $theirs $ours "--ldb input [list $in]"
                    assert_equal $dk $ok
                }
            }
            # Our tool on its own: the session runs, the result and the end.
            exec $::deb_cli -p $port del k
            set out [ot_exec $::our_cli -p $port --ldb-sync-mode --eval $f k , v2 << "c\nget k\n"]
            assert_match "*Lua debugging session started*<debug> line 3: \"hi\", 1*3) \"v2\"*(Lua debugging session ended)*v2*" $out
            assert_equal v2 [exec $::deb_cli -p $port get k]
            exec $::deb_cli -p $port del k
            set out [ot_exec $::our_cli -p $port --ldb --eval $f k , v3 << "c\n"]
            assert_match "*(Lua debugging session ended -- dataset changes rolled back)*" $out
            assert_equal {} [exec $::deb_cli -p $port get k]
        } e
        ::kill_server_process $pid
        file delete -force $dir
        if {$e ne ""} {error $e}
    }

    test "redis-cli --rdb from Redis 7.0 saves what its own tool saves" {
        # Our server has no SYNC yet; Debian's Redis 7.0 serves the dump.
        set dir [file join $::tmp_root "ot-rdb-[pid]"]
        file mkdir $dir
        set ref [refsrv_start $dir --appendonly no]
        set port [lindex $ref 2]
        catch {
            exec $::deb_cli -p $port config set repl-diskless-sync-delay 0
            exec $::deb_cli -p $port rpush l x y z
            exec $::deb_cli -p $port set a 1
            set path [file join $dir ours.rdb]
            set out [ot_exec $::our_cli -p $port --rdb $path]
            set out2 [ot_exec $::deb_cli -p $port --rdb [file join $dir theirs.rdb]]
            assert_equal [string map [list ours.rdb theirs.rdb] $out] $out2
            assert_match "*Transfer finished with success*" $out
            assert_match "*RDB looks OK!*" [exec redis-check-rdb $path 2>@1]
            assert_equal [file size [file join $dir theirs.rdb]] [file size $path]
            # The replica view: the RDB is skipped, then commands stream.
            set f [open "|$::our_cli -p $port --replica 2>@1" r]
            set seen ""
            # Only a write made once the replica is online is in its
            # command stream (earlier ones go into the RDB it skipped).
            wait_for_condition 200 50 {
                [string match "*slave0:*state=online*" [exec $::deb_cli -p $port info replication]]
            } else {
                fail "--replica never came online"
            }
            exec $::deb_cli -p $port set replicated yes
            while {[gets $f line] >= 0} {
                append seen $line "\n"
                if {[string match {*"set","replicated","yes"*} $line]} break
            }
            exec kill [lindex [pid $f] 0]
            catch {close $f}
            assert_match {*SYNC with master, discarding*SYNC done after * bytes. Logging commands from master.*sending REPLCONF ACK 0*"set","replicated","yes"*} $seen
        } e
        refsrv_stop $ref
        file delete -force $dir
        if {$e ne ""} {error $e}
    }

    test "redis-cli --latency and --latency-history without a terminal" {
        set out [ot_cli --latency -i 0.2]
        assert_match {[0-9]* [0-9]* [0-9]*.[0-9][0-9] [0-9]*} $out
        set out [ot_cli --latency --csv -i 0.2]
        assert_match {[0-9]*,[0-9]*,[0-9]*.[0-9][0-9],[0-9]*} $out
    }

    test "redis-cli --stat prints Redis 7.0's columns" {
        set f [open "|$::our_cli [tool_conn_args] --stat -i 0.1" r]
        set lines {}
        while {[llength $lines] < 4 && [gets $f line] >= 0} {lappend lines $line}
        set pid [lindex [pid $f] 0]
        exec kill $pid
        catch {close $f}
        assert_equal "------- data ------ --------------------- load -------------------- - child -" [lindex $lines 0]
        assert_match "keys*mem*clients*blocked*requests*connections*" [lindex $lines 1]
        assert_match {[0-9]* *[0-9.]*[BKMG] *[0-9]* *[0-9]* *[0-9]* (+*) *[0-9]*} [lindex $lines 3]
    }

    test "redis-cli MONITOR streams commands" {
        set f [open "|$::our_cli [tool_conn_args] monitor" r]
        fconfigure $f -blocking 1
        set line ""
        # The monitor client may need a moment to register.
        wait_for_condition 100 50 {
            [regexp {cmd=monitor} [r client list]]
        } else {
            fail "MONITOR client never showed up"
        }
        r set monitored yes
        while {[gets $f line] >= 0} {
            if {[string match "*\"set\" \"monitored\" \"yes\"*" $line]} break
        }
        exec kill [lindex [pid $f] 0]
        catch {close $f}
        assert_match "*\"set\" \"monitored\" \"yes\"*" $line
    }

    test "redis-cli -c follows -MOVED and -ASK to the node named" {
        if {$::tls} {
            # The stand-in node below speaks plain TCP only.
            return
        }
        r set redirected yes
        set ::ot_fake_close 0
        foreach kind {MOVED ASK} {
            set ::ot_fake_reply "-$kind 1234 127.0.0.1:[srv 0 port]\r\n"
            set lsock [socket -server ot_fake_accept -myaddr 127.0.0.1 0]
            set fport [lindex [fconfigure $lsock -sockname] 2]
            set out [ot_pipe_run [list $::our_cli -c -p $fport get redirected]]
            assert_equal yes $out
            set out [ot_pipe_run [list $::our_cli -c --no-raw -p $fport get redirected]]
            close $lsock
            assert_equal "-> Redirected to slot \[1234\] located at 127.0.0.1:[srv 0 port]\n\"yes\"" $out
            # Without -c the error is shown as it is.
            set lsock [socket -server ot_fake_accept -myaddr 127.0.0.1 0]
            set fport [lindex [fconfigure $lsock -sockname] 2]
            set out [ot_pipe_run [list $::our_cli -p $fport get redirected]]
            close $lsock
            assert_match "$kind 1234 127.0.0.1:*" $out
        }
    }

    test "redis-cli and redis-benchmark: a server that is not RESP gets a clear error" {
        if {$::tls} return
        set ::ot_fake_close 1
        foreach {reply expected} {
            "garbage\r\n" "Error: Protocol error: unknown reply type"
            "\$99999999999\r\n" "Error: Protocol error: bulk too long"
            "*3\r\n:1\r\n" "Error: Server closed the connection"
            "" "Error: Server closed the connection"
        } {
            set ::ot_fake_reply $reply
            set lsock [socket -server ot_fake_accept -myaddr 127.0.0.1 0]
            set fport [lindex [fconfigure $lsock -sockname] 2]
            set out [ot_pipe_run [list $::our_cli -p $fport ping]]
            close $lsock
            assert_equal $expected $out
        }
        set ::ot_fake_reply "garbage\r\n"
        set lsock [socket -server ot_fake_accept -myaddr 127.0.0.1 0]
        set fport [lindex [fconfigure $lsock -sockname] 2]
        set out [ot_pipe_run [list $::our_bench -p $fport -n 10 -q -t ping]]
        close $lsock
        assert_match "*rror*" $out
    }

    test "redis-cli --help, --version and a bad option" {
        assert_match "*Usage: redis-cli*--tls*--cacert*" [exec $::our_cli --help]
        assert_match "redis-cli 7.*" [exec $::our_cli --version]
        set out [ot_exec $::our_cli --no-such-option]
        assert_equal "Unrecognized option or bad number of args for: '--no-such-option'" $out
        # The cluster manager exists now: its usage errors are Redis's.
        assert_equal [ot_exec $::deb_cli --cluster create] [ot_exec $::our_cli --cluster create]
    }

    test "redis-benchmark runs Redis 7.0's tests with its -q and --csv lines" {
        set out [exec $::our_bench {*}[tool_conn_args] -n 2000 -q \
                     -t ping,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,mset 2>@1]
        foreach t {PING_INLINE PING_MBULK SET GET INCR LPUSH RPUSH LPOP RPOP SADD
                   HSET SPOP ZADD ZPOPMIN "LPUSH (needed to benchmark LRANGE)"
                   "LRANGE_100 (first 100 elements)" "MSET (10 keys)"} {
            assert_match "*$t: * requests per second, p50=* msec*" $out
        }
        assert_no_match "*rror*" $out
        set ours [split [exec $::our_bench {*}[tool_conn_args] -n 500 --csv -t ping,set] "\n"]
        set theirs [split [exec $::deb_bench {*}[tool_conn_args] -n 500 --csv -t ping,set] "\n"]
        assert_equal [lindex $theirs 0] [lindex $ours 0]
        assert_equal [llength $theirs] [llength $ours]
        foreach line [lrange $ours 1 end] {
            assert_match {"*","*.*","*.*","*.*","*.*","*.*","*.*","*.*"} $line
        }
    }

    test "redis-benchmark full report has the sections of Redis 7.0's" {
        set out [exec $::our_bench {*}[tool_conn_args] -n 1000 -c 10 -t set 2>@1]
        foreach part {"====== SET ======" "1000 requests completed in"
                      "10 parallel clients" "3 bytes payload" "keep alive: 1"
                      "host configuration \"save\":" "host configuration \"appendonly\": no"
                      "multi-thread: no" "Latency by percentile distribution:"
                      "100.000% <= " "Cumulative distribution of latencies:"
                      "throughput summary: " "latency summary (msec):"
                      "avg       min       p50       p95       p99       max"} {
            assert_match "*$part*" $out
        }
    }

    test "redis-benchmark -r, -P, -k 0 and a command line" {
        r flushall
        exec $::our_bench {*}[tool_conn_args] -n 1000 -r 100 -P 10 -q -t set
        set n [r dbsize]
        assert {$n > 1 && $n <= 100}
        foreach k [r keys *] {assert_match {key:[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]} $k}
        r del mylist
        set out [exec $::our_bench {*}[tool_conn_args] -n 300 -c 5 -q rpush mylist x 2>@1]
        assert_match "*rpush mylist x: * requests per second*" $out
        assert_equal 300 [r llen mylist]
        # Without keep-alive every batch is a new connection (over TLS, a
        # new handshake).
        set before [s total_connections_received]
        set out [exec $::our_bench {*}[tool_conn_args] -n 200 -c 4 -k 0 -q -t ping_mbulk 2>@1]
        assert_match "*PING_MBULK: * requests per second*" $out
        assert {[s total_connections_received] - $before >= 200}
    }

    test "redis-benchmark -k 0 makes full TLS handshakes; --tls-resume resumes them" {
        if {!$::tls} {
            # Plain mode: the option is accepted and changes nothing.
            set out [exec $::our_bench {*}[tool_conn_args] -n 50 -c 2 -k 0 -q -t ping_mbulk --tls-resume 2>@1]
            assert_match "*PING_MBULK: * requests per second*" $out
        } else {
            set before [s tls_sessions_resumed]
            exec $::our_bench {*}[tool_conn_args] -n 100 -c 2 -k 0 -q -t ping_mbulk 2>@1
            assert_equal $before [s tls_sessions_resumed]
            exec $::our_bench {*}[tool_conn_args] -n 100 -c 2 -k 0 -q -t ping_mbulk --tls-resume 2>@1
            # All but the first connection of each client may resume.
            assert {[s tls_sessions_resumed] - $before >= 50}
        }
    }

    test "redis-cli --insecure connects to a server its CA cannot verify, as Redis 7.0's does" {
        set other [file join $::tls_dir other-ca.crt]
        if {!$::tls || ![file exists $other]} {
            # Without TLS the option has nothing to skip.
            assert_equal PONG [ot_exec $::our_cli -p [srv 0 port] ping]
        } else {
            set args [list -p [srv 0 port] --tls --cacert $other \
                          --cert [file join $::tls_dir client.crt] \
                          --key [file join $::tls_dir client.key]]
            assert_equal PONG [ot_exec $::our_cli {*}$args --insecure ping]
            assert_equal PONG [ot_exec $::deb_cli {*}$args --insecure ping]
            # Without a CA at all.
            assert_equal PONG [ot_exec $::our_cli -p [srv 0 port] --tls --insecure \
                                   --cert [file join $::tls_dir client.crt] \
                                   --key [file join $::tls_dir client.key] ping]
        }
    }
}
