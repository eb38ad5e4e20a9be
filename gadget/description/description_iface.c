/* SPDX-License-Identifier: MIT */
/*
 * The "interfaces" part of a description: interfaces, their alt settings,
 * HID class descriptors and endpoints, checked against the USB limits
 * (usb_rules.c) and FunctionFS's own restrictions as they are read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/usb/ch9.h>

#include "common/sysfile.h"
#include "description/description_parse.h"
#include "description/usb_rules.h"

#define HID_REPORT_MAX 65535u       /* wDescriptorLength is 16 bits */
#define QUEUE_MAX 1024
#define BUFFER_MAX (4u << 20)

/* What an interface group says for all of its alt settings. */
struct alt_defaults {
	bool has_class;
	long long class_, subclass, protocol;
	const char *string;
	const config_setting_t *string_at;
};

static const char *const interface_keys[] = {
	"number", "class", "subclass", "protocol", "string", "hid", "dfu", "endpoints", "alts",
	NULL
};
static const char *const alt_keys[] = {
	"number", "class", "subclass", "protocol", "string", "hid", "dfu", "endpoints", NULL
};
static const char *const dfu_keys[] = {
	"attributes", "detach_timeout", "transfer_size", "version", NULL
};
static const char *const dfu_attr_words[] = {
	"download", "upload", "manifestation_tolerant", "will_detach", NULL
};
static const char *const endpoint_keys[] = {
	"name", "address", "type", "maxpacket", "interval", "mult", "burst", "sync", "usage",
	"queue", "buffer", NULL
};
static const char *const hid_keys[] = { "bcd", "country", "report", "report_file", NULL };
static const char *const per_speed_keys[] = { "full", "high", "super", NULL };

static bool has_speed(const struct fg_model *m, enum fg_speed_index s)
{
	return (m->speeds & (1u << s)) != 0;
}

static int parse_enum(struct fg_parse *p, const config_setting_t *g, const char *key,
		      const char *what, const char *const *names, int *out)
{
	const char *v;
	int ret = fg_opt_string(p, g, key, what, &v);

	if (ret <= 0)
		return ret;
	for (int i = 0; names[i]; i++) {
		if (strcmp(names[i], v) == 0) {
			*out = i;
			return 1;
		}
	}
	char choices[128] = "";
	for (int i = 0; names[i]; i++) {
		size_t used = strlen(choices);
		snprintf(choices + used, sizeof(choices) - used, "%s\"%s\"",
			 i == 0 ? "" : names[i + 1] ? ", " : " or ", names[i]);
	}
	return fg_fail(p, fg_member(g, key), "%s: '%s' \"%s\" must be %s", what, key, v,
		       choices);
}

/*
 * A per-speed value: either one integer for every speed or a group
 * { full = ..; high = ..; super = ..; }.  Only the model's speeds are read
 * and required; *at_out gets each speed's setting for later messages.
 */
static int parse_per_speed(struct fg_parse *p, const config_setting_t *s, const char *what,
			   const char *field, long long max, unsigned out[3],
			   const config_setting_t *at_out[3])
{
	if (config_setting_type(s) == CONFIG_TYPE_GROUP) {
		char sub[48];
		int ret = fg_check_keys(p, s, what, per_speed_keys);

		if (ret < 0)
			return ret;
		for (int i = 0; i < 3; i++) {
			const config_setting_t *v = fg_member(s, fg_speed_key(i));
			long long n;

			if (!has_speed(p->m, i))
				continue;
			if (!v)
				return fg_fail(p, s, "%s: '%s' has no '%s' value", what, field,
					       fg_speed_key(i));
			snprintf(sub, sizeof(sub), "%s.%s", field, fg_speed_key(i));
			ret = fg_int_value(p, v, what, sub, 0, max, &n);
			if (ret < 0)
				return ret;
			out[i] = (unsigned)n;
			at_out[i] = v;
		}
		return 0;
	}
	long long n;
	int ret = fg_int_value(p, s, what, field, 0, max, &n);

	if (ret < 0)
		return ret;
	for (int i = 0; i < 3; i++) {
		if (has_speed(p->m, i)) {
			out[i] = (unsigned)n;
			at_out[i] = s;
		}
	}
	return 0;
}

static int parse_maxpacket(struct fg_parse *p, const config_setting_t *g, const char *what,
			   struct fg_endpoint *ep)
{
	static const unsigned bulk_default[3] = { 64, 512, 1024 };
	const config_setting_t *s = fg_member(g, "maxpacket");
	const config_setting_t *at[3] = { g, g, g };
	unsigned maxp[3] = { 0, 0, 0 };
	char why[128];
	int ret;

	if (!s) {
		if (ep->type != FG_EP_BULK)
			return fg_fail(p, g, "%s: 'maxpacket' is required for %s endpoints", what,
				       fg_ep_type_name(ep->type));
		for (int i = 0; i < 3; i++)
			maxp[i] = has_speed(p->m, i) ? bulk_default[i] : 0;
	} else {
		ret = parse_per_speed(p, s, what, "maxpacket", 2047, maxp, at);
		if (ret < 0)
			return ret;
	}
	for (int i = 0; i < 3; i++) {
		if (!has_speed(p->m, i))
			continue;
		if (!fg_usb_maxpacket_ok(ep->type, i, maxp[i], ep->mult, ep->burst, why,
					 sizeof(why)))
			return fg_fail(p, at[i], "%s: %s", what, why);
		ep->maxpacket[i] = (uint16_t)maxp[i];
	}
	return 0;
}

static int parse_interval(struct fg_parse *p, const config_setting_t *g, const char *what,
			  struct fg_endpoint *ep)
{
	/* 1 ms at every speed: one frame, or 2^(4-1) microframes. */
	unsigned interval[3] = { 1, 4, 4 };
	const config_setting_t *s = fg_member(g, "interval");
	const config_setting_t *at[3] = { g, g, g };
	char why[128];
	int ret;

	if (ep->type == FG_EP_BULK) {
		if (s)
			return fg_fail(p, s,
				       "%s: 'interval' applies only to interrupt and iso endpoints",
				       what);
		return 0;
	}
	if (s) {
		ret = parse_per_speed(p, s, what, "interval", 255, interval, at);
		if (ret < 0)
			return ret;
	}
	for (int i = 0; i < 3; i++) {
		if (!has_speed(p->m, i))
			continue;
		if (!fg_usb_interval_ok(ep->type, i, interval[i], why, sizeof(why)))
			return fg_fail(p, at[i], "%s: %s", what, why);
		ep->interval[i] = (uint8_t)interval[i];
	}
	return 0;
}

static int parse_address(struct fg_parse *p, const config_setting_t *g, const char *what,
			 struct fg_endpoint *ep)
{
	const config_setting_t *s = fg_member(g, "address");
	long long a;
	int ret;

	if (!s)
		return fg_fail(p, g, "%s: 'address' is required", what);
	ret = fg_int_value(p, s, what, "address", 0, 255, &a);
	if (ret < 0)
		return ret;
	if (a & 0x70)
		return fg_fail(p, s,
			       "%s: 'address' 0x%02llx has reserved bits 4..6 set; use 0x01..0x0f, plus 0x80 for IN",
			       what, a);
	if ((a & 0x0f) == 0)
		return fg_fail(p, s, "%s: 'address' 0x%02llx is endpoint 0, the control endpoint",
			       what, a);
	for (size_t i = 0; i < p->m->endpoint_count; i++)
		if (p->m->endpoints[i].address == a)
			return fg_fail(p, s,
				       "%s: 'address' 0x%02llx already used by endpoint '%s' (FunctionFS allows each endpoint once per function)",
				       what, a, p->m->endpoints[i].name);
	ep->address = (uint8_t)a;
	return 0;
}

static int parse_mult_burst(struct fg_parse *p, const config_setting_t *g, const char *what,
			    struct fg_endpoint *ep)
{
	long long mult = 1, burst = 1;
	int ret = fg_opt_int(p, g, "mult", what, 1, 3, &mult);

	if (ret < 0)
		return ret;
	if (ret > 0 && ep->type == FG_EP_BULK)
		return fg_fail(p, fg_member(g, "mult"),
			       "%s: 'mult' applies only to interrupt and iso endpoints", what);
	if (ret > 0 && mult > 1 && ep->type == FG_EP_INT && !has_speed(p->m, FG_HS))
		return fg_fail(p, fg_member(g, "mult"),
			       "%s: 'mult' on an interrupt endpoint needs high speed in 'speeds'",
			       what);
	if (ret > 0 && mult > 1 && !has_speed(p->m, FG_HS) && !has_speed(p->m, FG_SS))
		return fg_fail(p, fg_member(g, "mult"),
			       "%s: 'mult' needs high or super speed in 'speeds'", what);
	ret = fg_opt_int(p, g, "burst", what, 1, 16, &burst);
	if (ret < 0)
		return ret;
	if (ret > 0 && burst > 1 && !has_speed(p->m, FG_SS))
		return fg_fail(p, fg_member(g, "burst"),
			       "%s: 'burst' needs super speed in 'speeds'", what);
	ep->mult = (uint8_t)mult;
	ep->burst = (uint8_t)burst;
	return 0;
}

static int parse_iso_attributes(struct fg_parse *p, const config_setting_t *g,
				const char *what, struct fg_endpoint *ep)
{
	static const char *const sync_names[] = { "none", "async", "adaptive", "sync", NULL };
	static const char *const usage_names[] = { "data", "feedback", "implicit", NULL };
	int sync = FG_SYNC_NONE, usage = FG_USAGE_DATA;
	int ret;

	for (int i = 0; i < 2; i++) {
		const char *key = i == 0 ? "sync" : "usage";

		if (fg_member(g, key) && ep->type != FG_EP_ISO)
			return fg_fail(p, fg_member(g, key),
				       "%s: '%s' applies only to iso endpoints", what, key);
	}
	ret = parse_enum(p, g, "sync", what, sync_names, &sync);
	if (ret < 0)
		return ret;
	ret = parse_enum(p, g, "usage", what, usage_names, &usage);
	if (ret < 0)
		return ret;
	ep->sync = (enum fg_iso_sync)sync;
	ep->usage = (enum fg_iso_usage)usage;
	return 0;
}

static int parse_streaming(struct fg_parse *p, const config_setting_t *g, const char *what,
			   struct fg_endpoint *ep)
{
	long long queue, buffer;
	unsigned interval_bytes = 0;
	int ret;

	for (int i = 0; i < 3; i++)
		if (has_speed(p->m, i) && fg_usb_bytes_per_interval(ep, i) > interval_bytes)
			interval_bytes = fg_usb_bytes_per_interval(ep, i);
	switch (ep->type) {
	case FG_EP_BULK:
		queue = 8;
		buffer = 16384;
		break;
	case FG_EP_INT:
		queue = 2;
		buffer = interval_bytes;
		break;
	default:
		/* One request per service interval: 32 of them ride out scheduling jitter. */
		queue = 32;
		buffer = interval_bytes;
		break;
	}
	ret = fg_opt_int(p, g, "queue", what, 1, QUEUE_MAX, &queue);
	if (ret < 0)
		return ret;
	ret = fg_opt_int(p, g, "buffer", what, 1, BUFFER_MAX, &buffer);
	if (ret < 0)
		return ret;
	if (ret > 0 && ep->type == FG_EP_ISO && buffer > interval_bytes)
		return fg_fail(p, fg_member(g, "buffer"),
			       "%s: 'buffer' %lld exceeds one service interval (%u bytes); each iso request carries one interval",
			       what, buffer, interval_bytes);
	ep->queue_depth = (unsigned)queue;
	ep->buffer_size = (size_t)buffer;
	return 0;
}

static int parse_endpoint(struct fg_parse *p, const config_setting_t *g, unsigned ifn,
			  unsigned altn, int index)
{
	static const char *const type_names[] = { "bulk", "interrupt", "iso", NULL };
	static const enum fg_ep_type type_values[] = { FG_EP_BULK, FG_EP_INT, FG_EP_ISO };
	struct fg_model *m = p->m;
	struct fg_endpoint *ep;
	char what[64];
	const char *name;
	int type, ret;

	snprintf(what, sizeof(what), "interface %u alt %u endpoint %d", ifn, altn, index);
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return fg_fail(p, g, "%s: must be a group { ... }", what);
	if (m->endpoint_count >= FG_MAX_ENDPOINTS)
		return fg_fail(p, g,
			       "%s: more than %d endpoints in the function (FunctionFS takes at most 31 descriptors per speed)",
			       what, FG_MAX_ENDPOINTS);
	ret = fg_check_keys(p, g, what, endpoint_keys);
	if (ret < 0)
		return ret;
	ep = &m->endpoints[m->endpoint_count];
	memset(ep, 0, sizeof(*ep));
	ep->line = config_setting_source_line(g);
	ep->interface = (uint8_t)ifn;
	ep->alt = (uint8_t)altn;

	ret = fg_req_string(p, g, "name", what, &name);
	if (ret < 0)
		return ret;
	ret = fg_copy_name(p, fg_member(g, "name"), what, "name", name, ep->name);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < m->endpoint_count; i++)
		if (strcmp(m->endpoints[i].name, ep->name) == 0)
			return fg_fail(p, fg_member(g, "name"),
				       "%s: name '%s' already used on line %u", what, ep->name,
				       m->endpoints[i].line);
	snprintf(what, sizeof(what), "endpoint '%s'", ep->name);

	ret = parse_address(p, g, what, ep);
	if (ret < 0)
		return ret;
	if (!fg_member(g, "type"))
		return fg_fail(p, g, "%s: 'type' is required", what);
	ret = parse_enum(p, g, "type", what, type_names, &type);
	if (ret < 0)
		return ret;
	ep->type = type_values[type];

	ret = parse_mult_burst(p, g, what, ep);
	if (ret < 0)
		return ret;
	ret = parse_iso_attributes(p, g, what, ep);
	if (ret < 0)
		return ret;
	ret = parse_maxpacket(p, g, what, ep);
	if (ret < 0)
		return ret;
	ret = parse_interval(p, g, what, ep);
	if (ret < 0)
		return ret;
	ret = parse_streaming(p, g, what, ep);
	if (ret < 0)
		return ret;
	m->endpoint_count++;
	return 0;
}

/* Reads a report descriptor file named relative to the description's directory. */
static int read_report_file(struct fg_parse *p, const config_setting_t *at, const char *what,
			    const char *name, struct fg_hid *hid)
{
	char path[4096];
	const char *slash = strrchr(p->source, '/');
	struct stat st;
	uint8_t *buf;
	ssize_t got;
	int fd, err;

	if (name[0] == '/' || !slash)
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - p->source), p->source, name);
	fd = fg_open_regular(path);
	if (fd < 0 && fd != -EINVAL) {
		fg_fail(p, at, "%s: 'report_file' \"%s\": %s", what, name, strerror(-fd));
		return fd;
	}
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size <= 0 ||
	    st.st_size > (off_t)HID_REPORT_MAX) {
		if (fd >= 0)
			close(fd);
		return fg_fail(p, at, "%s: 'report_file' \"%s\" must be a regular file of 1..%u bytes",
			       what, name, HID_REPORT_MAX);
	}
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	got = read(fd, buf, (size_t)st.st_size);
	err = errno;
	close(fd);
	if (got != (ssize_t)st.st_size) {
		free(buf);
		fg_fail(p, at, "%s: 'report_file' \"%s\": short read", what, name);
		return got < 0 ? -err : -EIO;
	}
	hid->report = buf;
	hid->report_len = (size_t)st.st_size;
	return 0;
}

static int parse_hid(struct fg_parse *p, const config_setting_t *g, const char *alt_what,
		     struct fg_hid *hid)
{
	char what[80];
	long long bcd = 0x0111, country = 0;
	const config_setting_t *report, *file;
	const char *name;
	int ret;

	snprintf(what, sizeof(what), "%s hid", alt_what);
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return fg_fail(p, g, "%s: must be a group { ... }", what);
	ret = fg_check_keys(p, g, what, hid_keys);
	if (ret < 0)
		return ret;
	ret = fg_opt_int(p, g, "bcd", what, 0, 0xffff, &bcd);
	if (ret < 0)
		return ret;
	ret = fg_opt_int(p, g, "country", what, 0, 255, &country);
	if (ret < 0)
		return ret;
	report = fg_member(g, "report");
	file = fg_member(g, "report_file");
	if (report && file)
		return fg_fail(p, file, "%s: give either 'report' or 'report_file', not both",
			       what);
	if (report) {
		ret = fg_byte_list(p, report, what, "report", HID_REPORT_MAX, &hid->report,
				   &hid->report_len);
	} else if (file) {
		ret = fg_opt_string(p, g, "report_file", what, &name);
		if (ret > 0)
			ret = read_report_file(p, file, what, name, hid);
	} else {
		ret = fg_fail(p, g, "%s: 'report' or 'report_file' is required", what);
	}
	if (ret < 0)
		return ret;
	hid->present = true;
	hid->bcd_hid = (uint16_t)bcd;
	hid->country = (uint8_t)country;
	return 0;
}

/* DFU 1.1 4.1.3: the functional descriptor of a DFU interface. */
static int parse_dfu(struct fg_parse *p, const config_setting_t *g, const char *alt_what,
		     struct fg_dfu *dfu)
{
	char what[80];
	long long detach = 1000, transfer = 4096, version = 0x0110;
	const config_setting_t *attrs;
	unsigned bits = 0;
	int ret;

	snprintf(what, sizeof(what), "%s dfu", alt_what);
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return fg_fail(p, g, "%s: must be a group { ... }", what);
	ret = fg_check_keys(p, g, what, dfu_keys);
	if (ret < 0)
		return ret;
	if ((ret = fg_opt_int(p, g, "detach_timeout", what, 0, 0xffff, &detach)) < 0 ||
	    (ret = fg_opt_int(p, g, "transfer_size", what, 1, 0xffff, &transfer)) < 0 ||
	    (ret = fg_opt_int(p, g, "version", what, 0, 0xffff, &version)) < 0)
		return ret;
	attrs = fg_member(g, "attributes");
	if (!attrs)
		return fg_fail(p, g, "%s: 'attributes' is required (any of \"download\", "
			       "\"upload\", \"manifestation_tolerant\", \"will_detach\")", what);
	if (!fg_is_sequence(attrs))
		return fg_fail(p, attrs, "%s: 'attributes' must be a list of strings", what);
	for (int i = 0; i < config_setting_length(attrs); i++) {
		const config_setting_t *e = config_setting_get_elem(attrs, (unsigned)i);
		const char *w = config_setting_type(e) == CONFIG_TYPE_STRING ?
				config_setting_get_string(e) : NULL;
		unsigned k = 0;

		while (w && dfu_attr_words[k] && strcmp(dfu_attr_words[k], w) != 0)
			k++;
		if (!w || !dfu_attr_words[k])
			return fg_fail(p, e, "%s: attribute %s%s%s is not \"download\", \"upload\", "
				       "\"manifestation_tolerant\" or \"will_detach\"", what,
				       w ? "\"" : "", w ? w : "(not a string)", w ? "\"" : "");
		if (bits & (1u << k))
			return fg_fail(p, e, "%s: attribute \"%s\" listed twice", what, w);
		bits |= 1u << k;
	}
	dfu->present = true;
	dfu->attributes = (uint8_t)bits;
	dfu->detach_timeout = (uint16_t)detach;
	dfu->transfer_size = (uint16_t)transfer;
	dfu->bcd_dfu = (uint16_t)version;
	return 0;
}

/* Classes whose interfaces only work with CS_INTERFACE/CS_ENDPOINT descriptors. */
static const char *kernel_only_class(long long class_)
{
	switch (class_) {
	case 0x01:
		return "audio (0x01) interfaces need class-specific descriptors, which FunctionFS rejects; use the kernel's uac1/uac2 function";
	case 0x02:
		return "CDC (0x02) interfaces need class-specific descriptors, which FunctionFS rejects; use the kernel's acm/ecm/ncm function";
	case 0x0e:
		return "video (0x0e) interfaces need class-specific descriptors, which FunctionFS rejects; use the kernel's uvc function";
	case 0x10:
		return "audio/video (0x10) interfaces need class-specific descriptors, which FunctionFS rejects";
	default:
		return NULL;
	}
}

static int parse_alt(struct fg_parse *p, const config_setting_t *g, unsigned ifn,
		     unsigned altn, const struct alt_defaults *d, bool own_group)
{
	struct fg_alt *alt = &p->m->interfaces[ifn].alts[altn];
	long long class_ = d->class_, subclass = d->subclass, protocol = d->protocol;
	const config_setting_t *eps, *hid, *dfu, *cls_at = g;
	bool is_dfu;
	const char *string = d->string;
	const config_setting_t *string_at = d->string_at;
	char what[48];
	int ret;

	snprintf(what, sizeof(what), "interface %u alt %u", ifn, altn);
	if (own_group) {
		long long number = altn;

		if (config_setting_type(g) != CONFIG_TYPE_GROUP)
			return fg_fail(p, g, "%s: must be a group { ... }", what);
		ret = fg_check_keys(p, g, what, alt_keys);
		if (ret < 0)
			return ret;
		ret = fg_opt_int(p, g, "number", what, 0, 255, &number);
		if (ret < 0)
			return ret;
		if (number != altn)
			return fg_fail(p, fg_member(g, "number"),
				       "%s: 'number' %lld out of order; alt settings are numbered 0, 1, ... as written",
				       what, number);
		ret = fg_opt_int(p, g, "class", what, 0, 255, &class_);
		if (ret < 0)
			return ret;
		if (ret == 0 && !d->has_class)
			return fg_fail(p, g, "%s: 'class' is required", what);
		if (ret > 0)
			cls_at = fg_member(g, "class");
		if ((ret = fg_opt_int(p, g, "subclass", what, 0, 255, &subclass)) < 0 ||
		    (ret = fg_opt_int(p, g, "protocol", what, 0, 255, &protocol)) < 0)
			return ret;
		ret = fg_opt_string(p, g, "string", what, &string);
		if (ret < 0)
			return ret;
		if (ret > 0)
			string_at = fg_member(g, "string");
	} else if (!d->has_class) {
		return fg_fail(p, g, "interface %u: 'class' is required", ifn);
	} else if (fg_member(g, "class")) {
		cls_at = fg_member(g, "class");
	}
	if (kernel_only_class(class_))
		return fg_fail(p, cls_at, "%s: %s", what, kernel_only_class(class_));

	alt->number = (uint8_t)altn;
	alt->line = config_setting_source_line(g);
	alt->class_ = (uint8_t)class_;
	alt->subclass = (uint8_t)subclass;
	alt->protocol = (uint8_t)protocol;
	p->alt_string_key[ifn][altn] = string;
	p->alt_string_at[ifn][altn] = string_at;

	hid = fg_member(g, "hid");
	if (hid && class_ != USB_CLASS_HID)
		return fg_fail(p, hid,
			       "%s: 'hid' needs class 3 (HID); FunctionFS rejects class descriptors in class 0x%02llx interfaces",
			       what, class_);
	if (!hid && class_ == USB_CLASS_HID)
		return fg_fail(p, g, "%s: class 3 (HID) needs a 'hid' block", what);
	if (hid) {
		ret = parse_hid(p, hid, what, &alt->hid);
		if (ret < 0)
			return ret;
	}

	dfu = fg_member(g, "dfu");
	is_dfu = class_ == FG_DFU_CLASS && subclass == FG_DFU_SUBCLASS;
	if (dfu && !is_dfu)
		return fg_fail(p, dfu,
			       "%s: 'dfu' needs class 0xfe subclass 0x01 (DFU); FunctionFS takes the "
			       "functional descriptor only there", what);
	if (!dfu && is_dfu)
		return fg_fail(p, g, "%s: class 0xfe subclass 0x01 (DFU) needs a 'dfu' block", what);
	if (dfu) {
		if (protocol != FG_DFU_PROTOCOL_RUNTIME && protocol != FG_DFU_PROTOCOL_DFU_MODE)
			return fg_fail(p, g, "%s: DFU protocol %lld is not 1 (run-time) or 2 (DFU mode)",
				       what, protocol);
		ret = parse_dfu(p, dfu, what, &alt->dfu);
		if (ret < 0)
			return ret;
	}

	alt->first_ep = p->m->endpoint_count;
	eps = fg_member(g, "endpoints");
	if (eps && dfu && config_setting_length(eps) > 0)
		return fg_fail(p, eps, "%s: a DFU interface has no endpoints (DFU 1.1 4.2.3: "
			       "it works over the control endpoint only)", what);
	if (eps) {
		if (config_setting_type(eps) != CONFIG_TYPE_LIST)
			return fg_fail(p, eps, "%s: 'endpoints' must be a list ( {...}, ... )", what);
		for (int i = 0; i < config_setting_length(eps); i++) {
			ret = parse_endpoint(p, config_setting_get_elem(eps, (unsigned)i), ifn,
					     altn, i);
			if (ret < 0)
				return ret;
		}
	}
	alt->ep_count = p->m->endpoint_count - alt->first_ep;
	return 0;
}

static int parse_interface(struct fg_parse *p, const config_setting_t *g, unsigned ifn)
{
	struct fg_interface *iface = &p->m->interfaces[ifn];
	struct alt_defaults d = { .has_class = false };
	const config_setting_t *alts;
	long long number = ifn;
	char what[32];
	int ret;

	snprintf(what, sizeof(what), "interface %u", ifn);
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
		return fg_fail(p, g, "%s: must be a group { ... }", what);
	ret = fg_check_keys(p, g, what, interface_keys);
	if (ret < 0)
		return ret;
	ret = fg_opt_int(p, g, "number", what, 0, 255, &number);
	if (ret < 0)
		return ret;
	if (number != ifn)
		return fg_fail(p, fg_member(g, "number"),
			       "%s: 'number' %lld out of order; interfaces are numbered 0, 1, ... as written",
			       what, number);
	ret = fg_opt_int(p, g, "class", what, 0, 255, &d.class_);
	if (ret < 0)
		return ret;
	d.has_class = ret > 0;
	if ((ret = fg_opt_int(p, g, "subclass", what, 0, 255, &d.subclass)) < 0 ||
	    (ret = fg_opt_int(p, g, "protocol", what, 0, 255, &d.protocol)) < 0 ||
	    (ret = fg_opt_string(p, g, "string", what, &d.string)) < 0)
		return ret;
	d.string_at = fg_member(g, "string");
	iface->number = (uint8_t)ifn;
	iface->line = config_setting_source_line(g);

	alts = fg_member(g, "alts");
	if (!alts) {
		iface->alt_count = 1;
		return parse_alt(p, g, ifn, 0, &d, false);
	}
	for (int i = 0; i < 3; i++) {
		const char *key = i == 0 ? "endpoints" : i == 1 ? "hid" : "dfu";

		if (fg_member(g, key))
			return fg_fail(p, fg_member(g, key),
				       "%s: '%s' goes inside each alt setting when 'alts' is given",
				       what, key);
	}
	if (config_setting_type(alts) != CONFIG_TYPE_LIST)
		return fg_fail(p, alts, "%s: 'alts' must be a list ( {...}, ... )", what);
	if (config_setting_length(alts) == 0)
		return fg_fail(p, alts, "%s: 'alts' is empty", what);
	if (config_setting_length(alts) > FG_MAX_ALTS)
		return fg_fail(p, alts, "%s: %d alt settings, at most %d", what,
			       config_setting_length(alts), FG_MAX_ALTS);
	iface->alt_count = (size_t)config_setting_length(alts);
	for (unsigned a = 0; a < iface->alt_count; a++) {
		ret = parse_alt(p, config_setting_get_elem(alts, a), ifn, a, &d, true);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int fg_parse_interfaces(struct fg_parse *p, const config_setting_t *list)
{
	int n;

	if (config_setting_type(list) != CONFIG_TYPE_LIST)
		return fg_fail(p, list, "function: 'interfaces' must be a list ( {...}, ... )");
	n = config_setting_length(list);
	if (n == 0)
		return fg_fail(p, list, "function: 'interfaces' is empty");
	if (n > FG_MAX_INTERFACES)
		return fg_fail(p, list, "function: %d interfaces, at most %d", n,
			       FG_MAX_INTERFACES);
	for (int i = 0; i < n; i++) {
		int ret = parse_interface(p, config_setting_get_elem(list, (unsigned)i),
					  (unsigned)i);
		if (ret < 0)
			return ret;
		p->m->interface_count = (size_t)i + 1;
	}
	return 0;
}
