/* SPDX-License-Identifier: MIT */
/*
 * MS OS 1.0 descriptor parsers on bytes built here by hand from the
 * Microsoft OS 1.0 Descriptors Specification, then broken one field at a
 * time.  Every malformed input must give its own error.  Inputs are copied
 * into heap buffers of exactly their length, so under ASan any read past
 * the end fails the run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fgh.h"

/* ---- builders --------------------------------------------------------- */

struct bytes {
	uint8_t b[1024];
	size_t n;
};

static void put8(struct bytes *d, unsigned v)
{
	d->b[d->n++] = (uint8_t)v;
}

static void put16(struct bytes *d, unsigned v)
{
	put8(d, v & 0xff);
	put8(d, (v >> 8) & 0xff);
}

static void put32(struct bytes *d, uint32_t v)
{
	put16(d, v & 0xffff);
	put16(d, v >> 16);
}

static void set32(struct bytes *d, size_t at, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		d->b[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

/* ASCII as UTF-16LE with its NUL; returns the byte count. */
static size_t put_utf16(struct bytes *d, const char *s)
{
	size_t start = d->n;

	for (; *s; s++)
		put16(d, (unsigned char)*s);
	put16(d, 0);
	return d->n - start;
}

/* The heap copy every parser call gets: exactly n bytes. */
static uint8_t *exact(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	assert_non_null(c);
	if (n)
		memcpy(c, p, n);
	return c;
}

static void os_string(struct bytes *d, uint8_t code)
{
	d->n = 0;
	put8(d, 18);
	put8(d, 3);
	put_utf16(d, "MSFT100");   /* 14 bytes + NUL: the NUL's first byte is the vendor code slot */
	d->n = 16;
	put8(d, code);
	put8(d, 0);
}

static int parse_string(const struct bytes *d, size_t n, uint8_t *code)
{
	uint8_t *c = exact(d->b, n);
	int r = fgh_msos_parse_string(c, n, code);

	free(c);
	return r;
}

/* Extended compat ID with nfunc functions: interface i, "WINUSB" / "". */
static void compat(struct bytes *d, unsigned nfunc)
{
	d->n = 0;
	put32(d, 16 + 24 * nfunc);
	put16(d, 0x0100);
	put16(d, 4);
	put8(d, nfunc);
	for (int i = 0; i < 7; i++)
		put8(d, 0);
	for (unsigned f = 0; f < nfunc; f++) {
		put8(d, f);
		put8(d, 1);
		const char *id = f == 0 ? "WINUSB" : "RNDIS";
		const char *sub = f == 0 ? "" : "5162001";
		for (size_t i = 0; i < 8; i++)
			put8(d, i < strlen(id) ? (unsigned char)id[i] : 0);
		for (size_t i = 0; i < 8; i++)
			put8(d, i < strlen(sub) ? (unsigned char)sub[i] : 0);
		for (int i = 0; i < 6; i++)
			put8(d, 0);
	}
}

static struct fgh_msos_function functions[4];

static int parse_compat(const struct bytes *d, size_t n, struct fgh_msos_compat *c)
{
	uint8_t *copy = exact(d->b, n);

	memset(c, 0, sizeof(*c));
	c->functions = functions;
	c->capacity = 4;
	int r = fgh_msos_parse_compat(copy, n, c);
	free(copy);
	return r;
}

#define GUID "{a4e6ef4c-2f9c-4e0b-9a55-0f5d1e6b3c21}"

/* A property section; returns its offset.  data: UTF-16 of text, or raw. */
static size_t prop_sz(struct bytes *d, uint32_t type, const char *name, const char *text)
{
	size_t at = d->n;

	put32(d, 0);          /* dwSize, patched below */
	put32(d, type);
	size_t name_len_at = d->n;
	put16(d, 0);
	size_t nl = put_utf16(d, name);
	d->b[name_len_at] = (uint8_t)nl;
	d->b[name_len_at + 1] = (uint8_t)(nl >> 8);
	size_t data_len_at = d->n;
	put32(d, 0);
	size_t dl = put_utf16(d, text);
	set32(d, data_len_at, (uint32_t)dl);
	set32(d, at, (uint32_t)(14 + nl + dl));
	return at;
}

static size_t prop_dword(struct bytes *d, const char *name, uint32_t v)
{
	size_t at = d->n;

	put32(d, 0);
	put32(d, FGH_REG_DWORD_LE);
	size_t name_len_at = d->n;
	put16(d, 0);
	size_t nl = put_utf16(d, name);
	d->b[name_len_at] = (uint8_t)nl;
	put32(d, 4);
	put32(d, v);
	set32(d, at, (uint32_t)(14 + nl + 4));
	return at;
}

static void props_header(struct bytes *d, unsigned count)
{
	d->n = 0;
	put32(d, 0);   /* dwLength, set by props_done */
	put16(d, 0x0100);
	put16(d, 5);
	put16(d, count);
}

static void props_done(struct bytes *d)
{
	set32(d, 0, (uint32_t)d->n);
}

/* One REG_SZ DeviceInterfaceGUID, as the Gadget Zero description has it. */
static void props_guid(struct bytes *d)
{
	props_header(d, 1);
	prop_sz(d, FGH_REG_SZ, "DeviceInterfaceGUID", GUID);
	props_done(d);
}

static struct fgh_msos_prop props[4];

static int parse_props(const struct bytes *d, size_t n, struct fgh_msos_props *p)
{
	uint8_t *copy = exact(d->b, n);

	memset(p, 0, sizeof(*p));
	p->props = props;
	p->capacity = 4;
	int r = fgh_msos_parse_props(copy, n, p);
	free(copy);
	return r;
}

/* ---- string 0xEE ------------------------------------------------------ */

static void test_string_ok(void **state)
{
	struct bytes d;
	uint8_t code = 0;

	(void)state;
	os_string(&d, 0xcd);
	assert_int_equal(d.n, 18);
	assert_int_equal(parse_string(&d, d.n, &code), FGH_MSOS_OK);
	assert_int_equal(code, 0xcd);
	/* Extra bytes after bLength are ignored. */
	d.b[18] = 0xff;
	assert_int_equal(parse_string(&d, 19, &code), FGH_MSOS_OK);
}

static void test_string_malformed(void **state)
{
	struct bytes d;
	uint8_t code = 0x11;

	(void)state;
	os_string(&d, 1);
	assert_int_equal(parse_string(&d, 0, &code), FGH_MSOS_EEMPTY);
	assert_int_equal(parse_string(&d, 1, &code), FGH_MSOS_ETRUNC);
	assert_int_equal(parse_string(&d, 17, &code), FGH_MSOS_ELENGTH);  /* bLength 18 > 17 */
	d.b[0] = 16;
	assert_int_equal(parse_string(&d, 18, &code), FGH_MSOS_ETRUNC);   /* too short to hold the code */
	d.b[0] = 0;
	assert_int_equal(parse_string(&d, 18, &code), FGH_MSOS_ELENGTH);
	os_string(&d, 1);
	d.b[1] = 1;
	assert_int_equal(parse_string(&d, 18, &code), FGH_MSOS_ETYPE);
	os_string(&d, 1);
	d.b[8] = '2';   /* "MSFT200" */
	assert_int_equal(parse_string(&d, 18, &code), FGH_MSOS_ESIGNATURE);
	assert_int_equal(code, 0x11);   /* untouched on error */
}

/* ---- extended compat ID ----------------------------------------------- */

static void test_compat_ok(void **state)
{
	struct bytes d;
	struct fgh_msos_compat c;

	(void)state;
	compat(&d, 1);
	assert_int_equal(d.n, 40);
	assert_int_equal(parse_compat(&d, d.n, &c), FGH_MSOS_OK);
	assert_int_equal(c.count, 1);
	assert_int_equal(functions[0].first_interface, 0);
	assert_string_equal(functions[0].compatible_id, "WINUSB");
	assert_string_equal(functions[0].sub_compatible_id, "");

	compat(&d, 2);
	assert_int_equal(parse_compat(&d, d.n, &c), FGH_MSOS_OK);
	assert_int_equal(c.count, 2);
	assert_int_equal(functions[1].first_interface, 1);
	assert_string_equal(functions[1].compatible_id, "RNDIS");
	assert_string_equal(functions[1].sub_compatible_id, "5162001");

	compat(&d, 0);   /* a header alone is a valid, empty list */
	assert_int_equal(parse_compat(&d, d.n, &c), FGH_MSOS_OK);
	assert_int_equal(c.count, 0);
}

static void test_compat_full_id(void **state)
{
	struct bytes d;
	struct fgh_msos_compat c;

	(void)state;
	compat(&d, 1);
	memcpy(d.b + 16 + 2, "ABCDEFGH", 8);   /* no NUL padding at all */
	assert_int_equal(parse_compat(&d, d.n, &c), FGH_MSOS_OK);
	assert_string_equal(functions[0].compatible_id, "ABCDEFGH");
}

static void test_compat_malformed(void **state)
{
	struct bytes d;
	struct fgh_msos_compat c;

	(void)state;
	compat(&d, 1);
	assert_int_equal(parse_compat(&d, 0, &c), FGH_MSOS_EEMPTY);
	assert_int_equal(parse_compat(&d, 15, &c), FGH_MSOS_ETRUNC);      /* header cut */
	assert_int_equal(parse_compat(&d, 39, &c), FGH_MSOS_ELENGTH);     /* dwLength 40 > 39 */
	compat(&d, 1);
	set32(&d, 0, 0xffffffff);
	assert_int_equal(parse_compat(&d, d.n, &c), FGH_MSOS_ELENGTH);
	set32(&d, 0, 8);                                                  /* below the header */
	assert_int_equal(parse_compat(&d, d.n, &c), FGH_MSOS_ELENGTH);
	compat(&d, 1);
	d.b[8] = 2;                                                       /* bCount says 2, data has 1 */
	assert_int_equal(parse_compat(&d, d.n, &c), FGH_MSOS_ECOUNT);
	d.b[8] = 255;                                                     /* 16 + 255*24 can't fit */
	assert_int_equal(parse_compat(&d, d.n, &c), FGH_MSOS_ECOUNT);
	compat(&d, 1);
	d.b[4] = 0;
	d.b[5] = 2;                                                       /* bcdVersion 2.00 */
	assert_int_equal(parse_compat(&d, d.n, &c), FGH_MSOS_EVERSION);
	compat(&d, 1);
	d.b[6] = 5;                                                       /* a properties wIndex */
	assert_int_equal(parse_compat(&d, d.n, &c), FGH_MSOS_EINDEX);
	compat(&d, 1);
	set32(&d, 0, 16 + 24 + 1);                                        /* length off by one */
	d.b[d.n++] = 0;
	assert_int_equal(parse_compat(&d, d.n, &c), FGH_MSOS_ECOUNT);
}

static void test_compat_capacity(void **state)
{
	struct bytes d;
	struct fgh_msos_compat c = { .functions = functions, .capacity = 1 };

	(void)state;
	compat(&d, 2);
	uint8_t *copy = exact(d.b, d.n);
	assert_int_equal(fgh_msos_parse_compat(copy, d.n, &c), FGH_MSOS_ETOOMANY);
	free(copy);
}

/* ---- extended properties ---------------------------------------------- */

static void test_props_guid(void **state)
{
	struct bytes d;
	struct fgh_msos_props p;
	char text[128];

	(void)state;
	props_guid(&d);
	/* 10 header + 14 + 40 ("DeviceInterfaceGUID\0") + 78 (GUID\0) */
	assert_int_equal(d.n, 10 + 14 + 40 + 78);
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_OK);
	assert_int_equal(p.count, 1);
	assert_int_equal(props[0].type, FGH_REG_SZ);
	assert_int_equal(props[0].name_len, 40);
	assert_int_equal(props[0].data_len, 78);
	/* The pointers were into the freed copy: decode from our own bytes instead. */
	assert_int_equal(fgh_utf16le_to_utf8(d.b + 10 + 10, 40, text, sizeof(text)), 19);
	assert_string_equal(text, "DeviceInterfaceGUID");
	assert_int_equal(fgh_utf16le_to_utf8(d.b + 10 + 14 + 40, 78, text, sizeof(text)), 38);
	assert_string_equal(text, GUID);
}

static void test_props_several(void **state)
{
	struct bytes d;
	struct fgh_msos_props p;

	(void)state;
	props_header(&d, 3);
	prop_sz(&d, FGH_REG_MULTI_SZ, "DeviceInterfaceGUIDs", GUID "\0");
	d.b[d.n++] = 0;   /* MULTI_SZ ends with an empty string: patch in one more NUL */
	d.b[d.n++] = 0;
	/* fix that section's sizes: data grew by 2 */
	size_t sec = 10, nl = 42;
	set32(&d, sec + 10 + nl, 78 + 2);
	set32(&d, sec, (uint32_t)(14 + nl + 80));
	prop_dword(&d, "SelectiveSuspendEnabled", 1);
	prop_sz(&d, FGH_REG_EXPAND_SZ, "Icons", "%SystemRoot%\\x.ico");
	props_done(&d);
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_OK);
	assert_int_equal(p.count, 3);
	assert_int_equal(props[0].type, FGH_REG_MULTI_SZ);
	assert_int_equal(props[0].data_len, 80);
	assert_int_equal(props[1].type, FGH_REG_DWORD_LE);
	assert_int_equal(props[1].data_len, 4);
	assert_int_equal(props[2].type, FGH_REG_EXPAND_SZ);
}

static void test_props_truncated(void **state)
{
	struct bytes d;
	struct fgh_msos_props p;

	(void)state;
	props_guid(&d);
	assert_int_equal(parse_props(&d, 0, &p), FGH_MSOS_EEMPTY);
	assert_int_equal(parse_props(&d, 9, &p), FGH_MSOS_ETRUNC);
	/* Every cut of the whole descriptor: dwLength then exceeds the buffer. */
	for (size_t n = 10; n < d.n; n++)
		assert_int_equal(parse_props(&d, n, &p), FGH_MSOS_ELENGTH);
	/* dwLength itself cut short to every length: each cut lands in a section. */
	for (size_t n = 11; n < d.n; n++) {
		struct bytes t = d;
		set32(&t, 0, (uint32_t)n);
		int r = parse_props(&t, n, &p);
		assert_true(r == FGH_MSOS_ETRUNC || r == FGH_MSOS_ESIZE);
	}
}

static void test_props_count_mismatch(void **state)
{
	struct bytes d;
	struct fgh_msos_props p;

	(void)state;
	props_guid(&d);
	d.b[8] = 2;   /* wCount 2, one section */
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_ECOUNT);
	d.b[8] = 0;   /* wCount 0, one section's bytes left over */
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_ECOUNT);
	props_guid(&d);
	d.b[8] = 5;   /* more than the caller holds */
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_ETOOMANY);
	props_header(&d, 0);   /* header only, wCount 0: valid and empty */
	props_done(&d);
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_OK);
	assert_int_equal(p.count, 0);
}

static void test_props_dwsize(void **state)
{
	struct bytes d;
	struct fgh_msos_props p;

	(void)state;
	props_guid(&d);
	uint32_t good = 14 + 40 + 78;
	set32(&d, 10, 0xffffffff);            /* would wrap a 32-bit offset */
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_ESIZE);
	set32(&d, 10, 13);                    /* below the fixed fields */
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_ESIZE);
	set32(&d, 10, good - 1);              /* disagrees with name + data lengths */
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_ESIZE);
	set32(&d, 10, good);
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_OK);
	/* Data length so large that 14 + name + data overflows 32 bits. */
	set32(&d, 10 + 10 + 40, 0xfffffff0);
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_ESIZE);
	props_guid(&d);
	d.b[18] = 0xff;                       /* wPropertyNameLength past dwSize */
	d.b[19] = 0xff;
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_ESIZE);
}

static void test_props_utf16(void **state)
{
	struct bytes d;
	struct fgh_msos_props p;

	(void)state;
	/* Odd name length: one byte moves from the name to the data, dwSize unchanged. */
	props_guid(&d);
	d.b[18] = 39;
	set32(&d, 20 + 39, 79);
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_EODD);

	/* Name without its terminator. */
	props_guid(&d);
	d.b[20 + 38] = 'X';
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_ENOTERM);

	/* String data without its terminator. */
	props_guid(&d);
	d.b[d.n - 2] = 'Y';
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_ENOTERM);

	/* Zero-length name. */
	props_header(&d, 1);
	put32(&d, 14 + 0 + 4);
	put32(&d, FGH_REG_BINARY);
	put16(&d, 0);
	put32(&d, 4);
	put32(&d, 0xdeadbeef);
	props_done(&d);
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_ENOTERM);
}

static void test_props_data_types(void **state)
{
	struct bytes d;
	struct fgh_msos_props p;

	(void)state;
	props_header(&d, 1);
	prop_dword(&d, "X", 7);
	props_done(&d);
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_OK);
	d.b[10 + 4] = 8;   /* type 8 does not exist */
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_EDATA);
	d.b[10 + 4] = 0;
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_EDATA);

	/* A DWORD must be 4 bytes: give it 2 (sizes kept consistent). */
	props_header(&d, 1);
	put32(&d, 14 + 4 + 2);
	put32(&d, FGH_REG_DWORD_BE);
	put16(&d, 4);
	put_utf16(&d, "X");
	put32(&d, 2);
	put16(&d, 1);
	props_done(&d);
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_EDATA);

	/* Binary data may be anything, even empty. */
	props_header(&d, 1);
	put32(&d, 14 + 4);
	put32(&d, FGH_REG_BINARY);
	put16(&d, 4);
	put_utf16(&d, "X");
	put32(&d, 0);
	props_done(&d);
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_OK);
	assert_int_equal(props[0].data_len, 0);

	/* A string type with odd data length. */
	props_header(&d, 1);
	put32(&d, 14 + 4 + 3);
	put32(&d, FGH_REG_SZ);
	put16(&d, 4);
	put_utf16(&d, "X");
	put32(&d, 3);
	put8(&d, 'a');
	put16(&d, 0);
	props_done(&d);
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_EODD);
}

static void test_props_header_fields(void **state)
{
	struct bytes d;
	struct fgh_msos_props p;

	(void)state;
	props_guid(&d);
	d.b[6] = 4;
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_EINDEX);
	props_guid(&d);
	d.b[4] = 1;
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_EVERSION);
	props_guid(&d);
	set32(&d, 0, (uint32_t)d.n + 1);
	assert_int_equal(parse_props(&d, d.n, &p), FGH_MSOS_ELENGTH);
}

/* ---- UTF-16 ----------------------------------------------------------- */

static void test_utf16(void **state)
{
	char out[16];
	static const uint8_t abc[] = { 'a', 0, 'b', 0, 'c', 0, 0, 0, 'z', 0 };
	static const uint8_t euro[] = { 0xac, 0x20 };              /* U+20AC */
	static const uint8_t smile[] = { 0x3d, 0xd8, 0x00, 0xde }; /* U+1F600 */
	static const uint8_t lone_hi[] = { 0x3d, 0xd8, 'a', 0 };
	static const uint8_t lone_lo[] = { 0x00, 0xde };
	static const uint8_t cut_pair[] = { 0x3d, 0xd8 };

	(void)state;
	assert_int_equal(fgh_utf16le_to_utf8(abc, sizeof(abc), out, sizeof(out)), 3);
	assert_string_equal(out, "abc");   /* stops at the NUL */
	assert_int_equal(fgh_utf16le_to_utf8(euro, 2, out, sizeof(out)), 3);
	assert_memory_equal(out, "\xe2\x82\xac", 4);
	assert_int_equal(fgh_utf16le_to_utf8(smile, 4, out, sizeof(out)), 4);
	assert_memory_equal(out, "\xf0\x9f\x98\x80", 5);
	assert_int_equal(fgh_utf16le_to_utf8(abc, 3, out, sizeof(out)), FGH_MSOS_EODD);
	assert_int_equal(fgh_utf16le_to_utf8(lone_hi, 4, out, sizeof(out)), FGH_MSOS_EUTF16);
	assert_int_equal(fgh_utf16le_to_utf8(lone_lo, 2, out, sizeof(out)), FGH_MSOS_EUTF16);
	assert_int_equal(fgh_utf16le_to_utf8(cut_pair, 2, out, sizeof(out)), FGH_MSOS_EUTF16);
	assert_int_equal(fgh_utf16le_to_utf8(abc, sizeof(abc), out, 3), FGH_MSOS_ETOOMANY);
	assert_int_equal(fgh_utf16le_to_utf8(abc, 0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

static void test_strerror_distinct(void **state)
{
	(void)state;
	for (int a = FGH_MSOS_EUTF16; a <= 0; a++)
		for (int b = a + 1; b <= 0; b++)
			assert_string_not_equal(fgh_msos_strerror(a), fgh_msos_strerror(b));
	assert_string_equal(fgh_msos_strerror(-99), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_string_ok),
		cmocka_unit_test(test_string_malformed),
		cmocka_unit_test(test_compat_ok),
		cmocka_unit_test(test_compat_full_id),
		cmocka_unit_test(test_compat_malformed),
		cmocka_unit_test(test_compat_capacity),
		cmocka_unit_test(test_props_guid),
		cmocka_unit_test(test_props_several),
		cmocka_unit_test(test_props_truncated),
		cmocka_unit_test(test_props_count_mismatch),
		cmocka_unit_test(test_props_dwsize),
		cmocka_unit_test(test_props_utf16),
		cmocka_unit_test(test_props_data_types),
		cmocka_unit_test(test_props_header_fields),
		cmocka_unit_test(test_utf16),
		cmocka_unit_test(test_strerror_distinct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
