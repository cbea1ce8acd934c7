# TILT mode and the addresses Sentinel reports, on our sentinel and on
# Debian's redis-sentinel side by side (the same steps must give the same
# answers):
# - TILT: with SENTINEL DEBUG tilt-trigger below the timer's period every
#   timer run looks like a clock jump: +tilt is published and logged,
#   INFO shows sentinel_tilt:1; with the trigger back, -tilt comes after
#   tilt-period.
# - resolve-hostnames/announce-hostnames: a master monitored as
#   "localhost" is reported as "localhost" with announce-hostnames yes (so
#   certificates can name stable DNS names) and as its address with no.
source [file join $::tests_dir helpers sentinel.tcl]

set mport [::next_port]
set bins [list ours $::server_bin debian /usr/bin/redis-sentinel]

try {
    ::start_data_server master $mport
    set n 0
    foreach {kind bin} $bins {
        incr n
        set sport [::next_port]
        set lines [list "sentinel resolve-hostnames yes" "sentinel announce-hostnames yes" \
                       "sentinel monitor mymaster localhost $mport 1" \
                       "sentinel down-after-milliseconds mymaster 1000"]
        if {$kind eq "ours"} {
            set inst [::start_sentinel_lines m$n $sport $::server_bin $lines --sentinel]
        } else {
            set inst [::start_sentinel_lines m$n $sport $bin $lines {}]
        }
        set s [::sentinel_client $sport]

        test "$kind: announce-hostnames yes reports the monitored host name" {
            wait_for_condition 200 50 {
                [::field [$s sentinel master mymaster] flags] eq "master"
            } else {fail "the master is not seen: [$s sentinel master mymaster]"}
            assert_equal [list localhost $mport] [$s sentinel get-master-addr-by-name mymaster]
            assert_equal localhost [::field [$s sentinel master mymaster] ip]
        }

        test "$kind: announce-hostnames no reports the address instead" {
            assert_equal OK [$s sentinel config set announce-hostnames no]
            assert_equal [list 127.0.0.1 $mport] [$s sentinel get-master-addr-by-name mymaster]
            assert_equal 127.0.0.1 [::field [$s sentinel master mymaster] ip]
            assert_equal OK [$s sentinel config set announce-hostnames yes]
        }

        test "$kind: TILT mode entered when the timer looks late, left after tilt-period" {
            set sub [::sentinel_client $sport]
            $sub deferred 1
            $sub subscribe +tilt -tilt
            $sub read
            $sub read
            assert_equal OK [$s sentinel debug tilt-period 500 tilt-trigger 1]
            set msg [$sub read]
            assert_equal {message +tilt {#tilt mode entered}} $msg
            wait_for_condition 200 20 {
                [string match "*sentinel_tilt:1*" [$s info sentinel]]
            } else {fail "INFO does not show TILT"}
            assert_equal OK [$s sentinel debug tilt-trigger 2000]
            set msg [$sub read]
            assert_equal {message -tilt {#tilt mode exited}} $msg
            assert_match "*sentinel_tilt:0*" [$s info sentinel]
            set log [::file_content [dict get $inst log]]
            assert_match "*+tilt #tilt mode entered*" $log
            assert_match "*-tilt #tilt mode exited*" $log
            $sub close
        }
        $s close
    }
} finally {
    ::sentinel_cleanup
}
