# tracking.tcl -- client-side caching: CLIENT TRACKING (default, OPTIN,
# OPTOUT, BCAST with prefixes, NOLOOP, REDIRECT), CLIENT CACHING, CLIENT
# GETREDIR, CLIENT TRACKINGINFO, invalidation messages (RESP3 pushes, the
# __redis__:invalidate channel of a RESP2 redirection target,
# tracking-redir-broken, null on FLUSHALL/FLUSHDB), tracking-table-max-keys
# and the INFO fields. Expected replies were taken from Redis 7.0.15
# (Debian's redis-server); tests/interop/differential-tracking.tcl compares
# random sequences with it.

# A deferred RESP3 client; returns it.
proc trk_resp3_client {} {
    set c [redis_deferring_client]
    $c hello 3
    $c read
    return $c
}

# Sends <args> on deferred client <c> and returns the next reply read.
proc trk_call {c args} {
    $c {*}$args
    return [$c read]
}

# Asserts that nothing (no push) is waiting on <c> before a PING reply.
proc trk_assert_no_push {c} {
    $c ping
    assert_equal PONG [$c read]
}

# The INFO field <field> (any section).
proc trk_info {field} {
    if {[regexp "$field:(\\d+)" [r info everything] -> v]} {return $v}
    return ""
}

start_server {tags {tracking}} {
    test "CLIENT TRACKING on: a key read is invalidated once when another client writes it" {
        r flushall
        set c [trk_resp3_client]
        assert_equal OK [trk_call $c client tracking on]
        trk_call $c get a
        trk_call $c mget b c
        r set a 1
        assert_equal {invalidate a} [$c read]
        r mset b 1 c 2
        assert_equal {invalidate b} [$c read]
        assert_equal {invalidate c} [$c read]
        # Invalidated keys are forgotten until read again.
        r set a 2
        trk_assert_no_push $c
        trk_call $c get a
        r del a
        assert_equal {invalidate a} [$c read]
        $c close
    }

    test "The invalidation of the client's own write follows its reply" {
        set c [trk_resp3_client]
        trk_call $c client tracking on
        trk_call $c get k
        assert_equal OK [trk_call $c set k v]
        assert_equal {invalidate k} [$c read]
        # Inside MULTI/EXEC, after the whole EXEC reply.
        trk_call $c get k
        trk_call $c multi
        trk_call $c set k 1
        trk_call $c get k
        assert_equal {OK 1} [trk_call $c exec]
        assert_equal {invalidate k} [$c read]
        $c close
    }

    test "Keys are tracked by name whatever the database" {
        set c [trk_resp3_client]
        trk_call $c client tracking on
        trk_call $c get samename
        r select 9
        r set samename x
        r select 0
        assert_equal {invalidate samename} [$c read]
        $c close
    }

    test "NOLOOP: no invalidation for the client's own writes" {
        set c [trk_resp3_client]
        trk_call $c client tracking on noloop
        trk_call $c get n1
        trk_call $c set n1 x
        trk_assert_no_push $c
        trk_call $c get n1
        r set n1 y
        assert_equal {invalidate n1} [$c read]
        $c close
    }

    test "OPTIN: only the command after CLIENT CACHING yes is tracked" {
        set c [trk_resp3_client]
        trk_call $c client tracking on optin
        trk_call $c get o1
        r set o1 x
        trk_assert_no_push $c
        assert_equal OK [trk_call $c client caching yes]
        assert_match {*caching-yes*} [trk_call $c client trackinginfo]
        trk_call $c get o1
        r set o1 y
        assert_equal {invalidate o1} [$c read]
        # CACHING lasts one command: the PING uses it up.
        trk_call $c client caching yes
        trk_call $c ping
        trk_call $c get o1
        r set o1 z
        trk_assert_no_push $c
        # ... or one transaction.
        trk_call $c client caching yes
        trk_call $c multi
        trk_call $c get o1
        trk_call $c get o2
        trk_call $c exec
        r mset o1 a o2 b
        assert_equal {invalidate o1} [$c read]
        assert_equal {invalidate o2} [$c read]
        $c close
    }

    test "OPTOUT: CLIENT CACHING no leaves the next command untracked" {
        set c [trk_resp3_client]
        trk_call $c client tracking on optout
        assert_equal OK [trk_call $c client caching no]
        trk_call $c get p1
        r set p1 x
        trk_assert_no_push $c
        trk_call $c get p1
        r set p1 y
        assert_equal {invalidate p1} [$c read]
        $c close
    }

    test "BCAST: keys changed under the prefixes, one message per prefix and loop turn" {
        set c [trk_resp3_client]
        assert_equal OK [trk_call $c client tracking on bcast prefix user: prefix obj:]
        r multi
        r set user:2 a
        r set user:1 b
        r set other x
        r set obj:9 c
        r exec
        set msgs [list [$c read] [$c read]]
        assert_equal [lsort $msgs] [lsort {{invalidate {user:1 user:2}} {invalidate obj:9}}]
        trk_assert_no_push $c
        assert_equal 2 [trk_info tracking_total_prefixes]
        $c close
        wait_for_condition 100 20 {[trk_info tracking_total_prefixes] == 0} else {
            fail "prefixes of a gone client are kept"
        }
    }

    test "BCAST without prefixes covers every key; NOLOOP leaves out the client's own" {
        set c [trk_resp3_client]
        trk_call $c client tracking on bcast noloop
        r set x1 1
        assert_equal {invalidate x1} [$c read]
        assert_equal OK [trk_call $c set x2 1]
        trk_assert_no_push $c
        $c close
    }

    test "REDIRECT to a RESP2 client: messages on __redis__:invalidate" {
        set sub [redis_deferring_client]
        $sub client id
        set subid [$sub read]
        $sub subscribe __redis__:invalidate
        $sub read
        set c [redis_deferring_client]
        assert_equal OK [trk_call $c client tracking on redirect $subid]
        assert_equal $subid [trk_call $c client getredir]
        trk_call $c get r1
        r set r1 x
        assert_equal {message __redis__:invalidate r1} [$sub read]
        r flushall
        assert_equal {message __redis__:invalidate {}} [$sub read]
        $c close
        $sub close
    }

    test "REDIRECT to a RESP3 client gets pushes; a RESP2 client without redirection gets nothing" {
        set target [trk_resp3_client]
        set tid [trk_call $target client id]
        set c [redis_deferring_client]
        trk_call $c client tracking on redirect $tid
        trk_call $c get r2
        r set r2 x
        assert_equal {invalidate r2} [$target read]
        set c2 [redis_deferring_client]
        trk_call $c2 client tracking on
        trk_call $c2 get r3
        r set r3 x
        assert_equal PONG [trk_call $c2 ping]
        $c close
        $c2 close
        $target close
    }

    test "The redirection target going away: tracking-redir-broken and the broken_redirect flag" {
        set target [redis_new_client]
        set tid [$target client id]
        set c [trk_resp3_client]
        trk_call $c client tracking on redirect $tid
        trk_call $c get rb
        $target close
        wait_for_condition 100 20 {[string first "id=$tid " [r client list]] < 0} else {
            fail "target not dropped"
        }
        r set rb x
        assert_equal [list tracking-redir-broken $tid] [$c read]
        set info [trk_call $c client trackinginfo]
        assert_equal {on broken_redirect} [dict get $info flags]
        assert_equal $tid [dict get $info redirect]
        set me [trk_call $c client info]
        assert_match "*flags=tR *redir=$tid *" $me
        $c close
    }

    test "FLUSHALL and FLUSHDB send a null invalidation to every tracking client" {
        set c [trk_resp3_client]
        set b [trk_resp3_client]
        trk_call $c client tracking on
        trk_call $b client tracking on bcast
        trk_call $c get f1
        r flushdb
        assert_equal {invalidate {}} [$c read]
        assert_equal {invalidate {}} [$b read]
        assert_equal 0 [trk_info tracking_total_keys]
        # The client's own flush: the null follows its reply.
        assert_equal OK [trk_call $c flushall async]
        assert_equal {invalidate {}} [$c read]
        assert_equal {invalidate {}} [$b read]
        $c close
        $b close
    }

    test "CLIENT REPLY OFF does not silence invalidations" {
        set c [trk_resp3_client]
        trk_call $c client tracking on
        trk_call $c get ro
        $c client reply off
        r set ro 1
        assert_equal {invalidate ro} [$c read]
        assert_equal OK [trk_call $c client reply on]
        $c close
    }

    test "Keys read by scripts are tracked for the caller; expired keys invalidate" {
        set c [trk_resp3_client]
        trk_call $c client tracking on
        trk_call $c eval {return redis.call('get', KEYS[1])} 1 s1
        trk_call $c eval_ro {return redis.call('get', KEYS[1])} 1 s2
        r mset s1 a s2 b
        assert_equal {invalidate s1} [$c read]
        assert_equal {invalidate s2} [$c read]
        r set ex 1 px 30
        trk_call $c get ex
        # Active expiry deletes it and the client hears of it.
        assert_equal {invalidate ex} [$c read]
        $c close
    }

    test "CLIENT TRACKINGINFO and CLIENT GETREDIR" {
        set c [trk_resp3_client]
        assert_equal {flags off redirect -1 prefixes {}} [trk_call $c client trackinginfo]
        assert_equal -1 [trk_call $c client getredir]
        trk_call $c client tracking on optout noloop
        trk_call $c client caching no
        assert_equal {flags {on optout caching-no noloop} redirect 0 prefixes {}} \
            [trk_call $c client trackinginfo]
        assert_equal 0 [trk_call $c client getredir]
        trk_call $c client tracking off
        trk_call $c client tracking on bcast prefix b prefix a prefix c
        assert_equal {flags {on bcast} redirect 0 prefixes {a b c}} \
            [trk_call $c client trackinginfo]
        # RESET turns tracking off.
        assert_equal RESET [trk_call $c reset]
        assert_equal {flags off redirect -1 prefixes {}} [trk_call $c client trackinginfo]
        $c close
    }

    test "CLIENT TRACKING and CLIENT CACHING errors" {
        set c [redis_new_client]
        set cases {
            {client tracking on prefix a} {ERR PREFIX option requires BCAST mode to be enabled}
            {client tracking on bcast optin} {ERR OPTIN and OPTOUT are not compatible with BCAST}
            {client tracking on optin optout} {ERR You can't specify both OPTIN mode and OPTOUT mode}
            {client tracking on redirect 987654} {ERR The client ID you want redirect to does not exist}
            {client tracking on redirect abc} {ERR value is not an integer or out of range}
            {client tracking on bcast prefix a prefix ab} {ERR Prefix 'a' overlaps with another provided prefix 'ab'. Prefixes for a single client must not overlap.}
            {client caching yes} {ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled}
            {client tracking maybe} {ERR syntax error}
            {client tracking on foo} {ERR syntax error}
            {client tracking on prefix} {ERR syntax error}
            {client tracking} {ERR wrong number of arguments for 'client|tracking' command}
            {client caching} {ERR wrong number of arguments for 'client|caching' command}
        }
        foreach {cmd err} $cases {
            catch {$c {*}$cmd} e
            assert_equal $err $e $cmd
        }
        set myid [$c client id]
        catch {$c client tracking on redirect $myid redirect $myid} e
        assert_equal {ERR A client can only redirect to a single other client} $e
        assert_equal OK [$c client tracking on bcast prefix a]
        catch {$c client tracking on bcast prefix ab} e
        assert_equal {ERR Prefix 'ab' overlaps with an existing prefix 'a'. Prefixes for a single client must not overlap.} $e
        catch {$c client tracking on} e
        assert_equal {ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.} $e
        $c client tracking off
        $c client tracking on optin
        catch {$c client tracking on optout} e
        assert_equal {ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.} $e
        catch {$c client caching no} e
        assert_equal {ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.} $e
        $c client tracking off
        $c client tracking on optout
        catch {$c client caching yes} e
        assert_equal {ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.} $e
        catch {$c client caching maybe} e
        assert_equal {ERR syntax error} $e
        $c close
    }

    test "INFO: tracking_clients, tracking_total_keys, tracking_total_items, tracking_total_prefixes" {
        r flushall
        set c1 [trk_resp3_client]
        set c2 [trk_resp3_client]
        set c3 [trk_resp3_client]
        trk_call $c1 client tracking on
        trk_call $c2 client tracking on
        trk_call $c3 client tracking on bcast prefix q prefix w
        trk_call $c1 mget i1 i2 i3
        trk_call $c2 mget i2 i3
        assert_equal 3 [trk_info tracking_clients]
        assert_equal 3 [trk_info tracking_total_keys]
        assert_equal 5 [trk_info tracking_total_items]
        assert_equal 2 [trk_info tracking_total_prefixes]
        r set i2 x
        assert_equal {invalidate i2} [$c1 read]
        assert_equal {invalidate i2} [$c2 read]
        assert_equal 2 [trk_info tracking_total_keys]
        assert_equal 3 [trk_info tracking_total_items]
        trk_call $c2 client tracking off
        assert_equal 2 [trk_info tracking_clients]
        $c1 close
        $c2 close
        $c3 close
        wait_for_condition 100 20 {[trk_info tracking_clients] == 0} else {
            fail "tracking_clients not back to 0"
        }
        assert_equal 0 [trk_info tracking_total_prefixes]
    }

    test "tracking-table-max-keys: the table is cut back to the limit with invalidations" {
        r flushall
        r config set tracking-table-max-keys 10
        set c [trk_resp3_client]
        trk_call $c client tracking on
        set keys {}
        for {set i 0} {$i < 100} {incr i} {lappend keys "lim:$i"}
        trk_call $c mget {*}$keys
        # The next command (of any client) first evicts 90 keys, each with
        # an invalidation.
        $c ping
        set got {}
        for {set i 0} {$i < 90} {incr i} {
            set m [$c read]
            assert_equal invalidate [lindex $m 0]
            lappend got [lindex $m 1 0]
        }
        assert_equal PONG [$c read]
        assert_equal 90 [llength [lsort -unique $got]]
        assert_equal 10 [trk_info tracking_total_keys]
        # 0 means no limit.
        r config set tracking-table-max-keys 0
        trk_call $c mget {*}$keys
        trk_call $c ping
        assert_equal 100 [trk_info tracking_total_keys]
        r config set tracking-table-max-keys 1000000
        $c close
        r flushall
    }

    test "CLIENT LIST shows the tracking flags and the redirection" {
        set c [redis_new_client]
        $c client setname trk
        set rid [r client id]
        $c client tracking on bcast redirect $rid
        set line [lindex [split [string trim [r client list]] "\n"] [lsearch [split [string trim [r client list]] "\n"] "*name=trk *"]]
        assert_match "*flags=tB *" $line
        assert_match "*redir=$rid *" $line
        $c close
    }

    test "redis-benchmark --enable-tracking: every client turns tracking on; the run completes among RESP3 pushes" {
        r flushall
        r config resetstat
        set bench [file join $::tests_dir .. src redis-benchmark]
        set conn [list -h [srv 0 host] -p [srv 0 port]]
        if {$::tls} {
            lappend conn --tls --cacert [file join $::tls_dir ca.crt] \
                --cert [file join $::tls_dir client.crt] \
                --key [file join $::tls_dir client.key]
        }
        # Each EVAL reads its key (tracked for the caller) and then writes
        # it: an invalidation push follows every reply.
        set out [exec $bench {*}$conn -3 --enable-tracking -c 5 -n 1000 -P 10 \
                     -r 50 eval {redis.call('get', KEYS[1]) return redis.call('set', KEYS[1], 'x')} 1 key:__rand_int__ 2>@1]
        assert_match "*requests per second*" $out
        set stats [r info commandstats]
        assert_match "*cmdstat_eval:calls=1000,*" $stats
        assert_match "*cmdstat_client|tracking:calls=5,*" $stats
        wait_for_condition 100 20 {[trk_info tracking_clients] == 0} else {
            fail "benchmark clients still tracking"
        }
        r flushall
    }

    test "A tracking client that disconnects leaves no state behind" {
        set c [trk_resp3_client]
        trk_call $c client tracking on
        trk_call $c get gone
        $c close
        wait_for_condition 100 20 {[trk_info tracking_clients] == 0} else {
            fail "tracking client still counted"
        }
        # Its key stays in the table until it changes, and then goes.
        r set gone 1
        assert_equal 0 [trk_info tracking_total_keys]
        assert_equal 0 [trk_info tracking_total_items]
    }
}

start_server {tags {tracking repl}} {
    start_server {} {
        test "On a replica, the master's writes invalidate the keys its clients read" {
            r replicaof [srv -1 host] [srv -1 port]
            wait_for_sync [srv 0 client]
            set c [trk_resp3_client]
            trk_call $c client tracking on
            trk_call $c get rk
            [srv -1 client] set rk 1
            assert_equal {invalidate rk} [$c read]
            # The master's FLUSHALL reaches the replica: a null invalidation.
            trk_call $c get rk
            [srv -1 client] flushall
            assert_equal {invalidate {}} [$c read]
            $c close
            r replicaof no one
        }
    }
}
