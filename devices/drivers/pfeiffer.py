"""Pfeiffer TPG 361/362 gauge controller (9600 8N1, CR LF): mnemonic → ACK, then ENQ → data.

`PR1\\r\\n` → `\\x06\\r\\n`; `\\x05` → `0,+1.2340E-02\\r\\n` (status, value in the controller's unit).
A NAK (`\\x15\\r\\n`) rejects a command.
"""

from __future__ import annotations

from devices.drivers.ascii import read_line
from devices.drivers.transport import InstrumentError, LinkStats, Reader, ReplyError, SerialLink

CRLF = b"\r\n"
ACK, NAK, ENQ = b"\x06", b"\x15", b"\x05"
STATUS = {0: "ok", 1: "underrange", 2: "overrange", 3: "sensor error", 4: "sensor off", 5: "no sensor",
          6: "identification error"}
UNITS = {0: "mbar", 1: "Torr", 2: "Pa", 3: "Micron", 4: "hPa", 5: "V"}
TO_TORR = {"mbar": 0.750061683, "Torr": 1.0, "Pa": 0.00750061683, "Micron": 1e-3, "hPa": 0.750061683}


def mnemonic(text: str) -> bytes:
    """A mnemonic line, e.g. mnemonic('PR1') == b'PR1\\r\\n'."""
    return text.encode("ascii") + CRLF


def query(reader: Reader) -> str:
    """After sending a mnemonic: expect ACK, send ENQ, return the data line."""
    ack = reader.until(CRLF)
    if ack == NAK + CRLF:
        raise InstrumentError("command rejected (NAK)")
    if ack != ACK + CRLF:
        raise ReplyError(f"expected ACK, got {ack!r}")
    reader.send(ENQ)
    return read_line(reader, CRLF)


def parse_pressure(line: str) -> tuple[int, float]:
    """`0,+1.2340E-02` → (status, value)."""
    try:
        status, value = line.split(",")
        return int(status), float(value)
    except ValueError:
        raise ReplyError(f"not a pressure reply: {line!r}") from None


class TPGGauge:
    """A `PressureReader` for channel `channel` of a TPG 36x on `link`; converts the controller unit to Torr."""

    def __init__(self, link: SerialLink, channel: int = 1, *, name: str = "gauge") -> None:
        if channel not in (1, 2):
            raise ValueError(f"TPG 36x channel must be 1 or 2, got {channel}")
        self.link = link
        self.channel = channel
        self.name = name
        self.stats = LinkStats()
        self._unit: str | None = None

    def ask(self, text: str) -> str:
        """The data line answering mnemonic `text`."""
        return self.link.exchange(self.name, self.stats, mnemonic(text), query)

    def read_unit(self) -> str:
        """The controller's pressure unit (UNI)."""
        code = self.ask("UNI")
        try:
            self._unit = UNITS[int(code)]
        except (ValueError, KeyError):
            raise ReplyError(f"unknown unit code {code!r}") from None
        return self._unit

    def read_status_pressure(self) -> tuple[int, float]:
        """(status code, pressure in the controller's unit)."""
        return parse_pressure(self.ask(f"PR{self.channel}"))

    def read_pressure(self) -> float:
        """Pressure in Torr; under/over-range readings are returned at the range limit."""
        unit = self._unit or self.read_unit()
        if unit not in TO_TORR:
            raise InstrumentError(f"{self.name}: controller unit {unit} is not a pressure unit")
        status, value = self.read_status_pressure()
        if status not in (0, 1, 2):
            raise InstrumentError(f"{self.name} on {self.link.port}: channel {self.channel} status {status} "
                                  f"({STATUS.get(status, 'unknown')})")
        return value * TO_TORR[unit]
