# scripting.tcl -- EVAL/EVALSHA/EVAL_RO/EVALSHA_RO and SCRIPT: the script
# cache, KEYS/ARGV, the sandbox, busy scripts (-BUSY for other clients,
# SCRIPT KILL, -UNKILLABLE, SHUTDOWN NOSAVE, the caller's pipelined
# commands served afterwards), propagation of effects to the AOF,
# maxmemory, and bad input to cjson/cmsgpack/struct decoding.  The suite
# runs every file over TLS too (--tls), which covers busy scripts with TLS
# clients.  Written to pass on Redis 7.0 as well.

start_server {tags {scripting}} {
    test "EVAL returns KEYS and ARGV and runs commands" {
        r del k
        assert_equal {k1 k2 a1 a2} [r eval {return {KEYS[1],KEYS[2],ARGV[1],ARGV[2]}} 2 k1 k2 a1 a2]
        assert_equal OK [r eval {return redis.call('set',KEYS[1],ARGV[1])} 1 k v]
        assert_equal v [r get k]
    }

    test "EVALSHA runs a cached script, NOSCRIPT otherwise" {
        set sha [r script load {return 'cached'}]
        assert_equal 40 [string length $sha]
        assert_equal cached [r evalsha $sha 0]
        assert_equal cached [r evalsha [string toupper $sha] 0]
        assert_equal {1 0} [r script exists $sha 0000000000000000000000000000000000000000]
        r script flush
        assert_equal {0} [r script exists $sha]
        assert_error {NOSCRIPT*} {r evalsha $sha 0}
        # EVAL caches the script it runs.
        r eval {return 'cached'} 0
        assert_equal cached [r evalsha $sha 0]
    }

    test "EVAL_RO and EVALSHA_RO refuse writes" {
        assert_error {*Write commands are not allowed from read-only scripts*} {
            r eval_ro {return redis.call('set','x','y')} 1 x
        }
        set sha [r script load {return redis.call('get',KEYS[1])}]
        r set x 1
        assert_equal 1 [r evalsha_ro $sha 1 x]
        assert_error {*Write commands are not allowed*} {
            r eval "#!lua flags=no-writes\nreturn redis.call('set','x','z')" 1 x
        }
        assert_equal 1 [r get x]
    }

    test "Bad numkeys and bad scripts get errors" {
        assert_error {*can't be negative*} {r eval {return 1} -1}
        assert_error {*can't be greater than number of args*} {r eval {return 1} 3 a}
        assert_error {*value is not an integer*} {r eval {return 1} x}
        assert_error {*Error compiling script*} {r eval {return +} 0}
        assert_error {*Error compiling script*} {r script load {x = = 1}}
        # Bytecode is refused (Lua 5.1 would trust it).
        assert_error {*Error compiling script*} {r eval "\x1bLua\x51\x00garbage" 0}
        assert_error {*} {r eval {return loadstring(string.dump(function() return 1 end))()} 0}
        assert_error {*Unexpected engine*} {r eval "#!python\nreturn 1" 0}
        assert_error {*Invalid script shebang*} {r eval "#!lua" 0}
    }

    test "The sandbox: no os/io/loadfile/dofile/require, globals protected" {
        foreach name {os io loadfile dofile require print debug} {
            assert_error "*nonexistent global variable '$name'*" {r eval "return $name" 0}
        }
        assert_error {*Attempt to modify a readonly table*} {r eval {x = 1} 0}
        assert_error {*Attempt to modify a readonly table*} {r eval {redis.call = nil} 0}
        assert_error {*Attempt to modify a readonly table*} {r eval {cjson.encode = nil} 0}
        assert_error {*Attempt to modify a readonly table*} {r eval {rawset(_G, 'y', 1)} 0}
        assert_error {*Attempt to modify a readonly table*} {r eval {setmetatable(_G, nil)} 0}
        # Locals are fine, and nothing leaks from one script to the next.
        assert_equal 3 [r eval {local a = 1; local b = 2; return a + b} 0]
    }

    test "Errors carry the script name and line" {
        catch {r eval "local a = 1\nlocal b = 2\nerror('third')" 0} e
        assert_match {ERR user_script:3: third script: *, on @user_script:3.} $e
        r set str foo
        catch {r eval "\nreturn redis.call('incr','str')" 0} e
        assert_match {ERR value is not an integer or out of range script: *, on @user_script:2.} $e
        assert_match {*not an integer*} [r eval {return redis.pcall('incr','str')['err']} 0]
    }

    test "math.random is one generator: randomseed makes it reproducible" {
        set a [r eval {math.randomseed(7); return {math.random(1000), math.random(1000)}} 0]
        set b [r eval {math.randomseed(7); return {math.random(1000), math.random(1000)}} 0]
        assert_equal $a $b
        set x [r eval {return tostring(math.random())} 0]
        set y [r eval {return tostring(math.random())} 0]
        assert_not_equal $x $y
    }

    test "cjson, cmsgpack and struct survive random input" {
        # Random bytes through every decoder: an error or a value, never a
        # crash or a hang; the server answers afterwards.
        expr {srand(4242)}
        for {set i 0} {$i < 300} {incr i} {
            set len [expr {int(rand() * 40)}]
            set s [randstring $len]
            catch {r eval {return cjson.decode(ARGV[1])} 0 $s}
            catch {r eval {return {cmsgpack.unpack(ARGV[1])}} 0 $s}
            catch {r eval {return {cmsgpack.unpack_limit(ARGV[1], 3, 0)}} 0 $s}
            catch {r eval {return {struct.unpack('>iHbc0dsf', ARGV[1])}} 0 $s}
        }
        # Lengths announced far beyond the input are not allocated.
        assert_error {*Missing bytes*} {r eval {return cmsgpack.unpack(ARGV[1])} 0 "\xdd\xff\xff\xff\xff"}
        assert_error {*Missing bytes*} {r eval {return cmsgpack.unpack(ARGV[1])} 0 "\xdb\xff\xff\xff\xff"}
        # Deep nesting is bounded both ways.
        assert_error {*} {r eval {return cmsgpack.unpack(string.rep('\145', 5000))} 0}
        catch {r eval {return cjson.decode(string.rep('[', 5000))} 0} e
        assert_match {*} $e
        assert_equal PONG [r ping]
        # Round trips.
        assert_equal {1 2 3 a} [r eval {return cmsgpack.unpack(cmsgpack.pack({1,2,3,'a'}))} 0]
        assert_equal {[1,2,3]} [r eval {return cjson.encode(cjson.decode('[1,2,3]'))} 0]
    }

    test "RESP3: maps, sets, doubles, booleans and nulls both ways" {
        r hello 3
        r del h
        r hset h f v
        assert_equal {f v} [r eval {redis.setresp(3); return redis.call('hgetall', KEYS[1])} 1 h]
        assert_equal 1 [r eval {redis.setresp(3); return redis.call('get','nokey') == nil} 0]
        assert_equal 1 [r eval {return redis.call('get','nokey') == false} 0]
        assert_equal 3.5 [r eval {return {double=3.5}} 0]
        r hello 2
    }
}

start_server {tags {scripting}} {
    test "A busy script: -BUSY to others, SCRIPT KILL stops it" {
        r config set busy-reply-threshold 50
        set rd [redis_deferring_client]
        $rd eval {local i = 0 while true do i = i + 1 end} 0
        wait_for_condition 200 20 {
            [catch {r ping} e] == 1 && [string match {BUSY*} $e]
        } else {
            fail "no -BUSY from a busy script"
        }
        assert_error {BUSY*} {r get x}
        assert_error {BUSY*} {r eval {return 1} 0}
        assert_error {BUSY*} {r shutdown}
        # AUTH and HELLO are answered, as Redis 7.0 answers them.
        assert_error {*called without any password configured*} {r auth nopass}
        assert_match {*proto 2*} [r hello 2]
        assert_equal OK [r script kill]
        catch {$rd read} e
        assert_match {*Script killed by user with SCRIPT KILL*} $e
        assert_equal PONG [r ping]
        $rd close
    }

    test "A busy script that wrote is UNKILLABLE; the caller's pipeline runs after it" {
        r config set busy-reply-threshold 50
        r del counter
        set rd [redis_deferring_client]
        # The script writes, then runs until counter's deadline passes;
        # the caller pipelines two more commands behind it.
        $rd eval {
            redis.call('set', 'counter', 1)
            local t = tonumber(redis.call('time')[1])
            while tonumber(redis.call('time')[1]) < t + 2 do end
            return 'done'
        } 0
        $rd incr counter
        $rd get counter
        wait_for_condition 200 20 {
            [catch {r ping} e] == 1 && [string match {BUSY*} $e]
        } else {
            fail "no -BUSY from a busy script"
        }
        assert_error {UNKILLABLE*} {r script kill}
        assert_equal done [$rd read]
        assert_equal 2 [$rd read]
        assert_equal 2 [$rd read]
        assert_equal PONG [r ping]
        $rd close
    }

    test "A busy function: FUNCTION STATS shows it, FUNCTION KILL stops it" {
        r config set busy-reply-threshold 50
        r function load replace "#!lua name=busylib\nredis.register_function('spin', function() local i = 0 while true do i = i + 1 end end)"
        set rd [redis_deferring_client]
        $rd fcall spin 0
        wait_for_condition 200 20 {
            [catch {r ping} e] == 1 && [string match {BUSY*FUNCTION KILL*} $e]
        } else {
            fail "no -BUSY from a busy function"
        }
        set stats [r function stats]
        assert_equal spin [dict get [dict get $stats running_script] name]
        assert_equal {fcall spin 0} [dict get [dict get $stats running_script] command]
        # SCRIPT KILL does not stop a function.
        assert_error {BUSY*} {r script kill}
        assert_equal OK [r function kill]
        catch {$rd read} e
        assert_match {*Script killed by user*} $e
        assert_equal {} [dict get [r function stats] running_script]
        $rd close
    }

    test "SCRIPT KILL with no script is NOTBUSY" {
        assert_error {NOTBUSY*} {r function kill}
        assert_error {NOTBUSY*} {r script kill}
    }

    test "SHUTDOWN NOSAVE stops a server with a busy script" {
        r config set busy-reply-threshold 50
        set rd [redis_deferring_client]
        $rd eval {redis.call('set','x','y') while true do end} 0
        wait_for_condition 200 20 {
            [catch {r ping} e] == 1 && [string match {BUSY*} $e]
        } else {
            fail "no -BUSY from a busy script"
        }
        catch {r shutdown nosave}
        wait_for_condition 200 20 {
            ![::process_alive [srv 0 pid]]
        } else {
            fail "server still running after SHUTDOWN NOSAVE"
        }
        catch {$rd close}
    }
}

start_server {tags {scripting aof} overrides {appendonly yes appendfsync always}} {
    proc scr_aof_text {} {
        set dir [file join [srv 0 dir] appendonlydir]
        set f [open [file join $dir appendonly.aof.manifest] r]
        set m [read $f]
        close $f
        set last ""
        foreach line [split $m "\n"] {
            if {[lindex $line 0] eq "file"} {set last [lindex $line 1]}
        }
        set f [open [file join $dir $last] rb]
        set d [read $f]
        close $f
        return $d
    }

    test "Script effects reach the AOF as commands in MULTI/EXEC, not EVAL" {
        r eval {redis.call('set','a','1'); redis.call('incr','a'); redis.call('select', 5); redis.call('set','b','2')} 0
        set aof [scr_aof_text]
        assert_no_match {*EVAL*} [string toupper $aof]
        assert_match "*MULTI*set*a*1*incr*a*SELECT*5*set*b*2*EXEC*" $aof
        # The caller's database did not change.
        assert_equal 2 [r get a]
        assert_equal {} [r get b]
    }

    test "redis.set_repl(REPL_NONE) keeps a write out of the AOF" {
        r eval {redis.set_repl(redis.REPL_NONE); redis.call('set','hidden','1'); redis.set_repl(redis.REPL_ALL); redis.call('set','shown','1')} 0
        set aof [scr_aof_text]
        assert_no_match {*hidden*} $aof
        assert_match {*shown*} $aof
    }

    test "A read-only script propagates nothing" {
        set before [scr_aof_text]
        r eval {return redis.call('get','a')} 0
        assert_equal $before [scr_aof_text]
    }

    test "The AOF with script effects loads back" {
        restart_server
        assert_equal 2 [r get a]
        assert_equal 2 [r select 5; r get b]
        r select 0
        assert_equal 1 [r get shown]
        assert_equal {} [r get hidden] ;# it was never logged
    }
}

start_server {tags {scripting}} {
    test "maxmemory: -OOM for scripts' writes unless allow-oom" {
        r set filler [string repeat x 10000]
        r config set maxmemory 1
        assert_error {*OOM*} {r eval {return redis.call('set','x','y')} 0}
        assert_error {OOM*} {r eval "#!lua\nreturn redis.call('set','x','y')" 0}
        assert_equal OK [r eval "#!lua flags=allow-oom\nreturn redis.call('set','x','y')" 0]
        # Reads still work.
        assert_equal y [r eval {return redis.call('get','x')} 0]
        r config set maxmemory 0
    }
}
