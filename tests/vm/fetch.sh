#!/bin/bash
# Ensures tests/vm/cache/ holds what a VM run needs, keyed by kernel version:
#
#   cache/<kver>/vmlinux      kernel, decompressed (boots ~2x faster under TCG)
#   cache/<kver>/bzImage      the packaged kernel, as a fallback
#   cache/<kver>/modroot/     lib/modules/<kver>/ with our modules, their deps,
#                             and a modules.dep from the host's depmod
#   cache/<kver>/testusb      tools/usb/testusb.c from Debian's source package
#   cache/<kver>/ffs-test, aio-simple, aio-multibuff
#                             the kernel's FunctionFS examples (bench peers, x86)
#
# FFS_ARCH=arm64 does the same for Debian's arm64 kernel (linux-image-arm64):
#   cache/<kver>/Image        the packaged kernel (uncompressed on arm64)
#   cache/<kver>/busybox      busybox-static of that architecture
# with testusb cross-compiled (tests/cross/deps.sh installs the toolchain).
#
# Prints the cache directory on stdout; progress goes to stderr.  Everything is
# rebuilt only when missing, so a rerun costs a few stat()s.
# FFS_SUITE=trixie takes the kernel (and its packages) from that Debian suite
# instead of the build machine's own, through tests/debian/apt.sh's private
# apt state on the machine's own mirror: Debian 13's 6.12 on a Debian 12 host,
# nothing installed on the host. FFS_KVER=6.1.0-NN-amd64 pins the kernel
# instead of following linux-image-ARCH; FFS_VM_CACHE=DIR puts the cache
# elsewhere.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${FFS_VM_CACHE:-$here/cache}
arch=${FFS_ARCH:-amd64}
# shellcheck disable=SC1091
suite=${FFS_SUITE:-$(. /etc/os-release && echo "$VERSION_CODENAME")}
# The modules the guest loads by name; their dependencies are resolved below.
modules="configfs libcomposite dummy_hcd usb_f_fs usb_f_ss_lb usbtest usbmon usbhid hid hid_generic evdev cp210x"

log() { echo "fetch: $*" >&2; }
die() { log "$*"; exit 1; }

# apt SUBCOMMAND...: apt-get or apt-cache for the suite and architecture of the
# kernel, whatever the host's own apt knows.
apt() { sh "$here/../debian/apt.sh" "$suite" "$arch" "$@"; }

kernel_version() {
	if [ -n "${FFS_KVER:-}" ]; then
		echo "$FFS_KVER"
		return
	fi
	local dep
	dep=$(apt apt-cache depends "linux-image-$arch" |
		sed -n 's/^ *Depends: linux-image-\([0-9][^:]*\).*$/\1/p' | head -n1)
	[ -n "$dep" ] || die "cannot tell the kernel version from $suite's linux-image-$arch"
	echo "$dep"
}

# download PACKAGE [VERSION]: a .deb of the kernel's suite and architecture
# (or all) in the cache, downloaded when missing; prints its path.
download() { sh "$here/../debian/deb.sh" "$suite" "$arch" "$cache" "$@"; }

# The packaged bzImage carries a compressed vmlinux after its setup code (xz
# up to Debian 12, zstd in Debian 13): find the stream's header and
# decompress from there (the decompressor stops at the end of the stream and
# complains about the trailer, hence the ELF check).
decompress_kernel() {
	local bz=$1 out=$2 off tool
	for tool in xz zstd; do
		case $tool in
		xz) off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$bz" | head -n1 | cut -d: -f1) ;;
		zstd) off=$(LC_ALL=C grep -obUaP '\x28\xb5\x2f\xfd' "$bz" | head -n1 | cut -d: -f1) ;;
		esac
		[ -n "$off" ] || continue
		tail -c +$((off + 1)) "$bz" | $tool -dc >"$out.tmp" 2>/dev/null || true
		if [ "$(head -c 4 "$out.tmp" | od -An -c | tr -d ' ')" = '177ELF' ]; then
			mv "$out.tmp" "$out"
			return 0
		fi
	done
	rm -f "$out.tmp"
	return 1
}

# Collect the named modules plus everything modinfo says they depend on,
# decompressed (Debian 13 ships .ko.xz; the guest's busybox modprobe loads
# plain .ko files).
collect_modules() {
	local tree=$1 dest=$2 queue=$modules seen=" " m path dep rel
	while [ -n "$queue" ]; do
		set -- $queue
		m=$1
		shift
		queue="$*"
		case "$seen" in *" $m "*) continue ;; esac
		seen="$seen$m "
		# Module names use - and _ interchangeably; file names pick one.
		path=$(find "$tree/kernel" \( -name "$m.ko*" -o -name "${m//_/-}.ko*" \
			-o -name "${m//-/_}.ko*" \) | head -n1)
		[ -n "$path" ] || die "module $m not found in the kernel package"
		rel=${path#"$tree"/}
		rel=${rel%.xz}
		rel=${rel%.zst}
		mkdir -p "$dest/$(dirname "$rel")"
		case $path in
		*.xz) xz -dc "$path" >"$dest/$rel" ;;
		*.zst) zstd -qdc "$path" >"$dest/$rel" ;;
		*) cp "$path" "$dest/$rel" ;;
		esac
		for dep in $(modinfo -F depends "$dest/$rel" | tr ',' ' '); do
			queue="$queue $dep"
		done
	done
	log "modules:$seen"
}

build_kernel_dir() {
	local kver=$1 dir=$2 image tmp
	image=$(download "linux-image-$kver")
	tmp=$(mktemp -d)
	log "extracting $(basename "$image")"
	dpkg-deb -x "$image" "$tmp"
	mkdir -p "$dir"
	case $arch in
	amd64)
		cp "$tmp/boot/vmlinuz-$kver" "$dir/bzImage"
		decompress_kernel "$dir/bzImage" "$dir/vmlinux" ||
			log "could not decompress the kernel; booting bzImage" ;;
	*)
		cp "$tmp/boot/vmlinuz-$kver" "$dir/Image"
		local bb
		bb=$(download busybox-static)
		# /bin/busybox in Debian 12, /usr/bin/busybox from Debian 13 on.
		dpkg-deb --fsys-tarfile "$bb" | tar -xO --wildcards './bin/busybox' './usr/bin/busybox' \
			>"$dir/busybox" 2>/dev/null || [ -s "$dir/busybox" ] ||
			die "no bin/busybox in $(basename "$bb")"
		chmod 0755 "$dir/busybox" ;;
	esac

	# Debian 13's packages are usr-merged: /usr/lib/modules.
	local tree="$tmp/lib/modules/$kver" mods="$dir/modroot/lib/modules/$kver"
	[ -d "$tree" ] || tree="$tmp/usr/lib/modules/$kver"
	rm -rf "$dir/modroot"
	mkdir -p "$mods"
	collect_modules "$tree" "$mods"
	cp "$tree"/modules.builtin* "$tree/modules.order" "$mods/" 2>/dev/null || true
	rm -rf "$tmp"
	# The .deb ships no modules.dep: generate it for the guest's modprobe.
	depmod -b "$dir/modroot" "$kver"
}

# The kernel's source package: linux-source-6.1 for 6.1.0-NN-ARCH,
# linux-source-6.12 for 6.12.NN+deb13-ARCH.
source_package() {
	echo "linux-source-$(echo "$1" | cut -d. -f1-2)"
}

build_testusb() {
	local dir=$1 kver=$2 srcpkg src deb
	srcpkg=$(source_package "$kver")
	src="$cache/src/$srcpkg"
	if [ ! -f "$src/tools/usb/testusb.c" ]; then
		deb=$(download "$srcpkg")
		log "extracting tools/usb and usbtest.c from $(basename "$deb")"
		mkdir -p "$cache/src"
		dpkg-deb --fsys-tarfile "$deb" |
			tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
			tar -xJ -C "$cache/src" \
				"$srcpkg/tools/usb" \
				"$srcpkg/drivers/usb/misc/usbtest.c" \
				"$srcpkg/drivers/usb/gadget" \
				"$srcpkg/include/uapi/linux/usb"
	fi
	log "building testusb"
	# Static, so the initramfs needs no libc for it.
	local cc=gcc
	if [ "$arch" != amd64 ]; then
		. "$here/../cross/arch.sh"
		# The target's C library: the sysroot of the cross builds.
		cc="$(fg_triplet "$arch")-gcc --sysroot=$(sh "$here/../cross/sysroot.sh" "$arch")" ||
			die "no $arch sysroot"
	fi
	$cc -O2 -pthread -static -o "$dir/testusb.tmp" "$src/tools/usb/testusb.c" ||
		$cc -O2 -pthread -o "$dir/testusb.tmp" "$src/tools/usb/testusb.c"
	mv "$dir/testusb.tmp" "$dir/testusb"
}

# The user-space peers of the bench (x86 only): the kernel's own FunctionFS
# examples from the same source package, tools/usb/ffs-test.c (bulk source
# and sink, one thread each, synchronous) and ffs-aio-example's simple (one
# AIO request each way) and multibuff (2 x 128 AIO requests, IN only).
build_peers() {
	local dir=$1 kver=$2 srcpkg src deb
	srcpkg=$(source_package "$kver")
	src="$cache/src/$srcpkg"
	[ "$arch" = amd64 ] || return 0
	if [ ! -f "$src/tools/include/tools/le_byteshift.h" ]; then
		deb=$(download "$srcpkg")
		log "extracting tools/include (ffs-test) from $(basename "$deb")"
		dpkg-deb --fsys-tarfile "$deb" |
			tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
			tar -xJ -C "$cache/src" "$srcpkg/tools/include/tools"
	fi
	log "building the FunctionFS peers (ffs-test, aio-simple, aio-multibuff)"
	# -w: the examples' own warnings are not this project's to fix.
	gcc -O2 -w -pthread -static -I"$src/tools/include" -o "$dir/ffs-test.tmp" \
		"$src/tools/usb/ffs-test.c" &&
		gcc -O2 -w -static -include "$here/peer-le.h" -o "$dir/aio-simple" \
			"$src/tools/usb/ffs-aio-example/simple/device_app/aio_simple.c" -laio &&
		gcc -O2 -w -static -include "$here/peer-le.h" -o "$dir/aio-multibuff" \
			"$src/tools/usb/ffs-aio-example/multibuff/device_app/aio_multibuff.c" -laio &&
		mv "$dir/ffs-test.tmp" "$dir/ffs-test"
}

mkdir -p "$cache"
kver=$(kernel_version)
dir="$cache/$kver"
# The stamp records the module list, so adding a module refreshes the cache.
if [ "$(cat "$dir/.complete" 2>/dev/null)" != "$modules" ]; then
	build_kernel_dir "$kver" "$dir"
	echo "$modules" >"$dir/.complete"
fi
[ -x "$dir/testusb" ] || build_testusb "$dir" "$kver"
[ -x "$dir/ffs-test" ] || [ "$arch" != amd64 ] || build_peers "$dir" "$kver" ||
	log "the FunctionFS peers did not build: the bench runs without them"
# The suite the kernel came from: dummy-hcd-iso.sh fetches its headers there.
echo "$suite" >"$dir/suite"
echo "$dir"
