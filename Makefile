# Source/sink load balancer for Linux 6.12: build, boot and test in QEMU.
#
#   make run     build what changed, boot 4 CPUs, show the states change
#   make check   build what changed, run every test, print a summary
#   make check-large   the node-level tests on 64 CPUs in 8 nodes (slow)
#   make bench   the balancer against stock 6.12: build/bench/report.md
#   make bench-quick   the same, one repetition: a smoke run
#
# Everything built lands in build/ (git-ignored).  Lower-level targets:
# kernel, guest, deps, clean.

BUILD   := build
KSRC    := $(BUILD)/linux
KOBJ    := $(BUILD)/obj
BZIMAGE := $(KOBJ)/arch/x86/boot/bzImage
INITRD  := $(BUILD)/initramfs.cpio
GUEST   := $(BUILD)/guest
TARBALL := /usr/src/linux-source-6.12.tar.xz
JOBS    ?= $(shell nproc)
CCACHE  := $(shell command -v ccache 2>/dev/null)
# kbuild passes absolute paths; relative to the clone, any clone can hit.
export CCACHE_BASEDIR := $(CURDIR)
KMAKE    = $(MAKE) -s -C $(KSRC) O=$(CURDIR)/$(KOBJ) ARCH=x86_64 \
	   $(if $(CCACHE),CC="ccache gcc") -j$(JOBS)

KERNEL_FILES := $(shell find kernel include init Documentation tools \
		  -type f 2>/dev/null) $(wildcard patches/*.patch)
KSELFTESTS   := $(GUEST)/kselftest/sourcesink_test
SCENARIOS    := $(patsubst scripts/guest/scenario/%.c,$(GUEST)/scenario/%,\
		  $(wildcard scripts/guest/scenario/*.c))
GUEST_PROGS  := $(GUEST)/spin $(KSELFTESTS) $(SCENARIOS)
GUEST_CFLAGS := -static -O2 -Wall -pthread

# The steps depend on each other through files; run them in order.
.NOTPARALLEL:
.PHONY: run check check-large bench bench-quick deps bench-deps kernel guest clean

run: deps kernel guest
	scripts/vm --cpus 4 --timeout 300 -- scripts/guest/demo

check: deps kernel guest
	scripts/check

check-large: deps kernel guest
	scripts/check --large

bench: deps bench-deps kernel guest
	scripts/bench

bench-quick: deps bench-deps kernel guest
	scripts/bench --quick

deps:
	@scripts/deps

bench-deps:
	@scripts/deps bench

kernel: $(BZIMAGE)

guest: $(INITRD) $(GUEST_PROGS)

$(BUILD)/.tree: scripts/prepare-tree $(KERNEL_FILES) $(wildcard $(TARBALL))
	scripts/prepare-tree $(BUILD)
	@touch $@

$(KOBJ)/.config: scripts/qemu.config $(wildcard patches/*.patch) | $(BUILD)/.tree
	@mkdir -p $(KOBJ)
	$(KMAKE) tinyconfig >/dev/null
	$(KSRC)/scripts/kconfig/merge_config.sh -m -O $(KOBJ) $(KOBJ)/.config \
		scripts/qemu.config >/dev/null
	$(KMAKE) olddefconfig
	@missing=$$(grep -o '^CONFIG_[A-Z0-9_]*=.*' scripts/qemu.config | \
		grep -vxF -f $(KOBJ)/.config); \
	if [ -n "$$missing" ]; then \
		rm -f $@; echo "kconfig dropped:" $$missing >&2; exit 1; fi

$(BZIMAGE): $(BUILD)/.tree $(KOBJ)/.config
	@echo "kernel: building Linux $$(cat $(BUILD)/linux-version) in $(KOBJ)"
	$(KMAKE) bzImage
	@touch $@

$(BUILD)/gen_init_cpio: | $(BUILD)/.tree
	gcc -O2 -o $@ $(KSRC)/usr/gen_init_cpio.c

$(INITRD): scripts/guest/init $(BUILD)/gen_init_cpio
	printf '%s\n' 'dir /dev 0755 0 0' 'nod /dev/console 0600 0 0 c 5 1' \
		'dir /bin 0755 0 0' 'file /bin/busybox /bin/busybox 0755 0 0' \
		'file /init scripts/guest/init 0755 0 0' 'dir /proc 0755 0 0' \
		'dir /sys 0755 0 0' 'dir /tmp 1777 0 0' 'dir /host 0755 0 0' \
		>$(BUILD)/initramfs.list
	$(BUILD)/gen_init_cpio $(BUILD)/initramfs.list >$@

$(GUEST)/spin: scripts/guest/spin.c
	@mkdir -p $(@D)
	gcc $(GUEST_CFLAGS) -o $@ $<

$(GUEST)/scenario/%: scripts/guest/scenario/%.c scripts/guest/scenario/scenario.h
	@mkdir -p $(@D)
	gcc $(GUEST_CFLAGS) -o $@ $<

$(GUEST)/kselftest/%: tools/testing/selftests/sched/%.c | $(BUILD)/.tree
	@mkdir -p $(@D)
	gcc $(GUEST_CFLAGS) -o $@ $(KSRC)/tools/testing/selftests/sched/$*.c

clean:
	rm -rf $(BUILD)
