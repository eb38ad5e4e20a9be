/* SPDX-License-Identifier: MIT */
/*
 * The real-time mode (gadget/ffs/realtime.c) without privileges: the
 * command-line settings, and what the daemon decides and says when the
 * kernel refuses a part (injected refusals of sched_setscheduler,
 * mlockall and sched_setaffinity).
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ffs/realtime.h"

/* ---- an injectable kernel ---- */

static struct {
	int sched_rc, lock_rc, cpu_rc;
	int policy, priority, cpu;
	unsigned sched_calls, lock_calls, cpu_calls;
	rlim_t rtprio, memlock;
	bool cap_sys_nice, cap_ipc_lock;
} k;

static int fake_sched(int policy, int priority)
{
	k.sched_calls++;
	k.policy = policy;
	k.priority = priority;
	return k.sched_rc;
}

static int fake_lock(void)
{
	k.lock_calls++;
	return k.lock_rc;
}

static int fake_cpu(int cpu)
{
	k.cpu_calls++;
	k.cpu = cpu;
	return k.cpu_rc;
}

static int fake_rlimit(int resource, struct rlimit *out)
{
	rlim_t v = resource == RLIMIT_RTPRIO ? k.rtprio : k.memlock;

	*out = (struct rlimit){ v, v };
	return 0;
}

static bool fake_cap(int cap)
{
	return cap == 23 ? k.cap_sys_nice : cap == 14 ? k.cap_ipc_lock : false;
}

static void fake_cpus(char *out, size_t len)
{
	snprintf(out, len, "0-1");
}

static const struct fg_rt_ops fake = {
	fake_sched, fake_lock, fake_cpu, fake_rlimit, fake_cap, fake_cpus,
};

static int reset(void **st)
{
	(void)st;
	memset(&k, 0, sizeof(k));
	k.memlock = 8 << 20;
	return 0;
}

/* Runs fg_rt_apply with stderr captured into log. */
static int apply_logged(const struct fg_realtime *rt, char *what, size_t whatlen, char *log,
			size_t loglen)
{
	FILE *tmp = tmpfile();
	int saved, rc;
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	rc = fg_rt_apply(rt, &fake, what, whatlen);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(log, 1, loglen - 1, tmp);
	log[n] = '\0';
	fclose(tmp);
	return rc;
}

static struct fg_realtime fifo50(void)
{
	return (struct fg_realtime){ .policy = FG_RT_FIFO, .priority = 50, .cpu = -1,
				     .lock_memory = true };
}

/* ---- the command line ---- */

static void options_parse(void **st)
{
	struct fg_realtime rt = { .cpu = -1 };
	char err[256];

	(void)st;
	assert_int_equal(fg_rt_parse_option(&rt, "--realtime", "fifo:50", err, sizeof(err)), 0);
	assert_int_equal(rt.policy, FG_RT_FIFO);
	assert_int_equal(rt.priority, 50);
	assert_true(rt.lock_memory);
	/* No priority: the one already there (the description's) stays. */
	assert_int_equal(fg_rt_parse_option(&rt, "--realtime", "rr", err, sizeof(err)), 0);
	assert_int_equal(rt.policy, FG_RT_RR);
	assert_int_equal(rt.priority, 50);
	assert_int_equal(fg_rt_parse_option(&rt, "--cpu", "1", err, sizeof(err)), 0);
	assert_int_equal(rt.cpu, 1);
	assert_false(rt.required);
	assert_int_equal(fg_rt_parse_option(&rt, "--realtime-required", NULL, err, sizeof(err)), 0);
	assert_true(rt.required);
	assert_int_equal(fg_rt_parse_option(&rt, "--realtime", "off", err, sizeof(err)), 0);
	assert_int_equal(rt.policy, FG_RT_OFF);
	assert_false(rt.lock_memory);
}

static void options_refused(void **st)
{
	static const char *const bad[] = { "fifo:0", "fifo:100", "fifo:5x", "fifo:", "batch:5",
					   "fifo:-1", "fifo50", "", "FIFO:5", "rr:99999999999" };
	struct fg_realtime rt = { .cpu = -1 };
	char err[256];

	(void)st;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(fg_rt_parse_option(&rt, "--realtime", bad[i], err, sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, "--realtime"));
		assert_int_equal(rt.policy, FG_RT_OFF);   /* unchanged */
	}
	/* A policy without a priority anywhere. */
	assert_int_equal(fg_rt_parse_option(&rt, "--realtime", "fifo", err, sizeof(err)), -EINVAL);
	assert_int_equal(fg_rt_parse_option(&rt, "--cpu", "-1", err, sizeof(err)), -EINVAL);
	assert_int_equal(fg_rt_parse_option(&rt, "--cpu", "1024", err, sizeof(err)), -EINVAL);
	assert_int_equal(fg_rt_parse_option(&rt, "--cpu", "x", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--cpu"));
	assert_int_equal(rt.cpu, -1);
}

/* ---- the decision ---- */

static void granted(void **st)
{
	struct fg_realtime rt = fifo50();
	char what[160], log[2048];

	(void)st;
	rt.cpu = 1;
	assert_int_equal(apply_logged(&rt, what, sizeof(what), log, sizeof(log)), 0);
	assert_int_equal(k.policy, SCHED_FIFO);
	assert_int_equal(k.priority, 50);
	assert_int_equal(k.lock_calls, 1);
	assert_int_equal(k.cpu, 1);
	assert_string_equal(what, "SCHED_FIFO priority 50, memory locked, on CPU 1");
	assert_string_equal(log, "");
}

static void rr_policy_reaches_the_kernel(void **st)
{
	struct fg_realtime rt = fifo50();
	char what[160], log[2048];

	(void)st;
	rt.policy = FG_RT_RR;
	rt.priority = 7;
	rt.lock_memory = false;
	assert_int_equal(apply_logged(&rt, what, sizeof(what), log, sizeof(log)), 0);
	assert_int_equal(k.policy, SCHED_RR);
	assert_int_equal(k.priority, 7);
	assert_int_equal(k.lock_calls, 0);
	assert_int_equal(k.cpu_calls, 0);
}

/* No CAP_SYS_NICE, RLIMIT_RTPRIO 0: named, with the unit's fix; going on by default. */
static void scheduler_refused_goes_on(void **st)
{
	struct fg_realtime rt = fifo50();
	char what[160], log[2048];

	(void)st;
	k.sched_rc = -EPERM;
	assert_int_equal(apply_logged(&rt, what, sizeof(what), log, sizeof(log)), 0);
	assert_non_null(strstr(log, "warning"));
	assert_non_null(strstr(log, "CAP_SYS_NICE"));
	assert_non_null(strstr(log, "RLIMIT_RTPRIO >= 50 (its limit is 0)"));
	assert_non_null(strstr(log, "LimitRTPRIO=50"));
	assert_non_null(strstr(log, "going on without it"));
	assert_int_equal(k.lock_calls, 1);   /* the other parts are still done */
	assert_string_equal(what, "SCHED_FIFO priority 50 refused, memory locked");
}

static void scheduler_refused_required_refuses(void **st)
{
	struct fg_realtime rt = fifo50();
	char what[160], log[2048];

	(void)st;
	rt.required = true;
	k.sched_rc = -EPERM;
	k.rtprio = 10;
	assert_int_equal(apply_logged(&rt, what, sizeof(what), log, sizeof(log)), -EPERM);
	assert_non_null(strstr(log, "error"));
	assert_non_null(strstr(log, "(its limit is 10)"));
	assert_non_null(strstr(log, "refusing to run"));
	assert_int_equal(k.lock_calls, 0);   /* nothing more is tried */
}

/* The capability is there and the kernel still says no: not a permission of the process. */
static void scheduler_refused_with_capability_blames_the_cgroup(void **st)
{
	struct fg_realtime rt = fifo50();
	char what[160], log[2048];

	(void)st;
	k.sched_rc = -EPERM;
	k.cap_sys_nice = true;
	assert_int_equal(apply_logged(&rt, what, sizeof(what), log, sizeof(log)), 0);
	assert_non_null(strstr(log, "cpu.rt_runtime_us"));
	assert_null(strstr(log, "LimitRTPRIO"));
}

static void memory_lock_refused(void **st)
{
	struct fg_realtime rt = fifo50();
	char what[160], log[2048];

	(void)st;
	k.lock_rc = -ENOMEM;
	k.memlock = 65536;
	assert_int_equal(apply_logged(&rt, what, sizeof(what), log, sizeof(log)), 0);
	assert_non_null(strstr(log, "CAP_IPC_LOCK"));
	assert_non_null(strstr(log, "RLIMIT_MEMLOCK (65536 bytes)"));
	assert_non_null(strstr(log, "LimitMEMLOCK=infinity"));
	assert_string_equal(what, "SCHED_FIFO priority 50, memory not locked");
	rt.required = true;
	assert_int_equal(apply_logged(&rt, what, sizeof(what), log, sizeof(log)), -ENOMEM);
}

static void cpu_refused(void **st)
{
	struct fg_realtime rt = fifo50();
	char what[160], log[2048];

	(void)st;
	rt.cpu = 5;
	k.cpu_rc = -EINVAL;
	assert_int_equal(apply_logged(&rt, what, sizeof(what), log, sizeof(log)), 0);
	assert_non_null(strstr(log, "CPU 5"));
	assert_non_null(strstr(log, "may run on CPUs 0-1"));
	assert_int_equal(k.sched_calls, 1);
	assert_string_equal(what, "SCHED_FIFO priority 50, memory locked, CPU 5 refused");
	rt.required = true;
	assert_int_equal(apply_logged(&rt, what, sizeof(what), log, sizeof(log)), -EINVAL);
}

static void off_asks_nothing(void **st)
{
	struct fg_realtime rt = { .policy = FG_RT_OFF, .cpu = -1 };
	char what[160], log[2048];

	(void)st;
	assert_int_equal(apply_logged(&rt, what, sizeof(what), log, sizeof(log)), 0);
	assert_int_equal(k.sched_calls + k.lock_calls + k.cpu_calls, 0);
	assert_string_equal(what, "normal scheduling");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(options_parse, reset),
		cmocka_unit_test_setup(options_refused, reset),
		cmocka_unit_test_setup(granted, reset),
		cmocka_unit_test_setup(rr_policy_reaches_the_kernel, reset),
		cmocka_unit_test_setup(scheduler_refused_goes_on, reset),
		cmocka_unit_test_setup(scheduler_refused_required_refuses, reset),
		cmocka_unit_test_setup(scheduler_refused_with_capability_blames_the_cgroup, reset),
		cmocka_unit_test_setup(memory_lock_refused, reset),
		cmocka_unit_test_setup(cpu_refused, reset),
		cmocka_unit_test_setup(off_asks_nothing, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
