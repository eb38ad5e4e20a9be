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

# ---- the zero-loss curve over queue depths ---------------------------------
# For SourceSink (iso_qlen=D) and isostream (queue = D in its description),
# at 1 x 1024 and 3 x 1024 B per microframe, each depth streams
# ISO_CURVE_SECONDS of iso IN to ffsgadget-host; isostream runs without and
# with its real-time mode (--realtime fifo:$ISO_RT_PRIO). A run is zero-loss
# when the host got packets, none empty or errored, none missing from the
# sequence (isostream), no underrun counted by the device, and (isostream)
# at least 9/10 of the run's intervals arrived. Packet age (device stamp to
# arrival, p50/p99) needs isostream's stamps: SourceSink sends zeros.
# Figures, not assertions: TCG timing on a shared host varies with load.
ISO_CURVE_SECONDS=${ISO_CURVE_SECONDS:-10}
ISO_CURVE_DEPTHS=${ISO_CURVE_DEPTHS:-8 16 32 64 128 256 1024}
ISO_RT_PRIO=${ISO_RT_PRIO:-50}
: >/tmp/iso.curve
rm -f /tmp/iso-rt-said

# curve_line SIDE LABEL DEPTH OUTFILE UNDERRUNS: "SIDE LABEL DEPTH ZERO LOSS p50 p99" to /tmp/iso.curve.
curve_line() {
	local side=$1 label=$2 depth=$3 out=$4 un=$5 pk lost e er p50 p99 zero=0 want
	pk=$(host_num "$out" "iso packets") lost=$(host_num "$out" lost)
	e=$(host_num "$out" empty) er=$(host_num "$out" errored)
	p50=$(sed -n 's/.*packet age us.*p50 \([0-9.]*\),.*/\1/p' "$out" | head -n 1)
	p99=$(sed -n 's/.*packet age us.*p99 \([0-9.]*\),.*/\1/p' "$out" | head -n 1)
	want=$((ISO_CURVE_SECONDS * 7200))
	[ "$side" = kernel ] && want=1
	if [ -n "$pk" ] && [ "$pk" -ge "$want" ] && [ "${e:-1}" = 0 ] && [ "${er:-1}" = 0 ] &&
		[ "${lost:-0}" = 0 ] && [ "${un:-0}" = 0 ]; then
		zero=1
	fi
	echo "$side $label $depth $zero ${pk:-0}/${e:-?}/${er:-?}/${lost:--}/${un:--} ${p50:--} ${p99:--}" \
		>>/tmp/iso.curve
}

curve_kernel() {
	local label=$1 mult=$2 depth=$3 out=/tmp/curve-k.out
	# shellcheck disable=SC2086
	if gadget_up -a SourceSink.0/pattern=0 -a SourceSink.0/isoc_interval=1 \
		-a SourceSink.0/isoc_maxpacket=1024 -a "SourceSink.0/isoc_mult=$((mult - 1))" \
		-a "SourceSink.0/iso_qlen=$depth" SourceSink.0 && wait_enum 10; then
		# shellcheck disable=SC2086
		ffsgadget-host read --ep iso-in --pattern none --seconds "$ISO_CURVE_SECONDS" \
			$ISO_HOST >"$out" 2>&1
		detail <"$out"
		curve_line kernel "$label" "$depth" "$out" 0
	else
		echo "kernel $label $depth 0 enumeration-failed - -" >>/tmp/iso.curve
	fi
	gadget_down || echo "SourceSink teardown failed" | detail
}

curve_ffs() {
	local side=$1 label=$2 conf=$3 depth=$4 out=/tmp/curve-f.out dconf=/tmp/iso-curve.conf un
	shift 4
	sed "s/queue = 1024;/queue = $depth;/" "$conf" >"$dconf"
	: >"$FFS_LOG"
	if ffs_up "$dconf" "$@"; then
		ffsgadget-host ctrl 0x41 0x01 1 0 >/dev/null 2>&1 || echo "start failed" | detail
		# shellcheck disable=SC2086
		ffsgadget-host read --ep iso-in --pattern seq --seconds "$ISO_CURVE_SECONDS" \
			$ISO_HOST >"$out" 2>&1
		ffsgadget-host ctrl 0x41 0x02 0 0 >/dev/null 2>&1 || echo "stop failed" | detail
		detail <"$out"
		ffs_down || echo "isostream teardown failed" | detail
		un=$(dev_num in_underruns)
		grep 'realtime' "$FFS_LOG" | head -n 2 | detail
		# What the real-time runs got, said once (refusals name what is missing).
		if [ "$side" = ffs-rt ] && [ ! -e /tmp/iso-rt-said ]; then
			grep 'realtime:' "$FFS_LOG" | sed 's/^/  daemon: /'
			touch /tmp/iso-rt-said
		fi
		# A real-time column whose daemon ran without it would be a lie.
		if [ "$side" = ffs-rt ] && ! grep -Eq 'realtime: SCHED_(FIFO|RR) priority [0-9]+(,| *$)' "$FFS_LOG"; then
			echo "$side $label $depth 0 realtime-refused - -" >>/tmp/iso.curve
		else
			curve_line "$side" "$label" "$depth" "$out" "${un:-}"
		fi
	else
		ffs_down
		echo "$side $label $depth 0 enumeration-failed - -" >>/tmp/iso.curve
	fi
	ffs_log
}

if [ -n "$(iso_stats_file)" ] && ffs_available; then
	section "bench: iso IN zero-loss curve over queue depths ($ISO_CURVE_SECONDS s each)"
	# What the systemd unit grants (LimitRTPRIO=95, LimitMEMLOCK=infinity):
	# the daemon keeps these limits when it drops to the scheme's user.
	# Without them every real-time run was refused and ran as the other.
	ulimit -r 95 && ulimit -l unlimited || say "  cannot raise RLIMIT_RTPRIO/MEMLOCK: real-time runs will be refused"
	for mult in 1 3; do
		label="hs-${mult}x1024"
		conf=/descriptors/isostream.conf
		[ "$mult" = 1 ] || conf=/descriptors/isostream-hb$mult.conf
		for d in $ISO_CURVE_DEPTHS; do
			curve_kernel "$label" "$mult" "$d"
			curve_ffs ffs "$label" "$conf" "$d"
			curve_ffs ffs-rt "$label" "$conf" "$d" --realtime "fifo:$ISO_RT_PRIO"
			grep " $label $d " /tmp/iso.curve | sed 's/^/    /'
		done
	done
	# smallest SIDE LABEL: the smallest zero-loss depth, or "-".
	smallest() {
		awk -v s="$1" -v l="$2" '$1 == s && $2 == l && $4 == 1 { print $3 }' /tmp/iso.curve |
			sort -n | head -n 1
	}
	# steady SIDE LABEL: the smallest depth from which every deeper run was
	# zero-loss too (a lucky shallow run does not count), or "-".
	steady() {
		awk -v s="$1" -v l="$2" '$1 == s && $2 == l { print $3, $4 }' /tmp/iso.curve |
			sort -rn | awk '$2 != 1 { exit } { d = $1 } END { if (d != "") print d }'
	}
	say "  packets/empty/errored/lost/device underruns; age p50/p99 in us (isostream's stamps)"
	for mult in 1 3; do
		label="hs-${mult}x1024"
		printf '  %-10s %5s  %-20s %-40s %-40s\n' "$label" depth "kernel SourceSink" \
			"isostream" "isostream, realtime"
		for d in $ISO_CURVE_DEPTHS; do
			row=""
			for side in kernel ffs ffs-rt; do
				cell=$(awk -v s="$side" -v l="$label" -v d="$d" '
					$1 == s && $2 == l && $3 == d {
						printf "%s %s", ($4 == 1 ? "ok" : "LOSS"), $5
						if ($6 != "-") printf " %s/%s", $6, $7 }' /tmp/iso.curve | tr ' ' '_')
				row="$row ${cell:--}"
			done
			# shellcheck disable=SC2086
			printf '  %-10s %5s  %-20s %-40s %-40s\n' "" "$d" $row
		done
		k=$(smallest kernel "$label") f=$(smallest ffs "$label") r=$(smallest ffs-rt "$label")
		ratio() { echo "$1 $2" | awk 'NF == 2 && $1 > 0 { printf "%.2f", $2 / $1 }'; }
		say "  $label smallest zero-loss depth: kernel ${k:--}, isostream ${f:--}" \
			"(ratio ${f:+$(ratio "$k" "$f")}), isostream realtime ${r:--}" \
			"(ratio ${r:+$(ratio "$k" "$r")})"
		k=$(steady kernel "$label") f=$(steady ffs "$label") r=$(steady ffs-rt "$label")
		say "  $label zero-loss from this depth up: kernel ${k:--}, isostream ${f:--}" \
			"(ratio ${f:+$(ratio "$k" "$f")}), isostream realtime ${r:--}" \
			"(ratio ${r:+$(ratio "$k" "$r")})"
	done
	# What is judged is that every run streamed; loss and age are figures.
	dead=$(awk '$5 !~ /^[1-9]/ { printf " %s/%s/%s", $1, $2, $3 }' /tmp/iso.curve)
	if [ -z "$dead" ]; then
		pass bench/iso-curve
	else
		fail bench/iso-curve "runs that delivered no packet:$dead"
	fi
else
	skip bench/iso-curve "no iso dummy_hcd or no ffsgadget in the image"
fi
