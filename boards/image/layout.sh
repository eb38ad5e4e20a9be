#!/bin/sh
# Lays out the image's partitions from the tree with genimage: the boot
# partition (FAT32, /boot/firmware's files, through mkdosfs and mtools) and
# the root (ext4, the rest, through mke2fs -d) in an MBR partition table,
# the one every board's boot ROM reads (the Pi Zero's has no GPT). No loop
# device, no mount.
#
# usage: boards/image/layout.sh BOARD LAYOUT TREE WORKDIR
#   -> WORKDIR/images/ffsgadget-BOARD.img
set -eu
board=$1 layout=$2 t=$3 work=$4

# The root's size: what is in it, a quarter more and 256 MiB for the first
# boot's own files; the first boot grows it to the card anyway.
used=$(du -sm --exclude=./boot/firmware "$t" | cut -f1)
root_mb=$(( (used * 5 / 4 + 256 + 63) / 64 * 64 ))
boot_mb=256
case $layout in raspi|uboot) ;; *) echo "layout: unknown layout $layout" >&2; exit 2 ;; esac

cat >"$work/genimage.cfg" <<EOT
image boot.vfat {
	vfat {
		label = "FFSBOOT"
		extraargs = "-F 32"
	}
	size = ${boot_mb}M
	mountpoint = "/boot/firmware"
}

image root.ext4 {
	ext4 {
		label = "ffsroot"
		use-mke2fs = true
	}
	size = ${root_mb}M
}

image ffsgadget-$board.img {
	hdimage {
		partition-table-type = "mbr"
	}
	# 4 MiB before the first partition: erase-block aligned on SD cards.
	partition boot {
		partition-type = 0x0c
		bootable = true
		offset = 4M
		image = "boot.vfat"
	}
	partition root {
		partition-type = 0x83
		image = "root.ext4"
	}
}
EOT
rm -rf "$work/genimage-tmp" "$work/images"
mkdir -p "$work/images"
echo "image: $board: partitions: boot ${boot_mb} MiB (FAT32), root ${root_mb} MiB (ext4, $used MiB used)" >&2
genimage --rootpath "$t" --tmppath "$work/genimage-tmp" --inputpath "$work/images" \
	--outputpath "$work/images" --config "$work/genimage.cfg" >"$work/genimage.log" 2>&1 || {
	tail -n 30 "$work/genimage.log" >&2
	exit 1
}
rm -rf "$work/genimage-tmp" "$work/images/boot.vfat" "$work/images/root.ext4"
