#!/bin/sh
# Installs the Debian packages named that this machine lacks (native ones
# only), and says which, and why an install failed, at the end of the output.
#
# usage: tests/install.sh WHO PACKAGE...   (WHO labels the messages)
set -eu
who=$1
shift
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "$who: installing$missing" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
sh "$(dirname "$0")/apt-update.sh"
log=${TMPDIR:-/tmp}/ffsgadget-install.$$
# Other jobs on the machine may hold the dpkg lock for a while.
# shellcheck disable=SC2086
if ! $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing \
	>"$log" 2>&1; then
	cat "$log" >&2
	echo "$who: FAIL: apt-get could not install:$missing" >&2
	for p in $missing; do
		echo "$who:   $p: $(apt-cache policy "$p" 2>/dev/null |
			sed -n 's/^ *Candidate: //p' | head -n 1 || echo '?') is the candidate" >&2
	done
	echo "$who: try: apt-get update && apt-get install$missing" >&2
	rm -f "$log"
	exit 1
fi
rm -f "$log"
