/* SPDX-License-Identifier: MIT */
/*
 * ffsgadget-host: the host side of an ffsgadget device.
 *
 *   ffsgadget-host [OPTIONS] list | info | ctrl ... | read | write | stream | iso-counters
 *
 * Exit status: 0 success; 1 verification failures (mismatched bytes, lost
 * packets), transfer errors or a STALL; 2 usage, no device, no permission;
 * 3 device lost mid-run.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fgh.h"

#define MAX_STREAMS 2
#define CTRL_MAX 65535

struct options {
	struct fgh_select sel;
	const char *ep_arg[MAX_STREAMS];
	int n_ep;
	unsigned queue, packets, timeout_ms;
	size_t size;
	uint64_t count;
	bool count_given;
	double seconds;
	enum fgh_pattern pattern;
	bool json, quiet, fresh;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct command {
	const char *name;
	const char *args;           /* after the name in the usage; NULL: takes none */
	int (*run)(libusb_context *ctx, const struct options *o, int argc, char **argv);
	const char *help;           /* lines of the usage, '\n' between them */
};

static const struct command *commands(void);

static void usage(FILE *out)
{
	fputs("usage: ffsgadget-host [OPTIONS] COMMAND [ARGS]\n\nCommands:\n", out);
	for (const struct command *c = commands(); c->name; c++) {
		char synopsis[64];
		const char *line = c->help;

		snprintf(synopsis, sizeof(synopsis), "%s%s%s", c->name, c->args ? " " : "",
			 c->args ? c->args : "");
		/* A long synopsis has a line of its own, its help below it. */
		if (strlen(synopsis) > 23)
			fprintf(out, "  %s\n%26s", synopsis, "");
		else
			fprintf(out, "  %-23s ", synopsis);
		for (;;) {
			size_t n = strcspn(line, "\n");

			fprintf(out, "%.*s\n", (int)n, line);
			if (!line[n])
				break;
			line += n + 1;
			fprintf(out, "%26s", "");
		}
	}
	fputs("\n"
	      "Device selection:\n"
	      "  --device VID:PID        default 0525:a4a0\n"
	      "  --bus B --addr A        by bus number and device address\n"
	      "  --path BUS-PORT.PORT    by port path, as 'list' prints it\n"
	      "\n"
	      "Transfers:\n"
	      "  --ep ADDR|TYPE-DIR      0x81, bulk-in, int-out, iso-in ... (default bulk-in for\n"
	      "                          read, bulk-out for write); TYPE-DIR@ALT: in alt setting\n"
	      "                          ALT (iso-in@2); claiming it selects that alt setting\n"
	      "  --queue N               transfers in flight (default 8)\n"
	      "  --size BYTES            per transfer (bulk default 16384, interrupt: one packet);\n"
	      "                          iso: per packet (default the endpoint's maximum)\n"
	      "  --packets N             iso packets per transfer (default 8)\n"
	      "  --count N               transfers per direction (read/write default 100)\n"
	      "  --seconds S             run for S seconds\n"
	      "  --pattern P             none | zeros | mod63 (default) | seq\n"
	      "  --timeout MS            per transfer, 0 = none (default 5000)\n"
	      "  --json                  summary as one JSON object on stdout\n"
	      "  --quiet                 no live throughput line\n"
	      "  --fresh                 iso IN, seq: after selecting the endpoint's alt setting,\n"
	      "                          ask isostream (GET_FRESH) for the first number it filled\n"
	      "                          since; an earlier one is a stale packet, a failure\n"
	      "\n"
	      "Exit status: 0 ok, 1 verification/transfer failures or STALL, 2 usage or no\n"
	      "device, 3 device lost.\n",
	      out);
}

static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || x > max)
		return -1;
	*v = x;
	return 0;
}

static int parse_unsigned(const char *s, unsigned max, unsigned *v)
{
	uint64_t x;

	if (parse_u64(s, max, &x) < 0)
		return -1;
	*v = (unsigned)x;
	return 0;
}

static int bad_arg(const char *opt, const char *val)
{
	fprintf(stderr, "ffsgadget-host: invalid %s '%s'\n", opt, val);
	return -1;
}

/* Returns the index of the first non-option argument, or -1. */
static int parse_options(int argc, char **argv, struct options *o)
{
	enum { O_DEVICE = 256, O_BUS, O_ADDR, O_PATH, O_EP, O_QUEUE, O_SIZE, O_PACKETS,
	       O_COUNT, O_SECONDS, O_PATTERN, O_TIMEOUT, O_JSON, O_QUIET, O_ALL, O_FRESH };
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, O_DEVICE },
		{ "bus", required_argument, NULL, O_BUS },
		{ "addr", required_argument, NULL, O_ADDR },
		{ "path", required_argument, NULL, O_PATH },
		{ "ep", required_argument, NULL, O_EP },
		{ "queue", required_argument, NULL, O_QUEUE },
		{ "size", required_argument, NULL, O_SIZE },
		{ "packets", required_argument, NULL, O_PACKETS },
		{ "count", required_argument, NULL, O_COUNT },
		{ "seconds", required_argument, NULL, O_SECONDS },
		{ "pattern", required_argument, NULL, O_PATTERN },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "json", no_argument, NULL, O_JSON },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ "fresh", no_argument, NULL, O_FRESH },
		{ "all", no_argument, NULL, O_ALL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	unsigned u;
	uint64_t v;
	char *end;

	fgh_select_init(&o->sel);
	o->queue = 8;
	o->packets = 8;
	o->timeout_ms = 5000;
	o->pattern = FGH_PATTERN_MOD63;
	o->count = 100;
	/* '+' would stop at the command; permuting lets options follow it. */
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_DEVICE:
			if (fgh_parse_vidpid(optarg, &o->sel.vid, &o->sel.pid) < 0)
				return bad_arg("--device (want VID:PID in hex)", optarg);
			o->sel.vidpid_given = true;
			break;
		case O_BUS:
			if (parse_unsigned(optarg, 255, &u) < 0)
				return bad_arg("--bus", optarg);
			o->sel.bus = (int)u;
			break;
		case O_ADDR:
			if (parse_unsigned(optarg, 127, &u) < 0)
				return bad_arg("--addr", optarg);
			o->sel.addr = (int)u;
			break;
		case O_PATH:
			if (strlen(optarg) >= sizeof(o->sel.path) || !strchr(optarg, '-'))
				return bad_arg("--path (want BUS-PORT.PORT)", optarg);
			strcpy(o->sel.path, optarg);
			break;
		case O_EP:
			if (o->n_ep == MAX_STREAMS)
				return bad_arg("--ep (at most two)", optarg);
			o->ep_arg[o->n_ep++] = optarg;
			break;
		case O_QUEUE:
			if (parse_unsigned(optarg, 1024, &o->queue) < 0 || !o->queue)
				return bad_arg("--queue (1..1024)", optarg);
			break;
		case O_SIZE:
			if (parse_u64(optarg, 64 << 20, &v) < 0 || !v)
				return bad_arg("--size (1..64 MiB)", optarg);
			o->size = (size_t)v;
			break;
		case O_PACKETS:
			if (parse_unsigned(optarg, 1024, &o->packets) < 0 || !o->packets)
				return bad_arg("--packets (1..1024)", optarg);
			break;
		case O_COUNT:
			if (parse_u64(optarg, UINT64_MAX, &o->count) < 0 || !o->count)
				return bad_arg("--count", optarg);
			o->count_given = true;
			break;
		case O_SECONDS:
			errno = 0;
			o->seconds = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->seconds > 0) || o->seconds > 1e7)
				return bad_arg("--seconds", optarg);
			break;
		case O_PATTERN:
			if (fgh_pattern_parse(optarg, &o->pattern) < 0)
				return bad_arg("--pattern (none|zeros|mod63|seq)", optarg);
			break;
		case O_TIMEOUT:
			if (parse_unsigned(optarg, 3600000, &o->timeout_ms) < 0)
				return bad_arg("--timeout", optarg);
			break;
		case O_JSON:
			o->json = true;
			break;
		case O_FRESH:
			o->fresh = true;
			break;
		case O_QUIET:
			o->quiet = true;
			break;
		case O_ALL:
			o->sel.any = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	return optind;
}

static int cmd_list(libusb_context *ctx, const struct options *o)
{
	int n = fgh_list(ctx, &o->sel, stdout);

	if (n < 0) {
		fprintf(stderr, "ffsgadget-host: cannot list USB devices: %s\n", libusb_strerror(n));
		return FGH_EXIT_USAGE;
	}
	if (n == 0) {
		if (o->sel.any)
			fprintf(stderr, "ffsgadget-host: no USB devices\n");
		else
			fprintf(stderr, "ffsgadget-host: no USB device %04x:%04x found "
				"('list --all' shows every device)\n", o->sel.vid, o->sel.pid);
		return FGH_EXIT_USAGE;
	}
	return 0;
}

static int cmd_info(libusb_context *ctx, const struct options *o)
{
	libusb_device_handle *h;
	int rc = fgh_open(ctx, &o->sel, &h);

	if (rc)
		return rc;
	fgh_dump(libusb_get_device(h), h, stdout);
	fgh_msos_dump(h, stdout);
	libusb_close(h);
	return 0;
}

static int ctrl_status(int r)
{
	if (r == LIBUSB_ERROR_PIPE) {
		fprintf(stderr, "ctrl: STALL (the device refused the request)\n");
		return FGH_EXIT_VERIFY;
	}
	fprintf(stderr, "ctrl: %s\n", libusb_strerror(r));
	return r == LIBUSB_ERROR_NO_DEVICE ? FGH_EXIT_LOST : FGH_EXIT_VERIFY;
}

static int cmd_ctrl(libusb_context *ctx, const struct options *o, int argc, char **argv)
{
	unsigned v[4];
	static const unsigned max[4] = { 0xff, 0xff, 0xffff, 0xffff };
	static const char *const names[4] = { "REQTYPE", "REQ", "VALUE", "INDEX" };

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: ffsgadget-host ctrl REQTYPE REQ VALUE INDEX [LEN|HEXDATA]\n");
		return FGH_EXIT_USAGE;
	}
	for (int i = 0; i < 4; i++)
		if (parse_unsigned(argv[i], max[i], &v[i]) < 0)
			return bad_arg(names[i], argv[i]), FGH_EXIT_USAGE;
	bool in = v[0] & LIBUSB_ENDPOINT_IN;
	uint8_t *buf = malloc(CTRL_MAX);
	unsigned want = 0;
	int len = 0;
	if (!buf)
		return FGH_EXIT_USAGE;
	if (in && argc == 5 && parse_unsigned(argv[4], CTRL_MAX, &want) < 0) {
		free(buf);
		return bad_arg("LEN", argv[4]), FGH_EXIT_USAGE;
	}
	if (in)
		len = (int)want;
	if (!in && argc == 5 && (len = fgh_hex_parse(argv[4], buf, CTRL_MAX)) < 0) {
		free(buf);
		return bad_arg("HEXDATA", argv[4]), FGH_EXIT_USAGE;
	}

	libusb_device_handle *h;
	int rc = fgh_open(ctx, &o->sel, &h);
	if (rc) {
		free(buf);
		return rc;
	}
	int r = libusb_control_transfer(h, (uint8_t)v[0], (uint8_t)v[1], (uint16_t)v[2],
					(uint16_t)v[3], buf, (uint16_t)len, o->timeout_ms);
	if (r < 0) {
		rc = ctrl_status(r);
		if (o->json)
			printf("{\"command\":\"ctrl\",\"ok\":false,\"stall\":%s,\"error\":\"%s\"}\n",
			       r == LIBUSB_ERROR_PIPE ? "true" : "false", libusb_error_name(r));
	} else if (o->json) {
		printf("{\"command\":\"ctrl\",\"ok\":true,\"direction\":\"%s\",\"bytes\":%d,"
		       "\"data\":\"", in ? "in" : "out", r);
		for (int i = 0; in && i < r; i++)
			printf("%02x", buf[i]);
		printf("\"}\n");
	} else if (in) {
		fprintf(stderr, "ctrl: %d bytes in\n", r);
		fgh_hex_print(stdout, buf, (size_t)r, "");
	} else {
		fprintf(stderr, "ctrl: %d bytes out\n", r);
	}
	libusb_close(h);
	free(buf);
	return rc;
}

/* Resolves one --ep for a command; want_in: -1 any, 0 OUT, 1 IN. */
static int resolve_ep(const struct libusb_config_descriptor *cfg, const char *arg, int want_in,
		      struct fgh_ep *ep)
{
	struct fgh_ep_spec spec;

	if (fgh_ep_spec_parse(arg, &spec) < 0) {
		fprintf(stderr, "ffsgadget-host: invalid --ep '%s' (want 0x81, bulk-in, int-out, "
			"iso-in ...)\n", arg);
		return -1;
	}
	if (fgh_ep_find(cfg, &spec, ep) < 0) {
		fprintf(stderr, "ffsgadget-host: the active configuration has no endpoint '%s' "
			"('info' lists them)\n", arg);
		return -1;
	}
	if (ep->type == LIBUSB_ENDPOINT_TRANSFER_TYPE_CONTROL) {
		fprintf(stderr, "ffsgadget-host: '%s' is a control endpoint: use ctrl\n", arg);
		return -1;
	}
	if (want_in >= 0 && !!(ep->addr & LIBUSB_ENDPOINT_IN) != want_in) {
		fprintf(stderr, "ffsgadget-host: endpoint 0x%02x is %s; this command needs %s\n",
			ep->addr, want_in ? "OUT" : "IN", want_in ? "IN" : "OUT");
		return -1;
	}
	return 0;
}

static size_t default_size(const struct options *o, const struct fgh_ep *ep)
{
	if (o->size)
		return o->size;
	switch (ep->type) {
	case LIBUSB_ENDPOINT_TRANSFER_TYPE_BULK: return 16384;
	case LIBUSB_ENDPOINT_TRANSFER_TYPE_INTERRUPT: return fgh_maxpacket(ep->wMaxPacketSize);
	default: return 0;   /* iso: the endpoint's maximum packet */
	}
}

static int exit_status(enum fgh_run_result res, struct fgh_stream *const *s, size_t n)
{
	if (res == FGH_RUN_LOST)
		return FGH_EXIT_LOST;
	bool bad = res == FGH_RUN_ERROR;
	for (size_t i = 0; i < n; i++)
		bad = bad || fgh_stream_failures(s[i]) || s[i]->c.errors || s[i]->c.packet_errors ||
		      s[i]->stalled;
	return bad ? FGH_EXIT_VERIFY : FGH_EXIT_OK;
}

/* The interface isostream answers on: the one holding --ep, or its first iso endpoint. */
static int iso_interface(libusb_device_handle *h, const struct options *o, int *iface)
{
	static const char *const defaults[] = { "iso-in", "iso-out" };
	struct libusb_config_descriptor *cfg;
	struct fgh_ep ep;
	int r = libusb_get_active_config_descriptor(libusb_get_device(h), &cfg);

	if (r < 0) {
		fprintf(stderr, "ffsgadget-host: no active configuration: %s\n", libusb_strerror(r));
		return r == LIBUSB_ERROR_NO_DEVICE ? FGH_EXIT_LOST : FGH_EXIT_USAGE;
	}
	if (o->n_ep) {
		r = resolve_ep(cfg, o->ep_arg[0], -1, &ep);
	} else {
		r = -1;
		for (size_t i = 0; r < 0 && i < sizeof(defaults) / sizeof(defaults[0]); i++) {
			struct fgh_ep_spec spec;

			fgh_ep_spec_parse(defaults[i], &spec);
			r = fgh_ep_find(cfg, &spec, &ep);
		}
		if (r < 0)
			fprintf(stderr, "ffsgadget-host: the active configuration has no iso "
				"endpoint: not isostream ('info' lists the endpoints)\n");
	}
	libusb_free_config_descriptor(cfg);
	if (r < 0)
		return FGH_EXIT_USAGE;
	*iface = ep.iface;
	return 0;
}

static int cmd_iso_counters(libusb_context *ctx, const struct options *o)
{
	struct fgh_claim claim = { 0 };
	libusb_device_handle *h;
	int iface, r, rc;

	if (o->n_ep > 1) {
		fprintf(stderr, "ffsgadget-host: iso-counters takes one --ep\n");
		return FGH_EXIT_USAGE;
	}
	rc = fgh_open(ctx, &o->sel, &h);
	if (rc)
		return rc;
	rc = iso_interface(h, o, &iface);
	if (rc)
		goto close;
	/* Claimed, not just addressed: usbfs would claim it anyway, with a warning. */
	r = fgh_claim(&claim, h, iface, 0);
	if (r < 0) {
		fprintf(stderr, "ffsgadget-host: cannot claim interface %d: %s%s\n", iface,
			libusb_strerror(r), r == LIBUSB_ERROR_BUSY ? " (another program has it)" : "");
		rc = r == LIBUSB_ERROR_NO_DEVICE ? FGH_EXIT_LOST : FGH_EXIT_USAGE;
		goto close;
	}
	rc = fgh_iso_counters(h, iface, o->json, o->timeout_ms, stdout);
	fgh_release(&claim);
close:
	libusb_close(h);
	return rc;
}

static int cmd_transfer(libusb_context *ctx, const struct options *o, const char *cmd)
{
	const char *args[MAX_STREAMS];
	int want[MAX_STREAMS];
	int n = o->n_ep;
	struct fgh_stream streams[MAX_STREAMS];
	struct fgh_stream *sp[MAX_STREAMS];
	struct fgh_claim claim = { 0 };
	struct libusb_config_descriptor *cfg = NULL;
	libusb_device_handle *h;
	int inited = 0, rc;

	if (strcmp(cmd, "stream") == 0) {
		for (int i = 0; i < n; i++) {
			args[i] = o->ep_arg[i];
			want[i] = -1;
		}
		if (n == 0) {
			args[0] = "bulk-in", args[1] = "bulk-out";
			want[0] = 1, want[1] = 0;
			n = 2;
		}
	} else {
		if (n > 1) {
			fprintf(stderr, "ffsgadget-host: %s takes one --ep (stream takes two)\n", cmd);
			return FGH_EXIT_USAGE;
		}
		want[0] = strcmp(cmd, "read") == 0;
		args[0] = n ? o->ep_arg[0] : want[0] ? "bulk-in" : "bulk-out";
		n = 1;
	}

	rc = fgh_open(ctx, &o->sel, &h);
	if (rc)
		return rc;
	libusb_device *dev = libusb_get_device(h);
	int r = libusb_get_active_config_descriptor(dev, &cfg);
	if (r < 0) {
		fprintf(stderr, "ffsgadget-host: no active configuration: %s\n", libusb_strerror(r));
		rc = r == LIBUSB_ERROR_NO_DEVICE ? FGH_EXIT_LOST : FGH_EXIT_USAGE;
		goto close;
	}
	struct fgh_stream_cfg sc[MAX_STREAMS];
	for (int i = 0; i < n; i++) {
		memset(&sc[i], 0, sizeof(sc[i]));
		if (resolve_ep(cfg, args[i], want[i], &sc[i].ep) < 0) {
			rc = FGH_EXIT_USAGE;
			goto free_cfg;
		}
		if (i == 1 && !!(sc[0].ep.addr & 0x80) == !!(sc[1].ep.addr & 0x80)) {
			fprintf(stderr, "ffsgadget-host: stream wants one IN and one OUT endpoint\n");
			rc = FGH_EXIT_USAGE;
			goto free_cfg;
		}
		sc[i].pattern = o->pattern;
		sc[i].size = default_size(o, &sc[i].ep);
		sc[i].queue = o->queue;
		sc[i].iso_packets = o->packets;
		sc[i].timeout_ms = o->timeout_ms;
		if (o->count_given)
			sc[i].count = o->count;
		else if (o->seconds > 0 || strcmp(cmd, "stream") == 0)
			sc[i].count = 0;
		else
			sc[i].count = o->count;
	}
	for (int i = 0; i < n; i++) {
		r = fgh_claim(&claim, h, sc[i].ep.iface, sc[i].ep.alt);
		if (r < 0) {
			fprintf(stderr, "ffsgadget-host: cannot claim interface %d (alt %d): %s%s\n",
				sc[i].ep.iface, sc[i].ep.alt, libusb_strerror(r),
				r == LIBUSB_ERROR_BUSY ? " (another program has it)" : "");
			rc = r == LIBUSB_ERROR_NO_DEVICE ? FGH_EXIT_LOST : FGH_EXIT_USAGE;
			goto release;
		}
	}
	for (int i = 0; i < n; i++) {
		sp[i] = &streams[i];
		r = fgh_stream_init(&streams[i], h, &sc[i]);
		inited++;
		if (r < 0) {
			fprintf(stderr, "ffsgadget-host: cannot set up endpoint 0x%02x: %s\n",
				sc[i].ep.addr, libusb_strerror(r));
			rc = FGH_EXIT_USAGE;
			goto free_streams;
		}
	}

	for (int i = 0; o->fresh && i < n; i++) {
		if (!fgh_stream_is_in(&streams[i]) || sc[i].pattern != FGH_PATTERN_SEQ)
			continue;
		r = fgh_iso_fresh(h, sc[i].ep.iface, sc[i].ep.addr, o->timeout_ms,
				  &streams[i].pat.seq);
		if (r < 0) {
			fprintf(stderr, "ffsgadget-host: GET_FRESH for endpoint 0x%02x: %s "
				"(not isostream, or not one of its iso IN endpoints)\n",
				sc[i].ep.addr, libusb_strerror(r));
			rc = r == LIBUSB_ERROR_NO_DEVICE ? FGH_EXIT_LOST : FGH_EXIT_VERIFY;
			goto free_streams;
		}
	}

	uint64_t usbfs_need = fgh_usbfs_bytes(sp, (size_t)n);
	unsigned long usbfs_cap;
	if (fgh_usbfs_over_cap(usbfs_need, FGH_USBFS_MEMORY_MB, &usbfs_cap) == 1)
		fprintf(stderr,
			"ffsgadget-host: warning: these transfers hold about %.1f MB in usbfs, over "
			"its %lu MB cap (usbcore.usbfs_memory_mb): submissions past it fail as I/O "
			"errors; lower --queue or --packets, or raise the cap (as root: echo 0 > %s)\n",
			(double)usbfs_need / (1024.0 * 1024.0), usbfs_cap, FGH_USBFS_MEMORY_MB);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	struct fgh_run_opts ro = {
		.seconds = o->seconds,
		.stop = &stop_requested,
		.live = (!o->quiet && isatty(STDERR_FILENO)) ? stderr : NULL,
	};
	enum fgh_run_result res = fgh_run(ctx, sp, (size_t)n, &ro);

	struct fgh_report rep = { .command = cmd, .result = res };
	struct libusb_device_descriptor dd;
	libusb_get_device_descriptor(dev, &dd);
	snprintf(rep.device, sizeof(rep.device), "%04x:%04x", dd.idVendor, dd.idProduct);
	if (fgh_device_path(dev, rep.path, sizeof(rep.path)) < 0)
		strcpy(rep.path, "?");
	rep.speed = fgh_speed_name(libusb_get_device_speed(dev));
	rc = rep.exit_status = exit_status(res, sp, (size_t)n);
	if (res == FGH_RUN_LOST)
		fprintf(stderr, "ffsgadget-host: device lost (unplugged or unbound) mid-run\n");
	fgh_summary_text(o->json ? stderr : stdout, &rep, sp, (size_t)n);
	if (o->json)
		fgh_summary_json(stdout, &rep, sp, (size_t)n);

free_streams:
	for (int i = 0; i < inited; i++)
		fgh_stream_free(&streams[i]);
release:
	fgh_release(&claim);
free_cfg:
	libusb_free_config_descriptor(cfg);
close:
	libusb_close(h);
	return rc;
}

static int run_list(libusb_context *ctx, const struct options *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_list(ctx, o);
}

static int run_info(libusb_context *ctx, const struct options *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_info(ctx, o);
}

static int run_ctrl(libusb_context *ctx, const struct options *o, int argc, char **argv)
{
	return cmd_ctrl(ctx, o, argc - 1, argv + 1);
}

static int run_transfer(libusb_context *ctx, const struct options *o, int argc, char **argv)
{
	(void)argc;
	return cmd_transfer(ctx, o, argv[0]);
}

static int run_iso_counters(libusb_context *ctx, const struct options *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_iso_counters(ctx, o);
}

static const struct command command_table[] = {
	{ "list", NULL, run_list, "devices matching the selection, with speed and path\n"
	  "(--all: every device)" },
	{ "info", NULL, run_info, "descriptor dump (lsusb -v style) and MS OS 1.0 descriptors" },
	{ "ctrl", "REQTYPE REQ VALUE INDEX [LEN|HEXDATA]", run_ctrl,
	  "one control transfer: LEN bytes in (REQTYPE bit 7 set)\n"
	  "or HEXDATA out; data in is printed as hex" },
	{ "read", NULL, run_transfer, "IN transfers, verified against --pattern" },
	{ "write", NULL, run_transfer, "OUT transfers carrying --pattern" },
	{ "stream", NULL, run_transfer, "read and write at once (two --ep, default bulk-in and\n"
	  "bulk-out); runs until Ctrl-C unless --count/--seconds" },
	{ "iso-counters", NULL, run_iso_counters,
	  "isostream's counters (GET_COUNTERS), by name, from the\n"
	  "interface of --ep (default iso-in, else iso-out)" },
	{ NULL, NULL, NULL, NULL },
};

static const struct command *commands(void)
{
	return command_table;
}

int main(int argc, char **argv)
{
	const struct command *c = commands();
	struct options o = { 0 };
	libusb_context *ctx;

	int first = parse_options(argc, argv, &o);
	if (first < 0) {
		fprintf(stderr, "Try 'ffsgadget-host --help'.\n");
		return FGH_EXIT_USAGE;
	}
	if (first >= argc) {
		usage(stderr);
		return FGH_EXIT_USAGE;
	}
	while (c->name && strcmp(c->name, argv[first]) != 0)
		c++;
	if (!c->name) {
		fprintf(stderr, "ffsgadget-host: unknown command '%s'\n", argv[first]);
		usage(stderr);
		return FGH_EXIT_USAGE;
	}
	if (!c->args && first + 1 < argc) {
		fprintf(stderr, "ffsgadget-host: unexpected argument '%s'\n", argv[first + 1]);
		return FGH_EXIT_USAGE;
	}
	int r = libusb_init(&ctx);
	if (r < 0) {
		fprintf(stderr, "ffsgadget-host: libusb_init: %s\n", libusb_strerror(r));
		return FGH_EXIT_USAGE;
	}
	int rc = c->run(ctx, &o, argc - first, argv + first);
	libusb_exit(ctx);
	return rc;
}
