#!/bin/sh
# Installs, from Debian's packages, the build machine's own tools for the
# cross builds: the cross compiler and qemu-user. The target's libraries are
# not installed on the host at all: each architecture builds against a sysroot
# of its own (tests/cross/sysroot.sh), so no foreign architecture is added to
# dpkg, and an archive whose indexes disagree between architectures (a
# security update for some of them only) cannot hold an install back.
#
# usage: tests/cross/deps.sh [--deb] [--vm] ARCH...   (arm64 armhf armel)
#   --deb  also what dpkg-buildpackage and lintian need, and pkgconf (cross.mk
#          runs the build machine's own pkg-config on the sysroot's .pc files)
#   --vm   also what the arm64 VM test needs (qemu-system-aarch64, and
#          gcc-12 for arm64, the compiler Debian built that kernel with, and
#          patch, for the iso dummy_hcd: tests/vm/dummy-hcd-iso.sh)
#   --image  also what the board images need (boards/image/): the partition
#          tools (genimage, mtools, dosfstools, e2fsprogs, fdisk), bmap-tools, and
#          qemu-user-static and arch-test: binfmt handlers run the target's
#          maintainer scripts inside mmdebstrap, and qemu-system-arm for
#          their boot tests, openssh-client for the test's SSH key (ssh-keygen)
# Idempotent: does nothing when everything is present.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/arch.sh"

packages="qemu-user mmdebstrap debian-archive-keyring"
for a in "$@"; do
	case $a in
	--deb) packages="$packages dpkg-dev debhelper fakeroot lintian libcmocka-dev pkgconf" ;;
	--vm) packages="$packages qemu-system-arm gcc-12-aarch64-linux-gnu patch" ;;
	--image) packages="$packages arch-test fdisk genimage mtools dosfstools e2fsprogs bmap-tools xz-utils qemu-user-static qemu-system-arm openssh-client" ;;
	*) packages="$packages gcc-$(fg_triplet "$a")" ;;
	esac
done
exec sh "$here/../install.sh" cross-deps $packages
