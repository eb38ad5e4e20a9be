#!/bin/sh
# A Debian root of one suite and one architecture, made by mmdebstrap from
# Debian's packages on the machine's own mirror (sources.sh), cached and
# keyed by the exact versions of the packages in it. One mechanism for:
#   - the cross builds' sysroots (variant extract: -dev packages and their
#     dependency closure, resolved for that architecture alone, so the host's
#     multiarch state and a security update missing for one architecture
#     cannot break them);
#   - a Debian 13 build root with the compiler a 6.12 kernel was built with
#     (variant buildd), entered with chroot, never installed on the host;
#   - the board images' root filesystems.
#
# usage: tests/debian/root.sh [options] NAME PKG...
#   --suite S         Debian suite (default: the machine's own)
#   --arch A          Debian architecture (default: the machine's own)
#   --variant V       mmdebstrap variant (default: extract)
#   --component C     an apt component beyond the machine's (repeatable)
#   --mmdebstrap ARG  passed on to mmdebstrap (repeatable; no spaces: a hook
#                     is best an executable file, run with the root as $1)
#   --local DIR       a flat repository of local packages (DIR/Packages, the
#                     .debs beside it: the project's own), as one more source
#   --key STRING      one more part of the cache key: what the arguments do
#                     not show (the hook scripts' and local .debs' digests)
# Prints the root's path on stdout (progress on stderr). The root lives in
# $FFS_CACHE/roots/SUITE-ARCH-NAME ($FFS_CACHE: ~/.cache/ffsgadget); the
# downloaded .deb files are kept in $FFS_CACHE/debs/SUITE-ARCH so a rebuild
# downloads only what changed. $FFS_ROOT_MAX_AGE (seconds, default 6 h):
# within that age the root is used as it is; after it, the versions are
# resolved again and the root is rebuilt only if one of them changed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)

suite="" arch="" variant=extract components="" extra="" key="" localrepo=""
while [ $# -gt 0 ]; do
	case $1 in
	--suite) suite=$2; shift 2 ;;
	--arch) arch=$2; shift 2 ;;
	--variant) variant=$2; shift 2 ;;
	--component) components="$components $2"; shift 2 ;;
	--mmdebstrap) extra="$extra $2"; shift 2 ;;
	--key) key="$key $2"; shift 2 ;;
	--local) localrepo=$(cd "$2" && pwd); shift 2 ;;
	--) shift; break ;;
	-*) echo "root: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
name=${1:?usage: root.sh [options] NAME PKG...}
shift
# shellcheck disable=SC1091
[ -n "$suite" ] || suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
[ -n "$arch" ] || arch=$(dpkg --print-architecture)

log() { echo "root: $*" >&2; }

cache=${FFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ffsgadget}
root=$cache/roots/$suite-$arch-$name
debs=$cache/debs/$suite-$arch
manifest=.ffsgadget-manifest
mkdir -p "$cache/roots" "$debs"

# The wanted packages are part of the key: a changed list rebuilds the root.
# So is the layout's revision (layout=N), bumped when this script changes
# what it does to a root after mmdebstrap (2: merged-/usr links).
# A hook is named in the key by its file name and content, not by its path:
# every clone (CI's is a new one each run) would otherwise make its own root.
keyextra=""
for a in $extra; do
	case $a in
	--*-hook=/*)
		f=${a#*=}
		[ -f "$f" ] && a="${a%%=*}=$(basename "$f"):$(sha256sum <"$f" | cut -c1-16)"
		;;
	esac
	keyextra="$keyextra $a"
done
want=$(printf '%s\n' layout=2 "$variant" $components "$@" $keyextra $key ${localrepo:+local=$localrepo} | tr '\n' ' ')
if [ -f "$root/$manifest" ] && [ "$(head -n 1 "$root/$manifest")" = "# $want" ]; then
	age=$(( $(date +%s) - $(stat -c %Y "$root/$manifest") ))
	if [ "$age" -lt "${FFS_ROOT_MAX_AGE:-21600}" ]; then
		echo "$root"
		exit 0
	fi
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
need=""
command -v mmdebstrap >/dev/null || need="$need mmdebstrap"
[ -r /usr/share/keyrings/debian-archive-keyring.gpg ] || need="$need debian-archive-keyring"
if [ -n "$need" ]; then
	log "installing$need"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $need >&2
fi

# Foreign-architecture roots for variants that run programs need
# qemu-user-static's binfmt handlers; extract runs nothing.
mode=root
[ "$(id -u)" -eq 0 ] || mode=unshare

new=$(mktemp -d "$cache/roots/.new-$suite-$arch-$name.XXXXXX")
trap 'rm -rf "$new"' EXIT
sources=$(sh "$here/sources.sh" "$suite" $components)
# apt reads a local repository from outside the root (copy:), as it does the
# mirror: dpkg in the root never needs the host's paths.
if [ -n "$localrepo" ]; then
	[ -r "$localrepo/Packages" ] || { log "no $localrepo/Packages"; exit 1; }
	sources=$(printf '%s\n\nTypes: deb\nURIs: copy://%s\nSuites: ./\nTrusted: yes\n' "$sources" "$localrepo")
fi
include=$(echo "$@" | tr ' ' ',')
log "$suite/$arch $name ($variant): resolving and extracting $*"
# The .deb files go in from the cache and come back out, new ones included,
# before mmdebstrap's clean-up empties the archive directory; their names
# (package_version_arch) are the manifest. The extract variant runs no
# customize hooks, the others' extract hook sees the essential set only: the
# later hook has the last word.
keep="cp -u \"\$1\"/var/cache/apt/archives/*.deb '$debs'/ &&
	(cd \"\$1/var/cache/apt/archives\" && ls *.deb | sort >\"\$1/$manifest.debs\")"
# shellcheck disable=SC2086
if ! echo "$sources" | mmdebstrap --verbose --mode="$mode" --variant="$variant" \
	--architectures="$arch" ${include:+--include="$include"} \
	--skip=check/empty --skip=output/dev \
	--setup-hook="mkdir -p \"\$1/var/cache/apt/archives\"" \
	--setup-hook="sync-in '$debs' /var/cache/apt/archives" \
	--extract-hook="$keep" --customize-hook="$keep" \
	$extra "$suite" "$new" - >"$new.log" 2>&1; then
	# What was downloaded stays downloaded; the end of the log (the failing
	# maintainer script's own output) says what went wrong.
	cp -u "$new"/var/cache/apt/archives/*.deb "$debs"/ 2>/dev/null || true
	grep -v '^I: ' "$new.log" | tail -n 40 >&2
	log "the whole log: $cache/roots/$suite-$arch-$name.log"
	mv -f "$new.log" "$cache/roots/$suite-$arch-$name.log"
	log "FAIL: mmdebstrap could not make the $suite/$arch root '$name'"
	log "  packages wanted: $*"
	log "  sources (from this machine's apt configuration, suite $suite):"
	echo "$sources" | grep -E '^(URIs|Suites)' | paste - - | sed 's/^/root:     /' >&2
	log "  try: FFS_CACHE=\$(mktemp -d) sh $0 --suite $suite --arch $arch $name $*"
	exit 1
fi
rm -f "$new.log"
# The manifest: what dpkg's database says is installed, where there is one.
# The archive directory is no list of that: it holds every .deb the cache
# synced in (other roots' too) and, by the customize hook, no longer the
# essential set, so a new version of one of those went unnoticed.
if [ "$variant" != extract ] && [ -s "$new/var/lib/dpkg/status" ]; then
	dpkg-query --admindir="$new/var/lib/dpkg" -W -f '${Package}_${Version}_${Architecture}\n' |
		sort >"$new/$manifest.installed"
	{ echo "# $want"; cat "$new/$manifest.installed"; } >"$new/$manifest"
	rm -f "$new/$manifest.installed"
else
	{ echo "# $want"; cat "$new/$manifest.debs"; } >"$new/$manifest"
fi

# A sysroot carries, in DEBIAN/shlibs and DEBIAN/symbols, the dependency
# information of the libraries in it, read from their packages: what
# dpkg-shlibdeps -S finds beside a library it resolves (debian/rules), since
# an extracted root has no dpkg database.
if [ "$variant" = extract ]; then
	mkdir -p "$new/DEBIAN"
	: >"$new/DEBIAN/shlibs"
	: >"$new/DEBIAN/symbols"
	while read -r deb; do
		dpkg-deb --info "$debs/$deb" shlibs >>"$new/DEBIAN/shlibs" 2>/dev/null || true
		dpkg-deb --info "$debs/$deb" symbols >>"$new/DEBIAN/symbols" 2>/dev/null || true
	done <"$new/$manifest.debs"
	# From Debian 13 on, packages ship their files under /usr alone and the
	# /lib -> usr/lib links come with base-files, which an extracted root
	# lacks; libc.so's linker script still names /lib/.../libc.so.6.
	for d in bin sbin lib lib64; do
		if [ -d "$new/usr/$d" ] && [ ! -e "$new/$d" ] && [ ! -L "$new/$d" ]; then
			ln -s "usr/$d" "$new/$d"
		fi
	done
fi

# Absolute links point into the host once the root is a sysroot: make each
# relative to the root (libc.so's linker script is made relative by ld's
# sysroot handling already).
find "$new" -type l -lname '/*' ! -path "$new/dev/*" | while read -r link; do
	target=$(readlink "$link")
	ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$new$target")" "$link"
done

rm -f "$new/$manifest.debs"

# Keep the root that is there when nothing in it changed: its files keep
# their times, so make rebuilds nothing.
if [ -f "$root/$manifest" ] && cmp -s "$root/$manifest" "$new/$manifest"; then
	touch "$root/$manifest"
	log "$suite/$arch $name: unchanged ($(($(wc -l <"$new/$manifest") - 1)) packages)"
else
	rm -rf "$root.old"
	[ ! -d "$root" ] || mv "$root" "$root.old"
	mv "$new" "$root"
	rm -rf "$root.old"
	log "$suite/$arch $name: $(($(wc -l <"$root/$manifest") - 1)) packages in ${root}"
fi
echo "$root"
