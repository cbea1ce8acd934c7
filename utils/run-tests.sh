#!/usr/bin/env bash
# Runs every test suite of `make test` and prints one combined closing line
# "N passed, N failed[, N skipped]". Exits non-zero if anything failed.
#
# Suites: the C unit tests (src/unit/test_*), ./runtest (plain) and
# ./runtest --tls, ./runtest-cluster (plain) and ./runtest-cluster --tls.
# Extra arguments are passed to every ./runtest and ./runtest-cluster run.
set -u
cd "$(dirname "$0")/.."

passed=0 failed=0 skipped=0 rc=0
logdir=tests/tmp/logs
mkdir -p "$logdir"

# Adds the counts of a suite's closing line in <file> to the totals; a
# suite that ends without such a line counts as one failure.
tally() {
    local name=$1 file=$2 status=$3 line p f s
    line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$file" | tail -n 1)
    if [ -z "$line" ]; then
        echo "[suite $name] ended without a result line (exit $status)"
        failed=$((failed + 1))
        rc=1
        return
    fi
    p=$(echo "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
    f=$(echo "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+')
    s=$(echo "$line" | grep -oE '[0-9]+ skipped' | grep -oE '[0-9]+' || true)
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + ${s:-0}))
    if [ "$status" -ne 0 ] || [ "$f" -ne 0 ]; then rc=1; fi
    echo "[suite $name] $line"
}

# The project's grep-able rules (DESIGN.md, STYLE.md) count as one test.
if bash utils/lint.sh > "$logdir/lint.log" 2>&1; then
    echo "1 passed, 0 failed" >> "$logdir/lint.log"
    tally "lint" "$logdir/lint.log" 0
else
    cat "$logdir/lint.log"
    echo "0 passed, 1 failed" >> "$logdir/lint.log"
    tally "lint" "$logdir/lint.log" 1
fi

for t in src/unit/test_*; do
    case "$t" in *.c|*.h|*.o|*.d) continue ;; esac
    [ -x "$t" ] || continue
    name=$(basename "$t")
    # Unit tests find their helpers (e.g. utils/gen-test-certs.sh) from src/.
    (cd src && "./unit/$name") > "$logdir/$name.log" 2>&1
    status=$?
    grep -E '^\[err\]|assertion failed' "$logdir/$name.log" | head -20
    tally "$name" "$logdir/$name.log" "$status"
done

./runtest "$@" 2>&1 | tee "$logdir/runtest-plain.log"
tally "runtest" "$logdir/runtest-plain.log" "${PIPESTATUS[0]}"

./runtest --tls "$@" 2>&1 | tee "$logdir/runtest-tls.log"
tally "runtest --tls" "$logdir/runtest-tls.log" "${PIPESTATUS[0]}"

./runtest-cluster "$@" 2>&1 | tee "$logdir/runtest-cluster-plain.log"
tally "runtest-cluster" "$logdir/runtest-cluster-plain.log" "${PIPESTATUS[0]}"

./runtest-cluster --tls "$@" 2>&1 | tee "$logdir/runtest-cluster-tls.log"
tally "runtest-cluster --tls" "$logdir/runtest-cluster-tls.log" "${PIPESTATUS[0]}"

if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
exit $rc
