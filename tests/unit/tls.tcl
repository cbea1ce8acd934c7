# tls.tcl -- what only the TLS connection type has: the tls-* directives,
# dual and TLS-only listeners, mutual TLS, protocol and cipher limits, live
# certificate reload, failed reloads and start-ups, session resumption, the
# handshake timeout, garbage on either port, many handshakes at once, the
# INFO "# TLS" section and CLIENT LIST's tls= field.
#
# Every server here is started with explicit TLS directives (certificates
# from tests/tls, ports from this worker's range), so the file runs the same
# in plain and --tls suite modes. Assertions about counters and fields that
# Redis 7.0 does not have carry the tag tls:ours and are skipped when the
# binary under test has no INFO "# TLS" section (a reference Redis).

package require tls

set ::tls_assets [file join $::tmp_root "tls-assets.[pid]"]
set ::tls_port 0
set ::plain_port 0
set ::tls_port_on 1

proc tls_file {name} {
    return [file join $::tls_dir $name]
}

# Makes sure every certificate this file needs exists in tests/tls (running
# utils/gen-test-certs.sh, which keeps existing files, under a lock file so
# that parallel workers do not generate at the same time), then prepares
# private assets: a hashed CA directory and a passphrase-protected client key.
proc tls_prepare_assets {} {
    set need {ca.crt ca.key server.crt server.key server-2.crt server-2.key
        server-pass.key client.crt client.key other-ca.crt other-client.crt
        other-client.key redis.dh}
    set missing 0
    foreach f $need {
        if {![file exists [tls_file $f]]} {set missing 1}
    }
    if {$missing} {
        file mkdir $::tls_dir
        set lock [file join $::tls_dir .gen-test-certs.lock]
        set deadline [expr {[clock milliseconds] + 60000}]
        while {[catch {open $lock {WRONLY CREAT EXCL}} fh]} {
            if {[clock milliseconds] > $deadline} break
            after 50
        }
        catch {close $fh}
        set rc [catch {exec sh [file join $::root utils gen-test-certs.sh] $::tls_dir 2>@1} e]
        file delete -force $lock
        if {$rc} {error "gen-test-certs.sh failed: $e"}
    }
    file delete -force $::tls_assets
    file mkdir [file join $::tls_assets cadir]
    file copy [tls_file ca.crt] [file join $::tls_assets cadir ca.crt]
    exec openssl rehash [file join $::tls_assets cadir] 2>@1
    exec openssl pkey -in [tls_file client.key] -aes256 -passout pass:secret2 \
        -out [file join $::tls_assets client-pass.key] 2>@1
}

# Returns the serial of certificate <file> as upper-case hex without
# leading zeros, as "openssl x509 -serial" prints it.
proc tls_norm_serial {s} {
    set s [string toupper [string trim $s]]
    regsub {^SERIAL=} $s {} s
    set s [string trimleft $s 0]
    return $s
}

proc tls_file_serial {file} {
    return [tls_norm_serial [exec openssl x509 -in $file -noout -serial]]
}

# The serial of the certificate a fresh connection to <port> is shown, read
# with openssl s_client (client certificate <cert>, from tests/tls).
proc tls_peer_serial {port {cert client}} {
    catch {
        exec timeout 20 openssl s_client -connect 127.0.0.1:$port \
            -CAfile [tls_file ca.crt] -cert [tls_file $cert.crt] \
            -key [tls_file $cert.key] << "" 2>/dev/null | \
            openssl x509 -noout -serial 2>/dev/null
    } out
    return [tls_norm_serial [lindex [split $out \n] 0]]
}

# Value of <field> in INFO tls of the default client ("" if absent).
proc tlsinfo {field} {
    set info [r info tls]
    if {[regexp "(?:^|\r\n)$field:(\[^\r\n\]*)" $info -> v]} {return $v}
    return ""
}

# Opens a TLS connection to <port> presenting certificate <cert> ("" for
# none) with extra tcl-tls options <extra>, sends PING and returns the reply
# line ("+PONG"), or "ERR: <why>" if the handshake or the exchange failed.
# Never waits longer than <ms>.
proc tls_try_ping {port {cert client} {extra {}} {ms 10000}} {
    set opts [list -cafile [tls_file ca.crt]]
    if {$cert ne ""} {
        lappend opts -certfile [tls_file $cert.crt] -keyfile [tls_file $cert.key]
    }
    if {[catch {tls::socket {*}$opts {*}$extra 127.0.0.1 $port} s]} {
        return "ERR: connect: $s"
    }
    set deadline [expr {[clock milliseconds] + $ms}]
    fconfigure $s -blocking 0 -translation binary -buffering none
    while 1 {
        if {[catch {tls::handshake $s} done]} {
            catch {close $s}
            return "ERR: handshake: $done"
        }
        if {$done} break
        if {[clock milliseconds] > $deadline} {
            catch {close $s}
            return "ERR: handshake did not finish"
        }
        after 5
    }
    if {[catch {puts -nonewline $s "PING\r\n"; flush $s} e]} {
        catch {close $s}
        return "ERR: write: $e"
    }
    set res "ERR: no reply"
    while {[clock milliseconds] <= $deadline} {
        if {[catch {gets $s line} n]} {
            set res "ERR: read: $n"
            break
        }
        if {$n >= 0} {
            set res [string trimright $line "\r"]
            break
        }
        if {[eof $s]} {
            set res "ERR: closed by server"
            break
        }
        after 5
    }
    catch {close $s}
    return $res
}

# A blocking TLS socket to <port> with the handshake done.
proc tls_open {port {cert client} {extra {}}} {
    set opts [list -cafile [tls_file ca.crt]]
    if {$cert ne ""} {
        lappend opts -certfile [tls_file $cert.crt] -keyfile [tls_file $cert.key]
    }
    set s [tls::socket {*}$opts {*}$extra 127.0.0.1 $port]
    fconfigure $s -translation binary -buffering none
    tls::handshake $s
    return $s
}

# 1 once the peer of the non-blocking socket <s> has closed it.
proc tls_peer_closed {s} {
    if {[catch {read $s} d]} {return 1}
    return [eof $s]
}

# 1 if a plain TCP connection to <port> is refused.
proc tls_refused {port} {
    if {[catch {socket 127.0.0.1 $port} s]} {return 1}
    close $s
    return 0
}

# Connects the default client of the innermost server once it is ready:
# over TLS in --tls suite mode (or when there is no plain port), plainly
# otherwise.
proc tls_server_ready {} {
    set s [lindex $::servers end]
    ::wait_server_ready $s [dict get $s pid]
    if {$::plain_port != 0 && (!$::tls || !$::tls_port_on)} {
        set c [redis_client -notls 127.0.0.1 $::plain_port]
    } else {
        set c [redis_client -tls 127.0.0.1 $::tls_port]
    }
    ::set_srv 0 client $c
}

# start_tls_server <overrides> <body> ?<with_plain>?
# Starts a server with a TLS listener (::tls_port), a plain one too when
# <with_plain> (::plain_port), the test certificates and mutual TLS, plus
# <overrides>; runs <body> in the caller's frame.
proc start_tls_server {overrides body {with_plain 1}} {
    set ::tls_port [::next_port]
    set ::plain_port [expr {$with_plain ? [::next_port] : 0}]
    set conf [list port $::plain_port tls-port $::tls_port \
                  tls-cert-file [tls_file server.crt] \
                  tls-key-file [tls_file server.key] \
                  tls-ca-cert-file [tls_file ca.crt] \
                  tls-auth-clients yes]
    foreach {k v} $overrides {dict set conf $k $v}
    set ::tls_port_on [expr {[dict get $conf tls-port] != 0}]
    uplevel 1 [list start_server [list overrides $conf wait_ready 0] \
                   "tls_server_ready\n$body"]
}

# Runs the server binary with <args> (directives) and returns {exitcode
# output}; the server is expected to refuse to start.
proc tls_failed_startup {args} {
    set dir [file join $::tmp_root "tls-fail.[pid].[incr ::tls_fail_count]"]
    file mkdir $dir
    set cmd [list timeout 20 $::server_bin --bind 127.0.0.1 --port 0 \
                 --dir $dir --save "" --daemonize no {*}$args]
    set rc [catch {exec {*}$cmd 2>@1} out opts]
    file delete -force $dir
    set code 0
    if {$rc} {
        set ec [dict get $opts -errorcode]
        if {[lindex $ec 0] eq "CHILDSTATUS"} {set code [lindex $ec 2]} else {set code -1}
    }
    return [list $code $out]
}

tls_prepare_assets

# Which server is this? Ours has an INFO "# TLS" section saying whether TLS
# was compiled in; a reference Redis has none (and, here, always has TLS).
start_server {tags {tls}} {
    set info [r info tls]
    set ::tls_ours [regexp {tls_built:} $info]
    set ::tls_built [expr {$::tls_ours ? [regexp {tls_built:1} $info] : 1}]
}
if {!$::tls_ours} {lappend ::deny_tags tls:ours}

tags {tls needs:server-control external:skip} {

if {!$::tls_built} {
    test "TLS: without TLS compiled in, a tls-port stops start-up" {
        lassign [tls_failed_startup --tls-port [::next_port] \
                     --tls-cert-file [tls_file server.crt] \
                     --tls-key-file [tls_file server.key]] code out
        assert_not_equal 0 $code
        assert_match "*TLS support was not compiled in*" $out
        assert_no_match "*Ready to accept connections*" $out
    }
} else {

# ------------------------------------------------------------ directives

set all_directives [list \
    tls-cert-file [tls_file server.crt] \
    tls-key-file [tls_file server-pass.key] \
    tls-key-file-pass secret \
    tls-client-cert-file [tls_file client.crt] \
    tls-client-key-file [file join $::tls_assets client-pass.key] \
    tls-client-key-file-pass secret2 \
    tls-dh-params-file [tls_file redis.dh] \
    tls-ca-cert-file [tls_file ca.crt] \
    tls-ca-cert-dir [file join $::tls_assets cadir] \
    tls-auth-clients optional \
    tls-protocols "TLSv1.2 TLSv1.3" \
    tls-ciphers "HIGH:!aNULL:!MD5" \
    tls-ciphersuites "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256" \
    tls-prefer-server-ciphers yes \
    tls-session-caching no \
    tls-session-cache-size 1000 \
    tls-session-cache-timeout 60 \
    tls-replication yes \
    tls-cluster yes]
if {$::tls_ours} {lappend all_directives tls-handshake-timeout 2500}

# Config-file form: values with spaces quoted.
set conf_directives {}
foreach {k v} $all_directives {
    if {[string first " " $v] >= 0} {set v "\"$v\""}
    lappend conf_directives $k $v
}

start_tls_server $conf_directives {
    test "TLS: every tls-* directive is accepted at start-up" {
        foreach {k v} $all_directives {
            assert_equal [list $k $v] [r config get $k] "CONFIG GET $k"
        }
        assert_equal "+PONG" [tls_try_ping $::tls_port client]
        assert_equal "+PONG" [tls_try_ping $::tls_port ""]
    }
}

start_tls_server {} {
    test "TLS: CONFIG SET / CONFIG GET round trip of every tls-* directive" {
        # Groups of directives set together (a certificate and its key
        # must change at once).
        set groups [list \
            [list tls-cert-file [tls_file server-2.crt] tls-key-file [tls_file server-2.key]] \
            [list tls-cert-file [tls_file server.crt] \
                 tls-key-file [tls_file server-pass.key] tls-key-file-pass secret] \
            [list tls-client-cert-file [tls_file client.crt] \
                 tls-client-key-file [file join $::tls_assets client-pass.key] \
                 tls-client-key-file-pass secret2] \
            [list tls-dh-params-file [tls_file redis.dh]] \
            [list tls-ca-cert-dir [file join $::tls_assets cadir]] \
            [list tls-ca-cert-file [tls_file ca.crt]] \
            {tls-auth-clients no} {tls-auth-clients optional} {tls-auth-clients yes} \
            {tls-protocols "TLSv1.2 TLSv1.3"} {tls-protocols TLSv1.3} \
            {tls-ciphers HIGH:!aNULL} \
            {tls-ciphersuites TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384} \
            {tls-prefer-server-ciphers yes} {tls-prefer-server-ciphers no} \
            {tls-session-caching no} {tls-session-caching yes} \
            {tls-session-cache-size 5000} {tls-session-cache-timeout 120} \
            {tls-replication yes} {tls-replication no} \
            {tls-cluster yes} {tls-cluster no}]
        if {$::tls_ours} {lappend groups {tls-handshake-timeout 2500}}
        foreach group $groups {
            assert_equal OK [r config set {*}$group] "CONFIG SET $group"
            foreach {n v} $group {
                assert_equal [list $n $v] [r config get $n]
            }
        }
        # The server still negotiates with all of that in force.
        assert_equal "+PONG" [tls_try_ping $::tls_port client]
    }

    test "TLS: bad values of tls-auth-clients and tls-protocols are refused" {
        assert_error "*" {r config set tls-auth-clients maybe}
        assert_equal yes [lindex [r config get tls-auth-clients] 1]
        assert_error "*" {r config set tls-protocols TLSv9}
        assert_equal TLSv1.3 [lindex [r config get tls-protocols] 1]
    }
}

# --------------------------------------------------------------- listeners

start_tls_server {} {
    test "TLS: plain and TLS ports both answer" {
        set c [redis_client -notls 127.0.0.1 $::plain_port]
        assert_equal PONG [$c ping]
        $c close
        assert_equal "+PONG" [tls_try_ping $::tls_port client]
    }
}

start_tls_server {} {
    test "TLS: TLS only with port 0" {
        assert_equal "+PONG" [tls_try_ping $::tls_port client]
        assert_equal 0 [lindex [r config get port] 1]
    }
} 0

start_tls_server {tls-port 0} {
    test "TLS: CONFIG SET tls-port opens and closes the TLS listener live" {
        assert {[tls_refused $::tls_port]}
        assert_equal OK [r config set tls-port $::tls_port]
        assert_equal "+PONG" [tls_try_ping $::tls_port client]
        set keep [tls_open $::tls_port]
        assert_equal OK [r config set tls-port 0]
        wait_for_condition 100 20 {[tls_refused $::tls_port]} else {
            fail "the TLS port still accepts connections after tls-port 0"
        }
        # A connection accepted before the listener closed keeps working.
        puts -nonewline $keep "PING\r\n"
        flush $keep
        assert_equal "+PONG\r" [gets $keep]
        close $keep
        assert_equal PONG [r ping]
    }
}

# ------------------------------------------------------------- mutual TLS

start_tls_server {tls-auth-clients yes} {
    test "TLS: tls-auth-clients yes rejects a client without a certificate" {
        set before [tlsinfo tls_handshakes_failed_no_cert]
        assert_match "ERR:*" [tls_try_ping $::tls_port ""]
        assert_equal "+PONG" [tls_try_ping $::tls_port client]
        assert_equal PONG [r ping]
        if {$::tls_ours} {
            wait_for_condition 100 20 {
                [tlsinfo tls_handshakes_failed_no_cert] > $before
            } else {
                fail "tls_handshakes_failed_no_cert did not increase"
            }
        }
    }

    test "TLS: a certificate from another CA fails verification" {
        set before [tlsinfo tls_handshakes_failed_verify]
        assert_match "ERR:*" [tls_try_ping $::tls_port other-client]
        assert_equal PONG [r ping]
        if {$::tls_ours} {
            wait_for_condition 100 20 {
                [tlsinfo tls_handshakes_failed_verify] > $before
            } else {
                fail "tls_handshakes_failed_verify did not increase"
            }
        }
    }

    test "TLS: tls-auth-clients optional accepts none or a valid certificate" {
        r config set tls-auth-clients optional
        assert_equal "+PONG" [tls_try_ping $::tls_port ""]
        assert_equal "+PONG" [tls_try_ping $::tls_port client]
        assert_match "ERR:*" [tls_try_ping $::tls_port other-client]
    }

    test "TLS: tls-auth-clients no accepts a client without certificate" {
        r config set tls-auth-clients no
        assert_equal "+PONG" [tls_try_ping $::tls_port ""]
        r config set tls-auth-clients yes
        assert_match "ERR:*" [tls_try_ping $::tls_port ""]
    }
}

# -------------------------------------------------- protocols and ciphers

start_tls_server {tls-protocols TLSv1.3} {
    test "TLS: a TLSv1.2 client is refused by a TLSv1.3-only server" {
        set before [tlsinfo tls_handshakes_failed_protocol]
        assert_match "ERR:*" [tls_try_ping $::tls_port client {-tls1.2 1 -tls1.3 0}]
        assert_equal "+PONG" [tls_try_ping $::tls_port client]
        assert_equal PONG [r ping]
        if {$::tls_ours} {
            wait_for_condition 100 20 {
                [tlsinfo tls_handshakes_failed_protocol] > $before
            } else {
                fail "tls_handshakes_failed_protocol did not increase"
            }
        }
    }
}

start_tls_server {tls-protocols TLSv1.2
        tls-ciphers ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384} {
    test "TLS: a client with no cipher in common is refused" {
        set before [tlsinfo tls_handshakes_failed_protocol]
        set mine ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256
        assert_match "ERR:*" [tls_try_ping $::tls_port client \
                                  [list -tls1.2 1 -tls1.3 0 -cipher $mine]]
        set theirs ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384
        assert_equal "+PONG" [tls_try_ping $::tls_port client \
                                  [list -tls1.2 1 -tls1.3 0 -cipher $theirs]]
        assert_equal PONG [r ping]
        if {$::tls_ours} {
            wait_for_condition 100 20 {
                [tlsinfo tls_handshakes_failed_protocol] > $before
            } else {
                fail "tls_handshakes_failed_protocol did not increase"
            }
        }
    }
}

# ---------------------------------------------------------------- reload

start_tls_server {} {
    test "TLS: live certificate reload keeps open connections" {
        set old_serial [tls_file_serial [tls_file server.crt]]
        set new_serial [tls_file_serial [tls_file server-2.crt]]
        assert_equal $old_serial [tls_peer_serial $::tls_port]
        if {$::tls_ours} {
            assert_equal $old_serial [tls_norm_serial [tlsinfo tls_cert_serial]]
        }
        set c [redis_client -tls 127.0.0.1 $::tls_port]
        assert_equal PONG [$c ping]
        assert_equal OK [r config set tls-cert-file [tls_file server-2.crt] \
                             tls-key-file [tls_file server-2.key]]
        assert_equal PONG [$c ping]
        assert_equal OK [$c set across reload]
        assert_equal reload [$c get across]
        $c close
        assert_equal $new_serial [tls_peer_serial $::tls_port]
        if {$::tls_ours} {
            assert_equal $new_serial [tls_norm_serial [tlsinfo tls_cert_serial]]
        }
        assert_equal "+PONG" [tls_try_ping $::tls_port client]
    }
}

start_tls_server {} {
    test "TLS: a reload with a key that does not match changes nothing" {
        set serial [tls_file_serial [tls_file server.crt]]
        set c [redis_client -tls 127.0.0.1 $::tls_port]
        catch {r config set tls-key-file [tls_file server-2.key]} e
        assert_match "*tls-key-file*" $e
        # A reason beyond the directive name.
        assert {[string length $e] > [string length "ERR tls-key-file"] + 10}
        assert_equal [list tls-key-file [tls_file server.key]] [r config get tls-key-file]
        assert_equal PONG [$c ping]
        $c close
        assert_equal $serial [tls_peer_serial $::tls_port]
    }

    test "TLS: a reload with a wrong passphrase fails" {
        set serial [tls_file_serial [tls_file server.crt]]
        catch {r config set tls-key-file [tls_file server-pass.key] \
                   tls-key-file-pass wrong} e
        assert_match "*ERR*tls-key-file*" $e
        assert_equal [list tls-key-file [tls_file server.key]] [r config get tls-key-file]
        assert_equal $serial [tls_peer_serial $::tls_port]
        # The right passphrase works.
        assert_equal OK [r config set tls-key-file [tls_file server-pass.key] \
                             tls-key-file-pass secret]
        assert_equal "+PONG" [tls_try_ping $::tls_port client]
    }

    test "TLS: a reload with a missing file fails" {
        set missing [file join $::tls_assets no-such.crt]
        catch {r config set tls-cert-file $missing} e
        assert_match "*ERR*tls-cert-file*" $e
        assert_equal [list tls-cert-file [tls_file server.crt]] [r config get tls-cert-file]
        catch {r config set tls-ca-cert-file $missing} e
        assert_match "*ERR*tls-ca-cert-file*" $e
        catch {r config set tls-dh-params-file $missing} e
        assert_match "*ERR*tls-dh-params-file*" $e
        assert_equal [tls_file_serial [tls_file server.crt]] [tls_peer_serial $::tls_port]
        assert_equal "+PONG" [tls_try_ping $::tls_port client]
    }
}

test "TLS: start-up stops on a missing certificate file or a key mismatch" {
    set missing [file join $::tls_assets no-such.crt]
    lassign [tls_failed_startup --tls-port [::next_port] \
                 --tls-cert-file $missing \
                 --tls-key-file [tls_file server.key] \
                 --tls-ca-cert-file [tls_file ca.crt]] code out
    assert_not_equal 0 $code
    assert_no_match "*Ready to accept connections*" $out
    assert_match "*$missing*" $out
    if {$::tls_ours} {assert_match "*tls-cert-file*" $out}

    lassign [tls_failed_startup --tls-port [::next_port] \
                 --tls-cert-file [tls_file server.crt] \
                 --tls-key-file [tls_file server-2.key] \
                 --tls-ca-cert-file [tls_file ca.crt]] code out
    assert_not_equal 0 $code
    assert_no_match "*Ready to accept connections*" $out
    assert_match "*server-2.key*" $out
    if {$::tls_ours} {assert_match "*tls-key-file*" $out}
}

# ------------------------------------------------------------ resumption

start_tls_server {tls-session-caching yes} {
    test "TLS: sessions are resumed (openssl s_client -reconnect)" {
        catch {
            exec timeout 30 openssl s_client -connect 127.0.0.1:$::tls_port \
                -tls1_2 -reconnect -CAfile [tls_file ca.crt] \
                -cert [tls_file client.crt] -key [tls_file client.key] \
                << "" 2>/dev/null
        } out
        assert_match "*New, TLSv1.2*" $out
        assert {[regexp -all -line {^Reused, } $out] >= 1}
        if {$::tls_ours} {assert_morethan [tlsinfo tls_sessions_resumed] 0}
    }

    test "TLS: no resumption with tls-session-caching no" {
        r config set tls-session-caching no
        catch {
            exec timeout 30 openssl s_client -connect 127.0.0.1:$::tls_port \
                -tls1_2 -reconnect -CAfile [tls_file ca.crt] \
                -cert [tls_file client.crt] -key [tls_file client.key] \
                << "" 2>/dev/null
        } out
        assert_match "*New, TLSv1.2*" $out
        assert_equal 0 [regexp -all -line {^Reused, } $out]
    }
}

# ---------------------------------------------- timeouts and garbage input

start_tls_server {} {
    test "TLS: a client that never starts the handshake is dropped" {
        assert_equal OK [r config set tls-handshake-timeout 300]
        set before [tlsinfo tls_handshakes_failed_timeout]
        set s [socket 127.0.0.1 $::tls_port]
        fconfigure $s -blocking 0 -translation binary
        wait_for_condition 250 20 {[tls_peer_closed $s]} else {
            fail "the server kept a silent connection open past the handshake timeout"
        }
        close $s
        wait_for_condition 100 20 {
            [tlsinfo tls_handshakes_failed_timeout] > $before
        } else {
            fail "tls_handshakes_failed_timeout did not increase"
        }
        # Later tests in this server open many connections at once, and a
        # loaded machine can take more than 300 ms for one handshake.
        assert_equal OK [r config set tls-handshake-timeout 10000]
        # A real client is served after the silent one was dropped.
        assert_equal "+PONG" [tls_try_ping $::tls_port client]
    } {tls:ours}

    test "TLS: plain text on the TLS port is dropped and counted" {
        set before [tlsinfo tls_handshakes_failed_not_tls]
        set s [socket 127.0.0.1 $::tls_port]
        fconfigure $s -blocking 0 -translation binary
        puts -nonewline $s "PING\r\n"
        flush $s
        wait_for_condition 250 20 {[tls_peer_closed $s]} else {
            fail "the server kept a plain-text connection on the TLS port"
        }
        close $s
        assert_equal PONG [r ping]
        assert_equal "+PONG" [tls_try_ping $::tls_port client]
        if {$::tls_ours} {
            wait_for_condition 100 20 {
                [tlsinfo tls_handshakes_failed_not_tls] > $before
            } else {
                fail "tls_handshakes_failed_not_tls did not increase"
            }
        }
    }

    test "TLS: a TLS client on the plain port fails and the server goes on" {
        assert_match "ERR:*" [tls_try_ping $::plain_port client {} 3000]
        assert_equal PONG [r ping]
        if {$::tls_ours} {
            # Our server answers a ClientHello on the plain port with a
            # protocol error and closes at once, instead of waiting for a
            # line end: the handshake fails well before the 3 s deadline.
            set start [clock milliseconds]
            set res [tls_try_ping $::plain_port client {} 3000]
            assert_match "ERR: handshake:*" $res
            assert {[clock milliseconds] - $start < 2000}
        }
        set c [redis_client -notls 127.0.0.1 $::plain_port]
        assert_equal PONG [$c ping]
        $c close
    }
}

# ------------------------------------------------------------ TLS records

start_tls_server {} {
    test "TLS: records buffered in the TLS library are served without a new socket event" {
        set script [file join $::tests_dir helpers tls_records.py]
        set rc [catch {exec /usr/bin/python3 $script $::tls_port [srv 0 pid] \
                           [file dirname [tls_file ca.crt]]} out]
        assert_equal OK [string trim $out] "tls_records.py: $out"
        assert_equal 0 $rc
    }
}

# ------------------------------------------------------------------ load

start_tls_server {} {
    test "TLS: 200 concurrent handshakes" {
        # tcl-tls builds a context per socket (tens of ms each, more under
        # sanitizers), so the first handshakes are only driven seconds
        # later: give them more than the default 10 s handshake timeout,
        # which has its own test above.
        if {$::tls_ours} {
            assert_equal OK [r config set tls-handshake-timeout 120000]
        }
        set socks {}
        for {set i 0} {$i < 200} {incr i} {
            set s [tls::socket -cafile [tls_file ca.crt] \
                       -certfile [tls_file client.crt] \
                       -keyfile [tls_file client.key] 127.0.0.1 $::tls_port]
            fconfigure $s -blocking 0 -translation binary -buffering none
            lappend socks $s
        }
        # Drive all handshakes at once.
        set pending $socks
        set failed {}
        set deadline [expr {[clock milliseconds] + 120000}]
        while {[llength $pending] && [clock milliseconds] < $deadline} {
            set next {}
            foreach s $pending {
                if {[catch {tls::handshake $s} done]} {
                    lappend failed $done
                } elseif {!$done} {
                    lappend next $s
                }
            }
            set pending $next
            if {[llength $pending]} {after 5}
        }
        assert_equal {} $failed
        assert_equal 0 [llength $pending]
        foreach s $socks {puts -nonewline $s "PING\r\n"; flush $s}
        set replies 0
        set waiting $socks
        while {[llength $waiting] && [clock milliseconds] < $deadline} {
            set next {}
            foreach s $waiting {
                if {[catch {gets $s line} n] || ($n < 0 && [eof $s])} {
                    lappend failed "closed"
                } elseif {$n >= 0} {
                    if {$line eq "+PONG\r"} {incr replies} else {lappend failed $line}
                } else {
                    lappend next $s
                }
            }
            set waiting $next
            if {[llength $waiting]} {after 5}
        }
        foreach s $socks {catch {close $s}}
        assert_equal {} $failed
        assert_equal 200 $replies
        if {$::tls_ours} {assert {[tlsinfo tls_handshakes] >= 200}}
    }

    test "TLS: 1 MB of pipelined SETs over one TLS connection get every reply" {
        set val [string repeat x 100]
        set buf ""
        set n 0
        while {[string length $buf] < 1048576} {
            append buf "*3\r\n\$3\r\nSET\r\n\$[string length key:$n]\r\nkey:$n\r\n\$100\r\n$val\r\n"
            incr n
        }
        set s [tls_open $::tls_port]
        fconfigure $s -blocking 1 -buffering full
        puts -nonewline $s $buf
        flush $s
        fconfigure $s -blocking 0
        set ok 0
        set bad {}
        set deadline [expr {[clock milliseconds] + 60000}]
        while {$ok < $n && [clock milliseconds] < $deadline} {
            if {[catch {gets $s line} len]} {lappend bad $len; break}
            if {$len >= 0} {
                if {$line eq "+OK\r"} {incr ok} else {lappend bad $line}
            } elseif {[eof $s]} {
                lappend bad "connection closed"
                break
            } else {
                after 1
            }
        }
        close $s
        assert_equal {} $bad
        assert_equal $n $ok
        assert_equal $n [r dbsize]
        assert_equal $val [r get key:[expr {$n - 1}]]
    }
}

# ------------------------------------------------- INFO and CLIENT LIST

start_tls_server {} {
    test "TLS: INFO tls shows the listener and the certificate" {
        assert_equal 1 [tlsinfo tls_built]
        assert_equal 1 [tlsinfo tls_enabled]
        assert_equal $::tls_port [tlsinfo tls_port]
        assert_equal yes [tlsinfo tls_auth_clients]
        set subj [exec openssl x509 -in [tls_file server.crt] -noout -subject -nameopt multiline]
        regexp {commonName\s*=\s*([^\n]+)} $subj -> cn
        assert_match "*$cn*" [tlsinfo tls_cert_subject]
        set issuer [exec openssl x509 -in [tls_file ca.crt] -noout -subject -nameopt multiline]
        regexp {commonName\s*=\s*([^\n]+)} $issuer -> ca_cn
        assert_match "*$ca_cn*" [tlsinfo tls_cert_issuer]
        assert_equal [tls_file_serial [tls_file server.crt]] [tls_norm_serial [tlsinfo tls_cert_serial]]
        assert_morethan [tlsinfo tls_cert_expires_in_seconds] 0
        assert_morethan [tlsinfo tls_cert_not_after] [clock seconds]
        foreach f {tls_handshakes tls_handshakes_failed tls_handshakes_failed_no_cert
            tls_handshakes_failed_verify tls_handshakes_failed_protocol
            tls_handshakes_failed_not_tls tls_handshakes_failed_timeout
            tls_handshakes_failed_other tls_sessions_resumed} {
            assert_match {[0-9]*} [tlsinfo $f] $f
        }
        set before [tlsinfo tls_handshakes]
        assert_equal "+PONG" [tls_try_ping $::tls_port client]
        assert_morethan [tlsinfo tls_handshakes] $before
    } {tls:ours}

    test "TLS: CLIENT LIST shows tls=1 for TLS clients and tls=0 for plain ones" {
        set t [redis_client -tls 127.0.0.1 $::tls_port]
        set p [redis_client -notls 127.0.0.1 $::plain_port]
        $t client setname tlsclient
        $p client setname plainclient
        set list [r client list]
        assert {[regexp -line {^.* name=tlsclient .* tls=1$} [string map {\r ""} $list]]}
        assert {[regexp -line {^.* name=plainclient .* tls=0$} [string map {\r ""} $list]]}
        assert_match "* tls=1" [string trimright [$t client info]]
        assert_match "* tls=0" [string trimright [$p client info]]
        $t close
        $p close
    } {tls:ours}
}

}
}

file delete -force $::tls_assets

# ------------------------------------------------- hostile peers (layer)

start_tls_server {} {
    test "TLS: a KeyUpdate request while the server's send buffer is full, then more bytes: no busy loop" {
        set script [file join $::tests_dir helpers hostile_peer.py]
        set rc [catch {exec /usr/bin/python3 $script keyupdate $::tls_port \
                           [srv 0 pid] [file dirname [tls_file ca.crt]]} out]
        assert_match "OK*" [string trim $out] "hostile_peer.py: $out"
        assert_equal 0 $rc
        assert_equal PONG [r ping]
    }
}

# --------------------------------------------- maxclients and descriptors

# Opens <n> TCP connections to <port> that never start a TLS handshake.
proc tls_idle_sockets {port n} {
    set socks {}
    for {set i 0} {$i < $n} {incr i} {
        lappend socks [socket 127.0.0.1 $port]
    }
    return $socks
}

start_tls_server {maxclients 2} {
    test "TLS: a client over maxclients is told so after its handshake, counting handshakes in progress" {
        # The test's own client is one; a TCP connection still in its
        # handshake makes two: the next TLS client is refused, readably.
        set idle [tls_idle_sockets $::tls_port 1]
        wait_for_condition 100 20 {[s connected_clients] == 2} else {
            fail "the handshaking connection is not counted"
        }
        assert_equal "-ERR max number of clients reached" [tls_try_ping $::tls_port]
        foreach sock $idle {close $sock}
        wait_for_condition 100 20 {[s connected_clients] == 1} else {
            fail "connected_clients did not come back to 1"
        }
        assert_equal "+PONG" [tls_try_ping $::tls_port]
    }

    test "TLS: a client accepted under maxclients is not refused because later ones arrived" {
        # X arrives while there is room and handshakes slowly; Y arrives
        # after it (over the limit). X must still be served.
        set x [tls::socket -cafile [tls_file ca.crt] -certfile [tls_file client.crt] \
                   -keyfile [tls_file client.key] 127.0.0.1 $::tls_port]
        fconfigure $x -blocking 0 -translation binary -buffering none
        wait_for_condition 100 20 {[s connected_clients] == 2} else {
            fail "X was not accepted"
        }
        set idle [tls_idle_sockets $::tls_port 1]
        wait_for_condition 100 20 {[s connected_clients] == 3} else {
            fail "Y was not accepted"
        }
        set deadline [expr {[clock milliseconds] + 10000}]
        while {![tls::handshake $x]} {
            if {[clock milliseconds] > $deadline} {fail "X's handshake did not finish"}
            after 5
        }
        puts -nonewline $x "PING\r\n"
        flush $x
        set line ""
        while {[clock milliseconds] < $deadline} {
            if {[gets $x line] >= 0} break
            if {[eof $x]} break
            after 5
        }
        assert_equal "+PONG" [string trimright $line "\r"]
        close $x
        foreach sock $idle {close $sock}
    }
}

start_tls_server {maxclients 4} {
    test "TLS: a connection beyond the event loop's descriptors is closed at once, not left hanging" {
        # maxclients 4 sizes the loop for 4 + 128 descriptors; these idle
        # connections push the next descriptor past it.
        set idle [tls_idle_sockets $::tls_port 160]
        wait_for_condition 200 20 {[s rejected_connections] > 0} else {
            fail "no connection was refused"
        }
        set t0 [clock milliseconds]
        set res [tls_try_ping $::tls_port client {} 5000]
        assert_match "ERR:*" $res
        assert_no_match "*did not finish*" $res
        foreach sock $idle {close $sock}
        wait_for_condition 200 20 {[s connected_clients] == 1} else {
            fail "the idle connections were not released"
        }
        assert_equal "+PONG" [tls_try_ping $::tls_port]
    }

    test "TLS: per-cycle accept limits are directives (Redis 7.4 names)" {
        assert_equal {max-new-tls-connections-per-cycle 1} \
            [r config get max-new-tls-connections-per-cycle]
        assert_equal {max-new-connections-per-cycle 10} \
            [r config get max-new-connections-per-cycle]
        r config set max-new-tls-connections-per-cycle 5
        assert_equal "+PONG" [tls_try_ping $::tls_port]
        assert_error "*max-new-connections-per-cycle*" \
            {r config set max-new-connections-per-cycle 0}
        r config set max-new-tls-connections-per-cycle 1
    }
}

# A burst of connections that is already waiting in the listen backlog when
# the server next looks (it is stopped with SIGSTOP while they connect) is
# taken at most max-new-*-connections-per-cycle per turn, so a command from
# an established client that arrived after the burst is answered before
# the whole burst has been accepted.
proc accept_burst_seen_by_command {port n} {
    set pid [srv 0 pid]
    set c [socket 127.0.0.1 $::plain_port]
    fconfigure $c -translation binary -buffering none
    puts -nonewline $c "PING\r\n"
    assert_equal "+PONG" [string trimright [gets $c] "\r"]
    exec kill -STOP $pid
    set socks {}
    if {[catch {
        for {set i 0} {$i < $n} {incr i} {lappend socks [socket 127.0.0.1 $port]}
        puts -nonewline $c "INFO clients\r\n"
    } err]} {
        exec kill -CONT $pid
        error $err
    }
    exec kill -CONT $pid
    set len [string range [string trimright [gets $c] "\r"] 1 end]
    set info [read $c [expr {$len + 2}]]
    close $c
    regexp {connected_clients:(\d+)} $info -> seen
    foreach s $socks {close $s}
    return $seen
}

start_tls_server {} {
    test "TLS: a burst of new TLS connections is taken one per turn; an established client is served in between" {
        # 1 (the test's client) + 1 (the probe) + at most a few accepted
        # turns; without the limit all 60 are accepted in the first turn.
        set seen [accept_burst_seen_by_command $::tls_port 60]
        assert {$seen <= 6}
        wait_for_condition 200 20 {[s connected_clients] == 1} else {
            fail "the burst's connections were not released"
        }
    }

    test "A burst on the plain port is taken max-new-connections-per-cycle (10) per turn" {
        set seen [accept_burst_seen_by_command $::plain_port 60]
        assert {$seen <= 2 + 3 * 10}
        wait_for_condition 200 20 {[s connected_clients] == 1} else {
            fail "the burst's connections were not released"
        }
    }
}

# --------------------------------------------------------------- logging

start_tls_server {loglevel verbose} {
    test "TLS: a failed handshake is logged once, with the client's id and address" {
        set sock [socket 127.0.0.1 $::tls_port]
        set lport [lindex [fconfigure $sock -sockname] 2]
        fconfigure $sock -translation binary -buffering none
        puts -nonewline $sock "GET / HTTP/1.1\r\n\r\n"
        set deadline [expr {[clock milliseconds] + 10000}]
        fconfigure $sock -blocking 0
        while {![eof $sock] && [clock milliseconds] < $deadline} {
            read $sock
            after 5
        }
        close $sock
        set pattern "*127.0.0.1:$lport*"
        wait_for_condition 100 20 {
            [llength [lsearch -all -glob [split [::file_content [srv 0 stdout]] "\n"] \
                          "*Error accepting*$pattern"]] == 1
        } else {
            fail "no failure line for port $lport"
        }
        set lines [lsearch -all -inline -glob [split [::file_content [srv 0 stdout]] "\n"] $pattern]
        set failures [lsearch -all -inline -regexp $lines {(?i)fail|error}]
        assert_equal 1 [llength $failures] "lines: $lines"
        assert_match "*id=*addr=127.0.0.1:$lport*(tls)*" [lindex $failures 0]
    }
}
