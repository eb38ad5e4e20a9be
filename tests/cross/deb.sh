#!/bin/bash
# Builds the Debian packages (debian/) with dpkg-buildpackage from a copy of
# the tree, natively for amd64 and cross (-Pcross,nocheck) for the boards,
# then runs lintian on each build. Results in build-deb/:
#
#   build-deb/ffsgadget_VERSION_ARCH.deb, ffsgadget-host_VERSION_ARCH.deb,
#   the .changes/.buildinfo (and for the native build the source package),
#   build-deb/ARCH.log (dpkg-buildpackage), build-deb/ARCH.lintian
#
# usage: tests/cross/deb.sh [--suite SUITE] [ARCH...]   (default: the build machine's)
#   --suite SUITE  against another Debian suite's libraries (trixie: libusbgx
#                  0.3), cross only, each architecture's sysroot of that suite
#                  (tests/cross/sysroot.sh ARCH SUITE); results in
#                  build-deb/SUITE/ (the board images take theirs from there)
# The copy keeps dpkg-buildpackage's clean step and its ../ outputs out of
# the working tree. Prints one "deb: N passed, N failed" line.
# The Makefile runs "sh deb.sh": re-run under bash (arrays, pipefail).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/arch.sh"
native=$(dpkg --print-architecture)
# shellcheck disable=SC1091
host_suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
suite=$host_suite
if [ "${1:-}" = --suite ]; then
	suite=${2:?usage: deb.sh [--suite SUITE] [ARCH...]}
	shift 2
fi
out=$repo/build-deb
[ "$suite" = "$host_suite" ] || out=$repo/build-deb/$suite
arches=${*:-$native}
if [ "$suite" != "$host_suite" ]; then
	for a in $arches; do
		if [ "$a" = "$native" ]; then
			# A native build uses the libraries installed here, which are
			# this machine's suite's.
			echo "deb: FAIL $a: $suite is not this machine's suite ($host_suite): cross architectures only" >&2
			exit 1
		fi
	done
fi

cross=""
for a in $arches; do [ "$a" = "$native" ] || cross="$cross $a"; done
# shellcheck disable=SC2086
sh "$here/deps.sh" --deb $cross || exit 1

cd "$repo" || exit 1
version=$(dpkg-parsechangelog -S Version)
mkdir -p "$out"
src=$out/src/ffsgadget-$version

# copy_tree: the files git knows of (tracked, and new ones not ignored), so
# no build directory or VM cache comes along.
copy_tree() {
	rm -rf "$out/src"
	mkdir -p "$src"
	if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
		# A file deleted but not yet committed is listed and missing: cp
		# skips it, as the tree does.
		git -C "$repo" ls-files -z -c -o --exclude-standard |
			grep -zv -e '^build' -e '^tests/vm/cache/' |
			(cd "$repo" && xargs -0 cp --parents -t "$src" 2>/dev/null)
	else
		tar -C "$repo" --exclude='./build*' --exclude=./tests/vm/cache -cf - . |
			tar -C "$src" -xf -
	fi
}

passed=0
failed=0
for a in $arches; do
	t0=$(date +%s)
	copy_tree
	log=$out/$a.log
	if [ "$a" = "$native" ]; then
		# Source and binaries, the unit tests run during the build.
		opts=(-us -uc)
		unset FG_SYSROOT
		export DEB_BUILD_OPTIONS="parallel=$(nproc)"
	else
		fg_triplet "$a" >/dev/null || exit 1
		# -d: the Build-Depends of the target's architecture are in the
		# sysroot, not installed on this machine, where dpkg would look.
		if ! FG_SYSROOT=$(sh "$here/sysroot.sh" "$a" "$suite"); then
			failed=$((failed + 1))
			echo "deb: FAIL $a: no sysroot (tests/cross/sysroot.sh $a $suite)"
			continue
		fi
		export FG_SYSROOT
		opts=(-us -uc -B -d -a "$a" -Pcross,nocheck)
		export DEB_BUILD_OPTIONS="parallel=$(nproc) nocheck"
	fi
	rm -f "$out"/*_"$a".deb "$out"/*_"$a".changes "$out"/*_"$a".buildinfo
	if (cd "$src" && dpkg-buildpackage "${opts[@]}") >"$log" 2>&1; then
		mv "$out/src/"*.deb "$out/src/"*.changes "$out/src/"*.buildinfo "$out/"
		[ "$a" = "$native" ] && mv "$out/src/"*.dsc "$out/src/"*.tar.* "$out/"
		changes=$out/ffsgadget_${version}_$a.changes
		lintian --fail-on error,warning --info -I --pedantic "$changes" >"$out/$a.lintian" 2>&1
		lrc=$?
		tags=$(grep -cE '^[EWIP]: ' "$out/$a.lintian")
		if [ "$lrc" = 0 ]; then
			passed=$((passed + 1))
			echo "deb: $suite/$a: $(cd "$out" && ls ./*_"$a".deb | tr '\n' ' ')lintian clean" \
				"($tags info/pedantic tags, in ${out#"$repo"/}/$a.lintian) in $(($(date +%s) - t0)) s"
		else
			failed=$((failed + 1))
			echo "deb: FAIL $a: lintian:"
			grep -E '^[EW]: ' "$out/$a.lintian" | sed 's/^/  /'
		fi
	else
		failed=$((failed + 1))
		echo "deb: FAIL $a: dpkg-buildpackage failed; the end of ${log#"$repo"/}:"
		tail -n 15 "$log" | sed 's/^/  /'
	fi
done
rm -rf "$out/src"
echo "deb: $passed passed, $failed failed"
[ "$failed" = 0 ]
