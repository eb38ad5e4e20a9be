#!/bin/sh
# Unbinds and removes a gadget made by gadget-up.sh, in the reverse order of
# creation: configfs refuses to remove a directory that is still referenced.
#
# usage: gadget-down.sh [-g NAME] [-u]
#   -g NAME   gadget directory name (default: ffsgadget)
#   -u        unbind only (keep the gadget; gadget-up.sh -b binds it again)
#
# Stop FunctionFS daemons first: their mounts are unmounted here, which fails
# while a daemon still holds ep0 open.
set -eu

cfs=/sys/kernel/config/usb_gadget
name=ffsgadget unbind_only=0
while getopts "g:u" opt; do
	case $opt in
	g) name=$OPTARG ;;
	u) unbind_only=1 ;;
	*) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
g=$cfs/$name
[ -d "$g" ] || exit 0

# Writing an empty line unbinds; reading UDC back tells whether it is bound.
[ -z "$(cat "$g/UDC")" ] || echo "" >"$g/UDC"
[ "$unbind_only" = 0 ] || exit 0

rc=0
# The os_desc link pins its configuration: it goes first.
for l in "$g"/os_desc/*; do
	if [ -L "$l" ]; then rm "$l"; fi
done
for c in "$g"/configs/*/; do
	[ -d "$c" ] || continue
	for l in "$c"*; do
		if [ -L "$l" ]; then rm "$l"; fi
	done
	for s in "$c"strings/*/; do
		if [ -d "$s" ]; then rmdir "$s"; fi
	done
	rmdir "$c"
done

for f in "$g"/functions/*; do
	[ -d "$f" ] || continue
	case ${f##*/} in
	ffs.*)
		# Unmount every mount of this FunctionFS instance (the source
		# field of /proc/mounts is the instance name).
		inst=${f##*/ffs.}
		for m in $(awk -v i="$inst" \
			'$3 == "functionfs" && $1 == i { print $2 }' /proc/mounts); do
			umount "$m" || rc=1
		done
		;;
	esac
	rmdir "$f" || rc=1
done
for s in "$g"/strings/*/; do
	if [ -d "$s" ]; then rmdir "$s"; fi
done
rmdir "$g" || rc=1
exit $rc
