/* SPDX-License-Identifier: MIT */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>

enum fg_log_level fg_log_threshold = FG_LOG_INFO;

void fg_log(enum fg_log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = { "error: ", "warning: ", "", "debug: " };
	va_list ap;

	if (level > fg_log_threshold)
		return;
	/* One fprintf per line keeps lines whole when stderr is shared. */
	char line[512];
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "ffsgadget: %s%s\n", prefix[level], line);
}
