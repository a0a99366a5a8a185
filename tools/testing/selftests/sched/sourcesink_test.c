// SPDX-License-Identifier: GPL-2.0
/*
 * Source/sink state tracking in a running kernel: the sysctls and their
 * bounds, the debugfs view, and the state CPUs take under loads built to
 * make them SOURCE or SINK.
 *
 * The load tests need 4 CPUs, root and an otherwise idle machine.  They
 * starve a thread with weights alone: a nice 19 thread queued behind a nice
 * -20 spinner gets one slice in about ten seconds (weight 15 against 88761),
 * which is starvation by any limit the tests use, without touching RT
 * throttling or the fair server.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"

#define SYSCTL_DIR	"/proc/sys/kernel/"
#define VIEW		"/sys/kernel/debug/sched/sourcesink"
#define MAX_CPUS	64
#define HOG_NICE	-20
#define VICTIM_NICE	19
#define SOURCESINK_STATE_WEIGHT	4	/* the default */

static void restore_guest(struct __test_metadata *_metadata);

static int read_int(const char *path, int *val)
{
	char buf[64];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	*val = strtol(buf, NULL, 10);
	return 0;
}

/*
 * One write of exactly @len bytes at @off: 0, or -errno.  A plain write()
 * at 0, since some files refuse pwrite() (/proc/PID/autogroup).
 */
static int write_at(const char *path, const char *buf, size_t len, off_t off)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = off ? pwrite(fd, buf, len, off) : write(fd, buf, len);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	return n == (ssize_t)len ? 0 : -EIO;
}

/* One write of exactly @len bytes at offset 0: 0, or -errno. */
static int write_buf(const char *path, const char *buf, size_t len)
{
	return write_at(path, buf, len, 0);
}

static int write_long(const char *path, long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld\n", val);
	return write_buf(path, buf, strlen(buf));
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* "0-3,8,10-11" into @cpus, -1 terminated; returns the count or -1. */
static int parse_cpulist(const char *list, int *cpus)
{
	int a, b, n = 0, len;

	while (*list && *list != '\n') {
		if (sscanf(list, "%d%n", &a, &len) != 1)
			return -1;
		list += len;
		b = a;
		if (*list == '-' && sscanf(list + 1, "%d%n", &b, &len) == 1)
			list += 1 + len;
		for (; a <= b && a < MAX_CPUS; a++)
			cpus[n++] = a;
		if (*list == ',')
			list++;
	}
	cpus[n] = -1;
	return n;
}

static int read_line(const char *path, char *buf, int size)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -1;
	ok = !!fgets(buf, size, f);
	fclose(f);
	return ok ? 0 : -1;
}

/* --- the debugfs view ---------------------------------------------------- */

struct cpu_view {
	int present;
	char state[16];
	unsigned long load;
	unsigned long long score;
	unsigned int movable;
	unsigned long long oldest_wait_ms;
	unsigned long long since_idle_ms;
	unsigned long long ticks;	/* in any state */
	unsigned long long ticks_source;
	int isolated;
};

struct view {
	char mode[16];
	int nr_lines;
	char text[16384];
	struct cpu_view cpu[MAX_CPUS];
};

static int read_view(struct view *v)
{
	char *line, *save;
	ssize_t n;
	int fd;

	memset(v, 0, sizeof(*v));
	fd = open(VIEW, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, v->text, sizeof(v->text) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	v->text[n] = '\0';

	char copy[sizeof(v->text)];

	memcpy(copy, v->text, n + 1);
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct cpu_view c = { .present = 1 };
		unsigned long long ticks[3];
		char *at;
		int cpu;

		if (!strncmp(line, "mode=", 5)) {
			if (sscanf(line, "mode=%15s", v->mode) != 1)
				return -EINVAL;
			continue;
		}
		if (strncmp(line, "cpu=", 4))
			continue;
		v->nr_lines++;
		if (sscanf(line,
			   "cpu=%d state=%15s load=%lu score=%llu movable=%u oldest_wait_ms=%llu since_idle_ms=%llu",
			   &cpu, c.state, &c.load, &c.score, &c.movable,
			   &c.oldest_wait_ms, &c.since_idle_ms) != 7)
			return -EINVAL;
		at = strstr(line, " ticks_sink=");
		if (!at || sscanf(at, " ticks_sink=%llu ticks_neither=%llu ticks_source=%llu",
				  &ticks[0], &ticks[1], &ticks[2]) != 3)
			return -EINVAL;
		at = strstr(line, " isolated=");
		if (!at || sscanf(at, " isolated=%d", &c.isolated) != 1)
			return -EINVAL;
		c.ticks = ticks[0] + ticks[1] + ticks[2];
		c.ticks_source = ticks[2];
		if (cpu < 0 || cpu >= MAX_CPUS)
			return -ERANGE;
		v->cpu[cpu] = c;
	}
	return 0;
}

static int is_state(const struct view *v, int cpu, const char *state)
{
	return v->cpu[cpu].present && !strcmp(v->cpu[cpu].state, state);
}

/* Online NUMA nodes, as sysfs lists them. */
static int nr_nodes(void)
{
	char path[64];
	int node, n = 0;

	for (node = 0; node < 1024; node++) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", node);
		n += !access(path, F_OK);
	}
	return n;
}

/* --- sysctls ------------------------------------------------------------- */

FIXTURE(sysctl) {
	char path[128];
	int saved;
	int def;
};

FIXTURE_VARIANT(sysctl) {
	const char *name;
	int def, min, max;
};

FIXTURE_VARIANT_ADD(sysctl, mode) {
	.name = "sched_sourcesink_mode", .def = 1, .min = 0, .max = 2,
};

FIXTURE_VARIANT_ADD(sysctl, period_ms) {
	.name = "sched_sourcesink_period_ms", .def = 1000, .min = 1, .max = 60000,
};

FIXTURE_VARIANT_ADD(sysctl, starvation_ms) {
	.name = "sched_sourcesink_starvation_ms", .def = 100, .min = 1, .max = 60000,
};

FIXTURE_VARIANT_ADD(sysctl, state_weight) {
	.name = "sched_sourcesink_state_weight", .def = 4, .min = 0, .max = 1000,
};

FIXTURE_VARIANT_ADD(sysctl, load_weight) {
	.name = "sched_sourcesink_load_weight", .def = 1, .min = 0, .max = 1000,
};

FIXTURE_VARIANT_ADD(sysctl, max_moves) {
	.name = "sched_sourcesink_max_moves", .def = 32, .min = 1, .max = 1000,
};

FIXTURE_VARIANT_ADD(sysctl, standalone) {
	.name = "sched_sourcesink_standalone", .def = 0, .min = 0, .max = 1,
};

/* Default -1: on (1) when the machine has more than one node. */
FIXTURE_VARIANT_ADD(sysctl, numa) {
	.name = "sched_sourcesink_numa", .def = -1, .min = 0, .max = 1,
};

FIXTURE_VARIANT_ADD(sysctl, node_period_ms) {
	.name = "sched_sourcesink_node_period_ms", .def = 0, .min = 0, .max = 60000,
};

FIXTURE_SETUP(sysctl)
{
	snprintf(self->path, sizeof(self->path), SYSCTL_DIR "%s", variant->name);
	ASSERT_EQ(0, read_int(self->path, &self->saved))
		TH_LOG("cannot read %s: is this kernel built with CONFIG_SCHED_SOURCESINK?",
		       self->path);
	self->def = variant->def < 0 ? nr_nodes() > 1 : variant->def;
}

/*
 * The fixtures tear down in the parent.  Built with -O2, the 6.12 harness
 * loses the child's fork() result across the longjmp of a failed ASSERT
 * and skips a child-side teardown, which would leave the knobs a test set
 * for the next one.  The test's threads end with the child.
 */
FIXTURE_TEARDOWN_PARENT(sysctl)
{
	int now;

	if (!read_int(self->path, &now) && now != self->saved)
		write_long(self->path, self->saved);
}

TEST_F(sysctl, has_default)
{
	struct stat st;

	EXPECT_EQ(self->def, self->saved);
	ASSERT_EQ(0, stat(self->path, &st));
	EXPECT_EQ(0644, st.st_mode & 07777);
}

/*
 * Writes every sysctl refuses with EINVAL, leaving its value as it was.  An
 * entry writes @text, a printf format given the variant's @arg for each %d,
 * padded to @len bytes with @fill, at offset @offset.  VALID is a value in
 * range but not the current one, so that a write taken in part would show.
 *
 * The long writes are EINVAL too, not E2BIG: proc_sys_call_handler() hands
 * any write under KMALLOC_MAX_SIZE to the handler whole, and kstrtoint()
 * refuses it.  Not here, being valid: "010" (base 10, so 10), "+1", "1\n".
 */
enum bad_arg { NONE, BELOW_MIN, ABOVE_MAX, VALID };

static const struct bad_write {
	const char *text;
	enum bad_arg arg;
	char fill;
	int len;
	off_t offset;
} bad_writes[] = {
	/* out of this sysctl's range */
	{ "%d", BELOW_MIN },		/* min - 1: -1, or 0 where 0 is out */
	{ "%d", ABOVE_MAX },
	{ "%d\n", ABOVE_MAX },		/* as echo writes it */
	/* negative */
	{ "-1" },
	{ "-2147483648" },		/* INT_MIN: an int, below every min */
	{ "-2147483649" },		/* INT_MIN - 1: not an int */
	{ "-9223372036854775809" },	/* -2^63 - 1: not a 64-bit number */
	/* too big for an int or for 64 bits, cut or wrapped to 0 or 1 */
	{ "2147483647" },		/* INT_MAX: an int, above every max */
	{ "2147483648" },		/* 2^31 */
	{ "4294967296" },		/* 2^32: 0 in 32 bits */
	{ "4294967297" },		/* 2^32 + 1: 1 in 32 bits */
	{ "9223372036854775808" },	/* 2^63 */
	{ "18446744073709551617" },	/* 2^64 + 1: 1 in 64 bits */
	{ "99999999999999999999999999" },
	/* not a base 10 integer */
	{ "0x10" },			/* hex: 16 in base 0 */
	{ "0x1" },
	{ "1e3" },			/* an exponent */
	{ "1.5" },
	{ "abc" },
	/* a sign without digits, or two signs */
	{ "+" },
	{ "-" },
	{ "--1" },
	{ "+-1" },
	/* empty, or only white space */
	{ "" },
	{ "\n" },
	{ "\n\n" },
	{ " " },
	{ "\t" },
	/* a valid value with more around it: kstrtoint() takes one '\n' */
	{ " %d", VALID },
	{ "\t%d", VALID },
	{ "\n%d", VALID },
	{ "%d ", VALID },
	{ "%d\t", VALID },
	{ "%d\r\n", VALID },
	{ "%d\n\n", VALID },
	{ "%dx", VALID },
	{ "%d abc", VALID },
	{ "%d %d", VALID },
	{ "%d,%d", VALID },
	/* very long */
	{ "", .fill = '1', .len = 4096 },	/* a page of digits */
	{ "", .fill = '1', .len = 10000 },	/* over two pages of them */
	{ "", .fill = ' ', .len = 4096 },	/* a page of spaces */
	{ "", .fill = ' ', .len = 10000 },
	{ "%d", VALID, .fill = ' ', .len = 4096 },	/* valid, then spaces */
	{ "%d", VALID, .fill = '\n', .len = 10000 },	/* ... or newlines */
	/* NUL bytes: kstrtoint() alone would stop at the first one */
	{ "", .fill = '\0', .len = 1 },
	{ "%d", VALID, .fill = '\0', .len = 8 },
	/* a valid value, but not at the start of the file */
	{ "%d", VALID, .offset = 1 },
};

/* @buf quoted for a log line: escaped, and only its start when long. */
static const char *printable(const char *buf, size_t len, char *out, size_t size)
{
	size_t i, n = 0;

	out[n++] = '"';
	for (i = 0; i < len && i < 24 && n + 8 < size; i++) {
		if (buf[i] == '\n')
			n += snprintf(out + n, size - n, "\\n");
		else if (buf[i] == '\t')
			n += snprintf(out + n, size - n, "\\t");
		else if (buf[i] == '\r')
			n += snprintf(out + n, size - n, "\\r");
		else if (buf[i] == '\0')
			n += snprintf(out + n, size - n, "\\0");
		else
			out[n++] = buf[i];
	}
	if (i < len)
		snprintf(out + n, size - n, "...\" (%zu bytes)", len);
	else
		snprintf(out + n, size - n, "\"");
	return out;
}

TEST_F(sysctl, rejects_bad_writes)
{
	int valid = self->saved == variant->min ? variant->max : variant->min;
	char buf[10001], shown[96];
	int i, now, arg, len;

	for (i = 0; i < ARRAY_SIZE(bad_writes); i++) {
		const struct bad_write *bad = &bad_writes[i];

		switch (bad->arg) {
		case BELOW_MIN:
			arg = variant->min - 1;
			break;
		case ABOVE_MAX:
			arg = variant->max + 1;
			break;
		default:
			arg = valid;
			break;
		}
		/* Twice, for "%d %d"; a format with one %d ignores the second. */
		len = snprintf(buf, sizeof(buf), bad->text, arg, arg);
		if (len < bad->len) {
			memset(buf + len, bad->fill, bad->len - len);
			len = bad->len;
		}
		printable(buf, len, shown, sizeof(shown));

		EXPECT_EQ(-EINVAL, write_at(self->path, buf, len, bad->offset))
			TH_LOG("%s: write of %s at offset %ld was not refused with EINVAL",
			       variant->name, shown, (long)bad->offset);
		ASSERT_EQ(0, read_int(self->path, &now));
		EXPECT_EQ(self->saved, now)
			TH_LOG("%s: write of %s at offset %ld changed the value",
			       variant->name, shown, (long)bad->offset);
	}
}

TEST_F(sysctl, accepts_its_bounds)
{
	const int good[] = { variant->min, variant->max, self->def };
	int i, now;

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, write_long(self->path, good[i]))
			TH_LOG("%s: write of %d refused", variant->name, good[i]);
		ASSERT_EQ(0, read_int(self->path, &now));
		EXPECT_EQ(good[i], now);
	}
}

/*
 * Try to write @path as uid 65534 in a child: with @buf NULL by opening it
 * for writing, which must fail with EACCES; else by writing @buf through a
 * descriptor root opened first, which must fail with EPERM.  The child's
 * exit status: 0 refused as it must be, 1 allowed, 2 open or setuid
 * failed, 3 refused with another errno; -1 if it did not exit.
 */
static int write_as_nobody(const char *path, const char *buf)
{
	int status, fd = -1;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (buf)
			fd = open(path, O_WRONLY);
		if ((buf && fd < 0) || setgid(65534) || setuid(65534))
			_exit(2);
		if (!buf)
			_exit(open(path, O_WRONLY) >= 0 ? 1 : errno == EACCES ? 0 : 3);
		_exit(write(fd, buf, strlen(buf)) >= 0 ? 1 : errno == EPERM ? 0 : 3);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST_F(sysctl, refuses_unprivileged_writes)
{
	int rc, now;

	rc = write_as_nobody(self->path, NULL);
	EXPECT_EQ(0, rc)
		TH_LOG("%d: 1 = uid 65534 opened %s to write, 2 = setuid failed, 3 = not EACCES",
		       rc, self->path);
	ASSERT_EQ(0, read_int(self->path, &now));
	EXPECT_EQ(self->saved, now);
}

/*
 * Write permission is checked at each write, not only at open: a descriptor
 * root opened is no use to a process that has since dropped to uid 65534.
 */
TEST_F(sysctl, refuses_unprivileged_write_to_roots_fd)
{
	int valid = self->saved == variant->min ? variant->max : variant->min;
	char buf[16];
	int rc, now;

	snprintf(buf, sizeof(buf), "%d\n", valid);
	rc = write_as_nobody(self->path, buf);
	EXPECT_EQ(0, rc)
		TH_LOG("%d: 1 = uid 65534 wrote %s, 2 = open or setuid failed, 3 = not EPERM",
		       rc, self->path);
	ASSERT_EQ(0, read_int(self->path, &now));
	EXPECT_EQ(self->saved, now);
}

/* --- the view ------------------------------------------------------------ */

TEST(view_has_one_line_per_online_cpu)
{
	static const char * const events[] = {
		"decisions=", "moved=", "refused_affinity=", "refused_running=",
		"refused_migration_disabled=", "refused_bound=",
		"refused_no_movable=", "refused_preferred_node=",
		"node_decisions=", "node_moved=", "breach_move_bound=",
		"breach_no_sink=",
	};
	struct view v;
	int i;

	ASSERT_EQ(0, read_view(&v)) TH_LOG("cannot read or parse " VIEW);
	EXPECT_EQ(sysconf(_SC_NPROCESSORS_ONLN), v.nr_lines);
	for (i = 0; i < sysconf(_SC_NPROCESSORS_ONLN) && i < MAX_CPUS; i++) {
		EXPECT_TRUE(v.cpu[i].present)
			TH_LOG("no line for cpu %d", i);
	}
	EXPECT_STREQ("state", v.mode);
	EXPECT_TRUE(!!strstr(v.text, "\nevents:"));
	for (i = 0; i < ARRAY_SIZE(events); i++) {
		const char *event = events[i];

		EXPECT_TRUE(!!strstr(v.text, event))
			TH_LOG("no %s in the events line", event);
	}
}

/* Each online node has a line, and its CPUs are the ones sysfs gives it. */
TEST(view_has_one_line_per_online_node)
{
	char path[96], sysfs_cpus[256], cpus[256], state[16];
	int node, lines = 0, fields;
	unsigned long load;
	struct view v;
	char *line;
	FILE *f;

	ASSERT_EQ(0, read_view(&v));
	for (line = strstr(v.text, "\nnode="); line; line = strstr(line + 1, "\nnode=")) {
		fields = sscanf(line, "\nnode=%d state=%15s load=%lu cpus=%255s",
				&node, state, &load, cpus);
		ASSERT_EQ(4, fields) TH_LOG("bad node line");
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", node);
		f = fopen(path, "r");
		ASSERT_NE(NULL, f) TH_LOG("no %s", path);
		ASSERT_EQ(1, fscanf(f, "%255s", sysfs_cpus));
		fclose(f);
		EXPECT_STREQ(sysfs_cpus, cpus) TH_LOG("node %d", node);
		lines++;
	}
	EXPECT_EQ(nr_nodes(), lines);
}

/* --- the view while CPUs go offline and online ---------------------------- */

#define CPU_DIR		"/sys/devices/system/cpu/"
#define TOGGLE_MS	3000

static int set_online(int cpu, int online)
{
	char path[64];

	snprintf(path, sizeof(path), CPU_DIR "cpu%d/online", cpu);
	return write_buf(path, online ? "1" : "0", 1);
}

/* The CPUs of a cpulist file as flags in @set; the count, or -1. */
static int read_cpu_set(const char *path, char *set)
{
	int cpus[MAX_CPUS + 1], i, n;
	char buf[256];

	memset(set, 0, MAX_CPUS);
	if (read_line(path, buf, sizeof(buf)))
		return -1;
	n = parse_cpulist(buf, cpus);
	for (i = 0; i < n; i++)
		set[cpus[i]] = 1;
	return n;
}

/* Every CPU that has an online file and is offline back online: 0 or -errno. */
static int all_online(void)
{
	char path[64], buf[8];
	int cpu, err, ret = 0;

	for (cpu = 0; cpu < MAX_CPUS; cpu++) {
		snprintf(path, sizeof(path), CPU_DIR "cpu%d/online", cpu);
		if (read_line(path, buf, sizeof(buf)) || buf[0] != '0')
			continue;
		err = set_online(cpu, 1);
		if (err && !ret)
			ret = err;
	}
	return ret;
}

FIXTURE(hotplug) {
	char possible[MAX_CPUS];	/* the CPUs that can ever be online */
	char stays[MAX_CPUS];		/* online, and not taken offline */
	int cpus[MAX_CPUS];		/* those the tests take offline */
	int nr_cpus;
	int nr_online;
};

FIXTURE_SETUP(hotplug)
{
	char path[64];
	int cpu;

	restore_guest(_metadata);
	if (geteuid())
		SKIP(return, "CPU hotplug needs root");
	if (access(CPU_DIR "cpu1/online", W_OK))
		SKIP(return, "no " CPU_DIR "cpu1/online to take a CPU offline with");
	ASSERT_EQ(0, all_online()) TH_LOG("cannot bring every CPU online first");
	ASSERT_LT(0, read_cpu_set(CPU_DIR "possible", self->possible));
	ASSERT_LT(0, read_cpu_set(CPU_DIR "online", self->stays));
	for (cpu = 0; cpu < MAX_CPUS; cpu++) {
		snprintf(path, sizeof(path), CPU_DIR "cpu%d/online", cpu);
		if (!self->stays[cpu] || access(path, W_OK))
			continue;
		self->cpus[self->nr_cpus++] = cpu;
		self->stays[cpu] = 0;
	}
	self->nr_online = sysconf(_SC_NPROCESSORS_ONLN);
	ASSERT_LT(self->nr_cpus, self->nr_online)
		TH_LOG("every CPU can go offline: keep one online");
}

/*
 * In the parent, so that a failed test cannot leave a CPU offline.  No
 * TH_LOG after the EXPECT: a failed ASSERT in the child leaves the harness's
 * trigger set, which would print it here even on success.
 */
FIXTURE_TEARDOWN_PARENT(hotplug)
{
	int err = all_online();

	if (err)
		TH_LOG("cannot bring every CPU back online: %s", strerror(-err));
	EXPECT_EQ(0, err);
}

/*
 * What a view of CPUs going on and offline must show: a line for each CPU
 * that stays online, none for one not @possible, and between @min and @max
 * lines.  NULL, or what is wrong, and the CPU at fault in @cpu.
 */
static const char *bad_hotplug_view(const struct view *v, const char *possible,
				    const char *stays, int min, int max, int *cpu)
{
	for (*cpu = 0; *cpu < MAX_CPUS; (*cpu)++) {
		if (v->cpu[*cpu].present && !possible[*cpu])
			return "a line for a CPU that is not possible";
		if (!v->cpu[*cpu].present && stays[*cpu])
			return "no line for a CPU that stays online";
	}
	*cpu = -1;
	if (v->nr_lines < 1)
		return "no CPU line";
	if (v->nr_lines < min)
		return "fewer lines than the CPUs that stay online";
	if (v->nr_lines > max)
		return "more lines than CPUs";
	return NULL;
}

struct toggler {
	const int *cpus;
	int nr_cpus;
	long long until_ns;
	atomic_int done;
	atomic_int stop;
	int cycles;
	int err, cpu, online;		/* the first failure */
};

/*
 * Takes the CPUs offline one after another, then back online, for
 * TOGGLE_MS: the view goes through every count from all online to only
 * those that stay.  Every other round runs through them backwards.
 */
static void *toggle(void *arg)
{
	struct toggler *t = arg;
	int i, j, online;

	do {
		for (online = 0; online <= 1; online++) {
			for (j = 0; j < t->nr_cpus && !t->err; j++) {
				i = t->cycles & 1 ? t->nr_cpus - 1 - j : j;
				t->err = set_online(t->cpus[i], online);
				t->cpu = t->cpus[i];
				t->online = online;
			}
		}
		t->cycles++;
	} while (!t->err && !atomic_load(&t->stop) && now_ns() < t->until_ns);
	atomic_store(&t->done, 1);
	return NULL;
}

TEST_F_TIMEOUT(hotplug, view_reads_while_cpus_toggle, 120)
{
	int reads = 0, min_lines = MAX_CPUS, max_lines = 0, cpu = -1, err = 0;
	struct toggler t = {
		.cpus = self->cpus,
		.nr_cpus = self->nr_cpus,
		.until_ns = now_ns() + TOGGLE_MS * 1000000LL,
	};
	const char *bad = NULL;
	pthread_t thread;
	struct view v;

	ASSERT_EQ(0, pthread_create(&thread, NULL, toggle, &t));
	while (!atomic_load(&t.done)) {
		err = read_view(&v);
		if (err) {
			bad = "the read failed or did not parse";
			break;
		}
		bad = bad_hotplug_view(&v, self->possible, self->stays,
				       self->nr_online - self->nr_cpus,
				       self->nr_online, &cpu);
		if (bad)
			break;
		reads++;
		if (v.nr_lines < min_lines)
			min_lines = v.nr_lines;
		if (v.nr_lines > max_lines)
			max_lines = v.nr_lines;
	}
	atomic_store(&t.stop, 1);
	pthread_join(thread, NULL);

	TH_LOG("%d reads in %d rounds of %d CPUs going offline and online: %d to %d CPU lines",
	       reads, t.cycles, self->nr_cpus, min_lines, max_lines);
	ASSERT_EQ(NULL, bad)
		TH_LOG("read %d: %s (error %d, cpu %d) in:\n%s",
		       reads + 1, bad, err, bad ? cpu : -1, v.text);
	EXPECT_EQ(0, t.err)
		TH_LOG("setting cpu %d online to %d failed: %s",
		       t.cpu, t.online, strerror(-t.err));
	EXPECT_LT(0, t.cycles);
	EXPECT_LT(0, reads);
	/* A read waiting on cpus_read_lock() gets in between two hotplugs. */
	EXPECT_LT(min_lines, self->nr_online)
		TH_LOG("no read saw a CPU offline");
}

/* The view and CPU_DIR "online" have the same CPUs. */
static void expect_view_is_online(struct __test_metadata *_metadata,
				  const char *when)
{
	char online[MAX_CPUS];
	struct view v;
	int cpu;

	ASSERT_EQ(0, read_view(&v)) TH_LOG("%s: cannot read or parse " VIEW, when);
	ASSERT_LT(0, read_cpu_set(CPU_DIR "online", online));
	EXPECT_EQ(sysconf(_SC_NPROCESSORS_ONLN), v.nr_lines)
		TH_LOG("%s: %d CPU lines for %ld CPUs online", when,
		       v.nr_lines, sysconf(_SC_NPROCESSORS_ONLN));
	/* Braces: the TH_LOG is a statement of its own after the EXPECT. */
	for (cpu = 0; cpu < MAX_CPUS; cpu++) {
		EXPECT_EQ(online[cpu], v.cpu[cpu].present)
			TH_LOG("%s: cpu %d is %s but %s a line", when, cpu,
			       online[cpu] ? "online" : "offline",
			       v.cpu[cpu].present ? "has" : "has no");
	}
}

/*
 * The CPUs go offline one by one, then come back in reverse order: after
 * each, the view has a line for exactly the CPUs online.
 */
TEST_F_TIMEOUT(hotplug, view_shows_only_online_cpus, 60)
{
	char when[64];
	int i, cpu;

	expect_view_is_online(_metadata, "before");
	for (i = 0; i < self->nr_cpus; i++) {
		cpu = self->cpus[i];
		ASSERT_EQ(0, set_online(cpu, 0))
			TH_LOG("cannot take cpu %d offline", cpu);
		snprintf(when, sizeof(when), "cpu %d offline", cpu);
		expect_view_is_online(_metadata, when);
	}
	for (i = self->nr_cpus - 1; i >= 0; i--) {
		cpu = self->cpus[i];
		ASSERT_EQ(0, set_online(cpu, 1))
			TH_LOG("cannot bring cpu %d online", cpu);
		snprintf(when, sizeof(when), "cpu %d back online", cpu);
		expect_view_is_online(_metadata, when);
	}
	EXPECT_EQ(self->nr_online, sysconf(_SC_NPROCESSORS_ONLN));
}

/* --- states under load --------------------------------------------------- */

static atomic_int stop_spinning;

struct spinner {
	pthread_t thread;
	atomic_int running;
	atomic_int tid;
	atomic_int watch_cpu;		/* -1, or the CPU to note arriving on */
	atomic_llong arrived_ns;	/* when it first ran on watch_cpu */
	atomic_llong elsewhere_ns;	/* when it last ran on another CPU */
};

struct spinners {
	struct spinner s[96];
	int nr;
};

static void *spin(void *arg)
{
	struct spinner *s = arg;

	atomic_store(&s->tid, gettid());
	atomic_store(&s->running, 1);
	while (!atomic_load_explicit(&stop_spinning, memory_order_relaxed)) {
		/* Time first: a preemption after it cannot date a later run. */
		long long t = now_ns();

		if (atomic_load_explicit(&s->watch_cpu, memory_order_relaxed) !=
		    sched_getcpu())
			atomic_store_explicit(&s->elsewhere_ns, t,
					      memory_order_relaxed);
		else if (!atomic_load(&s->arrived_ns))
			atomic_store(&s->arrived_ns, now_ns());
	}
	return NULL;
}

/*
 * A sleeper's sleeps, by now_ns() before and after each: its CPU idles in
 * them (and for how long is up to the host, which may run its vCPU late).
 */
#define SPELLS	1024

struct spells {
	atomic_int nr;
	long long at[SPELLS][2];
};

static void note_spell(struct spells *spells, long long from, long long to)
{
	int nr;

	if (!spells)
		return;
	nr = atomic_load(&spells->nr);
	if (nr < SPELLS) {
		spells->at[nr][0] = from;
		spells->at[nr][1] = to;
		atomic_store(&spells->nr, nr + 1);
	}
}

/* Spin @run_ms, sleep 1 ms, until told to stop; note the sleeps in @spells. */
static void *spin_sleeping_every(struct spinner *s, long long run_ms,
				 struct spells *spells)
{
	long long slice_end, slept;

	atomic_store(&s->tid, gettid());
	atomic_store(&s->running, 1);
	while (!atomic_load_explicit(&stop_spinning, memory_order_relaxed)) {
		slice_end = now_ns() + run_ms * 1000000LL;
		while (now_ns() < slice_end)
			;
		slept = now_ns();
		sleep_ms(1);
		note_spell(spells, slept, now_ns());
	}
	return NULL;
}

/*
 * A spinner that sleeps 1 ms in every 10.  Made SCHED_FIFO, it still leaves
 * its CPU to the per-CPU kthreads that PREEMPT_RT runs at FIFO priority 1
 * (rcuc, ktimers): a FIFO thread that never sleeps starves them, stalls
 * RCU and with it the teardown that waits for a grace period.
 */
static void *spin_leaving_room(void *arg)
{
	return spin_sleeping_every(arg, 9, NULL);
}

/*
 * The same, sleeping 1 ms in 30: real-time work that leaves a fair thread
 * little room even when the host delays its wake-ups by a few ms.  One
 * such thread at a time notes its sleeps here.
 */
static struct spells little_room_spells;

static void *spin_leaving_little_room(void *arg)
{
	return spin_sleeping_every(arg, 29, &little_room_spells);
}

/* How far into one of @spells @t_ns came, in us; -1 if in none. */
static long long into_spell_us(struct spells *spells, long long t_ns)
{
	int i, nr = atomic_load(&spells->nr);

	for (i = 0; i < nr; i++)
		if (spells->at[i][0] <= t_ns && t_ns <= spells->at[i][1])
			return (t_ns - spells->at[i][0]) / 1000;
	return -1;
}

/*
 * A thread running @fn (spin(), or a variant) at @nice allowed on @cpus (a
 * -1 terminated list).  It inherits the nice value of the thread that
 * creates it, since it may not run soon enough to set its own.
 */
static int start_thread(struct spinner *s, int nice, const int *cpus,
			void *(*fn)(void *))
{
	pthread_attr_t attr;
	cpu_set_t set;
	int ret;

	CPU_ZERO(&set);
	for (; *cpus >= 0; cpus++)
		CPU_SET(*cpus, &set);
	atomic_store(&s->running, 0);
	atomic_store(&s->tid, 0);
	atomic_store(&s->watch_cpu, -1);
	atomic_store(&s->arrived_ns, 0);
	atomic_store(&s->elsewhere_ns, 0);
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	if (setpriority(PRIO_PROCESS, 0, nice))
		return errno;
	ret = pthread_create(&s->thread, &attr, fn, s);
	if (setpriority(PRIO_PROCESS, 0, 0) && !ret)
		ret = errno;
	pthread_attr_destroy(&attr);
	return ret;
}

static int start_spinner(struct spinner *s, int nice, const int *cpus)
{
	return start_thread(s, nice, cpus, spin);
}

/* The test itself stays on @cpu, out of the way of its spinners. */
static int start_spinning_on(int cpu)
{
	cpu_set_t self_cpu;

	CPU_ZERO(&self_cpu);
	CPU_SET(cpu, &self_cpu);
	atomic_store(&stop_spinning, 0);
	return sched_setaffinity(0, sizeof(self_cpu), &self_cpu);
}

static int start_spinning(void)
{
	return start_spinning_on(0);
}

/* Stop and join every spinner of @sp, which is then empty. */
static void stop_all(struct spinners *sp)
{
	int i;

	atomic_store(&stop_spinning, 1);
	for (i = 0; i < sp->nr; i++)
		pthread_join(sp->s[i].thread, NULL);
	sp->nr = 0;
}

FIXTURE(load) {
	int mode;
	int starvation_ms;
	struct spinners spinners;
};

FIXTURE_SETUP(load)
{
	restore_guest(_metadata);
	if (sysconf(_SC_NPROCESSORS_ONLN) < 4)
		SKIP(return, "needs 4 CPUs");
	if (nr_nodes() > 1)
		SKIP(return, "needs one NUMA node: the numa tests cover more");
	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_EQ(0, read_int(SYSCTL_DIR "sched_sourcesink_starvation_ms",
			      &self->starvation_ms));
	ASSERT_EQ(0, read_int(SYSCTL_DIR "sched_sourcesink_mode", &self->mode));
	ASSERT_EQ(0, start_spinning());
}

FIXTURE_TEARDOWN_PARENT(load)
{
	write_long(SYSCTL_DIR "sched_sourcesink_mode", self->mode);
}

static void add_spinner(struct __test_metadata *_metadata,
			struct spinners *sp, int nice, const int *cpus)
{
	ASSERT_EQ(0, start_spinner(&sp->s[sp->nr], nice, cpus));
	sp->nr++;
}

/* Wait until every spinner runs, so later threads queue behind them. */
static void wait_running(struct __test_metadata *_metadata, struct spinners *sp)
{
	int i, tries;

	for (i = 0; i < sp->nr; i++) {
		for (tries = 0; tries < 500 && !atomic_load(&sp->s[i].running); tries++)
			sleep_ms(10);
		ASSERT_TRUE(atomic_load(&sp->s[i].running));
	}
}

/* Spinners bound to CPUs 1 and 2, then a victim allowed only there. */
static void starve_a_thread(struct __test_metadata *_metadata,
			    struct spinners *sp)
{
	static const int cpu1[] = { 1, -1 }, cpu2[] = { 2, -1 };
	static const int cpus12[] = { 1, 2, -1 };

	add_spinner(_metadata, sp, HOG_NICE, cpu1);
	add_spinner(_metadata, sp, HOG_NICE, cpu2);
	wait_running(_metadata, sp);
	add_spinner(_metadata, sp, VICTIM_NICE, cpus12);
}

/*
 * Sample the view every 20 ms for up to @timeout_ms until @done says so;
 * returns whether it did, with the last view in @v.
 */
static int sample_until(struct __test_metadata *_metadata, struct view *v,
			int (*done)(const struct view *v), int timeout_ms)
{
	int waited;

	for (waited = 0; waited <= timeout_ms; waited += 20) {
		if (read_view(v)) {
			TH_LOG("cannot read or parse " VIEW);
			return 0;
		}
		if (done(v))
			return 1;
		sleep_ms(20);
	}
	return 0;
}

/* The starving thread's CPU (1 or 2) is a SOURCE; idle CPU 3 is a SINK. */
static int starving_cpu_is_source(const struct view *v)
{
	return (is_state(v, 1, "SOURCE") || is_state(v, 2, "SOURCE")) &&
	       is_state(v, 3, "SINK");
}

/*
 * CPU 3 runs nothing of the test's, but a kernel thread may run there for a
 * moment (after the hotplug tests, CPU 3's per-CPU work), and one that a
 * host stall keeps busy past the limit makes it NEITHER, rightly: two
 * samples of 25 may show that.
 */
#define IDLE_NOT_SINK_MAX	2

TEST_F(load, idle_cpu_is_sink)
{
	int i, not_sink = 0;
	struct view v;

	for (i = 0; i < 25; i++) {
		ASSERT_EQ(0, read_view(&v));
		if (!is_state(&v, 3, "SINK")) {
			not_sink++;
			TH_LOG("sample %d: idle cpu 3 is %s, busy for %llu ms", i,
			       v.cpu[3].state, v.cpu[3].since_idle_ms);
		}
		sleep_ms(20);
	}
	EXPECT_GE(IDLE_NOT_SINK_MAX, not_sink);
}

/*
 * Only fair threads are movable: a real-time thread waiting behind a higher
 * one is the real-time balancer's (push and pull), and no waiter of this
 * one.  On CPU 1 a SCHED_FIFO thread allowed on CPUs 1-2 waits behind a
 * higher one pinned there; CPU 2 runs a higher one still, so real-time
 * push leaves it where it is.  Each sleeps 1 ms in 10 (spin_leaving_room()),
 * so the waiter waits about 90% of the time.  The view must count no
 * movable waiter on CPUs 1-2 in all but IDLE_NOT_SINK_MAX samples of 25
 * (a fair thread may wake there for a moment).
 */
TEST_F(load, waiting_fifo_thread_is_not_movable)
{
	static const int cpu1[] = { 1, -1 }, cpu2[] = { 2, -1 };
	static const int cpus12[] = { 1, 2, -1 };
	static const struct {
		const int *cpus;
		int priority;
	} rt[] = { { cpu1, 20 }, { cpu2, 30 }, { cpus12, 10 } };
	struct spinners *sp = &self->spinners;
	int i, with_waiters = 0;
	struct sched_param fifo;
	struct view v;

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, start_thread(&sp->s[sp->nr], 0, rt[i].cpus,
					  spin_leaving_room));
		fifo.sched_priority = rt[i].priority;
		ASSERT_EQ(0, pthread_setschedparam(sp->s[sp->nr].thread,
						   SCHED_FIFO, &fifo));
		sp->nr++;
	}
	wait_running(_metadata, sp);
	sleep_ms(self->starvation_ms + 20);
	for (i = 0; i < 25; i++) {
		ASSERT_EQ(0, read_view(&v));
		if (v.cpu[1].movable + v.cpu[2].movable) {
			with_waiters++;
			TH_LOG("sample %d: movable waiters on cpu 1: %u, cpu 2: %u",
			       i, v.cpu[1].movable, v.cpu[2].movable);
		}
		sleep_ms(20);
	}
	EXPECT_GE(IDLE_NOT_SINK_MAX, with_waiters);
}

/*
 * A CPU that runs only SCHED_IDLE threads has room: a thread moved there
 * preempts them, as sched_idle_cpu() has it for wake-ups.  CPU 3 runs a
 * SCHED_IDLE spinner and nothing else, busy throughout, and must still be
 * a SINK, but for IDLE_NOT_SINK_MAX samples of 25, as an idle CPU.
 */
TEST_F(load, sched_idle_only_cpu_is_sink)
{
	static const int cpu3[] = { 3, -1 };
	struct sched_param none = { 0 };
	struct spinner *s = &self->spinners.s[self->spinners.nr];
	int i, not_sink = 0;
	struct view v;

	add_spinner(_metadata, &self->spinners, 0, cpu3);
	wait_running(_metadata, &self->spinners);
	ASSERT_EQ(0, pthread_setschedparam(s->thread, SCHED_IDLE, &none));
	sleep_ms(self->starvation_ms + 20);
	for (i = 0; i < 25; i++) {
		ASSERT_EQ(0, read_view(&v));
		if (!is_state(&v, 3, "SINK")) {
			not_sink++;
			TH_LOG("sample %d: cpu 3, running SCHED_IDLE only, is %s, busy for %llu ms",
			       i, v.cpu[3].state, v.cpu[3].since_idle_ms);
		}
		sleep_ms(20);
	}
	EXPECT_GE(IDLE_NOT_SINK_MAX, not_sink);
}

TEST_F(load, starving_thread_makes_source)
{
	struct view v;
	int src;

	starve_a_thread(_metadata, &self->spinners);
	ASSERT_TRUE(sample_until(_metadata, &v, starving_cpu_is_source, 5000))
		TH_LOG("no SOURCE within 5 s:\n%s", v.text);
	src = is_state(&v, 1, "SOURCE") ? 1 : 2;
	EXPECT_GE(v.cpu[src].movable, 1);
	EXPECT_GE(v.cpu[src].oldest_wait_ms, self->starvation_ms);
	EXPECT_EQ(0, v.cpu[3].movable);
}

/*
 * A spinner bound to CPU 1 and a movable spinner alone on CPUs 2-3: each
 * CPU runs at most one thread and queues nothing, so none may be a SOURCE
 * however long it stays busy.
 */
TEST_F(load, lone_running_thread_is_not_source)
{
	static const int cpu1[] = { 1, -1 }, cpus23[] = { 2, 3, -1 };
	struct view v;
	int i, cpu;

	add_spinner(_metadata, &self->spinners, HOG_NICE, cpu1);
	add_spinner(_metadata, &self->spinners, VICTIM_NICE, cpus23);
	wait_running(_metadata, &self->spinners);
	for (i = 0; i < 15 * self->starvation_ms / 20; i++) {
		ASSERT_EQ(0, read_view(&v));
		for (cpu = 1; cpu <= 3; cpu++) {
			ASSERT_FALSE(is_state(&v, cpu, "SOURCE"))
				TH_LOG("cpu %d is a SOURCE:\n%s", cpu, v.text);
		}
		sleep_ms(20);
	}
}

/*
 * A CPU busy throughout with one thread has no room and nothing to give:
 * NEITHER once it has not been idle for the limit, never a SINK; an idle
 * CPU stays a SINK.
 */
TEST_F(load, busy_cpu_with_nobody_starving_is_neither)
{
	static const int cpu1[] = { 1, -1 };
	struct view v;
	int i;

	add_spinner(_metadata, &self->spinners, 0, cpu1);
	wait_running(_metadata, &self->spinners);
	sleep_ms(self->starvation_ms + 20);
	for (i = 0; i < 25; i++) {
		ASSERT_EQ(0, read_view(&v));
		EXPECT_TRUE(is_state(&v, 1, "NEITHER"))
			TH_LOG("busy cpu 1 is %s:\n%s", v.cpu[1].state, v.text);
		EXPECT_TRUE(is_state(&v, 3, "SINK"))
			TH_LOG("idle cpu 3 is %s", v.cpu[3].state);
		sleep_ms(20);
	}
}

static int no_states(const struct view *v)
{
	return !strstr(v->text, "SOURCE") && !strstr(v->text, "SINK") &&
	       !strstr(v->text, "NEITHER");
}

/*
 * Mode 0 shows no states even with a thread starving; back in mode 1 the
 * victim, which does not run in between and so passes through no hook, is
 * found again from the runqueue.
 */
TEST_F(load, mode_off_shows_no_states)
{
	struct view v;
	int cpu;

	starve_a_thread(_metadata, &self->spinners);
	ASSERT_TRUE(sample_until(_metadata, &v, starving_cpu_is_source, 5000))
		TH_LOG("no SOURCE within 5 s:\n%s", v.text);

	ASSERT_EQ(0, write_long(SYSCTL_DIR "sched_sourcesink_mode", 0));
	sleep_ms(3 * self->starvation_ms);
	ASSERT_EQ(0, read_view(&v));
	EXPECT_STREQ("off", v.mode);
	EXPECT_TRUE(no_states(&v)) TH_LOG("mode 0 shows states:\n%s", v.text);
	for (cpu = 0; cpu < 4; cpu++)
		EXPECT_TRUE(is_state(&v, cpu, "OFF"));

	ASSERT_EQ(0, write_long(SYSCTL_DIR "sched_sourcesink_mode", 1));
	EXPECT_TRUE(sample_until(_metadata, &v, starving_cpu_is_source, 5000))
		TH_LOG("the starving thread was not found again:\n%s", v.text);
}

/* --- the balancer ------------------------------------------------------- */

#define TRACING		"/sys/kernel/tracing/"
#define MOVE_EVENT	TRACING "events/sched/sched_sourcesink_move/enable"
#define DECISION_EVENT	TRACING "events/sched/sched_sourcesink_decision/enable"

static const char * const knobs[] = {
	"sched_sourcesink_mode", "sched_sourcesink_period_ms",
	"sched_sourcesink_starvation_ms", "sched_sourcesink_state_weight",
	"sched_sourcesink_load_weight", "sched_sourcesink_max_moves",
	"sched_sourcesink_standalone", "sched_sourcesink_numa",
	"sched_sourcesink_node_period_ms",
};

#define NR_KNOBS ARRAY_SIZE(knobs)

static int knob(const char *name)
{
	char path[128];
	int val = -1;

	snprintf(path, sizeof(path), SYSCTL_DIR "%s", name);
	read_int(path, &val);
	return val;
}

static int set_knob(const char *name, long val)
{
	char path[128];

	snprintf(path, sizeof(path), SYSCTL_DIR "%s", name);
	return write_long(path, val);
}

struct events {
	unsigned long long decisions, moved, refused_running, arrived_starving;
	unsigned long long refused_throttled;
	unsigned long long breach_move_bound, breach_no_sink, breach_running;
};

/* The number after " @name=" in @text, in @n: 0, or -1 if there is none. */
static int text_number(const char *text, const char *name,
		       unsigned long long *n)
{
	char key[64];
	const char *at;

	snprintf(key, sizeof(key), " %s=", name);
	at = strstr(text, key);
	return at && sscanf(at + strlen(key), "%llu", n) == 1 ? 0 : -1;
}

/*
 * The events line's decisions= and moved= counters, or with @level "node_"
 * its node_decisions= and node_moved=.
 */
static int read_level_events(struct events *e, const char *level)
{
	char key[32];
	struct view v;

	if (read_view(&v))
		return -1;
	snprintf(key, sizeof(key), "%sdecisions", level);
	if (text_number(v.text, key, &e->decisions))
		return -1;
	snprintf(key, sizeof(key), "%smoved", level);
	if (text_number(v.text, key, &e->moved) ||
	    text_number(v.text, "refused_running", &e->refused_running) ||
	    text_number(v.text, "refused_throttled", &e->refused_throttled) ||
	    text_number(v.text, "arrived_starving", &e->arrived_starving) ||
	    text_number(v.text, "breach_move_bound", &e->breach_move_bound) ||
	    text_number(v.text, "breach_no_sink", &e->breach_no_sink) ||
	    text_number(v.text, "breach_running", &e->breach_running))
		return -1;
	return 0;
}

static int read_events(struct events *e)
{
	return read_level_events(e, "");
}

/* The value of " @name=" in the debugfs view, or -1. */
static long long read_view_number(const char *name)
{
	unsigned long long n;
	struct view v;

	if (read_view(&v) || text_number(v.text, name, &n))
		return -1;
	return n;
}

/* The CPU @tid last ran on, field 39 of /proc/TID/stat, or -1. */
static int last_cpu(pid_t tid)
{
	char path[64], buf[512], *at;
	int n, cpu;

	snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	if (read_line(path, buf, sizeof(buf)))
		return -1;
	at = strrchr(buf, ')');
	for (n = 0; at && n < 37; n++)
		at = strchr(at + 1, ' ');
	if (!at || sscanf(at, " %d", &cpu) != 1 || cpu < 0 || cpu >= MAX_CPUS)
		return -1;
	return cpu;
}

/* The field @key of /proc/@tid/sched, or @none when it is not there. */
static long long sched_field(int tid, const char *key, long long none)
{
	char path[64], line[256], format[80];
	long long n = none;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/sched", tid);
	snprintf(format, sizeof(format), "%s : %%lld", key);
	f = fopen(path, "r");
	if (!f)
		return none;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, format, &n) == 1)
			break;
	fclose(f);
	return n;
}

static long long migrations_of(int tid)
{
	return sched_field(tid, "se.nr_migrations", -1);
}

static int clear_trace(void)
{
	int fd = open(TRACING "trace", O_WRONLY | O_TRUNC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/*
 * Is trace @line one of the balancer's moves?  If so, with the thread and
 * the CPUs it went between, each CPU below MAX_CPUS.
 */
static int parse_move(const char *line, int *pid, int *src, int *dst)
{
	const char *at = strstr(line, "sched_sourcesink_move:");

	if (at)
		at = strstr(at, " pid=");
	return at && sscanf(at, " pid=%d src_cpu=%d dst_cpu=%d", pid, src, dst) == 3 &&
	       *src >= 0 && *dst >= 0 && *src < MAX_CPUS && *dst < MAX_CPUS;
}

/* The balancer's moves so far in the trace: count those of @pid (0: any). */
static int count_moves(int pid)
{
	int n = 0, p, src, dst;
	char line[512];
	FILE *f;

	f = fopen(TRACING "trace", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!parse_move(line, &p, &src, &dst))
			continue;
		if (!pid || p == pid)
			n++;
	}
	fclose(f);
	return n;
}

/* A decision's first pair, as its trace event gives it. */
struct pair {
	unsigned int sources;		/* CPUs the decision saw as SOURCE */
	int src, dst;
	unsigned long long src_metric;	/* load, or score in score mode */
	int line;			/* of the decision, in the trace */
	int moved_src, moved_dst;	/* see first_move_of() */
};

/*
 * The first decision in the trace that chose a pair, a source and a sink
 * (one that found a source but no CPU with room chose none): 0 with the
 * pair if it saw at least @min_sources sources, -1 if it saw fewer or none
 * chose one.
 * Later decisions see what earlier moves changed, so only the first counts;
 * and kernel threads starve too and may be the ones moved, so tests that
 * check the choice read the decision, and the move it made with
 * first_move_of(), which looks only at the test's threads.
 */
static int first_pair(unsigned int min_sources, struct pair *pair)
{
	char line[512];
	int found = 1, n = 0;
	char *at;
	FILE *f;

	f = fopen(TRACING "trace", "r");
	if (!f)
		return -1;
	while (found > 0 && fgets(line, sizeof(line), f)) {
		pair->line = ++n;
		at = strstr(line, "sched_sourcesink_decision:");
		if (!at)
			continue;
		at = strstr(at, " sources=");
		if (at && sscanf(at, " sources=%u sinks=%*u src_cpu=%d dst_cpu=%d src_%*[a-z]=%llu",
				 &pair->sources, &pair->src, &pair->dst,
				 &pair->src_metric) == 4 && pair->src >= 0 && pair->dst >= 0)
			found = pair->sources >= min_sources ? 0 : -1;
	}
	fclose(f);
	return found ? -1 : 0;
}

/*
 * Fills @pair's moved_src and moved_dst with the first move, after the
 * decision first_pair() found, of one of the threads of @sp (the sink that
 * decision chose may refuse a thread for its affinity and the next take
 * it; a kernel thread may be moved too, and is not the test's), or -1.
 */
/*
 * How long @pid had waited, by the balancer's own count, when it was last
 * moved to @cpu in the trace so far; -1 if it was not.
 */
static long long waited_before_move(int pid, int cpu)
{
	int p, src, dst;
	long long waited = -1;
	char line[512], *at;
	FILE *f;

	f = fopen(TRACING "trace", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!parse_move(line, &p, &src, &dst) || p != pid || dst != cpu)
			continue;
		at = strstr(line, " waited_ms=");
		if (!at || sscanf(at, " waited_ms=%lld", &waited) != 1)
			waited = -1;
	}
	fclose(f);
	return waited;
}

static void first_move_of(const struct spinners *sp, struct pair *pair)
{
	int n = 0, pid, src, dst, i;
	char line[512];
	char *at;
	FILE *f;

	pair->moved_src = -1;
	pair->moved_dst = -1;
	f = fopen(TRACING "trace", "r");
	if (!f)
		return;
	while (pair->moved_src < 0 && fgets(line, sizeof(line), f)) {
		at = ++n > pair->line ? strstr(line, "sched_sourcesink_move:") : NULL;
		at = at ? strstr(at, " pid=") : NULL;
		if (!at || sscanf(at, " pid=%d src_cpu=%d dst_cpu=%d", &pid, &src, &dst) != 3)
			continue;
		for (i = 0; i < sp->nr; i++) {
			if (atomic_load(&sp->s[i].tid) == pid) {
				pair->moved_src = src;
				pair->moved_dst = dst;
				break;
			}
		}
	}
	fclose(f);
}

/* Log the decisions that chose a pair, for a failing test's output. */
static void log_pairs(struct __test_metadata *_metadata)
{
	char line[512];
	FILE *f;

	f = fopen(TRACING "trace", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strstr(line, "sched_sourcesink_") && !strstr(line, "src_cpu=-1"))
			TH_LOG("%s", strstr(line, "sched_sourcesink_"));
	}
	fclose(f);
}

/*
 * Log every event of this balancer in the trace, with its time, and the
 * view: what a test that took longer than its bound saw on the way.
 */
static void log_trace_and_view(struct __test_metadata *_metadata)
{
	char line[512], *at;
	struct view v;
	FILE *f;

	f = fopen(TRACING "trace", "r");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			at = strstr(line, " sched_sourcesink_");
			if (at && at - line > 14)
				TH_LOG("%.14s%s", at - 14, at);
		}
		fclose(f);
	}
	if (!read_view(&v))
		TH_LOG("%s", v.text);
}

FIXTURE(balance) {
	int saved[NR_KNOBS];
	struct spinners sp;
};

/* The pid of the kthread that makes the decisions, or -1. */
static int decider_pid(void)
{
	char path[300], comm[32];
	struct dirent *d;
	int pid = -1, fd;
	ssize_t n;
	DIR *proc;

	proc = opendir("/proc");
	if (!proc)
		return -1;
	while (pid < 0 && (d = readdir(proc))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, comm, sizeof(comm) - 1);
		close(fd);
		if (n == sizeof("sourcesink") && !memcmp(comm, "sourcesink\n", n))
			pid = atoi(d->d_name);
	}
	closedir(proc);
	return pid;
}

/*
 * The decider as the binary found it: where it may run.  A test may keep it
 * off the CPUs it watches (confine_decider()); every test ends, and the next
 * one begins (restore_guest()), with it put back.
 */
static int decider_at_start;
static cpu_set_t decider_cpus_at_start;

static void __attribute__((constructor)) save_decider_at_start(void)
{
	decider_at_start = decider_pid();
	if (decider_at_start > 0 &&
	    sched_getaffinity(decider_at_start, sizeof(decider_cpus_at_start),
			      &decider_cpus_at_start))
		decider_at_start = -1;
}

/* Put the decider back where it may run; was it elsewhere? */
static bool restore_decider(void)
{
	cpu_set_t now;

	if (decider_at_start <= 0 ||
	    sched_getaffinity(decider_at_start, sizeof(now), &now) ||
	    CPU_EQUAL(&now, &decider_cpus_at_start))
		return false;
	sched_setaffinity(decider_at_start, sizeof(decider_cpus_at_start),
			  &decider_cpus_at_start);
	return true;
}

/* Save every knob in @saved, and start from a clean trace of moves. */
static void start_balance_test(struct __test_metadata *_metadata, int *saved)
{
	char path[128];
	int i;

	for (i = 0; i < NR_KNOBS; i++) {
		snprintf(path, sizeof(path), SYSCTL_DIR "%s", knobs[i]);
		ASSERT_EQ(0, read_int(path, &saved[i]));
	}
	ASSERT_EQ(0, write_buf(MOVE_EVENT, "1", 1));
	ASSERT_EQ(0, write_buf(DECISION_EVENT, "1", 1));
	ASSERT_EQ(0, clear_trace());
	ASSERT_EQ(0, start_spinning());
}

#define TEST_CGROUP	"/sys/fs/cgroup/sourcesink_test"
#define PARTITION_CGROUP	"/sys/fs/cgroup/sourcesink_partition"

/* The cgroups a test made, once their threads are gone: 0, or -1. */
static int remove_test_cgroups(void)
{
	int i;

	/* A cgroup the test made empties as its threads are reaped. */
	for (i = 0; i < 100 && rmdir(TEST_CGROUP "/victim") && errno == EBUSY; i++)
		sleep_ms(10);
	for (i = 0; i < 100 && rmdir(TEST_CGROUP "/nest/inner") && errno == EBUSY; i++)
		sleep_ms(10);
	rmdir(TEST_CGROUP "/nest");
	for (i = 0; i < 100 && rmdir(PARTITION_CGROUP) && errno == EBUSY; i++)
		sleep_ms(10);
	for (i = 0; i < 100 && rmdir(TEST_CGROUP) && errno == EBUSY; i++)
		sleep_ms(10);
	return access(TEST_CGROUP, F_OK) && access(PARTITION_CGROUP, F_OK) ? 0 : -1;
}

/* From the parent, once the test's threads are gone: put it all back. */
static void end_balance_test(const int *saved)
{
	int i;

	for (i = 0; i < NR_KNOBS; i++)
		set_knob(knobs[i], saved[i]);
	restore_decider();
	write_buf(MOVE_EVENT, "0", 1);
	write_buf(DECISION_EVENT, "0", 1);
	remove_test_cgroups();
}

/*
 * Every knob as the binary found it, before any test: scripts/guest/check
 * runs it once a boot, so these are the defaults the kernel booted with
 * (the sysctl tests check them against the documented ones).
 */
static int knobs_at_start[NR_KNOBS];

static void __attribute__((constructor)) save_knobs_at_start(void)
{
	char path[128];
	int i;

	for (i = 0; i < NR_KNOBS; i++) {
		snprintf(path, sizeof(path), SYSCTL_DIR "%s", knobs[i]);
		if (read_int(path, &knobs_at_start[i]))
			knobs_at_start[i] = -1;
	}
}

/*
 * The guest as it booted, for the test about to run: every CPU online, the
 * knobs as the binary found them, the balancer's trace events off, no cgroup of
 * an earlier test.  A test that runs past its timeout is killed with its
 * whole process group, the parent-side teardown included, so whatever it
 * changed stays; each fixture's setup calls this first, from the next
 * test's process, outside the group that was killed, and logs what it had
 * to put back, so that a leftover shows where it came from.
 */
static void restore_guest(struct __test_metadata *_metadata)
{
	char path[128];
	int i, val, online_before, online;

	if (geteuid())
		return;
	online_before = sysconf(_SC_NPROCESSORS_ONLN);
	ASSERT_EQ(0, all_online()) TH_LOG("cannot bring every CPU back online");
	online = sysconf(_SC_NPROCESSORS_ONLN);
	if (online != online_before) {
		TH_LOG("restored: %d CPUs were offline", online - online_before);
		sleep_ms(500);	/* new sched domains, PELT from nothing */
	}
	for (i = 0; i < NR_KNOBS; i++) {
		snprintf(path, sizeof(path), SYSCTL_DIR "%s", knobs[i]);
		if (knobs_at_start[i] < 0 || read_int(path, &val) ||
		    val == knobs_at_start[i])
			continue;
		TH_LOG("restored: %s was %d, now %d", knobs[i], val, knobs_at_start[i]);
		ASSERT_EQ(0, set_knob(knobs[i], knobs_at_start[i]));
	}
	if ((!read_int(MOVE_EVENT, &val) && val) || (!read_int(DECISION_EVENT, &val) && val))
		TH_LOG("restored: the balancer's trace events were on");
	write_buf(MOVE_EVENT, "0", 1);
	write_buf(DECISION_EVENT, "0", 1);
	if (!access(TEST_CGROUP, F_OK) || !access(PARTITION_CGROUP, F_OK))
		TH_LOG("restored: an earlier test's cgroups were left");
	ASSERT_EQ(0, remove_test_cgroups());
	if (restore_decider())
		TH_LOG("restored: the decider was confined");
}

FIXTURE_SETUP(balance)
{
	restore_guest(_metadata);
	if (sysconf(_SC_NPROCESSORS_ONLN) < 4)
		SKIP(return, "needs 4 CPUs");
	if (nr_nodes() > 1)
		SKIP(return, "needs one NUMA node: the numa tests cover more");
	if (geteuid())
		SKIP(return, "needs root");
	start_balance_test(_metadata, self->saved);
}

FIXTURE_TEARDOWN_PARENT(balance)
{
	end_balance_test(self->saved);
}

static void cpus_of(cpu_set_t *set, const int *cpus)
{
	CPU_ZERO(set);
	for (; *cpus >= 0; cpus++)
		CPU_SET(*cpus, set);
}

/* Keep the decider on @cpus, off those the test watches, until it ends. */
static void confine_decider(struct __test_metadata *_metadata, const int *cpus)
{
	cpu_set_t set;

	ASSERT_LT(0, decider_at_start) TH_LOG("no \"sourcesink\" kthread");
	cpus_of(&set, cpus);
	ASSERT_EQ(0, sched_setaffinity(decider_at_start, sizeof(set), &set));
}

/*
 * A spinner at @nice that first runs alone on idle CPU @first, so it has a
 * tid, and is then confined to @cpus, where it queues behind whatever runs
 * there.
 */
static struct spinner *add_victim_from(struct __test_metadata *_metadata,
				       struct spinners *sp, int nice, int first,
				       const int *cpus)
{
	const int home[] = { first, -1 };
	struct spinner *s = &sp->s[sp->nr];
	cpu_set_t set;
	int tries;

	add_spinner(_metadata, sp, nice, home);
	for (tries = 0; tries < 500 && !atomic_load(&s->running); tries++)
		sleep_ms(10);
	ASSERT_TRUE(atomic_load(&s->running));
	cpus_of(&set, cpus);
	ASSERT_EQ(0, pthread_setaffinity_np(s->thread, sizeof(set), &set));
	return s;
}

static struct spinner *add_victim(struct __test_metadata *_metadata,
				  struct spinners *sp, int nice, const int *cpus)
{
	return add_victim_from(_metadata, sp, nice, 3, cpus);
}

/* By tid: @s may be a thread of this process or a process of its own. */
static void widen(struct __test_metadata *_metadata, struct spinner *s,
		  const int *cpus)
{
	cpu_set_t set;

	cpus_of(&set, cpus);
	ASSERT_EQ(0, sched_setaffinity(atomic_load(&s->tid), sizeof(set), &set));
}

/* Return just after a decision, so the next one is a whole period away. */
static void after_a_decision(struct __test_metadata *_metadata, int period_ms)
{
	struct events e0, e;
	int waited;

	ASSERT_EQ(0, read_events(&e0));
	for (waited = 0; waited < 3 * period_ms; waited += 2) {
		ASSERT_EQ(0, read_events(&e));
		if (e.decisions != e0.decisions)
			return;
		sleep_ms(2);
	}
	ASSERT_TRUE(0) TH_LOG("no decision in %d ms", 3 * period_ms);
}

/*
 * (a) The guarantee: a starving thread that a SINK may take is moved within
 * starvation_ms + period_ms and a few ticks, measured from the thread's own
 * clock.  Standalone, so the stock balancer cannot take it first.  EEVDF
 * may still give the victim a slice on its CPU (its lag grows while it
 * waits), which restarts its wait: the wait measured starts at the later of
 * the widening and its last run there.
 */
#define LIMIT_MS	50
#define PERIOD_MS	200
#define SLACK_MS	40	/* ten 4 ms ticks: the guest's clock is a host thread's */
#define TICK_MS		4	/* HZ=250, as in the test kernel's config */
/* How long a test waits to report what the stock balancer does alone. */
#define STOCK_REPORT_MS	5000

/*
 * Widen @victim to @cpus and wait up to @timeout_ms for it to run on @cpu.
 * Returns how long after the widening it got there, or -1; *@since_run is
 * how long after the later of the widening and its last run elsewhere,
 * which ends a wait that had not starved yet.
 */
static long long time_to_reach(struct __test_metadata *_metadata,
			       struct spinner *victim, const int *cpus,
			       int cpu, int timeout_ms, long long *since_run)
{
	long long t0, arrived, ran;

	atomic_store(&victim->arrived_ns, 0);
	atomic_store(&victim->watch_cpu, cpu);
	t0 = now_ns();
	widen(_metadata, victim, cpus);
	while (!atomic_load(&victim->arrived_ns) &&
	       now_ns() - t0 < timeout_ms * 1000000LL)
		sleep_ms(10);
	arrived = atomic_load(&victim->arrived_ns);
	ran = atomic_load(&victim->elsewhere_ns);
	*since_run = arrived ? (arrived - (ran > t0 ? ran : t0)) / 1000000 : -1;
	return arrived ? (arrived - t0) / 1000000 : -1;
}

/*
 * The worst case of the guarantee for @victim, starving on CPU 1 at
 * LIMIT_MS and PERIOD_MS: its wait passes the limit just after a decision,
 * so the move waits for the one after.  Widens it to CPUs 1 and 3 and
 * checks it reaches idle CPU 3 in time, moved once by this balancer.
 */
static void expect_moved_within_guarantee(struct __test_metadata *_metadata,
					  struct spinner *victim)
{
	static const int cpus13[] = { 1, 3, -1 };
	struct events before, after;
	long long widened, t0, waited_ms, movable_ms;
	struct view v;
	int i;

	sleep_ms(100);
	ASSERT_EQ(0, read_events(&before));
	after_a_decision(_metadata, PERIOD_MS);
	sleep_ms(PERIOD_MS - LIMIT_MS + 10);
	atomic_store(&victim->watch_cpu, 3);
	widened = now_ns();
	t0 = widened;
	widen(_metadata, victim, cpus13);
	for (i = 0; i < 100 && !atomic_load(&victim->arrived_ns); i++)
		sleep_ms(10);
	ASSERT_NE(0, atomic_load(&victim->arrived_ns))
		TH_LOG("the starving thread was not moved to idle cpu 3 in 1 s");
	/*
	 * A move to a CPU with room ends the wait, which is not carried
	 * there: until it has run a limit, cpu 3 shows it waited as long as
	 * it has been there, less than the limit.
	 */
	ASSERT_EQ(0, read_view(&v));
	EXPECT_GT(LIMIT_MS, v.cpu[3].oldest_wait_ms)
		TH_LOG("on cpu 3 it shows a wait of %llu ms", v.cpu[3].oldest_wait_ms);
	/*
	 * A run there before it starved starts its wait anew; one after, a
	 * short slice, does not end it, so the bound holds from the later of
	 * the two and the limit from the widening, when it became movable.
	 */
	if (atomic_load(&victim->elsewhere_ns) > t0)
		t0 = atomic_load(&victim->elsewhere_ns);
	waited_ms = (atomic_load(&victim->arrived_ns) - t0) / 1000000;
	movable_ms = (atomic_load(&victim->arrived_ns) - widened) / 1000000;
	TH_LOG("waited %lld ms (movable for %lld ms); guarantee %d + %d + %d ms",
	       waited_ms, movable_ms, LIMIT_MS, PERIOD_MS, SLACK_MS);
	EXPECT_LE(waited_ms, LIMIT_MS + PERIOD_MS + SLACK_MS);
	EXPECT_GE(movable_ms, LIMIT_MS);
	ASSERT_EQ(0, read_events(&after));
	EXPECT_GE(after.moved, before.moved + 1);
	EXPECT_EQ(before.breach_move_bound, after.breach_move_bound);
	EXPECT_EQ(before.breach_no_sink, after.breach_no_sink);
	EXPECT_EQ(1, count_moves(atomic_load(&victim->tid)))
		TH_LOG("the victim was moved %d times",
		       count_moves(atomic_load(&victim->tid)));
}

/* Standalone at LIMIT_MS and PERIOD_MS: only this balancer moves. */
static void standalone_at_test_limits(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, set_knob("sched_sourcesink_standalone", 1));
	ASSERT_EQ(0, set_knob("sched_sourcesink_starvation_ms", LIMIT_MS));
	ASSERT_EQ(0, set_knob("sched_sourcesink_period_ms", PERIOD_MS));
}

TEST_F(balance, starving_thread_moves_within_guarantee)
{
	static const int cpu1[] = { 1, -1 };
	struct spinner *victim;

	standalone_at_test_limits(_metadata);
	add_spinner(_metadata, &self->sp, HOG_NICE, cpu1);
	victim = add_victim(_metadata, &self->sp, VICTIM_NICE, cpu1);
	expect_moved_within_guarantee(_metadata, victim);
}

/*
 * A starving thread that runs a slice now and then may be running when a
 * decision comes.  It cannot be moved then, but it starves all the same:
 * its CPU stays a SOURCE, and the decision looks again once the slice is
 * over rather than a period later.  The victim, nice 3 beside a nice 0 hog
 * on CPU 1, asks for RUNNING_SLICE_MS slices (sched_attr.sched_runtime):
 * it has a third of CPU 1, in runs shorter than the limit, RUNNING_LIMIT_MS,
 * which do not end its starvation, and waits of about twice as long, which
 * pass it.
 * Each round widens it to CPUs 1 and 3 (idle) and times its move there
 * from the widening, against a slice (it may run one first, which starts
 * its wait anew), the limit, the period, the rest of a slice and four
 * ticks; a period more fails in more than one round (see below).  The
 * rounds go on until RUNNING_HITS of them found it running at a decision
 * (refused_running), RUNNING_ROUNDS at most, and fewer fail: the test
 * would prove nothing.  The decider is kept on CPU 2: woken from CPU 1,
 * the only CPU that ticks, it may run there, at a real-time priority,
 * and preempt the very run it must find: confined to CPU 1, it found the
 * victim running in 0 of 40 rounds, in each of three runs.  Skipped on
 * PREEMPT_RT at a round whose victim was not moved and whose CPU 1 was
 * never a SOURCE: there the per-CPU kthreads at FIFO priority 1 (rcuc,
 * ksoftirqd) cut CPU 1's runs a dozen times in 500 ms, the victim is
 * picked between them, and it never waits a limit (its CPU showed NEITHER,
 * its oldest wait 5 ms, in each sample of such a round), so there is no
 * starving thread to look at twice.
 */
#define RUNNING_LIMIT_MS	100
#define RUNNING_SLICE_MS	60
#define RUNNING_ROUNDS		40
#define RUNNING_HITS		3

/* 6.12 has no /sys/kernel/realtime: its version string says PREEMPT_RT. */
static bool preempt_rt(void)
{
	struct utsname u;

	return !uname(&u) && strstr(u.version, "PREEMPT_RT");
}

struct sched_attr_v1 {
	unsigned int size, sched_policy;
	unsigned long long sched_flags;
	int sched_nice;
	unsigned int sched_priority;
	unsigned long long sched_runtime, sched_deadline, sched_period;
	unsigned int sched_util_min, sched_util_max;
};

TEST_F_TIMEOUT(balance, running_starving_thread_moves_at_the_second_look, 90)
{
	static const int cpu1[] = { 1, -1 }, cpu2[] = { 2, -1 };
	static const int cpus13[] = { 1, 3, -1 };
	struct sched_attr_v1 attr = {
		.size = sizeof(attr), .sched_policy = SCHED_OTHER,
		.sched_nice = 3,
		.sched_runtime = RUNNING_SLICE_MS * 1000000ULL,
	};
	long long ms, since_run, worst = 0, bound;
	struct events before, after, e0, e;
	int round, hits = 0, breaches = 0, over = 0;
	struct spinner *victim;
	bool found_running;
	struct view v0, v;

	standalone_at_test_limits(_metadata);
	confine_decider(_metadata, cpu2);
	ASSERT_EQ(0, set_knob("sched_sourcesink_starvation_ms", RUNNING_LIMIT_MS));
	bound = 2 * RUNNING_SLICE_MS + RUNNING_LIMIT_MS + PERIOD_MS + 4 * TICK_MS +
		SLACK_MS;
	add_spinner(_metadata, &self->sp, 0, cpu1);
	victim = add_victim(_metadata, &self->sp, 0, cpu1);
	ASSERT_EQ(0, syscall(SYS_sched_setattr, atomic_load(&victim->tid), &attr, 0))
		TH_LOG("sched_setattr: %s", strerror(errno));
	ASSERT_EQ(0, read_events(&before));
	for (round = 0; round < RUNNING_ROUNDS && hits < RUNNING_HITS; round++) {
		/* Back on CPU 1 alone, at a phase of the period of its own. */
		widen(_metadata, victim, cpu1);
		sleep_ms(100 + 37 * (round % 5));
		ASSERT_EQ(0, read_events(&e0));
		ASSERT_EQ(0, read_view(&v0));
		ms = time_to_reach(_metadata, victim, cpus13, 3, 2 * bound, &since_run);
		ASSERT_EQ(0, read_events(&e));
		ASSERT_EQ(0, read_view(&v));
		if (ms < 0 && v.cpu[1].ticks_source == v0.cpu[1].ticks_source &&
		    preempt_rt())
			SKIP(return, "round %d: PREEMPT_RT's kthreads kept the victim served",
			     round);
		found_running = e.refused_running > e0.refused_running;
		hits += found_running;
		TH_LOG("round %d: on CPU 3 after %lld ms (%lld from a run), running +%llu, +%llu",
		       round, ms, since_run, e.refused_running - e0.refused_running,
		       e.breach_running - e0.breach_running);
		ASSERT_LE(0, ms) TH_LOG("not moved within %lld ms", 2 * bound);
		/*
		 * Found running, it starved through its slices: its wait is
		 * from the widening.  Not found running, it may have been
		 * served, two slices within the limit: its wait is from its
		 * last run.
		 */
		if (!found_running)
			ms = since_run;
		breaches += e.breach_running > e0.breach_running;
		over += ms > bound;
		if (ms > worst)
			worst = ms;
	}
	ASSERT_EQ(0, read_events(&after));
	TH_LOG("%d rounds, %d found it running; longest %lld ms, %d past the bound of %lld ms",
	       round, hits, worst, over, bound);
	EXPECT_GE(1, over) {
		log_trace_and_view(_metadata);
	}
	EXPECT_LE(worst, bound + PERIOD_MS);
	/*
	 * A stalled vCPU can still be running the thread at the second look:
	 * the look comes a tick after the tick that ends the slice, which a
	 * vCPU the host has not run for a tick has not taken yet.  Seen in
	 * about one run in five with the host's two cores shared by four
	 * vCPUs.  The kernel counts it as breach_running and leaves the
	 * thread to the next decision, a period later: one such round is
	 * tolerated, and its wait is bounded by that period.  So is one
	 * round past the bound for any other reason (about one full run
	 * in eight here, with a vCPU stalled at the wrong moment): without
	 * the second look, every round that found it running is past it.
	 */
	EXPECT_GE(1, breaches);
	EXPECT_LE(RUNNING_HITS, hits)
		TH_LOG("too few decisions found it running: the test proves nothing");
}

/* --- where stock 6.12 leaves a thread beside an idle CPU ------------------ */

#define TWO_HOGS_MS		10000
#define TWO_HOGS_PERIOD_MS	200

/*
 * At the test's limit and a 200 ms period, a nice 0 hog on each of CPUs 1
 * and 2 and a nice 19 victim queued behind the first, not yet widened.
 */
static struct spinner *victim_beside_two_hogs(struct __test_metadata *_metadata,
					      struct spinners *sp)
{
	static const int cpu1[] = { 1, -1 }, cpu2[] = { 2, -1 };

	ASSERT_EQ(0, set_knob("sched_sourcesink_starvation_ms", LIMIT_MS));
	ASSERT_EQ(0, set_knob("sched_sourcesink_period_ms", TWO_HOGS_PERIOD_MS));
	add_spinner(_metadata, sp, 0, cpu1);
	add_spinner(_metadata, sp, 0, cpu2);
	wait_running(_metadata, sp);
	return add_victim(_metadata, sp, VICTIM_NICE, cpu1);
}

/*
 * A nice 19 thread allowed on two CPUs that each run a nice 0 hog starves
 * on either: that wait is its share, and no move between the two shortens
 * it.  Neither CPU has had room within the limit, so neither is a SINK, and
 * in 10 s (50 decisions) this balancer moves it at most once, should one
 * of them have idled just then.  The stock balancer moves it as well; its
 * moves are not counted.
 */
TEST_F_TIMEOUT(balance, starving_thread_stays_between_two_busy_cpus, 60)
{
	static const int cpus12[] = { 1, 2, -1 };
	struct events before, after;
	unsigned long long sourced;
	struct spinner *victim;
	struct view v0, v;
	int tid, moves;

	victim = victim_beside_two_hogs(_metadata, &self->sp);
	tid = atomic_load(&victim->tid);
	ASSERT_EQ(0, read_events(&before));
	ASSERT_EQ(0, read_view(&v0));
	widen(_metadata, victim, cpus12);
	sleep_ms(TWO_HOGS_MS);
	ASSERT_EQ(0, read_events(&after));
	ASSERT_EQ(0, read_view(&v));
	moves = count_moves(tid);
	sourced = v.cpu[1].ticks_source - v0.cpu[1].ticks_source +
		  v.cpu[2].ticks_source - v0.cpu[2].ticks_source;
	TH_LOG("moved %d times by this balancer in %d ms; %llu decisions, %llu ticks as a SOURCE",
	       moves, TWO_HOGS_MS, after.decisions - before.decisions, sourced);
	EXPECT_GT(sourced, 0) TH_LOG("it never starved: the test proves nothing");
	EXPECT_LE(moves, 1) {
		log_pairs(_metadata);
	}
}

/* The work line of the view: see "The debugfs view" in the rst. */
struct work {
	unsigned long long decisions, locks, walked, scanned;
	unsigned long long most_locks, most_walked, most_scanned;
};

static int read_work(struct work *w)
{
	struct view v;
	char *at;

	if (read_view(&v))
		return -1;
	at = strstr(v.text, "\nwork: ");
	if (!at || sscanf(at, "\nwork: decisions=%llu locks=%llu walked=%llu scanned=%llu",
			  &w->decisions, &w->locks, &w->walked, &w->scanned) != 4)
		return -1;
	at = strstr(at, " most_locks=");
	if (!at || sscanf(at, " most_locks=%llu most_walked=%llu most_scanned=%llu",
			  &w->most_locks, &w->most_walked, &w->most_scanned) != 3)
		return -1;
	return 0;
}

/*
 * The work of a decision is bounded by its attempts, and a sink that the
 * source's waiters may not use is not tried: a starving thread that may
 * use only CPUs 1 and 2, both busy with a hog, while CPUs 0 and 3 idle,
 * costs each decision one lock of its CPU, not one per sink.  The pull
 * refused by the first sink says the thread may use neither.  The counts
 * start when the balancer is switched on.
 */
#define REFUSED_MS	2000

TEST_F(balance, refused_source_costs_one_lock_a_decision)
{
	static const int cpus12[] = { 1, 2, -1 };
	struct spinner *victim;
	struct events e0, e;
	struct work w;

	victim = victim_beside_two_hogs(_metadata, &self->sp);
	widen(_metadata, victim, cpus12);
	ASSERT_EQ(0, set_knob("sched_sourcesink_mode", 0));
	ASSERT_EQ(0, set_knob("sched_sourcesink_mode", 1));
	ASSERT_EQ(0, read_events(&e0));
	sleep_ms(REFUSED_MS);
	ASSERT_EQ(0, read_work(&w));
	ASSERT_EQ(0, read_events(&e));
	TH_LOG("%llu decisions: %llu locks, %llu waiters walked, %llu CPUs read",
	       w.decisions, w.locks, w.walked, w.scanned);
	TH_LOG("the most in one: %llu locks, %llu waiters, %llu CPUs",
	       w.most_locks, w.most_walked, w.most_scanned);
	ASSERT_GE(w.decisions, REFUSED_MS / TWO_HOGS_PERIOD_MS / 2);
	/* The thread starved, and a pull was tried and refused. */
	EXPECT_GE(w.locks, 1);
	EXPECT_EQ(1, w.most_locks) {
		log_pairs(_metadata);
	}
	EXPECT_EQ(0, e.moved - e0.moved);
	EXPECT_LE(w.most_scanned, MAX_CPUS);
}

/*
 * Nor does the next decision lock that source again to learn the same,
 * until its threads change: standalone (the stock balancer would move
 * the thread between CPUs 1 and 2), with the victim beside two hogs and
 * widened to CPUs 1 and 2, a pull is refused (and learnt from) within
 * RECALL_LEARN_MS; in the RECALL_MS after, at least RECALL_DECISIONS
 * decisions take RECALL_NEW_LOCKS locks at most, for a fair thread of a
 * wider affinity that may wake on CPU 1 meanwhile.  Without the rule,
 * each decision that finds CPU 1 a SOURCE takes one.  Then the thread,
 * starving, is widened to CPUs 1 and 3: the affinity change ends the
 * note of where CPU 1's threads may go, and the next decision must move
 * it to idle CPU 3, within a period and SLACK_MS; were the note still
 * believed, never.  The balancer is switched off and on first: a note an
 * earlier test left of CPU 1 (the test above leaves one of CPUs 1 and 2)
 * would spare this one its learning, and leave it nothing to prove.  The
 * decider is put on CPU 1, the source, and then allowed everywhere again,
 * which leaves it there: a real-time thread wakes where it last ran if
 * nothing of its class runs there.  What runs on the source as a pull
 * learns is then the decider, which may run anywhere but is no thread a
 * sink could take.  Counted in the note, it made the note worthless, and
 * each decision took a lock, on boots where the decider sat there.
 */
#define RECALL_LEARN_MS		(3 * TWO_HOGS_PERIOD_MS)
#define RECALL_MS		(6 * TWO_HOGS_PERIOD_MS)
#define RECALL_DECISIONS	3
#define RECALL_NEW_LOCKS	1

TEST_F(balance, refused_source_is_not_locked_again_until_its_threads_change)
{
	static const int cpus12[] = { 1, 2, -1 }, cpus13[] = { 1, 3, -1 };
	static const int cpu1[] = { 1, -1 };
	long long reached_ms, since_run_ms;
	struct work w0, w1, w2;
	struct spinner *victim;
	struct events e0, e;

	ASSERT_EQ(0, set_knob("sched_sourcesink_standalone", 1));
	confine_decider(_metadata, cpu1);
	victim = victim_beside_two_hogs(_metadata, &self->sp);
	/* A confined sleeper moves when it next wakes: let it decide once. */
	sleep_ms(2 * TWO_HOGS_PERIOD_MS);
	ASSERT_TRUE(restore_decider());
	ASSERT_EQ(0, set_knob("sched_sourcesink_mode", 0));
	ASSERT_EQ(0, set_knob("sched_sourcesink_mode", 1));
	ASSERT_EQ(0, read_work(&w0));
	ASSERT_EQ(0, read_events(&e0));
	widen(_metadata, victim, cpus12);
	sleep_ms(RECALL_LEARN_MS);
	ASSERT_EQ(0, read_work(&w1));
	ASSERT_LT(w0.locks, w1.locks)
		TH_LOG("no pull from cpu 1 was tried: the test proves nothing");
	sleep_ms(RECALL_MS);
	ASSERT_EQ(0, read_work(&w2));
	ASSERT_EQ(0, read_events(&e));
	TH_LOG("%llu decisions took %llu locks while learning, %llu decisions %llu after",
	       w1.decisions - w0.decisions, w1.locks - w0.locks,
	       w2.decisions - w1.decisions, w2.locks - w1.locks);
	ASSERT_LE(RECALL_DECISIONS, w2.decisions - w1.decisions);
	EXPECT_EQ(e0.moved, e.moved);
	EXPECT_GE(RECALL_NEW_LOCKS, w2.locks - w1.locks) {
		log_trace_and_view(_metadata);
	}
	ASSERT_EQ(1, last_cpu(atomic_load(&victim->tid)));
	reached_ms = time_to_reach(_metadata, victim, cpus13, 3,
				   3 * TWO_HOGS_PERIOD_MS, &since_run_ms);
	TH_LOG("widened, it reached cpu 3 after %lld ms", reached_ms);
	ASSERT_LE(0, reached_ms) {
		log_trace_and_view(_metadata);
	}
	EXPECT_GE(TWO_HOGS_PERIOD_MS + SLACK_MS, reached_ms);
}

/*
 * A starving thread that the kernel migrates to wait behind another (the
 * stock balancer does so from the softirq of the tick that raises a
 * decision) makes its new CPU a SOURCE on arrival: the CPU it left has
 * published it and its new CPU has not yet, and a decision in between
 * would see it nowhere.  Hogs run on CPUs 1-3; the starving victim is
 * confined to the two CPUs it is not on, ARRIVAL_TRIES times, each after
 * ARRIVAL_GAP_MS, so that its wait is past the limit and both CPUs have
 * ticked without it.  The view read at once must show its new CPU a
 * SOURCE.  A tick of that CPU between the move and the read shows the same,
 * but the read comes first nearly always: without the rule, 15 of 16 reads
 * found the new CPU NEITHER in each of two runs.  One miss is tolerated,
 * for the stock balancer moving the victim between the read and the look
 * at its CPU.
 */
#define ARRIVAL_TRIES		16
#define ARRIVAL_GAP_MS		(3 * LIMIT_MS)
#define ARRIVAL_MISSED_MAX	1

TEST_F_TIMEOUT(balance, migrated_starving_thread_makes_its_cpu_a_source_at_once, 60)
{
	static const int hogs[3][2] = { { 1, -1 }, { 2, -1 }, { 3, -1 } };
	static const int cpus12[] = { 1, 2, -1 };
	int i, c, from, to, tid, missed = 0;
	struct events before, after;
	struct spinner *victim;
	cpu_set_t set;
	struct view v;

	ASSERT_EQ(0, set_knob("sched_sourcesink_starvation_ms", LIMIT_MS));
	for (i = 0; i < 3; i++)
		add_spinner(_metadata, &self->sp, HOG_NICE, hogs[i]);
	wait_running(_metadata, &self->sp);
	victim = add_victim_from(_metadata, &self->sp, VICTIM_NICE, 0, cpus12);
	tid = atomic_load(&victim->tid);
	ASSERT_EQ(0, read_events(&before));
	for (i = 0; i < ARRIVAL_TRIES; i++) {
		sleep_ms(ARRIVAL_GAP_MS);
		from = last_cpu(tid);
		ASSERT_TRUE(from >= 1 && from <= 3);
		CPU_ZERO(&set);
		for (c = 1; c <= 3; c++)
			if (c != from)
				CPU_SET(c, &set);
		ASSERT_EQ(0, sched_setaffinity(tid, sizeof(set), &set));
		ASSERT_EQ(0, read_view(&v));
		to = last_cpu(tid);
		ASSERT_NE(from, to);
		if (!is_state(&v, to, "SOURCE")) {
			missed++;
			TH_LOG("try %d: moved from cpu %d to cpu %d, which is %s",
			       i, from, to, v.cpu[to].state);
		}
	}
	ASSERT_EQ(0, read_events(&after));
	TH_LOG("%d of %d arrivals not published; arrived_starving counted %llu",
	       missed, ARRIVAL_TRIES, after.arrived_starving - before.arrived_starving);
	EXPECT_LE(missed, ARRIVAL_MISSED_MAX);
}

/*
 * State mode moves only starving threads, and a sink that the starving
 * thread may not use is followed by the next one, whatever the threads
 * that do not starve behind it.  On CPU 1, beside a nice 0 hog, a nice 19
 * thread starves that may use CPU 2 but not idle CPU 3, and a nice 0 one
 * that may use CPU 3 shares the CPU with the hog in short turns and never
 * waits a limit (here four times the test's).  CPU 2 runs a fair thread
 * that sleeps 1 ms in 10: a SINK, but busier than CPU 3, which is offered
 * the starving thread first.  The starving thread must reach CPU 2 within
 * the bound, and the other must stay: it does not starve.
 */
TEST_F(balance, state_mode_moves_only_starving_threads)
{
	static const int cpu1[] = { 1, -1 }, cpu2[] = { 2, -1 };
	static const int cpus12[] = { 1, 2, -1 }, cpus13[] = { 1, 3, -1 };
	struct spinner *starving, *sharing;
	long long ms, since_run;
	int moves;

	standalone_at_test_limits(_metadata);
	/* Four times the test's: a stalled vCPU does not make it starve. */
	ASSERT_EQ(0, set_knob("sched_sourcesink_starvation_ms", 4 * LIMIT_MS));
	add_spinner(_metadata, &self->sp, 0, cpu1);
	ASSERT_EQ(0, start_thread(&self->sp.s[self->sp.nr], 0, cpu2,
				  spin_leaving_room));
	self->sp.nr++;
	wait_running(_metadata, &self->sp);
	sharing = add_victim(_metadata, &self->sp, 0, cpu1);
	widen(_metadata, sharing, cpus13);
	starving = add_victim(_metadata, &self->sp, VICTIM_NICE, cpu1);
	ms = time_to_reach(_metadata, starving, cpus12, 2,
			   10 * PERIOD_MS, &since_run);
	moves = count_moves(atomic_load(&sharing->tid));
	TH_LOG("starving thread on cpu 2 after %lld ms (%lld after its last run); other moved %d",
	       ms, since_run, moves);
	EXPECT_LE(0, ms) {
		log_pairs(_metadata);
	}
	/* A slice on CPU 1 after the widening starts its wait anew. */
	EXPECT_GE(4 * LIMIT_MS + PERIOD_MS + 4 * TICK_MS + SLACK_MS, since_run);
	EXPECT_EQ(0, moves);
}

/*
 * The same starving-only rule where the starving thread can go nowhere:
 * CPU 2 runs a pinned hog, so CPU 1 stays a SOURCE at every decision and
 * idle CPU 3, which only the thread that does not starve may use, stays a
 * SINK.  Each decision walks past the starving thread and must leave the
 * other one, queued behind the hog about half the time, where it is.
 */
TEST_F(balance, state_mode_leaves_threads_that_do_not_starve)
{
	static const int cpu1[] = { 1, -1 }, cpu2[] = { 2, -1 };
	static const int cpus12[] = { 1, 2, -1 }, cpus13[] = { 1, 3, -1 };
	struct spinner *starving, *sharing;
	struct events before, after;
	int moves;

	standalone_at_test_limits(_metadata);
	ASSERT_EQ(0, set_knob("sched_sourcesink_starvation_ms", 4 * LIMIT_MS));
	add_spinner(_metadata, &self->sp, 0, cpu1);
	add_spinner(_metadata, &self->sp, 0, cpu2);
	wait_running(_metadata, &self->sp);
	starving = add_victim(_metadata, &self->sp, VICTIM_NICE, cpu1);
	widen(_metadata, starving, cpus12);
	sharing = add_victim(_metadata, &self->sp, 0, cpu1);
	ASSERT_EQ(0, read_events(&before));
	widen(_metadata, sharing, cpus13);
	sleep_ms(10 * PERIOD_MS);
	ASSERT_EQ(0, read_events(&after));
	moves = count_moves(atomic_load(&sharing->tid));
	TH_LOG("%llu decisions; the thread that does not starve moved %d times",
	       after.decisions - before.decisions, moves);
	EXPECT_EQ(0, moves) {
		log_pairs(_metadata);
	}
}

/*
 * A CPU held by real-time work has no room for a fair thread, though it
 * idles now and then and so is a SINK by state: moved there, a starving
 * thread would starve again.  CPU 2 runs a SCHED_FIFO thread that sleeps
 * 1 ms in 30, over 80% of the CPU (the rule's threshold); the victim
 * starves on CPU 1, allowed on CPUs 1-2 only.  In ten decisions it may be
 * moved to CPU 2 only in a sleep that has lasted a tick, which the rule
 * takes as room (PELT does not age a real-time load while its CPU idles):
 * the host runs that thread's vCPU late now and then, by 4 to 24 ms in
 * the sleeps seen here.  Moved there, the victim runs at once (CPU 2 is
 * idle), so where its first run there falls in the thread's sleeps, by
 * CLOCK_MONOTONIC, dates the move; ROOM_SLACK_MS allows for the guest's
 * sched_clock and CLOCK_MONOTONIC, which TCG may drive from different
 * host clocks (they drifted by 0.7% here).  Taking idle at all as room
 * (M40), the victim arrived 540 and 1175 us into a sleep, in 2 of 4 runs;
 * asserting no move at all, as this test did, failed 1 run in 30.
 */
#define ROOM_SLACK_MS		1

TEST_F(balance, cpu_held_by_fifo_is_no_sink)
{
	static const int cpu1[] = { 1, -1 }, cpu2[] = { 2, -1 };
	static const int cpus12[] = { 1, 2, -1 };
	struct sched_param fifo = { .sched_priority = 10 };
	struct spinner *victim;
	long long into_us;
	struct view v;
	int moves;

	standalone_at_test_limits(_metadata);
	ASSERT_EQ(0, start_thread(&self->sp.s[self->sp.nr], 0, cpu2,
				  spin_leaving_little_room));
	ASSERT_EQ(0, pthread_setschedparam(self->sp.s[self->sp.nr].thread,
					   SCHED_FIFO, &fifo));
	self->sp.nr++;
	add_spinner(_metadata, &self->sp, 0, cpu1);
	wait_running(_metadata, &self->sp);
	/* Ten PELT half-lives: CPU 2's real-time load is what it will be. */
	sleep_ms(320);
	victim = add_victim(_metadata, &self->sp, VICTIM_NICE, cpu1);
	atomic_store(&victim->watch_cpu, 2);
	widen(_metadata, victim, cpus12);
	sleep_ms(10 * PERIOD_MS);
	ASSERT_EQ(0, read_view(&v));
	moves = count_moves(atomic_load(&victim->tid));
	into_us = into_spell_us(&little_room_spells,
				atomic_load(&victim->arrived_ns));
	TH_LOG("cpu 1 %s, cpu 2 %s; victim moved %d times, on cpu 2 %lld us into a sleep",
	       v.cpu[1].state, v.cpu[2].state, moves, into_us);
	if (moves)
		EXPECT_LE((TICK_MS - ROOM_SLACK_MS) * 1000, into_us) {
			log_pairs(_metadata);
		}
}

/*
 * No hog delays a decision: the kthread that makes it runs at the lowest
 * real-time priority, which a fair hog does not delay and a real-time one
 * sends to a CPU without one.  CPUs 0-2 run SCHED_FIFO hogs that never
 * sleep, CPU 3 a nice -20 hog, at a 50 ms period.  No decision may then
 * begin later than a period and SLACK_MS after its period was claimed (a
 * later one costs the next), and the decisions must number 80% of the
 * periods at least.  A fair decider woken on a FIFO hog's CPU, where the
 * wake-up puts it (no fair load there), waits for the fair server, which
 * runs fair threads there 950 ms late: at nice 0, in two runs, 36 and 37
 * decisions, the longest 950 and 954 ms late (this one: 75 and 75, 40
 * and 36 ms late, the vCPUs taking turns on the host's cores).  Skipped
 * on PREEMPT_RT, whose per-CPU kthreads at FIFO priority 1 such hogs
 * would starve.
 */
#define DECIDER_MS		4000
#define DECIDER_PERIOD_MS	50

TEST_F(balance, decisions_begin_on_time_beside_hogs)
{
	static const int cpus[][2] = { { 0, -1 }, { 1, -1 }, { 2, -1 }, { 3, -1 } };
	struct sched_param fifo = { .sched_priority = 10 };
	struct events before, after;
	long long delay_us;
	int i;

	if (!access("/sys/kernel/realtime", F_OK))
		SKIP(return, "FIFO hogs that never sleep starve PREEMPT_RT's kthreads");
	standalone_at_test_limits(_metadata);
	ASSERT_EQ(0, set_knob("sched_sourcesink_period_ms", DECIDER_PERIOD_MS));
	add_spinner(_metadata, &self->sp, -20, cpus[3]);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, start_thread(&self->sp.s[self->sp.nr], 0, cpus[i], spin));
		ASSERT_EQ(0, pthread_setschedparam(self->sp.s[self->sp.nr].thread,
						   SCHED_FIFO, &fifo));
		self->sp.nr++;
	}
	wait_running(_metadata, &self->sp);
	/* Switched on again, the balancer counts the longest delay anew. */
	ASSERT_EQ(0, set_knob("sched_sourcesink_mode", 0));
	ASSERT_EQ(0, set_knob("sched_sourcesink_mode", 1));
	ASSERT_EQ(0, read_events(&before));
	sleep_ms(DECIDER_MS);
	ASSERT_EQ(0, read_events(&after));
	delay_us = read_view_number("longest_delay_us");
	TH_LOG("%llu decisions in %d ms; the longest began %lld us after its claim",
	       after.decisions - before.decisions, DECIDER_MS, delay_us);
	ASSERT_LE(0, delay_us);
	EXPECT_GE(after.decisions - before.decisions, DECIDER_MS / DECIDER_PERIOD_MS * 4 / 5);
	EXPECT_GE((DECIDER_PERIOD_MS + SLACK_MS) * 1000, delay_us);
}

/*
 * A hog that, when hog_pause_ms is set, sleeps that long once: the thread
 * behind it then runs alone, without a wake-up of the hog cutting its run.
 */
static atomic_int hog_pause_ms;

static void *spin_pausing(void *arg)
{
	struct spinner *s = arg;
	int ms;

	atomic_store(&s->tid, gettid());
	atomic_store(&s->running, 1);
	while (!atomic_load_explicit(&stop_spinning, memory_order_relaxed)) {
		ms = atomic_exchange(&hog_pause_ms, 0);
		if (ms)
			sleep_ms(ms);
	}
	return NULL;
}

/*
 * A test that builds its scenario again when a precondition did not hold
 * (a vCPU stalled by the host, a load PELT had not seen yet) says how many
 * attempts it discarded, in the one form scripts/check collects and
 * prints, and fails past @max: under half the attempts, so that a rule
 * broken in some of them is not retried away.  @discarded is -1 when every
 * one of the @tries attempts was.
 */
static void report_discarded(struct __test_metadata *_metadata, int discarded,
			     int tries, int max)
{
	int made = discarded < 0 ? tries : discarded + 1;

	if (discarded < 0)
		discarded = tries;
	TH_LOG("discarded %d of %d attempts (at most %d)", discarded, made, max);
	EXPECT_LE(discarded, max);
}

/*
 * A run as long as the limit ends a starving wait: the thread was served.
 * The victim starves on CPU 1 or 2 behind hogs (it may not use idle CPU
 * 3); the hog of CPU 1 sleeps two limits, in which the victim runs alone
 * on CPU 1 (the stock balancer pulls it there if it waited on CPU 2).
 * Once the hog is back, the victim waits again, and a limit must pass
 * before its CPU shows a wait that long.
 *
 * Two other rules end the wait too, and would hide this one: a run that
 * begins within a limit of the last one (the thread was served in time),
 * and a preemption that cuts the run short, after which it is served again
 * within the limit.  So the hog sleeps only once the victim's last slice
 * is more than a limit old, and an attempt in which the victim was
 * switched out more than once is discarded (one in five or six was here,
 * so two of five may be).  The decider is kept on CPUs 0 and 3: on CPU 1
 * or 2 it would preempt the victim's run, at a real-time priority, and
 * so discard the attempt.
 */
#define RUN_TRIES	5

TEST_F(balance, run_of_a_limit_ends_a_starving_wait)
{
	static const int cpu1[] = { 1, -1 }, cpu2[] = { 2, -1 };
	static const int cpus12[] = { 1, 2, -1 }, cpus03[] = { 0, 3, -1 };
	long long ran, switches;
	struct spinner *victim;
	int i, tid, cpu, attempt, discarded = -1;
	struct view v;

	confine_decider(_metadata, cpus03);
	ASSERT_EQ(0, set_knob("sched_sourcesink_starvation_ms", LIMIT_MS));
	atomic_store(&hog_pause_ms, 0);
	ASSERT_EQ(0, start_thread(&self->sp.s[self->sp.nr], HOG_NICE, cpu1,
				  spin_pausing));
	self->sp.nr++;
	add_spinner(_metadata, &self->sp, HOG_NICE, cpu2);
	wait_running(_metadata, &self->sp);
	victim = add_victim(_metadata, &self->sp, VICTIM_NICE, cpus12);
	tid = atomic_load(&victim->tid);

	for (attempt = 0; attempt < RUN_TRIES; attempt++) {
		ASSERT_TRUE(sample_until(_metadata, &v, starving_cpu_is_source, 5000))
			TH_LOG("the victim did not starve within 5 s:\n%s", v.text);
		/* Its last slice a limit ago: the next run starts no new wait. */
		for (i = 0; i < 1000; i++) {
			if (now_ns() - atomic_load(&victim->elsewhere_ns) >
			    (LIMIT_MS + 2) * 1000000LL)
				break;
			sleep_ms(1);
		}
		ran = sched_field(tid, "se.sum_exec_runtime", -1);
		switches = sched_field(tid, "nr_switches", -1);
		atomic_store(&hog_pause_ms, 2 * LIMIT_MS);
		sleep_ms(2 * LIMIT_MS + LIMIT_MS / 2);
		ASSERT_EQ(0, read_view(&v));
		cpu = last_cpu(tid);
		ran = sched_field(tid, "se.sum_exec_runtime", -1) - ran;
		switches = sched_field(tid, "nr_switches", -1) - switches;
		TH_LOG("attempt %d: the victim ran %lld ms in %lld switches",
		       attempt + 1, ran, switches);
		TH_LOG("then cpu %d was %s with %llu ms waited",
		       cpu, v.cpu[cpu].state, v.cpu[cpu].oldest_wait_ms);
		if (switches == 1 && ran >= LIMIT_MS) {
			discarded = attempt;
			break;
		}
	}
	report_discarded(_metadata, discarded, RUN_TRIES, 2);
	ASSERT_LE(0, discarded)
		TH_LOG("it never ran a limit in one piece: the test proves nothing");
	EXPECT_GT(LIMIT_MS, v.cpu[cpu].oldest_wait_ms);
	EXPECT_FALSE(is_state(&v, cpu, "SOURCE"));
}

/* --- group scheduling and CPU bandwidth (cgroup v2) ---------------------- */

static int write_str(const char *path, const char *str)
{
	return write_buf(path, str, strlen(str));
}

/*
 * Put the test's process in TEST_CGROUP, with the cpu controller on for a
 * threaded child TEST_CGROUP/victim that @victim alone is moved into;
 * @weight and @max go to its cpu.weight and cpu.max.  The other spinners
 * stay in TEST_CGROUP: a group se of the default weight beside them.
 */
static void victim_in_cgroup(struct __test_metadata *_metadata,
			     struct spinner *victim, const char *weight,
			     const char *max)
{
	char id[32], controllers[256];

	ASSERT_EQ(0, read_line("/sys/fs/cgroup/cgroup.subtree_control",
			       controllers, sizeof(controllers)));
	ASSERT_NE(NULL, strstr(controllers, "cpu"))
		TH_LOG("needs cgroup v2 at /sys/fs/cgroup with the cpu controller");
	ASSERT_EQ(0, mkdir(TEST_CGROUP, 0755))
		TH_LOG("mkdir " TEST_CGROUP ": %s", strerror(errno));
	ASSERT_EQ(0, write_str(TEST_CGROUP "/cgroup.subtree_control", "+cpu"));
	ASSERT_EQ(0, mkdir(TEST_CGROUP "/victim", 0755));
	ASSERT_EQ(0, write_str(TEST_CGROUP "/victim/cgroup.type", "threaded"));
	snprintf(id, sizeof(id), "%d", getpid());
	ASSERT_EQ(0, write_str(TEST_CGROUP "/cgroup.procs", id));
	snprintf(id, sizeof(id), "%d", atomic_load(&victim->tid));
	ASSERT_EQ(0, write_str(TEST_CGROUP "/victim/cgroup.threads", id));
	ASSERT_EQ(0, write_str(TEST_CGROUP "/victim/cpu.weight", weight));
	ASSERT_EQ(0, write_str(TEST_CGROUP "/victim/cpu.max", max));
}

/* The victim group's cpu.stat nr_throttled: how often its quota ran out. */
static long long victim_throttle_count(void)
{
	char line[128];
	long long n = -1;
	FILE *f;

	f = fopen(TEST_CGROUP "/victim/cpu.stat", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "nr_throttled %lld", &n) == 1)
			break;
	fclose(f);
	return n;
}

/*
 * A nice 0 thread whose group has cpu.weight 1 starves behind a nice 0 hog
 * that sits in its parent group: the group's weight, not its own, is what
 * makes it wait.  Waiting past the limit beside idle CPU 3, it is moved
 * there within the guarantee like any starving thread.
 */
TEST_F(balance, low_weight_group_thread_moves_within_guarantee)
{
	static const int cpu1[] = { 1, -1 };
	struct spinner *victim;

	standalone_at_test_limits(_metadata);
	add_spinner(_metadata, &self->sp, 0, cpu1);
	victim = add_victim(_metadata, &self->sp, 0, cpu1);
	victim_in_cgroup(_metadata, victim, "1", "max");
	expect_moved_within_guarantee(_metadata, victim);
}

/*
 * A thread whose group is throttled by cpu.max stays queued on its CPU
 * while it waits for its quota, behind a hog that keeps the CPU busy: the
 * wait is the quota's doing and no move could shorten it.  Beside idle
 * CPU 3, it is never moved for 3 s (15 decisions), however long it waits.
 * With the quota lifted and the weight lowered, the same thread starves
 * and is moved to CPU 3: the test could see a move.
 */
#define THROTTLED_MS	3000

TEST_F(balance, throttled_thread_is_never_moved)
{
	static const int cpu1[] = { 1, -1 }, cpus13[] = { 1, 3, -1 };
	unsigned long long sourced, ticks;
	long long throttled;
	struct spinner *victim;
	int tid, moves, i;
	struct view v0, v;

	standalone_at_test_limits(_metadata);
	add_spinner(_metadata, &self->sp, 0, cpu1);
	victim = add_victim(_metadata, &self->sp, 0, cpu1);
	tid = atomic_load(&victim->tid);
	/* 5 ms every 500 ms: throttled for all but 1% of the time. */
	victim_in_cgroup(_metadata, victim, "100", "5000 500000");
	throttled = victim_throttle_count();
	ASSERT_EQ(0, read_view(&v0));
	widen(_metadata, victim, cpus13);
	sleep_ms(THROTTLED_MS);
	moves = count_moves(tid);
	ASSERT_EQ(0, read_view(&v));
	throttled = victim_throttle_count() - throttled;
	sourced = v.cpu[1].ticks_source - v0.cpu[1].ticks_source;
	ticks = v.cpu[1].ticks - v0.cpu[1].ticks;
	TH_LOG("throttled %lld times in %d ms, moved %d times; cpu 1 a SOURCE %llu of %llu ticks",
	       throttled, THROTTLED_MS, moves, sourced, ticks);
	/*
	 * Its wait for the quota is no starvation: its CPU is a SOURCE only
	 * when it starves in the 1% of the time it may run.
	 */
	EXPECT_GE(ticks, 10 * sourced);
	EXPECT_GE(throttled, THROTTLED_MS / 500 - 1)
		TH_LOG("the quota did not throttle the thread: the test proves nothing");
	EXPECT_EQ(0, moves) {
		log_pairs(_metadata);
	}

	ASSERT_EQ(0, write_str(TEST_CGROUP "/victim/cpu.max", "max"));
	ASSERT_EQ(0, write_str(TEST_CGROUP "/victim/cpu.weight", "1"));
	for (i = 0; i < 100 && count_moves(tid) == moves; i++)
		sleep_ms(10);
	EXPECT_GT(count_moves(tid), moves)
		TH_LOG("unthrottled and starving, the thread was not moved in 1 s");
}

/*
 * A thread held by its group's quota waits behind a starving thread that
 * the idle CPU may not take: each decision walks past the starving one
 * (refused_affinity) to the throttled one, whose own wait, restarted while
 * it was first in line, passes the limit again behind it.  It must be
 * refused (refused_throttled), never moved: a move ends no wait for the
 * quota.  Its quota, 1 ms a second at the highest weight, leaves it
 * runnable and waiting for a moment a second at most.
 */
TEST_F(balance, throttled_thread_behind_a_starving_one_is_not_moved)
{
	static const int cpu1[] = { 1, -1 }, cpu2[] = { 2, -1 };
	static const int cpus12[] = { 1, 2, -1 }, cpus13[] = { 1, 3, -1 };
	struct spinner *starving, *throttled;
	struct events before, after;
	long long throttles;
	int moves;

	standalone_at_test_limits(_metadata);
	/* Four times the test's: a stalled vCPU does not make it starve. */
	ASSERT_EQ(0, set_knob("sched_sourcesink_starvation_ms", 4 * LIMIT_MS));
	add_spinner(_metadata, &self->sp, 0, cpu1);
	add_spinner(_metadata, &self->sp, 0, cpu2);
	wait_running(_metadata, &self->sp);
	starving = add_victim(_metadata, &self->sp, VICTIM_NICE, cpu1);
	widen(_metadata, starving, cpus12);
	throttled = add_victim(_metadata, &self->sp, 0, cpu1);
	victim_in_cgroup(_metadata, throttled, "10000", "1000 1000000");
	throttles = victim_throttle_count();
	ASSERT_EQ(0, read_events(&before));
	widen(_metadata, throttled, cpus13);
	sleep_ms(THROTTLED_MS);
	ASSERT_EQ(0, read_events(&after));
	moves = count_moves(atomic_load(&throttled->tid));
	throttles = victim_throttle_count() - throttles;
	TH_LOG("throttled %lld times in %d ms; refused_throttled +%llu, moved %d times",
	       throttles, THROTTLED_MS, after.refused_throttled - before.refused_throttled,
	       moves);
	EXPECT_LE(THROTTLED_MS / 1000 - 1, throttles)
		TH_LOG("the quota did not throttle the thread: the test proves nothing");
	EXPECT_LT(before.refused_throttled, after.refused_throttled)
		TH_LOG("no decision reached the throttled thread: the test proves nothing");
	EXPECT_EQ(0, moves) {
		log_pairs(_metadata);
	}
}

/*
 * A process of its own spinning as a spinner in shared memory, at @nice,
 * first alone on @first (idle, so that it runs and has a pid), then
 * confined to @cpus; with @new_session, setsid() makes it the leader of a
 * session, and so of an autogroup, of its own.  It dies with the test.
 */
static struct spinner *add_process(struct __test_metadata *_metadata,
				   int nice, int first, const int *cpus,
				   bool new_session)
{
	const int home[] = { first, -1 };
	struct spinner *s;
	cpu_set_t set;
	pid_t pid;
	int i;

	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return NULL;
	atomic_store(&s->watch_cpu, -1);
	pid = fork();
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (new_session)
			setsid();
		cpus_of(&set, home);
		sched_setaffinity(0, sizeof(set), &set);
		setpriority(PRIO_PROCESS, 0, nice);
		spin(s);
		_exit(0);
	}
	for (i = 0; pid > 0 && i < 500 && !atomic_load(&s->running); i++)
		sleep_ms(10);
	cpus_of(&set, cpus);
	if (!atomic_load(&s->running) || sched_setaffinity(pid, sizeof(set), &set))
		return NULL;
	return s;
}

static void kill_process(struct spinner *s)
{
	kill(atomic_load(&s->tid), SIGKILL);
	waitpid(atomic_load(&s->tid), NULL, 0);
}

/*
 * The same with autogroup: a nice 0 thread whose session's autogroup is
 * reniced to 19 (as a desktop renices a busy session) starves behind a
 * nice 0 hog of another session, and is moved within the guarantee.
 */
TEST_F(balance, low_weight_autogroup_thread_moves_within_guarantee)
{
	static const int cpu1[] = { 1, -1 };
	struct spinner *victim;
	char path[64];
	int enabled;

	/* Debian's rt flavour leaves CONFIG_SCHED_AUTOGROUP off. */
	if (read_int("/proc/sys/kernel/sched_autogroup_enabled", &enabled))
		SKIP(return, "no autogroup in this kernel (CONFIG_SCHED_AUTOGROUP)");
	ASSERT_EQ(1, enabled) TH_LOG("autogroup is off: the test proves nothing");
	standalone_at_test_limits(_metadata);
	add_spinner(_metadata, &self->sp, 0, cpu1);
	victim = add_process(_metadata, 0, 3, cpu1, true);
	ASSERT_NE(NULL, victim);
	snprintf(path, sizeof(path), "/proc/%d/autogroup", atomic_load(&victim->tid));
	ASSERT_EQ(0, write_str(path, "19"));
	expect_moved_within_guarantee(_metadata, victim);
	kill_process(victim);
}

static bool is_partition(const char *expected)
{
	char line[128] = "";

	read_line(PARTITION_CGROUP "/cpuset.cpus.partition", line, sizeof(line));
	line[strcspn(line, "\n")] = 0;
	return !strcmp(line, expected);
}

/*
 * A cgroup v2 cpuset partition of CPUs 2 and 3 made "isolated" leaves them
 * without sched domains, as isolcpus=domain does: a process starving on
 * CPU 2 and allowed on CPU 3, idle, stays put for 2 s, while CPU 0 outside
 * the partition runs and ticks, so decisions are taken.  The same
 * partition turned into a balanced "root" one gets its domains back, and
 * the process is moved to CPU 3: the test could see a move.
 */
TEST_F(balance, never_moves_within_an_isolated_partition)
{
	static const int cpu0[] = { 0, -1 };
	static const int cpu2[] = { 2, -1 }, cpus23[] = { 2, 3, -1 };
	struct spinner *hog, *victim;
	struct events before, after;
	char id[16];
	struct view v;
	int tid, i;

	standalone_at_test_limits(_metadata);
	add_spinner(_metadata, &self->sp, 0, cpu0);
	hog = add_process(_metadata, HOG_NICE, 2, cpu2, false);
	ASSERT_NE(NULL, hog);
	victim = add_process(_metadata, VICTIM_NICE, 3, cpu2, false);
	ASSERT_NE(NULL, victim);
	tid = atomic_load(&victim->tid);
	ASSERT_EQ(0, mkdir(PARTITION_CGROUP, 0755))
		TH_LOG("mkdir " PARTITION_CGROUP ": %s", strerror(errno));
	ASSERT_EQ(0, write_str(PARTITION_CGROUP "/cpuset.cpus", "2-3"));
	snprintf(id, sizeof(id), "%d", atomic_load(&hog->tid));
	ASSERT_EQ(0, write_str(PARTITION_CGROUP "/cgroup.procs", id));
	snprintf(id, sizeof(id), "%d", tid);
	ASSERT_EQ(0, write_str(PARTITION_CGROUP "/cgroup.procs", id));
	ASSERT_EQ(0, write_str(PARTITION_CGROUP "/cpuset.cpus.partition", "isolated"));
	ASSERT_TRUE(is_partition("isolated"));
	ASSERT_EQ(0, read_view(&v));
	EXPECT_EQ(1, v.cpu[2].isolated);
	EXPECT_EQ(1, v.cpu[3].isolated);
	EXPECT_EQ(0, v.cpu[1].isolated);
	widen(_metadata, hog, cpu2);		/* a cpuset move may reset it */
	widen(_metadata, victim, cpus23);
	ASSERT_EQ(0, read_events(&before));
	sleep_ms(2000);
	ASSERT_EQ(0, read_events(&after));
	ASSERT_LE(before.decisions + 5, after.decisions)
		TH_LOG("no decisions were taken: the test proves nothing");
	EXPECT_EQ(0, count_moves(tid)) {
		log_pairs(_metadata);
	}

	ASSERT_EQ(0, write_str(PARTITION_CGROUP "/cpuset.cpus.partition", "root"));
	ASSERT_TRUE(is_partition("root"));
	for (i = 0; i < 100 && !count_moves(tid); i++)
		sleep_ms(10);
	EXPECT_EQ(1, count_moves(tid))
		TH_LOG("in a balanced partition, the thread was not moved in 1 s");
	kill_process(hog);
	kill_process(victim);
}

/*
 * A case that leaves a starving thread beside idle CPU @cpu: how long after
 * its widening it reached @cpu (-1: not within @timeout_ms), and how long
 * after the start of its last wait.
 */
typedef long long (*starving_case)(struct __test_metadata *_metadata,
				   struct spinners *sp, int timeout_ms,
				   long long *since_run);

/*
 * @run with this balancer off (reported, not judged: a stable update may
 * fix the stock balancer), then on at LIMIT_MS and PERIOD_MS in standalone
 * mode and at the defaults (@saved): on, the thread reaches @cpu within
 * L + P (plus SLACK_MS) of the start of its wait.
 */
static void expect_reached_within_bound(struct __test_metadata *_metadata,
					struct spinners *sp, const int *saved,
					starving_case run, int cpu)
{
	long long off, on, dflt, since_run, bound;
	int i, limit, period;

	ASSERT_EQ(0, set_knob("sched_sourcesink_mode", 0));
	off = run(_metadata, sp, STOCK_REPORT_MS, &since_run);
	if (off < 0)
		TH_LOG("balancer off: not on idle CPU %d within %d ms", cpu, STOCK_REPORT_MS);
	else
		TH_LOG("balancer off: on idle CPU %d after %lld ms", cpu, off);

	ASSERT_EQ(0, set_knob("sched_sourcesink_mode", 1));
	standalone_at_test_limits(_metadata);
	bound = LIMIT_MS + PERIOD_MS + SLACK_MS;
	on = run(_metadata, sp, 5 * bound, &since_run);
	TH_LOG("L %d, P %d ms: on CPU %d after %lld ms, %lld ms after its wait began; bound %lld",
	       LIMIT_MS, PERIOD_MS, cpu, on, since_run, bound);
	EXPECT_LE(0, on);
	EXPECT_LE(since_run, bound);

	for (i = 0; i < NR_KNOBS; i++)
		ASSERT_EQ(0, set_knob(knobs[i], saved[i]));
	limit = knob("sched_sourcesink_starvation_ms");
	period = knob("sched_sourcesink_period_ms");
	bound = limit + period + SLACK_MS;
	dflt = run(_metadata, sp, 5 * bound, &since_run);
	TH_LOG("defaults: on CPU %d after %lld ms, %lld ms after its wait began; bound %lld",
	       cpu, dflt, since_run, bound);
	EXPECT_LE(0, dflt);
	EXPECT_LE(since_run, bound);
}

/* --- CPU isolation and nohz_full ------------------------------------------ */

/*
 * Booted with isolcpus=domain,3 nohz_full=2: CPU 3 has no sched domain, so
 * the stock balancer never balances it, and CPU 2's tick stops while it
 * runs one task.
 */
FIXTURE(isolation) {
	int saved[NR_KNOBS];
	struct spinners sp;
};

FIXTURE_SETUP(isolation)
{
	char isolated[64] = "", nohz_full[64] = "";

	restore_guest(_metadata);
	read_line("/sys/devices/system/cpu/isolated", isolated, sizeof(isolated));
	read_line("/sys/devices/system/cpu/nohz_full", nohz_full, sizeof(nohz_full));
	if (strcmp(isolated, "3\n") || strcmp(nohz_full, "2\n"))
		SKIP(return, "needs a boot with isolcpus=domain,3 nohz_full=2");
	if (geteuid())
		SKIP(return, "needs root");
	start_balance_test(_metadata, self->saved);
}

FIXTURE_TEARDOWN_PARENT(isolation)
{
	end_balance_test(self->saved);
}

/*
 * A thread starving on CPU 1 and allowed on isolated CPU 3 stays off it:
 * neither this balancer nor the stock one balances CPUs without a sched
 * domain.  Allowed on CPU 2 as well, it is moved there, not to CPU 3.
 */
TEST_F(isolation, never_moves_onto_an_isolated_cpu)
{
	static const int cpu1[] = { 1, -1 }, cpus13[] = { 1, 3, -1 };
	static const int cpus123[] = { 1, 2, 3, -1 };
	int tid, moves, i, p, src, dst, to3 = 0, to2 = 0;
	struct spinner *victim;
	char line[512];
	struct view v;
	FILE *f;

	ASSERT_EQ(0, read_view(&v));
	EXPECT_EQ(1, v.cpu[3].isolated);
	EXPECT_EQ(0, v.cpu[1].isolated);
	EXPECT_EQ(0, v.cpu[2].isolated);

	standalone_at_test_limits(_metadata);
	add_spinner(_metadata, &self->sp, HOG_NICE, cpu1);
	victim = add_victim_from(_metadata, &self->sp, VICTIM_NICE, 2, cpu1);
	tid = atomic_load(&victim->tid);
	widen(_metadata, victim, cpus13);
	sleep_ms(2000);
	moves = count_moves(tid);
	EXPECT_EQ(0, moves) {
		log_pairs(_metadata);
	}

	widen(_metadata, victim, cpus123);
	for (i = 0; i < 100 && count_moves(tid) == moves; i++)
		sleep_ms(10);
	f = fopen(TRACING "trace", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (!parse_move(line, &p, &src, &dst) || p != tid)
			continue;
		to2 += dst == 2;
		to3 += dst == 3;
	}
	fclose(f);
	EXPECT_EQ(0, to3);
	EXPECT_EQ(1, to2) TH_LOG("allowed on CPU 2 too, it was not moved there in 1 s");
}

/*
 * nohz_full CPU 2 runs one spinner, so its tick stops and publishes
 * nothing more (but a residual tick a second).  What the view says of it
 * must still hold: busy since the spinner first ran there (since_idle_ms
 * is the time since then, within NOHZ_SLACK_MS), and no starving thread,
 * so NEITHER: no room, nothing to give.
 * Read 20 times 100 ms apart; a stale view is off in nearly all of them
 * (by up to a second), so NOHZ_WRONG_MAX samples may be off, as one was in
 * one of five runs here for reasons not found.  The tick must have
 * stopped, or the test proves nothing.
 */
#define NOHZ_SLACK_MS	40	/* ten 4 ms ticks of vCPU stalls */
#define NOHZ_WRONG_MAX	2

TEST_F(isolation, nohz_full_cpu_state_stays_current)
{
	static const int cpu2[] = { 2, -1 };
	long long started, t0, t1, lo, hi;
	struct spinner *s = &self->sp.s[0];
	unsigned long long ticks = 0;
	int i, wrong = 0;
	struct view v;

	add_spinner(_metadata, &self->sp, 0, cpu2);
	atomic_store(&s->watch_cpu, 2);
	wait_running(_metadata, &self->sp);
	for (i = 0; i < 100 && !atomic_load(&s->arrived_ns); i++)
		sleep_ms(10);
	started = atomic_load(&s->arrived_ns);
	ASSERT_NE(0, started);
	sleep_ms(300);
	for (i = 0; i < 20; i++) {
		t0 = now_ns();
		ASSERT_EQ(0, read_view(&v));
		t1 = now_ns();
		if (!i)
			ticks = v.cpu[2].ticks;
		lo = (t0 - started) / 1000000 - NOHZ_SLACK_MS;
		hi = (t1 - started) / 1000000 + NOHZ_SLACK_MS;
		if ((long long)v.cpu[2].since_idle_ms < lo ||
		    (long long)v.cpu[2].since_idle_ms > hi ||
		    !is_state(&v, 2, "NEITHER")) {
			TH_LOG("cpu 2 at %lld ms: since_idle_ms=%llu, not in [%lld, %lld], %s",
			       (t0 - started) / 1000000, v.cpu[2].since_idle_ms,
			       lo, hi, v.cpu[2].state);
			wrong++;
		}
		sleep_ms(100);
	}
	TH_LOG("cpu 2: %llu ticks in 2 s", v.cpu[2].ticks - ticks);
	/* HZ is 250 or less: 475 ticks in 1.9 s when the tick runs. */
	ASSERT_LT(v.cpu[2].ticks - ticks, 100)
		TH_LOG("the tick did not stop on nohz_full cpu 2: the test proves nothing");
	EXPECT_LE(wrong, NOHZ_WRONG_MAX);
}

/*
 * A thread starving on CPU 1 behind a hog, allowed on nohz_full CPU 2,
 * idle, while CPUs 0 and 1 run hogs (the third case of the issue "Prove the
 * point"): the stock balancer's find_new_ilb() picks only idle housekeeping
 * CPUs to balance for idle ones, and there are none (CPU 3 has no sched
 * domain), so nobody balances for CPU 2 until its tick happens to run.
 * Returns how long after the widening the thread first ran on CPU 2 (-1:
 * not within @timeout_ms); *@since_run from the start of its last wait.
 */
static long long nohz_full_idle(struct __test_metadata *_metadata,
				struct spinners *sp, int timeout_ms,
				long long *since_run)
{
	static const int cpu0[] = { 0, -1 }, cpu1[] = { 1, -1 };
	static const int cpus12[] = { 1, 2, -1 };
	struct spinner *victim;
	long long ms;

	stop_all(sp);
	start_spinning();
	add_spinner(_metadata, sp, 0, cpu0);
	add_spinner(_metadata, sp, HOG_NICE, cpu1);
	victim = add_victim_from(_metadata, sp, VICTIM_NICE, 2, cpu1);
	sleep_ms(500);
	ms = time_to_reach(_metadata, victim, cpus12, 2, timeout_ms, since_run);
	stop_all(sp);
	return ms;
}

TEST_F_TIMEOUT(isolation, thread_beside_idle_nohz_full_cpu_reaches_it, 60)
{
	expect_reached_within_bound(_metadata, &self->sp, self->saved,
				    nohz_full_idle, 2);
}

/* --- core scheduling ------------------------------------------------------ */

#ifndef PR_SCHED_CORE
#define PR_SCHED_CORE			62
#define PR_SCHED_CORE_GET		0
#define PR_SCHED_CORE_CREATE		1
#endif
#define PIDTYPE_PID			0

/*
 * A kernel with CONFIG_SCHED_CORE, booted with two threads a core
 * (scripts/vm --threads 2): CPUs 0 and 1 are one core, 2 and 3 another.
 */
FIXTURE(core) {
	int saved[NR_KNOBS];
	struct spinners sp;
};

FIXTURE_SETUP(core)
{
	unsigned long long cookie;
	char siblings[32] = "";

	restore_guest(_metadata);
	read_line("/sys/devices/system/cpu/cpu2/topology/thread_siblings_list",
		  siblings, sizeof(siblings));
	if (strcmp(siblings, "2-3\n"))
		SKIP(return, "needs CPUs 2 and 3 to be one core's threads");
	if (prctl(PR_SCHED_CORE, PR_SCHED_CORE_GET, 0, PIDTYPE_PID, &cookie) &&
	    errno == EINVAL)
		SKIP(return, "needs CONFIG_SCHED_CORE");
	if (geteuid())
		SKIP(return, "needs root");
	start_balance_test(_metadata, self->saved);
}

FIXTURE_TEARDOWN_PARENT(core)
{
	end_balance_test(self->saved);
}

/*
 * A thread with its own cookie, starving on CPU 0 and allowed on idle
 * CPU 2, whose sibling runs a thread of another cookie: the two could not
 * run side by side.  As task_hot() delays the stock balancer, this one
 * leaves that core alone until the thread has waited two limits, then
 * moves it.  At a 200 ms limit and a 20 ms period, a move that ignored the
 * cookie would come before the wait reached 240 ms.
 */
#define COOKIE_LIMIT_MS		200
#define COOKIE_PERIOD_MS	20

TEST_F_TIMEOUT(core, other_cookie_core_waits_two_limits, 60)
{
	static const int cpu0[] = { 0, -1 }, cpu3[] = { 3, -1 };
	static const int cpus02[] = { 0, 2, -1 };
	long long waited = -1, refused = 0;
	struct spinner *victim, *other;
	int tid, i, p, src, dst = -1;
	char line[512], *at;
	struct view v;
	FILE *f;

	ASSERT_EQ(0, set_knob("sched_sourcesink_standalone", 1));
	ASSERT_EQ(0, set_knob("sched_sourcesink_starvation_ms", COOKIE_LIMIT_MS));
	ASSERT_EQ(0, set_knob("sched_sourcesink_period_ms", COOKIE_PERIOD_MS));
	other = &self->sp.s[self->sp.nr];
	add_spinner(_metadata, &self->sp, 0, cpu3);
	add_spinner(_metadata, &self->sp, HOG_NICE, cpu0);
	wait_running(_metadata, &self->sp);
	victim = add_victim_from(_metadata, &self->sp, VICTIM_NICE, 2, cpu0);
	tid = atomic_load(&victim->tid);
	ASSERT_EQ(0, prctl(PR_SCHED_CORE, PR_SCHED_CORE_CREATE, tid, PIDTYPE_PID, 0));
	ASSERT_EQ(0, prctl(PR_SCHED_CORE, PR_SCHED_CORE_CREATE,
			   atomic_load(&other->tid), PIDTYPE_PID, 0));
	atomic_store(&victim->watch_cpu, 2);
	widen(_metadata, victim, cpus02);
	/* Its own clock says when it got there; the trace, who moved it. */
	for (i = 0; i < 300 && !atomic_load(&victim->arrived_ns); i++)
		sleep_ms(10);

	f = fopen(TRACING "trace", "r");
	ASSERT_NE(NULL, f);
	while (waited < 0 && fgets(line, sizeof(line), f)) {
		if (!parse_move(line, &p, &src, &dst) || p != tid)
			continue;
		at = strstr(line, " waited_ms=");
		ASSERT_TRUE(at && sscanf(at, " waited_ms=%lld", &waited) == 1);
	}
	fclose(f);
	ASSERT_EQ(0, read_view(&v));
	at = strstr(v.text, " refused_core_cookie=");
	ASSERT_TRUE(at && sscanf(at, " refused_core_cookie=%lld", &refused) == 1);
	TH_LOG("moved to cpu %d after waiting %lld ms; %lld cookie refusals",
	       dst, waited, refused);
	ASSERT_GE(waited, 0) TH_LOG("the starving thread was not moved in 3 s");
	EXPECT_EQ(2, dst);
	EXPECT_GT(waited, 2 * COOKIE_LIMIT_MS);
	EXPECT_LE(waited, 2 * COOKIE_LIMIT_MS + COOKIE_PERIOD_MS + SLACK_MS);
	EXPECT_GT(refused, 0);
}

/*
 * (b) Two sources, two sinks, one move a decision: the higher-loaded
 * source gives, to the idle sink rather than the busy one.  Both victims
 * starve where no sink is before they may use one, so the first decision
 * that may move them sees both sources; should it not, the scenario is
 * built again, up to three times.
 */
/*
 * Put three spinners in TEST_CGROUP/nest/inner, nested in TEST_CGROUP/nest
 * of cpu.weight 1, both threaded.
 */
static void nest_threads(struct __test_metadata *_metadata, struct spinner *a,
			 struct spinner *b, struct spinner *c)
{
	struct spinner *three[] = { a, b, c };
	char id[16], type[32] = "";
	int i;

	if (mkdir(TEST_CGROUP, 0755) && errno != EEXIST)
		ASSERT_EQ(0, errno);
	ASSERT_EQ(0, write_str(TEST_CGROUP "/cgroup.subtree_control", "+cpu"));
	if (mkdir(TEST_CGROUP "/nest", 0755) && errno != EEXIST)
		ASSERT_EQ(0, errno);
	ASSERT_EQ(0, write_str(TEST_CGROUP "/nest/cgroup.type", "threaded"));
	snprintf(id, sizeof(id), "%d", getpid());
	ASSERT_EQ(0, write_str(TEST_CGROUP "/cgroup.procs", id));
	ASSERT_EQ(0, write_str(TEST_CGROUP "/nest/cgroup.subtree_control", "+cpu"));
	if (mkdir(TEST_CGROUP "/nest/inner", 0755) && errno != EEXIST)
		ASSERT_EQ(0, errno);
	read_line(TEST_CGROUP "/nest/inner/cgroup.type", type, sizeof(type));
	if (strcmp(type, "threaded\n"))
		ASSERT_EQ(0, write_str(TEST_CGROUP "/nest/inner/cgroup.type", "threaded"));
	ASSERT_EQ(0, write_str(TEST_CGROUP "/nest/cpu.weight", "1"));
	for (i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "%d", atomic_load(&three[i]->tid));
		ASSERT_EQ(0, write_str(TEST_CGROUP "/nest/inner/cgroup.threads", id));
	}
}

static int two_sources(struct __test_metadata *_metadata, struct spinners *sp,
		       struct pair *pair, bool nest_heavier)
{
	static const int cpu0[] = { 0, -1 }, cpu1[] = { 1, -1 };
	static const int cpu2[] = { 2, -1 };
	static const int cpus103[] = { 1, 0, 3, -1 }, cpus203[] = { 2, 0, 3, -1 };
	static const int cpus12[] = { 1, 2, -1 };
	struct spinner *light, *heavy;

	stop_all(sp);
	start_spinning();
	add_spinner(_metadata, sp, 0, cpu0);		/* busy sink */
	add_spinner(_metadata, sp, HOG_NICE, cpu1);
	add_spinner(_metadata, sp, HOG_NICE, cpu2);
	add_spinner(_metadata, sp, HOG_NICE, cpu2);	/* heavier */
	light = add_victim(_metadata, sp, VICTIM_NICE, cpu1);
	heavy = add_victim(_metadata, sp, VICTIM_NICE, cpu2);
	if (nest_heavier) {
		/* CPU 2's: its two hogs (spinners 2 and 3) and its victim. */
		wait_running(_metadata, sp);
		nest_threads(_metadata, &sp->s[2], &sp->s[3], heavy);
	}
	/* Starving already where no sink is, as in two_starving(). */
	widen(_metadata, light, cpus12);
	widen(_metadata, heavy, cpus12);
	sleep_ms(500);				/* let PELT see the loads */

	after_a_decision(_metadata, PERIOD_MS);
	clear_trace();
	widen(_metadata, light, cpus103);
	widen(_metadata, heavy, cpus203);
	sleep_ms(LIMIT_MS + 3 * PERIOD_MS + SLACK_MS);
	return first_pair(2, pair);
}

/*
 * two_sources() in standalone mode at the test's limits with max_moves 1,
 * tried again while its first decision missed a source, three times at
 * most: how many attempts were discarded, or -1 if all three were.
 */
static int two_sources_retried(struct __test_metadata *_metadata,
			       struct spinners *sp, struct pair *pair,
			       bool nest_heavier)
{
	int attempt;

	standalone_at_test_limits(_metadata);
	if (set_knob("sched_sourcesink_max_moves", 1))
		return -1;
	for (attempt = 1; attempt <= 3; attempt++) {
		if (!two_sources(_metadata, sp, pair, nest_heavier))
			return attempt - 1;
		TH_LOG("attempt %d: the first decision did not see both sources",
		       attempt);
	}
	return -1;
}

TEST_F(balance, busiest_source_gives_to_idlest_sink)
{
	struct pair pair = { .src = -1, .dst = -1 };
	int discarded;

	/* An EXPECT, not an ASSERT, while spinners run. */
	discarded = two_sources_retried(_metadata, &self->sp, &pair, false);
	report_discarded(_metadata, discarded, 3, 1);
	if (discarded < 0)
		return;
	EXPECT_EQ(2, pair.src);
	EXPECT_EQ(3, pair.dst);
	/* And the move made: a thread of cpu 2 to cpu 3. */
	first_move_of(&self->sp, &pair);
	EXPECT_EQ(2, pair.moved_src);
	EXPECT_EQ(3, pair.moved_dst);
	if (pair.src != 2 || pair.dst != 3 || pair.moved_src != 2 || pair.moved_dst != 3) {
		TH_LOG("the first pair was %d -> %d, of %u sources; the decisions:",
		       pair.src, pair.dst, pair.sources);
		log_pairs(_metadata);
	}
}

/*
 * CPU 2 runs three threads and CPU 1 two, as in
 * busiest_source_gives_to_idlest_sink, but CPU 2's three sit in a group
 * nested in a group of cpu.weight 1: weighted by its group, CPU 2's load
 * is that of a hundredth of a thread.  Ranked by what runs, CPU 2 is
 * still the busier source and gives first.
 */
TEST_F(balance, busiest_source_counts_threads_of_nested_groups)
{
	struct pair pair = { .src = -1, .dst = -1 };
	int discarded;

	discarded = two_sources_retried(_metadata, &self->sp, &pair, true);
	report_discarded(_metadata, discarded, 3, 1);
	ASSERT_LE(0, discarded);
	EXPECT_EQ(2, pair.src) TH_LOG("the first pair was %d -> %d", pair.src, pair.dst);
	if (pair.src != 2)
		log_pairs(_metadata);
}

/*
 * A movable thread among PINNED_CROWD threads pinned to CPU 1, allowed on
 * idle CPU 3 too (the second case of the issue "Prove the point"): the
 * stock balancer's detach_tasks() looks at sysctl_sched_nr_migrate (32)
 * tasks an attempt from the tail of cfs_tasks, and each attempt that finds
 * only pinned ones doubles the idle CPU's balance interval.  This balancer
 * lists movable waiters only.  Returns how long after the widening the
 * thread first ran on CPU 3 (-1: not within @timeout_ms); *@since_run from
 * the start of its last wait.
 */
#define PINNED_CROWD	80

static long long pinned_crowd(struct __test_metadata *_metadata,
			      struct spinners *sp, int timeout_ms,
			      long long *since_run)
{
	static const int cpu1[] = { 1, -1 }, cpus13[] = { 1, 3, -1 };
	struct spinner *victim;
	long long ms;
	int i;

	stop_all(sp);
	start_spinning();
	for (i = 0; i < PINNED_CROWD; i++)
		add_spinner(_metadata, sp, 0, cpu1);
	victim = add_victim(_metadata, sp, 0, cpu1);
	sleep_ms(500);
	ms = time_to_reach(_metadata, victim, cpus13, 3, timeout_ms, since_run);
	stop_all(sp);
	return ms;
}

TEST_F_TIMEOUT(balance, thread_behind_a_pinned_crowd_reaches_idle_cpu, 60)
{
	expect_reached_within_bound(_metadata, &self->sp, self->saved,
				    pinned_crowd, 3);
}

/*
 * A starving wait goes on through short runs, but not once the thread is
 * served: a nice 0 thread starves on CPU 1 behind a nice -20 hog (allowed
 * on CPU 2 as well, which a nice 0 hog keeps busy, so nothing moves it),
 * then the hog is reniced to 0 and the two share CPU 1, each waiting a few
 * milliseconds at a time.  CPU 1 is a SOURCE before; from 2 * L after the
 * renice on (sampled every 20 ms for 1 s), no wait that began before the
 * renice is still counted.  A host that stalls the guest's vCPU can make a
 * new wait pass L now and then, so a quarter of the samples may find CPU 1
 * a SOURCE through such a wait (seen: 2 of 45 with the host's cores busy).
 */
TEST_F(balance, starvation_ends_once_the_thread_is_served)
{
	static const int cpu1[] = { 1, -1 }, cpu2[] = { 2, -1 };
	static const int cpus12[] = { 1, 2, -1 };
	int i, sources = 0, carried = 0;
	struct spinner *hog, *thread;
	long long t0, since_ms;
	struct view v;

	standalone_at_test_limits(_metadata);
	hog = &self->sp.s[self->sp.nr];
	add_spinner(_metadata, &self->sp, HOG_NICE, cpu1);
	add_spinner(_metadata, &self->sp, 0, cpu2);
	thread = add_victim(_metadata, &self->sp, 0, cpu1);
	wait_running(_metadata, &self->sp);
	widen(_metadata, thread, cpus12);
	sleep_ms(4 * LIMIT_MS);
	ASSERT_EQ(0, read_view(&v));
	ASSERT_TRUE(is_state(&v, 1, "SOURCE"))
		TH_LOG("cpu 1 is %s behind the nice -20 hog", v.cpu[1].state);
	ASSERT_EQ(0, setpriority(PRIO_PROCESS, atomic_load(&hog->tid), 0));
	t0 = now_ns();
	sleep_ms(2 * LIMIT_MS);
	for (i = 0; now_ns() - t0 < 1000000000LL; i++) {
		ASSERT_EQ(0, read_view(&v));
		since_ms = (now_ns() - t0) / 1000000;
		if (is_state(&v, 1, "SOURCE")) {
			sources++;
			carried += (long long)v.cpu[1].oldest_wait_ms >= since_ms;
			TH_LOG("cpu 1 a SOURCE %lld ms after the renice, oldest_wait_ms=%llu",
			       since_ms, v.cpu[1].oldest_wait_ms);
		}
		sleep_ms(20);
	}
	EXPECT_EQ(0, carried) TH_LOG("a wait from before the renice went on");
	EXPECT_LE(sources, i / 4) TH_LOG("%d of %d samples a SOURCE", sources, i);
}

/*
 * Two sources, CPUs 1 and 2 (a nice 19 thread behind a nice -20 hog on
 * each), both starving from the same decision on, with @allowed the CPUs
 * the two threads may use besides their own.  They are movable and
 * starving before that, allowed on CPUs 1 and 2 only, which no sink is:
 * their waits are long past the limit when the first decision that may
 * move them comes, however late the test thread saw the decision before
 * it.  Returns the events before and the two threads' tids.
 */
static void two_starving(struct __test_metadata *_metadata, struct spinners *sp,
			 const int *allowed1, const int *allowed2,
			 struct events *before, int *tids)
{
	static const int cpu1[] = { 1, -1 }, cpu2[] = { 2, -1 };
	static const int cpus12[] = { 1, 2, -1 };
	struct spinner *v1, *v2;

	add_spinner(_metadata, sp, HOG_NICE, cpu1);
	add_spinner(_metadata, sp, HOG_NICE, cpu2);
	v1 = add_victim(_metadata, sp, VICTIM_NICE, cpu1);
	v2 = add_victim(_metadata, sp, VICTIM_NICE, cpu2);
	widen(_metadata, v1, cpus12);
	widen(_metadata, v2, cpus12);
	sleep_ms(PERIOD_MS);
	ASSERT_EQ(0, read_events(before));
	after_a_decision(_metadata, PERIOD_MS);
	ASSERT_EQ(0, clear_trace());
	widen(_metadata, v1, allowed1);
	widen(_metadata, v2, allowed2);
	tids[0] = atomic_load(&v1->tid);
	tids[1] = atomic_load(&v2->tid);
}

/*
 * two_starving(), the test thread waiting on @home, then five periods; tried
 * again while the first decision that chose a pair saw fewer than the two
 * sources (one of them was not starving yet), three times at most.  Returns
 * how many attempts were discarded, or -1 if all three were.
 */
static int two_starving_retried(struct __test_metadata *_metadata,
				struct spinners *sp, int home,
				const int *allowed1, const int *allowed2,
				struct events *before, struct events *after,
				int *tids)
{
	struct pair pair;
	int attempt;

	for (attempt = 1; attempt <= 3; attempt++) {
		stop_all(sp);
		start_spinning_on(home);
		two_starving(_metadata, sp, allowed1, allowed2, before, tids);
		sleep_ms(5 * PERIOD_MS);
		if (read_events(after))
			return -1;
		if (!first_pair(2, &pair))
			return attempt - 1;
		TH_LOG("attempt %d: the first decision did not see both sources",
		       attempt);
	}
	return -1;
}

/* Trace events sched_sourcesink_breach with reason @reason. */
static int count_breaches(const char *reason)
{
	char line[512], key[64];
	int n = 0;
	FILE *f;

	snprintf(key, sizeof(key), "reason=%s", reason);
	f = fopen(TRACING "trace", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "sched_sourcesink_breach:") && strstr(line, key);
	fclose(f);
	return n;
}

/*
 * A sink that took a thread takes no other while busy with it: the idle
 * spell that made it a SINK ended with that thread, though its state says
 * SINK until a limit has passed.  Two victims starve on CPUs 1 and 2 and may
 * both use idle CPU 3, at a period of a fifth of the limit, so that a
 * decision or four come while CPU 3's state still says SINK; once it does
 * not, nothing may move (CPU 3 stays busy).  One thread must move, not
 * two.  With no such rule (M41), the second victim followed the first at
 * the next decision, in 3 runs of 3.  When the rule lasted a limit by the
 * decider's clock, it followed once in a make check, a limit later, the
 * tick that ends CPU 3's SINK state not yet come; and CPU 3's idle_stamp
 * does not say it has not idled since (a wake-up there clears it).
 */
#define LATELY_PERIOD_MS	(LIMIT_MS / 5)

TEST_F(balance, sink_takes_no_second_thread_within_a_limit)
{
	static const int cpu1[] = { 1, -1 }, cpu2[] = { 2, -1 };
	static const int cpus13[] = { 1, 3, -1 }, cpus23[] = { 2, 3, -1 };
	struct spinner *v1, *v2;
	int moves1, moves2;

	standalone_at_test_limits(_metadata);
	ASSERT_EQ(0, set_knob("sched_sourcesink_period_ms", LATELY_PERIOD_MS));
	add_spinner(_metadata, &self->sp, HOG_NICE, cpu1);
	add_spinner(_metadata, &self->sp, HOG_NICE, cpu2);
	v1 = add_victim(_metadata, &self->sp, VICTIM_NICE, cpu1);
	v2 = add_victim(_metadata, &self->sp, VICTIM_NICE, cpu2);
	sleep_ms(2 * LIMIT_MS);
	ASSERT_EQ(0, clear_trace());
	widen(_metadata, v1, cpus13);
	widen(_metadata, v2, cpus23);
	sleep_ms(4 * LIMIT_MS + SLACK_MS);
	moves1 = count_moves(atomic_load(&v1->tid));
	moves2 = count_moves(atomic_load(&v2->tid));
	TH_LOG("the victims moved %d and %d times", moves1, moves2);
	EXPECT_EQ(1, moves1 + moves2) {
		log_pairs(_metadata);
	}
}

/*
 * Two threads start to starve in the same period and may both use idle
 * CPU 3 only.  A sink takes one thread a decision, so one is moved and the
 * other waits past its bound with nowhere to go: the balancer counts that
 * breach once, as breach_no_sink, and moves nothing more (CPU 3 is busy
 * now).  The bound's promise is kept where a sink is left: no other breach.
 */
TEST_F(balance, more_starving_than_sinks_counts_one_breach)
{
	static const int cpus13[] = { 1, 3, -1 }, cpus23[] = { 2, 3, -1 };
	struct events before, after;
	int tids[2], discarded;

	standalone_at_test_limits(_metadata);
	ASSERT_EQ(0, write_buf(TRACING "events/sched/sched_sourcesink_breach/enable", "1", 1));
	discarded = two_starving_retried(_metadata, &self->sp, 0, cpus13, cpus23,
					 &before, &after, tids);
	write_buf(TRACING "events/sched/sched_sourcesink_breach/enable", "0", 1);
	report_discarded(_metadata, discarded, 3, 1);
	ASSERT_LE(0, discarded);
	EXPECT_EQ(1, count_moves(tids[0]) + count_moves(tids[1]));
	EXPECT_EQ(1, after.breach_no_sink - before.breach_no_sink);
	EXPECT_EQ(0, after.breach_move_bound - before.breach_move_bound);
	EXPECT_EQ(1, count_breaches("breach_no_sink"));
	if (after.breach_no_sink - before.breach_no_sink != 1 ||
	    count_moves(tids[0]) + count_moves(tids[1]) != 1)
		log_pairs(_metadata);
}

/*
 * The same two threads may also use idle CPU 0, but max_moves is 1: one is
 * moved, the other waits a period more, past its bound, and is moved by
 * the next decision, which counts one breach_move_bound.
 */
TEST_F(balance, spent_move_bound_counts_one_breach)
{
	static const int cpus103[] = { 1, 0, 3, -1 }, cpus203[] = { 2, 0, 3, -1 };
	struct events before, after;
	int tids[2], discarded;

	standalone_at_test_limits(_metadata);
	ASSERT_EQ(0, set_knob("sched_sourcesink_max_moves", 1));
	ASSERT_EQ(0, write_buf(TRACING "events/sched/sched_sourcesink_breach/enable", "1", 1));
	discarded = two_starving_retried(_metadata, &self->sp, 3, cpus103, cpus203,
					 &before, &after, tids);
	write_buf(TRACING "events/sched/sched_sourcesink_breach/enable", "0", 1);
	report_discarded(_metadata, discarded, 3, 1);
	ASSERT_LE(0, discarded);
	EXPECT_EQ(1, count_moves(tids[0]));
	EXPECT_EQ(1, count_moves(tids[1]));
	EXPECT_EQ(1, after.breach_move_bound - before.breach_move_bound);
	EXPECT_EQ(0, after.breach_no_sink - before.breach_no_sink);
	EXPECT_EQ(1, count_breaches("breach_move_bound"));
	if (after.breach_move_bound - before.breach_move_bound != 1)
		log_pairs(_metadata);
}

/*
 * (c) Pinned threads, SCHED_FIFO threads and per-CPU kthreads are never
 * moved by this balancer, though a CPU they could use stays idle.
 */
TEST_F(balance, never_moves_pinned_fifo_or_percpu_kthreads)
{
	static const int cpu1[] = { 1, -1 }, cpus13[] = { 1, 3, -1 };
	struct sched_param fifo = { .sched_priority = 10 };
	struct spinner *pinned, *rt;
	long long pinned_migrations;
	char comm[64], path[64];
	int ksoftirqd = 0, pid;
	struct view v;
	FILE *f;
	int i;

	ASSERT_EQ(0, set_knob("sched_sourcesink_standalone", 1));
	ASSERT_EQ(0, set_knob("sched_sourcesink_starvation_ms", 20));
	ASSERT_EQ(0, set_knob("sched_sourcesink_period_ms", 50));
	add_spinner(_metadata, &self->sp, HOG_NICE, cpu1);
	pinned = add_victim(_metadata, &self->sp, VICTIM_NICE, cpu1);
	rt = &self->sp.s[self->sp.nr];
	ASSERT_EQ(0, start_thread(rt, 0, cpu1, spin_leaving_room));
	self->sp.nr++;
	ASSERT_EQ(0, pthread_setschedparam(rt->thread, SCHED_FIFO, &fifo));
	wait_running(_metadata, &self->sp);
	widen(_metadata, rt, cpus13);
	for (pid = 2; pid < 200 && !ksoftirqd; pid++) {
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strcmp(comm, "ksoftirqd/1\n"))
			ksoftirqd = pid;
		fclose(f);
	}
	ASSERT_NE(0, ksoftirqd);
	sleep_ms(100);
	pinned_migrations = migrations_of(atomic_load(&pinned->tid));
	ASSERT_EQ(0, clear_trace());

	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, read_view(&v));
		EXPECT_FALSE(is_state(&v, 1, "SOURCE"))
			TH_LOG("cpu 1 holds only a pinned waiter, yet is a SOURCE");
		sleep_ms(50);
	}
	EXPECT_EQ(pinned_migrations, migrations_of(atomic_load(&pinned->tid)));
	EXPECT_EQ(0, count_moves(atomic_load(&pinned->tid)));
	EXPECT_EQ(0, count_moves(atomic_load(&rt->tid)));
	EXPECT_EQ(0, count_moves(ksoftirqd));
}

/* (d) Mode 0: nothing is moved and no counter moves. */
TEST_F(balance, mode_off_moves_nothing)
{
	static const int cpu1[] = { 1, -1 }, cpus13[] = { 1, 3, -1 };
	struct events before, after;
	struct spinner *victim;

	ASSERT_EQ(0, set_knob("sched_sourcesink_starvation_ms", LIMIT_MS));
	ASSERT_EQ(0, set_knob("sched_sourcesink_period_ms", 50));
	ASSERT_EQ(0, set_knob("sched_sourcesink_mode", 0));
	add_spinner(_metadata, &self->sp, HOG_NICE, cpu1);
	victim = add_victim(_metadata, &self->sp, VICTIM_NICE, cpu1);
	ASSERT_EQ(0, read_events(&before));
	widen(_metadata, victim, cpus13);
	sleep_ms(10 * 50);
	ASSERT_EQ(0, read_events(&after));
	EXPECT_EQ(before.decisions, after.decisions);
	EXPECT_EQ(before.moved, after.moved);
	EXPECT_EQ(0, count_moves(0));
}

/*
 * Milliseconds until the decisions counter moves past @from, polled every
 * 2 ms, or -1 if not within @max_ms.
 */
static long long ms_to_decision(unsigned long long from, int max_ms)
{
	long long t0 = now_ns(), ms;
	struct events e;

	do {
		if (read_events(&e))
			return -1;
		ms = (now_ns() - t0) / 1000000;
		if (e.decisions != from)
			return ms;
		sleep_ms(2);
	} while (ms < max_ms);
	return -1;
}

/*
 * (f) A shorter period takes effect at once, not when the old one ends:
 * 50 ms written just after a decision of a 1000 ms period brings the next
 * decision within 50 ms and two ticks, where 950 ms of the old period were
 * left, and decisions at the new rate after it.  Tolerance: 150 ms, for a
 * vCPU the host stalls (seen up to about 100 ms on a busy host).
 */
#define PERIOD_SLACK_MS	150

TEST_F(balance, period_change_takes_effect_within_old_period)
{
	static const int cpu1[] = { 1, -1 };
	struct events before, after;
	long long first;

	/* Decisions ride on ticks: keep one CPU busy and ticking. */
	add_spinner(_metadata, &self->sp, 0, cpu1);
	ASSERT_EQ(0, set_knob("sched_sourcesink_period_ms", 1000));
	ASSERT_EQ(0, read_events(&before));
	ASSERT_LE(0, ms_to_decision(before.decisions, 2500))
		TH_LOG("no decision within 2.5 s at a 1000 ms period");
	ASSERT_EQ(0, read_events(&before));
	ASSERT_EQ(0, set_knob("sched_sourcesink_period_ms", 50));
	first = ms_to_decision(before.decisions, 1500);
	TH_LOG("first decision %lld ms after 50 ms was written", first);
	EXPECT_LE(0, first);
	EXPECT_GE(50 + 2 * 4 + PERIOD_SLACK_MS, first);

	ASSERT_EQ(0, read_events(&before));
	sleep_ms(1000);
	ASSERT_EQ(0, read_events(&after));
	TH_LOG("%llu decisions in 1 s at a 50 ms period",
	       after.decisions - before.decisions);
	EXPECT_GE(after.decisions - before.decisions, 10);
	EXPECT_LE(after.decisions - before.decisions, 22);
}

/*
 * A decision is due on its own clock, not the stock balancer's: with every
 * CPU busy, no idle CPU balances for the others, and the stock balancer's
 * softirq comes about every 128 ms on each CPU (its busy interval), but a
 * 10 ms period must still bring a decision every third 4 ms tick, about 83
 * a second.  At least half of those are asked for; riding on the stock
 * balancer's softirq would bring about 31.  CPU 0's spinner is nice 19, so
 * the test itself still runs there when it must.
 */
#define OWN_CLOCK_PERIOD_MS	10

TEST_F(balance, short_period_decides_on_its_own_clock)
{
	static const int cpus[4][2] = { { 0, -1 }, { 1, -1 }, { 2, -1 }, { 3, -1 } };
	struct events before, after;
	int i;

	for (i = 0; i < 4; i++)
		add_spinner(_metadata, &self->sp, i ? 0 : VICTIM_NICE, cpus[i]);
	wait_running(_metadata, &self->sp);
	ASSERT_EQ(0, set_knob("sched_sourcesink_period_ms", OWN_CLOCK_PERIOD_MS));
	sleep_ms(100);
	ASSERT_EQ(0, read_events(&before));
	sleep_ms(1000);
	ASSERT_EQ(0, read_events(&after));
	TH_LOG("%llu decisions in 1 s at a %d ms period",
	       after.decisions - before.decisions, OWN_CLOCK_PERIOD_MS);
	EXPECT_LE(1000 / (3 * TICK_MS) / 2, after.decisions - before.decisions);
}

/*
 * (g) Standalone, with a 4 ms period: eight spinners started together on
 * CPU 1 and then allowed everywhere are spread over all four CPUs, with
 * under 10% idle time while they run.
 */
static long long idle_jiffies(void)
{
	long long user, nice, sys, idle, total = 0;
	char line[256];
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "cpu", 3) && line[3] != ' ' &&
		    sscanf(line + 3, "%*d %lld %lld %lld %lld",
			   &user, &nice, &sys, &idle) == 4)
			total += idle;
	fclose(f);
	return total;
}

TEST_F(balance, standalone_keeps_every_cpu_busy)
{
	static const int cpu1[] = { 1, -1 }, all[] = { 0, 1, 2, 3, -1 };
	long long idle0, idle1, elapsed0, elapsed1;
	long hz = sysconf(_SC_CLK_TCK);
	int i;

	ASSERT_EQ(0, set_knob("sched_sourcesink_standalone", 1));
	ASSERT_EQ(0, set_knob("sched_sourcesink_starvation_ms", 10));
	ASSERT_EQ(0, set_knob("sched_sourcesink_period_ms", 4));
	for (i = 0; i < 8; i++)
		add_spinner(_metadata, &self->sp, 0, cpu1);
	wait_running(_metadata, &self->sp);
	for (i = 0; i < 8; i++)
		widen(_metadata, &self->sp.s[i], all);
	sleep_ms(1000);
	idle0 = idle_jiffies();
	elapsed0 = now_ns();
	sleep_ms(1000);
	idle1 = idle_jiffies();
	elapsed1 = now_ns();
	ASSERT_GE(idle0, 0);
	TH_LOG("idle %lld of %lld CPU-jiffies", idle1 - idle0,
	       4 * (elapsed1 - elapsed0) * hz / 1000000000LL);
	EXPECT_LE((idle1 - idle0) * 10, 4 * (elapsed1 - elapsed0) * hz / 1000000000LL);
}

/*
 * (h) 1000 short-lived threads born and reaped while the balancer runs
 * every 10 ms: every one finishes and the kernel logs no warning.
 */
static void *short_life(void *arg)
{
	long long end = now_ns() + 2000000;

	while (now_ns() < end)
		;
	return arg;
}

static int kernel_warnings(void)
{
	static char log[1 << 20];
	int n, count = 0;
	char *at;

	n = klogctl(3, log, sizeof(log) - 1);	/* SYSLOG_ACTION_READ_ALL */
	if (n < 0)
		return -1;
	log[n] = '\0';
	for (at = log; (at = strstr(at, "WARNING:")); at++)
		count++;
	for (at = log; (at = strstr(at, "BUG:")); at++)
		count++;
	return count;
}

TEST_F(balance, thread_churn_leaves_no_warnings)
{
	static const int all[] = { 0, 1, 2, 3, -1 };
	int warnings, done = 0, round, i, ids[20];
	pthread_t threads[20];
	cpu_set_t set;

	warnings = kernel_warnings();
	ASSERT_GE(warnings, 0);
	ASSERT_EQ(0, set_knob("sched_sourcesink_starvation_ms", 5));
	ASSERT_EQ(0, set_knob("sched_sourcesink_period_ms", 10));
	cpus_of(&set, all);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	for (round = 0; round < 50; round++) {
		for (i = 0; i < 20; i++)
			ASSERT_EQ(0, pthread_create(&threads[i], NULL, short_life,
						    &ids[i]));
		for (i = 0; i < 20; i++) {
			void *ret = NULL;

			ASSERT_EQ(0, pthread_join(threads[i], &ret));
			done += ret == &ids[i];
		}
	}
	EXPECT_EQ(1000, done);
	EXPECT_EQ(warnings, kernel_warnings());
}

/*
 * (e) Score mode moves from the worst score to the best, and the weights
 * decide which CPU is worst: cpu 1, a SOURCE with two threads, or cpu 2,
 * three fair spinners sharing it, busier but with nobody starving.
 *
 * Two things go wrong under TCG on a loaded host, both because the guest's
 * clock runs on while the host leaves a vCPU thread unscheduled.  Cpu 2's
 * waiters starve when its vCPU stalls for the limit: at the basic tests'
 * 50 ms limit, cpu 2 was a SOURCE too in one attempt in five.  And the
 * test reaches the widening late after the decision it waited for, up to
 * 300 ms seen, so the next decision may come before cpu 1's victim has
 * starved and choose cpu 2 by its load.  Cpu 1's victim starves for good,
 * so these tests take a limit few stalls reach and a period that leaves
 * the widening 750 ms of slack.
 */
#define SCORE_LIMIT_MS	250
#define SCORE_PERIOD_MS	1000

/*
 * Fills @pair with the first pair chosen after the widening, by a decision
 * that saw between @min_sources and @max_sources sources, from a scenario
 * whose loads were as built (cpu 2 above cpu 1) just before the widening.
 * Builds the scenario again, up to five times, when either did not hold.
 * Returns how many attempts were discarded (at most two may be), or -1
 * with what each attempt saw logged.  Five attempts of
 * up to 3.5 s each, slower on a loaded host, overrun the harness's default
 * 30 s timeout, hence the tests' 90 s.
 */
static int score_mode_first_pair(struct __test_metadata *_metadata,
				 struct spinners *sp, int state_weight,
				 int load_weight, unsigned int min_sources,
				 unsigned int max_sources, struct pair *pair)
{
	static const int cpu1[] = { 1, -1 }, cpu2[] = { 2, -1 };
	static const int cpus13[] = { 1, 3, -1 }, cpus23[] = { 2, 3, -1 };
	static struct view v;
	int attempt, i;

	ASSERT_EQ(0, set_knob("sched_sourcesink_standalone", 1));
	ASSERT_EQ(0, set_knob("sched_sourcesink_starvation_ms", SCORE_LIMIT_MS));
	ASSERT_EQ(0, set_knob("sched_sourcesink_period_ms", SCORE_PERIOD_MS));
	/*
	 * Two attempts: idle cpus 0 and 3 score alike, and the first may
	 * be cpu 0, which the threads of cpus 1 and 2 may not use.  A
	 * refused attempt counts against the bound as a move does.
	 */
	ASSERT_EQ(0, set_knob("sched_sourcesink_max_moves", 2));
	ASSERT_EQ(0, set_knob("sched_sourcesink_state_weight", state_weight));
	ASSERT_EQ(0, set_knob("sched_sourcesink_load_weight", load_weight));
	ASSERT_EQ(0, set_knob("sched_sourcesink_mode", 2));
	for (attempt = 1; attempt <= 5; attempt++) {
		stop_all(sp);
		start_spinning();
		add_spinner(_metadata, sp, HOG_NICE, cpu1);
		add_victim(_metadata, sp, VICTIM_NICE, cpu1);
		for (i = 0; i < 3; i++)
			add_victim(_metadata, sp, 0, cpu2);
		sleep_ms(500);			/* let PELT see the loads */

		after_a_decision(_metadata, SCORE_PERIOD_MS);
		clear_trace();
		if (read_view(&v))
			memset(&v, 0, sizeof(v));
		widen(_metadata, &sp->s[1], cpus13);
		for (i = 2; i < 5; i++)
			widen(_metadata, &sp->s[i], cpus23);
		sleep_ms(2 * SCORE_PERIOD_MS + SLACK_MS);
		if (v.cpu[2].load <= v.cpu[1].load)
			TH_LOG("attempt %d: the loads were not as built: cpu 1 %lu, cpu 2 %lu",
			       attempt, v.cpu[1].load, v.cpu[2].load);
		else if (first_pair(min_sources, pair) || pair->sources > max_sources)
			TH_LOG("attempt %d: no first pair from a decision seeing %u to %u sources",
			       attempt, min_sources, max_sources);
		else
			return attempt - 1;
		log_pairs(_metadata);
	}
	return -1;
}

/*
 * A failed ASSERT here would longjmp() back into the harness, which then
 * unmaps the fixture under the running spinners (the 6.12 harness reads
 * its non-volatile child pid after the longjmp()): the test would die of
 * SIGSEGV instead of failing with its log.  Hence EXPECT and return.
 */
TEST_F_TIMEOUT(balance, score_mode_default_weights_pick_the_source, 90)
{
	/* A SOURCE scores at least this, a SINK or NEITHER less. */
	const unsigned long long source_score = 2ULL * SOURCESINK_STATE_WEIGHT * 1024;
	struct pair pair = { .src = -1, .dst = -1 };
	int discarded;

	/* Only cpu 1 is a SOURCE; then it must be worst. */
	discarded = score_mode_first_pair(_metadata, &self->sp,
					  SOURCESINK_STATE_WEIGHT, 1, 1, 1, &pair);
	report_discarded(_metadata, discarded, 5, 2);
	if (discarded < 0)
		return;
	EXPECT_EQ(1, pair.src) TH_LOG("the first pair came from cpu %d", pair.src);
	EXPECT_LE(source_score, pair.src_metric)
		TH_LOG("cpu %d was chosen with score %llu, though a SOURCE scores %llu or more",
		       pair.src, pair.src_metric, source_score);
	/*
	 * And a thread moved from it to idle cpu 3, the best score it may
	 * use (idle cpu 0 scores as well, but cpu 1's threads may not go
	 * there): a score mode that chose and moved nothing fails here.
	 */
	first_move_of(&self->sp, &pair);
	EXPECT_EQ(1, pair.moved_src);
	EXPECT_EQ(3, pair.moved_dst);
	if (pair.src != 1 || pair.moved_src != 1 || pair.moved_dst != 3)
		log_pairs(_metadata);
}

TEST_F_TIMEOUT(balance, score_mode_load_only_picks_the_busiest, 90)
{
	struct pair pair = { .src = -1, .dst = -1 };
	int discarded;

	/* By load alone cpu 2 is worst, whatever the states. */
	discarded = score_mode_first_pair(_metadata, &self->sp, 0, 1, 0,
					  MAX_CPUS, &pair);
	report_discarded(_metadata, discarded, 5, 2);
	if (discarded < 0)
		return;
	EXPECT_EQ(2, pair.src) TH_LOG("the first pair came from cpu %d", pair.src);
	/* One of its three threads moved to idle cpu 3, the best it may use. */
	first_move_of(&self->sp, &pair);
	EXPECT_EQ(2, pair.moved_src);
	EXPECT_EQ(3, pair.moved_dst);
	if (pair.src != 2 || pair.moved_src != 2 || pair.moved_dst != 3)
		log_pairs(_metadata);
}

/* --- the node level ------------------------------------------------------ */

#define NODE_DECISION_EVENT	TRACING "events/sched/sched_sourcesink_node_decision/enable"
#define MAX_NODES		8
#define NODE_LIMIT_MS		50
#define NODE_CPU_PERIOD_MS	100
#define NODE_PERIOD_MS		200

struct node {
	int cpus[MAX_CPUS + 1];		/* -1 terminated */
	int nr_cpus;
	int distance[MAX_NODES];
};

struct topology {
	struct node node[MAX_NODES];
	int nr_nodes;
	int cpu_node[MAX_CPUS];
};

struct victims {
	int tid[MAX_CPUS];
	int nr;
};

FIXTURE(numa) {
	int saved[NR_KNOBS];
	struct spinners sp;
	struct topology topo;
	struct victims victims;
};

/* Nodes 0 .. n-1 with their CPUs and distances, from sysfs. */
static int read_topology(struct topology *topo)
{
	char path[96], buf[512], *at;
	int n, i, len;

	for (n = 0; n < MAX_NODES; n++) {
		struct node *node = &topo->node[n];

		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", n);
		if (read_line(path, buf, sizeof(buf)))
			break;
		node->nr_cpus = parse_cpulist(buf, node->cpus);
		if (node->nr_cpus <= 0)
			return -1;
		for (i = 0; i < node->nr_cpus; i++)
			topo->cpu_node[node->cpus[i]] = n;
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/distance", n);
		if (read_line(path, buf, sizeof(buf)))
			return -1;
		for (i = 0, at = buf; i < MAX_NODES &&
		     sscanf(at, "%d%n", &node->distance[i], &len) == 1; i++)
			at += len;
	}
	topo->nr_nodes = n;
	return 0;
}

FIXTURE_SETUP(numa)
{
	struct node *last;
	int i;

	restore_guest(_metadata);
	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_EQ(0, read_topology(&self->topo));
	if (self->topo.nr_nodes < 2)
		SKIP(return, "needs 2 NUMA nodes with CPUs");
	for (i = 0; i < NR_KNOBS; i++)
		self->saved[i] = knob(knobs[i]);
	ASSERT_EQ(1, knob("sched_sourcesink_numa"))
		TH_LOG("the node level is not on by default with %d nodes",
		       self->topo.nr_nodes);
	ASSERT_EQ(0, set_knob("sched_sourcesink_standalone", 1));
	ASSERT_EQ(0, set_knob("sched_sourcesink_starvation_ms", NODE_LIMIT_MS));
	ASSERT_EQ(0, set_knob("sched_sourcesink_period_ms", NODE_CPU_PERIOD_MS));
	ASSERT_EQ(0, set_knob("sched_sourcesink_node_period_ms", NODE_PERIOD_MS));
	ASSERT_EQ(0, write_buf(MOVE_EVENT, "1", 1));
	ASSERT_EQ(0, write_buf(NODE_DECISION_EVENT, "1", 1));
	ASSERT_EQ(0, clear_trace());
	/* The test itself waits on the last CPU, far from node 0. */
	last = &self->topo.node[self->topo.nr_nodes - 1];
	ASSERT_EQ(0, start_spinning_on(last->cpus[last->nr_cpus - 1]));
}

FIXTURE_TEARDOWN_PARENT(numa)
{
	int i;

	for (i = 0; i < NR_KNOBS; i++)
		if (self->saved[i] >= 0)
			set_knob(knobs[i], self->saved[i]);
	write_buf(MOVE_EVENT, "0", 1);
	write_buf(NODE_DECISION_EVENT, "0", 1);
}

/*
 * Starve node 0: on each of its CPUs a bound nice -20 spinner with a
 * nice 19 victim queued behind it, allowed on that CPU and on the CPUs of
 * the nodes in @also (-1 terminated).  Every CPU of node 0 then holds a
 * starving thread nothing inside the node may take, so node 0 is a SOURCE.
 * The victims first run on @first, which should be idle.
 */
static void starve_node0(struct __test_metadata *_metadata,
			 const struct topology *topo, struct spinners *sp,
			 struct victims *victims, const int *also, int first)
{
	const struct node *n0 = &topo->node[0], *other;
	int allowed[MAX_CPUS + 1];
	int i, j, k, c;

	for (i = 0; i < n0->nr_cpus; i++) {
		const int cpu[] = { n0->cpus[i], -1 };

		add_spinner(_metadata, sp, HOG_NICE, cpu);
	}
	wait_running(_metadata, sp);
	for (i = 0; i < n0->nr_cpus; i++) {
		const int cpu[] = { n0->cpus[i], -1 };
		struct spinner *victim;

		victim = add_victim_from(_metadata, sp, VICTIM_NICE, first, cpu);
		victims->tid[victims->nr++] = atomic_load(&victim->tid);
	}
	/* Let the load the victims left on @first decay (PELT halves in 32 ms). */
	sleep_ms(320);
	for (i = 0; i < n0->nr_cpus; i++) {
		k = 0;
		allowed[k++] = n0->cpus[i];
		for (j = 0; also[j] >= 0; j++) {
			other = &topo->node[also[j]];
			for (c = 0; c < other->nr_cpus; c++)
				allowed[k++] = other->cpus[c];
		}
		allowed[k] = -1;
		widen(_metadata, &sp->s[sp->nr - n0->nr_cpus + i], allowed);
	}
}

static int is_victim(const struct victims *victims, int pid)
{
	int i;

	for (i = 0; i < victims->nr; i++)
		if (victims->tid[i] == pid)
			return 1;
	return 0;
}

/*
 * The balancer's moves in the trace that cross nodes: how many, and the
 * destination node of the first one of a victim (-1 if none).
 */
static int cross_node_moves(const struct topology *topo,
			    const struct victims *victims, int *victim_dst)
{
	int pid, src, dst, n = 0;
	char line[512];
	FILE *f;

	*victim_dst = -1;
	f = fopen(TRACING "trace", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!parse_move(line, &pid, &src, &dst) ||
		    topo->cpu_node[src] == topo->cpu_node[dst])
			continue;
		n++;
		if (*victim_dst < 0 && is_victim(victims, pid))
			*victim_dst = topo->cpu_node[dst];
	}
	fclose(f);
	return n;
}

/* The first node-level decision that chose a pair: its nodes and distance. */
static int first_node_pair(int *src, int *dst, int *distance)
{
	char line[512], *at;
	int found = -1;
	FILE *f;

	f = fopen(TRACING "trace", "r");
	if (!f)
		return -1;
	while (found && fgets(line, sizeof(line), f)) {
		at = strstr(line, "sched_sourcesink_node_decision:");
		if (!at || sscanf(strstr(at, " src_node=") ?: "", " src_node=%d dst_node=%d",
				  src, dst) != 2 || *src < 0 || *dst < 0)
			continue;
		if (sscanf(strstr(at, " distance=") ?: "", " distance=%d", distance) == 1)
			found = 0;
	}
	fclose(f);
	return found;
}

static int count_node_decisions(void)
{
	char line[512];
	FILE *f;
	int n = 0;

	f = fopen(TRACING "trace", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += !!strstr(line, "sched_sourcesink_node_decision:");
	fclose(f);
	return n;
}

static int read_node_events(struct events *e)
{
	return read_level_events(e, "node_");
}

/* Log the node lines of view @v, for the record of what the decision saw. */
static void log_node_lines(struct __test_metadata *_metadata, const struct view *v)
{
	const char *line, *end;

	for (line = strstr(v->text, "\nnode="); line; line = strstr(end, "\nnode=")) {
		end = strchr(line + 1, '\n');
		if (!end)
			end = line + strlen(line);
		TH_LOG("%.*s", (int)(end - line - 1), line + 1);
	}
}

static int node_state(const struct view *v, int node, char *state)
{
	char key[32], *at;

	snprintf(key, sizeof(key), "\nnode=%d state=", node);
	at = strstr(v->text, key);
	return at && sscanf(at + strlen(key), "%15s", state) == 1;
}

/* Log the first node-level choice and a victim's cross-node move. */
static void log_node_trace(struct __test_metadata *_metadata,
			   const struct topology *topo,
			   const struct victims *victims)
{
	int node_pair = 0, move = 0, pid, src, dst;
	char line[512], *at;
	FILE *f;

	f = fopen(TRACING "trace", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && !(node_pair && move)) {
		at = strstr(line, "sched_sourcesink_node_decision:");
		if (at && !node_pair && !strstr(at, "src_node=-1")) {
			TH_LOG("%s", at);
			node_pair = 1;
		}
		if (node_pair && !move && parse_move(line, &pid, &src, &dst) &&
		    is_victim(victims, pid) && topo->cpu_node[src] != topo->cpu_node[dst]) {
			TH_LOG("%s", strstr(line, "sched_sourcesink_move:"));
			move = 1;
		}
	}
	fclose(f);
}

/* Node 0 a SOURCE and node 1 a SINK, as the view shows them. */
static int node0_source_node1_sink(const struct view *v)
{
	char s0[16], s1[16];

	return node_state(v, 0, s0) && node_state(v, 1, s1) &&
	       !strcmp(s0, "SOURCE") && !strcmp(s1, "SINK");
}

/*
 * Wait up to @timeout_ms for a victim's cross-node move by this balancer;
 * its node or -1.  It polls the victims' CPUs, which costs next to nothing,
 * and reads the trace only once one has left node 0: the waiting must not
 * load the node the test waits on.
 */
static int wait_victim_moved(const struct topology *topo,
			     const struct victims *victims, int timeout_ms)
{
	int waited, i, cpu, dst = -1;

	for (waited = 0; waited < timeout_ms && dst < 0; waited += 50) {
		sleep_ms(50);
		for (i = 0; i < victims->nr; i++) {
			cpu = last_cpu(victims->tid[i]);
			if (cpu >= 0 && topo->cpu_node[cpu] != 0)
				break;
		}
		if (i < victims->nr)
			cross_node_moves(topo, victims, &dst);
	}
	return dst;
}

/*
 * On 64 vCPUs sharing two host cores (make check-large) the first test of
 * the boot took 18-24 s alone and passed the harness's 30 s default in a
 * full run: hence 90 s.
 */
TEST_F_TIMEOUT(numa, starving_thread_moves_to_sink_node, 90)
{
	static const int node1[] = { 1, -1 };
	struct events before, after;
	int src, dst, distance;
	struct view v;

	ASSERT_EQ(0, read_node_events(&before));
	starve_node0(_metadata, &self->topo, &self->sp, &self->victims, node1,
		     self->topo.node[1].cpus[0]);
	if (sample_until(_metadata, &v, node0_source_node1_sink, 5000))
		log_node_lines(_metadata, &v);
	dst = wait_victim_moved(&self->topo, &self->victims, 20 * NODE_PERIOD_MS);
	ASSERT_EQ(1, dst) TH_LOG("no victim was moved to node 1");
	log_node_trace(_metadata, &self->topo, &self->victims);
	ASSERT_EQ(0, read_node_events(&after));
	EXPECT_GT(after.decisions, before.decisions);
	EXPECT_GT(after.moved, before.moved);
	ASSERT_EQ(0, first_node_pair(&src, &dst, &distance));
	EXPECT_EQ(0, src);
	EXPECT_EQ(self->topo.node[0].distance[dst], distance);
}

/*
 * kSTEP's local group imbalance (Cao et al., OSDI 2026): nodes 0 and 1 of
 * two CPUs each.  Three nice 0 hogs pinned to node 1's second CPU make node
 * 1 overloaded for the stock balancer, which then compares average loads,
 * finds node 1 no lighter than node 0 and calls the two balanced, although
 * node 1's first CPU idles.  A nice 0 hog pinned to each CPU of node 0 and a
 * nice 19 victim allowed on both (so that it always shares one with a hog);
 * a second later the victim may use node 1's CPUs too.  The victim
 * runs a slice every 200 ms or so and the stock balancer trades it between
 * node 0's CPUs, so it starves on one busy CPU or the other, and its wait
 * does not restart with either once it has starved.  Returns how long
 * after the widening it first ran on the idle CPU, or -1 if not within
 * @timeout_ms; *@waited is how long it had waited by this balancer's count
 * (since long before the widening) when this balancer moved it there, or
 * -1 (the stock balancer took it, or nobody did).
 */
static long long local_group_imbalance(struct __test_metadata *_metadata,
				       const struct topology *topo,
				       struct spinners *sp, int timeout_ms,
				       long long *waited)
{
	const struct node *n0 = &topo->node[0], *n1 = &topo->node[1];
	const int node0[] = { n0->cpus[0], n0->cpus[1], -1 };
	const int cpu00[] = { n0->cpus[0], -1 }, cpu01[] = { n0->cpus[1], -1 };
	const int pinned[] = { n1->cpus[1], -1 };
	const int both[] = { n0->cpus[0], n0->cpus[1], n1->cpus[0], n1->cpus[1], -1 };
	struct spinner *victim;
	long long ms, since_run;
	int i;

	stop_all(sp);
	start_spinning_on(n1->cpus[1]);
	for (i = 0; i < 3; i++)
		add_spinner(_metadata, sp, 0, pinned);
	add_spinner(_metadata, sp, 0, cpu00);
	add_spinner(_metadata, sp, 0, cpu01);
	victim = add_victim_from(_metadata, sp, VICTIM_NICE, n1->cpus[0], node0);
	sleep_ms(1000);
	clear_trace();
	ms = time_to_reach(_metadata, victim, both, n1->cpus[0], timeout_ms, &since_run);
	*waited = waited_before_move(atomic_load(&victim->tid), n1->cpus[0]);
	stop_all(sp);
	return ms;
}

#define IMBALANCE_OFF_MS	5000

/*
 * The victim of local_group_imbalance() starves on node 0 long before the
 * widening gives it a sink, so its wait for one is timed from the widening:
 * it reaches the idle CPU within the node level's bound L + N + P and four
 * ticks (plus SLACK_MS) at a short period, in state and in score mode, and
 * at the defaults (the stock balancer on beside this one).  The victim runs
 * a slice now and then: a node step that finds it running looks again once
 * that is over.  One node period more is tolerated, and logged: before a
 * node step that finds no pair of nodes ran again at the next decision,
 * about one run in ten here lost a node period to one (seen: 779 ms
 * against 606 at the short period, where the step found no SINK node
 * although CPU 2 idled, not explained; 5652 against 5156 at the
 * defaults).  With this balancer off, how long the
 * stock one leaves it there is reported, not judged: a stable update may
 * fix it.  The short one runs in state mode and in score mode.  Four runs
 * of up to 5, 3, 3 and 12 s, with a second of setup each: more than the
 * harness's default 30 s.
 */
TEST_F_TIMEOUT(numa, local_group_imbalance_thread_reaches_idle_cpu, 90)
{
	long long off, short_ms, score_ms, dflt, short_bound, dflt_bound;
	long long short_waited, score_waited, dflt_waited, off_waited;
	long long short_tolerated, dflt_tolerated;
	int i, limit, period, node_period;

	if (self->topo.node[0].nr_cpus != 2 || self->topo.node[1].nr_cpus != 2)
		SKIP(return, "needs nodes 0 and 1 of two CPUs each");

	ASSERT_EQ(0, set_knob("sched_sourcesink_mode", 0));
	off = local_group_imbalance(_metadata, &self->topo, &self->sp,
				    IMBALANCE_OFF_MS, &off_waited);
	if (off < 0)
		TH_LOG("balancer off: not on the idle CPU within %d ms", IMBALANCE_OFF_MS);
	else
		TH_LOG("balancer off: on the idle CPU after %lld ms", off);

	ASSERT_EQ(0, set_knob("sched_sourcesink_mode", 1));
	ASSERT_EQ(0, set_knob("sched_sourcesink_node_period_ms", 4 * NODE_CPU_PERIOD_MS));
	/* The CPU level's decisions too, for log_trace_and_view(). */
	ASSERT_EQ(0, write_buf(DECISION_EVENT, "1", 1));
	short_bound = NODE_LIMIT_MS + 4 * NODE_CPU_PERIOD_MS + NODE_CPU_PERIOD_MS +
		      4 * TICK_MS + SLACK_MS;
	short_tolerated = short_bound + 4 * NODE_CPU_PERIOD_MS;
	short_ms = local_group_imbalance(_metadata, &self->topo, &self->sp,
					 short_tolerated + 2000, &short_waited);
	TH_LOG("L %d, P %d, N %d ms: idle CPU after %lld ms (wait %lld), bound %lld ms",
	       NODE_LIMIT_MS, NODE_CPU_PERIOD_MS, 4 * NODE_CPU_PERIOD_MS,
	       short_ms, short_waited, short_bound);
	if (short_ms < 0 || short_ms > short_bound)
		log_trace_and_view(_metadata);

	/* Score mode, whose CPU level also moves threads between busy CPUs. */
	ASSERT_EQ(0, set_knob("sched_sourcesink_mode", 2));
	score_ms = local_group_imbalance(_metadata, &self->topo, &self->sp,
					 short_tolerated + 2000, &score_waited);
	TH_LOG("score mode, L %d, P %d, N %d ms: idle CPU after %lld ms (wait %lld), bound %lld ms",
	       NODE_LIMIT_MS, NODE_CPU_PERIOD_MS, 4 * NODE_CPU_PERIOD_MS,
	       score_ms, score_waited, short_bound);
	if (score_ms < 0 || score_ms > short_bound)
		log_trace_and_view(_metadata);
	ASSERT_EQ(0, set_knob("sched_sourcesink_mode", 1));

	for (i = 0; i < NR_KNOBS; i++)
		ASSERT_EQ(0, set_knob(knobs[i], self->saved[i]));
	limit = knob("sched_sourcesink_starvation_ms");
	period = knob("sched_sourcesink_period_ms");
	node_period = knob("sched_sourcesink_node_period_ms");
	node_period = node_period ? node_period : 4 * period;
	dflt_bound = limit + node_period + period + 4 * TICK_MS + SLACK_MS;
	dflt_tolerated = dflt_bound + node_period;
	dflt = local_group_imbalance(_metadata, &self->topo, &self->sp,
				     dflt_tolerated + 2000, &dflt_waited);
	TH_LOG("defaults: idle CPU after %lld ms (wait %lld), bound %lld ms",
	       dflt, dflt_waited, dflt_bound);
	if (dflt < 0 || dflt > dflt_bound)
		log_trace_and_view(_metadata);

	EXPECT_LE(0, short_ms);
	EXPECT_LE(short_ms, short_tolerated);
	EXPECT_LE(0, score_ms);
	EXPECT_LE(score_ms, short_tolerated);
	EXPECT_LE(0, dflt);
	EXPECT_LE(dflt, dflt_tolerated);
	write_buf(DECISION_EVENT, "0", 1);
}

/*
 * With the node level off, the same load gets no node-level decision and
 * no cross-node move from this balancer, though node 0 is a SOURCE and
 * node 1 a SINK; turned back on, it moves a victim.
 */
TEST_F(numa, numa_off_moves_nothing_across_nodes)
{
	static const int node1[] = { 1, -1 };
	struct events before, after;
	int dst;
	struct view v;

	ASSERT_EQ(0, set_knob("sched_sourcesink_numa", 0));
	ASSERT_EQ(0, clear_trace());
	ASSERT_EQ(0, read_node_events(&before));
	starve_node0(_metadata, &self->topo, &self->sp, &self->victims, node1,
		     self->topo.node[1].cpus[0]);
	ASSERT_TRUE(sample_until(_metadata, &v, node0_source_node1_sink, 5000))
		TH_LOG("node 0 never a SOURCE with node 1 a SINK:\n%s", v.text);
	sleep_ms(5 * NODE_PERIOD_MS);
	ASSERT_EQ(0, read_node_events(&after));
	EXPECT_EQ(before.decisions, after.decisions);
	EXPECT_EQ(before.moved, after.moved);
	EXPECT_EQ(0, cross_node_moves(&self->topo, &self->victims, &dst));
	EXPECT_EQ(0, count_node_decisions());

	ASSERT_EQ(0, set_knob("sched_sourcesink_numa", 1));
	EXPECT_EQ(1, wait_victim_moved(&self->topo, &self->victims, 20 * NODE_PERIOD_MS))
		TH_LOG("numa back on, yet no victim was moved to node 1");
}

/* A node's load as the view shows it, or -1. */
static long node_load(const struct view *v, int node)
{
	char key[32], *at;
	long load;

	snprintf(key, sizeof(key), "\nnode=%d state=", node);
	at = strstr(v->text, key);
	if (!at)
		return -1;
	at = strstr(at, " load=");
	return at && sscanf(at, " load=%ld", &load) == 1 ? load : -1;
}

/*
 * Sink nodes whose loads differ by at most this much tie, and distance
 * decides between them (1/8 of a thread of SCHED_CAPACITY_SCALE).
 */
#define NODE_TIE_LOAD	(1024 / 8)
/* How near the band's edge a sampled load leaves the decision in doubt. */
#define NODE_TIE_DOUBT	(NODE_TIE_LOAD / 4)

/*
 * Two sink nodes equally idle at different distances from node 0: the
 * nearer one receives.  The test waits on the farther node, and its
 * victims first run there: under TCG a host stall while the test's thread
 * reads the view counts as running, so the node that waits has a load the
 * samples do not see, while an idle node's is 0 (sourcesink_sum_node()).
 * Waiting on the nearer node, the test failed 6 of 43 runs here, and once
 * more with idle CPUs counted as 0 (the farther node received, with
 * sampled loads that tie); on the farther, none of 16 nor 8.  KUnit's
 * sourcesink_test_node_nearer_sink_wins_a_tie checks the rule itself.
 * Should the nearer node's load reach a higher step all the same
 * (background kthreads), the farther node rightly wins on load: the
 * attempt is discarded and said so, one in three at most.  The decision
 * reads the loads at its own moment, within the 50 ms before the move is
 * seen, so both samples of the 100 ms before count, and a near node's
 * load within NODE_TIE_DOUBT of the band's edge leaves the far node's win
 * in doubt: discarded too.
 */
TEST_F(numa, nearer_of_two_sink_nodes_receives)
{
	int near = -1, far = -1, n, src, dst, distance, both[3];
	const int *d = self->topo.node[0].distance;
	long near_load = -1, far_load = -1, near_now, far_now, prev_near, prev_far;
	int attempt, discarded = 0, waited;
	struct node *home;
	struct view v;

	for (n = 1; n < self->topo.nr_nodes; n++) {
		if (near < 0 || d[n] < d[near])
			near = n;
		if (far < 0 || d[n] > d[far])
			far = n;
	}
	if (d[near] == d[far])
		SKIP(return, "needs two nodes at different distances from node 0");
	home = &self->topo.node[far];
	both[0] = near;
	both[1] = far;
	both[2] = -1;
	for (attempt = 1; attempt <= 3; attempt++) {
		ASSERT_EQ(0, start_spinning_on(home->cpus[home->nr_cpus - 1]));
		ASSERT_EQ(0, clear_trace());
		sleep_ms(200);
		starve_node0(_metadata, &self->topo, &self->sp, &self->victims,
			     both, home->cpus[0]);
		prev_near = 0;
		prev_far = LONG_MAX;
		dst = -1;
		for (waited = 0; waited < 20 * NODE_PERIOD_MS && dst < 0; waited += 50) {
			/*
			 * The loads of the two samples before the move is
			 * seen, 100 ms at most before it, the highest near
			 * and the lowest far: a PELT load moves a fifth of
			 * the way in 10 ms, and the decision reads its own.
			 */
			ASSERT_EQ(0, read_view(&v));
			near_now = node_load(&v, near);
			far_now = node_load(&v, far);
			near_load = near_now > prev_near ? near_now : prev_near;
			far_load = far_now < prev_far ? far_now : prev_far;
			prev_near = near_now;
			prev_far = far_now;
			sleep_ms(50);
			cross_node_moves(&self->topo, &self->victims, &dst);
		}
		ASSERT_GE(dst, 0) TH_LOG("no victim was moved off node 0");
		/* The node its decision chose first: it may move a second. */
		ASSERT_EQ(0, first_node_pair(&src, &dst, &distance));
		if (dst == near ||
		    near_load <= far_load + NODE_TIE_LOAD - NODE_TIE_DOUBT)
			break;
		discarded++;
		TH_LOG("attempt %d discarded: node %d (load %ld) out of the tie band",
		       attempt, near, near_load);
		TH_LOG("of node %d (load %ld)", far, far_load);
		stop_all(&self->sp);
		self->victims.nr = 0;
	}
	report_discarded(_metadata, attempt > 3 ? -1 : discarded, 3, 1);
	ASSERT_LE(discarded, 1);
	EXPECT_EQ(near, dst) TH_LOG("node %d (distance %d, load %ld) received, not %d (%d, %ld)",
				    dst, d[dst], far_load, near, d[near], near_load);
	if (dst != near)
		log_pairs(_metadata);
	EXPECT_EQ(0, src);
	EXPECT_EQ(d[near], distance);
}

/*
 * One decision-heavy load: as many equal spinners as there are CPUs, all
 * started on node 0 and then allowed everywhere, in standalone mode with
 * short periods.  Within a few seconds every node runs some of them, and
 * the node level has moved threads.
 */
TEST_F(numa, overload_on_one_node_spreads_to_every_node)
{
	int nr = sysconf(_SC_NPROCESSORS_ONLN), i, waited, covered = 0;
	struct events before, after;
	int all[MAX_CPUS + 1];

	if (nr > (int)ARRAY_SIZE(self->sp.s))
		nr = ARRAY_SIZE(self->sp.s);
	for (i = 0; i < sysconf(_SC_NPROCESSORS_ONLN) && i < MAX_CPUS; i++)
		all[i] = i;
	all[i] = -1;
	ASSERT_EQ(0, set_knob("sched_sourcesink_starvation_ms", 5));
	ASSERT_EQ(0, set_knob("sched_sourcesink_period_ms", 10));
	ASSERT_EQ(0, set_knob("sched_sourcesink_node_period_ms", 20));
	ASSERT_EQ(0, read_node_events(&before));
	for (i = 0; i < nr; i++)
		add_spinner(_metadata, &self->sp, 0, self->topo.node[0].cpus);
	wait_running(_metadata, &self->sp);
	for (i = 0; i < nr; i++)
		widen(_metadata, &self->sp.s[i], all);

	for (waited = 0; waited < 30000 && covered != (1 << self->topo.nr_nodes) - 1;
	     waited += 100) {
		sleep_ms(100);
		covered = 0;
		for (i = 0; i < nr; i++) {
			int cpu = last_cpu(atomic_load(&self->sp.s[i].tid));

			if (cpu >= 0)
				covered |= 1 << self->topo.cpu_node[cpu];
		}
	}
	ASSERT_EQ(0, read_node_events(&after));
	TH_LOG("%d spinners on %d nodes after %d ms; %llu node decisions, %llu moves across nodes",
	       nr, self->topo.nr_nodes, waited,
	       after.decisions - before.decisions, after.moved - before.moved);
	EXPECT_EQ((1 << self->topo.nr_nodes) - 1, covered);
	EXPECT_GT(after.moved, before.moved);
}

/*
 * NUMA balancing (on by default in Debian's kernel) keeps a thread on the
 * node that holds its memory.  This balancer moves such a thread off its
 * preferred node only when it starves: score mode, which also moves
 * threads that do not starve, must leave it where it is while it does not.
 */
#define NUMA_MEM_SIZE	(16 << 20)
#define NUMA_DEBUGFS	"/sys/kernel/debug/sched/numa_balancing/"

static char *numa_mem;

/* A spinner that writes its memory over and over: NUMA faults to count. */
static void *touch_memory(void *arg)
{
	struct spinner *s = arg;
	size_t i;

	atomic_store(&s->tid, gettid());
	atomic_store(&s->running, 1);
	while (!atomic_load_explicit(&stop_spinning, memory_order_relaxed))
		for (i = 0; i < NUMA_MEM_SIZE; i += 4096)
			numa_mem[i]++;
	return NULL;
}

/* The node NUMA balancing prefers for @tid: -1 for none, -2 unknown. */
static int preferred_node(int tid)
{
	return sched_field(tid, "numa_preferred_nid", -2);
}

/* The node @tid last ran on, or -1. */
static int node_of(const struct topology *topo, int tid)
{
	int cpu = last_cpu(tid);

	return cpu < 0 ? -1 : topo->cpu_node[cpu];
}

/* The events line's refused_preferred_node= counter. */
static long long refused_preferred(void)
{
	return read_view_number("refused_preferred_node");
}

TEST_F_TIMEOUT(numa, preferred_node_is_left_only_starving, 90)
{
	const struct node *n0 = &self->topo.node[0];
	int all[MAX_CPUS + 1], home[] = { n0->cpus[0], -1 };
	struct victims toucher = { .nr = 1 };
	int i, k = 0, tid, node, left_for, waited, enabled = 0;
	long long refused0, refused;
	struct spinner *t;

	if (read_int("/proc/sys/kernel/numa_balancing", &enabled) || enabled != 1)
		SKIP(return, "needs NUMA balancing on (/proc/sys/kernel/numa_balancing)");
	for (i = 0; i < sysconf(_SC_NPROCESSORS_ONLN) && i < MAX_CPUS; i++)
		all[k++] = i;
	all[k] = -1;
	/* Scan from the start and often, so that the guest need not wait. */
	write_buf(NUMA_DEBUGFS "scan_delay_ms", "0", 1);
	write_buf(NUMA_DEBUGFS "scan_period_min_ms", "100", 3);
	numa_mem = mmap(NULL, NUMA_MEM_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, numa_mem);

	/* Its memory first touched on node 0, where it runs. */
	t = &self->sp.s[self->sp.nr];
	ASSERT_EQ(0, start_thread(t, 0, home, touch_memory));
	self->sp.nr++;
	wait_running(_metadata, &self->sp);
	tid = atomic_load(&t->tid);
	toucher.tid[0] = tid;
	for (i = 0; i < 200 && (node = preferred_node(tid)) != 0; i++)
		sleep_ms(50);
	ASSERT_EQ(0, node) TH_LOG("NUMA balancing did not prefer node 0 in 10 s");

	/*
	 * Node 0 busy, the other nodes idle: score mode would even it out.
	 * A nice -5 spinner beside it keeps it waiting three quarters of the
	 * time, in waits of a few milliseconds: movable, never starving.  A
	 * host that stalls the guest's vCPUs can stretch one of those waits
	 * past 100 ms (seen: 157 ms with the host's cores busy), so the limit
	 * is a second while it must not starve.
	 */
	for (i = 0; i < n0->nr_cpus; i++) {
		const int cpu[] = { n0->cpus[i], -1 };

		add_spinner(_metadata, &self->sp, i ? 0 : -5, cpu);
	}
	ASSERT_EQ(0, set_knob("sched_sourcesink_starvation_ms", 1000));
	ASSERT_EQ(0, set_knob("sched_sourcesink_mode", 2));
	refused0 = refused_preferred();
	widen(_metadata, t, all);
	/*
	 * A node step can offer it only while it waits at a tick (a quarter
	 * of them see it run): watch for three refusals, 10 s at most.
	 */
	for (waited = 0; waited < 10000; waited += 500) {
		sleep_ms(500);
		refused = refused_preferred() - refused0;
		if (waited >= 2500 && refused >= 3)
			break;
	}
	cross_node_moves(&self->topo, &toucher, &left_for);
	TH_LOG("not starving on its preferred node 0: moved to node %d, %lld refusals in %d ms",
	       left_for, refused, waited + 500);
	EXPECT_EQ(-1, left_for) {
		log_pairs(_metadata);
	}
	EXPECT_GT(refused, 0) TH_LOG("no decision wanted to move it: the test proves nothing");
	EXPECT_EQ(0, node_of(&self->topo, tid));

	/*
	 * Starving behind a nice -20 spinner, it leaves node 0.  Every CPU
	 * there gets one, with a starving thread allowed only in node 0 on
	 * the others: no CPU of node 0 can take it, node 0 is a SOURCE.
	 */
	ASSERT_EQ(0, set_knob("sched_sourcesink_starvation_ms", NODE_LIMIT_MS));
	ASSERT_EQ(0, setpriority(PRIO_PROCESS, tid, VICTIM_NICE));
	for (i = 0; i < n0->nr_cpus; i++) {
		const int cpu[] = { n0->cpus[i], -1 };

		if (i)
			add_victim_from(_metadata, &self->sp, VICTIM_NICE,
					n0->cpus[i], n0->cpus);
		add_spinner(_metadata, &self->sp, HOG_NICE, cpu);
	}
	for (i = 0; i < 150 && node_of(&self->topo, tid) == 0; i++)
		sleep_ms(20);
	EXPECT_GT(node_of(&self->topo, tid), 0)
		TH_LOG("starving on node 0, it did not leave it in 3 s");
	/*
	 * Something else moves it first now and then (2 runs in about 10 on
	 * 3 nodes, not yet understood: the stock periodic balancing is off),
	 * which the rule allows: then it is said, not failed.
	 */
	cross_node_moves(&self->topo, &toucher, &left_for);
	if (left_for <= 0 && node_of(&self->topo, tid) > 0)
		TH_LOG("it left node 0, but not by this balancer");
	write_buf(NUMA_DEBUGFS "scan_delay_ms", "1000", 4);
	write_buf(NUMA_DEBUGFS "scan_period_min_ms", "1000", 4);
}

TEST_HARNESS_MAIN
