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
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"

#define SYSCTL_DIR	"/proc/sys/kernel/"
#define VIEW		"/sys/kernel/debug/sched/sourcesink"
#define MAX_CPUS	64
#define HOG_NICE	-20
#define VICTIM_NICE	19

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

/* One write() of exactly @len bytes at offset 0: 0, or -errno. */
static int write_buf(const char *path, const char *buf, size_t len)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	return n == (ssize_t)len ? 0 : -EIO;
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

/* --- the debugfs view ---------------------------------------------------- */

struct cpu_view {
	int present;
	char state[16];
	unsigned long load;
	unsigned long long score;
	unsigned int movable;
	unsigned long long oldest_wait_ms;
	unsigned long long since_idle_ms;
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

/* --- sysctls ------------------------------------------------------------- */

FIXTURE(sysctl) {
	char path[128];
	int saved;
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

FIXTURE_SETUP(sysctl)
{
	snprintf(self->path, sizeof(self->path), SYSCTL_DIR "%s", variant->name);
	ASSERT_EQ(0, read_int(self->path, &self->saved))
		TH_LOG("cannot read %s: is this kernel built with CONFIG_SCHED_SOURCESINK?",
		       self->path);
}

FIXTURE_TEARDOWN(sysctl)
{
	int now;

	if (!read_int(self->path, &now) && now != self->saved)
		write_long(self->path, self->saved);
}

TEST_F(sysctl, has_default)
{
	struct stat st;

	EXPECT_EQ(variant->def, self->saved);
	ASSERT_EQ(0, stat(self->path, &st));
	EXPECT_EQ(0644, st.st_mode & 07777);
}

TEST_F(sysctl, rejects_bad_writes)
{
	char bad[24][64];
	int i, n = 0, now;

	snprintf(bad[n++], 64, "%d", variant->min - 1);	/* below: -1 or 0 */
	snprintf(bad[n++], 64, "%d", variant->max + 1);
	snprintf(bad[n++], 64, "%d\n", variant->max + 1);
	snprintf(bad[n++], 64, "-1");
	snprintf(bad[n++], 64, "-2147483649");
	snprintf(bad[n++], 64, "2147483648");
	snprintf(bad[n++], 64, "9223372036854775808");
	snprintf(bad[n++], 64, "99999999999999999999999999");
	snprintf(bad[n++], 64, "abc");
	snprintf(bad[n++], 64, "%s", "");
	snprintf(bad[n++], 64, "\n");
	snprintf(bad[n++], 64, " ");
	snprintf(bad[n++], 64, "%dx", variant->min);	/* trailing garbage */
	snprintf(bad[n++], 64, "%d abc", variant->min);
	snprintf(bad[n++], 64, "%d %d", variant->min, variant->min);
	snprintf(bad[n++], 64, "%d\n\n", variant->min);
	snprintf(bad[n++], 64, " %d", variant->min);
	snprintf(bad[n++], 64, "0x1");
	snprintf(bad[n++], 64, "1.5");
	snprintf(bad[n++], 64, "--1");

	for (i = 0; i < n; i++) {
		EXPECT_EQ(-EINVAL, write_buf(self->path, bad[i], strlen(bad[i])))
			TH_LOG("%s: write of \"%s\" was not refused with EINVAL",
			       variant->name, bad[i]);
		ASSERT_EQ(0, read_int(self->path, &now));
		EXPECT_EQ(self->saved, now)
			TH_LOG("%s: write of \"%s\" changed the value",
			       variant->name, bad[i]);
	}
}

TEST_F(sysctl, accepts_its_bounds)
{
	const int good[] = { variant->min, variant->max, variant->def };
	int i, now;

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, write_long(self->path, good[i]))
			TH_LOG("%s: write of %d refused", variant->name, good[i]);
		ASSERT_EQ(0, read_int(self->path, &now));
		EXPECT_EQ(good[i], now);
	}
}

TEST_F(sysctl, refuses_unprivileged_writes)
{
	int status, now;
	pid_t pid;

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		if (open(self->path, O_WRONLY) >= 0)
			_exit(1);
		_exit(errno == EACCES ? 0 : 3);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("exit %d: 1 = uid 65534 could open %s for writing, 2 = setuid failed",
		       WEXITSTATUS(status), self->path);
	ASSERT_EQ(0, read_int(self->path, &now));
	EXPECT_EQ(self->saved, now);
}

/* --- the view ------------------------------------------------------------ */

TEST(view_has_one_line_per_online_cpu)
{
	static const char * const events[] = {
		"decisions=", "moved=", "refused_affinity=", "refused_running=",
		"refused_migration_disabled=", "refused_bound=",
		"refused_no_movable=",
	};
	struct view v;
	int i;

	ASSERT_EQ(0, read_view(&v)) TH_LOG("cannot read or parse " VIEW);
	EXPECT_EQ(sysconf(_SC_NPROCESSORS_ONLN), v.nr_lines);
	for (i = 0; i < sysconf(_SC_NPROCESSORS_ONLN) && i < MAX_CPUS; i++)
		EXPECT_TRUE(v.cpu[i].present) TH_LOG("no line for cpu %d", i);
	EXPECT_STREQ("state", v.mode);
	EXPECT_TRUE(!!strstr(v.text, "\nevents:"));
	for (i = 0; i < ARRAY_SIZE(events); i++) {
		const char *event = events[i];

		EXPECT_TRUE(!!strstr(v.text, event))
			TH_LOG("no %s in the events line", event);
	}
}

/* --- states under load --------------------------------------------------- */

static atomic_int stop_spinning;

struct spinner {
	pthread_t thread;
	atomic_int running;
};

struct spinners {
	struct spinner s[4];
	int nr;
};

static void *spin(void *arg)
{
	struct spinner *s = arg;

	atomic_store(&s->running, 1);
	while (!atomic_load_explicit(&stop_spinning, memory_order_relaxed))
		;
	return NULL;
}

/*
 * A spinner at @nice allowed on @cpus (a -1 terminated list).  It inherits
 * the nice value of the thread that creates it, since it may not run soon
 * enough to set its own.
 */
static int start_spinner(struct spinner *s, int nice, const int *cpus)
{
	pthread_attr_t attr;
	cpu_set_t set;
	int ret;

	CPU_ZERO(&set);
	for (; *cpus >= 0; cpus++)
		CPU_SET(*cpus, &set);
	atomic_store(&s->running, 0);
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	if (setpriority(PRIO_PROCESS, 0, nice))
		return errno;
	ret = pthread_create(&s->thread, &attr, spin, s);
	if (setpriority(PRIO_PROCESS, 0, 0) && !ret)
		ret = errno;
	pthread_attr_destroy(&attr);
	return ret;
}

FIXTURE(load) {
	int mode;
	int starvation_ms;
	struct spinners spinners;
};

FIXTURE_SETUP(load)
{
	cpu_set_t self_cpu;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 4)
		SKIP(return, "needs 4 CPUs");
	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_EQ(0, read_int(SYSCTL_DIR "sched_sourcesink_starvation_ms",
			      &self->starvation_ms));
	ASSERT_EQ(0, read_int(SYSCTL_DIR "sched_sourcesink_mode", &self->mode));

	/* The test itself stays on CPU 0, out of the way. */
	CPU_ZERO(&self_cpu);
	CPU_SET(0, &self_cpu);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(self_cpu), &self_cpu));
	atomic_store(&stop_spinning, 0);
}

FIXTURE_TEARDOWN(load)
{
	int i;

	atomic_store(&stop_spinning, 1);
	for (i = 0; i < self->spinners.nr; i++)
		pthread_join(self->spinners.s[i].thread, NULL);
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

TEST_F(load, idle_cpu_is_sink)
{
	struct view v;
	int i;

	for (i = 0; i < 25; i++) {
		ASSERT_EQ(0, read_view(&v));
		EXPECT_TRUE(is_state(&v, 3, "SINK"))
			TH_LOG("idle cpu 3 is %s", v.cpu[3].state);
		sleep_ms(20);
	}
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
	EXPECT_GT(v.cpu[src].oldest_wait_ms, self->starvation_ms);
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
		for (cpu = 1; cpu <= 3; cpu++)
			ASSERT_FALSE(is_state(&v, cpu, "SOURCE"))
				TH_LOG("cpu %d is a SOURCE:\n%s", cpu, v.text);
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

TEST_HARNESS_MAIN
