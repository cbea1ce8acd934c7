#!/usr/bin/env bash
# deps/install.sh [group...]: install the Debian packages listed in
# deps/packages.txt that are not installed yet.
#
# Groups are build, tests, interop and fuzz; with no argument every group is
# installed. Nothing is touched when everything is already present (no apt
# index refresh, no root needed). Otherwise the apt index is refreshed once
# and the missing packages are installed without questions.
#
# When the interop group is asked for, it also installs the Node.js packages
# of the interop tests (ioredis, pinned in tests/interop/node/package.json)
# with tests/interop/node/install.sh, which does nothing when they are there.
#
# Installing Debian's redis-server or redis-sentinel makes Debian start them
# as services on 6379 and 26379, ports our tests and demo want. When this
# script installed either package, it stops and disables those services
# again: through systemctl when systemd runs, otherwise by the PID in the
# package's pidfile. It never kills processes by name.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
list="$here/packages.txt"

die() {
    echo "deps/install.sh: $*" >&2
    exit 1
}

[ -r "$list" ] || die "cannot read $list"

# Every group named in the list, in order of first appearance.
known_groups() {
    awk '!/^[[:space:]]*(#|$)/ { if (!seen[$1]++) print $1 }' "$list"
}

groups=("$@")
if [ ${#groups[@]} -eq 0 ]; then
    mapfile -t groups < <(known_groups)
fi
for g in "${groups[@]}"; do
    if ! known_groups | grep -qx -- "$g"; then
        die "unknown group '$g' (known: $(known_groups | tr '\n' ' '))"
    fi
done

# Packages of the requested groups.
wanted=()
for g in "${groups[@]}"; do
    while read -r pkg; do
        wanted+=("$pkg")
    done < <(awk -v g="$g" '!/^[[:space:]]*(#|$)/ && $1 == g { print $2 }' "$list")
done

# 0 when <pkg> is installed, or is a virtual package that an installed
# package provides (Node.js builds that bundle npm provide "npm" and
# conflict with Debian's npm package, which must not be forced on them).
is_installed() {
    local status
    status="$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)"
    [ "$status" = "installed" ] && return 0
    dpkg-query -W -f='${db:Status-Status} ${Provides}\n' 2>/dev/null |
        awk -v p="$1" '$1 == "installed" {
            for (i = 2; i <= NF; i++) { w = $i; sub(/,$/, "", w); if (w == p) found = 1 }
        } END { exit !found }'
}

# Installs the Node.js packages of the interop tests when the interop group
# was asked for (after the Debian packages, which bring node and npm).
node_packages() {
    local g
    for g in "${groups[@]}"; do
        if [ "$g" = interop ]; then
            bash "$here/../tests/interop/node/install.sh" ||
                die "the Node.js packages of the interop tests could not be installed"
        fi
    done
}

missing=()
for pkg in "${wanted[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all ${#wanted[@]} packages of groups [${groups[*]}] are installed"
    node_packages
    exit 0
fi

echo "deps: missing packages: ${missing[*]}"

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 ||
        die "not root and no sudo: install as root: apt-get install ${missing[*]}"
    sudo_cmd=(sudo)
fi
command -v apt-get >/dev/null 2>&1 || die "apt-get not found (Debian 12 expected)"

export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}"

for pkg in "${missing[@]}"; do
    is_installed "$pkg" || die "package $pkg still not installed"
done

# Waits up to 10 seconds for process <pid> to end; returns 1 if it does not.
wait_gone() {
    local pid="$1" i
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}

# Stops the Debian service <service> that the package postinst started.
stop_service() {
    local service="$1" piddir="$2" pidfile pid exe
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
        "${sudo_cmd[@]}" systemctl stop "$service.service" || true
        "${sudo_cmd[@]}" systemctl disable "$service.service" || true
        echo "deps: stopped and disabled $service (systemd)"
        return 0
    fi
    if command -v update-rc.d >/dev/null 2>&1; then
        "${sudo_cmd[@]}" update-rc.d "$service" disable >/dev/null 2>&1 || true
    fi
    for pidfile in "$piddir"/*.pid; do
        [ -f "$pidfile" ] || continue
        pid="$(tr -dc '0-9' <"$pidfile")"
        [ -n "$pid" ] || continue
        # Only signal the PID if it still is a Redis binary from the package.
        exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
        case "$exe" in
        /usr/bin/redis-*) ;;
        *) continue ;;
        esac
        "${sudo_cmd[@]}" kill -TERM "$pid" 2>/dev/null || true
        if wait_gone "$pid"; then
            echo "deps: stopped $service (pid $pid from $pidfile)"
        else
            echo "deps: warning: $service pid $pid did not exit" >&2
        fi
    done
}

for pkg in "${missing[@]}"; do
    case "$pkg" in
    redis-server) stop_service redis-server /run/redis ;;
    redis-sentinel) stop_service redis-sentinel /run/sentinel ;;
    esac
done

echo "deps: installed ${missing[*]}"
node_packages
