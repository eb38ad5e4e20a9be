# The bench's iso part (sourced by scenario-bench.sh): the highest rate at
# which each side streams iso IN without losing a packet, in the same VM:
# the in-kernel SourceSink, then ffsgadget's isostream, at 1, 2 and 3 x 1024
# bytes per microframe. A rate counts when no packet was empty, errored or
# (isostream) missing from the sequence, and the device saw no underrun.
# The curve (section iso-curve) runs in a boot of its own (run.sh: -icount).
. /guest/iso.sh

if bench_wants iso; then
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
		isostream_run hs-1x1024 "$ISO_DESC/isostream.conf" "$ISO_SECONDS"
		isostream_run hs-2x1024 "$ISO_DESC/isostream-hb2.conf" "$ISO_SECONDS"
		isostream_run hs-3x1024 "$ISO_DESC/isostream-hb3.conf" "$ISO_SECONDS"
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
fi

# ---- the zero-loss curve over queue depths ---------------------------------
# For SourceSink (iso_qlen=D) and isostream (queue = D in its description),
# at 1 x 1024 and 3 x 1024 B per microframe, each depth streams
# ISO_CURVE_SECONDS of iso IN to ffsgadget-host; isostream runs without and
# with its real-time mode (--realtime fifo:$ISO_RT_PRIO), on an idle guest and
# again beside a busy loop at the default priority (a board doing other
# work: what the real-time mode is for). A run is zero-loss when the host
# got packets, none empty or errored, none missing from the sequence
# (isostream), no underrun counted by the device, and (isostream) at least
# 9/10 of the run's intervals arrived. Packet age (device stamp to arrival,
# p50/p99) needs isostream's stamps: SourceSink sends zeros.
# The guest runs on -icount (run.sh): one CPU, a clock that follows its
# instructions, so the curve does not move with the host's load. Figures,
# not assertions.
ISO_CURVE_SECONDS=${ISO_CURVE_SECONDS:-10}
ISO_CURVE_DEPTHS=${ISO_CURVE_DEPTHS:-4 8 16 32 64 128 256 1024}
ISO_CURVE_MULTS=${ISO_CURVE_MULTS:-1 3}
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
	sed "s/queue = [0-9]*;/queue = $depth;/" "$conf" >"$dconf"
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
		if [ "${side#ffs-rt}" != "$side" ] && ! grep -Eq 'realtime: SCHED_(FIFO|RR) priority [0-9]+(,| *$)' "$FFS_LOG"; then
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

if ! bench_wants iso-curve; then
	:
elif [ -n "$(iso_stats_file)" ] && ffs_available; then
	section "bench: iso IN zero-loss curve over queue depths ($ISO_CURVE_SECONDS s each)"
	# What the systemd unit grants (LimitRTPRIO=95, LimitMEMLOCK=infinity):
	# the daemon keeps these limits when it drops to the scheme's user.
	# Without them every real-time run was refused and ran as the other.
	ulimit -r 95 && ulimit -l unlimited || say "  cannot raise RLIMIT_RTPRIO/MEMLOCK: real-time runs will be refused"
	# The host keeps 64 transfers of 8 packets in flight (64 ms): with 48 x 64
	# (iso.sh's, for a host process TCG starves) each 3 x 1024 transfer is a
	# 192 KiB buffer usbfs allocates whole, and on this one CPU every 10 s
	# run had one 4-7 ms gap in the gadget's queue (both sides of isostream,
	# device and host counts agreeing); with 8 packets none.
	iso_host_queue 64 8
	for mult in $ISO_CURVE_MULTS; do
		label="hs-${mult}x1024"
		conf=/descriptors/isostream.conf
		[ "$mult" = 1 ] || conf=/descriptors/isostream-hb$mult.conf
		for d in $ISO_CURVE_DEPTHS; do
			curve_kernel "$label" "$mult" "$d"
			curve_ffs ffs "$label" "$conf" "$d"
			curve_ffs ffs-rt "$label" "$conf" "$d" --realtime "fifo:$ISO_RT_PRIO"
			# A busy loop at the default priority beside the daemon.
			(while :; do :; done) &
			hog=$!
			curve_ffs ffs-load "$label" "$conf" "$d"
			curve_ffs ffs-rt-load "$label" "$conf" "$d" --realtime "fifo:$ISO_RT_PRIO"
			kill "$hog"
			wait "$hog" 2>/dev/null
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
	for mult in $ISO_CURVE_MULTS; do
		label="hs-${mult}x1024"
		printf '  %-10s %5s  %-17s %-33s %-33s %-33s %-33s\n' "$label" depth "kernel SourceSink" \
			"isostream" "isostream, realtime" "isostream, busy loop" "isostream, realtime, busy loop"
		for d in $ISO_CURVE_DEPTHS; do
			row=""
			for side in kernel ffs ffs-rt ffs-load ffs-rt-load; do
				cell=$(awk -v s="$side" -v l="$label" -v d="$d" '
					$1 == s && $2 == l && $3 == d {
						printf "%s %s", ($4 == 1 ? "ok" : "LOSS"), $5
						if ($6 != "-") printf " %s/%s", $6, $7 }' /tmp/iso.curve | tr ' ' '_')
				row="$row ${cell:--}"
			done
			# shellcheck disable=SC2086
			printf '  %-10s %5s  %-17s %-33s %-33s %-33s %-33s\n' "" "$d" $row
		done
		ratio() { echo "$1 $2" | awk 'NF == 2 && $1 > 0 { printf "%.2f", $2 / $1 }'; }
		for how in smallest steady; do
			k=$($how kernel "$label") line=""
			for side in ffs ffs-rt ffs-load ffs-rt-load; do
				v=$($how "$side" "$label")
				case $side in
				ffs) name=isostream ;;
				ffs-rt) name="isostream realtime" ;;
				ffs-load) name="isostream beside a busy loop" ;;
				ffs-rt-load) name="isostream realtime beside a busy loop" ;;
				esac
				line="$line, $name ${v:--} (ratio ${v:+$(ratio "$k" "$v")})"
			done
			case $how in
			smallest) say "  $label smallest zero-loss depth: kernel ${k:--}$line" ;;
			steady) say "  $label zero-loss from this depth up: kernel ${k:--}$line" ;;
			esac
		done
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
