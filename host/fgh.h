/* SPDX-License-Identifier: MIT */
/*
 * ffsgadget-host: the host companion's C API (prefix fgh_).
 *
 * One file per responsibility, in the order a run uses them:
 *   device.c    find, list and open the gadget; claim its interfaces
 *   endpoint.c  "--ep 0x81" / "--ep bulk-in" -> an endpoint of the active config
 *   dump.c      lsusb -v style descriptor dump
 *   msos.c      MS OS 1.0 descriptor parsers (pure: bytes in, fields out)
 *   msos_dump.c MS OS 1.0 descriptors read from the device and printed
 *   hex.c       hex in (ctrl data) and out
 *   pattern.c   data patterns: generator, checker, sequence tracker
 *   iso_counters.c  isostream's GET_COUNTERS read from the device and printed
 *   stats.c     counters, latency histogram, percentiles
 *   stream.c    async transfer engine (read / write / stream)
 *   report.c    live line, text and JSON summaries
 *   main.c      the CLI
 */
#ifndef FGH_H
#define FGH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libusb.h>

#include "isostream_wire.h"   /* gadget/: the "seq" stamps, isostream's requests */

/* Exit statuses of the CLI. */
enum {
	FGH_EXIT_OK = 0,
	FGH_EXIT_VERIFY = 1,  /* mismatched bytes, lost packets, STALL on ctrl */
	FGH_EXIT_USAGE = 2,   /* bad arguments, no device, no permission */
	FGH_EXIT_LOST = 3,    /* device unplugged mid-run */
};

#define FGH_DEFAULT_VID 0x0525
#define FGH_DEFAULT_PID 0xa4a0

/* ---- device.c ---------------------------------------------------------- */

struct fgh_select {
	uint16_t vid, pid;
	bool vidpid_given;      /* --device given: filter on it even with --path/--bus */
	int bus, addr;          /* -1: any */
	char path[32];          /* "" or "BUS-PORT.PORT" */
	bool any;               /* list --all: no VID:PID filter */
};

void fgh_select_init(struct fgh_select *sel);
/* "0525:a4a0" -> vid, pid.  0 or -1. */
int fgh_parse_vidpid(const char *s, uint16_t *vid, uint16_t *pid);
/* "1-1.4" style path of a device (bus-port.port...).  0 or a LIBUSB_ERROR. */
int fgh_device_path(libusb_device *dev, char *buf, size_t len);
const char *fgh_speed_name(int libusb_speed);
bool fgh_select_match(const struct fgh_select *sel, libusb_device *dev);
/* Prints one line per matching device; returns how many matched. */
int fgh_list(libusb_context *ctx, const struct fgh_select *sel, FILE *out);

/*
 * Opens the one device sel picks.  On failure prints why to stderr (no
 * device, several, permission with the udev rule that fixes it) and returns
 * the exit status to use; 0 on success.
 */
int fgh_open(libusb_context *ctx, const struct fgh_select *sel, libusb_device_handle **out);

/* Interfaces claimed for a run; kernel drivers detached now, reattached at release. */
struct fgh_claim {
	libusb_device_handle *h;
	int ifaces[4];
	int n;
};
/* Claims iface and selects alt (alt 0 is left alone).  0 or a LIBUSB_ERROR. */
int fgh_claim(struct fgh_claim *c, libusb_device_handle *h, int iface, int alt);
void fgh_release(struct fgh_claim *c);

/* ---- endpoint.c -------------------------------------------------------- */

struct fgh_ep_spec {
	bool by_addr;
	uint8_t addr;
	uint8_t type;           /* LIBUSB_ENDPOINT_TRANSFER_TYPE_* */
	bool in;
	int alt;                /* TYPE-DIR@ALT: only in that alt setting; -1 any */
};

struct fgh_ep {
	uint8_t addr;
	uint8_t type;           /* LIBUSB_ENDPOINT_TRANSFER_TYPE_* */
	uint16_t wMaxPacketSize;  /* raw, mult bits included */
	uint8_t interval;
	int iface, alt;
};

/*
 * "0x81", "129", "bulk-in", "int-out", "interrupt-in", "iso-in", "isoc-out";
 * a type and direction may add "@ALT" (0..255): "iso-in@2", the first iso
 * IN endpoint of alt setting 2.
 */
int fgh_ep_spec_parse(const char *s, struct fgh_ep_spec *spec);
/* First endpoint of cfg that spec names.  0 or -1. */
int fgh_ep_find(const struct libusb_config_descriptor *cfg, const struct fgh_ep_spec *spec,
		struct fgh_ep *ep);
const char *fgh_ep_type_name(uint8_t type);
static inline uint16_t fgh_maxpacket(uint16_t wMaxPacketSize)
{
	return wMaxPacketSize & 0x7ff;
}

/* ---- dump.c / msos_dump.c ---------------------------------------------- */

/* lsusb -v style dump of everything the device describes.  h may be NULL (no strings). */
int fgh_dump(libusb_device *dev, libusb_device_handle *h, FILE *out);
/* Reads and prints the MS OS 1.0 descriptors; "not supported" when there are none. */
void fgh_msos_dump(libusb_device_handle *h, FILE *out);

/* ---- msos.c ------------------------------------------------------------ */

enum fgh_msos_err {
	FGH_MSOS_OK = 0,
	FGH_MSOS_EEMPTY = -1,       /* zero-length buffer */
	FGH_MSOS_ETRUNC = -2,       /* buffer shorter than a fixed header/field */
	FGH_MSOS_ELENGTH = -3,      /* declared length larger than the buffer, or inconsistent */
	FGH_MSOS_ETYPE = -4,        /* wrong bDescriptorType */
	FGH_MSOS_ESIGNATURE = -5,   /* not "MSFT100" */
	FGH_MSOS_EVERSION = -6,     /* bcdVersion != 1.00 */
	FGH_MSOS_EINDEX = -7,       /* wIndex not 4 / 5 */
	FGH_MSOS_ECOUNT = -8,       /* count disagrees with dwLength */
	FGH_MSOS_ESIZE = -9,        /* property dwSize inconsistent (or overflowing) */
	FGH_MSOS_EODD = -10,        /* UTF-16 field of odd length */
	FGH_MSOS_ENOTERM = -11,     /* UTF-16 string not NUL-terminated */
	FGH_MSOS_EDATA = -12,       /* unknown data type, or DWORD not 4 bytes */
	FGH_MSOS_ETOOMANY = -13,    /* more sections than the caller's array */
	FGH_MSOS_EUTF16 = -14,      /* unpaired surrogate */
};
const char *fgh_msos_strerror(int err);

#define FGH_MSOS_STRING_INDEX 0xee
#define FGH_MSOS_COMPAT_INDEX 4
#define FGH_MSOS_PROP_INDEX 5
#define FGH_MSOS_COMPAT_HEADER 16
#define FGH_MSOS_COMPAT_FUNCTION 24
#define FGH_MSOS_PROP_HEADER 10
#define FGH_MSOS_PROP_SECTION_MIN 14  /* dwSize, type, name len, data len */

/* String descriptor 0xEE: "MSFT100" + bMS_VendorCode. */
int fgh_msos_parse_string(const uint8_t *buf, size_t len, uint8_t *vendor_code);
/* dwLength from the first bytes of a compat-ID or properties header (4 bytes needed). */
int fgh_msos_header_length(const uint8_t *buf, size_t len, uint32_t *dwLength);

struct fgh_msos_function {
	uint8_t first_interface;
	char compatible_id[9];      /* NUL-terminated ASCII */
	char sub_compatible_id[9];
};
struct fgh_msos_compat {
	unsigned count;
	struct fgh_msos_function *functions;  /* caller's array */
	unsigned capacity;
};
int fgh_msos_parse_compat(const uint8_t *buf, size_t len, struct fgh_msos_compat *c);

enum {
	FGH_REG_SZ = 1, FGH_REG_EXPAND_SZ = 2, FGH_REG_BINARY = 3, FGH_REG_DWORD_LE = 4,
	FGH_REG_DWORD_BE = 5, FGH_REG_LINK = 6, FGH_REG_MULTI_SZ = 7,
};
struct fgh_msos_prop {
	uint32_t type;
	const uint8_t *name;        /* UTF-16LE, NUL-terminated, points into buf */
	uint16_t name_len;          /* bytes, terminator included */
	const uint8_t *data;
	uint32_t data_len;
};
struct fgh_msos_props {
	unsigned count;
	struct fgh_msos_prop *props;  /* caller's array */
	unsigned capacity;
};
int fgh_msos_parse_props(const uint8_t *buf, size_t len, struct fgh_msos_props *p);
const char *fgh_reg_type_name(uint32_t type);

/*
 * UTF-16LE -> UTF-8, stopping at the first NUL; out is always terminated.
 * Returns bytes written (without NUL) or FGH_MSOS_EODD / EUTF16 / ETOOMANY (out too small).
 */
int fgh_utf16le_to_utf8(const uint8_t *in, size_t len, char *out, size_t outlen);

/* ---- hex.c ------------------------------------------------------------- */

/* "0a0b", "0a:0b", "0a 0b", "0x0a,0x0b" -> bytes.  Count or -1. */
int fgh_hex_parse(const char *s, uint8_t *out, size_t cap);
/* 16 bytes per line, "xx xx ...". */
void fgh_hex_print(FILE *out, const uint8_t *buf, size_t len, const char *indent);

/* ---- pattern.c --------------------------------------------------------- */

enum fgh_pattern {
	FGH_PATTERN_NONE,   /* zeros on OUT, nothing checked on IN */
	FGH_PATTERN_ZEROS,
	FGH_PATTERN_MOD63,  /* byte i of each packet: (i % maxpacket) % 63 */
	FGH_PATTERN_SEQ,    /* isostream's stamps: LE32 sequence + LE64 timestamp (ns) first */
};
int fgh_pattern_parse(const char *s, enum fgh_pattern *p);
const char *fgh_pattern_name(enum fgh_pattern p);

#define FGH_SEQ_WINDOW 1024   /* how far back a late packet is still told from a duplicate */

/* Sequence numbers seen on IN: gaps are lost packets until they turn up late. */
struct fgh_seq {
	bool started;
	uint32_t next;
	uint64_t received, lost, duplicates, reordered, runts;
	uint64_t stale;         /* numbered before floor: filled before the host's switch */
	bool floor_set;
	uint32_t floor;         /* GET_FRESH's answer: the first number filled since */
	uint64_t seen[FGH_SEQ_WINDOW / 64];
};
void fgh_seq_track(struct fgh_seq *q, uint32_t n);

struct fgh_pattern_ctx {
	enum fgh_pattern kind;
	uint16_t maxpacket;
	uint8_t *ref;           /* one packet of the expected bytes */
	uint32_t next_seq;      /* OUT: next number to send */
	struct fgh_seq seq;     /* IN */
	/*
	 * IN, seq: when the caller set now_ns (CLOCK_MONOTONIC, ns), each
	 * packet's age (now_ns - its timestamp) goes into stamp_age: the
	 * latency from the device's producing it to its arrival, when both
	 * share the clock (the VM, a loopback setup).  Ages outside 0..60 s
	 * (another clock) are not counted.
	 */
	uint64_t now_ns;
	struct fgh_hist *stamp_age;
};
/*
 * isostream's GET_FRESH for the IN endpoint addr of interface iface: the
 * first sequence number the device filled since its latest ENABLE, set as
 * s's floor.  0, or a LIBUSB_ERROR (a STALL: not isostream, or no such
 * iso IN endpoint), or LIBUSB_ERROR_IO for a reply of the wrong length.
 */
int fgh_iso_fresh(libusb_device_handle *h, int iface, uint8_t addr, unsigned timeout_ms,
		  struct fgh_seq *q);

/* maxpacket must be nonzero.  0 or -1 (no memory). */
int fgh_pattern_init(struct fgh_pattern_ctx *c, enum fgh_pattern kind, uint16_t maxpacket);
void fgh_pattern_free(struct fgh_pattern_ctx *c);
/* Fills len bytes cut into maxpacket-sized packets. */
void fgh_pattern_fill(struct fgh_pattern_ctx *c, uint8_t *buf, size_t len, uint64_t now_ns);
/* Checks len received bytes the same way; returns the mismatched byte count. */
uint64_t fgh_pattern_check(struct fgh_pattern_ctx *c, const uint8_t *buf, size_t len);

/* ---- iso_counters.c --------------------------------------------------- */

/*
 * Reads isostream's counters (GET_COUNTERS to interface iface) and prints
 * them, as text or one JSON object.  Returns an FGH_EXIT_ status; a STALL,
 * a transfer error or a malformed reply is explained on stderr.
 */
int fgh_iso_counters(libusb_device_handle *h, int iface, bool json, unsigned timeout_ms,
		     FILE *out);

/* ---- stats.c ----------------------------------------------------------- */

/* Log-linear histogram: exact below 64, then 32 buckets per power of two (<= 3.2% high). */
#define FGH_HIST_SUB 32
#define FGH_HIST_BUCKETS (64 + 58 * FGH_HIST_SUB)
struct fgh_hist {
	uint64_t n, sum, min, max;
	uint64_t bucket[FGH_HIST_BUCKETS];
};
void fgh_hist_add(struct fgh_hist *h, uint64_t v);
/* Nearest-rank percentile (0 < p <= 100), clamped to [min, max]; 0 when empty. */
uint64_t fgh_hist_percentile(const struct fgh_hist *h, double p);
unsigned fgh_hist_index(uint64_t v);
uint64_t fgh_hist_upper(unsigned idx);

struct fgh_counters {
	uint64_t bytes, transfers, short_transfers, errors, cancelled;
	uint64_t packets, packet_errors, short_packets;  /* iso */
	uint64_t empty_packets;    /* iso: zero-length (IN: the device had nothing queued) */
	uint64_t first_empty, last_empty; /* iso: the packets' indexes from 0, when any was empty */
	uint64_t mismatched;
	uint64_t first_ns, last_ns;
	struct fgh_hist latency;   /* ns, submit to complete */
	struct fgh_hist stamp_age; /* ns, seq IN: device timestamp to arrival */
};
/* MB/s, MB = 10^6 bytes; 0 for an empty interval. */
double fgh_mbps(uint64_t bytes, uint64_t ns);
uint64_t fgh_now_ns(void);

/* ---- stream.c ---------------------------------------------------------- */

struct fgh_stream_cfg {
	struct fgh_ep ep;
	enum fgh_pattern pattern;
	size_t size;            /* bytes per transfer (iso: per packet, 0 = max) */
	unsigned queue;         /* transfers in flight */
	unsigned iso_packets;
	uint64_t count;         /* transfers; 0 = until stopped */
	unsigned timeout_ms;
};

struct fgh_xfer;
struct fgh_stream {
	struct fgh_stream_cfg cfg;
	libusb_device_handle *h;
	struct fgh_xfer *x;
	unsigned nx, in_flight;
	uint64_t submitted;
	bool stopping, stalled, lost;
	int last_error;         /* libusb_transfer_status of the last failure */
	unsigned consecutive_errors;
	size_t iso_len;         /* per packet */
	struct fgh_pattern_ctx pat;
	struct fgh_counters c;
	uint64_t live_bytes, live_ns;   /* at the previous live line */
};

/* Allocates transfers and buffers.  0 or a LIBUSB_ERROR. */
int fgh_stream_init(struct fgh_stream *s, libusb_device_handle *h, const struct fgh_stream_cfg *cfg);
void fgh_stream_free(struct fgh_stream *s);
/*
 * Accounts (and verifies) the data of a transfer that came back with
 * t->status; on_complete's accounting, exposed for the tests.
 */
void fgh_stream_account(struct fgh_stream *s, struct libusb_transfer *t);
/* The stream's i-th transfer (i < nx), as set up. */
const struct libusb_transfer *fgh_stream_transfer(const struct fgh_stream *s, unsigned i);

/*
 * Linux usbfs caps the memory of a process's in-flight transfers
 * (usbcore.usbfs_memory_mb); past it a submission fails with ENOMEM, which
 * libusb reports as a bare I/O error.  fgh_usbfs_bytes: what the streams'
 * transfers hold there, all in flight.  fgh_usbfs_over_cap: 1 when need
 * exceeds the cap read from param_path (*cap_mb set), 0 when it fits or
 * there is no cap (0), a negative errno when the cap cannot be read (not
 * Linux, no usbcore).
 */
#define FGH_USBFS_MEMORY_MB "/sys/module/usbcore/parameters/usbfs_memory_mb"
uint64_t fgh_usbfs_bytes(struct fgh_stream *const *s, size_t n);
int fgh_usbfs_over_cap(uint64_t need, const char *param_path, unsigned long *cap_mb);
static inline bool fgh_stream_is_in(const struct fgh_stream *s)
{
	return s->cfg.ep.addr & LIBUSB_ENDPOINT_IN;
}

enum fgh_run_result { FGH_RUN_DONE, FGH_RUN_INTERRUPTED, FGH_RUN_LOST, FGH_RUN_ERROR };
struct fgh_run_opts {
	double seconds;                   /* 0: no limit */
	volatile sig_atomic_t *stop;      /* set by SIGINT */
	FILE *live;                       /* once-a-second line, or NULL */
};
enum fgh_run_result fgh_run(libusb_context *ctx, struct fgh_stream *const *s, size_t n,
			    const struct fgh_run_opts *o);
/*
 * After transfer errors: is the device gone?  A disconnect first shows as
 * errors (-EPROTO, -ESHUTDOWN), NO_DEVICE only later, so this probes with
 * GET_STATUS for up to ms milliseconds.  No transfer may be in flight.
 */
bool fgh_device_gone(libusb_device_handle *h, unsigned ms);

/* ---- report.c ---------------------------------------------------------- */

struct fgh_report {
	const char *command;
	char device[16];        /* "0525:a4a0" */
	char path[32];
	const char *speed;
	enum fgh_run_result result;
	int exit_status;
};
/* Verification failures of a stream: mismatched bytes + lost, duplicated, reordered packets. */
uint64_t fgh_stream_failures(const struct fgh_stream *s);
void fgh_live_line(FILE *out, struct fgh_stream *const *s, size_t n, uint64_t now_ns);
void fgh_summary_text(FILE *out, const struct fgh_report *r, struct fgh_stream *const *s,
		      size_t n);
void fgh_summary_json(FILE *out, const struct fgh_report *r, struct fgh_stream *const *s,
		      size_t n);
/* JSON string literal (quotes included), escaping as RFC 8259 requires. */
void fgh_json_string(FILE *out, const char *s);

#endif
