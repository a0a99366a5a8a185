// SPDX-License-Identifier: GPL-2.0
/*
 * Control: a CPU comes online.  CPU 3 is taken offline, a nice 19 thread
 * starves on CPU 1 behind a hog (hogs on CPUs 0 and 2 too); then CPU 3
 * comes back and the thread may use it.  Timed from the widening, once
 * the write that brings CPU 3 online has returned: until the thread first
 * runs on CPU 3.  CPU 3 is put back online at exit whatever happens.
 */
#include "scenario.h"

#define CPU3_ONLINE	"/sys/devices/system/cpu/cpu3/online"

static void cpu3_online(void)
{
	if (write_file(CPU3_ONLINE, "1"))
		die("bringing CPU 3 online");
}

static void cpu3_back(void)
{
	write_file(CPU3_ONLINE, "1");
}

int main(void)
{
	static struct worker w[4];
	int i;

	/* A run killed before its exit left it offline: back first. */
	cpu3_back();
	if (nr_cpus() != 4)
		die("needs 4 CPUs");
	atexit(cpu3_back);
	if (write_file(CPU3_ONLINE, "0"))
		die("taking CPU 3 offline");
	stay_on(0);
	for (i = 0; i < 3; i++) {
		cpus_range(&w[i].start_on, i, i);
		w[i].allowed = w[i].start_on;
	}
	w[3].nice = 19;
	cpus_range(&w[3].start_on, 1, 1);
	cpus_range(&w[3].allowed, 1, 1);
	CPU_SET(3, &w[3].allowed);
	w[3].watch = 1UL << 3;
	before_widen = cpu3_online;
	run_until_reached(w, 4, 500, 5000);
	return 0;
}
