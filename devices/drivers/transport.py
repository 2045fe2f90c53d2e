"""Serial transport shared by the protocol drivers: timeouts, bounded retries, reconnects, hex logging.

One `SerialLink` owns one port; several addressed instruments (RS-485) may share it, each exchange holding
the link's lock. A reply that never comes, comes garbled or fails its check is retried a bounded number of
times; a port that disappears is reopened on the next attempt. What cannot be recovered raises
`DeviceError` (naming the device and port) for the safety layer to act on.
"""

from __future__ import annotations

import logging
import termios
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TypeVar

import serial

log = logging.getLogger("devices.drivers")
T = TypeVar("T")
READ_SLICE_S = 0.01  # reads wait at most this long at a time, so an exchange keeps its own deadline
GARBLED_TAIL_S = 0.02  # after a bad reply, how long its remaining bytes may take to arrive


class DeviceError(RuntimeError):
    """An instrument could not be reached or did not answer sensibly (one line: device, port, cause)."""


class InstrumentError(DeviceError):
    """The instrument answered with an error reply (not retried: repeating the request would not help)."""


class ReplyError(ValueError):
    """A reply failed its checksum or could not be parsed (retried)."""


@dataclass
class LinkStats:
    """Fault counters of one device's exchanges."""

    exchanges: int = 0
    retries: int = 0
    timeouts: int = 0
    reply_errors: int = 0
    reconnects: int = 0
    failures: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class Reader:
    """Reads a reply from the port within one deadline."""

    def __init__(self, port: serial.SerialBase, deadline: float) -> None:
        self._port = port
        self._deadline = deadline
        self.received = bytearray()

    def _remaining(self) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return left

    def send(self, data: bytes) -> None:
        """Write more bytes within the same exchange (e.g. a TPG's ENQ after its ACK)."""
        log.debug("  > %s", data.hex(" "))
        self._port.write(data)
        self._port.flush()

    def exact(self, count: int) -> bytes:
        """Exactly `count` bytes, or TimeoutError."""
        out = bytearray()
        while len(out) < count:
            self._remaining()
            chunk = self._port.read(count - len(out))
            out += chunk
            self.received += chunk
        return bytes(out)

    def until(self, terminator: bytes, limit: int = 512) -> bytes:
        """Bytes up to and including `terminator`, or TimeoutError / ReplyError when too long."""
        out = bytearray()
        while not out.endswith(terminator):
            if len(out) > limit:
                raise ReplyError(f"no {terminator!r} within {limit} bytes")
            self._remaining()
            chunk = self._port.read(1)
            out += chunk
            self.received += chunk
        return bytes(out)


@dataclass(frozen=True)
class PortSettings:
    """Line settings of a serial port."""

    baudrate: int
    bytesize: int = 8
    parity: str = "N"
    stopbits: int = 1


class SerialLink:
    """One serial port (or pyserial URL), opened lazily and reopened after it disappears."""

    def __init__(self, port: str, settings: PortSettings, *, timeout_s: float = 0.5, retries: int = 2) -> None:
        self.port = port
        self.settings = settings
        self.timeout_s = timeout_s
        self.retries = retries
        self.lock = threading.RLock()
        self._serial: serial.SerialBase | None = None
        self._quiet_until = 0.0  # monotonic time before which a late or garbled reply may still arrive

    def _open(self, device: str) -> serial.SerialBase:
        if self._serial is None:
            s = self.settings
            try:
                self._serial = serial.serial_for_url(self.port, baudrate=s.baudrate, bytesize=s.bytesize,
                                                     parity=s.parity, stopbits=s.stopbits, timeout=READ_SLICE_S,
                                                     write_timeout=self.timeout_s, exclusive=False)
            except (serial.SerialException, OSError, ValueError, termios.error) as exc:
                raise DeviceError(f"{device} on {self.port}: cannot open port: {_first_line(exc)}") from None
        return self._serial

    def close(self) -> None:
        """Close the port (it reopens on the next exchange)."""
        with self.lock:
            if self._serial is not None:
                try:
                    self._serial.close()
                finally:
                    self._serial = None

    def exchange(self, device: str, stats: LinkStats, request: bytes, read: Callable[[Reader], T],
                 *, settle_s: float = 0.0) -> T:
        """Send `request`, read and parse the reply with `read`; retry, reconnect, or raise DeviceError."""
        attempts = self.retries + 1
        last = "no reply"
        with self.lock:
            stats.exchanges += 1
            for attempt in range(attempts):
                if attempt:
                    stats.retries += 1
                reader = None
                try:
                    port = self._open(device)
                    self._await_quiet(port)
                    log.debug("%s %s > %s", device, self.port, request.hex(" "))
                    port.write(request)
                    port.flush()
                    reader = Reader(port, time.monotonic() + self.timeout_s)
                    result = read(reader)
                    log.debug("%s %s < %s", device, self.port, bytes(reader.received).hex(" "))
                    if settle_s:
                        time.sleep(settle_s)
                    return result
                except TimeoutError:
                    stats.timeouts += 1
                    got = bytes(reader.received).hex(" ") if reader else ""
                    last = f"no reply within {self.timeout_s:g} s" + (f" (partial: {got})" if got else "")
                    log.debug("%s %s timeout %s", device, self.port, got)
                    self._quiet_until = time.monotonic() + self.timeout_s
                except ReplyError as exc:
                    stats.reply_errors += 1
                    last = f"bad reply: {exc}"
                    log.debug("%s %s bad reply: %s", device, self.port, exc)
                    self._quiet_until = time.monotonic() + min(GARBLED_TAIL_S, self.timeout_s)
                except (serial.SerialException, OSError, termios.error) as exc:
                    stats.reconnects += 1
                    last = f"port error: {_first_line(exc)}"
                    self.close()
                except InstrumentError as exc:
                    stats.failures += 1
                    raise InstrumentError(f"{device} on {self.port}: {exc}") from None
                except DeviceError:
                    stats.failures += 1
                    raise
            stats.failures += 1
        raise DeviceError(f"{device} on {self.port}: {last} after {attempts} attempt(s) "
                          f"(check power, cable, address and baud rate {self.settings.baudrate})")

    def _await_quiet(self, port: serial.SerialBase) -> None:
        """Drop unread input, first letting the rest of a garbled reply, or a late one, arrive.

        After a timeout the line stays reserved for one more timeout, so a reply up to twice the timeout late
        is discarded instead of being taken as the answer to the next request (two register reads look alike).
        """
        pause = self._quiet_until - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        port.reset_input_buffer()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
