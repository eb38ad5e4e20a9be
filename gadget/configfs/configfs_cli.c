/* SPDX-License-Identifier: MIT */
/* Command lines of up, down, status and board. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "configfs/board.h"
#include "configfs/configfs.h"

static const char up_usage[] =
	"usage: ffsgadget up [OPTIONS] SCHEME [-- RUN_OPTIONS...]\n"
	"  --name NAME            configfs gadget name (default: the scheme's)\n"
	"  --udc NAME|auto        UDC to bind (default: the scheme's, else the best free one)\n"
	"  --udc-timeout SEC      wait this long for a UDC to appear (default 0)\n"
	"  --board NAME|none      board profile for the endpoint budget (default: detected)\n"
	"  --boards-dir DIR       where board profiles are\n"
	"  --description INSTANCE=FILE   serve FILE on ffs.INSTANCE instead\n"
	"  --ready-timeout SEC    how long daemons may take to become ready\n"
	"  --run-dir DIR          PID and ready files (default " FG_RUN_DIR ")\n"
	"  --log FILE             daemons' output (default: inherited)\n"
	"  --force                rebuild even when the gadget is up\n"
	"  --supervise            stay, the daemons' parent: READY=1 to systemd once up, the\n"
	"                         gadget taken down and exit 1 when a daemon ends, exit 0 on\n"
	"                         SIGTERM (ffsgadget@.service: Type=notify, Restart=)\n"
	"  -v, --verbose\n"
	"RUN_OPTIONS go to every daemon ('ffsgadget run' options, e.g. --stats).\n";

static int parse_seconds(const char *s, const char *what, unsigned *ms)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || v < 0 || v > 3600) {
		fprintf(stderr, "ffsgadget: %s: '%s' is not a number of seconds\n", what, s);
		return -EINVAL;
	}
	*ms = (unsigned)(v * 1000 + 0.5);
	return 0;
}

int fg_cmd_up(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "udc", required_argument, NULL, 'u' },
		{ "udc-timeout", required_argument, NULL, 'U' },
		{ "board", required_argument, NULL, 'b' },
		{ "boards-dir", required_argument, NULL, 'B' },
		{ "description", required_argument, NULL, 'd' },
		{ "ready-timeout", required_argument, NULL, 'r' },
		{ "run-dir", required_argument, NULL, 'R' },
		{ "log", required_argument, NULL, 'l' },
		{ "force", no_argument, NULL, 'f' },
		{ "supervise", no_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fg_up_options o = { .ready_timeout_ms = -1 };
	struct fg_scheme s;
	char err[512], name[FG_SCHEME_NAME_MAX];
	const char *run_dir;
	bool supervise = false;
	sigset_t signals;
	unsigned ms;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': o.name = optarg; break;
		case 'u': o.udc = optarg; break;
		case 'U':
			if (parse_seconds(optarg, "--udc-timeout", &o.udc_timeout_ms) < 0)
				return 2;
			break;
		case 'b': o.board = optarg; break;
		case 'B': o.boards_dir = optarg; break;
		case 'd': {
			char *eq = strchr(optarg, '=');

			if (!eq || eq == optarg || !eq[1] || o.description_count >= FG_SCHEME_MAX_FUNCS) {
				fprintf(stderr, "ffsgadget: --description wants INSTANCE=FILE\n");
				return 2;
			}
			*eq = '\0';
			o.descriptions[o.description_count].instance = optarg;
			o.descriptions[o.description_count++].file = eq + 1;
			break;
		}
		case 'r':
			if (parse_seconds(optarg, "--ready-timeout", &ms) < 0)
				return 2;
			o.ready_timeout_ms = (int)ms;
			break;
		case 'R': o.run_dir = optarg; break;
		case 'l': o.log = optarg; break;
		case 'f': o.force = true; break;
		case 'S': supervise = true; break;
		case 'v': fg_log_threshold = FG_LOG_DEBUG; break;
		case 'h': fputs(up_usage, stdout); return 0;
		default: fputs(up_usage, stderr); return 2;
		}
	}
	if (optind >= argc) {
		fputs(up_usage, stderr);
		return 2;
	}
	if (optind + 1 < argc) {
		int first = optind + 1;

		if (strcmp(argv[first], "--") == 0)
			first++;
		o.extra = argv + first;
		o.extra_count = (size_t)(argc - first);
	}
	rc = fg_scheme_load(argv[optind], &s, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (size_t i = 0; i < o.description_count; i++) {
		bool known = false;

		for (size_t j = 0; j < s.ffs_count; j++)
			known |= strcmp(s.ffs[j].instance, o.descriptions[i].instance) == 0;
		if (!known) {
			fprintf(stderr, "ffsgadget: --description: %s has no ffs function '%s'\n",
				s.path, o.descriptions[i].instance);
			fg_scheme_free(&s);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (supervise) {
		/* Blocked before the daemons start (they unblock them): a daemon
		 * dying or a stop during up is seen once up is done.  The daemons
		 * must be this process's children: a gadget left up is rebuilt. */
		sigemptyset(&signals);
		sigaddset(&signals, SIGTERM);
		sigaddset(&signals, SIGINT);
		sigaddset(&signals, SIGCHLD);
		sigprocmask(SIG_BLOCK, &signals, NULL);
		o.force = true;
	}
	rc = fg_gadget_up(&s, &o);
	snprintf(name, sizeof(name), "%s", s.name);
	run_dir = o.run_dir ? o.run_dir : s.run_dir;
	if (rc == 0 && supervise)
		rc = fg_gadget_supervise(name, run_dir, &signals);
	fg_scheme_free(&s);
	return rc < 0 ? 1 : 0;
}

static const char down_usage[] =
	"usage: ffsgadget down [--run-dir DIR] [-v] [NAME|SCHEME]...\n"
	"  Unbinds, stops the daemons, unmounts FunctionFS and removes the gadget.\n"
	"  Without NAME: every gadget 'up' started (those with a directory in the run dir).\n";

static bool looks_like_scheme(const char *arg)
{
	size_t n = strlen(arg);
	struct stat st;

	return (n > 7 && strcmp(arg + n - 7, ".scheme") == 0) ||
	       (strchr(arg, '/') && stat(arg, &st) == 0 && S_ISREG(st.st_mode));
}

static int down_one(const char *arg, const char *run_dir_opt)
{
	char err[512];
	int rc;

	if (looks_like_scheme(arg)) {
		struct fg_scheme s;

		rc = fg_scheme_load(arg, &s, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "%s\n", err);
			return rc;
		}
		rc = fg_gadget_down(s.name, run_dir_opt ? run_dir_opt : s.run_dir);
		fg_scheme_free(&s);
		return rc;
	}
	if (!arg[0] || strchr(arg, '/')) {
		fprintf(stderr, "ffsgadget: '%s' is neither a gadget name nor a scheme\n", arg);
		return -EINVAL;
	}
	return fg_gadget_down(arg, run_dir_opt ? run_dir_opt : FG_RUN_DIR);
}

int fg_cmd_down(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "run-dir", required_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *run_dir = NULL;
	int c, failed = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'R': run_dir = optarg; break;
		case 'v': fg_log_threshold = FG_LOG_DEBUG; break;
		case 'h': fputs(down_usage, stdout); return 0;
		default: fputs(down_usage, stderr); return 2;
		}
	}
	if (optind < argc) {
		for (int i = optind; i < argc; i++)
			failed += down_one(argv[i], run_dir) < 0;
		return failed ? 1 : 0;
	}
	/* Every gadget this tool brought up. */
	DIR *d = opendir(run_dir ? run_dir : FG_RUN_DIR);
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		failed += fg_gadget_down(e->d_name, run_dir ? run_dir : FG_RUN_DIR) < 0;
	}
	if (d)
		closedir(d);
	return failed ? 1 : 0;
}

int fg_cmd_status(int argc, char **argv)
{
	const char *run_dir = FG_RUN_DIR, *only = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--run-dir") == 0 && i + 1 < argc)
			run_dir = argv[++i];
		else if (argv[i][0] != '-' && !only)
			only = argv[i];
		else {
			fprintf(stderr, "usage: ffsgadget status [--run-dir DIR] [NAME]\n");
			return 2;
		}
	}
	return fg_gadget_status(run_dir, only);
}

static int board_list(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char names[64][FG_BOARD_NAME_MAX + 8];
	size_t n = 0;

	if (!d) {
		fprintf(stderr, "ffsgadget: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	while ((e = readdir(d)) != NULL && n < 64) {
		size_t l = strlen(e->d_name);

		if (l > 5 && l < sizeof(names[0]) && strcmp(e->d_name + l - 5, ".conf") == 0)
			strcpy(names[n++], e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX + 128], err[512];
		struct fg_board b;

		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= (int)sizeof(path))
			continue;
		if (fg_board_load(path, &b, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			continue;
		}
		printf("%-22s %s\n", b.name, b.summary ? b.summary : "");
		fg_board_free(&b);
	}
	return 0;
}

static void board_show(const struct fg_board *b)
{
	printf("%s: %s\n", b->name, b->summary ? b->summary : "");
	printf("  UDC: driver %s, name %s\n", b->udc_driver[0] ? b->udc_driver : "any",
	       b->udc_pattern[0] ? b->udc_pattern : "any");
	printf("  endpoints: %u IN, %u OUT, %u in all (besides ep0)\n", b->ep_in, b->ep_out,
	       b->ep_total);
	printf("  iso: %s, high-bandwidth iso: %s, super speed: %s\n", b->iso ? "yes" : "no",
	       b->high_bandwidth_iso ? "yes" : "no", b->super_speed ? "yes" : "no");
	if (b->fifo_in_count) {
		printf("  IN FIFOs (bytes):");
		for (size_t i = 0; i < b->fifo_in_count; i++)
			printf(" %u", b->fifo_in[i]);
		printf("\n");
	}
	if (b->fifo_out_shared)
		printf("  RX FIFO shared by OUT endpoints: %u bytes\n", b->fifo_out_shared);
	for (size_t i = 0; i < b->boot_count; i++) {
		const struct fg_boot_op *op = &b->boot[i];

		if (op->kind == FG_BOOT_MASK)
			printf("  root: mask %s\n", op->text);
		else
			printf("  %s: %s %s: %s\n", op->root ? "root" : "boot", op->file,
			       op->kind == FG_BOOT_LINE ? "line" : "word", op->text);
	}
}

static int board_show_cmd(const struct fg_board *b, const char *boot, const char *root)
{
	(void)boot;
	(void)root;
	board_show(b);
	return 0;
}

static int board_install_cmd(const struct fg_board *b, const char *boot, const char *root)
{
	char err[512];
	int rc;

	if (!boot && !root) {
		fprintf(stderr, "ffsgadget: board install: give --boot DIR and/or --root DIR\n");
		return -EINVAL;
	}
	printf("%s:\n", b->name);
	rc = fg_board_install(b, boot, root, stdout, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "ffsgadget: %s\n", err);
	else
		printf("  %d change%s\n", rc, rc == 1 ? "" : "s");
	return rc;
}

/* list needs no profile; show and install run on the one named. */
static const struct board_command {
	const char *name;
	const char *args;
	int (*run)(const struct fg_board *b, const char *boot, const char *root);
} board_commands[] = {
	{ "list", "[--boards-dir DIR]", NULL },
	{ "show", "NAME|FILE", board_show_cmd },
	{ "install", "NAME|FILE [--boot DIR] [--root DIR]", board_install_cmd },
	{ NULL, NULL, NULL },
};

static void board_usage(FILE *out)
{
	for (const struct board_command *c = board_commands; c->name; c++)
		fprintf(out, "%s ffsgadget board %s %s\n", c == board_commands ? "usage:" : "      ",
			c->name, c->args);
	fputs("  install applies the profile's boot configuration to a mounted boot and/or root\n"
	      "  partition; running it again changes nothing.\n", out);
}

int fg_cmd_board(int argc, char **argv)
{
	const char *dir_opt = NULL, *boot = NULL, *root = NULL, *name = NULL;
	const struct board_command *c = board_commands;
	char dirbuf[PATH_MAX], err[512];
	const char *dir;
	struct fg_board b;
	int rc;

	while (argc >= 2 && c->name && strcmp(c->name, argv[1]) != 0)
		c++;
	if (argc < 2 || !c->name) {
		board_usage(stderr);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--boards-dir") == 0 && i + 1 < argc)
			dir_opt = argv[++i];
		else if (strcmp(argv[i], "--boot") == 0 && i + 1 < argc)
			boot = argv[++i];
		else if (strcmp(argv[i], "--root") == 0 && i + 1 < argc)
			root = argv[++i];
		else if (argv[i][0] != '-' && !name)
			name = argv[i];
		else {
			board_usage(stderr);
			return 2;
		}
	}
	dir = fg_boards_dir(dir_opt, NULL, dirbuf, sizeof(dirbuf));
	if (!c->run)
		return board_list(dir);
	if (!name) {
		board_usage(stderr);
		return 2;
	}
	rc = fg_board_open(dir, name, &b, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	rc = c->run(&b, boot, root);
	fg_board_free(&b);
	return rc < 0 ? 1 : 0;
}
