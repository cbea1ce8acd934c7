# ldb-differential.tcl -- the Lua debugger of the server under test and of
# Debian's Redis 7.0 given the same sessions: every reply (the debugger's
# lines, <endsession>, the script's reply, the end of the connection) must
# be the same, and so must the data left behind (YES rolls back, SYNC
# keeps). Debian's server runs plain; ours as the suite runs (plain or TLS).

# Starts Debian's redis-server on a free port; returns {pid port}.
proc ldbd_ref_start {dir} {
    set port [::next_port]
    set pid [exec /usr/bin/redis-server --port $port --bind 127.0.0.1 \
                 --dir $dir --save "" --appendonly no \
                 --logfile [file join $dir ldbd-$port.log] > /dev/null 2>@1 &]
    wait_for_condition 500 20 {
        [catch {exec /usr/bin/redis-cli -p $port ping} r] == 0 && $r eq "PONG"
    } else {
        catch {exec kill -KILL $pid}
        fail "Debian's redis-server did not start"
    }
    return [list $pid $port]
}

# Runs one session on client <c>: SCRIPT DEBUG <mode>, EVAL <script> with
# <evalargs>, then each of <cmds> (a list of argument lists). Returns every
# reply (errors as "ERR: text"), and "EOF" once the connection is closed.
proc ldbd_session {c mode script evalargs cmds} {
    set out {}
    $c script debug $mode
    lappend out [$c read]
    $c eval $script {*}$evalargs
    lappend out [ldbd_read $c]
    set ended 0
    foreach cmd $cmds {
        $c {*}$cmd
        set r [ldbd_read $c]
        lappend out $r
        if {[lindex $r end] eq "<endsession>"} {
            lappend out [ldbd_read $c]
            set ended 1
            break
        }
    }
    if {$ended} {
        wait_for_condition 100 20 {[$c eof]} else {fail "session left open ($mode)"}
        lappend out EOF
    } else {
        # Out of commands while stopped: leaving lets the script finish.
        lappend out OPEN
    }
    $c close
    # Addresses of Lua functions differ between two processes.
    regsub -all {0x[0-9a-f]+} $out 0xADDR out
    return $out
}

proc ldbd_read {c} {
    if {[catch {$c read} r]} {return "ERR: $r"}
    return $r
}

start_server {tags {scripting interop}} {
    set dir [file join $::tmp_root "ldbd-[pid]"]
    file mkdir $dir
    lassign [ldbd_ref_start $dir] refpid refport

    set scripts [list \
        "local a = 1\nredis.call('set',KEYS\[1\],ARGV\[1\])\nlocal t = {1,'x',{2},{k=true}}\nredis.debug('dbg',a,t,nil,1.5)\nredis.breakpoint()\nreturn redis.call('get',KEYS\[1\])\n" \
        "local function f(x)\n  local y = x * 2\n  redis.breakpoint()\n  return y\nend\nlocal z = f(3)\nfor i=1,2 do z = z + i end\nreturn {z, redis.pcall('incr', KEYS\[1\])}\n" \
        "local big = string.rep('x', 100)\nredis.call('set',KEYS\[1\],big)\nreturn redis.call('strlen',KEYS\[1\])\n"]
    set sessions [list \
        {s n p {p a} {p KEYS} {p ARGV} {p nosuch} l {l 3 1} {l 0} w b {b 6} {b -6} {b -6} {b 99} {b 0} {b x} t e {e 1+1} {e {return {a=1}}} {e error('x')} {e return print} {r get k1} {redis ping} {r nosuch} {r set} r maxlen {maxlen 10} {maxlen 0} h zzz c c} \
        {c t p s s s p {p i} t {e return z} c} \
        {{maxlen 60} s s p {r mget k1 k1 k1} {e return big} {b 3} c} \
        {s s a} \
        {{b 2} c c} \
        {c}]
    foreach mode {yes sync} {
        foreach script $scripts {
            foreach cmds $sessions {
                test "Debugger session like Redis 7.0's ($mode): [string range [list $cmds] 0 40]" {
                    r del k1
                    exec /usr/bin/redis-cli -p $refport del k1
                    set ours [ldbd_session [redis_deferring_client] $mode $script {1 k1 v1} $cmds]
                    set theirs [ldbd_session [redis_client -notls -deferred 127.0.0.1 $refport] $mode $script {1 k1 v1} $cmds]
                    # A SYNC session left open finishes once its client left.
                    wait_for_condition 100 20 {[catch {r ping} p] == 0 && $p eq "PONG"} else {fail "server blocked"}
                    wait_for_condition 100 20 {
                        [catch {exec /usr/bin/redis-cli -p $refport ping} p] == 0 && $p eq "PONG"
                    } else {fail "Redis 7.0 blocked"}
                    assert_equal $theirs $ours
                    assert_equal [exec /usr/bin/redis-cli -p $refport get k1] [r get k1]
                }
            }
        }
    }

    ::kill_server_process $refpid
    file delete -force $dir
}
