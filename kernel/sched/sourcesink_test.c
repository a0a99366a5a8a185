// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the pure rules of source/sink load balancing: how a CPU
 * is classified at and around the starvation limit, the bounded load that
 * enters the score, the order the score puts CPUs in, and how a decision
 * picks its pairs and which threads it may move.
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/cpumask.h>
#include <linux/numa.h>
#include <linux/preempt.h>
#include <linux/sched/clock.h>
#include <linux/time64.h>

#include "sourcesink.h"

static const u64 limits[] = {
	1 * NSEC_PER_MSEC,		/* the smallest the sysctl allows */
	100 * NSEC_PER_MSEC,		/* the default */
	60000ULL * NSEC_PER_MSEC,	/* the largest the sysctl allows */
};

static const unsigned long loads[] = {
	0, 1, 205, 512, 1023, 1024, 1025, 2048, 64 * 1024, UINT_MAX,
};

/* No starving thread and idle within the limit: room, nothing to give. */
static void sourcesink_test_room_without_starvation_is_sink(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(limits); i++) {
		u64 l = limits[i];

		KUNIT_EXPECT_EQ(test, sourcesink_classify(0, 0, l), SOURCESINK_SINK);
		KUNIT_EXPECT_EQ(test, sourcesink_classify(0, l, l), SOURCESINK_SINK);
		KUNIT_EXPECT_EQ(test, sourcesink_classify(l, l, l), SOURCESINK_SINK);
		KUNIT_EXPECT_EQ(test, sourcesink_classify(l - 1, 0, l),
				SOURCESINK_SINK);
	}
}

/* Busy throughout with nobody starving: no room, nothing to give. */
static void sourcesink_test_busy_without_starvation_is_neither(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(limits); i++) {
		u64 l = limits[i];

		KUNIT_EXPECT_EQ(test, sourcesink_classify(0, l + 1, l),
				SOURCESINK_NEITHER);
		KUNIT_EXPECT_EQ(test, sourcesink_classify(0, U64_MAX, l),
				SOURCESINK_NEITHER);
		/* A wait of exactly the limit is not starvation. */
		KUNIT_EXPECT_EQ(test, sourcesink_classify(l, 10 * l, l),
				SOURCESINK_NEITHER);
	}
}

static void sourcesink_test_starving_busy_cpu_is_source(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(limits); i++) {
		u64 l = limits[i];

		KUNIT_EXPECT_EQ(test, sourcesink_classify(l + 1, l + 1, l),
				SOURCESINK_SOURCE);
		KUNIT_EXPECT_EQ(test, sourcesink_classify(U64_MAX, U64_MAX, l),
				SOURCESINK_SOURCE);
	}
}

/* Starvation on a CPU that idled within the limit: transient. */
static void sourcesink_test_recently_idle_is_neither(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(limits); i++) {
		u64 l = limits[i];

		KUNIT_EXPECT_EQ(test, sourcesink_classify(l + 1, 0, l),
				SOURCESINK_NEITHER);
		KUNIT_EXPECT_EQ(test, sourcesink_classify(l + 1, l - 1, l),
				SOURCESINK_NEITHER);
		KUNIT_EXPECT_EQ(test, sourcesink_classify(l + 1, l, l),
				SOURCESINK_NEITHER);
		KUNIT_EXPECT_EQ(test, sourcesink_classify(10 * l, l, l),
				SOURCESINK_NEITHER);
	}
}

static void sourcesink_test_load_bounded(struct kunit *test)
{
	u64 prev = 0;
	int i;

	KUNIT_EXPECT_EQ(test, sourcesink_load_bounded(0), 0);
	KUNIT_EXPECT_EQ(test, sourcesink_load_bounded(SCHED_CAPACITY_SCALE),
			SCHED_CAPACITY_SCALE / 2);
	for (i = 1; i < ARRAY_SIZE(loads); i++) {
		u64 b = sourcesink_load_bounded(loads[i]);

		KUNIT_EXPECT_GE_MSG(test, b, prev, "load %lu", loads[i]);
		KUNIT_EXPECT_LT_MSG(test, b, SCHED_CAPACITY_SCALE, "load %lu",
				    loads[i]);
		prev = b;
	}
	/* Distinct thread counts stay distinct well past one CPU's worth. */
	KUNIT_EXPECT_LT(test, sourcesink_load_bounded(2048),
			sourcesink_load_bounded(3072));
}

/* For every state_weight >= load_weight > 0, a worse state scores higher. */
static void sourcesink_test_state_outweighs_load(struct kunit *test)
{
	static const unsigned int weights[][2] = {
		{ SOURCESINK_DEFAULT_STATE_WEIGHT, SOURCESINK_DEFAULT_LOAD_WEIGHT },
		{ 1, 1 }, { 2, 1 }, { 1000, 1 }, { 1000, 1000 }, { 7, 3 },
	};
	int w, lo, hi;

	for (w = 0; w < ARRAY_SIZE(weights); w++) {
		unsigned int sw = weights[w][0], lw = weights[w][1];

		for (lo = 0; lo < ARRAY_SIZE(loads); lo++) {
			for (hi = 0; hi < ARRAY_SIZE(loads); hi++) {
				u64 sink = sourcesink_score(SOURCESINK_SINK,
							    loads[hi], sw, lw);
				u64 neither = sourcesink_score(SOURCESINK_NEITHER,
							       loads[lo], sw, lw);
				u64 neither_hi = sourcesink_score(SOURCESINK_NEITHER,
								  loads[hi], sw, lw);
				u64 source = sourcesink_score(SOURCESINK_SOURCE,
							      loads[lo], sw, lw);

				KUNIT_EXPECT_GT_MSG(test, neither, sink,
						    "weights %u/%u loads %lu/%lu",
						    sw, lw, loads[lo], loads[hi]);
				KUNIT_EXPECT_GT_MSG(test, source, neither_hi,
						    "weights %u/%u loads %lu/%lu",
						    sw, lw, loads[lo], loads[hi]);
			}
		}
	}
}

static void sourcesink_test_load_orders_within_state(struct kunit *test)
{
	/* Loads the bounded scale still tells apart: 0, 0.2, 0.5, 1, 2, 4, 64. */
	static const unsigned long ordered[] = {
		0, 205, 512, 1024, 2048, 4096, 64 * 1024,
	};
	enum sourcesink_state s;
	int i;

	for (s = SOURCESINK_SINK; s < SOURCESINK_NR_STATES; s++) {
		for (i = 1; i < ARRAY_SIZE(ordered); i++) {
			KUNIT_EXPECT_LT_MSG(test,
					    sourcesink_score(s, ordered[i - 1], 4, 1),
					    sourcesink_score(s, ordered[i], 4, 1),
					    "state %d loads %lu < %lu", s,
					    ordered[i - 1], ordered[i]);
		}
	}
}

/* With the load weighted more, a loaded SINK can rank below a light SOURCE. */
static void sourcesink_test_load_can_outweigh_state(struct kunit *test)
{
	u64 busy_sink = sourcesink_score(SOURCESINK_SINK, 8 * 1024, 1, 4);
	u64 light_source = sourcesink_score(SOURCESINK_SOURCE, 0, 1, 4);

	KUNIT_EXPECT_GT(test, busy_sink, light_source);
	/* And with no state weight the state does not count at all. */
	KUNIT_EXPECT_EQ(test, sourcesink_score(SOURCESINK_SOURCE, 2048, 0, 1),
			sourcesink_score(SOURCESINK_SINK, 2048, 0, 1));
	/* With no weights at all, every CPU ties. */
	KUNIT_EXPECT_EQ(test, sourcesink_score(SOURCESINK_SOURCE, UINT_MAX, 0, 0),
			0);
}

#define SINK(l)		{ .state = SOURCESINK_SINK, .load = (l) }
#define SOURCE(l)	{ .state = SOURCESINK_SOURCE, .load = (l), .nr_movable = 1 }

static void sourcesink_test_state_mode_pair(struct kunit *test)
{
	struct sourcesink_view v[] = {
		SINK(3000), SOURCE(2048), SOURCE(3072), SINK(1024), SINK(512),
	};
	int src;

	src = sourcesink_pick_source(v, ARRAY_SIZE(v), 0, false);
	KUNIT_EXPECT_EQ(test, src, 2);
	KUNIT_EXPECT_EQ(test, sourcesink_pick_sink(v, ARRAY_SIZE(v), 0, false, &v[src]), 4);

	/* An idle CPU is the best sink whatever its stale load. */
	v[0].idle = true;
	KUNIT_EXPECT_EQ(test, sourcesink_pick_sink(v, ARRAY_SIZE(v), 0, false, &v[src]), 0);

	/* A sink that refused this source is not offered again. */
	v[0].tried = true;
	KUNIT_EXPECT_EQ(test, sourcesink_pick_sink(v, ARRAY_SIZE(v), 0, false, &v[src]), 4);

	/* A sink takes one thread a decision. */
	v[4].received = true;
	KUNIT_EXPECT_EQ(test, sourcesink_pick_sink(v, ARRAY_SIZE(v), 0, false, &v[src]), 3);

	/* Real-time work that leaves fair threads no room makes no sink. */
	v[3].no_room = true;
	KUNIT_EXPECT_EQ(test, sourcesink_pick_sink(v, ARRAY_SIZE(v), 0, false, &v[src]), -1);
	v[0].tried = false;
	v[0].no_room = true;
	KUNIT_EXPECT_EQ(test, sourcesink_pick_sink(v, ARRAY_SIZE(v), 0, false, &v[src]), -1);

	/* A CPU that received, or has given all it can, gives no more. */
	v[2].received = true;
	KUNIT_EXPECT_EQ(test, sourcesink_pick_source(v, ARRAY_SIZE(v), 0, false), 1);
	v[1].spent = true;
	KUNIT_EXPECT_EQ(test, sourcesink_pick_source(v, ARRAY_SIZE(v), 0, false), -1);
}

static void sourcesink_test_state_mode_needs_both(struct kunit *test)
{
	struct sourcesink_view no_source[] = { SINK(4096), SINK(0) };
	struct sourcesink_view no_sink[] = {
		SOURCE(4096), SOURCE(1024),
		{ .state = SOURCESINK_NEITHER, .load = 0 },
	};

	KUNIT_EXPECT_EQ(test, sourcesink_pick_source(no_source, 2, 0, false), -1);
	KUNIT_EXPECT_EQ(test, sourcesink_pick_source(no_sink, 3, 0, false), 0);
	/* The other SOURCE and the NEITHER are no sinks. */
	KUNIT_EXPECT_EQ(test, sourcesink_pick_sink(no_sink, 3, 0, false, &no_sink[0]), -1);
}

/*
 * Threads move only inside a root domain, as the stock balancer's do: an
 * idle sink of another cpuset partition takes nothing, a busier one of the
 * source's own does.  A node stands for CPUs of any domain.
 */
static void sourcesink_test_sink_in_same_domain(struct kunit *test)
{
	struct sourcesink_view v[] = {
		SOURCE(3072), SINK(2048), SINK(1024), SINK(0),
	};
	struct sourcesink_view node = { .domain = SOURCESINK_ANY_DOMAIN };

	v[0].domain = 1;
	v[1].domain = 1;
	v[2].domain = 2;
	v[3].domain = 2;
	v[3].idle = true;
	KUNIT_EXPECT_EQ(test, sourcesink_pick_sink(v, 4, 0, false, &v[0]), 1);
	v[1].domain = 2;
	KUNIT_EXPECT_EQ(test, sourcesink_pick_sink(v, 4, 0, false, &v[0]), -1);
	KUNIT_EXPECT_EQ(test, sourcesink_pick_sink(v, 4, 0, false, &node), 3);
	KUNIT_EXPECT_TRUE(test, sourcesink_same_domain(&node, &v[0]));
	KUNIT_EXPECT_TRUE(test, sourcesink_same_domain(&v[2], &node));
	KUNIT_EXPECT_FALSE(test, sourcesink_same_domain(&v[0], &v[2]));
}

/* Equal candidates: the first at or after @start wins, so it rotates. */
static void sourcesink_test_ties_rotate(struct kunit *test)
{
	struct sourcesink_view v[] = {
		SOURCE(2048), SOURCE(2048), SINK(0), SINK(0),
	};
	int start;

	for (start = 0; start < 4; start++) {
		int src = sourcesink_pick_source(v, 4, start, false);
		int dst = sourcesink_pick_sink(v, 4, start, false, &v[src]);

		KUNIT_EXPECT_EQ(test, src, start < 2 ? start : 0);
		KUNIT_EXPECT_EQ(test, dst, start >= 2 ? start : 2);
	}
}

static void sourcesink_score_all(struct sourcesink_view *v, int nr,
				 unsigned int sw, unsigned int lw)
{
	int i;

	for (i = 0; i < nr; i++)
		v[i].score = sourcesink_score(v[i].state, v[i].load, sw, lw);
}

/*
 * A search made in parts (the decision offers to reschedule between them)
 * finds what one search finds, wherever it is cut and wherever it starts:
 * 40 CPUs of loads that repeat every 7, so that ties fall across the cuts.
 */
static void sourcesink_test_search_in_parts(struct kunit *test)
{
	static const int cuts[] = { 1, 7, 32, 39 };
	struct sourcesink_view *v;
	int i, c, start, mode, whole, part;

	v = kunit_kcalloc(test, 40, sizeof(*v), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < 40; i++) {
		v[i].state = i % 3 ? SOURCESINK_SOURCE : SOURCESINK_SINK;
		v[i].load = 1024 * (i % 7);
		v[i].nr_movable = 1;
		v[i].idle = i == 30;
	}
	sourcesink_score_all(v, 40, 4, 1);
	for (mode = 0; mode < 2; mode++)
		for (start = 0; start < 40; start++)
			for (c = 0; c < ARRAY_SIZE(cuts); c++) {
				whole = sourcesink_pick_source(v, 40, start, mode);
				part = sourcesink_pick_source_part(v, 40, start, mode,
								   0, cuts[c], -1);
				part = sourcesink_pick_source_part(v, 40, start, mode,
								   cuts[c], 40, part);
				KUNIT_EXPECT_EQ(test, part, whole);

				whole = sourcesink_pick_sink(v, 40, start, mode, &v[1]);
				part = sourcesink_pick_sink_part(v, 40, start, mode, &v[1],
								 0, cuts[c], -1);
				part = sourcesink_pick_sink_part(v, 40, start, mode, &v[1],
								 cuts[c], 40, part);
				part = sourcesink_sink_found(v, part, mode, &v[1]);
				KUNIT_EXPECT_EQ(test, part, whole);
			}
	KUNIT_EXPECT_EQ(test, sourcesink_pick_sink(v, 40, 0, false, &v[1]), 30);
}

static void sourcesink_test_score_mode_pair(struct kunit *test)
{
	struct sourcesink_view v[] = {
		SOURCE(2048),
		{ .state = SOURCESINK_SINK, .load = 3072, .nr_movable = 2 },
		SINK(0),
	};

	/* State weighted more: the SOURCE is worst. */
	sourcesink_score_all(v, 3, 4, 1);
	KUNIT_EXPECT_EQ(test, sourcesink_pick_source(v, 3, 0, true), 0);
	KUNIT_EXPECT_EQ(test, sourcesink_pick_sink(v, 3, 0, true, &v[0]), 2);
	/* Load alone: the busiest is worst. */
	sourcesink_score_all(v, 3, 0, 1);
	KUNIT_EXPECT_EQ(test, sourcesink_pick_source(v, 3, 0, true), 1);
	KUNIT_EXPECT_EQ(test, sourcesink_pick_sink(v, 3, 0, true, &v[1]), 2);
}

static void sourcesink_test_score_mode_leaves_idle_alone(struct kunit *test)
{
	struct sourcesink_view v[] = {
		{ .state = SOURCESINK_SINK, .load = SOURCESINK_IDLE_LOAD - 1,
		  .nr_movable = 1 },
		SINK(0),
	};

	sourcesink_score_all(v, 2, 4, 1);
	KUNIT_EXPECT_EQ(test, sourcesink_pick_sink(v, 2, 0, true, &v[0]), -1);
	/* Whatever their states: the state alone is no reason here. */
	v[0].state = SOURCESINK_NEITHER;
	sourcesink_score_all(v, 2, 4, 1);
	KUNIT_EXPECT_EQ(test, sourcesink_pick_sink(v, 2, 0, true, &v[0]), -1);
	v[0].load = SOURCESINK_IDLE_LOAD + 2 * SCHED_CAPACITY_SCALE;
	sourcesink_score_all(v, 2, 4, 1);
	KUNIT_EXPECT_EQ(test, sourcesink_pick_sink(v, 2, 0, true, &v[0]), 1);
}

/* In one state, a move that would only swap the two CPUs is not made. */
static void sourcesink_test_score_mode_no_swap(struct kunit *test)
{
	struct sourcesink_view v[] = {
		{ .state = SOURCESINK_SINK, .load = 2048, .nr_movable = 1 },
		SINK(1024),
	};

	sourcesink_score_all(v, 2, 4, 1);
	KUNIT_EXPECT_EQ(test, sourcesink_pick_sink(v, 2, 0, true, &v[0]), -1);
	v[0].load = 2048 + 1;
	sourcesink_score_all(v, 2, 4, 1);
	KUNIT_EXPECT_EQ(test, sourcesink_pick_sink(v, 2, 0, true, &v[0]), 1);
}

static void sourcesink_test_hysteresis(struct kunit *test)
{
	const u64 l = 100 * NSEC_PER_MSEC;

	/* Never moved: a thread that is not starving may move. */
	KUNIT_EXPECT_TRUE(test, sourcesink_may_move(1, l, 0, 1));
	/* Moved by the previous decision: stays unless starving again. */
	KUNIT_EXPECT_FALSE(test, sourcesink_may_move(l, l, 7, 8));
	KUNIT_EXPECT_TRUE(test, sourcesink_may_move(l + 1, l, 7, 8));
	/* Moved longer ago: free to move again. */
	KUNIT_EXPECT_TRUE(test, sourcesink_may_move(1, l, 6, 8));
}

/* A node gives only when nothing inside it can take, and takes likewise. */
static void sourcesink_test_node_state(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sourcesink_node_state(0, 0), SOURCESINK_NEITHER);
	KUNIT_EXPECT_EQ(test, sourcesink_node_state(1, 0), SOURCESINK_SOURCE);
	KUNIT_EXPECT_EQ(test, sourcesink_node_state(8, 0), SOURCESINK_SOURCE);
	KUNIT_EXPECT_EQ(test, sourcesink_node_state(0, 1), SOURCESINK_SINK);
	KUNIT_EXPECT_EQ(test, sourcesink_node_state(0, 8), SOURCESINK_SINK);
	KUNIT_EXPECT_EQ(test, sourcesink_node_state(1, 1), SOURCESINK_NEITHER);
	KUNIT_EXPECT_EQ(test, sourcesink_node_state(3, 5), SOURCESINK_NEITHER);
}

/*
 * A node's view from its CPUs': the derived state, the mean load (so a
 * node of four CPUs compares with one of two) of its busy CPUs, never
 * idle, and only the movable threads of CPUs that may still give.
 */
static void sourcesink_test_node_sum(struct kunit *test)
{
	struct sourcesink_view two[] = { SOURCE(1024), SOURCE(1024) };
	struct sourcesink_view four[] = {
		SOURCE(1024), SINK(1024), SINK(1024), SINK(0),
	};
	struct sourcesink_view node = { .received = true };

	sourcesink_sum_node(&node, two, 2, false);
	KUNIT_EXPECT_EQ(test, node.state, SOURCESINK_SOURCE);
	KUNIT_EXPECT_EQ(test, node.load, 1024);
	KUNIT_EXPECT_EQ(test, node.nr_movable, 2);
	KUNIT_EXPECT_FALSE(test, node.idle);
	KUNIT_EXPECT_TRUE(test, node.received);

	sourcesink_sum_node(&node, four, 4, false);
	KUNIT_EXPECT_EQ(test, node.state, SOURCESINK_NEITHER);
	KUNIT_EXPECT_EQ(test, node.load, 768);
	KUNIT_EXPECT_EQ(test, node.nr_movable, 1);

	/* A CPU that received or is spent no longer gives for its node. */
	two[0].received = true;
	two[1].spent = true;
	sourcesink_sum_node(&node, two, 2, false);
	KUNIT_EXPECT_EQ(test, node.nr_movable, 0);

	four[0].state = SOURCESINK_SINK;
	four[0].idle = true;
	four[1].idle = true;
	four[2].idle = true;
	four[3].idle = true;
	sourcesink_sum_node(&node, four, 4, false);
	KUNIT_EXPECT_EQ(test, node.state, SOURCESINK_SINK);
	KUNIT_EXPECT_FALSE(test, node.idle);
	/* What idle CPUs show is the load of threads that have left. */
	KUNIT_EXPECT_EQ(test, node.load, 0);
}

#define NODE_SINK(l, d)	{ .state = SOURCESINK_SINK, .load = (l), .distance = (d) }

/* The busiest SOURCE node gives to the least-loaded SINK node. */
static void sourcesink_test_node_pair(struct kunit *test)
{
	struct sourcesink_view n[] = {
		SOURCE(1500), NODE_SINK(600, 20), SOURCE(2000),
		NODE_SINK(300, 30), NODE_SINK(900, 12),
	};
	int src = sourcesink_pick_source(n, ARRAY_SIZE(n), 0, false);

	KUNIT_EXPECT_EQ(test, src, 2);
	KUNIT_EXPECT_EQ(test, sourcesink_pick_sink(n, ARRAY_SIZE(n), 0, false,
						   &n[src]), 3);
	/* Nodes of different sizes compare by their mean loads. */
	n[3].load = 1000;
	KUNIT_EXPECT_EQ(test, sourcesink_pick_sink(n, ARRAY_SIZE(n), 0, false,
						   &n[src]), 1);
	/* A node that refused this source is not offered again. */
	n[1].tried = true;
	KUNIT_EXPECT_EQ(test, sourcesink_pick_sink(n, ARRAY_SIZE(n), 0, false,
						   &n[src]), 4);
}

/*
 * Sink nodes whose loads fall in the same SOURCESINK_NODE_TIE step tie and
 * the nearer takes the thread, whichever comes first in the scan; a whole
 * step apart, the lighter one takes it however far.
 */
static void sourcesink_test_node_nearer_sink_wins_a_tie(struct kunit *test)
{
	struct sourcesink_view n[] = {
		SOURCE(2048), NODE_SINK(10, 30), NODE_SINK(40, 20),
	};
	int start;

	for (start = 0; start < 3; start++)
		KUNIT_EXPECT_EQ_MSG(test, sourcesink_pick_sink(n, 3, start, false,
							       &n[0]), 2,
				    "start %d", start);

	n[2].load = SOURCESINK_NODE_TIE + 10;
	KUNIT_EXPECT_EQ(test, sourcesink_pick_sink(n, 3, 0, false, &n[0]), 1);
	/* Equal distances: the load alone decides, inside a step too. */
	n[2].load = 5;
	n[2].distance = 30;
	KUNIT_EXPECT_EQ(test, sourcesink_pick_sink(n, 3, 0, false, &n[0]), 2);
}

/* The tie rule still orders every set of sinks: no cycle, no two winners. */
static void sourcesink_test_sink_order_is_total(struct kunit *test)
{
	static const unsigned long sl[] = { 0, 100, 127, 128, 200, 255, 256, 1024 };
	static const int sd[] = { 0, 10, 20, 30 };
	struct sourcesink_view *v;
	int a, b, c, nr = 0;

	v = kunit_kcalloc(test, ARRAY_SIZE(sl) * ARRAY_SIZE(sd) * 2, sizeof(*v),
			  GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);

	for (a = 0; a < ARRAY_SIZE(sl); a++)
		for (b = 0; b < ARRAY_SIZE(sd); b++)
			for (c = 0; c < 2; c++)
				v[nr++] = (struct sourcesink_view) {
					.load = sl[a], .distance = sd[b], .idle = c,
				};
	for (a = 0; a < nr; a++) {
		KUNIT_EXPECT_FALSE(test, sourcesink_better_sink(&v[a], &v[a], false));
		for (b = 0; b < nr; b++) {
			bool ab = sourcesink_better_sink(&v[a], &v[b], false);

			KUNIT_EXPECT_FALSE(test, ab && sourcesink_better_sink(&v[b], &v[a], false));
			for (c = 0; c < nr && ab; c++) {
				bool ac = sourcesink_better_sink(&v[a], &v[c], false);

				if (sourcesink_better_sink(&v[b], &v[c], false))
					KUNIT_EXPECT_TRUE_MSG(test, ac, "%d < %d < %d",
							      a, b, c);
			}
		}
	}
}

/* A thread NUMA balancing placed leaves its preferred node only starving. */
static void sourcesink_test_preferred_node(struct kunit *test)
{
	const u64 l = 100 * NSEC_PER_MSEC;

	KUNIT_EXPECT_FALSE(test, sourcesink_may_leave_node(0, 0, 1, l, l));
	KUNIT_EXPECT_TRUE(test, sourcesink_may_leave_node(0, 0, 1, l + 1, l));
	/* Inside its node, or with another preference or none, it may move. */
	KUNIT_EXPECT_TRUE(test, sourcesink_may_leave_node(0, 0, 0, 0, l));
	KUNIT_EXPECT_TRUE(test, sourcesink_may_leave_node(1, 0, 1, 0, l));
	KUNIT_EXPECT_TRUE(test, sourcesink_may_leave_node(NUMA_NO_NODE, 0, 1, 0, l));
}

/* The bound the breach counter holds a starving wait to, at HZ=250. */
static void sourcesink_test_bound(struct kunit *test)
{
	const u64 ms = NSEC_PER_MSEC, tick = 4 * ms;

	KUNIT_EXPECT_EQ(test, 100 * ms + 1000 * ms + 16 * ms,
			sourcesink_bound(100 * ms, 1000 * ms, 0, tick));
	/* Only another node has a sink: the node period is added. */
	KUNIT_EXPECT_EQ(test, 100 * ms + 4000 * ms + 1000 * ms + 16 * ms,
			sourcesink_bound(100 * ms, 1000 * ms, 4000 * ms, tick));
}

/* --- the decision loop, over synthetic views ----------------------------- */

/*
 * The decision's rules run over views the tests make up, with the move
 * itself played by fake_pull() on threads the tests make up too: which
 * CPU each is on, where it may run, whether it starves or is running.
 * fake_pull() keeps the contract of the real pull: starving threads
 * first, and only those in state mode; an affinity refusal when no
 * candidate may use the sink; a running one is no candidate; a move to a
 * SINK starts the thread's wait anew.  The views' CPU ids are real
 * possible CPUs, whose runqueues sourcesink_test_decide() leaves as they
 * were, so the tests need FAKE_CPUS of them.
 */
#define FAKE_CPUS	4
#define FAKE_THREADS	8

struct fake_thread {
	int		cpu;
	unsigned long	allowed;	/* a mask of view ids */
	bool		starving;
	bool		running;
};

struct fake_move {
	int		thread, src, dst;
};

static struct fake_machine {
	struct fake_thread	t[FAKE_THREADS];
	int			nr;
	struct fake_move	moves[FAKE_THREADS];
	int			nr_moves;
	int			pulls;		/* pulls that may move */
	int			probes;		/* dry runs */
	unsigned int		pull_ms;	/* how long each pull takes */
	int			atomic_pulls;	/* made where it may not sleep */
} fake;

/* The decision's struct sourcesink_decision.allowed */
static struct cpumask fake_allowed;

static void fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
}

static int fake_add(int cpu, unsigned long allowed, bool starving)
{
	fake.t[fake.nr] = (struct fake_thread){ cpu, allowed, starving, false };
	return fake.nr++;
}

static enum sourcesink_event fake_pull(struct sourcesink_decision *d,
				       struct sourcesink_view *sv,
				       struct sourcesink_view *dv,
				       bool *starving, bool dry_run)
{
	enum sourcesink_event why = SOURCESINK_REFUSED_RUNNING;
	bool only_starving = !d->score_mode || dry_run;
	bool learn = d->allowed && !dry_run;
	int pass, i, c, victim = -1;
	u64 end;

	fake.pulls += !dry_run;
	fake.probes += dry_run;
	fake.atomic_pulls += !preemptible();
	/* By the decision's clock: mdelay() under TCG is not. */
	end = local_clock() + fake.pull_ms * NSEC_PER_MSEC;
	while (local_clock() < end)
		cpu_relax();
	if (learn) {
		cpumask_clear(d->allowed);
		d->allowed_src = -1;
	}
	for (pass = 0; pass < 2 && victim < 0; pass++) {
		for (i = 0; i < fake.nr; i++) {
			struct fake_thread *t = &fake.t[i];

			if (t->cpu != sv->id || t->running ||
			    t->starving == !!pass)
				continue;
			for (c = 0; learn && c < FAKE_CPUS; c++)
				if (t->allowed & BIT(c))
					cpumask_set_cpu(c, d->allowed);
			if (!(t->allowed & BIT(dv->id))) {
				why = SOURCESINK_REFUSED_AFFINITY;
				continue;
			}
			victim = i;
			break;
		}
		if (only_starving)
			break;
	}
	if (dry_run)
		return victim >= 0 ? SOURCESINK_MOVED : why;
	if (learn && victim < 0 && why == SOURCESINK_REFUSED_AFFINITY)
		d->allowed_src = sv->id;
	if (victim >= 0) {
		fake.t[victim].cpu = dv->id;
		if (dv->state == SOURCESINK_SINK)
			fake.t[victim].starving = false;
		fake.moves[fake.nr_moves++] = (struct fake_move){ victim, sv->id, dv->id };
		why = SOURCESINK_MOVED;
	}
	*starving = false;
	for (i = 0; i < fake.nr; i++)
		if (fake.t[i].cpu == sv->id && fake.t[i].starving && !fake.t[i].running)
			*starving = true;
	return why;
}

/* A CPU's view as the snapshot would have it, scored with the defaults. */
static struct sourcesink_view fake_cpu(int id, enum sourcesink_state state,
				       unsigned long load, bool idle)
{
	struct sourcesink_view v = {
		.id = id, .state = state, .load = load, .idle = idle,
		.since_idle = state == SOURCESINK_SINK ? 0 : 500 * NSEC_PER_MSEC,
		.oldest_wait = state == SOURCESINK_SOURCE ? 200 * NSEC_PER_MSEC : 0,
		.oldest_start = 1,
	};
	int i;

	for (i = 0; i < fake.nr; i++)
		v.nr_movable += fake.t[i].cpu == id;
	v.score = sourcesink_score(state, load, SOURCESINK_DEFAULT_STATE_WEIGHT,
				   SOURCESINK_DEFAULT_LOAD_WEIGHT);
	return v;
}

struct fake_result {
	u64	events[SOURCESINK_NR_EVENTS];
	u8	unserved[FAKE_CPUS];
};

static struct sourcesink_decision fake_decision(bool score_mode, int max_moves,
						u64 seq)
{
	return (struct sourcesink_decision){
		.mode = score_mode ? SOURCESINK_MODE_SCORE : SOURCESINK_MODE_STATE,
		.score_mode = score_mode,
		.seq = seq,
		.limit = 100 * NSEC_PER_MSEC,
		.period = 1000 * NSEC_PER_MSEC,
		.node_period = 4000ULL * NSEC_PER_MSEC,
		.probes = SOURCESINK_BREACH_PROBES,
		.max_moves = max_moves,
		.pull = fake_pull,
		.allowed = &fake_allowed,
		.allowed_src = -1,
	};
}

/* One node of @nr CPUs: the CPU level alone. */
static void fake_decide(struct kunit *test, struct sourcesink_decision *d,
			struct sourcesink_view *cpus, int nr,
			struct fake_result *r)
{
	struct sourcesink_view node = {
		.id = 0, .domain = SOURCESINK_ANY_DOMAIN, .nr_cpus = nr,
	};

	memset(r, 0, sizeof(*r));
	d->stretch_start = local_clock();
	sourcesink_test_decide(d, cpus, nr, &node, 1, r->events, r->unserved);
}

static void fake_init(struct kunit *test)
{
	fake_reset();
	if (num_possible_cpus() < FAKE_CPUS)
		kunit_skip(test, "needs %d possible CPUs", FAKE_CPUS);
}

#define ANY_CPU		(BIT(FAKE_CPUS) - 1)

/* The starving thread of the highest-loaded SOURCE goes to the lowest-loaded SINK. */
static void sourcesink_test_loop_source_and_sink_order(struct kunit *test)
{
	struct sourcesink_view v[FAKE_CPUS];
	struct sourcesink_decision d;
	struct fake_result r;

	fake_init(test);
	fake_add(0, ANY_CPU, true);
	fake_add(1, ANY_CPU, true);
	v[0] = fake_cpu(0, SOURCESINK_SOURCE, 2048, false);
	v[1] = fake_cpu(1, SOURCESINK_SOURCE, 3072, false);
	v[2] = fake_cpu(2, SOURCESINK_SINK, 300, false);
	v[3] = fake_cpu(3, SOURCESINK_SINK, 100, false);
	d = fake_decision(false, 1, 0);
	fake_decide(test, &d, v, FAKE_CPUS, &r);
	KUNIT_ASSERT_EQ(test, fake.nr_moves, 1);
	KUNIT_EXPECT_EQ(test, fake.moves[0].src, 1);
	KUNIT_EXPECT_EQ(test, fake.moves[0].dst, 3);
	/* The bound was spent with a source and a sink left: one refusal. */
	KUNIT_EXPECT_EQ(test, r.events[SOURCESINK_REFUSED_BOUND], 1);
	KUNIT_EXPECT_EQ(test, r.unserved[0], SOURCESINK_BREACH_MOVE_BOUND);
}

/* An idle SINK takes before a busy one, whatever their loads. */
static void sourcesink_test_loop_idle_sink_first(struct kunit *test)
{
	struct sourcesink_view v[3];
	struct sourcesink_decision d;
	struct fake_result r;

	fake_init(test);
	fake_add(0, ANY_CPU, true);
	v[0] = fake_cpu(0, SOURCESINK_SOURCE, 2048, false);
	v[1] = fake_cpu(1, SOURCESINK_SINK, 10, false);
	v[2] = fake_cpu(2, SOURCESINK_SINK, 400, true);
	d = fake_decision(false, 32, 0);
	fake_decide(test, &d, v, 3, &r);
	KUNIT_ASSERT_EQ(test, fake.nr_moves, 1);
	KUNIT_EXPECT_EQ(test, fake.moves[0].dst, 2);
}

/* Without a SINK, or without a SOURCE, nothing is even tried. */
static void sourcesink_test_loop_needs_source_and_sink(struct kunit *test)
{
	struct sourcesink_view v[3];
	struct sourcesink_decision d;
	struct fake_result r;

	fake_init(test);
	fake_add(0, ANY_CPU, true);
	fake_add(1, ANY_CPU, false);
	v[0] = fake_cpu(0, SOURCESINK_SOURCE, 2048, false);
	v[1] = fake_cpu(1, SOURCESINK_NEITHER, 2048, false);
	v[2] = fake_cpu(2, SOURCESINK_NEITHER, 1024, false);
	d = fake_decision(false, 32, 0);
	fake_decide(test, &d, v, 3, &r);
	KUNIT_EXPECT_EQ(test, fake.pulls + fake.probes, 0);

	v[0] = fake_cpu(0, SOURCESINK_NEITHER, 2048, false);
	v[1] = fake_cpu(1, SOURCESINK_NEITHER, 2048, false);
	v[2] = fake_cpu(2, SOURCESINK_SINK, 0, true);
	d = fake_decision(false, 32, 0);
	fake_decide(test, &d, v, 3, &r);
	KUNIT_EXPECT_EQ(test, fake.pulls + fake.probes, 0);
	KUNIT_EXPECT_EQ(test, fake.nr_moves, 0);
}

/*
 * A sink takes one thread a decision: two starving sources and one sink
 * give one move, and the source left is noted as more starving threads
 * than sinks (its wait becomes a breach_no_sink if it passes the bound).
 */
static void sourcesink_test_loop_one_thread_per_sink(struct kunit *test)
{
	struct sourcesink_view v[3];
	struct sourcesink_decision d;
	struct fake_result r;

	fake_init(test);
	fake_add(0, ANY_CPU, true);
	fake_add(0, ANY_CPU, true);
	fake_add(1, ANY_CPU, true);
	v[0] = fake_cpu(0, SOURCESINK_SOURCE, 3072, false);
	v[1] = fake_cpu(1, SOURCESINK_SOURCE, 2048, false);
	v[2] = fake_cpu(2, SOURCESINK_SINK, 0, true);
	d = fake_decision(false, 32, 0);
	fake_decide(test, &d, v, 3, &r);
	KUNIT_ASSERT_EQ(test, fake.nr_moves, 1);
	KUNIT_EXPECT_EQ(test, fake.moves[0].src, 0);
	KUNIT_EXPECT_EQ(test, fake.moves[0].dst, 2);
	KUNIT_EXPECT_EQ(test, r.unserved[1], SOURCESINK_BREACH_NO_SINK);
	KUNIT_EXPECT_EQ(test, r.events[SOURCESINK_REFUSED_BOUND], 0);
}

/* max_moves bounds the moves of a decision, however many pairs are left. */
static void sourcesink_test_loop_move_bound(struct kunit *test)
{
	struct sourcesink_view v[FAKE_CPUS];
	struct sourcesink_decision d;
	struct fake_result r;
	int max;

	for (max = 1; max <= 3; max++) {
		fake_init(test);
		fake_add(0, ANY_CPU, true);
		fake_add(0, ANY_CPU, true);
		fake_add(0, ANY_CPU, true);
		v[0] = fake_cpu(0, SOURCESINK_SOURCE, 4096, false);
		v[1] = fake_cpu(1, SOURCESINK_SINK, 0, true);
		v[2] = fake_cpu(2, SOURCESINK_SINK, 0, true);
		v[3] = fake_cpu(3, SOURCESINK_SINK, 0, true);
		d = fake_decision(false, max, 0);
		fake_decide(test, &d, v, FAKE_CPUS, &r);
		KUNIT_EXPECT_EQ(test, fake.nr_moves, max);
		KUNIT_EXPECT_EQ(test, r.events[SOURCESINK_REFUSED_BOUND], (u64)(max < 3));
	}
}

/*
 * A sink the starving thread may not use refuses it, and the next sink it
 * may use takes it in the same decision: here the best sink is refused and
 * the second takes the thread.
 */
static void sourcesink_test_loop_affinity_tries_next_sink(struct kunit *test)
{
	struct sourcesink_view v[FAKE_CPUS];
	struct sourcesink_decision d;
	struct fake_result r;

	fake_init(test);
	fake_add(0, BIT(0) | BIT(2), true);
	v[0] = fake_cpu(0, SOURCESINK_SOURCE, 2048, false);
	v[1] = fake_cpu(1, SOURCESINK_SINK, 0, true);
	v[2] = fake_cpu(2, SOURCESINK_SINK, 500, false);
	v[3] = fake_cpu(3, SOURCESINK_NEITHER, 1024, false);
	d = fake_decision(false, 32, 0);
	fake_decide(test, &d, v, FAKE_CPUS, &r);
	KUNIT_ASSERT_EQ(test, fake.nr_moves, 1);
	KUNIT_EXPECT_EQ(test, fake.moves[0].dst, 2);
	/* Nowhere to go at all is no breach: it is outside the guarantee. */
	fake_init(test);
	fake_add(0, BIT(0) | BIT(3), true);
	v[0] = fake_cpu(0, SOURCESINK_SOURCE, 2048, false);
	v[1] = fake_cpu(1, SOURCESINK_SINK, 0, true);
	v[2] = fake_cpu(2, SOURCESINK_SINK, 500, false);
	v[3] = fake_cpu(3, SOURCESINK_NEITHER, 1024, false);
	d = fake_decision(false, 32, 0);
	fake_decide(test, &d, v, FAKE_CPUS, &r);
	KUNIT_EXPECT_EQ(test, fake.nr_moves, 0);
	KUNIT_EXPECT_EQ(test, r.unserved[0], 0);
}

/*
 * CPU 0 a SOURCE whose starving thread may use CPU 3 alone; idle CPUs 1 and
 * 2 are the best sinks, busy CPU 3 the last.
 */
static void fake_pinned_past_idle_sinks(struct kunit *test,
					struct sourcesink_view *v)
{
	fake_init(test);
	fake_add(0, BIT(0) | BIT(3), true);
	v[0] = fake_cpu(0, SOURCESINK_SOURCE, 2048, false);
	v[1] = fake_cpu(1, SOURCESINK_SINK, 0, true);
	v[2] = fake_cpu(2, SOURCESINK_SINK, 0, true);
	v[3] = fake_cpu(3, SOURCESINK_SINK, 500, false);
}

/*
 * A refused pull counts against max_moves as a move does: the work of a
 * decision is bounded by its attempts.  The thread may use CPUs 0 and 3;
 * idle CPUs 1 and 2 are the best sinks, busy CPU 3 the last.  With one
 * attempt, the refusal of CPU 1 spends it, and the thread, which CPU 3
 * would take, is noted as left for the bound.  With two, CPU 2 is not
 * tried (the first pull said no waiter may use it) and CPU 3 takes it.
 */
static void sourcesink_test_loop_refusals_count_against_bound(struct kunit *test)
{
	struct sourcesink_view v[FAKE_CPUS];
	struct sourcesink_decision d;
	struct fake_result r;
	int max;

	for (max = 1; max <= 2; max++) {
		fake_pinned_past_idle_sinks(test, v);
		d = fake_decision(false, max, 0);
		fake_decide(test, &d, v, FAKE_CPUS, &r);
		KUNIT_EXPECT_EQ(test, fake.pulls, max);
		KUNIT_EXPECT_EQ(test, fake.nr_moves, max - 1);
		if (max == 1) {
			KUNIT_EXPECT_EQ(test, r.events[SOURCESINK_REFUSED_BOUND], 1);
			KUNIT_EXPECT_EQ(test, r.unserved[0], SOURCESINK_BREACH_MOVE_BOUND);
		} else {
			KUNIT_ASSERT_EQ(test, fake.nr_moves, 1);
			KUNIT_EXPECT_EQ(test, fake.moves[0].dst, 3);
			KUNIT_EXPECT_EQ(test, r.unserved[0], 0);
		}
	}
}

/*
 * Sources whose starving threads may use only busy CPUs cost one pull
 * each, however many sinks there are: each pull says where the waiters it
 * walked may go, and no sink outside that is tried.
 */
static void sourcesink_test_loop_one_pull_per_pinned_source(struct kunit *test)
{
	struct sourcesink_view v[FAKE_CPUS];
	struct sourcesink_decision d;
	struct fake_result r;

	fake_init(test);
	fake_add(0, BIT(0) | BIT(1), true);
	fake_add(1, BIT(0) | BIT(1), true);
	v[0] = fake_cpu(0, SOURCESINK_SOURCE, 2048, false);
	v[1] = fake_cpu(1, SOURCESINK_SOURCE, 2048, false);
	v[2] = fake_cpu(2, SOURCESINK_SINK, 0, true);
	v[3] = fake_cpu(3, SOURCESINK_SINK, 0, true);
	d = fake_decision(false, 32, 0);
	fake_decide(test, &d, v, FAKE_CPUS, &r);
	KUNIT_EXPECT_EQ(test, fake.pulls, 2);
	KUNIT_EXPECT_EQ(test, fake.nr_moves, 0);
	KUNIT_EXPECT_EQ(test, r.unserved[0], 0);
	KUNIT_EXPECT_EQ(test, r.unserved[1], 0);
}

/*
 * A decision may be preempted after each pull.  One source's thread, which
 * may use CPU 3 alone, is offered to idle CPUs 1 and 2 first; with no mask
 * of where it may go kept (as when its allocation failed), each is tried,
 * so three pulls of FAKE_PULL_MS each come in one offer.  No stretch
 * without a chance to be preempted holds two (the test allows the
 * second's length for the rest: the choosing, and the host's noise under
 * TCG), one does hold a pull, and every pull is made where the decision
 * may sleep.
 */
#define FAKE_PULL_MS	50

static void sourcesink_test_loop_preemptible_between_pulls(struct kunit *test)
{
	struct sourcesink_view v[FAKE_CPUS];
	struct sourcesink_decision d;
	struct fake_result r;

	fake_pinned_past_idle_sinks(test, v);
	fake.pull_ms = FAKE_PULL_MS;
	d = fake_decision(false, 32, 0);
	d.allowed = NULL;
	fake_decide(test, &d, v, FAKE_CPUS, &r);
	KUNIT_EXPECT_EQ(test, fake.pulls, 3);
	KUNIT_ASSERT_EQ(test, fake.nr_moves, 1);
	KUNIT_EXPECT_EQ(test, fake.moves[0].dst, 3);
	KUNIT_EXPECT_EQ(test, fake.atomic_pulls, 0);
	KUNIT_EXPECT_GE(test, d.work.stretch_ns, FAKE_PULL_MS * NSEC_PER_MSEC);
	KUNIT_EXPECT_LT(test, d.work.stretch_ns, 2 * FAKE_PULL_MS * NSEC_PER_MSEC);
}

/* Two equal sources: which gives first rotates with the decision count. */
static void sourcesink_test_loop_ties_rotate(struct kunit *test)
{
	struct sourcesink_view v[3];
	struct sourcesink_decision d;
	struct fake_result r;
	int seq, src[2];

	for (seq = 0; seq < 2; seq++) {
		fake_init(test);
		fake_add(0, ANY_CPU, true);
		fake_add(1, ANY_CPU, true);
		v[0] = fake_cpu(0, SOURCESINK_SOURCE, 2048, false);
		v[1] = fake_cpu(1, SOURCESINK_SOURCE, 2048, false);
		v[2] = fake_cpu(2, SOURCESINK_SINK, 0, true);
		d = fake_decision(false, 1, seq);
		fake_decide(test, &d, v, 3, &r);
		KUNIT_ASSERT_EQ(test, fake.nr_moves, 1);
		src[seq] = fake.moves[0].src;
	}
	KUNIT_EXPECT_NE(test, src[0], src[1]);
}

/*
 * Score mode: the worst score gives to the best, by load between busy
 * CPUs too, but not a swap (less than a thread's load between them).
 */
static void sourcesink_test_loop_score_mode(struct kunit *test)
{
	struct sourcesink_view v[3];
	struct sourcesink_decision d;
	struct fake_result r;

	fake_init(test);
	fake_add(0, ANY_CPU, false);
	fake_add(0, ANY_CPU, false);
	fake_add(1, ANY_CPU, false);
	v[0] = fake_cpu(0, SOURCESINK_NEITHER, 3072, false);
	v[1] = fake_cpu(1, SOURCESINK_NEITHER, 2048, false);
	v[2] = fake_cpu(2, SOURCESINK_NEITHER, 1024, false);
	d = fake_decision(true, 32, 0);
	fake_decide(test, &d, v, 3, &r);
	KUNIT_ASSERT_EQ(test, fake.nr_moves, 1);
	KUNIT_EXPECT_EQ(test, fake.moves[0].src, 0);
	KUNIT_EXPECT_EQ(test, fake.moves[0].dst, 2);

	/* Only a thread's load apart: a move would swap them. */
	fake_init(test);
	fake_add(0, ANY_CPU, false);
	fake_add(1, ANY_CPU, false);
	v[0] = fake_cpu(0, SOURCESINK_NEITHER, 2048, false);
	v[1] = fake_cpu(1, SOURCESINK_NEITHER, 1024, false);
	d = fake_decision(true, 32, 0);
	fake_decide(test, &d, v, 2, &r);
	KUNIT_EXPECT_EQ(test, fake.nr_moves, 0);

	/* The state outweighs the load: a light SOURCE gives to a heavy SINK. */
	fake_init(test);
	fake_add(0, ANY_CPU, true);
	fake_add(1, ANY_CPU, false);
	v[0] = fake_cpu(0, SOURCESINK_SOURCE, 1100, false);
	v[1] = fake_cpu(1, SOURCESINK_NEITHER, 4096, false);
	v[2] = fake_cpu(2, SOURCESINK_SINK, 3000, false);
	d = fake_decision(true, 1, 0);
	fake_decide(test, &d, v, 3, &r);
	KUNIT_ASSERT_EQ(test, fake.nr_moves, 1);
	KUNIT_EXPECT_EQ(test, fake.moves[0].src, 0);
	KUNIT_EXPECT_EQ(test, fake.moves[0].dst, 2);
}

/*
 * A starving thread that is running cannot move: the decision asks for a
 * second look, and the second look that finds it running too notes it
 * (breach_running once its wait passes the bound).
 */
static void sourcesink_test_loop_running_thread(struct kunit *test)
{
	struct sourcesink_view v[2];
	struct sourcesink_decision d;
	struct fake_result r;
	int t;

	fake_init(test);
	t = fake_add(0, ANY_CPU, true);
	fake.t[t].running = true;
	v[0] = fake_cpu(0, SOURCESINK_SOURCE, 2048, false);
	v[1] = fake_cpu(1, SOURCESINK_SINK, 0, true);
	d = fake_decision(false, 32, 0);
	fake_decide(test, &d, v, 2, &r);
	KUNIT_EXPECT_EQ(test, fake.nr_moves, 0);
	KUNIT_EXPECT_TRUE(test, d.running);
	KUNIT_EXPECT_EQ(test, r.unserved[0], 0);

	d = fake_decision(false, 32, 1);
	d.retry = true;
	v[0] = fake_cpu(0, SOURCESINK_SOURCE, 2048, false);
	v[1] = fake_cpu(1, SOURCESINK_SINK, 0, true);
	fake_decide(test, &d, v, 2, &r);
	KUNIT_EXPECT_EQ(test, fake.nr_moves, 0);
	KUNIT_EXPECT_EQ(test, r.unserved[0], SOURCESINK_BREACH_RUNNING);

	/* Switched out by the second look: it moves. */
	fake.t[t].running = false;
	d = fake_decision(false, 32, 2);
	d.retry = true;
	v[0] = fake_cpu(0, SOURCESINK_SOURCE, 2048, false);
	v[1] = fake_cpu(1, SOURCESINK_SINK, 0, true);
	fake_decide(test, &d, v, 2, &r);
	KUNIT_EXPECT_EQ(test, fake.nr_moves, 1);
}

/*
 * The node level: a starving thread with no SINK in its node moves to a
 * SINK node only in a node step, from the highest-loaded SOURCE node.
 */
static void sourcesink_test_loop_node_step(struct kunit *test)
{
	struct sourcesink_view v[FAKE_CPUS], nodes[3];
	struct sourcesink_decision d;
	struct fake_result r;
	int step, i;

	for (step = 0; step < 2; step++) {
		fake_init(test);
		fake_add(0, ANY_CPU, true);
		fake_add(1, ANY_CPU, true);
		/* Nodes 0 = { 0 }, 1 = { 1 }, 2 = { 2, 3 }. */
		v[0] = fake_cpu(0, SOURCESINK_SOURCE, 2048, false);
		v[1] = fake_cpu(1, SOURCESINK_SOURCE, 3072, false);
		v[2] = fake_cpu(2, SOURCESINK_SINK, 0, true);
		v[3] = fake_cpu(3, SOURCESINK_NEITHER, 1024, false);
		memset(nodes, 0, sizeof(nodes));
		nodes[0] = (struct sourcesink_view){ .id = 0, .first = 0, .nr_cpus = 1 };
		nodes[1] = (struct sourcesink_view){ .id = 1, .first = 1, .nr_cpus = 1 };
		nodes[2] = (struct sourcesink_view){ .id = 2, .first = 2, .nr_cpus = 2 };
		for (i = 0; i < 3; i++)
			nodes[i].domain = SOURCESINK_ANY_DOMAIN;
		d = fake_decision(false, 1, 0);
		d.numa = true;
		d.node_step = step;
		memset(&r, 0, sizeof(r));
		sourcesink_test_decide(&d, v, FAKE_CPUS, nodes, 3, r.events, r.unserved);
		if (!step) {
			KUNIT_EXPECT_EQ(test, fake.nr_moves, 0);
			continue;
		}
		KUNIT_ASSERT_EQ(test, fake.nr_moves, 1);
		KUNIT_EXPECT_EQ(test, fake.moves[0].src, 1);
		KUNIT_EXPECT_EQ(test, fake.moves[0].dst, 2);
		KUNIT_EXPECT_EQ(test, r.events[SOURCESINK_NODE_MOVED], 1);
	}
}

/* Nodes 0 = { 0, 1 } and 1 = { 2, 3 }. */
static void fake_two_nodes(struct sourcesink_view *nodes)
{
	int i;

	for (i = 0; i < 2; i++)
		nodes[i] = (struct sourcesink_view){
			.id = i, .domain = SOURCESINK_ANY_DOMAIN,
			.first = 2 * i, .nr_cpus = 2,
		};
}

/*
 * Node 0 a SOURCE node (CPU 0 starving, CPU 1 busy), node 1 a SINK node
 * (CPU 2 idle, CPU 3 busy), each busy CPU running one thread.  @running says the starving thread is
 * running, @sink_node whether CPU 2 has room.
 */
static void fake_source_node(struct sourcesink_view *v,
			     struct sourcesink_view *nodes, bool running,
			     bool sink_node)
{
	int t;

	fake_reset();
	t = fake_add(0, ANY_CPU, true);
	fake.t[t].running = running;
	fake_add(0, ANY_CPU, false);
	/* The busy CPUs' running threads are not waiters. */
	v[0] = fake_cpu(0, SOURCESINK_SOURCE, 3072, false);
	v[1] = fake_cpu(1, SOURCESINK_NEITHER, 1024, false);
	v[2] = sink_node ? fake_cpu(2, SOURCESINK_SINK, 0, true) :
			   fake_cpu(2, SOURCESINK_NEITHER, 1024, false);
	v[3] = fake_cpu(3, SOURCESINK_NEITHER, 1024, false);
	fake_two_nodes(nodes);
}

/*
 * Score mode moves by load between busy CPUs too, but a starving thread
 * of a SOURCE node moved so starves again.  While a SINK node exists, the
 * CPU level leaves such a node to the node step, in decisions without one
 * as well; without NUMA balancing it moves the thread by load.
 */
static void sourcesink_test_loop_score_mode_leaves_source_node(struct kunit *test)
{
	struct sourcesink_view v[FAKE_CPUS], nodes[2];
	struct sourcesink_decision d;
	struct fake_result r;
	int numa, step;

	fake_init(test);
	for (numa = 0; numa < 2; numa++) {
		for (step = 0; step <= numa; step++) {
			fake_source_node(v, nodes, false, true);
			d = fake_decision(true, 32, 0);
			d.numa = numa;
			d.node_step = step;
			memset(&r, 0, sizeof(r));
			sourcesink_test_decide(&d, v, FAKE_CPUS, nodes, 2,
					       r.events, r.unserved);
			if (numa && !step) {
				KUNIT_EXPECT_EQ(test, fake.nr_moves, 0);
				continue;
			}
			KUNIT_ASSERT_EQ(test, fake.nr_moves, 1);
			KUNIT_EXPECT_EQ(test, fake.moves[0].thread, 0);
			KUNIT_EXPECT_EQ(test, fake.moves[0].src, 0);
			KUNIT_EXPECT_EQ(test, fake.moves[0].dst, numa ? 2 : 1);
		}
	}
}

/*
 * The node period restarts only after a node step that found a SOURCE
 * node and a SINK node and did not find the starving thread running: a
 * node step that found it running, or found no pair, is due again at the
 * next decision.
 */
static void sourcesink_test_loop_node_step_done(struct kunit *test)
{
	static const struct {
		bool running, sink_node, node_step, done;
	} cases[] = {
		{ false, true, true, true },
		{ true, true, true, false },
		{ false, false, true, false },
		{ false, true, false, false },
	};
	struct sourcesink_view v[FAKE_CPUS], nodes[2];
	struct sourcesink_decision d;
	struct fake_result r;
	bool done;
	int i;

	fake_init(test);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		fake_source_node(v, nodes, cases[i].running, cases[i].sink_node);
		d = fake_decision(false, 32, 0);
		d.numa = true;
		d.node_step = cases[i].node_step;
		memset(&r, 0, sizeof(r));
		done = sourcesink_test_decide(&d, v, FAKE_CPUS, nodes, 2,
					      r.events, r.unserved);
		KUNIT_EXPECT_EQ_MSG(test, done, cases[i].done, "case %d", i);
		KUNIT_EXPECT_EQ_MSG(test, fake.nr_moves, (int)cases[i].done,
				    "case %d", i);
	}
}

static struct kunit_case sourcesink_test_cases[] = {
	KUNIT_CASE(sourcesink_test_room_without_starvation_is_sink),
	KUNIT_CASE(sourcesink_test_busy_without_starvation_is_neither),
	KUNIT_CASE(sourcesink_test_starving_busy_cpu_is_source),
	KUNIT_CASE(sourcesink_test_recently_idle_is_neither),
	KUNIT_CASE(sourcesink_test_load_bounded),
	KUNIT_CASE(sourcesink_test_state_outweighs_load),
	KUNIT_CASE(sourcesink_test_load_orders_within_state),
	KUNIT_CASE(sourcesink_test_load_can_outweigh_state),
	KUNIT_CASE(sourcesink_test_state_mode_pair),
	KUNIT_CASE(sourcesink_test_state_mode_needs_both),
	KUNIT_CASE(sourcesink_test_sink_in_same_domain),
	KUNIT_CASE(sourcesink_test_ties_rotate),
	KUNIT_CASE(sourcesink_test_search_in_parts),
	KUNIT_CASE(sourcesink_test_score_mode_pair),
	KUNIT_CASE(sourcesink_test_score_mode_leaves_idle_alone),
	KUNIT_CASE(sourcesink_test_score_mode_no_swap),
	KUNIT_CASE(sourcesink_test_hysteresis),
	KUNIT_CASE(sourcesink_test_node_state),
	KUNIT_CASE(sourcesink_test_node_sum),
	KUNIT_CASE(sourcesink_test_node_pair),
	KUNIT_CASE(sourcesink_test_node_nearer_sink_wins_a_tie),
	KUNIT_CASE(sourcesink_test_sink_order_is_total),
	KUNIT_CASE(sourcesink_test_preferred_node),
	KUNIT_CASE(sourcesink_test_bound),
	KUNIT_CASE(sourcesink_test_loop_source_and_sink_order),
	KUNIT_CASE(sourcesink_test_loop_idle_sink_first),
	KUNIT_CASE(sourcesink_test_loop_needs_source_and_sink),
	KUNIT_CASE(sourcesink_test_loop_one_thread_per_sink),
	KUNIT_CASE(sourcesink_test_loop_move_bound),
	KUNIT_CASE(sourcesink_test_loop_affinity_tries_next_sink),
	KUNIT_CASE(sourcesink_test_loop_refusals_count_against_bound),
	KUNIT_CASE(sourcesink_test_loop_one_pull_per_pinned_source),
	KUNIT_CASE(sourcesink_test_loop_preemptible_between_pulls),
	KUNIT_CASE(sourcesink_test_loop_ties_rotate),
	KUNIT_CASE(sourcesink_test_loop_score_mode),
	KUNIT_CASE(sourcesink_test_loop_running_thread),
	KUNIT_CASE(sourcesink_test_loop_node_step),
	KUNIT_CASE(sourcesink_test_loop_score_mode_leaves_source_node),
	KUNIT_CASE(sourcesink_test_loop_node_step_done),
	{}
};

static struct kunit_suite sourcesink_test_suite = {
	.name = "sched_sourcesink",
	.test_cases = sourcesink_test_cases,
};

kunit_test_suite(sourcesink_test_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_DESCRIPTION("KUnit tests for source/sink load balancing");
MODULE_LICENSE("GPL");
