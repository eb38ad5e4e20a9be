#!/bin/sh
# Installs, from Debian's packages, what cross builds for the boards need:
# the cross compiler, its C library, and the libraries' -dev packages of the
# target architecture through multiarch (dpkg --add-architecture).
#
# usage: tests/cross/deps.sh [--deb] [--vm] ARCH...   (arm64 armhf armel)
#   --deb  also what dpkg-buildpackage and lintian need
#   --vm   also what the arm64 VM test needs (qemu-system-aarch64, and
#          gcc-12 for arm64, the compiler Debian built that kernel with, and
#          patch, for the iso dummy_hcd: tests/vm/dummy-hcd-iso.sh)
# Idempotent: does nothing when everything is present.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/arch.sh"

extra="qemu-user"
arches=""
for a in "$@"; do
	case $a in
	--deb) extra="$extra dpkg-dev debhelper fakeroot lintian libcmocka-dev" ;;
	--vm) extra="$extra qemu-system-arm gcc-12-aarch64-linux-gnu patch" ;;
	*) fg_triplet "$a" >/dev/null; arches="$arches $a" ;;
	esac
done

# The libc comes from the -cross packages (architecture all): the multiarch
# libc6-dev:ARCH must match the native version exactly, which a mirror in the
# middle of a sync sometimes cannot offer.
packages=$extra
for a in $arches; do
	packages="$packages gcc-$(fg_triplet "$a") libc6-dev-$a-cross pkgconf:$a
libaio-dev:$a libconfig-dev:$a libusb-1.0-0-dev:$a libusbgx-dev:$a libsystemd-dev:$a"
done

foreign=$(dpkg --print-foreign-architectures)
add=""
for a in $arches; do
	echo "$foreign" | grep -qx "$a" || add="$add $a"
done
missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$add$missing" ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
for a in $add; do
	echo "cross-deps: dpkg --add-architecture $a" >&2
	$sudo dpkg --add-architecture "$a"
done
echo "cross-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# A list that fails to download (a mirror mid-sync) leaves the others usable:
# let the install say whether what we need is there.
$sudo apt-get update -q >/dev/null 2>&1 || echo "cross-deps: apt-get update reported errors" >&2

# common_version PKG ARCH...: the newest version of PKG that every one of the
# architectures (the native one included) can have.
common_version() {
	pkg=$1
	shift
	vers=$(apt-cache madison "$pkg" | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | sort -u)
	for a in "$@"; do
		vers=$(apt-cache madison "$pkg:$a" | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' |
			sort -u | grep -Fx "$vers" || true)
	done
	echo "$vers" | sort -V | tail -n 1
}

# A library of several architectures (Multi-Arch: same) must be at one version
# in all of them. A mirror whose native lists are ahead of the foreign ones
# (security updates land per architecture) makes apt give up: then pin each
# library it names to the newest version every architecture has, and retry.
apt_install() {
	# Other jobs on the machine may hold the dpkg lock for a while.
	# shellcheck disable=SC2086
	$sudo apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "$@"
}
want=$missing
for try in 1 2 3 4; do
	# shellcheck disable=SC2086
	apt_install $want >"${TMPDIR:-/tmp}/cross-deps.$$" 2>&1 && break
	skew=$(sed -n 's/.*Depends: \([^ :]*\):[a-z0-9]* .*but it is not going to be installed.*/\1/p' \
		"${TMPDIR:-/tmp}/cross-deps.$$" | sort -u)
	if [ -z "$skew" ] || [ "$try" = 4 ]; then
		cat "${TMPDIR:-/tmp}/cross-deps.$$" >&2
		rm -f "${TMPDIR:-/tmp}/cross-deps.$$"
		exit 1
	fi
	for p in $skew; do
		# shellcheck disable=SC2086
		v=$(common_version "$p" $arches)
		[ -n "$v" ] || continue
		echo "cross-deps: $p at $v for every architecture (the lists disagree)" >&2
		want="$want $p=$v"
		for a in $arches; do want="$want $p:$a=$v"; done
	done
done
rm -f "${TMPDIR:-/tmp}/cross-deps.$$"
