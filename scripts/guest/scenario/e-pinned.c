// SPDX-License-Identifier: GPL-2.0
/*
 * (e) Pinned threads beside movable ones: a pinned spinner on every CPU
 * but CPU 0, and two movable threads per CPU released on CPU 1 and then
 * allowed everywhere, 50 ms of work each.  The movable ones belong on CPU
 * 0 first; the pinned load must not hide that.
 */
#include "scenario.h"

int main(void)
{
	static struct worker w[MAX_WORKERS];
	int n = nr_cpus(), nr = 0, cpu, i;

	stay_on(0);
	for (cpu = 1; cpu < n; cpu++, nr++) {
		cpus_range(&w[nr].start_on, cpu, cpu);
		w[nr].allowed = w[nr].start_on;
	}
	for (i = 0; i < 2 * n; i++, nr++) {
		w[nr].work_ms = 50;
		cpus_range(&w[nr].start_on, 1, 1);
		cpus_range(&w[nr].allowed, 0, n - 1);
	}
	run_workers(w, nr);
	return 0;
}
