/* SPDX-License-Identifier: MIT */
/*
 * Encoder.  Each blob is produced by one function run twice: first with no
 * buffer to learn the length (which the header carries), then for real, so
 * the length field and the bytes can never disagree.  Every multi-byte
 * field is written byte by byte, little-endian, never through a cast.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/usb/functionfs.h>

#include "description/usb_rules.h"
#include "ffs/ffs_blobs.h"

#define USB_DT_INTERFACE_ 0x04
#define USB_DT_ENDPOINT_ 0x05
#define USB_DT_HID_ 0x21
#define USB_DT_DFU_FUNCTIONAL_ 0x21   /* class type 1, as HID's; told apart by the interface class */
#define USB_DT_REPORT_ 0x22
#define USB_DT_SS_EP_COMP_ 0x30
#define MS_OS_EXT_COMPAT 4
#define MS_OS_EXT_PROP 5
#define MS_OS_HEADER_LEN 11
#define MS_OS_COMPAT_LEN 24

struct writer {
	uint8_t *buf;       /* NULL: only count */
	size_t cap;
	size_t len;
};

static void put_bytes(struct writer *w, const void *src, size_t n)
{
	if (w->buf && n <= w->cap && w->len <= w->cap - n)
		memcpy(w->buf + w->len, src, n);
	w->len += n;
}

static void put_u8(struct writer *w, unsigned v)
{
	uint8_t b = (uint8_t)v;

	put_bytes(w, &b, 1);
}

static void put_le16(struct writer *w, unsigned v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	put_bytes(w, b, sizeof(b));
}

static void put_le32(struct writer *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	put_bytes(w, b, sizeof(b));
}

static bool has_speed(const struct fg_model *m, enum fg_speed_index s)
{
	return (m->speeds & (1u << s)) != 0;
}

/* The model promises these; the encoder still refuses to index past them. */
static bool model_in_bounds(const struct fg_model *m)
{
	if (m->interface_count > FG_MAX_INTERFACES || m->endpoint_count > FG_MAX_ENDPOINTS ||
	    m->strings.count > FG_MAX_STRINGS || m->strings.lang_count > FG_MAX_LANGS ||
	    m->ms_compat_count > FG_MAX_MS_COMPAT || m->ms_prop_count > FG_MAX_MS_PROPS)
		return false;
	for (size_t i = 0; i < m->interface_count; i++) {
		const struct fg_interface *iface = &m->interfaces[i];

		if (iface->alt_count > FG_MAX_ALTS)
			return false;
		for (size_t a = 0; a < iface->alt_count; a++) {
			const struct fg_alt *alt = &iface->alts[a];

			if (alt->first_ep > m->endpoint_count ||
			    alt->ep_count > m->endpoint_count - alt->first_ep || alt->ep_count > 255)
				return false;
			if (alt->hid.present && alt->hid.report_len > 0xffff)
				return false;
		}
	}
	for (size_t i = 0; i < m->ms_prop_count; i++)
		if (!m->ms_props[i].name || (m->ms_props[i].data_len && !m->ms_props[i].data))
			return false;
	for (size_t l = 0; l < m->strings.lang_count; l++)
		for (size_t k = 0; k < m->strings.count; k++)
			if (!m->strings.text[l][k])
				return false;
	return true;
}

uint16_t ffs_endpoint_wmaxpacket(const struct fg_endpoint *ep, enum fg_speed_index s)
{
	unsigned maxp = ep->maxpacket[s] & 0x7ffu;

	/* USB 2.0 9.6.6: bits 12:11 are the additional transactions per microframe. */
	if (s == FG_HS && ep->type != FG_EP_BULK && ep->mult > 1 && ep->mult <= 3)
		maxp |= (unsigned)(ep->mult - 1) << 11;
	return (uint16_t)maxp;
}

static void put_endpoint(struct writer *w, const struct fg_endpoint *ep, enum fg_speed_index s,
			 unsigned *count)
{
	unsigned attributes = (unsigned)ep->type;
	unsigned maxp = ffs_endpoint_wmaxpacket(ep, s);
	bool periodic = ep->type != FG_EP_BULK;

	if (ep->type == FG_EP_ISO)
		attributes |= ((unsigned)ep->sync << 2) | ((unsigned)ep->usage << 4);

	put_u8(w, 7);
	put_u8(w, USB_DT_ENDPOINT_);
	put_u8(w, ep->address);
	put_u8(w, attributes);
	put_le16(w, maxp);
	put_u8(w, periodic ? ep->interval[s] : 0);
	++*count;

	if (s != FG_SS)
		return;
	/* USB 3.2 9.6.7: zero-based burst; Mult exists for iso only. */
	put_u8(w, 6);
	put_u8(w, USB_DT_SS_EP_COMP_);
	put_u8(w, ep->burst > 0 ? ep->burst - 1u : 0);
	put_u8(w, ep->type == FG_EP_ISO && ep->mult > 0 ? ep->mult - 1u : 0);
	put_le16(w, periodic ? fg_usb_bytes_per_interval(ep, FG_SS) : 0);
	++*count;
}

static void put_alt(struct writer *w, const struct fg_model *m, const struct fg_interface *iface,
		    const struct fg_alt *alt, enum fg_speed_index s, unsigned *count)
{
	put_u8(w, 9);
	put_u8(w, USB_DT_INTERFACE_);
	put_u8(w, iface->number);
	put_u8(w, alt->number);
	put_u8(w, (unsigned)alt->ep_count);
	put_u8(w, alt->class_);
	put_u8(w, alt->subclass);
	put_u8(w, alt->protocol);
	put_u8(w, alt->string);
	++*count;

	if (alt->hid.present) {
		/* HID 1.11 6.2.1, with exactly one (report) class descriptor. */
		put_u8(w, 9);
		put_u8(w, USB_DT_HID_);
		put_le16(w, alt->hid.bcd_hid);
		put_u8(w, alt->hid.country);
		put_u8(w, 1);
		put_u8(w, USB_DT_REPORT_);
		put_le16(w, (unsigned)alt->hid.report_len);
		++*count;
	}
	if (alt->dfu.present) {
		/* DFU 1.1 4.1.3; FunctionFS takes it in a 0xfe/0x01 interface from 6.12. */
		put_u8(w, 9);
		put_u8(w, USB_DT_DFU_FUNCTIONAL_);
		put_u8(w, alt->dfu.attributes);
		put_le16(w, alt->dfu.detach_timeout);
		put_le16(w, alt->dfu.transfer_size);
		put_le16(w, alt->dfu.bcd_dfu);
		++*count;
	}
	for (size_t e = 0; e < alt->ep_count; e++)
		put_endpoint(w, &m->endpoints[alt->first_ep + e], s, count);
}

static unsigned put_speed(struct writer *w, const struct fg_model *m, enum fg_speed_index s)
{
	unsigned count = 0;

	for (size_t i = 0; i < m->interface_count; i++)
		for (size_t a = 0; a < m->interfaces[i].alt_count; a++)
			put_alt(w, m, &m->interfaces[i], &m->interfaces[i].alts[a], s, &count);
	return count;
}

size_t ffs_speed_descriptors_len(const struct fg_model *m, enum fg_speed_index s)
{
	struct writer w = { .buf = NULL };

	if (!m || !model_in_bounds(m))
		return 0;
	put_speed(&w, m, s);
	return w.len;
}

unsigned ffs_speed_descriptors_count(const struct fg_model *m, enum fg_speed_index s)
{
	struct writer w = { .buf = NULL };

	if (!m || !model_in_bounds(m))
		return 0;
	return put_speed(&w, m, s);
}

static size_t prop_size(const struct fg_ms_prop *p)
{
	/* dwSize, dwPropertyDataType, wPropertyNameLength, name, dwPropertyDataLength, data */
	return 14 + strlen(p->name) + 1 + p->data_len;
}

static bool interface_has_props(const struct fg_model *m, size_t ifn)
{
	for (size_t i = 0; i < m->ms_prop_count; i++)
		if (m->ms_props[i].interface == ifn)
			return true;
	return false;
}

/* One ext compat feature descriptor for all entries, one ext prop per interface. */
static unsigned ms_os_count(const struct fg_model *m)
{
	unsigned n = m->ms_compat_count > 0;

	for (size_t i = 0; i < m->interface_count; i++)
		n += interface_has_props(m, i);
	return n;
}

static void put_os_header(struct writer *w, unsigned interface, size_t body_len,
			  unsigned w_index, unsigned count)
{
	put_u8(w, interface);
	put_le32(w, (uint32_t)(MS_OS_HEADER_LEN + body_len));
	put_le16(w, 1);             /* bcdVersion: f_fs.c accepts only 1 */
	put_le16(w, w_index);
	if (w_index == MS_OS_EXT_COMPAT) {
		put_u8(w, count);   /* bCount */
		put_u8(w, 0);       /* Reserved */
	} else {
		put_le16(w, count); /* wCount */
	}
}

static void put_ms_os(struct writer *w, const struct fg_model *m)
{
	if (m->ms_compat_count > 0) {
		put_os_header(w, m->ms_compat[0].interface, MS_OS_COMPAT_LEN * m->ms_compat_count,
			      MS_OS_EXT_COMPAT, (unsigned)m->ms_compat_count);
		for (size_t i = 0; i < m->ms_compat_count; i++) {
			static const uint8_t reserved2[6];
			const struct fg_ms_compat *c = &m->ms_compat[i];

			put_u8(w, c->interface);
			put_u8(w, 1);       /* Reserved1: 1 per the MS specification */
			put_bytes(w, c->compatible_id, 8);
			put_bytes(w, c->sub_compatible_id, 8);
			put_bytes(w, reserved2, sizeof(reserved2));
		}
	}
	for (size_t ifn = 0; ifn < m->interface_count; ifn++) {
		size_t body = 0;
		unsigned count = 0;

		for (size_t i = 0; i < m->ms_prop_count; i++) {
			if (m->ms_props[i].interface == ifn) {
				body += prop_size(&m->ms_props[i]);
				count++;
			}
		}
		if (count == 0)
			continue;
		put_os_header(w, (unsigned)ifn, body, MS_OS_EXT_PROP, count);
		for (size_t i = 0; i < m->ms_prop_count; i++) {
			const struct fg_ms_prop *p = &m->ms_props[i];

			if (p->interface != ifn)
				continue;
			put_le32(w, (uint32_t)prop_size(p));
			put_le32(w, p->type);
			put_le16(w, (unsigned)(strlen(p->name) + 1));
			put_bytes(w, p->name, strlen(p->name) + 1);
			put_le32(w, (uint32_t)p->data_len);
			put_bytes(w, p->data, p->data_len);
		}
	}
}

static void put_descriptors(struct writer *w, const struct fg_model *m, int eventfd)
{
	static const uint32_t has_desc[3] = {
		FUNCTIONFS_HAS_FS_DESC, FUNCTIONFS_HAS_HS_DESC, FUNCTIONFS_HAS_SS_DESC
	};
	uint32_t flags = m->ffs_flags;
	unsigned os_count = ms_os_count(m);

	for (int s = 0; s < 3; s++)
		if (has_speed(m, (enum fg_speed_index)s))
			flags |= has_desc[s];
	if (os_count)
		flags |= FUNCTIONFS_HAS_MS_OS_DESC;
	if (eventfd >= 0)
		flags |= FUNCTIONFS_EVENTFD;

	put_le32(w, FUNCTIONFS_DESCRIPTORS_MAGIC_V2);
	put_le32(w, (uint32_t)w->cap);  /* the total, known from the counting pass */
	put_le32(w, flags);
	if (eventfd >= 0)
		put_le32(w, (uint32_t)eventfd);
	for (int s = 0; s < 3; s++)
		if (has_speed(m, (enum fg_speed_index)s))
			put_le32(w, ffs_speed_descriptors_count(m, (enum fg_speed_index)s));
	if (os_count)
		put_le32(w, os_count);
	for (int s = 0; s < 3; s++)
		if (has_speed(m, (enum fg_speed_index)s))
			put_speed(w, m, (enum fg_speed_index)s);
	put_ms_os(w, m);
}

static void put_strings(struct writer *w, const struct fg_model *m)
{
	const struct fg_strings *st = &m->strings;
	/* f_fs.c: str_count and lang_count are zero together or not at all. */
	size_t langs = st->count ? st->lang_count : 0;

	put_le32(w, FUNCTIONFS_STRINGS_MAGIC);
	put_le32(w, (uint32_t)w->cap);
	put_le32(w, (uint32_t)(langs ? st->count : 0));
	put_le32(w, (uint32_t)langs);
	for (size_t l = 0; l < langs; l++) {
		put_le16(w, st->lang[l]);
		for (size_t k = 0; k < st->count; k++)
			put_bytes(w, st->text[l][k], strlen(st->text[l][k]) + 1);
	}
}

/* Runs fill twice: to size the blob, then to write it. */
static int build(struct fg_blob *out, const struct fg_model *m, int eventfd,
		 void (*fill)(struct writer *, const struct fg_model *, int))
{
	struct writer w = { .buf = NULL };

	out->data = NULL;
	out->len = 0;
	if (!model_in_bounds(m))
		return -EINVAL;
	fill(&w, m, eventfd);
	if (w.len > UINT32_MAX)
		return -EINVAL;
	w.cap = w.len;
	w.len = 0;
	w.buf = malloc(w.cap);
	if (!w.buf)
		return -ENOMEM;
	fill(&w, m, eventfd);
	out->data = w.buf;
	out->len = w.len;
	return 0;
}

static void fill_descriptors(struct writer *w, const struct fg_model *m, int eventfd)
{
	put_descriptors(w, m, eventfd);
}

static void fill_strings(struct writer *w, const struct fg_model *m, int eventfd)
{
	(void)eventfd;
	put_strings(w, m);
}

int ffs_build_descriptors(const struct fg_model *m, int eventfd, struct fg_blob *out)
{
	if (!m || !out)
		return -EINVAL;
	return build(out, m, eventfd, fill_descriptors);
}

int ffs_build_strings(const struct fg_model *m, struct fg_blob *out)
{
	if (!m || !out)
		return -EINVAL;
	return build(out, m, -1, fill_strings);
}

void fg_blob_free(struct fg_blob *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
}
