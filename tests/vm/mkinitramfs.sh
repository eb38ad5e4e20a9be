#!/bin/bash
# Builds the test VM's initramfs from the kernel cache dir that fetch.sh
# printed: busybox-static and its applet links, the modules with their
# modules.dep, testusb, the project's binaries (with their shared libraries),
# configs/, descriptors/ and tests/vm/guest/.
#
# usage: mkinitramfs.sh KERNEL_CACHE_DIR OUTPUT
# FFS_BUILD=DIR takes the project's binaries from DIR instead of build/.
# The image is an uncompressed cpio: a few MB that the kernel unpacks faster
# than it would decompress them under TCG.
set -euo pipefail

kdir=$1
out=$2
repo=$(cd "$(dirname "$0")/../.." && pwd)
bindir=${FFS_BUILD:-$repo/build}
# Staged outside build/: the Makefile includes every *.d file found there.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

die() { echo "mkinitramfs: $*" >&2; exit 1; }
[ -d "$kdir/modroot/lib/modules" ] || die "no modules in $kdir: run fetch.sh"
busybox=$(command -v busybox) || die "busybox-static is not installed"
if ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is not static: install busybox-static"
fi

mkdir -p "$stage"/{bin,sbin,etc,proc,sys,dev,tmp,run,root}
cp -a "$kdir/modroot/lib" "$stage/"

cp "$busybox" "$stage/bin/busybox"
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
done
# The kernel's request_module() runs /sbin/modprobe (configfs functions).
ln -s ../bin/busybox "$stage/sbin/modprobe"
cp "$kdir/testusb" "$stage/bin/testusb"

# copy_binary PATH: into /bin, with the shared libraries ldd lists, at the
# same paths (the dynamic loader included).
copy_binary() {
	cp "$1" "$stage/bin/"
	local lib
	for lib in $(ldd "$1" 2>/dev/null | grep -o '/[^ ]*'); do
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done
}
for bin in ffsgadget ffsgadget-host; do
	if [ -x "$bindir/$bin" ]; then copy_binary "$bindir/$bin"; fi
done

mkdir -p "$stage/configs" "$stage/descriptors" "$stage/guest"
cp -a "$repo/configs/." "$stage/configs/"
cp -a "$repo/descriptors/." "$stage/descriptors/"
cp -a "$repo/tests/vm/guest/." "$stage/guest/"
cp "$repo/tests/vm/guest/init" "$stage/init"
chmod 0755 "$stage/init"
echo "root:x:0:0:root:/root:/bin/sh" >"$stage/etc/passwd"

(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet -R 0:0) >"$out.tmp"
mv "$out.tmp" "$out"
