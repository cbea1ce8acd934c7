# cli-interactive.tcl -- our redis-cli's interactive mode driven through a
# real terminal (tmux): prompt, replies, line editing and history (also in
# the history file), completion of command names, help from COMMAND DOCS,
# SELECT in the prompt, reconnection.

set ::icli_bin [file join $::tests_dir .. src redis-cli]
set ::icli_sock "icli-[pid]"
set ::icli_starts 0

source [file join $::tests_dir helpers tools.tcl]

proc icli_quote {s} {
    return "'[string map {' '\\''} $s]'"
}

proc icli_tmux {args} {
    return [exec tmux -L $::icli_sock {*}$args]
}

# Starts redis-cli in a detached 120x40 terminal with <histfile>.
proc icli_start {histfile} {
    # A tmux server of its own per start: a server told to exit by the
    # previous test's icli_stop may still accept a connection and then die
    # under the new session ("server exited unexpectedly").
    set ::icli_sock "icli-[pid]-[incr ::icli_starts]"
    set cmd "REDISCLI_HISTFILE=[icli_quote $histfile] [icli_quote $::icli_bin]"
    foreach a [tool_conn_args] {append cmd " " [icli_quote $a]}
    icli_tmux new-session -d -s cli -x 120 -y 40 $cmd
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
