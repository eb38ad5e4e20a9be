#!/bin/sh
# Prints the path of ARCH's sysroot for the cross builds, made (or reused) by
# tests/debian/root.sh: the target's C library and the -dev packages that
# debian/control's Build-Depends name (those of the nocheck profile aside),
# with their dependency closure resolved for ARCH alone. The compiler gets
# --sysroot, pkg-config PKG_CONFIG_SYSROOT_DIR and PKG_CONFIG_LIBDIR (cross.mk),
# qemu-user -L (smoke.sh) and dpkg-shlibdeps -S (debian/rules) the same tree.
#
# usage: tests/cross/sysroot.sh ARCH [SUITE]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/arch.sh"
arch=${1:?usage: sysroot.sh ARCH [SUITE]}
fg_triplet "$arch" >/dev/null
suite=${2:-}

# One -dev package a line from Build-Depends, the nocheck ones left out.
devs=$(sed -n '/^Build-Depends:/,/^[^ ]/p' "$here/../../debian/control" |
	sed 's/^Build-Depends://' | tr ',' '\n' | grep -v '<!nocheck>' |
	sed -n 's/^ *\([a-z0-9.+-]*-dev\)\b.*/\1/p')
[ -n "$devs" ] || { echo "sysroot: no -dev package in debian/control's Build-Depends" >&2; exit 1; }
# shellcheck disable=SC2086
exec sh "$here/../debian/root.sh" --arch "$arch" ${suite:+--suite "$suite"} sysroot libc6-dev $devs
