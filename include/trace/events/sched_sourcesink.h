/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM sched
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE sched_sourcesink

#if !defined(_TRACE_SCHED_SOURCESINK_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_SCHED_SOURCESINK_H

#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/tracepoint.h>

/*
 * One per decision of the source/sink balancer: the mode, how many CPUs
 * were sources and sinks, and the first pair it chose (-1 when none) with
 * their loads (state mode) or scores (score mode).
 */
TRACE_EVENT(sched_sourcesink_decision,
	    TP_PROTO(int mode, unsigned int nr_sources, unsigned int nr_sinks,
		     int src_cpu, int dst_cpu, u64 src_metric, u64 dst_metric),
	    TP_ARGS(mode, nr_sources, nr_sinks, src_cpu, dst_cpu, src_metric,
		    dst_metric),
	    TP_STRUCT__entry(__field(int, mode)
			     __field(unsigned int, nr_sources)
			     __field(unsigned int, nr_sinks)
			     __field(int, src_cpu)
			     __field(int, dst_cpu)
			     __field(u64, src_metric)
			     __field(u64, dst_metric)),
	    TP_fast_assign(__entry->mode = mode;
			   __entry->nr_sources = nr_sources;
			   __entry->nr_sinks = nr_sinks;
			   __entry->src_cpu = src_cpu;
			   __entry->dst_cpu = dst_cpu;
			   __entry->src_metric = src_metric;
			   __entry->dst_metric = dst_metric;),
	    TP_printk("mode=%s sources=%u sinks=%u src_cpu=%d dst_cpu=%d src_%s=%llu dst_%s=%llu",
		      __entry->mode == 2 ? "score" : "state",
		      __entry->nr_sources, __entry->nr_sinks,
		      __entry->src_cpu, __entry->dst_cpu,
		      __entry->mode == 2 ? "score" : "load", __entry->src_metric,
		      __entry->mode == 2 ? "score" : "load", __entry->dst_metric)
);

/*
 * One per decision, at its end: its work, counted as the debugfs view's
 * work line counts it (runqueue locks taken, waiters walked, CPUs read),
 * the longest stretch it ran without a chance to be preempted, and how
 * long after its period was claimed it began.
 */
TRACE_EVENT(sched_sourcesink_decision_work,
	    TP_PROTO(u64 locks, u64 walked, u64 scanned, u64 stretch_ns,
		     u64 delay_ns),
	    TP_ARGS(locks, walked, scanned, stretch_ns, delay_ns),
	    TP_STRUCT__entry(__field(u64, locks)
			     __field(u64, walked)
			     __field(u64, scanned)
			     __field(u64, stretch_ns)
			     __field(u64, delay_ns)),
	    TP_fast_assign(__entry->locks = locks;
			   __entry->walked = walked;
			   __entry->scanned = scanned;
			   __entry->stretch_ns = stretch_ns;
			   __entry->delay_ns = delay_ns;),
	    TP_printk("locks=%llu walked=%llu scanned=%llu stretch_ns=%llu delay_ns=%llu",
		      __entry->locks, __entry->walked, __entry->scanned,
		      __entry->stretch_ns, __entry->delay_ns)
);

/*
 * One per node-level step of a decision: how many NUMA nodes were sources
 * and sinks, and the first pair of nodes it chose (-1 when none) with
 * their mean loads (state mode) or scores (score mode) and distance.
 */
TRACE_EVENT(sched_sourcesink_node_decision,
	    TP_PROTO(int mode, unsigned int nr_sources, unsigned int nr_sinks,
		     int src_node, int dst_node, u64 src_metric, u64 dst_metric,
		     int distance),
	    TP_ARGS(mode, nr_sources, nr_sinks, src_node, dst_node, src_metric,
		    dst_metric, distance),
	    TP_STRUCT__entry(__field(int, mode)
			     __field(unsigned int, nr_sources)
			     __field(unsigned int, nr_sinks)
			     __field(int, src_node)
			     __field(int, dst_node)
			     __field(u64, src_metric)
			     __field(u64, dst_metric)
			     __field(int, distance)),
	    TP_fast_assign(__entry->mode = mode;
			   __entry->nr_sources = nr_sources;
			   __entry->nr_sinks = nr_sinks;
			   __entry->src_node = src_node;
			   __entry->dst_node = dst_node;
			   __entry->src_metric = src_metric;
			   __entry->dst_metric = dst_metric;
			   __entry->distance = distance;),
	    TP_printk("mode=%s sources=%u sinks=%u src_node=%d dst_node=%d src_%s=%llu dst_%s=%llu distance=%d",
		      __entry->mode == 2 ? "score" : "state",
		      __entry->nr_sources, __entry->nr_sinks,
		      __entry->src_node, __entry->dst_node,
		      __entry->mode == 2 ? "score" : "load", __entry->src_metric,
		      __entry->mode == 2 ? "score" : "load", __entry->dst_metric,
		      __entry->distance)
);

/*
 * One per thread the balancer moves, with how long it had waited.  The
 * wait is split into milliseconds and the nanoseconds left over when it is
 * recorded, so that no 64-bit division is left for 32-bit kernels to print.
 */
TRACE_EVENT(sched_sourcesink_move,
	    TP_PROTO(struct task_struct *p, int src_cpu, int dst_cpu, u64 waited_ns),
	    TP_ARGS(p, src_cpu, dst_cpu, waited_ns),
	    TP_STRUCT__entry(__array(char, comm, TASK_COMM_LEN)
			     __field(pid_t, pid)
			     __field(int, src_cpu)
			     __field(int, dst_cpu)
			     __field(u64, waited_ms)
			     __field(u32, waited_rem_ns)),
	    TP_fast_assign(memcpy(__entry->comm, p->comm, TASK_COMM_LEN);
			   __entry->pid = p->pid;
			   __entry->src_cpu = src_cpu;
			   __entry->dst_cpu = dst_cpu;
			   __entry->waited_ms = div_u64_rem(waited_ns, NSEC_PER_MSEC,
							    &__entry->waited_rem_ns);),
	    TP_printk("comm=%s pid=%d src_cpu=%d dst_cpu=%d waited_ms=%llu.%03u",
		      __entry->comm, __entry->pid, __entry->src_cpu, __entry->dst_cpu,
		      __entry->waited_ms,
		      (unsigned int)(__entry->waited_rem_ns / NSEC_PER_USEC))
);

/*
 * One each time a decision finds a starving thread past its documented
 * bound on @cpu (L + P, or L + N + P when only another node had a sink,
 * plus two ticks) after the previous decision left it there although a
 * sink existed: @reason is why it was left (the move bound was spent, or
 * every sink had taken a thread already).
 */
TRACE_EVENT(sched_sourcesink_breach,
	    TP_PROTO(int cpu, u64 waited_ns, const char *reason),
	    TP_ARGS(cpu, waited_ns, reason),
	    TP_STRUCT__entry(__field(int, cpu)
			     __field(u64, waited_ms)
			     __field(u32, waited_rem_ns)
			     __string(reason, reason)),
	    TP_fast_assign(__entry->cpu = cpu;
			   __entry->waited_ms = div_u64_rem(waited_ns, NSEC_PER_MSEC,
							    &__entry->waited_rem_ns);
			   __assign_str(reason);),
	    TP_printk("cpu=%d waited_ms=%llu.%03u reason=%s",
		      __entry->cpu, __entry->waited_ms,
		      (unsigned int)(__entry->waited_rem_ns / NSEC_PER_USEC),
		      __get_str(reason))
);

#endif /* _TRACE_SCHED_SOURCESINK_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
