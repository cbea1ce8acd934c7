# differential.tcl -- the same random command sequences sent to the server
# under test and to Debian's Redis 7.0 (/usr/bin/redis-server), replies
# compared byte for byte.
#
# Families: strings, keyspace, expiry (deterministic parts), lists, hashes,
# sets, sorted sets, SORT, transactions (MULTI/EXEC/DISCARD/WATCH), pub/sub
# counts and delivered messages, in RESP2 then RESP3 (HELLO 3).  Where
# Redis leaves the order unspecified the replies are compared as sets
# (hash-table encoded hashes and sets, KEYS, SCAN walks); random picks
# (SPOP, SRANDMEMBER, HRANDFIELD, ZRANDMEMBER, RANDOMKEY) are compared by
# their shape and count only, and a key SPOP touched is deleted on both
# sides so that the data sets stay equal.  The sequence is reproducible:
# the seed is printed and DIFF_SEED overrides it; DIFF_COMMANDS sets how
# many commands are sent (default 3000), DIFF_LOG=<file> logs them.
#
# Values that make strtod overflow (1e400) are never generated: Redis 7.0
# leaves errno set to ERANGE afterwards, which makes its later numeric SORTs
# fail spuriously.

source [file join $::tests_dir helpers reference.tcl]
set ::ref_bin $::refsrv_bin

# ------------------------------------------------------------ raw replies

# Reads one complete reply from channel <f>; returns {type raw children}:
# <raw> is the reply's exact bytes, <children> the parsed elements of an
# aggregate (a map's keys and values alternate).
proc diff_read {f} {
    set line [::redis::read_line $f]
    set type [string index $line 0]
    set n [string range $line 1 end]
    set raw "$line\r\n"
    switch -exact -- $type {
        $ - ! - = {
            if {$n < 0} {return [list $type $raw {}]}
            set data [::redis::read_bulk $f $n]
            return [list $type "$raw$data\r\n" {}]
        }
        * - ~ - > - % - | {
            if {$n < 0} {return [list $type $raw {}]}
            set count [expr {$type in {% |} ? $n * 2 : $n}]
            set kids {}
            for {set i 0} {$i < $count} {incr i} {
                set k [diff_read $f]
                append raw [lindex $k 1]
                lappend kids $k
            }
            if {$type eq "|"} {
                # An attribute precedes the real reply.
                set next [diff_read $f]
                return [list [lindex $next 0] "$raw[lindex $next 1]" [lindex $next 2]]
            }
            return [list $type $raw $kids]
        }
        default {return [list $type $raw {}]}
    }
}

# The canonical form of reply <r> under comparison <mode>:
#   exact  the raw bytes
#   set    an aggregate whose elements are compared as a set
#   pairs  an aggregate of field/value pairs (or a map) compared as a set
#   count  the type and the number of elements (random picks)
#   ttl    positive integers collapse (TTL depends on the clock)
proc diff_canon {r mode} {
    lassign $r type raw kids
    switch -- $mode {
        exact {return $raw}
        set {
            if {$type ni {* ~ %} || $raw eq "*-1\r\n"} {return $raw}
            set l {}
            foreach k $kids {lappend l [lindex $k 1]}
            return "$type[llength $kids]:[join [lsort $l] |]"
        }
        pairs {
            if {$type ni {* %} || $raw eq "*-1\r\n"} {return $raw}
            set l {}
            foreach {a b} $kids {lappend l "[lindex $a 1][lindex $b 1]"}
            return "$type[llength $kids]:[join [lsort $l] |]"
        }
        count {
            if {$type in {* ~ %}} {return "$type[llength $kids]"}
            if {$type eq {$}} {return [expr {$raw eq "\$-1\r\n" ? $raw : "bulk"}]}
            return $raw
        }
        ttl {
            if {$type eq ":" && [string range $raw 1 end-2] > 0} {return ":positive"}
            return $raw
        }
    }
    error "unknown comparison mode $mode"
}

# Sends <argv> to both servers; returns {ours reference} replies.
proc diff_send {argv} {
    foreach f [list $::our_f $::ref_f] {::redis::send_command $f $argv}
    return [list [diff_read $::our_f] [diff_read $::ref_f]]
}

# Returns the type, encoding and content of <key> on channel <f> (for the
# mismatch report).
proc diff_dump_key {f key} {
    ::redis::send_command $f [list type $key]
    set type [string range [lindex [diff_read $f] 1] 1 end-2]
    switch -- $type {
        string {set argv [list get $key]}
        list {set argv [list lrange $key 0 -1]}
        hash {set argv [list hgetall $key]}
        set {set argv [list smembers $key]}
        zset {set argv [list zrange $key 0 -1 withscores]}
        default {return "$key: $type"}
    }
    ::redis::send_command $f $argv
    set content [string map {"\r\n" " "} [lindex [diff_read $f] 1]]
    ::redis::send_command $f [list object encoding $key]
    set enc [string map {"\r\n" " "} [lindex [diff_read $f] 1]]
    return "$key: $type $enc $content"
}

# Records a mismatch of <argv> (compared as <mode>), with the keys it names
# as both servers hold them.
proc diff_mismatch {argv mode ours ref} {
    if {$::diff_failed} return
    set ::diff_failed 1
    set dumps {}
    if {![string match "(*" $argv]} {
        foreach a [lrange $argv 1 end] {
            if {[regexp {^(str|list|hash|set|zset|zlex|w):} $a]} {
                lappend dumps "ours      [diff_dump_key $::our_f $a]" \
                    "redis 7.0 [diff_dump_key $::ref_f $a]"
            }
        }
    }
    set ::diff_dumps [join $dumps "\n    "]
    set ::diff_report "mismatch after $::diff_count commands (seed $::diff_seed, RESP$::diff_proto, compared as $mode)\n  command:   $argv\n  ours:      [string map {"\r\n" {\r\n}} $ours]\n  redis 7.0: [string map {"\r\n" {\r\n}} $ref]\n  history (last commands):\n    [join [lrange $::diff_history end-15 end] "\n    "]\n  keys:\n    $::diff_dumps"
}

# Runs <argv> on both servers and compares the replies as <mode>.
proc dcmd {mode args} {
    if {$::diff_failed} return
    incr ::diff_count
    lappend ::diff_history $args
    if {$::diff_log ne ""} {puts $::diff_log $args}
    if {[llength $::diff_history] > 40} {set ::diff_history [lrange $::diff_history end-20 end]}
    lassign [diff_send $args] ours ref
    set a [diff_canon $ours $mode]
    set b [diff_canon $ref $mode]
    if {$a ne $b} {diff_mismatch $args $mode [lindex $ours 1] [lindex $ref 1]}
    return $ref
}

# Like dcmd, comparing as sets when the reference keeps <key> in the
# hashtable encoding (ordered listpack/intset replies stay exact).
proc dcmd_unordered_if_ht {mode key args} {
    set enc [dcmd exact object encoding $key]
    set m exact
    if {[string match "*hashtable*" [lindex $enc 1]]} {set m $mode}
    dcmd $m {*}$args
}

# Walks a whole SCAN-like iteration (<args> with the cursor replaced by
# "CURSOR") on one channel; returns the sorted distinct elements (pairs
# joined for HSCAN/ZSCAN when <pairs>).
proc diff_scan_walk {f argv pairs} {
    set cursor 0
    set seen {}
    set guard 0
    while {1} {
        ::redis::send_command $f [lmap a $argv {expr {$a eq "CURSOR" ? $cursor : $a}}]
        set r [diff_read $f]
        if {[lindex $r 0] ni {*}} {return [list error [lindex $r 1]]}
        lassign [lindex $r 2] c items
        set cursor [string range [lindex $c 1] [expr {[string first "\n" [lindex $c 1]] + 1}] end-2]
        set kids [lindex $items 2]
        if {$pairs} {
            foreach {a b} $kids {dict set seen "[lindex $a 1][lindex $b 1]" 1}
        } else {
            foreach a $kids {dict set seen [lindex $a 1] 1}
        }
        if {$cursor eq "0" || [incr guard] > 10000} break
    }
    return [lsort [dict keys $seen]]
}

proc dscan {pairs args} {
    if {$::diff_failed} return
    incr ::diff_count
    lappend ::diff_history $args
    set a [diff_scan_walk $::our_f $args $pairs]
    set b [diff_scan_walk $::ref_f $args $pairs]
    if {$a ne $b} {diff_mismatch $args "scan walk" $a $b}
}

# ------------------------------------------------------------ generators

proc rnd {n} {expr {int(rand() * $n)}}
proc pick {l} {lindex $l [rnd [llength $l]]}
proc chance {p} {expr {rand() < $p}}

# Key names: mostly the family's own pool, sometimes another family's so
# that WRONGTYPE paths are exercised too.
proc dkey {family} {
    if {[chance 0.06]} {set family [pick {str list hash set zset}]}
    return "$family:[rnd 6]"
}
proc dint {} {expr {[rnd 41] - 20}}
proc dval {} {
    switch [rnd 10] {
        0 - 1 - 2 {return [dint]}
        3 {return [format %.2f [expr {rand() * 100 - 50}]]}
        4 {return [string repeat [pick {a b x}] [expr {60 + [rnd 20]}]]}
        5 {return ""}
        default {return [pick {a b c d e f g h apple pear 10 7 -3 1.5 zz}]}
    }
}
proc dmember {} {pick {a b c d e f g h i j 1 2 3 10 20 -5 apple pear}}
proc dscore {} {
    switch [rnd 8] {
        0 {return [pick {-inf +inf inf}]}
        1 {return [format %.3f [expr {rand() * 20 - 10}]]}
        2 {return [pick {(1 (5 0.5 1e3}]}
        default {return [dint]}
    }
}
proc dlex {} {
    pick {- + [a [c (d [e (a [pear (h [10}
}
proc dfield {} {pick {f1 f2 f3 f4 f5 f6 f7 f8 n1 n2}}

proc gen_string {} {
    set k [dkey str]
    switch [rnd 20] {
        0 {dcmd exact set $k [dval]}
        1 {dcmd exact set $k [dval] [pick {NX XX GET KEEPTTL}]}
        2 {dcmd exact get $k}
        3 {dcmd exact append $k [dval]}
        4 {dcmd exact incr $k}
        5 {dcmd exact incrby $k [dint]}
        6 {dcmd exact decrby $k [dint]}
        7 {dcmd exact incrbyfloat $k [pick {1.5 -0.25 3 1e2 abc}]}
        8 {dcmd exact strlen $k}
        9 {dcmd exact getrange $k [dint] [dint]}
        10 {dcmd exact setrange $k [rnd 10] [dval]}
        11 {dcmd exact mset $k [dval] [dkey str] [dval]}
        12 {dcmd exact mget $k [dkey str] [dkey list]}
        13 {dcmd exact getdel $k}
        14 {dcmd exact getset $k [dval]}
        15 {dcmd exact setnx $k [dval]}
        16 {dcmd exact msetnx $k [dval] [dkey str] [dval]}
        17 {dcmd exact decr $k}
        18 {dcmd exact set $k [dint]}
        19 {dcmd exact getex $k {*}[pick {{} PERSIST {EX 1000}}]}
    }
}

proc gen_keyspace {} {
    set fam [pick {str list hash set zset}]
    set k [dkey $fam]
    switch [rnd 16] {
        0 {dcmd exact del $k [dkey $fam]}
        1 {dcmd exact exists $k [dkey $fam] $k}
        2 {dcmd exact type $k}
        3 {dcmd exact rename $k [dkey $fam]}
        4 {dcmd exact renamenx $k [dkey $fam]}
        5 {dcmd exact copy $k [dkey $fam] {*}[expr {[chance 0.5] ? "REPLACE" : ""}]}
        6 {dcmd exact object encoding $k}
        7 {dcmd set keys "$fam:*"}
        8 {dcmd count randomkey}
        9 {dcmd exact dbsize}
        10 {dcmd exact touch $k [dkey $fam]}
        11 {dcmd exact unlink $k}
        12 {dscan 0 scan CURSOR COUNT [expr {1 + [rnd 5]}] TYPE [pick {string list hash set zset}]}
        13 {dscan 0 scan CURSOR MATCH "$fam:*"}
        14 {dcmd exact exists $k}
        15 {dcmd exact object encoding $k}
    }
}

proc gen_expire {} {
    set k [dkey [pick {str list hash set zset}]]
    switch [rnd 9] {
        0 {dcmd exact expire $k [expr {1000 + [rnd 1000]}] {*}[pick {{} NX XX GT LT}]}
        1 {dcmd exact pexpire $k [expr {1000000 + [rnd 1000]}]}
        2 {dcmd exact expireat $k [expr {4000000000 + [rnd 100]}] {*}[pick {{} NX XX GT LT}]}
        3 {dcmd exact pexpireat $k [expr {4000000000000 + [rnd 1000]}]}
        4 {dcmd ttl expiretime $k}
        5 {dcmd ttl pexpiretime $k}
        6 {dcmd ttl ttl $k}
        7 {dcmd ttl pttl $k}
        8 {dcmd exact persist $k}
    }
}

proc gen_list {} {
    set k [dkey list]
    switch [rnd 26] {
        0 - 1 {dcmd exact rpush $k [dval] [dval] [dval]}
        2 {dcmd exact lpush $k [dval] [dval]}
        3 {dcmd exact lpushx $k [dval]}
        4 {dcmd exact rpushx $k [dval]}
        5 {dcmd exact lpop $k}
        6 {dcmd exact rpop $k [rnd 4]}
        7 {dcmd exact lrange $k [dint] [dint]}
        8 {dcmd exact lrange $k 0 -1}
        9 {dcmd exact lindex $k [dint]}
        10 {dcmd exact llen $k}
        11 {dcmd exact lpos $k [dval] {*}[pick {{} {RANK 2} {RANK -1} {COUNT 0} {COUNT 2 MAXLEN 5} {RANK 0}}]}
        12 {dcmd exact linsert $k [pick {BEFORE AFTER}] [dval] [dval]}
        13 {dcmd exact lset $k [dint] [dval]}
        14 {dcmd exact lrem $k [expr {[rnd 5] - 2}] [dval]}
        15 {dcmd exact ltrim $k [dint] [dint]}
        16 {dcmd exact lmove $k [dkey list] [pick {LEFT RIGHT}] [pick {LEFT RIGHT}]}
        17 {dcmd exact rpoplpush $k [dkey list]}
        18 {dcmd exact lmpop 2 $k [dkey list] [pick {LEFT RIGHT}] {*}[pick {{} {COUNT 2}}]}
        19 {dcmd exact blpop $k [dkey list] 0.01}
        20 {dcmd exact brpop $k 0.01}
        21 {dcmd exact blmove $k [dkey list] [pick {LEFT RIGHT}] [pick {LEFT RIGHT}] 0.01}
        22 {dcmd exact blmpop 0.01 1 $k [pick {LEFT RIGHT}] COUNT 3}
        23 {dcmd exact brpoplpush $k [dkey list] 0.01}
        24 {dcmd exact lpos $k [dval]}
        25 {dcmd exact object encoding $k}
    }
}

proc gen_hash {} {
    set k [dkey hash]
    switch [rnd 22] {
        0 - 1 {dcmd exact hset $k [dfield] [dval] [dfield] [dval]}
        2 {dcmd exact hsetnx $k [dfield] [dval]}
        3 {dcmd exact hget $k [dfield]}
        4 {dcmd exact hmget $k [dfield] [dfield] [dfield]}
        5 {dcmd exact hdel $k [dfield] [dfield]}
        6 {dcmd exact hlen $k}
        7 {dcmd exact hexists $k [dfield]}
        8 {dcmd exact hincrby $k [dfield] [dint]}
        9 {dcmd exact hincrbyfloat $k [dfield] [pick {1.5 -2 0.1 abc}]}
        10 {dcmd exact hstrlen $k [dfield]}
        11 {dcmd_unordered_if_ht set $k hkeys $k}
        12 {dcmd_unordered_if_ht set $k hvals $k}
        13 {dcmd_unordered_if_ht pairs $k hgetall $k}
        14 {dcmd count hrandfield $k}
        15 {dcmd count hrandfield $k [expr {[rnd 9] - 4}]}
        16 {dcmd count hrandfield $k [expr {1 + [rnd 4]}] WITHVALUES}
        17 {dscan 1 hscan $k CURSOR COUNT [expr {1 + [rnd 4]}]}
        18 {dcmd exact hmset $k [dfield] [dval]}
        19 {dcmd exact hset $k [dfield] [string repeat x [expr {60 + [rnd 10]}]]}
        20 {dcmd exact object encoding $k}
        21 {dcmd exact hget $k [dfield]}
    }
}

proc gen_set {} {
    set k [dkey set]
    switch [rnd 24] {
        0 - 1 - 2 {dcmd exact sadd $k [dmember] [dmember] [dmember]}
        3 {dcmd exact srem $k [dmember] [dmember]}
        4 {dcmd exact scard $k}
        5 {dcmd exact sismember $k [dmember]}
        6 {dcmd exact smismember $k [dmember] [dmember]}
        7 {dcmd_unordered_if_ht set $k smembers $k}
        8 {dcmd set sinter $k [dkey set]}
        9 {dcmd set sunion $k [dkey set]}
        10 {dcmd set sdiff $k [dkey set]}
        11 {dcmd exact sinterstore [dkey set] $k [dkey set]}
        12 {dcmd exact sunionstore [dkey set] $k [dkey set]}
        13 {dcmd exact sdiffstore [dkey set] $k [dkey set]}
        14 {dcmd exact sintercard 2 $k [dkey set] {*}[pick {{} {LIMIT 1} {LIMIT 0}}]}
        15 {dcmd exact smove $k [dkey set] [dmember]}
        16 {
            dcmd count spop $k {*}[pick {{} 1 2 10}]
            dcmd exact del $k
        }
        17 {dcmd count srandmember $k}
        18 {dcmd count srandmember $k [expr {[rnd 11] - 5}]}
        19 {dscan 0 sscan $k CURSOR COUNT [expr {1 + [rnd 4]}]}
        20 {dcmd exact sadd $k [rnd 100] [rnd 100]}
        21 {dcmd exact object encoding $k}
        22 {dcmd exact sadd $k [string repeat m [expr {65 + [rnd 5]}]]}
        23 {dcmd_unordered_if_ht set $k smembers $k}
    }
}

proc gen_zset {} {
    set k [dkey zset]
    set k2 [dkey zset]
    switch [rnd 40] {
        0 - 1 - 2 {dcmd exact zadd $k [dscore] [dmember] [dscore] [dmember]}
        3 {dcmd exact zadd $k {*}[pick {NX XX {XX CH} {GT CH} LT {NX INCR} INCR CH}] [dscore] [dmember]}
        4 {dcmd exact zincrby $k [dscore] [dmember]}
        5 {dcmd exact zrem $k [dmember] [dmember]}
        6 {dcmd exact zcard $k}
        7 {dcmd exact zcount $k [dscore] [dscore]}
        8 {gen_zlex}
        9 {dcmd exact zscore $k [dmember]}
        10 {dcmd exact zmscore $k [dmember] [dmember]}
        11 {dcmd exact zrank $k [dmember]}
        12 {dcmd exact zrevrank $k [dmember]}
        13 {dcmd exact zrange $k [dint] [dint] {*}[pick {{} WITHSCORES REV {REV WITHSCORES}}]}
        14 {dcmd exact zrange $k [dscore] [dscore] BYSCORE {*}[pick {{} WITHSCORES {LIMIT 1 2} REV {REV LIMIT 0 3 WITHSCORES}}]}
        15 {gen_zlex}
        16 {dcmd exact zrangestore $k2 $k [dint] [dint]}
        17 {dcmd exact zrangestore $k2 $k [dscore] [dscore] BYSCORE}
        18 {dcmd exact zrevrange $k 0 -1 WITHSCORES}
        19 {dcmd exact zrangebyscore $k [dscore] [dscore] {*}[pick {{} WITHSCORES {LIMIT 1 1}}]}
        20 {dcmd exact zrevrangebyscore $k [dscore] [dscore]}
        21 {gen_zlex}
        22 {gen_zlex}
        23 {dcmd exact zremrangebyrank $k [dint] [dint]}
        24 {dcmd exact zremrangebyscore $k [dscore] [dscore]}
        25 {gen_zlex}
        26 {dcmd exact [pick {zunion zinter zdiff}] 2 $k $k2 {*}[pick {{} WITHSCORES}]}
        27 {dcmd exact [pick {zunion zinter}] 2 $k $k2 WEIGHTS [dint] [pick {1 2.5 -1}] AGGREGATE [pick {SUM MIN MAX}] WITHSCORES}
        28 {dcmd exact [pick {zunionstore zinterstore zdiffstore}] [dkey zset] 2 $k $k2}
        29 {dcmd exact zunionstore [dkey zset] 2 $k [dkey set] WEIGHTS 2 3}
        30 {dcmd exact zintercard 2 $k $k2 {*}[pick {{} {LIMIT 1}}]}
        31 {dcmd exact [pick {zpopmin zpopmax}] $k {*}[pick {{} 1 2}]}
        32 {dcmd exact zmpop 2 $k $k2 [pick {MIN MAX}] {*}[pick {{} {COUNT 2}}]}
        33 {dcmd exact [pick {bzpopmin bzpopmax}] $k 0.01}
        34 {dcmd exact bzmpop 0.01 1 $k MIN}
        35 {dcmd count zrandmember $k}
        36 {dcmd count zrandmember $k [expr {[rnd 9] - 4}] {*}[pick {{} WITHSCORES}]}
        37 {dscan 1 zscan $k CURSOR}
        38 {dcmd exact object encoding $k}
        39 {dcmd exact zadd $k [dscore] [string repeat z [expr {65 + [rnd 5]}]]}
    }
}

# Lexicographic ranges are specified only when all scores are equal (the
# result is otherwise up to the encoding and the skiplist's levels), so
# they run on the zlex:* keys, which only ever hold score 0.
proc gen_zlex {} {
    set k "zlex:[rnd 3]"
    set rev [pick {{} REV}]
    set lo [dlex]
    set hi [dlex]
    if {$rev ne ""} {lassign [list $lo $hi] hi lo}
    switch [rnd 9] {
        0 - 1 - 2 {dcmd exact zadd $k 0 [dmember] 0 [dmember] 0 [dmember]}
        3 {dcmd exact zlexcount $k $lo $hi}
        4 {dcmd exact zrange $k $lo $hi BYLEX {*}$rev {*}[pick {{} {LIMIT 1 2} {LIMIT 0 -1}}]}
        5 {dcmd exact zrangebylex $k $lo $hi {*}[pick {{} {LIMIT 1 3}}]}
        6 {dcmd exact zrevrangebylex $k $hi $lo}
        7 {dcmd exact zremrangebylex $k $lo $hi}
        8 {dcmd exact zrangestore zlex:[rnd 3] $k $lo $hi BYLEX {*}[pick {{} {LIMIT 0 2}}]}
    }
}

proc gen_sort {} {
    set k [pick [list [dkey list] [dkey set] [dkey zset]]]
    set opts {}
    set alpha [chance 0.4]
    set by ""
    if {[chance 0.3]} {
        set by [pick {w:* nosort w:*->f}]
        lappend opts BY $by
    }
    if {[chance 0.3]} {lappend opts LIMIT [expr {[rnd 6] - 1}] [expr {[rnd 6] - 1}]}
    if {[chance 0.3]} {lappend opts GET [pick {# w:* w:*->f}]}
    if {[chance 0.2]} {lappend opts GET #}
    if {[chance 0.4]} {lappend opts [pick {ASC DESC}]}
    if {$alpha} {lappend opts ALPHA}
    set store [chance 0.2]
    if {$store} {lappend opts STORE [dkey list]}
    set cmd [pick {sort sort sort_ro}]
    # Orders Redis leaves open: a set in its own order, ALPHA ties of BY
    # values (equal or missing weights).
    set mode exact
    set type [lindex [dcmd exact type $k] 1]
    if {$by eq "nosort" && [string match "*set*" $type] && ![string match "*zset*" $type]} {set mode set}
    if {$alpha && $by ne "" && $by ne "nosort"} {set mode set}
    if {$mode eq "set" && [lsearch $opts LIMIT] >= 0} {set mode count}
    # With STORE a set sorted BY a constant is sorted ALPHA: deterministic.
    if {$store && $by eq "nosort"} {set mode exact}
    if {$store && $mode ne "exact"} {set mode count}
    dcmd $mode $cmd $k {*}$opts
    if {$store && $cmd eq "sort"} {
        if {$mode eq "exact"} {
            dcmd exact lrange [lindex $opts end] 0 -1
        } else {
            # The stored order is open: drop the list on both sides.
            dcmd exact del [lindex $opts end]
        }
    }
}

# Weights read by SORT BY/GET patterns.
proc gen_weights {} {
    set e [dmember]
    switch [rnd 3] {
        0 {dcmd exact set w:$e [pick [list [dint] [format %.2f [expr {rand() * 10}]] $e abc]]}
        1 {dcmd exact hset w:$e f [dint]}
        2 {dcmd exact del w:$e}
    }
}

proc gen_multi {} {
    set k [dkey [pick {str list zset}]]
    switch [rnd 6] {
        0 {
            dcmd exact multi
            dcmd exact incr $k
            dcmd exact rpush [dkey list] [dval]
            dcmd exact zadd [dkey zset] [dscore] [dmember]
            dcmd exact exec
        }
        1 {
            dcmd exact multi
            dcmd exact set $k [dval]
            dcmd exact discard
        }
        2 {
            # A queuing error aborts the transaction.
            dcmd exact multi
            dcmd exact set $k [dval]
            dcmd exact nosuchcommand
            dcmd exact lpush
            dcmd exact exec
        }
        3 {
            # WATCH invalidated by another client's write.
            dcmd exact watch $k
            diff_other set $k touched
            dcmd exact multi
            dcmd exact get $k
            dcmd exact exec
        }
        4 {
            dcmd exact watch $k [dkey str]
            dcmd exact multi
            dcmd exact type $k
            dcmd exact lpop [dkey list]
            dcmd exact exec
        }
        5 {
            dcmd exact watch $k
            dcmd exact unwatch
            diff_other del $k
            dcmd exact multi
            dcmd exact exists $k
            dcmd exact exec
        }
    }
}

proc gen_pubsub {} {
    switch [rnd 5] {
        0 {dcmd exact publish [pick {ch1 ch2 ch3 news.x}] [dval]}
        1 {dcmd exact pubsub numsub ch1 ch2 ch3 news.x}
        2 {dcmd exact pubsub numpat}
        3 {dcmd set pubsub channels}
        4 {dcmd set pubsub channels ch*}
    }
}

# Runs <argv> through the second connections and compares the replies.
proc diff_other {args} {
    foreach f [list $::our_f2 $::ref_f2] {::redis::send_command $f $args}
    set a [diff_read $::our_f2]
    set b [diff_read $::ref_f2]
    incr ::diff_count
    if {[lindex $a 1] ne [lindex $b 1]} {
        diff_mismatch "(second client) $args" exact [lindex $a 1] [lindex $b 1]
    }
}

proc gen_one {} {
    set r [rnd 100]
    if {$r < 8} {gen_string} elseif {$r < 14} {gen_keyspace} \
    elseif {$r < 18} {gen_expire} elseif {$r < 34} {gen_list} \
    elseif {$r < 48} {gen_hash} elseif {$r < 62} {gen_set} \
    elseif {$r < 80} {gen_zset} elseif {$r < 88} {gen_sort} \
    elseif {$r < 92} {gen_weights} elseif {$r < 97} {gen_multi} \
    else {gen_pubsub}
}

# ------------------------------------------------------------ runs

# Starts a run: the seed is DIFF_SEED when set, else <seed>; the state is
# reset with protocol <proto>; with <log> 1, DIFF_LOG=<file> gets every
# command sent (for reproducing). Returns the number of commands: the
# environment variable <countvar> when set, else <count>.
proc diff_begin {seed proto countvar count {log 1}} {
    if {[info exists ::env(DIFF_SEED)] && $::env(DIFF_SEED) ne ""} {
        set ::diff_seed $::env(DIFF_SEED)
    } else {
        set ::diff_seed $seed
    }
    if {[info exists ::env($countvar)] && $::env($countvar) ne ""} {
        set count $::env($countvar)
    }
    expr {srand($::diff_seed)}
    diff_reset $proto
    if {$log && [info exists ::env(DIFF_LOG)] && $::env(DIFF_LOG) ne ""} {
        set ::diff_log [open $::env(DIFF_LOG) w]
    }
    return $count
}

# Resets the state of a run, protocol <proto>, no log.
proc diff_reset {proto} {
    set ::diff_failed 0
    set ::diff_report ""
    set ::diff_count 0
    set ::diff_history {}
    set ::diff_proto $proto
    set ::diff_log ""
}

# Sends <total> commands made by <gen> until a mismatch, switching to
# RESP3 (HELLO 3) half way.
proc diff_run {total gen} {
    set half [expr {$total / 2}]
    while {$::diff_count < $total && !$::diff_failed} {
        if {$::diff_proto == 2 && $::diff_count >= $half} {
            # The HELLO reply carries ids and versions: not compared.
            diff_send {hello 3}
            set ::diff_proto 3
        }
        uplevel #0 $gen
    }
}

# Ends a run: closes <clients> and the log; fails with the report of the
# mismatches, if any.
proc diff_end {clients} {
    foreach c $clients {catch {$c close}}
    if {$::diff_log ne ""} {close $::diff_log}
    if {$::diff_failed} {
        puts $::diff_report
        fail $::diff_report
    }
}

# ------------------------------------------------------------ reference

# Starts Debian's Redis 7.0 on a free port with the settings of the server
# under test (TLS in --tls mode); returns {pid port dir}.
proc diff_start_reference {} {
    return [refsrv_start_conf {enable-debug-command yes}]
}

if {![file executable $::ref_bin]} {
    ::report skip "differential test" "$::ref_bin not installed"
    return
}

start_server {tags {interop differential external:skip}} {
    lassign [diff_start_reference] ref_pid ref_port ref_dir

    test "differential: random command sequences match Redis 7.0" {
        set total [diff_begin 20240407 2 DIFF_COMMANDS 3000]
        puts "differential: seed $::diff_seed (override with DIFF_SEED), $total commands"

        set clients {}
        foreach {name port} [list our [srv 0 port] ref $ref_port] {
            set c [redis_client 127.0.0.1 $port]
            set c2 [redis_client 127.0.0.1 $port]
            set sub [redis_client 127.0.0.1 $port]
            lappend clients $c $c2 $sub
            set ::${name}_f [$c channel]
            set ::${name}_f2 [$c2 channel]
            set ::${name}_sub $sub
            # Small thresholds so that encodings switch within a few
            # elements; list-max-listpack-size keeps quicklists multi-node.
            $c config set hash-max-listpack-entries 8 set-max-intset-entries 8 \
                zset-max-listpack-entries 8 list-max-listpack-size 4
            $c flushall
            $sub subscribe ch1 ch2
            $sub read
            $sub psubscribe ch* news.*
            $sub read
        }

        diff_run $total gen_one

        # The messages the subscribers received, in order, must match too.
        if {!$::diff_failed} {
            dcmd exact publish ch1 final
            foreach {name} {our ref} {
                set sub [set ::${name}_sub]
                set f [$sub channel]
                set got($name) {}
                set deadline [expr {[clock milliseconds] + 10000}]
                while {1} {
                    set m [diff_read $f]
                    lappend got($name) [lindex $m 1]
                    if {[string match "*final*" [lindex $m 1]] && [string match "*pmessage*" [lindex $m 1]]} break
                    if {[clock milliseconds] > $deadline} break
                }
            }
            if {$got(our) ne $got(ref)} {
                diff_mismatch "(subscriber messages)" exact $got(our) $got(ref)
            }
        }

        diff_end $clients
        puts "differential: $::diff_count commands, no mismatch (seed $::diff_seed)"
    }

    ::kill_server_process $ref_pid
}
