# scripting-debugger.tcl -- the Lua scripts debugger: SCRIPT DEBUG
# YES|SYNC|NO, a session driven with raw RESP (step, print, break, list,
# eval, redis, trace, maxlen, help, abort), redis.debug() and
# redis.breakpoint() inside and outside a session, the rollback of a YES
# session (a forked child owns the connection) and the kept changes of a
# SYNC one, a client leaving mid-session, and redis-cli --ldb. The texts are
# Redis 7.0's ("Debugging Lua scripts in Redis" and a running Redis 7.0).
# The suite runs every file over TLS too (--tls): there the child speaks
# TLS on the connection the parent gave up without a close_notify.

set ::ldb_script "local a = 1\nredis.call('set',KEYS\[1\],ARGV\[1\])\nlocal t = {1,'x',{2}}\nredis.debug('dbg',a,t)\nredis.breakpoint()\nreturn redis.call('get',KEYS\[1\])\n"

# Starts a session of <mode> (yes or sync) on a new deferring client;
# returns {client first-output}.
proc ldb_start {mode {script ""}} {
    if {$script eq ""} {set script $::ldb_script}
    set rd [redis_deferring_client]
    $rd script debug $mode
    assert_equal OK [$rd read]
    $rd eval $script 1 ldbkey v1
    return [list $rd [$rd read]]
}

# Sends a debugger command; returns its output lines.
proc ldb_cmd {rd args} {
    $rd {*}$args
    return [$rd read]
}

start_server {tags {scripting}} {
    test "SCRIPT DEBUG: bad mode, arity, and refused inside MULTI" {
        assert_error {*Use SCRIPT DEBUG YES/SYNC/NO*} {r script debug maybe}
        assert_error {*wrong number of arguments*} {r script debug}
        assert_equal OK [r script debug no]
        r multi
        r script debug yes
        set res [r exec]
        assert_match {*SCRIPT DEBUG must be called outside a pipeline*} [lindex $res 0]
        # The client is not in debug mode: EVAL just runs.
        assert_equal 1 [r eval {return 1} 0]
    }

    test "redis.breakpoint() and redis.debug() are no-ops outside a session" {
        assert_equal {0 1} [r eval {local b = redis.breakpoint(); redis.debug('x', {1}); if b then return {1,1} end return {0,1}} 0]
    }

    test "EVALSHA refused in debug mode; EVAL inside EXEC starts the session" {
        set sha [r script load {return 1}]
        set rd [redis_deferring_client]
        $rd script debug yes
        assert_equal OK [$rd read]
        $rd evalsha $sha 0
        catch {$rd read} e
        assert_match {*Please use EVAL instead of EVALSHA for debugging*} $e
        $rd multi
        assert_equal OK [$rd read]
        $rd eval {return 2} 0
        assert_equal QUEUED [$rd read]
        $rd exec
        assert_equal {{* Stopped at 1, stop reason = step over} {-> 1   return 2}} [$rd read]
        $rd c
        # EXEC's array comes after the session, holding the script's reply.
        assert_equal {<endsession>} [$rd read]
        assert_equal {2} [$rd read]
        $rd close
        assert_equal PONG [r ping]
    }

    test "SCRIPT DEBUG NO after YES: the next EVAL runs normally" {
        set rd [redis_deferring_client]
        $rd script debug yes
        assert_equal OK [$rd read]
        $rd script debug no
        assert_equal OK [$rd read]
        $rd eval {return 7} 0
        assert_equal 7 [$rd read]
        $rd close
    }

    test "SCRIPT DEBUG YES: step, print, list, break, eval, redis, trace, maxlen, help" {
        r del ldbkey
        lassign [ldb_start yes] rd first
        assert_equal [list {* Stopped at 1, stop reason = step over} {-> 1   local a = 1}] $first
        assert_equal [list {* Stopped at 2, stop reason = step over} "-> 2   redis.call('set',KEYS\[1\],ARGV\[1\])"] [ldb_cmd $rd s]
        assert_equal [list {<redis> set ldbkey v1} {<reply> "+OK"} {* Stopped at 3, stop reason = step over} "-> 3   local t = {1,'x',{2}}"] [ldb_cmd $rd n]
        assert_equal {{<value> a = 1}} [ldb_cmd $rd p]
        assert_equal {{<value> 1}} [ldb_cmd $rd p a]
        assert_equal {{<value> {"ldbkey"}}} [ldb_cmd $rd p KEYS]
        assert_equal {{No such variable.}} [ldb_cmd $rd p nosuch]
        set l [ldb_cmd $rd l]
        assert_equal 6 [llength $l]
        assert_equal "-> 3   local t = {1,'x',{2}}" [lindex $l 2]
        assert_equal 3 [llength [ldb_cmd $rd l 3 1]]
        assert_equal 6 [llength [ldb_cmd $rd w]]
        assert_equal {{No breakpoints set. Use 'b <line>' to add one.}} [ldb_cmd $rd b]
        assert_equal [list {   5   redis.breakpoint()} "  #6   return redis.call('get',KEYS\[1\])"] [ldb_cmd $rd b 6]
        assert_equal {{Breakpoint removed.}} [ldb_cmd $rd b -6]
        assert_equal {{No breakpoint in the specified line.}} [ldb_cmd $rd b -6]
        assert_equal {{Wrong line number.}} [ldb_cmd $rd b 99]
        assert_equal {{All breakpoints removed.}} [ldb_cmd $rd b 0]
        assert_equal {{<retval> 2}} [ldb_cmd $rd e 1+1]
        assert_equal {{<retval> {["a"]=1}}} [ldb_cmd $rd e {return {a=1}}]
        assert_equal {{<error> ldb_eval:1: x}} [ldb_cmd $rd e error('x')]
        assert_equal {{<redis> get ldbkey} {<reply> "v1"}} [ldb_cmd $rd r get ldbkey]
        assert_equal {{<redis> nosuch} {<error> Unknown Redis command called from script}} [ldb_cmd $rd redis nosuch]
        assert_equal [list {In top level:} "-> 3   local t = {1,'x',{2}}"] [ldb_cmd $rd t]
        assert_equal {{<value> replies are truncated at 60 bytes.}} [ldb_cmd $rd maxlen 10]
        assert_equal {{<value> replies are unlimited.}} [ldb_cmd $rd maxlen 0]
        set h [ldb_cmd $rd h]
        assert_equal 30 [llength $h]
        assert_equal {Redis Lua debugger help:} [lindex $h 0]
        assert_equal {{<error> Unknown Redis Lua debugger command or wrong number of arguments.}} [ldb_cmd $rd zzz]
        # continue: redis.debug() logs, redis.breakpoint() stops.
        assert_equal [list {<debug> line 4: "dbg", 1, {1; "x"; {2}}} {* Stopped at 6, stop reason = redis.breakpoint() called} "-> 6   return redis.call('get',KEYS\[1\])"] [ldb_cmd $rd c]
        # The end: <endsession>, the script's reply, the connection closed.
        assert_equal {<endsession>} [ldb_cmd $rd c]
        assert_equal v1 [$rd read]
        wait_for_condition 100 20 {[$rd eof]} else {fail "the session's connection stayed open"}
        $rd close
        # The child's write is gone with it.
        assert_equal 0 [r exists ldbkey]
        assert_equal PONG [r ping]
    }

    test "SCRIPT DEBUG YES: breakpoints stop 'continue'; abort ends with Redis's error" {
        r del ldbkey
        lassign [ldb_start yes] rd first
        ldb_cmd $rd b 3
        assert_equal [list {* Stopped at 3, stop reason = break point} "->#3   local t = {1,'x',{2}}"] [ldb_cmd $rd c]
        assert_equal {<endsession>} [ldb_cmd $rd a]
        catch {$rd read} e
        assert_match {*script aborted for user request script: *, on @user_script:3.*} $e
        $rd close
        assert_equal 0 [r exists ldbkey]
    }

    test "SCRIPT DEBUG SYNC: the server runs the session and keeps the changes" {
        r del ldbkey
        lassign [ldb_start sync] rd first
        assert_equal {* Stopped at 1, stop reason = step over} [lindex $first 0]
        ldb_cmd $rd c
        assert_equal {<endsession>} [ldb_cmd $rd c]
        assert_equal v1 [$rd read]
        wait_for_condition 100 20 {[$rd eof]} else {fail "the session's connection stayed open"}
        $rd close
        assert_equal v1 [r get ldbkey]
        assert_equal PONG [r ping]
    }

    test "SCRIPT DEBUG SYNC: abort keeps what the script wrote so far" {
        r del ldbkey
        lassign [ldb_start sync] rd first
        ldb_cmd $rd s
        ldb_cmd $rd s
        assert_equal {<endsession>} [ldb_cmd $rd a]
        catch {$rd read} e
        assert_match {*script aborted for user request*@user_script:3.*} $e
        $rd close
        assert_equal v1 [r get ldbkey]
    }

    test "A client leaving mid-session: the script runs to its end, the server stays healthy" {
        foreach mode {yes sync} {
            r del ldbkey
            lassign [ldb_start $mode] rd first
            assert_match {*Stopped at 1*} $first
            $rd close
            # SYNC: the script went on unobserved (Redis does the same);
            # YES: the child's changes vanish with it.
            if {$mode eq "sync"} {
                wait_for_condition 100 20 {[r get ldbkey] eq "v1"} else {fail "the script did not finish"}
            } else {
                assert_equal PONG [r ping]
                assert_equal 0 [r exists ldbkey]
            }
            assert_equal 3 [r eval {return 3} 0]
        }
        # Garbage instead of RESP arrays ends the session the same way.
        lassign [ldb_start yes] rd first
        set fd [$rd channel]
        puts -nonewline $fd "this is not resp\r\n"
        flush $fd
        wait_for_condition 100 20 {[$rd eof]} else {fail "the session survived garbage"}
        $rd close
        assert_equal PONG [r ping]
    }

    test "Several YES sessions at once, each in its own child" {
        r del ldbkey
        lassign [ldb_start yes] rd1 f1
        lassign [ldb_start yes] rd2 f2
        assert_equal {{No local variables in the current context.}} [ldb_cmd $rd2 p]
        assert_equal {{<retval> 5}} [ldb_cmd $rd1 e 5]
        assert_equal PONG [r ping]
        $rd1 close
        $rd2 close
        assert_equal 0 [r exists ldbkey]
    }

    test "redis-cli --ldb and --ldb-sync-mode against this server" {
        set f [file join $::tmp_root "ldb-[pid].lua"]
        set fd [open $f w]
        puts -nonewline $fd "local a = 1\nredis.call('set',KEYS\[1\],ARGV\[1\])\nredis.debug('hi', a)\nreturn {1,'two',redis.call('get',KEYS\[1\])}\n"
        close $fd
        set cli [list [file join $::tests_dir .. src redis-cli] -h [srv 0 host] -p [srv 0 port]]
        if {$::tls} {
            lappend cli --tls --cacert [file join $::tls_dir ca.crt] \
                --cert [file join $::tls_dir client.crt] \
                --key [file join $::tls_dir client.key]
        }
        r del ldbkey
        catch {exec {*}$cli --ldb --eval $f ldbkey , v5 << "s\np\nc\n" 2>@1} out
        assert_match "*Lua debugging session started, please use:*Stopped at 1, stop reason = step over*<value> a = 1*<debug> line 3: \"hi\", 1*3) \"v5\"*(Lua debugging session ended -- dataset changes rolled back)*" $out
        assert_equal 0 [r exists ldbkey]
        catch {exec {*}$cli --ldb-sync-mode --eval $f ldbkey , v6 << "c\nget ldbkey\n" 2>@1} out
        assert_match "*3) \"v6\"*(Lua debugging session ended)*v6*" $out
        assert_equal v6 [r get ldbkey]
        file delete $f
    }

    test "SHUTDOWN ends the children of YES sessions: their clients see the close" {
        lassign [ldb_start yes] rd first
        assert_match {*Stopped at 1*} $first
        catch {r shutdown nosave}
        wait_for_condition 200 20 {
            ![::process_alive [srv 0 pid]]
        } else {
            fail "server still running after SHUTDOWN NOSAVE"
        }
        wait_for_condition 200 20 {[catch {$rd eof} e] || $e} else {
            fail "the debugging session outlived the server"
        }
        catch {$rd close}
    }
}
