/* SPDX-License-Identifier: MIT */
/*
 * The HID personality's insides, shared by its files:
 *
 *   hid.c         the personality: ep0 class requests, endpoints, the idle
 *                 rate and its timer, the control socket (ffs/line_socket.c)
 *   hid_report.c  input state -> reports, queued one per interrupt IN transfer
 *                 (hid_report.h)
 *   hid_input.c   the control socket's text protocol, parsed into commands
 *                 (hid_input.h)
 *   hid_keymap.c  the US keyboard layout and key names (hid_keymap.h)
 *
 * Calls go one way: hid.c -> hid_report.c -> hid_input.c -> hid_keymap.c.
 *
 * Each HID interface has a role that says how text commands turn into its
 * reports.  The built-in roles assume the report layouts of the shipped
 * descriptions (descriptors/hid-*.conf), without report IDs:
 *
 *   keyboard  8 bytes: modifier bits, reserved, 6 key usages (HID 1.11 B.1);
 *             output: 1 byte of LED bits
 *   mouse     4 bytes: buttons (5 bits), X, Y, wheel (int8); boot: 3 bytes
 *   gamepad   6 bytes: 16 button bits, X, Y, Rx, Ry (int8, -127..127)
 *   raw       none: only `raw` reports
 *
 * `raw` reports go out verbatim on any interface, whatever its descriptor.
 */
#ifndef FFSGADGET_HID_H
#define FFSGADGET_HID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ffs/personality.h"

/* Largest report queued or stored: the full-speed interrupt max packet. */
#define FG_HID_REPORT_MAX 64
/* Reports waiting per interface: `type` of a full line needs two per character. */
#define FG_HID_QUEUE 2048
/* Non-modifier keys held at once (reports carry 6; more is ErrorRollOver). */
#define FG_HID_HELD_MAX 16
#define FG_HID_KBD_KEYS 6
#define FG_HID_ROLLOVER 0x01     /* Keyboard ErrorRollOver usage */

/* HID 1.11 section 7.2 class requests. */
#define HID_REQ_GET_REPORT 0x01
#define HID_REQ_GET_IDLE 0x02
#define HID_REQ_GET_PROTOCOL 0x03
#define HID_REQ_SET_REPORT 0x09
#define HID_REQ_SET_IDLE 0x0a
#define HID_REQ_SET_PROTOCOL 0x0b
#define HID_DT_HID 0x21
#define HID_DT_REPORT 0x22
#define HID_REPORT_INPUT 1
#define HID_REPORT_OUTPUT 2
#define HID_REPORT_FEATURE 3
#define HID_PROTOCOL_BOOT 0
#define HID_PROTOCOL_REPORT 1

enum fg_hid_role { FG_HID_RAW, FG_HID_KEYBOARD, FG_HID_MOUSE, FG_HID_GAMEPAD };

struct fg_hid_report {
	uint8_t len;
	uint8_t data[FG_HID_REPORT_MAX];
};

struct fg_hid_iface {
	uint8_t number;             /* function-relative bInterfaceNumber */
	const struct fg_hid *desc;  /* class descriptor and report bytes (the model's) */
	enum fg_hid_role role;
	bool boot;                  /* subclass 1: GET/SET_PROTOCOL apply */
	int in_ep, out_ep;          /* 0-based endpoint indices, -1 when absent */
	size_t in_max;              /* largest report the IN endpoint carries */

	/* Host-controlled, reset when the host enables the function. */
	uint8_t protocol;           /* HID_PROTOCOL_BOOT / _REPORT */
	uint8_t idle;               /* in 4 ms units; 0: only on change */
	uint8_t output[FG_HID_REPORT_MAX];  /* the latest output report (keyboard: LEDs) */
	size_t output_len;

	/* Input state, as the queued reports leave it. */
	uint8_t mods;               /* keyboard modifier bits */
	uint8_t held[FG_HID_HELD_MAX];
	size_t held_count;
	uint16_t buttons;           /* mouse (5) or gamepad (16) buttons */
	int8_t axes[4];             /* gamepad X, Y, Rx, Ry */

	/* Reports waiting for the IN endpoint, oldest at head. */
	struct fg_hid_report *queue;
	size_t q_head, q_count;

	/* The latest report sent (relative fields zeroed): GET_REPORT and idle repeats. */
	struct fg_hid_report sent;
	bool resend;                /* the idle period passed: send `sent` again */
	uint64_t idle_deadline_ms;  /* when, on CLOCK_MONOTONIC; 0: none */

	uint64_t reports_sent, repeats_sent, outputs, dropped;
};

struct fg_line_socket;

struct fg_hid_dev {
	const struct fg_model *model;
	struct fg_hid_iface ifaces[FG_MAX_INTERFACES];
	size_t iface_count;
	char socket_path[108];      /* sun_path */
	struct fg_engine *engine;   /* set by start; NULL in unit tests */
	struct fg_line_socket *control;
	int timer_fd;               /* the idle timer, -1 before start */
};

/* hid.c */
extern const struct fg_personality fg_hid_personality;
uint64_t fg_hid_now_ms(void);
/* Marks interfaces whose idle period ended by now_ms; returns the next deadline (0: none). */
uint64_t fg_hid_idle_tick(struct fg_hid_dev *d, uint64_t now_ms);
/* The earliest idle deadline (0: none). */
uint64_t fg_hid_next_deadline(const struct fg_hid_dev *d);

#endif
