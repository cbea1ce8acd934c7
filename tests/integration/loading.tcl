# loading.tcl -- the RDB file is loaded at start-up a slice per event-loop
# turn: clients connect and get Redis 7.0's -LOADING for every command not
# flagged "loading" (PING and GET included, INFO and CONFIG not), INFO
# shows the progress, MULTI is aborted, nothing saves the half-loaded
# dataset (SHUTDOWN, save rules), and "Ready to accept connections" comes
# at the end, as in Redis 7.0. key-load-delay (microseconds per key, a
# Redis 7.0 testing knob) makes the load last long enough to watch.

# Restarts the server at level 0 without waiting for it to be ready;
# returns a client connected as soon as the port accepts, once INFO shows
# the load.
proc ld_restart_loading {} {
    restart_server 0 0
    set deadline [expr {[clock milliseconds] + 10000}]
    while {[catch {redis_client [srv 0 host] [srv 0 port]} c]} {
        if {[clock milliseconds] > $deadline} {error "no connection: $c"}
        after 10
    }
    wait_for_condition 500 10 {
        [string match "*\nloading:1*" [$c info persistence]]
    } else {
        fail "the load did not show in INFO"
    }
    return $c
}

start_server {tags {loading} overrides {key-load-delay 200 save ""}} {
    r debug populate 5000 key 10
    r set last-written yes
    r save

    test "Clients get -LOADING while the RDB loads at start-up" {
        set c [ld_restart_loading]
        assert_error "LOADING Redis is loading the dataset in memory" {$c ping}
        assert_error "LOADING*" {$c get key:1}
        assert_error "LOADING*" {$c set x y}
        assert_error "LOADING*" {$c bgsave}
        assert_error "LOADING*" {$c debug reload}
        # Commands flagged "loading" run.
        assert_equal {} [$c config get no-such-option]
        set info [$c info persistence]
        assert_match "*loading_total_bytes:*" $info
        regexp {loading_loaded_bytes:(\d+)} $info -> loaded
        regexp {loading_total_bytes:(\d+)} $info -> total
        assert {$total > 0 && $loaded < $total}
        # A transaction with a refused command is aborted at EXEC.
        $c multi
        catch {$c get key:1} e
        assert_match "LOADING*" $e
        assert_error "EXECABORT*" {$c exec}
        # The log says ready only once the data is in.
        assert_equal -1 [string first "Ready to accept" [::file_content [srv 0 stdout]]]
        wait_for_condition 1000 20 {
            [string match "*\nloading:0*" [$c info persistence]]
        } else {
            fail "the load did not end"
        }
        assert_equal PONG [$c ping]
        assert_equal 5001 [$c dbsize]
        assert_equal yes [$c get last-written]
        $c close
        set log [::file_content [srv 0 stdout]]
        set done [string first "DB loaded from disk" $log]
        set ready [string first "Ready to accept connections" $log]
        assert {$done > 0 && $ready > $done}
        ::connect_default_client 0
    }

    test "SHUTDOWN while loading does not save the half-loaded dataset" {
        r config set save "3600 1"
        r config rewrite
        set size [file size [file join [srv 0 dir] dump.rdb]]
        set c [ld_restart_loading]
        set pid [srv 0 pid]
        catch {$c shutdown}
        catch {$c close}
        wait_for_condition 500 20 {![::process_alive $pid]} else {
            fail "the server did not shut down"
        }
        assert_match "*still loading: not saving*" [::file_content [srv 0 stdout]]
        assert_equal $size [file size [file join [srv 0 dir] dump.rdb]]
        restart_server
        assert_equal 5001 [r dbsize]
    }
}

start_server {tags {loading repl} overrides {repl-diskless-sync-delay 0}} {
    start_server {} {
        test "A replica loading at start-up links to its master after the load" {
            set m [srv -1 client]
            $m debug populate 5000 key 10
            r replicaof [srv -1 host] [srv -1 port]
            wait_for_sync [srv 0 client]
            r config set key-load-delay 200
            r config rewrite
            r save
            set c [ld_restart_loading]
            $m set during-load 1
            # No link while the replica loads.
            wait_for_condition 500 10 {
                [status $m connected_slaves] == 0 ||
                [string match "*\nloading:0*" [$c info persistence]]
            } else {
                fail "the master still lists the restarted replica"
            }
            if {[string match "*\nloading:1*" [$c info persistence]]} {
                assert_equal 0 [status $m connected_slaves]
                assert_equal down [status $c master_link_status]
            }
            wait_for_condition 1000 20 {
                [status $c master_link_status] eq "up"
            } else {
                fail "the replica did not link after its load"
            }
            assert_equal 1 [status $m sync_partial_ok]
            wait_for_condition 500 20 {[$c get during-load] eq "1"} else {
                fail "the write made during the load did not arrive"
            }
            $c close
            ::connect_default_client 0
        }
    }
}

start_server {tags {loading aof} overrides {appendonly yes key-load-delay 200}} {
    test "Clients get -LOADING while the AOF loads at start-up" {
        r debug populate 5000 key 10
        r bgrewriteaof
        wait_for_condition 500 20 {
            [status [srv 0 client] aof_rewrite_in_progress] == 0 &&
            [status [srv 0 client] aof_rewrite_scheduled] == 0
        } else {
            fail "the rewrite did not end"
        }
        # Commands after the base, in the incr file, some in MULTI.
        for {set i 0} {$i < 3000} {incr i} {r incr counter}
        r multi
        r set in-multi 1
        r lpush list a
        r exec
        set digest [r debug digest]
        set c [ld_restart_loading]
        assert_error "LOADING*" {$c ping}
        assert_error "LOADING*" {$c get counter}
        assert_error "*append only file is being loaded*" {$c config set appendonly no}
        wait_for_condition 1000 20 {
            [string match "*\nloading:0*" [$c info persistence]]
        } else {
            fail "the load did not end"
        }
        assert_equal $digest [$c debug digest]
        assert_equal 3000 [$c get counter]
        set log [::file_content [srv 0 stdout]]
        set done [string first "DB loaded from append only file" $log]
        set ready [string first "Ready to accept connections" $log]
        assert {$done > 0 && $ready > $done}
        # Appends go on after the load.
        $c set after-load 1
        $c close
        restart_server
        assert_equal 1 [r get after-load]
    }
}

start_server {tags {loading}} {
    test "loading-process-events-interval-bytes: Redis 7.0's directive, default and range" {
        assert_equal {loading-process-events-interval-bytes 2097152} \
            [r config get loading-process-events-interval-bytes]
        assert_error "*argument must be between 1024 and 2147483647 inclusive*" \
            {r config set loading-process-events-interval-bytes 1023}
        r config set loading-process-events-interval-bytes 4096
        assert_equal {loading-process-events-interval-bytes 4096} \
            [r config get loading-process-events-interval-bytes]
    }
}

# With a small interval the start-up load hands the event loop back after
# every kilobyte or two: 4,000 records of ~1 KB take thousands of slices
# (2 ms of work each would take a few dozen).
start_server {tags {loading} overrides {loading-process-events-interval-bytes 1024 save "" rdbcompression no}} {
    test "loading-process-events-interval-bytes: the start-up load yields after that many bytes" {
        r debug populate 4000 key 1000
        r save
        restart_server
        regexp {rdbload_slices:(\d+)} [r info rdbload] -> slices
        assert_morethan $slices 1499
        assert_equal 4000 [r dbsize]
        assert_equal 1000 [r strlen key:3999]
    }
}
