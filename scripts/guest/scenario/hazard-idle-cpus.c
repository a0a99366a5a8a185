// SPDX-License-Identifier: GPL-2.0
/*
 * Hazard: CPUs running only SCHED_IDLE threads.  SCHED_IDLE hogs hold the
 * upper half of the CPUs; three threads a CPU of the lower half, 100 ms
 * of work each, start on CPU 0 and may then use every CPU.  A CPU that
 * runs only SCHED_IDLE work has room (a thread moved there preempts it, as
 * sched_idle_cpu() says for wake-ups): a balancer that counts it busy
 * leaves the threads queued on CPU 0 and 1.
 */
#include "scenario.h"

int main(void)
{
	run_beside_held_cpus(SCHED_IDLE);
	return 0;
}
