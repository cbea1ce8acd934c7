#!/usr/bin/env bash
# tests/interop/node/install.sh: installs the Node.js packages of the
# interoperability tests (ioredis, at the exact version pinned in
# package.json and package-lock.json) into tests/interop/node/node_modules,
# which git ignores.
#
# Idempotent: when node_modules already holds the pinned ioredis and Node
# can load it, nothing is fetched. Otherwise `npm ci` installs exactly what
# package-lock.json lists from the npm registry. Exits non-zero with one
# clear line on stderr when node or npm is missing or the registry cannot
# be reached, so the tests that need ioredis fail instead of passing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

die() {
    echo "tests/interop/node/install.sh: $*" >&2
    exit 1
}

command -v node >/dev/null 2>&1 ||
    die "node not found: run deps/install.sh interop (Debian packages nodejs, npm)"

# The version package.json pins, read by Node itself (no jq needed).
pinned="$(node -p 'require("./package.json").dependencies.ioredis')" ||
    die "cannot read package.json"

installed="$(node -p 'require("ioredis/package.json").version' 2>/dev/null || true)"
if [ "$installed" = "$pinned" ] && node -e 'require("ioredis")' >/dev/null 2>&1; then
    echo "node: ioredis $installed is installed"
    exit 0
fi

command -v npm >/dev/null 2>&1 ||
    die "npm not found: run deps/install.sh interop (Debian packages nodejs, npm)"

echo "node: installing ioredis $pinned with npm ci"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! timeout 300 npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "npm ci failed (is the npm registry reachable?): ioredis $pinned not installed"
fi

installed="$(node -p 'require("ioredis/package.json").version' 2>/dev/null || true)"
[ "$installed" = "$pinned" ] ||
    die "after npm ci, ioredis is '$installed', expected $pinned"
echo "node: installed ioredis $installed"
