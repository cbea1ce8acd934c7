# acl.tcl -- ACL users, rules, permission checks and their -NOPERM texts,
# ACL LOG, the ACL file, 'user' lines of redis.conf, requirepass, and the
# disconnection of clients whose user goes away (Redis 7.0 behaviour; the
# texts were read from Debian's redis-server 7.0.15).

# Returns a new client authenticated as <user>/<pass>.
proc acl_client {user pass} {
    set c [redis_new_client]
    $c auth $user $pass
    return $c
}

# The value of <field> in ACL LOG entry <entry> (a flat field list).
proc acl_log_field {entry field} {
    return [dict get $entry $field]
}

start_server {tags {acl}} {
    test "the default user: on, nopass, everything" {
        assert_equal {{user default on nopass ~* &* +@all}} [r acl list]
        assert_equal default [r acl whoami]
        assert_equal {default} [r acl users]
        set u [r acl getuser default]
        assert_equal {on nopass} [dict get $u flags]
        assert_equal {+@all} [dict get $u commands]
        assert_equal {~*} [dict get $u keys]
        assert_equal {&*} [dict get $u channels]
    }

    test "ACL SETUSER builds users as ACL LIST describes them" {
        assert_equal OK [r acl setuser alice on >p1 ~foo* %R~bar &ch* +get +config|get -@all +@string +set +select|0]
        assert_equal OK [r acl setuser bob (~x* +get) (%W~y +set)]
        assert_equal [list \
            "user alice on #f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a ~foo* %R~bar resetchannels &ch* -@all +@string +select|0" \
            "user bob off resetchannels -@all (~x* resetchannels -@all +get) (%W~y resetchannels -@all +set)" \
            "user default on nopass ~* &* +@all"] [r acl list]
        assert_equal {alice bob default} [r acl users]
        set b [r acl getuser bob]
        assert_equal 2 [llength [dict get $b selectors]]
        assert_equal {-@all +get} [dict get [lindex [dict get $b selectors] 0] commands]
        assert_equal {%W~y} [dict get [lindex [dict get $b selectors] 1] keys]
    }

    test "ACL SETUSER rule descriptions" {
        foreach {rules want} {
            {+@all -get} {+@all -get}
            {-@all +config +config|get} {-@all +config}
            {-@all +config|get +config} {-@all +config}
            {-@all +select|0 +select|1 -select} {-@all}
            {-@all +@read -get +get} {-@all +@read}
            {-@all +@read -get} {-@all +@read -get}
            {-@all +@hash +@list} {-@all +@list +@hash}
            {+@all -@list +lpush} {+@all -@list +lpush}
            {-@all +client -client|kill} {-@all +client -client|kill}
            {+@all -client|kill +client} {+@all}
            {-@all +GET +Config|Get} {-@all +get +config|get}
            {+@all -@dangerous} {+@all -@dangerous}
            {-@all +@write} {-@all +@write}
            {-@all +@admin} {-@all +@admin}
            {nocommands allcommands} {+@all}
        } {
            r acl deluser x
            assert_equal OK [r acl setuser x {*}$rules]
            assert_equal $want [dict get [r acl getuser x] commands] "rules: $rules"
        }
        r acl deluser x
        r acl setuser x ~a ~b resetkeys ~c %R~d %W~d
        assert_equal {~c ~d} [dict get [r acl getuser x] keys]
        r acl setuser x reset
        assert_equal {user x off sanitize-payload resetchannels -@all} [lsearch -inline [r acl list] {user x *}]
    }

    test "ACL SETUSER errors are Redis 7.0's and change nothing" {
        r acl setuser y on nopass ~k +get
        set before [r acl getuser y]
        foreach {rule err} {
            foo "ERR Error in ACL SETUSER modifier 'foo': Syntax error"
            +nosuch "ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL"
            +@nosuch "ERR Error in ACL SETUSER modifier '+@nosuch': Unknown command or category name in ACL"
            <nopw "ERR Error in ACL SETUSER modifier '<nopw': The password you are trying to remove from the user does not exist"
            #abc "ERR Error in ACL SETUSER modifier '#abc': The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
            %X~a "ERR Error in ACL SETUSER modifier '%X~a': Syntax error"
            +config|get|x "ERR Error in ACL SETUSER modifier '+config|get|x': Allowing first-arg of a subcommand is not supported"
            -select|0 "ERR Error in ACL SETUSER modifier '-select|0': Unknown command or category name in ACL"
        } {
            assert_error $err {r acl setuser y +set $rule}
        }
        assert_error "ERR Unmatched parenthesis in acl selector starting at '(+get'." {r acl setuser y (+get}
        assert_error "ERR Error in ACL SETUSER modifier '~x': Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns" {r acl setuser y allkeys ~x}
        assert_error "ERR Error in ACL SETUSER modifier '(~x +nosuch)': Unknown command or category name in ACL" {r acl setuser y (~x +nosuch)}
        assert_error "ERR Usernames can't contain spaces or null characters" {r acl setuser "a b"}
        assert_equal $before [r acl getuser y]
    }

    test "AUTH and HELLO AUTH with users and passwords" {
        r acl setuser pw on >one >two +@all
        set c [redis_new_client]
        assert_equal OK [$c auth pw one]
        assert_equal pw [$c acl whoami]
        assert_equal OK [$c auth pw two]
        assert_error "WRONGPASS invalid username-password pair or user is disabled." {$c auth pw three}
        assert_error "WRONGPASS invalid username-password pair or user is disabled." {$c auth nouser x}
        r acl setuser pw <one
        assert_error "WRONGPASS*" {$c auth pw one}
        # A hash given directly: SHA-256("two").
        r acl setuser pw resetpass #3fc4ccfe745870e2c0d99f71f30ff0656c8dedd41cc1d7d3d376b0dbe685e2f3
        assert_equal OK [$c auth pw two]
        r acl setuser pw off
        assert_error "WRONGPASS*" {$c auth pw two}
        r acl setuser np on nopass
        assert_equal OK [$c auth np anything]
        $c close
        set c [redis_new_client]
        r acl setuser pw2 on >x +@all ~*
        set h [$c hello 3 auth pw2 x]
        assert_equal 3 [dict get $h proto]
        assert_equal pw2 [$c acl whoami]
        assert_error "WRONGPASS*" {$c hello 3 auth pw2 wrong}
        $c close
    }

    test "commands, subcommands and first arguments: -NOPERM texts" {
        r acl setuser cu on nopass ~* &* -@all +get +config|get +select|0 +acl|whoami
        set c [acl_client cu x]
        assert_equal {} [$c get k]
        assert_error "NOPERM this user has no permissions to run the 'set' command" {$c set k v}
        assert_error "NOPERM this user has no permissions to run the 'config|set' command" {$c config set maxmemory 0}
        assert_equal {maxmemory 0} [$c config get maxmemory]
        assert_equal OK [$c select 0]
        assert_error "NOPERM this user has no permissions to run the 'select' command" {$c select 1}
        # AUTH and HELLO are always allowed.
        assert_equal OK [$c auth cu x]
        $c close
    }

    test "key patterns: ~, %R~, %W~ against the key specs' flags" {
        r acl setuser ku on nopass &* +@all %R~r* %W~w* ~rw*
        set c [acl_client ku x]
        r set r1 v
        assert_equal v [$c get r1]
        assert_error "NOPERM this user has no permissions to access one of the keys used as arguments" {$c get w1}
        assert_equal OK [$c set w1 v]
        assert_error "NOPERM*keys*" {$c set r1 v}
        # SET with GET reads the key too.
        assert_error "NOPERM*keys*" {$c set w1 v get}
        assert_equal {} [$c set rw1 v get]
        # EXISTS reads no data: any pattern is enough.
        assert_equal 1 [$c exists w1]
        assert_equal 1 [$c exists r1]
        assert_error "NOPERM*keys*" {$c copy w1 r2}
        assert_equal 1 [$c copy r1 w2]
        assert_error "NOPERM*keys*" {$c mset w1 a r1 b}
        $c close
    }

    test "channels: publish/subscribe match patterns, psubscribe needs the literal pattern" {
        r acl setuser chu on nopass ~* resetchannels &news.* &exact +@all
        set c [acl_client chu x]
        assert_equal 0 [$c publish news.a hi]
        assert_error "NOPERM this user has no permissions to access one of the channels used as arguments" {$c publish other hi}
        assert_error "NOPERM*channels*" {$c subscribe news.a other}
        assert_error "NOPERM*channels*" {$c psubscribe news.a*}
        $c close
        set d [redis_deferring_client]
        $d auth chu x
        $d read
        $d psubscribe news.*
        assert_equal {psubscribe news.* 1} [$d read]
        $d close
    }

    test "SORT BY and GET patterns need access to every key" {
        r acl setuser so on nopass ~k* +@all
        r rpush ksort 2 1
        set c [acl_client so x]
        assert_error "ERR BY option of SORT denied due to insufficient ACL permissions." {$c sort ksort by nokey_*}
        assert_error "ERR GET option of SORT denied due to insufficient ACL permissions." {$c sort ksort get #}
        assert_error "ERR BY option of SORT denied due to insufficient ACL permissions." {$c sort_ro ksort by k*}
        assert_equal {2 1} [$c sort ksort by nosort]
        assert_equal {1 2} [$c sort ksort]
        r acl setuser so allkeys
        assert_equal 2 [llength [$c sort ksort by nokey_* get #]]
        $c close
    }

    test "selectors: a command passes if any selector allows it" {
        r acl setuser su on nopass -@all +get ~a* (~b* +set) (&c* +publish)
        set c [acl_client su x]
        assert_equal {} [$c get a1]
        assert_equal OK [$c set b1 v]
        assert_error "NOPERM*keys*" {$c get b1}
        assert_error "NOPERM*keys*" {$c set a1 v}
        assert_equal 0 [$c publish c1 m]
        assert_error "NOPERM*channels*" {$c publish d1 m}
        assert_error "NOPERM this user has no permissions to run the 'del' command" {$c del a1}
        $c close
        r acl setuser su clearselectors
        assert_equal {} [dict get [r acl getuser su] selectors]
    }

    test "ACL DRYRUN" {
        r acl setuser du on nopass ~k* resetchannels &ch* -@all +get +publish
        assert_equal OK [r acl dryrun du get k1]
        assert_equal "This user has no permissions to access the 'zz' key" [r acl dryrun du get zz]
        assert_equal "This user has no permissions to run the 'set' command" [r acl dryrun du set k1 v]
        assert_equal "This user has no permissions to access the 'x' channel" [r acl dryrun du publish x y]
        assert_error "ERR User 'nouser' not found" {r acl dryrun nouser get x}
        assert_error "ERR Command 'nocmd' not found" {r acl dryrun du nocmd}
        assert_error "ERR wrong number of arguments for 'get' command" {r acl dryrun du get}
    }

    test "ACL LOG: denied commands, keys, channels and failed AUTH" {
        r acl log reset
        r acl setuser lu on >pw ~k* resetchannels &ch* -@all +get +set +publish +subscribe
        set c [acl_client lu pw]
        catch {$c del k1}
        catch {$c get zz}
        catch {$c set zz 1}
        catch {$c publish nope x}
        catch {$c auth lu wrong}
        set log [r acl log]
        assert_equal 4 [llength $log]
        set e [lindex $log 0]
        assert_equal {count reason context object username age-seconds client-info} [dict keys $e]
        assert_equal auth [dict get $e reason]
        assert_equal auth [dict get $e object] ;# the command as typed
        assert_equal lu [dict get $e username]
        set e [lindex $log 1]
        assert_equal {channel toplevel nope lu} [list [dict get $e reason] [dict get $e context] [dict get $e object] [dict get $e username]]
        set e [lindex $log 2]
        assert_equal {2 key zz} [list [dict get $e count] [dict get $e reason] [dict get $e object]]
        assert_match "*cmd=set user=lu*" [dict get $e client-info]
        set e [lindex $log 3]
        assert_equal {1 command del} [list [dict get $e count] [dict get $e reason] [dict get $e object]]
        assert_range [dict get $e age-seconds] 0 60
        assert_equal 1 [llength [r acl log 1]]
        assert_equal {} [r acl log -1]
        assert_error "ERR value is not an integer or out of range" {r acl log x}
        assert_equal OK [r acl log reset]
        assert_equal {} [r acl log]
        $c close
    }

    test "acllog-max-len trims the log" {
        r config set acllog-max-len 2
        r acl setuser lm on nopass -@all
        set c [acl_client lm x]
        foreach cmd {get set del incr} {catch {$c $cmd k}}
        assert_equal 2 [llength [r acl log]]
        assert_equal incr [dict get [lindex [r acl log] 0] object]
        r config set acllog-max-len 128
        $c close
    }

    test "ACL CAT, GENPASS, HELP, GETUSER of nobody, DELUSER default" {
        assert_equal {keyspace read write set sortedset list hash string bitmap hyperloglog geo stream pubsub admin fast slow blocking dangerous connection transaction scripting} [r acl cat]
        assert {[lsearch [r acl cat string] get] >= 0}
        assert {[lsearch [r acl cat admin] config|set] >= 0}
        assert {[lsearch [r acl cat admin] config|get] >= 0}
        assert {[lsearch [r acl cat admin] get] < 0}
        assert_error "ERR Unknown category 'nosuch'" {r acl cat nosuch}
        assert_equal 64 [string length [r acl genpass]]
        assert_equal 2 [string length [r acl genpass 5]]
        assert_error "ERR ACL GENPASS argument must be*" {r acl genpass 0}
        assert_error "ERR ACL GENPASS argument must be*" {r acl genpass 4097}
        assert_match "ACL <subcommand>*" [lindex [r acl help] 0]
        assert_equal {} [r acl getuser nobody]
        assert_error "ERR The 'default' user cannot be removed" {r acl deluser default}
        assert_error "ERR unknown subcommand 'NOSUB'. Try ACL HELP." {r acl NOSUB}
        assert_error "ERR This Redis instance is not configured to use an ACL file*" {r acl save}
        assert_error "ERR This Redis instance is not configured to use an ACL file*" {r acl load}
    }

    test "scripts: redis.call of a denied command, key or channel fails with Redis's text" {
        r acl log reset
        r acl setuser scu on nopass ~k* &* -@all +eval +get
        set c [acl_client scu x]
        assert_error "ERR The user executing the script can't run this command or subcommand script: *" {$c eval "return redis.call('del','k')" 0}
        assert_error "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments script: *" {$c eval "return redis.call('get','zz')" 0}
        assert_equal "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments" [$c eval {local r = redis.pcall('get','zz'); return r['err']} 0]
        assert_equal {} [$c eval "return redis.call('get','k1')" 0]
        assert_equal 1 [$c eval "return redis.acl_check_cmd('get','k1')" 0]
        assert_equal {} [$c eval "return redis.acl_check_cmd('get','zz')" 0]
        assert_error "ERR Invalid command passed to redis.acl_check_cmd()*" {$c eval "return redis.acl_check_cmd('nosuch')" 0}
        set e [lindex [r acl log] end]
        assert_equal {command lua del scu} [list [dict get $e reason] [dict get $e context] [dict get $e object] [dict get $e username]]
        $c close
    }

    test "MULTI: a denied command is refused when queued and aborts EXEC" {
        r acl setuser mu on nopass ~* -@all +multi +exec +get +ping
        set c [acl_client mu x]
        $c multi
        assert_error "NOPERM*'set'*" {$c set k v}
        assert_error "EXECABORT*" {$c exec}
        # Rules changed between queuing and EXEC are applied at EXEC.
        r acl log reset
        $c multi
        $c get k
        $c ping
        r acl setuser mu -get
        set res [$c exec]
        assert_equal "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: no permission to execute the command or subcommand" [lindex $res 0]
        assert_equal PONG [lindex $res 1]
        set e [lindex [r acl log] 0]
        assert_equal {command multi get} [list [dict get $e reason] [dict get $e context] [dict get $e object]]
        $c close
    }

    test "ACL DELUSER disconnects the user's clients" {
        r acl setuser gone on nopass +@all ~*
        set c [acl_client gone x]
        assert_equal PONG [$c ping]
        assert_equal 1 [r acl deluser gone]
        wait_for_condition 100 20 {[catch {$c ping}]} else {fail "client of a deleted user still served"}
        $c close
    }

    test "revoking a channel closes the user's subscribed clients" {
        r acl setuser sub on nopass +@all ~* resetchannels &a &b
        set d [redis_deferring_client]
        $d auth sub x
        $d read
        $d subscribe a
        $d read
        r acl setuser sub resetchannels &b
        wait_for_condition 100 20 {[$d eof]} else {fail "subscriber kept its revoked channel"}
        $d close
    }

    test "requirepass is the default user's password" {
        r config set requirepass secret
        set c [redis_new_client]
        assert_error "NOAUTH*" {$c ping}
        assert_equal OK [$c auth secret]
        assert_equal OK [$c auth default secret]
        assert_equal {2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b} \
            [dict get [r acl getuser default] passwords]
        r config set requirepass ""
        assert_equal {on nopass} [dict get [r acl getuser default] flags]
        $c close
    }

    test "acl-pubsub-default: new users get allchannels" {
        r config set acl-pubsub-default allchannels
        r acl setuser pubd
        assert_equal {&*} [dict get [r acl getuser pubd] channels]
        r config set acl-pubsub-default resetchannels
        r acl setuser pubd2
        assert_equal {} [dict get [r acl getuser pubd2] channels]
    }

    test "CONFIG REWRITE writes the users, which a restart loads" {
        r acl setuser rw on >pw ~rw* &* -@all +get (~other +set)
        set want [lsearch -inline [r acl list] {user rw *}]
        assert_equal OK [r config rewrite]
        assert_match "*\nuser rw on #*" [::file_content [srv 0 config_file]]
        restart_server
        assert_equal $want [lsearch -inline [r acl list] {user rw *}]
        set c [acl_client rw pw]
        assert_equal {} [$c get rw1]
        $c close
    }

    test "random rule sets: the description rebuilds the same user" {
        # Property: applying ACL LIST's description of a user to a new user
        # gives the same description and the same permissions.
        expr {srand(12345)}
        set cats [r acl cat]
        set cmds {get set del config config|get config|set client client|kill
                  select|0 select|1 xinfo object|encoding acl|whoami eval
                  publish subscribe sort lpush hset zadd}
        set atoms {on off nopass resetpass >a >b <a allkeys resetkeys ~k*
                   %R~r* %W~w* %RW~x allchannels resetchannels &c* &d
                   allcommands nocommands clearselectors sanitize-payload
                   skip-sanitize-payload {(~s* +get)} {(&z* +publish -@all)}
                   +@all -@all}
        set probes {{get k1} {set w1 v} {config get x} {config set x y}
                    {client kill 1} {select 0} {select 1} {publish c1 m}
                    {publish d m} {eval x 1 s1} {lpush k1 a} {sort r1}
                    {acl whoami} {object encoding k1} {get s1}}
        set pick {{l} {lindex $l [expr {int(rand() * [llength $l])}]}}
        set applied 0
        for {set i 0} {$i < 300} {incr i} {
            set rules {}
            set n [expr {1 + int(rand() * 8)}]
            for {set j 0} {$j < $n} {incr j} {
                set k [expr {rand()}]
                set sign [apply $pick {+ -}]
                if {$k < 0.35} {
                    lappend rules "$sign@[apply $pick $cats]"
                } elseif {$k < 0.7} {
                    lappend rules "$sign[apply $pick $cmds]"
                } else {
                    lappend rules [apply $pick $atoms]
                }
            }
            r acl deluser fx fy
            if {[catch {r acl setuser fx {*}$rules}]} continue
            incr applied
            set desc [string range [lsearch -inline [r acl list] {user fx *}] 8 end]
            r acl setuser fy {*}[split $desc " "]
            set desc2 [string range [lsearch -inline [r acl list] {user fy *}] 8 end]
            assert_equal $desc $desc2 "rules: $rules"
            foreach p $probes {
                assert_equal [r acl dryrun fx {*}$p] [r acl dryrun fy {*}$p] "rules: $rules, probe: $p"
            }
        }
        assert_morethan $applied 200
        r acl deluser fx fy
    }

    test "CLIENT LIST shows the user; CLIENT KILL USER" {
        r acl setuser kl on nopass +@all ~*
        set c [acl_client kl x]
        $c client setname klc
        assert_match "*name=klc*user=kl*" [r client list]
        assert_equal 1 [r client kill user kl]
        assert_error "ERR No such user 'nobody'" {r client kill user nobody}
        $c close
    }
}

start_server {tags {acl} config_lines {
    {user alice on >secret ~* &* +@all}
    {user bob on nopass (~x +get)}
}} {
    test "'user' lines of redis.conf define users" {
        assert_equal [list \
            "user alice on #2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b ~* &* +@all" \
            "user bob on nopass resetchannels -@all (~x resetchannels -@all +get)" \
            "user default on nopass ~* &* +@all"] [r acl list]
        set c [acl_client alice secret]
        assert_equal alice [$c acl whoami]
        $c close
    }
}

test "a bad rule in a 'user' line stops start-up with its reason" {
    set dir [file join $::tmp_root "acl.[pid].[incr ::server_counter]"]
    file mkdir $dir
    set conf [::write_server_config $dir 0 [list port 0 dir $dir] \
                  [list "user alice on >secret +nosuchcommand"]]
    set out [file join $dir stdout]
    set pid [exec $::server_bin $conf > $out 2>@1 &]
    wait_for_condition 500 20 {![::process_alive $pid]} else {
        ::kill_server_process $pid
        fail "a bad user line did not stop start-up"
    }
    assert_match "*Error loading ACL rule '+nosuchcommand' for the user named 'alice': Unknown command or category name in ACL*" [::file_content $out]
    file delete -force $dir
}

test "'user' lines and an aclfile together stop start-up" {
    set dir [file join $::tmp_root "acl.[pid].[incr ::server_counter]"]
    file mkdir $dir
    set f [open [file join $dir users.acl] w]
    puts $f "user default on nopass ~* &* +@all"
    close $f
    set conf [::write_server_config $dir 0 [list port 0 dir $dir aclfile [file join $dir users.acl]] \
                  [list "user alice on"]]
    set out [file join $dir stdout]
    set pid [exec $::server_bin $conf > $out 2>@1 &]
    wait_for_condition 500 20 {![::process_alive $pid]} else {
        ::kill_server_process $pid
        fail "user lines with an aclfile did not stop start-up"
    }
    assert_match "*Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid*" [::file_content $out]
    file delete -force $dir
}

set ::acl_dir [file join $::tmp_root "aclfile.[pid]"]
file mkdir $::acl_dir
set ::acl_file [file join $::acl_dir users.acl]
set f [open $::acl_file w]
puts $f "user default on nopass ~* &* +@all"
puts $f "user alice on >p ~k* +get"
puts $f ""
puts $f "user bob off"
close $f

start_server [list tags {acl} overrides [list aclfile $::acl_file]] {
    test "aclfile: users loaded at start-up" {
        assert_equal [list \
            "user alice on #148de9c5a7a44d19e56cd9ae1a554bf67847afb0c58f6e12fa29ac7ddfca9940 ~k* resetchannels -@all +get" \
            "user bob off resetchannels -@all" \
            "user default on nopass ~* &* +@all"] [r acl list]
    }

    test "ACL SAVE writes the file, ACL LOAD reads it and closes old users' clients" {
        r acl setuser carol on nopass ~c* +@all
        assert_equal OK [r acl save]
        assert_match "*user carol on nopass ~c* resetchannels +@all*" [::file_content $::acl_file]
        set c [acl_client carol x]
        assert_equal PONG [$c ping]
        r acl deluser carol
        wait_for_condition 100 20 {[catch {$c ping}]} else {fail "carol's client survived"}
        $c close
        assert_equal OK [r acl load]
        assert {[lsearch [r acl users] carol] >= 0}
        set c [acl_client carol x]
        assert_equal PONG [$c ping]
        assert_equal OK [r acl load]
        wait_for_condition 100 20 {[catch {$c ping}]} else {fail "ACL LOAD kept an old user's client"}
        $c close
        # The default user's clients stay.
        assert_equal PONG [r ping]
    }

    test "ACL LOAD with errors changes nothing" {
        set good [::file_content $::acl_file]
        set f [open $::acl_file w]
        puts $f "user default on nopass ~* &* +@all"
        puts $f "user a on >x +nosuch"
        puts $f "foo bar"
        puts $f "user b (+get"
        close $f
        set before [r acl list]
        assert_error "ERR $::acl_file:2: Error in applying operation '+nosuch': Unknown command or category name in ACL. $::acl_file:3 should start with user keyword followed by the username. $::acl_file:4: Unmatched parenthesis in selector definition.WARNING: ACL errors detected, no change to the previously active ACL rules was performed" {r acl load}
        assert_equal $before [r acl list]
        set f [open $::acl_file w]
        puts $f "user alice on >p ~k* +get"
        puts $f "user alice off"
        close $f
        assert_error "ERR WARNING: Duplicate user 'alice' found on line 2. WARNING: ACL errors detected*" {r acl load}
        file delete $::acl_file
        assert_error "ERR Error loading ACLs, opening file '$::acl_file': No such file or directory" {r acl load}
        set f [open $::acl_file w]
        puts -nonewline $f $good
        close $f
    }
}
file delete -force $::acl_dir
