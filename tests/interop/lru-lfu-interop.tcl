# lru-lfu-interop.tcl -- the access data of keys crossing between our
# server and Debian's Redis 7.0: the RDB IDLE opcode (idle seconds, written
# under an LRU policy) and FREQ opcode (LFU counter, under an LFU policy)
# that each server writes are applied by the other on load; RESTORE
# IDLETIME/FREQ give the same OBJECT IDLETIME/FREQ on both. Debian's server
# always listens in plain TCP on 127.0.0.1.

source [file join $::tests_dir helpers reference.tcl]
set ::lru_check_bin /usr/bin/redis-check-rdb

# Starts Debian's redis-server on <dir>/<dbfile> with <policy>; returns
# {pid client port log}.
proc lru_ref_start {dir dbfile policy} {
    return [refsrv_start $dir --dbfilename $dbfile --appendonly no --maxmemory-policy $policy]
}

# Keys with known access data on the server behind <c>: under an LRU
# policy idle times <idles>, under LFU counters <freqs> (one key each).
proc lru_fill {c mode values} {
    $c flushall
    $c set src v
    set dump [$c dump src]
    $c del src
    set i 0
    foreach v $values {
        $c restore key$i 0 $dump $mode $v
        # Other types carry the opcode the same way.
        $c rpush list$i a b c
        $c restore list$i 0 [$c dump list$i] $mode $v replace
        incr i
    }
}

# Checks that OBJECT <what> on <c> gives back <values> (idle times may
# have grown by a few seconds).
proc lru_check {c what values} {
    set i 0
    foreach v $values {
        foreach k [list key$i list$i] {
            set got [$c object $what $k]
            if {$what eq "idletime"} {
                assert_range $got $v [expr {$v + 5}]
            } else {
                assert_equal $v $got "$what of $k"
            }
        }
        incr i
    }
}

set ::idles {0 3000 86400 1000000}
set ::freqs {0 1 42 200 255}

# Our server under <ourpolicy> saves keys with access data <values>
# (<mode> as for lru_fill); the dump passes redis-check-rdb and, copied to
# <dir>/<file>, is loaded by Redis 7.0 under <refpolicy>. Returns that
# reference server (for refsrv_stop).
proc lru_save_ours {dir file ourpolicy mode values refpolicy} {
    r config set maxmemory-policy $ourpolicy
    lru_fill [srv 0 client] $mode $values
    lru_check [srv 0 client] $mode $values
    assert_equal OK [r save]
    assert_match "*RDB looks OK*" \
        [exec $::lru_check_bin [file join $dir dump.rdb] 2>@1]
    file copy -force [file join $dir dump.rdb] [file join $dir $file]
    return [lru_ref_start $dir $file $refpolicy]
}

# Redis 7.0 under <refpolicy> saves keys with access data <values> (<mode>
# as for lru_fill) to <dir>/<file>; our server loads that file under
# <ourpolicy>.
proc lru_load_theirs {dir file refpolicy mode values ourpolicy} {
    file delete -force [file join $dir $file]
    set ref [lru_ref_start $dir $file $refpolicy]
    set rc [lindex $ref 1]
    lru_fill $rc $mode $values
    assert_equal OK [$rc save]
    refsrv_stop $ref
    r config set maxmemory-policy $ourpolicy
    file copy -force [file join $dir $file] [file join $dir dump.rdb]
    r debug reload nosave
}

start_server {tags {interop rdb lru}} {
    set dir [srv 0 dir]

    test "Our IDLE opcodes (allkeys-lru) load in Redis 7.0" {
        set ref [lru_save_ours $dir ours-lru.rdb allkeys-lru idletime $::idles allkeys-lru]
        set rc [lindex $ref 1]
        assert_equal [expr {2 * [llength $::idles]}] [$rc dbsize]
        lru_check $rc idletime $::idles
        refsrv_stop $ref
    }

    test "Our FREQ opcodes (allkeys-lfu) load in Redis 7.0" {
        set ref [lru_save_ours $dir ours-lfu.rdb allkeys-lfu freq $::freqs volatile-lfu]
        lru_check [lindex $ref 1] freq $::freqs
        refsrv_stop $ref
    }

    test "Redis 7.0's IDLE opcodes load here (allkeys-lru)" {
        lru_load_theirs $dir theirs-lru.rdb allkeys-lru idletime $::idles volatile-lru
        assert_equal [expr {2 * [llength $::idles]}] [r dbsize]
        lru_check [srv 0 client] idletime $::idles
    }

    test "Redis 7.0's FREQ opcodes load here (allkeys-lfu)" {
        lru_load_theirs $dir theirs-lfu.rdb allkeys-lfu freq $::freqs allkeys-lfu
        lru_check [srv 0 client] freq $::freqs
    }

    test "RESTORE IDLETIME/FREQ and OBJECT agree with Redis 7.0" {
        set ref [lru_ref_start $dir unused.rdb allkeys-lru]
        set rc [lindex $ref 1]
        foreach c [list [srv 0 client] $rc] {
            $c config set maxmemory-policy allkeys-lru
            lru_fill $c idletime $::idles
            lru_check $c idletime $::idles
            catch {$c object freq key1} e
            lappend errs $e
            $c config set maxmemory-policy allkeys-lfu
            lru_fill $c freq $::freqs
            lru_check $c freq $::freqs
            catch {$c object idletime key1} e
            lappend errs $e
            foreach args {{idletime -1} {freq 256} {idletime 1 freq 1} {freq x}} {
                catch {$c restore k 0 [$c dump key1] {*}$args} e
                lappend errs $e
            }
            $c config set maxmemory-policy noeviction
        }
        refsrv_stop $ref
        # Both servers gave the same errors, in the same order.
        set n [expr {[llength $errs] / 2}]
        assert_equal [lrange $errs 0 [expr {$n - 1}]] [lrange $errs $n end]
    }
}
