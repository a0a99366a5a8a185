// SPDX-License-Identifier: GPL-2.0
/*
 * (d) Overload on wake-up (Lozi et al., "The Linux Scheduler: a Decade of
 * Wasted Cores", EuroSys 2016), on 4 CPUs in two sockets, an LLC each: a
 * nice 19 thread that spins 2 ms and sleeps 8 ms of wall time (it runs
 * only part of the 2 ms behind a hog) is woken by its timer on a CPU of
 * LLC 0, where a hog runs on each CPU; wake-up placement looks
 * for an idle CPU in that LLC only, finds none and queues it behind a hog,
 * while LLC 1 idles.  It may use every CPU after a second.  Timed: until
 * it first runs in LLC 1.  Booted by scripts/bench in two sockets.
 */
#include "scenario.h"

int main(void)
{
	static struct worker w[3];
	int i;

	if (nr_cpus() != 4 ||
	    !file_is("/sys/devices/system/cpu/cpu0/cache/index3/shared_cpu_list", "0-1")) {
		fprintf(stderr, "scenario: needs 4 CPUs in two sockets, an LLC each\n");
		return 1;
	}
	stay_on(3);
	for (i = 0; i < 2; i++) {
		cpus_range(&w[i].start_on, i, i);
		w[i].allowed = w[i].start_on;
	}
	w[2].nice = 19;
	w[2].run_us = 2000;
	w[2].sleep_us = 8000;
	cpus_range(&w[2].start_on, 0, 1);
	cpus_range(&w[2].allowed, 0, 3);
	w[2].watch = 1UL << 2 | 1UL << 3;
	run_until_reached(w, 3, 1000, 5000);
	return 0;
}
