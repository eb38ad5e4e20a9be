#!/bin/sh
# The first-boot script (firstboot/ffsgadget-firstboot) on scratch trees,
# here on the build machine: good files applied, every kind of bad file
# refused with a message naming the file (and the line), left as
# NAME.rejected, nothing changed by it, and the script still exiting 0 so
# the board boots on. Prints "firstboot: N passed, N failed".
#
# usage: boards/image/test-firstboot.sh [FFSGADGET]   (default: build/ffsgadget)
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
script=$here/firstboot/ffsgadget-firstboot
ffsgadget=${1:-$repo/build/ffsgadget}
[ -x "$ffsgadget" ] || { echo "firstboot: no $ffsgadget (make all)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "firstboot: FAIL $*"; }

# A fresh tree: the files the script edits, as the image has them.
tree() {
	t=$work/t
	rm -rf "$t"
	mkdir -p "$t/boot/firmware" "$t/etc/ffsgadget" "$t/etc/systemd/system/multi-user.target.wants"
	printf 'ffsgadget\n' >"$t/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tffsgadget\n' >"$t/etc/hosts"
	printf 'root:*:20000:0:99999:7:::\ndaemon:*:20000:0:99999:7:::\n' >"$t/etc/shadow"
	chmod 640 "$t/etc/shadow"
	ln -s /usr/lib/systemd/system/ffsgadget@.service \
		"$t/etc/systemd/system/multi-user.target.wants/ffsgadget@gadget-zero.service"
	rm -rf "$work/etc.before"
	cp -a "$t/etc" "$work/etc.before"
}

# run: the script on the tree; its output in $out, its status checked.
run() {
	out=$(FFS_FIRSTBOOT_ROOT=$t FFS_FIRSTBOOT_FFSGADGET=$ffsgadget sh "$script" 2>&1)
	rc=$?
	[ "$rc" = 0 ] || fail "exit status $rc (must be 0: the board boots on): $out"
}

# refused NAME PATTERN WHAT: the file was refused with a message matching
# PATTERN, left as NAME.rejected, and /etc is as it was.
refused() {
	if printf '%s\n' "$out" | grep -q "^ffsgadget-firstboot: $1: .*$2" &&
		[ -e "$t/boot/firmware/$1.rejected" ] && [ ! -e "$t/boot/firmware/$1" ] &&
		diff -r --no-dereference "$work/etc.before" "$t/etc" >/dev/null; then
		pass
	else
		fail "$3: not refused as expected (message /$2/, $1.rejected, /etc unchanged): $out"
	fi
	rm -rf "$work/etc.before"
}

bad() { # NAME CONTENT(printf format) PATTERN WHAT
	tree
	# shellcheck disable=SC2059
	printf -- "$2" >"$t/boot/firmware/$1"
	run
	refused "$1" "$3" "$4"
}

# hostname
tree
printf 'Pi-Gadget\r\n' >"$t/boot/firmware/hostname"
run
if [ "$(cat "$t/etc/hostname")" = pi-gadget ] && grep -q "^127.0.1.1	pi-gadget$" "$t/etc/hosts" &&
	[ ! -e "$t/boot/firmware/hostname" ] && printf '%s' "$out" | grep -q 'hostname: set to pi-gadget'; then
	pass
else
	fail "hostname with CRLF not applied: $out"
fi
bad hostname '-bad\n' "line 1: '-bad' is not a host name" "hostname starting with -"
bad hostname 'two words\n' "is not a host name" "hostname with a space"
bad hostname 'one\ntwo\n' "has 2 lines" "two-line hostname"
bad hostname '' "is empty" "empty hostname"
bad hostname 'h\000x\n' "NUL" "hostname with a NUL byte"
bad hostname 'h\303\251\n' "line 1: holds a byte that is not printable ASCII" "UTF-8 hostname"
bad hostname "$(printf '%0300d' 0)" "more than 256" "300-byte hostname"
bad hostname "$(printf 'a%.0s' $(seq 64))\n" "is not a host name" "64-character label"

# password-hash
hash='$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o7TMzjtUEnrr8ElNBnSk7eL.d8ndC/qD0'
tree
printf '%s\n' "$hash" >"$t/boot/firmware/password-hash"
run
if [ "$(awk -F: '$1 == "root" { print $2 }' "$t/etc/shadow")" = "$hash" ] &&
	grep -q '^daemon:\*:' "$t/etc/shadow" && [ "$(stat -c %a "$t/etc/shadow")" = 640 ] &&
	[ ! -e "$t/boot/firmware/password-hash" ]; then
	pass
else
	fail "password hash not applied: $out"
fi
bad password-hash 'secret\n' "not a crypt(5) hash" "plain-text password"
bad password-hash '$1$abcdefgh$abcdefghijklmnopqrstuv\n' "not a crypt(5) hash" "MD5 crypt"
bad password-hash '$6$salt:x$hash\n' "not a crypt(5) hash" "hash with a colon"
bad password-hash '$y$j9T$abc\n$y$j9T$abc\n' "has 2 lines" "two hashes"

# authorized_keys
ssh-keygen -q -t ed25519 -N '' -C 'user@laptop' -f "$work/k1" >/dev/null
ssh-keygen -q -t ecdsa -N '' -f "$work/k2" >/dev/null
tree
{ echo '# my keys'; cat "$work/k1.pub"; echo; tr -d '\n' <"$work/k2.pub"; printf '\r\n'; cat "$work/k1.pub"; } \
	>"$t/boot/firmware/authorized_keys"
run
ak=$t/root/.ssh/authorized_keys
if [ -f "$ak" ] && [ "$(wc -l <"$ak")" = 2 ] && grep -qxF "$(cat "$work/k1.pub")" "$ak" &&
	grep -qxF "$(cat "$work/k2.pub")" "$ak" && [ "$(stat -c %a "$ak")" = 600 ] &&
	[ "$(stat -c %a "$t/root/.ssh")" = 700 ] && [ "$(stat -c %u:%g "$ak")" = 0:0 ] &&
	[ ! -e "$t/boot/firmware/authorized_keys" ]; then
	pass
else
	fail "authorized_keys not applied as root's (2 keys, 0600, .ssh 0700): $out"
fi
good_key=$(cat "$work/k1.pub")
bad authorized_keys "$good_key\\nssh-dss AAAAB3NzaC1kc3MAAACBAP\\n" "line 2: not 'TYPE BASE64" "ssh-dss key"
bad authorized_keys 'command="/bin/sh" '"$good_key"'\n' "line 1: not 'TYPE BASE64" "key with options"
bad authorized_keys 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJunk\n' "line 1: ssh-keygen does not read this key" "damaged key"
bad authorized_keys '# nothing\n\n' "holds no key" "comments only"
bad authorized_keys 'ssh-ed25519 AAAA$(reboot)\n' "line 1: not 'TYPE BASE64" "shell in the key"

# gadget.scheme
tree
sed 's|"\.\./descriptors/\([^"]*\)";.*|"'"$repo"'/descriptors/\1";|' "$repo/configs/gadget-zero.scheme" \
	>"$t/boot/firmware/gadget.scheme"
run
wants=$t/etc/systemd/system/multi-user.target.wants
if [ -f "$t/etc/ffsgadget/boot.scheme" ] && [ -L "$wants/ffsgadget@boot.service" ] &&
	[ ! -e "$wants/ffsgadget@gadget-zero.service" ] && [ ! -L "$wants/ffsgadget@gadget-zero.service" ] &&
	[ ! -e "$t/boot/firmware/gadget.scheme" ] && [ ! -e "$t/etc/ffsgadget/.boot-candidate.scheme" ]; then
	pass
else
	fail "gadget.scheme not installed as boot.scheme with ffsgadget@boot enabled: $out"
fi
bad gadget.scheme 'functions = {\n' "gadget.scheme:2: syntax error" "scheme with a syntax error"
bad gadget.scheme 'functions = { f = { instance = "x"; type = "ffs"; ffsgadget = { description = "/nonexistent.conf"; }; }; };\n' \
	"gadget.scheme:1: ffs.x: its description /nonexistent.conf is refused" "scheme naming a missing description"
bad gadget.scheme "$(head -c 300000 /dev/zero | tr '\0' '#')" "more than 262144" "300 kB scheme"
if [ -e "$t/etc/ffsgadget/.boot-candidate.scheme" ]; then fail "a refused scheme's candidate stayed"; else pass; fi

# All four bad at once: every one reported, the script exits 0.
tree
printf 'x y\n' >"$t/boot/firmware/hostname"
printf 'pw\n' >"$t/boot/firmware/password-hash"
printf 'nokey\n' >"$t/boot/firmware/authorized_keys"
printf '{\n' >"$t/boot/firmware/gadget.scheme"
run
if [ "$(printf '%s\n' "$out" | grep -c 'file ignored, left as')" = 4 ] &&
	printf '%s\n' "$out" | grep -q '4 file(s) rejected'; then
	pass
else
	fail "four bad files not all reported: $out"
fi
# Nothing on the boot partition: nothing said but what is done.
tree
run
if [ -z "$out" ] && diff -r --no-dereference "$work/etc.before" "$t/etc" >/dev/null; then pass; else fail "no files, yet: $out"; fi

echo "firstboot: $passed passed, $failed failed"
[ "$failed" = 0 ]
