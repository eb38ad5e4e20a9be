/* SPDX-License-Identifier: MIT */
/*
 * The description's "realtime" group: how the daemon asks to be scheduled.
 *
 *   realtime = {
 *     policy = "fifo";        # "fifo" | "rr" | "off"
 *     priority = 50;          # 1..99
 *     cpu = 1;                # optional: pin the daemon to this CPU
 *     lock_memory = true;     # mlockall, default true with a policy
 *     required = false;       # true: refuse to run without every part
 *   };
 */
#include <errno.h>
#include <string.h>

#include "description/description_parse.h"

int fg_parse_realtime(struct fg_parse *p, const config_setting_t *g)
{
	static const char *const keys[] = { "policy", "priority", "cpu", "lock_memory",
					    "required", NULL };
	struct fg_realtime *rt = &p->m->realtime;
	const config_setting_t *s;
	const char *policy = NULL;
	long long v;
	int ret;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return fg_fail(p, g, "function: 'realtime' must be a group { ... }");
	if ((ret = fg_check_keys(p, g, "realtime", keys)) < 0 ||
	    (ret = fg_req_string(p, g, "policy", "realtime", &policy)) < 0)
		return ret;
	rt->line = (unsigned)config_setting_source_line(g);
	if (strcmp(policy, "fifo") == 0)
		rt->policy = FG_RT_FIFO;
	else if (strcmp(policy, "rr") == 0)
		rt->policy = FG_RT_RR;
	else if (strcmp(policy, "off") == 0)
		rt->policy = FG_RT_OFF;
	else
		return fg_fail(p, fg_member(g, "policy"),
			       "realtime: 'policy' \"%s\" is not \"fifo\", \"rr\" or \"off\"", policy);
	v = 0;
	ret = fg_opt_int(p, g, "priority", "realtime", 1, 99, &v);
	if (ret < 0)
		return ret;
	if (ret == 0 && rt->policy != FG_RT_OFF)
		return fg_fail(p, g, "realtime: 'priority' (1..99) is required with policy \"%s\"",
			       policy);
	rt->priority = (int)v;
	v = -1;
	if ((ret = fg_opt_int(p, g, "cpu", "realtime", 0, 1023, &v)) < 0)
		return ret;
	rt->cpu = (int)v;
	rt->lock_memory = rt->policy != FG_RT_OFF;
	const char *bools[] = { "lock_memory", "required" };
	bool *fields[] = { &rt->lock_memory, &rt->required };
	for (size_t i = 0; i < 2; i++) {
		s = fg_member(g, bools[i]);
		if (!s)
			continue;
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			return fg_fail(p, s, "realtime: '%s' must be true or false", bools[i]);
		*fields[i] = config_setting_get_bool(s);
	}
	return 0;
}
