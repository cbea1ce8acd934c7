# fake_peer.tcl -- starting the stand-in servers of tests/helpers
# (fake_master.py, fake_rdb_master.py) and reading the connection counts
# they keep.

# Runs tests/helpers/<script> with python3 and the arguments <port> <args>
# (plus the TLS directory in --tls mode); waits until it accepts on
# <port>. Returns its pid.
proc fake_peer_start {script port args} {
    set cmd [list /usr/bin/python3 [file join $::tests_dir helpers $script] \
                 $port {*}$args]
    if {$::tls} {lappend cmd $::tls_dir}
    set pid [exec {*}$cmd > /dev/null 2>@1 &]
    wait_for_condition 100 20 {
        ![catch {close [socket 127.0.0.1 $port]}]
    } else {
        fail "the fake master did not start"
    }
    return $pid
}

# The number of connections a stand-in server wrote to <countfile>; 0
# until it has written one.
proc fake_peer_connections {countfile} {
    if {![file exists $countfile]} {return 0}
    set n [string trim [::file_content $countfile]]
    if {$n eq ""} {return 0}
    return $n
}
