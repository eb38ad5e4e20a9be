/* SPDX-License-Identifier: MIT */
/*
 * Latency histogram and throughput.  A run may last hours at thousands of
 * transfers a second, so latencies go into fixed log-linear buckets rather
 * than an array of samples: values below 64 are exact, larger ones land in
 * one of 32 buckets per power of two, and a percentile reports its bucket's
 * upper bound (at most 1/32 above the true value), clamped to the exact
 * min and max.
 */
#include <math.h>
#include <time.h>

#include "fgh.h"

static unsigned log2_floor(uint64_t v)
{
	unsigned e = 0;

	while (v >>= 1)
		e++;
	return e;
}

unsigned fgh_hist_index(uint64_t v)
{
	if (v < 64)
		return (unsigned)v;
	unsigned e = log2_floor(v);                  /* 6..63 */
	unsigned mant = (unsigned)(v >> (e - 5)) & (FGH_HIST_SUB - 1);
	return 64 + (e - 6) * FGH_HIST_SUB + mant;
}

uint64_t fgh_hist_upper(unsigned idx)
{
	if (idx < 64)
		return idx;
	unsigned e = (idx - 64) / FGH_HIST_SUB + 6;
	uint64_t mant = (idx - 64) % FGH_HIST_SUB;
	uint64_t step = UINT64_C(1) << (e - 5);
	uint64_t lower = (FGH_HIST_SUB + mant) * step;
	return lower + (step - 1);
}

void fgh_hist_add(struct fgh_hist *h, uint64_t v)
{
	if (h->n == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->n++;
	h->sum += v;
	h->bucket[fgh_hist_index(v)]++;
}

uint64_t fgh_hist_percentile(const struct fgh_hist *h, double p)
{
	if (h->n == 0 || !(p > 0))
		return 0;
	if (p >= 100)
		return h->max;
	uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)h->n);
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned i = 0; i < FGH_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank) {
			uint64_t v = fgh_hist_upper(i);
			if (v > h->max)
				v = h->max;
			if (v < h->min)
				v = h->min;
			return v;
		}
	}
	return h->max;
}

double fgh_mbps(uint64_t bytes, uint64_t ns)
{
	if (ns == 0)
		return 0;
	return (double)bytes * 1e3 / (double)ns;
}

uint64_t fgh_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
