# --tls only: a node whose certificates come from another CA cannot join.
# The cluster's nodes refuse its bus connections (its client certificate
# does not verify) and their own connections to it (its server certificate
# does not verify), log each failed handshake with the reason, drop the
# handshake entry when it times out, and stay ok among themselves.
if {!$::tls} return
source [file join $::tests_dir helpers cluster.tcl]

set d $::tls_dir
set bad [list loglevel verbose \
             tls-cert-file [file join $d other-client.crt] \
             tls-key-file [file join $d other-client.key] \
             tls-client-cert-file [file join $d other-client.crt] \
             tls-client-key-file [file join $d other-client.key]]

start_cluster 2 {loglevel verbose} {
    start_server [list overrides [cluster_overrides $bad]] {
        test "A node with a certificate from another CA is refused by the cluster's nodes" {
            set good_bus [lindex [r -1 config get cluster-port] 1]
            set bad_bus [lindex [r 0 config get cluster-port] 1]
            # Both directions: the outsider meets a node, a node meets it.
            assert_equal OK [r 0 cluster meet 127.0.0.1 [srv -1 port] $good_bus]
            assert_equal OK [r -1 cluster meet 127.0.0.1 [srv 0 port] $bad_bus]
            wait_for_condition 200 50 {
                [regexp {Error accepting cluster node connection from [^\n]*: [^\n]*(certificate|verify|unknown ca)} \
                     [::file_content [srv -1 stdout]]] &&
                [regexp {Connection with Node [^\n]* failed: [^\n]*(certificate|verify)} \
                     [::file_content [srv -1 stdout]]]
            } else {
                fail "no log line for the refused handshakes: [::file_content [srv -1 stdout]]"
            }
            # The handshake entry goes away; the outsider never becomes a
            # known node, on either good node.
            wait_for_condition 200 50 {
                [cluster_info_field -1 cluster_known_nodes] == 2 &&
                ![string match "*handshake*" [r -1 cluster nodes]]
            } else {fail "the outsider is still listed: [r -1 cluster nodes]"}
            assert_equal 2 [cluster_info_field -2 cluster_known_nodes]
            assert_equal ok [cluster_info_field -1 cluster_state]
            assert_equal ok [cluster_info_field -2 cluster_state]
            # The outsider's own handshake entry for the node it met expires
            # too (never completed).
            wait_for_condition 200 50 {
                [cluster_info_field 0 cluster_known_nodes] == 1
            } else {fail "the outsider still lists the node: [r 0 cluster nodes]"}
            # The nodes still serve their keys.
            assert_equal PONG [r -1 ping]
        }
    }
}
