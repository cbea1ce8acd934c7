# info-fields.tcl -- INFO EVERYTHING field names compared section by
# section with Debian's Redis 7.0 (/usr/bin/redis-server, plain TCP on
# 127.0.0.1): the same sections in the same order, and every field Redis
# prints in a section printed by us in that section, but for the fields
# listed in ::infof_pending (docs/info-fields.md says why each is missing).
# Run with the AOF off and on (the persistence section grows with it).

source [file join $::tests_dir helpers reference.tcl]

# Fields Redis 7.0 has and we do not print yet, with the issue that brings
# them. A field added later simply stops being missing.
set ::infof_pending {
}

# Sections whose lines are per command, per error or per database: their
# names depend on what ran, so only matching lines are compared.
set ::infof_dynamic {Commandstats Errorstats Latencystats Keyspace}

# Starts Debian's redis-server in <dir> with the extra <args>; returns
# {pid client port log}.
proc infof_ref_start {dir args} {
    return [refsrv_start $dir {*}$args]
}

# INFO text -> ordered list of {section {field ...}}.
proc infof_parse {text} {
    set out {}
    set cur ""
    set fields {}
    foreach line [split $text "\n"] {
        set line [string trim $line]
        if {[string match "# *" $line]} {
            if {$cur ne ""} {lappend out $cur $fields}
            set cur [string range $line 2 end]
            set fields {}
        } elseif {$line ne "" && $cur ne ""} {
            lappend fields [lindex [split $line :] 0]
        }
    }
    if {$cur ne ""} {lappend out $cur $fields}
    return $out
}

# The same commands on both servers, so that the per-command sections
# have lines to compare.
proc infof_workload {c} {
    $c config resetstat
    $c ping
    $c set k v
    $c get k
    $c lpush l a
    catch {$c incr l}
    $c config set latency-tracking yes
}

# Compares the INFO EVERYTHING of <ours> with <ref>'s; returns a list of
# differences (empty when they agree).
proc infof_compare {ours ref} {
    set diffs {}
    set o [infof_parse [$ours info everything]]
    set r [infof_parse [$ref info everything]]
    # Our extra TLS section comes last; Redis 7.0 has no such section.
    set osecs [lsearch -all -inline -not -exact [dict keys $o] TLS]
    if {$osecs ne [dict keys $r]} {
        lappend diffs "sections: ours {$osecs}, Redis {[dict keys $r]}"
    }
    dict for {sec fields} $r {
        if {![dict exists $o $sec]} continue
        set ofields [dict get $o $sec]
        foreach f $fields {
            if {$f in $ofields} continue
            if {[dict exists $::infof_pending $f]} continue
            if {$sec in $::infof_dynamic} {
                lappend diffs "$sec: line $f missing"
            } else {
                lappend diffs "$sec: field $f missing"
            }
        }
    }
    return $diffs
}

foreach aof {no yes} {
    start_server [list tags {interop info} overrides [list appendonly $aof]] {
        set ref [infof_ref_start [srv 0 dir] --appendonly $aof]
        lassign $ref rpid rc
        test "INFO EVERYTHING field names match Redis 7.0 (appendonly $aof)" {
            if {$aof eq "yes"} {
                wait_for_condition 100 50 {
                    [s aof_rewrite_in_progress] == 0 &&
                    [status $rc aof_rewrite_in_progress] == 0
                } else {
                    fail "initial AOF rewrite did not finish"
                }
            }
            infof_workload [srv 0 client]
            infof_workload $rc
            set diffs [infof_compare [srv 0 client] $rc]
            assert_equal {} $diffs
            # The per-command lines exist on both sides.
            foreach line {cmdstat_set: errorstat_WRONGTYPE: latency_percentiles_usec_set:} {
                assert_match "*$line*" [r info everything]
                assert_match "*$line*" [$rc info everything]
            }
        }
        catch {$rc close}
        ::kill_server_process $rpid
    }
}
