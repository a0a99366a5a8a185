// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the pure rules of source/sink load balancing: how a CPU
 * is classified at and around the starvation limit, the bounded load that
 * enters the score, the order the score puts CPUs in, and how a decision
 * picks its pairs and which threads it may move.
 */
#include <kunit/test.h>
#include <linux/numa.h>
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

	/* Never moved: score mode may move a thread that is not starving. */
	KUNIT_EXPECT_TRUE(test, sourcesink_may_move(1, l, 0, 1, true));
	KUNIT_EXPECT_FALSE(test, sourcesink_may_move(1, l, 0, 1, false));
	/* Moved by the previous decision: stays unless starving again. */
	KUNIT_EXPECT_FALSE(test, sourcesink_may_move(l, l, 7, 8, true));
	KUNIT_EXPECT_TRUE(test, sourcesink_may_move(l + 1, l, 7, 8, true));
	KUNIT_EXPECT_TRUE(test, sourcesink_may_move(l + 1, l, 7, 8, false));
	/* Moved longer ago: free to move again. */
	KUNIT_EXPECT_TRUE(test, sourcesink_may_move(1, l, 6, 8, true));
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
 * node of four CPUs compares with one of two), never idle, and only the
 * movable threads of CPUs that may still give.
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
	{}
};

static struct kunit_suite sourcesink_test_suite = {
	.name = "sched_sourcesink",
	.test_cases = sourcesink_test_cases,
};

kunit_test_suite(sourcesink_test_suite);

MODULE_DESCRIPTION("KUnit tests for source/sink load balancing");
MODULE_LICENSE("GPL");
