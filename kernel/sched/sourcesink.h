/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Source/sink load balancing with starvation avoidance: the per-runqueue
 * state, the hooks the core scheduler calls, and the pure rules that
 * classify and score a CPU.  The model is described at the top of
 * kernel/sched/sourcesink.c.
 */
#ifndef _KERNEL_SCHED_SOURCESINK_H
#define _KERNEL_SCHED_SOURCESINK_H

#include <linux/jiffies.h>
#include <linux/jump_label.h>
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/types.h>

/*
 * Ordered from best to worst: the score ranks a CPU by this value, so a
 * SOURCE always sits above a NEITHER and a NEITHER above a SINK.
 */
enum sourcesink_state {
	SOURCESINK_SINK,
	SOURCESINK_NEITHER,
	SOURCESINK_SOURCE,
	SOURCESINK_NR_STATES,
};

enum sourcesink_mode {
	SOURCESINK_MODE_OFF,
	SOURCESINK_MODE_STATE,
	SOURCESINK_MODE_SCORE,
};

/* What the periodic decision did, counted on the CPU it concerns. */
enum sourcesink_event {
	SOURCESINK_DECISIONS,
	SOURCESINK_MOVED,
	SOURCESINK_REFUSED_AFFINITY,
	SOURCESINK_REFUSED_RUNNING,
	SOURCESINK_REFUSED_MIGRATION_DISABLED,
	SOURCESINK_REFUSED_BOUND,
	SOURCESINK_REFUSED_NO_MOVABLE,
	SOURCESINK_REFUSED_PREFERRED_NODE,
	SOURCESINK_REFUSED_THROTTLED,
	SOURCESINK_REFUSED_CORE_COOKIE,
	SOURCESINK_REFUSED_DOMAIN,
	SOURCESINK_NODE_DECISIONS,
	SOURCESINK_NODE_MOVED,
	SOURCESINK_ARRIVED_STARVING,	/* see __sourcesink_enqueue() */
	/* A starving thread past its bound: see sourcesink_check_breach(). */
	SOURCESINK_BREACH_MOVE_BOUND,
	SOURCESINK_BREACH_NO_SINK,
	SOURCESINK_BREACH_RUNNING,
	SOURCESINK_NR_EVENTS,
};

#define SOURCESINK_DEFAULT_STATE_WEIGHT	4
#define SOURCESINK_DEFAULT_LOAD_WEIGHT	1

/* Score mode leaves two CPUs alone when both carry less than 0.2 threads. */
#define SOURCESINK_IDLE_LOAD		(SCHED_CAPACITY_SCALE / 5)

/* Sink nodes whose loads differ by less than 1/8 thread per CPU tie. */
#define SOURCESINK_NODE_TIE		(SCHED_CAPACITY_SCALE / 8)

/*
 * The tick restarts the waits of at most this many throttled waiters at
 * the head of a list; see sourcesink_oldest().
 */
#define SOURCESINK_THROTTLED_MAX	4

/* Dry-run pulls a decision may make to tell a breach: sourcesink_probe() */
#define SOURCESINK_BREACH_PROBES	8

/* The domain of a node's view: see sourcesink_same_domain(). */
#define SOURCESINK_ANY_DOMAIN		(~0UL)

struct sourcesink_rq {
	/*
	 * Movable tasks waiting on this runqueue: starving waits that went
	 * on after a short run or a migration first, then the others in the
	 * order their waits began (a new wait starts "now" and is appended).
	 * If any waiter starves, the first entry does.
	 */
	struct list_head	waiters;
	unsigned int		nr_movable;
	/* rq_clock() when this CPU last switched away from its idle task */
	u64			idle_exit;

	/*
	 * Written by the tick (and an arriving starving thread: see
	 * __sourcesink_enqueue()), read locklessly by the decision and debugfs
	 */
	enum sourcesink_state	state;
	unsigned int		movable;	/* nr_movable at that tick */
	u64			oldest_wait;
	u64			oldest_start;	/* its ->wait_start: which wait */
	u64			since_idle;

	u64			ticks[SOURCESINK_NR_STATES];
	u64			events[SOURCESINK_NR_EVENTS];

	/*
	 * The decision's alone: why the last one left a starving thread
	 * here although a sink existed (a SOURCESINK_BREACH_* event, or 0),
	 * and whether the node level's bound applies to it.
	 */
	u8			unserved;
	bool			unserved_by_node;
	/*
	 * Under the lock: a decision noted where every thread here may go,
	 * and none has come since that may go elsewhere.  Read locklessly
	 * by the decision: see sourcesink_known_allowed().
	 */
	bool			may_go_known;
};

/*
 * A runqueue's state from the two facts the tick has: does its oldest
 * movable waiter starve (waited longer than @limit), and was the CPU idle
 * within @limit (it has room)?  SOURCE starves without room, SINK has room
 * and no starvation, NEITHER is either mixed case.  Both times are in the
 * unit of @limit, and "longer than" is strict: a wait of exactly @limit is
 * not starvation, and a CPU idle exactly @limit ago was idle within it.
 */
static inline enum sourcesink_state
sourcesink_classify(u64 oldest_wait, u64 since_idle, u64 limit)
{
	bool starving = oldest_wait > limit;
	bool room = since_idle <= limit;

	if (starving && !room)
		return SOURCESINK_SOURCE;
	if (!starving && room)
		return SOURCESINK_SINK;
	return SOURCESINK_NEITHER;
}

/*
 * The load enters the score through load / (load + 1) in units of
 * SCHED_CAPACITY_SCALE: monotonic, 512 for one always-runnable thread, and
 * below SCHED_CAPACITY_SCALE however many threads there are.  That bound
 * is what lets the state weight dominate the load weight.
 */
static inline u64 sourcesink_load_bounded(unsigned long load)
{
	return div64_u64((u64)load * SCHED_CAPACITY_SCALE,
			 (u64)load + SCHED_CAPACITY_SCALE);
}

/*
 * score = state_weight * state * SCHED_CAPACITY_SCALE
 *       + load_weight * load_bounded(load)
 *
 * Higher is worse.  Because load_bounded() < SCHED_CAPACITY_SCALE, a CPU
 * in a worse state always scores higher than one in a better state when
 * state_weight >= load_weight > 0, whatever their loads.
 */
static inline u64 sourcesink_score(enum sourcesink_state state,
				   unsigned long load,
				   unsigned int state_weight,
				   unsigned int load_weight)
{
	return (u64)state_weight * state * SCHED_CAPACITY_SCALE +
	       (u64)load_weight * sourcesink_load_bounded(load);
}

/*
 * A NUMA node's state from its CPUs': a SOURCE when some CPU is a SOURCE and
 * none is a SINK (nothing inside the node can take the starving thread), a
 * SINK when some CPU is a SINK and none a SOURCE, NEITHER otherwise.  Its
 * load is the mean of its CPUs', so nodes of different sizes compare.
 */
static inline enum sourcesink_state
sourcesink_node_state(unsigned int nr_sources, unsigned int nr_sinks)
{
	if (nr_sources && !nr_sinks)
		return SOURCESINK_SOURCE;
	if (nr_sinks && !nr_sources)
		return SOURCESINK_SINK;
	return SOURCESINK_NEITHER;
}

/*
 * One CPU, or one NUMA node, as a decision sees it.  A node's view is made
 * from its CPUs' by sourcesink_sum_node(); those are the decision's CPU
 * views @first .. @first + @nr_cpus - 1.
 */
struct sourcesink_view {
	int			id;		/* the CPU or the node */
	enum sourcesink_state	state;
	bool			idle;
	unsigned long		load;
	u64			score;
	unsigned int		nr_movable;
	u64			oldest_wait;
	u64			oldest_start;
	u64			since_idle;
	bool			no_room;	/* RT and DL work leave fair < 0.2 */
	/*
	 * The CPU's root domain; SOURCESINK_ANY_DOMAIN for a node, whose
	 * CPUs' views are checked in its place.
	 */
	unsigned long		domain;
	/* Nodes only */
	int			first;
	int			nr_cpus;
	int			distance;	/* from the node now giving */
	/* Kept by the decision as it moves threads */
	bool			received;	/* took a thread: no more now */
	bool			spent;		/* has nothing more to give */
	bool			tried;		/* refused the current source */
};

static inline bool sourcesink_may_give(const struct sourcesink_view *v,
				       bool score_mode)
{
	if (v->received || v->spent || !v->nr_movable)
		return false;
	return score_mode || v->state == SOURCESINK_SOURCE;
}

/*
 * A sink takes at most one thread per decision, as HP-UX moved one thread
 * a second: a decision then never turns a sink into the busiest CPU, and
 * the next one sees what the move did.  A CPU whose real-time and deadline
 * work leave fair threads less than SOURCESINK_IDLE_LOAD of it is no sink
 * whatever its state: a fair thread moved there would starve again.
 */
static inline bool sourcesink_may_take(const struct sourcesink_view *v,
				       bool score_mode)
{
	if (v->tried || v->received || v->no_room)
		return false;
	return score_mode || v->state == SOURCESINK_SINK;
}

/*
 * The stock balancer never moves a thread between root domains (cpuset
 * partitions), and neither does this one.  CPUs it does not balance at
 * all, those without a sched domain (isolcpus=domain, an isolated cpuset
 * partition), are left out of the decision's snapshot altogether.
 */
static inline bool sourcesink_same_domain(const struct sourcesink_view *a,
					  const struct sourcesink_view *b)
{
	return a->domain == b->domain || a->domain == SOURCESINK_ANY_DOMAIN ||
	       b->domain == SOURCESINK_ANY_DOMAIN;
}

/*
 * Is @a a better sink than @b?  An idle CPU is the best sink of all, as it
 * was for HP-UX; then the lower load (state mode) or score (score mode).
 * Nodes whose loads or scores fall in the same SOURCESINK_NODE_TIE step
 * tie, and the nearer one wins: moving farther costs more and buys
 * nothing.  So the order is (idle, key / SOURCESINK_NODE_TIE, distance,
 * key), a total order; the CPUs of one node all have distance 0 and
 * compare by key alone.
 */
static inline bool sourcesink_better_sink(const struct sourcesink_view *a,
					  const struct sourcesink_view *b,
					  bool score_mode)
{
	u64 key_a = score_mode ? a->score : a->load;
	u64 key_b = score_mode ? b->score : b->load;

	if (a->idle != b->idle)
		return a->idle;
	if (a->distance != b->distance &&
	    key_a / SOURCESINK_NODE_TIE == key_b / SOURCESINK_NODE_TIE)
		return a->distance < b->distance;
	return key_a < key_b;
}

/*
 * Score mode only moves what helps.  The source must score worse than the
 * sink; in the same state it must carry more than one thread's worth of
 * load above the sink, or the move would only swap the two; and when both
 * carry less than SOURCESINK_IDLE_LOAD there is nothing worth moving.
 */
static inline bool sourcesink_worth_moving(const struct sourcesink_view *src,
					   const struct sourcesink_view *dst)
{
	unsigned long dst_load = dst->idle ? 0 : dst->load;

	if (src->load < SOURCESINK_IDLE_LOAD && dst_load < SOURCESINK_IDLE_LOAD)
		return false;
	if (src->score <= dst->score)
		return false;
	return src->state != dst->state ||
	       src->load > dst_load + SCHED_CAPACITY_SCALE;
}

/*
 * The search of sourcesink_pick_source() over its @k-th to (@end - 1)-th
 * entries, @best the best before them (-1: none): so that a long search
 * can be made in parts, with a chance to be preempted between them.
 */
static inline int sourcesink_pick_source_part(const struct sourcesink_view *v,
					      int nr, int start, bool score_mode,
					      int k, int end, int best)
{
	int i;

	for (; k < end; k++) {
		i = (start + k) % nr;
		if (!sourcesink_may_give(&v[i], score_mode))
			continue;
		if (best < 0 || (score_mode ? v[i].score > v[best].score :
					      v[i].load > v[best].load))
			best = i;
	}
	return best;
}

/*
 * The CPU (or node) to give the next thread: the highest-loaded SOURCE in
 * state mode, the worst score with a movable thread in score mode.  Ties
 * go to the first one at or after @start; the decision rotates @start, so
 * none is favoured for ever.  Returns an index into @v, or -1.
 */
static inline int sourcesink_pick_source(const struct sourcesink_view *v,
					 int nr, int start, bool score_mode)
{
	return sourcesink_pick_source_part(v, nr, start, score_mode, 0, nr, -1);
}

/* The search of sourcesink_pick_sink() in parts, as for a source. */
static inline int sourcesink_pick_sink_part(const struct sourcesink_view *v,
					    int nr, int start, bool score_mode,
					    const struct sourcesink_view *src,
					    int k, int end, int best)
{
	int i;

	for (; k < end; k++) {
		i = (start + k) % nr;
		if (&v[i] == src || !sourcesink_may_take(&v[i], score_mode) ||
		    !sourcesink_same_domain(&v[i], src))
			continue;
		if (best < 0 || sourcesink_better_sink(&v[i], &v[best], score_mode))
			best = i;
	}
	return best;
}

/* The sink @best that the search found takes from @src, or none (-1). */
static inline int sourcesink_sink_found(const struct sourcesink_view *v,
					int best, bool score_mode,
					const struct sourcesink_view *src)
{
	if (best >= 0 && score_mode && !sourcesink_worth_moving(src, &v[best]))
		return -1;
	return best;
}

/*
 * The CPU (or node) of @v to take a thread from @src: the lowest-loaded
 * SINK in state mode, the best score in score mode, an idle one before any
 * other (see sourcesink_better_sink()).  @src may be one of @v or not.
 * Returns an index into @v, or -1.
 */
static inline int sourcesink_pick_sink(const struct sourcesink_view *v,
				       int nr, int start, bool score_mode,
				       const struct sourcesink_view *src)
{
	return sourcesink_sink_found(v, sourcesink_pick_sink_part(v, nr, start,
				     score_mode, src, 0, nr, -1), score_mode, src);
}

/*
 * May a waiter that has waited @wait move in decision @seq (decisions count
 * from 1; @last_move is 0 for a thread never moved)?  A thread that the
 * previous decision moved stays where it is, unless it starves there again.
 * This matters to score mode only: state mode never offers a thread that
 * does not starve (the pull stops at the first one).
 */
static inline bool sourcesink_may_move(u64 wait, u64 limit, u64 last_move,
				       u64 seq)
{
	return wait > limit || !(last_move && last_move + 1 == seq);
}

/*
 * Fill @node's view from its CPUs' views @cpu[0 .. @nr - 1]: the state
 * sourcesink_node_state() derives, the mean load and the movable threads
 * of the CPUs that may still give.  A node is never "idle": its mean load
 * says how much room it has.  An idle CPU adds none: PELT decays its
 * averages only when something updates them (the stock nohz balancer's
 * blocked-load updates, which standalone mode skips), so what it shows may
 * be the load of threads long gone.  The flags the decision keeps are
 * left as they are.
 */
static inline void sourcesink_sum_node(struct sourcesink_view *node,
				       const struct sourcesink_view *cpu,
				       int nr, bool score_mode)
{
	unsigned int nr_states[SOURCESINK_NR_STATES] = {};
	unsigned long load = 0;
	int i;

	node->idle = false;
	node->nr_movable = 0;
	for (i = 0; i < nr; i++) {
		nr_states[cpu[i].state]++;
		if (!cpu[i].idle)
			load += cpu[i].load;
		if (sourcesink_may_give(&cpu[i], score_mode))
			node->nr_movable += cpu[i].nr_movable;
	}
	node->state = sourcesink_node_state(nr_states[SOURCESINK_SOURCE],
					    nr_states[SOURCESINK_SINK]);
	node->load = nr ? load / nr : 0;
}

/*
 * The documented bound on a starving thread's wait while a sink it may use
 * exists: the limit, then a period for the decision that moves it (plus the
 * node period when only another node has such a sink), and four ticks: the
 * one that publishes the SOURCE, the one that raises the decision, and two
 * for the second look when the thread was running a slice (of a tick at
 * most) at the decision.
 */
static inline u64 sourcesink_bound(u64 limit, u64 period, u64 node_period,
				   u64 tick)
{
	return limit + period + node_period + 4 * tick;
}

/*
 * May a thread that NUMA balancing prefers on @preferred (NUMA_NO_NODE for
 * none) go from @src_node to @dst_node after waiting @wait?  Off its
 * preferred node only when it starves: the stock placement is kept while
 * it costs no starvation.
 */
static inline bool sourcesink_may_leave_node(int preferred, int src_node,
					     int dst_node, u64 wait, u64 limit)
{
	return preferred != src_node || dst_node == src_node || wait > limit;
}

/*
 * Move a thread of @sv's CPU to @dv's for decision @d, or say why not:
 * see sourcesink_pull().
 */
struct sourcesink_decision;
typedef enum sourcesink_event (*sourcesink_pull_fn)(struct sourcesink_decision *d,
						   struct sourcesink_view *sv,
						   struct sourcesink_view *dv,
						   bool *starving, bool dry_run);

/*
 * The work of a decision, counted as the cost of the stock balancer is
 * counted: runqueue locks taken (each of another CPU, with interrupts
 * off), waiters looked at under them, CPUs read for the snapshot; and the
 * longest stretch, in ns, that it ran without a chance to be preempted.
 */
struct sourcesink_work {
	u64		locks;
	u64		walked;
	u64		scanned;
	u64		stretch_ns;
};

/* What one decision may do, and what it has done so far. */
struct sourcesink_decision {
	int		mode;
	bool		score_mode;
	u64		seq;
	u64		limit;
	u64		period;		/* ns, as the limit */
	u64		node_period;
	bool		numa;		/* nodes are balanced: numa set, >1 node */
	bool		node_step;	/* this decision runs the node level */
	int		probes;		/* dry runs left for the breach count */
	int		max_moves;	/* pulls it may try, moved or refused */
	int		attempts;	/* pulls tried so far */
	/*
	 * Where the waiters of CPU @allowed_src that the last pull from it
	 * refused for affinity may go, if that pull was so refused (-1
	 * otherwise): the pull fills it, under that CPU's lock, so that the
	 * decision tries no sink none of them may use.  NULL: not kept.
	 */
	struct cpumask	*allowed;
	int		allowed_src;
	/* What pulls of earlier decisions learnt holds until waiters come */
	bool		recall;
	struct sourcesink_work work;	/* what it has done so far */
	unsigned int	nr_sources;	/* CPUs, in the snapshot */
	unsigned int	nr_sinks;
	bool		traced;
	/* The move itself: sourcesink_pull(), or a KUnit test's stand-in */
	sourcesink_pull_fn pull;
	bool		retry;		/* this is the second look */
	bool		running;	/* a starving thread was running */
	bool		running_by_node;	/* ... in the node step */
	u64		running_rest;	/* the longest rest of its slice */
	u64		stretch_start;	/* local_clock() at the last resched */
};

struct dentry;
struct rq;

#ifdef CONFIG_SCHED_SOURCESINK

DECLARE_STATIC_KEY_TRUE(sched_sourcesink_active);
extern unsigned long sourcesink_next_decision;
extern int sysctl_sched_sourcesink_standalone;

void __sourcesink_enqueue(struct rq *rq, struct task_struct *p);
void __sourcesink_dequeue(struct rq *rq, struct task_struct *p, int flags);
void __sourcesink_switch(struct rq *rq, struct task_struct *prev,
			 struct task_struct *next);
void __sourcesink_tick(struct rq *rq);
void sourcesink_init_rq(struct rq *rq);
void sourcesink_debugfs_init(struct dentry *parent);
void sourcesink_balance(struct rq *this_rq);
#if IS_ENABLED(CONFIG_SCHED_SOURCESINK_KUNIT_TEST)
bool sourcesink_test_decide(struct sourcesink_decision *d,
			    struct sourcesink_view *cpus, int nr_cpus,
			    struct sourcesink_view *nodes, int nr_nodes,
			    u64 *events, u8 *unserved);
#endif

/* From the tick: is a decision due?  sourcesink_balance() makes it. */
static inline bool sourcesink_due(void)
{
	return static_branch_likely(&sched_sourcesink_active) &&
	       time_after_eq(jiffies, READ_ONCE(sourcesink_next_decision));
}

/* Is this balancer the only periodic one? */
static inline bool sourcesink_standalone(void)
{
	return static_branch_likely(&sched_sourcesink_active) &&
	       READ_ONCE(sysctl_sched_sourcesink_standalone);
}

static inline void sourcesink_init_task(struct task_struct *p)
{
	INIT_LIST_HEAD(&p->sourcesink.wait_node);
	p->sourcesink.wait_start = 0;
	p->sourcesink.queued = 0;
	p->sourcesink.last_move = 0;
}

static inline void sourcesink_enqueue(struct rq *rq, struct task_struct *p)
{
	if (static_branch_likely(&sched_sourcesink_active))
		__sourcesink_enqueue(rq, p);
}

static inline void sourcesink_dequeue(struct rq *rq, struct task_struct *p,
				      int flags)
{
	if (static_branch_likely(&sched_sourcesink_active))
		__sourcesink_dequeue(rq, p, flags);
}

static inline void sourcesink_switch(struct rq *rq, struct task_struct *prev,
				     struct task_struct *next)
{
	if (static_branch_likely(&sched_sourcesink_active))
		__sourcesink_switch(rq, prev, next);
}

static inline void sourcesink_tick(struct rq *rq)
{
	if (static_branch_likely(&sched_sourcesink_active))
		__sourcesink_tick(rq);
}

#else /* !CONFIG_SCHED_SOURCESINK */

static inline void sourcesink_init_task(struct task_struct *p) { }
static inline void sourcesink_init_rq(struct rq *rq) { }
static inline void sourcesink_debugfs_init(struct dentry *parent) { }
static inline void sourcesink_enqueue(struct rq *rq, struct task_struct *p) { }
static inline void sourcesink_dequeue(struct rq *rq, struct task_struct *p,
				      int flags) { }
static inline void sourcesink_switch(struct rq *rq, struct task_struct *prev,
				     struct task_struct *next) { }
static inline void sourcesink_tick(struct rq *rq) { }
static inline void sourcesink_balance(struct rq *this_rq) { }
static inline bool sourcesink_due(void) { return false; }
static inline bool sourcesink_standalone(void) { return false; }

#endif /* CONFIG_SCHED_SOURCESINK */

#endif /* _KERNEL_SCHED_SOURCESINK_H */
