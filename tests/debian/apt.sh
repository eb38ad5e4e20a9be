#!/bin/sh
# apt-get or apt-cache for one Debian suite and architecture, with a private
# state of its own (lists and archives under $FFS_CACHE/apt/SUITE-ARCH), fed
# by sources.sh from the machine's own mirror. The host's apt configuration
# is neither read for packages nor changed: no dpkg --add-architecture, and a
# Debian 13 index never reaches the Debian 12 host's lists.
#
# usage: tests/debian/apt.sh SUITE ARCH apt-get|apt-cache ARGS...
# The lists are refreshed when older than $FFS_APT_MAX_AGE seconds (6 h).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
suite=${1:?usage: apt.sh SUITE ARCH apt-get|apt-cache ARGS...}
arch=${2:?usage: apt.sh SUITE ARCH apt-get|apt-cache ARGS...}
tool=${3:?usage: apt.sh SUITE ARCH apt-get|apt-cache ARGS...}
shift 3
case $tool in apt-get|apt-cache) ;; *) echo "apt: $tool is not apt-get or apt-cache" >&2; exit 2 ;; esac

cache=${FFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ffsgadget}
dir=$cache/apt/$suite-$arch
mkdir -p "$dir/etc/sources.list.d" "$dir/etc/preferences.d" "$dir/state/lists/partial" \
	"$dir/cache/archives/partial"

run() {
	"$@" -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$dir/etc/sources.list.d" \
		-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts="$dir/etc/preferences.d" \
		-o Dir::State="$dir/state" -o Dir::State::status=/dev/null -o Dir::Cache="$dir/cache" \
		-o APT::Architecture="$arch" -o APT::Architectures="$arch" \
		-o Debug::NoLocking=1 -o Acquire::Languages=none -o APT::Sandbox::User=root -q
}

stamp=$dir/state/.updated
age=$(( $(date +%s) - $(stat -c %Y "$stamp" 2>/dev/null || echo 0) ))
if [ "$age" -ge "${FFS_APT_MAX_AGE:-21600}" ]; then
	sh "$here/sources.sh" "$suite" >"$dir/etc/sources.list.d/debian.sources"
	echo "apt: $suite/$arch: updating the package lists" >&2
	tries=0
	until run apt-get update >"$dir/update.log" 2>&1; do
		tries=$((tries + 1))
		if [ "$tries" = 3 ]; then
			grep -E '^(E|W):' "$dir/update.log" >&2
			echo "apt: $suite/$arch: apt-get update failed three times" >&2
			exit 1
		fi
		sleep $((tries * 5))
	done
	touch "$stamp"
fi
# apt-get download writes to the current directory, as usual.
run "$tool" "$@"
