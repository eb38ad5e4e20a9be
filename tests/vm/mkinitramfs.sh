#!/bin/bash
# Builds the test VM's initramfs from the kernel cache dir that fetch.sh
# printed: busybox-static and its applet links, the modules with their
# modules.dep, testusb, the project's binaries (with their shared libraries),
# configs/, descriptors/ and tests/vm/guest/.
#
# usage: mkinitramfs.sh KERNEL_CACHE_DIR OUTPUT [MODE]
# MODE (run.sh's: test, bench, demo, soak, shell; default test) says which
# binaries must be there: a missing one is an error, never left out.
# FFS_BUILD=DIR takes the project's binaries from DIR instead of build/.
# FFS_ARCH=arm64: the kernel cache dir's busybox, binaries from build-arm64/
# (make ARCH=arm64) with their libraries from the multiarch directories.
# The image is an uncompressed cpio: a few MB that the kernel unpacks faster
# than it would decompress them under TCG.
set -euo pipefail

kdir=$1
out=$2
mode=${3:-test}
repo=$(cd "$(dirname "$0")/../.." && pwd)
arch=${FFS_ARCH:-amd64}
if [ "$arch" = amd64 ]; then
	bindir=${FFS_BUILD:-$repo/build}
else
	bindir=${FFS_BUILD:-$repo/build-$arch}
	. "$repo/tests/cross/arch.sh"
	triplet=$(fg_triplet "$arch")
	# The target's libraries: the sysroot the binaries were built against.
	sysroot=$(sh "$repo/tests/cross/sysroot.sh" "$arch") || exit 1
fi
# Staged outside build/: the Makefile includes every *.d file found there.
stage=$(mktemp -d)
# mktemp makes it 0700: as the image's root it would lock out every non-root user.
chmod 0755 "$stage"
trap 'rm -rf "$stage"' EXIT

die() { echo "mkinitramfs: $*" >&2; exit 1; }
[ -d "$kdir/modroot/lib/modules" ] || die "no modules in $kdir: run fetch.sh"
if [ "$arch" = amd64 ]; then
	busybox=$(command -v busybox) || die "busybox-static is not installed"
	if ldd "$busybox" >/dev/null 2>&1; then
		die "$busybox is not static: install busybox-static"
	fi
	applets=$("$busybox" --list)
else
	busybox=$kdir/busybox
	[ -x "$busybox" ] || die "no $busybox: run FFS_ARCH=$arch fetch.sh"
	# shellcheck disable=SC2046 # the qemu command and its options
	applets=$($(fg_qemu_user "$arch") "$busybox" --list) ||
		die "cannot run $busybox under qemu-user: install qemu-user"
fi

mkdir -p "$stage"/{bin,sbin,etc,proc,sys,dev,tmp,run,root}
cp -a "$kdir/modroot/lib" "$stage/"

cp "$busybox" "$stage/bin/busybox"
for applet in $applets; do
	[ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
done
# The kernel's request_module() runs /sbin/modprobe (configfs functions).
ln -s ../bin/busybox "$stage/sbin/modprobe"
cp "$kdir/testusb" "$stage/bin/testusb"
# The bench's user-space peers, where fetch.sh built them (static).
for peer in ffs-test aio-simple aio-multibuff; do
	[ ! -x "$kdir/$peer" ] || cp "$kdir/$peer" "$stage/bin/$peer"
done

# copy_binary PATH: into /bin, with the shared libraries ldd lists, at the
# same paths (the dynamic loader included).
copy_binary() {
	cp "$1" "$stage/bin/"
	copy_libraries "$1"
}
# copy_libraries PATH: the shared libraries ldd lists for PATH.
copy_libraries() {
	local lib
	for lib in $(ldd "$1" 2>/dev/null | grep -o '/[^ ]*'); do
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done
}
# copy_cross_binary PATH: the same for another architecture, where ldd cannot
# help: the interpreter and the NEEDED entries (recursively), looked up in the
# sysroot's multiarch directories.
copy_cross_binary() {
	cp "$1" "$stage/bin/"
	local queue=$1 seen=" " f interp lib dir found
	interp=$(readelf -l "$1" | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p')
	if [ -n "$interp" ]; then
		mkdir -p "$stage$(dirname "$interp")"
		cp -L "$sysroot$interp" "$stage$interp" ||
			die "$interp (the interpreter of $(basename "$1")) not in $sysroot"
	fi
	while [ -n "$queue" ]; do
		set -- $queue
		f=$1
		shift
		queue="$*"
		for lib in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
			case "$seen" in *" $lib "*) continue ;; esac
			seen="$seen$lib "
			found=""
			for dir in "$sysroot/lib/$triplet" "$sysroot/usr/lib/$triplet"; do
				if [ -e "$dir/$lib" ]; then found=$dir/$lib; break; fi
			done
			[ -n "$found" ] || die "$lib (needed by $(basename "$f")) not found for $arch"
			mkdir -p "$stage/lib/$triplet"
			cp -L "$found" "$stage/lib/$triplet/$lib"
			queue="$queue $found"
		done
	done
}

# Every binary the mode's scenarios use must be there: one left out would
# only turn its checks into skips (or nothing at all), never a failure.
need="ffsgadget ffsgadget-host"
case $mode in
test) need="$need fg-hostile fg-usbmon-iso hidtool bridgepeer" ;;
bench) need="$need bridgepeer" ;;
soak) need="$need fg-hostile" ;;
esac
for bin in $need; do
	[ -x "$bindir/$bin" ] || die "$bindir/$bin is missing: build it first (make programs)"
	if [ "$arch" = amd64 ]; then copy_binary "$bindir/$bin"
	else copy_cross_binary "$bindir/$bin"; fi
done
# The host's real dfu-util (Debian's package, tests/deps.sh) for the DFU test.
if [ "$arch" = amd64 ] && command -v dfu-util >/dev/null; then
	copy_binary "$(command -v dfu-util)"
fi
# The io_submit refusal shim the reliability tests preload into the daemon
# (it needs only libc, which the daemon brings); x86 only, as those tests.
if [ "$mode" = test ] && [ "$arch" = amd64 ]; then
	[ -f "$bindir/fg-failsubmit.so" ] || die "$bindir/fg-failsubmit.so is missing: make all"
	cp "$bindir/fg-failsubmit.so" "$stage/lib/"
fi

# Python for the bridge part's examples (descriptors/bridge/*.py): the host's
# interpreter (Debian's, as the 6.1 guest's kernel) and only the standard
# library files the examples load (python-stdlib.py computes them), checked
# by running the copied interpreter on the copied files.  Without
# /usr/bin/python3 on the host (tests/deps.sh installs it) the image has no
# python3 and the bridge part's Python checks fail, saying so.
python=/usr/bin/python3
if [ "$mode" = test ] && [ "$arch" = amd64 ] && [ -x "$python" ]; then
	py_real=$(readlink -f "$python")
	py_stdlib=$("$python" -I -S -c 'import os; print(os.path.dirname(os.__file__))')
	py_files=$("$python" -I -S -B "$repo/tests/vm/python-stdlib.py" "$repo"/descriptors/bridge/*.py) ||
		die "python-stdlib.py failed on descriptors/bridge/*.py"
	mkdir -p "$stage/usr/bin"
	copy_binary "$py_real"
	mv "$stage/bin/$(basename "$py_real")" "$stage/usr/bin/"
	ln -s "../usr/bin/$(basename "$py_real")" "$stage/bin/python3"
	for f in $py_files; do
		mkdir -p "$stage$py_stdlib/$(dirname "$f")"
		cp "$py_stdlib/$f" "$stage$py_stdlib/$f"
		case $f in *.so) copy_libraries "$py_stdlib/$f" ;; esac
	done
	for script in "$repo"/descriptors/bridge/*.py; do
		env -i PYTHONHOME="$stage/usr" "$stage/usr/bin/$(basename "$py_real")" -B -s \
			"$script" --help >/dev/null ||
			die "$(basename "$script") does not start with the copied standard library"
	done
fi

mkdir -p "$stage/configs" "$stage/descriptors" "$stage/guest"
cp -a "$repo/configs/." "$stage/configs/"
cp -a "$repo/descriptors/." "$stage/descriptors/"
# Board profiles: ffsgadget up finds them beside configs/ (/configs/../boards).
if [ -d "$repo/boards" ]; then cp -a "$repo/boards" "$stage/boards"; fi
cp -a "$repo/tests/vm/guest/." "$stage/guest/"
cp "$repo/tests/vm/guest/init" "$stage/init"
chmod 0755 "$stage/init"
echo "root:x:0:0:root:/root:/bin/sh" >"$stage/etc/passwd"
# The unprivileged user the daemon runs as (guest/ffs.sh: FFS_USER).
echo "ffs:x:1000:1000:ffsgadget:/tmp:/bin/sh" >>"$stage/etc/passwd"
printf 'root:x:0:\nffs:x:1000:\n' >"$stage/etc/group"
# Which build the binaries came from (build-san: sanitizer reports are checked).
basename "$bindir" >"$stage/etc/ffsgadget-build"

(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet -R 0:0) >"$out.tmp"
mv "$out.tmp" "$out"
