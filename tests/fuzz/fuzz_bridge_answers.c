/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the bridge's canned-answer table (option "answers" of a
 * description), parsed from any text and matched against the setup packet
 * taken from the input's first 8 bytes.  A reply never exceeds its table
 * entry; a refusal comes with a reason.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "personalities/bridge/bridge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bridge_answers table;
	const struct bridge_answer *a;
	struct fg_setup s = { 0 };
	char why[200], *text;

	if (size < 8)
		return 0;
	s.request_type = data[0];
	s.request = data[1];
	s.value = (uint16_t)(data[2] | data[3] << 8);
	s.index = (uint16_t)(data[4] | data[5] << 8);
	s.length = (uint16_t)(data[6] | data[7] << 8);
	text = malloc(size - 8 + 1);
	if (!text)
		return 0;
	memcpy(text, data + 8, size - 8);
	text[size - 8] = 0;
	why[0] = 0;
	if (bridge_answers_parse(text, &table, why, sizeof(why)) == 0) {
		if (table.count > BRIDGE_ANSWERS_MAX)
			abort();
		a = bridge_answers_match(&table, &s);
		if (a && (a->reply_len > BRIDGE_REPLY_MAX ||
			  (a->action != BRIDGE_ACT_REPLY && a->reply_len != 0)))
			abort();
	} else if (why[0] == 0) {
		abort();
	}
	free(text);
	return 0;
}
