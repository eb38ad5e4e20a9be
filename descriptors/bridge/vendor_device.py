#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The vendor device of descriptors/bridge-vendor.conf, written in Python.

Control requests (vendor, interface recipient):
  0x41 0x01  SET_GREETING  OUT, up to 64 bytes: stored
  0xc1 0x02  GET_GREETING  IN: the stored greeting
  0xc1 0x04  GET_COUNTS    IN: le32 transfers looped back, le32 requests seen
  0xc1 0x03  VERSION       answered by the description's table, not here
Anything else STALLs.  Bulk: every transfer on bulk_out comes back on
bulk_in, boundaries and zero-length packets included.

usage: vendor_device.py [--runtime-dir DIR] [--seconds S]
"""
import argparse
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ffsgadget_bridge import Device, Stall, receive  # noqa: E402

SET_GREETING, GET_GREETING, GET_COUNTS = 0x01, 0x02, 0x04
VENDOR_INTERFACE = 0x41         # type vendor, recipient interface (IN adds 0x80)


class VendorDevice(Device):
    def __init__(self, runtime_dir=None):
        super().__init__("vendor.ctl", runtime_dir)
        self.greeting = b"hello from python"
        self.looped = 0
        self.requests = 0
        self.data = self.endpoint("vendor.data")
        self.watch(self.data, self.loop_back)

    def control(self, setup):
        self.requests += 1
        if setup.request_type & 0x7f != VENDOR_INTERFACE:
            raise Stall()
        if setup.request == SET_GREETING and not setup.is_in and len(setup.data) <= 64:
            self.greeting = bytes(setup.data)
            return None
        if setup.request == GET_GREETING and setup.is_in:
            return self.greeting
        if setup.request == GET_COUNTS and setup.is_in:
            return struct.pack("<II", self.looped, self.requests)
        raise Stall()

    def on_event(self, event, speed):
        print("event:", event, speed, flush=True)

    def loop_back(self, sock):
        transfer = receive(sock)
        if transfer is None:
            raise EOFError("the daemon closed the data socket")
        # Blocking: the host reads bulk_in while it writes bulk_out (a device
        # that must answer ep0 while the host does not read would queue here).
        sock.send(transfer)
        self.looped += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runtime-dir", help="the daemon's runtime directory")
    parser.add_argument("--seconds", type=float, help="stop after this long idle")
    args = parser.parse_args()
    device = VendorDevice(args.runtime_dir)
    print("connected: speed %s, answer within %d ms" % (device.speed, device.timeout_ms),
          flush=True)
    device.serve(args.seconds)
    print("looped %d transfers, %d control requests" % (device.looped, device.requests))


if __name__ == "__main__":
    main()
