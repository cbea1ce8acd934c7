# cli-interactive.tcl -- our redis-cli's interactive mode driven through a
# real terminal (tmux): prompt, replies, line editing and history (also in
# the history file), completion of command names, help from COMMAND DOCS,
# SELECT in the prompt, reconnection, editing keys, and the grey argument
# hints compared with what Debian's redis-cli 7.0 draws in the same
# terminal against the same server.

set ::icli_bin [file join $::tests_dir .. src redis-cli]
set ::icli_sock "icli-[pid]"
set ::icli_starts 0
set ::icli_env "" ;# extra VAR=value words for the tool's environment

source [file join $::tests_dir helpers tools.tcl]

proc icli_quote {s} {
    return "'[string map {' '\\''} $s]'"
}

proc icli_tmux {args} {
    return [exec tmux -L $::icli_sock {*}$args]
}

# Starts redis-cli in a detached 120x40 terminal with <histfile>.
proc icli_start {histfile} {
    icli_start_with $histfile $::icli_bin {*}[tool_conn_args]
}

# Starts <bin> with <args> in the same way.
proc icli_start_with {histfile bin args} {
    # A tmux server of its own per start: a server told to exit by the
    # previous test's icli_stop may still accept a connection and then die
    # under the new session ("server exited unexpectedly").
    set ::icli_sock "icli-[pid]-[incr ::icli_starts]"
    set cmd "$::icli_env REDISCLI_HISTFILE=[icli_quote $histfile] [icli_quote $bin]"
    foreach a $args {append cmd " " [icli_quote $a]}
    icli_tmux new-session -d -s cli -x 120 -y 40 $cmd
}

# The last line of the screen holding a prompt ("> ").
proc icli_prompt_line {} {
    set last ""
    foreach l [split [icli_screen] "\n"] {
        if {[string first "> " $l] >= 0 || [string match "*>" $l]} {set last $l}
    }
    return $last
}

# The terminal's text; tmux drops trailing blanks of each line, so
# patterns never end a line with a space.
proc icli_screen {} {
    return [string trimright [icli_tmux capture-pane -p -t cli]]
}

# <s> as a literal inside a string match pattern.
proc icli_lit {s} {
    return [string map {\\ \\\\ * \\* ? \\? [ \\[ ] \\]} $s]
}

# Waits until the screen matches <pattern>.
proc icli_wait {pattern} {
    wait_for_condition 200 25 {
        [string match $pattern [icli_screen]]
    } else {
        fail "screen never matched '$pattern':\n[icli_screen]"
    }
}

proc icli_type {args} {
    icli_tmux send-keys -t cli {*}$args
}

proc icli_stop {} {
    catch {icli_tmux kill-server}
}

if {[catch {exec which tmux}]} {
    test "redis-cli interactive mode (tmux missing)" {
        ::report skip "redis-cli interactive mode" "tmux is not installed"
    }
    return
}

start_server {tags {tools cli}} {
    set hist [file join $::tmp_root "icli-hist-[pid]"]
    file delete $hist

    test "interactive: prompt, commands and replies in terminal format" {
        icli_start $hist
        catch {
            set prompt "[srv 0 host]:[srv 0 port]>"
            icli_wait "$prompt"
            icli_type {set ikey "hello world"} Enter
            icli_wait "*\nOK\n$prompt*"
            icli_type "get ikey" Enter
            icli_wait "*\n\"hello world\"\n$prompt*"
            icli_type "rpush ilist a b" Enter
            icli_wait "*(integer) 2\n$prompt"
            icli_type "lrange ilist 0 -1" Enter
            icli_wait "*1) \"a\"\n2) \"b\"\n$prompt*"
            icli_type "nosuchcommand" Enter
            icli_wait "*(error) ERR unknown command 'nosuchcommand'*\n$prompt"
            icli_type "select 3" Enter
            icli_wait "*[icli_lit [srv 0 host]:[srv 0 port]\[3\]>]"
            icli_type "3 incr icounter" Enter
            icli_wait "*(integer) 3\n*"
            icli_type "select 0" Enter
            icli_wait "*OK\n$prompt*"
        } e
        if {$e ne ""} {icli_stop; error $e}
        set c [redis_new_client]
        $c select 3
        assert_equal 3 [$c get icounter]
        $c close
    }

    test "interactive: line editing, history recall and the history file" {
        catch {
            set prompt "[srv 0 host]:[srv 0 port]>"
            # Up arrow twice recalls "3 incr icounter" in db 0 now.
            icli_type "echo one" Enter
            icli_wait "*\"one\"\n$prompt*"
            icli_type Up Enter
            icli_wait "*\"one\"\n$prompt*echo one\n\"one\"\n$prompt*"
            # Editing: type, move left, insert.
            icli_type "echo wrld" Left Left Left "o" Enter
            icli_wait "*\"world\"\n$prompt*"
            icli_type "PIN" Tab
            icli_wait "*> PING*"
            icli_type Enter
            icli_wait "*PONG\n$prompt*"
            icli_type "help get" Enter
            icli_wait "*GET*summary: *Get the value of a key*group: string*"
            icli_type "quit" Enter
            wait_for_condition 200 25 {
                [catch {icli_tmux has-session -t cli}]
            } else {
                fail "redis-cli did not quit"
            }
        } e
        icli_stop
        if {$e ne ""} {error $e}
        set lines [split [string trim [::file_content $hist]] "\n"]
        assert_equal {set ikey "hello world"} [lindex $lines 0]
        assert_equal "echo world" [lsearch -inline $lines "echo world"]
        assert_equal "quit" [lindex $lines end]
    }

    test "interactive: history is loaded at start" {
        icli_start $hist
        catch {
            set prompt "[srv 0 host]:[srv 0 port]>"
            icli_wait "$prompt"
            # The last entry is "quit"; the one before is "help get".
            icli_type Up Up
            icli_wait "*> help get*"
            icli_type C-u "ping" Enter
            icli_wait "*PONG\n$prompt*"
        } e
        icli_stop
        if {$e ne ""} {error $e}
    }

    test "interactive: a lost connection shows 'not connected' and reconnects" {
        icli_start $hist
        catch {
            set prompt "[srv 0 host]:[srv 0 port]>"
            icli_wait "$prompt"
            # Drop the tool's connection (every client but ours).
            set me [r client id]
            foreach line [split [r client list] "\n"] {
                if {[regexp {^id=([0-9]+) } $line -> id] && $id != $me} {
                    r client kill id $id
                }
            }
            icli_type "ping" Enter
            icli_wait "*ping\nError: Server closed the connection\nnot connected>"
            icli_type "ping" Enter
            icli_wait "*not connected> ping\nPONG\n$prompt*"
        } e
        icli_stop
        if {$e ne ""} {error $e}
    }
    file delete $hist
}

start_server {tags {tools cli}} {
    set hist [file join $::tmp_root "icli-hist2-[pid]"]
    file delete $hist

    test "interactive: editing keys (Home, End, Delete, Ctrl-W/K/A/D, Tab) and long lines" {
        icli_start $hist
        catch {
            set prompt "[srv 0 host]:[srv 0 port]>"
            icli_wait "$prompt"
            icli_type "echo abXc" Left Left DC Enter
            icli_wait "*\n\"abc\"\n$prompt*"
            icli_type "cho q" Home "e" End "r" Enter
            icli_wait "*\n\"qr\"\n$prompt*"
            icli_type {echo "abc def"} C-w {xyz"} Enter
            icli_wait "*\n\"abc xyz\"\n$prompt*"
            icli_type "garbage" C-a C-k "echo k" Enter
            icli_wait "*\n\"k\"\n$prompt*"
            # Wider than the 120-column terminal: scrolled, sent whole.
            set long [string repeat x 200]
            icli_type "set ilong $long" Enter
            icli_wait "*xxxx\nOK\n$prompt"
            # Tab: the common prefix of several names, then their list
            # (a complete name gets its hint: our COMMAND DOCS has them).
            icli_type "inc" Tab
            icli_wait "*\n[icli_lit "$prompt incr key"]"
            icli_type Tab
            icli_wait "*incrbyfloat*\n[icli_lit "$prompt incr key"]"
            # Ctrl-D on an empty line ends the session.
            icli_type C-u C-d
            wait_for_condition 200 25 {
                [catch {icli_tmux has-session -t cli}]
            } else {
                fail "redis-cli did not end on Ctrl-D"
            }
        } e
        icli_stop
        if {$e ne ""} {error $e}
        assert_equal $long [r get ilong]
    }

    test "interactive: TERM=dumb reads plain lines (no escape sequences)" {
        set ::icli_env "TERM=dumb"
        icli_start $hist
        set ::icli_env ""
        catch {
            set prompt "[srv 0 host]:[srv 0 port]>"
            icli_wait "$prompt"
            icli_type "echo plain" Enter
            icli_wait "*\"plain\"\n$prompt"
            icli_type C-d
            wait_for_condition 200 25 {
                [catch {icli_tmux has-session -t cli}]
            } else {
                fail "redis-cli did not end at end of input"
            }
        } e
        icli_stop
        if {$e ne ""} {error $e}
    }
    file delete $hist
}

# Hints need COMMAND DOCS with the argument descriptions: Debian's Redis
# 7.0 server gives them, so both tools are pointed at one (plain TCP, in
# --tls runs too: the line editor is the same either way).
if {![file executable /usr/bin/redis-server] || ![file executable /usr/bin/redis-cli]} {
    test "interactive: hints (Debian's redis-server/redis-cli missing)" {
        ::report skip "interactive hints" "Debian's redis-server or redis-cli is not installed"
    }
    return
}

proc icli_ref_start {} {
    set port [::next_port]
    set log [file join $::tmp_root icli-ref-$port.log]
    set pid [exec /usr/bin/redis-server --port $port --bind 127.0.0.1 \
                 --dir $::tmp_root --save "" --appendonly no \
                 --daemonize no --logfile $log > /dev/null 2>@1 &]
    wait_for_condition 500 20 {
        [catch {exec /usr/bin/redis-cli -p $port ping} r] == 0 && $r eq "PONG"
    } else {
        catch {exec kill -KILL $pid}
        fail "reference server did not start: [::file_content $log]"
    }
    return [list $pid $port]
}

set ref [icli_ref_start]
set ref_pid [lindex $ref 0]
set ref_port [lindex $ref 1]
set hist [file join $::tmp_root "icli-hist3-[pid]"]
file delete $hist

# The typed text and the hint Debian's redis-cli draws after it (cut at
# the terminal's 120th column).
set ::icli_hint_cases {
    {set k v } {[NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KE}
    {get} { key}
    {lpush mylist} { element [element ...]}
    {zadd z } {[NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]}
    {config get } {parameter [parameter ...]}
    {SORT k } {[BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC|DESC] [ALPHA] [STORE dest}
    {xadd s } {[NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]}
    {migrate } {host port key|"" destination-db timeout [COPY] [REPLACE] [[AUTH password]|[AUTH2 username passw}
    {georadius k 1 2 } {radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC|DESC] [STO}
}

# Types each case into the running tool and returns the prompt lines.
proc icli_hint_lines {prompt} {
    set lines {}
    foreach {typed hint} $::icli_hint_cases {
        icli_type C-u $typed
        set want [string trimright "$prompt $typed$hint"]
        wait_for_condition 200 25 {
            [icli_prompt_line] eq $want
        } else {
            fail "hint for '$typed': wanted\n$want\ngot\n[icli_prompt_line]"
        }
        lappend lines [icli_prompt_line]
    }
    icli_type C-u
    return $lines
}

test "interactive: Debian's redis-cli 7.0 draws these hints (reference)" {
    icli_start_with $hist /usr/bin/redis-cli -h 127.0.0.1 -p $ref_port
    catch {
        set prompt "127.0.0.1:$ref_port>"
        icli_wait "$prompt"
        set ::icli_ref_lines [icli_hint_lines $prompt]
        icli_type "quit" Enter
    } e
    icli_stop
    if {$e ne ""} {error $e}
}

test "interactive: our hints are the same as Debian's and go away on Enter" {
    icli_start_with $hist $::icli_bin -h 127.0.0.1 -p $ref_port
    catch {
        set prompt "127.0.0.1:$ref_port>"
        icli_wait "$prompt"
        assert_equal $::icli_ref_lines [icli_hint_lines $prompt]
        # Entered: the line stays as typed, without its hint.
        icli_type "set hk hv" Enter
        icli_wait "*[icli_lit "$prompt set hk hv"]\nOK\n$prompt"
        icli_type "get hk" Enter
        icli_wait "*[icli_lit "$prompt get hk"]\n\"hv\"\n$prompt"
        # Moving the cursor inside the line keeps the hint.
        icli_type "lpush l" Left Left
        icli_wait "*[icli_lit "$prompt lpush l element \[element ...\]"]"
        icli_type C-e C-u
        # ":set nohints" turns them off, ":set hints" on again.
        icli_type ":set nohints" Enter
        # (The screen ends right after the text only once drawn without
        # a hint.)
        icli_type "set k v "
        icli_wait "*[icli_lit "$prompt set k v"]"
        icli_type C-u ":set hints" Enter
        icli_type "get"
        icli_wait "*[icli_lit "$prompt get key"]"
        icli_type C-u
    } e
    icli_stop
    if {$e ne ""} {error $e}
}

test "interactive: ':set nohints' in REDISCLI_RCFILE turns hints off" {
    set rc [file join $::tmp_root "icli-rc-[pid]"]
    set f [open $rc w]
    puts $f ":set nohints"
    close $f
    set ::icli_env "REDISCLI_RCFILE=[icli_quote $rc]"
    icli_start_with $hist $::icli_bin -h 127.0.0.1 -p $ref_port
    set ::icli_env ""
    catch {
        set prompt "127.0.0.1:$ref_port>"
        icli_wait "$prompt"
        icli_type "get"
        icli_wait "[icli_lit "$prompt get"]"
        icli_type C-u ":set hints" Enter "get"
        icli_wait "*[icli_lit "$prompt get key"]"
    } e
    icli_stop
    file delete $rc
    if {$e ne ""} {error $e}
}

test "redis-cli help <command> prints what Debian's redis-cli 7.0 prints" {
    foreach c {set get lpush zadd xadd migrate {client kill} sort} {
        set ours [exec $::icli_bin -h 127.0.0.1 -p $ref_port help {*}$c]
        set theirs [exec /usr/bin/redis-cli -h 127.0.0.1 -p $ref_port help {*}$c]
        assert_match "*summary:*" $ours
        assert_equal $theirs $ours "help $c"
    }
}


# The same hints against our server: its COMMAND DOCS now carries the
# argument descriptions (src/cmddocs.c), so both tools must draw there
# what Debian's redis-cli draws against Debian's server. (Our server runs
# on plain TCP outside the framework, like the reference server above.)
proc icli_ours_start {} {
    set port [::next_port]
    set log [file join $::tmp_root icli-ours-$port.log]
    set bin [file join $::tests_dir .. src redis-server]
    set pid [exec $bin --port $port --bind 127.0.0.1 \
                 --dir $::tmp_root --save "" --appendonly no \
                 --daemonize no --logfile $log > /dev/null 2>@1 &]
    wait_for_condition 500 20 {
        [catch {exec /usr/bin/redis-cli -p $port ping} r] == 0 && $r eq "PONG"
    } else {
        catch {exec kill -KILL $pid}
        fail "our server did not start: [::file_content $log]"
    }
    return [list $pid $port]
}

set ours [icli_ours_start]
set ours_pid [lindex $ours 0]
set ours_port [lindex $ours 1]

foreach {tool bin} [list "Debian's redis-cli" /usr/bin/redis-cli "our redis-cli" $::icli_bin] {
    test "interactive: $tool draws the same hints against our server as Debian's draws against 7.0" {
        icli_start_with $hist $bin -h 127.0.0.1 -p $ours_port
        catch {
            set prompt "127.0.0.1:$ours_port>"
            icli_wait "$prompt"
            # The prompts differ by port only.
            set want [string map [list "127.0.0.1:$ref_port>" $prompt] $::icli_ref_lines]
            # "set k v " first: the case the hints were missing for.
            icli_type C-u "set k v "
            wait_for_condition 200 25 {
                [icli_prompt_line] eq [lindex $want 0]
            } else {
                fail "hint for 'set k v ': wanted\n[lindex $want 0]\ngot\n[icli_prompt_line]"
            }
            assert_equal $want [icli_hint_lines $prompt]
            icli_type "quit" Enter
        } e
        icli_stop
        if {$e ne ""} {error $e}
    }
}

test "redis-cli help <command> against our server prints what it prints against 7.0" {
    foreach c {set get lpush zadd xadd migrate {client kill} sort} {
        set ours_help [exec $::icli_bin -h 127.0.0.1 -p $ours_port help {*}$c]
        set theirs [exec /usr/bin/redis-cli -h 127.0.0.1 -p $ref_port help {*}$c]
        assert_equal $theirs $ours_help "help $c"
    }
}

catch {exec kill $ours_pid}
catch {exec kill $ref_pid}
file delete $hist
