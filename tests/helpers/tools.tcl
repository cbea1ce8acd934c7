# tools.tcl -- running redis-cli and redis-benchmark (ours or Debian's)
# against the servers of the tests.

# The TLS options of redis-cli and redis-benchmark in --tls mode; none in
# plain mode.
proc tool_tls_args {} {
    if {!$::tls} {return {}}
    return [list --tls --cacert [file join $::tls_dir ca.crt] \
                --cert [file join $::tls_dir client.crt] \
                --key [file join $::tls_dir client.key]]
}

# The options that connect them to the server under test.
proc tool_conn_args {} {
    return [list -h [srv 0 host] -p [srv 0 port] {*}[tool_tls_args]]
}

# Runs <args> (a program and its arguments); returns {output status}: its
# stdout and stderr together (without the line Tcl's exec adds when a
# program exits non-zero) and its exit status, -1 when it did not exit.
proc tool_run {args} {
    set code [catch {exec {*}$args 2>@1} out opts]
    regsub {\n?child process exited abnormally$} $out {} out
    set status 0
    if {$code} {
        set ec [dict get $opts -errorcode]
        set status [expr {[lindex $ec 0] eq "CHILDSTATUS" ? [lindex $ec 2] : -1}]
    }
    return [list $out $status]
}
