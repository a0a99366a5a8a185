// SPDX-License-Identifier: GPL-2.0
/*
 * Hazard: CPUs running only SCHED_IDLE threads.  SCHED_IDLE hogs hold the
 * upper half of the CPUs; three threads a CPU of the lower half, 100 ms
 * of work each, start on CPU 0 and may then use every CPU.  A CPU that
 * runs only SCHED_IDLE work has room (a thread moved there preempts it, as
 * sched_idle_cpu() says for wake-ups): a balancer that counts it busy
 * leaves the threads queued on CPU 0 and 1.
 */
#include "scenario.h"

int main(void)
{
	static struct worker w[MAX_WORKERS];
	int n = nr_cpus(), nr = 0, cpu, i;

	stay_on(0);
	for (cpu = n / 2; cpu < n; cpu++, nr++) {
		w[nr].policy = SCHED_IDLE;
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
