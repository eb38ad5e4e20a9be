# ffsgadget — USB gadget firmware on FunctionFS.
#
#   make            build the daemon (build/ffsgadget) and the unit tests
#   make test       install what is missing, run unit tests and the VM tests;
#                   the last line sums every step: N passed, N failed, N skipped
#   make mutate     the unit tests against each mutation in tests/mutations.list
#   make demo       boot the VM, bring Gadget Zero up, stream with live figures
#   make bench      throughput ratios against the in-kernel SourceSink, the iso zero-loss
#                   curve over queue depths, ep0 answer latency, iso instructions per packet,
#                   the bridge against Gadget Zero, Gadget Zero on DMABUF against AIO;
#                   FFS_BENCH="bridge" (kernel ffs bridge dmabuf peers iso ep0-clock
#                   iso-curve) runs only those sections; the last two boot a guest of
#                   their own whose clock follows its instructions (tests/vm/README.md)
#   make SAN=1 ...  the same with ASan + UBSan (into build-san/)
#   make install    PREFIX=/usr/local DESTDIR=

CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
SYSTEMD_UNITDIR ?= /lib/systemd/system
PKG_CONFIG ?= pkg-config

# make ARCH=arm64|armhf|armel: cross builds into build-ARCH/
include cross.mk

ifeq ($(FUZZ),1)
# libFuzzer builds (make fuzz): clang, the library objects instrumented.
BUILD   ?= build-fuzz
CC       = clang
SANFLAGS = -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=all
else ifeq ($(SAN),1)
BUILD   ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD   ?= build
SANFLAGS =
endif

WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE $(SYSROOT_FLAGS) $(CPPFLAGS) $(WARN) $(SANFLAGS) -MMD -MP
LDFLAGS += $(SYSROOT_FLAGS) $(SANFLAGS)

LIB_PKGS  = libconfig libusbgx libsystemd
LIB_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(LIB_PKGS) 2>/dev/null)
LIB_LIBS   := $(shell $(PKG_CONFIG) --libs $(LIB_PKGS) 2>/dev/null) -laio

# gadget/ has one folder per subsystem (description/, ffs/, personalities/, configfs/,
# common/, wire/); includes name headers from gadget/: "ffs/engine.h".
GADGET_SRCS = $(sort $(wildcard gadget/*.c gadget/*/*.c gadget/*/*/*.c))
LIB_SRCS  = $(filter-out gadget/main.c,$(GADGET_SRCS))
LIB_OBJS  = $(LIB_SRCS:%.c=$(BUILD)/%.o)
DAEMON    = $(BUILD)/ffsgadget

# Unit tests: tests/unit/gadget/ for the daemon, tests/unit/host/ for the host companion
# (test_host_*.c), each built into the same folder under $(BUILD)/tests/; tmp_tree.h,
# which both use, and the good/ and bad/ descriptions stay in tests/unit/.
UNIT_SRCS = $(wildcard tests/unit/gadget/test_*.c tests/unit/host/test_host_*.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

HOST_PKGS    = libusb-1.0
HOST_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(HOST_PKGS) 2>/dev/null)
HOST_LIBS   := $(shell $(PKG_CONFIG) --libs $(HOST_PKGS) 2>/dev/null) -lm
HOST_LIB_SRCS = $(filter-out host/main.c,$(wildcard host/*.c))
# isostream's wire format is one definition in gadget/wire/, which both sides link.
HOST_LIB_OBJS = $(HOST_LIB_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/gadget/wire/isostream_wire.o
HOST_TOOL     = $(if $(wildcard host/main.c),$(BUILD)/ffsgadget-host)
# The VM guest's HID probe: hidraw, evdev and the HID control socket.
HIDTOOL       = $(BUILD)/hidtool
# The VM's hostile host (usbfs only, no libraries).
HOSTILE       = $(BUILD)/fg-hostile
# The VM's usbmon witness of iso streams (the binary interface).
USBMON_ISO    = $(BUILD)/fg-usbmon-iso
# The VM's board-side program for the bridge personality (its wire format, in C).
BRIDGEPEER    = $(BUILD)/bridgepeer
# The VM's io_submit refusal shim (LD_PRELOAD).
FAILSUBMIT    = $(BUILD)/fg-failsubmit.so

# libFuzzer targets; tests/fuzz/fuzz_host_*.c fuzz the host companion.
FUZZ_SRCS = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS = $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 30

.PHONY: all deps test unit vm-test vm-test-2 soak demo bench clean install \
        programs cross test-cross test-arm64 deb test-deb fuzz fuzz-bins mutate \
        image image-test test-images
all: $(DAEMON) $(HOST_TOOL) $(HIDTOOL) $(HOSTILE) $(USBMON_ISO) $(BRIDGEPEER) $(FAILSUBMIT) \
     $(if $(CROSS),,$(UNIT_BINS))
programs: $(DAEMON) $(HOST_TOOL) $(HIDTOOL) $(HOSTILE) $(USBMON_ISO) $(BRIDGEPEER)

deps:
	@sh tests/deps.sh

$(BUILD)/gadget/%.o: gadget/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LIB_CFLAGS) -Igadget -c -o $@ $<

$(BUILD)/host/%.o: host/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HOST_CFLAGS) -Ihost -Igadget/wire -c -o $@ $<

$(BUILD)/libffsgadget-host.a: $(HOST_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(BUILD)/ffsgadget-host: $(BUILD)/host/main.o $(BUILD)/libffsgadget-host.a
	$(CC) $(LDFLAGS) -o $@ $^ $(HOST_LIBS)

$(HOSTILE): tests/vm/hostile.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(USBMON_ISO): tests/vm/usbmon_iso.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

# Built without the sanitizers: it is preloaded into the (sanitized) daemon.
$(FAILSUBMIT): tests/vm/failsubmit.c
	@mkdir -p $(dir $@)
	$(CC) $(SYSROOT_FLAGS) -std=c11 -O2 -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl

$(BRIDGEPEER): tests/vm/bridgepeer.c gadget/wire/bridge_wire.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Igadget/wire -o $@ tests/vm/bridgepeer.c gadget/wire/bridge_wire.c $(LDFLAGS)

$(HIDTOOL): tests/vm/hidtool.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(BUILD)/libffsgadget.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(DAEMON): $(BUILD)/gadget/main.o $(BUILD)/libffsgadget.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIB_LIBS)

$(BUILD)/tests/host/%: tests/unit/host/%.c $(BUILD)/libffsgadget-host.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HOST_CFLAGS) -Ihost -Igadget/wire -Itests/unit -DFG_SOURCE_DIR='"$(CURDIR)"' \
		-o $@ $< $(BUILD)/libffsgadget-host.a $(LDFLAGS) $(HOST_LIBS) -lcmocka

# A test that stands in for part of the library links with --wrap (WRAP_<test>).
WRAP_test_personality_start = -Wl,--wrap=fg_engine_watch -Wl,--wrap=fg_engine_unwatch
WRAP_test_line_socket = $(WRAP_test_personality_start)

$(BUILD)/tests/gadget/%: tests/unit/gadget/%.c $(BUILD)/libffsgadget.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LIB_CFLAGS) -Igadget -Itests/unit -DFG_SOURCE_DIR='"$(CURDIR)"' -o $@ $< \
		$(BUILD)/libffsgadget.a $(LDFLAGS) $(WRAP_$*) $(LIB_LIBS) -lcmocka

$(BUILD)/fuzz/fuzz_host_%: tests/fuzz/fuzz_host_%.c $(BUILD)/libffsgadget-host.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HOST_CFLAGS) -Ihost -Igadget/wire -fsanitize=fuzzer -o $@ $< \
		$(BUILD)/libffsgadget-host.a $(LDFLAGS) $(HOST_LIBS)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/libffsgadget.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LIB_CFLAGS) -Igadget -DFG_SOURCE_DIR='"$(CURDIR)"' -fsanitize=fuzzer \
		-o $@ $< $(BUILD)/libffsgadget.a $(LDFLAGS) $(LIB_LIBS)

fuzz-bins: $(FUZZ_BINS)

# make fuzz [FUZZ_SECONDS=60]: every target, seeded from tests/ (run.sh says which).
fuzz:
	@$(MAKE) --no-print-directory FUZZ=1 fuzz-bins
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) build-fuzz

# The unit tests, then no cycle between folders, headers or object files (tests/check-cycles.sh).
unit: $(UNIT_BINS)
	@sh tests/run-unit.sh $(UNIT_BINS)
	@sh tests/check-cycles.sh $(BUILD)

# make test runs it with SAN=1: the VM serves the sanitized daemon, on
# Debian 12's kernel (6.1: every part) and on Debian 13's (6.12: core and iso,
# its packages from the machine's own mirror, nothing installed on the host).
VM_SUITE_2 = trixie
VM_PARTS_2 = core iso
vm-test: $(DAEMON) $(HOST_TOOL) $(HIDTOOL) $(HOSTILE) $(USBMON_ISO) $(BRIDGEPEER) $(FAILSUBMIT)
	@FFS_BUILD=$(CURDIR)/$(BUILD) sh tests/vm/run.sh test

vm-test-2: $(DAEMON) $(HOST_TOOL) $(HIDTOOL) $(HOSTILE) $(USBMON_ISO) $(BRIDGEPEER) $(FAILSUBMIT)
	@FFS_BUILD=$(CURDIR)/$(BUILD) FFS_SUITE=$(VM_SUITE_2) \
		FFS_VM_PARTS="$${FFS_VM_PARTS:-$(VM_PARTS_2)}" sh tests/vm/run.sh test

# Lifecycle storms at full counts (1000 rebinds, 100 soft disconnects, 100
# kill -9 restarts) while streaming, sanitized daemon.
soak: deps
	@$(MAKE) --no-print-directory SAN=1 $(DAEMON:$(BUILD)/%=build-san/%) \
		$(HOST_TOOL:$(BUILD)/%=build-san/%) build-san/fg-hostile
	@FFS_BUILD=$(CURDIR)/build-san sh tests/vm/run.sh soak

# make test: each step leaves build/results/STEP.txt (tests/results/step.sh;
# the VM writes one per part); the last line sums them all and fails when a
# step failed or left no file. Another step: one line here, its name in
# TEST_RESULTS.
RESULTS = $(CURDIR)/build/results
TEST_RESULTS = build build-clang unit unit-san systemd mutate fuzz cross deb \
	$(addprefix vm-amd64-,core iso reliability) \
	$(addprefix vm-amd64-$(VM_SUITE_2)-,$(VM_PARTS_2)) vm-arm64-core \
	image-firstboot $(foreach b,$(TEST_IMAGE_BOARDS),image-$(b) image-boot-$(b))
# The board images make test builds and boot-tests (make test-images: all four).
TEST_IMAGE_BOARDS = raspberrypi-zero-2w beaglebone-black
STEP = FFS_RESULTS=$(RESULTS) sh tests/results/step.sh
test: deps
	@rm -rf $(RESULTS)
	@$(STEP) --status build $(MAKE) --no-print-directory all
	@$(STEP) --status build-clang $(MAKE) --no-print-directory CC=clang BUILD=build-clang all
	@$(STEP) unit $(MAKE) --no-print-directory unit
	@$(STEP) unit-san $(MAKE) --no-print-directory SAN=1 unit
	@$(STEP) systemd sh tests/systemd-verify.sh $(BUILD)
	@$(STEP) mutate sh tests/mutate.sh
	@$(STEP) fuzz $(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_TEST_SECONDS)
	@$(STEP) cross $(MAKE) --no-print-directory test-cross
	@$(STEP) deb $(MAKE) --no-print-directory test-deb
	@$(STEP) --parts vm-amd64 $(MAKE) --no-print-directory SAN=1 vm-test
	@$(STEP) --parts vm-amd64-$(VM_SUITE_2) $(MAKE) --no-print-directory SAN=1 vm-test-2
	@$(STEP) --parts vm-arm64 $(MAKE) --no-print-directory test-arm64
	@$(STEP) image-firstboot sh boards/image/test-firstboot.sh $(DAEMON)
	@$(foreach b,$(TEST_IMAGE_BOARDS),\
		$(STEP) --status image-$(b) sh boards/image/build.sh $(b) && \
		$(STEP) image-boot-$(b) sh boards/image/boot-test.sh $(b) &&) true
	@sh tests/results/sum.sh $(RESULTS) $(TEST_RESULTS)

# The mutation check alone (also a step of make test): tests/mutations.list.
mutate:
	@sh tests/mutate.sh

demo: deps
	@$(MAKE) --no-print-directory $(DAEMON) $(HOST_TOOL)
	@sh tests/vm/run.sh demo

bench: deps
	@$(MAKE) --no-print-directory $(DAEMON) $(HOST_TOOL) $(BRIDGEPEER) $(BUILD)/libffsgadget.a
	@sh tests/vm/run.sh bench
	@case " $${FFS_BENCH:-iso} " in *" iso "*) sh tests/bench/iso-instructions.sh $(BUILD) ;; esac

# Every board architecture built (cross.mk), then run under qemu-user against
# the native build: make test-cross. The Gadget Zero VM test on Debian's arm64
# kernel under qemu-system-aarch64: make test-arm64.
cross:
	@sh tests/cross/deps.sh $(CROSS_ARCHES)
	@for a in $(CROSS_ARCHES); do $(MAKE) --no-print-directory ARCH=$$a all || exit 1; done

test-cross: cross $(DAEMON)
	@sh tests/cross/smoke.sh $(CROSS_ARCHES)

test-arm64:
	@sh tests/cross/deps.sh --vm arm64
	@$(MAKE) --no-print-directory ARCH=arm64 programs
	@FFS_ARCH=arm64 sh tests/vm/run.sh test

# Debian packages into build-deb/: make deb [DEB_ARCHES="amd64 arm64 armhf armel"]
DEB_ARCHES ?= amd64
deb:
	@sh tests/cross/deb.sh $(DEB_ARCHES)

test-deb:
	@sh tests/cross/deb.sh amd64 $(CROSS_ARCHES)

# Board images (boards/image/, boards/README.md): a Debian 13 SD-card image,
# build/images/ffsgadget-BOARD.img.xz and .img.bmap. The boot tests run QEMU:
# under the shared lock, flock /tmp/ffs-vm.lock make image-test BOARD=...
image:
	@test -n "$(BOARD)" || { echo "usage: make image BOARD=raspberrypi-zero-2w|raspberrypi-4|beaglebone-black|raspberrypi-zero"; exit 2; }
	@sh boards/image/build.sh $(BOARD)

image-test: $(DAEMON)
	@test -n "$(BOARD)" || { echo "usage: make image-test BOARD=raspberrypi-zero-2w|raspberrypi-4"; exit 2; }
	@sh boards/image/test-firstboot.sh $(DAEMON)
	@sh boards/image/boot-test.sh $(BOARD)

test-images: $(DAEMON)
	@sh boards/image/test-images.sh

install: $(DAEMON)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/ffsgadget/descriptors \
		$(DESTDIR)$(PREFIX)/share/ffsgadget/configs
	install -m 0755 $(DAEMON) $(DESTDIR)$(PREFIX)/bin/ffsgadget
	$(if $(HOST_TOOL),install -m 0755 $(HOST_TOOL) $(DESTDIR)$(PREFIX)/bin/ffsgadget-host)
	install -m 0644 descriptors/*.conf $(DESTDIR)$(PREFIX)/share/ffsgadget/descriptors/
	install -m 0755 configs/*.sh $(DESTDIR)$(PREFIX)/share/ffsgadget/configs/
	$(if $(wildcard configs/*.scheme),install -m 0644 configs/*.scheme \
		$(DESTDIR)$(PREFIX)/share/ffsgadget/configs/)
	$(if $(wildcard boards/*.conf),install -d $(DESTDIR)$(PREFIX)/share/ffsgadget/boards && \
		install -m 0644 boards/*.conf $(DESTDIR)$(PREFIX)/share/ffsgadget/boards/)
	$(if $(wildcard configs/systemd/*.service),install -d $(DESTDIR)$(SYSTEMD_UNITDIR) && \
		install -m 0644 configs/systemd/*.service $(DESTDIR)$(SYSTEMD_UNITDIR)/)

clean:
	rm -rf build build-san build-clang build-arm64 build-armhf build-armel build-deb build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
