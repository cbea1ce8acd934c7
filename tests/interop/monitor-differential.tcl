# monitor-differential.tcl -- MONITOR and the slow log side by side with
# Debian's Redis 7.0: which commands they show, when (a script before the
# commands it runs, EXEC after the ones it ran, a blocking command in the
# slow log once served), in which database, with which arguments (as
# received, not as rewritten for propagation; passwords of AUTH, HELLO,
# MIGRATE, CONFIG SET and ACL SETUSER redacted). The one deliberate
# difference: an AUTH with a syntax error is redacted too.
# tests/helpers/monitor_differential.py runs the commands on both servers
# (plain TCP: nothing here depends on the transport).

source [file join $::tests_dir helpers reference.tcl]

test "MONITOR and SLOWLOG show commands as Redis 7.0 does, secrets redacted" {
    set script [file join $::tests_dir helpers monitor_differential.py]
    set out [exec /usr/bin/python3 $script $::server_bin $::refsrv_bin \
                 [::next_port] [::next_port] 2>@1]
    assert_match "*\ndiffs 0" $out
    assert_no_match "*LEAK*" $out
    assert_match "*SAME monitor*" $out
    assert_match "*SAME slowlog*" $out
    assert_match {*monitor: \[0 lua\] "set" "a" "1"*} $out
    assert_match "*slowlog: BLMOVE src dst LEFT RIGHT 0 name=*" $out
}
