#!/bin/sh
# qemu-user smoke test of the cross builds: every shipped description (and the
# unit tests' good and malformed ones) through the ARCH build of ffsgadget,
# output and exit status compared with the native build's.
#
# usage: tests/cross/smoke.sh [ARCH...]    (default: arm64 armhf armel)
# Binaries from build/ (native) and build-ARCH/ (make ARCH=...), run with the
# target's libraries from the sysroot they were built against. QEMU runs the
# oldest CPU of the boards each architecture is for (arch.sh): the armel build
# on the Pi Zero's ARM1176, where an ARMv7 instruction traps.
# Prints one "smoke: N passed, N failed" line; exit status 1 on any failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/arch.sh"
cd "$repo" || exit 1

native=build/ffsgadget
arches=${*:-$FG_CROSS_ARCHES}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

# run OUT CMD...: stdout and stderr of CMD into OUT, then its exit status.
run() {
	out=$1
	shift
	"$@" >"$out" 2>&1
	echo "exit status $?" >>"$out"
}

# same NAME ARCH ARGS...: ffsgadget ARGS natively and under qemu-user.
same() {
	name=$1 arch=$2
	shift 2
	run "$tmp/native" "$native" "$@"
	# shellcheck disable=SC2046 # the qemu command and its options
	run "$tmp/cross" $(fg_qemu_user "$arch") -L "$sysroot" "build-$arch/ffsgadget" "$@"
	if cmp -s "$tmp/native" "$tmp/cross"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "smoke: FAIL $arch: $name differs from the native output:"
		diff -u "$tmp/native" "$tmp/cross" | sed -n '3,40p'
	fi
}

[ -x "$native" ] || { echo "smoke: no $native (make all)"; echo "smoke: 0 passed, 1 failed"; exit 1; }
for arch in $arches; do
	if [ ! -x "build-$arch/ffsgadget" ]; then
		echo "smoke: FAIL $arch: no build-$arch/ffsgadget (make ARCH=$arch)"
		failed=$((failed + 1))
		continue
	fi
	if ! sysroot=$(sh "$here/sysroot.sh" "$arch"); then
		echo "smoke: FAIL $arch: no sysroot (tests/cross/sysroot.sh $arch)"
		failed=$((failed + 1))
		continue
	fi
	n0=$((passed + failed))
	same personalities "$arch" personalities
	for f in descriptors/*.conf tests/unit/good/*.conf; do
		[ -f "$f" ] || continue
		same "describe $f" "$arch" describe "$f"
		same "describe --hex $f" "$arch" describe --hex "$f"
	done
	same "check tests/unit/bad/*.conf" "$arch" check tests/unit/bad/*.conf
	echo "smoke: $arch ($(fg_qemu_user "$arch")): $((passed + failed - n0)) comparisons"
done

# The test's premise: the CPU chosen for armel would catch ARMv7 code. The
# armhf build, which runs on its own CPU, must die of SIGILL (status 132) on
# the ARM1176: any other failure (a missing library, say) proves nothing.
case " $arches " in *" armhf "*)
	if [ -x build-armhf/ffsgadget ] && root=$(sh "$here/sysroot.sh" armhf); then
		# A shell of its own reports the SIGILL, on a stderr that is hidden.
		sh -c 'ulimit -c 0; qemu-arm -cpu arm1176 -L "$1" build-armhf/ffsgadget personalities
			exit $?' sh "$root" >/dev/null 2>&1
		status=$?
		if [ "$status" = 132 ]; then
			passed=$((passed + 1))
		else
			echo "smoke: FAIL the armhf build on an ARM1176 ended with status $status, not" \
				"SIGILL (132): the CPU check proves nothing"
			failed=$((failed + 1))
		fi
	fi ;;
esac

echo "smoke: $passed passed, $failed failed"
[ "$failed" = 0 ]
