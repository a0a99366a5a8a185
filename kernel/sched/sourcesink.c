// SPDX-License-Identifier: GPL-2.0
/*
 * Source/sink load balancing with starvation avoidance
 *
 * The stock balancer keeps CPUs evenly loaded, but it makes no promise about
 * how long a thread that could run elsewhere may wait behind others while
 * some CPU it is allowed on has nothing to do.  This balancer makes that
 * wait the quantity it watches.
 *
 * Starvation
 *
 * A task is movable on a CPU when it is a fair-class task queued there and
 * not running, allowed on some other CPU by its affinity, not
 * migration-disabled and not a per-CPU kthread.  Its wait on that CPU began
 * when it was last enqueued there, last switched out there while still
 * runnable, or became movable there, whichever is latest.  With L the
 * starvation limit (sched_sourcesink_starvation_ms):
 *
 *	wait(cpu)   = now - start of the oldest movable task's wait on cpu
 *		      (0 when cpu has no movable waiter)
 *	idle(cpu)   = now - last time cpu ran its idle task
 *		      (0 while it is idle)
 *	starving    = wait(cpu) > L
 *
 * Each CPU's runqueue is in exactly one of three states:
 *
 *	SOURCE  = starving && idle(cpu) > L
 *	NEITHER = starving && idle(cpu) <= L
 *	SINK    = !starving
 *
 * A SOURCE holds a thread that has waited too long although the CPU has
 * been busy throughout: that wait will not end by itself.  NEITHER is
 * transient starvation on a CPU that had spare time within the limit.  A
 * SINK can take threads.  A CPU running its idle task is a SINK.
 *
 * Each CPU also has a load, the PELT runnable average of its fair tasks
 * plus the utilization of its RT and deadline tasks, in units where
 * SCHED_CAPACITY_SCALE is one always-runnable thread.  Score mode ranks the
 * CPUs by
 *
 *	score = state_weight * state * SCHED_CAPACITY_SCALE
 *	      + load_weight * load / (load + SCHED_CAPACITY_SCALE)
 *
 * with SINK = 0, NEITHER = 1, SOURCE = 2; the worst CPU scores highest.  The
 * load term stays below SCHED_CAPACITY_SCALE, so whenever state_weight >=
 * load_weight the state outweighs any load.
 *
 * Implementation
 *
 * The tick must find the oldest movable waiter in O(1), so each runqueue
 * keeps its movable waiters on a list in the order their waits began.  A
 * wait always begins "now", so it is appended; it ends when the task is
 * picked, dequeued or stops being movable, and is unlinked.  The oldest
 * waiter is the list's head.  Affinity, policy and priority changes go
 * through a DEQUEUE_SAVE/ENQUEUE_RESTORE pair under the runqueue lock; as
 * for psi and sched_info, a task keeps its place across such a pair and is
 * only re-checked for movability on the way back in.
 *
 * That bookkeeping is all the enqueue, dequeue and context-switch paths do.
 * sched_tick(), which already holds the runqueue lock, turns the list head
 * and the last idle exit into the CPU's state and publishes it with
 * WRITE_ONCE() for lockless readers.  A tickless idle CPU publishes nothing,
 * so readers take a CPU that is idle right now as a SINK.  The load is read
 * at the time it is needed, from PELT averages the scheduler keeps anyway.
 *
 * With sched_sourcesink_mode = 0 a static key turns every hook into a
 * no-op and the lists are emptied; setting it again rebuilds them from each
 * runqueue's cfs_tasks, every wait starting at that moment.
 */

#include <linux/debugfs.h>
#include <linux/kthread.h>
#include <linux/seq_file.h>
#include <linux/sysctl.h>

DEFINE_STATIC_KEY_TRUE(sched_sourcesink_active);

static int sysctl_sched_sourcesink_mode = SOURCESINK_MODE_STATE;
static int sysctl_sched_sourcesink_period_ms = 1000;
static int sysctl_sched_sourcesink_starvation_ms = 100;
static int sysctl_sched_sourcesink_state_weight = SOURCESINK_DEFAULT_STATE_WEIGHT;
static int sysctl_sched_sourcesink_load_weight = SOURCESINK_DEFAULT_LOAD_WEIGHT;

/* Serializes sysctl writes, and with them the mode's static key. */
static DEFINE_MUTEX(sourcesink_sysctl_mutex);

static bool sourcesink_movable(struct task_struct *p)
{
	return p->sched_class == &fair_sched_class &&
	       p->nr_cpus_allowed > 1 &&
	       !is_migration_disabled(p) &&
	       !kthread_is_per_cpu(p);
}

static bool sourcesink_listed(struct task_struct *p)
{
	return !list_empty(&p->sourcesink.wait_node);
}

static void sourcesink_start_wait(struct rq *rq, struct task_struct *p)
{
	p->sourcesink.wait_start = rq_clock(rq);
	list_add_tail(&p->sourcesink.wait_node, &rq->sourcesink.waiters);
	rq->sourcesink.nr_movable++;
}

static void sourcesink_end_wait(struct rq *rq, struct task_struct *p)
{
	list_del_init(&p->sourcesink.wait_node);
	rq->sourcesink.nr_movable--;
}

/*
 * List @p if it is @queued on @rq, waiting and movable, unlist it if not.
 * A queued task waits unless it is running or is a sleeper DELAY_DEQUEUE
 * keeps queued.  Callers hold the rq lock with the clock updated.
 */
static void sourcesink_update(struct rq *rq, struct task_struct *p, bool queued)
{
	bool counts = queued && !task_current(rq, p) && !p->se.sched_delayed &&
		      sourcesink_movable(p);

	if (counts && !sourcesink_listed(p))
		sourcesink_start_wait(rq, p);
	else if (!counts && sourcesink_listed(p))
		sourcesink_end_wait(rq, p);
}

/*
 * After every enqueue, ENQUEUE_RESTORE included.  activate_task() sets
 * ->on_rq only after enqueue_task(), so being here is what says queued.
 */
void __sourcesink_enqueue(struct rq *rq, struct task_struct *p)
{
	sourcesink_update(rq, p, true);
}

void __sourcesink_dequeue(struct rq *rq, struct task_struct *p, int flags)
{
	/* The ENQUEUE_RESTORE that follows re-checks the task. */
	if (flags & DEQUEUE_SAVE)
		return;

	if (sourcesink_listed(p))
		sourcesink_end_wait(rq, p);
}

/* From __schedule(), with rq->curr already set to @next. */
void __sourcesink_switch(struct rq *rq, struct task_struct *prev,
			 struct task_struct *next)
{
	if (sourcesink_listed(next))
		sourcesink_end_wait(rq, next);

	if (is_idle_task(prev))
		rq->sourcesink.idle_exit = rq_clock(rq);
	else
		sourcesink_update(rq, prev, task_on_rq_queued(prev));
}

void __sourcesink_tick(struct rq *rq)
{
	struct sourcesink_rq *ss = &rq->sourcesink;
	u64 limit = (u64)READ_ONCE(sysctl_sched_sourcesink_starvation_ms) *
		    NSEC_PER_MSEC;
	u64 now = rq_clock(rq);
	struct task_struct *oldest;
	enum sourcesink_state state;
	u64 oldest_wait = 0, since_idle = 0;

	oldest = list_first_entry_or_null(&ss->waiters, struct task_struct,
					  sourcesink.wait_node);
	if (oldest)
		oldest_wait = now - oldest->sourcesink.wait_start;
	if (!is_idle_task(rq->curr))
		since_idle = now - ss->idle_exit;

	state = sourcesink_classify(oldest_wait, since_idle, limit);
	WRITE_ONCE(ss->state, state);
	WRITE_ONCE(ss->oldest_wait, oldest_wait);
	WRITE_ONCE(ss->since_idle, since_idle);
	ss->ticks[state]++;
}

void sourcesink_init_rq(struct rq *rq)
{
	INIT_LIST_HEAD(&rq->sourcesink.waiters);
}

/* Rebuild @rq's waiter list after the hooks were off; waits start now. */
static void sourcesink_track_rq(struct rq *rq)
{
	struct task_struct *p;
	struct rq_flags rf;

	rq_lock_irqsave(rq, &rf);
	update_rq_clock(rq);
	/* Assume it was idle just now rather than invent a SOURCE. */
	rq->sourcesink.idle_exit = rq_clock(rq);
	list_for_each_entry(p, &rq->cfs_tasks, se.group_node)
		sourcesink_update(rq, p, true);
	rq_unlock_irqrestore(rq, &rf);
}

static void sourcesink_untrack_rq(struct rq *rq)
{
	struct task_struct *p, *tmp;
	struct rq_flags rf;

	rq_lock_irqsave(rq, &rf);
	list_for_each_entry_safe(p, tmp, &rq->sourcesink.waiters,
				 sourcesink.wait_node)
		sourcesink_end_wait(rq, p);
	WRITE_ONCE(rq->sourcesink.state, SOURCESINK_SINK);
	WRITE_ONCE(rq->sourcesink.oldest_wait, 0);
	rq_unlock_irqrestore(rq, &rf);
}

/* Called with sourcesink_sysctl_mutex held. */
static void sourcesink_set_mode(int mode)
{
	int old = sysctl_sched_sourcesink_mode;
	int cpu;

	WRITE_ONCE(sysctl_sched_sourcesink_mode, mode);
	if (!old == !mode)
		return;

	/*
	 * The hooks run under the runqueue lock, and static_branch_*()
	 * returns only once every CPU sees the new branch: after it, taking
	 * each runqueue's lock is enough to know no hook is mid-way there.
	 */
	if (mode) {
		static_branch_enable(&sched_sourcesink_active);
		for_each_possible_cpu(cpu)
			sourcesink_track_rq(cpu_rq(cpu));
	} else {
		static_branch_disable(&sched_sourcesink_active);
		for_each_possible_cpu(cpu)
			sourcesink_untrack_rq(cpu_rq(cpu));
	}
}

/*
 * A write must be one decimal number within [extra1, extra2], written whole
 * in one write() at offset 0, optionally followed by a newline.  Anything
 * else, including the hex, octal, lists and partially consumed writes that
 * proc_dointvec_minmax() accepts, fails with -EINVAL and changes nothing.
 */
static int sourcesink_sysctl_handler(const struct ctl_table *table, int write,
				     void *buffer, size_t *lenp, loff_t *ppos)
{
	int min = *(int *)table->extra1;
	int max = *(int *)table->extra2;
	int val;

	if (!write)
		return proc_dointvec(table, write, buffer, lenp, ppos);

	if (*ppos || kstrtoint(buffer, 10, &val) || val < min || val > max)
		return -EINVAL;

	mutex_lock(&sourcesink_sysctl_mutex);
	if (table->data == &sysctl_sched_sourcesink_mode)
		sourcesink_set_mode(val);
	else
		WRITE_ONCE(*(int *)table->data, val);
	mutex_unlock(&sourcesink_sysctl_mutex);

	*ppos += *lenp;
	return 0;
}

static int sourcesink_ms_max = 60000;

static struct ctl_table sourcesink_sysctls[] = {
	{
		.procname	= "sched_sourcesink_mode",
		.data		= &sysctl_sched_sourcesink_mode,
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= sourcesink_sysctl_handler,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_TWO,
	},
	{
		.procname	= "sched_sourcesink_period_ms",
		.data		= &sysctl_sched_sourcesink_period_ms,
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= sourcesink_sysctl_handler,
		.extra1		= SYSCTL_ONE,
		.extra2		= &sourcesink_ms_max,
	},
	{
		.procname	= "sched_sourcesink_starvation_ms",
		.data		= &sysctl_sched_sourcesink_starvation_ms,
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= sourcesink_sysctl_handler,
		.extra1		= SYSCTL_ONE,
		.extra2		= &sourcesink_ms_max,
	},
	{
		.procname	= "sched_sourcesink_state_weight",
		.data		= &sysctl_sched_sourcesink_state_weight,
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= sourcesink_sysctl_handler,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_ONE_THOUSAND,
	},
	{
		.procname	= "sched_sourcesink_load_weight",
		.data		= &sysctl_sched_sourcesink_load_weight,
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= sourcesink_sysctl_handler,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_ONE_THOUSAND,
	},
};

static int __init sourcesink_sysctl_init(void)
{
	register_sysctl_init("kernel", sourcesink_sysctls);
	return 0;
}
late_initcall(sourcesink_sysctl_init);

/* One CPU as the decision and debugfs see it. */
struct sourcesink_cpu_view {
	enum sourcesink_state	state;
	unsigned long		load;
	u64			score;
	unsigned int		nr_movable;
	u64			oldest_wait;
	u64			since_idle;
};

static unsigned long sourcesink_cpu_load(struct rq *rq)
{
	return READ_ONCE(rq->cfs.avg.runnable_avg) +
	       READ_ONCE(rq->avg_rt.util_avg) +
	       READ_ONCE(rq->avg_dl.util_avg);
}

static void sourcesink_read_cpu(int cpu, struct sourcesink_cpu_view *v)
{
	struct rq *rq = cpu_rq(cpu);
	struct sourcesink_rq *ss = &rq->sourcesink;

	memset(v, 0, sizeof(*v));
	if (idle_cpu(cpu)) {
		v->state = SOURCESINK_SINK;
	} else {
		v->state = READ_ONCE(ss->state);
		v->nr_movable = READ_ONCE(ss->nr_movable);
		v->oldest_wait = READ_ONCE(ss->oldest_wait);
		v->since_idle = READ_ONCE(ss->since_idle);
	}
	v->load = sourcesink_cpu_load(rq);
	v->score = sourcesink_score(v->state, v->load,
				    READ_ONCE(sysctl_sched_sourcesink_state_weight),
				    READ_ONCE(sysctl_sched_sourcesink_load_weight));
}

static const char * const sourcesink_mode_names[] = {
	[SOURCESINK_MODE_OFF]	= "off",
	[SOURCESINK_MODE_STATE]	= "state",
	[SOURCESINK_MODE_SCORE]	= "score",
};

static const char * const sourcesink_state_names[] = {
	[SOURCESINK_SINK]	= "SINK",
	[SOURCESINK_NEITHER]	= "NEITHER",
	[SOURCESINK_SOURCE]	= "SOURCE",
};

static const char * const sourcesink_event_names[] = {
	[SOURCESINK_DECISIONS]			= "decisions",
	[SOURCESINK_MOVED]			= "moved",
	[SOURCESINK_REFUSED_AFFINITY]		= "refused_affinity",
	[SOURCESINK_REFUSED_RUNNING]		= "refused_running",
	[SOURCESINK_REFUSED_MIGRATION_DISABLED]	= "refused_migration_disabled",
	[SOURCESINK_REFUSED_BOUND]		= "refused_bound",
	[SOURCESINK_REFUSED_NO_MOVABLE]		= "refused_no_movable",
};

static int sourcesink_show(struct seq_file *m, void *unused)
{
	int mode = READ_ONCE(sysctl_sched_sourcesink_mode);
	u64 events[SOURCESINK_NR_EVENTS] = {};
	struct sourcesink_cpu_view v;
	int cpu, i;

	seq_printf(m, "mode=%s period_ms=%d starvation_ms=%d state_weight=%d load_weight=%d\n",
		   sourcesink_mode_names[mode],
		   READ_ONCE(sysctl_sched_sourcesink_period_ms),
		   READ_ONCE(sysctl_sched_sourcesink_starvation_ms),
		   READ_ONCE(sysctl_sched_sourcesink_state_weight),
		   READ_ONCE(sysctl_sched_sourcesink_load_weight));

	cpus_read_lock();
	for_each_online_cpu(cpu)
		for (i = 0; i < SOURCESINK_NR_EVENTS; i++)
			events[i] += READ_ONCE(cpu_rq(cpu)->sourcesink.events[i]);
	seq_puts(m, "events:");
	for (i = 0; i < SOURCESINK_NR_EVENTS; i++)
		seq_printf(m, " %s=%llu", sourcesink_event_names[i], events[i]);
	seq_putc(m, '\n');

	for_each_online_cpu(cpu) {
		struct sourcesink_rq *ss = &cpu_rq(cpu)->sourcesink;

		sourcesink_read_cpu(cpu, &v);
		seq_printf(m, "cpu=%d state=%s load=%lu score=%llu movable=%u oldest_wait_ms=%llu since_idle_ms=%llu",
			   cpu, mode ? sourcesink_state_names[v.state] : "OFF",
			   v.load, v.score, v.nr_movable,
			   div_u64(v.oldest_wait, NSEC_PER_MSEC),
			   div_u64(v.since_idle, NSEC_PER_MSEC));
		seq_printf(m, " ticks_sink=%llu ticks_neither=%llu ticks_source=%llu\n",
			   READ_ONCE(ss->ticks[SOURCESINK_SINK]),
			   READ_ONCE(ss->ticks[SOURCESINK_NEITHER]),
			   READ_ONCE(ss->ticks[SOURCESINK_SOURCE]));
	}
	cpus_read_unlock();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sourcesink);

void sourcesink_debugfs_init(struct dentry *parent)
{
	debugfs_create_file("sourcesink", 0444, parent, NULL, &sourcesink_fops);
}
