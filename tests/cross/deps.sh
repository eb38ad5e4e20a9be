#!/bin/sh
# Installs, from Debian's packages, what cross builds for the boards need:
# the cross compiler, its C library, and the libraries' -dev packages of the
# target architecture through multiarch (dpkg --add-architecture).
#
# usage: tests/cross/deps.sh [--deb] [--vm] ARCH...   (arm64 armhf armel)
#   --deb  also what dpkg-buildpackage and lintian need
#   --vm   also what the arm64 VM test needs (qemu-system-aarch64)
# Idempotent: does nothing when everything is present.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/arch.sh"

extra="qemu-user"
arches=""
for a in "$@"; do
	case $a in
	--deb) extra="$extra dpkg-dev debhelper fakeroot lintian libcmocka-dev" ;;
	--vm) extra="$extra qemu-system-arm" ;;
	*) fg_triplet "$a" >/dev/null; arches="$arches $a" ;;
	esac
done

# The libc comes from the -cross packages (architecture all): the multiarch
# libc6-dev:ARCH must match the native version exactly, which a mirror in the
# middle of a sync sometimes cannot offer.
packages=$extra
for a in $arches; do
	packages="$packages gcc-$(fg_triplet "$a") libc6-dev-$a-cross pkgconf:$a
libaio-dev:$a libconfig-dev:$a libusb-1.0-0-dev:$a libusbgx-dev:$a"
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
# Other jobs on the machine may hold the dpkg lock for a while.
# shellcheck disable=SC2086
$sudo apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing >/dev/null
