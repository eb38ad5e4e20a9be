#!/bin/sh
# Installs, from Debian's packages, whatever the build and the tests need and
# this machine lacks.  Idempotent: does nothing when all is present.
# libclang-rt-dev: clang's sanitizer and libFuzzer runtimes, which clang only
# recommends.
exec sh "$(dirname "$0")/install.sh" deps build-essential clang libclang-rt-dev pkg-config \
	libaio-dev libconfig-dev libusbgx-dev libusb-1.0-0-dev libcmocka-dev libsystemd-dev \
	qemu-system-x86 busybox-static cpio kmod xz-utils zstd ca-certificates valgrind systemd
