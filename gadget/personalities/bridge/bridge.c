/* SPDX-License-Identifier: MIT */
/*
 * The bridge personality: the device's logic is a program in any language,
 * reached over Unix sockets, PTYs and FIFOs under the daemon's runtime
 * directory.
 *
 * Options (description's `options` group; descriptors/README.md, "The
 * bridge personality"):
 *   runtime_dir = "/run/ffsgadget"   default $RUNTIME_DIRECTORY, else that
 *   control     = "NAME"             control socket, default "<function>.ctl"
 *   timeout_ms  = 1000               answer time for forwarded requests (10..4000)
 *   owner, group = "name" or "1000"  of the sockets, PTYs and FIFOs; default the daemon's
 *   mode        = "0600"             octal, of the sockets, PTYs and FIFOs
 *   answers     = "c1 ff 370b * -> 02; 41 * * * -> accept"   canned ep0 answers
 *   ep_<endpoint> = "seqpacket:NAME" | "pty:NAME" | "fifo:NAME"
 *                 default "seqpacket:<function>.<endpoint>"; one IN and one
 *                 OUT endpoint may share a NAME (one socket or one PTY; a
 *                 FIFO carries one endpoint)
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/usb/ch9.h>

#include "common/log.h"
#include "personalities/bridge/bridge.h"

#define EP_PREFIX "ep_"

static const char *const port_kinds[] = { "seqpacket:", "pty:", "fifo:", NULL };

static const struct fg_option_spec bridge_options[] = {
	{ "runtime_dir", FG_OPTION_TEXT, 80, NULL },
	{ "control", FG_OPTION_TEXT, BRIDGE_NAME_MAX - 1, NULL },
	{ "timeout_ms", FG_OPTION_UINT, BRIDGE_TIMEOUT_MAX_MS, NULL },
	{ "owner", FG_OPTION_TEXT, 64, NULL },
	{ "group", FG_OPTION_TEXT, 64, NULL },
	{ "mode", FG_OPTION_TEXT, 4, NULL },
	{ "answers", FG_OPTION_TEXT, 0, NULL },
	{ EP_PREFIX "*", FG_OPTION_CHOICE, 10 + BRIDGE_NAME_MAX, port_kinds },
	{ NULL, FG_OPTION_TEXT, 0, NULL },
};

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= BRIDGE_NAME_MAX || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

__attribute__((format(printf, 5, 6)))
static int fail(char *err, size_t errlen, const struct fg_model *m, const struct fg_option *o,
		const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s:%u: options: %s: %s", m->source, o ? o->line : 0,
		 o ? o->key : "bridge", what);
	return -EINVAL;
}

static int parse_id(const char *text, bool group, unsigned *id)
{
	char *end;
	unsigned long v = strtoul(text, &end, 10);

	if (*text && !*end && v < 0xffffffffUL) {
		*id = (unsigned)v;
		return 0;
	}
	if (group) {
		const struct group *gr = getgrnam(text);
		if (!gr)
			return -ENOENT;
		*id = gr->gr_gid;
	} else {
		const struct passwd *pw = getpwnam(text);
		if (!pw)
			return -ENOENT;
		*id = pw->pw_uid;
	}
	return 0;
}

static int parse_access(struct bridge *b, const struct fg_model *m, char *err, size_t errlen)
{
	const struct fg_option *o;
	unsigned id;

	b->access.mode = 0600;
	if ((o = fg_model_option(m, "owner"))) {
		if (parse_id(o->value, false, &id) < 0)
			return fail(err, errlen, m, o, "no user '%s'", o->value);
		b->access.has_uid = true;
		b->access.uid = (uid_t)id;
	}
	if ((o = fg_model_option(m, "group"))) {
		if (parse_id(o->value, true, &id) < 0)
			return fail(err, errlen, m, o, "no group '%s'", o->value);
		b->access.has_gid = true;
		b->access.gid = (gid_t)id;
	}
	if ((o = fg_model_option(m, "mode"))) {
		char *end;
		unsigned long mode = strtoul(o->value, &end, 8);

		if (!o->value[0] || *end || mode > 0777 || !(mode & 0200))
			return fail(err, errlen, m, o, "'%s' is not an octal mode up to 0777 with "
				    "the owner's write bit (e.g. \"0660\")", o->value);
		b->access.mode = (mode_t)mode;
	}
	return 0;
}

static int parse_dirs(struct bridge *b, const struct fg_model *m, char *err, size_t errlen)
{
	const struct fg_option *o = fg_model_option(m, "runtime_dir");
	const char *env = getenv("RUNTIME_DIRECTORY");
	char control[BRIDGE_NAME_MAX];
	size_t n;

	/* systemd's RuntimeDirectory= may list several, separated by ':': the first is ours. */
	if (o) {
		snprintf(b->dir, sizeof(b->dir), "%s", o->value);
	} else if (env && env[0] == '/') {
		n = strcspn(env, ":");
		snprintf(b->dir, sizeof(b->dir), "%.*s", (int)n, env);
	} else {
		snprintf(b->dir, sizeof(b->dir), "%s", BRIDGE_DEFAULT_DIR);
	}
	if (b->dir[0] != '/' || strlen(b->dir) > 80)
		return fail(err, errlen, m, o, "'%s' is not an absolute path of at most 80 bytes",
			    b->dir);
	snprintf(control, sizeof(control), "%.59s.ctl", m->name);
	if ((o = fg_model_option(m, "control"))) {
		if (!name_ok(o->value))
			return fail(err, errlen, m, o, "'%s' is not a plain file name (letters, "
				    "digits, '.', '_', '-'; under 64 bytes)", o->value);
		snprintf(control, sizeof(control), "%s", o->value);
	}
	snprintf(b->ctl.path, sizeof(b->ctl.path), "%s/%s", b->dir, control);
	return 0;
}

static int parse_timeout(struct bridge *b, const struct fg_model *m, char *err, size_t errlen)
{
	const struct fg_option *o = fg_model_option(m, "timeout_ms");
	char *end;
	long v;

	b->timeout_ms = BRIDGE_TIMEOUT_DEFAULT_MS;
	if (!o)
		return 0;
	v = strtol(o->value, &end, 10);
	if (!o->value[0] || *end || v < 10 || v > BRIDGE_TIMEOUT_MAX_MS)
		return fail(err, errlen, m, o, "'%s' is not a number of milliseconds from 10 to "
			    "4000 (the host waits 5000)", o->value);
	b->timeout_ms = (unsigned)v;
	return 0;
}

/* Finds or adds the port named name of that kind and puts endpoint i on it. */
static int bind_endpoint(struct bridge *b, const struct fg_model *m, size_t i,
			 enum bridge_port_kind kind, const char *name, const struct fg_option *o,
			 char *err, size_t errlen)
{
	const struct fg_endpoint *ep = &m->endpoints[i];
	struct bridge_port *p = NULL;

	for (size_t k = 0; k < b->port_count; k++)
		if (strcmp(b->ports[k].name, name) == 0)
			p = &b->ports[k];
	if (p && p->kind != kind)
		return fail(err, errlen, m, o, "'%s' is already used by another kind of port",
			    name);
	if (!p) {
		p = &b->ports[b->port_count++];
		p->b = b;
		p->kind = kind;
		p->in_ep = p->out_ep = -1;
		p->line = o ? o->line : ep->line;
		memcpy(p->name, name, strlen(name) + 1);  /* name_ok: shorter than p->name */
		snprintf(p->path, sizeof(p->path), "%s/%s", b->dir, name);
		if (strcmp(p->path, b->ctl.path) == 0)
			return fail(err, errlen, m, o, "'%s' is the control socket's name", name);
	}
	if (kind == BRIDGE_PORT_FIFO && (p->in_ep >= 0 || p->out_ep >= 0))
		return fail(err, errlen, m, o, "'%s' already carries endpoint %s; a FIFO carries "
			    "one direction: give %s a FIFO of its own", name,
			    m->endpoints[p->in_ep >= 0 ? p->in_ep : p->out_ep].name, ep->name);
	if ((fg_ep_is_in(ep) ? p->in_ep : p->out_ep) >= 0)
		return fail(err, errlen, m, o, "'%s' already carries an %s endpoint; a port "
			    "takes one IN and one OUT", name, fg_ep_is_in(ep) ? "IN" : "OUT");
	if (fg_ep_is_in(ep))
		p->in_ep = (int)i;
	else
		p->out_ep = (int)i;
	b->port_of[i] = p;
	return 0;
}

static int parse_ports(struct bridge *b, const struct fg_model *m, char *err, size_t errlen)
{
	for (size_t i = 0; i < m->endpoint_count; i++) {
		const struct fg_endpoint *ep = &m->endpoints[i];
		char key[FG_NAME_MAX + 4], name[BRIDGE_NAME_MAX * 2];
		const struct fg_option *o;
		enum bridge_port_kind kind = BRIDGE_PORT_SEQPACKET;
		const char *colon;
		int rc;

		snprintf(key, sizeof(key), EP_PREFIX "%s", ep->name);
		o = fg_model_option(m, key);
		snprintf(name, sizeof(name), "%s.%s", m->name, ep->name);
		if (o) {
			colon = strchr(o->value, ':');
			if (colon && colon - o->value == 9 && strncmp(o->value, "seqpacket", 9) == 0)
				kind = BRIDGE_PORT_SEQPACKET;
			else if (colon && colon - o->value == 3 && strncmp(o->value, "pty", 3) == 0)
				kind = BRIDGE_PORT_PTY;
			else if (colon && colon - o->value == 4 && strncmp(o->value, "fifo", 4) == 0)
				kind = BRIDGE_PORT_FIFO;
			else
				return fail(err, errlen, m, o, "'%s' is not \"seqpacket:NAME\", "
					    "\"pty:NAME\" or \"fifo:NAME\"", o->value);
			snprintf(name, sizeof(name), "%s", colon + 1);
		}
		if (!name_ok(name))
			return fail(err, errlen, m, o, "'%s' is not a plain file name (letters, "
				    "digits, '.', '_', '-'; under 64 bytes)", name);
		if (kind != BRIDGE_PORT_SEQPACKET && ep->type == FG_EP_ISO)
			return fail(err, errlen, m, o, "%s: an iso endpoint needs transfers, not a "
				    "byte stream: use seqpacket", ep->name);
		rc = bind_endpoint(b, m, i, kind, name, o, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int bridge_create(const struct fg_model *m, void **state, char *err, size_t errlen)
{
	const struct fg_option *o;
	struct bridge *b;
	char why[200];
	int rc;

	/* The table took every option; an ep_ key must also name an endpoint. */
	for (size_t i = 0; i < m->option_count; i++) {
		const char *key = m->options[i].key;

		if (strncmp(key, EP_PREFIX, strlen(EP_PREFIX)) == 0 &&
		    !fg_model_endpoint(m, key + strlen(EP_PREFIX)))
			return fail(err, errlen, m, &m->options[i], "the function has no endpoint "
				    "'%s'", key + strlen(EP_PREFIX));
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->m = m;
	b->epoll_fd = -1;
	rc = parse_dirs(b, m, err, errlen);
	if (rc == 0)
		rc = parse_timeout(b, m, err, errlen);
	if (rc == 0)
		rc = parse_access(b, m, err, errlen);
	if (rc == 0 && (o = fg_model_option(m, "answers")) &&
	    bridge_answers_parse(o->value, &b->answers, why, sizeof(why)) < 0)
		rc = fail(err, errlen, m, o, "%s", why);
	if (rc == 0)
		rc = parse_ports(b, m, err, errlen);
	/* Nothing is open before start: the hooks see no descriptor until then. */
	for (size_t i = 0; i < b->port_count; i++)
		b->ports[i].listen.fd = b->ports[i].io.fd = b->ports[i].pty_slave_fd = -1;
	b->ctl.listen.fd = b->ctl.io.fd = b->ctl.timer.fd = -1;
	if (rc < 0) {
		free(b);
		return rc;
	}
	*state = b;
	return 0;
}

static void bridge_destroy(void *state)
{
	free(state);
}

static int bridge_setup(void *state, const struct fg_setup *s, uint8_t *reply, size_t cap)
{
	struct bridge *b = state;
	const struct bridge_answer *a = bridge_answers_match(&b->answers, s);

	if (!a)
		return bridge_control_setup(b, s);
	b->ctl.n.canned++;
	switch (a->action) {
	case BRIDGE_ACT_STALL:
		return -EPERM;
	case BRIDGE_ACT_ACCEPT:
		return 0;
	case BRIDGE_ACT_REPLY:
		/* A wildcard bmRequestType may match an OUT request: accepted. */
		if (!(s->request_type & USB_DIR_IN))
			return 0;
		if (a->reply_len > cap)
			return -EOVERFLOW;
		memcpy(reply, a->reply, a->reply_len);
		return a->reply_len;
	}
	return -EPERM;
}

static int bridge_control_out(void *state, const struct fg_setup *s, const uint8_t *data,
			      size_t len)
{
	struct bridge *b = state;

	/* Canned requests end here; the rest is the program's. */
	if (!bridge_answers_match(&b->answers, s))
		bridge_control_out_data(b, s, data, len);
	return 0;
}

static size_t bridge_fill_in(void *state, const struct fg_ep_info *ep, uint8_t *buf, size_t cap,
			     int refill)
{
	struct bridge *b = state;

	(void)refill;
	return bridge_port_fill_in(b->port_of[ep->index], ep, buf, cap);
}

static void bridge_consume_out(void *state, const struct fg_ep_info *ep, const uint8_t *buf,
			       size_t len)
{
	struct bridge *b = state;

	bridge_port_consume_out(b->port_of[ep->index], ep, buf, len);
}

static void bridge_event(void *state, enum fg_ep0_event ev)
{
	struct bridge *b = state;

	switch (ev) {
	case FG_EV_BIND:
		b->bound = true;
		break;
	case FG_EV_UNBIND:
		b->bound = b->enabled = b->suspended = false;
		break;
	case FG_EV_ENABLE:
		b->enabled = true;
		break;
	case FG_EV_DISABLE:
		b->enabled = false;
		break;
	case FG_EV_SUSPEND:
		b->suspended = true;
		break;
	case FG_EV_RESUME:
		b->suspended = false;
		break;
	}
	bridge_control_event(b, ev);
}

static void bridge_report(void *state, FILE *out)
{
	const struct bridge *b = state;
	const struct bridge_control_counters *c = &b->ctl.n;

	fprintf(out, " | bridge: ep0 %" PRIu64 " canned %" PRIu64 " forwarded %" PRIu64
		" answered %" PRIu64 " timeouts %" PRIu64 " refused", c->canned, c->forwarded,
		c->answered, c->timeouts, c->refused_messages);
	for (size_t i = 0; i < b->port_count; i++) {
		const struct bridge_port *p = &b->ports[i];

		fprintf(out, "; %s in %" PRIu64 " out %" PRIu64 " bytes", p->name, p->n.in_bytes,
			p->n.out_bytes);
		if (p->n.held)
			fprintf(out, " held %" PRIu64 "x", p->n.held);
		if (p->n.refused_messages)
			fprintf(out, " %" PRIu64 " refused", p->n.refused_messages);
		if (p->n.iso_zlp || p->n.iso_dropped)
			fprintf(out, " iso %" PRIu64 " empty %" PRIu64 " dropped", p->n.iso_zlp,
				p->n.iso_dropped);
	}
}

static void bridge_stop(void *state)
{
	struct bridge *b = state;

	for (size_t i = 0; i < b->port_count; i++)
		bridge_port_stop(&b->ports[i]);
	bridge_control_stop(b);
	if (b->epoll_fd >= 0) {
		if (b->e)
			fg_engine_unwatch(b->e, b->epoll_fd);
		close(b->epoll_fd);
	}
	b->epoll_fd = -1;
}

static int bridge_start(void *state, struct fg_engine *e)
{
	struct bridge *b = state;
	int rc;

	b->e = e;
	if (mkdir(b->dir, 0755) < 0 && errno != EEXIST) {
		rc = -errno;
		fg_err("bridge: %s: %s", b->dir, strerror(errno));
		return rc;
	}
	b->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (b->epoll_fd < 0)
		return -errno;
	rc = fg_engine_watch(e, b->epoll_fd, bridge_dispatch, b);
	if (rc == 0)
		rc = bridge_control_start(b);
	for (size_t i = 0; rc == 0 && i < b->port_count; i++)
		rc = bridge_port_start(&b->ports[i]);
	if (rc < 0)
		bridge_stop(b);
	return rc;
}

const struct fg_personality fg_bridge_personality = {
	.name = "bridge",
	.summary = "endpoints and control requests bridged to a program over Unix sockets, PTYs "
		   "or FIFOs",
	.options = bridge_options,
	.create = bridge_create,
	.destroy = bridge_destroy,
	.setup = bridge_setup,
	.control_out = bridge_control_out,
	.fill_in = bridge_fill_in,
	.consume_out = bridge_consume_out,
	.report = bridge_report,
	.start = bridge_start,
	.stop = bridge_stop,
	.event = bridge_event,
};
