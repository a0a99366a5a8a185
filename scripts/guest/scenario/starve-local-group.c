// SPDX-License-Identifier: GPL-2.0
/*
 * (a) kSTEP's local group imbalance.  The CPUs form two groups, the upper
 * half and the lower; three hogs are pinned to each CPU of the upper
 * group but its first, so the stock balancer finds that group overloaded,
 * compares average loads, finds it no lighter than the lower one and calls
 * the two balanced, although its first CPU idles.  A hog on each CPU of
 * the lower group, and a low-weight victim that may use all of them; after
 * a second it may use every CPU.
 *
 *	starve-local-group [idle|weight] [llc|smt] [8cpus]
 *
 * The victim is nice 19, or SCHED_IDLE, or in a cgroup of cpu.weight 1.
 * The groups are NUMA nodes, or with "llc" the last-level caches of two
 * sockets, or with "smt" the cores of SMT siblings: the program checks
 * that the guest's topology has them (and with "8cpus" that it has 8
 * CPUs), and prints the sched domains of CPU 0 from
 * /sys/kernel/debug/sched/domains.  A run gives up after 10 s between
 * nodes, past the bound there (the node level's period is four of the CPU
 * level's), and after 5 s between LLCs or cores, so that stock's runs do
 * not take the benchmark's whole time.
 */
#include "scenario.h"

/* @path holds the CPU list "@first-@last". */
static int cpulist_is(const char *path, int first, int last)
{
	char want[32];

	snprintf(want, sizeof(want), "%d-%d", first, last);
	return file_is(path, want);
}

/* The names of CPU 0's sched domains, which debugfs lists when verbose. */
static void print_domains(void)
{
	const char *verbose = "/sys/kernel/debug/sched/verbose";
	char path[96], name[32], was[4] = "N";
	int level;
	FILE *f;

	f = fopen(verbose, "r");
	if (f) {
		if (!fgets(was, sizeof(was), f))
			was[0] = 'N';
		fclose(f);
	}
	write_file(verbose, "1");
	printf("domains cpu0");
	for (level = 0; level < 8; level++) {
		snprintf(path, sizeof(path),
			 "/sys/kernel/debug/sched/domains/cpu0/domain%d/name", level);
		f = fopen(path, "r");
		if (!f)
			break;
		if (fgets(name, sizeof(name), f))
			printf(" %.*s", (int)strcspn(name, "\n"), name);
		fclose(f);
	}
	putchar('\n');
	write_file(verbose, was[0] == 'Y' ? "1" : "0");
}

int main(int argc, char **argv)
{
	static struct worker w[MAX_WORKERS];
	const char *groups_are = "node", *victim = "nice";
	int n = nr_cpus(), half = n / 2, cpu, i, nr = 0, ok, cpus = 0, timeout_ms;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "idle") || !strcmp(argv[i], "weight"))
			victim = argv[i];
		else if (!strcmp(argv[i], "llc") || !strcmp(argv[i], "smt"))
			groups_are = argv[i];
		else if (!strcmp(argv[i], "8cpus"))
			cpus = 8;
		else
			die("usage: starve-local-group [idle|weight] [llc|smt] [8cpus]");
	}
	if (!strcmp(groups_are, "node"))
		ok = cpulist_is("/sys/devices/system/node/node0/cpulist", 0, half - 1);
	else if (!strcmp(groups_are, "llc"))
		ok = cpulist_is("/sys/devices/system/cpu/cpu0/cache/index3/shared_cpu_list",
				0, half - 1);
	else
		ok = n == 4 &&
		     cpulist_is("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list",
				0, 1);
	if (n < 4 || n % 2 || !ok || (cpus && n != cpus)) {
		fprintf(stderr, "scenario: needs 4 or more CPUs in two halves that are two %ss%s\n",
			groups_are, cpus ? ", 8 CPUs" : "");
		return 1;
	}
	timeout_ms = strcmp(groups_are, "node") ? 5000 : 10000;
	printf("groups %s\n", groups_are);
	print_domains();
	stay_on(n - 1);
	for (cpu = half + 1; cpu < n; cpu++) {
		for (i = 0; i < 3; i++, nr++) {
			cpus_range(&w[nr].start_on, cpu, cpu);
			w[nr].allowed = w[nr].start_on;
		}
	}
	for (cpu = 0; cpu < half; cpu++, nr++) {
		cpus_range(&w[nr].start_on, cpu, cpu);
		w[nr].allowed = w[nr].start_on;
	}
	if (!strcmp(victim, "idle")) {
		w[nr].policy = SCHED_IDLE;
	} else if (!strcmp(victim, "weight")) {
		make_group("weight", "cpu.weight", "1");
		w[nr].group = "weight";
	} else {
		w[nr].nice = 19;
	}
	cpus_range(&w[nr].start_on, 0, half - 1);
	cpus_range(&w[nr].allowed, 0, n - 1);
	w[nr].watch = 1UL << half;
	run_until_reached(w, nr + 1, 1000, timeout_ms);
	return 0;
}
