// SPDX-License-Identifier: GPL-2.0
/*
 * spin [-f PRIO] [-n NICE] [-c CPU[,CPU...]]: burn CPU until killed,
 * optionally as SCHED_FIFO at PRIO or at a nice value, bound to the given
 * CPUs.  The guest's busybox has taskset but no chrt; the demo and the
 * benchmarks use this for both.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr, "usage: spin [-f PRIO] [-n NICE] [-c CPU[,CPU...]]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sched_param sp = { 0 };
	cpu_set_t cpus;
	char *tok;
	int opt;

	CPU_ZERO(&cpus);
	while ((opt = getopt(argc, argv, "f:n:c:")) != -1) {
		switch (opt) {
		case 'f':
			sp.sched_priority = atoi(optarg);
			if (sched_setscheduler(0, SCHED_FIFO, &sp)) {
				perror("spin: sched_setscheduler");
				return 1;
			}
			break;
		case 'n':
			if (setpriority(PRIO_PROCESS, 0, atoi(optarg))) {
				perror("spin: setpriority");
				return 1;
			}
			break;
		case 'c':
			for (tok = strtok(optarg, ","); tok; tok = strtok(NULL, ","))
				CPU_SET(atoi(tok), &cpus);
			if (sched_setaffinity(0, sizeof(cpus), &cpus)) {
				perror("spin: sched_setaffinity");
				return 1;
			}
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	for (;;)
		;
}
