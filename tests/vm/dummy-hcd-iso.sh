#!/bin/bash
# Builds dummy_hcd with isochronous transfers (the project's change,
# dummy_hcd-iso.patch, applied to Debian's linux-source dummy_hcd.c) against
# linux-headers-<kver> from Debian, and puts it in the kernel cache's modroot
# IN PLACE OF the stock module: the guest's "modprobe dummy_hcd" loads it,
# and never both.
#
# usage: dummy-hcd-iso.sh KERNEL_CACHE_DIR
#
#   cache/<kver>/headers/          linux-headers-<kver> + -common + linux-kbuild
#   cache/<kver>/dummy_hcd-iso/    the patched source and its build
#
# Rebuilt when the patch changes (its checksum is the stamp).  The packaged
# kernel was built with the compiler its headers package names (gcc-12 on
# bookworm); that compiler must be installed.  FFS_VM_STOCK_HCD=1 keeps the
# stock module (the iso tests then skip).  amd64 only for now.
set -euo pipefail

dir=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
cache=$(dirname "$dir")
kver=$(basename "$dir")
patch_file="$here/dummy_hcd-iso.patch"
src="$cache/src/linux-source-6.1"
build="$dir/dummy_hcd-iso"
hdr="$dir/headers"
rel=kernel/drivers/usb/gadget/udc/dummy_hcd.ko
mods="$dir/modroot/lib/modules/$kver"

log() { echo "dummy-hcd-iso: $*" >&2; }
die() { log "$*"; exit 1; }

if [ "${FFS_VM_STOCK_HCD:-0}" = 1 ]; then
	log "FFS_VM_STOCK_HCD=1: keeping the stock dummy_hcd (no iso)"
	exit 0
fi
case $kver in
*-amd64) ;;
*) log "$kver: only amd64 builds the iso dummy_hcd for now; stock module kept"; exit 0 ;;
esac
[ -f "$mods/$rel" ] || die "no $rel in $mods: run fetch.sh first"

stamp=$(sha256sum "$patch_file" | cut -d' ' -f1)
if [ "$(cat "$build/.stamp" 2>/dev/null)" != "$stamp" ] || [ ! -f "$build/dummy_hcd.ko" ]; then
	# apt-get download: one package at a time, into the cache, kept.
	fetch_deb() {
		local deb
		deb=$(ls "$cache/${1}"_*.deb 2>/dev/null | sort -V | tail -n1 || true)
		if [ -z "$deb" ]; then
			log "downloading $1"
			(cd "$cache" && apt-get download -q "$1" >/dev/null 2>&1) ||
				{ sh "$here/../apt-update.sh";
				  (cd "$cache" && apt-get download -q "$1" >/dev/null) ||
					die "apt-get download $1 failed"; }
			deb=$(ls "$cache/${1}"_*.deb | sort -V | tail -n1)
		fi
		echo "$deb"
	}
	if [ ! -f "$hdr/.complete" ]; then
		main=$(fetch_deb "linux-headers-$kver")
		rm -rf "$hdr"
		mkdir -p "$hdr"
		dpkg-deb -x "$main" "$hdr"
		# Its other packages: -common (= same version) and linux-kbuild.
		for dep in $(dpkg-deb -f "$main" Depends | tr ',' '\n' |
			sed -n 's/^ *\(linux-headers-[^ ]*-common\|linux-kbuild-[^ ]*\).*/\1/p'); do
			dpkg-deb -x "$(fetch_deb "$dep")" "$hdr"
		done
		# The flavour's Makefile includes -common by absolute path.
		sed -i "s|/usr/src/|$hdr/usr/src/|" "$hdr/usr/src/linux-headers-$kver/Makefile"
		dpkg-deb -f "$main" Depends >"$hdr/.complete"
	fi
	cc=$(sed -n 's/.*CONFIG_CC_VERSION_TEXT="\([^ ]*\) .*/\1/p' \
		"$hdr/usr/src/linux-headers-$kver/.config")
	command -v "${cc:-gcc-12}" >/dev/null ||
		die "the kernel was built with ${cc:-gcc-12}, which is not installed"

	if [ ! -f "$src/drivers/usb/gadget/udc/dummy_hcd.c" ]; then
		deb=$(fetch_deb linux-source-6.1)
		mkdir -p "$cache/src"
		dpkg-deb --fsys-tarfile "$deb" |
			tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
			tar -xJ -C "$cache/src" linux-source-6.1/drivers/usb/gadget
	fi
	rm -rf "$build"
	mkdir -p "$build"
	cp "$src/drivers/usb/gadget/udc/dummy_hcd.c" "$build/"
	patch -s -p5 -d "$build" <"$patch_file" || die "dummy_hcd-iso.patch does not apply"
	echo 'obj-m := dummy_hcd.o' >"$build/Kbuild"
	log "building dummy_hcd.ko with iso for $kver ($cc)"
	make -s -C "$hdr/usr/src/linux-headers-$kver" M="$build" modules >"$build/build.log" 2>&1 ||
		{ cat "$build/build.log" >&2; die "module build failed"; }
	echo "$stamp" >"$build/.stamp"
fi
# fetch.sh may have refreshed modroot with the stock module: put ours back.
cmp -s "$build/dummy_hcd.ko" "$mods/$rel" || cp "$build/dummy_hcd.ko" "$mods/$rel"
