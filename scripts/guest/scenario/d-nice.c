// SPDX-License-Identifier: GPL-2.0
/*
 * (d) Mixed nice levels: two threads per CPU at nice -5, 0, 5 and 19 in
 * turn, 100 ms of work each, released on CPUs 0 and 1 and then allowed
 * everywhere.  The low-weight threads are the ones that starve where they
 * wait.
 */
#include "scenario.h"

int main(void)
{
	static const int nices[] = { -5, 0, 5, 19 };
	static struct worker w[MAX_WORKERS];
	int n = nr_cpus(), nr = 2 * n, i;

	stay_on(n - 1);
	for (i = 0; i < nr; i++) {
		w[i].work_ms = 100;
		w[i].nice = nices[i % 4];
		cpus_range(&w[i].start_on, i % 2, i % 2);
		cpus_range(&w[i].allowed, 0, n - 1);
	}
	run_workers(w, nr);
	return 0;
}
