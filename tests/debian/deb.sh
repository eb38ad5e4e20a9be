#!/bin/sh
# Downloads one Debian package of SUITE and ARCH into DIR, unless a .deb of it
# (at VERSION, if given) is there already, and prints the .deb's path. The
# package comes through apt.sh (the machine's own mirror, a private apt state).
#
# usage: tests/debian/deb.sh SUITE ARCH DIR PACKAGE [VERSION]
# A package of architecture all is found as such.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
suite=$1 arch=$2 dir=$3 name=$4 ver=${5:-}
spec=$name
[ -z "$ver" ] || spec="$name=$ver"

newest() {
	# shellcheck disable=SC2012,SC2086 # a pattern; the names are apt's
	ls "$dir/${name}_"${ver:-*}_$arch.deb "$dir/${name}_"${ver:-*}_all.deb 2>/dev/null |
		sort -V | tail -n 1
}
deb=$(newest)
if [ -z "$deb" ]; then
	echo "deb: downloading $spec ($suite, $arch)" >&2
	mkdir -p "$dir"
	(cd "$dir" && sh "$here/apt.sh" "$suite" "$arch" apt-get download "$spec" >/dev/null) ||
		{ echo "deb: apt-get download $spec ($suite, $arch) failed" >&2; exit 1; }
	deb=$(newest)
	[ -n "$deb" ] || { echo "deb: $spec downloaded, but no .deb of it in $dir" >&2; exit 1; }
fi
echo "$deb"
