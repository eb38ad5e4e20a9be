# Sourced by the cross-build scripts: what each Debian architecture the
# project ships for is called by the toolchain and by QEMU.
#
#   arm64  Pi Zero 2 W, Pi 3/4 (64-bit)        aarch64-linux-gnu
#   armhf  BeagleBone Black, Pi 2/3 (32-bit)   arm-linux-gnueabihf (ARMv7)
#   armel  Pi Zero, Pi 1                       arm-linux-gnueabi (runs on ARMv6)

FG_CROSS_ARCHES="arm64 armhf armel"

# fg_triplet ARCH: the GNU triplet, the prefix of the cross tools.
fg_triplet() {
	case $1 in
	arm64) echo aarch64-linux-gnu ;;
	armhf) echo arm-linux-gnueabihf ;;
	armel) echo arm-linux-gnueabi ;;
	*) echo "unknown architecture '$1' (arm64, armhf or armel)" >&2; return 1 ;;
	esac
}

# fg_qemu_user ARCH: the qemu-user command, with the oldest CPU of the boards
# that architecture is for, so that an instruction the board lacks traps.
fg_qemu_user() {
	case $1 in
	arm64) echo "qemu-aarch64 -cpu cortex-a53" ;;
	armhf) echo "qemu-arm -cpu cortex-a8" ;;
	armel) echo "qemu-arm -cpu arm1176" ;;
	*) echo "unknown architecture '$1' (arm64, armhf or armel)" >&2; return 1 ;;
	esac
}
