#!/bin/sh
# mmdebstrap setup hook ($1: the root): the boot partition's mount point
# exists before the packages install, so raspi-firmware's and the kernel's
# hooks write the boot files (kernel, initramfs, device trees, config.txt,
# cmdline.txt) into it; the image script makes it the boot partition.
set -eu
mkdir -p "$1/boot/firmware"
