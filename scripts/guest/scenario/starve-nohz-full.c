// SPDX-License-Identifier: GPL-2.0
/*
 * (c) A thread starving on CPU 1 behind a nice -20 hog, allowed on idle
 * nohz_full CPU 2, while CPU 0 runs a hog and CPU 3 has no sched domain:
 * the stock balancer's find_new_ilb() picks only idle housekeeping CPUs to
 * balance for idle ones, and there is none, so nobody balances for CPU 2
 * until its tick happens to run.  Booted by scripts/bench with
 * isolcpus=domain,3 nohz_full=2.
 */
#include "scenario.h"

int main(void)
{
	static struct worker w[3];

	if (nr_cpus() != 4 || !file_is("/sys/devices/system/cpu/nohz_full", "2") ||
	    !file_is("/sys/devices/system/cpu/isolated", "3")) {
		fputs("scenario: needs 4 CPUs, isolcpus=domain,3 nohz_full=2\n", stderr);
		return 1;
	}
	stay_on(0);
	cpus_range(&w[0].start_on, 0, 0);
	w[0].allowed = w[0].start_on;
	w[1].nice = -20;
	cpus_range(&w[1].start_on, 1, 1);
	w[1].allowed = w[1].start_on;
	w[2].nice = 19;
	cpus_range(&w[2].start_on, 1, 1);
	cpus_range(&w[2].allowed, 1, 2);
	w[2].watch = 1UL << 2;
	run_until_reached(w, 3, 500, 5000);
	return 0;
}
