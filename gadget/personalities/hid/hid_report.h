/* SPDX-License-Identifier: MIT */
/* Input state to reports, and the text protocol's execution (hid_report.c). */
#ifndef FFSGADGET_HID_REPORT_H
#define FFSGADGET_HID_REPORT_H

#include <stddef.h>

#include "personalities/hid/hid.h"
#include "personalities/hid/hid_input.h"

int fg_hid_iface_init(struct fg_hid_iface *f);
void fg_hid_iface_release(struct fg_hid_iface *f);
/* Builds the reports of cmd into the queues, all or none; reply is "ok..." or "error: ...". */
int fg_hid_execute(struct fg_hid_dev *d, const struct fg_hid_cmd *cmd, char *reply, size_t n);
/* parse + execute: one line of the text protocol, one reply line (no newline). */
int fg_hid_handle_line(struct fg_hid_dev *d, const char *line, char *reply, size_t n);
/* The next report for the IN endpoint into buf; its length, or -1 when nothing waits. */
int fg_hid_next_report(struct fg_hid_iface *f, uint8_t *buf, size_t cap);
size_t fg_hid_report_len(const struct fg_hid_iface *f);

struct fg_hid_iface *fg_hid_iface_by_number(struct fg_hid_dev *d, unsigned number);
const char *fg_hid_role_name(enum fg_hid_role r);

#endif
