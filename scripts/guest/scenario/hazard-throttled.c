// SPDX-License-Identifier: GPL-2.0
/*
 * Hazard: a throttled group.  Two hogs allowed everywhere run in a cgroup
 * with cpu.max 20 ms every 100 ms, so they wait most of the time although
 * CPUs idle: moving them cannot help, since the quota is the group's.  A
 * worker per CPU with 300 ms of work runs beside them.  A naive balancer
 * moves the throttled hogs at every decision.
 */
#include "scenario.h"

int main(void)
{
	static struct worker w[MAX_WORKERS];
	int n = nr_cpus(), nr = 0, i;

	make_group("throttled", "cpu.max", "20000 100000");
	stay_on(0);
	for (i = 0; i < 2; i++, nr++) {
		w[nr].group = "throttled";
		cpus_range(&w[nr].start_on, i, i);
		cpus_range(&w[nr].allowed, 0, n - 1);
	}
	for (i = 0; i < n; i++, nr++) {
		w[nr].work_ms = 300;
		cpus_range(&w[nr].start_on, i, i);
		cpus_range(&w[nr].allowed, 0, n - 1);
	}
	run_workers(w, nr);
	return 0;
}
