/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Source/sink load balancing with starvation avoidance: the per-runqueue
 * state, the hooks the core scheduler calls, and the pure rules that
 * classify and score a CPU.  The model is described at the top of
 * kernel/sched/sourcesink.c.
 */
#ifndef _KERNEL_SCHED_SOURCESINK_H
#define _KERNEL_SCHED_SOURCESINK_H

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
	SOURCESINK_NR_EVENTS,
};

#define SOURCESINK_DEFAULT_STATE_WEIGHT	4
#define SOURCESINK_DEFAULT_LOAD_WEIGHT	1

struct sourcesink_rq {
	/*
	 * Movable tasks waiting on this runqueue, in the order their waits
	 * began: a wait only ever starts "now", so appending keeps the list
	 * sorted and the oldest waiter is always the first entry.
	 */
	struct list_head	waiters;
	unsigned int		nr_movable;
	/* rq_clock() when this CPU last switched away from its idle task */
	u64			idle_exit;

	/* Written by the tick, read locklessly by the decision and debugfs */
	enum sourcesink_state	state;
	u64			oldest_wait;
	u64			since_idle;

	u64			ticks[SOURCESINK_NR_STATES];
	u64			events[SOURCESINK_NR_EVENTS];
};

/*
 * A runqueue's state from the wait of its oldest movable waiter and the
 * time since it was last idle, both in the unit of @limit.  "Longer than
 * the limit" is strict: a wait of exactly @limit is not starvation, and a
 * CPU idle exactly @limit ago was idle within the limit.
 */
static inline enum sourcesink_state
sourcesink_classify(u64 oldest_wait, u64 since_idle, u64 limit)
{
	if (oldest_wait <= limit)
		return SOURCESINK_SINK;
	if (since_idle <= limit)
		return SOURCESINK_NEITHER;
	return SOURCESINK_SOURCE;
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

struct dentry;
struct rq;

#ifdef CONFIG_SCHED_SOURCESINK

DECLARE_STATIC_KEY_TRUE(sched_sourcesink_active);

void __sourcesink_enqueue(struct rq *rq, struct task_struct *p);
void __sourcesink_dequeue(struct rq *rq, struct task_struct *p, int flags);
void __sourcesink_switch(struct rq *rq, struct task_struct *prev,
			 struct task_struct *next);
void __sourcesink_tick(struct rq *rq);
void sourcesink_init_rq(struct rq *rq);
void sourcesink_debugfs_init(struct dentry *parent);

static inline void sourcesink_init_task(struct task_struct *p)
{
	INIT_LIST_HEAD(&p->sourcesink.wait_node);
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

#endif /* CONFIG_SCHED_SOURCESINK */

#endif /* _KERNEL_SCHED_SOURCESINK_H */
