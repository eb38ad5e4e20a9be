#!/bin/sh
# Makes a copy of the cached root the image's tree, with file operations
# only (no chroot, no mount): see build.sh, step 3.
#
# usage: boards/image/configure.sh BOARD ARCH LAYOUT TREE
set -eu
here=$(cd "$(dirname "$0")" && pwd)
board=$1 arch=$2 layout=$3 t=$4

log() { echo "image: $board: $*" >&2; }
die() { echo "image: FAIL $board: $*" >&2; exit 1; }

# Labels the kernel command line, fstab and the first-boot growing name.
boot_label=FFSBOOT
root_label=ffsroot

printf 'ffsgadget\n' >"$t/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tffsgadget\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$t/etc/hosts"
cat >"$t/etc/fstab" <<EOT
# ffsgadget image (boards/image/configure.sh)
LABEL=$root_label	/		ext4	defaults,noatime	0 1
LABEL=$boot_label	/boot/firmware	vfat	defaults,umask=0077	0 2
EOT

# Nothing that must differ between cards is shipped: the machine id and the
# SSH host keys are made at first boot (systemd; ffsgadget-firstboot).
printf 'uninitialized\n' >"$t/etc/machine-id"
rm -f "$t/var/lib/dbus/machine-id" "$t"/etc/ssh/ssh_host_*

# No default password: root's is locked ('*': no password matches) until a
# password-hash file on the boot partition sets one.
awk -F: -v OFS=: '$1 == "root" && ($2 == "" || $2 !~ /^[!*]/) { $2 = "*" } { print }' \
	"$t/etc/shadow" >"$t/etc/shadow.new"
chmod --reference="$t/etc/shadow" "$t/etc/shadow.new"
chown --reference="$t/etc/shadow" "$t/etc/shadow.new"
mv -f "$t/etc/shadow.new" "$t/etc/shadow"
root_pw=$(awk -F: '$1 == "root" { print $2 }' "$t/etc/shadow")
case $root_pw in '*'*|'!'*) ;; *) die "root has a password in /etc/shadow" ;; esac

# The first-boot unit, and the gadget.
install -d "$t/usr/lib/ffsgadget-image"
install -m 755 "$here/firstboot/ffsgadget-firstboot" "$t/usr/lib/ffsgadget-image/"
install -m 644 "$here/firstboot/ffsgadget-firstboot.service" "$t/etc/systemd/system/"
wants=$t/etc/systemd/system/multi-user.target.wants
mkdir -p "$wants"
ln -sfn /etc/systemd/system/ffsgadget-firstboot.service "$wants/ffsgadget-firstboot.service"
unit=$(cd "$t" && ls usr/lib/systemd/system/ffsgadget@.service lib/systemd/system/ffsgadget@.service 2>/dev/null | head -n 1)
[ -n "$unit" ] || die "the ffsgadget package installed no ffsgadget@.service"
ln -sfn "/$unit" "$wants/ffsgadget@gadget-zero.service"
[ -f "$t/etc/ffsgadget/gadget-zero.scheme" ] || die "no /etc/ffsgadget/gadget-zero.scheme in the package"

# The kernel and its initramfs, as the packages installed them.
kver=$(cd "$t/boot" && ls vmlinuz-* | sed 's/^vmlinuz-//' | sort -V | tail -n 1)
[ -n "$kver" ] && [ -f "$t/boot/initrd.img-$kver" ] || die "no kernel with an initramfs in /boot"
log "kernel $kver"

case $layout in
raspi)
	# raspi-firmware's hooks copied the kernel, the initramfs and the device
	# trees to /boot/firmware and wrote config.txt and cmdline.txt, whose
	# root= comes from /etc/default/raspi-firmware: name the image's root
	# there (so a kernel update on the board keeps it) and in cmdline.txt.
	fw=$t/boot/firmware
	[ -f "$fw/config.txt" ] && [ -f "$fw/cmdline.txt" ] ||
		die "raspi-firmware wrote no config.txt/cmdline.txt in /boot/firmware"
	def=$t/etc/default/raspi-firmware
	if grep -q '^#\?ROOTPART=' "$def"; then
		sed -i "s|^#\?ROOTPART=.*|ROOTPART=LABEL=$root_label|" "$def"
	else
		echo "ROOTPART=LABEL=$root_label" >>"$def"
	fi
	sed -i "s|root=[^ ]*|root=LABEL=$root_label|" "$fw/cmdline.txt"
	grep -q "root=LABEL=$root_label" "$fw/cmdline.txt" || die "cmdline.txt names no root= to replace"
	;;
uboot)
	# U-Boot (u-boot-omap, am335x_evm) from the first FAT partition: the
	# boot ROM loads MLO, MLO loads u-boot.img, U-Boot's distro boot reads
	# extlinux/extlinux.conf there, which names the kernel, the initramfs
	# and the device tree beside it.
	fw=$t/boot/firmware
	ub=$t/usr/lib/u-boot/am335x_evm
	[ -f "$ub/MLO" ] && [ -f "$ub/u-boot.img" ] || die "u-boot-omap has no am335x_evm MLO/u-boot.img"
	cp "$ub/MLO" "$ub/u-boot.img" "$fw/"
	mkdir -p "$fw/extlinux" "$fw/dtbs"
	cp "$t/boot/vmlinuz-$kver" "$fw/vmlinuz"
	cp "$t/boot/initrd.img-$kver" "$fw/initrd.img"
	cp "$t/usr/lib/linux-image-$kver/am335x-boneblack.dtb" "$fw/dtbs/" 2>/dev/null ||
		cp "$t/usr/lib/linux-image-$kver/ti/omap/am335x-boneblack.dtb" "$fw/dtbs/" ||
		die "no am335x-boneblack.dtb in linux-image-$kver"
	cat >"$fw/extlinux/extlinux.conf" <<EOT
# ffsgadget image: Debian's armmp kernel $kver (copied here at build time)
default ffsgadget
timeout 1
label ffsgadget
	kernel /vmlinuz
	initrd /initrd.img
	fdt /dtbs/am335x-boneblack.dtb
	append root=LABEL=$root_label rootwait console=ttyS0,115200n8
EOT
	;;
esac

# The profile's boot configuration, applied by the image's own ffsgadget
# (through qemu-user: the target's binary against the target's libraries).
case $arch in arm64) qemu=qemu-aarch64 ;; *) qemu=qemu-arm ;; esac
profile=$t/usr/share/ffsgadget/boards/$board.conf
[ -f "$profile" ] || die "the package has no boards/$board.conf"
log "ffsgadget board install $board (the image's own binary, $qemu)"
"$qemu" -L "$t" "$t/usr/bin/ffsgadget" board install "$profile" --boot "$t/boot/firmware" --root "$t" >&2 ||
	die "ffsgadget board install $board failed"

# What the board finds on its boot partition, for the user at flash time.
cat >"$t/boot/firmware/ffsgadget-README.txt" <<'EOT'
ffsgadget image. Put any of these files here (plain text) before the first
boot; each is read once, then removed. A bad one is renamed NAME.rejected,
the reason is on the console and in the journal, and the board boots on.

  authorized_keys   OpenSSH public keys for root, one a line
  password-hash     root's password hash, one line: mkpasswd (yescrypt) or
                    openssl passwd -6 ; there is no password otherwise
  hostname          one line: the host name (a-z, 0-9, '-')
  gadget.scheme     a gadget scheme run instead of gadget-zero
                    (descriptions named by absolute paths)

Details: boards/README.md in the ffsgadget sources.
EOT
