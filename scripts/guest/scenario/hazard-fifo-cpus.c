// SPDX-License-Identifier: GPL-2.0
/*
 * Hazard: CPUs held by SCHED_FIFO.  SCHED_FIFO hogs hold the upper half
 * of the CPUs; three threads a CPU of the lower half, 100 ms of work each,
 * start on CPU 0 and may then use every CPU.  A CPU held by real-time work
 * has no room for them (the fair server gives them 5% there): a balancer
 * that counts it as a sink moves them where they wait longer.
 */
#include "scenario.h"

int main(void)
{
	run_beside_held_cpus(SCHED_FIFO);
	return 0;
}
