#!/bin/sh
# make image BOARD=NAME: a Debian 13 SD-card image for one board profile.
#
#   build/images/ffsgadget-BOARD.img.xz     the image, xz-compressed
#   build/images/ffsgadget-BOARD.img.bmap   its block map (bmaptool copy)
#
# 1. The board's ffsgadget package, built against Debian 13's libraries
#    (tests/cross/deb.sh --suite trixie ARCH).
# 2. The root: mmdebstrap (tests/debian/root.sh, variant minbase: systemd,
#    udev, the kernel, the firmware or boot loader, openssh-server and that
#    package; nothing interactive), cached in $FFS_CACHE/roots and keyed by
#    the versions of its packages, the hooks and the ffsgadget package.
# 3. A copy of it is made the image's: no password (root's is locked), no
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

sh "$repo/tests/cross/deps.sh" --image "$arch" >&2
sh "$here/binfmt.sh" "$arch"

# 1. The package.
log "$board: the ffsgadget package for $suite/$arch"
bash "$repo/tests/cross/deb.sh" --suite "$suite" "$arch" >&2 || die "the $suite/$arch package did not build"
deb=$(ls "$repo/build-deb/$suite/"ffsgadget_*_"$arch".deb)

# 2. The root. The package comes from a flat repository of its own, named
# by its digest, so a changed package (same version) makes a new root.
cache=${FFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ffsgadget}
digest=$(sha256sum "$deb" | cut -c1-16)
localrepo=$cache/local/$suite-$arch-$digest
if [ ! -r "$localrepo/Packages" ]; then
	mkdir -p "$localrepo"
	cp "$deb" "$localrepo/"
	(cd "$localrepo" && dpkg-scanpackages --multiversion . >Packages.new 2>/dev/null && mv Packages.new Packages)
fi
hooks=$(cat "$here/hooks/"* | sha256sum | cut -c1-16)
# shellcheck disable=SC2086
root=$(sh "$repo/tests/debian/root.sh" --suite "$suite" --arch "$arch" --variant minbase \
	--component non-free-firmware --mmdebstrap "--setup-hook=$here/hooks/setup.sh" \
	--local "$localrepo" --key "hooks=$hooks" "image-$layout" $base_pkgs $boot_pkgs ffsgadget) ||
	die "mmdebstrap did not make the $suite/$arch root"

# 3. The image's tree.
work=$out/$board
stage=$work/root
rm -rf "$work"
mkdir -p "$work"
log "$board: copying the root ($(du -sh "$root" | cut -f1))"
cp -a "$root" "$stage"
rm -f "$stage/.ffsgadget-manifest"
sh "$here/configure.sh" "$board" "$arch" "$layout" "$stage" || die "configuring the tree failed"

# 4. The partitions and the image.
sh "$here/layout.sh" "$board" "$layout" "$stage" "$work" || die "laying out the partitions failed"
img=$out/ffsgadget-$board.img
mv -f "$work/images/ffsgadget-$board.img" "$img"
bmaptool create -o "$img.bmap" "$img"
# Written beside and renamed: a boot test never finds half an image.
xz -T2 -3 -c "$img" >"$img.xz.new"
mv -f "$img.xz.new" "$img.xz"
rm -f "$img"
rm -rf "$work"
log "$board: $(du -h "$img.xz" | cut -f1) in $(($(date +%s) - t0)) s"
echo "image: build/images/ffsgadget-$board.img.xz and .img.bmap"
echo "image: flash it: bmaptool copy build/images/ffsgadget-$board.img.xz /dev/sdX"
echo "image:       or: xzcat build/images/ffsgadget-$board.img.xz | sudo dd of=/dev/sdX bs=4M conv=fsync status=progress"
echo "image: first-boot files (SSH key, password hash, hostname, gadget scheme): boards/README.md"
