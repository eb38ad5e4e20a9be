#!/bin/sh
# Makes this machine run ARCH's programs through qemu-user-static, which the
# image's root needs while mmdebstrap configures its packages (maintainer
# scripts, update-initramfs). Registering a binfmt handler is machine-wide
# and needs root: in CI, a privileged step does it once (as
# docker/setup-qemu-action does); the image build itself then runs as any
# user. Does nothing when the handler is there.
#
# usage: boards/image/binfmt.sh ARCH   (arm64 armhf armel)
set -eu
arch=${1:?usage: binfmt.sh ARCH}
case $arch in
arm64) name=aarch64 ;;
armhf|armel) name=arm ;;
*) echo "binfmt: no handler known for $arch" >&2; exit 2 ;;
esac
misc=/proc/sys/fs/binfmt_misc
# In a fresh chroot or container binfmt_misc may not be mounted, while the
# kernel (machine-wide) has the handler already: look after mounting it.
if [ ! -e "$misc/register" ] && [ "$(id -u)" -eq 0 ]; then
	mount -t binfmt_misc binfmt_misc "$misc" 2>/dev/null || true
fi
[ -e "$misc/qemu-$name" ] && exit 0
conf=/usr/lib/binfmt.d/qemu-$name.conf
if [ ! -r "$conf" ]; then
	echo "binfmt: no $conf (tests/cross/deps.sh --image installs qemu-user-static)" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "binfmt: $arch programs need qemu-$name's binfmt handler, which only root registers:" >&2
	echo "binfmt:   sudo sh $0 $arch" >&2
	exit 1
fi
[ -e "$misc/register" ] || { echo "binfmt: cannot mount binfmt_misc on $misc" >&2; exit 1; }
# The .conf line is the kernel's own register format: written there as it
# is, with no systemd-binfmt (a container or chroot may have no systemd).
grep -v '^[#;]' "$conf" | grep . | while IFS= read -r rule; do
	printf '%s\n' "$rule" >"$misc/register"
done
[ -e "$misc/qemu-$name" ] || { echo "binfmt: registering $conf failed" >&2; exit 1; }
echo "binfmt: qemu-$name registered ($(sed -n 's/^flags: //p' "$misc/qemu-$name"))" >&2
