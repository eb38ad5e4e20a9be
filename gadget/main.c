/* SPDX-License-Identifier: MIT */
/*
 * ffsgadget: the command line.  Every error travels up as a negative errno
 * and is reported here, once.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "common/log.h"
#include "configfs/configfs.h"
#include "configfs/scheme.h"
#include "description/description.h"
#include "ffs/describe.h"
#include "ffs/engine.h"
#include "ffs/ffs_features.h"
#include "ffs/personality.h"
#include "personalities/personalities.h"
#include "ffs/realtime.h"

#define FFSGADGET_VERSION "0.1.0"

struct command {
	const char *name;
	const char *args;
	int (*run)(int argc, char **argv);   /* argv[0] is the command's name */
	const char *help;
};

static const struct command *commands(void);

static void usage(FILE *out)
{
	for (const struct command *c = commands(); c->name; c++) {
		char synopsis[64];

		snprintf(synopsis, sizeof(synopsis), "%s %s", c->name, c->args);
		fprintf(out, "%s ffsgadget %-28s %s\n", c == commands() ? "usage:" : "      ",
			synopsis, c->help);
	}
	fprintf(out,
		"\n"
		"run options:\n"
		"  --stats / --no-stats   a statistics line every interval (default: when stdout is a TTY)\n"
		"  --interval MS          statistics interval (default 1000)\n"
		"  --ready-file PATH      created (with the pid) once the kernel accepted the descriptors;\n"
		"                         bind the UDC only after it exists\n"
		"  --seconds N            stop after N seconds\n"
		"  --realtime fifo[:PRIO] | rr[:PRIO] | off\n"
		"                         real-time scheduling (1..99), memory locked; overrides the\n"
		"                         description's realtime group (PRIO from it when omitted)\n"
		"  --cpu N                pin the daemon to CPU N\n"
		"  --realtime-required    refuse to run when any of it is refused (default: go on,\n"
		"                         saying which permission is missing)\n"
		"  --dmabuf               bulk endpoints on FunctionFS DMABUF (udmabuf buffers) where\n"
		"                         the kernel, the UDC and the personality allow it, else AIO;\n"
		"                         the log says which path each endpoint took\n"
		"  -v, --verbose          debug messages\n");
}

/* The description and its personality, checked as run checks them. */
static int load(const char *path, struct fg_model **m, const struct fg_personality **p)
{
	char err[512] = "";
	int rc = fg_personality_load(path, m, p, err, sizeof(err));

	if (rc < 0)
		fprintf(stderr, "%s\n", err[0] ? err : strerror(-rc));
	return rc;
}
static int cmd_describe(int argc, char **argv)
{
	bool hex = false;
	const char *path = NULL;
	const struct fg_personality *p;
	struct fg_model *m;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--hex") == 0)
			hex = true;
		else if (!path)
			path = argv[i];
		else
			path = NULL, i = argc;
	}
	if (!path) {
		usage(stderr);
		return 2;
	}
	if (load(path, &m, &p) < 0)
		return 1;
	rc = fg_describe(stdout, m, hex);
	fg_model_free(m);
	if (rc < 0) {
		fprintf(stderr, "ffsgadget: %s: %s\n", path, strerror(-rc));
		return 1;
	}
	return 0;
}

/*
 * A DFU interface needs a FunctionFS that takes its functional descriptor
 * (6.12 on).  check writes nothing to the kernel, so the running kernel's
 * version is its guess; the daemon's write and doctor's probe are the proof.
 */
static void note_dfu_kernel(const struct fg_model *m)
{
	struct utsname u;
	uint8_t iface;

	if (!fg_model_dfu_alt(m, &iface) || uname(&u) < 0 || fg_ffs_dfu_by_version(u.release))
		return;
	printf("  note: interface %u is DFU, which needs Linux %d.%d or later (FunctionFS takes "
	       "the DFU functional descriptor from then); this kernel is %s (judged by version: "
	       "'ffsgadget doctor %s' as root probes it)\n", iface, FG_FFS_DFU_MAJOR,
	       FG_FFS_DFU_MINOR, u.release, m->source);
}

/* Alt settings past FunctionFS's 0-2: what run will do with them on each kind of kernel. */
static void note_alt_limit(const struct fg_model *m)
{
	const struct fg_alt *over;
	uint8_t iface;

	over = fg_ffs_alt_over_limit(m, &iface);
	if (!over)
		return;
	printf("  note: %s:%u: interface %u alt %u: FunctionFS selects alt settings 0-%d only "
	       "(MAX_ALT_SETTINGS): 'run' refuses this on kernels with get_alt (6.10 on), and "
	       "folds every alt setting into alt 0 on kernels without\n", m->source, over->line,
	       iface, over->number, FG_FFS_MAX_ALT);
}

/*
 * A scheme: its own fields, then each description it names, so that a
 * scheme from an untrusted place (the boot partition, read at first boot)
 * is refused with the file, line and field before it replaces a working one.
 */
static int check_scheme(const char *path)
{
	struct fg_scheme s;
	char err[512] = "";
	int failed = 0;
	int rc = fg_scheme_load(path, &s, err, sizeof(err));

	if (rc < 0) {
		fprintf(stderr, "%s\n", err[0] ? err : strerror(-rc));
		return rc;
	}
	for (size_t i = 0; i < s.ffs_count; i++) {
		const struct fg_personality *p;
		struct fg_model *m;

		if (load(s.ffs[i].description, &m, &p) < 0) {
			fprintf(stderr, "%s:%u: ffs.%s: its description %s is refused (above)\n",
				path, s.ffs[i].line, s.ffs[i].instance, s.ffs[i].description);
			failed++;
			continue;
		}
		fg_model_free(m);
	}
	if (!failed)
		printf("%s: ok (scheme '%s', %zu FunctionFS and %zu kernel functions)\n", path,
		       s.name, s.ffs_count, s.kfunc_count);
	fg_scheme_free(&s);
	return failed ? -EINVAL : 0;
}

static bool is_scheme(const char *path)
{
	size_t n = strlen(path);

	return n > 7 && strcmp(path + n - 7, ".scheme") == 0;
}

static int cmd_check(int argc, char **argv)
{
	int failed = 0;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		const struct fg_personality *p;
		struct fg_model *m;

		if (is_scheme(argv[i])) {
			if (check_scheme(argv[i]) < 0)
				failed++;
			continue;
		}
		if (load(argv[i], &m, &p) < 0) {
			failed++;
			continue;
		}
		printf("%s: ok (%s, personality '%s')\n", argv[i], m->name, m->personality);
		note_dfu_kernel(m);
		note_alt_limit(m);
		fg_model_free(m);
	}
	return failed ? 1 : 0;
}

static int cmd_personalities(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; fg_personalities[i]; i++)
		printf("%-12s %s\n", fg_personalities[i]->name, fg_personalities[i]->summary);
	return 0;
}

static int parse_uint(const char *s, const char *what, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 86400000UL) {
		fprintf(stderr, "ffsgadget: %s: '%s' is not a number of the expected size\n", what, s);
		return -EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}

/*
 * What the running kernel's FunctionFS can select (only a probed answer
 * counts: a version is a guess).  With get_alt, alt settings 0-2: one
 * above is refused, as the host's SET_INTERFACE to it would stall.
 * Without get_alt only alt 0 can be selected: every interface's alt
 * settings fold into alt 0, said once, so that the endpoints still serve.
 */
static int fit_alts_to_kernel(struct fg_model *m)
{
	struct fg_ffs_probe probe;
	const struct fg_alt *over;
	char alts[200], how[160];
	uint8_t iface;

	if (!fg_ffs_alts_needing_get_alt(m, alts, sizeof(alts)) &&
	    !fg_ffs_alt_over_limit(m, &iface))
		return 0;
	fg_ffs_probe_get_alt(FG_KALLSYMS, &probe);
	fg_ffs_probe_explain(&probe, how, sizeof(how));
	if (probe.answer == FG_FFS_FEATURE_ABSENT) {
		fg_ffs_fold_alts(m);
		fg_warn("%s: endpoints in %s, but this kernel's FunctionFS has no get_alt (%s), "
			"so the host could not select them: falling back to every endpoint in "
			"alt 0 of its interface", m->source, alts, how);
		return 0;
	}
	over = fg_ffs_alt_over_limit(m, &iface);
	if (over && probe.answer == FG_FFS_FEATURE_PRESENT) {
		fg_err("%s:%u: interface %u alt %u: FunctionFS selects alt settings 0-%d only "
		       "(f_fs MAX_ALT_SETTINGS; %s): the host's SET_INTERFACE to it would stall",
		       m->source, over->line, iface, over->number, FG_FFS_MAX_ALT, how);
		return -EINVAL;
	}
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "stats", no_argument, NULL, 's' },
		{ "no-stats", no_argument, NULL, 'S' },
		{ "interval", required_argument, NULL, 'i' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "realtime", required_argument, NULL, 'R' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "realtime-required", no_argument, NULL, 'Q' },
		{ "dmabuf", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fg_engine_options o = { .stats = FG_STATS_AUTO, .stats_interval_ms = 1000 };
	const struct fg_personality *p;
	struct fg_model *m;
	void *pstate = NULL;
	char err[512] = "";
	/* Real-time options in order, applied over the description's once it is loaded. */
	struct { const char *option, *value; } rt_args[16];
	size_t rt_count = 0;
	struct fg_realtime rt;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o.stats = FG_STATS_ON; break;
		case 'S': o.stats = FG_STATS_OFF; break;
		case 'i':
			if (parse_uint(optarg, "--interval", &o.stats_interval_ms) < 0)
				return 2;
			break;
		case 'r': o.ready_file = optarg; break;
		case 'D': o.dmabuf = true; break;
		case 't':
			if (parse_uint(optarg, "--seconds", &o.run_seconds) < 0)
				return 2;
			break;
		case 'v': fg_log_threshold = FG_LOG_DEBUG; break;
		case 'R':
		case 'C':
		case 'Q':
			if (rt_count == sizeof(rt_args) / sizeof(rt_args[0])) {
				fprintf(stderr, "ffsgadget: too many real-time options\n");
				return 2;
			}
			rt_args[rt_count].option = c == 'R' ? "--realtime" :
						   c == 'C' ? "--cpu" : "--realtime-required";
			rt_args[rt_count++].value = c == 'Q' ? NULL : optarg;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	o.mount = argv[optind + 1];
	rc = fg_description_load(argv[optind], &m, err, sizeof(err));
	if (rc == 0 && fit_alts_to_kernel(m) < 0) {
		fg_model_free(m);
		return 1;
	}
	if (rc == 0) {
		rc = fg_personality_prepare(m, &p, &pstate, err, sizeof(err));
		if (rc < 0)
			fg_model_free(m);
	}
	if (rc < 0) {
		fprintf(stderr, "%s\n", err[0] ? err : strerror(-rc));
		return 1;
	}
	rt = m->realtime;
	for (size_t i = 0; i < rt_count; i++) {
		if (fg_rt_parse_option(&rt, rt_args[i].option, rt_args[i].value, err,
				       sizeof(err)) < 0) {
			fprintf(stderr, "ffsgadget: %s%s\n", err,
				rt.priority ? "" : " (the description has no realtime priority)");
			if (p->destroy)
				p->destroy(pstate);
			fg_model_free(m);
			return 2;
		}
	}
	o.realtime = &rt;
	/* Line-buffered even into a pipe: the statistics are read live. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = fg_engine_run(m, p, pstate, &o);
	if (p->destroy)
		p->destroy(pstate);
	fg_model_free(m);
	if (rc < 0) {
		fprintf(stderr, "ffsgadget: stopped: %s\n", strerror(-rc));
		return 1;
	}
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("ffsgadget %s\n", FFSGADGET_VERSION);
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

static const struct command command_table[] = {
	{ "describe", "[--hex] FILE", cmd_describe, "print a description's descriptors (addresses as requested)" },
	{ "check", "FILE...", cmd_check,
	  "validate descriptions (and their personality's options), and FILE.scheme schemes" },
	{ "run", "[OPTIONS] FILE MOUNT", cmd_run, "serve FILE on the FunctionFS mounted at MOUNT" },
	{ "personalities", "", cmd_personalities, "list the device personalities" },
	{ "up", "[OPTIONS] SCHEME", fg_cmd_up, "compose the gadget, start its daemons, bind" },
	{ "down", "[NAME|SCHEME...]", fg_cmd_down, "unbind, stop, unmount, remove (all: no NAME)" },
	{ "status", "[NAME]", fg_cmd_status, "gadgets, their daemons, the UDCs" },
	{ "doctor", "[SCHEME|FILE...]", fg_cmd_doctor,
	  "what the kernel offers, with fixes; exit status 1 when a piece is missing" },
	{ "board", "list|show|install", fg_cmd_board, "board profiles (boards/)" },
	{ "--version", "", cmd_version, "the version" },
	{ "--help", "", cmd_help, "this text" },
	{ NULL, NULL, NULL, NULL },
};

static const struct command *commands(void)
{
	return command_table;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0)
		return cmd_help(argc - 1, argv + 1);
	for (const struct command *c = commands(); c->name; c++)
		if (strcmp(argv[1], c->name) == 0)
			return c->run(argc - 1, argv + 1);
	fprintf(stderr, "ffsgadget: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
