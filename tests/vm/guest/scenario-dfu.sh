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

# dfu_up [CONF]: ffsgadget up with the DFU description; the host enumerates
# it (usbtest has nothing to bind: a DFU interface has no endpoints).
dfu_up() {
	: >"$FFS_LOG"
	ffsgadget up --name "$GADGET" --description "zero=${1:-$DFU_CONF}" "$(ffs_scheme)" \
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

	# Upload from a command on the board (upload_command): its standard
	# output (deterministic, a few hundred KiB) is the upload, byte for
	# byte.  A command that exits 3, or says nothing (upload_timeout, 2 s by
	# default, under dfu-util's 5 s), STALLs into dfuERROR/errUNKNOWN (the
	# daemon's log says so, at the request or, when the exit came after it,
	# at the deferred answer): dfu-util fails, the command is killed and
	# reaped, and the next dfu-util uploads again (its SET_INTERFACE, an
	# ENABLE to FunctionFS, returns the machine to dfuIDLE before it looks).
	DFU_CMD_DIR=/tmp/dfu-cmd
	mkdir -p "$DFU_CMD_DIR"
	[ -z "$FFS_USER" ] || chown "$FFS_USER:$FFS_USER" "$DFU_CMD_DIR"
	{
		echo '#!/bin/sh'
		echo "echo \$\$ >$DFU_CMD_DIR/pid"
		echo "case \$(cat $DFU_CMD_DIR/mode) in"
		echo 'fail) seq 1 3000; exit 3 ;;'
		echo 'silent) exec sleep 60 ;;'
		echo 'esac'
		printf '%s\n' "exec awk 'BEGIN { for (i = 0; i < 13000; i++) printf \"%06d %s\\n\", i, substr(\"0123456789abcdefghijklmnopqrstuvwxyz\", 1 + i % 36) }'"
	} >/tmp/dfu-produce.sh
	chmod 0755 /tmp/dfu-produce.sh
	echo ok >"$DFU_CMD_DIR/mode"
	/tmp/dfu-produce.sh >/tmp/dfu-expected.bin
	sed "s|image = \"[^\"]*\";|image = \"$DFU_IMAGE\";|; s|^  options = {|  options = {\n    upload_command = \"/tmp/dfu-produce.sh\";|" \
		/descriptors/dfu.conf >/tmp/dfu-cmd.conf
	# cmd_gone: the last command's process is gone, not even a zombie.
	cmd_gone() { p=$(cat "$DFU_CMD_DIR/pid" 2>/dev/null); [ -n "$p" ] && [ ! -e "/proc/$p" ]; }
	# cmd_upload NAME: dfu-util -U into /tmp/dfu-NAME.bin; its exit status in rc.
	cmd_upload() {
		rm -f "/tmp/dfu-$1.bin" "$DFU_CMD_DIR/pid"
		t0=$(date +%s)
		dfu-util -d "$GZ_VID:$GZ_PID" -a 0 -U "/tmp/dfu-$1.bin" >"/tmp/dfu-$1.out" 2>&1
		rc=$?
		took=$(($(date +%s) - t0))
		detail <"/tmp/dfu-$1.out"
	}
	if dfu_up /tmp/dfu-cmd.conf; then
		cmd_upload cmd-up
		if [ "$rc" = 0 ] && cmp -s /tmp/dfu-cmd-up.bin /tmp/dfu-expected.bin; then
			pass dfu/upload-command
			say "  upload from a command: $(wc -c </tmp/dfu-expected.bin) bytes in ${took} s"
		else
			fail dfu/upload-command "dfu-util -U exited $rc; uploaded $(wc -c </tmp/dfu-cmd-up.bin 2>/dev/null) bytes, the command writes $(wc -c </tmp/dfu-expected.bin)"
		fi
		wait_for 5 cmd_gone
		check dfu/upload-command-reaped "the command (pid $(cat "$DFU_CMD_DIR/pid" 2>/dev/null)) is still there after the upload" cmd_gone

		echo fail >"$DFU_CMD_DIR/mode"
		cmd_upload cmd-fail
		if [ "$rc" != 0 ] && grep -q 'Error during upload' /tmp/dfu-cmd-fail.out && cmd_gone &&
			grep -q 'dfu-produce.sh exited with status 3' "$FFS_LOG" &&
			[ "$(grep -c 'dfuERROR, status 14' "$FFS_LOG")" -ge 1 ]; then
			pass dfu/upload-command-fails
		else
			fail dfu/upload-command-fails "dfu-util exited $rc (must fail); 'Error during upload': $(grep -c 'Error during upload' /tmp/dfu-cmd-fail.out); command gone: $(cmd_gone && echo yes || echo no); daemon saw exit 3: $(grep -c 'exited with status 3' "$FFS_LOG"), dfuERROR/errUNKNOWN: $(grep -c 'dfuERROR, status 14' "$FFS_LOG")"
		fi

		echo silent >"$DFU_CMD_DIR/mode"
		cmd_upload cmd-silent
		# The device's STALL, not the host's timeout: dfu-util fails with a pipe error.
		if [ "$rc" != 0 ] && grep -q 'Error during upload (LIBUSB_ERROR_PIPE)' /tmp/dfu-cmd-silent.out &&
			cmd_gone && grep -q 'dfu-produce.sh gave 0 of the 4096 bytes asked within 2000 ms' "$FFS_LOG" &&
			[ "$(grep -c 'dfuERROR, status 14' "$FFS_LOG")" -ge 2 ]; then
			pass dfu/upload-command-silent-stalls
			say "  silent command: dfu-util failed after ${took} s (STALL at 2 s)"
		else
			fail dfu/upload-command-silent-stalls "dfu-util exited $rc after ${took} s; pipe error: $(grep -c 'LIBUSB_ERROR_PIPE' /tmp/dfu-cmd-silent.out); command gone: $(cmd_gone && echo yes || echo no); daemon's timeout line: $(grep -c 'within 2000 ms' "$FFS_LOG"), dfuERROR/errUNKNOWN lines: $(grep -c 'dfuERROR, status 14' "$FFS_LOG") (2 wanted)"
		fi

		echo ok >"$DFU_CMD_DIR/mode"
		cmd_upload cmd-again
		if [ "$rc" = 0 ] && cmp -s /tmp/dfu-cmd-again.bin /tmp/dfu-expected.bin; then
			pass dfu/upload-command-recovers
		else
			fail dfu/upload-command-recovers "dfu-util exited $rc; bytes equal: $(cmp -s /tmp/dfu-cmd-again.bin /tmp/dfu-expected.bin && echo yes || echo no)"
		fi
		wait_for 5 cmd_gone
		# cmd_left: a process of the command (any mode) still there.
		cmd_left() { ps | grep -e '[d]fu-produce' -e '[s]leep 60' -e '[a]wk BEGIN' -e '[s]eq 1 3000'; }
		check dfu/upload-command-none-left "processes of the command left: $(cmd_left)" \
			eval '! cmd_left >/dev/null'
	else
		fail dfu/upload-command-enumerate "the DFU gadget with an upload command did not enumerate"
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
