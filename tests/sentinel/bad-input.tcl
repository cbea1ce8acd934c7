# Sentinel bad input: a peer that accepts TCP but never speaks does not
# delay the other links; under --tls, a sentinel whose client certificate
# comes from another CA is refused (and the refusal logged) while the
# others go on.  (Malformed hello messages: tests/sentinel/sentinel.tcl.)
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
