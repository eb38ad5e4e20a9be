#!/bin/sh
# Prints deb822 apt sources for Debian SUITE (bookworm, trixie, ...) built
# from the mirrors this machine's own apt sources already name: every Debian
# index apt knows (apt-get indextargets, so one-line and deb822 sources alike)
# with the machine's codename in the suite replaced by SUITE, so
# bookworm-security becomes trixie-security. No mirror name is written down
# anywhere: it is read from the machine each time.
#
# usage: tests/debian/sources.sh SUITE [COMPONENT...]
#   COMPONENTs are added to the ones the machine uses (the images need
#   non-free-firmware for the Raspberry Pi's boot firmware).
set -eu
suite=${1:?usage: sources.sh SUITE [COMPONENT...]}
shift
extra=$*

# shellcheck disable=SC1091
host=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$host" ] || { echo "sources: /etc/os-release names no codename" >&2; exit 1; }
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || { echo "sources: no $keyring (apt-get install debian-archive-keyring)" >&2; exit 1; }

targets=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT) $(ORIGIN)' \
	'Identifier: Packages' 2>/dev/null | awk '$4 == "Debian"' | sort -u)
if [ -z "$targets" ]; then
	echo "sources: apt knows no Debian index on this machine (run apt-get update)" >&2
	exit 1
fi
echo "$targets" | awk -v host="$host" -v suite="$suite" -v extra="$extra" -v key="$keyring" '
	# Only the machine codename suites: backports or experimental lines stay out.
	$2 == host || index($2, host "-") == 1 {
		rel = suite substr($2, length(host) + 1)
		k = $1 " " rel
		if (!(k in comps)) { order[++n] = k; comps[k] = "" }
		if (index(" " comps[k] " ", " " $3 " ") == 0) comps[k] = comps[k] " " $3
	}
	END {
		if (n == 0) { print "sources: no " host " suite among the machine'\''s Debian sources" > "/dev/stderr"; exit 1 }
		for (i = 1; i <= n; i++) {
			split(order[i], f, " ")
			c = substr(comps[order[i]], 2)
			m = split(extra, e, " ")
			for (j = 1; j <= m; j++)
				if (index(" " c " ", " " e[j] " ") == 0) c = c " " e[j]
			printf "Types: deb\nURIs: %s\nSuites: %s\nComponents: %s\nSigned-By: %s\n\n", f[1], f[2], c, key
		}
	}'
