#!/bin/sh
# make image BOARD=NAME: a Debian 13 SD-card image for one board profile.
#
#   build/images/ffsgadget-BOARD.img.xz     the image, xz-compressed
#   build/images/ffsgadget-BOARD.img.bmap   its block map (bmaptool copy)
#
# 1. The board's ffsgadget package, built against Debian 13's libraries
#    (tests/cross/deb.sh --suite trixie ARCH).
# 2. The root from Debian's packages alone: mmdebstrap (tests/debian/root.sh,
#    variant minbase: systemd, udev, the kernel, the firmware or boot loader,
#    openssh-server and what the ffsgadget package depends on; nothing
#    interactive), cached in $FFS_CACHE/roots and keyed by the versions of
#    its packages and the hooks. A new ffsgadget package does not rebuild it.
# 3. A copy of it is made the image's: the ffsgadget package installed by
#    the image's own dpkg (chroot, qemu-user), no password (root's is locked), no
#    SSH host keys or machine-id (made at first boot), the first-boot unit
#    (firstboot/), ffsgadget@gadget-zero enabled, and the profile's boot
#    configuration applied by "ffsgadget board install" itself, the image's
#    own binary run through qemu-user.
# 4. genimage lays out the partitions from that tree (mkdosfs and mtools for
#    the boot partition, mke2fs -d for the root): no loop device, no mount.
#    bmaptool makes the block map, xz compresses.
#
# usage: boards/image/build.sh BOARD   (raspberrypi-zero-2w, raspberrypi-4,
#                                       raspberrypi-zero, beaglebone-black)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
board=${1:?usage: build.sh BOARD}
suite=trixie
out=$repo/build/images
t0=$(date +%s)

log() { echo "image: $*" >&2; }
die() { echo "image: FAIL $board: $*" >&2; exit 1; }

[ -f "$repo/boards/$board.conf" ] || die "no board profile boards/$board.conf"
# What each board needs from Debian: its architecture, its kernel, what
# starts that kernel, and the partition layout that goes with it.
case $board in
raspberrypi-zero-2w|raspberrypi-4)
	arch=arm64 boot_pkgs="linux-image-arm64 raspi-firmware" layout=raspi ;;
raspberrypi-zero)
	arch=armel boot_pkgs="linux-image-rpi raspi-firmware" layout=raspi ;;
beaglebone-black)
	arch=armhf boot_pkgs="linux-image-armmp u-boot-omap" layout=uboot ;;
*) die "no image recipe for $board (boards/image/build.sh knows the Pi and BeagleBone profiles)" ;;
esac
base_pkgs="systemd-sysv udev kmod e2fsprogs fdisk dosfstools openssh-server initramfs-tools zstd"

# A build that fails leaves no image of an earlier one behind, which a boot
# test would take for this one.
rm -f "$out/ffsgadget-$board.img.xz" "$out/ffsgadget-$board.img.bmap"

sh "$repo/tests/cross/deps.sh" --image "$arch" >&2
sh "$here/binfmt.sh" "$arch"

# 1. The package.
log "$board: the ffsgadget package for $suite/$arch"
bash "$repo/tests/cross/deb.sh" --suite "$suite" "$arch" >&2 || die "the $suite/$arch package did not build"
deb=$(ls "$repo/build-deb/$suite/"ffsgadget_*_"$arch".deb)

# 2. The root from Debian's packages alone: the board's packages and the
# ffsgadget package's dependencies (names from its Depends), no ffsgadget.
# Cached in $FFS_CACHE/roots, keyed by the versions of its packages and the
# hooks: mmdebstrap and the maintainer scripts under qemu-user (minutes)
# run again only when one of Debian's packages changes, not when ours does.
deb_deps() {
	{ dpkg-deb -f "$1" Pre-Depends; dpkg-deb -f "$1" Depends; } | tr ',' '\n' |
		sed 's/|.*//; s/(.*)//; s/:any//; s/[[:space:]]//g' | grep . | sort -u
}
ffs_deps=$(deb_deps "$deb" | tr '\n' ' ')
[ -n "$ffs_deps" ] || die "no Depends in $(basename "$deb")"
# The setup hooks this board's root is made with, named and digested in its key.
hook_files="$here/hooks/setup.sh"
[ "$layout" != uboot ] || hook_files="$hook_files $here/hooks/virt-modules.sh"
hook_args=""
for h in $hook_files; do hook_args="$hook_args --mmdebstrap --setup-hook=$h"; done
# shellcheck disable=SC2086
hooks=$(cat $hook_files | sha256sum | cut -c1-16)
t1=$(date +%s)
# shellcheck disable=SC2086
root=$(sh "$repo/tests/debian/root.sh" --suite "$suite" --arch "$arch" --variant minbase \
	--component non-free-firmware $hook_args \
	--key "hooks=$hooks" "image-$layout-debian" $base_pkgs $boot_pkgs $ffs_deps) ||
	die "mmdebstrap did not make the $suite/$arch root"
log "$board: the root from Debian's packages in $(($(date +%s) - t1)) s"

# 3. The image's tree.
work=$out/$board
stage=$work/root
rm -rf "$work"
mkdir -p "$work"
log "$board: copying the root ($(du -sh "$root" | cut -f1))"
cp -a "$root" "$stage"
rm -f "$stage/.ffsgadget-manifest"
# The project's package on top, by the image's own dpkg (qemu-user through
# the binfmt handler): dpkg's database knows it, its dependencies are
# checked against what the root holds, and any maintainer script it gains
# runs as on the board.
t1=$(date +%s)
cp "$deb" "$stage/ffsgadget.deb"
chroot "$stage" dpkg -i /ffsgadget.deb >"$work/dpkg.log" 2>&1 || {
	cat "$work/dpkg.log" >&2
	die "dpkg -i $(basename "$deb") failed in the image's root"
}
rm -f "$stage/ffsgadget.deb"
log "$board: $(basename "$deb") installed in $(($(date +%s) - t1)) s"
t1=$(date +%s)
sh "$here/configure.sh" "$board" "$arch" "$layout" "$stage" || die "configuring the tree failed"
log "$board: the tree configured in $(($(date +%s) - t1)) s"

# 4. The partitions and the image.
t1=$(date +%s)
sh "$here/layout.sh" "$board" "$layout" "$stage" "$work" || die "laying out the partitions failed"
log "$board: partitions laid out in $(($(date +%s) - t1)) s"
img=$out/ffsgadget-$board.img
mv -f "$work/images/ffsgadget-$board.img" "$img"
bmaptool create -o "$img.bmap" "$img"
# Written beside and renamed: a boot test never finds half an image. xz -0:
# on this 1.2 GB image, 30 s for 265 MB against -3's 100 s for 245 MB.
t1=$(date +%s)
xz -T2 -0 -c "$img" >"$img.xz.new"
log "$board: bmap and xz in $(($(date +%s) - t1)) s"
mv -f "$img.xz.new" "$img.xz"
rm -f "$img"
rm -rf "$work"
log "$board: $(du -h "$img.xz" | cut -f1) in $(($(date +%s) - t0)) s"
echo "image: build/images/ffsgadget-$board.img.xz and .img.bmap"
echo "image: flash it: bmaptool copy build/images/ffsgadget-$board.img.xz /dev/sdX"
echo "image:       or: xzcat build/images/ffsgadget-$board.img.xz | sudo dd of=/dev/sdX bs=4M conv=fsync status=progress"
echo "image: first-boot files (SSH key, password hash, hostname, gadget scheme): boards/README.md"
