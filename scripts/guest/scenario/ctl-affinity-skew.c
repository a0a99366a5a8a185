// SPDX-License-Identifier: GPL-2.0
/*
 * Control: the affinity skew in the comment above sg_imbalanced() in
 * kernel/sched/fair.c, on 4 CPUs in two nodes.  Three threads may use CPU
 * 1 of node 0 and both CPUs of node 1; they start on CPU 1, beside a hog
 * on CPU 0.  Balancing node against node would leave two of them on CPU
 * 1; the stock balancer's group_imbalance flag spreads them, one a CPU.
 * Timed: until one of them first runs on CPU 3.
 */
#include "scenario.h"

int main(void)
{
	static struct worker w[4];
	int i;

	if (nr_cpus() != 4)
		die("needs 4 CPUs in two nodes");
	stay_on(0);
	cpus_range(&w[0].start_on, 0, 0);
	w[0].allowed = w[0].start_on;
	for (i = 1; i < 4; i++) {
		cpus_range(&w[i].start_on, 1, 1);
		cpus_range(&w[i].allowed, 1, 3);
		w[i].watch = 1UL << 3;
	}
	run_until_reached(w, 4, 500, 5000);
	return 0;
}
