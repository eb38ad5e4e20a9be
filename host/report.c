/* SPDX-License-Identifier: MIT */
/*
 * What a run reports: the live line (once a second, stderr, TTY only), the
 * text summary and the same figures as one JSON object.  MB = 10^6 bytes,
 * latencies in microseconds (submit to completion, per transfer).
 */
#include <inttypes.h>

#include "fgh.h"

static const char *const result_names[] = {
	[FGH_RUN_DONE] = "done",
	[FGH_RUN_INTERRUPTED] = "interrupted",
	[FGH_RUN_LOST] = "device lost",
	[FGH_RUN_ERROR] = "error",
};

/* USB never reorders or repeats an endpoint's packets: with seq, both are failures too. */
uint64_t fgh_stream_failures(const struct fgh_stream *s)
{
	const struct fgh_seq *q = &s->pat.seq;

	return s->c.mismatched + q->lost + q->duplicates + q->reordered + q->stale;
}

static uint64_t elapsed_ns(const struct fgh_stream *s)
{
	return s->c.last_ns > s->c.first_ns ? s->c.last_ns - s->c.first_ns : 0;
}

static double us(uint64_t ns)
{
	return (double)ns / 1e3;
}

void fgh_live_line(FILE *out, struct fgh_stream *const *s, size_t n, uint64_t now_ns)
{
	uint64_t transfers = 0, errors = 0, bad = 0;

	fputc('\r', out);
	for (size_t i = 0; i < n; i++) {
		struct fgh_stream *st = s[i];

		fprintf(out, "%s 0x%02x %7.1f MB/s  ", fgh_stream_is_in(st) ? "in" : "out",
			st->cfg.ep.addr, fgh_mbps(st->c.bytes - st->live_bytes, now_ns - st->live_ns));
		st->live_bytes = st->c.bytes;
		st->live_ns = now_ns;
		transfers += st->c.transfers;
		errors += st->c.errors + st->c.packet_errors;
		bad += fgh_stream_failures(st);
	}
	fprintf(out, "| %" PRIu64 " transfers, %" PRIu64 " errors, %" PRIu64 " bad\033[K",
		transfers, errors, bad);
	fflush(out);
}

static void stream_text(FILE *out, const struct fgh_stream *s)
{
	const struct fgh_counters *c = &s->c;
	const struct fgh_seq *q = &s->pat.seq;
	double secs = (double)elapsed_ns(s) / 1e9;

	fprintf(out, "  %-3s ep 0x%02x %s, maxpacket %u, ", fgh_stream_is_in(s) ? "in" : "out",
		s->cfg.ep.addr, fgh_ep_type_name(s->cfg.ep.type),
		fgh_maxpacket(s->cfg.ep.wMaxPacketSize));
	if (s->iso_len)
		fprintf(out, "%u packets x %zu B", s->cfg.iso_packets, s->iso_len);
	else
		fprintf(out, "%zu B", s->cfg.size);
	fprintf(out, " per transfer, queue %u, pattern %s\n", s->cfg.queue,
		fgh_pattern_name(s->cfg.pattern));
	fprintf(out, "      %" PRIu64 " bytes in %.3f s = %.2f MB/s\n", c->bytes, secs,
		fgh_mbps(c->bytes, elapsed_ns(s)));
	fprintf(out, "      transfers %" PRIu64 ", short %" PRIu64 ", errors %" PRIu64
		", cancelled %" PRIu64 "\n", c->transfers, c->short_transfers, c->errors, c->cancelled);
	if (s->iso_len) {
		fprintf(out, "      iso packets %" PRIu64 ", errored %" PRIu64 ", short %" PRIu64
			" (empty %" PRIu64, c->packets, c->packet_errors, c->short_packets,
			c->empty_packets);
		if (c->empty_packets)
			fprintf(out, ", the first packet %" PRIu64 ", the last %" PRIu64,
				c->first_empty, c->last_empty);
		fputs(")\n", out);
	}
	if (fgh_stream_is_in(s) && s->cfg.pattern != FGH_PATTERN_NONE) {
		fprintf(out, "      mismatched bytes %" PRIu64, c->mismatched);
		if (s->cfg.pattern == FGH_PATTERN_SEQ)
			fprintf(out, ", packets received %" PRIu64 ", lost %" PRIu64
				", duplicates %" PRIu64 ", reordered %" PRIu64 ", runts %" PRIu64,
				q->received, q->lost, q->duplicates, q->reordered, q->runts);
		if (q->floor_set)
			fprintf(out, ", stale %" PRIu64 " (numbered before %" PRIu32 ")", q->stale,
				q->floor);
		fputc('\n', out);
	}
	fprintf(out, "      latency us: p50 %.1f, p99 %.1f, max %.1f\n",
		us(fgh_hist_percentile(&c->latency, 50)), us(fgh_hist_percentile(&c->latency, 99)),
		us(c->latency.max));
	if (c->stamp_age.n)
		fprintf(out, "      packet age us (device stamp to arrival): p50 %.1f, p99 %.1f, "
			"max %.1f\n", us(fgh_hist_percentile(&c->stamp_age, 50)),
			us(fgh_hist_percentile(&c->stamp_age, 99)), us(c->stamp_age.max));
	if (s->stalled)
		fprintf(out, "      endpoint STALLed\n");
	else if (s->last_error)
		fprintf(out, "      last error: %s\n", s->last_error < 0 ?
			libusb_strerror(s->last_error) : libusb_error_name(s->last_error));
}

void fgh_summary_text(FILE *out, const struct fgh_report *r, struct fgh_stream *const *s,
		      size_t n)
{
	fprintf(out, "%s %s path %s (%s speed): %s\n", r->command, r->device, r->path, r->speed,
		result_names[r->result]);
	for (size_t i = 0; i < n; i++)
		stream_text(out, s[i]);
}

void fgh_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

static void json_u64(FILE *out, const char *key, uint64_t v, bool comma)
{
	fprintf(out, "\"%s\":%" PRIu64 "%s", key, v, comma ? "," : "");
}

static void stream_json(FILE *out, const struct fgh_stream *s)
{
	const struct fgh_counters *c = &s->c;
	const struct fgh_seq *q = &s->pat.seq;

	fprintf(out, "{\"endpoint\":\"0x%02x\",\"type\":\"%s\",\"maxpacket\":%u,",
		s->cfg.ep.addr, fgh_ep_type_name(s->cfg.ep.type),
		fgh_maxpacket(s->cfg.ep.wMaxPacketSize));
	fprintf(out, "\"size\":%zu,\"queue\":%u,\"pattern\":\"%s\",",
		s->iso_len ? s->iso_len * s->cfg.iso_packets : s->cfg.size, s->cfg.queue,
		fgh_pattern_name(s->cfg.pattern));
	json_u64(out, "bytes", c->bytes, true);
	fprintf(out, "\"seconds\":%.6f,\"mb_per_s\":%.3f,", (double)elapsed_ns(s) / 1e9,
		fgh_mbps(c->bytes, elapsed_ns(s)));
	json_u64(out, "transfers", c->transfers, true);
	json_u64(out, "short", c->short_transfers, true);
	json_u64(out, "errors", c->errors, true);
	json_u64(out, "cancelled", c->cancelled, true);
	json_u64(out, "iso_packets", c->packets, true);
	json_u64(out, "iso_packet_errors", c->packet_errors, true);
	json_u64(out, "iso_short_packets", c->short_packets, true);
	json_u64(out, "iso_empty_packets", c->empty_packets, true);
	if (c->empty_packets) {
		json_u64(out, "iso_first_empty", c->first_empty, true);
		json_u64(out, "iso_last_empty", c->last_empty, true);
	}
	json_u64(out, "mismatched_bytes", c->mismatched, true);
	json_u64(out, "lost", q->lost, true);
	json_u64(out, "duplicates", q->duplicates, true);
	json_u64(out, "reordered", q->reordered, true);
	if (q->floor_set) {
		json_u64(out, "fresh_from", q->floor, true);
		json_u64(out, "stale", q->stale, true);
	}
	fprintf(out, "\"stalled\":%s,", s->stalled ? "true" : "false");
	fprintf(out, "\"latency_us\":{\"p50\":%.1f,\"p99\":%.1f,\"max\":%.1f}}",
		us(fgh_hist_percentile(&c->latency, 50)), us(fgh_hist_percentile(&c->latency, 99)),
		us(c->latency.max));
}

void fgh_summary_json(FILE *out, const struct fgh_report *r, struct fgh_stream *const *s,
		      size_t n)
{
	bool seen_in = false, seen_out = false;

	fputs("{\"command\":", out);
	fgh_json_string(out, r->command);
	fputs(",\"device\":", out);
	fgh_json_string(out, r->device);
	fputs(",\"path\":", out);
	fgh_json_string(out, r->path);
	fputs(",\"speed\":", out);
	fgh_json_string(out, r->speed);
	fprintf(out, ",\"result\":\"%s\",\"exit\":%d", result_names[r->result], r->exit_status);
	for (size_t i = 0; i < n; i++) {
		bool in = fgh_stream_is_in(s[i]);

		if ((in && seen_in) || (!in && seen_out))
			continue;
		fprintf(out, ",\"%s\":", in ? "in" : "out");
		stream_json(out, s[i]);
		seen_in = seen_in || in;
		seen_out = seen_out || !in;
	}
	fputs("}\n", out);
	fflush(out);
}
