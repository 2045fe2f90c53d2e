"""MKS PR4000B flow/pressure controller (9600 7O1, CR-terminated ASCII); errors reply `#E<code>`.

Used as a downstream pressure controller: channel `ch` reads the tube pressure (`AV<ch>`), takes a setpoint
(`SP<ch>,<v>`) and switches its valve control on or off (`VL<ch>,ON|OFF`). Setpoint 0 = control off, throttle
open (the sdlab convention of the `PressureController` interface).
"""

from __future__ import annotations

from devices.drivers.ascii import read_line
from devices.drivers.transport import InstrumentError, LinkStats, ReplyError, SerialLink

CR = b"\r"
ERRORS = {"E001": "communication error", "E002": "adc overflow or underflow", "E003": "range error",
          "E010": "syntax error", "E020": "failed to execute command"}


def command(text: str) -> bytes:
    """A command line, e.g. command('SP1,5.00') == b'SP1,5.00\\r'."""
    return text.encode("ascii") + CR


def check_reply(line: str) -> str:
    """The reply, or InstrumentError for `#E...` error replies."""
    if line.startswith("#"):
        code = line[1:].strip()
        raise InstrumentError(f"error reply #{code} ({ERRORS.get(code, 'unknown error')})")
    return line.strip()


def parse_value(line: str) -> float:
    """A numeric reply (e.g. ` 1.2345`)."""
    try:
        return float(check_reply(line))
    except ValueError:
        raise ReplyError(f"not a number: {line!r}") from None


class PR4000BController:
    """A `PressureController` on channel `channel` of an MKS PR4000B."""

    def __init__(self, link: SerialLink, channel: int = 1, *, name: str = "pressure") -> None:
        if channel not in (1, 2):
            raise ValueError(f"PR4000B channel must be 1 or 2, got {channel}")
        self.link = link
        self.channel = channel
        self.name = name
        self.stats = LinkStats()

    def ask(self, text: str) -> str:
        """The reply line to `text` (error replies raise InstrumentError)."""
        return self.link.exchange(self.name, self.stats, command(text), lambda r: check_reply(read_line(r, CR)))

    def _number(self, text: str) -> float:
        return self.link.exchange(self.name, self.stats, command(text), lambda r: parse_value(read_line(r, CR)))

    def identify(self) -> str:
        return self.ask("?ID")

    def read_pressure(self) -> float:
        return self._number(f"AV{self.channel}")

    def read_setpoint(self) -> float:
        if not self.read_valve():
            return 0.0
        return self._number(f"?SP{self.channel}")

    def read_valve(self) -> bool:
        state = self.ask(f"?VL{self.channel}")
        if state not in ("ON", "OFF"):
            raise InstrumentError(f"{self.name}: unexpected valve state {state!r}")
        return state == "ON"

    def write_valve(self, on: bool) -> None:
        self.ask(f"VL{self.channel},{'ON' if on else 'OFF'}")

    def write_setpoint(self, torr: float) -> None:
        if torr > 0:
            self.ask(f"SP{self.channel},{torr:.4g}")
            self.write_valve(True)
        else:
            self.write_valve(False)
