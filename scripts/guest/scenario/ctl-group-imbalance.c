// SPDX-License-Identifier: GPL-2.0
/*
 * Control: the group imbalance of Lozi et al. ("The Linux Scheduler: a
 * Decade of Wasted Cores", EuroSys 2016) with spare capacity, on 4 CPUs in
 * two nodes.  A nice -20 hog on CPU 2 makes node 1's average load far
 * above node 0's, where CPU 0 runs a hog and CPU 1 three threads that are
 * then widened to every CPU; CPU 3 idles.  Balancing by average load left
 * CPU 3 idle; 6.12's group types see node 1's spare capacity and node 0
 * overloaded, and move a thread to CPU 3.
 */
#include "scenario.h"

int main(void)
{
	static struct worker w[5];
	int i;

	if (nr_cpus() != 4)
		die("needs 4 CPUs in two nodes");
	stay_on(0);
	cpus_range(&w[0].start_on, 0, 0);
	w[0].allowed = w[0].start_on;
	cpus_range(&w[1].start_on, 2, 2);
	w[1].allowed = w[1].start_on;
	w[1].nice = -20;
	for (i = 2; i < 5; i++) {
		cpus_range(&w[i].start_on, 1, 1);
		cpus_range(&w[i].allowed, 0, 3);
		w[i].watch = 1UL << 3;
	}
	run_until_reached(w, 5, 500, 5000);
	return 0;
}
