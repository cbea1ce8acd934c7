# Three of our sentinels manage OUR master and two replicas (our
# replication), plain or TLS-only with mutual TLS (--tls), and fail over.
source [file join $::tests_dir helpers sentinel-failover.tcl]
::ours_failover_scenario "our sentinels, our servers" ""
