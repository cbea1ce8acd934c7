# pubsub.tcl -- SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBE
# counterparts, PUBLISH, SPUBLISH, PUBSUB and keyspace notifications.
# Expected replies were taken from Redis 7.0.15 (Debian's redis-server).

# Sends <cmd> with <args> on the deferred client <c> and reads one
# confirmation per argument (or one when there are none); returns the
# counts they carry.
proc ps_call {c cmd args} {
    $c $cmd {*}$args
    set n [expr {[llength $args] ? [llength $args] : 1}]
    set counts {}
    for {set i 0} {$i < $n} {incr i} {
        set reply [$c read]
        assert_equal [string tolower $cmd] [lindex $reply 0]
        lappend counts [lindex $reply 2]
    }
    return $counts
}

# Like ps_call for an UNSUBSCRIBE-all of <cmd> that drops <n> names:
# returns the confirmations' {name count} pairs sorted by name, since the
# order follows the server's hash table.
proc ps_unsubscribe_all {c cmd n} {
    $c $cmd
    set out {}
    for {set i 0} {$i < $n} {incr i} {
        set reply [$c read]
        assert_equal $cmd [lindex $reply 0]
        lappend out [list [lindex $reply 1] [lindex $reply 2]]
    }
    return [lsort -index 0 $out]
}

# Reads <n> protocol lines from <c> (in raw mode); returns them joined by
# spaces.
proc ps_read_lines {c n} {
    $c readraw 1
    set lines {}
    for {set i 0} {$i < $n} {incr i} {lappend lines [$c read]}
    $c readraw 0
    return [join $lines " "]
}

# Closes the clients given and waits until the server has dropped every
# subscription, so that the next test starts from a clean state.
# Subscribers left open by an earlier failed test are killed first, so one
# failure does not cascade; a subscription whose client is gone is still
# caught.
proc ps_close {args} {
    foreach c $args {$c close}
    catch {r client kill type pubsub}
    wait_for_condition 500 10 {
        [r pubsub numpat] == 0 && [llength [r pubsub channels]] == 0 &&
        [llength [r pubsub shardchannels]] == 0
    } else {
        fail "subscriptions left after the subscribers disconnected"
    }
}

# Waits until NUMSUB of <channel> is <expected>.
proc ps_wait_numsub {channel expected} {
    wait_for_condition 500 10 {
        [lindex [r pubsub numsub $channel] 1] == $expected
    } else {
        fail "NUMSUB $channel did not become $expected"
    }
}

start_server {tags {pubsub}} {
    test "PUBLISH with no subscribers returns 0" {
        assert_equal 0 [r publish nobody hello]
        assert_equal 0 [r spublish nobody hello]
    }

    test "SUBSCRIBE confirms each channel with the subscription count" {
        set c [redis_deferring_client]
        assert_equal {1 2 3} [ps_call $c subscribe chan1 chan2 chan3]
        # A second subscription to the same channel changes nothing.
        assert_equal {3} [ps_call $c subscribe chan2]
        assert_equal 1 [r publish chan1 hello]
        assert_equal 1 [r publish chan2 world]
        assert_equal {message chan1 hello} [$c read]
        assert_equal {message chan2 world} [$c read]
        ps_close $c
    }

    test "PUBLISH counts every receiver and keeps subscription order" {
        set c1 [redis_deferring_client]
        set c2 [redis_deferring_client]
        ps_call $c1 subscribe news
        ps_call $c2 subscribe news
        assert_equal 2 [r publish news first]
        assert_equal {message news first} [$c1 read]
        assert_equal {message news first} [$c2 read]
        ps_close $c1 $c2
    }

    test "Messages are binary safe" {
        set c [redis_deferring_client]
        set payload "a\r\nb\x00c"
        ps_call $c subscribe "bin\r\nchan"
        assert_equal 1 [r publish "bin\r\nchan" $payload]
        assert_equal [list message "bin\r\nchan" $payload] [$c read]
        ps_close $c
    }

    test "UNSUBSCRIBE from given channels, subscribed or not" {
        set c [redis_deferring_client]
        ps_call $c subscribe a b c
        assert_equal {2 2} [ps_call $c unsubscribe b never]
        assert_equal 0 [r publish b x]
        assert_equal 1 [r publish a x]
        assert_equal {message a x} [$c read]
        assert_equal {1 0} [ps_call $c unsubscribe a c]
        ps_close $c
    }

    test "UNSUBSCRIBE without arguments drops every channel" {
        set c [redis_deferring_client]
        ps_call $c subscribe x y z
        set got [ps_unsubscribe_all $c unsubscribe 3]
        assert_equal {x y z} [lmap p $got {lindex $p 0}]
        assert_equal {0 1 2} [lsort [lmap p $got {lindex $p 1}]]
        assert_equal 0 [r publish x m]
        ps_close $c
    }

    test "UNSUBSCRIBE when subscribed to nothing replies once with a nil channel" {
        set c [redis_deferring_client]
        $c unsubscribe
        assert_equal {unsubscribe {} 0} [$c read]
        $c punsubscribe
        assert_equal {punsubscribe {} 0} [$c read]
        $c sunsubscribe
        assert_equal {sunsubscribe {} 0} [$c read]
        # Exact bytes: a RESP2 null bulk string as the channel.
        $c unsubscribe
        assert_equal {*3 $11 unsubscribe $-1 :0} [ps_read_lines $c 5]
        # The client was never put in subscriber mode.
        $c get foo
        assert_equal {} [$c read]
        ps_close $c
    }

    test "PSUBSCRIBE delivers pmessage for matching channels" {
        set c [redis_deferring_client]
        assert_equal {1 2 3} [ps_call $c psubscribe foo.* b?r "q\[ab\]x"]
        assert_equal 1 [r publish foo.one hi]
        assert_equal {pmessage foo.* foo.one hi} [$c read]
        assert_equal 1 [r publish bar hello]
        assert_equal {pmessage b?r bar hello} [$c read]
        assert_equal 1 [r publish qbx there]
        assert_equal [list pmessage {q[ab]x} qbx there] [$c read]
        assert_equal 0 [r publish foo nothing]
        assert_equal 0 [r publish baar nothing]
        assert_equal 0 [r publish qcx nothing]
        assert_equal 0 [r publish FOO.x nothing]
        ps_close $c
    }

    test "PSUBSCRIBE escapes and character ranges" {
        set c [redis_deferring_client]
        ps_call $c psubscribe {a\*b} {n[0-9]} {x[^y]z}
        assert_equal 1 [r publish {a*b} m1]
        assert_equal 0 [r publish {axb} m]
        assert_equal 1 [r publish n7 m2]
        assert_equal 0 [r publish nx m]
        assert_equal 1 [r publish xaz m3]
        assert_equal 0 [r publish xyz m]
        assert_equal [list pmessage {a\*b} {a*b} m1] [$c read]
        assert_equal [list pmessage {n[0-9]} n7 m2] [$c read]
        assert_equal [list pmessage {x[^y]z} xaz m3] [$c read]
        ps_close $c
    }

    test "A client on a channel and a matching pattern gets both messages" {
        set c [redis_deferring_client]
        ps_call $c subscribe both
        ps_call $c psubscribe bo*
        assert_equal 2 [r publish both msg]
        assert_equal {message both msg} [$c read]
        assert_equal {pmessage bo* both msg} [$c read]
        ps_close $c
    }

    test "PUNSUBSCRIBE given patterns and all patterns" {
        set c [redis_deferring_client]
        ps_call $c psubscribe p1* p2* p3*
        assert_equal {2 2} [ps_call $c punsubscribe p2* nope*]
        assert_equal 0 [r publish p2x m]
        set got [ps_unsubscribe_all $c punsubscribe 2]
        assert_equal {p1* p3*} [lmap p $got {lindex $p 0}]
        assert_equal {0 1} [lsort [lmap p $got {lindex $p 1}]]
        assert_equal 0 [r publish p1x m]
        $c punsubscribe
        assert_equal {punsubscribe {} 0} [$c read]
        ps_close $c
    }

    test "Confirmation counts add channels and patterns, not shard channels" {
        set c [redis_deferring_client]
        assert_equal {1 2} [ps_call $c subscribe c1 c2]
        assert_equal {3} [ps_call $c psubscribe p*]
        assert_equal {1 2} [ps_call $c ssubscribe s1 s2]
        assert_equal {3} [ps_call $c subscribe c1]
        assert_equal {2} [ps_call $c unsubscribe c2]
        assert_equal {1} [ps_call $c sunsubscribe s1]
        assert_equal {1} [ps_call $c punsubscribe p*]
        # UNSUBSCRIBE of everything reports the remaining channel+pattern
        # count, even though a shard channel is still subscribed.
        assert_equal {0} [ps_call $c unsubscribe]
        $c unsubscribe
        assert_equal {unsubscribe {} 0} [$c read]
        assert_equal {0} [ps_call $c sunsubscribe]
        ps_close $c
    }

    test "SSUBSCRIBE, SPUBLISH and SUNSUBSCRIBE use their own namespace" {
        set c [redis_deferring_client]
        assert_equal {1 2} [ps_call $c ssubscribe shard1 shard2]
        assert_equal 1 [r spublish shard1 hello]
        assert_equal {smessage shard1 hello} [$c read]
        # Plain PUBLISH does not reach shard subscribers and vice versa.
        assert_equal 0 [r publish shard1 nothing]
        set p [redis_deferring_client]
        ps_call $p psubscribe shard*
        assert_equal 1 [r spublish shard2 again]
        assert_equal {smessage shard2 again} [$c read]
        assert_equal {1 1} [ps_call $c sunsubscribe shard1 nope]
        assert_equal 0 [r spublish shard1 gone]
        set got [ps_unsubscribe_all $c sunsubscribe 1]
        assert_equal {{shard2 0}} $got
        $c sunsubscribe
        assert_equal {sunsubscribe {} 0} [$c read]
        ps_close $c $p
    }

    test "SSUBSCRIBE is refused inside MULTI, SUBSCRIBE is not" {
        set c [redis_new_client]
        $c multi
        $c subscribe inmulti
        $c ssubscribe shardinmulti
        set res [$c exec]
        assert_equal {subscribe inmulti 1} [lindex $res 0]
        assert_equal "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client" [lindex $res 1]
        assert_equal {inmulti 1} [r pubsub numsub inmulti]
        assert_equal {shardinmulti 0} [r pubsub shardnumsub shardinmulti]
        ps_close $c
    }

    test "Arity errors" {
        assert_error "ERR wrong number of arguments for 'subscribe' command" {r subscribe}
        assert_error "ERR wrong number of arguments for 'psubscribe' command" {r psubscribe}
        assert_error "ERR wrong number of arguments for 'ssubscribe' command" {r ssubscribe}
        assert_error "ERR wrong number of arguments for 'publish' command" {r publish a}
        assert_error "ERR wrong number of arguments for 'publish' command" {r publish a b c}
        assert_error "ERR wrong number of arguments for 'spublish' command" {r spublish a}
    }

    test "PUBSUB CHANNELS lists active channels, optionally by pattern" {
        set c [redis_deferring_client]
        assert_equal {} [r pubsub channels]
        ps_call $c subscribe chx:1 chx:2 other
        ps_call $c psubscribe chx:*
        assert_equal {chx:1 chx:2 other} [lsort [r pubsub channels]]
        assert_equal {chx:1 chx:2} [lsort [r pubsub channels chx:*]]
        assert_equal {other} [r pubsub channels o?her]
        assert_equal {} [r pubsub channels nomatch*]
        ps_call $c unsubscribe chx:1
        assert_equal {chx:2 other} [lsort [r pubsub channels]]
        ps_close $c
        wait_for_condition 500 10 {
            [llength [r pubsub channels]] == 0
        } else {
            fail "channels still listed after the subscriber left"
        }
    }

    test "PUBSUB NUMSUB counts channel subscribers only" {
        set c1 [redis_deferring_client]
        set c2 [redis_deferring_client]
        assert_equal {} [r pubsub numsub]
        ps_call $c1 subscribe n1 n2
        ps_call $c2 subscribe n1
        ps_call $c2 psubscribe n*
        assert_equal {n1 2 n2 1 n3 0 n1 2} [r pubsub numsub n1 n2 n3 n1]
        ps_close $c1 $c2
    }

    test "PUBSUB NUMPAT counts distinct patterns" {
        set c1 [redis_deferring_client]
        set c2 [redis_deferring_client]
        assert_equal 0 [r pubsub numpat]
        ps_call $c1 psubscribe np1* np2*
        ps_call $c2 psubscribe np1*
        assert_equal 2 [r pubsub numpat]
        ps_call $c1 punsubscribe np1*
        assert_equal 2 [r pubsub numpat]
        ps_call $c2 punsubscribe np1*
        assert_equal 1 [r pubsub numpat]
        ps_close $c1 $c2
        wait_for_condition 500 10 {
            [r pubsub numpat] == 0
        } else {
            fail "patterns still counted after the subscribers left"
        }
    }

    test "PUBSUB SHARDCHANNELS and SHARDNUMSUB" {
        set c [redis_deferring_client]
        ps_call $c ssubscribe sc:1 sc:2
        ps_call $c subscribe plain
        assert_equal {sc:1 sc:2} [lsort [r pubsub shardchannels]]
        assert_equal {sc:2} [r pubsub shardchannels *2]
        assert_equal {plain} [r pubsub channels]
        assert_equal {sc:1 1 sc:9 0} [r pubsub shardnumsub sc:1 sc:9]
        assert_equal {sc:1 0} [r pubsub numsub sc:1]
        assert_equal {plain 0} [r pubsub shardnumsub plain]
        assert_equal {} [r pubsub shardnumsub]
        ps_close $c
    }

    test "PUBSUB HELP and subcommand errors" {
        set help [r pubsub help]
        assert_equal 14 [llength $help]
        assert_match "PUBSUB <subcommand> *" [lindex $help 0]
        assert_equal "CHANNELS \[<pattern>\]" [lindex $help 1]
        assert_equal "SHARDNUMSUB \[<shardchannel> ...\]" [lindex $help 10]
        assert_equal "HELP" [lindex $help 12]
        assert_error "ERR wrong number of arguments for 'pubsub' command" {r pubsub}
        assert_error "ERR unknown subcommand 'foo'. Try PUBSUB HELP." {r pubsub foo}
        assert_error "ERR wrong number of arguments for 'pubsub|numpat' command" {r pubsub numpat x}
        assert_error "ERR wrong number of arguments for 'pubsub|help' command" {r pubsub help x}
        assert_error "ERR unknown subcommand or wrong number of arguments for 'channels'. Try PUBSUB HELP." {r pubsub channels a b}
        assert_error "ERR unknown subcommand or wrong number of arguments for 'shardchannels'. Try PUBSUB HELP." {r pubsub shardchannels a b}
    }

    test "RESP2 subscribers may only run subscription commands, PING, QUIT and RESET" {
        set c [redis_deferring_client]
        ps_call $c subscribe only
        $c get foo
        assert_error "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context" {$c read}
        $c client info
        assert_error "ERR Can't execute 'client|info': *" {$c read}
        $c ping
        assert_equal {pong {}} [$c read]
        $c ping hey
        assert_equal {pong hey} [$c read]
        ps_call $c psubscribe pat*
        ps_call $c unsubscribe only
        # Still subscribed to a pattern: still restricted.
        $c set k v
        assert_error "ERR Can't execute 'set': *" {$c read}
        ps_call $c punsubscribe
        $c ping
        assert_equal PONG [$c read]
        $c set k v
        assert_equal OK [$c read]
        ps_close $c
    }

    test "A shard subscription alone keeps the client in subscriber mode" {
        set c [redis_deferring_client]
        ps_call $c ssubscribe sonly
        $c unsubscribe
        assert_equal {unsubscribe {} 0} [$c read]
        $c punsubscribe
        assert_equal {punsubscribe {} 0} [$c read]
        $c get foo
        assert_error "ERR Can't execute 'get': *" {$c read}
        ps_call $c sunsubscribe
        $c get foo
        assert_equal {} [$c read]
        ps_close $c
    }

    test "Subscriber mode shows as flag P in CLIENT LIST" {
        set c [redis_deferring_client]
        $c client setname pubsubber
        $c read
        ps_call $c subscribe a b
        ps_call $c psubscribe p*
        ps_call $c ssubscribe s
        set line ""
        foreach l [split [r client list] "\n"] {
            if {[string match "*name=pubsubber *" $l]} {set line $l}
        }
        assert_match "* flags=P *" $line
        assert_match "* sub=2 psub=1 ssub=1 *" $line
        assert_match "*name=pubsubber *" [r client list type pubsub]
        assert_no_match "*name=pubsubber *" [r client list type normal]
        ps_close $c
    }

    test "RESP2 exact bytes of confirmations and messages" {
        set c [redis_deferring_client]
        $c subscribe ch
        assert_equal {*3 $9 subscribe $2 ch :1} [ps_read_lines $c 6]
        $c psubscribe c*
        assert_equal {*3 $10 psubscribe $2 c* :2} [ps_read_lines $c 6]
        $c ssubscribe sh
        assert_equal {*3 $10 ssubscribe $2 sh :1} [ps_read_lines $c 6]
        r publish ch hi
        assert_equal {*3 $7 message $2 ch $2 hi} [ps_read_lines $c 7]
        assert_equal {*4 $8 pmessage $2 c* $2 ch $2 hi} [ps_read_lines $c 9]
        r spublish sh yo
        assert_equal {*3 $8 smessage $2 sh $2 yo} [ps_read_lines $c 7]
        $c unsubscribe ch
        assert_equal {*3 $11 unsubscribe $2 ch :1} [ps_read_lines $c 6]
        $c punsubscribe c*
        assert_equal {*3 $12 punsubscribe $2 c* :0} [ps_read_lines $c 6]
        $c sunsubscribe sh
        assert_equal {*3 $12 sunsubscribe $2 sh :0} [ps_read_lines $c 6]
        ps_close $c
    }

    test "RESP3 confirmations and messages are pushes" {
        set c [redis_deferring_client]
        $c hello 3
        $c read
        $c subscribe ch
        assert_equal {>3 $9 subscribe $2 ch :1} [ps_read_lines $c 6]
        $c psubscribe c*
        assert_equal {>3 $10 psubscribe $2 c* :2} [ps_read_lines $c 6]
        $c ssubscribe sh
        assert_equal {>3 $10 ssubscribe $2 sh :1} [ps_read_lines $c 6]
        r publish ch hi
        assert_equal {>3 $7 message $2 ch $2 hi} [ps_read_lines $c 7]
        assert_equal {>4 $8 pmessage $2 c* $2 ch $2 hi} [ps_read_lines $c 9]
        r spublish sh yo
        assert_equal {>3 $8 smessage $2 sh $2 yo} [ps_read_lines $c 7]
        # Any command runs while subscribed in RESP3, and PING is plain.
        $c get nokey
        assert_equal {_} [ps_read_lines $c 1]
        $c ping
        assert_equal {+PONG} [ps_read_lines $c 1]
        # The client's own PUBLISH: the push comes before the reply.
        $c publish ch self
        assert_equal {>3 $7 message $2 ch $4 self >4 $8 pmessage $2 c* $2 ch $4 self :2} \
            [ps_read_lines $c 17]
        $c unsubscribe
        assert_equal {>3 $11 unsubscribe $2 ch :1} [ps_read_lines $c 6]
        $c unsubscribe
        assert_equal {>3 $11 unsubscribe _ :1} [ps_read_lines $c 5]
        ps_close $c
    }

    test "Disconnecting clients drop their subscriptions" {
        set c1 [redis_deferring_client]
        set c2 [redis_deferring_client]
        ps_call $c1 subscribe gone
        ps_call $c2 subscribe gone
        ps_call $c1 psubscribe gone*
        ps_call $c1 ssubscribe sgone
        assert_equal {gone 2} [r pubsub numsub gone]
        $c1 close
        ps_wait_numsub gone 1
        wait_for_condition 500 10 {
            [r pubsub numpat] == 0 &&
            [lindex [r pubsub shardnumsub sgone] 1] == 0
        } else {
            fail "pattern or shard subscription survived the disconnect"
        }
        assert_equal 1 [r publish gone x]
        assert_equal {message gone x} [$c2 read]
        ps_close $c2
        ps_wait_numsub gone 0
        assert_equal {} [r pubsub channels]
    }

    test "RESET drops every subscription" {
        set c [redis_deferring_client]
        ps_call $c subscribe rch
        ps_call $c psubscribe rp*
        ps_call $c ssubscribe rsh
        $c reset
        assert_equal RESET [$c read]
        assert_equal {rch 0} [r pubsub numsub rch]
        assert_equal 0 [r pubsub numpat]
        assert_equal {rsh 0} [r pubsub shardnumsub rsh]
        $c get foo
        assert_equal {} [$c read]
        $c unsubscribe
        assert_equal {unsubscribe {} 0} [$c read]
        ps_close $c
    }

    test "INFO reports the number of channels and patterns" {
        set c [redis_deferring_client]
        ps_call $c subscribe i1 i2
        ps_call $c psubscribe ip*
        assert_equal 2 [s pubsub_channels]
        assert_equal 1 [s pubsub_patterns]
        ps_close $c
        wait_for_condition 500 10 {
            [s pubsub_channels] == 0 && [s pubsub_patterns] == 0
        } else {
            fail "INFO still counts channels of a closed client"
        }
    }

    test "COMMAND INFO flags of the pub/sub commands" {
        foreach {cmd arity flags cats} {
            subscribe -2 {pubsub noscript loading stale} {@pubsub @slow}
            unsubscribe -1 {pubsub noscript loading stale} {@pubsub @slow}
            psubscribe -2 {pubsub noscript loading stale} {@pubsub @slow}
            punsubscribe -1 {pubsub noscript loading stale} {@pubsub @slow}
            ssubscribe -2 {pubsub noscript loading stale} {@pubsub @slow}
            sunsubscribe -1 {pubsub noscript loading stale} {@pubsub @slow}
            publish 3 {pubsub loading stale fast} {@pubsub @fast}
            spublish 3 {pubsub loading stale fast} {@pubsub @fast}
            pubsub -2 {} {@slow}
        } {
            set info [lindex [r command info $cmd] 0]
            assert_equal $cmd [lindex $info 0]
            assert_equal $arity [lindex $info 1] "arity of $cmd"
            assert_equal $flags [lindex $info 2] "flags of $cmd"
            assert_equal $cats [lindex $info 6] "categories of $cmd"
        }
        assert_equal {1 -1 1} [lrange [lindex [r command info ssubscribe] 0] 3 5]
        assert_equal {1 1 1} [lrange [lindex [r command info spublish] 0] 3 5]
        set subs {}
        foreach s [lindex [r command info pubsub] 0 9] {lappend subs [lindex $s 0]}
        assert_equal {pubsub|channels pubsub|help pubsub|numpat pubsub|numsub pubsub|shardchannels pubsub|shardnumsub} [lsort $subs]
    }
}

start_server {tags {pubsub keyspace-events}} {
    # Reads one message from <c> and returns it without the pmessage/pattern
    # part: {channel payload}.
    proc ks_read {c} {
        set m [$c read]
        if {[lindex $m 0] eq "pmessage"} {return [lrange $m 2 3]}
        return [lrange $m 1 2]
    }

    test "Keyspace notifications are off by default" {
        assert_equal {notify-keyspace-events {}} [r config get notify-keyspace-events]
        set c [redis_deferring_client]
        ps_call $c psubscribe *
        r set off 1
        r del off
        # Nothing was published: the next message is the marker.
        r publish marker end
        assert_equal {marker end} [ks_read $c]
        ps_close $c
    }

    test "KEA: SET, EXPIRE and DEL on both channels" {
        r config set notify-keyspace-events KEA
        set c [redis_deferring_client]
        ps_call $c psubscribe __key*__:*
        r set foo bar
        assert_equal {__keyspace@0__:foo set} [ks_read $c]
        assert_equal {__keyevent@0__:set foo} [ks_read $c]
        r expire foo 100
        assert_equal {__keyspace@0__:foo expire} [ks_read $c]
        assert_equal {__keyevent@0__:expire foo} [ks_read $c]
        r del foo
        assert_equal {__keyspace@0__:foo del} [ks_read $c]
        assert_equal {__keyevent@0__:del foo} [ks_read $c]
        # Numeric keys are sent as text.
        r set 123 v
        assert_equal {__keyspace@0__:123 set} [ks_read $c]
        assert_equal {__keyevent@0__:set 123} [ks_read $c]
        r del 123
        ks_read $c
        ks_read $c
        ps_close $c
    }

    test "Exact pmessage of a keyspace event" {
        r config set notify-keyspace-events KEA
        set c [redis_deferring_client]
        ps_call $c psubscribe __keyevent@*
        r set k v
        assert_equal {*4 $8 pmessage $12 __keyevent@* $18 __keyevent@0__:set $1 k} \
            [ps_read_lines $c 9]
        ps_close $c
    }

    test "Notifications name the database" {
        r config set notify-keyspace-events KEA
        set c [redis_deferring_client]
        ps_call $c subscribe __keyspace@9__:dbkey
        r select 9
        r set dbkey 1
        r select 0
        assert_equal {message __keyspace@9__:dbkey set} [$c read]
        r select 9
        r del dbkey
        r select 0
        assert_equal {message __keyspace@9__:dbkey del} [$c read]
        ps_close $c
    }

    test "K alone only publishes keyspace, E alone only keyevent" {
        set c [redis_deferring_client]
        ps_call $c psubscribe __key*__:*
        ps_call $c subscribe marker
        r config set notify-keyspace-events K\$
        r set a 1
        r config set notify-keyspace-events E\$
        r set b 1
        r publish marker end
        assert_equal {__keyspace@0__:a set} [ks_read $c]
        assert_equal {__keyevent@0__:set b} [ks_read $c]
        assert_equal {marker end} [ks_read $c]
        ps_close $c
    }

    test "Event classes filter what is published" {
        set c [redis_deferring_client]
        ps_call $c psubscribe __key*__:*
        ps_call $c subscribe marker
        # Strings only: SET is published, DEL and EXPIRE (generic) are not.
        r config set notify-keyspace-events KE\$
        r set s1 v
        r expire s1 100
        r del s1
        # Generic only: DEL and EXPIRE are published, SET is not.
        r config set notify-keyspace-events Kg
        r set s2 v
        r expire s2 100
        r del s2
        r publish marker end
        assert_equal {__keyspace@0__:s1 set} [ks_read $c]
        assert_equal {__keyevent@0__:set s1} [ks_read $c]
        assert_equal {__keyspace@0__:s2 expire} [ks_read $c]
        assert_equal {__keyspace@0__:s2 del} [ks_read $c]
        assert_equal {marker end} [ks_read $c]
        ps_close $c
    }

    test "Expired keys publish the expired event (class x)" {
        r config set notify-keyspace-events Ex
        set c [redis_deferring_client]
        ps_call $c subscribe __keyevent@0__:expired
        r psetex willexpire 20 v
        # Reading blocks until the key expires (active expiry or the
        # lookup below), so no sleeping is needed.
        wait_for_condition 500 10 {
            [r exists willexpire] == 0
        } else {
            fail "key did not expire"
        }
        assert_equal {message __keyevent@0__:expired willexpire} [$c read]
        ps_close $c
    }

    test "CONFIG GET shows the configured classes" {
        r config set notify-keyspace-events KEA
        assert_equal {notify-keyspace-events AKE} [r config get notify-keyspace-events]
        r config set notify-keyspace-events gE
        assert_equal {notify-keyspace-events gE} [r config get notify-keyspace-events]
        r config set notify-keyspace-events ""
        assert_equal {notify-keyspace-events {}} [r config get notify-keyspace-events]
    }
}
