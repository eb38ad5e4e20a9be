#!/bin/bash
# Ensures tests/vm/cache/ holds what a VM run needs, keyed by kernel version:
#
#   cache/<kver>/vmlinux      kernel, decompressed (boots ~2x faster under TCG)
#   cache/<kver>/bzImage      the packaged kernel, as a fallback
#   cache/<kver>/modroot/     lib/modules/<kver>/ with our modules, their deps,
#                             and a modules.dep from the host's depmod
#   cache/<kver>/testusb      tools/usb/testusb.c from Debian's source package
#
# FFS_ARCH=arm64 does the same for Debian's arm64 kernel (linux-image-arm64):
#   cache/<kver>/Image        the packaged kernel (uncompressed on arm64)
#   cache/<kver>/busybox      busybox-static of that architecture
# with testusb cross-compiled (tests/cross/deps.sh installs the toolchain).
#
# Prints the cache directory on stdout; progress goes to stderr.  Everything is
# rebuilt only when missing, so a rerun costs a few stat()s.
# FFS_KVER=6.1.0-NN-amd64 pins the kernel instead of following linux-image-amd64;
# FFS_VM_CACHE=DIR puts the cache elsewhere.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${FFS_VM_CACHE:-$here/cache}
arch=${FFS_ARCH:-amd64}
# apt names a foreign architecture's packages NAME:ARCH.
qual=""
[ "$arch" = "$(dpkg --print-architecture)" ] || qual=":$arch"
# The modules the guest loads by name; their dependencies are resolved below.
modules="configfs libcomposite dummy_hcd usb_f_fs usb_f_ss_lb usbtest usbmon usbhid hid hid_generic evdev"

log() { echo "fetch: $*" >&2; }
die() { log "$*"; exit 1; }

# apt-cache / apt-get download need package lists; a fresh container has none.
apt_lists_ready=0
apt_update_once() {
	[ "$apt_lists_ready" = 1 ] && return 0
	log "apt-get update"
	sh "$here/../apt-update.sh"
	apt_lists_ready=1
}

kernel_version() {
	if [ -n "${FFS_KVER:-}" ]; then
		echo "$FFS_KVER"
		return
	fi
	local dep
	dep=$(apt-cache depends "linux-image-$arch$qual" 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([0-9][^:]*\).*$/\1/p' | head -n1)
	if [ -z "$dep" ]; then
		apt_update_once
		dep=$(apt-cache depends "linux-image-$arch$qual" |
			sed -n 's/^ *Depends: linux-image-\([0-9][^:]*\).*$/\1/p' | head -n1)
	fi
	[ -n "$dep" ] || die "cannot tell the kernel version from linux-image-$arch"
	echo "$dep"
}

# download PACKAGE[:ARCH]: leaves PACKAGE_*.deb in the cache, prints its path.
download() {
	local pkg=$1 name=${1%%:*} deb
	local glob="$cache/${name}_*.deb"
	[ "$name" = "$pkg" ] || glob="$cache/${name}_*_${pkg#*:}.deb"
	deb=$(ls $glob 2>/dev/null | sort -V | tail -n1 || true)
	if [ -z "$deb" ]; then
		log "downloading $pkg"
		if ! (cd "$cache" && apt-get download -q "$pkg" >/dev/null 2>&1); then
			apt_update_once
			(cd "$cache" && apt-get download -q "$pkg" >/dev/null) ||
				die "apt-get download $pkg failed"
		fi
		deb=$(ls $glob | sort -V | tail -n1)
	fi
	echo "$deb"
}

# The packaged bzImage carries an xz-compressed vmlinux after its setup code:
# find the xz stream header and decompress from there (xz stops at the end of
# the stream and complains about the trailer, hence the ELF check).
decompress_kernel() {
	local bz=$1 out=$2 off
	off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$bz" | head -n1 | cut -d: -f1)
	[ -n "$off" ] || return 1
	tail -c +$((off + 1)) "$bz" | xz -dc >"$out.tmp" 2>/dev/null || true
	[ "$(head -c 4 "$out.tmp" | od -An -c | tr -d ' ')" = '177ELF' ] || return 1
	mv "$out.tmp" "$out"
}

# Collect the named modules plus everything modinfo says they depend on.
collect_modules() {
	local tree=$1 dest=$2 queue=$modules seen=" " m path dep
	while [ -n "$queue" ]; do
		set -- $queue
		m=$1
		shift
		queue="$*"
		case "$seen" in *" $m "*) continue ;; esac
		seen="$seen$m "
		# Module names use - and _ interchangeably; file names pick one.
		path=$(find "$tree/kernel" -name "$m.ko" -o -name "${m//_/-}.ko" \
			-o -name "${m//-/_}.ko" | head -n1)
		[ -n "$path" ] || die "module $m not found in the kernel package"
		mkdir -p "$dest/$(dirname "${path#"$tree"/}")"
		cp "$path" "$dest/${path#"$tree"/}"
		for dep in $(modinfo -F depends "$path" | tr ',' ' '); do
			queue="$queue $dep"
		done
	done
	log "modules:$seen"
}

build_kernel_dir() {
	local kver=$1 dir=$2 image tmp
	image=$(download "linux-image-$kver$qual")
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
		bb=$(download "busybox-static$qual")
		dpkg-deb --fsys-tarfile "$bb" | tar -xO ./bin/busybox >"$dir/busybox"
		chmod 0755 "$dir/busybox" ;;
	esac

	local tree="$tmp/lib/modules/$kver" mods="$dir/modroot/lib/modules/$kver"
	rm -rf "$dir/modroot"
	mkdir -p "$mods"
	collect_modules "$tree" "$mods"
	cp "$tree"/modules.builtin* "$tree/modules.order" "$mods/" 2>/dev/null || true
	rm -rf "$tmp"
	# The .deb ships no modules.dep: generate it for the guest's modprobe.
	depmod -b "$dir/modroot" "$kver"
}

build_testusb() {
	local dir=$1 src="$cache/src/linux-source-6.1" deb
	if [ ! -f "$src/tools/usb/testusb.c" ]; then
		deb=$(download linux-source-6.1)
		log "extracting tools/usb and usbtest.c from $(basename "$deb")"
		mkdir -p "$cache/src"
		dpkg-deb --fsys-tarfile "$deb" |
			tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
			tar -xJ -C "$cache/src" \
				linux-source-6.1/tools/usb \
				linux-source-6.1/drivers/usb/misc/usbtest.c \
				linux-source-6.1/drivers/usb/gadget \
				linux-source-6.1/include/uapi/linux/usb
	fi
	log "building testusb"
	# Static, so the initramfs needs no libc for it.
	local cc=gcc
	if [ "$arch" != amd64 ]; then
		. "$here/../cross/arch.sh"
		cc=$(fg_triplet "$arch")-gcc
	fi
	$cc -O2 -pthread -static -o "$dir/testusb.tmp" "$src/tools/usb/testusb.c" ||
		$cc -O2 -pthread -o "$dir/testusb.tmp" "$src/tools/usb/testusb.c"
	mv "$dir/testusb.tmp" "$dir/testusb"
}

mkdir -p "$cache"
kver=$(kernel_version)
dir="$cache/$kver"
# The stamp records the module list, so adding a module refreshes the cache.
if [ "$(cat "$dir/.complete" 2>/dev/null)" != "$modules" ]; then
	build_kernel_dir "$kver" "$dir"
	echo "$modules" >"$dir/.complete"
fi
[ -x "$dir/testusb" ] || build_testusb "$dir"
echo "$dir"
