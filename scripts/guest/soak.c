// SPDX-License-Identifier: GPL-2.0
/*
 * soak --seconds N [--mode M] [--summary F] [--kmsg F] [--log F]: the
 * guest half of make soak (scripts/soak).  For N seconds, all at once:
 *
 *  - CPUs 1..n-1 go offline and online at random, two at least staying up;
 *  - a pool of three spinners per CPU, the oversubscribed load, sleeping
 *    now and then, has its threads' affinity and policy (normal at a nice
 *    value, batch, idle, FIFO) changed by two churners and by the threads
 *    themselves, and threads retired and replaced;
 *  - the balancer's sysctls are written with valid values, each of which
 *    must be taken and read back, and invalid ones, each of which must fail
 *    with EINVAL and change nothing; the mode switches among the three
 *    (with --mode, it stays at M: 0 for a run with the balancer off);
 *  - fork storms from a small helper process (batches of children let go
 *    together to exit at once, some forking or starting threads of their
 *    own) and thread storms;
 *  - a sampler reads the balancer's debugfs view every second;
 *  - a watchdog at SCHED_FIFO 99 checks every second that every thread and
 *    process started is finished or still there, and prints a heartbeat
 *    "soak: heartbeat t=SECONDS ..." on the guest's monotonic clock.
 *
 * The balancer runs at a 10 ms period with a 20 ms starvation limit.  At
 * the end every CPU is brought online, the sysctls are put back as found,
 * and key=value results go to the summary file F (and the console).  With
 * --kmsg, the kernel log is also copied to F as it comes, for a guest that
 * never gets to save it; with --log, what the soak prints goes to F too,
 * for a console that stops taking it.  Exit status 0 only if nothing was
 * lost, no sysctl write misbehaved and every thread stopped when told.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NSEC_PER_MSEC	1000000LL
#define NSEC_PER_SEC	1000000000LL

#define MAX_CPUS	64
#define MAX_THREADS	512
#define MAX_PROCS	64
#define POOL_PER_CPU	3
#define MAX_POOL	(POOL_PER_CPU * MAX_CPUS)
#define BATCH		16
#define STACK_SIZE	(256 * 1024)
/* A thread that shows no progress for this long counts as stuck. */
#define STALL_LIMIT_S	120
/* Every thread must have stopped this long after being told to. */
#define STOP_GRACE_S	180
#define MAX_FAILURES	8

#define __noreturn	__attribute__((noreturn))

#define VIEW		"/sys/kernel/debug/sched/sourcesink"
#define SYSCTL_DIR	"/proc/sys/kernel/"
#define CPU_DIR		"/sys/devices/system/cpu/"

static int seconds = 60;
static int fixed_mode = -1;	/* --mode: no switching */
static const char *summary_path;
static const char *kmsg_path;
static const char *log_path;
static int con_fd = STDOUT_FILENO;
static int log_fd = -1;
static int64_t t0;
static int ncpus;
static bool has_online_file[MAX_CPUS];
static int nnodes;

static atomic_int watchdog_stop;
static atomic_int kmsg_stop;

struct stats {
	atomic_long cpus_offlined, cpus_onlined, hotplug_refused;
	atomic_int hotplug_errno;
	atomic_llong hotplug_longest_ns;
	atomic_long sysctl_tried, sysctl_rejected, sysctl_unexpected;
	atomic_long affinity_changes, affinity_refused, policy_changes;
	atomic_long thread_create_failed, fork_failed, spawn_full;
	atomic_long view_reads;
	atomic_ullong view_moved_max, view_decisions_max;
	atomic_long heartbeats;
	atomic_llong heartbeat_late_max_ns;
	atomic_llong longest_stall_ns;
	atomic_long stalls;
	atomic_long kmsg_records, kmsg_lost;
	atomic_long console_dropped;
	atomic_long failures;
};

/*
 * Shared with the forker, the process that runs the fork storms: forking
 * from this process, large and with many threads, takes the better part
 * of a second under TCG; from a small one, a few milliseconds.
 */
static struct shared {
	atomic_int stop;
	struct stats st;
	char failure_msg[MAX_FAILURES][200];
	_Atomic int64_t fork_progress[2];
	/* the processes started and not yet reaped, under proc_lock */
	pthread_mutex_t proc_lock;
	pid_t procs[MAX_PROCS];
	long procs_forked, procs_reaped, procs_lost;
} *sh;
static const char *_Atomic longest_stall_kind = "none";

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static double since_start(void)
{
	return (double)(now_ns() - t0) / NSEC_PER_SEC;
}

static void max_ll(atomic_llong *max, long long v)
{
	long long old = atomic_load(max);

	while (v > old && !atomic_compare_exchange_weak(max, &old, v))
		;
}

static void max_ull(atomic_ullong *max, unsigned long long v)
{
	unsigned long long old = atomic_load(max);

	while (v > old && !atomic_compare_exchange_weak(max, &old, v))
		;
}

/* xorshift, one state per thread; children reseed it */
static __thread uint64_t rng;

static void seed(void)
{
	rng = (uint64_t)now_ns() ^ ((uint64_t)gettid() << 32) ^
	      0x9e3779b97f4a7c15ULL;
	if (!rng)
		rng = 1;
}

static unsigned int rnd(unsigned int n)
{
	if (!rng)
		seed();
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (unsigned int)((rng >> 16) % n) : 0;
}

/*
 * One line to the console and the log file, each in one write(): no stdio
 * lock for a thread of low priority to hold while the watchdog waits.  The
 * console does not block: a line it cannot take now is dropped and
 * counted, the log file has it.
 */
static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if (len > (int)sizeof(buf) - 2)
		len = sizeof(buf) - 2;
	buf[len++] = '\n';
	if (write(con_fd, buf, len) != len)
		atomic_fetch_add(&sh->st.console_dropped, 1);
	if (log_fd >= 0 && write(log_fd, buf, len) != len)
		atomic_fetch_add(&sh->st.console_dropped, 1);
}

static void fail(const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	long n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = atomic_fetch_add(&sh->st.failures, 1);
	if (n < MAX_FAILURES)
		memcpy(sh->failure_msg[n], msg, sizeof(msg));
	say("soak: FAIL t=%.3f %s", since_start(), msg);
}

static void spin_ns(int64_t ns)
{
	int64_t end = now_ns() + ns;
	int i;

	/* the barrier keeps the compiler from dropping the loop */
	while (now_ns() < end)
		for (i = 0; i < 1000; i++)
			__asm__ __volatile__("" : : : "memory");
}

static void nap_ms(int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * NSEC_PER_MSEC,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Priority inheritance, so that the watchdog never waits on an idle thread. */
static void init_pi(pthread_mutex_t *m, bool shared)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
	if (shared) {
		pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
		pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	}
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

static int read_file(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (!n)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return len;
}

/* Returns 0, or the errno of the open or the write; a short write is EIO. */
static int write_file(const char *path, const char *buf, size_t len, off_t off)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	n = off ? pwrite(fd, buf, len, off) : write(fd, buf, len);
	if (n < 0)
		err = errno;
	else if ((size_t)n != len)
		err = EIO;
	close(fd);
	return err;
}

/* "0-1,3": the number of CPUs or nodes listed, marking them in @set */
static int parse_list(const char *s, bool *set, int max)
{
	int count = 0;
	char *end;
	long a, b, i;

	while (*s && *s != '\n') {
		a = strtol(s, &end, 10);
		if (end == s)
			break;
		b = a;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (i = a; i <= b; i++) {
			if (set && i >= 0 && i < max)
				set[i] = true;
			count++;
		}
		s = end;
		if (*s == ',')
			s++;
	}
	return count;
}

static int count_list(const char *path)
{
	char buf[256];

	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return parse_list(buf, NULL, 0);
}

static int online_cpus(void)
{
	return count_list(CPU_DIR "online");
}

/* --- threads: every one started goes through the registry ------------- */

enum { SLOT_FREE, SLOT_CREATED, SLOT_RUNNING, SLOT_DONE, SLOT_LOST };

struct tslot {
	_Atomic int state;
	_Atomic pid_t tid;
	const char *kind;
	pthread_t thread;
	bool detached;
	bool stall_said;
	int64_t created;
	_Atomic int64_t progress;
	atomic_int quit;
	void (*fn)(struct tslot *s);
};

static struct tslot slots[MAX_THREADS];
static pthread_mutex_t reg_lock;
/* under reg_lock */
static long threads_started, threads_finished, threads_lost;
static int next_slot;

static void progress(struct tslot *s)
{
	atomic_store(&s->progress, now_ns());
}

static void *trampoline(void *arg)
{
	struct tslot *s = arg;

	pthread_mutex_lock(&reg_lock);
	atomic_store(&s->tid, gettid());
	atomic_store(&s->state, SLOT_RUNNING);
	pthread_mutex_unlock(&reg_lock);
	seed();

	s->fn(s);

	pthread_mutex_lock(&reg_lock);
	if (atomic_load(&s->state) == SLOT_LOST) {
		fail("%s thread %d came back after being reported lost",
		     s->kind, (int)s->tid);
		threads_lost--;
	}
	if (s->detached) {
		atomic_store(&s->state, SLOT_FREE);
		threads_finished++;
	} else {
		atomic_store(&s->state, SLOT_DONE);
	}
	pthread_mutex_unlock(&reg_lock);
	return NULL;
}

/*
 * Start fn in a new thread at @policy and @prio; NULL if the registry is
 * full or the kernel refused (EAGAIN).  A detached thread accounts for
 * itself as it ends; a joinable one is reaped with reap() by its starter.
 */
static struct tslot *spawn(const char *kind, void (*fn)(struct tslot *s),
			   int policy, int prio, bool detached)
{
	struct sched_param sp = { .sched_priority = prio };
	struct tslot *s = NULL;
	pthread_attr_t attr;
	pthread_t thread;
	int i, err;

	pthread_mutex_lock(&reg_lock);
	for (i = 0; i < MAX_THREADS; i++) {
		struct tslot *t = &slots[(next_slot + i) % MAX_THREADS];

		if (atomic_load(&t->state) == SLOT_FREE) {
			s = t;
			next_slot = (next_slot + i + 1) % MAX_THREADS;
			break;
		}
	}
	if (!s) {
		pthread_mutex_unlock(&reg_lock);
		atomic_fetch_add(&sh->st.spawn_full, 1);
		return NULL;
	}
	s->kind = kind;
	s->fn = fn;
	s->detached = detached;
	s->stall_said = false;
	s->created = now_ns();
	atomic_store(&s->progress, s->created);
	atomic_store(&s->quit, 0);
	atomic_store(&s->tid, 0);
	atomic_store(&s->state, SLOT_CREATED);
	threads_started++;
	pthread_mutex_unlock(&reg_lock);

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, STACK_SIZE);
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, policy);
	pthread_attr_setschedparam(&attr, &sp);
	if (detached)
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&thread, &attr, trampoline, s);
	pthread_attr_destroy(&attr);
	if (err) {
		pthread_mutex_lock(&reg_lock);
		atomic_store(&s->state, SLOT_FREE);
		threads_started--;
		pthread_mutex_unlock(&reg_lock);
		atomic_fetch_add(&sh->st.thread_create_failed, 1);
		if (err != EAGAIN)
			fail("starting a %s thread: %s", kind, strerror(err));
		return NULL;
	}
	/* A detached thread's slot may be someone else's by now. */
	if (!detached)
		s->thread = thread;
	return s;
}

/* Join a joinable thread, waiting at most until @deadline (CLOCK_REALTIME). */
static bool reap(struct tslot *s, const struct timespec *deadline)
{
	int err;

	if (deadline)
		err = pthread_timedjoin_np(s->thread, NULL, deadline);
	else
		err = pthread_join(s->thread, NULL);
	if (err == ETIMEDOUT) {
		fail("%s thread %d did not stop within %d s", s->kind,
		     (int)atomic_load(&s->tid), STOP_GRACE_S);
		return false;
	}
	pthread_mutex_lock(&reg_lock);
	if (err)
		fail("joining a %s thread: %s", s->kind, strerror(err));
	else if (atomic_load(&s->state) != SLOT_DONE)
		fail("joined a %s thread in state %d", s->kind,
		     atomic_load(&s->state));
	else
		threads_finished++;
	atomic_store(&s->state, SLOT_FREE);
	pthread_mutex_unlock(&reg_lock);
	return !err;
}

/* --- processes --------------------------------------------------------- */

/* The lock is robust: a forker that died holding it does not hang us. */
static void proc_lock(void)
{
	if (pthread_mutex_lock(&sh->proc_lock) == EOWNERDEAD) {
		fail("the forker died holding the process table's lock");
		pthread_mutex_consistent(&sh->proc_lock);
	}
}

static void proc_unlock(void)
{
	pthread_mutex_unlock(&sh->proc_lock);
}

static bool proc_add(pid_t pid)
{
	int i;

	proc_lock();
	for (i = 0; i < MAX_PROCS; i++)
		if (!sh->procs[i])
			break;
	if (i < MAX_PROCS) {
		sh->procs[i] = pid;
		sh->procs_forked++;
	}
	proc_unlock();
	return i < MAX_PROCS;
}

/*
 * Wait for @pid to exit without reaping it, then reap it and take it off
 * the table in one step under the lock, so that the watchdog never sees a
 * pid on the table that is gone.  Returns its wait status, or -1.
 */
static int proc_reap(pid_t pid)
{
	siginfo_t si;
	int status = -1, i;
	pid_t r;

	while (waitid(P_PID, pid, &si, WEXITED | WNOWAIT) && errno == EINTR)
		;
	proc_lock();
	do
		r = waitpid(pid, &status, 0);
	while (r < 0 && errno == EINTR);
	if (r != pid) {
		fail("reaping child %d: %s", (int)pid, strerror(errno));
		status = -1;
	}
	for (i = 0; i < MAX_PROCS; i++)
		if (sh->procs[i] == pid)
			sh->procs[i] = 0;
	sh->procs_reaped++;
	proc_unlock();
	return status;
}

/* --- the load: a pool of spinners, churned ------------------------------ */

static pthread_mutex_t pool_lock;
static struct tslot *pool[MAX_POOL];
static int npool;

static void random_mask(cpu_set_t *set)
{
	int cpu, r = rnd(10);

	CPU_ZERO(set);
	if (r < 4) {
		for (cpu = 0; cpu < ncpus; cpu++)
			CPU_SET(cpu, set);
	} else if (r < 6) {
		CPU_SET(rnd(ncpus), set);
	} else {
		while (!CPU_COUNT(set))
			for (cpu = 0; cpu < ncpus; cpu++)
				if (rnd(2))
					CPU_SET(cpu, set);
	}
}

/* Spin 2 ms bursts; a FIFO thread then sleeps 8 ms, others now and then. */
static void pool_worker(struct tslot *s)
{
	struct sched_param sp = { 0 };
	cpu_set_t set;
	int policy;

	while (!atomic_load(&sh->stop) && !atomic_load(&s->quit)) {
		spin_ns(2 * NSEC_PER_MSEC);
		progress(s);
		policy = sched_getscheduler(0);
		if (policy == SCHED_FIFO || policy == SCHED_RR)
			nap_ms(8);
		else if (!rnd(16))
			nap_ms(1 + rnd(20));
		if (!rnd(64)) {
			random_mask(&set);
			if (!sched_setaffinity(0, sizeof(set), &set))
				atomic_fetch_add(&sh->st.affinity_changes, 1);
			else if (errno == EINVAL)
				atomic_fetch_add(&sh->st.affinity_refused, 1);
			else
				fail("pool thread: own affinity: %s",
				     strerror(errno));
		}
		if (!rnd(256) && policy != SCHED_FIFO) {
			policy = rnd(2) ? SCHED_BATCH : SCHED_OTHER;
			if (sched_setscheduler(0, policy, &sp))
				fail("pool thread: own policy: %s",
				     strerror(errno));
			else
				atomic_fetch_add(&sh->st.policy_changes, 1);
		}
	}
}

/*
 * A churner's call on a pool thread failed with @err: ESRCH is fine for a
 * thread on its way out, not for one the registry says is running.
 */
static void churn_error(struct tslot *s, const char *what, int err)
{
	if (err == ESRCH && atomic_load(&s->state) != SLOT_RUNNING)
		return;
	fail("%s of pool thread %d: %s", what, (int)atomic_load(&s->tid),
	     strerror(err));
}

static struct tslot *pick_pool(void)
{
	struct tslot *s;

	s = pool[rnd(npool)];
	if (s && atomic_load(&s->state) != SLOT_RUNNING)
		s = NULL;
	return s;
}

static void affinity_churner(struct tslot *self)
{
	struct tslot *s;
	cpu_set_t set;

	while (!atomic_load(&sh->stop)) {
		pthread_mutex_lock(&pool_lock);
		s = pick_pool();
		if (s) {
			random_mask(&set);
			if (!sched_setaffinity(s->tid, sizeof(set), &set))
				atomic_fetch_add(&sh->st.affinity_changes, 1);
			else if (errno == EINVAL)	/* offline CPUs only */
				atomic_fetch_add(&sh->st.affinity_refused, 1);
			else
				churn_error(s, "affinity", errno);
		}
		pthread_mutex_unlock(&pool_lock);
		progress(self);
		nap_ms(1 + rnd(5));
	}
}

static void policy_churner(struct tslot *self)
{
	struct sched_param sp;
	struct tslot *s;
	int policy, r;

	while (!atomic_load(&sh->stop)) {
		pthread_mutex_lock(&pool_lock);
		s = pick_pool();
		if (s) {
			r = rnd(10);
			sp.sched_priority = 0;
			if (r < 4) {
				policy = SCHED_OTHER;
			} else if (r < 6) {
				policy = SCHED_BATCH;
			} else if (r < 8) {
				policy = SCHED_IDLE;
			} else {
				policy = SCHED_FIFO;
				sp.sched_priority = 1 + rnd(40);
			}
			if (sched_setscheduler(s->tid, policy, &sp))
				churn_error(s, "policy", errno);
			else if (policy == SCHED_OTHER &&
				 setpriority(PRIO_PROCESS, s->tid,
					     (int)rnd(16) - 5))
				churn_error(s, "nice", errno);
			else
				atomic_fetch_add(&sh->st.policy_changes, 1);
		}
		pthread_mutex_unlock(&pool_lock);
		progress(self);
		nap_ms(2 + rnd(8));
	}
}

/* Keeps the pool full, retiring a thread now and then for a fresh one. */
static void pool_manager(struct tslot *self)
{
	struct tslot *s;
	int i;

	for (i = 0; i < npool; i++)
		while (!(pool[i] = spawn("pool", pool_worker, SCHED_OTHER, 0,
					 false)))
			nap_ms(10);
	while (!atomic_load(&sh->stop)) {
		nap_ms(50 + rnd(200));
		for (i = 0; i < npool; i++) {
			s = pool[i];
			if (s && atomic_load(&s->state) != SLOT_DONE)
				continue;
			pthread_mutex_lock(&pool_lock);
			pool[i] = NULL;
			pthread_mutex_unlock(&pool_lock);
			if (s)
				reap(s, NULL);
			s = spawn("pool", pool_worker, SCHED_OTHER, 0, false);
			pthread_mutex_lock(&pool_lock);
			pool[i] = s;
			pthread_mutex_unlock(&pool_lock);
		}
		if (!rnd(3)) {
			s = pool[rnd(npool)];
			if (s)
				atomic_store(&s->quit, 1);
		}
		progress(self);
	}
	for (i = 0; i < npool; i++) {
		pthread_mutex_lock(&pool_lock);
		s = pool[i];
		pool[i] = NULL;
		pthread_mutex_unlock(&pool_lock);
		if (s)
			reap(s, NULL);
	}
}

/* --- CPU hotplug -------------------------------------------------------- */

static int cpu_online(int cpu)
{
	char path[64], buf[16];

	snprintf(path, sizeof(path), CPU_DIR "cpu%d/online", cpu);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return buf[0] == '1';
}

static int cpu_set_online(int cpu, int on)
{
	char path[64];

	snprintf(path, sizeof(path), CPU_DIR "cpu%d/online", cpu);
	return write_file(path, on ? "1" : "0", 1, 0);
}

static void hotplug(struct tslot *self)
{
	int cpu, on, err;
	int64_t t;

	while (!atomic_load(&sh->stop)) {
		cpu = 1 + rnd(ncpus - 1);
		on = has_online_file[cpu] ? cpu_online(cpu) : -1;
		/* Two CPUs stay up, or one of two. */
		if (on < 0 || (on && online_cpus() <= (ncpus > 2 ? 2 : 1))) {
			nap_ms(5);
			continue;
		}
		t = now_ns();
		err = cpu_set_online(cpu, !on);
		t = now_ns() - t;
		max_ll(&sh->st.hotplug_longest_ns, t);
		if (err) {
			atomic_fetch_add(&sh->st.hotplug_refused, 1);
			atomic_store(&sh->st.hotplug_errno, err);
			say("soak: t=%.3f cpu%d %s refused: %s", since_start(),
			    cpu, on ? "offline" : "online", strerror(err));
		} else if (on) {
			atomic_fetch_add(&sh->st.cpus_offlined, 1);
		} else {
			atomic_fetch_add(&sh->st.cpus_onlined, 1);
		}
		progress(self);
		nap_ms(10 + rnd(300));
	}
}

/* --- the balancer's sysctls --------------------------------------------- */

struct knob {
	const char *name;
	int min, max;
	int found;		/* at the start; put back at the end */
	int base;		/* the soak's own setting */
	int cur;		/* the last value written */
};

enum { K_MODE, K_PERIOD, K_STARVATION };

static struct knob knobs[] = {
	[K_MODE] = { "sched_sourcesink_mode", 0, 2 },
	[K_PERIOD] = { "sched_sourcesink_period_ms", 1, 60000 },
	[K_STARVATION] = { "sched_sourcesink_starvation_ms", 1, 60000 },
	{ "sched_sourcesink_state_weight", 0, 1000 },
	{ "sched_sourcesink_load_weight", 0, 1000 },
	{ "sched_sourcesink_max_moves", 1, 1000 },
	{ "sched_sourcesink_standalone", 0, 1 },
	{ "sched_sourcesink_numa", 0, 1 },
	{ "sched_sourcesink_node_period_ms", 0, 60000 },
};
#define NKNOBS	((int)ARRAY_SIZE(knobs))

/* Not one decimal number, or not just one: each must fail with EINVAL. */
static const char *const bad_words[] = {
	"", "abc", "1x", " 1", "1 ", "1 2", "1,2", "0x1", "1\n\n", "1.5",
	"-", "\n", "2147483648", "-2147483649", "99999999999999999999",
};
#define NBAD	((int)ARRAY_SIZE(bad_words))

static int knob_read(struct knob *k, int *val)
{
	char path[128], buf[32], *end;
	int len;

	snprintf(path, sizeof(path), SYSCTL_DIR "%s", k->name);
	len = read_file(path, buf, sizeof(buf));
	if (len <= 0)
		return -1;
	*val = strtol(buf, &end, 10);
	return end == buf ? -1 : 0;
}

static int knob_write(struct knob *k, const char *buf, size_t len, off_t off)
{
	char path[128];

	snprintf(path, sizeof(path), SYSCTL_DIR "%s", k->name);
	return write_file(path, buf, len, off);
}

static bool knob_check(struct knob *k, const char *what)
{
	int got;

	if (knob_read(k, &got)) {
		fail("%s: cannot read it back after %s", k->name, what);
		return false;
	}
	if (got != k->cur) {
		fail("%s: reads %d after %s, not %d", k->name, got, what,
		     k->cur);
		return false;
	}
	return true;
}

/* A valid write: it must be taken and read back.  Counted if @count. */
static bool knob_set(struct knob *k, int val, bool count)
{
	char buf[32], what[48];
	int len, err;

	len = snprintf(buf, sizeof(buf), rnd(2) ? "%d\n" : "%d", val);
	err = knob_write(k, buf, len, 0);
	if (count)
		atomic_fetch_add(&sh->st.sysctl_tried, 1);
	if (err) {
		if (count)
			atomic_fetch_add(&sh->st.sysctl_unexpected, 1);
		fail("%s: writing %d failed: %s", k->name, val, strerror(err));
		return false;
	}
	k->cur = val;
	snprintf(what, sizeof(what), "writing %d", val);
	if (!knob_check(k, what)) {
		if (count)
			atomic_fetch_add(&sh->st.sysctl_unexpected, 1);
		return false;
	}
	return true;
}

/* An invalid write: it must fail with EINVAL and change nothing. */
static void knob_bad(struct knob *k)
{
	char buf[32], what[64];
	const char *word = buf;
	int r = rnd(NBAD + 5), err;
	size_t len;
	off_t off = 0;

	switch (r) {
	case 0:
		snprintf(buf, sizeof(buf), "%d", k->min - 1);
		break;
	case 1:
		snprintf(buf, sizeof(buf), "%d\n", k->max + 1);
		break;
	case 2:
		snprintf(buf, sizeof(buf), "%d", INT_MIN);
		break;
	case 3:
		snprintf(buf, sizeof(buf), "%d", k->max + 1 + (int)rnd(100000));
		break;
	case 4:		/* a valid number, but not at offset 0 */
		snprintf(buf, sizeof(buf), "%d", k->min);
		off = 1 + rnd(4);
		break;
	default:
		word = bad_words[r - 5];
		break;
	}
	len = strlen(word);
	err = knob_write(k, word, len, off);
	atomic_fetch_add(&sh->st.sysctl_tried, 1);
	if (err)
		atomic_fetch_add(&sh->st.sysctl_rejected, 1);
	snprintf(what, sizeof(what), "writing \"%.*s\"%s",
		 (int)strcspn(word, "\n"), word, off ? " at an offset" : "");
	if (err != EINVAL) {
		atomic_fetch_add(&sh->st.sysctl_unexpected, 1);
		fail("%s: %s: %s, not EINVAL", k->name, what,
		     err ? strerror(err) : "taken");
		knob_check(k, what);
		if (!err)	/* put it back */
			knob_set(k, k->cur, false);
		return;
	}
	if (!knob_check(k, what))
		atomic_fetch_add(&sh->st.sysctl_unexpected, 1);
}

static void sysctl_writer(struct tslot *self)
{
	int64_t next_mode = now_ns();
	struct knob *k;
	int val, r;

	while (!atomic_load(&sh->stop)) {
		/* The mode between state and score, now and then off. */
		if (fixed_mode < 0 && now_ns() >= next_mode) {
			k = &knobs[K_MODE];
			k->base = k->base == 1 ? 2 : 1;
			knob_set(k, k->base, true);
			next_mode = now_ns() + (2 + rnd(6)) * NSEC_PER_SEC;
		}
		k = &knobs[rnd(NKNOBS)];
		if (rnd(2) && (k != &knobs[K_MODE] || fixed_mode < 0)) {
			r = rnd(4);
			val = r == 0 ? k->min : r == 1 ? k->max :
			      k->min + (int)rnd(k->max - k->min + 1);
			if (knob_set(k, val, true)) {
				nap_ms(rnd(30));
				knob_set(k, k->base, true);
			}
		} else {
			knob_bad(k);
		}
		progress(self);
		nap_ms(2 + rnd(10));
	}
}

/* --- fork and thread storms --------------------------------------------- */

static void *child_spinner(void *arg)
{
	for (;;)
		spin_ns(NSEC_PER_MSEC);
	return arg;
}

/* A child, let go when the batch's pipe closes; exits with @code. */
static void __noreturn child(int rfd, int how, int code)
{
	pthread_attr_t attr;
	pthread_t thread;
	cpu_set_t set;
	int i, status;
	pid_t pid;
	char c;

	/* Another batch's pipe would keep that batch waiting on this one. */
	if (rfd > 3)
		close_range(3, rfd - 1, 0);
	close_range(rfd + 1, ~0U, 0);
	seed();
	while (read(rfd, &c, 1) < 0 && errno == EINTR)
		;
	switch (how) {
	case 0:		/* exit at once */
		break;
	case 1:
		spin_ns(rnd(10) * NSEC_PER_MSEC);
		break;
	case 2:		/* a child of its own */
		pid = fork();
		if (!pid) {
			spin_ns(rnd(3) * NSEC_PER_MSEC);
			_exit(7);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 7)
			code = 200;
		break;
	case 3:		/* exit with threads still spinning */
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 64 * 1024);
		for (i = 0; i < 1 + (int)rnd(3); i++)
			if (pthread_create(&thread, &attr, child_spinner, NULL))
				code = 201;
		spin_ns(rnd(5) * NSEC_PER_MSEC);
		break;
	case 4:
		CPU_ZERO(&set);
		CPU_SET(rnd(ncpus), &set);
		/* EINVAL for an offline CPU: fine */
		sched_setaffinity(0, sizeof(set), &set);
		spin_ns(rnd(5) * NSEC_PER_MSEC);
		break;
	case 5:
		for (i = rnd(100); i > 0; i--)
			sched_yield();
		break;
	default:
		nap_ms(rnd(5));
		break;
	}
	_exit(code);
}

/*
 * In the forker: batches of children that wait on a pipe, then all exit
 * at once.  The storm runs at FIFO 40 to fork at a pace the load allows no
 * normal thread; its children start as normal threads all the same.
 */
static void *fork_storm(void *arg)
{
	struct sched_param sp = { .sched_priority = 40 };
	int how[BATCH], code[BATCH], pfd[2], want, n, i, status;
	_Atomic int64_t *progress = arg;
	pid_t pids[BATCH];

	seed();
	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp))
		fail("fork storm: SCHED_FIFO: %s", strerror(errno));
	while (!atomic_load(&sh->stop)) {
		if (pipe(pfd)) {
			fail("pipe: %s", strerror(errno));
			nap_ms(100);
			continue;
		}
		want = 1 + rnd(BATCH);
		for (n = 0; n < want; n++) {
			how[n] = rnd(7);
			code[n] = 1 + rnd(100);
			pids[n] = fork();
			if (!pids[n]) {
				close(pfd[1]);
				child(pfd[0], how[n], code[n]);
			}
			if (pids[n] < 0) {
				atomic_fetch_add(&sh->st.fork_failed, 1);
				if (errno != EAGAIN && errno != ENOMEM)
					fail("fork: %s", strerror(errno));
				break;
			}
			if (!proc_add(pids[n])) {
				fail("the process table is full");
				kill(pids[n], SIGKILL);
				waitpid(pids[n], &status, 0);
				break;
			}
		}
		close(pfd[1]);
		close(pfd[0]);
		for (i = 0; i < n; i++) {
			status = proc_reap(pids[i]);
			if (status != -1 && (!WIFEXITED(status) ||
					     WEXITSTATUS(status) != code[i]))
				fail("child %d (kind %d) ended with status %#x, not exit %d",
				     (int)pids[i], how[i], status, code[i]);
		}
		atomic_store(progress, now_ns());
		nap_ms(rnd(30));
	}
	return NULL;
}

/* The forker: two fork storms, until told to stop. */
static void __noreturn forker_main(void)
{
	pthread_t thread;
	int err;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	err = pthread_create(&thread, NULL, fork_storm, &sh->fork_progress[1]);
	if (err)
		fail("forker: starting a thread: %s", strerror(err));
	fork_storm(&sh->fork_progress[0]);
	if (!err)
		pthread_join(thread, NULL);
	_exit(0);
}

static pid_t start_forker(void)
{
	pid_t pid;

	atomic_store(&sh->fork_progress[0], now_ns());
	atomic_store(&sh->fork_progress[1], now_ns());
	pid = fork();
	if (!pid)
		forker_main();
	if (pid < 0) {
		perror("soak: fork");
		exit(1);
	}
	proc_add(pid);
	return pid;
}

/* Wait for the forker to stop, at most until @end, and reap it. */
static void stop_forker(pid_t pid, int64_t end)
{
	siginfo_t si;
	int status;

	for (;;) {
		si.si_pid = 0;
		if (!waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) &&
		    si.si_pid)
			break;
		if (now_ns() > end) {
			fail("the forker did not stop within %d s",
			     STOP_GRACE_S);
			kill(pid, SIGKILL);
			break;
		}
		nap_ms(20);
	}
	status = proc_reap(pid);
	if (status != -1 && (!WIFEXITED(status) || WEXITSTATUS(status)))
		fail("the forker ended with status %#x", status);
}

static void storm_thread(struct tslot *s)
{
	struct sched_param sp = { 0 };
	cpu_set_t set;
	int i, policy;

	switch (rnd(6)) {
	case 0:
		break;
	case 1:
		spin_ns(rnd(5) * NSEC_PER_MSEC);
		break;
	case 2:
		nap_ms(1 + rnd(3));
		break;
	case 3:
		for (i = rnd(20); i > 0; i--)
			sched_yield();
		break;
	case 4:
		random_mask(&set);
		/* EINVAL for an offline CPU: fine */
		sched_setaffinity(0, sizeof(set), &set);
		spin_ns(rnd(3) * NSEC_PER_MSEC);
		break;
	default:
		policy = rnd(2) ? SCHED_BATCH : SCHED_IDLE;
		if (sched_setscheduler(0, policy, &sp))
			fail("storm thread: own policy: %s", strerror(errno));
		spin_ns(rnd(3) * NSEC_PER_MSEC);
		break;
	}
}

/* Batches of short-lived threads, a quarter of them detached. */
static void thread_storm(struct tslot *self)
{
	struct tslot *batch[BATCH];
	int n, i, nb;
	bool detached;

	while (!atomic_load(&sh->stop)) {
		n = 4 + rnd(BATCH - 3);
		for (nb = 0, i = 0; i < n; i++) {
			detached = !rnd(4);
			batch[nb] = spawn("storm", storm_thread, SCHED_OTHER, 0,
					  detached);
			if (batch[nb] && !detached)
				nb++;
		}
		for (i = 0; i < nb; i++)
			reap(batch[i], NULL);
		progress(self);
		nap_ms(rnd(20));
	}
}

/* --- the balancer's view ------------------------------------------------ */

struct events {
	unsigned long long decisions, moved, node_decisions, node_moved;
	int cpu_lines;
};

static unsigned long long field(const char *line, const char *key)
{
	const char *p = line;
	size_t len = strlen(key);

	while ((p = strstr(p, key))) {
		if ((p == line || p[-1] == ' ') && p[len] == '=')
			return strtoull(p + len + 1, NULL, 10);
		p += len;
	}
	return 0;
}

static int read_view(struct events *e)
{
	static char buf[16384];
	char *line, *save;

	if (read_file(VIEW, buf, sizeof(buf)) <= 0)
		return -1;
	memset(e, 0, sizeof(*e));
	e->decisions = ULLONG_MAX;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "events:", 7)) {
			e->decisions = field(line, "decisions");
			e->moved = field(line, "moved");
			e->node_decisions = field(line, "node_decisions");
			e->node_moved = field(line, "node_moved");
		} else if (!strncmp(line, "cpu=", 4)) {
			e->cpu_lines++;
		}
	}
	return e->decisions == ULLONG_MAX ? -1 : 0;
}

static _Atomic unsigned long long last_moved;

static void sampler(struct tslot *self)
{
	struct events e;

	while (!atomic_load(&sh->stop)) {
		if (read_view(&e)) {
			fail("cannot read the events line of " VIEW);
		} else {
			atomic_fetch_add(&sh->st.view_reads, 1);
			atomic_store(&last_moved, e.moved);
			max_ull(&sh->st.view_moved_max, e.moved);
			max_ull(&sh->st.view_decisions_max, e.decisions);
		}
		progress(self);
		nap_ms(1000);
	}
}

/* --- the watchdog ------------------------------------------------------- */

/* started == finished + alive + lost, every running thread still there */
static void check_threads(int64_t now, long *alive_out, long *finished_out)
{
	long alive = 0;
	int64_t stall, longest = 0;
	const char *kind = NULL;
	struct tslot *s;
	pid_t tid;
	int i;

	pthread_mutex_lock(&reg_lock);
	for (i = 0; i < MAX_THREADS; i++) {
		s = &slots[i];
		switch (atomic_load(&s->state)) {
		case SLOT_FREE:
		case SLOT_LOST:
			continue;
		case SLOT_RUNNING:
			tid = atomic_load(&s->tid);
			if (syscall(SYS_tgkill, getpid(), tid, 0) &&
			    errno == ESRCH) {
				atomic_store(&s->state, SLOT_LOST);
				threads_lost++;
				fail("%s thread %d is gone but never finished",
				     s->kind, (int)tid);
				continue;
			}
			break;
		}
		alive++;
		if (atomic_load(&s->state) == SLOT_DONE)
			continue;
		stall = now - atomic_load(&s->progress);
		if (stall > longest) {
			longest = stall;
			kind = s->kind;
		}
		if (stall > STALL_LIMIT_S * NSEC_PER_SEC && !s->stall_said) {
			s->stall_said = true;
			atomic_fetch_add(&sh->st.stalls, 1);
			fail("%s thread %d made no progress for %d s%s",
			     s->kind, (int)atomic_load(&s->tid), STALL_LIMIT_S,
			     atomic_load(&s->state) == SLOT_CREATED ?
			     " (never started)" : "");
		}
	}
	if (threads_started != threads_finished + alive + threads_lost)
		fail("threads: %ld started, %ld finished, %ld alive, %ld lost: %ld unaccounted for",
		     threads_started, threads_finished, alive, threads_lost,
		     threads_started - threads_finished - alive - threads_lost);
	*finished_out = threads_finished;
	pthread_mutex_unlock(&reg_lock);
	if (kind && longest > atomic_load(&sh->st.longest_stall_ns)) {
		max_ll(&sh->st.longest_stall_ns, longest);
		atomic_store(&longest_stall_kind, kind);
	}
	*alive_out = alive;
}

/* The forker's two storms, each making progress. */
static void check_forker(int64_t now)
{
	static bool said[2];
	int64_t stall;
	int i;

	for (i = 0; i < 2; i++) {
		if (atomic_load(&sh->stop))
			break;
		stall = now - atomic_load(&sh->fork_progress[i]);
		if (stall > atomic_load(&sh->st.longest_stall_ns)) {
			max_ll(&sh->st.longest_stall_ns, stall);
			atomic_store(&longest_stall_kind, "forks");
		}
		if (stall > STALL_LIMIT_S * NSEC_PER_SEC && !said[i]) {
			said[i] = true;
			atomic_fetch_add(&sh->st.stalls, 1);
			fail("fork storm %d made no progress for %d s", i,
			     STALL_LIMIT_S);
		}
	}
}

/* forked == reaped + on the table, every one on the table still there */
static void check_procs(long *alive_out, long *reaped_out)
{
	long alive = 0;
	int i;

	proc_lock();
	for (i = 0; i < MAX_PROCS; i++) {
		if (!sh->procs[i])
			continue;
		if (kill(sh->procs[i], 0) && errno == ESRCH) {
			fail("process %d is gone but was never reaped",
			     (int)sh->procs[i]);
			sh->procs[i] = 0;
			sh->procs_lost++;
			continue;
		}
		alive++;
	}
	if (sh->procs_forked != sh->procs_reaped + alive + sh->procs_lost)
		fail("processes: %ld forked, %ld reaped, %ld alive, %ld lost: %ld unaccounted for",
		     sh->procs_forked, sh->procs_reaped, alive, sh->procs_lost,
		     sh->procs_forked - sh->procs_reaped - alive -
		     sh->procs_lost);
	*reaped_out = sh->procs_reaped;
	proc_unlock();
	*alive_out = alive;
}

static void watchdog(struct tslot *self)
{
	struct timespec ts;
	int64_t next = now_ns() + NSEC_PER_SEC, now;
	long threads_alive, threads_done, procs_alive, procs_done;

	while (!atomic_load(&watchdog_stop)) {
		ts.tv_sec = next / NSEC_PER_SEC;
		ts.tv_nsec = next % NSEC_PER_SEC;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
				       NULL) == EINTR)
			;
		now = now_ns();
		max_ll(&sh->st.heartbeat_late_max_ns, now - next);
		check_threads(now, &threads_alive, &threads_done);
		check_forker(now);
		check_procs(&procs_alive, &procs_done);
		atomic_fetch_add(&sh->st.heartbeats, 1);
		say("soak: heartbeat t=%.3f online=%d threads=%ld+%ld procs=%ld+%ld moved=%llu sysctl=%ld failures=%ld",
		    (double)(now - t0) / NSEC_PER_SEC, online_cpus(),
		    threads_done, threads_alive, procs_done, procs_alive,
		    atomic_load(&last_moved), atomic_load(&sh->st.sysctl_tried),
		    atomic_load(&sh->st.failures));
		progress(self);
		next += NSEC_PER_SEC;
		if (next < now)
			next = now + NSEC_PER_SEC;
	}
}

/* --- the kernel log, copied as it comes --------------------------------- */

/* Returns false, having said why, if the file did not take it all. */
static bool flush(int fd, char *buf, size_t *len)
{
	bool ok = !*len || write(fd, buf, *len) == (ssize_t)*len;

	if (!ok)
		fail("writing %s: %s", kmsg_path, strerror(errno));
	*len = 0;
	return ok;
}

/* The records as dmesg shows them, gathered and written when none wait. */
static void kmsg_copier(struct tslot *self)
{
	static char rec[8192], out_buf[65536];
	unsigned long long usec;
	struct pollfd pfd;
	size_t used = 0;
	char *msg, *nl;
	int in, out;
	ssize_t n;

	in = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	out = open(kmsg_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (in < 0 || out < 0) {
		fail("copying /dev/kmsg to %s: %s", kmsg_path, strerror(errno));
		return;
	}
	for (;;) {
		progress(self);
		if (used > sizeof(out_buf) - sizeof(rec) - 64 &&
		    !flush(out, out_buf, &used))
			break;
		n = read(in, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EAGAIN) {
			if (!flush(out, out_buf, &used) ||
			    atomic_load(&kmsg_stop))
				break;
			pfd.fd = in;
			pfd.events = POLLIN;
			poll(&pfd, 1, 500);
		} else if (n < 0 && errno == EPIPE) {
			/* overwritten before it was read */
			atomic_fetch_add(&sh->st.kmsg_lost, 1);
			used += sprintf(out_buf + used,
					"soak: kernel log records lost here\n");
		} else if (n < 0 && errno != EINTR) {
			fail("reading /dev/kmsg: %s", strerror(errno));
			break;
		} else if (n > 0) {
			rec[n] = '\0';
			/* "prio,seq,usec,flags;text\n", " KEY=value" lines */
			msg = strchr(rec, ';');
			if (!msg)
				continue;
			*msg++ = '\0';
			nl = strchr(msg, '\n');
			if (nl)
				*nl = '\0';
			if (sscanf(rec, "%*u,%*u,%llu", &usec) != 1)
				usec = 0;
			used += snprintf(out_buf + used, sizeof(out_buf) - used,
					 "[%5llu.%06llu] %s\n", usec / 1000000,
					 usec % 1000000, msg);
			atomic_fetch_add(&sh->st.kmsg_records, 1);
		}
	}
	close(in);
	close(out);
}

/* --- the run ------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr,
		"usage: soak [--seconds N] [--mode 0|1|2] [--summary FILE] [--kmsg FILE] [--log FILE]\n");
	exit(2);
}

static bool all_online(void)
{
	bool ok = true;
	int cpu, err;

	for (cpu = 1; cpu < ncpus; cpu++) {
		if (!has_online_file[cpu] || cpu_online(cpu) == 1)
			continue;
		err = cpu_set_online(cpu, 1);
		if (err) {
			fail("cannot bring cpu%d online: %s", cpu,
			     strerror(err));
			ok = false;
		} else {
			atomic_fetch_add(&sh->st.cpus_onlined, 1);
		}
	}
	return ok;
}

/* One key=value line to the summary file and the console. */
static void kv(FILE *f, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (f)
		fprintf(f, "%s\n", line);
	say("soak: summary %s", line);
}

static void write_summary(double run_s, const struct events *e, bool view_ok)
{
	FILE *f = NULL;
	long failures = atomic_load(&sh->st.failures), i;

	if (summary_path) {
		f = fopen(summary_path, "w");
		if (!f)
			say("soak: cannot write %s: %s", summary_path,
			    strerror(errno));
	}
	kv(f, "seconds=%d", seconds);
	kv(f, "run_s=%.0f", run_s);
	kv(f, "cpus=%d", ncpus);
	kv(f, "nodes=%d", nnodes);
	kv(f, "cpus_offlined=%ld", atomic_load(&sh->st.cpus_offlined));
	kv(f, "cpus_onlined=%ld", atomic_load(&sh->st.cpus_onlined));
	kv(f, "hotplug_refused=%ld", atomic_load(&sh->st.hotplug_refused));
	kv(f, "hotplug_refused_errno=%s", atomic_load(&sh->st.hotplug_refused) ?
	   strerror(atomic_load(&sh->st.hotplug_errno)) : "none");
	kv(f, "hotplug_longest_ms=%lld",
	   atomic_load(&sh->st.hotplug_longest_ns) / NSEC_PER_MSEC);
	kv(f, "view_read=%s", view_ok ? "all CPUs online" : "failed");
	kv(f, "decisions=%llu", e->decisions);
	kv(f, "moved=%llu", e->moved);
	kv(f, "node_decisions=%llu", e->node_decisions);
	kv(f, "node_moved=%llu", e->node_moved);
	kv(f, "view_reads=%ld", atomic_load(&sh->st.view_reads));
	kv(f, "view_moved_max=%llu", atomic_load(&sh->st.view_moved_max));
	kv(f, "sysctl_tried=%ld", atomic_load(&sh->st.sysctl_tried));
	kv(f, "sysctl_rejected=%ld", atomic_load(&sh->st.sysctl_rejected));
	kv(f, "sysctl_unexpected=%ld", atomic_load(&sh->st.sysctl_unexpected));
	kv(f, "affinity_changes=%ld", atomic_load(&sh->st.affinity_changes));
	kv(f, "affinity_refused=%ld", atomic_load(&sh->st.affinity_refused));
	kv(f, "policy_changes=%ld", atomic_load(&sh->st.policy_changes));
	/* Every thread has been joined by now: one not finished is lost. */
	kv(f, "threads_started=%ld", threads_started);
	kv(f, "threads_finished=%ld", threads_finished);
	kv(f, "threads_lost=%ld", threads_started - threads_finished);
	kv(f, "thread_create_failed=%ld",
	   atomic_load(&sh->st.thread_create_failed));
	kv(f, "procs_forked=%ld", sh->procs_forked);
	kv(f, "procs_reaped=%ld", sh->procs_reaped);
	kv(f, "procs_lost=%ld", sh->procs_forked - sh->procs_reaped);
	kv(f, "fork_failed=%ld", atomic_load(&sh->st.fork_failed));
	kv(f, "heartbeats=%ld", atomic_load(&sh->st.heartbeats));
	kv(f, "heartbeat_late_max_ms=%lld",
	   atomic_load(&sh->st.heartbeat_late_max_ns) / NSEC_PER_MSEC);
	kv(f, "longest_stall_ms=%lld",
	   atomic_load(&sh->st.longest_stall_ns) / NSEC_PER_MSEC);
	kv(f, "longest_stall_kind=%s", atomic_load(&longest_stall_kind));
	kv(f, "stalls=%ld", atomic_load(&sh->st.stalls));
	kv(f, "kmsg_records=%ld", atomic_load(&sh->st.kmsg_records));
	kv(f, "kmsg_lost=%ld", atomic_load(&sh->st.kmsg_lost));
	kv(f, "console_dropped=%ld", atomic_load(&sh->st.console_dropped));
	kv(f, "failures=%ld", failures);
	for (i = 0; i < failures && i < MAX_FAILURES; i++)
		kv(f, "failure=%s", sh->failure_msg[i]);
	kv(f, "result=%s", failures ? "fail" : "pass");
	if (f && fclose(f))
		say("soak: writing %s: %s", summary_path, strerror(errno));
}

static struct tslot *start(const char *kind, void (*fn)(struct tslot *s),
			   int policy, int prio)
{
	struct tslot *s = spawn(kind, fn, policy, prio, false);

	if (!s) {
		fprintf(stderr, "soak: cannot start the %s thread\n", kind);
		exit(1);
	}
	return s;
}

static void deadline_in(struct timespec *ts, int s)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += s;
}

struct activity {
	const char *kind;
	void (*fn)(struct tslot *s);
	int policy, prio;
};

/*
 * The control threads at FIFO, under the watchdog, the thread storms'
 * below them; the threads they start are normal ones.
 */
static const struct activity activities[] = {
	{ "hotplug", hotplug, SCHED_FIFO, 50 },
	{ "affinity", affinity_churner, SCHED_FIFO, 50 },
	{ "policy", policy_churner, SCHED_FIFO, 50 },
	{ "sysctl", sysctl_writer, SCHED_FIFO, 50 },
	{ "manager", pool_manager, SCHED_FIFO, 50 },
	{ "sampler", sampler, SCHED_FIFO, 45 },
	{ "threads", thread_storm, SCHED_FIFO, 40 },
	{ "threads", thread_storm, SCHED_FIFO, 40 },
};
#define NACT	((int)ARRAY_SIZE(activities))

int main(int argc, char **argv)
{
	struct sched_param sp = { .sched_priority = 98 };
	struct tslot *act[NACT], *dog, *kmsg = NULL;
	struct timespec ts, deadline;
	struct events e = { 0 };
	int64_t end;
	pid_t forker;
	long left;
	bool view_ok;
	double run_s;
	char buf[256];
	int i, cpu, val;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--summary") && i + 1 < argc)
			summary_path = argv[++i];
		else if (!strcmp(argv[i], "--kmsg") && i + 1 < argc)
			kmsg_path = argv[++i];
		else if (!strcmp(argv[i], "--log") && i + 1 < argc)
			log_path = argv[++i];
		else if (!strcmp(argv[i], "--mode") && i + 1 < argc)
			fixed_mode = atoi(argv[++i]);
		else
			usage();
	}
	if (seconds <= 0 || fixed_mode > 2)
		usage();

	t0 = now_ns();
	/* The console's own open file, so that O_NONBLOCK is ours alone. */
	con_fd = open("/proc/self/fd/1", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (con_fd < 0)
		con_fd = STDOUT_FILENO;
	if (log_path) {
		log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC |
			      O_APPEND | O_CLOEXEC, 0644);
		if (log_fd < 0) {
			perror(log_path);
			return 1;
		}
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("soak: mmap");
		return 1;
	}
	init_pi(&reg_lock, false);
	init_pi(&pool_lock, false);
	init_pi(&sh->proc_lock, true);
	if (read_file(CPU_DIR "possible", buf, sizeof(buf)) < 0) {
		perror("soak: " CPU_DIR "possible");
		return 1;
	}
	ncpus = parse_list(buf, NULL, 0);
	if (ncpus < 2 || ncpus > MAX_CPUS) {
		fprintf(stderr, "soak: needs 2 to %d CPUs, not %d\n", MAX_CPUS,
			ncpus);
		return 1;
	}
	for (cpu = 1; cpu < ncpus; cpu++)
		has_online_file[cpu] = cpu_online(cpu) >= 0;
	nnodes = count_list("/sys/devices/system/node/online");
	npool = POOL_PER_CPU * ncpus;
	all_online();

	/* Note the sysctls as found, then a 10 ms period, 20 ms starvation. */
	for (i = 0; i < NKNOBS; i++) {
		if (knob_read(&knobs[i], &val)) {
			fprintf(stderr, "soak: cannot read %s%s\n", SYSCTL_DIR,
				knobs[i].name);
			return 1;
		}
		knobs[i].found = knobs[i].base = knobs[i].cur = val;
	}
	knobs[K_MODE].base = fixed_mode < 0 ? 1 : fixed_mode;
	knobs[K_PERIOD].base = 10;
	knobs[K_STARVATION].base = 20;
	for (i = 0; i < NKNOBS; i++)
		knob_set(&knobs[i], knobs[i].base, false);

	/* The forker first, while this process is small and has one thread. */
	forker = start_forker();
	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		fail("main thread to SCHED_FIFO: %s", strerror(errno));
	dog = start("watchdog", watchdog, SCHED_FIFO, 99);
	if (kmsg_path)
		kmsg = start("kmsg", kmsg_copier, SCHED_FIFO, 60);
	say("soak: %d s on %d CPUs in %d node(s): hotplug, %d spinners churned, sysctls, fork and thread storms",
	    seconds, ncpus, nnodes, npool);
	for (i = 0; i < NACT; i++)
		act[i] = start(activities[i].kind, activities[i].fn,
			       activities[i].policy, activities[i].prio);

	ts.tv_sec = (t0 + seconds * NSEC_PER_SEC) / NSEC_PER_SEC;
	ts.tv_nsec = (t0 + seconds * NSEC_PER_SEC) % NSEC_PER_SEC;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
	atomic_store(&sh->stop, 1);
	run_s = since_start();
	say("soak: t=%.3f stopping", run_s);

	end = now_ns() + STOP_GRACE_S * NSEC_PER_SEC;
	deadline_in(&deadline, STOP_GRACE_S);
	for (i = 0; i < NACT; i++)
		reap(act[i], &deadline);
	stop_forker(forker, end);
	/* The detached storm threads finish on their own. */
	for (;;) {
		pthread_mutex_lock(&reg_lock);
		left = threads_started - threads_finished - threads_lost;
		pthread_mutex_unlock(&reg_lock);
		clock_gettime(CLOCK_REALTIME, &ts);
		if (left <= (kmsg ? 2 : 1) || ts.tv_sec >= deadline.tv_sec)
			break;
		nap_ms(10);
	}

	/* With every CPU online, the view's sums cover every CPU's events. */
	view_ok = all_online();
	for (i = 0; i < NKNOBS; i++) {
		knobs[i].base = knobs[i].found;
		knob_set(&knobs[i], knobs[i].found, false);
	}
	if (read_view(&e)) {
		fail("cannot read the events line of " VIEW " at the end");
		view_ok = false;
	} else if (e.cpu_lines != ncpus) {
		fail("the view shows %d CPUs at the end, not %d", e.cpu_lines,
		     ncpus);
		view_ok = false;
	}
	say("soak: t=%.3f stopped; moved=%llu decisions=%llu", since_start(),
	    e.moved, e.decisions);

	atomic_store(&watchdog_stop, 1);
	deadline_in(&deadline, 10);
	reap(dog, &deadline);
	if (kmsg) {
		atomic_store(&kmsg_stop, 1);
		deadline_in(&deadline, 30);
		reap(kmsg, &deadline);
	}
	if (threads_started != threads_finished)
		fail("threads: %ld started, %ld finished at the end",
		     threads_started, threads_finished);
	if (sh->procs_forked != sh->procs_reaped)
		fail("processes: %ld forked, %ld reaped at the end",
		     sh->procs_forked, sh->procs_reaped);

	write_summary(run_s, &e, view_ok);
	say("soak: %s", atomic_load(&sh->st.failures) ? "FAIL" : "pass");
	return atomic_load(&sh->st.failures) ? 1 : 0;
}
