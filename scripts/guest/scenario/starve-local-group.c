// SPDX-License-Identifier: GPL-2.0
/*
 * (a) kSTEP's local group imbalance, on 4 CPUs in two NUMA nodes (0-1 and
 * 2-3): three hogs pinned to CPU 3 make node 1 overloaded for the stock
 * balancer, which then compares average loads, finds node 1 no lighter
 * than node 0 and calls the two balanced, although CPU 2 idles.  A hog on
 * each of CPUs 0 and 1 and a nice 19 victim that may use both; after a
 * second it may use every CPU.  Booted by scripts/bench in two nodes.
 */
#include "scenario.h"

int main(void)
{
	static struct worker w[8];
	int i, nr = 0;

	if (nr_cpus() != 4)
		die("needs 4 CPUs in two nodes");
	stay_on(3);
	for (i = 0; i < 3; i++, nr++) {
		cpus_range(&w[nr].start_on, 3, 3);
		w[nr].allowed = w[nr].start_on;
	}
	for (i = 0; i < 2; i++, nr++) {
		cpus_range(&w[nr].start_on, i, i);
		w[nr].allowed = w[nr].start_on;
	}
	w[nr].nice = 19;
	cpus_range(&w[nr].start_on, 0, 1);
	cpus_range(&w[nr].allowed, 0, 3);
	run_until_reached(w, nr + 1, nr, 2, 1000, 10000);
	return 0;
}
