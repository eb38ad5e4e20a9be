# Cross builds for the boards, included by the Makefile before anything reads
# CC, AR, PKG_CONFIG or BUILD.
#
#   make ARCH=arm64 [target]   Pi Zero 2 W, Pi 3/4 64-bit      -> build-arm64/
#   make ARCH=armhf [target]   BeagleBone Black, Pi 2/3 32-bit -> build-armhf/
#   make ARCH=armel [target]   Pi Zero, Pi 1 (ARMv6)           -> build-armel/
#   make CROSS=aarch64-linux-gnu- [target]   any cross prefix, no installs
#
# With ARCH, tests/cross/deps.sh first installs Debian's cross toolchain (a
# native package), and tests/cross/sysroot.sh makes or reuses the target's
# sysroot: its C library and -dev packages, resolved for that architecture
# alone, so what the host has installed never matters. SYSROOT=DIR uses
# another (debian/rules passes the one it was given). Cross builds leave out
# the unit tests (no cmocka for the target); tests/cross/smoke.sh runs the
# cross builds under qemu-user.

CROSS_ARCHES = arm64 armhf armel
CROSS_TRIPLET_arm64 = aarch64-linux-gnu
CROSS_TRIPLET_armhf = arm-linux-gnueabihf
CROSS_TRIPLET_armel = arm-linux-gnueabi

# Only from the command line: an ARCH exported for kernel builds means
# something else.
ifeq ($(origin ARCH),command line)
ifeq ($(filter $(ARCH),$(CROSS_ARCHES)),)
$(error ARCH=$(ARCH): cross builds are for $(CROSS_ARCHES))
endif
CROSS ?= $(CROSS_TRIPLET_$(ARCH))-
BUILD ?= build-$(ARCH)
ifeq ($(filter clean,$(MAKECMDGOALS)),)
CROSS_DEPS := $(shell sh tests/cross/deps.sh $(ARCH) >&2 && echo ok)
ifneq ($(CROSS_DEPS),ok)
$(error tests/cross/deps.sh $(ARCH) failed)
endif
ifeq ($(SYSROOT),)
SYSROOT := $(shell sh tests/cross/sysroot.sh $(ARCH))
ifeq ($(SYSROOT),)
$(error tests/cross/sysroot.sh $(ARCH) failed)
endif
endif
endif
endif

# A sysroot: the compiler and the linker look only there for the target's
# headers and libraries, and pkg-config (the build machine's own) reads the
# target's .pc files and prefixes their paths with it.
ifneq ($(SYSROOT),)
# debhelper names a PKG_CONFIG of the target's on the command line, which
# would need that architecture's pkgconf installed on the host.
SYSROOT_FLAGS = --sysroot=$(SYSROOT)
override PKG_CONFIG = PKG_CONFIG_SYSROOT_DIR=$(SYSROOT) \
	PKG_CONFIG_LIBDIR=$(SYSROOT)/usr/lib/$(patsubst %-,%,$(CROSS))/pkgconfig:$(SYSROOT)/usr/share/pkgconfig \
	pkg-config
endif

ifneq ($(CROSS),)
BUILD ?= build-$(patsubst %-,%,$(CROSS))
ifeq ($(origin CC),default)
CC = $(CROSS)gcc
endif
ifeq ($(origin AR),default)
AR = $(CROSS)ar
endif
ifeq ($(SYSROOT),)
ifneq ($(origin PKG_CONFIG),command line)
PKG_CONFIG = $(CROSS)pkg-config
endif
endif
endif
