# memory.tcl -- MEMORY USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE, the
# allocator fields of INFO memory, and LOLWUT.

start_server {tags {memory}} {
    test "MEMORY USAGE grows with the value and counts the key" {
        r flushall
        r set small x
        r set big [string repeat x 10000]
        set s [r memory usage small]
        set b [r memory usage big]
        assert {$s > 0}
        assert {$b >= 10000}
        assert {$b < 20000}
        # A longer key name costs more.
        r set [string repeat k 200] x
        assert {[r memory usage [string repeat k 200]] > $s + 150}
        assert_equal {} [r memory usage nokey]
    }

    test "MEMORY USAGE of aggregates and SAMPLES" {
        r flushall
        r config set list-max-listpack-size 4
        for {set j 0} {$j < 1000} {incr j} {
            r rpush list [string repeat a [expr {$j < 999 ? 10 : 5000}]]
            r hset hash f$j v$j
            r sadd set m$j
            r zadd zset $j m$j
        }
        foreach k {list hash set zset} {
            set u [r memory usage $k]
            assert {$u > 10000}
            assert_equal $u [r memory usage $k samples 5]
        }
        # Sampling all elements sees the one large element; 5 samples of a
        # list do not weigh it the same.
        assert {[r memory usage list samples 0] >= 15000}
        r config set list-max-listpack-size -2
    }

    test "MEMORY USAGE with bad arguments" {
        r set k v
        assert_error {*syntax error*} {r memory usage k samples -1}
        assert_error {*syntax error*} {r memory usage k foo}
        assert_error {*syntax error*} {r memory usage k samples}
        assert_error {*not an integer*} {r memory usage k samples abc}
        assert_error {*wrong number of arguments*} {r memory usage}
    }

    test "MEMORY STATS: fields, per-database overhead and totals" {
        r flushall
        r select 9
        r debug populate 1000
        r select 1
        r set k v
        r select 9
        set st [r memory stats]
        foreach f {peak.allocated total.allocated startup.allocated
                   replication.backlog clients.slaves clients.normal
                   cluster.links aof.buffer lua.caches functions.caches
                   overhead.total keys.count keys.bytes-per-key dataset.bytes
                   dataset.percentage peak.percentage allocator.allocated
                   allocator.active allocator.resident
                   allocator-fragmentation.ratio allocator-fragmentation.bytes
                   allocator-rss.ratio allocator-rss.bytes rss-overhead.ratio
                   rss-overhead.bytes fragmentation fragmentation.bytes} {
            assert {[dict exists $st $f]} "MEMORY STATS lacks $f"
        }
        assert_equal 1001 [dict get $st keys.count]
        assert {[dict exists $st db.9]}
        assert {[dict exists $st db.1]}
        assert {![dict exists $st db.0]}
        assert {[dict get $st db.9 overhead.hashtable.main] > [dict get $st db.1 overhead.hashtable.main]}
        assert {[dict get $st total.allocated] > [dict get $st startup.allocated]}
        assert {[dict get $st peak.allocated] >= [dict get $st total.allocated]}
        assert {[dict get $st overhead.total] >= [dict get $st startup.allocated]}
        assert {[dict get $st allocator.resident] >= [dict get $st allocator.active]}
        assert_equal [dict get $st total.allocated] \
            [expr {[dict get $st overhead.total] + [dict get $st dataset.bytes]}]
    }

    test "MEMORY STATS under RESP3 is a map" {
        r hello 3
        set st [r memory stats]
        assert {[dict get $st keys.count] > 0}
        r hello 2
    }

    test "INFO memory has the allocator and overhead fields" {
        foreach f {used_memory_overhead used_memory_startup
                   used_memory_dataset_perc allocator_allocated
                   allocator_active allocator_resident allocator_frag_ratio
                   allocator_frag_bytes allocator_rss_ratio allocator_rss_bytes
                   rss_overhead_ratio rss_overhead_bytes
                   mem_fragmentation_bytes used_memory_lua
                   number_of_cached_scripts mem_not_counted_for_evict} {
            assert_match {[0-9-]*} [s $f]
        }
        assert {[s allocator_allocated] > 0}
        r script load "return 1"
        assert {[s number_of_cached_scripts] >= 1}
        r function load "#!lua name=memlib\nredis.register_function('memf', function() return 1 end)"
        assert_equal 1 [s number_of_libraries]
        assert_equal 1 [s number_of_functions]
        r function flush
    }

    test "MEMORY DOCTOR, MALLOC-STATS and PURGE" {
        r flushall
        assert_match "*too little data*" [r memory doctor]
        r debug populate 100000 k 64
        set d [r memory doctor]
        assert {[string length $d] > 0}
        assert_no_match "*too little data*" $d
        set m [r memory malloc-stats]
        if {[string match "*jemalloc*" [s mem_allocator]]} {
            assert_match "*jemalloc statistics*" $m
        } else {
            assert_match "*not supported*" $m
        }
        assert_equal OK [r memory purge]
        assert_match {*MEMORY*USAGE*} [r memory help]
        assert_error {*unknown subcommand*} {r memory nosuch}
    }

    test "LOLWUT draws something and ends with the version" {
        set out [r lolwut]
        assert_match "*Redis ver. [s redis_version]*" $out
        set lines [split [string trim [lindex [split $out "R"] 0]] "\n"]
        assert {[llength $lines] >= 2}
        assert_match "*Redis ver.*" [r lolwut version 5]
        assert_match "*Redis ver.*" [r lolwut version 6 10 3]
        set small [r lolwut version 6 10 3]
        assert_equal 3 [llength [split [string trim [lindex [split $small "R"] 0] "\n"] "\n"]]
        assert_error {*not an integer*} {r lolwut version abc}
        assert_error {*out of range*} {r lolwut version 5 0}
        assert_error {*out of range*} {r lolwut version 5 100000}
        assert_error {*syntax error*} {r lolwut version 5 10 10 10}
    }
}

start_server {tags {memory resetstat}} {
    test "CONFIG RESETSTAT resets what Redis 7.0 resets, keeps the peak" {
        r set k v
        r get nokey
        catch {r incr k}
        r bgsave
        wait_for_condition 100 50 {[s rdb_bgsave_in_progress] == 0} else {
            fail "BGSAVE did not finish"
        }
        assert {[s total_forks] >= 1}
        assert {[s rdb_saves] >= 1}
        set peak [s used_memory_peak]
        r config resetstat
        foreach f {total_forks latest_fork_usec rdb_saves keyspace_misses
                   keyspace_hits total_error_replies expired_keys
                   evicted_keys expire_cycle_cpu_milliseconds} {
            assert_equal 0 [s $f] "$f after CONFIG RESETSTAT"
        }
        # The peak of used memory survives a reset, as in Redis.
        assert {[s used_memory_peak] >= $peak}
        assert_equal {} [r latency histogram get]
    }
}

start_server {tags {memory info}} {
    test "INFO instantaneous_ops_per_sec and kbps follow the traffic" {
        wait_for_condition 100 50 {
            [r ping] eq "PONG" && [s instantaneous_ops_per_sec] > 0 &&
            [s instantaneous_input_kbps] > 0 &&
            [s instantaneous_output_kbps] > 0
        } else {
            fail "the instantaneous metrics stayed at 0"
        }
        assert_match {*.??} [s instantaneous_input_kbps]
    }

    test "INFO CPU has the main thread's times" {
        assert_match {*.*} [s used_cpu_sys_main_thread]
        assert_match {*.*} [s used_cpu_user_main_thread]
    }
}

# Memory per element against Redis 7.0's figures (utils/bench-memory.py and
# docs/performance.md have the 1M-element measurements). With Debian's
# jemalloc a dict entry is a 32-byte block in both servers; a short member
# or field must then fit an 8- or 16-byte block (1-byte sds header), not 32.
start_server {tags {memory}} {
    test "MEMORY USAGE per member of big sets and hashes matches Redis 7.0's layout" {
        r flushall
        r config set set-max-intset-entries 512
        r config set hash-max-listpack-entries 128
        set n 10000
        for {set base 0} {$base < $n} {incr base 1000} {
            set members {}
            set pairs {}
            for {set i $base} {$i < $base + 1000} {incr i} {
                lappend members $i
                lappend pairs field:$i $i
            }
            r sadd sint {*}$members
            r hset h {*}$pairs
        }
        assert_encoding hashtable sint
        assert_encoding hashtable h
        # Table 16384 x 8 bytes, entry 32, member "1234" 8 bytes (7.0: 53/member).
        set per [expr {[r memory usage sint samples 0] / double($n)}]
        assert {$per < 60}
        # Field "field:1234" and value "1234": 16 + 8 (7.0: 69 per field).
        set per [expr {[r memory usage h samples 0] / double($n)}]
        assert {$per < 76}
    }

    test "Writes made by a script are not held after it when nothing propagates" {
        r flushall
        set before [s used_memory]
        r eval {for i=1,200000 do redis.call('sadd', KEYS[1], i) end} 1 s
        set grown [expr {[s used_memory] - $before}]
        set usage [r memory usage s samples 0]
        # Before the fix a 2^18-slot propagation queue (6 MB) stayed.
        assert {$grown < $usage * 1.3} "grew $grown for a value of $usage"
    }

    test "A script's propagation queue is freed after it with AOF on" {
        r flushall
        r config set appendonly yes
        wait_for_condition 100 50 {
            [s aof_rewrite_in_progress] == 0 && [s aof_enabled] == 1
        } else {
            fail "AOF rewrite did not finish"
        }
        set before [s used_memory]
        r eval {for i=1,200000 do redis.call('sadd', KEYS[1], i) end} 1 s
        set usage [r memory usage s samples 0]
        wait_for_condition 100 50 {
            [s used_memory] - $before < $usage * 1.3
        } else {
            fail "used_memory grew by [expr {[s used_memory] - $before}] for a value of $usage"
        }
        r config set appendonly no
    }
}

start_server {tags {memory}} {
    test "jemalloc-bg-thread starts and stops jemalloc's background thread" {
        if {![string match *jemalloc* [s mem_allocator]]} {
            puts "skipped: not jemalloc"
            return
        }
        # On by default, as in Redis 7.0.
        assert_match {*Background threads: 1,*} [r memory malloc-stats]
        r config set jemalloc-bg-thread no
        assert_match {*Background threads: 0,*} [r memory malloc-stats]
        r config set jemalloc-bg-thread yes
        assert_match {*Background threads: 1,*} [r memory malloc-stats]
    }
}

start_server {tags {memory maxmemory multi}} {
    # Redis 7.0's replies, checked against it side by side.
    test "Over maxmemory a transaction queues nothing, and an EXEC with a write is aborted" {
        r set k v
        r config set maxmemory 1
        r multi
        assert_error "OOM command not allowed when used memory > 'maxmemory'." {r get k}
        assert_error "EXECABORT Transaction discarded because of previous errors." {r exec}
        assert_equal v [r get k]
        # Memory goes over between the queueing and EXEC (set from
        # another client).
        set other [redis_new_client]
        r config set maxmemory 0
        r multi
        assert_equal QUEUED [r set a b]
        $other config set maxmemory 1
        assert_error "EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'." {r exec}
        assert_equal PONG [r ping]
        # A queue of reads runs.
        r config set maxmemory 0
        r multi
        r get k
        $other config set maxmemory 1
        assert_equal {v} [r exec]
        r config set maxmemory 0
        assert_equal 0 [r exists a]
        $other close
    }
}
