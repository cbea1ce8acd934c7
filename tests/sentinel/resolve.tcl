# Sentinel resolves host names without blocking its event loop, and keeps
# the answers for a while.  The sentinel runs in its own mount namespace
# whose /etc/resolv.conf names a DNS server of the test on a loopback
# address (tests/helpers/gated_dns.py); each answer waits until the test
# releases it, so "the loop serves others while a lookup runs" is checked
# without any timing.  Needs root (unshare -m); skipped otherwise.
source [file join $::tests_dir helpers sentinel.tcl]

proc ::dns_release {dir name} {
    close [open [file join $dir release-$name] w]
}

proc ::dns_queries {dir name} {
    set path [file join $dir queries.log]
    if {![file exists $path]} {return 0}
    return [regexp -all -line "^1 [string map {. \\.} $name]\$" [::file_content $path]]
}

if {[catch {exec unshare -m true} err]} {
    puts "skipped sentinel/resolve: unshare -m not permitted ($err)"
    return
}

set mport [::next_port]
set sport [::next_port]
set dnsdir [file join [::sentinel_dir] dns]
file mkdir $dnsdir
# A loopback address of our own for port 53, picked from our port range.
set dnsaddr "127.[expr {($sport >> 8) & 255}].[expr {$sport & 255}].53"

try {
    set dnspid [exec /usr/bin/python3 [file join $::tests_dir helpers gated_dns.py] \
                    $dnsaddr $dnsdir > [file join $dnsdir dns.out] 2>@1 &]
    ::report server-pid $dnspid
    wait_for_condition 200 50 {
        [file exists [file join $dnsdir dns.ready]]
    } else {fail "the test DNS server did not start: [::file_content [file join $dnsdir dns.out]]"}
    set rc [file join $dnsdir resolv.conf]
    set f [open $rc w]
    puts $f "nameserver $dnsaddr"
    puts $f "options timeout:30 attempts:1"
    close $f
    set wrapper [file join $dnsdir sentinel-in-ns.sh]
    set f [open $wrapper w]
    puts $f "#!/bin/sh"
    puts $f "exec unshare -m sh -c 'mount --bind \"\$0\" /etc/resolv.conf && exec \"\$@\"' $rc $::server_bin \"\$@\""
    close $f
    file attributes $wrapper -permissions 0755

    ::start_data_server master $mport
    set lines [::sentinel_listen_lines $sport]
    lappend lines "sentinel resolve-hostnames yes" \
        "sentinel monitor mymaster 127.0.0.1 $mport 1" \
        "sentinel down-after-milliseconds mymaster 1000"
    ::sentinel_spawn $wrapper s1 $sport $lines --sentinel
    set s [::sentinel_client $sport]
    set c2 [::sentinel_client $sport]

    test "SENTINEL MONITOR of a host name waits for the lookup; the loop serves others" {
        $c2 deferred 1
        $c2 sentinel monitor named m1.ok.test $mport 1
        wait_for_condition 200 50 {
            [::dns_queries $dnsdir m1.ok.test] >= 1
        } else {fail "the sentinel never asked the DNS server"}
        # The lookup is held: the sentinel still answers everyone else.
        for {set i 0} {$i < 5} {incr i} {
            assert_equal PONG [$s ping]
            assert_equal mymaster [::field [$s sentinel master mymaster] name]
        }
        assert_match "*blocked_clients:1*" [$s info clients]
        assert_error "*No such master*" {$s sentinel master named}
        ::dns_release $dnsdir m1.ok.test
        assert_equal OK [$c2 read]
        $c2 deferred 0
        set m [$s sentinel master named]
        assert_equal 127.0.0.1 [::field $m ip]
        assert_equal $mport [::field $m port]
        assert_match "*blocked_clients:0*" [$s info clients]
        # It really monitors: the master answers its PINGs.
        wait_for_condition 200 50 {
            [::field [$s sentinel master named] last-ok-ping-reply] < 1500 &&
            [::field [$s sentinel master named] role-reported] eq "master"
        } else {fail "the named master is not monitored"}
    }

    test "An answer is kept: a second MONITOR of the same name asks no one" {
        # Hold every answer about the name again: a MONITOR that needed a
        # lookup would stay blocked. (Counting queries is not enough: a
        # refresh may run in the background at any time.)
        file delete [file join $dnsdir release-m1.ok.test]
        $c2 deferred 1
        $c2 sentinel monitor named2 m1.ok.test $mport 1
        wait_for_condition 100 50 {
            ![catch {$s sentinel master named2} m] && [::field $m name] eq "named2"
        } else {fail "the second MONITOR waited for a lookup"}
        assert_equal OK [$c2 read]
        $c2 deferred 0
        assert_match "*blocked_clients:0*" [$s info clients]
        ::dns_release $dnsdir m1.ok.test
        assert_equal OK [$s sentinel remove named2]
    }

    test "A name that does not resolve gets Redis's error once the lookup fails" {
        $c2 deferred 1
        $c2 sentinel monitor badname m2.bad.test $mport 1
        wait_for_condition 200 50 {
            [::dns_queries $dnsdir m2.bad.test] >= 1
        } else {fail "the sentinel never asked the DNS server"}
        assert_equal PONG [$s ping]
        ::dns_release $dnsdir m2.bad.test
        catch {$c2 read} e
        assert_match "*Invalid IP address or hostname specified*" $e
        $c2 deferred 0
        assert_equal PONG [$c2 ping]
        wait_for_condition 100 50 {
            [string match "*Can't resolve instance hostname m2.bad.test*" \
                 [::file_content [dict get [lindex $::sentinel_procs end] log]]]
        } else {fail "the failed lookup was not logged"}
    }

    test "A client that leaves while its MONITOR waits for a lookup" {
        set c3 [::sentinel_client $sport]
        $c3 deferred 1
        $c3 sentinel monitor gone m3.ok.test $mport 1
        wait_for_condition 200 50 {
            [::dns_queries $dnsdir m3.ok.test] >= 1
        } else {fail "the sentinel never asked the DNS server"}
        $c3 close
        wait_for_condition 100 50 {
            [string match "*blocked_clients:0*" [$s info clients]]
        } else {fail "the blocked client was not released"}
        ::dns_release $dnsdir m3.ok.test
        assert_equal PONG [$s ping]
        assert_error "*No such master*" {$s sentinel master gone}
    }

    test "A hello naming a sentinel by host name does not block; it is learnt once resolved" {
        set id [string repeat a 40]
        set hello "s4.ok.test,26999,$id,0,mymaster,127.0.0.1,$mport,0"
        assert_equal 1 [$s publish __sentinel__:hello $hello]
        wait_for_condition 200 50 {
            [::dns_queries $dnsdir s4.ok.test] >= 1
        } else {fail "the sentinel never asked the DNS server"}
        assert_equal PONG [$s ping]
        assert_equal 0 [::field [$s sentinel master mymaster] num-other-sentinels]
        ::dns_release $dnsdir s4.ok.test
        # The next hello (every 2 s from a real sentinel) finds the answer.
        wait_for_condition 200 50 {
            [$s publish __sentinel__:hello $hello] == 1 &&
            [::field [$s sentinel master mymaster] num-other-sentinels] == 1
        } else {fail "the sentinel named by host name was not learnt"}
        set other [lindex [$s sentinel sentinels mymaster] 0]
        assert_equal $id [::field $other runid]
        assert_equal 127.0.0.1 [::field $other ip]
    }
} finally {
    foreach c {s c2} {if {[info exists $c]} {catch {[set $c] close}}}
    ::sentinel_cleanup
    if {[info exists dnspid]} {catch {::kill_server_process $dnspid}}
}
