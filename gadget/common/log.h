/* SPDX-License-Identifier: MIT */
/* Diagnostics on stderr, one line each, prefixed with the program name. */
#ifndef FFSGADGET_LOG_H
#define FFSGADGET_LOG_H

enum fg_log_level { FG_LOG_ERR, FG_LOG_WARN, FG_LOG_INFO, FG_LOG_DEBUG };

extern enum fg_log_level fg_log_threshold;

void fg_log(enum fg_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define fg_err(...) fg_log(FG_LOG_ERR, __VA_ARGS__)
#define fg_warn(...) fg_log(FG_LOG_WARN, __VA_ARGS__)
#define fg_info(...) fg_log(FG_LOG_INFO, __VA_ARGS__)
#define fg_dbg(...) fg_log(FG_LOG_DEBUG, __VA_ARGS__)

#endif
