#!/bin/sh
# make image-test BOARD=NAME: boots the built image file under QEMU (TCG),
# its own kernel and initramfs (read out of its root partition with
# debugfs, no mount) and its root file system, systemd as PID 1, with
# dummy_hcd standing in for the board's UDC (modules-load=). On a copy of
# the image, made 1 GiB larger (the first boot must grow the root), the
# test puts on the boot partition (mtools) an SSH key, a bad hostname file,
# testusb (tests/vm/fetch.sh, from the kernel's own linux-source) and
# guest-test.sh, which systemd runs (systemd.run=) on each boot: see there
# for the checks. Prints "image-test: N passed, N failed".
#
# usage: boards/image/boot-test.sh BOARD   (the arm64 Pi images under
#        qemu-system-aarch64 -M virt, the armhf BeagleBone image under
#        qemu-system-arm -M virt; not the armel Pi Zero image: said so)
# Run it under the shared lock: flock /tmp/ffs-vm.lock ...
set -u
# sfdisk, debugfs: /usr/sbin, which an ordinary user's PATH may lack.
PATH=$PATH:/usr/sbin:/sbin
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
board=${1:?usage: boot-test.sh BOARD}
img_xz=$repo/build/images/ffsgadget-$board.img.xz
timeout_s=${FFS_IMAGE_TEST_TIMEOUT:-1500}

die() { echo "image-test: FAIL $board: $*"; echo "image-test: 0 passed, 1 failed"; exit 1; }
[ -f "$img_xz" ] || die "no $img_xz (make image BOARD=$board)"
# The image's own kernel on QEMU's virt machine: Debian's arm64 and armmp
# kernels both run there (virtio block and network; the armmp kernel, no
# LPAE, cannot reach the PCIe window QEMU puts above 4 GiB, so highmem=off,
# else "pci-host-generic: probe failed with error -75" and no disk). The Pi Zero's armel
# linux-image-rpi kernel is built for the BCM2835 only: not on virt.
case $board in
raspberrypi-zero-2w|raspberrypi-4)
	arch=arm64 qemu="qemu-system-aarch64 -M virt -cpu cortex-a57" ;;
beaglebone-black)
	arch=armhf qemu="qemu-system-arm -M virt,highmem=off -cpu cortex-a15" ;;
*) die "no QEMU boot test for $board: its armel kernel (linux-image-rpi) runs on a BCM2835 only, not on QEMU's virt machine" ;;
esac

sh "$repo/tests/cross/deps.sh" --image "$arch" >&2 || die "tests/cross/deps.sh --image $arch failed"
work=$repo/build/images/test-$board
rm -rf "$work"
mkdir -p "$work"
t0=$(date +%s)
img=$work/test.img
xz -dc "$img_xz" >"$img" || die "cannot decompress $img_xz"

# The partitions: start sectors from the MBR.
part_start() { sfdisk -d "$img" | sed -n "s|^$img$1 *: *start= *\([0-9]*\),.*|\1|p"; }
part_size() { sfdisk -d "$img" | sed -n "s|^$img$1 *:.*size= *\([0-9]*\),.*|\1|p"; }
boot_off=$(($(part_start 1) * 512))
root_start=$(part_start 2)
root_sectors=$(part_size 2)
[ "$boot_off" -gt 0 ] && [ -n "$root_start" ] || die "no boot and root partitions in the image"
echo "$((root_sectors / 2048))" >"$work/imgtest-rootmb"

# Its own kernel and initramfs, out of the root partition.
dd if="$img" of="$work/root.ext4" bs=512 skip="$root_start" count="$root_sectors" status=none
kver=$(debugfs -R 'ls -p /boot' "$work/root.ext4" 2>/dev/null | tr '/' '\n' | sed -n 's/^vmlinuz-//p' | sort -V | tail -n 1)
[ -n "$kver" ] || die "no /boot/vmlinuz-* in the root partition"
debugfs -R "dump /boot/vmlinuz-$kver $work/vmlinuz" "$work/root.ext4" 2>/dev/null
debugfs -R "dump /boot/initrd.img-$kver $work/initrd.img" "$work/root.ext4" 2>/dev/null
rm -f "$work/root.ext4"
[ -s "$work/vmlinuz" ] && [ -s "$work/initrd.img" ] || die "cannot read the kernel $kver out of the image"

# testusb for the guest: tests/vm/fetch.sh builds it from that kernel's
# linux-source (static, so it needs nothing from the image).
vmdir=$(FFS_ARCH=$arch FFS_KVER=$kver FFS_SUITE=trixie FFS_VM_CACHE=${FFS_VM_CACHE:-$repo/tests/vm/cache} \
	bash "$repo/tests/vm/fetch.sh") || die "tests/vm/fetch.sh could not build testusb"

# The first-boot files and the test, on the boot partition.
ssh-keygen -q -t ed25519 -N '' -C imgtest -f "$work/key" || die "ssh-keygen failed"
printf 'not a host name\n' >"$work/hostname"
put() { mcopy -o -i "$img@@$boot_off" "$1" "::$2" || die "mcopy $2 failed"; }
put "$work/key.pub" authorized_keys
put "$work/key.pub" imgtest-key.pub
put "$work/hostname" hostname
put "$vmdir/testusb" testusb
put "$here/guest-test.sh" imgtest.sh
put "$work/imgtest-rootmb" imgtest-rootmb
# A card larger than the image: the first boot grows the root into it.
truncate -s +1G "$img"

append="root=LABEL=ffsroot rootwait console=ttyAMA0 modules-load=dummy_hcd"
append="$append systemd.run=\"/bin/sh /boot/firmware/imgtest.sh\""
append="$append systemd.run_success_action=none systemd.run_failure_action=none"
echo "image-test: $board: booting $(basename "$img_xz") (kernel $kver) under $qemu, TCG"
t1=$(date +%s)
# shellcheck disable=SC2086
timeout "$timeout_s" $qemu -smp 2 -m 1024 -nographic \
	-kernel "$work/vmlinuz" -initrd "$work/initrd.img" -append "$append" \
	-drive "file=$img,if=virtio,format=raw" -netdev user,id=n0 -device virtio-net-device,netdev=n0 \
	</dev/null >"$work/console.log" 2>&1
rc=$?
t2=$(date +%s)
cp "$work/console.log" "$repo/build/images/test-$board.log"
# The guest's lines, wherever on a console line they start (a getty's
# login prompt may come first).
grep -ao 'imgtest: .*' "$work/console.log" | tr -d '\r' >"$work/results"
grep -v '^imgtest: \(PASS\|FAIL\)' "$work/results"
grep '^imgtest: \(PASS\|FAIL\)' "$work/results"
passed=$(grep -c '^imgtest: PASS' "$work/results")
failed=$(grep -c '^imgtest: FAIL' "$work/results")
# Every check of checks.list reported: one the guest never got to is a
# failure, not a smaller pass count.
while IFS= read -r name; do
	case $name in '#'* | '') continue ;; esac
	if ! grep -qxF -e "imgtest: PASS $name" "$work/results" &&
		! grep -qF -e "imgtest: FAIL $name: " "$work/results"; then
		echo "image-test: FAIL $name: not reported by the guest"
		failed=$((failed + 1))
	fi
done <"$here/checks.list"
if ! grep -q '^imgtest: done' "$work/results"; then
	echo "image-test: FAIL the guest did not finish (qemu status $rc after $((t2 - t1)) s); console: build/images/test-$board.log"
	failed=$((failed + 1))
fi
echo "image-test: $board: boot and checks $((t2 - t1)) s (two boots), $((t2 - t0)) s in all; console: build/images/test-$board.log"
rm -rf "$work"
echo "image-test: $passed passed, $failed failed"
[ "$failed" = 0 ]
