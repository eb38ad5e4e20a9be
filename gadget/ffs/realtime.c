/* SPDX-License-Identifier: MIT */
#include "ffs/realtime.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/log.h"

/* Capability numbers (linux/capability.h), without the libcap dependency. */
#define CAP_IPC_LOCK_BIT 14
#define CAP_SYS_NICE_BIT 23
/* Stack the loop may use, touched before it runs (mlockall keeps it resident). */
#define STACK_PREFAULT (256 * 1024)

const char *fg_rt_policy_name(enum fg_rt_policy policy)
{
	switch (policy) {
	case FG_RT_FIFO: return "SCHED_FIFO";
	case FG_RT_RR: return "SCHED_RR";
	default: return "off";
	}
}

static int parse_bounded(const char *text, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int fg_rt_parse_option(struct fg_realtime *rt, const char *option, const char *value, char *err,
		       size_t errlen)
{
	long v;

	if (strcmp(option, "--realtime-required") == 0 && !value) {
		rt->required = true;
		return 0;
	}
	if (!value) {
		snprintf(err, errlen, "%s: needs a value", option);
		return -EINVAL;
	}
	if (strcmp(option, "--cpu") == 0) {
		if (parse_bounded(value, 0, 1023, &v) < 0) {
			snprintf(err, errlen, "--cpu: '%s' is not a CPU number 0..1023", value);
			return -EINVAL;
		}
		rt->cpu = (int)v;
		return 0;
	}
	if (strcmp(option, "--realtime") != 0) {
		snprintf(err, errlen, "%s: not a real-time option", option);
		return -EINVAL;
	}
	if (strcmp(value, "off") == 0) {
		rt->policy = FG_RT_OFF;
		rt->lock_memory = false;
		return 0;
	}
	const char *colon = strchr(value, ':');
	size_t name_len = colon ? (size_t)(colon - value) : strlen(value);
	enum fg_rt_policy policy;

	if (name_len == 4 && strncmp(value, "fifo", 4) == 0)
		policy = FG_RT_FIFO;
	else if (name_len == 2 && strncmp(value, "rr", 2) == 0)
		policy = FG_RT_RR;
	else
		goto bad;
	if (colon) {
		if (parse_bounded(colon + 1, 1, 99, &v) < 0)
			goto bad;
		rt->priority = (int)v;
	} else if (rt->priority < 1 || rt->priority > 99) {
		goto bad;   /* no priority here nor in the description */
	}
	rt->policy = policy;
	rt->lock_memory = true;
	return 0;
bad:
	snprintf(err, errlen, "--realtime: '%s' is not fifo:PRIORITY, rr:PRIORITY (1..99) or off",
		 value);
	return -EINVAL;
}

static void describe_limit(const struct fg_rt_ops *ops, int resource, char *out, size_t len)
{
	struct rlimit rl;

	if (ops->get_rlimit(resource, &rl) < 0)
		snprintf(out, len, "unknown");
	else if (rl.rlim_cur == RLIM_INFINITY)
		snprintf(out, len, "unlimited");
	else
		snprintf(out, len, "%" PRIu64, (uint64_t)rl.rlim_cur);
}

/*
 * One refused part, said once: as an error returning rc when the run must
 * end (required), else as a warning returning 1 (going on without it).
 */
static int refused(const struct fg_realtime *rt, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refused(const struct fg_realtime *rt, int rc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rt->required) {
		fg_err("realtime: %s; refusing to run (realtime.required)", msg);
		return rc;
	}
	fg_warn("realtime: %s; going on without it", msg);
	return 1;
}

static int apply_cpu(const struct fg_realtime *rt, const struct fg_rt_ops *ops)
{
	char allowed[128] = "";
	int rc = ops->set_cpu(rt->cpu);

	if (rc == 0)
		return 0;
	ops->allowed_cpus(allowed, sizeof(allowed));
	return refused(rt, rc, "pinning to CPU %d refused: %s (this process may run on CPUs %s)",
		       rt->cpu, strerror(-rc), allowed[0] ? allowed : "unknown");
}

static int apply_scheduler(const struct fg_realtime *rt, const struct fg_rt_ops *ops)
{
	const char *name = fg_rt_policy_name(rt->policy);
	char limit[32];
	int rc = ops->set_scheduler(rt->policy == FG_RT_RR ? SCHED_RR : SCHED_FIFO, rt->priority);

	if (rc == 0)
		return 0;
	describe_limit(ops, RLIMIT_RTPRIO, limit, sizeof(limit));
	if (rc != -EPERM)
		return refused(rt, rc, "%s priority %d refused: %s", name, rt->priority,
			       strerror(-rc));
	if (ops->has_capability(CAP_SYS_NICE_BIT))
		return refused(rt, rc, "%s priority %d refused (EPERM) although CAP_SYS_NICE is "
			       "effective: the cgroup has no real-time budget (cpu.rt_runtime_us, "
			       "CONFIG_RT_GROUP_SCHED)", name, rt->priority);
	return refused(rt, rc, "%s priority %d refused (EPERM): the process has neither "
		       "CAP_SYS_NICE nor RLIMIT_RTPRIO >= %d (its limit is %s); grant one: "
		       "LimitRTPRIO=%d or AmbientCapabilities=CAP_SYS_NICE in the unit, "
		       "or 'ulimit -r %d'", name, rt->priority, rt->priority, limit, rt->priority,
		       rt->priority);
}

static int apply_memory_lock(const struct fg_realtime *rt, const struct fg_rt_ops *ops)
{
	char limit[32];
	int rc = ops->lock_memory();

	if (rc == 0)
		return 0;
	describe_limit(ops, RLIMIT_MEMLOCK, limit, sizeof(limit));
	if ((rc == -ENOMEM || rc == -EPERM) && !ops->has_capability(CAP_IPC_LOCK_BIT))
		return refused(rt, rc, "mlockall refused (%s): the process has no CAP_IPC_LOCK "
			       "and RLIMIT_MEMLOCK (%s bytes) is smaller than the daemon; grant "
			       "one: LimitMEMLOCK=infinity or AmbientCapabilities=CAP_IPC_LOCK in "
			       "the unit, or 'ulimit -l unlimited'", strerror(-rc), limit);
	return refused(rt, rc, "mlockall refused: %s", strerror(-rc));
}

/* Touches the stack the loop will use, so that its pages are there (and locked). */
__attribute__((noinline))
static void prefault_stack(void)
{
	volatile unsigned char stack[STACK_PREFAULT];

	for (size_t i = 0; i < sizeof(stack); i += 4096)
		stack[i] = 0;
}

static void append(char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void append(char *out, size_t len, const char *fmt, ...)
{
	size_t used = strlen(out);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(out + used, len - used, fmt, ap);
	va_end(ap);
}

int fg_rt_apply(const struct fg_realtime *rt, const struct fg_rt_ops *ops, char *what,
		size_t whatlen)
{
	int cpu = 0, sched = 0, mem = 0;
	char scratch[8];

	if (!what || !whatlen) {
		what = scratch;
		whatlen = sizeof(scratch);
	}
	/* The CPU first: the priority then applies where the process will run. */
	if (rt->cpu >= 0 && (cpu = apply_cpu(rt, ops)) < 0)
		return cpu;
	if (rt->policy != FG_RT_OFF && (sched = apply_scheduler(rt, ops)) < 0)
		return sched;
	if (rt->lock_memory && (mem = apply_memory_lock(rt, ops)) < 0)
		return mem;
	prefault_stack();
	if (rt->policy == FG_RT_OFF)
		snprintf(what, whatlen, "normal scheduling");
	else
		snprintf(what, whatlen, "%s priority %d%s", fg_rt_policy_name(rt->policy),
			 rt->priority, sched ? " refused" : "");
	if (rt->lock_memory)
		append(what, whatlen, mem ? ", memory not locked" : ", memory locked");
	if (rt->cpu >= 0)
		append(what, whatlen, cpu ? ", CPU %d refused" : ", on CPU %d", rt->cpu);
	return 0;
}

/* ---- the system's side ---- */

static int sys_set_scheduler(int policy, int priority)
{
	struct sched_param sp = { .sched_priority = priority };

	return sched_setscheduler(0, policy, &sp) < 0 ? -errno : 0;
}

static int sys_lock_memory(void)
{
	return mlockall(MCL_CURRENT | MCL_FUTURE) < 0 ? -errno : 0;
}

static int sys_set_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu >= CPU_SETSIZE)
		return -EINVAL;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) < 0 ? -errno : 0;
}

static int sys_get_rlimit(int resource, struct rlimit *out)
{
	return getrlimit(resource, out) < 0 ? -errno : 0;
}

/* CapEff from /proc/self/status: no libcap for one bit. */
static bool sys_has_capability(int cap)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	bool has = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long mask;

		if (sscanf(line, "CapEff: %llx", &mask) == 1) {
			has = (mask >> cap) & 1;
			break;
		}
	}
	fclose(f);
	return has;
}

static void sys_allowed_cpus(char *out, size_t len)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[512];

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Cpus_allowed_list:", 18) == 0) {
			const char *v = line + 18;

			v += strspn(v, " \t");
			snprintf(out, len, "%.*s", (int)strcspn(v, "\n"), v);
			break;
		}
	}
	fclose(f);
}

const struct fg_rt_ops fg_rt_system_ops = {
	.set_scheduler = sys_set_scheduler,
	.lock_memory = sys_lock_memory,
	.set_cpu = sys_set_cpu,
	.get_rlimit = sys_get_rlimit,
	.has_capability = sys_has_capability,
	.allowed_cpus = sys_allowed_cpus,
};
