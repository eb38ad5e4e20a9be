#!/bin/sh
# Applies a board profile's boot configuration to a mounted SD card:
#
#   boards/install.sh BOARD BOOT_DIR [ROOT_DIR]
#
# e.g. boards/install.sh raspberrypi-zero /media/$USER/bootfs
#      boards/install.sh beaglebone-black "" /media/$USER/rootfs
# Idempotent: a second run changes nothing. The work is done by
# "ffsgadget board install" (build/ffsgadget from a checkout, or the one on
# PATH), which reads boards/BOARD.conf.
set -eu

[ $# -ge 2 ] || { sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
tool=$here/../build/ffsgadget
[ -x "$tool" ] || tool=$(command -v ffsgadget) ||
	{ echo "install.sh: no ffsgadget: run make, or install it" >&2; exit 1; }

board=$1 boot=$2 root=${3:-}
set -- board install "$board" --boards-dir "$here"
[ -z "$boot" ] || set -- "$@" --boot "$boot"
[ -z "$root" ] || set -- "$@" --root "$root"
exec "$tool" "$@"
