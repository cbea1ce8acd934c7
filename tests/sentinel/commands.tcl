# Sentinel's command surface against Redis 7.0's (Debian's redis-sentinel
# answers the same way): the command table, SENTINEL DEBUG, HELLO, ACL,
# refused commands; plain or TLS-only with mutual TLS (--tls).
source [file join $::tests_dir helpers sentinel.tcl]

set mport [::next_port]
set sport [::next_port]

try {
    ::start_data_server master $mport
    ::start_sentinel s1 $sport mymaster $mport 1
    set s [::sentinel_client $sport]

    test "COMMAND lists Redis 7.0 Sentinel's commands and no others" {
        set names {}
        foreach n [$s command list] {lappend names [string tolower $n]}
        set names [lsort $names]
        # Redis 7.0's Sentinel: these top-level commands, no QUIT or RESET.
        foreach want {auth client command hello info ping psubscribe publish
                      punsubscribe role sentinel shutdown subscribe unsubscribe} {
            assert {[lsearch -exact $names $want] >= 0}
        }
        foreach refused {get set quit reset config select multi ssubscribe spublish} {
            assert {[lsearch -exact $names $refused] < 0}
        }
        set subs {}
        foreach n $names {if {[string match "sentinel|*" $n]} {lappend subs $n}}
        assert_equal [lsort {sentinel|ckquorum sentinel|config sentinel|debug
            sentinel|failover sentinel|flushconfig sentinel|get-master-addr-by-name
            sentinel|help sentinel|info-cache sentinel|is-master-down-by-addr
            sentinel|master sentinel|masters sentinel|monitor sentinel|myid
            sentinel|pending-scripts sentinel|remove sentinel|replicas
            sentinel|reset sentinel|sentinels sentinel|set
            sentinel|simulate-failure sentinel|slaves}] $subs
    }

    test "Commands outside Sentinel's table get Redis's unknown-command error" {
        assert_error "*unknown command 'quit', with args beginning with: *" {$s quit}
        assert_error "*unknown command 'reset', with args beginning with: *" {$s reset}
        assert_error "*unknown command 'config', with args beginning with: 'get' 'x'*" {$s config get x}
        assert_error "*unknown command 'ssubscribe'*" {$s ssubscribe ch}
        assert_equal PONG [$s ping]
    }

    test "SENTINEL DEBUG lists Redis 7.0's time parameters with their defaults" {
        set d [$s sentinel debug]
        assert_equal [list {*}{INFO-PERIOD 10000 PING-PERIOD 1000 ASK-PERIOD 1000
            PUBLISH-PERIOD 2000 DEFAULT-DOWN-AFTER 30000
            DEFAULT-FAILOVER-TIMEOUT 180000 TILT-TRIGGER 2000 TILT-PERIOD 30000
            SLAVE-RECONF-TIMEOUT 10000 MIN-LINK-RECONNECT-PERIOD 15000
            ELECTION-TIMEOUT 10000 SCRIPT-MAX-RUNTIME 60000
            SCRIPT-RETRY-DELAY 30000}] $d
    }

    test "SENTINEL DEBUG sets parameters (any case) and rejects bad input" {
        assert_equal OK [$s sentinel debug info-period 700 PUBLISH-PERIOD 1500]
        set d [$s sentinel debug]
        assert_equal 700 [dict get $d INFO-PERIOD]
        assert_equal 1500 [dict get $d PUBLISH-PERIOD]
        assert_error "*Invalid argument 'abc' for SENTINEL DEBUG 'info-period'*" \
            {$s sentinel debug info-period abc}
        assert_error "*Invalid argument '0' for SENTINEL DEBUG 'ping-period'*" \
            {$s sentinel debug ping-period 0}
        assert_error "*Invalid argument '-5' for SENTINEL DEBUG 'ping-period'*" \
            {$s sentinel debug ping-period -5}
        assert_error "*Unknown option or number of arguments for SENTINEL DEBUG 'nosuch'*" \
            {$s sentinel debug nosuch 1}
        assert_error "*Unknown option or number of arguments for SENTINEL DEBUG 'tilt-period'*" \
            {$s sentinel debug tilt-period}
        assert_equal 1000 [dict get [$s sentinel debug] PING-PERIOD]
    }

    test "SENTINEL DEBUG INFO-PERIOD drives how often INFO is sent" {
        # With INFO every 700 ms the cached INFO never gets older than a
        # couple of periods; at the 10 s default it would.
        wait_for_condition 100 50 {
            [lindex [dict get [$s sentinel info-cache mymaster] mymaster] 0 1] ne ""
        } else {fail "no INFO cached"}
        set ages {}
        for {set i 0} {$i < 8} {incr i} {
            lappend ages [lindex [dict get [$s sentinel info-cache mymaster] mymaster] 0 0]
            after 300
        }
        assert {[tcl::mathfunc::max {*}$ages] < 2500}
        assert_equal OK [$s sentinel debug info-period 10000 publish-period 2000]
    }

    test "SENTINEL MONITOR and CONFIG errors have Redis 7.0's texts" {
        assert_error "ERR Duplicate master name." {$s sentinel monitor mymaster 127.0.0.1 1 1}
        assert_error "ERR Invalid port" {$s sentinel monitor m3 127.0.0.1 abc 1}
        assert_error "ERR Invalid quorum" {$s sentinel monitor m3 127.0.0.1 1 abc}
        assert_error "ERR Invalid port number." {$s sentinel monitor m3 127.0.0.1 -1 1}
        assert_error "ERR Invalid port number." {$s sentinel monitor m3 127.0.0.1 99999 1}
        assert_error "ERR Quorum must be 1 or greater." {$s sentinel monitor m3 127.0.0.1 1 0}
        # Host names are refused unless resolve-hostnames is on.
        assert_error "ERR Invalid IP address or hostname specified" \
            {$s sentinel monitor m3 localhost 1 1}
        set usage "ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported."
        assert_error $usage {$s sentinel config get}
        assert_error $usage {$s sentinel config foo x}
        assert_error $usage {$s sentinel config set announce-ip}
        assert_error "*wrong number of arguments for 'sentinel|config' command*" {$s sentinel config}
        assert_error "ERR Invalid value 'abc' to SENTINEL CONFIG SET 'announce-port'" \
            {$s sentinel config set announce-port abc}
        assert_error "ERR Invalid value '70000' to SENTINEL CONFIG SET 'announce-port'" \
            {$s sentinel config set announce-port 70000}
        assert_error "ERR Invalid value 'maybe' to SENTINEL CONFIG SET 'resolve-hostnames'" \
            {$s sentinel config set resolve-hostnames maybe}
        assert_error "ERR Invalid argument 'nosuch' to SENTINEL CONFIG SET" \
            {$s sentinel config set nosuch 1}
        assert_equal 1 [llength [$s sentinel masters]]
    }

    test "An unreachable master: last-ping-sent counts the wait, as Redis 7.0" {
        set dead [::next_port]
        assert_equal OK [$s sentinel monitor dead 127.0.0.1 $dead 1]
        assert_equal OK [$s sentinel set dead down-after-milliseconds 500]
        wait_for_condition 200 50 {
            [string match "*s_down*" [::field [$s sentinel master dead] flags]]
        } else {fail "the unreachable master is not subjectively down"}
        set m [$s sentinel master dead]
        assert_match "*disconnected*" [::field $m flags]
        assert {[::field $m last-ping-sent] >= 500}
        assert {[::field $m s-down-time] >= 0}
        assert_equal OK [$s sentinel remove dead]
    }

    test "HELLO in sentinel mode: mode sentinel and no role, as Redis 7.0" {
        set h [$s hello 2]
        assert_equal sentinel [dict get $h mode]
        assert_equal 0 [dict exists $h role]
        assert_equal {server version proto id mode modules} [dict keys $h]
        assert_error "*NOPROTO*" {$s hello 4}
        set h [$s hello 3 setname sname]
        assert_equal 3 [dict get $h proto]
        assert_equal sname [$s client getname]
        $s hello 2
    }

    test "ACL in sentinel mode as the server serves it" {
        # The ACL command comes from the server's table; Sentinel keeps it.
        set plain [::sentinel_spawn $::server_bin plainsrv [set pport [::next_port]] \
                       [concat [::sentinel_listen_lines $pport] {{save ""}}]]
        set p [redis_client 127.0.0.1 $pport]
        set has_acl [expr {[lindex [$p command info acl] 0] ne ""}]
        $p close
        if {$has_acl} {
            assert_equal default [$s acl whoami]
            assert_equal OK [$s acl setuser sentuser on >pw +@all]
            assert {[lsearch [$s acl users] sentuser] >= 0}
            assert_equal 1 [$s acl deluser sentuser]
        } else {
            assert_error "*unknown command 'acl'*" {$s acl whoami}
        }
    }
} finally {
    if {[info exists s]} {catch {$s close}}
    ::sentinel_cleanup
}
