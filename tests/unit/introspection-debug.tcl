# introspection-debug.tcl -- the DEBUG command: digests, POPULATE, OBJECT,
# LISTPACK/QUICKLIST, HTSTATS, LOADAOF, the switches (PAUSE-CRON,
# SET-SKIP-CHECKSUM-VALIDATION, ...) and the crash report of SEGFAULT and
# PANIC.

# Fills the current database with one key of every type.
proc debug_fill_types {} {
    r set str hello
    r set num 12345
    r rpush list a b c 1 2 3
    r sadd set x y z
    r sadd iset 1 2 3
    r zadd zset 1 a 2.5 b -3 c
    r hset hash f1 v1 f2 v2
    r xadd stream 1-1 f v
    r xadd stream 2-1 g w
    r set ttl v
    r pexpireat ttl [expr {[clock milliseconds] + 1000000}]
}

start_server {tags {debug}} {
    test "DEBUG DIGEST of an empty dataset is forty zeros" {
        r flushall
        assert_equal [string repeat 0 40] [r debug digest]
    }

    test "DEBUG DIGEST changes with any change of the dataset" {
        debug_fill_types
        set d1 [r debug digest]
        assert_match {[0-9a-f]*} $d1
        assert_equal 40 [string length $d1]
        assert_equal $d1 [r debug digest]
        r rpush list 4
        set d2 [r debug digest]
        assert_not_equal $d1 $d2
        r rpop list
        assert_equal $d1 [r debug digest]
        r zadd zset 2.6 b
        assert_not_equal $d1 [r debug digest]
        r zadd zset 2.5 b
        assert_equal $d1 [r debug digest]
        # The expiry time is part of a key's digest.
        r pexpireat ttl [expr {[clock milliseconds] + 2000000}]
        assert_not_equal $d1 [r debug digest]
    }

    test "DEBUG DIGEST does not depend on insertion order or database order" {
        r flushall
        r sadd s a b c d
        r hset h x 1 y 2
        r set k1 v1
        r set k2 v2
        set d1 [r debug digest]
        r flushall
        r set k2 v2
        r hset h y 2 x 1
        r sadd s d c b a
        r set k1 v1
        assert_equal $d1 [r debug digest]
        # The same key in another database is another dataset.
        r select 1
        r set k1 v1
        assert_not_equal $d1 [r debug digest]
        r del k1
        r select 9
        assert_equal $d1 [r debug digest]
    }

    test "DEBUG DIGEST does not depend on the encoding" {
        r flushall
        r config set set-max-intset-entries 512
        r config set hash-max-listpack-entries 128
        r sadd s 1 2 3
        r hset h a 1 b 2
        assert_encoding intset s
        assert_encoding listpack h
        set d1 [r debug digest]
        set v1 [r debug digest-value s h]
        r config set set-max-intset-entries 1
        r config set hash-max-listpack-entries 1
        r del s h
        r sadd s 1 2 3
        r hset h a 1 b 2
        assert_encoding hashtable s
        assert_encoding hashtable h
        assert_equal $d1 [r debug digest]
        assert_equal $v1 [r debug digest-value s h]
        r config set set-max-intset-entries 512
        r config set hash-max-listpack-entries 128
    }

    test "DEBUG DIGEST is kept by DEBUG RELOAD and by a restart" {
        r flushall
        debug_fill_types
        r debug populate 1000 pop 20
        set d1 [r debug digest]
        r debug reload
        assert_equal $d1 [r debug digest]
        r save
        restart_server
        assert_equal $d1 [r debug digest]
    }

    test "DEBUG DIGEST-VALUE: one digest per key, zeros for a missing key" {
        r flushall
        r set a 1
        r set b 1
        r set c 2
        lassign [r debug digest-value a b c nokey] da db dc dn
        assert_equal $da $db
        assert_not_equal $da $dc
        assert_equal [string repeat 0 40] $dn
        assert_equal {} [r debug digest-value]
    }

    test "DEBUG POPULATE creates keys and leaves existing ones alone" {
        r flushall
        r set key:1 mine
        assert_equal OK [r debug populate 10]
        assert_equal 10 [r dbsize]
        assert_equal value:0 [r get key:0]
        assert_equal mine [r get key:1]
        r debug populate 5 pre 3
        assert_equal val [r get pre:4]
        r debug populate 2 big 20
        assert_equal 20 [string length [r get big:1]]
        assert_equal 17 [r dbsize]
        assert_error {*must be positive*} {r debug populate -1}
        assert_error {*not an integer*} {r debug populate abc}
    }

    test "DEBUG OBJECT reports the encoding, refcount and quicklist fields" {
        r flushall
        r set foo bar
        set o [r debug object foo]
        assert_match {Value at:* refcount:1 encoding:embstr serializedlength:4 lru:* lru_seconds_idle:*} $o
        r rpush l a b c
        set o [r debug object l]
        assert_match {*encoding:quicklist*ql_nodes:1 ql_avg_node:3.00 ql_listpack_max:*ql_compressed:0 ql_uncompressed_size:*} $o
        assert_error {*no such key*} {r debug object nokey}
    }

    test "DEBUG LISTPACK and QUICKLIST write to the log" {
        r flushall
        r hset h a 1
        assert_match {*printed*} [r debug listpack h]
        r rpush l a b c
        assert_match {*printed*} [r debug quicklist l]
        assert_match {*printed*} [r debug quicklist l 1]
        assert_error {*Not a listpack*} {r debug listpack l}
        assert_error {*Not a quicklist*} {r debug quicklist h}
        assert_error {*no such key*} {r debug listpack nokey}
    }

    test "DEBUG QUICKLIST-PACKED-THRESHOLD puts large elements in plain nodes" {
        r flushall
        r debug quicklist-packed-threshold 100
        r rpush l small [string repeat x 200] small2
        set o [r debug object l]
        assert_match {*ql_nodes:3*} $o
        assert_equal [string repeat x 200] [r lindex l 1]
        r debug quicklist-packed-threshold 1gb
        assert_error {*memory value*} {r debug quicklist-packed-threshold 0}
        assert_error {*memory value*} {r debug quicklist-packed-threshold abc}
    }

    test "DEBUG HTSTATS and HTSTATS-KEY" {
        r flushall
        r debug populate 100
        set s [r debug htstats 0]
        assert_match {*\[Dictionary HT\]*table size: 128*number of elements: 100*Chain length distribution*\[Expires HT\]*No stats*} $s
        assert_error {*Out of range database*} {r debug htstats 9999}
        r config set hash-max-listpack-entries 1
        r hset h a 1 b 2 c 3
        assert_match {*number of elements: 3*} [r debug htstats-key h]
        assert_match {*number of elements: 3*} [r debug htstats-key h full]
        r config set hash-max-listpack-entries 128
        r hset small a 1
        assert_error {*not represented using an hash table*} {r debug htstats-key small}
        assert_error {*no such key*} {r debug htstats-key nokey}
    }

    test "DEBUG ERROR replies with the error as given" {
        assert_error {FOO bar} {r debug error "FOO bar"}
        catch {r debug error "MYERR something"} e
        assert_equal "MYERR something" $e
    }

    test "DEBUG STRINGMATCH-LEN and STRINGMATCH-TEST" {
        assert_equal 1 [r debug stringmatch-len "h*o" hello]
        assert_equal 0 [r debug stringmatch-len "h*x" hello]
        assert_match {*passed*} [r debug stringmatch-test]
    }

    test "DEBUG STRUCTSIZE, JMAP, REPLYBUFFER, SLEEP" {
        assert_match {bits:* robj:16 *} [r debug structsize]
        assert_equal OK [r debug jmap]
        assert_equal OK [r debug replybuffer peak-reset-time never]
        assert_equal OK [r debug replybuffer peak-reset-time reset]
        assert_equal OK [r debug replybuffer peak-reset-time 100]
        assert_equal OK [r debug replybuffer resizing 0]
        assert_equal OK [r debug replybuffer resizing 1]
        assert_error {*} {r debug replybuffer resizing 5}
        assert_equal OK [r debug sleep 0]
        assert_equal OK [r debug sleep 0.01]
        assert_error {*not a valid float*} {r debug sleep abc}
    }

    test "DEBUG CHANGE-REPL-ID gives a new replication ID" {
        set before [s master_replid]
        assert_equal OK [r debug change-repl-id]
        assert_not_equal $before [s master_replid]
        assert_equal [string repeat 0 40] [s master_replid2]
    }

    test "DEBUG PAUSE-CRON stops the periodic tasks" {
        # Closing idle clients (timeout) is a periodic task: an idle client
        # outlives the timeout while the cron is paused, and is closed once
        # it runs again.
        set idle [redis_new_client]
        $idle client setname idler
        r config set timeout 1
        r debug pause-cron 1
        # Proving that something does not happen takes time passing: two
        # timeouts and more, during which the cron would have closed it.
        after 3000
        assert_match "*name=idler*" [r client list]
        r debug pause-cron 0
        wait_for_condition 100 50 {
            ![string match "*name=idler*" [r client list]]
        } else {
            fail "the idle client was not closed after the cron resumed"
        }
        r config set timeout 0
        catch {$idle close}
        assert_error {*0 or 1*} {r debug pause-cron 2}
    }

    test "DEBUG SET-SKIP-CHECKSUM-VALIDATION lets RESTORE take a bad checksum" {
        r flushall
        r set k hello
        set dump [r dump k]
        # Flip the last byte: the CRC no longer matches.
        set last [string index $dump end]
        set bad [string range $dump 0 end-1][binary format c [expr {([scan $last %c] ^ 1)}]]
        assert_error {*checksum*} {r restore k2 0 $bad}
        r debug set-skip-checksum-validation 1
        assert_equal OK [r restore k2 0 $bad]
        assert_equal hello [r get k2]
        r debug set-skip-checksum-validation 0
        assert_error {*checksum*} {r restore k3 0 $bad}
    }

    test "DEBUG with a bad subcommand or arity" {
        assert_error {*unknown subcommand*} {r debug nosuchthing}
        assert_error {*unknown subcommand*} {r debug object}
        assert_error {*wrong number of arguments*} {r debug}
        assert_match {*DIGEST*POPULATE*} [r debug help]
    }

    test "DEBUG LOADAOF needs the AOF" {
        assert_error {*AOF is not enabled*} {r debug loadaof}
    }
}

start_server {tags {debug} overrides {appendonly yes}} {
    test "DEBUG LOADAOF reloads the dataset from the AOF" {
        wait_for_condition 100 50 {[s aof_rewrite_in_progress] == 0} else {
            fail "the first AOF rewrite did not finish"
        }
        debug_fill_types
        for {set j 0} {$j < 100} {incr j} {r set k:$j $j}
        set d1 [r debug digest]
        assert_equal OK [r debug loadaof]
        assert_equal $d1 [r debug digest]
        assert_equal 109 [r dbsize]
    }
}

# Waits until the log of the server under test holds a whole crash
# report; returns the log.
proc debug_crash_log {} {
    set log [srv 0 stdout]
    wait_for_condition 100 50 {
        [string match "*END OF CRASH REPORT*" [::file_content $log]]
    } else {
        fail "no crash report in the log"
    }
    return [::file_content $log]
}

start_server {tags {debug} overrides {enable-debug-command no}} {
    test "DEBUG is refused unless enable-debug-command allows it" {
        assert_error {*DEBUG command not allowed*} {r debug digest}
        assert_error {*DEBUG command not allowed*} {r debug segfault}
    }
}

start_server {tags {debug}} {
    test "DEBUG SEGFAULT writes a crash report with a stack trace" {
        catch {r debug segfault}
        set text [debug_crash_log]
        assert_match {*crashed by signal: 11*} $text
        assert_match {*STACK TRACE*} $text
        assert_match {*debugCommand*} $text
        assert_match {*INFO OUTPUT*} $text
        # This crash was asked for.
        lappend ::crash_reports [srv 0 dir]
    }
}

start_server {tags {debug}} {
    test "DEBUG PANIC logs the panic message and a crash report" {
        catch {r debug panic}
        set text [debug_crash_log]
        assert_match {*Guru Meditation: DEBUG PANIC called*} $text
        assert_match {*STACK TRACE*} $text
        lappend ::crash_reports [srv 0 dir]
    }
}
