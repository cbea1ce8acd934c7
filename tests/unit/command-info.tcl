# command-info.tcl -- COMMAND INFO key specs and tips, COMMAND GETKEYS and
# GETKEYSANDFLAGS, checked against Redis 7.0's replies. The golden file
# tests/assets/command-info-keyspecs.txt holds Redis 7.0's key specs and tips
# for every command we implement. Written to pass on Redis 7.0 as well
# (REDIS_SERVER_BIN=/usr/bin/redis-server): there the golden file is checked
# against the real server command by command.

set ::cmdinfo_golden [file join $::tests_dir assets command-info-keyspecs.txt]

# Reads the golden file into a dict: full command name -> canonical line.
proc cmdinfo_load_golden {} {
    set fd [open $::cmdinfo_golden r]
    fconfigure $fd -encoding utf-8
    set golden [dict create]
    while {[gets $fd line] >= 0} {
        if {$line eq "" || [string index $line 0] eq "#"} continue
        dict set golden [lindex [split $line \t] 0] $line
    }
    close $fd
    return $golden
}

# The canonical text of one key spec (a RESP2 flat key/value list), in the
# golden file's format.
proc cmdinfo_canon_spec {spec} {
    set bs [dict get $spec begin_search]
    set bspec [dict get $bs spec]
    switch -- [dict get $bs type] {
        index {set b "index,[dict get $bspec index]"}
        keyword {set b "keyword,[dict get $bspec keyword],[dict get $bspec startfrom]"}
        default {set b [dict get $bs type]}
    }
    set fk [dict get $spec find_keys]
    set fspec [dict get $fk spec]
    switch -- [dict get $fk type] {
        range {
            set k "range,[dict get $fspec lastkey],[dict get $fspec keystep],[dict get $fspec limit]"
        }
        keynum {
            set k "keynum,[dict get $fspec keynumidx],[dict get $fspec firstkey],[dict get $fspec keystep]"
        }
        default {set k [dict get $fk type]}
    }
    set out "flags:[join [dict get $spec flags] ,]|bs:$b|fk:$k"
    if {[dict exists $spec notes]} {append out "|notes:[dict get $spec notes]"}
    # The keys come in Redis's order: notes first when present.
    set order [dict keys $spec]
    set want {flags begin_search find_keys}
    if {[dict exists $spec notes]} {set want [linsert $want 0 notes]}
    assert_equal $want $order "key order of spec $spec"
    return $out
}

# The canonical line of one COMMAND INFO entry (RESP2).
proc cmdinfo_canon {info} {
    set fields [list [lindex $info 0] [join [lindex $info 7] ,]]
    foreach spec [lindex $info 8] {lappend fields [cmdinfo_canon_spec $spec]}
    return [join $fields \t]
}

# Reads <n> raw protocol lines from client <c> (readraw mode).
proc cmdinfo_read_lines {c n} {
    set lines {}
    for {set i 0} {$i < $n} {incr i} {lappend lines [$c read]}
    return $lines
}

# Real Redis knows more commands than we do; only there may COMMAND LIST name
# commands that the golden file lacks.
set ::cmdinfo_oracle_mode [expr {$::server_bin ne [file join $::root src redis-server]}]

start_server {tags {command-info}} {
    test "COMMAND INFO GET: one RO access key spec, no tips" {
        assert_equal {{get 2 {readonly fast} 1 1 1 {@read @string @fast} {} {{flags {RO access} begin_search {type index spec {index 1}} find_keys {type range spec {lastkey 0 keystep 1 limit 0}}}} {}}} \
            [r command info get]
    }

    test "COMMAND INFO SET: notes and variable_flags" {
        set info [lindex [r command info set] 0]
        assert_equal {{notes {RW and ACCESS due to the optional `GET` argument} flags {RW access update variable_flags} begin_search {type index spec {index 1}} find_keys {type range spec {lastkey 0 keystep 1 limit 0}}}} \
            [lindex $info 8]
        assert_equal {} [lindex $info 7]
    }

    test "COMMAND INFO DEL and MSET: tips and range specs" {
        assert_equal {{del -2 write 1 -1 1 {@keyspace @write @slow} {request_policy:multi_shard response_policy:agg_sum} {{flags {RM delete} begin_search {type index spec {index 1}} find_keys {type range spec {lastkey -1 keystep 1 limit 0}}}} {}}} \
            [r command info del]
        assert_equal {{mset -3 {write denyoom} 1 -1 2 {@write @string @slow} {request_policy:multi_shard response_policy:all_succeeded} {{flags {OW update} begin_search {type index spec {index 1}} find_keys {type range spec {lastkey -1 keystep 2 limit 0}}}} {}}} \
            [r command info mset]
    }

    test "COMMAND INFO LMOVE: one spec per key" {
        assert_equal {{flags {RW access delete} begin_search {type index spec {index 1}} find_keys {type range spec {lastkey 0 keystep 1 limit 0}}} {flags {RW insert} begin_search {type index spec {index 2}} find_keys {type range spec {lastkey 0 keystep 1 limit 0}}}} \
            [lindex [r command info lmove] 0 8]
    }

    test "COMMAND INFO BLMPOP and ZUNIONSTORE: keynum specs" {
        set info [lindex [r command info blmpop] 0]
        assert_equal {0 0 0} [lrange $info 3 5]
        assert_equal {{flags {RW access delete} begin_search {type index spec {index 2}} find_keys {type keynum spec {keynumidx 0 firstkey 1 keystep 1}}}} \
            [lindex $info 8]
        set info [lindex [r command info zunionstore] 0]
        assert_equal {1 1 1} [lrange $info 3 5]
        assert_equal {{flags {OW update} begin_search {type index spec {index 1}} find_keys {type range spec {lastkey 0 keystep 1 limit 0}}} {flags {RO access} begin_search {type index spec {index 2}} find_keys {type keynum spec {keynumidx 0 firstkey 1 keystep 1}}}} \
            [lindex $info 8]
    }

    test "COMMAND INFO SORT and SORT_RO: unknown specs with notes" {
        set specs [lindex [r command info sort] 0 8]
        assert_equal 3 [llength $specs]
        assert_equal {flags {RO access} begin_search {type index spec {index 1}} find_keys {type range spec {lastkey 0 keystep 1 limit 0}}} \
            [lindex $specs 0]
        assert_equal {flags {RO access} begin_search {type unknown spec {}} find_keys {type unknown spec {}}} \
            [dict remove [lindex $specs 1] notes]
        assert_match "For the optional BY/GET keyword.*" [dict get [lindex $specs 1] notes]
        assert_equal {flags {OW update} begin_search {type unknown spec {}} find_keys {type unknown spec {}}} \
            [dict remove [lindex $specs 2] notes]
        assert_match "For the optional STORE keyword.*" [dict get [lindex $specs 2] notes]
        set specs [lindex [r command info sort_ro] 0 8]
        assert_equal 2 [llength $specs]
        assert_equal [lrange [lindex [r command info sort] 0 8] 0 1] $specs
    }

    test "COMMAND INFO SSUBSCRIBE and SPUBLISH: shard channels are not_key" {
        assert_equal {{flags not_key begin_search {type index spec {index 1}} find_keys {type range spec {lastkey -1 keystep 1 limit 0}}}} \
            [lindex [r command info ssubscribe] 0 8]
        assert_equal {{flags not_key begin_search {type index spec {index 1}} find_keys {type range spec {lastkey 0 keystep 1 limit 0}}}} \
            [lindex [r command info spublish] 0 8]
    }

    test "COMMAND INFO of subcommands: OBJECT ENCODING, CONFIG GET, CLIENT LIST" {
        assert_equal {{object|encoding 3 readonly 2 2 1 {@keyspace @read @slow} nondeterministic_output {{flags RO begin_search {type index spec {index 2}} find_keys {type range spec {lastkey 0 keystep 1 limit 0}}}} {}}} \
            [r command info "object|encoding"]
        set info [lindex [r command info "config|get"] 0]
        assert_equal {config|get -3} [lrange $info 0 1]
        assert_equal {{} {} {}} [lrange $info 7 9]
        set info [lindex [r command info "client|list"] 0]
        assert_equal {nondeterministic_output {} {}} [lrange $info 7 9]
        # The container lists the same entries as its subcommands.
        set sub {}
        foreach s [lindex [r command info object] 0 9] {
            if {[lindex $s 0] eq "object|encoding"} {set sub $s}
        }
        assert_equal [lindex [r command info "object|encoding"] 0] $sub
    }

    test "COMMAND INFO in RESP3: tips and key specs are sets of maps" {
        set c [redis_new_client]
        $c readraw 1
        $c deferred 1
        $c hello 3
        assert_match "%7" [$c read]
        while {[$c read] ne "modules"} {}
        assert_equal "*0" [$c read]
        $c command info mset
        set expected {
            *1 *10 $4 mset :-3 ~2 +write +denyoom :1 :-1 :2
            ~3 +@write +@string +@slow
            ~2 $26 request_policy:multi_shard $29 response_policy:all_succeeded
            ~1 %3 $5 flags ~2 +OW +update
            $12 begin_search %2 $4 type $5 index $4 spec %1 $5 index :1
            $9 find_keys %2 $4 type $5 range $4 spec %3
            $7 lastkey :-1 $7 keystep :2 $5 limit :0
            ~0
        }
        set expected [list {*}$expected]
        assert_equal $expected [cmdinfo_read_lines $c [llength $expected]]
        $c close
    }

    test "COMMAND GETKEYSANDFLAGS reports each key's spec flags" {
        assert_equal {{k {RO access}}} [r command getkeysandflags get k]
        assert_equal {{k {OW update}}} [r command getkeysandflags set k v]
        assert_equal {{k {RW access update}}} [r command getkeysandflags set k v nx GET]
        assert_equal {{a {RM delete}} {b {RM delete}}} [r command getkeysandflags del a b]
        assert_equal {{a {OW update}} {b {OW update}}} [r command getkeysandflags mset a 1 b 2]
        assert_equal {{a {RW access delete}} {b {RW insert}}} \
            [r command getkeysandflags lmove a b left right]
        assert_equal {{a {RW access delete}} {b {RW access delete}}} \
            [r command getkeysandflags blmpop 0 2 a b left count 2]
        assert_equal {{d {OW update}} {a {RO access}} {b {RO access}}} \
            [r command getkeysandflags zunionstore d 2 a b weights 1 2]
        assert_equal {{abc {RO access}} {def {OW update}}} \
            [r command getkeysandflags sort abc by w_* get o_* store def]
        assert_equal {{abc {RO access}}} [r command getkeysandflags sort_ro abc by w_*]
        assert_equal {{k RO}} [r command getkeysandflags object encoding k]
        assert_equal {{a {RO access}} {b {OW update}}} [r command getkeysandflags copy a b]
    }

    test "COMMAND GETKEYS: keys of keynum specs, errors" {
        assert_equal {a b} [r command getkeys lmpop 2 a b left]
        assert_equal {a b} [r command getkeys sintercard 2 a b limit 3]
        assert_equal {d a b c} [r command getkeys zdiffstore d 3 a b c]
        assert_equal {a c} [r command getkeys mset a b c d]
        # Shard channels hash like keys but are not keys.
        assert_error "*no key arguments*" {r command getkeys spublish ch msg}
        assert_error "*no key arguments*" {r command getkeysandflags ssubscribe a b}
        assert_error "*no key arguments*" {r command getkeys config get maxmemory}
        assert_error "*Invalid arguments*" {r command getkeys lmpop 5 a b left}
        assert_error "*Invalid command*" {r command getkeys nosuchcommand a}
        assert_error "*Invalid number of arguments*" {r command getkeys get a b}
        assert_error "*wrong number of arguments*" {r command getkeys ping}
    }

    test "COMMAND INFO key specs and tips of every command match Redis 7.0" {
        set golden [cmdinfo_load_golden]
        assert_morethan [dict size $golden] 200
        set checked 0
        set names [r command list]
        if {$::cmdinfo_oracle_mode} {
            # Against real Redis: every golden line must be what it says.
            set names [dict keys $golden]
        }
        foreach name $names {
            if {![dict exists $golden $name]} {
                fail "$name is not in $::cmdinfo_golden"
            }
            set info [r command info $name]
            assert_equal 1 [llength $info]
            assert_equal [dict get $golden $name] [cmdinfo_canon [lindex $info 0]] \
                "key specs/tips of $name"
            incr checked
        }
        assert_equal [llength $names] $checked
    }

    test "COMMAND INFO with no arguments carries the same key specs" {
        set golden [cmdinfo_load_golden]
        foreach info [r command info] {
            set name [lindex $info 0]
            if {![dict exists $golden $name]} continue
            assert_equal [dict get $golden $name] [cmdinfo_canon $info]
        }
    }
}
