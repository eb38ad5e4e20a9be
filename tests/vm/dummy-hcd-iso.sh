#!/bin/bash
# Builds dummy_hcd with isochronous transfers and scatterlist requests
# (sg_supported, which FunctionFS DMABUF needs; the project's change,
# dummy_hcd-iso.patch, applied to Debian's linux-source dummy_hcd.c) against
# linux-headers-<kver> from Debian, and puts it in the kernel cache's modroot
# IN PLACE OF the stock module: the guest's "modprobe dummy_hcd" loads it,
# and never both.
#
# usage: dummy-hcd-iso.sh KERNEL_CACHE_DIR
#
#   cache/<kver>/headers/          linux-headers-<kver> + -common + linux-kbuild
#   cache/<kver>/dummy_hcd-iso/    the patched source and its build
#   cache/src/<version>/           dummy_hcd.c from linux-source-X.Y=<version>
#
# Rebuilt when the patch changes (its checksum is the stamp).  Every piece is
# the version of the headers package (-common, linux-kbuild, linux-source),
# not the newest one apt knows: a kernel behind the security updates (arm64's
# here) must get its own dummy_hcd.c.  The packaged kernel was built with the
# compiler its headers package names. For a kernel of the build machine's own
# suite (gcc-12 on bookworm) that compiler must be installed, for arm64 as
# the cross compiler (aarch64-linux-gnu-gcc-12, tests/cross/deps.sh), the
# kbuild tools staying the host's. A kernel of another suite (Debian 13's
# 6.12: gcc-14, and kbuild tools that need its glibc) is built inside a build
# root of that suite (tests/debian/root.sh), made from Debian's packages and
# entered with chroot; nothing of it is installed on the host. The packages
# come from the kernel's own suite, through tests/debian/apt.sh.
# FFS_VM_STOCK_HCD=1 keeps the stock module (the iso tests then skip).
set -euo pipefail

dir=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
cache=$(dirname "$dir")
kver=$(basename "$dir")
patch_file="$here/dummy_hcd-iso.patch"
build="$dir/dummy_hcd-iso"
hdr="$dir/headers"
rel=kernel/drivers/usb/gadget/udc/dummy_hcd.ko
mods="$dir/modroot/lib/modules/$kver"

log() { echo "dummy-hcd-iso: $*" >&2; }
die() { log "$*"; exit 1; }

[ -f "$mods/$rel" ] || die "no $rel in $mods: run fetch.sh first"
# shellcheck disable=SC1091
host_suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
suite=$(cat "$dir/suite" 2>/dev/null || echo "$host_suite")
kernel_arch=${kver##*-}

# stock_hcd WHY: the kernel package's own dummy_hcd, not one patched by an
# earlier run (modroot outlives this script's decisions), and WHY in
# modroot's dummy_hcd-iso.skip, which the guest's iso part gives as its
# skip reason.
stock_hcd() {
	local image
	log "$1"
	if grep -qa iso_stats "$mods/$rel"; then
		image=$(printf '%s\n' "$cache/linux-image-${kver}_"*.deb | sort -V | tail -n1)
		dpkg-deb --fsys-tarfile "$image" | tar -xO "./lib/modules/$kver/$rel" >"$mods/$rel" ||
			dpkg-deb --fsys-tarfile "$image" | tar -xO "./usr/lib/modules/$kver/$rel.xz" |
			xz -dc >"$mods/$rel"
	fi
	echo "$1" >"$mods/dummy_hcd-iso.skip"
	exit 0
}

if [ "${FFS_VM_STOCK_HCD:-0}" = 1 ]; then
	stock_hcd "FFS_VM_STOCK_HCD=1: the stock dummy_hcd (no iso)"
fi
# The kernel's architecture: its Makefile's ARCH, the cross compiler's prefix
# and the headers package's NAME:ARCH when it is not the build machine's.
case $kver in
*-amd64) karch=x86 cross="" qual="" ;;
*-arm64) karch=arm64 cross=aarch64-linux-gnu- qual=":arm64" ;;
*) stock_hcd "$kver: no iso dummy_hcd build for this architecture: the stock dummy_hcd (no iso)" ;;
esac
[ "${kver##*-}" != "$(dpkg --print-architecture)" ] || cross="" qual=""

stamp=$(sha256sum "$patch_file" | cut -d' ' -f1)
if [ "$(cat "$build/.stamp" 2>/dev/null)" != "$stamp" ] || [ ! -f "$build/dummy_hcd.ko" ]; then
	# fetch_deb PACKAGE [VERSION]: a .deb from the kernel's suite, of its
	# architecture (linux-kbuild: the build machine's, its tools run here),
	# in the cache, downloaded when missing; prints its path.
	fetch_deb() {
		local karch=$kernel_arch
		case $1 in linux-kbuild-*) karch=$(dpkg --print-architecture) ;; esac
		sh "$here/../debian/deb.sh" "$suite" "$karch" "$cache" "$@" || exit 1
	}
	main=$(fetch_deb "linux-headers-$kver")
	hver=$(dpkg-deb -f "$main" Version)
	src="$cache/src/$hver"
	if [ ! -f "$hdr/.complete" ]; then
		rm -rf "$hdr"
		mkdir -p "$hdr"
		dpkg-deb -x "$main" "$hdr"
		# Its other packages, at its version: -common (= it) and linux-kbuild
		# (>= it; the build machine's architecture: its tools run here).
		for dep in $(dpkg-deb -f "$main" Depends | tr ',' '\n' |
			sed -n 's/^ *\(linux-headers-[^ ]*-common\|linux-kbuild-[^ ]*\).*/\1/p'); do
			dpkg-deb -x "$(fetch_deb "$dep" "$hver")" "$hdr"
		done
		# The flavour's Makefile includes -common by absolute path.
		sed -i "s|/usr/src/|$hdr/usr/src/|" "$hdr/usr/src/linux-headers-$kver/Makefile"
		dpkg-deb -f "$main" Depends >"$hdr/.complete"
	fi
	cc=$(sed -n 's/.*CONFIG_CC_VERSION_TEXT="\([^ ]*\) .*/\1/p' \
		"$hdr/usr/src/linux-headers-$kver/.config")
	cc=$cross${cc:-gcc-12}
	# in_root CMD...: CMD in the kernel suite's build root, with copies of the
	# headers and the build directory at their own paths there (the headers'
	# Makefile names them), the module copied back. No mounts: a chroot
	# whose / is no mount point (a fresh root made for a test) cannot make a
	# private mount namespace, and a bind mount could outlive a killed run.
	in_root() { "$@"; }
	if [ "$suite" != "$host_suite" ]; then
		[ -z "$cross" ] || die "$kver from $suite: cross builds come from the host's suite only"
		[ "$(id -u)" = 0 ] || die "$kver from $suite: its dummy_hcd is built in a chroot: run as root"
		kbuild=$(dpkg-deb -f "$main" Depends | tr ',' '\n' | sed -n 's/^ *\(linux-kbuild-[^ ]*\).*/\1/p')
		# CONFIG_CC_VERSION_TEXT may name the compiler with its triplet
		# (x86_64-linux-gnu-gcc-14): the package is gcc-14.
		ccpkg=$(echo "$cc" | grep -o 'gcc-[0-9]*$') || die "cannot tell the package of $cc"
		broot=$(sh "$here/../debian/root.sh" --suite "$suite" --variant minbase \
			"kbuild-$ccpkg" "$ccpkg" make libc6-dev "$kbuild") || die "no $suite build root"
		in_root() {
			local rc=0
			rm -rf "${broot:?}$hdr" "${broot:?}$build"
			mkdir -p "$broot$hdr" "$broot$build"
			cp -a "$hdr/." "$broot$hdr/" && cp -a "$build/." "$broot$build/" || return 1
			# kbuild writes to /dev/null; the root is made without device nodes.
			[ -c "$broot/dev/null" ] || { rm -f "$broot/dev/null"; mknod -m 0666 "$broot/dev/null" c 1 3; }
			chroot "$broot" "$@" || rc=$?
			[ "$rc" != 0 ] || cp -a "$broot$build/." "$build/" || rc=1
			rm -rf "${broot:?}$hdr" "${broot:?}$build"
			return "$rc"
		}
	elif ! command -v "$cc" >/dev/null; then
		die "the kernel was built with ${cc#"$cross"}, and $cc is not installed"
	fi

	srcpkg=linux-source-$(echo "$kver" | cut -d. -f1-2)
	if [ ! -f "$src/dummy_hcd.c" ]; then
		deb=$(fetch_deb "$srcpkg" "$hver")
		log "extracting dummy_hcd.c from $(basename "$deb")"
		mkdir -p "$src"
		dpkg-deb --fsys-tarfile "$deb" |
			tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
			tar -xJO "$srcpkg/drivers/usb/gadget/udc/dummy_hcd.c" >"$src/dummy_hcd.c.tmp"
		mv "$src/dummy_hcd.c.tmp" "$src/dummy_hcd.c"
	fi
	rm -rf "$build"
	mkdir -p "$build"
	cp "$src/dummy_hcd.c" "$build/"
	# The patch is made against the amd64 kernel's source, which follows the
	# security updates: there, not applying is a bug in the patch.  Another
	# architecture's kernel may be older (arm64's is here) and its
	# dummy_hcd.c may lack context the patch needs: its run then has no iso,
	# and says why; the patch is never forced.
	if ! patch -s -p5 -d "$build" <"$patch_file" >"$build/patch.log" 2>&1; then
		cat "$build/patch.log" >&2
		why="dummy_hcd-iso.patch does not apply to $srcpkg $hver ($kver's source)"
		[ "$karch" != x86 ] || die "$why"
		rm -rf "$build"
		stock_hcd "$why: the stock dummy_hcd (no iso)"
	fi
	echo 'obj-m := dummy_hcd.o' >"$build/Kbuild"
	log "building dummy_hcd.ko with iso for $kver ($cc, from $srcpkg $hver${broot:+, in the $suite build root})"
	in_root make -s -C "$hdr/usr/src/linux-headers-$kver" ARCH="$karch" CROSS_COMPILE="$cross" \
		M="$build" modules >"$build/build.log" 2>&1 ||
		{ cat "$build/build.log" >&2; die "module build failed"; }
	echo "$stamp" >"$build/.stamp"
fi
# fetch.sh may have refreshed modroot with the stock module: put ours back.
cmp -s "$build/dummy_hcd.ko" "$mods/$rel" || cp "$build/dummy_hcd.ko" "$mods/$rel"
rm -f "$mods/dummy_hcd-iso.skip"
