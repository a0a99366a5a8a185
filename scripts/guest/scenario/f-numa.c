// SPDX-License-Identifier: GPL-2.0
/*
 * (f) Two NUMA nodes, every thread started on node 0: two threads per CPU
 * of the machine, 100 ms of work each, released on node 0's CPUs and then
 * allowed everywhere.  Half the work belongs on node 1.
 */
#include "scenario.h"

/* The CPUs of node 0, from sysfs: "0-1" or "0,1". */
static void node0_cpus(cpu_set_t *set)
{
	char buf[256], *at = buf;
	int a, b, len;
	FILE *f;

	CPU_ZERO(set);
	f = fopen("/sys/devices/system/node/node0/cpulist", "r");
	if (!f || !fgets(buf, sizeof(buf), f))
		die("node0/cpulist");
	fclose(f);
	while (sscanf(at, "%d%n", &a, &len) == 1) {
		at += len;
		b = a;
		if (*at == '-' && sscanf(at + 1, "%d%n", &b, &len) == 1)
			at += 1 + len;
		for (; a <= b; a++)
			CPU_SET(a, set);
		if (*at == ',')
			at++;
	}
}

int main(void)
{
	static struct worker w[MAX_WORKERS];
	int n = nr_cpus(), nr = 2 * n, i;
	cpu_set_t node0;

	node0_cpus(&node0);
	if (CPU_COUNT(&node0) == n)
		fprintf(stderr, "f-numa: one node only: every CPU is node 0's\n");
	stay_on(n - 1);
	for (i = 0; i < nr; i++) {
		w[i].work_ms = 100;
		w[i].start_on = node0;
		cpus_range(&w[i].allowed, 0, n - 1);
	}
	run_workers(w, nr);
	return 0;
}
