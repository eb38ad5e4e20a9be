#!/bin/sh
# Installs, from Debian's packages, whatever the build and the tests need and
# this machine lacks.  Idempotent: does nothing when all is present.
set -eu

packages="build-essential clang pkg-config libaio-dev libconfig-dev libusbgx-dev
libusb-1.0-0-dev libcmocka-dev libsystemd-dev qemu-system-x86 busybox-static cpio kmod xz-utils
zstd ca-certificates valgrind systemd"

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
sh "$(dirname "$0")/apt-update.sh"
# shellcheck disable=SC2086
$sudo apt-get install -y -q --no-install-recommends $missing >/dev/null
