#!/bin/sh
# The shipped systemd units (and the board image's first-boot unit, its
# script from the tree), checked by systemd's own parser
# (systemd-analyze verify): unknown keys, bad values, missing executables.
# verify only warns about most of these and still exits 0, so any output
# naming the unit fails, and so does a non-zero exit whatever it names.  Templates are checked as an instance; /usr/bin/ffsgadget is the
# build's binary, which must exist.
#
# usage: systemd-verify.sh BUILD_DIR
set -eu
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)

if ! command -v systemd-analyze >/dev/null; then
	echo "systemd: systemd-analyze missing (tests/deps.sh installs systemd)" >&2
	exit 1
fi
[ -x "$build/ffsgadget" ] || { echo "systemd: $build/ffsgadget not built" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
for unit in "$here"/configs/systemd/*.service "$here"/boards/image/firstboot/*.service; do
	name=$(basename "$unit")
	case $name in *@.service) name=${name%@.service}@check.service ;; esac
	sed -e "s|/usr/bin/ffsgadget|$build/ffsgadget|g" \
		-e "s|/usr/lib/ffsgadget-image/|$here/boards/image/firstboot/|g" "$unit" >"$tmp/$name"
	rc=0
	out=$(systemd-analyze verify "$tmp/$name" 2>&1) || rc=$?
	# Lines about other units than ours (the host's own) are not ours to
	# judge; a failed verify is, whatever its message names.
	ours=$(printf '%s\n' "$out" | grep -F "$name" || true)
	[ "$rc" = 0 ] || ours="systemd-analyze verify exited $rc:
$out"
	out=$ours
	if [ -z "$out" ]; then
		pass=$((pass + 1))
		echo "systemd: $(basename "$unit"): ok"
	else
		fail=$((fail + 1))
		echo "systemd: $(basename "$unit"):"
		printf '%s\n' "$out" | sed 's/^/  /'
	fi
done
# What the units grant must cover what the shipped descriptions ask: a
# realtime priority needs LimitRTPRIO= at least that high (the daemons may
# run as an unprivileged user, where only the limit counts), a memory lock
# LimitMEMLOCK=infinity (unless the description says lock_memory = false).
# The priority is read from the realtime group's text.
for unit in "$here"/configs/systemd/*.service; do
	grep -q 'ffsgadget up' "$unit" || continue
	rtprio=$(sed -n 's/^LimitRTPRIO=\([0-9]*\)$/\1/p' "$unit" | tail -n 1)
	memlock=$(sed -n 's/^LimitMEMLOCK=\(.*\)$/\1/p' "$unit" | tail -n 1)
	for d in "$here"/descriptors/*.conf; do
		prio=$(sed 's/#.*//' "$d" | sed -n '/realtime *= *{/,/};/p' |
			grep -o 'priority *= *[0-9]*' | grep -o '[0-9]*$' | head -n 1)
		[ -n "$prio" ] || continue
		if [ -z "$rtprio" ] || [ "$rtprio" -lt "$prio" ]; then
			fail=$((fail + 1))
			echo "systemd: $(basename "$unit"): LimitRTPRIO=${rtprio:-unset} is below" \
				"$(basename "$d")'s realtime priority $prio"
		elif [ "$memlock" != infinity ] && ! grep -q 'lock_memory *= *false' "$d"; then
			fail=$((fail + 1))
			echo "systemd: $(basename "$unit"): LimitMEMLOCK=${memlock:-unset}, and" \
				"$(basename "$d") locks its memory"
		else
			echo "systemd: $(basename "$unit") grants $(basename "$d")'s realtime priority $prio"
		fi
	done
done
echo "systemd: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
