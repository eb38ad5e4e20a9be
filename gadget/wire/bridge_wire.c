/* SPDX-License-Identifier: MIT */
#include "bridge_wire.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

static const char *client_type_name(uint8_t type)
{
	switch (type) {
	case BRIDGE_MSG_HELLO:
		return "HELLO";
	case BRIDGE_MSG_DATA:
		return "DATA";
	case BRIDGE_MSG_ACK:
		return "ACK";
	case BRIDGE_MSG_STALL:
		return "STALL";
	default:
		return NULL;
	}
}

int bridge_parse_client(const uint8_t *buf, size_t len, struct bridge_msg *m, char *why,
			size_t whylen)
{
	const char *name;

	memset(m, 0, sizeof(*m));
	if (len < 1) {
		snprintf(why, whylen, "empty message (the header is %d bytes)", BRIDGE_HEADER_LEN);
		return -EBADMSG;
	}
	m->version = buf[0];
	if (m->version != BRIDGE_WIRE_VERSION) {
		snprintf(why, whylen, "wire version %u is not supported: this daemon speaks "
			 "version %d", m->version, BRIDGE_WIRE_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (len < BRIDGE_HEADER_LEN) {
		snprintf(why, whylen, "short message: %zu bytes, the header alone is %d", len,
			 BRIDGE_HEADER_LEN);
		return -EBADMSG;
	}
	m->type = buf[1];
	m->flags = get_le16(buf + 2);
	m->tag = get_le32(buf + 4);
	m->length = get_le32(buf + 8);
	m->payload = buf + BRIDGE_HEADER_LEN;
	name = client_type_name(m->type);
	if (!name) {
		snprintf(why, whylen, "unknown message type 0x%02x", m->type);
		return -EBADMSG;
	}
	if (m->length != len - BRIDGE_HEADER_LEN) {
		snprintf(why, whylen, "%s: length field says %u payload bytes, the message "
			 "carries %zu", name, m->length, len - BRIDGE_HEADER_LEN);
		return -EBADMSG;
	}
	if (m->flags) {
		snprintf(why, whylen, "%s: flags 0x%04x set; programs send 0", name, m->flags);
		return -EBADMSG;
	}
	if (m->type != BRIDGE_MSG_DATA && m->length) {
		snprintf(why, whylen, "%s carries no payload, this one has %u bytes", name,
			 m->length);
		return -EBADMSG;
	}
	if (m->length > BRIDGE_PAYLOAD_MAX - BRIDGE_SETUP_LEN) {
		snprintf(why, whylen, "%s: %u bytes, more than a control transfer carries (65535)",
			 name, m->length);
		return -EBADMSG;
	}
	return 0;
}

size_t bridge_put_header(uint8_t *buf, uint8_t type, uint16_t flags, uint32_t tag,
			 uint32_t length)
{
	buf[0] = BRIDGE_WIRE_VERSION;
	buf[1] = type;
	put_le16(buf + 2, flags);
	put_le32(buf + 4, tag);
	put_le32(buf + 8, length);
	return BRIDGE_HEADER_LEN;
}

size_t bridge_encode_setup(uint8_t *buf, size_t cap, uint32_t tag, uint16_t flags,
			   const uint8_t setup[BRIDGE_SETUP_LEN], const uint8_t *data,
			   size_t data_len)
{
	size_t payload = BRIDGE_SETUP_LEN + data_len;

	if (data_len > BRIDGE_PAYLOAD_MAX - BRIDGE_SETUP_LEN || cap < BRIDGE_HEADER_LEN + payload)
		return 0;
	bridge_put_header(buf, BRIDGE_MSG_SETUP, flags, tag, (uint32_t)payload);
	memcpy(buf + BRIDGE_HEADER_LEN, setup, BRIDGE_SETUP_LEN);
	if (data_len)
		memcpy(buf + BRIDGE_HEADER_LEN + BRIDGE_SETUP_LEN, data, data_len);
	return BRIDGE_HEADER_LEN + payload;
}

size_t bridge_encode_event(uint8_t *buf, size_t cap, uint8_t event, uint8_t speed)
{
	if (cap < BRIDGE_HEADER_LEN + 2)
		return 0;
	bridge_put_header(buf, BRIDGE_MSG_EVENT, 0, 0, 2);
	buf[BRIDGE_HEADER_LEN] = event;
	buf[BRIDGE_HEADER_LEN + 1] = speed;
	return BRIDGE_HEADER_LEN + 2;
}

size_t bridge_encode_welcome(uint8_t *buf, size_t cap, uint8_t state, uint8_t speed,
			     uint16_t timeout_ms)
{
	if (cap < BRIDGE_HEADER_LEN + 4)
		return 0;
	bridge_put_header(buf, BRIDGE_MSG_WELCOME, 0, 0, 4);
	buf[BRIDGE_HEADER_LEN] = state;
	buf[BRIDGE_HEADER_LEN + 1] = speed;
	put_le16(buf + BRIDGE_HEADER_LEN + 2, timeout_ms);
	return BRIDGE_HEADER_LEN + 4;
}

size_t bridge_encode_error(uint8_t *buf, size_t cap, const char *text)
{
	size_t n = strlen(text);

	if (cap < BRIDGE_HEADER_LEN)
		return 0;
	if (n > cap - BRIDGE_HEADER_LEN)
		n = cap - BRIDGE_HEADER_LEN;
	bridge_put_header(buf, BRIDGE_MSG_ERROR, 0, 0, (uint32_t)n);
	memcpy(buf + BRIDGE_HEADER_LEN, text, n);
	return BRIDGE_HEADER_LEN + n;
}
