#!/bin/sh
# make test-images: every board's image built, the first-boot script's
# checks on the build machine, and the boot test of each image that can be
# booted here (arm64 and armhf, on QEMU's virt machine). What is
# not exercised is said, never counted as passed. Run under the shared VM
# lock: flock /tmp/ffs-vm.lock make test-images
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
boards=${FFS_IMAGE_BOARDS:-raspberrypi-zero-2w raspberrypi-4 beaglebone-black raspberrypi-zero}
passed=0 failed=0
count() { if [ "$1" = 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi; }

sh "$here/test-firstboot.sh" "$repo/build/ffsgadget"
count $?
for b in $boards; do
	t0=$(date +%s)
	sh "$here/build.sh" "$b"
	rc=$?
	count $rc
	echo "test-images: $b: image $([ $rc = 0 ] && echo built || echo FAILED) in $(($(date +%s) - t0)) s"
	[ "$rc" = 0 ] || continue
	case $b in
	raspberrypi-zero)
		echo "test-images: $b: NOT boot-tested: its armel kernel (linux-image-rpi) runs on a BCM2835 only, not on QEMU's virt machine" ;;
	*)
		sh "$here/boot-test.sh" "$b"
		count $? ;;
	esac
done
echo "test-images: $passed passed, $failed failed"
[ "$failed" = 0 ]
