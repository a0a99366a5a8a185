# Source/sink load balancer for Linux 6.12: build, boot and test in QEMU.
#
#   make run     build what changed, boot 4 CPUs, show the states change
#   make check   build what changed, run every test, print a summary
#   make check-large   the node-level tests on 64 CPUs in 8 nodes (slow)
#   make bench   the balancer against stock 6.12: build/bench/report.md
#   make bench-quick   the same, one repetition: a smoke run
#   make cost    a decision's work and longest stretch against the stock
#                balancer's SCHED_SOFTIRQ, 4 to 128 CPUs: build/cost/report.md
#   make check-debug   the tests on a lockdep/KASAN/UBSAN kernel
#   make check-rt      the tests on a PREEMPT_RT kernel (Debian's rt values)
#   make check-kcsan   the tests on a KCSAN kernel: data races
#   make soak    10 minutes of hotplug, churn and overload on that kernel
#                (SOAK_MINUTES=N to change the length)
#   make check-build   the build matrix: options off, SMP=n, NUMA=n, debug,
#                PREEMPT_RT, SCHED_CORE (booted), i386, arm, arm64, gcc and
#                clang-16, W=1 and sparse on the new files
#   make patch   the change as a git format-patch series: build/patch/
#   make mutate  break each rule of scripts/mutations in turn and run the
#                boots of make check on it (MUTATIONS="M1 M6e" for some);
#                about 2 minutes a mutation: build/mutate/summary.txt
#
# Everything built lands in build/ (git-ignored).  Lower-level targets:
# kernel, kernel-debug, kernel-kcsan, kernel-rt, guest, deps, clean.

BUILD   := build
KSRC    := $(BUILD)/linux
KOBJ    := $(BUILD)/obj
BZIMAGE := $(KOBJ)/arch/x86/boot/bzImage
KOBJ_DEBUG    := $(BUILD)/obj-debug
BZIMAGE_DEBUG := $(KOBJ_DEBUG)/arch/x86/boot/bzImage
KOBJ_KCSAN    := $(BUILD)/obj-kcsan
BZIMAGE_KCSAN := $(KOBJ_KCSAN)/arch/x86/boot/bzImage
KOBJ_RT       := $(BUILD)/obj-rt
BZIMAGE_RT    := $(KOBJ_RT)/arch/x86/boot/bzImage
INITRD  := $(BUILD)/initramfs.cpio
GUEST   := $(BUILD)/guest
TARBALL := /usr/src/linux-source-6.12.tar.xz
JOBS    ?= $(shell nproc)
# kbuild passes absolute paths; relative to the clone, any clone can hit.
export CCACHE_BASEDIR := $(CURDIR)

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
.PHONY: run check check-large check-debug check-kcsan check-rt soak \
	check-build patch mutate bench bench-quick cost deps bench-deps build-deps kernel \
	kernel-debug kernel-kcsan kernel-rt guest clean

run: deps kernel guest
	scripts/vm --cpus 4 --timeout 300 -- scripts/guest/demo

check: deps kernel guest
	scripts/check

mutate: deps kernel guest
	scripts/mutate $(MUTATIONS)

check-large: deps kernel guest
	scripts/check --large

check-debug: deps kernel-debug guest
	scripts/check --debug

check-kcsan: deps kernel-kcsan guest
	scripts/check --kcsan

check-rt: deps kernel-rt guest
	scripts/check --rt

SOAK_MINUTES ?= 10
soak: deps kernel-debug guest
	scripts/soak --minutes $(SOAK_MINUTES)

check-build: deps build-deps kernel kernel-debug kernel-rt guest
	scripts/check-build

patch: deps $(BUILD)/.tree
	scripts/patch-series

bench: deps bench-deps kernel guest
	scripts/bench

bench-quick: deps bench-deps kernel guest
	scripts/bench --quick

cost: deps kernel guest
	scripts/cost

deps:
	@scripts/deps

bench-deps:
	@scripts/deps bench

build-deps:
	@scripts/deps build

kernel: $(BZIMAGE)

kernel-debug: $(BZIMAGE_DEBUG)

kernel-kcsan: $(BZIMAGE_KCSAN)

kernel-rt: $(BZIMAGE_RT)

guest: $(INITRD) $(GUEST_PROGS)

$(BUILD)/.tree: scripts/prepare-tree $(KERNEL_FILES) $(wildcard $(TARBALL))
	scripts/prepare-tree $(BUILD)
	@touch $@

# A kernel's .config: scripts/configure merges Debian's values of the
# options in scripts/debian.options, scripts/qemu.config and the fragments
# ($^'s *.config) over tinyconfig, and fails when kconfig drops one.
DEBIAN_CONFIGS := $(wildcard /usr/src/linux-config-6.12/config.amd64_*_amd64.xz)
CONFIG_DEPS := scripts/configure scripts/debian.options scripts/qemu.config \
	       $(DEBIAN_CONFIGS) $(wildcard patches/*.patch)
kconfig = scripts/configure $(1) $(@D) $(filter-out scripts/qemu.config,$(filter %.config,$^))

$(KOBJ)/.config: $(CONFIG_DEPS) | $(BUILD)/.tree
	$(call kconfig)

$(KOBJ_DEBUG)/.config: $(CONFIG_DEPS) scripts/debug.config | $(BUILD)/.tree
	$(call kconfig)

$(KOBJ_KCSAN)/.config: $(CONFIG_DEPS) scripts/kcsan.config | $(BUILD)/.tree
	$(call kconfig)

$(KOBJ_RT)/.config: $(CONFIG_DEPS) scripts/rt.config | $(BUILD)/.tree
	$(call kconfig,--debian rt)

$(BZIMAGE) $(BZIMAGE_DEBUG) $(BZIMAGE_KCSAN) $(BZIMAGE_RT): %/arch/x86/boot/bzImage: $(BUILD)/.tree %/.config
	@scripts/build-kernel $* $(JOBS)

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

$(GUEST)/kselftest/%: tools/testing/selftests/sched/%.c $(BUILD)/.tree
	@mkdir -p $(@D)
	gcc $(GUEST_CFLAGS) -o $@ $(KSRC)/tools/testing/selftests/sched/$*.c

clean:
	rm -rf $(BUILD)
