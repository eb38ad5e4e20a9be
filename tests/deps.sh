#!/bin/sh
# Installs, from Debian's packages, whatever the build and the tests need and
# this machine lacks.  Idempotent: does nothing when all is present.
# libclang-rt-dev: clang's sanitizer and libFuzzer runtimes, which clang only
# recommends; llvm: llvm-symbolizer, without which LeakSanitizer cannot name
# the functions its suppressions (tests/fuzz/lsan.supp) match.  python3: the
# bridge personality's Python examples, which the unit tests run against it.
# dfu-util: the host side of the VM's DFU test (copied into the guest).
exec sh "$(dirname "$0")/install.sh" deps build-essential clang libclang-rt-dev llvm pkg-config \
	libaio-dev libconfig-dev libusbgx-dev libusb-1.0-0-dev libcmocka-dev libsystemd-dev \
	qemu-system-x86 busybox-static cpio kmod xz-utils zstd ca-certificates valgrind systemd \
	python3 dfu-util
