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
 * migration-disabled and not a per-CPU kthread.  Its wait began when it was
 * last woken, last switched out while still runnable, or became movable,
 * whichever is latest, with two exceptions that keep a starving thread
 * starving: once a wait has passed the limit, a run shorter than the limit
 * does not end it (a nice 19 thread behind a nice 0 hog is given a slice
 * every 200 ms or so, and starves all the same; it counts as waiting during
 * that slice too), nor does a migration by the stock balancer, which runs
 * nothing.  A task whose group is throttled by
 * CPU bandwidth control waits for its quota, which no move shortens: its
 * wait restarts whenever the tick finds it so, and counts only once the
 * group runs again.  With L the starvation limit
 * (sched_sourcesink_starvation_ms):
 *
 *	wait(cpu)   = now - start of a starving movable task's wait on cpu,
 *		      or of the oldest if none starves
 *		      (0 when cpu has no movable waiter)
 *	idle(cpu)   = now - last time cpu ran its idle task, or only
 *		      SCHED_IDLE tasks (0 while it does)
 *	starving    = wait(cpu) > L
 *	room        = idle(cpu) <= L
 *
 * Each CPU's runqueue is in exactly one of three states, symmetric in the
 * two facts:
 *
 *	SOURCE  = starving && !room
 *	SINK    = !starving && room
 *	NEITHER = otherwise
 *
 * A SOURCE holds a thread that has waited too long although the CPU has
 * been busy throughout: that wait will not end by itself.  A SINK has had
 * time to spare within the limit and nobody starving: a starving thread
 * moved there runs within a limit or so, where it would wait on where it
 * is, so the move shortens its wait.  NEITHER is the rest: a CPU busy
 * throughout with nobody starving (no room, nothing to give), or transient
 * starvation on a CPU that idled within the limit.  A CPU kept busy by
 * real-time or deadline work is not idle, so it is no SINK.  A CPU running
 * its idle task is a SINK; so is one running only SCHED_IDLE tasks, as
 * sched_idle_cpu() says for wake-ups: a thread moved there preempts them.
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
 * The tick must tell in O(1) whether a movable waiter starves, so each
 * runqueue keeps its movable waiters on a list whose starving waiters come
 * first.  A new wait begins "now" and is appended, which keeps the list in
 * wait order; a starving wait that goes on after a short run or a
 * migration is put first.  A task is unlinked when it is picked, dequeued
 * or stops being movable.  The head is then the oldest waiter or a
 * starving one, and starves if any does.  Affinity, policy and priority changes go
 * through a DEQUEUE_SAVE/ENQUEUE_RESTORE pair under the runqueue lock; as
 * for psi and sched_info, a task keeps its place across such a pair and is
 * only re-checked for movability on the way back in.
 *
 * That bookkeeping is all the enqueue, dequeue and context-switch paths do.
 * sched_tick(), which already holds the runqueue lock, turns the list head
 * and the last idle exit into the CPU's state and publishes it with
 * WRITE_ONCE() for lockless readers; so does the enqueue of a starving
 * thread that migrated to wait behind another, which no tick has seen
 * yet (__sourcesink_enqueue()).  A tickless CPU publishes nothing:
 * readers take a CPU that is idle right now as a SINK, and a busy one whose
 * tick has stopped (nohz_full) as having no waiter, which would restart
 * its tick, and busy since it last left idle.  The load is read
 * at the time it is needed, from PELT averages the scheduler keeps anyway.
 *
 * With sched_sourcesink_mode = 0 a static key turns every hook into a
 * no-op and the lists are emptied; setting it again rebuilds them from each
 * runqueue's cfs_tasks, every wait starting at that moment.
 *
 * The decision
 *
 * Once per sched_sourcesink_period_ms, counted on one global clock, the
 * tick of whichever CPU sees the period expire raises SCHED_SOFTIRQ, and the
 * first CPU to claim the period in sched_balance_softirq() wakes the
 * "sourcesink" kthread, which decides for all (see sourcesink_balance()).
 * It snapshots every active CPU that the stock balancer balances (one with
 * a sched domain: not isolcpus=domain, not an isolated cpuset partition),
 * grouped by NUMA node, and inside each node, up to
 * sched_sourcesink_max_moves attempts in all, each moving one thread at
 * most:
 *
 *	state mode: if a SOURCE and a SINK exist, move the longest-waiting
 *	            starving thread from the highest-loaded SOURCE to the
 *	            lowest-loaded SINK it may run on;
 *	score mode: move the longest-waiting thread from the worst-scoring
 *	            CPU to the best-scoring one, when that helps (see
 *	            sourcesink_worth_moving()).
 *
 * A thread only moves between CPUs of one root domain, as the stock
 * balancer's do, and not to a core running another core-scheduling cookie
 * until it has waited 2 * L (task_hot()).  An idle CPU is the best sink.
 * A sink takes at most one thread in a decision, none while busy with the
 * last it took, and gives none; a CPU kept busy by real-time or
 * deadline work is no sink; and a thread moved by one decision is not
 * moved by the next unless it starves again.  The move is the stock
 * balancer's, one runqueue lock at a time as in detach_task() and
 * attach_one_task(): deactivate_task() and set_task_cpu() under the
 * source's, activate_task() and wakeup_preempt() under the sink's.
 *
 * The work of a decision is bounded by its attempts, not its moves: a
 * refused attempt counts as a move does, and one refused for affinity
 * says where the waiters it walked may go, so that no sink none of them
 * may use is tried (sourcesink_give()).  A decision thus reads each CPU
 * once, takes at most 2 * max_moves + SOURCESINK_BREACH_PROBES runqueue
 * locks, one at a time, and walks SOURCESINK_SCAN_MAX + 1 waiters at most
 * under each source's, however many CPUs refuse.  Nor does the next
 * decision lock that source again to learn the same: such a pull also
 * notes where every thread there may go, and until a thread that may go
 * elsewhere comes to wait on that CPU (a wake-up, an arrival, an affinity
 * change or a new wait, each checked against the note under the lock the
 * enqueue holds), no sink outside that mask is tried
 * (sourcesink_known_allowed()).  So a source that no sink can serve costs
 * one lock when threads of another affinity come, not one every period,
 * however often the stock balancer moves its threads among CPUs like it.
 * Nor is a decision one stretch: the kthread offers to reschedule before
 * and after each attempt, each SOURCESINK_READ_BATCH CPUs read, each
 * SOURCESINK_PASS_BATCH CPUs searched, each pass over a node's CPUs and
 * each node summed or balanced (sourcesink_resched()), so that the
 * longest it runs unpreempted is one attempt, as the stock balancer holds
 * its busiest CPU, or part of one pass over a node's CPUs.
 *
 * Because a SOURCE is published at the first tick after its oldest thread
 * has waited L, and a decision runs every period P, a movable thread that
 * starves while a CPU of its node it may use is a SINK is moved after
 * waiting at most L + P and four ticks, unless the bound of attempts is
 * spent on others or more threads starve than there are sinks, each sink
 * taking one thread a decision.  The last two ticks are for a starving thread
 * that is running its short slice when the decision comes: a running
 * thread cannot be moved, so the decision looks again at the second tick
 * after that slice is spent, when it waits again (with a slice longer than
 * a tick, set by sched_attr.sched_runtime, the rest of it comes first).
 * Those two cases, and a thread still running at that second look, are
 * counted: a decision that leaves a starving thread for such a reason
 * notes it on the thread's CPU, and a later one that finds the CPU still
 * starving past the bound counts a breach with that reason
 * (sourcesink_check_breach()).
 *
 * The node level
 *
 * One level up, a NUMA node is to the machine what a CPU is to its node.
 * From the snapshot of its active CPUs:
 *
 *	SOURCE(node)  = some CPU is a SOURCE && no CPU is a SINK
 *	SINK(node)    = some CPU is a SINK && no CPU is a SOURCE
 *	NEITHER(node) = otherwise
 *	load(node)    = mean of its CPUs' loads
 *
 * A SOURCE node holds a starving thread nothing inside it can take.  With
 * sched_sourcesink_numa set and more than one node, the first decision at
 * least sched_sourcesink_node_period_ms (N; 0 means 4 * P) after the last
 * node step that found a SOURCE node and a SINK node, and did not find the
 * starving thread running, ends with one (until one does, every decision
 * does): after the CPU level, move the
 * longest-waiting starving thread of the highest-loaded SOURCE node to the
 * lowest-loaded SINK node it may use (worst to best score in score mode),
 * the CPUs inside them picked by the CPU level's rules (score mode's CPU
 * level, which also moves by load between busy CPUs, leaves SOURCE nodes
 * to a node step when there is a SINK node).
 * Sink nodes within 1/8 thread of each other tie, and the nearer by
 * node_distance() takes the thread.  Such a thread waits at most L + N + P
 * and four ticks.  A thread the stock NUMA balancing placed on its
 * preferred node leaves it only starving.
 */

#include <kunit/visibility.h>
#include <linux/debugfs.h>
#include <linux/kthread.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sysctl.h>

#define CREATE_TRACE_POINTS
#include <trace/events/sched_sourcesink.h>
#undef CREATE_TRACE_POINTS

DEFINE_STATIC_KEY_TRUE(sched_sourcesink_active);

static int sysctl_sched_sourcesink_mode = SOURCESINK_MODE_STATE;
static int sysctl_sched_sourcesink_period_ms = 1000;
static int sysctl_sched_sourcesink_starvation_ms = 100;
static int sysctl_sched_sourcesink_state_weight = SOURCESINK_DEFAULT_STATE_WEIGHT;
static int sysctl_sched_sourcesink_load_weight = SOURCESINK_DEFAULT_LOAD_WEIGHT;
static int sysctl_sched_sourcesink_max_moves = 32;
int sysctl_sched_sourcesink_standalone;
static int sysctl_sched_sourcesink_numa;	/* set at init: 1 with >1 node */
static int sysctl_sched_sourcesink_node_period_ms;	/* 0: 4 periods */

/* jiffies at which the next decision is due; the CPU that claims it sets it */
unsigned long sourcesink_next_decision;

/* The starvation limit, in the rq_clock()'s nanoseconds. */
static u64 sourcesink_limit(void)
{
	return (u64)READ_ONCE(sysctl_sched_sourcesink_starvation_ms) *
	       NSEC_PER_MSEC;
}

/* A waiter list walk in a decision stops after this many threads. */
#define SOURCESINK_SCAN_MAX	32

/*
 * The snapshot offers to reschedule after this many CPUs read: each read
 * costs a few hundred instructions (idle_cpu(), sched_clock_cpu() of an
 * idle CPU), and 32 at a time made it the decision's longest stretch (4
 * at a time still left an idle decision 2 us at 128 CPUs, -icount).  A
 * breach check is a few loads: those are batched by SOURCESINK_SCAN_MAX.
 */
#define SOURCESINK_READ_BATCH	2

/*
 * A search for a source or a sink offers to reschedule after this many
 * views: some thirty instructions each, so that a search over a node of
 * 64 CPUs was a decision's longest stretch.
 */
#define SOURCESINK_PASS_BATCH	32

/*
 * The one decision in flight.  @lock keeps a slow decision from running
 * into the next (and a KUnit test's from running beside a real one);
 * @work runs it; @cpus and @nodes are its scratch snapshot, one entry per
 * CPU and per node; @node_step is the jiffies of the last node-level step.
 * @last_ns and @longest_ns are how long the last decision and the longest
 * took, preemptions included; a decision's longest stretch without a
 * chance to be preempted is its work's stretch_ns (see
 * sourcesink_resched()).  @claimed_ns is the local_clock() of the CPU
 * that claimed the first period no decision has begun for yet (0: none),
 * and @longest_delay_ns the longest a decision waited for the kthread to
 * begin it after such a claim.  @unserved_since,
 * one per CPU, is the ->wait_start of a starving wait a decision left
 * there: see sourcesink_unserved().  @moved_in, one per CPU, is its
 * rq_clock() at the last move there: see sourcesink_busy_sink().  @retry
 * says the next decision is the second look that sourcesink_give() asked
 * for (a node step that found the thread running is due again anyway: see
 * sourcesink_decide()).  @allowed is the decision's struct
 * sourcesink_decision.allowed.  @may_go holds one mask per CPU, each
 * cpumask_size() long: what a pull refused for affinity learnt of where
 * that CPU's threads may go, written and read under its runqueue lock but
 * by the decision (see sourcesink_known_allowed()).  @nr_decisions,
 * @total_work and @most_work count the decisions since the balancer was
 * last switched on, their work and the most any of them did; @longest_ns
 * too counts from then.
 */
static struct {
	struct mutex			lock;	/* one decision at a time */
	struct kthread_work		work;
	u64				seq;
	u64				last_ns;
	u64				longest_ns;
	atomic64_t			claimed_ns;
	u64				longest_delay_ns;
	unsigned long			node_step;
	struct sourcesink_view		*cpus;
	struct sourcesink_view		*nodes;
	u64				*unserved_since;
	u64				*moved_in;
	cpumask_var_t			allowed;
	struct cpumask			*may_go;
	bool				retry;
	u64				nr_decisions;
	struct sourcesink_work		total_work;
	struct sourcesink_work		most_work;
} sourcesink_decider = {
	.lock = __MUTEX_INITIALIZER(sourcesink_decider.lock),
};

/* Where decisions run: see sourcesink_balance(). */
static struct kthread_worker *sourcesink_worker;
static void sourcesink_decide_work(struct kthread_work *work);

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

/* How long @p has waited on @rq; 0 if its start is ahead of this clock. */
static u64 sourcesink_waited(struct rq *rq, struct task_struct *p)
{
	u64 now = rq_clock(rq), start = p->sourcesink.wait_start;

	return now > start ? now - start : 0;
}

/* Where the threads of @cpu may go, as a pull refused for affinity learnt. */
static struct cpumask *sourcesink_may_go(int cpu)
{
	return (void *)sourcesink_decider.may_go + cpu * cpumask_size();
}

/*
 * @p may wait on @rq from now on, with an affinity no decision has seen
 * here: it was neither waiting nor running when a pull last noted where
 * the threads of @rq may go, or its affinity has changed since.  If it
 * may go where they may not, the note no longer holds.  One test, and a
 * word of mask for each 64 possible CPUs while a note holds, which is
 * only on a CPU whose starving threads no sink could take.
 */
static void sourcesink_new_waiter(struct rq *rq, struct task_struct *p)
{
	if (rq->sourcesink.may_go_known &&
	    !cpumask_subset(p->cpus_ptr, sourcesink_may_go(cpu_of(rq))))
		WRITE_ONCE(rq->sourcesink.may_go_known, false);
}

/*
 * A wait that goes on (->wait_start set: see __sourcesink_switch()) is put
 * first, where it keeps the starving waiters ahead of the others; a new one
 * begins now and is appended, which keeps the rest in wait order.  A wait
 * goes on only for a thread that was waiting or running here, or arrived
 * by an enqueue, which is checked there (__sourcesink_enqueue()); one that
 * begins may be a thread no pull has seen waiting, and is checked here.
 */
static void sourcesink_start_wait(struct rq *rq, struct task_struct *p)
{
	if (p->sourcesink.wait_start) {
		list_add(&p->sourcesink.wait_node, &rq->sourcesink.waiters);
	} else {
		p->sourcesink.wait_start = rq_clock(rq);
		list_add_tail(&p->sourcesink.wait_node, &rq->sourcesink.waiters);
		sourcesink_new_waiter(rq, p);
	}
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
 * keeps queued; a task that does not wait has no wait to go on with.
 * Callers hold the rq lock with the clock updated.
 */
static void sourcesink_update(struct rq *rq, struct task_struct *p, bool queued)
{
	bool counts = queued && !task_current(rq, p) && !p->se.sched_delayed &&
		      sourcesink_movable(p);

	/* With the mode 0 the lists only empty: see sourcesink_set_mode(). */
	if (counts && !sourcesink_listed(p) &&
	    READ_ONCE(sysctl_sched_sourcesink_mode))
		sourcesink_start_wait(rq, p);
	else if (!counts && sourcesink_listed(p))
		sourcesink_end_wait(rq, p);
	if (!counts && !task_current(rq, p))
		p->sourcesink.wait_start = 0;
}

static enum sourcesink_state sourcesink_publish(struct rq *rq);

/*
 * After every enqueue, ENQUEUE_RESTORE included.  activate_task() sets
 * ->on_rq only after enqueue_task(), so being here is what says queued.
 */
void __sourcesink_enqueue(struct rq *rq, struct task_struct *p)
{
	/* Not queued before: woken or new, so nothing goes on. */
	if (!p->on_rq) {
		p->sourcesink.wait_start = 0;
		p->sourcesink.queued = rq_clock(rq);
	}
	sourcesink_update(rq, p, true);
	/*
	 * Woken, arrived, or its affinity changed (ENQUEUE_RESTORE), the
	 * running thread's too.  Other threads do not wait to be moved:
	 * one that becomes movable begins a new wait, checked then.
	 */
	if (sourcesink_listed(p) || task_current(rq, p))
		sourcesink_new_waiter(rq, p);

	/*
	 * A starving thread migrated here to wait behind another: the CPU it
	 * left published it at its last tick, this one will at its next, and
	 * a decision in between would see it nowhere.  The stock balancer
	 * moves such a thread between busy CPUs from the softirq of the very
	 * tick that raises the decision, so that is no rare race: publish
	 * now.  Only a wait past the limit is carried over a migration
	 * (__sourcesink_dequeue()), and only then does an enqueue pay more
	 * than this test.
	 */
	if (task_on_rq_migrating(p) && sourcesink_listed(p) &&
	    rq->nr_running > 1 && sourcesink_waited(rq, p) > sourcesink_limit()) {
		sourcesink_publish(rq);
		rq->sourcesink.events[SOURCESINK_ARRIVED_STARVING]++;
	}
}

void __sourcesink_dequeue(struct rq *rq, struct task_struct *p, int flags)
{
	/* The ENQUEUE_RESTORE that follows re-checks the task. */
	if (flags & DEQUEUE_SAVE)
		return;

	/*
	 * A starving thread the stock balancer migrates goes on starving
	 * where it lands: the migration ran nothing.  Any other dequeue
	 * ends the wait, and so does a move of ours to a CPU with room
	 * (sourcesink_detach()).
	 */
	if (!task_on_rq_migrating(p) ||
	    sourcesink_waited(rq, p) <= sourcesink_limit())
		p->sourcesink.wait_start = 0;
	if (sourcesink_listed(p))
		sourcesink_end_wait(rq, p);
}

/*
 * From __schedule(), with rq->curr already set to @next.  A thread that
 * waited past the limit before this run goes on starving after it, unless
 * the run lasts a limit: a thread given a slice now and then starves all
 * the same, as a nice 19 thread behind a nice 0 one does, and the tick
 * must see it.  One that waited less than the limit this time was served
 * in time, and whatever it carried ends.  Until @next is switched out,
 * ->wait_start says whether such a wait is under way, and ->queued is when
 * its wait since its last run began.
 */
void __sourcesink_switch(struct rq *rq, struct task_struct *prev,
			 struct task_struct *next)
{
	u64 limit = sourcesink_limit(), now = rq_clock(rq);

	if (sourcesink_listed(next))
		sourcesink_end_wait(rq, next);
	if (now <= next->sourcesink.queued + limit)
		next->sourcesink.wait_start = 0;

	if (is_idle_task(prev)) {
		WRITE_ONCE(rq->sourcesink.idle_exit, now);
		return;
	}
	/* prev_sum_exec_runtime is what it had run when it was picked. */
	if (prev->se.sum_exec_runtime - prev->se.prev_sum_exec_runtime >= limit)
		prev->sourcesink.wait_start = 0;
	prev->sourcesink.queued = now;
	sourcesink_update(rq, prev, task_on_rq_queued(prev));
}

/*
 * Would @p wait for its CPU bandwidth quota on @cpu rather than for a CPU?
 * A group throttled by cpu.max keeps its threads queued on their runqueues
 * until the quota refills; no move shortens that wait, and the stock
 * balancer refuses such moves (throttled_lb_pair()).  A throttle count
 * changes under its runqueue's lock, which the callers hold, and so does
 * the group of a queued task (sched_move_task()).
 */
static bool sourcesink_throttled(struct task_struct *p, int cpu)
{
#ifdef CONFIG_CFS_BANDWIDTH
	return task_group(p)->cfs_rq[cpu]->throttle_count;
#else
	return false;
#endif
}

/* The same for the CPU @p is queued on, one load fewer for the tick. */
static bool sourcesink_throttled_here(struct task_struct *p)
{
#ifdef CONFIG_CFS_BANDWIDTH
	return cfs_rq_of(&p->se)->throttle_count;
#else
	return false;
#endif
}

/*
 * The oldest waiter of @rq whose wait counts: not one held by its group's
 * quota.  A throttled head has its wait restarted now and goes to the
 * tail, which keeps the list in wait order; once its group is unthrottled,
 * its wait thus counts from the last tick that found it throttled at the
 * head.  (A waiter throttled and released while another waited ahead of
 * it keeps its first start: throttling moves no task, so nothing else
 * sees it.)  At most SOURCESINK_THROTTLED_MAX of them are looked at in one
 * tick; when that bound is spent, *@unknown says the tick could not tell.
 */
static struct task_struct *sourcesink_oldest(struct rq *rq, u64 now,
					     bool *unknown)
{
	struct list_head *waiters = &rq->sourcesink.waiters;
	struct task_struct *p;
	int skipped;

	*unknown = false;
	for (skipped = 0; ; skipped++) {
		p = list_first_entry_or_null(waiters, struct task_struct,
					     sourcesink.wait_node);
		if (!p || !sourcesink_throttled_here(p))
			return p;
		if (p->sourcesink.wait_start == now)
			return NULL;	/* all throttled, all restarted */
		if (skipped == SOURCESINK_THROTTLED_MAX) {
			*unknown = true;
			return NULL;
		}
		p->sourcesink.wait_start = now;
		list_move_tail(&p->sourcesink.wait_node, waiters);
	}
}

/*
 * The wait @curr goes on with while it runs: one that starved keeps
 * starving through a run shorter than the limit (__sourcesink_switch()),
 * so a tick that comes during that run must not find its CPU served.
 * ->prev_sum_exec_runtime is what it had run when it was picked.  0 when
 * @curr carries no wait.
 */
static u64 sourcesink_running_wait(struct rq *rq, struct task_struct *curr,
				   u64 limit)
{
	if (!curr->sourcesink.wait_start || !sourcesink_movable(curr) ||
	    curr->se.sum_exec_runtime - curr->se.prev_sum_exec_runtime >= limit)
		return 0;
	return sourcesink_waited(rq, curr);
}

/*
 * Turn @rq's waiter list and last idle exit into its state, and publish
 * them for the lockless readers.  Callers hold the rq lock with the clock
 * updated.
 */
static enum sourcesink_state sourcesink_publish(struct rq *rq)
{
	struct task_struct *curr = rcu_dereference_protected(rq->curr,
				lockdep_is_held(__rq_lockp(rq)));
	struct sourcesink_rq *ss = &rq->sourcesink;
	u64 limit = sourcesink_limit();
	u64 now = rq_clock(rq);
	struct task_struct *oldest;
	enum sourcesink_state state;
	u64 oldest_wait = 0, oldest_start = 0, since_idle = 0, running_wait;
	unsigned int nr_movable = ss->nr_movable;
	bool unknown;

	oldest = sourcesink_oldest(rq, now, &unknown);
	if (oldest) {
		oldest_wait = sourcesink_waited(rq, oldest);
		oldest_start = oldest->sourcesink.wait_start;
	}
	/* Counted as it will be once switched out: see sourcesink_pull(). */
	running_wait = sourcesink_running_wait(rq, curr, limit);
	if (running_wait) {
		nr_movable++;
		if (running_wait > oldest_wait) {
			oldest_wait = running_wait;
			oldest_start = curr->sourcesink.wait_start;
		}
	}

	/* Only SCHED_IDLE tasks run: a thread moved here preempts them. */
	if (rq->nr_running && rq->nr_running == rq->cfs.idle_h_nr_running)
		WRITE_ONCE(ss->idle_exit, now);
	else if (!is_idle_task(curr))
		since_idle = now - ss->idle_exit;

	state = sourcesink_classify(oldest_wait, since_idle, limit);
	/* Waits it could not check: neither give nor take this period. */
	if (unknown)
		state = SOURCESINK_NEITHER;
	WRITE_ONCE(ss->state, state);
	WRITE_ONCE(ss->movable, nr_movable);
	WRITE_ONCE(ss->oldest_wait, oldest_wait);
	WRITE_ONCE(ss->oldest_start, oldest_start);
	WRITE_ONCE(ss->since_idle, since_idle);
	return state;
}

void __sourcesink_tick(struct rq *rq)
{
	rq->sourcesink.ticks[sourcesink_publish(rq)]++;
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
	WRITE_ONCE(rq->sourcesink.idle_exit, rq_clock(rq));
	list_for_each_entry(p, &rq->cfs_tasks, se.group_node) {
		/* Listed already if enqueued since the hooks came back. */
		if (!sourcesink_listed(p)) {
			p->sourcesink.wait_start = 0;
			p->sourcesink.queued = rq_clock(rq);
		}
		sourcesink_update(rq, p, true);
	}
	rq_unlock_irqrestore(rq, &rf);
}

static void sourcesink_untrack_rq(struct rq *rq)
{
	struct task_struct *p, *tmp;
	struct rq_flags rf;

	rq_lock_irqsave(rq, &rf);
	list_for_each_entry_safe(p, tmp, &rq->sourcesink.waiters,
				 sourcesink.wait_node) {
		sourcesink_end_wait(rq, p);
		p->sourcesink.wait_start = 0;
	}
	WRITE_ONCE(rq->sourcesink.state, SOURCESINK_SINK);
	WRITE_ONCE(rq->sourcesink.may_go_known, false);
	WRITE_ONCE(rq->sourcesink.movable, 0);
	WRITE_ONCE(rq->sourcesink.oldest_wait, 0);
	WRITE_ONCE(rq->sourcesink.oldest_start, 0);
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
	 * Switching off, the lists are emptied before the hooks stop: a list
	 * the hooks no longer keep would go on holding tasks that have left
	 * the runqueue, or exited, for a decision to move or untrack to free.
	 * With the mode 0 the hooks only unlist, so the lists stay empty.
	 */
	if (mode) {
		/* The cost the debugfs view shows counts from here. */
		mutex_lock(&sourcesink_decider.lock);
		sourcesink_decider.nr_decisions = 0;
		sourcesink_decider.longest_ns = 0;
		sourcesink_decider.longest_delay_ns = 0;
		memset(&sourcesink_decider.total_work, 0,
		       sizeof(sourcesink_decider.total_work));
		memset(&sourcesink_decider.most_work, 0,
		       sizeof(sourcesink_decider.most_work));
		mutex_unlock(&sourcesink_decider.lock);
		WRITE_ONCE(sourcesink_next_decision, jiffies +
			   msecs_to_jiffies(sysctl_sched_sourcesink_period_ms));
		static_branch_enable(&sched_sourcesink_active);
		for_each_possible_cpu(cpu)
			sourcesink_track_rq(cpu_rq(cpu));
	} else {
		for_each_possible_cpu(cpu)
			sourcesink_untrack_rq(cpu_rq(cpu));
		static_branch_disable(&sched_sourcesink_active);
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

	/* kstrtoint() would stop at a NUL and ignore what follows it. */
	if (*ppos || memchr(buffer, '\0', *lenp) ||
	    kstrtoint(buffer, 10, &val) || val < min || val > max)
		return -EINVAL;

	mutex_lock(&sourcesink_sysctl_mutex);
	if (table->data == &sysctl_sched_sourcesink_mode)
		sourcesink_set_mode(val);
	else
		WRITE_ONCE(*(int *)table->data, val);
	/* A shorter period starts now, not after the decision already due. */
	if (table->data == &sysctl_sched_sourcesink_period_ms) {
		unsigned long next = jiffies + msecs_to_jiffies(val);

		if (time_before(next, READ_ONCE(sourcesink_next_decision)))
			WRITE_ONCE(sourcesink_next_decision, next);
	}
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
	{
		.procname	= "sched_sourcesink_max_moves",
		.data		= &sysctl_sched_sourcesink_max_moves,
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= sourcesink_sysctl_handler,
		.extra1		= SYSCTL_ONE,
		.extra2		= SYSCTL_ONE_THOUSAND,
	},
	{
		.procname	= "sched_sourcesink_standalone",
		.data		= &sysctl_sched_sourcesink_standalone,
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= sourcesink_sysctl_handler,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_ONE,
	},
	{
		.procname	= "sched_sourcesink_numa",
		.data		= &sysctl_sched_sourcesink_numa,
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= sourcesink_sysctl_handler,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_ONE,
	},
	{
		.procname	= "sched_sourcesink_node_period_ms",
		.data		= &sysctl_sched_sourcesink_node_period_ms,
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= sourcesink_sysctl_handler,
		.extra1		= SYSCTL_ZERO,
		.extra2		= &sourcesink_ms_max,
	},
};

static int __init sourcesink_init(void)
{
	sourcesink_decider.cpus = kcalloc(nr_cpu_ids,
					  sizeof(*sourcesink_decider.cpus),
					  GFP_KERNEL);
	sourcesink_decider.nodes = kcalloc(nr_node_ids,
					   sizeof(*sourcesink_decider.nodes),
					   GFP_KERNEL);
	sourcesink_decider.unserved_since =
		kcalloc(nr_cpu_ids, sizeof(*sourcesink_decider.unserved_since),
			GFP_KERNEL);
	sourcesink_decider.moved_in =
		kcalloc(nr_cpu_ids, sizeof(*sourcesink_decider.moved_in),
			GFP_KERNEL);
	WARN_ON(!sourcesink_decider.cpus || !sourcesink_decider.nodes ||
		!sourcesink_decider.unserved_since ||
		!sourcesink_decider.moved_in);
	/* Without them, a decision only tries sinks it need not try. */
	WARN_ON(!zalloc_cpumask_var(&sourcesink_decider.allowed, GFP_KERNEL));
	sourcesink_decider.may_go = kvcalloc(nr_cpu_ids, cpumask_size(),
					     GFP_KERNEL);
	WARN_ON(!sourcesink_decider.may_go);
	kthread_init_work(&sourcesink_decider.work, sourcesink_decide_work);
	sourcesink_worker = kthread_create_worker(0, "sourcesink");
	if (WARN_ON(IS_ERR(sourcesink_worker)))
		sourcesink_worker = NULL;
	else
		sched_set_fifo_low(sourcesink_worker->task);
	sysctl_sched_sourcesink_numa = num_online_nodes() > 1;
	sourcesink_decider.node_step = jiffies;
	WRITE_ONCE(sourcesink_next_decision, jiffies +
		   msecs_to_jiffies(sysctl_sched_sourcesink_period_ms));
	register_sysctl_init("kernel", sourcesink_sysctls);
	return 0;
}
late_initcall(sourcesink_init);

static unsigned long sourcesink_cpu_load(struct rq *rq)
{
	return READ_ONCE(rq->cfs.avg.runnable_avg) +
	       READ_ONCE(rq->avg_rt.util_avg) +
	       READ_ONCE(rq->avg_dl.util_avg);
}

static void sourcesink_score_view(struct sourcesink_view *v)
{
	v->score = sourcesink_score(v->state, v->load,
				    READ_ONCE(sysctl_sched_sourcesink_state_weight),
				    READ_ONCE(sysctl_sched_sourcesink_load_weight));
}

/*
 * Has @cpu been idle for a tick, without a break, as of now?  ->idle_stamp
 * is when it went idle, set before it does (sched_balance_newidle()) and
 * cleared by the wake-up that ends the spell (ttwu_do_activate()); 0 on a
 * CPU idle since boot, taken as long ago.  Read without its lock, the stamp
 * is that of the spell idle_cpu() saw only if it reads the same on both
 * sides: a wake-up in between clears it, and a spell begun since renews it.
 * Read once, it could be seen idle just before a wake-up and read as 0
 * just after: a CPU that a real-time thread holds taken for one idle
 * since boot.
 */
static bool sourcesink_idle_a_tick(int cpu)
{
	struct rq *rq = cpu_rq(cpu);
	u64 stamp = READ_ONCE(rq->idle_stamp);
	bool idle;

	/* The stamp is read before idle_cpu() reads the runqueue... */
	smp_rmb();
	idle = idle_cpu(cpu);
	/* ...and again after. */
	smp_rmb();
	if (!idle || READ_ONCE(rq->idle_stamp) != stamp)
		return false;
	return !stamp ||
	       (s64)(sched_clock_cpu(cpu) - stamp) >= (s64)TICK_NSEC;
}

static void sourcesink_read_cpu(int cpu, struct sourcesink_view *v)
{
	struct rq *rq = cpu_rq(cpu);
	struct sourcesink_rq *ss = &rq->sourcesink;

	memset(v, 0, sizeof(*v));
	v->id = cpu;
	v->domain = (unsigned long)READ_ONCE(rq->rd);
	v->idle = idle_cpu(cpu);
	if (v->idle) {
		v->state = SOURCESINK_SINK;
	} else if (tick_nohz_tick_stopped_cpu(cpu) && !READ_ONCE(ss->nr_movable)) {
		/*
		 * A busy CPU whose tick has stopped (nohz_full) with no
		 * movable waiter: what it published last is from before
		 * its tick stopped, and it has been busy since it last left
		 * idle.  With waiters (queued behind a FIFO task, which
		 * lets the tick stop), sched_tick_remote() publishes once a
		 * second.  sched_clock_cpu() is what rq_clock() follows.
		 */
		v->since_idle = sched_clock_cpu(cpu) - READ_ONCE(ss->idle_exit);
		if ((s64)v->since_idle < 0)
			v->since_idle = 0;
		v->state = sourcesink_classify(0, v->since_idle,
					       sourcesink_limit());
	} else {
		v->state = READ_ONCE(ss->state);
		v->nr_movable = READ_ONCE(ss->movable);
		v->oldest_wait = READ_ONCE(ss->oldest_wait);
		v->oldest_start = READ_ONCE(ss->oldest_start);
		v->since_idle = READ_ONCE(ss->since_idle);
	}
	v->load = sourcesink_cpu_load(rq);
	/*
	 * Real-time and deadline work that leaves fair threads too little
	 * of the CPU makes it no sink, idle at this moment or not: a
	 * real-time thread's sleep of a moment is no room.  Their PELT
	 * averages are not brought up to date while the CPU idles, so one
	 * that has idled a tick is taken at its word.
	 */
	v->no_room = READ_ONCE(rq->avg_rt.util_avg) + READ_ONCE(rq->avg_dl.util_avg) >
		     SCHED_CAPACITY_SCALE - SOURCESINK_IDLE_LOAD &&
		     !(v->idle && sourcesink_idle_a_tick(cpu));
	sourcesink_score_view(v);
}

/*
 * Does the stock balancer balance @cpu?  Not when it has no sched domain:
 * isolcpus=domain, or an isolated cpuset partition.  Such a CPU is left out
 * of every decision, as a giver and as a taker.
 */
static bool sourcesink_balanced(int cpu)
{
	return !!rcu_access_pointer(cpu_rq(cpu)->sd);
}

/* The node-level period: sched_sourcesink_node_period_ms, or four periods. */
static unsigned int sourcesink_node_period_ms(void)
{
	unsigned int ms = READ_ONCE(sysctl_sched_sourcesink_node_period_ms);

	return ms ?: 4 * READ_ONCE(sysctl_sched_sourcesink_period_ms);
}

/* The events line of the debugfs view, and the breach event's reasons */
static const char * const sourcesink_event_names[] = {
	[SOURCESINK_DECISIONS]			= "decisions",
	[SOURCESINK_MOVED]			= "moved",
	[SOURCESINK_REFUSED_AFFINITY]		= "refused_affinity",
	[SOURCESINK_REFUSED_RUNNING]		= "refused_running",
	[SOURCESINK_REFUSED_MIGRATION_DISABLED]	= "refused_migration_disabled",
	[SOURCESINK_REFUSED_BOUND]		= "refused_bound",
	[SOURCESINK_REFUSED_NO_MOVABLE]		= "refused_no_movable",
	[SOURCESINK_REFUSED_PREFERRED_NODE]	= "refused_preferred_node",
	[SOURCESINK_REFUSED_THROTTLED]		= "refused_throttled",
	[SOURCESINK_REFUSED_CORE_COOKIE]	= "refused_core_cookie",
	[SOURCESINK_REFUSED_DOMAIN]		= "refused_domain",
	[SOURCESINK_NODE_DECISIONS]		= "node_decisions",
	[SOURCESINK_NODE_MOVED]			= "node_moved",
	[SOURCESINK_ARRIVED_STARVING]		= "arrived_starving",
	[SOURCESINK_BREACH_MOVE_BOUND]		= "breach_move_bound",
	[SOURCESINK_BREACH_NO_SINK]		= "breach_no_sink",
	[SOURCESINK_BREACH_RUNNING]		= "breach_running",
};

/*
 * Where a search of @nr CPUs or nodes starts, so that ties rotate from one
 * decision to the next.  The low 32 bits of the count rotate as well, and
 * spare 32-bit kernels a 64-bit division.
 */
static int sourcesink_start(const struct sourcesink_decision *d, int nr)
{
	return lower_32_bits(d->seq) % nr;
}

/*
 * A decision runs in process context, and offers to reschedule after
 * each pull, each SOURCESINK_READ_BATCH CPUs read, each
 * SOURCESINK_PASS_BATCH CPUs searched, each source it looks at and each
 * node it sums or balances, so that it keeps its CPU from running others
 * no longer than one pull, as long as one sched_balance_rq() of the stock
 * balancer holds its busiest CPU, or part of one pass over a node's CPUs.
 * The stretch since the previous offer (or the decision's start) is
 * noted.
 */
static void sourcesink_resched(struct sourcesink_decision *d)
{
	u64 now = local_clock();

	d->work.stretch_ns = max(d->work.stretch_ns, now - d->stretch_start);
	if (cond_resched())
		now = local_clock();
	d->stretch_start = now;
}

/* sourcesink_pick_source() over @v[0 .. @nr - 1], in parts. */
static int sourcesink_find_source(struct sourcesink_decision *d,
				  const struct sourcesink_view *v, int nr,
				  int start)
{
	int k, best = -1;

	for (k = 0; k < nr; k += SOURCESINK_PASS_BATCH) {
		if (k)
			sourcesink_resched(d);
		best = sourcesink_pick_source_part(v, nr, start, d->score_mode, k,
						   min(nr, k + SOURCESINK_PASS_BATCH),
						   best);
	}
	return best;
}

/* sourcesink_pick_sink() over @v[0 .. @nr - 1] for @src, in parts. */
static int sourcesink_find_sink(struct sourcesink_decision *d,
				const struct sourcesink_view *v, int nr,
				int start, const struct sourcesink_view *src)
{
	int k, best = -1;

	for (k = 0; k < nr; k += SOURCESINK_PASS_BATCH) {
		if (k)
			sourcesink_resched(d);
		best = sourcesink_pick_sink_part(v, nr, start, d->score_mode, src, k,
						 min(nr, k + SOURCESINK_PASS_BATCH),
						 best);
	}
	return sourcesink_sink_found(v, best, d->score_mode, src);
}

/* The NUMA node the stock NUMA balancing keeps @p on, if it is in force. */
static int sourcesink_preferred_node(struct task_struct *p)
{
#ifdef CONFIG_NUMA_BALANCING
	if (static_branch_unlikely(&sched_numa_balancing))
		return READ_ONCE(p->numa_preferred_nid);
#endif
	return NUMA_NO_NODE;
}

/*
 * Take @p off @src for @dst_cpu, as detach_task() does: under @src's lock
 * alone, with its clock updated, @p is left TASK_ON_RQ_MIGRATING, which
 * holds off any change to it (task_rq_lock() waits) until it is attached.
 * Moved to a CPU with room, a thread's wait there, if any, starts anew.
 * Moved starving to one without (@carry: score mode also moves by load
 * between busy CPUs), it ran nothing and goes on starving there, as after
 * a stock migration, first in line.
 */
static void sourcesink_detach(struct rq *src, int dst_cpu,
			      struct task_struct *p, bool carry)
{
	/* A wait not carried ends here: a new one begins on @dst_cpu. */
	if (!carry)
		p->sourcesink.wait_start = 0;
	deactivate_task(src, p, DEQUEUE_NOCLOCK);
	set_task_cpu(p, dst_cpu);
}

/* Put @p, detached by sourcesink_detach(), on @dst, as attach_one_task(). */
static void sourcesink_attach(struct rq *dst, struct task_struct *p,
			      int src_cpu, u64 seq, u64 waited, bool carry)
{
	struct rq_flags rf;

	rq_lock(dst, &rf);
	update_rq_clock(dst);
	activate_task(dst, p, ENQUEUE_NOCLOCK);
	if (sourcesink_listed(p) && carry)
		list_move(&p->sourcesink.wait_node, &dst->sourcesink.waiters);
	wakeup_preempt(dst, p, 0);
	/* When its room was taken: see sourcesink_busy_sink(). */
	sourcesink_decider.moved_in[cpu_of(dst)] = rq_clock(dst);
	p->sourcesink.last_move = seq;
	trace_sched_sourcesink_move(p, src_cpu, cpu_of(dst), waited);
	rq_unlock(dst, &rf);
}

/*
 * Where the threads of @cpu may go, as far as decision @d knows without
 * locking @cpu, or NULL if it does not: from this decision's last pull,
 * if that pull was from @cpu and refused for affinity, or else from the
 * last pull of any decision that was, if no thread that may go elsewhere
 * has come to wait there since (sourcesink_new_waiter()).  A thread's
 * affinity changes only through an enqueue (ENQUEUE_RESTORE), and a
 * thread that waits there now was either waiting or running then, or has
 * come since by an enqueue or has begun a new wait, both of which are
 * checked: so a sink outside this mask would refuse every waiter of @cpu,
 * as a pull would, and is not tried.  Without it, every decision that
 * found such a source starving would lock it to learn the same again.
 */
static const struct cpumask *
sourcesink_known_allowed(const struct sourcesink_decision *d, int cpu)
{
	if (!d->allowed)
		return NULL;
	if (d->allowed_src == cpu)
		return d->allowed;
	if (!d->recall || !READ_ONCE(cpu_rq(cpu)->sourcesink.may_go_known))
		return NULL;
	return sourcesink_may_go(cpu);
}

/*
 * After a pull from @src refused for affinity, which walked the starving
 * waiters up to @p (its list head if it walked them all), @scanned of them:
 * learn for later decisions where every thread of @src may go, from the
 * rest of its waiters and the thread it runs, within the same bound of a
 * walk.  With more waiters than that, nothing is learnt.  The thread it
 * runs counts only if it is fair: switched out, it waits on unchecked
 * (sourcesink_start_wait()).  One of another class waits only after an
 * enqueue, which is checked; and that is often the decider itself, woken
 * on a source it may leave for any CPU, which would make the note say
 * that the threads of @src may go anywhere.
 */
static void sourcesink_learn(struct sourcesink_decision *d, struct rq *src,
			     struct task_struct *p, int scanned)
{
	struct cpumask *may_go = sourcesink_may_go(cpu_of(src));
	struct task_struct *walked = p;

	WRITE_ONCE(src->sourcesink.may_go_known, false);
	cpumask_copy(may_go, d->allowed);
	if (src->curr->sched_class == &fair_sched_class)
		cpumask_or(may_go, may_go, src->curr->cpus_ptr);
	list_for_each_entry_from(p, &src->sourcesink.waiters,
				 sourcesink.wait_node) {
		if (++scanned > SOURCESINK_SCAN_MAX + 1)
			return;
		if (p != walked)
			d->work.walked++;
		cpumask_or(may_go, may_go, p->cpus_ptr);
	}
	WRITE_ONCE(src->sourcesink.may_go_known, true);
}

/*
 * The starving thread of @src may be running a slice, which ends its run
 * at the first tick after the slice is spent: note how long that may be,
 * for the second look (sourcesink_balance()).  It runs a limit at most
 * before its starvation ends anyway.
 */
static void sourcesink_running_rest(struct sourcesink_decision *d,
				    struct rq *src)
{
	struct task_struct *curr = rcu_dereference_protected(src->curr,
				lockdep_is_held(__rq_lockp(src)));
	u64 ran = curr->se.sum_exec_runtime - curr->se.prev_sum_exec_runtime;
	u64 rest;

	if (!sourcesink_running_wait(src, curr, d->limit))
		return;
	rest = min(curr->se.slice > ran ? curr->se.slice - ran : 0, d->limit);
	d->running_rest = max(d->running_rest, rest);
}

/*
 * Move the first waiter of @sv's CPU that may go to @dv's: starving ones
 * come first, and state mode moves only those.  The
 * waiter list is exact under the source's lock, but the views that chose
 * the pair are a tick old: the thread that starved may have run since, and
 * only here is the sink's affinity known.  The running and
 * migration-disabled checks restate the list's invariant under the lock.
 * Returns SOURCESINK_MOVED or why nothing moved, counted on the source;
 * *@starving says whether a starving thread still waits there afterwards.
 * A @dry_run only says whether a thread would move: it moves and counts
 * nothing, and leaves *@starving alone.
 *
 * One runqueue lock is held at a time, as the stock balancer holds them:
 * the source's while the thread is chosen and detached, then the sink's
 * while it is attached.  The sink is read unlocked meanwhile, as the stock
 * balancer reads its own CPU: a sink that goes inactive after the check
 * waits in synchronize_rcu() (sched_cpu_deactivate()) for this pull,
 * whose interrupts are off, and then pushes the thread on; an affinity or
 * cpuset change waits for the thread to be attached (task_rq_lock()).
 * A pull refused for affinity leaves in @d->allowed every CPU that one of
 * the waiters it walked may use, so that the decision tries no sink none
 * of them may use (sourcesink_give()), and notes where every thread of
 * @src may go for later decisions (sourcesink_learn()).
 */
static enum sourcesink_event sourcesink_pull(struct sourcesink_decision *d,
					     struct sourcesink_view *sv,
					     struct sourcesink_view *dv,
					     bool *starving, bool dry_run)
{
	struct rq *src = cpu_rq(sv->id), *dst = cpu_rq(dv->id);
	int src_node = cpu_to_node(sv->id), dst_node = cpu_to_node(dv->id);
	enum sourcesink_event why = SOURCESINK_REFUSED_RUNNING;
	struct task_struct *p, *victim = NULL;
	bool learn = d->allowed && !dry_run;
	bool carry = false;
	unsigned long flags;
	struct rq_flags rf;
	int scanned = 0;
	u64 wait = 0;

	local_irq_save(flags);
	rq_lock(src, &rf);
	d->work.locks++;
	if (learn) {
		cpumask_clear(d->allowed);
		d->allowed_src = -1;
	}
	if (!cpu_active(sv->id) || !cpu_active(dv->id) ||
	    src->rd != READ_ONCE(dst->rd) ||
	    !rcu_access_pointer(src->sd) || !rcu_access_pointer(dst->sd)) {
		/* Offline or repartitioned since the snapshot: no move. */
		why = SOURCESINK_REFUSED_DOMAIN;
		if (!dry_run)
			*starving = true;
		goto unlock;
	}
	update_rq_clock(src);

	list_for_each_entry(p, &src->sourcesink.waiters, sourcesink.wait_node) {
		wait = sourcesink_waited(src, p);
		d->work.walked++;
		/*
		 * State mode moves starving threads only, and this is the
		 * one place that says so.  Starving waiters come first:
		 * nobody after this one starves.
		 */
		if ((!d->score_mode || dry_run) && wait <= d->limit)
			break;
		if (++scanned > SOURCESINK_SCAN_MAX) {
			why = SOURCESINK_REFUSED_NO_MOVABLE;
			break;
		}
		if (learn)
			cpumask_or(d->allowed, d->allowed, p->cpus_ptr);
		if (!cpumask_test_cpu(dv->id, p->cpus_ptr)) {
			why = SOURCESINK_REFUSED_AFFINITY;
			continue;
		}
		if (is_migration_disabled(p)) {
			why = SOURCESINK_REFUSED_MIGRATION_DISABLED;
			continue;
		}
		if (task_on_cpu(src, p)) {
			why = SOURCESINK_REFUSED_RUNNING;
			continue;
		}
		if (sourcesink_throttled(p, sv->id) ||
		    sourcesink_throttled(p, dv->id)) {
			why = SOURCESINK_REFUSED_THROTTLED;
			continue;
		}
		/*
		 * As task_hot() for the stock balancer, a core that runs
		 * another cookie is avoided, until the thread has waited
		 * two limits (the stock balancer tries again after
		 * cache_nice_tries failures).
		 */
		if (!sched_core_cookie_match(dst, p) && wait <= 2 * d->limit) {
			why = SOURCESINK_REFUSED_CORE_COOKIE;
			continue;
		}
		if (!sourcesink_may_leave_node(sourcesink_preferred_node(p),
					       src_node, dst_node, wait, d->limit)) {
			why = SOURCESINK_REFUSED_PREFERRED_NODE;
			continue;
		}
		if (!sourcesink_may_move(wait, d->limit, p->sourcesink.last_move,
					 d->seq)) {
			why = SOURCESINK_REFUSED_NO_MOVABLE;
			continue;
		}
		victim = p;
		break;
	}
	if (dry_run) {
		why = victim ? SOURCESINK_MOVED : why;
		goto unlock;
	}
	if (learn && why == SOURCESINK_REFUSED_AFFINITY && !victim) {
		d->allowed_src = sv->id;
		if (d->recall)
			sourcesink_learn(d, src, p, scanned);
	}
	if (!victim && why == SOURCESINK_REFUSED_RUNNING)
		sourcesink_running_rest(d, src);
	if (victim) {
		why = SOURCESINK_MOVED;
		carry = wait > d->limit && dv->state != SOURCESINK_SINK;
		sourcesink_detach(src, dv->id, victim, carry);
	}

	p = list_first_entry_or_null(&src->sourcesink.waiters,
				     struct task_struct, sourcesink.wait_node);
	*starving = p && sourcesink_waited(src, p) > d->limit;
unlock:
	if (!dry_run)
		src->sourcesink.events[why]++;
	rq_unlock(src, &rf);
	if (victim && !dry_run) {
		sourcesink_attach(dst, victim, sv->id, d->seq, wait, carry);
		d->work.locks++;
	}
	local_irq_restore(flags);
	return why;
}

/*
 * Account one thread moved from @src to @dst in the snapshot: with no
 * starving thread left, @src is as busy as it was but gives no more.
 */
static void sourcesink_moved(struct sourcesink_view *src,
			     struct sourcesink_view *dst, bool starving,
			     u64 limit)
{
	src->load -= min_t(unsigned long, src->load, SCHED_CAPACITY_SCALE);
	src->nr_movable--;
	if (!starving)
		src->state = sourcesink_classify(0, src->since_idle, limit);
	sourcesink_score_view(src);

	dst->load += SCHED_CAPACITY_SCALE;
	dst->idle = false;
	dst->received = true;
	sourcesink_score_view(dst);
}

/*
 * A starving thread was left on @v's CPU although a sink existed, for
 * @why; a later decision counts a breach if that wait then passes the
 * bound (sourcesink_check_breach()).  Its start is noted too, to tell it
 * from a later one.  Only the decision reads and writes these, under its
 * lock.
 */
static void sourcesink_unserved(const struct sourcesink_view *v,
				enum sourcesink_event why, bool by_node)
{
	struct sourcesink_rq *ss = &cpu_rq(v->id)->sourcesink;

	if (v->state != SOURCESINK_SOURCE)
		return;
	ss->unserved = why;
	ss->unserved_by_node = by_node;
	sourcesink_decider.unserved_since[v->id] = v->oldest_start;
}

/*
 * Would a SINK among @v[0 .. @nr - 1] that took a thread in this decision
 * (@taken), or one left untaken, take a starving thread of @src?  A dry
 * run of the pull asks each, while the decision's probes last: the breach
 * count is for operators, and may miss a breach rather than lock more.
 */
static bool sourcesink_probe(struct sourcesink_decision *d,
			     struct sourcesink_view *src,
			     struct sourcesink_view *v, int nr, bool taken)
{
	const struct cpumask *allowed;
	bool starving, moved;
	int i;

	if (src->state != SOURCESINK_SOURCE)
		return false;
	allowed = sourcesink_known_allowed(d, src->id);
	for (i = 0; i < nr && d->probes > 0; i++) {
		if (v[i].state != SOURCESINK_SINK || v[i].received != taken ||
		    v[i].tried || v[i].no_room ||
		    !sourcesink_same_domain(src, &v[i]) ||
		    (allowed && !cpumask_test_cpu(v[i].id, allowed)))
			continue;
		d->probes--;
		moved = d->pull(d, src, &v[i], &starving, true) == SOURCESINK_MOVED;
		sourcesink_resched(d);
		if (moved)
			return true;
	}
	return false;
}

/*
 * At a decision, before it moves anything: a CPU that a decision (a node
 * step, for a node-level reason) left a starving thread on although a sink
 * would have taken it, and whose wait, the same one, has passed the bound
 * since, counts a breach with the reason it was left.  The same wait has
 * the start the note holds: the tick publishes the oldest waiter's
 * ->wait_start beside its wait, so a wait is told from a later one however
 * late either tick came.  A wait that ended meanwhile (the CPU is no
 * SOURCE, or its oldest wait began at another time) drops the note and
 * counts nothing, and one not yet past the bound keeps it, though no sink
 * may be left by then: the thread that took it is why the wait goes on.
 */
static void sourcesink_check_breach(struct sourcesink_decision *d,
				    const struct sourcesink_view *v)
{
	struct sourcesink_rq *ss = &cpu_rq(v->id)->sourcesink;
	enum sourcesink_event why = ss->unserved;
	u64 bound;

	if (!why || (ss->unserved_by_node && !d->node_step))
		return;
	if (v->state != SOURCESINK_SOURCE ||
	    v->oldest_start != sourcesink_decider.unserved_since[v->id]) {
		ss->unserved = 0;
		return;
	}
	bound = sourcesink_bound(d->limit, d->period,
				 ss->unserved_by_node ? d->node_period : 0,
				 TICK_NSEC);
	if (v->oldest_wait <= bound)
		return;
	ss->unserved = 0;
	ss->events[why]++;
	trace_sched_sourcesink_breach(v->id, v->oldest_wait,
				      sourcesink_event_names[why]);
}

/*
 * After a pull from @src was refused for affinity: mark the sinks among
 * @v[0 .. @nr - 1] that none of the waiters it walked may use as tried, so
 * that the decision does not lock @src again for them.
 */
static void sourcesink_skip_disallowed(struct sourcesink_decision *d,
				       const struct sourcesink_view *src,
				       struct sourcesink_view *v, int nr)
{
	const struct cpumask *allowed = sourcesink_known_allowed(d, src->id);
	int i;

	if (!allowed)
		return;
	for (i = 0; i < nr; i++)
		if (!cpumask_test_cpu(v[i].id, allowed))
			v[i].tried = true;
}

/*
 * Offer a thread of @src to the sinks among @v[0 .. @nr - 1], best first,
 * until one takes it.  Only an affinity refusal is worth another sink: any
 * other reason holds for all of them; and a sink that no waiter of @src
 * may use is not tried at all once a pull has said so.  Every pull counts
 * against the decision's bound of attempts, moved or refused, so that the
 * work of a decision does not grow with its refusals.  Returns
 * SOURCESINK_MOVED or the last refusal; no sink at all counts as an
 * affinity refusal, since sinks elsewhere may still take the thread.
 */
static enum sourcesink_event sourcesink_give(struct sourcesink_decision *d,
					     struct sourcesink_view *src,
					     struct sourcesink_view *v, int nr,
					     bool by_node)
{
	enum sourcesink_event why = SOURCESINK_REFUSED_AFFINITY;
	int i, dst, start = sourcesink_start(d, nr);
	bool starving;

	sourcesink_skip_disallowed(d, src, v, nr);
	/* Each pass over the node its own stretch. */
	for (;;) {
		sourcesink_resched(d);
		dst = sourcesink_find_sink(d, v, nr, start, src);
		if (dst < 0)
			break;
		/*
		 * The decision's bound of attempts, and the one place that
		 * holds it (sourcesink_spent() only stops the levels early
		 * once it and the probes are spent).  A thread that a sink
		 * left untried would take is left for the bound.
		 */
		if (d->attempts == d->max_moves) {
			why = SOURCESINK_REFUSED_BOUND;
			cpu_rq(src->id)->sourcesink.events[why]++;
			sourcesink_resched(d);
			if (sourcesink_probe(d, src, v, nr, false))
				sourcesink_unserved(src, SOURCESINK_BREACH_MOVE_BOUND,
						    by_node);
			break;
		}
		d->attempts++;
		sourcesink_resched(d);
		why = d->pull(d, src, &v[dst], &starving, false);
		sourcesink_resched(d);
		if (why != SOURCESINK_REFUSED_AFFINITY)
			break;
		v[dst].tried = true;
		sourcesink_skip_disallowed(d, src, v, nr);
	}
	sourcesink_resched(d);
	for (i = 0; i < nr; i++)
		v[i].tried = false;
	/*
	 * A sink would take the starving thread, but it is running a slice
	 * shorter than the limit (or ran one since the tick), which does not
	 * end its wait: switched out in a moment, it waits again, first in
	 * line.  The decision looks again once that slice is over rather than
	 * a period later (sourcesink_balance()); if the thread is running
	 * then too, it is left to the next period, and counted if that passes
	 * its bound.
	 */
	if (why == SOURCESINK_REFUSED_RUNNING) {
		d->running_by_node |= by_node;
		if (d->retry)
			sourcesink_unserved(src, SOURCESINK_BREACH_RUNNING, by_node);
		else
			d->running = true;
	}
	/*
	 * No sink left that the starving thread may use: if one that took
	 * a thread in this decision would have taken it, more threads
	 * starve than there are sinks, and its wait passes the bound.
	 */
	if (why == SOURCESINK_REFUSED_AFFINITY) {
		sourcesink_resched(d);
		if (sourcesink_probe(d, src, v, nr, true))
			sourcesink_unserved(src, SOURCESINK_BREACH_NO_SINK, by_node);
	}
	if (why == SOURCESINK_MOVED) {
		cpu_rq(src->id)->sourcesink.unserved = 0;
		sourcesink_moved(src, &v[dst], starving, d->limit);
	}
	return why;
}

static u64 sourcesink_metric(struct sourcesink_decision *d,
			     struct sourcesink_view *v)
{
	if (!v)
		return 0;
	return d->score_mode ? v->score : v->load;
}

/* The decision's trace event, with the first pair it chose (or none). */
static void sourcesink_trace_decision(struct sourcesink_decision *d,
				      struct sourcesink_view *src,
				      struct sourcesink_view *dst)
{
	trace_sched_sourcesink_decision(d->mode, d->nr_sources, d->nr_sinks,
					src ? src->id : -1, dst ? dst->id : -1,
					sourcesink_metric(d, src),
					sourcesink_metric(d, dst));
	d->traced = true;
}

/* The node level's trace event, with the first pair of nodes (or none). */
static void sourcesink_trace_nodes(struct sourcesink_decision *d,
				   const unsigned int *nr_states,
				   struct sourcesink_view *src,
				   struct sourcesink_view *dst)
{
	trace_sched_sourcesink_node_decision(d->mode,
					     nr_states[SOURCESINK_SOURCE],
					     nr_states[SOURCESINK_SINK],
					     src ? src->id : -1,
					     dst ? dst->id : -1,
					     sourcesink_metric(d, src),
					     sourcesink_metric(d, dst),
					     dst ? dst->distance : 0);
}

/*
 * Has @d spent its attempts, and its probes too?  Then nothing a source
 * is offered can move or tell a breach, and a level stops offering
 * rather than look at each source left.
 */
static bool sourcesink_spent(struct sourcesink_decision *d, int cpu)
{
	if (d->attempts < d->max_moves || d->probes)
		return false;
	cpu_rq(cpu)->sourcesink.events[SOURCESINK_REFUSED_BOUND]++;
	return true;
}

/*
 * The CPU level, inside one node: from source to sink until no pair is
 * left or the bound of attempts is reached.  The first pair any node
 * chooses goes into the decision's trace event.
 */
static void sourcesink_balance_cpus(struct sourcesink_decision *d,
				    struct sourcesink_view *v, int nr)
{
	int src, dst, start = sourcesink_start(d, nr);

	/* Each pass over the node, for a source or a sink, a stretch. */
	for (;;) {
		sourcesink_resched(d);
		src = sourcesink_find_source(d, v, nr, start);
		if (src < 0 || sourcesink_spent(d, v[src].id))
			break;
		if (!d->traced) {
			sourcesink_resched(d);
			dst = sourcesink_find_sink(d, v, nr, start, &v[src]);
			sourcesink_trace_decision(d, &v[src], dst < 0 ? NULL : &v[dst]);
		}
		sourcesink_resched(d);
		if (sourcesink_give(d, &v[src], v, nr, false) != SOURCESINK_MOVED)
			v[src].spent = true;
	}
}

static void sourcesink_sum(struct sourcesink_decision *d,
			   struct sourcesink_view *node, struct sourcesink_view *cpus)
{
	sourcesink_resched(d);
	sourcesink_sum_node(node, cpus + node->first, node->nr_cpus, d->score_mode);
	sourcesink_score_view(node);
}

/*
 * The node level: from the highest-loaded SOURCE node (worst score) to the
 * lowest-loaded SINK node (best score, the nearer of two that tie), the
 * CPUs inside them chosen as the CPU level chooses them.  A node that
 * received gives nothing in the same decision, and takes as many threads
 * as it has CPUs that may take one.  Returns whether it found such a pair
 * of nodes, moved or not.
 */
static bool sourcesink_balance_nodes(struct sourcesink_decision *d,
				     struct sourcesink_view *nodes, int nr_nodes,
				     struct sourcesink_view *cpus, int nr_cpus)
{
	unsigned int nr_states[SOURCESINK_NR_STATES] = {};
	int i, src, dst, start = sourcesink_start(d, nr_nodes);
	struct sourcesink_view *sn, *sc, *dn = NULL;
	enum sourcesink_event why;
	bool traced = false;
	int c;

	/* A CPU the CPU level found no taker for may find one elsewhere. */
	for (i = 0; i < nr_cpus; i++)
		cpus[i].spent = false;
	for (i = 0; i < nr_nodes; i++) {
		sourcesink_sum(d, &nodes[i], cpus);
		nr_states[nodes[i].state]++;
	}

	while ((src = sourcesink_pick_source(nodes, nr_nodes, start, d->score_mode)) >= 0) {
		sourcesink_resched(d);
		sn = &nodes[src];
		c = sourcesink_find_source(d, cpus + sn->first, sn->nr_cpus,
					   sourcesink_start(d, sn->nr_cpus));
		if (c < 0) {
			sn->spent = true;
			continue;
		}
		sc = &cpus[sn->first + c];
		if (sourcesink_spent(d, sc->id))
			break;
		for (i = 0; i < nr_nodes; i++)
			nodes[i].distance = node_distance(sn->id, nodes[i].id);

		why = SOURCESINK_REFUSED_NO_MOVABLE;
		for (dst = sourcesink_pick_sink(nodes, nr_nodes, start, d->score_mode, sn);
		     dst >= 0;
		     dst = sourcesink_pick_sink(nodes, nr_nodes, start, d->score_mode, sn)) {
			dn = &nodes[dst];
			if (!traced) {
				sourcesink_trace_nodes(d, nr_states, sn, dn);
				traced = true;
			}
			why = sourcesink_give(d, sc, cpus + dn->first, dn->nr_cpus,
					      true);
			if (why != SOURCESINK_REFUSED_AFFINITY)
				break;
			dn->tried = true;
		}
		for (i = 0; i < nr_nodes; i++)
			nodes[i].tried = false;

		if (why == SOURCESINK_MOVED) {
			cpu_rq(sc->id)->sourcesink.events[SOURCESINK_NODE_MOVED]++;
			dn->spent = true;
			sourcesink_sum(d, dn, cpus);
		} else {
			sc->spent = true;
		}
		sourcesink_sum(d, sn, cpus);
	}
	if (!traced)
		sourcesink_trace_nodes(d, nr_states, NULL, NULL);
	return traced;
}

/*
 * The rules of one decision @d over the snapshot @cpus (grouped by node)
 * and @nodes, apart from how it was taken and how a thread moves (@d's
 * pull): the breaches found, the CPU level inside each node, then the node
 * step if @d runs one.  Returns whether that node step is done with: it
 * found a pair of nodes and left no starving thread there running.
 */
static bool sourcesink_decide_views(struct sourcesink_decision *d,
				    struct sourcesink_view *cpus, int nr,
				    struct sourcesink_view *nodes, int nr_nodes)
{
	bool sink_node = false, node_step_done;
	int i;

	for (i = 0; i < nr; i++) {
		if (i && !(i % SOURCESINK_SCAN_MAX))
			sourcesink_resched(d);
		sourcesink_check_breach(d, &cpus[i]);
	}

	/*
	 * A SOURCE node has no CPU with room.  Score mode's CPU level would
	 * still move its starving thread to another busy CPU, by load, which
	 * ends no starvation and, the thread being moved in this decision,
	 * keeps the node step from taking it to a node with room: while
	 * there is a SINK node, such a node is left to the node level, in
	 * the decisions between node steps too, or the thread, moved from
	 * busy CPU to busy CPU, is found running by every node step.
	 */
	for (i = 0; d->score_mode && d->numa && i < nr_nodes; i++) {
		sourcesink_sum(d, &nodes[i], cpus);
		sink_node |= nodes[i].state == SOURCESINK_SINK;
	}
	for (i = 0; i < nr_nodes; i++) {
		if (sink_node && nodes[i].state == SOURCESINK_SOURCE)
			continue;
		sourcesink_resched(d);
		sourcesink_balance_cpus(d, cpus + nodes[i].first, nodes[i].nr_cpus);
	}
	if (!d->traced)
		sourcesink_trace_decision(d, NULL, NULL);

	node_step_done = d->node_step &&
			 sourcesink_balance_nodes(d, nodes, nr_nodes, cpus, nr) &&
			 !d->running_by_node;
	sourcesink_resched(d);
	return node_step_done;
}

/* Add the work of the decision that ends to the debugfs view's. */
static void sourcesink_account_work(const struct sourcesink_work *work)
{
	struct sourcesink_work *most = &sourcesink_decider.most_work;
	struct sourcesink_work *total = &sourcesink_decider.total_work;

	WRITE_ONCE(sourcesink_decider.nr_decisions,
		   sourcesink_decider.nr_decisions + 1);
	WRITE_ONCE(total->locks, total->locks + work->locks);
	WRITE_ONCE(total->walked, total->walked + work->walked);
	WRITE_ONCE(total->scanned, total->scanned + work->scanned);
	WRITE_ONCE(most->locks, max(most->locks, work->locks));
	WRITE_ONCE(most->walked, max(most->walked, work->walked));
	WRITE_ONCE(most->scanned, max(most->scanned, work->scanned));
	WRITE_ONCE(most->stretch_ns, max(most->stretch_ns, work->stretch_ns));
}

/*
 * A busy SINK is one that idled within a limit.  If that idle spell ended
 * with a thread a decision moved there (it left idle within a limit of the
 * move, by that CPU's clock), the thread took the room: the CPU takes no
 * other until it idles again, as if it had taken it in this decision;
 * its state says NEITHER a limit later.  Otherwise a second look, a few
 * ticks after the decision it follows, would give it a second starving
 * thread.
 */
static void sourcesink_busy_sink(struct sourcesink_view *v, u64 limit)
{
	u64 idle_exit = READ_ONCE(cpu_rq(v->id)->sourcesink.idle_exit);
	u64 moved_in = sourcesink_decider.moved_in[v->id];

	if (v->state == SOURCESINK_SINK && !v->idle && moved_in &&
	    (s64)(idle_exit - moved_in) < (s64)limit)
		v->received = true;
}

/*
 * The decision, begun @delay ns after its period was claimed.  Returns in
 * how many jiffies to look again (see sourcesink_give()), or 0: the first
 * tick after the running thread's slice is spent, and one more, so that
 * its CPU has switched it out by then whichever CPU's tick comes first.
 */
static unsigned long sourcesink_decide(u64 delay)
{
	struct sourcesink_view *cpus = sourcesink_decider.cpus;
	struct sourcesink_view *nodes = sourcesink_decider.nodes;
	struct sourcesink_decision d = {
		.mode = READ_ONCE(sysctl_sched_sourcesink_mode),
		.max_moves = READ_ONCE(sysctl_sched_sourcesink_max_moves),
		.limit = sourcesink_limit(),
		.period = (u64)READ_ONCE(sysctl_sched_sourcesink_period_ms) *
			  NSEC_PER_MSEC,
		.node_period = (u64)sourcesink_node_period_ms() * NSEC_PER_MSEC,
		.probes = SOURCESINK_BREACH_PROBES,
		.pull = sourcesink_pull,
		.retry = sourcesink_decider.retry,
		.allowed = cpumask_available(sourcesink_decider.allowed) ?
			   sourcesink_decider.allowed : NULL,
		.allowed_src = -1,
		.recall = !!sourcesink_decider.may_go,
		.stretch_start = local_clock(),
	};
	int nr = 0, nr_nodes = 0, cpu, node;
	unsigned long node_period;
	struct rq *this_rq;

	/* The snapshot keeps each node's CPUs together. */
	for_each_online_node(node) {
		struct sourcesink_view *n = &nodes[nr_nodes];
		int first = nr;

		for_each_cpu_and(cpu, cpumask_of_node(node), cpu_active_mask) {
			if (!sourcesink_balanced(cpu))
				continue;
			if (nr && !(nr % SOURCESINK_READ_BATCH))
				sourcesink_resched(&d);
			sourcesink_read_cpu(cpu, &cpus[nr]);
			sourcesink_busy_sink(&cpus[nr], d.limit);
			d.work.scanned++;
			d.nr_sources += cpus[nr].state == SOURCESINK_SOURCE;
			d.nr_sinks += cpus[nr].state == SOURCESINK_SINK;
			nr++;
		}
		if (nr == first)
			continue;
		memset(n, 0, sizeof(*n));
		n->id = node;
		n->domain = SOURCESINK_ANY_DOMAIN;
		n->first = first;
		n->nr_cpus = nr - first;
		nr_nodes++;
	}
	sourcesink_decider.retry = false;
	if (!nr)
		return 0;

	d.score_mode = d.mode == SOURCESINK_MODE_SCORE;
	d.seq = ++sourcesink_decider.seq;
	/* Counted where it ran, or began: a preemption may move it on. */
	this_rq = cpu_rq(raw_smp_processor_id());
	this_rq->sourcesink.events[SOURCESINK_DECISIONS]++;
	node_period = nsecs_to_jiffies(d.node_period);
	d.numa = nr_nodes > 1 && READ_ONCE(sysctl_sched_sourcesink_numa);
	d.node_step = d.numa &&
		      !time_before(jiffies, sourcesink_decider.node_step + node_period);
	if (d.node_step)
		this_rq->sourcesink.events[SOURCESINK_NODE_DECISIONS]++;
	/*
	 * The node period counts from the last node step that found a
	 * SOURCE node and a SINK node and did not find the starving thread
	 * running: one that did not runs again at the next decision.  A
	 * thread's wait can end and start again (a second slice within the
	 * limit serves it), or it can be running its slice at the node step
	 * and at the second look, and either would otherwise cost it a whole
	 * node period.
	 */
	if (sourcesink_decide_views(&d, cpus, nr, nodes, nr_nodes))
		sourcesink_decider.node_step = jiffies;

	sourcesink_decider.retry = d.running && !d.retry;
	sourcesink_account_work(&d.work);
	trace_sched_sourcesink_decision_work(d.work.locks, d.work.walked,
					     d.work.scanned, d.work.stretch_ns,
					     delay);
	if (!sourcesink_decider.retry)
		return 0;
	return DIV_ROUND_UP_ULL(d.running_rest, TICK_NSEC) + 1;
}

/* The decision, on sourcesink_worker: see sourcesink_balance(). */
static void sourcesink_decide_work(struct kthread_work *work)
{
	u64 claimed = atomic64_xchg(&sourcesink_decider.claimed_ns, 0);
	unsigned long now = jiffies;
	unsigned long retry;
	u64 start, took, delay;

	if (!static_branch_likely(&sched_sourcesink_active) ||
	    !READ_ONCE(sysctl_sched_sourcesink_mode))
		return;
	mutex_lock(&sourcesink_decider.lock);
	start = local_clock();
	/* Two CPUs' clocks: a claim may seem to come a little later. */
	delay = claimed && start > claimed ? start - claimed : 0;
	if (delay > sourcesink_decider.longest_delay_ns)
		WRITE_ONCE(sourcesink_decider.longest_delay_ns, delay);
	retry = sourcesink_decide(delay);
	took = local_clock() - start;
	if (retry && time_before(now + retry, READ_ONCE(sourcesink_next_decision)))
		WRITE_ONCE(sourcesink_next_decision, now + retry);
	WRITE_ONCE(sourcesink_decider.last_ns, took);
	if (took > sourcesink_decider.longest_ns)
		WRITE_ONCE(sourcesink_decider.longest_ns, took);
	mutex_unlock(&sourcesink_decider.lock);
}

/*
 * From SCHED_SOFTIRQ on every CPU whose tick raised it.  The first CPU to
 * move sourcesink_next_decision on claims the period, and hands the
 * decision for all to the "sourcesink" kthread rather than make it here.
 * A softirq would keep this CPU, busy or its tick would not have run it,
 * for the whole decision; the kthread can be preempted by a real-time
 * task between its pulls (sourcesink_resched()).  It runs at the lowest
 * real-time priority, as psi's psimon does, so that no fair hog delays a
 * decision, and real-time hogs do not either: woken where one runs, it
 * goes where none does (select_task_rq_rt()).  As any unbound kthread, it
 * keeps to HK_TYPE_KTHREAD's CPUs: none of nohz_full's.
 */
void sourcesink_balance(struct rq *this_rq)
{
	unsigned long next = READ_ONCE(sourcesink_next_decision);
	unsigned long now = jiffies;
	unsigned long period;

	if (!static_branch_likely(&sched_sourcesink_active) ||
	    !READ_ONCE(sysctl_sched_sourcesink_mode) ||
	    time_before(now, next) || scx_switched_all() || !sourcesink_worker ||
	    !sourcesink_decider.cpus || !sourcesink_decider.nodes ||
	    !sourcesink_decider.unserved_since || !sourcesink_decider.moved_in)
		return;

	period = msecs_to_jiffies(READ_ONCE(sysctl_sched_sourcesink_period_ms));
	if (cmpxchg(&sourcesink_next_decision, next, now + max(period, 1UL)) != next)
		return;
	/* A period claimed before the last one was decided: counts from that. */
	atomic64_cmpxchg(&sourcesink_decider.claimed_ns, 0, local_clock());
	kthread_queue_work(sourcesink_worker, &sourcesink_decider.work);
}

#if IS_ENABLED(CONFIG_SCHED_SOURCESINK_KUNIT_TEST)
/*
 * For the KUnit tests of the decision's rules: decide @d over synthetic
 * views, with no real decision running meanwhile.  The CPU ids of @cpus
 * must be possible CPUs: what the decision notes on their runqueues is
 * handed back, summed into @events and per view into @unserved, and the
 * runqueues are left as they were.
 */
bool sourcesink_test_decide(struct sourcesink_decision *d,
			    struct sourcesink_view *cpus, int nr_cpus,
			    struct sourcesink_view *nodes, int nr_nodes,
			    u64 *events, u8 *unserved)
{
	struct sourcesink_rq *ss, *saved;
	bool node_step_done = false;
	u64 *saved_since;
	int i, e;

	saved = kcalloc(nr_cpus, sizeof(*saved), GFP_KERNEL);
	saved_since = kcalloc(nr_cpus, sizeof(*saved_since), GFP_KERNEL);
	if (!saved || !saved_since || !sourcesink_decider.unserved_since)
		goto out;

	mutex_lock(&sourcesink_decider.lock);
	for (i = 0; i < nr_cpus; i++) {
		ss = &cpu_rq(cpus[i].id)->sourcesink;
		memcpy(saved[i].events, ss->events, sizeof(ss->events));
		saved[i].unserved = ss->unserved;
		saved[i].unserved_by_node = ss->unserved_by_node;
		saved_since[i] = sourcesink_decider.unserved_since[cpus[i].id];
		memset(ss->events, 0, sizeof(ss->events));
		ss->unserved = 0;
	}
	node_step_done = sourcesink_decide_views(d, cpus, nr_cpus, nodes, nr_nodes);
	for (i = 0; i < nr_cpus; i++) {
		ss = &cpu_rq(cpus[i].id)->sourcesink;
		for (e = 0; e < SOURCESINK_NR_EVENTS; e++)
			events[e] += ss->events[e];
		unserved[i] = ss->unserved;
		memcpy(ss->events, saved[i].events, sizeof(ss->events));
		ss->unserved = saved[i].unserved;
		ss->unserved_by_node = saved[i].unserved_by_node;
		sourcesink_decider.unserved_since[cpus[i].id] = saved_since[i];
	}
	mutex_unlock(&sourcesink_decider.lock);
out:
	kfree(saved);
	kfree(saved_since);
	return node_step_done;
}
EXPORT_SYMBOL_IF_KUNIT(sourcesink_test_decide);
#endif

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

/* One line for @node: its state and mean load, as sourcesink_sum_node(). */
static void sourcesink_show_node(struct seq_file *m, int node, int mode)
{
	unsigned int nr_cpus = 0, nr_states[SOURCESINK_NR_STATES] = {};
	const struct cpumask *cpus = cpumask_of_node(node);
	struct sourcesink_view v;
	enum sourcesink_state state;
	unsigned long load = 0;
	int cpu;

	for_each_cpu_and(cpu, cpus, cpu_online_mask) {
		if (!sourcesink_balanced(cpu))
			continue;
		sourcesink_read_cpu(cpu, &v);
		nr_states[v.state]++;
		if (!v.idle)
			load += v.load;
		nr_cpus++;
	}
	state = sourcesink_node_state(nr_states[SOURCESINK_SOURCE],
				      nr_states[SOURCESINK_SINK]);
	seq_printf(m, "node=%d state=%s load=%lu cpus=%*pbl\n", node,
		   mode ? sourcesink_state_names[state] : "OFF",
		   nr_cpus ? load / nr_cpus : 0, cpumask_pr_args(cpus));
}

static int sourcesink_show(struct seq_file *m, void *unused)
{
	int mode = READ_ONCE(sysctl_sched_sourcesink_mode);
	u64 events[SOURCESINK_NR_EVENTS] = {};
	struct sourcesink_view v;
	int cpu, node, i;

	seq_printf(m, "mode=%s period_ms=%d starvation_ms=%d state_weight=%d load_weight=%d max_moves=%d standalone=%d numa=%d node_period_ms=%u\n",
		   sourcesink_mode_names[mode],
		   READ_ONCE(sysctl_sched_sourcesink_period_ms),
		   READ_ONCE(sysctl_sched_sourcesink_starvation_ms),
		   READ_ONCE(sysctl_sched_sourcesink_state_weight),
		   READ_ONCE(sysctl_sched_sourcesink_load_weight),
		   READ_ONCE(sysctl_sched_sourcesink_max_moves),
		   READ_ONCE(sysctl_sched_sourcesink_standalone),
		   READ_ONCE(sysctl_sched_sourcesink_numa),
		   sourcesink_node_period_ms());

	cpus_read_lock();
	for_each_online_cpu(cpu)
		for (i = 0; i < SOURCESINK_NR_EVENTS; i++)
			events[i] += READ_ONCE(cpu_rq(cpu)->sourcesink.events[i]);
	seq_puts(m, "events:");
	for (i = 0; i < SOURCESINK_NR_EVENTS; i++)
		seq_printf(m, " %s=%llu", sourcesink_event_names[i], events[i]);
	seq_putc(m, '\n');
	seq_printf(m, "decision: last_us=%llu longest_us=%llu longest_delay_us=%llu\n",
		   div_u64(READ_ONCE(sourcesink_decider.last_ns), NSEC_PER_USEC),
		   div_u64(READ_ONCE(sourcesink_decider.longest_ns), NSEC_PER_USEC),
		   div_u64(READ_ONCE(sourcesink_decider.longest_delay_ns),
			   NSEC_PER_USEC));
	seq_printf(m, "work: decisions=%llu locks=%llu walked=%llu scanned=%llu most_locks=%llu most_walked=%llu most_scanned=%llu most_stretch_us=%llu\n",
		   READ_ONCE(sourcesink_decider.nr_decisions),
		   READ_ONCE(sourcesink_decider.total_work.locks),
		   READ_ONCE(sourcesink_decider.total_work.walked),
		   READ_ONCE(sourcesink_decider.total_work.scanned),
		   READ_ONCE(sourcesink_decider.most_work.locks),
		   READ_ONCE(sourcesink_decider.most_work.walked),
		   READ_ONCE(sourcesink_decider.most_work.scanned),
		   div_u64(READ_ONCE(sourcesink_decider.most_work.stretch_ns),
			   NSEC_PER_USEC));

	for_each_online_cpu(cpu) {
		struct sourcesink_rq *ss = &cpu_rq(cpu)->sourcesink;

		sourcesink_read_cpu(cpu, &v);
		seq_printf(m, "cpu=%d state=%s load=%lu score=%llu movable=%u oldest_wait_ms=%llu since_idle_ms=%llu",
			   cpu, mode ? sourcesink_state_names[v.state] : "OFF",
			   v.load, v.score, v.nr_movable,
			   div_u64(v.oldest_wait, NSEC_PER_MSEC),
			   div_u64(v.since_idle, NSEC_PER_MSEC));
		seq_printf(m, " ticks_sink=%llu ticks_neither=%llu ticks_source=%llu isolated=%d\n",
			   READ_ONCE(ss->ticks[SOURCESINK_SINK]),
			   READ_ONCE(ss->ticks[SOURCESINK_NEITHER]),
			   READ_ONCE(ss->ticks[SOURCESINK_SOURCE]),
			   !sourcesink_balanced(cpu));
	}
	for_each_online_node(node)
		sourcesink_show_node(m, node, mode);
	cpus_read_unlock();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sourcesink);

void sourcesink_debugfs_init(struct dentry *parent)
{
	debugfs_create_file("sourcesink", 0444, parent, NULL, &sourcesink_fops);
}
