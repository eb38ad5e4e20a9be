# Cross builds for the boards, included by the Makefile before anything reads
# CC, AR, PKG_CONFIG or BUILD.
#
#   make ARCH=arm64 [target]   Pi Zero 2 W, Pi 3/4 64-bit      -> build-arm64/
#   make ARCH=armhf [target]   BeagleBone Black, Pi 2/3 32-bit -> build-armhf/
#   make ARCH=armel [target]   Pi Zero, Pi 1 (ARMv6)           -> build-armel/
#   make CROSS=aarch64-linux-gnu- [target]   any cross prefix, no installs
#
# With ARCH, tests/cross/deps.sh first installs Debian's cross toolchain and
# the target's -dev packages (multiarch) when missing: before pkg-config is
# asked for flags. Cross builds leave out the unit tests (no cmocka for the
# target); tests/cross/smoke.sh runs the cross builds under qemu-user.

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
endif
endif

ifneq ($(CROSS),)
BUILD ?= build-$(patsubst %-,%,$(CROSS))
ifeq ($(origin CC),default)
CC = $(CROSS)gcc
endif
ifeq ($(origin AR),default)
AR = $(CROSS)ar
endif
ifneq ($(origin PKG_CONFIG),command line)
PKG_CONFIG = $(CROSS)pkg-config
endif
endif
