# scripting-differential.tcl -- Lua scripts sent to the server under test
# and to Debian's Redis 7.0 (/usr/bin/redis-server), replies compared byte
# for byte: conversions in both directions in RESP2 and RESP3 (HELLO 3 and
# redis.setresp), errors and their script positions, the sandbox, the
# redis.* API, cjson/bit/struct/cmsgpack, math.random, shebang flags and
# the SCRIPT command; FUNCTION and FCALL.

source [file join $::tests_dir helpers reference.tcl]



# Runs <argv> on both servers; records a mismatch.
proc scr_cmd {argv} {
    foreach f [list $::scr_our $::scr_ref] {::redis::send_command $f $argv}
    set a [refsrv_read_raw $::scr_our]
    set b [refsrv_read_raw $::scr_ref]
    if {$a ne $b} {
        lappend ::scr_mismatches "command: $argv\n  ours:      [string map {"\r\n" {\r\n}} $a]\n  redis 7.0: [string map {"\r\n" {\r\n}} $b]"
    }
}

# Scripts whose replies must be the same in RESP2 and RESP3.
set ::scr_scripts {
    {return 1}
    {return -7}
    {return 3.99}
    {return -3.99}
    {return 'hello'}
    {return true}
    {return false}
    {return nil}
    {return {}}
    {return {1,2,3,'ciao',{1,2}}}
    {return {1,2,nil,4}}
    {return {1,false,3}}
    {return {err='My Error'}}
    {return {err='-ERR x'}}
    {return {err=''}}
    {return {err=123}}
    {return {ok='fine'}}
    {return {ok=123}}
    {return {double=3.14}}
    {return {double=-0.5}}
    {return {map={a=1}}}
    {return {map={a={1,2}}}}
    {return {set={a=true}}}
    {return {big_number='123456789012345678901234567890'}}
    {return redis.status_reply('x y')}
    {return redis.status_reply('-x')}
    {return redis.error_reply('x y')}
    {return redis.error_reply('-x y')}
    {return redis.error_reply('ERR x')}
    {return redis.error_reply()}
    {return redis.status_reply()}
    {local t = redis.error_reply('x y'); return t.err}
    {return redis.call('ping')}
    {return redis.call('set','k','v')}
    {return redis.call('get','k')}
    {return redis.call('get','nokey')}
    {return type(redis.call('get','nokey'))}
    {return redis.call('incr','k')}
    {return redis.pcall('incr','k')}
    {return redis.pcall('incr','k')['err']}
    {return redis.call('nosuch')}
    {local t=redis.pcall('nosuch'); return t.err}
    {return redis.call()}
    {return redis.call('get',{})}
    {return redis.call('get')}
    {return redis.call('eval','return 1',0)}
    {return redis.call('set','n',3.14)}
    {return redis.call('get','n')}
    {return redis.call('set','n',1e20)}
    {return redis.call('get','n')}
    {return redis.call('set','n',-5)}
    {return redis.call('get','n')}
    {return redis.call('set','n',1/3)}
    {return redis.call('get','n')}
    {return redis.call('incrbyfloat','f', 1.5)}
    {redis.call('del','h'); redis.call('hset','h','f','v'); return redis.call('hgetall','h')}
    {redis.call('del','l'); redis.call('rpush','l','a','b'); return redis.call('lrange','l',0,-1)}
    {return redis.call('lpop','nolist')}
    {return redis.call('blpop','nolist', 0)}
    {redis.setresp(3); return true}
    {redis.setresp(3); return false}
    {redis.setresp(3); return nil}
    {redis.setresp(3); return redis.call('hgetall','h')}
    {redis.setresp(3); local r = redis.call('hgetall','h'); return type(r.map)}
    {redis.setresp(3); local r = redis.call('get','nokey'); return type(r)}
    {redis.setresp(3); return redis.call('zscore','nozset','a')}
    {redis.call('del','z'); redis.call('zadd','z',1.5,'a'); redis.setresp(3); local r = redis.call('zscore','z','a'); return type(r)}
    {redis.setresp(3); local r = redis.call('zscore','z','a'); return r.double}
    {redis.setresp(3); return redis.call('zscore','z','a')}
    {redis.setresp(4)}
    {redis.setresp()}
    {return a}
    {a=1}
    {error('boom')}
    {error({err='boom2'})}
    {return 1 +}
    {local x = 1
     local y = 2
     error('on line three')}
    {redis.call = nil}
    {string.x = 1}
    {rawset(_G, 'x', 1)}
    {setmetatable(_G, nil)}
    {return getmetatable(setmetatable({}, {a=1})).a}
    {return type(os)}
    {return type(io)}
    {return type(loadfile)}
    {return type(dofile)}
    {return type(require)}
    {return type(print)}
    {return type(debug)}
    {return type(getfenv)}
    {return type(setfenv)}
    {return type(newproxy)}
    {return {type(loadstring),type(gcinfo),type(unpack),type(collectgarbage),type(coroutine),type(pcall),type(rawget),type(setmetatable)}}
    {return {type(cjson),type(bit),type(struct),type(cmsgpack),type(string),type(math),type(table)}}
    {return redis.REDIS_VERSION .. ' ' .. redis.REDIS_VERSION_NUM}
    {return {redis.LOG_DEBUG,redis.LOG_VERBOSE,redis.LOG_NOTICE,redis.LOG_WARNING,redis.REPL_NONE,redis.REPL_AOF,redis.REPL_SLAVE,redis.REPL_REPLICA,redis.REPL_ALL}}
    {return redis.sha1hex('')}
    {return redis.sha1hex('The quick brown fox jumps over the lazy dog')}
    {return redis.sha1hex()}
    {return redis.log(1)}
    {return redis.log('a','b')}
    {return redis.log(9,'b')}
    {return redis.log(redis.LOG_DEBUG, 'from a script')}
    {return redis.set_repl(9)}
    {return redis.set_repl()}
    {return redis.set_repl(redis.REPL_ALL)}
    {return redis.replicate_commands()}
    {return {redis.breakpoint(), redis.debug('x')}}
    {return KEYS[1] .. ARGV[1]}
    {return #KEYS + #ARGV}
    {return cjson.encode({1,2,3,{a=1}})}
    {return cjson.encode(cjson.decode('{"a":[1,2,{"b":null}]}'))}
    {return cjson.decode('[1,')}
    {return cjson.encode({a=1/0})}
    {return struct.pack('>iHb', 1, 2, 3)}
    {return {struct.unpack('>iHb', struct.pack('>iHb', -1, 2, -3))}}
    {return struct.size('>iHbd')}
    {return struct.pack('c0s', 'ab','cd')}
    {return {struct.unpack('bc0', struct.pack('bc0', 3, 'xyz'))}}
    {return struct.unpack('i', 'a')}
    {return struct.pack('q', 1)}
    {return struct.pack('!4bi', 1, 2)}
    {return {struct.unpack('<d', struct.pack('<d', 1.5))}}
    {return struct.size('s')}
    {return struct.size('c0')}
    {return cmsgpack.pack({1,2,3,'a',{x=1}}, true, false, 3.5, -100, 70000, -70000, 2^40)}
    {return {cmsgpack.unpack(cmsgpack.pack({1,2,3,'a'}, 5, 'x'))}}
    {return {cmsgpack.unpack_one(cmsgpack.pack(1,2,3))}}
    {return {cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 2, 1)}}
    {return cmsgpack.unpack('\220')}
    {return cmsgpack.unpack('\193')}
    {return cmsgpack.pack()}
    {return cmsgpack.pack(0.1)}
    {return cmsgpack.pack(string.rep('x', 40))}
    {return cmsgpack.pack(string.rep('x', 300))}
    {return {bit.band(0xff, 0x0f), bit.tohex(255), bit.lshift(1, 10), bit.bxor(5, 3)}}
    {local t = {} for i=1,100 do t = {t} end return t}
    "#!lua flags=no-writes\nreturn redis.call('set','x','y')"
    "#!lua\nreturn redis.call('set','x','y')"
    "#!luax\nreturn 1"
    "#!lua flags=bad\nreturn 1"
    "#!lua foo=bar\nreturn 1"
    "#!lua\n\nerror('x')"
    "#!lua"
    "#!lua flags=no-writes,allow-oom,allow-stale,no-cluster,allow-cross-slot-keys\nreturn 1"
    "#! lua\nreturn 1"
}

# FUNCTION and FCALL: loading (metadata, register_function forms and
# errors, the load-time environment), calling, errors, LIST, STATS, FLUSH.
set ::scr_function_cmds [list \
    {function flush} \
    [list function load "#!lua name=lib1\nredis.register_function('f1', function(keys, args) return {keys\[1\], args\[1\], type(keys)} end)"] \
    {fcall f1 1 k a} \
    {fcall_ro f1 1 k a} \
    [list function load "#!lua name=lib1\nredis.register_function('f1', function() return 1 end)"] \
    [list function load replace "#!lua name=lib1\nredis.register_function{function_name='f1', callback=function() return 2 end, flags={'no-writes', 'allow-oom'}, description='desc'}"] \
    {fcall_ro f1 0} \
    {function list} \
    {function list withcode} \
    {function list libraryname lib*} \
    {function list libraryname nomatch*} \
    {function list libraryname} \
    {function list foo} \
    {function load "return 1"} \
    [list function load "#!lua\nreturn 1"] \
    [list function load "#!lua name=x y=z\nreturn 1"] \
    [list function load "#!js name=x\nreturn 1"] \
    [list function load "#!lua name=x-y\nreturn 1"] \
    [list function load "#!lua name=x\nreturn 1"] \
    [list function load "#!lua name=x\nreturn +"] \
    [list function load "#!lua name=x\nredis.register_function('f1', function() return 1 end)"] \
    [list function load "#!lua name=x\nredis.register_function('a-b', function() return 1 end)"] \
    [list function load "#!lua name=x\nredis.register_function('ab', 1)"] \
    [list function load "#!lua name=x\nredis.register_function('ab')"] \
    [list function load "#!lua name=x\nredis.register_function{function_name='ab', callback=function() end, flags={'bad'}}"] \
    [list function load "#!lua name=x\nredis.register_function('ab', function() end) redis.register_function('ab', function() end)"] \
    [list function load "#!lua name=x\nredis.call('ping')"] \
    [list function load "#!lua name=x\nerror('boom')"] \
    [list function load "#!lua name=x\nlocal a = 1 + {}"] \
    [list function load "#!lua name=x\nredis.register_function{function_name='ab'}"] \
    [list function load "#!lua name=x\nredis.register_function{callback=function() end}"] \
    [list function load "#!lua name=x\nredis.register_function{function_name='ab', callback=function() end, foo=1}"] \
    [list function load "#!lua name=y\nx = 1"] \
    [list function load "#!lua name=e\nredis.register_function('fe', function() error('inside') end) redis.register_function('fw', function() return redis.call('set','k','v') end) redis.register_function('fy', function() return y end) redis.register_function('fr', function() return redis.register_function('z', function() end) end)"] \
    {fcall fe 0} \
    {fcall_ro fw 0} \
    {fcall fw 0} \
    {fcall fy 0} \
    {fcall fr 0} \
    {fcall nosuch 0} \
    {fcall f1 -1} \
    {fcall f1 3 a} \
    {function delete nosuch} \
    {function delete e} \
    {function stats} \
    {function flush foo} \
    {function restore xxx} \
    {function restore xxx bad} \
    {function kill} \
    {function delete lib1} \
    {function list} \
    {function help} \
]

if {![file executable $::refsrv_bin]} {
    ::report skip "scripting differential test" "$::refsrv_bin not installed"
    return
}

start_server {tags {interop scripting external:skip}} {
    lassign [refsrv_start_conf] ref_pid ref_port

    test "scripting differential: scripts, SCRIPT and errors match Redis 7.0" {
        set ::scr_mismatches {}
        set sha b534286061d4b9e4026607613b95c06c06015ae8 ;# SHA1 of "return 'loaded'"
        set our [redis_client 127.0.0.1 [srv 0 port]]
        set ref [redis_client 127.0.0.1 $ref_port]
        set ::scr_our [$our channel]
        set ::scr_ref [$ref channel]
        # One generator for the life of the process: the first draws of a
        # fresh server, then after a seed.
        scr_cmd {eval "return tostring(math.random())" 0}
        scr_cmd {eval "return {math.random(10), math.random(5,100), tostring(math.random())}" 0}
        scr_cmd {eval "math.randomseed(42); return {math.random(1000), math.random(1000), tostring(math.random())}" 0}
        scr_cmd {eval "return math.random(0)" 0}
        foreach proto {2 3} {
            if {$proto == 3} {
                foreach f [list $::scr_our $::scr_ref] {
                    ::redis::send_command $f {hello 3}
                    refsrv_read_raw $f
                }
            }
            foreach body $::scr_scripts {
                scr_cmd [list eval $body 1 key1 arg1]
            }
            scr_cmd [list eval_ro {return redis.call('set','a','b')} 0]
            scr_cmd [list eval_ro "#!lua\nreturn 1" 0]
            scr_cmd [list eval_ro "#!lua flags=no-writes\nreturn 1" 0]
            scr_cmd [list eval {return 1} -1]
            scr_cmd [list eval {return 1} 5 a]
            scr_cmd [list eval {return 1} abc]
            scr_cmd [list evalsha ffffffffffffffffffffffffffffffffffffffff 0]
            scr_cmd [list evalsha abc 0]
            scr_cmd [list script load {return 'loaded'}]
            scr_cmd [list evalsha $sha 0]
            scr_cmd [list evalsha [string toupper $sha] 0]
            scr_cmd [list evalsha_ro $sha 0]
            scr_cmd [list script exists $sha abc]
            scr_cmd [list script load {return +}]
            scr_cmd [list script foo]
            scr_cmd [list script kill]
            scr_cmd [list script flush xx]
            scr_cmd [list script flush async]
            scr_cmd [list script exists $sha]
            scr_cmd [list script flush sync]
            scr_cmd [list script flush]
            scr_cmd [list script]
            scr_cmd [list script help]
            scr_cmd [list script debug maybe]
            scr_cmd [list script debug no]
            foreach argv $::scr_function_cmds {scr_cmd $argv}
        }
        $our close
        $ref close
        if {[llength $::scr_mismatches]} {
            fail "[llength $::scr_mismatches] mismatches:\n[join $::scr_mismatches \n]"
        }
    }

    ::kill_server_process $ref_pid
}
