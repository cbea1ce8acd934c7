# command-docs.tcl -- the "arguments" of COMMAND DOCS compared with Debian's
# Redis 7.0: for every command and subcommand both servers have, the
# argument trees (name, type, key_spec_index, token, since,
# deprecated_since, flags, nesting) must be equal. The command's own
# summary, since, history and so on are not compared. Commands our table does not document
# yet are listed (and skipped) so that the gap stays visible.

source [file join $::tests_dir helpers reference.tcl]

# A flat RESP2 map reply as a Tcl dict.
proc cdocs_dict {l} {
    set d {}
    foreach {k v} $l {dict set d $k $v}
    return $d
}

# The comparable form of an argument list: one list per argument.
proc cdocs_norm {args_reply} {
    set out {}
    foreach a $args_reply {
        set a [cdocs_dict $a]
        set one {}
        foreach f {name type key_spec_index token since deprecated_since} {
            lappend one $f [expr {[dict exists $a $f] ? [dict get $a $f] : "-"}]
        }
        set flags [expr {[dict exists $a flags] ? [lsort [dict get $a flags]] : {}}]
        lappend one flags $flags
        set sub [expr {[dict exists $a arguments] ? [cdocs_norm [dict get $a arguments]] : {}}]
        lappend one arguments $sub
        lappend out $one
    }
    return $out
}

# Command name (subcommands as "parent|sub") -> docs dict, from client <c>.
proc cdocs_all {c} {
    set all {}
    foreach {name docs} [$c command docs] {
        set docs [cdocs_dict $docs]
        dict set all $name $docs
        if {[dict exists $docs subcommands]} {
            foreach {sub sdocs} [dict get $docs subcommands] {
                dict set all $sub [cdocs_dict $sdocs]
            }
        }
    }
    return $all
}

start_server {tags {interop external:skip}} {
    set dir [lindex [r config get dir] 1]
    set ref [refsrv_start $dir -tls]
    set refc [lindex $ref 1]

    test {COMMAND DOCS gives arguments (SET against the 7.0 tree)} {
        set ours [cdocs_dict [lindex [r command docs set] 1]]
        set theirs [cdocs_dict [lindex [$refc command docs set] 1]]
        assert {[dict exists $ours arguments]}
        assert_equal [cdocs_norm [dict get $theirs arguments]] \
            [cdocs_norm [dict get $ours arguments]]
    }

    test {COMMAND DOCS arguments equal Redis 7.0's for every documented command} {
        set ours [cdocs_all r]
        set theirs [cdocs_all $refc]
        set mismatches {}
        set uncovered {}
        set covered 0
        foreach name [lsort [dict keys $theirs]] {
            if {![dict exists $ours $name]} continue
            set t [dict get $theirs $name]
            set o [dict get $ours $name]
            set targs [expr {[dict exists $t arguments] ? [dict get $t arguments] : {}}]
            if {![dict exists $o arguments]} {
                if {[llength $targs]} {lappend uncovered $name}
                continue
            }
            incr covered
            set tn [cdocs_norm $targs]
            set on [cdocs_norm [dict get $o arguments]]
            if {$tn ne $on} {
                lappend mismatches "$name:\n  7.0:  $tn\n  ours: $on"
            }
        }
        if {[llength $uncovered]} {
            puts "command-docs: [llength $uncovered] commands without arguments in our table: $uncovered"
        }
        puts "command-docs: $covered commands compared"
        if {[llength $mismatches]} {
            fail "COMMAND DOCS argument mismatches:\n[join $mismatches \n]"
        }
        assert {$covered > 0}
    }

    refsrv_stop $ref
}
