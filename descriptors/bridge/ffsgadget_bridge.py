# SPDX-License-Identifier: MIT
"""A USB device in Python for ffsgadget's bridge personality (standard library only).

The daemon serves the descriptors and the endpoints; this module speaks its
control socket (wire format: gadget/wire/bridge_wire.h, descriptors/README.md).
Subclass Device, override control() and on_event(), open data endpoints with
endpoint(), and call serve():

    class Mine(Device):
        def control(self, setup):
            if setup.request == 0x01 and setup.is_in:
                return b"hello"          # IN: the data stage
            if setup.request == 0x02:
                return None              # OUT: accepted
            raise Stall()                # anything else
"""
import collections
import os
import select
import socket
import struct

VERSION = 1
HEADER = struct.Struct("<BBHII")        # version, type, flags, tag, payload length
WELCOME, SETUP, EVENT, ERROR = 0x01, 0x02, 0x03, 0x04
HELLO, DATA, ACK, STALL = 0x10, 0x11, 0x12, 0x13
FLAG_NO_ANSWER = 0x0001
EVENTS = {1: "bind", 2: "unbind", 3: "enable", 4: "disable", 5: "suspend", 6: "resume"}
SPEEDS = {0: "unknown", 1: "full", 2: "high", 3: "super"}


class Stall(Exception):
    """Raise from control() to STALL the request."""


class Refused(Exception):
    """The daemon refused this program (another version, another program connected)."""


Setup = collections.namedtuple("Setup", "request_type request value index length data")
Setup.is_in = property(lambda s: bool(s.request_type & 0x80))


def message(kind, tag=0, payload=b""):
    return HEADER.pack(VERSION, kind, 0, tag, len(payload)) + payload


def receive(sock, size=1 << 20):
    """One transfer from an endpoint() socket: bytes (b"" for a zero-length
    packet), or None once the daemon has closed it."""
    data, ancillary, _, _ = sock.recvmsg(size, socket.CMSG_SPACE(12))
    if not data and not ancillary:
        return None
    return data


class Device:
    """One function served by `ffsgadget run` with personality "bridge"."""

    def __init__(self, control_name, runtime_dir=None):
        self.dir = runtime_dir or os.environ.get("FFSGADGET_RUNTIME_DIR", "/run/ffsgadget")
        self.ctl = self._dial(control_name)
        self.ctl.send(message(HELLO))
        kind, _, _, payload = self._receive()
        if kind != WELCOME:
            raise Refused(payload.decode("utf-8", "replace"))
        self.state, speed, self.timeout_ms = struct.unpack("<BBH", payload[:4])
        self.speed = SPEEDS.get(speed, "unknown")
        self._handlers = {self.ctl.fileno(): self._on_control}

    def _dial(self, name):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect(os.path.join(self.dir, name))
        return s

    def _receive(self):
        buf = self.ctl.recv(HEADER.size + 8 + 65535)
        if not buf:
            raise EOFError("the daemon closed the control socket")
        version, kind, flags, tag, length = HEADER.unpack_from(buf)
        payload = buf[HEADER.size:]
        if version != VERSION or length != len(payload):
            raise ValueError("malformed message from the daemon")
        return kind, flags, tag, payload

    def endpoint(self, name):
        """A data endpoint's SOCK_SEQPACKET socket: one message is one transfer.

        Read it with receive(): a zero-length transfer and the end of the
        connection both recv() as b"", the credentials asked for here tell
        them apart."""
        sock = self._dial(name)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        return sock

    def watch(self, sock, callback):
        """serve() calls callback(sock) whenever sock is readable."""
        self._handlers[sock.fileno()] = lambda: callback(sock)

    def control(self, setup):
        """Answer a control request: bytes (IN), None (OUT accepted), or raise Stall."""
        raise Stall()

    def on_event(self, event, speed):
        """enable, disable, suspend, resume, bind, unbind; speed: full, high, super."""

    def on_error(self, text):
        raise Refused(text)

    def _on_control(self):
        kind, flags, tag, payload = self._receive()
        if kind == EVENT:
            self.speed = SPEEDS.get(payload[1], "unknown")
            self.on_event(EVENTS.get(payload[0], str(payload[0])), self.speed)
        elif kind == ERROR:
            self.on_error(payload.decode("utf-8", "replace"))
        elif kind == SETUP:
            fields = struct.unpack("<BBHHH", payload[:8])
            setup = Setup(*fields, data=payload[8:])
            try:
                reply = self.control(setup)
            except Stall:
                reply = Stall
            if flags & FLAG_NO_ANSWER:
                return                  # data stage already acknowledged by the kernel
            if reply is Stall:
                self.ctl.send(message(STALL, tag))
            elif setup.is_in:
                self.ctl.send(message(DATA, tag, bytes(reply or b"")[:setup.length]))
            else:
                self.ctl.send(message(ACK, tag))

    def serve(self, timeout=None):
        """Dispatch until the daemon closes the control socket (or timeout s idle)."""
        while True:
            ready, _, _ = select.select(list(self._handlers), [], [], timeout)
            if not ready:
                return
            for fd in ready:
                try:
                    self._handlers[fd]()
                except EOFError:
                    return
