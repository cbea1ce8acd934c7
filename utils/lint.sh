#!/usr/bin/env bash
# utils/lint.sh: fail on the risky patterns that a grep can see.
#
# Checks (DESIGN.md and STYLE.md say why):
#   openssl-include  #include of an OpenSSL header outside src/tls.c
#   openssl-call     an SSL_/SSL_CTX_ call outside src/tls.c
#   use-openssl      #if/#ifdef/#ifndef on USE_OPENSSL outside src/tls.c
#   socket-call      send/recv/accept/accept4/connect called outside
#                    src/socket.c, src/tls.c and src/anet.c
#   socket-io        read/write/writev/readv on a structure's descriptor
#                    ("c->fd", "conn->fd", "x.fd") outside those files, and
#                    on a bare "fd" in the network-facing modules
#                    ($net_modules below); connRead and friends are fine
#   sprintf          sprintf/vsprintf: use snprintf
#   todo             a to-do marker without an issue number: write it as
#                    TODO(#123), naming an open issue
#
# C checks run on src/ and tests/ with comments and string literals blanked
# out, so prose may mention these names. src/unit (test programs) is exempt
# from the socket checks. A read or write on a file or pipe descriptor that
# the socket-io check mistakes for a socket may carry the marker comment
# "lint:not-socket" on the same line; no other check can be silenced.
#
# Usage: utils/lint.sh          (from anywhere; exit 0 clean, 1 on findings)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Modules that handle client or peer connections: there even a bare "fd"
# passed to read/write is taken to be a socket.
net_modules=" src/networking.c src/connection.c src/replication.c src/sentinel.c \
src/cluster.c src/redis-cli.c src/redis-benchmark.c src/cliclient.c "

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# C sources and headers, tracked or not, outside generated folders.
mapfile -t cfiles < <(find src tests -type f \( -name '*.c' -o -name '*.h' \) \
    -not -path 'tests/tmp/*' -not -path 'tests/tls/*' 2>/dev/null | sort)

# Every text file where a to-do marker could hide.
mapfile -t allfiles < <(
    {
        find src tests utils deps .ci -type f \
            \( -name '*.c' -o -name '*.h' -o -name '*.tcl' -o -name '*.sh' \
            -o -name '*.py' -o -name '*.txt' -o -name 'run' \) \
            -not -path 'tests/tmp/*' -not -path 'tests/tls/*' \
            -not -path 'utils/bench-results/*' 2>/dev/null
        for f in Makefile src/Makefile redis.conf sentinel.conf runtest; do
            [ -f "$f" ] && echo "$f"
        done
    } | sort -u
)

findings=0

# report <check> <file> <lineno>: prints one finding with the original line.
report() {
    local text
    text="$(sed -n "${3}p" "$2")"
    printf '%s:%s: [%s] %s\n' "$2" "$3" "$1" "$text"
    findings=$((findings + 1))
}

# Writes a copy of C file <src> to <dst> in which comments and string and
# character literals are blanked, keeping every line where it was.
strip_c() {
    perl -0777 -pe '
        s{/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|'\''(?:\\.|[^'\''\\\n])*'\''}{
            my $m = $&;
            if ($m =~ m{^/}) { $m =~ tr/\n//cd; $m } else { q("") }
        }gse' "$1" >"$2"
}

# check <name> <perl-regex> <file-on-disk-to-search> <file-to-report> [skip-marker]
check() {
    local name="$1" re="$2" search="$3" shown="$4" marker="${5:-}" n
    while IFS=: read -r n _; do
        [ -n "$n" ] || continue
        if [ -n "$marker" ] && sed -n "${n}p" "$shown" | grep -qF -- "$marker"; then
            continue
        fi
        report "$name" "$shown" "$n"
    done < <(grep -nP -- "$re" "$search" || true)
}

for f in "${cfiles[@]}"; do
    stripped="$tmp/stripped.c"
    strip_c "$f" "$stripped"

    tls_file=0
    socket_file=0
    unit_file=0
    case "$f" in
    src/tls.c) tls_file=1 ;;
    esac
    case "$f" in
    src/tls.c | src/socket.c | src/anet.c) socket_file=1 ;;
    esac
    case "$f" in
    src/unit/*) unit_file=1 ;;
    esac

    if [ $tls_file -eq 0 ]; then
        check openssl-include '^\s*#\s*include\s*[<"]openssl/' "$f" "$f"
        check openssl-call '(?<![\w])SSL_\w*\s*\(' "$stripped" "$f"
        check use-openssl '^\s*#\s*(if|ifdef|ifndef|elif)\b.*\bUSE_OPENSSL\b' \
            "$stripped" "$f"
    fi
    if [ $socket_file -eq 0 ] && [ $unit_file -eq 0 ]; then
        # Not preceded by a word character, "->" or "." (so member calls such
        # as conn->type->connect(...) and connConnect(...) pass).
        check socket-call '(?<![\w.>])(recv|recvfrom|recvmsg|send|sendto|sendmsg|accept4?|connect)\s*\(' \
            "$stripped" "$f"
        check socket-io '(?<![\w.>])(read|write|writev|readv)\s*\(\s*[\w.>-]*(->|\.)fd\b' \
            "$stripped" "$f" "lint:not-socket"
        case "$net_modules" in
        *" $f "*)
            check socket-io '(?<![\w.>])(read|write|writev|readv)\s*\(\s*fd\b' \
                "$stripped" "$f" "lint:not-socket"
            ;;
        esac
    fi
    check sprintf '(?<![\w])v?sprintf\s*\(' "$stripped" "$f"
done

# The word is split so that this script does not flag itself.
todo_word="TO""DO"
for f in "${allfiles[@]}"; do
    check todo "\\b${todo_word}\\b(?!\\(#[0-9]+\\))" "$f" "$f"
done

if [ $findings -gt 0 ]; then
    echo "lint: $findings finding(s)" >&2
    exit 1
fi
echo "lint: ${#cfiles[@]} C files and ${#allfiles[@]} files checked, clean"
