// SPDX-License-Identifier: GPL-2.0
/*
 * Hazard: CPUs held by SCHED_FIFO.  SCHED_FIFO hogs hold the upper half
 * of the CPUs; three threads a CPU of the lower half, 100 ms of work each,
 * start on CPU 0 and may then use every CPU.  A CPU held by real-time work
 * has no room for them (the fair server gives them 5% there): a balancer
 * that counts it as a sink moves them where they wait longer.
 */
#include "scenario.h"

int main(void)
{
	static struct worker w[MAX_WORKERS];
	int n = nr_cpus(), nr = 0, cpu, i;

	stay_on(0);
	for (cpu = n / 2; cpu < n; cpu++, nr++) {
		w[nr].policy = SCHED_FIFO;
		cpus_range(&w[nr].start_on, cpu, cpu);
		w[nr].allowed = w[nr].start_on;
	}
	for (i = 0; i < 3 * (n / 2); i++, nr++) {
		w[nr].work_ms = 100;
		cpus_range(&w[nr].start_on, 0, 0);
		cpus_range(&w[nr].allowed, 0, n - 1);
	}
	run_workers(w, nr);
	return 0;
}
