#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The line settings of descriptors/bridge-cp210x.conf, as the host sets them.

The description answers every CP210x request but two from its table; this
program gets those two, SET_BAUDRATE and SET_LINE_CTL, and prints each:

    baud 115200
    line 8N1

The serial data itself is on the PTY (RUNTIME_DIR/cp210x-tty), not here.
usage: cp210x_lines.py [--runtime-dir DIR]
"""
import argparse
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ffsgadget_bridge import Device, Stall  # noqa: E402

SET_LINE_CTL, SET_BAUDRATE = 0x03, 0x1E
PARITY = "NOEMS"                # none, odd, even, mark, space: bits 7:4
STOP = {0: "1", 1: "1.5", 2: "2"}


class SerialLines(Device):
    def control(self, setup):
        if setup.request == SET_BAUDRATE and len(setup.data) == 4:
            print("baud", struct.unpack("<I", setup.data)[0], flush=True)
            return None
        if setup.request == SET_LINE_CTL and not setup.is_in:
            bits, parity, stop = setup.value >> 8, (setup.value >> 4) & 0xF, setup.value & 0xF
            if parity >= len(PARITY) or stop not in STOP:
                raise Stall()
            print("line %d%s%s" % (bits, PARITY[parity], STOP[stop]), flush=True)
            return None
        raise Stall()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runtime-dir", help="the daemon's runtime directory")
    SerialLines("cp210x.ctl", parser.parse_args().runtime_dir).serve()


if __name__ == "__main__":
    main()
