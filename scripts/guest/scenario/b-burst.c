// SPDX-License-Identifier: GPL-2.0
/*
 * (b) A burst: four threads per CPU released together on CPU 0, then
 * allowed everywhere, each with 50 ms of work.
 */
#include "scenario.h"

int main(void)
{
	static struct worker w[MAX_WORKERS];
	int n = nr_cpus(), nr = 4 * n, i;

	stay_on(n - 1);
	for (i = 0; i < nr; i++) {
		w[i].work_ms = 50;
		cpus_range(&w[i].start_on, 0, 0);
		cpus_range(&w[i].allowed, 0, n - 1);
	}
	run_workers(w, nr);
	return 0;
}
