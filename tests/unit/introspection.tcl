# introspection.tcl -- CLIENT, CONFIG, INFO, COMMAND, MONITOR, SLOWLOG,
# AUTH and friends.

# Parses one CLIENT LIST / CLIENT INFO line into a dict.
proc client_fields {line} {
    set d {}
    foreach kv [split [string trim $line] " "] {
        set i [string first = $kv]
        dict set d [string range $kv 0 [expr {$i - 1}]] [string range $kv [expr {$i + 1}] end]
    }
    return $d
}

# Returns the CLIENT LIST entry (as a dict) of the client named <name>.
proc client_by_name {name} {
    foreach line [split [string trim [r client list]] "\n"] {
        set d [client_fields $line]
        if {[dict get $d name] eq $name} {return $d}
    }
    return {}
}

start_server {tags {introspection}} {
    test "PING, ECHO and TIME" {
        assert_equal PONG [r ping]
        assert_equal hello [r ping hello]
        assert_equal "some text" [r echo "some text"]
        lassign [r time] secs usecs
        assert_range $secs [expr {[clock seconds] - 5}] [expr {[clock seconds] + 5}]
        assert_range $usecs 0 999999
        assert_error "ERR wrong number of arguments for 'echo' command" {r echo}
    }

    test "CLIENT ID is unique and increasing" {
        set id [r client id]
        set c [redis_new_client]
        set id2 [$c client id]
        assert_morethan $id2 $id
        $c close
    }

    test "CLIENT INFO and CLIENT LIST fields" {
        set fields {id addr laddr fd name age idle flags db sub psub ssub multi
                    qbuf qbuf-free argv-mem multi-mem obl oll omem tot-mem
                    events cmd user redir resp}
        set info [client_fields [r client info]]
        foreach f $fields {
            assert {[dict exists $info $f]} "field $f missing from CLIENT INFO"
        }
        assert_equal [r client id] [dict get $info id]
        assert_equal client|info [dict get $info cmd]
        assert_equal default [dict get $info user]
        assert_equal 2 [dict get $info resp]
        set list [r client list]
        assert_equal 1 [llength [split [string trim $list] "\n"]]
        set entry [client_fields $list]
        foreach f $fields {
            assert {[dict exists $entry $f]} "field $f missing from CLIENT LIST"
        }
        assert_equal client|list [dict get $entry cmd]
        assert_match "*id=[r client id] *" [r client list id [r client id]]
        assert_match "*id=[r client id] *" [r client list type normal]
        assert_error "ERR Unknown client type 'bogus'" {r client list type bogus}
    }

    test "CLIENT SETNAME and GETNAME" {
        assert_equal {} [r client getname]
        assert_equal OK [r client setname myname]
        assert_equal myname [r client getname]
        assert_match "*name=myname*" [r client list]
        assert_error "ERR Client names cannot contain spaces, newlines or special characters." {r client setname "with space"}
        assert_error "ERR Client names cannot contain spaces, newlines or special characters." {r client setname "new\nline"}
        assert_equal myname [r client getname]
        # An empty name removes it.
        assert_equal OK [r client setname ""]
        assert_equal {} [r client getname]
    }

    test "CLIENT KILL with the old ip:port form" {
        set c [redis_new_client]
        $c client setname victim
        set addr [dict get [client_by_name victim] addr]
        assert_equal OK [r client kill $addr]
        wait_for_condition 100 20 {
            [client_by_name victim] eq {}
        } else {
            fail "client was not killed"
        }
        assert_error "ERR No such client" {r client kill 127.0.0.1:1}
        catch {$c close}
    }

    test "CLIENT KILL filters: ID, ADDR, LADDR, TYPE, USER, SKIPME" {
        set c1 [redis_new_client]
        $c1 client setname k1
        set id1 [$c1 client id]
        assert_equal 1 [r client kill id $id1]
        assert_equal 0 [r client kill id $id1]

        set c2 [redis_new_client]
        $c2 client setname k2
        set addr [dict get [client_by_name k2] addr]
        assert_equal 1 [r client kill addr $addr]

        # LADDR matches every client connected to that local address.
        set c3 [redis_new_client]
        $c3 client setname k3
        set laddr [dict get [client_by_name k3] laddr]
        assert_equal 1 [r client kill laddr $laddr skipme yes]
        assert_equal PONG [r ping]

        set c4 [redis_new_client]
        set c5 [redis_new_client]
        $c4 ping
        $c5 ping
        assert_equal 2 [r client kill type normal]
        assert_equal PONG [r ping]

        set c6 [redis_new_client]
        $c6 ping
        assert_equal 1 [r client kill user default skipme yes]
        # SKIPME no includes the calling client.
        set c7 [redis_new_client]
        assert_equal 2 [$c7 client kill type normal skipme no]
        catch {$c7 close}
        wait_for_condition 100 20 {
            ![catch {redis_new_client} c8]
        } else {
            fail "could not reconnect"
        }
        $c8 close
        foreach c [list $c1 $c2 $c3 $c4 $c5 $c6] {catch {$c close}}
        # The default client was killed: reconnect it.
        ::connect_default_client 0
        assert_error "ERR syntax error" {r client kill id 5 skipme}
        assert_error "ERR No such client" {r client kill id}
        assert_error "ERR client-id should be greater than 0" {r client kill id 0}
        assert_error "ERR Unknown client type 'bogus'" {r client kill type bogus}
        assert_error "ERR No such user 'nobody'" {r client kill user nobody}
    }

    test "CLIENT PAUSE WRITE delays writes until CLIENT UNPAUSE" {
        r del pausekey
        assert_equal OK [r client pause 100000 write]
        set rd [redis_deferring_client]
        $rd set pausekey v
        # Reads are still served while writes wait.
        wait_for_condition 100 20 {
            [string match "*cmd=set*" [r client list]]
        } else {
            fail "the paused SET never reached the server"
        }
        assert_equal {} [r get pausekey]
        assert_equal OK [r client unpause]
        assert_equal OK [$rd read]
        assert_equal v [r get pausekey]
        $rd close
        assert_error "ERR timeout is not an integer or out of range" {r client pause abc}
    }

    test "CLIENT PAUSE WRITE also holds scripts, PUBLISH, PFCOUNT and queued writes, as Redis 7.0" {
        # What may reach the replication stream waits; read-only scripts
        # and reads (an EXEC of reads too) run. Checked against Redis 7.0.
        r del pausekey
        set rtx [redis_new_client]
        $rtx multi
        $rtx get pausekey
        set tx [redis_deferring_client]
        $tx multi
        $tx read
        assert_equal OK [r client pause 100000 write]
        assert_equal {{}} [$rtx exec]
        $rtx close
        assert_equal 1 [r eval_ro {return 1} 0]
        set waiting {}
        foreach cmd {{eval {redis.call('set', KEYS[1], 'e'); return 1} 1 pausekey}
                     {publish pausechan x} {pfcount pausehll}} {
            set rd [redis_deferring_client]
            $rd {*}$cmd
            lappend waiting $rd
        }
        $tx set pausekey2 q
        wait_for_condition 100 20 {
            [regexp -all {cmd=(eval|publish|pfcount|set) } [r client list]] == 4
        } else {
            fail "the paused commands never reached the server: [r client list]"
        }
        # None of them ran.
        assert_equal 0 [r exists pausekey]
        assert_equal OK [r client unpause]
        foreach rd $waiting {$rd read; $rd close}
        assert_equal QUEUED [$tx read]
        $tx exec
        assert_equal {OK} [$tx read]
        $tx close
        assert_equal e [r get pausekey]
        assert_equal q [r get pausekey2]
    }

    test "CLIENT PAUSE ALL expires by itself" {
        r client pause 50 all
        set rd [redis_deferring_client]
        $rd ping
        assert_equal PONG [$rd read]
        $rd close
    }

    test "CLIENT REPLY OFF, ON and SKIP" {
        set rd [redis_deferring_client]
        $rd client reply off
        $rd set replykey 1
        $rd ping
        $rd client reply on
        assert_equal OK [$rd read]
        $rd client reply skip
        $rd set replykey 2
        $rd ping
        assert_equal PONG [$rd read]
        $rd close
        assert_equal 2 [r get replykey]
        assert_error "ERR syntax error" {r client reply bogus}
    }

    test "CLIENT NO-EVICT" {
        assert_equal OK [r client no-evict on]
        assert_match "*flags=e*" [r client info]
        assert_equal OK [r client no-evict off]
        assert_error "ERR syntax error" {r client no-evict maybe}
    }

    test "QUIT replies OK and closes the connection" {
        set c [redis_new_client]
        assert_equal OK [$c quit]
        wait_for_condition 100 20 {
            [$c eof]
        } else {
            fail "connection still open after QUIT"
        }
        $c close
    }

    test "RESET restores the connection state" {
        set c [redis_new_client]
        $c select 3
        $c client setname before
        $c hello 3
        assert_equal RESET [$c reset]
        assert_equal {} [$c client getname]
        set info [client_fields [$c client info]]
        assert_equal 0 [dict get $info db]
        assert_equal 2 [dict get $info resp]
        $c close
    }

    test "CONFIG GET with globs and several patterns" {
        set res [r config get maxmemory*]
        assert {[dict exists $res maxmemory]}
        assert {[dict exists $res maxmemory-policy]}
        assert {[dict exists $res maxmemory-samples]}
        foreach k [dict keys $res] {assert_match maxmemory* $k}
        set res [r config get port bind maxclients]
        assert_equal 3 [dict size $res]
        assert_equal 127.0.0.1 [dict get $res bind]
        assert_equal 10000 [dict get $res maxclients]
        assert_equal {} [r config get no-such-directive]
        # Duplicated matches are returned once.
        assert_equal 2 [llength [r config get maxclients maxcl*]]
    }

    test "CONFIG SET several pairs at once" {
        assert_equal OK [r config set maxmemory 10mb maxmemory-policy allkeys-lru]
        assert_equal {maxmemory 10485760} [r config get maxmemory]
        assert_equal {maxmemory-policy allkeys-lru} [r config get maxmemory-policy]
        r config set maxmemory 0 maxmemory-policy noeviction
    }

    test "CONFIG SET is atomic: one bad pair applies none" {
        r config set maxmemory 0
        assert_error "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy')*" {
            r config set maxmemory 20mb maxmemory-policy bogus
        }
        assert_equal {maxmemory 0} [r config get maxmemory]
        assert_equal {maxmemory-policy noeviction} [r config get maxmemory-policy]
    }

    test "CONFIG SET error texts" {
        assert_error "ERR Unknown option or number of arguments for CONFIG SET - 'no-such-directive'" {r config set no-such-directive 1}
        assert_error "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config" {r config set daemonize yes}
        assert_error "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter" {r config set maxmemory 1mb maxmemory 2mb}
        assert_error "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer" {r config set maxclients abc}
        assert_error "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'" {r config set appendonly maybe}
        assert_error "ERR wrong number of arguments for 'config|set' command" {r config set maxmemory}
    }

    test "CONFIG RESETSTAT" {
        r ping
        r ping
        assert_morethan [s total_commands_processed] 2
        assert_equal OK [r config resetstat]
        assert_range [s total_commands_processed] 0 2
    }

    test "INFO sections and field names" {
        set info [r info server]
        assert_match "*# Server*" $info
        assert_match "*redis_version:*" $info
        assert_match "*tcp_port:*" $info
        assert_match "*process_id:[srv 0 pid]*" $info
        assert_match "*connected_clients:*" [r info clients]
        assert_match "*used_memory:*" [r info memory]
        assert_match "*total_commands_processed:*" [r info stats]
        assert_match "*used_cpu_sys:*" [r info cpu]
        r flushall
        r set k v
        assert_match "*db0:keys=1,expires=0,avg_ttl=0*" [r info keyspace]
        set all [r info]
        foreach section {Server Clients Memory Persistence Stats Replication CPU Keyspace} {
            assert_match "*# $section*" $all
        }
        set two [r info server clients]
        assert_match "*# Server*# Clients*" $two
        assert_no_match "*# Memory*" $two
    } {}

    test "INFO tcp_port shows the plain TCP port" {
        assert_equal [srv 0 port] [s tcp_port]
    } {tls:skip}

    test "COMMAND COUNT, INFO, DOCS and LIST" {
        assert_morethan [r command count] 150
        set info [lindex [r command info get] 0]
        assert_equal get [lindex $info 0]
        assert_equal 2 [lindex $info 1]
        assert_match "*readonly*" [lindex $info 2]
        assert_equal {{}} [r command info nosuchcommand]
        set docs [r command docs get]
        assert_equal get [lindex $docs 0]
        assert {[dict exists [lindex $docs 1] summary]}
        set list [r command list]
        assert {[lsearch -exact $list get] >= 0}
        assert {[lsearch -exact $list set] >= 0}
        # The list names subcommands too (such as config|get).
        assert {[llength $list] >= [r command count]}
        assert {[lsearch -exact $list config|get] >= 0}
        assert_equal {ping} [r command list filterby pattern pin*]
    }

    test "COMMAND GETKEYS" {
        assert_equal {a} [r command getkeys set a b]
        assert_equal {a c} [r command getkeys mset a b c d]
        assert_error "ERR Invalid command specified" {r command getkeys nosuchcommand a}
        assert_error "ERR The command has no key arguments" {r command getkeys ping x}
        assert_error "ERR Invalid number of arguments specified for command" {r command getkeys get a b}
    }

    test "MONITOR shows executed commands" {
        set rd [redis_deferring_client]
        $rd monitor
        assert_equal OK [$rd read]
        r set monkey "val ue"
        r get monkey
        set line [$rd read]
        assert_match {*"set" "monkey" "val ue"} $line
        assert_match {[0-9]*.[0-9]* \[0 127.0.0.1:*\] *} $line
        assert_match {*"get" "monkey"} [$rd read]
        $rd close
    }

    test "SLOWLOG records commands slower than the threshold" {
        r config set slowlog-log-slower-than 0
        r slowlog reset
        r client setname slowclient
        r set slowkey v
        set entry [lindex [r slowlog get 1] 0]
        assert_equal 6 [llength $entry]
        lassign $entry id ts duration args addr name
        assert_equal {set slowkey v} $args
        assert_equal slowclient $name
        assert_match "127.0.0.1:*" $addr
        assert_range $duration 0 10000000
        assert_morethan [r slowlog len] 0
        assert_range $ts [expr {[clock seconds] - 10}] [expr {[clock seconds] + 10}]
        assert_equal OK [r slowlog reset]
        assert_range [r slowlog len] 0 1
        r config set slowlog-log-slower-than 1000000
        r slowlog reset
        r set fastkey v
        assert_equal 0 [r slowlog len]
        r config set slowlog-log-slower-than 10000
    }

    test "SLOWLOG and MONITOR show secrets redacted and commands as received" {
        set rd [redis_deferring_client]
        $rd monitor
        assert_equal OK [$rd read]
        r config set slowlog-log-slower-than 0
        r slowlog reset
        set c [redis_new_client]
        catch {$c auth sekrit-a}
        catch {$c hello 2 auth default sekrit-b}
        r config set masterauth sekrit-c
        r acl setuser slowbob on >sekrit-d
        catch {r migrate 127.0.0.1 1 nokey 0 10 auth2 u sekrit-e}
        r set exkey v ex 100
        $c set marker 1
        r config set slowlog-log-slower-than 10000
        set log [r slowlog get -1]
        # MONITOR: every line up to the marker.
        set lines {}
        while {1} {
            set line [$rd read]
            lappend lines $line
            if {[string match {*"marker"*} $line]} break
        }
        $rd close
        $c close
        r config set masterauth ""
        r acl deluser slowbob
        assert_no_match "*sekrit*" $log
        assert_no_match "*sekrit*" $lines
        set flat [join [lmap e $log {lindex $e 3}] "\n"]
        assert_match "*auth (redacted)*" $flat
        assert_match "*hello 2 auth (redacted) (redacted)*" $flat
        assert_match "*config set masterauth (redacted)*" $flat
        assert_match "*acl setuser (redacted) (redacted)*" $flat
        assert_match "*auth2 (redacted) (redacted)*" $flat
        # As received, not as propagated (SET ... PXAT).
        assert_match "*set exkey v ex 100*" $flat
        assert_match {*"auth" "(redacted)"*} $lines
        assert_match {*"hello" "2" "auth" "(redacted)" "(redacted)"*} $lines
        assert_match {*"set" "exkey" "v" "ex" "100"*} $lines
        # Admin commands stay out of MONITOR.
        assert_no_match {*"config"*} $lines
    }

    test "DEBUG SLEEP 0" {
        assert_equal OK [r debug sleep 0]
    } {needs:debug}

    test "AUTH without a configured password" {
        assert_error "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?" {r auth foo}
    }
}

start_server {tags {introspection} overrides {requirepass foobar}} {
    test "Commands need AUTH when requirepass is set" {
        set c [redis_new_client]
        assert_error "NOAUTH Authentication required." {$c ping}
        assert_error "NOAUTH Authentication required." {$c set k v}
        assert_error "WRONGPASS invalid username-password pair or user is disabled." {$c auth wrong}
        assert_equal OK [$c auth foobar]
        assert_equal PONG [$c ping]
        assert_equal OK [$c auth default foobar]
        assert_error "WRONGPASS invalid username-password pair or user is disabled." {$c auth default wrong}
        $c close
    }
}

start_server {tags {introspection}} {
    test "CONFIG REWRITE keeps comments and writes changed values" {
        set conf [srv 0 config_file]
        set f [open $conf a]
        puts $f "# A comment the rewrite must keep"
        puts $f ""
        puts $f "maxmemory-samples 7"
        close $f
        r config set maxmemory 1mb
        r config set maxmemory-samples 9
        assert_equal OK [r config rewrite]
        set content [::file_content $conf]
        assert_match "*# A comment the rewrite must keep*" $content
        assert_match "*\nmaxmemory 1mb\n*" $content
        assert_match "*\nmaxmemory-samples 9\n*" $content
        assert_no_match "*maxmemory-samples 7*" $content
        assert_match "*\nport *" $content
        restart_server
        assert_equal {maxmemory 1048576} [r config get maxmemory]
        assert_equal {maxmemory-samples 9} [r config get maxmemory-samples]
    } {needs:server-control}

    test "timeout closes idle clients" {
        r config set timeout 1
        set c [redis_new_client]
        assert_equal PONG [$c ping]
        # The default client stays busy meanwhile, so only <c> is idle.
        wait_for_condition 200 25 {
            [r ping] eq "PONG" && [$c eof]
        } else {
            fail "idle client was not closed"
        }
        $c close
        r config set timeout 0
    }

    test "SHUTDOWN NOSAVE stops the server" {
        set pid [srv 0 pid]
        catch {r shutdown nosave}
        wait_for_condition 200 25 {
            ![::process_alive $pid]
        } else {
            fail "server still running after SHUTDOWN"
        }
        ::set_srv 0 stopped 1
        assert_match "*ready to exit, bye bye*" [::file_content [srv 0 stdout]]
    } {needs:server-control}
}
