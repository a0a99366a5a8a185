// SPDX-License-Identifier: GPL-2.0
/*
 * (c) Oversubscription: 2 x CPUs + 1 equal CPU-bound threads allowed
 * everywhere and placed by the kernel, 200 ms of work each.  The makespan
 * against the ideal (total work / CPUs) says how well the odd thread out
 * was shared.
 */
#include "scenario.h"

int main(void)
{
	static struct worker w[MAX_WORKERS];
	int n = nr_cpus(), nr = 2 * n + 1, i;

	stay_on(n - 1);
	for (i = 0; i < nr; i++) {
		w[i].work_ms = 200;
		cpus_range(&w[i].start_on, 0, n - 1);
		w[i].allowed = w[i].start_on;
	}
	run_workers(w, nr);
	return 0;
}
