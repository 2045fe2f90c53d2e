"""Serving an instrument protocol on a pseudo-terminal, with line checks, baud pacing and fault injection.

The emulator holds the master side of a pty; a client opens the slave path (or `link`, a symlink to it)
like any serial port. A client whose line settings differ from the instrument's (baud rate, data bits,
parity) gets no answer, as on a real line where such bytes arrive as framing errors.
"""

from __future__ import annotations

import contextlib
import os
import pty
import random
import select
import termios
import threading
import time
import tty
from dataclasses import dataclass, field
from pathlib import Path

BAUD_CONSTANTS = {getattr(termios, f"B{rate}"): rate for rate in
                  (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)}


@dataclass
class Faults:
    """Reply faults injected at `rate` (each reply independently): dropped, delayed or corrupted."""

    rate: float = 0.0
    delay_s: float = 0.1
    seed: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {"dropped": 0, "delayed": 0, "corrupted": 0})

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be within [0, 1], got {self.rate}")
        self._rng = random.Random(self.seed)

    def draw(self) -> str | None:
        """The fault to inject into the next reply, if any."""
        if self.rate and self._rng.random() < self.rate:
            kind = self._rng.choice(list(self.counts))
            self.counts[kind] += 1
            return kind
        return None

    def corrupt(self, reply: bytes, keep_tail: int) -> bytes:
        """The reply with one byte (not among the last `keep_tail`) garbled as by a line error."""
        if len(reply) <= keep_tail:
            return reply
        i = self._rng.randrange(len(reply) - keep_tail)
        return reply[:i] + bytes([reply[i] ^ 0xA5]) + reply[i + 1:]


class PtyEmulator:
    """Base of the protocol emulators: subclasses turn received bytes into replies (`respond`)."""

    name = "instrument"
    bytesize = 8
    parity = "N"
    keep_tail = 1  # bytes at the end of a reply that corruption leaves intact (terminators)

    def __init__(self, *, baudrate: int, link: Path | str | None = None, faults: Faults | None = None,
                 pace: bool = False) -> None:
        self.baudrate = baudrate
        self.faults = faults or Faults()
        self.pace = pace
        self.requests = 0
        self.line_errors = 0
        self.bytes_in = 0  # request bytes served, and reply bytes sent (for line-rate figures)
        self.bytes_out = 0
        self._master, self._slave = pty.openpty()
        tty.setraw(self._slave)
        self.device = os.ttyname(self._slave)
        self.link = Path(link) if link else None
        if self.link is not None:
            with contextlib.suppress(FileNotFoundError):
                self.link.unlink()
            self.link.symlink_to(self.device)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"emulator-{self.name}", daemon=True)
        self._buffer = bytearray()

    @property
    def path(self) -> str:
        """The path a client opens."""
        return str(self.link) if self.link is not None else self.device

    @property
    def bits_per_char(self) -> int:
        return 1 + self.bytesize + (self.parity != "N") + 1

    def wire_seconds(self, n_bytes: int) -> float:
        return n_bytes * self.bits_per_char / self.baudrate

    def start(self) -> PtyEmulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the pty and remove the link."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self.link is not None and self.link.is_symlink():
            self.link.unlink()

    def __enter__(self) -> PtyEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fault_counts(self) -> dict[str, int]:
        return {**self.faults.counts, "line_errors": self.line_errors}

    # ---- serving ---------------------------------------------------------------------------------
    def _line_ok(self) -> bool:
        # Linux ptys keep the client's baud rate but force 8 data bits without parity, so only the rate is checked.
        ospeed = termios.tcgetattr(self._master)[5]
        return BAUD_CONSTANTS.get(ospeed) == self.baudrate

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self._master, 4096)
            except OSError:  # no client has the slave open: wait for one
                time.sleep(0.01)
                continue
            if not self._line_ok():
                self.line_errors += 1
                self._buffer.clear()
                continue
            self._buffer += data
            for request, reply in self.take_requests():
                self.requests += 1
                self._send(request, reply)

    def take_requests(self) -> list[tuple[bytes, bytes | None]]:
        """Complete requests in the buffer (removed from it) with their replies."""
        raise NotImplementedError

    def _send(self, request: bytes, reply: bytes | None) -> None:
        self.bytes_in += len(request)
        if self.pace:  # the request was still on the wire, then the reply takes its own time
            time.sleep(self.wire_seconds(len(request)) + self.turnaround_s())
        if reply is None:
            return
        fault = self.faults.draw()
        if fault == "dropped":
            return
        if fault == "delayed":
            time.sleep(self.faults.delay_s)
        if fault == "corrupted":
            reply = self.faults.corrupt(reply, self.keep_tail)
        if self.pace:
            time.sleep(self.wire_seconds(len(reply)))
        self.bytes_out += len(reply)
        with contextlib.suppress(OSError):
            os.write(self._master, reply)

    def turnaround_s(self) -> float:
        """Silence the instrument needs before it answers (e.g. Modbus end-of-frame detection)."""
        return 0.0


class LineEmulator(PtyEmulator):
    """An ASCII instrument: requests end with `terminator`; `answer` maps a request line to reply bytes."""

    terminator = b"\r"

    def take_requests(self) -> list[tuple[bytes, bytes | None]]:
        out = []
        while (end := self._buffer.find(self.terminator)) >= 0:
            raw = bytes(self._buffer[:end + len(self.terminator)])
            del self._buffer[:end + len(self.terminator)]
            try:
                line = raw[:-len(self.terminator)].decode("ascii")
            except UnicodeDecodeError:
                out.append((raw, None))
                continue
            out.append((raw, self.answer(line)))
        return out

    def answer(self, line: str) -> bytes | None:
        raise NotImplementedError
