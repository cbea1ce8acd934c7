# Sentinel: three of our sentinels manage Debian Redis 7.0 servers (a
# master and two replicas), plain or TLS-only with mutual TLS (--tls):
# discovery, commands, config persistence, bad input, failover.
source [file join $::tests_dir helpers sentinel.tcl]

set mport [::next_port]
set r1port [::next_port]
set r2port [::next_port]
set sports [list [::next_port] [::next_port] [::next_port]]

try {
    set master [::start_data_server master $mport]
    set rep1 [::start_data_server replica1 $r1port $mport]
    set rep2 [::start_data_server replica2 $r2port $mport]
    set sentinels {}
    set i 0
    foreach p $sports {
        lappend sentinels [::start_sentinel sentinel[incr i] $p mymaster $mport]
    }
    set s1 [::sentinel_client [lindex $sports 0]]
    set s2 [::sentinel_client [lindex $sports 1]]
    set s3 [::sentinel_client [lindex $sports 2]]

    test "Sentinels discover both replicas from INFO" {
        foreach s [list $s1 $s2 $s3] {
            wait_for_condition 200 50 {
                [::field [$s sentinel master mymaster] num-slaves] == 2
            } else {fail "replicas not discovered"}
        }
        set ports {}
        foreach r [$s1 sentinel replicas mymaster] {lappend ports [::field $r port]}
        assert_equal [lsort $ports] [lsort [list $r1port $r2port]]
    }

    test "Sentinels discover each other through __sentinel__:hello" {
        foreach s [list $s1 $s2 $s3] {
            wait_for_condition 200 50 {
                [::field [$s sentinel master mymaster] num-other-sentinels] == 2
            } else {fail "sentinels not discovered"}
        }
        set ids {}
        foreach x [$s1 sentinel sentinels mymaster] {lappend ids [::field $x runid]}
        assert_equal [lsort $ids] [lsort [list [$s2 sentinel myid] [$s3 sentinel myid]]]
    }

    test "SENTINEL MASTER, GET-MASTER-ADDR-BY-NAME, MYID, CKQUORUM, INFO, ROLE" {
        set m [$s1 sentinel master mymaster]
        assert_equal [::field $m name] mymaster
        assert_equal [::field $m port] $mport
        assert_equal [::field $m flags] master
        assert_equal [::field $m quorum] 2
        assert_equal [$s1 sentinel get-master-addr-by-name mymaster] [list 127.0.0.1 $mport]
        assert_equal [string length [$s1 sentinel myid]] 40
        assert_match "OK 3 usable Sentinels*" [$s1 sentinel ckquorum mymaster]
        set info [$s1 info sentinel]
        assert_match "*sentinel_masters:1*" $info
        assert_match "*master0:name=mymaster,status=ok,address=127.0.0.1:$mport,slaves=2,sentinels=3*" $info
        assert_equal [$s1 role] [list sentinel [list mymaster]]
        assert_equal [llength [$s1 sentinel masters]] 1
    }

    test "Commands Sentinel does not serve get Redis's error texts" {
        assert_error "*unknown command 'get', with args beginning with: 'foo'*" {$s1 get foo}
        assert_error "*No such master with that name*" {$s1 sentinel master nosuch}
        assert_equal [$s1 sentinel get-master-addr-by-name nosuch] {}
        assert_error "*unknown subcommand 'nosuchsub'*" {$s1 sentinel nosuchsub}
        assert_error "*wrong number of arguments*" {$s1 sentinel master}
        assert_error "*Duplicate master name.*" {$s1 sentinel monitor mymaster 127.0.0.1 1 2}
        assert_error "*Quorum must be 1 or greater*" {$s1 sentinel monitor other 127.0.0.1 1 0}
        assert_error "*Only HELLO messages are accepted*" {$s1 publish foo bar}
    }

    test "Malformed hello messages are ignored and change nothing" {
        foreach msg {"" "a,b,c" "1.2.3.4,notaport,x,0,mymaster,127.0.0.1,1,0"
                     "1.2.3.4,5,short,0,mymaster,127.0.0.1,1,0"
                     ",,,,,,,,,,,,,,"} {
            $s1 publish __sentinel__:hello $msg
        }
        assert_equal [::field [$s1 sentinel master mymaster] num-other-sentinels] 2
        assert_equal [$s1 ping] PONG
    }

    test "SENTINEL MONITOR / SET / REMOVE are written to the config file" {
        set conf [dict get [lindex $sentinels 0] conf]
        assert_equal [$s1 sentinel monitor extra 127.0.0.1 $r1port 2] OK
        assert_equal [$s1 sentinel set extra down-after-milliseconds 1234 parallel-syncs 3] OK
        set text [::file_content $conf]
        assert_match "*sentinel monitor extra 127.0.0.1 $r1port 2*" $text
        assert_match "*sentinel down-after-milliseconds extra 1234*" $text
        assert_match "*sentinel parallel-syncs extra 3*" $text
        assert_error "*Invalid argument*" {$s1 sentinel set extra quorum zero}
        assert_error "*deny-scripts-reconfig*" {$s1 sentinel set extra notification-script /bin/true}
        assert_equal [$s1 sentinel remove extra] OK
        assert_no_match "*extra*" [::file_content $conf]
        set text [::file_content $conf]
        assert_match "*sentinel myid [$s1 sentinel myid]*" $text
        assert_match "*sentinel known-replica mymaster 127.0.0.1 $r1port*" $text
        assert_match "*sentinel known-sentinel mymaster 127.0.0.1 *" $text
    }

    test "SENTINEL CONFIG GET/SET of Sentinel's own parameters" {
        assert_equal [$s1 sentinel config set announce-hostnames no] OK
        assert_equal [$s1 sentinel config get announce-hostnames] {announce-hostnames no}
        assert_error "*Invalid argument*" {$s1 sentinel config set nosuch 1}
    }

    if {$::tls} {
        test "SENTINEL CONFIG SET tls-* reloads the TLS material live" {
            set cert [lindex [$s1 sentinel config get tls-cert-file] 1]
            assert_match "*server.crt" $cert
            assert_error "*tls-cert-file*" {$s1 sentinel config set tls-cert-file /nonexistent.crt}
            assert_equal [$s1 sentinel config set tls-cert-file $cert] OK
            set c [::sentinel_client [lindex $sports 0]]
            assert_equal [$c ping] PONG
            $c close
        }
    }

    test "A restarted sentinel keeps its id, epoch and what it learnt" {
        set id [$s3 sentinel myid]
        $s3 close
        lset sentinels 2 [::restart_instance [lindex $sentinels 2]]
        set s3 [::sentinel_client [lindex $sports 2]]
        assert_equal [$s3 sentinel myid] $id
        set m [$s3 sentinel master mymaster]
        assert_equal [::field $m num-slaves] 2
        assert_equal [::field $m num-other-sentinels] 2
    }

    test "Failover after the master is killed: a replica is promoted and every sentinel switches" {
        set sub [::sentinel_client [lindex $sports 1]]
        $sub deferred 1
        $sub subscribe +switch-master
        $sub read
        set epoch_before [::field [$s1 sentinel master mymaster] config-epoch]
        exec kill -KILL [dict get $master pid]
        # Every sentinel ends up with the same new master.
        wait_for_condition 800 50 {
            [lindex [$s1 sentinel get-master-addr-by-name mymaster] 1] != $mport &&
            [$s1 sentinel get-master-addr-by-name mymaster] eq [$s2 sentinel get-master-addr-by-name mymaster] &&
            [$s1 sentinel get-master-addr-by-name mymaster] eq [$s3 sentinel get-master-addr-by-name mymaster]
        } else {fail "the sentinels did not agree on a new master"}
        set newport [lindex [$s1 sentinel get-master-addr-by-name mymaster] 1]
        assert {$newport == $r1port || $newport == $r2port}
        set msg [$sub read]
        assert_equal [lindex $msg 0] message
        assert_equal [lindex $msg 1] +switch-master
        assert_match "mymaster 127.0.0.1 $mport 127.0.0.1 *" [lindex $msg 2]
        $sub close
        set nm [redis_client 127.0.0.1 $newport]
        assert_equal [lindex [$nm role] 0] master
        $nm close
        set other [expr {$newport == $r1port ? $r2port : $r1port}]
        set oc [redis_client 127.0.0.1 $other]
        wait_for_condition 400 50 {
            [lindex [$oc role] 0] eq "slave" && [lindex [$oc role] 2] == $newport
        } else {fail "the other replica was not reconfigured"}
        $oc close
        assert_morethan [::field [$s1 sentinel master mymaster] config-epoch] $epoch_before
        # The leader switches (and rewrites its file) once the other
        # replica reports its link up; GET-MASTER-ADDR-BY-NAME names the
        # promoted replica before that, as Redis's does.
        set conf [dict get [lindex $sentinels 0] conf]
        wait_for_condition 400 50 {
            [string match "*sentinel monitor mymaster 127.0.0.1 $newport 2*" \
                 [::file_content $conf]]
        } else {fail "sentinel 1 never wrote the new master into its file"}
    }
} finally {
    foreach c {s1 s2 s3} {if {[info exists $c]} {catch {[set $c] close}}}
    ::sentinel_cleanup
}
