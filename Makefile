# ffsgadget — USB gadget firmware on FunctionFS.
#
#   make            build the daemon (build/ffsgadget) and the unit tests
#   make test       install what is missing, run unit tests and the VM tests
#   make demo       boot the VM, bring Gadget Zero up, stream with live figures
#   make bench      throughput ratios against the in-kernel SourceSink
#   make SAN=1 ...  the same with ASan + UBSan (into build-san/)
#   make install    PREFIX=/usr/local DESTDIR=

CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
PKG_CONFIG ?= pkg-config

ifeq ($(SAN),1)
BUILD   ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD   ?= build
SANFLAGS =
endif

WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE $(WARN) $(SANFLAGS) -MMD -MP
LDFLAGS += $(SANFLAGS)

LIB_PKGS  = libconfig
LIB_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(LIB_PKGS) 2>/dev/null)
LIB_LIBS   := $(shell $(PKG_CONFIG) --libs $(LIB_PKGS) 2>/dev/null) -laio

LIB_SRCS  = $(filter-out gadget/main.c,$(wildcard gadget/*.c))
LIB_OBJS  = $(LIB_SRCS:%.c=$(BUILD)/%.o)
DAEMON    = $(BUILD)/ffsgadget

UNIT_SRCS = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

HOST_SRCS = $(wildcard host/*.c)

.PHONY: all deps test unit vm-test demo bench clean install
all: $(DAEMON) $(UNIT_BINS)

deps:
	@sh tests/deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LIB_CFLAGS) -Igadget -c -o $@ $<

$(BUILD)/libffsgadget.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(DAEMON): $(BUILD)/gadget/main.o $(BUILD)/libffsgadget.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIB_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libffsgadget.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LIB_CFLAGS) -Igadget -DFG_SOURCE_DIR='"$(CURDIR)"' -o $@ $< \
		$(BUILD)/libffsgadget.a $(LDFLAGS) $(LIB_LIBS) -lcmocka

unit: $(UNIT_BINS)
	@sh tests/run-unit.sh $(UNIT_BINS)

vm-test: $(DAEMON)
	@sh tests/vm/run.sh test

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory SAN=1 unit
	@$(MAKE) --no-print-directory vm-test

demo: deps
	@$(MAKE) --no-print-directory $(DAEMON)
	@sh tests/vm/run.sh demo

bench: deps
	@$(MAKE) --no-print-directory $(DAEMON)
	@sh tests/vm/run.sh bench

install: $(DAEMON)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/ffsgadget/descriptors \
		$(DESTDIR)$(PREFIX)/share/ffsgadget/configs
	install -m 0755 $(DAEMON) $(DESTDIR)$(PREFIX)/bin/ffsgadget
	install -m 0644 descriptors/*.conf $(DESTDIR)$(PREFIX)/share/ffsgadget/descriptors/
	install -m 0755 configs/*.sh $(DESTDIR)$(PREFIX)/share/ffsgadget/configs/

clean:
	rm -rf build build-san

-include $(shell find build build-san -name '*.d' 2>/dev/null)
