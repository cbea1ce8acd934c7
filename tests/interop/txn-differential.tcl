# txn-differential.tcl -- transactions and CLIENT PAUSE WRITE side by side
# with Debian's Redis 7.0: an EXEC answers for the state at EXEC time
# (maxmemory, min-replicas-to-write, read-only and stale replica), a
# command queued over maxmemory is refused, and a write pause holds what
# may reach the replication stream (writes, scripts, PUBLISH, PFCOUNT,
# writes queued in MULTI) but not reads. tests/helpers/txn_differential.py
# runs every step on both servers (plain TCP: nothing here depends on the
# transport) and reports each reply that differs.

source [file join $::tests_dir helpers reference.tcl]

test "Transactions and CLIENT PAUSE WRITE answer as Redis 7.0's" {
    set script [file join $::tests_dir helpers txn_differential.py]
    set out [exec /usr/bin/python3 $script $::server_bin $::refsrv_bin \
                 [::next_port] [::next_port] 2>@1]
    assert_match "*\ndiffs 0" $out
    assert_match "*SAME pause: EVAL: ('waited'*" $out
    assert_match "*SAME oom later: EXEC:*" $out
}
