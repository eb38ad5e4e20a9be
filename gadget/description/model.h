/* SPDX-License-Identifier: MIT */
/*
 * The validated in-memory model of one FunctionFS function.
 *
 * Flow: description file (description.c) -> struct fg_model -> FunctionFS
 * blobs (ffs_blobs.c) -> engine.  Everything in a model has passed the USB
 * 2.0/3.x rules and FunctionFS's own rules, so later stages never re-check.
 *
 * One model describes every speed: per-speed fields are kept side by side
 * and the encoder writes the full-, high- and super-speed sets from them.
 */
#ifndef FFSGADGET_MODEL_H
#define FFSGADGET_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FG_NAME_MAX 32
#define FG_MAX_INTERFACES 16
#define FG_MAX_ALTS 8
/* FunctionFS allows 31 endpoint descriptors per speed (FFS_MAX_EPS_COUNT). */
#define FG_MAX_ENDPOINTS 30
#define FG_MAX_STRINGS 32
#define FG_MAX_LANGS 8
#define FG_MAX_OPTIONS 32
#define FG_MAX_MS_COMPAT 16
#define FG_MAX_MS_PROPS 16

enum fg_speed {
	FG_SPEED_FULL = 1u << 0,
	FG_SPEED_HIGH = 1u << 1,
	FG_SPEED_SUPER = 1u << 2,
};

/* Values are the bmAttributes transfer-type bits. */
enum fg_ep_type {
	FG_EP_ISO = 1,
	FG_EP_BULK = 2,
	FG_EP_INT = 3,
};

/* bmAttributes bits 3:2 and 5:4 for iso endpoints. */
enum fg_iso_sync { FG_SYNC_NONE = 0, FG_SYNC_ASYNC = 1, FG_SYNC_ADAPTIVE = 2, FG_SYNC_SYNC = 3 };
enum fg_iso_usage { FG_USAGE_DATA = 0, FG_USAGE_FEEDBACK = 1, FG_USAGE_IMPLICIT = 2 };

struct fg_endpoint {
	char name[FG_NAME_MAX];     /* e.g. "bulk_in"; unique in the function */
	unsigned line;              /* line in the description, for messages */
	uint8_t address;            /* logical bEndpointAddress incl. USB_DIR_IN */
	enum fg_ep_type type;
	enum fg_iso_sync sync;
	enum fg_iso_usage usage;
	/* wMaxPacketSize bits 10:0 per speed (FS, HS, SS); 0 when the speed is absent */
	uint16_t maxpacket[3];
	uint8_t interval[3];        /* bInterval per speed, as encoded */
	uint8_t mult;               /* transactions per (micro)frame, 1..3 (HS, SS iso) */
	uint8_t burst;              /* SS packets per burst, 1..16 */
	uint8_t interface;          /* index into fg_model.interfaces */
	uint8_t alt;                /* alt setting number within that interface */
	/* Streaming: how many requests the engine keeps in flight, each of how many bytes. */
	unsigned queue_depth;
	size_t buffer_size;
};

/* Index 0..2 of the per-speed arrays. */
enum fg_speed_index { FG_FS = 0, FG_HS = 1, FG_SS = 2 };

struct fg_hid {
	bool present;
	uint16_t bcd_hid;
	uint8_t country;
	uint8_t *report;            /* report descriptor bytes (owned) */
	size_t report_len;
};

/* DFU 1.1 4.1.3 functional descriptor bmAttributes. */
enum fg_dfu_attr {
	FG_DFU_CAN_DNLOAD = 1u << 0,
	FG_DFU_CAN_UPLOAD = 1u << 1,
	FG_DFU_MANIFESTATION_TOLERANT = 1u << 2,
	FG_DFU_WILL_DETACH = 1u << 3,
};
/* bInterfaceProtocol of a DFU interface (class 0xfe, subclass 0x01). */
#define FG_DFU_CLASS 0xfe
#define FG_DFU_SUBCLASS 0x01
#define FG_DFU_PROTOCOL_RUNTIME 1
#define FG_DFU_PROTOCOL_DFU_MODE 2

struct fg_dfu {
	bool present;
	uint8_t attributes;         /* enum fg_dfu_attr bits */
	uint16_t detach_timeout;    /* wDetachTimeOut, ms */
	uint16_t transfer_size;     /* wTransferSize: bytes per DNLOAD/UPLOAD at most */
	uint16_t bcd_dfu;           /* bcdDFUVersion, 0x0110 */
};

struct fg_alt {
	uint8_t number;             /* bAlternateSetting */
	unsigned line;
	uint8_t class_, subclass, protocol;
	uint8_t string;             /* iInterface: 1-based index into fg_strings keys, 0 = none */
	size_t first_ep;            /* endpoints[first_ep .. first_ep + ep_count) */
	size_t ep_count;
	struct fg_hid hid;
	struct fg_dfu dfu;
};

struct fg_interface {
	uint8_t number;             /* function-relative bInterfaceNumber */
	unsigned line;
	struct fg_alt alts[FG_MAX_ALTS];
	size_t alt_count;
};

struct fg_strings {
	size_t count;                           /* strings per language */
	char *keys[FG_MAX_STRINGS];             /* key names, index i => string id i+1 */
	size_t lang_count;
	uint16_t lang[FG_MAX_LANGS];            /* LANGID, e.g. 0x0409 */
	char *text[FG_MAX_LANGS][FG_MAX_STRINGS]; /* UTF-8, owned */
};

/* MS OS 1.0 extended compat ID function section. */
struct fg_ms_compat {
	uint8_t interface;
	char compatible_id[8];      /* NUL padded, e.g. "WINUSB" */
	char sub_compatible_id[8];
};

/* MS OS 1.0 extended property (dwPropertyDataType values 1..7). */
struct fg_ms_prop {
	uint8_t interface;
	uint32_t type;
	char *name;                 /* ASCII; the encoder adds the NUL */
	/*
	 * In FunctionFS form: string types as 8-bit text with NUL(s), which the
	 * kernel widens to UTF-16LE itself; binary as is; dwords as 4 bytes.
	 */
	uint8_t *data;
	size_t data_len;
};

struct fg_option {
	char key[FG_NAME_MAX];
	char *value;                /* as written: strings verbatim, numbers in decimal */
	unsigned line;
};

/*
 * Real-time scheduling of the daemon (the description's "realtime" group,
 * overridden from the command line; applied by ffs/realtime.c).
 */
enum fg_rt_policy { FG_RT_OFF, FG_RT_FIFO, FG_RT_RR };

struct fg_realtime {
	enum fg_rt_policy policy;
	int priority;               /* 1..99 when policy is not OFF */
	int cpu;                    /* CPU to pin to, -1: any */
	bool lock_memory;           /* mlockall; default on with a policy */
	bool required;              /* refuse to run when any part is refused */
	unsigned line;              /* of the group in the description, 0: none */
};

struct fg_model {
	char *source;               /* path given to the loader, for messages */
	char name[FG_NAME_MAX];
	char personality[FG_NAME_MAX];  /* which personality serves it, e.g. "zero" */
	unsigned personality_line;
	uint32_t ffs_flags;         /* FUNCTIONFS_ALL_CTRL_RECIP | FUNCTIONFS_CONFIG0_SETUP */
	unsigned speeds;            /* enum fg_speed bits */

	struct fg_interface interfaces[FG_MAX_INTERFACES];
	size_t interface_count;

	/* Flat, in descriptor order: FunctionFS file epN is endpoints[N-1]. */
	struct fg_endpoint endpoints[FG_MAX_ENDPOINTS];
	size_t endpoint_count;

	struct fg_strings strings;

	struct fg_ms_compat ms_compat[FG_MAX_MS_COMPAT];
	size_t ms_compat_count;
	struct fg_ms_prop ms_props[FG_MAX_MS_PROPS];
	size_t ms_prop_count;

	/* The personality's own settings ("options" group), checked by it. */
	struct fg_option options[FG_MAX_OPTIONS];
	size_t option_count;

	struct fg_realtime realtime;
};

static inline bool fg_ep_is_in(const struct fg_endpoint *ep)
{
	return (ep->address & 0x80) != 0;
}

/* The option named key, or NULL. */
const struct fg_option *fg_model_option(const struct fg_model *m, const char *key);

/* The endpoint named name, or NULL. */
const struct fg_endpoint *fg_model_endpoint(const struct fg_model *m, const char *name);

void fg_model_free(struct fg_model *m);

#endif
