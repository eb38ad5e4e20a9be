# The bench's iso part (sourced by scenario-bench.sh): the highest rate at
# which each side streams iso IN without losing a packet, in the same VM:
# the in-kernel SourceSink, then ffsgadget's isostream, at 1, 2 and 3 x 1024
# bytes per microframe. A rate counts when no packet was empty, errored or
# (isostream) missing from the sequence, and the device saw no underrun.
. /guest/iso.sh

section "bench: iso IN, highest zero-loss rate (kernel SourceSink vs isostream)"
if [ -z "$(iso_stats_file)" ]; then
	skip bench/iso "$(cat "/lib/modules/$(uname -r)/dummy_hcd-iso.skip" 2>/dev/null ||
		echo "stock dummy_hcd (no iso_stats)")"
else
	ISO_SECONDS=${ISO_BENCH_SECONDS:-5}
	ISO_SS_SECONDS=$ISO_SECONDS
	rm -f /tmp/iso.kernel-dropped
	: >/tmp/iso.rates
	for mult in 1 2 3; do
		ss_stream "hs-${mult}x1024" "$mult"
	done
	isostream_run hs-1x1024 /descriptors/isostream.conf "$ISO_SECONDS"
	isostream_run hs-2x1024 /descriptors/isostream-hb2.conf "$ISO_SECONDS"
	isostream_run hs-3x1024 /descriptors/isostream-hb3.conf "$ISO_SECONDS"
	# best SIDE: the highest MB/s among that side's zero-loss runs.
	best() {
		local l
		for l in hs-1x1024 hs-2x1024 hs-3x1024; do
			grep -q "^PASS iso/$1/$l\$" "$RESULTS" || continue
			sed -n "s|^$1/$l [0-9]* \([0-9.]*\)\$|\1 $l|p" /tmp/iso.rates
		done | sort -n | tail -n 1
	}
	k=$(best kernel) f=$(best ffs)
	printf '  %-22s %18s %18s %7s\n' "" "kernel SourceSink" "ffsgadget" ratio
	printf '  %-22s %18s %18s %7s\n' "zero-loss iso IN MB/s" "${k:--}" "${f:--}" \
		"$(echo "${k%% *} ${f%% *}" | awk 'NF == 2 && $1 > 0 { printf "%.2f", $2 / $1 }')"
	say "  all runs (packets/s, MB/s):"
	sed 's/^/    /' /tmp/iso.rates
fi
