// SPDX-License-Identifier: GPL-2.0
/*
 * Control: a nice 0 thread behind a SCHED_FIFO hog on CPU 1, widened to
 * CPUs 1 and 3 while CPU 3 idles (hogs on CPUs 0 and 2).  The stock
 * balancer sees CPU 1's capacity taken by real-time work and moves it
 * within a balance interval: this balancer must not slow that down.
 */
#include "scenario.h"

int main(void)
{
	static struct worker w[4];
	int i;

	if (nr_cpus() != 4)
		die("needs 4 CPUs");
	stay_on(0);
	for (i = 0; i < 3; i++) {
		cpus_range(&w[i].start_on, i, i);
		w[i].allowed = w[i].start_on;
	}
	w[1].policy = SCHED_FIFO;
	cpus_range(&w[3].start_on, 1, 1);
	w[3].allowed = w[3].start_on;
	CPU_SET(3, &w[3].allowed);
	w[3].watch = 1UL << 3;
	run_until_reached(w, 4, 500, 5000);
	return 0;
}
