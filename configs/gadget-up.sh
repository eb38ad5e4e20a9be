#!/bin/sh
# Composes a USB gadget through configfs and binds it to a UDC.
#
# usage: gadget-up.sh [options] FUNCTION...     create, mount, wait, bind
#        gadget-up.sh -b [options]              bind an existing gadget only
#
#   FUNCTION     TYPE.INSTANCE, e.g. SourceSink.0, Loopback.0, ffs.zero.
#                ffs.NAME also mounts FunctionFS NAME at MOUNTDIR/ffs-NAME.
#   -g NAME      gadget directory name (default: ffsgadget)
#   -V VID       idVendor  (default: 0x0525, the Linux Foundation / NetChip)
#   -P PID       idProduct (default: 0xa4a0, Gadget Zero: usbtest knows it)
#   -M STRING    manufacturer; -p STRING product; -S STRING serial number
#   -a FUNCTION/ATTR=VALUE
#                set a function attribute before the function is linked
#                (configfs refuses most changes once linked); repeatable.
#   -o CODE      enable Microsoft OS descriptors for configuration c.1 with
#                bMS_VendorCode CODE (e.g. 0xcd: pick one the functions do not
#                use as a vendor request); needed for FunctionFS ms_os data
#   -m MOUNTDIR  where FunctionFS instances are mounted (default: /dev)
#   -u UDC       controller to bind (default: the first in /sys/class/udc)
#   -r FILE      wait for FILE before binding (a daemon's readiness file:
#                FunctionFS refuses to bind until descriptors are written);
#                repeatable.
#   -t SECONDS   how long to wait for readiness files (default: 10)
#   -n           do not bind: create and mount only, bind later with -b
#   -b           bind only
#
# Typical FunctionFS sequence: gadget-up.sh -n ffs.zero; start the daemon on
# /dev/ffs-zero; gadget-up.sh -b -r /run/ffsgadget.ready.
# POSIX sh: runs under busybox ash on boards and in the test VM.
set -eu

cfs=/sys/kernel/config/usb_gadget
name=ffsgadget vid=0x0525 pid=0xa4a0
manufacturer="ffsgadget" product="ffsgadget Gadget Zero" serial="0123456789"
attrs="" os_code="" mountdir=/dev udc="" ready="" timeout=10 bind=1 bind_only=0

die() { echo "gadget-up: $*" >&2; exit 1; }

# Newline-separated lists keep values with spaces intact.
nl='
'
while getopts "g:V:P:M:p:S:a:o:m:u:r:t:nb" opt; do
	case $opt in
	g) name=$OPTARG ;;
	V) vid=$OPTARG ;;
	P) pid=$OPTARG ;;
	M) manufacturer=$OPTARG ;;
	p) product=$OPTARG ;;
	S) serial=$OPTARG ;;
	a) attrs="$attrs$OPTARG$nl" ;;
	o) os_code=$OPTARG ;;
	m) mountdir=$OPTARG ;;
	u) udc=$OPTARG ;;
	r) ready="$ready$OPTARG$nl" ;;
	t) timeout=$OPTARG ;;
	n) bind=0 ;;
	b) bind_only=1 ;;
	*) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
g=$cfs/$name

create() {
	[ $# -gt 0 ] || die "no function given"
	if [ ! -d "$cfs" ]; then
		modprobe libcomposite 2>/dev/null || true
		grep -q " /sys/kernel/config " /proc/mounts ||
			mount -t configfs none /sys/kernel/config
	fi
	[ -d "$cfs" ] || die "$cfs missing: is libcomposite available?"
	[ ! -e "$g" ] || die "gadget $name exists: run gadget-down.sh -g $name"

	mkdir "$g"
	echo "$vid" >"$g/idVendor"
	echo "$pid" >"$g/idProduct"
	echo 0x0200 >"$g/bcdUSB"
	echo 0x0100 >"$g/bcdDevice"
	mkdir "$g/strings/0x409"
	echo "$manufacturer" >"$g/strings/0x409/manufacturer"
	echo "$product" >"$g/strings/0x409/product"
	echo "$serial" >"$g/strings/0x409/serialnumber"

	mkdir "$g/configs/c.1"
	mkdir "$g/configs/c.1/strings/0x409"
	echo "$*" >"$g/configs/c.1/strings/0x409/configuration"
	echo 120 >"$g/configs/c.1/MaxPower"
	if [ -n "$os_code" ]; then
		# Windows asks for OS descriptors only when the device has the
		# 0xEE string; composite answers them for the linked config.
		echo 1 >"$g/os_desc/use"
		echo "$os_code" >"$g/os_desc/b_vendor_code"
		echo MSFT100 >"$g/os_desc/qw_sign"
		ln -s "$g/configs/c.1" "$g/os_desc/"
	fi

	for f in "$@"; do
		# mkdir loads the function's module through request_module().
		mkdir "$g/functions/$f" || die "cannot create function $f"
	done
	set_attrs
	for f in "$@"; do
		case $f in
		ffs.*)
			dir=$mountdir/ffs-${f#ffs.}
			mkdir -p "$dir"
			mount -t functionfs "${f#ffs.}" "$dir"
			;;
		esac
		ln -s "$g/functions/$f" "$g/configs/c.1/"
	done
}

set_attrs() {
	printf '%s' "$attrs" | while IFS= read -r a; do
		[ -n "$a" ] || continue
		path=${a%%=*}
		[ -e "$g/functions/$path" ] || die "no attribute functions/$path"
		echo "${a#*=}" >"$g/functions/$path" || die "cannot set $a"
	done
}

wait_ready() {
	printf '%s' "$ready" | while IFS= read -r f; do
		[ -n "$f" ] || continue
		# Tenths of a second, so short timeouts stay precise.
		n=$((timeout * 10))
		while [ ! -e "$f" ]; do
			[ "$n" -gt 0 ] || die "timed out waiting for $f"
			n=$((n - 1))
			sleep 0.1
		done
	done
}

bind() {
	[ -d "$g" ] || die "no gadget $name"
	if [ -z "$udc" ]; then
		udc=$(ls /sys/class/udc 2>/dev/null | head -n 1)
		[ -n "$udc" ] || die "no UDC in /sys/class/udc"
	fi
	wait_ready
	echo "$udc" >"$g/UDC" || die "cannot bind $name to $udc"
}

if [ "$bind_only" = 1 ]; then
	bind
	exit 0
fi
create "$@"
[ "$bind" = 0 ] || bind
