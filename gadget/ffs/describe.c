/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include <linux/usb/functionfs.h>

#include "description/usb_rules.h"
#include "ffs/describe.h"
#include "ffs/ffs_blobs.h"

static const char *class_name(unsigned c)
{
	switch (c) {
	case 0x03:
		return "Human Interface Device";
	case 0x08:
		return "Mass Storage";
	case 0x0a:
		return "CDC Data";
	case 0xdc:
		return "Diagnostic";
	case 0xe0:
		return "Wireless";
	case 0xef:
		return "Miscellaneous";
	case 0xfe:
		return "Application Specific";
	case 0xff:
		return "Vendor Specific Class";
	default:
		return "";
	}
}

static const char *string_key(const struct fg_model *m, unsigned id)
{
	if (id == 0 || id > m->strings.count)
		return "";
	return m->strings.keys[id - 1];
}

static void print_endpoint(FILE *out, const struct fg_endpoint *ep, size_t index,
			   enum fg_speed_index s)
{
	static const char *const sync[] = { "None", "Asynchronous", "Adaptive", "Synchronous" };
	static const char *const usage[] = { "Data", "Feedback", "Implicit feedback", "?" };
	static const char *const type[] = { "Control", "Isochronous", "Bulk", "Interrupt" };
	unsigned wmaxp = ffs_endpoint_wmaxpacket(ep, s);
	unsigned attributes = (unsigned)ep->type;

	if (ep->type == FG_EP_ISO)
		attributes |= ((unsigned)ep->sync << 2) | ((unsigned)ep->usage << 4);
	fprintf(out, "      Endpoint Descriptor:                 '%s' (FunctionFS ep%zu)\n",
		ep->name, index + 1);
	fprintf(out, "        bEndpointAddress     0x%02x  EP %u %s (as requested)\n", ep->address,
		ep->address & 0x0fu, fg_ep_is_in(ep) ? "IN" : "OUT");
	fprintf(out, "        bmAttributes         %5u\n", attributes);
	fprintf(out, "          Transfer Type            %s\n", type[ep->type & 3]);
	fprintf(out, "          Synch Type               %s\n",
		sync[ep->type == FG_EP_ISO ? ep->sync & 3 : 0]);
	fprintf(out, "          Usage Type               %s\n",
		usage[ep->type == FG_EP_ISO ? ep->usage & 3 : 0]);
	fprintf(out, "        wMaxPacketSize     0x%04x  %ux %u bytes\n", wmaxp,
		((wmaxp >> 11) & 3) + 1, wmaxp & 0x7ffu);
	fprintf(out, "        bInterval            %5u\n",
		ep->type == FG_EP_BULK ? 0u : ep->interval[s]);
	if (s == FG_SS) {
		fprintf(out, "        SuperSpeed Endpoint Companion:\n");
		fprintf(out, "          bMaxBurst          %5u\n", ep->burst ? ep->burst - 1u : 0);
		if (ep->type == FG_EP_ISO)
			fprintf(out, "          Mult               %5u\n", ep->mult ? ep->mult - 1u : 0);
		fprintf(out, "          wBytesPerInterval  %5u\n",
			ep->type == FG_EP_BULK ? 0 : fg_usb_bytes_per_interval(ep, FG_SS));
	}
	fprintf(out, "        Streaming: %u requests of %zu bytes in flight\n", ep->queue_depth,
		ep->buffer_size);
}

static void print_alt(FILE *out, const struct fg_model *m, const struct fg_interface *iface,
		      const struct fg_alt *alt, enum fg_speed_index s)
{
	fprintf(out, "    Interface Descriptor:\n");
	fprintf(out, "      bInterfaceNumber     %5u\n", iface->number);
	fprintf(out, "      bAlternateSetting    %5u\n", alt->number);
	fprintf(out, "      bNumEndpoints        %5zu\n", alt->ep_count);
	fprintf(out, "      bInterfaceClass      %5u %s\n", alt->class_, class_name(alt->class_));
	fprintf(out, "      bInterfaceSubClass   %5u\n", alt->subclass);
	fprintf(out, "      bInterfaceProtocol   %5u\n", alt->protocol);
	fprintf(out, "      iInterface           %5u %s\n", alt->string,
		string_key(m, alt->string));
	if (alt->hid.present) {
		fprintf(out, "      HID Device Descriptor:\n");
		fprintf(out, "        bcdHID              %2x.%02x\n", alt->hid.bcd_hid >> 8,
			alt->hid.bcd_hid & 0xffu);
		fprintf(out, "        bCountryCode         %5u\n", alt->hid.country);
		fprintf(out, "        bNumDescriptors          1\n");
		fprintf(out, "        bDescriptorType         34 Report\n");
		fprintf(out, "        wDescriptorLength    %5zu\n", alt->hid.report_len);
	}
	if (alt->dfu.present) {
		fprintf(out, "      DFU Functional Descriptor:\n");
		fprintf(out, "        bmAttributes          0x%02x%s%s%s%s\n", alt->dfu.attributes,
			alt->dfu.attributes & FG_DFU_CAN_DNLOAD ? " download" : "",
			alt->dfu.attributes & FG_DFU_CAN_UPLOAD ? " upload" : "",
			alt->dfu.attributes & FG_DFU_MANIFESTATION_TOLERANT ?
				" manifestation-tolerant" : "",
			alt->dfu.attributes & FG_DFU_WILL_DETACH ? " will-detach" : "");
		fprintf(out, "        wDetachTimeOut       %5u ms\n", alt->dfu.detach_timeout);
		fprintf(out, "        wTransferSize        %5u bytes\n", alt->dfu.transfer_size);
		fprintf(out, "        bcdDFUVersion       %2x.%02x\n", alt->dfu.bcd_dfu >> 8,
			alt->dfu.bcd_dfu & 0xffu);
	}
	for (size_t e = 0; e < alt->ep_count && alt->first_ep + e < m->endpoint_count; e++)
		print_endpoint(out, &m->endpoints[alt->first_ep + e], alt->first_ep + e, s);
}

static void print_speed(FILE *out, const struct fg_model *m, enum fg_speed_index s)
{
	const char *label = fg_speed_label(s);

	fprintf(out, "%c%s descriptors (%u descriptors, %zu bytes):\n", label[0] - 'a' + 'A',
		label + 1, ffs_speed_descriptors_count(m, s), ffs_speed_descriptors_len(m, s));
	for (size_t i = 0; i < m->interface_count; i++)
		for (size_t a = 0; a < m->interfaces[i].alt_count; a++)
			print_alt(out, m, &m->interfaces[i], &m->interfaces[i].alts[a], s);
}

static void print_text(FILE *out, const uint8_t *data, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		if (data[i] == 0 && i + 1 == len)
			break;
		if (data[i] == 0)
			fputs("\\0", out);
		else if (data[i] == '"' || data[i] == '\\')
			fprintf(out, "\\%c", data[i]);
		else
			fputc(data[i], out);
	}
	fputc('"', out);
}

static void print_extras(FILE *out, const struct fg_model *m)
{
	static const char *const prop_type[] = {
		"?", "sz", "expand_sz", "binary", "dword_le", "dword_be", "link", "multi_sz"
	};
	const struct fg_strings *st = &m->strings;

	fprintf(out, "Strings (%zu per language):\n", st->count);
	for (size_t l = 0; l < st->lang_count; l++) {
		fprintf(out, "  language 0x%04x:\n", st->lang[l]);
		for (size_t k = 0; k < st->count; k++)
			fprintf(out, "    %2zu %-16s \"%s\"\n", k + 1, st->keys[k],
				st->text[l][k] ? st->text[l][k] : "");
	}
	if (m->ms_compat_count || m->ms_prop_count)
		fprintf(out, "MS OS 1.0 descriptors:\n");
	for (size_t i = 0; i < m->ms_compat_count; i++) {
		const struct fg_ms_compat *c = &m->ms_compat[i];

		fprintf(out, "  interface %u: compatible ID \"%.8s\" sub ID \"%.8s\"\n", c->interface,
			c->compatible_id, c->sub_compatible_id);
	}
	for (size_t i = 0; i < m->ms_prop_count; i++) {
		const struct fg_ms_prop *p = &m->ms_props[i];

		fprintf(out, "  interface %u: property %s (%s, %zu bytes) = ", p->interface, p->name,
			p->type < 8 ? prop_type[p->type] : "?", p->data_len);
		if (p->type == 3 || p->type == 4 || p->type == 5) {
			for (size_t b = 0; b < p->data_len; b++)
				fprintf(out, "%s%02x", b ? " " : "", p->data[b]);
		} else {
			print_text(out, p->data, p->data_len);
		}
		fputc('\n', out);
	}
	if (m->option_count)
		fprintf(out, "Options:\n");
	for (size_t i = 0; i < m->option_count; i++)
		fprintf(out, "  %s = %s\n", m->options[i].key, m->options[i].value);
}

static void hexdump(FILE *out, const char *title, const struct fg_blob *b)
{
	fprintf(out, "%s (%zu bytes):\n", title, b->len);
	for (size_t i = 0; i < b->len; i += 16) {
		fprintf(out, "  %04zx:", i);
		for (size_t k = i; k < i + 16 && k < b->len; k++)
			fprintf(out, " %02x", b->data[k]);
		fputc('\n', out);
	}
}

static int print_blobs(FILE *out, const struct fg_model *m)
{
	struct fg_blob descs, strings;
	int ret = ffs_build_descriptors(m, -1, &descs);

	if (ret < 0)
		return ret;
	ret = ffs_build_strings(m, &strings);
	if (ret < 0) {
		fg_blob_free(&descs);
		return ret;
	}
	hexdump(out, "FunctionFS descriptors blob", &descs);
	hexdump(out, "FunctionFS strings blob", &strings);
	fg_blob_free(&descs);
	fg_blob_free(&strings);
	return 0;
}

int fg_describe(FILE *out, const struct fg_model *m, bool hex)
{
	int ret = 0;

	if (!out || !m)
		return -EINVAL;
	fprintf(out, "Function '%s' (personality '%s') from %s\n", m->name, m->personality,
		m->source ? m->source : "?");
	fprintf(out, "  speeds:%s%s%s\n", m->speeds & FG_SPEED_FULL ? " full" : "",
		m->speeds & FG_SPEED_HIGH ? " high" : "", m->speeds & FG_SPEED_SUPER ? " super" : "");
	fprintf(out, "  FunctionFS flags: 0x%02x%s%s\n", m->ffs_flags,
		m->ffs_flags & FUNCTIONFS_ALL_CTRL_RECIP ? " all_ctrl_recip" : "",
		m->ffs_flags & FUNCTIONFS_CONFIG0_SETUP ? " config0_setup" : "");
	fprintf(out, "  %zu interfaces, %zu endpoints\n", m->interface_count, m->endpoint_count);
	fprintf(out, "  endpoint addresses: as requested; the UDC assigns the ones the host sees\n"
		"    (the daemon's log and 'ffsgadget status' show both where they differ)\n");
	for (int s = 0; s < 3; s++)
		if (m->speeds & (1u << s))
			print_speed(out, m, (enum fg_speed_index)s);
	print_extras(out, m);
	if (hex)
		ret = print_blobs(out, m);
	if (ret == 0 && ferror(out))
		ret = -EIO;
	return ret;
}
