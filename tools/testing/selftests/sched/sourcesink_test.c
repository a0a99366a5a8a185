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
#include <sys/klog.h>
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
#define SOURCESINK_STATE_WEIGHT	4	/* the default */

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

FIXTURE_VARIANT_ADD(sysctl, max_moves) {
	.name = "sched_sourcesink_max_moves", .def = 32, .min = 1, .max = 1000,
};

FIXTURE_VARIANT_ADD(sysctl, standalone) {
	.name = "sched_sourcesink_standalone", .def = 0, .min = 0, .max = 1,
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

/* Each online node has a line, and its CPUs are the ones sysfs gives it. */
TEST(view_has_one_line_per_online_node)
{
	char path[96], sysfs_cpus[256], cpus[256], state[16];
	int nodes = 0, node, lines = 0, fields;
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
	for (node = 0; node < 1024; node++) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", node);
		nodes += !access(path, F_OK);
	}
	EXPECT_EQ(nodes, lines);
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
	struct spinner s[16];
	int nr;
};

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

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
	atomic_store(&s->tid, 0);
	atomic_store(&s->watch_cpu, -1);
	atomic_store(&s->arrived_ns, 0);
	atomic_store(&s->elsewhere_ns, 0);
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

/* The test itself stays on CPU 0, out of the way of its spinners. */
static int start_spinning(void)
{
	cpu_set_t self_cpu;

	CPU_ZERO(&self_cpu);
	CPU_SET(0, &self_cpu);
	atomic_store(&stop_spinning, 0);
	return sched_setaffinity(0, sizeof(self_cpu), &self_cpu);
}

static void stop_all(struct spinners *sp)
{
	int i;

	atomic_store(&stop_spinning, 1);
	for (i = 0; i < sp->nr; i++)
		pthread_join(sp->s[i].thread, NULL);
}

FIXTURE(load) {
	int mode;
	int starvation_ms;
	struct spinners spinners;
};

FIXTURE_SETUP(load)
{
	if (sysconf(_SC_NPROCESSORS_ONLN) < 4)
		SKIP(return, "needs 4 CPUs");
	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_EQ(0, read_int(SYSCTL_DIR "sched_sourcesink_starvation_ms",
			      &self->starvation_ms));
	ASSERT_EQ(0, read_int(SYSCTL_DIR "sched_sourcesink_mode", &self->mode));
	ASSERT_EQ(0, start_spinning());
}

FIXTURE_TEARDOWN(load)
{
	stop_all(&self->spinners);
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

/* --- the balancer ------------------------------------------------------- */

#define TRACING		"/sys/kernel/tracing/"
#define MOVE_EVENT	TRACING "events/sched/sched_sourcesink_move/enable"
#define DECISION_EVENT	TRACING "events/sched/sched_sourcesink_decision/enable"

static const char * const knobs[] = {
	"sched_sourcesink_mode", "sched_sourcesink_period_ms",
	"sched_sourcesink_starvation_ms", "sched_sourcesink_state_weight",
	"sched_sourcesink_load_weight", "sched_sourcesink_max_moves",
	"sched_sourcesink_standalone",
};

#define NR_KNOBS ARRAY_SIZE(knobs)

static int set_knob(const char *name, long val)
{
	char path[128];

	snprintf(path, sizeof(path), SYSCTL_DIR "%s", name);
	return write_long(path, val);
}

struct events {
	unsigned long long decisions, moved;
};

static int read_events(struct events *e)
{
	struct view v;
	char *line;

	if (read_view(&v))
		return -1;
	line = strstr(v.text, "\nevents:");
	if (!line || sscanf(line, "\nevents: decisions=%llu moved=%llu",
			    &e->decisions, &e->moved) != 2)
		return -1;
	return 0;
}

static long long migrations_of(int tid)
{
	char path[64], line[256];
	long long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/sched", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "se.nr_migrations : %lld", &n) == 1)
			break;
	fclose(f);
	return n;
}

static int clear_trace(void)
{
	int fd = open(TRACING "trace", O_WRONLY | O_TRUNC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* The balancer's moves so far in the trace: count those of @pid (0: any). */
static int count_moves(int pid)
{
	char line[512];
	int n = 0, p;
	char *at;
	FILE *f;

	f = fopen(TRACING "trace", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		at = strstr(line, "sched_sourcesink_move:");
		if (!at)
			continue;
		at = strstr(at, " pid=");
		if (!at || sscanf(at, " pid=%d", &p) != 1)
			continue;
		if (!pid || p == pid)
			n++;
	}
	fclose(f);
	return n;
}

/*
 * The first decision in the trace that chose a pair: 0 with the pair if it
 * saw at least @min_sources sources, -1 if it saw fewer or none chose one.
 * Later decisions see what earlier moves changed, so only the first counts;
 * and kernel threads starve too and may be the ones moved, so tests that
 * check the choice read the decision, not the moves.
 */
static int first_pair(unsigned int min_sources, int *src, int *dst)
{
	unsigned int sources;
	char line[512];
	int found = 1;
	char *at;
	FILE *f;

	f = fopen(TRACING "trace", "r");
	if (!f)
		return -1;
	while (found > 0 && fgets(line, sizeof(line), f)) {
		at = strstr(line, "sched_sourcesink_decision:");
		if (!at)
			continue;
		at = strstr(at, " sources=");
		if (at && sscanf(at, " sources=%u sinks=%*u src_cpu=%d dst_cpu=%d",
				 &sources, src, dst) == 3 && *src >= 0)
			found = sources >= min_sources ? 0 : -1;
	}
	fclose(f);
	return found ? -1 : 0;
}

/* Log the decisions that chose a pair, for a failing test's output. */
static void log_pairs(struct __test_metadata *_metadata)
{
	char line[512];
	FILE *f;

	f = fopen(TRACING "trace", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "sched_sourcesink_") && !strstr(line, "src_cpu=-1"))
			TH_LOG("%s", strstr(line, "sched_sourcesink_"));
	fclose(f);
}

FIXTURE(balance) {
	int saved[NR_KNOBS];
	struct spinners sp;
};

FIXTURE_SETUP(balance)
{
	char path[128];
	int i;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 4)
		SKIP(return, "needs 4 CPUs");
	if (geteuid())
		SKIP(return, "needs root");
	for (i = 0; i < NR_KNOBS; i++) {
		snprintf(path, sizeof(path), SYSCTL_DIR "%s", knobs[i]);
		ASSERT_EQ(0, read_int(path, &self->saved[i]));
	}
	/* Start each test from a clean trace with the move event on. */
	ASSERT_EQ(0, write_buf(MOVE_EVENT, "1", 1));
	ASSERT_EQ(0, write_buf(DECISION_EVENT, "1", 1));
	ASSERT_EQ(0, clear_trace());
	ASSERT_EQ(0, start_spinning());
}

FIXTURE_TEARDOWN(balance)
{
	int i;

	stop_all(&self->sp);
	for (i = 0; i < NR_KNOBS; i++)
		set_knob(knobs[i], self->saved[i]);
	write_buf(MOVE_EVENT, "0", 1);
	write_buf(DECISION_EVENT, "0", 1);
}

static void cpus_of(cpu_set_t *set, const int *cpus)
{
	CPU_ZERO(set);
	for (; *cpus >= 0; cpus++)
		CPU_SET(*cpus, set);
}

/*
 * A spinner at @nice that first runs alone on CPU 3, so it has a tid, and
 * is then confined to @cpus, where it queues behind whatever runs there.
 */
static struct spinner *add_victim(struct __test_metadata *_metadata,
				  struct spinners *sp, int nice, const int *cpus)
{
	static const int cpu3[] = { 3, -1 };
	struct spinner *s = &sp->s[sp->nr];
	cpu_set_t set;
	int tries;

	add_spinner(_metadata, sp, nice, cpu3);
	for (tries = 0; tries < 500 && !atomic_load(&s->running); tries++)
		sleep_ms(10);
	ASSERT_TRUE(atomic_load(&s->running));
	cpus_of(&set, cpus);
	ASSERT_EQ(0, pthread_setaffinity_np(s->thread, sizeof(set), &set));
	return s;
}

static void widen(struct __test_metadata *_metadata, struct spinner *s,
		  const int *cpus)
{
	cpu_set_t set;

	cpus_of(&set, cpus);
	ASSERT_EQ(0, pthread_setaffinity_np(s->thread, sizeof(set), &set));
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

TEST_F(balance, starving_thread_moves_within_guarantee)
{
	static const int cpu1[] = { 1, -1 }, cpus13[] = { 1, 3, -1 };
	struct events before, after;
	struct spinner *victim;
	long long t0, waited_ms;
	int i;

	ASSERT_EQ(0, set_knob("sched_sourcesink_standalone", 1));
	ASSERT_EQ(0, set_knob("sched_sourcesink_starvation_ms", LIMIT_MS));
	ASSERT_EQ(0, set_knob("sched_sourcesink_period_ms", PERIOD_MS));
	add_spinner(_metadata, &self->sp, HOG_NICE, cpu1);
	victim = add_victim(_metadata, &self->sp, VICTIM_NICE, cpu1);
	sleep_ms(100);
	ASSERT_EQ(0, read_events(&before));

	/*
	 * The worst case: the wait passes the limit just after a decision, so
	 * the move waits for the one after.
	 */
	after_a_decision(_metadata, PERIOD_MS);
	sleep_ms(PERIOD_MS - LIMIT_MS + 10);
	atomic_store(&victim->watch_cpu, 3);
	t0 = now_ns();
	widen(_metadata, victim, cpus13);
	for (i = 0; i < 100 && !atomic_load(&victim->arrived_ns); i++)
		sleep_ms(10);
	ASSERT_NE(0, atomic_load(&victim->arrived_ns))
		TH_LOG("the starving thread was not moved to idle cpu 3 in 1 s");
	if (atomic_load(&victim->elsewhere_ns) > t0)
		t0 = atomic_load(&victim->elsewhere_ns);
	waited_ms = (atomic_load(&victim->arrived_ns) - t0) / 1000000;
	TH_LOG("waited %lld ms; guarantee %d + %d + %d ms", waited_ms,
	       LIMIT_MS, PERIOD_MS, SLACK_MS);
	EXPECT_LE(waited_ms, LIMIT_MS + PERIOD_MS + SLACK_MS);
	EXPECT_GE(waited_ms, LIMIT_MS);
	ASSERT_EQ(0, read_events(&after));
	EXPECT_GE(after.moved, before.moved + 1);
	EXPECT_EQ(1, count_moves(atomic_load(&victim->tid)))
		TH_LOG("the victim was moved %d times",
		       count_moves(atomic_load(&victim->tid)));
}

/*
 * (b) Two sources, two sinks, one move a decision: the higher-loaded
 * source gives, to the idle sink rather than the busy one.  A victim may
 * get a slice and restart its wait, so that no decision sees both sources
 * at once; then the scenario is built again, up to three times.
 */
static int two_sources(struct __test_metadata *_metadata, struct spinners *sp,
		       int *src, int *dst)
{
	static const int cpu0[] = { 0, -1 }, cpu1[] = { 1, -1 };
	static const int cpu2[] = { 2, -1 };
	static const int cpus103[] = { 1, 0, 3, -1 }, cpus203[] = { 2, 0, 3, -1 };
	struct spinner *light, *heavy;

	stop_all(sp);
	sp->nr = 0;
	start_spinning();
	add_spinner(_metadata, sp, 0, cpu0);		/* busy sink */
	add_spinner(_metadata, sp, HOG_NICE, cpu1);
	add_spinner(_metadata, sp, HOG_NICE, cpu2);
	add_spinner(_metadata, sp, HOG_NICE, cpu2);	/* heavier */
	light = add_victim(_metadata, sp, VICTIM_NICE, cpu1);
	heavy = add_victim(_metadata, sp, VICTIM_NICE, cpu2);
	sleep_ms(500);				/* let PELT see the loads */

	after_a_decision(_metadata, PERIOD_MS);
	clear_trace();
	widen(_metadata, light, cpus103);
	widen(_metadata, heavy, cpus203);
	sleep_ms(LIMIT_MS + 3 * PERIOD_MS + SLACK_MS);
	return first_pair(2, src, dst);
}

TEST_F(balance, busiest_source_gives_to_idlest_sink)
{
	int attempt, src = -1, dst = -1;

	ASSERT_EQ(0, set_knob("sched_sourcesink_standalone", 1));
	ASSERT_EQ(0, set_knob("sched_sourcesink_starvation_ms", LIMIT_MS));
	ASSERT_EQ(0, set_knob("sched_sourcesink_period_ms", PERIOD_MS));
	ASSERT_EQ(0, set_knob("sched_sourcesink_max_moves", 1));
	for (attempt = 1; attempt <= 3; attempt++) {
		if (!two_sources(_metadata, &self->sp, &src, &dst))
			break;
		TH_LOG("attempt %d: the first decision did not see both sources",
		       attempt);
	}
	ASSERT_LE(attempt, 3);
	EXPECT_EQ(2, src) TH_LOG("the first pair was %d -> %d", src, dst);
	EXPECT_EQ(3, dst) TH_LOG("the first pair was %d -> %d", src, dst);
	if (src != 2 || dst != 3)
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
	rt = add_victim(_metadata, &self->sp, 0, cpu1);
	ASSERT_EQ(0, pthread_setschedparam(rt->thread, SCHED_FIFO, &fifo));
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
 * (f) A new period takes effect within one old period: from 1000 ms to
 * 50 ms, decisions come at the new rate 1 s after the write.
 */
TEST_F(balance, period_change_takes_effect_within_old_period)
{
	static const int cpu1[] = { 1, -1 };
	struct events before, after;

	/* Decisions ride on ticks: keep one CPU busy and ticking. */
	add_spinner(_metadata, &self->sp, 0, cpu1);
	ASSERT_EQ(0, set_knob("sched_sourcesink_period_ms", 1000));
	sleep_ms(1100);
	ASSERT_EQ(0, set_knob("sched_sourcesink_period_ms", 50));
	sleep_ms(1000 + 100);
	ASSERT_EQ(0, read_events(&before));
	sleep_ms(1000);
	ASSERT_EQ(0, read_events(&after));
	TH_LOG("%llu decisions in 1 s at a 50 ms period",
	       after.decisions - before.decisions);
	EXPECT_GE(after.decisions - before.decisions, 10);
	EXPECT_LE(after.decisions - before.decisions, 22);
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
 * three fair spinners sharing it and nobody starving.  Returns the source
 * of the first pair chosen by a decision that saw @min_sources sources,
 * building the scenario again (up to three times) when none did.
 */
static int score_mode_first_source(struct __test_metadata *_metadata,
				   struct spinners *sp, int state_weight,
				   int load_weight, unsigned int min_sources)
{
	static const int cpu1[] = { 1, -1 }, cpu2[] = { 2, -1 };
	static const int cpus13[] = { 1, 3, -1 }, cpus23[] = { 2, 3, -1 };
	int attempt, i, src = -1, dst = -1;

	ASSERT_EQ(0, set_knob("sched_sourcesink_standalone", 1));
	ASSERT_EQ(0, set_knob("sched_sourcesink_starvation_ms", LIMIT_MS));
	ASSERT_EQ(0, set_knob("sched_sourcesink_period_ms", PERIOD_MS));
	ASSERT_EQ(0, set_knob("sched_sourcesink_max_moves", 1));
	ASSERT_EQ(0, set_knob("sched_sourcesink_state_weight", state_weight));
	ASSERT_EQ(0, set_knob("sched_sourcesink_load_weight", load_weight));
	ASSERT_EQ(0, set_knob("sched_sourcesink_mode", 2));
	for (attempt = 1; attempt <= 3; attempt++) {
		stop_all(sp);
		sp->nr = 0;
		start_spinning();
		add_spinner(_metadata, sp, HOG_NICE, cpu1);
		add_victim(_metadata, sp, VICTIM_NICE, cpu1);
		for (i = 0; i < 3; i++)
			add_victim(_metadata, sp, 0, cpu2);
		sleep_ms(500);			/* let PELT see the loads */

		after_a_decision(_metadata, PERIOD_MS);
		clear_trace();
		widen(_metadata, &sp->s[1], cpus13);
		for (i = 2; i < 5; i++)
			widen(_metadata, &sp->s[i], cpus23);
		sleep_ms(LIMIT_MS + 3 * PERIOD_MS + SLACK_MS);
		if (!first_pair(min_sources, &src, &dst))
			return src;
		TH_LOG("attempt %d: the first decision did not see %u sources",
		       attempt, min_sources);
	}
	return -1;
}

TEST_F(balance, score_mode_default_weights_pick_the_source)
{
	/* Only cpu 1 can be a SOURCE; whenever it is, it must be worst. */
	int src = score_mode_first_source(_metadata, &self->sp,
					  SOURCESINK_STATE_WEIGHT, 1, 1);

	EXPECT_EQ(1, src) TH_LOG("the first pair came from cpu %d", src);
}

TEST_F(balance, score_mode_load_only_picks_the_busiest)
{
	/* By load alone cpu 2 is worst, whatever the states. */
	int src = score_mode_first_source(_metadata, &self->sp, 0, 1, 0);

	EXPECT_EQ(2, src) TH_LOG("the first pair came from cpu %d", src);
}

TEST_HARNESS_MAIN
