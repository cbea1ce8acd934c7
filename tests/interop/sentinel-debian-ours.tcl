# Three of Debian's Redis 7.0 redis-sentinel manage OUR master and two
# replicas, plain or TLS-only with mutual TLS (--tls), and fail over.
source [file join $::tests_dir helpers sentinel-failover.tcl]
::ours_failover_scenario "Debian's sentinels, our servers" /usr/bin/redis-sentinel
