/* SPDX-License-Identifier: MIT */
/*
 * Microsoft OS 1.0 descriptor parsers.  Bytes come from the device, so
 * nothing in them is trusted: every field is read only after checking that
 * the buffer holds it, every declared length is checked against the buffer
 * and against the lengths it must agree with, in 64-bit arithmetic so that
 * no sum can wrap.  The results point into the caller's buffer.
 *
 * Layouts (Microsoft OS 1.0 Descriptors Specification):
 *   string 0xEE  bLength 18, bDescriptorType 3, qwSignature "MSFT100" in
 *                UTF-16LE (14 bytes), bMS_VendorCode, bPad
 *   compat ID    dwLength, bcdVersion 0x0100, wIndex 4, bCount, 7 reserved;
 *                bCount x { bFirstInterfaceNumber, reserved, compatibleID[8],
 *                subCompatibleID[8], 6 reserved }
 *   properties   dwLength, bcdVersion 0x0100, wIndex 5, wCount;
 *                wCount x { dwSize, dwPropertyDataType, wPropertyNameLength,
 *                bPropertyName, dwPropertyDataLength, bPropertyData },
 *                dwSize = 14 + name length + data length
 */
#include <string.h>

#include "fgh.h"

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

const char *fgh_msos_strerror(int err)
{
	switch (err) {
	case FGH_MSOS_OK: return "ok";
	case FGH_MSOS_EEMPTY: return "empty descriptor";
	case FGH_MSOS_ETRUNC: return "truncated: shorter than its fixed fields";
	case FGH_MSOS_ELENGTH: return "declared length disagrees with the data";
	case FGH_MSOS_ETYPE: return "wrong descriptor type";
	case FGH_MSOS_ESIGNATURE: return "signature is not MSFT100";
	case FGH_MSOS_EVERSION: return "bcdVersion is not 1.00";
	case FGH_MSOS_EINDEX: return "wrong wIndex";
	case FGH_MSOS_ECOUNT: return "section count disagrees with dwLength";
	case FGH_MSOS_ESIZE: return "property dwSize disagrees with its fields";
	case FGH_MSOS_EODD: return "UTF-16 field of odd length";
	case FGH_MSOS_ENOTERM: return "UTF-16 string not NUL-terminated";
	case FGH_MSOS_EDATA: return "bad property data type or length";
	case FGH_MSOS_ETOOMANY: return "too many sections";
	case FGH_MSOS_EUTF16: return "invalid UTF-16";
	default: return "unknown error";
	}
}

int fgh_msos_parse_string(const uint8_t *buf, size_t len, uint8_t *vendor_code)
{
	static const uint8_t sig[14] = { 'M', 0, 'S', 0, 'F', 0, 'T', 0, '1', 0, '0', 0, '0', 0 };

	if (len == 0)
		return FGH_MSOS_EEMPTY;
	if (len < 2)
		return FGH_MSOS_ETRUNC;
	if (buf[0] > len)
		return FGH_MSOS_ELENGTH;
	if (buf[1] != LIBUSB_DT_STRING)
		return FGH_MSOS_ETYPE;
	if (buf[0] < 18)
		return buf[0] < 2 ? FGH_MSOS_ELENGTH : FGH_MSOS_ETRUNC;
	if (memcmp(buf + 2, sig, sizeof(sig)) != 0)
		return FGH_MSOS_ESIGNATURE;
	*vendor_code = buf[16];
	return FGH_MSOS_OK;
}

int fgh_msos_header_length(const uint8_t *buf, size_t len, uint32_t *dwLength)
{
	if (len == 0)
		return FGH_MSOS_EEMPTY;
	if (len < 4)
		return FGH_MSOS_ETRUNC;
	*dwLength = le32(buf);
	return FGH_MSOS_OK;
}

/* The header fields both descriptors share; returns dwLength or an error. */
static int64_t common_header(const uint8_t *buf, size_t len, size_t header, uint16_t index)
{
	if (len == 0)
		return FGH_MSOS_EEMPTY;
	if (len < header)
		return FGH_MSOS_ETRUNC;
	uint32_t dwLength = le32(buf);
	if (dwLength > len || dwLength < header)
		return FGH_MSOS_ELENGTH;
	if (le16(buf + 4) != 0x0100)
		return FGH_MSOS_EVERSION;
	if (le16(buf + 6) != index)
		return FGH_MSOS_EINDEX;
	return dwLength;
}

/* An 8-byte NUL-padded ASCII id; anything unprintable ends it. */
static void copy_id(char out[9], const uint8_t *p)
{
	size_t i;

	for (i = 0; i < 8 && p[i] >= 0x20 && p[i] < 0x7f; i++)
		out[i] = (char)p[i];
	out[i] = '\0';
}

int fgh_msos_parse_compat(const uint8_t *buf, size_t len, struct fgh_msos_compat *c)
{
	int64_t total = common_header(buf, len, FGH_MSOS_COMPAT_HEADER, FGH_MSOS_COMPAT_INDEX);

	if (total < 0)
		return (int)total;
	unsigned count = buf[8];
	if ((uint64_t)FGH_MSOS_COMPAT_HEADER + (uint64_t)count * FGH_MSOS_COMPAT_FUNCTION !=
	    (uint64_t)total)
		return FGH_MSOS_ECOUNT;
	if (count > c->capacity)
		return FGH_MSOS_ETOOMANY;
	for (unsigned i = 0; i < count; i++) {
		const uint8_t *f = buf + FGH_MSOS_COMPAT_HEADER + (size_t)i * FGH_MSOS_COMPAT_FUNCTION;
		struct fgh_msos_function *out = &c->functions[i];

		out->first_interface = f[0];
		copy_id(out->compatible_id, f + 2);
		copy_id(out->sub_compatible_id, f + 10);
	}
	c->count = count;
	return FGH_MSOS_OK;
}

const char *fgh_reg_type_name(uint32_t type)
{
	switch (type) {
	case FGH_REG_SZ: return "REG_SZ";
	case FGH_REG_EXPAND_SZ: return "REG_EXPAND_SZ";
	case FGH_REG_BINARY: return "REG_BINARY";
	case FGH_REG_DWORD_LE: return "REG_DWORD_LITTLE_ENDIAN";
	case FGH_REG_DWORD_BE: return "REG_DWORD_BIG_ENDIAN";
	case FGH_REG_LINK: return "REG_LINK";
	case FGH_REG_MULTI_SZ: return "REG_MULTI_SZ";
	default: return "unknown";
	}
}

static bool is_string_type(uint32_t type)
{
	return type == FGH_REG_SZ || type == FGH_REG_EXPAND_SZ || type == FGH_REG_LINK ||
	       type == FGH_REG_MULTI_SZ;
}

/* A UTF-16LE string field: even length, at least the terminator, ending in it. */
static int check_utf16(const uint8_t *p, uint64_t n)
{
	if (n % 2)
		return FGH_MSOS_EODD;
	if (n < 2 || p[n - 2] != 0 || p[n - 1] != 0)
		return FGH_MSOS_ENOTERM;
	return FGH_MSOS_OK;
}

static int parse_prop(const uint8_t *s, uint64_t avail, struct fgh_msos_prop *out, uint64_t *size)
{
	if (avail < FGH_MSOS_PROP_SECTION_MIN)
		return FGH_MSOS_ETRUNC;
	uint64_t dwSize = le32(s);
	if (dwSize < FGH_MSOS_PROP_SECTION_MIN || dwSize > avail)
		return FGH_MSOS_ESIZE;
	uint32_t type = le32(s + 4);
	uint64_t name_len = le16(s + 8);
	/* dwSize holds dwSize, type, name length (10), the name, data length (4), data. */
	if (10 + name_len + 4 > dwSize)
		return FGH_MSOS_ESIZE;
	const uint8_t *name = s + 10;
	uint64_t data_len = le32(name + name_len);
	if (14 + name_len + data_len != dwSize)
		return FGH_MSOS_ESIZE;
	const uint8_t *data = name + name_len + 4;
	int err = check_utf16(name, name_len);
	if (err)
		return err;
	if (type < FGH_REG_SZ || type > FGH_REG_MULTI_SZ)
		return FGH_MSOS_EDATA;
	if ((type == FGH_REG_DWORD_LE || type == FGH_REG_DWORD_BE) && data_len != 4)
		return FGH_MSOS_EDATA;
	if (is_string_type(type)) {
		err = check_utf16(data, data_len);
		if (err)
			return err;
	}
	out->type = type;
	out->name = name;
	out->name_len = (uint16_t)name_len;
	out->data = data;
	out->data_len = (uint32_t)data_len;
	*size = dwSize;
	return FGH_MSOS_OK;
}

int fgh_msos_parse_props(const uint8_t *buf, size_t len, struct fgh_msos_props *p)
{
	int64_t total = common_header(buf, len, FGH_MSOS_PROP_HEADER, FGH_MSOS_PROP_INDEX);

	if (total < 0)
		return (int)total;
	unsigned count = le16(buf + 8);
	if (count > p->capacity)
		return FGH_MSOS_ETOOMANY;
	uint64_t off = FGH_MSOS_PROP_HEADER;
	for (unsigned i = 0; i < count; i++) {
		uint64_t size;

		if (off == (uint64_t)total)
			return FGH_MSOS_ECOUNT;
		int err = parse_prop(buf + off, (uint64_t)total - off, &p->props[i], &size);
		if (err)
			return err;
		off += size;
	}
	if (off != (uint64_t)total)
		return FGH_MSOS_ECOUNT;
	p->count = count;
	return FGH_MSOS_OK;
}

static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

int fgh_utf16le_to_utf8(const uint8_t *in, size_t len, char *out, size_t outlen)
{
	size_t o = 0;

	if (outlen == 0)
		return FGH_MSOS_ETOOMANY;
	out[0] = '\0';
	if (len % 2)
		return FGH_MSOS_EODD;
	for (size_t i = 0; i + 1 < len; i += 2) {
		uint32_t cp = le16(in + i);

		if (cp == 0)
			break;
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return FGH_MSOS_EUTF16;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (i + 3 >= len)
				return FGH_MSOS_EUTF16;
			uint32_t lo = le16(in + i + 2);
			if (lo < 0xdc00 || lo > 0xdfff)
				return FGH_MSOS_EUTF16;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			i += 2;
		}
		char tmp[4];
		size_t n = put_utf8(tmp, cp);
		if (o + n + 1 > outlen)
			return FGH_MSOS_ETOOMANY;
		memcpy(out + o, tmp, n);
		o += n;
		out[o] = '\0';
	}
	return (int)o;
}
