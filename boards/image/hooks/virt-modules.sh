#!/bin/sh
# mmdebstrap setup hook for the armhf (BeagleBone) image ($1: the root):
# the virtio disk drivers in every initramfs the kernel's packages make,
# before they install, so the image's own initramfs finds its root on
# QEMU's virt machine (the boot test, boot-test.sh) as well as on the board.
# MODULES=most in the armhf root leaves virtio_blk out; on the board the
# modules load nothing (no virtio device) and cost a few tens of KiB. Kept
# in initramfs-tools' modules.d, so update-initramfs on the board keeps
# them, and /etc/initramfs-tools/modules stays the package's own.
set -eu
mkdir -p "$1/usr/share/initramfs-tools/modules.d"
cat >"$1/usr/share/initramfs-tools/modules.d/ffsgadget-image-virtio" <<'EOT'
# ffsgadget image (boards/image/hooks/virt-modules.sh): the virtio disk
# drivers, so this image's initramfs also boots under QEMU -M virt.
virtio_mmio
virtio_blk
EOT
