# Source/sink load balancer for Linux 6.12: build, boot and test in QEMU.
#
#   make run     build what changed, boot 4 CPUs, show the states change
#   make check   build what changed, run every test, print a summary
#   make check-large   the node-level tests on 64 CPUs in 8 nodes (slow)
#   make bench   the balancer against stock 6.12: build/bench/report.md
#   make bench-quick   the same, one repetition: a smoke run
#   make check-debug   the tests on a lockdep/KASAN/UBSAN kernel
#   make check-kcsan   the tests on a KCSAN kernel: data races
#   make soak    10 minutes of hotplug, churn and overload on that kernel
#                (SOAK_MINUTES=N to change the length)
#   make check-build   the build matrix: options off, SMP=n, NUMA=n, debug,
#                gcc and clang-16, W=1 and sparse on the new files
#   make patch   the change as a git format-patch series: build/patch/
#
# Everything built lands in build/ (git-ignored).  Lower-level targets:
# kernel, kernel-debug, kernel-kcsan, guest, deps, clean.

BUILD   := build
KSRC    := $(BUILD)/linux
KOBJ    := $(BUILD)/obj
BZIMAGE := $(KOBJ)/arch/x86/boot/bzImage
KOBJ_DEBUG    := $(BUILD)/obj-debug
BZIMAGE_DEBUG := $(KOBJ_DEBUG)/arch/x86/boot/bzImage
KOBJ_KCSAN    := $(BUILD)/obj-kcsan
BZIMAGE_KCSAN := $(KOBJ_KCSAN)/arch/x86/boot/bzImage
INITRD  := $(BUILD)/initramfs.cpio
GUEST   := $(BUILD)/guest
TARBALL := /usr/src/linux-source-6.12.tar.xz
JOBS    ?= $(shell nproc)
CCACHE  := $(shell command -v ccache 2>/dev/null)
# kbuild passes absolute paths; relative to the clone, any clone can hit.
export CCACHE_BASEDIR := $(CURDIR)
# $(call kmake,OBJDIR): kbuild for the kernel built in OBJDIR
kmake    = $(MAKE) -s -C $(KSRC) O=$(CURDIR)/$(1) ARCH=x86_64 \
	   $(if $(CCACHE),CC="ccache gcc") -j$(JOBS)

KERNEL_FILES := $(shell find kernel include init Documentation tools \
		  -type f 2>/dev/null) $(wildcard patches/*.patch)
KSELFTESTS   := $(GUEST)/kselftest/sourcesink_test
SCENARIOS    := $(patsubst scripts/guest/scenario/%.c,$(GUEST)/scenario/%,\
		  $(wildcard scripts/guest/scenario/*.c))
PROGS        := $(patsubst scripts/guest/%.c,$(GUEST)/%,\
		  $(wildcard scripts/guest/*.c))
GUEST_PROGS  := $(PROGS) $(KSELFTESTS) $(SCENARIOS)
GUEST_CFLAGS := -static -O2 -Wall -pthread

# The steps depend on each other through files; run them in order.
.NOTPARALLEL:
.PHONY: run check check-large check-debug check-kcsan soak check-build patch \
	bench bench-quick deps bench-deps build-deps kernel kernel-debug \
	kernel-kcsan guest clean

run: deps kernel guest
	scripts/vm --cpus 4 --timeout 300 -- scripts/guest/demo

check: deps kernel guest
	scripts/check

check-large: deps kernel guest
	scripts/check --large

check-debug: deps kernel-debug guest
	scripts/check --debug

check-kcsan: deps kernel-kcsan guest
	scripts/check --kcsan

SOAK_MINUTES ?= 10
soak: deps kernel-debug guest
	scripts/soak --minutes $(SOAK_MINUTES)

check-build: deps build-deps kernel kernel-debug
	scripts/check-build

patch: deps $(BUILD)/.tree
	scripts/patch-series

bench: deps bench-deps kernel guest
	scripts/bench

bench-quick: deps bench-deps kernel guest
	scripts/bench --quick

deps:
	@scripts/deps

bench-deps:
	@scripts/deps bench

build-deps:
	@scripts/deps build

kernel: $(BZIMAGE)

kernel-debug: $(BZIMAGE_DEBUG)

kernel-kcsan: $(BZIMAGE_KCSAN)

guest: $(INITRD) $(GUEST_PROGS)

$(BUILD)/.tree: scripts/prepare-tree $(KERNEL_FILES) $(wildcard $(TARBALL))
	scripts/prepare-tree $(BUILD)
	@touch $@

# A kernel's .config: tinyconfig with the fragments ($^ but the patches)
# merged, checked to keep every option the fragments set.
define kconfig
	@mkdir -p $(@D)
	$(call kmake,$(@D)) tinyconfig >/dev/null
	$(KSRC)/scripts/kconfig/merge_config.sh -m -O $(@D) $@ \
		$(filter %.config,$^) >/dev/null
	$(call kmake,$(@D)) olddefconfig
	@missing=$$(cat $(filter %.config,$^) | grep -o '^CONFIG_[A-Z0-9_]*=.*' | \
		grep -vxF -f $@); \
	if [ -n "$$missing" ]; then \
		rm -f $@; echo "kconfig dropped:" $$missing >&2; exit 1; fi
endef

$(KOBJ)/.config: scripts/qemu.config $(wildcard patches/*.patch) | $(BUILD)/.tree
	$(kconfig)

$(KOBJ_DEBUG)/.config: scripts/qemu.config scripts/debug.config \
		$(wildcard patches/*.patch) | $(BUILD)/.tree
	$(kconfig)

$(KOBJ_KCSAN)/.config: scripts/qemu.config scripts/kcsan.config \
		$(wildcard patches/*.patch) | $(BUILD)/.tree
	$(kconfig)

$(BZIMAGE) $(BZIMAGE_DEBUG) $(BZIMAGE_KCSAN): %/arch/x86/boot/bzImage: $(BUILD)/.tree %/.config
	@echo "kernel: building Linux $$(cat $(BUILD)/linux-version) in $*"
	$(call kmake,$*) bzImage
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

$(PROGS): $(GUEST)/%: scripts/guest/%.c
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
