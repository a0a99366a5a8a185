// SPDX-License-Identifier: GPL-2.0
/*
 * (b) A movable thread among 80 threads pinned to CPU 1, allowed on idle
 * CPU 3 too: the stock balancer's detach_tasks() looks at
 * sysctl_sched_nr_migrate (32) tasks an attempt from the tail of
 * cfs_tasks, and each attempt that finds only pinned ones doubles the idle
 * CPU's balance interval.
 */
#include "scenario.h"

#define PINNED_CROWD	80

int main(void)
{
	static struct worker w[PINNED_CROWD + 1];
	int nr;

	if (nr_cpus() < 4)
		die("needs 4 CPUs");
	stay_on(0);
	for (nr = 0; nr < PINNED_CROWD; nr++) {
		cpus_range(&w[nr].start_on, 1, 1);
		w[nr].allowed = w[nr].start_on;
	}
	cpus_range(&w[nr].start_on, 1, 1);
	CPU_ZERO(&w[nr].allowed);
	CPU_SET(1, &w[nr].allowed);
	CPU_SET(3, &w[nr].allowed);
	w[nr].watch = 1UL << 3;
	run_until_reached(w, nr + 1, 500, 5000);
	return 0;
}
