# Sentinel bad input: a peer that accepts TCP but never speaks does not
# delay the other links; under --tls, a sentinel whose client certificate
# comes from another CA is refused (and the refusal logged) while the
# others go on; a malformed hello is logged and ignored; a truncated
# config file stops start-up with the line and the reason.
source [file join $::tests_dir helpers sentinel.tcl]

set mport [::next_port]
set rport [::next_port]
set hport [::next_port]
set sports [list [::next_port] [::next_port] [::next_port]]

try {
    set master [::start_data_server master $mport]
    ::start_data_server replica $rport $mport
    ::start_sentinel s1 [lindex $sports 0] mymaster $mport
    ::start_sentinel s2 [lindex $sports 1] mymaster $mport
    set s1 [::sentinel_client [lindex $sports 0]]
    set s2 [::sentinel_client [lindex $sports 1]]
    wait_for_condition 300 50 {
        [::field [$s1 sentinel master mymaster] num-other-sentinels] == 1 &&
        [::field [$s1 sentinel master mymaster] num-slaves] == 1
    } else {fail "the group did not form"}

    test "A peer that accepts TCP and never answers does not delay the other links" {
        # Accepts, then holds the socket without reading or writing.
        set ::silent_conns {}
        set srv [socket -server {apply {{c a p} {lappend ::silent_conns $c}}} -myaddr 127.0.0.1 $hport]
        assert_equal OK [$s1 sentinel monitor silent 127.0.0.1 $hport 2]
        assert_equal OK [$s1 sentinel set silent down-after-milliseconds 1000]
        wait_for_condition 200 50 {
            [update; llength $::silent_conns] > 0
        } else {fail "sentinel never connected to the silent peer"}
        # The healthy master keeps answering PINGs within a second or two.
        for {set i 0} {$i < 3} {incr i} {
            wait_for_condition 100 50 {
                [::field [$s1 sentinel master mymaster] last-ok-ping-reply] < 1500
            } else {fail "the healthy links were delayed"}
            assert_equal master [::field [$s1 sentinel master mymaster] flags]
            after 500
        }
        wait_for_condition 200 50 {
            [string match "*s_down*" [::field [$s1 sentinel master silent] flags]]
        } else {fail "the silent peer is not subjectively down"}
        assert_equal OK [$s1 sentinel remove silent]
        foreach c $::silent_conns {catch {close $c}}
        close $srv
    }

    test "A malformed hello message is logged and ignored" {
        set log [dict get [lindex $::sentinel_procs 2] log]
        set before [::field [$s1 sentinel master mymaster] num-other-sentinels]
        $s1 publish __sentinel__:hello "only,three,fields"
        $s1 publish __sentinel__:hello "127.0.0.1,notaport,[string repeat a 40],0,mymaster,127.0.0.1,$mport,0"
        $s1 publish __sentinel__:hello "bad\r\nbytes\x01,[string repeat x 300]"
        wait_for_condition 100 50 {
            [regexp -all {Malformed hello message ignored} [::file_content $log]] >= 3
        } else {fail "the malformed hellos were not logged"}
        set text [::file_content $log]
        assert_match {*Malformed hello message ignored (8 comma-separated fields expected): "only,three,fields"*} $text
        assert_match {*Malformed hello message ignored (bad port, epoch or run id)*} $text
        # Raw control bytes of a peer never reach the log.
        assert_no_match "*\nbytes*" $text
        assert {[string first {"bad\r\nbytes\x01,xxx} $text] >= 0}
        assert {[string first {xxx"...} $text] >= 0}
        assert_equal $before [::field [$s1 sentinel master mymaster] num-other-sentinels]
        assert_equal PONG [$s1 ping]
    }

    test "A truncated sentinel config file stops start-up with a clear error" {
        assert_equal OK [$s1 sentinel flushconfig]
        set conf [dict get [lindex $::sentinel_procs 2] conf]
        set text [::file_content $conf]
        set cuts {}
        # Cut inside "sentinel monitor": the quorum and port are gone.
        set at [string first "sentinel monitor mymaster 127.0.0.1" $text]
        lappend cuts [expr {$at + [string length "sentinel monitor mymaster 127.0.0.1"]}] \
            "*Unrecognized sentinel configuration statement*"
        # Cut inside the id.
        set at [string first "sentinel myid " $text]
        lappend cuts [expr {$at + [string length "sentinel myid "] + 12}] \
            "*Malformed Sentinel id in myid option*"
        # Cut inside a quoted value.
        set at [string first "dir \"" $text]
        if {$at >= 0} {
            lappend cuts [expr {$at + 8}] "*Unbalanced quotes*"
        }
        set i 0
        foreach {cut pattern} $cuts {
            set tconf [file join [::sentinel_dir] truncated[incr i].conf]
            set f [open $tconf w]
            puts -nonewline $f [string range $text 0 [expr {$cut - 1}]]
            close $f
            set rc [catch {exec timeout 20 $::server_bin $tconf --sentinel --port 0 2>@1} out]
            assert_equal 1 $rc
            assert_match "*FATAL CONFIG FILE ERROR*" $out
            assert_match "*Reading the configuration file, at line *" $out
            assert_match $pattern $out
        }
    }

    if {$::tls} {
        test "A sentinel with a certificate from another CA is refused and logged; the others go on" {
            set d $::tls_dir
            set bad [::start_sentinel s3 [lindex $sports 2] mymaster $mport 2 "" \
                         [list "tls-client-cert-file $d/other-client.crt" \
                               "tls-client-key-file $d/other-client.key"]]
            wait_for_condition 200 50 {
                [string match "*certificate verify failed*" [::file_content [dict get $master log]]]
            } else {fail "the master did not log the refused handshake"}
            assert_equal master [::field [$s1 sentinel master mymaster] flags]
            assert_equal 1 [::field [$s1 sentinel master mymaster] num-slaves]
            assert_match "OK *" [$s1 sentinel ckquorum mymaster]
            assert_equal PONG [$s2 ping]
        }
    }
} finally {
    foreach c {s1 s2} {if {[info exists $c]} {catch {[set $c] close}}}
    ::sentinel_cleanup
}
