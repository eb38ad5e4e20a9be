#!/bin/sh
# apt-get update that survives a mirror mid-sync: retried, and a partial
# failure (one architecture's index of a foreign arch, say) is a warning, not
# the end of the run: the install that follows fails clearly if a package
# really cannot be had.
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
for try in 1 2 3; do
	if $sudo apt-get update -q >/tmp/ffsgadget-apt-update.log 2>&1; then
		exit 0
	fi
	sleep $((try * 5))
done
echo "apt-update: apt-get update reported errors (see below); going on with the indexes it has" >&2
grep -E '^(E|W):' /tmp/ffsgadget-apt-update.log >&2
exit 0
