# The dfu personality against the host's real dfu-util (Debian's package,
# copied into the image on amd64): download, upload, bytes compared, and a download
# broken off mid-way (dfu-util killed, then the daemon stopped) keeps the
# old image. Before 6.12, FunctionFS refuses the DFU functional descriptor:
# check, doctor and up must say the kernel needs 6.12. Run in a subshell
# by scenario-test.sh (after lib.sh and ffs.sh).

section "dfu: DFU 1.1 with dfu-util (download, upload, interrupted download)"
DFU_DIR=/tmp/dfu
DFU_IMAGE=$DFU_DIR/image.bin
DFU_CONF=/tmp/dfu.conf
mkdir -p "$DFU_DIR"
# The daemon runs as $FFS_USER: the image's directory is its to write.
[ -z "$FFS_USER" ] || chown "$FFS_USER:$FFS_USER" "$DFU_DIR"
sed "s|image = \"[^\"]*\";|image = \"$DFU_IMAGE\";|" /descriptors/dfu.conf >"$DFU_CONF"

# dfu_up: ffsgadget up with the DFU description; the host enumerates it
# (usbtest has nothing to bind: a DFU interface has no endpoints).
dfu_up() {
	: >"$FFS_LOG"
	ffsgadget up --name "$GADGET" --description "zero=$DFU_CONF" "$(ffs_scheme)" \
		>>"$FFS_LOG" 2>&1 && wait_for 10 find_device
}
# make_file PATH KIB SEED: KIB KiB of bytes that differ with SEED.
make_file() {
	awk -v n="$2" -v s="$3" 'BEGIN { for (i = 0; i < n * 64; i++)
		printf "%04d-%08d-%s\n", s, i, substr("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMN", 1 + (i + s) % 20, 1) }' |
		head -c $(($2 * 1024)) >"$1"
}
leftovers() { ls "$DFU_DIR"/image.bin.dfu-* 2>/dev/null; }

# doctor's probe (a scratch FunctionFS, as root) decides which kernel this is.
ffsgadget doctor "$DFU_CONF" >/tmp/dfu-doctor.out 2>&1
if grep -q 'this kernel accepts its descriptors' /tmp/dfu-doctor.out &&
	! command -v dfu-util >/dev/null; then
	fail dfu/dfu-util "the kernel takes DFU but dfu-util is not in the image (tests/deps.sh installs it, mkinitramfs.sh copies it on amd64)"
elif grep -q 'this kernel accepts its descriptors' /tmp/dfu-doctor.out; then
	detail </tmp/dfu-doctor.out
	make_file "$DFU_IMAGE" 64 1
	[ -z "$FFS_USER" ] || chown "$FFS_USER:$FFS_USER" "$DFU_IMAGE"
	make_file /tmp/dfu-new.bin 300 2
	make_file /tmp/dfu-big.bin 4096 3
	if ! dfu_up; then
		fail dfu/enumerate "the DFU gadget did not enumerate"
		ffs_log
	else
		dfu-util -l -d "$GZ_VID:$GZ_PID" >/tmp/dfu-list.out 2>&1
		detail </tmp/dfu-list.out
		check dfu/listed "dfu-util does not list the DFU interface" \
			grep -q 'Found DFU: \[0525:a4a0\].*alt=0' /tmp/dfu-list.out

		# Download, then upload, and compare bytes both ways.
		dfu-util -d "$GZ_VID:$GZ_PID" -a 0 -D /tmp/dfu-new.bin >/tmp/dfu-dn.out 2>&1
		rc=$?
		detail </tmp/dfu-dn.out
		if [ "$rc" = 0 ] && cmp -s /tmp/dfu-new.bin "$DFU_IMAGE"; then
			pass dfu/download
		else
			fail dfu/download "dfu-util -D exited $rc; image $(wc -c <"$DFU_IMAGE") bytes, sent $(wc -c </tmp/dfu-new.bin)"
		fi
		rm -f /tmp/dfu-up.bin
		dfu-util -d "$GZ_VID:$GZ_PID" -a 0 -U /tmp/dfu-up.bin >/tmp/dfu-up.out 2>&1
		rc=$?
		detail </tmp/dfu-up.out
		if [ "$rc" = 0 ] && cmp -s /tmp/dfu-up.bin /tmp/dfu-new.bin; then
			pass dfu/upload
		else
			fail dfu/upload "dfu-util -U exited $rc; uploaded $(wc -c </tmp/dfu-up.bin 2>/dev/null) bytes, image $(wc -c <"$DFU_IMAGE")"
		fi
		check dfu/no-temporary "a temporary image was left behind: $(leftovers)" \
			[ -z "$(leftovers)" ]

		# A download broken off: dfu-util killed once the temporary image
		# has grown; the old image must be intact, the new one discarded by
		# the next client's ABORT.
		cp "$DFU_IMAGE" /tmp/dfu-before.bin
		dfu-util -d "$GZ_VID:$GZ_PID" -a 0 -D /tmp/dfu-big.bin >/tmp/dfu-kill.out 2>&1 &
		dpid=$!
		grown() { t=$(leftovers | head -n 1); [ -n "$t" ] && [ "$(wc -c <"$t")" -gt 65536 ]; }
		wait_for 20 grown
		mid=$(leftovers | head -n 1)
		midsize=$([ -n "$mid" ] && wc -c <"$mid")
		kill -9 "$dpid" 2>/dev/null
		wait "$dpid" 2>/dev/null
		say "  interrupted: dfu-util killed with ${midsize:-no} bytes in ${mid:-no temporary file}"
		if [ -n "$mid" ] && [ "${midsize:-0}" -lt "$(wc -c </tmp/dfu-big.bin)" ] &&
			cmp -s /tmp/dfu-before.bin "$DFU_IMAGE"; then
			pass dfu/interrupted-keeps-image
		else
			fail dfu/interrupted-keeps-image "temporary ${mid:-none} (${midsize:-?} bytes); image unchanged: $(cmp -s /tmp/dfu-before.bin "$DFU_IMAGE" && echo yes || echo no)"
		fi
		# The next dfu-util finds dfuDNLOAD-IDLE and aborts: the device discards.
		dfu-util -d "$GZ_VID:$GZ_PID" -a 0 -U /tmp/dfu-up2.bin >/tmp/dfu-up2.out 2>&1
		rc=$?
		detail </tmp/dfu-up2.out
		if [ "$rc" = 0 ] && cmp -s /tmp/dfu-up2.bin /tmp/dfu-before.bin && [ -z "$(leftovers)" ]; then
			pass dfu/abort-discards
		else
			fail dfu/abort-discards "upload after the kill exited $rc; same as before: $(cmp -s /tmp/dfu-up2.bin /tmp/dfu-before.bin && echo yes || echo no); left: $(leftovers)"
		fi

		# Broken off again, then the daemon stopped (ffsgadget down): discarded too.
		dfu-util -d "$GZ_VID:$GZ_PID" -a 0 -D /tmp/dfu-big.bin >/tmp/dfu-kill2.out 2>&1 &
		dpid=$!
		wait_for 20 grown
		mid=$(leftovers | head -n 1)
		kill -9 "$dpid" 2>/dev/null
		wait "$dpid" 2>/dev/null
		ffs_down
		if [ -n "$mid" ] && [ -z "$(leftovers)" ] && cmp -s /tmp/dfu-before.bin "$DFU_IMAGE"; then
			pass dfu/stopped-keeps-image
		else
			fail dfu/stopped-keeps-image "temporary ${mid:-none}; left after down: $(leftovers); image unchanged: $(cmp -s /tmp/dfu-before.bin "$DFU_IMAGE" && echo yes || echo no)"
		fi
		grep -q 'dfu: download discarded' "$FFS_LOG" ||
			echo "no 'download discarded' line in the daemon's log" | detail
		ffs_log
	fi
	ffs_down 2>/dev/null

	# Manifestation by a command on the board (1 s: dfuMANIFEST is polled):
	# exit 0 accepts the new image, anything else keeps the old one.
	printf '#!/bin/sh\nsleep 1\nhead -c 3 "$1" | grep -q BAD && exit 1\nexit 0\n' \
		>/tmp/dfu-manifest.sh
	chmod 0755 /tmp/dfu-manifest.sh
	sed -i 's|^  options = {|  options = {\n    manifest = "/tmp/dfu-manifest.sh";|' "$DFU_CONF"
	{ printf 'BAD'; head -c 5000 /tmp/dfu-new.bin; } >/tmp/dfu-bad.bin
	if dfu_up; then
		cp "$DFU_IMAGE" /tmp/dfu-before.bin
		dfu-util -d "$GZ_VID:$GZ_PID" -a 0 -D /tmp/dfu-bad.bin >/tmp/dfu-bad.out 2>&1
		rc=$?
		detail </tmp/dfu-bad.out
		# dfu-util 0.11 prints the final state and exits 0 even in dfuERROR.
		if grep -q 'dfuERROR, status(7)' /tmp/dfu-bad.out &&
			cmp -s /tmp/dfu-before.bin "$DFU_IMAGE" && [ -z "$(leftovers)" ]; then
			pass dfu/manifest-refuses
		else
			fail dfu/manifest-refuses "dfu-util exited $rc, no dfuERROR/errVERIFY seen: $(grep -c 'dfuERROR, status(7)' /tmp/dfu-bad.out); image unchanged: $(cmp -s /tmp/dfu-before.bin "$DFU_IMAGE" && echo yes || echo no); left: $(leftovers)"
		fi
		dfu-util -d "$GZ_VID:$GZ_PID" -a 0 -D /tmp/dfu-big.bin >/tmp/dfu-good.out 2>&1
		rc=$?
		detail </tmp/dfu-good.out
		if [ "$rc" = 0 ] && cmp -s /tmp/dfu-big.bin "$DFU_IMAGE"; then
			pass dfu/manifest-accepts
		else
			fail dfu/manifest-accepts "dfu-util exited $rc; image $(wc -c <"$DFU_IMAGE") bytes, sent $(wc -c </tmp/dfu-big.bin)"
		fi
	else
		fail dfu/manifest-enumerate "the DFU gadget with a manifest command did not enumerate"
	fi
	ffs_down 2>/dev/null
	ffs_log
else
	# Before 6.12: each of check, doctor and up must say what is needed.
	detail </tmp/dfu-doctor.out
	check dfu/doctor-says-6.12 "doctor does not say DFU needs 6.12" \
		grep -q 'DFU needs Linux 6.12 or later' /tmp/dfu-doctor.out
	ffsgadget check "$DFU_CONF" >/tmp/dfu-check.out 2>&1
	detail </tmp/dfu-check.out
	check dfu/check-says-6.12 "check does not say DFU needs 6.12" \
		grep -q 'needs Linux 6.12 or later' /tmp/dfu-check.out
	if dfu_up; then
		fail dfu/up-refused "up brought a DFU gadget up on a kernel before 6.12"
	else
		check dfu/up-says-6.12 "up's daemon does not say the kernel refused the DFU descriptor" \
			grep -q 'FunctionFS takes the DFU functional descriptor from Linux 6.12' "$FFS_LOG"
	fi
	ffs_log
	ffs_down 2>/dev/null
fi
