/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the starvation scenarios of `make bench` share: CPU-bound workers
 * that each do a fixed amount of CPU time, started together on chosen
 * CPUs and then allowed on others, and the lines the analyser reads.
 *
 * Every scenario prints, before its workers start:
 *	thread TID START ALLOWED NICE CLASS
 * one per worker: the CPUs it starts on, those it may use once widened,
 * its nice level and its class: "other", "fifo" or "idle" by its policy,
 * or "throttled" or "weight" by the cgroup it runs in (see join_group()).
 * and when they are done:
 *	result makespan_ms=M ideal_ms=I work_ms=W
 * where the makespan runs from the release of the workers to the last
 * finish and the ideal is the total work spread over every allowed CPU.
 * The release and the widening are also marked in the trace ("bench
 * release", "bench widened").
 *
 * The starvation suite's scenarios (starve-*, and its controls ctl-*)
 * instead print
 *	result reached_ms=R timeout_ms=T
 * how long after its widening a victim first ran on a CPU that idles
 * beside it, -1 if not within T: see run_until_reached().
 */
#ifndef SCENARIO_H
#define SCENARIO_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS	256
#define MARK_RELEASE	"bench release"	/* the analyser's marks */
#define MARK_WIDENED	"bench widened"

struct worker {
	pthread_t thread;
	atomic_int tid;
	int nice;
	long work_ms;
	cpu_set_t start_on;		/* where it is released */
	cpu_set_t allowed;		/* where it may go after */
	int policy;			/* SCHED_OTHER, _FIFO or _IDLE */
	const char *group;		/* a group of make_group(), or NULL */
	long long end_ns;
	unsigned long watch;		/* CPUs (bits, < 64) whose first run to note */
	long run_us, sleep_us;		/* with sleep_us, run_us (wall) at a time */
	atomic_llong reached_ns;	/* when it first ran there */
};

static atomic_int released, stop;
static void (*before_widen)(void);	/* run_until_reached(): e.g. a hotplug */

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int nr_cpus(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN);
}

static void die(const char *what)
{
	fprintf(stderr, "scenario: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

/*
 * Groups of threads in cgroup v2: the scenario's process moves into
 * GROUP_ROOT, and each group is a threaded child of it with one cpu
 * controller file set, "cpu.weight" or "cpu.max"; a worker joins its group
 * as it starts.  Undone at exit.
 */
#define GROUP_ROOT	"/sys/fs/cgroup/scenario"
#define MAX_GROUPS	4

static const char *groups[MAX_GROUPS];

static void leave_groups(void)
{
	char path[128], pid[16];
	int i;

	snprintf(pid, sizeof(pid), "%d", getpid());
	write_file("/sys/fs/cgroup/cgroup.procs", pid);
	for (i = 0; i < MAX_GROUPS && groups[i]; i++) {
		snprintf(path, sizeof(path), GROUP_ROOT "/%s", groups[i]);
		rmdir(path);
	}
	rmdir(GROUP_ROOT);
}

static inline void make_group(const char *name, const char *file, const char *value)
{
	char path[128], pid[16];
	int i;

	for (i = 0; groups[i]; i++) {
		if (i == MAX_GROUPS - 1) {
			fprintf(stderr, "scenario: more than %d groups\n", MAX_GROUPS - 1);
			exit(1);
		}
	}
	if (!i) {
		snprintf(pid, sizeof(pid), "%d", getpid());
		if ((mkdir(GROUP_ROOT, 0755) && errno != EEXIST) ||
		    write_file(GROUP_ROOT "/cgroup.procs", pid) ||
		    write_file(GROUP_ROOT "/cgroup.subtree_control", "+cpu"))
			die("a cgroup v2 with the cpu controller at " GROUP_ROOT);
		atexit(leave_groups);
	}
	groups[i] = name;
	snprintf(path, sizeof(path), GROUP_ROOT "/%s", name);
	if (mkdir(path, 0755) && errno != EEXIST)
		die(path);
	snprintf(path, sizeof(path), GROUP_ROOT "/%s/cgroup.type", name);
	if (write_file(path, "threaded"))
		die(path);
	snprintf(path, sizeof(path), GROUP_ROOT "/%s/%s", name, file);
	if (write_file(path, value))
		die(path);
}

static void join_group(const char *name)
{
	char path[128], tid[16];

	snprintf(path, sizeof(path), GROUP_ROOT "/%s/cgroup.threads", name);
	snprintf(tid, sizeof(tid), "%d", gettid());
	if (write_file(path, tid))
		die(path);
}

static void cpus_range(cpu_set_t *set, int first, int last)
{
	CPU_ZERO(set);
	for (; first <= last; first++)
		CPU_SET(first, set);
}

static void print_cpulist(const cpu_set_t *set)
{
	int cpu, sep = 0;

	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, set))
			continue;
		printf("%s%d", sep ? "," : "", cpu);
		sep = 1;
	}
}

/* Whether the first line of @path is @text. */
static inline int file_is(const char *path, const char *text)
{
	char got[64] = "";
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	if (!fgets(got, sizeof(got), f))
		got[0] = 0;
	fclose(f);
	got[strcspn(got, "\n")] = 0;
	return !strcmp(got, text);
}

static void stay_on(int cpu)
{
	cpu_set_t set;

	cpus_range(&set, cpu, cpu);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

/*
 * A worker sleeps until released, then burns work_ms of its own CPU time
 * (or, with work_ms 0, until told to stop).
 */
static void *work(void *arg)
{
	struct worker *w = arg;
	long long budget = w->work_ms * 1000000LL, t0, burst;

	if (w->group)
		join_group(w->group);
	if (w->policy != SCHED_OTHER) {
		struct sched_param sp = {
			.sched_priority = w->policy == SCHED_FIFO ? 10 : 0,
		};

		if (sched_setscheduler(0, w->policy, &sp))
			die("sched_setscheduler");
	} else if (setpriority(PRIO_PROCESS, 0, w->nice)) {
		die("setpriority");
	}
	atomic_store(&w->tid, gettid());
	/*
	 * The gate is a futex on @released, not a condition variable: its
	 * mutex would be handed from worker to worker, each waiting its turn
	 * on a crowded CPU, and the last of 81 left blocked for seconds
	 * after the release (seen in starve-pinned-crowd).
	 */
	while (!atomic_load(&released))
		syscall(SYS_futex, &released, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);

	t0 = thread_ns();
	burst = now_ns();
	while (!atomic_load_explicit(&stop, memory_order_relaxed) &&
	       (!budget || thread_ns() - t0 < budget)) {
		if (w->watch && !atomic_load_explicit(&w->reached_ns, memory_order_relaxed)) {
			int cpu = sched_getcpu();

			if (cpu >= 0 && cpu < 64 && (w->watch & (1UL << cpu)))
				atomic_store(&w->reached_ns, now_ns());
		}
		/* A sleeper's bursts are wall time: it wakes as often behind a hog. */
		if (w->sleep_us && now_ns() - burst >= w->run_us * 1000) {
			usleep(w->sleep_us);
			burst = now_ns();
		}
	}
	w->end_ns = now_ns();
	return NULL;
}

/* A line in the kernel's trace, if tracing is there: the analyser's clock. */
static void mark(const char *what)
{
	FILE *f = fopen("/sys/kernel/tracing/trace_marker", "w");

	if (!f)
		return;
	fputs(what, f);
	fclose(f);
}

static void start_worker(struct worker *w)
{
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(w->start_on), &w->start_on);
	if (pthread_create(&w->thread, &attr, work, w))
		die("pthread_create");
	pthread_attr_destroy(&attr);
	while (!atomic_load(&w->tid))
		usleep(1000);
}

static const char *worker_class(const struct worker *w)
{
	if (w->policy == SCHED_FIFO)
		return "fifo";
	if (w->policy == SCHED_IDLE)
		return "idle";
	if (w->group && !strcmp(w->group, "throttled"))
		return "throttled";
	return w->group ? "weight" : "other";
}

static void print_threads(struct worker *w, int nr)
{
	int i;

	for (i = 0; i < nr; i++) {
		printf("thread %d ", atomic_load(&w[i].tid));
		print_cpulist(&w[i].start_on);
		putchar(' ');
		print_cpulist(&w[i].allowed);
		printf(" %d %s\n", w[i].nice, worker_class(&w[i]));
	}
	fflush(stdout);
}

/* Open the gate: every worker starts.  Returns when, by now_ns(). */
static long long release(void)
{
	long long t0;

	mark(MARK_RELEASE);
	t0 = now_ns();
	atomic_store(&released, 1);
	syscall(SYS_futex, &released, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	return t0;
}

/* Allow every worker where it may go. */
static void widen(struct worker *w, int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		if (!CPU_EQUAL(&w[i].allowed, &w[i].start_on) &&
		    pthread_setaffinity_np(w[i].thread, sizeof(w[i].allowed),
					   &w[i].allowed))
			die("pthread_setaffinity_np");
	mark(MARK_WIDENED);
}

/*
 * Start @nr workers, each held at the gate on the CPUs it starts on, print
 * the thread lines, release them at once and let them queue there, then
 * allow each where it may go, wait for the measured ones (those with work)
 * and print the result.  Workers with no work (hogs) are stopped after the
 * rest.  Returns the makespan in ns.
 */
static inline long long run_workers(struct worker *w, int nr)
{
	long long t0, last = 0, total_ms = 0;
	cpu_set_t everywhere;
	int i, measured = 0;

	for (i = 0; i < nr; i++)
		start_worker(&w[i]);
	CPU_ZERO(&everywhere);
	print_threads(w, nr);
	for (i = 0; i < nr; i++)
		if (w[i].work_ms)
			CPU_OR(&everywhere, &everywhere, &w[i].allowed);

	t0 = release();
	usleep(2000);
	widen(w, nr);

	for (i = 0; i < nr; i++) {
		if (!w[i].work_ms)
			continue;
		pthread_join(w[i].thread, NULL);
		if (w[i].end_ns > last)
			last = w[i].end_ns;
		total_ms += w[i].work_ms;
		measured++;
	}
	atomic_store(&stop, 1);
	for (i = 0; i < nr; i++)
		if (!w[i].work_ms)
			pthread_join(w[i].thread, NULL);

	printf("result makespan_ms=%.1f ideal_ms=%.1f work_ms=%lld workers=%d\n",
	       (last - t0) / 1e6, (double)total_ms / CPU_COUNT(&everywhere),
	       total_ms, measured);
	return last - t0;
}

/* When the first watched worker reached its CPU, or 0. */
static long long first_reached(struct worker *w, int nr)
{
	long long first = 0, at;
	int i;

	for (i = 0; i < nr; i++) {
		at = w[i].watch ? atomic_load(&w[i].reached_ns) : 0;
		if (at && (!first || at < first))
			first = at;
	}
	return first;
}

/*
 * The starvation suite: workers that run until stopped (hogs, and the
 * victims, those whose ->watch names the CPU that idles beside them) are
 * released where they start; after @settle_ms, in which the victims starve
 * there, they are widened (before_widen() first, if set), and the victims
 * may use that CPU, which nothing else may.  Prints how long after the
 * widening the first victim ran on it (-1: not within @timeout_ms): with
 * one victim, how long a movable thread waited there while a CPU it may use
 * was idle throughout, kSTEP's work-conservation oracle, timed; with
 * several, until the first of them got there.
 */
static inline void run_until_reached(struct worker *w, int nr, int settle_ms,
				     int timeout_ms)
{
	long long t0, reached;
	int i;

	for (i = 0; i < nr; i++)
		start_worker(&w[i]);
	print_threads(w, nr);
	release();
	usleep(settle_ms * 1000);
	if (before_widen)
		before_widen();
	t0 = now_ns();
	widen(w, nr);
	while (!first_reached(w, nr) && now_ns() - t0 < timeout_ms * 1000000LL)
		usleep(5000);
	reached = first_reached(w, nr);
	atomic_store(&stop, 1);
	for (i = 0; i < nr; i++)
		pthread_join(w[i].thread, NULL);
	printf("result reached_ms=%.1f timeout_ms=%d\n",
	       reached ? (reached - t0) / 1e6 : -1.0, timeout_ms);
}

/*
 * The hazards of CPUs held by @policy (SCHED_FIFO or SCHED_IDLE) hogs: one
 * pinned to each CPU of the upper half, and three threads a CPU of the
 * lower half, 100 ms of work each, released on CPU 0 and then allowed on
 * every CPU.
 */
static inline void run_beside_held_cpus(int policy)
{
	static struct worker w[MAX_WORKERS];
	int n = nr_cpus(), nr = 0, cpu, i;

	stay_on(0);
	for (cpu = n / 2; cpu < n; cpu++, nr++) {
		w[nr].policy = policy;
		cpus_range(&w[nr].start_on, cpu, cpu);
		w[nr].allowed = w[nr].start_on;
	}
	for (i = 0; i < 3 * (n / 2); i++, nr++) {
		w[nr].work_ms = 100;
		cpus_range(&w[nr].start_on, 0, 0);
		cpus_range(&w[nr].allowed, 0, n - 1);
	}
	run_workers(w, nr);
}

#endif /* SCENARIO_H */
