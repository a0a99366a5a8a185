// SPDX-License-Identifier: GPL-2.0
/*
 * (a) SCHED_FIFO hogs on half the CPUs, and on each of those CPUs two
 * normal threads released behind the hog and then allowed everywhere.
 * Only the fair server's 5% lets them run where they are: they starve
 * until a balancer moves them to a CPU without a hog.
 */
#include "scenario.h"

int main(void)
{
	static struct worker w[MAX_WORKERS];
	int n = nr_cpus(), hogs = n / 2, cpu, nr = 0, i;

	stay_on(n - 1);
	for (cpu = 1; cpu <= hogs; cpu++) {
		w[nr].policy = SCHED_FIFO;
		cpus_range(&w[nr].start_on, cpu, cpu);
		w[nr].allowed = w[nr].start_on;
		nr++;
		for (i = 0; i < 2; i++, nr++) {
			w[nr].work_ms = 100;
			cpus_range(&w[nr].start_on, cpu, cpu);
			cpus_range(&w[nr].allowed, 0, n - 1);
		}
	}
	run_workers(w, nr);
	return 0;
}
