/* SPDX-License-Identifier: MIT */
/* The canned ep0 answers: parsed from the description, matched per SETUP. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/usb/ch9.h>

#include "personalities/bridge/bridge.h"

/* A word of an entry: [start, start + len) of the option's text. */
struct word {
	const char *start;
	size_t len;
};

static const char *const field_names[] = { "bmRequestType", "bRequest", "wValue", "wIndex" };

static bool word_is(const struct word *w, const char *text)
{
	return w->len == strlen(text) && strncmp(w->start, text, w->len) == 0;
}

/* A hexadecimal number of at most max, 0x optional; false if it is not one. */
static bool parse_hex(const struct word *w, unsigned max, unsigned *out)
{
	const char *p = w->start;
	size_t len = w->len;
	unsigned v = 0;

	if (len > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		p += 2;
		len -= 2;
	}
	if (len == 0 || len > 4)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)p[i]))
			return false;
		v = v * 16 + (unsigned)(isdigit((unsigned char)p[i]) ? p[i] - '0'
								       : (tolower((unsigned char)p[i]) - 'a' + 10));
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* Splits [p, end) at whitespace into at most cap words; returns the count or cap + 1. */
static size_t split_words(const char *p, const char *end, struct word *words, size_t cap)
{
	size_t n = 0;

	while (p < end) {
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p == end)
			break;
		if (n == cap)
			return cap + 1;
		words[n].start = p;
		while (p < end && !isspace((unsigned char)*p))
			p++;
		words[n].len = (size_t)(p - words[n].start);
		n++;
	}
	return n;
}

static int parse_entry(const char *p, const char *end, size_t number, struct bridge_answer *a,
		       char *why, size_t whylen)
{
	/* 4 match fields, "->", then "stall", "accept" or up to BRIDGE_REPLY_MAX bytes. */
	struct word w[4 + 1 + BRIDGE_REPLY_MAX];
	const size_t cap = sizeof(w) / sizeof(w[0]);
	size_t n = split_words(p, end, w, cap);
	unsigned v[4] = { 0 };

	memset(a, 0, sizeof(*a));
	if (n > cap) {
		snprintf(why, whylen, "entry %zu: more than %d reply bytes", number,
			 BRIDGE_REPLY_MAX);
		return -EINVAL;
	}
	if (n < 6 || !word_is(&w[4], "->")) {
		snprintf(why, whylen, "entry %zu: expected 'TYPE REQUEST VALUE INDEX -> ACTION'",
			 number);
		return -EINVAL;
	}
	for (size_t i = 0; i < 4; i++) {
		if (word_is(&w[i], "*"))
			continue;
		if (!parse_hex(&w[i], i < 2 ? 0xff : 0xffff, &v[i])) {
			snprintf(why, whylen, "entry %zu: %s '%.*s' is not '*' or a hexadecimal "
				 "number up to %s", number, field_names[i], (int)w[i].len,
				 w[i].start, i < 2 ? "ff" : "ffff");
			return -EINVAL;
		}
		a->match |= (uint8_t)(1u << i);
	}
	a->request_type = (uint8_t)v[0];
	a->request = (uint8_t)v[1];
	a->value = (uint16_t)v[2];
	a->index = (uint16_t)v[3];
	if (n == 6 && word_is(&w[5], "stall")) {
		a->action = BRIDGE_ACT_STALL;
		return 0;
	}
	if (n == 6 && word_is(&w[5], "accept")) {
		a->action = BRIDGE_ACT_ACCEPT;
		return 0;
	}
	for (size_t i = 5; i < n; i++) {
		unsigned byte;

		if (w[i].len != 2 || !parse_hex(&w[i], 0xff, &byte)) {
			snprintf(why, whylen, "entry %zu: reply byte '%.*s' is not two hex digits "
				 "(or the action is not 'stall' or 'accept')", number,
				 (int)w[i].len, w[i].start);
			return -EINVAL;
		}
		a->reply[a->reply_len++] = (uint8_t)byte;
	}
	a->action = BRIDGE_ACT_REPLY;
	if ((a->match & BRIDGE_MATCH_TYPE) && !(a->request_type & USB_DIR_IN)) {
		snprintf(why, whylen, "entry %zu: reply bytes answer IN requests; bmRequestType "
			 "0x%02x is OUT (use 'accept')", number, a->request_type);
		return -EINVAL;
	}
	return 0;
}

int bridge_answers_parse(const char *text, struct bridge_answers *t, char *why, size_t whylen)
{
	const char *p = text;

	t->count = 0;
	while (*p) {
		const char *end = strchr(p, ';');
		const char *q;
		int rc;

		if (!end)
			end = p + strlen(p);
		for (q = p; q < end && isspace((unsigned char)*q); q++)
			;
		if (q < end) {
			if (t->count == BRIDGE_ANSWERS_MAX) {
				snprintf(why, whylen, "more than %d entries", BRIDGE_ANSWERS_MAX);
				return -EINVAL;
			}
			rc = parse_entry(p, end, t->count + 1, &t->entry[t->count], why, whylen);
			if (rc < 0)
				return rc;
			t->count++;
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

const struct bridge_answer *bridge_answers_match(const struct bridge_answers *t,
						 const struct fg_setup *s)
{
	for (size_t i = 0; i < t->count; i++) {
		const struct bridge_answer *a = &t->entry[i];

		if ((a->match & BRIDGE_MATCH_TYPE) && a->request_type != s->request_type)
			continue;
		if ((a->match & BRIDGE_MATCH_REQUEST) && a->request != s->request)
			continue;
		if ((a->match & BRIDGE_MATCH_VALUE) && a->value != s->value)
			continue;
		if ((a->match & BRIDGE_MATCH_INDEX) && a->index != s->index)
			continue;
		return a;
	}
	return NULL;
}
