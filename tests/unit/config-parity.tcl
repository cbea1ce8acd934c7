# config-parity.tcl -- every Redis 7.0 directive is accepted here, checked
# against Debian's Redis 7.0 (/usr/bin/redis-server) running side by side:
# the CONFIG GET * names and default values, range errors and their texts,
# parser quirks of the file (a bare "save", repeated directives, the old
# slave*/ziplist names), Debian's own /etc/redis/redis.conf, and CONFIG
# REWRITE of the directives added for issue 12.  docs/config.md lists what
# each added directive does here.

set ::parity_ref_bin /usr/bin/redis-server
set ::parity_debian_conf /etc/redis/redis.conf

# Parameters of Redis 7.0's CONFIG GET * that we may lack.  Empty: every
# one is accepted.  An entry needs a reason beside it.
set ::parity_excluded_names {}

# Parameters whose values legitimately differ between two servers started
# by this file: ports, paths and the TLS files differ per server, and a
# few values are ours by design.
set ::parity_value_exclusions {
    port tls-port dir logfile pidfile unixsocket
    tls-cert-file tls-key-file tls-ca-cert-file tls-client-cert-file
    tls-client-key-file tls-dh-params-file tls-ca-cert-dir
}

# Writes <lines> (a list of config lines) plus the test settings (bind,
# port, dir, logfile, TLS in --tls mode) and then the directive/value pairs
# <extra> (which win) to a new directory, starts <bin> with it and waits
# until it accepts connections.  Returns {pid port dir}.
proc parity_spawn {bin lines {extra {}}} {
    set dir [file join $::tmp_root "parity.[pid].[incr ::server_counter]"]
    file delete -force $dir
    file mkdir $dir
    set port [::next_port]
    set d [list daemonize no bind 127.0.0.1 dir $dir \
               logfile [file join $dir server.log] appendonly no]
    if {$::tls} {
        lappend d port 0 tls-port $port {*}[::tls_directives]
    } else {
        lappend d port $port
    }
    lappend d {*}$extra
    set conf [::write_server_config $dir $port $d $lines]
    set pid [exec $bin $conf > [file join $dir stdout] 2> [file join $dir stderr] &]
    ::report server-pid $pid
    set log [file join $dir server.log]
    set deadline [expr {[clock milliseconds] + 20000}]
    while {[string first "Ready to accept" [::file_content $log]] < 0} {
        if {![::process_alive $pid]} {
            error "$bin exited: [::file_content $log][::file_content [file join $dir stderr]]"
        }
        if {[clock milliseconds] > $deadline} {error "$bin not ready in 20 s"}
        after 10
    }
    return [list $pid $port $dir]
}

# Stops a server started by parity_spawn and removes its directory.
proc parity_stop {pid dir} {
    ::kill_server_process $pid
    catch {file delete -force $dir}
}

# CONFIG GET * of client <c> as a dict name -> value.
proc parity_config {c} {
    set d {}
    foreach {k v} [$c config get *] {dict set d $k $v}
    return $d
}

# The error text of CONFIG SET <name> <value> on client <c> ("OK" if none).
proc parity_set_error {c name value} {
    if {[catch {$c config set $name $value} e]} {return $e}
    return OK
}

# Runs <body> with <ours> and <ref> bound to clients of our server and of
# Redis 7.0, both started from the config <lines>; stops both afterwards.
proc parity_with_both {lines body} {
    lassign [parity_spawn $::server_bin $lines] opid oport odir
    if {[catch {parity_spawn $::parity_ref_bin $lines} r]} {
        parity_stop $opid $odir
        error $r
    }
    lassign $r rpid rport rdir
    set code [catch {
        uplevel 1 [list set ours [redis_client 127.0.0.1 $oport]]
        uplevel 1 [list set ref [redis_client 127.0.0.1 $rport]]
        uplevel 1 $body
    } e opts]
    catch {uplevel 1 {$ours close}}
    catch {uplevel 1 {$ref close}}
    parity_stop $opid $odir
    parity_stop $rpid $rdir
    if {$code} {return -options $opts $e}
}

if {![file executable $::parity_ref_bin]} {
    ::report skip "config parity" "$::parity_ref_bin not installed"
    return
}

tags {config external:skip} {

test "CONFIG GET * names every Redis 7.0 parameter, defaults equal" {
    parity_with_both {} {
        set o [parity_config $ours]
        set r [parity_config $ref]
        set missing {}
        foreach name [lsort [dict keys $r]] {
            if {![dict exists $o $name] && $name ni $::parity_excluded_names} {
                lappend missing $name
            }
        }
        assert_equal {} $missing "parameters of Redis 7.0 missing here"
        set differ {}
        foreach name [lsort [dict keys $r]] {
            if {$name in $::parity_value_exclusions || ![dict exists $o $name]} continue
            if {[dict get $o $name] ne [dict get $r $name]} {
                lappend differ "$name: ours '[dict get $o $name]' redis '[dict get $r $name]'"
            }
        }
        assert_equal {} $differ "defaults that differ from Redis 7.0"
    }
}

test "range and value errors read as Redis 7.0's" {
    parity_with_both {} {
        foreach {name value} {
            active-defrag-cycle-max 100
            active-defrag-cycle-min 0
            active-defrag-threshold-upper 1001
            active-defrag-ignore-bytes 0
            maxmemory-eviction-tenacity 101
            tracking-table-max-keys -1
            acllog-max-len -1
            shutdown-timeout -1
            activedefrag yes
            enable-module-command yes
            set-proc-title no
            io-threads-do-reads yes
            socket-mark-id 5
            bgsave_cpulist 0
            aclfile /tmp/none
            acl-pubsub-default bad
            sanitize-dump-payload bad
            oom-score-adj bad
            oom-score-adj-values {0 200 3000}
            oom-score-adj-values {1 2}
            oom-score-adj-values {a b c}
            latency-tracking-info-percentiles 101
            latency-tracking-info-percentiles {50 abc}
            shutdown-on-sigint bad
            shutdown-on-sigterm {save nosave}
            maxmemory-clients 200%
            maxmemory-clients -5
            maxmemory-clients abc
            proc-title-template {{title} {bad}}
            proc-title-template {}
            maxmemory-samples 0
            hz abc
            appendfsync sometimes
            loglevel loud
            maxmemory-policy sometimes
            repl-diskless-load maybe
            propagation-error-behavior maybe
            tls-auth-clients maybe
            cluster-preferred-endpoint-type maybe
            enable-debug-command maybe
            enable-protected-configs maybe
            supervised maybe
            syslog-facility maybe
            notify-keyspace-events Z
            save {100}
            client-output-buffer-limit {normal 1 2}
            client-output-buffer-limit {fancy 1 2 3}
            unixsocketperm 999
            dbfilename a/b
            appendfilename a/b
            cluster-announce-hostname {a b}
            maxmemory lots
            proto-max-bulk-len 10
            list-max-listpack-size abc
            replica-announce-port 70000
            repl-backlog-size 0
            bind-source-addr {}
            no-appendfsync-on-rewrite maybe
        } {
            assert_equal [parity_set_error $ref $name $value] \
                [parity_set_error $ours $name $value] "CONFIG SET $name '$value'"
        }
    }
}

test "accepted values read back as Redis 7.0's" {
    parity_with_both {} {
        foreach {name value} {
            shutdown-on-sigint {force now nosave}
            shutdown-on-sigterm {default save}
            maxmemory-clients 10%
            maxmemory-clients 1gb
            oom-score-adj relative
            oom-score-adj-values {100 50 800}
            latency-tracking-info-percentiles {50 99.99 0}
            latency-tracking-info-percentiles {}
            acl-pubsub-default allchannels
            sanitize-dump-payload clients
            proc-title-template {{title}{port}{tls-port}{unixsocket}{config-file}{server-mode}{listen-addr}}
            no-appendfsync-on-rewrite yes
            ignore-warnings ARM64-COW-BUG
            tracking-table-max-keys 0
            hash-max-ziplist-entries 77
            slave-read-only no
        } {
            assert_equal OK [parity_set_error $ref $name $value]
            assert_equal OK [parity_set_error $ours $name $value] "CONFIG SET $name '$value'"
            assert_equal [$ref config get $name] [$ours config get $name]
        }
    }
}

test "file quirks: bare save, repeated directives, old names" {
    foreach lines {
        {save}
        {{save 100 1} save}
        {save {save 100 1}}
        {{save 100 1} {save ""} {save 200 2} save}
        {{save 100 1} {save 200 2}}
    } {
        parity_with_both $lines {
            assert_equal [$ref config get save] [$ours config get save] "lines: $lines"
        }
    }
    set lines {
        {maxmemory-samples 3} {maxmemory-samples 7}
        {slave-serve-stale-data no} {slave-priority 42} {slave-lazy-flush yes}
        {hash-max-ziplist-entries 33} {hash-max-ziplist-value 20}
        {zset-max-ziplist-entries 44} {zset-max-ziplist-value 21}
        {list-max-ziplist-size 5} {min-slaves-to-write 0} {min-slaves-max-lag 9}
        {lua-time-limit 4000} {slave-announce-port 1234}
        {cluster-slave-validity-factor 3}
    }
    parity_with_both $lines {
        set o [parity_config $ours]
        set r [parity_config $ref]
        foreach name {maxmemory-samples replica-serve-stale-data replica-priority
                      replica-lazy-flush hash-max-listpack-entries
                      hash-max-listpack-value zset-max-listpack-entries
                      zset-max-listpack-value list-max-listpack-size
                      min-replicas-max-lag busy-reply-threshold
                      replica-announce-port cluster-replica-validity-factor} {
            assert_equal [dict get $r $name] [dict get $o $name] $name
        }
    }
}

test "Debian's /etc/redis/redis.conf starts our server" {
    if {![file readable $::parity_debian_conf]} {
        ::report skip "Debian's redis.conf" "$::parity_debian_conf not readable"
        return
    }
    # The file as installed, minus what must change for a test: where it
    # listens, its directory, log and pid files, daemonizing.
    set lines {}
    foreach line [split [::file_content $::parity_debian_conf] "\n"] {
        set word [lindex [split [string trim $line] " "] 0]
        if {$word in {port bind dir logfile pidfile daemonize}} continue
        lappend lines $line
    }
    lappend lines "pidfile redis.pid"
    parity_with_both $lines {
        assert_equal PONG [$ours ping]
        set o [parity_config $ours]
        set r [parity_config $ref]
        foreach name [lsort [dict keys $r]] {
            if {$name in $::parity_value_exclusions} continue
            assert_equal [dict get $r $name] [dict get $o $name] $name
        }
    }
}

test "our redis.conf, its examples uncommented, starts our server" {
    set lines {}
    foreach line [split [::file_content [file join $::root redis.conf]] "\n"] {
        # The examples of the last section, uncommented, except the two
        # that name files or commands of a real installation.
        if {[regexp {^# ((always-show-logo|set-proc-title|proc-title-template|oom-score-adj|oom-score-adj-values|disable-thp|shutdown-on-sigint|shutdown-on-sigterm|no-appendfsync-on-rewrite|aof-timestamp-enabled) .*)$} $line -> l]} {
            set line $l
        }
        set word [lindex [split [string trim $line] " "] 0]
        if {$word in {port bind dir logfile pidfile daemonize}} continue
        lappend lines $line
    }
    lassign [parity_spawn $::server_bin $lines] opid oport odir
    set c [redis_client 127.0.0.1 $oport]
    set got [list [$c ping] [$c config get shutdown-on-sigterm] [$c config get oom-score-adj]]
    $c close
    parity_stop $opid $odir
    assert_equal {PONG {shutdown-on-sigterm default} {oom-score-adj no}} $got
}

test "directives Redis 7.0 knows that cannot apply here stop start-up" {
    foreach {line reason} {
        "loadmodule /nonexistent/module.so" "Modules are not supported"
        "rename-command nosuchcommand foo" "No such command in rename-command"
    } {
        set dir [file join $::tmp_root "parity.[pid].[incr ::server_counter]"]
        file mkdir $dir
        set conf [::write_server_config $dir 0 [list port 0 dir $dir] [list $line]]
        set err [file join $dir stderr]
        set pid [exec $::server_bin $conf > [file join $dir stdout] 2> $err &]
        ::report server-pid $pid
        set deadline [expr {[clock milliseconds] + 10000}]
        while {[::process_alive $pid] && [clock milliseconds] < $deadline} {
            after 10
        }
        if {[::process_alive $pid]} {
            ::kill_server_process $pid
            fail "'$line' did not stop start-up"
        }
        ::report server-gone $pid
        assert_match "*FATAL CONFIG FILE ERROR*$reason*" [::file_content $err]
        file delete -force $dir
    }
}

}

start_server {tags {config external:skip} config_lines {
    {rename-command flushdb parityflushdb}
    {rename-command debug ""}
}} {
    test "rename-command renames and removes commands" {
        r set k v
        assert_equal OK [r parityflushdb]
        assert_equal 0 [r dbsize]
        assert_error "*unknown command*" {r flushdb}
        assert_error "*unknown command*" {r debug sleep 0}
    }

    test "CONFIG REWRITE round-trips the directives added for Redis 7.0" {
        set values {
            no-appendfsync-on-rewrite yes
            shutdown-on-sigterm {nosave now}
            oom-score-adj-values {1 2 3}
            latency-tracking-info-percentiles {50 99.5}
            maxmemory-clients 5%
            proc-title-template {{title} {port}}
            acl-pubsub-default allchannels
            tracking-table-max-keys 5000
            maxmemory-eviction-tenacity 50
            active-defrag-cycle-max 30
            shutdown-timeout 3
            sanitize-dump-payload yes
            aof-timestamp-enabled yes
            hash-max-listpack-entries 100
        }
        foreach {k v} $values {r config set $k $v}
        assert_equal OK [r config rewrite]
        set text [::file_content [srv 0 config_file]]
        assert_match "*rename-command flushdb parityflushdb*" $text
        assert_match "*rename-command debug \"\"*" $text
        restart_server
        foreach {k v} $values {
            assert_equal [list $k $v] [r config get $k] "after restart: $k"
        }
        assert_equal OK [r parityflushdb]
        assert_error "*unknown command*" {r flushdb}
    }

    test "stored-only directives say so in the log" {
        # (tracking-table-max-keys acts since client-side caching exists.)
        r config set aof-disable-auto-gc yes
        wait_for_condition 100 20 {
            [string first "aof-disable-auto-gc yes' is accepted but has no effect" \
                 [::file_content [srv 0 stdout]]] >= 0
        } else {
            fail "no warning logged for a stored-only directive"
        }
        r config set aof-disable-auto-gc no
    }
}

start_server {tags {config external:skip}} {
    test "oom-score-adj sets the process's OOM score" {
        set path /proc/[srv 0 pid]/oom_score_adj
        if {![file readable $path]} {
            ::report skip "oom-score-adj" "$path not readable"
            return
        }
        set base [string trim [::file_content $path]]
        r config set oom-score-adj-values {10 20 30} oom-score-adj relative
        assert_equal [expr {min(1000, $base + 10)}] [string trim [::file_content $path]]
        r config set oom-score-adj-values {15 20 30}
        assert_equal [expr {min(1000, $base + 15)}] [string trim [::file_content $path]]
        if {$base <= 40} {
            r config set oom-score-adj absolute oom-score-adj-values {40 50 60}
            assert_equal 40 [string trim [::file_content $path]]
        }
        r config set oom-score-adj no
        assert_equal $base [string trim [::file_content $path]]
    }

    test "shutdown-on-sigterm save makes SIGTERM save without save points" {
        assert_equal {save {}} [r config get save]
        r set parity-key parity-value
        r config set shutdown-on-sigterm save
        restart_server
        assert_equal parity-value [r get parity-key]
        assert_equal {shutdown-on-sigterm default} [r config get shutdown-on-sigterm]
    }
}

start_server {tags {config external:skip} overrides {always-show-logo yes}} {
    test "always-show-logo puts the banner in the log file" {
        assert_match "*Running in standalone mode*" [::file_content [srv 0 stdout]]
    }
}

start_server {tags {config external:skip}} {
    test "without always-show-logo a log file has no banner" {
        assert_no_match "*Running in standalone mode*" [::file_content [srv 0 stdout]]
    }
}

start_server {tags {config external:skip} overrides {appendonly yes aof-timestamp-enabled yes}} {
    test "aof-timestamp-enabled writes #TS: annotations that load back" {
        r set ts-a 1
        r set ts-b 2
        set files [glob -nocomplain [file join [srv 0 dir] appendonlydir *.incr.aof]]
        assert {[llength $files] > 0}
        set text {}
        foreach f $files {append text [::file_content $f]}
        assert_match "*#TS:*ts-a*" $text
        restart_server
        assert_equal {1 2} [list [r get ts-a] [r get ts-b]]
    }
}

test "an AOF Redis 7.0 wrote with timestamps loads here" {
    lassign [parity_spawn $::parity_ref_bin {}] rpid rport rdir
    set ref [redis_client 127.0.0.1 $rport]
    $ref config set aof-timestamp-enabled yes
    $ref config set appendonly yes
    wait_for_condition 500 20 {
        [string match "*aof_rewrite_in_progress:0*" [$ref info persistence]] &&
        [string match "*aof_rewrite_scheduled:0*" [$ref info persistence]] &&
        [string match "*aof_enabled:1*" [$ref info persistence]]
    } else {
        fail "Redis 7.0's AOF rewrite did not finish"
    }
    $ref set ref-a x
    $ref rpush ref-l 1 2 3
    $ref close
    ::kill_server_process $rpid
    set text {}
    foreach f [glob -nocomplain [file join $rdir appendonlydir *.incr.aof]] {
        append text [::file_content $f]
    }
    assert_match "*#TS:*" $text
    lassign [parity_spawn $::server_bin {} [list dir $rdir appendonly yes]] opid oport odir
    set ours [redis_client 127.0.0.1 $oport]
    set got [list [$ours get ref-a] [$ours lrange ref-l 0 -1]]
    $ours close
    parity_stop $opid $odir
    catch {file delete -force $rdir}
    assert_equal {x {1 2 3}} $got
}

# The command line the kernel shows for <pid>, NULs as spaces, trimmed.
proc parity_cmdline {pid} {
    return [string trim [string map [list \0 " "] [::file_content /proc/$pid/cmdline]]]
}

start_server {tags {config external:skip}} {
    test "set-proc-title shows proc-title-template as the process title" {
        if {![file readable /proc/[srv 0 pid]/cmdline]} {
            ::report skip "process title" "/proc not readable"
            return
        }
        assert_equal "$::server_bin 127.0.0.1:[srv 0 port]" [parity_cmdline [srv 0 pid]]
        r config set proc-title-template "{title} port={port} tls={tls-port} cfg={config-file} {server-mode}"
        set port [lindex [r config get port] 1]
        set tls_port [lindex [r config get tls-port] 1]
        assert_equal "$::server_bin port=$port tls=$tls_port cfg=[srv 0 config_file]" \
            [parity_cmdline [srv 0 pid]]
        assert_error "*template format is invalid*" {r config set proc-title-template "{nope}"}
    }
}

start_server {tags {config external:skip} overrides {set-proc-title no}} {
    test "set-proc-title no leaves the command line alone" {
        if {![file readable /proc/[srv 0 pid]/cmdline]} return
        assert_equal "$::server_bin [srv 0 config_file]" [parity_cmdline [srv 0 pid]]
    }
}

start_server {tags {config external:skip} overrides {server_cpulist 0 bgsave_cpulist 0}} {
    test "server_cpulist binds the server; bgsave_cpulist's child saves" {
        set status [::file_content /proc/[srv 0 pid]/status]
        if {![regexp {Cpus_allowed_list:\s*(\S+)} $status -> cpus]} {
            ::report skip "server_cpulist" "no Cpus_allowed_list in /proc"
            return
        }
        assert_equal 0 $cpus
        r set k v
        r bgsave
        wait_for_condition 500 20 {
            [string match "*rdb_bgsave_in_progress:0*" [r info persistence]]
        } else {
            fail "BGSAVE did not finish"
        }
        assert_match "*rdb_last_bgsave_status:ok*" [r info persistence]
    }
}

start_server {tags {config external:skip} overrides {bio_cpulist 0}} {
    test "bio_cpulist binds the background free thread (bio_lazy_free), not the server" {
        set pid [srv 0 pid]
        set main [::file_content /proc/$pid/status]
        if {![regexp {Cpus_allowed_list:\s*(\S+)} $main -> main_cpus]} {
            ::report skip "bio_cpulist" "no Cpus_allowed_list in /proc"
            return
        }
        set found ""
        foreach task [glob -nocomplain /proc/$pid/task/*] {
            if {[catch {string trim [::file_content $task/comm]} comm]} continue
            if {$comm eq "bio_lazy_free"} {set found $task}
        }
        if {$found eq ""} {fail "no bio_lazy_free thread among [glob -nocomplain /proc/$pid/task/*]"}
        regexp {Cpus_allowed_list:\s*(\S+)} [::file_content $found/status] -> cpus
        assert_equal 0 $cpus
        # The main thread keeps every CPU (server_cpulist is not set).
        regexp {Cpus_allowed_list:\s*(\S+)} [::file_content /proc/$pid/task/$pid/status] -> mine
        assert_equal $main_cpus $mine
        if {[exec nproc] > 1} {assert {$mine ne "0"}}
        # The thread still frees: UNLINK of a large set completes.
        r eval {for i=1,20000 do redis.call('sadd', KEYS[1], i) end} 1 big
        r unlink big
        wait_for_condition 200 20 {
            [string match "*lazyfree_pending_objects:0*" [r info memory]]
        } else {fail "the bound thread did not free the set"}
        assert_morethan [s lazyfreed_objects] 0
    }
}

# Counts the occurrences of <text> in the log of the server at <level>.
proc parity_log_count {level text} {
    return [regexp -all -- [string map {. \\.} $text] [::file_content [srv $level stdout]]]
}

start_server {tags {config repl external:skip}} {
    start_server {} {
        test "SHUTDOWN waits for a lagging replica (shutdown-timeout), ABORT stops it" {
            set master [srv -1 client]
            set master_pid [srv -1 pid]
            set replica_pid [srv 0 pid]
            r replicaof [srv -1 host] [srv -1 port]
            wait_for_sync [srv 0 client]
            $master set k1 v1
            wait_for_condition 500 20 {[r get k1] eq "v1"} else {fail "k1 not replicated"}

            # A replica that cannot acknowledge: the shutdown waits.
            exec kill -STOP $replica_pid
            $master config set shutdown-timeout 60
            $master set k2 v2
            set d [redis_deferring_client -1]
            $d shutdown
            wait_for_condition 500 20 {
                [parity_log_count -1 "Waiting for replicas before shutting down"] == 1
            } else {
                fail "the master did not wait for its replica"
            }
            assert {[::process_alive $master_pid]}
            assert_equal OK [$master shutdown abort]
            assert_error "*Errors trying to SHUTDOWN*" {$d read}
            assert_error "*No shutdown in progress*" {$master shutdown abort}
            # Writes flow again after the abort.
            assert_equal OK [$master set k3 v3]

            # With a short time-out the shutdown goes ahead without it.
            $master config set shutdown-timeout 1
            $d shutdown
            wait_for_condition 500 20 {![::process_alive $master_pid]} else {
                fail "the master did not shut down after shutdown-timeout"
            }
            assert {[parity_log_count -1 "Lagging replica"] >= 1}
            catch {$d close}
            exec kill -CONT $replica_pid
        }
    }
}

start_server {tags {config repl external:skip}} {
    start_server {} {
        test "SIGTERM waits for the replica to catch up, then exits" {
            set master [srv -1 client]
            set master_pid [srv -1 pid]
            set replica_pid [srv 0 pid]
            r replicaof [srv -1 host] [srv -1 port]
            wait_for_sync [srv 0 client]
            exec kill -STOP $replica_pid
            $master config set shutdown-timeout 60
            $master set k v
            exec kill -TERM $master_pid
            wait_for_condition 500 20 {
                [parity_log_count -1 "Waiting for replicas before shutting down"] == 1
            } else {
                exec kill -CONT $replica_pid
                fail "the master did not wait for its replica"
            }
            assert {[::process_alive $master_pid]}
            exec kill -CONT $replica_pid
            wait_for_condition 500 20 {![::process_alive $master_pid]} else {
                fail "the master did not exit once the replica caught up"
            }
            assert_equal 0 [parity_log_count -1 "Lagging replica"]
            assert_equal v [r get k]
        }
    }
}
