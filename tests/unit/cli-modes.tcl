# cli-modes.tcl -- redis-cli options of Redis 7.0's list that the other
# tool tests do not cover: --intrinsic-latency, --lru-test,
# --latency-history without a terminal,
# --memkeys-samples, --ldb refused by the server (a clear error), and
# --cluster help (the same text as Debian's).

set ::mcli [file join $::tests_dir .. src redis-cli]

source [file join $::tests_dir helpers tools.tcl]

start_server {} {
    test "redis-cli --intrinsic-latency <sec>: Redis's report, no server needed" {
        lassign [tool_run $::mcli -p 1 --intrinsic-latency 1] out status
        assert_equal 0 $status
        assert_match "Max latency so far: * microseconds.*" $out
        assert {[regexp {\n\d+ total runs \(avg latency: \d+\.\d{4} microseconds / \d+\.\d{2} nanoseconds per run\)\.\nWorst run took \d+x longer than the average latency\.$} $out]}
        lassign [tool_run $::mcli --intrinsic-latency 0] out status
        assert_equal 1 $status
        assert_match "*--intrinsic-latency needs*" $out
    }

    test "redis-cli --lru-test <keys>: per-second hit and miss lines, keys filled" {
        r flushall
        # The mode runs until stopped: timeout(1) ends it after 2.5 s.
        lassign [tool_run timeout 2.5 $::mcli {*}[tool_conn_args] --lru-test 500] out status
        assert_equal 124 $status
        set lines [split [string trim $out] "\n"]
        assert {[llength $lines] >= 1}
        foreach l $lines {
            assert {[regexp {^\d+ Gets/sec \| Hits: \d+ \(\d+\.\d\d%\) \| Misses: \d+ \(\d+\.\d\d%\)$} $l]}
        }
        assert_range [r dbsize] 1 500
        assert_match "lru:*" [r randomkey]
        lassign [tool_run $::mcli {*}[tool_conn_args] --lru-test 0] out status
        assert_equal 1 $status
        assert_match "*--lru-test needs*" $out
    }

    test "redis-cli --latency-history without a terminal: a line per sample, as Redis 7.0's" {
        set f [open "|$::mcli [tool_conn_args] --latency-history -i 60" r]
        set lines {}
        while {[llength $lines] < 3 && [gets $f line] >= 0} {lappend lines $line}
        exec kill [lindex [pid $f] 0]
        catch {close $f}
        set n 0
        foreach l $lines {
            incr n
            assert {[regexp {^\d+ \d+ \d+\.\d\d (\d+)$} $l -> count]}
            assert_equal $n $count
        }
    }

    test "redis-cli --ldb: SCRIPT DEBUG refused gives a clear error, no EVAL sent" {
        # A user who may not run SCRIPT DEBUG: the tool stops at the
        # server's error instead of running the script undebugged (Debian's
        # tool goes on; a clear error is our choice). The session itself is
        # checked against Redis 7.0 in interop/our-tools.
        set f [file join $::tmp_root "ldb.[pid].lua"]
        set fd [open $f w]
        puts $fd "redis.call('set', KEYS\[1\], 'ran')\nreturn 1"
        close $fd
        r acl setuser nodbg on >pw ~* +@all -script|debug
        r del ldbkey
        lassign [tool_run $::mcli {*}[tool_conn_args] --user nodbg --pass pw \
                     --no-auth-warning --ldb --eval $f ldbkey] out status
        assert_equal 1 $status
        assert_match "*NOPERM*script|debug*" $out
        assert_equal 0 [r exists ldbkey]
        r acl deluser nodbg
        file delete $f
    }

    test "redis-cli --memkeys-samples: bad values refused" {
        lassign [tool_run $::mcli {*}[tool_conn_args] --memkeys-samples -3] out status
        assert_equal 1 $status
        assert_match "*--memkeys-samples needs*" $out
        lassign [tool_run $::mcli {*}[tool_conn_args] --memkeys-samples x] out status
        assert_equal 1 $status
    }

    test "redis-cli --cluster help prints what Debian's prints" {
        lassign [tool_run $::mcli --cluster help] ours ostatus
        lassign [tool_run /usr/bin/redis-cli --cluster help] deb dstatus
        assert_equal $dstatus $ostatus
        assert_equal $deb $ours
    }
}

# MEMORY USAGE ... SAMPLES against Redis 7.0 (our server has no MEMORY
# command yet; plain only: Debian's server is started here without TLS).
if {!$::tls} {
    test "redis-cli --memkeys-samples sends SAMPLES <n> (against Redis 7.0)" {
        set dir [file join $::tmp_root "memkeys.[pid]"]
        file mkdir $dir
        set port [::next_port]
        set pid [exec /usr/bin/redis-server --port $port --bind 127.0.0.1 \
                     --save "" --dir $dir --logfile [file join $dir log] &]
        catch {
            wait_for_condition 100 50 {
                ![catch {exec $::mcli -p $port ping}]
            } else {
                fail "Redis 7.0 did not start"
            }
            # A hash table with values of very different sizes: sampling
            # 5 of them (the default) cannot give the exact figure that
            # SAMPLES 1000 (here: every field) gives.
            set script ""
            for {set i 1} {$i <= 300} {incr i} {
                append script "HSET h f$i [string repeat x [expr {$i * 7}]]\n"
            }
            exec $::mcli -p $port << $script
            set exact [exec $::mcli -p $port memory usage h samples 0]
            lassign [tool_run $::mcli -p $port --memkeys-samples 1000] out status
            assert_equal 0 $status $out
            assert {[regexp {Biggest +hash found '"?h"?' has (\d+) bytes} $out -> got]}
            assert_equal $exact $got
        } err
        catch {exec kill -9 $pid}
        file delete -force $dir
        if {$err ne ""} {error $err}
    }
}
