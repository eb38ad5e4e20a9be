#!/bin/sh
# User-space instructions per iso packet, counted by callgrind on this
# machine (not in the VM: it has no valgrind, and TCG would not change the
# count): tests/bench/iso_hotpath.c drives isostream's IN stream as the
# engine does (fill_in stamping the packet, batched io_submit/io_getevents
# through libaio on /dev/null, completion accounting), and its OUT sink
# checking stamped packets.  Two runs of different lengths; the difference
# divided by the extra packets is the per-packet cost, set-up excluded.
# The kernel's share (FunctionFS, the UDC) is not counted.
#
# usage: iso-instructions.sh BUILD_DIR
set -eu
build=${1:-build}
cc=${CC:-cc}
command -v valgrind >/dev/null || { echo "iso: valgrind not installed: no instruction count"; exit 0; }
mkdir -p "$build/bench"
# shellcheck disable=SC2046
$cc -O2 -g -std=c11 -D_GNU_SOURCE -Igadget -o "$build/bench/iso_hotpath" \
	tests/bench/iso_hotpath.c "$build/libffsgadget.a" \
	$(pkg-config --libs libconfig) $(pkg-config --libs libsystemd 2>/dev/null || true) -laio

count() {   # DESCRIPTION PACKETS DIRECTION -> instructions
	valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect=host_sends --collect-atstart=yes \
		"$build/bench/iso_hotpath" "$1" "$2" "$3" 2>&1 >/dev/null |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
echo "iso: user-space instructions per packet (callgrind, $(uname -m), -O2):"
for d in isostream isostream-hb3; do
	for dir in in out; do
		a=$(count "descriptors/$d.conf" 10000 "$dir")
		b=$(count "descriptors/$d.conf" 30000 "$dir")
		if [ -z "$a" ] || [ -z "$b" ]; then   # e.g. debug info valgrind cannot read
			echo "iso: callgrind gave no count for $d $dir: run valgrind on $build/bench/iso_hotpath to see why"
			exit 1
		fi
		printf '  %-14s %-3s %6s instructions/packet\n' "$d" "$dir" \
			"$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.0f", (b - a) / 20000 }')"
	done
done
