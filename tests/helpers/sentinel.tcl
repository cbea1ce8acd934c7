# sentinel.tcl -- helpers of the Sentinel tests: data servers (Debian's
# Redis 7.0 by default, REDIS_DATA_SERVER_BIN to change) and sentinels
# (ours, or Debian's redis-sentinel), plain or TLS-only with mutual TLS
# when the suite runs with --tls.  Every process is reported to the parent
# (so none outlives the worker) and stopped by sentinel_cleanup.

set ::sentinel_procs {}
if {[info exists ::env(REDIS_DATA_SERVER_BIN)] && $::env(REDIS_DATA_SERVER_BIN) ne ""} {
    set ::data_server_bin $::env(REDIS_DATA_SERVER_BIN)
} else {
    set ::data_server_bin /usr/bin/redis-server
}

proc ::sentinel_dir {} {
    if {![info exists ::sentinel_tmp]} {
        set ::sentinel_tmp [file join $::tmp_root "sentinel.[pid].[clock milliseconds]"]
        file mkdir $::sentinel_tmp
    }
    return $::sentinel_tmp
}

# Directives that make an instance listen on <port> (TLS-only under --tls)
# and use TLS for its outgoing links.
proc ::sentinel_listen_lines {port} {
    set l [list "bind 127.0.0.1"]
    if {$::tls} {
        lappend l "port 0" "tls-port $port"
        foreach {k v} [::tls_directives] {lappend l "$k $v"}
    } else {
        lappend l "port $port"
    }
    return $l
}

# Starts <bin> with the config <lines> written to <name>.conf, waits for
# "Ready to accept connections"; returns a dict (name pid port conf log).
proc ::sentinel_spawn {bin name port lines {extra {}}} {
    set dir [::sentinel_dir]
    set conf [file join $dir $name.conf]
    set log [file join $dir $name.log]
    set f [open $conf w]
    foreach l $lines {puts $f $l}
    puts $f "logfile $log"
    puts $f "dir $dir"
    close $f
    set pid [exec $bin $conf {*}$extra > [file join $dir $name.out] 2>@1 &]
    ::report server-pid $pid
    set inst [dict create name $name pid $pid port $port conf $conf log $log bin $bin extra $extra]
    lappend ::sentinel_procs $inst
    set deadline [expr {[clock milliseconds] + 20000}]
    while {![::instance_ready $log]} {
        if {![::process_alive $pid] || [clock milliseconds] > $deadline} {
            error "$name did not start:\n[::file_content $log][::file_content [file join $dir $name.out]]"
        }
        after 10
    }
    return $inst
}

# A sentinel on <port> with <lines> after the listening directives; <bin>
# with <extra> arguments (--sentinel for ours).
proc ::start_sentinel_lines {name port bin lines extra} {
    set l [::sentinel_listen_lines $port]
    foreach x $lines {lappend l $x}
    return [::sentinel_spawn $bin $name $port $l $extra]
}

# A data server on <port>, a replica of <masterport> when given.
proc ::start_data_server {name port {masterport ""}} {
    set lines [::sentinel_listen_lines $port]
    lappend lines {save ""} "appendonly no"
    if {$masterport ne ""} {lappend lines "replicaof 127.0.0.1 $masterport"}
    return [::sentinel_spawn $::data_server_bin $name $port $lines]
}

# A sentinel on <port> monitoring <mastername> at <masterport>; <bin> is
# ours (default) or /usr/bin/redis-sentinel.
proc ::start_sentinel {name port mastername masterport {quorum 2} {bin ""} {more {}}} {
    if {$bin eq ""} {set bin $::server_bin; set extra --sentinel} else {set extra {}}
    set lines [::sentinel_listen_lines $port]
    lappend lines "sentinel monitor $mastername 127.0.0.1 $masterport $quorum" \
        "sentinel down-after-milliseconds $mastername 1000" \
        "sentinel failover-timeout $mastername 10000" \
        "sentinel parallel-syncs $mastername 1"
    foreach l $more {lappend lines $l}
    return [::sentinel_spawn $bin $name $port $lines $extra]
}

# Restarts the instance <inst> with its config file as it is now.
proc ::restart_instance {inst} {
    ::kill_server_process [dict get $inst pid]
    set log [dict get $inst log]
    file rename -force $log $log.[clock milliseconds]
    set pid [exec [dict get $inst bin] [dict get $inst conf] {*}[dict get $inst extra] \
                 >> [file join [::sentinel_dir] [dict get $inst name].out] 2>@1 &]
    ::report server-pid $pid
    dict set inst pid $pid
    lappend ::sentinel_procs $inst
    set deadline [expr {[clock milliseconds] + 20000}]
    while {![::instance_ready $log]} {
        if {![::process_alive $pid] || [clock milliseconds] > $deadline} {
            error "restart failed:\n[::file_content $log]"
        }
        after 10
    }
    return $inst
}

# Debian's redis-sentinel never logs "Ready to accept connections"; its
# id line comes once it listens.
proc ::instance_ready {log} {
    set t [::file_content $log]
    return [expr {[string first "Ready to accept connections" $t] >= 0 ||
                  [string first "Sentinel ID is" $t] >= 0}]
}

proc ::sentinel_client {port} {
    return [redis_client 127.0.0.1 $port]
}

# The value of <field> in a flat field/value list (SENTINEL MASTER ...).
proc ::field {l name} {
    foreach {k v} $l {if {$k eq $name} {return $v}}
    return ""
}

proc ::sentinel_cleanup {} {
    foreach inst $::sentinel_procs {catch {::kill_server_process [dict get $inst pid]}}
    set ::sentinel_procs {}
}
